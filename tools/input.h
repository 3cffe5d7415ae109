/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Where the tool's tables come from: files (binary tables or acpidump text,
 * told apart by their content), standard input ("-"), the live tables under
 * /sys/firmware/acpi/tables/ (or another directory), or the bundled examples.
 * Every DMAR and IVRS found becomes one input; what cannot be read becomes
 * an input that carries its error instead of bytes; other tables in an
 * acpidump file are recorded as skipped. Nothing here prints: the caller
 * reports errors and skipped tables.
 */
#ifndef IOG_TOOL_INPUT_H
#define IOG_TOOL_INPUT_H

#include <stddef.h>
#include <stdint.h>

#define INPUT_SYSFS_TABLES "/sys/firmware/acpi/tables"

struct input {
	char *name;	  /* what to call it in output (owned) */
	const char *file; /* the path as given, "<stdin>", or the example's name */
	const uint8_t *data;
	size_t len;
	uint8_t *owned;
	/* From acpidump text: the block's line and address (line 0 otherwise). */
	unsigned line;
	uint64_t address;
	/* When the input is unusable (data NULL): a stable id and a sentence. */
	const char *error_id;
	char error[256];
};

/* A table of an acpidump file that is neither a DMAR nor an IVRS. */
struct skipped {
	const char *file;
	char signature[5];
	unsigned line;
	uint64_t address;
};

struct input_list {
	struct input *v;
	size_t n, cap;
	struct skipped *skipped;
	size_t nskipped, skipped_cap;
};

/* A path or "-" (stdin): a binary table or acpidump text. Returns -1 only when out of memory. */
int input_add_path(struct input_list *l, const char *path);
/* The live tables in `dir` (DMAR, IVRS, DMAR1, ...). Returns -1 only when out of memory. */
int input_add_live(struct input_list *l, const char *dir);
/* The bundled QEMU tables. */
int input_add_examples(struct input_list *l);
void input_free(struct input_list *l);

#endif
