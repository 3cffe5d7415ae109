/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Capability lists in configuration space. Both lists are linked by
 * pointers a device (or a device model, or a hostile device) chooses: each
 * walk is bounded by the number of entries that fit, so a loop ends.
 */
#include <ioguard/pci.h>

#include "util/bytes.h"

/* Capabilities live at 0x40-0xff, 4-byte aligned: at most this many. */
#define CAP_START 0x40u
#define CAP_MAX ((256u - CAP_START) / 4u)
/* Extended capabilities: 0x100-0xfff, 4-byte aligned headers. */
#define EXT_CAP_MAX ((IOG_PCI_CONFIG_SIZE - IOG_PCI_EXT_CAP_START) / 4u)

/* Extended Capability Header fields (PCIe 7.6.3). */
#define EXT_CAP_ID(h) ((h)&0xffffu)
/* The two low bits of Next Capability Offset are reserved: software masks them. */
#define EXT_CAP_NEXT(h) (((h) >> 20) & 0xffcu)

long iog_pci_find_capability(const struct iog_pci_config *c, uint16_t segment, uint8_t bus,
			     uint8_t devfn, uint8_t id, struct iog_diag *d)
{
	uint16_t at = IOG_PCI_CAPABILITIES_POINTER;
	uint8_t ptr;

	if (!c || !c->read8 || !c->read16)
		return iog_fail(d, IOG_EINVAL, 0, "no configuration access");
	if (c->read16(c->ctx, segment, bus, devfn, IOG_PCI_VENDOR_ID) == 0xffffu ||
	    !(c->read16(c->ctx, segment, bus, devfn, IOG_PCI_STATUS) & IOG_PCI_STATUS_CAP_LIST))
		return IOG_ENOTFOUND;
	/* The two low bits of every pointer are reserved (PCI Local Bus 3.0, 6.7). */
	ptr = c->read8(c->ctx, segment, bus, devfn, at) & 0xfcu;
	for (unsigned n = 0; n < CAP_MAX; n++) {
		uint8_t cap_id;

		if (!ptr)
			return IOG_ENOTFOUND;
		if (ptr < CAP_START)
			return iog_fail(d, IOG_EBADVAL, at,
					"capability pointer points into the header");
		cap_id = c->read8(c->ctx, segment, bus, devfn, ptr);
		if (cap_id == 0xff &&
		    c->read16(c->ctx, segment, bus, devfn, IOG_PCI_VENDOR_ID) == 0xffffu)
			return iog_fail(d, IOG_EBADVAL, ptr,
					"function reads all-ones during the capability walk");
		if (cap_id == id)
			return ptr;
		at = (uint16_t)(ptr + 1u);
		ptr = c->read8(c->ctx, segment, bus, devfn, at) & 0xfcu;
	}
	return iog_fail(d, IOG_EBADVAL, at, "capability list does not end: a loop");
}

long iog_pci_find_ext_capability(const struct iog_pci_config *c, uint16_t segment, uint8_t bus,
				 uint8_t devfn, uint16_t id, struct iog_diag *d)
{
	uint16_t off = IOG_PCI_EXT_CAP_START;

	if (!c || !c->read32)
		return iog_fail(d, IOG_EINVAL, 0, "no configuration access");
	for (unsigned n = 0; n < EXT_CAP_MAX; n++) {
		uint32_t h = c->read32(c->ctx, segment, bus, devfn, off);

		/* No extended space (conventional PCI, no ECAM) or an empty list. */
		if (n == 0 && (h == 0 || h == 0xffffffffu))
			return IOG_ENOTFOUND;
		if (h == 0xffffffffu)
			return iog_fail(d, IOG_EBADVAL, off,
					"extended capability reads all-ones in mid-list");
		if (EXT_CAP_ID(h) == id)
			return off;
		if (!EXT_CAP_NEXT(h))
			return IOG_ENOTFOUND;
		if (EXT_CAP_NEXT(h) < IOG_PCI_EXT_CAP_START)
			return iog_fail(d, IOG_EBADVAL, off,
					"extended capability points below 0x100");
		off = (uint16_t)EXT_CAP_NEXT(h);
	}
	return iog_fail(d, IOG_EBADVAL, off, "extended capability list does not end: a loop");
}
