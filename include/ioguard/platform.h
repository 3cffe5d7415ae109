/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The one seam between the core and the machine. The core never touches
 * memory it was not given, registers or time except through these hooks, so
 * the same code runs on bare metal, under QEMU and against the software
 * model in host tests. All hooks receive `ctx` unchanged.
 */
#ifndef IOGUARD_PLATFORM_H
#define IOGUARD_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define IOG_PAGE_SIZE 4096u

enum iog_log_level {
	IOG_LOG_ERROR = 0,
	IOG_LOG_WARN = 1,
	IOG_LOG_INFO = 2,
	IOG_LOG_DEBUG = 3,
};

struct iog_platform {
	void *ctx;

	/*
	 * Make [phys, phys+len) readable and writable; returns NULL when the
	 * range cannot be mapped (nothing there, or out of mapping space).
	 */
	void *(*map)(void *ctx, uint64_t phys, size_t len);
	void (*unmap)(void *ctx, void *virt, size_t len);

	/* One zeroed, 4 KiB-aligned page; 0 on success, IOG_ENOMEM otherwise. */
	int (*page_alloc)(void *ctx, void **virt, uint64_t *phys);
	void (*page_free)(void *ctx, void *virt, uint64_t phys);
	/*
	 * The virtual address of a page that page_alloc returned and that is not
	 * freed yet (page tables hold physical addresses only). Must be fast: the
	 * page-table engine calls it once per level walked.
	 */
	void *(*page_virt)(void *ctx, uint64_t phys);

	/* A remapping unit's registers: `base` is its physical register base. */
	uint32_t (*reg_read32)(void *ctx, uint64_t base, uint32_t offset);
	uint64_t (*reg_read64)(void *ctx, uint64_t base, uint32_t offset);
	void (*reg_write32)(void *ctx, uint64_t base, uint32_t offset, uint32_t value);
	void (*reg_write64)(void *ctx, uint64_t base, uint32_t offset, uint64_t value);

	/* Write back CPU caches for a range (IOMMU not coherent: ECAP.C = 0). */
	void (*cache_flush)(void *ctx, const void *virt, size_t len);

	/* Monotonic time in nanoseconds, for bounded waits. */
	uint64_t (*clock_ns)(void *ctx);

	/* One complete line of text, without the trailing newline. */
	void (*log)(void *ctx, enum iog_log_level level, const char *line);

	/*
	 * Optional; NULL: no fault interrupts (faults are polled). The message
	 * the fault events of the remapping unit at `unit_base` are to be
	 * delivered as: 0 with the MSI address (bits 1:0 clear) and data,
	 * IOG_ENOTFOUND when that unit's faults are not to interrupt, another
	 * negative IOG_E* when the platform cannot say.
	 */
	int (*fault_msi)(void *ctx, uint64_t unit_base, uint64_t *msi_addr, uint32_t *msi_data);
};

#ifdef __cplusplus
}
#endif

#endif
