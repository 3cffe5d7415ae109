/* SPDX-License-Identifier: BSD-2-Clause */
/* DMAR editing: every change keeps a valid table, failures change nothing. */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ioguard/acpi.h>
#include <ioguard/dmar.h>
#include <ioguard/dmar_edit.h>

#include "testlib.h"

struct layout {
	size_t drhd, rmrr, atsr, rhsa;
};

/* A DRHD with one endpoint, an RMRR for 00:14.0, an ATSR and an RHSA. */
static void build(struct tb *t, struct layout *l)
{
	dmar_begin(t, 38, IOG_DMAR_INTR_REMAP | IOG_DMAR_DMA_CTRL_PLATFORM_OPT_IN);
	l->drhd = dmar_drhd(t, 0, 0, 0xfed90000);
	dmar_scope(t, IOG_SCOPE_PCI_ENDPOINT, 0, 0, 1, 2, 0);
	tb_end16(t, l->drhd);
	l->rmrr = dmar_rmrr(t, 0, 0x3e2e0000, 0x3e2fffff);
	dmar_scope(t, IOG_SCOPE_PCI_ENDPOINT, 0, 0, 1, 0x14, 0);
	tb_end16(t, l->rmrr);
	l->atsr = dmar_atsr(t, 0, 0);
	dmar_scope(t, IOG_SCOPE_PCI_SUBHIERARCHY, 0, 0, 1, 0x1c, 0);
	tb_end16(t, l->atsr);
	l->rhsa = t->len;
	dmar_rhsa(t, 0xfed90000, 3);
	tb_finish(t);
}

/* The types of the structures in table order, as a string of digits. */
static void types(const uint8_t *b, size_t len, char *out)
{
	struct iog_dmar_struct s;
	size_t n = 0;

	for (long off = iog_dmar_first(b, len, NULL); off >= 0;
	     off = iog_dmar_next(b, len, off, NULL)) {
		assert_int_equal(iog_dmar_struct_get(b, len, off, &s, NULL), 0);
		out[n++] = (char)('0' + s.type);
	}
	out[n] = 0;
}

static void assert_valid(const struct iog_dmar_edit *e)
{
	struct iog_diag d = {0};

	if (iog_dmar_check(e->buf, e->len, NULL, &d))
		fail_msg("edited table invalid: %s at 0x%llx", d.reason,
			 (unsigned long long)d.offset);
	assert_int_equal(iog_acpi_checksum(e->buf, e->len), 0);
}

static void test_begin(void **state)
{
	static struct tb t;
	struct layout l;
	struct iog_dmar_edit e;
	uint8_t buf[512];

	(void)state;
	build(&t, &l);
	assert_int_equal(iog_dmar_edit_begin(&e, buf, sizeof(buf), t.buf, t.len, NULL), 0);
	assert_int_equal(e.len, t.len);
	assert_memory_equal(buf, t.buf, t.len);
	/* An identity edit reproduces the table byte for byte. */
	assert_int_equal(iog_dmar_edit_finish(&e, NULL), (long)t.len);
	assert_memory_equal(buf, t.buf, t.len);
	/* Too small a buffer, a wrong checksum, a damaged structure: refused. */
	assert_int_equal(iog_dmar_edit_begin(&e, buf, t.len - 1, t.buf, t.len, NULL), IOG_ENOSPC);
	t.buf[9] ^= 1;
	assert_int_equal(iog_dmar_edit_begin(&e, buf, sizeof(buf), t.buf, t.len, NULL),
			 IOG_ECHECKSUM);
	t.buf[9] ^= 1;
	t.buf[l.rmrr + 2] = 3; /* RMRR length below its header */
	tb_finish(&t);
	assert_true(iog_dmar_edit_begin(&e, buf, sizeof(buf), t.buf, t.len, NULL) < 0);
	/* In place, in a buffer with room to grow. */
	build(&t, &l);
	assert_int_equal(iog_dmar_edit_begin(&e, t.buf, sizeof(t.buf), t.buf, t.len, NULL), 0);
	assert_int_equal(e.len, t.len);
	assert_int_equal(iog_dmar_edit_begin(NULL, buf, sizeof(buf), t.buf, t.len, NULL),
			 IOG_EINVAL);
}

static void test_header_flags(void **state)
{
	static struct tb t;
	struct layout l;
	struct iog_dmar_edit e;
	uint8_t buf[512];

	(void)state;
	build(&t, &l);
	assert_int_equal(iog_dmar_edit_begin(&e, buf, sizeof(buf), t.buf, t.len, NULL), 0);
	assert_int_equal(iog_dmar_edit_header_flags(&e, IOG_DMAR_X2APIC_OPT_OUT,
						    IOG_DMAR_DMA_CTRL_PLATFORM_OPT_IN, NULL),
			 0);
	assert_int_equal(buf[37], IOG_DMAR_INTR_REMAP | IOG_DMAR_X2APIC_OPT_OUT);
	assert_valid(&e);
	assert_int_equal(iog_dmar_edit_header_flags(&e, 0x10, 0, NULL), IOG_EINVAL);
	assert_int_equal(buf[37], IOG_DMAR_INTR_REMAP | IOG_DMAR_X2APIC_OPT_OUT);
	/* Every other byte but the checksum is untouched. */
	for (size_t i = 0; i < t.len; i++)
		if (i != 9 && i != 37)
			assert_int_equal(buf[i], t.buf[i]);
	assert_int_equal(iog_dmar_edit_finish(&e, NULL), (long)t.len);
}

static void test_remove(void **state)
{
	static struct tb t;
	struct layout l;
	struct iog_dmar_edit e;
	struct iog_dmar_struct s;
	uint8_t buf[512];
	char ty[16];
	long off;

	(void)state;
	build(&t, &l);
	assert_int_equal(iog_dmar_edit_begin(&e, buf, sizeof(buf), t.buf, t.len, NULL), 0);
	assert_int_equal(iog_dmar_edit_find(&e, IOG_DMAR_RMRR, 0), (long)l.rmrr);
	assert_int_equal(iog_dmar_edit_find(&e, IOG_DMAR_RMRR, 1), IOG_ENOTFOUND);
	/* Not a structure boundary: nothing happens. */
	assert_int_equal(iog_dmar_edit_remove(&e, (long)l.rmrr + 8, NULL), IOG_ENOTFOUND);
	assert_int_equal(e.len, t.len);
	assert_int_equal(iog_dmar_edit_remove(&e, (long)l.rmrr, NULL), 0);
	assert_int_equal(e.len, t.len - (l.atsr - l.rmrr));
	assert_valid(&e);
	types(buf, e.len, ty);
	assert_string_equal(ty, "023");
	/* What followed moved down intact. */
	off = iog_dmar_edit_find(&e, IOG_DMAR_RHSA, 0);
	assert_int_equal(iog_dmar_struct_get(buf, e.len, off, &s, NULL), 0);
	assert_int_equal(s.address, 0xfed90000);
	assert_int_equal(s.proximity_domain, 3);
	assert_memory_equal(buf + l.rmrr, t.buf + l.atsr, t.len - l.atsr);
	assert_int_equal(iog_dmar_edit_finish(&e, NULL), (long)e.len);
}

static void test_add_rmrr(void **state)
{
	static struct tb t;
	struct layout l;
	struct iog_dmar_edit e;
	struct iog_dmar_struct s;
	struct iog_dmar_scope sc;
	static const uint8_t gfx[] = {2, 0}, deep[] = {0x1c, 4, 0, 0};
	const struct iog_dmar_scope_spec scopes[] = {
		{.type = IOG_SCOPE_PCI_ENDPOINT, .bus = 0, .path_len = 1, .path = gfx},
		{.type = IOG_SCOPE_PCI_SUBHIERARCHY, .bus = 0, .path_len = 2, .path = deep},
	};
	uint8_t buf[512];
	char ty[16];
	long off = -1, so;
	size_t before;

	(void)state;
	build(&t, &l);
	assert_int_equal(iog_dmar_edit_begin(&e, buf, sizeof(buf), t.buf, t.len, NULL), 0);
	assert_int_equal(
		iog_dmar_edit_add_rmrr(&e, 0, 0x80000000, 0x807fffff, scopes, 2, &off, NULL), 0);
	assert_valid(&e);
	assert_int_equal(e.len, t.len + 24 + 8 + 10);
	/* After the existing RMRR, before the ATSR. */
	assert_int_equal(off, (long)l.atsr);
	types(buf, e.len, ty);
	assert_string_equal(ty, "01123");
	assert_int_equal(iog_dmar_struct_get(buf, e.len, off, &s, NULL), 0);
	assert_int_equal(s.base, 0x80000000);
	assert_int_equal(s.limit, 0x807fffff);
	assert_int_equal(s.length, 42);
	so = iog_dmar_scope_first(buf, e.len, &s, NULL);
	assert_int_equal(iog_dmar_scope_get(buf, e.len, so, &sc, NULL), 0);
	assert_int_equal(sc.type, IOG_SCOPE_PCI_ENDPOINT);
	assert_int_equal(sc.path_len, 1);
	assert_int_equal(sc.path[0], 2);
	so = iog_dmar_scope_next(buf, e.len, &s, so, NULL);
	assert_int_equal(iog_dmar_scope_get(buf, e.len, so, &sc, NULL), 0);
	assert_int_equal(sc.type, IOG_SCOPE_PCI_SUBHIERARCHY);
	assert_int_equal(sc.path_len, 2);
	assert_int_equal(sc.path[2], 0);
	assert_int_equal(iog_dmar_scope_next(buf, e.len, &s, so, NULL), IOG_ENOTFOUND);

	/* Refusals leave the table as it was. */
	before = e.len;
	assert_int_equal(iog_dmar_edit_add_rmrr(&e, 0, 0x2000, 0x1fff, scopes, 1, NULL, NULL),
			 IOG_EBADVAL);
	assert_int_equal(iog_dmar_edit_add_rmrr(&e, 0, 0x1000, 0x1fff, scopes, 0, NULL, NULL),
			 IOG_EINVAL);
	e.cap = e.len + 10;
	assert_int_equal(iog_dmar_edit_add_rmrr(&e, 0, 0x1000, 0x1fff, scopes, 1, NULL, NULL),
			 IOG_ENOSPC);
	assert_int_equal(e.len, before);
	assert_valid(&e);

	/* Into a table with no RMRR and nothing after the DRHD: appended. */
	e.cap = sizeof(buf);
	assert_int_equal(iog_dmar_edit_remove(&e, iog_dmar_edit_find(&e, IOG_DMAR_RHSA, 0), NULL),
			 0);
	assert_int_equal(iog_dmar_edit_remove(&e, iog_dmar_edit_find(&e, IOG_DMAR_ATSR, 0), NULL),
			 0);
	while ((off = iog_dmar_edit_find(&e, IOG_DMAR_RMRR, 0)) >= 0)
		assert_int_equal(iog_dmar_edit_remove(&e, off, NULL), 0);
	before = e.len;
	assert_int_equal(iog_dmar_edit_add_rmrr(&e, 1, 0x1000, 0x1fff, scopes, 1, &off, NULL), 0);
	assert_int_equal(off, (long)before);
	types(buf, e.len, ty);
	assert_string_equal(ty, "01");
	assert_int_equal(iog_dmar_edit_finish(&e, NULL), (long)e.len);
}

static void test_scopes_and_flags(void **state)
{
	static struct tb t;
	struct layout l;
	struct iog_dmar_edit e;
	struct iog_dmar_struct s;
	struct iog_dmar_scope sc;
	static const uint8_t ioapic[] = {0x1f, 0};
	const struct iog_dmar_scope_spec add = {.type = IOG_SCOPE_IOAPIC,
						.enumeration_id = 2,
						.bus = 0xf0,
						.path_len = 1,
						.path = ioapic};
	uint8_t buf[512];
	long so, first;

	(void)state;
	build(&t, &l);
	assert_int_equal(iog_dmar_edit_begin(&e, buf, sizeof(buf), t.buf, t.len, NULL), 0);
	assert_int_equal(iog_dmar_edit_add_scope(&e, (long)l.drhd, &add, NULL), 0);
	assert_valid(&e);
	assert_int_equal(iog_dmar_struct_get(buf, e.len, (long)l.drhd, &s, NULL), 0);
	assert_int_equal(s.length, 16 + 8 + 8);
	first = iog_dmar_scope_first(buf, e.len, &s, NULL);
	so = iog_dmar_scope_next(buf, e.len, &s, first, NULL);
	assert_int_equal(iog_dmar_scope_get(buf, e.len, so, &sc, NULL), 0);
	assert_int_equal(sc.type, IOG_SCOPE_IOAPIC);
	assert_int_equal(sc.enumeration_id, 2);
	assert_int_equal(sc.bus, 0xf0);
	/* The RMRR after the DRHD moved and is intact. */
	assert_int_equal(iog_dmar_edit_find(&e, IOG_DMAR_RMRR, 0), (long)l.rmrr + 8);

	/* Remove the first scope; a scope offset of another structure is refused. */
	assert_int_equal(iog_dmar_edit_remove_scope(&e, (long)l.drhd, (long)l.rmrr + 8 + 24, NULL),
			 IOG_ENOTFOUND);
	assert_int_equal(iog_dmar_edit_remove_scope(&e, (long)l.drhd, first, NULL), 0);
	assert_valid(&e);
	assert_int_equal(iog_dmar_struct_get(buf, e.len, (long)l.drhd, &s, NULL), 0);
	assert_int_equal(s.length, 16 + 8);
	assert_int_equal(iog_dmar_scope_get(buf, e.len, (long)s.scopes_offset, &sc, NULL), 0);
	assert_int_equal(sc.type, IOG_SCOPE_IOAPIC);

	/* INCLUDE_PCI_ALL on, then off; an RHSA has no flags and no scopes. */
	assert_int_equal(
		iog_dmar_edit_struct_flags(&e, (long)l.drhd, IOG_DRHD_INCLUDE_PCI_ALL, 0, NULL), 0);
	assert_int_equal(buf[l.drhd + 4], IOG_DRHD_INCLUDE_PCI_ALL);
	assert_valid(&e);
	assert_int_equal(
		iog_dmar_edit_struct_flags(&e, (long)l.drhd, 0, IOG_DRHD_INCLUDE_PCI_ALL, NULL), 0);
	assert_int_equal(buf[l.drhd + 4], 0);
	so = iog_dmar_edit_find(&e, IOG_DMAR_RHSA, 0);
	assert_int_equal(iog_dmar_edit_struct_flags(&e, so, 1, 0, NULL), IOG_EINVAL);
	assert_int_equal(iog_dmar_edit_add_scope(&e, so, &add, NULL), IOG_EINVAL);
	assert_int_equal(iog_dmar_edit_finish(&e, NULL), (long)e.len);
}

/* Every real DMAR: identity, then every RMRR dropped and opt-in cleared, then one added. */
static void test_real_tables(void **state)
{
	char **paths;
	size_t n = shared_tables("dmar", &paths), rmrrs = 0;
	static uint8_t buf[TB_CAP];
	static const uint8_t dev[] = {2, 0};
	const struct iog_dmar_scope_spec gfx = {
		.type = IOG_SCOPE_PCI_ENDPOINT, .path_len = 1, .path = dev};

	(void)state;
	if (!n) {
		print_message("no real DMAR tables under $IOG_SHARED/tables/dmar: skipped\n");
		skip();
	}
	for (size_t i = 0; i < n; i++) {
		size_t len, kept = 0, others = 0;
		uint8_t *b = read_whole(paths[i], &len);
		struct iog_dmar_edit e;
		struct iog_dmar_struct s;
		struct iog_diag d = {0};
		long off;

		assert_non_null(b);
		if (iog_dmar_edit_begin(&e, buf, sizeof(buf), b, len, &d))
			fail_msg("%s: %s at 0x%llx", paths[i], d.reason,
				 (unsigned long long)d.offset);
		assert_int_equal(iog_dmar_edit_finish(&e, NULL), (long)len);
		assert_memory_equal(buf, b, len);
		for (off = iog_dmar_first(b, len, NULL); off >= 0;
		     off = iog_dmar_next(b, len, off, NULL)) {
			assert_int_equal(iog_dmar_struct_get(b, len, off, &s, NULL), 0);
			others += s.type != IOG_DMAR_RMRR;
			rmrrs += s.type == IOG_DMAR_RMRR;
		}
		while ((off = iog_dmar_edit_find(&e, IOG_DMAR_RMRR, 0)) >= 0)
			assert_int_equal(iog_dmar_edit_remove(&e, off, NULL), 0);
		assert_int_equal(
			iog_dmar_edit_header_flags(&e, 0, IOG_DMAR_DMA_CTRL_PLATFORM_OPT_IN, NULL),
			0);
		assert_int_equal(
			iog_dmar_edit_add_rmrr(&e, 0, 0x7c000000, 0x7c7fffff, &gfx, 1, NULL, NULL),
			0);
		if (iog_dmar_edit_finish(&e, &d) < 0)
			fail_msg("%s: edited: %s at 0x%llx", paths[i], d.reason,
				 (unsigned long long)d.offset);
		assert_false(buf[37] & IOG_DMAR_DMA_CTRL_PLATFORM_OPT_IN);
		for (off = iog_dmar_first(buf, e.len, NULL); off >= 0;
		     off = iog_dmar_next(buf, e.len, off, NULL)) {
			assert_int_equal(iog_dmar_struct_get(buf, e.len, off, &s, NULL), 0);
			kept += s.type != IOG_DMAR_RMRR;
		}
		assert_int_equal(kept, others);
		assert_int_equal(iog_dmar_edit_find(&e, IOG_DMAR_RMRR, 1), IOG_ENOTFOUND);
		free(b);
	}
	print_message("%zu real DMARs edited (%zu RMRRs dropped)\n", n, rmrrs);
	free_paths(paths, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_begin),
		cmocka_unit_test(test_header_flags),
		cmocka_unit_test(test_remove),
		cmocka_unit_test(test_add_rmrr),
		cmocka_unit_test(test_scopes_and_flags),
		cmocka_unit_test(test_real_tables),
	};

	return cmocka_run_group_tests_name("dmar_edit", tests, NULL, NULL);
}
