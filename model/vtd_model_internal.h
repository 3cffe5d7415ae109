/* SPDX-License-Identifier: BSD-2-Clause */
/* Shared between the model's register side (vtd_model.c) and its DMA side (vtd_model_dma.c). */
#ifndef IOGUARD_VTD_MODEL_INTERNAL_H
#define IOGUARD_VTD_MODEL_INTERNAL_H

#include "model/vtd_model.h"

/* Bits [MGAW, 63] of a host address: reserved in every pointer the model reads. */
uint64_t vtdm_above_mgaw(const struct vtd_model *m);

/*
 * Records a DMA-remapping fault for `sid` at `addr` (its page is kept) as
 * hardware does: suppressed by FPD, dropped with PFO when the slot at FRI is
 * still full. Returns 1 when a record was written.
 */
int vtdm_record_fault(struct vtd_model *m, uint16_t sid, uint64_t addr, uint8_t reason, int write,
		      int fpd);

/* Context-cache invalidation: gran 1 global, 2 domain (did), 3 device (sid, fm, did). */
void vtdm_cc_invalidate(struct vtd_model *m, unsigned gran, uint16_t did, uint16_t sid,
			unsigned fm);
/*
 * IOTLB invalidation: gran 1 global, 2 domain (did), 3 page (did, addr, am:
 * the naturally aligned 2^am pages that hold addr).
 */
void vtdm_iotlb_invalidate(struct vtd_model *m, unsigned gran, uint16_t did, uint64_t addr,
			   unsigned am);

#endif
