/* SPDX-License-Identifier: BSD-2-Clause */
#include "out.h"

#include <stdarg.h>

void out_init(struct out *o, FILE *f, int json)
{
	o->f = f;
	o->json = json;
	o->depth = 0;
	o->count[0] = 0;
	o->level = 0;
}

static void indent(struct out *o)
{
	for (int i = 0; i < o->depth; i++)
		fputs("  ", o->f);
}

static void json_escaped(FILE *f, const void *s, size_t n)
{
	const unsigned char *p = s;

	fputc('"', f);
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '"' || p[i] == '\\')
			fprintf(f, "\\%c", p[i]);
		else if (p[i] < 0x20 || p[i] >= 0x7f)
			fprintf(f, "\\u%04x", p[i]);
		else
			fputc(p[i], f);
	}
	fputc('"', f);
}

/* Separator, indentation and key of the next JSON member. */
static void json_member(struct out *o, const char *key)
{
	if (o->count[o->depth]++)
		fputc(',', o->f);
	fputc('\n', o->f);
	indent(o);
	if (key) {
		json_escaped(o->f, key, __builtin_strlen(key));
		fputs(": ", o->f);
	}
}

/* Opens a level; in text mode only titled objects indent what they hold. */
static void push(struct out *o, int indents)
{
	if (o->level + 1 < OUT_MAX_DEPTH)
		o->level++;
	o->indented[o->level] = indents;
	if (indents && o->depth + 1 < OUT_MAX_DEPTH)
		o->depth++;
	o->count[o->depth] = 0;
}

static void pop(struct out *o)
{
	if (o->indented[o->level] && o->depth)
		o->depth--;
	if (o->level)
		o->level--;
}

void out_begin_obj(struct out *o, const char *key, const char *title, ...)
{
	if (o->json) {
		if (o->depth || o->count[0])
			json_member(o, key);
		fputc('{', o->f);
	} else if (title) {
		va_list ap;

		indent(o);
		va_start(ap, title);
		vfprintf(o->f, title, ap);
		va_end(ap);
		fputc('\n', o->f);
	}
	push(o, o->json || title);
}

void out_end_obj(struct out *o)
{
	int had = o->count[o->depth];

	pop(o);
	if (o->json) {
		if (had) {
			fputc('\n', o->f);
			indent(o);
		}
		fputc('}', o->f);
		if (!o->depth)
			fputc('\n', o->f);
	}
}

void out_begin_arr(struct out *o, const char *key)
{
	if (o->json) {
		json_member(o, key);
		fputc('[', o->f);
	}
	push(o, o->json);
}

void out_end_arr(struct out *o)
{
	int had = o->count[o->depth];

	pop(o);
	if (o->json) {
		if (had) {
			fputc('\n', o->f);
			indent(o);
		}
		fputc(']', o->f);
	}
}

void out_num_note(struct out *o, const char *key, const char *label, uint64_t value, int hexdigits,
		  const char *note)
{
	if (o->json) {
		json_member(o, key);
		fprintf(o->f, "%llu", (unsigned long long)value);
		return;
	}
	if (!label)
		return;
	indent(o);
	if (hexdigits)
		fprintf(o->f, "%-24s : 0x%0*llx", label, hexdigits, (unsigned long long)value);
	else
		fprintf(o->f, "%-24s : %llu", label, (unsigned long long)value);
	if (note && *note)
		fprintf(o->f, "  (%s)", note);
	fputc('\n', o->f);
}

void out_hex_note(struct out *o, const char *key, const char *label, uint64_t value, int hexdigits,
		  const char *note)
{
	if (o->json) {
		json_member(o, key);
		fprintf(o->f, "\"0x%llx\"", (unsigned long long)value);
		return;
	}
	out_num_note(o, key, label, value, hexdigits, note);
}

void out_hex(struct out *o, const char *key, const char *label, uint64_t value, int hexdigits)
{
	out_hex_note(o, key, label, value, hexdigits, NULL);
}

void out_int(struct out *o, const char *key, const char *label, int64_t value)
{
	if (o->json) {
		json_member(o, key);
	} else {
		if (!label)
			return;
		indent(o);
		fprintf(o->f, "%-24s : ", label);
	}
	fprintf(o->f, "%lld%s", (long long)value, o->json ? "" : "\n");
}

void out_num(struct out *o, const char *key, const char *label, uint64_t value, int hexdigits)
{
	out_num_note(o, key, label, value, hexdigits, NULL);
}

void out_str(struct out *o, const char *key, const char *label, const void *s, size_t n)
{
	const unsigned char *p = s;

	if (o->json) {
		json_member(o, key);
		json_escaped(o->f, s, n);
		return;
	}
	if (!label)
		return;
	indent(o);
	fprintf(o->f, "%-24s : \"", label);
	for (size_t i = 0; i < n; i++) {
		/* A backslash stays itself: ACPI paths read \_SB.PCI0 as in ASL. */
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"')
			fputc(p[i], o->f);
		else
			fprintf(o->f, "\\x%02x", p[i]);
	}
	fputs("\"\n", o->f);
}

void out_bool(struct out *o, const char *key, const char *label, int v)
{
	if (o->json) {
		json_member(o, key);
		fputs(v ? "true" : "false", o->f);
		return;
	}
	if (!label)
		return;
	indent(o);
	fprintf(o->f, "%-24s : %s\n", label, v ? "yes" : "no");
}

void out_textf(struct out *o, const char *fmt, ...)
{
	va_list ap;

	if (o->json)
		return;
	indent(o);
	va_start(ap, fmt);
	vfprintf(o->f, fmt, ap);
	va_end(ap);
	fputc('\n', o->f);
}
