/* SPDX-License-Identifier: BSD-2-Clause */
#define _DEFAULT_SOURCE
#include "sysfs.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <ioguard/ioguard.h>

#define SYS_MAX_FILE (16u << 20)
#define TABLES "sys/firmware/acpi/tables/"
#define PCI_DEVICES "sys/bus/pci/devices"
#define MEMMAP "sys/firmware/memmap"

static void join(char *out, size_t n, const char *root, const char *rel)
{
	snprintf(out, n, "%s%s%s", root, *root && root[strlen(root) - 1] != '/' ? "/" : "", rel);
}

/* mkdir -p of the directories above path. */
static int make_parents(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(path, 0755) && errno != EEXIST) {
			*p = '/';
			return -1;
		}
		*p = '/';
	}
	return 0;
}

int sys_save(struct sys *s, const char *rel, const void *data, size_t len)
{
	char path[SYS_PATH_MAX];
	FILE *f;
	int ok;

	if (!s->save)
		return 0;
	join(path, sizeof(path), s->save, rel);
	if (make_parents(path) || !(f = fopen(path, "wb"))) {
		s->save_errors++;
		return -1;
	}
	ok = fwrite(data, 1, len, f) == len;
	ok &= fclose(f) == 0;
	if (!ok)
		s->save_errors++;
	return ok ? 0 : -1;
}

uint8_t *sys_read(struct sys *s, const char *rel, size_t *len)
{
	char path[SYS_PATH_MAX];
	size_t cap = 4096, n = 0;
	uint8_t *buf;
	FILE *f;

	*len = 0;
	join(path, sizeof(path), s->root, rel);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	buf = malloc(cap + 1);
	while (buf) {
		size_t got = fread(buf + n, 1, cap - n, f);

		n += got;
		if (!got)
			break;
		if (n == cap) {
			uint8_t *bigger = cap < SYS_MAX_FILE ? realloc(buf, cap * 2 + 1) : NULL;

			if (!bigger) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = bigger;
			cap *= 2;
		}
	}
	/* A sysfs file that cannot be read (config past 64 bytes without root) ends short. */
	fclose(f);
	if (!buf)
		return NULL;
	buf[n] = 0;
	*len = n;
	sys_save(s, rel, buf, n);
	return buf;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in root/rel, sorted; NULL when the directory cannot be opened. */
static char **list_dir(struct sys *s, const char *rel, unsigned *n, unsigned max)
{
	char path[SYS_PATH_MAX];
	struct dirent *e;
	char **names;
	DIR *d;

	*n = 0;
	join(path, sizeof(path), s->root, rel);
	d = opendir(path);
	if (!d)
		return NULL;
	names = calloc(max, sizeof(*names));
	while (names && (e = readdir(d)) && *n < max) {
		if (e->d_name[0] == '.')
			continue;
		names[*n] = strdup(e->d_name);
		if (names[*n])
			(*n)++;
	}
	closedir(d);
	if (names && *n)
		qsort(names, *n, sizeof(*names), by_name);
	return names;
}

static void free_names(char **names, unsigned n)
{
	for (unsigned i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
}

static uint64_t read_number(struct sys *s, const char *rel, int *ok)
{
	size_t len;
	uint8_t *b = sys_read(s, rel, &len);
	char *end;
	uint64_t v;

	*ok = 0;
	if (!b)
		return 0;
	errno = 0;
	v = strtoull((char *)b, &end, 0);
	*ok = end != (char *)b && !errno;
	free(b);
	return v;
}

static void load_tables(struct sys *s)
{
	static const char *const sigs[] = {"DMAR", "IVRS"};

	s->table_why = "no DMAR or IVRS under " TABLES " (none on this machine, or not root)";
	for (unsigned i = 0; i < 2 && !s->table; i++) {
		char rel[64];

		snprintf(rel, sizeof(rel), TABLES "%s", sigs[i]);
		s->table = sys_read(s, rel, &s->table_len);
		s->amd = i == 1;
	}
	if (s->table)
		s->table_why = NULL;
	s->madt = sys_read(s, TABLES "APIC", &s->madt_len);
}

static int device_order(const void *a, const void *b)
{
	const struct sys_device *x = a, *y = b;
	uint32_t kx = (uint32_t)x->segment << 16 | (uint32_t)x->bus << 8 | x->devfn;
	uint32_t ky = (uint32_t)y->segment << 16 | (uint32_t)y->bus << 8 | y->devfn;

	return kx < ky ? -1 : kx > ky;
}

static int load_pci(struct sys *s)
{
	unsigned n;
	char **names = list_dir(s, PCI_DEVICES, &n, SYS_MAX_DEVICES);

	s->pci_listed = names != NULL;
	if (!names)
		return 0;
	s->dev = calloc(n ? n : 1, sizeof(*s->dev));
	if (!s->dev) {
		free_names(names, n);
		return -1;
	}
	for (unsigned i = 0; i < n; i++) {
		struct sys_device *d = &s->dev[s->ndev];
		unsigned seg, bus, dev, fn;
		char rel[256], tail;
		uint8_t *cfg;
		size_t len;
		int ok;

		if (sscanf(names[i], "%4x:%2x:%2x.%1x%c", &seg, &bus, &dev, &fn, &tail) != 4 ||
		    dev > 31 || fn > 7)
			continue;
		d->segment = (uint16_t)seg;
		d->bus = (uint8_t)bus;
		d->devfn = (uint8_t)(dev << 3 | fn);
		snprintf(rel, sizeof(rel), PCI_DEVICES "/%s/vendor", names[i]);
		d->vendor = (uint16_t)read_number(s, rel, &ok);
		snprintf(rel, sizeof(rel), PCI_DEVICES "/%s/device", names[i]);
		d->device = (uint16_t)read_number(s, rel, &ok);
		snprintf(rel, sizeof(rel), PCI_DEVICES "/%s/class", names[i]);
		d->class = (uint32_t)read_number(s, rel, &ok);
		snprintf(rel, sizeof(rel), PCI_DEVICES "/%s/config", names[i]);
		cfg = sys_read(s, rel, &len);
		if (cfg) {
			d->config_len = len < sizeof(d->config) ? len : sizeof(d->config);
			memcpy(d->config, cfg, d->config_len);
			free(cfg);
		}
		s->ndev++;
	}
	free_names(names, n);
	qsort(s->dev, s->ndev, sizeof(*s->dev), device_order);
	return 0;
}

static void add_ram(struct sys *s, uint64_t start, uint64_t end)
{
	if (end > start && s->nram < SYS_MAX_RAM)
		s->ram[s->nram++] = (struct iog_range){start, end - start};
}

static int ram_order(const void *a, const void *b)
{
	const struct iog_range *x = a, *y = b;

	return x->base < y->base ? -1 : x->base > y->base;
}

/* /sys/firmware/memmap: the firmware's map as Linux received it, readable by anyone. */
static void load_memmap(struct sys *s)
{
	unsigned n;
	char **names = list_dir(s, MEMMAP, &n, SYS_MAX_RAM * 4);

	for (unsigned i = 0; names && i < n; i++) {
		char rel[128];
		size_t len;
		uint8_t *type;
		uint64_t start, end;
		int ok1, ok2;

		snprintf(rel, sizeof(rel), MEMMAP "/%s/start", names[i]);
		start = read_number(s, rel, &ok1);
		snprintf(rel, sizeof(rel), MEMMAP "/%s/end", names[i]);
		end = read_number(s, rel, &ok2);
		snprintf(rel, sizeof(rel), MEMMAP "/%s/type", names[i]);
		type = sys_read(s, rel, &len);
		if (ok1 && ok2 && type && !strncmp((char *)type, "System RAM", 10) &&
		    end != UINT64_MAX)
			add_ram(s, start, end + 1);
		free(type);
	}
	free_names(names, n);
	if (s->nram) {
		s->memmap_source = MEMMAP;
		return;
	}
	/* proc/iomem: top-level "start-end : System RAM" lines (zeros without root). */
	{
		size_t len;
		char *io = (char *)sys_read(s, "proc/iomem", &len);

		for (char *line = io; line && *line;) {
			char *next = strchr(line, '\n');
			unsigned long long a, b;
			int at = 0;

			if (next)
				*next++ = 0;
			if (line[0] != ' ' && sscanf(line, "%llx-%llx : %n", &a, &b, &at) == 2 &&
			    at && !strcmp(line + at, "System RAM") && b > a)
				add_ram(s, a, (uint64_t)b + 1);
			line = next;
		}
		free(io);
		if (s->nram)
			s->memmap_source = "proc/iomem";
	}
}

int sys_load(struct sys *s, const char *root, const char *save)
{
	size_t len;
	int err;

	memset(s, 0, sizeof(*s));
	s->root = root ? root : "";
	s->save = save;
	load_tables(s);
	err = load_pci(s);
	load_memmap(s);
	qsort(s->ram, s->nram, sizeof(s->ram[0]), ram_order);
	/* Only a saved copy has it: the live machine's registers are read by the caller. */
	if (*s->root)
		s->registers = (char *)sys_read(s, "ioguard-registers", &len);
	return err;
}

void sys_free(struct sys *s)
{
	free(s->table);
	free(s->madt);
	free(s->dev);
	free(s->registers);
	memset(s, 0, sizeof(*s));
}

const struct sys_device *sys_find(const struct sys *s, uint16_t segment, uint8_t bus, uint8_t devfn)
{
	for (unsigned i = 0; i < s->ndev; i++)
		if (s->dev[i].segment == segment && s->dev[i].bus == bus &&
		    s->dev[i].devfn == devfn)
			return &s->dev[i];
	return NULL;
}

static uint8_t cfg_byte(const struct sys_device *d, uint16_t off)
{
	return d && off < d->config_len ? d->config[off] : 0xff;
}

int sys_bridge(void *ctx, uint16_t segment, uint8_t bus, uint8_t devfn, uint8_t *secondary,
	       uint8_t *subordinate)
{
	const struct sys_device *d = sys_find(ctx, segment, bus, devfn);

	if (!d || d->config_len < 0x1b ||
	    (cfg_byte(d, IOG_PCI_HEADER_TYPE) & IOG_PCI_HEADER_LAYOUT) != IOG_PCI_HEADER_BRIDGE)
		return IOG_ENOTFOUND;
	*secondary = cfg_byte(d, IOG_PCI_SECONDARY_BUS);
	*subordinate = cfg_byte(d, IOG_PCI_SUBORDINATE_BUS);
	return IOG_OK;
}

static uint8_t cfg_read8(void *ctx, uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t off)
{
	return cfg_byte(sys_find(ctx, seg, bus, devfn), off);
}

static uint16_t cfg_read16(void *ctx, uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t off)
{
	return (uint16_t)(cfg_read8(ctx, seg, bus, devfn, off) |
			  cfg_read8(ctx, seg, bus, devfn, (uint16_t)(off + 1)) << 8);
}

static uint32_t cfg_read32(void *ctx, uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t off)
{
	return (uint32_t)cfg_read16(ctx, seg, bus, devfn, off) |
	       (uint32_t)cfg_read16(ctx, seg, bus, devfn, (uint16_t)(off + 2)) << 16;
}

/* A plan only looks: writes are dropped. */
static void cfg_write16(void *ctx, uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t off,
			uint16_t v)
{
	(void)ctx, (void)seg, (void)bus, (void)devfn, (void)off, (void)v;
}

void sys_pci_config(struct sys *s, struct iog_pci_config *c)
{
	*c = (struct iog_pci_config){s, cfg_read8, cfg_read16, cfg_read32, cfg_write16};
}
