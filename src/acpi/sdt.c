/* SPDX-License-Identifier: BSD-2-Clause */
/* RSDT and XSDT: validation, entries, and table lookup by signature. */
#include "sdt.h"

#include "util/bytes.h"

static int platform_ok(const struct iog_platform *p)
{
	return p && p->map && p->unmap;
}

int iog_sdt_peek_signature(const struct iog_platform *p, uint64_t phys, char sig[4])
{
	uint8_t *v;

	if (!phys)
		return IOG_EBADVAL;
	v = p->map(p->ctx, phys, 4);
	if (!v)
		return IOG_ENOMEM;
	iog_memcpy(sig, v, 4);
	p->unmap(p->ctx, v, 4);
	return IOG_OK;
}

/*
 * Validates the table at phys: its header can be mapped, the length is sane
 * and the checksum holds. Returns its length or a negative error; the diag
 * offset is the physical address of the offending byte.
 */
static long check_phys_table(const struct iog_platform *p, uint64_t phys, const char *sig,
			     struct iog_diag *d)
{
	uint8_t *v;
	uint32_t length;
	long r;

	if (!phys)
		return iog_fail(d, IOG_EBADVAL, 0, "table address is zero");
	v = p->map(p->ctx, phys, IOG_ACPI_HEADER_LEN);
	if (!v)
		return iog_fail(d, IOG_ENOMEM, phys, "cannot map the table header");
	length = iog_le32(v + 4);
	p->unmap(p->ctx, v, IOG_ACPI_HEADER_LEN);
	if (length < IOG_ACPI_HEADER_LEN)
		return iog_fail(d, IOG_EBADLEN, phys + 4,
				"table length is below the 36-byte header");
	if (length > IOG_ACPI_MAX_TABLE_LEN)
		return iog_fail(d, IOG_EBADLEN, phys + 4, "table length is absurdly large");
	v = p->map(p->ctx, phys, length);
	if (!v)
		return iog_fail(d, IOG_ENOMEM, phys, "cannot map the whole table");
	r = iog_acpi_table_check(v, length, sig, d);
	p->unmap(p->ctx, v, length);
	if (r < 0 && d)
		d->offset += phys;
	return r;
}

int iog_acpi_init(struct iog_acpi *a, const struct iog_platform *p, uint64_t rsdp_phys,
		  struct iog_diag *d)
{
	uint8_t *v;
	size_t maplen = IOG_RSDP_V2_LEN;
	long r;
	int err;

	if (!a || !platform_ok(p))
		return iog_fail(d, IOG_EINVAL, 0, "no walker or no platform map hook");
	iog_memset(a, 0, sizeof(*a));
	a->plat = p;
	a->rsdp_phys = rsdp_phys;

	/* A v1 RSDP may sit in the last 20 bytes of a mapping; retry shorter. */
	v = p->map(p->ctx, rsdp_phys, maplen);
	if (!v) {
		maplen = IOG_RSDP_V1_LEN;
		v = p->map(p->ctx, rsdp_phys, maplen);
	}
	if (!v)
		return iog_fail(d, IOG_ENOMEM, rsdp_phys, "cannot map the RSDP");
	err = iog_rsdp_check(v, maplen, &a->rsdp, d);
	p->unmap(p->ctx, v, maplen);
	if (err) {
		if (d)
			d->offset += rsdp_phys;
		return err;
	}

	if (a->rsdp.xsdt_address) {
		r = check_phys_table(p, a->rsdp.xsdt_address, "XSDT", d);
		if (r >= 0) {
			a->xsdt_phys = a->rsdp.xsdt_address;
			a->xsdt_len = (uint32_t)r;
		} else {
			a->xsdt_err = (int)r;
		}
	}
	if (a->rsdp.rsdt_address) {
		r = check_phys_table(p, a->rsdp.rsdt_address, "RSDT", a->xsdt_phys ? NULL : d);
		if (r >= 0) {
			a->rsdt_phys = a->rsdp.rsdt_address;
			a->rsdt_len = (uint32_t)r;
		} else {
			a->rsdt_err = (int)r;
		}
	}
	if (!a->rsdt_phys && !a->xsdt_phys) {
		if (!a->rsdt_err && !a->xsdt_err)
			return iog_fail(d, IOG_ENOTFOUND, rsdp_phys + 16,
					"RSDP names no root table");
		return a->xsdt_err ? a->xsdt_err : a->rsdt_err;
	}
	return IOG_OK;
}

uint32_t iog_acpi_entry_count(const struct iog_acpi *a, enum iog_sdt_kind kind)
{
	uint32_t len = kind == IOG_SDT_XSDT ? a->xsdt_len : a->rsdt_len;
	uint32_t n;

	if (len < IOG_ACPI_HEADER_LEN)
		return 0;
	n = (len - IOG_ACPI_HEADER_LEN) / sdt_entry_size(kind);
	return n > IOG_ACPI_MAX_ENTRIES ? IOG_ACPI_MAX_ENTRIES : n;
}

uint8_t *iog_sdt_map_root(const struct iog_acpi *a, enum iog_sdt_kind kind, uint32_t *len)
{
	uint64_t phys = kind == IOG_SDT_XSDT ? a->xsdt_phys : a->rsdt_phys;

	*len = kind == IOG_SDT_XSDT ? a->xsdt_len : a->rsdt_len;
	if (!phys || *len < IOG_ACPI_HEADER_LEN)
		return NULL;
	return a->plat->map(a->plat->ctx, phys, *len);
}

int iog_acpi_entry(const struct iog_acpi *a, enum iog_sdt_kind kind, uint32_t index, uint64_t *phys)
{
	uint32_t len;
	uint8_t *v;
	const uint8_t *e;

	if (!a || !phys || (kind != IOG_SDT_RSDT && kind != IOG_SDT_XSDT))
		return IOG_EINVAL;
	if (index >= iog_acpi_entry_count(a, kind))
		return IOG_ENOTFOUND;
	v = iog_sdt_map_root(a, kind, &len);
	if (!v)
		return IOG_ENOMEM;
	e = v + IOG_ACPI_HEADER_LEN + (size_t)index * sdt_entry_size(kind);
	*phys = kind == IOG_SDT_XSDT ? iog_le64(e) : iog_le32(e);
	a->plat->unmap(a->plat->ctx, v, len);
	return IOG_OK;
}

/* Whether root table `kind` has an entry equal to phys. */
static int root_lists(const struct iog_acpi *a, enum iog_sdt_kind kind, uint64_t phys)
{
	uint32_t n = iog_acpi_entry_count(a, kind);
	uint64_t e;

	for (uint32_t i = 0; i < n; i++)
		if (iog_acpi_entry(a, kind, i, &e) == IOG_OK && e == phys)
			return 1;
	return 0;
}

static int matches(const struct iog_acpi *a, uint64_t phys, const char signature[4])
{
	char sig[4];

	return iog_sdt_peek_signature(a->plat, phys, sig) == IOG_OK &&
	       iog_memcmp(sig, signature, 4) == 0;
}

int iog_acpi_find(const struct iog_acpi *a, const char signature[4], unsigned n,
		  struct iog_acpi_table *t, struct iog_diag *d)
{
	static const enum iog_sdt_kind order[2] = {IOG_SDT_XSDT, IOG_SDT_RSDT};
	unsigned seen = 0, in_xsdt = 0;
	int conflict = 0, found = 0;
	uint64_t phys = 0, e;

	if (!a || !a->plat || !signature || !t)
		return iog_fail(d, IOG_EINVAL, 0, "bad argument");
	for (int k = 0; k < 2; k++) {
		uint32_t count = iog_acpi_entry_count(a, order[k]);

		for (uint32_t i = 0; i < count; i++) {
			if (iog_acpi_entry(a, order[k], i, &e) || !matches(a, e, signature))
				continue;
			if (order[k] == IOG_SDT_XSDT) {
				in_xsdt++;
			} else if (root_lists(a, IOG_SDT_XSDT, e)) {
				continue; /* counted already, from the XSDT */
			} else if (in_xsdt) {
				/* FIRMWARE-BUGS 17: the two roots disagree. */
				conflict = 1;
				continue;
			}
			if (seen++ == n && !found) {
				found = 1;
				phys = e;
			}
		}
	}
	if (!found)
		return iog_fail(d, IOG_ENOTFOUND, 0, "no such table");

	iog_memset(t, 0, sizeof(*t));
	t->phys = phys;
	if (root_lists(a, IOG_SDT_XSDT, phys))
		t->sources |= IOG_SDT_XSDT;
	if (root_lists(a, IOG_SDT_RSDT, phys))
		t->sources |= IOG_SDT_RSDT;
	{
		long r = check_phys_table(a->plat, phys, signature, d);
		uint8_t *v;

		if (r < 0)
			return (int)r;
		t->length = (uint32_t)r;
		v = a->plat->map(a->plat->ctx, phys, IOG_ACPI_HEADER_LEN);
		if (!v)
			return iog_fail(d, IOG_ENOMEM, phys, "cannot map the table header");
		iog_acpi_header_get(v, IOG_ACPI_HEADER_LEN, &t->header);
		a->plat->unmap(a->plat->ctx, v, IOG_ACPI_HEADER_LEN);
	}
	if (conflict)
		return iog_fail(d, IOG_ECONFLICT, phys,
				"RSDT and XSDT list different tables with this signature");
	return IOG_OK;
}
