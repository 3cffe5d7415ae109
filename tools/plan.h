/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * `ioguard plan`: what the shield would do on this machine. The machine's
 * own DMAR or IVRS, PCI topology and memory map (or a saved copy of them),
 * software IOMMUs at the table's register bases, and the shield's own
 * iog_shield_apply on them: a dry run that changes nothing.
 */
#ifndef IOG_TOOL_PLAN_H
#define IOG_TOOL_PLAN_H

/* argv[0] is "plan". Returns the exit status: 0 fine, 1 warnings, 2 the shield would refuse. */
int cmd_plan(int argc, char **argv);

#endif
