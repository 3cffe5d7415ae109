/* SPDX-License-Identifier: BSD-2-Clause */
#include "acpidump.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The largest table a block may hold: the library's own cap on any table. */
#define MAX_BLOCK_BYTES (16u << 20)

struct line {
	const char *s;
	size_t n;
};

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* Parses hex digits at *i; returns the number of digits (0: none), value in *v. */
static size_t hex_run(const struct line *l, size_t *i, uint64_t *v)
{
	size_t start = *i;

	*v = 0;
	while (*i < l->n && hexval(l->s[*i]) >= 0 && *i - start < 17) {
		*v = *v << 4 | (uint64_t)hexval(l->s[*i]);
		(*i)++;
	}
	return *i - start;
}

/* "SIGN @ 0xADDR": 1 and the fields when the line is a block header. */
static int block_header(const struct line *l, char sig[5], uint64_t *address)
{
	size_t i = 0, digits;

	while (i < l->n && is_space(l->s[i]))
		i++;
	if (l->n - i < 4)
		return 0;
	for (int k = 0; k < 4; k++) {
		char c = l->s[i + (size_t)k];

		if (c <= 0x20 || c >= 0x7f)
			return 0;
		sig[k] = c;
	}
	sig[4] = 0;
	i += 4;
	if (i >= l->n || !is_space(l->s[i]))
		return 0;
	while (i < l->n && is_space(l->s[i]))
		i++;
	if (i >= l->n || l->s[i] != '@')
		return 0;
	i++;
	while (i < l->n && is_space(l->s[i]))
		i++;
	if (i + 2 > l->n || l->s[i] != '0' || (l->s[i + 1] != 'x' && l->s[i + 1] != 'X'))
		return 0;
	i += 2;
	digits = hex_run(l, &i, address);
	if (digits == 0 || digits > 16)
		return 0;
	while (i < l->n && is_space(l->s[i]))
		i++;
	return i == l->n;
}

/* "   0010: 46 43 ...": 1 when the line starts like a data line (offset and colon). */
static int data_line(const struct line *l, uint64_t *offset, size_t *after)
{
	size_t i = 0, digits;

	while (i < l->n && is_space(l->s[i]))
		i++;
	digits = hex_run(l, &i, offset);
	if (digits == 0 || digits > 16 || i >= l->n || l->s[i] != ':')
		return 0;
	*after = i + 1;
	return 1;
}

struct block {
	struct acpidump_table t;
	size_t cap;
	int open;
};

static void block_fail(struct block *b, unsigned line, const char *id, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void block_fail(struct block *b, unsigned line, const char *id, const char *fmt, ...)
{
	va_list ap;

	if (b->t.error_id)
		return;
	b->t.error_id = id;
	b->t.error_line = line;
	va_start(ap, fmt);
	vsnprintf(b->t.error, sizeof(b->t.error), fmt, ap);
	va_end(ap);
}

static int block_push(struct block *b, uint8_t byte)
{
	if (b->t.len == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4096;
		uint8_t *bigger;

		if (cap > MAX_BLOCK_BYTES)
			return 1;
		bigger = realloc(b->t.data, cap);
		if (!bigger)
			return -1;
		b->t.data = bigger;
		b->cap = cap;
	}
	b->t.data[b->t.len++] = byte;
	return 0;
}

/* The bytes of one data line: "XX XX ... XX", then two spaces and the ASCII column, or the end. */
static int block_data(struct block *b, const struct line *l, size_t i, unsigned lineno)
{
	unsigned count = 0;

	while (count < 16) {
		int hi, lo, r;

		if (i < l->n && l->s[i] == ' ')
			i++;
		else if (count)
			break; /* not a single space: the ASCII column or the end */
		if (i >= l->n || is_space(l->s[i]))
			break;
		if (i + 1 >= l->n || (hi = hexval(l->s[i])) < 0 || (lo = hexval(l->s[i + 1])) < 0 ||
		    (i + 2 < l->n && !is_space(l->s[i + 2]))) {
			block_fail(b, lineno, "acpidump-syntax",
				   "line %u: \"%.*s\" is not a hex byte", lineno,
				   (int)(l->n - i < 8 ? l->n - i : 8), l->s + i);
			return 0;
		}
		r = block_push(b, (uint8_t)(hi << 4 | lo));
		if (r < 0)
			return -1;
		if (r > 0) {
			block_fail(b, lineno, "acpidump-syntax",
				   "line %u: the block is larger than any ACPI table", lineno);
			return 0;
		}
		i += 2;
		count++;
	}
	if (count == 0)
		block_fail(b, lineno, "acpidump-syntax", "line %u: a data line without bytes",
			   lineno);
	return 0;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Ends the open block: checks it holds the whole table, hands it over. */
static void block_close(struct block *b, unsigned last_line,
			void (*fn)(void *ctx, struct acpidump_table *t), void *ctx)
{
	if (!b->open)
		return;
	b->open = 0;
	/* The RSDP has no length field where other tables have it: take its bytes as they are. */
	if (strcmp(b->t.signature, "RSDP") != 0) {
		if (b->t.len < 8)
			block_fail(b, last_line, "acpidump-truncated",
				   "line %u: the %s block at line %u ends after %zu bytes, before "
				   "its length field",
				   last_line, b->t.signature, b->t.line, b->t.len);
		else if (le32(b->t.data + 4) > b->t.len)
			block_fail(b, last_line, "acpidump-truncated",
				   "line %u: the %s block at line %u ends after %zu bytes; its "
				   "header says %u",
				   last_line, b->t.signature, b->t.line, b->t.len,
				   le32(b->t.data + 4));
	}
	if (b->t.error_id) {
		free(b->t.data);
		b->t.data = NULL;
		b->t.len = 0;
	}
	fn(ctx, &b->t);
}

static struct line next_line(const uint8_t *buf, size_t len, size_t *pos)
{
	struct line l = {(const char *)buf + *pos, 0};

	while (*pos + l.n < len && buf[*pos + l.n] != '\n')
		l.n++;
	*pos += l.n + (*pos + l.n < len);
	while (l.n && (l.s[l.n - 1] == '\r' || is_space(l.s[l.n - 1])))
		l.n--;
	return l;
}

int acpidump_is_text(const uint8_t *buf, size_t len)
{
	size_t pos = 0;
	char sig[5];
	uint64_t address;

	while (pos < len) {
		struct line l = next_line(buf, len, &pos);

		if (block_header(&l, sig, &address))
			return 1;
	}
	return 0;
}

long acpidump_parse(const uint8_t *buf, size_t len, void (*fn)(void *ctx, struct acpidump_table *t),
		    void *ctx)
{
	struct block b = {.open = 0};
	size_t pos = 0;
	unsigned lineno = 0, last = 0;
	long blocks = 0;

	while (pos < len) {
		struct line l = next_line(buf, len, &pos);
		char sig[5];
		uint64_t v;
		size_t after;

		lineno++;
		if (block_header(&l, sig, &v)) {
			block_close(&b, last, fn, ctx);
			b = (struct block){.open = 1};
			memcpy(b.t.signature, sig, 5);
			b.t.address = v;
			b.t.line = lineno;
			last = lineno;
			blocks++;
			continue;
		}
		if (!b.open)
			continue;
		if (l.n == 0 || !data_line(&l, &v, &after)) {
			/* A blank line or any other text ends the block. */
			block_close(&b, last, fn, ctx);
			continue;
		}
		last = lineno;
		if (b.t.error_id)
			continue;
		if (v != b.t.len) {
			block_fail(
				&b, lineno, "acpidump-syntax",
				"line %u: offset 0x%llx where 0x%zx was expected (a line missing "
				"or repeated)",
				lineno, (unsigned long long)v, b.t.len);
			continue;
		}
		if (block_data(&b, &l, after, lineno) < 0) {
			free(b.t.data);
			return -1;
		}
	}
	block_close(&b, last, fn, ctx);
	return blocks;
}
