/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer: the whole ACPI walk on a hostile physical memory image. The
 * input is physical memory from address 0; the first byte picks what to do
 * after the walk (the concealment mode). Mapping outside the image fails, as
 * unbacked memory would.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ioguard/acpi.h>

struct image {
	uint8_t *mem;
	size_t size;
	long maps;
};

static void *map(void *ctx, uint64_t phys, size_t len)
{
	struct image *im = ctx;

	if (phys > im->size || len > im->size - phys)
		return NULL;
	im->maps++;
	return im->mem + phys;
}

static void unmap(void *ctx, void *virt, size_t len)
{
	struct image *im = ctx;

	(void)virt;
	(void)len;
	im->maps--;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const sigs[] = {"DMAR", "IVRS", "APIC", "FACP"};
	struct image im = {NULL, size, 0};
	struct iog_platform p = {.ctx = &im, .map = map, .unmap = unmap};
	struct iog_acpi a;
	struct iog_acpi_table t;
	uint64_t rsdp;
	long at;

	if (size < 1)
		return 0;
	/* A private, exact-size copy: concealment writes, and ASan must see overruns. */
	im.mem = malloc(size);
	memcpy(im.mem, data, size);
	at = iog_rsdp_scan(im.mem, size);
	if (at >= 0 && iog_acpi_init(&a, &p, (uint64_t)at, NULL) == IOG_OK) {
		for (unsigned i = 0; i < 4; i++)
			for (unsigned n = 0; n < 3; n++)
				iog_acpi_find(&a, sigs[i], n, &t, NULL);
		iog_acpi_conceal(&a, "DMAR", (enum iog_conceal_mode)(1 + data[0] % 3),
				 size > 64 ? size - 64 : 0, NULL);
		iog_acpi_find(&a, "DMAR", 0, &t, NULL);
	}
	iog_rsdp_find(&p, &rsdp, NULL);
	if (im.maps != 0)
		__builtin_trap(); /* every map is unmapped */
	free(im.mem);
	return 0;
}
