/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * DMAR editing in place (VT-d specification 4.1, chapter 8). Every change is
 * a splice of the byte buffer: open or close a gap at one offset, then patch
 * the lengths of whatever encloses the gap (the structure, the table) and the
 * checksum. The buffer is a valid table between calls.
 */
#include <ioguard/acpi.h>
#include <ioguard/dmar.h>
#include <ioguard/dmar_edit.h>

#include "util/bytes.h"

#define TABLE_LENGTH_AT 4u
#define FLAGS_AT 37u
#define STRUCT_LENGTH_AT 2u
#define STRUCT_FLAGS_AT 4u

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

/* memmove for the core, which has no libc. */
static void move_bytes(uint8_t *dst, const uint8_t *src, size_t n)
{
	if (dst < src) {
		for (size_t i = 0; i < n; i++)
			dst[i] = src[i];
	} else if (dst > src) {
		for (size_t i = n; i > 0; i--)
			dst[i - 1] = src[i - 1];
	}
}

static int valid_editor(const struct iog_dmar_edit *e)
{
	return e && e->buf && e->len >= IOG_DMAR_HEADER_LEN && e->len <= e->cap &&
	       e->len <= 0xffffffffu;
}

/* The table's length field and checksum after a change of length. */
static void seal(struct iog_dmar_edit *e)
{
	iog_put_le32(e->buf + TABLE_LENGTH_AT, (uint32_t)e->len);
	iog_acpi_fix_checksum(e->buf, e->len);
}

/* Opens `n` zeroed bytes at `at` (at <= len), or IOG_ENOSPC. */
static int open_gap(struct iog_dmar_edit *e, size_t at, size_t n, struct iog_diag *d)
{
	if (n > e->cap - e->len || e->len + n > 0xffffffffu)
		return iog_fail(d, IOG_ENOSPC, at, "the edited table does not fit the buffer");
	move_bytes(e->buf + at + n, e->buf + at, e->len - at);
	iog_memset(e->buf + at, 0, n);
	e->len += n;
	return IOG_OK;
}

static void close_gap(struct iog_dmar_edit *e, size_t at, size_t n)
{
	move_bytes(e->buf + at, e->buf + at + n, e->len - at - n);
	e->len -= n;
}

static int get_struct(const struct iog_dmar_edit *e, long offset, struct iog_dmar_struct *s,
		      struct iog_diag *d)
{
	long off;

	if (!valid_editor(e))
		return iog_fail(d, IOG_EINVAL, 0, "no table is being edited");
	/* Only an offset the iterator reaches is a structure, not a spot inside one. */
	for (off = iog_dmar_first(e->buf, e->len, d); off >= 0;
	     off = iog_dmar_next(e->buf, e->len, off, d))
		if (off == offset)
			return iog_dmar_struct_get(e->buf, e->len, off, s, d);
	return iog_fail(d, IOG_ENOTFOUND, offset < 0 ? 0 : (uint64_t)offset,
			"no remapping structure starts at this offset");
}

static int has_scopes(uint16_t type)
{
	return type == IOG_DMAR_DRHD || type == IOG_DMAR_RMRR || type == IOG_DMAR_ATSR ||
	       type == IOG_DMAR_SATC || type == IOG_DMAR_SIDP;
}

static int check_spec(const struct iog_dmar_scope_spec *sc, struct iog_diag *d)
{
	if (!sc || !sc->path_len || sc->path_len > IOG_SCOPE_MAX_PATH || !sc->path)
		return iog_fail(d, IOG_EINVAL, 0, "a device scope needs 1 to 125 path entries");
	if (!iog_scope_type_name(sc->type))
		return iog_fail(d, IOG_EINVAL, 0, "device scope type is reserved");
	return IOG_OK;
}

static size_t spec_len(const struct iog_dmar_scope_spec *sc)
{
	return IOG_SCOPE_HEADER_LEN + 2u * sc->path_len;
}

static void put_scope(uint8_t *p, const struct iog_dmar_scope_spec *sc)
{
	p[0] = sc->type;
	p[1] = (uint8_t)spec_len(sc);
	p[2] = sc->flags;
	p[3] = 0;
	p[4] = sc->enumeration_id;
	p[5] = sc->bus;
	iog_memcpy(p + IOG_SCOPE_HEADER_LEN, sc->path, 2u * sc->path_len);
}

int iog_dmar_edit_begin(struct iog_dmar_edit *e, void *buf, size_t cap, const void *tbl, size_t len,
			struct iog_diag *d)
{
	struct iog_dmar_info info;
	int err;

	if (!e || !buf || !tbl)
		return iog_fail(d, IOG_EINVAL, 0, "no table or no buffer");
	err = iog_dmar_check(tbl, len, &info, d);
	if (err)
		return err;
	if (info.length > cap)
		return iog_fail(d, IOG_ENOSPC, 4, "the table does not fit the buffer");
	if (buf != tbl)
		move_bytes(buf, tbl, info.length);
	e->buf = buf;
	e->cap = cap;
	e->len = info.length;
	return IOG_OK;
}

int iog_dmar_edit_header_flags(struct iog_dmar_edit *e, uint8_t set, uint8_t clear,
			       struct iog_diag *d)
{
	if (!valid_editor(e))
		return iog_fail(d, IOG_EINVAL, 0, "no table is being edited");
	if (set & ~IOG_DMAR_FLAGS_DEFINED)
		return iog_fail(d, IOG_EINVAL, FLAGS_AT, "only the defined DMAR flags can be set");
	e->buf[FLAGS_AT] = (uint8_t)((e->buf[FLAGS_AT] | set) & ~clear);
	seal(e);
	return IOG_OK;
}

long iog_dmar_edit_find(const struct iog_dmar_edit *e, unsigned type, unsigned n)
{
	struct iog_dmar_struct s;

	if (!valid_editor(e))
		return IOG_EINVAL;
	for (long off = iog_dmar_first(e->buf, e->len, NULL); off >= 0;
	     off = iog_dmar_next(e->buf, e->len, off, NULL)) {
		if (iog_dmar_struct_get(e->buf, e->len, off, &s, NULL) || s.type != type)
			continue;
		if (n-- == 0)
			return off;
	}
	return IOG_ENOTFOUND;
}

int iog_dmar_edit_remove(struct iog_dmar_edit *e, long offset, struct iog_diag *d)
{
	struct iog_dmar_struct s;
	int err = get_struct(e, offset, &s, d);

	if (err)
		return err;
	close_gap(e, (size_t)offset, s.length);
	seal(e);
	return IOG_OK;
}

int iog_dmar_edit_add_rmrr(struct iog_dmar_edit *e, uint16_t segment, uint64_t base, uint64_t limit,
			   const struct iog_dmar_scope_spec *scopes, unsigned n, long *offset,
			   struct iog_diag *d)
{
	struct iog_dmar_struct s;
	size_t at, total = IOG_RMRR_HEADER_LEN;
	uint8_t *p;
	int err;

	if (!valid_editor(e))
		return iog_fail(d, IOG_EINVAL, 0, "no table is being edited");
	if (limit < base)
		return iog_fail(d, IOG_EBADVAL, 0, "RMRR limit is below its base");
	if (!scopes || !n)
		return iog_fail(d, IOG_EINVAL, 0, "an RMRR needs at least one device scope");
	for (unsigned i = 0; i < n; i++) {
		err = check_spec(&scopes[i], d);
		if (err)
			return err;
		if (scopes[i].type != IOG_SCOPE_PCI_ENDPOINT &&
		    scopes[i].type != IOG_SCOPE_PCI_SUBHIERARCHY)
			return iog_fail(d, IOG_EINVAL, 0,
					"an RMRR names PCI endpoints and sub-hierarchies only");
		total += spec_len(&scopes[i]);
	}
	if (total > 0xffff)
		return iog_fail(d, IOG_EBADLEN, 0, "the RMRR would be longer than 64 KiB");
	/* VT-d 8.2: structures come in type order; DRHDs, then RMRRs, then the rest. */
	at = e->len;
	for (long off = iog_dmar_first(e->buf, e->len, NULL); off >= 0;
	     off = iog_dmar_next(e->buf, e->len, off, NULL)) {
		if (iog_dmar_struct_get(e->buf, e->len, off, &s, NULL) == IOG_OK &&
		    s.type > IOG_DMAR_RMRR) {
			at = (size_t)off;
			break;
		}
	}
	err = open_gap(e, at, total, d);
	if (err)
		return err;
	p = e->buf + at;
	put_le16(p, IOG_DMAR_RMRR);
	put_le16(p + STRUCT_LENGTH_AT, (uint16_t)total);
	put_le16(p + 6, segment);
	iog_put_le64(p + 8, base);
	iog_put_le64(p + 16, limit);
	p += IOG_RMRR_HEADER_LEN;
	for (unsigned i = 0; i < n; i++) {
		put_scope(p, &scopes[i]);
		p += spec_len(&scopes[i]);
	}
	seal(e);
	if (offset)
		*offset = (long)at;
	return IOG_OK;
}

int iog_dmar_edit_struct_flags(struct iog_dmar_edit *e, long offset, uint8_t set, uint8_t clear,
			       struct iog_diag *d)
{
	struct iog_dmar_struct s;
	int err = get_struct(e, offset, &s, d);
	uint8_t *p;

	if (err)
		return err;
	if (s.type != IOG_DMAR_DRHD && s.type != IOG_DMAR_ATSR && s.type != IOG_DMAR_SATC)
		return iog_fail(d, IOG_EINVAL, (uint64_t)offset, "this structure has no flags");
	p = e->buf + offset + STRUCT_FLAGS_AT;
	*p = (uint8_t)((*p | set) & ~clear);
	seal(e);
	return IOG_OK;
}

int iog_dmar_edit_add_scope(struct iog_dmar_edit *e, long offset,
			    const struct iog_dmar_scope_spec *scope, struct iog_diag *d)
{
	struct iog_dmar_struct s;
	int err = get_struct(e, offset, &s, d);
	size_t n;

	if (err)
		return err;
	if (!has_scopes(s.type))
		return iog_fail(d, IOG_EINVAL, (uint64_t)offset, "this structure has no scopes");
	err = check_spec(scope, d);
	if (err)
		return err;
	n = spec_len(scope);
	if (s.length + n > 0xffff)
		return iog_fail(d, IOG_EBADLEN, (uint64_t)offset,
				"the structure would be longer than 64 KiB");
	err = open_gap(e, s.scopes_end, n, d);
	if (err)
		return err;
	put_scope(e->buf + s.scopes_end, scope);
	put_le16(e->buf + offset + STRUCT_LENGTH_AT, (uint16_t)(s.length + n));
	seal(e);
	return IOG_OK;
}

int iog_dmar_edit_remove_scope(struct iog_dmar_edit *e, long offset, long scope_offset,
			       struct iog_diag *d)
{
	struct iog_dmar_struct s;
	struct iog_dmar_scope sc;
	int err = get_struct(e, offset, &s, d);
	long so;

	if (err)
		return err;
	for (so = iog_dmar_scope_first(e->buf, e->len, &s, d); so >= 0;
	     so = iog_dmar_scope_next(e->buf, e->len, &s, so, d))
		if (so == scope_offset)
			break;
	if (so < 0 || iog_dmar_scope_get(e->buf, e->len, so, &sc, d))
		return iog_fail(d, IOG_ENOTFOUND, scope_offset < 0 ? 0 : (uint64_t)scope_offset,
				"no device scope of this structure starts at this offset");
	close_gap(e, (size_t)so, sc.length);
	put_le16(e->buf + offset + STRUCT_LENGTH_AT, (uint16_t)(s.length - sc.length));
	seal(e);
	return IOG_OK;
}

long iog_dmar_edit_finish(struct iog_dmar_edit *e, struct iog_diag *d)
{
	int err;

	if (!valid_editor(e))
		return iog_fail(d, IOG_EINVAL, 0, "no table is being edited");
	seal(e);
	err = iog_dmar_check(e->buf, e->len, NULL, d);
	return err ? err : (long)e->len;
}
