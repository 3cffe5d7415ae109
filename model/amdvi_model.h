/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A register-level software model of one AMD IOMMU (AMD-Vi, host translation
 * only), written from the AMD I/O Virtualization Technology (IOMMU)
 * Specification (#48882, rev 3.x), for host tests of the driver. It is the
 * "hardware": software drives it through its MMIO registers
 * (amdvi_model_read/amdvi_model_write, or a 16 KiB window of the hosted
 * platform), devices drive it through amdvi_model_dma(), and it reaches
 * memory only through the callbacks in struct amdvi_model_mem.
 *
 * What it keeps, so that software mistakes show:
 *  - a device-table-entry cache (by device id), an IOTLB (by domain id and
 *    page, with the leaf size) and a page-directory-entry cache (by domain id,
 *    level and address range), consulted before memory and dropped only by
 *    the invalidation commands of the right scope (spec 2.4.2, 2.4.3, 2.4.8);
 *  - a command processor that runs when the tail is written, stops on an
 *    illegal command until software restarts it (spec 2.4), an event log with
 *    wrap and overflow (spec 2.5), and injectable hangs and failures;
 *  - counters of everything a test may want to assert on (struct
 *    amdvi_model_stats), including driver mistakes the hardware would not
 *    report (device table base written while the IOMMU is on, a device id
 *    beyond the device table, a command buffer base changed while it runs,
 *    cached entries used after memory changed, ...).
 *
 * Where QEMU 7.2's amd-iommu behaves otherwise (the model follows the
 * specification), and what a driver does to work on both:
 *  - QEMU writes no event log entries, ignores Status writes, reads the
 *    command head wrong just after a wrap and latches a base register only
 *    on a write of its upper half: synchronise with COMPLETION_WAIT stores
 *    (not ComWaitInt, not head == tail), write bases with 64-bit accesses,
 *    and do not rely on events to see blocked DMA.
 *  - QEMU resets the command pointers when the base is written; the model
 *    does not: write head and tail (0) with CmdBufEn = 0, as for the log.
 *  - QEMU aliases address bits above the mode and of skipped levels, blocks
 *    silently on a zero entry, a leaf without permission or Mode 7, and does
 *    not check a leaf's PR bit; the model faults: set PR in every entry, use
 *    a mode that covers every address mapped.
 *  - QEMU reads DTEs beyond the Size of the device table; the model refuses
 *    them: size the table for every device id in use (0xa0, the IOAPIC's, too).
 *  - Both keep translations across INVALIDATE_DEVTAB_ENTRY: after any DTE or
 *    page-table change send INVALIDATE_DEVTAB_ENTRY and INVALIDATE_IOMMU_PAGES
 *    (PDE = 1, or every page with S) or INVALIDATE_IOMMU_ALL, then a
 *    COMPLETION_WAIT.
 *
 * Host-only: uses libc, no global state, no allocation, no unbounded loop.
 * Macros are prefixed AMDVM_ so that they never collide with the driver's.
 */
#ifndef IOGUARD_AMDVI_MODEL_H
#define IOGUARD_AMDVI_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include <ioguard/hosted.h>

/* MMIO registers (spec chapter 3), by offset. */
#define AMDVM_MMIO_SIZE 0x4000u
#define AMDVM_REG_DTB 0x0000u	     /* Device Table Base Address */
#define AMDVM_REG_CMD_BASE 0x0008u   /* Command Buffer Base Address */
#define AMDVM_REG_EVT_BASE 0x0010u   /* Event Log Base Address */
#define AMDVM_REG_CONTROL 0x0018u    /* IOMMU Control */
#define AMDVM_REG_EXCL_BASE 0x0020u  /* Exclusion Range Base */
#define AMDVM_REG_EXCL_LIMIT 0x0028u /* Exclusion Range Limit */
#define AMDVM_REG_EFR 0x0030u	     /* Extended Feature Register (read-only) */
#define AMDVM_REG_CMD_HEAD 0x2000u
#define AMDVM_REG_CMD_TAIL 0x2008u
#define AMDVM_REG_EVT_HEAD 0x2010u
#define AMDVM_REG_EVT_TAIL 0x2018u
#define AMDVM_REG_STATUS 0x2020u

/* Base address fields (bits 51:12), device table size, buffer lengths, pointers. */
#define AMDVM_ADDR_MASK 0x000ffffffffff000ull
#define AMDVM_DTB_SIZE(v) ((unsigned)((v)&0x1ff))    /* (size in 4 KiB pages) - 1 */
#define AMDVM_LEN(v) ((unsigned)(((v) >> 56) & 0xf)) /* ComLen / EventLen: log2 entries */
#define AMDVM_LEN_FIELD(n) ((uint64_t)(n) << 56)
#define AMDVM_LEN_MIN 8u	  /* 256 entries; smaller encodings are reserved */
#define AMDVM_PTR_MASK 0x7fff0ull /* head/tail byte offsets, bits 18:4 */
#define AMDVM_DTE_PER_PAGE 128u	  /* 32-byte entries in 4 KiB */

/* IOMMU Control register (MMIO offset 0018h). */
#define AMDVM_CTRL_IOMMU_EN (1ull << 0)
#define AMDVM_CTRL_HT_TUN_EN (1ull << 1)
#define AMDVM_CTRL_EVT_LOG_EN (1ull << 2)
#define AMDVM_CTRL_EVT_INT_EN (1ull << 3)
#define AMDVM_CTRL_COM_WAIT_INT_EN (1ull << 4)
#define AMDVM_CTRL_INV_TIMEOUT(t) ((uint64_t)(t) << 5) /* bits 7:5 */
#define AMDVM_CTRL_PASS_PW (1ull << 8)
#define AMDVM_CTRL_RES_PASS_PW (1ull << 9)
#define AMDVM_CTRL_COHERENT (1ull << 10)
#define AMDVM_CTRL_ISOC (1ull << 11)
#define AMDVM_CTRL_CMD_BUF_EN (1ull << 12)
#define AMDVM_CTRL_PPR_LOG_EN (1ull << 13)
#define AMDVM_CTRL_PPR_INT_EN (1ull << 14)
#define AMDVM_CTRL_PPR_EN (1ull << 15)
#define AMDVM_CTRL_GT_EN (1ull << 16)
#define AMDVM_CTRL_GA_EN (1ull << 17)
#define AMDVM_CTRL_XT_EN (1ull << 50)	      /* with EFR.XTSup only */
#define AMDVM_CTRL_INT_CAP_XT_EN (1ull << 51) /* with EFR.XTSup only */

/* Exclusion range (MMIO offsets 0020h, 0028h): base bits 51:12 and two flags; limit 51:12. */
#define AMDVM_EXCL_EN (1ull << 0)
#define AMDVM_EXCL_ALLOW (1ull << 1)

/* Extended Feature Register fields the model acts on. */
#define AMDVM_EFR_PREF_SUP (1ull << 0)
#define AMDVM_EFR_PPR_SUP (1ull << 1)
#define AMDVM_EFR_XT_SUP (1ull << 2)
#define AMDVM_EFR_NX_SUP (1ull << 3)
#define AMDVM_EFR_GT_SUP (1ull << 4)
#define AMDVM_EFR_IA_SUP (1ull << 6)
#define AMDVM_EFR_GA_SUP (1ull << 7)
#define AMDVM_EFR_HE_SUP (1ull << 8)
#define AMDVM_EFR_PC_SUP (1ull << 9)
#define AMDVM_EFR_HATS(e) ((unsigned)(((e) >> 10) & 3)) /* 0: 4 levels, 1: 5, 2: 6 */
#define AMDVM_EFR_HATS_FIELD(h) ((uint64_t)(h) << 10)

/* IOMMU Status register (MMIO offset 2020h): bits 2:0 write-1-to-clear, 4:3 read-only. */
#define AMDVM_STATUS_EVT_OVERFLOW (1u << 0)
#define AMDVM_STATUS_EVT_LOG_INT (1u << 1)
#define AMDVM_STATUS_COM_WAIT_INT (1u << 2)
#define AMDVM_STATUS_EVT_LOG_RUN (1u << 3)
#define AMDVM_STATUS_CMD_BUF_RUN (1u << 4)

/* Device table entry, 256 bits as four qwords q[0..3] (spec 2.2.2.1). */
#define AMDVM_DTE_V (1ull << 0)
#define AMDVM_DTE_TV (1ull << 1)
#define AMDVM_DTE_MODE(q0) ((unsigned)(((q0) >> 9) & 7))
#define AMDVM_DTE_MODE_FIELD(m) ((uint64_t)(m) << 9)
#define AMDVM_DTE_IR (1ull << 61)
#define AMDVM_DTE_IW (1ull << 62)
#define AMDVM_DTE1_DOMAIN(q1) ((uint16_t)(q1)) /* DTE bits 79:64 */
#define AMDVM_DTE1_SE (1ull << 33)	       /* bit 97: suppress all IO_PAGE_FAULT events */
#define AMDVM_DTE1_SA (1ull << 34)	       /* bit 98 (not modelled: treated as 0) */
#define AMDVM_DTE1_EX (1ull << 39)	       /* bit 103: exclusion range applies */
#define AMDVM_DTE2_IV (1ull << 0)	       /* bit 128: interrupt map valid */
#define AMDVM_DTE2_INT_TAB_LEN(q2) ((unsigned)(((q2) >> 1) & 0xf))
#define AMDVM_DTE2_INT_TAB_LEN_FIELD(n) ((uint64_t)(n) << 1)
#define AMDVM_DTE2_IRT_ROOT_MASK 0x000fffffffffffc0ull /* bits 179:134 = q2 51:6 */
#define AMDVM_DTE2_INT_CTL(q2) ((unsigned)(((q2) >> 60) & 3))
#define AMDVM_DTE2_INT_CTL_FIELD(c) ((uint64_t)(c) << 60)
#define AMDVM_INT_CTL_ABORT 0u
#define AMDVM_INT_CTL_FORWARD 1u
#define AMDVM_INT_CTL_REMAP 2u
/* Reserved DTE bits: 6:2 and 63; 181:180; 206:192 and 245:240. */
#define AMDVM_DTE0_RSVD (0x7cull | 1ull << 63)
#define AMDVM_DTE2_RSVD (3ull << 52)
#define AMDVM_DTE3_RSVD (0x7fffull | 0x3full << 48)

/* I/O page table entries, PDE and PTE (spec 2.2.3). */
#define AMDVM_PTE_PR (1ull << 0)
#define AMDVM_PTE_NEXT_LEVEL(e) ((unsigned)(((e) >> 9) & 7))
#define AMDVM_PTE_NL(n) ((uint64_t)(n) << 9) /* 0: leaf of the level's size; 7: size encoded */
#define AMDVM_PTE_U (1ull << 59)
#define AMDVM_PTE_FC (1ull << 60)
#define AMDVM_PTE_IR (1ull << 61)
#define AMDVM_PTE_IW (1ull << 62)
#define AMDVM_PTE_RSVD (0x7full << 52) /* bits 58:52 */

/* Commands, 128 bits as two qwords (spec 2.4): the opcode is bits 63:60 of the first. */
#define AMDVM_CMD_COMPLETION_WAIT 0x1u
#define AMDVM_CMD_INVALIDATE_DEVTAB_ENTRY 0x2u
#define AMDVM_CMD_INVALIDATE_IOMMU_PAGES 0x3u
#define AMDVM_CMD_INVALIDATE_IOTLB_PAGES 0x4u
#define AMDVM_CMD_INVALIDATE_INTERRUPT_TABLE 0x5u
#define AMDVM_CMD_PREFETCH_IOMMU_PAGES 0x6u
#define AMDVM_CMD_COMPLETE_PPR_REQUEST 0x7u
#define AMDVM_CMD_INVALIDATE_IOMMU_ALL 0x8u
#define AMDVM_CMD_OPCODE(q0) ((unsigned)((q0) >> 60))
#define AMDVM_CMD_OP(op) ((uint64_t)(op) << 60)
#define AMDVM_CW_S (1ull << 0) /* COMPLETION_WAIT: store q1 at q0 bits 51:3 */
#define AMDVM_CW_I (1ull << 1) /* ... and set ComWaitInt */
#define AMDVM_CW_F (1ull << 2) /* ... after all earlier commands (always so here) */
#define AMDVM_CW_ADDR_MASK 0x000ffffffffffff8ull
#define AMDVM_INV_DOMAIN(d) ((uint64_t)(d) << 32) /* INVALIDATE_IOMMU_PAGES, q0 */
#define AMDVM_INV_S (1ull << 0)			  /* q1: size encoded in the address */
#define AMDVM_INV_PDE (1ull << 1)		  /* q1: page directory entries too */
#define AMDVM_INV_GN (1ull << 2)		  /* q1: guest (PASID) translations */
#define AMDVM_INV_ALL_PAGES 0x7ffffffffffff000ull /* q1 address with S: every page */

/* Event log entries, 128 bits as two qwords (spec 2.5). */
#define AMDVM_EVT_ILLEGAL_DEV_TABLE_ENTRY 0x1u
#define AMDVM_EVT_IO_PAGE_FAULT 0x2u
#define AMDVM_EVT_DEV_TAB_HARDWARE_ERROR 0x3u
#define AMDVM_EVT_PAGE_TAB_HARDWARE_ERROR 0x4u
#define AMDVM_EVT_ILLEGAL_COMMAND_ERROR 0x5u
#define AMDVM_EVT_COMMAND_HARDWARE_ERROR 0x6u
#define AMDVM_EVT_CODE(q0) ((unsigned)((q0) >> 60))
#define AMDVM_EVT_DEVID(q0) ((uint16_t)(q0))
#define AMDVM_EVT_DOMAIN(q0) ((uint16_t)((q0) >> 32)) /* or PASID[15:0] */
#define AMDVM_EVT_FLAGS(q0) ((unsigned)(((q0) >> 48) & 0xfff))
/* Event flags (bits 59:48 of the first qword), as AMDVM_EVT_FLAGS() returns them. */
#define AMDVM_EVT_FLAG_GN (1u << 0)
#define AMDVM_EVT_FLAG_NX (1u << 1)
#define AMDVM_EVT_FLAG_US (1u << 2)
#define AMDVM_EVT_FLAG_I (1u << 3)  /* an interrupt request, not memory */
#define AMDVM_EVT_FLAG_PR (1u << 4) /* the page was present (permission or reserved bits) */
#define AMDVM_EVT_FLAG_RW (1u << 5) /* a write */
#define AMDVM_EVT_FLAG_PE (1u << 6) /* permission violation */
#define AMDVM_EVT_FLAG_RZ (1u << 7) /* reserved bits set (or an illegal level encoding) */
#define AMDVM_EVT_FLAG_TR (1u << 8) /* a translation request (never here) */

/* Requests to this range are interrupts (MSI), not memory (spec 2.2.5, interrupt remapping). */
#define AMDVM_INT_FIRST 0xfee00000ull
#define AMDVM_INT_LAST 0xfeefffffull

/* Capacities. */
#define AMDVM_DTE_CACHE_SIZE 64
#define AMDVM_IOTLB_SIZE 512
#define AMDVM_PDE_CACHE_SIZE 64

/* How the model (the "device") reaches memory. */
struct amdvi_model_mem {
	void *ctx;
	/* 0 ok, nonzero: no memory there. */
	int (*read)(void *ctx, uint64_t phys, void *buf, size_t len);
	/* 0 ok, nonzero: no memory there. */
	int (*write)(void *ctx, uint64_t phys, const void *buf, size_t len);
};

struct amdvi_model_config {
	uint64_t efr; /* Extended Feature Register value: IASup, HATS, XTSup, ... act */
};

/* Faults to inject, set by tests directly. */
struct amdvi_model_inject {
	int cwait_stuck;    /* COMPLETION_WAIT never completes: no store, no ComWaitInt, head
			       stays on it and later commands wait */
	int illegal_cmd;    /* the next command fetched is illegal (one-shot) */
	int cmd_stuck;	    /* the command processor never fetches: head never advances */
	int evt_write_fail; /* writes of event log entries fail: the events are lost */
};

/* Observation counters. */
struct amdvi_model_stats {
	/* Commands carried out, by opcode; and those refused. */
	unsigned long cmds[16];
	unsigned long cmd_illegal;	  /* ILLEGAL_COMMAND_ERROR: processor stopped */
	unsigned long cmd_fetch_errors;	  /* COMMAND_HARDWARE_ERROR: processor stopped */
	unsigned long cwait_stores;	  /* COMPLETION_WAIT stores done */
	unsigned long cwait_store_errors; /* ... that went nowhere */
	/* Invalidations (entries dropped count each cached entry once). */
	unsigned long inv_dte, inv_pages, inv_pages_pde, inv_all, inv_iotlb_pages, inv_int_table;
	unsigned long dte_entries_dropped, iotlb_entries_dropped, pde_entries_dropped;
	/* Caches. */
	unsigned long dte_hits, dte_misses, dte_evictions;
	unsigned long iotlb_hits, iotlb_misses, iotlb_evictions;
	unsigned long pde_hits, pde_evictions;
	/* Cached entries used although memory says otherwise (a missing invalidation). */
	unsigned long stale_dte_used, stale_iotlb_used, stale_pde_used;
	/* Event log. */
	unsigned long events_written;
	unsigned long events_dropped;	 /* log not running (off, or stopped by an overflow) */
	unsigned long events_overflow;	 /* events lost to a full log (EventOverflow set) */
	unsigned long events_suppressed; /* IO_PAGE_FAULTs of a device with DTE.SE */
	unsigned long event_write_errors;
	/* Interrupts the IOMMU itself raised (status bit set with its enable on). */
	unsigned long evt_interrupts, cwait_interrupts;
	/* Interrupt requests from devices (the 0xfee00000 range). */
	unsigned long interrupts, interrupts_remapped, interrupts_blocked, interrupt_reads;
	/* DMA requests; the pages of them that went untranslated or through the exclusion range. */
	unsigned long dma_ok, dma_blocked, dma_bus_errors;
	unsigned long dma_untranslated; /* IOMMU off, DTE.V = 0, TV = 0, mode 0, interrupts */
	unsigned long dma_excluded;
	/* Driver mistakes the hardware would not report. */
	unsigned long dtb_write_while_enabled;	    /* device table base with IommuEn = 1 */
	unsigned long devid_beyond_table;	    /* a request from a device id past the table */
	unsigned long cmd_base_write_while_enabled; /* with CmdBufEn = 1 */
	unsigned long evt_base_write_while_enabled; /* with EventLogEn = 1 */
	unsigned long cmd_head_write_while_running; /* ignored */
	unsigned long evt_tail_write_while_running; /* ignored */
	unsigned long ptr_beyond_buffer;	    /* head/tail written past the buffer or log */
	unsigned long len_reserved;		    /* ComLen/EventLen < 8 at enable: 256 used */
	unsigned long evt_restart_with_overflow; /* EventLogEn set with EventOverflow still set */
};

struct amdvi_model_dte_entry {
	uint8_t valid;
	uint16_t devid;
	uint64_t q[4];
};

struct amdvi_model_iotlb_entry {
	uint8_t valid;
	uint8_t size_lg2; /* 12: 4 KiB, 21: 2 MiB, 30: 1 GiB, or an encoded size */
	uint8_t perm;	  /* bit 0 read, bit 1 write, ANDed over the page tables */
	uint16_t domain;
	uint64_t iova; /* aligned to the size */
	uint64_t phys;
};

/* A cached page directory entry: where the table of `level` for this range is. */
struct amdvi_model_pde_entry {
	uint8_t valid;
	uint8_t level; /* level of the table it points to */
	uint8_t perm;  /* permissions ANDed down to and including this PDE */
	uint16_t domain;
	uint64_t iova; /* aligned to the table's span, 2^(12 + 9 * level) */
	uint64_t table;
};

struct amdvi_model {
	struct amdvi_model_config cfg;
	struct amdvi_model_mem mem;
	struct amdvi_model_inject inject;
	struct amdvi_model_stats stats;
	/*
	 * INVALIDATE_IOMMU_PAGES and leaves larger than the range: 0 (default)
	 * drops every cached translation the range overlaps; 1 only those inside
	 * it, so a range narrower than a large page leaves the page cached.
	 */
	int inv_strict;

	/* Registers. */
	uint64_t dtb, cmd_base, evt_base, control, excl_base, excl_limit;
	uint32_t cmd_head, cmd_tail, evt_head, evt_tail;
	uint32_t status;	   /* the write-1-to-clear bits; the RUN bits are derived */
	int cmd_halted;		   /* stopped by an illegal command or a fetch error */
	int evt_halted;		   /* stopped by an overflow */
	uint64_t last_illegal_cmd; /* address of the command that stopped the processor */

	/* Caches. */
	struct amdvi_model_dte_entry dte[AMDVM_DTE_CACHE_SIZE];
	unsigned dte_next;
	struct amdvi_model_iotlb_entry iotlb[AMDVM_IOTLB_SIZE];
	unsigned iotlb_next;
	struct amdvi_model_pde_entry pde[AMDVM_PDE_CACHE_SIZE];
	unsigned pde_next;
};

/* Reset state: registers at their reset values, caches empty, counters zero. */
void amdvi_model_init(struct amdvi_model *m, const struct amdvi_model_config *cfg,
		      const struct amdvi_model_mem *mem);
/* Register access; size 4 or 8, naturally aligned. Unknown offsets read 0. */
uint64_t amdvi_model_read(struct amdvi_model *m, uint32_t offset, unsigned size);
void amdvi_model_write(struct amdvi_model *m, uint32_t offset, unsigned size, uint64_t value);
/* For iog_hosted_add_mmio() over AMDVM_MMIO_SIZE bytes: dev = struct amdvi_model *. */
extern const struct iog_mmio_ops amdvi_model_mmio_ops;

/* A DMA request from device id devid = bus << 8 | dev << 3 | fn. */
struct amdvi_dma_result {
	int ok;		     /* 1: the access went through (to phys) */
	uint64_t phys;	     /* translated address of the first byte */
	uint8_t event;	     /* AMDVM_EVT_* describing why not (0: blocked without one) */
	uint16_t flags;	     /* that event's AMDVM_EVT_FLAG_* */
	int logged;	     /* 1: the event reached the event log */
	int interrupt;	     /* 1: an interrupt request (0xfee00000 range), not memory */
	int untranslated;    /* 1: passed without translation (IOMMU off, V/TV = 0, mode 0,
				exclusion range) */
	uint64_t fault_addr; /* the address that failed when !ok */
	int bus_error;	     /* amdvi_model_dma_read/write: no memory at the target */
};

/*
 * Translates (and checks) a request of len bytes at iova: page by page, each
 * page through the caches. Returns 0 when the access went through, -1
 * otherwise (events are logged as hardware would). r may be NULL.
 */
int amdvi_model_dma(struct amdvi_model *m, uint16_t devid, uint64_t iova, uint32_t len, int write,
		    struct amdvi_dma_result *r);
/* Like amdvi_model_dma, and moves the data through mem (page by page). */
int amdvi_model_dma_read(struct amdvi_model *m, uint16_t devid, uint64_t iova, void *buf,
			 uint32_t len, struct amdvi_dma_result *r);
int amdvi_model_dma_write(struct amdvi_model *m, uint16_t devid, uint64_t iova, const void *buf,
			  uint32_t len, struct amdvi_dma_result *r);
/*
 * What the device table and page tables in memory say now, as if the IOMMU
 * were enabled, ignoring and not touching the caches, the counters and the
 * event log. Returns 0 and sets r->phys when the one-byte access would be
 * allowed, -1 with r->event and r->flags otherwise.
 */
int amdvi_model_probe(struct amdvi_model *m, uint16_t devid, uint64_t iova, int write,
		      struct amdvi_dma_result *r);

/* Processes commands now (as a tail write would), e.g. after an injection is cleared. */
void amdvi_model_cmd_kick(struct amdvi_model *m);

/* Valid entries in the caches (for tests). */
unsigned amdvi_model_dte_count(const struct amdvi_model *m);
unsigned amdvi_model_iotlb_count(const struct amdvi_model *m);
unsigned amdvi_model_pde_count(const struct amdvi_model *m);

/* One event log entry, decoded (spec 2.5). */
struct amdvi_model_event {
	unsigned code;
	uint16_t devid;
	uint16_t domain; /* IO_PAGE_FAULT, PAGE_TAB_HARDWARE_ERROR: the domain id */
	unsigned flags;	 /* AMDVM_EVT_FLAG_* */
	uint64_t addr;	 /* the request's address, or the table or command address */
};
void amdvi_model_event_decode(uint64_t q0, uint64_t q1, struct amdvi_model_event *e);

/*
 * State that firmware left: registers set directly, as if firmware had
 * programmed and enabled them (command buffer and event log empty, head =
 * tail = 0, status clear), without counting anything.
 */
void amdvi_model_firmware_state(struct amdvi_model *m, uint64_t control, uint64_t dtb,
				uint64_t cmd_base, uint64_t evt_base, uint64_t excl_base,
				uint64_t excl_limit);

#endif
