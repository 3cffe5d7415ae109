/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The shield kernel's own services (boot/): what the boot code hands to
 * kmain, and the little machine access the self-test needs besides the
 * library's platform hooks (platform/x86/).
 */
#ifndef IOG_BOOT_KERNEL_H
#define IOG_BOOT_KERNEL_H

#include <stddef.h>
#include <stdint.h>

#define BOOT_MAX_RANGES 128
#define BOOT_MAX_MODULES 4

struct boot_range {
	uint64_t base;
	uint64_t size;
	uint32_t type; /* 1: usable RAM, 2 reserved, 3 ACPI, 4 NVS (multiboot/E820 numbering) */
};

/* A file the loader placed in memory (multiboot module), e.g. a Linux bzImage. */
struct boot_module {
	uint64_t start, end; /* physical, end exclusive */
	char name[64];	     /* the loader's string for it */
};

struct boot_info {
	const char *cmdline; /* the kernel command line ("" when none) */
	struct boot_range mem[BOOT_MAX_RANGES];
	unsigned nmem;
	uint64_t image_start, image_end; /* physical extent of the kernel image, .bss included */
	uint64_t rsdp;			 /* from a multiboot2 ACPI tag, else 0 */
	const char *rsdp_from;		 /* which tag, or NULL */
	/*
	 * UEFI firmware (the loader passed its system table or memory map): the
	 * RSDP comes from the loader, never from a search of the BIOS area.
	 */
	int uefi;
	uint64_t efi_systab;	/* EFI system table (multiboot2 EFI64 tag), else 0 */
	const uint8_t *efi_map; /* the EFI memory map at ExitBootServices, a copy */
	uint32_t efi_map_size;	/* bytes */
	uint32_t efi_desc_size, efi_desc_version;
	const char *mem_from;  /* where the memory map came from */
	uint64_t mapped_limit; /* memory below this is identity mapped */
	struct boot_module mods[BOOT_MAX_MODULES];
	unsigned nmods;
};

/* Implemented by the self-test (boot/selftest.c); never returns. */
void kmain(struct boot_info *bi);

/* Console: COM1, 115200 8N1. */
void serial_init(void);
void serial_write(const char *s, size_t n);
/* printf subset of iog_format (src/util/log.h): %s %c %u %x %llu %llx, widths. */
void kprintf(const char *fmt, ...);

/* Leaves QEMU through isa-debug-exit (status (code << 1) | 1), else halts. */
void qemu_exit(unsigned code) __attribute__((noreturn));

/* Port I/O. */
uint8_t inb(uint16_t port);
void outb(uint16_t port, uint8_t v);
uint16_t inw(uint16_t port);
void outw(uint16_t port, uint16_t v);
uint32_t inl(uint16_t port);
void outl(uint16_t port, uint32_t v);

/* PCI configuration space: ECAM (from the ACPI MCFG) when pci_init found one, else 0xCF8/0xCFC. */
struct iog_acpi;
void pci_init(const struct iog_acpi *acpi);
uint32_t pci_read32(uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t off);
void pci_write32(uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t off, uint32_t v);
uint16_t pci_read16(uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t off);
void pci_write16(uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t off, uint16_t v);

/* Time: monotonic nanoseconds since kernel entry (TSC calibrated against the PIT at boot). */
uint64_t time_ns(void);
/* How long the calibration took, in nanoseconds. */
uint64_t time_calibration_ns(void);

#endif
