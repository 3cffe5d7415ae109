/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * x2APIC and a concealed DMAR: the DMAR's interrupt flags (VT-d 8.1), the
 * CPUs the MADT lists (ACPI 6.5, 5.2.12.2 and 5.2.12.12), and what a guest
 * without interrupt remapping makes of them.
 */
#include <ioguard/acpi.h>
#include <ioguard/dmar.h>
#include <ioguard/x2apic.h>

#include "acpi/walk.h"
#include "util/bytes.h"
#include "util/log.h"

/* ACPI reserves these IDs for entries that describe no processor. */
#define XAPIC_ID_INVALID 0xffu
#define X2APIC_ID_INVALID 0xffffffffu

static void count_cpu(struct iog_x2apic_report *r, uint32_t flags, uint32_t apic_id)
{
	/* Online Capable: hardware can enable the processor while the OS runs. */
	if (!(flags & (IOG_MADT_ENABLED | IOG_MADT_ONLINE_CAPABLE)))
		return;
	if (!r->cpus || apic_id > r->max_apic_id)
		r->max_apic_id = apic_id;
	r->cpus++;
	r->cpus_above_254 += apic_id > IOG_XAPIC_MAX_ID;
}

/* One MADT entry; entry types other than the two processor structures are skipped. */
static int madt_entry(const uint8_t *p, long off, long len, struct iog_x2apic_report *r,
		      struct iog_diag *d)
{
	const uint8_t *e = p + off;

	switch (e[0]) {
	case IOG_MADT_LOCAL_APIC:
		if (len < (long)IOG_MADT_LOCAL_APIC_LEN)
			return iog_fail(d, IOG_EBADLEN, (uint64_t)off + 1,
					"MADT Processor Local APIC entry is shorter than 8 bytes");
		if (e[3] != XAPIC_ID_INVALID)
			count_cpu(r, iog_le32(e + 4), e[3]);
		break;
	case IOG_MADT_LOCAL_X2APIC:
		if (len < (long)IOG_MADT_LOCAL_X2APIC_LEN)
			return iog_fail(
				d, IOG_EBADLEN, (uint64_t)off + 1,
				"MADT Processor Local x2APIC entry is shorter than 16 bytes");
		if (iog_le32(e + 4) != X2APIC_ID_INVALID)
			count_cpu(r, iog_le32(e + 8), iog_le32(e + 4));
		break;
	}
	return IOG_OK;
}

static int madt_read(const void *madt, size_t madt_len, struct iog_x2apic_report *r,
		     struct iog_diag *d)
{
	const uint8_t *p = madt;
	long end = iog_acpi_table_check(madt, madt_len, "APIC", d), off;

	if (end < 0)
		return (int)end;
	if (end < (long)IOG_MADT_HEADER_LEN)
		return iog_fail(d, IOG_EBADLEN, 4, "MADT length is below its 44-byte header");
	/* Every step is at least 2 bytes inside [44, end): the walk ends. */
	for (off = iog_walk_first(p, IOG_MADT_HEADER_LEN, end, iog_walk_len8_at, d); off >= 0;
	     off = iog_walk_next(p, IOG_MADT_HEADER_LEN, end, off, iog_walk_len8_at, d)) {
		int err = madt_entry(p, off, p[off + 1], r, d);

		if (err)
			return err;
	}
	if (off != IOG_ENOTFOUND)
		return (int)off;
	r->madt_read = 1;
	return IOG_OK;
}

int iog_x2apic_assess(const struct iog_x2apic_input *in, struct iog_x2apic_report *r,
		      struct iog_diag *d)
{
	struct iog_dmar_info info;
	int err;

	if (!r)
		return iog_fail(d, IOG_EINVAL, 0, "no report");
	iog_memset(r, 0, sizeof(*r));
	if (!in || !in->dmar)
		return iog_fail(d, IOG_EINVAL, 0, "no DMAR");
	err = iog_dmar_check(in->dmar, in->dmar_len, &info, d);
	if (err) {
		r->bad_table = IOG_X2APIC_TABLE_DMAR;
		return err;
	}
	if (in->madt) {
		err = madt_read(in->madt, in->madt_len, r, d);
		if (err) {
			iog_memset(r, 0, sizeof(*r));
			r->bad_table = IOG_X2APIC_TABLE_MADT;
			return err;
		}
	}
	r->dmar_flags = info.flags;
	r->intr_remap = (info.flags & IOG_DMAR_INTR_REMAP) != 0;
	r->x2apic_opt_out = (info.flags & IOG_DMAR_X2APIC_OPT_OUT) != 0;
	r->firmware_x2apic = in->firmware_x2apic != 0;
	if (r->firmware_x2apic)
		r->risks |= IOG_X2APIC_RISK_FIRMWARE_ON;
	if (r->cpus_above_254)
		r->risks |= IOG_X2APIC_RISK_APIC_ID_ABOVE_254;
	/* VT-d 8.1: the opt-out is valid only when INTR_REMAP is set. */
	if (r->x2apic_opt_out && r->intr_remap)
		r->risks |= IOG_X2APIC_RISK_OPT_OUT;
	return IOG_OK;
}

const char *iog_x2apic_risk_text(uint32_t risk)
{
	switch (risk) {
	case IOG_X2APIC_RISK_FIRMWARE_ON:
		return "firmware left the CPUs in x2APIC mode: a guest without interrupt "
		       "remapping has to switch them back to xAPIC mode, which is impossible when "
		       "firmware locked x2APIC or the boot CPU's APIC ID is above 254";
	case IOG_X2APIC_RISK_APIC_ID_ABOVE_254:
		return "some CPUs have APIC IDs above 254: without interrupt remapping no device "
		       "interrupt can name them, and a guest leaves them offline";
	case IOG_X2APIC_RISK_OPT_OUT:
		return "the DMAR sets X2APIC_OPT_OUT: firmware asks the OS not to enable x2APIC "
		       "mode, and a guest that cannot see the DMAR cannot honour that";
	}
	return NULL;
}

/* The risks in a few words each, in bit order. */
static const char *const risk_brief[IOG_X2APIC_RISKS] = {
	"firmware left x2APIC mode on",
	"CPUs above APIC ID 254",
	"X2APIC_OPT_OUT hidden from the guest",
};

size_t iog_x2apic_format(const struct iog_x2apic_report *r, char *buf, size_t size)
{
	const char *sep = " at risk without the DMAR:";
	size_t n;

	if (!buf || !size)
		return 0;
	if (!r)
		return iog_format(buf, size, "x2apic: no report");
	n = iog_format(buf, size, "x2apic:%s", r->risks ? "" : " concealing the DMAR is safe");
	for (unsigned i = 0; i < IOG_X2APIC_RISKS; i++) {
		if (!(r->risks & (1u << i)))
			continue;
		n += iog_format(buf + n, size - n, "%s %s", sep, risk_brief[i]);
		sep = ",";
	}
	n += iog_format(buf + n, size - n, " (DMAR flags 0x%x: %s; ", (unsigned)r->dmar_flags,
			r->intr_remap ? "the guest loses interrupt remapping"
				      : "no interrupt remapping to lose");
	if (r->madt_read)
		n += iog_format(buf + n, size - n, "%u of %u CPUs above APIC ID 254, highest 0x%x)",
				(unsigned)r->cpus_above_254, (unsigned)r->cpus,
				(unsigned)r->max_apic_id);
	else
		n += iog_format(buf + n, size - n, "CPUs not counted)");
	return n;
}
