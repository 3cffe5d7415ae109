/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Firmware-bug checks on a DMAR (see FIRMWARE-BUGS.md). Structural damage is
 * reported once as DMAR-MALFORMED and the checks below run on the part of
 * the table before it.
 */
#include <ioguard/acpi.h>
#include <ioguard/dmar.h>

#include "lint_common.h"
#include "util/bytes.h"

#define PAGE_MASK 0xfffull

struct dmar_lint {
	const uint8_t *tbl;
	size_t len;
	struct lint_sink sink;
	uint8_t width;
};

#define FOR_EACH_STRUCT(l, off, s)                                                                 \
	for (long off = iog_dmar_first((l)->tbl, (l)->len, NULL); off >= 0;                        \
	     off = iog_dmar_next((l)->tbl, (l)->len, off, NULL))                                   \
		if (iog_dmar_struct_get((l)->tbl, (l)->len, off, &(s), NULL) == IOG_OK)

#define FOR_EACH_SCOPE(l, s, so, sc)                                                               \
	for (long so = iog_dmar_scope_first((l)->tbl, (l)->len, &(s), NULL); so >= 0;              \
	     so = iog_dmar_scope_next((l)->tbl, (l)->len, &(s), so, NULL))                         \
		if (iog_dmar_scope_get((l)->tbl, (l)->len, so, &(sc), NULL) == IOG_OK)

static void emit(struct dmar_lint *l, const char *id, enum iog_severity sev, uint64_t off,
		 const char *msg, const char *n0, uint64_t v0, const char *n1, uint64_t v1)
{
	iog_lint_emit(&l->sink, id, sev, off, msg, n0, v0, n1, v1);
}

/* Highest address the host address width allows (width byte + 1 bits). */
static uint64_t width_limit(const struct dmar_lint *l)
{
	unsigned bits = l->width + 1u;

	return bits >= 64 ? ~0ull : (1ull << bits) - 1;
}

static int is_pci_scope(uint8_t type)
{
	return type == IOG_SCOPE_PCI_ENDPOINT || type == IOG_SCOPE_PCI_SUBHIERARCHY;
}

/* Scope types each structure may hold (VT-d 4.1, 8.3-8.11). */
static int scope_allowed(uint16_t stype, uint8_t type)
{
	switch (stype) {
	case IOG_DMAR_DRHD:
		return type >= IOG_SCOPE_PCI_ENDPOINT && type <= IOG_SCOPE_ACPI_NAMESPACE;
	case IOG_DMAR_RMRR: return is_pci_scope(type);
	case IOG_DMAR_ATSR: return type == IOG_SCOPE_PCI_SUBHIERARCHY;
	case IOG_DMAR_SATC: return type == IOG_SCOPE_PCI_ENDPOINT;
	case IOG_DMAR_SIDP: return is_pci_scope(type) || type == IOG_SCOPE_ACPI_NAMESPACE;
	}
	return 1;
}

static void lint_scopes(struct dmar_lint *l, const struct iog_dmar_struct *s)
{
	struct iog_dmar_scope sc;

	FOR_EACH_SCOPE (l, *s, so, sc) {
		if (!iog_scope_type_name(sc.type)) {
			emit(l, "DMAR-SCOPE-TYPE", IOG_SEV_WARNING, sc.offset,
			     "device scope type is reserved", "scope type", sc.type, NULL, 0);
			continue;
		}
		if (!scope_allowed(s->type, sc.type))
			emit(l, "DMAR-SCOPE-MISPLACED", IOG_SEV_WARNING, sc.offset,
			     "device scope type is not allowed in this structure", "scope type",
			     sc.type, "structure type", s->type);
		if (!sc.path_len)
			emit(l, "DMAR-SCOPE-PATH-EMPTY", IOG_SEV_ERROR, sc.offset,
			     "device scope has no path entry", NULL, 0, NULL, 0);
		for (unsigned i = 0; i < sc.path_len; i++)
			if (sc.path[2 * i] > 31 || sc.path[2 * i + 1] > 7)
				emit(l, "DMAR-SCOPE-PATH-RANGE", IOG_SEV_ERROR,
				     sc.offset + IOG_SCOPE_HEADER_LEN + 2 * i,
				     "path entry names a device above 31 or a function above 7",
				     "device", sc.path[2 * i], "function", sc.path[2 * i + 1]);
	}
}

static unsigned count_scopes(struct dmar_lint *l, const struct iog_dmar_struct *s, int pci_only)
{
	struct iog_dmar_scope sc;
	unsigned n = 0;

	FOR_EACH_SCOPE (l, *s, so, sc)
		n += !pci_only || is_pci_scope(sc.type);
	return n;
}

static void lint_drhd(struct dmar_lint *l, const struct iog_dmar_struct *s)
{
	struct iog_dmar_struct o;
	int later_in_segment = 0;

	if (!s->address)
		emit(l, "DMAR-DRHD-BASE-ZERO", IOG_SEV_ERROR, s->offset + 8,
		     "register base address is zero", NULL, 0, NULL, 0);
	else if (s->address & PAGE_MASK)
		emit(l, "DMAR-DRHD-BASE-UNALIGNED", IOG_SEV_ERROR, s->offset + 8,
		     "register base address is not 4 KiB aligned", "base", s->address, NULL, 0);
	else if (s->address > width_limit(l))
		emit(l, "DMAR-DRHD-BASE-WIDTH", IOG_SEV_WARNING, s->offset + 8,
		     "register base address is beyond the host address width", "base", s->address,
		     NULL, 0);

	FOR_EACH_STRUCT (l, off, o) {
		if (o.type != IOG_DMAR_DRHD || o.segment != s->segment || o.offset == s->offset)
			continue;
		if (o.offset > s->offset) {
			later_in_segment = 1;
			continue;
		}
		/* Pairs are reported once, at the later structure. */
		if (o.address == s->address)
			emit(l, "DMAR-DRHD-DUPLICATE", IOG_SEV_ERROR, s->offset + 8,
			     "two DRHDs in one segment share a register base", "base", s->address,
			     "earlier DRHD at", o.offset);
		if ((o.flags & s->flags) & IOG_DRHD_INCLUDE_PCI_ALL)
			emit(l, "DMAR-DRHD-INCLUDE-ALL-MULTIPLE", IOG_SEV_ERROR, s->offset + 4,
			     "second INCLUDE_PCI_ALL DRHD in the segment", "segment", s->segment,
			     "earlier DRHD at", o.offset);
	}
	if (s->flags & IOG_DRHD_INCLUDE_PCI_ALL) {
		if (later_in_segment)
			emit(l, "DMAR-DRHD-INCLUDE-ALL-NOT-LAST", IOG_SEV_WARNING, s->offset + 4,
			     "INCLUDE_PCI_ALL DRHD is not the last DRHD of its segment", "segment",
			     s->segment, NULL, 0);
		if (count_scopes(l, s, 1))
			emit(l, "DMAR-DRHD-INCLUDE-ALL-PCI-SCOPE", IOG_SEV_WARNING, s->offset,
			     "INCLUDE_PCI_ALL DRHD also lists PCI device scopes", NULL, 0, NULL, 0);
	} else if (!count_scopes(l, s, 0)) {
		emit(l, "DMAR-DRHD-EMPTY", IOG_SEV_WARNING, s->offset,
		     "DRHD without INCLUDE_PCI_ALL lists no device", "base", s->address, NULL, 0);
	}
}

/* Could some DRHD reach this RMRR device without resolving bridges? */
static int device_covered(struct dmar_lint *l, uint16_t segment, const struct iog_dmar_scope *dev)
{
	struct iog_dmar_struct s;
	struct iog_dmar_scope sc;

	FOR_EACH_STRUCT (l, off, s) {
		if (s.type != IOG_DMAR_DRHD || s.segment != segment)
			continue;
		if (s.flags & IOG_DRHD_INCLUDE_PCI_ALL)
			return 1;
		FOR_EACH_SCOPE (l, s, so, sc) {
			if (!is_pci_scope(sc.type) || sc.bus != dev->bus || !sc.path_len ||
			    sc.path_len > dev->path_len)
				continue;
			/* The same device, or one below a listed bridge. */
			if (iog_memcmp(sc.path, dev->path, 2u * sc.path_len) == 0 &&
			    (sc.path_len == dev->path_len || sc.type == IOG_SCOPE_PCI_SUBHIERARCHY))
				return 1;
		}
	}
	return 0;
}

static void lint_rmrr(struct dmar_lint *l, const struct iog_dmar_struct *s)
{
	struct iog_dmar_struct o;
	struct iog_dmar_scope sc;

	if (s->limit < s->base) {
		emit(l, "DMAR-RMRR-INVERTED", IOG_SEV_ERROR, s->offset + 16,
		     "RMRR limit is below its base", "base", s->base, "limit", s->limit);
		return;
	}
	if ((s->base & PAGE_MASK) || ((s->limit + 1) & PAGE_MASK))
		emit(l, "DMAR-RMRR-UNALIGNED", IOG_SEV_WARNING, s->offset + 8,
		     "RMRR base or end+1 is not 4 KiB aligned", "base", s->base, "limit", s->limit);
	if (s->limit > width_limit(l))
		emit(l, "DMAR-RMRR-WIDTH", IOG_SEV_WARNING, s->offset + 16,
		     "RMRR reaches beyond the host address width", "base", s->base, "limit",
		     s->limit);
	if (!count_scopes(l, s, 0))
		emit(l, "DMAR-RMRR-NO-SCOPE", IOG_SEV_WARNING, s->offset, "RMRR names no device",
		     "base", s->base, "limit", s->limit);
	FOR_EACH_STRUCT (l, off, o) {
		if (o.type != IOG_DMAR_RMRR || o.offset >= s->offset || o.segment != s->segment ||
		    o.limit < o.base)
			continue;
		/* Firmware repeats one region for several devices; only partial overlaps are odd.
		 */
		if (o.base <= s->limit && s->base <= o.limit &&
		    !(o.base == s->base && o.limit == s->limit))
			emit(l, "DMAR-RMRR-OVERLAP", IOG_SEV_WARNING, s->offset + 8,
			     "RMRR partly overlaps an earlier one", "base", s->base,
			     "earlier RMRR at", o.offset);
	}
	FOR_EACH_SCOPE (l, *s, so, sc)
		if (is_pci_scope(sc.type) && sc.path_len && !device_covered(l, s->segment, &sc))
			emit(l, "DMAR-RMRR-UNCOVERED", IOG_SEV_WARNING, sc.offset,
			     "RMRR names a device no DRHD covers", "bus", sc.bus, NULL, 0);
}

static void lint_rhsa(struct dmar_lint *l, const struct iog_dmar_struct *s)
{
	struct iog_dmar_struct o;

	FOR_EACH_STRUCT (l, off, o)
		if (o.type == IOG_DMAR_DRHD && o.address == s->address)
			return;
	emit(l, "DMAR-RHSA-NO-DRHD", IOG_SEV_WARNING, s->offset + 8,
	     "RHSA names a register base no DRHD has", "base", s->address, NULL, 0);
}

static void lint_andd(struct dmar_lint *l, const struct iog_dmar_struct *s)
{
	if (!s->name_terminated)
		emit(l, "DMAR-ANDD-NAME", IOG_SEV_ERROR, s->offset + 8,
		     "ANDD object name is not NUL-terminated", NULL, 0, NULL, 0);
	else if (!s->name_len)
		emit(l, "DMAR-ANDD-NAME", IOG_SEV_ERROR, s->offset + 8, "ANDD object name is empty",
		     NULL, 0, NULL, 0);
}

/* Every ACPI namespace device scope must name an ANDD's device number. */
static void lint_namespace_scopes(struct dmar_lint *l, const struct iog_dmar_struct *s)
{
	struct iog_dmar_scope sc;
	struct iog_dmar_struct o;

	FOR_EACH_SCOPE (l, *s, so, sc) {
		int found = 0;

		if (sc.type != IOG_SCOPE_ACPI_NAMESPACE)
			continue;
		FOR_EACH_STRUCT (l, off, o)
			found |= o.type == IOG_DMAR_ANDD && o.device_number == sc.enumeration_id;
		if (!found)
			emit(l, "DMAR-SCOPE-ANDD-MISSING", IOG_SEV_WARNING, sc.offset + 4,
			     "ACPI namespace device scope names no ANDD", "ANDD number",
			     sc.enumeration_id, NULL, 0);
	}
}

/*
 * IOAPIC and HPET scopes are told apart by enumeration id (the IOAPIC id, the
 * HPET number): Linux keeps only the first scope of an id, so a second one
 * with another source-id leaves that device's interrupts unremappable.
 */
static void lint_enumeration_ids(struct dmar_lint *l, const struct iog_dmar_struct *s,
				 unsigned *ioapics)
{
	struct iog_dmar_struct o;
	struct iog_dmar_scope sc, oc;

	FOR_EACH_SCOPE (l, *s, so, sc) {
		uint64_t earlier = 0;

		if (sc.type != IOG_SCOPE_IOAPIC && sc.type != IOG_SCOPE_HPET)
			continue;
		*ioapics += sc.type == IOG_SCOPE_IOAPIC;
		FOR_EACH_STRUCT (l, off, o) {
			if (o.type != IOG_DMAR_DRHD || o.offset > s->offset || earlier)
				continue;
			FOR_EACH_SCOPE (l, o, oso, oc) {
				if (oc.offset >= sc.offset)
					break;
				if (oc.type == sc.type && oc.enumeration_id == sc.enumeration_id &&
				    (oc.bus != sc.bus || oc.path_len != sc.path_len ||
				     iog_memcmp(oc.path, sc.path, 2u * sc.path_len) != 0)) {
					earlier = oc.offset;
					break;
				}
			}
		}
		if (earlier)
			emit(l, "DMAR-SCOPE-ENUM-DUPLICATE", IOG_SEV_WARNING, sc.offset + 4,
			     sc.type == IOG_SCOPE_HPET
				     ? "another HPET already has this enumeration id"
				     : "another IOAPIC already has this enumeration id",
			     "enumeration id", sc.enumeration_id, "earlier scope at", earlier);
	}
}

int iog_lint_dmar(const void *tbl, size_t len, iog_finding_fn fn, void *ctx)
{
	struct dmar_lint l = {.tbl = tbl, .len = len, .sink = {fn, ctx, 0}};
	struct iog_dmar_info info;
	struct iog_dmar_struct s;
	struct iog_diag d = {0};
	unsigned drhds = 0, ioapics = 0;
	int err, seg_seen = 0, multi_seg = 0;
	uint16_t seg0 = 0;

	if (!tbl)
		return IOG_EINVAL;
	err = iog_dmar_check(tbl, len, &info, &d);
	if (err == IOG_ECHECKSUM)
		emit(&l, "DMAR-CHECKSUM", IOG_SEV_ERROR, 9, "table checksum is wrong", NULL, 0,
		     NULL, 0);
	else if (err)
		emit(&l, "DMAR-MALFORMED", IOG_SEV_ERROR, d.offset, d.reason, NULL, 0, NULL, 0);
	if (iog_dmar_extent(tbl, len, NULL) < 0)
		return l.sink.count;
	l.width = info.width;

	/* FIRMWARE-BUGS 4: Linux and BitVisor refuse widths under 12 bits. */
	if (info.width < 11 || info.width > 63)
		emit(&l, "DMAR-WIDTH", IOG_SEV_ERROR, 36, "host address width is out of range",
		     "address bits", info.width + 1u, NULL, 0);
	if (info.flags & ~7u)
		emit(&l, "DMAR-FLAGS-RESERVED", IOG_SEV_WARNING, 37, "reserved DMAR flags are set",
		     "flags", info.flags, NULL, 0);
	if (info.flags & IOG_DMAR_DMA_CTRL_PLATFORM_OPT_IN)
		emit(&l, "DMAR-PLATFORM-OPT-IN", IOG_SEV_INFO, 37,
		     "DMA_CTRL_PLATFORM_OPT_IN: firmware asks the OS to keep DMA protection on",
		     NULL, 0, NULL, 0);
	/*
	 * VT-d 8.1: firmware may ask system software not to enable x2APIC mode
	 * (its own SMM or ACPI code may know xAPIC only); the request is valid
	 * only together with INTR_REMAP. Concealing the DMAR takes it from the
	 * guest along with interrupt remapping.
	 */
	if (info.flags & IOG_DMAR_X2APIC_OPT_OUT)
		emit(&l, "DMAR-X2APIC-OPT-OUT", IOG_SEV_INFO, 37,
		     (info.flags & IOG_DMAR_INTR_REMAP)
			     ? "X2APIC_OPT_OUT: firmware asks the OS not to enable x2APIC mode; a "
			       "guest that cannot see a concealed DMAR cannot honour the request"
			     : "X2APIC_OPT_OUT is set without INTR_REMAP, where the specification "
			       "gives it no meaning",
		     "flags", info.flags, NULL, 0);

	FOR_EACH_STRUCT (&l, off, s) {
		if (!s.known) {
			emit(&l, "DMAR-UNKNOWN-TYPE", IOG_SEV_INFO, s.offset,
			     "structure type is unknown and skipped", "type", s.type, NULL, 0);
			continue;
		}
		if (s.type != IOG_DMAR_RHSA && s.type != IOG_DMAR_ANDD) {
			if (!seg_seen)
				seg0 = s.segment;
			else if (s.segment != seg0)
				multi_seg = 1;
			seg_seen = 1;
		}
		lint_scopes(&l, &s);
		lint_namespace_scopes(&l, &s);
		switch (s.type) {
		case IOG_DMAR_DRHD:
			drhds++;
			lint_drhd(&l, &s);
			lint_enumeration_ids(&l, &s, &ioapics);
			break;
		case IOG_DMAR_RMRR: lint_rmrr(&l, &s); break;
		case IOG_DMAR_RHSA: lint_rhsa(&l, &s); break;
		case IOG_DMAR_ANDD: lint_andd(&l, &s); break;
		case IOG_DMAR_ATSR:
			if (!(s.flags & IOG_ATSR_ALL_PORTS) && !count_scopes(&l, &s, 0))
				emit(&l, "DMAR-ATSR-EMPTY", IOG_SEV_WARNING, s.offset,
				     "ATSR without ALL_PORTS lists no root port", NULL, 0, NULL, 0);
			break;
		}
	}
	/* What is missing from a table cut short may only be in its lost part. */
	if (err && err != IOG_ECHECKSUM)
		return l.sink.count;
	if (!drhds)
		emit(&l, "DMAR-NO-DRHD", IOG_SEV_ERROR, IOG_DMAR_HEADER_LEN,
		     "no DMA remapping hardware unit is defined", NULL, 0, NULL, 0);
	/* Without an IOAPIC under some unit, interrupt remapping cannot be turned on safely. */
	if (drhds && !ioapics && (info.flags & IOG_DMAR_INTR_REMAP))
		emit(&l, "DMAR-INTR-REMAP-NO-IOAPIC", IOG_SEV_WARNING, 37,
		     "INTR_REMAP is set but no DRHD lists an IOAPIC", NULL, 0, NULL, 0);
	if (multi_seg)
		emit(&l, "DMAR-MULTI-SEGMENT", IOG_SEV_INFO, IOG_DMAR_HEADER_LEN,
		     "units in more than one PCI segment", NULL, 0, NULL, 0);
	return l.sink.count;
}
