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
#define MB2_TAG_ACPI_OLD 14
#define MB2_TAG_ACPI_NEW 15

#define RSDP_COPY_MAX 64u
#define KMAIN_RETURNED_EXIT_CODE 0x7e

static struct boot_info bi;
static char cmdline[1024];
static char loader[32];
/* The multiboot2 ACPI tags carry a copy of the RSDP, not its address: keep it in the image. */
static uint8_t rsdp_copy[RSDP_COPY_MAX] __attribute__((aligned(16)));
static unsigned ranges_dropped;

static const uint8_t *phys_ptr(uint64_t phys)
{
	return (const uint8_t *)(uintptr_t)phys;
}

static void add_range(uint64_t base, uint64_t size, uint32_t type)
{
	if (!size)
		return;
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
			if (size + 4 > len - off)
				break;
			off += size + 4;
		}
	} else if (flags & MB1_FLAG_MEM) {
		add_range(0, (uint64_t)iog_le32(mbi + MB1_MEM_LOWER) * 1024, 1);
		add_range(0x100000, (uint64_t)iog_le32(mbi + MB1_MEM_UPPER) * 1024, 1);
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

static void parse_mb2(const uint8_t *mbi)
{
	uint32_t total = iog_le32(mbi), off = 8;
	int have_new_rsdp = 0;

	while (total >= 16 && off <= total - 8) {
		const uint8_t *t = mbi + off;
		uint32_t type = iog_le32(t), size = iog_le32(t + 4);

		if (type == MB2_TAG_END || size < 8 || size > total - off)
			break;
		switch (type) {
		case MB2_TAG_CMDLINE:
			copy_string(cmdline, sizeof(cmdline), (const char *)(t + 8), 0);
			break;
		case MB2_TAG_LOADER:
			copy_string(loader, sizeof(loader), (const char *)(t + 8), 0);
			break;
		case MB2_TAG_MODULE:
			if (size >= 17)
				add_module(iog_le32(t + 8), iog_le32(t + 12),
					   (const char *)(t + 16));
			break;
		case MB2_TAG_MMAP: {
			uint32_t esize = size >= 16 ? iog_le32(t + 8) : 0;

			if (esize < 24)
				break;
			for (uint32_t e = 16; size - e >= esize; e += esize)
				add_range(iog_le64(t + e), iog_le64(t + e + 8),
					  iog_le32(t + e + 16));
			break;
		}
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
			break;
		}
		default: break;
		}
		off += (size + 7) & ~7u;
	}
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
	if (ranges_dropped)
		kprintf("boot: warning: %u memory ranges beyond the first %u dropped\n",
			ranges_dropped, (unsigned)BOOT_MAX_RANGES);

	kmain(&bi);
	kprintf("boot: kmain returned\n");
	qemu_exit(KMAIN_RETURNED_EXIT_CODE);
}
