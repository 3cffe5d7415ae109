/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Any DMAR as a machine, and the model-DMA check after apply (see hostile.h).
 * The check reads the table itself, with its own scope resolution through
 * the machine's bridges, and asks the model units what each sampled device
 * reaches; it never asks the shield what it meant to do.
 */
#include "hostile.h"

#include <stdio.h>
#include <string.h>

#include "server.h"

#define PAGE 0x1000ull
#define MiB 0x100000ull
#define GiB (1024 * MiB)
#define POOL_PAGES 256	    /* VT-d: a few pages per unit, and page tables */
#define AMD_POOL_PAGES 1024 /* AMD: a device table for every id takes 512 contiguous pages */
#define MAX_SIDS 40
#define MAX_ADDRS 96
#define MAX_PHYS ((1ull << 52) - 1)

unsigned hostile_options(const uint8_t *dmar, size_t len)
{
	return len > 24 ? dmar[24] : 0;
}

/* ---- The topology ---- */

static struct hostile_bridge *bridge_find(struct hostile *x, uint16_t seg, uint8_t bus,
					  uint8_t devfn)
{
	for (unsigned i = 0; i < x->nbridges; i++)
		if (x->bridge[i].segment == seg && x->bridge[i].bus == bus &&
		    x->bridge[i].devfn == devfn)
			return &x->bridge[i];
	return NULL;
}

static int bridge_read(void *ctx, uint16_t seg, uint8_t bus, uint8_t devfn, uint8_t *sec,
		       uint8_t *sub)
{
	struct hostile_bridge *b = bridge_find(ctx, seg, bus, devfn);

	if (!b)
		return IOG_ENOTFOUND;
	*sec = b->sec;
	*sub = b->sub;
	return IOG_OK;
}

static int absent_read(void *ctx, uint16_t seg, uint8_t bus, uint8_t devfn, uint8_t *sec,
		       uint8_t *sub)
{
	(void)ctx, (void)seg, (void)bus, (void)devfn, (void)sec, (void)sub;
	return IOG_ENOTFOUND;
}

static uint8_t hop(const struct iog_dmar_scope *sc, unsigned i)
{
	return (uint8_t)((sc->path[2 * i] & 0x1f) << 3 | (sc->path[2 * i + 1] & 7));
}

/* Calls fn for every scope of every DRHD and RMRR the table lets us read. */
static void each_scope(struct hostile *x,
		       void (*fn)(struct hostile *x, const struct iog_dmar_struct *st,
				  const struct iog_dmar_scope *sc, void *arg),
		       void *arg)
{
	struct iog_dmar_struct st;
	struct iog_dmar_scope sc;

	for (long off = iog_dmar_first(x->dmar, x->len, NULL); off >= 0;
	     off = iog_dmar_next(x->dmar, x->len, off, NULL)) {
		if (iog_dmar_struct_get(x->dmar, x->len, off, &st, NULL))
			return;
		if (st.type != IOG_DMAR_DRHD && st.type != IOG_DMAR_RMRR)
			continue;
		for (long so = iog_dmar_scope_first(x->dmar, x->len, &st, NULL); so >= 0;
		     so = iog_dmar_scope_next(x->dmar, x->len, &st, so, NULL)) {
			if (iog_dmar_scope_get(x->dmar, x->len, so, &sc, NULL))
				break;
			fn(x, &st, &sc, arg);
		}
	}
}

static void max_bus(struct hostile *x, const struct iog_dmar_struct *st,
		    const struct iog_dmar_scope *sc, void *arg)
{
	unsigned *top = arg;

	(void)x, (void)st;
	if (sc->bus > *top)
		*top = sc->bus;
}

/* A numbered bridge at every hop but the last, and behind every sub-hierarchy scope. */
static void add_bridges(struct hostile *x, const struct iog_dmar_struct *st,
			const struct iog_dmar_scope *sc, void *arg)
{
	unsigned *next = arg;
	uint8_t bus = sc->bus;

	for (unsigned i = 0; i < sc->path_len; i++) {
		int last = i + 1 == sc->path_len;
		struct hostile_bridge *b;

		if (last && sc->type != IOG_SCOPE_PCI_SUBHIERARCHY)
			return;
		b = bridge_find(x, st->segment, bus, hop(sc, i));
		if (!b) {
			unsigned span = last ? 2 : 1;

			if (*next + span > 256 || x->nbridges == HOSTILE_MAX_BRIDGES)
				return;
			b = &x->bridge[x->nbridges++];
			*b = (struct hostile_bridge){st->segment, bus, hop(sc, i), (uint8_t)*next,
						     (uint8_t)(*next + span - 1)};
			*next += span;
		}
		bus = b->sec;
	}
}

/* The device a scope names on this machine, as hardware would route it; -1: nothing there. */
static int resolve(struct hostile *x, uint16_t seg, const struct iog_dmar_scope *sc, uint8_t *bus,
		   uint8_t *devfn)
{
	uint8_t b = sc->bus;

	if (!sc->path_len)
		return -1;
	for (unsigned i = 0; i + 1 < sc->path_len; i++) {
		const struct hostile_bridge *br =
			x->c.bridge == bridge_read ? bridge_find(x, seg, b, hop(sc, i)) : NULL;

		if (!br || br->sec == 0 || br->sec <= b)
			return -1;
		b = br->sec;
	}
	*bus = b;
	*devfn = hop(sc, sc->path_len - 1);
	return 0;
}

/* ---- A big table ---- */

struct out {
	uint8_t *buf;
	size_t cap, len;
};

static void out8(struct out *o, uint8_t v)
{
	if (o->len < o->cap)
		o->buf[o->len] = v;
	o->len++;
}

static void out16(struct out *o, uint16_t v)
{
	out8(o, (uint8_t)v);
	out8(o, (uint8_t)(v >> 8));
}

static void out64(struct out *o, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		out8(o, (uint8_t)(v >> (8 * i)));
}

static void out_scope(struct out *o, unsigned j)
{
	out8(o, IOG_SCOPE_PCI_ENDPOINT);
	out8(o, 8);
	out16(o, 0);
	out8(o, 0);
	out8(o, (uint8_t)(1 + j / 32));
	out8(o, (uint8_t)(j % 32));
	out8(o, 0);
}

size_t hostile_big_table(uint8_t *buf, size_t cap, unsigned nunits, unsigned nscopes,
			 unsigned nrmrr)
{
	struct out o = {buf, cap, 0};
	uint8_t sum = 0;

	if (nunits < 2 || !nscopes)
		return 0;
	for (const char *sig = "DMAR"; *sig; sig++)
		out8(&o, (uint8_t)*sig);
	for (unsigned i = 4; i < 36; i++)
		out8(&o, i == 8 ? 1 : 0); /* revision 1; length and checksum below */
	out8(&o, 45);			  /* 46-bit host addresses */
	out8(&o, 0);
	for (unsigned i = 38; i < 48; i++)
		out8(&o, 0);
	for (unsigned u = 0; u < nunits; u++) {
		int all = u + 1 == nunits;
		unsigned first = u * nscopes / (nunits - 1),
			 last = (u + 1) * nscopes / (nunits - 1);

		if (all)
			first = last = 0;
		out16(&o, IOG_DMAR_DRHD);
		out16(&o, (uint16_t)(16 + 8 * (last - first)));
		out8(&o, all ? IOG_DRHD_INCLUDE_PCI_ALL : 0);
		out8(&o, 0);
		out16(&o, 0);
		out64(&o, HOSTILE_BIG_BASE + u * PAGE);
		for (unsigned j = first; j < last; j++)
			out_scope(&o, j);
	}
	for (unsigned i = 0; i < nrmrr; i++) {
		uint64_t base = HOSTILE_BIG_RMRR + i * 2 * PAGE;

		out16(&o, IOG_DMAR_RMRR);
		out16(&o, 32);
		out16(&o, 0);
		out16(&o, 0);
		out64(&o, base);
		out64(&o, base + PAGE - 1);
		out_scope(&o, i % nscopes);
	}
	if (o.len > cap || o.len > 0xffffffffu)
		return 0;
	for (unsigned i = 0; i < 4; i++)
		buf[4 + i] = (uint8_t)(o.len >> (8 * i));
	for (size_t i = 0; i < o.len; i++)
		sum = (uint8_t)(sum + buf[i]);
	buf[9] = (uint8_t)-sum;
	return o.len;
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

static void pick_grant(struct hostile *x, const struct iog_dmar_struct *st,
		       const struct iog_dmar_scope *sc, void *arg)
{
	int *found = arg;

	if (*found || st->type != IOG_DMAR_DRHD || (st->flags & IOG_DRHD_INCLUDE_PCI_ALL) ||
	    sc->type != IOG_SCOPE_PCI_ENDPOINT || sc->path_len != 1)
		return;
	x->grant.segment = st->segment;
	x->grant.bus = sc->bus;
	x->grant.devfn = hop(sc, 0);
	*found = 1;
}

static void fixed_config(struct hostile *x)
{
	x->nmemmap = 3;
	x->memmap[0] = (struct iog_range){0, 0x9f000};
	x->memmap[1] = (struct iog_range){MiB, 2 * GiB - MiB};
	x->memmap[2] = (struct iog_range){4 * GiB, 4 * GiB};
	x->protect[0] = (struct iog_range){HOSTILE_VMM, HOSTILE_VMM_SIZE};
	x->grant = (struct iog_grant){0,	0, 0x1f << 3 | 6, HOSTILE_GRANT, HOSTILE_GRANT_SIZE,
				      IOG_PT_RW};
}

/* The IVRS: an AMD IOMMU at every IVHD base (of any type). */
static int amd_setup(struct hostile *x, unsigned opts)
{
	int small = !!(opts & HOSTILE_CAPS_3LEVEL);
	struct amdvi_model_config cfg = {small ? AMDVM_EFR_HATS_FIELD(0)
					       : AMDVM_EFR_HATS_FIELD(2) | AMDVM_EFR_IA_SUP};
	struct amdvi_model_mem mem = {&x->h, dev_read, dev_write};
	struct iog_ivrs_block b;

	for (long off = iog_ivrs_first(x->dmar, x->len, NULL); off >= 0;
	     off = iog_ivrs_next(x->dmar, x->len, off, NULL)) {
		unsigned i;

		if (iog_ivrs_block_get(x->dmar, x->len, off, &b, NULL))
			break;
		if (!b.is_ivhd)
			continue;
		for (i = 0; i < x->nunits && x->base[i] != b.address; i++)
			;
		if (i < x->nunits || x->nunits == HOSTILE_MAX_UNITS || b.address > MAX_PHYS ||
		    (b.address & (PAGE - 1)))
			continue;
		amdvi_model_init(&x->a[x->nunits], &cfg, &mem);
		if (iog_hosted_add_mmio(&x->h, b.address, AMDVM_MMIO_SIZE, &amdvi_model_mmio_ops,
					&x->a[x->nunits]))
			continue;
		x->base[x->nunits++] = b.address;
	}
	fixed_config(x);
	x->c = (struct iog_shield_config){
		.ivrs = x->dmar,
		.ivrs_len = x->len,
		.amdvi_small_pages = small,
		.memmap = x->memmap,
		.nmemmap = x->nmemmap,
		.protect = x->protect,
		.nprotect = 1,
		.grants = &x->grant,
		.ngrants = 1,
		.allow_rmrr_conflict = !!(opts & HOSTILE_ALLOW_RMRR_CONFLICT),
	};
	return 0;
}

int hostile_setup(struct hostile *x, const uint8_t *dmar, size_t len, unsigned opts)
{
	const struct server_caps *caps = &server_caps[opts & HOSTILE_CAPS_3LEVEL ? 1 : 0];
	struct vtd_model_config cfg = {0x10, caps->cap, caps->ecap, 1, 1};
	struct vtd_model_mem mem;
	struct iog_dmar_struct st;
	unsigned top = 0;
	int found = 0;

	memset(&x->s, 0, sizeof(x->s));
	x->amd = len >= 4 && !memcmp(dmar, "IVRS", 4);
	x->dmar = dmar;
	x->len = len;
	x->opts = opts;
	x->nunits = 0;
	x->nbridges = 0;
	x->applied = 0;
	iog_hosted_init(&x->h);
	mem = (struct vtd_model_mem){&x->h, dev_read, dev_write};
	if (iog_hosted_set_page_pool(&x->h, HOSTILE_POOL, x->amd ? AMD_POOL_PAGES : POOL_PAGES))
		return -1;
	if (x->amd)
		return amd_setup(x, opts);
	/* A unit at every register base the table names, where the address space has room. */
	for (long off = iog_dmar_first(dmar, len, NULL); off >= 0;
	     off = iog_dmar_next(dmar, len, off, NULL)) {
		unsigned i;

		if (iog_dmar_struct_get(dmar, len, off, &st, NULL))
			break;
		if (st.type != IOG_DMAR_DRHD)
			continue;
		for (i = 0; i < x->nunits && x->base[i] != st.address; i++)
			;
		if (i < x->nunits || x->nunits == HOSTILE_MAX_UNITS || st.address > MAX_PHYS ||
		    (st.address & (PAGE - 1)))
			continue;
		vtd_model_init(&x->m[x->nunits], &cfg, &mem);
		if (iog_hosted_add_mmio(&x->h, st.address, PAGE, &vtd_model_mmio_ops,
					&x->m[x->nunits]))
			continue;
		x->base[x->nunits++] = st.address;
	}
	if (!(caps->ecap & 1) && iog_hosted_set_noncoherent(&x->h))
		return -1;
	fixed_config(x);
	each_scope(x, pick_grant, &found);
	x->c = (struct iog_shield_config){
		.dmar = dmar,
		.dmar_len = len,
		.memmap = x->memmap,
		.nmemmap = x->nmemmap,
		.protect = x->protect,
		.nprotect = 1,
		.grants = &x->grant,
		.ngrants = 1,
		.ir_policy = IOG_VTD_IR_WARN,
		.allow_rmrr_conflict = !!(opts & HOSTILE_ALLOW_RMRR_CONFLICT),
		.bridge = (opts & HOSTILE_TOPO_MASK) == 0   ? NULL
			  : (opts & HOSTILE_TOPO_MASK) == 2 ? absent_read
							    : bridge_read,
		.bridge_ctx = x,
	};
	if (x->c.bridge == bridge_read) {
		each_scope(x, max_bus, &top);
		top++;
		each_scope(x, add_bridges, &top);
	}
	return 0;
}

int hostile_apply(struct hostile *x, struct iog_diag *d)
{
	int err = iog_shield_apply(&x->s, &x->h.plat, &x->c, d);

	x->applied = !err;
	return err;
}

int hostile_teardown(struct hostile *x)
{
	int leak = 0;

	if (x->s.plat && iog_shield_release(&x->s) == IOG_OK && x->h.pages_in_use)
		leak = 1;
	iog_hosted_destroy(&x->h);
	return leak ? -1 : 0;
}

/* ---- The check ---- */

struct sids {
	uint16_t seg[MAX_SIDS], sid[MAX_SIDS];
	unsigned n;
};

static void sid_add(struct sids *s, uint16_t seg, uint16_t sid)
{
	for (unsigned i = 0; i < s->n; i++)
		if (s->seg[i] == seg && s->sid[i] == sid)
			return;
	if (s->n < MAX_SIDS) {
		s->seg[s->n] = seg;
		s->sid[s->n++] = sid;
	}
}

/* Every device a scope names: as written, as resolved, and below a sub-hierarchy. */
static void named_sids(struct hostile *x, const struct iog_dmar_struct *st,
		       const struct iog_dmar_scope *sc, void *arg)
{
	struct sids *s = arg;
	uint8_t bus, devfn;

	if (!sc->path_len)
		return;
	sid_add(s, st->segment, (uint16_t)(sc->bus << 8 | hop(sc, 0)));
	if (resolve(x, st->segment, sc, &bus, &devfn))
		return;
	sid_add(s, st->segment, (uint16_t)(bus << 8 | devfn));
	if (sc->type == IOG_SCOPE_PCI_SUBHIERARCHY && x->c.bridge == bridge_read) {
		const struct hostile_bridge *b = bridge_find(x, st->segment, bus, devfn);

		if (b && b->sec > bus) {
			sid_add(s, st->segment, (uint16_t)(b->sec << 8));
			sid_add(s, st->segment, (uint16_t)(b->sub << 8 | 0x08));
		}
	}
}

static uint32_t mix(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x7feb352du;
	h ^= h >> 15;
	h *= 0x846ca68bu;
	h ^= h >> 16;
	return h;
}

/* Does page `a` lie inside one of the table's RMRRs (as whole pages)? Of this device, if named. */
struct rmrr_query {
	uint64_t a;
	int own; /* only RMRRs naming seg:sid */
	uint16_t seg, sid;
	int hit;
};

static void rmrr_hit(struct hostile *x, const struct iog_dmar_struct *st,
		     const struct iog_dmar_scope *sc, void *arg)
{
	struct rmrr_query *q = arg;
	uint8_t bus, devfn;

	if (st->type != IOG_DMAR_RMRR || st->limit < st->base || st->limit > MAX_PHYS ||
	    q->a < (st->base & ~(PAGE - 1)) || q->a > st->limit)
		return;
	if (!q->own)
		q->hit = 1;
	else if (st->segment == q->seg && !resolve(x, st->segment, sc, &bus, &devfn) &&
		 (uint16_t)(bus << 8 | devfn) == q->sid)
		q->hit = 1;
}

/* RMRRs with no scope at all still count as regions (for every device: the default map). */
static int rmrr_covers(struct hostile *x, uint64_t a)
{
	struct iog_dmar_struct st;

	for (long off = iog_dmar_first(x->dmar, x->len, NULL); off >= 0;
	     off = iog_dmar_next(x->dmar, x->len, off, NULL)) {
		if (iog_dmar_struct_get(x->dmar, x->len, off, &st, NULL))
			break;
		if (st.type == IOG_DMAR_RMRR && st.limit >= st.base && st.limit <= MAX_PHYS &&
		    a >= (st.base & ~(PAGE - 1)) && a <= st.limit)
			return 1;
	}
	return 0;
}

static int in_memmap(const struct hostile *x, uint64_t a)
{
	for (unsigned i = 0; i < x->nmemmap; i++)
		if (a >= x->memmap[i].base && a + PAGE <= x->memmap[i].base + x->memmap[i].size)
			return 1;
	return 0;
}

struct addrs {
	uint64_t a[MAX_ADDRS];
	unsigned n;
	unsigned tables; /* the first `tables` are the units' own table pages */
};

static void addr_add(struct addrs *s, uint64_t a)
{
	if (s->n < MAX_ADDRS)
		s->a[s->n++] = a & ~(PAGE - 1);
}

static void rmrr_edges(struct hostile *x, struct addrs *s)
{
	struct iog_dmar_struct st;
	unsigned n = 0;

	for (long off = iog_dmar_first(x->dmar, x->len, NULL); off >= 0 && n < 8;
	     off = iog_dmar_next(x->dmar, x->len, off, NULL)) {
		if (iog_dmar_struct_get(x->dmar, x->len, off, &st, NULL))
			break;
		if (st.type != IOG_DMAR_RMRR || st.limit < st.base || st.limit > MAX_PHYS)
			continue;
		n++;
		addr_add(s, st.base);
		addr_add(s, st.limit);
		if (st.base >= PAGE)
			addr_add(s, st.base - PAGE);
		if (st.limit + PAGE <= MAX_PHYS)
			addr_add(s, st.limit + PAGE);
	}
}

static int probe(struct hostile *x, unsigned u, uint16_t sid, uint64_t a, int write, uint64_t *phys)
{
	struct vtd_dma_result r;
	struct amdvi_dma_result ar;

	if (x->amd) {
		/* 0xfee00000-0xfeefffff carries interrupts on AMD, not memory writes. */
		if (amdvi_model_probe(&x->a[u], sid, a, write, &ar) || ar.interrupt)
			return 0;
		*phys = ar.phys;
		return 1;
	}
	if (vtd_model_probe(&x->m[u], sid, a, write, &r))
		return 0;
	*phys = r.phys;
	return 1;
}

/* ---- The IVRS's part ---- */

/* An IVMD's range as whole pages, when it has one below 52 bits. */
static int ivmd_range(const struct iog_ivrs_block *b, uint64_t *first, uint64_t *end)
{
	if (!b->is_ivmd || !b->mem_length || b->start > MAX_PHYS ||
	    b->mem_length - 1 > MAX_PHYS - b->start)
		return 0;
	*first = b->start & ~(PAGE - 1);
	*end = b->start + b->mem_length;
	return 1;
}

/* Does page `a` lie in an IVMD (one naming `sid`, when `own`)? */
static int ivmd_covers(struct hostile *x, uint64_t a, int own, uint16_t sid)
{
	struct iog_ivrs_block b;
	uint64_t first, end;

	for (long off = iog_ivrs_first(x->dmar, x->len, NULL); off >= 0;
	     off = iog_ivrs_next(x->dmar, x->len, off, NULL)) {
		unsigned last;

		if (iog_ivrs_block_get(x->dmar, x->len, off, &b, NULL))
			break;
		if (!ivmd_range(&b, &first, &end) || a < first || a >= end)
			continue;
		last = b.type == IOG_IVMD_RANGE && b.aux > b.device_id ? b.aux : b.device_id;
		if (!own || b.type == IOG_IVMD_ALL || (sid >= b.device_id && sid <= last))
			return 1;
	}
	return 0;
}

/* Device ids the IVRS names: each IVHD's own, its entries', aliases, the IVMDs'. */
static void amd_named(struct hostile *x, struct sids *s, struct addrs *ad)
{
	struct iog_ivrs_block b;
	struct iog_ivhd_entry e;
	uint64_t first, end;

	for (long off = iog_ivrs_first(x->dmar, x->len, NULL); off >= 0;
	     off = iog_ivrs_next(x->dmar, x->len, off, NULL)) {
		if (iog_ivrs_block_get(x->dmar, x->len, off, &b, NULL))
			break;
		if (b.is_ivmd) {
			sid_add(s, 0, b.device_id);
			sid_add(s, 0, b.aux);
			if (ivmd_range(&b, &first, &end)) {
				addr_add(ad, first);
				addr_add(ad, end - 1);
				addr_add(ad, end + PAGE - 1);
				if (first >= PAGE)
					addr_add(ad, first - PAGE);
			}
			continue;
		}
		if (!b.is_ivhd)
			continue;
		sid_add(s, b.segment, b.device_id);
		for (long eo = iog_ivhd_entry_first(x->dmar, x->len, &b, NULL); eo >= 0;
		     eo = iog_ivhd_entry_next(x->dmar, x->len, &b, eo, NULL)) {
			if (iog_ivhd_entry_get(x->dmar, x->len, eo, &e, NULL))
				break;
			sid_add(s, b.segment, e.device_id);
			if (e.alias)
				sid_add(s, b.segment, e.alias);
		}
	}
}

static uint64_t unit_base(const struct hostile *x, const struct iog_shield_unit *su)
{
	return x->amd ? su->amdvi.base : su->vtd.base;
}

int hostile_check(struct hostile *x, uint32_t seed, char *why, size_t n)
{
	static const uint64_t outside[] = {0x9f000,	 0xa0000,    0xc0000,	2 * GiB,
					   3 * GiB,	 0xfed00000, 8 * GiB,	8 * GiB + 2 * MiB,
					   (1ull << 39), 1ull << 45, 1ull << 51};
	static const uint64_t inside[] = {
		0x1000,		MiB,	 HOSTILE_VMM - PAGE, HOSTILE_VMM + HOSTILE_VMM_SIZE,
		2 * GiB - PAGE, 4 * GiB, 8 * GiB - PAGE};
	static const uint64_t live[] = {0x1000, MiB, 0x7fff0000};
	struct sids s = {.n = 0};
	struct addrs ad = {.n = 0};
	uint16_t gsid = (uint16_t)(x->grant.bus << 8 | x->grant.devfn);
	unsigned i = 0;

	if (!x->applied)
		return 0;
	/*
	 * The pages the units walk: roots (device tables, command buffers, event
	 * logs), shared context tables and default maps, domains.
	 */
	for (struct iog_shield_unit *u = x->s.units; u; u = u->next) {
		if (!x->amd) {
			addr_add(&ad, u->vtd.root_phys);
			continue;
		}
		addr_add(&ad, u->amdvi.dt_phys);
		addr_add(&ad, u->amdvi.cmd_phys);
		addr_add(&ad, u->amdvi.evt_phys);
		addr_add(&ad, u->amdvi.sem_phys);
	}
	for (unsigned k = 0; k < x->s.nkinds; k++) {
		addr_add(&ad, x->s.kinds[k].pt.root_phys);
		if (!x->amd)
			addr_add(&ad, x->s.kinds[k].context_phys);
	}
	for (unsigned k = 0; k < x->s.ndomains; k++)
		addr_add(&ad, x->s.domains[k].pt.root_phys);
	ad.tables = ad.n;
	addr_add(&ad, HOSTILE_VMM);
	addr_add(&ad, HOSTILE_VMM + HOSTILE_VMM_SIZE - PAGE);
	addr_add(&ad, HOSTILE_GRANT);
	addr_add(&ad, HOSTILE_POOL);
	for (unsigned k = 0; k < sizeof(outside) / sizeof(outside[0]); k++)
		addr_add(&ad, outside[k]);
	for (unsigned k = 0; k < sizeof(inside) / sizeof(inside[0]); k++)
		addr_add(&ad, inside[k]);
	for (unsigned k = 0; k < x->nunits && k < 8; k++)
		addr_add(&ad, x->base[k]);
	rmrr_edges(x, &ad);
	if (x->amd)
		amd_named(x, &s, &ad);

	/* Source-ids: the grant's, every one the table names, renumbered ones, a few at random. */
	sid_add(&s, x->grant.segment, gsid);
	each_scope(x, named_sids, &s);
	sid_add(&s, 0, 0xfd08);
	sid_add(&s, 0, 0xff00);
	for (unsigned k = 0; k < 6; k++)
		sid_add(&s, 0, (uint16_t)mix(seed + k));

	for (struct iog_shield_unit *su = x->s.units; su; su = su->next, i++) {
		uint64_t base = unit_base(x, su);
		uint16_t useg = x->amd ? su->amdvi.segment : su->vtd.segment;
		unsigned u;

		for (u = 0; u < x->nunits && x->base[u] != base; u++)
			;
		if (u == x->nunits) {
			snprintf(why, n, "unit %llx answers nowhere", (unsigned long long)base);
			return -1;
		}
		for (unsigned k = 0; k < s.n; k++) {
			uint16_t seg = s.seg[k], sid = s.sid[k];
			int granted = seg == x->grant.segment && sid == gsid;
			uint64_t pick[5], phys = 0;

			if (seg != useg)
				continue;
			pick[0] = ad.a[mix(seed ^ (i * 131 + k)) % ad.tables];
			pick[1] = ad.a[mix(seed + i * 7 + k * 3 + 1) % ad.n];
			pick[2] = ad.a[mix(seed + i * 11 + k * 5 + 2) % ad.n];
			pick[3] = ad.a[mix(seed + i * 13 + k * 17 + 3) % ad.n];
			pick[4] = live[(seed + k) % 3];
			for (unsigned p = 0; p < 5; p++) {
				uint64_t a = pick[p];
				int write = (int)((seed >> p) & 1);
				int is_table = 0, prot, ok, may;
				struct rmrr_query q = {a, 1, seg, sid, 0};

				for (unsigned t = 0; t < ad.tables; t++)
					is_table |= ad.a[t] == a;
				prot = a < HOSTILE_VMM + HOSTILE_VMM_SIZE && a + PAGE > HOSTILE_VMM;
				ok = probe(x, u, sid, a, write, &phys);
				if (ok && phys != a) {
					snprintf(why, n,
						 "unit %llx: %04x:%02x:%02x.%u reaches %llx at "
						 "IOVA %llx",
						 (unsigned long long)base, seg, sid >> 8,
						 (sid >> 3) & 0x1f, sid & 7,
						 (unsigned long long)phys, (unsigned long long)a);
					return -1;
				}
				if (p == 4) {
					/* Ordinary memory stays reachable (not for the granted
					 * device). */
					if (!ok && !granted &&
					    (!x->amd || sid < su->amdvi.ndevids)) {
						snprintf(why, n,
							 "unit %llx: %04x:%02x:%02x.%u cannot %s "
							 "RAM "
							 "at %llx",
							 (unsigned long long)base, seg, sid >> 8,
							 (sid >> 3) & 0x1f, sid & 7,
							 write ? "write" : "read",
							 (unsigned long long)a);
						return -1;
					}
					continue;
				}
				if (!ok)
					continue;
				if (is_table)
					may = 0;
				else if (granted && a >= HOSTILE_GRANT &&
					 a < HOSTILE_GRANT + HOSTILE_GRANT_SIZE)
					may = 1;
				else if (prot) {
					may = 0;
					if (x->c.allow_rmrr_conflict && x->amd)
						may = ivmd_covers(x, a, 1, sid);
					else if (x->c.allow_rmrr_conflict) {
						each_scope(x, rmrr_hit, &q);
						may = q.hit;
					}
				} else
					may = in_memmap(x, a) || (x->amd ? ivmd_covers(x, a, 0, 0)
									 : rmrr_covers(x, a));
				if (!may) {
					snprintf(why, n,
						 "unit %llx: %04x:%02x:%02x.%u can %s %llx (%s)",
						 (unsigned long long)base, seg, sid >> 8,
						 (sid >> 3) & 0x1f, sid & 7,
						 write ? "write" : "read", (unsigned long long)a,
						 is_table ? "the unit's own tables"
						 : prot	  ? "protected memory"
							  : "outside the memory map and RMRRs");
					return -1;
				}
			}
		}
	}
	return 0;
}
