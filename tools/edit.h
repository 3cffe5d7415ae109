/* SPDX-License-Identifier: BSD-2-Clause */
/* `ioguard edit`: a DMAR rewritten with RMRRs, flags or device scopes changed. */
#ifndef IOG_TOOL_EDIT_H
#define IOG_TOOL_EDIT_H

/* argv[0] is "edit". Returns the exit status. */
int cmd_edit(int argc, char **argv);

#endif
