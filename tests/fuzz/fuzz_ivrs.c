/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer: IVRS validation, every iterator and lint on hostile bytes. */
#include <stddef.h>
#include <stdint.h>

#include <ioguard/ivrs.h>
#include <ioguard/lint.h>

static void sink(void *ctx, const struct iog_finding *f)
{
	(void)ctx;
	(void)f;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct iog_ivrs_block b;
	struct iog_ivhd_entry e;
	struct iog_ivrs_info info;
	unsigned steps = 0;
	long off, eo;

	iog_ivrs_check(data, size, &info, NULL);
	for (off = iog_ivrs_first(data, size, NULL); off >= 0;
	     off = iog_ivrs_next(data, size, off, NULL)) {
		if (++steps > size)
			__builtin_trap();
		if (iog_ivrs_block_get(data, size, off, &b, NULL) || !b.is_ivhd)
			continue;
		for (eo = iog_ivhd_entry_first(data, size, &b, NULL); eo >= 0;
		     eo = iog_ivhd_entry_next(data, size, &b, eo, NULL)) {
			if (++steps > 2 * size)
				__builtin_trap();
			if (iog_ivhd_entry_get(data, size, eo, &e, NULL))
				break;
		}
	}
	iog_lint_ivrs(data, size, sink, NULL);
	return 0;
}
