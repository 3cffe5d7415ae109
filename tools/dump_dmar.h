/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef IOG_TOOL_DUMP_DMAR_H
#define IOG_TOOL_DUMP_DMAR_H

#include <stddef.h>
#include <stdint.h>

#include "out.h"

/*
 * Prints the DMAR-specific part of a table already opened in the emitter.
 * Returns 0, or nonzero when decoding stopped at a malformed element (the
 * error has then been printed too).
 */
int dump_dmar(struct out *o, const uint8_t *buf, size_t len);

/*
 * One line for the whole table (text), a "summary" object (JSON): how many
 * structures of each type, the address width and the flags. Counts what
 * decodes before the first malformed structure.
 */
void dump_dmar_summary(struct out *o, const uint8_t *buf, size_t len);

#endif
