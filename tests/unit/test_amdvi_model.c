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

/* ---- Translation ---- */

static uint64_t dte_addr(struct fix *f, uint16_t devid)
{
	return f->dtb + (uint64_t)devid * 32;
}

static void set_dte(struct fix *f, uint16_t devid, uint64_t q0, uint64_t q1, uint64_t q2,
		    uint64_t q3)
{
	uint64_t a = dte_addr(f, devid);

	put64(f, a, q0);
	put64(f, a + 8, q1);
	put64(f, a + 16, q2);
	put64(f, a + 24, q3);
}

/* A translated domain of `mode` levels for devid: returns its root table. */
static uint64_t domain(struct fix *f, uint16_t devid, unsigned mode, uint16_t did)
{
	uint64_t root = page(f);

	set_dte(f, devid,
		root | AMDVM_DTE_MODE_FIELD(mode) | AMDVM_DTE_IR | AMDVM_DTE_IW | AMDVM_DTE_TV |
			AMDVM_DTE_V,
		did, 0, 0);
	return root;
}

static uint64_t index_of(uint64_t iova, unsigned level)
{
	return (iova >> (12 + 9 * (level - 1))) & 0x1ff;
}

/*
 * Maps iova -> phys with a leaf at leaf_level (1: 4 KiB, 2: 2 MiB, 3: 1 GiB)
 * in tables of `levels` levels, PDEs granting everything; returns the
 * address of the leaf entry.
 */
static uint64_t map(struct fix *f, uint64_t root, unsigned levels, uint64_t iova, uint64_t phys,
		    unsigned leaf_level, uint64_t perm)
{
	uint64_t table = root, ea;

	for (unsigned l = levels; l > leaf_level; l--) {
		uint64_t e;

		ea = table + index_of(iova, l) * 8;
		e = get64(f, ea);
		if (!(e & AMDVM_PTE_PR)) {
			e = page(f) | AMDVM_PTE_NL(l - 1) | RW | AMDVM_PTE_PR;
			put64(f, ea, e);
		}
		table = e & AMDVM_ADDR_MASK;
	}
	ea = table + index_of(iova, leaf_level) * 8;
	put64(f, ea, phys | perm | AMDVM_PTE_PR);
	return ea;
}

/* The address of the entry of `level` that the walk for iova reads (tables present). */
static uint64_t entry_at(struct fix *f, uint64_t root, unsigned levels, uint64_t iova,
			 unsigned level)
{
	uint64_t table = root;

	for (unsigned l = levels; l > level; l--)
		table = get64(f, table + index_of(iova, l) * 8) & AMDVM_ADDR_MASK;
	return table + index_of(iova, level) * 8;
}

static uint64_t xlate(struct fix *f, uint16_t devid, uint64_t iova, int write)
{
	struct amdvi_dma_result r;

	assert_int_equal(amdvi_model_dma(&f->m, devid, iova, 8, write, &r), 0);
	assert_int_equal(r.ok, 1);
	return r.phys;
}

/* A request that must be blocked with `code` and `flags`, logged and popped from the log. */
static void expect_fault(struct fix *f, uint16_t devid, uint16_t did, uint64_t iova, int write,
			 unsigned code, unsigned flags)
{
	struct amdvi_dma_result r;

	assert_int_equal(amdvi_model_dma(&f->m, devid, iova, 4, write, &r), -1);
	assert_int_equal(r.ok, 0);
	assert_int_equal(r.event, code);
	assert_int_equal(r.flags, flags);
	assert_int_equal(r.fault_addr, iova);
	assert_int_equal(r.logged, 1);
	expect_event(f, code, devid, did, flags, iova);
	assert_int_equal(events_pending(f), 0);
}

/* ---- Tests: translation ---- */

static void test_iommu_off_untranslated(void **state)
{
	struct fix *f = *state;
	uint16_t devid = DEVID(0, 1, 0);
	struct amdvi_dma_result r;

	/* A DTE that blocks everything (mode 0, no IR/IW), but IommuEn = 0. */
	set_dte(f, devid, AMDVM_DTE_TV | AMDVM_DTE_V, 3, 0, 0);
	wr64(f, AMDVM_REG_DTB, f->dtb | 1);
	assert_int_equal(amdvi_model_dma(&f->m, devid, 0x123456, 8, 1, &r), 0);
	assert_int_equal(r.phys, 0x123456);
	assert_int_equal(r.untranslated, 1);
	assert_int_equal(amdvi_model_dte_count(&f->m), 0);
	assert_int_equal(f->m.stats.dma_untranslated, 1);
	/* On, the DTE rules. */
	enable(f);
	expect_fault(f, devid, 3, 0x123456, 1, AMDVM_EVT_IO_PAGE_FAULT, FAULT_W);
	expect_fault(f, devid, 3, 0x123456, 0, AMDVM_EVT_IO_PAGE_FAULT, FAULT_R);
	assert_int_equal(f->m.stats.dma_blocked, 2);
}

static void test_dte_valid_bit(void **state)
{
	struct fix *f = *state;
	struct amdvi_dma_result r;

	enable(f);
	/* V = 0: untranslated and unchecked, whatever the rest says (a zeroed table passes all). */
	set_dte(f, DEVID(0, 2, 0), AMDVM_DTE_MODE_FIELD(7) | AMDVM_DTE_TV | 0x7c, 9, ~0ull, ~0ull);
	assert_int_equal(xlate(f, DEVID(0, 2, 0), 0xfff000, 1), 0xfff000);
	assert_int_equal(xlate(f, DEVID(0, 3, 0), 0x5000, 0), 0x5000);
	assert_int_equal(amdvi_model_dma(&f->m, DEVID(0, 3, 0), 0x5000, 4, 1, &r), 0);
	assert_int_equal(r.untranslated, 1);
	assert_int_equal(events_pending(f), 0);
}

static void test_dte_tv0_and_mode0(void **state)
{
	struct fix *f = *state;
	uint16_t a = DEVID(0, 4, 0), b = DEVID(0, 4, 1), c = DEVID(0, 4, 2), d = DEVID(0, 4, 3);

	enable(f);
	/* V = 1, TV = 0: untranslated, IR/IW decide; Mode and the root are not looked at. */
	set_dte(f, a, AMDVM_DTE_V, 0x11, 0, 0);
	expect_fault(f, a, 0x11, 0x8000, 0, AMDVM_EVT_IO_PAGE_FAULT, FAULT_R);
	expect_fault(f, a, 0x11, 0x8000, 1, AMDVM_EVT_IO_PAGE_FAULT, FAULT_W);
	set_dte(f, b, AMDVM_DTE_IR | AMDVM_DTE_MODE_FIELD(7) | 0xdead000 | AMDVM_DTE_V, 0x12, 0, 0);
	assert_int_equal(xlate(f, b, 0x8000, 0), 0x8000);
	expect_fault(f, b, 0x12, 0x8000, 1, AMDVM_EVT_IO_PAGE_FAULT, FAULT_W);
	/* TV = 1, Mode 0: the same. */
	set_dte(f, c, AMDVM_DTE_IR | AMDVM_DTE_IW | AMDVM_DTE_TV | AMDVM_DTE_V, 0x13, 0, 0);
	assert_int_equal(xlate(f, c, 0x7654320, 1), 0x7654320);
	assert_int_equal(xlate(f, c, 0x7654320, 0), 0x7654320);
	set_dte(f, d, AMDVM_DTE_IW | AMDVM_DTE_TV | AMDVM_DTE_V, 0x14, 0, 0);
	assert_int_equal(xlate(f, d, 0x9000, 1), 0x9000);
	expect_fault(f, d, 0x14, 0x9000, 0, AMDVM_EVT_IO_PAGE_FAULT, FAULT_R);
	/* Nothing of this fills the IOTLB. */
	assert_int_equal(amdvi_model_iotlb_count(&f->m), 0);
}

static void test_translate_3level_4k(void **state)
{
	struct fix *f = *state;
	uint16_t devid = DEVID(0, 3, 0), other = DEVID(0, 31, 7);
	uint64_t root = domain(f, devid, 3, 5);
	struct amdvi_dma_result r;

	map(f, root, 3, 0x1000, 0x300000, 1, RW);
	map(f, root, 3, 0x7ffffff000ull, 0x301000, 1, R); /* the top of a 39-bit space */
	enable(f);
	assert_int_equal(amdvi_model_dma(&f->m, devid, 0x1234, 4, 1, &r), 0);
	assert_int_equal(r.phys, 0x300234);
	assert_int_equal(r.untranslated, 0);
	assert_int_equal(xlate(f, devid, 0x7ffffff008ull, 0), 0x301008);
	expect_fault(f, devid, 5, 0x7ffffff008ull, 1, AMDVM_EVT_IO_PAGE_FAULT, FAULT_W);
	assert_int_equal(f->m.stats.iotlb_misses, 2);
	assert_int_equal(xlate(f, devid, 0x1ff8, 0), 0x300ff8);
	assert_int_equal(f->m.stats.iotlb_hits, 2);
	/* Another device in the same domain shares the cached translations. */
	set_dte(f, other,
		root | AMDVM_DTE_MODE_FIELD(3) | AMDVM_DTE_IR | AMDVM_DTE_IW | AMDVM_DTE_TV |
			AMDVM_DTE_V,
		5, 0, 0);
	assert_int_equal(xlate(f, other, 0x1000, 0), 0x300000);
	assert_int_equal(f->m.stats.iotlb_hits, 3);
	assert_int_equal(amdvi_model_iotlb_count(&f->m), 2);
	assert_int_equal(amdvi_model_dte_count(&f->m), 2);
	assert_int_equal(f->m.stats.stale_iotlb_used, 0);
}

static uint8_t leaf_size_of(struct fix *f, uint64_t iova)
{
	for (unsigned i = 0; i < AMDVM_IOTLB_SIZE; i++) {
		const struct amdvi_model_iotlb_entry *e = &f->m.iotlb[i];

		if (e->valid && iova - e->iova < (1ull << e->size_lg2))
			return e->size_lg2;
	}
	fail_msg("no IOTLB entry for %#llx", (unsigned long long)iova);
	return 0;
}

static void test_translate_large_pages(void **state)
{
	struct fix *f = *state;
	uint16_t devid = DEVID(0, 5, 0);
	uint64_t root = domain(f, devid, 4, 6);

	map(f, root, 4, 0x40000000ull, 0x400000, 2, RW);     /* 2 MiB */
	map(f, root, 4, 0x8000000000ull, 0x40000000, 3, RW); /* 1 GiB */
	map(f, root, 4, 0x40200000ull, 0x601000, 2, RW);     /* low address bits are ignored */
	map(f, root, 4, 0x40400000ull, 0x5000, 1, RW);	     /* 4 KiB next to them */
	enable(f);
	assert_int_equal(xlate(f, devid, 0x40123456ull, 1), 0x523456);
	assert_int_equal(xlate(f, devid, 0x401ffff0ull, 0), 0x5ffff0);
	assert_int_equal(leaf_size_of(f, 0x40000000ull), 21);
	assert_int_equal(xlate(f, devid, 0x8012345678ull, 0), 0x52345678);
	assert_int_equal(xlate(f, devid, 0x803ffffff8ull, 1), 0x7ffffff8);
	assert_int_equal(leaf_size_of(f, 0x8000000000ull), 30);
	assert_int_equal(xlate(f, devid, 0x40200010ull, 0), 0x600010);
	assert_int_equal(xlate(f, devid, 0x40400010ull, 0), 0x5010);
	assert_int_equal(leaf_size_of(f, 0x40400000ull), 12);
	/* One entry per leaf: 4 misses, the rest hits. */
	assert_int_equal(f->m.stats.iotlb_misses, 4);
	assert_int_equal(f->m.stats.iotlb_hits, 2);
	/* Beyond the 1 GiB page nothing is mapped. */
	expect_fault(f, devid, 6, 0x8040000000ull, 0, AMDVM_EVT_IO_PAGE_FAULT, 0);
}

static void test_translate_6level(void **state)
{
	struct fix *f = *state;
	uint16_t devid = DEVID(0, 6, 0), five = DEVID(0, 6, 1);
	uint64_t root = domain(f, devid, 6, 7), root5 = domain(f, five, 5, 8);

	/* Mode 6 reaches all 64 bits: the level-6 table is indexed by bits 63:57. */
	map(f, root, 6, 0x0123456789abc000ull, 0x700000, 1, RW);
	map(f, root, 6, 0x8000000000001000ull, 0x701000, 1, RW);
	map(f, root, 6, 0xfffffffffffff000ull, 0x702000, 1, R);
	map(f, root5, 5, 0x01fffffffffff000ull, 0x703000, 1, RW); /* mode 5: 57 bits */
	enable(f);
	assert_int_equal(xlate(f, devid, 0x0123456789abc123ull, 1), 0x700123);
	assert_int_equal(xlate(f, devid, 0x8000000000001ff8ull, 0), 0x701ff8);
	assert_int_equal(xlate(f, devid, 0xfffffffffffffff0ull, 0), 0x702ff0);
	assert_int_equal(get64(f, root) & AMDVM_PTE_PR, 1); /* index 0 */
	assert_int_equal(get64(f, root + 0x40 * 8) & AMDVM_PTE_PR, 1);
	assert_int_equal(get64(f, root + 0x7f * 8) & AMDVM_PTE_PR, 1);
	assert_int_equal(xlate(f, five, 0x01fffffffffff100ull, 1), 0x703100);
	expect_fault(f, five, 8, 0x0200000000000000ull, 0, AMDVM_EVT_IO_PAGE_FAULT, 0);
}

static void test_level_skipping(void **state)
{
	struct fix *f = *state;
	uint16_t devid = DEVID(0, 7, 0);
	uint64_t root = domain(f, devid, 4, 9);
	uint64_t t2 = page(f), t1 = page(f), t1b = page(f);

	/* Root entry 0 -> a level-2 table (level 3 skipped) -> level 1 -> 4 KiB. */
	put64(f, root, t2 | AMDVM_PTE_NL(2) | RW | AMDVM_PTE_PR);
	put64(f, t2 + 1 * 8, t1 | AMDVM_PTE_NL(1) | RW | AMDVM_PTE_PR);
	put64(f, t1 + 3 * 8, 0x500000 | RW | AMDVM_PTE_PR);
	/* Root entry 1 -> straight to a level-1 table (levels 3 and 2 skipped). */
	put64(f, root + 8, t1b | AMDVM_PTE_NL(1) | RW | AMDVM_PTE_PR);
	put64(f, t1b + 5 * 8, 0x501000 | RW | AMDVM_PTE_PR);
	enable(f);
	assert_int_equal(xlate(f, devid, 0x203010, 0), 0x500010);
	assert_int_equal(xlate(f, devid, 0x8000005010ull, 1), 0x501010);
	/* The address bits of a skipped level must be zero: nothing aliases. */
	expect_fault(f, devid, 9, 0x40203010ull, 0, AMDVM_EVT_IO_PAGE_FAULT, 0);
	expect_fault(f, devid, 9, 0x8000205010ull, 1, AMDVM_EVT_IO_PAGE_FAULT, AMDVM_EVT_FLAG_RW);
	expect_fault(f, devid, 9, 0x8040005010ull, 0, AMDVM_EVT_IO_PAGE_FAULT, 0);
	/* The probe (no caches) agrees. */
	struct amdvi_dma_result r;

	assert_int_equal(amdvi_model_probe(&f->m, devid, 0x8000005000ull, 0, &r), 0);
	assert_int_equal(r.phys, 0x501000);
	assert_int_equal(amdvi_model_probe(&f->m, devid, 0x8000205000ull, 0, &r), -1);
	assert_int_equal(r.event, AMDVM_EVT_IO_PAGE_FAULT);
}

static void test_size_encoded_leaves(void **state)
{
	struct fix *f = *state;
	uint16_t devid = DEVID(0, 8, 0);
	uint64_t root = domain(f, devid, 3, 10);
	/* A 32 KiB page: NextLevel 7 with address bits 13:12 = 11b, 14 = 0; in 8 level-1 entries.
	 */
	uint64_t pte32k = 0x700000 | 0x3000 | AMDVM_PTE_NL(7) | RW | AMDVM_PTE_PR;
	/* A 4 MiB page at level 2: bits 20:12 all 1, 21 = 0; in 2 level-2 entries. */
	uint64_t pte4m = 0x800000 | 0x1ff000 | AMDVM_PTE_NL(7) | RW | AMDVM_PTE_PR;
	uint64_t t1, t2;

	map(f, root, 3, 0x10000, 0, 1, 0); /* builds the tables down to level 1 */
	t2 = entry_at(f, root, 3, 0x10000, 2) & ~0xfffull;
	t1 = get64(f, entry_at(f, root, 3, 0x10000, 2)) & AMDVM_ADDR_MASK;
	for (unsigned i = 16; i < 24; i++)
		put64(f, t1 + i * 8, pte32k);
	put64(f, t2 + 2 * 8, pte4m);
	put64(f, t2 + 3 * 8, pte4m);
	/* At level 1 an encoded 2 MiB (bits 19:12 all 1) is the size of the whole table: bad. */
	put64(f, t1 + 40 * 8, 0x600000 | 0xff000 | AMDVM_PTE_NL(7) | RW | AMDVM_PTE_PR);
	enable(f);
	assert_int_equal(xlate(f, devid, 0x15678, 1), 0x705678);
	assert_int_equal(leaf_size_of(f, 0x10000), 15);
	assert_int_equal(xlate(f, devid, 0x10008, 0), 0x700008);
	assert_int_equal(xlate(f, devid, 0x17ff8, 0), 0x707ff8);
	assert_int_equal(f->m.stats.iotlb_misses, 1);
	assert_int_equal(xlate(f, devid, 0x6abcde, 0), 0xaabcde);
	assert_int_equal(xlate(f, devid, 0x400000, 1), 0x800000);
	assert_int_equal(leaf_size_of(f, 0x400000), 22);
	assert_int_equal(f->m.stats.iotlb_misses, 2);
	expect_fault(f, devid, 10, 0x28000, 0, AMDVM_EVT_IO_PAGE_FAULT,
		     AMDVM_EVT_FLAG_PR | AMDVM_EVT_FLAG_RZ);
}

static void test_permissions_every_level(void **state)
{
	struct fix *f = *state;
	uint16_t devid = DEVID(0, 9, 0), ro = DEVID(0, 9, 1);
	uint64_t root = domain(f, devid, 4, 11), root2;
	const uint64_t slot = 0x8000000000ull; /* one level-4 entry per case */

	for (unsigned k = 1; k <= 5; k++)
		map(f, root, 4, k * slot, 0x300000 + k * 0x1000, 1, RW);
	/* 1: the level-4 PDE lacks IW; 2: the level-3 PDE lacks IR; 3: level 2 lacks IW. */
	put64(f, entry_at(f, root, 4, 1 * slot, 4), get64(f, entry_at(f, root, 4, slot, 4)) & ~W);
	put64(f, entry_at(f, root, 4, 2 * slot, 3),
	      get64(f, entry_at(f, root, 4, 2 * slot, 3)) & ~R);
	put64(f, entry_at(f, root, 4, 3 * slot, 2),
	      get64(f, entry_at(f, root, 4, 3 * slot, 2)) & ~W);
	/* 4: a read-only leaf; 5: a write-only leaf. */
	put64(f, entry_at(f, root, 4, 4 * slot, 1), 0x304000 | R | AMDVM_PTE_PR);
	put64(f, entry_at(f, root, 4, 5 * slot, 1), 0x305000 | W | AMDVM_PTE_PR);
	enable(f);
	assert_int_equal(xlate(f, devid, 1 * slot, 0), 0x301000);
	expect_fault(f, devid, 11, 1 * slot, 1, AMDVM_EVT_IO_PAGE_FAULT, FAULT_W);
	assert_int_equal(xlate(f, devid, 2 * slot, 1), 0x302000);
	expect_fault(f, devid, 11, 2 * slot, 0, AMDVM_EVT_IO_PAGE_FAULT, FAULT_R);
	assert_int_equal(xlate(f, devid, 3 * slot + 8, 0), 0x303008);
	expect_fault(f, devid, 11, 3 * slot + 8, 1, AMDVM_EVT_IO_PAGE_FAULT, FAULT_W);
	assert_int_equal(xlate(f, devid, 4 * slot, 0), 0x304000);
	expect_fault(f, devid, 11, 4 * slot, 1, AMDVM_EVT_IO_PAGE_FAULT, FAULT_W);
	assert_int_equal(xlate(f, devid, 5 * slot, 1), 0x305000);
	expect_fault(f, devid, 11, 5 * slot, 0, AMDVM_EVT_IO_PAGE_FAULT, FAULT_R);
	/* The DTE's own IR/IW count too: a device with IR only cannot write through RW tables. */
	root2 = domain(f, ro, 3, 12);
	map(f, root2, 3, 0x1000, 0x310000, 1, RW);
	put64(f, dte_addr(f, ro), get64(f, dte_addr(f, ro)) & ~AMDVM_DTE_IW);
	assert_int_equal(xlate(f, ro, 0x1000, 0), 0x310000);
	expect_fault(f, ro, 12, 0x1000, 1, AMDVM_EVT_IO_PAGE_FAULT, FAULT_W);
}

static void test_not_present_faults(void **state)
{
	struct fix *f = *state;
	uint16_t devid = DEVID(0, 20, 0);
	uint64_t root = domain(f, devid, 4, 0x77);

	map(f, root, 4, 0x1000, 0x300000, 1, RW);
	/* An entry with everything but PR is not present either. */
	put64(f, entry_at(f, root, 4, 0x3000, 1), 0x303000 | RW);
	enable(f);
	/* Missing at level 1, 2, 3 and 4: PR = 0, RW as the request; the domain and address. */
	expect_fault(f, devid, 0x77, 0x2010, 0, AMDVM_EVT_IO_PAGE_FAULT, 0);
	expect_fault(f, devid, 0x77, 0x3000, 1, AMDVM_EVT_IO_PAGE_FAULT, AMDVM_EVT_FLAG_RW);
	expect_fault(f, devid, 0x77, 0x200000, 0, AMDVM_EVT_IO_PAGE_FAULT, 0);
	expect_fault(f, devid, 0x77, 0x40000000, 0, AMDVM_EVT_IO_PAGE_FAULT, 0);
	expect_fault(f, devid, 0x77, 0x8000000000ull, 1, AMDVM_EVT_IO_PAGE_FAULT,
		     AMDVM_EVT_FLAG_RW);
	/* Faults are not cached: mapped now, it works at once. */
	map(f, root, 4, 0x2000, 0x302000, 1, RW);
	assert_int_equal(xlate(f, devid, 0x2010, 0), 0x302010);
	assert_int_equal(f->m.stats.events_written, 5);
}

static void test_iova_beyond_mode(void **state)
{
	struct fix *f = *state;
	uint16_t devid = DEVID(0, 10, 0), one = DEVID(0, 10, 1);
	uint64_t root = domain(f, devid, 3, 13), root1 = domain(f, one, 1, 14);

	map(f, root, 3, 0x1000, 0x300000, 1, RW);
	map(f, root1, 1, 0x5000, 0x305000, 1, RW); /* mode 1: one level-1 table, 2 MiB */
	enable(f);
	assert_int_equal(xlate(f, devid, 0x1000, 0), 0x300000);
	/* Bit 39 set: beyond a 3-level table, a fault (not an alias of 0x1000). */
	expect_fault(f, devid, 13, 0x8000001000ull, 0, AMDVM_EVT_IO_PAGE_FAULT, 0);
	expect_fault(f, devid, 13, 0x8000000000001000ull, 1, AMDVM_EVT_IO_PAGE_FAULT,
		     AMDVM_EVT_FLAG_RW);
	assert_int_equal(xlate(f, one, 0x5008, 1), 0x305008);
	expect_fault(f, one, 14, 0x205000, 0, AMDVM_EVT_IO_PAGE_FAULT, 0);
}

static void test_illegal_dte(void **state)
{
	struct fix *f = *state;
	uint64_t good =
		AMDVM_DTE_MODE_FIELD(3) | AMDVM_DTE_IR | AMDVM_DTE_IW | AMDVM_DTE_TV | AMDVM_DTE_V;
	static const uint64_t rsvd[][2] = {
		{0, 1ull << 2},	 {0, 1ull << 6},  {0, 1ull << 63}, {3, 1ull << 0},
		{3, 1ull << 14}, {3, 1ull << 48}, {3, 1ull << 53},
	};
	uint16_t devid = 0x20;

	enable(f);
	/* Mode 7 is reserved. */
	set_dte(f, devid, good | AMDVM_DTE_MODE_FIELD(7), 1, 0, 0);
	expect_fault(f, devid, 0, 0x1000, 0, AMDVM_EVT_ILLEGAL_DEV_TABLE_ENTRY, 0);
	/* Reserved bits: RZ in the event. */
	for (unsigned i = 0; i < sizeof(rsvd) / sizeof(rsvd[0]); i++) {
		uint64_t q[4] = {good | page(f), 1, 0, 0};

		devid++;
		q[rsvd[i][0]] |= rsvd[i][1];
		set_dte(f, devid, q[0], q[1], q[2], q[3]);
		expect_fault(f, devid, 0, 0x1000, 1, AMDVM_EVT_ILLEGAL_DEV_TABLE_ENTRY,
			     AMDVM_EVT_FLAG_RZ | AMDVM_EVT_FLAG_RW);
	}
	/* Defined fields are not reserved: HAD (8:7), the vIOMMU fields, the interrupt half. */
	devid++;
	set_dte(f, devid, good | page(f) | 3ull << 7, 1, ~0ull, 0xffc0ffffffff8000ull);
	expect_fault(f, devid, 1, 0x1000, 0, AMDVM_EVT_IO_PAGE_FAULT, 0);
	/* A mode deeper than EFR.HATS allows: with HATS = 0, 5 and 6 are illegal, 4 is not. */
	model_init(f, AMDVM_EFR_IA_SUP);
	enable(f);
	set_dte(f, 0x30, good | AMDVM_DTE_MODE_FIELD(5) | page(f), 2, 0, 0);
	expect_fault(f, 0x30, 0, 0x1000, 0, AMDVM_EVT_ILLEGAL_DEV_TABLE_ENTRY, 0);
	set_dte(f, 0x31, (good & ~AMDVM_DTE_MODE_FIELD(7)) | AMDVM_DTE_MODE_FIELD(6) | page(f), 2,
		0, 0);
	expect_fault(f, 0x31, 0, 0x1000, 0, AMDVM_EVT_ILLEGAL_DEV_TABLE_ENTRY, 0);
	set_dte(f, 0x32, (good & ~AMDVM_DTE_MODE_FIELD(7)) | AMDVM_DTE_MODE_FIELD(4) | page(f), 2,
		0, 0);
	expect_fault(f, 0x32, 2, 0x1000, 0, AMDVM_EVT_IO_PAGE_FAULT, 0);
}

static void test_pte_malformed(void **state)
{
	struct fix *f = *state;
	uint16_t devid = DEVID(0, 11, 0), six = DEVID(0, 11, 1);
	uint64_t root = domain(f, devid, 4, 15), root6 = domain(f, six, 6, 16);
	const uint64_t slot = 0x8000000000ull;
	const unsigned rzf = AMDVM_EVT_FLAG_PR | AMDVM_EVT_FLAG_RZ;

	for (unsigned k = 0; k < 5; k++)
		map(f, root, 4, k * slot, 0x300000, 1, RW);
	/* 0: a leaf with reserved bit 52; 1: with bit 58; 2: U and FC are fine. */
	put64(f, entry_at(f, root, 4, 0, 1), 0x300000 | 1ull << 52 | RW | AMDVM_PTE_PR);
	put64(f, entry_at(f, root, 4, slot, 1), 0x300000 | 1ull << 58 | RW | AMDVM_PTE_PR);
	put64(f, entry_at(f, root, 4, 2 * slot, 1),
	      0x300000 | AMDVM_PTE_U | AMDVM_PTE_FC | RW | AMDVM_PTE_PR);
	/* 3: a level-3 PDE whose NextLevel is its own level; 4: a root PDE pointing up (5). */
	put64(f, entry_at(f, root, 4, 3 * slot, 3),
	      (get64(f, entry_at(f, root, 4, 3 * slot, 3)) & ~AMDVM_PTE_NL(7)) | AMDVM_PTE_NL(3));
	put64(f, entry_at(f, root, 4, 4 * slot, 4),
	      (get64(f, entry_at(f, root, 4, 4 * slot, 4)) & ~AMDVM_PTE_NL(7)) | AMDVM_PTE_NL(5));
	/* A leaf in a level-6 table (Table 15: none there). */
	put64(f, root6, 0x300000 | RW | AMDVM_PTE_PR);
	enable(f);
	expect_fault(f, devid, 15, 0, 0, AMDVM_EVT_IO_PAGE_FAULT, rzf);
	expect_fault(f, devid, 15, slot, 1, AMDVM_EVT_IO_PAGE_FAULT, rzf | AMDVM_EVT_FLAG_RW);
	assert_int_equal(xlate(f, devid, 2 * slot, 1), 0x300000);
	expect_fault(f, devid, 15, 3 * slot, 0, AMDVM_EVT_IO_PAGE_FAULT, rzf);
	expect_fault(f, devid, 15, 4 * slot, 0, AMDVM_EVT_IO_PAGE_FAULT, rzf);
	expect_fault(f, six, 16, 0x1000, 0, AMDVM_EVT_IO_PAGE_FAULT, rzf);
}

static void test_devid_beyond_table(void **state)
{
	struct fix *f = *state;
	struct amdvi_dma_result r;

	/* A one-page device table: 128 entries, device ids 0x00-0x7f. */
	enable(f);
	wr64(f, AMDVM_REG_CONTROL, 0);
	wr64(f, AMDVM_REG_DTB, f->dtb);
	wr64(f, AMDVM_REG_CONTROL, ON);
	assert_int_equal(xlate(f, 0x7f, 0x1000, 0), 0x1000);
	/* 0xa0 (an IOAPIC's id) lies past it, whatever the memory after the table says. */
	set_dte(f, 0xa0, AMDVM_DTE_IR | AMDVM_DTE_IW | AMDVM_DTE_TV | AMDVM_DTE_V, 0, 0, 0);
	expect_fault(f, 0xa0, 0, 0x1000, 1, AMDVM_EVT_ILLEGAL_DEV_TABLE_ENTRY, AMDVM_EVT_FLAG_RW);
	assert_int_equal(f->m.stats.devid_beyond_table, 1);
	assert_int_equal(amdvi_model_probe(&f->m, 0xa0, 0x1000, 0, &r), -1);
	assert_int_equal(r.event, AMDVM_EVT_ILLEGAL_DEV_TABLE_ENTRY);
	/* Two pages cover it (and nothing was cached for it). */
	wr64(f, AMDVM_REG_CONTROL, 0);
	wr64(f, AMDVM_REG_DTB, f->dtb | 1);
	wr64(f, AMDVM_REG_CONTROL, ON);
	assert_int_equal(xlate(f, 0xa0, 0x1000, 1), 0x1000);
	assert_int_equal(f->m.stats.dtb_write_while_enabled, 0);
}

static void test_hardware_errors(void **state)
{
	struct fix *f = *state;
	uint16_t devid = DEVID(0, 12, 0);
	uint64_t root = domain(f, devid, 3, 17);

	/* A page-directory entry pointing where there is no memory. */
	put64(f, root + 8, NO_RAM | AMDVM_PTE_NL(2) | RW | AMDVM_PTE_PR);
	enable(f);
	{
		struct amdvi_dma_result r;

		assert_int_equal(amdvi_model_dma(&f->m, devid, 0x40201000, 4, 1, &r), -1);
		assert_int_equal(r.event, AMDVM_EVT_PAGE_TAB_HARDWARE_ERROR);
		expect_event(f, AMDVM_EVT_PAGE_TAB_HARDWARE_ERROR, devid, 17, AMDVM_EVT_FLAG_RW,
			     NO_RAM + 1 * 8);
	}
	/* A device table where there is no memory. */
	wr64(f, AMDVM_REG_CONTROL, 0);
	wr64(f, AMDVM_REG_DTB, NO_RAM | 1);
	wr64(f, AMDVM_REG_CONTROL, ON);
	{
		struct amdvi_dma_result r;

		assert_int_equal(amdvi_model_dma(&f->m, DEVID(0, 13, 0), 0x1000, 4, 0, &r), -1);
		assert_int_equal(r.event, AMDVM_EVT_DEV_TAB_HARDWARE_ERROR);
		expect_event(f, AMDVM_EVT_DEV_TAB_HARDWARE_ERROR, DEVID(0, 13, 0), 0, 0,
			     NO_RAM + DEVID(0, 13, 0) * 32);
	}
	/* A command buffer where there is no memory: the processor stops. */
	wr64(f, AMDVM_REG_CONTROL, 0);
	wr64(f, AMDVM_REG_CMD_BASE, NO_RAM | AMDVM_LEN_FIELD(8));
	wr64(f, AMDVM_REG_CONTROL, ON);
	wr64(f, AMDVM_REG_CMD_TAIL, 16);
	assert_int_equal(status(f) & AMDVM_STATUS_CMD_BUF_RUN, 0);
	assert_int_equal(rd64(f, AMDVM_REG_CMD_HEAD), 0);
	assert_int_equal(f->m.stats.cmd_fetch_errors, 1);
	expect_event(f, AMDVM_EVT_COMMAND_HARDWARE_ERROR, 0, 0, 0, NO_RAM);
}

static void test_dma_data(void **state)
{
	struct fix *f = *state;
	uint16_t devid = DEVID(0, 14, 0);
	uint64_t root = domain(f, devid, 3, 18);
	uint8_t out[4096], in[4096];
	struct amdvi_dma_result r;

	for (unsigned i = 0; i < sizeof(out); i++)
		out[i] = (uint8_t)(i * 7 + 1);
	map(f, root, 3, 0x10000, 0x300000, 1, RW);
	map(f, root, 3, 0x11000, 0x305000, 1, RW);
	map(f, root, 3, 0x20000, NO_RAM, 1, RW);
	enable(f);
	/* Across a page boundary into a page elsewhere. */
	assert_int_equal(amdvi_model_dma_write(&f->m, devid, 0x10800, out, 4096, &r), 0);
	assert_int_equal(r.phys, 0x300800);
	assert_memory_equal(ptr(f, 0x300800, 2048), out, 2048);
	assert_memory_equal(ptr(f, 0x305000, 2048), out + 2048, 2048);
	assert_int_equal(amdvi_model_dma_read(&f->m, devid, 0x10800, in, 4096, &r), 0);
	assert_memory_equal(in, out, sizeof(in));
	/* Into an unmapped page: stopped there, the event names that page's address. */
	assert_int_equal(amdvi_model_dma_read(&f->m, devid, 0x11800, in, 4096, &r), -1);
	assert_int_equal(r.fault_addr, 0x12000);
	expect_event(f, AMDVM_EVT_IO_PAGE_FAULT, devid, 18, 0, 0x12000);
	/* Translated to where there is no memory: a bus error, no event. */
	assert_int_equal(amdvi_model_dma_read(&f->m, devid, 0x20000, in, 16, &r), -1);
	assert_int_equal(r.bus_error, 1);
	assert_int_equal(r.event, 0);
	assert_int_equal(events_pending(f), 0);
	assert_int_equal(f->m.stats.dma_ok, 2);
	assert_int_equal(f->m.stats.dma_bus_errors, 1);
}
/* ---- Caches and invalidation ---- */

static void inv_dte(struct fix *f, uint16_t devid)
{
	cmd_put(f, AMDVM_CMD_OP(AMDVM_CMD_INVALIDATE_DEVTAB_ENTRY) | devid, 0);
	sync(f);
}

/* INVALIDATE_IOMMU_PAGES: addr with s (size encoded) and pde. */
static void inv_pages(struct fix *f, uint16_t did, uint64_t addr, int s, int pde)
{
	cmd_put(f, AMDVM_CMD_OP(AMDVM_CMD_INVALIDATE_IOMMU_PAGES) | AMDVM_INV_DOMAIN(did),
		addr | (s ? AMDVM_INV_S : 0) | (pde ? AMDVM_INV_PDE : 0));
	sync(f);
}

static void inv_all(struct fix *f)
{
	cmd_put(f, AMDVM_CMD_OP(AMDVM_CMD_INVALIDATE_IOMMU_ALL), 0);
	sync(f);
}

/* ---- Tests: caches and invalidation ---- */

static void test_dte_cache(void **state)
{
	struct fix *f = *state;
	uint16_t devid = DEVID(0, 15, 0);
	uint64_t root = domain(f, devid, 3, 20), root21 = page(f);
	uint64_t q0 = get64(f, dte_addr(f, devid));

	map(f, root, 3, 0x1000, 0x300000, 1, RW);
	map(f, root21, 3, 0x1000, 0x400000, 1, RW);
	enable(f);
	assert_int_equal(xlate(f, devid, 0x1000, 1), 0x300000);
	assert_int_equal(amdvi_model_dte_count(&f->m), 1);
	/* Blocked in memory (mode 0, no IR/IW): the cached entry still rules. */
	put64(f, dte_addr(f, devid), AMDVM_DTE_TV | AMDVM_DTE_V);
	assert_int_equal(xlate(f, devid, 0x1000, 1), 0x300000);
	assert_int_equal(f->m.stats.stale_dte_used, 1);
	/* Another device's invalidation is not enough; its own is. */
	inv_dte(f, DEVID(0, 15, 1));
	assert_int_equal(xlate(f, devid, 0x1000, 0), 0x300000);
	assert_int_equal(f->m.stats.stale_dte_used, 2);
	inv_dte(f, devid);
	expect_fault(f, devid, 20, 0x1000, 1, AMDVM_EVT_IO_PAGE_FAULT, FAULT_W);
	assert_int_equal(f->m.stats.dte_entries_dropped, 1);
	/* The translations of domain 20 outlive the DTE invalidation. */
	assert_int_equal(amdvi_model_iotlb_count(&f->m), 1);
	/* Moved to domain 21 with other tables: the DTE invalidation is what it takes. */
	set_dte(f, devid, (q0 & ~AMDVM_ADDR_MASK) | root21, 21, 0, 0);
	inv_dte(f, devid);
	assert_int_equal(xlate(f, devid, 0x1000, 0), 0x400000);
	/* INVALIDATE_IOMMU_ALL drops the DTE too. */
	set_dte(f, devid, q0, 20, 0, 0);
	assert_int_equal(xlate(f, devid, 0x1000, 0), 0x400000);
	inv_all(f);
	assert_int_equal(amdvi_model_dte_count(&f->m), 0);
	assert_int_equal(xlate(f, devid, 0x1000, 0), 0x300000);
	assert_int_equal(f->m.stats.stale_dte_used, 3);
	assert_int_equal(f->m.stats.stale_iotlb_used, 0);
	assert_int_equal(f->m.stats.inv_dte, 3);
	assert_int_equal(f->m.stats.inv_all, 1);
}

static void test_iotlb_stale_until_invalidated(void **state)
{
	struct fix *f = *state;
	uint16_t devid = DEVID(0, 16, 0);
	uint64_t root = domain(f, devid, 3, 30);
	uint64_t pte = map(f, root, 3, 0x1000, 0x300000, 1, RW);

	map(f, root, 3, 0x2000, 0x302000, 1, RW);
	enable(f);
	assert_int_equal(xlate(f, devid, 0x1000, 1), 0x300000);
	assert_int_equal(xlate(f, devid, 0x2000, 1), 0x302000);
	/* Remapped read-only elsewhere: the IOTLB keeps the old page and its write permission. */
	put64(f, pte, 0x400000 | R | AMDVM_PTE_PR);
	assert_int_equal(xlate(f, devid, 0x1000, 1), 0x300000);
	assert_int_equal(f->m.stats.stale_iotlb_used, 1);
	/* Not enough: the DTE, another domain, the neighbour page. */
	inv_dte(f, devid);
	inv_pages(f, 31, 0x1000, 0, 1);
	inv_pages(f, 30, 0x2000, 0, 1);
	assert_int_equal(xlate(f, devid, 0x1000, 1), 0x300000);
	assert_int_equal(f->m.stats.stale_iotlb_used, 2);
	assert_int_equal(amdvi_model_iotlb_count(&f->m), 1);
	/* The page itself. */
	inv_pages(f, 30, 0x1000, 0, 0);
	assert_int_equal(xlate(f, devid, 0x1000, 0), 0x400000);
	expect_fault(f, devid, 30, 0x1000, 1, AMDVM_EVT_IO_PAGE_FAULT, FAULT_W);
	/* S = 1 with address 0: the 8 KiB at 0, which holds the page. */
	put64(f, pte, 0x500000 | RW | AMDVM_PTE_PR);
	inv_pages(f, 30, 0, 1, 0);
	assert_int_equal(xlate(f, devid, 0x1000, 1), 0x500000);
	/* Every page of the domain. */
	put64(f, pte, 0x600000 | RW | AMDVM_PTE_PR);
	inv_pages(f, 30, AMDVM_INV_ALL_PAGES, 1, 1);
	assert_int_equal(amdvi_model_iotlb_count(&f->m), 0);
	assert_int_equal(xlate(f, devid, 0x1000, 1), 0x600000);
	assert_int_equal(f->m.stats.stale_iotlb_used, 2);
	assert_int_equal(f->m.stats.inv_pages, 5);
	assert_int_equal(f->m.stats.inv_pages_pde, 3);
}

static void test_iotlb_range_invalidation(void **state)
{
	struct fix *f = *state;
	uint16_t devid = DEVID(0, 17, 0);
	uint64_t root = domain(f, devid, 3, 32);

	for (unsigned i = 0; i < 16; i++)
		map(f, root, 3, 0x10000 + i * 0x1000, 0x300000 + i * 0x1000, 1, RW);
	map(f, root, 3, 0x20000, 0x400000, 1, RW);
	map(f, root, 3, 0x40000, 0x401000, 1, RW);
	enable(f);
	for (unsigned i = 0; i < 16; i++)
		xlate(f, devid, 0x10000 + i * 0x1000, 0);
	xlate(f, devid, 0x20000, 0);
	xlate(f, devid, 0x40000, 0);
	assert_int_equal(amdvi_model_iotlb_count(&f->m), 18);
	/* Address 0x17000 with S: bits 14:12 = 111b, bit 15 = 0 -> 64 KiB at 0x10000. */
	inv_pages(f, 32, 0x17000, 1, 0);
	assert_int_equal(amdvi_model_iotlb_count(&f->m), 2);
	assert_int_equal(f->m.stats.iotlb_entries_dropped, 16);
	/* 0x1f000 with S: 256 KiB at 0 covers 0x20000, not 0x40000. */
	inv_pages(f, 32, 0x1f000, 1, 0);
	assert_int_equal(amdvi_model_iotlb_count(&f->m), 1);
	inv_pages(f, 32, 0x40000, 1, 0);
	assert_int_equal(amdvi_model_iotlb_count(&f->m), 0);
}

static void test_iotlb_large_leaf_invalidation(void **state)
{
	struct fix *f = *state;
	uint16_t devid = DEVID(0, 18, 0);
	uint64_t root = domain(f, devid, 3, 33);
	uint64_t leaf = map(f, root, 3, 0x200000, 0x400000, 2, RW);

	enable(f);
	assert_int_equal(xlate(f, devid, 0x201000, 0), 0x401000);
	/* One 4 KiB page inside the 2 MiB leaf: the leaf goes (default). */
	put64(f, leaf, 0x600000 | RW | AMDVM_PTE_PR);
	inv_pages(f, 33, 0x201000, 0, 0);
	assert_int_equal(xlate(f, devid, 0x201000, 0), 0x601000);
	/* Strict: only a range covering the whole leaf drops it. */
	f->m.inv_strict = 1;
	put64(f, leaf, 0x800000 | RW | AMDVM_PTE_PR);
	inv_pages(f, 33, 0x201000, 0, 0);
	assert_int_equal(xlate(f, devid, 0x201000, 0), 0x601000);
	inv_pages(f, 33, 0x2ff000, 1, 0); /* bits 19:12 all 1: 2 MiB at 0x200000 */
	assert_int_equal(xlate(f, devid, 0x201000, 0), 0x801000);
	assert_int_equal(f->m.stats.stale_iotlb_used, 1);
}

static void test_pde_cache(void **state)
{
	struct fix *f = *state;
	uint16_t devid = DEVID(0, 19, 0);
	uint64_t root = domain(f, devid, 3, 40), t1 = page(f), l2e;

	map(f, root, 3, 0x1000, 0x300000, 1, RW);
	map(f, root, 3, 0x2000, 0x301000, 1, RW);
	enable(f);
	assert_int_equal(xlate(f, devid, 0x1000, 0), 0x300000);
	assert_int_equal(amdvi_model_pde_count(&f->m), 2); /* the level-2 and level-1 tables */
	/* A new level-1 table in place of the old one, not yet used for 0x2000. */
	put64(f, t1 + 2 * 8, 0x401000 | RW | AMDVM_PTE_PR);
	l2e = entry_at(f, root, 3, 0x2000, 2);
	put64(f, l2e, t1 | AMDVM_PTE_NL(1) | RW | AMDVM_PTE_PR);
	/* The walk for 0x2000 starts from the cached PDE: the old table. */
	assert_int_equal(xlate(f, devid, 0x2000, 0), 0x301000);
	assert_int_equal(f->m.stats.pde_hits, 1);
	assert_int_equal(f->m.stats.stale_pde_used, 1);
	/* Invalidating the page without PDE keeps the PDE. */
	inv_pages(f, 40, 0x2000, 0, 0);
	assert_int_equal(xlate(f, devid, 0x2000, 0), 0x301000);
	assert_int_equal(f->m.stats.stale_pde_used, 2);
	/* With PDE in another range, still; in this one, gone. */
	inv_pages(f, 40, 0x40000000, 0, 1);
	assert_int_equal(amdvi_model_pde_count(&f->m), 2);
	inv_pages(f, 40, 0x2000, 0, 1);
	assert_int_equal(amdvi_model_pde_count(&f->m), 0);
	assert_int_equal(f->m.stats.pde_entries_dropped, 2);
	assert_int_equal(xlate(f, devid, 0x2000, 0), 0x401000);
	/* Its permissions too: the level-2 entry loses IW. */
	put64(f, l2e, t1 | AMDVM_PTE_NL(1) | R | AMDVM_PTE_PR);
	inv_pages(f, 40, AMDVM_INV_ALL_PAGES, 1, 0);
	assert_int_equal(xlate(f, devid, 0x2000, 1), 0x401000);
	inv_all(f);
	expect_fault(f, devid, 40, 0x2000, 1, AMDVM_EVT_IO_PAGE_FAULT, FAULT_W);
	assert_int_equal(f->m.stats.stale_pde_used, 3);
}

static void test_cache_capacity(void **state)
{
	struct fix *f = *state;
	uint16_t devid = DEVID(0, 20, 0);
	uint64_t root = domain(f, devid, 3, 50);
	const unsigned n = AMDVM_IOTLB_SIZE + 50;

	for (unsigned i = 0; i < n; i++)
		map(f, root, 3, 0x100000000ull + i * 0x1000ull, 0x1000ull * i, 1, RW);
	enable(f);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(xlate(f, devid, 0x100000000ull + i * 0x1000ull, 0), 0x1000ull * i);
	assert_int_equal(amdvi_model_iotlb_count(&f->m), AMDVM_IOTLB_SIZE);
	assert_int_equal(f->m.stats.iotlb_evictions, 50);
	assert_int_equal(f->m.stats.iotlb_misses, n);
	/* Every page of the domain: all of them, counted. */
	inv_pages(f, 50, AMDVM_INV_ALL_PAGES, 1, 1);
	assert_int_equal(amdvi_model_iotlb_count(&f->m), 0);
	assert_int_equal(f->m.stats.iotlb_entries_dropped, AMDVM_IOTLB_SIZE);
	/* Page-directory entries: one level-1 table per 2 MiB. */
	for (unsigned i = 0; i < AMDVM_PDE_CACHE_SIZE + 10; i++) {
		map(f, root, 3, 0x200000ull * i, 0x5000, 1, RW);
		xlate(f, devid, 0x200000ull * i, 0);
	}
	assert_int_equal(amdvi_model_pde_count(&f->m), AMDVM_PDE_CACHE_SIZE);
	assert_true(f->m.stats.pde_evictions >= 10);
	/* Device table entries. */
	for (unsigned d = 0; d < AMDVM_DTE_CACHE_SIZE + 10; d++)
		xlate(f, (uint16_t)(0x40 + d), 0x1000, 0);
	assert_int_equal(amdvi_model_dte_count(&f->m), AMDVM_DTE_CACHE_SIZE);
	assert_int_equal(f->m.stats.dte_evictions, 11);
	assert_int_equal(f->m.stats.stale_iotlb_used + f->m.stats.stale_pde_used, 0);
}

/* ---- Tests: the event log ---- */

/* A device whose DTE blocks everything: each request is an IO_PAGE_FAULT. */
static uint16_t blocked_device(struct fix *f, uint16_t did)
{
	uint16_t devid = DEVID(0, 21, 0);

	set_dte(f, devid, AMDVM_DTE_TV | AMDVM_DTE_V, did, 0, 0);
	return devid;
}

static int fault_logged(struct fix *f, uint16_t devid, uint64_t iova)
{
	struct amdvi_dma_result r;

	assert_int_equal(amdvi_model_dma(&f->m, devid, iova, 4, 0, &r), -1);
	assert_int_equal(r.event, AMDVM_EVT_IO_PAGE_FAULT);
	return r.logged;
}

static void test_event_log_wrap(void **state)
{
	struct fix *f = *state;
	uint16_t devid = blocked_device(f, 0x21);

	/* The log's pointers set near its end while it is off, as software may. */
	enable(f);
	wr64(f, AMDVM_REG_CONTROL, ON & ~AMDVM_CTRL_EVT_LOG_EN);
	wr64(f, AMDVM_REG_EVT_HEAD, 4096 - 32);
	wr64(f, AMDVM_REG_EVT_TAIL, 4096 - 32);
	wr64(f, AMDVM_REG_CONTROL, ON);
	for (unsigned k = 1; k <= 4; k++)
		assert_int_equal(fault_logged(f, devid, k * 0x1000ull), 1);
	assert_int_equal(rd64(f, AMDVM_REG_EVT_TAIL), 32);
	assert_int_equal(events_pending(f), 4);
	for (unsigned k = 1; k <= 4; k++)
		expect_event(f, AMDVM_EVT_IO_PAGE_FAULT, devid, 0x21, FAULT_R, k * 0x1000ull);
	assert_int_equal(rd64(f, AMDVM_REG_EVT_HEAD), 32);
	/* A 512-entry log (EventLen 9, two pages) wraps at 8 KiB. */
	wr64(f, AMDVM_REG_CONTROL, ON & ~AMDVM_CTRL_EVT_LOG_EN);
	f->evt = page(f);
	page(f);
	wr64(f, AMDVM_REG_EVT_BASE, f->evt | AMDVM_LEN_FIELD(9));
	wr64(f, AMDVM_REG_EVT_HEAD, 8192 - 16);
	wr64(f, AMDVM_REG_EVT_TAIL, 8192 - 16);
	wr64(f, AMDVM_REG_CONTROL, ON);
	assert_int_equal(fault_logged(f, devid, 0xa000), 1);
	assert_int_equal(fault_logged(f, devid, 0xb000), 1);
	assert_int_equal(rd64(f, AMDVM_REG_EVT_TAIL), 16);
	assert_int_equal(AMDVM_EVT_CODE(get64(f, f->evt + 8192 - 16)), AMDVM_EVT_IO_PAGE_FAULT);
	assert_int_equal(get64(f, f->evt + 8192 - 8), 0xa000);
	assert_int_equal(get64(f, f->evt + 8), 0xb000);
	assert_int_equal(f->m.stats.events_written, 6);
	assert_int_equal(f->m.stats.evt_base_write_while_enabled, 0);
}

static void test_event_log_overflow(void **state)
{
	struct fix *f = *state;
	uint16_t devid = blocked_device(f, 0x22);

	enable(f);
	wr64(f, AMDVM_REG_CONTROL, ON | AMDVM_CTRL_EVT_INT_EN);
	/* 256 entries hold 255 events: full when the head is one past the tail. */
	for (unsigned k = 0; k < 255; k++)
		assert_int_equal(fault_logged(f, devid, k * 0x1000ull), 1);
	assert_int_equal(rd64(f, AMDVM_REG_EVT_TAIL), 255 * 16);
	assert_int_equal(f->m.stats.evt_interrupts, 1); /* EventLogInt went up once */
	/* The next one is lost: EventOverflow, and the log stops. */
	assert_int_equal(fault_logged(f, devid, 0x999000), 0);
	assert_int_equal(status(f), AMDVM_STATUS_EVT_OVERFLOW | AMDVM_STATUS_EVT_LOG_INT |
					    AMDVM_STATUS_CMD_BUF_RUN);
	assert_int_equal(f->m.stats.events_overflow, 1);
	assert_int_equal(f->m.stats.evt_interrupts, 2);
	assert_int_equal(rd64(f, AMDVM_REG_EVT_TAIL), 255 * 16);
	/* Draining some does not restart it, nor does clearing EventOverflow alone. */
	for (unsigned k = 0; k < 10; k++)
		expect_event(f, AMDVM_EVT_IO_PAGE_FAULT, devid, 0x22, FAULT_R, k * 0x1000ull);
	assert_int_equal(fault_logged(f, devid, 0x998000), 0);
	wr32(f, AMDVM_REG_STATUS, AMDVM_STATUS_EVT_OVERFLOW | AMDVM_STATUS_EVT_LOG_INT);
	assert_int_equal(fault_logged(f, devid, 0x997000), 0);
	assert_int_equal(f->m.stats.events_dropped, 2);
	assert_int_equal(status(f) & AMDVM_STATUS_EVT_LOG_RUN, 0);
	/* EventLogEn 0 -> 1 does: logging resumes at the tail, across the wrap. */
	wr64(f, AMDVM_REG_CONTROL, ON);
	wr64(f, AMDVM_REG_CONTROL, ON & ~AMDVM_CTRL_EVT_LOG_EN);
	wr64(f, AMDVM_REG_CONTROL, ON | AMDVM_CTRL_EVT_INT_EN);
	assert_true(status(f) & AMDVM_STATUS_EVT_LOG_RUN);
	assert_int_equal(fault_logged(f, devid, 0x996000), 1);
	assert_int_equal(fault_logged(f, devid, 0x995000), 1);
	assert_int_equal(rd64(f, AMDVM_REG_EVT_TAIL), 16);
	for (unsigned k = 10; k < 255; k++)
		expect_event(f, AMDVM_EVT_IO_PAGE_FAULT, devid, 0x22, FAULT_R, k * 0x1000ull);
	expect_event(f, AMDVM_EVT_IO_PAGE_FAULT, devid, 0x22, FAULT_R, 0x996000);
	expect_event(f, AMDVM_EVT_IO_PAGE_FAULT, devid, 0x22, FAULT_R, 0x995000);
	assert_int_equal(f->m.stats.evt_restart_with_overflow, 0);
	/* Restarting without clearing EventOverflow works, and is counted. */
	for (unsigned k = 0; k < 256; k++)
		fault_logged(f, devid, 0x1000);
	assert_true(status(f) & AMDVM_STATUS_EVT_OVERFLOW);
	wr64(f, AMDVM_REG_CONTROL, ON & ~AMDVM_CTRL_EVT_LOG_EN);
	wr64(f, AMDVM_REG_CONTROL, ON);
	assert_int_equal(f->m.stats.evt_restart_with_overflow, 1);
}

static void test_event_log_off(void **state)
{
	struct fix *f = *state;
	uint16_t devid = blocked_device(f, 0x23);
	struct amdvi_dma_result r;

	enable(f);
	wr64(f, AMDVM_REG_CONTROL, ON & ~AMDVM_CTRL_EVT_LOG_EN);
	/* Blocked all the same, the event lost. */
	assert_int_equal(amdvi_model_dma(&f->m, devid, 0x1000, 4, 1, &r), -1);
	assert_int_equal(r.event, AMDVM_EVT_IO_PAGE_FAULT);
	assert_int_equal(r.logged, 0);
	assert_int_equal(f->m.stats.events_dropped, 1);
	assert_int_equal(status(f), AMDVM_STATUS_CMD_BUF_RUN);
	assert_int_equal(rd64(f, AMDVM_REG_EVT_TAIL), 0);
	/* On: the tail is the IOMMU's, software writes to it are ignored. */
	wr64(f, AMDVM_REG_CONTROL, ON | AMDVM_CTRL_EVT_INT_EN);
	assert_int_equal(fault_logged(f, devid, 0x2000), 1);
	assert_int_equal(fault_logged(f, devid, 0x3000), 1);
	assert_int_equal(f->m.stats.evt_interrupts, 1); /* EventLogInt still set: one */
	wr32(f, AMDVM_REG_STATUS, AMDVM_STATUS_EVT_LOG_INT);
	assert_int_equal(fault_logged(f, devid, 0x4000), 1);
	assert_int_equal(f->m.stats.evt_interrupts, 2);
	wr64(f, AMDVM_REG_EVT_TAIL, 0);
	assert_int_equal(rd64(f, AMDVM_REG_EVT_TAIL), 48);
	assert_int_equal(f->m.stats.evt_tail_write_while_running, 1);
	/* A head past the log is counted, and the log stops taking events. */
	wr64(f, AMDVM_REG_EVT_HEAD, 4096);
	assert_int_equal(f->m.stats.ptr_beyond_buffer, 1);
	assert_int_equal(fault_logged(f, devid, 0x5000), 0);
	wr64(f, AMDVM_REG_EVT_HEAD, 48);
	assert_int_equal(fault_logged(f, devid, 0x6000), 1);
}

static void test_event_suppressed(void **state)
{
	struct fix *f = *state;
	uint16_t devid = DEVID(0, 22, 0);
	struct amdvi_dma_result r;

	enable(f);
	/* DTE.SE: IO page faults are not logged. */
	set_dte(f, devid, AMDVM_DTE_TV | AMDVM_DTE_V, 0x24 | AMDVM_DTE1_SE, 0, 0);
	assert_int_equal(amdvi_model_dma(&f->m, devid, 0x1000, 4, 0, &r), -1);
	assert_int_equal(r.event, AMDVM_EVT_IO_PAGE_FAULT);
	assert_int_equal(r.logged, 0);
	assert_int_equal(f->m.stats.events_suppressed, 1);
	assert_int_equal(events_pending(f), 0);
	/* Other events are: an illegal DTE of the same device. */
	set_dte(f, devid, AMDVM_DTE_TV | AMDVM_DTE_V | 1ull << 3, 0x24 | AMDVM_DTE1_SE, 0, 0);
	inv_dte(f, devid);
	expect_fault(f, devid, 0, 0x1000, 0, AMDVM_EVT_ILLEGAL_DEV_TABLE_ENTRY, AMDVM_EVT_FLAG_RZ);
}

/* ---- Tests: interrupts and the exclusion range ---- */

static void test_interrupt_window(void **state)
{
	struct fix *f = *state;
	uint16_t devid = DEVID(0, 23, 0);
	uint64_t root = domain(f, devid, 3, 0x40);
	struct amdvi_dma_result r;

	map(f, root, 3, 0xfedff000ull, 0x300000, 1, RW);
	/* Off: an interrupt all the same. */
	assert_int_equal(amdvi_model_dma(&f->m, devid, AMDVM_INT_FIRST, 4, 1, &r), 0);
	assert_int_equal(r.interrupt, 1);
	enable(f);
	/* Writes to 0xfee00000-0xfeefffff are interrupts: not translated (no table maps them). */
	assert_int_equal(amdvi_model_dma(&f->m, devid, 0xfee01004ull, 4, 1, &r), 0);
	assert_int_equal(r.interrupt, 1);
	assert_int_equal(r.phys, 0xfee01004ull);
	assert_int_equal(amdvi_model_dma(&f->m, devid, AMDVM_INT_LAST - 3, 4, 1, &r), 0);
	assert_int_equal(f->m.stats.interrupts, 3);
	assert_int_equal(amdvi_model_iotlb_count(&f->m), 0);
	/* Just past it is memory again. */
	expect_fault(f, devid, 0x40, AMDVM_INT_LAST + 1, 1, AMDVM_EVT_IO_PAGE_FAULT,
		     AMDVM_EVT_FLAG_RW);
	/* Reads of it are blocked, without an event. */
	assert_int_equal(amdvi_model_dma(&f->m, devid, AMDVM_INT_FIRST, 4, 0, &r), -1);
	assert_int_equal(r.interrupt, 1);
	assert_int_equal(r.event, 0);
	assert_int_equal(r.logged, 0);
	assert_int_equal(f->m.stats.interrupt_reads, 1);
	/* A memory write running into it stops there. */
	assert_int_equal(amdvi_model_dma(&f->m, devid, 0xfedff800ull, 4096, 1, &r), -1);
	assert_int_equal(r.fault_addr, AMDVM_INT_FIRST);
	assert_int_equal(r.event, 0);
	assert_int_equal(events_pending(f), 0);
	/* The probe says the same. */
	assert_int_equal(amdvi_model_probe(&f->m, devid, 0xfee00000ull, 1, &r), 0);
	assert_int_equal(r.interrupt, 1);
	assert_int_equal(amdvi_model_probe(&f->m, devid, 0xfee00000ull, 0, &r), -1);
}

static void test_interrupt_remapping_fields(void **state)
{
	struct fix *f = *state;
	const unsigned irw = AMDVM_EVT_FLAG_I | AMDVM_EVT_FLAG_RW;
	const uint64_t msi = 0xfee00000ull;
	const uint64_t dma = AMDVM_DTE_MODE_FIELD(3) | AMDVM_DTE_TV | AMDVM_DTE_V; /* blocks DMA */
	const uint64_t irt = 0x123440ull;
	struct amdvi_dma_result r;

	enable(f);
	/* IV = 0: passed unchanged. */
	set_dte(f, 0x60, dma | page(f), 0x41, 0, 0);
	assert_int_equal(amdvi_model_dma(&f->m, 0x60, msi, 4, 1, &r), 0);
	assert_int_equal(r.untranslated, 1);
	/* IV = 1: IntCtl 1 forwards, 2 remaps, 0 aborts with an IO_PAGE_FAULT (I set). */
	set_dte(f, 0x61, dma | page(f), 0x42,
		irt | AMDVM_DTE2_INT_CTL_FIELD(1) | AMDVM_DTE2_INT_TAB_LEN_FIELD(8) | AMDVM_DTE2_IV,
		0);
	assert_int_equal(amdvi_model_dma(&f->m, 0x61, msi, 4, 1, &r), 0);
	assert_int_equal(r.untranslated, 1);
	set_dte(f, 0x62, dma | page(f), 0x43,
		irt | AMDVM_DTE2_INT_CTL_FIELD(2) | AMDVM_DTE2_INT_TAB_LEN_FIELD(11) |
			AMDVM_DTE2_IV,
		0);
	assert_int_equal(amdvi_model_dma(&f->m, 0x62, msi, 4, 1, &r), 0);
	assert_int_equal(r.untranslated, 0);
	assert_int_equal(f->m.stats.interrupts_remapped, 1);
	set_dte(f, 0x63, dma | page(f), 0x44, irt | AMDVM_DTE2_IV, 0);
	expect_fault(f, 0x63, 0x44, msi, 1, AMDVM_EVT_IO_PAGE_FAULT, irw);
	assert_int_equal(f->m.stats.interrupts_blocked, 1);
	/* ... whatever V says: the interrupt half has its own valid bit. */
	set_dte(f, 0x64, 0, 0x45, irt | AMDVM_DTE2_IV, 0);
	expect_fault(f, 0x64, 0x45, msi, 1, AMDVM_EVT_IO_PAGE_FAULT, irw);
	/* IntCtl 3, IntTabLen above 1011b, reserved bits 181:180: illegal. */
	set_dte(f, 0x65, 0, 0, irt | AMDVM_DTE2_INT_CTL_FIELD(3) | AMDVM_DTE2_IV, 0);
	expect_fault(f, 0x65, 0, msi, 1, AMDVM_EVT_ILLEGAL_DEV_TABLE_ENTRY, irw);
	set_dte(f, 0x66, 0, 0,
		irt | AMDVM_DTE2_INT_CTL_FIELD(2) | AMDVM_DTE2_INT_TAB_LEN_FIELD(12) |
			AMDVM_DTE2_IV,
		0);
	expect_fault(f, 0x66, 0, msi, 1, AMDVM_EVT_ILLEGAL_DEV_TABLE_ENTRY, irw);
	set_dte(f, 0x67, 0, 0, irt | 1ull << 52 | AMDVM_DTE2_INT_CTL_FIELD(2) | AMDVM_DTE2_IV, 0);
	expect_fault(f, 0x67, 0, msi, 1, AMDVM_EVT_ILLEGAL_DEV_TABLE_ENTRY,
		     irw | AMDVM_EVT_FLAG_RZ);
	/* Memory requests of those devices do not look at the interrupt half. */
	assert_int_equal(xlate(f, 0x67, 0x1000, 1), 0x1000);
}

static void test_exclusion_range(void **state)
{
	struct fix *f = *state;
	uint16_t a = DEVID(0, 24, 0), b = DEVID(0, 24, 1), c = DEVID(0, 24, 2);
	uint64_t root = domain(f, a, 3, 0x50);
	struct amdvi_dma_result r;

	set_dte(f, b, get64(f, dte_addr(f, a)), 0x50 | AMDVM_DTE1_EX, 0, 0);
	set_dte(f, c, AMDVM_DTE_TV | AMDVM_DTE_V, 0x51, 0, 0); /* blocks everything */
	map(f, root, 3, 0x400000, 0x500000, 1, RW);
	enable(f);
	wr64(f, AMDVM_REG_EXCL_BASE, 0x200000 | AMDVM_EXCL_EN);
	wr64(f, AMDVM_REG_EXCL_LIMIT, 0x2ff000);
	/* EX = 1: untranslated inside [base, limit + 4 KiB), translated outside. */
	assert_int_equal(amdvi_model_dma(&f->m, b, 0x250000, 8, 1, &r), 0);
	assert_int_equal(r.phys, 0x250000);
	assert_int_equal(r.untranslated, 1);
	assert_int_equal(xlate(f, b, 0x2ffff8, 0), 0x2ffff8);
	assert_int_equal(xlate(f, b, 0x200000, 0), 0x200000);
	expect_fault(f, b, 0x50, 0x300000, 0, AMDVM_EVT_IO_PAGE_FAULT, 0);
	expect_fault(f, b, 0x50, 0x1ff000, 0, AMDVM_EVT_IO_PAGE_FAULT, 0);
	assert_int_equal(xlate(f, b, 0x400000, 0), 0x500000);
	/* EX = 0: not for this device, unless Allow. */
	expect_fault(f, a, 0x50, 0x250000, 0, AMDVM_EVT_IO_PAGE_FAULT, 0);
	expect_fault(f, c, 0x51, 0x250000, 1, AMDVM_EVT_IO_PAGE_FAULT, FAULT_W);
	wr64(f, AMDVM_REG_EXCL_BASE, 0x200000 | AMDVM_EXCL_EN | AMDVM_EXCL_ALLOW);
	assert_int_equal(xlate(f, a, 0x250000, 1), 0x250000);
	assert_int_equal(xlate(f, c, 0x250000, 1), 0x250000);
	assert_int_equal(f->m.stats.dma_excluded, 5);
	/* ExEn off: gone. */
	wr64(f, AMDVM_REG_EXCL_BASE, 0x200000 | AMDVM_EXCL_ALLOW);
	expect_fault(f, c, 0x51, 0x250000, 1, AMDVM_EVT_IO_PAGE_FAULT, FAULT_W);
}

/* ---- Tests: fault injection ---- */

static void test_inject_cwait_stuck(void **state)
{
	struct fix *f = *state;

	enable(f);
	f->m.inject.cwait_stuck = 1;
	put64(f, f->sem, 0);
	cmd_put(f, AMDVM_CMD_OP(AMDVM_CMD_INVALIDATE_INTERRUPT_TABLE), 0);
	cmd_put(f, AMDVM_CMD_OP(AMDVM_CMD_COMPLETION_WAIT) | f->sem | AMDVM_CW_S | AMDVM_CW_I, 9);
	cmd_put(f, AMDVM_CMD_OP(AMDVM_CMD_INVALIDATE_INTERRUPT_TABLE), 0);
	cmd_go(f);
	/* The wait never completes: no store, no ComWaitInt, the head stays on it. */
	for (int i = 0; i < 100; i++) {
		assert_int_equal(rd64(f, AMDVM_REG_CMD_HEAD), 16);
		cmd_go(f);
	}
	assert_int_equal(get64(f, f->sem), 0);
	assert_int_equal(status(f), AMDVM_STATUS_EVT_LOG_RUN | AMDVM_STATUS_CMD_BUF_RUN);
	assert_int_equal(f->m.stats.inv_int_table, 1);
	/* Released, it completes and the rest follows. */
	f->m.inject.cwait_stuck = 0;
	amdvi_model_cmd_kick(&f->m);
	assert_int_equal(get64(f, f->sem), 9);
	assert_true(status(f) & AMDVM_STATUS_COM_WAIT_INT);
	assert_int_equal(rd64(f, AMDVM_REG_CMD_HEAD), 48);
	assert_int_equal(f->m.stats.inv_int_table, 2);
}

static void test_inject_illegal_cmd(void **state)
{
	struct fix *f = *state;
	uint64_t at;

	enable(f);
	f->m.inject.illegal_cmd = 1;
	at = f->cmd + f->ctail;
	put64(f, f->sem, 0);
	cmd_put(f, AMDVM_CMD_OP(AMDVM_CMD_COMPLETION_WAIT) | f->sem | AMDVM_CW_S, 3);
	cmd_go(f);
	/* A good command refused, once: the processor stopped on it. */
	expect_event(f, AMDVM_EVT_ILLEGAL_COMMAND_ERROR, 0, 0, 0, at);
	assert_int_equal(f->m.inject.illegal_cmd, 0);
	assert_int_equal(status(f) & AMDVM_STATUS_CMD_BUF_RUN, 0);
	assert_int_equal(get64(f, f->sem), 0);
	wr64(f, AMDVM_REG_CONTROL, ON & ~AMDVM_CTRL_CMD_BUF_EN);
	wr64(f, AMDVM_REG_CONTROL, ON);
	assert_int_equal(get64(f, f->sem), 3);
	sync(f);
}

static void test_inject_cmd_stuck(void **state)
{
	struct fix *f = *state;

	enable(f);
	f->m.inject.cmd_stuck = 1;
	put64(f, f->sem, 0);
	cmd_put(f, AMDVM_CMD_OP(AMDVM_CMD_COMPLETION_WAIT) | f->sem | AMDVM_CW_S, 4);
	cmd_go(f);
	for (int i = 0; i < 100; i++)
		assert_int_equal(rd64(f, AMDVM_REG_CMD_HEAD), 0);
	/* Restarting the buffer does not help a hung processor. */
	wr64(f, AMDVM_REG_CONTROL, ON & ~AMDVM_CTRL_CMD_BUF_EN);
	wr64(f, AMDVM_REG_CONTROL, ON);
	assert_int_equal(rd64(f, AMDVM_REG_CMD_HEAD), 0);
	assert_int_equal(get64(f, f->sem), 0);
	assert_true(status(f) & AMDVM_STATUS_CMD_BUF_RUN);
	f->m.inject.cmd_stuck = 0;
	amdvi_model_cmd_kick(&f->m);
	assert_int_equal(get64(f, f->sem), 4);
	assert_int_equal(rd64(f, AMDVM_REG_CMD_HEAD), 16);
}

static void test_inject_evt_write_fail(void **state)
{
	struct fix *f = *state;
	uint16_t devid = blocked_device(f, 0x25);

	enable(f);
	f->m.inject.evt_write_fail = 1;
	assert_int_equal(fault_logged(f, devid, 0x1000), 0);
	assert_int_equal(fault_logged(f, devid, 0x2000), 0);
	assert_int_equal(f->m.stats.event_write_errors, 2);
	assert_int_equal(rd64(f, AMDVM_REG_EVT_TAIL), 0);
	assert_int_equal(status(f) & AMDVM_STATUS_EVT_LOG_INT, 0);
	f->m.inject.evt_write_fail = 0;
	assert_int_equal(fault_logged(f, devid, 0x3000), 1);
	expect_event(f, AMDVM_EVT_IO_PAGE_FAULT, devid, 0x25, FAULT_R, 0x3000);
	/* An event log where there is no memory behaves the same. */
	wr64(f, AMDVM_REG_CONTROL, ON & ~AMDVM_CTRL_EVT_LOG_EN);
	wr64(f, AMDVM_REG_EVT_BASE, NO_RAM | AMDVM_LEN_FIELD(8));
	wr64(f, AMDVM_REG_CONTROL, ON);
	assert_int_equal(fault_logged(f, devid, 0x4000), 0);
	assert_int_equal(f->m.stats.event_write_errors, 3);
}

/* ---- Tests: driver mistakes, firmware state, probe ---- */

static void test_driver_mistakes(void **state)
{
	struct fix *f = *state;

	enable(f);
	/* Rewriting the same value is harmless; changing a live base is not. */
	wr64(f, AMDVM_REG_DTB, f->dtb | 1);
	wr64(f, AMDVM_REG_CMD_BASE, f->cmd | AMDVM_LEN_FIELD(8));
	wr64(f, AMDVM_REG_EVT_BASE, f->evt | AMDVM_LEN_FIELD(8));
	assert_int_equal(f->m.stats.dtb_write_while_enabled, 0);
	wr32(f, AMDVM_REG_DTB, (uint32_t)f->dtb);
	wr32(f, AMDVM_REG_DTB + 4, 0);
	assert_int_equal(f->m.stats.dtb_write_while_enabled, 1);
	wr64(f, AMDVM_REG_CMD_BASE, f->cmd | AMDVM_LEN_FIELD(9));
	assert_int_equal(f->m.stats.cmd_base_write_while_enabled, 1);
	wr64(f, AMDVM_REG_EVT_BASE, page(f) | AMDVM_LEN_FIELD(8));
	assert_int_equal(f->m.stats.evt_base_write_while_enabled, 1);
	/* The command head belongs to the IOMMU while the buffer runs. */
	wr64(f, AMDVM_REG_CMD_HEAD, 0x100);
	assert_int_equal(rd64(f, AMDVM_REG_CMD_HEAD), 0);
	assert_int_equal(f->m.stats.cmd_head_write_while_running, 1);
	/* With the IOMMU off, the device table base and the command head are software's. */
	wr64(f, AMDVM_REG_CONTROL, AMDVM_CTRL_CMD_BUF_EN);
	wr64(f, AMDVM_REG_DTB, f->dtb);
	wr64(f, AMDVM_REG_CMD_HEAD, 0);
	assert_int_equal(f->m.stats.dtb_write_while_enabled, 1);
	assert_int_equal(f->m.stats.cmd_head_write_while_running, 1);
	assert_int_equal(f->m.stats.cmd_base_write_while_enabled, 1);
}

static void test_firmware_state(void **state)
{
	struct fix *f = *state;
	uint16_t devid = DEVID(0, 25, 0);
	uint64_t root = domain(f, devid, 3, 0x70);
	struct amdvi_dma_result r;

	map(f, root, 3, 0x1000, 0x300000, 1, RW);
	amdvi_model_firmware_state(&f->m, ON | AMDVM_CTRL_COHERENT | AMDVM_CTRL_INV_TIMEOUT(4),
				   f->dtb | 1, f->cmd | AMDVM_LEN_FIELD(8),
				   f->evt | AMDVM_LEN_FIELD(8),
				   0x600000 | AMDVM_EXCL_EN | AMDVM_EXCL_ALLOW, 0x6ff000);
	assert_int_equal(rd64(f, AMDVM_REG_CONTROL),
			 ON | AMDVM_CTRL_COHERENT | AMDVM_CTRL_INV_TIMEOUT(4));
	assert_int_equal(rd64(f, AMDVM_REG_DTB), f->dtb | 1);
	assert_int_equal(rd64(f, AMDVM_REG_EXCL_LIMIT), 0x6ff000);
	assert_int_equal(status(f), AMDVM_STATUS_EVT_LOG_RUN | AMDVM_STATUS_CMD_BUF_RUN);
	/* Live: translation, the exclusion range firmware left, commands, events. */
	assert_int_equal(xlate(f, devid, 0x1008, 1), 0x300008);
	assert_int_equal(amdvi_model_dma(&f->m, devid, 0x680000, 4, 1, &r), 0);
	assert_int_equal(r.untranslated, 1);
	sync(f);
	expect_fault(f, devid, 0x70, 0x2000, 0, AMDVM_EVT_IO_PAGE_FAULT, 0);
	/* A driver taking over closes the exclusion range... */
	wr64(f, AMDVM_REG_EXCL_BASE, 0);
	expect_fault(f, devid, 0x70, 0x680000, 1, AMDVM_EVT_IO_PAGE_FAULT, AMDVM_EVT_FLAG_RW);
	/* ... or turns the IOMMU off: untranslated again. */
	wr64(f, AMDVM_REG_CONTROL, 0);
	assert_int_equal(xlate(f, devid, 0x2000, 0), 0x2000);
	assert_int_equal(status(f), AMDVM_STATUS_EVT_LOG_INT); /* the RUN bits went with it */
	assert_int_equal(f->m.stats.dtb_write_while_enabled + f->m.stats.len_reserved, 0);
}

static void test_probe(void **state)
{
	struct fix *f = *state;
	uint16_t devid = DEVID(0, 26, 0);
	uint64_t root = domain(f, devid, 3, 0x71);
	uint64_t pte = map(f, root, 3, 0x1000, 0x300000, 1, RW);
	struct amdvi_dma_result r;

	/* With the IOMMU still off, the probe reads the tables the registers name. */
	wr64(f, AMDVM_REG_DTB, f->dtb | 1);
	assert_int_equal(amdvi_model_probe(&f->m, devid, 0x1010, 1, &r), 0);
	assert_int_equal(r.phys, 0x300010);
	assert_int_equal(r.untranslated, 0);
	assert_int_equal(amdvi_model_dte_count(&f->m), 0);
	enable(f);
	assert_int_equal(xlate(f, devid, 0x1000, 1), 0x300000);
	/* The probe sees memory, the DMA the stale IOTLB. */
	put64(f, pte, 0x400000 | R | AMDVM_PTE_PR);
	assert_int_equal(amdvi_model_probe(&f->m, devid, 0x1000, 0, &r), 0);
	assert_int_equal(r.phys, 0x400000);
	assert_int_equal(amdvi_model_probe(&f->m, devid, 0x1000, 1, &r), -1);
	assert_int_equal(r.event, AMDVM_EVT_IO_PAGE_FAULT);
	assert_int_equal(r.flags, FAULT_W);
	assert_int_equal(amdvi_model_probe(&f->m, devid, 0x8000000000ull, 0, &r), -1);
	assert_int_equal(r.flags, 0);
	assert_int_equal(xlate(f, devid, 0x1000, 1), 0x300000);
	/* And leaves no trace: no event, no counter, no cache entry. */
	assert_int_equal(events_pending(f), 0);
	assert_int_equal(f->m.stats.events_written + f->m.stats.dma_blocked, 0);
	assert_int_equal(f->m.stats.iotlb_misses, 1);
	assert_int_equal(amdvi_model_iotlb_count(&f->m), 1);
	assert_int_equal(amdvi_model_pde_count(&f->m), 2);
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
		T(test_iommu_off_untranslated),
		T(test_dte_valid_bit),
		T(test_dte_tv0_and_mode0),
		T(test_translate_3level_4k),
		T(test_translate_large_pages),
		T(test_translate_6level),
		T(test_level_skipping),
		T(test_size_encoded_leaves),
		T(test_permissions_every_level),
		T(test_not_present_faults),
		T(test_iova_beyond_mode),
		T(test_illegal_dte),
		T(test_pte_malformed),
		T(test_devid_beyond_table),
		T(test_hardware_errors),
		T(test_dma_data),
		T(test_dte_cache),
		T(test_iotlb_stale_until_invalidated),
		T(test_iotlb_range_invalidation),
		T(test_iotlb_large_leaf_invalidation),
		T(test_pde_cache),
		T(test_cache_capacity),
		T(test_event_log_wrap),
		T(test_event_log_overflow),
		T(test_event_log_off),
		T(test_event_suppressed),
		T(test_interrupt_window),
		T(test_interrupt_remapping_fields),
		T(test_exclusion_range),
		T(test_inject_cwait_stuck),
		T(test_inject_illegal_cmd),
		T(test_inject_cmd_stuck),
		T(test_inject_evt_write_fail),
		T(test_driver_mistakes),
		T(test_firmware_state),
		T(test_probe),
#undef T
	};

	return cmocka_run_group_tests_name("amdvi_model", tests, NULL, NULL);
}
