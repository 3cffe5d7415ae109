/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Which remapping unit translates a device (VT-d 4.1, 8.3.1): an explicit
 * device scope wins; a segment's INCLUDE_PCI_ALL unit takes the rest.
 */
#include <ioguard/dmar.h>

#include "util/bytes.h"

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

		if (!bridge)
			return IOG_ENOTFOUND;
		err = bridge(ctx, segment, b, df, &b, &sub);
		if (err)
			return err < 0 ? err : IOG_EIO;
	}
	*bus = b;
	*devfn = (uint8_t)((sc->path[2 * (sc->path_len - 1)] & 0x1f) << 3 |
			   (sc->path[2 * (sc->path_len - 1) + 1] & 7));
	return IOG_OK;
}

/* Does this PCI scope of a DRHD take in bus:devfn? 1 yes, 0 no, < 0 unresolvable. */
static int scope_covers(const struct iog_dmar_scope *sc, uint16_t segment, uint8_t bus,
			uint8_t devfn, iog_bridge_fn bridge, void *ctx)
{
	uint8_t b, df, sec, sub;
	int err = iog_dmar_scope_resolve(sc, segment, bridge, ctx, &b, &df);

	if (err)
		return err;
	if (b == bus && df == devfn)
		return 1;
	if (sc->type != IOG_SCOPE_PCI_SUBHIERARCHY)
		return 0;
	if (!bridge)
		return IOG_ENOTFOUND;
	err = bridge(ctx, segment, b, df, &sec, &sub);
	if (err)
		return err < 0 ? err : IOG_EIO;
	return bus >= sec && bus <= sub;
}

long iog_dmar_find_drhd(const void *tbl, size_t len, uint16_t segment, uint8_t bus, uint8_t devfn,
			iog_bridge_fn bridge, void *ctx, struct iog_diag *d)
{
	struct iog_dmar_struct s;
	struct iog_dmar_scope sc;
	long off, so, fallback = IOG_ENOTFOUND;
	int unresolved = 0, r;
	uint64_t unresolved_at = 0;

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
			if (sc.type != IOG_SCOPE_PCI_ENDPOINT &&
			    sc.type != IOG_SCOPE_PCI_SUBHIERARCHY)
				continue;
			r = scope_covers(&sc, segment, bus, devfn, bridge, ctx);
			if (r > 0)
				return off;
			if (r < 0 && !unresolved) {
				unresolved = r;
				unresolved_at = (uint64_t)so;
			}
		}
		if (so != IOG_ENOTFOUND)
			return so;
	}
	if (off != IOG_ENOTFOUND)
		return off;
	/*
	 * A scope we could not resolve might have named this device; answering
	 * with the catch-all unit could then leave it under the wrong one.
	 */
	if (unresolved)
		return iog_fail(d, unresolved, unresolved_at,
				"a device scope path could not be resolved through its bridges");
	if (fallback < 0)
		return iog_fail(d, IOG_ENOTFOUND, 0, "no remapping unit covers the device");
	return fallback;
}
