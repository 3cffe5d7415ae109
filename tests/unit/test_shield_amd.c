/*
 * The AMD-Vi backend: the driver (src/amdvi) and the shield against the
 * software AMD IOMMU model (model/amdvi_model), two IOMMUs on a simulated
 * machine, with and without large pages and INVALIDATE_IOMMU_ALL. What
 * counts is what devices can do afterwards: DMA is pushed through the
 * model, which walks the device table and page tables with its own code,
 * caches what hardware caches and logs events as the specification says.
 */
#include <stdlib.h>
#include <string.h>

#include <ioguard/hosted.h>
#include <ioguard/shield.h>

#include "model/amdvi_model.h"
#include "testlib.h"

#define IOMMU0 0xfed80000ull
#define IOMMU1 0xfd000000ull
#define FW_AT 0x10000000ull /* firmware's device table and buffers (1 MiB) */
#define POOL_AT 0x20000000ull
#define POOL_PAGES 4096
#define VMM_BASE 0x1ff01000ull /* protected: the VMM, and the table pool inside it */
#define VMM_SIZE 0x1200000ull
#define IVMD_BASE 0x9e000000ull /* outside the memory map, like real IVMDs */
#define IVMD_SIZE 0x20000ull
#define GRANT_RW 0x30000000ull
#define GRANT_VMM (VMM_BASE + 0x1100000) /* a VMM buffer its NIC may write, past the pool */
#define MiB (1024ull * 1024)

#define ID(b, d, f) ((uint16_t)((b) << 8 | (d) << 3 | (f)))
#define GPU ID(0, 1, 0)		/* IOMMU 0 */
#define USB ID(0, 0x12, 0)	/* IOMMU 0, named by the IVMD */
#define NIC ID(1, 0, 0)		/* IOMMU 1, driven by the VMM: granted */
#define DISK ID(2, 0, 0)	/* IOMMU 1, in a range */
#define ALIASED ID(3, 0, 0)	/* IOMMU 1: its requests carry ALIAS_TO */
#define ALIAS_TO ID(2, 0x1f, 0) /* ... which the IVHD names through the alias entry */

struct caps {
	const char *name;
	uint64_t efr;
	int small_pages;
};

static const struct caps cap_sets[] = {
	{"6 levels (HATS 2), INVALIDATE_IOMMU_ALL, large pages",
	 AMDVM_EFR_HATS_FIELD(2) | AMDVM_EFR_IA_SUP, 0},
	{"4 levels (HATS 0), no INVALIDATE_IOMMU_ALL, 4 KiB pages only", AMDVM_EFR_HATS_FIELD(0),
	 1},
};

struct machine {
	struct iog_hosted h;
	struct amdvi_model m[2];
	struct tb ivrs;
	struct iog_range memmap[3];
	struct iog_range protect[1];
	struct iog_grant grants[2];
	struct iog_shield_config c;
	struct iog_shield s;
	const struct caps *k;
	/* test_amd_apply_times: the platform with its clock watched, and what the watch saw. */
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

/* ---- An IVRS: two IVHDs of type 10h, an IVMD for one device ---- */

static size_t ivhd_begin(struct tb *t, uint16_t devid, uint64_t base)
{
	size_t at = t->len;

	tb_u8(t, IOG_IVHD_10);
	tb_u8(t, 0xb0); /* coherent, IOTLB support, ... */
	tb_u16(t, 0);	/* length, below */
	tb_u16(t, devid);
	tb_u16(t, 0x40); /* capability offset */
	tb_u64(t, base);
	tb_u16(t, 0); /* segment */
	tb_u16(t, 0); /* IOMMU info */
	tb_u32(t, 0); /* feature reporting */
	return at;
}

static void ivhd_entry4(struct tb *t, uint8_t type, uint16_t devid)
{
	tb_u8(t, type);
	tb_u16(t, devid);
	tb_u8(t, 0);
}

static void build_ivrs(struct tb *t)
{
	size_t at;

	tb_init(t);
	tb_header(t, "IVRS", 2);
	tb_u32(t, 40u << 8); /* IVinfo: 40-bit physical addresses */
	tb_u64(t, 0);
	/* IOMMU 0: bus 0, the southbridge IOAPIC among it. */
	at = ivhd_begin(t, ID(0, 0x00, 2), IOMMU0);
	ivhd_entry4(t, IOG_IVHD_RANGE_START, ID(0, 0, 0));
	ivhd_entry4(t, IOG_IVHD_RANGE_END, ID(0, 0x1f, 7));
	tb_u8(t, IOG_IVHD_SPECIAL); /* IOAPIC 0 at 00:14.0 */
	tb_u16(t, 0);
	tb_u8(t, 0);
	tb_u8(t, 0);
	tb_u16(t, 0xa0);
	tb_u8(t, IOG_IVHD_VARIETY_IOAPIC);
	tb_put16(t, at + 2, (uint16_t)(t->len - at));
	/* IOMMU 1: buses 1-2, and a device on bus 3 behind a bridge that takes ids as ALIAS_TO. */
	at = ivhd_begin(t, ID(1, 0x1f, 2), IOMMU1);
	ivhd_entry4(t, IOG_IVHD_RANGE_START, ID(1, 0, 0));
	ivhd_entry4(t, IOG_IVHD_RANGE_END, ID(2, 0x1f, 7));
	tb_u8(t, IOG_IVHD_ALIAS_SELECT);
	tb_u16(t, ALIASED);
	tb_u8(t, 0);
	tb_u8(t, 0);
	tb_u16(t, ALIAS_TO);
	tb_u8(t, 0);
	tb_put16(t, at + 2, (uint16_t)(t->len - at));
	/* IVMD for the USB controller: unity-mapped, read and write. */
	tb_u8(t, IOG_IVMD_SELECT);
	tb_u8(t, 0x07);
	tb_u16(t, IOG_IVMD_LEN);
	tb_u16(t, USB);
	tb_u16(t, 0);
	tb_u64(t, 0);
	tb_u64(t, IVMD_BASE);
	tb_u64(t, IVMD_SIZE);
	tb_finish(t);
}

/* Firmware left IOMMU 0 on: a device table of V = 0 entries (all pass), its buffers running. */
static void firmware_state(struct machine *x)
{
	amdvi_model_firmware_state(
		&x->m[0], AMDVM_CTRL_IOMMU_EN | AMDVM_CTRL_CMD_BUF_EN | AMDVM_CTRL_EVT_LOG_EN,
		FW_AT | 1, (FW_AT + 0x4000) | 8ull << 56, (FW_AT + 0x5000) | 8ull << 56, 0, 0);
}

static struct machine *machine_new(const struct caps *k)
{
	struct machine *x = calloc(1, sizeof(*x));
	struct amdvi_model_config cfg = {k->efr};
	struct amdvi_model_mem mem;

	assert_non_null(x);
	x->k = k;
	iog_hosted_init(&x->h);
	assert_int_equal(iog_hosted_add_ram(&x->h, FW_AT, MiB), 0);
	assert_int_equal(iog_hosted_set_page_pool(&x->h, POOL_AT, POOL_PAGES), 0);
	mem = (struct amdvi_model_mem){&x->h, dev_read, dev_write};
	for (unsigned u = 0; u < 2; u++) {
		amdvi_model_init(&x->m[u], &cfg, &mem);
		assert_int_equal(iog_hosted_add_mmio(&x->h, u ? IOMMU1 : IOMMU0, 0x4000,
						     &amdvi_model_mmio_ops, &x->m[u]),
				 0);
	}
	firmware_state(x);
	build_ivrs(&x->ivrs);
	x->memmap[0] = (struct iog_range){0, 0x9f000};
	x->memmap[1] = (struct iog_range){MiB, 0x80000000ull - MiB};
	x->memmap[2] = (struct iog_range){0x100000000ull, 0x40000000ull};
	x->protect[0] = (struct iog_range){VMM_BASE, VMM_SIZE};
	x->grants[0] = (struct iog_grant){0, 1, 0, GRANT_RW, 16 * MiB, IOG_PT_RW};
	x->grants[1] = (struct iog_grant){0, 1, 0, GRANT_VMM, 0x10000, IOG_PT_RW};
	x->c = (struct iog_shield_config){
		.ivrs = x->ivrs.buf,
		.ivrs_len = x->ivrs.len,
		.amdvi_small_pages = k->small_pages,
		.memmap = x->memmap,
		.nmemmap = 3,
		.protect = x->protect,
		.nprotect = 1,
		.grants = x->grants,
		.ngrants = 2,
	};
	return x;
}

static void machine_free(struct machine *x)
{
	iog_shield_release(&x->s);
	assert_int_equal(x->h.pages_in_use, 0);
	iog_hosted_destroy(&x->h);
	free(x);
}

static unsigned iommu_of(uint16_t id)
{
	return id < 0x100 ? 0 : 1;
}

static struct iog_amdvi *amdvi_of(struct machine *x, unsigned i)
{
	struct iog_shield_unit *u = iog_shield_unit(&x->s, i);

	assert_non_null(u);
	assert_true(u->amd);
	return &u->amdvi;
}

static void dma_ok(struct machine *x, uint16_t id, uint64_t addr, int write)
{
	struct amdvi_dma_result r;

	if (amdvi_model_dma(&x->m[iommu_of(id)], id, addr, 64, write, &r))
		fail_msg("%s: %s by %04x at %llx blocked (event %u flags %x)", x->k->name,
			 write ? "write" : "read", id, (unsigned long long)addr, r.event, r.flags);
	assert_int_equal(r.phys, addr);
	assert_false(r.untranslated);
}

/* DMA that must be blocked, logged as an IO_PAGE_FAULT and read back through the driver. */
static void dma_blocked(struct machine *x, uint16_t id, uint64_t addr, int write)
{
	struct amdvi_dma_result r;
	struct iog_amdvi_event ev[4];
	unsigned i = iommu_of(id);
	int n;

	if (amdvi_model_dma(&x->m[i], id, addr, 8, write, &r) == 0)
		fail_msg("%s: %s by %04x at %llx went through to %llx", x->k->name,
			 write ? "write" : "read", id, (unsigned long long)addr,
			 (unsigned long long)r.phys);
	assert_true(r.logged);
	n = iog_amdvi_events(amdvi_of(x, i), ev, 4);
	assert_int_equal(n, 1);
	assert_int_equal(ev[0].code, AMDVM_EVT_IO_PAGE_FAULT);
	assert_int_equal(ev[0].devid, id);
	assert_int_equal(ev[0].addr & ~0xfffull, addr & ~0xfffull);
	assert_int_equal(ev[0].is_write, write);
}

static void apply_ok(struct machine *x)
{
	struct iog_diag d = {0};
	int err = iog_shield_apply(&x->s, &x->h.plat, &x->c, &d);

	if (err)
		print_error("%s: shield: %d at 0x%llx: %s (address %llx)\n", x->k->name, err,
			    (unsigned long long)d.offset, d.reason ? d.reason : "",
			    (unsigned long long)d.address);
	assert_int_equal(err, 0);
}

static void check_machine(struct machine *x)
{
	static const uint16_t everyone[] = {GPU, USB, NIC, DISK, ALIAS_TO};
	static const uint16_t ordinary[] = {GPU, USB, DISK, ALIAS_TO};

	for (unsigned i = 0; i < 2; i++) {
		assert_true(amdvi_model_read(&x->m[i], AMDVM_REG_CONTROL, 8) & AMDVM_CTRL_IOMMU_EN);
		assert_int_equal(x->m[i].stats.dtb_write_while_enabled, 0);
		assert_int_equal(x->m[i].stats.cmd_base_write_while_enabled, 0);
		assert_int_equal(x->m[i].stats.cmd_illegal, 0);
	}
	assert_true(x->s.amd);
	assert_int_equal(x->s.nunits, 2);
	assert_int_equal(x->s.report.violations, 0);
	/* Nobody reaches the VMM, nor the IOMMUs' own tables in it. */
	for (unsigned i = 0; i < 5; i++) {
		dma_blocked(x, everyone[i], VMM_BASE, 0);
		dma_blocked(x, everyone[i], VMM_BASE + VMM_SIZE - 8, 1);
		dma_blocked(x, everyone[i], amdvi_of(x, iommu_of(everyone[i]))->dt_phys, 1);
	}
	/* Ordinary devices reach the memory map, and only it. */
	for (unsigned i = 0; i < 4; i++) {
		dma_ok(x, ordinary[i], 0x1000, 1);
		dma_ok(x, ordinary[i], VMM_BASE - 64, 1);
		dma_ok(x, ordinary[i], 0x13ffff000ull, 0);
		dma_blocked(x, ordinary[i], 0x90000000ull, 0);
		dma_blocked(x, ordinary[i], 0x140000000ull, 1);
	}
	/* The IVMD, for its device wherever it sits; the NIC's grants, nothing else. */
	dma_ok(x, USB, IVMD_BASE + 0x100, 1);
	dma_ok(x, NIC, GRANT_RW, 1);
	dma_ok(x, NIC, GRANT_VMM + 0x100, 1);
	dma_blocked(x, NIC, GRANT_VMM + 0x10000, 1);
	dma_blocked(x, NIC, 0x1000, 0);
	dma_blocked(x, DISK, GRANT_VMM, 1);
	/* Interrupts still go where they went: the device table has IV = 0. */
	{
		struct amdvi_dma_result r;

		assert_int_equal(amdvi_model_dma(&x->m[0], 0xa0, 0xfee00000ull, 4, 1, &r), 0);
		assert_true(r.interrupt);
	}
}

/* A page-table change nobody invalidates is seen in the model's IOTLB until flushed. */
static void check_invalidation(struct machine *x)
{
	struct iog_pt *pt = &x->s.kinds[iog_shield_unit(&x->s, 0)->kind].pt;
	struct iog_pt_inval inv = {0, 0, 0};
	struct amdvi_dma_result r;

	dma_ok(x, GPU, 0x5000, 1);
	assert_int_equal(iog_pt_unmap(pt, 0x5000, 0x1000, &inv), 0);
	assert_int_equal(amdvi_model_probe(&x->m[0], GPU, 0x5000, 1, &r), -1);
	dma_ok(x, GPU, 0x5000, 1); /* stale, as hardware keeps it */
	assert_int_equal(iog_amdvi_flush_pt(amdvi_of(x, 1), IOG_SHIELD_DEFAULT_DID, NULL, &inv), 0);
	assert_int_equal(iog_amdvi_flush_pt(amdvi_of(x, 0), IOG_SHIELD_DEFAULT_DID, pt, &inv), 0);
	dma_blocked(x, GPU, 0x5000, 1);
	memset(&inv, 0, sizeof(inv));
	assert_int_equal(iog_pt_map(pt, 0x5000, 0x5000, 0x1000, IOG_PT_RW, &inv), 0);
	assert_int_equal(iog_amdvi_flush_pt(amdvi_of(x, 1), IOG_SHIELD_DEFAULT_DID, NULL, &inv), 0);
	assert_int_equal(iog_amdvi_flush_pt(amdvi_of(x, 0), IOG_SHIELD_DEFAULT_DID, pt, &inv), 0);
	dma_ok(x, GPU, 0x5000, 1);
}

/* Tables corrupted after setup: the verifier says so. */
static void check_verifier(struct machine *x)
{
	struct iog_diag d = {0};
	struct iog_pt *pt = &x->s.kinds[iog_shield_unit(&x->s, 1)->kind].pt;
	uint64_t page = (VMM_BASE + 0x200000) & ~0xfffull;

	assert_int_equal(iog_shield_verify(&x->s, &x->c, &d), 0);
	assert_int_equal(iog_pt_map(pt, page, page, 0x1000, IOG_PT_READ, NULL), 0);
	assert_int_equal(iog_shield_verify(&x->s, &x->c, &d), IOG_ECONFLICT);
	assert_int_equal(x->s.report.phys, page);
	assert_int_equal(iog_pt_unmap(pt, page, 0x1000, NULL), 0);
	assert_int_equal(iog_shield_verify(&x->s, &x->c, &d), 0);
}

static void test_amd_shield(void **state)
{
	(void)state;
	for (unsigned i = 0; i < sizeof(cap_sets) / sizeof(cap_sets[0]); i++) {
		struct machine *x = machine_new(&cap_sets[i]);
		struct amdvi_dma_result r;

		print_message("  caps: %s\n", x->k->name);
		/* Firmware's IOMMU passes everything (V = 0): the GPU reaches the VMM. */
		assert_int_equal(amdvi_model_dma(&x->m[0], GPU, VMM_BASE, 8, 1, &r), 0);
		apply_ok(x);
		/* Firmware's command buffer was drained with a completion wait of our own. */
		assert_int_equal(x->m[0].stats.cmds[AMDVM_CMD_COMPLETION_WAIT] > 0, 1);
		check_machine(x);
		check_invalidation(x);
		check_verifier(x);
		machine_free(x);
	}
}

/* More faults than the event log holds: read in order, the overflow counted. */
static void test_amd_event_log_wrap(void **state)
{
	struct machine *x = machine_new(&cap_sets[0]);
	struct iog_amdvi_event ev[8];
	unsigned total = 0;

	(void)state;
	apply_ok(x);
	/* 200 faults, read, then 200 more: the log wraps. */
	for (unsigned round = 0; round < 2; round++) {
		for (unsigned i = 0; i < 200; i++)
			assert_int_equal(amdvi_model_dma(&x->m[1], DISK, VMM_BASE + i * 0x1000ull,
							 4, 0, NULL),
					 -1);
		for (int n; (n = iog_amdvi_events(amdvi_of(x, 1), ev, 8)) > 0;)
			total += (unsigned)n;
	}
	assert_int_equal(total, 400);
	assert_int_equal(amdvi_of(x, 1)->events_lost, 0);
	/* 300 without reading: the log (256 entries) overflows; what it kept is read. */
	for (unsigned i = 0; i < 300; i++)
		amdvi_model_dma(&x->m[1], DISK, VMM_BASE + i * 0x1000ull, 4, 0, NULL);
	total = 0;
	for (int n; (n = iog_amdvi_events(amdvi_of(x, 1), ev, 8)) > 0;)
		total += (unsigned)n;
	assert_true(total >= 250 && total < 300);
	assert_int_equal(amdvi_of(x, 1)->events_lost, 1);
	machine_free(x);
}

/* A completion wait that never completes: an error, not a hang; the IOMMU left translating. */
static void test_amd_completion_never_arrives(void **state)
{
	struct machine *x = machine_new(&cap_sets[0]);
	struct iog_diag d = {0};

	(void)state;
	x->m[1].inject.cwait_stuck = 1;
	assert_int_equal(iog_shield_apply(&x->s, &x->h.plat, &x->c, &d), IOG_ETIMEDOUT);
	assert_non_null(d.reason);
	/* IOMMU 0, on before, translates again (its own tables); IOMMU 1 never was. */
	assert_true(amdvi_model_read(&x->m[0], AMDVM_REG_CONTROL, 8) & AMDVM_CTRL_IOMMU_EN);
	x->m[1].inject.cwait_stuck = 0;
	amdvi_model_cmd_kick(&x->m[1]);
	machine_free(x);
}

/* DISABLE for AMD: firmware's IOMMU off after its queue drained; DMA untranslated again. */
static void test_amd_disable_only(void **state)
{
	struct machine *x = machine_new(&cap_sets[0]);
	struct iog_amdvi u;
	struct amdvi_dma_result r;

	(void)state;
	assert_int_equal(iog_amdvi_probe(&u, &x->h.plat, IOMMU0, 0, ID(0, 0, 2), NULL), 0);
	assert_int_equal(u.fw.dev_tab, FW_AT | 1);
	assert_int_equal(iog_amdvi_disable(&u), 0);
	assert_int_equal(
		amdvi_model_read(&x->m[0], AMDVM_REG_CONTROL, 8) &
			(AMDVM_CTRL_IOMMU_EN | AMDVM_CTRL_CMD_BUF_EN | AMDVM_CTRL_EVT_LOG_EN),
		0);
	assert_int_equal(x->m[0].stats.cwait_stores, 1);
	assert_int_equal(amdvi_model_dma(&x->m[0], GPU, VMM_BASE, 8, 1, &r), 0);
	assert_true(r.untranslated);
	assert_int_equal(iog_amdvi_release(&u), 0);
	machine_free(x);
}

/* The IVRS is concealed as configured. */
static void test_amd_conceal(void **state)
{
	struct machine *x = machine_new(&cap_sets[1]);
	struct iog_acpi acpi, after;
	struct iog_acpi_table t;
	uint64_t xsdt = FW_AT + 0x10000, ivrs = FW_AT + 0x20000;
	struct tb *tb = malloc(sizeof(*tb));
	uint8_t r[36];

	(void)state;
	assert_non_null(tb);
	assert_int_equal(iog_hosted_add_ram(&x->h, 0xe0000, 0x20000), 0);
	memcpy(iog_hosted_ptr(&x->h, 0xe0000, 36), r, rsdp_bytes(r, 2, 0, xsdt));
	memcpy(iog_hosted_ptr(&x->h, ivrs, x->ivrs.len), x->ivrs.buf, x->ivrs.len);
	tb_init(tb);
	tb_header(tb, "XSDT", 1);
	tb_u64(tb, ivrs);
	tb_finish(tb);
	memcpy(iog_hosted_ptr(&x->h, xsdt, tb->len), tb->buf, tb->len);
	assert_int_equal(iog_acpi_init(&acpi, &x->h.plat, 0xe0000, NULL), 0);
	x->c.acpi = &acpi;
	x->c.conceal = IOG_CONCEAL_UNLINK;
	apply_ok(x);
	assert_int_equal(x->s.concealed, 1);
	assert_int_equal(iog_acpi_init(&after, &x->h.plat, 0xe0000, NULL), 0);
	assert_int_equal(iog_acpi_find(&after, "IVRS", 0, &t, NULL), IOG_ENOTFOUND);
	free(tb);
	machine_free(x);
}

/* A live entry changed: the device's cached translations (of its old domain) go with it. */
static void test_amd_live_reattach(void **state)
{
	struct machine *x = machine_new(&cap_sets[0]);
	struct iog_pt *pt;

	(void)state;
	apply_ok(x);
	pt = &x->s.kinds[iog_shield_unit(&x->s, 1)->kind].pt;
	dma_ok(x, NIC, GRANT_VMM + 0x100, 1); /* cached under the NIC's own domain */
	assert_int_equal(iog_amdvi_attach(amdvi_of(x, 1), NIC, IOG_SHIELD_DEFAULT_DID, pt), 0);
	dma_blocked(x, NIC, GRANT_VMM + 0x100, 1);
	dma_ok(x, NIC, 0x2000, 1);
	dma_ok(x, DISK, 0x3000, 0); /* cached under the default domain */
	assert_int_equal(iog_amdvi_block(amdvi_of(x, 1), DISK), 0);
	dma_blocked(x, DISK, 0x3000, 0);
	machine_free(x);
}

/*
 * The clock, read by the shield (machine is the hosted platform's context):
 * notes the first reading at which both IOMMUs are on with a device table
 * that is not firmware's, from the models' own state.
 */
static uint64_t watch_clock(void *ctx)
{
	struct machine *x = ctx;
	uint64_t now = x->h.plat.clock_ns(ctx);
	int live = 1;

	for (unsigned u = 0; u < 2; u++) {
		uint64_t dt = x->m[u].dtb & 0x000ffffffffff000ull;

		live &= (x->m[u].control & AMDVM_CTRL_IOMMU_EN) && dt && dt != FW_AT;
	}
	if (live && !x->first_live)
		x->first_live = now;
	return now;
}

/* Apply's clock readings: in order, protection live once the last IOMMU is on with its table. */
static void test_amd_apply_times(void **state)
{
	struct machine *x = machine_new(&cap_sets[0]);
	const struct iog_shield_times *t = &x->s.times;
	struct iog_diag d = {0};

	(void)state;
	x->watched = x->h.plat;
	x->watched.clock_ns = watch_clock;
	assert_int_equal(iog_shield_apply(&x->s, &x->watched, &x->c, &d), 0);
	assert_true(t->start < t->probed);
	assert_true(t->probed <= t->disabled); /* AMD: turned off only when programmed */
	assert_true(t->disabled < t->built);
	assert_true(t->built < t->live);
	assert_true(t->live < t->verified);
	assert_true(x->first_live > t->built);
	assert_true(x->first_live <= t->live);
	assert_int_equal(x->s.report.violations, 0);
	machine_free(x);
}

/* EFR.HATS 0 walks 4 levels: memory above 512 GiB needs them. */
static void test_amd_four_levels(void **state)
{
	struct machine *x = machine_new(&cap_sets[1]);

	(void)state;
	x->memmap[2] = (struct iog_range){0x9600000000ull, 0x40000000ull}; /* 600 GiB */
	apply_ok(x);
	assert_int_equal(x->s.kinds[0].pt.levels, 4);
	dma_ok(x, DISK, 0x9600001000ull, 1);
	assert_int_equal(x->s.unreachable, 0);
	machine_free(x);
}

/*
 * Hostile IVRS: an IVMD that ends beyond any physical address, an IVHD
 * repeating another's register base, one whose window lies in protected
 * memory: refused with the cause at the field that holds it, before firmware's
 * IOMMU is touched (it still runs as firmware left it).
 */
static void test_amd_hostile_refusals(void **state)
{
	static const struct {
		unsigned field; /* 0: IVMD length; 1, 2: the second IVHD's base */
		uint64_t value;
		int code;
		const char *reason;
	} cases[] = {
		{0, ~0ull, IOG_EBADVAL, "an IVMD ends beyond any physical address (52 bits)"},
		{0, (1ull << 52) - IVMD_BASE + 1, IOG_EBADVAL,
		 "an IVMD ends beyond any physical address (52 bits)"},
		{1, IOMMU0, IOG_ECONFLICT, "the IVHD repeats another IOMMU's register base"},
		{2, VMM_BASE, IOG_ECONFLICT, "the register window overlaps protected memory"},
	};

	(void)state;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct machine *x = machine_new(&cap_sets[0]);
		size_t ivhd1 = IOG_IVRS_HEADER_LEN + (x->ivrs.buf[IOG_IVRS_HEADER_LEN + 2] |
						      x->ivrs.buf[IOG_IVRS_HEADER_LEN + 3] << 8);
		size_t field = cases[i].field ? ivhd1 + 8 : x->ivrs.len - IOG_IVMD_LEN + 24;
		struct iog_diag d = {0};

		for (unsigned b = 0; b < 8; b++)
			x->ivrs.buf[field + b] = (uint8_t)(cases[i].value >> (8 * b));
		tb_finish(&x->ivrs);
		assert_int_equal(iog_shield_apply(&x->s, &x->h.plat, &x->c, &d), cases[i].code);
		assert_int_equal(d.offset, field);
		assert_string_equal(d.reason, cases[i].reason);
		assert_true(amdvi_model_read(&x->m[0], AMDVM_REG_CONTROL, 8) & AMDVM_CTRL_IOMMU_EN);
		machine_free(x);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_amd_shield),
		cmocka_unit_test(test_amd_event_log_wrap),
		cmocka_unit_test(test_amd_completion_never_arrives),
		cmocka_unit_test(test_amd_disable_only),
		cmocka_unit_test(test_amd_conceal),
		cmocka_unit_test(test_amd_live_reattach),
		cmocka_unit_test(test_amd_four_levels),
		cmocka_unit_test(test_amd_apply_times),
		cmocka_unit_test(test_amd_hostile_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
