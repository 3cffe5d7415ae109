/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef IOG_LINT_COMMON_H
#define IOG_LINT_COMMON_H

#include <ioguard/lint.h>

/* Where a lint pass sends its findings, and how many it sent. */
struct lint_sink {
	iog_finding_fn fn;
	void *ctx;
	int count;
};

/* Reports one finding with up to two named values (a NULL name ends the list). */
void iog_lint_emit(struct lint_sink *s, const char *id, enum iog_severity sev, uint64_t offset,
		   const char *message, const char *n0, uint64_t v0, const char *n1, uint64_t v1);

#endif
