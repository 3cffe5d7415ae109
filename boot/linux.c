/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Hands the machine to a Linux kernel (a bzImage multiboot module) through
 * the x86 64-bit boot protocol (Documentation/arch/x86/boot.rst): the
 * protected-mode kernel moved to its preferred address, the initrd high in
 * RAM, a zero page with the setup header, the command line and an E820 map
 * in which the VMM's memory is reserved, then a jump to the 64-bit entry with
 * the boot GDT Linux expects. DMA remapping stays on underneath.
 */
#include "boot/linux.h"
#include "util/bytes.h"
#include "util/log.h"

#define SETUP_SECTS 0x1f1
#define SETUP_HDR 0x1f1
#define HDR_JUMP 0x200 /* the byte at 0x201 is the header's length after 0x202 */
#define HDR_MAGIC 0x202
#define HDR_VERSION 0x206
#define HDR_TYPE_OF_LOADER 0x210
#define HDR_LOADFLAGS 0x211
#define HDR_CODE32_START 0x214
#define HDR_RAMDISK_IMAGE 0x218
#define HDR_RAMDISK_SIZE 0x21c
#define HDR_CMD_LINE_PTR 0x228
#define HDR_INITRD_ADDR_MAX 0x22c
#define HDR_KERNEL_ALIGNMENT 0x230
#define HDR_RELOCATABLE 0x234
#define HDR_XLOADFLAGS 0x236
#define HDR_CMDLINE_SIZE 0x238
#define HDR_PREF_ADDRESS 0x258
#define HDR_INIT_SIZE 0x260
#define BP_ACPI_RSDP_ADDR 0x070
/* struct efi_info (zero-page.rst): signature, system table, memory map. */
#define BP_EFI_INFO 0x1c0
#define EFI_SIGNATURE_64 0x34364c45u /* "EL64" */
#define BP_EXT_RAMDISK_IMAGE 0x0c0
#define BP_EXT_RAMDISK_SIZE 0x0c4
#define BP_EXT_CMD_LINE_PTR 0x0c8
#define BP_E820_ENTRIES 0x1e8
#define BP_E820_TABLE 0x2d0
#define E820_MAX 128
#define LOADED_HIGH 0x01
#define XLF_KERNEL_64 0x01
#define E820_RAM 1
#define E820_RESERVED 2

void *memmove(void *dst, const void *src, size_t n); /* boot/string.c */

static uint8_t zero_page[4096] __attribute__((aligned(4096)));
static char linux_cmdline[2048];
static const uint64_t linux_gdt[4] = {
	0, 0, 0x00af9a000000ffffull, /* 0x10: __BOOT_CS, 64-bit code */
	0x00cf92000000ffffull,	     /* 0x18: __BOOT_DS, data */
};

static int overlaps(uint64_t a, uint64_t an, uint64_t b, uint64_t bn)
{
	return an && bn && a < b + bn && b < a + an;
}

/* Is [base, base + size) inside usable RAM and clear of everything in `avoid`? */
static int usable(const struct boot_info *bi, uint64_t base, uint64_t size,
		  const struct iog_range *avoid, unsigned navoid)
{
	int in_ram = 0;

	if (base + size < base || base + size > bi->mapped_limit)
		return 0;
	for (unsigned i = 0; i < bi->nmem; i++) {
		const struct boot_range *r = &bi->mem[i];

		if (r->type == E820_RAM && base >= r->base && base + size <= r->base + r->size)
			in_ram = 1;
		if (r->type != E820_RAM && overlaps(base, size, r->base, r->size))
			return 0;
	}
	for (unsigned i = 0; in_ram && i < navoid; i++)
		if (overlaps(base, size, avoid[i].base, avoid[i].size))
			return 0;
	return in_ram;
}

/* The highest `align`-aligned place in [floor, limit) where `size` bytes fit. */
static uint64_t place_high(const struct boot_info *bi, uint64_t size, uint64_t align,
			   uint64_t floor, uint64_t limit, const struct iog_range *avoid,
			   unsigned navoid)
{
	uint64_t best = 0;

	for (unsigned i = 0; i < bi->nmem; i++) {
		const struct boot_range *r = &bi->mem[i];
		uint64_t top = r->base + r->size, at;

		if (r->type != E820_RAM || r->size < size)
			continue;
		if (top > limit)
			top = limit;
		if (top < size + r->base)
			continue;
		/* Step down past whatever is in the way, a bounded number of times. */
		for (unsigned tries = 0; tries < 64; tries++) {
			at = (top - size) & ~(align - 1);
			if (at < r->base || at < floor)
				break;
			if (usable(bi, at, size, avoid, navoid)) {
				if (at > best)
					best = at;
				break;
			}
			top = at; /* try lower */
			for (unsigned k = 0; k < navoid; k++)
				if (overlaps(at, size, avoid[k].base, avoid[k].size) &&
				    avoid[k].base < top)
					top = avoid[k].base;
		}
	}
	return best;
}

/* The E820 map Linux gets: the loader's, with `reserve` carved out of RAM. */
static unsigned build_e820(const struct boot_info *bi, const struct iog_range *reserve,
			   unsigned nreserve, uint8_t *table)
{
	unsigned n = 0;

#define E820_ADD(b, s, t)                                                                          \
	do {                                                                                       \
		if ((s) && n < E820_MAX) {                                                         \
			iog_put_le64(table + 20 * n, (b));                                         \
			iog_put_le64(table + 20 * n + 8, (s));                                     \
			iog_put_le32(table + 20 * n + 16, (t));                                    \
			n++;                                                                       \
		}                                                                                  \
	} while (0)

	for (unsigned i = 0; i < bi->nmem; i++) {
		const struct boot_range *r = &bi->mem[i];
		uint64_t at = r->base, end = r->base + r->size;

		if (r->type != E820_RAM) {
			E820_ADD(r->base, r->size, r->type);
			continue;
		}
		/* Walk the range, cutting out reserved pieces in address order. */
		while (at < end) {
			uint64_t next_cut = end, cut_end = end;

			for (unsigned k = 0; k < nreserve; k++) {
				uint64_t b = reserve[k].base, e = reserve[k].base + reserve[k].size;

				if (e <= at || b >= end)
					continue;
				if ((b > at ? b : at) < next_cut) {
					next_cut = b > at ? b : at;
					cut_end = e < end ? e : end;
				}
			}
			E820_ADD(at, next_cut - at, E820_RAM);
			if (next_cut == end)
				break;
			E820_ADD(next_cut, cut_end - next_cut, E820_RESERVED);
			at = cut_end;
		}
	}
#undef E820_ADD
	return n;
}

static __attribute__((noreturn)) void jump(uint64_t entry, uint64_t boot_params)
{
	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} gdtr = {sizeof(linux_gdt) - 1, (uint64_t)(uintptr_t)linux_gdt};

	__asm__ __volatile__("cli\n\t"
			     "lgdt %0\n\t"
			     "movl $0x18, %%eax\n\t"
			     "movl %%eax, %%ds\n\t"
			     "movl %%eax, %%es\n\t"
			     "movl %%eax, %%ss\n\t"
			     "movl %%eax, %%fs\n\t"
			     "movl %%eax, %%gs\n\t"
			     "pushq $0x10\n\t"
			     "leaq 1f(%%rip), %%rax\n\t"
			     "pushq %%rax\n\t"
			     "lretq\n"
			     "1:\n\t"
			     "jmp *%%rdx\n"
			     :
			     : "m"(gdtr), "S"(boot_params), "d"(entry)
			     : "rax", "memory");
	__builtin_unreachable();
}

int linux_boot(const struct boot_info *bi, const struct linux_handoff *h, char *why, size_t n)
{
	const struct boot_module *kmod = NULL, *imod = NULL;
	struct iog_range avoid[20];
	unsigned navoid = 0;
	const uint8_t *k;
	uint64_t setup_len, payload, payload_len, load, initrd = 0, initrd_len = 0;
	uint32_t init_size, align, initrd_max;
	uint16_t version;

	for (unsigned i = 0; i < bi->nmods; i++) {
		const uint8_t *m = (const uint8_t *)(uintptr_t)bi->mods[i].start;

		if (!kmod && bi->mods[i].end - bi->mods[i].start > 0x1000 &&
		    !iog_memcmp(m + HDR_MAGIC, "HdrS", 4))
			kmod = &bi->mods[i];
		else if (!imod)
			imod = &bi->mods[i];
	}
	if (!kmod) {
		iog_format(why, n, "no bzImage among %u boot modules", bi->nmods);
		return -1;
	}
	k = (const uint8_t *)(uintptr_t)kmod->start;
	version = iog_le16(k + HDR_VERSION);
	if (version < 0x020c || !(iog_le16(k + HDR_XLOADFLAGS) & XLF_KERNEL_64)) {
		iog_format(why, n, "boot protocol %x without the 64-bit entry", version);
		return -1;
	}
	setup_len = ((uint64_t)(k[SETUP_SECTS] ? k[SETUP_SECTS] : 4) + 1) * 512;
	payload = kmod->start + setup_len;
	payload_len = kmod->end - payload;
	init_size = iog_le32(k + HDR_INIT_SIZE);
	align = iog_le32(k + HDR_KERNEL_ALIGNMENT);
	initrd_max = iog_le32(k + HDR_INITRD_ADDR_MAX);
	if (setup_len >= kmod->end - kmod->start || init_size < payload_len || !align ||
	    (align & (align - 1)) || 0x202u + k[HDR_JUMP + 1] > setup_len) {
		iog_format(why, n, "bzImage header is inconsistent");
		return -1;
	}

	/* Where everything goes: nothing may land on the VMM or on a module still to move. */
	if (h->nreserve > 16) {
		iog_format(why, n, "too many reserved ranges (%u)", h->nreserve);
		return -1;
	}
	for (unsigned i = 0; i < h->nreserve; i++)
		avoid[navoid++] = h->reserve[i];
	avoid[navoid++] = (struct iog_range){bi->image_start, bi->image_end - bi->image_start};
	avoid[navoid++] = (struct iog_range){kmod->start, kmod->end - kmod->start};
	load = iog_le64(k + HDR_PREF_ADDRESS);
	if (!usable(bi, load, init_size, avoid, navoid - 1)) {
		if (!k[HDR_RELOCATABLE]) {
			iog_format(why, n, "the kernel's address %llx is taken and it cannot move",
				   (unsigned long long)load);
			return -1;
		}
		/* Linux never runs below its preferred address (LOAD_PHYSICAL_ADDR). */
		load = place_high(bi, init_size, align, load, 1ull << 32, avoid, navoid - 1);
	}
	if (!load) {
		iog_format(why, n, "no room for the kernel (%u bytes)", init_size);
		return -1;
	}
	if (imod) {
		initrd_len = imod->end - imod->start;
		avoid[navoid++] = (struct iog_range){load, init_size};
		initrd = place_high(bi, initrd_len, 4096, 0, (uint64_t)initrd_max + 1, avoid,
				    navoid);
		if (!initrd) {
			iog_format(why, n, "no room for the initrd (%llu bytes)",
				   (unsigned long long)initrd_len);
			return -1;
		}
		/* The initrd first (up high), then the kernel (it may slide over its source). */
		memmove((void *)(uintptr_t)initrd, (const void *)(uintptr_t)imod->start,
			initrd_len);
	}

	/* The zero page: the setup header as the image has it, then what the loader fills. */
	iog_memset(zero_page, 0, sizeof(zero_page));
	iog_memcpy(zero_page + SETUP_HDR, k + SETUP_HDR, 0x202 + k[HDR_JUMP + 1] - SETUP_HDR);
	zero_page[HDR_TYPE_OF_LOADER] = 0xff;
	zero_page[HDR_LOADFLAGS] |= LOADED_HIGH;
	iog_put_le32(zero_page + HDR_CODE32_START, (uint32_t)load);
	iog_put_le32(zero_page + HDR_RAMDISK_IMAGE, (uint32_t)initrd);
	iog_put_le32(zero_page + HDR_RAMDISK_SIZE, (uint32_t)initrd_len);
	iog_put_le32(zero_page + BP_EXT_RAMDISK_IMAGE, (uint32_t)(initrd >> 32));
	iog_put_le32(zero_page + BP_EXT_RAMDISK_SIZE, (uint32_t)(initrd_len >> 32));
	iog_format(linux_cmdline, sizeof(linux_cmdline), "%s", h->cmdline);
	iog_put_le32(zero_page + HDR_CMD_LINE_PTR, (uint32_t)(uintptr_t)linux_cmdline);
	iog_put_le32(zero_page + BP_EXT_CMD_LINE_PTR,
		     (uint32_t)((uint64_t)(uintptr_t)linux_cmdline >> 32));
	if (version >= 0x020e)
		iog_put_le64(zero_page + BP_ACPI_RSDP_ADDR, h->rsdp);
	if (h->efi_systab && h->efi_map) {
		uint8_t *e = zero_page + BP_EFI_INFO;
		uint64_t map = (uint64_t)(uintptr_t)h->efi_map;

		iog_put_le32(e, EFI_SIGNATURE_64);
		iog_put_le32(e + 4, (uint32_t)h->efi_systab);
		iog_put_le32(e + 8, h->efi_desc_size);
		iog_put_le32(e + 12, h->efi_desc_version);
		iog_put_le32(e + 16, (uint32_t)map);
		iog_put_le32(e + 20, h->efi_map_size);
		iog_put_le32(e + 24, (uint32_t)(h->efi_systab >> 32));
		iog_put_le32(e + 28, (uint32_t)(map >> 32));
	}
	zero_page[BP_E820_ENTRIES] =
		(uint8_t)build_e820(bi, h->reserve, h->nreserve, zero_page + BP_E820_TABLE);

	iog_logf(h->plat, IOG_LOG_INFO,
		 "linux: protocol %x, kernel %llu bytes at %llx (init size %u), initrd %llu bytes "
		 "at "
		 "%llx, %u e820 entries, EFI %s",
		 version, (unsigned long long)payload_len, (unsigned long long)load, init_size,
		 (unsigned long long)initrd_len, (unsigned long long)initrd,
		 zero_page[BP_E820_ENTRIES], h->efi_systab && h->efi_map ? "runtime" : "none");
	memmove((void *)(uintptr_t)load, (const void *)(uintptr_t)payload, payload_len);
	jump(load + 0x200, (uint64_t)(uintptr_t)zero_page);
}
