/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ioguard: decode and lint the firmware's IOMMU tables.
 *
 *   ioguard dump [--json] [--example | --tables DIR | FILE...]
 *   ioguard lint [--json] [--example | --tables DIR | FILE...]
 *   ioguard plan [--json] [--root DIR] [--save DIR] ... (tools/plan.c)
 *   ioguard explain [ID...]       (explain.c)
 *   ioguard edit IN -o OUT ...    (edit.c)
 *
 * Exit status: 0 clean, 1 lint findings (errors or warnings), 2 unusable
 * input (unreadable, none there, bad checksum, malformed) or bad usage.
 * stdout carries only the requested output; every diagnostic goes to stderr.
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
#include "explain.h"
#include "input.h"
#include "out.h"
#include "plan.h"

#define EXIT_FINDINGS 1
#define EXIT_UNUSABLE 2
/* The version of the JSON layout (docs/json.md); raised on any incompatible change. */
#define JSON_SCHEMA 2

static const char usage[] =
	"usage: ioguard dump [--json] [--example | --tables DIR | FILE...]\n"
	"       ioguard lint [--json] [--example | --tables DIR | FILE...]\n"
	"       ioguard plan [--json] [--root DIR] [--save DIR] (ioguard plan --help)\n"
	"       ioguard explain [ID...]\n"
	"       ioguard edit IN -o OUT [EDIT...]  (ioguard edit --help)\n"
	"       ioguard --help | --version\n"
	"\n"
	"Decodes (dump) or checks for firmware bugs (lint) ACPI DMAR and IVRS tables.\n"
	"FILE is a binary table or the text `acpidump` prints (every DMAR and IVRS in\n"
	"it is read, other tables are skipped); - reads standard input. Without FILE,\n"
	"reads the machine's own tables from " INPUT_SYSFS_TABLES "/ (DMAR, IVRS,\n"
	"DMAR1, ...; root is usually needed) and fails, saying why, when there are\n"
	"none or they cannot be read.\n"
	"\n"
	"  --json        machine-readable output (fields: docs/json.md)\n"
	"  --example     the bundled example tables (QEMU q35's DMAR and IVRS)\n"
	"  --tables DIR  the live tables from DIR instead of " INPUT_SYSFS_TABLES "\n"
	"\n"
	"Exit status: 0 clean; 1 lint findings of severity error or warning;\n"
	"2 unusable input (unreadable, no table there, wrong checksum, malformed,\n"
	"length that does not fit) or bad usage. dump still prints what decodes safely.\n";

/* OEM fields are padded with spaces or NULs: show them up to the first NUL, as iasl does. */
static size_t field_len(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

static int is_sig(const struct input *in, const char *sig)
{
	return in->len >= 4 && memcmp(in->data, sig, 4) == 0;
}

/* Where the table came from: the path, and for acpidump text the block's line and address. */
static void dump_source(struct out *o, const struct input *in)
{
	out_str(o, "file", NULL, in->file, strlen(in->file));
	if (in->line && o->json) {
		out_begin_obj(o, "acpidump", NULL);
		out_num(o, "line", NULL, in->line, 0);
		out_hex(o, "address", NULL, in->address, 16);
		out_end_obj(o);
	}
}

/* Prints the ACPI header fields shared by DMAR and IVRS. */
static void dump_header(struct out *o, const struct input *in, int checksum_ok)
{
	struct iog_acpi_header h;

	iog_acpi_header_get(in->data, in->len, &h);
	dump_source(o, in);
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

/*
 * An input the tool cannot use: the reason on stderr and, in JSON, an entry
 * with `file` and `error` so that a script sees which input failed. Returns
 * the exit status.
 */
static int reject(struct out *o, const struct input *in, const char *id, const char *reason)
{
	fprintf(stderr, "ioguard: %s\n", reason);
	if (o->json) {
		out_begin_obj(o, NULL, NULL);
		dump_source(o, in);
		out_begin_obj(o, "error", NULL);
		out_str(o, "id", NULL, id, strlen(id));
		if (in->line)
			out_num(o, "line", NULL, in->line, 0);
		out_str(o, "reason", NULL, reason, strlen(reason));
		out_end_obj(o);
		out_end_obj(o);
	}
	return EXIT_UNUSABLE;
}

/* 0 when the input is a DMAR or IVRS to decode; otherwise rejects it and returns the status. */
static int accept(struct out *o, const struct input *in)
{
	char why[512];
	int acpi = in->len >= IOG_ACPI_HEADER_LEN;

	if (in->error_id)
		return reject(o, in, in->error_id, in->error);
	if (in->len >= IOG_ACPI_HEADER_LEN && (is_sig(in, "DMAR") || is_sig(in, "IVRS")))
		return 0;
	for (int i = 0; i < 4 && acpi; i++)
		acpi = in->data[i] >= 'A' && in->data[i] <= 'Z'	  ? 1
		       : in->data[i] >= '0' && in->data[i] <= '9' ? 1
								  : in->data[i] == '_';
	if (acpi) {
		snprintf(why, sizeof(why), "%s: an ACPI %.4s table, not a DMAR or IVRS", in->name,
			 (const char *)in->data);
		return reject(o, in, "not-dmar-or-ivrs", why);
	}
	snprintf(why, sizeof(why),
		 "%s: not an ACPI table (%zu bytes%s) nor acpidump text (no \"SIGN @ 0x...\" line)",
		 in->name, in->len,
		 in->len < IOG_ACPI_HEADER_LEN		    ? ", shorter than an ACPI header"
		 : is_sig(in, "DMAR") || is_sig(in, "IVRS") ? ""
							    : ", no table signature at its start");
	return reject(o, in, "not-an-acpi-table", why);
}

/* The table-level problem, on stderr (the dump shows it in place as well). */
static void report_unusable(const struct input *in, const struct iog_diag *d)
{
	fprintf(stderr, "ioguard: %s: %.4s not usable: %s (offset 0x%llx)\n", in->name,
		(const char *)in->data, d->reason ? d->reason : iog_strerror(d->code),
		(unsigned long long)d->offset);
}

static int cmd_dump(struct out *o, const struct input *in)
{
	struct iog_diag d = {0};
	int err, stopped, r;

	if ((r = accept(o, in)) != 0)
		return r;
	err = check_table(in, &d);
	if (err)
		report_unusable(in, &d);
	out_begin_obj(o, NULL, "%s: %.4s, %zu bytes%s", in->name, (const char *)in->data, in->len,
		      err ? "" : ", valid");
	if (is_sig(in, "DMAR"))
		dump_dmar_summary(o, in->data, in->len);
	else
		dump_ivrs_summary(o, in->data, in->len);
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
		/* Values may be addresses: hex strings, like every 64-bit field. */
		out_begin_arr(o, "values");
		for (unsigned i = 0; i < f->nvalues && i < 2; i++)
			out_hex(o, NULL, NULL, f->value[i], 0);
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
	int err, r;

	if ((r = accept(o, in)) != 0)
		return r;
	err = check_table(in, &d);
	if (err)
		report_unusable(in, &d);
	out_begin_obj(o, NULL, "%s: %.4s, %zu bytes", in->name, (const char *)in->data, in->len);
	if (o->json) {
		dump_source(o, in);
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

/* The tables of an acpidump file that are neither DMAR nor IVRS: a note each on stderr. */
static void note_skipped(const struct input_list *l)
{
	for (size_t i = 0; i < l->nskipped; i++) {
		const struct skipped *s = &l->skipped[i];

		fprintf(stderr,
			"ioguard: %s: %s @ 0x%016llx, line %u: skipped (not a DMAR or IVRS)\n",
			s->file, s->signature, (unsigned long long)s->address, s->line);
	}
}

/* The same tables as a JSON list. */
static void print_skipped(struct out *o, const struct input_list *l)
{
	if (!o->json)
		return;
	out_begin_arr(o, "skipped");
	for (size_t i = 0; i < l->nskipped; i++) {
		const struct skipped *s = &l->skipped[i];

		out_begin_obj(o, NULL, NULL);
		out_str(o, "file", NULL, s->file, strlen(s->file));
		out_str(o, "signature", NULL, s->signature, strlen(s->signature));
		out_num(o, "line", NULL, s->line, 0);
		out_hex(o, "address", NULL, s->address, 16);
		out_end_obj(o);
	}
	out_end_arr(o);
}

static int usage_error(const char *fmt, const char *arg)
{
	fputs("ioguard: ", stderr);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n%s", usage);
	return EXIT_UNUSABLE;
}

int main(int argc, char **argv)
{
	int json = 0, example = 0, status = 0, nfiles = 0, lint, rc = 0;
	const char *tables = NULL;
	struct input_list l = {0};
	struct out o;

	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(usage, stdout);
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "--version")) {
		puts("ioguard " IOG_VERSION);
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "plan"))
		return cmd_plan(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "explain"))
		return cmd_explain(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "edit"))
		return cmd_edit(argc - 1, argv + 1);
	if (argc < 2 || (strcmp(argv[1], "dump") && strcmp(argv[1], "lint"))) {
		fputs(usage, stderr);
		return EXIT_UNUSABLE;
	}
	lint = !strcmp(argv[1], "lint");
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = 1;
		} else if (!strcmp(argv[i], "--example")) {
			example = 1;
		} else if (!strcmp(argv[i], "--tables")) {
			if (++i == argc)
				return usage_error("%s needs a directory", "--tables");
			tables = argv[i];
			argv[i - 1] = argv[i] = NULL;
		} else if (!strncmp(argv[i], "--tables=", 9)) {
			tables = argv[i] + 9;
			argv[i] = NULL;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage, stdout);
			return 0;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return usage_error("unknown option %s", argv[i]);
		} else {
			nfiles++;
		}
	}
	if ((example && (tables || nfiles)) || (tables && nfiles))
		return usage_error("%s", "--example, --tables DIR and FILE... exclude each other");
	if (example) {
		rc = input_add_examples(&l);
	} else if (nfiles) {
		for (int i = 2; i < argc && !rc; i++)
			if (argv[i] && (argv[i][0] != '-' || !argv[i][1]))
				rc = input_add_path(&l, argv[i]);
	} else {
		rc = input_add_live(&l, tables ? tables : INPUT_SYSFS_TABLES);
	}
	if (rc) {
		fprintf(stderr, "ioguard: out of memory\n");
		input_free(&l);
		return EXIT_UNUSABLE;
	}
	note_skipped(&l);
	out_init(&o, stdout, json);
	out_begin_obj(&o, NULL, NULL);
	if (json)
		out_num(&o, "schema", NULL, JSON_SCHEMA, 0);
	out_begin_arr(&o, "tables");
	for (size_t i = 0; i < l.n; i++) {
		int r = lint ? cmd_lint(&o, &l.v[i]) : cmd_dump(&o, &l.v[i]);

		status = status > r ? status : r;
	}
	out_end_arr(&o);
	print_skipped(&o, &l);
	out_end_obj(&o);
	input_free(&l);
	return status;
}
