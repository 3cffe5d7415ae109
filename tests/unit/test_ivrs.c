/* SPDX-License-Identifier: BSD-2-Clause */
/* IVRS decoding, validation and lint. */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ioguard/ivrs.h>
#include <ioguard/lint.h>

#include "testlib.h"

/* Offsets in the table built by build_full(). */
struct full {
	size_t ivhd10, ivhd11, ivhd40, ivmd20, ivmd21, ivmd22, unknown;
	size_t e_all, e_sel, e_start, e_end, e_alias_sel, e_alias_start, e_alias_end, e_ext_sel,
		e_ext_start, e_ext_end, e_ioapic, e_hpet, e_pad, e_hid, e_hid2;
};

static size_t ivhd_begin(struct tb *t, uint8_t type, uint16_t devid, uint64_t base)
{
	size_t off = t->len;

	tb_u8(t, type);
	tb_u8(t, 0xb0);
	tb_u16(t, 0);
	tb_u16(t, devid);
	tb_u16(t, 0x40);
	tb_u64(t, base);
	tb_u16(t, 0);
	tb_u16(t, 0x1300);
	tb_u32(t, type == 0x10 ? 0x80048f6e : 0x00040200);
	if (type != 0x10) {
		tb_u64(t, 0x246577efa2254afaull);
		tb_u64(t, 0x5);
	}
	return off;
}

static size_t ent4(struct tb *t, uint8_t type, uint16_t dev, uint8_t data)
{
	size_t off = t->len;

	tb_u8(t, type);
	tb_u16(t, dev);
	tb_u8(t, data);
	return off;
}

static size_t ent8(struct tb *t, uint8_t type, uint16_t dev, uint8_t data, uint32_t tail)
{
	size_t off = ent4(t, type, dev, data);

	tb_u32(t, tail);
	return off;
}

static size_t special(struct tb *t, uint8_t handle, uint16_t dev, uint8_t variety)
{
	size_t off = ent4(t, 0x48, 0, 0xd7);

	tb_u8(t, handle);
	tb_u16(t, dev);
	tb_u8(t, variety);
	return off;
}

static size_t hid(struct tb *t, uint16_t dev, const char *h, uint64_t cid, uint8_t fmt,
		  const char *uid)
{
	size_t off = ent4(t, 0xf0, dev, 0x40);
	uint8_t b[8] = {0};

	memcpy(b, h, strlen(h));
	tb_bytes(t, b, 8);
	tb_u64(t, cid);
	tb_u8(t, fmt);
	tb_u8(t, (uint8_t)strlen(uid));
	tb_bytes(t, uid, strlen(uid));
	return off;
}

static size_t ivmd(struct tb *t, uint8_t type, uint16_t dev, uint16_t aux, uint64_t start,
		   uint64_t len)
{
	size_t off = t->len;

	tb_u8(t, type);
	tb_u8(t, 0x07);
	tb_u16(t, 32);
	tb_u16(t, dev);
	tb_u16(t, aux);
	tb_u64(t, 0);
	tb_u64(t, start);
	tb_u64(t, len);
	return off;
}

static void build_full(struct tb *t, struct full *f)
{
	tb_init(t);
	tb_header(t, "IVRS", 2);
	tb_u32(t, 0x00203041);
	tb_u64(t, 0);
	f->ivhd10 = ivhd_begin(t, 0x10, 0x0002, 0xfd200000);
	f->e_all = ent4(t, 0x01, 0, 0);
	f->e_sel = ent4(t, 0x02, 0x0010, 0xd7);
	f->e_start = ent4(t, 0x03, 0x0100, 0);
	f->e_end = ent4(t, 0x04, 0x01ff, 0);
	f->e_pad = ent4(t, 0x00, 0, 0);
	f->e_alias_sel = ent8(t, 0x42, 0x0200, 0, 0x00020100); /* alias 0x0201 at bytes 5-6 */
	f->e_alias_start = ent8(t, 0x43, 0x0300, 0, 0x0000a400);
	f->e_alias_end = ent4(t, 0x04, 0x03ff, 0);
	f->e_ext_sel = ent8(t, 0x46, 0x0400, 0, 0x80000000);
	f->e_ext_start = ent8(t, 0x47, 0x0500, 0, 0x00000001);
	f->e_ext_end = ent4(t, 0x04, 0x05ff, 0);
	f->e_ioapic = special(t, 0x21, 0x00a0, 1);
	f->e_hpet = special(t, 0x00, 0x00a5, 2);
	tb_end16(t, f->ivhd10);
	f->ivhd11 = ivhd_begin(t, 0x11, 0x0002, 0xfd200000);
	ent4(t, 0x03, 0x0008, 0);
	ent4(t, 0x04, 0xfffe, 0);
	special(t, 0x21, 0x00a0, 1);
	tb_end16(t, f->ivhd11);
	f->ivhd40 = ivhd_begin(t, 0x40, 0x0002, 0xfd200000);
	ent4(t, 0x03, 0x0008, 0);
	ent4(t, 0x04, 0xfffe, 0);
	special(t, 0x21, 0x00a0, 1);
	f->e_hid = hid(t, 0x00a5, "AMDI0020", 0, 2, "\\_SB.FUR0");
	f->e_hid2 = hid(t, 0x00a6, "\x41\xd0\x0c\x01", 0x0105d041, 1, "\x07");
	tb_end16(t, f->ivhd40);
	f->ivmd20 = ivmd(t, 0x20, 0, 0, 0x9d000000, 0x100000);
	f->ivmd21 = ivmd(t, 0x21, 0x00a0, 0, 0x9e000000, 0x2000);
	f->ivmd22 = ivmd(t, 0x22, 0x0300, 0x03ff, 0x9f000000, 0x10000);
	f->unknown = t->len;
	tb_u8(t, 0x51);
	tb_u8(t, 0);
	tb_u16(t, 8);
	tb_u32(t, 0x12345678);
	tb_finish(t);
}

static long entry_after(const struct tb *t, const struct iog_ivrs_block *b, long eo)
{
	return iog_ivhd_entry_next(t->buf, t->len, b, eo, NULL);
}

static void test_decode_everything(void **state)
{
	struct tb *t = malloc(sizeof(*t));
	struct full f;
	struct iog_ivrs_info info;
	struct iog_ivrs_block b;
	struct iog_ivhd_entry e;
	struct iog_diag d;
	unsigned types[16], n = 0;
	long off, eo;

	(void)state;
	build_full(t, &f);
	assert_int_equal(iog_ivrs_check(t->buf, t->len, &info, &d), 0);
	assert_int_equal(info.iv_info, 0x00203041);
	for (off = iog_ivrs_first(t->buf, t->len, &d); off >= 0;
	     off = iog_ivrs_next(t->buf, t->len, off, &d)) {
		assert_int_equal(iog_ivrs_block_get(t->buf, t->len, off, &b, &d), 0);
		types[n++] = b.type;
	}
	assert_int_equal(off, IOG_ENOTFOUND);
	assert_int_equal(n, 7);
	assert_int_equal(types[0], 0x10);
	assert_int_equal(types[2], 0x40);
	assert_int_equal(types[6], 0x51);

	assert_int_equal(iog_ivrs_block_get(t->buf, t->len, (long)f.ivhd10, &b, &d), 0);
	assert_true(b.is_ivhd);
	assert_int_equal(b.flags, 0xb0);
	assert_int_equal(b.device_id, 2);
	assert_int_equal(b.capability_offset, 0x40);
	assert_int_equal(b.address, 0xfd200000);
	assert_int_equal(b.info, 0x1300);
	assert_int_equal(b.attributes, 0x80048f6e);
	assert_int_equal(b.efr, 0);
	assert_int_equal(b.entries_offset, f.ivhd10 + 24);
	eo = iog_ivhd_entry_first(t->buf, t->len, &b, &d);
	assert_int_equal(eo, f.e_all);
	assert_int_equal(iog_ivhd_entry_get(t->buf, t->len, eo, &e, &d), 0);
	assert_int_equal(e.type, IOG_IVHD_ALL);
	assert_int_equal(e.length, 4);
	eo = entry_after(t, &b, eo);
	assert_int_equal(iog_ivhd_entry_get(t->buf, t->len, eo, &e, &d), 0);
	assert_int_equal(e.type, IOG_IVHD_SELECT);
	assert_int_equal(e.device_id, 0x0010);
	assert_int_equal(e.data, 0xd7);
	assert_int_equal(iog_ivhd_entry_get(t->buf, t->len, (long)f.e_alias_sel, &e, &d), 0);
	assert_int_equal(e.length, 8);
	assert_int_equal(e.device_id, 0x0200);
	assert_int_equal(e.alias, 0x0201);
	assert_int_equal(iog_ivhd_entry_get(t->buf, t->len, (long)f.e_alias_start, &e, &d), 0);
	assert_int_equal(e.alias, 0x00a4);
	assert_int_equal(iog_ivhd_entry_get(t->buf, t->len, (long)f.e_ext_sel, &e, &d), 0);
	assert_int_equal(e.ext, 0x80000000);
	assert_int_equal(iog_ivhd_entry_get(t->buf, t->len, (long)f.e_ext_start, &e, &d), 0);
	assert_int_equal(e.type, IOG_IVHD_EXT_RANGE);
	assert_int_equal(e.ext, 1);
	assert_int_equal(iog_ivhd_entry_get(t->buf, t->len, (long)f.e_ioapic, &e, &d), 0);
	assert_int_equal(e.type, IOG_IVHD_SPECIAL);
	assert_int_equal(e.handle, 0x21);
	assert_int_equal(e.device_id, 0x00a0);
	assert_int_equal(e.variety, IOG_IVHD_VARIETY_IOAPIC);
	assert_int_equal(iog_ivhd_entry_get(t->buf, t->len, (long)f.e_hpet, &e, &d), 0);
	assert_int_equal(e.variety, IOG_IVHD_VARIETY_HPET);
	assert_int_equal(entry_after(t, &b, (long)f.e_hpet), IOG_ENOTFOUND);

	assert_int_equal(iog_ivrs_block_get(t->buf, t->len, (long)f.ivhd11, &b, &d), 0);
	assert_int_equal(b.efr, 0x246577efa2254afaull);
	assert_int_equal(b.efr2, 5);
	assert_int_equal(b.attributes, 0x00040200);
	assert_int_equal(b.entries_offset, f.ivhd11 + 40);

	assert_int_equal(iog_ivrs_block_get(t->buf, t->len, (long)f.ivhd40, &b, &d), 0);
	assert_int_equal(iog_ivhd_entry_get(t->buf, t->len, (long)f.e_hid, &e, &d), 0);
	assert_int_equal(e.type, IOG_IVHD_ACPI_HID);
	assert_int_equal(e.length, 22 + 9);
	assert_int_equal(e.device_id, 0x00a5);
	assert_memory_equal(&e.hid, "AMDI0020", 8);
	assert_int_equal(e.uid_format, 2);
	assert_int_equal(e.uid_len, 9);
	assert_memory_equal(e.uid, "\\_SB.FUR0", 9);
	assert_int_equal(iog_ivhd_entry_next(t->buf, t->len, &b, (long)f.e_hid, &d), f.e_hid2);
	assert_int_equal(iog_ivhd_entry_get(t->buf, t->len, (long)f.e_hid2, &e, &d), 0);
	assert_int_equal(e.cid, 0x0105d041);
	assert_int_equal(e.uid_len, 1);
	assert_int_equal(e.uid[0], 7);
	assert_int_equal(iog_ivhd_entry_next(t->buf, t->len, &b, (long)f.e_hid2, &d),
			 IOG_ENOTFOUND);

	assert_int_equal(iog_ivrs_block_get(t->buf, t->len, (long)f.ivmd22, &b, &d), 0);
	assert_true(b.is_ivmd);
	assert_int_equal(b.device_id, 0x0300);
	assert_int_equal(b.aux, 0x03ff);
	assert_int_equal(b.start, 0x9f000000);
	assert_int_equal(b.mem_length, 0x10000);
	assert_int_equal(iog_ivhd_entry_first(t->buf, t->len, &b, &d), IOG_EINVAL);
	assert_int_equal(iog_ivrs_block_get(t->buf, t->len, (long)f.unknown, &b, &d), 0);
	assert_false(b.is_ivhd || b.is_ivmd);
	assert_int_equal(b.length, 8);
	assert_string_equal(iog_ivhd_entry_name(0xf0), "ACPI HID device");
	assert_null(iog_ivrs_type_name(0x51));
	free(t);
}

struct bad_case {
	const char *what;
	int code;
	uint64_t offset;
};

static int build_bad(int i, struct tb *t, struct bad_case *c)
{
	struct full f;

	build_full(t, &f);
#define CASE(n, w, code_, off_)                                                                    \
	case n: *c = (struct bad_case){w, code_, off_};
	switch (i) {
		CASE(0, "shorter than the IVRS header", IOG_ETRUNC, 0)
		t->len = 40;
		return 1;
		CASE(1, "not an IVRS", IOG_EBADSIG, 0)
		memcpy(t->buf, "IVRT", 4);
		break;
		CASE(2, "length below the header", IOG_EBADLEN, 4)
		tb_put32(t, 4, 40);
		return 1;
		CASE(3, "length past the data", IOG_ETRUNC, 4)
		tb_put32(t, 4, (uint32_t)t->len + 4);
		return 1;
		CASE(4, "bad checksum", IOG_ECHECKSUM, 9)
		t->buf[9] ^= 0x10;
		return 1;
		CASE(5, "zero-length block", IOG_EBADLEN, f.ivhd10 + 2)
		tb_put16(t, f.ivhd10 + 2, 0);
		break;
		CASE(6, "block past the table end", IOG_ETRUNC, f.unknown + 2)
		tb_put16(t, f.unknown + 2, 9);
		break;
		CASE(7, "IVHD 10h shorter than 24", IOG_EBADLEN, f.ivhd10 + 2)
		tb_put16(t, f.ivhd10 + 2, 20);
		/* what follows must still step: turn the rest into an unknown block */
		t->buf[f.ivhd10 + 20] = 0x7f;
		tb_put16(t, f.ivhd10 + 22, (uint16_t)(f.ivhd11 - f.ivhd10 - 20));
		break;
		CASE(8, "IVHD 11h shorter than 40", IOG_EBADLEN, f.ivhd11 + 2)
		tb_put16(t, f.ivhd11 + 2, 24);
		t->buf[f.ivhd11 + 24] = 0x7f;
		tb_put16(t, f.ivhd11 + 26, (uint16_t)(f.ivhd40 - f.ivhd11 - 24));
		break;
		CASE(9, "IVMD shorter than 32", IOG_EBADLEN, f.ivmd21 + 2)
		tb_put16(t, f.ivmd21 + 2, 28);
		t->buf[f.ivmd21 + 28] = 0x7f;
		tb_put16(t, f.ivmd21 + 30, 4);
		break;
		CASE(10, "entry straddles the IVHD end", IOG_ETRUNC, f.e_hpet)
		tb_put16(t, f.ivhd10 + 2, (uint16_t)(f.e_hpet + 4 - f.ivhd10));
		/* the cut-off half becomes a 4-byte unknown block */
		t->buf[f.e_hpet + 4] = 0x7f;
		t->buf[f.e_hpet + 5] = 0;
		tb_put16(t, f.e_hpet + 6, 4);
		break;
		CASE(11, "ACPI HID UID length past the IVHD", IOG_ETRUNC, f.e_hid)
		t->buf[f.e_hid + 21] = 200;
		break;
		CASE(12, "entry type with no defined length", IOG_EBADVAL, f.e_pad)
		t->buf[f.e_pad] = 0x80;
		break;
		CASE(13, "32-byte reserved entry type", IOG_EBADVAL, f.e_sel)
		t->buf[f.e_sel] = 0xc1;
		break;
		CASE(14, "trailing bytes too few for a block header", IOG_ETRUNC, t->len)
		tb_u16(t, 0);
		break;
		CASE(15, "block length 3", IOG_EBADLEN, f.ivmd20 + 2)
		tb_put16(t, f.ivmd20 + 2, 3);
		break;
		CASE(16, "block length 0xffff", IOG_ETRUNC, f.ivhd40 + 2)
		tb_put16(t, f.ivhd40 + 2, 0xffff);
		break;
		CASE(17, "ACPI HID entry cut before its UID length byte", IOG_ETRUNC, f.e_hid2)
		tb_put16(t, f.ivhd40 + 2, (uint16_t)(f.e_hid2 + 10 - f.ivhd40));
		t->buf[f.e_hid2 + 10] = 0x7f;
		t->buf[f.e_hid2 + 11] = 0;
		tb_put16(t, f.e_hid2 + 12, (uint16_t)(f.ivmd20 - f.e_hid2 - 10));
		break;
		CASE(18, "checksum and structure both bad: structure wins", IOG_EBADLEN,
		     f.ivmd22 + 2)
		tb_put16(t, f.ivmd22 + 2, 0);
		tb_finish(t);
		t->buf[9] ^= 1;
		return 1;
	default: return 0;
	}
#undef CASE
	tb_finish(t);
	return 1;
}

static void test_bad_inputs(void **state)
{
	struct tb *t = malloc(sizeof(*t));
	struct bad_case c;
	struct iog_diag d;
	int n = 0;

	(void)state;
	for (int i = 0; build_bad(i, t, &c); i++, n++) {
		int got;

		memset(&d, 0, sizeof(d));
		got = iog_ivrs_check(t->buf, t->len, NULL, &d);
		if (got != c.code || d.offset != c.offset)
			fail_msg("case %d (%s): got %d at 0x%llx (%s), want %d at 0x%llx", i,
				 c.what, got, (unsigned long long)d.offset,
				 d.reason ? d.reason : "-", c.code, (unsigned long long)c.offset);
		assert_true(iog_lint_ivrs(t->buf, t->len, NULL, NULL) >= 1);
	}
	assert_true(n >= 15);
	print_message("ivrs bad-input suite: %d malformed tables, each with its error\n", n);
	free(t);
}

static void walk_all(const uint8_t *buf, size_t len)
{
	struct iog_ivrs_block b;
	struct iog_ivhd_entry e;

	for (long off = iog_ivrs_first(buf, len, NULL); off >= 0;
	     off = iog_ivrs_next(buf, len, off, NULL)) {
		if (iog_ivrs_block_get(buf, len, off, &b, NULL) || !b.is_ivhd)
			continue;
		for (long eo = iog_ivhd_entry_first(buf, len, &b, NULL); eo >= 0;
		     eo = iog_ivhd_entry_next(buf, len, &b, eo, NULL))
			assert_int_equal(iog_ivhd_entry_get(buf, len, eo, &e, NULL), 0);
	}
}

static void test_truncated_everywhere(void **state)
{
	struct tb *t = malloc(sizeof(*t));
	struct full f;

	(void)state;
	build_full(t, &f);
	for (size_t cut = 0; cut < t->len; cut++) {
		uint8_t *copy = malloc(cut ? cut : 1);

		memcpy(copy, t->buf, cut);
		assert_true(iog_ivrs_check(copy, cut, NULL, NULL) < 0);
		walk_all(copy, cut);
		iog_lint_ivrs(copy, cut, NULL, NULL);
		free(copy);
	}
	free(t);
}

/*
 * A last block of every type and every short length, in a heap copy of
 * exactly the table's size: no reader may touch a byte past the block.
 */
static void test_short_last_block(void **state)
{
	static const uint8_t types[] = {0x10, 0x11, 0x40, 0x20, 0x21, 0x22, 0x51, 0x00};
	struct tb *t = malloc(sizeof(*t));

	(void)state;
	for (size_t i = 0; i < sizeof(types); i++) {
		for (uint16_t blen = 4; blen <= 48; blen++) {
			struct iog_ivrs_block b;
			int known = types[i] != 0x51 && types[i] != 0x00;
			size_t need = types[i] == 0x10			    ? 24
				      : types[i] < 0x20 || types[i] == 0x40 ? 40
									    : 32;
			uint8_t *copy;
			long off;

			tb_init(t);
			tb_header(t, "IVRS", 2);
			tb_u32(t, 0x00203040);
			tb_u64(t, 0);
			tb_u8(t, types[i]);
			tb_u8(t, 0);
			tb_u16(t, blen);
			tb_zeros(t, blen - 4u);
			tb_finish(t);
			copy = malloc(t->len);
			memcpy(copy, t->buf, t->len);
			off = iog_ivrs_first(copy, t->len, NULL);
			assert_int_equal(off, IOG_IVRS_HEADER_LEN);
			if (!known || blen >= need) {
				assert_int_equal(iog_ivrs_block_get(copy, t->len, off, &b, NULL),
						 0);
				assert_int_equal(b.length, blen);
			} else {
				assert_int_equal(iog_ivrs_block_get(copy, t->len, off, &b, NULL),
						 IOG_EBADLEN);
			}
			walk_all(copy, t->len);
			iog_ivrs_check(copy, t->len, NULL, NULL);
			iog_lint_ivrs(copy, t->len, NULL, NULL);
			free(copy);
		}
	}
	free(t);
}

static void test_real_tables(void **state)
{
	char **paths;
	size_t n = shared_tables("ivrs", &paths), hid = 0, t40 = 0;

	(void)state;
	if (!n) {
		print_message("no real IVRS tables under $IOG_SHARED/tables/ivrs: skipped\n");
		skip();
	}
	for (size_t i = 0; i < n; i++) {
		size_t len;
		uint8_t *buf = read_whole(paths[i], &len);
		struct iog_diag d = {0};
		struct iog_ivrs_block b;
		struct iog_ivhd_entry e;

		assert_non_null(buf);
		if (iog_ivrs_check(buf, len, NULL, &d))
			fail_msg("%s: %s at 0x%llx", paths[i], d.reason,
				 (unsigned long long)d.offset);
		walk_all(buf, len);
		for (long off = iog_ivrs_first(buf, len, NULL); off >= 0;
		     off = iog_ivrs_next(buf, len, off, NULL)) {
			assert_int_equal(iog_ivrs_block_get(buf, len, off, &b, NULL), 0);
			t40 += b.type == IOG_IVHD_40;
			if (!b.is_ivhd)
				continue;
			for (long eo = iog_ivhd_entry_first(buf, len, &b, NULL); eo >= 0;
			     eo = iog_ivhd_entry_next(buf, len, &b, eo, NULL)) {
				assert_int_equal(iog_ivhd_entry_get(buf, len, eo, &e, NULL), 0);
				hid += e.type == IOG_IVHD_ACPI_HID;
			}
		}
		free(buf);
	}
	print_message("%zu real IVRS tables valid: %zu IVHD 40h blocks, %zu ACPI HID entries\n", n,
		      t40, hid);
	assert_true(t40 > 0 && hid > 0);
	free_paths(paths, n);
}

struct seen {
	char ids[64][40];
	int n, errors, warnings;
};

static void collect(void *ctx, const struct iog_finding *f)
{
	struct seen *s = ctx;

	if (s->n < 64)
		snprintf(s->ids[s->n++], 40, "%s", f->id);
	s->errors += f->severity == IOG_SEV_ERROR;
	s->warnings += f->severity == IOG_SEV_WARNING;
}

static int has(const struct seen *s, const char *id)
{
	for (int i = 0; i < s->n; i++)
		if (!strcmp(s->ids[i], id))
			return 1;
	return 0;
}

static void expect(struct tb *t, const char *id)
{
	struct seen s;

	memset(&s, 0, sizeof(s));
	tb_finish(t);
	iog_lint_ivrs(t->buf, t->len, collect, &s);
	if (!has(&s, id))
		fail_msg("expected %s, got %d findings (first: %s)", id, s.n, s.n ? s.ids[0] : "-");
}

static void test_lint(void **state)
{
	struct tb *t = malloc(sizeof(*t));
	struct full f;
	struct seen s;
	size_t o;

	(void)state;
	build_full(t, &f);
	memset(&s, 0, sizeof(s));
	iog_lint_ivrs(t->buf, t->len, collect, &s);
	assert_int_equal(s.errors, 0);
	assert_int_equal(s.warnings, 0);
	assert_true(has(&s, "IVRS-BLOCK-UNKNOWN"));

	t->buf[9] ^= 1;
	memset(&s, 0, sizeof(s));
	iog_lint_ivrs(t->buf, t->len, collect, &s);
	assert_true(has(&s, "IVRS-CHECKSUM"));
	build_full(t, &f);
	tb_put16(t, f.ivmd20 + 2, 0);
	expect(t, "IVRS-MALFORMED");

	tb_init(t);
	tb_header(t, "IVRS", 2);
	tb_zeros(t, 12);
	ivmd(t, 0x20, 0, 0, 0x1000, 0);
	ivmd(t, 0x21, 0, 0, 0x1800, 0x1000);
	ivmd(t, 0x22, 0x300, 0x200, 0xfffffffffffff000ull, 0x2000);
	expect(t, "IVRS-NO-IVHD");
	expect(t, "IVRS-IVMD-EMPTY");
	expect(t, "IVRS-IVMD-UNALIGNED");
	expect(t, "IVRS-IVMD-WRAP");
	expect(t, "IVRS-IVMD-RANGE-INVERTED");

	tb_init(t);
	tb_header(t, "IVRS", 2);
	tb_zeros(t, 12);
	o = ivhd_begin(t, 0x10, 0x0002, 0);
	ent4(t, 0x04, 0x10, 0);
	ent4(t, 0x03, 0x20, 0);
	ent4(t, 0x03, 0x30, 0);
	ent4(t, 0x04, 0x20, 0);
	ent4(t, 0x03, 0x00, 0);
	ent4(t, 0x04, 0x40, 0);
	ent4(t, 0x03, 0x08, 0x40);
	ent4(t, 0x04, 0x10, 0);
	ent8(t, 0x48, 0, 0, 0x09000201); /* special device, variety 9 */
	ent4(t, 0x3f, 0, 0);
	hid(t, 0x00a5, "AMDI0020", 0, 5, "");
	ent4(t, 0x03, 0x50, 0);
	tb_end16(t, o);
	o = ivhd_begin(t, 0x10, 0x0002, 0xfd201000);
	tb_end16(t, o);
	expect(t, "IVRS-IVHD-BASE-ZERO");
	expect(t, "IVRS-IVHD-BASE-UNALIGNED");
	expect(t, "IVRS-IVHD-DUPLICATE");
	expect(t, "IVRS-RANGE-END-ALONE");
	expect(t, "IVRS-RANGE-UNTERMINATED");
	expect(t, "IVRS-RANGE-INVERTED");
	expect(t, "IVRS-RANGE-OVERLAP");
	expect(t, "IVRS-SELF-TRANSLATED");
	expect(t, "IVRS-SPECIAL-VARIETY");
	expect(t, "IVRS-ENTRY-UNKNOWN");
	expect(t, "IVRS-HID-UID-FORMAT");
	expect(t, "IVRS-NO-IOAPIC");
	free(t);
}

static void test_fixtures(void **state)
{
	size_t len;
	uint8_t *b = fixture("qemu-q35-ivrs.aml", &len);
	struct iog_ivrs_block blk;
	struct iog_ivhd_entry e;
	long off, eo;
	int ioapic = 0;

	(void)state;
	assert_non_null(b);
	assert_int_equal(iog_ivrs_check(b, len, NULL, NULL), 0);
	/* QEMU 7.2's amd-iommu: one IVHD 10h at 0xfed80000 for device 00:01.0. */
	off = iog_ivrs_first(b, len, NULL);
	assert_int_equal(iog_ivrs_block_get(b, len, off, &blk, NULL), 0);
	assert_int_equal(blk.type, 0x10);
	assert_int_equal(blk.address, 0xfed80000);
	assert_int_equal(blk.device_id, 0x0008);
	for (eo = iog_ivhd_entry_first(b, len, &blk, NULL); eo >= 0;
	     eo = iog_ivhd_entry_next(b, len, &blk, eo, NULL)) {
		assert_int_equal(iog_ivhd_entry_get(b, len, eo, &e, NULL), 0);
		ioapic |= e.type == IOG_IVHD_SPECIAL && e.variety == IOG_IVHD_VARIETY_IOAPIC;
	}
	assert_true(ioapic);
	free(b);
	b = fixture("ivrs-multi.aml", &len);
	assert_non_null(b);
	assert_int_equal(iog_ivrs_check(b, len, NULL, NULL), 0);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_everything),
		cmocka_unit_test(test_bad_inputs),
		cmocka_unit_test(test_truncated_everywhere),
		cmocka_unit_test(test_short_last_block),
		cmocka_unit_test(test_real_tables),
		cmocka_unit_test(test_lint),
		cmocka_unit_test(test_fixtures),
	};

	return cmocka_run_group_tests_name("ivrs", tests, NULL, NULL);
}
