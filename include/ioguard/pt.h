/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * I/O page tables of 512 8-byte entries per 4 KiB table, in one of two
 * formats that the same engine writes:
 *   - VT-d second level (VT-d spec 3.x, 9.8): 3, 4 or 5 levels;
 *   - AMD-Vi host page tables (AMD IOMMU spec 2.2.3): 3 to 6 levels.
 * Leaves of 4 KiB, and of 2 MiB and 1 GiB where the unit allows them
 * (VT-d CAP.SLLPS; on AMD-Vi the caller's choice). Ranges are mapped with the
 * largest leaves that alignment permits; a large leaf is split only where a
 * range edge falls inside it, and a table that becomes empty is freed.
 *
 * All table pages come from the platform (page_alloc, page_virt, page_free).
 * When the unit is not coherent (ECAP.C = 0), every entry written is pushed
 * to memory with cache_flush before the entry that points to it.
 *
 * Every changing call adds to a struct iog_pt_inval (zero it first) what the
 * caller must invalidate before it relies on the change; table pages that
 * became empty are released only by iog_pt_reclaim, after that invalidation.
 *
 * AMD-Vi: the device table entry takes root_phys as its Host Page Table Root
 * Pointer and `levels` as its Mode (the root is at level `levels`; every
 * table entry's NextLevel is its own level - 1: no level is skipped). The
 * unit ANDs the DTE's IR/IW with those of every level, so the DTE must grant
 * both; table entries here grant both, and the leaves hold the permission.
 */
#ifndef IOGUARD_PT_H
#define IOGUARD_PT_H

#include <stddef.h>
#include <stdint.h>

#include <ioguard/error.h>
#include <ioguard/platform.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Permissions of a mapping (VT-d entry bits R and W; AMD-Vi IR and IW). */
#define IOG_PT_READ 1u
#define IOG_PT_WRITE 2u
#define IOG_PT_RW (IOG_PT_READ | IOG_PT_WRITE)

/* Leaf sizes allowed, as in CAP.SLLPS: bit 0 for 2 MiB, bit 1 for 1 GiB. */
#define IOG_PT_LARGE_2M 1u
#define IOG_PT_LARGE_1G 2u

/* The entry format: which IOMMU walks the tables. */
enum iog_pt_format {
	IOG_PT_VTD_SL = 0, /* VT-d second-level tables */
	IOG_PT_AMDVI = 1,  /* AMD-Vi host (v1) page tables */
};

struct iog_pt_config {
	/*
	 * 3 (39-bit IOVA), 4 (48-bit) or 5 (57-bit); AMD-Vi also 6 (all 64 bits).
	 * AMD-Vi hardware faults a DMA address above the reach; QEMU 7.2 ignores
	 * the bits above it instead, so such an address aliases one below.
	 */
	unsigned levels;
	unsigned large;	   /* IOG_PT_LARGE_* allowed (VT-d: CAP.SLLPS bits 1:0) */
	unsigned out_bits; /* output (physical) address width: MGAW, at most 52 */
	/* The unit's table reads snoop CPU caches (VT-d ECAP.C); 0: cache_flush every entry */
	int coherent;
	enum iog_pt_format format; /* 0: VT-d */
};

struct iog_pt {
	const struct iog_platform *plat;
	uint64_t root_phys;
	uint64_t *root;
	enum iog_pt_format format;
	unsigned levels; /* AMD-Vi: the DTE's Mode */
	unsigned large;
	int coherent;
	/*
	 * First IOVA past the tables' reach. With 6 levels, 2^64 - 4 KiB: a
	 * range's exclusive end cannot be 2^64, so the last page stays unmapped.
	 */
	uint64_t iova_limit;
	uint64_t phys_limit; /* first physical address past out_bits */
	size_t pages;	     /* table pages in use, the root included */
	uint64_t deferred;   /* detached pages awaiting iog_pt_reclaim (a list) */
	size_t deferred_pages;
};

/* What a change requires the caller to invalidate. */
#define IOG_PT_INV_CHANGED 1u /* a present translation changed or went away */
/*
 * A not-present IOVA became present: only for units that cache "not present"
 * (VT-d caching mode, AMD-Vi NpCache).
 */
#define IOG_PT_INV_ADDED 2u
/*
 * A table was linked, freed or split from a large leaf: when invalidating,
 * paging-structure caches too (VT-d IH = 0; AMD-Vi INVALIDATE_IOMMU_PAGES, PDE = 1).
 */
#define IOG_PT_INV_TABLES 4u

struct iog_pt_inval {
	unsigned flags;
	uint64_t start; /* the IOVAs concerned: [start, end); meaningful when flags != 0 */
	uint64_t end;	/* at most iova_limit */
};

/* Sets up an empty domain (allocates the root). 0, IOG_EINVAL or IOG_ENOMEM. */
int iog_pt_init(struct iog_pt *pt, const struct iog_platform *plat,
		const struct iog_pt_config *cfg);

/* Frees every table page, the root included (the unit must not use it any more). */
void iog_pt_destroy(struct iog_pt *pt);

/*
 * Releases the table pages earlier calls detached. Call it only after the
 * invalidation those calls asked for (IOG_PT_INV_TABLES): until then the unit
 * may still walk them through its paging-structure caches.
 */
void iog_pt_reclaim(struct iog_pt *pt);

/*
 * Maps [iova, iova + size) to [phys, phys + size) with `perm` (IOG_PT_READ
 * and/or IOG_PT_WRITE), replacing whatever was mapped there. Addresses and
 * size 4 KiB aligned, size > 0. IOG_ENOMEM may leave part of the range
 * mapped; the tables stay consistent and `inv` covers what changed.
 */
int iog_pt_map(struct iog_pt *pt, uint64_t iova, uint64_t phys, uint64_t size, unsigned perm,
	       struct iog_pt_inval *inv);

/* Unmaps [iova, iova + size); holes in the range are fine. */
int iog_pt_unmap(struct iog_pt *pt, uint64_t iova, uint64_t size, struct iog_pt_inval *inv);

/*
 * Sets the permission of what is mapped in [iova, iova + size) to `perm`
 * (0 unmaps); what is not mapped stays unmapped.
 */
int iog_pt_protect(struct iog_pt *pt, uint64_t iova, uint64_t size, unsigned perm,
		   struct iog_pt_inval *inv);

/*
 * Software walk of one IOVA: 0 with the physical address, the permission and
 * the leaf size, or IOG_ENOTFOUND when it is not mapped. It also decodes the
 * AMD-Vi leaves whose size is in their address bits (NextLevel 7), which the
 * engine never writes; an entry the engine could not have written (a skipped
 * level, a size encoding out of place) is IOG_EINVAL.
 */
int iog_pt_translate(const struct iog_pt *pt, uint64_t iova, uint64_t *phys, unsigned *perm,
		     uint64_t *leaf_size);

#ifdef __cplusplus
}
#endif

#endif
