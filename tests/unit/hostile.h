/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Any DMAR (or IVRS), however hostile, as a machine: a software VT-d unit
 * (AMD IOMMU) at every register base the table names (as far as the address space allows), a
 * fixed memory map, a protected VMM region holding the table page pool, one
 * grant, and a bridge topology. After a successful apply, an independent
 * check by model DMA (the model's own translation, not the verifier):
 * protected memory and the units' own table pages are unreachable from every
 * source-id sampled, and no device reaches memory outside the memory map, an
 * RMRR or IVMD (its own, when it overlaps protected memory) or its grant, while
 * ordinary memory stays reachable.
 *
 * Shared by the shield fuzzer, its regression tests and the benchmark; free
 * of cmocka.
 */
#ifndef IOG_TEST_HOSTILE_H
#define IOG_TEST_HOSTILE_H

#include <stddef.h>
#include <stdint.h>

#include <ioguard/hosted.h>
#include <ioguard/shield.h>

#include "model/amdvi_model.h"
#include "model/vtd_model.h"

#define HOSTILE_MAX_UNITS 64
#define HOSTILE_MAX_BRIDGES 256
#define HOSTILE_VMM 0x10000000ull /* protected: 16 MiB */
#define HOSTILE_VMM_SIZE 0x1000000ull
#define HOSTILE_POOL (HOSTILE_VMM + 0x800000ull) /* the table pages, inside the VMM */
#define HOSTILE_GRANT (HOSTILE_VMM + 0x200000ull)
#define HOSTILE_GRANT_SIZE 0x10000ull

/* How the machine is set up (the fuzzer takes these from the table's OEM revision byte). */
#define HOSTILE_ALLOW_RMRR_CONFLICT 0x1u
#define HOSTILE_TOPO_MASK 0x6u /* 0: no bridge reader, 2: every bridge absent, 4/6: synthetic */
#define HOSTILE_CAPS_3LEVEL                                                                        \
	0x8u /* 3-level, register invalidation, CM, not coherent; AMD: 4                           \
		levels, no INVALIDATE_IOMMU_ALL, 4 KiB pages */

struct hostile_bridge {
	uint16_t segment;
	uint8_t bus, devfn, sec, sub;
};

struct hostile {
	const uint8_t *dmar;
	size_t len;
	unsigned opts;
	struct iog_hosted h;
	int amd; /* the table is an IVRS: AMD IOMMUs (a), else VT-d units (m) */
	struct vtd_model m[HOSTILE_MAX_UNITS];
	struct amdvi_model a[HOSTILE_MAX_UNITS];
	uint64_t base[HOSTILE_MAX_UNITS]; /* model units, by distinct register base */
	unsigned nunits;
	struct iog_range memmap[4];
	unsigned nmemmap;
	struct iog_range protect[1];
	struct iog_grant grant;
	struct hostile_bridge bridge[HOSTILE_MAX_BRIDGES];
	unsigned nbridges;
	struct iog_shield s;
	struct iog_shield_config c;
	int applied;
};

/*
 * A DMAR whose size placement must not grow with: `nunits` units (the last
 * INCLUDE_PCI_ALL) at 0xfed00000 + 4 KiB apart, `nscopes` single-hop
 * endpoint scopes spread over the others (device j at bus 1 + j / 32, device
 * j % 32), and `nrmrr` one-page RMRRs from 2 GiB on, every other page, each
 * naming device i % nscopes. The length, or 0 when `cap` is too small.
 */
size_t hostile_big_table(uint8_t *buf, size_t cap, unsigned nunits, unsigned nscopes,
			 unsigned nrmrr);
#define HOSTILE_BIG_BASE 0xfed00000ull
#define HOSTILE_BIG_RMRR 0x80000000ull

/* The options a table asks for: its OEM revision's low byte (byte 24). */
unsigned hostile_options(const uint8_t *dmar, size_t len);

/* Sets the machine up for the table (not checked: the shield must cope); 0, or -1 (no memory). */
int hostile_setup(struct hostile *x, const uint8_t *dmar, size_t len, unsigned opts);
/* iog_shield_apply on the machine. */
int hostile_apply(struct hostile *x, struct iog_diag *d);
/*
 * The model-DMA check after a successful apply; `seed` picks the sampled
 * source-ids and addresses. 0, or -1 with a sentence in `why`.
 */
int hostile_check(struct hostile *x, uint32_t seed, char *why, size_t n);
/* Releases the shield (when applied) and the address space; 0, or -1 when pages leak. */
int hostile_teardown(struct hostile *x);

#endif
