/* SPDX-License-Identifier: BSD-2-Clause */
/* Capability lists and ACS on the path above a device, in a simulated configuration space. */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ioguard/pci.h>

#include "testlib.h"

#define SIM_FUNCTIONS 128

/* One function's configuration space, with the ACS Control register behaving like hardware. */
struct sim_fn {
	uint16_t seg;
	uint8_t bus, devfn;
	uint8_t cs[IOG_PCI_CONFIG_SIZE];
	int no_ext;	  /* reached without ECAM: 0x100 and above read all-ones */
	uint16_t acs;	  /* where its ACS capability is, for writes */
	int acs_stuck;	  /* ACS Control ignores writes */
	uint8_t cap_tail; /* last standard capability, for linking the next one */
};

struct sim {
	struct sim_fn fn[SIM_FUNCTIONS];
	int n;
	unsigned reads, writes;
};

static struct sim_fn *sim_find(struct sim *s, uint16_t seg, uint8_t bus, uint8_t devfn)
{
	for (int i = 0; i < s->n; i++)
		if (s->fn[i].seg == seg && s->fn[i].bus == bus && s->fn[i].devfn == devfn)
			return &s->fn[i];
	return NULL;
}

static uint32_t sim_read(void *ctx, uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t off,
			 unsigned size)
{
	struct sim *s = ctx;
	struct sim_fn *f = sim_find(s, seg, bus, devfn);
	uint32_t v = 0;

	s->reads++;
	if (off % size || off + size > IOG_PCI_CONFIG_SIZE)
		fail_msg("read%u at 0x%x: unaligned or past 4 KiB", size * 8, off);
	if (!f || (f->no_ext && off >= 0x100))
		return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
	for (unsigned i = 0; i < size; i++)
		v |= (uint32_t)f->cs[off + i] << (8 * i);
	return v;
}

static uint8_t sim_read8(void *ctx, uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t off)
{
	return (uint8_t)sim_read(ctx, seg, bus, devfn, off, 1);
}

static uint16_t sim_read16(void *ctx, uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t off)
{
	return (uint16_t)sim_read(ctx, seg, bus, devfn, off, 2);
}

static uint32_t sim_read32(void *ctx, uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t off)
{
	return sim_read(ctx, seg, bus, devfn, off, 4);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

/* Only ACS Control is written; implemented bits stick, others read 0 (as hardware). */
static void sim_write16(void *ctx, uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t off,
			uint16_t v)
{
	struct sim *s = ctx;
	struct sim_fn *f = sim_find(s, seg, bus, devfn);

	s->writes++;
	if (!f || !f->acs || off != f->acs + IOG_PCI_ACS_CONTROL)
		fail_msg("write16 0x%04x to %02x:%02x.%x offset 0x%x: not an ACS Control register",
			 v, bus, devfn >> 3, devfn & 7, off);
	if (f->acs_stuck)
		return;
	put16(f->cs + off, v & (f->cs[f->acs + IOG_PCI_ACS_CAPABILITY] & 0x7f));
}

static struct iog_pci_config sim_config(struct sim *s)
{
	return (struct iog_pci_config){s, sim_read8, sim_read16, sim_read32, sim_write16};
}

/* A function; `header` is the Header Type byte (layout and multi-function bit). */
static struct sim_fn *fn_add(struct sim *s, uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn,
			     uint8_t header)
{
	struct sim_fn *f;

	assert_true(s->n < SIM_FUNCTIONS);
	f = &s->fn[s->n++];
	memset(f, 0, sizeof(*f));
	f->seg = seg;
	f->bus = bus;
	f->devfn = IOG_PCI_DEVFN(dev, fn);
	put16(f->cs + IOG_PCI_VENDOR_ID, 0x8086);
	put16(f->cs + 2, 0x1234);
	f->cs[IOG_PCI_HEADER_TYPE] = header;
	return f;
}

static void bridge_buses(struct sim_fn *f, uint8_t sec, uint8_t sub)
{
	f->cs[0x18] = f->bus;
	f->cs[IOG_PCI_SECONDARY_BUS] = sec;
	f->cs[IOG_PCI_SUBORDINATE_BUS] = sub;
}

/* Appends a standard capability at `at` to the function's list. */
static void cap_add(struct sim_fn *f, uint8_t at, uint8_t id)
{
	f->cs[IOG_PCI_STATUS] |= IOG_PCI_STATUS_CAP_LIST;
	f->cs[f->cap_tail ? f->cap_tail + 1u : IOG_PCI_CAPABILITIES_POINTER] = at;
	f->cs[at] = id;
	f->cs[at + 1] = 0;
	f->cap_tail = at;
}

/* A PCI Express Capability at 0x40 saying which port this is. */
static void exp_add(struct sim_fn *f, uint8_t port_type)
{
	cap_add(f, 0x40, IOG_PCI_CAP_ID_EXP);
	put16(f->cs + 0x40 + IOG_PCI_EXP_CAPABILITIES, (uint16_t)(port_type << 4 | 2));
}

/* An extended capability header; `next` is written as given, reserved bits and all. */
static void ext_add(struct sim_fn *f, uint16_t at, uint16_t id, uint16_t next)
{
	put32(f->cs + at, (uint32_t)id | 1u << 16 | (uint32_t)next << 20);
}

static void acs_add(struct sim_fn *f, uint16_t at, uint16_t next, uint8_t cap, uint16_t control)
{
	ext_add(f, at, IOG_PCI_EXT_CAP_ID_ACS, next);
	put16(f->cs + at + IOG_PCI_ACS_CAPABILITY, cap);
	put16(f->cs + at + IOG_PCI_ACS_CONTROL, control);
	f->acs = at;
}

/* A PCIe port (header type 1) with its bus range. */
static struct sim_fn *port_add(struct sim *s, uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn,
			       uint8_t type, uint8_t sec, uint8_t sub)
{
	struct sim_fn *f = fn_add(s, seg, bus, dev, fn, IOG_PCI_HEADER_BRIDGE);

	bridge_buses(f, sec, sub);
	exp_add(f, type);
	return f;
}

static struct sim_fn *endpoint_add(struct sim *s, uint16_t seg, uint8_t bus, uint8_t dev)
{
	struct sim_fn *f = fn_add(s, seg, bus, dev, 0, 0);

	exp_add(f, IOG_PCIE_TYPE_ENDPOINT);
	return f;
}

#define ALL_ACS 0x1f	/* SV, TB, RR, CR, UF */
#define GRANT_BITS 0x1d /* SV, RR, CR, UF */
#define CHAIN_BASE 0x20

/*
 * The machine:
 *   00:00.0 host bridge
 *   00:01.0 root port, ACS  -> 01:00.0 switch upstream port (no ACS)
 *        -> 02:00.0 downstream port, ACS after AER -> 03:00.0 device
 *        -> 02:01.0 downstream port, ACS -> 04:00.0 device
 *        -> 02:02.0 a bridge whose secondary bus points back up (not followed)
 *   00:02.0 root port without ACS -> 05:00.0
 *   00:03.0 bridge left unconfigured (secondary 0: not followed)
 *   00:04.0 root port, extended capabilities in a loop, no ACS -> 06:00.0
 *   00:05.0 root port, ACS behind a next pointer with its reserved bits set -> 07:00.0
 *   00:06.0 root port, a next pointer below 0x100 -> 08:00.0
 *   00:07.0 root port whose ACS Control ignores writes -> 09:00.0
 *   00:08.0, 00:09.0 two root ports both claiming bus 10 -> 0a:00.0
 *   00:0a.0 root port, ACS -> 0e:00.0 PCIe-to-PCI bridge -> 0f:00.0
 *   00:0b.0 root port, standard capability list in a loop past its PCI Express
 *           Capability, ACS -> 10:00.0
 *   00:0c.0 root port, ACS -> 11:00.0 multi-function switch upstream port (no ACS)
 *        -> 12:00.0 downstream port, ACS -> 13:00.0
 *   00:10.0 root port -> a chain of 40 bridges from bus 0x20 down (depth limits)
 *   00:1c.0, 00:1c.4 functions of one multi-function root complex device; .4 -> 0d:00.0
 *   00:1e.0 conventional PCI-PCI bridge (no capabilities, no ECAM) -> 0b:00.0
 *   00:1f.0 single-function device that also answers as a bridge at 1f.3 (-> bus 20)
 *   0001:00:01.0 root port, ACS -> 0001:01:00.0 (another segment)
 *   80:01.0 root port, ACS -> 81:00.0 (a second root bus)
 */
static struct sim *machine(void)
{
	struct sim *s = calloc(1, sizeof(*s));
	struct sim_fn *f;

	assert_non_null(s);
	fn_add(s, 0, 0, 0, 0, 0);

	f = port_add(s, 0, 0, 1, 0, IOG_PCIE_TYPE_ROOT_PORT, 1, 4);
	acs_add(f, 0x100, 0, ALL_ACS, 0);
	port_add(s, 0, 1, 0, 0, IOG_PCIE_TYPE_UPSTREAM, 2, 4);
	f = port_add(s, 0, 2, 0, 0, IOG_PCIE_TYPE_DOWNSTREAM, 3, 3);
	ext_add(f, 0x100, 0x0001, 0x148); /* AER */
	acs_add(f, 0x148, 0, 0x7f, 0);
	f = port_add(s, 0, 2, 1, 0, IOG_PCIE_TYPE_DOWNSTREAM, 4, 4);
	acs_add(f, 0x100, 0, ALL_ACS, 0);
	port_add(s, 0, 2, 2, 0, IOG_PCIE_TYPE_DOWNSTREAM, 1, 4);
	endpoint_add(s, 0, 3, 0);
	endpoint_add(s, 0, 4, 0);

	port_add(s, 0, 0, 2, 0, IOG_PCIE_TYPE_ROOT_PORT, 5, 5);
	endpoint_add(s, 0, 5, 0);
	port_add(s, 0, 0, 3, 0, IOG_PCIE_TYPE_ROOT_PORT, 0, 0);

	f = port_add(s, 0, 0, 4, 0, IOG_PCIE_TYPE_ROOT_PORT, 6, 6);
	ext_add(f, 0x100, 0x0001, 0x140);
	ext_add(f, 0x140, 0x0019, 0x100);
	endpoint_add(s, 0, 6, 0);
	f = port_add(s, 0, 0, 5, 0, IOG_PCIE_TYPE_ROOT_PORT, 7, 7);
	ext_add(f, 0x100, 0x0001, 0x143);
	acs_add(f, 0x140, 0, IOG_PCI_ACS_SV | IOG_PCI_ACS_RR | IOG_PCI_ACS_CR, 0);
	endpoint_add(s, 0, 7, 0);
	f = port_add(s, 0, 0, 6, 0, IOG_PCIE_TYPE_ROOT_PORT, 8, 8);
	ext_add(f, 0x100, 0x0001, 0x0c0);
	endpoint_add(s, 0, 8, 0);
	f = port_add(s, 0, 0, 7, 0, IOG_PCIE_TYPE_ROOT_PORT, 9, 9);
	acs_add(f, 0x100, 0, ALL_ACS, 0);
	f->acs_stuck = 1;
	endpoint_add(s, 0, 9, 0);

	acs_add(port_add(s, 0, 0, 8, 0, IOG_PCIE_TYPE_ROOT_PORT, 10, 10), 0x100, 0, ALL_ACS, 0);
	acs_add(port_add(s, 0, 0, 9, 0, IOG_PCIE_TYPE_ROOT_PORT, 10, 10), 0x100, 0, ALL_ACS, 0);
	endpoint_add(s, 0, 10, 0);

	acs_add(port_add(s, 0, 0, 0x0a, 0, IOG_PCIE_TYPE_ROOT_PORT, 14, 15), 0x100, 0, ALL_ACS, 0);
	port_add(s, 0, 14, 0, 0, IOG_PCIE_TYPE_PCIE_TO_PCI, 15, 15);
	fn_add(s, 0, 15, 0, 0, 0);

	f = port_add(s, 0, 0, 0x0b, 0, IOG_PCIE_TYPE_ROOT_PORT, 16, 16);
	f->cs[IOG_PCI_CAPABILITIES_POINTER] = 0x50; /* MSI -> MSI-X -> MSI: the 0x40 one is lost */
	f->cs[0x50] = 0x05;
	f->cs[0x51] = 0x60;
	f->cs[0x60] = 0x11;
	f->cs[0x61] = 0x50;
	acs_add(f, 0x100, 0, ALL_ACS, 0);
	endpoint_add(s, 0, 16, 0);

	acs_add(port_add(s, 0, 0, 0x0c, 0, IOG_PCIE_TYPE_ROOT_PORT, 0x11, 0x13), 0x100, 0, ALL_ACS,
		0);
	f = port_add(s, 0, 0x11, 0, 0, IOG_PCIE_TYPE_UPSTREAM, 0x12, 0x13);
	f->cs[IOG_PCI_HEADER_TYPE] |= IOG_PCI_HEADER_MULTI_FUNCTION;
	fn_add(s, 0, 0x11, 0, 1, 0);
	acs_add(port_add(s, 0, 0x12, 0, 0, IOG_PCIE_TYPE_DOWNSTREAM, 0x13, 0x13), 0x100, 0, ALL_ACS,
		0);
	endpoint_add(s, 0, 0x13, 0);

	acs_add(port_add(s, 0, 0, 0x10, 0, IOG_PCIE_TYPE_ROOT_PORT, CHAIN_BASE, 0x7f), 0x100, 0,
		ALL_ACS, 0);
	for (uint8_t k = 0; k < 40; k++)
		acs_add(port_add(s, 0, CHAIN_BASE + k, 0, 0, IOG_PCIE_TYPE_DOWNSTREAM,
				 CHAIN_BASE + k + 1, 0x7f),
			0x100, 0, ALL_ACS, 0);
	/* The chain's own bridge at CHAIN_BASE + 31 stands for a device 32 bridges down. */
	endpoint_add(s, 0, CHAIN_BASE + 40, 0);

	f = port_add(s, 0, 0, 0x1c, 0, IOG_PCIE_TYPE_ROOT_PORT, 12, 12);
	f->cs[IOG_PCI_HEADER_TYPE] |= IOG_PCI_HEADER_MULTI_FUNCTION;
	acs_add(f, 0x100, 0, ALL_ACS, 0);
	acs_add(port_add(s, 0, 0, 0x1c, 4, IOG_PCIE_TYPE_ROOT_PORT, 13, 13), 0x100, 0, ALL_ACS, 0);
	endpoint_add(s, 0, 13, 0);

	f = fn_add(s, 0, 0, 0x1e, 0, IOG_PCI_HEADER_BRIDGE);
	bridge_buses(f, 11, 11);
	f->no_ext = 1;
	fn_add(s, 0, 11, 0, 0, 0)->no_ext = 1;

	fn_add(s, 0, 0, 0x1f, 0, 0);
	bridge_buses(fn_add(s, 0, 0, 0x1f, 3, IOG_PCI_HEADER_BRIDGE), 20, 20);
	fn_add(s, 0, 20, 0, 0, 0);

	acs_add(port_add(s, 1, 0, 1, 0, IOG_PCIE_TYPE_ROOT_PORT, 1, 1), 0x100, 0, ALL_ACS, 0);
	endpoint_add(s, 1, 1, 0);
	acs_add(port_add(s, 0, 0x80, 1, 0, IOG_PCIE_TYPE_ROOT_PORT, 0x81, 0x81), 0x100, 0, ALL_ACS,
		0);
	endpoint_add(s, 0, 0x81, 0);
	return s;
}

static int acs(struct sim *s, uint16_t seg, uint8_t root, uint8_t bus, uint8_t dev, uint16_t want,
	       struct iog_pci_acs_report *r, struct iog_diag *d)
{
	struct iog_pci_config c = sim_config(s);

	memset(d, 0, sizeof(*d));
	return iog_pci_acs_enable(&c, seg, root, bus, IOG_PCI_DEVFN(dev, 0), want, r, d);
}

static void expect_bridge(const struct iog_pci_bridge *b, uint8_t bus, uint8_t dev, uint8_t fn,
			  uint8_t type)
{
	assert_int_equal(b->bus, bus);
	assert_int_equal(b->devfn, IOG_PCI_DEVFN(dev, fn));
	assert_int_equal(b->port_type, type);
}

/* Root port -> switch upstream port -> downstream port -> device: the grant's usual path. */
static void test_switch_path(void **state)
{
	struct sim *s = machine();
	struct iog_pci_acs_report *r = malloc(sizeof(*r));
	struct iog_diag d;

	(void)state;
	assert_int_equal(acs(s, 0, 0, 3, 0, IOG_PCI_ACS_GRANT, r, &d), 0);
	assert_int_equal(r->bridges, 3);
	expect_bridge(&r->bridge[0], 0, 1, 0, IOG_PCIE_TYPE_ROOT_PORT);
	expect_bridge(&r->bridge[1], 1, 0, 0, IOG_PCIE_TYPE_UPSTREAM);
	expect_bridge(&r->bridge[2], 2, 0, 0, IOG_PCIE_TYPE_DOWNSTREAM);
	assert_int_equal(r->bridge[0].secondary, 1);
	assert_int_equal(r->bridge[0].subordinate, 4);
	/* The upstream port of a single-function switch needs no ACS (PCIe 6.12.1.2). */
	assert_int_equal(r->needs_acs, 2);
	assert_int_equal(r->bridge[1].flags, 0);
	assert_int_equal(r->with_acs, 2);
	assert_int_equal(r->without_acs, 0);
	assert_int_equal(r->conventional, 0);
	/* 00:03.0 (secondary 0) and 02:02.0 (secondary 1, above it) were not followed. */
	assert_int_equal(r->skipped, 2);
	assert_int_equal(r->enabled, GRANT_BITS);
	assert_int_equal(r->missing, 0);
	assert_true(r->isolated);
	assert_int_equal(r->bridge[0].acs, 0x100);
	assert_int_equal(r->bridge[0].acs_capability, ALL_ACS);
	assert_int_equal(r->bridge[0].acs_before, 0);
	assert_int_equal(r->bridge[0].acs_control, GRANT_BITS);
	/* Found behind AER; TB, EC and DT are offered but not asked for. */
	assert_int_equal(r->bridge[2].acs, 0x148);
	assert_int_equal(r->bridge[2].acs_control, GRANT_BITS);
	assert_int_equal(sim_find(s, 0, 2, 0)->cs[0x148 + IOG_PCI_ACS_CONTROL], GRANT_BITS);
	assert_int_equal(s->writes, 2);

	/* Again: nothing left to turn on, nothing written. */
	assert_int_equal(acs(s, 0, 0, 3, 0, IOG_PCI_ACS_GRANT, r, &d), 0);
	assert_int_equal(r->enabled, 0);
	assert_int_equal(r->bridge[0].acs_before, GRANT_BITS);
	assert_true(r->isolated);
	assert_int_equal(s->writes, 2);

	/* The sibling port below the same switch. */
	assert_int_equal(acs(s, 0, 0, 4, 0, IOG_PCI_ACS_GRANT, r, &d), 0);
	assert_int_equal(r->bridges, 3);
	expect_bridge(&r->bridge[2], 2, 1, 0, IOG_PCIE_TYPE_DOWNSTREAM);
	assert_int_equal(r->enabled, GRANT_BITS);
	assert_true(r->isolated);
	assert_int_equal(s->writes, 3);
	free(r);
	free(s);
}

/* want == 0 only looks: nothing written, and the report says what is off. */
static void test_look_only(void **state)
{
	struct sim *s = machine();
	struct iog_pci_acs_report *r = malloc(sizeof(*r));
	struct iog_diag d;

	(void)state;
	assert_int_equal(acs(s, 0, 0, 3, 0, 0, r, &d), 0);
	assert_int_equal(s->writes, 0);
	assert_int_equal(r->enabled, 0);
	assert_int_equal(r->missing, IOG_PCI_ACS_SV | IOG_PCI_ACS_RR | IOG_PCI_ACS_CR);
	assert_false(r->isolated);
	/* Source Validation alone does not isolate: peer-to-peer still goes sideways. */
	assert_int_equal(acs(s, 0, 0, 3, 0, IOG_PCI_ACS_SV, r, &d), 0);
	assert_int_equal(r->enabled, IOG_PCI_ACS_SV);
	assert_int_equal(r->missing, IOG_PCI_ACS_RR | IOG_PCI_ACS_CR);
	assert_false(r->isolated);
	/* Upstream Forwarding is asked for but not required. */
	assert_int_equal(acs(s, 0, 0, 3, 0, IOG_PCI_ACS_RR | IOG_PCI_ACS_CR, r, &d), 0);
	assert_int_equal(r->missing, 0);
	assert_true(r->isolated);
	assert_int_equal(r->bridge[0].acs_control,
			 IOG_PCI_ACS_SV | IOG_PCI_ACS_RR | IOG_PCI_ACS_CR);
	free(r);
	free(s);
}

static void test_ports_without_isolation(void **state)
{
	struct sim *s = machine();
	struct iog_pci_acs_report *r = malloc(sizeof(*r));
	struct iog_diag d;

	(void)state;
	/* A root port without ACS. */
	assert_int_equal(acs(s, 0, 0, 5, 0, IOG_PCI_ACS_GRANT, r, &d), 0);
	assert_int_equal(r->bridges, 1);
	assert_int_equal(r->needs_acs, 1);
	assert_int_equal(r->with_acs, 0);
	assert_int_equal(r->without_acs, 1);
	assert_false(r->isolated);
	assert_int_equal(s->writes, 0);

	/* A root port whose ACS Control keeps nothing written to it. */
	assert_int_equal(acs(s, 0, 0, 9, 0, IOG_PCI_ACS_GRANT, r, &d), 0);
	assert_int_equal(r->with_acs, 1);
	assert_int_equal(r->enabled, 0);
	assert_int_equal(r->missing, IOG_PCI_ACS_SV | IOG_PCI_ACS_RR | IOG_PCI_ACS_CR);
	assert_int_equal(r->bridge[0].acs_missing, r->missing);
	assert_false(r->isolated);

	/* A PCIe-to-PCI bridge below a good root port: ids alias below it. */
	assert_int_equal(acs(s, 0, 0, 15, 0, IOG_PCI_ACS_GRANT, r, &d), 0);
	assert_int_equal(r->bridges, 2);
	expect_bridge(&r->bridge[1], 14, 0, 0, IOG_PCIE_TYPE_PCIE_TO_PCI);
	assert_int_equal(r->conventional, 1);
	assert_int_equal(r->needs_acs, 1);
	assert_int_equal(r->without_acs, 0);
	assert_int_equal(r->enabled, GRANT_BITS);
	assert_false(r->isolated);

	/* A conventional PCI-PCI bridge, reached without ECAM: nothing past 0x100 is read. */
	assert_int_equal(acs(s, 0, 0, 11, 0, IOG_PCI_ACS_GRANT, r, &d), 0);
	assert_int_equal(r->bridges, 1);
	expect_bridge(&r->bridge[0], 0, 0x1e, 0, IOG_PCIE_TYPE_NONE);
	assert_int_equal(r->bridge[0].flags, IOG_PCI_BRIDGE_CONVENTIONAL);
	assert_int_equal(r->conventional, 1);
	assert_int_equal(r->needs_acs, 0);
	assert_false(r->isolated);

	/* A multi-function switch upstream port needs ACS between its functions. */
	assert_int_equal(acs(s, 0, 0, 0x13, 0, IOG_PCI_ACS_GRANT, r, &d), 0);
	assert_int_equal(r->bridges, 3);
	assert_int_equal(r->bridge[1].flags,
			 IOG_PCI_BRIDGE_NEEDS_ACS | IOG_PCI_BRIDGE_MULTI_FUNCTION);
	assert_int_equal(r->needs_acs, 3);
	assert_int_equal(r->without_acs, 1);
	assert_false(r->isolated);

	/* A device on the root bus has no bridge above it to isolate it. */
	assert_int_equal(acs(s, 0, 0, 0, 0, IOG_PCI_ACS_GRANT, r, &d), 0);
	assert_int_equal(r->bridges, 0);
	assert_false(r->isolated);
	free(r);
	free(s);
}

static void test_broken_capability_lists(void **state)
{
	struct sim *s = machine();
	struct iog_pci_config c = sim_config(s);
	struct iog_pci_acs_report *r = malloc(sizeof(*r));
	struct iog_diag d;
	unsigned before;

	(void)state;
	/* An extended list in a loop: bounded, reported, and the port counts as without ACS. */
	before = s->reads;
	assert_int_equal(iog_pci_find_ext_capability(&c, 0, 0, IOG_PCI_DEVFN(4, 0),
						     IOG_PCI_EXT_CAP_ID_ACS, &d),
			 IOG_EBADVAL);
	assert_true(s->reads - before <= (4096 - 256) / 4);
	assert_true(d.offset == 0x100 || d.offset == 0x140);
	assert_int_equal(acs(s, 0, 0, 6, 0, IOG_PCI_ACS_GRANT, r, &d), 0);
	assert_true(r->bridge[0].flags & IOG_PCI_BRIDGE_CAP_LIST_BAD);
	assert_int_equal(r->without_acs, 1);
	assert_false(r->isolated);

	/* The reserved low bits of a next pointer are masked: 0x143 leads to 0x140. */
	assert_int_equal(iog_pci_find_ext_capability(&c, 0, 0, IOG_PCI_DEVFN(5, 0),
						     IOG_PCI_EXT_CAP_ID_ACS, &d),
			 0x140);
	assert_int_equal(acs(s, 0, 0, 7, 0, IOG_PCI_ACS_GRANT, r, &d), 0);
	assert_int_equal(r->bridge[0].acs, 0x140);
	/* No UF offered: SV, RR and CR are what it has, and all it needs. */
	assert_int_equal(r->enabled, IOG_PCI_ACS_SV | IOG_PCI_ACS_RR | IOG_PCI_ACS_CR);
	assert_true(r->isolated);

	/* A next pointer below 0x100. */
	assert_int_equal(iog_pci_find_ext_capability(&c, 0, 0, IOG_PCI_DEVFN(6, 0),
						     IOG_PCI_EXT_CAP_ID_ACS, &d),
			 IOG_EBADVAL);
	assert_int_equal(d.offset, 0x100);
	assert_int_equal(acs(s, 0, 0, 8, 0, IOG_PCI_ACS_GRANT, r, &d), 0);
	assert_true(r->bridge[0].flags & IOG_PCI_BRIDGE_CAP_LIST_BAD);
	assert_false(r->isolated);

	/* A standard list in a loop: ACS is set, but the port's type is unknown: not isolated. */
	before = s->reads;
	assert_int_equal(
		iog_pci_find_capability(&c, 0, 0, IOG_PCI_DEVFN(0x0b, 0), IOG_PCI_CAP_ID_EXP, &d),
		IOG_EBADVAL);
	assert_true(s->reads - before <= 2 * (256 - 64) / 4 + 3);
	assert_int_equal(acs(s, 0, 0, 16, 0, IOG_PCI_ACS_GRANT, r, &d), 0);
	assert_int_equal(r->bridge[0].flags,
			 IOG_PCI_BRIDGE_CAP_LIST_BAD | IOG_PCI_BRIDGE_NEEDS_ACS);
	assert_int_equal(r->bridge[0].port_type, IOG_PCIE_TYPE_NONE);
	assert_int_equal(r->conventional, 0);
	assert_int_equal(r->enabled, GRANT_BITS);
	assert_int_equal(r->missing, 0);
	assert_false(r->isolated);
	free(r);
	free(s);
}

static void test_extended_capability_edges(void **state)
{
	struct sim *s = calloc(1, sizeof(*s));
	struct iog_pci_config c = sim_config(s);
	struct sim_fn *f;
	struct iog_diag d;

	(void)state;
	f = endpoint_add(s, 0, 0, 1);
	/* Nothing at 0x100: no extended capabilities at all. */
	assert_int_equal(iog_pci_find_ext_capability(&c, 0, 0, IOG_PCI_DEVFN(1, 0), 1, &d),
			 IOG_ENOTFOUND);
	/* A list that ends without the capability. */
	ext_add(f, 0x100, 0x0001, 0x200);
	ext_add(f, 0x200, 0x0019, 0);
	assert_int_equal(iog_pci_find_ext_capability(&c, 0, 0, IOG_PCI_DEVFN(1, 0), 0x0d, &d),
			 IOG_ENOTFOUND);
	assert_int_equal(iog_pci_find_ext_capability(&c, 0, 0, IOG_PCI_DEVFN(1, 0), 0x19, &d),
			 0x200);
	/* The last dword of the space, pointing at itself. */
	ext_add(f, 0x200, 0x0019, 0xffc);
	ext_add(f, 0xffc, 0x0002, 0xffc);
	assert_int_equal(iog_pci_find_ext_capability(&c, 0, 0, IOG_PCI_DEVFN(1, 0), 0x0d, &d),
			 IOG_EBADVAL);
	assert_int_equal(d.offset, 0xffc);
	/* All-ones in mid-list: the function went away. */
	put32(f->cs + 0xffc, 0xffffffffu);
	assert_int_equal(iog_pci_find_ext_capability(&c, 0, 0, IOG_PCI_DEVFN(1, 0), 0x0d, &d),
			 IOG_EBADVAL);
	/* An absent function. */
	assert_int_equal(iog_pci_find_ext_capability(&c, 0, 0, IOG_PCI_DEVFN(2, 0), 0x0d, &d),
			 IOG_ENOTFOUND);
	assert_int_equal(iog_pci_find_capability(&c, 0, 0, IOG_PCI_DEVFN(2, 0), 0x10, &d),
			 IOG_ENOTFOUND);
	/* A capability pointer into the header. */
	f->cs[0x41] = 0x20;
	assert_int_equal(iog_pci_find_capability(&c, 0, 0, IOG_PCI_DEVFN(1, 0), 0x05, &d),
			 IOG_EBADVAL);
	assert_int_equal(d.offset, 0x41);
	f->cs[IOG_PCI_STATUS] = 0;
	assert_int_equal(iog_pci_find_capability(&c, 0, 0, IOG_PCI_DEVFN(1, 0), 0x10, &d),
			 IOG_ENOTFOUND);
	free(s);
}

static void test_walk_errors(void **state)
{
	struct sim *s = machine();
	struct iog_pci_acs_report *r = malloc(sizeof(*r));
	struct iog_pci_config c = sim_config(s), partial = c;
	struct iog_diag d;

	(void)state;
	/* Two root ports claim bus 10: which one routes is unknown, so nothing is touched. */
	assert_int_equal(acs(s, 0, 0, 10, 0, IOG_PCI_ACS_GRANT, r, &d), IOG_ECONFLICT);
	assert_int_equal(d.offset, 0);
	assert_int_equal(s->writes, 0);
	/* Function 3 of a single-function device is an alias, not a bridge to bus 20. */
	assert_int_equal(acs(s, 0, 0, 20, 0, IOG_PCI_ACS_GRANT, r, &d), IOG_ENOTFOUND);
	assert_int_equal(d.offset, 0);
	/* Function 4 of a multi-function device is found. */
	assert_int_equal(acs(s, 0, 0, 13, 0, IOG_PCI_ACS_GRANT, r, &d), 0);
	expect_bridge(&r->bridge[0], 0, 0x1c, 4, IOG_PCIE_TYPE_ROOT_PORT);
	assert_true(r->isolated);
	/* No device there. */
	assert_int_equal(acs(s, 0, 0, 3, 5, IOG_PCI_ACS_GRANT, r, &d), IOG_ENOTFOUND);
	assert_int_equal(d.offset, 3);
	/* 32 bridges deep is the most that fits; 41 is refused before anything is written. */
	s->writes = 0;
	assert_int_equal(acs(s, 0, 0, CHAIN_BASE + 31, 0, IOG_PCI_ACS_GRANT, r, &d), 0);
	assert_int_equal(r->bridges, IOG_PCI_MAX_PATH);
	assert_int_equal(s->writes, IOG_PCI_MAX_PATH);
	assert_true(r->isolated);
	s->writes = 0;
	assert_int_equal(acs(s, 0, 0, CHAIN_BASE + 40, 0, IOG_PCI_ACS_GRANT, r, &d), IOG_ENOSPC);
	assert_int_equal(r->bridges, IOG_PCI_MAX_PATH);
	assert_int_equal(s->writes, 0);
	/* Bad arguments. */
	assert_int_equal(acs(s, 0, 0, 3, 0, IOG_PCI_ACS_EC, r, &d), IOG_EINVAL);
	assert_int_equal(acs(s, 0, 4, 3, 0, IOG_PCI_ACS_GRANT, r, &d), IOG_EINVAL);
	partial.write16 = NULL;
	assert_int_equal(iog_pci_acs_enable(&partial, 0, 0, 3, 0, 0, r, &d), IOG_EINVAL);
	assert_int_equal(iog_pci_acs_enable(NULL, 0, 0, 3, 0, 0, r, &d), IOG_EINVAL);
	assert_int_equal(iog_pci_acs_enable(&c, 0, 0, 3, 0, 0, NULL, NULL), IOG_EINVAL);
	free(r);
	free(s);
}

static void test_segments_and_root_buses(void **state)
{
	struct sim *s = machine();
	struct iog_pci_acs_report *r = malloc(sizeof(*r));
	struct iog_diag d;

	(void)state;
	/* Segment 1 has a path of its own; segment 0's bus 1 is left alone. */
	assert_int_equal(acs(s, 1, 0, 1, 0, IOG_PCI_ACS_GRANT, r, &d), 0);
	assert_int_equal(r->bridges, 1);
	assert_true(r->isolated);
	assert_int_equal(sim_find(s, 0, 0, IOG_PCI_DEVFN(1, 0))->cs[0x106], 0);
	/* A second host bridge's root bus: found from there, not from bus 0. */
	assert_int_equal(acs(s, 0, 0x80, 0x81, 0, IOG_PCI_ACS_GRANT, r, &d), 0);
	expect_bridge(&r->bridge[0], 0x80, 1, 0, IOG_PCIE_TYPE_ROOT_PORT);
	assert_true(r->isolated);
	assert_int_equal(acs(s, 0, 0, 0x81, 0, IOG_PCI_ACS_GRANT, r, &d), IOG_ENOTFOUND);
	free(r);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_switch_path),
		cmocka_unit_test(test_look_only),
		cmocka_unit_test(test_ports_without_isolation),
		cmocka_unit_test(test_broken_capability_lists),
		cmocka_unit_test(test_extended_capability_edges),
		cmocka_unit_test(test_walk_errors),
		cmocka_unit_test(test_segments_and_root_buses),
	};

	return cmocka_run_group_tests_name("pci", tests, NULL, NULL);
}
