/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IVRS decoding (AMD IOMMU specification 3.x, chapter 5). As for the DMAR,
 * every element is bounds-checked where it is read, so the iterators alone
 * can walk a hostile table; iog_ivrs_check() walks everything once.
 */
#include <ioguard/acpi.h>
#include <ioguard/ivrs.h>

#include "acpi/walk.h"
#include "util/bytes.h"

long iog_ivrs_extent(const void *tbl, size_t len, struct iog_diag *d)
{
	const uint8_t *p = tbl;
	uint32_t length;

	if (!tbl)
		return iog_fail(d, IOG_EINVAL, 0, "no table");
	if (len < IOG_IVRS_HEADER_LEN)
		return iog_fail(d, IOG_ETRUNC, 0,
				"fewer than 48 bytes: no room for the IVRS header");
	if (iog_memcmp(p, "IVRS", 4) != 0)
		return iog_fail(d, IOG_EBADSIG, 0, "signature is not IVRS");
	length = iog_le32(p + 4);
	if (length < IOG_IVRS_HEADER_LEN)
		return iog_fail(d, IOG_EBADLEN, 4, "table length is below the 48-byte IVRS header");
	return (long)(length < len ? length : len);
}

static int is_ivhd(uint8_t type)
{
	return type == IOG_IVHD_10 || type == IOG_IVHD_11 || type == IOG_IVHD_40;
}

static int is_ivmd(uint8_t type)
{
	return type == IOG_IVMD_ALL || type == IOG_IVMD_SELECT || type == IOG_IVMD_RANGE;
}

long iog_ivrs_first(const void *tbl, size_t len, struct iog_diag *d)
{
	long end = iog_ivrs_extent(tbl, len, d);

	if (end < 0)
		return end;
	return iog_walk_first(tbl, IOG_IVRS_HEADER_LEN, end, iog_walk_len16_at, d);
}

long iog_ivrs_next(const void *tbl, size_t len, long offset, struct iog_diag *d)
{
	long end = iog_ivrs_extent(tbl, len, d);

	if (end < 0)
		return end;
	return iog_walk_next(tbl, IOG_IVRS_HEADER_LEN, end, offset, iog_walk_len16_at, d);
}

int iog_ivrs_block_get(const void *tbl, size_t len, long offset, struct iog_ivrs_block *b,
		       struct iog_diag *d)
{
	const uint8_t *p = tbl, *q;
	long end = iog_ivrs_extent(tbl, len, d);
	long blen;
	unsigned hdr;

	if (end < 0)
		return (int)end;
	if (!b || offset < (long)IOG_IVRS_HEADER_LEN || offset >= end)
		return iog_fail(d, IOG_EINVAL, (uint64_t)offset, "offset is not inside the table");
	blen = iog_walk_len16_at(p, offset, end, d);
	if (blen <= 0)
		return blen ? (int)blen : IOG_EINVAL;
	q = p + offset;
	iog_memset(b, 0, sizeof(*b));
	b->type = q[0];
	b->flags = q[1];
	b->length = (uint16_t)blen;
	b->offset = (uint32_t)offset;
	b->entries_offset = b->entries_end = (uint32_t)(offset + blen);
	if (is_ivhd(b->type)) {
		hdr = b->type == IOG_IVHD_10 ? IOG_IVHD_10_HEADER_LEN : IOG_IVHD_11_HEADER_LEN;
		if (blen < (long)hdr)
			return iog_fail(d, IOG_EBADLEN, (uint64_t)offset + 2,
					"IVHD is shorter than its header");
		b->is_ivhd = 1;
		b->device_id = iog_le16(q + 4);
		b->capability_offset = iog_le16(q + 6);
		b->address = iog_le64(q + 8);
		b->segment = iog_le16(q + 16);
		b->info = iog_le16(q + 18);
		b->attributes = iog_le32(q + 20);
		if (b->type != IOG_IVHD_10) {
			b->efr = iog_le64(q + 24);
			b->efr2 = iog_le64(q + 32);
		}
		b->entries_offset = (uint32_t)offset + hdr;
	} else if (is_ivmd(b->type)) {
		if (blen < (long)IOG_IVMD_LEN)
			return iog_fail(d, IOG_EBADLEN, (uint64_t)offset + 2,
					"IVMD is shorter than 32 bytes");
		b->is_ivmd = 1;
		b->device_id = iog_le16(q + 4);
		b->aux = iog_le16(q + 6);
		b->start = iog_le64(q + 16);
		b->mem_length = iog_le64(q + 24);
	} else if (blen >= 6) {
		b->device_id = iog_le16(q + 4); /* shown as read; its meaning is unknown */
	}
	return IOG_OK;
}

/*
 * The length of a device entry from its type (AMD IOMMU spec 5.2.2.2): the
 * two top bits of the type give 4, 8, 16 or 32 bytes, except the variable
 * ACPI HID entry (22 bytes + its UID). Returns 0 when the type has no known
 * length (16- and 32-byte types other than F0h are reserved).
 */
static unsigned entry_length(const uint8_t *e, size_t avail)
{
	uint8_t type = e[0];

	if (type == IOG_IVHD_ACPI_HID)
		return avail >= 22 ? 22u + e[21] : 22u;
	if (type < 0x80)
		return 4u << (type >> 6);
	return 0;
}

/* Generic step over an entry at `off` inside [.., end). */
static long entry_at(const uint8_t *p, long off, long end, struct iog_diag *d)
{
	unsigned length;

	if (off == end)
		return 0;
	length = entry_length(p + off, (size_t)(end - off));
	if (!length)
		return iog_fail(d, IOG_EBADVAL, (uint64_t)off,
				"device entry type has no defined length: cannot step over it");
	if ((long)length > end - off)
		return iog_fail(d, IOG_ETRUNC, (uint64_t)off,
				"device entry runs past the end of its IVHD");
	return length;
}

static int entry_bounds(const void *tbl, size_t len, const struct iog_ivrs_block *b, long *start,
			long *end, struct iog_diag *d)
{
	long ext = iog_ivrs_extent(tbl, len, d);

	if (ext < 0)
		return (int)ext;
	if (!b || !b->is_ivhd || b->entries_offset > b->entries_end ||
	    b->entries_end > (uint64_t)ext || b->entries_offset < IOG_IVRS_HEADER_LEN)
		return iog_fail(d, IOG_EINVAL, 0, "block is not an IVHD of this table");
	*start = b->entries_offset;
	*end = b->entries_end;
	return IOG_OK;
}

long iog_ivhd_entry_first(const void *tbl, size_t len, const struct iog_ivrs_block *b,
			  struct iog_diag *d)
{
	long start = 0, end = 0;
	int err = entry_bounds(tbl, len, b, &start, &end, d);

	if (err)
		return err;
	return iog_walk_first(tbl, start, end, entry_at, d);
}

long iog_ivhd_entry_next(const void *tbl, size_t len, const struct iog_ivrs_block *b, long offset,
			 struct iog_diag *d)
{
	long start = 0, end = 0;
	int err = entry_bounds(tbl, len, b, &start, &end, d);

	if (err)
		return err;
	return iog_walk_next(tbl, start, end, offset, entry_at, d);
}

int iog_ivhd_entry_get(const void *tbl, size_t len, long offset, struct iog_ivhd_entry *e,
		       struct iog_diag *d)
{
	const uint8_t *p = tbl;
	long end = iog_ivrs_extent(tbl, len, d);
	long elen;

	if (end < 0)
		return (int)end;
	if (!e || offset < (long)IOG_IVRS_HEADER_LEN || offset >= end)
		return iog_fail(d, IOG_EINVAL, (uint64_t)offset, "offset is not inside the table");
	elen = entry_at(p, offset, end, d);
	if (elen <= 0)
		return elen ? (int)elen : IOG_EINVAL;
	p += offset;
	iog_memset(e, 0, sizeof(*e));
	e->type = p[0];
	e->length = (uint8_t)(elen > 255 ? 255 : elen);
	e->offset = (uint32_t)offset;
	e->device_id = iog_le16(p + 1);
	e->data = p[3];
	e->known = 1;
	switch (e->type) {
	case IOG_IVHD_PAD4:
	case IOG_IVHD_ALL:
	case IOG_IVHD_SELECT:
	case IOG_IVHD_RANGE_START:
	case IOG_IVHD_RANGE_END:
	case IOG_IVHD_PAD8: break;
	case IOG_IVHD_ALIAS_SELECT:
	case IOG_IVHD_ALIAS_RANGE: e->alias = iog_le16(p + 5); break;
	case IOG_IVHD_EXT_SELECT:
	case IOG_IVHD_EXT_RANGE: e->ext = iog_le32(p + 4); break;
	case IOG_IVHD_SPECIAL:
		e->handle = p[4];
		e->device_id = iog_le16(p + 5);
		e->variety = p[7];
		break;
	case IOG_IVHD_ACPI_HID:
		e->hid = iog_le64(p + 4);
		e->cid = iog_le64(p + 12);
		e->uid_format = p[20];
		e->uid_len = p[21];
		e->uid = p + 22;
		break;
	default: e->known = 0;
	}
	return IOG_OK;
}

static int check_entries(const void *tbl, size_t len, const struct iog_ivrs_block *b,
			 struct iog_diag *d)
{
	long off = iog_ivhd_entry_first(tbl, len, b, d);

	while (off >= 0)
		off = iog_ivhd_entry_next(tbl, len, b, off, d);
	return off == IOG_ENOTFOUND ? IOG_OK : (int)off;
}

int iog_ivrs_check(const void *tbl, size_t len, struct iog_ivrs_info *info, struct iog_diag *d)
{
	const uint8_t *p = tbl;
	struct iog_ivrs_block b;
	long off = iog_ivrs_extent(tbl, len, d);
	uint32_t length;
	int err;

	if (off < 0)
		return (int)off;
	length = iog_le32(p + 4);
	if (info) {
		info->iv_info = iog_le32(p + 36);
		info->length = length;
	}
	if (length > len)
		return iog_fail(d, IOG_ETRUNC, 4, "table length runs past the end of the data");
	for (off = iog_ivrs_first(tbl, len, d); off >= 0; off = iog_ivrs_next(tbl, len, off, d)) {
		err = iog_ivrs_block_get(tbl, len, off, &b, d);
		if (err)
			return err;
		if (b.is_ivhd) {
			err = check_entries(tbl, len, &b, d);
			if (err)
				return err;
		}
	}
	if (off != IOG_ENOTFOUND)
		return (int)off;
	if (iog_acpi_checksum(p, length) != 0)
		return iog_fail(d, IOG_ECHECKSUM, 9, "checksum does not sum to zero");
	return IOG_OK;
}

const char *iog_ivrs_type_name(unsigned type)
{
	switch (type) {
	case IOG_IVHD_10: return "IVHD (type 10h)";
	case IOG_IVHD_11: return "IVHD (type 11h)";
	case IOG_IVHD_40: return "IVHD (type 40h)";
	case IOG_IVMD_ALL: return "IVMD for all devices";
	case IOG_IVMD_SELECT: return "IVMD for one device";
	case IOG_IVMD_RANGE: return "IVMD for a device range";
	}
	return NULL;
}

const char *iog_ivhd_entry_name(unsigned type)
{
	switch (type) {
	case IOG_IVHD_PAD4: return "Reserved (4 bytes)";
	case IOG_IVHD_ALL: return "All";
	case IOG_IVHD_SELECT: return "Select";
	case IOG_IVHD_RANGE_START: return "Start of range";
	case IOG_IVHD_RANGE_END: return "End of range";
	case IOG_IVHD_PAD8: return "Reserved (8 bytes)";
	case IOG_IVHD_ALIAS_SELECT: return "Alias select";
	case IOG_IVHD_ALIAS_RANGE: return "Alias start of range";
	case IOG_IVHD_EXT_SELECT: return "Extended select";
	case IOG_IVHD_EXT_RANGE: return "Extended start of range";
	case IOG_IVHD_SPECIAL: return "Special device";
	case IOG_IVHD_ACPI_HID: return "ACPI HID device";
	}
	return NULL;
}
