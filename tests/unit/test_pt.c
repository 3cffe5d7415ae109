/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The page-table engine against a plain reference: one entry per 4 KiB page
 * of a window, updated by the obvious loop. Random map/unmap/protect
 * sequences must leave the tables translating exactly like the reference,
 * report every changed page for invalidation, use the leaf sizes the
 * configuration allows and no others, free what becomes empty, and (not
 * coherent) have flushed everything a unit would read. The same runs, and
 * entries checked bit by bit, for both formats: VT-d second level and AMD-Vi
 * host page tables.
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
	enum iog_pt_format fmt;
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

static void rig_init_fmt(struct rig *r, enum iog_pt_format fmt, unsigned levels, unsigned large,
			 int coherent, size_t pool, uint64_t base)
{
	struct iog_pt_config cfg = {levels, large, 46, coherent, fmt};

	r->fmt = fmt;
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

static void rig_init(struct rig *r, unsigned levels, unsigned large, int coherent, size_t pool,
		     uint64_t base)
{
	rig_init_fmt(r, IOG_PT_VTD_SL, levels, large, coherent, pool, base);
}

static void rig_fini(struct rig *r)
{
	iog_pt_destroy(&r->pt);
	assert_int_equal(r->h.pages_in_use, 0);
	iog_hosted_destroy(&r->h);
	free(r->ref);
	free(r->prev);
}

/* AMD-Vi host page-table entry fields (AMD IOMMU spec 2.2.3). */
#define AMD_PR 1ull
#define AMD_NEXT_LEVEL(e) ((unsigned)((e) >> 9) & 7u)
#define AMD_ADDR 0x000ffffffffff000ull
#define AMD_IR (1ull << 61)
#define AMD_IW (1ull << 62)
#define AMD_HIGH_ZERO 0x9ff0000000000000ull /* 63, 60:52: reserved, FC, U, ignored */

/*
 * What an AMD-Vi unit would see walking from a DTE with Mode = levels and
 * IR = IW = 1: each level needs PR, the permission is the AND of every
 * level's IR and IW, NextLevel 0 is a leaf of the level's size. It also
 * holds the engine to the shape it promises: a not-present entry is 0, a
 * table entry grants IR and IW and names the next level (no skipped level),
 * FC, U and the reserved bits are clear, a leaf is aligned to its size.
 */
static int amdvi_device_walk(struct rig *r, uint64_t iova, uint64_t *phys, unsigned *perm)
{
	uint64_t table = r->pt.root_phys;
	unsigned p = 3;

	for (unsigned level = r->pt.levels; level >= 1; level--) {
		unsigned shift = 12 + 9 * (level - 1);
		uint64_t e;

		assert_int_equal(
			iog_hosted_dma_read(&r->h, table + ((iova >> shift) & 511) * 8, &e, 8), 0);
		if (!(e & AMD_PR)) {
			assert_int_equal(e, 0);
			return -1;
		}
		assert_int_equal(e & AMD_HIGH_ZERO, 0);
		p &= (unsigned)(e >> 61) & 3;
		if (AMD_NEXT_LEVEL(e) == 0) {
			uint64_t size = 1ull << shift;

			assert_int_equal(e & AMD_ADDR & (size - 1), 0);
			*phys = (e & AMD_ADDR) | (iova & (size - 1));
			*perm = p;
			return p ? 0 : -1;
		}
		assert_int_equal(AMD_NEXT_LEVEL(e), level - 1);
		assert_int_equal(e & (AMD_IR | AMD_IW), AMD_IR | AMD_IW);
		table = e & AMD_ADDR;
	}
	return -1;
}

/*
 * What a unit would see: a walk written here from the VT-d spec, reading
 * memory the way a device does (for ECAP.C = 0, only what was flushed).
 */
static int device_walk(struct rig *r, uint64_t iova, uint64_t *phys, unsigned *perm)
{
	uint64_t table = r->pt.root_phys;
	unsigned p = 3;

	if (r->fmt == IOG_PT_AMDVI)
		return amdvi_device_walk(r, iova, phys, perm);
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
	/* AMD-Vi: coherent too, for the shape amdvi_device_walk holds the tables to. */
	if (!r->pt.coherent || r->fmt == IOG_PT_AMDVI) {
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

static void random_run_fmt(enum iog_pt_format fmt, unsigned levels, unsigned large, int coherent,
			   uint64_t base, unsigned ops)
{
	struct rig *r = calloc(1, sizeof(*r));
	unsigned large_seen = 0;

	rig_init_fmt(r, fmt, levels, large, coherent, 16384, base);
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

static void random_run(unsigned levels, unsigned large, int coherent, uint64_t base, unsigned ops)
{
	random_run_fmt(IOG_PT_VTD_SL, levels, large, coherent, base, ops);
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

/* Entry `index` of the table at `table` (a physical address), as the unit reads it. */
static uint64_t *entry_at(struct rig *r, uint64_t table, unsigned index)
{
	uint64_t *e = iog_hosted_ptr(&r->h, (table & AMD_ADDR) + index * 8, 8);

	assert_non_null(e);
	return e;
}

/* VT-d entries, bit by bit: R = 1, W = 2, PS = 0x80; a table entry grants R and W. */
static void test_vtd_encoding(void **state)
{
	struct rig *r = calloc(1, sizeof(*r));
	uint64_t l3, l2, l1;

	(void)state;
	rig_init(r, 4, IOG_PT_LARGE_2M | IOG_PT_LARGE_1G, 1, 64, 0);
	assert_int_equal(iog_pt_map(&r->pt, 0x1000, 0x5000, 4096, IOG_PT_RW, NULL), 0);
	assert_int_equal(iog_pt_map(&r->pt, 2 * MiB, 0x80200000, 2 * MiB, IOG_PT_READ, NULL), 0);
	assert_int_equal(iog_pt_map(&r->pt, GiB, 3 * GiB, GiB, IOG_PT_RW, NULL), 0);
	l3 = *entry_at(r, r->pt.root_phys, 0);
	l2 = *entry_at(r, l3, 0);
	l1 = *entry_at(r, l2, 0);
	assert_int_equal(l3 & 0xfff, 3);
	assert_int_equal(l2 & 0xfff, 3);
	assert_int_equal(l1 & 0xfff, 3);
	assert_int_equal(*entry_at(r, l1, 1), 0x5003);
	assert_int_equal(*entry_at(r, l2, 1), 0x80200081);
	assert_int_equal(*entry_at(r, l3, 1), 0xc0000083);
	assert_int_equal(iog_pt_protect(&r->pt, 0x1000, 4096, IOG_PT_WRITE, NULL), 0);
	assert_int_equal(*entry_at(r, l1, 1), 0x5002);
	rig_fini(r);
	free(r);
}

/*
 * AMD-Vi entries, bit by bit: a table entry is PR, NextLevel = its level - 1,
 * IR and IW; a leaf is PR, NextLevel 0 and the permission in IR (61) and IW
 * (62), at every level; detached tables are released after the invalidation.
 */
static void test_amdvi_encoding(void **state)
{
	struct rig *r = calloc(1, sizeof(*r));
	struct iog_pt_inval inv = {0, 0, 0};
	uint64_t l3, l2, l1, phys = 0, size = 0, e;
	unsigned perm = 0;

	(void)state;
	rig_init_fmt(r, IOG_PT_AMDVI, 4, IOG_PT_LARGE_2M | IOG_PT_LARGE_1G, 1, 64, 0);
	assert_int_equal(iog_pt_map(&r->pt, 0x1000, 0x5000, 4096, IOG_PT_RW, NULL), 0);
	assert_int_equal(iog_pt_map(&r->pt, 2 * MiB, 0x80200000, 2 * MiB, IOG_PT_READ, NULL), 0);
	assert_int_equal(iog_pt_map(&r->pt, GiB, 3 * GiB, GiB, IOG_PT_RW, NULL), 0);
	assert_int_equal(r->pt.pages, 4);
	l3 = *entry_at(r, r->pt.root_phys, 0);
	l2 = *entry_at(r, l3, 0);
	l1 = *entry_at(r, l2, 0);
	assert_int_equal(l3 & ~AMD_ADDR, 0x6000000000000601ull);      /* NextLevel 3 */
	assert_int_equal(l2 & ~AMD_ADDR, 0x6000000000000401ull);      /* NextLevel 2 */
	assert_int_equal(l1 & ~AMD_ADDR, 0x6000000000000201ull);      /* NextLevel 1 */
	assert_int_equal(*entry_at(r, l1, 1), 0x6000000000005001ull); /* 4 KiB, RW */
	assert_int_equal(*entry_at(r, l2, 1), 0x2000000080200001ull); /* 2 MiB, read */
	assert_int_equal(*entry_at(r, l3, 1), 0x60000000c0000001ull); /* 1 GiB, RW */
	assert_int_equal(*entry_at(r, l1, 0), 0);
	assert_int_equal(iog_pt_protect(&r->pt, 0x1000, 4096, IOG_PT_WRITE, NULL), 0);
	assert_int_equal(*entry_at(r, l1, 1), 0x4000000000005001ull);
	assert_int_equal(iog_pt_protect(&r->pt, 2 * MiB, 2 * MiB, IOG_PT_RW, NULL), 0);
	assert_int_equal(*entry_at(r, l2, 1), 0x6000000080200001ull);
	assert_int_equal(iog_pt_translate(&r->pt, 0x1005, &phys, &perm, &size), 0);
	assert_int_equal(phys, 0x5005);
	assert_int_equal(perm, IOG_PT_WRITE);
	assert_int_equal(size, 4096);
	assert_int_equal(iog_pt_translate(&r->pt, 3 * MiB + 7, &phys, &perm, &size), 0);
	assert_int_equal(phys, 0x80300007);
	assert_int_equal(perm, IOG_PT_RW);
	assert_int_equal(size, 2 * MiB);
	assert_int_equal(iog_pt_translate(&r->pt, GiB + 3, &phys, NULL, &size), 0);
	assert_int_equal(phys, 3 * GiB + 3);
	assert_int_equal(size, GiB);
	assert_int_equal(iog_pt_translate(&r->pt, 0, NULL, NULL, NULL), IOG_ENOTFOUND);

	/* The last leaf of a table goes: the table is detached, released later. */
	assert_int_equal(iog_pt_unmap(&r->pt, 0x1000, 4096, &inv), 0);
	assert_int_equal(inv.flags, IOG_PT_INV_CHANGED | IOG_PT_INV_TABLES);
	assert_true(inv.start <= 0x1000 && inv.end >= 0x2000);
	assert_int_equal(*entry_at(r, l2, 0), 0);
	assert_int_equal(r->pt.pages, 3);
	assert_int_equal(r->pt.deferred_pages, 1);
	assert_int_equal(r->h.pages_in_use, 4);
	/* What a stale walk of the detached table finds: nothing present. */
	for (unsigned i = 0; i < 512; i++)
		assert_int_equal(*entry_at(r, l1, i) & AMD_PR, 0);
	iog_pt_reclaim(&r->pt);
	assert_int_equal(r->h.pages_in_use, 3);
	assert_int_equal(iog_pt_unmap(&r->pt, 2 * MiB, 2 * MiB, NULL), 0);
	assert_int_equal(*entry_at(r, l3, 0), 0);
	assert_int_equal(iog_pt_unmap(&r->pt, GiB, GiB, NULL), 0);
	e = *entry_at(r, r->pt.root_phys, 0);
	assert_int_equal(e, 0);
	assert_int_equal(r->pt.pages, 1);
	iog_pt_reclaim(&r->pt);
	assert_int_equal(r->h.pages_in_use, 1);
	rig_fini(r);
	free(r);
}

/*
 * translate() decodes what the engine never writes but a unit accepts:
 * NextLevel 7 leaves, whose size is the run of 1s from address bit 12
 * (2^(13 + n)), copied into every entry they cover; and it refuses what no
 * table of this engine holds (a size out of its level, a skipped level).
 */
static void test_amdvi_sized_leaves(void **state)
{
	struct rig *r = calloc(1, sizeof(*r));
	uint64_t l3, l2, l1, root0, phys = 0, size = 0;
	const uint64_t nl7 = 7ull << 9;
	unsigned perm = 0;

	(void)state;
	rig_init_fmt(r, IOG_PT_AMDVI, 4, 0, 1, 64, 0);
	assert_int_equal(iog_pt_map(&r->pt, 2 * MiB, 0x10000, 8192, IOG_PT_RW, NULL), 0);
	root0 = *entry_at(r, r->pt.root_phys, 0);
	l3 = root0 & AMD_ADDR;
	l2 = *entry_at(r, l3, 0) & AMD_ADDR;
	l1 = *entry_at(r, l2, 1) & AMD_ADDR;
	/* 8 KiB at 0x10000: address bit 12 clear, in both level-1 entries. */
	for (unsigned i = 0; i < 2; i++)
		*entry_at(r, l1, i) = 0x10000 | nl7 | AMD_IR | AMD_IW | AMD_PR;
	assert_int_equal(iog_pt_translate(&r->pt, 2 * MiB + 0x1abc, &phys, &perm, &size), 0);
	assert_int_equal(phys, 0x11abc);
	assert_int_equal(perm, IOG_PT_RW);
	assert_int_equal(size, 8192);
	/* 32 KiB at 0x18000: bits 13:12 set, bit 14 clear, in 8 entries. */
	for (unsigned i = 8; i < 16; i++)
		*entry_at(r, l1, i) = 0x18000 | 0x3000 | nl7 | AMD_IR | AMD_PR;
	assert_int_equal(iog_pt_translate(&r->pt, 2 * MiB + 0xa345, &phys, &perm, &size), 0);
	assert_int_equal(phys, 0x1a345);
	assert_int_equal(perm, IOG_PT_READ);
	assert_int_equal(size, 32 * KiB);
	/* 4 MiB at 8 MiB, level 2: bits 20:12 set, bit 21 clear, in 2 entries. */
	for (unsigned i = 2; i < 4; i++)
		*entry_at(r, l2, i) = 0x800000 | 0x1ff000 | nl7 | AMD_IW | AMD_PR;
	assert_int_equal(iog_pt_translate(&r->pt, 4 * MiB + 0x2f0005, &phys, &perm, &size), 0);
	assert_int_equal(phys, 8 * MiB + 0x2f0005);
	assert_int_equal(perm, IOG_PT_WRITE);
	assert_int_equal(size, 4 * MiB);
	/*
	 * Sizes out of their level: 2 MiB at level 1 (the level above's own
	 * size), 2 MiB at level 2 (its own size: NextLevel 0, never 7), 8 KiB at
	 * level 2.
	 */
	*entry_at(r, l1, 20) = 0x800000 | 0xff000 | nl7 | AMD_IR | AMD_PR;
	assert_int_equal(iog_pt_translate(&r->pt, 2 * MiB + 20 * 4096, NULL, NULL, NULL),
			 IOG_EINVAL);
	*entry_at(r, l2, 8) = 0x1000000 | 0xff000 | nl7 | AMD_IR | AMD_PR;
	assert_int_equal(iog_pt_translate(&r->pt, 16 * MiB, NULL, NULL, NULL), IOG_EINVAL);
	*entry_at(r, l2, 9) = 0x1000000 | nl7 | AMD_IR | AMD_PR;
	assert_int_equal(iog_pt_translate(&r->pt, 18 * MiB, NULL, NULL, NULL), IOG_EINVAL);
	/* NextLevel 2 at level 1 is no leaf; a skipped level is no table of ours. */
	*entry_at(r, l1, 21) = 0x30000 | (2ull << 9) | AMD_IR | AMD_PR;
	assert_int_equal(iog_pt_translate(&r->pt, 2 * MiB + 21 * 4096, NULL, NULL, NULL),
			 IOG_EINVAL);
	*entry_at(r, r->pt.root_phys, 0) = (root0 & ~(7ull << 9)) | (2ull << 9);
	assert_int_equal(iog_pt_translate(&r->pt, 2 * MiB, NULL, NULL, NULL), IOG_EINVAL);
	*entry_at(r, r->pt.root_phys, 0) = root0;
	assert_int_equal(iog_pt_translate(&r->pt, 2 * MiB, &phys, NULL, NULL), 0);
	assert_int_equal(phys, 0x10000);
	rig_fini(r);
	free(r);
}

/*
 * 6 levels reach all 64 bits but for the last page (an exclusive end cannot
 * be 2^64): the top entries' ranges would wrap, and the invalidation report
 * must still end at iova_limit, never at 0.
 */
static void test_amdvi_top_of_64_bits(void **state)
{
	struct rig *r = calloc(1, sizeof(*r));
	struct iog_pt_inval inv = {0, 0, 0};
	const uint64_t start = 0 - 2 * GiB;
	uint64_t limit, phys = 0, size = 0, e;

	(void)state;
	rig_init_fmt(r, IOG_PT_AMDVI, 6, IOG_PT_LARGE_2M | IOG_PT_LARGE_1G, 1, 64, 0);
	limit = r->pt.iova_limit;
	assert_int_equal(limit, 0xfffffffffffff000ull);
	assert_int_equal(iog_pt_map(&r->pt, start, 2 * GiB, limit - start, IOG_PT_RW, &inv), 0);
	assert_int_equal(inv.flags & ~IOG_PT_INV_TABLES, IOG_PT_INV_ADDED);
	assert_int_equal(inv.start, start);
	assert_int_equal(inv.end, limit);
	/* The root's last entry (IOVA bits 63:57 all 1) points to level 5. */
	e = *entry_at(r, r->pt.root_phys, 127);
	assert_int_equal(e & ~AMD_ADDR, 0x6000000000000a01ull);
	assert_int_equal(iog_pt_translate(&r->pt, start + 5, &phys, NULL, &size), 0);
	assert_int_equal(phys, 2 * GiB + 5);
	assert_int_equal(size, GiB);
	assert_int_equal(iog_pt_translate(&r->pt, limit - 4096 + 7, &phys, NULL, &size), 0);
	assert_int_equal(phys, 4 * GiB - 8192 + 7);
	assert_int_equal(size, 4096);
	assert_int_equal(iog_pt_translate(&r->pt, limit, NULL, NULL, NULL), IOG_EINVAL);
	assert_int_equal(iog_pt_translate(&r->pt, ~0ull, NULL, NULL, NULL), IOG_EINVAL);
	assert_int_equal(iog_pt_map(&r->pt, limit, 0, 4096, IOG_PT_RW, NULL), IOG_EINVAL);
	assert_int_equal(iog_pt_map(&r->pt, limit - 4096, 0, 8192, IOG_PT_RW, NULL), IOG_EINVAL);
	/*
	 * One page out of a fresh path: every table on it goes, each reported
	 * with its entry's whole reach, up to iova_limit where that would wrap.
	 */
	assert_int_equal(iog_pt_unmap(&r->pt, start, limit - start, NULL), 0);
	assert_int_equal(iog_pt_map(&r->pt, start, 0, 4096, IOG_PT_READ, NULL), 0);
	assert_int_equal(r->pt.pages, 6);
	memset(&inv, 0, sizeof(inv));
	assert_int_equal(iog_pt_unmap(&r->pt, start, 4096, &inv), 0);
	assert_int_equal(inv.start, 0xfe00000000000000ull);
	assert_int_equal(inv.end, limit);
	assert_int_equal(r->pt.pages, 1);
	iog_pt_reclaim(&r->pt);
	assert_int_equal(iog_pt_map(&r->pt, start, 2 * GiB, limit - start, IOG_PT_RW, NULL), 0);
	/* A split of the 1 GiB leaf is reported whole. */
	memset(&inv, 0, sizeof(inv));
	assert_int_equal(iog_pt_unmap(&r->pt, start + 5 * MiB, 4096, &inv), 0);
	assert_int_equal(inv.flags, IOG_PT_INV_CHANGED | IOG_PT_INV_TABLES);
	assert_true(inv.start <= start && inv.end >= start + GiB && inv.end <= limit);
	/*
	 * Everything out: the tables on the top path go, each reported with the
	 * whole reach of its entry, the root's last (IOVA bits 63:57 all 1)
	 * included, up to iova_limit.
	 */
	memset(&inv, 0, sizeof(inv));
	assert_int_equal(iog_pt_unmap(&r->pt, start, limit - start, &inv), 0);
	assert_int_equal(inv.flags, IOG_PT_INV_CHANGED | IOG_PT_INV_TABLES);
	assert_int_equal(inv.start, 0xfe00000000000000ull);
	assert_int_equal(inv.end, limit);
	assert_int_equal(r->pt.pages, 1);
	iog_pt_reclaim(&r->pt);
	assert_int_equal(r->h.pages_in_use, 1);
	rig_fini(r);
	free(r);
}

/*
 * Exact page counts for an identity map of 4 GiB on 3 levels, as for VT-d;
 * out of table pages halfway: an error, consistent tables, nothing leaked;
 * not coherent: each changed entry flushed, a bounded number of times.
 */
static void test_amdvi_pages_and_flushes(void **state)
{
	static const struct {
		unsigned large;
		size_t pages, after_hole;
	} cases[] = {
		{0, 1 + 4 + 2048, 1 + 4 + 2048},
		{IOG_PT_LARGE_2M, 1 + 4, 1 + 4 + 1},
		{IOG_PT_LARGE_2M | IOG_PT_LARGE_1G, 1, 1 + 1 + 1},
	};
	struct rig *r;
	uint64_t mapped = 0;
	unsigned long before;

	(void)state;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		r = calloc(1, sizeof(*r));
		rig_init_fmt(r, IOG_PT_AMDVI, 3, cases[c].large, 1, 4096, 0);
		assert_int_equal(iog_pt_map(&r->pt, 0, 0, 4 * GiB, IOG_PT_RW, NULL), 0);
		assert_int_equal(r->pt.pages, cases[c].pages);
		assert_int_equal(iog_pt_unmap(&r->pt, GiB + 5 * MiB + 3 * 4096, 4096, NULL), 0);
		assert_int_equal(r->pt.pages, cases[c].after_hole);
		rig_fini(r);
		free(r);
	}

	r = calloc(1, sizeof(*r));
	rig_init_fmt(r, IOG_PT_AMDVI, 3, 0, 1, 8, 0);
	assert_int_equal(iog_pt_map(&r->pt, 0, 0, 64 * MiB, IOG_PT_RW, NULL), IOG_ENOMEM);
	assert_int_equal(r->h.pages_in_use, r->pt.pages);
	for (uint64_t a = 0; a < 64 * MiB; a += 4096) {
		uint64_t phys = 0;

		if (iog_pt_translate(&r->pt, a, &phys, NULL, NULL) == 0) {
			assert_int_equal(phys, a);
			assert_int_equal(a, mapped);
			mapped += 4096;
		}
	}
	assert_true(mapped > 0 && mapped < 64 * MiB);
	assert_int_equal(iog_pt_unmap(&r->pt, 0, 64 * MiB, NULL), 0);
	iog_pt_reclaim(&r->pt);
	assert_int_equal(r->h.pages_in_use, 1);
	rig_fini(r);
	free(r);

	r = calloc(1, sizeof(*r));
	rig_init_fmt(r, IOG_PT_AMDVI, 4, IOG_PT_LARGE_2M | IOG_PT_LARGE_1G, 0, 64, 0);
	before = r->h.flushes;
	assert_int_equal(iog_pt_map(&r->pt, 0, 0, 64 * GiB, IOG_PT_RW, NULL), 0);
	/* One new table (flushed whole), one run of 64 leaves, one parent entry. */
	assert_int_equal(r->pt.pages, 2);
	assert_int_equal(r->h.flushes - before, 3);
	rig_fini(r);
	free(r);
}

static void test_amdvi_bad_arguments(void **state)
{
	struct rig *r = calloc(1, sizeof(*r));
	struct iog_pt_config bad = {2, 0, 46, 1, IOG_PT_AMDVI};
	struct iog_pt other;

	(void)state;
	rig_init_fmt(r, IOG_PT_AMDVI, 3, 0, 1, 64, 0);
	assert_int_equal(iog_pt_init(&other, &r->h.plat, &bad), IOG_EINVAL);
	bad.levels = 7;
	assert_int_equal(iog_pt_init(&other, &r->h.plat, &bad), IOG_EINVAL);
	bad = (struct iog_pt_config){4, 0, 53, 1, IOG_PT_AMDVI};
	assert_int_equal(iog_pt_init(&other, &r->h.plat, &bad), IOG_EINVAL);
	bad = (struct iog_pt_config){4, 0, 46, 1, (enum iog_pt_format)2};
	assert_int_equal(iog_pt_init(&other, &r->h.plat, &bad), IOG_EINVAL);
	assert_int_equal(iog_pt_map(&r->pt, 1ull << 39, 0, 4096, IOG_PT_RW, NULL), IOG_EINVAL);
	assert_int_equal(iog_pt_map(&r->pt, 0, 1ull << 46, 4096, IOG_PT_RW, NULL), IOG_EINVAL);
	assert_int_equal(iog_pt_translate(&r->pt, 1ull << 39, NULL, NULL, NULL), IOG_EINVAL);
	assert_int_equal(r->pt.iova_limit, 1ull << 39);
	assert_int_equal(r->pt.pages, 1);
	rig_fini(r);
	free(r);
}

/* Entry by entry, a VT-d tree and an AMD-Vi tree mean the same, down to the table pages. */
static void same_tree(struct rig *v, struct rig *a, uint64_t vtable, uint64_t atable,
		      unsigned level)
{
	for (unsigned i = 0; i < 512; i++) {
		uint64_t ve = *entry_at(v, vtable, i), ae = *entry_at(a, atable, i);

		if (!ve) {
			assert_int_equal(ae, 0);
			continue;
		}
		assert_int_equal(ae & AMD_ADDR, ve & AMD_ADDR);
		if (level > 1 && !(ve & 0x80)) {
			assert_int_equal(ae & ~AMD_ADDR,
					 AMD_PR | (uint64_t)(level - 1) << 9 | AMD_IR | AMD_IW);
			same_tree(v, a, ve, ae, level - 1);
		} else {
			assert_int_equal(ae & ~AMD_ADDR, AMD_PR | (ve & 3) << 61);
		}
	}
}

/*
 * One engine, two encodings: the same operations on a VT-d and an AMD-Vi
 * domain give the same results, invalidation reports, table pages and
 * flushes, and trees that differ only in how each entry is spelt.
 */
static void test_formats_same_tree(void **state)
{
	struct rig *v = calloc(1, sizeof(*v)), *a = calloc(1, sizeof(*a));
	const uint64_t base = 0x7f00000000ull;

	(void)state;
	rig_init_fmt(v, IOG_PT_VTD_SL, 4, IOG_PT_LARGE_2M | IOG_PT_LARGE_1G, 0, 16384, base);
	rig_init_fmt(a, IOG_PT_AMDVI, 4, IOG_PT_LARGE_2M | IOG_PT_LARGE_1G, 0, 16384, base);
	for (unsigned op = 0; op < 1500; op++) {
		uint64_t first = pick(NPAGES - 1), n, kind = rnd() % 10, phys = 0;
		struct iog_pt_inval vi = {0, 0, 0}, ai = {0, 0, 0};
		unsigned perm = 1 + (unsigned)(rnd() % 3);
		int ve, ae;

		if (rnd() % 2)
			first &= ~511ull;
		n = pick(NPAGES - first);
		if (kind < 5) {
			phys = (rnd() % 2 ? first : rnd() % (NPAGES * 4)) * 4096;
			ve = iog_pt_map(&v->pt, base + first * 4096, phys, n * 4096, perm, &vi);
			ae = iog_pt_map(&a->pt, base + first * 4096, phys, n * 4096, perm, &ai);
		} else if (kind < 8) {
			ve = iog_pt_unmap(&v->pt, base + first * 4096, n * 4096, &vi);
			ae = iog_pt_unmap(&a->pt, base + first * 4096, n * 4096, &ai);
		} else {
			perm = (unsigned)(rnd() % 4);
			ve = iog_pt_protect(&v->pt, base + first * 4096, n * 4096, perm, &vi);
			ae = iog_pt_protect(&a->pt, base + first * 4096, n * 4096, perm, &ai);
		}
		assert_int_equal(ve, 0);
		assert_int_equal(ae, 0);
		assert_int_equal(ai.flags, vi.flags);
		assert_int_equal(ai.start, vi.start);
		assert_int_equal(ai.end, vi.end);
		assert_int_equal(a->pt.pages, v->pt.pages);
		assert_int_equal(a->h.flushes, v->h.flushes);
		if (op % 2) {
			iog_pt_reclaim(&v->pt);
			iog_pt_reclaim(&a->pt);
		}
		if (op % 100 == 99)
			same_tree(v, a, v->pt.root_phys, a->pt.root_phys, 4);
	}
	same_tree(v, a, v->pt.root_phys, a->pt.root_phys, 4);
	rig_fini(v);
	rig_fini(a);
	free(v);
	free(a);
}

static void test_amdvi_random_3level_4k(void **state)
{
	(void)state;
	random_run_fmt(IOG_PT_AMDVI, 3, 0, 1, 0, 1500);
}

static void test_amdvi_random_4level_2m_noncoherent(void **state)
{
	(void)state;
	random_run_fmt(IOG_PT_AMDVI, 4, IOG_PT_LARGE_2M, 0, 0x7f00000000ull, 1500);
}

static void test_amdvi_random_4level_1g(void **state)
{
	(void)state;
	random_run_fmt(IOG_PT_AMDVI, 4, IOG_PT_LARGE_2M | IOG_PT_LARGE_1G, 1,
		       0x812340000000ull & ~(GiB - 1), 1500);
}

static void test_amdvi_random_5level_1g_noncoherent(void **state)
{
	(void)state;
	random_run_fmt(IOG_PT_AMDVI, 5, IOG_PT_LARGE_2M | IOG_PT_LARGE_1G, 0, 0x1230000000000ull,
		       1500);
}

/* 4 GiB just below the top of the 64-bit space: the last entry of every level. */
static void test_amdvi_random_6level_top(void **state)
{
	(void)state;
	random_run_fmt(IOG_PT_AMDVI, 6, IOG_PT_LARGE_2M | IOG_PT_LARGE_1G, 0, 0 - 8 * GiB, 1500);
}

static void test_amdvi_random_6level_2m(void **state)
{
	(void)state;
	random_run_fmt(IOG_PT_AMDVI, 6, IOG_PT_LARGE_2M, 1, 0x8000004000000000ull, 1000);
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
		cmocka_unit_test(test_vtd_encoding),
		cmocka_unit_test(test_amdvi_encoding),
		cmocka_unit_test(test_amdvi_sized_leaves),
		cmocka_unit_test(test_amdvi_top_of_64_bits),
		cmocka_unit_test(test_amdvi_pages_and_flushes),
		cmocka_unit_test(test_amdvi_bad_arguments),
		cmocka_unit_test(test_formats_same_tree),
		cmocka_unit_test(test_amdvi_random_3level_4k),
		cmocka_unit_test(test_amdvi_random_4level_2m_noncoherent),
		cmocka_unit_test(test_amdvi_random_4level_1g),
		cmocka_unit_test(test_amdvi_random_5level_1g_noncoherent),
		cmocka_unit_test(test_amdvi_random_6level_top),
		cmocka_unit_test(test_amdvi_random_6level_2m),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
