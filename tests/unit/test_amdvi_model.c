/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The AMD-Vi software model on its own: registers, the command buffer, the
 * event log, device table and page-table translation, caches and
 * invalidation, interrupts and fault injection, with tables built by hand in
 * simulated RAM and the registers driven through the hosted platform's MMIO
 * window.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <ioguard/hosted.h>

#include "model/amdvi_model.h"

#define BASE 0xfed80000ull
#define RAM_SIZE (16u << 20)
#define TABLES 0x800000ull /* table pages are handed out from here up */
#define NO_RAM 0x40000000ull

/* What QEMU's amd-iommu reports: PreF, PPR, GT, IA, GA, HE, HATS = GATS = 2 (6 levels). */
#define EFR_DEFAULT 0x29d3ull

#define R AMDVM_PTE_IR
#define W AMDVM_PTE_IW
#define RW (AMDVM_PTE_IR | AMDVM_PTE_IW)
#define ON (AMDVM_CTRL_IOMMU_EN | AMDVM_CTRL_CMD_BUF_EN | AMDVM_CTRL_EVT_LOG_EN)

#define DEVID(b, d, f) ((uint16_t)((b) << 8 | (d) << 3 | (f)))
#define FAULT_R (AMDVM_EVT_FLAG_PR | AMDVM_EVT_FLAG_PE)
#define FAULT_W (AMDVM_EVT_FLAG_PR | AMDVM_EVT_FLAG_PE | AMDVM_EVT_FLAG_RW)

struct fix {
	struct iog_hosted h;
	struct amdvi_model m;
	uint64_t next; /* next free table page */
	uint64_t dtb;  /* two pages: 256 device table entries */
	uint64_t cmd, evt, sem;
	uint32_t ctail; /* the command buffer tail software keeps */
	uint64_t seq;	/* completion-wait data */
};

/* ---- Memory ---- */

static int ram_read(void *ctx, uint64_t phys, void *buf, size_t len)
{
	void *p = iog_hosted_ptr(ctx, phys, len);

	if (!p)
		return -1;
	memcpy(buf, p, len);
	return 0;
}

static int ram_write(void *ctx, uint64_t phys, const void *buf, size_t len)
{
	void *p = iog_hosted_ptr(ctx, phys, len);

	if (!p)
		return -1;
	memcpy(p, buf, len);
	return 0;
}

static uint8_t *ptr(struct fix *f, uint64_t phys, size_t len)
{
	uint8_t *p = iog_hosted_ptr(&f->h, phys, len);

	assert_non_null(p);
	return p;
}

static void put64(struct fix *f, uint64_t phys, uint64_t v)
{
	uint8_t *p = ptr(f, phys, 8);

	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get64(struct fix *f, uint64_t phys)
{
	uint8_t *p = ptr(f, phys, 8);
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint64_t page(struct fix *f)
{
	uint64_t p = f->next;

	assert_true(p + 4096 <= RAM_SIZE);
	f->next += 4096;
	memset(ptr(f, p, 4096), 0, 4096);
	return p;
}

/* ---- Registers, through the MMIO window ---- */

static uint32_t rd32(struct fix *f, uint32_t off)
{
	return f->h.plat.reg_read32(f->h.plat.ctx, BASE, off);
}

static uint64_t rd64(struct fix *f, uint32_t off)
{
	return f->h.plat.reg_read64(f->h.plat.ctx, BASE, off);
}

static void wr32(struct fix *f, uint32_t off, uint32_t v)
{
	f->h.plat.reg_write32(f->h.plat.ctx, BASE, off, v);
}

static void wr64(struct fix *f, uint32_t off, uint64_t v)
{
	f->h.plat.reg_write64(f->h.plat.ctx, BASE, off, v);
}

static uint32_t status(struct fix *f)
{
	return rd32(f, AMDVM_REG_STATUS);
}

/* ---- Fixture ---- */

static void model_init(struct fix *f, uint64_t efr)
{
	struct amdvi_model_config cfg = {.efr = efr};
	struct amdvi_model_mem mem = {.ctx = &f->h, .read = ram_read, .write = ram_write};

	amdvi_model_init(&f->m, &cfg, &mem);
}

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	iog_hosted_init(&f->h);
	if (iog_hosted_add_ram(&f->h, 0, RAM_SIZE) ||
	    iog_hosted_add_mmio(&f->h, BASE, AMDVM_MMIO_SIZE, &amdvi_model_mmio_ops, &f->m))
		return -1;
	model_init(f, EFR_DEFAULT);
	f->next = TABLES;
	f->dtb = page(f);
	page(f);
	f->cmd = page(f);
	f->evt = page(f);
	f->sem = page(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	iog_hosted_destroy(&f->h);
	free(f);
	return 0;
}

/*
 * What a driver does: device table (two pages), command buffer and event log
 * of 256 entries with their pointers zeroed while off, then everything on.
 */
static void enable(struct fix *f)
{
	wr64(f, AMDVM_REG_DTB, f->dtb | 1);
	wr64(f, AMDVM_REG_CMD_BASE, f->cmd | AMDVM_LEN_FIELD(8));
	wr64(f, AMDVM_REG_EVT_BASE, f->evt | AMDVM_LEN_FIELD(8));
	wr64(f, AMDVM_REG_CMD_HEAD, 0);
	wr64(f, AMDVM_REG_CMD_TAIL, 0);
	wr64(f, AMDVM_REG_EVT_HEAD, 0);
	wr64(f, AMDVM_REG_EVT_TAIL, 0);
	f->ctail = 0;
	wr64(f, AMDVM_REG_CONTROL, ON);
	assert_int_equal(status(f), AMDVM_STATUS_EVT_LOG_RUN | AMDVM_STATUS_CMD_BUF_RUN);
}

/* ---- Commands ---- */

static void cmd_put(struct fix *f, uint64_t q0, uint64_t q1)
{
	put64(f, f->cmd + f->ctail, q0);
	put64(f, f->cmd + f->ctail + 8, q1);
	f->ctail = (f->ctail + 16) % 4096;
}

static void cmd_go(struct fix *f)
{
	wr64(f, AMDVM_REG_CMD_TAIL, f->ctail);
}

/* COMPLETION_WAIT with a store, submitted; checks that the store landed and the head caught up. */
static void sync(struct fix *f)
{
	f->seq++;
	put64(f, f->sem, 0);
	cmd_put(f, AMDVM_CMD_OP(AMDVM_CMD_COMPLETION_WAIT) | f->sem | AMDVM_CW_S, f->seq);
	cmd_go(f);
	assert_int_equal(get64(f, f->sem), f->seq);
	assert_int_equal(rd64(f, AMDVM_REG_CMD_HEAD), f->ctail);
}

/* ---- Events ---- */

/* Events between the head and the tail. */
static unsigned events_pending(struct fix *f)
{
	return (rd32(f, AMDVM_REG_EVT_TAIL) - rd32(f, AMDVM_REG_EVT_HEAD)) % 4096 / 16;
}

/* Reads the event at the head and moves the head past it, as a driver does. */
static void pop_event(struct fix *f, struct amdvi_model_event *e)
{
	uint32_t head = rd32(f, AMDVM_REG_EVT_HEAD);

	assert_int_not_equal(head, rd32(f, AMDVM_REG_EVT_TAIL));
	amdvi_model_event_decode(get64(f, f->evt + head), get64(f, f->evt + head + 8), e);
	wr32(f, AMDVM_REG_EVT_HEAD, (head + 16) % 4096);
}

static void expect_event(struct fix *f, unsigned code, uint16_t devid, uint16_t did, unsigned flags,
			 uint64_t addr)
{
	struct amdvi_model_event e;

	pop_event(f, &e);
	assert_int_equal(e.code, code);
	assert_int_equal(e.devid, devid);
	assert_int_equal(e.domain, did);
	assert_int_equal(e.flags, flags);
	assert_int_equal(e.addr, addr);
}

/* ---- Tests: registers ---- */

static void test_reset_values(void **state)
{
	struct fix *f = *state;
	static const uint32_t regs[] = {
		AMDVM_REG_DTB,	     AMDVM_REG_CMD_BASE,   AMDVM_REG_EVT_BASE, AMDVM_REG_CONTROL,
		AMDVM_REG_EXCL_BASE, AMDVM_REG_EXCL_LIMIT, AMDVM_REG_CMD_HEAD, AMDVM_REG_CMD_TAIL,
		AMDVM_REG_EVT_HEAD,  AMDVM_REG_EVT_TAIL,   AMDVM_REG_STATUS,
	};

	for (unsigned i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		assert_int_equal(rd64(f, regs[i]), 0);
	/* The EFR comes from the configuration, in one access or two, and is read-only. */
	assert_int_equal(rd64(f, AMDVM_REG_EFR), EFR_DEFAULT);
	assert_int_equal(rd32(f, AMDVM_REG_EFR), (uint32_t)EFR_DEFAULT);
	assert_int_equal(rd32(f, AMDVM_REG_EFR + 4), 0);
	wr64(f, AMDVM_REG_EFR, 0);
	assert_int_equal(rd64(f, AMDVM_REG_EFR), EFR_DEFAULT);
	/* Unknown offsets read 0 and ignore writes; so do odd sizes and misaligned accesses. */
	wr64(f, 0x0038, ~0ull);
	assert_int_equal(rd64(f, 0x0038), 0);
	assert_int_equal(rd64(f, 0x3ff8), 0);
	assert_int_equal(amdvi_model_read(&f->m, AMDVM_REG_EFR, 2), 0);
	assert_int_equal(amdvi_model_read(&f->m, AMDVM_REG_EFR + 4, 8), 0);
	assert_int_equal(amdvi_model_read(&f->m, AMDVM_MMIO_SIZE, 8), 0);
	amdvi_model_write(&f->m, AMDVM_REG_DTB + 4, 8, ~0ull);
	assert_int_equal(rd64(f, AMDVM_REG_DTB), 0);
	/* Nothing enabled: no cache filled, nothing counted. */
	assert_int_equal(amdvi_model_iotlb_count(&f->m), 0);
	assert_int_equal(amdvi_model_dte_count(&f->m), 0);
	assert_int_equal(amdvi_model_pde_count(&f->m), 0);
}

static void test_register_fields(void **state)
{
	struct fix *f = *state;

	/* Device table base: bits 51:12 and Size 8:0. */
	wr64(f, AMDVM_REG_DTB, ~0ull);
	assert_int_equal(rd64(f, AMDVM_REG_DTB), 0x000ffffffffff1ffull);
	/* Command buffer and event log bases: bits 51:12 and the length 59:56. */
	wr64(f, AMDVM_REG_CMD_BASE, ~0ull);
	assert_int_equal(rd64(f, AMDVM_REG_CMD_BASE), 0x0f0ffffffffff000ull);
	wr64(f, AMDVM_REG_EVT_BASE, ~0ull);
	assert_int_equal(rd64(f, AMDVM_REG_EVT_BASE), 0x0f0ffffffffff000ull);
	/* As 32-bit halves. */
	wr32(f, AMDVM_REG_CMD_BASE, 0x12345fffu);
	assert_int_equal(rd64(f, AMDVM_REG_CMD_BASE), 0x0f0fffff12345000ull);
	wr32(f, AMDVM_REG_CMD_BASE + 4, 0x08000001u);
	assert_int_equal(rd64(f, AMDVM_REG_CMD_BASE), 0x0800000112345000ull);
	assert_int_equal(rd32(f, AMDVM_REG_CMD_BASE + 4), 0x08000001u);
	/* Exclusion base keeps ExEn and Allow, the limit only the address. */
	wr64(f, AMDVM_REG_EXCL_BASE, ~0ull);
	assert_int_equal(rd64(f, AMDVM_REG_EXCL_BASE), 0x000ffffffffff003ull);
	wr64(f, AMDVM_REG_EXCL_LIMIT, ~0ull);
	assert_int_equal(rd64(f, AMDVM_REG_EXCL_LIMIT), 0x000ffffffffff000ull);
	/* Head and tail pointers: bits 18:4 (all written while the buffers are off). */
	wr64(f, AMDVM_REG_CMD_HEAD, ~0ull);
	assert_int_equal(rd64(f, AMDVM_REG_CMD_HEAD), 0x7fff0);
	wr64(f, AMDVM_REG_CMD_TAIL, ~0ull);
	assert_int_equal(rd64(f, AMDVM_REG_CMD_TAIL), 0x7fff0);
	wr64(f, AMDVM_REG_EVT_HEAD, 0x1234567);
	assert_int_equal(rd64(f, AMDVM_REG_EVT_HEAD), 0x34560);
	wr32(f, AMDVM_REG_EVT_TAIL, 0x80);
	wr32(f, AMDVM_REG_EVT_TAIL + 4, 0xffffffffu);
	assert_int_equal(rd64(f, AMDVM_REG_EVT_TAIL), 0x80);
	/* Control: bits 17:0 exist here; XTEn only with EFR.XTSup. */
	wr64(f, AMDVM_REG_CONTROL, ~0ull & ~(ON | AMDVM_CTRL_PPR_LOG_EN));
	assert_int_equal(rd64(f, AMDVM_REG_CONTROL), 0x3ffffull & ~(ON | AMDVM_CTRL_PPR_LOG_EN));
	wr64(f, AMDVM_REG_CONTROL, 0);
	model_init(f, EFR_DEFAULT | AMDVM_EFR_XT_SUP);
	wr32(f, AMDVM_REG_CONTROL + 4, 0xffffffffu);
	assert_int_equal(rd64(f, AMDVM_REG_CONTROL), AMDVM_CTRL_XT_EN | AMDVM_CTRL_INT_CAP_XT_EN);
	/* None of this was a driver mistake: nothing was enabled. */
	assert_int_equal(f->m.stats.dtb_write_while_enabled, 0);
}

static void test_status_bits(void **state)
{
	struct fix *f = *state;

	/* The RUN bits follow the enables, and need IommuEn. */
	wr64(f, AMDVM_REG_CMD_BASE, f->cmd | AMDVM_LEN_FIELD(8));
	wr64(f, AMDVM_REG_EVT_BASE, f->evt | AMDVM_LEN_FIELD(8));
	wr64(f, AMDVM_REG_CONTROL, AMDVM_CTRL_CMD_BUF_EN | AMDVM_CTRL_EVT_LOG_EN);
	assert_int_equal(status(f), 0);
	wr64(f, AMDVM_REG_CONTROL, ON);
	assert_int_equal(status(f), AMDVM_STATUS_EVT_LOG_RUN | AMDVM_STATUS_CMD_BUF_RUN);
	wr64(f, AMDVM_REG_CONTROL, AMDVM_CTRL_IOMMU_EN | AMDVM_CTRL_EVT_LOG_EN);
	assert_int_equal(status(f), AMDVM_STATUS_EVT_LOG_RUN);
	/* ComWaitInt: set by a COMPLETION_WAIT with I, write-1-to-clear; RUN bits read-only. */
	wr64(f, AMDVM_REG_CONTROL, ON);
	cmd_put(f, AMDVM_CMD_OP(AMDVM_CMD_COMPLETION_WAIT) | AMDVM_CW_I, 0);
	cmd_go(f);
	assert_int_equal(status(f), AMDVM_STATUS_EVT_LOG_RUN | AMDVM_STATUS_CMD_BUF_RUN |
					    AMDVM_STATUS_COM_WAIT_INT);
	wr32(f, AMDVM_REG_STATUS, AMDVM_STATUS_EVT_LOG_RUN | AMDVM_STATUS_CMD_BUF_RUN);
	assert_true(status(f) & AMDVM_STATUS_COM_WAIT_INT);
	wr64(f, AMDVM_REG_STATUS, AMDVM_STATUS_COM_WAIT_INT);
	assert_int_equal(status(f), AMDVM_STATUS_EVT_LOG_RUN | AMDVM_STATUS_CMD_BUF_RUN);
	/* Without ComWaitIntEn no interrupt was raised. */
	assert_int_equal(f->m.stats.cwait_interrupts, 0);
	/* EventLogInt likewise, set by the first event written. */
	cmd_put(f, 0, 0); /* opcode 0: illegal */
	cmd_go(f);
	assert_int_equal(status(f), AMDVM_STATUS_EVT_LOG_RUN | AMDVM_STATUS_EVT_LOG_INT);
	wr32(f, AMDVM_REG_STATUS, AMDVM_STATUS_EVT_LOG_INT);
	assert_int_equal(status(f), AMDVM_STATUS_EVT_LOG_RUN);
}

/* ---- Tests: the command buffer ---- */

static void test_completion_wait(void **state)
{
	struct fix *f = *state;

	enable(f);
	/* S: the 64-bit data lands at the 8-byte aligned address (bits 51:3). */
	put64(f, f->sem + 8, 0);
	cmd_put(f, AMDVM_CMD_OP(AMDVM_CMD_COMPLETION_WAIT) | (f->sem + 8) | AMDVM_CW_S,
		0x0123456789abcdefull);
	cmd_go(f);
	assert_int_equal(get64(f, f->sem + 8), 0x0123456789abcdefull);
	assert_int_equal(rd64(f, AMDVM_REG_CMD_HEAD), 16);
	assert_int_equal(status(f) & AMDVM_STATUS_COM_WAIT_INT, 0);
	/* I with ComWaitIntEn: ComWaitInt and one interrupt; again while set: no new one. */
	wr64(f, AMDVM_REG_CONTROL, ON | AMDVM_CTRL_COM_WAIT_INT_EN);
	cmd_put(f, AMDVM_CMD_OP(AMDVM_CMD_COMPLETION_WAIT) | AMDVM_CW_I | AMDVM_CW_F, 0);
	cmd_put(f, AMDVM_CMD_OP(AMDVM_CMD_COMPLETION_WAIT) | AMDVM_CW_I, 0);
	cmd_go(f);
	assert_true(status(f) & AMDVM_STATUS_COM_WAIT_INT);
	assert_int_equal(f->m.stats.cwait_interrupts, 1);
	wr32(f, AMDVM_REG_STATUS, AMDVM_STATUS_COM_WAIT_INT);
	sync(f);
	assert_int_equal(f->m.stats.cwait_interrupts, 1);
	/* S and I together. */
	cmd_put(f, AMDVM_CMD_OP(AMDVM_CMD_COMPLETION_WAIT) | f->sem | AMDVM_CW_S | AMDVM_CW_I, 77);
	cmd_go(f);
	assert_int_equal(get64(f, f->sem), 77);
	assert_int_equal(f->m.stats.cwait_interrupts, 2);
	/* A store address with no memory behind it is counted; the processor goes on. */
	cmd_put(f, AMDVM_CMD_OP(AMDVM_CMD_COMPLETION_WAIT) | NO_RAM | AMDVM_CW_S, 1);
	sync(f);
	assert_int_equal(f->m.stats.cwait_store_errors, 1);
	assert_int_equal(f->m.stats.cwait_stores, 4);
	assert_int_equal(f->m.stats.cmds[AMDVM_CMD_COMPLETION_WAIT], 7);
	assert_int_equal(events_pending(f), 0);
}

static void test_command_wrap(void **state)
{
	struct fix *f = *state;
	unsigned n = 0;

	enable(f);
	/* Fill all but the last slot, then wrap: the head follows the tail around to 0. */
	for (unsigned i = 0; i < 255; i++)
		cmd_put(f, AMDVM_CMD_OP(AMDVM_CMD_INVALIDATE_INTERRUPT_TABLE) | i, 0);
	cmd_go(f);
	assert_int_equal(rd64(f, AMDVM_REG_CMD_HEAD), 255 * 16);
	cmd_put(f, AMDVM_CMD_OP(AMDVM_CMD_INVALIDATE_INTERRUPT_TABLE), 0);
	assert_int_equal(f->ctail, 0);
	cmd_go(f);
	assert_int_equal(rd64(f, AMDVM_REG_CMD_HEAD), 0);
	assert_int_equal(f->m.stats.inv_int_table, 256);
	/* Commands that straddle the end of the buffer. */
	for (unsigned round = 0; round < 3; round++) {
		for (unsigned i = 0; i < 200; i++, n++)
			cmd_put(f, AMDVM_CMD_OP(AMDVM_CMD_INVALIDATE_DEVTAB_ENTRY) | i, 0);
		sync(f);
	}
	assert_int_equal(f->m.stats.inv_dte, n);
	assert_int_equal(f->ctail, (256 + 603) * 16 % 4096);
	/* A larger buffer (ComLen 9: 512 entries, two pages) wraps at 8 KiB. */
	wr64(f, AMDVM_REG_CONTROL, AMDVM_CTRL_IOMMU_EN);
	f->cmd = page(f);
	page(f);
	wr64(f, AMDVM_REG_CMD_BASE, f->cmd | AMDVM_LEN_FIELD(9));
	wr64(f, AMDVM_REG_CMD_HEAD, 8192 - 32);
	wr64(f, AMDVM_REG_CMD_TAIL, 8192 - 32);
	wr64(f, AMDVM_REG_CONTROL, ON);
	put64(f, f->cmd + 8192 - 32, AMDVM_CMD_OP(AMDVM_CMD_INVALIDATE_INTERRUPT_TABLE));
	put64(f, f->cmd + 8192 - 16, AMDVM_CMD_OP(AMDVM_CMD_INVALIDATE_INTERRUPT_TABLE));
	put64(f, f->cmd, AMDVM_CMD_OP(AMDVM_CMD_COMPLETION_WAIT) | f->sem | AMDVM_CW_S);
	put64(f, f->cmd + 8, 0x99);
	wr64(f, AMDVM_REG_CMD_TAIL, 16);
	assert_int_equal(rd64(f, AMDVM_REG_CMD_HEAD), 16);
	assert_int_equal(get64(f, f->sem), 0x99);
	assert_int_equal(f->m.stats.inv_int_table, 258);
	assert_int_equal(f->m.stats.cmd_illegal, 0);
}

static void test_illegal_command_stops(void **state)
{
	struct fix *f = *state;
	uint64_t bad;

	enable(f);
	cmd_put(f, AMDVM_CMD_OP(AMDVM_CMD_INVALIDATE_INTERRUPT_TABLE), 0);
	bad = f->cmd + f->ctail;
	cmd_put(f, AMDVM_CMD_OP(0xf), 0); /* no such command */
	cmd_put(f, AMDVM_CMD_OP(AMDVM_CMD_INVALIDATE_INTERRUPT_TABLE), 0);
	cmd_go(f);
	/* Stopped on it: the head points at it, CmdBufRun is clear, the event names it. */
	assert_int_equal(rd64(f, AMDVM_REG_CMD_HEAD), 16);
	assert_int_equal(status(f) & AMDVM_STATUS_CMD_BUF_RUN, 0);
	assert_int_equal(f->m.stats.inv_int_table, 1);
	assert_int_equal(f->m.stats.cmd_illegal, 1);
	expect_event(f, AMDVM_EVT_ILLEGAL_COMMAND_ERROR, 0, 0, 0, bad);
	/* More tail writes do nothing while it is stopped. */
	cmd_put(f, AMDVM_CMD_OP(AMDVM_CMD_INVALIDATE_INTERRUPT_TABLE), 0);
	cmd_go(f);
	assert_int_equal(rd64(f, AMDVM_REG_CMD_HEAD), 16);
	assert_int_equal(f->m.stats.inv_int_table, 1);
	/* Software replaces the command and restarts the buffer: CmdBufEn 0 -> 1. */
	put64(f, bad, AMDVM_CMD_OP(AMDVM_CMD_INVALIDATE_DEVTAB_ENTRY) | 5);
	wr64(f, AMDVM_REG_CONTROL, ON & ~AMDVM_CTRL_CMD_BUF_EN);
	wr64(f, AMDVM_REG_CONTROL, ON);
	assert_int_equal(rd64(f, AMDVM_REG_CMD_HEAD), f->ctail);
	assert_true(status(f) & AMDVM_STATUS_CMD_BUF_RUN);
	assert_int_equal(f->m.stats.inv_dte, 1);
	assert_int_equal(f->m.stats.inv_int_table, 3);
	/* The other way back, as Linux does: disable, head = tail = 0, enable. */
	cmd_put(f, AMDVM_CMD_OP(0), 0);
	cmd_go(f);
	assert_int_equal(status(f) & AMDVM_STATUS_CMD_BUF_RUN, 0);
	wr64(f, AMDVM_REG_CONTROL, ON & ~AMDVM_CTRL_CMD_BUF_EN);
	wr64(f, AMDVM_REG_CMD_HEAD, 0);
	wr64(f, AMDVM_REG_CMD_TAIL, 0);
	f->ctail = 0;
	wr64(f, AMDVM_REG_CONTROL, ON);
	sync(f);
	assert_int_equal(f->m.stats.cmd_illegal, 2);
	assert_int_equal(f->m.stats.cmd_head_write_while_running, 0);
}

static void test_command_reserved_and_unsupported(void **state)
{
	struct fix *f = *state;
	static const uint64_t bad[][2] = {
		{AMDVM_CMD_OP(AMDVM_CMD_COMPLETION_WAIT) | 1ull << 52, 0},	      /* 59:52 */
		{AMDVM_CMD_OP(AMDVM_CMD_INVALIDATE_DEVTAB_ENTRY) | 1ull << 16, 0},    /* 59:16 */
		{AMDVM_CMD_OP(AMDVM_CMD_INVALIDATE_DEVTAB_ENTRY), 1},		      /* q1 */
		{AMDVM_CMD_OP(AMDVM_CMD_INVALIDATE_IOMMU_PAGES) | 1ull << 20, 0},     /* 31:20 */
		{AMDVM_CMD_OP(AMDVM_CMD_INVALIDATE_IOMMU_PAGES) | 1ull << 48, 0},     /* 59:48 */
		{AMDVM_CMD_OP(AMDVM_CMD_INVALIDATE_IOMMU_PAGES), 1ull << 3},	      /* q1 11:3 */
		{AMDVM_CMD_OP(AMDVM_CMD_INVALIDATE_INTERRUPT_TABLE) | 1ull << 59, 0}, /* 59:16 */
		{AMDVM_CMD_OP(AMDVM_CMD_INVALIDATE_IOMMU_ALL) | 1, 0},		      /* 59:0 */
		{AMDVM_CMD_OP(AMDVM_CMD_INVALIDATE_IOMMU_ALL), 1ull << 63},	      /* q1 */
		{AMDVM_CMD_OP(0x9), 0}, /* INSERT_GUEST_EVENT: no vIOMMU here */
		{AMDVM_CMD_OP(0xa), 0}, /* RESET_VMMIO */
		{AMDVM_CMD_OP(0xf), 0},
	};

	enable(f);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t at = f->cmd + f->ctail;

		cmd_put(f, bad[i][0], bad[i][1]);
		cmd_go(f);
		assert_int_equal(status(f) & AMDVM_STATUS_CMD_BUF_RUN, 0);
		expect_event(f, AMDVM_EVT_ILLEGAL_COMMAND_ERROR, 0, 0, 0, at);
		/* Replaced by a harmless command, restarted from there. */
		put64(f, at, AMDVM_CMD_OP(AMDVM_CMD_INVALIDATE_INTERRUPT_TABLE));
		put64(f, at + 8, 0);
		wr64(f, AMDVM_REG_CONTROL, 0);
		wr64(f, AMDVM_REG_CONTROL, ON);
		assert_int_equal(rd64(f, AMDVM_REG_CMD_HEAD), f->ctail);
	}
	assert_int_equal(f->m.stats.cmd_illegal, sizeof(bad) / sizeof(bad[0]));

	/* Commands an IOMMU without the feature does not have. */
	model_init(f, AMDVM_EFR_HATS_FIELD(2));
	enable(f);
	static const uint64_t missing[][2] = {
		{AMDVM_CMD_OP(AMDVM_CMD_INVALIDATE_IOMMU_ALL), 0},		/* IASup */
		{AMDVM_CMD_OP(AMDVM_CMD_PREFETCH_IOMMU_PAGES), 0},		/* PreFSup */
		{AMDVM_CMD_OP(AMDVM_CMD_COMPLETE_PPR_REQUEST), 0},		/* PPRSup */
		{AMDVM_CMD_OP(AMDVM_CMD_INVALIDATE_IOMMU_PAGES), AMDVM_INV_GN}, /* GTSup */
	};
	for (unsigned i = 0; i < sizeof(missing) / sizeof(missing[0]); i++) {
		uint64_t at = f->cmd + f->ctail;

		cmd_put(f, missing[i][0], missing[i][1]);
		cmd_go(f);
		expect_event(f, AMDVM_EVT_ILLEGAL_COMMAND_ERROR, 0, 0, 0, at);
		put64(f, at, AMDVM_CMD_OP(AMDVM_CMD_INVALIDATE_INTERRUPT_TABLE));
		put64(f, at + 8, 0);
		wr64(f, AMDVM_REG_CONTROL, 0);
		wr64(f, AMDVM_REG_CONTROL, ON);
	}
	sync(f);
	/* With the features they are accepted (and a GN invalidation has nothing to drop). */
	model_init(f, EFR_DEFAULT);
	enable(f);
	for (unsigned i = 0; i < sizeof(missing) / sizeof(missing[0]); i++)
		cmd_put(f, missing[i][0], missing[i][1]);
	/* INVALIDATE_IOTLB_PAGES is for device IOTLBs: accepted and counted. */
	cmd_put(f, AMDVM_CMD_OP(AMDVM_CMD_INVALIDATE_IOTLB_PAGES) | 0x0300, 0x1000);
	sync(f);
	assert_int_equal(f->m.stats.cmd_illegal, 0);
	assert_int_equal(f->m.stats.inv_all, 1);
	assert_int_equal(f->m.stats.inv_pages, 0);
	assert_int_equal(f->m.stats.inv_iotlb_pages, 1);
	assert_int_equal(f->m.stats.cmds[AMDVM_CMD_PREFETCH_IOMMU_PAGES], 1);
	assert_int_equal(f->m.stats.cmds[AMDVM_CMD_COMPLETE_PPR_REQUEST], 1);
}

static void test_command_buffer_off(void **state)
{
	struct fix *f = *state;

	/* Commands queued while the buffer is off wait; the enable runs them. */
	wr64(f, AMDVM_REG_DTB, f->dtb | 1);
	wr64(f, AMDVM_REG_CMD_BASE, f->cmd | AMDVM_LEN_FIELD(8));
	put64(f, f->sem, 0);
	cmd_put(f, AMDVM_CMD_OP(AMDVM_CMD_COMPLETION_WAIT) | f->sem | AMDVM_CW_S, 5);
	cmd_go(f);
	assert_int_equal(rd64(f, AMDVM_REG_CMD_HEAD), 0);
	wr64(f, AMDVM_REG_CONTROL, AMDVM_CTRL_CMD_BUF_EN);
	assert_int_equal(get64(f, f->sem), 0); /* CmdBufEn alone: IommuEn is needed too */
	wr64(f, AMDVM_REG_CONTROL, AMDVM_CTRL_CMD_BUF_EN | AMDVM_CTRL_IOMMU_EN);
	assert_int_equal(get64(f, f->sem), 5);
	assert_int_equal(rd64(f, AMDVM_REG_CMD_HEAD), 16);
	/* Turned off, the head stays where it was; the pointers are software's to reset. */
	wr64(f, AMDVM_REG_CONTROL, AMDVM_CTRL_IOMMU_EN);
	cmd_put(f, AMDVM_CMD_OP(AMDVM_CMD_COMPLETION_WAIT) | f->sem | AMDVM_CW_S, 6);
	cmd_go(f);
	assert_int_equal(get64(f, f->sem), 5);
	wr64(f, AMDVM_REG_CMD_BASE, f->cmd | AMDVM_LEN_FIELD(8));
	assert_int_equal(rd64(f, AMDVM_REG_CMD_HEAD), 16);
	assert_int_equal(rd64(f, AMDVM_REG_CMD_TAIL), 32);
	wr64(f, AMDVM_REG_CONTROL, AMDVM_CTRL_CMD_BUF_EN | AMDVM_CTRL_IOMMU_EN);
	assert_int_equal(get64(f, f->sem), 6);
	/* A reserved ComLen is counted at enable and runs as 256 entries. */
	wr64(f, AMDVM_REG_CONTROL, AMDVM_CTRL_IOMMU_EN);
	wr64(f, AMDVM_REG_CMD_BASE, f->cmd | AMDVM_LEN_FIELD(3));
	wr64(f, AMDVM_REG_CONTROL, AMDVM_CTRL_CMD_BUF_EN | AMDVM_CTRL_IOMMU_EN);
	assert_int_equal(f->m.stats.len_reserved, 1);
	sync(f);
	/* A tail past the buffer is counted and nothing runs until it is fixed. */
	wr64(f, AMDVM_REG_CMD_TAIL, 4096);
	assert_int_equal(f->m.stats.ptr_beyond_buffer, 1);
	assert_int_equal(rd64(f, AMDVM_REG_CMD_HEAD), f->ctail);
	cmd_put(f, AMDVM_CMD_OP(AMDVM_CMD_INVALIDATE_INTERRUPT_TABLE), 0);
	cmd_go(f);
	assert_int_equal(f->m.stats.inv_int_table, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_reset_values),
		T(test_register_fields),
		T(test_status_bits),
		T(test_completion_wait),
		T(test_command_wrap),
		T(test_illegal_command_stops),
		T(test_command_reserved_and_unsupported),
		T(test_command_buffer_off),
#undef T
	};

	return cmocka_run_group_tests_name("amdvi_model", tests, NULL, NULL);
}
