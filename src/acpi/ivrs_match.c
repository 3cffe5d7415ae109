/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Which requester ids an IVHD names, and which IVHD translates a device
 * (AMD IOMMU spec 5.2.2). An OS uses the IVHD blocks of one type only, the
 * highest it knows among 10h, 11h and 40h (each newer type repeats the
 * IOMMUs of the older ones), as Linux does.
 */
#include <ioguard/ivrs.h>

#include "util/bytes.h"

unsigned iog_ivrs_ivhd_type(const void *tbl, size_t len)
{
	struct iog_ivrs_block b;
	unsigned best = 0;

	for (long off = iog_ivrs_first(tbl, len, NULL); off >= 0;
	     off = iog_ivrs_next(tbl, len, off, NULL))
		if (!iog_ivrs_block_get(tbl, len, off, &b, NULL) &&
		    (b.type == IOG_IVHD_10 || b.type == IOG_IVHD_11 || b.type == IOG_IVHD_40) &&
		    b.type > best)
			best = b.type;
	return best;
}

int iog_ivhd_each_range(const void *tbl, size_t len, const struct iog_ivrs_block *b,
			iog_ivhd_range_fn fn, void *ctx, struct iog_diag *d)
{
	struct iog_ivhd_entry e;
	long off;
	int open = 0, err = IOG_OK;
	uint16_t start = 0;

	if (!b || !b->is_ivhd || !fn)
		return iog_fail(d, IOG_EINVAL, b ? b->offset : 0, "not an IVHD");
	for (off = iog_ivhd_entry_first(tbl, len, b, d); off >= 0 && !err;
	     off = iog_ivhd_entry_next(tbl, len, b, off, d)) {
		err = iog_ivhd_entry_get(tbl, len, off, &e, d);
		if (err)
			return err;
		switch (e.type) {
		case IOG_IVHD_ALL: err = fn(ctx, 0, 0xffff); break;
		case IOG_IVHD_ALIAS_SELECT: err = fn(ctx, e.alias, e.alias); /* fall through */
		case IOG_IVHD_SELECT:
		case IOG_IVHD_EXT_SELECT:
		case IOG_IVHD_SPECIAL:
		case IOG_IVHD_ACPI_HID:
			if (!err)
				err = fn(ctx, e.device_id, e.device_id);
			break;
		case IOG_IVHD_ALIAS_RANGE: err = fn(ctx, e.alias, e.alias); /* fall through */
		case IOG_IVHD_RANGE_START:
		case IOG_IVHD_EXT_RANGE:
			open = 1;
			start = e.device_id;
			break;
		case IOG_IVHD_RANGE_END:
			/* An end without a start, or before it, names nothing (firmware bug). */
			if (open && e.device_id >= start)
				err = fn(ctx, start, e.device_id);
			open = 0;
			break;
		default: break;
		}
	}
	if (off != IOG_ENOTFOUND && off < 0)
		return (int)off;
	return err;
}

struct find {
	uint16_t devid;
	int hit;
	unsigned top; /* one past the highest id named */
};

static int find_range(void *ctx, uint16_t first, uint16_t last)
{
	struct find *f = ctx;

	if (f->devid >= first && f->devid <= last)
		f->hit = 1;
	if ((unsigned)last + 1 > f->top)
		f->top = (unsigned)last + 1;
	return IOG_OK;
}

int iog_ivhd_covers(const void *tbl, size_t len, const struct iog_ivrs_block *b, uint16_t devid)
{
	struct find f = {devid, 0, 0};

	return !iog_ivhd_each_range(tbl, len, b, find_range, &f, NULL) && f.hit;
}

unsigned iog_ivhd_device_count(const void *tbl, size_t len, const struct iog_ivrs_block *b)
{
	struct find f = {0, 0, 0};

	iog_ivhd_each_range(tbl, len, b, find_range, &f, NULL);
	return f.top;
}

long iog_ivrs_find_ivhd(const void *tbl, size_t len, uint16_t segment, uint16_t devid,
			struct iog_diag *d)
{
	unsigned type = iog_ivrs_ivhd_type(tbl, len);
	struct iog_ivrs_block b;
	long off;

	for (off = iog_ivrs_first(tbl, len, d); off >= 0; off = iog_ivrs_next(tbl, len, off, d)) {
		int err = iog_ivrs_block_get(tbl, len, off, &b, d);

		if (err)
			return err;
		if (b.type == type && b.segment == segment && iog_ivhd_covers(tbl, len, &b, devid))
			return off;
	}
	if (off != IOG_ENOTFOUND)
		return off;
	return iog_fail(d, IOG_ENOTFOUND, 0, "no IOMMU covers the device");
}
