/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer: the MADT walk of iog_x2apic_assess on hostile entries. The
 * input is the MADT's body; the harness puts a right header in front of it
 * (signature, length, checksum), so that every run reaches the entries.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ioguard/dmar.h>
#include <ioguard/x2apic.h>

#define MADT_HEADER 44u
#define DMAR_LEN 64u

static void fix_checksum(uint8_t *t, size_t len)
{
	uint8_t sum = 0;

	t[9] = 0;
	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + t[i]);
	t[9] = (uint8_t)(0x100 - sum);
}

/* A DMAR with one INCLUDE_PCI_ALL unit and the given flags. */
static void build_dmar(uint8_t *t, uint8_t flags)
{
	memset(t, 0, DMAR_LEN);
	memcpy(t, "DMAR", 4);
	t[4] = DMAR_LEN;
	t[8] = 1;
	t[36] = 38;
	t[37] = flags;
	t[48] = 0;  /* DRHD */
	t[50] = 16; /* length */
	t[52] = IOG_DRHD_INCLUDE_PCI_ALL;
	t[58] = 0xd9; /* register base 0xfed90000 */
	t[59] = 0xfe;
	fix_checksum(t, DMAR_LEN);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t dmar[DMAR_LEN];
	size_t len = MADT_HEADER + size;
	uint8_t *madt = malloc(len);
	struct iog_x2apic_input in = {dmar, sizeof(dmar), madt, len, size & 1};
	struct iog_x2apic_report r;
	char line[IOG_X2APIC_LINE];

	if (!madt)
		return 0;
	build_dmar(dmar, size ? data[0] : 0);
	memset(madt, 0, MADT_HEADER);
	memcpy(madt, "APIC", 4);
	madt[4] = (uint8_t)len;
	madt[5] = (uint8_t)(len >> 8);
	madt[6] = (uint8_t)(len >> 16);
	madt[8] = 5;
	memcpy(madt + MADT_HEADER, data, size);
	fix_checksum(madt, len);
	if (iog_x2apic_assess(&in, &r, NULL) == 0) {
		if (r.cpus_above_254 > r.cpus || (r.cpus_above_254 && r.max_apic_id <= 254))
			__builtin_trap();
		iog_x2apic_format(&r, line, sizeof(line));
	}
	/* The same bytes with the buffer cut one short of the length field. */
	in.madt_len = len - 1;
	if (iog_x2apic_assess(&in, &r, NULL) == 0)
		__builtin_trap();
	free(madt);
	return 0;
}
