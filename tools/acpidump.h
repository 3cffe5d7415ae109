/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The text `acpidump` (ACPICA) prints, as bug reports and the public
 * acpidump collections carry it:
 *
 *   DMAR @ 0x00000000bf7b9d00
 *       0000: 44 4D 41 52 A8 00 00 00 01 3E 49 4E 54 45 4C 20  DMAR.....>INTEL
 *       ...
 *
 * one block per table: a "SIGN @ 0xADDRESS" line, then lines of an offset,
 * up to 16 hex bytes and an optional ASCII column. Lines outside blocks are
 * ignored; CRLF line ends, lower-case hex and a missing ASCII column are
 * accepted.
 */
#ifndef IOG_TOOL_ACPIDUMP_H
#define IOG_TOOL_ACPIDUMP_H

#include <stddef.h>
#include <stdint.h>

/* One table block, its bytes in `data` (malloc'ed, owned by the receiver). */
struct acpidump_table {
	char signature[5]; /* as the block's first line names it */
	uint64_t address;
	unsigned line; /* of the "SIGN @ 0x..." line, from 1 */
	uint8_t *data;
	size_t len;
	/* When the block is unusable: the line and why (data is then NULL). */
	unsigned error_line;
	const char *error_id; /* "acpidump-syntax", "acpidump-truncated" */
	char error[160];
};

/* 1 when the buffer holds at least one "SIGN @ 0x..." block line. */
int acpidump_is_text(const uint8_t *buf, size_t len);

/*
 * Calls `fn` for every block in order (also for broken ones, with the
 * error set). Returns the number of blocks, or -1 when out of memory.
 */
long acpidump_parse(const uint8_t *buf, size_t len, void (*fn)(void *ctx, struct acpidump_table *t),
		    void *ctx);

#endif
