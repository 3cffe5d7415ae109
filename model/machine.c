/* SPDX-License-Identifier: BSD-2-Clause */
#include "model/machine.h"

#include <stdlib.h>
#include <string.h>

#include <ioguard/error.h>

uint64_t model_vtd_cap(unsigned sagaw, unsigned mgaw_bits, unsigned sllps, int psi, unsigned mamv,
		       int cm, int rwbf, int pmr)
{
	return 2u /* ND: 256 domains */ | (rwbf ? 1ull << 4 : 0) | (pmr ? 3ull << 5 : 0) |
	       (cm ? 1ull << 7 : 0) | (uint64_t)sagaw << 8 | (uint64_t)(mgaw_bits - 1) << 16 |
	       0x20ull << 24 /* FRO: 0x200 */ | (uint64_t)sllps << 34 | (psi ? 1ull << 39 : 0) |
	       7ull << 40 /* NFR: 8 records */ | (uint64_t)mamv << 48;
}

uint64_t model_vtd_ecap(int coherent, int qi, int ir, int pt)
{
	return (coherent ? 1u : 0u) | (qi ? 2u : 0u) | (ir ? 8u : 0u) | (pt ? 0x40u : 0u) |
	       0x10ull << 8 /* IRO: 0x100 */;
}

/* Written out: a constant initializer cannot call the functions above. */
const struct model_caps model_caps_default = {
	"default: VT-d 4-level 48-bit, 2 MiB + 1 GiB pages, PSI, QI, IR, PT, coherent; "
	"AMD-Vi 4-level, INVALIDATE_IOMMU_ALL",
	2u | 3ull << 5 | 0x4ull << 8 | 47ull << 16 | 0x20ull << 24 | 3ull << 34 | 1ull << 39 |
		7ull << 40 | 9ull << 48,
	1u | 2u | 8u | 0x40u | 0x10ull << 8,
	AMDVM_EFR_IA_SUP,
};

static int dev_read(void *ctx, uint64_t phys, void *buf, size_t len)
{
	return iog_hosted_dma_read(ctx, phys, buf, len);
}

static int dev_write(void *ctx, uint64_t phys, const void *buf, size_t len)
{
	return iog_hosted_dma_write(ctx, phys, buf, len);
}

int model_machine_init(struct model_machine *x, int amd, unsigned max, uint64_t pool_phys,
		       size_t pool_pages)
{
	int err;

	memset(x, 0, sizeof(*x));
	iog_hosted_init(&x->h);
	x->amd = amd;
	x->max = max;
	x->base = calloc(max ? max : 1, sizeof(*x->base));
	if (amd)
		x->amdvi = calloc(max ? max : 1, sizeof(*x->amdvi));
	else
		x->vtd = calloc(max ? max : 1, sizeof(*x->vtd));
	if (!x->base || (!x->amdvi && !x->vtd)) {
		model_machine_destroy(x);
		return IOG_ENOMEM;
	}
	err = iog_hosted_set_page_pool(&x->h, pool_phys, pool_pages);
	if (err)
		model_machine_destroy(x);
	return err;
}

int model_machine_add_vtd(struct model_machine *x, uint64_t base, size_t size, uint64_t cap,
			  uint64_t ecap)
{
	struct vtd_model_config cfg = {0x10, cap, ecap, 1, 1};
	struct vtd_model_mem mem = {&x->h, dev_read, dev_write};
	int err;

	if (x->amd || x->nunits == x->max)
		return IOG_ENOSPC;
	vtd_model_init(&x->vtd[x->nunits], &cfg, &mem);
	err = iog_hosted_add_mmio(&x->h, base, size, &vtd_model_mmio_ops, &x->vtd[x->nunits]);
	if (err)
		return err;
	/* A unit that does not snoop: devices see memory only as of the last flush. */
	if (!(ecap & 1) && !x->h.noncoherent) {
		err = iog_hosted_set_noncoherent(&x->h);
		if (err)
			return err;
	}
	x->base[x->nunits] = base;
	return (int)x->nunits++;
}

int model_machine_add_amdvi(struct model_machine *x, uint64_t base, uint64_t efr)
{
	struct amdvi_model_config cfg = {efr};
	struct amdvi_model_mem mem = {&x->h, dev_read, dev_write};
	int err;

	if (!x->amd || x->nunits == x->max)
		return IOG_ENOSPC;
	amdvi_model_init(&x->amdvi[x->nunits], &cfg, &mem);
	err = iog_hosted_add_mmio(&x->h, base, AMDVM_MMIO_SIZE, &amdvi_model_mmio_ops,
				  &x->amdvi[x->nunits]);
	if (err)
		return err;
	x->base[x->nunits] = base;
	return (int)x->nunits++;
}

void model_machine_destroy(struct model_machine *x)
{
	iog_hosted_destroy(&x->h);
	free(x->base);
	free(x->vtd);
	free(x->amdvi);
	x->base = NULL;
	x->vtd = NULL;
	x->amdvi = NULL;
	x->nunits = x->max = 0;
}
