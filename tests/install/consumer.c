/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Built against an installed ioguard through pkg-config: decodes the DMAR
 * given on the command line and prints its first unit's register base.
 */
#include <stdio.h>
#include <stdlib.h>

#include <ioguard/ioguard.h>

int main(int argc, char **argv)
{
	static unsigned char buf[1 << 16];
	struct iog_dmar_struct s;
	struct iog_diag d = {0};
	FILE *f;
	size_t n;
	long off;

	if (argc != 2 || !(f = fopen(argv[1], "rb")))
		return 2;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (iog_dmar_check(buf, n, NULL, &d) != IOG_OK) {
		fprintf(stderr, "%s at 0x%llx\n", d.reason, (unsigned long long)d.offset);
		return 1;
	}
	off = iog_dmar_first(buf, n, &d);
	if (off < 0 || iog_dmar_struct_get(buf, n, off, &s, &d) != IOG_OK)
		return 1;
	printf("%s %s: first unit at 0x%llx\n", "ioguard", IOG_VERSION,
	       (unsigned long long)s.address);
	return 0;
}
