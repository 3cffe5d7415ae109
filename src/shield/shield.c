/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The shield policy, in the order that keeps the window without protection
 * short: probe every unit, turn off what firmware enabled (keeping its
 * protected memory regions, which still block DMA), conceal the DMAR, build
 * every domain while translation is off, program the context entries, enable
 * translation, and only then drop firmware's protected memory regions.
 * Finally the verifier walks what the units really use.
 */
#include <ioguard/shield.h>

#include "util/bytes.h"
#include "util/log.h"

#define PAGE_MASK ((uint64_t)IOG_PAGE_SIZE - 1)

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

static int overlaps_protected(const struct iog_shield_config *c, uint64_t base, uint64_t size)
{
	for (unsigned i = 0; i < c->nprotect; i++)
		if (overlap(base, size, c->protect[i].base, c->protect[i].size))
			return 1;
	return 0;
}

/* Which unit translates seg:bus:devfn; -1 when none. */
static int unit_of(const struct iog_shield *s, const struct iog_shield_config *c, uint16_t segment,
		   uint8_t bus, uint8_t devfn)
{
	long off = iog_dmar_find_drhd(c->dmar, c->dmar_len, segment, bus, devfn, c->bridge,
				      c->bridge_ctx, NULL);

	for (unsigned i = 0; off >= 0 && i < s->nunits; i++)
		if (s->unit_drhd[i] == off)
			return (int)i;
	return -1;
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

/* Highest address anything must be reachable at, as a bit count. */
static unsigned needed_bits(const struct iog_shield_config *c)
{
	uint64_t top = 0;
	unsigned bits = 12;

	for (unsigned i = 0; i < c->nmemmap; i++)
		if (c->memmap[i].base + c->memmap[i].size > top)
			top = c->memmap[i].base + c->memmap[i].size;
	for (unsigned i = 0; i < c->ngrants; i++)
		if (c->grants[i].base + c->grants[i].size > top)
			top = c->grants[i].base + c->grants[i].size;
	while (bits < 64 && (top - 1) >> bits)
		bits++;
	return bits;
}

static int probe_units(struct iog_shield *s, const struct iog_shield_config *c, struct iog_diag *d)
{
	struct iog_dmar_struct st;
	long off;

	for (off = iog_dmar_first(c->dmar, c->dmar_len, d); off >= 0;
	     off = iog_dmar_next(c->dmar, c->dmar_len, off, d)) {
		int err;

		if (iog_dmar_struct_get(c->dmar, c->dmar_len, off, &st, d))
			return d ? d->code : IOG_EINVAL;
		if (st.type != IOG_DMAR_DRHD)
			continue;
		if (s->nunits == IOG_SHIELD_MAX_UNITS)
			return iog_fail(d, IOG_ENOSPC, (uint64_t)off,
					"more DRHDs than the shield holds");
		err = iog_vtd_probe(&s->units[s->nunits], s->plat, st.address,
				    IOG_PAGE_SIZE << (st.size & 0xf), st.segment, d);
		if (err) {
			if (d)
				d->offset = (uint64_t)off + 8; /* the DRHD's register base field */
			return err;
		}
		s->units[s->nunits].haw = s->haw;
		s->unit_drhd[s->nunits++] = off;
	}
	if (off != IOG_ENOTFOUND)
		return (int)off;
	if (!s->nunits)
		return iog_fail(d, IOG_ENOTFOUND, IOG_DMAR_HEADER_LEN, "the DMAR has no DRHD");
	return IOG_OK;
}

/* Every (RMRR, endpoint) pair, checked against the protected regions. */
static int collect_rmrrs(struct iog_shield *s, const struct iog_shield_config *c,
			 struct iog_diag *d)
{
	struct iog_dmar_struct st;
	struct iog_dmar_scope sc;

	for (long off = iog_dmar_first(c->dmar, c->dmar_len, NULL); off >= 0;
	     off = iog_dmar_next(c->dmar, c->dmar_len, off, NULL)) {
		uint64_t base, size;

		if (iog_dmar_struct_get(c->dmar, c->dmar_len, off, &st, NULL) ||
		    st.type != IOG_DMAR_RMRR)
			continue;
		if (st.limit < st.base)
			return iog_fail(d, IOG_EBADVAL, (uint64_t)off + 16,
					"RMRR ends below its base");
		base = page_down(st.base);
		size = page_up(st.limit + 1) - base;
		if (overlaps_protected(c, base, size) && !c->allow_rmrr_conflict)
			return iog_fail(d, IOG_ECONFLICT, (uint64_t)off + 8,
					"an RMRR overlaps protected memory");
		for (long so = iog_dmar_scope_first(c->dmar, c->dmar_len, &st, NULL); so >= 0;
		     so = iog_dmar_scope_next(c->dmar, c->dmar_len, &st, so, NULL)) {
			uint8_t bus, devfn;
			int unit;

			if (iog_dmar_scope_get(c->dmar, c->dmar_len, so, &sc, NULL) ||
			    sc.type != IOG_SCOPE_PCI_ENDPOINT ||
			    iog_dmar_scope_resolve(&sc, st.segment, c->bridge, c->bridge_ctx, &bus,
						   &devfn))
				continue;
			unit = unit_of(s, c, st.segment, bus, devfn);
			if (unit < 0)
				continue; /* no unit translates it: nothing to honour */
			if (s->nrmrrs == IOG_SHIELD_MAX_RMRR)
				return iog_fail(d, IOG_ENOSPC, (uint64_t)so,
						"more RMRR devices than the shield holds");
			s->rmrrs[s->nrmrrs++] = (struct iog_shield_rmrr){
				(unsigned)unit, st.segment, bus, devfn, base, size};
		}
	}
	return IOG_OK;
}

/* The memory map minus the protected regions, identity, read/write. */
static int map_default(struct iog_pt *pt, const struct iog_shield_config *c)
{
	int err = IOG_OK;

	for (unsigned i = 0; i < c->nmemmap && !err; i++) {
		uint64_t base = page_down(c->memmap[i].base);
		uint64_t end = page_up(c->memmap[i].base + c->memmap[i].size);

		if (end > base)
			err = iog_pt_map(pt, base, base, end - base, IOG_PT_RW, NULL);
	}
	for (unsigned i = 0; i < c->nprotect && !err; i++) {
		uint64_t base = page_down(c->protect[i].base);
		uint64_t end = page_up(c->protect[i].base + c->protect[i].size);

		if (end > base)
			err = iog_pt_unmap(pt, base, end - base, NULL);
	}
	return err;
}

/*
 * RMRRs into a domain: for a device's own domain, that device's RMRRs; for a
 * unit's default domain, the RMRRs of its devices that stay in it (an RMRR
 * over protected memory gets its device a domain of its own instead).
 */
static int map_rmrrs(struct iog_shield *s, const struct iog_shield_config *c, struct iog_pt *pt,
		     unsigned unit, const struct iog_shield_domain *dom)
{
	for (unsigned i = 0; i < s->nrmrrs; i++) {
		const struct iog_shield_rmrr *r = &s->rmrrs[i];
		int err;

		if (r->unit != unit)
			continue;
		if (dom &&
		    (r->segment != dom->segment || r->bus != dom->bus || r->devfn != dom->devfn))
			continue;
		if (!dom && overlaps_protected(c, r->base, r->size))
			continue;
		err = iog_pt_map(pt, r->base, r->base, r->size, IOG_PT_RW, NULL);
		if (err)
			return err;
	}
	return IOG_OK;
}

static int rmrr_conflicts(const struct iog_shield_config *c, const struct iog_shield_rmrr *r)
{
	return overlaps_protected(c, r->base, r->size);
}

/* A domain of its own for each granted device, and for RMRR devices over protected memory. */
static int make_domains(struct iog_shield *s, const struct iog_shield_config *c, struct iog_diag *d)
{
	for (unsigned pass = 0; pass < 2; pass++) {
		unsigned n = pass ? s->nrmrrs : c->ngrants;

		for (unsigned i = 0; i < n; i++) {
			uint16_t seg = pass ? s->rmrrs[i].segment : c->grants[i].segment;
			uint8_t bus = pass ? s->rmrrs[i].bus : c->grants[i].bus;
			uint8_t devfn = pass ? s->rmrrs[i].devfn : c->grants[i].devfn;
			struct iog_shield_domain *dom;
			int unit;

			if (pass && !rmrr_conflicts(c, &s->rmrrs[i]))
				continue;
			if (!pass && (!c->grants[i].perm || c->grants[i].perm > IOG_PT_RW ||
				      !c->grants[i].size ||
				      ((c->grants[i].base | c->grants[i].size) & PAGE_MASK)))
				return iog_fail(d, IOG_EINVAL, c->grants[i].base,
						"a grant is not whole 4 KiB pages or has a bad "
						"permission");
			if (domain_of(s, seg, bus, devfn))
				continue;
			unit = unit_of(s, c, seg, bus, devfn);
			if (unit < 0)
				return iog_fail(d, IOG_ENOTFOUND, (uint64_t)(bus << 8 | devfn),
						"no DRHD translates a granted device");
			if (s->ndomains == IOG_SHIELD_MAX_DOMAINS)
				return iog_fail(d, IOG_ENOSPC, (uint64_t)(bus << 8 | devfn),
						"more device domains than the shield holds");
			dom = &s->domains[s->ndomains];
			iog_memset(dom, 0, sizeof(*dom));
			dom->unit = (unsigned)unit;
			dom->segment = seg;
			dom->bus = bus;
			dom->devfn = devfn;
			dom->did = (uint16_t)(IOG_SHIELD_DEFAULT_DID + 1 + s->ndomains);
			dom->granted = !pass;
			if (dom->did >= s->units[unit].ndoms)
				return iog_fail(d, IOG_ENOSPC, dom->did,
						"the unit has too few domain ids (CAP.ND)");
			s->ndomains++;
		}
	}
	return IOG_OK;
}

static int build_tables(struct iog_shield *s, const struct iog_shield_config *c, struct iog_diag *d)
{
	unsigned bits = needed_bits(c);
	int err;

	for (unsigned u = 0; u < s->nunits; u++) {
		unsigned levels = iog_vtd_levels(&s->units[u], bits);
		struct iog_pt_config cfg;

		if (!levels)
			return iog_fail(d, IOG_EINVAL, (uint64_t)s->unit_drhd[u],
					"the unit's page tables cannot reach all of memory");
		cfg = iog_vtd_pt_config(&s->units[u], levels);
		if (bits > cfg.out_bits)
			return iog_fail(d, IOG_EINVAL, (uint64_t)s->unit_drhd[u],
					"memory lies beyond the unit's address width (CAP.MGAW)");
		err = iog_pt_init(&s->default_pt[u], s->plat, &cfg);
		if (!err)
			err = map_default(&s->default_pt[u], c);
		if (!err)
			err = map_rmrrs(s, c, &s->default_pt[u], u, NULL);
		if (err)
			return iog_fail(d, err, (uint64_t)s->unit_drhd[u],
					"building the default domain failed");
	}
	for (unsigned i = 0; i < s->ndomains; i++) {
		struct iog_shield_domain *dom = &s->domains[i];
		struct iog_pt_config cfg =
			iog_vtd_pt_config(&s->units[dom->unit], s->default_pt[dom->unit].levels);

		err = iog_pt_init(&dom->pt, s->plat, &cfg);
		if (!err && !dom->granted)
			err = map_default(&dom->pt, c);
		for (unsigned g = 0; !err && dom->granted && g < c->ngrants; g++) {
			const struct iog_grant *gr = &c->grants[g];
			uint64_t base = page_down(gr->base), end = page_up(gr->base + gr->size);

			if (gr->segment == dom->segment && gr->bus == dom->bus &&
			    gr->devfn == dom->devfn)
				err = iog_pt_map(&dom->pt, base, base, end - base, gr->perm, NULL);
		}
		if (!err)
			err = map_rmrrs(s, c, &dom->pt, dom->unit, dom);
		if (err)
			return iog_fail(d, err, (uint64_t)(dom->bus << 8 | dom->devfn),
					"building a device domain failed");
	}
	return IOG_OK;
}

/* Every bus/devfn of every segment to the domain of the unit that translates it. */
static int program_contexts(struct iog_shield *s, const struct iog_shield_config *c,
			    struct iog_diag *d)
{
	int err;

	for (unsigned u = 0; u < s->nunits; u++) {
		err = iog_vtd_set_root(&s->units[u]);
		if (err)
			return iog_fail(d, err, (uint64_t)s->unit_drhd[u],
					"setting the root table failed");
		iog_vtd_batch_begin(&s->units[u]);
	}
	for (unsigned u = 0; u < s->nunits; u++) {
		uint16_t seg = s->units[u].segment;
		int seen = 0;

		/* Each segment once. */
		for (unsigned v = 0; v < u; v++)
			seen |= s->units[v].segment == seg;
		if (seen)
			continue;
		for (unsigned sid = 0; sid < 0x10000; sid++) {
			uint8_t bus = (uint8_t)(sid >> 8), devfn = (uint8_t)sid;
			int unit = unit_of(s, c, seg, bus, devfn);
			struct iog_shield_domain *dom;

			if (unit < 0)
				continue;
			dom = domain_of(s, seg, bus, devfn);
			err = dom ? iog_vtd_attach(&s->units[unit], bus, devfn, dom->did, &dom->pt)
				  : iog_vtd_attach(&s->units[unit], bus, devfn,
						   IOG_SHIELD_DEFAULT_DID, &s->default_pt[unit]);
			if (err)
				return iog_fail(d, err, sid, "writing a context entry failed");
			s->contexts++;
		}
	}
	for (unsigned u = 0; u < s->nunits; u++) {
		err = iog_vtd_batch_end(&s->units[u]);
		if (err)
			return iog_fail(d, err, (uint64_t)s->unit_drhd[u], "invalidation failed");
	}
	/* The global invalidations above cover every table built so far. */
	for (unsigned u = 0; u < s->nunits; u++)
		iog_pt_reclaim(&s->default_pt[u]);
	for (unsigned i = 0; i < s->ndomains; i++)
		iog_pt_reclaim(&s->domains[i].pt);
	return IOG_OK;
}

int iog_shield_verify(struct iog_shield *s, const struct iog_shield_config *c, struct iog_diag *d)
{
	struct iog_exception ex[IOG_SHIELD_MAX_RMRR];
	int result = IOG_OK;

	if (!s || !c)
		return IOG_EINVAL;
	iog_memset(&s->report, 0, sizeof(s->report));
	for (unsigned u = 0; u < s->nunits; u++) {
		struct iog_verify_report rep;
		struct iog_verify_input in = {
			.unit_base = s->units[u].base,
			.segment = s->units[u].segment,
			.protect = c->protect,
			.nprotect = c->nprotect,
			.exceptions = ex,
		};
		struct iog_grant mine[IOG_SHIELD_MAX_DOMAINS * 4];
		unsigned nmine = 0;
		int err;

		for (unsigned i = 0; i < s->nrmrrs; i++)
			if (s->rmrrs[i].unit == u)
				ex[in.nexceptions++] = (struct iog_exception){
					s->rmrrs[i].segment, s->rmrrs[i].bus, s->rmrrs[i].devfn,
					s->rmrrs[i].base, s->rmrrs[i].size};
		for (unsigned g = 0; g < c->ngrants; g++) {
			struct iog_shield_domain *dom = domain_of(
				s, c->grants[g].segment, c->grants[g].bus, c->grants[g].devfn);

			if (dom && dom->unit == u && nmine < sizeof(mine) / sizeof(mine[0]))
				mine[nmine++] = c->grants[g];
		}
		in.grants = mine;
		in.ngrants = nmine;
		err = iog_verify_unit(s->plat, &in, &rep);
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
				 (unsigned long long)s->units[u].base,
				 rep.what ? rep.what : "tables unreadable", rep.sid >> 8,
				 (rep.sid >> 3) & 0x1f, rep.sid & 7, (unsigned long long)rep.iova);
			result = iog_fail(d, err, rep.phys,
					  rep.what ? rep.what : "the tables cannot be read");
		}
	}
	return result;
}

int iog_shield_apply(struct iog_shield *s, const struct iog_platform *plat,
		     const struct iog_shield_config *c, struct iog_diag *d)
{
	struct iog_dmar_info info;
	int err;

	if (!s || !plat || !c || !c->dmar || (c->nmemmap && !c->memmap) ||
	    (c->nprotect && !c->protect) || (c->ngrants && !c->grants))
		return iog_fail(d, IOG_EINVAL, 0, "missing configuration");
	iog_memset(s, 0, sizeof(*s));
	s->plat = plat;
	err = iog_dmar_check(c->dmar, c->dmar_len, &info, d);
	if (err)
		return err;
	s->haw = info.width + 1u > 52 ? 52 : info.width + 1u;
	err = probe_units(s, c, d);
	if (err)
		return err;
	for (unsigned u = 0; u < s->nunits; u++) {
		err = iog_vtd_disable(&s->units[u], c->ir_policy,
				      IOG_VTD_KEEP_PMR | IOG_VTD_KEEP_TE);
		if (err)
			return iog_fail(d, err, (uint64_t)s->unit_drhd[u],
					"disabling what firmware enabled failed");
	}
	if (c->acpi) {
		err = iog_acpi_conceal(c->acpi, "DMAR", c->conceal, c->conceal_replacement, d);
		if (err < 0)
			return err;
		s->concealed = (unsigned)err;
	}
	err = collect_rmrrs(s, c, d);
	if (!err)
		err = make_domains(s, c, d);
	if (!err)
		err = build_tables(s, c, d);
	if (!err)
		err = program_contexts(s, c, d);
	if (err)
		return err;
	for (unsigned u = 0; u < s->nunits; u++) {
		err = iog_vtd_enable(&s->units[u]);
		if (!err)
			err = iog_vtd_disable_pmr(&s->units[u]);
		if (err)
			return iog_fail(d, err, (uint64_t)s->unit_drhd[u],
					"enabling translation failed");
	}
	err = iog_shield_verify(s, c, d);
	if (!err)
		iog_logf(plat, IOG_LOG_INFO,
			 "shield: %u units translating, %u device domains, %u context entries; "
			 "verified %u tables, %lu leaves",
			 s->nunits, s->ndomains, s->contexts, s->report.tables,
			 (unsigned long)s->report.leaves);
	return err;
}

int iog_shield_release(struct iog_shield *s)
{
	if (!s || !s->plat)
		return IOG_EINVAL;
	unsigned kept = 0;

	/* A unit that does not stop translating keeps its pages: they may be in use. */
	for (unsigned u = 0; u < s->nunits; u++) {
		iog_vtd_disable(&s->units[u], IOG_VTD_IR_WARN, IOG_VTD_KEEP_PMR);
		if (iog_vtd_release(&s->units[u]) != IOG_OK) {
			kept++;
			continue;
		}
		iog_pt_destroy(&s->default_pt[u]);
		for (unsigned i = 0; i < s->ndomains; i++)
			if (s->domains[i].unit == u)
				iog_pt_destroy(&s->domains[i].pt);
	}
	return kept ? IOG_ECONFLICT : IOG_OK;
}
