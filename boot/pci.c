/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * PCI configuration space: ECAM for the segments and buses the ACPI MCFG
 * lists, the legacy 0xCF8/0xCFC ports for anything else on segment 0.
 */
#include <ioguard/acpi.h>

#include "boot/kernel.h"
#include "util/bytes.h"

#define MCFG_ENTRIES_OFFSET 44
#define MCFG_ENTRY_LEN 16
#define MAX_ECAM 16
#define ECAM_BUS_SHIFT 20
#define ECAM_DEVFN_SHIFT 12
#define CONFIG_ADDRESS 0xcf8
#define CONFIG_DATA 0xcfc
#define CONFIG_ENABLE 0x80000000u
#define LEGACY_SPACE 256 /* the ports reach only the first 256 bytes */
#define ECAM_SPACE 4096

struct ecam {
	volatile uint8_t *virt; /* configuration space of bus `start` */
	uint16_t segment;
	uint8_t start, end;
};

static struct ecam ecams[MAX_ECAM];
static unsigned necam;

static void add_mcfg_entry(const struct iog_platform *p, const uint8_t *e)
{
	uint64_t base = iog_le64(e);
	uint16_t seg = iog_le16(e + 8);
	uint8_t start = e[10], end = e[11];
	size_t len = ((size_t)end - start + 1) << ECAM_BUS_SHIFT;
	void *v;

	if (end < start || necam == MAX_ECAM) {
		kprintf("pci: MCFG entry for segment %u buses %u-%u ignored\n", seg, start, end);
		return;
	}
	/* The base address is that of bus 0, even when the range starts later. */
	v = p->map(p->ctx, base + ((uint64_t)start << ECAM_BUS_SHIFT), len);
	if (!v) {
		kprintf("pci: ECAM at 0x%llx (segment %u) cannot be mapped\n",
			(unsigned long long)base, seg);
		return;
	}
	ecams[necam++] = (struct ecam){v, seg, start, end};
	kprintf("pci: ECAM segment %u buses %u-%u at 0x%llx\n", seg, start, end,
		(unsigned long long)base);
}

void pci_init(const struct iog_acpi *acpi)
{
	struct iog_acpi_table t;
	const struct iog_platform *p;
	const uint8_t *mcfg;
	int rc;

	necam = 0;
	if (!acpi || !acpi->plat)
		return;
	p = acpi->plat;
	rc = iog_acpi_find(acpi, "MCFG", 0, &t, NULL);
	if (rc != IOG_OK && rc != IOG_ECONFLICT) {
		kprintf("pci: no MCFG, configuration through ports 0xcf8/0xcfc\n");
		return;
	}
	mcfg = p->map(p->ctx, t.phys, t.length);
	if (!mcfg) {
		kprintf("pci: MCFG at 0x%llx cannot be mapped\n", (unsigned long long)t.phys);
		return;
	}
	for (uint32_t off = MCFG_ENTRIES_OFFSET; t.length >= off + MCFG_ENTRY_LEN;
	     off += MCFG_ENTRY_LEN)
		add_mcfg_entry(p, mcfg + off);
	p->unmap(p->ctx, (void *)(uintptr_t)mcfg, t.length);
}

/* Where ECAM puts this register, or NULL when no MCFG entry covers it. */
static volatile uint8_t *ecam_reg(uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t off)
{
	for (unsigned i = 0; i < necam; i++) {
		const struct ecam *e = &ecams[i];

		if (e->segment == seg && bus >= e->start && bus <= e->end)
			return e->virt + ((size_t)(bus - e->start) << ECAM_BUS_SHIFT) +
			       ((size_t)devfn << ECAM_DEVFN_SHIFT) + off;
	}
	return NULL;
}

/* Selects a dword through CONFIG_ADDRESS; 0 when the ports cannot reach it. */
static int legacy_select(uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t off)
{
	if (seg || off >= LEGACY_SPACE)
		return 0;
	outl(CONFIG_ADDRESS,
	     CONFIG_ENABLE | ((uint32_t)bus << 16) | ((uint32_t)devfn << 8) | (off & 0xfcu));
	return 1;
}

uint32_t pci_read32(uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t off)
{
	volatile uint8_t *r;

	off &= (uint16_t)~3u;
	if (off >= ECAM_SPACE)
		return 0xffffffffu;
	r = ecam_reg(seg, bus, devfn, off);
	if (r)
		return *(volatile uint32_t *)r;
	return legacy_select(seg, bus, devfn, off) ? inl(CONFIG_DATA) : 0xffffffffu;
}

void pci_write32(uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t off, uint32_t v)
{
	volatile uint8_t *r;

	off &= (uint16_t)~3u;
	if (off >= ECAM_SPACE)
		return;
	r = ecam_reg(seg, bus, devfn, off);
	if (r)
		*(volatile uint32_t *)r = v;
	else if (legacy_select(seg, bus, devfn, off))
		outl(CONFIG_DATA, v);
}

uint16_t pci_read16(uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t off)
{
	volatile uint8_t *r;

	off &= (uint16_t)~1u;
	if (off >= ECAM_SPACE)
		return 0xffff;
	r = ecam_reg(seg, bus, devfn, off);
	if (r)
		return *(volatile uint16_t *)r;
	return legacy_select(seg, bus, devfn, off) ? inw((uint16_t)(CONFIG_DATA + (off & 2)))
						   : 0xffff;
}

void pci_write16(uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t off, uint16_t v)
{
	volatile uint8_t *r;

	off &= (uint16_t)~1u;
	if (off >= ECAM_SPACE)
		return;
	r = ecam_reg(seg, bus, devfn, off);
	if (r)
		*(volatile uint16_t *)r = v;
	else if (legacy_select(seg, bus, devfn, off))
		outw((uint16_t)(CONFIG_DATA + (off & 2)), v);
}
