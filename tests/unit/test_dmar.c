/* SPDX-License-Identifier: BSD-2-Clause */
/* DMAR decoding, validation, device-to-unit lookup and lint. */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ioguard/acpi.h>
#include <ioguard/dmar.h>
#include <ioguard/lint.h>

#include "testlib.h"

/* Offsets in the table built by build_full(). */
struct full {
	size_t drhd, drhd_scope1, drhd_scope2, rmrr, rmrr_scope, atsr, rhsa, andd, satc, sidp, all,
		unknown;
};

/*
 * One of everything: a DRHD with an endpoint and a two-hop sub-hierarchy
 * scope, an RMRR, an ATSR, an RHSA, an ANDD, a SATC, a SIDP, an
 * INCLUDE_PCI_ALL DRHD with IOAPIC/HPET/namespace scopes, and an unknown type.
 */
static void build_full(struct tb *t, struct full *f)
{
	dmar_begin(t, 38, IOG_DMAR_INTR_REMAP | IOG_DMAR_X2APIC_OPT_OUT);
	f->drhd = dmar_drhd(t, 0, 0, 0xfed90000);
	t->buf[f->drhd + 5] = 2; /* size: 4 pages */
	f->drhd_scope1 = t->len;
	dmar_scope(t, IOG_SCOPE_PCI_ENDPOINT, 0, 0, 1, 2, 0);
	f->drhd_scope2 = t->len;
	dmar_scope(t, IOG_SCOPE_PCI_SUBHIERARCHY, 0, 0, 2, 0x1c, 4, 0, 0);
	tb_end16(t, f->drhd);
	f->rmrr = dmar_rmrr(t, 0, 0x3e2e0000, 0x3e2fffff);
	f->rmrr_scope = t->len;
	dmar_scope(t, IOG_SCOPE_PCI_ENDPOINT, 0, 0, 1, 0x14, 0);
	tb_end16(t, f->rmrr);
	f->atsr = dmar_atsr(t, IOG_ATSR_ALL_PORTS, 0);
	tb_end16(t, f->atsr);
	f->rhsa = t->len;
	dmar_rhsa(t, 0xfed91000, 7);
	f->andd = t->len;
	dmar_andd(t, 1, "\\_SB.PCI0.UAR1");
	f->satc = t->len;
	tb_u16(t, 5);
	tb_u16(t, 0);
	tb_u8(t, IOG_SATC_ATC_REQUIRED);
	tb_u8(t, 0);
	tb_u16(t, 0);
	dmar_scope(t, IOG_SCOPE_PCI_ENDPOINT, 0, 0, 1, 2, 0);
	tb_end16(t, f->satc);
	f->sidp = t->len;
	tb_u16(t, 6);
	tb_u16(t, 0);
	tb_u16(t, 0);
	tb_u16(t, 0);
	dmar_scope(t, IOG_SCOPE_PCI_ENDPOINT, 0, 0, 1, 2, 0);
	t->buf[t->len - 6] = 0x1f; /* SIDP scope flags */
	tb_end16(t, f->sidp);
	f->all = dmar_drhd(t, IOG_DRHD_INCLUDE_PCI_ALL, 0, 0xfed91000);
	dmar_scope(t, IOG_SCOPE_IOAPIC, 2, 0xf0, 1, 0x1f, 0);
	dmar_scope(t, IOG_SCOPE_HPET, 0, 0, 1, 0x1f, 0);
	dmar_scope(t, IOG_SCOPE_ACPI_NAMESPACE, 1, 0, 1, 0x15, 0);
	tb_end16(t, f->all);
	f->unknown = t->len;
	tb_u16(t, 0x99);
	tb_u16(t, 8);
	tb_u32(t, 0xdeadbeef);
	tb_finish(t);
}

static void test_decode_every_type(void **state)
{
	struct tb *t = malloc(sizeof(*t));
	struct full f;
	struct iog_dmar_info info;
	struct iog_dmar_struct s;
	struct iog_dmar_scope sc;
	struct iog_diag d;
	long off, so;
	unsigned types[16], n = 0;

	(void)state;
	build_full(t, &f);
	assert_int_equal(iog_dmar_check(t->buf, t->len, &info, &d), 0);
	assert_int_equal(info.width, 38);
	assert_int_equal(info.flags, 3);
	assert_int_equal(info.length, t->len);

	for (off = iog_dmar_first(t->buf, t->len, &d); off >= 0;
	     off = iog_dmar_next(t->buf, t->len, off, &d)) {
		assert_int_equal(iog_dmar_struct_get(t->buf, t->len, off, &s, &d), 0);
		assert_int_equal(s.offset, off);
		types[n++] = s.type;
	}
	assert_int_equal(off, IOG_ENOTFOUND);
	assert_int_equal(n, 9);
	assert_int_equal(types[0], IOG_DMAR_DRHD);
	assert_int_equal(types[7], IOG_DMAR_DRHD);
	assert_int_equal(types[8], 0x99);

	assert_int_equal(iog_dmar_struct_get(t->buf, t->len, (long)f.drhd, &s, &d), 0);
	assert_int_equal(s.flags, 0);
	assert_int_equal(s.size, 2);
	assert_int_equal(s.segment, 0);
	assert_int_equal(s.address, 0xfed90000);
	assert_int_equal(s.length, 16 + 8 + 10);
	assert_int_equal(s.scopes_offset, f.drhd + 16);
	so = iog_dmar_scope_first(t->buf, t->len, &s, &d);
	assert_int_equal(so, f.drhd_scope1);
	assert_int_equal(iog_dmar_scope_get(t->buf, t->len, so, &sc, &d), 0);
	assert_int_equal(sc.type, IOG_SCOPE_PCI_ENDPOINT);
	assert_int_equal(sc.length, 8);
	assert_int_equal(sc.path_len, 1);
	assert_int_equal(sc.path[0], 2);
	so = iog_dmar_scope_next(t->buf, t->len, &s, so, &d);
	assert_int_equal(so, f.drhd_scope2);
	assert_int_equal(iog_dmar_scope_get(t->buf, t->len, so, &sc, &d), 0);
	assert_int_equal(sc.type, IOG_SCOPE_PCI_SUBHIERARCHY);
	assert_int_equal(sc.path_len, 2);
	assert_int_equal(sc.path[0], 0x1c);
	assert_int_equal(sc.path[1], 4);
	assert_int_equal(iog_dmar_scope_next(t->buf, t->len, &s, so, &d), IOG_ENOTFOUND);

	assert_int_equal(iog_dmar_struct_get(t->buf, t->len, (long)f.rmrr, &s, &d), 0);
	assert_int_equal(s.base, 0x3e2e0000);
	assert_int_equal(s.limit, 0x3e2fffff);
	assert_int_equal(iog_dmar_struct_get(t->buf, t->len, (long)f.atsr, &s, &d), 0);
	assert_int_equal(s.flags, IOG_ATSR_ALL_PORTS);
	assert_int_equal(s.scopes_offset, s.scopes_end);
	assert_int_equal(iog_dmar_scope_first(t->buf, t->len, &s, &d), IOG_ENOTFOUND);
	assert_int_equal(iog_dmar_struct_get(t->buf, t->len, (long)f.rhsa, &s, &d), 0);
	assert_int_equal(s.address, 0xfed91000);
	assert_int_equal(s.proximity_domain, 7);
	assert_int_equal(iog_dmar_struct_get(t->buf, t->len, (long)f.andd, &s, &d), 0);
	assert_int_equal(s.device_number, 1);
	assert_int_equal(s.name_len, strlen("\\_SB.PCI0.UAR1"));
	assert_true(s.name_terminated);
	assert_memory_equal(s.name, "\\_SB.PCI0.UAR1", s.name_len);
	assert_int_equal(iog_dmar_struct_get(t->buf, t->len, (long)f.satc, &s, &d), 0);
	assert_int_equal(s.flags, IOG_SATC_ATC_REQUIRED);
	assert_int_equal(iog_dmar_struct_get(t->buf, t->len, (long)f.sidp, &s, &d), 0);
	so = iog_dmar_scope_first(t->buf, t->len, &s, &d);
	assert_int_equal(iog_dmar_scope_get(t->buf, t->len, so, &sc, &d), 0);
	assert_int_equal(sc.flags, 0x1f);
	assert_int_equal(iog_dmar_struct_get(t->buf, t->len, (long)f.all, &s, &d), 0);
	assert_int_equal(s.flags, IOG_DRHD_INCLUDE_PCI_ALL);
	so = iog_dmar_scope_first(t->buf, t->len, &s, &d);
	assert_int_equal(iog_dmar_scope_get(t->buf, t->len, so, &sc, &d), 0);
	assert_int_equal(sc.type, IOG_SCOPE_IOAPIC);
	assert_int_equal(sc.enumeration_id, 2);
	assert_int_equal(sc.bus, 0xf0);
	assert_int_equal(iog_dmar_struct_get(t->buf, t->len, (long)f.unknown, &s, &d), 0);
	assert_false(s.known);
	assert_int_equal(s.length, 8);
	assert_string_equal(iog_dmar_type_name(IOG_DMAR_SIDP), "SIDP");
	assert_null(iog_dmar_type_name(7));
	assert_string_equal(iog_scope_type_name(IOG_SCOPE_HPET), "MSI-capable HPET");
	free(t);
}

/* ---- malformed tables --------------------------------------------------------------- */

struct bad_case {
	const char *what;
	int code;
	uint64_t offset;
};

/* Builds malformed table number `i` into t (t->len is what is passed); 0 when out of cases. */
static int build_bad(int i, struct tb *t, struct bad_case *c)
{
	struct full f;
	size_t o;

	build_full(t, &f);
#define CASE(n, w, code_, off_)                                                                    \
	case n: *c = (struct bad_case){w, code_, off_};
	switch (i) {
		CASE(0, "shorter than the DMAR header", IOG_ETRUNC, 0)
		t->len = 47;
		return 1;
		CASE(1, "not a DMAR", IOG_EBADSIG, 0)
		memcpy(t->buf, "DMAX", 4);
		break;
		CASE(2, "length below the header", IOG_EBADLEN, 4)
		tb_put32(t, 4, 47);
		return 1;
		CASE(3, "length past the data", IOG_ETRUNC, 4)
		tb_put32(t, 4, (uint32_t)t->len + 1);
		return 1;
		CASE(4, "bad checksum", IOG_ECHECKSUM, 9)
		t->buf[9] ^= 0x40;
		return 1;
		CASE(5, "zero-length structure", IOG_EBADLEN, f.drhd + 2)
		tb_put16(t, f.drhd + 2, 0);
		break;
		CASE(6, "structure length 3", IOG_EBADLEN, f.rmrr + 2)
		tb_put16(t, f.rmrr + 2, 3);
		break;
		CASE(7, "structure past the table end", IOG_ETRUNC, f.unknown + 2)
		tb_put16(t, f.unknown + 2, 12);
		break;
		CASE(8, "trailing bytes too short for a header", IOG_ETRUNC, t->len)
		tb_u16(t, 0);
		tb_u8(t, 0);
		break;
		CASE(9, "DRHD shorter than 16", IOG_EBADLEN, 0x30 + 2)
		dmar_begin(t, 38, 0);
		o = dmar_drhd(t, 0, 0, 0xfed90000);
		tb_put16(t, o + 2, 12);
		t->len = o + 12;
		break;
		CASE(10, "RMRR shorter than 24", IOG_EBADLEN, 0x30 + 2)
		dmar_begin(t, 38, 0);
		o = dmar_rmrr(t, 0, 0, 0xfff);
		tb_put16(t, o + 2, 20);
		t->len = o + 20;
		break;
		CASE(11, "RHSA shorter than 20", IOG_EBADLEN, 0x30 + 2)
		dmar_begin(t, 38, 0);
		dmar_rhsa(t, 0xfed90000, 0);
		tb_put16(t, 0x30 + 2, 16);
		t->len = 0x30 + 16;
		break;
		CASE(12, "ATSR shorter than 8", IOG_EBADLEN, 0x30 + 2)
		dmar_begin(t, 38, 0);
		o = dmar_atsr(t, 0, 0);
		tb_put16(t, o + 2, 6);
		t->len = o + 6;
		break;
		CASE(13, "ANDD shorter than 8", IOG_EBADLEN, 0x30 + 2)
		dmar_begin(t, 38, 0);
		tb_u16(t, 4);
		tb_u16(t, 7);
		tb_zeros(t, 3);
		break;
		CASE(14, "SATC shorter than 8", IOG_EBADLEN, 0x30 + 2)
		dmar_begin(t, 38, 0);
		tb_u16(t, 5);
		tb_u16(t, 4);
		break;
		CASE(15, "SIDP shorter than 8", IOG_EBADLEN, 0x30 + 2)
		dmar_begin(t, 38, 0);
		tb_u16(t, 6);
		tb_u16(t, 6);
		tb_u16(t, 0);
		break;
		CASE(16, "scope length 0", IOG_EBADLEN, f.drhd_scope1 + 1)
		t->buf[f.drhd_scope1 + 1] = 0;
		break;
		CASE(17, "scope length 5", IOG_EBADLEN, f.drhd_scope1 + 1)
		t->buf[f.drhd_scope1 + 1] = 5;
		break;
		CASE(18, "scope length odd", IOG_EBADLEN, f.drhd_scope2 + 1)
		t->buf[f.drhd_scope2 + 1] = 9;
		break;
		CASE(19, "scope past its structure", IOG_ETRUNC, f.drhd_scope2 + 1)
		t->buf[f.drhd_scope2 + 1] = 12;
		break;
		CASE(20, "scope header cut by the structure end", IOG_ETRUNC, f.drhd_scope2)
		tb_put16(t, f.drhd + 2, (uint16_t)(f.drhd_scope2 - f.drhd + 3));
		/* the 7 orphaned bytes form a structure header of type 0x0000, length 0x0? no: */
		memset(t->buf + f.drhd_scope2 + 3, 0, 7);
		t->buf[f.drhd_scope2 + 5] =
			7; /* a filler "structure" of length 7 and unknown type */
		t->buf[f.drhd_scope2 + 3] = 0x80;
		break;
		CASE(21, "RMRR scope length 0", IOG_EBADLEN, f.rmrr_scope + 1)
		t->buf[f.rmrr_scope + 1] = 0;
		break;
		CASE(22, "RMRR scope past the structure", IOG_ETRUNC, f.rmrr_scope + 1)
		t->buf[f.rmrr_scope + 1] = 10;
		break;
		CASE(23, "unknown type with length 3", IOG_EBADLEN, f.unknown + 2)
		tb_put16(t, f.unknown + 2, 3);
		break;
		CASE(24, "unknown type past the end", IOG_ETRUNC, f.unknown + 2)
		tb_put16(t, f.unknown + 2, 0xffff);
		break;
		CASE(25, "one stray byte after the header", IOG_ETRUNC, 48)
		dmar_begin(t, 38, 0);
		tb_u8(t, 0);
		break;
		CASE(26, "second structure zero-length", IOG_EBADLEN, f.rmrr + 2)
		tb_put16(t, f.rmrr + 2, 0);
		break;
		CASE(27, "scope length 255", IOG_EBADLEN, f.rmrr_scope + 1)
		t->buf[f.rmrr_scope + 1] = 255;
		break;
		CASE(28, "scope length 254 past the structure", IOG_ETRUNC, f.rmrr_scope + 1)
		t->buf[f.rmrr_scope + 1] = 254;
		break;
		CASE(29, "SATC scope length 4", IOG_EBADLEN, f.satc + 8 + 1)
		t->buf[f.satc + 8 + 1] = 4;
		break;
		CASE(30, "SIDP scope past the structure", IOG_ETRUNC, f.sidp + 8 + 1)
		t->buf[f.sidp + 8 + 1] = 10;
		break;
		CASE(31, "checksum and structure both bad: structure wins", IOG_EBADLEN, f.atsr + 2)
		tb_put16(t, f.atsr + 2, 1);
		tb_finish(t);
		t->buf[9] ^= 1;
		return 1;
		CASE(32, "INCLUDE_PCI_ALL DRHD scope length 1", IOG_EBADLEN, f.all + 16 + 1)
		t->buf[f.all + 16 + 1] = 1;
		break;
		CASE(33, "DRHD length covers half a scope", IOG_ETRUNC, f.drhd_scope2)
		tb_put16(t, f.drhd + 2, (uint16_t)(f.drhd_scope2 - f.drhd + 4));
		/* What follows the shortened DRHD must still parse: pad with an unknown type. */
		t->buf[f.drhd_scope2 + 4] = 0x80;
		t->buf[f.drhd_scope2 + 5] = 0;
		t->buf[f.drhd_scope2 + 6] = 6;
		t->buf[f.drhd_scope2 + 7] = 0;
		break;
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
		got = iog_dmar_check(t->buf, t->len, NULL, &d);
		if (got != c.code || (got != IOG_ECHECKSUM && d.offset != c.offset))
			fail_msg("case %d (%s): got %d at 0x%llx (%s), want %d at 0x%llx", i,
				 c.what, got, (unsigned long long)d.offset,
				 d.reason ? d.reason : "-", c.code, (unsigned long long)c.offset);
		assert_non_null(d.reason);
		/* Lint must survive it too, and call it malformed. */
		assert_true(iog_lint_dmar(t->buf, t->len, NULL, NULL) >= 1);
	}
	assert_true(n >= 30);
	print_message("dmar bad-input suite: %d malformed tables, each with its error\n", n);
	free(t);
}

/* Walks everything reachable with the iterators alone; returns the final iterator code. */
static long walk_all(const uint8_t *b, size_t len)
{
	struct iog_dmar_struct s;
	struct iog_dmar_scope sc;
	long off, so = 0;

	for (off = iog_dmar_first(b, len, NULL); off >= 0; off = iog_dmar_next(b, len, off, NULL)) {
		if (iog_dmar_struct_get(b, len, off, &s, NULL))
			return IOG_EBADLEN;
		for (so = iog_dmar_scope_first(b, len, &s, NULL); so >= 0;
		     so = iog_dmar_scope_next(b, len, &s, so, NULL))
			assert_int_equal(iog_dmar_scope_get(b, len, so, &sc, NULL), 0);
		if (so != IOG_ENOTFOUND)
			return so;
	}
	return off;
}

static void test_truncated_everywhere(void **state)
{
	struct tb *t = malloc(sizeof(*t));
	struct full f;
	uint8_t *copy;

	(void)state;
	build_full(t, &f);
	for (size_t cut = 0; cut < t->len; cut++) {
		/* An exact-size heap copy, so ASan sees any read past the cut. */
		copy = malloc(cut ? cut : 1);
		memcpy(copy, t->buf, cut);
		assert_true(iog_dmar_check(copy, cut, NULL, NULL) < 0);
		walk_all(copy, cut);
		iog_lint_dmar(copy, cut, NULL, NULL);
		free(copy);
	}
	/* The length field cut short instead: valid exactly at structure boundaries. */
	for (uint32_t l = 48; l < t->len; l++) {
		struct tb *u = malloc(sizeof(*u));
		int want_ok;

		memcpy(u, t, sizeof(*u));
		u->len = l;
		tb_finish(u);
		want_ok = l == 48 || l == f.rmrr || l == f.atsr || l == f.rhsa || l == f.andd ||
			  l == f.satc || l == f.sidp || l == f.all || l == f.unknown;
		if (want_ok)
			assert_int_equal(iog_dmar_check(u->buf, l, NULL, NULL), 0);
		else
			assert_true(iog_dmar_check(u->buf, l, NULL, NULL) < 0);
		free(u);
	}
	free(t);
}

/*
 * A last structure of every type and every short length, in a heap copy of
 * exactly the table's size: no reader may touch a byte past the structure.
 */
static void test_short_last_struct(void **state)
{
	struct tb *t = malloc(sizeof(*t));

	(void)state;
	for (uint16_t type = 0; type <= 8; type++) {
		for (uint16_t slen = 4; slen <= 48; slen++) {
			uint8_t *copy;

			dmar_begin(t, 38, 1);
			tb_u16(t, type);
			tb_u16(t, slen);
			tb_zeros(t, slen - 4u);
			tb_finish(t);
			copy = malloc(t->len);
			memcpy(copy, t->buf, t->len);
			iog_dmar_check(copy, t->len, NULL, NULL);
			walk_all(copy, t->len);
			iog_lint_dmar(copy, t->len, NULL, NULL);
			free(copy);
		}
	}
	free(t);
}

static void test_real_tables(void **state)
{
	char **paths;
	size_t n = shared_tables("dmar", &paths), satc = 0, structs = 0;

	(void)state;
	if (!n) {
		print_message("no real DMAR tables under $IOG_SHARED/tables/dmar: skipped\n");
		skip();
	}
	for (size_t i = 0; i < n; i++) {
		size_t len;
		uint8_t *b = read_whole(paths[i], &len);
		struct iog_diag d = {0};
		struct iog_dmar_struct s;
		long off;

		assert_non_null(b);
		if (iog_dmar_check(b, len, NULL, &d))
			fail_msg("%s: %s at 0x%llx", paths[i], d.reason,
				 (unsigned long long)d.offset);
		assert_int_equal(walk_all(b, len), IOG_ENOTFOUND);
		for (off = iog_dmar_first(b, len, NULL); off >= 0;
		     off = iog_dmar_next(b, len, off, NULL)) {
			assert_int_equal(iog_dmar_struct_get(b, len, off, &s, NULL), 0);
			assert_true(s.known);
			satc += s.type == IOG_DMAR_SATC;
			structs++;
		}
		free(b);
	}
	print_message("%zu real DMAR tables valid, %zu structures, %zu SATC\n", n, structs, satc);
	assert_true(satc >= 1);
	free_paths(paths, n);
}

/* ---- which unit covers a device ------------------------------------------------------ */

/* Two bridges: 00:1c.4 -> bus 2..3, and 02:00.0 -> bus 3..3. */
static int bridges(void *ctx, uint16_t seg, uint8_t bus, uint8_t devfn, uint8_t *sec, uint8_t *sub)
{
	int *calls = ctx;

	(*calls)++;
	if (seg != 0)
		return IOG_ENOTFOUND;
	if (bus == 0 && devfn == ((0x1c << 3) | 4)) {
		*sec = 2;
		*sub = 3;
		return 0;
	}
	if (bus == 2 && devfn == 0) {
		*sec = 3;
		*sub = 3;
		return 0;
	}
	return IOG_ENOTFOUND;
}

static int no_bridges(void *ctx, uint16_t seg, uint8_t bus, uint8_t devfn, uint8_t *sec,
		      uint8_t *sub)
{
	(void)ctx, (void)seg, (void)bus, (void)devfn, (void)sec, (void)sub;
	return IOG_ENOTFOUND;
}

/* Firmware's bridges before the OS numbers them: secondary 0, or a bus not above their own. */
static int unnumbered(void *ctx, uint16_t seg, uint8_t bus, uint8_t devfn, uint8_t *sec,
		      uint8_t *sub)
{
	(void)ctx, (void)seg;
	*sec = devfn == 0 ? 0 : bus;
	*sub = 0;
	return IOG_OK;
}

static void test_find_drhd(void **state)
{
	struct tb *t = malloc(sizeof(*t));
	struct full f;
	struct iog_diag d;
	int calls = 0;

	(void)state;
	build_full(t, &f);
	/* The endpoint 00:02.0 is named by the first DRHD. */
	assert_int_equal(iog_dmar_find_drhd(t->buf, t->len, 0, 0, 2 << 3, bridges, &calls, &d),
			 f.drhd);
	/* The sub-hierarchy path 00:1c.4 -> 00.0 is the bridge at 02:00.0: itself and bus 3 below.
	 */
	assert_int_equal(iog_dmar_find_drhd(t->buf, t->len, 0, 2, 0, bridges, &calls, &d), f.drhd);
	assert_int_equal(iog_dmar_find_drhd(t->buf, t->len, 0, 3, 5 << 3, bridges, &calls, &d),
			 f.drhd);
	assert_true(calls > 0);
	/* Bus 2 devices other than the bridge, and anything else, go to INCLUDE_PCI_ALL. */
	assert_int_equal(iog_dmar_find_drhd(t->buf, t->len, 0, 2, 1 << 3, bridges, &calls, &d),
			 f.all);
	assert_int_equal(iog_dmar_find_drhd(t->buf, t->len, 0, 0, 0x1f << 3, bridges, &calls, &d),
			 f.all);
	/* No unit in segment 1. */
	assert_int_equal(iog_dmar_find_drhd(t->buf, t->len, 1, 0, 0, bridges, &calls, &d),
			 IOG_ENOTFOUND);
	/*
	 * Without a way to read bridges, a multi-hop scope names nothing: what
	 * sits below falls to the catch-all unit (Linux matches scopes only
	 * against devices it found); an endpoint scope still names its device.
	 */
	assert_int_equal(iog_dmar_find_drhd(t->buf, t->len, 0, 3, 0, NULL, NULL, &d), f.all);
	assert_int_equal(iog_dmar_find_drhd(t->buf, t->len, 0, 2, 0, NULL, NULL, &d), f.all);
	assert_int_equal(iog_dmar_find_drhd(t->buf, t->len, 0, 0, 2 << 3, NULL, NULL, &d), f.drhd);
	/* Every bridge absent (fused-off ports): the same. */
	assert_int_equal(iog_dmar_find_drhd(t->buf, t->len, 0, 3, 0, no_bridges, NULL, &d), f.all);
	/* A bridge left unnumbered (secondary bus 0, or not above its own) is not followed. */
	assert_int_equal(iog_dmar_find_drhd(t->buf, t->len, 0, 0, 0, unnumbered, NULL, &d), f.all);
	assert_int_equal(iog_dmar_find_drhd(t->buf, t->len, 0, 3, 0, unnumbered, NULL, &d), f.all);
	free(t);
}

/* What a scope names, by type, through the bridges that are there. */
static void test_scope_reach(void **state)
{
	static const uint8_t hop1[] = {0x1c, 4}, hop2[] = {0x1c, 4, 0, 0};
	struct iog_dmar_scope sc = {IOG_SCOPE_PCI_SUBHIERARCHY, 8, 0, 0, 0, 0, 1, hop1};
	struct iog_dmar_reach r;
	int calls = 0;

	(void)state;
	assert_int_equal(iog_dmar_scope_reach(&sc, 0, bridges, &calls, &r), 0);
	assert_int_equal(r.bus, 0);
	assert_int_equal(r.devfn, 0x1c << 3 | 4);
	assert_true(r.below);
	assert_int_equal(r.secondary, 2);
	assert_int_equal(r.subordinate, 3);
	/* No reader: the bridge itself, nothing below it. */
	assert_int_equal(iog_dmar_scope_reach(&sc, 0, NULL, NULL, &r), 0);
	assert_false(r.below);
	/* An endpoint two hops down, and the same path with the bridges gone. */
	sc = (struct iog_dmar_scope){IOG_SCOPE_PCI_ENDPOINT, 10, 0, 0, 0, 0, 2, hop2};
	assert_int_equal(iog_dmar_scope_reach(&sc, 0, bridges, &calls, &r), 0);
	assert_int_equal(r.bus, 2);
	assert_int_equal(r.devfn, 0);
	assert_int_equal(iog_dmar_scope_reach(&sc, 0, no_bridges, NULL, &r), IOG_ENOTFOUND);
	assert_int_equal(iog_dmar_scope_reach(&sc, 0, unnumbered, NULL, &r), IOG_ENOTFOUND);
	/* ACPI namespace devices place their requester id; IOAPICs and HPETs do no DMA. */
	sc = (struct iog_dmar_scope){IOG_SCOPE_ACPI_NAMESPACE, 8, 0, 0, 1, 0, 1, hop1};
	assert_int_equal(iog_dmar_scope_reach(&sc, 0, NULL, NULL, &r), 0);
	assert_int_equal(r.devfn, 0x1c << 3 | 4);
	sc.type = IOG_SCOPE_IOAPIC;
	assert_int_equal(iog_dmar_scope_reach(&sc, 0, NULL, NULL, &r), IOG_ENOTFOUND);
}

/* ---- lint --------------------------------------------------------------------------- */

struct seen {
	char ids[64][40];
	int n;
	int errors, warnings;
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

static void lint(const struct tb *t, struct seen *s)
{
	memset(s, 0, sizeof(*s));
	iog_lint_dmar(t->buf, t->len, collect, s);
}

static void test_lint_clean(void **state)
{
	struct tb *t = malloc(sizeof(*t));
	struct full f;
	struct seen s;

	(void)state;
	build_full(t, &f);
	lint(t, &s);
	/* Only the unknown structure type is worth a note. */
	assert_int_equal(s.errors, 0);
	assert_int_equal(s.warnings, 0);
	assert_true(has(&s, "DMAR-UNKNOWN-TYPE"));
	free(t);
}

static void expect(struct tb *t, const char *id)
{
	struct seen s;

	tb_finish(t);
	lint(t, &s);
	if (!has(&s, id))
		fail_msg("expected %s, got %d findings (first: %s)", id, s.n, s.n ? s.ids[0] : "-");
}

static void test_lint_findings(void **state)
{
	struct tb *t = malloc(sizeof(*t));
	struct full f;
	size_t o, o2;

	(void)state;
	build_full(t, &f);
	t->buf[9] ^= 1;
	lint(t, &(struct seen){0});
	{
		struct seen s;

		lint(t, &s);
		assert_true(has(&s, "DMAR-CHECKSUM"));
	}
	build_full(t, &f);
	tb_put16(t, f.rmrr + 2, 0);
	expect(t, "DMAR-MALFORMED");

	dmar_begin(t, 5, 0);
	expect(t, "DMAR-WIDTH");
	expect(t, "DMAR-NO-DRHD");
	dmar_begin(t, 38, 0x80 | IOG_DMAR_DMA_CTRL_PLATFORM_OPT_IN);
	expect(t, "DMAR-FLAGS-RESERVED");
	expect(t, "DMAR-PLATFORM-OPT-IN");

	dmar_begin(t, 38, 0);
	o = dmar_drhd(t, 0, 0, 0);
	dmar_scope(t, IOG_SCOPE_PCI_ENDPOINT, 0, 0, 1, 2, 0);
	tb_end16(t, o);
	expect(t, "DMAR-DRHD-BASE-ZERO");
	tb_put32(t, o + 8, 0xfed90010);
	expect(t, "DMAR-DRHD-BASE-UNALIGNED");
	tb_put32(t, o + 8, 0);
	tb_put32(t, o + 12, 0x100);
	expect(t, "DMAR-DRHD-BASE-WIDTH");

	dmar_begin(t, 38, 0);
	o = dmar_drhd(t, IOG_DRHD_INCLUDE_PCI_ALL, 0, 0xfed90000);
	o2 = dmar_drhd(t, IOG_DRHD_INCLUDE_PCI_ALL, 0, 0xfed90000);
	(void)o2;
	expect(t, "DMAR-DRHD-DUPLICATE");
	expect(t, "DMAR-DRHD-INCLUDE-ALL-MULTIPLE");
	expect(t, "DMAR-DRHD-INCLUDE-ALL-NOT-LAST");

	dmar_begin(t, 38, 0);
	o = dmar_drhd(t, IOG_DRHD_INCLUDE_PCI_ALL, 0, 0xfed90000);
	dmar_scope(t, IOG_SCOPE_PCI_ENDPOINT, 0, 0, 1, 2, 0);
	dmar_scope(t, 9, 0, 0, 1, 2, 0);
	dmar_scope(t, IOG_SCOPE_IOAPIC, 0, 0, 0);
	tb_end16(t, o);
	dmar_drhd(t, 0, 0, 0xfed91000);
	expect(t, "DMAR-DRHD-INCLUDE-ALL-PCI-SCOPE");
	expect(t, "DMAR-SCOPE-TYPE");
	expect(t, "DMAR-SCOPE-PATH-EMPTY");
	expect(t, "DMAR-DRHD-EMPTY");

	dmar_begin(t, 38, 0);
	o = dmar_drhd(t, 0, 0, 0xfed90000);
	dmar_scope(t, IOG_SCOPE_PCI_ENDPOINT, 0, 0, 1, 40, 9);
	tb_end16(t, o);
	o = dmar_rmrr(t, 0, 0x1000, 0xfff);
	tb_end16(t, o);
	o = dmar_rmrr(t, 0, 0x5000, 0x5fff);
	tb_end16(t, o);
	o = dmar_rmrr(t, 0, 0x2000, 0x2ffe);
	dmar_scope(t, IOG_SCOPE_IOAPIC, 0, 0, 1, 2, 0);
	tb_end16(t, o);
	o = dmar_rmrr(t, 0, 0x2000, 0x3fff);
	dmar_scope(t, IOG_SCOPE_PCI_ENDPOINT, 0, 5, 1, 1, 0);
	tb_end16(t, o);
	o = dmar_rmrr(t, 0, 0x100000000000ull, 0x100000000fffull);
	dmar_scope(t, IOG_SCOPE_PCI_ENDPOINT, 0, 0, 1, 40, 9);
	tb_end16(t, o);
	dmar_rhsa(t, 0xfed99000, 0);
	dmar_andd(t, 3, "");
	o = dmar_atsr(t, 0, 0);
	dmar_scope(t, IOG_SCOPE_PCI_ENDPOINT, 0, 0, 1, 2, 0);
	tb_end16(t, o);
	o = dmar_atsr(t, 0, 1);
	tb_end16(t, o);
	expect(t, "DMAR-SCOPE-PATH-RANGE");
	expect(t, "DMAR-RMRR-INVERTED");
	expect(t, "DMAR-RMRR-UNALIGNED");
	expect(t, "DMAR-RMRR-NO-SCOPE");
	expect(t, "DMAR-RMRR-OVERLAP");
	expect(t, "DMAR-RMRR-UNCOVERED");
	expect(t, "DMAR-RMRR-WIDTH");
	expect(t, "DMAR-SCOPE-MISPLACED");
	expect(t, "DMAR-RHSA-NO-DRHD");
	expect(t, "DMAR-ANDD-NAME");
	expect(t, "DMAR-ATSR-EMPTY");
	expect(t, "DMAR-MULTI-SEGMENT");

	dmar_begin(t, 38, 0);
	o = dmar_drhd(t, IOG_DRHD_INCLUDE_PCI_ALL, 0, 0xfed90000);
	dmar_scope(t, IOG_SCOPE_ACPI_NAMESPACE, 4, 0, 1, 0x15, 0);
	tb_end16(t, o);
	tb_u16(t, 4);
	tb_u16(t, 12);
	tb_zeros(t, 3);
	tb_u8(t, 4);
	tb_bytes(t, "ABCD", 4); /* no NUL */
	expect(t, "DMAR-ANDD-NAME");
	dmar_begin(t, 38, 0);
	o = dmar_drhd(t, IOG_DRHD_INCLUDE_PCI_ALL, 0, 0xfed90000);
	dmar_scope(t, IOG_SCOPE_ACPI_NAMESPACE, 4, 0, 1, 0x15, 0);
	tb_end16(t, o);
	expect(t, "DMAR-SCOPE-ANDD-MISSING");

	dmar_begin(t, 38, IOG_DMAR_INTR_REMAP);
	o = dmar_drhd(t, IOG_DRHD_INCLUDE_PCI_ALL, 0, 0xfed90000);
	dmar_scope(t, IOG_SCOPE_HPET, 0, 0xf0, 1, 0x0f, 0);
	dmar_scope(t, IOG_SCOPE_HPET, 0, 0xf0, 1, 0x0f, 1);
	tb_end16(t, o);
	expect(t, "DMAR-SCOPE-ENUM-DUPLICATE");
	expect(t, "DMAR-INTR-REMAP-NO-IOAPIC");
	free(t);
}

/* What one lint run said about one id. */
struct one_finding {
	const char *id;
	int count;
	struct iog_finding f;
};

static void catch_one(void *ctx, const struct iog_finding *f)
{
	struct one_finding *o = ctx;

	if (strcmp(f->id, o->id))
		return;
	o->count++;
	o->f = *f;
}

static struct one_finding lint_one(const uint8_t *b, size_t len, const char *id)
{
	struct one_finding o = {.id = id};

	iog_lint_dmar(b, len, catch_one, &o);
	return o;
}

/*
 * X2APIC_OPT_OUT (DMAR flags bit 1): an info note at the flags byte, with
 * the meaning the spec gives it only when INTR_REMAP is set too.
 */
static void test_lint_x2apic_opt_out(void **state)
{
	struct tb *t = malloc(sizeof(*t));
	struct one_finding o;
	char **paths;
	size_t n, set = 0, without_ir = 0;

	(void)state;
	dmar_begin(t, 38, IOG_DMAR_INTR_REMAP | IOG_DMAR_X2APIC_OPT_OUT);
	dmar_drhd(t, IOG_DRHD_INCLUDE_PCI_ALL, 0, 0xfed90000);
	tb_finish(t);
	o = lint_one(t->buf, t->len, "DMAR-X2APIC-OPT-OUT");
	assert_int_equal(o.count, 1);
	assert_int_equal(o.f.severity, IOG_SEV_INFO);
	assert_int_equal(o.f.offset, 37);
	assert_int_equal(o.f.nvalues, 1);
	assert_int_equal(o.f.value[0], IOG_DMAR_INTR_REMAP | IOG_DMAR_X2APIC_OPT_OUT);
	assert_non_null(strstr(o.f.message, "concealed"));

	t->buf[37] = IOG_DMAR_X2APIC_OPT_OUT;
	tb_finish(t);
	o = lint_one(t->buf, t->len, "DMAR-X2APIC-OPT-OUT");
	assert_int_equal(o.count, 1);
	assert_int_equal(o.f.severity, IOG_SEV_INFO);
	assert_non_null(strstr(o.f.message, "without INTR_REMAP"));

	t->buf[37] = IOG_DMAR_INTR_REMAP | IOG_DMAR_DMA_CTRL_PLATFORM_OPT_IN;
	tb_finish(t);
	assert_int_equal(lint_one(t->buf, t->len, "DMAR-X2APIC-OPT-OUT").count, 0);
	free(t);

	/* The real tables: the note appears exactly where the flag is set. */
	n = shared_tables("dmar", &paths);
	for (size_t i = 0; i < n; i++) {
		size_t len;
		uint8_t *b = read_whole(paths[i], &len);

		assert_non_null(b);
		o = lint_one(b, len, "DMAR-X2APIC-OPT-OUT");
		assert_int_equal(o.count, (b[37] & IOG_DMAR_X2APIC_OPT_OUT) ? 1 : 0);
		set += o.count;
		without_ir += o.count && !(b[37] & IOG_DMAR_INTR_REMAP);
		free(b);
	}
	if (n)
		print_message("%zu of %zu real DMAR tables set X2APIC_OPT_OUT (%zu without "
			      "INTR_REMAP)\n",
			      set, n, without_ir);
	free_paths(paths, n);
}

static void test_qemu_fixture(void **state)
{
	size_t len;
	uint8_t *b = fixture("qemu-q35-dmar.aml", &len);
	struct iog_dmar_info info;
	struct iog_dmar_struct s;
	long off;

	(void)state;
	assert_non_null(b);
	assert_int_equal(iog_dmar_check(b, len, &info, NULL), 0);
	/* QEMU 7.2 q35 with -device intel-iommu: 39-bit width, INTR_REMAP, one unit. */
	assert_int_equal(info.width, 38);
	assert_true(info.flags & IOG_DMAR_INTR_REMAP);
	off = iog_dmar_first(b, len, NULL);
	assert_int_equal(iog_dmar_struct_get(b, len, off, &s, NULL), 0);
	assert_int_equal(s.type, IOG_DMAR_DRHD);
	assert_int_equal(s.address, 0xfed90000);
	assert_int_equal(iog_lint_dmar(b, len, NULL, NULL), 0);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_every_type),
		cmocka_unit_test(test_bad_inputs),
		cmocka_unit_test(test_truncated_everywhere),
		cmocka_unit_test(test_short_last_struct),
		cmocka_unit_test(test_real_tables),
		cmocka_unit_test(test_find_drhd),
		cmocka_unit_test(test_scope_reach),
		cmocka_unit_test(test_lint_clean),
		cmocka_unit_test(test_lint_findings),
		cmocka_unit_test(test_lint_x2apic_opt_out),
		cmocka_unit_test(test_qemu_fixture),
	};

	return cmocka_run_group_tests_name("dmar", tests, NULL, NULL);
}
