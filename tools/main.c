/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ioguard: decode and lint the firmware's IOMMU tables.
 *
 *   ioguard dump [--json] [FILE...]
 *   ioguard lint [--json] [FILE...]
 *   ioguard explain [ID...]       (explain.c)
 *   ioguard edit IN -o OUT ...    (edit.c)
 *
 * Exit status: 0 clean, 1 lint findings (errors or warnings), 2 unusable
 * input (unreadable, bad checksum, malformed) or bad usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ioguard/ioguard.h>
#include <ioguard/dmar.h>
#include <ioguard/ivrs.h>
#include <ioguard/lint.h>

#include "dump_common.h"
#include "dump_dmar.h"
#include "dump_ivrs.h"
#include "edit.h"
#include "example.h"
#include "explain.h"
#include "out.h"

#define MAX_TABLE_BYTES (16u << 20)
#define SYSFS_TABLES "/sys/firmware/acpi/tables/"
#define EXIT_FINDINGS 1
#define EXIT_UNUSABLE 2

static const char usage[] =
	"usage: ioguard dump [--json] [FILE...]\n"
	"       ioguard lint [--json] [FILE...]\n"
	"       ioguard explain [ID...]\n"
	"       ioguard edit IN -o OUT [EDIT...]  (ioguard edit --help)\n"
	"       ioguard --help | --version\n"
	"\n"
	"Decodes (dump) or checks for firmware bugs (lint) binary ACPI DMAR and IVRS\n"
	"tables. Without FILE, reads the machine's own from " SYSFS_TABLES "\n"
	"(DMAR, IVRS; root is usually needed) and falls back to a bundled example.\n"
	"\n"
	"  --json   machine-readable output (fields: docs/json.md)\n"
	"\n"
	"Exit status: 0 clean; 1 lint findings of severity error or warning;\n"
	"2 unusable input (unreadable, wrong checksum, malformed, length that does\n"
	"not fit) or bad usage. dump still prints what decodes safely.\n";

struct input {
	char path[64]; /* the name, for tables found by the tool itself */
	const char *name;
	const uint8_t *data;
	size_t len;
	uint8_t *owned;
};

/* Reads a whole file; returns 0 or an errno-style reason in *why. */
static int read_file(const char *path, struct input *in, const char **why)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 4096, n = 0;
	uint8_t *buf;

	*why = NULL;
	if (!f) {
		*why = strerror(errno);
		return -1;
	}
	buf = malloc(cap);
	while (buf) {
		size_t got = fread(buf + n, 1, cap - n, f);

		n += got;
		if (got == 0)
			break;
		if (n == cap) {
			uint8_t *bigger;

			if (cap >= MAX_TABLE_BYTES) {
				*why = "file is larger than any ACPI table";
				break;
			}
			bigger = realloc(buf, cap * 2);
			if (!bigger) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = bigger;
			cap *= 2;
		}
	}
	if (!buf)
		*why = "out of memory";
	else if (ferror(f))
		*why = strerror(errno);
	fclose(f);
	if (*why) {
		free(buf);
		return -1;
	}
	in->name = path;
	in->data = buf;
	in->len = n;
	in->owned = buf;
	return 0;
}

static int is_sig(const struct input *in, const char *sig)
{
	return in->len >= 4 && memcmp(in->data, sig, 4) == 0;
}

/* OEM fields are padded with spaces or NULs: show them up to the first NUL, as iasl does. */
static size_t field_len(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

/* Prints the ACPI header fields shared by DMAR and IVRS. */
static void dump_header(struct out *o, const struct input *in, int checksum_ok)
{
	struct iog_acpi_header h;

	iog_acpi_header_get(in->data, in->len, &h);
	out_str(o, "file", NULL, in->name, strlen(in->name));
	out_str(o, "signature", "Signature", h.signature, 4);
	out_num_note(o, "length", "Table Length", h.length, 8,
		     h.length == in->len  ? ""
		     : h.length > in->len ? "MORE than the data"
					  : "less than the data");
	out_num(o, "revision", "Revision", h.revision, 2);
	out_num(o, "checksum", "Checksum", h.checksum, 2);
	out_bool(o, "checksum_ok", "Checksum valid", checksum_ok);
	out_str(o, "oem_id", "Oem ID", h.oem_id, field_len(h.oem_id, 6));
	out_str(o, "oem_table_id", "Oem Table ID", h.oem_table_id, field_len(h.oem_table_id, 8));
	out_num(o, "oem_revision", "Oem Revision", h.oem_revision, 8);
	out_str(o, "creator_id", "Asl Compiler ID", h.creator_id, field_len(h.creator_id, 4));
	out_num(o, "creator_revision", "Asl Compiler Revision", h.creator_revision, 8);
}

/* Runs the table's own validation: 0, or the first problem in *d. */
static int check_table(const struct input *in, struct iog_diag *d)
{
	if (is_sig(in, "DMAR"))
		return iog_dmar_check(in->data, in->len, NULL, d);
	return iog_ivrs_check(in->data, in->len, NULL, d);
}

static int checksum_ok(const struct input *in)
{
	uint32_t length = in->len >= 8 ? (uint32_t)in->data[4] | (uint32_t)in->data[5] << 8 |
						 (uint32_t)in->data[6] << 16 |
						 (uint32_t)in->data[7] << 24
				       : 0;

	return length >= IOG_ACPI_HEADER_LEN && length <= in->len &&
	       iog_acpi_checksum(in->data, length) == 0;
}

/* A file that is not a DMAR/IVRS, or too short to say. Returns the exit status. */
static int reject(struct out *o, const struct input *in, const char *reason)
{
	struct iog_diag d = {.code = IOG_EBADSIG, .reason = reason};

	out_begin_obj(o, NULL, "%s: %s", in->name, reason);
	if (o->json) {
		out_str(o, "file", NULL, in->name, strlen(in->name));
		dump_error(o, &d);
	}
	out_end_obj(o);
	return EXIT_UNUSABLE;
}

static int usable(const struct input *in)
{
	return in->len >= IOG_ACPI_HEADER_LEN && (is_sig(in, "DMAR") || is_sig(in, "IVRS"));
}

static int cmd_dump(struct out *o, const struct input *in)
{
	struct iog_diag d = {0};
	int err, stopped;

	if (!usable(in))
		return reject(o, in, "not a DMAR or IVRS table (or shorter than its header)");
	err = check_table(in, &d);
	out_begin_obj(o, NULL, "%s: %.4s, %zu bytes%s", in->name, (const char *)in->data, in->len,
		      err ? "" : ", valid");
	dump_header(o, in, checksum_ok(in));
	stopped = is_sig(in, "DMAR") ? dump_dmar(o, in->data, in->len)
				     : dump_ivrs(o, in->data, in->len);
	/* The dumper printed where it had to stop; otherwise say what validation found. */
	if (err && !stopped)
		dump_error(o, &d);
	out_end_obj(o);
	if (!o->json)
		fputc('\n', o->f);
	return err ? EXIT_UNUSABLE : 0;
}

struct lint_state {
	struct out *o;
	unsigned counts[3];
};

static void print_finding(void *ctx, const struct iog_finding *f)
{
	struct lint_state *ls = ctx;
	struct out *o = ls->o;

	if (f->severity <= IOG_SEV_INFO)
		ls->counts[f->severity]++;
	if (o->json) {
		out_begin_obj(o, NULL, NULL);
		out_str(o, "id", NULL, f->id, strlen(f->id));
		out_str(o, "severity", NULL, iog_severity_name(f->severity),
			strlen(iog_severity_name(f->severity)));
		out_num(o, "offset", NULL, f->offset, 0);
		out_str(o, "message", NULL, f->message, strlen(f->message));
		out_begin_arr(o, "values");
		for (unsigned i = 0; i < f->nvalues && i < 2; i++)
			out_num(o, NULL, NULL, f->value[i], 0);
		out_end_arr(o);
		out_begin_arr(o, "value_names");
		for (unsigned i = 0; i < f->nvalues && i < 2; i++)
			out_str(o, NULL, NULL, f->value_name[i] ? f->value_name[i] : "",
				f->value_name[i] ? strlen(f->value_name[i]) : 0);
		out_end_arr(o);
		out_end_obj(o);
		return;
	}
	fprintf(o->f, "  %-7s %-32s @0x%04llx  %s", iog_severity_name(f->severity), f->id,
		(unsigned long long)f->offset, f->message);
	for (unsigned i = 0; i < f->nvalues && i < 2; i++)
		fprintf(o->f, "%s%s 0x%llx", i ? ", " : " (",
			f->value_name[i] ? f->value_name[i] : "value",
			(unsigned long long)f->value[i]);
	fputs(f->nvalues ? ")\n" : "\n", o->f);
}

static int cmd_lint(struct out *o, const struct input *in)
{
	struct lint_state ls = {o, {0, 0, 0}};
	struct iog_diag d = {0};
	int err;

	if (!usable(in))
		return reject(o, in, "not a DMAR or IVRS table (or shorter than its header)");
	err = check_table(in, &d);
	out_begin_obj(o, NULL, "%s: %.4s, %zu bytes", in->name, (const char *)in->data, in->len);
	if (o->json) {
		out_str(o, "file", NULL, in->name, strlen(in->name));
		out_str(o, "signature", NULL, in->data, 4);
		out_bool(o, "checksum_ok", NULL, checksum_ok(in));
	}
	out_begin_arr(o, "findings");
	if (is_sig(in, "DMAR"))
		iog_lint_dmar(in->data, in->len, print_finding, &ls);
	else
		iog_lint_ivrs(in->data, in->len, print_finding, &ls);
	out_end_arr(o);
	if (o->json) {
		out_num(o, "errors", NULL, ls.counts[IOG_SEV_ERROR], 0);
		out_num(o, "warnings", NULL, ls.counts[IOG_SEV_WARNING], 0);
		out_num(o, "infos", NULL, ls.counts[IOG_SEV_INFO], 0);
	}
	out_end_obj(o);
	if (!o->json)
		fprintf(o->f, "  %u error(s), %u warning(s), %u info%s%s\n\n",
			ls.counts[IOG_SEV_ERROR], ls.counts[IOG_SEV_WARNING],
			ls.counts[IOG_SEV_INFO], err ? "; the table is not usable as it is" : "",
			ls.counts[0] + ls.counts[1] + ls.counts[2]
				? "\n  (ioguard explain ID: what a finding means and what to do)"
				: "");
	if (err)
		return EXIT_UNUSABLE;
	return ls.counts[IOG_SEV_ERROR] || ls.counts[IOG_SEV_WARNING] ? EXIT_FINDINGS : 0;
}

/* The machine's own tables: DMAR, IVRS and their numbered instances (DMAR1, ...). */
static size_t machine_tables(struct input *ins, size_t max)
{
	static const char *const sigs[] = {"DMAR", "IVRS"};
	char path[64];
	const char *why;
	size_t n = 0;

	for (size_t s = 0; s < 2; s++) {
		for (int i = 0; i < 8 && n < max; i++) {
			if (i)
				snprintf(path, sizeof(path), SYSFS_TABLES "%s%d", sigs[s], i);
			else
				snprintf(path, sizeof(path), SYSFS_TABLES "%s", sigs[s]);
			if (read_file(path, &ins[n], &why) == 0) {
				snprintf(ins[n].path, sizeof(ins[n].path), "%s", path);
				ins[n].name = ins[n].path;
				n++;
			} else if (i) {
				break;
			}
		}
	}
	return n;
}

int main(int argc, char **argv)
{
	int json = 0, status = 0, nfiles = 0, lint;
	const char *cmd;
	struct out o;
	struct input *ins;
	size_t n = 0;

	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(usage, stdout);
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "--version")) {
		puts("ioguard " IOG_VERSION);
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "explain"))
		return cmd_explain(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "edit"))
		return cmd_edit(argc - 1, argv + 1);
	if (argc < 2 || (strcmp(argv[1], "dump") && strcmp(argv[1], "lint"))) {
		fputs(usage, stderr);
		return EXIT_UNUSABLE;
	}
	cmd = argv[1];
	lint = !strcmp(cmd, "lint");
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = 1;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage, stdout);
			return 0;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "ioguard: unknown option %s\n%s", argv[i], usage);
			return EXIT_UNUSABLE;
		} else {
			nfiles++;
		}
	}
	ins = calloc((size_t)nfiles + 16 + example_table_count, sizeof(*ins));
	if (!ins)
		return EXIT_UNUSABLE;
	out_init(&o, stdout, json);
	out_begin_obj(&o, NULL, NULL);
	out_begin_arr(&o, "tables");
	if (nfiles) {
		for (int i = 2; i < argc; i++) {
			const char *why;
			struct input bad = {.name = argv[i]};

			if (!strcmp(argv[i], "--json"))
				continue;
			if (read_file(argv[i], &ins[n], &why)) {
				int r = reject(&o, &bad, why);

				status = status > r ? status : r;
				continue;
			}
			n++;
		}
	} else {
		n = machine_tables(ins, 16);
		if (!n) {
			if (!json)
				printf("note: no DMAR or IVRS readable under %s (none on this "
				       "machine, "
				       "or not root);\n      showing the bundled example tables "
				       "instead.\n\n",
				       SYSFS_TABLES);
			for (unsigned i = 0; i < example_table_count; i++)
				ins[n++] = (struct input){.name = example_tables[i].name,
							  .data = example_tables[i].data,
							  .len = example_tables[i].len};
		}
	}
	for (size_t i = 0; i < n; i++) {
		int r = lint ? cmd_lint(&o, &ins[i]) : cmd_dump(&o, &ins[i]);

		status = status > r ? status : r;
		free(ins[i].owned);
	}
	out_end_arr(&o);
	out_end_obj(&o);
	free(ins);
	return status;
}
