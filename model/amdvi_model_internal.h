/* SPDX-License-Identifier: BSD-2-Clause */
/* Shared between the AMD-Vi model's register side (amdvi_model.c) and its DMA side. */
#ifndef IOGUARD_AMDVI_MODEL_INTERNAL_H
#define IOGUARD_AMDVI_MODEL_INTERNAL_H

#include "model/amdvi_model.h"

/* Little-endian qwords from memory through the model's read callback; 0 or -1. */
int amdvm_read_qwords(struct amdvi_model *m, uint64_t phys, uint64_t *q, unsigned n);
/* n little-endian qwords to memory through the write callback; 0 or -1. */
int amdvm_write_qwords(struct amdvi_model *m, uint64_t phys, const uint64_t *q, unsigned n);

/* The first qword of an event log entry (spec 2.5.1, generic event format). */
uint64_t amdvm_event_q0(unsigned code, uint16_t devid, uint16_t domain, unsigned flags);
/*
 * Writes an event at the event log tail as hardware does: lost when the log
 * is not running, stops the log with EventOverflow when it is full. Returns
 * 1 when the entry was written.
 */
int amdvm_log_event(struct amdvi_model *m, uint64_t q0, uint64_t q1);

/* Cache invalidations carried out by the commands (spec 2.4.2, 2.4.3, 2.4.8). */
void amdvm_inv_dte(struct amdvi_model *m, uint16_t devid);
/*
 * Translations of `domain` in the naturally aligned 2^size_lg2 bytes at base
 * (size_lg2 >= 64: all of them); page directory entries too when pde is set.
 */
void amdvm_inv_pages(struct amdvi_model *m, uint16_t domain, uint64_t base, unsigned size_lg2,
		     int pde);
void amdvm_inv_all(struct amdvi_model *m);

#endif
