/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The shield policy, in the order that keeps the window without protection
 * short: probe every unit, turn off what firmware enabled (keeping its
 * translation and its protected memory regions, which still block DMA),
 * conceal the DMAR, build every domain, point every unit at its own root
 * table, enable translation, and only then drop firmware's protected memory
 * regions. Finally the verifier walks what the units really use.
 *
 * Every unit gives every source-id of its segment the default domain, so
 * that placement mistakes (firmware's scopes for absent ports, buses renumbered
 * later, hot-added devices) can only cost a device its grant, never expose
 * protected memory or strand an ordinary device.
 */
#include <ioguard/shield.h>

#include "util/bytes.h"
#include "util/log.h"

#define PAGE_MASK ((uint64_t)IOG_PAGE_SIZE - 1)
#define UNITS_PER_PAGE (IOG_PAGE_SIZE / sizeof(struct iog_shield_unit))
#define MAX_PHYS ((1ull << 52) - 1) /* the highest physical address x86 knows */
#define IOMMU_WINDOW 0x4000ull	    /* an AMD IOMMU's register window */

static uint64_t page_down(uint64_t a)
{
	return a & ~PAGE_MASK;
}

static uint64_t page_up(uint64_t a)
{
	return a + PAGE_MASK < a ? ~PAGE_MASK : (a + PAGE_MASK) & ~PAGE_MASK;
}

static int overlap(uint64_t a, uint64_t asz, uint64_t b, uint64_t bsz)
{
	return asz && bsz && a < b + bsz && b < a + asz;
}

static void diag_device(struct iog_diag *d, uint16_t segment, uint8_t bus, uint8_t devfn)
{
	if (d) {
		d->has_device = 1;
		d->segment = segment;
		d->sid = (uint16_t)(bus << 8 | devfn);
	}
}

static void diag_address(struct iog_diag *d, uint64_t address)
{
	if (d) {
		d->has_address = 1;
		d->address = address;
	}
}

/* ---- The page guard: every table page the units may walk lies in protected memory. ---- */

static int inside_protected(const struct iog_shield *s, uint64_t phys)
{
	for (unsigned i = 0; i < s->cfg_nprotect; i++) {
		const struct iog_range *p = &s->cfg_protect[i];

		if (phys >= p->base && phys - p->base < p->size &&
		    p->size - (phys - p->base) >= IOG_PAGE_SIZE)
			return 1;
	}
	return 0;
}

static int guard_page_alloc(void *ctx, void **virt, uint64_t *phys)
{
	struct iog_shield *s = ctx;
	int err = s->plat->page_alloc(s->plat->ctx, virt, phys);

	if (err || !*virt)
		return err ? err : IOG_ENOMEM;
	s->pages++;
	if (!inside_protected(s, *phys)) {
		/* A device could rewrite the tables that confine it: refuse the page. */
		if (!s->stray_page)
			s->stray_page = *phys;
		s->plat->page_free(s->plat->ctx, *virt, *phys);
		*virt = NULL;
		s->pages--;
		return IOG_ENOMEM;
	}
	return IOG_OK;
}

static void guard_page_free(void *ctx, void *virt, uint64_t phys)
{
	struct iog_shield *s = ctx;

	s->pages--;
	s->plat->page_free(s->plat->ctx, virt, phys);
}

static void *guard_map(void *ctx, uint64_t phys, size_t len)
{
	struct iog_shield *s = ctx;

	return s->plat->map(s->plat->ctx, phys, len);
}

static void guard_unmap(void *ctx, void *virt, size_t len)
{
	struct iog_shield *s = ctx;

	s->plat->unmap(s->plat->ctx, virt, len);
}

static void *guard_page_virt(void *ctx, uint64_t phys)
{
	struct iog_shield *s = ctx;

	return s->plat->page_virt(s->plat->ctx, phys);
}

static uint32_t guard_read32(void *ctx, uint64_t base, uint32_t off)
{
	struct iog_shield *s = ctx;

	return s->plat->reg_read32(s->plat->ctx, base, off);
}

static uint64_t guard_read64(void *ctx, uint64_t base, uint32_t off)
{
	struct iog_shield *s = ctx;

	return s->plat->reg_read64(s->plat->ctx, base, off);
}

static void guard_write32(void *ctx, uint64_t base, uint32_t off, uint32_t v)
{
	struct iog_shield *s = ctx;

	s->plat->reg_write32(s->plat->ctx, base, off, v);
}

static void guard_write64(void *ctx, uint64_t base, uint32_t off, uint64_t v)
{
	struct iog_shield *s = ctx;

	s->plat->reg_write64(s->plat->ctx, base, off, v);
}

static void guard_cache_flush(void *ctx, const void *virt, size_t len)
{
	struct iog_shield *s = ctx;

	s->plat->cache_flush(s->plat->ctx, virt, len);
}

static uint64_t guard_clock(void *ctx)
{
	struct iog_shield *s = ctx;

	return s->plat->clock_ns(s->plat->ctx);
}

static void guard_log(void *ctx, enum iog_log_level level, const char *line)
{
	struct iog_shield *s = ctx;

	s->plat->log(s->plat->ctx, level, line);
}

static int guard_fault_msi(void *ctx, uint64_t base, uint64_t *addr, uint32_t *data)
{
	struct iog_shield *s = ctx;

	return s->plat->fault_msi(s->plat->ctx, base, addr, data);
}

/* The caller's platform seen through the guard; hooks it lacks stay missing. */
static void guard_init(struct iog_shield *s, const struct iog_platform *p)
{
	struct iog_platform *g = &s->guard;

	*g = *p;
	g->ctx = s;
	g->map = p->map ? guard_map : NULL;
	g->unmap = p->unmap ? guard_unmap : NULL;
	g->page_alloc = p->page_alloc && p->page_free ? guard_page_alloc : NULL;
	g->page_free = p->page_free ? guard_page_free : NULL;
	g->page_virt = p->page_virt ? guard_page_virt : NULL;
	g->reg_read32 = p->reg_read32 ? guard_read32 : NULL;
	g->reg_read64 = p->reg_read64 ? guard_read64 : NULL;
	g->reg_write32 = p->reg_write32 ? guard_write32 : NULL;
	g->reg_write64 = p->reg_write64 ? guard_write64 : NULL;
	g->cache_flush = p->cache_flush ? guard_cache_flush : NULL;
	g->clock_ns = p->clock_ns ? guard_clock : NULL;
	g->log = p->log ? guard_log : NULL;
	g->fault_msi = p->fault_msi ? guard_fault_msi : NULL;
}

/* ---- Units ---- */

struct iog_shield_unit *iog_shield_unit(const struct iog_shield *s, unsigned i)
{
	struct iog_shield_unit *u = s ? s->units : NULL;

	while (u && i--)
		u = u->next;
	return u;
}

static uint64_t unit_base(const struct iog_shield_unit *u)
{
	return u->amd ? u->amdvi.base : u->vtd.base;
}

static uint16_t unit_segment(const struct iog_shield_unit *u)
{
	return u->amd ? u->amdvi.segment : u->vtd.segment;
}

static int unit_probed(const struct iog_shield_unit *u)
{
	return u->amd ? u->amdvi.plat != NULL : u->vtd.plat != NULL;
}

/* A new record at the end of the list; records come UNITS_PER_PAGE to a page. */
static struct iog_shield_unit *unit_add(struct iog_shield *s, struct iog_shield_unit **last)
{
	struct iog_shield_unit *u;
	uint64_t phys = 0;
	void *page = NULL;

	if (s->nunits % UNITS_PER_PAGE == 0) {
		if (s->guard.page_alloc(s->guard.ctx, &page, &phys) || !page)
			return NULL;
		u = page;
		iog_memset(u, 0, sizeof(*u));
		u->page_phys = phys;
	} else {
		u = *last + 1;
		iog_memset(u, 0, sizeof(*u));
	}
	if (*last)
		(*last)->next = u;
	else
		s->units = u;
	*last = u;
	s->nunits++;
	return u;
}

static void units_free(struct iog_shield *s)
{
	struct iog_shield_unit *u = s->units, *next;

	/* A page goes with its last record: its first one says where it is. */
	for (unsigned i = 0; u; i++, u = next) {
		next = u->next;
		if (i % UNITS_PER_PAGE == UNITS_PER_PAGE - 1 || !next) {
			struct iog_shield_unit *first = u - (i % UNITS_PER_PAGE);

			s->guard.page_free(s->guard.ctx, first, first->page_phys);
		}
	}
	s->units = NULL;
	s->nunits = 0;
}

/*
 * The unit with this register base (a DRHD or IVHD that repeats another's
 * stands for the same unit); its index in *index. NULL when none.
 */
static struct iog_shield_unit *unit_at(const struct iog_shield *s, uint16_t segment, uint64_t base,
				       unsigned *index)
{
	struct iog_shield_unit *u = s->units;

	for (unsigned i = 0; u; i++, u = u->next)
		if (unit_base(u) == base && unit_segment(u) == segment) {
			if (index)
				*index = i;
			return u;
		}
	return NULL;
}

/*
 * ---- The scope index ----
 *
 * Where the DMAR places devices, resolved once (every scope read, every
 * bridge asked once) rather than by a table walk per device: one 64-bit key
 * per DRHD scope in platform pages, sorted, so that a device's unit is a
 * binary search away whatever the table's size. A key is
 *   kind (63:56) | segment (55:40) | bus (39:32) | devfn or last bus (31:24) | unit (23:0)
 * kind KEY_DEVICE: the device a scope names; KEY_BUSES: the buses below a
 * sub-hierarchy scope's bridge (bus to last bus); KEY_ALL: an INCLUDE_PCI_ALL
 * unit. Units are numbered in DMAR order, so the lowest matching unit is the
 * DRHD that comes first, as iog_dmar_find_drhd has it. From an IVRS: a
 * KEY_DEVICE per device id an IVHD names alone, and per range of ids a
 * KEY_IDS key, kind | segment | first id (39:24) | last id (23:8) | unit (7:0),
 * the lowest unit again the first IVHD, as iog_ivrs_find_ivhd has it.
 */
#define KEY_DEVICE 0ull
#define KEY_BUSES 1ull
#define KEY_ALL 2ull
#define KEY_IDS 3ull
#define KEY_IDS_UNITS 256u
#define KEYS_PER_PAGE (IOG_PAGE_SIZE / sizeof(uint64_t))
#define KEY_PAGES (IOG_PAGE_SIZE / sizeof(struct iog_shield_index_page))
#define KEY_UNITS (1u << 24)

static uint64_t key_make(uint64_t kind, uint16_t segment, uint8_t bus, uint8_t low, unsigned unit)
{
	return kind << 56 | (uint64_t)segment << 40 | (uint64_t)bus << 32 | (uint64_t)low << 24 |
	       unit;
}

static uint64_t *key_at(const struct iog_shield *s, unsigned i)
{
	return &s->index[i / KEYS_PER_PAGE].keys[i % KEYS_PER_PAGE];
}

static void index_free(struct iog_shield *s)
{
	if (!s->index)
		return;
	for (unsigned p = 0; p < s->index_pages; p++)
		s->guard.page_free(s->guard.ctx, s->index[p].keys, s->index[p].phys);
	s->guard.page_free(s->guard.ctx, s->index, s->index_phys);
	s->index = NULL;
	s->index_pages = 0;
	s->nkeys = 0;
}

static int key_add(struct iog_shield *s, uint64_t key)
{
	if (s->nkeys == s->index_pages * KEYS_PER_PAGE) {
		struct iog_shield_index_page *pg = &s->index[s->index_pages];
		void *page = NULL;

		if (s->index_pages == KEY_PAGES ||
		    s->guard.page_alloc(s->guard.ctx, &page, &pg->phys) || !page)
			return IOG_ENOSPC;
		pg->keys = page;
		s->index_pages++;
	}
	*key_at(s, s->nkeys++) = key;
	return IOG_OK;
}

/* Heapsort: no recursion, no extra memory. */
static void key_sift(struct iog_shield *s, unsigned i, unsigned n)
{
	for (unsigned child; (child = 2 * i + 1) < n; i = child) {
		uint64_t *a = key_at(s, i), *b, t;

		if (child + 1 < n && *key_at(s, child + 1) > *key_at(s, child))
			child++;
		b = key_at(s, child);
		if (*a >= *b)
			return;
		t = *a;
		*a = *b;
		*b = t;
	}
}

static void key_sort(struct iog_shield *s)
{
	unsigned n = s->nkeys;

	for (unsigned i = n / 2; i-- > 0;)
		key_sift(s, i, n);
	while (n > 1) {
		uint64_t *a = key_at(s, 0), *b = key_at(s, --n), t = *a;

		*a = *b;
		*b = t;
		key_sift(s, 0, n);
	}
}

/* The first key not below `key`. */
static unsigned key_find(const struct iog_shield *s, uint64_t key)
{
	unsigned lo = 0, hi = s->nkeys;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (*key_at(s, mid) < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct ids_key {
	struct iog_shield *s;
	uint16_t segment;
	unsigned unit;
};

static int ids_key(void *ctx, uint16_t first, uint16_t last)
{
	struct ids_key *k = ctx;

	if (first == last)
		return key_add(k->s, key_make(KEY_DEVICE, k->segment, (uint8_t)(first >> 8),
					      (uint8_t)first, k->unit));
	return key_add(k->s, KEY_IDS << 56 | (uint64_t)k->segment << 40 | (uint64_t)first << 24 |
				     (uint64_t)last << 8 | k->unit);
}

/* Every device id each IVHD names, once. */
static int index_ivrs(struct iog_shield *s, const struct iog_shield_config *c)
{
	struct iog_ivrs_block b;
	unsigned i = 0;
	int err = IOG_OK;

	for (struct iog_shield_unit *u = s->units; u && !err; u = u->next, i++) {
		struct ids_key k = {s, u->amdvi.segment, i};

		if (!iog_ivrs_block_get(c->ivrs, c->ivrs_len, u->drhd, &b, NULL))
			err = iog_ivhd_each_range(c->ivrs, c->ivrs_len, &b, ids_key, &k, NULL);
	}
	return err;
}

/*
 * Every DRHD scope (or IVHD device entry), resolved once. Without the index
 * (no pages, or more keys than it holds) placement falls back to
 * iog_dmar_find_drhd (iog_ivrs_find_ivhd).
 */
static void index_build(struct iog_shield *s, const struct iog_shield_config *c)
{
	struct iog_shield_unit *u = s->units;
	struct iog_dmar_struct st;
	struct iog_dmar_scope sc;
	void *page = NULL;
	int err = IOG_OK;

	if (s->nunits >= (s->amd ? KEY_IDS_UNITS : KEY_UNITS) ||
	    s->guard.page_alloc(s->guard.ctx, &page, &s->index_phys) || !page)
		return;
	s->index = page;
	if (s->amd)
		err = index_ivrs(s, c);
	for (unsigned i = 0; u && !err && !s->amd; u = u->next, i++) {
		if (iog_dmar_struct_get(c->dmar, c->dmar_len, u->drhd, &st, NULL))
			continue;
		if (st.flags & IOG_DRHD_INCLUDE_PCI_ALL) {
			err = key_add(s, key_make(KEY_ALL, st.segment, 0, 0, i));
			continue;
		}
		for (long so = iog_dmar_scope_first(c->dmar, c->dmar_len, &st, NULL);
		     so >= 0 && !err;
		     so = iog_dmar_scope_next(c->dmar, c->dmar_len, &st, so, NULL)) {
			struct iog_dmar_reach r;

			if (iog_dmar_scope_get(c->dmar, c->dmar_len, so, &sc, NULL) ||
			    iog_dmar_scope_reach(&sc, st.segment, c->bridge, c->bridge_ctx, &r))
				continue; /* names nothing that is there */
			err = key_add(s, key_make(KEY_DEVICE, st.segment, r.bus, r.devfn, i));
			if (!err && r.below)
				err = key_add(s, key_make(KEY_BUSES, st.segment, r.secondary,
							  r.subordinate, i));
		}
	}
	if (err) {
		iog_logf(s->plat, IOG_LOG_WARN,
			 "shield: the index cannot hold every scope: placement walks the table");
		index_free(s);
		return;
	}
	key_sort(s);
}

/* The unit the index gives seg:bus:devfn (its number), or -1. */
static long index_lookup(const struct iog_shield *s, uint16_t segment, uint8_t bus, uint8_t devfn)
{
	uint64_t want = key_make(KEY_DEVICE, segment, bus, devfn, 0);
	unsigned i = key_find(s, want);
	long best = -1;

	if (i < s->nkeys && *key_at(s, i) >> 24 == want >> 24)
		best = (long)(*key_at(s, i) & (KEY_UNITS - 1));
	/* Bus ranges of this segment, by first bus: those starting at or below `bus`. */
	for (i = key_find(s, key_make(KEY_BUSES, segment, 0, 0, 0)); i < s->nkeys; i++) {
		uint64_t k = *key_at(s, i);
		long unit = (long)(k & (KEY_UNITS - 1));

		if (k >> 56 != KEY_BUSES || (uint16_t)(k >> 40) != segment ||
		    (uint8_t)(k >> 32) > bus)
			break;
		if ((uint8_t)(k >> 24) >= bus && (best < 0 || unit < best))
			best = unit;
	}
	/* Device id ranges of this segment, by first id: those starting at or below the device. */
	for (i = key_find(s, KEY_IDS << 56 | (uint64_t)segment << 40); i < s->nkeys; i++) {
		uint64_t k = *key_at(s, i);
		long unit = (long)(k & (KEY_IDS_UNITS - 1));
		unsigned id = (unsigned)bus << 8 | devfn;

		if (k >> 56 != KEY_IDS || (uint16_t)(k >> 40) != segment ||
		    (uint16_t)(k >> 24) > id)
			break;
		if ((uint16_t)(k >> 8) >= id && (best < 0 || unit < best))
			best = unit;
	}
	if (best >= 0)
		return best;
	i = key_find(s, key_make(KEY_ALL, segment, 0, 0, 0));
	if (i < s->nkeys && *key_at(s, i) >> 56 == KEY_ALL &&
	    (uint16_t)(*key_at(s, i) >> 40) == segment)
		return (long)(*key_at(s, i) & (KEY_UNITS - 1));
	return -1;
}

/* Which unit translates seg:bus:devfn, as the DMAR places it; NULL when none. */
static struct iog_shield_unit *unit_of(const struct iog_shield *s,
				       const struct iog_shield_config *c, uint16_t segment,
				       uint8_t bus, uint8_t devfn, unsigned *index)
{
	uint64_t base;
	long off;

	if (s->index) {
		long unit = index_lookup(s, segment, bus, devfn);

		if (unit < 0)
			return NULL;
		if (index)
			*index = (unsigned)unit;
		return iog_shield_unit(s, (unsigned)unit);
	}
	if (s->amd) {
		struct iog_ivrs_block b;

		off = iog_ivrs_find_ivhd(c->ivrs, c->ivrs_len, segment,
					 (uint16_t)(bus << 8 | devfn), NULL);
		if (off < 0 || iog_ivrs_block_get(c->ivrs, c->ivrs_len, off, &b, NULL))
			return NULL;
		base = b.address;
	} else {
		struct iog_dmar_struct st;

		off = iog_dmar_find_drhd(c->dmar, c->dmar_len, segment, bus, devfn, c->bridge,
					 c->bridge_ctx, NULL);
		if (off < 0 || iog_dmar_struct_get(c->dmar, c->dmar_len, off, &st, NULL))
			return NULL;
		base = st.address;
	}
	return unit_at(s, segment, base, index);
}

static struct iog_shield_domain *domain_of(struct iog_shield *s, uint16_t segment, uint8_t bus,
					   uint8_t devfn)
{
	for (unsigned i = 0; i < s->ndomains; i++)
		if (s->domains[i].segment == segment && s->domains[i].bus == bus &&
		    s->domains[i].devfn == devfn)
			return &s->domains[i];
	return NULL;
}

/* A DRHD's register window: 4 KiB times 2^size, at most 128 MiB. */
static uint32_t drhd_window(const struct iog_dmar_struct *st)
{
	return (uint32_t)IOG_PAGE_SIZE << (st->size & 0xf);
}

/* The register window of an existing unit: 4 KiB times 2^size (DRHD), 16 KiB (IVHD). */
static uint64_t unit_window(const struct iog_shield_config *c, const struct iog_shield_unit *u)
{
	struct iog_dmar_struct st;

	if (u->amd)
		return IOMMU_WINDOW;
	if (iog_dmar_struct_get(c->dmar, c->dmar_len, u->drhd, &st, NULL))
		return IOG_PAGE_SIZE;
	return drhd_window(&st);
}

/*
 * Before a unit is touched: its register window lies below the top of
 * physical memory, repeats or overlaps no other unit's, and lies clear of
 * the memory map and of protected memory (a "unit" answering there would be
 * RAM, or the VMM's own memory). `off` is the DRHD's (or IVHD's) offset.
 */
static int check_window(const struct iog_shield *s, const struct iog_shield_config *c, long off,
			uint64_t base, uint64_t size, struct iog_diag *d)
{
	const char *why = NULL;

	if (base > MAX_PHYS || size > MAX_PHYS - base + 1)
		why = "the register window lies beyond any physical address (52 bits)";
	for (const struct iog_shield_unit *u = s->units; u && !why; u = u->next) {
		if (unit_base(u) == base)
			why = s->amd ? "the IVHD repeats another IOMMU's register base"
				     : "the DRHD repeats another unit's register base";
		else if (overlap(base, size, unit_base(u), unit_window(c, u)))
			why = "the register window overlaps another unit's";
	}
	for (unsigned i = 0; i < c->nprotect && !why; i++)
		if (overlap(base, size, c->protect[i].base, c->protect[i].size))
			why = "the register window overlaps protected memory";
	for (unsigned i = 0; i < c->nmemmap && !why; i++)
		if (overlap(base, size, c->memmap[i].base, c->memmap[i].size))
			why = "the register window overlaps RAM (the memory map)";
	if (!why)
		return IOG_OK;
	iog_fail(d, IOG_ECONFLICT, (uint64_t)off + 8, why); /* the register base field */
	diag_address(d, base);
	return IOG_ECONFLICT;
}

static int probe_units(struct iog_shield *s, const struct iog_shield_config *c, struct iog_diag *d)
{
	struct iog_shield_unit *last = NULL;
	struct iog_dmar_struct st;
	long off;

	for (off = iog_dmar_first(c->dmar, c->dmar_len, d); off >= 0;
	     off = iog_dmar_next(c->dmar, c->dmar_len, off, d)) {
		struct iog_shield_unit *u;
		uint32_t window;
		int err;

		if (iog_dmar_struct_get(c->dmar, c->dmar_len, off, &st, d))
			return d ? d->code : IOG_EINVAL;
		if (st.type != IOG_DMAR_DRHD)
			continue;
		window = drhd_window(&st);
		err = check_window(s, c, off, st.address, window, d);
		if (err)
			return err;
		u = unit_add(s, &last);
		if (!u)
			return iog_fail(d, IOG_ENOMEM, (uint64_t)off,
					"no page for the unit's state");
		err = iog_vtd_probe(&u->vtd, &s->guard, st.address, window, st.segment, d);
		if (err) {
			if (d) {
				d->offset = (uint64_t)off + 8; /* the DRHD's register base field */
				diag_address(d, st.address);
			}
			return err;
		}
		u->drhd = off;
		/* Output addresses: the DMAR's host address width. */
		u->vtd.haw = s->haw;
	}
	if (off != IOG_ENOTFOUND)
		return (int)off;
	if (!s->nunits)
		return iog_fail(d, IOG_ENOTFOUND, IOG_DMAR_HEADER_LEN, "the DMAR has no DRHD");
	return IOG_OK;
}

/* Every IOMMU of the IVHD type an OS would use (the highest of 10h, 11h, 40h). */
static int probe_iommus(struct iog_shield *s, const struct iog_shield_config *c, struct iog_diag *d)
{
	unsigned type = iog_ivrs_ivhd_type(c->ivrs, c->ivrs_len);
	struct iog_shield_unit *last = NULL;
	struct iog_ivrs_block b;
	long off;

	for (off = iog_ivrs_first(c->ivrs, c->ivrs_len, d); off >= 0;
	     off = iog_ivrs_next(c->ivrs, c->ivrs_len, off, d)) {
		struct iog_shield_unit *u;
		int err;

		if (iog_ivrs_block_get(c->ivrs, c->ivrs_len, off, &b, d))
			return d ? d->code : IOG_EINVAL;
		if (!b.is_ivhd || b.type != type)
			continue;
		err = check_window(s, c, off, b.address, IOMMU_WINDOW, d);
		if (err)
			return err;
		u = unit_add(s, &last);
		if (!u)
			return iog_fail(d, IOG_ENOMEM, (uint64_t)off,
					"no page for the unit's state");
		u->amd = 1;
		err = iog_amdvi_probe(&u->amdvi, &s->guard, b.address, b.segment, b.device_id, d);
		if (err) {
			if (d) {
				d->offset = (uint64_t)off + 8; /* the IVHD's base address field */
				diag_address(d, b.address);
			}
			return err;
		}
		u->drhd = off;
		u->ndevids = iog_ivhd_device_count(c->ivrs, c->ivrs_len, &b);
	}
	if (off != IOG_ENOTFOUND)
		return (int)off;
	if (!s->nunits)
		return iog_fail(d, IOG_ENOTFOUND, IOG_IVRS_HEADER_LEN, "the IVRS has no IVHD");
	return IOG_OK;
}

/* ---- Protected memory: the caller's, and the IR tables left live ---- */

static int overlaps_protected(const struct iog_shield *s, uint64_t base, uint64_t size)
{
	for (unsigned i = 0; i < s->nprotect; i++)
		if (overlap(base, size, s->protect[i].base, s->protect[i].size))
			return 1;
	return 0;
}

static int protect_add(struct iog_shield *s, uint64_t base, uint64_t size)
{
	if (!size)
		return IOG_OK;
	if (s->nprotect == IOG_SHIELD_MAX_PROTECT)
		return IOG_ENOSPC;
	s->protect[s->nprotect++] = (struct iog_range){base, size};
	return IOG_OK;
}

/*
 * The config's protected ranges, then each interrupt remapping table that
 * stays live (IR deferred): a device that writes one forges interrupts.
 */
static int build_protect(struct iog_shield *s, const struct iog_shield_config *c,
			 struct iog_diag *d)
{
	void *page = NULL;

	if (s->guard.page_alloc(s->guard.ctx, &page, &s->protect_phys) || !page)
		return iog_fail(d, IOG_ENOMEM, 0, "no page for the protected ranges");
	s->protect = page;
	for (unsigned i = 0; i < c->nprotect; i++)
		if (protect_add(s, c->protect[i].base, c->protect[i].size))
			return iog_fail(d, IOG_ENOSPC, 0,
					"more protected ranges than the shield holds");
	for (struct iog_shield_unit *u = s->units; u; u = u->next) {
		uint64_t irta;

		if (u->amd || !u->vtd.ir_deferred || !(u->vtd.fw.irta & ~PAGE_MASK))
			continue;
		irta = u->vtd.fw.irta;
		/* IRTA: table address, and 2^(S+1) entries of 16 bytes. */
		u->irt = (struct iog_range){irta & ~PAGE_MASK, 16ull << ((irta & 0xf) + 1)};
		u->irt.size = page_up(u->irt.size);
		iog_logf(s->plat, IOG_LOG_WARN,
			 "shield: unit %llx: interrupt remapping table %llx-%llx stays live: "
			 "no device reaches it; keep it from the guest",
			 (unsigned long long)u->vtd.base, (unsigned long long)u->irt.base,
			 (unsigned long long)(u->irt.base + u->irt.size - 1));
		if (protect_add(s, u->irt.base, u->irt.size))
			return iog_fail(d, IOG_ENOSPC, (uint64_t)u->drhd,
					"more protected ranges than the shield holds");
	}
	return IOG_OK;
}

/* ---- What the DMAR names: scopes, RMRRs, grants ---- */

/* DRHD scopes that name nothing present: said, counted, and left to the catch-all unit. */
static void note_unplaced_scopes(struct iog_shield *s, const struct iog_shield_config *c)
{
	struct iog_dmar_struct st;
	struct iog_dmar_scope sc;

	for (long off = iog_dmar_first(c->dmar, c->dmar_len, NULL); off >= 0;
	     off = iog_dmar_next(c->dmar, c->dmar_len, off, NULL)) {
		if (iog_dmar_struct_get(c->dmar, c->dmar_len, off, &st, NULL) ||
		    st.type != IOG_DMAR_DRHD)
			continue;
		for (long so = iog_dmar_scope_first(c->dmar, c->dmar_len, &st, NULL); so >= 0;
		     so = iog_dmar_scope_next(c->dmar, c->dmar_len, &st, so, NULL)) {
			struct iog_dmar_reach r;
			int err;

			if (iog_dmar_scope_get(c->dmar, c->dmar_len, so, &sc, NULL) ||
			    (sc.type != IOG_SCOPE_PCI_ENDPOINT &&
			     sc.type != IOG_SCOPE_PCI_SUBHIERARCHY &&
			     sc.type != IOG_SCOPE_ACPI_NAMESPACE))
				continue;
			err = iog_dmar_scope_reach(&sc, st.segment, c->bridge, c->bridge_ctx, &r);
			if (!err && (sc.type != IOG_SCOPE_PCI_SUBHIERARCHY || r.below))
				continue;
			s->unplaced_scopes++;
			iog_logf(
				s->plat, IOG_LOG_INFO,
				"shield: scope at offset %llu (%s, bus %02x, %u hops) of unit %llx "
				"names %s: what sits there is the catch-all unit's",
				(unsigned long long)so, iog_scope_type_name(sc.type), sc.bus,
				sc.path_len, (unsigned long long)st.address,
				err ? "no device present" : "a bridge whose buses are unknown");
		}
	}
}

/*
 * A memory region firmware reserves for devices: an RMRR (VT-d) or an IVMD
 * (AMD), as whole pages; `off` is its offset in the table.
 */
struct reserved {
	uint64_t base, size;
	long off;
	uint16_t segment;
	int inverted; /* an RMRR that ends below its base */
	int beyond;   /* it ends above any physical address (52 bits), or wraps past 2^64 */
	const struct iog_dmar_struct *rmrr;
	const struct iog_ivrs_block *ivmd;
};

static void reserved_pages(struct reserved *r, uint64_t first, uint64_t end)
{
	r->base = page_down(first);
	r->size = end > first ? page_up(end) - r->base : 0;
}

/* Calls fn for every RMRR or IVMD; stops at fn's error. */
static int each_reserved(struct iog_shield *s, const struct iog_shield_config *c,
			 int (*fn)(struct iog_shield *s, const struct iog_shield_config *c,
				   const struct reserved *r, void *ctx),
			 void *ctx)
{
	int err = IOG_OK;

	if (s->amd) {
		struct iog_ivrs_block b;

		for (long off = iog_ivrs_first(c->ivrs, c->ivrs_len, NULL); off >= 0 && !err;
		     off = iog_ivrs_next(c->ivrs, c->ivrs_len, off, NULL)) {
			struct reserved r = {0, 0, off, 0, 0, 0, NULL, &b};

			if (iog_ivrs_block_get(c->ivrs, c->ivrs_len, off, &b, NULL) || !b.is_ivmd ||
			    !b.mem_length)
				continue;
			r.beyond = b.start > MAX_PHYS || b.mem_length - 1 > MAX_PHYS - b.start;
			if (!r.beyond)
				reserved_pages(&r, b.start, b.start + b.mem_length);
			err = fn(s, c, &r, ctx);
		}
		return err;
	}
	for (long off = iog_dmar_first(c->dmar, c->dmar_len, NULL); off >= 0 && !err;
	     off = iog_dmar_next(c->dmar, c->dmar_len, off, NULL)) {
		struct iog_dmar_struct st;
		struct reserved r = {0, 0, off, 0, 0, 0, &st, NULL};

		if (iog_dmar_struct_get(c->dmar, c->dmar_len, off, &st, NULL) ||
		    st.type != IOG_DMAR_RMRR)
			continue;
		r.segment = st.segment;
		r.inverted = st.limit < st.base;
		r.beyond = st.limit > MAX_PHYS;
		if (!r.inverted && !r.beyond)
			reserved_pages(&r, st.base, st.limit + 1);
		err = fn(s, c, &r, ctx);
	}
	return err;
}

/*
 * Calls fn for every device a reserved region names: resolved (ok = 1),
 * naming nothing present (ok = 0), or every device (ok = 2: an IVMD for
 * all). Stops at fn's error.
 */
typedef int (*reserved_device_fn)(struct iog_shield *s, const struct iog_shield_config *c,
				  const struct reserved *r, long so, int ok, uint8_t bus,
				  uint8_t devfn, struct iog_diag *d);

struct device_walk {
	reserved_device_fn fn;
	struct iog_diag *d;
};

static int reserved_devices(struct iog_shield *s, const struct iog_shield_config *c,
			    const struct reserved *r, void *ctx)
{
	const struct device_walk *w = ctx;
	struct iog_dmar_scope sc;
	int err = IOG_OK;

	if (r->inverted || r->beyond)
		return IOG_OK;
	if (r->ivmd) {
		unsigned first = r->ivmd->device_id, last = first;

		if (r->ivmd->type == IOG_IVMD_ALL)
			return w->fn(s, c, r, r->off, 2, 0, 0, w->d);
		if (r->ivmd->type == IOG_IVMD_RANGE)
			last = r->ivmd->aux >= first ? r->ivmd->aux : first;
		for (unsigned id = first; id <= last && !err; id++)
			err = w->fn(s, c, r, r->off, 1, (uint8_t)(id >> 8), (uint8_t)id, w->d);
		return err;
	}
	for (long so = iog_dmar_scope_first(c->dmar, c->dmar_len, r->rmrr, NULL); so >= 0 && !err;
	     so = iog_dmar_scope_next(c->dmar, c->dmar_len, r->rmrr, so, NULL)) {
		uint8_t bus = 0, devfn = 0;
		int ok;

		if (iog_dmar_scope_get(c->dmar, c->dmar_len, so, &sc, NULL) ||
		    sc.type != IOG_SCOPE_PCI_ENDPOINT)
			continue;
		ok = !iog_dmar_scope_resolve(&sc, r->segment, c->bridge, c->bridge_ctx, &bus,
					     &devfn);
		err = w->fn(s, c, r, so, ok, bus, devfn, w->d);
	}
	return err;
}

static int each_reserved_device(struct iog_shield *s, const struct iog_shield_config *c,
				reserved_device_fn fn, struct iog_diag *d)
{
	struct device_walk w = {fn, d};

	return each_reserved(s, c, reserved_devices, &w);
}

/*
 * Every region ends at or above its base and below the top of physical
 * memory: said where it is read, before any unit is touched.
 */
static int check_range(struct iog_shield *s, const struct iog_shield_config *c,
		       const struct reserved *r, void *ctx)
{
	struct iog_diag *d = ctx;

	(void)s, (void)c;
	if (r->inverted)
		return iog_fail(d, IOG_EBADVAL, (uint64_t)r->off + 16, "RMRR ends below its base");
	if (!r->beyond)
		return IOG_OK;
	iog_fail(d, IOG_EBADVAL, (uint64_t)r->off + (r->ivmd ? 24 : 16),
		 r->ivmd ? "an IVMD ends beyond any physical address (52 bits)"
			 : "an RMRR ends beyond any physical address (52 bits)");
	diag_address(d, r->ivmd ? r->ivmd->start : r->rmrr->limit);
	return IOG_EBADVAL;
}

/* A region over protected memory is refused unless allowed. */
static int check_reserved(struct iog_shield *s, const struct iog_shield_config *c,
			  const struct reserved *r, void *ctx)
{
	struct iog_diag *d = ctx;

	if (overlaps_protected(s, r->base, r->size) &&
	    (!c->allow_rmrr_conflict || (r->ivmd && r->ivmd->type == IOG_IVMD_ALL))) {
		iog_fail(d, IOG_ECONFLICT, (uint64_t)r->off + (r->ivmd ? 16 : 8),
			 r->ivmd ? "an IVMD overlaps protected memory"
				 : "an RMRR overlaps protected memory");
		diag_address(d, r->base);
		return IOG_ECONFLICT;
	}
	return IOG_OK;
}

static int new_domain(struct iog_shield *s, const struct iog_shield_config *c, uint16_t seg,
		      uint8_t bus, uint8_t devfn, int granted, uint64_t offset, struct iog_diag *d)
{
	struct iog_shield_domain *dom;
	struct iog_shield_unit *u;
	unsigned index = 0;

	if (domain_of(s, seg, bus, devfn))
		return IOG_OK;
	u = unit_of(s, c, seg, bus, devfn, &index);
	if (!u) {
		if (granted) {
			s->unplaced_grants++;
			iog_logf(s->plat, IOG_LOG_ERROR,
				 "shield: no unit translates granted device %04x:%02x:%02x.%u: "
				 "it reaches nothing",
				 seg, bus, devfn >> 3, devfn & 7);
		}
		return IOG_OK;
	}
	if (s->ndomains == IOG_SHIELD_MAX_DOMAINS) {
		iog_fail(d, IOG_ENOSPC, offset, "more device domains than the shield holds");
		diag_device(d, seg, bus, devfn);
		return IOG_ENOSPC;
	}
	dom = &s->domains[s->ndomains];
	iog_memset(dom, 0, sizeof(*dom));
	dom->unit = index;
	dom->segment = seg;
	dom->bus = bus;
	dom->devfn = devfn;
	dom->did = (uint16_t)(IOG_SHIELD_DEFAULT_DID + 1 + s->ndomains);
	dom->granted = granted;
	if (!u->amd && dom->did >= u->vtd.ndoms) {
		iog_fail(d, IOG_ENOSPC, (uint64_t)u->drhd,
			 "the unit has too few domain ids (CAP.ND)");
		diag_device(d, seg, bus, devfn);
		return IOG_ENOSPC;
	}
	s->ndomains++;
	return IOG_OK;
}

/* A device whose reserved region overlaps protected memory (allowed) gets a domain of its own. */
static int rmrr_conflict_domain(struct iog_shield *s, const struct iog_shield_config *c,
				const struct reserved *r, long so, int ok, uint8_t bus,
				uint8_t devfn, struct iog_diag *d)
{
	if (ok != 1 || !overlaps_protected(s, r->base, r->size))
		return IOG_OK;
	return new_domain(s, c, r->segment, bus, devfn, 0, (uint64_t)so, d);
}

static int rmrr_pair_add(struct iog_shield *s, const struct reserved *r,
			 const struct iog_shield_domain *dom, long so, struct iog_diag *d)
{
	if (s->nrmrrs == IOG_SHIELD_MAX_RMRR) {
		iog_fail(d, IOG_ENOSPC, (uint64_t)so, "more RMRR devices than the shield holds");
		diag_device(d, dom->segment, dom->bus, dom->devfn);
		return IOG_ENOSPC;
	}
	s->rmrrs[s->nrmrrs++] = (struct iog_shield_rmrr){dom->unit,  dom->segment, dom->bus,
							 dom->devfn, r->base,	   r->size};
	return IOG_OK;
}

/* Every reserved-region device: counted when it names nothing; paired with its domain when it has
 * one. */
static int rmrr_pair(struct iog_shield *s, const struct iog_shield_config *c,
		     const struct reserved *r, long so, int ok, uint8_t bus, uint8_t devfn,
		     struct iog_diag *d)
{
	struct iog_shield_domain *dom;
	int err = IOG_OK;

	(void)c;
	if (ok == 2) {
		/* An IVMD for every device: every device with a domain of its own. */
		for (unsigned i = 0; i < s->ndomains && !err; i++)
			err = rmrr_pair_add(s, r, &s->domains[i], so, d);
		return err;
	}
	if (!ok) {
		s->unplaced_rmrrs++;
		iog_logf(s->plat, IOG_LOG_INFO,
			 "shield: RMRR %llx-%llx device scope at offset %llu names no device "
			 "present%s",
			 (unsigned long long)r->base, (unsigned long long)(r->base + r->size - 1),
			 (unsigned long long)so,
			 overlaps_protected(s, r->base, r->size) ? ": not honoured"
								 : ": mapped for every device");
		return IOG_OK;
	}
	dom = domain_of(s, r->segment, bus, devfn);
	return dom ? rmrr_pair_add(s, r, dom, so, d) : IOG_OK;
}

/*
 * A domain of its own for each granted device and each RMRR device over
 * protected memory; then every RMRR of those devices, for their domains and
 * the verifier.
 */
static int make_domains(struct iog_shield *s, const struct iog_shield_config *c, struct iog_diag *d)
{
	int err;

	for (unsigned i = 0; i < c->ngrants; i++) {
		const struct iog_grant *g = &c->grants[i];

		if (!g->perm || g->perm > IOG_PT_RW || !g->size ||
		    ((g->base | g->size) & PAGE_MASK) || g->base + g->size < g->base) {
			iog_fail(d, IOG_EINVAL, 0,
				 "a grant is not whole 4 KiB pages or has a bad permission");
			diag_device(d, g->segment, g->bus, g->devfn);
			diag_address(d, g->base);
			return IOG_EINVAL;
		}
		err = new_domain(s, c, g->segment, g->bus, g->devfn, 1, 0, d);
		if (err)
			return err;
	}
	err = each_reserved_device(s, c, rmrr_conflict_domain, d);
	if (!err)
		err = each_reserved_device(s, c, rmrr_pair, d);
	return err;
}

/* ---- Domains ---- */

static int reserved_top(struct iog_shield *s, const struct iog_shield_config *c,
			const struct reserved *r, void *ctx)
{
	uint64_t *top = ctx;

	(void)s, (void)c;
	if (r->base + r->size > *top)
		*top = r->base + r->size;
	return IOG_OK;
}

/* Bit count that covers every address anything must reach. */
static unsigned needed_bits(struct iog_shield *s, const struct iog_shield_config *c)
{
	uint64_t top = 0;
	unsigned bits = 12;

	for (unsigned i = 0; i < c->nmemmap; i++)
		if (c->memmap[i].base + c->memmap[i].size > top)
			top = c->memmap[i].base + c->memmap[i].size;
	for (unsigned i = 0; i < c->ngrants; i++)
		if (c->grants[i].base + c->grants[i].size > top)
			top = c->grants[i].base + c->grants[i].size;
	each_reserved(s, c, reserved_top, &top);
	while (bits < 64 && top && (top - 1) >> bits)
		bits++;
	return bits;
}

/* The most levels the unit offers for `bits`: enough when it can, else its largest. */
static unsigned unit_levels(const struct iog_vtd *u, unsigned bits)
{
	unsigned levels = 0;

	for (unsigned b = bits; b > 12 && !levels; b--)
		levels = iog_vtd_levels(u, b);
	return levels ? levels : iog_vtd_levels(u, 39);
}

/*
 * Each unit's page-table format and reach (what its domains can identity-map:
 * the DMAR's host width, CAP.MGAW and the levels), grouped into kinds.
 */
static int make_kinds(struct iog_shield *s, const struct iog_shield_config *c, struct iog_diag *d)
{
	unsigned bits = needed_bits(s, c);

	for (struct iog_shield_unit *u = s->units; u; u = u->next) {
		unsigned width, levels, k;
		struct iog_pt_config cfg;

		if (u->amd) {
			/* What the IOMMU emits is the host's width (IVinfo PASize); levels from
			 * EFR. */
			width = s->haw;
			levels = iog_amdvi_levels(&u->amdvi, bits < width ? bits : width);
			if (!levels)
				levels = iog_amdvi_levels(&u->amdvi, 12 + 9 * 6);
			if (!levels)
				levels = iog_amdvi_levels(&u->amdvi, 12 + 9 * 4);
			cfg = (struct iog_pt_config){
				.levels = levels,
				.large = c->amdvi_small_pages ? 0
							      : IOG_PT_LARGE_2M | IOG_PT_LARGE_1G,
				.out_bits = s->haw,
				.coherent = 0,
				.format = IOG_PT_AMDVI,
			};
		} else {
			unsigned mgaw = iog_vtd_mgaw(&u->vtd);

			width = s->haw < mgaw ? s->haw : mgaw;
			levels = unit_levels(&u->vtd, bits < width ? bits : width);
			cfg = iog_vtd_pt_config(&u->vtd, levels);
		}
		if (!levels)
			return iog_fail(d, IOG_EINVAL, (uint64_t)u->drhd,
					"the unit offers no page-table format");
		if (12 + 9 * levels < width)
			width = 12 + 9 * levels;
		u->reach = width >= 64 ? ~0ull : 1ull << width;
		for (k = 0; k < s->nkinds; k++) {
			const struct iog_shield_kind *kd = &s->kinds[k];

			if (kd->cfg.levels == cfg.levels && kd->cfg.large == cfg.large &&
			    kd->cfg.out_bits == cfg.out_bits && kd->cfg.coherent == cfg.coherent &&
			    kd->cfg.format == cfg.format && kd->reach == u->reach)
				break;
		}
		if (k == s->nkinds) {
			if (s->nkinds == IOG_SHIELD_MAX_KINDS)
				return iog_fail(d, IOG_ENOSPC, (uint64_t)u->drhd,
						"more kinds of unit than the shield holds");
			s->kinds[k].cfg = cfg;
			s->kinds[k].reach = u->reach;
			s->nkinds++;
		}
		u->kind = k;
		s->kinds[k].units++;
	}
	return IOG_OK;
}

/* Maps [base, base + size) clipped to `reach`; what lies above is counted. */
static int map_clipped(struct iog_pt *pt, uint64_t reach, uint64_t base, uint64_t size,
		       uint64_t *above)
{
	uint64_t end = base + size;

	if (end > reach) {
		*above += end - (base > reach ? base : reach);
		end = reach;
	}
	return end > base ? iog_pt_map(pt, base, base, end - base, IOG_PT_RW, NULL) : IOG_OK;
}

struct map_reserved {
	struct iog_pt *pt;
	uint64_t reach, *above;
};

/* A reserved region clear of protected memory, for every device. */
static int map_reserved(struct iog_shield *s, const struct iog_shield_config *c,
			const struct reserved *r, void *ctx)
{
	struct map_reserved *m = ctx;

	(void)c;
	if (r->inverted || r->beyond || overlaps_protected(s, r->base, r->size))
		return IOG_OK;
	return map_clipped(m->pt, m->reach, r->base, r->size, m->above);
}

/*
 * The default domain: the memory map (whole pages inside each range) and
 * every RMRR that stays clear of protected memory, minus the protected
 * ranges; nothing above `reach`.
 */
static int map_default(struct iog_shield *s, const struct iog_shield_config *c, struct iog_pt *pt,
		       uint64_t reach, uint64_t *above)
{
	struct map_reserved m = {pt, reach, above};
	int err = IOG_OK;

	for (unsigned i = 0; i < c->nmemmap && !err; i++) {
		uint64_t lo = page_up(c->memmap[i].base);
		uint64_t hi = page_down(c->memmap[i].base + c->memmap[i].size);

		/* A partial page is not the guest's: its other bytes may be anything. */
		if (hi > lo)
			err = map_clipped(pt, reach, lo, hi - lo, above);
	}
	if (!err)
		err = each_reserved(s, c, map_reserved, &m);
	for (unsigned i = 0; i < s->nprotect && !err; i++) {
		uint64_t lo = page_down(s->protect[i].base);
		uint64_t hi = page_up(s->protect[i].base + s->protect[i].size);

		if (lo < reach && hi > lo)
			err = iog_pt_unmap(pt, lo, (hi < reach ? hi : reach) - lo, NULL);
	}
	return err;
}

/* A device domain: its grants, or the default map; then its own RMRRs. */
static int map_device(struct iog_shield *s, const struct iog_shield_config *c,
		      struct iog_shield_domain *dom, uint64_t reach, uint64_t *above)
{
	int err = dom->granted ? IOG_OK : map_default(s, c, &dom->pt, reach, above);

	for (unsigned g = 0; !err && dom->granted && g < c->ngrants; g++) {
		const struct iog_grant *gr = &c->grants[g];

		if (gr->segment == dom->segment && gr->bus == dom->bus && gr->devfn == dom->devfn)
			err = iog_pt_map(&dom->pt, gr->base, gr->base, gr->size, gr->perm, NULL);
	}
	for (unsigned i = 0; !err && i < s->nrmrrs; i++) {
		const struct iog_shield_rmrr *r = &s->rmrrs[i];

		if (r->segment == dom->segment && r->bus == dom->bus && r->devfn == dom->devfn)
			err = map_clipped(&dom->pt, reach, r->base, r->size, above);
	}
	return err;
}

static int build_tables(struct iog_shield *s, const struct iog_shield_config *c, struct iog_diag *d)
{
	int err;

	for (unsigned k = 0; k < s->nkinds; k++) {
		struct iog_shield_kind *kd = &s->kinds[k];
		struct iog_shield_unit *u = s->units;
		uint64_t reach = kd->reach, above = 0;
		void *page = NULL;

		while (u->kind != k)
			u = u->next;
		err = iog_pt_init(&kd->pt, &s->guard, &kd->cfg);
		if (!err)
			err = map_default(s, c, &kd->pt, reach, &above);
		if (!err && !u->amd &&
		    (s->guard.page_alloc(s->guard.ctx, &page, &kd->context_phys) || !page))
			err = IOG_ENOMEM;
		if (!err && !u->amd) {
			kd->context = page;
			err = iog_vtd_context_fill(&u->vtd, kd->context, IOG_SHIELD_DEFAULT_DID,
						   &kd->pt);
		}
		if (err)
			return iog_fail(d, err, (uint64_t)u->drhd,
					"building the default domain failed");
		if (above) {
			iog_logf(s->plat, IOG_LOG_WARN,
				 "shield: %llu bytes of memory lie above %llx, beyond what units "
				 "like %llx reach: no device reaches them by DMA",
				 (unsigned long long)above, (unsigned long long)reach,
				 (unsigned long long)unit_base(u));
			if (above > s->unreachable)
				s->unreachable = above;
		}
	}
	for (unsigned i = 0; i < s->ndomains; i++) {
		struct iog_shield_domain *dom = &s->domains[i];
		struct iog_shield_unit *u = iog_shield_unit(s, dom->unit);
		uint64_t above = 0;

		err = iog_pt_init(&dom->pt, &s->guard, &s->kinds[u->kind].cfg);
		if (!err)
			err = map_device(s, c, dom, u->reach, &above);
		if (err) {
			iog_fail(d, err, 0, "building a device domain failed");
			diag_device(d, dom->segment, dom->bus, dom->devfn);
			return err;
		}
	}
	return IOG_OK;
}

/* Every unit: its own root, every bus at its kind's shared table, device domains in place. */
/*
 * An AMD IOMMU: a device table for every id its IVHD names (bus 0 at least),
 * each entry at the default domain or at the device's own.
 */
static int program_iommu(struct iog_shield *s, struct iog_shield_unit *u, unsigned i,
			 struct iog_diag *d)
{
	/*
	 * The device table base changes only while the IOMMU is off: off at the
	 * last moment, on again as soon as the table is written, so that DMA is
	 * untranslated for as short a time as can be.
	 */
	int err = iog_amdvi_disable(&u->amdvi);

	if (err) {
		iog_fail(d, err, (uint64_t)u->drhd, "disabling what firmware enabled failed");
		diag_address(d, u->amdvi.base);
		return err;
	}
	err = iog_amdvi_setup(&u->amdvi, u->ndevids);
	if (err)
		return iog_fail(d, err, (uint64_t)u->drhd, "setting up the device table failed");
	iog_amdvi_batch_begin(&u->amdvi);
	for (unsigned id = 0; id < u->amdvi.ndevids && !err; id++) {
		struct iog_shield_domain *dom =
			domain_of(s, u->amdvi.segment, (uint8_t)(id >> 8), (uint8_t)id);

		if (dom && dom->unit == i) {
			err = iog_amdvi_attach(&u->amdvi, (uint16_t)id, dom->did, &dom->pt);
			s->contexts++;
		} else
			err = iog_amdvi_attach(&u->amdvi, (uint16_t)id, IOG_SHIELD_DEFAULT_DID,
					       &s->kinds[u->kind].pt);
	}
	if (err) {
		iog_fail(d, err, (uint64_t)u->drhd, "writing a device table entry failed");
		return err;
	}
	err = iog_amdvi_batch_end(&u->amdvi);
	if (!err)
		err = iog_amdvi_enable(&u->amdvi);
	return err ? iog_fail(d, err, (uint64_t)u->drhd, "enabling translation failed") : IOG_OK;
}

static int program_units(struct iog_shield *s, struct iog_diag *d)
{
	unsigned i = 0;
	int err;

	for (struct iog_shield_unit *u = s->units; u; u = u->next, i++) {
		if (u->amd) {
			err = program_iommu(s, u, i, d);
			if (err)
				return err;
			continue;
		}
		err = iog_vtd_set_root(&u->vtd);
		if (err)
			return iog_fail(d, err, (uint64_t)u->drhd, "setting the root table failed");
		iog_vtd_batch_begin(&u->vtd);
		err = iog_vtd_set_shared_context(&u->vtd, s->kinds[u->kind].context_phys);
		for (unsigned k = 0; !err && k < s->ndomains; k++) {
			struct iog_shield_domain *dom = &s->domains[k];

			if (dom->unit != i)
				continue;
			err = iog_vtd_attach(&u->vtd, dom->bus, dom->devfn, dom->did, &dom->pt);
			if (err) {
				iog_fail(d, err, (uint64_t)u->drhd,
					 "writing a context entry failed");
				diag_device(d, dom->segment, dom->bus, dom->devfn);
				return err;
			}
			s->contexts++;
		}
		if (!err)
			err = iog_vtd_batch_end(&u->vtd);
		if (err)
			return iog_fail(d, err, (uint64_t)u->drhd, "invalidation failed");
	}
	/* The global invalidations above cover every table built so far. */
	for (unsigned k = 0; k < s->nkinds; k++)
		iog_pt_reclaim(&s->kinds[k].pt);
	for (unsigned k = 0; k < s->ndomains; k++)
		iog_pt_reclaim(&s->domains[k].pt);
	return IOG_OK;
}

/*
 * After an error: no unit is left mid-batch, and a unit firmware left
 * translating translates still, through the shield's root (devices without
 * a context entry yet fault) or, if need be, a new empty one that blocks
 * everything.
 */
static void fail_closed(struct iog_shield *s)
{
	for (struct iog_shield_unit *u = s->units; u; u = u->next) {
		if (!unit_probed(u))
			continue; /* never probed */
		if (u->amd) {
			/* Turned off by the disable: back on with what is there, all blocked at
			 * worst. */
			if (u->amdvi.batch)
				iog_amdvi_batch_end(&u->amdvi);
			if (!(u->amdvi.fw.control & 1) || iog_amdvi_translating(&u->amdvi))
				continue;
			if ((u->amdvi.dt_phys || !iog_amdvi_setup(&u->amdvi, u->ndevids)) &&
			    !iog_amdvi_enable(&u->amdvi))
				continue;
			iog_logf(s->plat, IOG_LOG_ERROR,
				 "shield: IOMMU %llx no longer translates after a failed apply",
				 (unsigned long long)u->amdvi.base);
			continue;
		}
		if (u->vtd.batch)
			iog_vtd_batch_end(&u->vtd);
		if (!(u->vtd.fw.gsts & (1u << 31)) || iog_vtd_translating(&u->vtd))
			continue;
		if ((u->vtd.root || !iog_vtd_set_root(&u->vtd)) && !iog_vtd_enable(&u->vtd))
			continue;
		iog_logf(s->plat, IOG_LOG_ERROR,
			 "shield: unit %llx no longer translates after a failed apply",
			 (unsigned long long)u->vtd.base);
	}
}

int iog_shield_verify(struct iog_shield *s, const struct iog_shield_config *c, struct iog_diag *d)
{
	struct iog_exception ex[IOG_SHIELD_MAX_RMRR];
	struct iog_grant mine[IOG_SHIELD_MAX_DOMAINS * 4];
	int result = IOG_OK;
	unsigned i = 0;

	if (!s || !c || !s->protect)
		return IOG_EINVAL;
	iog_memset(&s->report, 0, sizeof(s->report));
	for (struct iog_shield_unit *u = s->units; u; u = u->next, i++) {
		struct iog_verify_report rep;
		struct iog_verify_input in = {
			.unit_base = unit_base(u),
			.segment = unit_segment(u),
			.protect = s->protect,
			.nprotect = s->nprotect,
			.exceptions = ex,
			.grants = mine,
		};
		int err;

		for (unsigned k = 0; k < s->nrmrrs; k++)
			if (s->rmrrs[k].unit == i)
				ex[in.nexceptions++] = (struct iog_exception){
					s->rmrrs[k].segment, s->rmrrs[k].bus, s->rmrrs[k].devfn,
					s->rmrrs[k].base, s->rmrrs[k].size};
		for (unsigned g = 0; g < c->ngrants; g++) {
			struct iog_shield_domain *dom = domain_of(
				s, c->grants[g].segment, c->grants[g].bus, c->grants[g].devfn);

			if (dom && dom->unit == i && in.ngrants < sizeof(mine) / sizeof(mine[0]))
				mine[in.ngrants++] = c->grants[g];
		}
		err = u->amd ? iog_verify_amdvi_unit(s->plat, &in, &rep)
			     : iog_verify_unit(s->plat, &in, &rep);
		s->report.contexts += rep.contexts;
		s->report.tables += rep.tables;
		s->report.leaves += rep.leaves;
		if (rep.violations && !s->report.violations) {
			s->report.sid = rep.sid;
			s->report.iova = rep.iova;
			s->report.phys = rep.phys;
			s->report.perm = rep.perm;
			s->report.what = rep.what;
		}
		s->report.violations += rep.violations;
		if (err && !result) {
			iog_logf(s->plat, IOG_LOG_ERROR,
				 "shield: unit %llx fails verification: %s (device %02x:%02x.%u, "
				 "IOVA %llx)",
				 (unsigned long long)unit_base(u),
				 rep.what ? rep.what : "tables unreadable", rep.sid >> 8,
				 (rep.sid >> 3) & 0x1f, rep.sid & 7, (unsigned long long)rep.iova);
			result = iog_fail(d, err, (uint64_t)u->drhd,
					  rep.what ? rep.what : "the tables cannot be read");
			diag_device(d, unit_segment(u), (uint8_t)(rep.sid >> 8), (uint8_t)rep.sid);
			diag_address(d, rep.phys);
		}
	}
	return result;
}

/*
 * A guest that sees no DMAR has no interrupt remapping: it cannot run
 * x2APIC for APIC IDs above 254, and firmware that left x2APIC on or asked
 * the OS to stay in xAPIC mode may not boot it as it expects. Said, not
 * refused: the VMM decides.
 */
static void note_x2apic(struct iog_shield *s, const struct iog_shield_config *c)
{
	struct iog_x2apic_input in = {c->dmar, c->dmar_len, c->madt, c->madt_len,
				      c->firmware_x2apic};
	struct iog_diag d = {0};
	char line[IOG_X2APIC_LINE];

	if (iog_x2apic_assess(&in, &s->x2apic, &d)) {
		/* A MADT that cannot be read: the DMAR's part still counts. */
		in.madt = NULL;
		if (iog_x2apic_assess(&in, &s->x2apic, NULL))
			return;
		iog_logf(s->plat, IOG_LOG_WARN, "shield: MADT unreadable at offset %llu: %s",
			 (unsigned long long)d.offset, d.reason ? d.reason : "");
	}
	if (!s->x2apic.risks)
		return;
	iog_x2apic_format(&s->x2apic, line, sizeof(line));
	iog_logf(s->plat, IOG_LOG_WARN, "shield: %s", line);
}

/* The table, the host address width, the units. */
static int probe(struct iog_shield *s, const struct iog_shield_config *c, struct iog_diag *d)
{
	int err;

	if (s->amd) {
		struct iog_ivrs_info info;
		unsigned pa;

		err = iog_ivrs_check(c->ivrs, c->ivrs_len, &info, d);
		if (err)
			return err;
		/* IVinfo PASize (bits 14:8): what the IOMMUs emit; 0 says nothing. */
		pa = (info.iv_info >> 8) & 0x7f;
		s->haw = pa >= 32 && pa <= 52 ? pa : 52;
		err = each_reserved(s, c, check_range, d);
		return err ? err : probe_iommus(s, c, d);
	} else {
		struct iog_dmar_info info;

		err = iog_dmar_check(c->dmar, c->dmar_len, &info, d);
		if (err)
			return err;
		/* Byte 36: the width minus one. Below 32 bits no unit reaches ordinary memory. */
		if (info.width + 1u < 32)
			return iog_fail(d, IOG_EBADVAL, 36,
					"the DMAR's host address width (byte 36) is below 32 bits");
		s->haw = info.width + 1u > 52 ? 52 : info.width + 1u;
		err = each_reserved(s, c, check_range, d);
		return err ? err : probe_units(s, c, d);
	}
}

static uint64_t now(const struct iog_shield *s)
{
	return s->plat->clock_ns ? s->plat->clock_ns(s->plat->ctx) : 0;
}

static int apply(struct iog_shield *s, const struct iog_shield_config *c, struct iog_diag *d)
{
	int err;

	s->times.start = now(s);
	err = probe(s, c, d);
	if (err)
		return err;
	s->times.probed = now(s);
	for (struct iog_shield_unit *u = s->units; u; u = u->next) {
		if (u->amd)
			continue; /* turned off at the last moment: program_iommu */
		err = iog_vtd_disable(&u->vtd, c->ir_policy, IOG_VTD_KEEP_PMR | IOG_VTD_KEEP_TE);
		if (err) {
			iog_fail(d, err, (uint64_t)u->drhd,
				 "disabling what firmware enabled failed");
			diag_address(d, unit_base(u));
			return err;
		}
	}
	s->times.disabled = now(s);
	err = build_protect(s, c, d);
	if (err)
		return err;
	if (c->acpi) {
		if (!s->amd)
			note_x2apic(s, c);
		err = iog_acpi_conceal(c->acpi, s->amd ? "IVRS" : "DMAR", c->conceal,
				       c->conceal_replacement, d);
		if (err < 0)
			return err;
		s->concealed = (unsigned)err;
	}
	if (!s->amd)
		note_unplaced_scopes(s, c);
	err = each_reserved(s, c, check_reserved, d);
	if (!err) {
		index_build(s, c);
		err = make_domains(s, c, d);
		index_free(s);
	}
	if (!err)
		err = make_kinds(s, c, d);
	if (!err)
		err = build_tables(s, c, d);
	s->times.built = now(s);
	if (!err)
		err = program_units(s, d);
	if (err)
		return err;
	s->times.live = now(s); /* AMD IOMMUs: on since program_iommu */
	for (struct iog_shield_unit *u = s->units; u; u = u->next) {
		if (u->amd)
			continue; /* on since program_iommu */
		err = iog_vtd_enable(&u->vtd);
		if (!err)
			s->times.live = now(s); /* the last unit's marks the instant */
		if (!err)
			err = iog_vtd_disable_pmr(&u->vtd);
		/* Fault events as interrupts where the platform wants them (else polled). */
		if (!err)
			err = iog_vtd_fault_irq_enable(&u->vtd);
		if (err) {
			iog_fail(d, err, (uint64_t)u->drhd, "enabling translation failed");
			diag_address(d, unit_base(u));
			return err;
		}
	}
	err = iog_shield_verify(s, c, d);
	s->times.verified = now(s);
	return err;
}

int iog_shield_apply(struct iog_shield *s, const struct iog_platform *plat,
		     const struct iog_shield_config *c, struct iog_diag *d)
{
	int err;

	if (!s || !plat || !c || (!c->dmar && !c->ivrs) || (c->nmemmap && !c->memmap) ||
	    (c->nprotect && !c->protect) || (c->ngrants && !c->grants))
		return iog_fail(d, IOG_EINVAL, 0, "missing configuration");
	if (!plat->page_alloc || !plat->page_free)
		return iog_fail(d, IOG_EINVAL, 0, "platform lacks a hook the shield needs");
	iog_memset(s, 0, sizeof(*s));
	s->plat = plat;
	s->amd = !c->dmar;
	s->cfg_protect = c->protect;
	s->cfg_nprotect = c->nprotect;
	guard_init(s, plat);
	err = apply(s, c, d);
	if (s->stray_page && err) {
		iog_fail(d, IOG_ECONFLICT, 0,
			 "a table page lies outside the protected regions: devices could rewrite "
			 "it");
		diag_address(d, s->stray_page);
		err = IOG_ECONFLICT;
	}
	if (err) {
		fail_closed(s);
		return err;
	}
	iog_logf(plat, IOG_LOG_INFO,
		 "shield: %u units translating (%u kinds), %u device domains; %u scopes, %u RMRR "
		 "devices, %u grants not placed; verified %u tables, %lu leaves",
		 s->nunits, s->nkinds, s->ndomains, s->unplaced_scopes, s->unplaced_rmrrs,
		 s->unplaced_grants, s->report.tables, (unsigned long)s->report.leaves);
	return IOG_OK;
}

int iog_shield_release(struct iog_shield *s)
{
	unsigned kept = 0, i = 0, kind_kept[IOG_SHIELD_MAX_KINDS] = {0};

	if (!s || !s->plat)
		return IOG_EINVAL;
	/* A unit that does not stop translating keeps its pages: they may be in use. */
	for (struct iog_shield_unit *u = s->units; u; u = u->next, i++) {
		int err;

		if (!unit_probed(u))
			continue;
		if (u->amd) {
			iog_amdvi_disable(&u->amdvi);
			err = iog_amdvi_release(&u->amdvi);
		} else {
			iog_vtd_disable(&u->vtd, IOG_VTD_IR_WARN, IOG_VTD_KEEP_PMR);
			err = iog_vtd_release(&u->vtd);
		}
		if (err != IOG_OK) {
			kept++;
			if (u->kind < IOG_SHIELD_MAX_KINDS)
				kind_kept[u->kind]++;
			continue;
		}
		for (unsigned k = 0; k < s->ndomains; k++)
			if (s->domains[k].unit == i && s->domains[k].pt.root) {
				iog_pt_destroy(&s->domains[k].pt);
				s->domains[k].pt.root = NULL;
			}
	}
	for (unsigned k = 0; k < s->nkinds; k++) {
		struct iog_shield_kind *kd = &s->kinds[k];

		if (kind_kept[k])
			continue;
		if (kd->pt.root)
			iog_pt_destroy(&kd->pt);
		kd->pt.root = NULL;
		if (kd->context)
			s->guard.page_free(s->guard.ctx, kd->context, kd->context_phys);
		kd->context = NULL;
	}
	if (kept)
		return IOG_ECONFLICT;
	if (s->protect)
		s->guard.page_free(s->guard.ctx, s->protect, s->protect_phys);
	s->protect = NULL;
	units_free(s);
	return IOG_OK;
}

size_t iog_shield_pages(const struct iog_shield *s)
{
	return s ? s->pages : 0;
}
