/* SPDX-License-Identifier: BSD-2-Clause */
#include "testlib.h"

#include "model/machine.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tb_init(struct tb *t)
{
	memset(t, 0, sizeof(*t));
}

void tb_u8(struct tb *t, uint8_t v)
{
	assert_true(t->len < TB_CAP);
	t->buf[t->len++] = v;
}

void tb_u16(struct tb *t, uint16_t v)
{
	tb_u8(t, (uint8_t)v);
	tb_u8(t, (uint8_t)(v >> 8));
}

void tb_u32(struct tb *t, uint32_t v)
{
	tb_u16(t, (uint16_t)v);
	tb_u16(t, (uint16_t)(v >> 16));
}

void tb_u64(struct tb *t, uint64_t v)
{
	tb_u32(t, (uint32_t)v);
	tb_u32(t, (uint32_t)(v >> 32));
}

void tb_bytes(struct tb *t, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		tb_u8(t, b[i]);
}

void tb_zeros(struct tb *t, size_t n)
{
	while (n--)
		tb_u8(t, 0);
}

void tb_put16(struct tb *t, size_t off, uint16_t v)
{
	t->buf[off] = (uint8_t)v;
	t->buf[off + 1] = (uint8_t)(v >> 8);
}

void tb_put32(struct tb *t, size_t off, uint32_t v)
{
	tb_put16(t, off, (uint16_t)v);
	tb_put16(t, off + 2, (uint16_t)(v >> 16));
}

void tb_header(struct tb *t, const char sig[4], uint8_t revision)
{
	tb_bytes(t, sig, 4);
	tb_u32(t, 0);
	tb_u8(t, revision);
	tb_u8(t, 0);
	tb_bytes(t, "IOGTST", 6);
	tb_bytes(t, "UNITTEST", 8);
	tb_u32(t, 1);
	tb_bytes(t, "IOGC", 4);
	tb_u32(t, 0x20261124);
}

void tb_finish(struct tb *t)
{
	uint8_t sum = 0;

	tb_put32(t, 4, (uint32_t)t->len);
	t->buf[9] = 0;
	for (size_t i = 0; i < t->len; i++)
		sum = (uint8_t)(sum + t->buf[i]);
	t->buf[9] = (uint8_t)(0x100 - sum);
}

void dmar_begin(struct tb *t, uint8_t width, uint8_t flags)
{
	tb_init(t);
	tb_header(t, "DMAR", 1);
	tb_u8(t, width);
	tb_u8(t, flags);
	tb_zeros(t, 10);
}

size_t dmar_drhd(struct tb *t, uint8_t flags, uint16_t segment, uint64_t base)
{
	size_t off = t->len;

	tb_u16(t, 0);
	tb_u16(t, 16);
	tb_u8(t, flags);
	tb_u8(t, 0);
	tb_u16(t, segment);
	tb_u64(t, base);
	return off;
}

size_t dmar_rmrr(struct tb *t, uint16_t segment, uint64_t base, uint64_t limit)
{
	size_t off = t->len;

	tb_u16(t, 1);
	tb_u16(t, 24);
	tb_u16(t, 0);
	tb_u16(t, segment);
	tb_u64(t, base);
	tb_u64(t, limit);
	return off;
}

size_t dmar_atsr(struct tb *t, uint8_t flags, uint16_t segment)
{
	size_t off = t->len;

	tb_u16(t, 2);
	tb_u16(t, 8);
	tb_u8(t, flags);
	tb_u8(t, 0);
	tb_u16(t, segment);
	return off;
}

void dmar_rhsa(struct tb *t, uint64_t base, uint32_t domain)
{
	tb_u16(t, 3);
	tb_u16(t, 20);
	tb_u32(t, 0);
	tb_u64(t, base);
	tb_u32(t, domain);
}

void dmar_andd(struct tb *t, uint8_t number, const char *name)
{
	size_t off = t->len;

	tb_u16(t, 4);
	tb_u16(t, 0);
	tb_zeros(t, 3);
	tb_u8(t, number);
	tb_bytes(t, name, strlen(name) + 1);
	tb_end16(t, off);
}

void dmar_scope(struct tb *t, uint8_t type, uint8_t enum_id, uint8_t bus, int npath, ...)
{
	va_list ap;

	tb_u8(t, type);
	tb_u8(t, (uint8_t)(6 + 2 * npath));
	tb_u16(t, 0);
	tb_u8(t, enum_id);
	tb_u8(t, bus);
	va_start(ap, npath);
	for (int i = 0; i < 2 * npath; i++)
		tb_u8(t, (uint8_t)va_arg(ap, int));
	va_end(ap);
}

void tb_end16(struct tb *t, size_t off)
{
	tb_put16(t, off + 2, (uint16_t)(t->len - off));
}

uint8_t *read_whole(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(n > 0 ? (size_t)n : 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

uint8_t *fixture(const char *name, size_t *len)
{
	const char *dir = getenv("IOG_TABLES");
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir ? dir : "build/tables", name);
	return read_whole(path, len);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t shared_tables(const char *sub, char ***paths)
{
	const char *dir = getenv("IOG_SHARED");
	char base[512];
	struct dirent *e;
	size_t n = 0, cap = 0;
	DIR *d;

	*paths = NULL;
	snprintf(base, sizeof(base), "%s/tables/%s", dir ? dir : "../shared", sub);
	d = opendir(base);
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);

		if (l < 5 || strcmp(e->d_name + l - 4, ".dat"))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			*paths = realloc(*paths, cap * sizeof(char *));
			assert_non_null(*paths);
		}
		(*paths)[n] = malloc(strlen(base) + l + 2);
		sprintf((*paths)[n], "%s/%s", base, e->d_name);
		n++;
	}
	closedir(d);
	if (n)
		qsort(*paths, n, sizeof(char *), by_name);
	return n;
}

void free_paths(char **paths, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}

size_t rsdp_bytes(uint8_t r[36], int revision, uint32_t rsdt, uint64_t xsdt)
{
	uint8_t sum = 0;

	memset(r, 0, 36);
	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, "IOGTST", 6);
	r[15] = (uint8_t)revision;
	memcpy(r + 16, &rsdt, 4);
	for (int i = 0; i < 20; i++)
		sum = (uint8_t)(sum + r[i]);
	r[8] = (uint8_t)(0x100 - sum);
	if (revision < 2)
		return 20;
	r[20] = 36;
	memcpy(r + 24, &xsdt, 8);
	sum = 0;
	for (int i = 0; i < 36; i++)
		sum = (uint8_t)(sum + r[i]);
	r[32] = (uint8_t)(0x100 - sum);
	return 36;
}

uint64_t vtd_test_cap(unsigned sagaw, unsigned mgaw_bits, unsigned sllps, int psi, unsigned mamv,
		      int cm, int rwbf, int pmr)
{
	return model_vtd_cap(sagaw, mgaw_bits, sllps, psi, mamv, cm, rwbf, pmr);
}

uint64_t vtd_test_ecap(int coherent, int qi, int ir, int pt)
{
	return model_vtd_ecap(coherent, qi, ir, pt);
}

void memmap_carve(struct iog_range *map, unsigned *n, unsigned max, uint64_t base, uint64_t end)
{
	for (unsigned i = 0; i < *n; i++) {
		struct iog_range *m = &map[i];
		uint64_t mend = m->base + m->size;

		if (end <= m->base || base >= mend)
			continue;
		if (base > m->base && end < mend && *n < max)
			map[(*n)++] = (struct iog_range){end, mend - end};
		if (base > m->base)
			m->size = base - m->base;
		else {
			m->size = end < mend ? mend - end : 0;
			m->base = end < mend ? end : m->base;
		}
	}
}
