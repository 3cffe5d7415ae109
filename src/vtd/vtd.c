/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * One VT-d unit: probe, firmware state, the global command protocol, disable,
 * root and context tables, enable. Invalidation is in inval.c, faults in
 * fault.c.
 */
#include <ioguard/vtd.h>

#include "util/bytes.h"
#include "util/log.h"
#include "util/wait.h"
#include "vtd/regs.h"
#include "vtd/vtd_internal.h"

uint32_t iog_vtd_read32(const struct iog_vtd *u, uint32_t off)
{
	return u->plat->reg_read32(u->plat->ctx, u->base, off);
}

uint64_t iog_vtd_read64(const struct iog_vtd *u, uint32_t off)
{
	return u->plat->reg_read64(u->plat->ctx, u->base, off);
}

void iog_vtd_write32(const struct iog_vtd *u, uint32_t off, uint32_t v)
{
	u->plat->reg_write32(u->plat->ctx, u->base, off, v);
}

void iog_vtd_write64(const struct iog_vtd *u, uint32_t off, uint64_t v)
{
	u->plat->reg_write64(u->plat->ctx, u->base, off, v);
}

void iog_vtd_flush(const struct iog_vtd *u, const void *p, size_t len)
{
	if (!(u->ecap & ECAP_C))
		u->plat->cache_flush(u->plat->ctx, p, len);
}

struct vtd_pred {
	const struct iog_vtd *u;
	int (*done)(const struct iog_vtd *u, uint64_t arg);
};

static int vtd_pred_call(const void *ctx, uint64_t arg)
{
	const struct vtd_pred *p = ctx;

	return p->done(p->u, arg);
}

/*
 * Polls until done(u, arg) says so, for at most timeout_ns of the platform
 * clock and IOG_VTD_MAX_POLLS reads.
 */
int iog_vtd_wait(const struct iog_vtd *u, int (*done)(const struct iog_vtd *u, uint64_t arg),
		 uint64_t arg, const char *what)
{
	struct vtd_pred p = {u, done};
	int err = iog_poll(u->plat, u->timeout_ns, IOG_VTD_MAX_POLLS, vtd_pred_call, &p, arg);

	if (err)
		iog_logf(u->plat, IOG_LOG_ERROR, "vtd %llx: %s did not complete in %llu ns",
			 (unsigned long long)u->base, what, (unsigned long long)u->timeout_ns);
	return err;
}

/* arg: mask in the low 32 bits, wanted value in the high 32. */
static int gsts_is(const struct iog_vtd *u, uint64_t arg)
{
	return (iog_vtd_read32(u, VTD_GSTS_REG) & (uint32_t)arg) == (uint32_t)(arg >> 32);
}

/*
 * The global command protocol (spec 11.4.4): GCMD is write-only and every
 * write is a whole command, so it carries the persistent commands as last
 * given (u->gcmd) with one of them changed, or one one-shot command added;
 * then GSTS is polled. The copy changes before the wait: a command that
 * times out (TES that never clears) stays commanded, and the next write
 * neither repeats nor undoes it, as GSTS-derived values would.
 */
int iog_vtd_gcmd(struct iog_vtd *u, uint32_t cmd, int on, const char *what)
{
	uint32_t want = on ? cmd : 0;

	if (cmd & GCMD_PERSISTENT) {
		u->gcmd = on ? (u->gcmd | cmd) : (u->gcmd & ~cmd);
		iog_vtd_write32(u, VTD_GCMD_REG, u->gcmd);
	} else {
		/* SRTP, SIRTP: never kept, their status bit sets when done. */
		iog_vtd_write32(u, VTD_GCMD_REG, u->gcmd | cmd);
	}
	return iog_vtd_wait(u, gsts_is, (uint64_t)want << 32 | cmd, what);
}

/* One-shot commands whose status bit clears when done (WBF). */
static int vtd_gcmd_oneshot_clear(struct iog_vtd *u, uint32_t cmd, const char *what)
{
	iog_vtd_write32(u, VTD_GCMD_REG, u->gcmd | cmd);
	return iog_vtd_wait(u, gsts_is, cmd, what);
}

static int absurd(uint64_t v)
{
	return v == 0 || v == ~0ull;
}

/* Counts present entries in the interrupt remapping table firmware left. */
static unsigned count_irte(const struct iog_vtd *u, uint64_t irta)
{
	uint64_t entries = 2ull << IRTA_S(irta);
	uint64_t phys = irta & IRTA_ADDR;
	unsigned present = 0;

	/* At most 64 KiB entries (S = 15): map in 4 KiB pieces. */
	for (uint64_t i = 0; i < entries; i += IOG_PAGE_SIZE / 16) {
		const uint64_t *p = u->plat->map(u->plat->ctx, phys + i * 16, IOG_PAGE_SIZE);

		if (!p) /* cannot look: count it as live, the safe assumption */
			return present + 1;
		for (unsigned k = 0; k < IOG_PAGE_SIZE / 16 && i + k < entries; k++)
			present += (p[2 * k] & IRTE_P) != 0;
		u->plat->unmap(u->plat->ctx, (void *)(uintptr_t)p, IOG_PAGE_SIZE);
	}
	return present;
}

int iog_vtd_probe(struct iog_vtd *u, const struct iog_platform *plat, uint64_t base,
		  uint32_t reg_size, uint16_t segment, struct iog_diag *d)
{
	unsigned nd;

	if (!u || !plat || !plat->reg_read32 || !plat->reg_read64 || !plat->reg_write32 ||
	    !plat->reg_write64 || !plat->clock_ns || !plat->page_alloc || !plat->page_virt ||
	    !plat->cache_flush || !plat->map || !plat->unmap)
		return iog_fail(d, IOG_EINVAL, 0, "platform lacks a hook the driver needs");
	if (!base || (base & (IOG_PAGE_SIZE - 1)))
		return iog_fail(d, IOG_EINVAL, base, "register base is zero or not page aligned");
	if (reg_size < IOG_PAGE_SIZE)
		reg_size = IOG_PAGE_SIZE;
	iog_memset(u, 0, sizeof(*u));
	u->plat = plat;
	u->base = base;
	u->segment = segment;
	u->timeout_ns = IOG_VTD_TIMEOUT_NS;
	u->ver = iog_vtd_read32(u, VTD_VER_REG);
	u->cap = iog_vtd_read64(u, VTD_CAP_REG);
	u->ecap = iog_vtd_read64(u, VTD_ECAP_REG);
	if (u->ver == 0xffffffffu || absurd(u->cap) || u->ecap == ~0ull)
		return iog_fail(d, IOG_EIO, base, "no VT-d unit answers at this address");
	nd = CAP_ND(u->cap);
	if (nd > 6)
		return iog_fail(d, IOG_EBADVAL, VTD_CAP_REG, "CAP.ND is a reserved value");
	if (!(CAP_SAGAW(u->cap) & 0xe))
		return iog_fail(d, IOG_EBADVAL, VTD_CAP_REG,
				"CAP.SAGAW offers no 3-, 4- or 5-level tables");
	if (CAP_MGAW(u->cap) + 1 < 32 || CAP_MGAW(u->cap) + 1 > 52)
		return iog_fail(d, IOG_EBADVAL, VTD_CAP_REG, "CAP.MGAW is out of range");
	u->ndoms = 1u << (4 + 2 * nd);
	u->haw = 52; /* until the caller knows the DMAR's host address width */
	u->fro = CAP_FRO(u->cap) * 16u;
	u->nfr = CAP_NFR(u->cap) + 1u;
	u->iro = ECAP_IRO(u->ecap) * 16u;
	if (u->fro < 0x40 || (uint64_t)u->fro + 16ull * u->nfr > reg_size)
		return iog_fail(d, IOG_EBADVAL, VTD_CAP_REG,
				"fault recording registers (CAP.FRO, CAP.NFR) lie outside the "
				"register window");
	if (u->iro < 0x40 || (uint64_t)u->iro + 16 > reg_size)
		return iog_fail(d, IOG_EBADVAL, VTD_ECAP_REG,
				"IOTLB registers (ECAP.IRO) lie outside the register window");

	u->fw.gsts = iog_vtd_read32(u, VTD_GSTS_REG);
	/* What firmware enabled stays commanded until we change it. */
	u->gcmd = u->fw.gsts & GCMD_PERSISTENT;
	u->fw.rtaddr = iog_vtd_read64(u, VTD_RTADDR_REG);
	u->fw.fsts = iog_vtd_read32(u, VTD_FSTS_REG);
	u->fw.fectl = iog_vtd_read32(u, VTD_FECTL_REG);
	if (u->ecap & ECAP_IR)
		u->fw.irta = iog_vtd_read64(u, VTD_IRTA_REG);
	if (u->ecap & ECAP_QI)
		u->fw.iqa = iog_vtd_read64(u, VTD_IQA_REG);
	if (u->cap & (CAP_PLMR | CAP_PHMR))
		u->fw.pmen = iog_vtd_read32(u, VTD_PMEN_REG);
	if (u->cap & CAP_PLMR) {
		u->fw.plmbase = iog_vtd_read32(u, VTD_PLMBASE_REG);
		u->fw.plmlimit = iog_vtd_read32(u, VTD_PLMLIMIT_REG);
	}
	if (u->cap & CAP_PHMR) {
		u->fw.phmbase = iog_vtd_read64(u, VTD_PHMBASE_REG);
		u->fw.phmlimit = iog_vtd_read64(u, VTD_PHMLIMIT_REG);
	}
	if ((u->fw.gsts & GSTS_IRES) && (u->fw.irta & IRTA_ADDR))
		u->fw.irte_present = count_irte(u, u->fw.irta);
	iog_logf(plat, IOG_LOG_INFO,
		 "vtd %llx: ver %u.%u cap %llx ecap %llx; firmware left gsts %x pmen %x",
		 (unsigned long long)base, (u->ver >> 4) & 0xf, u->ver & 0xf,
		 (unsigned long long)u->cap, (unsigned long long)u->ecap, u->fw.gsts, u->fw.pmen);
	return IOG_OK;
}

/* arg: the tail index (in descriptors) the head must reach. */
static int queue_idle(const struct iog_vtd *u, uint64_t arg)
{
	(void)arg;
	return iog_vtd_read64(u, VTD_IQH_REG) == iog_vtd_read64(u, VTD_IQT_REG) ||
	       (iog_vtd_read32(u, VTD_FSTS_REG) & FSTS_IQE);
}

static int pmen_off(const struct iog_vtd *u, uint64_t arg)
{
	(void)arg;
	return !(iog_vtd_read32(u, VTD_PMEN_REG) & PMEN_PRS);
}

/* Queued invalidation, once the queue is idle (firmware's descriptors fetched). */
static int disable_qi(struct iog_vtd *u)
{
	int err;

	if ((iog_vtd_read32(u, VTD_GSTS_REG) & GSTS_QIES) || (u->gcmd & GCMD_QIE)) {
		err = iog_vtd_wait(u, queue_idle, 0, "draining the invalidation queue");
		if (err)
			return err;
		err = iog_vtd_gcmd(u, GCMD_QIE, 0, "disabling queued invalidation");
		if (err)
			return err;
	}
	u->qi = 0;
	return IOG_OK;
}

static int disable_ir(struct iog_vtd *u)
{
	if ((iog_vtd_read32(u, VTD_GSTS_REG) & GSTS_IRES) || (u->gcmd & GCMD_IRE)) {
		int err = iog_vtd_gcmd(u, GCMD_IRE, 0, "disabling interrupt remapping");

		if (err)
			return err;
	}
	u->ir_deferred = 0;
	return IOG_OK;
}

int iog_vtd_disable(struct iog_vtd *u, enum iog_vtd_ir_policy policy, unsigned flags)
{
	uint32_t gsts;
	int err, ir_live;

	if (!u || !u->plat)
		return IOG_EINVAL;
	gsts = iog_vtd_read32(u, VTD_GSTS_REG);
	ir_live = (gsts & GSTS_IRES) && u->fw.irte_present;
	if (ir_live && policy == IOG_VTD_IR_REFUSE) {
		iog_logf(u->plat, IOG_LOG_ERROR,
			 "vtd %llx: interrupt remapping is on with %u live entries: not disabling",
			 (unsigned long long)u->base, u->fw.irte_present);
		return IOG_ECONFLICT;
	}
	if (ir_live && policy == IOG_VTD_IR_WARN)
		iog_logf(u->plat, IOG_LOG_WARN,
			 "vtd %llx: turning off interrupt remapping with %u live entries",
			 (unsigned long long)u->base, u->fw.irte_present);
	/*
	 * 0. Fault events: firmware may have left them unmasked, to a message
	 * address it alone handles (Linux, Jailhouse and BitVisor all keep them
	 * masked unless they take fault interrupts: iog_vtd_fault_irq_enable).
	 */
	if (iog_vtd_mask_fault_events(u))
		iog_logf(u->plat, IOG_LOG_INFO, "vtd %llx: fault events were unmasked: masked",
			 (unsigned long long)u->base);
	/*
	 * 1. Translation: from here DMA is untranslated (PMRs still apply). Also
	 * when only commanded (an enable that timed out may still complete).
	 */
	if (((gsts & GSTS_TES) || (u->gcmd & GCMD_TE)) && !(flags & IOG_VTD_KEEP_TE)) {
		err = iog_vtd_gcmd(u, GCMD_TE, 0, "disabling translation");
		if (err)
			return err;
	}
	/* 2. Interrupt remapping unless deferred, then the queue (firmware's memory). */
	if (ir_live && policy == IOG_VTD_IR_DEFER) {
		u->ir_deferred = 1;
		iog_logf(u->plat, IOG_LOG_WARN,
			 "vtd %llx: interrupt remapping left on (%u live entries), as asked",
			 (unsigned long long)u->base, u->fw.irte_present);
	} else {
		err = disable_ir(u);
		if (err)
			return err;
	}
	err = disable_qi(u);
	if (err)
		return err;
	/* 3. Protected memory regions, which block DMA even with translation off. */
	if (!(flags & IOG_VTD_KEEP_PMR)) {
		err = iog_vtd_disable_pmr(u);
		if (err)
			return err;
	}
	/* 4. Whatever firmware left in the fault records. */
	iog_vtd_faults(u, NULL, 0);
	iog_vtd_write32(u, VTD_FSTS_REG, FSTS_PFO | FSTS_IQE | FSTS_ICE | FSTS_ITE);
	return IOG_OK;
}

int iog_vtd_disable_pmr(struct iog_vtd *u)
{
	if (!u || !u->plat)
		return IOG_EINVAL;
	if (!(u->cap & (CAP_PLMR | CAP_PHMR)) || !(iog_vtd_read32(u, VTD_PMEN_REG) & PMEN_PRS))
		return IOG_OK;
	iog_vtd_write32(u, VTD_PMEN_REG, 0);
	return iog_vtd_wait(u, pmen_off, 0, "disabling protected memory regions");
}

int iog_vtd_disable_ir(struct iog_vtd *u)
{
	if (!u || !u->plat)
		return IOG_EINVAL;
	return disable_ir(u);
}

unsigned iog_vtd_levels(const struct iog_vtd *u, unsigned bits)
{
	unsigned sagaw = CAP_SAGAW(u->cap), best = 0;

	/* SAGAW bit 1: 39-bit 3-level, bit 2: 48-bit 4-level, bit 3: 57-bit 5-level. */
	for (unsigned levels = 3; levels <= 5; levels++) {
		if (!(sagaw & (1u << (levels - 2))))
			continue;
		best = levels;
		if (12 + 9 * levels >= bits)
			return levels;
	}
	return best && 12 + 9 * best >= bits ? best : 0;
}

struct iog_pt_config iog_vtd_pt_config(const struct iog_vtd *u, unsigned levels)
{
	struct iog_pt_config c = {
		.levels = levels,
		.large = CAP_SLLPS(u->cap) & (IOG_PT_LARGE_2M | IOG_PT_LARGE_1G),
		.out_bits = u->haw,
		.coherent = (u->ecap & ECAP_C) != 0,
		.format = IOG_PT_VTD_SL,
	};

	return c;
}

static void *alloc_page(struct iog_vtd *u, uint64_t *phys)
{
	void *v = NULL;

	if (u->plat->page_alloc(u->plat->ctx, &v, phys) || !v)
		return NULL;
	iog_vtd_flush(u, v, IOG_PAGE_SIZE);
	return v;
}

static void free_page(struct iog_vtd *u, void *v, uint64_t phys)
{
	if (v)
		u->plat->page_free(u->plat->ctx, v, phys);
}

int iog_vtd_set_root(struct iog_vtd *u)
{
	int err;

	if (!u || !u->plat || u->root)
		return IOG_EINVAL;
	/*
	 * With translation on (firmware's, kept on so that DMA is never
	 * untranslated), the unit switches to the new, empty root at SRTP: every
	 * device faults until its context entry is written.
	 */
	u->root = alloc_page(u, &u->root_phys);
	if (!u->root)
		return IOG_ENOMEM;
	iog_vtd_write64(u, VTD_RTADDR_REG, u->root_phys); /* TTM = 00: legacy mode */
	err = iog_vtd_gcmd(u, GCMD_SRTP, 1, "setting the root table pointer");
	if (err)
		return err;
	if (u->ecap & ECAP_QI) {
		err = iog_vtd_qi_start(u);
		if (err)
			return err;
	}
	/* Caches may hold entries from firmware's tables: drop everything. */
	err = iog_vtd_inv_context_global(u);
	if (!err)
		err = iog_vtd_inv_iotlb_global(u);
	return err;
}

static int owns_context(const struct iog_vtd *u, unsigned bus)
{
	return (u->ctx_owned[bus / 64] >> (bus % 64)) & 1;
}

/*
 * The context table of `bus` that this unit may write: its own, created when
 * `create` (a copy of the shared table when the bus points at one, so that
 * the other devices on the bus keep their entries); NULL if none or out of
 * pages.
 */
static uint64_t *context_table(struct iog_vtd *u, uint8_t bus, int create)
{
	uint64_t *root = &u->root[2 * bus], phys;
	uint64_t *ctx;

	if ((*root & ROOT_P) && owns_context(u, bus))
		return u->plat->page_virt(u->plat->ctx, *root & TABLE_ADDR);
	if (!create)
		return NULL;
	ctx = alloc_page(u, &phys);
	if (!ctx)
		return NULL;
	if (*root & ROOT_P) {
		const uint64_t *shared =
			u->plat->map(u->plat->ctx, *root & TABLE_ADDR, IOG_PAGE_SIZE);

		if (!shared) {
			free_page(u, ctx, phys);
			return NULL;
		}
		iog_memcpy(ctx, shared, IOG_PAGE_SIZE);
		u->plat->unmap(u->plat->ctx, (void *)(uintptr_t)shared, IOG_PAGE_SIZE);
		iog_vtd_flush(u, ctx, IOG_PAGE_SIZE);
	}
	u->ctx_pages++;
	u->ctx_owned[bus / 64] |= 1ull << (bus % 64);
	/*
	 * The unit may be walking the root table (translation on): the high
	 * half first, then the half with the present bit, each whole. Switching
	 * a bus from the shared table to its copy needs no invalidation: the
	 * copy holds the same entries.
	 */
	iog_store64(&root[1], 0);
	iog_vtd_flush(u, root, 16);
	iog_store64(&root[0], phys | ROOT_P);
	iog_vtd_flush(u, root, 16);
	return ctx;
}

static uint16_t sid_of(uint8_t bus, uint8_t devfn)
{
	return (uint16_t)(bus << 8 | devfn);
}

/*
 * Writes a context entry and invalidates what it replaces. The unit must
 * never see half an entry: a present one goes not-present (and is
 * invalidated) first, the high half is written before the low half that
 * holds the present bit. In a batch only new entries skip the invalidation.
 */
static int set_context(struct iog_vtd *u, uint8_t bus, uint8_t devfn, uint64_t lo, uint64_t hi)
{
	uint64_t *ctx, *e, old_lo, old_hi;
	int err;

	if (!u || !u->root)
		return IOG_EINVAL;
	/* Detaching from a shared table needs a table of its own too. */
	ctx = context_table(u, bus, lo != 0 || (u->root[2 * bus] & ROOT_P));
	if (!ctx)
		return (u->root[2 * bus] & ROOT_P) || lo ? IOG_ENOMEM : IOG_OK;
	e = &ctx[2 * devfn];
	old_lo = e[0];
	old_hi = e[1];
	if (old_lo & CTX_LO_P) {
		iog_store64(&e[0], 0);
		iog_vtd_flush(u, e, 16);
		err = iog_vtd_inv_context_device(u, (uint16_t)(old_hi >> 8), sid_of(bus, devfn));
		if (!err)
			err = iog_vtd_inv_iotlb_domain(u, (uint16_t)(old_hi >> 8));
		if (err)
			return err;
	}
	if (!lo) {
		iog_store64(&e[1], 0);
		iog_vtd_flush(u, e, 16);
		return IOG_OK;
	}
	iog_store64(&e[1], hi);
	iog_vtd_flush(u, e, 16);
	iog_store64(&e[0], lo);
	iog_vtd_flush(u, e, 16);
	if (u->batch)
		return IOG_OK; /* iog_vtd_batch_end invalidates globally */
	if (u->cap & CAP_CM) {
		/* Caching mode may cache not-present entries, under domain id 0. */
		err = iog_vtd_inv_context_device(u, 0, sid_of(bus, devfn));
		if (!err)
			err = iog_vtd_inv_iotlb_domain(u, (uint16_t)(hi >> 8));
		return err;
	}
	return iog_vtd_flush_write_buffer(u);
}

static int check_did(const struct iog_vtd *u, uint16_t did)
{
	if (did >= u->ndoms)
		return IOG_EINVAL;
	/* With caching mode, domain id 0 tags not-present entries (spec 6.2.2). */
	if (did == 0 && (u->cap & CAP_CM))
		return IOG_EINVAL;
	return IOG_OK;
}

/* Can this unit walk `pt` as domain `did`? */
static int check_pt(const struct iog_vtd *u, uint16_t did, const struct iog_pt *pt)
{
	if (!pt || !pt->root || check_did(u, did))
		return IOG_EINVAL;
	if (pt->levels < 3 || pt->levels > 5 || !(CAP_SAGAW(u->cap) & (1u << (pt->levels - 2))))
		return IOG_EINVAL;
	if (pt->coherent && !(u->ecap & ECAP_C))
		return IOG_EINVAL; /* tables built for a coherent unit lack the flushes */
	return IOG_OK;
}

int iog_vtd_context_fill(const struct iog_vtd *u, uint64_t *table, uint16_t did,
			 const struct iog_pt *pt)
{
	if (!u || !table || check_pt(u, did, pt))
		return IOG_EINVAL;
	for (unsigned devfn = 0; devfn < 256; devfn++) {
		table[2 * devfn + 1] = CTX_HI_AW(pt->levels - 2) | CTX_HI_DID(did);
		table[2 * devfn] = (pt->root_phys & TABLE_ADDR) | CTX_LO_P;
	}
	/* The table is new: no unit walks it yet, any unit may later. */
	u->plat->cache_flush(u->plat->ctx, table, IOG_PAGE_SIZE);
	return IOG_OK;
}

int iog_vtd_set_shared_context(struct iog_vtd *u, uint64_t phys)
{
	if (!u || !u->root || !phys || (phys & ~TABLE_ADDR))
		return IOG_EINVAL;
	for (unsigned bus = 0; bus < 256; bus++) {
		uint64_t *root = &u->root[2 * bus];

		if (*root & ROOT_P)
			continue; /* a table of its own (or already shared) stays */
		iog_store64(&root[1], 0);
		iog_store64(&root[0], (phys & TABLE_ADDR) | ROOT_P);
	}
	iog_vtd_flush(u, u->root, IOG_PAGE_SIZE);
	if (u->batch)
		return IOG_OK;
	/* Not-present root entries may be cached under caching mode. */
	return (u->cap & CAP_CM) ? iog_vtd_inv_context_global(u) : iog_vtd_flush_write_buffer(u);
}

int iog_vtd_attach(struct iog_vtd *u, uint8_t bus, uint8_t devfn, uint16_t did,
		   const struct iog_pt *pt)
{
	if (!u || check_pt(u, did, pt))
		return IOG_EINVAL;
	return set_context(u, bus, devfn, (pt->root_phys & TABLE_ADDR) | CTX_LO_P,
			   CTX_HI_AW(pt->levels - 2) | CTX_HI_DID(did));
}

int iog_vtd_attach_passthrough(struct iog_vtd *u, uint8_t bus, uint8_t devfn, uint16_t did)
{
	unsigned levels;

	if (!u || check_did(u, did) || !(u->ecap & ECAP_PT))
		return IOG_EINVAL;
	/* Pass-through entries carry the largest supported AGAW (spec 9.3). */
	for (levels = 5; levels > 3 && !(CAP_SAGAW(u->cap) & (1u << (levels - 2))); levels--)
		;
	return set_context(u, bus, devfn, CTX_LO_TT_PT | CTX_LO_P,
			   CTX_HI_AW(levels - 2) | CTX_HI_DID(did));
}

int iog_vtd_detach(struct iog_vtd *u, uint8_t bus, uint8_t devfn)
{
	return set_context(u, bus, devfn, 0, 0);
}

void iog_vtd_batch_begin(struct iog_vtd *u)
{
	if (u)
		u->batch = 1;
}

int iog_vtd_batch_end(struct iog_vtd *u)
{
	int err;

	if (!u || !u->batch)
		return IOG_EINVAL;
	u->batch = 0;
	err = iog_vtd_flush_write_buffer(u);
	if (!err)
		err = iog_vtd_inv_context_global(u);
	if (!err)
		err = iog_vtd_inv_iotlb_global(u);
	return err;
}

int iog_vtd_enable(struct iog_vtd *u)
{
	int err;

	if (!u || !u->root)
		return IOG_EINVAL;
	err = iog_vtd_flush_write_buffer(u);
	if (err)
		return err;
	return iog_vtd_gcmd(u, GCMD_TE, 1, "enabling translation");
}

unsigned iog_vtd_mgaw(const struct iog_vtd *u)
{
	return CAP_MGAW(u->cap) + 1;
}

int iog_vtd_translating(const struct iog_vtd *u)
{
	return u && u->plat && (iog_vtd_read32(u, VTD_GSTS_REG) & GSTS_TES) != 0;
}

int iog_vtd_flush_write_buffer(struct iog_vtd *u)
{
	if (!u)
		return IOG_EINVAL;
	if (!(u->cap & CAP_RWBF))
		return IOG_OK;
	return vtd_gcmd_oneshot_clear(u, GCMD_WBF, "flushing the write buffer");
}

int iog_vtd_release(struct iog_vtd *u)
{
	if (!u || !u->plat)
		return IOG_EINVAL;
	if ((iog_vtd_read32(u, VTD_GSTS_REG) & (GSTS_TES | GSTS_QIES)) ||
	    (u->gcmd & (GCMD_TE | GCMD_QIE))) {
		/* The unit may still (or soon) walk these pages: better leaked than reused. */
		iog_logf(u->plat, IOG_LOG_ERROR,
			 "vtd %llx: still translating or queueing: its pages are not freed",
			 (unsigned long long)u->base);
		return IOG_ECONFLICT;
	}
	if (u->root) {
		for (unsigned bus = 0; bus < 256; bus++)
			if ((u->root[2 * bus] & ROOT_P) && owns_context(u, bus)) {
				uint64_t phys = u->root[2 * bus] & TABLE_ADDR;

				free_page(u, u->plat->page_virt(u->plat->ctx, phys), phys);
			}
		free_page(u, u->root, u->root_phys);
		u->root = NULL;
		u->ctx_pages = 0;
		iog_memset(u->ctx_owned, 0, sizeof(u->ctx_owned));
	}
	iog_vtd_qi_release(u);
	return IOG_OK;
}
