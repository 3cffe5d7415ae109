/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The isolation verifier: proof, from the live tables, that DMA cannot reach
 * protected memory. Starting from a unit's root-table register it walks root
 * → context → second-level tables the way the hardware does, and checks for
 * every bus/devfn that no translation reaches a protected page with any
 * permission (but a device's own grants and RMRRs, at their own address),
 * and that every grant is reachable with exactly its permission and nothing
 * else (its RMRRs aside). It shares no code with the page-table
 * engine or the driver, so that a bug in one is caught by the other; a VMM
 * can run it at any time against live tables.
 */
#ifndef IOGUARD_VERIFY_H
#define IOGUARD_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include <ioguard/error.h>
#include <ioguard/platform.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A physical (or identity-mapped) address range [base, base + size). */
struct iog_range {
	uint64_t base;
	uint64_t size;
};

/* A device the VMM drives, and one range it may reach by DMA (identity mapped). */
struct iog_grant {
	uint16_t segment;
	uint8_t bus;
	uint8_t devfn;
	uint64_t base;
	uint64_t size;
	unsigned perm; /* IOG_PT_READ | IOG_PT_WRITE */
};

/* Where a device may also reach: an RMRR it needs, for example. */
struct iog_exception {
	uint16_t segment;
	uint8_t bus;
	uint8_t devfn;
	uint64_t base;
	uint64_t size;
};

struct iog_verify_input {
	uint64_t unit_base; /* the unit's register base */
	uint16_t segment;   /* its PCI segment */
	const struct iog_range *protect;
	unsigned nprotect;
	/* Grants of the devices this unit translates (other segments ignored). */
	const struct iog_grant *grants;
	unsigned ngrants;
	const struct iog_exception *exceptions;
	unsigned nexceptions;
};

struct iog_verify_report {
	unsigned contexts;    /* present context entries */
	unsigned tables;      /* distinct page tables walked */
	unsigned long leaves; /* leaf entries examined */
	unsigned violations;
	/* The first violation: */
	uint16_t sid;
	uint64_t iova;
	uint64_t phys;
	unsigned perm;
	const char *what;
};

/*
 * IOG_OK when the unit's live tables isolate as asked, IOG_ECONFLICT with
 * the first violation in `rep` otherwise, or an error when the tables cannot
 * be read (IOG_ENOMEM: not mappable, IOG_EBADVAL: a mode this verifier does
 * not know, such as scalable mode).
 */
int iog_verify_unit(const struct iog_platform *plat, const struct iog_verify_input *in,
		    struct iog_verify_report *rep);

/*
 * The same for an AMD IOMMU (in->unit_base: its MMIO base), walking every
 * device table entry to its host page tables; `contexts` counts valid
 * entries. The device table, command buffer and event log count as the
 * IOMMU's own pages.
 */
int iog_verify_amdvi_unit(const struct iog_platform *plat, const struct iog_verify_input *in,
			  struct iog_verify_report *rep);

#ifdef __cplusplus
}
#endif

#endif
