/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ioguard explain [ID...] | --man
 *
 * One table says, for every lint id, what it means, what breaks on a machine
 * whose firmware has it (what Linux does with such a table: its DMAR code in
 * drivers/iommu/intel/, its IVRS code in drivers/iommu/amd/init.c), and what
 * to do about it. `ioguard explain` prints it; `ioguard explain --man`
 * prints the LINT FINDINGS section of ioguard(1), which `make docs-check`
 * compares with docs/ioguard.1 so that the two never drift apart.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "explain.h"

#define EXIT_UNUSABLE 2
#define WIDTH 78

struct explanation {
	const char *id;
	const char *severity; /* as the lint reports it: error, warning, info */
	const char *summary;
	const char *meaning;
	const char *effect; /* what breaks; what Linux does with it */
	const char *remedy;
};

static const struct explanation table[] = {
	/* DMAR */
	{"DMAR-CHECKSUM", "error", "the table's checksum is wrong",
	 "The bytes of the table do not sum to zero modulo 256 (ACPI 5.2.6): the table was changed "
	 "after its checksum was computed, damaged in memory or on its way into the file, or "
	 "firmware never fixed the sum.",
	 "Linux loads tables through ACPICA, which only warns (\"Incorrect checksum in table "
	 "[DMAR]\") and hands the table over anyway; the Intel IOMMU code does not check the sum. "
	 "So Linux uses the table as it is, and the damage, if there is any, is what the other "
	 "findings say. Loaders and hypervisors that insist on the checksum (ioguard's shield "
	 "among them) refuse the table.",
	 "Take a fresh copy (acpidump, or /sys/firmware/acpi/tables/DMAR as root): a copy that "
	 "differs was damaged on the way. If the firmware's own table is wrong and its structures "
	 "are sound, `ioguard edit --force IN -o OUT` writes it back with the checksum fixed; the "
	 "lasting fix is a firmware update."},
	{"DMAR-MALFORMED", "error", "a structure or device scope does not fit",
	 "A length field is impossible: a remapping structure or a device scope is shorter than "
	 "its type's minimum, runs past its container or the end of the table, or a scope leaves "
	 "half a path entry. The message and the offset say which. Nothing after that point can be "
	 "trusted.",
	 "Linux walks the structures by their length fields. A structure of length 0 ends the "
	 "walk quietly, so every unit and RMRR after it is ignored; one that runs past the end of "
	 "the table makes the parse fail (\"Record passes table end\") and the Intel IOMMU stays "
	 "off, DMA and interrupt remapping both. Scope lengths are taken as given.",
	 "Update the firmware. `ioguard edit` refuses a table that does not validate: there is no "
	 "safe guess at what the damaged bytes meant. Until then intel_iommu=off at least makes "
	 "the outcome deterministic."},
	{"DMAR-WIDTH", "error", "the host address width is out of range",
	 "Byte 36 holds the host address width minus one: the platform's physical address width. "
	 "A width below 12 bits (not even a page) or above 64 bits is impossible.",
	 "Linux rejects a width below 12 bits (\"Invalid DMAR haw\") and does not use the DMAR at "
	 "all: no DMA remapping, no interrupt remapping, and without interrupt remapping no "
	 "x2APIC where the CPUs need it. Linux does not check the upper bound; its page tables "
	 "follow each unit's own capability register.",
	 "Update the firmware. The right value is the CPU's physical address width "
	 "(CPUID 0x80000008, EAX bits 7:0) minus one."},
	{"DMAR-FLAGS-RESERVED", "warning", "reserved DMAR flags are set",
	 "VT-d 8.1 defines three DMAR flags: INTR_REMAP (bit 0), X2APIC_OPT_OUT (bit 1) and "
	 "DMA_CTRL_PLATFORM_OPT_IN (bit 2). Bits 3 to 7 are reserved and must be zero.",
	 "Linux reads only the defined bits and ignores the others. A later version of the "
	 "specification may give them a meaning this firmware did not intend.",
	 "Nothing is needed for today's Linux. `ioguard edit IN -o OUT --clear-flag reserved` "
	 "clears them."},
	{"DMAR-PLATFORM-OPT-IN", "info", "DMA_CTRL_PLATFORM_OPT_IN is set",
	 "Firmware protected memory from DMA during boot (pre-boot DMA protection; Windows calls "
	 "the result Kernel DMA Protection) and asks the operating system to keep the IOMMU on, "
	 "so that devices on external ports (Thunderbolt, USB4) never see unprotected memory. A "
	 "statement, not a bug.",
	 "Linux forces the Intel IOMMU on when the flag is set and some PCI port is marked "
	 "external-facing, even where it is off by default (then with identity mappings for all "
	 "but untrusted devices); only intel_iommu=off overrides it. The flag is also what Linux "
	 "reports as pre-boot protection (Thunderbolt's iommu_dma_protection attribute). A "
	 "hypervisor that conceals the DMAR takes the promise away from its guest, which then "
	 "reports no DMA protection for its external ports.",
	 "Nothing to fix. To stop Linux forcing the IOMMU on: intel_iommu=off. To hand a DMAR to "
	 "a guest without the promise: `ioguard edit IN -o OUT --clear-flag "
	 "dma-ctrl-platform-opt-in`."},
	{"DMAR-X2APIC-OPT-OUT", "info", "X2APIC_OPT_OUT is set",
	 "Firmware asks the operating system not to enable x2APIC mode, typically because its "
	 "own SMM or ACPI code handles xAPIC only. VT-d 8.1 gives the flag that meaning only "
	 "together with INTR_REMAP; the finding's message says which case it is.",
	 "Linux honours it when it sets up interrupt remapping (\"x2apic is disabled because "
	 "BIOS sets x2apic opt out bit\"): interrupts are remapped in xAPIC mode, 8-bit "
	 "destinations, so CPUs with APIC ids above 254 cannot be brought up. A hypervisor that "
	 "conceals the DMAR also conceals the request: the guest may enable x2APIC behind the "
	 "firmware's back (iog_x2apic_assess says what that costs).",
	 "If the firmware copes with x2APIC (a firmware update may say so), boot Linux with "
	 "intremap=no_x2apic_optout, or clear the flag: `ioguard edit IN -o OUT --clear-flag "
	 "x2apic-opt-out`."},
	{"DMAR-NO-DRHD", "error", "no DMA remapping hardware unit is defined",
	 "The DMAR lists no DRHD: it describes no IOMMU. Firmware often builds the table even "
	 "when VT-d is disabled in its setup.",
	 "Linux warns \"No DRHD structure found in DMAR table\", finds no DMAR devices and runs "
	 "without the Intel IOMMU: no DMA remapping, no interrupt remapping.",
	 "Enable VT-d in the firmware setup, or update the firmware. There is nothing to edit: "
	 "the unit's register base is only known to firmware."},
	{"DMAR-DRHD-BASE-ZERO", "error", "a DRHD's register base address is zero",
	 "A DRHD gives the physical address of its unit's registers; zero is never one.",
	 "Linux checks every DRHD before it uses the DMAR: a zero base makes it print \"Your "
	 "BIOS is broken; DMAR reported at address 0!\", taint the kernel "
	 "(TAINT_FIRMWARE_WORKAROUND) and give up on the whole DMAR: no DMA remapping and no "
	 "interrupt remapping for any unit.",
	 "Update the firmware. If the unit does not exist (a fused-off one firmware still lists), "
	 "dropping it lets Linux use the others: `ioguard edit IN -o OUT --drop drhd:N` (N counts "
	 "DRHDs from 0); the devices it listed then fall to the INCLUDE_PCI_ALL unit."},
	{"DMAR-DRHD-BASE-UNALIGNED", "error", "a DRHD's register base is not 4 KiB aligned",
	 "A unit's register set starts on a page boundary (VT-d 10.4).",
	 "Linux does not check the alignment: it maps the page at the address given and reads "
	 "the capability registers there, which are then not the unit's. If they read as all "
	 "ones it reports the BIOS bug and gives up on the DMAR; otherwise it drives whatever it "
	 "found.",
	 "Update the firmware; ioguard does not guess the right base."},
	{"DMAR-DRHD-BASE-WIDTH", "warning",
	 "a DRHD's register base lies beyond the host address width",
	 "The register base needs more address bits than the DMAR's host address width allows: "
	 "either the base or the width is wrong.",
	 "Linux compares neither with the other: it maps the registers where the DRHD says. If "
	 "the base is right, nothing breaks in Linux; the width is wrong and software that trusts "
	 "it (for example to size memory maps) is misled.",
	 "Update the firmware."},
	{"DMAR-DRHD-DUPLICATE", "error", "two DRHDs in one segment share a register base",
	 "Two DRHDs describe the same unit: the same segment and register base.",
	 "Linux registers the first DRHD with a given segment and base and skips any later one "
	 "entirely. Devices only the later one lists fall to the segment's INCLUDE_PCI_ALL unit "
	 "if there is one, or get no unit in Linux: no isolation and no mappings for them, and "
	 "where the hardware translates them anyway their DMA faults. The later DRHD's IOAPIC "
	 "and HPET scopes are lost too.",
	 "Merge the two: add the later DRHD's scopes to the first and drop the later one, e.g. "
	 "`ioguard edit IN -o OUT --drhd 0 --add-scope endpoint:00:1f.0 --drop drhd:1`; or update "
	 "the firmware."},
	{"DMAR-DRHD-INCLUDE-ALL-MULTIPLE", "error", "a second INCLUDE_PCI_ALL DRHD in the segment",
	 "INCLUDE_PCI_ALL means \"every PCI device of this segment that no other DRHD lists\": "
	 "only one unit per segment can be that.",
	 "Linux puts INCLUDE_PCI_ALL units last and gives every unlisted device to the first of "
	 "them. The second unit gets no PCI device, yet Linux turns its translation on: devices "
	 "the hardware routes through it find no context entries there and their DMA faults.",
	 "Clear the flag on the unit that is not the catch-all and list its devices: `ioguard edit "
	 "IN -o OUT --drhd N --clear-include-all --add-scope bridge:BB:DD.F`; or update the "
	 "firmware."},
	{"DMAR-DRHD-INCLUDE-ALL-NOT-LAST", "warning",
	 "the INCLUDE_PCI_ALL DRHD is not the last DRHD of its segment",
	 "VT-d 8.3 wants the INCLUDE_PCI_ALL DRHD of a segment after the segment's other DRHDs, "
	 "so that software matching units in table order tries the explicit scopes first.",
	 "Linux sorts INCLUDE_PCI_ALL units to the end of its list itself and is not affected. "
	 "Software that takes the first DRHD covering a device (some hypervisors and loaders) "
	 "puts every device of the segment behind the catch-all unit.",
	 "Nothing for Linux. Others: update the firmware."},
	{"DMAR-DRHD-INCLUDE-ALL-PCI-SCOPE", "warning",
	 "an INCLUDE_PCI_ALL DRHD also lists PCI device scopes",
	 "An INCLUDE_PCI_ALL DRHD covers the PCI devices of its segment implicitly; VT-d 8.3.1 "
	 "allows it only IOAPIC, HPET and ACPI namespace device scopes.",
	 "Linux never matches PCI devices against an INCLUDE_PCI_ALL unit's scope entries: they "
	 "are ignored, and the devices fall to the unit anyway unless another DRHD lists them. "
	 "Software that reads the entries as the unit's complete device list misplaces the rest.",
	 "Remove the entries: `ioguard edit IN -o OUT --drhd N --remove-scope BB:DD.F`."},
	{"DMAR-DRHD-EMPTY", "warning", "a DRHD without INCLUDE_PCI_ALL lists no device",
	 "The unit lists neither PCI devices nor ACPI namespace devices, and does not claim the "
	 "rest of its segment either.",
	 "Linux marks a unit without any present device ignored: it turns its translation off "
	 "and never uses it for DMA. IOAPIC and HPET scopes do not count as devices; interrupt "
	 "remapping on the unit is still set up.",
	 "Harmless if the unit really translates nothing. If it translates a device the table "
	 "forgot: `ioguard edit IN -o OUT --drhd N --add-scope endpoint:BB:DD.F`."},
	{"DMAR-SCOPE-TYPE", "warning", "a device scope type is reserved",
	 "Device scope types 1 to 5 are defined (PCI endpoint, PCI sub-hierarchy, IOAPIC, HPET, "
	 "ACPI namespace device); this entry has another.",
	 "Linux prints \"Unsupported device scope\" and skips the entry: whatever device it meant "
	 "gets nothing from it.",
	 "Remove it: `ioguard edit IN -o OUT --drhd N --remove-scope M` (or --rmrr N), M counting "
	 "the structure's scopes from 0."},
	{"DMAR-SCOPE-MISPLACED", "warning", "a device scope type is not allowed in this structure",
	 "Each structure takes certain scope types only (VT-d 8.3-8.11): an RMRR names PCI "
	 "endpoints and sub-hierarchies, an ATSR root ports (sub-hierarchies), a SATC endpoints.",
	 "Linux counts only endpoint, sub-hierarchy and namespace entries outside DRHDs and "
	 "ignores the rest (an IOAPIC scope in an RMRR, for example): whatever firmware meant by "
	 "the entry does not happen.",
	 "Remove it (`--drhd N` or `--rmrr N`, then `--remove-scope M`)."},
	{"DMAR-SCOPE-PATH-EMPTY", "error", "a device scope has no path entry",
	 "A device scope names its device by a start bus and a path of (device, function) hops; "
	 "this one has no hop.",
	 "Linux matches a scope against a PCI device by the length of the device's path, which "
	 "is never 0: the entry names nothing. In a DRHD the device then falls to the "
	 "INCLUDE_PCI_ALL unit or gets no unit (and its DMA faults where the hardware "
	 "translates it); in an RMRR the region is mapped for no device. "
	 "For an IOAPIC or HPET entry Linux takes the source-id from the two bytes after the "
	 "entry, so that device's interrupts do not carry the source-id its remapping entries "
	 "expect.",
	 "Replace the entry with one that has the path: `--remove-scope M --add-scope "
	 "KIND:BB:DD.F` after `--drhd N` or `--rmrr N`; or update the firmware."},
	{"DMAR-SCOPE-PATH-RANGE", "error",
	 "a path entry names a device above 31 or a function above 7",
	 "PCI has 32 devices per bus and 8 functions per device; a path hop outside that names "
	 "no device.",
	 "Linux never matches the entry, so it names nothing: as with an empty path, a DRHD's "
	 "device falls to the catch-all unit or to none, an RMRR covers no device, and an IOAPIC "
	 "or HPET gets a wrong source-id.",
	 "Replace the entry with the right path (`--remove-scope`, `--add-scope`); or update the "
	 "firmware."},
	{"DMAR-SCOPE-ENUM-DUPLICATE", "warning",
	 "two IOAPIC (or HPET) scopes share an enumeration id",
	 "IOAPIC and HPET scopes carry the device's id (the IOAPIC id of the MADT, the HPET "
	 "number) and its PCI source-id. Two scopes with one id but different source-ids "
	 "contradict each other.",
	 "Linux looks up an IOAPIC's or HPET's source-id by its id and takes the first scope "
	 "that has it. Interrupts from the other device carry a source-id its remapping entries "
	 "do not allow: with interrupt remapping on they are blocked, and the device's "
	 "interrupts are lost.",
	 "Give each scope the id the MADT uses: `ioguard edit IN -o OUT --drhd N --remove-scope M "
	 "--add-scope ioapic:ID@BB:DD.F`. Linux can be told to stop checking source-ids with "
	 "intremap=nosid, at the price of the protection those checks give."},
	{"DMAR-SCOPE-ANDD-MISSING", "warning", "an ACPI namespace device scope names no ANDD",
	 "A namespace device scope refers to an ANDD structure by its device number; no ANDD has "
	 "this number.",
	 "Linux attaches ACPI namespace devices to units by walking the ANDDs and looking for "
	 "scopes with their numbers: a scope no ANDD points at is never used, and the device it "
	 "meant gets no unit in Linux (no isolation, no mappings).",
	 "Update the firmware."},
	{"DMAR-INTR-REMAP-NO-IOAPIC", "warning", "INTR_REMAP is set but no DRHD lists an IOAPIC",
	 "The DMAR says the platform supports interrupt remapping, but no unit's scope names an "
	 "IOAPIC, so no IOAPIC interrupt can be remapped.",
	 "Linux requires every IOAPIC of the MADT under some unit (\"ioapic N has no mapping "
	 "iommu, interrupt remapping will be disabled\") and then runs without interrupt "
	 "remapping: vulnerable to interrupt injection by devices, and without x2APIC where the "
	 "CPUs' APIC ids need it.",
	 "Add the IOAPIC to the unit that remaps it, with its MADT id and source-id (on Intel "
	 "chipsets usually f0:1f.0): `ioguard edit IN -o OUT --drhd N --add-scope "
	 "ioapic:ID@f0:1f.0`; or update the firmware."},
	{"DMAR-RMRR-INVERTED", "error", "an RMRR's limit is below its base",
	 "An RMRR reserves [base, limit] for some devices' DMA (firmware's USB keyboard "
	 "emulation, a graphics frame buffer); here the limit lies below the base.",
	 "Linux's RMRR check fails (\"Your BIOS is broken; bad RMRR\"), taints the kernel and "
	 "keeps the RMRR anyway. Its size, computed from the two fields, wraps to an enormous "
	 "number: the device's direct mapping fails or is not what firmware meant.",
	 "Drop it, or replace it with the right range: `ioguard edit IN -o OUT --drop-rmrr N "
	 "--add-rmrr BASE-LIMIT@BB:DD.F`."},
	{"DMAR-RMRR-UNALIGNED", "warning", "an RMRR's base or end+1 is not 4 KiB aligned",
	 "RMRRs are whole pages (VT-d 8.4): the base and the limit plus one are multiples of 4 "
	 "KiB.",
	 "Linux's RMRR check fails (\"Your BIOS is broken; bad RMRR [base-end]\") and taints the "
	 "kernel (TAINT_FIRMWARE_WORKAROUND); the RMRR is still mapped, in whole pages, so the "
	 "partial pages around it are mapped for the device too.",
	 "Update the firmware, or replace the RMRR with an aligned one: `--drop-rmrr N "
	 "--add-rmrr BASE-LIMIT@BB:DD.F`."},
	{"DMAR-RMRR-WIDTH", "warning", "an RMRR reaches beyond the host address width",
	 "The RMRR ends above the highest address the DMAR's host address width allows.",
	 "Linux does not compare RMRRs with the DMAR width; the region must fit the address "
	 "width of the device's domain, which follows the unit's capabilities. If it lies "
	 "beyond that too, it cannot be identity-mapped (\"iommu width ... is not sufficient "
	 "for the mapped address\") and setting up the device's domain fails.",
	 "Update the firmware, or drop the RMRR (`--drop-rmrr N`) if the device does not need "
	 "it."},
	{"DMAR-RMRR-NO-SCOPE", "warning", "an RMRR names no device",
	 "An RMRR reserves memory for the devices its scopes list; this one lists none.",
	 "Linux keeps the RMRR but maps it for no device. Harmless, except that whatever "
	 "firmware meant to reserve is reserved for nobody.",
	 "Drop it: `ioguard edit IN -o OUT --drop-rmrr N`."},
	{"DMAR-RMRR-OVERLAP", "warning", "an RMRR partly overlaps an earlier one",
	 "Two RMRRs of a segment share part of their ranges but are not the same range (firmware "
	 "often repeats one range for several devices; that is not reported).",
	 "Linux turns each RMRR into a reserved region of the devices it names and maps both; "
	 "nothing breaks, but a partial overlap usually means a typo in a base or limit, and the "
	 "memory really reserved (the E820 map) may cover neither.",
	 "Check both ranges against the E820 map; replace the wrong one (`--drop-rmrr N "
	 "--add-rmrr BASE-LIMIT@BB:DD.F`)."},
	{"DMAR-RMRR-UNCOVERED", "warning", "an RMRR names a device no DRHD covers",
	 "The RMRR's device is in no DRHD's scope and its segment has no INCLUDE_PCI_ALL unit "
	 "(bridges are not resolved for this check: a device below a listed bridge counts as "
	 "covered).",
	 "Linux finds no unit for the device and sets up nothing for it: the RMRR means "
	 "nothing, and where the hardware translates the device anyway its DMA (to the RMRR "
	 "too) faults.",
	 "Add the device to its unit's scope (`ioguard edit IN -o OUT --drhd N --add-scope "
	 "endpoint:BB:DD.F`), or drop the RMRR if the device is not there."},
	{"DMAR-RHSA-NO-DRHD", "warning", "an RHSA names a register base no DRHD has",
	 "An RHSA gives a unit's NUMA proximity domain, naming the unit by its register base; no "
	 "DRHD has this base.",
	 "Linux warns \"Your BIOS is broken; RHSA refers to non-existent DMAR unit\" and taints "
	 "the kernel (TAINT_FIRMWARE_WORKAROUND). The unit it meant has no NUMA node, so its "
	 "tables may be allocated on a remote node.",
	 "Update the firmware, or drop the RHSA: `ioguard edit IN -o OUT --drop rhsa:N`."},
	{"DMAR-ANDD-NAME", "error", "an ANDD's object name is empty or not NUL-terminated",
	 "An ANDD names an ACPI namespace device (\\_SB.PCI0.I2C0, say) as a NUL-terminated "
	 "string inside the structure.",
	 "Linux checks the terminator: without it, it warns \"Your BIOS is broken; ANDD object "
	 "name is not NUL-terminated\", taints the kernel and stops parsing the DMAR, so the "
	 "Intel IOMMU stays off (DMA and interrupt remapping). An empty name finds no ACPI "
	 "object (\"Failed to find handle for ACPI object\") and the device gets no unit.",
	 "Update the firmware, or drop the ANDD: `ioguard edit IN -o OUT --drop andd:N` (and the "
	 "namespace scopes that refer to it)."},
	{"DMAR-ATSR-EMPTY", "warning", "an ATSR without ALL_PORTS lists no root port",
	 "An ATSR says below which PCIe root ports devices may use ATS (their own translation "
	 "caches); this one lists none and does not say \"all ports\" either.",
	 "Linux enables ATS only for devices below a root port some ATSR lists (or any, with "
	 "ALL_PORTS): this ATSR enables it for none. Devices work, without device TLBs.",
	 "Nothing urgent; update the firmware."},
	{"DMAR-UNKNOWN-TYPE", "info", "a structure type is unknown and skipped",
	 "A remapping structure of a type this tool does not know (above SIDP); newer "
	 "specifications may define it.",
	 "Linux skips types it does not know as well (recent kernels know up to SATC; older ones "
	 "skip SATC too).",
	 "Nothing."},
	{"DMAR-MULTI-SEGMENT", "info", "units in more than one PCI segment",
	 "The DMAR describes units in several PCI segments: host bridges with configuration "
	 "spaces of their own, as on large servers or behind Intel VMD.",
	 "Linux handles segments. Software that assumes segment 0 (some loaders and "
	 "hypervisors) misplaces the devices of the others.",
	 "Nothing, if the software that uses the table handles segments."},
	/* IVRS */
	{"IVRS-CHECKSUM", "error", "the table's checksum is wrong",
	 "The bytes of the IVRS do not sum to zero modulo 256: changed after the sum was "
	 "computed, damaged, or never summed.",
	 "Linux's AMD IOMMU driver checks the IVRS checksum itself: a wrong one makes it print "
	 "\"IVRS invalid checksum\" and give up. No AMD IOMMU: no DMA remapping, no interrupt "
	 "remapping.",
	 "Take a fresh copy (a damaged copy is the usual cause). If the firmware's own table is "
	 "wrong and its blocks are sound, `ioguard edit --force IN -o OUT` writes it back with "
	 "the checksum fixed; the lasting fix is a firmware update."},
	{"IVRS-MALFORMED", "error", "a block or device entry does not fit",
	 "A length field is impossible: an IVHD or IVMD block is shorter than its header, runs "
	 "past the end of the table, or a device entry runs past its block. The message and "
	 "offset say which.",
	 "Linux walks blocks by their length fields and device entries by the lengths their "
	 "types imply, with few checks: from the damaged spot on it reads the bytes as whatever "
	 "they look like, so the AMD IOMMU may be set up from garbage or fail to initialise.",
	 "Update the firmware; amd_iommu=off keeps Linux away from the table meanwhile."},
	{"IVRS-NO-IVHD", "error", "no I/O virtualization hardware definition",
	 "The IVRS lists no IVHD block: it describes no IOMMU.",
	 "Linux finds no AMD IOMMU and runs without one: no DMA remapping, no interrupt "
	 "remapping.",
	 "Enable the IOMMU in the firmware setup, or update the firmware."},
	{"IVRS-NO-IOAPIC", "warning", "no IVHD of this type lists an IOAPIC (special device entry)",
	 "Interrupt remapping needs each IOAPIC's PCI device id, which the IVHD gives in a "
	 "special device entry (variety IOAPIC); IVHDs of this type give none.",
	 "Linux needs every IOAPIC of the MADT in the IVRS, the southbridge's in particular "
	 "(\"IOAPIC[N] not in IVRS table\", \"No southbridge IOAPIC found\"), and otherwise "
	 "disables interrupt remapping (\"Disabling interrupt remapping\"), and with it x2APIC "
	 "and interrupt posting to guests. Linux uses only the IVHD type it prefers (the newest "
	 "it supports), so what matters is whether that type lists them.",
	 "Tell Linux the mapping: ivrs_ioapic=ID@SEG:BB:DD.F (older kernels: "
	 "ivrs_ioapic[ID]=BB:DD.F), the IOAPIC id from the MADT; or update the firmware."},
	{"IVRS-IVHD-BASE-ZERO", "error", "an IOMMU's base address is zero",
	 "An IVHD gives the physical address of its IOMMU's registers; zero is never one.",
	 "Linux maps the registers at the address given without checking it. At 0 the region "
	 "belongs to RAM or firmware, so reserving it normally fails (\"Can not reserve memory "
	 "region ... This is a BIOS bug\") and the AMD IOMMU initialisation stops: no AMD "
	 "IOMMU at all.",
	 "Update the firmware."},
	{"IVRS-IVHD-BASE-UNALIGNED", "error", "an IOMMU's base address is not 16 KiB aligned",
	 "The IOMMU's base address register holds bits 63:14: the registers start on a 16 KiB "
	 "boundary.",
	 "Linux maps the registers at the address given: it then reads and writes registers at "
	 "the wrong offsets, with unpredictable results.",
	 "Update the firmware."},
	{"IVRS-IVHD-DUPLICATE", "error", "a second IVHD of this type describes the same IOMMU",
	 "Firmware describes each IOMMU once per IVHD type (10h, 11h, 40h) so that each OS can "
	 "pick the newest type it knows; two IVHDs of one type with the same device id or base "
	 "describe one IOMMU twice.",
	 "Linux sets up one IOMMU per IVHD of the type it uses: the same hardware twice. With the "
	 "same base, reserving its registers the second time fails (\"Can not reserve memory "
	 "region\") and the AMD IOMMU initialisation stops; with the same device id, two "
	 "IOMMUs claim one PCI function.",
	 "Update the firmware."},
	{"IVRS-RANGE-UNTERMINATED", "warning", "a start of range without an end of range",
	 "Device ranges are a start entry (type 3, 42h or 43h) followed by an end entry (type "
	 "4); this start has no end before the next start or the end of the block.",
	 "Linux applies a range when it reaches its end entry: this one is never applied. Its "
	 "devices are not recorded as behind this IOMMU and get none of its settings: Linux "
	 "sets up no domain for them.",
	 "Update the firmware."},
	{"IVRS-RANGE-END-ALONE", "warning", "an end of range without a start of range",
	 "An end-of-range entry (type 4) follows no start entry.",
	 "Linux applies a range from the last start entry it saw in the block (device 0 if none) "
	 "to this end, with that start's settings: devices firmware did not mean are put behind "
	 "this IOMMU with those settings.",
	 "Update the firmware."},
	{"IVRS-RANGE-INVERTED", "error", "an end of range is below its start",
	 "The range's end device id is below its start device id.",
	 "Linux loops from the start to the end, which runs zero times: no device of the range "
	 "is set up behind this IOMMU.",
	 "Update the firmware."},
	{"IVRS-RANGE-OVERLAP", "warning",
	 "device entries overlap an earlier range with another DTE setting",
	 "Two ranges of one IVHD cover some of the same devices but ask for different device "
	 "table settings (interrupt pass-through, system management). A single device entry "
	 "inside a range is the usual way to override one device and is not reported.",
	 "Which setting a device ends up with depends on the order Linux applies the ranges and "
	 "on the kernel version (recent kernels take the smallest range containing the device): "
	 "interrupts that should pass through may be blocked, or the reverse.",
	 "Update the firmware."},
	{"IVRS-ENTRY-UNKNOWN", "warning", "a device entry type is reserved",
	 "The IVHD holds a device entry of a type the AMD IOMMU specification reserves.",
	 "Linux skips it by the length its type code implies (4, 8, 16 or 32 bytes); what it "
	 "meant is lost.",
	 "Update the firmware."},
	{"IVRS-SPECIAL-VARIETY", "warning",
	 "a special device entry names neither an IOAPIC nor an HPET",
	 "Special device entries (type 48h) map an IOAPIC (variety 1) or HPET (variety 2) to "
	 "its PCI device id; this one has another variety.",
	 "Linux rejects the entry, and with it the IVHD: the AMD IOMMU initialisation fails, "
	 "leaving the machine with no AMD IOMMU (if the entry is in the IVHD type Linux uses).",
	 "Update the firmware; amd_iommu=off makes the outcome explicit."},
	{"IVRS-HID-UID-FORMAT", "warning", "an ACPI HID entry has a reserved UID format",
	 "ACPI HID entries (type F0h) name a device by _HID and _UID; the UID format is 0 (none), "
	 "1 (integer) or 2 (string). This one is neither.",
	 "Linux ignores the UID and matches the device by its HID alone: with two devices of one "
	 "HID (two UARTs, say) it may map the wrong one.",
	 "Linux's ivrs_acpihid=HID:UID@SEG:BB:DD.F gives the mapping; or update the firmware."},
	{"IVRS-SELF-TRANSLATED", "info",
	 "the IOMMU's own device id is among the devices it translates",
	 "The IVHD's device entries include the IOMMU's own PCI function. Common, and not "
	 "meaningful: an IOMMU does not translate its own requests.",
	 "Linux removes the IOMMU's own device id from the devices it translates (\"the IVRS "
	 "table tells us so, but this is a lie\"). Nothing breaks.",
	 "Nothing."},
	{"IVRS-IVMD-EMPTY", "warning", "an IVMD describes an empty memory block",
	 "An IVMD (the AMD counterpart of an RMRR) reserves memory for devices' DMA; this one "
	 "has length 0.",
	 "Linux records a unity mapping of no pages: nothing is mapped. Harmless unless a device "
	 "needed the memory firmware meant.",
	 "Drop it: `ioguard edit IN -o OUT --drop-ivmd N` (N counts IVMDs from 0)."},
	{"IVRS-IVMD-UNALIGNED", "warning", "an IVMD's start or length is not 4 KiB aligned",
	 "IVMD blocks are whole pages: start and length are multiples of 4 KiB.",
	 "Linux rounds the start up to the next page and the length up to whole pages: the first "
	 "partial page is not mapped for the device, and up to a page beyond the intended end "
	 "is.",
	 "Update the firmware. If the device does not need the region, `ioguard edit IN -o OUT "
	 "--drop-ivmd N` removes it."},
	{"IVRS-IVMD-WRAP", "error", "an IVMD memory block wraps past the top of the address space",
	 "Start plus length exceeds 2^64.",
	 "Linux computes the end without a check; it wraps below the start, and the unity "
	 "mapping made of it is empty or wrong.",
	 "Update the firmware, or drop the IVMD: `ioguard edit IN -o OUT --drop-ivmd N`."},
	{"IVRS-IVMD-RANGE-INVERTED", "error", "an IVMD device range ends below its start",
	 "An IVMD of type 22h applies to a range of device ids; the end id is below the start.",
	 "Linux records the range as given; no device falls inside it, so the memory is mapped "
	 "for none of the devices firmware meant.",
	 "Update the firmware, or drop the IVMD: `ioguard edit IN -o OUT --drop-ivmd N`."},
	{"IVRS-BLOCK-UNKNOWN", "info", "a block type is unknown and skipped",
	 "A block of a type this tool does not know; newer specifications may define it.",
	 "Linux skips block types it does not use. Of the IVHD types it uses only one: the "
	 "newest it supports that describes the first IOMMU.",
	 "Nothing."},
};

#define N_ENTRIES (sizeof(table) / sizeof(table[0]))

static const struct explanation *lookup(const char *id)
{
	for (size_t i = 0; i < N_ENTRIES; i++)
		if (!strcasecmp(table[i].id, id))
			return &table[i];
	return NULL;
}

/* Prints a paragraph wrapped at WIDTH, each line indented by `indent`. */
static void wrap(FILE *f, const char *text, int indent)
{
	const char *p = text;

	while (*p) {
		int room = WIDTH - indent, n = 0, cut = 0;

		while (p[n] && n <= room) {
			if (p[n] == ' ')
				cut = n;
			n++;
		}
		if (!p[n] && n <= room)
			cut = n;
		else if (!cut)
			cut = n; /* one word longer than the line */
		fprintf(f, "%*s%.*s\n", indent, "", cut, p);
		p += cut;
		while (*p == ' ')
			p++;
	}
}

static void print_one(const struct explanation *e)
{
	printf("%s (%s): %s\n\n", e->id, e->severity, e->summary);
	puts("What it means:");
	wrap(stdout, e->meaning, 2);
	puts("\nWhat breaks (what Linux does with it):");
	wrap(stdout, e->effect, 2);
	puts("\nWhat to do:");
	wrap(stdout, e->remedy, 2);
}

/* Text for roff: backslashes escaped, a line never starts with a control character. */
static void roff(FILE *f, const char *text)
{
	if (*text == '.' || *text == '\'')
		fputs("\\&", f);
	for (const char *p = text; *p; p++) {
		if (*p == '\\')
			fputs("\\e", f);
		else if (*p == '-' && p[1] == '-')
			fputs("\\-", f);
		else if (*p == '-' && p > text && p[-1] == '-')
			fputs("\\-", f);
		else
			fputc(*p, f);
	}
	fputc('\n', f);
}

/* The LINT FINDINGS section of ioguard(1). */
static void print_man(void)
{
	puts(".SH LINT FINDINGS");
	puts("Each finding has a stable id. What follows is also what");
	puts(".B ioguard explain");
	puts(".I ID");
	puts("prints: what the finding means, what breaks on a machine whose firmware has it");
	puts("(what Linux does with such a table), and what to do.");
	for (size_t i = 0; i < N_ENTRIES; i++) {
		const struct explanation *e = &table[i];

		printf(".SS \"%s (%s)\"\n", e->id, e->severity);
		roff(stdout, e->summary);
		puts(".PP");
		puts(".I Meaning:");
		roff(stdout, e->meaning);
		puts(".PP");
		puts(".I What breaks:");
		roff(stdout, e->effect);
		puts(".PP");
		puts(".I What to do:");
		roff(stdout, e->remedy);
	}
}

static const char usage[] = "usage: ioguard explain [ID...]\n"
			    "       ioguard explain --man\n"
			    "\n"
			    "For each lint id: what it means, what breaks on a machine whose\n"
			    "firmware has it (what Linux does with such a table) and what to do.\n"
			    "Without ID, lists every id with its severity and a summary.\n"
			    "--man prints the LINT FINDINGS section of ioguard(1).\n";

int cmd_explain(int argc, char **argv)
{
	int status = 0;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(usage, stdout);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "--man")) {
		print_man();
		return 0;
	}
	if (argc == 1) {
		for (size_t i = 0; i < N_ENTRIES; i++)
			printf("%-32s %-8s %s\n", table[i].id, table[i].severity, table[i].summary);
		return 0;
	}
	for (int i = 1; i < argc; i++) {
		const struct explanation *e = lookup(argv[i]);

		if (argv[i][0] == '-') {
			fprintf(stderr, "ioguard explain: unknown option %s\n%s", argv[i], usage);
			return EXIT_UNUSABLE;
		}
		if (!e) {
			fprintf(stderr,
				"ioguard explain: no lint id %s (`ioguard explain` lists them)\n",
				argv[i]);
			status = EXIT_UNUSABLE;
			continue;
		}
		if (i > 1)
			putchar('\n');
		print_one(e);
	}
	return status;
}
