/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Hostile DMARs that parse: each refused with the cause named at the byte
 * that holds it, before any unit is touched (the model units saw no command),
 * even where a unit answers at the address the table gives; and a table of
 * thousands of RMRRs and hundreds of scopes applied, placed and checked by
 * model DMA (tests/unit/hostile.c). Inputs the shield fuzzer found are
 * replayed at the end.
 */
#include <stdlib.h>
#include <string.h>

#include "hostile.h"
#include "testlib.h"

#define UNIT_A 0xfed90000ull
#define UNIT_B 0xfed91000ull

static struct hostile *machine(void)
{
	struct hostile *x = calloc(1, sizeof(*x));

	assert_non_null(x);
	return x;
}

/* No unit saw a command: the refusal came before any was touched. */
static void assert_untouched(const struct hostile *x)
{
	for (unsigned u = 0; u < x->nunits; u++)
		assert_int_equal(x->m[u].stats.gcmd_writes, 0);
}

/* Applies `t` and expects the refusal: code, offset, reason. */
static struct hostile *refused(const struct tb *t, int code, uint64_t offset, const char *reason)
{
	struct hostile *x = machine();
	struct iog_diag d = {0};
	int err;

	assert_int_equal(hostile_setup(x, t->buf, t->len, 0), 0);
	err = hostile_apply(x, &d);
	print_message("    refused: %d at offset %llu: %s\n", err, (unsigned long long)d.offset,
		      d.reason ? d.reason : "");
	assert_int_equal(err, code);
	assert_int_equal(d.offset, offset);
	assert_non_null(d.reason);
	assert_string_equal(d.reason, reason);
	assert_untouched(x);
	return x;
}

static void done(struct hostile *x)
{
	assert_int_equal(hostile_teardown(x), 0);
	free(x);
}

/* A unit for everything, and what the caller adds. */
static void one_unit(struct tb *t, uint8_t width)
{
	dmar_begin(t, width, 0);
	tb_end16(t, dmar_drhd(t, IOG_DRHD_INCLUDE_PCI_ALL, 0, UNIT_A));
}

static void applies(const struct tb *t, unsigned opts)
{
	struct hostile *x = machine();
	struct iog_diag d = {0};
	char why[200];

	assert_int_equal(hostile_setup(x, t->buf, t->len, opts), 0);
	if (hostile_apply(x, &d))
		fail_msg("apply: %d at offset %llu: %s", d.code, (unsigned long long)d.offset,
			 d.reason ? d.reason : "");
	if (hostile_check(x, 1, why, sizeof(why)))
		fail_msg("%s", why);
	done(x);
}

/* 1. An RMRR that ends at 2^64 - 1, or anywhere above 52 bits: the limit field, read first. */
static void test_rmrr_beyond_physical(void **state)
{
	static const struct {
		uint64_t base, limit;
	} bad[] = {
		{0xe0000, ~0ull},
		{0xfffffffffffff000ull, ~0ull},
		{0x000ffffffffff000ull, 0x0010000000000000ull},
		{0x8000000000000000ull, 0x8000000000000fffull},
	};
	struct tb *t = malloc(sizeof(*t));

	(void)state;
	assert_non_null(t);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct hostile *x;
		size_t rmrr;

		one_unit(t, 45);
		rmrr = dmar_rmrr(t, 0, bad[i].base, bad[i].limit);
		dmar_scope(t, IOG_SCOPE_PCI_ENDPOINT, 0, 0, 1, 0x14, 0);
		tb_end16(t, rmrr);
		tb_finish(t);
		x = refused(t, IOG_EBADVAL, rmrr + 16,
			    "an RMRR ends beyond any physical address (52 bits)");
		done(x);
	}
	/* The last page below 2^52 is a physical address: accepted (beyond the units' reach). */
	one_unit(t, 45);
	tb_end16(t, dmar_rmrr(t, 0, 0x000ffffffffff000ull, 0x000fffffffffffffull));
	tb_finish(t);
	applies(t, 0);
	free(t);
}

/* 2. A host address width under 32 bits: byte 36, not the units' MGAW. */
static void test_host_width_below_32(void **state)
{
	struct tb *t = malloc(sizeof(*t));

	(void)state;
	assert_non_null(t);
	for (unsigned w = 0; w < 31; w++) {
		one_unit(t, (uint8_t)w);
		tb_finish(t);
		done(refused(t, IOG_EBADVAL, 36,
			     "the DMAR's host address width (byte 36) is below 32 bits"));
	}
	one_unit(t, 31);
	tb_finish(t);
	applies(t, 0);
	free(t);
}

/* 3. Two DRHDs with one register base: refused at the second's base field. */
static void test_duplicate_register_base(void **state)
{
	struct tb *t = malloc(sizeof(*t));
	struct hostile *x;
	struct iog_diag d = {0};
	size_t second;

	(void)state;
	assert_non_null(t);
	dmar_begin(t, 45, 0);
	second = dmar_drhd(t, 0, 0, UNIT_A);
	dmar_scope(t, IOG_SCOPE_PCI_ENDPOINT, 0, 0, 1, 2, 0);
	tb_end16(t, second);
	second = dmar_drhd(t, IOG_DRHD_INCLUDE_PCI_ALL, 0, UNIT_A);
	tb_end16(t, second);
	tb_finish(t);
	x = refused(t, IOG_ECONFLICT, second + 8, "the DRHD repeats another unit's register base");
	done(x);
	/* The address, in a field of its own. */
	x = machine();
	assert_int_equal(hostile_setup(x, t->buf, t->len, 0), 0);
	assert_int_equal(hostile_apply(x, &d), IOG_ECONFLICT);
	assert_true(d.has_address);
	assert_int_equal(d.address, UNIT_A);
	done(x);
	free(t);
}

/*
 * 4. A register window in RAM, in protected memory, or over another unit's:
 * refused at the DRHD's base field although a unit answers there.
 */
static void test_register_window_overlaps(void **state)
{
	static const struct {
		uint64_t base;
		const char *reason;
	} at[] = {
		{0x100000, "the register window overlaps RAM (the memory map)"},
		{0x7fff0000, "the register window overlaps RAM (the memory map)"},
		{HOSTILE_VMM, "the register window overlaps protected memory"},
		{HOSTILE_GRANT + 0x1000, "the register window overlaps protected memory"},
	};
	struct tb *t = malloc(sizeof(*t));
	size_t off, first;

	(void)state;
	assert_non_null(t);
	for (unsigned i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		struct hostile *x;

		one_unit(t, 45);
		off = dmar_drhd(t, 0, 0, at[i].base);
		dmar_scope(t, IOG_SCOPE_PCI_ENDPOINT, 0, 0, 1, 2, 0);
		tb_end16(t, off);
		tb_finish(t);
		x = refused(t, IOG_ECONFLICT, off + 8, at[i].reason);
		assert_int_equal(x->nunits, 2); /* a unit answers there */
		done(x);
	}
	/* A 64 KiB window (size 4) over the next unit, in either order. */
	dmar_begin(t, 45, 0);
	first = dmar_drhd(t, 0, 0, UNIT_A);
	t->buf[first + 5] = 4;
	dmar_scope(t, IOG_SCOPE_PCI_ENDPOINT, 0, 0, 1, 2, 0);
	tb_end16(t, first);
	off = dmar_drhd(t, IOG_DRHD_INCLUDE_PCI_ALL, 0, UNIT_B);
	tb_end16(t, off);
	tb_finish(t);
	done(refused(t, IOG_ECONFLICT, off + 8, "the register window overlaps another unit's"));
	dmar_begin(t, 45, 0);
	first = dmar_drhd(t, 0, 0, UNIT_B);
	dmar_scope(t, IOG_SCOPE_PCI_ENDPOINT, 0, 0, 1, 2, 0);
	tb_end16(t, first);
	off = dmar_drhd(t, IOG_DRHD_INCLUDE_PCI_ALL, 0, UNIT_A);
	t->buf[off + 5] = 4;
	tb_end16(t, off);
	tb_finish(t);
	done(refused(t, IOG_ECONFLICT, off + 8, "the register window overlaps another unit's"));
	free(t);
}

/*
 * 5. Thousands of RMRRs and hundreds of scopes: applied, every device on its
 * unit (the grant's on the unit of the last scope), RMRRs reached, and the
 * model-DMA check clean.
 */
static void test_thousands_of_rmrrs(void **state)
{
	size_t cap = 256 * 1024, len;
	uint8_t *dmar = malloc(cap);
	struct hostile *x = machine();
	struct iog_diag d = {0};
	struct vtd_dma_result r;
	char why[200];
	/* Device 499: bus 16, device 19; 500 scopes over 7 units: the last one's. */
	uint16_t sid = 16 << 8 | 19 << 3, other = 1 << 8;
	uint64_t last_rmrr = HOSTILE_BIG_RMRR + 3999 * 0x2000ull;

	(void)state;
	assert_non_null(dmar);
	len = hostile_big_table(dmar, cap, 8, 500, 4000);
	assert_true(len > 128 * 1024);
	assert_int_equal(hostile_setup(x, dmar, len, 0), 0);
	x->grant.segment = 0;
	x->grant.bus = 16;
	x->grant.devfn = 19 << 3;
	if (hostile_apply(x, &d))
		fail_msg("apply: %d at offset %llu: %s", d.code, (unsigned long long)d.offset,
			 d.reason ? d.reason : "");
	assert_int_equal(x->nunits, 8);
	assert_int_equal(x->s.ndomains, 1);
	assert_int_equal(x->s.domains[0].unit, 6);
	assert_int_equal(x->s.unplaced_scopes, 0);
	assert_int_equal(x->s.unplaced_rmrrs, 0);
	/* The grant on its unit only; RMRR 3999 (device 499's) by it elsewhere and by others. */
	assert_int_equal(vtd_model_probe(&x->m[6], sid, HOSTILE_GRANT, 1, &r), 0);
	assert_int_not_equal(vtd_model_probe(&x->m[5], sid, HOSTILE_GRANT, 1, &r), 0);
	assert_int_not_equal(vtd_model_probe(&x->m[6], sid, 0x100000, 0, &r), 0);
	assert_int_equal(vtd_model_probe(&x->m[5], sid, last_rmrr, 1, &r), 0);
	assert_int_equal(vtd_model_probe(&x->m[0], other, last_rmrr, 0, &r), 0);
	assert_int_not_equal(vtd_model_probe(&x->m[0], other, last_rmrr + 0x1000, 0, &r), 0);
	if (hostile_check(x, 7, why, sizeof(why)))
		fail_msg("%s", why);
	done(x);
	free(dmar);
}

/*
 * Placement through the scope index agrees with iog_dmar_find_drhd: the
 * first DRHD whose scope takes the device in wins (a sub-hierarchy's buses
 * over a later endpoint scope), the bridge itself is its sub-hierarchy's,
 * and the catch-all unit takes the rest. Each granted device reaches its
 * buffer on that unit only.
 */
static void test_placement_by_index(void **state)
{
	static const struct {
		uint8_t bus, devfn;
		unsigned unit; /* A 0, B 1, C 2, catch-all 3 */
	} dev[] = {
		{5, 0, 0},	{4, 0, 0}, {3, 0x08, 0},   {0, 0x1c << 3, 0},
		{0, 2 << 3, 1}, {6, 0, 3}, {0, 3 << 3, 3},
	};
	struct tb *t = malloc(sizeof(*t));
	struct hostile *x = machine();
	struct iog_grant g[sizeof(dev) / sizeof(dev[0])];
	uint64_t base[4] = {UNIT_A, UNIT_B, UNIT_B + 0x1000, UNIT_B + 0x2000};
	struct iog_diag d = {0};
	size_t off;

	(void)state;
	assert_non_null(t);
	dmar_begin(t, 45, 0);
	off = dmar_drhd(t, 0, 0, base[0]); /* A: the root port 00:1c.0 and buses 3-5 */
	dmar_scope(t, IOG_SCOPE_PCI_SUBHIERARCHY, 0, 0, 1, 0x1c, 0);
	tb_end16(t, off);
	off = dmar_drhd(t, 0, 0, base[1]); /* B: 00:02.0 */
	dmar_scope(t, IOG_SCOPE_PCI_ENDPOINT, 0, 0, 1, 2, 0);
	tb_end16(t, off);
	off = dmar_drhd(t, 0, 0, base[2]); /* C: 04:00.0, already A's */
	dmar_scope(t, IOG_SCOPE_PCI_ENDPOINT, 0, 4, 1, 0, 0);
	tb_end16(t, off);
	tb_end16(t, dmar_drhd(t, IOG_DRHD_INCLUDE_PCI_ALL, 0, base[3]));
	tb_finish(t);
	assert_int_equal(hostile_setup(x, t->buf, t->len, 4), 0);
	x->nbridges = 1;
	x->bridge[0] = (struct hostile_bridge){0, 0, 0x1c << 3, 3, 5};
	for (unsigned i = 0; i < sizeof(dev) / sizeof(dev[0]); i++) {
		long at = iog_dmar_find_drhd(t->buf, t->len, 0, dev[i].bus, dev[i].devfn,
					     x->c.bridge, x->c.bridge_ctx, NULL);
		struct iog_dmar_struct st;

		/* The library's walk says the same as this test. */
		assert_true(at > 0);
		assert_int_equal(iog_dmar_struct_get(t->buf, t->len, at, &st, NULL), 0);
		assert_int_equal(st.address, base[dev[i].unit]);
		g[i] = (struct iog_grant){
			0, dev[i].bus, dev[i].devfn, HOSTILE_GRANT + i * 0x1000, 0x1000, IOG_PT_RW};
	}
	x->c.grants = g;
	x->c.ngrants = sizeof(g) / sizeof(g[0]);
	if (hostile_apply(x, &d))
		fail_msg("apply: %d at offset %llu: %s", d.code, (unsigned long long)d.offset,
			 d.reason ? d.reason : "");
	assert_int_equal(x->s.ndomains, sizeof(dev) / sizeof(dev[0]));
	for (unsigned i = 0; i < sizeof(dev) / sizeof(dev[0]); i++) {
		uint16_t sid = (uint16_t)(dev[i].bus << 8 | dev[i].devfn);

		assert_int_equal(x->s.domains[i].unit, dev[i].unit);
		for (unsigned u = 0; u < 4; u++) {
			struct vtd_dma_result r;

			assert_int_equal(x->base[u], base[u]);
			assert_int_equal(vtd_model_probe(&x->m[u], sid, g[i].base, 1, &r) == 0,
					 u == dev[i].unit);
		}
	}
	done(x);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rmrr_beyond_physical),
		cmocka_unit_test(test_host_width_below_32),
		cmocka_unit_test(test_duplicate_register_base),
		cmocka_unit_test(test_register_window_overlaps),
		cmocka_unit_test(test_thousands_of_rmrrs),
		cmocka_unit_test(test_placement_by_index),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
