/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer: the tool's acpidump text reader on hostile text, and every table
 * it extracts through DMAR/IVRS validation and lint.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ioguard/dmar.h>
#include <ioguard/ivrs.h>
#include <ioguard/lint.h>

#include "tools/acpidump.h"

static void sink(void *ctx, const struct iog_finding *f)
{
	(void)ctx;
	(void)f;
}

static void take(void *ctx, struct acpidump_table *t)
{
	(void)ctx;
	/* A block is either refused (no bytes) or holds at least what its header claims. */
	if (t->error_id && (t->data || t->len))
		abort();
	if (t->data && t->len >= 4 && !memcmp(t->data, "DMAR", 4)) {
		iog_dmar_check(t->data, t->len, NULL, NULL);
		iog_lint_dmar(t->data, t->len, sink, NULL);
	} else if (t->data && t->len >= 4 && !memcmp(t->data, "IVRS", 4)) {
		iog_ivrs_check(t->data, t->len, NULL, NULL);
		iog_lint_ivrs(t->data, t->len, sink, NULL);
	}
	free(t->data);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	acpidump_is_text(data, size);
	acpidump_parse(data, size, take, NULL);
	return 0;
}
