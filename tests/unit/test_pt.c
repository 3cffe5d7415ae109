/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The page-table engine against a plain reference: one entry per 4 KiB page
 * of a window, updated by the obvious loop. Random map/unmap/protect
 * sequences must leave the tables translating exactly like the reference,
 * report every changed page for invalidation, use the leaf sizes the
 * configuration allows and no others, free what becomes empty, and (not
 * coherent) have flushed everything a unit would read.
 */
#include <stdlib.h>
#include <string.h>

#include <ioguard/hosted.h>
#include <ioguard/error.h>
#include <ioguard/pt.h>

#include "testlib.h"

#define POOL_AT 0x40000000ull
#define KiB 1024ull
#define MiB (1024ull * KiB)
#define GiB (1024ull * MiB)
#define WINDOW (4 * GiB)
#define NPAGES (WINDOW / 4096)

struct rig {
	struct iog_hosted h;
	struct iog_pt pt;
	uint64_t base;	/* IOVA of the window */
	uint64_t *ref;	/* per page: 0, or phys | perm */
	uint64_t *prev; /* the reference before the current operation */
};

static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static void rig_init(struct rig *r, unsigned levels, unsigned large, int coherent, size_t pool,
		     uint64_t base)
{
	struct iog_pt_config cfg = {levels, large, 46, coherent, IOG_PT_VTD_SL};

	iog_hosted_init(&r->h);
	assert_int_equal(iog_hosted_set_page_pool(&r->h, POOL_AT, pool), 0);
	if (!coherent)
		assert_int_equal(iog_hosted_set_noncoherent(&r->h), 0);
	assert_int_equal(iog_pt_init(&r->pt, &r->h.plat, &cfg), 0);
	r->base = base;
	r->ref = calloc(NPAGES, sizeof(uint64_t));
	r->prev = calloc(NPAGES, sizeof(uint64_t));
	assert_non_null(r->ref);
	assert_non_null(r->prev);
}

static void rig_fini(struct rig *r)
{
	iog_pt_destroy(&r->pt);
	assert_int_equal(r->h.pages_in_use, 0);
	iog_hosted_destroy(&r->h);
	free(r->ref);
	free(r->prev);
}

/*
 * What a unit would see: a walk written here from the VT-d spec, reading
 * memory the way a device does (for ECAP.C = 0, only what was flushed).
 */
static int device_walk(struct rig *r, uint64_t iova, uint64_t *phys, unsigned *perm)
{
	uint64_t table = r->pt.root_phys;
	unsigned p = 3;

	for (int level = (int)r->pt.levels; level >= 1; level--) {
		unsigned shift = 12 + 9 * (unsigned)(level - 1);
		uint64_t e;

		assert_int_equal(
			iog_hosted_dma_read(&r->h, table + ((iova >> shift) & 511) * 8, &e, 8), 0);
		if (!(e & 3))
			return -1;
		p &= (unsigned)(e & 3);
		if (level == 1 || (e & 0x80)) {
			uint64_t size = 1ull << shift;

			*phys = (e & 0x000ffffffffff000ull & ~(size - 1)) | (iova & (size - 1));
			*perm = p;
			return p ? 0 : -1;
		}
		table = e & 0x000ffffffffff000ull;
	}
	return -1;
}

/* Page i of the window translates as the reference says, for the engine and the device. */
static void check_page(struct rig *r, uint64_t i)
{
	uint64_t iova = r->base + i * 4096, phys = 0, size = 0;
	unsigned perm = 0;
	int got = iog_pt_translate(&r->pt, iova + 0x123, &phys, &perm, &size);

	if (!r->ref[i]) {
		assert_int_equal(got, IOG_ENOTFOUND);
	} else {
		assert_int_equal(got, 0);
		assert_int_equal(phys, (r->ref[i] & ~0xfffull) + 0x123);
		assert_int_equal(perm, r->ref[i] & 3);
	}
	if (!r->pt.coherent) {
		uint64_t dphys = 0;
		unsigned dperm = 0;
		int dev = device_walk(r, iova + 0x123, &dphys, &dperm);

		assert_int_equal(dev, r->ref[i] ? 0 : -1);
		if (r->ref[i]) {
			assert_int_equal(dphys, phys);
			assert_int_equal(dperm, perm);
		}
	}
}

static void check_all(struct rig *r)
{
	for (uint64_t i = 0; i < NPAGES; i++)
		check_page(r, i);
}

/* A size with a bias towards large and aligned ones, so that every leaf size is met. */
static uint64_t pick(uint64_t max_pages)
{
	static const uint64_t units[] = {4096, 4096, 4096, 2 * MiB, 2 * MiB, 2 * MiB, 2 * MiB, GiB};
	uint64_t unit = units[rnd() % 8], n = unit == GiB ? 1 : 1 + rnd() % 3;
	uint64_t v = (unit * n) / 4096;

	if (rnd() % 3 == 0)
		v += rnd() % 700; /* and a ragged edge */
	v = v ? v : 1;
	return v > max_pages ? max_pages : v;
}

static void one_random_op(struct rig *r, unsigned *large_seen)
{
	uint64_t first = pick(NPAGES - 1), n, kind = rnd() % 10;
	struct iog_pt_inval inv = {0, 0, 0};
	unsigned perm = 1 + (unsigned)(rnd() % 3);
	uint64_t phys_first = 0;
	int err;

	if (rnd() % 2)
		first &= ~511ull; /* 2 MiB aligned start */
	n = pick(NPAGES - first);
	memcpy(r->prev + first, r->ref + first, n * sizeof(uint64_t));
	if (kind < 5) {
		/* Identity-like (large leaves possible) or shifted by a random page count. */
		phys_first = rnd() % 2 ? first : (rnd() % (NPAGES * 4));
		err = iog_pt_map(&r->pt, r->base + first * 4096, phys_first * 4096, n * 4096, perm,
				 &inv);
		assert_int_equal(err, 0);
		for (uint64_t k = 0; k < n; k++)
			r->ref[first + k] = ((phys_first + k) * 4096) | perm;
	} else if (kind < 8) {
		assert_int_equal(iog_pt_unmap(&r->pt, r->base + first * 4096, n * 4096, &inv), 0);
		memset(r->ref + first, 0, n * sizeof(uint64_t));
	} else {
		perm = (unsigned)(rnd() % 4);
		assert_int_equal(
			iog_pt_protect(&r->pt, r->base + first * 4096, n * 4096, perm, &inv), 0);
		for (uint64_t k = 0; k < n; k++)
			if (r->ref[first + k])
				r->ref[first + k] = perm ? (r->ref[first + k] & ~3ull) | perm : 0;
	}
	/* Every page whose translation changed is reported, with the right kind. */
	for (uint64_t k = 0; k < n; k++) {
		uint64_t i = first + k, iova = r->base + i * 4096;

		if (r->prev[i] == r->ref[i])
			continue;
		assert_true(iova >= inv.start && iova < inv.end);
		if (r->prev[i])
			assert_true(inv.flags & IOG_PT_INV_CHANGED);
		else
			assert_true(inv.flags & (IOG_PT_INV_ADDED | IOG_PT_INV_CHANGED));
	}
	/* The operation's range, its edges and some of its inside. */
	for (uint64_t k = 0; k<n; k += n> 2048 ? 1 + rnd() % 512 : 1)
		check_page(r, first + k);
	check_page(r, first + n - 1);
	if (first)
		check_page(r, first - 1);
	if (first + n < NPAGES)
		check_page(r, first + n);
	for (uint64_t k = 0; k < n; k += 512) {
		uint64_t size = 0;

		if (iog_pt_translate(&r->pt, r->base + (first + k) * 4096, NULL, NULL, &size) == 0)
			*large_seen |= size == 2 * MiB ? 1u : size == GiB ? 2u : 0u;
	}
	iog_pt_reclaim(&r->pt);
}

static void random_run(unsigned levels, unsigned large, int coherent, uint64_t base, unsigned ops)
{
	struct rig *r = calloc(1, sizeof(*r));
	unsigned large_seen = 0;

	rig_init(r, levels, large, coherent, 16384, base);
	for (unsigned op = 0; op < ops; op++) {
		one_random_op(r, &large_seen);
		/* Only table pages are in use, and the engine counts them right. */
		assert_int_equal(r->h.pages_in_use, r->pt.pages);
		if (op % 1000 == 999)
			check_all(r);
	}
	check_all(r);
	/* Large leaves appear exactly where the configuration allows them. */
	assert_int_equal(large_seen, large);
	/* Everything unmapped: every table but the root is released. */
	assert_int_equal(iog_pt_unmap(&r->pt, base, WINDOW, NULL), 0);
	assert_int_equal(r->pt.pages, 1);
	iog_pt_reclaim(&r->pt);
	assert_int_equal(r->h.pages_in_use, 1);
	rig_fini(r);
	free(r);
}

static void test_random_3level_4k(void **state)
{
	(void)state;
	random_run(3, 0, 1, 0, 1500);
}

static void test_random_4level_2m(void **state)
{
	(void)state;
	random_run(4, IOG_PT_LARGE_2M, 1, 0x7f00000000ull, 2000);
}

static void test_random_4level_1g(void **state)
{
	(void)state;
	random_run(4, IOG_PT_LARGE_2M | IOG_PT_LARGE_1G, 1, 0x812340000000ull & ~(GiB - 1), 2000);
}

static void test_random_5level_noncoherent(void **state)
{
	(void)state;
	random_run(5, IOG_PT_LARGE_2M | IOG_PT_LARGE_1G, 0, 0x1230000000000ull, 1500);
}

static void test_random_3level_noncoherent_4k(void **state)
{
	(void)state;
	random_run(3, 0, 0, 0, 800);
}

/* Exact page counts for an identity map of 4 GiB, and the splits an edge causes. */
static void test_leaf_sizes(void **state)
{
	static const struct {
		unsigned large;
		size_t pages;	    /* after mapping 4 GiB */
		size_t after_hole;  /* after unmapping one 4 KiB page inside */
		uint64_t leaf_near; /* leaf size 3 MiB below the hole */
	} cases[] = {
		{0, 1 + 4 + 2048, 1 + 4 + 2048, 4096},
		{IOG_PT_LARGE_2M, 1 + 4, 1 + 4 + 1, 2 * MiB},
		{IOG_PT_LARGE_2M | IOG_PT_LARGE_1G, 1, 1 + 1 + 1, 2 * MiB},
	};

	(void)state;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct rig *r = calloc(1, sizeof(*r));
		uint64_t hole = GiB + 5 * MiB + 3 * 4096, phys = 0, size = 0;
		struct iog_pt_inval inv = {0, 0, 0};
		unsigned perm = 0;

		rig_init(r, 3, cases[c].large, 1, 4096, 0);
		assert_int_equal(iog_pt_map(&r->pt, 0, 0, 4 * GiB, IOG_PT_RW, &inv), 0);
		assert_int_equal(inv.flags & ~IOG_PT_INV_TABLES, IOG_PT_INV_ADDED);
		assert_int_equal(r->pt.pages, cases[c].pages);
		assert_int_equal(iog_pt_translate(&r->pt, 3 * GiB + 17, &phys, &perm, &size), 0);
		assert_int_equal(phys, 3 * GiB + 17);
		assert_int_equal(size, cases[c].large & IOG_PT_LARGE_1G	  ? GiB
				       : cases[c].large & IOG_PT_LARGE_2M ? 2 * MiB
									  : 4096);
		memset(&inv, 0, sizeof(inv));
		assert_int_equal(iog_pt_unmap(&r->pt, hole, 4096, &inv), 0);
		assert_true(inv.flags & IOG_PT_INV_CHANGED);
		assert_true(inv.start <= hole && hole < inv.end);
		/* A split large leaf is reported whole, for paging-structure caches too. */
		if (cases[c].large) {
			assert_true(inv.flags & IOG_PT_INV_TABLES);
			assert_true(inv.start <= (hole & ~(2 * MiB - 1)) &&
				    inv.end >= (hole & ~(2 * MiB - 1)) + 2 * MiB);
		}
		assert_int_equal(r->pt.pages, cases[c].after_hole);
		assert_int_equal(iog_pt_translate(&r->pt, hole, NULL, NULL, NULL), IOG_ENOTFOUND);
		assert_int_equal(iog_pt_translate(&r->pt, hole + 4096, &phys, NULL, &size), 0);
		assert_int_equal(phys, hole + 4096);
		assert_int_equal(size, 4096);
		assert_int_equal(iog_pt_translate(&r->pt, hole - 3 * MiB, &phys, NULL, &size), 0);
		assert_int_equal(size, cases[c].leaf_near);
		/* Re-mapping what a large leaf already maps changes nothing. */
		memset(&inv, 0, sizeof(inv));
		assert_int_equal(iog_pt_map(&r->pt, 2 * GiB, 2 * GiB, 4 * MiB, IOG_PT_RW, &inv), 0);
		assert_int_equal(inv.flags, 0);
		assert_int_equal(r->pt.pages, cases[c].after_hole);
		rig_fini(r);
		free(r);
	}
}

/* A 1 GiB leaf needs 1 GiB alignment on both sides: otherwise 2 MiB leaves. */
static void test_unaligned_phys(void **state)
{
	struct rig *r = calloc(1, sizeof(*r));
	uint64_t size = 0, phys = 0;

	(void)state;
	rig_init(r, 4, IOG_PT_LARGE_2M | IOG_PT_LARGE_1G, 1, 4096, 0);
	assert_int_equal(iog_pt_map(&r->pt, GiB, 3 * GiB + 2 * MiB, GiB, IOG_PT_READ, NULL), 0);
	assert_int_equal(iog_pt_translate(&r->pt, GiB + 4096, &phys, NULL, &size), 0);
	assert_int_equal(size, 2 * MiB);
	assert_int_equal(phys, 3 * GiB + 2 * MiB + 4096);
	assert_int_equal(iog_pt_map(&r->pt, 2 * GiB, 5 * GiB + 4096, 4 * MiB, IOG_PT_READ, NULL),
			 0);
	assert_int_equal(iog_pt_translate(&r->pt, 2 * GiB + 3 * MiB, &phys, NULL, &size), 0);
	assert_int_equal(size, 4096);
	assert_int_equal(phys, 5 * GiB + 4096 + 3 * MiB);
	rig_fini(r);
	free(r);
}

static void test_bad_arguments(void **state)
{
	struct rig *r = calloc(1, sizeof(*r));
	struct iog_pt_config bad = {6, 0, 46, 1, IOG_PT_VTD_SL};
	struct iog_pt other;

	(void)state;
	rig_init(r, 3, 0, 1, 64, 0);
	assert_int_equal(iog_pt_init(&other, &r->h.plat, &bad), IOG_EINVAL);
	bad = (struct iog_pt_config){4, 0, 53, 1, IOG_PT_VTD_SL};
	assert_int_equal(iog_pt_init(&other, &r->h.plat, &bad), IOG_EINVAL);
	assert_int_equal(iog_pt_map(&r->pt, 0x800, 0, 4096, IOG_PT_RW, NULL), IOG_EINVAL);
	assert_int_equal(iog_pt_map(&r->pt, 0, 0x800, 4096, IOG_PT_RW, NULL), IOG_EINVAL);
	assert_int_equal(iog_pt_map(&r->pt, 0, 0, 0, IOG_PT_RW, NULL), IOG_EINVAL);
	assert_int_equal(iog_pt_map(&r->pt, 0, 0, 4096, 0, NULL), IOG_EINVAL);
	assert_int_equal(iog_pt_map(&r->pt, 0, 0, 4096, 4, NULL), IOG_EINVAL);
	/* Beyond 39 bits of IOVA (3 levels), beyond 46 bits of output address. */
	assert_int_equal(iog_pt_map(&r->pt, 1ull << 39, 0, 4096, IOG_PT_RW, NULL), IOG_EINVAL);
	assert_int_equal(iog_pt_map(&r->pt, (1ull << 39) - 4096, 0, 8192, IOG_PT_RW, NULL),
			 IOG_EINVAL);
	assert_int_equal(iog_pt_map(&r->pt, 0, 1ull << 46, 4096, IOG_PT_RW, NULL), IOG_EINVAL);
	assert_int_equal(iog_pt_unmap(&r->pt, ~0ull & ~4095ull, 8192, NULL), IOG_EINVAL);
	assert_int_equal(iog_pt_translate(&r->pt, 1ull << 39, NULL, NULL, NULL), IOG_EINVAL);
	assert_int_equal(r->pt.pages, 1);
	rig_fini(r);
	free(r);
}

/* Out of table pages halfway: an error, consistent tables, nothing leaked. */
static void test_out_of_pages(void **state)
{
	struct rig *r = calloc(1, sizeof(*r));
	uint64_t mapped = 0;

	(void)state;
	rig_init(r, 3, 0, 1, 8, 0);
	/* 4 KiB leaves only: each 2 MiB needs a table; 8 pages cannot hold 64 MiB. */
	assert_int_equal(iog_pt_map(&r->pt, 0, 0, 64 * MiB, IOG_PT_RW, NULL), IOG_ENOMEM);
	assert_int_equal(r->h.pages_in_use, r->pt.pages);
	for (uint64_t a = 0; a < 64 * MiB; a += 4096) {
		uint64_t phys = 0;

		if (iog_pt_translate(&r->pt, a, &phys, NULL, NULL) == 0) {
			assert_int_equal(phys, a);
			assert_int_equal(a, mapped); /* mapped from the start, without holes */
			mapped += 4096;
		}
	}
	assert_true(mapped > 0 && mapped < 64 * MiB);
	assert_int_equal(iog_pt_unmap(&r->pt, 0, 64 * MiB, NULL), 0);
	iog_pt_reclaim(&r->pt);
	assert_int_equal(r->h.pages_in_use, 1);
	rig_fini(r);
	free(r);
}

/* Detached tables stay allocated, harmless, until reclaimed. */
static void test_deferred_release(void **state)
{
	struct rig *r = calloc(1, sizeof(*r));
	struct iog_pt_inval inv = {0, 0, 0};
	uint64_t l2 = 0, e;

	(void)state;
	rig_init(r, 3, 0, 1, 64, 0);
	assert_int_equal(iog_pt_map(&r->pt, GiB, GiB, 8192, IOG_PT_RW, NULL), 0);
	assert_int_equal(r->pt.pages, 3);
	memcpy(&l2, iog_hosted_ptr(&r->h, r->pt.root_phys + 8, 8), 8);
	l2 &= ~0xfffull;
	assert_int_equal(iog_pt_unmap(&r->pt, GiB, 8192, &inv), 0);
	assert_int_equal(inv.flags, IOG_PT_INV_CHANGED | IOG_PT_INV_TABLES);
	assert_true(inv.start <= GiB && inv.end >= GiB + 8192);
	assert_int_equal(r->pt.pages, 1);
	assert_int_equal(r->pt.deferred_pages, 2);
	assert_int_equal(r->h.pages_in_use, 3);
	/* What a stale walk of the detached level-2 table finds: nothing present. */
	for (unsigned i = 0; i < 512; i++) {
		memcpy(&e, iog_hosted_ptr(&r->h, l2 + i * 8, 8), 8);
		assert_int_equal(e & 3, 0);
	}
	iog_pt_reclaim(&r->pt);
	assert_int_equal(r->pt.deferred_pages, 0);
	assert_int_equal(r->h.pages_in_use, 1);
	rig_fini(r);
	free(r);
}

/* Not coherent: each changed entry is flushed, and only a bounded amount. */
static void test_flushes(void **state)
{
	struct rig *r = calloc(1, sizeof(*r));
	unsigned long before;

	(void)state;
	rig_init(r, 4, IOG_PT_LARGE_2M | IOG_PT_LARGE_1G, 0, 64, 0);
	before = r->h.flushes;
	assert_int_equal(iog_pt_map(&r->pt, 0, 0, 64 * GiB, IOG_PT_RW, NULL), 0);
	/* One new table (flushed whole), one run of 64 leaves, one parent entry. */
	assert_int_equal(r->pt.pages, 2);
	assert_int_equal(r->h.flushes - before, 3);
	r->pt.coherent = 1; /* a coherent unit needs none */
	before = r->h.flushes;
	assert_int_equal(iog_pt_unmap(&r->pt, 0, GiB, NULL), 0);
	assert_int_equal(r->h.flushes, before);
	r->pt.coherent = 0;
	rig_fini(r);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_leaf_sizes),
		cmocka_unit_test(test_unaligned_phys),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_out_of_pages),
		cmocka_unit_test(test_deferred_release),
		cmocka_unit_test(test_flushes),
		cmocka_unit_test(test_random_3level_4k),
		cmocka_unit_test(test_random_4level_2m),
		cmocka_unit_test(test_random_4level_1g),
		cmocka_unit_test(test_random_5level_noncoherent),
		cmocka_unit_test(test_random_3level_noncoherent_4k),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
