/* SPDX-License-Identifier: BSD-2-Clause */
/* IVRS editing: IVMDs dropped, every change a valid table, a refusal changes nothing. */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ioguard/acpi.h>
#include <ioguard/ivrs.h>
#include <ioguard/ivrs_edit.h>

#include "testlib.h"

/* The blocks of a table, type by type, as a string of hex pairs. */
static void types(const uint8_t *b, size_t len, char *out)
{
	struct iog_ivrs_block blk;
	size_t n = 0;

	for (long off = iog_ivrs_first(b, len, NULL); off >= 0;
	     off = iog_ivrs_next(b, len, off, NULL)) {
		assert_int_equal(iog_ivrs_block_get(b, len, off, &blk, NULL), 0);
		n += (size_t)sprintf(out + n, "%02x", blk.type);
	}
	out[n] = 0;
}

static void test_fixture(void **state)
{
	size_t len;
	uint8_t *t = fixture("ivrs-multi.aml", &len);
	static uint8_t buf[4096];
	struct iog_ivrs_edit e;
	char ty[64];
	long off;

	(void)state;
	assert_non_null(t);
	types(t, len, ty);
	assert_string_equal(ty, "1011202122");
	assert_int_equal(iog_ivrs_edit_begin(&e, buf, sizeof(buf), t, len, NULL), 0);
	assert_int_equal(iog_ivrs_edit_finish(&e, NULL), (long)len);
	assert_memory_equal(buf, t, len);
	/* The second IVMD (for one device) goes; the blocks around it stay as they were. */
	off = iog_ivrs_edit_find(&e, 1, 0, 1);
	assert_int_equal(off, 0x138);
	assert_int_equal(iog_ivrs_edit_remove(&e, off + 4, NULL), IOG_ENOTFOUND);
	assert_int_equal(e.len, len);
	assert_int_equal(iog_ivrs_edit_remove(&e, off, NULL), 0);
	assert_int_equal(e.len, len - 32);
	assert_int_equal(iog_ivrs_check(buf, e.len, NULL, NULL), 0);
	types(buf, e.len, ty);
	assert_string_equal(ty, "10112022");
	assert_memory_equal(buf + 10, t + 10, 0x138 - 10); /* all but length and checksum */
	assert_memory_equal(buf + 0x138, t + 0x158, 32);
	/* IVHDs by type; an IVRS with no IVMD left is still valid. */
	assert_int_equal(iog_ivrs_edit_find(&e, 0, IOG_IVHD_11, 0), 0x9c);
	assert_int_equal(iog_ivrs_edit_find(&e, 0, IOG_IVHD_40, 0), IOG_ENOTFOUND);
	while ((off = iog_ivrs_edit_find(&e, 1, 0, 0)) >= 0)
		assert_int_equal(iog_ivrs_edit_remove(&e, off, NULL), 0);
	assert_int_equal(iog_ivrs_edit_finish(&e, NULL), 0x118);
	/* Refused: a wrong checksum, a buffer too small. */
	assert_int_equal(iog_ivrs_edit_begin(&e, buf, len - 1, t, len, NULL), IOG_ENOSPC);
	t[9] ^= 1;
	assert_int_equal(iog_ivrs_edit_begin(&e, buf, sizeof(buf), t, len, NULL), IOG_ECHECKSUM);
	free(t);
}

/* Every real IVRS: identity byte for byte; every IVMD dropped, the IVHDs untouched. */
static void test_real_tables(void **state)
{
	char **paths;
	size_t n = shared_tables("ivrs", &paths), ivmds = 0;
	static uint8_t buf[TB_CAP];

	(void)state;
	if (!n) {
		print_message("no real IVRS tables under $IOG_SHARED/tables/ivrs: skipped\n");
		skip();
	}
	for (size_t i = 0; i < n; i++) {
		size_t len, at = IOG_IVRS_HEADER_LEN;
		uint8_t *b = read_whole(paths[i], &len);
		struct iog_ivrs_edit e;
		struct iog_ivrs_block blk;
		struct iog_diag d = {0};
		long off;

		assert_non_null(b);
		if (iog_ivrs_edit_begin(&e, buf, sizeof(buf), b, len, &d))
			fail_msg("%s: %s", paths[i], d.reason);
		assert_int_equal(iog_ivrs_edit_finish(&e, NULL), (long)len);
		assert_memory_equal(buf, b, len);
		while ((off = iog_ivrs_edit_find(&e, 1, 0, 0)) >= 0) {
			assert_int_equal(iog_ivrs_edit_remove(&e, off, NULL), 0);
			ivmds++;
		}
		assert_true(iog_ivrs_edit_finish(&e, NULL) > 0);
		/* What is left is the input's other blocks, byte for byte, in order. */
		for (off = iog_ivrs_first(b, len, NULL); off >= 0;
		     off = iog_ivrs_next(b, len, off, NULL)) {
			assert_int_equal(iog_ivrs_block_get(b, len, off, &blk, NULL), 0);
			if (blk.is_ivmd)
				continue;
			assert_memory_equal(buf + at, b + off, blk.length);
			at += blk.length;
		}
		assert_int_equal(at, e.len);
		free(b);
	}
	print_message("%zu real IVRS edited (%zu IVMDs dropped)\n", n, ivmds);
	free_paths(paths, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture),
		cmocka_unit_test(test_real_tables),
	};

	return cmocka_run_group_tests_name("ivrs_edit", tests, NULL, NULL);
}
