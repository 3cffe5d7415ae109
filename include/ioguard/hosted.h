/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The platform for Linux user space: a simulated physical address space made
 * of RAM regions (backed by host memory) and MMIO windows (backed by
 * callbacks, e.g. the software VT-d model), a page pool for table pages, a
 * deterministic clock, and a log. Used by the tool, the tests and the
 * benchmarks; not part of the freestanding core.
 */
#ifndef IOGUARD_HOSTED_H
#define IOGUARD_HOSTED_H

#include <stddef.h>
#include <stdint.h>

#include <ioguard/platform.h>

#ifdef __cplusplus
extern "C" {
#endif

#define IOG_HOSTED_MAX_RAM 16
#define IOG_HOSTED_MAX_MMIO 64
#define IOG_HOSTED_LOG_LINES 64
#define IOG_HOSTED_LOG_LINE_LEN 160

/* A device's registers: `offset` is relative to the window's base. */
struct iog_mmio_ops {
	uint64_t (*read)(void *dev, uint32_t offset, unsigned size);
	void (*write)(void *dev, uint32_t offset, unsigned size, uint64_t value);
};

struct iog_hosted_ram {
	uint64_t phys;
	size_t size;
	uint8_t *mem;	  /* what the CPU sees */
	uint8_t *dev_mem; /* what devices see, when not coherent (else NULL) */
};

struct iog_hosted_mmio {
	uint64_t base;
	size_t size;
	const struct iog_mmio_ops *ops;
	void *dev;
};

struct iog_hosted {
	struct iog_platform plat; /* hand &plat to the core */
	struct iog_hosted_ram ram[IOG_HOSTED_MAX_RAM];
	unsigned nram;
	struct iog_hosted_mmio mmio[IOG_HOSTED_MAX_MMIO];
	unsigned nmmio;

	/* Page pool: one RAM range handed out 4 KiB at a time. */
	uint64_t pool_phys;
	uint8_t *pool_mem;
	size_t pool_pages;
	uint8_t *pool_used;
	size_t pool_hint;
	size_t pages_in_use;

	/* Simulated monotonic time: every clock read advances it by tick_ns. */
	uint64_t now_ns;
	uint64_t tick_ns;

	/*
	 * Not coherent (a VT-d unit with ECAP.C = 0): devices see a copy of RAM
	 * that CPU writes reach only through cache_flush.
	 */
	int noncoherent;

	long maps_outstanding; /* map calls not yet unmapped */
	unsigned long flushes; /* cache_flush calls */
	size_t flushed_bytes;

	int log_to_stderr;
	char log[IOG_HOSTED_LOG_LINES][IOG_HOSTED_LOG_LINE_LEN];
	unsigned log_count; /* total lines logged; the last 64 are kept */
};

/* Sets up an empty address space. */
void iog_hosted_init(struct iog_hosted *h);
/* Frees all host memory behind the address space. */
void iog_hosted_destroy(struct iog_hosted *h);

/* Adds zeroed RAM at [phys, phys+size); 0 or a negative IOG_E* error. */
int iog_hosted_add_ram(struct iog_hosted *h, uint64_t phys, size_t size);
/* Adds an MMIO window served by `ops`. */
int iog_hosted_add_mmio(struct iog_hosted *h, uint64_t base, size_t size,
			const struct iog_mmio_ops *ops, void *dev);
/* Adds RAM at [phys, phys+pages*4 KiB) and hands it out through page_alloc. */
int iog_hosted_set_page_pool(struct iog_hosted *h, uint64_t phys, size_t pages);

/*
 * From now on devices see RAM only as of the last cache_flush of each byte
 * (RAM added later included). 0 or IOG_ENOMEM.
 */
int iog_hosted_set_noncoherent(struct iog_hosted *h);

/* A device's view of memory (DMA, table walks): 0, or IOG_EINVAL when not all RAM. */
int iog_hosted_dma_read(struct iog_hosted *h, uint64_t phys, void *buf, size_t len);
int iog_hosted_dma_write(struct iog_hosted *h, uint64_t phys, const void *buf, size_t len);

/* Host pointer to simulated RAM (NULL when the range is not all RAM). */
void *iog_hosted_ptr(struct iog_hosted *h, uint64_t phys, size_t len);

/* The last logged line (NULL if none). */
const char *iog_hosted_last_log(const struct iog_hosted *h);

#ifdef __cplusplus
}
#endif

#endif
