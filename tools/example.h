/* SPDX-License-Identifier: BSD-2-Clause */
/* Tables built into the tool, shown on --example. */
#ifndef IOG_TOOL_EXAMPLE_H
#define IOG_TOOL_EXAMPLE_H

#include <stddef.h>

struct example_table {
	const char *name;
	const unsigned char *data;
	size_t len;
};

extern const struct example_table example_tables[];
extern const unsigned example_table_count;

#endif
