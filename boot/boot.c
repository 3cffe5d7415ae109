/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * From the loader to kmain: reads the multiboot (v1) or multiboot2
 * information into struct boot_info, copying everything kmain needs (the
 * loader's structures lie in memory kmain is free to reuse), then brings up
 * the console, the exception handlers and the clock.
 */
#include "boot/boot.h"
#include "boot/kernel.h"
#include "util/bytes.h"

#define MB1_BOOT_MAGIC 0x2badb002u
#define MB2_BOOT_MAGIC 0x36d76289u

/* Multiboot v1 information: flag bits and field offsets. */
#define MB1_FLAG_MEM (1u << 0)
#define MB1_FLAG_CMDLINE (1u << 2)
#define MB1_FLAG_MODS (1u << 3)
#define MB1_FLAG_MMAP (1u << 6)
#define MB1_FLAG_LOADER (1u << 9)
#define MB1_MEM_LOWER 4
#define MB1_MEM_UPPER 8
#define MB1_CMDLINE 16
#define MB1_MODS_COUNT 20
#define MB1_MODS_ADDR 24
#define MB1_MMAP_LENGTH 44
#define MB1_MMAP_ADDR 48
#define MB1_LOADER_NAME 64

/* Multiboot2 tag types. */
#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_LOADER 2
#define MB2_TAG_MODULE 3
#define MB2_TAG_MMAP 6
#define MB2_TAG_EFI64 12
#define MB2_TAG_ACPI_OLD 14
#define MB2_TAG_ACPI_NEW 15
#define MB2_TAG_EFI_MMAP 17

/* UEFI memory descriptors (UEFI 2.10, 7.2 GetMemoryMap): type, physical start, pages. */
#define EFI_DESC_TYPE 0
#define EFI_DESC_PHYS 8
#define EFI_DESC_PAGES 24
#define EFI_DESC_MIN 40
#define EFI_MAP_COPY_MAX 16384u

#define RSDP_COPY_MAX 64u
#define KMAIN_RETURNED_EXIT_CODE 0x7e

static struct boot_info bi;
static char cmdline[1024];
static char loader[32];
/* The multiboot2 ACPI tags carry a copy of the RSDP, not its address: keep it in the image. */
static uint8_t rsdp_copy[RSDP_COPY_MAX] __attribute__((aligned(16)));
static unsigned ranges_dropped;
/* The EFI memory map as the loader got it at ExitBootServices (for a Linux guest with EFI). */
static uint8_t efi_map_copy[EFI_MAP_COPY_MAX] __attribute__((aligned(8)));

static const uint8_t *phys_ptr(uint64_t phys)
{
	return (const uint8_t *)(uintptr_t)phys;
}

static void add_range(uint64_t base, uint64_t size, uint32_t type)
{
	if (!size)
		return;
	/* UEFI maps come in many pieces: one range per run of the same type. */
	if (bi.nmem && bi.mem[bi.nmem - 1].type == type &&
	    bi.mem[bi.nmem - 1].base + bi.mem[bi.nmem - 1].size == base) {
		bi.mem[bi.nmem - 1].size += size;
		return;
	}
	if (bi.nmem == BOOT_MAX_RANGES) {
		ranges_dropped++;
		return;
	}
	bi.mem[bi.nmem++] = (struct boot_range){base, size, type};
}

static void add_module(uint64_t start, uint64_t end, const char *name);

static int is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* Copies a loader string, skipping its first word when it is the image's name. */
static void copy_string(char *dst, size_t size, const char *src, int skip_first_word)
{
	size_t n = 0;

	if (skip_first_word) {
		while (is_space(*src))
			src++;
		while (*src && !is_space(*src))
			src++;
	}
	while (is_space(*src))
		src++;
	while (*src && n + 1 < size)
		dst[n++] = *src++;
	while (n && is_space(dst[n - 1]))
		n--;
	dst[n] = '\0';
}

static int starts_with(const char *s, const char *prefix)
{
	while (*prefix)
		if (*s++ != *prefix++)
			return 0;
	return 1;
}

static void parse_mb1(const uint8_t *mbi)
{
	uint32_t flags = iog_le32(mbi);

	if (flags & MB1_FLAG_LOADER)
		copy_string(loader, sizeof(loader),
			    (const char *)phys_ptr(iog_le32(mbi + MB1_LOADER_NAME)), 0);
	if (flags & MB1_FLAG_CMDLINE)
		/*
		 * QEMU and GRUB Legacy put the image's own name first; GRUB 2
		 * passes only the arguments.
		 */
		copy_string(cmdline, sizeof(cmdline),
			    (const char *)phys_ptr(iog_le32(mbi + MB1_CMDLINE)),
			    !starts_with(loader, "GRUB 2"));
	if (flags & MB1_FLAG_MMAP) {
		const uint8_t *map = phys_ptr(iog_le32(mbi + MB1_MMAP_ADDR));
		uint32_t len = iog_le32(mbi + MB1_MMAP_LENGTH), off = 0;

		/* Entries: size (not counting itself), base, length, type. */
		while (len - off >= 24) {
			const uint8_t *e = map + off;
			uint32_t size = iog_le32(e);

			if (size < 20)
				break;
			add_range(iog_le64(e + 4), iog_le64(e + 12), iog_le32(e + 20));
			bi.mem_from = "the multiboot memory map";
			if (size + 4 > len - off)
				break;
			off += size + 4;
		}
	} else if (flags & MB1_FLAG_MEM) {
		add_range(0, (uint64_t)iog_le32(mbi + MB1_MEM_LOWER) * 1024, 1);
		add_range(0x100000, (uint64_t)iog_le32(mbi + MB1_MEM_UPPER) * 1024, 1);
		bi.mem_from = "the multiboot memory sizes";
	}
	if (flags & MB1_FLAG_MODS) {
		const uint8_t *m = phys_ptr(iog_le32(mbi + MB1_MODS_ADDR));
		uint32_t n = iog_le32(mbi + MB1_MODS_COUNT);

		/* Entries: start, end, string, reserved. */
		for (uint32_t i = 0; i < n && i < BOOT_MAX_MODULES; i++, m += 16)
			add_module(iog_le32(m), iog_le32(m + 4),
				   iog_le32(m + 8) ? (const char *)phys_ptr(iog_le32(m + 8)) : "");
	}
}

static void add_module(uint64_t start, uint64_t end, const char *name)
{
	struct boot_module *m;

	if (bi.nmods == BOOT_MAX_MODULES || end <= start)
		return;
	m = &bi.mods[bi.nmods++];
	m->start = start;
	m->end = end;
	copy_string(m->name, sizeof(m->name), name, 0);
}

/*
 * UEFI memory types in the E820 numbering a Linux guest and the shield use.
 * Boot services memory is free once the loader has left boot services (GRUB
 * does, for a kernel whose header does not ask to keep them); runtime
 * services memory stays the firmware's.
 */
static uint32_t efi_type(uint32_t t)
{
	switch (t) {
	case 1: /* EfiLoaderCode */
	case 2: /* EfiLoaderData */
	case 3: /* EfiBootServicesCode */
	case 4: /* EfiBootServicesData */
	case 7: /* EfiConventionalMemory */ return 1;
	case 8: /* EfiUnusableMemory */ return 5;
	case 9: /* EfiACPIReclaimMemory */ return 3;
	case 10: /* EfiACPIMemoryNVS */ return 4;
	case 14: /* EfiPersistentMemory */ return 7;
	default: /* reserved, runtime services, MMIO, PAL code, unaccepted */ return 2;
	}
}

/* The multiboot2 EFI memory map tag: descriptor size, version, descriptors. */
static void parse_efi_mmap(const uint8_t *t, uint32_t size)
{
	uint32_t dsize = size >= 16 ? iog_le32(t + 8) : 0;

	if (dsize < EFI_DESC_MIN || dsize % 8)
		return;
	for (uint32_t e = 16; size - e >= dsize; e += dsize) {
		uint64_t pages = iog_le64(t + e + EFI_DESC_PAGES);

		if (pages >> 52)
			continue; /* no such memory: 2^64 bytes or more */
		add_range(iog_le64(t + e + EFI_DESC_PHYS), pages << 12,
			  efi_type(iog_le32(t + e + EFI_DESC_TYPE)));
	}
	if (size - 16 <= EFI_MAP_COPY_MAX) {
		iog_memcpy(efi_map_copy, t + 16, size - 16);
		bi.efi_map = efi_map_copy;
		bi.efi_map_size = size - 16;
		bi.efi_desc_size = dsize;
		bi.efi_desc_version = iog_le32(t + 12);
	}
}

/* Calls fn for each well-formed tag; every size checked against the total. */
static void mb2_tags(const uint8_t *mbi, void (*fn)(uint32_t type, const uint8_t *t, uint32_t size))
{
	uint32_t total = iog_le32(mbi), off = 8;

	while (total >= 16 && off <= total - 8) {
		const uint8_t *t = mbi + off;
		uint32_t type = iog_le32(t), size = iog_le32(t + 4);

		if (type == MB2_TAG_END || size < 8 || size > total - off)
			break;
		fn(type, t, size);
		off += (size + 7) & ~7u;
	}
}

static int have_efi_mmap, have_new_rsdp;

/* A usable EFI memory map tag (one descriptor at least) replaces the mmap tag. */
static void scan_mb2(uint32_t type, const uint8_t *t, uint32_t size)
{
	uint32_t dsize = size >= 16 ? iog_le32(t + 8) : 0;

	if (type == MB2_TAG_EFI_MMAP && dsize >= EFI_DESC_MIN && !(dsize % 8) && size - 16 >= dsize)
		have_efi_mmap = 1;
}

static void take_mb2(uint32_t type, const uint8_t *t, uint32_t size)
{
	switch (type) {
	case MB2_TAG_CMDLINE:
		copy_string(cmdline, sizeof(cmdline), (const char *)(t + 8), 0);
		break;
	case MB2_TAG_LOADER: copy_string(loader, sizeof(loader), (const char *)(t + 8), 0); break;
	case MB2_TAG_MODULE:
		if (size >= 17)
			add_module(iog_le32(t + 8), iog_le32(t + 12), (const char *)(t + 16));
		break;
	case MB2_TAG_MMAP: {
		uint32_t esize = size >= 16 ? iog_le32(t + 8) : 0;

		/* The EFI memory map, when there is one, is the firmware's own word. */
		if (esize < 24 || have_efi_mmap)
			break;
		for (uint32_t e = 16; size - e >= esize; e += esize)
			add_range(iog_le64(t + e), iog_le64(t + e + 8), iog_le32(t + e + 16));
		bi.mem_from = "the multiboot2 memory map";
		break;
	}
	case MB2_TAG_EFI_MMAP:
		bi.uefi = 1;
		if (!have_efi_mmap)
			break;
		parse_efi_mmap(t, size);
		bi.mem_from = "the EFI memory map";
		break;
	case MB2_TAG_EFI64:
		if (size >= 16)
			bi.efi_systab = iog_le64(t + 8);
		bi.uefi = 1;
		break;
	case MB2_TAG_ACPI_OLD:
	case MB2_TAG_ACPI_NEW: {
		uint32_t n = size - 8;

		if (have_new_rsdp)
			break;
		if (n > RSDP_COPY_MAX)
			n = RSDP_COPY_MAX;
		for (uint32_t i = 0; i < RSDP_COPY_MAX; i++)
			rsdp_copy[i] = i < n ? t[8 + i] : 0;
		bi.rsdp = (uint64_t)(uintptr_t)rsdp_copy;
		have_new_rsdp = type == MB2_TAG_ACPI_NEW;
		bi.rsdp_from = have_new_rsdp ? "the ACPI 2.0 tag" : "the ACPI 1.0 tag";
		break;
	}
	default: break;
	}
}

static void parse_mb2(const uint8_t *mbi)
{
	mb2_tags(mbi, scan_mb2);
	mb2_tags(mbi, take_mb2);
}

void boot_main(uint32_t magic, uint32_t info_phys)
{
	const char *protocol = "unknown loader";

	serial_init();
	trap_init();

	bi.cmdline = cmdline;
	bi.image_start = (uint64_t)(uintptr_t)__image_start;
	bi.image_end = (uint64_t)(uintptr_t)__image_end;
	bi.mapped_limit = (uint64_t)BOOT_MAPPED_GIB << 30;
	if (magic == MB1_BOOT_MAGIC) {
		protocol = "multiboot1";
		parse_mb1(phys_ptr(info_phys));
	} else if (magic == MB2_BOOT_MAGIC) {
		protocol = "multiboot2";
		parse_mb2(phys_ptr(info_phys));
	}

	time_init();
	kprintf("\nboot: %s (%s), %u memory ranges, TSC %llu kHz (%s)\n", protocol,
		loader[0] ? loader : "?", bi.nmem, (unsigned long long)(time_tsc_hz() / 1000),
		time_source());
	if (magic != MB1_BOOT_MAGIC && magic != MB2_BOOT_MAGIC)
		kprintf("boot: warning: loader magic 0x%x is neither multiboot's; no memory map\n",
			magic);
	kprintf("boot: %s firmware; memory map from %s; RSDP from %s\n", bi.uefi ? "UEFI" : "BIOS",
		bi.mem_from ? bi.mem_from : "nowhere",
		bi.rsdp_from ? bi.rsdp_from
		: bi.uefi    ? "nowhere (UEFI has no BIOS area to search)"
			     : "a search of the BIOS area");
	if (ranges_dropped)
		kprintf("boot: warning: %u memory ranges beyond the first %u dropped\n",
			ranges_dropped, (unsigned)BOOT_MAX_RANGES);

	kmain(&bi);
	kprintf("boot: kmain returned\n");
	qemu_exit(KMAIN_RETURNED_EXIT_CODE);
}
