/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What `ioguard plan` reads from a running Linux, or from a saved copy of
 * it (a sysroot): the DMAR or IVRS and the MADT under
 * sys/firmware/acpi/tables, the PCI functions under sys/bus/pci/devices
 * (ids, class, configuration space), the memory map under
 * sys/firmware/memmap (or proc/iomem), and the register values a saved copy
 * recorded (ioguard-registers). Every file read can be copied, as read, to
 * a save directory under the same relative path, so that the copy replays
 * exactly what was seen.
 */
#ifndef IOG_TOOL_SYSFS_H
#define IOG_TOOL_SYSFS_H

#include <stddef.h>
#include <stdint.h>

#include <ioguard/pci.h>
#include <ioguard/verify.h>

#define SYS_MAX_DEVICES 4096
#define SYS_MAX_RAM 512
#define SYS_PATH_MAX 4096

struct sys_device {
	uint16_t segment;
	uint8_t bus, devfn;
	uint16_t vendor, device;
	uint32_t class;
	uint8_t config[IOG_PCI_CONFIG_SIZE];
	size_t config_len; /* bytes readable: 64 without root, 256 or 4096 with */
};

struct sys {
	const char *root; /* "" for the live machine */
	const char *save; /* NULL, or where every file read is copied */
	int save_errors;  /* files that could not be written to `save` */

	uint8_t *table; /* the DMAR, else the IVRS */
	size_t table_len;
	int amd;	       /* the table is an IVRS */
	const char *table_why; /* why no table, when table is NULL */
	uint8_t *madt;
	size_t madt_len;

	struct sys_device *dev; /* sorted by segment, bus, devfn */
	unsigned ndev;
	int pci_listed; /* sys/bus/pci/devices could be opened */

	struct iog_range ram[SYS_MAX_RAM];
	unsigned nram;
	const char *memmap_source; /* "sys/firmware/memmap", "proc/iomem" or NULL */

	char *registers; /* ioguard-registers, as saved (NUL-terminated), or NULL */
};

/* Reads everything; 0, or -1 when host memory runs out (what is missing is left empty). */
int sys_load(struct sys *s, const char *root, const char *save);
void sys_free(struct sys *s);

/* Reads root/rel whole (NUL-terminated), copying it to the save directory; NULL if absent. */
uint8_t *sys_read(struct sys *s, const char *rel, size_t *len);
/* Writes bytes to save/rel (directories made); 0 or -1. */
int sys_save(struct sys *s, const char *rel, const void *data, size_t len);

const struct sys_device *sys_find(const struct sys *s, uint16_t segment, uint8_t bus,
				  uint8_t devfn);

/* The bridge reader for iog_shield_config.bridge (ctx: struct sys). */
int sys_bridge(void *ctx, uint16_t segment, uint8_t bus, uint8_t devfn, uint8_t *secondary,
	       uint8_t *subordinate);

/* Configuration space as read (all-ones past what was readable), for the ACS walk. */
void sys_pci_config(struct sys *s, struct iog_pci_config *c);

#endif
