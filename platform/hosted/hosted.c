/* SPDX-License-Identifier: BSD-2-Clause */
#include <ioguard/error.h>
#include <ioguard/hosted.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct iog_hosted_ram *find_ram(struct iog_hosted *h, uint64_t phys, size_t len)
{
	for (unsigned i = 0; i < h->nram; i++) {
		struct iog_hosted_ram *r = &h->ram[i];

		if (phys >= r->phys && len <= r->size && phys - r->phys <= r->size - len)
			return r;
	}
	return NULL;
}

void *iog_hosted_ptr(struct iog_hosted *h, uint64_t phys, size_t len)
{
	struct iog_hosted_ram *r = find_ram(h, phys, len ? len : 1);

	return r ? r->mem + (phys - r->phys) : NULL;
}

static void *hosted_map(void *ctx, uint64_t phys, size_t len)
{
	struct iog_hosted *h = ctx;
	void *v = iog_hosted_ptr(h, phys, len);

	if (v)
		h->maps_outstanding++;
	return v;
}

static void hosted_unmap(void *ctx, void *virt, size_t len)
{
	struct iog_hosted *h = ctx;

	(void)virt;
	(void)len;
	h->maps_outstanding--;
}

static int hosted_page_alloc(void *ctx, void **virt, uint64_t *phys)
{
	struct iog_hosted *h = ctx;

	for (size_t n = 0; n < h->pool_pages; n++) {
		size_t i = (h->pool_hint + n) % h->pool_pages;

		if (h->pool_used[i])
			continue;
		h->pool_used[i] = 1;
		h->pool_hint = i + 1;
		h->pages_in_use++;
		*phys = h->pool_phys + (uint64_t)i * IOG_PAGE_SIZE;
		*virt = h->pool_mem + (size_t)i * IOG_PAGE_SIZE;
		memset(*virt, 0, IOG_PAGE_SIZE);
		return IOG_OK;
	}
	return IOG_ENOMEM;
}

static void *hosted_page_virt(void *ctx, uint64_t phys)
{
	struct iog_hosted *h = ctx;

	if (phys < h->pool_phys || phys - h->pool_phys >= (uint64_t)h->pool_pages * IOG_PAGE_SIZE)
		return NULL;
	return h->pool_mem + (phys - h->pool_phys);
}

static void hosted_page_free(void *ctx, void *virt, uint64_t phys)
{
	struct iog_hosted *h = ctx;
	size_t i;

	(void)virt;
	if (phys < h->pool_phys || (phys - h->pool_phys) % IOG_PAGE_SIZE)
		return;
	i = (size_t)((phys - h->pool_phys) / IOG_PAGE_SIZE);
	if (i < h->pool_pages && h->pool_used[i]) {
		h->pool_used[i] = 0;
		h->pages_in_use--;
	}
}

static struct iog_hosted_mmio *find_mmio(struct iog_hosted *h, uint64_t addr, unsigned size)
{
	for (unsigned i = 0; i < h->nmmio; i++) {
		struct iog_hosted_mmio *m = &h->mmio[i];

		if (addr >= m->base && addr - m->base + size <= m->size)
			return m;
	}
	return NULL;
}

/* Nothing behind an address reads as all ones, as on a real bus. */
static uint64_t mmio_read(struct iog_hosted *h, uint64_t base, uint32_t off, unsigned size)
{
	struct iog_hosted_mmio *m = find_mmio(h, base + off, size);

	if (!m || !m->ops->read)
		return size == 8 ? ~0ull : 0xffffffffull;
	return m->ops->read(m->dev, (uint32_t)(base + off - m->base), size);
}

static void mmio_write(struct iog_hosted *h, uint64_t base, uint32_t off, unsigned size, uint64_t v)
{
	struct iog_hosted_mmio *m = find_mmio(h, base + off, size);

	if (m && m->ops->write)
		m->ops->write(m->dev, (uint32_t)(base + off - m->base), size, v);
}

static uint32_t hosted_read32(void *ctx, uint64_t base, uint32_t off)
{
	return (uint32_t)mmio_read(ctx, base, off, 4);
}

static uint64_t hosted_read64(void *ctx, uint64_t base, uint32_t off)
{
	return mmio_read(ctx, base, off, 8);
}

static void hosted_write32(void *ctx, uint64_t base, uint32_t off, uint32_t v)
{
	mmio_write(ctx, base, off, 4, v);
}

static void hosted_write64(void *ctx, uint64_t base, uint32_t off, uint64_t v)
{
	mmio_write(ctx, base, off, 8, v);
}

static void hosted_flush(void *ctx, const void *virt, size_t len)
{
	struct iog_hosted *h = ctx;
	const uint8_t *v = virt;

	h->flushes++;
	h->flushed_bytes += len;
	if (!h->noncoherent)
		return;
	for (unsigned i = 0; i < h->nram; i++) {
		struct iog_hosted_ram *r = &h->ram[i];

		if (v >= r->mem && len <= r->size && (size_t)(v - r->mem) <= r->size - len) {
			memcpy(r->dev_mem + (v - r->mem), v, len);
			return;
		}
	}
}

int iog_hosted_set_noncoherent(struct iog_hosted *h)
{
	for (unsigned i = 0; i < h->nram; i++) {
		struct iog_hosted_ram *r = &h->ram[i];

		if (r->dev_mem)
			continue;
		r->dev_mem = malloc(r->size);
		if (!r->dev_mem)
			return IOG_ENOMEM;
		memcpy(r->dev_mem, r->mem, r->size);
	}
	h->noncoherent = 1;
	return IOG_OK;
}

int iog_hosted_dma_read(struct iog_hosted *h, uint64_t phys, void *buf, size_t len)
{
	struct iog_hosted_ram *r = find_ram(h, phys, len ? len : 1);

	if (!r)
		return IOG_EINVAL;
	memcpy(buf, (r->dev_mem ? r->dev_mem : r->mem) + (phys - r->phys), len);
	return IOG_OK;
}

int iog_hosted_dma_write(struct iog_hosted *h, uint64_t phys, const void *buf, size_t len)
{
	struct iog_hosted_ram *r = find_ram(h, phys, len ? len : 1);

	if (!r)
		return IOG_EINVAL;
	memcpy(r->mem + (phys - r->phys), buf, len);
	if (r->dev_mem)
		memcpy(r->dev_mem + (phys - r->phys), buf, len);
	return IOG_OK;
}

static uint64_t hosted_clock(void *ctx)
{
	struct iog_hosted *h = ctx;

	h->now_ns += h->tick_ns;
	return h->now_ns;
}

static void hosted_log(void *ctx, enum iog_log_level level, const char *line)
{
	static const char *const names[] = {"error", "warn", "info", "debug"};
	struct iog_hosted *h = ctx;

	snprintf(h->log[h->log_count % IOG_HOSTED_LOG_LINES], IOG_HOSTED_LOG_LINE_LEN, "%s", line);
	h->log_count++;
	if (h->log_to_stderr)
		fprintf(stderr, "ioguard %s: %s\n", (unsigned)level < 4 ? names[level] : "?", line);
}

const char *iog_hosted_last_log(const struct iog_hosted *h)
{
	if (!h->log_count)
		return NULL;
	return h->log[(h->log_count - 1) % IOG_HOSTED_LOG_LINES];
}

void iog_hosted_init(struct iog_hosted *h)
{
	memset(h, 0, sizeof(*h));
	h->tick_ns = 1000;
	h->plat = (struct iog_platform){
		.ctx = h,
		.map = hosted_map,
		.unmap = hosted_unmap,
		.page_alloc = hosted_page_alloc,
		.page_free = hosted_page_free,
		.page_virt = hosted_page_virt,
		.reg_read32 = hosted_read32,
		.reg_read64 = hosted_read64,
		.reg_write32 = hosted_write32,
		.reg_write64 = hosted_write64,
		.cache_flush = hosted_flush,
		.clock_ns = hosted_clock,
		.log = hosted_log,
	};
}

void iog_hosted_destroy(struct iog_hosted *h)
{
	for (unsigned i = 0; i < h->nram; i++) {
		free(h->ram[i].mem);
		free(h->ram[i].dev_mem);
	}
	free(h->pool_used);
	h->nram = 0;
	h->pool_used = NULL;
	h->pool_pages = 0;
}

static int overlaps(struct iog_hosted *h, uint64_t phys, size_t size)
{
	for (unsigned i = 0; i < h->nram; i++)
		if (phys < h->ram[i].phys + h->ram[i].size && h->ram[i].phys < phys + size)
			return 1;
	for (unsigned i = 0; i < h->nmmio; i++)
		if (phys < h->mmio[i].base + h->mmio[i].size && h->mmio[i].base < phys + size)
			return 1;
	return 0;
}

int iog_hosted_add_ram(struct iog_hosted *h, uint64_t phys, size_t size)
{
	uint8_t *mem;

	if (!size || phys + size < phys)
		return IOG_EINVAL;
	if (h->nram == IOG_HOSTED_MAX_RAM)
		return IOG_ENOSPC;
	if (overlaps(h, phys, size))
		return IOG_ECONFLICT;
	mem = calloc(1, size);
	if (!mem)
		return IOG_ENOMEM;
	h->ram[h->nram] = (struct iog_hosted_ram){phys, size, mem, NULL};
	if (h->noncoherent) {
		h->ram[h->nram].dev_mem = calloc(1, size);
		if (!h->ram[h->nram].dev_mem) {
			free(mem);
			return IOG_ENOMEM;
		}
	}
	h->nram++;
	return IOG_OK;
}

int iog_hosted_add_mmio(struct iog_hosted *h, uint64_t base, size_t size,
			const struct iog_mmio_ops *ops, void *dev)
{
	if (!size || !ops || base + size < base)
		return IOG_EINVAL;
	if (h->nmmio == IOG_HOSTED_MAX_MMIO)
		return IOG_ENOSPC;
	if (overlaps(h, base, size))
		return IOG_ECONFLICT;
	h->mmio[h->nmmio++] = (struct iog_hosted_mmio){base, size, ops, dev};
	return IOG_OK;
}

int iog_hosted_set_page_pool(struct iog_hosted *h, uint64_t phys, size_t pages)
{
	int err;

	if (h->pool_used || !pages || (phys & (IOG_PAGE_SIZE - 1)))
		return IOG_EINVAL;
	err = iog_hosted_add_ram(h, phys, pages * IOG_PAGE_SIZE);
	if (err)
		return err;
	h->pool_used = calloc(pages, 1);
	if (!h->pool_used)
		return IOG_ENOMEM;
	h->pool_phys = phys;
	h->pool_mem = iog_hosted_ptr(h, phys, pages * IOG_PAGE_SIZE);
	h->pool_pages = pages;
	return IOG_OK;
}
