/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Internal: the walk shared by every list of length-prefixed elements in a
 * table (DMAR structures and device scopes, IVRS blocks and IVHD entries,
 * MADT entries).
 * A step function knows one element kind: called at `off` inside
 * [start, end), it returns 0 exactly at `end`, the element's length (>= 1,
 * and never past `end`), or a negative error.
 */
#ifndef IOG_ACPI_WALK_H
#define IOG_ACPI_WALK_H

#include <stdint.h>

#include <ioguard/error.h>

typedef long (*walk_step_fn)(const uint8_t *p, long off, long end, struct iog_diag *d);

/* Step for subtables with a 16-bit length at byte 2 (DMAR structures, IVRS blocks). */
long iog_walk_len16_at(const uint8_t *p, long off, long end, struct iog_diag *d);

/* Step for subtables with an 8-bit length at byte 1 (MADT interrupt controller structures). */
long iog_walk_len8_at(const uint8_t *p, long off, long end, struct iog_diag *d);

/* The first element's offset (`start`), IOG_ENOTFOUND for an empty list, or an error. */
long iog_walk_first(const uint8_t *p, long start, long end, walk_step_fn step, struct iog_diag *d);

/*
 * The offset of the element after the one at `offset`, IOG_ENOTFOUND after
 * the last, or an error (also when `offset` is outside [start, end)).
 */
long iog_walk_next(const uint8_t *p, long start, long end, long offset, walk_step_fn step,
		   struct iog_diag *d);

#endif
