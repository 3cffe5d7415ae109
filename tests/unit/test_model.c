/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The VT-d software model on its own: registers, handshakes, translation,
 * faults, caches and invalidation, with tables built by hand in simulated RAM
 * and the registers driven through the hosted platform's MMIO window.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <ioguard/hosted.h>

#include "model/vtd_model.h"

#define BASE 0xfed90000ull
#define RAM_SIZE (16u << 20)
#define TABLES 0x800000ull /* page tables are handed out from here up */
#define NO_RAM 0x40000000ull
#define FRO 0x400u
#define IRO 0x500u
#define NREC 4u
#define PERSIST (VTDM_GCMD_TE | VTDM_GCMD_QIE | VTDM_GCMD_IRE | VTDM_GCMD_CFI)

#define R 1ull
#define W 2ull
#define RW 3ull
#define PS (1ull << 7)

#define SID(b, d, f) ((uint16_t)((b) << 8 | (d) << 3 | (f)))

/* The default unit: 8-bit DIDs, PMRs, 39/48-bit AGAWs, 48-bit MGAW, 2M/1G pages, PSI. */
#define CAP_DEFAULT                                                                                \
	(2ull | VTDM_CAP_PLMR | VTDM_CAP_PHMR | 0x6ull << 8 | 47ull << 16 |                        \
	 (uint64_t)(FRO / 16) << 24 | 3ull << 34 | VTDM_CAP_PSI | (uint64_t)(NREC - 1) << 40 |     \
	 9ull << 48)
#define ECAP_DEFAULT (VTDM_ECAP_QI | VTDM_ECAP_IR | VTDM_ECAP_PT | (uint64_t)(IRO / 16) << 8)

struct fix {
	struct iog_hosted h;
	struct vtd_model m;
	uint64_t next; /* next free table page */
	uint64_t root;
	uint64_t iq, status; /* invalidation queue and wait-status page */
	unsigned tail;
};

/* ---- Memory ---- */

static int ram_read(void *ctx, uint64_t phys, void *buf, size_t len)
{
	void *p = iog_hosted_ptr(ctx, phys, len);

	if (!p)
		return -1;
	memcpy(buf, p, len);
	return 0;
}

static int ram_write(void *ctx, uint64_t phys, const void *buf, size_t len)
{
	void *p = iog_hosted_ptr(ctx, phys, len);

	if (!p)
		return -1;
	memcpy(p, buf, len);
	return 0;
}

static uint8_t *ptr(struct fix *f, uint64_t phys, size_t len)
{
	uint8_t *p = iog_hosted_ptr(&f->h, phys, len);

	assert_non_null(p);
	return p;
}

static void put64(struct fix *f, uint64_t phys, uint64_t v)
{
	uint8_t *p = ptr(f, phys, 8);

	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get64(struct fix *f, uint64_t phys)
{
	uint8_t *p = ptr(f, phys, 8);
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint32_t get32(struct fix *f, uint64_t phys)
{
	return (uint32_t)get64(f, phys);
}

static uint64_t page(struct fix *f)
{
	uint64_t p = f->next;

	assert_true(p + 4096 <= RAM_SIZE);
	f->next += 4096;
	memset(ptr(f, p, 4096), 0, 4096);
	return p;
}

/* ---- Registers, through the MMIO window ---- */

static uint32_t rd32(struct fix *f, uint32_t off)
{
	return f->h.plat.reg_read32(f->h.plat.ctx, BASE, off);
}

static uint64_t rd64(struct fix *f, uint32_t off)
{
	return f->h.plat.reg_read64(f->h.plat.ctx, BASE, off);
}

static void wr32(struct fix *f, uint32_t off, uint32_t v)
{
	f->h.plat.reg_write32(f->h.plat.ctx, BASE, off, v);
}

static void wr64(struct fix *f, uint32_t off, uint64_t v)
{
	f->h.plat.reg_write64(f->h.plat.ctx, BASE, off, v);
}

/* ---- Fixture ---- */

static void model_init(struct fix *f, uint64_t cap, uint64_t ecap, unsigned delay)
{
	struct vtd_model_config cfg = {
		.ver = 0x10, .cap = cap, .ecap = ecap, .status_delay = delay};
	struct vtd_model_mem mem = {.ctx = &f->h, .read = ram_read, .write = ram_write};

	vtd_model_init(&f->m, &cfg, &mem);
}

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	iog_hosted_init(&f->h);
	if (iog_hosted_add_ram(&f->h, 0, RAM_SIZE) ||
	    iog_hosted_add_mmio(&f->h, BASE, 0x1000, &vtd_model_mmio_ops, &f->m))
		return -1;
	model_init(f, CAP_DEFAULT, ECAP_DEFAULT, 0);
	f->next = TABLES;
	f->root = page(f);
	f->status = page(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	iog_hosted_destroy(&f->h);
	free(f);
	return 0;
}

/* ---- Tables ---- */

static uint64_t ctx_lo(uint64_t slpt, unsigned tt, int fpd)
{
	return slpt | (uint64_t)tt << 2 | (fpd ? 2u : 0u) | 1u;
}

static uint64_t ctx_hi(unsigned aw, uint16_t did)
{
	return aw | (uint64_t)did << 8;
}

/* Writes the context entry for sid, giving its bus a context table if needed. */
static uint64_t set_ctx(struct fix *f, uint16_t sid, uint64_t lo, uint64_t hi)
{
	uint64_t re = f->root + (uint64_t)(sid >> 8) * 16;
	uint64_t ctp = get64(f, re) & ~0xfffull;
	uint64_t ce;

	if (!(get64(f, re) & 1)) {
		ctp = page(f);
		put64(f, re, ctp | 1);
	}
	ce = ctp + (uint64_t)(sid & 0xff) * 16;
	put64(f, ce, lo);
	put64(f, ce + 8, hi);
	return ce;
}

/* A translated domain for sid: returns its second-level table root. */
static uint64_t domain(struct fix *f, uint16_t sid, unsigned aw, uint16_t did)
{
	uint64_t slpt = page(f);

	set_ctx(f, sid, ctx_lo(slpt, 0, 0), ctx_hi(aw, did));
	return slpt;
}

/*
 * Maps iova -> phys with a leaf at leaf_level (1: 4 KiB, 2: 2 MiB, 3: 1 GiB)
 * in tables of `levels` levels; returns the address of the leaf entry.
 */
static uint64_t map(struct fix *f, uint64_t slpt, unsigned levels, uint64_t iova, uint64_t phys,
		    unsigned leaf_level, uint64_t perm)
{
	uint64_t table = slpt, ea;

	for (unsigned l = levels; l > leaf_level; l--) {
		uint64_t e;

		ea = table + ((iova >> (12 + 9 * (l - 1))) & 511) * 8;
		e = get64(f, ea);
		if (!(e & 3)) {
			e = page(f) | RW;
			put64(f, ea, e);
		}
		table = e & 0x000ffffffffff000ull;
	}
	ea = table + ((iova >> (12 + 9 * (leaf_level - 1))) & 511) * 8;
	put64(f, ea, phys | perm | (leaf_level > 1 ? PS : 0));
	return ea;
}

/* ---- Driving the unit ---- */

static void wait_gsts(struct fix *f, uint32_t bit, int on)
{
	for (int i = 0; i < 100; i++)
		if (((rd32(f, VTDM_REG_GSTS) & bit) != 0) == on)
			return;
	fail_msg("GSTS bit %#x did not become %d", bit, on);
}

static void gcmd(struct fix *f, uint32_t bit, int on)
{
	uint32_t sts = rd32(f, VTDM_REG_GSTS) & PERSIST;

	wr32(f, VTDM_REG_GCMD, on ? sts | bit : sts & ~bit);
	wait_gsts(f, bit, on);
}

static void srtp(struct fix *f, uint64_t root)
{
	wr64(f, VTDM_REG_RTADDR, root);
	wr32(f, VTDM_REG_GCMD, (rd32(f, VTDM_REG_GSTS) & PERSIST) | VTDM_GCMD_SRTP);
	wait_gsts(f, VTDM_GSTS_RTPS, 1);
}

static void te_on(struct fix *f)
{
	srtp(f, f->root);
	gcmd(f, VTDM_GCMD_TE, 1);
}

static uint64_t reg_cc(struct fix *f, unsigned gran, uint16_t did, uint16_t sid, unsigned fm)
{
	uint64_t v;

	wr64(f, VTDM_REG_CCMD,
	     VTDM_CCMD_ICC | VTDM_CCMD_CIRG(gran) | VTDM_CCMD_FM(fm) | VTDM_CCMD_SID(sid) | did);
	for (int i = 0; i < 100; i++) {
		v = rd64(f, VTDM_REG_CCMD);
		if (!(v & VTDM_CCMD_ICC))
			return v;
	}
	fail_msg("CCMD.ICC stuck");
	return 0;
}

static uint64_t reg_iotlb(struct fix *f, unsigned gran, uint16_t did, uint64_t addr, unsigned am)
{
	uint64_t v;

	wr64(f, IRO, addr | am);
	wr64(f, IRO + 8, VTDM_IOTLB_IVT | VTDM_IOTLB_IIRG(gran) | VTDM_IOTLB_DID(did));
	for (int i = 0; i < 100; i++) {
		v = rd64(f, IRO + 8);
		if (!(v & VTDM_IOTLB_IVT))
			return v;
	}
	fail_msg("IOTLB.IVT stuck");
	return 0;
}

static void flush_all(struct fix *f)
{
	reg_cc(f, 1, 0, 0, 0);
	reg_iotlb(f, 1, 0, 0, 0);
}

static void qi_enable(struct fix *f)
{
	f->iq = page(f);
	f->tail = 0;
	wr64(f, VTDM_REG_IQA, f->iq); /* QS 0: one page, 256 descriptors */
	wr64(f, VTDM_REG_IQT, 0);
	gcmd(f, VTDM_GCMD_QIE, 1);
}

static void qi_put(struct fix *f, uint64_t lo, uint64_t hi)
{
	put64(f, f->iq + f->tail * 16u, lo);
	put64(f, f->iq + f->tail * 16u + 8, hi);
	f->tail = (f->tail + 1) % 256;
}

static void qi_go(struct fix *f)
{
	wr64(f, VTDM_REG_IQT, (uint64_t)f->tail << 4);
}

/* Queues a wait descriptor with a status write of `data`, submits, checks it landed. */
static void qi_sync(struct fix *f, uint32_t data)
{
	put64(f, f->status, 0);
	qi_put(f, VTDM_QI_WAIT | VTDM_QI_WAIT_SW | VTDM_QI_WAIT_DATA(data), f->status);
	qi_go(f);
	assert_int_equal(get32(f, f->status), data);
	assert_int_equal(rd64(f, VTDM_REG_IQH), (uint64_t)f->tail << 4);
}

static uint64_t xlate(struct fix *f, uint16_t sid, uint64_t iova, int write)
{
	struct vtd_dma_result r;

	assert_int_equal(vtd_model_dma(&f->m, sid, iova, 8, write, &r), 0);
	assert_int_equal(r.ok, 1);
	return r.phys;
}

static unsigned fri(struct fix *f)
{
	return VTDM_FSTS_FRI(rd32(f, VTDM_REG_FSTS));
}

static void check_record(struct fix *f, unsigned idx, uint16_t sid, uint64_t addr, unsigned reason,
			 int write)
{
	uint64_t lo = rd64(f, FRO + idx * 16), hi = rd64(f, FRO + idx * 16 + 8);

	assert_int_equal(lo, addr & ~0xfffull);
	assert_true(hi & VTDM_FRCD_F);
	assert_int_equal(VTDM_FRCD_SID(hi), sid);
	assert_int_equal(VTDM_FRCD_FR(hi), reason);
	assert_int_equal((hi & VTDM_FRCD_T) != 0, !write);
}

static void clear_record(struct fix *f, unsigned idx)
{
	wr32(f, FRO + idx * 16 + 12, 0x80000000u);
	assert_false(rd64(f, FRO + idx * 16 + 8) & VTDM_FRCD_F);
}

/* A DMA that must fault with `reason`, be recorded at FRI, and the record cleared. */
static void expect_fault(struct fix *f, uint16_t sid, uint64_t iova, int write, unsigned reason)
{
	struct vtd_dma_result r;
	unsigned idx = fri(f);

	assert_int_equal(vtd_model_dma(&f->m, sid, iova, 4, write, &r), -1);
	assert_int_equal(r.ok, 0);
	assert_int_equal(r.fault_reason, reason);
	assert_int_equal(r.blocked_by_pmr, 0);
	assert_int_equal(r.recorded, 1);
	check_record(f, idx, sid, iova, reason, write);
	assert_int_equal(fri(f), (idx + 1) % NREC);
	clear_record(f, idx);
}

/* ---- Tests: registers and handshakes ---- */

static void test_reset_values(void **state)
{
	struct fix *f = *state;

	assert_int_equal(rd32(f, VTDM_REG_VER), 0x10);
	assert_int_equal(rd64(f, VTDM_REG_CAP), CAP_DEFAULT);
	assert_int_equal(rd32(f, VTDM_REG_CAP), (uint32_t)CAP_DEFAULT);
	assert_int_equal(rd32(f, VTDM_REG_CAP + 4), (uint32_t)(CAP_DEFAULT >> 32));
	assert_int_equal(rd64(f, VTDM_REG_ECAP), ECAP_DEFAULT);
	assert_int_equal(rd32(f, VTDM_REG_GCMD), 0);
	assert_int_equal(rd32(f, VTDM_REG_GSTS), 0);
	assert_int_equal(rd64(f, VTDM_REG_RTADDR), 0);
	assert_int_equal(rd64(f, VTDM_REG_CCMD), 0);
	assert_int_equal(rd32(f, VTDM_REG_FSTS), 0);
	assert_int_equal(rd32(f, VTDM_REG_FECTL), VTDM_FECTL_IM);
	assert_int_equal(rd32(f, VTDM_REG_PMEN), 0);
	assert_int_equal(rd64(f, VTDM_REG_IQH), 0);
	assert_int_equal(rd64(f, VTDM_REG_IQT), 0);
	assert_int_equal(rd64(f, VTDM_REG_IQA), 0);
	assert_int_equal(rd32(f, VTDM_REG_ICS), 0);
	assert_int_equal(rd32(f, VTDM_REG_IECTL), VTDM_IECTL_IM);
	assert_int_equal(rd64(f, VTDM_REG_IRTA), 0);
	assert_int_equal(rd64(f, IRO), 0);
	assert_int_equal(rd64(f, IRO + 8), 0);
	for (unsigned i = 0; i < NREC; i++) {
		assert_int_equal(rd64(f, FRO + 16 * i), 0);
		assert_int_equal(rd64(f, FRO + 16 * i + 8), 0);
	}
	/* Unknown offsets read 0 and ignore writes; read-only registers stay. */
	wr32(f, 0x300, 0xdeadbeef);
	assert_int_equal(rd32(f, 0x300), 0);
	assert_int_equal(rd64(f, 0xf00), 0);
	wr64(f, VTDM_REG_CAP, 0);
	assert_int_equal(rd64(f, VTDM_REG_CAP), CAP_DEFAULT);
	/* Nothing enabled: no status moves, no cache filled. */
	assert_int_equal(vtd_model_iotlb_count(&f->m), 0);
	assert_int_equal(vtd_model_ctx_count(&f->m), 0);
	/* Odd sizes and misaligned accesses are ignored. */
	assert_int_equal(vtd_model_read(&f->m, VTDM_REG_VER, 2), 0);
	assert_int_equal(vtd_model_read(&f->m, VTDM_REG_CAP + 4, 8), 0);
}

static void test_register_halves(void **state)
{
	struct fix *f = *state;

	/* RTADDR: 64-bit write, reserved low bits and bits above MGAW dropped. */
	wr64(f, VTDM_REG_RTADDR, 0x0001234567890fffull);
	assert_int_equal(rd64(f, VTDM_REG_RTADDR), 0x0000234567890000ull);
	/* ... and as two 32-bit halves. */
	wr32(f, VTDM_REG_RTADDR, 0xabcde000u);
	assert_int_equal(rd64(f, VTDM_REG_RTADDR), 0x00002345abcde000ull);
	wr32(f, VTDM_REG_RTADDR + 4, 0x00000012u);
	assert_int_equal(rd32(f, VTDM_REG_RTADDR + 4), 0x12u);
	assert_int_equal(rd32(f, VTDM_REG_RTADDR), 0xabcde000u);
	/* IQA keeps base, DW and QS; IRTA base, EIME and S. */
	vtd_model_write(&f->m, VTDM_REG_IQA, 8, 0x12345ff7ull);
	assert_int_equal(vtd_model_read(&f->m, VTDM_REG_IQA, 8), 0x12345807ull);
	vtd_model_write(&f->m, VTDM_REG_IRTA + 4, 4, 0x1);
	vtd_model_write(&f->m, VTDM_REG_IRTA, 4, 0x5000f8f);
	assert_int_equal(vtd_model_read(&f->m, VTDM_REG_IRTA, 8), 0x10500080full);
	/* IQT: only the index bits 18:4. */
	wr64(f, VTDM_REG_IQT, 0xffffffffffffffffull);
	assert_int_equal(rd64(f, VTDM_REG_IQT), 0x7fff0ull);
	wr64(f, VTDM_REG_IQT, 0);
	/* PHMBASE by halves, 2 MiB granularity. */
	wr32(f, VTDM_REG_PHMBASE + 4, 0x1);
	wr32(f, VTDM_REG_PHMBASE, 0x003fffffu);
	assert_int_equal(rd64(f, VTDM_REG_PHMBASE), 0x100200000ull);
	/* Two 32-bit registers with one 64-bit access. */
	wr64(f, VTDM_REG_FEADDR, 0x00000001fee0000full); /* FEADDR, FEUADDR */
	assert_int_equal(rd32(f, VTDM_REG_FEADDR), 0xfee0000cu);
	assert_int_equal(rd32(f, VTDM_REG_FEUADDR), 1);
	assert_int_equal(rd64(f, VTDM_REG_FEADDR), 0x00000001fee0000cull);
	/* A misaligned 64-bit access does nothing. */
	vtd_model_write(&f->m, VTDM_REG_FEDATA, 8, ~0ull);
	assert_int_equal(rd32(f, VTDM_REG_FEDATA), 0);
}

static void test_gcmd_status_delay(void **state)
{
	struct fix *f = *state;
	struct vtd_dma_result r;

	model_init(f, CAP_DEFAULT, ECAP_DEFAULT, 3);
	wr64(f, VTDM_REG_RTADDR, f->root);
	wr32(f, VTDM_REG_GCMD, VTDM_GCMD_SRTP);
	for (int i = 0; i < 3; i++)
		assert_false(rd32(f, VTDM_REG_GSTS) & VTDM_GSTS_RTPS);
	assert_true(rd32(f, VTDM_REG_GSTS) & VTDM_GSTS_RTPS);
	assert_int_equal(f->m.stats.srtp, 1);

	/* TE: while the status does not show, translation is not on either. */
	wr32(f, VTDM_REG_GCMD, VTDM_GCMD_TE);
	assert_int_equal(vtd_model_dma(&f->m, SID(0, 1, 0), 0x5000, 4, 0, &r), 0);
	assert_int_equal(r.phys, 0x5000);
	for (int i = 0; i < 3; i++)
		assert_false(rd32(f, VTDM_REG_GSTS) & VTDM_GSTS_TES);
	assert_int_equal(rd32(f, VTDM_REG_GSTS), VTDM_GSTS_TES | VTDM_GSTS_RTPS);
	/* Now it is: the root table is empty. */
	assert_int_equal(vtd_model_dma(&f->m, SID(0, 1, 0), 0x5000, 4, 0, &r), -1);
	assert_int_equal(r.fault_reason, VTDM_FR_ROOT_NOT_PRESENT);

	/* Turning TE off takes as long. */
	wr32(f, VTDM_REG_GCMD, 0);
	assert_true(rd32(f, VTDM_REG_GSTS) & VTDM_GSTS_TES);
	wait_gsts(f, VTDM_GSTS_TES, 0);
	assert_int_equal(f->m.stats.te_without_root, 0);
}

static void test_gcmd_stuck(void **state)
{
	struct fix *f = *state;

	model_init(f, CAP_DEFAULT | VTDM_CAP_RWBF, ECAP_DEFAULT, 0);
	/* SRTP that never completes: RTPS goes clear and stays clear. */
	srtp(f, f->root);
	f->m.inject.stuck_gsts = VTDM_GSTS_RTPS;
	wr32(f, VTDM_REG_GCMD, VTDM_GCMD_SRTP);
	for (int i = 0; i < 1000; i++)
		assert_false(rd32(f, VTDM_REG_GSTS) & VTDM_GSTS_RTPS);
	f->m.inject.stuck_gsts = 0;
	assert_true(rd32(f, VTDM_REG_GSTS) & VTDM_GSTS_RTPS);

	/* TE that never shows, and never takes effect. */
	f->m.inject.stuck_gsts = VTDM_GSTS_TES;
	wr32(f, VTDM_REG_GCMD, VTDM_GCMD_TE);
	for (int i = 0; i < 1000; i++)
		assert_false(rd32(f, VTDM_REG_GSTS) & VTDM_GSTS_TES);
	assert_int_equal(xlate(f, SID(0, 1, 0), 0x7000, 0), 0x7000);
	f->m.inject.stuck_gsts = 0;
	wait_gsts(f, VTDM_GSTS_TES, 1);

	/* A write-buffer flush that never ends: WBFS stays set. */
	f->m.inject.stuck_gsts = VTDM_GSTS_WBFS;
	wr32(f, VTDM_REG_GCMD, VTDM_GCMD_TE | VTDM_GCMD_WBF);
	for (int i = 0; i < 1000; i++)
		assert_true(rd32(f, VTDM_REG_GSTS) & VTDM_GSTS_WBFS);
	assert_int_equal(f->m.stats.wbf, 0);
	f->m.inject.stuck_gsts = 0;
	wait_gsts(f, VTDM_GSTS_WBFS, 0);
	assert_int_equal(f->m.stats.wbf, 1);

	/* QIE and IRE likewise. */
	f->m.inject.stuck_gsts = VTDM_GSTS_QIES | VTDM_GSTS_IRES;
	wr64(f, VTDM_REG_IQA, page(f));
	wr32(f, VTDM_REG_GCMD, VTDM_GCMD_TE | VTDM_GCMD_QIE);
	for (int i = 0; i < 100; i++)
		assert_false(rd32(f, VTDM_REG_GSTS) & VTDM_GSTS_QIES);
	wr32(f, VTDM_REG_GCMD, VTDM_GCMD_TE | VTDM_GCMD_QIE | VTDM_GCMD_IRE);
	for (int i = 0; i < 100; i++)
		assert_false(rd32(f, VTDM_REG_GSTS) & VTDM_GSTS_IRES);
	assert_true(rd32(f, VTDM_REG_GSTS) & VTDM_GSTS_TES);
}

static void test_sirtp(void **state)
{
	struct fix *f = *state;

	model_init(f, CAP_DEFAULT, ECAP_DEFAULT, 1);
	wr64(f, VTDM_REG_IRTA, 0x9000f);
	wr32(f, VTDM_REG_GCMD, VTDM_GCMD_SIRTP);
	assert_false(rd32(f, VTDM_REG_GSTS) & VTDM_GSTS_IRTPS);
	assert_true(rd32(f, VTDM_REG_GSTS) & VTDM_GSTS_IRTPS);
	assert_int_equal(f->m.irta_latched, 0x9000f);
	/* The register may change; the latched value stays until the next SIRTP. */
	wr64(f, VTDM_REG_IRTA, 0xa000f);
	assert_int_equal(f->m.irta_latched, 0x9000f);
	/* A stuck SIRTP: IRTPS cleared by the command, never set again. */
	f->m.inject.stuck_gsts = VTDM_GSTS_IRTPS;
	wr32(f, VTDM_REG_GCMD, VTDM_GCMD_SIRTP);
	for (int i = 0; i < 100; i++)
		assert_false(rd32(f, VTDM_REG_GSTS) & VTDM_GSTS_IRTPS);
	assert_int_equal(f->m.irta_latched, 0x9000f);
	f->m.inject.stuck_gsts = 0;
	wait_gsts(f, VTDM_GSTS_IRTPS, 1);
	assert_int_equal(f->m.irta_latched, 0xa000f);
	assert_int_equal(f->m.stats.sirtp, 2);
	/* IRE and CFI are persistent. */
	gcmd(f, VTDM_GCMD_IRE, 1);
	gcmd(f, VTDM_GCMD_CFI, 1);
	assert_int_equal(rd32(f, VTDM_REG_GSTS) & PERSIST, VTDM_GSTS_IRES | VTDM_GSTS_CFIS);
	gcmd(f, VTDM_GCMD_IRE, 0);
	assert_int_equal(rd32(f, VTDM_REG_GSTS) & PERSIST, VTDM_GSTS_CFIS);
}

static void test_gcmd_whole_command(void **state)
{
	struct fix *f = *state;

	te_on(f);
	qi_enable(f);
	assert_int_equal(rd32(f, VTDM_REG_GSTS) & PERSIST, VTDM_GSTS_TES | VTDM_GSTS_QIES);
	assert_int_equal(f->m.stats.gcmd_multi, 0);
	/* A driver that writes only the bit it wants turns QI off. */
	wr32(f, VTDM_REG_GCMD, VTDM_GCMD_TE | VTDM_GCMD_IRE);
	assert_int_equal(rd32(f, VTDM_REG_GSTS) & PERSIST, VTDM_GSTS_TES | VTDM_GSTS_IRES);
	/* Two changes in one write are carried out and counted. */
	wr32(f, VTDM_REG_GCMD, VTDM_GCMD_QIE);
	assert_int_equal(rd32(f, VTDM_REG_GSTS) & PERSIST, VTDM_GSTS_QIES);
	assert_int_equal(f->m.stats.gcmd_multi, 2);
	/* Without ECAP.IR, IRE is ignored; without CAP.RWBF, WBF is ignored and counted. */
	model_init(f, CAP_DEFAULT, VTDM_ECAP_QI | (uint64_t)(IRO / 16) << 8, 0);
	wr32(f, VTDM_REG_GCMD, VTDM_GCMD_IRE | VTDM_GCMD_CFI | VTDM_GCMD_WBF);
	assert_int_equal(rd32(f, VTDM_REG_GSTS), 0);
	assert_int_equal(f->m.stats.wbf_unneeded, 1);
	/* Without ECAP.QI, QIE is ignored. */
	model_init(f, CAP_DEFAULT, (uint64_t)(IRO / 16) << 8, 0);
	wr32(f, VTDM_REG_GCMD, VTDM_GCMD_QIE);
	assert_int_equal(rd32(f, VTDM_REG_GSTS), 0);
}

static void test_srtp_latch(void **state)
{
	struct fix *f = *state;
	uint16_t sid = SID(0, 3, 0);
	uint64_t slpt, root2, ctp2;

	slpt = domain(f, sid, 2, 1);
	map(f, slpt, 4, 0x10000, 0x200000, 1, RW);
	te_on(f);
	assert_int_equal(xlate(f, sid, 0x10000, 0), 0x200000);

	/* A second root table, where the device is elsewhere. */
	root2 = page(f);
	ctp2 = page(f);
	slpt = page(f);
	put64(f, root2, ctp2 | 1);
	put64(f, ctp2 + (sid & 0xff) * 16, ctx_lo(slpt, 0, 0));
	put64(f, ctp2 + (sid & 0xff) * 16 + 8, ctx_hi(2, 2));
	map(f, slpt, 4, 0x10000, 0x300000, 1, RW);

	/* Writing RTADDR alone changes nothing... */
	wr64(f, VTDM_REG_RTADDR, root2);
	flush_all(f);
	assert_int_equal(xlate(f, sid, 0x10000, 0), 0x200000);
	/* ... SRTP latches it, but the cached context still rules ... */
	wr32(f, VTDM_REG_GCMD, VTDM_GCMD_TE | VTDM_GCMD_SRTP);
	wait_gsts(f, VTDM_GSTS_RTPS, 1);
	assert_true(rd32(f, VTDM_REG_GSTS) & VTDM_GSTS_TES);
	assert_int_equal(xlate(f, sid, 0x10000, 0), 0x200000);
	/* ... until software invalidates globally. */
	flush_all(f);
	assert_int_equal(xlate(f, sid, 0x10000, 0), 0x300000);

	/* With CAP.ESRTPS, SRTP invalidates by itself. */
	model_init(f, CAP_DEFAULT | VTDM_CAP_ESRTPS, ECAP_DEFAULT, 0);
	te_on(f);
	assert_int_equal(xlate(f, sid, 0x10000, 0), 0x200000);
	srtp(f, root2);
	assert_int_equal(xlate(f, sid, 0x10000, 0), 0x300000);
	assert_int_equal(f->m.stats.esrtps_flushes, 2);
}

/* ---- Tests: translation ---- */

static void test_translate_3level_4k(void **state)
{
	struct fix *f = *state;
	uint16_t sid = SID(1, 2, 3);
	uint64_t slpt = domain(f, sid, 1, 5);
	struct vtd_dma_result r;

	map(f, slpt, 3, 0x1234000, 0x567000, 1, RW);
	map(f, slpt, 3, 0x7ffffff000ull, 0x9000, 1, R); /* the last page of 39 bits */
	te_on(f);
	assert_int_equal(xlate(f, sid, 0x1234010, 0), 0x567010);
	assert_int_equal(xlate(f, sid, 0x1234ff8, 1), 0x567ff8);
	assert_int_equal(xlate(f, sid, 0x7ffffff123ull, 0), 0x9123);
	/* Another device with no context entry on the same bus, another function. */
	expect_fault(f, SID(1, 2, 4), 0x1234000, 0, VTDM_FR_CTX_NOT_PRESENT);
	/* An unmapped page: a read fault, recorded with T = 1. */
	expect_fault(f, sid, 0x2000, 0, VTDM_FR_READ);
	/* Data really moves through the translation. */
	memset(ptr(f, 0x567000, 16), 0, 16);
	assert_int_equal(vtd_model_dma_write(&f->m, sid, 0x1234004, "hello", 5, &r), 0);
	assert_memory_equal(ptr(f, 0x567004, 5), "hello", 5);
	assert_int_equal(f->m.stats.dma_ok, 4);
}

static void test_translate_large_pages(void **state)
{
	struct fix *f = *state;
	uint16_t sid = SID(0, 4, 0);
	uint64_t slpt = domain(f, sid, 2, 7);
	unsigned long hits, misses;

	map(f, slpt, 4, 0x40000000ull, 0x600000, 2, RW);	 /* 2 MiB */
	map(f, slpt, 4, 0x8000000000ull, 0x1c0000000ull, 3, RW); /* 1 GiB */
	map(f, slpt, 4, 0x40200000ull, 0x800000, 1, R);		 /* 4 KiB next to it */
	te_on(f);
	assert_int_equal(xlate(f, sid, 0x40000000ull, 0), 0x600000);
	misses = f->m.stats.iotlb_misses;
	hits = f->m.stats.iotlb_hits;
	/* Anywhere in the 2 MiB leaf: served by the one IOTLB entry. */
	assert_int_equal(xlate(f, sid, 0x401fff00ull, 1), 0x7fff00);
	assert_int_equal(xlate(f, sid, 0x40123456ull, 0), 0x723456);
	assert_int_equal(f->m.stats.iotlb_misses, misses);
	assert_int_equal(f->m.stats.iotlb_hits, hits + 2);
	/* 1 GiB leaf. */
	assert_int_equal(xlate(f, sid, 0x8000000000ull + 0x3fffff00ull, 0), 0x1ffffff00ull);
	assert_int_equal(xlate(f, sid, 0x8000012345ull, 1), 0x1c0012345ull);
	assert_int_equal(f->m.stats.iotlb_misses, misses + 1);
	/* The 4 KiB page next to the 2 MiB one is its own entry, read-only. */
	assert_int_equal(xlate(f, sid, 0x40200010ull, 0), 0x800010);
	expect_fault(f, sid, 0x40200010ull, 1, VTDM_FR_WRITE);
	assert_int_equal(vtd_model_iotlb_count(&f->m), 3);
}

static void test_translate_5level(void **state)
{
	struct fix *f = *state;
	uint16_t sid = SID(2, 0, 0);
	uint64_t slpt;
	uint64_t iova = (1ull << 56) | 0x123456789000ull;

	/* 57-bit AGAW supported, 57-bit MGAW. */
	model_init(f, (CAP_DEFAULT & ~(0x1full << 8 | 0x3full << 16)) | 0xeull << 8 | 56ull << 16,
		   ECAP_DEFAULT, 0);
	slpt = domain(f, sid, 3, 9);
	map(f, slpt, 5, iova, 0xa000, 1, RW);
	map(f, slpt, 5, 0x200000, 0xc00000, 2, RW);
	te_on(f);
	assert_int_equal(xlate(f, sid, iova | 0x42, 1), 0xa042);
	assert_int_equal(xlate(f, sid, 0x2abcde, 0), 0xcabcde);
	expect_fault(f, sid, iova + 0x1000, 0, VTDM_FR_READ);
	expect_fault(f, sid, 1ull << 57, 0, VTDM_FR_ADDR_WIDTH);
	/* The default unit has no 5-level tables: AW 3 is invalid there. */
	model_init(f, CAP_DEFAULT, ECAP_DEFAULT, 0);
	te_on(f);
	expect_fault(f, sid, 0x2abcde, 0, VTDM_FR_CTX_INVALID);
}

static void test_large_page_support(void **state)
{
	struct fix *f = *state;
	uint16_t sid = SID(0, 5, 0);
	uint64_t slpt = domain(f, sid, 2, 3);

	map(f, slpt, 4, 0x200000, 0x400000, 2, RW);
	map(f, slpt, 4, 0x40000000ull, 0x40000000ull, 3, RW);
	map(f, slpt, 4, 0x600000, 0x601000, 2, RW); /* misaligned 2 MiB leaf */
	/* No large pages at all. */
	model_init(f, CAP_DEFAULT & ~(0xfull << 34), ECAP_DEFAULT, 0);
	te_on(f);
	expect_fault(f, sid, 0x200000, 0, VTDM_FR_PT_RSVD);
	expect_fault(f, sid, 0x40000000ull, 0, VTDM_FR_PT_RSVD);
	/* 2 MiB only. */
	model_init(f, (CAP_DEFAULT & ~(0xfull << 34)) | 1ull << 34, ECAP_DEFAULT, 0);
	te_on(f);
	assert_int_equal(xlate(f, sid, 0x200000, 0), 0x400000);
	expect_fault(f, sid, 0x40000000ull, 0, VTDM_FR_PT_RSVD);
	expect_fault(f, sid, 0x600000, 0, VTDM_FR_PT_RSVD);
	/* Both. */
	model_init(f, CAP_DEFAULT, ECAP_DEFAULT, 0);
	te_on(f);
	assert_int_equal(xlate(f, sid, 0x40000008ull, 0), 0x40000008ull);
}

static void test_fault_reasons(void **state)
{
	struct fix *f = *state;
	uint64_t slpt, pte;

	te_on(f);
	/* 1: no context table for bus 5. */
	expect_fault(f, SID(5, 0, 0), 0x1000, 0, VTDM_FR_ROOT_NOT_PRESENT);
	/* 2: context entry not present. */
	set_ctx(f, SID(0, 1, 0), 0, ctx_hi(2, 1));
	expect_fault(f, SID(0, 1, 0), 0x1000, 1, VTDM_FR_CTX_NOT_PRESENT);
	/* 3: AW not supported (57-bit, 0), TT reserved, TT 01 without DT. */
	slpt = page(f);
	set_ctx(f, SID(0, 2, 0), ctx_lo(slpt, 0, 0), ctx_hi(3, 1));
	set_ctx(f, SID(0, 2, 1), ctx_lo(slpt, 0, 0), ctx_hi(0, 1));
	set_ctx(f, SID(0, 2, 2), ctx_lo(slpt, 3, 0), ctx_hi(2, 1));
	set_ctx(f, SID(0, 2, 3), ctx_lo(slpt, 1, 0), ctx_hi(2, 1));
	expect_fault(f, SID(0, 2, 0), 0x1000, 0, VTDM_FR_CTX_INVALID);
	expect_fault(f, SID(0, 2, 1), 0x1000, 0, VTDM_FR_CTX_INVALID);
	expect_fault(f, SID(0, 2, 2), 0x1000, 1, VTDM_FR_CTX_INVALID);
	expect_fault(f, SID(0, 2, 3), 0x1000, 0, VTDM_FR_CTX_INVALID);
	/* 4: beyond the 39-bit AGAW, and beyond a 48-bit AGAW. */
	slpt = domain(f, SID(0, 3, 0), 1, 2);
	map(f, slpt, 3, 0x1000, 0x1000, 1, RW);
	expect_fault(f, SID(0, 3, 0), 1ull << 39, 0, VTDM_FR_ADDR_WIDTH);
	slpt = domain(f, SID(0, 3, 1), 2, 2);
	expect_fault(f, SID(0, 3, 1), 1ull << 48, 1, VTDM_FR_ADDR_WIDTH);
	/* 5 and 6: permissions, the AND over all levels. */
	slpt = domain(f, SID(0, 4, 0), 2, 3);
	map(f, slpt, 4, 0x1000, 0x1000, 1, R);
	map(f, slpt, 4, 0x2000, 0x2000, 1, W);
	map(f, slpt, 4, 0x400000000ull, 0x3000, 1, RW);
	/* The level-3 entry above 0x400000000 is made read-only. */
	pte = slpt + 0; /* PML4 entry 0 */
	pte = (get64(f, pte) & ~0xfffull) + ((0x400000000ull >> 30) & 511) * 8;
	put64(f, pte, (get64(f, pte) & ~W));
	expect_fault(f, SID(0, 4, 0), 0x1000, 1, VTDM_FR_WRITE);
	expect_fault(f, SID(0, 4, 0), 0x2000, 0, VTDM_FR_READ);
	assert_int_equal(xlate(f, SID(0, 4, 0), 0x1000, 0), 0x1000);
	assert_int_equal(xlate(f, SID(0, 4, 0), 0x2000, 1), 0x2000);
	assert_int_equal(xlate(f, SID(0, 4, 0), 0x400000008ull, 0), 0x3008);
	expect_fault(f, SID(0, 4, 0), 0x400000008ull, 1, VTDM_FR_WRITE);
	/* 7: second-level table where there is no memory. */
	set_ctx(f, SID(0, 5, 0), ctx_lo(NO_RAM, 0, 0), ctx_hi(2, 4));
	expect_fault(f, SID(0, 5, 0), 0x1000, 0, VTDM_FR_PT_ACCESS);
	slpt = domain(f, SID(0, 5, 1), 2, 4);
	put64(f, slpt, NO_RAM | RW);
	expect_fault(f, SID(0, 5, 1), 0x1000, 1, VTDM_FR_PT_ACCESS);
	/* 9: a context table where there is no memory. */
	put64(f, f->root + 7 * 16, NO_RAM | 1);
	expect_fault(f, SID(7, 0, 0), 0x1000, 0, VTDM_FR_CTX_ACCESS);
	/* A: reserved bits in a present root entry (low 11:1, high qword, above MGAW). */
	put64(f, f->root + 8 * 16, page(f) | 1 | 1u << 3);
	put64(f, f->root + 9 * 16, page(f) | 1);
	put64(f, f->root + 9 * 16 + 8, 1);
	put64(f, f->root + 10 * 16, (page(f) | 1) | 1ull << 50);
	expect_fault(f, SID(8, 0, 0), 0x1000, 0, VTDM_FR_ROOT_RSVD);
	expect_fault(f, SID(9, 0, 0), 0x1000, 0, VTDM_FR_ROOT_RSVD);
	expect_fault(f, SID(10, 0, 0), 0x1000, 0, VTDM_FR_ROOT_RSVD);
	/* B: reserved bits in a present context entry. */
	slpt = page(f);
	set_ctx(f, SID(0, 6, 0), ctx_lo(slpt, 0, 0) | 1u << 4, ctx_hi(2, 1));
	set_ctx(f, SID(0, 6, 1), ctx_lo(slpt, 0, 0), ctx_hi(2, 1) | 1u << 7);
	set_ctx(f, SID(0, 6, 2), ctx_lo(slpt, 0, 0), ctx_hi(2, 0x100)); /* DID > 8 bits */
	set_ctx(f, SID(0, 6, 3), ctx_lo(slpt, 0, 0) | 1ull << 48, ctx_hi(2, 1));
	set_ctx(f, SID(0, 6, 4), ctx_lo(slpt, 0, 0), ctx_hi(2, 1) | 1ull << 40);
	for (unsigned fn = 0; fn < 5; fn++)
		expect_fault(f, SID(0, 6, fn), 0x1000, 0, VTDM_FR_CTX_RSVD);
	/* ... while the ignored bits 6:3 of the high qword are not reserved. */
	set_ctx(f, SID(0, 6, 5), ctx_lo(slpt, 0, 0), ctx_hi(2, 1) | 0x78);
	expect_fault(f, SID(0, 6, 5), 0x1000, 0, VTDM_FR_READ);
	/* C: reserved bits in second-level entries. */
	slpt = domain(f, SID(0, 7, 0), 2, 6);
	map(f, slpt, 4, 0x1000, 0x1000 | 1u << 11, 1, RW);     /* SNP without ECAP.SC */
	map(f, slpt, 4, 0x2000, 0x2000 | 1ull << 50, 1, RW);   /* above MGAW */
	map(f, slpt, 4, 0x3000, 0x3000 | 1ull << 62, 1, RW);   /* TM without ECAP.DT */
	map(f, slpt, 4, 0x4000, 0x4000 | 0xfull << 52, 1, RW); /* ignored bits: fine */
	expect_fault(f, SID(0, 7, 0), 0x1000, 0, VTDM_FR_PT_RSVD);
	expect_fault(f, SID(0, 7, 0), 0x2000, 1, VTDM_FR_PT_RSVD);
	expect_fault(f, SID(0, 7, 0), 0x3000, 0, VTDM_FR_PT_RSVD);
	assert_int_equal(xlate(f, SID(0, 7, 0), 0x4000, 0), 0x4000);
	put64(f, slpt, get64(f, slpt) | 1u << 11); /* non-leaf bit 11 */
	flush_all(f);
	expect_fault(f, SID(0, 7, 0), 0x4000, 0, VTDM_FR_PT_RSVD);
	/* 8: the root table itself where there is no memory. */
	srtp(f, NO_RAM);
	flush_all(f);
	expect_fault(f, SID(0, 4, 0), 0x1000, 0, VTDM_FR_ROOT_ACCESS);
	assert_int_equal(rd32(f, VTDM_REG_FSTS) & 0xff, 0);
}

/* MGAW narrower than the domain's AGAW: both the input and the host addresses are bound by it. */
static void test_mgaw_limits(void **state)
{
	struct fix *f = *state;
	uint16_t sid = SID(0, 1, 0);
	uint64_t slpt = domain(f, sid, 2, 1); /* 48-bit AGAW */

	map(f, slpt, 4, 0x1000, 0x5000, 1, RW);
	map(f, slpt, 4, 0x2000, 0x8000000000ull, 1, RW); /* bit 39 of the host address */
	map(f, slpt, 4, 0x4000000000ull, 0x6000, 1, RW); /* bit 38 of the input address */
	/* The default unit (48-bit MGAW) takes all of them. */
	te_on(f);
	assert_int_equal(xlate(f, sid, 0x2000, 0), 0x8000000000ull);
	assert_int_equal(xlate(f, sid, 0x4000000000ull, 0), 0x6000);
	/* A 39-bit MGAW: inputs from 2^39 are beyond it, host bits from 39 reserved. */
	model_init(f, (CAP_DEFAULT & ~(0x3full << 16)) | 38ull << 16, ECAP_DEFAULT, 0);
	te_on(f);
	assert_int_equal(xlate(f, sid, 0x1000, 1), 0x5000);
	assert_int_equal(xlate(f, sid, 0x4000000000ull, 0), 0x6000);
	expect_fault(f, sid, 0x8000000000ull, 0, VTDM_FR_ADDR_WIDTH);
	expect_fault(f, sid, 0x2000, 0, VTDM_FR_PT_RSVD);
	/* RTADDR keeps no bits from 39 up either. */
	wr64(f, VTDM_REG_RTADDR, 0xc000001000ull);
	assert_int_equal(rd64(f, VTDM_REG_RTADDR), 0x4000001000ull);
}

static void test_passthrough(void **state)
{
	struct fix *f = *state;
	struct vtd_dma_result r;

	set_ctx(f, SID(0, 8, 0), ctx_lo(0, 2, 0), ctx_hi(2, 8));
	te_on(f);
	assert_int_equal(xlate(f, SID(0, 8, 0), 0x123456789ull, 1), 0x123456789ull);
	/* No IOTLB involved. */
	assert_int_equal(vtd_model_iotlb_count(&f->m), 0);
	/* Still bound by the context's address width. */
	expect_fault(f, SID(0, 8, 0), 1ull << 48, 0, VTDM_FR_ADDR_WIDTH);
	/* Without ECAP.PT, TT 10 is invalid. */
	model_init(f, CAP_DEFAULT, ECAP_DEFAULT & ~VTDM_ECAP_PT, 0);
	te_on(f);
	assert_int_equal(vtd_model_dma(&f->m, SID(0, 8, 0), 0x1000, 4, 0, &r), -1);
	assert_int_equal(r.fault_reason, VTDM_FR_CTX_INVALID);
}

static void test_te_off_untranslated(void **state)
{
	struct fix *f = *state;
	struct vtd_dma_result r;
	char buf[8];

	domain(f, SID(0, 1, 0), 2, 1); /* tables exist, but TE is off */
	assert_int_equal(xlate(f, SID(0, 1, 0), 0x3456, 1), 0x3456);
	assert_int_equal(f->m.stats.ctx_misses + f->m.stats.iotlb_misses, 0);
	memcpy(ptr(f, 0x5000, 8), "abcdefgh", 8);
	assert_int_equal(vtd_model_dma_read(&f->m, SID(0, 1, 0), 0x5000, buf, 8, &r), 0);
	assert_memory_equal(buf, "abcdefgh", 8);
	/* Memory that is not there: a bus error, not a remapping fault. */
	assert_int_equal(vtd_model_dma_read(&f->m, SID(0, 1, 0), NO_RAM, buf, 8, &r), -1);
	assert_int_equal(r.bus_error, 1);
	assert_int_equal(r.recorded, 0);
	assert_int_equal(f->m.stats.dma_bus_errors, 1);
}

static void test_cross_page(void **state)
{
	struct fix *f = *state;
	uint16_t sid = SID(3, 1, 0);
	uint64_t slpt = domain(f, sid, 2, 1);
	struct vtd_dma_result r;

	map(f, slpt, 4, 0x10000, 0x20000, 1, RW);
	map(f, slpt, 4, 0x11000, 0x50000, 1, RW); /* not contiguous in memory */
	map(f, slpt, 4, 0x12000, 0x60000, 1, R);
	te_on(f);
	/* Two pages: the data lands in both. */
	assert_int_equal(vtd_model_dma_write(&f->m, sid, 0x10ffe, "WXYZ", 4, &r), 0);
	assert_int_equal(r.phys, 0x20ffe);
	assert_memory_equal(ptr(f, 0x20ffe, 2), "WX", 2);
	assert_memory_equal(ptr(f, 0x50000, 2), "YZ", 2);
	/* The third page is read-only: a write across it faults there. */
	assert_int_equal(vtd_model_dma(&f->m, sid, 0x11f00, 0x200, 1, &r), -1);
	assert_int_equal(r.fault_reason, VTDM_FR_WRITE);
	assert_int_equal(r.fault_addr, 0x12000);
	check_record(f, 0, sid, 0x12000, VTDM_FR_WRITE, 1);
	/* Reads across all three are fine; the fourth page is not mapped. */
	assert_int_equal(vtd_model_dma(&f->m, sid, 0x10000, 0x3000, 0, &r), 0);
	assert_int_equal(vtd_model_dma(&f->m, sid, 0x10000, 0x3001, 0, &r), -1);
	assert_int_equal(r.fault_addr, 0x13000);
}

/* ---- Tests: faults ---- */

static void test_fault_overflow(void **state)
{
	struct fix *f = *state;
	struct vtd_dma_result r;

	te_on(f);
	/* FECTL.IM is set at reset: the first fault leaves the event pending. */
	wr32(f, VTDM_REG_FEDATA, 0x41);
	wr32(f, VTDM_REG_FEADDR, 0xfee00000u);
	for (unsigned i = 0; i < NREC; i++) {
		assert_int_equal(fri(f), i);
		vtd_model_dma(&f->m, SID(4, 0, i), 0x1000 * (i + 1), 4, (int)(i & 1), &r);
		assert_int_equal(r.recorded, 1);
		check_record(f, i, SID(4, 0, i), 0x1000 * (i + 1), VTDM_FR_ROOT_NOT_PRESENT,
			     (int)(i & 1));
	}
	assert_int_equal(fri(f), 0);
	/* Drivers read records in 32-bit pieces too. */
	assert_int_equal(rd32(f, FRO + 16 + 8), SID(4, 0, 1));
	assert_int_equal(rd32(f, FRO + 16 + 12), 0x80000000u | VTDM_FR_ROOT_NOT_PRESENT);
	assert_int_equal(rd32(f, FRO + 32 + 12), 0xc0000000u | VTDM_FR_ROOT_NOT_PRESENT);
	assert_int_equal(rd32(f, FRO + 16), 0x2000);
	assert_int_equal(rd32(f, FRO + 16 + 4), 0);
	assert_int_equal(rd32(f, VTDM_REG_FSTS) & 0xff, VTDM_FSTS_PPF);
	assert_int_equal(rd32(f, VTDM_REG_FECTL), VTDM_FECTL_IM | VTDM_FECTL_IP);
	assert_int_equal(f->m.stats.fault_events, 0);
	/* The slot at FRI is full: the fault is lost, PFO set. */
	vtd_model_dma(&f->m, SID(4, 1, 0), 0x9000, 4, 0, &r);
	assert_int_equal(r.ok, 0);
	assert_int_equal(r.recorded, 0);
	assert_int_equal(r.fault_reason, VTDM_FR_ROOT_NOT_PRESENT);
	assert_int_equal(rd32(f, VTDM_REG_FSTS), VTDM_FSTS_PPF | VTDM_FSTS_PFO);
	assert_int_equal(f->m.stats.faults_dropped, 1);
	assert_int_equal(f->m.stats.faults_recorded, NREC);
	check_record(f, 0, SID(4, 0, 0), 0x1000, VTDM_FR_ROOT_NOT_PRESENT, 0);
	/* Unmasking delivers the pending event once. */
	wr32(f, VTDM_REG_FECTL, 0);
	assert_int_equal(rd32(f, VTDM_REG_FECTL), 0);
	assert_int_equal(f->m.stats.fault_events, 1);
	assert_int_equal(f->m.fault_msi_data, 0x41);
	assert_int_equal(f->m.fault_msi_addr, 0xfee00000u);
	/* Clearing record 0 frees the slot at FRI; the next fault goes there. */
	clear_record(f, 0);
	vtd_model_dma(&f->m, SID(4, 2, 0), 0xa000, 4, 1, &r);
	assert_int_equal(r.recorded, 1);
	check_record(f, 0, SID(4, 2, 0), 0xa000, VTDM_FR_ROOT_NOT_PRESENT, 1);
	assert_int_equal(fri(f), 1);
	/* PFO is write-1-to-clear; PPF follows the F bits; FRI and PPF ignore writes. */
	wr32(f, VTDM_REG_FSTS, 0xffffffffu & ~VTDM_FSTS_IQE);
	assert_int_equal(rd32(f, VTDM_REG_FSTS), VTDM_FSTS_PPF | 1u << 8);
	for (unsigned i = 0; i < NREC; i++)
		clear_record(f, i);
	assert_int_equal(rd32(f, VTDM_REG_FSTS), 1u << 8);
	/* With nothing pending and IM clear, a new fault raises an event at once. */
	vtd_model_dma(&f->m, SID(4, 3, 0), 0xb000, 4, 0, &r);
	assert_int_equal(f->m.stats.fault_events, 2);
	/* ... but not while PPF is still set. */
	vtd_model_dma(&f->m, SID(4, 3, 1), 0xb000, 4, 0, &r);
	assert_int_equal(f->m.stats.fault_events, 2);
	assert_int_equal(f->m.stats.faults_recorded, NREC + 3);
}

static void test_fpd(void **state)
{
	struct fix *f = *state;
	struct vtd_dma_result r;
	uint64_t slpt = page(f);

	/* FPD counts even in a not-present entry. */
	set_ctx(f, SID(0, 9, 0), 2, 0);
	set_ctx(f, SID(0, 9, 1), ctx_lo(slpt, 0, 1), ctx_hi(2, 1));
	te_on(f);
	assert_int_equal(vtd_model_dma(&f->m, SID(0, 9, 0), 0x1000, 4, 0, &r), -1);
	assert_int_equal(r.fault_reason, VTDM_FR_CTX_NOT_PRESENT);
	assert_int_equal(r.recorded, 0);
	assert_int_equal(vtd_model_dma(&f->m, SID(0, 9, 1), 0x1000, 4, 1, &r), -1);
	assert_int_equal(r.fault_reason, VTDM_FR_WRITE);
	assert_int_equal(r.recorded, 0);
	assert_int_equal(f->m.stats.faults_suppressed, 2);
	assert_int_equal(rd32(f, VTDM_REG_FSTS), 0);
	assert_int_equal(rd64(f, FRO + 8), 0);
	/* The same without FPD is recorded. */
	set_ctx(f, SID(0, 9, 2), ctx_lo(slpt, 0, 0), ctx_hi(2, 1));
	expect_fault(f, SID(0, 9, 2), 0x1000, 1, VTDM_FR_WRITE);
}

/* ---- Tests: protected memory regions ---- */

static void test_pmr(void **state)
{
	struct fix *f = *state;
	struct vtd_dma_result r;
	uint16_t sid = SID(0, 1, 0);
	uint64_t slpt;

	model_init(f, CAP_DEFAULT, ECAP_DEFAULT, 2);
	/* Low region [2 MiB, 6 MiB), high region [4 GiB, 4 GiB + 2 MiB). */
	wr32(f, VTDM_REG_PLMBASE, 0x002fffffu);
	wr32(f, VTDM_REG_PLMLIMIT, 0x00400000u);
	wr64(f, VTDM_REG_PHMBASE, 0x100000000ull);
	wr64(f, VTDM_REG_PHMLIMIT, 0x100000000ull);
	assert_int_equal(rd32(f, VTDM_REG_PLMBASE), 0x00200000u);
	assert_int_equal(rd32(f, VTDM_REG_PLMLIMIT), 0x00400000u);
	wr32(f, VTDM_REG_PMEN, VTDM_PMEN_EPM);
	assert_int_equal(rd32(f, VTDM_REG_PMEN), VTDM_PMEN_EPM);
	assert_int_equal(rd32(f, VTDM_REG_PMEN), VTDM_PMEN_EPM);
	assert_int_equal(rd32(f, VTDM_REG_PMEN), VTDM_PMEN_EPM | VTDM_PMEN_PRS);

	/* TE off. */
	assert_int_equal(vtd_model_dma(&f->m, sid, 0x300000, 4, 0, &r), -1);
	assert_int_equal(r.blocked_by_pmr, 1);
	assert_int_equal(r.fault_reason, 0);
	assert_int_equal(r.recorded, 0);
	assert_int_equal(xlate(f, sid, 0x1ffff8, 1), 0x1ffff8);
	assert_int_equal(vtd_model_dma(&f->m, sid, 0x1ffff8, 16, 1, &r), -1); /* touches */
	assert_int_equal(vtd_model_dma(&f->m, sid, 0x5ffffc, 4, 0, &r), -1);  /* last bytes */
	assert_int_equal(xlate(f, sid, 0x600000, 0), 0x600000);
	assert_int_equal(vtd_model_dma(&f->m, sid, 0xfffff000ull, 0x2000, 1, &r), -1);
	assert_int_equal(r.fault_addr, 0x100000000ull);
	assert_int_equal(xlate(f, sid, 0x100200000ull, 0), 0x100200000ull);
	assert_int_equal(f->m.stats.dma_blocked_pmr, 4);
	assert_int_equal(rd32(f, VTDM_REG_FSTS), 0);

	/* TE on: remapped requests into a region are blocked by default... */
	slpt = domain(f, sid, 2, 1);
	map(f, slpt, 4, 0x1000, 0x300000, 1, RW);
	set_ctx(f, SID(0, 2, 0), ctx_lo(0, 2, 0), ctx_hi(2, 2));
	te_on(f);
	assert_int_equal(vtd_model_dma(&f->m, sid, 0x1000, 4, 0, &r), -1);
	assert_int_equal(r.blocked_by_pmr, 1);
	/* ... or not, as the spec also allows; pass-through always is. */
	f->m.pmr_skip_remapped = 1;
	assert_int_equal(xlate(f, sid, 0x1000, 0), 0x300000);
	assert_int_equal(vtd_model_dma(&f->m, SID(0, 2, 0), 0x300000, 4, 0, &r), -1);
	assert_int_equal(r.blocked_by_pmr, 1);

	/* Clearing EPM releases everything once PRS has cleared. */
	wr32(f, VTDM_REG_PMEN, 0);
	assert_true(rd32(f, VTDM_REG_PMEN) & VTDM_PMEN_PRS);
	assert_int_equal(vtd_model_dma(&f->m, SID(0, 2, 0), 0x300000, 4, 0, &r), -1);
	assert_true(rd32(f, VTDM_REG_PMEN) & VTDM_PMEN_PRS);
	assert_int_equal(rd32(f, VTDM_REG_PMEN), 0);
	assert_int_equal(xlate(f, SID(0, 2, 0), 0x300000, 0), 0x300000);
	assert_int_equal(xlate(f, SID(0, 2, 0), 0x100000000ull, 1), 0x100000000ull);

	/* LIMIT below BASE disables a region. */
	wr32(f, VTDM_REG_PLMLIMIT, 0);
	wr64(f, VTDM_REG_PHMLIMIT, 0);
	wr32(f, VTDM_REG_PMEN, VTDM_PMEN_EPM);
	for (int i = 0; i < 3; i++)
		rd32(f, VTDM_REG_PMEN);
	assert_true(rd32(f, VTDM_REG_PMEN) & VTDM_PMEN_PRS);
	assert_int_equal(xlate(f, SID(0, 2, 0), 0x300000, 0), 0x300000);

	/* Without PLMR/PHMR the registers do nothing. */
	model_init(f, CAP_DEFAULT & ~(VTDM_CAP_PLMR | VTDM_CAP_PHMR), ECAP_DEFAULT, 0);
	wr32(f, VTDM_REG_PLMBASE, 0x200000);
	wr32(f, VTDM_REG_PMEN, VTDM_PMEN_EPM);
	assert_int_equal(rd32(f, VTDM_REG_PMEN), 0);
	assert_int_equal(rd32(f, VTDM_REG_PLMBASE), 0);
}

/* ---- Tests: caches and invalidation ---- */

static void test_iotlb_stale_register(void **state)
{
	struct fix *f = *state;
	uint16_t sid = SID(0, 1, 0);
	uint64_t slpt = domain(f, sid, 2, 5);
	uint64_t pte = map(f, slpt, 4, 0x4000, 0x100000, 1, RW);
	uint64_t v;

	map(f, slpt, 4, 0x6000, 0x200000, 1, RW);
	te_on(f);
	assert_int_equal(xlate(f, sid, 0x4000, 0), 0x100000);
	assert_int_equal(xlate(f, sid, 0x6000, 0), 0x200000);

	/* Page-selective: a neighbour page, or another domain, is not enough. */
	put64(f, pte, 0x110000 | RW);
	assert_int_equal(xlate(f, sid, 0x4000, 0), 0x100000);
	v = reg_iotlb(f, 3, 5, 0x5000, 0);
	assert_int_equal(VTDM_IOTLB_IAIG(v), 3);
	assert_int_equal(xlate(f, sid, 0x4000, 0), 0x100000);
	reg_iotlb(f, 3, 6, 0x4000, 0);
	assert_int_equal(xlate(f, sid, 0x4000, 0), 0x100000);
	reg_iotlb(f, 3, 5, 0x4000, 0);
	assert_int_equal(xlate(f, sid, 0x4000, 0), 0x110000);
	assert_int_equal(xlate(f, sid, 0x6000, 0), 0x200000); /* stayed cached */
	assert_int_equal(f->m.stats.iotlb_inv_page, 3);

	/* AM: 2^AM pages, aligned; 0x5000 with AM 1 covers 0x4000-0x5fff. */
	put64(f, pte, 0x120000 | RW);
	reg_iotlb(f, 3, 5, 0x5000, 1);
	assert_int_equal(xlate(f, sid, 0x4000, 0), 0x120000);
	put64(f, pte, 0x130000 | RW);
	v = reg_iotlb(f, 3, 5, 0x5000, 10); /* AM > MAMV: ignored */
	assert_int_equal(VTDM_IOTLB_IAIG(v), 0);
	assert_int_equal(f->m.stats.iotlb_inv_ignored, 1);
	assert_int_equal(xlate(f, sid, 0x4000, 0), 0x120000);

	/* Domain-selective. */
	v = reg_iotlb(f, 2, 4, 0, 0);
	assert_int_equal(VTDM_IOTLB_IAIG(v), 2);
	assert_int_equal(xlate(f, sid, 0x4000, 0), 0x120000);
	reg_iotlb(f, 2, 5, 0, 0);
	assert_int_equal(xlate(f, sid, 0x4000, 0), 0x130000);

	/* Global; a permission change is cached too. */
	put64(f, pte, 0x130000 | R);
	assert_int_equal(xlate(f, sid, 0x4000, 1), 0x130000);
	v = reg_iotlb(f, 1, 0, 0, 0);
	assert_int_equal(VTDM_IOTLB_IAIG(v), 1);
	expect_fault(f, sid, 0x4000, 1, VTDM_FR_WRITE);
	assert_int_equal(f->m.stats.iotlb_inv_global, 1);
	assert_int_equal(f->m.stats.iotlb_inv_domain, 2);
	assert_int_equal(f->m.stats.iotlb_inv_reg, 7);

	/* Without CAP.PSI a page request is done domain-wide, and says so. */
	model_init(f, CAP_DEFAULT & ~VTDM_CAP_PSI, ECAP_DEFAULT, 0);
	te_on(f);
	assert_int_equal(xlate(f, sid, 0x6000, 0), 0x200000);
	map(f, slpt, 4, 0x6000, 0x210000, 1, RW);
	v = reg_iotlb(f, 3, 5, 0x4000, 0);
	assert_int_equal(VTDM_IOTLB_IAIG(v), 2);
	assert_int_equal(xlate(f, sid, 0x6000, 0), 0x210000);
}

static void test_iotlb_large_leaf_invalidation(void **state)
{
	struct fix *f = *state;
	uint16_t sid = SID(0, 1, 0);
	uint64_t slpt = domain(f, sid, 2, 5);
	uint64_t pte = map(f, slpt, 4, 0x200000, 0x400000, 2, RW);

	te_on(f);
	assert_int_equal(xlate(f, sid, 0x3ff000, 0), 0x5ff000);
	put64(f, pte, 0x600000 | PS | RW);
	/* A page-selective invalidation of any 4 KiB inside drops the whole 2 MiB leaf. */
	reg_iotlb(f, 3, 5, 0x2ff000, 0);
	assert_int_equal(xlate(f, sid, 0x3ff000, 0), 0x7ff000);
}

static void test_iotlb_stale_queued(void **state)
{
	struct fix *f = *state;
	uint16_t sid = SID(0, 1, 0);
	uint64_t slpt = domain(f, sid, 2, 5);
	uint64_t pte = map(f, slpt, 4, 0x4000, 0x100000, 1, RW);

	map(f, slpt, 4, 0x8000, 0x200000, 1, RW);
	te_on(f);
	qi_enable(f);
	assert_int_equal(rd64(f, VTDM_REG_IQH), 0);
	assert_int_equal(xlate(f, sid, 0x4000, 0), 0x100000);
	assert_int_equal(xlate(f, sid, 0x8000, 0), 0x200000);

	/* Page: the wrong page, then the right one. */
	put64(f, pte, 0x110000 | RW);
	qi_put(f, VTDM_QI_IOTLB | VTDM_QI_GRAN(3) | VTDM_QI_DID(5), 0x5000);
	qi_sync(f, 1);
	assert_int_equal(xlate(f, sid, 0x4000, 0), 0x100000);
	qi_put(f, VTDM_QI_IOTLB | VTDM_QI_GRAN(3) | VTDM_QI_DID(5) | VTDM_QI_IOTLB_DW, 0x4000);
	qi_sync(f, 2);
	assert_int_equal(xlate(f, sid, 0x4000, 0), 0x110000);
	assert_int_equal(xlate(f, sid, 0x8000, 0), 0x200000);
	/* AM 2 from 0x5000: 0x4000-0x7fff, not 0x8000. */
	put64(f, pte, 0x120000 | RW);
	map(f, slpt, 4, 0x8000, 0x210000, 1, RW);
	qi_put(f, VTDM_QI_IOTLB | VTDM_QI_GRAN(3) | VTDM_QI_DID(5), 0x5000 | 2 | VTDM_IVA_IH);
	qi_sync(f, 3);
	assert_int_equal(xlate(f, sid, 0x4000, 0), 0x120000);
	assert_int_equal(xlate(f, sid, 0x8000, 0), 0x200000);
	/* Domain: wrong domain, then right one. */
	qi_put(f, VTDM_QI_IOTLB | VTDM_QI_GRAN(2) | VTDM_QI_DID(6), 0);
	qi_sync(f, 4);
	assert_int_equal(xlate(f, sid, 0x8000, 0), 0x200000);
	qi_put(f, VTDM_QI_IOTLB | VTDM_QI_GRAN(2) | VTDM_QI_DID(5), 0);
	qi_sync(f, 5);
	assert_int_equal(xlate(f, sid, 0x8000, 0), 0x210000);
	/* Global. */
	put64(f, pte, 0x130000 | RW);
	qi_put(f, VTDM_QI_IOTLB | VTDM_QI_GRAN(1), 0);
	qi_sync(f, 6);
	assert_int_equal(xlate(f, sid, 0x4000, 0), 0x130000);
	assert_int_equal(f->m.stats.iotlb_inv_qi, 6);
	assert_int_equal(f->m.stats.iotlb_inv_page, 3);
	assert_int_equal(f->m.stats.iotlb_inv_domain, 2);
	assert_int_equal(f->m.stats.iotlb_inv_global, 1);
	assert_int_equal(f->m.stats.wait_descriptors, 6);
	assert_int_equal(f->m.stats.descriptors, 12);
	assert_int_equal(f->m.stats.reg_inv_while_qi, 0);
}

static void test_context_cache(void **state)
{
	struct fix *f = *state;
	uint16_t sid = SID(2, 4, 1);
	uint64_t a = domain(f, sid, 2, 5), b = page(f), ce;

	map(f, a, 4, 0x1000, 0x11000, 1, RW);
	map(f, b, 4, 0x1000, 0x22000, 1, RW);
	ce = set_ctx(f, sid, ctx_lo(a, 0, 0), ctx_hi(2, 5));
	te_on(f);
	assert_int_equal(xlate(f, sid, 0x1000, 0), 0x11000);
	assert_int_equal(f->m.stats.ctx_misses, 1);
	assert_int_equal(xlate(f, sid, 0x1000, 0), 0x11000);
	assert_int_equal(f->m.stats.ctx_hits, 1);

	/* Move the device to domain 6 with other tables. */
	put64(f, ce, ctx_lo(b, 0, 0));
	put64(f, ce + 8, ctx_hi(2, 6));
	assert_int_equal(xlate(f, sid, 0x1000, 0), 0x11000);
	/* Device-selective: another function, another domain-id: not enough. */
	reg_cc(f, 3, 5, SID(2, 4, 2), 0);
	reg_cc(f, 3, 6, sid, 0);
	assert_int_equal(xlate(f, sid, 0x1000, 0), 0x11000);
	/* FM 3 masks the function: SID(2,4,2) covers SID(2,4,1). */
	assert_int_equal(VTDM_CCMD_CAIG(reg_cc(f, 3, 5, SID(2, 4, 2), 3)), 3);
	assert_int_equal(xlate(f, sid, 0x1000, 0), 0x22000);
	assert_int_equal(f->m.stats.cc_inv_device, 3);

	/* Domain-selective: another domain, then the right one (via 32-bit halves). */
	put64(f, ce, ctx_lo(a, 0, 0));
	put64(f, ce + 8, ctx_hi(2, 5));
	reg_iotlb(f, 1, 0, 0, 0);
	assert_int_equal(VTDM_CCMD_CAIG(reg_cc(f, 2, 5, 0, 0)), 2);
	assert_int_equal(xlate(f, sid, 0x1000, 0), 0x22000);
	wr32(f, VTDM_REG_CCMD, 6);
	wr32(f, VTDM_REG_CCMD + 4, (uint32_t)((VTDM_CCMD_ICC | VTDM_CCMD_CIRG(2)) >> 32));
	assert_false(rd32(f, VTDM_REG_CCMD + 4) & (VTDM_CCMD_ICC >> 32));
	assert_int_equal(xlate(f, sid, 0x1000, 0), 0x11000);
	/* Global, through the queue this time. */
	put64(f, ce, ctx_lo(b, 0, 0));
	put64(f, ce + 8, ctx_hi(2, 5));
	qi_enable(f);
	qi_put(f, VTDM_QI_CC | VTDM_QI_GRAN(3) | VTDM_QI_DID(4) | VTDM_QI_CC_SID(sid), 0);
	qi_sync(f, 1);
	assert_int_equal(xlate(f, sid, 0x1000, 0), 0x11000);
	qi_put(f, VTDM_QI_CC | VTDM_QI_GRAN(1), 0);
	qi_put(f, VTDM_QI_IOTLB | VTDM_QI_GRAN(1), 0);
	qi_sync(f, 2);
	assert_int_equal(xlate(f, sid, 0x1000, 0), 0x22000);
	assert_int_equal(f->m.stats.cc_inv_qi, 2);
	assert_int_equal(f->m.stats.cc_inv_global, 1);
}

static void test_cm_negative_caching(void **state)
{
	struct fix *f = *state;
	uint16_t sid = SID(0, 1, 0);
	uint64_t slpt = page(f), pte;
	struct vtd_dma_result r;

	/* CM = 0: not-present results are not cached. */
	set_ctx(f, sid, 0, 0);
	te_on(f);
	expect_fault(f, sid, 0x1000, 0, VTDM_FR_CTX_NOT_PRESENT);
	set_ctx(f, sid, ctx_lo(slpt, 0, 0), ctx_hi(2, 5));
	expect_fault(f, sid, 0x1000, 0, VTDM_FR_READ);
	pte = map(f, slpt, 4, 0x1000, 0x9000, 1, RW);
	assert_int_equal(xlate(f, sid, 0x1000, 0), 0x9000);

	/* CM = 1: they are, until invalidated. */
	model_init(f, CAP_DEFAULT | VTDM_CAP_CM, ECAP_DEFAULT, 0);
	set_ctx(f, sid, 0, 0);
	put64(f, pte, 0);
	te_on(f);
	expect_fault(f, sid, 0x1000, 0, VTDM_FR_CTX_NOT_PRESENT);
	set_ctx(f, sid, ctx_lo(slpt, 0, 0), ctx_hi(2, 5));
	expect_fault(f, sid, 0x1000, 0, VTDM_FR_CTX_NOT_PRESENT);
	/* Negative context entries are tagged with domain 0. */
	reg_cc(f, 3, 5, sid, 0);
	expect_fault(f, sid, 0x1000, 0, VTDM_FR_CTX_NOT_PRESENT);
	reg_cc(f, 3, 0, sid, 0);
	expect_fault(f, sid, 0x1000, 1, VTDM_FR_WRITE);
	/* A not-present leaf is cached in domain 5. */
	put64(f, pte, 0x9000 | RW);
	expect_fault(f, sid, 0x1000, 0, VTDM_FR_READ);
	reg_iotlb(f, 3, 5, 0x1000, 0);
	assert_int_equal(xlate(f, sid, 0x1000, 0), 0x9000);
	/* A not-present upper level covers its whole range (512 GiB for the PML4E). */
	assert_int_equal(vtd_model_dma(&f->m, sid, 0x8000000000ull, 4, 0, &r), -1);
	map(f, slpt, 4, 0x8000200000ull, 0xa000, 1, RW);
	assert_int_equal(vtd_model_dma(&f->m, sid, 0x8000200000ull, 4, 0, &r), -1);
	assert_int_equal(r.fault_reason, VTDM_FR_READ);
	reg_iotlb(f, 3, 5, 0x8000200000ull, 0);
	assert_int_equal(xlate(f, sid, 0x8000200000ull, 0), 0xa000);
	/* An erroneous context entry is cached too. */
	set_ctx(f, SID(0, 2, 0), ctx_lo(slpt, 0, 0), ctx_hi(3, 5));
	expect_fault(f, SID(0, 2, 0), 0x1000, 0, VTDM_FR_CTX_INVALID);
	set_ctx(f, SID(0, 2, 0), ctx_lo(slpt, 0, 0), ctx_hi(2, 5));
	expect_fault(f, SID(0, 2, 0), 0x1000, 0, VTDM_FR_CTX_INVALID);
	reg_cc(f, 2, 0, 0, 0);
	assert_int_equal(xlate(f, SID(0, 2, 0), 0x1000, 0), 0x9000);
	/* A present context with DID 0 under CM is a driver bug, counted. */
	assert_int_equal(f->m.stats.did0_with_cm, 0);
	set_ctx(f, SID(0, 3, 0), ctx_lo(slpt, 0, 0), ctx_hi(2, 0));
	xlate(f, SID(0, 3, 0), 0x1000, 0);
	assert_int_equal(f->m.stats.did0_with_cm, 1);
}

static void test_reg_inv_while_qi(void **state)
{
	struct fix *f = *state;
	uint16_t sid = SID(0, 1, 0);
	uint64_t slpt = domain(f, sid, 2, 5);
	uint64_t pte = map(f, slpt, 4, 0x4000, 0x100000, 1, RW);
	uint64_t v;

	te_on(f);
	qi_enable(f);
	assert_int_equal(xlate(f, sid, 0x4000, 0), 0x100000);
	put64(f, pte, 0x110000 | RW);
	/* Register-based invalidation with QI on: counted, not carried out. */
	v = reg_iotlb(f, 1, 0, 0, 0);
	assert_int_equal(VTDM_IOTLB_IAIG(v), 0);
	v = reg_cc(f, 1, 0, 0, 0);
	assert_int_equal(VTDM_CCMD_CAIG(v), 0);
	assert_int_equal(f->m.stats.reg_inv_while_qi, 2);
	assert_int_equal(xlate(f, sid, 0x4000, 0), 0x100000);
	/* Once QI is off, registers work again and IQH is cleared. */
	qi_put(f, VTDM_QI_WAIT | VTDM_QI_WAIT_SW, f->status);
	qi_go(f);
	assert_int_equal(rd64(f, VTDM_REG_IQH), 0x10);
	gcmd(f, VTDM_GCMD_QIE, 0);
	assert_int_equal(rd64(f, VTDM_REG_IQH), 0);
	reg_iotlb(f, 1, 0, 0, 0);
	assert_int_equal(xlate(f, sid, 0x4000, 0), 0x110000);
	assert_int_equal(f->m.stats.reg_inv_while_qi, 2);
}

static void test_register_inv_stuck_and_delay(void **state)
{
	struct fix *f = *state;
	struct vtd_model_config cfg;
	struct vtd_model_mem mem;
	uint16_t sid = SID(0, 1, 0);
	uint64_t slpt = domain(f, sid, 2, 5);
	uint64_t pte = map(f, slpt, 4, 0x4000, 0x100000, 1, RW);

	cfg = f->m.cfg;
	mem = f->m.mem;
	cfg.inv_delay = 2;
	vtd_model_init(&f->m, &cfg, &mem);
	te_on(f);
	assert_int_equal(xlate(f, sid, 0x4000, 0), 0x100000);
	put64(f, pte, 0x110000 | RW);
	/* The invalidation takes effect when IVT clears, not before. */
	wr64(f, IRO + 8, VTDM_IOTLB_IVT | VTDM_IOTLB_IIRG(1));
	assert_int_equal(xlate(f, sid, 0x4000, 0), 0x100000);
	assert_true(rd64(f, IRO + 8) & VTDM_IOTLB_IVT);
	assert_true(rd32(f, IRO + 12) & (uint32_t)(VTDM_IOTLB_IVT >> 32));
	/* A command written while busy is lost. */
	wr64(f, IRO + 8, VTDM_IOTLB_IVT | VTDM_IOTLB_IIRG(2));
	assert_int_equal(f->m.stats.busy_cmd_writes, 1);
	assert_false(rd64(f, IRO + 8) & VTDM_IOTLB_IVT);
	assert_int_equal(VTDM_IOTLB_IAIG(rd64(f, IRO + 8)), 1);
	assert_int_equal(xlate(f, sid, 0x4000, 0), 0x110000);

	/* Stuck: ICC and IVT never clear, and nothing is invalidated. */
	f->m.inject.ccmd_stuck = 1;
	f->m.inject.iotlb_stuck = 1;
	put64(f, pte, 0x120000 | RW);
	wr64(f, VTDM_REG_CCMD, VTDM_CCMD_ICC | VTDM_CCMD_CIRG(1));
	wr64(f, IRO + 8, VTDM_IOTLB_IVT | VTDM_IOTLB_IIRG(1));
	for (int i = 0; i < 1000; i++) {
		assert_true(rd64(f, VTDM_REG_CCMD) & VTDM_CCMD_ICC);
		assert_true(rd64(f, IRO + 8) & VTDM_IOTLB_IVT);
	}
	assert_int_equal(xlate(f, sid, 0x4000, 0), 0x110000);
	assert_int_equal(f->m.stats.cc_inv_global + f->m.stats.iotlb_inv_global, 1);
	f->m.inject.ccmd_stuck = 0;
	f->m.inject.iotlb_stuck = 0;
	for (int i = 0; i < 3; i++) {
		rd64(f, VTDM_REG_CCMD);
		rd64(f, IRO + 8);
	}
	assert_false(rd64(f, VTDM_REG_CCMD) & VTDM_CCMD_ICC);
	assert_false(rd64(f, IRO + 8) & VTDM_IOTLB_IVT);
	assert_int_equal(xlate(f, sid, 0x4000, 0), 0x120000);
}

/* IOTLB drain hints the capability register does not offer: ignored, and counted. */
static void test_drain_unoffered(void **state)
{
	struct fix *f = *state;
	const uint64_t global = VTDM_IOTLB_IVT | VTDM_IOTLB_IIRG(1);

	/* Registers, no CAP.DRD or CAP.DWD: either hint counts. */
	wr64(f, IRO + 8, global | VTDM_IOTLB_DR);
	assert_int_equal(VTDM_IOTLB_IAIG(rd64(f, IRO + 8)), 1);
	wr64(f, IRO + 8, global | VTDM_IOTLB_DW);
	reg_iotlb(f, 1, 0, 0, 0);
	assert_int_equal(f->m.stats.drain_unoffered, 2);
	assert_int_equal(f->m.stats.iotlb_inv_global, 3);
	/* CAP.DRD alone: read draining is fine, write draining is not. */
	model_init(f, CAP_DEFAULT | VTDM_CAP_DRD, ECAP_DEFAULT, 0);
	wr64(f, IRO + 8, global | VTDM_IOTLB_DR);
	assert_int_equal(f->m.stats.drain_unoffered, 0);
	wr64(f, IRO + 8, global | VTDM_IOTLB_DR | VTDM_IOTLB_DW);
	assert_int_equal(f->m.stats.drain_unoffered, 1);

	/* Descriptors (bits 7:6): CAP.DRD without CAP.DWD, then both. */
	qi_enable(f);
	qi_put(f, VTDM_QI_IOTLB | VTDM_QI_GRAN(1) | VTDM_QI_IOTLB_DR, 0);
	qi_sync(f, 1);
	assert_int_equal(f->m.stats.drain_unoffered, 1);
	qi_put(f, VTDM_QI_IOTLB | VTDM_QI_GRAN(1) | VTDM_QI_IOTLB_DW, 0);
	qi_sync(f, 2);
	assert_int_equal(f->m.stats.drain_unoffered, 2);
	assert_int_equal(f->m.stats.iotlb_inv_qi, 2); /* carried out all the same */
	model_init(f, CAP_DEFAULT | VTDM_CAP_DRD | VTDM_CAP_DWD, ECAP_DEFAULT, 0);
	qi_enable(f);
	qi_put(f, VTDM_QI_IOTLB | VTDM_QI_GRAN(1) | VTDM_QI_IOTLB_DR | VTDM_QI_IOTLB_DW, 0);
	qi_sync(f, 3);
	assert_int_equal(f->m.stats.drain_unoffered, 0);
	assert_int_equal(f->m.stats.iotlb_inv_qi, 1);
}

/* ---- Tests: queued invalidation ---- */

static void test_qi_enable_rules(void **state)
{
	struct fix *f = *state;

	/* 256-bit descriptors (DW = 1) need scalable mode: refused. */
	wr64(f, VTDM_REG_IQA, page(f) | 1u << 11);
	wr32(f, VTDM_REG_GCMD, VTDM_GCMD_QIE);
	for (int i = 0; i < 10; i++)
		assert_false(rd32(f, VTDM_REG_GSTS) & VTDM_GSTS_QIES);
	assert_int_equal(f->m.stats.qie_refused, 1);
	/* Enabling resets IQH; a queue of 2 pages has 512 entries. */
	f->iq = page(f);
	page(f);
	wr64(f, VTDM_REG_IQA, f->iq | 1);
	gcmd(f, VTDM_GCMD_QIE, 1);
	assert_int_equal(rd64(f, VTDM_REG_IQH), 0);
	/* 300 descriptors: more than one page. */
	for (unsigned i = 0; i < 300; i++) {
		put64(f, f->iq + i * 16, VTDM_QI_IEC);
		put64(f, f->iq + i * 16 + 8, 0);
	}
	wr64(f, VTDM_REG_IQT, 300u << 4);
	assert_int_equal(rd64(f, VTDM_REG_IQH), 300u << 4);
	assert_int_equal(f->m.stats.iec_inv, 300);
	/* A tail beyond the queue is an error. */
	wr64(f, VTDM_REG_IQT, 512u << 4);
	assert_true(rd32(f, VTDM_REG_FSTS) & VTDM_FSTS_IQE);
	assert_int_equal(rd64(f, VTDM_REG_IQH), 300u << 4);
	wr64(f, VTDM_REG_IQT, 300u << 4);
	wr32(f, VTDM_REG_FSTS, VTDM_FSTS_IQE);
	assert_int_equal(rd32(f, VTDM_REG_FSTS), 0);
	/* Disabling clears IQH. */
	gcmd(f, VTDM_GCMD_QIE, 0);
	assert_int_equal(rd64(f, VTDM_REG_IQH), 0);
	/* Enabling with IQT != 0 is counted, and the queue runs from 0. */
	wr64(f, VTDM_REG_IQT, 2u << 4);
	gcmd(f, VTDM_GCMD_QIE, 1);
	assert_int_equal(rd64(f, VTDM_REG_IQH), 2u << 4);
	assert_int_equal(f->m.stats.qie_nonzero_tail, 1);
	assert_int_equal(f->m.stats.iec_inv, 302);
}

static void test_wait_descriptor(void **state)
{
	struct fix *f = *state;

	qi_enable(f);
	wr32(f, VTDM_REG_IEDATA, 0x55);
	wr32(f, VTDM_REG_IEADDR, 0xfee01000u);
	/* SW and IF together: status written, IWC set, the event pending under IM. */
	put64(f, f->status, 0);
	qi_put(f, VTDM_QI_WAIT | VTDM_QI_WAIT_SW | VTDM_QI_WAIT_IF | VTDM_QI_WAIT_DATA(0xcafe),
	       f->status + 4);
	qi_go(f);
	assert_int_equal(get64(f, f->status), 0xcafe00000000ull);
	assert_int_equal(rd32(f, VTDM_REG_ICS), VTDM_ICS_IWC);
	assert_int_equal(rd32(f, VTDM_REG_IECTL), VTDM_IECTL_IM | VTDM_IECTL_IP);
	assert_int_equal(f->m.stats.inv_events, 0);
	wr32(f, VTDM_REG_IECTL, 0);
	assert_int_equal(rd32(f, VTDM_REG_IECTL), 0);
	assert_int_equal(f->m.stats.inv_events, 1);
	assert_int_equal(f->m.inv_msi_data, 0x55);
	assert_int_equal(f->m.inv_msi_addr, 0xfee01000u);
	/* IWC is write-1-to-clear; while it stays set, no new event. */
	qi_put(f, VTDM_QI_WAIT | VTDM_QI_WAIT_IF, 0);
	qi_go(f);
	assert_int_equal(f->m.stats.inv_events, 1);
	wr32(f, VTDM_REG_ICS, 1);
	assert_int_equal(rd32(f, VTDM_REG_ICS), 0);
	qi_put(f, VTDM_QI_WAIT | VTDM_QI_WAIT_IF | VTDM_QI_WAIT_FN, 0);
	qi_go(f);
	assert_int_equal(f->m.stats.inv_events, 2);
	/* A status address with no memory behind it is counted, the queue goes on. */
	qi_put(f, VTDM_QI_WAIT | VTDM_QI_WAIT_SW | VTDM_QI_WAIT_DATA(1), NO_RAM);
	qi_sync(f, 7);
	assert_int_equal(f->m.stats.wait_write_errors, 1);
	assert_int_equal(f->m.stats.wait_descriptors, 5);
	assert_int_equal(rd32(f, VTDM_REG_FSTS), 0);
}

static void test_qi_errors(void **state)
{
	struct fix *f = *state;
	static const uint64_t bad[][2] = {
		{0x7, 0},					     /* unknown type */
		{VTDM_QI_CC | 1u << 9, 0},			     /* type bits 6:4 */
		{VTDM_QI_CC, 0},				     /* granularity 0 */
		{VTDM_QI_CC | VTDM_QI_GRAN(1), 1},		     /* high qword reserved */
		{VTDM_QI_IOTLB | VTDM_QI_GRAN(1) | 1ull << 40, 0},   /* reserved 63:32 */
		{VTDM_QI_IOTLB | VTDM_QI_GRAN(3), 0x4000 | 1u << 8}, /* reserved 11:7 */
		{VTDM_QI_IOTLB | VTDM_QI_GRAN(3), 0x4000 | 10},	     /* AM > MAMV */
		{VTDM_QI_WAIT | 1u << 8, 0},			     /* reserved 31:7 */
		{VTDM_QI_WAIT | VTDM_QI_WAIT_SW, 0x1002},	     /* address bits 1:0 */
	};

	qi_enable(f);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		unsigned at = f->tail;

		qi_put(f, VTDM_QI_IEC, 0);
		qi_put(f, bad[i][0], bad[i][1]);
		qi_put(f, VTDM_QI_IEC, 0);
		qi_go(f);
		/* Stopped at the bad one, IQE set, the one after not done. */
		assert_int_equal(rd32(f, VTDM_REG_FSTS), VTDM_FSTS_IQE);
		assert_int_equal(rd64(f, VTDM_REG_IQH), (uint64_t)(at + 1) << 4);
		assert_int_equal(f->m.stats.iec_inv, 3 * i + 1);
		/* IQE is a fault event: pending in FECTL.IP under IM. */
		assert_int_equal(rd32(f, VTDM_REG_FECTL), VTDM_FECTL_IM | VTDM_FECTL_IP);
		/* Software replaces it and clears IQE: the queue resumes there. */
		put64(f, f->iq + (at + 1) * 16, VTDM_QI_IEC);
		put64(f, f->iq + (at + 1) * 16 + 8, 0);
		wr32(f, VTDM_REG_FSTS, VTDM_FSTS_IQE);
		assert_int_equal(rd32(f, VTDM_REG_FSTS), 0);
		assert_int_equal(rd64(f, VTDM_REG_IQH), (uint64_t)f->tail << 4);
		assert_int_equal(f->m.stats.iec_inv, 3 * i + 3);
		assert_int_equal(rd32(f, VTDM_REG_FECTL), VTDM_FECTL_IM);
	}
	assert_int_equal(f->m.stats.qi_errors, sizeof(bad) / sizeof(bad[0]));

	/* Injected: the next descriptor processed fails, once. */
	f->m.inject.qi_error = 1;
	qi_put(f, VTDM_QI_IEC, 0);
	qi_put(f, VTDM_QI_IEC, 0);
	qi_go(f);
	assert_int_equal(rd32(f, VTDM_REG_FSTS), VTDM_FSTS_IQE);
	assert_int_equal(rd64(f, VTDM_REG_IQH), (uint64_t)(f->tail - 2) << 4);
	assert_int_equal(f->m.inject.qi_error, 0);
	/* While IQE is set, further tail writes do nothing. */
	qi_put(f, VTDM_QI_IEC, 0);
	qi_go(f);
	assert_int_equal(rd64(f, VTDM_REG_IQH), (uint64_t)(f->tail - 3) << 4);
	wr32(f, VTDM_REG_FSTS, VTDM_FSTS_IQE);
	assert_int_equal(rd64(f, VTDM_REG_IQH), (uint64_t)f->tail << 4);
}

static void test_qi_stuck(void **state)
{
	struct fix *f = *state;

	qi_enable(f);
	f->m.inject.qi_stuck = 1;
	put64(f, f->status, 0);
	qi_put(f, VTDM_QI_IOTLB | VTDM_QI_GRAN(1), 0);
	qi_put(f, VTDM_QI_WAIT | VTDM_QI_WAIT_SW | VTDM_QI_WAIT_DATA(9), f->status);
	qi_go(f);
	assert_int_equal(rd64(f, VTDM_REG_IQT), 2u << 4);
	for (int i = 0; i < 100; i++)
		assert_int_equal(rd64(f, VTDM_REG_IQH), 0);
	assert_int_equal(get32(f, f->status), 0);
	assert_int_equal(f->m.stats.descriptors, 0);
	/* Disabling QI with work pending on a hung queue never completes. */
	wr32(f, VTDM_REG_GCMD, 0);
	for (int i = 0; i < 100; i++)
		assert_true(rd32(f, VTDM_REG_GSTS) & VTDM_GSTS_QIES);
	/* Unstuck, the queue drains on the next kick. */
	f->m.inject.qi_stuck = 0;
	wr32(f, VTDM_REG_GCMD, VTDM_GCMD_QIE);
	vtd_model_qi_kick(&f->m);
	assert_int_equal(rd64(f, VTDM_REG_IQH), 2u << 4);
	assert_int_equal(get32(f, f->status), 9);
	assert_int_equal(f->m.stats.descriptors, 2);
}

/* ---- Tests: other ---- */

static void test_wbf(void **state)
{
	struct fix *f = *state;

	model_init(f, CAP_DEFAULT | VTDM_CAP_RWBF, ECAP_DEFAULT, 2);
	wr32(f, VTDM_REG_GCMD, VTDM_GCMD_WBF);
	assert_true(rd32(f, VTDM_REG_GSTS) & VTDM_GSTS_WBFS);
	assert_true(rd32(f, VTDM_REG_GSTS) & VTDM_GSTS_WBFS);
	assert_false(rd32(f, VTDM_REG_GSTS) & VTDM_GSTS_WBFS);
	assert_int_equal(f->m.stats.wbf, 1);
	assert_int_equal(f->m.stats.wbf_unneeded, 0);
}

static void test_firmware_state(void **state)
{
	struct fix *f = *state;
	uint16_t sid = SID(0, 1, 0);
	uint64_t slpt = domain(f, sid, 2, 5);
	uint64_t iq = page(f);
	struct vtd_dma_result r;

	map(f, slpt, 4, 0x1000, 0x300000, 1, RW);
	vtd_model_firmware_state(&f->m,
				 VTDM_GSTS_TES | VTDM_GSTS_RTPS | VTDM_GSTS_QIES | VTDM_GSTS_IRES |
					 VTDM_GSTS_IRTPS,
				 f->root, 0x7000f, iq, VTDM_PMEN_EPM, 0x200000, 0x200000,
				 0x100000000ull, 0xff00000ull);
	assert_int_equal(rd32(f, VTDM_REG_GSTS), VTDM_GSTS_TES | VTDM_GSTS_RTPS | VTDM_GSTS_QIES |
							 VTDM_GSTS_IRES | VTDM_GSTS_IRTPS);
	assert_int_equal(rd64(f, VTDM_REG_RTADDR), f->root);
	assert_int_equal(rd64(f, VTDM_REG_IRTA), 0x7000f);
	assert_int_equal(rd64(f, VTDM_REG_IQA), iq);
	assert_int_equal(rd32(f, VTDM_REG_PMEN), VTDM_PMEN_EPM | VTDM_PMEN_PRS);
	assert_int_equal(rd32(f, VTDM_REG_PLMLIMIT), 0x200000);
	/* Translation is live, and the PMR blocks the target. */
	assert_int_equal(vtd_model_dma(&f->m, sid, 0x1000, 4, 0, &r), -1);
	assert_int_equal(r.blocked_by_pmr, 1);
	/* The queue works from where firmware left it. */
	f->iq = iq;
	f->tail = 0;
	qi_sync(f, 0x77);
	/* A driver taking over: PMRs off, then the DMA goes through. */
	wr32(f, VTDM_REG_PMEN, 0);
	assert_int_equal(rd32(f, VTDM_REG_PMEN), 0);
	assert_int_equal(xlate(f, sid, 0x1000, 0), 0x300000);
	/* Turning TE off through GCMD keeps the other commands. */
	gcmd(f, VTDM_GCMD_TE, 0);
	assert_int_equal(rd32(f, VTDM_REG_GSTS) & PERSIST, VTDM_GSTS_QIES | VTDM_GSTS_IRES);
}

static void test_probe(void **state)
{
	struct fix *f = *state;
	uint16_t sid = SID(0, 1, 0);
	uint64_t slpt = domain(f, sid, 2, 5);
	uint64_t pte = map(f, slpt, 4, 0x1000, 0x300000, 1, RW);
	struct vtd_dma_result r;

	/* Before any SRTP the probe reads RTADDR; it needs no TE. */
	wr64(f, VTDM_REG_RTADDR, f->root);
	assert_int_equal(vtd_model_probe(&f->m, sid, 0x1010, 1, &r), 0);
	assert_int_equal(r.phys, 0x300010);
	te_on(f);
	assert_int_equal(xlate(f, sid, 0x1000, 0), 0x300000);
	/* The probe sees memory, the DMA the stale IOTLB. */
	put64(f, pte, 0x400000 | R);
	assert_int_equal(vtd_model_probe(&f->m, sid, 0x1000, 0, &r), 0);
	assert_int_equal(r.phys, 0x400000);
	assert_int_equal(vtd_model_probe(&f->m, sid, 0x1000, 1, &r), -1);
	assert_int_equal(r.fault_reason, VTDM_FR_WRITE);
	assert_int_equal(xlate(f, sid, 0x1000, 1), 0x300000);
	/* And leaves no trace. */
	assert_int_equal(f->m.stats.faults_recorded, 0);
	assert_int_equal(rd32(f, VTDM_REG_FSTS), 0);
}

static void test_iotlb_capacity(void **state)
{
	struct fix *f = *state;
	uint16_t sid = SID(0, 1, 0);
	uint64_t slpt = domain(f, sid, 2, 5);
	const unsigned n = VTDM_IOTLB_SIZE + 100;

	for (unsigned i = 0; i < n; i++)
		map(f, slpt, 4, 0x100000000ull + i * 0x1000ull, 0x1000ull * i, 1, RW);
	te_on(f);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(xlate(f, sid, 0x100000000ull + i * 0x1000ull, 0), 0x1000ull * i);
	assert_int_equal(vtd_model_iotlb_count(&f->m), VTDM_IOTLB_SIZE);
	assert_int_equal(f->m.stats.iotlb_evictions, 100);
	assert_int_equal(f->m.stats.iotlb_misses, n);
	/* Domain-selective drops them all, and counts them. */
	reg_iotlb(f, 2, 5, 0, 0);
	assert_int_equal(vtd_model_iotlb_count(&f->m), 0);
	assert_int_equal(f->m.stats.iotlb_entries_dropped, VTDM_IOTLB_SIZE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_reset_values),
		T(test_register_halves),
		T(test_gcmd_status_delay),
		T(test_gcmd_stuck),
		T(test_sirtp),
		T(test_gcmd_whole_command),
		T(test_srtp_latch),
		T(test_translate_3level_4k),
		T(test_translate_large_pages),
		T(test_translate_5level),
		T(test_large_page_support),
		T(test_fault_reasons),
		T(test_mgaw_limits),
		T(test_passthrough),
		T(test_te_off_untranslated),
		T(test_cross_page),
		T(test_fault_overflow),
		T(test_fpd),
		T(test_pmr),
		T(test_iotlb_stale_register),
		T(test_iotlb_large_leaf_invalidation),
		T(test_iotlb_stale_queued),
		T(test_context_cache),
		T(test_cm_negative_caching),
		T(test_reg_inv_while_qi),
		T(test_register_inv_stuck_and_delay),
		T(test_drain_unoffered),
		T(test_qi_enable_rules),
		T(test_wait_descriptor),
		T(test_qi_errors),
		T(test_qi_stuck),
		T(test_wbf),
		T(test_firmware_state),
		T(test_probe),
		T(test_iotlb_capacity),
#undef T
	};

	return cmocka_run_group_tests_name("vtd_model", tests, NULL, NULL);
}
