/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The shield: BitVisor's use of VT-d for a whole platform, in one call.
 * From the DMAR, a memory map, the regions to protect (the VMM's own memory)
 * and the grants (devices the VMM drives, and what each may reach), it
 * disables what firmware enabled (keeping translation on, so that DMA is
 * never untranslated), conceals the DMAR, builds a default domain
 * that identity-maps the memory map minus the protected regions, a domain
 * per granted device that reaches only its grants, honours RMRRs, programs
 * and enables every unit, and verifies the result with the isolation
 * verifier before it reports success.
 *
 * Placement that real topologies cannot break: every unit gives every
 * bus/device/function of its segment the default domain (through context
 * tables that units of one kind share), so a device the DMAR names under an
 * absent port, a device whose bus the guest renumbers later, or one that is
 * hot-added still reaches ordinary memory and never protected memory,
 * whichever unit it sits behind. Only granted devices and devices whose RMRR
 * overlaps protected memory get a domain of their own, on the unit the DMAR
 * places them under.
 *
 * What a grant assumes: the device's bus number does not change after apply
 * (a guest that renumbers buses moves it into the default domain, which
 * fails closed), and the path above it validates requester ids and
 * redirects peer-to-peer requests upstream (PCIe ACS SV, RR, CR), so that no
 * other device can borrow its source-id or reach its buffer around the
 * IOMMU.
 */
#ifndef IOGUARD_SHIELD_H
#define IOGUARD_SHIELD_H

#include <stddef.h>
#include <stdint.h>

#include <ioguard/acpi.h>
#include <ioguard/amdvi.h>
#include <ioguard/dmar.h>
#include <ioguard/ivrs.h>
#include <ioguard/pt.h>
#include <ioguard/verify.h>
#include <ioguard/vtd.h>
#include <ioguard/x2apic.h>

#ifdef __cplusplus
extern "C" {
#endif

#define IOG_SHIELD_MAX_KINDS 8	   /* kinds of unit (page-table formats) on one machine */
#define IOG_SHIELD_MAX_DOMAINS 16  /* devices with a domain of their own */
#define IOG_SHIELD_MAX_RMRR 32	   /* (RMRR, device) pairs over protected memory */
#define IOG_SHIELD_MAX_PROTECT 256 /* protected ranges, the IR tables left live included */

struct iog_shield_config {
	/*
	 * The firmware's table, as read before concealment: the DMAR (Intel
	 * VT-d) or, with `dmar` NULL, the IVRS (AMD IOMMUs). One policy, two
	 * backends; on AMD the IVMDs play the RMRRs' part.
	 */
	const void *dmar;
	size_t dmar_len;
	const void *ivrs;
	size_t ivrs_len;
	int amdvi_small_pages;		/* AMD: 4 KiB leaves only */
	const struct iog_range *memmap; /* what ordinary devices may reach (RAM, ...) */
	unsigned nmemmap;
	/* What no device may reach; must stay valid while the shield is applied. */
	const struct iog_range *protect;
	unsigned nprotect;
	/* Devices the VMM drives, and what each may reach: may lie in protected memory. */
	const struct iog_grant *grants;
	unsigned ngrants;

	struct iog_acpi *acpi; /* NULL: do not conceal */
	enum iog_conceal_mode conceal;
	uint64_t conceal_replacement; /* for IOG_CONCEAL_REPLACE */

	enum iog_vtd_ir_policy ir_policy;
	int allow_rmrr_conflict; /* map an RMRR over protected memory for its device */
	iog_bridge_fn bridge;	 /* reads bridges, for scopes behind them (may be NULL) */
	void *bridge_ctx;

	/*
	 * What concealing the DMAR costs the guest's interrupts (no interrupt
	 * remapping: no x2APIC for APIC IDs above 254): the MADT (NULL: CPUs not
	 * counted) and IA32_APIC_BASE.EXTD as firmware left it. Risks are logged
	 * as a warning and kept in iog_shield.x2apic.
	 */
	const void *madt;
	size_t madt_len;
	int firmware_x2apic;
};

/* One remapping unit, as the shield drives it. */
struct iog_shield_unit {
	uint8_t amd; /* an AMD IOMMU (amdvi), else a VT-d unit (vtd) */
	union {
		struct iog_vtd vtd;
		struct iog_amdvi amdvi;
	};
	long drhd;	      /* its DRHD's (or IVHD's) offset in the table */
	unsigned ndevids;     /* AMD: device ids the IVHD names */
	unsigned kind;	      /* index in iog_shield.kinds */
	struct iog_range irt; /* firmware's interrupt remapping table, left live (IR deferred) */
	uint64_t reach;	      /* first address its domains cannot reach (width, levels) */
	struct iog_shield_unit *next;
	uint64_t page_phys; /* the page this record lives in (first record of a page only) */
};

/*
 * Units alike enough to share one default domain: the same page-table
 * format. The default domain's tables and a context table whose every entry
 * points at it serve all of them.
 */
struct iog_shield_kind {
	struct iog_pt_config cfg;
	struct iog_pt pt;  /* domain IOG_SHIELD_DEFAULT_DID on every unit of this kind */
	uint64_t *context; /* the shared context table */
	uint64_t context_phys;
	uint64_t reach; /* first address its domains cannot reach */
	unsigned units;
};

struct iog_shield_rmrr {
	unsigned unit;
	uint16_t segment;
	uint8_t bus, devfn;
	uint64_t base, size;
};

struct iog_shield_domain {
	unsigned unit;
	uint16_t segment;
	uint8_t bus, devfn;
	uint16_t did;
	int granted; /* 1: reaches only its grants; 0: default map plus its RMRRs */
	struct iog_pt pt;
};

/* A page of the scope index (see shield.c), while apply places devices. */
struct iog_shield_index_page {
	uint64_t *keys;
	uint64_t phys;
};

struct iog_shield {
	const struct iog_platform *plat; /* the caller's */
	int amd;			 /* AMD IOMMUs, from the IVRS */
	/*
	 * What the units and tables use: the caller's platform, except that a
	 * table page outside the protected regions is refused. The shield must
	 * not move while applied.
	 */
	struct iog_platform guard;
	struct iog_shield_unit *units; /* a list, in DMAR order (iog_shield_unit) */
	unsigned nunits;
	struct iog_shield_kind kinds[IOG_SHIELD_MAX_KINDS];
	unsigned nkinds;
	struct iog_shield_domain domains[IOG_SHIELD_MAX_DOMAINS];
	unsigned ndomains;
	struct iog_shield_rmrr rmrrs[IOG_SHIELD_MAX_RMRR];
	unsigned nrmrrs;
	/* The config's protected ranges and the IR tables left live: what no default domain maps.
	 */
	struct iog_range *protect;
	uint64_t protect_phys;
	unsigned nprotect;
	const struct iog_range *cfg_protect; /* for the page guard */
	unsigned cfg_nprotect;
	uint64_t stray_page; /* a table page refused by the guard (0: none) */
	size_t pages;	     /* pages allocated through the guard and not yet freed */

	/* While apply places devices: the DRHD scopes resolved once, by segment and bus. */
	struct iog_shield_index_page *index;
	uint64_t index_phys;
	unsigned index_pages, nkeys;

	unsigned haw;	    /* host address width, from the DMAR */
	unsigned concealed; /* tables concealed */
	unsigned contexts;  /* context entries written for device domains */
	/* What could not be placed: logged, counted, never silent. */
	unsigned unplaced_scopes;	 /* DRHD scopes that name nothing present */
	unsigned unplaced_rmrrs;	 /* RMRR device scopes that name nothing present */
	unsigned unplaced_grants;	 /* grants no unit translates */
	uint64_t unreachable;		 /* bytes of memory map and RMRRs above some unit's reach */
	struct iog_x2apic_report x2apic; /* when concealing: what the guest's interrupts risk */
	struct iog_verify_report report; /* the verifier's, summed over units */
	/*
	 * Where apply's time goes: the platform clock (clock_ns; all 0 without
	 * it) when apply began, when every unit was probed, when firmware's
	 * enables were off, when the tables were concealed and every domain
	 * built, when every unit translated with the shield's tables (the
	 * instant protection is live), and when the verifier was done.
	 */
	struct iog_shield_times {
		uint64_t start, probed, disabled, built, live, verified;
	} times;
};

#define IOG_SHIELD_DEFAULT_DID 1

/*
 * Applies the policy. On success every unit translates and the verifier has
 * found no violation. On error, `d` says why; its offset is a byte offset in
 * the DMAR (0 when the error is not the table's), with the device or the
 * address concerned in fields of their own. A failed apply never leaves the
 * platform more open than it found it: a unit that was translating still
 * translates (through the shield's tables or a root that blocks everything),
 * and firmware's protected memory regions stay on. iog_shield_release gives
 * the pages back (and turns translation off).
 */
int iog_shield_apply(struct iog_shield *s, const struct iog_platform *plat,
		     const struct iog_shield_config *c, struct iog_diag *d);

/* Unit i (DMAR order), NULL past the last. */
struct iog_shield_unit *iog_shield_unit(const struct iog_shield *s, unsigned i);

/* Runs the verifier again over every unit (the tables may have been changed since). */
int iog_shield_verify(struct iog_shield *s, const struct iog_shield_config *c, struct iog_diag *d);

/*
 * Turns translation off and frees every table and page the shield allocated;
 * IOG_ECONFLICT (nothing of that unit freed) when a unit does not stop
 * translating.
 */
int iog_shield_release(struct iog_shield *s);

/* Table pages the shield holds now (roots, context tables, page tables, queues). */
size_t iog_shield_pages(const struct iog_shield *s);

#ifdef __cplusplus
}
#endif

#endif
