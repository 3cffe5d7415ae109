/* SPDX-License-Identifier: BSD-2-Clause */
/* The core's libc stand-ins: the log formatter and the byte helpers. */
#include <string.h>

#include "testlib.h"
#include "util/bytes.h"
#include "util/log.h"

static void expect(const char *want, const char *got, size_t n)
{
	assert_string_equal(got, want);
	assert_int_equal(n, strlen(want));
}

static void test_format(void **state)
{
	char b[64];
	size_t n;

	(void)state;
	n = iog_format(b, sizeof(b), "%s=%u %x %04x %llx", "cap", 42u, 0xbeefu, 0xau,
		       0xd2008c22260206ull);
	expect("cap=42 beef 000a d2008c22260206", b, n);
	n = iog_format(b, sizeof(b), "%d %d %lld %llu %c%%", -13, 7, -(1ll << 40),
		       18446744073709551615ull, 'x');
	expect("-13 7 -1099511627776 18446744073709551615 x%", b, n);
	/* An unknown conversion takes no argument: the next ones stay in place. */
	n = iog_format(b, sizeof(b), "%q %u", 5u);
	expect("? 5", b, n);
	n = iog_format(b, sizeof(b), "%s", (const char *)NULL);
	expect("(null)", b, n);
	/* Truncated to the buffer, always terminated. */
	n = iog_format(b, 8, "%s", "0123456789");
	expect("0123456", b, n);
	assert_int_equal(iog_format(b, 0, "x"), 0);
	n = iog_format(b, sizeof(b), "trailing %");
	expect("trailing ", b, n);
}

static void test_bytes(void **state)
{
	uint8_t p[8] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x88};
	uint8_t q[8];

	(void)state;
	assert_int_equal(iog_le16(p), 0x0201);
	assert_int_equal(iog_le32(p), 0x04030201);
	assert_true(iog_le64(p) == 0x8807060504030201ull);
	iog_put_le64(q, 0x8807060504030201ull);
	assert_int_equal(iog_memcmp(p, q, 8), 0);
	q[7] = 0x87;
	assert_true(iog_memcmp(p, q, 8) > 0);
	iog_memset(q, 0xab, 4);
	assert_int_equal(q[3], 0xab);
	iog_memcpy(q, p, 2);
	assert_int_equal(q[1], 0x02);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
