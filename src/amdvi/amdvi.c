/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * One AMD IOMMU: probe, firmware state, disable, device table, command
 * buffer, invalidation, enable. Events are in event.c.
 */
#include <ioguard/amdvi.h>

#include "amdvi/amdvi_internal.h"
#include "amdvi/regs.h"
#include "util/bytes.h"
#include "util/log.h"
#include "util/wait.h"

uint64_t iog_amdvi_read(const struct iog_amdvi *u, uint32_t off)
{
	return u->plat->reg_read64(u->plat->ctx, u->base, off);
}

void iog_amdvi_write(const struct iog_amdvi *u, uint32_t off, uint64_t v)
{
	/* Base registers latch on a 64-bit write (QEMU: only then). */
	u->plat->reg_write64(u->plat->ctx, u->base, off, v);
}

static void flush(const struct iog_amdvi *u, const void *p, size_t len)
{
	/* Coherent or not, the IOMMU must see what the CPU wrote before it fetches it. */
	u->plat->cache_flush(u->plat->ctx, p, len);
}

static int seq_written(const void *ctx, uint64_t seq)
{
	const struct iog_amdvi *u = ctx;

	return *u->sem == seq;
}

/* Waits (bounded) until the completion-wait word holds `seq`; IOG_ETIMEDOUT (logged) otherwise. */
static int amdvi_wait(const struct iog_amdvi *u, uint64_t seq, const char *what)
{
	int err = iog_poll(u->plat, u->timeout_ns, IOG_AMDVI_MAX_POLLS, seq_written, u, seq);

	if (err)
		iog_logf(u->plat, IOG_LOG_ERROR, "amdvi %llx: %s did not complete in %llu ns",
			 (unsigned long long)u->base, what, (unsigned long long)u->timeout_ns);
	return err;
}

int iog_amdvi_probe(struct iog_amdvi *u, const struct iog_platform *plat, uint64_t base,
		    uint16_t segment, uint16_t devid, struct iog_diag *d)
{
	if (!u || !plat || !plat->reg_read64 || !plat->reg_write64 || !plat->clock_ns ||
	    !plat->page_alloc || !plat->page_free || !plat->page_virt || !plat->cache_flush ||
	    !plat->map || !plat->unmap)
		return iog_fail(d, IOG_EINVAL, 0, "platform lacks a hook the driver needs");
	if (!base || (base & (IOG_PAGE_SIZE - 1)))
		return iog_fail(d, IOG_EINVAL, base, "register base is zero or not page aligned");
	iog_memset(u, 0, sizeof(*u));
	u->plat = plat;
	u->base = base;
	u->segment = segment;
	u->devid = devid;
	u->timeout_ns = IOG_AMDVI_TIMEOUT_NS;
	u->fw.control = iog_amdvi_read(u, AMDVI_CONTROL);
	u->efr = iog_amdvi_read(u, AMDVI_EXT_FEATURE);
	if (u->fw.control == ~0ull || u->efr == ~0ull)
		return iog_fail(d, IOG_EIO, base, "no AMD IOMMU answers at this address");
	u->fw.dev_tab = iog_amdvi_read(u, AMDVI_DEV_TAB_BASE);
	u->fw.cmd_buf = iog_amdvi_read(u, AMDVI_CMD_BUF_BASE);
	u->fw.evt_log = iog_amdvi_read(u, AMDVI_EVT_LOG_BASE);
	u->fw.status = iog_amdvi_read(u, AMDVI_STATUS);
	u->fw.cmd_head = iog_amdvi_read(u, AMDVI_CMD_BUF_HEAD);
	u->fw.cmd_tail = iog_amdvi_read(u, AMDVI_CMD_BUF_TAIL);
	iog_logf(plat, IOG_LOG_INFO,
		 "amdvi %llx: efr %llx; firmware left control %llx device table %llx",
		 (unsigned long long)base, (unsigned long long)u->efr,
		 (unsigned long long)u->fw.control, (unsigned long long)u->fw.dev_tab);
	return IOG_OK;
}

/* ---- Commands ---- */

/* Queues one command in our buffer (the tail is written by the caller). */
static void cmd_put(struct iog_amdvi *u, uint64_t q0, uint64_t q1)
{
	uint64_t *slot = &u->cmd[2 * u->cmd_tail];

	slot[0] = q0;
	slot[1] = q1;
	flush(u, slot, 16);
	u->cmd_tail = (u->cmd_tail + 1) % IOG_AMDVI_CMD_ENTRIES;
	u->commands++;
}

/*
 * Queues `q0, q1` (unless q0 is 0) and a COMPLETION_WAIT that stores a new
 * sequence number, then waits for the store: the only completion signal
 * that is right on every implementation.
 */
static int cmd_submit(struct iog_amdvi *u, uint64_t q0, uint64_t q1)
{
	uint64_t seq = ++u->sem_seq;

	if (!u->cmd || !u->sem)
		return IOG_EINVAL;
	*u->sem = 0;
	flush(u, (const void *)u->sem, 8);
	if (q0)
		cmd_put(u, q0, q1);
	cmd_put(u, CMD_OPCODE(CMD_COMPLETION_WAIT) | (u->sem_phys & CW_ADDR) | CW_STORE, seq);
	iog_amdvi_write(u, AMDVI_CMD_BUF_TAIL, (uint64_t)u->cmd_tail * 16);
	return amdvi_wait(u, seq, "command completion");
}

int iog_amdvi_completion_wait(struct iog_amdvi *u)
{
	return u ? cmd_submit(u, 0, 0) : IOG_EINVAL;
}

int iog_amdvi_inv_devtab(struct iog_amdvi *u, uint16_t devid)
{
	return u ? cmd_submit(u, CMD_OPCODE(CMD_INV_DEVTAB_ENTRY) | devid, 0) : IOG_EINVAL;
}

int iog_amdvi_inv_domain(struct iog_amdvi *u, uint16_t domain)
{
	if (!u)
		return IOG_EINVAL;
	return cmd_submit(u, CMD_OPCODE(CMD_INV_IOMMU_PAGES) | INV_DOMAIN(domain),
			  INV_ALL_PAGES | INV_PDE | INV_S);
}

/*
 * Every cached device table entry and translation. With EFR.IASup one
 * command; without, every device table entry and every domain id (firmware's
 * domain ids may tag cached translations too), a half buffer at a time.
 */
int iog_amdvi_inv_all(struct iog_amdvi *u)
{
	int err = IOG_OK;

	if (!u)
		return IOG_EINVAL;
	if (u->efr & EFR_IA_SUP)
		return cmd_submit(u, CMD_OPCODE(CMD_INV_IOMMU_ALL), 0);
	for (unsigned n = 0; n < u->ndevids + 0x10000u && !err; n++) {
		if (n < u->ndevids)
			cmd_put(u, CMD_OPCODE(CMD_INV_DEVTAB_ENTRY) | n, 0);
		else
			cmd_put(u, CMD_OPCODE(CMD_INV_IOMMU_PAGES) | INV_DOMAIN(n - u->ndevids),
				INV_ALL_PAGES | INV_PDE | INV_S);
		if (n % (IOG_AMDVI_CMD_ENTRIES / 2) == IOG_AMDVI_CMD_ENTRIES / 2 - 1)
			err = cmd_submit(u, 0, 0);
	}
	return err ? err : cmd_submit(u, 0, 0);
}

int iog_amdvi_flush_pt(struct iog_amdvi *u, uint16_t domain, struct iog_pt *pt,
		       const struct iog_pt_inval *inv)
{
	int err = IOG_OK;

	if (!u || !inv)
		return IOG_EINVAL;
	/* Cached "not present" too, on some implementations: any change is invalidated. */
	if (inv->flags)
		err = iog_amdvi_inv_domain(u, domain);
	if (!err && pt)
		iog_pt_reclaim(pt);
	return err;
}

/* ---- Disable ---- */

/*
 * Appends a COMPLETION_WAIT to firmware's own command buffer and waits for
 * its store: every command firmware queued before it is then done.
 */
static int drain_firmware(struct iog_amdvi *u, uint64_t reg)
{
	uint64_t base = reg & ADDR_51_12;
	unsigned entries = 1u << ((reg >> 56) & 0xf);
	uint64_t tail = iog_amdvi_read(u, AMDVI_CMD_BUF_TAIL) & HEAD_TAIL_MASK;
	uint64_t *buf;

	if (!base || entries < 256 || entries > 32768 || tail / 16 >= entries)
		return IOG_EBADVAL;
	buf = u->plat->map(u->plat->ctx, base + tail, 16);
	if (!buf)
		return IOG_ENOMEM;
	u->sem_seq++;
	*u->sem = 0;
	flush(u, (const void *)u->sem, 8);
	buf[0] = CMD_OPCODE(CMD_COMPLETION_WAIT) | (u->sem_phys & CW_ADDR) | CW_STORE;
	buf[1] = u->sem_seq;
	flush(u, buf, 16);
	u->plat->unmap(u->plat->ctx, buf, 16);
	iog_amdvi_write(u, AMDVI_CMD_BUF_TAIL, ((tail / 16 + 1) % entries) * 16);
	return amdvi_wait(u, u->sem_seq, "draining firmware's command buffer");
}

static int alloc_page(struct iog_amdvi *u, void **virt, uint64_t *phys)
{
	*virt = NULL;
	if (u->plat->page_alloc(u->plat->ctx, virt, phys) || !*virt)
		return IOG_ENOMEM;
	flush(u, *virt, IOG_PAGE_SIZE);
	return IOG_OK;
}

int iog_amdvi_disable(struct iog_amdvi *u)
{
	uint64_t ctrl;
	int err = IOG_OK;

	if (!u || !u->plat)
		return IOG_EINVAL;
	ctrl = iog_amdvi_read(u, AMDVI_CONTROL);
	if ((ctrl & CTRL_IOMMU_EN) && (ctrl & CTRL_CMD_BUF_EN)) {
		uint64_t reg = iog_amdvi_read(u, AMDVI_CMD_BUF_BASE);
		void *page = NULL;

		if (!u->sem) {
			err = alloc_page(u, &page, &u->sem_phys);
			if (err)
				return err;
			u->sem = page;
		}
		/* Ours (a release), or firmware's: every queued command done first. */
		err = u->cmd && (reg & ADDR_51_12) == u->cmd_phys ? cmd_submit(u, 0, 0)
								  : drain_firmware(u, reg);
		if (err && err != IOG_EBADVAL)
			return err;
		if (err)
			iog_logf(u->plat, IOG_LOG_WARN,
				 "amdvi %llx: firmware's command buffer is unusable: not drained",
				 (unsigned long long)u->base);
	}
	/* Logs and interrupts first, translation last. */
	iog_amdvi_write(u, AMDVI_CONTROL, ctrl & ~CTRL_FIRMWARE_FEATURES);
	iog_amdvi_write(u, AMDVI_CONTROL, ctrl & ~(CTRL_FIRMWARE_FEATURES | CTRL_IOMMU_EN));
	iog_amdvi_write(u, AMDVI_STATUS,
			STATUS_EVT_OVERFLOW | STATUS_EVT_LOG_INT | STATUS_COM_WAIT_INT);
	return IOG_OK;
}

/* ---- Device table ---- */

/* The most host page-table levels the IOMMU walks: EFR.HATS 0, 1, 2 for 4, 5, 6 (3: reserved). */
static unsigned max_levels(const struct iog_amdvi *u)
{
	return 4 + (EFR_HATS(u->efr) < 3 ? EFR_HATS(u->efr) : 0);
}

/* The device table entry of `devid`, through the platform (its pages are ours). */
static uint64_t *dte_of(const struct iog_amdvi *u, uint16_t devid)
{
	uint64_t *page = u->plat->page_virt(
		u->plat->ctx, u->dt_phys + (uint64_t)(devid / DTES_PER_PAGE) * IOG_PAGE_SIZE);

	return page ? page + 4 * (devid % DTES_PER_PAGE) : NULL;
}

/*
 * Writes a DTE so that the IOMMU never sees half of one: V goes clear
 * first (a cleared V passes DMA through untranslated, so never that: TV
 * and no permission, which blocks), then quadwords 1-3, then quadword 0.
 */
static int set_dte(struct iog_amdvi *u, uint16_t devid, uint64_t q0, uint64_t q1)
{
	uint16_t old_domain;
	uint64_t *e;
	int err;

	if (!u->dt_phys || devid >= u->ndevids)
		return IOG_EINVAL;
	e = dte_of(u, devid);
	if (!e)
		return IOG_EINVAL;
	old_domain = (uint16_t)e[1];
	if (e[0] != (DTE_V | DTE_TV)) {
		iog_store64(&e[0], DTE_V | DTE_TV);
		flush(u, e, DTE_SIZE);
	}
	iog_store64(&e[1], q1);
	iog_store64(&e[2], 0); /* IV = 0: interrupts pass as without an IOMMU */
	iog_store64(&e[3], 0);
	flush(u, e, DTE_SIZE);
	iog_store64(&e[0], q0);
	flush(u, e, DTE_SIZE);
	/* Off, it walks nothing and its commands wait: iog_amdvi_enable invalidates all. */
	if (u->batch || !iog_amdvi_translating(u))
		return IOG_OK;
	/*
	 * The device's cached translations are tagged with its old domain, and
	 * QEMU 7.2 keeps them past INVALIDATE_DEVTAB_ENTRY: that domain goes too.
	 */
	err = iog_amdvi_inv_devtab(u, devid);
	if (!err)
		err = iog_amdvi_inv_domain(u, old_domain);
	if (!err && (uint16_t)q1 != old_domain)
		err = iog_amdvi_inv_domain(u, (uint16_t)q1);
	return err;
}

int iog_amdvi_attach(struct iog_amdvi *u, uint16_t devid, uint16_t domain, const struct iog_pt *pt)
{
	if (!u || !pt || !pt->root || pt->format != IOG_PT_AMDVI || !domain ||
	    pt->levels > max_levels(u))
		return IOG_EINVAL;
	return set_dte(u, devid,
		       DTE_V | DTE_TV | DTE_MODE(pt->levels) | (pt->root_phys & ADDR_51_12) |
			       DTE_IR | DTE_IW,
		       DTE_DOMAIN(domain));
}

int iog_amdvi_block(struct iog_amdvi *u, uint16_t devid)
{
	if (!u)
		return IOG_EINVAL;
	return set_dte(u, devid, DTE_V | DTE_TV, 0);
}

void iog_amdvi_batch_begin(struct iog_amdvi *u)
{
	if (u)
		u->batch = 1;
}

int iog_amdvi_batch_end(struct iog_amdvi *u)
{
	if (!u || !u->batch)
		return IOG_EINVAL;
	u->batch = 0;
	return iog_amdvi_translating(u) ? iog_amdvi_inv_all(u) : IOG_OK;
}

/* n physically contiguous pages, or IOG_ENOMEM (nothing kept). */
static int alloc_contiguous(struct iog_amdvi *u, unsigned n, uint64_t *phys)
{
	uint64_t first = 0;
	unsigned got = 0;
	int err = IOG_OK;

	for (; got < n; got++) {
		void *v;
		uint64_t p;

		err = alloc_page(u, &v, &p);
		if (!err && got && p != first + (uint64_t)got * IOG_PAGE_SIZE) {
			u->plat->page_free(u->plat->ctx, v, p);
			err = IOG_ENOMEM;
		}
		if (err)
			break;
		if (!got)
			first = p;
	}
	if (err) {
		while (got--) {
			uint64_t p = first + (uint64_t)got * IOG_PAGE_SIZE;

			u->plat->page_free(u->plat->ctx, u->plat->page_virt(u->plat->ctx, p), p);
		}
		return err;
	}
	*phys = first;
	return IOG_OK;
}

int iog_amdvi_setup(struct iog_amdvi *u, unsigned ndevids)
{
	void *page;
	int err;

	if (!u || !u->plat || u->dt_phys || ndevids > 0x10000u)
		return IOG_EINVAL;
	if (iog_amdvi_read(u, AMDVI_CONTROL) & CTRL_IOMMU_EN)
		return IOG_ECONFLICT; /* the base registers change only while it is off */
	if (ndevids < 256)
		ndevids = 256; /* bus 0 whole: the southbridge IOAPIC is 00:14.0 (0xa0) */
	u->dt_pages = (ndevids + DTES_PER_PAGE - 1) / DTES_PER_PAGE;
	u->ndevids = u->dt_pages * DTES_PER_PAGE;
	err = alloc_contiguous(u, u->dt_pages, &u->dt_phys);
	if (err) {
		iog_logf(u->plat, IOG_LOG_ERROR,
			 "amdvi %llx: no %u physically contiguous pages for the device table",
			 (unsigned long long)u->base, u->dt_pages);
		u->dt_pages = u->ndevids = 0;
		return err;
	}
	/* Every device blocked until attached; interrupts pass unremapped (IV = 0). */
	for (unsigned id = 0; id < u->ndevids; id++) {
		uint64_t *e = dte_of(u, (uint16_t)id);

		e[0] = DTE_V | DTE_TV;
	}
	for (unsigned p = 0; p < u->dt_pages; p++)
		flush(u, u->plat->page_virt(u->plat->ctx, u->dt_phys + p * IOG_PAGE_SIZE),
		      IOG_PAGE_SIZE);
	if (!u->cmd) {
		err = alloc_page(u, &page, &u->cmd_phys);
		if (err)
			return err;
		u->cmd = page;
	}
	if (!u->sem) {
		err = alloc_page(u, &page, &u->sem_phys);
		if (err)
			return err;
		u->sem = page;
	}
	if (!u->evt) {
		err = alloc_page(u, &page, &u->evt_phys);
		if (err)
			return err;
		u->evt = page;
	}
	/* 64-bit writes: the bases latch only so (QEMU 7.2), while the IOMMU is off. */
	iog_amdvi_write(u, AMDVI_DEV_TAB_BASE, u->dt_phys | DEV_TAB_SIZE(u->dt_pages));
	iog_amdvi_write(u, AMDVI_CMD_BUF_BASE, u->cmd_phys | BUF_LEN(8));
	iog_amdvi_write(u, AMDVI_EVT_LOG_BASE, u->evt_phys | BUF_LEN(8));
	iog_amdvi_write(u, AMDVI_CMD_BUF_HEAD, 0);
	iog_amdvi_write(u, AMDVI_CMD_BUF_TAIL, 0);
	iog_amdvi_write(u, AMDVI_EVT_LOG_HEAD, 0);
	iog_amdvi_write(u, AMDVI_EVT_LOG_TAIL, 0);
	u->cmd_tail = 0;
	return IOG_OK;
}

int iog_amdvi_enable(struct iog_amdvi *u)
{
	uint64_t ctrl;

	if (!u || !u->dt_phys)
		return IOG_EINVAL;
	ctrl = iog_amdvi_read(u, AMDVI_CONTROL) & ~CTRL_FIRMWARE_FEATURES;
	/* The command processor and event log need IommuEn to run: all three at once. */
	iog_amdvi_write(u, AMDVI_CONTROL,
			ctrl | CTRL_IOMMU_EN | CTRL_CMD_BUF_EN | CTRL_EVT_LOG_EN |
				CTRL_INV_TIMEOUT(4));
	/* Caches may hold firmware's entries: drop everything, and prove the queue runs. */
	return iog_amdvi_inv_all(u);
}

int iog_amdvi_translating(const struct iog_amdvi *u)
{
	return u && u->plat && (iog_amdvi_read(u, AMDVI_CONTROL) & CTRL_IOMMU_EN) != 0;
}

unsigned iog_amdvi_levels(const struct iog_amdvi *u, unsigned bits)
{
	for (unsigned levels = 3; levels <= max_levels(u); levels++)
		if (12 + 9 * levels >= bits)
			return levels;
	return 0;
}

int iog_amdvi_release(struct iog_amdvi *u)
{
	if (!u || !u->plat)
		return IOG_EINVAL;
	if (iog_amdvi_read(u, AMDVI_CONTROL) & CTRL_IOMMU_EN) {
		iog_logf(u->plat, IOG_LOG_ERROR,
			 "amdvi %llx: still translating: its pages are not freed",
			 (unsigned long long)u->base);
		return IOG_ECONFLICT;
	}
	for (unsigned p = 0; u->dt_phys && p < u->dt_pages; p++) {
		uint64_t phys = u->dt_phys + (uint64_t)p * IOG_PAGE_SIZE;

		u->plat->page_free(u->plat->ctx, u->plat->page_virt(u->plat->ctx, phys), phys);
	}
	u->dt_phys = 0;
	u->dt_pages = u->ndevids = 0;
	if (u->cmd)
		u->plat->page_free(u->plat->ctx, u->cmd, u->cmd_phys);
	if (u->sem)
		u->plat->page_free(u->plat->ctx, (void *)(uintptr_t)u->sem, u->sem_phys);
	if (u->evt)
		u->plat->page_free(u->plat->ctx, u->evt, u->evt_phys);
	u->cmd = NULL;
	u->sem = NULL;
	u->evt = NULL;
	return IOG_OK;
}
