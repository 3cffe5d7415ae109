/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Invalidation of the context cache and the IOTLB: through the registers
 * (CCMD, IOTLB at ECAP.IRO) or, when the unit has it, the invalidation queue
 * (spec 6.5), each request followed by a wait descriptor whose status write
 * says the unit has done it.
 */
#include <ioguard/vtd.h>

#include "util/log.h"
#include "vtd/regs.h"
#include "vtd/vtd_internal.h"

int iog_vtd_qi_start(struct iog_vtd *u)
{
	void *v = NULL;
	int err;

	if (!u->iq) {
		if (u->plat->page_alloc(u->plat->ctx, &v, &u->iq_phys) || !v)
			return IOG_ENOMEM;
		u->iq = v;
	}
	if (!u->status) {
		if (u->plat->page_alloc(u->plat->ctx, &v, &u->status_phys) || !v)
			return IOG_ENOMEM;
		u->status = v;
	}
	iog_vtd_flush(u, u->iq, IOG_PAGE_SIZE);
	u->iq_tail = 0;
	iog_vtd_write64(u, VTD_IQT_REG, 0);
	iog_vtd_write64(u, VTD_IQA_REG, u->iq_phys & IQA_ADDR); /* QS = 0: 256 descriptors */
	err = iog_vtd_gcmd(u, GCMD_QIE, 1, "enabling queued invalidation");
	if (err)
		return err;
	u->qi = 1;
	return IOG_OK;
}

void iog_vtd_qi_release(struct iog_vtd *u)
{
	if (u->iq)
		u->plat->page_free(u->plat->ctx, u->iq, u->iq_phys);
	if (u->status)
		u->plat->page_free(u->plat->ctx, (void *)(uintptr_t)u->status, u->status_phys);
	u->iq = NULL;
	u->status = NULL;
	u->qi = 0;
}

/* arg: the sequence number the wait descriptor writes. */
static int wait_written(const struct iog_vtd *u, uint64_t arg)
{
	return *u->status == (uint32_t)arg || (iog_vtd_read32(u, VTD_FSTS_REG) & FSTS_IQE);
}

static void qi_write(struct iog_vtd *u, unsigned index, uint64_t lo, uint64_t hi)
{
	uint64_t *slot = &u->iq[2 * index];

	slot[0] = lo;
	slot[1] = hi;
	iog_vtd_flush(u, slot, 16);
}

static void qi_put(struct iog_vtd *u, uint64_t lo, uint64_t hi)
{
	qi_write(u, u->iq_tail, lo, hi);
	u->iq_tail = (u->iq_tail + 1) % IQ_ENTRIES;
}

/* In the status page, beside the status word: a word nobody waits on. */
#define QI_SCRATCH_OFF 4

/*
 * Invalidation queue error (spec 6.5.2, hardware handling of queued
 * invalidation interface errors): the unit stopped fetching with IQH at the
 * descriptor it refused, and goes on from IQH once software clears
 * FSTS.IQE. A refused request is replaced by a harmless descriptor, so that
 * the unit then runs on through our wait descriptor: nothing behind the
 * refused one is lost, the status word still means "everything up to the
 * tail is done", and the next request needs no re-enabling.
 *
 * The replacement is a wait descriptor whose status write goes to a scratch
 * word. Not a copy of our wait descriptor: it would write the sequence
 * number before the unit has reached the real one. Nor a wait descriptor
 * without SW and IF (a fence, which the spec allows): older implementations,
 * QEMU's among them, refuse that one in turn.
 *
 * Returns 1 when repaired; 0 when there is nothing of ours to repair (our
 * wait descriptor refused, or the replacement): then, as a last resort,
 * everything from IQH to the tail is dropped, which leaves the queue empty
 * and consistent.
 */
static int qi_repair(struct iog_vtd *u, unsigned request, uint32_t seq, int again)
{
	unsigned head = (unsigned)(iog_vtd_read64(u, VTD_IQH_REG) >> IQ_INDEX_SHIFT) % IQ_ENTRIES;
	const uint64_t *d = &u->iq[2 * head];

	iog_logf(u->plat, IOG_LOG_ERROR,
		 "vtd %llx: invalidation queue error at descriptor %u (%llx %llx)%s",
		 (unsigned long long)u->base, head, (unsigned long long)d[0],
		 (unsigned long long)d[1],
		 head == request && !again ? ": replaced, that invalidation is not done"
					   : ": dropped up to the tail");
	if (head == request && !again) {
		qi_write(u, head, QI_WAIT_TYPE | QI_WAIT_SW | QI_WAIT_DATA(seq),
			 (u->status_phys + QI_SCRATCH_OFF) & ~3ull);
		iog_vtd_write32(u, VTD_FSTS_REG, FSTS_IQE); /* write 1 to clear: fetching resumes */
		return 1;
	}
	u->iq_tail = head;
	iog_vtd_write64(u, VTD_IQT_REG, (uint64_t)head << IQ_INDEX_SHIFT);
	iog_vtd_write32(u, VTD_FSTS_REG, FSTS_IQE);
	return 0;
}

/*
 * Queues one request and a wait descriptor, and waits for the status write.
 * IOG_EIO when the unit refused the request (the queue stays usable).
 */
static int qi_submit(struct iog_vtd *u, uint64_t lo, uint64_t hi)
{
	uint32_t seq = ++u->status_seq;
	unsigned request = u->iq_tail;
	int err, refused = 0;

	if (!seq)
		seq = ++u->status_seq; /* 0 is the status word's idle value */
	*u->status = 0;
	qi_put(u, lo, hi);
	qi_put(u, QI_WAIT_TYPE | QI_WAIT_SW | QI_WAIT_FN | QI_WAIT_DATA(seq),
	       u->status_phys & ~3ull);
	iog_vtd_write64(u, VTD_IQT_REG, (uint64_t)u->iq_tail << IQ_INDEX_SHIFT);
	/* At most two rounds: the request is repaired once, then only dropped. */
	for (;;) {
		err = iog_vtd_wait(u, wait_written, seq, "queued invalidation");
		if (err)
			return err;
		if (!(iog_vtd_read32(u, VTD_FSTS_REG) & FSTS_IQE))
			return refused ? IOG_EIO : IOG_OK;
		if (!qi_repair(u, request, seq, refused))
			return IOG_EIO;
		refused = 1;
	}
}

static int ccmd_done(const struct iog_vtd *u, uint64_t arg)
{
	(void)arg;
	return !(iog_vtd_read64(u, VTD_CCMD_REG) & CCMD_ICC);
}

static int iotlb_done(const struct iog_vtd *u, uint64_t arg)
{
	(void)arg;
	return !(iog_vtd_read64(u, u->iro + VTD_IOTLB_OFF) & IOTLB_IVT);
}

/* Register-based invalidation is forbidden while someone else's queue is on. */
static int can_use_registers(const struct iog_vtd *u)
{
	return !(iog_vtd_read32(u, VTD_GSTS_REG) & GSTS_QIES);
}

static int context_inv(struct iog_vtd *u, uint64_t qi_lo, uint64_t ccmd)
{
	int err;

	if (!u || !u->plat)
		return IOG_EINVAL;
	u->invalidations++;
	if (u->qi)
		return qi_submit(u, QI_CC_TYPE | qi_lo, 0);
	if (!can_use_registers(u))
		return IOG_ECONFLICT;
	iog_vtd_write64(u, VTD_CCMD_REG, CCMD_ICC | ccmd);
	err = iog_vtd_wait(u, ccmd_done, 0, "context-cache invalidation");
	if (!err && !CCMD_CAIG(iog_vtd_read64(u, VTD_CCMD_REG)))
		err = IOG_EIO;
	return err;
}

int iog_vtd_inv_context_global(struct iog_vtd *u)
{
	return context_inv(u, QI_G_GLOBAL, CCMD_CIRG_GLOBAL);
}

int iog_vtd_inv_context_device(struct iog_vtd *u, uint16_t did, uint16_t sid)
{
	return context_inv(u, QI_G_DEVICE | QI_DID(did) | QI_CC_SID(sid),
			   CCMD_CIRG_DEVICE | CCMD_SID(sid) | CCMD_DID(did));
}

/*
 * The drain hints (DR, DW) of an IOTLB invalidation, `dr` and `dw` as the
 * register or the descriptor places them: set only where the unit offers
 * draining (CAP.DRD, CAP.DWD), as the spec asks of software.
 */
static uint64_t drain(const struct iog_vtd *u, uint64_t dr, uint64_t dw)
{
	return ((u->cap & CAP_DRD) ? dr : 0) | ((u->cap & CAP_DWD) ? dw : 0);
}

static int iotlb_inv(struct iog_vtd *u, uint64_t qi_lo, uint64_t qi_hi, uint64_t iotlb,
		     uint64_t iva)
{
	int err;

	if (!u || !u->plat)
		return IOG_EINVAL;
	u->invalidations++;
	if (u->qi)
		return qi_submit(u, QI_IOTLB_TYPE | drain(u, QI_IOTLB_DR, QI_IOTLB_DW) | qi_lo,
				 qi_hi);
	if (!can_use_registers(u))
		return IOG_ECONFLICT;
	if (iva)
		iog_vtd_write64(u, u->iro + VTD_IVA_OFF, iva);
	iog_vtd_write64(u, u->iro + VTD_IOTLB_OFF,
			IOTLB_IVT | drain(u, IOTLB_DR, IOTLB_DW) | iotlb);
	err = iog_vtd_wait(u, iotlb_done, 0, "IOTLB invalidation");
	if (!err && !IOTLB_IAIG(iog_vtd_read64(u, u->iro + VTD_IOTLB_OFF)))
		err = IOG_EIO; /* the unit ignored the request */
	return err;
}

int iog_vtd_inv_iotlb_global(struct iog_vtd *u)
{
	return iotlb_inv(u, QI_G_GLOBAL, 0, IOTLB_IIRG_GLOBAL, 0);
}

int iog_vtd_inv_iotlb_domain(struct iog_vtd *u, uint16_t did)
{
	return iotlb_inv(u, QI_G_DOMAIN | QI_DID(did), 0, IOTLB_IIRG_DOMAIN | IOTLB_DID(did), 0);
}

int iog_vtd_inv_iotlb_range(struct iog_vtd *u, uint16_t did, uint64_t addr, uint64_t size,
			    int leaf_only)
{
	uint64_t first, last, iva;
	unsigned am = 0;

	if (!u || !size || addr + size < addr)
		return IOG_EINVAL;
	if (!(u->cap & CAP_PSI))
		return iog_vtd_inv_iotlb_domain(u, did);
	/* The smallest aligned block of 2^am pages that covers the range. */
	first = addr >> 12;
	last = (addr + size - 1) >> 12;
	while (am < 63 && (first >> am) != (last >> am))
		am++;
	if (am > CAP_MAMV(u->cap))
		return iog_vtd_inv_iotlb_domain(u, did);
	iva = ((first >> am) << am << 12) | (leaf_only ? IVA_IH : 0) | am;
	return iotlb_inv(u, QI_G_PAGE | QI_DID(did), iva, IOTLB_IIRG_PAGE | IOTLB_DID(did), iva);
}

int iog_vtd_flush_pt(struct iog_vtd *u, uint16_t did, struct iog_pt *pt,
		     const struct iog_pt_inval *inv)
{
	int err = IOG_OK;

	if (!u || !inv)
		return IOG_EINVAL;
	if ((inv->flags & IOG_PT_INV_CHANGED) ||
	    ((inv->flags & (IOG_PT_INV_ADDED | IOG_PT_INV_TABLES)) && (u->cap & CAP_CM)))
		err = iog_vtd_inv_iotlb_range(u, did, inv->start, inv->end - inv->start,
					      !(inv->flags & IOG_PT_INV_TABLES));
	else if (inv->flags & IOG_PT_INV_ADDED)
		err = iog_vtd_flush_write_buffer(u);
	if (!err && pt)
		iog_pt_reclaim(pt);
	return err;
}
