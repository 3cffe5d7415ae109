/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer: DMAR editing. The input is a table (its checksum made right, so
 * that mutations reach the editor) followed by edit commands, 8 bytes each.
 * After every command the buffer must still pass iog_dmar_check(), and a
 * refused command must have changed nothing.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ioguard/acpi.h>
#include <ioguard/dmar.h>
#include <ioguard/dmar_edit.h>

#define CAP 32768

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

/* The offset of some structure, or of some scope of it, chosen by two bytes. */
static long pick(const struct iog_dmar_edit *e, uint8_t type, uint8_t index)
{
	return iog_dmar_edit_find(e, type % 8u, index % 4u);
}

static long pick_scope(const struct iog_dmar_edit *e, long off, uint8_t index)
{
	struct iog_dmar_struct s;
	long so;

	if (iog_dmar_struct_get(e->buf, e->len, off, &s, NULL))
		return -1;
	so = iog_dmar_scope_first(e->buf, e->len, &s, NULL);
	for (unsigned i = 0; so >= 0 && i < index % 4u; i++)
		so = iog_dmar_scope_next(e->buf, e->len, &s, so, NULL);
	return so;
}

static int command(struct iog_dmar_edit *e, const uint8_t *c)
{
	uint8_t path[8] = {c[4] & 31, c[5] & 7, c[5] >> 3 & 31, c[4] >> 5, 0, 0, 0, 0};
	struct iog_dmar_scope_spec sc[2] = {{
		.type = (uint8_t)(c[3] % 7u), /* reserved types 0 and 6 too */
		.enumeration_id = c[6],
		.bus = c[7],
		.path_len = (uint8_t)(c[6] % 3u), /* 0 must be refused */
		.path = path,
	}};
	long off = pick(e, c[1], c[2]);

	sc[1] = sc[0];
	sc[1].bus = (uint8_t)(c[7] + 1);

	switch (c[0] % 8u) {
	case 0: return iog_dmar_edit_remove(e, off, NULL);
	case 1: return iog_dmar_edit_remove(e, (long)(le(c + 1, 2) % (e->len + 8)), NULL);
	case 2:
		return iog_dmar_edit_add_rmrr(e, c[1], le(c + 2, 3) << 12, le(c + 4, 3) << 12, sc,
					      c[7] % 3u, NULL, NULL);
	case 3: return iog_dmar_edit_header_flags(e, c[1], c[2], NULL);
	case 4: return iog_dmar_edit_struct_flags(e, off, c[3], c[4], NULL);
	case 5: return iog_dmar_edit_add_scope(e, off, &sc[0], NULL);
	case 6: return iog_dmar_edit_remove_scope(e, off, pick_scope(e, off, c[3]), NULL);
	default: return iog_dmar_edit_remove_scope(e, off, (long)le(c + 3, 2), NULL);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t table[CAP], buf[CAP], before[CAP];
	struct iog_dmar_edit e;
	size_t len;

	if (size < IOG_DMAR_HEADER_LEN)
		return 0;
	len = (size_t)le(data + 4, 4);
	if (len < IOG_DMAR_HEADER_LEN || len > size || len > CAP)
		len = size < CAP ? size : CAP;
	memcpy(table, data, len);
	if (le(table + 4, 4) >= IOG_ACPI_HEADER_LEN && le(table + 4, 4) <= len)
		iog_acpi_fix_checksum(table, len);
	if (iog_dmar_edit_begin(&e, buf, CAP / 2, table, len, NULL))
		return 0;
	for (size_t at = len; at + 8 <= size; at += 8) {
		size_t was = e.len;

		memcpy(before, e.buf, was);
		if (command(&e, data + at) && (e.len != was || memcmp(before, e.buf, was)))
			abort(); /* a refused edit changed the table */
		if (iog_dmar_check(e.buf, e.len, NULL, NULL) || e.len > e.cap)
			abort(); /* an accepted edit left an invalid table */
	}
	if (iog_dmar_edit_finish(&e, NULL) != (long)e.len)
		abort();
	return 0;
}
