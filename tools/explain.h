/* SPDX-License-Identifier: BSD-2-Clause */
/* `ioguard explain`: what each lint id means, what it breaks, what to do. */
#ifndef IOG_TOOL_EXPLAIN_H
#define IOG_TOOL_EXPLAIN_H

/* argv[0] is "explain". Returns the exit status. */
int cmd_explain(int argc, char **argv);

#endif
