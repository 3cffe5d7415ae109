/* SPDX-License-Identifier: BSD-2-Clause */
#include "lint_common.h"

void lint_emit(struct lint_sink *s, const char *id, enum iog_severity sev, uint64_t offset,
	       const char *message, unsigned nvalues, uint64_t v0, uint64_t v1)
{
	struct iog_finding f = {
		.id = id,
		.severity = sev,
		.offset = offset,
		.message = message,
		.nvalues = nvalues,
		.value = {v0, v1},
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
