/* SPDX-License-Identifier: BSD-2-Clause */
/* Booting Linux from the shield kernel, with DMA protection left on. */
#ifndef IOG_BOOT_LINUX_H
#define IOG_BOOT_LINUX_H

#include <stddef.h>
#include <stdint.h>

#include <ioguard/platform.h>
#include <ioguard/verify.h>

#include "boot/kernel.h"

struct linux_handoff {
	const struct iog_platform *plat; /* for the log */
	const char *cmdline;		 /* Linux's command line */
	const struct iog_range *reserve; /* memory Linux must not use: the VMM */
	unsigned nreserve;
	uint64_t rsdp; /* where Linux finds ACPI (0: it searches) */
	/*
	 * UEFI runtime services for Linux (linux-efi=runtime): the EFI system
	 * table and the EFI memory map at ExitBootServices, else 0/NULL, and
	 * Linux boots as on a BIOS machine.
	 */
	uint64_t efi_systab;
	const uint8_t *efi_map;
	uint32_t efi_map_size, efi_desc_size, efi_desc_version;
};

/*
 * Boots the bzImage among the boot modules (the other module, if any, is its
 * initrd). Returns only on failure, with the reason in `why`.
 */
int linux_boot(const struct boot_info *bi, const struct linux_handoff *h, char *why, size_t n);

#endif
