/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A register-level software model of one Intel VT-d remapping unit (legacy
 * translation mode), written from the VT-d specification, for host tests of
 * the driver. It is the "hardware": software drives it through its registers
 * (vtd_model_read/vtd_model_write, or an MMIO window of the hosted platform),
 * devices drive it through vtd_model_dma(), and it reaches memory only through
 * the callbacks in struct vtd_model_mem.
 *
 * What it keeps, so that software mistakes show:
 *  - a context cache (by source-id, tagged with the domain-id) and an IOTLB
 *    (by domain-id and page, with the leaf size), consulted before memory and
 *    dropped only by invalidations of the right scope; with CAP.CM = 1 it also
 *    caches not-present and erroneous results;
 *  - GCMD handshakes that complete after `status_delay` GSTS reads, CCMD/IOTLB
 *    commands that complete after `inv_delay` reads, and injectable hangs;
 *  - counters of everything a test may want to assert on (struct
 *    vtd_model_stats), including driver mistakes the hardware would not
 *    report (register invalidation while queued invalidation is on, GCMD
 *    writes that change several commands at once, ...).
 *
 * Host-only: uses libc, no global state, no allocation, no unbounded loop.
 * Macros are prefixed VTDM_ so that they never collide with the driver's.
 */
#ifndef IOGUARD_VTD_MODEL_H
#define IOGUARD_VTD_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include <ioguard/hosted.h>

/* Register offsets. */
#define VTDM_REG_VER 0x00u
#define VTDM_REG_CAP 0x08u
#define VTDM_REG_ECAP 0x10u
#define VTDM_REG_GCMD 0x18u
#define VTDM_REG_GSTS 0x1cu
#define VTDM_REG_RTADDR 0x20u
#define VTDM_REG_CCMD 0x28u
#define VTDM_REG_FSTS 0x34u
#define VTDM_REG_FECTL 0x38u
#define VTDM_REG_FEDATA 0x3cu
#define VTDM_REG_FEADDR 0x40u
#define VTDM_REG_FEUADDR 0x44u
#define VTDM_REG_PMEN 0x64u
#define VTDM_REG_PLMBASE 0x68u
#define VTDM_REG_PLMLIMIT 0x6cu
#define VTDM_REG_PHMBASE 0x70u
#define VTDM_REG_PHMLIMIT 0x78u
#define VTDM_REG_IQH 0x80u
#define VTDM_REG_IQT 0x88u
#define VTDM_REG_IQA 0x90u
#define VTDM_REG_ICS 0x9cu
#define VTDM_REG_IECTL 0xa0u
#define VTDM_REG_IEDATA 0xa4u
#define VTDM_REG_IEADDR 0xa8u
#define VTDM_REG_IEUADDR 0xacu
#define VTDM_REG_IRTA 0xb8u

/* CAP fields. */
#define VTDM_CAP_ND(c) ((unsigned)((c)&7))
#define VTDM_CAP_RWBF (1ull << 4)
#define VTDM_CAP_PLMR (1ull << 5)
#define VTDM_CAP_PHMR (1ull << 6)
#define VTDM_CAP_CM (1ull << 7)
#define VTDM_CAP_SAGAW(c) ((unsigned)(((c) >> 8) & 0x1f))
#define VTDM_CAP_MGAW(c) ((unsigned)(((c) >> 16) & 0x3f)) /* width - 1 */
#define VTDM_CAP_FRO(c) ((unsigned)(((c) >> 24) & 0x3ff)) /* in 16-byte units */
#define VTDM_CAP_SLLPS(c) ((unsigned)(((c) >> 34) & 0xf))
#define VTDM_CAP_PSI (1ull << 39)
#define VTDM_CAP_NFR(c) ((unsigned)(((c) >> 40) & 0xff)) /* records - 1 */
#define VTDM_CAP_MAMV(c) ((unsigned)(((c) >> 48) & 0x3f))
#define VTDM_CAP_DWD (1ull << 54)    /* write draining offered */
#define VTDM_CAP_DRD (1ull << 55)    /* read draining offered */
#define VTDM_CAP_ESRTPS (1ull << 63) /* SRTP also invalidates every cache */

/* ECAP fields. */
#define VTDM_ECAP_C (1ull << 0)
#define VTDM_ECAP_QI (1ull << 1)
#define VTDM_ECAP_DT (1ull << 2)
#define VTDM_ECAP_IR (1ull << 3)
#define VTDM_ECAP_PT (1ull << 6)
#define VTDM_ECAP_SC (1ull << 7)
#define VTDM_ECAP_IRO(e) ((unsigned)(((e) >> 8) & 0x3ff)) /* in 16-byte units */

/* GCMD / GSTS bits. */
#define VTDM_GCMD_TE (1u << 31)
#define VTDM_GCMD_SRTP (1u << 30)
#define VTDM_GCMD_WBF (1u << 27)
#define VTDM_GCMD_QIE (1u << 26)
#define VTDM_GCMD_IRE (1u << 25)
#define VTDM_GCMD_SIRTP (1u << 24)
#define VTDM_GCMD_CFI (1u << 23)
#define VTDM_GSTS_TES VTDM_GCMD_TE
#define VTDM_GSTS_RTPS VTDM_GCMD_SRTP
#define VTDM_GSTS_WBFS VTDM_GCMD_WBF
#define VTDM_GSTS_QIES VTDM_GCMD_QIE
#define VTDM_GSTS_IRES VTDM_GCMD_IRE
#define VTDM_GSTS_IRTPS VTDM_GCMD_SIRTP
#define VTDM_GSTS_CFIS VTDM_GCMD_CFI

/* CCMD. */
#define VTDM_CCMD_ICC (1ull << 63)
#define VTDM_CCMD_CIRG(g) ((uint64_t)(g) << 61) /* 1 global, 2 domain, 3 device */
#define VTDM_CCMD_CAIG(v) ((unsigned)(((v) >> 59) & 3))
#define VTDM_CCMD_FM(f) ((uint64_t)(f) << 32)
#define VTDM_CCMD_SID(s) ((uint64_t)(s) << 16)

/* IOTLB invalidate register (at ECAP.IRO * 16 + 8) and IVA (at + 0). */
#define VTDM_IOTLB_IVT (1ull << 63)
#define VTDM_IOTLB_IIRG(g) ((uint64_t)(g) << 60) /* 1 global, 2 domain, 3 page */
#define VTDM_IOTLB_IAIG(v) ((unsigned)(((v) >> 57) & 3))
#define VTDM_IOTLB_DR (1ull << 49)
#define VTDM_IOTLB_DW (1ull << 48)
#define VTDM_IOTLB_DID(d) ((uint64_t)(d) << 32)
#define VTDM_IVA_IH (1ull << 6)

/* FSTS, FECTL, PMEN, ICS, IECTL. */
#define VTDM_FSTS_PFO (1u << 0)
#define VTDM_FSTS_PPF (1u << 1)
#define VTDM_FSTS_IQE (1u << 4)
#define VTDM_FSTS_ICE (1u << 5)
#define VTDM_FSTS_ITE (1u << 6)
#define VTDM_FSTS_FRI(v) (((v) >> 8) & 0xffu)
#define VTDM_FECTL_IM (1u << 31)
#define VTDM_FECTL_IP (1u << 30)
#define VTDM_PMEN_EPM (1u << 31)
#define VTDM_PMEN_PRS (1u << 0)
#define VTDM_ICS_IWC (1u << 0)
#define VTDM_IECTL_IM (1u << 31)
#define VTDM_IECTL_IP (1u << 30)

/* Fault recording register (128 bits), high qword. */
#define VTDM_FRCD_F (1ull << 63)
#define VTDM_FRCD_T (1ull << 62) /* 1: read request, 0: write request */
#define VTDM_FRCD_FR(hi) ((unsigned)(((hi) >> 32) & 0xff))
#define VTDM_FRCD_SID(hi) ((unsigned)((hi)&0xffff))

/* Queued invalidation descriptors (128-bit). */
#define VTDM_QI_CC 0x1u
#define VTDM_QI_IOTLB 0x2u
#define VTDM_QI_DEVTLB 0x3u
#define VTDM_QI_IEC 0x4u
#define VTDM_QI_WAIT 0x5u
#define VTDM_QI_GRAN(g) ((uint64_t)(g) << 4)
#define VTDM_QI_DID(d) ((uint64_t)(d) << 16)
#define VTDM_QI_CC_SID(s) ((uint64_t)(s) << 32)
#define VTDM_QI_CC_FM(f) ((uint64_t)(f) << 48)
#define VTDM_QI_IOTLB_DW (1ull << 6)
#define VTDM_QI_IOTLB_DR (1ull << 7)
#define VTDM_QI_WAIT_IF (1ull << 4)
#define VTDM_QI_WAIT_SW (1ull << 5)
#define VTDM_QI_WAIT_FN (1ull << 6)
#define VTDM_QI_WAIT_DATA(d) ((uint64_t)(d) << 32)

/* VT-d fault reasons (legacy mode) the model produces. */
#define VTDM_FR_ROOT_NOT_PRESENT 0x1
#define VTDM_FR_CTX_NOT_PRESENT 0x2
#define VTDM_FR_CTX_INVALID 0x3
#define VTDM_FR_ADDR_WIDTH 0x4
#define VTDM_FR_WRITE 0x5
#define VTDM_FR_READ 0x6
#define VTDM_FR_PT_ACCESS 0x7
#define VTDM_FR_ROOT_ACCESS 0x8
#define VTDM_FR_CTX_ACCESS 0x9
#define VTDM_FR_ROOT_RSVD 0xa
#define VTDM_FR_CTX_RSVD 0xb
#define VTDM_FR_PT_RSVD 0xc

/* Capacities. */
#define VTDM_MAX_FRCD 256	/* CAP.NFR + 1 can be at most 256 */
#define VTDM_CTX_CACHE_SIZE 256 /* context-cache entries */
#define VTDM_IOTLB_SIZE 1024	/* IOTLB entries */

/* How the model (the "device") reaches memory. */
struct vtd_model_mem {
	void *ctx;
	/* 0 ok, nonzero: no memory there. */
	int (*read)(void *ctx, uint64_t phys, void *buf, size_t len);
	/* 0 ok, nonzero: no memory there. */
	int (*write)(void *ctx, uint64_t phys, const void *buf, size_t len);
};

struct vtd_model_config {
	uint32_t ver;	       /* VER register value, e.g. 0x10 */
	uint64_t cap;	       /* CAP register value: the model derives its behaviour from it */
	uint64_t ecap;	       /* ECAP register value, likewise */
	unsigned status_delay; /* GSTS (and PMEN) reads before a command's status shows */
	unsigned inv_delay;    /* CCMD/IOTLB register reads before ICC/IVT clear */
};

/* Faults to inject, set by tests directly. */
struct vtd_model_inject {
	uint32_t stuck_gsts; /* GSTS bits that never follow GCMD (handshake never ends) */
	int ccmd_stuck;	     /* CCMD.ICC never clears */
	int iotlb_stuck;     /* IOTLB.IVT never clears */
	int qi_error;	     /* the next descriptor processed sets FSTS.IQE (one-shot) */
	int qi_stuck;	     /* the queue never advances IQH */
};

/* Observation counters. */
struct vtd_model_stats {
	/* Caches. */
	unsigned long iotlb_hits, iotlb_misses, iotlb_evictions;
	unsigned long ctx_hits, ctx_misses, ctx_evictions;
	/* Invalidations that took effect, by kind and granularity (register or queue). */
	unsigned long cc_inv_global, cc_inv_domain, cc_inv_device;
	unsigned long iotlb_inv_global, iotlb_inv_domain, iotlb_inv_page;
	unsigned long cc_inv_reg, iotlb_inv_reg; /* ... of which through registers */
	unsigned long cc_inv_qi, iotlb_inv_qi;	 /* ... of which through the queue */
	unsigned long ctx_entries_dropped, iotlb_entries_dropped;
	unsigned long iotlb_inv_ignored; /* IAIG = 0: AM > MAMV or bad granularity */
	unsigned long devtlb_inv, iec_inv;
	unsigned long esrtps_flushes; /* SRTP with CAP.ESRTPS */
	/* Queued invalidation. */
	unsigned long descriptors; /* descriptors processed successfully */
	unsigned long wait_descriptors;
	unsigned long wait_write_errors; /* status write went nowhere */
	unsigned long qi_errors;	 /* times FSTS.IQE was set */
	unsigned long qie_refused;	 /* QIE enable/disable that could not be honoured */
	unsigned long qie_nonzero_tail;	 /* QIE enabled while IQT != 0 (software must zero it) */
	/* Faults. */
	unsigned long faults_recorded, faults_dropped, faults_suppressed; /* FPD */
	unsigned long fault_events, inv_events;				  /* interrupts delivered */
	/* Commands. */
	unsigned long srtp, sirtp, wbf;
	unsigned long gcmd_writes, gcmd_multi; /* writes changing more than one command */
	unsigned long wbf_unneeded;	       /* WBF without CAP.RWBF (ignored) */
	unsigned long te_without_root;	       /* TE enabled before any SRTP */
	unsigned long te_off_writes;	       /* GCMD writes that turned translation off */
	/* Driver bugs the hardware would not report. */
	unsigned long reg_inv_while_qi; /* CCMD/IOTLB invalidation while QIES (ignored) */
	unsigned long busy_cmd_writes;	/* CCMD/IOTLB written while ICC/IVT still set */
	unsigned long did0_with_cm;	/* a present context entry with DID 0 and CAP.CM */
	unsigned long drain_unoffered;	/* IOTLB invalidations with DR/DW the CAP lacks */
	/* DMA. */
	unsigned long dma_ok, dma_faults, dma_blocked_pmr, dma_bus_errors;
};

struct vtd_model_ctx_entry {
	uint8_t valid;
	uint8_t fault; /* nonzero: negative entry (CAP.CM), the fault reason */
	uint8_t fpd;
	uint8_t tt;
	uint8_t aw;
	uint16_t sid;
	uint16_t did; /* negative entries are tagged with DID 0 */
	uint64_t slptptr;
};

struct vtd_model_iotlb_entry {
	uint8_t valid;
	uint8_t level; /* 1: 4 KiB, 2: 2 MiB, 3: 1 GiB (negative entries: any level) */
	uint8_t perm;  /* bit 0 read, bit 1 write; 0: negative (not present) entry */
	uint16_t did;
	uint64_t iova; /* aligned to the level's size */
	uint64_t phys;
};

/* One GCMD command waiting for its status to show. */
struct vtd_model_pending {
	uint8_t active;
	uint8_t value; /* persistent commands: the new state */
	unsigned countdown;
	uint64_t arg; /* SRTP/SIRTP: the pointer captured at command time */
};

struct vtd_model {
	struct vtd_model_config cfg;
	struct vtd_model_mem mem;
	struct vtd_model_inject inject;
	struct vtd_model_stats stats;
	/*
	 * Protected memory regions and remapped requests: the spec lets hardware
	 * block them or not. 0 (default): blocked like every other request;
	 * 1: remapped (translated) requests are not checked against the PMRs.
	 */
	int pmr_skip_remapped;
	/*
	 * Page-selective invalidation and large leaves: the spec asks software
	 * for an address mask covering the whole leaf (AM >= 9 for 2 MiB). 0
	 * (default, as QEMU): any overlapping entry is dropped; 1: only entries
	 * inside the invalidated range, so a too-narrow mask leaves the leaf cached.
	 */
	int psi_strict;

	/* Registers. */
	uint32_t gsts;
	uint32_t gcmd_state;		     /* persistent commands as last commanded */
	struct vtd_model_pending pending[9]; /* GCMD bits 23..31 */
	uint64_t rtaddr, rta_latched;
	int root_latched; /* an SRTP has completed since reset */
	uint64_t ccmd;
	unsigned ccmd_countdown;
	uint32_t fsts; /* PFO, IQE, ICE, ITE; PPF and FRI are derived or kept apart */
	unsigned fri;
	uint32_t fectl, fedata, feaddr, feuaddr;
	uint32_t pmen;
	struct vtd_model_pending pmen_pending;
	uint32_t plmbase, plmlimit;
	uint64_t phmbase, phmlimit;
	uint64_t iqh, iqt, iqa;
	uint64_t iq_base;    /* latched at QIE */
	uint32_t iq_entries; /* latched at QIE */
	uint32_t ics, iectl, iedata, ieaddr, ieuaddr;
	uint64_t irta, irta_latched;
	uint64_t iva, iotlb_reg;
	unsigned iotlb_countdown;
	uint64_t frcd[VTDM_MAX_FRCD][2];
	/* The last interrupt messages delivered (address, data). */
	uint64_t fault_msi_addr, inv_msi_addr;
	uint32_t fault_msi_data, inv_msi_data;

	/* Caches. */
	struct vtd_model_ctx_entry ctx[VTDM_CTX_CACHE_SIZE];
	unsigned ctx_next;
	struct vtd_model_iotlb_entry iotlb[VTDM_IOTLB_SIZE];
	unsigned iotlb_next;
};

/* Reset state: registers at their reset values, caches empty, counters zero. */
void vtd_model_init(struct vtd_model *m, const struct vtd_model_config *cfg,
		    const struct vtd_model_mem *mem);
/* Register access; size 4 or 8, naturally aligned. Unknown offsets read 0. */
uint64_t vtd_model_read(struct vtd_model *m, uint32_t offset, unsigned size);
void vtd_model_write(struct vtd_model *m, uint32_t offset, unsigned size, uint64_t value);
/* For iog_hosted_add_mmio(): dev = struct vtd_model *. */
extern const struct iog_mmio_ops vtd_model_mmio_ops;

/* A DMA request from source-id sid = bus << 8 | dev << 3 | fn. */
struct vtd_dma_result {
	int ok;		      /* 1: the access went through (to phys) */
	uint64_t phys;	      /* translated address of the first byte */
	uint8_t fault_reason; /* VT-d fault reason when !ok (0 when blocked by a PMR) */
	int blocked_by_pmr;   /* 1: blocked by a protected memory region */
	int recorded;	      /* 1: a fault record was written (0: FPD, overflow, PMR) */
	uint64_t fault_addr;  /* the address (page) that failed when !ok */
	int bus_error;	      /* vtd_model_dma_read/write: memory missing at the target */
};

/*
 * Translates (and checks) a request of len bytes at iova: page by page, each
 * page through the caches, then the PMR check. Returns 0 when the access went
 * through, -1 otherwise (faults are recorded as hardware would). r may be NULL.
 */
int vtd_model_dma(struct vtd_model *m, uint16_t sid, uint64_t iova, uint32_t len, int write,
		  struct vtd_dma_result *r);
/* Like vtd_model_dma, and moves the data through mem (page by page). */
int vtd_model_dma_read(struct vtd_model *m, uint16_t sid, uint64_t iova, void *buf, uint32_t len,
		       struct vtd_dma_result *r);
int vtd_model_dma_write(struct vtd_model *m, uint16_t sid, uint64_t iova, const void *buf,
			uint32_t len, struct vtd_dma_result *r);
/*
 * What the tables in memory say now, ignoring and not touching the caches,
 * the counters, the fault log and the PMRs. Returns 0 and sets r->phys when
 * the one-byte access would be allowed, -1 with r->fault_reason otherwise.
 */
int vtd_model_probe(struct vtd_model *m, uint16_t sid, uint64_t iova, int write,
		    struct vtd_dma_result *r);

/* Processes queued descriptors now (as an IQT write would), e.g. after qi_stuck is cleared. */
void vtd_model_qi_kick(struct vtd_model *m);

/* Valid entries in the caches (for tests). */
unsigned vtd_model_iotlb_count(const struct vtd_model *m);
unsigned vtd_model_ctx_count(const struct vtd_model *m);

/* State that firmware left: set status bits directly as if firmware had enabled them. */
void vtd_model_firmware_state(struct vtd_model *m, uint32_t gsts_bits, uint64_t rtaddr,
			      uint64_t irta, uint64_t iqa, uint32_t pmen_epm, uint32_t plmbase,
			      uint32_t plmlimit, uint64_t phmbase, uint64_t phmlimit);

#endif
