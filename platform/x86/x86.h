/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The bare-metal x86_64 platform: the library's hooks for the shield kernel
 * (boot/), where physical memory below `mapped_limit` is identity-mapped.
 *
 * Pages come from one caller-given pool of physical memory; the first
 * pages of the pool hold the allocator's bitmap (one bit per page, so one
 * page per 128 MiB of pool). All state lives in the caller's struct.
 */
#ifndef IOG_PLATFORM_X86_H
#define IOG_PLATFORM_X86_H

#include <stddef.h>
#include <stdint.h>

#include <ioguard/platform.h>

struct iog_x86 {
	struct iog_platform plat; /* plat.ctx points back at this struct */

	uint64_t mapped_limit; /* map() succeeds below this address only */

	/* The page pool: pages [data_first, pool_pages) are handed out. */
	uint64_t pool_phys;
	size_t pool_pages;
	size_t data_first;   /* pages used by the bitmap itself */
	uint64_t *bitmap;    /* bit i set: pool page i allocated */
	size_t hint;	     /* bitmap word where the next search starts */
	size_t pages_in_use; /* allocated and not freed */
	size_t pages_peak;
	size_t bad_frees; /* page_free given a page that is not allocated */

	unsigned clflush_line;	    /* bytes; 0 when the CPU has no clflush (wbinvd instead) */
	enum iog_log_level log_max; /* lines above this level are dropped (default: DEBUG) */
	unsigned mmio_errors;	    /* register accesses refused (beyond mapped_limit) */
};

/*
 * Fills `x` and its hooks. The pool [pool_phys, pool_phys + pool_pages * 4 KiB)
 * must be page-aligned, usable RAM below mapped_limit, and no one else's.
 * Returns 0, or IOG_EINVAL (bad alignment, pool beyond mapped_limit, or too
 * small to hold its bitmap and one page).
 */
int iog_x86_init(struct iog_x86 *x, uint64_t pool_phys, size_t pool_pages, uint64_t mapped_limit);

/* Pages the pool can hand out in total (pool_pages less the bitmap's). */
size_t iog_x86_pages_total(const struct iog_x86 *x);

#endif
