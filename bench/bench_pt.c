/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Page-table engine figures: for memory maps of 4 GiB, 64 GiB and 1 TiB with
 * the holes real machines have, and 64 MiB of VMM memory protected at an
 * address that is not 2 MiB aligned:
 *   - table pages used next to the exact minimum for that layout, computed
 *     here from the ranges alone (not from the engine);
 *   - setup time next to BitVisor's strategy, one 4 KiB page at a time;
 *   - 4 KiB map/unmap churn and software translation speed.
 * Figures only: nothing here passes or fails.
 */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ioguard/hosted.h>
#include <ioguard/pt.h>
#include <ioguard/verify.h>

#define KiB 1024ull
#define MiB (1024 * KiB)
#define GiB (1024 * MiB)
#define TiB (1024 * GiB)
#define POOL_AT (1ull << 45) /* table pages: far above any mapped range */
#define MAXR 16

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/*
 * A PC-like memory map with `total` bytes of RAM: low memory with the legacy
 * hole, RAM up to a 1 GiB PCI hole below 4 GiB with an odd reserved block
 * in it, the rest above 4 GiB.
 */
static unsigned memory_map(uint64_t total, struct iog_range *r)
{
	uint64_t low_top = 3 * GiB, below = 0, n = 0;

	r[n++] = (struct iog_range){0, 0x9f000};		/* 636 KiB */
	r[n++] = (struct iog_range){1 * MiB, 0x9d0f0000 - MiB}; /* up to firmware's block */
	r[n++] = (struct iog_range){0x9d1f3000, 0xb7e00000 - 0x9d1f3000};
	r[n++] = (struct iog_range){0xb8000000, low_top - 0xb8000000 - 0x1b000};
	for (unsigned i = 0; i < n; i++)
		below += r[i].size;
	r[n++] = (struct iog_range){4 * GiB, total - below};
	return (unsigned)n;
}

/* The ranges as mapped: the memory map minus the protected region, sorted. */
static unsigned subtract(const struct iog_range *in, unsigned n, struct iog_range hole,
			 struct iog_range *out)
{
	unsigned m = 0;

	for (unsigned i = 0; i < n; i++) {
		uint64_t b = in[i].base, e = in[i].base + in[i].size;
		uint64_t hb = hole.base, he = hole.base + hole.size;

		if (he <= b || hb >= e) {
			out[m++] = in[i];
			continue;
		}
		if (hb > b)
			out[m++] = (struct iog_range){b, hb - b};
		if (he < e)
			out[m++] = (struct iog_range){he, e - he};
	}
	return m;
}

/*
 * The fewest table pages any 4-level tree with 4 KiB, 2 MiB and 1 GiB leaves
 * needs for identity ranges (sorted, disjoint, page aligned): the root, one
 * table per 512 GiB block touched, one per 1 GiB block partly mapped, one
 * per 2 MiB block partly mapped. Only blocks that hold a range edge can be
 * partly mapped; one shared by two ranges is counted once.
 */
static uint64_t minimum_pages(const struct iog_range *r, unsigned n)
{
	static const uint64_t block[3] = {2 * MiB, GiB, 512 * GiB};
	uint64_t total = 1;

	for (unsigned lvl = 0; lvl < 3; lvl++) {
		uint64_t g = block[lvl], last = ~0ull;

		for (unsigned i = 0; i < n; i++) {
			uint64_t b = r[i].base, e = r[i].base + r[i].size;

			if (lvl == 2) {
				/* Touched blocks: tables are needed even when full. */
				for (uint64_t k = b / g; k <= (e - 1) / g; k++)
					if (k != last) {
						total++;
						last = k;
					}
				continue;
			}
			/* Partly mapped blocks: at the edges only, and only when not aligned. */
			uint64_t cand[2] = {b % g ? b / g : ~0ull, e % g ? (e - 1) / g : ~0ull};

			for (unsigned c = 0; c < 2; c++) {
				uint64_t k = cand[c], kb, ke, covered = 0;

				if (k == ~0ull || k == last)
					continue;
				kb = k * g;
				ke = kb + g;
				for (unsigned j = 0; j < n; j++) {
					uint64_t x = r[j].base > kb ? r[j].base : kb;
					uint64_t y = r[j].base + r[j].size < ke
							     ? r[j].base + r[j].size
							     : ke;

					if (y > x)
						covered += y - x;
				}
				if (covered && covered < g) {
					total++;
					last = k;
				}
			}
		}
	}
	return total;
}

static void platform_with_pool(struct iog_hosted *h, size_t pages)
{
	iog_hosted_init(h);
	if (iog_hosted_set_page_pool(h, POOL_AT, pages)) {
		fprintf(stderr, "bench: no memory for %zu table pages\n", pages);
		exit(1);
	}
}

static struct iog_pt_config config(unsigned large)
{
	struct iog_pt_config c = {4, large, 46, 1, IOG_PT_VTD_SL};

	return c;
}

/* The engine's way: each range in one call, then the protected region out. */
static void build_layout(struct iog_pt *pt, struct iog_hosted *h, const struct iog_pt_config *c,
			 const struct iog_range *map, unsigned n, struct iog_range protect)
{
	if (iog_pt_init(pt, &h->plat, c))
		exit(1);
	for (unsigned i = 0; i < n; i++)
		if (iog_pt_map(pt, map[i].base, map[i].base, map[i].size, IOG_PT_RW, NULL))
			exit(1);
	if (iog_pt_unmap(pt, protect.base, protect.size, NULL))
		exit(1);
}

/* The engine: setup time and table pages for the layout. */
static double setup_engine(const struct iog_range *map, unsigned n, struct iog_range protect,
			   size_t *pages)
{
	struct iog_hosted h;
	struct iog_pt pt;
	struct iog_pt_config c = config(IOG_PT_LARGE_2M | IOG_PT_LARGE_1G);
	double t0, t1;

	platform_with_pool(&h, 4096);
	t0 = now();
	build_layout(&pt, &h, &c, map, n, protect);
	iog_pt_reclaim(&pt);
	t1 = now();
	*pages = pt.pages;
	iog_pt_destroy(&pt);
	iog_hosted_destroy(&h);
	return t1 - t0;
}

/* BitVisor's way: every 4 KiB page of the final layout mapped by itself. */
static double setup_baseline(const struct iog_range *ranges, unsigned n, size_t *pages)
{
	struct iog_hosted h;
	struct iog_pt pt;
	struct iog_pt_config c = config(0);
	uint64_t total = 0;
	double t0, t1;

	for (unsigned i = 0; i < n; i++)
		total += ranges[i].size;
	platform_with_pool(&h, (size_t)(total / 4096 / 512 + 1024));
	t0 = now();
	if (iog_pt_init(&pt, &h.plat, &c))
		exit(1);
	for (unsigned i = 0; i < n; i++)
		for (uint64_t a = ranges[i].base; a < ranges[i].base + ranges[i].size; a += 4096)
			if (iog_pt_map(&pt, a, a, 4096, IOG_PT_RW, NULL))
				exit(1);
	t1 = now();
	*pages = pt.pages;
	iog_pt_destroy(&pt);
	iog_hosted_destroy(&h);
	return t1 - t0;
}

static uint64_t rnd_state = 88172645463325252ull;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/*
 * Churn: single 4 KiB pages mapped and unmapped in a 64 MiB DMA-buffer area
 * where every other page stays mapped (the tables stay; only entries move).
 * One op is one map or one unmap call.
 */
static double churn(void)
{
	struct iog_hosted h;
	struct iog_pt pt;
	struct iog_pt_config c = config(IOG_PT_LARGE_2M | IOG_PT_LARGE_1G);
	const uint64_t area = 0x100000000ull, pages = 64 * MiB / 4096;
	const unsigned ops = 4000000;
	uint64_t *addr = malloc(ops / 2 * sizeof(uint64_t));
	double t0, t1;

	platform_with_pool(&h, 4096);
	if (!addr || iog_pt_init(&pt, &h.plat, &c))
		exit(1);
	for (uint64_t p = 0; p < pages; p += 2)
		if (iog_pt_map(&pt, area + p * 4096, area + p * 4096, 4096, IOG_PT_RW, NULL))
			exit(1);
	for (unsigned i = 0; i < ops / 2; i++)
		addr[i] = area + ((rnd() % (pages / 2)) * 2 + 1) * 4096;
	t0 = now();
	for (unsigned i = 0; i < ops / 2; i++) {
		struct iog_pt_inval inv = {0, 0, 0};

		if (iog_pt_map(&pt, addr[i], addr[i] + 0x40000000, 4096, IOG_PT_RW, &inv) ||
		    iog_pt_unmap(&pt, addr[i], 4096, &inv))
			exit(1);
	}
	t1 = now();
	iog_pt_destroy(&pt);
	iog_hosted_destroy(&h);
	free(addr);
	return ops / (t1 - t0) / 1e6;
}

/* Software translation of random addresses in an identity map with 4 KiB edges. */
static double translate_ns(const struct iog_range *map, unsigned n, struct iog_range protect)
{
	struct iog_hosted h;
	struct iog_pt pt;
	struct iog_pt_config c = config(IOG_PT_LARGE_2M | IOG_PT_LARGE_1G);
	const unsigned ops = 4000000;
	uint64_t *addr = malloc(ops * sizeof(uint64_t)), sum = 0;
	double t0, t1;

	platform_with_pool(&h, 4096);
	if (!addr)
		exit(1);
	build_layout(&pt, &h, &c, map, n, protect);
	/* Half of the lookups near the protected edges, where the 4 KiB leaves are. */
	for (unsigned i = 0; i < ops; i++)
		addr[i] = i % 2 ? map[n - 1].base + rnd() % map[n - 1].size
				: protect.base - 2 * MiB + rnd() % (protect.size + 4 * MiB);
	t0 = now();
	for (unsigned i = 0; i < ops; i++) {
		uint64_t phys = 0;

		if (iog_pt_translate(&pt, addr[i], &phys, NULL, NULL) == 0)
			sum += phys;
	}
	t1 = now();
	if (sum == 42)
		printf(" ");
	iog_pt_destroy(&pt);
	iog_hosted_destroy(&h);
	free(addr);
	return (t1 - t0) / ops * 1e9;
}

int main(void)
{
	static const struct {
		const char *name;
		uint64_t total;
		int baseline;
	} sizes[] = {{"4 GiB", 4 * GiB, 1}, {"64 GiB", 64 * GiB, 1}, {"1 TiB", TiB, 0}};
	struct iog_range protect = {0x123456000ull, 64 * MiB}; /* 4 KiB aligned only */
	double worst = 0, speedup64 = 0, mops, tns;
	struct iog_range map[MAXR], layout[MAXR];
	unsigned n = 0, m = 0;

	printf("%-7s %8s %8s %7s %12s %12s %10s\n", "memory", "pages", "minimum", "ratio", "setup",
	       "4K baseline", "speedup");
	for (unsigned s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		size_t pages = 0, base_pages = 0;
		uint64_t min;
		double t, tb = 0;

		n = memory_map(sizes[s].total, map);
		m = subtract(map, n, protect, layout);
		min = minimum_pages(layout, m);
		t = setup_engine(map, n, protect, &pages);
		if (sizes[s].baseline)
			tb = setup_baseline(layout, m, &base_pages);
		if ((double)pages / (double)min > worst)
			worst = (double)pages / (double)min;
		if (sizes[s].total == 64 * GiB)
			speedup64 = tb / t;
		printf("%-7s %8zu %8llu %7.3f %10.1f us", sizes[s].name, pages,
		       (unsigned long long)min, (double)pages / (double)min, t * 1e6);
		if (sizes[s].baseline)
			printf(" %10.1f ms %9.0fx  (baseline: %zu pages)\n", tb * 1e3, tb / t,
			       base_pages);
		else
			printf(" %12s %10s\n", "-", "-");
	}
	mops = churn();
	tns = translate_ns(map, n, protect);
	printf("churn: %.1f M ops/s (one op: a 4 KiB map or unmap)\n", mops);
	printf("translate: %.1f ns/op\n", tns);
	printf("bench: pages/min=%.3f speedup@64GiB=%.0f churn=%.1f translate=%.1f\n", worst,
	       speedup64, mops, tns);
	return 0;
}
