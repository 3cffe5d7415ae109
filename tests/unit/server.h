/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A synthetic 4-socket server, shared by the unit tests and the benchmarks:
 * its DMAR (48 DRHDs over 4 PCI segments, RMRRs, ATSRs, RHSAs), a 2 TiB
 * memory map, a protected VMM region holding the table page pool, one grant
 * and the PCI bridges behind the DMAR's multi-hop paths. It also says where
 * the hardware routes each device, from the way the server was built rather
 * than by reading the DMAR back, so that a check does not lean on the
 * library's own scope matching.
 *
 * Free of cmocka: the benchmarks link it without the test framework.
 */
#ifndef IOG_TEST_SERVER_H
#define IOG_TEST_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include <ioguard/hosted.h>
#include <ioguard/shield.h>

#include "model/vtd_model.h"

#define SERVER_SEGMENTS 4
#define SERVER_UNITS_PER_SEGMENT 12 /* the last one of each segment is INCLUDE_PCI_ALL */
#define SERVER_UNITS (SERVER_SEGMENTS * SERVER_UNITS_PER_SEGMENT)
#define SERVER_RMRRS 6
#define SERVER_MEMMAP 8
#define SERVER_HAW 46 /* host address width, bits */
#define SERVER_DMAR_MAX 8192
#define SERVER_MAX_BRIDGES 512
#define SERVER_MAX_CLAIMS 512
#define SERVER_MAX_DEVICES 512

/* A PCI-PCI bridge of the synthetic topology. */
struct server_bridge {
	uint16_t segment;
	uint8_t bus, devfn, sec, sub;
};

/*
 * What one DRHD scope takes in, as the builder placed it: a device, or for a
 * sub-hierarchy the bridge and every bus from sec to sub.
 */
struct server_claim {
	uint16_t segment;
	uint8_t bus, devfn;
	int subtree;
	uint8_t sec, sub;
	unsigned unit;
};

/* A device the DMAR names (an endpoint, a sub-hierarchy bridge, an RMRR device). */
struct server_device {
	uint16_t segment;
	uint8_t bus, devfn;
};

struct server_rmrr {
	uint16_t segment;
	uint64_t base, limit; /* limit: last byte */
	struct server_device dev[2];
	unsigned ndev;
};

struct server {
	uint8_t dmar[SERVER_DMAR_MAX];
	size_t dmar_len;
	uint64_t base[SERVER_UNITS]; /* register bases, in DMAR order */
	uint16_t segment[SERVER_UNITS];
	struct iog_range memmap[SERVER_MEMMAP];
	uint64_t ram_bytes;   /* the memory map's total */
	struct iog_range vmm; /* protected: holds the page pool and the grant */
	uint64_t pool_phys;
	size_t pool_pages;
	struct iog_grant grant;
	struct server_rmrr rmrr[SERVER_RMRRS];
	struct server_bridge bridge[SERVER_MAX_BRIDGES];
	unsigned nbridges;
	struct server_claim claim[SERVER_MAX_CLAIMS]; /* in DMAR order */
	unsigned nclaims;
	struct server_device named[SERVER_MAX_DEVICES];
	unsigned nnamed;
};

/* A capability set the model's units report. */
struct server_caps {
	const char *name;
	uint64_t cap, ecap;
};

/* 4-level, 2 MiB + 1 GiB, queued invalidation, coherent; 3-level, registers, CM, not coherent. */
#define SERVER_NCAPS 2
extern const struct server_caps server_caps[SERVER_NCAPS];

/* Builds the server; 0, or -1 when a fixed capacity above is too small. */
int server_build(struct server *srv);

/* The bridge reader for iog_shield_config.bridge (ctx: the server). */
int server_bridge_read(void *ctx, uint16_t segment, uint8_t bus, uint8_t devfn, uint8_t *sec,
		       uint8_t *sub);

/* The unit (DMAR order) that translates segment:bus:devfn on this server. */
unsigned server_route(const struct server *srv, uint16_t segment, uint8_t bus, uint8_t devfn);

/* The server as a machine: a model unit at every DRHD base, the pool, a shield config. */
struct server_machine {
	struct iog_hosted h;
	struct vtd_model m[SERVER_UNITS];
	struct iog_shield s;
	struct iog_shield_config c;
};

/* NULL when host memory runs out or the hosted platform refuses the layout. */
struct server_machine *server_machine_new(const struct server *srv, uint64_t cap, uint64_t ecap);
/* Frees the machine (release the shield first). */
void server_machine_free(struct server_machine *x);

#endif
