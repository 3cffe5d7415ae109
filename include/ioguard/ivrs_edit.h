/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Editing an IVRS in a caller-supplied buffer: blocks dropped, an IVMD (the
 * AMD counterpart of an RMRR) above all. As with the DMAR editor
 * (<ioguard/dmar_edit.h>), the editor starts from a table that passes
 * iog_ivrs_check(), keeps the buffer a valid table after every call (length
 * and checksum follow each change), and a refused call changes nothing. The
 * table only shrinks: `cap` may equal its length.
 */
#ifndef IOGUARD_IVRS_EDIT_H
#define IOGUARD_IVRS_EDIT_H

#include <stddef.h>
#include <stdint.h>

#include <ioguard/error.h>
#include <ioguard/ivrs.h>

#ifdef __cplusplus
extern "C" {
#endif

/* An IVRS being edited: `buf` holds `len` bytes of it. */
struct iog_ivrs_edit {
	uint8_t *buf;
	size_t cap;
	size_t len;
};

/* Copies the IVRS `tbl` (its own length) into `buf`, which may be `tbl`. */
int iog_ivrs_edit_begin(struct iog_ivrs_edit *e, void *buf, size_t cap, const void *tbl, size_t len,
			struct iog_diag *d);

/*
 * The offset of the `n`th (0-based) block, in table order, that is an IVMD
 * (`ivmd` nonzero: types 20h, 21h, 22h alike) or an IVHD of `type`
 * (`ivmd` zero), or IOG_ENOTFOUND.
 */
long iog_ivrs_edit_find(const struct iog_ivrs_edit *e, int ivmd, unsigned type, unsigned n);

/* Removes the block at `offset` (as the iterators return it). */
int iog_ivrs_edit_remove(struct iog_ivrs_edit *e, long offset, struct iog_diag *d);

/* Ends the edit: the table is checked with iog_ivrs_check(); returns its length or the error. */
long iog_ivrs_edit_finish(struct iog_ivrs_edit *e, struct iog_diag *d);

#ifdef __cplusplus
}
#endif

#endif
