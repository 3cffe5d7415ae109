/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Firmware-bug checks on DMAR and IVRS tables: what a hypervisor engineer
 * wants to know before trusting a table. Each finding has a stable id (never
 * renamed once published), a severity and the byte offset it is about.
 */
#ifndef IOGUARD_LINT_H
#define IOGUARD_LINT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum iog_severity {
	IOG_SEV_ERROR = 0,   /* the table is wrong; code that trusts it misbehaves */
	IOG_SEV_WARNING = 1, /* against the spec, commonly worked around */
	IOG_SEV_INFO = 2,    /* worth knowing; not a bug */
};

struct iog_finding {
	const char *id; /* e.g. "DMAR-RMRR-UNALIGNED" */
	enum iog_severity severity;
	uint64_t offset;	   /* byte offset in the table */
	const char *message;	   /* static text */
	unsigned nvalues;	   /* how many of value[] are meaningful */
	uint64_t value[2];	   /* the numbers the message is about */
	const char *value_name[2]; /* what each value is, e.g. "base", "earlier RMRR at" */
};

typedef void (*iog_finding_fn)(void *ctx, const struct iog_finding *f);

/* Returns the number of findings reported through `fn`. */
int iog_lint_dmar(const void *tbl, size_t len, iog_finding_fn fn, void *ctx);
int iog_lint_ivrs(const void *tbl, size_t len, iog_finding_fn fn, void *ctx);

const char *iog_severity_name(enum iog_severity s);

#ifdef __cplusplus
}
#endif

#endif
