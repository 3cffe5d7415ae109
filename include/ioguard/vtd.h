/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * One Intel VT-d DMA-remapping unit (a DRHD), legacy translation mode:
 * probe, the state firmware left, a safe disable, root and context tables,
 * invalidation (register-based or queued, as the unit offers), fault
 * reporting and enabling translation. Every hardware handshake is bounded by
 * `timeout_ns` of the platform clock (and a poll count, should the clock
 * stand still); a unit that does not answer gives IOG_ETIMEDOUT.
 */
#ifndef IOGUARD_VTD_H
#define IOGUARD_VTD_H

#include <stddef.h>
#include <stdint.h>

#include <ioguard/error.h>
#include <ioguard/platform.h>
#include <ioguard/pt.h>

#ifdef __cplusplus
extern "C" {
#endif

#define IOG_VTD_TIMEOUT_NS 100000000ull /* 100 ms: hardware answers in microseconds */
#define IOG_VTD_MAX_POLLS 100000000ull

/* What firmware left in the unit, captured by iog_vtd_probe before any change. */
struct iog_vtd_fw_state {
	uint32_t gsts;
	uint64_t rtaddr;
	uint64_t irta;
	uint64_t iqa;
	uint32_t pmen;
	uint32_t plmbase, plmlimit;
	uint64_t phmbase, phmlimit;
	uint32_t fsts;
	uint32_t fectl;	       /* IM clear: firmware took fault events as interrupts */
	unsigned irte_present; /* present entries in the interrupt remapping table, if IRE */
};

/* What iog_vtd_disable does with interrupt remapping that has live entries. */
enum iog_vtd_ir_policy {
	IOG_VTD_IR_REFUSE = 0, /* change nothing and fail with IOG_ECONFLICT */
	IOG_VTD_IR_WARN = 1,   /* log a warning and turn it off like the rest */
	IOG_VTD_IR_DEFER = 2,  /* leave IR on (iog_vtd_disable_ir later); QI is replaced */
};

/* One recorded DMA fault. */
struct iog_vtd_fault {
	uint16_t sid;	 /* bus << 8 | dev << 3 | fn */
	uint8_t reason;	 /* VT-d fault reason (spec 7.1.3) */
	uint8_t is_read; /* 1: read request, 0: write */
	uint64_t addr;	 /* page address of the request */
};

struct iog_vtd {
	const struct iog_platform *plat;
	uint64_t base;
	uint16_t segment;
	uint32_t ver;
	uint64_t cap, ecap;
	uint32_t fro;	/* byte offset of the fault recording registers */
	unsigned nfr;	/* number of fault recording registers */
	uint32_t iro;	/* byte offset of the IVA/IOTLB registers */
	unsigned ndoms; /* domain ids 0 .. ndoms-1 */
	unsigned haw;	/* host address width: the DMAR's, once the caller sets it */
	uint64_t timeout_ns;
	struct iog_vtd_fw_state fw;
	uint32_t gcmd;	 /* persistent GCMD commands as last written (GCMD is write-only) */
	int ir_deferred; /* IR left on by IOG_VTD_IR_DEFER */
	int batch;	 /* inside iog_vtd_batch_begin/end */

	uint64_t *root; /* root table (legacy mode), NULL until iog_vtd_set_root */
	uint64_t root_phys;
	unsigned ctx_pages;    /* context tables of its own */
	uint64_t ctx_owned[4]; /* buses whose context table is its own (else shared or none) */

	uint64_t *iq; /* invalidation queue, when used */
	uint64_t iq_phys;
	unsigned iq_tail;
	volatile uint32_t *status; /* wait-descriptor status word (its own page) */
	uint64_t status_phys;
	uint32_t status_seq;
	int qi; /* invalidation goes through the queue */

	unsigned long faults;	     /* fault records read */
	unsigned long faults_lost;   /* overflows seen (FSTS.PFO) */
	unsigned long invalidations; /* context-cache and IOTLB invalidations issued */
};

/*
 * Reads VER/CAP/ECAP at `base` (a register window of reg_size bytes: 4 KiB
 * times 2^DRHD size), rejects absurd values, captures the firmware state.
 */
int iog_vtd_probe(struct iog_vtd *u, const struct iog_platform *plat, uint64_t base,
		  uint32_t reg_size, uint16_t segment, struct iog_diag *d);

/* iog_vtd_disable flags: leave the protected memory regions on (iog_vtd_disable_pmr later). */
#define IOG_VTD_KEEP_PMR 1u
/* ... leave translation on: iog_vtd_set_root then switches tables without a gap. */
#define IOG_VTD_KEEP_TE 2u

/*
 * Turns off what firmware enabled, in a safe order: fault events masked
 * (firmware's message address is no longer ours to interrupt), translation,
 * interrupt remapping (by `policy` when its table has present entries),
 * queued invalidation once idle, the protected memory regions (unless
 * IOG_VTD_KEEP_PMR); then clears faults.
 */
int iog_vtd_disable(struct iog_vtd *u, enum iog_vtd_ir_policy policy, unsigned flags);
/* Turns the protected memory regions off (PMEN.EPM = 0), where the unit has them. */
int iog_vtd_disable_pmr(struct iog_vtd *u);
/* Turns off interrupt remapping left on by IOG_VTD_IR_DEFER. */
int iog_vtd_disable_ir(struct iog_vtd *u);

/* The widest IOVA the unit translates, in bits (CAP.MGAW + 1). */
unsigned iog_vtd_mgaw(const struct iog_vtd *u);

/* Page-table levels (3, 4 or 5) to use for addresses below 2^bits; 0 if none fits. */
unsigned iog_vtd_levels(const struct iog_vtd *u, unsigned bits);
/* A page-table configuration that suits this unit (levels from iog_vtd_levels). */
struct iog_pt_config iog_vtd_pt_config(const struct iog_vtd *u, unsigned levels);

/*
 * Allocates an empty root table, sets it (SRTP), starts queued invalidation
 * when the unit has it, and invalidates the context cache and IOTLB globally.
 * With translation on, the unit switches to the new (empty) tables at once.
 */
int iog_vtd_set_root(struct iog_vtd *u);

/* Points bus:devfn at domain `did` translated by `pt`; invalidates as needed. */
int iog_vtd_attach(struct iog_vtd *u, uint8_t bus, uint8_t devfn, uint16_t did,
		   const struct iog_pt *pt);
/*
 * Context tables that units share: iog_vtd_context_fill writes a caller-owned
 * page whose 256 entries all point at domain `did` translated by `pt` (for
 * every unit that can walk `pt`); iog_vtd_set_shared_context points every bus
 * of this unit that has no context table yet at it. Attaching a device on such
 * a bus later gives the bus a copy of its own first. The unit never frees the
 * shared page; the caller keeps it until every unit using it is released.
 */
int iog_vtd_context_fill(const struct iog_vtd *u, uint64_t *table, uint16_t did,
			 const struct iog_pt *pt);
int iog_vtd_set_shared_context(struct iog_vtd *u, uint64_t phys);
/* Pass-through (ECAP.PT): bus:devfn reaches all memory untranslated. */
int iog_vtd_attach_passthrough(struct iog_vtd *u, uint8_t bus, uint8_t devfn, uint16_t did);
/* Makes bus:devfn not present (its DMA faults); invalidates as needed. */
int iog_vtd_detach(struct iog_vtd *u, uint8_t bus, uint8_t devfn);

/*
 * Many context entries at once: between begin and end, attach and detach
 * only write entries; end invalidates the context cache and IOTLB globally.
 */
void iog_vtd_batch_begin(struct iog_vtd *u);
int iog_vtd_batch_end(struct iog_vtd *u);

/* Invalidation, register-based or queued. */
int iog_vtd_inv_context_global(struct iog_vtd *u);
int iog_vtd_inv_context_device(struct iog_vtd *u, uint16_t did, uint16_t sid);
int iog_vtd_inv_iotlb_global(struct iog_vtd *u);
int iog_vtd_inv_iotlb_domain(struct iog_vtd *u, uint16_t did);
/*
 * [addr, addr + size) of domain `did`: page-selective when CAP.PSI and
 * CAP.MAMV allow a covering aligned block, domain-selective otherwise.
 * `leaf_only` sets the IH hint (no paging-structure entry changed).
 */
int iog_vtd_inv_iotlb_range(struct iog_vtd *u, uint16_t did, uint64_t addr, uint64_t size,
			    int leaf_only);
/*
 * What a page-table change (iog_pt_*) requires: IOTLB invalidation of the
 * range for changed entries, also for added ones in caching mode (CAP.CM),
 * else a write-buffer flush (CAP.RWBF). Then releases detached table pages.
 * Call it after each change; a page table serves one domain of one unit.
 */
int iog_vtd_flush_pt(struct iog_vtd *u, uint16_t did, struct iog_pt *pt,
		     const struct iog_pt_inval *inv);
/* Write-buffer flush, when CAP.RWBF asks for one. */
int iog_vtd_flush_write_buffer(struct iog_vtd *u);

/* 1 when the unit translates now (GSTS.TES), else 0. */
int iog_vtd_translating(const struct iog_vtd *u);

/* Turns DMA translation on (root table set first). */
int iog_vtd_enable(struct iog_vtd *u);

/*
 * Reads and clears every fault record (and the overflow bit), logs each
 * through the platform and stores up to `max` in `out`. Returns the number
 * of records read.
 */
int iog_vtd_faults(struct iog_vtd *u, struct iog_vtd_fault *out, unsigned max);

/*
 * Fault events as interrupts, where the platform wants them (its fault_msi
 * hook): programs the message (FEDATA, FEADDR, FEUADDR) and unmasks FECTL.IM.
 * IOG_OK without touching the unit when the platform has no hook or says
 * IOG_ENOTFOUND for this unit; the hook's error, or IOG_EINVAL for an
 * address with bits 1:0 set, and nothing touched, otherwise. iog_vtd_disable
 * masks them again.
 */
int iog_vtd_fault_irq_enable(struct iog_vtd *u);

/*
 * Frees the root, context tables and queue pages. Refuses (IOG_ECONFLICT,
 * nothing freed) while the unit still translates or queues.
 */
int iog_vtd_release(struct iog_vtd *u);

#ifdef __cplusplus
}
#endif

#endif
