/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A machine of software IOMMUs on the hosted platform: a VT-d model or an
 * AMD-Vi model at each register base a DMAR or IVRS gives, a page pool for
 * the shield's tables, and the named capability sets a unit reports when
 * nothing better is known. Shared by the unit tests and by `ioguard plan`,
 * which runs the shield on it with a real machine's tables: host code only,
 * never part of the library.
 */
#ifndef IOGUARD_MODEL_MACHINE_H
#define IOGUARD_MODEL_MACHINE_H

#include <stddef.h>
#include <stdint.h>

#include <ioguard/hosted.h>

#include "model/amdvi_model.h"
#include "model/vtd_model.h"

/*
 * VT-d CAP and ECAP values: SAGAW bits, MGAW in bits, SLLPS bits, PSI, MAMV,
 * caching mode, RWBF, PMRs; coherent, QI, IR, PT. 256 domains, 8 fault
 * records at 0x200, IOTLB registers at 0x100.
 */
uint64_t model_vtd_cap(unsigned sagaw, unsigned mgaw_bits, unsigned sllps, int psi, unsigned mamv,
		       int cm, int rwbf, int pmr);
uint64_t model_vtd_ecap(int coherent, int qi, int ir, int pt);

/* A capability set a unit reports. */
struct model_caps {
	const char *name;
	uint64_t cap, ecap; /* VT-d */
	uint64_t efr;	    /* AMD-Vi */
};

/*
 * What a current server or client part offers, for units whose registers
 * cannot be read: VT-d 4-level (48-bit), 2 MiB + 1 GiB pages, PSI, queued
 * invalidation, interrupt remapping, pass-through, coherent; AMD-Vi 4-level
 * host tables, INVALIDATE_IOMMU_ALL.
 */
extern const struct model_caps model_caps_default;

struct model_machine {
	struct iog_hosted h;
	unsigned nunits, max;
	int amd;
	uint64_t *base;
	struct vtd_model *vtd;	   /* max of them, when !amd */
	struct amdvi_model *amdvi; /* max of them, when amd */
};

/* Room for max units; the pool at pool_phys (page-aligned). 0 or a negative IOG_E*. */
int model_machine_init(struct model_machine *x, int amd, unsigned max, uint64_t pool_phys,
		       size_t pool_pages);
/* A unit at base (register window of `size` bytes); its index, or a negative IOG_E*. */
int model_machine_add_vtd(struct model_machine *x, uint64_t base, size_t size, uint64_t cap,
			  uint64_t ecap);
int model_machine_add_amdvi(struct model_machine *x, uint64_t base, uint64_t efr);
void model_machine_destroy(struct model_machine *x);

#endif
