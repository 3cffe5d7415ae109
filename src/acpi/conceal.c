/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Hiding a table from the next one to walk the ACPI tables, so that a guest
 * OS never finds (and programs) the IOMMU behind the VMM's back.
 *
 * All checks and mappings happen before the first byte is written, so a
 * failure leaves the tables as they were.
 */
#include "sdt.h"

#include "util/bytes.h"

#define MAX_TARGETS 16u

struct root {
	enum iog_sdt_kind kind;
	uint8_t *v;
	uint32_t len;	 /* current length: shrinks when entries are unlinked */
	uint32_t maplen; /* length mapped, for unmap */
};

/* Collects the distinct addresses of tables with `signature` from both roots. */
static int collect(const struct iog_acpi *a, const char signature[4], uint64_t *targets,
		   unsigned *count, struct iog_diag *d)
{
	static const enum iog_sdt_kind kinds[2] = {IOG_SDT_XSDT, IOG_SDT_RSDT};
	char sig[4];
	uint64_t e;

	*count = 0;
	for (int k = 0; k < 2; k++) {
		uint32_t n = iog_acpi_entry_count(a, kinds[k]);

		for (uint32_t i = 0; i < n; i++) {
			unsigned j;

			if (iog_acpi_entry(a, kinds[k], i, &e) != IOG_OK ||
			    iog_sdt_peek_signature(a->plat, e, sig) != IOG_OK ||
			    iog_memcmp(sig, signature, 4) != 0)
				continue;
			for (j = 0; j < *count && targets[j] != e; j++)
				;
			if (j < *count)
				continue;
			if (*count == MAX_TARGETS)
				return iog_fail(d, IOG_ENOSPC, e,
						"too many tables with this signature");
			targets[(*count)++] = e;
		}
	}
	return IOG_OK;
}

static int is_target(const uint64_t *targets, unsigned count, uint64_t phys)
{
	for (unsigned i = 0; i < count; i++)
		if (targets[i] == phys)
			return 1;
	return 0;
}

/*
 * BitVisor's way: the table stays where it is with a zeroed signature. The
 * checksum byte absorbs the removed bytes so that a valid table stays valid
 * (and an invalid one stays exactly as invalid); only the header is touched.
 */
static void zap(uint8_t *hdr)
{
	uint8_t removed = iog_acpi_checksum(hdr, 4);

	iog_memset(hdr, 0, 4);
	hdr[9] = (uint8_t)(hdr[9] + removed);
}

/* Removes the target entries from one root table and shrinks it. */
static void unlink_from(struct root *r, const uint64_t *targets, unsigned count)
{
	unsigned esz = sdt_entry_size(r->kind);
	uint32_t n = (r->len - IOG_ACPI_HEADER_LEN) / esz, kept = 0;
	uint8_t *ent = r->v + IOG_ACPI_HEADER_LEN;
	uint32_t newlen;

	for (uint32_t i = 0; i < n; i++) {
		uint64_t e = esz == 8 ? iog_le64(ent + i * esz) : iog_le32(ent + i * esz);

		if (is_target(targets, count, e))
			continue;
		if (kept != i)
			iog_memcpy(ent + kept * esz, ent + i * esz, esz);
		kept++;
	}
	newlen = IOG_ACPI_HEADER_LEN + kept * esz;
	/* Clear what the shrunken table no longer covers, so no stale pointer lingers. */
	iog_memset(r->v + newlen, 0, r->len - newlen);
	iog_put_le32(r->v + 4, newlen);
	iog_acpi_fix_checksum(r->v, newlen);
	r->len = newlen;
}

static void replace_in(struct root *r, const uint64_t *targets, unsigned count, uint64_t with)
{
	unsigned esz = sdt_entry_size(r->kind);
	uint32_t n = (r->len - IOG_ACPI_HEADER_LEN) / esz;
	uint8_t *ent = r->v + IOG_ACPI_HEADER_LEN;

	for (uint32_t i = 0; i < n; i++) {
		uint8_t *p = ent + i * esz;
		uint64_t e = esz == 8 ? iog_le64(p) : iog_le32(p);

		if (!is_target(targets, count, e))
			continue;
		if (esz == 8)
			iog_put_le64(p, with);
		else
			iog_put_le32(p, (uint32_t)with);
	}
	iog_acpi_fix_checksum(r->v, r->len);
}

static int root_has_target(const struct root *r, const uint64_t *targets, unsigned count)
{
	unsigned esz = sdt_entry_size(r->kind);
	uint32_t n = (r->len - IOG_ACPI_HEADER_LEN) / esz;
	const uint8_t *ent = r->v + IOG_ACPI_HEADER_LEN;

	for (uint32_t i = 0; i < n; i++) {
		uint64_t e = esz == 8 ? iog_le64(ent + i * esz) : iog_le32(ent + i * esz);

		if (is_target(targets, count, e))
			return 1;
	}
	return 0;
}

int iog_acpi_conceal(struct iog_acpi *a, const char signature[4], enum iog_conceal_mode mode,
		     uint64_t replacement_phys, struct iog_diag *d)
{
	uint64_t targets[MAX_TARGETS];
	uint8_t *hdr[MAX_TARGETS];
	struct root roots[2] = {{IOG_SDT_RSDT, NULL, 0, 0}, {IOG_SDT_XSDT, NULL, 0, 0}};
	const struct iog_platform *p;
	unsigned count, mapped = 0;
	int err = IOG_OK;

	if (!a || !a->plat || !signature)
		return iog_fail(d, IOG_EINVAL, 0, "bad argument");
	if (mode != IOG_CONCEAL_ZAP && mode != IOG_CONCEAL_UNLINK && mode != IOG_CONCEAL_REPLACE)
		return iog_fail(d, IOG_EINVAL, 0, "unknown concealment mode");
	p = a->plat;
	err = collect(a, signature, targets, &count, d);
	if (err || !count)
		return err;

	/* A root we could not validate may still be read by the guest: never edit it, and
	 * never claim the table is hidden when only the root's pointer would hide it. */
	if (mode != IOG_CONCEAL_ZAP && (a->rsdt_err || a->xsdt_err))
		return iog_fail(d, a->xsdt_err ? a->xsdt_err : a->rsdt_err,
				a->xsdt_err ? a->rsdp.xsdt_address : a->rsdp.rsdt_address,
				"a root table is invalid and must not be edited");

	if (mode == IOG_CONCEAL_REPLACE) {
		struct iog_diag rd;
		uint8_t *v = NULL;
		uint32_t rlen = 0;

		if (!replacement_phys)
			return iog_fail(d, IOG_EINVAL, 0, "no replacement table");
		if (is_target(targets, count, replacement_phys))
			return iog_fail(d, IOG_EINVAL, replacement_phys,
					"the replacement is the table being concealed");
		v = p->map(p->ctx, replacement_phys, IOG_ACPI_HEADER_LEN);
		if (!v)
			return iog_fail(d, IOG_ENOMEM, replacement_phys,
					"cannot map the replacement");
		rlen = iog_le32(v + 4);
		p->unmap(p->ctx, v, IOG_ACPI_HEADER_LEN);
		if (rlen < IOG_ACPI_HEADER_LEN || rlen > IOG_ACPI_MAX_TABLE_LEN)
			return iog_fail(d, IOG_EBADLEN, replacement_phys + 4,
					"replacement table length is impossible");
		v = p->map(p->ctx, replacement_phys, rlen);
		if (!v)
			return iog_fail(d, IOG_ENOMEM, replacement_phys,
					"cannot map the replacement");
		err = (int)iog_acpi_table_check(v, rlen, NULL, &rd);
		p->unmap(p->ctx, v, rlen);
		if (err < 0)
			return iog_fail(d, err, replacement_phys + rd.offset, rd.reason);
		err = IOG_OK;
	}

	/* Map everything that will be written before writing anything. */
	for (int k = 0; k < 2; k++) {
		if (mode == IOG_CONCEAL_ZAP)
			break;
		roots[k].v = iog_sdt_map_root(a, roots[k].kind, &roots[k].len);
		roots[k].maplen = roots[k].len;
		if (!roots[k].v && (roots[k].kind == IOG_SDT_XSDT ? a->xsdt_phys : a->rsdt_phys)) {
			err = iog_fail(d, IOG_ENOMEM, 0, "cannot map a root table");
			goto out;
		}
		if (roots[k].v && mode == IOG_CONCEAL_REPLACE && roots[k].kind == IOG_SDT_RSDT &&
		    replacement_phys > 0xffffffffull &&
		    root_has_target(&roots[k], targets, count)) {
			err = iog_fail(d, IOG_EINVAL, replacement_phys,
				       "replacement above 4 GiB cannot go in a 32-bit RSDT entry");
			goto out;
		}
	}
	if (mode == IOG_CONCEAL_ZAP) {
		for (; mapped < count; mapped++) {
			hdr[mapped] = p->map(p->ctx, targets[mapped], IOG_ACPI_HEADER_LEN);
			if (!hdr[mapped]) {
				err = iog_fail(d, IOG_ENOMEM, targets[mapped],
					       "cannot map the table");
				goto out;
			}
		}
		for (unsigned i = 0; i < count; i++)
			zap(hdr[i]);
	} else {
		for (int k = 0; k < 2; k++) {
			if (!roots[k].v)
				continue;
			if (mode == IOG_CONCEAL_UNLINK)
				unlink_from(&roots[k], targets, count);
			else
				replace_in(&roots[k], targets, count, replacement_phys);
		}
		a->rsdt_len = roots[0].v ? roots[0].len : a->rsdt_len;
		a->xsdt_len = roots[1].v ? roots[1].len : a->xsdt_len;
	}
	err = (int)count;
out:
	for (unsigned i = 0; i < mapped; i++)
		p->unmap(p->ctx, hdr[i], IOG_ACPI_HEADER_LEN);
	for (int k = 0; k < 2; k++) {
		if (!roots[k].v)
			continue;
		p->unmap(p->ctx, roots[k].v, roots[k].maplen);
	}
	return err;
}
