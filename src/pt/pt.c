/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The I/O page-table engine. One recursive routine, update(), applies a
 * map, unmap or protect to a range: at each level it writes a leaf
 * where the range covers a whole entry (and the leaf size is allowed and
 * aligned), and otherwise descends, creating a table for a hole or splitting
 * a large leaf into 512 smaller ones. A table left empty is detached and its
 * page queued for release after the caller's invalidation (iog_pt_reclaim).
 * Every entry of a linked table may be read by the unit at any moment, so it
 * is written whole, with iog_store64.
 *
 * What the bits of an entry mean is the only thing that differs between
 * IOMMUs: it is one row of formats[] below, read by the same walker. The
 * walker's routines take the row as a parameter and are inlined into one
 * instance per format (update_vtd, update_amdvi), where the row's fields
 * are constants: each format runs as fast as a walker written for it alone.
 */
#include <ioguard/error.h>
#include <ioguard/pt.h>

#include "util/bytes.h"

/* Second-level entry bits (VT-d spec 3.x, 9.8). */
#define SL_R (1ull << 0)
#define SL_W (1ull << 1)
#define SL_PS (1ull << 7) /* a leaf above level 1 */

/* Host page-table entry bits (AMD IOMMU spec 2.2.3, PDE and PTE formats). */
#define AMD_PR (1ull << 0)
#define AMD_NEXT_LEVEL_SHIFT 9 /* bits 11:9 */
#define AMD_NEXT_LEVEL_MASK 7u
#define AMD_NL_LEAF 0u	/* a PTE whose page is the level's natural size */
#define AMD_NL_SIZED 7u /* a PTE whose size is the run of 1s from address bit 12 */
#define AMD_IR_SHIFT 61 /* IR (61) and IW (62): the permission, checked at every level */
#define AMD_IR (1ull << 61)
#define AMD_IW (1ull << 62)

#define ADDR_MASK 0x000ffffffffff000ull /* bits 51:12, in both formats */

#define ENTRIES 512u

/* Folded into each per-format instance, so that the format is a constant there. */
#define PER_FORMAT static inline __attribute__((always_inline))

/*
 * One entry format. An entry is present when any `present` bit is set; its
 * permission is IOG_PT_READ/WRITE shifted by perm_shift; above level 1, its
 * type field (type_shift, type_mask) tells a leaf from a table entry.
 */
struct pt_format {
	unsigned min_levels, max_levels;
	uint64_t present;
	uint64_t addr;	     /* a page's or the next table's address */
	unsigned perm_shift; /* IOG_PT_READ/WRITE << perm_shift: the permission bits */
	uint64_t leaf;	     /* in every leaf */
	uint64_t large;	     /* in a leaf above level 1 too */
	uint64_t table;	     /* in every table entry */
	unsigned type_shift, type_mask;
	unsigned leaf_type;  /* the type of a leaf of the level's own size, above level 1 */
	unsigned sized_type; /* of a leaf whose size is in its address (> type_mask: none) */
	int next_level;	     /* a table entry's type is the level it points to */
};

static const struct pt_format formats[] = {
	/* VT-d: present is R or W; PS marks a large leaf; a table entry grants R and W. */
	[IOG_PT_VTD_SL] = {.min_levels = 3,
			   .max_levels = 5,
			   .present = SL_R | SL_W,
			   .addr = ADDR_MASK,
			   .perm_shift = 0,
			   .leaf = 0,
			   .large = SL_PS,
			   .table = SL_R | SL_W,
			   .type_shift = 7,
			   .type_mask = 1,
			   .leaf_type = 1,
			   .sized_type = 2,
			   .next_level = 0},
	/*
	 * AMD-Vi: present is PR; NextLevel 0 marks a leaf of the level's size,
	 * 7 a leaf of the size its address encodes, 1 to 6 a table entry, which
	 * must grant IR and IW because the unit ANDs the permissions of every
	 * level it walks. Leaves keep FC and U clear: a request's own coherence
	 * attribute passes through, as VT-d leaves do with SNP clear.
	 */
	[IOG_PT_AMDVI] = {.min_levels = 3,
			  .max_levels = 6,
			  .present = AMD_PR,
			  .addr = ADDR_MASK,
			  .perm_shift = AMD_IR_SHIFT,
			  .leaf = AMD_PR,
			  .large = 0,
			  .table = AMD_PR | AMD_IR | AMD_IW,
			  .type_shift = AMD_NEXT_LEVEL_SHIFT,
			  .type_mask = AMD_NEXT_LEVEL_MASK,
			  .leaf_type = AMD_NL_LEAF,
			  .sized_type = AMD_NL_SIZED,
			  .next_level = 1},
};

enum op_kind { OP_MAP, OP_UNMAP, OP_PROTECT };

struct op {
	struct iog_pt *pt;
	enum op_kind kind;
	uint64_t delta; /* OP_MAP: phys = iova + delta (mod 2^64) */
	unsigned perm;
	struct iog_pt_inval *inv;
};

static const struct pt_format *format_of(const struct iog_pt *pt)
{
	return &formats[pt->format];
}

static unsigned shift_of(unsigned level)
{
	return 12u + 9u * (level - 1u);
}

static int present(const struct pt_format *f, uint64_t e)
{
	return (e & f->present) != 0;
}

static unsigned type_of(const struct pt_format *f, uint64_t e)
{
	return (unsigned)(e >> f->type_shift) & f->type_mask;
}

static int is_table(const struct pt_format *f, uint64_t e, unsigned level)
{
	unsigned type = type_of(f, e);

	return level > 1 && present(f, e) && type != f->leaf_type && type != f->sized_type;
}

static unsigned perm_of(const struct pt_format *f, uint64_t e)
{
	return (unsigned)(e >> f->perm_shift) & IOG_PT_RW;
}

static uint64_t perm_bits(const struct pt_format *f, unsigned perm)
{
	return (uint64_t)perm << f->perm_shift;
}

static int leaf_allowed(const struct iog_pt *pt, unsigned level)
{
	return level == 1 || (level == 2 && (pt->large & IOG_PT_LARGE_2M)) ||
	       (level == 3 && (pt->large & IOG_PT_LARGE_1G));
}

static uint64_t make_leaf(const struct pt_format *f, uint64_t phys, unsigned perm, unsigned level)
{
	return (phys & f->addr) | f->leaf | perm_bits(f, perm) | (level > 1 ? f->large : 0);
}

/* The entry of a level-`level` table that points to the table at `phys`. */
static uint64_t make_table(const struct pt_format *f, uint64_t phys, unsigned level)
{
	uint64_t next = f->next_level ? (uint64_t)(level - 1) << f->type_shift : 0;

	return (phys & f->addr) | f->table | next;
}

static uint64_t *table_of(const struct iog_pt *pt, const struct pt_format *f, uint64_t e)
{
	return pt->plat->page_virt(pt->plat->ctx, e & f->addr);
}

/*
 * The end of the IOVAs an entry covers, for the invalidation report: with 6
 * levels the last entries reach 2^64, which wraps to 0; no IOVA at or past
 * iova_limit is ever mapped, so iova_limit stands for it.
 */
static uint64_t span_end(const struct iog_pt *pt, uint64_t base, uint64_t span)
{
	return base + span ? base + span : pt->iova_limit;
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
 * low 12 bits clear (VT-d R and W, AMD-Vi PR) and bits 62:61 clear (AMD-Vi
 * IR and IW), so a unit still walking the page through a stale cached
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
	const struct pt_format *f = format_of(pt);
	uint64_t *t = table_of(pt, f, e);

	if (!t)
		return;
	if (level - 1 > 1)
		for (unsigned i = 0; i < ENTRIES; i++)
			if (is_table(f, t[i], level - 1))
				defer_tree(pt, t[i], level - 1);
	defer_free(pt, t, e & f->addr);
}

static int table_empty(const uint64_t *t)
{
	for (unsigned i = 0; i < ENTRIES; i++)
		if (t[i])
			return 0;
	return 1;
}

static int update_vtd(struct op *o, uint64_t *t, unsigned level, uint64_t start, uint64_t end);
static int update_amdvi(struct op *o, uint64_t *t, unsigned level, uint64_t start, uint64_t end);

/* The instance of update() for format f. */
PER_FORMAT int update_in(const struct pt_format *f, struct op *o, uint64_t *t, unsigned level,
			 uint64_t start, uint64_t end)
{
	if (f == &formats[IOG_PT_AMDVI])
		return update_amdvi(o, t, level, start, end);
	return update_vtd(o, t, level, start, end);
}

/*
 * The range [a, stop) covers only part of entry i (or a leaf cannot stand
 * for it): make the entry a table, then apply the operation one level down.
 */
PER_FORMAT int descend(const struct pt_format *f, struct op *o, uint64_t *t, unsigned i,
		       unsigned level, uint64_t a, uint64_t stop, uint64_t base)
{
	struct iog_pt *pt = o->pt;
	uint64_t e = t[i], cphys, span = 1ull << shift_of(level);
	uint64_t *child;
	int err;

	if (level == 1)
		return IOG_EINVAL; /* cannot happen: 4 KiB entries are always covered whole */
	if (!present(f, e) || !is_table(f, e, level)) {
		if (present(f, e)) {
			/* A large leaf: unchanged by this operation? Then leave it. */
			uint64_t here = (e & f->addr) + (a - base);

			if (o->kind == OP_PROTECT && perm_of(f, e) == o->perm)
				return IOG_OK;
			if (o->kind == OP_MAP && perm_of(f, e) == o->perm &&
			    here == ((a + o->delta) & f->addr))
				return IOG_OK;
		}
		child = alloc_table(pt, &cphys);
		if (!child)
			return IOG_ENOMEM;
		if (present(f, e)) {
			uint64_t sub = 1ull << shift_of(level - 1);

			/*
			 * Split: 512 smaller leaves with the same translation. Plain
			 * stores: the unit cannot reach this table before t[i] links it.
			 */
			for (unsigned j = 0; j < ENTRIES; j++)
				child[j] = make_leaf(f, (e & f->addr) + j * sub, perm_of(f, e),
						     level - 1);
			flush(pt, child, IOG_PAGE_SIZE);
			/*
			 * The unit may cache the large leaf as one entry: the whole
			 * of it must be invalidated (an address mask covering it).
			 */
			inv_add(o->inv, IOG_PT_INV_CHANGED | IOG_PT_INV_TABLES, base,
				span_end(pt, base, span));
		} else {
			/* Caching mode may have cached "not present" here, at this level. */
			inv_add(o->inv, IOG_PT_INV_ADDED | IOG_PT_INV_TABLES, a, stop);
		}
		iog_store64(&t[i], make_table(f, cphys, level));
		flush(pt, &t[i], sizeof(t[i]));
	}
	child = table_of(pt, f, t[i]);
	if (!child)
		return IOG_EINVAL;
	err = update_in(f, o, child, level - 1, a, stop);
	if ((err || o->kind != OP_MAP) && table_empty(child)) {
		cphys = t[i] & f->addr;
		iog_store64(&t[i], 0);
		flush(pt, &t[i], sizeof(t[i]));
		inv_add(o->inv, IOG_PT_INV_CHANGED | IOG_PT_INV_TABLES, base,
			span_end(pt, base, span));
		defer_free(pt, child, cphys);
	}
	return err;
}

PER_FORMAT int update(const struct pt_format *f, struct op *o, uint64_t *t, unsigned level,
		      uint64_t start, uint64_t end)
{
	struct iog_pt *pt = o->pt;
	unsigned shift = shift_of(level);
	uint64_t span = 1ull << shift;
	unsigned i = (unsigned)(start >> shift) & (ENTRIES - 1);
	unsigned lo = ENTRIES, hi = 0;
	int err = IOG_OK;

	for (uint64_t a = start; a < end && !err; i++) {
		/*
		 * next wraps to 0 for the last entries of a 64-bit space; no range
		 * reaches 2^64, so those are never covered whole.
		 */
		uint64_t base = a & ~(span - 1), next = base + span;
		uint64_t stop = end - base > span ? next : end;
		uint64_t e = t[i], ne = e;
		int whole = a == base && stop == next;

		if (whole && o->kind == OP_UNMAP)
			ne = 0;
		else if (whole && o->kind == OP_MAP && leaf_allowed(pt, level) &&
			 !((a + o->delta) & (span - 1)))
			ne = make_leaf(f, a + o->delta, o->perm, level);
		else if (whole && o->kind == OP_PROTECT && present(f, e) && !is_table(f, e, level))
			ne = o->perm ? (e & ~perm_bits(f, IOG_PT_RW)) | perm_bits(f, o->perm) : 0;
		else if (present(f, e) || o->kind == OP_MAP)
			err = descend(f, o, t, i, level, a, stop, base);
		if (ne != e) {
			iog_store64(&t[i], ne);
			lo = i < lo ? i : lo;
			hi = i > hi ? i : hi;
			if (!present(f, e))
				inv_add(o->inv, IOG_PT_INV_ADDED, base, next);
			else if (is_table(f, e, level))
				inv_add(o->inv, IOG_PT_INV_CHANGED | IOG_PT_INV_TABLES, base, next);
			else
				inv_add(o->inv, IOG_PT_INV_CHANGED, base, next);
			if (is_table(f, e, level)) {
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

static int update_vtd(struct op *o, uint64_t *t, unsigned level, uint64_t start, uint64_t end)
{
	return update(&formats[IOG_PT_VTD_SL], o, t, level, start, end);
}

static int update_amdvi(struct op *o, uint64_t *t, unsigned level, uint64_t start, uint64_t end)
{
	return update(&formats[IOG_PT_AMDVI], o, t, level, start, end);
}

/* Inlined into each public call, where the kind of operation is a constant. */
static inline __attribute__((always_inline)) int run(struct iog_pt *pt, enum op_kind kind,
						     uint64_t iova, uint64_t phys, uint64_t size,
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
	return update_in(format_of(pt), &o, pt->root, pt->levels, iova, iova + size);
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

/*
 * The size of an AMD-Vi NextLevel 7 leaf at a level of `shift`: 2^(13 + n)
 * for a run of n 1s from address bit 12 (AMD IOMMU spec 2.2.3, page size
 * encodings), larger than the level's own pages and smaller than the
 * level above's. 0 for an encoding outside that.
 */
static uint64_t sized_leaf(const struct pt_format *f, uint64_t e, unsigned shift)
{
	uint64_t bits = (e & f->addr) >> 12;
	unsigned n = 0;

	while (bits & 1) {
		bits >>= 1;
		n++;
	}
	if (13 + n <= shift || 13 + n >= shift + 9)
		return 0;
	return 1ull << (13 + n);
}

PER_FORMAT int translate(const struct pt_format *f, const struct iog_pt *pt, uint64_t iova,
			 uint64_t *phys, unsigned *perm, uint64_t *leaf_size)
{
	const uint64_t *t = pt->root;
	unsigned p = IOG_PT_RW;

	for (unsigned level = pt->levels; level >= 1 && t; level--) {
		unsigned shift = shift_of(level);
		uint64_t e = t[(iova >> shift) & (ENTRIES - 1)];

		if (!present(f, e))
			return IOG_ENOTFOUND;
		p &= perm_of(f, e);
		if (level == 1 || !is_table(f, e, level)) {
			uint64_t size = 1ull << shift;

			if (f->sized_type <= f->type_mask) {
				/* The type is meaningful at level 1 too (AMD-Vi NextLevel). */
				if (type_of(f, e) == f->sized_type)
					size = sized_leaf(f, e, shift);
				else if (type_of(f, e) != f->leaf_type)
					size = 0;
				if (!size)
					return IOG_EINVAL;
			}
			if (!p)
				return IOG_ENOTFOUND;
			if (phys)
				*phys = (e & f->addr & ~(size - 1)) + (iova & (size - 1));
			if (perm)
				*perm = p;
			if (leaf_size)
				*leaf_size = size;
			return IOG_OK;
		}
		/* The engine never skips a level (AMD-Vi NextLevel below level - 1). */
		if (f->next_level && type_of(f, e) != level - 1)
			return IOG_EINVAL;
		t = table_of(pt, f, e);
	}
	return IOG_EINVAL;
}

int iog_pt_translate(const struct iog_pt *pt, uint64_t iova, uint64_t *phys, unsigned *perm,
		     uint64_t *leaf_size)
{
	if (!pt || !pt->root || iova >= pt->iova_limit)
		return IOG_EINVAL;
	if (pt->format == IOG_PT_AMDVI)
		return translate(&formats[IOG_PT_AMDVI], pt, iova, phys, perm, leaf_size);
	return translate(&formats[IOG_PT_VTD_SL], pt, iova, phys, perm, leaf_size);
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
	const struct pt_format *f;
	unsigned reach;

	if (!pt || !plat || !cfg || !plat->page_alloc || !plat->page_free || !plat->page_virt ||
	    !plat->cache_flush)
		return IOG_EINVAL;
	if ((unsigned)cfg->format >= sizeof(formats) / sizeof(formats[0]))
		return IOG_EINVAL;
	f = &formats[cfg->format];
	if (cfg->levels < f->min_levels || cfg->levels > f->max_levels || cfg->out_bits < 12 ||
	    cfg->out_bits > 52 || (cfg->large & ~(IOG_PT_LARGE_2M | IOG_PT_LARGE_1G)))
		return IOG_EINVAL;
	iog_memset(pt, 0, sizeof(*pt));
	pt->plat = plat;
	pt->format = cfg->format;
	pt->levels = cfg->levels;
	/* A 1 GiB leaf splits into 2 MiB ones: without those, no large leaves at all. */
	pt->large = (cfg->large & IOG_PT_LARGE_2M) ? cfg->large : 0;
	pt->coherent = cfg->coherent;
	/*
	 * 6 levels reach all 64 bits; a range's end, exclusive, cannot be 2^64,
	 * so the last 4 KiB page is out of reach there.
	 */
	reach = shift_of(cfg->levels + 1);
	pt->iova_limit = reach < 64 ? 1ull << reach : 0 - (uint64_t)IOG_PAGE_SIZE;
	pt->phys_limit = 1ull << cfg->out_bits;
	pt->root = alloc_table(pt, &pt->root_phys);
	return pt->root ? IOG_OK : IOG_ENOMEM;
}

static void free_now(struct iog_pt *pt, uint64_t *t, uint64_t phys, unsigned level)
{
	const struct pt_format *f = format_of(pt);

	if (level > 1)
		for (unsigned i = 0; i < ENTRIES; i++)
			if (is_table(f, t[i], level)) {
				uint64_t *c = table_of(pt, f, t[i]);

				if (c)
					free_now(pt, c, t[i] & f->addr, level - 1);
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
