/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The VT-d second-level page-table engine. One recursive routine, update(),
 * applies a map, unmap or protect to a range: at each level it writes a leaf
 * where the range covers a whole entry (and the leaf size is allowed and
 * aligned), and otherwise descends, creating a table for a hole or splitting
 * a large leaf into 512 smaller ones. A table left empty is detached and its
 * page queued for release after the caller's invalidation (iog_pt_reclaim).
 * Every entry of a linked table may be read by the unit at any moment, so it
 * is written whole, with iog_store64.
 */
#include <ioguard/error.h>
#include <ioguard/pt.h>

#include "util/bytes.h"

/* Second-level entry bits (VT-d spec 3.x, 9.8). */
#define SL_R (1ull << 0)
#define SL_W (1ull << 1)
#define SL_PERM (SL_R | SL_W)
#define SL_PS (1ull << 7)
#define SL_ADDR 0x000ffffffffff000ull /* bits 51:12 */

#define ENTRIES 512u

enum op_kind { OP_MAP, OP_UNMAP, OP_PROTECT };

struct op {
	struct iog_pt *pt;
	enum op_kind kind;
	uint64_t delta; /* OP_MAP: phys = iova + delta (mod 2^64) */
	unsigned perm;
	struct iog_pt_inval *inv;
};

static unsigned shift_of(unsigned level)
{
	return 12u + 9u * (level - 1u);
}

static int present(uint64_t e)
{
	return (e & SL_PERM) != 0;
}

static int is_table(uint64_t e, unsigned level)
{
	return level > 1 && present(e) && !(e & SL_PS);
}

static int leaf_allowed(const struct iog_pt *pt, unsigned level)
{
	return level == 1 || (level == 2 && (pt->large & IOG_PT_LARGE_2M)) ||
	       (level == 3 && (pt->large & IOG_PT_LARGE_1G));
}

static uint64_t make_leaf(uint64_t phys, unsigned perm, unsigned level)
{
	return (phys & SL_ADDR) | perm | (level > 1 ? SL_PS : 0);
}

static uint64_t *table_of(const struct iog_pt *pt, uint64_t e)
{
	return pt->plat->page_virt(pt->plat->ctx, e & SL_ADDR);
}

static void flush(const struct iog_pt *pt, const void *p, size_t len)
{
	if (!pt->coherent)
		pt->plat->cache_flush(pt->plat->ctx, p, len);
}

static void inv_add(struct iog_pt_inval *inv, unsigned flags, uint64_t start, uint64_t end)
{
	if (!inv->flags) {
		inv->start = start;
		inv->end = end;
	} else {
		if (start < inv->start)
			inv->start = start;
		if (end > inv->end)
			inv->end = end;
	}
	inv->flags |= flags;
}

static uint64_t *alloc_table(struct iog_pt *pt, uint64_t *phys)
{
	void *v = NULL;

	if (pt->plat->page_alloc(pt->plat->ctx, &v, phys) != IOG_OK || !v)
		return NULL;
	if ((*phys & (IOG_PAGE_SIZE - 1)) || *phys >= pt->phys_limit) {
		/* The unit could not reach it: no use as a table. */
		pt->plat->page_free(pt->plat->ctx, v, *phys);
		return NULL;
	}
	pt->pages++;
	flush(pt, v, IOG_PAGE_SIZE); /* the unit must see zeroes, not stale data */
	return v;
}

/*
 * Queues a detached table page for release after invalidation. The queue is
 * threaded through entry 0 of the queued pages: a physical address has its
 * low 12 bits clear, so a unit still walking the page through a stale cached
 * pointer sees entry 0 as not present, never as a translation.
 */
static void defer_free(struct iog_pt *pt, uint64_t *t, uint64_t phys)
{
	/* Whole: half of an old entry with half of a pointer could translate. */
	iog_store64(&t[0], pt->deferred);
	pt->deferred = phys;
	pt->deferred_pages++;
	pt->pages--;
}

/* Detaches every table below entry `e` of a level-`level` table. */
static void defer_tree(struct iog_pt *pt, uint64_t e, unsigned level)
{
	uint64_t *t = table_of(pt, e);

	if (!t)
		return;
	if (level - 1 > 1)
		for (unsigned i = 0; i < ENTRIES; i++)
			if (is_table(t[i], level - 1))
				defer_tree(pt, t[i], level - 1);
	defer_free(pt, t, e & SL_ADDR);
}

static int table_empty(const uint64_t *t)
{
	for (unsigned i = 0; i < ENTRIES; i++)
		if (t[i])
			return 0;
	return 1;
}

static int update(struct op *o, uint64_t *t, unsigned level, uint64_t start, uint64_t end);

/*
 * The range [a, stop) covers only part of entry i (or a leaf cannot stand
 * for it): make the entry a table, then apply the operation one level down.
 */
static int descend(struct op *o, uint64_t *t, unsigned i, unsigned level, uint64_t a, uint64_t stop,
		   uint64_t base)
{
	struct iog_pt *pt = o->pt;
	uint64_t e = t[i], cphys, span = 1ull << shift_of(level);
	uint64_t *child;
	int err;

	if (level == 1)
		return IOG_EINVAL; /* cannot happen: 4 KiB entries are always covered whole */
	if (!present(e) || !is_table(e, level)) {
		if (present(e)) {
			/* A large leaf: unchanged by this operation? Then leave it. */
			uint64_t here = (e & SL_ADDR) + (a - base);

			if (o->kind == OP_PROTECT && (e & SL_PERM) == o->perm)
				return IOG_OK;
			if (o->kind == OP_MAP && (e & SL_PERM) == o->perm &&
			    here == ((a + o->delta) & SL_ADDR))
				return IOG_OK;
		}
		child = alloc_table(pt, &cphys);
		if (!child)
			return IOG_ENOMEM;
		if (present(e)) {
			uint64_t sub = 1ull << shift_of(level - 1);

			/*
			 * Split: 512 smaller leaves with the same translation. Plain
			 * stores: the unit cannot reach this table before t[i] links it.
			 */
			for (unsigned j = 0; j < ENTRIES; j++)
				child[j] = make_leaf((e & SL_ADDR) + j * sub,
						     (unsigned)(e & SL_PERM), level - 1);
			flush(pt, child, IOG_PAGE_SIZE);
			/*
			 * The unit may cache the large leaf as one entry: the whole
			 * of it must be invalidated (an address mask covering it).
			 */
			inv_add(o->inv, IOG_PT_INV_CHANGED | IOG_PT_INV_TABLES, base, base + span);
		} else {
			/* Caching mode may have cached "not present" here, at this level. */
			inv_add(o->inv, IOG_PT_INV_ADDED | IOG_PT_INV_TABLES, a, stop);
		}
		iog_store64(&t[i], cphys | SL_R | SL_W);
		flush(pt, &t[i], sizeof(t[i]));
	}
	child = table_of(pt, t[i]);
	if (!child)
		return IOG_EINVAL;
	err = update(o, child, level - 1, a, stop);
	if ((err || o->kind != OP_MAP) && table_empty(child)) {
		cphys = t[i] & SL_ADDR;
		iog_store64(&t[i], 0);
		flush(pt, &t[i], sizeof(t[i]));
		inv_add(o->inv, IOG_PT_INV_CHANGED | IOG_PT_INV_TABLES, base, base + span);
		defer_free(pt, child, cphys);
	}
	return err;
}

static int update(struct op *o, uint64_t *t, unsigned level, uint64_t start, uint64_t end)
{
	struct iog_pt *pt = o->pt;
	unsigned shift = shift_of(level);
	uint64_t span = 1ull << shift;
	unsigned i = (unsigned)(start >> shift) & (ENTRIES - 1);
	unsigned lo = ENTRIES, hi = 0;
	int err = IOG_OK;

	for (uint64_t a = start; a < end && !err; i++) {
		uint64_t base = a & ~(span - 1), next = base + span;
		uint64_t stop = next < end ? next : end;
		uint64_t e = t[i], ne = e;
		int whole = a == base && stop == next;

		if (whole && o->kind == OP_UNMAP)
			ne = 0;
		else if (whole && o->kind == OP_MAP && leaf_allowed(pt, level) &&
			 !((a + o->delta) & (span - 1)))
			ne = make_leaf(a + o->delta, o->perm, level);
		else if (whole && o->kind == OP_PROTECT && present(e) && !is_table(e, level))
			ne = o->perm ? (e & ~SL_PERM) | o->perm : 0;
		else if (present(e) || o->kind == OP_MAP)
			err = descend(o, t, i, level, a, stop, base);
		if (ne != e) {
			iog_store64(&t[i], ne);
			lo = i < lo ? i : lo;
			hi = i > hi ? i : hi;
			if (!present(e))
				inv_add(o->inv, IOG_PT_INV_ADDED, base, next);
			else if (is_table(e, level))
				inv_add(o->inv, IOG_PT_INV_CHANGED | IOG_PT_INV_TABLES, base, next);
			else
				inv_add(o->inv, IOG_PT_INV_CHANGED, base, next);
			if (is_table(e, level)) {
				/* The new entry must be visible before the old tables go. */
				flush(pt, &t[i], sizeof(t[i]));
				defer_tree(pt, e, level);
			}
		}
		a = stop;
	}
	if (lo <= hi)
		flush(pt, &t[lo], (hi - lo + 1u) * sizeof(t[0]));
	return err;
}

static int run(struct iog_pt *pt, enum op_kind kind, uint64_t iova, uint64_t phys, uint64_t size,
	       unsigned perm, struct iog_pt_inval *inv)
{
	struct iog_pt_inval scratch = {0, 0, 0};
	struct op o = {pt, kind, phys - iova, perm, inv ? inv : &scratch};

	if (!pt || !pt->root || perm > IOG_PT_RW)
		return IOG_EINVAL;
	if (!size || ((iova | size) & (IOG_PAGE_SIZE - 1)) || iova + size < iova ||
	    iova + size > pt->iova_limit)
		return IOG_EINVAL;
	if (kind == OP_MAP && (!perm || (phys & (IOG_PAGE_SIZE - 1)) || phys + size < phys ||
			       phys + size > pt->phys_limit))
		return IOG_EINVAL;
	return update(&o, pt->root, pt->levels, iova, iova + size);
}

int iog_pt_map(struct iog_pt *pt, uint64_t iova, uint64_t phys, uint64_t size, unsigned perm,
	       struct iog_pt_inval *inv)
{
	return run(pt, OP_MAP, iova, phys, size, perm, inv);
}

int iog_pt_unmap(struct iog_pt *pt, uint64_t iova, uint64_t size, struct iog_pt_inval *inv)
{
	return run(pt, OP_UNMAP, iova, iova, size, 0, inv);
}

int iog_pt_protect(struct iog_pt *pt, uint64_t iova, uint64_t size, unsigned perm,
		   struct iog_pt_inval *inv)
{
	return run(pt, OP_PROTECT, iova, iova, size, perm, inv);
}

int iog_pt_translate(const struct iog_pt *pt, uint64_t iova, uint64_t *phys, unsigned *perm,
		     uint64_t *leaf_size)
{
	const uint64_t *t;
	unsigned p = IOG_PT_RW;

	if (!pt || !pt->root || iova >= pt->iova_limit)
		return IOG_EINVAL;
	t = pt->root;
	for (unsigned level = pt->levels; level >= 1 && t; level--) {
		unsigned shift = shift_of(level);
		uint64_t e = t[(iova >> shift) & (ENTRIES - 1)];

		if (!present(e))
			return IOG_ENOTFOUND;
		p &= (unsigned)(e & SL_PERM);
		if (level == 1 || (e & SL_PS)) {
			uint64_t size = 1ull << shift;

			if (!p)
				return IOG_ENOTFOUND;
			if (phys)
				*phys = (e & SL_ADDR & ~(size - 1)) + (iova & (size - 1));
			if (perm)
				*perm = p;
			if (leaf_size)
				*leaf_size = size;
			return IOG_OK;
		}
		t = table_of(pt, e);
	}
	return IOG_EINVAL;
}

void iog_pt_reclaim(struct iog_pt *pt)
{
	/* Bounded by the count, in case a queued page was overwritten. */
	while (pt && pt->deferred && pt->deferred_pages) {
		uint64_t phys = pt->deferred;
		uint64_t *t = pt->plat->page_virt(pt->plat->ctx, phys);

		if (!t)
			break;
		pt->deferred = t[0];
		pt->deferred_pages--;
		pt->plat->page_free(pt->plat->ctx, t, phys);
	}
}

int iog_pt_init(struct iog_pt *pt, const struct iog_platform *plat, const struct iog_pt_config *cfg)
{
	if (!pt || !plat || !cfg || !plat->page_alloc || !plat->page_free || !plat->page_virt ||
	    !plat->cache_flush)
		return IOG_EINVAL;
	if (cfg->levels < 3 || cfg->levels > 5 || cfg->out_bits < 12 || cfg->out_bits > 52 ||
	    (cfg->large & ~(IOG_PT_LARGE_2M | IOG_PT_LARGE_1G)))
		return IOG_EINVAL;
	iog_memset(pt, 0, sizeof(*pt));
	pt->plat = plat;
	pt->levels = cfg->levels;
	/* A 1 GiB leaf splits into 2 MiB ones: without those, no large leaves at all. */
	pt->large = (cfg->large & IOG_PT_LARGE_2M) ? cfg->large : 0;
	pt->coherent = cfg->coherent;
	pt->iova_limit = 1ull << shift_of(cfg->levels + 1);
	pt->phys_limit = 1ull << cfg->out_bits;
	pt->root = alloc_table(pt, &pt->root_phys);
	return pt->root ? IOG_OK : IOG_ENOMEM;
}

static void free_now(struct iog_pt *pt, uint64_t *t, uint64_t phys, unsigned level)
{
	if (level > 1)
		for (unsigned i = 0; i < ENTRIES; i++)
			if (is_table(t[i], level)) {
				uint64_t *c = table_of(pt, t[i]);

				if (c)
					free_now(pt, c, t[i] & SL_ADDR, level - 1);
			}
	pt->plat->page_free(pt->plat->ctx, t, phys);
	pt->pages--;
}

void iog_pt_destroy(struct iog_pt *pt)
{
	if (!pt || !pt->root)
		return;
	iog_pt_reclaim(pt);
	free_now(pt, pt->root, pt->root_phys, pt->levels);
	pt->root = NULL;
	pt->root_phys = 0;
}
