/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * One AMD IOMMU (an IVHD): probe, the state firmware left, a safe disable,
 * its device table, command buffer and event log, invalidation, enabling
 * translation, and IO_PAGE_FAULT decoding. Every wait is bounded by
 * `timeout_ns` of the platform clock (and a poll count); an IOMMU that does
 * not answer gives IOG_ETIMEDOUT.
 *
 * Completion is always awaited through COMPLETION_WAIT with a store, never
 * by polling the command head: some implementations (QEMU 7.2) report a head
 * past the end of the buffer right after a wrap.
 */
#ifndef IOGUARD_AMDVI_H
#define IOGUARD_AMDVI_H

#include <stddef.h>
#include <stdint.h>

#include <ioguard/error.h>
#include <ioguard/platform.h>
#include <ioguard/pt.h>

#ifdef __cplusplus
extern "C" {
#endif

#define IOG_AMDVI_TIMEOUT_NS 100000000ull /* 100 ms */
#define IOG_AMDVI_MAX_POLLS 100000000ull
#define IOG_AMDVI_CMD_ENTRIES 256u /* one page of 16-byte commands */
#define IOG_AMDVI_EVT_ENTRIES 256u /* one page of 16-byte events */

/* What firmware left, captured by iog_amdvi_probe before any change. */
struct iog_amdvi_fw_state {
	uint64_t control;
	uint64_t dev_tab;
	uint64_t cmd_buf;
	uint64_t evt_log;
	uint64_t status;
	uint64_t cmd_head, cmd_tail;
};

/* One decoded event log entry. */
struct iog_amdvi_event {
	uint8_t code;	 /* 2: IO_PAGE_FAULT, 1: ILLEGAL_DEV_TABLE_ENTRY, ... */
	uint16_t devid;	 /* bus << 8 | devfn */
	uint16_t domain; /* IO_PAGE_FAULT: the domain id (or PASID) */
	uint16_t flags;	 /* IO_PAGE_FAULT: TR, RW, PE, PR, I, ... (bits 59:48 of the entry) */
	uint8_t is_write;
	uint64_t addr;
};

struct iog_amdvi {
	const struct iog_platform *plat;
	uint64_t base; /* MMIO base (16 KiB) */
	uint16_t segment;
	uint16_t devid; /* the IOMMU's own PCI function */
	uint64_t efr;
	uint64_t timeout_ns;
	struct iog_amdvi_fw_state fw;
	int batch; /* inside iog_amdvi_batch_begin/end */

	/* Device table: physically contiguous, DTEs for device ids 0 .. ndevids - 1. */
	uint64_t dt_phys;
	unsigned dt_pages;
	unsigned ndevids;
	/* Command buffer, its completion-wait word (a page of its own), event log. */
	uint64_t *cmd;
	uint64_t cmd_phys;
	unsigned cmd_tail;
	volatile uint64_t *sem;
	uint64_t sem_phys;
	uint64_t sem_seq;
	uint64_t *evt;
	uint64_t evt_phys;

	unsigned long commands;	   /* commands issued */
	unsigned long events;	   /* event log entries read */
	unsigned long events_lost; /* overflows seen */
};

/*
 * Reads the registers at `base` (the IVHD's), rejects an absent unit (all
 * ones), captures what firmware left. `devid` is the IOMMU's own function.
 */
int iog_amdvi_probe(struct iog_amdvi *u, const struct iog_platform *plat, uint64_t base,
		    uint16_t segment, uint16_t devid, struct iog_diag *d);

/*
 * Turns off what firmware enabled: first its command buffer is drained with
 * a COMPLETION_WAIT (when it runs), then logs, interrupts, guest features
 * and translation go off. From here DMA is untranslated, as on a machine
 * without an IOMMU (BitVisor's DISABLE_VTD, for AMD).
 */
int iog_amdvi_disable(struct iog_amdvi *u);

/*
 * Allocates a device table for device ids 0 .. ndevids - 1 (rounded up to a
 * page, at least 256 so that the southbridge IOAPIC, 0xa0, is covered), every
 * entry blocking all DMA (V = 1, TV = 1, mode 0, no permission) with
 * interrupts passed unchanged (IV = 0); a command buffer, a completion-wait
 * word and an event log; and programs them (IOMMU off). The device table's
 * pages must come out of the platform physically contiguous
 * (IOG_ENOMEM otherwise).
 */
int iog_amdvi_setup(struct iog_amdvi *u, unsigned ndevids);

/* Device `devid` to domain `domain` translated by `pt` (an AMD-format table). */
int iog_amdvi_attach(struct iog_amdvi *u, uint16_t devid, uint16_t domain, const struct iog_pt *pt);
/* Device `devid` reaches nothing. */
int iog_amdvi_block(struct iog_amdvi *u, uint16_t devid);

/*
 * Many entries at once: between begin and end, attach and block only write
 * entries; end invalidates every device table entry and translation. While
 * the IOMMU is off nothing is invalidated (its commands would wait):
 * iog_amdvi_enable invalidates everything.
 */
void iog_amdvi_batch_begin(struct iog_amdvi *u);
int iog_amdvi_batch_end(struct iog_amdvi *u);

/* Invalidation, each followed by a COMPLETION_WAIT. */
int iog_amdvi_inv_devtab(struct iog_amdvi *u, uint16_t devid);
int iog_amdvi_inv_domain(struct iog_amdvi *u, uint16_t domain);
int iog_amdvi_inv_all(struct iog_amdvi *u);
int iog_amdvi_completion_wait(struct iog_amdvi *u);
/* What a page-table change (iog_pt_*) requires, then releases detached table pages. */
int iog_amdvi_flush_pt(struct iog_amdvi *u, uint16_t domain, struct iog_pt *pt,
		       const struct iog_pt_inval *inv);

/* Turns translation on (iog_amdvi_setup first). */
int iog_amdvi_enable(struct iog_amdvi *u);
/* 1 when the IOMMU translates now (Control.IommuEn), else 0. */
int iog_amdvi_translating(const struct iog_amdvi *u);

/*
 * Reads every new event log entry, logs each through the platform, stores
 * up to `max` in `out`, clears an overflow. Returns the number read.
 */
int iog_amdvi_events(struct iog_amdvi *u, struct iog_amdvi_event *out, unsigned max);

/* Host page-table levels to use for addresses below 2^bits (from EFR.HATS); 0 if none fits. */
unsigned iog_amdvi_levels(const struct iog_amdvi *u, unsigned bits);

/* Frees what iog_amdvi_setup allocated; IOG_ECONFLICT while the IOMMU is on. */
int iog_amdvi_release(struct iog_amdvi *u);

#ifdef __cplusplus
}
#endif

#endif
