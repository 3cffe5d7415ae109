/* SPDX-License-Identifier: BSD-2-Clause */
/* opendir, strdup: POSIX.1-2008. */
#define _POSIX_C_SOURCE 200809L

#include "input.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acpidump.h"
#include "example.h"

/* acpidump text of a large machine runs to a few MiB; a binary table is capped at 16 MiB. */
#define MAX_INPUT_BYTES (64u << 20)
#define MAX_LIVE_TABLES 64

static struct input *add(struct input_list *l, const char *file, const char *namefmt, ...)
	__attribute__((format(printf, 3, 4)));

static struct input *add(struct input_list *l, const char *file, const char *namefmt, ...)
{
	struct input *in;
	va_list ap;
	int n;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct input *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		l->v = v;
		l->cap = cap;
	}
	in = &l->v[l->n];
	*in = (struct input){.file = file};
	va_start(ap, namefmt);
	n = vsnprintf(NULL, 0, namefmt, ap);
	va_end(ap);
	in->name = malloc((size_t)n + 1);
	if (!in->name)
		return NULL;
	va_start(ap, namefmt);
	vsnprintf(in->name, (size_t)n + 1, namefmt, ap);
	va_end(ap);
	l->n++;
	return in;
}

static void fail(struct input *in, const char *id, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fail(struct input *in, const char *id, const char *fmt, ...)
{
	va_list ap;

	in->error_id = id;
	va_start(ap, fmt);
	vsnprintf(in->error, sizeof(in->error), fmt, ap);
	va_end(ap);
}

static const char *errno_id(int e)
{
	switch (e) {
	case ENOENT: return "no-such-file";
	case EACCES:
	case EPERM: return "permission-denied";
	case EISDIR: return "is-a-directory";
	default: return "read-error";
	}
}

/* Reads a whole stream; 0, or an errno value (EFBIG when over the cap). */
static int read_stream(FILE *f, uint8_t **out, size_t *len)
{
	size_t cap = 4096, n = 0;
	uint8_t *buf = malloc(cap);

	if (!buf)
		return ENOMEM;
	for (;;) {
		size_t got = fread(buf + n, 1, cap - n, f);

		n += got;
		if (got == 0)
			break;
		if (n == cap) {
			uint8_t *bigger;

			if (cap >= MAX_INPUT_BYTES) {
				free(buf);
				return EFBIG;
			}
			bigger = realloc(buf, cap * 2);
			if (!bigger) {
				free(buf);
				return ENOMEM;
			}
			buf = bigger;
			cap *= 2;
		}
	}
	if (ferror(f)) {
		int e = errno ? errno : EIO;

		free(buf);
		return e;
	}
	*out = buf;
	*len = n;
	return 0;
}

/* Reads a file into `in`, or marks `in` with why it cannot be read. Returns -1 when out of memory.
 */
static int read_into(struct input *in, const char *path, FILE *f)
{
	int e;

	errno = 0;
	if (!f && !(f = fopen(path, "rb"))) {
		e = errno;
	} else {
		e = read_stream(f, &in->owned, &in->len);
		if (f != stdin)
			fclose(f);
	}
	if (e == ENOMEM)
		return -1;
	if (e == EFBIG)
		fail(in, "too-large",
		     "%s: larger than %u MiB: neither an ACPI table nor acpidump text", path,
		     MAX_INPUT_BYTES >> 20);
	else if (e == EACCES || e == EPERM)
		fail(in, errno_id(e), "%s: %s (reading ACPI tables usually needs root)", path,
		     strerror(e));
	else if (e)
		fail(in, errno_id(e), "%s: %s", path, strerror(e));
	in->data = in->owned;
	return 0;
}

static int is_iommu_sig(const char *sig)
{
	return !memcmp(sig, "DMAR", 4) || !memcmp(sig, "IVRS", 4);
}

static int add_skipped(struct input_list *l, const char *file, const struct acpidump_table *t)
{
	if (l->nskipped == l->skipped_cap) {
		size_t cap = l->skipped_cap ? l->skipped_cap * 2 : 16;
		struct skipped *v = realloc(l->skipped, cap * sizeof(*v));

		if (!v)
			return -1;
		l->skipped = v;
		l->skipped_cap = cap;
	}
	l->skipped[l->nskipped] =
		(struct skipped){.file = file, .line = t->line, .address = t->address};
	memcpy(l->skipped[l->nskipped].signature, t->signature, 5);
	l->nskipped++;
	return 0;
}

struct text_ctx {
	struct input_list *l;
	const char *file;
	unsigned iommu;
	int oom;
};

/* One acpidump block: a DMAR or IVRS becomes an input, anything else is skipped. */
static void take_block(void *p, struct acpidump_table *t)
{
	struct text_ctx *c = p;
	struct input *in;
	char sig[5];

	/* The bytes say what the table is; the block's name counts when there are too few. */
	memcpy(sig, t->len >= 4 ? (const char *)t->data : t->signature, 4);
	sig[4] = 0;
	if (!is_iommu_sig(sig) && !is_iommu_sig(t->signature)) {
		free(t->data);
		if (add_skipped(c->l, c->file, t))
			c->oom = 1;
		return;
	}
	c->iommu++;
	in = add(c->l, c->file, "%s: %s @ 0x%016llx, line %u", c->file, t->signature,
		 (unsigned long long)t->address, t->line);
	if (!in) {
		free(t->data);
		c->oom = 1;
		return;
	}
	in->line = t->line;
	in->address = t->address;
	in->owned = t->data;
	in->data = t->data;
	in->len = t->len;
	if (t->error_id)
		fail(in, t->error_id, "%s: %s", c->file, t->error);
}

/* acpidump text already read into `in`: replaces it by one input per DMAR/IVRS block. */
static int split_text(struct input_list *l, size_t at)
{
	struct input whole = l->v[at];
	struct text_ctx c = {l, whole.file, 0, 0};
	long blocks;

	/* The whole file's slot goes; its blocks are appended in order. */
	memmove(&l->v[at], &l->v[at + 1], (l->n - at - 1) * sizeof(*l->v));
	l->n--;
	blocks = acpidump_parse(whole.owned, whole.len, take_block, &c);
	free(whole.owned);
	if (blocks < 0 || c.oom) {
		free(whole.name);
		return -1;
	}
	if (!c.iommu) {
		struct input *in = add(l, whole.file, "%s", whole.file);

		if (!in) {
			free(whole.name);
			return -1;
		}
		fail(in, "no-iommu-table",
		     "%s: acpidump text with %ld table%s, none of them a DMAR or IVRS (the "
		     "firmware "
		     "reports no IOMMU)",
		     whole.file, blocks, blocks == 1 ? "" : "s");
	}
	free(whole.name);
	return 0;
}

int input_add_path(struct input_list *l, const char *path)
{
	int is_stdin = !strcmp(path, "-");
	const char *file = is_stdin ? "<stdin>" : path;
	struct input *in = add(l, file, "%s", file);

	if (!in || read_into(in, file, is_stdin ? stdin : NULL))
		return -1;
	if (in->error_id)
		return 0;
	/* A binary table's length field follows its signature; acpidump text has " @ 0x". */
	if (in->len >= 5 && is_iommu_sig((const char *)in->data) && in->data[4] != ' ')
		return 0;
	if (acpidump_is_text(in->data, in->len))
		return split_text(l, l->n - 1);
	return 0; /* not a table the tool reads: the caller says which */
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* DMAR, IVRS, and the numbered names Linux gives to several tables of one signature. */
static int live_name(const char *n)
{
	if (strncmp(n, "DMAR", 4) && strncmp(n, "IVRS", 4))
		return 0;
	for (n += 4; *n; n++)
		if (*n < '0' || *n > '9')
			return 0;
	return 1;
}

int input_add_live(struct input_list *l, const char *dir)
{
	char *names[MAX_LIVE_TABLES];
	size_t n = 0;
	struct dirent *de;
	DIR *d = opendir(dir);
	int rc = 0;

	if (!d) {
		int e = errno;
		struct input *in = add(l, dir, "%s", dir);

		if (!in)
			return -1;
		if (e == ENOENT)
			fail(in, "no-acpi-tables",
			     "%s: %s (no ACPI tables exported here: not an ACPI machine, or sysfs "
			     "not mounted)",
			     dir, strerror(e));
		else
			fail(in, errno_id(e), "%s: %s", dir, strerror(e));
		return 0;
	}
	while ((de = readdir(d)) && n < MAX_LIVE_TABLES) {
		if (live_name(de->d_name) && !(names[n++] = strdup(de->d_name))) {
			rc = -1;
			n--;
			break;
		}
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), by_name);
	for (size_t i = 0; i < n; i++) {
		struct input *in = rc ? NULL : add(l, NULL, "%s/%s", dir, names[i]);

		free(names[i]);
		if (!in) {
			rc = -1;
			continue;
		}
		in->file = in->name;
		if (read_into(in, in->name, NULL))
			rc = -1;
	}
	if (!rc && n == 0) {
		struct input *in = add(l, dir, "%s", dir);

		if (!in)
			return -1;
		fail(in, "no-iommu-table",
		     "%s: no DMAR or IVRS table: the firmware reports no IOMMU (absent, or turned "
		     "off in its setup); `ioguard dump --example` shows QEMU's tables instead",
		     dir);
	}
	return rc;
}

int input_add_examples(struct input_list *l)
{
	for (unsigned i = 0; i < example_table_count; i++) {
		struct input *in = add(l, example_tables[i].name, "%s", example_tables[i].name);

		if (!in)
			return -1;
		in->data = example_tables[i].data;
		in->len = example_tables[i].len;
	}
	return 0;
}

void input_free(struct input_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].owned);
		free(l->v[i].name);
	}
	free(l->v);
	free(l->skipped);
	*l = (struct input_list){0};
}
