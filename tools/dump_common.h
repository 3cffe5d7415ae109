/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef IOG_TOOL_DUMP_COMMON_H
#define IOG_TOOL_DUMP_COMMON_H

#include <ioguard/error.h>

#include "out.h"

/* The stable JSON id of a table error: "bad-checksum", "truncated", ... */
const char *dump_error_id(int code);

/* Prints where decoding stopped: an "error" object in JSON, a line in text. */
void dump_error(struct out *o, const struct iog_diag *d);

#endif
