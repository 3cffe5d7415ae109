/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The DMA side of the AMD-Vi model: device table entries, host page-table
 * walks, the three caches (DTE, IOTLB, PDE), the exclusion range, interrupt
 * requests, and DMA requests.
 *
 * Order of checks for one page of a memory request (spec 2.2.2, 2.2.3):
 * IommuEn (off: untranslated), the device id against the device table size,
 * the DTE read, V (0: untranslated, no checks), reserved DTE bits, the
 * exclusion range, TV and Mode 0 (untranslated, limited by DTE.IR/IW), Mode 7
 * and modes beyond EFR.HATS, address bits beyond the mode, then the page
 * walk from the root: each entry present, no reserved bits, a legal
 * NextLevel, address bits of skipped levels zero; last the permission, the
 * AND of IR/IW over the DTE and every entry walked.
 *
 * Choices where the specification leaves room, or where this model reads it
 * strictly (each also noted in place):
 *  - A device id past the device table (DTB Size) is an
 *    ILLEGAL_DEV_TABLE_ENTRY, counted as a driver mistake.
 *  - V = 1, TV = 0 behaves as Mode 0: untranslated, limited by IR/IW.
 *  - A Mode above what EFR.HATS allows is an ILLEGAL_DEV_TABLE_ENTRY, like
 *    Mode 7; reserved-bit violations say RZ in the event, illegal values not.
 *  - Address bits above the mode's reach, and bits indexing skipped levels,
 *    must be zero, else IO_PAGE_FAULT (PR = 0): nothing aliases.
 *  - A NextLevel at or above the entry's own level (other than 7), a leaf in
 *    a level-6 table, and a size-encoded (NextLevel 7) leaf whose size does
 *    not fit its level are malformed entries: IO_PAGE_FAULT with PR and RZ.
 *    Address bits below a leaf's size are ignored.
 *  - Permission faults say PR and PE, not-present ones neither; Mode 0 and
 *    TV = 0 denials are permission faults. RW is set for writes in both.
 *  - The IOTLB keeps the page tables' own permissions; the DTE's IR/IW are
 *    applied at each request from the (cached) DTE. Blocked results are
 *    never cached. PDEs are cached by domain and range with the permissions
 *    above them and dropped by INVALIDATE_IOMMU_PAGES only with PDE = 1.
 *  - Interrupt requests (writes to 0xfee00000-0xfeefffff) are not translated:
 *    with IV = 0 they pass, with IV = 1 IntCtl decides (0 abort with an
 *    IO_PAGE_FAULT with I set, 1 pass, 2 remap, 3 illegal). The interrupt
 *    remapping table itself is not read. Reads of the range, and memory
 *    requests running into it, are blocked without an event.
 *  - The exclusion range applies to memory requests of devices with a
 *    valid DTE and EX = 1, or all of them with Allow = 1.
 *  - DTE.SE suppresses IO_PAGE_FAULT events; SA is not modelled.
 *  - Each use of a cached DTE, IOTLB entry or PDE is compared with what
 *    memory says now, and a difference is counted (stale_*_used): the
 *    hardware would use the cached copy silently, a test can see it.
 */
#include <string.h>

#include "model/amdvi_model_internal.h"

#define PERM_R 1u
#define PERM_W 2u

enum dte_status { DTE_OK, DTE_BEYOND, DTE_READ_ERROR };

/* The outcome of one page (or one interrupt request). */
struct xlate {
	int ok;
	int untranslated, excluded, interrupt;
	uint64_t phys;
	unsigned event, flags; /* AMDVM_EVT_* and AMDVM_EVT_FLAG_* when !ok */
	uint64_t evt_addr;     /* what the event reports as its address */
	uint16_t domain;
	int suppress; /* DTE.SE */
};

/* A leaf the walk found: the translation of a naturally aligned range. */
struct leaf {
	uint64_t iova, phys;
	unsigned size_lg2, perm;
};

static void fail(struct xlate *x, unsigned event, unsigned flags, uint64_t addr)
{
	x->ok = 0;
	x->event = event;
	x->flags |= flags;
	x->evt_addr = addr;
}

static void pass(struct xlate *x, uint64_t phys, int untranslated)
{
	x->ok = 1;
	x->phys = phys;
	x->untranslated = untranslated;
}

static unsigned dte_perm(uint64_t q0)
{
	return ((q0 & AMDVM_DTE_IR) ? PERM_R : 0) | ((q0 & AMDVM_DTE_IW) ? PERM_W : 0);
}

static unsigned pte_perm(uint64_t e)
{
	return ((e & AMDVM_PTE_IR) ? PERM_R : 0) | ((e & AMDVM_PTE_IW) ? PERM_W : 0);
}

/* The deepest mode EFR.HATS allows (EFR HATS, MMIO offset 0030h: 0 4 levels, 1 5, 2 6; 3 reserved).
 */
static unsigned max_mode(const struct amdvi_model *m)
{
	unsigned hats = AMDVM_EFR_HATS(m->cfg.efr);

	return hats == 3 ? 4 : 4 + hats;
}

/*
 * Where a cache puts a new entry: the first free slot, else the next one
 * round-robin, counted as an eviction.
 */
static unsigned cache_slot(const void *entries, size_t stride, unsigned n, unsigned *next,
			   unsigned long *evictions)
{
	const uint8_t *valid = entries; /* `valid` is the first member of every cache entry */
	unsigned slot;

	for (unsigned i = 0; i < n; i++)
		if (!valid[i * stride])
			return i;
	slot = *next;
	*next = (*next + 1) % n;
	(*evictions)++;
	return slot;
}

/* ---- Device table entries ---- */

/* Reads the DTE for devid from the device table at dtb (spec 2.2.2). */
static enum dte_status dte_read(struct amdvi_model *m, uint64_t dtb, uint16_t devid, uint64_t *q,
				uint64_t *addr)
{
	uint32_t entries = (AMDVM_DTB_SIZE(dtb) + 1) * AMDVM_DTE_PER_PAGE;

	*addr = (dtb & AMDVM_ADDR_MASK) + (uint64_t)devid * 32;
	if (devid >= entries)
		return DTE_BEYOND;
	if (amdvm_read_qwords(m, *addr, q, 4))
		return DTE_READ_ERROR;
	return DTE_OK;
}

/* The DTE for devid: from the DTE cache, or from memory (then cached). */
static enum dte_status dte_get(struct amdvi_model *m, uint16_t devid, int cached, uint64_t *q,
			       uint64_t *addr)
{
	enum dte_status st;

	if (cached) {
		for (unsigned i = 0; i < AMDVM_DTE_CACHE_SIZE; i++) {
			struct amdvi_model_dte_entry *e = &m->dte[i];
			uint64_t mem[4];

			if (!e->valid || e->devid != devid)
				continue;
			m->stats.dte_hits++;
			memcpy(q, e->q, sizeof(e->q));
			if (dte_read(m, m->dtb, devid, mem, addr) == DTE_OK &&
			    memcmp(mem, e->q, sizeof(mem)))
				m->stats.stale_dte_used++;
			return DTE_OK;
		}
		m->stats.dte_misses++;
	}
	st = dte_read(m, m->dtb, devid, q, addr);
	if (cached && st == DTE_BEYOND)
		m->stats.devid_beyond_table++;
	if (cached && st == DTE_OK) {
		unsigned slot = cache_slot(m->dte, sizeof(m->dte[0]), AMDVM_DTE_CACHE_SIZE,
					   &m->dte_next, &m->stats.dte_evictions);

		m->dte[slot].valid = 1;
		m->dte[slot].devid = devid;
		memcpy(m->dte[slot].q, q, sizeof(m->dte[slot].q));
	}
	return st;
}

/* DTE fetch failures as events (spec 2.5.2, 2.5.4). */
static int dte_fetch(struct amdvi_model *m, uint16_t devid, uint64_t iova, int cached, uint64_t *q,
		     struct xlate *x)
{
	uint64_t addr;

	switch (dte_get(m, devid, cached, q, &addr)) {
	case DTE_BEYOND: fail(x, AMDVM_EVT_ILLEGAL_DEV_TABLE_ENTRY, 0, iova); return -1;
	case DTE_READ_ERROR: fail(x, AMDVM_EVT_DEV_TAB_HARDWARE_ERROR, 0, addr); return -1;
	default: return 0;
	}
}

/* ---- The PDE cache and the IOTLB ---- */

static uint64_t span(unsigned level)
{
	return 1ull << (12 + 9 * level);
}

/* The deepest cached table for iova in domain. */
static const struct amdvi_model_pde_entry *pde_find(const struct amdvi_model *m, uint16_t domain,
						    uint64_t iova)
{
	const struct amdvi_model_pde_entry *best = NULL;

	for (unsigned i = 0; i < AMDVM_PDE_CACHE_SIZE; i++) {
		const struct amdvi_model_pde_entry *p = &m->pde[i];

		if (p->valid && p->domain == domain && iova - p->iova < span(p->level) &&
		    (!best || p->level < best->level))
			best = p;
	}
	return best;
}

static void pde_insert(struct amdvi_model *m, uint16_t domain, unsigned level, uint64_t iova,
		       uint64_t table, unsigned perm)
{
	struct amdvi_model_pde_entry *p;

	for (unsigned i = 0; i < AMDVM_PDE_CACHE_SIZE; i++) {
		p = &m->pde[i];
		if (p->valid && p->domain == domain && p->level == level &&
		    iova - p->iova < span(level))
			return; /* already there (possibly stale: that is the point) */
	}
	p = &m->pde[cache_slot(m->pde, sizeof(m->pde[0]), AMDVM_PDE_CACHE_SIZE, &m->pde_next,
			       &m->stats.pde_evictions)];
	p->valid = 1;
	p->domain = domain;
	p->level = (uint8_t)level;
	p->iova = iova & ~(span(level) - 1);
	p->table = table;
	p->perm = (uint8_t)perm;
}

static struct amdvi_model_iotlb_entry *iotlb_find(struct amdvi_model *m, uint16_t domain,
						  uint64_t iova)
{
	for (unsigned i = 0; i < AMDVM_IOTLB_SIZE; i++) {
		struct amdvi_model_iotlb_entry *e = &m->iotlb[i];

		if (e->valid && e->domain == domain && iova - e->iova < (1ull << e->size_lg2))
			return e;
	}
	return NULL;
}

static void iotlb_insert(struct amdvi_model *m, uint16_t domain, const struct leaf *lf)
{
	struct amdvi_model_iotlb_entry *e =
		&m->iotlb[cache_slot(m->iotlb, sizeof(m->iotlb[0]), AMDVM_IOTLB_SIZE,
				     &m->iotlb_next, &m->stats.iotlb_evictions)];

	e->valid = 1;
	e->domain = domain;
	e->iova = lf->iova;
	e->phys = lf->phys;
	e->size_lg2 = (uint8_t)lf->size_lg2;
	e->perm = (uint8_t)lf->perm;
}

/* ---- Page tables (spec 2.2.3) ---- */

/* The leaf size a NextLevel-7 entry at `level` encodes (spec 2.2.3, page size encoding); 0: bad. */
static unsigned encoded_size(uint64_t e, unsigned level)
{
	unsigned natural = 12 + 9 * (level - 1), ones = 0, size;

	while (ones < 40 && ((e >> (12 + ones)) & 1))
		ones++;
	size = 13 + ones;
	/* Larger than one entry of the level, smaller than the whole table, within 52 bits. */
	if (size <= natural || size >= natural + 9 || size > 52)
		return 0;
	return size;
}

/*
 * Walks the host page tables of the DTE q for iova (mode 1..6). On success
 * fills lf and returns 0; otherwise sets the fault in x and returns -1.
 */
static int walk(struct amdvi_model *m, const uint64_t *q, uint64_t iova, int cached,
		struct leaf *lf, struct xlate *x)
{
	uint16_t domain = AMDVM_DTE1_DOMAIN(q[1]);
	unsigned level = AMDVM_DTE_MODE(q[0]);
	uint64_t table = q[0] & AMDVM_ADDR_MASK;
	unsigned perm = PERM_R | PERM_W;
	const struct amdvi_model_pde_entry *p = cached ? pde_find(m, domain, iova) : NULL;

	if (p) {
		m->stats.pde_hits++;
		level = p->level;
		table = p->table;
		perm = p->perm;
	}
	/* At most one entry per level: six. */
	for (unsigned step = 0; step < 6 && level >= 1; step++) {
		unsigned shift = 12 + 9 * (level - 1), nl;
		uint64_t ea = table + ((iova >> shift) & 0x1ff) * 8, e;

		if (amdvm_read_qwords(m, ea, &e, 1)) {
			fail(x, AMDVM_EVT_PAGE_TAB_HARDWARE_ERROR, 0, ea);
			return -1;
		}
		if (!(e & AMDVM_PTE_PR)) {
			fail(x, AMDVM_EVT_IO_PAGE_FAULT, 0, iova);
			return -1;
		}
		nl = AMDVM_PTE_NEXT_LEVEL(e);
		if ((e & AMDVM_PTE_RSVD) || (nl != 0 && nl != 7 && nl >= level) ||
		    ((nl == 0 || nl == 7) && level == 6)) {
			/* Reserved bits, a level that does not go down, a leaf at the top. */
			fail(x, AMDVM_EVT_IO_PAGE_FAULT, AMDVM_EVT_FLAG_PR | AMDVM_EVT_FLAG_RZ,
			     iova);
			return -1;
		}
		perm &= pte_perm(e);
		if (nl == 0 || nl == 7) {
			unsigned size = nl == 7 ? encoded_size(e, level) : shift;
			uint64_t mask;

			if (!size) {
				fail(x, AMDVM_EVT_IO_PAGE_FAULT,
				     AMDVM_EVT_FLAG_PR | AMDVM_EVT_FLAG_RZ, iova);
				return -1;
			}
			mask = (1ull << size) - 1;
			lf->size_lg2 = size;
			lf->iova = iova & ~mask;
			lf->phys = e & AMDVM_ADDR_MASK & ~mask;
			lf->perm = perm;
			return 0;
		}
		/* Level skipping: the address bits of the skipped levels must be zero. */
		if (iova & (((1ull << shift) - 1) & ~(span(nl) - 1))) {
			fail(x, AMDVM_EVT_IO_PAGE_FAULT, 0, iova);
			return -1;
		}
		table = e & AMDVM_ADDR_MASK;
		level = nl;
		if (cached)
			pde_insert(m, domain, level, iova, table, perm);
	}
	fail(x, AMDVM_EVT_IO_PAGE_FAULT, AMDVM_EVT_FLAG_PR | AMDVM_EVT_FLAG_RZ, iova);
	return -1;
}

/* Whether a cached translation still says what memory says for iova. */
static int iotlb_current(struct amdvi_model *m, const uint64_t *q, uint64_t iova,
			 const struct amdvi_model_iotlb_entry *e)
{
	struct leaf lf;
	struct xlate x;

	memset(&x, 0, sizeof(x));
	if (walk(m, q, iova, 0, &lf, &x))
		return 0;
	return lf.perm == e->perm && lf.phys + (iova - lf.iova) == e->phys + (iova - e->iova);
}

/* Whether a walk that started from a cached PDE found what a walk from the root finds. */
static int walk_current(struct amdvi_model *m, const uint64_t *q, uint64_t iova, int err,
			const struct leaf *lf)
{
	struct leaf fresh;
	struct xlate x;
	int fresh_err;

	memset(&x, 0, sizeof(x));
	fresh_err = walk(m, q, iova, 0, &fresh, &x);
	if (err || fresh_err)
		return err && fresh_err;
	return fresh.perm == lf->perm &&
	       fresh.phys + (iova - fresh.iova) == lf->phys + (iova - lf->iova);
}

/* ---- Translation of one page ---- */

/* The exclusion range (MMIO offsets 0020h/0028h): all devices (Allow) or those with DTE.EX. */
static int excluded(const struct amdvi_model *m, const uint64_t *q, uint64_t iova)
{
	uint64_t base = m->excl_base & AMDVM_ADDR_MASK;
	uint64_t limit = (m->excl_limit & AMDVM_ADDR_MASK) | 0xfff;

	if (!(m->excl_base & AMDVM_EXCL_EN))
		return 0;
	if (!(m->excl_base & AMDVM_EXCL_ALLOW) && !(q[1] & AMDVM_DTE1_EX))
		return 0;
	return iova >= base && iova <= limit;
}

static void translate(struct amdvi_model *m, uint16_t devid, uint64_t iova, int write, int cached,
		      struct xlate *x)
{
	unsigned need = write ? PERM_W : PERM_R, perm, mode;
	struct amdvi_model_iotlb_entry *t = NULL;
	struct leaf lf;
	uint64_t q[4];

	if (dte_fetch(m, devid, iova, cached, q, x))
		return;
	if (!(q[0] & AMDVM_DTE_V)) {
		pass(x, iova, 1); /* not translated, no checks (spec 2.2.2.1, V) */
		return;
	}
	x->domain = AMDVM_DTE1_DOMAIN(q[1]);
	x->suppress = (q[1] & AMDVM_DTE1_SE) != 0;
	if ((q[0] & AMDVM_DTE0_RSVD) || (q[3] & AMDVM_DTE3_RSVD)) {
		fail(x, AMDVM_EVT_ILLEGAL_DEV_TABLE_ENTRY, AMDVM_EVT_FLAG_RZ, iova);
		return;
	}
	if (excluded(m, q, iova)) {
		pass(x, iova, 1);
		x->excluded = 1;
		return;
	}
	perm = dte_perm(q[0]);
	mode = AMDVM_DTE_MODE(q[0]);
	if (!(q[0] & AMDVM_DTE_TV) || mode == 0) {
		/* No translation: the DTE's IR/IW alone decide (spec 2.2.2.1, TV and Mode). */
		if (perm & need)
			pass(x, iova, 1);
		else
			fail(x, AMDVM_EVT_IO_PAGE_FAULT, AMDVM_EVT_FLAG_PR | AMDVM_EVT_FLAG_PE,
			     iova);
		return;
	}
	if (mode == 7 || mode > max_mode(m)) {
		fail(x, AMDVM_EVT_ILLEGAL_DEV_TABLE_ENTRY, 0, iova);
		return;
	}
	if (mode < 6 && (iova >> (12 + 9 * mode))) {
		fail(x, AMDVM_EVT_IO_PAGE_FAULT, 0, iova); /* beyond the mode's reach */
		return;
	}
	if (cached) {
		t = iotlb_find(m, x->domain, iova);
		if (t) {
			m->stats.iotlb_hits++;
			if (!iotlb_current(m, q, iova, t))
				m->stats.stale_iotlb_used++;
			lf.iova = t->iova;
			lf.phys = t->phys;
			lf.size_lg2 = t->size_lg2;
			lf.perm = t->perm;
		} else {
			m->stats.iotlb_misses++;
		}
	}
	if (!t) {
		unsigned long pde_hits = m->stats.pde_hits;
		int err = walk(m, q, iova, cached, &lf, x);

		if (m->stats.pde_hits != pde_hits && !walk_current(m, q, iova, err, &lf))
			m->stats.stale_pde_used++;
		if (err)
			return;
		if (cached)
			iotlb_insert(m, x->domain, &lf);
	}
	if (!(perm & lf.perm & need)) {
		fail(x, AMDVM_EVT_IO_PAGE_FAULT, AMDVM_EVT_FLAG_PR | AMDVM_EVT_FLAG_PE, iova);
		return;
	}
	pass(x, lf.phys + (iova - lf.iova), 0);
}

/* An interrupt request (a write to the interrupt range): spec 2.2.5, DTE IV and IntCtl. */
static void interrupt(struct amdvi_model *m, uint16_t devid, uint64_t addr, int write, int cached,
		      struct xlate *x)
{
	uint64_t q[4];

	x->interrupt = 1;
	x->flags |= AMDVM_EVT_FLAG_I;
	if (!write) {
		fail(x, 0, 0, addr);
		return;
	}
	if (cached && !(m->control & AMDVM_CTRL_IOMMU_EN)) {
		pass(x, addr, 1);
		return;
	}
	if (dte_fetch(m, devid, addr, cached, q, x))
		return;
	if (!(q[2] & AMDVM_DTE2_IV)) {
		pass(x, addr, 1); /* not remapped */
		return;
	}
	if (q[2] & AMDVM_DTE2_RSVD) {
		fail(x, AMDVM_EVT_ILLEGAL_DEV_TABLE_ENTRY, AMDVM_EVT_FLAG_RZ, addr);
		return;
	}
	/* IntTabLen above 1011b (2048 entries) and IntCtl 11b are reserved values. */
	if (AMDVM_DTE2_INT_TAB_LEN(q[2]) > 11 || AMDVM_DTE2_INT_CTL(q[2]) == 3) {
		fail(x, AMDVM_EVT_ILLEGAL_DEV_TABLE_ENTRY, 0, addr);
		return;
	}
	x->domain = AMDVM_DTE1_DOMAIN(q[1]);
	switch (AMDVM_DTE2_INT_CTL(q[2])) {
	case AMDVM_INT_CTL_ABORT:
		fail(x, AMDVM_EVT_IO_PAGE_FAULT, 0, addr);
		if (cached)
			m->stats.interrupts_blocked++;
		return;
	case AMDVM_INT_CTL_REMAP:
		if (cached)
			m->stats.interrupts_remapped++;
		pass(x, addr, 0);
		return;
	default: pass(x, addr, 1); return;
	}
}

/*
 * One page of a request (or the whole of an interrupt request). cached: a real
 * request, through the caches and subject to IommuEn; else a probe of the
 * tables in memory.
 */
static void evaluate(struct amdvi_model *m, uint16_t devid, uint64_t addr, int write, int cached,
		     struct xlate *x)
{
	memset(x, 0, sizeof(*x));
	x->flags = write ? AMDVM_EVT_FLAG_RW : 0;
	if (addr >= AMDVM_INT_FIRST && addr <= AMDVM_INT_LAST) {
		interrupt(m, devid, addr, write, cached, x);
		return;
	}
	if (cached && !(m->control & AMDVM_CTRL_IOMMU_EN)) {
		pass(x, addr, 1);
		return;
	}
	translate(m, devid, addr, write, cached, x);
}

/* ---- Requests ---- */

static void report(struct amdvi_model *m, uint16_t devid, const struct xlate *x,
		   struct amdvi_dma_result *r)
{
	uint16_t domain = 0;

	r->event = (uint8_t)x->event;
	r->flags = (uint16_t)(x->event ? x->flags : 0);
	r->fault_addr = x->evt_addr;
	if (!x->event)
		return;
	if (x->event == AMDVM_EVT_IO_PAGE_FAULT && x->suppress) {
		m->stats.events_suppressed++;
		return;
	}
	if (x->event == AMDVM_EVT_IO_PAGE_FAULT || x->event == AMDVM_EVT_PAGE_TAB_HARDWARE_ERROR)
		domain = x->domain;
	r->logged =
		amdvm_log_event(m, amdvm_event_q0(x->event, devid, domain, x->flags), x->evt_addr);
}

static int dma(struct amdvi_model *m, uint16_t devid, uint64_t iova, uint32_t len, int write,
	       void *rbuf, const void *wbuf, struct amdvi_dma_result *r)
{
	struct amdvi_dma_result local;
	uint64_t total = len ? len : 1; /* an empty request is checked as one byte */
	uint64_t done = 0;

	if (!r)
		r = &local;
	memset(r, 0, sizeof(*r));
	/* One pass per 4 KiB page: at most len / 4096 + 2 of them. */
	while (done < total) {
		uint64_t cur = iova + done;
		uint64_t n = 4096 - (cur & 0xfff);
		struct xlate x;

		if (n > total - done)
			n = total - done;
		if (done && cur >= AMDVM_INT_FIRST && cur <= AMDVM_INT_LAST) {
			/* A memory request running into the interrupt range. */
			r->fault_addr = cur;
			m->stats.dma_blocked++;
			return -1;
		}
		evaluate(m, devid, cur, write, 1, &x);
		if (x.interrupt) {
			r->interrupt = 1;
			if (!write)
				m->stats.interrupt_reads++;
			else
				m->stats.interrupts++;
		}
		if (!x.ok) {
			report(m, devid, &x, r);
			m->stats.dma_blocked++;
			return -1;
		}
		if (x.untranslated)
			m->stats.dma_untranslated++;
		if (x.excluded)
			m->stats.dma_excluded++;
		if (!done) {
			r->phys = x.phys;
			r->untranslated = x.untranslated;
		}
		if (x.interrupt) {
			/* An interrupt message is consumed whole: no memory is touched. */
			r->ok = 1;
			return 0;
		}
		if (len && (rbuf || wbuf)) {
			int err;

			if (rbuf)
				err = !m->mem.read ||
				      m->mem.read(m->mem.ctx, x.phys, (uint8_t *)rbuf + done,
						  (size_t)n);
			else
				err = !m->mem.write ||
				      m->mem.write(m->mem.ctx, x.phys, (const uint8_t *)wbuf + done,
						   (size_t)n);
			if (err) {
				r->bus_error = 1;
				r->fault_addr = cur;
				m->stats.dma_bus_errors++;
				return -1;
			}
		}
		done += n;
	}
	r->ok = 1;
	m->stats.dma_ok++;
	return 0;
}

int amdvi_model_dma(struct amdvi_model *m, uint16_t devid, uint64_t iova, uint32_t len, int write,
		    struct amdvi_dma_result *r)
{
	return dma(m, devid, iova, len, write, NULL, NULL, r);
}

int amdvi_model_dma_read(struct amdvi_model *m, uint16_t devid, uint64_t iova, void *buf,
			 uint32_t len, struct amdvi_dma_result *r)
{
	return dma(m, devid, iova, len, 0, buf, NULL, r);
}

int amdvi_model_dma_write(struct amdvi_model *m, uint16_t devid, uint64_t iova, const void *buf,
			  uint32_t len, struct amdvi_dma_result *r)
{
	return dma(m, devid, iova, len, 1, NULL, buf, r);
}

int amdvi_model_probe(struct amdvi_model *m, uint16_t devid, uint64_t iova, int write,
		      struct amdvi_dma_result *r)
{
	struct amdvi_dma_result local;
	struct xlate x;

	if (!r)
		r = &local;
	memset(r, 0, sizeof(*r));
	evaluate(m, devid, iova, write, 0, &x);
	r->interrupt = x.interrupt;
	if (!x.ok) {
		r->event = (uint8_t)x.event;
		r->flags = (uint16_t)(x.event ? x.flags : 0);
		r->fault_addr = x.evt_addr;
		return -1;
	}
	r->ok = 1;
	r->phys = x.phys;
	r->untranslated = x.untranslated;
	return 0;
}

/* ---- Invalidation ---- */

void amdvm_inv_dte(struct amdvi_model *m, uint16_t devid)
{
	for (unsigned i = 0; i < AMDVM_DTE_CACHE_SIZE; i++) {
		if (m->dte[i].valid && m->dte[i].devid == devid) {
			m->dte[i].valid = 0;
			m->stats.dte_entries_dropped++;
		}
	}
}

/* Whether [a, a + 2^a_lg2) lies in (inside) or meets (!inside) [base, last]. */
static int in_range(uint64_t a, unsigned a_lg2, uint64_t base, uint64_t last, int inside)
{
	uint64_t a_last = a + ((1ull << a_lg2) - 1);

	if (inside)
		return a >= base && a_last <= last;
	return a <= last && a_last >= base;
}

void amdvm_inv_pages(struct amdvi_model *m, uint16_t domain, uint64_t base, unsigned size_lg2,
		     int pde)
{
	uint64_t last = ~0ull;

	if (size_lg2 < 64)
		last = base + ((1ull << size_lg2) - 1);
	else
		base = 0;
	for (unsigned i = 0; i < AMDVM_IOTLB_SIZE; i++) {
		struct amdvi_model_iotlb_entry *e = &m->iotlb[i];

		if (e->valid && e->domain == domain &&
		    in_range(e->iova, e->size_lg2, base, last, m->inv_strict)) {
			e->valid = 0;
			m->stats.iotlb_entries_dropped++;
		}
	}
	if (!pde)
		return;
	for (unsigned i = 0; i < AMDVM_PDE_CACHE_SIZE; i++) {
		struct amdvi_model_pde_entry *p = &m->pde[i];

		if (p->valid && p->domain == domain &&
		    in_range(p->iova, 12 + 9 * p->level, base, last, 0)) {
			p->valid = 0;
			m->stats.pde_entries_dropped++;
		}
	}
}

void amdvm_inv_all(struct amdvi_model *m)
{
	m->stats.dte_entries_dropped += amdvi_model_dte_count(m);
	m->stats.iotlb_entries_dropped += amdvi_model_iotlb_count(m);
	m->stats.pde_entries_dropped += amdvi_model_pde_count(m);
	memset(m->dte, 0, sizeof(m->dte));
	memset(m->iotlb, 0, sizeof(m->iotlb));
	memset(m->pde, 0, sizeof(m->pde));
}

unsigned amdvi_model_dte_count(const struct amdvi_model *m)
{
	unsigned n = 0;

	for (unsigned i = 0; i < AMDVM_DTE_CACHE_SIZE; i++)
		n += m->dte[i].valid;
	return n;
}

unsigned amdvi_model_iotlb_count(const struct amdvi_model *m)
{
	unsigned n = 0;

	for (unsigned i = 0; i < AMDVM_IOTLB_SIZE; i++)
		n += m->iotlb[i].valid;
	return n;
}

unsigned amdvi_model_pde_count(const struct amdvi_model *m)
{
	unsigned n = 0;

	for (unsigned i = 0; i < AMDVM_PDE_CACHE_SIZE; i++)
		n += m->pde[i].valid;
	return n;
}
