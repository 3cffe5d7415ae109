/* SPDX-License-Identifier: BSD-2-Clause */
/* The library's platform hooks on bare-metal x86_64 (see x86.h). */
#include <ioguard/error.h>

#include "boot/kernel.h"
#include "platform/x86/x86.h"

#define BITS_PER_WORD 64u
#define BITS_PER_PAGE (IOG_PAGE_SIZE * 8u)
#define CPUID_1_EDX_CLFSH (1u << 19)

static struct iog_x86 *self(void *ctx)
{
	return ctx;
}

/* Is [phys, phys + len) below the mapped limit (len 0 counts as 1)? */
static int below_limit(const struct iog_x86 *x, uint64_t phys, uint64_t len)
{
	if (!len)
		len = 1;
	return phys < x->mapped_limit && len <= x->mapped_limit - phys;
}

static void *x86_map(void *ctx, uint64_t phys, size_t len)
{
	return below_limit(self(ctx), phys, len) ? (void *)(uintptr_t)phys : NULL;
}

static void x86_unmap(void *ctx, void *virt, size_t len)
{
	(void)ctx;
	(void)virt;
	(void)len;
}

static void zero_page(void *page)
{
	uint64_t *q = page;

	for (size_t i = 0; i < IOG_PAGE_SIZE / sizeof(*q); i++)
		q[i] = 0;
}

static int x86_page_alloc(void *ctx, void **virt, uint64_t *phys)
{
	struct iog_x86 *x = self(ctx);
	size_t words = (x->pool_pages + BITS_PER_WORD - 1) / BITS_PER_WORD;

	for (size_t n = 0; n < words; n++) {
		size_t w = (x->hint + n) % words;
		uint64_t free = ~x->bitmap[w];
		size_t i;

		if (!free)
			continue;
		i = w * BITS_PER_WORD + (size_t)__builtin_ctzll(free);
		if (i >= x->pool_pages)
			continue; /* the padding bits of the last word */
		x->bitmap[w] |= 1ull << (i % BITS_PER_WORD);
		x->hint = w;
		if (++x->pages_in_use > x->pages_peak)
			x->pages_peak = x->pages_in_use;
		*phys = x->pool_phys + (uint64_t)i * IOG_PAGE_SIZE;
		*virt = (void *)(uintptr_t)*phys;
		zero_page(*virt);
		return 0;
	}
	return IOG_ENOMEM;
}

/* The pool index of an allocated page, or -1. */
static long allocated_index(struct iog_x86 *x, uint64_t phys)
{
	uint64_t off = phys - x->pool_phys;
	size_t i = (size_t)(off / IOG_PAGE_SIZE);

	if (phys < x->pool_phys || off % IOG_PAGE_SIZE || i >= x->pool_pages || i < x->data_first ||
	    !(x->bitmap[i / BITS_PER_WORD] & (1ull << (i % BITS_PER_WORD))))
		return -1;
	return (long)i;
}

static void x86_page_free(void *ctx, void *virt, uint64_t phys)
{
	struct iog_x86 *x = self(ctx);
	long i = allocated_index(x, phys);

	if (i < 0 || virt != (void *)(uintptr_t)phys) {
		x->bad_frees++;
		kprintf("x86: page_free of 0x%llx (virt 0x%llx): not an allocated page\n",
			(unsigned long long)phys, (unsigned long long)(uintptr_t)virt);
		return;
	}
	x->bitmap[(size_t)i / BITS_PER_WORD] &= ~(1ull << ((size_t)i % BITS_PER_WORD));
	x->pages_in_use--;
}

static void *x86_page_virt(void *ctx, uint64_t phys)
{
	struct iog_x86 *x = self(ctx);

	return allocated_index(x, phys) < 0 ? NULL : (void *)(uintptr_t)phys;
}

static volatile void *reg(struct iog_x86 *x, uint64_t base, uint32_t offset, unsigned size)
{
	uint64_t a = base + offset;

	if (a < base || !below_limit(x, a, size) || a % size) {
		if (!x->mmio_errors++)
			kprintf("x86: register access at 0x%llx refused\n", (unsigned long long)a);
		return NULL;
	}
	return (volatile void *)(uintptr_t)a;
}

static uint32_t x86_reg_read32(void *ctx, uint64_t base, uint32_t offset)
{
	volatile uint32_t *r = reg(self(ctx), base, offset, 4);

	return r ? *r : 0xffffffffu;
}

static uint64_t x86_reg_read64(void *ctx, uint64_t base, uint32_t offset)
{
	volatile uint64_t *r = reg(self(ctx), base, offset, 8);

	return r ? *r : ~0ull;
}

static void x86_reg_write32(void *ctx, uint64_t base, uint32_t offset, uint32_t value)
{
	volatile uint32_t *r = reg(self(ctx), base, offset, 4);

	if (r)
		*r = value;
}

static void x86_reg_write64(void *ctx, uint64_t base, uint32_t offset, uint64_t value)
{
	volatile uint64_t *r = reg(self(ctx), base, offset, 8);

	if (r)
		*r = value;
}

static void x86_cache_flush(void *ctx, const void *virt, size_t len)
{
	struct iog_x86 *x = self(ctx);
	uintptr_t p, end = (uintptr_t)virt + len;

	if (!len)
		return;
	if (!x->clflush_line) {
		__asm__ volatile("wbinvd" : : : "memory");
		return;
	}
	__asm__ volatile("mfence" : : : "memory"); /* earlier stores before the flushes */
	for (p = (uintptr_t)virt & ~(uintptr_t)(x->clflush_line - 1); p < end; p += x->clflush_line)
		__asm__ volatile("clflush %0" : "+m"(*(volatile char *)p));
	__asm__ volatile("mfence" : : : "memory");
}

static uint64_t x86_clock_ns(void *ctx)
{
	(void)ctx;
	return time_ns();
}

static void x86_log(void *ctx, enum iog_log_level level, const char *line)
{
	static const char *const prefix[] = {"error", "warn", "info", "debug"};
	struct iog_x86 *x = self(ctx);

	if (level > x->log_max)
		return;
	kprintf("%s: %s\n", (unsigned)level < 4 ? prefix[level] : "log", line ? line : "");
}

static unsigned clflush_line_size(void)
{
	uint32_t a, b, c, d;

	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1u), "c"(0u));
	if (!(d & CPUID_1_EDX_CLFSH))
		return 0;
	b = (b >> 8) & 0xff;
	/* A power of two is assumed by the rounding in cache_flush. */
	return b && !((b * 8) & (b * 8 - 1)) ? b * 8 : 64;
}

size_t iog_x86_pages_total(const struct iog_x86 *x)
{
	return x->pool_pages - x->data_first;
}

int iog_x86_init(struct iog_x86 *x, uint64_t pool_phys, size_t pool_pages, uint64_t mapped_limit)
{
	size_t bitmap_pages = (pool_pages + BITS_PER_PAGE - 1) / BITS_PER_PAGE;

	if (!x || pool_phys % IOG_PAGE_SIZE || pool_pages <= bitmap_pages ||
	    pool_pages > (size_t)(mapped_limit / IOG_PAGE_SIZE) ||
	    pool_phys > mapped_limit - (uint64_t)pool_pages * IOG_PAGE_SIZE)
		return IOG_EINVAL;

	*x = (struct iog_x86){
		.plat =
			{
				.ctx = x,
				.map = x86_map,
				.unmap = x86_unmap,
				.page_alloc = x86_page_alloc,
				.page_free = x86_page_free,
				.page_virt = x86_page_virt,
				.reg_read32 = x86_reg_read32,
				.reg_read64 = x86_reg_read64,
				.reg_write32 = x86_reg_write32,
				.reg_write64 = x86_reg_write64,
				.cache_flush = x86_cache_flush,
				.clock_ns = x86_clock_ns,
				.log = x86_log,
			},
		.mapped_limit = mapped_limit,
		.pool_phys = pool_phys,
		.pool_pages = pool_pages,
		.data_first = bitmap_pages,
		.bitmap = (uint64_t *)(uintptr_t)pool_phys,
		.clflush_line = clflush_line_size(),
		.log_max = IOG_LOG_DEBUG,
	};
	/* The bitmap's own pages are marked allocated so they are never handed out. */
	for (size_t i = 0; i < bitmap_pages * (IOG_PAGE_SIZE / sizeof(uint64_t)); i++)
		x->bitmap[i] = 0;
	for (size_t i = 0; i < bitmap_pages; i++)
		x->bitmap[i / BITS_PER_WORD] |= 1ull << (i % BITS_PER_WORD);
	return 0;
}
