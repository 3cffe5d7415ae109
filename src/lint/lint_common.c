/* SPDX-License-Identifier: BSD-2-Clause */
#include "lint_common.h"

void iog_lint_emit(struct lint_sink *s, const char *id, enum iog_severity sev, uint64_t offset,
		   const char *message, const char *n0, uint64_t v0, const char *n1, uint64_t v1)
{
	struct iog_finding f = {
		.id = id,
		.severity = sev,
		.offset = offset,
		.message = message,
		.nvalues = n0 ? (n1 ? 2u : 1u) : 0u,
		.value = {v0, n1 ? v1 : 0},
		.value_name = {n0, n0 ? n1 : NULL},
	};

	s->count++;
	if (s->fn)
		s->fn(s->ctx, &f);
}

const char *iog_severity_name(enum iog_severity s)
{
	switch (s) {
	case IOG_SEV_ERROR: return "error";
	case IOG_SEV_WARNING: return "warning";
	case IOG_SEV_INFO: return "info";
	}
	return "?";
}
