/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The driver and the shield against the software VT-d model (model/), two
 * units on a simulated machine, for several capability sets. What counts is
 * what devices can do afterwards: DMA is pushed through the model, which
 * translates with its own walker and caches and records faults as hardware
 * does.
 */
#include <stdlib.h>
#include <string.h>

#include <ioguard/hosted.h>
#include <ioguard/shield.h>
#include <ioguard/vtd.h>

#include "model/vtd_model.h"
#include "testlib.h"

#define UNIT0 0xfed90000ull
#define UNIT1 0xfed91000ull
#define FW_AT 0x10000000ull /* firmware's tables (1 MiB) */
#define POOL_AT 0x20000000ull
#define POOL_PAGES 4096
#define VMM_BASE 0x1ff01000ull /* protected: the VMM, and the table pool inside it */
#define VMM_SIZE 0x1200000ull
#define RMRR_BASE 0x9e000000ull /* outside the memory map, like real RMRRs */
#define RMRR_LIMIT 0x9e01ffffull
#define GRANT_RW 0x30000000ull
#define GRANT_RO 0x32000000ull
#define GRANT_VMM (VMM_BASE + 0x1100000) /* a VMM buffer its NIC may write, past the pool */
#define MiB (1024ull * 1024)

#define SID(b, d, f) ((uint16_t)((b) << 8 | (d) << 3 | (f)))
#define GPU SID(0, 2, 0)    /* unit 0 by endpoint scope */
#define USB SID(0, 0x14, 0) /* unit 1, named by the RMRR */
#define NIC SID(0, 0x1f, 6) /* unit 1, driven by the VMM: granted */
#define DISK SID(3, 0, 0)   /* unit 1 */

struct caps {
	const char *name;
	uint64_t cap, ecap;
};

static const struct caps cap_sets[] = {
	{"3-level, 4 KiB leaves only, register invalidation, RWBF, PMRs", 0, 0},
	{"4-level, 2 MiB + 1 GiB leaves, queued invalidation, PSI, PMRs", 0, 0},
	{"4-level, 2 MiB leaves, queued invalidation, CM = 1, not coherent (as QEMU)", 0, 0},
	{"3-level, 2 MiB + 1 GiB, register invalidation, PSI, CM = 1, not coherent", 0, 0},
	{"5-level only, 2 MiB + 1 GiB, queued invalidation, no PSI", 0, 0},
};

static struct caps caps_of(unsigned i)
{
	struct caps k = cap_sets[i];

	switch (i) {
	case 0:
		k.cap = vtd_test_cap(0x2, 39, 0, 0, 0, 0, 1, 1);
		k.ecap = vtd_test_ecap(1, 0, 1, 0);
		break;
	case 1:
		k.cap = vtd_test_cap(0x6, 48, 3, 1, 9, 0, 0, 1);
		k.ecap = vtd_test_ecap(1, 1, 1, 1);
		break;
	case 2:
		k.cap = vtd_test_cap(0x6, 39, 1, 1, 18, 1, 0, 0);
		k.ecap = vtd_test_ecap(0, 1, 1, 1);
		break;
	case 3:
		k.cap = vtd_test_cap(0x2, 39, 3, 1, 9, 1, 0, 1);
		k.ecap = vtd_test_ecap(0, 0, 1, 0);
		break;
	default:
		k.cap = vtd_test_cap(0x8, 48, 3, 0, 0, 0, 0, 0);
		k.ecap = vtd_test_ecap(1, 1, 0, 0);
		break;
	}
	return k;
}

struct machine {
	struct iog_hosted h;
	struct vtd_model m[2];
	struct tb dmar;
	size_t rmrr_off;
	struct iog_range memmap[3];
	struct iog_range protect[1];
	struct iog_grant grants[3];
	struct iog_shield_config c;
	struct iog_shield s;
	struct caps k;
	/* test_apply_times: the platform with its clock watched, and what the watch saw. */
	struct iog_platform watched;
	uint64_t first_live;
};

static int dev_read(void *ctx, uint64_t phys, void *buf, size_t len)
{
	return iog_hosted_dma_read(ctx, phys, buf, len);
}

static int dev_write(void *ctx, uint64_t phys, const void *buf, size_t len)
{
	return iog_hosted_dma_write(ctx, phys, buf, len);
}

static void put64(struct machine *x, uint64_t phys, uint64_t v)
{
	memcpy(iog_hosted_ptr(&x->h, phys, 8), &v, 8);
}

/*
 * Firmware left unit 0 translating (its own tables), with interrupt
 * remapping and queued invalidation on where the unit has them, and its PMRs
 * on; unit 1 translating. `live_irtes` present entries in the IR table.
 */
static void firmware_state(struct machine *x, unsigned live_irtes)
{
	uint32_t gsts = 1u << 31 | 1u << 30; /* TES, RTPS */
	int pmr = (x->k.cap & (3ull << 5)) != 0;

	/* Firmware's root table: bus 0 → a context table passing 00:02.0 through. */
	put64(x, FW_AT, (FW_AT + 0x1000) | 1);
	put64(x, FW_AT + 0x1000 + 16 * 0x10, 0x8 | 1);
	put64(x, FW_AT + 0x1000 + 16 * 0x10 + 8, 0x101);
	for (unsigned i = 0; i < live_irtes; i++)
		put64(x, FW_AT + 0x2000 + 16 * i, 1);
	if (x->k.ecap & 8)
		gsts |= 1u << 25 | 1u << 24; /* IRES, IRTPS */
	if (x->k.ecap & 2)
		gsts |= 1u << 26; /* QIES */
	vtd_model_firmware_state(&x->m[0], gsts, FW_AT, (FW_AT + 0x2000) | 7, FW_AT + 0x3000, pmr,
				 0, 0x200000, 0x100000000ull, 0x1001fffffull);
	vtd_model_firmware_state(&x->m[1], 1u << 31 | 1u << 30, FW_AT, 0, 0, 0, 0, 0, 0, 0);
}

static struct machine *machine_new(unsigned caps_index, unsigned live_irtes)
{
	struct machine *x = calloc(1, sizeof(*x));
	struct vtd_model_config cfg;
	struct vtd_model_mem mem;
	size_t drhd;

	assert_non_null(x);
	x->k = caps_of(caps_index);
	iog_hosted_init(&x->h);
	assert_int_equal(iog_hosted_add_ram(&x->h, FW_AT, MiB), 0);
	assert_int_equal(iog_hosted_set_page_pool(&x->h, POOL_AT, POOL_PAGES), 0);
	cfg = (struct vtd_model_config){0x10, x->k.cap, x->k.ecap, 2, 1};
	mem = (struct vtd_model_mem){&x->h, dev_read, dev_write};
	for (unsigned u = 0; u < 2; u++) {
		vtd_model_init(&x->m[u], &cfg, &mem);
		x->m[u].psi_strict = 1;
		assert_int_equal(iog_hosted_add_mmio(&x->h, u ? UNIT1 : UNIT0, 0x1000,
						     &vtd_model_mmio_ops, &x->m[u]),
				 0);
	}
	firmware_state(x, live_irtes);
	if (!(x->k.ecap & 1))
		assert_int_equal(iog_hosted_set_noncoherent(&x->h), 0);

	dmar_begin(&x->dmar, 38, 1);
	drhd = dmar_drhd(&x->dmar, 0, 0, UNIT0);
	dmar_scope(&x->dmar, IOG_SCOPE_PCI_ENDPOINT, 0, 0, 1, 2, 0);
	tb_end16(&x->dmar, drhd);
	drhd = dmar_drhd(&x->dmar, IOG_DRHD_INCLUDE_PCI_ALL, 0, UNIT1);
	dmar_scope(&x->dmar, IOG_SCOPE_IOAPIC, 2, 0xf0, 1, 0x1f, 0);
	tb_end16(&x->dmar, drhd);
	x->rmrr_off = dmar_rmrr(&x->dmar, 0, RMRR_BASE, RMRR_LIMIT);
	dmar_scope(&x->dmar, IOG_SCOPE_PCI_ENDPOINT, 0, 0, 1, 0x14, 0);
	tb_end16(&x->dmar, x->rmrr_off);
	tb_finish(&x->dmar);

	x->memmap[0] = (struct iog_range){0, 0x9f000};
	x->memmap[1] = (struct iog_range){MiB, 0x80000000ull - MiB};
	x->memmap[2] = (struct iog_range){0x100000000ull, 0x40000000ull};
	x->protect[0] = (struct iog_range){VMM_BASE, VMM_SIZE};
	x->grants[0] = (struct iog_grant){0, 0, 0x1f << 3 | 6, GRANT_RW, 16 * MiB, IOG_PT_RW};
	x->grants[1] = (struct iog_grant){0, 0, 0x1f << 3 | 6, GRANT_RO, MiB, IOG_PT_READ};
	x->grants[2] = (struct iog_grant){0, 0, 0x1f << 3 | 6, GRANT_VMM, 0x10000, IOG_PT_RW};
	x->c = (struct iog_shield_config){
		.dmar = x->dmar.buf,
		.dmar_len = x->dmar.len,
		.memmap = x->memmap,
		.nmemmap = 3,
		.protect = x->protect,
		.nprotect = 1,
		.grants = x->grants,
		.ngrants = 3,
		.ir_policy = IOG_VTD_IR_WARN,
	};
	return x;
}

/* Is there a kept log line containing `what`? */
static int logged(const struct machine *x, const char *what)
{
	unsigned n = x->h.log_count < IOG_HOSTED_LOG_LINES ? x->h.log_count : IOG_HOSTED_LOG_LINES;

	for (unsigned i = 0; i < n; i++)
		if (strstr(x->h.log[i], what))
			return 1;
	return 0;
}

static void machine_free(struct machine *x)
{
	iog_shield_release(&x->s);
	assert_int_equal(x->h.pages_in_use, 0);
	iog_hosted_destroy(&x->h);
	free(x);
}

static struct vtd_model *model_of(struct machine *x, uint16_t sid)
{
	return sid == GPU ? &x->m[0] : &x->m[1];
}

static struct iog_vtd *vtd_of(struct machine *x, unsigned i)
{
	struct iog_shield_unit *u = iog_shield_unit(&x->s, i);

	assert_non_null(u);
	return &u->vtd;
}

static struct iog_vtd *unit_of(struct machine *x, uint16_t sid)
{
	return vtd_of(x, sid == GPU ? 0 : 1);
}

/* The default domain of unit i (shared by the units of its kind). */
static struct iog_pt *default_pt(struct machine *x, unsigned i)
{
	return &x->s.kinds[iog_shield_unit(&x->s, i)->kind].pt;
}

/* DMA that must go through, untranslated in the identity map. */
static void dma_ok(struct machine *x, uint16_t sid, uint64_t addr, int write)
{
	struct vtd_dma_result r;

	if (vtd_model_dma(model_of(x, sid), sid, addr, 64, write, &r))
		fail_msg("%s: %s by %04x at %llx faulted (reason %u, pmr %d)", x->k.name,
			 write ? "write" : "read", sid, (unsigned long long)addr, r.fault_reason,
			 r.blocked_by_pmr);
	assert_true(r.ok);
	assert_int_equal(r.phys, addr);
}

/* DMA that must fault, be recorded, and come back through iog_vtd_faults. */
static void dma_faults(struct machine *x, uint16_t sid, uint64_t addr, int write, uint8_t reason)
{
	struct vtd_dma_result r;
	struct iog_vtd_fault f[8];
	int n;

	if (vtd_model_dma(model_of(x, sid), sid, addr, 8, write, &r) == 0)
		fail_msg("%s: %s by %04x at %llx went through to %llx", x->k.name,
			 write ? "write" : "read", sid, (unsigned long long)addr,
			 (unsigned long long)r.phys);
	assert_false(r.ok);
	assert_false(r.blocked_by_pmr);
	assert_true(r.recorded);
	if (reason)
		assert_int_equal(r.fault_reason, reason);
	n = iog_vtd_faults(unit_of(x, sid), f, 8);
	assert_int_equal(n, 1);
	assert_int_equal(f[0].sid, sid);
	assert_int_equal(f[0].addr, addr & ~0xfffull);
	assert_int_equal(f[0].is_read, !write);
	assert_int_equal(f[0].reason, r.fault_reason);
}

static void apply_ok(struct machine *x)
{
	struct iog_diag d = {0};
	int err = iog_shield_apply(&x->s, &x->h.plat, &x->c, &d);

	if (err)
		print_error("%s: shield: %d at 0x%llx: %s (device %04x, address %llx)\n", x->k.name,
			    err, (unsigned long long)d.offset, d.reason ? d.reason : "", d.sid,
			    (unsigned long long)d.address);
	assert_int_equal(err, 0);
}

static void check_machine(struct machine *x)
{
	static const uint16_t everyone[] = {GPU, USB, NIC, DISK};
	static const uint16_t ordinary[] = {GPU, USB, DISK};

	for (unsigned u = 0; u < 2; u++) {
		uint32_t gsts = (uint32_t)vtd_model_read(&x->m[u], VTDM_REG_GSTS, 4);

		assert_true(gsts & VTDM_GSTS_TES);
		assert_false(gsts & VTDM_GSTS_IRES);
		assert_int_equal(!!(gsts & VTDM_GSTS_QIES), !!(x->k.ecap & VTDM_ECAP_QI));
		assert_int_equal(vtd_model_read(&x->m[u], VTDM_REG_PMEN, 4) & VTDM_PMEN_PRS, 0);
		assert_int_equal(x->m[u].stats.reg_inv_while_qi, 0);
		assert_int_equal(x->m[u].stats.did0_with_cm, 0);
	}
	assert_int_equal(x->s.report.violations, 0);
	/* Every source-id on every unit: a device the DMAR misplaces is still confined. */
	assert_int_equal(x->s.report.contexts, 2 * 65536);

	/* Nobody reaches the VMM, its first and last byte, nor the table pages in it. */
	for (unsigned i = 0; i < 4; i++) {
		dma_faults(x, everyone[i], VMM_BASE, 0, 0);
		dma_faults(x, everyone[i], VMM_BASE + VMM_SIZE - 8, 1, 0);
		dma_faults(x, everyone[i], vtd_of(x, 0)->root_phys + 16, 1, 0);
	}
	/* The NIC's buffer inside the VMM is the NIC's only. */
	dma_ok(x, NIC, GRANT_VMM + 0x100, 1);
	dma_faults(x, NIC, GRANT_VMM + 0x10000, 1, 0);
	for (unsigned i = 0; i < 4; i++)
		if (everyone[i] != NIC)
			dma_faults(x, everyone[i], GRANT_VMM, 0, 0);
	/* Ordinary devices reach the memory map, and only it. */
	for (unsigned i = 0; i < 3; i++) {
		dma_ok(x, ordinary[i], 0x1000, 1);
		dma_ok(x, ordinary[i], VMM_BASE - 64, 1);
		dma_ok(x, ordinary[i], VMM_BASE + VMM_SIZE, 0);
		dma_ok(x, ordinary[i], 0x13ffff000ull, 1);
		dma_faults(x, ordinary[i], 0x90000000ull, 0, 0);
		dma_faults(x, ordinary[i], 0x140000000ull, 1, 0);
	}
	/* The RMRR, clear of protected memory: in the default domain, wherever its device sits. */
	dma_ok(x, USB, RMRR_BASE + 0x100, 1);
	dma_ok(x, USB, RMRR_LIMIT - 63, 0);
	dma_ok(x, GPU, RMRR_BASE, 1);
	/* The VMM's NIC: its grants with their permissions, nothing else. */
	dma_ok(x, NIC, GRANT_RW, 1);
	dma_ok(x, NIC, GRANT_RW + 16 * MiB - 64, 0);
	dma_ok(x, NIC, GRANT_RO + 0x800, 0);
	dma_faults(x, NIC, GRANT_RO + 0x800, 1, VTDM_FR_WRITE);
	dma_faults(x, NIC, GRANT_RW + 16 * MiB, 0, 0);
	dma_faults(x, NIC, 0x1000, 1, 0);
	dma_faults(x, NIC, RMRR_BASE, 1, 0);
}

/* Both units walk the shared default domain: both invalidate, then its pages are reclaimed. */
static int flush_default(struct machine *x, struct iog_pt *pt, const struct iog_pt_inval *inv)
{
	int err = iog_vtd_flush_pt(vtd_of(x, 1), IOG_SHIELD_DEFAULT_DID, NULL, inv);

	return err ? err : iog_vtd_flush_pt(vtd_of(x, 0), IOG_SHIELD_DEFAULT_DID, pt, inv);
}

/* A page-table change the driver does not invalidate is visible in the model's IOTLB. */
static void check_invalidation(struct machine *x)
{
	struct iog_pt *pt = default_pt(x, 0);
	struct iog_pt_inval inv = {0, 0, 0};
	struct vtd_dma_result r;
	int cm = (x->k.cap & VTDM_CAP_CM) != 0;

	dma_ok(x, GPU, 0x5000, 1); /* now cached */
	assert_int_equal(iog_pt_unmap(pt, 0x5000, 0x1000, &inv), 0);
	/* The tables say no; the unit's IOTLB still says yes. */
	assert_int_equal(vtd_model_probe(&x->m[0], GPU, 0x5000, 1, &r), -1);
	dma_ok(x, GPU, 0x5000, 1);
	assert_int_equal(flush_default(x, pt, &inv), 0);
	dma_faults(x, GPU, 0x5000, 1, 0);
	/* Not present → present: under caching mode the fault itself was cached. */
	memset(&inv, 0, sizeof(inv));
	assert_int_equal(iog_pt_map(pt, 0x5000, 0x5000, 0x1000, IOG_PT_RW, &inv), 0);
	assert_int_equal(vtd_model_probe(&x->m[0], GPU, 0x5000, 1, &r), 0);
	if (cm) {
		assert_int_equal(vtd_model_dma(&x->m[0], GPU, 0x5000, 8, 1, &r), -1);
		iog_vtd_faults(vtd_of(x, 0), NULL, 0);
	}
	assert_int_equal(flush_default(x, pt, &inv), 0);
	dma_ok(x, GPU, 0x5000, 1);
	/* A range across a 2 MiB boundary: the invalidation must cover all of it. */
	dma_ok(x, GPU, 0x7fe000, 0);
	dma_ok(x, GPU, 0x801000, 0);
	memset(&inv, 0, sizeof(inv));
	assert_int_equal(iog_pt_unmap(pt, 0x7fe000, 0x4000, &inv), 0);
	assert_int_equal(flush_default(x, pt, &inv), 0);
	dma_faults(x, GPU, 0x7fe000, 0, 0);
	dma_faults(x, GPU, 0x801000, 0, 0);
	dma_ok(x, GPU, 0x7fd000, 0);
	dma_ok(x, GPU, 0x802000, 0);
	/* One page out of a large leaf the unit has cached whole. */
	dma_ok(x, GPU, 0x1010000, 1);
	memset(&inv, 0, sizeof(inv));
	assert_int_equal(iog_pt_unmap(pt, 0x1010000, 0x1000, &inv), 0);
	assert_int_equal(flush_default(x, pt, &inv), 0);
	dma_faults(x, GPU, 0x1010000, 1, 0);
	dma_ok(x, GPU, 0x1011000, 1);
}

/* Tables corrupted after setup: the verifier says so, and where. */
static void check_verifier(struct machine *x)
{
	struct iog_diag d = {0};
	uint64_t page = (VMM_BASE + 0x200000) & ~0xfffull;
	uint64_t *ctx;

	assert_int_equal(iog_shield_verify(&x->s, &x->c, &d), 0);
	/* Someone maps a VMM page into the default domain of unit 1. */
	assert_int_equal(iog_pt_map(default_pt(x, 1), page, page, 0x1000, IOG_PT_READ, NULL), 0);
	assert_int_equal(iog_shield_verify(&x->s, &x->c, &d), IOG_ECONFLICT);
	assert_int_equal(x->s.report.phys, page);
	/* The offset is the DRHD's; the address has a field of its own. */
	assert_int_equal(d.offset, iog_shield_unit(&x->s, 0)->drhd);
	assert_true(d.has_address);
	assert_int_equal(d.address, page);
	assert_int_equal(iog_pt_unmap(default_pt(x, 1), page, 0x1000, NULL), 0);
	assert_int_equal(iog_shield_verify(&x->s, &x->c, &d), 0);
	/*
	 * Someone turns a context entry into pass-through, by hand: 00:02.0 in
	 * unit 1's own table of bus 0 (the NIC's), not in the shared one.
	 */
	ctx = x->h.plat.page_virt(x->h.plat.ctx, vtd_of(x, 1)->root[0] & ~0xfffull);
	assert_non_null(ctx);
	assert_int_not_equal(vtd_of(x, 1)->root[0] & ~0xfffull, x->s.kinds[0].context_phys);
	ctx[2 * GPU] |= 2 << 2;
	if (x->k.ecap & VTDM_ECAP_PT) {
		assert_int_equal(iog_shield_verify(&x->s, &x->c, &d), IOG_ECONFLICT);
		assert_int_equal(x->s.report.sid, GPU);
		assert_int_equal(d.offset, iog_shield_unit(&x->s, 1)->drhd);
	} else {
		/* Without ECAP.PT the unit faults on it: still isolated. */
		assert_int_equal(iog_shield_verify(&x->s, &x->c, &d), 0);
	}
	ctx[2 * GPU] &= ~(3ull << 2);
	/* A grant that vanished. */
	assert_int_equal(iog_pt_unmap(&x->s.domains[0].pt, GRANT_RO, 0x1000, NULL), 0);
	assert_int_equal(iog_shield_verify(&x->s, &x->c, &d), IOG_ECONFLICT);
	assert_int_equal(x->s.report.sid, NIC);
	assert_int_equal(x->s.report.iova, GRANT_RO);
}

static void test_shield_every_cap_set(void **state)
{
	(void)state;
	for (unsigned i = 0; i < sizeof(cap_sets) / sizeof(cap_sets[0]); i++) {
		struct machine *x = machine_new(i, 0);

		print_message("  caps: %s\n", x->k.name);
		/* Firmware's translation is live before: the GPU is in pass-through. */
		if (x->k.ecap & VTDM_ECAP_PT)
			dma_ok(x, GPU, VMM_BASE, 1);
		apply_ok(x);
		check_machine(x);
		check_invalidation(x);
		check_verifier(x);
		machine_free(x);
	}
}

/* Interrupt remapping with live entries: refuse, warn, or defer, as asked. */
static void test_ir_policy(void **state)
{
	static const enum iog_vtd_ir_policy policies[] = {IOG_VTD_IR_REFUSE, IOG_VTD_IR_WARN,
							  IOG_VTD_IR_DEFER};

	(void)state;
	for (unsigned p = 0; p < 3; p++) {
		struct machine *x = machine_new(1, 3);
		struct iog_diag d = {0};
		uint32_t gsts;
		int err;

		x->c.ir_policy = policies[p];
		err = iog_shield_apply(&x->s, &x->h.plat, &x->c, &d);
		gsts = (uint32_t)vtd_model_read(&x->m[0], VTDM_REG_GSTS, 4);
		assert_int_equal(vtd_of(x, 0)->fw.irte_present, 3);
		if (policies[p] == IOG_VTD_IR_REFUSE) {
			assert_int_equal(err, IOG_ECONFLICT);
			/* Nothing touched: firmware's translation still on. */
			assert_true(gsts & VTDM_GSTS_TES);
			assert_true(gsts & VTDM_GSTS_IRES);
			assert_int_equal(x->m[0].rta_latched, FW_AT);
		} else {
			assert_int_equal(err, 0);
			assert_true(gsts & VTDM_GSTS_TES);
			assert_int_equal(!!(gsts & VTDM_GSTS_IRES),
					 policies[p] == IOG_VTD_IR_DEFER);
			assert_true(gsts & VTDM_GSTS_QIES); /* our own queue now */
			assert_int_not_equal(x->m[0].iq_base, FW_AT + 0x3000);
			dma_faults(x, GPU, VMM_BASE, 1, 0);
		}
		machine_free(x);
	}
}

/* Hardware that never answers: errors, not hangs. */
static void test_injected_faults(void **state)
{
	static const struct {
		unsigned caps;
		const char *what;
		int expect;
	} cases[] = {
		{0, "SRTP never completes", IOG_ETIMEDOUT},
		{0, "TE never sets", IOG_ETIMEDOUT},
		{0, "CCMD.ICC never clears", IOG_ETIMEDOUT},
		{0, "IOTLB.IVT never clears", IOG_ETIMEDOUT},
		{1, "invalidation queue error", IOG_EIO},
		{1, "invalidation queue stuck", IOG_ETIMEDOUT},
		{1, "QIE never clears", IOG_ETIMEDOUT},
	};

	(void)state;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct machine *x = machine_new(cases[i].caps, 0);
		struct iog_diag d = {0};
		int err;

		print_message("  inject: %s\n", cases[i].what);
		switch (i) {
		case 0:
			x->m[0].inject.stuck_gsts = VTDM_GSTS_RTPS;
			x->m[0].gsts &= ~VTDM_GSTS_RTPS;
			break;
		case 1:
			x->m[1].inject.stuck_gsts = VTDM_GSTS_TES;
			x->m[1].gsts &= ~VTDM_GSTS_TES;
			x->m[1].gcmd_state &= ~VTDM_GSTS_TES;
			break;
		case 2: x->m[0].inject.ccmd_stuck = 1; break;
		case 3: x->m[1].inject.iotlb_stuck = 1; break;
		case 4: x->m[0].inject.qi_error = 1; break;
		case 5: x->m[1].inject.qi_stuck = 1; break;
		default: x->m[0].inject.stuck_gsts = VTDM_GSTS_QIES; break;
		}
		err = iog_shield_apply(&x->s, &x->h.plat, &x->c, &d);
		assert_int_equal(err, cases[i].expect);
		assert_non_null(d.reason);
		memset(&x->m[0].inject, 0, sizeof(x->m[0].inject));
		memset(&x->m[1].inject, 0, sizeof(x->m[1].inject));
		vtd_model_qi_kick(&x->m[0]); /* the hardware recovers */
		vtd_model_qi_kick(&x->m[1]);
		/* A command that timed out may still complete: release until all is off. */
		err = iog_shield_release(&x->s);
		for (unsigned k = 0; err && k < 3; k++)
			err = iog_shield_release(&x->s);
		if (err)
			fail_msg("%s: release %d, GSTS %x %x", cases[i].what, err,
				 (unsigned)vtd_model_read(&x->m[0], VTDM_REG_GSTS, 4),
				 (unsigned)vtd_model_read(&x->m[1], VTDM_REG_GSTS, 4));
		machine_free(x);
	}
}

/* A unit that will not stop translating keeps its tables: nothing is freed under it. */
static void test_release_refuses(void **state)
{
	struct machine *x = machine_new(1, 0);
	size_t pages;

	(void)state;
	apply_ok(x);
	pages = x->h.pages_in_use;
	x->m[0].inject.stuck_gsts = VTDM_GSTS_TES;
	assert_int_equal(iog_shield_release(&x->s), IOG_ECONFLICT);
	/* Unit 1 stopped and gave its pages back; unit 0 kept all of its own. */
	assert_true(x->h.pages_in_use > 0 && x->h.pages_in_use < pages);
	assert_true(vtd_model_read(&x->m[0], VTDM_REG_GSTS, 4) & VTDM_GSTS_TES);
	dma_faults(x, GPU, VMM_BASE, 1, 0); /* still protected */
	x->m[0].inject.stuck_gsts = 0;
	assert_int_equal(iog_shield_release(&x->s), 0);
	assert_int_equal(x->h.pages_in_use, 0);
	machine_free(x);
}

/* Firmware's translation stays on until the shield's takes over: never untranslated. */
static void test_no_untranslated_window(void **state)
{
	struct machine *x = machine_new(2, 0);

	(void)state;
	apply_ok(x);
	/* TE never went off on either unit: the model counts GCMD writes with TE clear. */
	for (unsigned u = 0; u < 2; u++)
		assert_int_equal(x->m[u].stats.te_off_writes, 0);
	machine_free(x);
}

/*
 * The clock, read by the shield (machine is the hosted platform's context):
 * notes the first reading at which both units translate through a root
 * that is not firmware's, from the models' own state (no register read,
 * which could move the models on).
 */
static uint64_t watch_clock(void *ctx)
{
	struct machine *x = ctx;
	uint64_t now = x->h.plat.clock_ns(ctx);
	int live = 1;

	for (unsigned u = 0; u < 2; u++)
		live &= (x->m[u].gsts & VTDM_GSTS_TES) && x->m[u].root_latched &&
			x->m[u].rta_latched != FW_AT;
	if (live && !x->first_live)
		x->first_live = now;
	return now;
}

/*
 * Apply's clock readings: in order, protection live once the last unit
 * translates with the shield's root (not before: firmware's translation,
 * kept on, is no protection), the verifier after that; with firmware's
 * translation on, and with both units off at boot (live at the last TE).
 */
static void test_apply_times(void **state)
{
	(void)state;
	for (unsigned off = 0; off < 2; off++) {
		struct machine *x = machine_new(1, 0);
		const struct iog_shield_times *t = &x->s.times;
		struct iog_diag d = {0};

		if (off)
			for (unsigned u = 0; u < 2; u++)
				vtd_model_firmware_state(&x->m[u], 0, 0, 0, 0, 0, 0, 0, 0, 0);
		x->watched = x->h.plat;
		x->watched.clock_ns = watch_clock;
		assert_int_equal(iog_shield_apply(&x->s, &x->watched, &x->c, &d), 0);
		assert_true(t->start < t->probed);
		assert_true(t->probed < t->disabled);
		assert_true(t->disabled < t->built);
		assert_true(t->built < t->live);
		assert_true(t->live < t->verified);
		/* Live is stamped once every unit is, not before (the TE at boot off). */
		assert_true(x->first_live > t->built);
		assert_true(x->first_live <= t->live);
		assert_int_equal(x->s.report.violations, 0);
		machine_free(x);
	}
}

/* An RMRR over protected memory: refused, or honoured for its device only. */
static void test_rmrr_conflict(void **state)
{
	struct machine *x;
	struct iog_diag d = {0};

	(void)state;
	x = machine_new(1, 0);
	/* Move the RMRR onto the VMM. */
	memcpy(x->dmar.buf + x->rmrr_off + 8, &(uint64_t){VMM_BASE + 0x100000 - 0x1000}, 8);
	memcpy(x->dmar.buf + x->rmrr_off + 16, &(uint64_t){VMM_BASE + 0x100000 + 0xfff}, 8);
	tb_finish(&x->dmar);
	assert_int_equal(iog_shield_apply(&x->s, &x->h.plat, &x->c, &d), IOG_ECONFLICT);
	assert_int_equal(d.offset, x->rmrr_off + 8);
	iog_shield_release(&x->s);
	x->c.allow_rmrr_conflict = 1;
	apply_ok(x);
	dma_ok(x, USB, VMM_BASE + 0x100000, 1);
	dma_faults(x, USB, VMM_BASE + 0x300000, 1, 0);
	dma_faults(x, DISK, VMM_BASE + 0x100000, 1, 0);
	dma_ok(x, DISK, 0x1000, 1);
	machine_free(x);
}

/* BitVisor's DISABLE_VTD: everything firmware enabled goes off, DMA is free again. */
static void test_disable_only(void **state)
{
	struct machine *x = machine_new(1, 0);
	struct iog_vtd u;
	struct vtd_dma_result r;

	(void)state;
	/* Firmware's PMR blocks low memory even for the pass-through GPU. */
	assert_int_equal(vtd_model_dma(&x->m[0], GPU, 0x1000, 8, 1, &r), -1);
	assert_true(r.blocked_by_pmr);
	assert_int_equal(iog_vtd_probe(&u, &x->h.plat, UNIT0, 0x1000, 0, NULL), 0);
	assert_int_equal(u.fw.pmen & VTDM_PMEN_PRS, VTDM_PMEN_PRS);
	assert_int_equal(u.fw.rtaddr, FW_AT);
	assert_int_equal(iog_vtd_disable(&u, IOG_VTD_IR_REFUSE, 0), 0);
	assert_int_equal(vtd_model_read(&x->m[0], VTDM_REG_GSTS, 4) &
				 (VTDM_GSTS_TES | VTDM_GSTS_IRES | VTDM_GSTS_QIES),
			 0);
	assert_int_equal(vtd_model_read(&x->m[0], VTDM_REG_PMEN, 4), 0);
	dma_ok(x, GPU, 0x1000, 1);
	/* Unit 1 was not touched: still firmware's translation, where bus 3 is absent. */
	assert_true(vtd_model_read(&x->m[1], VTDM_REG_GSTS, 4) & VTDM_GSTS_TES);
	assert_int_equal(vtd_model_dma(&x->m[1], DISK, 0x1000, 8, 0, &r), -1);
	assert_int_equal(r.fault_reason, VTDM_FR_ROOT_NOT_PRESENT);
	machine_free(x);
}

/* Absurd register contents are refused at probe. */
static void test_probe_rejects(void **state)
{
	struct machine *x = machine_new(0, 0);
	struct iog_diag d = {0};
	struct iog_vtd u;

	(void)state;
	assert_int_equal(iog_vtd_probe(&u, &x->h.plat, 0xfee00000, 0x1000, 0, &d), IOG_EIO);
	x->m[0].cfg.cap = (x->m[0].cfg.cap & ~(0x3ffull << 24)) | (0xffull << 24);
	assert_int_equal(iog_vtd_probe(&u, &x->h.plat, UNIT0, 0x1000, 0, &d), IOG_EBADVAL);
	assert_non_null(strstr(d.reason, "fault recording"));
	x->m[0].cfg.cap = caps_of(0).cap & ~(0x1full << 8);
	assert_int_equal(iog_vtd_probe(&u, &x->h.plat, UNIT0, 0x1000, 0, &d), IOG_EBADVAL);
	x->m[0].cfg.cap = caps_of(0).cap | 7;
	assert_int_equal(iog_vtd_probe(&u, &x->h.plat, UNIT0, 0x1000, 0, &d), IOG_EBADVAL);
	x->m[0].cfg.ecap = caps_of(0).ecap | (0x3ffull << 8);
	x->m[0].cfg.cap = caps_of(0).cap;
	assert_int_equal(iog_vtd_probe(&u, &x->h.plat, UNIT0, 0x1000, 0, &d), IOG_EBADVAL);
	assert_int_equal(iog_vtd_probe(&u, &x->h.plat, UNIT0 + 0x800, 0x1000, 0, &d), IOG_EINVAL);
	machine_free(x);
}

/* More faults than records: all records read oldest first, the overflow counted. */
static void test_fault_overflow(void **state)
{
	struct machine *x = machine_new(1, 0);
	struct iog_vtd_fault f[16];

	(void)state;
	apply_ok(x);
	for (unsigned i = 0; i < 11; i++)
		assert_int_equal(vtd_model_dma(&x->m[1], DISK, VMM_BASE + i * 0x1000, 4, 0, NULL),
				 -1);
	assert_int_equal(iog_vtd_faults(vtd_of(x, 1), f, 16), 8);
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(f[i].addr, VMM_BASE + i * 0x1000);
	assert_int_equal(vtd_of(x, 1)->faults_lost, 1);
	assert_int_equal(vtd_model_read(&x->m[1], VTDM_REG_FSTS, 4) & VTDM_FSTS_PFO, 0);
	/* Records are free again. */
	dma_faults(x, DISK, VMM_BASE, 0, 0);
	machine_free(x);
}

/* The DMAR is concealed as configured; other tables stay. */
static void test_conceal(void **state)
{
	static const enum iog_conceal_mode modes[] = {IOG_CONCEAL_ZAP, IOG_CONCEAL_UNLINK};

	(void)state;
	for (unsigned i = 0; i < 2; i++) {
		struct machine *x = machine_new(2, 0);
		struct iog_acpi acpi, after;
		struct iog_acpi_table t;
		uint64_t xsdt = FW_AT + 0x10000, dmar = FW_AT + 0x20000, apic = FW_AT + 0x30000;
		uint8_t r[36];
		struct tb *tb = malloc(sizeof(*tb));

		assert_int_equal(iog_hosted_add_ram(&x->h, 0xe0000, 0x20000), 0);
		memcpy(iog_hosted_ptr(&x->h, 0xe0000, 36), r, rsdp_bytes(r, 2, 0, xsdt));
		memcpy(iog_hosted_ptr(&x->h, dmar, x->dmar.len), x->dmar.buf, x->dmar.len);
		tb_init(tb);
		tb_header(tb, "APIC", 1);
		tb_finish(tb);
		memcpy(iog_hosted_ptr(&x->h, apic, tb->len), tb->buf, tb->len);
		tb_init(tb);
		tb_header(tb, "XSDT", 1);
		tb_u64(tb, dmar);
		tb_u64(tb, apic);
		tb_finish(tb);
		memcpy(iog_hosted_ptr(&x->h, xsdt, tb->len), tb->buf, tb->len);
		assert_int_equal(iog_acpi_init(&acpi, &x->h.plat, 0xe0000, NULL), 0);
		assert_int_equal(iog_acpi_find(&acpi, "DMAR", 0, &t, NULL), 0);
		x->c.acpi = &acpi;
		x->c.conceal = modes[i];
		/* Firmware left x2APIC on: the guest without interrupt remapping is told about. */
		x->c.firmware_x2apic = i;
		apply_ok(x);
		assert_int_equal(x->s.x2apic.risks, i ? IOG_X2APIC_RISK_FIRMWARE_ON : 0);
		assert_int_equal(x->s.x2apic.intr_remap, 1);
		assert_int_equal(logged(x, "x2apic: at risk"), i);
		assert_int_equal(x->s.concealed, 1);
		assert_int_equal(iog_acpi_init(&after, &x->h.plat, 0xe0000, NULL), 0);
		assert_int_equal(iog_acpi_find(&after, "DMAR", 0, &t, NULL), IOG_ENOTFOUND);
		assert_int_equal(iog_acpi_find(&after, "APIC", 0, &t, NULL), 0);
		assert_int_equal(iog_acpi_entry_count(&after, IOG_SDT_XSDT),
				 modes[i] == IOG_CONCEAL_ZAP ? 2 : 1);
		dma_faults(x, DISK, VMM_BASE, 1, 0);
		free(tb);
		machine_free(x);
	}
}

/* Table pages must lie in protected memory: a pool outside it is refused, with the page. */
static void test_table_pages_outside_protected(void **state)
{
	struct machine *x = machine_new(1, 0);
	struct iog_diag d = {0};

	(void)state;
	/* The VMM is 1 MiB below the pool now; neither is in the memory map. */
	x->protect[0] = (struct iog_range){VMM_BASE, MiB};
	x->memmap[1].size = VMM_BASE - 0x1000 - MiB;
	assert_int_equal(iog_shield_apply(&x->s, &x->h.plat, &x->c, &d), IOG_ECONFLICT);
	assert_true(d.has_address);
	assert_true(d.address >= POOL_AT && d.address < POOL_AT + POOL_PAGES * 0x1000ull);
	/* Firmware's translation is still on: nothing more open than before. */
	for (unsigned u = 0; u < 2; u++)
		assert_true(vtd_model_read(&x->m[u], VTDM_REG_GSTS, 4) & VTDM_GSTS_TES);
	machine_free(x);
}

/* The verifier protects what the unit walks even when the caller's ranges leave it out. */
static void test_verifier_protects_tables(void **state)
{
	struct machine *x = machine_new(1, 0);
	struct iog_verify_input in = {.unit_base = UNIT1, .segment = 0};
	struct iog_verify_report rep;
	struct iog_pt *pt;
	uint64_t root;

	(void)state;
	apply_ok(x);
	pt = default_pt(x, 1);
	root = vtd_of(x, 1)->root_phys;
	assert_int_equal(iog_verify_unit(&x->h.plat, &in, &rep), 0);
	/* Someone maps unit 1's root table into the default domain: no protected range says so. */
	assert_int_equal(iog_pt_map(pt, root, root, 0x1000, IOG_PT_READ, NULL), 0);
	assert_int_equal(iog_verify_unit(&x->h.plat, &in, &rep), IOG_ECONFLICT);
	assert_int_equal(rep.phys, root);
	assert_string_equal(rep.what, "a translation reaches the IOMMU's own tables");
	assert_int_equal(iog_pt_unmap(pt, root, 0x1000, NULL), 0);
	/* A context table page, and the invalidation queue, likewise. */
	root = x->s.kinds[0].context_phys;
	assert_int_equal(iog_pt_map(pt, root, root, 0x1000, IOG_PT_RW, NULL), 0);
	assert_int_equal(iog_verify_unit(&x->h.plat, &in, &rep), IOG_ECONFLICT);
	assert_int_equal(iog_pt_unmap(pt, root, 0x1000, NULL), 0);
	root = vtd_of(x, 1)->iq_phys;
	assert_int_equal(iog_pt_map(pt, root, root, 0x1000, IOG_PT_RW, NULL), 0);
	assert_int_equal(iog_verify_unit(&x->h.plat, &in, &rep), IOG_ECONFLICT);
	assert_int_equal(rep.phys, root);
	assert_int_equal(iog_pt_unmap(pt, root, 0x1000, NULL), 0);
	assert_int_equal(iog_verify_unit(&x->h.plat, &in, &rep), 0);
	machine_free(x);
}

/* Interrupt remapping left on (deferred): its live table is out of every device's reach. */
static void test_ir_deferred_table_protected(void **state)
{
	struct machine *x = machine_new(1, 3);
	struct iog_shield_unit *u;

	(void)state;
	x->c.ir_policy = IOG_VTD_IR_DEFER;
	/* Firmware's table lies in ordinary RAM: reachable before the shield. */
	dma_ok(x, GPU, FW_AT + 0x2000, 1);
	apply_ok(x);
	u = iog_shield_unit(&x->s, 0);
	assert_true(u->vtd.ir_deferred);
	assert_int_equal(u->irt.base, FW_AT + 0x2000);
	assert_int_equal(u->irt.size, 0x1000); /* 2^(7+1) entries of 16 bytes */
	for (unsigned i = 0; i < 3; i++)
		dma_faults(x, i == 0 ? GPU : i == 1 ? DISK : USB, FW_AT + 0x2000 + 0x10 * i, 1, 0);
	dma_ok(x, DISK, FW_AT + 0x3000, 1);
	machine_free(x);
}

/* CAP.MGAW narrower than the DMAR's width: domains clamped, what lies above reported. */
static void test_width_clamped_to_mgaw(void **state)
{
	struct machine *x = machine_new(2, 0); /* MGAW 39 bits */
	struct vtd_dma_result r;

	(void)state;
	x->dmar.buf[36] = 47; /* a 48-bit host */
	tb_finish(&x->dmar);
	x->memmap[2] = (struct iog_range){0x7fc0000000ull, 2 * 0x40000000ull}; /* 511-513 GiB */
	apply_ok(x);
	assert_int_equal(x->s.kinds[0].cfg.levels, 3);
	assert_int_equal(x->s.unreachable, 0x40000000ull);
	assert_int_equal(iog_shield_unit(&x->s, 0)->reach, 1ull << 39);
	assert_true(logged(x, "beyond what units"));
	dma_ok(x, DISK, 0x7fffffe000ull, 1);
	assert_int_equal(vtd_model_dma(&x->m[1], DISK, 0x8000000000ull, 8, 1, &r), -1);
	iog_vtd_faults(vtd_of(x, 1), NULL, 0);
	machine_free(x);
}

/* RAM that does not fill its first or last page: those pages are not the guest's. */
static void test_ram_rounded_inward(void **state)
{
	struct machine *x = machine_new(1, 0);

	(void)state;
	x->memmap[2] = (struct iog_range){0x100000800ull, 0x3000};
	apply_ok(x);
	dma_faults(x, DISK, 0x100000800ull, 0, 0);
	dma_ok(x, DISK, 0x100001000ull, 1);
	dma_ok(x, DISK, 0x100002fc0ull, 1);
	dma_faults(x, DISK, 0x100003000ull, 0, 0);
	machine_free(x);
}

/* Page allocations counted, and the one numbered `fail_at` refused (0: none). */
static unsigned long alloc_calls, alloc_fail_at;
static int (*hosted_alloc)(void *ctx, void **virt, uint64_t *phys);

static int counting_alloc(void *ctx, void **virt, uint64_t *phys)
{
	if (++alloc_calls == alloc_fail_at)
		return IOG_ENOMEM;
	return hosted_alloc(ctx, virt, phys);
}

/* A failure mid-programming (out of pages): no unit left mid-batch, every unit translating. */
static void test_failed_apply_fails_closed(void **state)
{
	struct machine *x = machine_new(1, 0);
	struct iog_diag d = {0};

	(void)state;
	hosted_alloc = x->h.plat.page_alloc;
	x->h.plat.page_alloc = counting_alloc;
	alloc_calls = alloc_fail_at = 0;
	apply_ok(x);
	machine_free(x);
	/* The last page taken is the NIC's own copy of bus 0, in unit 1's batch. */
	x = machine_new(1, 0);
	x->h.plat.page_alloc = counting_alloc;
	alloc_fail_at = alloc_calls;
	alloc_calls = 0;
	assert_int_equal(iog_shield_apply(&x->s, &x->h.plat, &x->c, &d), IOG_ENOMEM);
	assert_int_equal(alloc_calls, alloc_fail_at);
	for (unsigned u = 0; u < 2; u++) {
		assert_false(vtd_of(x, u)->batch);
		assert_true(vtd_model_read(&x->m[u], VTDM_REG_GSTS, 4) & VTDM_GSTS_TES);
		assert_int_equal(x->m[u].stats.te_off_writes, 0);
	}
	/* What the shield set up confines: the NIC, not placed yet, is an ordinary device. */
	dma_faults(x, DISK, VMM_BASE, 1, 0);
	dma_faults(x, NIC, GRANT_VMM, 1, 0);
	dma_ok(x, NIC, GRANT_RW, 1);
	alloc_fail_at = 0;
	machine_free(x);
}

/* Fault events as interrupts: unit 1's go where the platform says, unit 0's stay masked. */
static int fault_msi_unit1(void *ctx, uint64_t base, uint64_t *addr, uint32_t *data)
{
	(void)ctx;
	if (base != UNIT1)
		return IOG_ENOTFOUND;
	*addr = 0xfee01000;
	*data = 0x4041;
	return IOG_OK;
}

static void test_fault_interrupts(void **state)
{
	struct machine *x = machine_new(1, 0);

	(void)state;
	x->h.plat.fault_msi = fault_msi_unit1;
	apply_ok(x);
	dma_faults(x, DISK, VMM_BASE, 1, 0);
	assert_int_equal(x->m[1].stats.fault_events, 1);
	assert_int_equal(x->m[1].fault_msi_addr, 0xfee01000);
	assert_int_equal(x->m[1].fault_msi_data, 0x4041);
	dma_faults(x, GPU, VMM_BASE, 1, 0);
	assert_int_equal(x->m[0].stats.fault_events, 0);
	machine_free(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shield_every_cap_set),
		cmocka_unit_test(test_ir_policy),
		cmocka_unit_test(test_injected_faults),
		cmocka_unit_test(test_rmrr_conflict),
		cmocka_unit_test(test_disable_only),
		cmocka_unit_test(test_probe_rejects),
		cmocka_unit_test(test_fault_overflow),
		cmocka_unit_test(test_conceal),
		cmocka_unit_test(test_release_refuses),
		cmocka_unit_test(test_no_untranslated_window),
		cmocka_unit_test(test_apply_times),
		cmocka_unit_test(test_table_pages_outside_protected),
		cmocka_unit_test(test_verifier_protects_tables),
		cmocka_unit_test(test_ir_deferred_table_protected),
		cmocka_unit_test(test_width_clamped_to_mgaw),
		cmocka_unit_test(test_ram_rounded_inward),
		cmocka_unit_test(test_failed_apply_fails_closed),
		cmocka_unit_test(test_fault_interrupts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
