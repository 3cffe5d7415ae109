/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The synthetic 4-socket server (see server.h). One socket per PCI segment,
 * twelve remapping units per socket, as on recent Xeons: eleven root-bus
 * stacks whose DRHDs name their own devices, and one INCLUDE_PCI_ALL unit
 * for the rest. The scopes take every form firmware uses: single-hop
 * endpoints, sub-hierarchies at a root port and at a switch port three hops
 * down, endpoints two and four hops down, IOAPICs and an HPET. Every stack
 * has the same hardware behind it; the DMAR names a different part of it
 * depending on the stack, so that much of each stack falls to the catch-all
 * unit.
 */
#include "server.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define KiB 1024ull
#define MiB (1024 * KiB)
#define GiB (1024 * MiB)
#define TiB (1024 * GiB)

#define STACKS (SERVER_UNITS_PER_SEGMENT - 1) /* units with scopes of their own */
#define STACK_BUSES 0x10		      /* bus numbers per stack: stack j at j * 0x10 */
#define CATCHALL_BUS 0xb0		      /* the catch-all unit's own root bus */
#define VMM_BASE 0x5a400000ull		      /* 2 MiB aligned, not 1 GiB: the map splits */
#define VMM_SIZE (64 * MiB)
#define POOL_OFF (32 * MiB)
#define POOL_PAGES 1024
#define GRANT_OFF (4 * MiB)
#define GRANT_SIZE (64 * KiB)

/* CAP: 256 domains, PLMR/PHMR, faults at 0x200 (8 records), MAMV 9. */
#define CAP(sagaw, mgaw, sllps, psi, cm)                                                           \
	(2ull | 3ull << 5 | ((cm) ? 1ull << 7 : 0) | (uint64_t)(sagaw) << 8 |                      \
	 (uint64_t)((mgaw)-1) << 16 | 0x20ull << 24 | (uint64_t)(sllps) << 34 |                    \
	 ((psi) ? 1ull << 39 : 0) | 7ull << 40 | 9ull << 48)
/* ECAP: IOTLB registers at 0x100. */
#define ECAP(c, qi, ir, pt)                                                                        \
	((uint64_t)(c) | (uint64_t)(qi) << 1 | (uint64_t)(ir) << 3 | (uint64_t)(pt) << 6 |         \
	 0x10ull << 8)

const struct server_caps server_caps[SERVER_NCAPS] = {
	{"4-level, 2 MiB + 1 GiB, queued invalidation, coherent", CAP(0x6, 48, 3, 1, 0),
	 ECAP(1, 1, 1, 1)},
	{"3-level, 2 MiB + 1 GiB, register invalidation, CM = 1, not coherent",
	 CAP(0x2, 39, 3, 1, 1), ECAP(0, 0, 1, 0)},
};

/* ---- A little-endian table writer that stops at the buffer's end ---- */

struct writer {
	struct server *srv;
	int error;
};

static void put8(struct writer *w, uint8_t v)
{
	if (w->srv->dmar_len >= SERVER_DMAR_MAX) {
		w->error = 1;
		return;
	}
	w->srv->dmar[w->srv->dmar_len++] = v;
}

static void put16(struct writer *w, uint16_t v)
{
	put8(w, (uint8_t)v);
	put8(w, (uint8_t)(v >> 8));
}

static void put32(struct writer *w, uint32_t v)
{
	put16(w, (uint16_t)v);
	put16(w, (uint16_t)(v >> 16));
}

static void put64(struct writer *w, uint64_t v)
{
	put32(w, (uint32_t)v);
	put32(w, (uint32_t)(v >> 32));
}

static void put_bytes(struct writer *w, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put8(w, (uint8_t)p[i]);
}

/* Patches the u16 length of the structure that starts at off. */
static void end16(struct writer *w, size_t off)
{
	size_t len = w->srv->dmar_len - off;

	if (w->error)
		return;
	w->srv->dmar[off + 2] = (uint8_t)len;
	w->srv->dmar[off + 3] = (uint8_t)(len >> 8);
}

static void finish(struct writer *w)
{
	uint8_t *t = w->srv->dmar, sum = 0;
	uint32_t len = (uint32_t)w->srv->dmar_len;

	if (w->error)
		return;
	for (unsigned i = 0; i < 4; i++)
		t[4 + i] = (uint8_t)(len >> (8 * i));
	t[9] = 0;
	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + t[i]);
	t[9] = (uint8_t)(0x100 - sum);
}

/* ---- The topology ---- */

static uint8_t devfn(unsigned dev, unsigned fn)
{
	return (uint8_t)(dev << 3 | fn);
}

static const struct server_bridge *find_bridge(const struct server *srv, uint16_t seg, uint8_t bus,
					       uint8_t df)
{
	for (unsigned i = 0; i < srv->nbridges; i++)
		if (srv->bridge[i].segment == seg && srv->bridge[i].bus == bus &&
		    srv->bridge[i].devfn == df)
			return &srv->bridge[i];
	return NULL;
}

static void add_bridge(struct writer *w, uint16_t seg, uint8_t bus, uint8_t df, unsigned sec,
		       unsigned sub)
{
	struct server *srv = w->srv;

	if (srv->nbridges == SERVER_MAX_BRIDGES) {
		w->error = 1;
		return;
	}
	srv->bridge[srv->nbridges++] =
		(struct server_bridge){seg, bus, df, (uint8_t)sec, (uint8_t)sub};
}

/*
 * The same hardware behind every stack root bus R: root port 02.0 over a
 * switch (upstream port on R+1, downstream ports 01.0, 02.0, 03.0 on R+2,
 * each over one bus) and root port 03.0 over R+6..R+10, where a two-function
 * device sits at 00.0 and 00.1.
 */
static void stack_bridges(struct writer *w, uint16_t seg, unsigned r)
{
	add_bridge(w, seg, (uint8_t)r, devfn(2, 0), r + 1, r + 5);
	add_bridge(w, seg, (uint8_t)(r + 1), devfn(0, 0), r + 2, r + 5);
	add_bridge(w, seg, (uint8_t)(r + 2), devfn(1, 0), r + 3, r + 3);
	add_bridge(w, seg, (uint8_t)(r + 2), devfn(2, 0), r + 4, r + 4);
	add_bridge(w, seg, (uint8_t)(r + 2), devfn(3, 0), r + 5, r + 5);
	add_bridge(w, seg, (uint8_t)r, devfn(3, 0), r + 6, r + 10);
}

int server_bridge_read(void *ctx, uint16_t segment, uint8_t bus, uint8_t df, uint8_t *sec,
		       uint8_t *sub)
{
	const struct server_bridge *b = find_bridge(ctx, segment, bus, df);

	if (!b)
		return IOG_ENOTFOUND;
	*sec = b->sec;
	*sub = b->sub;
	return IOG_OK;
}

/* ---- Scopes, and what each takes in ---- */

static void add_named(struct writer *w, uint16_t seg, uint8_t bus, uint8_t df)
{
	struct server *srv = w->srv;

	for (unsigned i = 0; i < srv->nnamed; i++)
		if (srv->named[i].segment == seg && srv->named[i].bus == bus &&
		    srv->named[i].devfn == df)
			return;
	if (srv->nnamed == SERVER_MAX_DEVICES) {
		w->error = 1;
		return;
	}
	srv->named[srv->nnamed++] = (struct server_device){seg, bus, df};
}

/*
 * Writes a device scope of npath (device, function) hops and returns what
 * it names through the builder's own topology; -1 when a hop has no bridge.
 */
static int scope(struct writer *w, uint8_t type, uint8_t enum_id, uint16_t seg, uint8_t bus,
		 unsigned npath, va_list ap, struct server_device *dev)
{
	uint8_t path[16];

	if (npath == 0 || npath > sizeof(path)) {
		w->error = 1;
		return -1;
	}
	put8(w, type);
	put8(w, (uint8_t)(6 + 2 * npath));
	put16(w, 0);
	put8(w, enum_id);
	put8(w, bus);
	for (unsigned i = 0; i < npath; i++) {
		unsigned d = (unsigned)va_arg(ap, int), f = (unsigned)va_arg(ap, int);

		put8(w, (uint8_t)d);
		put8(w, (uint8_t)f);
		path[i] = devfn(d, f);
	}
	*dev = (struct server_device){seg, bus, path[0]};
	for (unsigned i = 0; i + 1 < npath; i++) {
		const struct server_bridge *b = find_bridge(w->srv, seg, dev->bus, path[i]);

		if (!b)
			return -1;
		dev->bus = b->sec;
		dev->devfn = path[i + 1];
	}
	return 0;
}

/* An endpoint or sub-hierarchy scope of a DRHD (unit), recorded as a claim. */
static void dma_scope(struct writer *w, unsigned unit, uint8_t type, uint8_t bus, unsigned npath,
		      ...)
{
	struct server *srv = w->srv;
	uint16_t seg = srv->segment[unit];
	struct server_claim *cl;
	struct server_device dev;
	va_list ap;
	int err;

	va_start(ap, npath);
	err = scope(w, type, 0, seg, bus, npath, ap, &dev);
	va_end(ap);
	if (err || srv->nclaims == SERVER_MAX_CLAIMS) {
		w->error = 1;
		return;
	}
	cl = &srv->claim[srv->nclaims++];
	*cl = (struct server_claim){seg, dev.bus, dev.devfn, 0, 0, 0, unit};
	add_named(w, seg, dev.bus, dev.devfn);
	if (type == IOG_SCOPE_PCI_SUBHIERARCHY) {
		const struct server_bridge *b = find_bridge(srv, seg, dev.bus, dev.devfn);

		if (!b) {
			w->error = 1;
			return;
		}
		cl->subtree = 1;
		cl->sec = b->sec;
		cl->sub = b->sub;
		/* Devices below the bridge, on its first and last bus. */
		add_named(w, seg, b->sec, devfn(0, 0));
		add_named(w, seg, b->sub, devfn(1, 0));
	}
}

/* An IOAPIC or HPET scope: no DMA of its own, nothing claimed. */
static void int_scope(struct writer *w, uint8_t type, uint8_t enum_id, uint8_t bus, unsigned dev,
		      unsigned fn)
{
	put8(w, type);
	put8(w, 8);
	put16(w, 0);
	put8(w, enum_id);
	put8(w, bus);
	put8(w, (uint8_t)dev);
	put8(w, (uint8_t)fn);
}

/* An RMRR device scope. */
static void rmrr_scope(struct writer *w, struct server_rmrr *rm, uint8_t bus, unsigned npath, ...)
{
	struct server_device dev;
	va_list ap;
	int err;

	va_start(ap, npath);
	err = scope(w, IOG_SCOPE_PCI_ENDPOINT, 0, rm->segment, bus, npath, ap, &dev);
	va_end(ap);
	if (err || rm->ndev == 2) {
		w->error = 1;
		return;
	}
	rm->dev[rm->ndev++] = dev;
	add_named(w, dev.segment, dev.bus, dev.devfn);
}

/* ---- The DMAR ---- */

static void header(struct writer *w)
{
	put_bytes(w, "DMAR", 4);
	put32(w, 0); /* length: finish() */
	put8(w, 1);  /* revision */
	put8(w, 0);  /* checksum: finish() */
	put_bytes(w, "IOGSRV", 6);
	put_bytes(w, "4SOCKET ", 8);
	put32(w, 1);
	put_bytes(w, "IOGC", 4);
	put32(w, 0x20261124);
	put8(w, SERVER_HAW - 1);
	put8(w, IOG_DMAR_INTR_REMAP);
	for (unsigned i = 0; i < 10; i++)
		put8(w, 0);
}

static size_t drhd(struct writer *w, unsigned unit, uint8_t flags)
{
	size_t off = w->srv->dmar_len;

	put16(w, IOG_DMAR_DRHD);
	put16(w, 16);
	put8(w, flags);
	put8(w, 0); /* one page of registers */
	put16(w, w->srv->segment[unit]);
	put64(w, w->srv->base[unit]);
	return off;
}

/*
 * Stack j of a segment, root bus R. Every DRHD names its DMA engine (R 01.0)
 * and its IOAPIC; then, by stack:
 *   j % 3 == 0: root ports 02.0 and 03.0 as sub-hierarchies;
 *   j % 3 == 1: the switch's downstream port 01.0 as a sub-hierarchy three
 *               hops down, the device under downstream port 02.0 as an
 *               endpoint four hops down, root port 03.0 as a sub-hierarchy;
 *   j % 3 == 2: root port 02.0 as a sub-hierarchy, the device under root
 *               port 03.0 as two endpoints two hops down (03.0 -> 00.0, 00.1).
 */
static void stack_drhd(struct writer *w, unsigned s, unsigned j)
{
	unsigned unit = s * SERVER_UNITS_PER_SEGMENT + j;
	uint8_t r = (uint8_t)(j * STACK_BUSES);
	size_t off = drhd(w, unit, 0);

	dma_scope(w, unit, IOG_SCOPE_PCI_ENDPOINT, r, 1, 1, 0);
	switch (j % 3) {
	case 0:
		dma_scope(w, unit, IOG_SCOPE_PCI_SUBHIERARCHY, r, 1, 2, 0);
		dma_scope(w, unit, IOG_SCOPE_PCI_SUBHIERARCHY, r, 1, 3, 0);
		break;
	case 1:
		dma_scope(w, unit, IOG_SCOPE_PCI_SUBHIERARCHY, r, 3, 2, 0, 0, 0, 1, 0);
		dma_scope(w, unit, IOG_SCOPE_PCI_ENDPOINT, r, 4, 2, 0, 0, 0, 2, 0, 0, 0);
		dma_scope(w, unit, IOG_SCOPE_PCI_SUBHIERARCHY, r, 1, 3, 0);
		break;
	default:
		dma_scope(w, unit, IOG_SCOPE_PCI_SUBHIERARCHY, r, 1, 2, 0);
		dma_scope(w, unit, IOG_SCOPE_PCI_ENDPOINT, r, 2, 3, 0, 0, 0);
		dma_scope(w, unit, IOG_SCOPE_PCI_ENDPOINT, r, 2, 3, 0, 0, 1);
		break;
	}
	int_scope(w, IOG_SCOPE_IOAPIC, (uint8_t)(8 + unit), r, 5, 4);
	end16(w, off);
}

/* The segment's catch-all: its IOAPIC, and on segment 0 the HPET. */
static void catchall_drhd(struct writer *w, unsigned s)
{
	unsigned unit = s * SERVER_UNITS_PER_SEGMENT + STACKS;
	size_t off = drhd(w, unit, IOG_DRHD_INCLUDE_PCI_ALL);

	int_scope(w, IOG_SCOPE_IOAPIC, (uint8_t)(8 + unit), 0, 0x1e, 1);
	if (s == 0)
		int_scope(w, IOG_SCOPE_HPET, 0, 0, 0x1f, 0);
	end16(w, off);
}

static struct server_rmrr *rmrr_begin(struct writer *w, unsigned i, uint16_t seg, uint64_t base,
				      uint64_t size, size_t *off)
{
	struct server_rmrr *rm = &w->srv->rmrr[i];

	*rm = (struct server_rmrr){seg, base, base + size - 1, {{0, 0, 0}, {0, 0, 0}}, 0};
	*off = w->srv->dmar_len;
	put16(w, IOG_DMAR_RMRR);
	put16(w, 24);
	put16(w, 0);
	put16(w, seg);
	put64(w, rm->base);
	put64(w, rm->limit);
	return rm;
}

/*
 * Six RMRRs in the firmware-reserved block below 2 GiB: the PCH's USB
 * controllers and the BMC's VGA (three hops down) on segment 0's catch-all
 * unit, a USB controller under a sub-hierarchy on segment 1, a RAID
 * controller four hops down on segment 2, the BMC behind the catch-all
 * unit's root port on segment 3.
 */
static void rmrrs(struct writer *w)
{
	struct server_rmrr *rm;
	size_t off;

	rm = rmrr_begin(w, 0, 0, 0x6e7d0000, 128 * KiB, &off);
	rmrr_scope(w, rm, 0, 1, 0x14, 0);
	end16(w, off);
	rm = rmrr_begin(w, 1, 0, 0x6f000000, 4 * MiB, &off);
	rmrr_scope(w, rm, 0, 1, 0x1a, 0);
	rmrr_scope(w, rm, 0, 1, 0x1d, 0);
	end16(w, off);
	rm = rmrr_begin(w, 2, 0, 0x79000000, 1 * MiB, &off);
	rmrr_scope(w, rm, 0, 3, 0x1c, 0, 0, 0, 0, 0);
	end16(w, off);
	rm = rmrr_begin(w, 3, 1, 0x7a000000, 128 * KiB, &off);
	rmrr_scope(w, rm, 3 * STACK_BUSES, 2, 3, 0, 0, 0);
	end16(w, off);
	rm = rmrr_begin(w, 4, 2, 0x7b000000, 8 * MiB, &off);
	rmrr_scope(w, rm, 4 * STACK_BUSES, 4, 2, 0, 0, 0, 2, 0, 0, 0);
	end16(w, off);
	rm = rmrr_begin(w, 5, 3, 0x7c000000, 1 * MiB, &off);
	rmrr_scope(w, rm, CATCHALL_BUS, 2, 1, 0, 0, 0);
	end16(w, off);
}

/* One ATSR per segment (every root port), one RHSA per unit (its socket). */
static void atsr_rhsa(struct writer *w)
{
	for (unsigned s = 0; s < SERVER_SEGMENTS; s++) {
		put16(w, IOG_DMAR_ATSR);
		put16(w, 8);
		put8(w, IOG_ATSR_ALL_PORTS);
		put8(w, 0);
		put16(w, (uint16_t)s);
	}
	for (unsigned u = 0; u < SERVER_UNITS; u++) {
		put16(w, IOG_DMAR_RHSA);
		put16(w, 20);
		put32(w, 0);
		put64(w, w->srv->base[u]);
		put32(w, u / SERVER_UNITS_PER_SEGMENT);
	}
}

/* ---- Memory ---- */

/*
 * 2 TiB of RAM: low memory, RAM up to the firmware block at 0x6e000000
 * (the RMRRs lie there, 0x6e000000-0x7fffffff, outside the map), and from
 * 4 GiB six ranges with reserved holes at node boundaries, the last one
 * sized so that the total is exactly 2 TiB (its end is not 2 MiB aligned).
 */
static void memory(struct server *srv)
{
	static const struct iog_range fixed[SERVER_MEMMAP - 1] = {
		{0, 0x9f000},
		{MiB, 0x6e000000 - MiB},
		{4 * GiB, 256 * GiB - 4 * GiB},
		{256 * GiB + 2 * MiB, 512 * GiB - 64 * MiB - (256 * GiB + 2 * MiB)},
		{512 * GiB, 768 * GiB - 2 * MiB - 512 * GiB},
		{768 * GiB, 256 * GiB},
		{TiB + 64 * MiB, 1536 * GiB - 16 * MiB - (TiB + 64 * MiB)},
	};
	uint64_t total = 0;

	for (unsigned i = 0; i < SERVER_MEMMAP - 1; i++) {
		srv->memmap[i] = fixed[i];
		total += fixed[i].size;
	}
	srv->memmap[SERVER_MEMMAP - 1] = (struct iog_range){1536 * GiB, 2 * TiB - total};
	srv->ram_bytes = 2 * TiB;
	srv->vmm = (struct iog_range){VMM_BASE, VMM_SIZE};
	srv->pool_phys = VMM_BASE + POOL_OFF;
	srv->pool_pages = POOL_PAGES;
}

int server_build(struct server *srv)
{
	struct writer w = {srv, 0};

	memset(srv, 0, sizeof(*srv));
	memory(srv);
	/* Register bases: each stack's window, 16 MiB apart in the 32-bit MMIO hole. */
	for (unsigned u = 0; u < SERVER_UNITS; u++) {
		srv->base[u] = 0x90000000ull + (uint64_t)u * 0x01000000 + 0x00ffc000;
		srv->segment[u] = (uint16_t)(u / SERVER_UNITS_PER_SEGMENT);
	}
	for (unsigned s = 0; s < SERVER_SEGMENTS; s++) {
		for (unsigned j = 0; j < STACKS; j++)
			stack_bridges(&w, (uint16_t)s, j * STACK_BUSES);
		/* The catch-all unit's root port, with the BMC behind it. */
		add_bridge(&w, (uint16_t)s, CATCHALL_BUS, devfn(1, 0), CATCHALL_BUS + 1,
			   CATCHALL_BUS + 1);
	}
	/* Segment 0: the PCH root port 1c.0 and the BMC's PCIe-to-PCI bridge under it. */
	add_bridge(&w, 0, 0, devfn(0x1c, 0), 0x0b, 0x0c);
	add_bridge(&w, 0, 0x0b, devfn(0, 0), 0x0c, 0x0c);

	header(&w);
	for (unsigned s = 0; s < SERVER_SEGMENTS; s++) {
		for (unsigned j = 0; j < STACKS; j++)
			stack_drhd(&w, s, j);
		catchall_drhd(&w, s);
	}
	rmrrs(&w);
	atsr_rhsa(&w);
	finish(&w);

	/* The grant: a NIC two hops down on segment 2 (bus 0x80, 03.0 -> 00.0), into the VMM. */
	srv->grant = (struct iog_grant){
		2, 8 * STACK_BUSES + 6, devfn(0, 0), VMM_BASE + GRANT_OFF, GRANT_SIZE, IOG_PT_RW};
	add_named(&w, 2, srv->grant.bus, srv->grant.devfn);
	for (unsigned i = 0; i < srv->nbridges; i++)
		add_named(&w, srv->bridge[i].segment, srv->bridge[i].bus, srv->bridge[i].devfn);
	return w.error ? -1 : 0;
}

unsigned server_route(const struct server *srv, uint16_t segment, uint8_t bus, uint8_t df)
{
	/* The first DRHD (in table order) whose scope takes the device in; else the catch-all. */
	for (unsigned i = 0; i < srv->nclaims; i++) {
		const struct server_claim *cl = &srv->claim[i];

		if (cl->segment != segment)
			continue;
		if ((cl->bus == bus && cl->devfn == df) ||
		    (cl->subtree && bus >= cl->sec && bus <= cl->sub))
			return cl->unit;
	}
	return (unsigned)segment * SERVER_UNITS_PER_SEGMENT + STACKS;
}

/* ---- The machine ---- */

static int dev_read(void *ctx, uint64_t phys, void *buf, size_t len)
{
	return iog_hosted_dma_read(ctx, phys, buf, len);
}

static int dev_write(void *ctx, uint64_t phys, const void *buf, size_t len)
{
	return iog_hosted_dma_write(ctx, phys, buf, len);
}

struct server_machine *server_machine_new(const struct server *srv, uint64_t cap, uint64_t ecap)
{
	struct server_machine *x = calloc(1, sizeof(*x));
	struct vtd_model_config cfg = {0x10, cap, ecap, 1, 1};
	struct vtd_model_mem mem;

	if (!x)
		return NULL;
	iog_hosted_init(&x->h);
	mem = (struct vtd_model_mem){&x->h, dev_read, dev_write};
	if (iog_hosted_set_page_pool(&x->h, srv->pool_phys, srv->pool_pages))
		goto fail;
	for (unsigned u = 0; u < SERVER_UNITS; u++) {
		vtd_model_init(&x->m[u], &cfg, &mem);
		if (iog_hosted_add_mmio(&x->h, srv->base[u], 0x1000, &vtd_model_mmio_ops, &x->m[u]))
			goto fail;
	}
	if (!(ecap & VTDM_ECAP_C) && iog_hosted_set_noncoherent(&x->h))
		goto fail;
	x->c = (struct iog_shield_config){
		.dmar = srv->dmar,
		.dmar_len = srv->dmar_len,
		.memmap = srv->memmap,
		.nmemmap = SERVER_MEMMAP,
		.protect = &srv->vmm,
		.nprotect = 1,
		.grants = &srv->grant,
		.ngrants = 1,
		.ir_policy = IOG_VTD_IR_WARN,
		.bridge = server_bridge_read,
		.bridge_ctx = (void *)srv,
	};
	return x;
fail:
	iog_hosted_destroy(&x->h);
	free(x);
	return NULL;
}

void server_machine_free(struct server_machine *x)
{
	if (!x)
		return;
	iog_hosted_destroy(&x->h);
	free(x);
}
