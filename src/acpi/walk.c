/* SPDX-License-Identifier: BSD-2-Clause */
#include "acpi/walk.h"
#include "util/bytes.h"

long iog_walk_len16_at(const uint8_t *p, long off, long end, struct iog_diag *d)
{
	uint16_t length;

	if (off == end)
		return 0;
	if (end - off < 4)
		return iog_fail(d, IOG_ETRUNC, (uint64_t)off,
				"bytes left at the table end are too few for a subtable header");
	length = iog_le16(p + off + 2);
	if (length < 4)
		return iog_fail(d, IOG_EBADLEN, (uint64_t)off + 2,
				"subtable length is below its 4-byte header");
	if (length > end - off)
		return iog_fail(d, IOG_ETRUNC, (uint64_t)off + 2,
				"subtable runs past the end of the table");
	return length;
}

long iog_walk_len8_at(const uint8_t *p, long off, long end, struct iog_diag *d)
{
	if (off == end)
		return 0;
	if (end - off < 2)
		return iog_fail(d, IOG_ETRUNC, (uint64_t)off,
				"one byte left at the table end: no room for a subtable header");
	if (p[off + 1] < 2)
		return iog_fail(d, IOG_EBADLEN, (uint64_t)off + 1,
				"subtable length is below its 2-byte header");
	if (p[off + 1] > end - off)
		return iog_fail(d, IOG_ETRUNC, (uint64_t)off + 1,
				"subtable runs past the end of the table");
	return p[off + 1];
}

long iog_walk_first(const uint8_t *p, long start, long end, walk_step_fn step, struct iog_diag *d)
{
	long r = step(p, start, end, d);

	if (r <= 0)
		return r ? r : IOG_ENOTFOUND;
	return start;
}

long iog_walk_next(const uint8_t *p, long start, long end, long offset, walk_step_fn step,
		   struct iog_diag *d)
{
	long cur, r;

	if (offset < start || offset >= end)
		return iog_fail(d, IOG_EINVAL, (uint64_t)offset,
				"offset is outside the list being walked");
	cur = step(p, offset, end, d);
	if (cur <= 0)
		return cur ? cur : IOG_EINVAL;
	offset += cur;
	r = step(p, offset, end, d);
	if (r <= 0)
		return r ? r : IOG_ENOTFOUND;
	return offset;
}
