/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * PCI configuration space, reached through the caller, and PCI Express
 * Access Control Services (ACS) on the bridges above a device the VMM
 * drives.
 *
 * A grant lets one device reach a buffer in VMM memory. The IOMMU tells
 * devices apart by requester id, and sees only the requests that travel up
 * to it: a peer below the same switch could send requests with the granted
 * device's id, and requests from one device to another could be routed
 * between them without passing the IOMMU. ACS on the ports above the
 * device stops both: Source Validation checks requester ids at each port,
 * P2P Request and Completion Redirect send peer-to-peer traffic upstream,
 * Upstream Forwarding lets the port forward it further up.
 *
 * Configuration space and capability lists are untrusted input too: every
 * list walk is bounded, every bus walk moves strictly downwards.
 */
#ifndef IOGUARD_PCI_H
#define IOGUARD_PCI_H

#include <stddef.h>
#include <stdint.h>

#include <ioguard/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Configuration space of one function: 4 KiB with PCI Express extended
 * configuration (ECAM), 256 bytes without. Reads of a function that is not
 * there, or of an offset the caller cannot reach (0x100 and above without
 * ECAM), must return all-ones, as hardware does.
 */
struct iog_pci_config {
	void *ctx;
	uint8_t (*read8)(void *ctx, uint16_t segment, uint8_t bus, uint8_t devfn, uint16_t offset);
	uint16_t (*read16)(void *ctx, uint16_t segment, uint8_t bus, uint8_t devfn,
			   uint16_t offset);
	uint32_t (*read32)(void *ctx, uint16_t segment, uint8_t bus, uint8_t devfn,
			   uint16_t offset);
	void (*write16)(void *ctx, uint16_t segment, uint8_t bus, uint8_t devfn, uint16_t offset,
			uint16_t value);
};

#define IOG_PCI_CONFIG_SIZE 4096u
#define IOG_PCI_DEVFN(dev, fn) ((uint8_t)(((dev) << 3) | (fn)))

/* The configuration header (PCI Local Bus 3.0, 6.1; PCIe 7.5.1). */
#define IOG_PCI_VENDOR_ID 0x00u
#define IOG_PCI_STATUS 0x06u
#define IOG_PCI_STATUS_CAP_LIST (1u << 4) /* Capabilities List */
#define IOG_PCI_HEADER_TYPE 0x0eu
#define IOG_PCI_HEADER_LAYOUT 0x7fu	    /* Header Layout */
#define IOG_PCI_HEADER_BRIDGE 0x01u	    /* type 1: PCI-PCI bridge */
#define IOG_PCI_HEADER_MULTI_FUNCTION 0x80u /* Multi-Function Device */
#define IOG_PCI_CAPABILITIES_POINTER 0x34u
#define IOG_PCI_SECONDARY_BUS 0x19u   /* type 1 */
#define IOG_PCI_SUBORDINATE_BUS 0x1au /* type 1 */

/* The capability list in the first 256 bytes (PCI Local Bus 3.0, 6.7). */
#define IOG_PCI_CAP_ID_EXP 0x10u       /* PCI Express Capability */
#define IOG_PCI_EXP_CAPABILITIES 0x02u /* PCI Express Capabilities Register */
#define IOG_PCI_EXP_PORT_TYPE_SHIFT 4
#define IOG_PCI_EXP_PORT_TYPE_MASK 0x00f0u /* Device/Port Type */

/* Device/Port Type values (PCIe 7.5.3.2). */
#define IOG_PCIE_TYPE_ENDPOINT 0x0u
#define IOG_PCIE_TYPE_ROOT_PORT 0x4u
#define IOG_PCIE_TYPE_UPSTREAM 0x5u    /* Upstream Port of a Switch */
#define IOG_PCIE_TYPE_DOWNSTREAM 0x6u  /* Downstream Port of a Switch */
#define IOG_PCIE_TYPE_PCIE_TO_PCI 0x7u /* PCI Express to PCI/PCI-X Bridge */
#define IOG_PCIE_TYPE_PCI_TO_PCIE 0x8u /* PCI/PCI-X to PCI Express Bridge */
#define IOG_PCIE_TYPE_NONE 0xffu       /* no PCI Express Capability: conventional PCI */

/* The extended capability list from 0x100 (PCIe 7.6.3). */
#define IOG_PCI_EXT_CAP_START 0x100u
#define IOG_PCI_EXT_CAP_ID_ACS 0x000du /* Access Control Services */

/* The ACS Extended Capability (PCIe 7.7.8). */
#define IOG_PCI_ACS_CAPABILITY 0x04u /* ACS Capability Register, 16 bits */
#define IOG_PCI_ACS_CONTROL 0x06u    /* ACS Control Register, 16 bits */
/* Each feature has the same bit in both registers. */
#define IOG_PCI_ACS_SV (1u << 0) /* ACS Source Validation */
#define IOG_PCI_ACS_TB (1u << 1) /* ACS Translation Blocking */
#define IOG_PCI_ACS_RR (1u << 2) /* ACS P2P Request Redirect */
#define IOG_PCI_ACS_CR (1u << 3) /* ACS P2P Completion Redirect */
#define IOG_PCI_ACS_UF (1u << 4) /* ACS Upstream Forwarding */
#define IOG_PCI_ACS_EC (1u << 5) /* ACS P2P Egress Control */
#define IOG_PCI_ACS_DT (1u << 6) /* ACS Direct Translated P2P */
/* What a grant asks of every port above its device. */
#define IOG_PCI_ACS_GRANT (IOG_PCI_ACS_SV | IOG_PCI_ACS_RR | IOG_PCI_ACS_CR | IOG_PCI_ACS_UF)

/*
 * The offset of capability `id` in the list from 0x34 (0x40-0xfc), or
 * IOG_ENOTFOUND when the function is absent or has none, or IOG_EBADVAL
 * when the list is broken (a pointer into the header, a function that reads
 * all-ones in mid-walk, more entries than fit: a loop); d->offset is then
 * the offset of the pointer at fault.
 */
long iog_pci_find_capability(const struct iog_pci_config *c, uint16_t segment, uint8_t bus,
			     uint8_t devfn, uint8_t id, struct iog_diag *d);

/*
 * The same for extended capability `id`, from 0x100: IOG_ENOTFOUND when
 * the function has no extended capabilities (0 or all-ones at 0x100) or the
 * list ends without `id`, IOG_EBADVAL when a next pointer is below 0x100 or
 * the list holds more entries than 4 KiB can ((4096 - 256) / 4: a loop);
 * d->offset is then the offset of the header at fault. The two low bits of a next pointer are
 * masked, as the specification reserves them for future use.
 */
long iog_pci_find_ext_capability(const struct iog_pci_config *c, uint16_t segment, uint8_t bus,
				 uint8_t devfn, uint16_t id, struct iog_diag *d);

/* The deepest bridge path iog_pci_acs_enable records; a deeper one is refused. */
#define IOG_PCI_MAX_PATH 32u

/* iog_pci_bridge.flags */
#define IOG_PCI_BRIDGE_NEEDS_ACS (1u << 0)	/* a port whose ACS isolation depends on */
#define IOG_PCI_BRIDGE_CONVENTIONAL (1u << 1)	/* PCI or PCI-X on one side: ids alias */
#define IOG_PCI_BRIDGE_MULTI_FUNCTION (1u << 2) /* one function of several */
#define IOG_PCI_BRIDGE_CAP_LIST_BAD (1u << 3)	/* a capability list could not be walked */

/* One bridge above the device, as found and as left. */
struct iog_pci_bridge {
	uint8_t bus, devfn;
	uint8_t secondary, subordinate;
	uint8_t port_type;	 /* IOG_PCIE_TYPE_* */
	uint8_t flags;		 /* IOG_PCI_BRIDGE_* */
	uint16_t acs;		 /* offset of its ACS capability, 0 when it has none */
	uint16_t acs_capability; /* ACS Capability Register */
	uint16_t acs_before;	 /* ACS Control Register as found */
	uint16_t acs_control;	 /* ACS Control Register read back after the call */
	uint16_t acs_missing;	 /* of SV, RR, CR: what this port needs and has not on */
};

struct iog_pci_acs_report {
	unsigned bridges;      /* bridges above the device; bridge[0] is nearest the root */
	unsigned needs_acs;    /* of those, ports isolation depends on */
	unsigned with_acs;     /* bridges with an ACS capability */
	unsigned without_acs;  /* ports that need ACS and have none (or an unreadable list) */
	unsigned conventional; /* conventional PCI bridges: the device's requester id is not
				  its own below them */
	unsigned skipped;      /* bridges on the buses walked that were not followed */
	uint16_t enabled;      /* ACS Control bits this call turned on, on any bridge */
	uint16_t missing;      /* of SV, RR, CR: what some port needs and has not on */
	int isolated;	       /* every port on the path validates and redirects: see below */
	struct iog_pci_bridge bridge[IOG_PCI_MAX_PATH];
};

/*
 * Finds every PCI-PCI bridge above segment:bus:devfn, walking down from
 * `root_bus` (0, or the root bus of a host bridge): on each bus, the bridge
 * whose secondary..subordinate range holds `bus`. A bridge whose secondary
 * bus is 0, not above its own bus or above its subordinate bus is not
 * followed (firmware leaves such bridges) but counted in `skipped`; two
 * bridges on one bus that both claim `bus` are a conflict.
 *
 * Then, on every bridge on the path with an ACS capability, sets the bits of
 * `want` (IOG_PCI_ACS_GRANT, or 0 to only look; SV, TB, RR, CR and UF are
 * allowed) that its ACS Capability Register reports, and reads the control
 * register back. A root port or switch downstream port needs ACS: Source
 * Validation on, and RR and CR on where the port implements them (a switch
 * downstream port must implement both, PCIe 6.12.1.1; a root port that does
 * not forwards no peer-to-peer requests). So does a switch upstream port
 * that is one function of several, for RR and CR between its functions. A
 * bridge to or from conventional PCI can give no isolation below it.
 * `isolated` is 1 when at least one port needs ACS, every such port has it
 * with nothing missing, no conventional bridge is on the path and every
 * capability list on it could be read. ACS of the device itself (between the functions of a
 * multi-function device) is not looked at.
 *
 * Returns 0, or a negative error with d->offset the bus number the walk
 * stopped at: IOG_EINVAL for bad arguments or `bus` below `root_bus`,
 * IOG_ENOTFOUND when no function answers at bus:devfn or no bridge leads to
 * its bus, IOG_ECONFLICT for two bridges claiming it, IOG_ENOSPC for a path
 * deeper than IOG_PCI_MAX_PATH. Nothing is written before the whole path is
 * known; the report then holds the path found so far.
 */
int iog_pci_acs_enable(const struct iog_pci_config *c, uint16_t segment, uint8_t root_bus,
		       uint8_t bus, uint8_t devfn, uint16_t want, struct iog_pci_acs_report *r,
		       struct iog_diag *d);

#ifdef __cplusplus
}
#endif

#endif
