/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The DMA side of the VT-d model: root/context/second-level table walks, the
 * context cache and the IOTLB, protected memory regions, and DMA requests.
 *
 * Order of checks for one page of a request, as the spec lists the faults:
 * root entry (access 8, present 1, reserved A), context entry (access 9,
 * present 2, reserved B, AW/TT 3), input address width (4), second-level
 * entries from the top (access 7, not present, reserved C), and finally the
 * permission (write 5, read 6) accumulated over all levels.
 *
 * Choices where the specification leaves room:
 *  - Context entries: an unsupported or reserved TT (01 without ECAP.DT, 10
 *    without ECAP.PT, 11) is fault 3, "invalid programming of a context
 *    entry", as the spec's table and QEMU say; 0xD is for translation
 *    requests (ATS), which this model does not issue.
 *  - FPD is evaluated whatever the context entry's P bit says (the spec says
 *    so); faults before a context entry is read (root) are always recorded.
 *  - Host-address bits are checked against MGAW (the model does not know the
 *    platform's HAW): root/context pointers with bits at or above MGAW set are
 *    reserved-bit faults, as are second-level addresses with bits MGAW..51.
 *  - Input addresses: a translated request must be below 2^min(AGAW, MGAW)
 *    (as QEMU); a pass-through request below 2^AGAW of its context entry.
 *  - Second-level entries: an entry with R = W = 0 is not present (fault 5/6
 *    by the access, reserved bits not looked at); bit 11 is reserved in
 *    non-leaf entries and, without ECAP.SC, in leaves; bit 62 likewise with
 *    ECAP.DT; PS is reserved where SLLPS does not allow a leaf.
 *  - Caches: context entries are cached by source-id with their DID; IOTLB
 *    entries by DID and address with their leaf size and the permissions
 *    accumulated over the walk. With CAP.CM = 1 not-present and erroneous
 *    context results are cached (tagged DID 0, as the spec reserves it) and
 *    not-present second-level results are cached at the level the walk
 *    stopped. Table access errors and reserved-bit faults in second-level
 *    entries are never cached.
 *  - Protected memory regions: with PMEN.PRS set, any request whose target
 *    range touches a region is blocked, untranslated (TE off), pass-through
 *    and remapped alike; the spec lets hardware block remapped requests or
 *    not, and pmr_skip_remapped = 1 selects the other behaviour. Blocked
 *    requests are not recorded as faults.
 */
#include <string.h>

#include "model/vtd_model_internal.h"

#define PTE_R 1ull
#define PTE_W 2ull
#define PTE_PS (1ull << 7)
#define PTE_SNP (1ull << 11)
#define PTE_TM (1ull << 62)
#define PTE_ADDR 0x000ffffffffff000ull

/* The outcome of translating one page. */
struct xlate {
	int ok;
	int remapped; /* went through second-level tables (for the PMR policy) */
	uint64_t phys;
	uint8_t reason;
	uint8_t fpd;
};

static int read_qwords(struct vtd_model *m, uint64_t phys, uint64_t *q, unsigned n)
{
	uint8_t b[16];

	if (!m->mem.read || m->mem.read(m->mem.ctx, phys, b, 8u * n))
		return -1;
	for (unsigned i = 0; i < n; i++) {
		q[i] = 0;
		for (int j = 7; j >= 0; j--)
			q[i] = q[i] << 8 | b[8 * i + (unsigned)j];
	}
	return 0;
}

static uint64_t level_size(unsigned level)
{
	return 1ull << (12 + 9 * (level - 1));
}

/* ---- Context entries ---- */

static unsigned did_bits(const struct vtd_model *m)
{
	unsigned nd = VTDM_CAP_ND(m->cfg.cap);

	return nd >= 6 ? 16 : 4 + 2 * nd;
}

/* Reads the root and context entries for sid from the root table at rta. */
static void ctx_walk(struct vtd_model *m, uint64_t rta, uint16_t sid, struct vtd_model_ctx_entry *e)
{
	uint64_t above = vtdm_above_mgaw(m);
	uint64_t re[2], ce[2], rsvd_hi;
	unsigned tt, aw;

	memset(e, 0, sizeof(*e));
	e->valid = 1;
	e->sid = sid;
	if (read_qwords(m, rta + (uint64_t)(sid >> 8) * 16, re, 2)) {
		e->fault = VTDM_FR_ROOT_ACCESS;
		return;
	}
	if (!(re[0] & 1)) {
		e->fault = VTDM_FR_ROOT_NOT_PRESENT;
		return;
	}
	if ((re[0] & (0xffeull | above)) || re[1]) {
		e->fault = VTDM_FR_ROOT_RSVD;
		return;
	}
	if (read_qwords(m, (re[0] & ~0xfffull) + (uint64_t)(sid & 0xff) * 16, ce, 2)) {
		e->fault = VTDM_FR_CTX_ACCESS;
		return;
	}
	e->fpd = (ce[0] >> 1) & 1; /* looked at even when P is clear */
	if (!(ce[0] & 1)) {
		e->fault = VTDM_FR_CTX_NOT_PRESENT;
		return;
	}
	/* High qword: 7 and 63:24 reserved, and DID bits beyond CAP.ND. */
	rsvd_hi = 0x80ull | ~0xffffffull | ((0xffffull << did_bits(m)) & 0xffff) << 8;
	if ((ce[0] & (0xff0ull | above)) || (ce[1] & rsvd_hi)) {
		e->fault = VTDM_FR_CTX_RSVD;
		return;
	}
	aw = (unsigned)ce[1] & 7;
	tt = (unsigned)(ce[0] >> 2) & 3;
	if (aw < 1 || aw > 3 || !(VTDM_CAP_SAGAW(m->cfg.cap) & (1u << aw)) || tt == 3 ||
	    (tt == 1 && !(m->cfg.ecap & VTDM_ECAP_DT)) ||
	    (tt == 2 && !(m->cfg.ecap & VTDM_ECAP_PT))) {
		e->fault = VTDM_FR_CTX_INVALID;
		return;
	}
	e->tt = (uint8_t)tt;
	e->aw = (uint8_t)aw;
	e->did = (uint16_t)(ce[1] >> 8);
	e->slptptr = ce[0] & ~0xfffull;
}

static int ctx_fault_cacheable(uint8_t fault)
{
	return fault == VTDM_FR_ROOT_NOT_PRESENT || fault == VTDM_FR_CTX_NOT_PRESENT ||
	       fault == VTDM_FR_CTX_INVALID || fault == VTDM_FR_ROOT_RSVD ||
	       fault == VTDM_FR_CTX_RSVD;
}

/*
 * Where a cache puts a new entry: the first free slot, else the next one
 * round-robin, counted as an eviction.
 */
static unsigned cache_slot(const struct vtd_model *m,
			   int (*in_use)(const struct vtd_model *m, unsigned i), unsigned n,
			   unsigned *next, unsigned long *evictions)
{
	unsigned slot;

	for (unsigned i = 0; i < n; i++)
		if (!in_use(m, i))
			return i;
	slot = *next;
	*next = (*next + 1) % n;
	(*evictions)++;
	return slot;
}

static int ctx_in_use(const struct vtd_model *m, unsigned i)
{
	return m->ctx[i].valid;
}

static void ctx_insert(struct vtd_model *m, const struct vtd_model_ctx_entry *e)
{
	m->ctx[cache_slot(m, ctx_in_use, VTDM_CTX_CACHE_SIZE, &m->ctx_next,
			  &m->stats.ctx_evictions)] = *e;
}

/* The context for sid: from the context cache, or from memory (then cached). */
static void ctx_get(struct vtd_model *m, uint16_t sid, struct vtd_model_ctx_entry *e)
{
	for (unsigned i = 0; i < VTDM_CTX_CACHE_SIZE; i++) {
		if (m->ctx[i].valid && m->ctx[i].sid == sid) {
			m->stats.ctx_hits++;
			*e = m->ctx[i];
			return;
		}
	}
	m->stats.ctx_misses++;
	ctx_walk(m, m->rta_latched, sid, e);
	if (!e->fault) {
		if ((m->cfg.cap & VTDM_CAP_CM) && e->did == 0)
			m->stats.did0_with_cm++; /* DID 0 is reserved when CM = 1 */
		ctx_insert(m, e);
	} else if ((m->cfg.cap & VTDM_CAP_CM) && ctx_fault_cacheable(e->fault)) {
		e->did = 0;
		ctx_insert(m, e);
	}
}

/* ---- Second-level tables ---- */

/*
 * Walks the second-level tables for iova. On return: w->fault set for a
 * table access error or reserved bits; otherwise w->perm (0: not present at
 * w->level) and, when present, the leaf's level, iova and phys bases.
 */
static void page_walk(struct vtd_model *m, const struct vtd_model_ctx_entry *c, uint64_t iova,
		      struct vtd_model_iotlb_entry *w, uint8_t *fault)
{
	uint64_t above = vtdm_above_mgaw(m) & PTE_ADDR;
	unsigned sllps = VTDM_CAP_SLLPS(m->cfg.cap);
	uint64_t table = c->slptptr;
	uint64_t perm = PTE_R | PTE_W;

	memset(w, 0, sizeof(*w));
	*fault = 0;
	w->valid = 1;
	w->did = c->did;
	for (unsigned level = c->aw + 2u; level >= 1; level--) {
		uint64_t size = level_size(level);
		uint64_t pte, rsvd = above;
		int leaf = level == 1;

		if (read_qwords(m, table + ((iova / size) & 511) * 8, &pte, 1)) {
			*fault = VTDM_FR_PT_ACCESS;
			return;
		}
		if (!(pte & (PTE_R | PTE_W))) {
			w->level = (uint8_t)level;
			w->iova = iova & ~(size - 1);
			w->perm = 0;
			return;
		}
		if (level > 1 && (pte & PTE_PS)) {
			if (level == 2 && (sllps & 1)) {
				leaf = 1;
				rsvd |= (size - 1) & ~0xfffull; /* 2 MiB alignment */
			} else if (level == 3 && (sllps & 2)) {
				leaf = 1;
				rsvd |= (size - 1) & ~0xfffull; /* 1 GiB alignment */
			} else {
				rsvd |= PTE_PS; /* no leaf allowed at this level */
			}
		}
		if (leaf) {
			if (!(m->cfg.ecap & VTDM_ECAP_SC))
				rsvd |= PTE_SNP;
			if (!(m->cfg.ecap & VTDM_ECAP_DT))
				rsvd |= PTE_TM;
		} else {
			rsvd |= PTE_SNP | PTE_TM;
		}
		if (pte & rsvd) {
			*fault = VTDM_FR_PT_RSVD;
			return;
		}
		perm &= pte;
		if (leaf) {
			w->level = (uint8_t)level;
			w->iova = iova & ~(size - 1);
			w->phys = pte & PTE_ADDR & ~(size - 1);
			w->perm = (uint8_t)perm;
			return;
		}
		table = pte & PTE_ADDR;
	}
}

static struct vtd_model_iotlb_entry *iotlb_find(struct vtd_model *m, uint16_t did, uint64_t iova)
{
	for (unsigned i = 0; i < VTDM_IOTLB_SIZE; i++) {
		struct vtd_model_iotlb_entry *e = &m->iotlb[i];

		if (e->valid && e->did == did && iova - e->iova < level_size(e->level))
			return e;
	}
	return NULL;
}

static int iotlb_in_use(const struct vtd_model *m, unsigned i)
{
	return m->iotlb[i].valid;
}

static void iotlb_insert(struct vtd_model *m, const struct vtd_model_iotlb_entry *e)
{
	m->iotlb[cache_slot(m, iotlb_in_use, VTDM_IOTLB_SIZE, &m->iotlb_next,
			    &m->stats.iotlb_evictions)] = *e;
}

/* ---- Translation of one page ---- */

static void translate(struct vtd_model *m, uint16_t sid, uint64_t iova, int write, int cached,
		      struct xlate *x)
{
	struct vtd_model_ctx_entry c;
	struct vtd_model_iotlb_entry walked, *t = NULL;
	unsigned width;
	uint8_t fault;

	memset(x, 0, sizeof(*x));
	if (cached) {
		ctx_get(m, sid, &c);
	} else {
		ctx_walk(m, m->root_latched ? m->rta_latched : m->rtaddr, sid, &c);
	}
	x->fpd = c.fpd;
	if (c.fault) {
		x->reason = c.fault;
		return;
	}
	width = 30 + 9 * c.aw;
	if (c.tt == 2) {
		/* Pass-through: no tables, only the context's address width. */
		if (iova >> width) {
			x->reason = VTDM_FR_ADDR_WIDTH;
			return;
		}
		x->ok = 1;
		x->phys = iova;
		return;
	}
	if (width > VTDM_CAP_MGAW(m->cfg.cap) + 1)
		width = VTDM_CAP_MGAW(m->cfg.cap) + 1;
	if (width < 64 && (iova >> width)) {
		x->reason = VTDM_FR_ADDR_WIDTH;
		return;
	}
	x->remapped = 1;
	if (cached) {
		t = iotlb_find(m, c.did, iova);
		if (t)
			m->stats.iotlb_hits++;
		else
			m->stats.iotlb_misses++;
	}
	if (!t) {
		page_walk(m, &c, iova, &walked, &fault);
		if (fault) {
			x->reason = fault;
			return;
		}
		if (cached && (walked.perm || (m->cfg.cap & VTDM_CAP_CM)))
			iotlb_insert(m, &walked);
		t = &walked;
	}
	if (!(t->perm & (write ? PTE_W : PTE_R))) {
		x->reason = write ? VTDM_FR_WRITE : VTDM_FR_READ;
		return;
	}
	x->ok = 1;
	x->phys = t->phys + (iova - t->iova);
}

/* ---- Protected memory regions ---- */

static int touches(uint64_t phys, uint64_t last, uint64_t base, uint64_t limit)
{
	if (limit < base)
		return 0; /* region disabled */
	return phys <= (limit | 0x1fffffull) && last >= base;
}

static int pmr_blocks(const struct vtd_model *m, const struct xlate *x, uint64_t len)
{
	uint64_t last = x->phys + len - 1;

	if (!(m->pmen & VTDM_PMEN_PRS) || (x->remapped && m->pmr_skip_remapped))
		return 0;
	if ((m->cfg.cap & VTDM_CAP_PLMR) && touches(x->phys, last, m->plmbase, m->plmlimit))
		return 1;
	if ((m->cfg.cap & VTDM_CAP_PHMR) && touches(x->phys, last, m->phmbase, m->phmlimit))
		return 1;
	return 0;
}

/* ---- DMA requests ---- */

static int dma(struct vtd_model *m, uint16_t sid, uint64_t iova, uint32_t len, int write,
	       void *rbuf, const void *wbuf, struct vtd_dma_result *r)
{
	struct vtd_dma_result local;
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
		if (m->gsts & VTDM_GSTS_TES) {
			translate(m, sid, cur, write, 1, &x);
		} else {
			memset(&x, 0, sizeof(x));
			x.ok = 1;
			x.phys = cur;
		}
		if (!x.ok) {
			r->fault_reason = x.reason;
			r->fault_addr = cur & ~0xfffull;
			r->recorded = vtdm_record_fault(m, sid, cur, x.reason, write, x.fpd);
			m->stats.dma_faults++;
			return -1;
		}
		if (pmr_blocks(m, &x, n)) {
			r->blocked_by_pmr = 1;
			r->fault_addr = cur & ~0xfffull;
			m->stats.dma_blocked_pmr++;
			return -1;
		}
		if (!done)
			r->phys = x.phys;
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
				r->fault_addr = cur & ~0xfffull;
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

int vtd_model_dma(struct vtd_model *m, uint16_t sid, uint64_t iova, uint32_t len, int write,
		  struct vtd_dma_result *r)
{
	return dma(m, sid, iova, len, write, NULL, NULL, r);
}

int vtd_model_dma_read(struct vtd_model *m, uint16_t sid, uint64_t iova, void *buf, uint32_t len,
		       struct vtd_dma_result *r)
{
	return dma(m, sid, iova, len, 0, buf, NULL, r);
}

int vtd_model_dma_write(struct vtd_model *m, uint16_t sid, uint64_t iova, const void *buf,
			uint32_t len, struct vtd_dma_result *r)
{
	return dma(m, sid, iova, len, 1, NULL, buf, r);
}

int vtd_model_probe(struct vtd_model *m, uint16_t sid, uint64_t iova, int write,
		    struct vtd_dma_result *r)
{
	struct vtd_dma_result local;
	struct xlate x;

	if (!r)
		r = &local;
	memset(r, 0, sizeof(*r));
	translate(m, sid, iova, write, 0, &x);
	if (!x.ok) {
		r->fault_reason = x.reason;
		r->fault_addr = iova & ~0xfffull;
		return -1;
	}
	r->ok = 1;
	r->phys = x.phys;
	return 0;
}

/* ---- Invalidation ---- */

void vtdm_cc_invalidate(struct vtd_model *m, unsigned gran, uint16_t did, uint16_t sid, unsigned fm)
{
	/* FM: 0 no bits masked, 1 masks SID bit 2, 2 bits 2:1, 3 bits 2:0. */
	static const uint16_t fmask[4] = {0xffff, 0xfffb, 0xfff9, 0xfff8};

	if (gran < 1 || gran > 3)
		return;
	for (unsigned i = 0; i < VTDM_CTX_CACHE_SIZE; i++) {
		struct vtd_model_ctx_entry *e = &m->ctx[i];
		int drop;

		if (!e->valid)
			continue;
		if (gran == 1)
			drop = 1;
		else if (gran == 2)
			drop = e->did == did;
		else
			drop = e->did == did && (e->sid & fmask[fm & 3]) == (sid & fmask[fm & 3]);
		if (drop) {
			e->valid = 0;
			m->stats.ctx_entries_dropped++;
		}
	}
}

void vtdm_iotlb_invalidate(struct vtd_model *m, unsigned gran, uint16_t did, uint64_t addr,
			   unsigned am)
{
	uint64_t base = 0, last = ~0ull;

	if (gran < 1 || gran > 3)
		return;
	if (gran == 3 && 12 + am < 64) {
		uint64_t size = 1ull << (12 + am);

		base = addr & ~(size - 1);
		last = base + size - 1;
	}
	for (unsigned i = 0; i < VTDM_IOTLB_SIZE; i++) {
		struct vtd_model_iotlb_entry *e = &m->iotlb[i];
		int drop;

		if (!e->valid)
			continue;
		if (gran == 1)
			drop = 1;
		else if (gran == 2)
			drop = e->did == did;
		else if (m->psi_strict)
			drop = e->did == did && e->iova >= base &&
			       e->iova + (level_size(e->level) - 1) <= last;
		else
			drop = e->did == did && e->iova <= last &&
			       e->iova + (level_size(e->level) - 1) >= base;
		if (drop) {
			e->valid = 0;
			m->stats.iotlb_entries_dropped++;
		}
	}
}

unsigned vtd_model_iotlb_count(const struct vtd_model *m)
{
	unsigned n = 0;

	for (unsigned i = 0; i < VTDM_IOTLB_SIZE; i++)
		n += m->iotlb[i].valid;
	return n;
}

unsigned vtd_model_ctx_count(const struct vtd_model *m)
{
	unsigned n = 0;

	for (unsigned i = 0; i < VTDM_CTX_CACHE_SIZE; i++)
		n += m->ctx[i].valid;
	return n;
}
