/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ioguard edit IN -o OUT [EDIT...] [--force]
 *
 * Rewrites a DMAR with the library's editor (iog_dmar_edit_*): RMRRs dropped
 * or added, header flags set or cleared, structures dropped, a DRHD's or
 * RMRR's device scopes and INCLUDE_PCI_ALL changed; or an IVRS with IVMDs
 * dropped (iog_ivrs_edit_*). Edits apply in command
 * line order, each to the table the previous one left. The input must
 * validate; the output is validated again and linted, and an output with
 * more lint errors of some id than the input had is refused unless --force.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ioguard/acpi.h>
#include <ioguard/dmar.h>
#include <ioguard/dmar_edit.h>
#include <ioguard/ivrs.h>
#include <ioguard/ivrs_edit.h>
#include <ioguard/lint.h>

#include "edit.h"
#include "input.h"

#define EXIT_UNUSABLE 2
#define MAX_IDS 64
#define MAX_DEVS 16

static const char usage[] =
	"usage: ioguard edit IN -o OUT [EDIT...] [--force]\n"
	"\n"
	"Writes the DMAR or IVRS in IN to OUT (binary, length and checksum right)\n"
	"with the EDITs applied in order, each to the table the previous one left.\n"
	"IN is a binary table or acpidump text holding one DMAR or IVRS ('-':\n"
	"standard input), e.g. /sys/firmware/acpi/tables/DMAR as root.\n"
	"DEV is [SEG:]BB:DD.F[/DD.F...] in hex (a path of more than one hop\n"
	"goes through bridges); N counts structures of a type from 0 in table\n"
	"order, as `ioguard dump` lists them.\n"
	"\n"
	"  -o, --output OUT        the edited table ('-': standard output)\n"
	"  --drop-rmrr all|N|0xBASE|DEV\n"
	"                          drop every RMRR, the Nth, those at BASE, or\n"
	"                          DEV from every RMRR (an RMRR left with no\n"
	"                          device is dropped)\n"
	"  --add-rmrr BASE-LIMIT@DEV[,DEV...]\n"
	"                          add an RMRR for [BASE, LIMIT] (LIMIT inclusive)\n"
	"                          for these devices (endpoints; bridge:DEV for a\n"
	"                          sub-hierarchy), in DEV's segment\n"
	"  --drop TYPE:N           drop the Nth structure of TYPE (drhd, rmrr,\n"
	"                          atsr, rhsa, andd, satc, sidp)\n"
	"  --set-flag FLAG, --clear-flag FLAG\n"
	"                          DMAR flags: intr-remap, x2apic-opt-out,\n"
	"                          dma-ctrl-platform-opt-in; reserved (clear only)\n"
	"  --drhd N|0xBASE         the DRHD the scope edits below apply to\n"
	"  --rmrr N|0xBASE         the RMRR the scope edits below apply to\n"
	"  --add-scope KIND:[ID@]DEV\n"
	"                          KIND: endpoint, bridge, ioapic, hpet, acpi;\n"
	"                          ID (ioapic, hpet, acpi): the enumeration id\n"
	"  --remove-scope M|DEV    remove the Mth scope, or the scope naming DEV\n"
	"  --set-include-all, --clear-include-all\n"
	"                          the selected DRHD's INCLUDE_PCI_ALL flag\n"
	"  --drop-ivmd all|N|0xSTART\n"
	"                          IVRS: drop every IVMD, the Nth, or those whose\n"
	"                          memory block starts at START\n"
	"  --force                 accept an input whose only fault is its\n"
	"                          checksum; write an output with new lint errors\n"
	"\n"
	"An IVRS takes --drop-ivmd only; a DMAR all the others. Exit status:\n"
	"0 written; 2 bad usage, an input that does not validate, an edit that\n"
	"matches nothing, or an output refused.\n";

enum op_kind {
	OP_DROP_RMRR,
	OP_ADD_RMRR,
	OP_DROP,
	OP_SET_FLAG,
	OP_CLEAR_FLAG,
	OP_SELECT_DRHD,
	OP_SELECT_RMRR,
	OP_ADD_SCOPE,
	OP_REMOVE_SCOPE,
	OP_SET_INCLUDE_ALL,
	OP_CLEAR_INCLUDE_ALL,
	OP_DROP_IVMD,
};

static const struct {
	const char *name;
	enum op_kind kind;
	int has_arg;
} options[] = {
	{"--drop-rmrr", OP_DROP_RMRR, 1},
	{"--add-rmrr", OP_ADD_RMRR, 1},
	{"--drop", OP_DROP, 1},
	{"--set-flag", OP_SET_FLAG, 1},
	{"--clear-flag", OP_CLEAR_FLAG, 1},
	{"--drhd", OP_SELECT_DRHD, 1},
	{"--rmrr", OP_SELECT_RMRR, 1},
	{"--add-scope", OP_ADD_SCOPE, 1},
	{"--remove-scope", OP_REMOVE_SCOPE, 1},
	{"--set-include-all", OP_SET_INCLUDE_ALL, 0},
	{"--clear-include-all", OP_CLEAR_INCLUDE_ALL, 0},
	{"--drop-ivmd", OP_DROP_IVMD, 1},
};

#define N_OPTIONS (sizeof(options) / sizeof(options[0]))

struct op {
	enum op_kind kind;
	const char *opt;
	const char *arg;
};

/* A device as the command line names it. */
struct dev {
	int has_segment;
	uint16_t segment;
	uint8_t bus;
	uint8_t path_len;
	uint8_t path[2 * IOG_SCOPE_MAX_PATH];
};

struct editor {
	struct iog_dmar_edit e;
	FILE *log;	    /* where the account of each edit goes */
	unsigned sel_type;  /* the structure the scope edits apply to */
	unsigned sel_index; /* ... its index among its type */
	int selected;
};

static int fail(const struct op *op, const char *why)
{
	fprintf(stderr, "ioguard edit: %s %s: %s\n", op->opt, op->arg ? op->arg : "", why);
	return EXIT_UNUSABLE;
}

static int diag_fail(const struct op *op, const struct iog_diag *d)
{
	fprintf(stderr, "ioguard edit: %s %s: %s (%s, at offset 0x%llx)\n", op->opt,
		op->arg ? op->arg : "", d->reason ? d->reason : "refused", iog_strerror(d->code),
		(unsigned long long)d->offset);
	return EXIT_UNUSABLE;
}

/* A number in hex (with or without 0x) up to `max`; the whole string. */
static int parse_hex(const char *s, size_t n, uint64_t max, uint64_t *v)
{
	char buf[32];
	char *end;

	if (!n || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = 0;
	if (buf[0] == '-' || buf[0] == '+')
		return -1;
	errno = 0;
	*v = strtoull(buf, &end, 16);
	return errno || *end || *v > max ? -1 : 0;
}

/* A decimal index (no sign, no 0x). */
static int parse_index(const char *s, unsigned *v)
{
	char *end;
	unsigned long n;

	if (!s[0] || s[0] < '0' || s[0] > '9' || (s[0] == '0' && s[1] == 'x'))
		return -1;
	errno = 0;
	n = strtoul(s, &end, 10);
	if (errno || *end || n > 0xffff)
		return -1;
	*v = (unsigned)n;
	return 0;
}

static int is_address(const char *s)
{
	return s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
}

/* [SEG:]BB:DD.F[/DD.F...] */
static int parse_dev(const char *s, size_t n, struct dev *dev)
{
	const char *end = s + n, *p = s, *colon2 = NULL;
	uint64_t v;
	int colons = 0;

	memset(dev, 0, sizeof(*dev));
	for (const char *q = s; q < end && *q != '/'; q++) {
		if (*q == ':') {
			colons++;
			colon2 = q;
		}
	}
	if (colons < 1 || colons > 2)
		return -1;
	if (colons == 2) {
		const char *c1 = memchr(s, ':', n);

		if (parse_hex(s, (size_t)(c1 - s), 0xffff, &v))
			return -1;
		dev->has_segment = 1;
		dev->segment = (uint16_t)v;
		p = c1 + 1;
	}
	if (parse_hex(p, (size_t)(colon2 - p), 0xff, &v))
		return -1;
	dev->bus = (uint8_t)v;
	p = colon2 + 1;
	while (p < end) {
		const char *dot = memchr(p, '.', (size_t)(end - p)), *slash;

		if (!dot || dev->path_len >= IOG_SCOPE_MAX_PATH)
			return -1;
		slash = memchr(dot, '/', (size_t)(end - dot));
		if (!slash)
			slash = end;
		if (parse_hex(p, (size_t)(dot - p), 31, &v))
			return -1;
		dev->path[2 * dev->path_len] = (uint8_t)v;
		if (parse_hex(dot + 1, (size_t)(slash - dot - 1), 7, &v))
			return -1;
		dev->path[2 * dev->path_len + 1] = (uint8_t)v;
		dev->path_len++;
		p = slash < end ? slash + 1 : end;
		if (slash < end && p == end)
			return -1;
	}
	return dev->path_len ? 0 : -1;
}

static void dev_name(const struct dev *dev, char *buf, size_t n)
{
	int k = snprintf(buf, n, "%04x:%02x", dev->segment, dev->bus);

	for (unsigned i = 0; i < dev->path_len && k > 0 && (size_t)k < n; i++)
		k += snprintf(buf + k, n - (size_t)k, "%s%02x.%x", i ? "/" : ":", dev->path[2 * i],
			      dev->path[2 * i + 1]);
}

static int scope_names(const struct iog_dmar_scope *sc, const struct dev *dev)
{
	return sc->bus == dev->bus && sc->path_len == dev->path_len &&
	       !memcmp(sc->path, dev->path, 2u * dev->path_len);
}

static int get(const struct editor *ed, long off, struct iog_dmar_struct *s)
{
	return iog_dmar_struct_get(ed->e.buf, ed->e.len, off, s, NULL);
}

/* The offset of the Nth scope of the structure at `off`, or of the one naming `dev`. */
static long find_scope(const struct editor *ed, const struct iog_dmar_struct *s, int by_index,
		       unsigned index, const struct dev *dev)
{
	struct iog_dmar_scope sc;
	unsigned i = 0;

	for (long so = iog_dmar_scope_first(ed->e.buf, ed->e.len, s, NULL); so >= 0;
	     so = iog_dmar_scope_next(ed->e.buf, ed->e.len, s, so, NULL), i++) {
		if (iog_dmar_scope_get(ed->e.buf, ed->e.len, so, &sc, NULL))
			return IOG_EINVAL;
		if (by_index ? i == index : scope_names(&sc, dev))
			return so;
	}
	return IOG_ENOTFOUND;
}

static unsigned count_scopes(const struct editor *ed, const struct iog_dmar_struct *s)
{
	unsigned n = 0;

	for (long so = iog_dmar_scope_first(ed->e.buf, ed->e.len, s, NULL); so >= 0;
	     so = iog_dmar_scope_next(ed->e.buf, ed->e.len, s, so, NULL))
		n++;
	return n;
}

static int drop_rmrr(struct editor *ed, const struct op *op)
{
	struct iog_dmar_struct s;
	struct iog_diag d = {0};
	unsigned index, dropped = 0, removed = 0;
	uint64_t base;
	struct dev dev;
	long off;

	if (!strcmp(op->arg, "all")) {
		while ((off = iog_dmar_edit_find(&ed->e, IOG_DMAR_RMRR, 0)) >= 0) {
			if (iog_dmar_edit_remove(&ed->e, off, &d))
				return diag_fail(op, &d);
			dropped++;
		}
		if (!dropped) {
			fprintf(ed->log, "  no RMRR to drop\n");
			return 0;
		}
	} else if (!parse_index(op->arg, &index)) {
		off = iog_dmar_edit_find(&ed->e, IOG_DMAR_RMRR, index);
		if (off < 0)
			return fail(op, "there is no such RMRR");
		get(ed, off, &s);
		if (iog_dmar_edit_remove(&ed->e, off, &d))
			return diag_fail(op, &d);
		fprintf(ed->log, "  dropped RMRR %u (%#llx-%#llx)\n", index,
			(unsigned long long)s.base, (unsigned long long)s.limit);
		return 0;
	} else if (is_address(op->arg)) {
		if (parse_hex(op->arg, strlen(op->arg), ~0ull, &base))
			return fail(op, "not an address");
		for (unsigned i = 0; (off = iog_dmar_edit_find(&ed->e, IOG_DMAR_RMRR, i)) >= 0;) {
			get(ed, off, &s);
			if (s.base != base) {
				i++;
				continue;
			}
			if (iog_dmar_edit_remove(&ed->e, off, &d))
				return diag_fail(op, &d);
			dropped++;
		}
	} else if (!parse_dev(op->arg, strlen(op->arg), &dev)) {
		for (unsigned i = 0; (off = iog_dmar_edit_find(&ed->e, IOG_DMAR_RMRR, i)) >= 0;) {
			long so;

			get(ed, off, &s);
			so = s.segment == dev.segment ? find_scope(ed, &s, 0, 0, &dev)
						      : IOG_ENOTFOUND;
			if (so < 0) {
				i++;
				continue;
			}
			if (count_scopes(ed, &s) == 1) {
				if (iog_dmar_edit_remove(&ed->e, off, &d))
					return diag_fail(op, &d);
				dropped++;
				continue;
			}
			if (iog_dmar_edit_remove_scope(&ed->e, off, so, &d))
				return diag_fail(op, &d);
			removed++;
		}
		if (removed)
			fprintf(ed->log, "  removed the device from %u RMRR(s) naming others too\n",
				removed);
	} else {
		return fail(op, "expected all, an index, 0xBASE or a device [SEG:]BB:DD.F");
	}
	if (!dropped && !removed)
		return fail(op, "no RMRR matches");
	if (dropped)
		fprintf(ed->log, "  dropped %u RMRR(s)\n", dropped);
	return 0;
}

/* KIND:DEV or DEV (an endpoint) into a scope. */
static int parse_scope(const char *s, size_t n, int allow_id, struct dev *dev,
		       struct iog_dmar_scope_spec *spec)
{
	static const struct {
		const char *name;
		uint8_t type;
		int needs_id;
	} kinds[] = {
		{"endpoint:", IOG_SCOPE_PCI_ENDPOINT, 0},
		{"bridge:", IOG_SCOPE_PCI_SUBHIERARCHY, 0},
		{"ioapic:", IOG_SCOPE_IOAPIC, 1},
		{"hpet:", IOG_SCOPE_HPET, 1},
		{"acpi:", IOG_SCOPE_ACPI_NAMESPACE, 1},
	};
	uint64_t id = 0;
	int needs_id = 0;

	memset(spec, 0, sizeof(*spec));
	spec->type = IOG_SCOPE_PCI_ENDPOINT;
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		size_t kl = strlen(kinds[k].name);

		if (n > kl && !strncmp(s, kinds[k].name, kl)) {
			spec->type = kinds[k].type;
			needs_id = kinds[k].needs_id;
			s += kl;
			n -= kl;
			break;
		}
	}
	if (needs_id) {
		const char *at = memchr(s, '@', n);
		char num[16];
		char *end;

		if (!allow_id || !at || at == s || (size_t)(at - s) >= sizeof(num))
			return -1;
		memcpy(num, s, (size_t)(at - s));
		num[at - s] = 0;
		errno = 0;
		id = strtoull(num, &end, 0);
		if (errno || *end || id > 0xff || num[0] == '-')
			return -1;
		n -= (size_t)(at - s) + 1;
		s = at + 1;
	}
	if (parse_dev(s, n, dev))
		return -1;
	spec->enumeration_id = (uint8_t)id;
	spec->bus = dev->bus;
	spec->path_len = dev->path_len;
	spec->path = dev->path;
	return 0;
}

static int add_rmrr(struct editor *ed, const struct op *op)
{
	struct dev devs[MAX_DEVS];
	struct iog_dmar_scope_spec specs[MAX_DEVS];
	struct iog_diag d = {0};
	const char *at = strchr(op->arg, '@'), *dash, *p;
	uint64_t base, limit;
	unsigned n = 0;
	long off;

	dash = at ? memchr(op->arg, '-', (size_t)(at - op->arg)) : NULL;
	if (!at || !dash || parse_hex(op->arg, (size_t)(dash - op->arg), ~0ull, &base) ||
	    parse_hex(dash + 1, (size_t)(at - dash - 1), ~0ull, &limit))
		return fail(op, "expected BASE-LIMIT@DEV[,DEV...]");
	for (p = at + 1; *p;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		if (n == MAX_DEVS)
			return fail(op, "too many devices");
		if (parse_scope(p, len, 0, &devs[n], &specs[n]) ||
		    (specs[n].type != IOG_SCOPE_PCI_ENDPOINT &&
		     specs[n].type != IOG_SCOPE_PCI_SUBHIERARCHY))
			return fail(op, "expected a device [SEG:]BB:DD.F or bridge:DEV");
		specs[n].path = devs[n].path;
		if (n && devs[n].segment != devs[0].segment)
			return fail(op, "the devices of one RMRR are in one segment");
		n++;
		p = comma ? comma + 1 : p + len;
	}
	if (!n)
		return fail(op, "no device");
	if (iog_dmar_edit_add_rmrr(&ed->e, devs[0].segment, base, limit, specs, n, &off, &d))
		return diag_fail(op, &d);
	fprintf(ed->log, "  added an RMRR %#llx-%#llx for %u device(s) at offset 0x%lx\n",
		(unsigned long long)base, (unsigned long long)limit, n, off);
	return 0;
}

static const char *const type_names[] = {"drhd", "rmrr", "atsr", "rhsa", "andd", "satc", "sidp"};

static int drop(struct editor *ed, const struct op *op)
{
	const char *colon = strchr(op->arg, ':');
	struct iog_diag d = {0};
	unsigned index;
	long off;

	for (unsigned t = 0; colon && t < sizeof(type_names) / sizeof(type_names[0]); t++) {
		if (strncmp(op->arg, type_names[t], (size_t)(colon - op->arg)) ||
		    strlen(type_names[t]) != (size_t)(colon - op->arg))
			continue;
		if (parse_index(colon + 1, &index))
			break;
		off = iog_dmar_edit_find(&ed->e, t, index);
		if (off < 0)
			return fail(op, "there is no such structure");
		if (iog_dmar_edit_remove(&ed->e, off, &d))
			return diag_fail(op, &d);
		fprintf(ed->log, "  dropped %s %u (offset 0x%lx)\n", iog_dmar_type_name(t), index,
			off);
		if (ed->selected && ed->sel_type == t)
			ed->selected = 0; /* its index now names another structure */
		return 0;
	}
	return fail(op, "expected TYPE:N, TYPE one of drhd rmrr atsr rhsa andd satc sidp");
}

static int flag(struct editor *ed, const struct op *op, int set)
{
	static const struct {
		const char *name;
		uint8_t bits;
	} flags[] = {
		{"intr-remap", IOG_DMAR_INTR_REMAP},
		{"x2apic-opt-out", IOG_DMAR_X2APIC_OPT_OUT},
		{"dma-ctrl-platform-opt-in", IOG_DMAR_DMA_CTRL_PLATFORM_OPT_IN},
		{"reserved", (uint8_t)~IOG_DMAR_FLAGS_DEFINED},
	};
	struct iog_diag d = {0};
	uint8_t before = ed->e.buf[37];

	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		if (strcmp(op->arg, flags[i].name))
			continue;
		if (iog_dmar_edit_header_flags(&ed->e, set ? flags[i].bits : 0,
					       set ? 0 : flags[i].bits, &d))
			return diag_fail(op, &d);
		fprintf(ed->log, "  DMAR flags 0x%02x -> 0x%02x%s\n", before, ed->e.buf[37],
			before == ed->e.buf[37] ? " (unchanged)" : "");
		return 0;
	}
	return fail(op, "expected intr-remap, x2apic-opt-out, dma-ctrl-platform-opt-in or "
			"reserved");
}

static int select_struct(struct editor *ed, const struct op *op, unsigned type)
{
	struct iog_dmar_struct s;
	uint64_t base;
	unsigned index;

	if (!parse_index(op->arg, &index)) {
		if (iog_dmar_edit_find(&ed->e, type, index) < 0)
			return fail(op, "there is no such structure");
	} else if (is_address(op->arg) && !parse_hex(op->arg, strlen(op->arg), ~0ull, &base)) {
		long off;

		for (index = 0; (off = iog_dmar_edit_find(&ed->e, type, index)) >= 0; index++) {
			get(ed, off, &s);
			if ((type == IOG_DMAR_DRHD ? s.address : s.base) == base)
				break;
		}
		if (off < 0)
			return fail(op, "no structure of this type has this address");
	} else {
		return fail(op, "expected an index or 0xADDRESS");
	}
	ed->sel_type = type;
	ed->sel_index = index;
	ed->selected = 1;
	return 0;
}

static long selected(struct editor *ed, const struct op *op, struct iog_dmar_struct *s)
{
	long off;

	if (!ed->selected) {
		fail(op, "select a structure first (--drhd or --rmrr)");
		return -1;
	}
	off = iog_dmar_edit_find(&ed->e, ed->sel_type, ed->sel_index);
	if (off < 0 || get(ed, off, s)) {
		fail(op, "the selected structure is gone");
		return -1;
	}
	return off;
}

static int scope_edit(struct editor *ed, const struct op *op)
{
	struct iog_dmar_struct s;
	struct iog_dmar_scope_spec spec;
	struct iog_diag d = {0};
	struct dev dev;
	char name[64];
	unsigned index;
	long off = selected(ed, op, &s), so;

	if (off < 0)
		return EXIT_UNUSABLE;
	if (op->kind == OP_ADD_SCOPE) {
		if (parse_scope(op->arg, strlen(op->arg), 1, &dev, &spec))
			return fail(op, "expected KIND:[ID@][SEG:]BB:DD.F, KIND one of endpoint "
					"bridge ioapic hpet acpi");
		if (dev.has_segment && dev.segment != s.segment)
			return fail(op, "the device is in another segment than the structure");
		if (iog_dmar_edit_add_scope(&ed->e, off, &spec, &d))
			return diag_fail(op, &d);
		dev_name(&dev, name, sizeof(name));
		fprintf(ed->log, "  %s %u: added scope %s %s", iog_dmar_type_name(s.type),
			ed->sel_index, iog_scope_type_name(spec.type), name);
		if (spec.type >= IOG_SCOPE_IOAPIC)
			fprintf(ed->log, " enum id %u", spec.enumeration_id);
		fputc('\n', ed->log);
		return 0;
	}
	if (!parse_index(op->arg, &index))
		so = find_scope(ed, &s, 1, index, NULL);
	else if (!parse_dev(op->arg, strlen(op->arg), &dev))
		so = find_scope(ed, &s, 0, 0, &dev);
	else
		return fail(op, "expected a scope index or a device [SEG:]BB:DD.F");
	if (so < 0)
		return fail(op, "the structure has no such scope");
	if (iog_dmar_edit_remove_scope(&ed->e, off, so, &d))
		return diag_fail(op, &d);
	fprintf(ed->log, "  %s %u: removed the scope at offset 0x%lx\n", iog_dmar_type_name(s.type),
		ed->sel_index, so);
	return 0;
}

static int include_all(struct editor *ed, const struct op *op, int set)
{
	struct iog_dmar_struct s;
	struct iog_diag d = {0};
	long off = selected(ed, op, &s);

	if (off < 0)
		return EXIT_UNUSABLE;
	if (s.type != IOG_DMAR_DRHD)
		return fail(op, "INCLUDE_PCI_ALL is a DRHD flag: select one with --drhd");
	if (iog_dmar_edit_struct_flags(&ed->e, off, set ? IOG_DRHD_INCLUDE_PCI_ALL : 0,
				       set ? 0 : IOG_DRHD_INCLUDE_PCI_ALL, &d))
		return diag_fail(op, &d);
	fprintf(ed->log, "  DRHD %u: INCLUDE_PCI_ALL %s\n", ed->sel_index, set ? "set" : "cleared");
	return 0;
}

static int apply(struct editor *ed, const struct op *op)
{
	switch (op->kind) {
	case OP_DROP_RMRR: return drop_rmrr(ed, op);
	case OP_ADD_RMRR: return add_rmrr(ed, op);
	case OP_DROP: return drop(ed, op);
	case OP_SET_FLAG: return flag(ed, op, 1);
	case OP_CLEAR_FLAG: return flag(ed, op, 0);
	case OP_SELECT_DRHD: return select_struct(ed, op, IOG_DMAR_DRHD);
	case OP_SELECT_RMRR: return select_struct(ed, op, IOG_DMAR_RMRR);
	case OP_ADD_SCOPE:
	case OP_REMOVE_SCOPE: return scope_edit(ed, op);
	case OP_SET_INCLUDE_ALL: return include_all(ed, op, 1);
	case OP_CLEAR_INCLUDE_ALL: return include_all(ed, op, 0);
	case OP_DROP_IVMD: break;
	}
	return EXIT_UNUSABLE;
}

/* How many findings of each id of severity error or warning a table has. */
struct ids {
	const char *id[MAX_IDS];
	unsigned count[MAX_IDS];
	int error[MAX_IDS];
	unsigned n;
};

static unsigned count_of(const struct ids *ids, const char *id)
{
	for (unsigned i = 0; i < ids->n; i++)
		if (!strcmp(ids->id[i], id))
			return ids->count[i];
	return 0;
}

static void collect(void *ctx, const struct iog_finding *f)
{
	struct ids *ids = ctx;
	unsigned i;

	if (f->severity == IOG_SEV_INFO)
		return;
	for (i = 0; i < ids->n && strcmp(ids->id[i], f->id); i++)
		;
	if (i == ids->n) {
		if (i == MAX_IDS)
			return;
		ids->id[ids->n++] = f->id;
		ids->error[i] = f->severity == IOG_SEV_ERROR;
	}
	ids->count[i]++;
}

/*
 * The one DMAR or IVRS in `path` (a binary table or acpidump text, "-" for
 * standard input), copied so that --force can fix its checksum; NULL after
 * saying why on stderr.
 */
static uint8_t *read_table(const char *path, size_t *len)
{
	struct input_list l = {0};
	uint8_t *buf = NULL;

	if (input_add_path(&l, path)) {
		fprintf(stderr, "ioguard edit: %s: out of memory\n", path);
	} else if (l.n == 1 && !l.v[0].data) {
		fprintf(stderr, "ioguard edit: %s\n", l.v[0].error);
	} else if (l.n != 1) {
		fprintf(stderr, "ioguard edit: %s holds %zu DMAR and IVRS tables; edit takes one\n",
			path, l.n);
		for (size_t i = 0; i < l.n; i++)
			fprintf(stderr, "  %s\n", l.v[i].name);
	} else if ((buf = malloc(l.v[0].len ? l.v[0].len : 1))) {
		memcpy(buf, l.v[0].data, l.v[0].len);
		*len = l.v[0].len;
	} else {
		fprintf(stderr, "ioguard edit: %s: out of memory\n", path);
	}
	input_free(&l);
	return buf;
}

static int write_all(const char *path, const uint8_t *buf, size_t len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "wb") : stdout;
	int ok;

	if (!f)
		return -1;
	ok = fwrite(buf, 1, len, f) == len;
	if (f != stdout)
		ok = !fclose(f) && ok;
	else
		ok = !fflush(f) && ok;
	return ok ? 0 : -1;
}

/* --drop-ivmd all|N|0xSTART on an IVRS. */
static int drop_ivmd(struct iog_ivrs_edit *e, FILE *log, const struct op *op)
{
	struct iog_ivrs_block b;
	struct iog_diag d = {0};
	unsigned index, dropped = 0;
	uint64_t start = 0;
	int all = !strcmp(op->arg, "all"), by_index = !parse_index(op->arg, &index);
	long off;

	if (!all && !by_index &&
	    (!is_address(op->arg) || parse_hex(op->arg, strlen(op->arg), ~0ull, &start)))
		return fail(op, "expected all, an index or 0xSTART");
	for (unsigned i = by_index ? index : 0; (off = iog_ivrs_edit_find(e, 1, 0, i)) >= 0;) {
		iog_ivrs_block_get(e->buf, e->len, off, &b, NULL);
		if (!all && !by_index && b.start != start) {
			i++;
			continue;
		}
		if (iog_ivrs_edit_remove(e, off, &d))
			return diag_fail(op, &d);
		fprintf(log, "  dropped an IVMD (type %02xh, %#llx, %#llx bytes)\n", b.type,
			(unsigned long long)b.start, (unsigned long long)b.mem_length);
		dropped++;
		if (by_index)
			break;
	}
	if (!dropped && all)
		fprintf(log, "  no IVMD to drop\n");
	else if (!dropped)
		return fail(op, by_index ? "there is no such IVMD" : "no IVMD starts there");
	return 0;
}

static long edit_dmar(FILE *log, const struct op *ops, unsigned nops, unsigned nadd,
		      const uint8_t *src, size_t len, uint8_t **out)
{
	struct editor ed = {.log = log};
	struct iog_diag d = {0};
	/* Room for what the adds may bring: a structure is at most 64 KiB. */
	size_t cap = len + 0x10000u * (nadd + 1u);
	long outlen;

	*out = malloc(cap);
	if (!*out || iog_dmar_edit_begin(&ed.e, *out, cap, src, len, &d)) {
		fprintf(stderr, "ioguard edit: %s\n", *out ? d.reason : "out of memory");
		return -1;
	}
	for (unsigned i = 0; i < nops; i++) {
		if (ops[i].kind == OP_DROP_IVMD)
			return fail(&ops[i], "an IVRS edit; the input is a DMAR"), -1;
		if (apply(&ed, &ops[i]))
			return -1;
	}
	outlen = iog_dmar_edit_finish(&ed.e, &d);
	if (outlen < 0)
		fprintf(stderr, "ioguard edit: the edited table does not validate: %s at 0x%llx\n",
			d.reason, (unsigned long long)d.offset);
	return outlen;
}

static long edit_ivrs(FILE *log, const struct op *ops, unsigned nops, const uint8_t *src,
		      size_t len, uint8_t **out)
{
	struct iog_ivrs_edit e;
	struct iog_diag d = {0};
	long outlen;

	*out = malloc(len);
	if (!*out || iog_ivrs_edit_begin(&e, *out, len, src, len, &d)) {
		fprintf(stderr, "ioguard edit: %s\n", *out ? d.reason : "out of memory");
		return -1;
	}
	for (unsigned i = 0; i < nops; i++) {
		if (ops[i].kind != OP_DROP_IVMD)
			return fail(&ops[i], "a DMAR edit; the input is an IVRS (--drop-ivmd is "
					     "the IVRS edit)"),
			       -1;
		if (drop_ivmd(&e, log, &ops[i]))
			return -1;
	}
	outlen = iog_ivrs_edit_finish(&e, &d);
	if (outlen < 0)
		fprintf(stderr, "ioguard edit: the edited table does not validate: %s at 0x%llx\n",
			d.reason, (unsigned long long)d.offset);
	return outlen;
}

/* Findings the edit brought: errors refuse the output (1), warnings are noted. */
static int lint_gate(int ivrs, const uint8_t *in, size_t inlen, const uint8_t *out, size_t outlen,
		     int force)
{
	struct ids before = {0}, after = {0};
	int refused = 0;

	if (ivrs) {
		iog_lint_ivrs(in, inlen, collect, &before);
		iog_lint_ivrs(out, outlen, collect, &after);
	} else {
		iog_lint_dmar(in, inlen, collect, &before);
		iog_lint_dmar(out, outlen, collect, &after);
	}
	for (unsigned i = 0; i < after.n; i++) {
		const char *id = after.id[i];
		unsigned was = count_of(&before, id);
		unsigned more = after.count[i] > was ? after.count[i] - was : 0;

		if (!more)
			continue;
		if (!after.error[i])
			fprintf(stderr,
				"ioguard edit: note: the output has %u more %s (ioguard "
				"explain %s)\n",
				more, id, id);
		else
			fprintf(stderr,
				"ioguard edit: %s: the output has %u more %s (ioguard explain "
				"%s)\n",
				force ? "warning" : "refused", more, id, id);
		refused |= after.error[i];
	}
	if (refused && !force) {
		fputs("ioguard edit: nothing written (--force writes it anyway)\n", stderr);
		return 1;
	}
	return 0;
}

int cmd_edit(int argc, char **argv)
{
	const char *in = NULL, *out = NULL, *sig;
	struct op *ops = calloc((size_t)argc, sizeof(*ops));
	struct iog_diag d = {0};
	unsigned nops = 0, nadd = 0;
	uint8_t *src = NULL, *buf = NULL;
	size_t len;
	int force = 0, status = EXIT_UNUSABLE, err, ivrs;
	long outlen;
	FILE *log;

	if (!ops)
		return EXIT_UNUSABLE;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		size_t k;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(usage, stdout);
			free(ops);
			return 0;
		}
		if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
			if (++i == argc)
				goto usage;
			out = argv[i];
			continue;
		}
		if (!strcmp(a, "--force")) {
			force = 1;
			continue;
		}
		for (k = 0; k < N_OPTIONS && strcmp(a, options[k].name); k++)
			;
		if (k < N_OPTIONS) {
			if (options[k].has_arg && ++i == argc)
				goto usage;
			ops[nops++] = (struct op){options[k].kind, a,
						  options[k].has_arg ? argv[i] : NULL};
			nadd += options[k].kind == OP_ADD_RMRR || options[k].kind == OP_ADD_SCOPE;
			continue;
		}
		if (a[0] == '-' && a[1]) {
			fprintf(stderr, "ioguard edit: unknown option %s\n", a);
			goto usage;
		}
		if (in) {
			fprintf(stderr, "ioguard edit: one input table at a time (%s, %s)\n", in,
				a);
			goto usage;
		}
		in = a;
	}
	if (!in || !out)
		goto usage;
	log = strcmp(out, "-") ? stdout : stderr;

	src = read_table(in, &len);
	if (!src)
		goto done;
	ivrs = len >= 4 && !memcmp(src, "IVRS", 4);
	sig = ivrs ? "IVRS" : "DMAR";
	err = ivrs ? iog_ivrs_check(src, len, NULL, &d) : iog_dmar_check(src, len, NULL, &d);
	if (err == IOG_ECHECKSUM && force && !iog_acpi_fix_checksum(src, len)) {
		fprintf(stderr, "ioguard edit: %s: checksum was wrong; fixed (--force)\n", in);
		err = ivrs ? iog_ivrs_check(src, len, NULL, &d)
			   : iog_dmar_check(src, len, NULL, &d);
	}
	if (err) {
		fprintf(stderr,
			"ioguard edit: %s: not a valid DMAR or IVRS: %s at offset 0x%llx%s\n", in,
			d.reason, (unsigned long long)d.offset,
			err == IOG_ECHECKSUM ? " (--force fixes a checksum)" : "");
		goto done;
	}
	fprintf(log, "%s: %s, %u bytes\n", in, sig,
		(unsigned)(src[4] | src[5] << 8 | src[6] << 16 | (unsigned)src[7] << 24));
	outlen = ivrs ? edit_ivrs(log, ops, nops, src, len, &buf)
		      : edit_dmar(log, ops, nops, nadd, src, len, &buf);
	if (outlen < 0 || lint_gate(ivrs, src, len, buf, (size_t)outlen, force))
		goto done;
	if (write_all(out, buf, (size_t)outlen)) {
		fprintf(stderr, "ioguard edit: %s: %s\n", out, strerror(errno));
		goto done;
	}
	fprintf(log, "%s: %s, %ld bytes written\n", strcmp(out, "-") ? out : "(stdout)", sig,
		outlen);
	status = 0;
	goto done;
usage:
	fputs(usage, stderr);
done:
	free(ops);
	free(src);
	free(buf);
	return status;
}
