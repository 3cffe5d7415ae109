/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Flag bytes and register images decoded into the specifications' names:
 * one table per field, one formatter for the text and one for JSON.
 */
#ifndef IOG_TOOL_BITS_H
#define IOG_TOOL_BITS_H

#include <stddef.h>
#include <stdint.h>

#include "out.h"

/* A named bit (one bit in `mask`) or a named multi-bit field (shown as NAME=value). */
struct bit_name {
	uint64_t mask;
	const char *name;
};

struct bit_table {
	const struct bit_name *v;
	size_t n;
};

/* DMAR flags, DRHD, ATSR and SATC flags, SIDP device-scope flags. */
extern const struct bit_table bits_dmar, bits_drhd, bits_atsr, bits_satc, bits_sidp_scope;
/* IVHD flags (10h and 11h/40h), IVMD flags, device-entry DTE setting, EFR image. */
extern const struct bit_table bits_ivhd10, bits_ivhd11, bits_ivmd, bits_dte, bits_efr;

/*
 * "A|B|HATS=2|bit5": the set bits and nonzero fields of `v`, then every set
 * bit no entry names as bitN. "" when nothing is set. Returns `buf`.
 */
const char *bits_format(char *buf, size_t n, uint64_t v, const struct bit_table *t);
/* The same names as a JSON array of strings under `key` (nothing in text mode). */
void bits_json(struct out *o, const char *key, uint64_t v, const struct bit_table *t);

#endif
