/*
 * The shield on a large server (tests/unit/server.c): 48 remapping units over
 * 4 PCI segments, multi-hop scopes resolved through a bridge reader, six
 * RMRRs, 2 TiB of RAM, a grant inside the VMM. Under two capability sets,
 * model DMA on every unit, for source-ids on every bus of its segment and
 * every device the DMAR names, shows: the VMM and the IOMMU's own tables
 * unreachable, RAM reachable up to the top (or up to what the unit can
 * address, the rest reported), every RMRR reachable by its device on the
 * unit the server routes it to, the grant reachable by its device only.
 * Context tables shared between units keep the table pages to a few per
 * unit; release gives every page back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ioguard/hosted.h>
#include <ioguard/shield.h>

#include "model/vtd_model.h"
#include "server.h"
#include "testlib.h"

#define PAGE 4096ull
#define NPROT 6
#define RAM_PER_SID 4 /* RAM points per source-id, rotating through all of them */
#define SIDS_PER_BUS 4
#define MAX_RAM_POINTS (2 * SERVER_MEMMAP + 2)

/* What each capability set's units can address: 4 levels and the host width; 3 levels. */
static const unsigned reach_bits[SERVER_NCAPS] = {SERVER_HAW, 39};

struct check {
	const struct server *srv;
	struct server_machine *x;
	const char *set;
	uint64_t reach;
	uint64_t ram[MAX_RAM_POINTS];
	unsigned nram;
	unsigned long dmas, sids;
};

static uint64_t last_page(const struct iog_range *r)
{
	return (r->base + r->size - 1) & ~(PAGE - 1);
}

static void expect(struct check *k, unsigned unit, uint16_t sid, uint64_t addr, int write,
		   int allowed, const char *what)
{
	struct vtd_dma_result res;
	int got = vtd_model_dma(&k->x->m[unit], sid, addr, 8, write, &res) == 0;

	k->dmas++;
	if (got != allowed || (got && res.phys != addr))
		fail_msg("%s: unit %u (%04x, %llx), %02x:%02x.%u %s %llx: %s, fault %u (%s)",
			 k->set, unit, k->srv->segment[unit],
			 (unsigned long long)k->srv->base[unit], sid >> 8, (sid >> 3) & 0x1f,
			 sid & 7, write ? "write" : "read", (unsigned long long)addr,
			 got ? "went through" : "faulted", res.fault_reason, what);
}

static int in_ram(const struct server *srv, uint64_t a)
{
	for (unsigned i = 0; i < SERVER_MEMMAP; i++)
		if (a >= srv->memmap[i].base && a - srv->memmap[i].base < srv->memmap[i].size)
			return 1;
	return 0;
}

/* RAM worth probing: the edges of every range and of the VMM, and the very top. */
static void ram_points(struct check *k)
{
	const struct server *srv = k->srv;

	k->nram = 0;
	for (unsigned i = 0; i < SERVER_MEMMAP; i++) {
		k->ram[k->nram++] = srv->memmap[i].base;
		k->ram[k->nram++] = last_page(&srv->memmap[i]);
	}
	k->ram[k->nram++] = srv->vmm.base - PAGE;
	k->ram[k->nram++] = srv->vmm.base + srv->vmm.size;
	for (unsigned i = 0; i < k->nram; i++)
		assert_true(in_ram(srv, k->ram[i]));
}

/* One source-id on one unit. */
static void check_sid(struct check *k, unsigned unit, uint16_t sid)
{
	const struct server *srv = k->srv;
	const struct iog_shield *s = &k->x->s;
	const struct iog_shield_unit *u = iog_shield_unit(s, unit);
	uint16_t gsid = (uint16_t)(srv->grant.bus << 8 | srv->grant.devfn);
	/* The VMM's first and last pages, the unit's root table, the grant, the default domain. */
	uint64_t prot[NPROT] = {
		srv->vmm.base,	 last_page(&srv->vmm),		 u->vtd.root_phys,
		srv->grant.base, s->kinds[u->kind].pt.root_phys, s->kinds[u->kind].context_phys,
	};

	k->sids++;
	if (srv->segment[unit] == srv->grant.segment && sid == gsid &&
	    server_route(srv, srv->grant.segment, srv->grant.bus, srv->grant.devfn) == unit) {
		expect(k, unit, sid, srv->grant.base, 1, 1, "the grant, by its device");
		expect(k, unit, sid, srv->grant.base + srv->grant.size - 8, 0, 1,
		       "the grant, by its device");
		expect(k, unit, sid, srv->grant.base + srv->grant.size, 1, 0,
		       "past the grant, by its device");
		expect(k, unit, sid, srv->vmm.base, 0, 0, "the VMM, by the granted device");
		expect(k, unit, sid, u->vtd.root_phys, 1, 0,
		       "the root table, by the granted device");
		for (unsigned i = 0; i < k->nram; i++)
			expect(k, unit, sid, k->ram[i], i & 1, 0, "RAM, by the granted device");
		return;
	}
	for (unsigned i = 0; i < NPROT; i++)
		expect(k, unit, sid, prot[i], (sid + i) & 1, 0, "protected memory");
	for (unsigned i = 0; i < RAM_PER_SID; i++) {
		uint64_t a = k->ram[(sid * RAM_PER_SID + i + unit) % k->nram];

		expect(k, unit, sid, a, (sid >> i) & 1, a < k->reach, "RAM");
	}
	/* The top of the 2 TiB, on every source-id. */
	expect(k, unit, sid, last_page(&srv->memmap[SERVER_MEMMAP - 1]), sid & 1,
	       last_page(&srv->memmap[SERVER_MEMMAP - 1]) < k->reach, "the top of RAM");
}

/*
 * Every unit: four source-ids on every bus of its segment (different
 * device/functions from bus to bus and unit to unit) and every device the
 * DMAR names on that segment.
 */
static void check_units(struct check *k)
{
	const struct server *srv = k->srv;

	for (unsigned unit = 0; unit < SERVER_UNITS; unit++) {
		for (unsigned bus = 0; bus < 256; bus++) {
			uint8_t df = (uint8_t)(bus * 37 + unit * 11);

			for (unsigned i = 0; i < SIDS_PER_BUS; i++)
				check_sid(k, unit, (uint16_t)(bus << 8 | (uint8_t)(df + i * 0x47)));
		}
		for (unsigned i = 0; i < srv->nnamed; i++)
			if (srv->named[i].segment == srv->segment[unit])
				check_sid(k, unit,
					  (uint16_t)(srv->named[i].bus << 8 | srv->named[i].devfn));
	}
}

/* Every RMRR by each of its devices, on the unit the server routes that device to. */
static void check_rmrrs(struct check *k)
{
	const struct server *srv = k->srv;

	for (unsigned i = 0; i < SERVER_RMRRS; i++) {
		const struct server_rmrr *rm = &srv->rmrr[i];

		for (unsigned j = 0; j < rm->ndev; j++) {
			const struct server_device *dv = &rm->dev[j];
			unsigned unit = server_route(srv, dv->segment, dv->bus, dv->devfn);
			uint16_t sid = (uint16_t)(dv->bus << 8 | dv->devfn);

			assert_int_equal(srv->segment[unit], rm->segment);
			expect(k, unit, sid, rm->base, 0, 1, "its RMRR");
			expect(k, unit, sid, rm->limit & ~7ull, 1, 1, "its RMRR");
			expect(k, unit, sid, srv->vmm.base, 1, 0, "the VMM, by an RMRR device");
		}
	}
}

/* The grant's device reaches the grant on its unit only. */
static void check_grant(struct check *k)
{
	const struct server *srv = k->srv;
	const struct iog_grant *g = &srv->grant;
	uint16_t gsid = (uint16_t)(g->bus << 8 | g->devfn);
	unsigned gunit = server_route(srv, g->segment, g->bus, g->devfn);

	/* Two hops down from a stack's root bus: placed through the bridge reader. */
	assert_int_not_equal(gunit % SERVER_UNITS_PER_SEGMENT, SERVER_UNITS_PER_SEGMENT - 1);
	for (unsigned unit = 0; unit < SERVER_UNITS; unit++) {
		if (unit == gunit)
			continue;
		expect(k, unit, gsid, g->base, 1, 0, "the grant, on another unit");
		expect(k, unit, gsid, g->base + 0x1000, 0, 0, "the grant, on another unit");
	}
}

/* Bytes of the memory map at or above `reach`. */
static uint64_t ram_above(const struct server *srv, uint64_t reach)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < SERVER_MEMMAP; i++) {
		uint64_t b = srv->memmap[i].base, e = b + srv->memmap[i].size;

		if (e > reach)
			n += e - (b > reach ? b : reach);
	}
	return n;
}

static void run_set(const struct server *srv, unsigned set)
{
	struct check k;
	struct iog_diag d = {0};
	struct server_machine *x =
		server_machine_new(srv, server_caps[set].cap, server_caps[set].ecap);
	size_t pages;
	int err;

	assert_non_null(x);
	err = iog_shield_apply(&x->s, &x->h.plat, &x->c, &d);
	if (err)
		fail_msg("%s: apply: %d at offset %llu: %s (address %llx%s, device "
			 "%04x:%02x:%02x.%u%s)",
			 server_caps[set].name, err, (unsigned long long)d.offset,
			 d.reason ? d.reason : "", (unsigned long long)d.address,
			 d.has_address ? "" : ", not set", d.segment, d.sid >> 8,
			 (d.sid >> 3) & 0x1f, d.sid & 7, d.has_device ? "" : ", not set");
	assert_int_equal(x->s.nunits, SERVER_UNITS);
	assert_int_equal(x->s.nkinds, 1);
	/* Every bridge is there: every scope, RMRR device and the grant is placed. */
	assert_int_equal(x->s.unplaced_scopes, 0);
	assert_int_equal(x->s.unplaced_rmrrs, 0);
	assert_int_equal(x->s.unplaced_grants, 0);
	assert_int_equal(x->s.ndomains, 1);
	assert_int_equal(x->s.report.violations, 0);
	/* What a unit cannot address is said, to the byte. */
	assert_int_equal(x->s.unreachable, ram_above(srv, 1ull << reach_bits[set]));

	memset(&k, 0, sizeof(k));
	k.srv = srv;
	k.x = x;
	k.set = server_caps[set].name;
	k.reach = 1ull << reach_bits[set];
	ram_points(&k);
	check_units(&k);
	check_rmrrs(&k);
	check_grant(&k);

	/* The old design's cost: 256 context tables per unit, 1 MiB each, 48 MiB in all. */
	pages = iog_shield_pages(&x->s);
	print_message("%s: %zu table pages (%.1f per unit); %lu source-ids, %lu model DMAs\n",
		      server_caps[set].name, pages, (double)pages / SERVER_UNITS, k.sids, k.dmas);
	assert_true(pages > 0);
	assert_true(pages * 16 < 48 * 1024 * 1024 / PAGE);

	assert_int_equal(iog_shield_release(&x->s), 0);
	assert_int_equal(iog_shield_pages(&x->s), 0);
	assert_int_equal(x->h.pages_in_use, 0);
	server_machine_free(x);
}

static void test_server_layout(void **state)
{
	struct server *srv = malloc(sizeof(*srv));
	uint64_t ram = 0;

	(void)state;
	assert_non_null(srv);
	assert_int_equal(server_build(srv), 0);
	assert_int_equal(iog_dmar_check(srv->dmar, srv->dmar_len, NULL, NULL), 0);
	for (unsigned i = 0; i < SERVER_MEMMAP; i++) {
		ram += srv->memmap[i].size;
		if (i)
			assert_true(srv->memmap[i].base >
				    srv->memmap[i - 1].base + srv->memmap[i - 1].size);
	}
	assert_true(ram == srv->ram_bytes);
	/* The RMRRs lie outside RAM; the pool and the grant inside the VMM. */
	for (unsigned i = 0; i < SERVER_RMRRS; i++) {
		assert_false(in_ram(srv, srv->rmrr[i].base));
		assert_false(in_ram(srv, srv->rmrr[i].limit));
		assert_true(srv->rmrr[i].ndev > 0);
	}
	assert_true(srv->pool_phys >= srv->vmm.base &&
		    srv->pool_phys + srv->pool_pages * PAGE <= srv->vmm.base + srv->vmm.size);
	assert_true(srv->grant.base >= srv->vmm.base &&
		    srv->grant.base + srv->grant.size <= srv->pool_phys);
	free(srv);
}

static void test_server_shield(void **state)
{
	struct server *srv = malloc(sizeof(*srv));

	(void)state;
	assert_non_null(srv);
	assert_int_equal(server_build(srv), 0);
	for (unsigned set = 0; set < SERVER_NCAPS; set++)
		run_set(srv, set);
	free(srv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_server_layout),
		cmocka_unit_test(test_server_shield),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
