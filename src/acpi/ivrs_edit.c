/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IVRS editing in place: a block removed is a gap closed at its offset, then
 * the table's length field and checksum made right. The buffer is a valid
 * table between calls.
 */
#include <ioguard/acpi.h>
#include <ioguard/ivrs.h>
#include <ioguard/ivrs_edit.h>

#include "util/bytes.h"

#define TABLE_LENGTH_AT 4u

static int valid_editor(const struct iog_ivrs_edit *e)
{
	return e && e->buf && e->len >= IOG_IVRS_HEADER_LEN && e->len <= e->cap &&
	       e->len <= 0xffffffffu;
}

int iog_ivrs_edit_begin(struct iog_ivrs_edit *e, void *buf, size_t cap, const void *tbl, size_t len,
			struct iog_diag *d)
{
	const uint8_t *src = tbl;
	uint8_t *dst = buf;
	uint32_t length;
	int err;

	if (!e || !buf || !tbl)
		return iog_fail(d, IOG_EINVAL, 0, "no table or no buffer");
	err = iog_ivrs_check(tbl, len, NULL, d);
	if (err)
		return err;
	length = iog_le32(src + TABLE_LENGTH_AT);
	if (length > cap)
		return iog_fail(d, IOG_ENOSPC, 4, "the table does not fit the buffer");
	/* Copying forwards is safe for buf <= tbl, and buf == tbl copies nothing. */
	if (dst < src)
		for (uint32_t i = 0; i < length; i++)
			dst[i] = src[i];
	else if (dst > src)
		for (uint32_t i = length; i > 0; i--)
			dst[i - 1] = src[i - 1];
	e->buf = buf;
	e->cap = cap;
	e->len = length;
	return IOG_OK;
}

long iog_ivrs_edit_find(const struct iog_ivrs_edit *e, int ivmd, unsigned type, unsigned n)
{
	struct iog_ivrs_block b;

	if (!valid_editor(e))
		return IOG_EINVAL;
	for (long off = iog_ivrs_first(e->buf, e->len, NULL); off >= 0;
	     off = iog_ivrs_next(e->buf, e->len, off, NULL)) {
		if (iog_ivrs_block_get(e->buf, e->len, off, &b, NULL))
			continue;
		if (ivmd ? !b.is_ivmd : b.type != type)
			continue;
		if (n-- == 0)
			return off;
	}
	return IOG_ENOTFOUND;
}

int iog_ivrs_edit_remove(struct iog_ivrs_edit *e, long offset, struct iog_diag *d)
{
	struct iog_ivrs_block b;
	long off;

	if (!valid_editor(e))
		return iog_fail(d, IOG_EINVAL, 0, "no table is being edited");
	for (off = iog_ivrs_first(e->buf, e->len, d); off >= 0;
	     off = iog_ivrs_next(e->buf, e->len, off, d))
		if (off == offset)
			break;
	if (off < 0 || iog_ivrs_block_get(e->buf, e->len, off, &b, d))
		return iog_fail(d, IOG_ENOTFOUND, offset < 0 ? 0 : (uint64_t)offset,
				"no block starts at this offset");
	for (size_t i = (size_t)off; i + b.length < e->len; i++)
		e->buf[i] = e->buf[i + b.length];
	e->len -= b.length;
	iog_put_le32(e->buf + TABLE_LENGTH_AT, (uint32_t)e->len);
	iog_acpi_fix_checksum(e->buf, e->len);
	return IOG_OK;
}

long iog_ivrs_edit_finish(struct iog_ivrs_edit *e, struct iog_diag *d)
{
	int err;

	if (!valid_editor(e))
		return iog_fail(d, IOG_EINVAL, 0, "no table is being edited");
	iog_put_le32(e->buf + TABLE_LENGTH_AT, (uint32_t)e->len);
	iog_acpi_fix_checksum(e->buf, e->len);
	err = iog_ivrs_check(e->buf, e->len, NULL, d);
	return err ? err : (long)e->len;
}
