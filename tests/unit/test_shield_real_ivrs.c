/*
 * The shield on every real IVRS under shared/tables/ivrs/: a software AMD
 * IOMMU at every IVHD base (of the IVHD type an OS uses), two capability
 * sets, a memory map with the IVMDs reserved, a grant inside protected
 * memory. Checked by model DMA for every device id each IVHD names, on its
 * IOMMU, read from the table by the test's own entry walker: protected
 * memory (the VMM, the grant, the IOMMU's device table) unreachable,
 * ordinary RAM reachable, every IVMD reachable by its devices, the grant by
 * its device only.
 */
#include <stdlib.h>
#include <string.h>

#include <ioguard/hosted.h>
#include <ioguard/shield.h>

#include "model/amdvi_model.h"
#include "testlib.h"

#define MiB (1024ull * 1024)
#define GiB (1024 * MiB)
#define VMM_SIZE (64 * MiB)
#define POOL_OFF (16 * MiB)
#define POOL_PAGES 8192 /* device tables of 512 pages, several IOMMUs */
#define GRANT_OFF (2 * MiB)
#define GRANT_SIZE 0x10000ull
#define MAX_IOMMUS 16
#define MAX_RANGES 64

struct realm {
	const uint8_t *ivrs;
	size_t len;
	const char *name;
	unsigned type;
	uint64_t base[MAX_IOMMUS];
	long block[MAX_IOMMUS];
	unsigned n;
	/* Which IOMMU each device id goes to (segment 0), by the test's reading. */
	int8_t route[65536];
	struct iog_range memmap[MAX_RANGES];
	unsigned nmemmap;
	struct iog_range protect[1];
	struct iog_grant grant;
};

struct machine {
	struct iog_hosted h;
	struct amdvi_model m[MAX_IOMMUS];
	struct iog_shield s;
	struct iog_shield_config c;
};

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)le16(p) | (uint32_t)le16(p + 2) << 16;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* Entry length by type (AMD IOMMU 5.2.2.x): 4, 8, 16, 32 bytes; F0h: 22 + UID length. */
static size_t entry_len(const uint8_t *p, size_t left)
{
	if (p[0] == 0xf0)
		return left >= 22 ? 22u + p[21] : left + 1;
	return p[0] < 0x40 ? 4 : p[0] < 0x80 ? 8 : p[0] < 0xc0 ? 16 : 32;
}

static void route_range(struct realm *r, unsigned first, unsigned last, int iommu)
{
	for (unsigned id = first; id <= last && id < 65536; id++)
		if (r->route[id] < 0)
			r->route[id] = (int8_t)iommu;
}

/* The device ids an IVHD names, read straight from its bytes. */
static void route_ivhd(struct realm *r, size_t at, size_t blen, int iommu)
{
	size_t hdr = r->ivrs[at] == 0x10 ? 24 : 40, off = at + hdr, end = at + blen;
	unsigned start = 0;
	int open = 0;

	while (off + 4 <= end) {
		const uint8_t *p = r->ivrs + off;
		size_t l = entry_len(p, end - off);
		uint16_t id = le16(p + 1);

		if (off + l > end)
			break;
		switch (p[0]) {
		case 0x01: route_range(r, 0, 0xffff, iommu); break;
		case 0x42: route_range(r, le16(p + 5), le16(p + 5), iommu); /* fall through */
		case 0x02:
		case 0x46:
		case 0xf0: route_range(r, id, id, iommu); break;
		case 0x48: route_range(r, le16(p + 5), le16(p + 5), iommu); break;
		case 0x43: route_range(r, le16(p + 5), le16(p + 5), iommu); /* fall through */
		case 0x03:
		case 0x47:
			start = id;
			open = 1;
			break;
		case 0x04:
			if (open && id >= start)
				route_range(r, start, id, iommu);
			open = 0;
			break;
		default: break;
		}
		off += l;
	}
}

static void carve(struct realm *r, uint64_t base, uint64_t end)
{
	memmap_carve(r->memmap, &r->nmemmap, MAX_RANGES, base, end);
}

/* Calls fn for every IVMD: its range and the device ids it names (all: 0 .. 0xffff). */
static void each_ivmd(const struct realm *r,
		      void (*fn)(const struct realm *r, uint64_t base, uint64_t size,
				 unsigned first, unsigned last, void *arg),
		      void *arg)
{
	size_t off = 48, end = le32(r->ivrs + 4) < r->len ? le32(r->ivrs + 4) : r->len;

	while (off + 4 <= end) {
		const uint8_t *p = r->ivrs + off;
		size_t l = le16(p + 2);

		if (l < 4 || off + l > end)
			break;
		if (p[0] >= 0x20 && p[0] <= 0x22 && l >= 32) {
			unsigned first = p[0] == 0x20 ? 0 : le16(p + 4);
			unsigned last = p[0] == 0x20 ? 0xffff : p[0] == 0x21 ? first : le16(p + 6);

			fn(r, le64(p + 16), le64(p + 24), first, last < first ? first : last, arg);
		}
		off += l;
	}
}

static void ivmd_carve(const struct realm *r, uint64_t base, uint64_t size, unsigned first,
		       unsigned last, void *arg)
{
	(void)first, (void)last, (void)arg;
	if (size && base + size > base)
		carve((struct realm *)r, base & ~0xfffull, (base + size + 0xfff) & ~0xfffull);
}

static void ivmd_overlap(const struct realm *r, uint64_t base, uint64_t size, unsigned first,
			 unsigned last, void *arg)
{
	const uint64_t *vmm = arg;

	(void)r, (void)first, (void)last;
	if (size && base < vmm[0] + VMM_SIZE && base + size > vmm[0])
		((uint64_t *)arg)[1] = 1;
}

static void realm_init(struct realm *r, const uint8_t *ivrs, size_t len, const char *name)
{
	static const uint64_t vmm_at[] = {0x10000000, 0x30000000, 0x50000000, 0x04000000};
	size_t off = 48, end = le32(ivrs + 4) < len ? le32(ivrs + 4) : len;
	unsigned best = 0;

	memset(r, 0, sizeof(*r));
	memset(r->route, -1, sizeof(r->route));
	r->ivrs = ivrs;
	r->len = len;
	r->name = name;
	/* The IVHD type an OS uses: the highest of 10h, 11h, 40h. */
	for (size_t o = off; o + 4 <= end && le16(ivrs + o + 2) >= 4; o += le16(ivrs + o + 2))
		if ((ivrs[o] == 0x10 || ivrs[o] == 0x11 || ivrs[o] == 0x40) && ivrs[o] > best)
			best = ivrs[o];
	r->type = best;
	for (; off + 4 <= end; off += le16(ivrs + off + 2)) {
		size_t l = le16(ivrs + off + 2);
		uint64_t base;
		unsigned k;

		if (l < 4 || off + l > end)
			break;
		if (ivrs[off] != best || le16(ivrs + off + 16) != 0 /* segment */)
			continue;
		base = le64(ivrs + off + 8);
		for (k = 0; k < r->n && r->base[k] != base; k++)
			;
		if (k == r->n && r->n < MAX_IOMMUS) {
			r->base[r->n] = base;
			r->block[r->n++] = (long)off;
		}
		route_ivhd(r, off, l, (int)k);
	}
	r->memmap[r->nmemmap++] = (struct iog_range){0, 0x9f000};
	r->memmap[r->nmemmap++] = (struct iog_range){MiB, 2 * GiB - MiB};
	r->memmap[r->nmemmap++] = (struct iog_range){4 * GiB, 4 * GiB};
	each_ivmd(r, ivmd_carve, NULL);
	for (unsigned i = 0; i < 4; i++) {
		uint64_t probe[2] = {vmm_at[i], 0};

		each_ivmd(r, ivmd_overlap, probe);
		if (!probe[1]) {
			r->protect[0] = (struct iog_range){vmm_at[i], VMM_SIZE};
			break;
		}
	}
	assert_true(r->protect[0].size != 0);
	/* The grant's device: the first device id the first IOMMU's IVHD names. */
	for (unsigned id = 0; id < 65536; id++)
		if (r->route[id] == 0) {
			r->grant = (struct iog_grant){0,	   (uint8_t)(id >> 8),
						      (uint8_t)id, r->protect[0].base + GRANT_OFF,
						      GRANT_SIZE,  IOG_PT_RW};
			break;
		}
}

static int dev_read(void *ctx, uint64_t phys, void *buf, size_t len)
{
	return iog_hosted_dma_read(ctx, phys, buf, len);
}

static int dev_write(void *ctx, uint64_t phys, const void *buf, size_t len)
{
	return iog_hosted_dma_write(ctx, phys, buf, len);
}

static struct machine *machine_new(const struct realm *r, uint64_t efr, int small)
{
	struct machine *x = calloc(1, sizeof(*x));
	struct amdvi_model_config cfg = {efr};
	struct amdvi_model_mem mem;

	assert_non_null(x);
	iog_hosted_init(&x->h);
	assert_int_equal(iog_hosted_set_page_pool(&x->h, r->protect[0].base + POOL_OFF, POOL_PAGES),
			 0);
	mem = (struct amdvi_model_mem){&x->h, dev_read, dev_write};
	for (unsigned i = 0; i < r->n; i++) {
		amdvi_model_init(&x->m[i], &cfg, &mem);
		if (r->base[i])
			assert_int_equal(iog_hosted_add_mmio(&x->h, r->base[i], 0x4000,
							     &amdvi_model_mmio_ops, &x->m[i]),
					 0);
	}
	x->c = (struct iog_shield_config){
		.ivrs = r->ivrs,
		.ivrs_len = r->len,
		.amdvi_small_pages = small,
		.memmap = r->memmap,
		.nmemmap = r->nmemmap,
		.protect = r->protect,
		.nprotect = 1,
		.grants = &r->grant,
		.ngrants = 1,
	};
	return x;
}

static void machine_free(struct machine *x)
{
	assert_int_equal(iog_shield_release(&x->s), 0);
	assert_int_equal(x->h.pages_in_use, 0);
	iog_hosted_destroy(&x->h);
	free(x);
}

struct tally {
	unsigned long dmas, ids, ivmd_devices;
};

static void expect(const struct realm *r, struct machine *x, unsigned i, uint16_t id, uint64_t addr,
		   int write, int allowed, const char *what, struct tally *n)
{
	struct amdvi_dma_result res;
	int got = amdvi_model_dma(&x->m[i], id, addr, 8, write, &res) == 0;

	n->dmas++;
	if (got != allowed || (got && (res.phys != addr || res.untranslated)))
		fail_msg("%s: IOMMU %llx, %02x:%02x.%u %s %llx: %s (%s)", r->name,
			 (unsigned long long)r->base[i], id >> 8, (id >> 3) & 0x1f, id & 7,
			 write ? "write" : "read", (unsigned long long)addr,
			 got ? "went through" : "blocked", what);
}

struct ivmd_check {
	struct machine *x;
	struct tally *n;
};

static void check_ivmd(const struct realm *r, uint64_t base, uint64_t size, unsigned first,
		       unsigned last, void *arg)
{
	struct ivmd_check *k = arg;
	uint16_t gid = (uint16_t)(r->grant.bus << 8 | r->grant.devfn);

	if (!size || base + size < base || (base + size) >> 40)
		return;
	for (unsigned id = first; id <= last && id < 65536; id++) {
		if (r->route[id] < 0 || id == gid)
			continue;
		k->n->ivmd_devices++;
		expect(r, k->x, (unsigned)r->route[id], (uint16_t)id, base & ~0xfffull, 0, 1,
		       "its IVMD", k->n);
		if (last - first > 64)
			id += 63; /* a range: a sample of it */
	}
}

static void check_machine(const struct realm *r, struct machine *x, struct tally *n)
{
	const struct iog_range *vmm = &r->protect[0];
	uint16_t gid = (uint16_t)(r->grant.bus << 8 | r->grant.devfn);
	uint64_t ram[3] = {0x1000, vmm->base - 0x1000, 4 * GiB + 3 * GiB};
	struct ivmd_check k = {x, n};

	for (unsigned id = 0; id < 65536; id++) {
		int i = r->route[id];
		uint64_t prot[4];

		if (i < 0)
			continue;
		n->ids++;
		prot[0] = vmm->base;
		prot[1] = vmm->base + vmm->size - 0x1000;
		prot[2] = r->grant.base;
		prot[3] = iog_shield_unit(&x->s, (unsigned)i)->amdvi.dt_phys;
		if (id == gid) {
			expect(r, x, (unsigned)i, (uint16_t)id, r->grant.base, 1, 1,
			       "the grant, by its device", n);
			expect(r, x, (unsigned)i, (uint16_t)id, ram[0], 0, 0,
			       "RAM, by the granted device", n);
			continue;
		}
		expect(r, x, (unsigned)i, (uint16_t)id, prot[id % 4], id & 1, 0, "protected memory",
		       n);
		expect(r, x, (unsigned)i, (uint16_t)id, ram[(id >> 1) % 3], (id >> 2) & 1, 1,
		       "ordinary RAM", n);
	}
	each_ivmd(r, check_ivmd, &k);
}

static void test_every_real_ivrs(void **state)
{
	const struct {
		const char *name;
		uint64_t efr;
		int small;
	} sets[] = {
		{"6 levels, INVALIDATE_IOMMU_ALL, large pages",
		 AMDVM_EFR_HATS_FIELD(2) | AMDVM_EFR_IA_SUP, 0},
		{"4 levels, no INVALIDATE_IOMMU_ALL, 4 KiB pages", AMDVM_EFR_HATS_FIELD(0), 1},
	};
	struct tally n = {0, 0, 0};
	unsigned applied = 0, refused = 0;
	char **paths;
	size_t count = shared_tables("ivrs", &paths);
	struct realm *r = malloc(sizeof(*r));

	(void)state;
	assert_non_null(r);
	if (!count) {
		free(r);
		skip();
	}
	for (size_t t = 0; t < count; t++) {
		size_t len;
		uint8_t *ivrs = read_whole(paths[t], &len);
		int base_zero = 0;

		realm_init(r, ivrs, len, strrchr(paths[t], '/') + 1);
		for (unsigned i = 0; i < r->n; i++)
			base_zero |= !r->base[i];
		for (unsigned k = 0; k < 2; k++) {
			struct machine *x = machine_new(r, sets[k].efr, sets[k].small);
			struct iog_diag d = {0};
			int err = iog_shield_apply(&x->s, &x->h.plat, &x->c, &d);

			if (err && (base_zero || !r->n)) {
				refused++;
				machine_free(x);
				continue;
			}
			if (err)
				fail_msg("%s (%s): apply: %d at offset %llu: %s", r->name,
					 sets[k].name, err, (unsigned long long)d.offset,
					 d.reason ? d.reason : "");
			applied++;
			check_machine(r, x, &n);
			machine_free(x);
		}
		free(ivrs);
	}
	print_message("%zu real IVRS, %u applies (%u refused: an IOMMU at base 0), %lu device "
		      "ids, %lu IVMD devices, %lu model DMAs\n",
		      count, applied, refused, n.ids, n.ivmd_devices, n.dmas);
	assert_true(applied > 0);
	free_paths(paths, count);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_real_ivrs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
