/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Which remapping unit translates a device (VT-d 4.1, 8.3.1): an explicit
 * device scope wins; a segment's INCLUDE_PCI_ALL unit takes the rest.
 *
 * Firmware lists ports that are fused off or disabled, and bridges that the
 * OS has not numbered yet: as Linux does, a scope is matched only against
 * what is there. A path through a bridge that is absent, or whose secondary
 * bus is 0 or not above its own bus (unnumbered), names nothing, and the
 * device falls to the catch-all unit.
 */
#include <ioguard/dmar.h>

#include "util/bytes.h"

/* The bridge at seg:bus:devfn and its bus range, when it is there and numbered. */
static int bridge_range(iog_bridge_fn bridge, void *ctx, uint16_t segment, uint8_t bus,
			uint8_t devfn, uint8_t *sec, uint8_t *sub)
{
	int err;

	if (!bridge)
		return IOG_ENOTFOUND;
	err = bridge(ctx, segment, bus, devfn, sec, sub);
	if (err)
		return err < 0 ? err : IOG_EIO;
	if (*sec == 0 || *sec <= bus)
		return IOG_ENOTFOUND; /* not numbered: nothing below it can be named */
	if (*sub < *sec)
		*sub = *sec;
	return IOG_OK;
}

int iog_dmar_scope_resolve(const struct iog_dmar_scope *sc, uint16_t segment, iog_bridge_fn bridge,
			   void *ctx, uint8_t *bus, uint8_t *devfn)
{
	uint8_t b, sub;
	int err;

	if (!sc || !bus || !devfn)
		return IOG_EINVAL;
	if (!sc->path_len)
		return IOG_EBADLEN;
	b = sc->bus;
	/* Each hop but the last is a bridge; the next hop sits on its secondary bus. */
	for (unsigned i = 0; i + 1 < sc->path_len; i++) {
		uint8_t df = (uint8_t)((sc->path[2 * i] & 0x1f) << 3 | (sc->path[2 * i + 1] & 7));

		err = bridge_range(bridge, ctx, segment, b, df, &b, &sub);
		if (err)
			return err;
	}
	*bus = b;
	*devfn = (uint8_t)((sc->path[2 * (sc->path_len - 1)] & 0x1f) << 3 |
			   (sc->path[2 * (sc->path_len - 1) + 1] & 7));
	return IOG_OK;
}

int iog_dmar_scope_reach(const struct iog_dmar_scope *sc, uint16_t segment, iog_bridge_fn bridge,
			 void *ctx, struct iog_dmar_reach *r)
{
	int err;

	if (!sc || !r)
		return IOG_EINVAL;
	iog_memset(r, 0, sizeof(*r));
	if (sc->type != IOG_SCOPE_PCI_ENDPOINT && sc->type != IOG_SCOPE_PCI_SUBHIERARCHY &&
	    sc->type != IOG_SCOPE_ACPI_NAMESPACE)
		return IOG_ENOTFOUND; /* IOAPIC, HPET: no DMA of their own */
	err = iog_dmar_scope_resolve(sc, segment, bridge, ctx, &r->bus, &r->devfn);
	if (err)
		return err;
	if (sc->type == IOG_SCOPE_PCI_SUBHIERARCHY &&
	    bridge_range(bridge, ctx, segment, r->bus, r->devfn, &r->secondary, &r->subordinate) ==
		    IOG_OK)
		r->below = 1;
	return IOG_OK;
}

/* Does this scope of a DRHD take in bus:devfn? */
static int scope_covers(const struct iog_dmar_scope *sc, uint16_t segment, uint8_t bus,
			uint8_t devfn, iog_bridge_fn bridge, void *ctx)
{
	struct iog_dmar_reach r;

	if (iog_dmar_scope_reach(sc, segment, bridge, ctx, &r))
		return 0; /* names nothing that is there */
	if (r.bus == bus && r.devfn == devfn)
		return 1;
	return r.below && bus >= r.secondary && bus <= r.subordinate;
}

long iog_dmar_find_drhd(const void *tbl, size_t len, uint16_t segment, uint8_t bus, uint8_t devfn,
			iog_bridge_fn bridge, void *ctx, struct iog_diag *d)
{
	struct iog_dmar_struct s;
	struct iog_dmar_scope sc;
	long off, so, fallback = IOG_ENOTFOUND;
	int r;

	for (off = iog_dmar_first(tbl, len, d); off >= 0; off = iog_dmar_next(tbl, len, off, d)) {
		r = iog_dmar_struct_get(tbl, len, off, &s, d);
		if (r)
			return r;
		if (s.type != IOG_DMAR_DRHD || s.segment != segment)
			continue;
		if (s.flags & IOG_DRHD_INCLUDE_PCI_ALL) {
			if (fallback < 0)
				fallback = off;
			continue;
		}
		for (so = iog_dmar_scope_first(tbl, len, &s, d); so >= 0;
		     so = iog_dmar_scope_next(tbl, len, &s, so, d)) {
			if (iog_dmar_scope_get(tbl, len, so, &sc, d))
				break;
			if (scope_covers(&sc, segment, bus, devfn, bridge, ctx))
				return off;
		}
		if (so != IOG_ENOTFOUND)
			return so;
	}
	if (off != IOG_ENOTFOUND)
		return off;
	if (fallback < 0)
		return iog_fail(d, IOG_ENOTFOUND, 0, "no remapping unit covers the device");
	return fallback;
}
