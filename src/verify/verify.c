/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The isolation verifier. Written from the VT-d specification (9.1 root
 * entries, 9.3 context entries, 9.8 second-level entries, 3.6 translation)
 * without the page-table engine's or the driver's code: it reads the unit's
 * registers and the tables in memory, and decides what each device can
 * reach as the hardware would. Entries the hardware would fault on (reserved
 * encodings) reach nothing.
 */
#include <ioguard/verify.h>

#include "util/bytes.h"

#define REG_CAP 0x08
#define REG_ECAP 0x10
#define REG_GSTS 0x1c
#define REG_RTADDR 0x20
#define REG_IQA 0x90
#define GSTS_TES (1u << 31)
#define GSTS_QIES (1u << 26)
/* AMD IOMMU MMIO (AMD IOMMU spec 3.4). */
#define AMD_DEV_TAB 0x0000
#define AMD_CMD_BUF 0x0008
#define AMD_EVT_LOG 0x0010
#define AMD_CONTROL 0x0018
#define AMD_IOMMU_EN (1ull << 0)
#define ADDR_MASK 0x000ffffffffff000ull
#define MAX_MEMO 64
#define MAX_TABLE_RANGES 64 /* merged runs of table pages per round */

struct memo {
	uint64_t table;
	unsigned levels;
	int ok;
};

struct walk {
	const struct iog_platform *plat;
	const struct iog_verify_input *in;
	struct iog_verify_report *rep;
	uint64_t cap, ecap;
	uint16_t sid;
	int strict; /* the device has grants: only they (and exceptions) may be reachable */
	int failed; /* a violation in this walk */
	int map_error;
	/*
	 * The pages the unit walks (root, context and page tables, its queue):
	 * protected whatever the caller says. Kept as merged runs, sorted; a
	 * round covers the pages from `window` up, as many runs as fit, and
	 * `next_window` says where the next round starts (~0: none needed).
	 */
	struct iog_range tables[MAX_TABLE_RANGES];
	unsigned ntables;
	uint64_t window, next_window;
	int round;
	int amd; /* AMD-Vi host page tables and device table, not VT-d */
};

static int overlap(uint64_t a, uint64_t asz, uint64_t b, uint64_t bsz)
{
	return asz && bsz && a < b + bsz && b < a + asz;
}

static int same_device(const struct walk *w, uint16_t segment, uint8_t bus, uint8_t devfn)
{
	return segment == w->in->segment && (uint16_t)(bus << 8 | devfn) == w->sid;
}

static void violation(struct walk *w, uint64_t iova, uint64_t phys, unsigned perm, const char *what)
{
	if (!w->rep->violations) {
		w->rep->sid = w->sid;
		w->rep->iova = iova;
		w->rep->phys = phys;
		w->rep->perm = perm;
		w->rep->what = what;
	}
	w->rep->violations++;
	w->failed = 1;
}

/*
 * Is [phys, phys + size), reached with `perm`, entirely the device's own: its
 * grants (when `grants`, with a permission covering `perm`) and exceptions
 * (its RMRRs), possibly several side by side? Returns the first address that
 * is not, or phys + size when all is.
 */
static uint64_t own_until(const struct walk *w, uint64_t phys, uint64_t size, unsigned perm,
			  int grants)
{
	uint64_t a = phys, end = phys + size;

	for (unsigned steps = 0; a < end && steps <= w->in->ngrants + w->in->nexceptions; steps++) {
		uint64_t next = a;

		for (unsigned i = 0; grants && i < w->in->ngrants; i++) {
			const struct iog_grant *g = &w->in->grants[i];

			if (same_device(w, g->segment, g->bus, g->devfn) && !(perm & ~g->perm) &&
			    a >= g->base && a - g->base < g->size && g->base + g->size > next)
				next = g->base + g->size;
		}
		for (unsigned i = 0; i < w->in->nexceptions; i++) {
			const struct iog_exception *x = &w->in->exceptions[i];

			if (same_device(w, x->segment, x->bus, x->devfn) && a >= x->base &&
			    a - x->base < x->size && x->base + x->size > next)
				next = x->base + x->size;
		}
		if (next == a)
			return a;
		a = next;
	}
	return a < end ? a : end;
}

/*
 * One reachable leaf: [iova, iova + size) → [phys, phys + size) with perm.
 * Protected memory is reachable only as the device's own grant or RMRR (at
 * its own address); a granted device reaches nothing but those.
 */
/* The first table page in [phys, phys + size), or phys + size when none. */
static uint64_t table_in(const struct walk *w, uint64_t phys, uint64_t size)
{
	unsigned lo = 0, hi = w->ntables;

	/* The first run that ends above phys, then does it start below the end? */
	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;

		if (w->tables[mid].base + w->tables[mid].size <= phys)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < w->ntables && w->tables[lo].base < phys + size)
		return w->tables[lo].base > phys ? w->tables[lo].base : phys;
	return phys + size;
}

static void leaf(struct walk *w, uint64_t iova, uint64_t phys, uint64_t size, unsigned perm)
{
	uint64_t t = table_in(w, phys, size);

	if (t < phys + size) {
		violation(w, iova + (t - phys), t, perm,
			  "a translation reaches the IOMMU's own tables");
		return;
	}
	if (w->round)
		return; /* later rounds look for table pages only */
	w->rep->leaves++;
	for (unsigned i = 0; i < w->in->nprotect; i++) {
		const struct iog_range *p = &w->in->protect[i];
		uint64_t lo, hi, bad;

		if (!overlap(phys, size, p->base, p->size))
			continue;
		lo = phys > p->base ? phys : p->base;
		hi = phys + size < p->base + p->size ? phys + size : p->base + p->size;
		bad = iova == phys ? own_until(w, lo, hi - lo, perm, w->strict) : lo;
		if (bad < hi) {
			violation(w, iova + (bad - phys), bad, perm,
				  "a translation reaches protected memory");
			return;
		}
	}
	if (w->strict && (iova != phys || own_until(w, phys, size, perm, 1) < phys + size))
		violation(w, iova, phys, perm, "a granted device reaches memory beyond its grants");
}

static int large_ok(const struct walk *w, unsigned level)
{
	unsigned sllps = (unsigned)(w->cap >> 34) & 0xf;

	return (level == 2 && (sllps & 1)) || (level == 3 && (sllps & 2));
}

/* Output addresses: whatever the unit may emit (host address width, at most 52 bits). */
static uint64_t out_limit(const struct walk *w)
{
	(void)w;
	return 1ull << 52;
}

/* One page-table entry as the unit reads it. */
enum pte_kind { PTE_NONE, PTE_TABLE, PTE_LEAF };
struct pte {
	enum pte_kind kind;
	uint64_t addr; /* the next table, or the leaf's (aligned) output address */
	uint64_t size; /* a leaf's size */
	unsigned next; /* a table's level */
	unsigned perm; /* read 1, write 2 */
};

/*
 * VT-d second level (9.8): R/W in bits 1:0, PS for large leaves where
 * CAP.SLLPS allows them. AMD-Vi host tables (AMD IOMMU 2.2.3): PR in bit 0,
 * NextLevel in 11:9 (0: a leaf of the level's size; 7: a leaf whose size is
 * the run of ones from address bit 12; else the level of the next table,
 * lower levels skipped), IR/IW in bits 62:61. Encodings the unit faults on
 * reach nothing.
 */
static struct pte decode(const struct walk *w, uint64_t e, unsigned level)
{
	struct pte p = {PTE_NONE, e & ADDR_MASK, 0, 0, 0};
	unsigned shift = 12 + 9 * (level - 1);

	if (w->amd) {
		unsigned next = (unsigned)(e >> 9) & 7;

		if (!(e & 1))
			return p;
		p.perm = (unsigned)(e >> 61) & 3;
		if (next && next < level && next != 7) {
			p.kind = PTE_TABLE;
			p.next = next;
			return p;
		}
		if (next == 0)
			p.size = 1ull << shift;
		else if (next == 7) {
			unsigned ones = 0;

			while (ones < 40 && ((e >> (12 + ones)) & 1))
				ones++;
			p.size = 1ull << (13 + ones);
			p.addr &= ~(p.size - 1);
			/* Repeated over size / slot entries: larger than this level's slot, smaller
			 * than the next level's. */
			if (p.size <= (1ull << shift) || p.size >= (1ull << (shift + 9)))
				return p;
		} else
			return p; /* NextLevel not below the current one */
	} else {
		p.perm = (unsigned)e & 3;
		if (!p.perm)
			return p;
		if (level > 1 && !(e & (1ull << 7))) {
			p.kind = PTE_TABLE;
			p.next = level - 1;
			return p;
		}
		if (level > 1 && !large_ok(w, level))
			return p;
		p.size = 1ull << shift;
	}
	if ((p.addr & (p.size - 1)) || p.addr >= out_limit(w))
		return p;
	p.kind = PTE_LEAF;
	return p;
}

/* Every reachable leaf below the table at `table` (a level-`level` table). */
static void walk_table(struct walk *w, uint64_t table, unsigned level, uint64_t iova, unsigned perm)
{
	const uint64_t *t = w->plat->map(w->plat->ctx, table, IOG_PAGE_SIZE);
	unsigned shift = 12 + 9 * (level - 1);

	if (!t) {
		w->map_error = 1;
		return;
	}
	for (unsigned i = 0; i < 512 && !w->map_error; i++) {
		struct pte e = decode(w, t[i], level);
		uint64_t at = iova + ((uint64_t)i << shift);
		unsigned p = perm & e.perm;

		if (e.kind == PTE_LEAF && p) {
			/* This slot's part of the page (AMD NextLevel 7 pages span several slots).
			 */
			leaf(w, at, e.addr + (at & (e.size - 1)), 1ull << shift, p);
		} else if (e.kind == PTE_TABLE && p && e.addr < out_limit(w)) {
			walk_table(w, e.addr, e.next, at, p);
		}
	}
	w->plat->unmap(w->plat->ctx, (void *)(uintptr_t)t, IOG_PAGE_SIZE);
}

/* Hardware translation of one address, for the grant checks. */
static int translate(struct walk *w, uint64_t table, unsigned levels, uint64_t iova, uint64_t *phys,
		     unsigned *perm, uint64_t *size)
{
	unsigned p = 3;

	for (unsigned level = levels; level >= 1;) {
		unsigned shift = 12 + 9 * (level - 1);
		const uint64_t *t = w->plat->map(w->plat->ctx, table, IOG_PAGE_SIZE);
		struct pte e;

		if (!t) {
			w->map_error = 1;
			return -1;
		}
		e = decode(w, t[(iova >> shift) & 511], level);
		w->plat->unmap(w->plat->ctx, (void *)(uintptr_t)t, IOG_PAGE_SIZE);
		p &= e.perm;
		if (e.kind == PTE_NONE || !p)
			return -1;
		if (e.kind == PTE_LEAF) {
			*phys = e.addr + (iova & (e.size - 1));
			*perm = p;
			*size = e.size - (iova & (e.size - 1));
			return 0;
		}
		table = e.addr;
		level = e.next;
	}
	return -1;
}

/* Each grant of this device: every page reachable at its own address with exactly its perm. */
static void check_grants(struct walk *w, uint64_t table, unsigned levels)
{
	for (unsigned i = 0; i < w->in->ngrants; i++) {
		const struct iog_grant *g = &w->in->grants[i];
		uint64_t a = g->base, end = g->base + g->size;

		if (!same_device(w, g->segment, g->bus, g->devfn))
			continue;
		while (a < end && !w->map_error) {
			uint64_t phys = 0, size = 0;
			unsigned perm = 0;

			if (translate(w, table, levels, a, &phys, &perm, &size)) {
				violation(w, a, 0, 0, "a grant is not reachable");
				break;
			}
			if (phys != a || perm != g->perm) {
				violation(w, a, phys, perm,
					  "a grant is reachable elsewhere or with another "
					  "permission");
				break;
			}
			a += size;
		}
	}
}

static int has_own_rules(const struct walk *w)
{
	for (unsigned i = 0; i < w->in->ngrants; i++)
		if (same_device(w, w->in->grants[i].segment, w->in->grants[i].bus,
				w->in->grants[i].devfn))
			return 2;
	for (unsigned i = 0; i < w->in->nexceptions; i++)
		if (same_device(w, w->in->exceptions[i].segment, w->in->exceptions[i].bus,
				w->in->exceptions[i].devfn))
			return 1;
	return 0;
}

/* A device whose requests go untranslated (with `perm`): it reaches everything. */
static void reaches_all(struct walk *w, unsigned perm, const char *what)
{
	if (w->round || !perm)
		return; /* round 0 has said it; no permission reaches nothing */
	if (w->ntables)
		violation(w, w->tables[0].base, w->tables[0].base, perm,
			  "a pass-through device reaches the IOMMU's own tables");
	else if (w->in->nprotect)
		violation(w, w->in->protect[0].base, w->in->protect[0].base, perm, what);
	else if (has_own_rules(w) == 2)
		violation(w, 0, 0, perm, "a granted device is in pass-through");
}

/* The device's domain: `levels` of tables at `table`, entered with `perm`. */
static void check_domain(struct walk *w, uint64_t table, unsigned levels, unsigned perm,
			 struct memo *memo, unsigned *nmemo)
{
	int rules;

	if (table >= out_limit(w) || !perm)
		return;
	rules = has_own_rules(w);
	w->strict = rules == 2;
	if (!rules) {
		for (unsigned i = 0; i < *nmemo; i++)
			if (memo[i].table == table && memo[i].levels == (levels | perm << 8)) {
				if (!memo[i].ok)
					violation(w, 0, 0, 0,
						  "shares tables that reach protected memory");
				return;
			}
	}
	w->failed = 0;
	if (!w->round)
		w->rep->tables++;
	walk_table(w, table, levels, 0, perm);
	if (w->strict && !w->round)
		check_grants(w, table, levels);
	if (!rules && *nmemo < MAX_MEMO)
		memo[(*nmemo)++] = (struct memo){table, levels | perm << 8, !w->failed};
}

static void check_context(struct walk *w, uint64_t lo, uint64_t hi, struct memo *memo,
			  unsigned *nmemo)
{
	unsigned tt = (unsigned)(lo >> 2) & 3, aw = (unsigned)hi & 7;

	/*
	 * Pass-through (TT = 10b, where ECAP.PT), and TT = 01b where ECAP.DT:
	 * the latter accepts translated (ATS) requests that skip these tables.
	 */
	if (tt == 2 || (tt == 1 && (w->ecap & (1ull << 2)))) {
		if (tt == 1 || (w->ecap & (1ull << 6)))
			reaches_all(w, 3, "a pass-through device reaches protected memory");
		return;
	}
	if (tt == 3 || aw < 1 || aw > 3 || !(((w->cap >> 8) & 0x1f) & (1u << aw)))
		return; /* the unit faults on this entry */
	check_domain(w, lo & ADDR_MASK, aw + 2, 3, memo, nmemo);
}

/*
 * An AMD device table entry (2.2.2): V = 0 passes DMA untranslated; TV = 0,
 * or mode 0, lets it through untranslated within the entry's IR/IW; mode
 * 1-6 walks that many levels of host tables, the entry's IR/IW limiting
 * every level; mode 7 blocks.
 */
static void check_dte(struct walk *w, uint64_t q0, struct memo *memo, unsigned *nmemo)
{
	unsigned mode = (unsigned)(q0 >> 9) & 7, perm = (unsigned)(q0 >> 61) & 3;

	if (!(q0 & 1)) {
		reaches_all(w, 3,
			    "a device without a valid device table entry reaches protected "
			    "memory");
		return;
	}
	if (!(q0 & 2) || mode == 0) {
		reaches_all(w, perm, "an untranslated device reaches protected memory");
		return;
	}
	if (mode == 7)
		return;
	check_domain(w, q0 & ADDR_MASK, mode, perm, memo, nmemo);
}

/* Adds [base, base + size) to this round's table runs, if it lies in the window. */
static void add_table(struct walk *w, uint64_t base, uint64_t size)
{
	unsigned i = 0;

	if (base < w->window)
		return; /* an earlier round had it */
	while (i < w->ntables && w->tables[i].base + w->tables[i].size < base)
		i++;
	if (i < w->ntables && w->tables[i].base <= base + size) {
		/* Touches run i: merge, then with the runs it now reaches. */
		uint64_t end = w->tables[i].base + w->tables[i].size;

		if (base + size > end)
			end = base + size;
		if (base < w->tables[i].base)
			w->tables[i].base = base;
		while (i + 1 < w->ntables && w->tables[i + 1].base <= end) {
			if (w->tables[i + 1].base + w->tables[i + 1].size > end)
				end = w->tables[i + 1].base + w->tables[i + 1].size;
			for (unsigned k = i + 1; k + 1 < w->ntables; k++)
				w->tables[k] = w->tables[k + 1];
			w->ntables--;
		}
		w->tables[i].size = end - w->tables[i].base;
		return;
	}
	if (w->ntables == MAX_TABLE_RANGES) {
		/* Full: keep the lowest runs; the next round starts at what is left out. */
		if (i == w->ntables) {
			if (base < w->next_window)
				w->next_window = base;
			return;
		}
		if (w->tables[w->ntables - 1].base < w->next_window)
			w->next_window = w->tables[w->ntables - 1].base;
		w->ntables--;
	}
	for (unsigned k = w->ntables; k > i; k--)
		w->tables[k] = w->tables[k - 1];
	w->tables[i] = (struct iog_range){base, size};
	w->ntables++;
}

/* Every table page below `table` (a level-`level` table), itself included. */
static void collect_tables(struct walk *w, uint64_t table, unsigned level)
{
	const uint64_t *t;

	add_table(w, table, IOG_PAGE_SIZE);
	if (level == 1)
		return;
	t = w->plat->map(w->plat->ctx, table, IOG_PAGE_SIZE);
	if (!t) {
		w->map_error = 1;
		return;
	}
	for (unsigned i = 0; i < 512 && !w->map_error; i++) {
		struct pte e = decode(w, t[i], level);

		if (e.kind == PTE_TABLE && e.addr < out_limit(w))
			collect_tables(w, e.addr, e.next);
	}
	w->plat->unmap(w->plat->ctx, (void *)(uintptr_t)t, IOG_PAGE_SIZE);
}

/* Bus `bus`'s context table, mapped (unmap it after); NULL when absent or unmappable. */
static const uint64_t *context_table(struct walk *w, const uint64_t *root, unsigned bus)
{
	const uint64_t *ctx;

	if (!(root[2 * bus] & 1))
		return NULL;
	ctx = w->plat->map(w->plat->ctx, root[2 * bus] & ADDR_MASK, IOG_PAGE_SIZE);
	if (!ctx)
		w->map_error = 1;
	return ctx;
}

/* The pages the unit walks: root, context tables, every distinct page table, its queue. */
static void collect_unit(struct walk *w, uint64_t root_phys, const uint64_t *root)
{
	uint64_t seen[MAX_MEMO], ctx_seen[MAX_MEMO];
	unsigned nseen = 0, nctx_seen = 0;

	add_table(w, root_phys, IOG_PAGE_SIZE);
	if (w->plat->reg_read32(w->plat->ctx, w->in->unit_base, REG_GSTS) & GSTS_QIES) {
		uint64_t iqa = w->plat->reg_read64(w->plat->ctx, w->in->unit_base, REG_IQA);

		add_table(w, iqa & ADDR_MASK, (uint64_t)IOG_PAGE_SIZE << (iqa & 7));
	}
	for (unsigned bus = 0; bus < 256 && !w->map_error; bus++) {
		const uint64_t *ctx;
		unsigned c;

		/* A context table many buses share holds the same table pages for each. */
		for (c = 0; c < nctx_seen && ctx_seen[c] != root[2 * bus]; c++)
			;
		if (c < nctx_seen)
			continue;
		ctx = context_table(w, root, bus);
		if (!ctx)
			continue;
		if (nctx_seen < MAX_MEMO)
			ctx_seen[nctx_seen++] = root[2 * bus];
		add_table(w, root[2 * bus] & ADDR_MASK, IOG_PAGE_SIZE);
		for (unsigned devfn = 0; devfn < 256 && !w->map_error; devfn++) {
			uint64_t lo = ctx[2 * devfn], table = lo & ADDR_MASK;
			unsigned aw = (unsigned)ctx[2 * devfn + 1] & 7, k;

			if (!(lo & 1) || ((lo >> 2) & 3) != 0 || aw < 1 || aw > 3 ||
			    table >= out_limit(w))
				continue;
			for (k = 0; k < nseen && seen[k] != (table | aw); k++)
				;
			if (k < nseen)
				continue;
			if (nseen < MAX_MEMO)
				seen[nseen++] = table | aw;
			collect_tables(w, table, aw + 2);
		}
		w->plat->unmap(w->plat->ctx, (void *)(uintptr_t)ctx, IOG_PAGE_SIZE);
	}
}

/* One round: the table pages from w->window up, then every context checked against them. */
static void verify_round(struct walk *w, uint64_t root_phys, const uint64_t *root)
{
	struct memo memo[MAX_MEMO];
	unsigned nmemo = 0;

	w->ntables = 0;
	w->next_window = ~0ull;
	collect_unit(w, root_phys, root);
	for (unsigned bus = 0; bus < 256 && !w->map_error; bus++) {
		const uint64_t *ctx = context_table(w, root, bus);

		if (!ctx)
			continue;
		for (unsigned devfn = 0; devfn < 256 && !w->map_error; devfn++) {
			if (!(ctx[2 * devfn] & 1))
				continue;
			if (!w->round)
				w->rep->contexts++;
			w->sid = (uint16_t)(bus << 8 | devfn);
			check_context(w, ctx[2 * devfn], ctx[2 * devfn + 1], memo, &nmemo);
		}
		w->plat->unmap(w->plat->ctx, (void *)(uintptr_t)ctx, IOG_PAGE_SIZE);
	}
}

/*
 * The start both verifiers share: arguments checked, the walk set up. When
 * the unit does not translate, every device reaches everything: *result is
 * set and 0 returned; else 1.
 */
static int walk_start(struct walk *w, const struct iog_platform *plat,
		      const struct iog_verify_input *in, struct iog_verify_report *rep, int amd,
		      int *result)
{
	int on;

	if (!plat || !in || !rep || !plat->map || !plat->unmap || (!amd && !plat->reg_read32) ||
	    !plat->reg_read64 || (in->nprotect && !in->protect) || (in->ngrants && !in->grants) ||
	    (in->nexceptions && !in->exceptions)) {
		*result = IOG_EINVAL;
		return 0;
	}
	iog_memset(rep, 0, sizeof(*rep));
	iog_memset(w, 0, sizeof(*w));
	w->plat = plat;
	w->in = in;
	w->rep = rep;
	w->amd = amd;
	on = amd ? (plat->reg_read64(plat->ctx, in->unit_base, AMD_CONTROL) & AMD_IOMMU_EN) != 0
		 : (plat->reg_read32(plat->ctx, in->unit_base, REG_GSTS) & GSTS_TES) != 0;
	if (on)
		return 1;
	w->sid = 0xffff;
	if (in->nprotect)
		violation(w, in->protect[0].base, in->protect[0].base, 3,
			  "translation is off: every device reaches all memory");
	*result = rep->violations ? IOG_ECONFLICT : IOG_OK;
	return 0;
}

int iog_verify_unit(const struct iog_platform *plat, const struct iog_verify_input *in,
		    struct iog_verify_report *rep)
{
	struct walk w;
	uint64_t rtaddr;
	const uint64_t *root;
	int result;

	if (!walk_start(&w, plat, in, rep, 0, &result))
		return result;
	w.cap = plat->reg_read64(plat->ctx, in->unit_base, REG_CAP);
	w.ecap = plat->reg_read64(plat->ctx, in->unit_base, REG_ECAP);
	rtaddr = plat->reg_read64(plat->ctx, in->unit_base, REG_RTADDR);
	if (rtaddr & (3ull << 10))
		return IOG_EBADVAL; /* scalable or extended mode: not this verifier's */
	root = plat->map(plat->ctx, rtaddr & ADDR_MASK, IOG_PAGE_SIZE);
	if (!root)
		return IOG_ENOMEM;
	/* As many rounds as the table pages need (one, unless they are scattered). */
	do {
		verify_round(&w, rtaddr & ADDR_MASK, root);
		w.window = w.next_window;
		w.round++;
	} while (w.next_window != ~0ull && !w.map_error);
	/* A granted device this unit does not translate at all reaches nothing. */
	for (unsigned i = 0; i < in->ngrants && !w.map_error; i++) {
		const struct iog_grant *g = &in->grants[i];
		const uint64_t *ctx;
		int present = 0;

		if (g->segment != in->segment)
			continue;
		if (root[2 * g->bus] & 1) {
			ctx = plat->map(plat->ctx, root[2 * g->bus] & ADDR_MASK, IOG_PAGE_SIZE);
			if (!ctx) {
				w.map_error = 1;
				break;
			}
			present = ctx[2 * g->devfn] & 1;
			plat->unmap(plat->ctx, (void *)(uintptr_t)ctx, IOG_PAGE_SIZE);
		}
		if (!present) {
			w.sid = (uint16_t)(g->bus << 8 | g->devfn);
			violation(&w, g->base, 0, 0, "a granted device has no context entry");
		}
	}
	plat->unmap(plat->ctx, (void *)(uintptr_t)root, IOG_PAGE_SIZE);
	if (w.map_error)
		return IOG_ENOMEM;
	return rep->violations ? IOG_ECONFLICT : IOG_OK;
}

/* ---- AMD-Vi: from the device table base register ---- */

/* A buffer register: base 51:12, 2^len 16-byte entries in bits 59:56. */
static void add_buffer(struct walk *w, uint64_t reg)
{
	unsigned len = (unsigned)(reg >> 56) & 0xf;

	if (reg & ADDR_MASK)
		add_table(w, reg & ADDR_MASK, 16ull << (len < 8 ? 8 : len));
}

/* The device table's entries, one page mapped at a time; fn per valid entry. */
static void each_dte(struct walk *w, uint64_t dt, unsigned ndev,
		     void (*fn)(struct walk *w, uint64_t q0, struct memo *memo, unsigned *nmemo),
		     struct memo *memo, unsigned *nmemo)
{
	for (unsigned page = 0; page * 128 < ndev && !w->map_error; page++) {
		const uint64_t *t = w->plat->map(w->plat->ctx, dt + (uint64_t)page * IOG_PAGE_SIZE,
						 IOG_PAGE_SIZE);

		if (!t) {
			w->map_error = 1;
			return;
		}
		for (unsigned i = 0; i < 128; i++) {
			w->sid = (uint16_t)(page * 128 + i);
			fn(w, t[4 * i], memo, nmemo);
		}
		w->plat->unmap(w->plat->ctx, (void *)(uintptr_t)t, IOG_PAGE_SIZE);
	}
}

static void collect_dte(struct walk *w, uint64_t q0, struct memo *seen, unsigned *nseen)
{
	unsigned mode = (unsigned)(q0 >> 9) & 7, k;
	uint64_t table = q0 & ADDR_MASK;

	if ((q0 & 3) != 3 || mode == 0 || mode == 7 || table >= out_limit(w))
		return;
	for (k = 0; k < *nseen && !(seen[k].table == table && seen[k].levels == mode); k++)
		;
	if (k < *nseen)
		return;
	if (*nseen < MAX_MEMO)
		seen[(*nseen)++] = (struct memo){table, mode, 1};
	collect_tables(w, table, mode);
}

static void count_dte(struct walk *w, uint64_t q0, struct memo *memo, unsigned *nmemo)
{
	if (!w->round && (q0 & 1))
		w->rep->contexts++;
	check_dte(w, q0, memo, nmemo);
}

int iog_verify_amdvi_unit(const struct iog_platform *plat, const struct iog_verify_input *in,
			  struct iog_verify_report *rep)
{
	struct walk w;
	uint64_t dtb, dt;
	unsigned ndev;
	int result;

	if (!walk_start(&w, plat, in, rep, 1, &result))
		return result;
	dtb = plat->reg_read64(plat->ctx, in->unit_base, AMD_DEV_TAB);
	dt = dtb & ADDR_MASK;
	ndev = ((unsigned)(dtb & 0x1ff) + 1) * 128;
	do {
		struct memo memo[MAX_MEMO];
		unsigned nmemo = 0;

		w.ntables = 0;
		w.next_window = ~0ull;
		add_table(&w, dt, (uint64_t)ndev * 32);
		add_buffer(&w, plat->reg_read64(plat->ctx, in->unit_base, AMD_CMD_BUF));
		add_buffer(&w, plat->reg_read64(plat->ctx, in->unit_base, AMD_EVT_LOG));
		each_dte(&w, dt, ndev, collect_dte, memo, &nmemo);
		nmemo = 0;
		each_dte(&w, dt, ndev, count_dte, memo, &nmemo);
		w.window = w.next_window;
		w.round++;
	} while (w.next_window != ~0ull && !w.map_error);
	/* A granted device outside the table, or not translated, reaches nothing of its grant. */
	for (unsigned i = 0; i < in->ngrants; i++) {
		const struct iog_grant *g = &in->grants[i];

		w.sid = (uint16_t)(g->bus << 8 | g->devfn);
		if (g->segment == in->segment && w.sid >= ndev)
			violation(&w, g->base, 0, 0, "a granted device has no device table entry");
	}
	if (w.map_error)
		return IOG_ENOMEM;
	return rep->violations ? IOG_ECONFLICT : IOG_OK;
}
