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
 */
#ifndef IOGUARD_SHIELD_H
#define IOGUARD_SHIELD_H

#include <stddef.h>
#include <stdint.h>

#include <ioguard/acpi.h>
#include <ioguard/dmar.h>
#include <ioguard/pt.h>
#include <ioguard/verify.h>
#include <ioguard/vtd.h>

#define IOG_SHIELD_MAX_UNITS 8
#define IOG_SHIELD_MAX_DOMAINS 16 /* devices with a domain of their own */
#define IOG_SHIELD_MAX_RMRR 32	  /* (RMRR, device) pairs */

struct iog_shield_config {
	const void *dmar; /* the DMAR, as read before concealment */
	size_t dmar_len;
	const struct iog_range *memmap; /* what ordinary devices may reach (RAM, ...) */
	unsigned nmemmap;
	const struct iog_range *protect; /* what no device may reach */
	unsigned nprotect;
	/* Devices the VMM drives, and what each may reach: may lie in protected memory. */
	const struct iog_grant *grants;
	unsigned ngrants;

	struct iog_acpi *acpi; /* NULL: do not conceal */
	enum iog_conceal_mode conceal;
	uint64_t conceal_replacement; /* for IOG_CONCEAL_REPLACE */

	enum iog_vtd_ir_policy ir_policy;
	int allow_rmrr_conflict; /* map an RMRR over protected memory for its device */
	iog_bridge_fn bridge;	 /* resolves multi-hop scope paths (may be NULL) */
	void *bridge_ctx;
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

struct iog_shield {
	const struct iog_platform *plat;
	struct iog_vtd units[IOG_SHIELD_MAX_UNITS];
	long unit_drhd[IOG_SHIELD_MAX_UNITS]; /* each unit's DRHD offset in the DMAR */
	unsigned nunits;
	struct iog_pt default_pt[IOG_SHIELD_MAX_UNITS]; /* domain id 1 on each unit */
	struct iog_shield_domain domains[IOG_SHIELD_MAX_DOMAINS];
	unsigned ndomains;
	struct iog_shield_rmrr rmrrs[IOG_SHIELD_MAX_RMRR];
	unsigned nrmrrs;
	unsigned haw;			 /* host address width, from the DMAR */
	unsigned concealed;		 /* tables concealed */
	unsigned contexts;		 /* context entries written */
	struct iog_verify_report report; /* the verifier's, summed over units */
};

#define IOG_SHIELD_DEFAULT_DID 1

/*
 * Applies the policy. On success every unit translates and the verifier has
 * found no violation. On error, `d` says where (for DMAR problems, the byte
 * offset in the DMAR) and why; units may be left disabled or partly set up:
 * call iog_shield_release.
 */
int iog_shield_apply(struct iog_shield *s, const struct iog_platform *plat,
		     const struct iog_shield_config *c, struct iog_diag *d);

/* Runs the verifier again over every unit (the tables may have been changed since). */
int iog_shield_verify(struct iog_shield *s, const struct iog_shield_config *c, struct iog_diag *d);

/*
 * Turns translation off and frees every table and page the shield allocated;
 * IOG_ECONFLICT (nothing freed) when a unit does not stop translating.
 */
int iog_shield_release(struct iog_shield *s);

#endif
