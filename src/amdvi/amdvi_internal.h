/* SPDX-License-Identifier: BSD-2-Clause */
/* Shared between the files of the AMD IOMMU driver; not public. */
#ifndef IOG_AMDVI_INTERNAL_H
#define IOG_AMDVI_INTERNAL_H

#include <ioguard/amdvi.h>

/* MMIO access: every register is 64 bits wide and written whole. */
uint64_t iog_amdvi_read(const struct iog_amdvi *u, uint32_t off);
void iog_amdvi_write(const struct iog_amdvi *u, uint32_t off, uint64_t v);

#endif
