/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * DMAR decoding (VT-d specification 4.1, chapter 8). Every element is
 * bounds-checked where it is read, so that the iterators alone can walk a
 * hostile table; iog_dmar_check() just walks everything once.
 */
#include <ioguard/acpi.h>
#include <ioguard/dmar.h>

#include "acpi/walk.h"
#include "util/bytes.h"

/* Smallest legal length of each known remapping structure, and where its scopes start. */
static const struct {
	uint16_t min_len;
	uint16_t scopes_at; /* 0: the type has no device scopes */
} layout[] = {
	[IOG_DMAR_DRHD] = {16, 16}, [IOG_DMAR_RMRR] = {24, 24}, [IOG_DMAR_ATSR] = {8, 8},
	[IOG_DMAR_RHSA] = {20, 0},  [IOG_DMAR_ANDD] = {8, 0},	[IOG_DMAR_SATC] = {8, 8},
	[IOG_DMAR_SIDP] = {8, 8},
};

#define KNOWN_TYPES (sizeof(layout) / sizeof(layout[0]))

long iog_dmar_extent(const void *tbl, size_t len, struct iog_diag *d)
{
	const uint8_t *p = tbl;
	uint32_t length;

	if (!tbl)
		return iog_fail(d, IOG_EINVAL, 0, "no table");
	if (len < IOG_DMAR_HEADER_LEN)
		return iog_fail(d, IOG_ETRUNC, 0,
				"fewer than 48 bytes: no room for the DMAR header");
	if (iog_memcmp(p, "DMAR", 4) != 0)
		return iog_fail(d, IOG_EBADSIG, 0, "signature is not DMAR");
	length = iog_le32(p + 4);
	if (length < IOG_DMAR_HEADER_LEN)
		return iog_fail(d, IOG_EBADLEN, 4, "table length is below the 48-byte DMAR header");
	/* A length beyond the data is an error for check(); iterators stay inside both. */
	return (long)(length < len ? length : len);
}

long iog_dmar_first(const void *tbl, size_t len, struct iog_diag *d)
{
	long end = iog_dmar_extent(tbl, len, d);

	if (end < 0)
		return end;
	return iog_walk_first(tbl, IOG_DMAR_HEADER_LEN, end, iog_walk_len16_at, d);
}

long iog_dmar_next(const void *tbl, size_t len, long offset, struct iog_diag *d)
{
	long end = iog_dmar_extent(tbl, len, d);

	if (end < 0)
		return end;
	return iog_walk_next(tbl, IOG_DMAR_HEADER_LEN, end, offset, iog_walk_len16_at, d);
}

int iog_dmar_struct_get(const void *tbl, size_t len, long offset, struct iog_dmar_struct *s,
			struct iog_diag *d)
{
	const uint8_t *p = tbl, *q;
	long end = iog_dmar_extent(tbl, len, d);
	long slen;

	if (end < 0)
		return (int)end;
	if (!s || offset < (long)IOG_DMAR_HEADER_LEN || offset >= end)
		return iog_fail(d, IOG_EINVAL, (uint64_t)offset, "offset is not inside the table");
	slen = iog_walk_len16_at(p, offset, end, d);
	if (slen <= 0)
		return slen ? (int)slen : IOG_EINVAL;
	q = p + offset;
	iog_memset(s, 0, sizeof(*s));
	s->type = iog_le16(q);
	s->length = (uint16_t)slen;
	s->offset = (uint32_t)offset;
	s->scopes_offset = s->scopes_end = (uint32_t)(offset + slen);
	if (s->type >= KNOWN_TYPES)
		return IOG_OK; /* unknown types are skipped, as the spec asks of software */
	if (slen < layout[s->type].min_len)
		return iog_fail(d, IOG_EBADLEN, (uint64_t)offset + 2,
				"structure is shorter than its type requires");
	s->known = 1;
	if (layout[s->type].scopes_at)
		s->scopes_offset = (uint32_t)offset + layout[s->type].scopes_at;

	switch (s->type) {
	case IOG_DMAR_DRHD:
		s->flags = q[4];
		s->size = q[5];
		s->segment = iog_le16(q + 6);
		s->address = iog_le64(q + 8);
		break;
	case IOG_DMAR_RMRR:
		s->segment = iog_le16(q + 6);
		s->base = iog_le64(q + 8);
		s->limit = iog_le64(q + 16);
		break;
	case IOG_DMAR_ATSR:
	case IOG_DMAR_SATC:
		s->flags = q[4];
		s->segment = iog_le16(q + 6);
		break;
	case IOG_DMAR_SIDP: s->segment = iog_le16(q + 6); break;
	case IOG_DMAR_RHSA:
		s->address = iog_le64(q + 8);
		s->proximity_domain = iog_le32(q + 16);
		break;
	case IOG_DMAR_ANDD:
		s->device_number = q[7];
		s->name = (const char *)q + 8;
		while (s->name_len < slen - 8 && s->name[s->name_len])
			s->name_len++;
		s->name_terminated = s->name_len < slen - 8;
		break;
	}
	return IOG_OK;
}

/* Generic step over a device scope at `off` inside [.., end). */
static long scope_at(const uint8_t *p, long off, long end, struct iog_diag *d)
{
	uint8_t length;

	if (off == end)
		return 0;
	if (end - off < (long)IOG_SCOPE_HEADER_LEN)
		return iog_fail(d, IOG_ETRUNC, (uint64_t)off,
				"bytes left in the structure are too few for a device scope");
	length = p[off + 1];
	if (length < IOG_SCOPE_HEADER_LEN)
		return iog_fail(d, IOG_EBADLEN, (uint64_t)off + 1,
				"device scope length is below its 6-byte header");
	if ((length - IOG_SCOPE_HEADER_LEN) % 2)
		return iog_fail(d, IOG_EBADLEN, (uint64_t)off + 1,
				"device scope length leaves half a path entry");
	if (length > end - off)
		return iog_fail(d, IOG_ETRUNC, (uint64_t)off + 1,
				"device scope runs past the end of its structure");
	return length;
}

/* The scope area of `s`, re-checked against this table so a stale or forged s cannot escape. */
static int scope_bounds(const void *tbl, size_t len, const struct iog_dmar_struct *s, long *start,
			long *end, struct iog_diag *d)
{
	long ext = iog_dmar_extent(tbl, len, d);

	if (ext < 0)
		return (int)ext;
	if (!s || s->scopes_offset > s->scopes_end || s->scopes_end > (uint64_t)ext ||
	    s->scopes_offset < IOG_DMAR_HEADER_LEN)
		return iog_fail(d, IOG_EINVAL, 0, "structure does not belong to this table");
	*start = s->scopes_offset;
	*end = s->scopes_end;
	return IOG_OK;
}

long iog_dmar_scope_first(const void *tbl, size_t len, const struct iog_dmar_struct *s,
			  struct iog_diag *d)
{
	long start = 0, end = 0;
	int err = scope_bounds(tbl, len, s, &start, &end, d);

	if (err)
		return err;
	return iog_walk_first(tbl, start, end, scope_at, d);
}

long iog_dmar_scope_next(const void *tbl, size_t len, const struct iog_dmar_struct *s, long offset,
			 struct iog_diag *d)
{
	long start = 0, end = 0;
	int err = scope_bounds(tbl, len, s, &start, &end, d);

	if (err)
		return err;
	return iog_walk_next(tbl, start, end, offset, scope_at, d);
}

int iog_dmar_scope_get(const void *tbl, size_t len, long offset, struct iog_dmar_scope *sc,
		       struct iog_diag *d)
{
	const uint8_t *p = tbl;
	long end = iog_dmar_extent(tbl, len, d);
	long slen;

	if (end < 0)
		return (int)end;
	if (!sc || offset < (long)IOG_DMAR_HEADER_LEN || offset >= end)
		return iog_fail(d, IOG_EINVAL, (uint64_t)offset, "offset is not inside the table");
	/* Bounded by the table only: the caller got `offset` from the scope iterator. */
	slen = scope_at(p, offset, end, d);
	if (slen <= 0)
		return slen ? (int)slen : IOG_EINVAL;
	p += offset;
	sc->type = p[0];
	sc->length = (uint8_t)slen;
	sc->flags = p[2];
	sc->offset = (uint32_t)offset;
	sc->enumeration_id = p[4];
	sc->bus = p[5];
	sc->path_len = (uint8_t)((slen - IOG_SCOPE_HEADER_LEN) / 2);
	sc->path = p + IOG_SCOPE_HEADER_LEN;
	return IOG_OK;
}

/* Walks every scope of one structure. */
static int check_scopes(const void *tbl, size_t len, const struct iog_dmar_struct *s,
			struct iog_diag *d)
{
	long off = iog_dmar_scope_first(tbl, len, s, d);

	while (off >= 0)
		off = iog_dmar_scope_next(tbl, len, s, off, d);
	return off == IOG_ENOTFOUND ? IOG_OK : (int)off;
}

int iog_dmar_check(const void *tbl, size_t len, struct iog_dmar_info *info, struct iog_diag *d)
{
	const uint8_t *p = tbl;
	struct iog_dmar_struct s;
	long off = iog_dmar_extent(tbl, len, d);
	uint32_t length;
	int err;

	if (off < 0)
		return (int)off;
	length = iog_le32(p + 4);
	if (info) {
		info->width = p[36];
		info->flags = p[37];
		info->length = length;
	}
	if (length > len)
		return iog_fail(d, IOG_ETRUNC, 4, "table length runs past the end of the data");
	for (off = iog_dmar_first(tbl, len, d); off >= 0; off = iog_dmar_next(tbl, len, off, d)) {
		err = iog_dmar_struct_get(tbl, len, off, &s, d);
		if (err)
			return err;
		err = check_scopes(tbl, len, &s, d);
		if (err)
			return err;
	}
	if (off != IOG_ENOTFOUND)
		return (int)off;
	if (iog_acpi_checksum(p, length) != 0)
		return iog_fail(d, IOG_ECHECKSUM, 9, "checksum does not sum to zero");
	return IOG_OK;
}

const char *iog_dmar_type_name(unsigned type)
{
	static const char *const names[] = {"DRHD", "RMRR", "ATSR", "RHSA", "ANDD", "SATC", "SIDP"};

	return type < sizeof(names) / sizeof(names[0]) ? names[type] : NULL;
}

const char *iog_scope_type_name(unsigned type)
{
	switch (type) {
	case IOG_SCOPE_PCI_ENDPOINT: return "PCI endpoint";
	case IOG_SCOPE_PCI_SUBHIERARCHY: return "PCI sub-hierarchy";
	case IOG_SCOPE_IOAPIC: return "IOAPIC";
	case IOG_SCOPE_HPET: return "MSI-capable HPET";
	case IOG_SCOPE_ACPI_NAMESPACE: return "ACPI namespace device";
	}
	return NULL;
}
