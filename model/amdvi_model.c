/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The register side of the AMD-Vi model: the MMIO register file (spec chapter 3, MMIO registers),
 * the command processor (spec 2.4) and the event log (spec 2.5). The DMA side
 * (device table, page tables, caches) is in amdvi_model_dma.c.
 *
 * Choices where the specification leaves room (each also noted in place):
 *  - Base registers are plain registers read at each use: writing the
 *    command buffer or event log base does not move the head or tail
 *    pointers; software sets them (to 0) itself while the buffer is off.
 *    Changing a base while its buffer (or, for the device table, the IOMMU)
 *    is enabled is carried out and counted.
 *  - Commands run synchronously when the tail is written (and when the
 *    buffer becomes enabled); a command processor stopped by an illegal
 *    command (or a fetch error) stays stopped, with the head on the offending
 *    command, until CmdBufEn (or IommuEn) goes from 0 to 1 again.
 *  - The command head may be written only while CmdBufRun = 0, the event
 *    log tail only while EventLogRun = 0: other writes are ignored and
 *    counted. A pointer past its buffer is counted and the buffer does not
 *    run until it is fixed.
 *  - A ComLen/EventLen below 8 (reserved) is counted when the buffer is
 *    enabled and treated as 8 (256 entries).
 *  - Event log overflow loses the event, sets EventOverflow and stops the
 *    log (EventLogRun = 0) until EventLogEn goes from 0 to 1 again; enabling
 *    it with EventOverflow still set is counted (software clears it first).
 *  - EventLogInt and ComWaitInt are set whatever EventIntEn/ComWaitIntEn say;
 *    an interrupt is counted when such a status bit goes from 0 to 1 with its
 *    enable set.
 */
#include <string.h>

#include "model/amdvi_model_internal.h"

#define LOW32 0x00000000ffffffffull
#define HIGH32 0xffffffff00000000ull

#define DTB_WRITABLE (AMDVM_ADDR_MASK | 0x1ffull)
#define BUF_WRITABLE (AMDVM_ADDR_MASK | 0xfull << 56)
#define EXCL_BASE_WRITABLE (AMDVM_ADDR_MASK | AMDVM_EXCL_EN | AMDVM_EXCL_ALLOW)
#define STATUS_W1C                                                                                 \
	(AMDVM_STATUS_EVT_OVERFLOW | AMDVM_STATUS_EVT_LOG_INT | AMDVM_STATUS_COM_WAIT_INT)

/* Reserved fields of the commands (spec 2.4.1 - 2.4.8). */
#define CW_RSVD (0xffull << 52)				  /* COMPLETION_WAIT q0 59:52 */
#define DEVID_CMD_RSVD 0x0fffffffffff0000ull		  /* q0 59:16, with q1 all reserved */
#define INV_PAGES_RSVD0 (0xfffull << 20 | 0xfffull << 48) /* q0 31:20 and 59:48 */
#define INV_PAGES_RSVD1 0xff8ull			  /* q1 11:3 */
#define OPERANDS 0x0fffffffffffffffull			  /* q0 59:0 */

enum cmd_result { CMD_DONE, CMD_ILLEGAL, CMD_WAIT };

/* ---- Memory ---- */

int amdvm_read_qwords(struct amdvi_model *m, uint64_t phys, uint64_t *q, unsigned n)
{
	uint8_t b[32];

	if (n > 4 || !m->mem.read || m->mem.read(m->mem.ctx, phys, b, 8u * n))
		return -1;
	for (unsigned i = 0; i < n; i++) {
		q[i] = 0;
		for (int j = 7; j >= 0; j--)
			q[i] = q[i] << 8 | b[8 * i + (unsigned)j];
	}
	return 0;
}

int amdvm_write_qwords(struct amdvi_model *m, uint64_t phys, const uint64_t *q, unsigned n)
{
	uint8_t b[32];

	if (n > 4 || !m->mem.write)
		return -1;
	for (unsigned i = 0; i < n; i++)
		for (unsigned j = 0; j < 8; j++)
			b[8 * i + j] = (uint8_t)(q[i] >> (8 * j));
	return m->mem.write(m->mem.ctx, phys, b, 8u * n) ? -1 : 0;
}

/* ---- Status and the IOMMU's own interrupts ---- */

/* Sets a status bit; a 0 -> 1 change with its enable on is an interrupt. */
static void raise_status(struct amdvi_model *m, uint32_t bit, uint64_t enable,
			 unsigned long *interrupts)
{
	if (m->status & bit)
		return;
	m->status |= bit;
	if (m->control & enable)
		(*interrupts)++;
}

static int iommu_on(const struct amdvi_model *m)
{
	return (m->control & AMDVM_CTRL_IOMMU_EN) != 0;
}

/* Bytes in a command buffer or event log of the given base register (ComLen / EventLen, MMIO
 * offsets 0008h / 0010h). */
static uint32_t buf_bytes(uint64_t base)
{
	unsigned len = AMDVM_LEN(base);

	return (1u << (len < AMDVM_LEN_MIN ? AMDVM_LEN_MIN : len)) * 16u;
}

/* CmdBufEn and IommuEn: the command buffer is enabled (it may still be stopped). */
static int cmd_enabled(const struct amdvi_model *m)
{
	return iommu_on(m) && (m->control & AMDVM_CTRL_CMD_BUF_EN);
}

static int cmd_running(const struct amdvi_model *m)
{
	return cmd_enabled(m) && !m->cmd_halted;
}

static int evt_enabled(const struct amdvi_model *m)
{
	return iommu_on(m) && (m->control & AMDVM_CTRL_EVT_LOG_EN);
}

static int evt_running(const struct amdvi_model *m)
{
	return evt_enabled(m) && !m->evt_halted;
}

static uint32_t status_value(const struct amdvi_model *m)
{
	return m->status | (evt_running(m) ? AMDVM_STATUS_EVT_LOG_RUN : 0) |
	       (cmd_running(m) ? AMDVM_STATUS_CMD_BUF_RUN : 0);
}

/* ---- Event log (spec 2.5) ---- */

uint64_t amdvm_event_q0(unsigned code, uint16_t devid, uint16_t domain, unsigned flags)
{
	return (uint64_t)(code & 0xf) << 60 | (uint64_t)(flags & 0xfff) << 48 |
	       (uint64_t)domain << 32 | devid;
}

int amdvm_log_event(struct amdvi_model *m, uint64_t q0, uint64_t q1)
{
	uint32_t size = buf_bytes(m->evt_base), next;
	uint64_t entry[2] = {q0, q1};

	if (!evt_running(m) || m->evt_tail >= size || m->evt_head >= size) {
		m->stats.events_dropped++;
		return 0;
	}
	next = (m->evt_tail + 16) % size;
	if (next == m->evt_head) {
		/* Full (head == tail + 1): the event is lost and logging stops (status register).
		 */
		m->stats.events_overflow++;
		m->evt_halted = 1;
		raise_status(m, AMDVM_STATUS_EVT_OVERFLOW, AMDVM_CTRL_EVT_INT_EN,
			     &m->stats.evt_interrupts);
		return 0;
	}
	if (m->inject.evt_write_fail ||
	    amdvm_write_qwords(m, (m->evt_base & AMDVM_ADDR_MASK) + m->evt_tail, entry, 2)) {
		m->stats.event_write_errors++;
		return 0;
	}
	m->evt_tail = next;
	m->stats.events_written++;
	raise_status(m, AMDVM_STATUS_EVT_LOG_INT, AMDVM_CTRL_EVT_INT_EN, &m->stats.evt_interrupts);
	return 1;
}

void amdvi_model_event_decode(uint64_t q0, uint64_t q1, struct amdvi_model_event *e)
{
	e->code = AMDVM_EVT_CODE(q0);
	e->devid = AMDVM_EVT_DEVID(q0);
	e->domain = AMDVM_EVT_DOMAIN(q0);
	e->flags = AMDVM_EVT_FLAGS(q0);
	e->addr = q1;
}

/* ---- Commands (spec 2.4) ---- */

/* COMPLETION_WAIT (spec 2.4.1): earlier commands are done, as they ran in order. */
static enum cmd_result completion_wait(struct amdvi_model *m, uint64_t q0, uint64_t q1)
{
	if (q0 & CW_RSVD)
		return CMD_ILLEGAL;
	if (m->inject.cwait_stuck)
		return CMD_WAIT;
	if (q0 & AMDVM_CW_S) {
		if (amdvm_write_qwords(m, q0 & AMDVM_CW_ADDR_MASK, &q1, 1))
			m->stats.cwait_store_errors++;
		else
			m->stats.cwait_stores++;
	}
	if (q0 & AMDVM_CW_I)
		raise_status(m, AMDVM_STATUS_COM_WAIT_INT, AMDVM_CTRL_COM_WAIT_INT_EN,
			     &m->stats.cwait_interrupts);
	return CMD_DONE;
}

/*
 * INVALIDATE_IOMMU_PAGES (spec 2.4.3): S = 0 names one 4 KiB page; S = 1 a
 * naturally aligned range whose size is encoded by the run of 1s from address
 * bit 12 up (0: 8 KiB, 01b: 16 KiB, ...), all 1s meaning every page.
 */
static enum cmd_result invalidate_pages(struct amdvi_model *m, uint64_t q0, uint64_t q1)
{
	uint64_t addr = q1 & ~0xfffull;
	unsigned size_lg2 = 12;

	if ((q0 & INV_PAGES_RSVD0) || (q1 & INV_PAGES_RSVD1))
		return CMD_ILLEGAL;
	if (q1 & AMDVM_INV_GN) {
		/* Guest (PASID) translations: none are cached here. */
		return (m->cfg.efr & AMDVM_EFR_GT_SUP) ? CMD_DONE : CMD_ILLEGAL;
	}
	if (q1 & AMDVM_INV_S) {
		unsigned ones = 0;

		while (ones < 52 && ((addr >> (12 + ones)) & 1))
			ones++;
		size_lg2 = 13 + ones;
		if (size_lg2 < 64)
			addr &= ~((1ull << size_lg2) - 1);
	}
	amdvm_inv_pages(m, (uint16_t)(q0 >> 32), addr, size_lg2, (q1 & AMDVM_INV_PDE) != 0);
	m->stats.inv_pages++;
	if (q1 & AMDVM_INV_PDE)
		m->stats.inv_pages_pde++;
	return CMD_DONE;
}

static enum cmd_result execute(struct amdvi_model *m, uint64_t q0, uint64_t q1)
{
	unsigned op = AMDVM_CMD_OPCODE(q0);
	enum cmd_result res = CMD_DONE;

	switch (op) {
	case AMDVM_CMD_COMPLETION_WAIT: res = completion_wait(m, q0, q1); break;
	case AMDVM_CMD_INVALIDATE_DEVTAB_ENTRY:
		/* Spec 2.4.2: only the cached entry goes, translations stay. */
		if ((q0 & DEVID_CMD_RSVD) || q1)
			return CMD_ILLEGAL;
		amdvm_inv_dte(m, (uint16_t)q0);
		m->stats.inv_dte++;
		break;
	case AMDVM_CMD_INVALIDATE_IOMMU_PAGES: res = invalidate_pages(m, q0, q1); break;
	case AMDVM_CMD_INVALIDATE_IOTLB_PAGES:
		/* Spec 2.4.4: remote (ATS) IOTLBs; there are none, so counted only. */
		m->stats.inv_iotlb_pages++;
		break;
	case AMDVM_CMD_INVALIDATE_INTERRUPT_TABLE:
		/* Spec 2.4.5: interrupt remapping entries are not cached here. */
		if ((q0 & DEVID_CMD_RSVD) || q1)
			return CMD_ILLEGAL;
		m->stats.inv_int_table++;
		break;
	case AMDVM_CMD_PREFETCH_IOMMU_PAGES:
		/* Spec 2.4.6: a hint, only where EFR.PreFSup says the command exists. */
		if (!(m->cfg.efr & AMDVM_EFR_PREF_SUP))
			return CMD_ILLEGAL;
		break;
	case AMDVM_CMD_COMPLETE_PPR_REQUEST:
		if (!(m->cfg.efr & AMDVM_EFR_PPR_SUP))
			return CMD_ILLEGAL;
		break;
	case AMDVM_CMD_INVALIDATE_IOMMU_ALL:
		/* Spec 2.4.8: exists only with EFR.IASup. */
		if (!(m->cfg.efr & AMDVM_EFR_IA_SUP) || (q0 & OPERANDS) || q1)
			return CMD_ILLEGAL;
		amdvm_inv_all(m);
		m->stats.inv_all++;
		break;
	default: return CMD_ILLEGAL;
	}
	if (res == CMD_DONE)
		m->stats.cmds[op]++;
	return res;
}

/* The processor stops at the command at `addr` and says so in the event log. */
static void cmd_stop(struct amdvi_model *m, unsigned code, uint64_t addr)
{
	m->cmd_halted = 1;
	m->last_illegal_cmd = addr;
	amdvm_log_event(m, amdvm_event_q0(code, 0, 0, 0), addr);
}

/* Processes commands from head to tail: at most one pass over the buffer. */
static void cmd_run(struct amdvi_model *m)
{
	uint32_t size = buf_bytes(m->cmd_base);

	if (!cmd_running(m) || m->inject.cmd_stuck || m->cmd_tail >= size || m->cmd_head >= size)
		return;
	for (uint32_t i = 0; i < size / 16; i++) {
		uint64_t addr = (m->cmd_base & AMDVM_ADDR_MASK) + m->cmd_head, q[2];
		enum cmd_result res;

		if (m->cmd_head == m->cmd_tail)
			return;
		if (amdvm_read_qwords(m, addr, q, 2)) {
			m->stats.cmd_fetch_errors++;
			cmd_stop(m, AMDVM_EVT_COMMAND_HARDWARE_ERROR, addr);
			return;
		}
		if (m->inject.illegal_cmd) {
			m->inject.illegal_cmd = 0;
			res = CMD_ILLEGAL;
		} else {
			res = execute(m, q[0], q[1]);
		}
		if (res == CMD_ILLEGAL) {
			/* Spec 2.4: ILLEGAL_COMMAND_ERROR, the head stays on the command. */
			m->stats.cmd_illegal++;
			cmd_stop(m, AMDVM_EVT_ILLEGAL_COMMAND_ERROR, addr);
			return;
		}
		if (res == CMD_WAIT)
			return;
		m->cmd_head = (m->cmd_head + 16) % size;
	}
}

void amdvi_model_cmd_kick(struct amdvi_model *m)
{
	cmd_run(m);
}

/* ---- The register file ---- */

static uint64_t control_writable(const struct amdvi_model *m)
{
	uint64_t w = 0x3ffffull; /* bits 17:0, IommuEn .. GAEn */

	if (m->cfg.efr & AMDVM_EFR_XT_SUP)
		w |= AMDVM_CTRL_XT_EN | AMDVM_CTRL_INT_CAP_XT_EN;
	return w;
}

static void control_write(struct amdvi_model *m, uint64_t v)
{
	int cmd_was = cmd_enabled(m), evt_was = evt_enabled(m);

	m->control = v & control_writable(m);
	if (!evt_was && evt_enabled(m)) {
		/* The log (re)starts at its head and tail. */
		if (m->status & AMDVM_STATUS_EVT_OVERFLOW)
			m->stats.evt_restart_with_overflow++;
		if (AMDVM_LEN(m->evt_base) < AMDVM_LEN_MIN)
			m->stats.len_reserved++;
		m->evt_halted = 0;
	}
	if (!cmd_was && cmd_enabled(m)) {
		/* The processor (re)starts fetching at the head. */
		if (AMDVM_LEN(m->cmd_base) < AMDVM_LEN_MIN)
			m->stats.len_reserved++;
		m->cmd_halted = 0;
		cmd_run(m);
	}
}

static uint64_t merge(uint64_t old, uint64_t v, uint64_t bytes, uint64_t writable)
{
	return ((old & ~bytes) | (v & bytes)) & writable;
}

/* A pointer register value: past the buffer it is counted (and the buffer stalls). */
static uint32_t pointer(struct amdvi_model *m, uint32_t old, uint64_t v, uint64_t bytes,
			uint64_t base)
{
	uint32_t p = (uint32_t)merge(old, v, bytes, AMDVM_PTR_MASK);

	if (p >= buf_bytes(base))
		m->stats.ptr_beyond_buffer++;
	return p;
}

static uint64_t reg_read(struct amdvi_model *m, uint32_t off)
{
	switch (off) {
	case AMDVM_REG_DTB: return m->dtb;
	case AMDVM_REG_CMD_BASE: return m->cmd_base;
	case AMDVM_REG_EVT_BASE: return m->evt_base;
	case AMDVM_REG_CONTROL: return m->control;
	case AMDVM_REG_EXCL_BASE: return m->excl_base;
	case AMDVM_REG_EXCL_LIMIT: return m->excl_limit;
	case AMDVM_REG_EFR: return m->cfg.efr;
	case AMDVM_REG_CMD_HEAD: return m->cmd_head;
	case AMDVM_REG_CMD_TAIL: return m->cmd_tail;
	case AMDVM_REG_EVT_HEAD: return m->evt_head;
	case AMDVM_REG_EVT_TAIL: return m->evt_tail;
	case AMDVM_REG_STATUS: return status_value(m);
	default: return 0;
	}
}

/* A write of the bytes in `bytes` (low dword, high dword or both) of a 64-bit register. */
static void reg_write(struct amdvi_model *m, uint32_t off, uint64_t v, uint64_t bytes)
{
	uint64_t nv;

	switch (off) {
	case AMDVM_REG_DTB:
		nv = merge(m->dtb, v, bytes, DTB_WRITABLE);
		if (nv != m->dtb && iommu_on(m))
			m->stats.dtb_write_while_enabled++;
		m->dtb = nv;
		break;
	case AMDVM_REG_CMD_BASE:
		nv = merge(m->cmd_base, v, bytes, BUF_WRITABLE);
		if (nv != m->cmd_base && (m->control & AMDVM_CTRL_CMD_BUF_EN))
			m->stats.cmd_base_write_while_enabled++;
		m->cmd_base = nv;
		break;
	case AMDVM_REG_EVT_BASE:
		nv = merge(m->evt_base, v, bytes, BUF_WRITABLE);
		if (nv != m->evt_base && (m->control & AMDVM_CTRL_EVT_LOG_EN))
			m->stats.evt_base_write_while_enabled++;
		m->evt_base = nv;
		break;
	case AMDVM_REG_CONTROL: control_write(m, merge(m->control, v, bytes, ~0ull)); break;
	case AMDVM_REG_EXCL_BASE:
		m->excl_base = merge(m->excl_base, v, bytes, EXCL_BASE_WRITABLE);
		break;
	case AMDVM_REG_EXCL_LIMIT:
		m->excl_limit = merge(m->excl_limit, v, bytes, AMDVM_ADDR_MASK);
		break;
	case AMDVM_REG_CMD_HEAD:
		if (cmd_running(m)) {
			m->stats.cmd_head_write_while_running++;
			break;
		}
		m->cmd_head = pointer(m, m->cmd_head, v, bytes, m->cmd_base);
		break;
	case AMDVM_REG_CMD_TAIL:
		m->cmd_tail = pointer(m, m->cmd_tail, v, bytes, m->cmd_base);
		if (bytes & LOW32)
			cmd_run(m);
		break;
	case AMDVM_REG_EVT_HEAD:
		m->evt_head = pointer(m, m->evt_head, v, bytes, m->evt_base);
		break;
	case AMDVM_REG_EVT_TAIL:
		if (evt_running(m)) {
			m->stats.evt_tail_write_while_running++;
			break;
		}
		m->evt_tail = pointer(m, m->evt_tail, v, bytes, m->evt_base);
		break;
	case AMDVM_REG_STATUS: m->status &= ~(uint32_t)(v & bytes & STATUS_W1C); break;
	default: break; /* the EFR is read-only; unknown offsets ignore writes */
	}
}

uint64_t amdvi_model_read(struct amdvi_model *m, uint32_t offset, unsigned size)
{
	uint64_t v;

	if ((size != 4 && size != 8) || (offset & (size - 1)) || offset >= AMDVM_MMIO_SIZE)
		return 0;
	v = reg_read(m, offset & ~7u);
	if (size == 8)
		return v;
	return (uint32_t)(v >> (offset & 4 ? 32 : 0));
}

void amdvi_model_write(struct amdvi_model *m, uint32_t offset, unsigned size, uint64_t value)
{
	if ((size != 4 && size != 8) || (offset & (size - 1)) || offset >= AMDVM_MMIO_SIZE)
		return;
	if (size == 8)
		reg_write(m, offset, value, ~0ull);
	else if (offset & 4)
		reg_write(m, offset & ~7u, (value & LOW32) << 32, HIGH32);
	else
		reg_write(m, offset, value & LOW32, LOW32);
}

static uint64_t mmio_read(void *dev, uint32_t offset, unsigned size)
{
	return amdvi_model_read(dev, offset, size);
}

static void mmio_write(void *dev, uint32_t offset, unsigned size, uint64_t value)
{
	amdvi_model_write(dev, offset, size, value);
}

const struct iog_mmio_ops amdvi_model_mmio_ops = {
	.read = mmio_read,
	.write = mmio_write,
};

void amdvi_model_init(struct amdvi_model *m, const struct amdvi_model_config *cfg,
		      const struct amdvi_model_mem *mem)
{
	memset(m, 0, sizeof(*m));
	m->cfg = *cfg;
	if (mem)
		m->mem = *mem;
}

void amdvi_model_firmware_state(struct amdvi_model *m, uint64_t control, uint64_t dtb,
				uint64_t cmd_base, uint64_t evt_base, uint64_t excl_base,
				uint64_t excl_limit)
{
	m->dtb = dtb & DTB_WRITABLE;
	m->cmd_base = cmd_base & BUF_WRITABLE;
	m->evt_base = evt_base & BUF_WRITABLE;
	m->excl_base = excl_base & EXCL_BASE_WRITABLE;
	m->excl_limit = excl_limit & AMDVM_ADDR_MASK;
	m->control = control & control_writable(m);
	m->cmd_head = m->cmd_tail = 0;
	m->evt_head = m->evt_tail = 0;
	m->status = 0;
	m->cmd_halted = 0;
	m->evt_halted = 0;
}
