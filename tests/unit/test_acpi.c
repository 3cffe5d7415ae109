/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ACPI discovery and concealment, on a simulated physical address space.
 * Results are read back by an independent walker written here from the
 * ACPI specification (not the library's), and by ACPICA's `iasl -d`.
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ioguard/acpi.h>
#include <ioguard/hosted.h>

#include "testlib.h"

#define LOW_RAM 0x100000ull
#define TABLES 0x7fe0000ull
#define RSDP_AT 0xf5a40ull
#define RSDT_AT (TABLES + 0x1000)
#define XSDT_AT (TABLES + 0x1100)
#define FACP_AT (TABLES + 0x2000)
#define DMAR_AT (TABLES + 0x3000)
#define APIC_AT (TABLES + 0x4000)
#define DMAR2_AT (TABLES + 0x5000)
#define COPY_AT (TABLES + 0x6000)
#define HIGH_AT 0x100000000ull

struct machine {
	struct iog_hosted h;
};

static void put(struct machine *m, uint64_t phys, const struct tb *t)
{
	void *p = iog_hosted_ptr(&m->h, phys, t->len);

	assert_non_null(p);
	memcpy(p, t->buf, t->len);
}

static void put_table(struct machine *m, uint64_t phys, const char sig[4], size_t body)
{
	struct tb t;

	tb_init(&t);
	tb_header(&t, sig, 1);
	for (size_t i = 0; i < body; i++)
		tb_u8(&t, (uint8_t)(i * 7));
	tb_finish(&t);
	put(m, phys, &t);
}

static void put_rsdp(struct machine *m, uint64_t at, int revision, uint32_t rsdt, uint64_t xsdt)
{
	uint8_t r[36];
	size_t n = rsdp_bytes(r, revision, rsdt, xsdt);

	memcpy(iog_hosted_ptr(&m->h, at, n), r, n);
}

/* Root table listing the given addresses (entry size 4 or 8). */
static void put_root(struct machine *m, uint64_t at, const char sig[4], const uint64_t *e, int n)
{
	struct tb t;

	tb_init(&t);
	tb_header(&t, sig, 1);
	for (int i = 0; i < n; i++) {
		if (sig[0] == 'X')
			tb_u64(&t, e[i]);
		else
			tb_u32(&t, (uint32_t)e[i]);
	}
	tb_finish(&t);
	put(m, at, &t);
}

/* A typical machine: RSDP v2, RSDT and XSDT both listing FACP, DMAR and APIC. */
static int setup(void **state)
{
	static const uint64_t entries[] = {FACP_AT, DMAR_AT, APIC_AT};
	struct machine *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	iog_hosted_init(&m->h);
	assert_int_equal(iog_hosted_add_ram(&m->h, 0, LOW_RAM), 0);
	assert_int_equal(iog_hosted_add_ram(&m->h, TABLES, 0x20000), 0);
	assert_int_equal(iog_hosted_add_ram(&m->h, HIGH_AT, 0x1000), 0);
	put_rsdp(m, RSDP_AT, 2, (uint32_t)RSDT_AT, XSDT_AT);
	put_root(m, RSDT_AT, "RSDT", entries, 3);
	put_root(m, XSDT_AT, "XSDT", entries, 3);
	put_table(m, FACP_AT, "FACP", 100);
	put_table(m, DMAR_AT, "DMAR", 40);
	put_table(m, APIC_AT, "APIC", 60);
	*state = m;
	return 0;
}

static int teardown(void **state)
{
	struct machine *m = *state;

	assert_int_equal(m->h.maps_outstanding, 0);
	iog_hosted_destroy(&m->h);
	free(m);
	return 0;
}

/* ---- the independent reader ---------------------------------------------------------- */

static uint32_t rd32(struct machine *m, uint64_t a)
{
	uint8_t *p = iog_hosted_ptr(&m->h, a, 4);

	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(struct machine *m, uint64_t a)
{
	return rd32(m, a) | (uint64_t)rd32(m, a + 4) << 32;
}

static int sum_ok(struct machine *m, uint64_t a, uint32_t len)
{
	uint8_t *p = iog_hosted_ptr(&m->h, a, len), s = 0;

	for (uint32_t i = 0; i < len; i++)
		s = (uint8_t)(s + p[i]);
	return s == 0;
}

/*
 * What a guest OS sees: follows RSDP -> (XSDT if rev >= 2, and RSDT), checks
 * each root's checksum and counts the tables with `sig` it can reach.
 */
static int guest_sees(struct machine *m, const char sig[4], int *roots_ok)
{
	uint64_t rsdp = RSDP_AT, root[2];
	int seen = 0;

	*roots_ok = 1;
	root[0] = rd32(m, rsdp + 16);
	root[1] = ((uint8_t *)iog_hosted_ptr(&m->h, rsdp + 15, 1))[0] >= 2 ? rd64(m, rsdp + 24) : 0;
	for (int k = 0; k < 2; k++) {
		uint32_t len, esz = k ? 8 : 4;

		if (!root[k])
			continue;
		len = rd32(m, root[k] + 4);
		*roots_ok &= sum_ok(m, root[k], len);
		for (uint32_t off = 36; off + esz <= len; off += esz) {
			uint64_t e = k ? rd64(m, root[k] + off) : rd32(m, root[k] + off);
			uint8_t *t = iog_hosted_ptr(&m->h, e, 36);

			if (t && !memcmp(t, sig, 4)) {
				seen++;
				*roots_ok &= sum_ok(m, e, rd32(m, e + 4));
			}
		}
	}
	return seen;
}

/* Runs `iasl -d` on a table in simulated memory; returns the .dsl text (malloc'ed). */
static char *iasl_decode(struct machine *m, uint64_t at)
{
	char dir[] = "/tmp/iog-acpi-XXXXXX", cmd[256], path[128];
	uint32_t len = rd32(m, at + 4);
	size_t n;
	char *text;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/t.dat", dir);
	f = fopen(path, "wb");
	assert_non_null(f);
	fwrite(iog_hosted_ptr(&m->h, at, len), 1, len, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "cd %s && iasl -d t.dat >/dev/null 2>&1", dir);
	assert_int_equal(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/t.dsl", dir);
	text = (char *)read_whole(path, &n);
	assert_non_null(text);
	text = realloc(text, n + 1);
	text[n] = 0;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	return text;
}

static unsigned count_substr(const char *s, const char *needle)
{
	unsigned n = 0;

	for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* ---- buffer-level checks ------------------------------------------------------------- */

static void test_table_check(void **state)
{
	struct tb t;
	struct iog_diag d;

	(void)state;
	tb_init(&t);
	tb_header(&t, "APIC", 3);
	tb_zeros(&t, 8);
	tb_finish(&t);
	assert_int_equal(iog_acpi_table_check(t.buf, t.len, "APIC", &d), 44);
	assert_int_equal(iog_acpi_table_check(t.buf, t.len, NULL, &d), 44);
	assert_int_equal(iog_acpi_table_check(t.buf, t.len, "DMAR", &d), IOG_EBADSIG);
	assert_int_equal(iog_acpi_table_check(t.buf, 35, NULL, &d), IOG_ETRUNC);
	assert_int_equal(iog_acpi_table_check(t.buf, 43, NULL, &d), IOG_ETRUNC);
	assert_int_equal(d.offset, 4);
	t.buf[40] ^= 0x55;
	assert_int_equal(iog_acpi_table_check(t.buf, t.len, NULL, &d), IOG_ECHECKSUM);
	assert_int_equal(d.offset, 9);
	assert_int_equal(iog_acpi_fix_checksum(t.buf, t.len), 0);
	assert_int_equal(iog_acpi_checksum(t.buf, t.len), 0);
	tb_put32(&t, 4, 20);
	assert_int_equal(iog_acpi_table_check(t.buf, t.len, NULL, &d), IOG_EBADLEN);
	assert_int_equal(d.offset, 4);
}

static void test_rsdp_check(void **state)
{
	struct machine *m = *state;
	uint8_t *p = iog_hosted_ptr(&m->h, RSDP_AT, 36), copy[36];
	struct iog_rsdp r;
	struct iog_diag d;

	assert_int_equal(iog_rsdp_check(p, 36, &r, &d), 0);
	assert_int_equal(r.revision, 2);
	assert_int_equal(r.rsdt_address, RSDT_AT);
	assert_int_equal(r.xsdt_address, XSDT_AT);
	assert_int_equal(r.length, 36);
	assert_memory_equal(r.oem_id, "IOGTST", 6);
	/* A revision-2 RSDP needs all 36 bytes. */
	assert_int_equal(iog_rsdp_check(p, 20, &r, &d), IOG_ETRUNC);
	memcpy(copy, p, 36);
	copy[30] ^= 1; /* inside the extended part only */
	assert_int_equal(iog_rsdp_check(copy, 36, &r, &d), IOG_ECHECKSUM);
	assert_int_equal(d.offset, 32);
	memcpy(copy, p, 36);
	copy[17] ^= 1;
	assert_int_equal(iog_rsdp_check(copy, 36, &r, &d), IOG_ECHECKSUM);
	assert_int_equal(d.offset, 8);
	memcpy(copy, p, 36);
	copy[0] = 'r';
	assert_int_equal(iog_rsdp_check(copy, 36, &r, &d), IOG_EBADSIG);
	memcpy(copy, p, 36);
	copy[20] = 24; /* length below 36 (checksums fixed below so only the length is wrong) */
	copy[32] = (uint8_t)(copy[32] + 12);
	assert_int_equal(iog_rsdp_check(copy, 36, &r, &d), IOG_EBADLEN);
	assert_int_equal(d.offset, 20);
}

static void test_rsdp_scan_and_find(void **state)
{
	struct machine *m = *state;
	uint8_t *bios = iog_hosted_ptr(&m->h, 0xe0000, 0x20000);
	uint64_t at;

	assert_int_equal(iog_rsdp_scan(bios, 0x20000), RSDP_AT - 0xe0000);
	assert_int_equal(iog_rsdp_find(&m->h.plat, &at, NULL), 0);
	assert_int_equal(at, RSDP_AT);
	/* A copy on a non-16-byte boundary is not an RSDP. */
	memmove(bios + (RSDP_AT - 0xe0000) + 4, bios + (RSDP_AT - 0xe0000), 36);
	memset(bios + (RSDP_AT - 0xe0000), 0, 4);
	assert_int_equal(iog_rsdp_scan(bios, 0x20000), IOG_ENOTFOUND);
	assert_int_equal(iog_rsdp_find(&m->h.plat, &at, NULL), IOG_ENOTFOUND);
	/* The EBDA is searched first. */
	put_rsdp(m, 0x9fc10, 0, (uint32_t)RSDT_AT, 0);
	*(uint16_t *)iog_hosted_ptr(&m->h, 0x40e, 2) = 0x9fc0;
	assert_int_equal(iog_rsdp_find(&m->h.plat, &at, NULL), 0);
	assert_int_equal(at, 0x9fc10);
}

/* ---- the walk ----------------------------------------------------------------------- */

static void test_walk_and_find(void **state)
{
	struct machine *m = *state;
	struct iog_acpi a;
	struct iog_acpi_table t;
	struct iog_diag d;
	uint64_t e;

	assert_int_equal(iog_acpi_init(&a, &m->h.plat, RSDP_AT, &d), 0);
	assert_int_equal(a.rsdt_phys, RSDT_AT);
	assert_int_equal(a.xsdt_phys, XSDT_AT);
	assert_int_equal(iog_acpi_entry_count(&a, IOG_SDT_RSDT), 3);
	assert_int_equal(iog_acpi_entry_count(&a, IOG_SDT_XSDT), 3);
	assert_int_equal(iog_acpi_entry(&a, IOG_SDT_XSDT, 2, &e), 0);
	assert_int_equal(e, APIC_AT);
	assert_int_equal(iog_acpi_entry(&a, IOG_SDT_XSDT, 3, &e), IOG_ENOTFOUND);
	assert_int_equal(iog_acpi_find(&a, "DMAR", 0, &t, &d), 0);
	assert_int_equal(t.phys, DMAR_AT);
	assert_int_equal(t.length, 76);
	assert_int_equal(t.sources, IOG_SDT_RSDT | IOG_SDT_XSDT);
	assert_memory_equal(t.header.oem_table_id, "UNITTEST", 8);
	/* Listed by both roots, counted once. */
	assert_int_equal(iog_acpi_find(&a, "DMAR", 1, &t, &d), IOG_ENOTFOUND);
	assert_int_equal(iog_acpi_find(&a, "IVRS", 0, &t, &d), IOG_ENOTFOUND);
	/* A table whose checksum is broken is found but reported. */
	((uint8_t *)iog_hosted_ptr(&m->h, APIC_AT, 40))[39] ^= 1;
	assert_int_equal(iog_acpi_find(&a, "APIC", 0, &t, &d), IOG_ECHECKSUM);
	assert_int_equal(d.offset, APIC_AT + 9);
}

static void test_walk_rev0_rsdt_only(void **state)
{
	struct machine *m = *state;
	struct iog_acpi a;
	struct iog_acpi_table t;

	put_rsdp(m, RSDP_AT, 0, (uint32_t)RSDT_AT, 0);
	assert_int_equal(iog_acpi_init(&a, &m->h.plat, RSDP_AT, NULL), 0);
	assert_int_equal(a.xsdt_phys, 0);
	assert_int_equal(iog_acpi_find(&a, "DMAR", 0, &t, NULL), 0);
	assert_int_equal(t.sources, IOG_SDT_RSDT);
}

static void test_walk_bad_roots(void **state)
{
	struct machine *m = *state;
	struct iog_acpi a;
	struct iog_acpi_table t;
	struct iog_diag d;

	/* XSDT checksum broken: the RSDT still serves. */
	((uint8_t *)iog_hosted_ptr(&m->h, XSDT_AT, 40))[37] ^= 1;
	assert_int_equal(iog_acpi_init(&a, &m->h.plat, RSDP_AT, &d), 0);
	assert_int_equal(a.xsdt_phys, 0);
	assert_int_equal(a.xsdt_err, IOG_ECHECKSUM);
	assert_int_equal(iog_acpi_find(&a, "DMAR", 0, &t, NULL), 0);
	assert_int_equal(t.sources, IOG_SDT_RSDT);
	/* Both broken: nothing to walk. */
	((uint8_t *)iog_hosted_ptr(&m->h, RSDT_AT, 40))[37] ^= 1;
	assert_int_equal(iog_acpi_init(&a, &m->h.plat, RSDP_AT, &d), IOG_ECHECKSUM);
	/* An RSDT pointing at unmapped memory, an absurd length. */
	put_rsdp(m, RSDP_AT, 0, 0x40000000u, 0);
	assert_int_equal(iog_acpi_init(&a, &m->h.plat, RSDP_AT, &d), IOG_ENOMEM);
	assert_int_equal(d.offset, 0x40000000u);
	put_rsdp(m, RSDP_AT, 0, (uint32_t)RSDT_AT, 0);
}

static void test_find_conflict(void **state)
{
	struct machine *m = *state;
	static const uint64_t rsdt[] = {FACP_AT, DMAR2_AT, APIC_AT};
	struct iog_acpi a;
	struct iog_acpi_table t;

	/* FIRMWARE-BUGS 17: RSDT and XSDT name different DMARs. */
	put_table(m, DMAR2_AT, "DMAR", 40);
	put_root(m, RSDT_AT, "RSDT", rsdt, 3);
	assert_int_equal(iog_acpi_init(&a, &m->h.plat, RSDP_AT, NULL), 0);
	assert_int_equal(iog_acpi_find(&a, "DMAR", 0, &t, NULL), IOG_ECONFLICT);
	assert_int_equal(t.phys, DMAR_AT);
}

/* ---- concealment -------------------------------------------------------------------- */

static void test_conceal_zap(void **state)
{
	struct machine *m = *state;
	struct iog_acpi a;
	uint8_t rsdt_before[48], xsdt_before[60];
	int ok;

	memcpy(rsdt_before, iog_hosted_ptr(&m->h, RSDT_AT, 48), 48);
	memcpy(xsdt_before, iog_hosted_ptr(&m->h, XSDT_AT, 60), 60);
	assert_int_equal(guest_sees(m, "DMAR", &ok), 2);
	assert_int_equal(iog_acpi_init(&a, &m->h.plat, RSDP_AT, NULL), 0);
	assert_int_equal(iog_acpi_conceal(&a, "DMAR", IOG_CONCEAL_ZAP, 0, NULL), 1);
	assert_int_equal(guest_sees(m, "DMAR", &ok), 0);
	assert_true(ok);
	/* The roots are untouched; the zapped table keeps a valid checksum. */
	assert_memory_equal(iog_hosted_ptr(&m->h, RSDT_AT, 48), rsdt_before, 48);
	assert_memory_equal(iog_hosted_ptr(&m->h, XSDT_AT, 60), xsdt_before, 60);
	assert_memory_equal(iog_hosted_ptr(&m->h, DMAR_AT, 4), "\0\0\0\0", 4);
	assert_true(sum_ok(m, DMAR_AT, 76));
	assert_int_equal(guest_sees(m, "APIC", &ok), 2);
	/* Nothing left to conceal. */
	assert_int_equal(iog_acpi_conceal(&a, "DMAR", IOG_CONCEAL_ZAP, 0, NULL), 0);
}

static void test_conceal_unlink(void **state)
{
	struct machine *m = *state;
	struct iog_acpi a;
	char *dsl;
	int ok;

	assert_int_equal(iog_acpi_init(&a, &m->h.plat, RSDP_AT, NULL), 0);
	assert_int_equal(iog_acpi_conceal(&a, "DMAR", IOG_CONCEAL_UNLINK, 0, NULL), 1);
	assert_int_equal(guest_sees(m, "DMAR", &ok), 0);
	assert_true(ok);
	assert_int_equal(rd32(m, RSDT_AT + 4), 36 + 2 * 4);
	assert_int_equal(rd32(m, XSDT_AT + 4), 36 + 2 * 8);
	/* The others keep their order; the freed tail is cleared. */
	assert_int_equal(rd32(m, RSDT_AT + 36), FACP_AT);
	assert_int_equal(rd32(m, RSDT_AT + 40), APIC_AT);
	assert_int_equal(rd32(m, RSDT_AT + 44), 0);
	assert_int_equal(rd64(m, XSDT_AT + 36), FACP_AT);
	assert_int_equal(rd64(m, XSDT_AT + 44), APIC_AT);
	assert_int_equal(rd64(m, XSDT_AT + 52), 0);
	/* The DMAR itself is intact. */
	assert_memory_equal(iog_hosted_ptr(&m->h, DMAR_AT, 4), "DMAR", 4);
	assert_int_equal(iog_acpi_entry_count(&a, IOG_SDT_XSDT), 2);

	/* ACPICA agrees: two entries, no DMAR address, checksums right. */
	dsl = iasl_decode(m, RSDT_AT);
	assert_int_equal(count_substr(dsl, "ACPI Table Address"), 2);
	assert_null(strstr(dsl, "07FE3000"));
	assert_null(strstr(dsl, "Incorrect checksum"));
	free(dsl);
	dsl = iasl_decode(m, XSDT_AT);
	assert_int_equal(count_substr(dsl, "ACPI Table Address"), 2);
	assert_null(strstr(dsl, "0000000007FE3000"));
	assert_non_null(strstr(dsl, "0000000007FE4000"));
	assert_null(strstr(dsl, "Incorrect checksum"));
	free(dsl);
}

static void test_conceal_unlink_conflict(void **state)
{
	struct machine *m = *state;
	static const uint64_t rsdt[] = {FACP_AT, DMAR2_AT, APIC_AT};
	struct iog_acpi a;
	int ok;

	put_table(m, DMAR2_AT, "DMAR", 40);
	put_root(m, RSDT_AT, "RSDT", rsdt, 3);
	assert_int_equal(iog_acpi_init(&a, &m->h.plat, RSDP_AT, NULL), 0);
	/* Both DMARs go, each from the root that lists it. */
	assert_int_equal(iog_acpi_conceal(&a, "DMAR", IOG_CONCEAL_UNLINK, 0, NULL), 2);
	assert_int_equal(guest_sees(m, "DMAR", &ok), 0);
	assert_true(ok);
}

static void test_conceal_replace(void **state)
{
	struct machine *m = *state;
	struct iog_acpi a;
	struct iog_acpi_table t;
	char *dsl;
	int ok;

	put_table(m, COPY_AT, "DMAR", 20);
	assert_int_equal(iog_acpi_init(&a, &m->h.plat, RSDP_AT, NULL), 0);
	assert_int_equal(iog_acpi_conceal(&a, "DMAR", IOG_CONCEAL_REPLACE, COPY_AT, NULL), 1);
	assert_int_equal(guest_sees(m, "DMAR", &ok), 2);
	assert_true(ok);
	assert_int_equal(rd32(m, RSDT_AT + 40), COPY_AT);
	assert_int_equal(rd64(m, XSDT_AT + 44), COPY_AT);
	assert_int_equal(iog_acpi_find(&a, "DMAR", 0, &t, NULL), 0);
	assert_int_equal(t.phys, COPY_AT);
	assert_int_equal(t.length, 56);
	dsl = iasl_decode(m, XSDT_AT);
	assert_non_null(strstr(dsl, "0000000007FE6000"));
	assert_null(strstr(dsl, "Incorrect checksum"));
	free(dsl);
}

static void test_conceal_refusals(void **state)
{
	struct machine *m = *state;
	struct iog_acpi a;
	struct iog_diag d;
	uint8_t before[0x6000];
	int ok;

	memcpy(before, iog_hosted_ptr(&m->h, TABLES, sizeof(before)), sizeof(before));
	put_table(m, HIGH_AT, "DMAR", 20);
	assert_int_equal(iog_acpi_init(&a, &m->h.plat, RSDP_AT, NULL), 0);
	/* A copy above 4 GiB cannot go in the RSDT's 32-bit entries: nothing changes. */
	assert_int_equal(iog_acpi_conceal(&a, "DMAR", IOG_CONCEAL_REPLACE, HIGH_AT, &d),
			 IOG_EINVAL);
	assert_memory_equal(iog_hosted_ptr(&m->h, TABLES, sizeof(before)), before, sizeof(before));
	/* A replacement that is not a valid table. */
	assert_int_equal(iog_acpi_conceal(&a, "DMAR", IOG_CONCEAL_REPLACE, COPY_AT, &d),
			 IOG_EBADLEN);
	assert_int_equal(iog_acpi_conceal(&a, "DMAR", IOG_CONCEAL_REPLACE, 0, &d), IOG_EINVAL);
	assert_int_equal(iog_acpi_conceal(&a, "DMAR", 9, 0, &d), IOG_EINVAL);
	assert_memory_equal(iog_hosted_ptr(&m->h, TABLES, sizeof(before)), before, sizeof(before));

	/* A root with a bad checksum must not be edited: unlink refuses, zap still works. */
	((uint8_t *)iog_hosted_ptr(&m->h, XSDT_AT, 40))[37] ^= 1;
	memcpy(before, iog_hosted_ptr(&m->h, TABLES, sizeof(before)), sizeof(before));
	assert_int_equal(iog_acpi_init(&a, &m->h.plat, RSDP_AT, NULL), 0);
	assert_int_equal(iog_acpi_conceal(&a, "DMAR", IOG_CONCEAL_UNLINK, 0, &d), IOG_ECHECKSUM);
	assert_int_equal(d.offset, XSDT_AT);
	assert_memory_equal(iog_hosted_ptr(&m->h, TABLES, sizeof(before)), before, sizeof(before));
	assert_int_equal(iog_acpi_conceal(&a, "DMAR", IOG_CONCEAL_ZAP, 0, &d), 1);
	assert_int_equal(guest_sees(m, "DMAR", &ok), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_check),
		cmocka_unit_test_setup_teardown(test_rsdp_check, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rsdp_scan_and_find, setup, teardown),
		cmocka_unit_test_setup_teardown(test_walk_and_find, setup, teardown),
		cmocka_unit_test_setup_teardown(test_walk_rev0_rsdt_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_walk_bad_roots, setup, teardown),
		cmocka_unit_test_setup_teardown(test_find_conflict, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conceal_zap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conceal_unlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conceal_unlink_conflict, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conceal_replace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conceal_refusals, setup, teardown),
	};

	return cmocka_run_group_tests_name("acpi", tests, NULL, NULL);
}
