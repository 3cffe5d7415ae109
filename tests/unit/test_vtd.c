/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The VT-d driver (src/vtd/) alone against one software unit (model/): the
 * global command protocol, fault events, queued-invalidation errors and the
 * drain hints, each judged by what the model saw on its registers and did
 * with DMA, not by what the driver believes.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <ioguard/hosted.h>
#include <ioguard/vtd.h>

#include "model/vtd_model.h"
#include "testlib.h"

#define UNIT 0xfed90000ull
#define FW_AT 0x10000000ull /* firmware's tables, and RAM devices reach (1 MiB) */
#define POOL_AT 0x20000000ull
#define POOL_PAGES 256
#define MiB (1024ull * 1024)

#define SID(b, d, f) ((uint16_t)((b) << 8 | (d) << 3 | (f)))
#define DEV SID(0, 3, 0)
#define STRANGER SID(2, 0, 0) /* no context entry: its DMA faults */
#define DID 1

/* Capabilities a rig's unit offers. */
#define F_RWBF 1u	 /* CAP.RWBF */
#define F_QI 2u		 /* ECAP.QI */
#define F_IR 4u		 /* ECAP.IR */
#define F_NONCOHERENT 8u /* ECAP.C = 0 */
#define F_DRD 16u	 /* CAP.DRD */
#define F_DWD 32u	 /* CAP.DWD */

/* The message firmware left in the fault event registers. */
#define FW_MSI_ADDR 0xfee0f00cull
#define FW_MSI_DATA 0x00ffu

struct rig {
	struct iog_hosted h; /* first: the platform's ctx is &h */
	struct vtd_model m;
	struct iog_vtd u;
	struct iog_pt pt;
	unsigned flags;

	/* What the fault_msi hook answers, and what it was asked. */
	int msi_ret;
	uint64_t msi_addr;
	uint32_t msi_data;
	unsigned msi_calls;
	uint64_t msi_base;
};

static int dev_read(void *ctx, uint64_t phys, void *buf, size_t len)
{
	return iog_hosted_dma_read(ctx, phys, buf, len);
}

static int dev_write(void *ctx, uint64_t phys, const void *buf, size_t len)
{
	return iog_hosted_dma_write(ctx, phys, buf, len);
}

static uint64_t cap_of(unsigned flags)
{
	return 2ull /* ND: 256 domains */ | (flags & F_RWBF ? VTDM_CAP_RWBF : 0) |
	       0x4ull << 8 /* SAGAW: 4 levels */ | 47ull << 16 /* MGAW: 48 bits */ |
	       0x20ull << 24 /* FRO: 0x200 */ | VTDM_CAP_PSI | 7ull << 40 /* NFR: 8 records */ |
	       9ull << 48 /* MAMV */ | (flags & F_DRD ? VTDM_CAP_DRD : 0) |
	       (flags & F_DWD ? VTDM_CAP_DWD : 0);
}

static uint64_t ecap_of(unsigned flags)
{
	return (flags & F_NONCOHERENT ? 0 : VTDM_ECAP_C) | (flags & F_QI ? VTDM_ECAP_QI : 0) |
	       (flags & F_IR ? VTDM_ECAP_IR : 0) | 0x10ull << 8 /* IRO: 0x100 */;
}

static struct rig *rig_new(unsigned flags)
{
	struct rig *r = calloc(1, sizeof(*r));
	struct vtd_model_config cfg;
	struct vtd_model_mem mem;

	assert_non_null(r);
	r->flags = flags;
	iog_hosted_init(&r->h);
	assert_int_equal(iog_hosted_add_ram(&r->h, FW_AT, MiB), 0);
	assert_int_equal(iog_hosted_set_page_pool(&r->h, POOL_AT, POOL_PAGES), 0);
	cfg = (struct vtd_model_config){0x10, cap_of(flags), ecap_of(flags), 2, 1};
	mem = (struct vtd_model_mem){&r->h, dev_read, dev_write};
	vtd_model_init(&r->m, &cfg, &mem);
	assert_int_equal(iog_hosted_add_mmio(&r->h, UNIT, 0x1000, &vtd_model_mmio_ops, &r->m), 0);
	if (flags & F_NONCOHERENT)
		assert_int_equal(iog_hosted_set_noncoherent(&r->h), 0);
	return r;
}

/*
 * Firmware left translation on (an empty root table of its own), interrupt
 * remapping (a table without present entries) and its invalidation queue
 * where the unit has them, and fault events unmasked to its own message.
 */
static void firmware_left_on(struct rig *r)
{
	uint32_t gsts = VTDM_GSTS_TES | VTDM_GSTS_RTPS;

	if (r->flags & F_IR)
		gsts |= VTDM_GSTS_IRES | VTDM_GSTS_IRTPS;
	if (r->flags & F_QI)
		gsts |= VTDM_GSTS_QIES;
	vtd_model_firmware_state(&r->m, gsts, FW_AT, (FW_AT + 0x2000) | 7, FW_AT + 0x3000, 0, 0, 0,
				 0, 0);
	vtd_model_write(&r->m, VTDM_REG_FEDATA, 4, FW_MSI_DATA);
	vtd_model_write(&r->m, VTDM_REG_FEADDR, 4, (uint32_t)FW_MSI_ADDR);
	vtd_model_write(&r->m, VTDM_REG_FEUADDR, 4, 0);
	vtd_model_write(&r->m, VTDM_REG_FECTL, 4, 0);
}

static void probe(struct rig *r)
{
	assert_int_equal(iog_vtd_probe(&r->u, &r->h.plat, UNIT, 0x1000, 0, NULL), 0);
	r->u.timeout_ns = 1000000; /* 1 ms of the hosted clock: injected hangs end fast */
}

/*
 * Our tables: DEV translated through an identity map of the RAM at FW_AT,
 * every other device not present; then translation on.
 */
static void take_over(struct rig *r)
{
	struct iog_pt_config cfg;
	struct iog_pt_inval inv = {0, 0, 0};

	assert_int_equal(iog_vtd_disable(&r->u, IOG_VTD_IR_REFUSE, 0), 0);
	assert_int_equal(iog_vtd_set_root(&r->u), 0);
	cfg = iog_vtd_pt_config(&r->u, 4);
	assert_int_equal(iog_pt_init(&r->pt, &r->h.plat, &cfg), 0);
	assert_int_equal(iog_pt_map(&r->pt, FW_AT, FW_AT, MiB, IOG_PT_RW, &inv), 0);
	assert_int_equal(iog_vtd_attach(&r->u, 0, DEV & 0xff, DID, &r->pt), 0);
	assert_int_equal(iog_vtd_enable(&r->u), 0);
}

static void rig_free(struct rig *r)
{
	assert_int_equal(iog_vtd_disable(&r->u, IOG_VTD_IR_WARN, 0), 0);
	assert_int_equal(iog_vtd_release(&r->u), 0);
	iog_pt_destroy(&r->pt);
	assert_int_equal(r->h.pages_in_use, 0);
	iog_hosted_destroy(&r->h);
	free(r);
}

static uint32_t gsts(struct rig *r)
{
	return (uint32_t)vtd_model_read(&r->m, VTDM_REG_GSTS, 4);
}

/*
 * GCMD is write-only: a command that timed out must be neither repeated nor
 * undone by the next command's write, and one-shot commands never repeat.
 */
static void test_gcmd_software_copy(void **state)
{
	struct rig *r = rig_new(F_RWBF | F_QI | F_IR);
	unsigned long writes;

	(void)state;
	firmware_left_on(r);
	probe(r);
	assert_int_equal(r->u.gcmd, VTDM_GCMD_TE | VTDM_GCMD_QIE | VTDM_GCMD_IRE);

	/* Translation-off times out: TES never clears. */
	r->m.inject.stuck_gsts = VTDM_GSTS_TES;
	assert_int_equal(iog_vtd_disable(&r->u, IOG_VTD_IR_REFUSE, 0), IOG_ETIMEDOUT);
	assert_int_equal(r->m.stats.te_off_writes, 1);
	assert_true(gsts(r) & VTDM_GSTS_TES);
	assert_int_equal(r->m.gcmd_state & VTDM_GCMD_TE, 0);

	/* The next commands change one thing each; TE stays commanded off. */
	writes = r->m.stats.gcmd_writes;
	assert_int_equal(iog_vtd_disable_ir(&r->u), 0);
	assert_int_equal(r->m.stats.gcmd_writes, writes + 1);
	assert_int_equal(r->m.stats.gcmd_multi, 0);
	assert_int_equal(r->m.gcmd_state & VTDM_GCMD_TE, 0);
	assert_int_equal(gsts(r) & VTDM_GSTS_IRES, 0);
	assert_int_equal(iog_vtd_flush_write_buffer(&r->u), 0);
	assert_int_equal(r->m.stats.wbf, 1);
	assert_int_equal(r->m.stats.gcmd_multi, 0);
	assert_int_equal(r->m.gcmd_state & VTDM_GCMD_TE, 0);
	assert_int_equal(r->m.stats.te_off_writes, 1);

	/* The unit recovers: the one TE-off completes, and disable finishes. */
	r->m.inject.stuck_gsts = 0;
	assert_int_equal(iog_vtd_disable(&r->u, IOG_VTD_IR_REFUSE, 0), 0);
	assert_int_equal(gsts(r) & (VTDM_GSTS_TES | VTDM_GSTS_QIES | VTDM_GSTS_IRES), 0);
	assert_int_equal(r->u.gcmd, 0);

	/* SRTP, TE on and a write-buffer flush: SRTP went out once. */
	take_over(r);
	assert_int_equal(iog_vtd_flush_write_buffer(&r->u), 0);
	assert_int_equal(r->m.stats.srtp, 1);
	assert_int_equal(r->m.stats.gcmd_multi, 0);
	assert_true(gsts(r) & VTDM_GSTS_TES);
	assert_int_equal(r->u.gcmd, VTDM_GCMD_TE | VTDM_GCMD_QIE);
	rig_free(r);
}

/* A translation-on that timed out is still turned off by disable, and blocks release. */
static void test_gcmd_timed_out_enable(void **state)
{
	struct rig *r = rig_new(F_QI);

	(void)state;
	probe(r);
	take_over(r);
	assert_int_equal(iog_vtd_disable(&r->u, IOG_VTD_IR_REFUSE, 0), 0);
	r->m.inject.stuck_gsts = VTDM_GSTS_TES;
	assert_int_equal(iog_vtd_enable(&r->u), IOG_ETIMEDOUT);
	assert_int_equal(gsts(r) & VTDM_GSTS_TES, 0);
	/* Translation could still come on: the tables stay. */
	assert_int_equal(iog_vtd_release(&r->u), IOG_ECONFLICT);
	assert_non_null(r->u.root);
	r->m.inject.stuck_gsts = 0;
	assert_int_equal(iog_vtd_disable(&r->u, IOG_VTD_IR_REFUSE, 0), 0);
	assert_int_equal(r->m.gcmd_state & VTDM_GCMD_TE, 0);
	assert_int_equal(gsts(r) & VTDM_GSTS_TES, 0);
	rig_free(r);
}

static uint32_t reg32(struct rig *r, uint32_t off)
{
	return (uint32_t)vtd_model_read(&r->m, off, 4);
}

/* A DMA write that the unit blocks and records. */
static void blocked_dma(struct rig *r)
{
	struct vtd_dma_result res;

	assert_int_equal(vtd_model_dma(&r->m, STRANGER, FW_AT, 8, 1, &res), -1);
	assert_true(res.recorded);
}

static void firmware_message_untouched(struct rig *r)
{
	assert_true(reg32(r, VTDM_REG_FECTL) & VTDM_FECTL_IM);
	assert_int_equal(reg32(r, VTDM_REG_FEADDR), FW_MSI_ADDR);
	assert_int_equal(reg32(r, VTDM_REG_FEDATA), FW_MSI_DATA);
}

/* Firmware left fault events unmasked, to its own message: disable masks them. */
static void test_fault_events_masked_on_disable(void **state)
{
	struct rig *r = rig_new(F_QI | F_IR);

	(void)state;
	firmware_left_on(r);
	probe(r);
	assert_int_equal(r->u.fw.fectl & VTDM_FECTL_IM, 0);
	take_over(r);
	blocked_dma(r);
	/* Recorded, pending, but no interrupt to firmware's address. */
	assert_int_equal(r->m.stats.fault_events, 0);
	assert_int_equal(r->m.fault_msi_addr, 0);
	assert_true(reg32(r, VTDM_REG_FECTL) & VTDM_FECTL_IP);
	firmware_message_untouched(r);
	assert_int_equal(iog_vtd_faults(&r->u, NULL, 0), 1);
	rig_free(r);
}

static int fault_msi(void *ctx, uint64_t unit_base, uint64_t *addr, uint32_t *data)
{
	struct rig *r = (struct rig *)((char *)ctx - offsetof(struct rig, h));

	r->msi_calls++;
	r->msi_base = unit_base;
	if (r->msi_ret)
		return r->msi_ret;
	*addr = r->msi_addr;
	*data = r->msi_data;
	return 0;
}

/* Fault interrupts only where the platform asks for them, exactly as it asks. */
static void test_fault_irq_enable(void **state)
{
	static const uint64_t addr = 0x12ull << 32 | 0xfee01000ull; /* upper: x2APIC id */
	struct rig *r = rig_new(F_QI | F_IR);

	(void)state;
	firmware_left_on(r);
	probe(r);
	take_over(r);

	/* No hook: nothing changes. */
	assert_int_equal(iog_vtd_fault_irq_enable(&r->u), IOG_OK);
	firmware_message_untouched(r);

	/* The hook fails, says no, or gives an address that is no message address. */
	r->h.plat.fault_msi = fault_msi;
	r->msi_ret = IOG_ENOMEM;
	assert_int_equal(iog_vtd_fault_irq_enable(&r->u), IOG_ENOMEM);
	assert_int_equal(r->msi_calls, 1);
	assert_int_equal(r->msi_base, UNIT);
	firmware_message_untouched(r);
	r->msi_ret = IOG_ENOTFOUND;
	assert_int_equal(iog_vtd_fault_irq_enable(&r->u), IOG_OK);
	firmware_message_untouched(r);
	r->msi_ret = 0;
	r->msi_addr = 0xfee01002ull;
	assert_int_equal(iog_vtd_fault_irq_enable(&r->u), IOG_EINVAL);
	firmware_message_untouched(r);

	/* A fault while masked stays pending, and goes out as the new message. */
	blocked_dma(r);
	assert_int_equal(r->m.stats.fault_events, 0);
	r->msi_addr = addr;
	r->msi_data = 0x4041;
	assert_int_equal(iog_vtd_fault_irq_enable(&r->u), IOG_OK);
	assert_int_equal(reg32(r, VTDM_REG_FECTL) & VTDM_FECTL_IM, 0);
	assert_int_equal(r->m.stats.fault_events, 1);
	assert_int_equal(r->m.fault_msi_addr, addr);
	assert_int_equal(r->m.fault_msi_data, 0x4041);

	/* The next blocked DMA, once the records are read, interrupts exactly so. */
	assert_int_equal(iog_vtd_faults(&r->u, NULL, 0), 1);
	r->m.fault_msi_addr = 0;
	r->m.fault_msi_data = 0;
	blocked_dma(r);
	assert_int_equal(r->m.stats.fault_events, 2);
	assert_int_equal(r->m.fault_msi_addr, addr);
	assert_int_equal(r->m.fault_msi_data, 0x4041);
	assert_int_equal(iog_vtd_faults(&r->u, NULL, 0), 1);

	/* Disable masks them again. */
	assert_int_equal(iog_vtd_disable(&r->u, IOG_VTD_IR_WARN, IOG_VTD_KEEP_TE), 0);
	assert_true(reg32(r, VTDM_REG_FECTL) & VTDM_FECTL_IM);
	blocked_dma(r);
	assert_int_equal(r->m.stats.fault_events, 2);
	rig_free(r);
}

static void dma_ok(struct rig *r, uint64_t addr)
{
	struct vtd_dma_result res;

	assert_int_equal(vtd_model_dma(&r->m, DEV, addr, 8, 1, &res), 0);
	assert_int_equal(res.phys, addr);
}

static void dma_faults(struct rig *r, uint64_t addr)
{
	assert_int_equal(vtd_model_dma(&r->m, DEV, addr, 8, 1, NULL), -1);
	assert_int_equal(iog_vtd_faults(&r->u, NULL, 0), 1);
}

/*
 * The unit refuses a queued invalidation (FSTS.IQE): that request fails,
 * nothing queued after it is lost, and the queue goes on working.
 */
static void test_qi_error_recovery(void **state)
{
	static const unsigned variants[] = {F_QI, F_QI | F_NONCOHERENT};

	(void)state;
	for (unsigned v = 0; v < 2; v++) {
		struct rig *r = rig_new(variants[v]);
		struct iog_pt_inval inv = {0, 0, 0};
		unsigned long descriptors, iotlb_inv, gcmd_writes;
		unsigned tail;

		probe(r);
		take_over(r);
		dma_ok(r, FW_AT + 0x5000); /* now in the IOTLB */
		assert_int_equal(iog_pt_unmap(&r->pt, FW_AT + 0x5000, 0x1000, &inv), 0);
		descriptors = r->m.stats.descriptors;
		iotlb_inv = r->m.stats.iotlb_inv_qi;
		gcmd_writes = r->m.stats.gcmd_writes;
		tail = r->u.iq_tail;

		r->m.inject.qi_error = 1;
		assert_int_equal(iog_vtd_flush_pt(&r->u, DID, &r->pt, &inv), IOG_EIO);
		assert_int_equal(r->m.stats.qi_errors, 1);
		/* Our wait descriptor behind the refused request ran, in its place. */
		assert_int_equal(*r->u.status, r->u.status_seq);
		assert_int_equal(r->u.iq_tail, (tail + 2) % 256);
		assert_int_equal(r->m.iqt >> 4, r->u.iq_tail);
		assert_int_equal(r->m.iqh, r->m.iqt);
		assert_int_equal(r->m.stats.descriptors, descriptors + 2);
		assert_int_equal(reg32(r, VTDM_REG_FSTS) & VTDM_FSTS_IQE, 0);
		/* The refused invalidation did not happen: the stale translation stays. */
		assert_int_equal(r->m.stats.iotlb_inv_qi, iotlb_inv);
		dma_ok(r, FW_AT + 0x5000);

		/* Again, on the same queue: done, and seen in the IOTLB. */
		assert_int_equal(iog_vtd_flush_pt(&r->u, DID, &r->pt, &inv), 0);
		assert_int_equal(r->m.stats.iotlb_inv_qi, iotlb_inv + 1);
		assert_int_equal(*r->u.status, r->u.status_seq);
		dma_faults(r, FW_AT + 0x5000);
		dma_ok(r, FW_AT + 0x6000);
		/* Queued invalidation was never turned off and on again. */
		assert_int_equal(r->m.stats.gcmd_writes, gcmd_writes);
		assert_true(gsts(r) & VTDM_GSTS_QIES);
		assert_int_equal(r->m.stats.qi_errors, 1);
		rig_free(r);
	}
}

/* The drain hints of the last IOTLB invalidation, as the unit saw them. */
static unsigned last_drain(struct rig *r)
{
	if (r->flags & F_QI) {
		/* The request sits before its wait descriptor. */
		uint64_t lo = r->u.iq[2 * ((r->u.iq_tail + 254) % 256)];

		assert_int_equal(lo & 0xf, VTDM_QI_IOTLB);
		return (lo & VTDM_QI_IOTLB_DR ? F_DRD : 0) | (lo & VTDM_QI_IOTLB_DW ? F_DWD : 0);
	}
	return (r->m.iotlb_reg & VTDM_IOTLB_DR ? F_DRD : 0) |
	       (r->m.iotlb_reg & VTDM_IOTLB_DW ? F_DWD : 0);
}

/* IOTLB invalidations ask for draining only where the unit offers it. */
static void test_drain_hints(void **state)
{
	static const unsigned offers[] = {0, F_DRD, F_DWD, F_DRD | F_DWD};

	(void)state;
	for (unsigned qi = 0; qi < 2; qi++) {
		for (unsigned k = 0; k < 4; k++) {
			struct rig *r = rig_new((qi ? F_QI : 0) | offers[k]);

			probe(r);
			take_over(r); /* global invalidations at set_root */
			assert_int_equal(r->m.stats.drain_unoffered, 0);
			assert_int_equal(last_drain(r), offers[k]);
			assert_int_equal(iog_vtd_inv_iotlb_domain(&r->u, DID), 0);
			assert_int_equal(last_drain(r), offers[k]);
			assert_int_equal(iog_vtd_inv_iotlb_range(&r->u, DID, FW_AT, 0x3000, 1), 0);
			assert_int_equal(last_drain(r), offers[k]);
			assert_int_equal(r->m.stats.drain_unoffered, 0);
			assert_true(r->m.stats.iotlb_inv_global && r->m.stats.iotlb_inv_domain &&
				    r->m.stats.iotlb_inv_page);
			rig_free(r);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gcmd_software_copy),
		cmocka_unit_test(test_gcmd_timed_out_enable),
		cmocka_unit_test(test_fault_events_masked_on_disable),
		cmocka_unit_test(test_fault_irq_enable),
		cmocka_unit_test(test_qi_error_recovery),
		cmocka_unit_test(test_drain_hints),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
