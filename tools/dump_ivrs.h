/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef IOG_TOOL_DUMP_IVRS_H
#define IOG_TOOL_DUMP_IVRS_H

#include <stddef.h>
#include <stdint.h>

#include "out.h"

/* Like dump_dmar(), for an IVRS. */
int dump_ivrs(struct out *o, const uint8_t *buf, size_t len);
/* Like dump_dmar_summary(): blocks of each type, the address sizes, EFRSup. */
void dump_ivrs_summary(struct out *o, const uint8_t *buf, size_t len);

#endif
