/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Editing a DMAR in a caller-supplied buffer: drop or add remapping
 * structures (an RMRR for a device, a DRHD that should not be there), change
 * the header flags (DMA_CTRL_PLATFORM_OPT_IN, X2APIC_OPT_OUT, INTR_REMAP),
 * change one structure's flags (a DRHD's INCLUDE_PCI_ALL) or its device
 * scopes. What a loader does before it hands a patched table to an OS, and
 * what `ioguard edit` does to a file.
 *
 * The editor starts from a table that passes iog_dmar_check() and keeps the
 * buffer a well-formed table after every call: structure and table lengths
 * follow each change and the checksum is recomputed. Every call either
 * changes nothing (and returns an error) or makes the whole change.
 * iog_dmar_edit_finish() validates the result once more with
 * iog_dmar_check() and returns its length. No allocation, no libc: the
 * table grows only inside `cap`.
 */
#ifndef IOGUARD_DMAR_EDIT_H
#define IOGUARD_DMAR_EDIT_H

#include <stddef.h>
#include <stdint.h>

#include <ioguard/dmar.h>
#include <ioguard/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The DMAR header flags the specification defines (VT-d 8.1); the others are reserved. */
#define IOG_DMAR_FLAGS_DEFINED                                                                     \
	(IOG_DMAR_INTR_REMAP | IOG_DMAR_X2APIC_OPT_OUT | IOG_DMAR_DMA_CTRL_PLATFORM_OPT_IN)

#define IOG_RMRR_HEADER_LEN 24u

/* A table being edited: `buf` holds `len` bytes of it, and may hold up to `cap`. */
struct iog_dmar_edit {
	uint8_t *buf;
	size_t cap;
	size_t len;
};

/* A device scope to add: the fields of struct iog_dmar_scope that a scope entry stores. */
struct iog_dmar_scope_spec {
	uint8_t type; /* enum iog_scope_type */
	uint8_t flags;
	uint8_t enumeration_id; /* IOAPIC id, HPET number, ANDD device number; 0 for PCI */
	uint8_t bus;		/* start bus */
	uint8_t path_len;	/* (device, function) hops, 1..IOG_SCOPE_MAX_PATH */
	const uint8_t *path;	/* path_len pairs: device, function */
};

/*
 * Copies the DMAR `tbl` (its own length, not `len`) into `buf` and starts an
 * edit. The table must pass iog_dmar_check(). `buf` may be `tbl` itself.
 */
int iog_dmar_edit_begin(struct iog_dmar_edit *e, void *buf, size_t cap, const void *tbl, size_t len,
			struct iog_diag *d);

/*
 * Sets, then clears, DMAR header flags. Only the defined flags may be set
 * (IOG_EINVAL otherwise); any flag may be cleared.
 */
int iog_dmar_edit_header_flags(struct iog_dmar_edit *e, uint8_t set, uint8_t clear,
			       struct iog_diag *d);

/*
 * The offset of the `n`th (0-based) remapping structure of `type`, in table
 * order, or IOG_ENOTFOUND.
 */
long iog_dmar_edit_find(const struct iog_dmar_edit *e, unsigned type, unsigned n);

/* Removes the remapping structure at `offset` (as the iterators return it). */
int iog_dmar_edit_remove(struct iog_dmar_edit *e, long offset, struct iog_diag *d);

/*
 * Adds an RMRR for [base, limit] (limit inclusive) in `segment` with the
 * given device scopes (at least one, PCI endpoint or sub-hierarchy). It goes
 * where the specification orders it: after the DRHDs and RMRRs, before any
 * other structure. Refuses a limit below the base (IOG_EBADVAL), and a table
 * that would outgrow `cap` (IOG_ENOSPC). `*offset` (may be NULL) receives
 * where it went.
 */
int iog_dmar_edit_add_rmrr(struct iog_dmar_edit *e, uint16_t segment, uint64_t base, uint64_t limit,
			   const struct iog_dmar_scope_spec *scopes, unsigned n, long *offset,
			   struct iog_diag *d);

/*
 * Sets, then clears, the flags byte of the structure at `offset`: DRHD
 * (INCLUDE_PCI_ALL), ATSR (ALL_PORTS), SATC (ATC_REQUIRED). Other types have
 * no flags (IOG_EINVAL).
 */
int iog_dmar_edit_struct_flags(struct iog_dmar_edit *e, long offset, uint8_t set, uint8_t clear,
			       struct iog_diag *d);

/*
 * Appends a device scope to the structure at `offset` (a type that has
 * scopes: DRHD, RMRR, ATSR, SATC, SIDP). The structure's 16-bit length must
 * stay representable.
 */
int iog_dmar_edit_add_scope(struct iog_dmar_edit *e, long offset,
			    const struct iog_dmar_scope_spec *scope, struct iog_diag *d);

/* Removes the device scope at `scope_offset` from the structure at `offset`. */
int iog_dmar_edit_remove_scope(struct iog_dmar_edit *e, long offset, long scope_offset,
			       struct iog_diag *d);

/*
 * Ends the edit: the length field and checksum are made right (they already
 * are after every call above) and the table is checked with
 * iog_dmar_check(). Returns the table's length, or the check's error.
 */
long iog_dmar_edit_finish(struct iog_dmar_edit *e, struct iog_diag *d);

#ifdef __cplusplus
}
#endif

#endif
