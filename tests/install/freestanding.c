/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A freestanding program linked against the installed
 * libioguard-freestanding.a through pkg-config: no libc at all, its own
 * entry point and three Linux system calls standing in for a loader's own
 * I/O. Reads the DMAR named on the command line, decodes it with the core
 * and prints its first unit's register base.
 */
#include <stddef.h>
#include <stdint.h>

#include <ioguard/dmar.h>
#include <ioguard/error.h>
#include <ioguard/ioguard.h>

static long sys3(long nr, long a, long b, long c)
{
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return ret;
}

static void put(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	sys3(1 /* write */, 1, (long)s, (long)n);
}

static void put_hex(uint64_t v)
{
	char buf[19];
	int i = 18;

	buf[i] = 0;
	do {
		buf[--i] = "0123456789abcdef"[v & 0xf];
		v >>= 4;
	} while (v);
	buf[--i] = 'x';
	buf[--i] = '0';
	put(buf + i);
}

static uint8_t table[1 << 16];

static int run(const char *path)
{
	struct iog_diag d = {0};
	struct iog_dmar_struct s;
	long fd, n = 0, got;
	long off;

	fd = sys3(2 /* open */, (long)path, 0, 0);
	if (fd < 0)
		return 2;
	while ((got = sys3(0 /* read */, fd, (long)(table + n),
			   (long)(sizeof(table) - (size_t)n))) > 0)
		n += got;
	if (iog_dmar_check(table, (size_t)n, NULL, &d) != IOG_OK) {
		put(d.reason);
		put("\n");
		return 1;
	}
	off = iog_dmar_first(table, (size_t)n, &d);
	if (off < 0 || iog_dmar_struct_get(table, (size_t)n, off, &s, &d) != IOG_OK)
		return 1;
	put("ioguard " IOG_VERSION " (freestanding): first unit at ");
	put_hex(s.address);
	put("\n");
	return 0;
}

void consumer_start(long *sp);

/* The stack at entry: argc, then argv. */
void consumer_start(long *sp)
{
	int rc = sp[0] == 2 ? run((const char *)sp[2]) : 2;

	sys3(60 /* exit */, rc, 0, 0);
	for (;;)
		;
}

__asm__(".globl _start\n"
	"_start:\n"
	"\tmov %rsp, %rdi\n"
	"\tand $-16, %rsp\n"
	"\tcall consumer_start\n");
