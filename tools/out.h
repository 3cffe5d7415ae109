/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * One emitter for both output forms of the tool. Every value is given once
 * with its JSON key and its human label; text mode prints indented
 * "Label : value" lines a person can read next to `iasl -d`, JSON mode prints
 * the fixed field names of docs/json.md.
 */
#ifndef IOG_TOOL_OUT_H
#define IOG_TOOL_OUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define OUT_MAX_DEPTH 16

struct out {
	FILE *f;
	int json;
	int depth;		     /* JSON nesting, or text indentation */
	int count[OUT_MAX_DEPTH];    /* members written at each JSON level */
	int level;		     /* begin/end nesting, for the text stack */
	int indented[OUT_MAX_DEPTH]; /* text: whether that level indents */
};

void out_init(struct out *o, FILE *f, int json);

/* Objects and arrays; `key` is NULL inside arrays. `title` is the text heading (may be NULL). */
void out_begin_obj(struct out *o, const char *key, const char *title, ...)
	__attribute__((format(printf, 3, 4)));
void out_end_obj(struct out *o);
void out_begin_arr(struct out *o, const char *key);
void out_end_arr(struct out *o);

/* A number: text shows hex with `hexdigits` digits (0: decimal); a NULL label is JSON-only. */
void out_num(struct out *o, const char *key, const char *label, uint64_t value, int hexdigits);
/*
 * A 64-bit quantity (address, register image): text like out_num, JSON a
 * string "0x..." so that tools that read numbers as doubles keep every bit.
 */
void out_hex(struct out *o, const char *key, const char *label, uint64_t value, int hexdigits);
/* Same, with a note after the value in text mode. */
void out_hex_note(struct out *o, const char *key, const char *label, uint64_t value, int hexdigits,
		  const char *note);
/* A signed number (error codes). */
void out_int(struct out *o, const char *key, const char *label, int64_t value);
/* Same, with a decoded meaning shown after the value in text mode only. */
void out_num_note(struct out *o, const char *key, const char *label, uint64_t value, int hexdigits,
		  const char *note);
/* Bytes shown as a string (escaped in JSON, non-printables as \xNN in text). */
void out_str(struct out *o, const char *key, const char *label, const void *s, size_t n);
void out_bool(struct out *o, const char *key, const char *label, int v);
/* A line in text mode only. */
void out_textf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
