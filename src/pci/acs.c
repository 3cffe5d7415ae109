/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ACS on the path above a granted device: find the bridges from the root
 * bus down to the device's bus, then turn on what each port offers of
 * Source Validation, P2P Request and Completion Redirect and Upstream
 * Forwarding (PCIe 6.12, 7.7.8).
 */
#include <ioguard/pci.h>

#include "util/bytes.h"

#define DEVICES 32u
#define FUNCTIONS 8u
#define ACS_ALLOWED                                                                                \
	(IOG_PCI_ACS_SV | IOG_PCI_ACS_TB | IOG_PCI_ACS_RR | IOG_PCI_ACS_CR | IOG_PCI_ACS_UF)
#define ACS_REDIRECT (IOG_PCI_ACS_RR | IOG_PCI_ACS_CR)

static uint8_t cfg8(const struct iog_pci_config *c, uint16_t seg, uint8_t bus, uint8_t devfn,
		    uint16_t off)
{
	return c->read8(c->ctx, seg, bus, devfn, off);
}

static uint16_t cfg16(const struct iog_pci_config *c, uint16_t seg, uint8_t bus, uint8_t devfn,
		      uint16_t off)
{
	return c->read16(c->ctx, seg, bus, devfn, off);
}

static int present(const struct iog_pci_config *c, uint16_t seg, uint8_t bus, uint8_t devfn)
{
	return cfg16(c, seg, bus, devfn, IOG_PCI_VENDOR_ID) != 0xffffu;
}

/*
 * The bridge on `bus` whose range holds `target`: 1 and *out filled, 0 when
 * there is none, IOG_ECONFLICT when two claim it.
 */
static int bridge_on_bus(const struct iog_pci_config *c, uint16_t seg, uint8_t bus, uint8_t target,
			 struct iog_pci_bridge *out, struct iog_pci_acs_report *r)
{
	int found = 0;

	for (unsigned dev = 0; dev < DEVICES; dev++) {
		uint8_t header0, functions;

		if (!present(c, seg, bus, IOG_PCI_DEVFN(dev, 0)))
			continue;
		header0 = cfg8(c, seg, bus, IOG_PCI_DEVFN(dev, 0), IOG_PCI_HEADER_TYPE);
		/* A single-function device may answer at every function number: only 0 counts. */
		functions = (header0 & IOG_PCI_HEADER_MULTI_FUNCTION) ? FUNCTIONS : 1;
		for (unsigned fn = 0; fn < functions; fn++) {
			uint8_t devfn = IOG_PCI_DEVFN(dev, fn), sec, sub;

			if (fn && !present(c, seg, bus, devfn))
				continue;
			if ((cfg8(c, seg, bus, devfn, IOG_PCI_HEADER_TYPE) &
			     IOG_PCI_HEADER_LAYOUT) != IOG_PCI_HEADER_BRIDGE)
				continue;
			sec = cfg8(c, seg, bus, devfn, IOG_PCI_SECONDARY_BUS);
			sub = cfg8(c, seg, bus, devfn, IOG_PCI_SUBORDINATE_BUS);
			/* Unconfigured or looping numbers: following them could walk back up. */
			if (sec == 0 || sec <= bus || sub < sec) {
				r->skipped++;
				continue;
			}
			if (target < sec || target > sub)
				continue;
			if (found)
				return IOG_ECONFLICT;
			found = 1;
			*out = (struct iog_pci_bridge){
				.bus = bus,
				.devfn = devfn,
				.secondary = sec,
				.subordinate = sub,
				.port_type = IOG_PCIE_TYPE_NONE,
				.flags = (header0 & IOG_PCI_HEADER_MULTI_FUNCTION)
						 ? IOG_PCI_BRIDGE_MULTI_FUNCTION
						 : 0,
			};
		}
	}
	return found;
}

/* Records the bridges from root_bus down to `bus`, nearest the root first. */
static int find_path(const struct iog_pci_config *c, uint16_t seg, uint8_t root_bus, uint8_t bus,
		     struct iog_pci_acs_report *r, struct iog_diag *d)
{
	uint8_t cur = root_bus;

	/* Each step goes to a secondary bus above the current one: at most 255 steps. */
	while (cur != bus) {
		struct iog_pci_bridge b;
		int got = bridge_on_bus(c, seg, cur, bus, &b, r);

		if (got == IOG_ECONFLICT)
			return iog_fail(d, got, cur,
					"two bridges on this bus claim the device's bus");
		if (!got)
			return iog_fail(d, IOG_ENOTFOUND, cur,
					"no bridge on this bus leads to the device's bus");
		if (r->bridges == IOG_PCI_MAX_PATH)
			return iog_fail(d, IOG_ENOSPC, cur,
					"more bridges above the device than fit");
		r->bridge[r->bridges++] = b;
		cur = b.secondary;
	}
	return IOG_OK;
}

/* Which port this is, from its PCI Express Capability (none: conventional PCI). */
static void classify(const struct iog_pci_config *c, uint16_t seg, struct iog_pci_bridge *b)
{
	long exp = iog_pci_find_capability(c, seg, b->bus, b->devfn, IOG_PCI_CAP_ID_EXP, NULL);

	if (exp == IOG_EBADVAL) {
		/* Unknown: assume a port that should isolate, and say why it cannot be checked. */
		b->flags |= IOG_PCI_BRIDGE_CAP_LIST_BAD | IOG_PCI_BRIDGE_NEEDS_ACS;
		return;
	}
	if (exp > 0)
		b->port_type = (uint8_t)((cfg16(c, seg, b->bus, b->devfn,
						(uint16_t)(exp + IOG_PCI_EXP_CAPABILITIES)) &
					  IOG_PCI_EXP_PORT_TYPE_MASK) >>
					 IOG_PCI_EXP_PORT_TYPE_SHIFT);
	switch (b->port_type) {
	case IOG_PCIE_TYPE_NONE:
	case IOG_PCIE_TYPE_PCIE_TO_PCI:
	case IOG_PCIE_TYPE_PCI_TO_PCIE:
		/* Requests crossing conventional PCI carry the bridge's id: nothing to isolate. */
		b->flags |= IOG_PCI_BRIDGE_CONVENTIONAL;
		break;
	case IOG_PCIE_TYPE_UPSTREAM:
		/* PCIe 6.12.1.2: an upstream port has ACS only for peers among its functions. */
		if (b->flags & IOG_PCI_BRIDGE_MULTI_FUNCTION)
			b->flags |= IOG_PCI_BRIDGE_NEEDS_ACS;
		break;
	default:
		/* Root and downstream ports, and bridges claiming some other type. */
		b->flags |= IOG_PCI_BRIDGE_NEEDS_ACS;
		break;
	}
}

/* What this port must have on to isolate the device below it (PCIe 6.12.1). */
static uint16_t required(const struct iog_pci_bridge *b)
{
	switch (b->port_type) {
	case IOG_PCIE_TYPE_DOWNSTREAM: return IOG_PCI_ACS_SV | ACS_REDIRECT;
	case IOG_PCIE_TYPE_UPSTREAM: return b->acs_capability & ACS_REDIRECT;
	}
	return IOG_PCI_ACS_SV | (b->acs_capability & ACS_REDIRECT);
}

/* Finds the bridge's ACS capability and sets what `want` asks of it and it offers. */
static void acs_apply(const struct iog_pci_config *c, uint16_t seg, struct iog_pci_bridge *b,
		      uint16_t want)
{
	long acs;
	uint16_t on;

	acs = iog_pci_find_ext_capability(c, seg, b->bus, b->devfn, IOG_PCI_EXT_CAP_ID_ACS, NULL);
	if (acs == IOG_EBADVAL)
		b->flags |= IOG_PCI_BRIDGE_CAP_LIST_BAD;
	if (acs <= 0)
		return;
	b->acs = (uint16_t)acs;
	b->acs_capability =
		cfg16(c, seg, b->bus, b->devfn, (uint16_t)(acs + IOG_PCI_ACS_CAPABILITY));
	b->acs_before = cfg16(c, seg, b->bus, b->devfn, (uint16_t)(acs + IOG_PCI_ACS_CONTROL));
	on = (uint16_t)(b->acs_before | (want & b->acs_capability));
	if (on != b->acs_before)
		c->write16(c->ctx, seg, b->bus, b->devfn, (uint16_t)(acs + IOG_PCI_ACS_CONTROL),
			   on);
	/* Read back: a bit that did not stick is not on. */
	b->acs_control = cfg16(c, seg, b->bus, b->devfn, (uint16_t)(acs + IOG_PCI_ACS_CONTROL));
}

int iog_pci_acs_enable(const struct iog_pci_config *c, uint16_t segment, uint8_t root_bus,
		       uint8_t bus, uint8_t devfn, uint16_t want, struct iog_pci_acs_report *r,
		       struct iog_diag *d)
{
	unsigned unreadable = 0;
	int err;

	if (!r)
		return iog_fail(d, IOG_EINVAL, bus, "no report");
	iog_memset(r, 0, sizeof(*r));
	if (!c || !c->read8 || !c->read16 || !c->read32 || !c->write16)
		return iog_fail(d, IOG_EINVAL, bus, "no configuration access");
	if (want & ~ACS_ALLOWED)
		return iog_fail(d, IOG_EINVAL, bus, "only SV, TB, RR, CR and UF can be asked for");
	if (bus < root_bus)
		return iog_fail(d, IOG_EINVAL, bus, "the device's bus is below the root bus");
	if (!present(c, segment, bus, devfn))
		return iog_fail(d, IOG_ENOTFOUND, bus,
				"no function answers at the device's address");
	err = find_path(c, segment, root_bus, bus, r, d);
	if (err)
		return err;

	for (unsigned i = 0; i < r->bridges; i++) {
		struct iog_pci_bridge *b = &r->bridge[i];

		classify(c, segment, b);
		/* Conventional PCI has no extended configuration space to look in. */
		if (!(b->flags & IOG_PCI_BRIDGE_CONVENTIONAL))
			acs_apply(c, segment, b, want);
		unreadable += (b->flags & IOG_PCI_BRIDGE_CAP_LIST_BAD) != 0;
		r->enabled |= b->acs_control & (uint16_t)~b->acs_before;
		r->with_acs += b->acs != 0;
		r->conventional += (b->flags & IOG_PCI_BRIDGE_CONVENTIONAL) != 0;
		if (!(b->flags & IOG_PCI_BRIDGE_NEEDS_ACS))
			continue;
		r->needs_acs++;
		if (!b->acs) {
			r->without_acs++;
			continue;
		}
		b->acs_missing = required(b) & (uint16_t)~b->acs_control;
		r->missing |= b->acs_missing;
	}
	/* A port whose capabilities could not all be read is not vouched for. */
	r->isolated =
		r->needs_acs && !r->without_acs && !r->conventional && !r->missing && !unreadable;
	return IOG_OK;
}
