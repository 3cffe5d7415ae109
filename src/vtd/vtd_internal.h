/* SPDX-License-Identifier: BSD-2-Clause */
/* Shared between the files of the VT-d driver; not public. */
#ifndef IOG_VTD_INTERNAL_H
#define IOG_VTD_INTERNAL_H

#include <ioguard/vtd.h>

uint32_t iog_vtd_read32(const struct iog_vtd *u, uint32_t off);
uint64_t iog_vtd_read64(const struct iog_vtd *u, uint32_t off);
void iog_vtd_write32(const struct iog_vtd *u, uint32_t off, uint32_t v);
void iog_vtd_write64(const struct iog_vtd *u, uint32_t off, uint64_t v);
/* cache_flush when the unit is not coherent (ECAP.C = 0). */
void iog_vtd_flush(const struct iog_vtd *u, const void *p, size_t len);

/* Polls done(u, arg) within the unit's timeout; IOG_ETIMEDOUT (logged) otherwise. */
int iog_vtd_wait(const struct iog_vtd *u, int (*done)(const struct iog_vtd *u, uint64_t arg),
		 uint64_t arg, const char *what);
/*
 * Sets (on) or clears a GCMD command and waits for the GSTS bit at the same
 * position. A persistent command changes u->gcmd, before the wait.
 */
int iog_vtd_gcmd(struct iog_vtd *u, uint32_t cmd, int on, const char *what);

/* Sets FECTL.IM, the other bits written back as read; 1 if it was clear. */
int iog_vtd_mask_fault_events(const struct iog_vtd *u);

/* Queued invalidation: allocate and enable the queue; free it (QIE must be off). */
int iog_vtd_qi_start(struct iog_vtd *u);
void iog_vtd_qi_release(struct iog_vtd *u);

#endif
