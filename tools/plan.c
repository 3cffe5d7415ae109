/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * `ioguard plan`: the shield's own iog_shield_apply, run against software
 * IOMMUs (model/) placed at the register bases of this machine's DMAR or
 * IVRS, with its PCI topology as the bridge reader and its memory map as
 * what ordinary devices reach. Nothing on the machine is written: the
 * registers are read (CAP/ECAP, EFR) through /dev/mem when that is allowed,
 * for the models to report the same capabilities.
 */
#define _DEFAULT_SOURCE
#include "plan.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <ioguard/ioguard.h>
#include <ioguard/dmar.h>
#include <ioguard/ivrs.h>
#include <ioguard/pci.h>
#include <ioguard/shield.h>
#include <ioguard/x2apic.h>

#include "model/machine.h"
#include "out.h"
#include "sysfs.h"

#define PLAN_SCHEMA 1
#define EXIT_WARNINGS 1
#define EXIT_REFUSED 2
#define MAX_UNITS IOG_HOSTED_MAX_MMIO
#define MAX_PROTECT 8
#define MAX_GRANTS 16
#define MAX_POOL_PAGES 8192
#define MiB ((uint64_t)1 << 20)
#define GiB (1024 * MiB)
#define DEFAULT_VMM_SIZE (64 * MiB)
#define REGISTERS_FILE "ioguard-registers"

static const char usage[] =
	"usage: ioguard plan [--json] [--root DIR] [--save DIR] [--protect BASE+SIZE]...\n"
	"                    [--grant [SEG:]BB:DD.F:BASE+SIZE]... [--allow-rmrr-conflict]\n"
	"                    [--ir-policy refuse|warn|defer]\n"
	"\n"
	"What the shield would do on this machine: reads the DMAR or IVRS and the MADT\n"
	"(/sys/firmware/acpi/tables), the PCI functions (/sys/bus/pci/devices), the\n"
	"memory map (/sys/firmware/memmap, else /proc/iomem) and, as root where the\n"
	"kernel allows it, the units' CAP/ECAP (EFR) through /dev/mem; then runs the\n"
	"shield's iog_shield_apply on software IOMMUs built from them. Changes nothing.\n"
	"\n"
	"  --json        machine-readable report (fields: docs/json.md)\n"
	"  --root DIR    read DIR/sys/..., DIR/proc/iomem instead (a saved copy)\n"
	"  --save DIR    also copy every input read into DIR, for --root later\n"
	"  --protect     the VMM's memory (hex or decimal; default: 64 MiB of RAM below\n"
	"                4 GiB, the highest such block clear of RMRRs and IVMDs)\n"
	"  --grant       a device the VMM drives and the memory it may reach\n"
	"\n"
	"Exit status: 0 the shield applies cleanly; 1 it applies with warnings (scopes\n"
	"or RMRR devices not placed, x2APIC risks, a grant without ACS isolation, ...);\n"
	"2 it would refuse (or the inputs are unusable, or bad usage).\n";

struct unit_regs {
	uint64_t base;
	uint64_t cap, ecap, efr;
	const char *source; /* "live", "table" (the IVHD's EFR image) or "default" */
};

struct plan {
	struct sys sys;
	int json;
	const char *root, *save;
	/* The configuration. */
	struct iog_range protect[MAX_PROTECT];
	unsigned nprotect;
	int protect_default;
	struct iog_grant grant[MAX_GRANTS];
	unsigned ngrants;
	int allow_rmrr_conflict;
	enum iog_vtd_ir_policy ir_policy;
	/* The units the table names, in table order, and what their registers say. */
	struct unit_regs regs[MAX_UNITS];
	uint32_t regs_size[MAX_UNITS];
	unsigned nunits;
	const char *regs_note; /* why the registers were not read live */
	/* The run. */
	struct model_machine m;
	struct iog_shield shield;
	struct iog_shield_config cfg;
	struct iog_diag diag;
	int err;
	const char *refused; /* a reason the plan could not run the shield at all */
	uint64_t apply_ns;
	struct iog_x2apic_report x2;
	int x2_ok;
	unsigned warnings;
};

/* ---- Options ---- */

static int parse_u64(const char *s, uint64_t *v, const char **end)
{
	char *e;

	errno = 0;
	*v = strtoull(s, &e, 0);
	*end = e;
	return e == s || errno ? -1 : 0;
}

static int parse_range(const char *s, uint64_t *base, uint64_t *size)
{
	const char *e;

	if (parse_u64(s, base, &e) || *e != '+' || parse_u64(e + 1, size, &e) || *e || !*size ||
	    *base + *size < *base)
		return -1;
	return 0;
}

/* [SEG:]BB:DD.F:BASE+SIZE */
static int parse_grant(const char *s, struct iog_grant *g)
{
	unsigned a, b, c, d, n = 0;
	unsigned seg = 0, bus, dev, fn;

	if (sscanf(s, "%x:%x:%x.%x:%n", &a, &b, &c, &d, &n) == 4 && n) {
		seg = a, bus = b, dev = c, fn = d;
	} else if (n = 0, sscanf(s, "%x:%x.%x:%n", &a, &b, &c, &n) == 3 && n) {
		bus = a, dev = b, fn = c;
	} else {
		return -1;
	}
	if (seg > 0xffff || bus > 0xff || dev > 31 || fn > 7)
		return -1;
	*g = (struct iog_grant){(uint16_t)seg, (uint8_t)bus, (uint8_t)(dev << 3 | fn), 0, 0,
				IOG_PT_RW};
	return parse_range(s + n, &g->base, &g->size);
}

static int parse_options(struct plan *p, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--json")) {
			p->json = 1;
		} else if (!strcmp(a, "--allow-rmrr-conflict")) {
			p->allow_rmrr_conflict = 1;
		} else if (!strcmp(a, "--root") && v) {
			p->root = v, i++;
		} else if (!strcmp(a, "--save") && v) {
			p->save = v, i++;
		} else if (!strcmp(a, "--protect") && v && p->nprotect < MAX_PROTECT) {
			struct iog_range *r = &p->protect[p->nprotect++];

			if (parse_range(v, &r->base, &r->size)) {
				fprintf(stderr, "ioguard plan: --protect %s: want BASE+SIZE\n", v);
				return -1;
			}
			i++;
		} else if (!strcmp(a, "--grant") && v && p->ngrants < MAX_GRANTS) {
			if (parse_grant(v, &p->grant[p->ngrants++])) {
				fprintf(stderr,
					"ioguard plan: --grant %s: want [SEG:]BB:DD.F:BASE+SIZE\n",
					v);
				return -1;
			}
			i++;
		} else if (!strcmp(a, "--ir-policy") && v) {
			if (!strcmp(v, "refuse"))
				p->ir_policy = IOG_VTD_IR_REFUSE;
			else if (!strcmp(v, "warn"))
				p->ir_policy = IOG_VTD_IR_WARN;
			else if (!strcmp(v, "defer"))
				p->ir_policy = IOG_VTD_IR_DEFER;
			else
				return -1;
			i++;
		} else {
			fprintf(stderr, "ioguard plan: unknown or incomplete option %s\n", a);
			return -1;
		}
	}
	return 0;
}

/* ---- The units and their registers ---- */

static int unit_known(const struct plan *p, uint64_t base)
{
	for (unsigned i = 0; i < p->nunits; i++)
		if (p->regs[i].base == base)
			return (int)i;
	return -1;
}

static void list_units(struct plan *p)
{
	const uint8_t *t = p->sys.table;
	size_t len = p->sys.table_len;

	if (!p->sys.amd) {
		struct iog_dmar_struct st;

		for (long off = iog_dmar_first(t, len, NULL); off >= 0;
		     off = iog_dmar_next(t, len, off, NULL))
			if (!iog_dmar_struct_get(t, len, off, &st, NULL) &&
			    st.type == IOG_DMAR_DRHD && unit_known(p, st.address) < 0 &&
			    p->nunits < MAX_UNITS) {
				p->regs_size[p->nunits] = 4096u << (st.size & 0xf);
				p->regs[p->nunits++].base = st.address;
			}
		return;
	}
	{
		unsigned type = iog_ivrs_ivhd_type(t, len);
		struct iog_ivrs_block b;

		for (long off = iog_ivrs_first(t, len, NULL); off >= 0;
		     off = iog_ivrs_next(t, len, off, NULL))
			if (!iog_ivrs_block_get(t, len, off, &b, NULL) && b.type == type &&
			    unit_known(p, b.address) < 0 && p->nunits < MAX_UNITS) {
				p->regs_size[p->nunits] = AMDVM_MMIO_SIZE;
				p->regs[p->nunits].efr = b.efr;
				p->regs[p->nunits++].base = b.address;
			}
	}
}

/* One 64-bit register through /dev/mem; -1 with errno when the kernel does not allow it. */
static int devmem_read64(int fd, uint64_t phys, uint64_t *v)
{
	long page = sysconf(_SC_PAGESIZE);
	uint64_t at = phys & ~(uint64_t)(page - 1);
	volatile uint8_t *map;

	map = mmap(NULL, (size_t)page, PROT_READ, MAP_SHARED, fd, (off_t)at);
	if (map == MAP_FAILED)
		return -1;
	*v = *(volatile uint64_t *)(map + (phys - at));
	munmap((void *)(uintptr_t)map, (size_t)page);
	return 0;
}

static const char *live_registers(struct plan *p)
{
	static char why[128];
	int fd;

	if (*p->sys.root)
		return "a saved copy without " REGISTERS_FILE;
	fd = open("/dev/mem", O_RDONLY | O_SYNC);
	if (fd < 0) {
		snprintf(why, sizeof(why), "/dev/mem: %s", strerror(errno));
		return why;
	}
	for (unsigned i = 0; i < p->nunits; i++) {
		struct unit_regs *r = &p->regs[i];
		uint64_t a = 0, b = 0;
		int bad;

		if (p->sys.amd)
			bad = devmem_read64(fd, r->base + 0x30, &a);
		else
			bad = devmem_read64(fd, r->base + 0x08, &a) ||
			      devmem_read64(fd, r->base + 0x10, &b);
		if (bad) {
			snprintf(why, sizeof(why), "/dev/mem at 0x%" PRIx64 ": %s", r->base,
				 strerror(errno));
			close(fd);
			return why;
		}
		/* Nothing decoded there (all-ones or zero): a unit that is not what the table says.
		 */
		if (a == 0 || a == UINT64_MAX) {
			snprintf(why, sizeof(why), "/dev/mem at 0x%" PRIx64 " reads 0x%" PRIx64,
				 r->base, a);
			close(fd);
			return why;
		}
		if (p->sys.amd)
			r->efr = a;
		else
			r->cap = a, r->ecap = b;
		r->source = "live";
	}
	close(fd);
	return NULL;
}

/* Lines "vtd BASE CAP ECAP SOURCE" or "amdvi BASE EFR SOURCE", as saved. */
static const char *saved_registers(struct plan *p)
{
	static const char *const sources[] = {"live", "table", "default"};
	static char note[160];
	unsigned found = 0;

	for (char *line = p->sys.registers; line && *line;) {
		char *next = strchr(line, '\n');
		char kind[8], src[16];
		unsigned long long base, a, b = 0;
		int i, n;

		if (next)
			*next++ = 0;
		/* Why the original run used no live registers: said again on replay. */
		if (!strncmp(line, "note ", 5)) {
			snprintf(note, sizeof(note), "%s", line + 5);
			p->regs_note = note;
			line = next;
			continue;
		}
		n = p->sys.amd ? sscanf(line, "%7s %llx %llx %15s", kind, &base, &a, src)
			       : sscanf(line, "%7s %llx %llx %llx %15s", kind, &base, &a, &b, src);
		i = unit_known(p, base);
		if (n == (p->sys.amd ? 4 : 5) && i >= 0 &&
		    !strcmp(kind, p->sys.amd ? "amdvi" : "vtd")) {
			struct unit_regs *r = &p->regs[i];

			if (p->sys.amd)
				r->efr = a;
			else
				r->cap = a, r->ecap = b;
			for (unsigned k = 0; k < 3; k++)
				if (!strcmp(src, sources[k]))
					r->source = sources[k];
			found += r->source != NULL;
		}
		line = next;
	}
	if (found != p->nunits)
		return "the saved " REGISTERS_FILE " does not list every unit";
	return p->regs_note;
}

/* The registers the plan used, line by line, for a replay (the first call truncates). */
static void save_line(struct plan *p, const char *a, const char *b, int append)
{
	char path[SYS_PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", p->save, REGISTERS_FILE);
	f = fopen(path, append ? "a" : "w");
	if (!f || (a && fputs(a, f) < 0) || (b && fprintf(f, "%s\n", b) < 0))
		p->sys.save_errors++;
	if (f && fclose(f))
		p->sys.save_errors++;
}

static void read_registers(struct plan *p)
{
	const char *why = p->sys.registers ? saved_registers(p) : live_registers(p);
	char line[160];

	p->regs_note = why;
	if (p->save && !p->sys.registers)
		save_line(p, why ? "note " : NULL, why, 0);
	for (unsigned i = 0; i < p->nunits; i++) {
		struct unit_regs *r = &p->regs[i];

		if (!r->source) {
			r->cap = model_caps_default.cap;
			r->ecap = model_caps_default.ecap;
			/* An IVHD of type 11h or 40h carries an image of the EFR. */
			if (p->sys.amd && r->efr)
				r->source = "table";
			else
				r->efr = model_caps_default.efr, r->source = "default";
		}
		if (p->sys.amd)
			snprintf(line, sizeof(line), "amdvi 0x%" PRIx64 " 0x%" PRIx64 " %s\n",
				 r->base, r->efr, r->source);
		else
			snprintf(line, sizeof(line),
				 "vtd 0x%" PRIx64 " 0x%" PRIx64 " 0x%" PRIx64 " %s\n", r->base,
				 r->cap, r->ecap, r->source);
		if (p->save && !p->sys.registers)
			save_line(p, line, NULL, 1);
	}
}

/* ---- The VMM region ---- */

/* RMRRs and IVMDs: calls fn(base, end) for each; returns 1 when fn does. */
static int each_reserved(const struct plan *p, int (*fn)(uint64_t, uint64_t, const void *),
			 const void *arg)
{
	const uint8_t *t = p->sys.table;
	size_t len = p->sys.table_len;

	if (!p->sys.amd) {
		struct iog_dmar_struct st;

		for (long off = iog_dmar_first(t, len, NULL); off >= 0;
		     off = iog_dmar_next(t, len, off, NULL))
			if (!iog_dmar_struct_get(t, len, off, &st, NULL) &&
			    st.type == IOG_DMAR_RMRR && st.limit >= st.base &&
			    fn(st.base, st.limit + 1, arg))
				return 1;
		return 0;
	}
	{
		struct iog_ivrs_block b;

		for (long off = iog_ivrs_first(t, len, NULL); off >= 0;
		     off = iog_ivrs_next(t, len, off, NULL))
			if (!iog_ivrs_block_get(t, len, off, &b, NULL) && b.is_ivmd &&
			    b.mem_length && fn(b.start, b.start + b.mem_length, arg))
				return 1;
	}
	return 0;
}

static int overlaps(uint64_t base, uint64_t end, const void *arg)
{
	const struct iog_range *r = arg;

	return base < r->base + r->size && r->base < end;
}

/* The highest 64 MiB-aligned 64 MiB of RAM below 4 GiB clear of RMRRs and IVMDs. */
static int default_region(struct plan *p)
{
	for (unsigned i = p->sys.nram; i-- > 0;) {
		const struct iog_range *m = &p->sys.ram[i];
		uint64_t end = m->base + m->size;

		if (end > 4 * GiB)
			end = 4 * GiB;
		for (uint64_t at = end & ~(DEFAULT_VMM_SIZE - 1);
		     at >= DEFAULT_VMM_SIZE && at - DEFAULT_VMM_SIZE >= m->base;
		     at -= DEFAULT_VMM_SIZE) {
			struct iog_range r = {at - DEFAULT_VMM_SIZE, DEFAULT_VMM_SIZE};

			if (!each_reserved(p, overlaps, &r)) {
				p->protect[p->nprotect++] = r;
				p->protect_default = 1;
				return 0;
			}
		}
	}
	return -1;
}

/* ---- The run ---- */

static void run(struct plan *p)
{
	struct timespec t0, t1;
	/* The shield's tables at the top of the first protected region, grants below them. */
	uint64_t end = (p->protect[0].base + p->protect[0].size) & ~4095ull;
	uint64_t room = end > p->protect[0].base ? end - p->protect[0].base : 0;
	size_t pages = room / 4096 < MAX_POOL_PAGES ? room / 4096 : MAX_POOL_PAGES;
	uint64_t pool = end - (uint64_t)pages * 4096;
	int err;

	if (!pages) {
		p->refused = "the first protected region is smaller than a page: no room for the "
			     "shield's tables";
		return;
	}
	err = model_machine_init(&p->m, p->sys.amd, MAX_UNITS, pool, pages);
	if (err) {
		p->refused = "host memory for the page pool";
		return;
	}
	for (unsigned i = 0; i < p->nunits && !err; i++) {
		const struct unit_regs *r = &p->regs[i];

		err = p->sys.amd ? model_machine_add_amdvi(&p->m, r->base, r->efr)
				 : model_machine_add_vtd(&p->m, r->base, p->regs_size[i], r->cap,
							 r->ecap);
		err = err < 0 ? err : 0;
	}
	if (err) {
		p->refused = "a unit's registers overlap another's or the protected region";
		return;
	}
	p->cfg = (struct iog_shield_config){
		.dmar = p->sys.amd ? NULL : p->sys.table,
		.dmar_len = p->sys.amd ? 0 : p->sys.table_len,
		.ivrs = p->sys.amd ? p->sys.table : NULL,
		.ivrs_len = p->sys.amd ? p->sys.table_len : 0,
		.memmap = p->sys.ram,
		.nmemmap = p->sys.nram,
		.protect = p->protect,
		.nprotect = p->nprotect,
		.grants = p->grant,
		.ngrants = p->ngrants,
		.ir_policy = p->ir_policy,
		.allow_rmrr_conflict = p->allow_rmrr_conflict,
		.bridge = sys_bridge,
		.bridge_ctx = &p->sys,
	};
	clock_gettime(CLOCK_MONOTONIC, &t0);
	p->err = iog_shield_apply(&p->shield, &p->m.h.plat, &p->cfg, &p->diag);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	p->apply_ns = (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000000ull + (uint64_t)t1.tv_nsec -
		      (uint64_t)t0.tv_nsec;
}

/* The x2APIC side of concealment; an IVRS has no flags for it: a bare DMAR header stands in. */
static void assess_x2apic(struct plan *p)
{
	struct iog_x2apic_input in = {p->sys.table, p->sys.table_len, p->sys.madt, p->sys.madt_len,
				      0};
	uint8_t bare[IOG_DMAR_HEADER_LEN] = {'D', 'M', 'A', 'R', IOG_DMAR_HEADER_LEN, 0, 0, 0, 1};
	uint8_t sum = 0;

	if (p->sys.amd) {
		bare[36] = 47;
		for (unsigned i = 0; i < sizeof(bare); i++)
			sum = (uint8_t)(sum + bare[i]);
		bare[9] = (uint8_t)(0x100 - sum);
		in.dmar = bare;
		in.dmar_len = sizeof(bare);
	}
	p->x2_ok = !iog_x2apic_assess(&in, &p->x2, NULL);
	if (!p->x2_ok && in.madt) {
		in.madt = NULL;
		p->x2_ok = !iog_x2apic_assess(&in, &p->x2, NULL);
	}
}

/* ---- What the report says about devices ---- */

static int shield_unit_of(const struct plan *p, uint16_t segment, uint64_t base)
{
	for (unsigned i = 0; i < p->shield.nunits; i++) {
		const struct iog_shield_unit *u = iog_shield_unit(&p->shield, i);

		if (u->amd ? u->amdvi.base == base && u->amdvi.segment == segment
			   : u->vtd.base == base && u->vtd.segment == segment)
			return (int)i;
	}
	return -1;
}

/* The unit (shield order) that translates a device, by the table; -1 when none. */
static int unit_of_device(const struct plan *p, uint16_t seg, uint8_t bus, uint8_t devfn)
{
	const uint8_t *t = p->sys.table;
	size_t len = p->sys.table_len;
	long off;

	if (p->sys.amd) {
		struct iog_ivrs_block b;

		off = iog_ivrs_find_ivhd(t, len, seg, (uint16_t)(bus << 8 | devfn), NULL);
		if (off < 0 || iog_ivrs_block_get(t, len, off, &b, NULL))
			return -1;
		return shield_unit_of(p, b.segment, b.address);
	}
	{
		struct iog_dmar_struct st;

		off = iog_dmar_find_drhd(t, len, seg, bus, devfn, sys_bridge, (void *)&p->sys,
					 NULL);
		if (off < 0 || iog_dmar_struct_get(t, len, off, &st, NULL))
			return -1;
		return shield_unit_of(p, st.segment, st.address);
	}
}

static const struct iog_shield_domain *domain_of(const struct plan *p, uint16_t seg, uint8_t bus,
						 uint8_t devfn)
{
	for (unsigned i = 0; i < p->shield.ndomains; i++) {
		const struct iog_shield_domain *d = &p->shield.domains[i];

		if (d->segment == seg && d->bus == bus && d->devfn == devfn)
			return d;
	}
	return NULL;
}

static const char *class_name(uint32_t class)
{
	static const char *const names[] = {
		"unclassified", "storage",	   "network",
		"display",	"multimedia",	   "memory",
		"bridge",	"communication",   "system",
		"input",	"docking station", "processor",
		"serial bus",	"wireless",	   "intelligent I/O",
		"satellite",	"encryption",	   "signal processing",
		"accelerator",	"instrumentation",
	};
	unsigned base = class >> 16 & 0xff;

	if (base == 6 && (class >> 8 & 0xff) == 4)
		return "PCI bridge";
	if (base == 6 && (class >> 8 & 0xff) == 0)
		return "host bridge";
	if (base == 8 && (class >> 8 & 0xff) == 6)
		return "IOMMU";
	return base < sizeof(names) / sizeof(names[0]) ? names[base] : "other";
}

static const char *bdf(char *buf, size_t n, uint16_t seg, uint8_t bus, uint8_t devfn)
{
	snprintf(buf, n, "%04x:%02x:%02x.%u", seg, bus, devfn >> 3, devfn & 7);
	return buf;
}

static void hex(char *buf, size_t n, uint64_t v)
{
	snprintf(buf, n, "0x%" PRIx64, v);
}

static void plan_hex(struct out *o, const char *key, uint64_t v)
{
	char b[24];

	hex(b, sizeof(b), v);
	out_str(o, key, NULL, b, strlen(b));
}

static void out_s(struct out *o, const char *key, const char *s)
{
	out_str(o, key, NULL, s, strlen(s));
}

/* One DMA-capable scope of a DRHD or RMRR, resolved on this machine. */
struct scope_view {
	const char *structure; /* "DRHD", "RMRR" */
	uint16_t segment;
	uint64_t address; /* DRHD base, RMRR base */
	struct iog_dmar_scope sc;
	int reached; /* iog_dmar_scope_reach found it */
	int present; /* the device (or bridge) is in sysfs */
	struct iog_dmar_reach r;
};

typedef void (*scope_fn)(struct plan *p, const struct scope_view *v, void *ctx);

static void each_scope(struct plan *p, scope_fn fn, void *ctx)
{
	const uint8_t *t = p->sys.table;
	size_t len = p->sys.table_len;
	struct iog_dmar_struct st;

	if (p->sys.amd)
		return;
	for (long off = iog_dmar_first(t, len, NULL); off >= 0;
	     off = iog_dmar_next(t, len, off, NULL)) {
		if (iog_dmar_struct_get(t, len, off, &st, NULL) ||
		    (st.type != IOG_DMAR_DRHD && st.type != IOG_DMAR_RMRR))
			continue;
		for (long so = iog_dmar_scope_first(t, len, &st, NULL); so >= 0;
		     so = iog_dmar_scope_next(t, len, &st, so, NULL)) {
			struct scope_view v = {
				.structure = st.type == IOG_DMAR_DRHD ? "DRHD" : "RMRR",
				.segment = st.segment,
				.address = st.type == IOG_DMAR_DRHD ? st.address : st.base,
			};

			if (iog_dmar_scope_get(t, len, so, &v.sc, NULL))
				continue;
			if (v.sc.type != IOG_SCOPE_PCI_ENDPOINT &&
			    v.sc.type != IOG_SCOPE_PCI_SUBHIERARCHY &&
			    v.sc.type != IOG_SCOPE_ACPI_NAMESPACE)
				continue;
			v.reached =
				!iog_dmar_scope_reach(&v.sc, st.segment, sys_bridge, &p->sys, &v.r);
			v.present =
				v.reached && (!p->sys.pci_listed ||
					      sys_find(&p->sys, st.segment, v.r.bus, v.r.devfn));
			fn(p, &v, ctx);
		}
	}
}

static void scope_path(char *buf, size_t n, const struct scope_view *v)
{
	size_t at = (size_t)snprintf(buf, n, "%02x", v->sc.bus);

	for (unsigned i = 0; i < v->sc.path_len && at < n; i++)
		at += (size_t)snprintf(buf + at, n - at, "/%02x.%u", v->sc.path[2 * i],
				       v->sc.path[2 * i + 1]);
}

static const char *scope_status(const struct scope_view *v)
{
	if (!v->reached)
		return "absent: a bridge on its path is not there (or not numbered)";
	if (!v->present)
		return "absent: no such device";
	return "present";
}

/* ---- Counting warnings ---- */

struct counts {
	unsigned scopes_absent, devices, devices_uncovered;
};

static void count_scope(struct plan *p, const struct scope_view *v, void *ctx)
{
	struct counts *c = ctx;

	(void)p;
	if (!v->present && !strcmp(v->structure, "DRHD"))
		c->scopes_absent++;
}

/*
 * The root bus above a bus: the highest one at or below it that no bridge's
 * secondary..subordinate range holds (a host bridge's, as on servers with a
 * root bus per socket).
 */
static uint8_t root_bus_of(const struct plan *p, uint16_t seg, uint8_t bus)
{
	for (unsigned b = bus + 1u; b-- > 0;) {
		int below = 0, used = 0;

		for (unsigned i = 0; i < p->sys.ndev; i++) {
			const struct sys_device *d = &p->sys.dev[i];
			uint8_t sec, sub;

			if (d->segment != seg)
				continue;
			used |= d->bus == b;
			if (!sys_bridge((void *)&p->sys, seg, d->bus, d->devfn, &sec, &sub) &&
			    sec <= b && b <= sub)
				below = 1;
		}
		if (used && !below)
			return (uint8_t)b;
	}
	return 0;
}

static int grant_isolated(struct plan *p, const struct iog_grant *g, struct iog_pci_acs_report *r)
{
	struct iog_pci_config cfg;

	sys_pci_config(&p->sys, &cfg);
	memset(r, 0, sizeof(*r));
	if (iog_pci_acs_enable(&cfg, g->segment, root_bus_of(p, g->segment, g->bus), g->bus,
			       g->devfn, 0, r, NULL))
		return -1;
	/* A device on the root bus has no port above it to isolate it: nothing to ask. */
	return r->bridges == 0 || r->isolated;
}

static unsigned count_warnings(struct plan *p, struct counts *c)
{
	unsigned w = 0;

	memset(c, 0, sizeof(*c));
	each_scope(p, count_scope, c);
	for (unsigned i = 0; i < p->sys.ndev; i++) {
		const struct sys_device *d = &p->sys.dev[i];

		c->devices++;
		if (unit_of_device(p, d->segment, d->bus, d->devfn) < 0)
			c->devices_uncovered++;
	}
	w += c->scopes_absent ? 1 : 0;
	w += c->devices_uncovered ? 1 : 0;
	w += p->shield.unplaced_rmrrs ? 1 : 0;
	w += p->shield.unplaced_grants ? 1 : 0;
	w += p->shield.unreachable ? 1 : 0;
	w += p->x2_ok && p->x2.risks ? 1 : 0;
	for (unsigned i = 0; i < p->ngrants; i++) {
		struct iog_pci_acs_report r;

		w += grant_isolated(p, &p->grant[i], &r) != 1;
	}
	w += p->sys.save_errors ? 1 : 0;
	return w;
}

/* The capability set a unit reports when its registers cannot be read. */
static const char *default_name(const struct plan *p)
{
	return p->sys.amd ? "the default set (EFR: 4-level host tables, INVALIDATE_IOMMU_ALL)"
			  : "the default set (CAP/ECAP: 4-level 48-bit, 2 MiB + 1 GiB pages, PSI, "
			    "QI, IR, PT, coherent)";
}

/* ---- JSON ---- */

static void json_scope(struct plan *p, const struct scope_view *v, void *ctx)
{
	struct out *o = ctx;
	char path[400], b[24];

	(void)p;
	out_begin_obj(o, NULL, NULL);
	out_s(o, "structure", v->structure);
	out_num(o, "segment", NULL, v->segment, 0);
	plan_hex(o, "address", v->address);
	out_s(o, "type", iog_scope_type_name(v->sc.type) ? iog_scope_type_name(v->sc.type) : "?");
	scope_path(path, sizeof(path), v);
	out_s(o, "path", path);
	out_num(o, "offset", NULL, v->sc.offset, 0);
	out_bool(o, "present", NULL, v->present);
	if (v->reached)
		out_s(o, "device", bdf(b, sizeof(b), v->segment, v->r.bus, v->r.devfn));
	out_s(o, "status", scope_status(v));
	out_end_obj(o);
}

static void json_report(struct plan *p, const struct counts *c)
{
	struct out o;
	char b[64];

	out_init(&o, stdout, 1);
	out_begin_obj(&o, NULL, NULL);
	out_s(&o, "command", "plan");
	out_num(&o, "schema", NULL, PLAN_SCHEMA, 0);
	out_s(&o, "verdict",
	      p->refused || p->err ? "refused"
	      : p->warnings	   ? "warnings"
				   : "applies");
	out_num(&o, "exit_status", NULL,
		p->refused || p->err ? EXIT_REFUSED
		: p->warnings	     ? EXIT_WARNINGS
				     : 0,
		0);
	out_begin_obj(&o, "input", NULL);
	out_s(&o, "table", p->sys.table ? (p->sys.amd ? "IVRS" : "DMAR") : "none");
	out_num(&o, "table_length", NULL, p->sys.table_len, 0);
	out_bool(&o, "madt", NULL, p->sys.madt != NULL);
	out_num(&o, "pci_functions", NULL, p->sys.ndev, 0);
	out_s(&o, "memmap_source", p->sys.memmap_source ? p->sys.memmap_source : "none");
	out_begin_arr(&o, "ram");
	for (unsigned i = 0; i < p->sys.nram; i++) {
		out_begin_obj(&o, NULL, NULL);
		plan_hex(&o, "base", p->sys.ram[i].base);
		plan_hex(&o, "size", p->sys.ram[i].size);
		out_end_obj(&o);
	}
	out_end_arr(&o);
	if (p->regs_note) {
		out_s(&o, "registers_note", p->regs_note);
		out_s(&o, "registers_default", default_name(p));
	}
	out_end_obj(&o);
	out_begin_obj(&o, "config", NULL);
	out_begin_arr(&o, "protect");
	for (unsigned i = 0; i < p->nprotect; i++) {
		out_begin_obj(&o, NULL, NULL);
		plan_hex(&o, "base", p->protect[i].base);
		plan_hex(&o, "size", p->protect[i].size);
		out_end_obj(&o);
	}
	out_end_arr(&o);
	out_bool(&o, "protect_default", NULL, p->protect_default);
	out_begin_arr(&o, "grants");
	for (unsigned i = 0; i < p->ngrants; i++) {
		const struct iog_grant *g = &p->grant[i];
		struct iog_pci_acs_report r;
		int iso = grant_isolated(p, g, &r);

		out_begin_obj(&o, NULL, NULL);
		out_s(&o, "device", bdf(b, sizeof(b), g->segment, g->bus, g->devfn));
		plan_hex(&o, "base", g->base);
		plan_hex(&o, "size", g->size);
		out_bool(&o, "present", NULL, sys_find(&p->sys, g->segment, g->bus, g->devfn) != 0);
		out_s(&o, "acs", iso < 0 ? "unknown" : iso ? "isolated" : "not isolated");
		out_num(&o, "bridges_above", NULL, r.bridges, 0);
		out_end_obj(&o);
	}
	out_end_arr(&o);
	out_end_obj(&o);
	if (p->refused) {
		out_s(&o, "refused", p->refused);
		out_end_obj(&o);
		return;
	}
	if (p->err) {
		out_begin_obj(&o, "error", NULL);
		out_int(&o, "code", NULL, p->err);
		out_s(&o, "name", iog_strerror(p->err));
		out_num(&o, "offset", NULL, p->diag.offset, 0);
		plan_hex(&o, "address", p->diag.address);
		out_s(&o, "reason", p->diag.reason ? p->diag.reason : "");
		out_end_obj(&o);
	}
	out_begin_arr(&o, "units");
	for (unsigned i = 0; !p->err && i < p->shield.nunits; i++) {
		const struct iog_shield_unit *u = iog_shield_unit(&p->shield, i);
		uint64_t base = u->amd ? u->amdvi.base : u->vtd.base;
		int k = unit_known(p, base);

		out_begin_obj(&o, NULL, NULL);
		out_num(&o, "index", NULL, i, 0);
		out_s(&o, "kind", u->amd ? "amdvi" : "vtd");
		out_num(&o, "segment", NULL, u->amd ? u->amdvi.segment : u->vtd.segment, 0);
		plan_hex(&o, "base", base);
		if (u->amd) {
			plan_hex(&o, "efr", u->amdvi.efr);
		} else {
			plan_hex(&o, "cap", u->vtd.cap);
			plan_hex(&o, "ecap", u->vtd.ecap);
		}
		out_s(&o, "registers", k >= 0 ? p->regs[k].source : "default");
		plan_hex(&o, "reach", u->reach);
		out_num(&o, "table_kind", NULL, u->kind, 0);
		out_end_obj(&o);
	}
	out_end_arr(&o);
	out_begin_arr(&o, "devices");
	for (unsigned i = 0; !p->err && i < p->sys.ndev; i++) {
		const struct sys_device *d = &p->sys.dev[i];
		const struct iog_shield_domain *dom = domain_of(p, d->segment, d->bus, d->devfn);
		int unit = unit_of_device(p, d->segment, d->bus, d->devfn);

		out_begin_obj(&o, NULL, NULL);
		out_s(&o, "device", bdf(b, sizeof(b), d->segment, d->bus, d->devfn));
		snprintf(b, sizeof(b), "%04x:%04x", d->vendor, d->device);
		out_s(&o, "id", b);
		snprintf(b, sizeof(b), "0x%06x", d->class);
		out_s(&o, "class", b);
		out_s(&o, "class_name", class_name(d->class));
		out_int(&o, "unit", NULL, unit);
		out_s(&o, "domain", dom ? (dom->granted ? "granted" : "own") : "default");
		out_num(&o, "did", NULL, dom ? dom->did : IOG_SHIELD_DEFAULT_DID, 0);
		out_end_obj(&o);
	}
	out_end_arr(&o);
	out_begin_arr(&o, "domains");
	for (unsigned i = 0; !p->err && i < p->shield.ndomains; i++) {
		const struct iog_shield_domain *d = &p->shield.domains[i];

		out_begin_obj(&o, NULL, NULL);
		out_s(&o, "device", bdf(b, sizeof(b), d->segment, d->bus, d->devfn));
		out_num(&o, "unit", NULL, d->unit, 0);
		out_num(&o, "did", NULL, d->did, 0);
		out_bool(&o, "granted", NULL, d->granted);
		out_end_obj(&o);
	}
	out_end_arr(&o);
	out_begin_arr(&o, "scopes");
	each_scope(p, json_scope, &o);
	out_end_arr(&o);
	out_begin_arr(&o, "reserved");
	{
		const uint8_t *t = p->sys.table;
		size_t len = p->sys.table_len;
		struct iog_dmar_struct st;
		struct iog_ivrs_block bl;

		for (long off = p->sys.amd ? iog_ivrs_first(t, len, NULL)
					   : iog_dmar_first(t, len, NULL);
		     off >= 0; off = p->sys.amd ? iog_ivrs_next(t, len, off, NULL)
						: iog_dmar_next(t, len, off, NULL)) {
			uint64_t base, end;

			if (p->sys.amd) {
				if (iog_ivrs_block_get(t, len, off, &bl, NULL) || !bl.is_ivmd)
					continue;
				base = bl.start, end = bl.start + bl.mem_length;
			} else {
				if (iog_dmar_struct_get(t, len, off, &st, NULL) ||
				    st.type != IOG_DMAR_RMRR)
					continue;
				base = st.base, end = st.limit + 1;
			}
			out_begin_obj(&o, NULL, NULL);
			out_s(&o, "structure", p->sys.amd ? "IVMD" : "RMRR");
			out_num(&o, "offset", NULL, (uint64_t)off, 0);
			plan_hex(&o, "base", base);
			plan_hex(&o, "end", end);
			{
				struct iog_range r = {base, end - base};
				int conflict = 0;

				for (unsigned k = 0; k < p->nprotect; k++)
					conflict |= overlaps(
						p->protect[k].base,
						p->protect[k].base + p->protect[k].size, &r);
				out_bool(&o, "conflicts_with_protected", NULL, conflict);
			}
			out_end_obj(&o);
		}
	}
	out_end_arr(&o);
	out_begin_obj(&o, "summary", NULL);
	out_num(&o, "units", NULL, p->err ? 0 : p->shield.nunits, 0);
	out_num(&o, "table_kinds", NULL, p->err ? 0 : p->shield.nkinds, 0);
	out_num(&o, "device_domains", NULL, p->err ? 0 : p->shield.ndomains, 0);
	out_num(&o, "devices", NULL, c->devices, 0);
	out_num(&o, "devices_no_unit", NULL, c->devices_uncovered, 0);
	out_num(&o, "scopes_absent", NULL, c->scopes_absent, 0);
	out_num(&o, "unplaced_scopes", NULL, p->shield.unplaced_scopes, 0);
	out_num(&o, "unplaced_rmrrs", NULL, p->shield.unplaced_rmrrs, 0);
	out_num(&o, "unplaced_grants", NULL, p->shield.unplaced_grants, 0);
	plan_hex(&o, "unreachable_bytes", p->shield.unreachable);
	out_num(&o, "table_pages", NULL, p->err ? 0 : iog_shield_pages(&p->shield), 0);
	plan_hex(&o, "table_bytes", p->err ? 0 : (uint64_t)iog_shield_pages(&p->shield) * 4096);
	out_num(&o, "verifier_contexts", NULL, p->shield.report.contexts, 0);
	out_num(&o, "verifier_violations", NULL, p->shield.report.violations, 0);
	out_num(&o, "warnings", NULL, p->warnings, 0);
	out_end_obj(&o);
	out_begin_obj(&o, "concealment", NULL);
	out_s(&o, "linux_loses_dma_remapping", p->sys.amd ? "amd_iommu" : "intel_iommu");
	out_bool(&o, "interrupt_remapping", NULL, p->sys.amd || (p->x2_ok && p->x2.intr_remap));
	out_bool(&o, "madt_read", NULL, p->x2_ok && p->x2.madt_read);
	out_num(&o, "cpus", NULL, p->x2.cpus, 0);
	out_num(&o, "max_apic_id", NULL, p->x2.max_apic_id, 0);
	out_num(&o, "cpus_above_254", NULL, p->x2.cpus_above_254, 0);
	out_bool(&o, "x2apic_opt_out", NULL, p->x2.x2apic_opt_out);
	out_begin_arr(&o, "risks");
	for (unsigned i = 0; i < IOG_X2APIC_RISKS; i++)
		if (p->x2.risks & (1u << i))
			out_s(&o, NULL, iog_x2apic_risk_text(1u << i));
	out_end_arr(&o);
	out_end_obj(&o);
	out_begin_arr(&o, "log");
	{
		const struct iog_hosted *h = &p->m.h;
		unsigned n =
			h->log_count < IOG_HOSTED_LOG_LINES ? h->log_count : IOG_HOSTED_LOG_LINES;

		for (unsigned i = h->log_count - n; i < h->log_count; i++)
			out_s(&o, NULL, h->log[i % IOG_HOSTED_LOG_LINES]);
	}
	out_end_arr(&o);
	/* Apart, so that a replay's JSON equals the original once "timing" is set aside. */
	out_begin_obj(&o, "timing", NULL);
	out_num(&o, "apply_ns_on_models", NULL, p->apply_ns, 0);
	out_end_obj(&o);
	out_end_obj(&o);
}

/* ---- Text ---- */

static void text_scope(struct plan *p, const struct scope_view *v, void *ctx)
{
	char path[400], b[24];
	int *shown = ctx;

	(void)p;
	if (v->present)
		return;
	scope_path(path, sizeof(path), v);
	printf("  %s %#" PRIx64 " %s %s: %s%s%s\n", v->structure, v->address,
	       iog_scope_type_name(v->sc.type), path, scope_status(v), v->reached ? ", names " : "",
	       v->reached ? bdf(b, sizeof(b), v->segment, v->r.bus, v->r.devfn) : "");
	(*shown)++;
}

static void size_text(char *buf, size_t n, uint64_t bytes)
{
	if (bytes >= GiB && !(bytes % GiB))
		snprintf(buf, n, "%" PRIu64 " GiB", bytes / GiB);
	else if (bytes >= MiB)
		snprintf(buf, n, "%" PRIu64 " MiB", bytes / MiB);
	else
		snprintf(buf, n, "%" PRIu64 " KiB", bytes / 1024);
}

static void text_report(struct plan *p, const struct counts *c)
{
	char b[64], sz[32];
	uint64_t ram = 0;

	for (unsigned i = 0; i < p->sys.nram; i++)
		ram += p->sys.ram[i].size;
	size_text(sz, sizeof(sz), ram);
	printf("ioguard plan: the shield's apply, run on software IOMMUs with this machine's "
	       "tables\n");
	printf("  table      %s, %zu bytes; MADT %s\n",
	       p->sys.table ? (p->sys.amd ? "IVRS" : "DMAR") : "none", p->sys.table_len,
	       p->sys.madt ? "read" : "not readable");
	printf("  PCI        %u functions%s\n", p->sys.ndev,
	       p->sys.pci_listed ? "" : " (sys/bus/pci/devices not readable)");
	printf("  memory     %u RAM ranges, %s, from %s\n", p->sys.nram, sz,
	       p->sys.memmap_source ? p->sys.memmap_source : "nowhere");
	if (p->nunits)
		printf("  registers  %s%s%s\n",
		       !strcmp(p->regs[0].source, "live")    ? "read live through /dev/mem"
		       : !strcmp(p->regs[0].source, "table") ? "the IVHD's EFR image"
							     : default_name(p),
		       p->regs_note ? "; live registers not read: " : "",
		       p->regs_note ? p->regs_note : "");
	for (unsigned i = 0; i < p->nprotect; i++) {
		size_text(sz, sizeof(sz), p->protect[i].size);
		printf("  protect    %#" PRIx64 "-%#" PRIx64 " (%s)%s\n", p->protect[i].base,
		       p->protect[i].base + p->protect[i].size - 1, sz,
		       p->protect_default ? ", by default: the highest 64 MiB of RAM below 4 GiB "
					    "clear of reserved regions"
					  : "");
	}
	for (unsigned i = 0; i < p->ngrants; i++) {
		const struct iog_grant *g = &p->grant[i];
		struct iog_pci_acs_report r;
		int iso = grant_isolated(p, g, &r);

		printf("  grant      %s -> %#" PRIx64 "+%#" PRIx64 "%s; ACS above it: %s\n",
		       bdf(b, sizeof(b), g->segment, g->bus, g->devfn), g->base, g->size,
		       sys_find(&p->sys, g->segment, g->bus, g->devfn) ? "" : " (no such device)",
		       iso < 0 ? "unknown (its bus is not reached)"
		       : iso   ? (r.bridges ? "isolated" : "no port above it")
			       : "NOT isolated (a peer could borrow its requester id)");
	}
	putchar('\n');
	if (p->refused) {
		printf("verdict: cannot run the shield: %s\n", p->refused);
		return;
	}
	if (p->err) {
		printf("verdict: the shield would REFUSE: error %d (%s) at %s offset %" PRIu64
		       ", address %#" PRIx64 ": %s\n",
		       p->err, iog_strerror(p->err), p->sys.amd ? "IVRS" : "DMAR", p->diag.offset,
		       p->diag.address, p->diag.reason ? p->diag.reason : "");
	} else {
		size_text(sz, sizeof(sz), (uint64_t)iog_shield_pages(&p->shield) * 4096);
		printf("verdict: the shield applies%s: %u unit(s) translating, %u device "
		       "domain(s), "
		       "%u page-table format(s); %zu table pages (%s)\n",
		       p->warnings ? " with warnings" : "", p->shield.nunits, p->shield.ndomains,
		       p->shield.nkinds, iog_shield_pages(&p->shield), sz);
		printf("  verifier: %u contexts, %u violations; apply took %.1f ms on the models "
		       "(this CPU; the hardware's handshakes come on top)\n",
		       p->shield.report.contexts, p->shield.report.violations,
		       (double)p->apply_ns / 1e6);
	}
	for (unsigned i = 0; !p->err && i < p->shield.nunits; i++) {
		const struct iog_shield_unit *u = iog_shield_unit(&p->shield, i);
		uint64_t base = u->amd ? u->amdvi.base : u->vtd.base;
		int k = unit_known(p, base);
		unsigned n = 0;

		putchar('\n');
		if (u->amd)
			printf("unit %u: AMD IOMMU %#" PRIx64 ", segment %u, EFR %#" PRIx64
			       " (%s), reaches %#" PRIx64 "\n",
			       i, base, u->amdvi.segment, u->amdvi.efr,
			       k >= 0 ? p->regs[k].source : "default", u->reach);
		else
			printf("unit %u: VT-d %#" PRIx64 ", segment %u, CAP %#" PRIx64
			       " ECAP %#" PRIx64 " (%s), reaches %#" PRIx64 "\n",
			       i, base, u->vtd.segment, u->vtd.cap, u->vtd.ecap,
			       k >= 0 ? p->regs[k].source : "default", u->reach);
		for (unsigned j = 0; j < p->sys.ndev; j++) {
			const struct sys_device *d = &p->sys.dev[j];
			const struct iog_shield_domain *dom;

			if (unit_of_device(p, d->segment, d->bus, d->devfn) != (int)i)
				continue;
			dom = domain_of(p, d->segment, d->bus, d->devfn);
			printf("  %s  %04x:%04x  %-14s  ",
			       bdf(b, sizeof(b), d->segment, d->bus, d->devfn), d->vendor,
			       d->device, class_name(d->class));
			if (!dom)
				printf("default domain\n");
			else
				printf("domain %u of its own (%s)\n", dom->did,
				       dom->granted ? "granted" : "RMRR over protected memory");
			n++;
		}
		if (!n)
			printf("  (no PCI function present behind it)\n");
	}
	if (c->devices_uncovered) {
		printf("\nno unit's scope covers %u function(s): the default domain of whichever "
		       "unit they sit behind\n",
		       c->devices_uncovered);
		for (unsigned j = 0; j < p->sys.ndev; j++) {
			const struct sys_device *d = &p->sys.dev[j];

			if (unit_of_device(p, d->segment, d->bus, d->devfn) < 0)
				printf("  %s  %04x:%04x  %s\n",
				       bdf(b, sizeof(b), d->segment, d->bus, d->devfn), d->vendor,
				       d->device, class_name(d->class));
		}
	}
	{
		int shown = 0;

		printf("\nscopes that name nothing present:\n");
		each_scope(p, text_scope, &shown);
		if (!shown)
			printf("  none\n");
	}
	printf("\nreserved regions (%s):", p->sys.amd ? "IVMDs" : "RMRRs");
	{
		const uint8_t *t = p->sys.table;
		size_t len = p->sys.table_len;
		unsigned n = 0;

		for (long off = p->sys.amd ? iog_ivrs_first(t, len, NULL)
					   : iog_dmar_first(t, len, NULL);
		     off >= 0; off = p->sys.amd ? iog_ivrs_next(t, len, off, NULL)
						: iog_dmar_next(t, len, off, NULL)) {
			struct iog_dmar_struct st;
			struct iog_ivrs_block bl;
			struct iog_range r;
			int conflict = 0;

			if (p->sys.amd ? iog_ivrs_block_get(t, len, off, &bl, NULL) || !bl.is_ivmd
				       : iog_dmar_struct_get(t, len, off, &st, NULL) ||
						 st.type != IOG_DMAR_RMRR)
				continue;
			r = p->sys.amd ? (struct iog_range){bl.start, bl.mem_length}
				       : (struct iog_range){st.base, st.limit + 1 - st.base};
			for (unsigned k = 0; k < p->nprotect; k++)
				conflict |= overlaps(p->protect[k].base,
						     p->protect[k].base + p->protect[k].size, &r);
			printf("\n  %#" PRIx64 "-%#" PRIx64 ": %s", r.base, r.base + r.size - 1,
			       conflict
				       ? (p->allow_rmrr_conflict
						  ? "OVER PROTECTED MEMORY: mapped for its devices "
						    "only (--allow-rmrr-conflict)"
						  : "OVER PROTECTED MEMORY: the shield refuses")
				       : "honoured: identity-mapped in its devices' domains");
			n++;
		}
		printf("%s\n", n ? "" : " none");
	}
	if (!p->err &&
	    (p->shield.unplaced_rmrrs || p->shield.unplaced_grants || p->shield.unreachable))
		printf("\nnot placed: %u RMRR device scope(s), %u grant(s); "
		       "%#" PRIx64 " bytes above some unit's reach\n",
		       p->shield.unplaced_rmrrs, p->shield.unplaced_grants, p->shield.unreachable);
	printf("\nonce the %s is concealed, Linux loses: DMA remapping (%s finds no IOMMU)",
	       p->sys.amd ? "IVRS" : "DMAR", p->sys.amd ? "amd_iommu" : "intel_iommu");
	if (p->sys.amd || (p->x2_ok && p->x2.intr_remap))
		printf(", interrupt remapping");
	printf("\n");
	if (p->x2_ok && !p->sys.amd) {
		char line[IOG_X2APIC_LINE];

		iog_x2apic_format(&p->x2, line, sizeof(line));
		printf("  %s\n", line);
	} else if (p->x2_ok && p->x2.madt_read) {
		/* The IVRS has no x2APIC flags: the MADT's CPUs alone. */
		printf("  x2apic: %u CPU(s), highest APIC ID %#x, %u above 254%s\n", p->x2.cpus,
		       p->x2.max_apic_id, p->x2.cpus_above_254,
		       p->x2.cpus_above_254 ? ": those cannot take device interrupts without "
					      "interrupt remapping"
					    : "");
	}
	printf("\n%u warning(s); exit status %d\n", p->warnings,
	       p->err	     ? EXIT_REFUSED
	       : p->warnings ? EXIT_WARNINGS
			     : 0);
	if (p->sys.save_errors)
		printf("note: %d file(s) could not be written to %s\n", p->sys.save_errors,
		       p->save);
}

int cmd_plan(int argc, char **argv)
{
	struct plan *p = calloc(1, sizeof(*p));
	struct counts c;
	int status;

	if (!p)
		return EXIT_REFUSED;
	p->ir_policy = IOG_VTD_IR_WARN;
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage, stdout);
			free(p);
			return 0;
		}
	if (parse_options(p, argc, argv)) {
		fputs(usage, stderr);
		free(p);
		return EXIT_REFUSED;
	}
	if (sys_load(&p->sys, p->root, p->save))
		p->refused = "out of memory reading the inputs";
	else if (!p->sys.table)
		p->refused = p->sys.table_why;
	else if (p->sys.amd ? iog_ivrs_check(p->sys.table, p->sys.table_len, NULL, &p->diag)
			    : iog_dmar_check(p->sys.table, p->sys.table_len, NULL, &p->diag))
		p->refused = p->sys.amd ? "the IVRS is malformed (ioguard lint says where)"
					: "the DMAR is malformed (ioguard lint says where)";
	else if (!p->sys.nram)
		p->refused = "no memory map (sys/firmware/memmap, proc/iomem as root)";
	if (!p->refused) {
		list_units(p);
		read_registers(p);
		if (!p->nprotect && default_region(p))
			p->refused = "no 64 MiB of RAM below 4 GiB clear of reserved regions: give "
				     "--protect";
	}
	if (!p->refused) {
		run(p);
		assess_x2apic(p);
	}
	p->warnings = p->refused ? 0 : count_warnings(p, &c);
	if (p->refused)
		memset(&c, 0, sizeof(c));
	if (p->json)
		json_report(p, &c);
	else
		text_report(p, &c);
	status = p->refused || p->err ? EXIT_REFUSED : p->warnings ? EXIT_WARNINGS : 0;
	if (p->m.base) {
		if (p->shield.plat)
			iog_shield_release(&p->shield);
		model_machine_destroy(&p->m);
	}
	sys_free(&p->sys);
	free(p);
	return status;
}
