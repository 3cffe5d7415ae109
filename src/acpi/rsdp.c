/* SPDX-License-Identifier: BSD-2-Clause */
/* Root System Description Pointer (ACPI 6.5, 5.2.5). */
#include <ioguard/acpi.h>

#include "util/bytes.h"

static const char rsdp_sig[8] = {'R', 'S', 'D', ' ', 'P', 'T', 'R', ' '};

int iog_rsdp_check(const void *buf, size_t len, struct iog_rsdp *out, struct iog_diag *d)
{
	const uint8_t *p = buf;
	struct iog_rsdp r;

	if (!buf)
		return iog_fail(d, IOG_EINVAL, 0, "no RSDP");
	if (len < IOG_RSDP_V1_LEN)
		return iog_fail(d, IOG_ETRUNC, 0, "fewer than 20 bytes: no room for an RSDP");
	if (iog_memcmp(p, rsdp_sig, 8) != 0)
		return iog_fail(d, IOG_EBADSIG, 0, "no \"RSD PTR \" signature");
	if (iog_acpi_checksum(p, IOG_RSDP_V1_LEN) != 0)
		return iog_fail(d, IOG_ECHECKSUM, 8,
				"RSDP checksum over the first 20 bytes is wrong");
	iog_memset(&r, 0, sizeof(r));
	iog_memcpy(r.oem_id, p + 9, 6);
	r.revision = p[15];
	r.rsdt_address = iog_le32(p + 16);
	r.length = IOG_RSDP_V1_LEN;
	/* Revision 0 is ACPI 1.0; 2 and later add the XSDT. Revision 1 was never defined. */
	if (r.revision >= 2) {
		if (len < IOG_RSDP_V2_LEN)
			return iog_fail(d, IOG_ETRUNC, 20,
					"revision 2 RSDP cut short before 36 bytes");
		r.length = iog_le32(p + 20);
		if (r.length < IOG_RSDP_V2_LEN)
			return iog_fail(d, IOG_EBADLEN, 20, "revision 2 RSDP length is below 36");
		if (r.length > len)
			return iog_fail(d, IOG_ETRUNC, 20,
					"RSDP length runs past the end of the data");
		if (iog_acpi_checksum(p, r.length) != 0)
			return iog_fail(d, IOG_ECHECKSUM, 32, "RSDP extended checksum is wrong");
		r.xsdt_address = iog_le64(p + 24);
	}
	if (out)
		*out = r;
	return IOG_OK;
}

long iog_rsdp_scan(const void *buf, size_t len)
{
	const uint8_t *p = buf;

	if (!buf)
		return IOG_EINVAL;
	for (size_t off = 0; off + IOG_RSDP_V1_LEN <= len; off += 16)
		if (iog_rsdp_check(p + off, len - off, NULL, NULL) == IOG_OK)
			return (long)off;
	return IOG_ENOTFOUND;
}

/* Scans [phys, phys+len) through the platform; returns 0 and the address, or an error. */
static int scan_window(const struct iog_platform *p, uint64_t phys, size_t len, uint64_t *found)
{
	void *v = p->map(p->ctx, phys, len);
	long off;

	if (!v)
		return IOG_ENOMEM;
	off = iog_rsdp_scan(v, len);
	p->unmap(p->ctx, v, len);
	if (off < 0)
		return (int)off;
	*found = phys + (uint64_t)off;
	return IOG_OK;
}

int iog_rsdp_find(const struct iog_platform *p, uint64_t *rsdp_phys, struct iog_diag *d)
{
	uint8_t *bda;
	uint64_t ebda;

	if (!p || !p->map || !p->unmap || !rsdp_phys)
		return iog_fail(d, IOG_EINVAL, 0, "platform has no map hook");
	/* The BIOS data area holds the EBDA's real-mode segment at 0x40e. */
	bda = p->map(p->ctx, IOG_EBDA_POINTER, 2);
	if (bda) {
		ebda = (uint64_t)iog_le16(bda) << 4;
		p->unmap(p->ctx, bda, 2);
		if (ebda >= 0x400 && ebda < 0xa0000 &&
		    scan_window(p, ebda, IOG_EBDA_SCAN_LEN, rsdp_phys) == IOG_OK)
			return IOG_OK;
	}
	if (scan_window(p, IOG_RSDP_BIOS_START, IOG_RSDP_BIOS_END - IOG_RSDP_BIOS_START,
			rsdp_phys) == IOG_OK)
		return IOG_OK;
	return iog_fail(d, IOG_ENOTFOUND, IOG_RSDP_BIOS_START,
			"no valid RSDP in the EBDA or 0xe0000-0xfffff");
}
