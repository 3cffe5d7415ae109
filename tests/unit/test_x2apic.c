/* SPDX-License-Identifier: BSD-2-Clause */
/* What concealing the DMAR does to the guest's interrupts: DMAR flags, MADT CPUs, risks. */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ioguard/dmar.h>
#include <ioguard/x2apic.h>

#include "testlib.h"

static void madt_begin(struct tb *t)
{
	tb_init(t);
	tb_header(t, "APIC", 5);
	tb_u32(t, 0xfee00000); /* Local Interrupt Controller Address */
	tb_u32(t, 1);	       /* PCAT_COMPAT */
}

static size_t madt_lapic(struct tb *t, uint8_t uid, uint8_t apic_id, uint32_t flags)
{
	size_t off = t->len;

	tb_u8(t, IOG_MADT_LOCAL_APIC);
	tb_u8(t, 8);
	tb_u8(t, uid);
	tb_u8(t, apic_id);
	tb_u32(t, flags);
	return off;
}

static size_t madt_x2apic(struct tb *t, uint32_t apic_id, uint32_t flags, uint32_t uid)
{
	size_t off = t->len;

	tb_u8(t, IOG_MADT_LOCAL_X2APIC);
	tb_u8(t, 16);
	tb_u16(t, 0);
	tb_u32(t, apic_id);
	tb_u32(t, flags);
	tb_u32(t, uid);
	return off;
}

/* An I/O APIC entry: not a CPU, skipped. */
static size_t madt_ioapic(struct tb *t, uint8_t id)
{
	size_t off = t->len;

	tb_u8(t, 1);
	tb_u8(t, 12);
	tb_u8(t, id);
	tb_u8(t, 0);
	tb_u32(t, 0xfec00000);
	tb_u32(t, 0);
	return off;
}

static void dmar(struct tb *t, uint8_t flags)
{
	dmar_begin(t, 38, flags);
	dmar_drhd(t, IOG_DRHD_INCLUDE_PCI_ALL, 0, 0xfed90000);
	tb_finish(t);
}

/* Offsets of the entries in the MADT built by big_madt(). */
struct big {
	size_t entry[12];
	int n;
};

/*
 * A two-socket server's MADT: xAPIC entries below 255, x2APIC entries
 * above, a disabled entry, online-capable ones, the invalid IDs firmware
 * uses as placeholders, an I/O APIC and an unknown type in between.
 */
static void big_madt(struct tb *t, struct big *b)
{
	madt_begin(t);
	b->n = 0;
	b->entry[b->n++] = madt_lapic(t, 0, 0x00, IOG_MADT_ENABLED);
	b->entry[b->n++] = madt_lapic(t, 1, 0x02, IOG_MADT_ENABLED);
	b->entry[b->n++] = madt_lapic(t, 2, 0x04, 0);		     /* disabled */
	b->entry[b->n++] = madt_lapic(t, 3, 0xff, IOG_MADT_ENABLED); /* invalid id */
	b->entry[b->n++] = madt_ioapic(t, 8);
	b->entry[b->n++] = madt_x2apic(t, 0x100, IOG_MADT_ENABLED, 4);	      /* above 254 */
	b->entry[b->n++] = madt_x2apic(t, 0xff, IOG_MADT_ENABLED, 5);	      /* 255: above too */
	b->entry[b->n++] = madt_x2apic(t, 0x180, IOG_MADT_ONLINE_CAPABLE, 6); /* hot-add */
	b->entry[b->n++] = madt_x2apic(t, 0x200, 0, 7);			      /* disabled */
	b->entry[b->n++] = madt_x2apic(t, 0xffffffff, IOG_MADT_ENABLED, 8);   /* invalid */
	b->entry[b->n++] = t->len;
	tb_u8(t, 0x7f); /* an entry type from a later ACPI version: skipped */
	tb_u8(t, 3);
	tb_u8(t, 0xaa);
	b->entry[b->n++] = madt_lapic(t, 9, 0x06, IOG_MADT_ENABLED);
	tb_finish(t);
}

static int assess(const struct tb *d, const struct tb *m, int fw, struct iog_x2apic_report *r,
		  struct iog_diag *why)
{
	struct iog_x2apic_input in = {
		.dmar = d->buf,
		.dmar_len = d->len,
		.madt = m ? m->buf : NULL,
		.madt_len = m ? m->len : 0,
		.firmware_x2apic = fw,
	};

	memset(why, 0, sizeof(*why));
	return iog_x2apic_assess(&in, r, why);
}

static void test_small_machine(void **state)
{
	struct tb *d = malloc(sizeof(*d)), *m = malloc(sizeof(*m));
	struct iog_x2apic_report r;
	struct iog_diag why;
	char line[IOG_X2APIC_LINE];

	(void)state;
	dmar(d, IOG_DMAR_INTR_REMAP);
	madt_begin(m);
	for (uint8_t i = 0; i < 8; i++)
		madt_lapic(m, i, (uint8_t)(2 * i), IOG_MADT_ENABLED);
	madt_ioapic(m, 0);
	tb_finish(m);
	assert_int_equal(assess(d, m, 0, &r, &why), 0);
	assert_int_equal(r.dmar_flags, IOG_DMAR_INTR_REMAP);
	assert_true(r.intr_remap);
	assert_false(r.x2apic_opt_out);
	assert_false(r.firmware_x2apic);
	assert_true(r.madt_read);
	assert_int_equal(r.cpus, 8);
	assert_int_equal(r.max_apic_id, 14);
	assert_int_equal(r.cpus_above_254, 0);
	assert_int_equal(r.risks, 0);
	assert_int_equal(r.bad_table, IOG_X2APIC_TABLE_NONE);
	iog_x2apic_format(&r, line, sizeof(line));
	assert_string_equal(line, "x2apic: concealing the DMAR is safe (DMAR flags 0x1: the guest "
				  "loses interrupt remapping; 0 of 8 CPUs above APIC ID 254, "
				  "highest 0xe)");

	/* An empty MADT lists no CPU and is still well formed. */
	madt_begin(m);
	tb_finish(m);
	assert_int_equal(assess(d, m, 0, &r, &why), 0);
	assert_true(r.madt_read);
	assert_int_equal(r.cpus, 0);
	assert_int_equal(r.max_apic_id, 0);
	free(d);
	free(m);
}

static void test_big_machine(void **state)
{
	struct tb *d = malloc(sizeof(*d)), *m = malloc(sizeof(*m));
	struct iog_x2apic_report r;
	struct iog_diag why;
	struct big b;
	char line[IOG_X2APIC_LINE];

	(void)state;
	dmar(d, IOG_DMAR_INTR_REMAP);
	big_madt(m, &b);
	assert_int_equal(assess(d, m, 1, &r, &why), 0);
	/* 0x00, 0x02, 0x06; 0x100, 0xff (as an x2APIC id), 0x180 (online capable). */
	assert_int_equal(r.cpus, 6);
	assert_int_equal(r.cpus_above_254, 3);
	assert_int_equal(r.max_apic_id, 0x180);
	assert_true(r.firmware_x2apic);
	assert_int_equal(r.risks, IOG_X2APIC_RISK_FIRMWARE_ON | IOG_X2APIC_RISK_APIC_ID_ABOVE_254);
	iog_x2apic_format(&r, line, sizeof(line));
	assert_string_equal(line, "x2apic: at risk without the DMAR: firmware left x2APIC mode on, "
				  "CPUs above APIC ID 254 (DMAR flags 0x1: the guest loses "
				  "interrupt remapping; 3 of 6 CPUs above APIC ID 254, highest "
				  "0x180)");

	/* ID 254 is the last one xAPIC can name; 255 is its broadcast. */
	madt_begin(m);
	madt_x2apic(m, 254, IOG_MADT_ENABLED, 0);
	tb_finish(m);
	assert_int_equal(assess(d, m, 0, &r, &why), 0);
	assert_int_equal(r.cpus_above_254, 0);
	assert_int_equal(r.risks, 0);
	madt_begin(m);
	madt_x2apic(m, 255, IOG_MADT_ENABLED, 0);
	tb_finish(m);
	assert_int_equal(assess(d, m, 0, &r, &why), 0);
	assert_int_equal(r.cpus_above_254, 1);
	assert_int_equal(r.risks, IOG_X2APIC_RISK_APIC_ID_ABOVE_254);
	free(d);
	free(m);
}

static void test_dmar_flags(void **state)
{
	struct tb *d = malloc(sizeof(*d));
	struct iog_x2apic_report r;
	struct iog_diag why;
	char line[IOG_X2APIC_LINE];

	(void)state;
	dmar(d, IOG_DMAR_INTR_REMAP | IOG_DMAR_X2APIC_OPT_OUT);
	assert_int_equal(assess(d, NULL, 0, &r, &why), 0);
	assert_true(r.intr_remap);
	assert_true(r.x2apic_opt_out);
	assert_false(r.madt_read);
	assert_int_equal(r.cpus, 0);
	assert_int_equal(r.risks, IOG_X2APIC_RISK_OPT_OUT);
	iog_x2apic_format(&r, line, sizeof(line));
	assert_string_equal(line,
			    "x2apic: at risk without the DMAR: X2APIC_OPT_OUT hidden from the "
			    "guest (DMAR flags 0x3: the guest loses interrupt remapping; CPUs "
			    "not counted)");

	/* Without INTR_REMAP the opt-out means nothing (VT-d 8.1), and there is no IR to lose. */
	dmar(d, IOG_DMAR_X2APIC_OPT_OUT);
	assert_int_equal(assess(d, NULL, 1, &r, &why), 0);
	assert_false(r.intr_remap);
	assert_true(r.x2apic_opt_out);
	assert_int_equal(r.risks, IOG_X2APIC_RISK_FIRMWARE_ON);
	iog_x2apic_format(&r, line, sizeof(line));
	assert_non_null(strstr(line, "no interrupt remapping to lose"));

	dmar(d, 0);
	assert_int_equal(assess(d, NULL, 0, &r, &why), 0);
	assert_int_equal(r.risks, 0);
	free(d);
}

/* A broken DMAR is reported as the DMAR's, before the MADT is looked at. */
static void test_bad_dmar(void **state)
{
	struct tb *d = malloc(sizeof(*d)), *m = malloc(sizeof(*m));
	struct iog_x2apic_input in = {0};
	struct iog_x2apic_report r;
	struct iog_diag why;
	struct big b;

	(void)state;
	big_madt(m, &b);
	dmar(d, IOG_DMAR_INTR_REMAP);
	d->buf[9] ^= 0x55;
	assert_int_equal(assess(d, m, 1, &r, &why), IOG_ECHECKSUM);
	assert_int_equal(r.bad_table, IOG_X2APIC_TABLE_DMAR);
	assert_int_equal(r.risks, 0);
	dmar(d, IOG_DMAR_INTR_REMAP);
	tb_put16(d, IOG_DMAR_HEADER_LEN + 2, 0);
	tb_finish(d);
	assert_int_equal(assess(d, m, 0, &r, &why), IOG_EBADLEN);
	assert_int_equal(r.bad_table, IOG_X2APIC_TABLE_DMAR);
	assert_int_equal(why.offset, IOG_DMAR_HEADER_LEN + 2);
	assert_int_equal(iog_x2apic_assess(&in, &r, &why), IOG_EINVAL);
	assert_int_equal(iog_x2apic_assess(NULL, &r, &why), IOG_EINVAL);
	assert_int_equal(iog_x2apic_assess(&in, NULL, NULL), IOG_EINVAL);
	free(d);
	free(m);
}

struct bad_madt {
	const char *what;
	int code;
	size_t offset;
};

/* Builds malformed MADT number `i` into t; returns 0 past the last one. */
static int build_bad_madt(int i, struct tb *t, struct bad_madt *c)
{
	size_t o;

	madt_begin(t);
	madt_lapic(t, 0, 0, IOG_MADT_ENABLED);
	o = t->len;
	switch (i) {
	case 0:
		*c = (struct bad_madt){"entry length 0", IOG_EBADLEN, o + 1};
		tb_u8(t, IOG_MADT_LOCAL_APIC);
		tb_u8(t, 0);
		tb_zeros(t, 6);
		break;
	case 1:
		*c = (struct bad_madt){"entry length 1", IOG_EBADLEN, o + 1};
		tb_u8(t, 0x20);
		tb_u8(t, 1);
		tb_zeros(t, 6);
		break;
	case 2:
		*c = (struct bad_madt){"local APIC entry of 6 bytes", IOG_EBADLEN, o + 1};
		madt_lapic(t, 1, 1, IOG_MADT_ENABLED);
		t->buf[o + 1] = 6;
		t->len -= 2;
		break;
	case 3:
		*c = (struct bad_madt){"local x2APIC entry of 12 bytes", IOG_EBADLEN, o + 1};
		madt_x2apic(t, 0x100, IOG_MADT_ENABLED, 1);
		t->buf[o + 1] = 12;
		t->len -= 4;
		break;
	case 4:
		*c = (struct bad_madt){"entry runs past the table end", IOG_ETRUNC, o + 1};
		madt_x2apic(t, 0x100, IOG_MADT_ENABLED, 1);
		t->buf[o + 1] = 17;
		break;
	case 5:
		*c = (struct bad_madt){"one byte left after the last entry", IOG_ETRUNC, o};
		tb_u8(t, IOG_MADT_LOCAL_APIC);
		break;
	case 6:
		*c = (struct bad_madt){"length below the 44-byte header", IOG_EBADLEN, 4};
		t->len = 40;
		break;
	case 7:
		*c = (struct bad_madt){"wrong signature", IOG_EBADSIG, 0};
		memcpy(t->buf, "APIX", 4);
		break;
	case 8:
		*c = (struct bad_madt){"bad checksum", IOG_ECHECKSUM, 9};
		tb_finish(t);
		t->buf[o - 1] ^= 1;
		return 1;
	case 9:
		*c = (struct bad_madt){"length field beyond the data", IOG_ETRUNC, 4};
		tb_finish(t);
		tb_put32(t, 4, (uint32_t)t->len + 1);
		return 1;
	case 10:
		*c = (struct bad_madt){"fewer bytes than an ACPI header", IOG_ETRUNC, 0};
		tb_finish(t);
		t->len = 35;
		return 1;
	case 11:
		*c = (struct bad_madt){"a bad entry after a good x2APIC entry", IOG_EBADLEN,
				       o + 17};
		madt_x2apic(t, 0x100, IOG_MADT_ENABLED, 1);
		madt_x2apic(t, 0x101, IOG_MADT_ENABLED, 2);
		t->buf[o + 17] = 15;
		break;
	default: return 0;
	}
	tb_finish(t);
	return 1;
}

static void test_bad_madt(void **state)
{
	struct tb *d = malloc(sizeof(*d)), *m = malloc(sizeof(*m));
	struct iog_x2apic_report r, zero;
	struct iog_diag why;
	struct bad_madt c;
	int i;

	(void)state;
	dmar(d, IOG_DMAR_INTR_REMAP | IOG_DMAR_X2APIC_OPT_OUT);
	for (i = 0; build_bad_madt(i, m, &c); i++) {
		/* An exact-size heap copy: ASan sees any read past the end. */
		uint8_t *exact = malloc(m->len);
		struct iog_x2apic_input in = {d->buf, d->len, exact, m->len, 1};
		int got;

		memcpy(exact, m->buf, m->len);
		memset(&why, 0, sizeof(why));
		got = iog_x2apic_assess(&in, &r, &why);
		if (got != c.code || why.offset != c.offset)
			fail_msg("case %d (%s): got %d at 0x%llx (%s), want %d at 0x%zx", i, c.what,
				 got, (unsigned long long)why.offset, why.reason ? why.reason : "-",
				 c.code, c.offset);
		assert_non_null(why.reason);
		memset(&zero, 0, sizeof(zero));
		zero.bad_table = IOG_X2APIC_TABLE_MADT;
		assert_memory_equal(&r, &zero, sizeof(r));
		/* Without the MADT the DMAR's part still comes through. */
		in.madt = NULL;
		assert_int_equal(iog_x2apic_assess(&in, &r, &why), 0);
		assert_int_equal(r.risks, IOG_X2APIC_RISK_FIRMWARE_ON | IOG_X2APIC_RISK_OPT_OUT);
		free(exact);
	}
	assert_true(i >= 12);
	print_message("madt bad-input suite: %d malformed tables, each with its error\n", i);
	free(d);
	free(m);
}

/* Every cut of the buffer, and every cut of the length field, in exact-size copies. */
static void test_madt_truncated_everywhere(void **state)
{
	struct tb *d = malloc(sizeof(*d)), *m = malloc(sizeof(*m)), *u = malloc(sizeof(*u));
	struct iog_x2apic_report r;
	struct iog_diag why;
	struct big b;
	int good = 0;

	(void)state;
	dmar(d, IOG_DMAR_INTR_REMAP);
	big_madt(m, &b);
	for (size_t cut = 0; cut < m->len; cut++) {
		uint8_t *exact = malloc(cut ? cut : 1);
		struct iog_x2apic_input in = {d->buf, d->len, exact, cut, 0};

		memcpy(exact, m->buf, cut);
		assert_true(iog_x2apic_assess(&in, &r, &why) < 0);
		assert_int_equal(r.bad_table, IOG_X2APIC_TABLE_MADT);
		free(exact);
	}
	for (uint32_t l = IOG_MADT_HEADER_LEN; l < m->len; l++) {
		int boundary = l == IOG_MADT_HEADER_LEN;
		uint8_t *exact;
		struct iog_x2apic_input in = {d->buf, d->len, NULL, l, 0};
		int got;

		for (int e = 0; e < b.n; e++)
			boundary |= l == b.entry[e];
		memcpy(u, m, sizeof(*u));
		u->len = l;
		tb_finish(u);
		exact = malloc(l);
		memcpy(exact, u->buf, l);
		in.madt = exact;
		got = iog_x2apic_assess(&in, &r, &why);
		if (boundary) {
			assert_int_equal(got, 0);
			good++;
		} else {
			assert_true(got < 0);
			assert_true(why.offset < l);
		}
		free(exact);
	}
	assert_int_equal(good, b.n);
	free(d);
	free(m);
	free(u);
}

static void test_text(void **state)
{
	struct iog_x2apic_report r = {
		.dmar_flags = 0xff,
		.intr_remap = 1,
		.madt_read = 1,
		.cpus = 0xffffffff,
		.max_apic_id = 0xffffffff,
		.cpus_above_254 = 0xffffffff,
		.risks = 0xffffffff,
	};
	char line[IOG_X2APIC_LINE], small[16];
	size_t n;

	(void)state;
	for (unsigned i = 0; i < IOG_X2APIC_RISKS; i++) {
		const char *s = iog_x2apic_risk_text(1u << i);

		assert_non_null(s);
		assert_true(strlen(s) > 40);
	}
	assert_null(iog_x2apic_risk_text(0));
	assert_null(iog_x2apic_risk_text(1u << IOG_X2APIC_RISKS));
	assert_null(iog_x2apic_risk_text(IOG_X2APIC_RISK_FIRMWARE_ON | IOG_X2APIC_RISK_OPT_OUT));
	/* The longest line there can be still fits. */
	n = iog_x2apic_format(&r, line, sizeof(line));
	assert_int_equal(n, strlen(line));
	assert_true(n < sizeof(line) - 1);
	assert_non_null(strstr(line, "4294967295 of 4294967295 CPUs"));
	/* A short buffer is cut and terminated. */
	n = iog_x2apic_format(&r, small, sizeof(small));
	assert_int_equal(n, sizeof(small) - 1);
	assert_int_equal(strlen(small), n);
	assert_int_equal(iog_x2apic_format(&r, small, 0), 0);
	iog_x2apic_format(NULL, line, sizeof(line));
	assert_string_equal(line, "x2apic: no report");
}

/* The real DMARs: the opt-out risk appears exactly where the spec gives the flag meaning. */
static void test_real_dmars(void **state)
{
	char **paths;
	size_t n = shared_tables("dmar", &paths), opt_out = 0;

	(void)state;
	if (!n) {
		print_message("no real DMAR tables under $IOG_SHARED/tables/dmar: skipped\n");
		skip();
	}
	for (size_t i = 0; i < n; i++) {
		size_t len;
		uint8_t *b = read_whole(paths[i], &len);
		struct iog_x2apic_input in = {b, len, NULL, 0, 0};
		struct iog_x2apic_report r;
		unsigned both = IOG_DMAR_INTR_REMAP | IOG_DMAR_X2APIC_OPT_OUT;

		assert_non_null(b);
		assert_int_equal(iog_x2apic_assess(&in, &r, NULL), 0);
		assert_int_equal(r.dmar_flags, b[37]);
		assert_int_equal(r.risks, (b[37] & both) == both ? IOG_X2APIC_RISK_OPT_OUT : 0);
		opt_out += r.risks != 0;
		free(b);
	}
	print_message("%zu of %zu real DMARs ask the OS to stay out of x2APIC mode\n", opt_out, n);
	free_paths(paths, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_machine),
		cmocka_unit_test(test_big_machine),
		cmocka_unit_test(test_dmar_flags),
		cmocka_unit_test(test_bad_dmar),
		cmocka_unit_test(test_bad_madt),
		cmocka_unit_test(test_madt_truncated_everywhere),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_real_dmars),
	};

	return cmocka_run_group_tests_name("x2apic", tests, NULL, NULL);
}
