/*
 * The shield on every real DMAR under shared/tables/dmar/: a software VT-d
 * unit at every DRHD base, two capability sets, a memory map with the RMRRs
 * reserved, a grant inside protected memory, and three topologies firmware
 * does not promise: no bridge reader at all, every bridge absent (fused-off
 * ports), and a full synthetic topology with a bridge behind every
 * sub-hierarchy scope and multi-hop path. What counts is model DMA, for
 * every source-id the DMAR routes, on the unit the test itself routes it to
 * (its own reading of the scopes, not the library's): protected memory (the
 * VMM, the grant, the IOMMU's own tables) unreachable, ordinary RAM
 * reachable, RMRRs reachable by their devices, the grant by its device only,
 * and a device renumbered onto another bus after apply still confined and
 * working.
 */
#include <stdlib.h>
#include <string.h>

#include <ioguard/hosted.h>
#include <ioguard/shield.h>

#include "model/machine.h"
#include "testlib.h"

#define MiB (1024ull * 1024)
#define GiB (1024 * MiB)
#define VMM_SIZE (16 * MiB)
#define POOL_OFF (8 * MiB) /* the table pool, inside the VMM */
#define POOL_PAGES 512
#define GRANT_OFF (2 * MiB) /* the VMM buffer its device may write */
#define GRANT_SIZE 0x10000ull
#define MAX_UNITS 64
#define MAX_RANGES 64
#define MAX_BRIDGES 256
#define RENUMBERED_BUS 0xfd

enum topology { NO_READER, ALL_ABSENT, SYNTHETIC, NTOPO };
static const char *const topo_name[NTOPO] = {"no bridge reader", "every bridge absent",
					     "synthetic topology"};

struct bridge {
	uint16_t segment;
	uint8_t bus, devfn, sec, sub;
};

struct topo {
	struct bridge b[MAX_BRIDGES];
	unsigned n;
};

struct realm {
	const uint8_t *dmar;
	size_t len;
	const char *name;
	/* Units by distinct (segment, base), in DMAR order. */
	uint64_t base[MAX_UNITS];
	uint16_t segment[MAX_UNITS];
	unsigned nunits;
	unsigned haw;
	struct iog_range memmap[MAX_RANGES];
	unsigned nmemmap;
	struct iog_range protect[1];
	struct iog_grant grant;
	struct topo topo;
	/* The test's own routing: source-id -> unit index, per segment (-1: none). */
	int8_t *route[4];
	int8_t catchall[4];
	uint16_t route_seg[4];
	unsigned nseg;
};

struct machine {
	struct model_machine mm; /* a model unit at every DRHD base, the page pool */
	struct iog_shield s;
	struct iog_shield_config c;
};

/* ---- Topologies ---- */

static struct bridge *topo_find(struct topo *t, uint16_t seg, uint8_t bus, uint8_t devfn)
{
	for (unsigned i = 0; i < t->n; i++)
		if (t->b[i].segment == seg && t->b[i].bus == bus && t->b[i].devfn == devfn)
			return &t->b[i];
	return NULL;
}

static int topo_reader(void *ctx, uint16_t seg, uint8_t bus, uint8_t devfn, uint8_t *sec,
		       uint8_t *sub)
{
	struct bridge *b = topo_find(ctx, seg, bus, devfn);

	if (!b)
		return IOG_ENOTFOUND;
	*sec = b->sec;
	*sub = b->sub;
	return IOG_OK;
}

static int absent_reader(void *ctx, uint16_t seg, uint8_t bus, uint8_t devfn, uint8_t *sec,
			 uint8_t *sub)
{
	(void)ctx, (void)seg, (void)bus, (void)devfn, (void)sec, (void)sub;
	return IOG_ENOTFOUND;
}

static uint8_t hop(const struct iog_dmar_scope *sc, unsigned i)
{
	return (uint8_t)((sc->path[2 * i] & 0x1f) << 3 | (sc->path[2 * i + 1] & 7));
}

/* Calls fn for every scope of every DRHD and RMRR, in table order. */
static void each_scope(const struct realm *r,
		       void (*fn)(struct realm *r, const struct iog_dmar_struct *st,
				  const struct iog_dmar_scope *sc, void *arg),
		       void *arg)
{
	struct iog_dmar_struct st;
	struct iog_dmar_scope sc;

	for (long off = iog_dmar_first(r->dmar, r->len, NULL); off >= 0;
	     off = iog_dmar_next(r->dmar, r->len, off, NULL)) {
		assert_int_equal(iog_dmar_struct_get(r->dmar, r->len, off, &st, NULL), 0);
		if (st.type != IOG_DMAR_DRHD && st.type != IOG_DMAR_RMRR)
			continue;
		for (long so = iog_dmar_scope_first(r->dmar, r->len, &st, NULL); so >= 0;
		     so = iog_dmar_scope_next(r->dmar, r->len, &st, so, NULL)) {
			assert_int_equal(iog_dmar_scope_get(r->dmar, r->len, so, &sc, NULL), 0);
			fn((struct realm *)r, &st, &sc, arg);
		}
	}
}

static void max_start_bus(struct realm *r, const struct iog_dmar_struct *st,
			  const struct iog_dmar_scope *sc, void *arg)
{
	unsigned *top = arg;

	(void)r, (void)st;
	if (sc->bus > *top)
		*top = sc->bus;
}

/* A bridge for every hop but the last, and behind every sub-hierarchy scope. */
static void add_bridges(struct realm *r, const struct iog_dmar_struct *st,
			const struct iog_dmar_scope *sc, void *arg)
{
	unsigned *next = arg;
	uint8_t bus = sc->bus;

	if ((sc->type != IOG_SCOPE_PCI_ENDPOINT && sc->type != IOG_SCOPE_PCI_SUBHIERARCHY) ||
	    !sc->path_len)
		return;
	for (unsigned i = 0; i < sc->path_len; i++) {
		int last = i + 1 == sc->path_len;
		struct bridge *b;

		if (last && sc->type != IOG_SCOPE_PCI_SUBHIERARCHY)
			return;
		b = topo_find(&r->topo, st->segment, bus, hop(sc, i));
		if (!b) {
			unsigned span = last ? 3 : 1;

			if (*next + span > 256 || r->topo.n == MAX_BRIDGES)
				return;
			b = &r->topo.b[r->topo.n++];
			*b = (struct bridge){st->segment, bus, hop(sc, i), (uint8_t)*next,
					     (uint8_t)(*next + span - 1)};
			*next += span;
		}
		bus = b->sec;
	}
}

/* The test's reading of a scope: the device it names, through the topology in force. */
static int resolve(const struct realm *r, enum topology t, uint16_t seg,
		   const struct iog_dmar_scope *sc, uint8_t *bus, uint8_t *devfn)
{
	uint8_t b = sc->bus;

	if (!sc->path_len)
		return -1;
	for (unsigned i = 0; i + 1 < sc->path_len; i++) {
		const struct bridge *br =
			t == SYNTHETIC ? topo_find((struct topo *)&r->topo, seg, b, hop(sc, i))
				       : NULL;

		if (!br)
			return -1;
		b = br->sec;
	}
	*bus = b;
	*devfn = hop(sc, sc->path_len - 1);
	return 0;
}

static int unit_index(const struct realm *r, uint16_t seg, uint64_t base)
{
	for (unsigned i = 0; i < r->nunits; i++)
		if (r->segment[i] == seg && r->base[i] == base)
			return (int)i;
	return -1;
}

/* The routing slot of a segment, made on first use. */
static unsigned seg_slot(struct realm *r, uint16_t seg)
{
	for (unsigned i = 0; i < r->nseg; i++)
		if (r->route_seg[i] == seg)
			return i;
	assert_true(r->nseg < 4);
	r->route_seg[r->nseg] = seg;
	r->route[r->nseg] = malloc(65536);
	assert_non_null(r->route[r->nseg]);
	memset(r->route[r->nseg], -1, 65536);
	r->catchall[r->nseg] = -1;
	return r->nseg++;
}

static int8_t *route_of(struct realm *r, uint16_t seg)
{
	return r->route[seg_slot(r, seg)];
}

/*
 * Routing as the hardware would do it on this topology (VT-d 8.3.1): the
 * first DRHD whose endpoint, namespace-device or sub-hierarchy scope takes
 * the device in; else its segment's INCLUDE_PCI_ALL unit.
 */
static void make_routes(struct realm *r, enum topology t)
{
	struct iog_dmar_struct st[MAX_UNITS * 2];
	unsigned n = 0;

	for (unsigned i = 0; i < r->nseg; i++) {
		memset(r->route[i], -1, 65536);
		r->catchall[i] = -1;
	}
	for (long off = iog_dmar_first(r->dmar, r->len, NULL); off >= 0 && n < MAX_UNITS * 2;
	     off = iog_dmar_next(r->dmar, r->len, off, NULL)) {
		assert_int_equal(iog_dmar_struct_get(r->dmar, r->len, off, &st[n], NULL), 0);
		if (st[n].type == IOG_DMAR_DRHD)
			n++;
	}
	/* Catch-alls first; explicit scopes then, later DRHDs first so that earlier ones win. */
	for (unsigned k = n; k-- > 0;)
		if (st[k].flags & IOG_DRHD_INCLUDE_PCI_ALL) {
			int8_t unit = (int8_t)unit_index(r, st[k].segment, st[k].address);

			memset(route_of(r, st[k].segment), unit, 65536);
			r->catchall[seg_slot(r, st[k].segment)] = unit;
		}
	for (unsigned k = n; k-- > 0;) {
		struct iog_dmar_scope sc;
		int8_t *route;
		int unit = unit_index(r, st[k].segment, st[k].address);

		if (st[k].flags & IOG_DRHD_INCLUDE_PCI_ALL)
			continue;
		route = route_of(r, st[k].segment);
		for (long so = iog_dmar_scope_first(r->dmar, r->len, &st[k], NULL); so >= 0;
		     so = iog_dmar_scope_next(r->dmar, r->len, &st[k], so, NULL)) {
			uint8_t bus, devfn;
			const struct bridge *b;

			assert_int_equal(iog_dmar_scope_get(r->dmar, r->len, so, &sc, NULL), 0);
			if ((sc.type != IOG_SCOPE_PCI_ENDPOINT &&
			     sc.type != IOG_SCOPE_PCI_SUBHIERARCHY &&
			     sc.type != IOG_SCOPE_ACPI_NAMESPACE) ||
			    resolve(r, t, st[k].segment, &sc, &bus, &devfn))
				continue;
			route[bus << 8 | devfn] = (int8_t)unit;
			b = t == SYNTHETIC && sc.type == IOG_SCOPE_PCI_SUBHIERARCHY
				    ? topo_find(&r->topo, st[k].segment, bus, devfn)
				    : NULL;
			for (unsigned below = b ? b->sec : 1; b && below <= b->sub; below++)
				memset(route + (below << 8), unit, 256);
		}
	}
}

/* ---- The machine ---- */

static void carve(struct realm *r, uint64_t base, uint64_t end)
{
	memmap_carve(r->memmap, &r->nmemmap, MAX_RANGES, base, end);
}

static int rmrr_overlaps(const struct realm *r, uint64_t base, uint64_t size)
{
	struct iog_dmar_struct st;

	for (long off = iog_dmar_first(r->dmar, r->len, NULL); off >= 0;
	     off = iog_dmar_next(r->dmar, r->len, off, NULL))
		if (!iog_dmar_struct_get(r->dmar, r->len, off, &st, NULL) &&
		    st.type == IOG_DMAR_RMRR && st.base < base + size && st.limit >= base)
			return 1;
	return 0;
}

/* The grant's device: a single-hop endpoint a non-catch-all unit names, else 00:1f.6. */
static void pick_grant(struct realm *r, const struct iog_dmar_struct *st,
		       const struct iog_dmar_scope *sc, void *arg)
{
	int *found = arg;

	if (*found || st->type != IOG_DMAR_DRHD || (st->flags & IOG_DRHD_INCLUDE_PCI_ALL) ||
	    sc->type != IOG_SCOPE_PCI_ENDPOINT || sc->path_len != 1)
		return;
	r->grant.segment = st->segment;
	r->grant.bus = sc->bus;
	r->grant.devfn = hop(sc, 0);
	*found = 1;
}

static void realm_init(struct realm *r, const uint8_t *dmar, size_t len, const char *name)
{
	static const uint64_t vmm_at[] = {0x10000000, 0x30000000, 0x50000000, 0x01000000};
	struct iog_dmar_struct st;
	unsigned top = 0, found = 0;
	uint64_t vmm = 0;

	memset(r, 0, sizeof(*r));
	r->dmar = dmar;
	r->len = len;
	r->name = name;
	r->haw = dmar[36] + 1u;
	for (long off = iog_dmar_first(dmar, len, NULL); off >= 0;
	     off = iog_dmar_next(dmar, len, off, NULL)) {
		assert_int_equal(iog_dmar_struct_get(dmar, len, off, &st, NULL), 0);
		if (st.type == IOG_DMAR_DRHD && unit_index(r, st.segment, st.address) < 0 &&
		    r->nunits < MAX_UNITS) {
			r->base[r->nunits] = st.address;
			r->segment[r->nunits++] = st.segment;
			route_of(r, st.segment);
		}
	}
	/* RAM: low memory, up to 2 GiB, 4 GiB above 4 GiB; the RMRRs reserved. */
	r->memmap[r->nmemmap++] = (struct iog_range){0, 0x9f000};
	r->memmap[r->nmemmap++] = (struct iog_range){MiB, 2 * GiB - MiB};
	r->memmap[r->nmemmap++] = (struct iog_range){4 * GiB, 4 * GiB};
	for (long off = iog_dmar_first(dmar, len, NULL); off >= 0;
	     off = iog_dmar_next(dmar, len, off, NULL))
		if (!iog_dmar_struct_get(dmar, len, off, &st, NULL) && st.type == IOG_DMAR_RMRR &&
		    st.limit >= st.base)
			carve(r, st.base & ~0xfffull, (st.limit + 0x1000) & ~0xfffull);
	for (unsigned i = 0; i < 4 && !vmm; i++)
		if (!rmrr_overlaps(r, vmm_at[i], VMM_SIZE))
			vmm = vmm_at[i];
	assert_true(vmm != 0);
	r->protect[0] = (struct iog_range){vmm, VMM_SIZE};
	r->grant = (struct iog_grant){0, 0, 0x1f << 3 | 6, vmm + GRANT_OFF, GRANT_SIZE, IOG_PT_RW};
	each_scope(r, pick_grant, &found);
	/* The synthetic topology: buses above every scope's own. */
	each_scope(r, max_start_bus, &top);
	top++;
	each_scope(r, add_bridges, &top);
}

static void realm_free(struct realm *r)
{
	for (unsigned i = 0; i < r->nseg; i++)
		free(r->route[i]);
}

static struct machine *machine_new(const struct realm *r, uint64_t cap, uint64_t ecap,
				   enum topology t)
{
	struct machine *x = calloc(1, sizeof(*x));

	assert_non_null(x);
	assert_int_equal(
		model_machine_init(&x->mm, 0, r->nunits, r->protect[0].base + POOL_OFF, POOL_PAGES),
		0);
	for (unsigned u = 0; u < r->nunits; u++)
		assert_int_equal(model_machine_add_vtd(&x->mm, r->base[u], 0x1000, cap, ecap),
				 (int)u);
	x->c = (struct iog_shield_config){
		.dmar = r->dmar,
		.dmar_len = r->len,
		.memmap = r->memmap,
		.nmemmap = r->nmemmap,
		.protect = r->protect,
		.nprotect = 1,
		.grants = &r->grant,
		.ngrants = 1,
		.ir_policy = IOG_VTD_IR_WARN,
		.bridge = t == NO_READER    ? NULL
			  : t == ALL_ABSENT ? absent_reader
					    : topo_reader,
		.bridge_ctx = (void *)&r->topo,
	};
	return x;
}

static void machine_free(struct machine *x)
{
	assert_int_equal(iog_shield_release(&x->s), 0);
	assert_int_equal(x->mm.h.pages_in_use, 0);
	model_machine_destroy(&x->mm);
	free(x);
}

/* ---- Checks by model DMA ---- */

struct tally {
	unsigned long dmas, sids, rmrr_devices;
};

static void expect(const struct realm *r, struct machine *x, unsigned unit, uint16_t sid,
		   uint64_t addr, int write, int allowed, const char *what, struct tally *n)
{
	struct vtd_dma_result res;
	int got = vtd_model_dma(&x->mm.vtd[unit], sid, addr, 8, write, &res) == 0;

	n->dmas++;
	if (got != allowed || (got && res.phys != addr))
		fail_msg("%s: unit %llx, %02x:%02x.%u %s %llx: %s (%s)", r->name,
			 (unsigned long long)r->base[unit], sid >> 8, (sid >> 3) & 0x1f, sid & 7,
			 write ? "write" : "read", (unsigned long long)addr,
			 got ? "went through" : "faulted", what);
}

static uint64_t last_page(const struct iog_range *m)
{
	return (m->base + m->size - 1) & ~0xfffull;
}

static void check_rmrr(struct realm *r, const struct iog_dmar_struct *st,
		       const struct iog_dmar_scope *sc, void *arg)
{
	struct {
		struct machine *x;
		enum topology t;
		struct tally *n;
	} *a = arg;
	uint8_t bus, devfn;
	uint16_t sid;
	int8_t unit;

	if (st->type != IOG_DMAR_RMRR || sc->type != IOG_SCOPE_PCI_ENDPOINT ||
	    st->limit < st->base || resolve(r, a->t, st->segment, sc, &bus, &devfn))
		return;
	sid = (uint16_t)(bus << 8 | devfn);
	unit = route_of(r, st->segment)[sid];
	/* Beyond what the units reach (host width) an RMRR cannot be honoured: reported instead. */
	if (unit < 0 || st->limit >> r->haw || st->limit >> 39)
		return;
	a->n->rmrr_devices++;
	expect(r, a->x, (unsigned)unit, sid, st->base, 0, 1, "its RMRR", a->n);
	expect(r, a->x, (unsigned)unit, sid, st->limit & ~7ull, 1, 1, "its RMRR", a->n);
}

/*
 * Every source-id of every segment when `full`; otherwise every one the DMAR
 * routes to a unit of its own, and 16 device/functions of every bus (a
 * different 16 on each bus) of the catch-all units.
 */
static void check_machine(struct realm *r, struct machine *x, enum topology t, int full,
			  struct tally *n)
{
	uint16_t gsid = (uint16_t)(r->grant.bus << 8 | r->grant.devfn);
	const struct iog_range *vmm = &r->protect[0];
	uint64_t ram[4], prot[6];
	int gunit = route_of(r, r->grant.segment)[gsid];

	ram[0] = 0x1000;
	ram[1] = vmm->base - 0x1000;
	ram[2] = vmm->base + vmm->size;
	ram[3] = last_page(&r->memmap[2]);
	prot[0] = vmm->base;
	prot[1] = last_page(vmm);
	prot[2] = r->grant.base;
	for (unsigned seg = 0; seg < r->nseg; seg++) {
		const int8_t *route = r->route[seg];

		for (unsigned sid = 0; sid < 65536; sid++) {
			int unit = route[sid];
			struct iog_vtd *v;

			if (unit < 0 || (!full && unit == r->catchall[seg] &&
					 (sid & 0xf) != ((sid >> 8) & 0xf)))
				continue;
			n->sids++;
			v = &iog_shield_unit(&x->s, (unsigned)unit)->vtd;
			prot[3] = v->root_phys;
			prot[4] = x->s.kinds[iog_shield_unit(&x->s, (unsigned)unit)->kind]
					  .pt.root_phys;
			prot[5] = x->s.kinds[iog_shield_unit(&x->s, (unsigned)unit)->kind]
					  .context_phys;
			if (r->route_seg[seg] == r->grant.segment && sid == gsid) {
				expect(r, x, (unsigned)unit, (uint16_t)sid, r->grant.base + 0x100,
				       1, 1, "the grant, by its device", n);
				expect(r, x, (unsigned)unit, (uint16_t)sid, ram[0], 0, 0,
				       "RAM, by the granted device", n);
				continue;
			}
			expect(r, x, (unsigned)unit, (uint16_t)sid, prot[sid % 6], sid & 1, 0,
			       "protected memory", n);
			expect(r, x, (unsigned)unit, (uint16_t)sid, ram[(sid >> 1) % 4],
			       (sid >> 3) & 1, 1, "ordinary RAM", n);
		}
	}
	/* The grant's device nowhere else; RMRRs by their devices. */
	for (unsigned u = 0; u < r->nunits; u++)
		if ((int)u != gunit && r->segment[u] == r->grant.segment)
			expect(r, x, u, gsid, r->grant.base, 1, 0, "the grant, on another unit", n);
	{
		struct {
			struct machine *x;
			enum topology t;
			struct tally *n;
		} a = {x, t, n};

		each_scope(r, check_rmrr, &a);
	}
	/* A device the guest renumbers onto another bus keeps working, confined, on its unit. */
	for (unsigned u = 0; u < r->nunits; u++) {
		uint16_t moved = RENUMBERED_BUS << 8 | 0x08;

		expect(r, x, u, moved, ram[1], 1, 1, "RAM, by a renumbered device", n);
		expect(r, x, u, moved, vmm->base + 0x3000, 0, 0, "the VMM, by a renumbered device",
		       n);
		expect(r, x, u, moved, r->grant.base, 1, 0, "the grant, by a renumbered device", n);
	}
}

static int has_base_zero(const struct realm *r)
{
	for (unsigned i = 0; i < r->nunits; i++)
		if (!r->base[i])
			return 1;
	return 0;
}

static void test_every_real_dmar(void **state)
{
	const struct {
		const char *name;
		uint64_t cap, ecap;
	} sets[] = {
		{"4-level, 2 MiB + 1 GiB, queued invalidation, PSI, coherent",
		 vtd_test_cap(0x6, 48, 3, 1, 9, 0, 0, 1), vtd_test_ecap(1, 1, 1, 1)},
		{"3-level, 2 MiB + 1 GiB, register invalidation, CM = 1, not coherent",
		 vtd_test_cap(0x2, 39, 3, 1, 9, 1, 0, 1), vtd_test_ecap(0, 0, 1, 0)},
	};
	struct tally n = {0, 0, 0};
	unsigned applied = 0, refused = 0, unplaced[NTOPO] = {0};
	char **paths;
	size_t count = shared_tables("dmar", &paths);
	struct realm *r = malloc(sizeof(*r));
	/* Every source-id in every combination: IOG_REAL_FULL=1 (make fuzz). */
	int full = getenv("IOG_REAL_FULL") != NULL;

	(void)state;
	assert_non_null(r);
	if (!count) {
		print_message("no shared/tables/dmar: skipped\n");
		free(r);
		skip();
	}
	for (size_t i = 0; i < count; i++) {
		size_t len;
		uint8_t *dmar = read_whole(paths[i], &len);
		const char *name = strrchr(paths[i], '/') + 1;

		realm_init(r, dmar, len, name);
		for (unsigned t = 0; t < NTOPO; t++) {
			make_routes(r, (enum topology)t);
			for (unsigned k = 0; k < 2; k++) {
				struct machine *x =
					machine_new(r, sets[k].cap, sets[k].ecap, (enum topology)t);
				struct iog_diag d = {0};
				int err = iog_shield_apply(&x->s, &x->mm.h.plat, &x->c, &d);

				if (err && has_base_zero(r)) {
					refused++;
					machine_free(x);
					continue;
				}
				if (err)
					fail_msg("%s (%s, %s): apply: %d at offset %llu: %s", name,
						 topo_name[t], sets[k].name, err,
						 (unsigned long long)d.offset,
						 d.reason ? d.reason : "");
				applied++;
				unplaced[t] += x->s.unplaced_scopes + x->s.unplaced_rmrrs;
				check_machine(r, x, (enum topology)t,
					      full || (t == SYNTHETIC && !k), &n);
				machine_free(x);
			}
		}
		realm_free(r);
		free(dmar);
	}
	print_message("%zu real DMARs, %u applies (%u refused: DRHD base 0), %lu source-ids, "
		      "%lu RMRR devices, %lu model DMAs; scopes and RMRR devices not placed: "
		      "%u %s, %u %s, %u %s\n",
		      count, applied, refused, n.sids, n.rmrr_devices, n.dmas, unplaced[0],
		      topo_name[0], unplaced[1], topo_name[1], unplaced[2], topo_name[2]);
	assert_true(applied > 0);
	free_paths(paths, count);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_real_dmar),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
