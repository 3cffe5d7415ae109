/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The register side of the VT-d model: the register file, the GCMD/GSTS
 * handshakes, register-based and queued invalidation, fault recording and
 * the two interrupt events. The DMA side (caches and translation) is in
 * vtd_model_dma.c.
 *
 * Choices where the specification leaves room (each also noted in place):
 *  - A GCMD write is a whole command: every persistent bit (TE, QIE, IRE, CFI)
 *    that differs from the last command starts a change, as on hardware, so a
 *    driver that does not build GCMD from GSTS turns things off. A write that
 *    changes more than one command is carried out and counted (gcmd_multi).
 *  - A command's status shows after cfg.status_delay GSTS reads, and its
 *    effect (translation on, root pointer latched, ...) happens at that
 *    moment, not before. CCMD/IOTLB commands likewise take cfg.inv_delay reads
 *    of their register. A stuck handshake simply never completes.
 *  - Register-based invalidation while QIES is set is undefined by the spec;
 *    the model counts it (reg_inv_while_qi), does not invalidate anything,
 *    and completes the command with actual granularity 0.
 *  - Invalidations are exactly as wide as asked (hardware may do more), so a
 *    too-narrow invalidation is observable. Device-selective context-cache
 *    invalidation matches the source-id (under FM) and the domain-id.
 *  - IQE: the queue stops with IQH at the offending descriptor and resumes
 *    from there when software clears FSTS.IQE (what Linux relies on).
 *  - Enabling QIE with IQA.DW = 1 (256-bit descriptors need scalable mode,
 *    not modelled) is refused; enabling it with IQT != 0 is done, counted and
 *    the queue is processed from 0. Disabling it while the queue is stuck with
 *    descriptors pending is refused (the handshake never completes).
 */
#include <string.h>

#include "model/vtd_model_internal.h"

#define PERSISTENT (VTDM_GCMD_TE | VTDM_GCMD_QIE | VTDM_GCMD_IRE | VTDM_GCMD_CFI)
#define LOW32 0x00000000ffffffffull
#define HIGH32 0xffffffff00000000ull

#define CCMD_CAIG_MASK (3ull << 59)
#define CCMD_WRITABLE (VTDM_CCMD_ICC | (3ull << 61) | (3ull << 32) | 0xffffffffull)
#define IOTLB_IAIG_MASK (3ull << 57)
#define IOTLB_WRITABLE (VTDM_IOTLB_IVT | (3ull << 60) | (3ull << 48) | (0xffffull << 32))
#define IQA_DW (1ull << 11)
#define PMR_LOW_MASK 0xffe00000u /* 2 MiB granularity: bits 20:0 read as 0 */

/* Which 64-bit register an 8-aligned offset names. */
enum reg64 {
	R64_NONE,
	R64_CAP,
	R64_ECAP,
	R64_RTADDR,
	R64_CCMD,
	R64_PHMBASE,
	R64_PHMLIMIT,
	R64_IQH,
	R64_IQT,
	R64_IQA,
	R64_IRTA,
	R64_IVA,
	R64_IOTLB,
	R64_FRCD_LO,
	R64_FRCD_HI,
};

static unsigned nfr(const struct vtd_model *m)
{
	return VTDM_CAP_NFR(m->cfg.cap) + 1;
}

uint64_t vtdm_above_mgaw(const struct vtd_model *m)
{
	unsigned w = VTDM_CAP_MGAW(m->cfg.cap) + 1;

	return w >= 64 ? 0 : ~0ull << w;
}

static int has_pmr(const struct vtd_model *m)
{
	return (m->cfg.cap & (VTDM_CAP_PLMR | VTDM_CAP_PHMR)) != 0;
}

/* A countdown in reads: 1 when the awaited event happens now. */
static int tick(unsigned *countdown)
{
	if (*countdown) {
		(*countdown)--;
		return 0;
	}
	return 1;
}

/* ---- Fault status and the two interrupt events ---- */

static int ppf(const struct vtd_model *m)
{
	for (unsigned i = 0; i < nfr(m); i++)
		if (m->frcd[i][1] & VTDM_FRCD_F)
			return 1;
	return 0;
}

static uint32_t fsts_value(const struct vtd_model *m)
{
	return m->fsts | (ppf(m) ? VTDM_FSTS_PPF : 0) | (uint32_t)m->fri << 8;
}

/* The status fields whose setting raises a fault event. */
static uint32_t fault_status(const struct vtd_model *m)
{
	return fsts_value(m) &
	       (VTDM_FSTS_PFO | VTDM_FSTS_PPF | VTDM_FSTS_IQE | VTDM_FSTS_ICE | VTDM_FSTS_ITE);
}

static void deliver_fault_event(struct vtd_model *m)
{
	m->stats.fault_events++;
	m->fault_msi_addr = (uint64_t)m->feuaddr << 32 | m->feaddr;
	m->fault_msi_data = m->fedata;
}

/*
 * A status field was just set. It is a new interrupt condition only if no
 * status field was set before (`before`); then the event is delivered, or
 * left pending in FECTL.IP while FECTL.IM masks it.
 */
static void fault_event(struct vtd_model *m, uint32_t before)
{
	if (before)
		return;
	if (m->fectl & VTDM_FECTL_IM)
		m->fectl |= VTDM_FECTL_IP;
	else
		deliver_fault_event(m);
}

/* Software serviced every status field: a pending event is dropped. */
static void fault_status_cleared(struct vtd_model *m)
{
	if (!fault_status(m))
		m->fectl &= ~VTDM_FECTL_IP;
}

static void set_iqe(struct vtd_model *m)
{
	uint32_t before = fault_status(m);

	m->stats.qi_errors++;
	if (m->fsts & VTDM_FSTS_IQE)
		return;
	m->fsts |= VTDM_FSTS_IQE;
	fault_event(m, before);
}

static void set_iwc(struct vtd_model *m)
{
	if (m->ics & VTDM_ICS_IWC)
		return;
	m->ics |= VTDM_ICS_IWC;
	if (m->iectl & VTDM_IECTL_IM) {
		m->iectl |= VTDM_IECTL_IP;
	} else {
		m->stats.inv_events++;
		m->inv_msi_addr = (uint64_t)m->ieuaddr << 32 | m->ieaddr;
		m->inv_msi_data = m->iedata;
	}
}

int vtdm_record_fault(struct vtd_model *m, uint16_t sid, uint64_t addr, uint8_t reason, int write,
		      int fpd)
{
	uint32_t before = fault_status(m);
	uint64_t *rec;

	if (fpd) {
		m->stats.faults_suppressed++;
		return 0;
	}
	rec = m->frcd[m->fri];
	if (rec[1] & VTDM_FRCD_F) {
		/* The slot at FRI is still full: overflow, the fault is lost. */
		m->stats.faults_dropped++;
		if (!(m->fsts & VTDM_FSTS_PFO)) {
			m->fsts |= VTDM_FSTS_PFO;
			fault_event(m, before);
		}
		return 0;
	}
	rec[0] = addr & ~0xfffull;
	rec[1] = VTDM_FRCD_F | (write ? 0 : VTDM_FRCD_T) | (uint64_t)reason << 32 | sid;
	m->fri = (m->fri + 1) % nfr(m);
	m->stats.faults_recorded++;
	fault_event(m, before);
	return 1;
}

/* ---- Queued invalidation ---- */

static int mem_read(struct vtd_model *m, uint64_t phys, void *buf, size_t len)
{
	if (!m->mem.read)
		return -1;
	return m->mem.read(m->mem.ctx, phys, buf, len);
}

static uint64_t le64(const uint8_t *b)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | b[i];
	return v;
}

/*
 * IOTLB invalidation drain hints (register DR/DW, descriptor bits 7:6): the
 * spec says software sets them only where CAP.DRD / CAP.DWD offer draining;
 * the model ignores them, as such a unit does, and counts the request.
 */
static void drain_check(struct vtd_model *m, int dr, int dw)
{
	if ((dr && !(m->cfg.cap & VTDM_CAP_DRD)) || (dw && !(m->cfg.cap & VTDM_CAP_DWD)))
		m->stats.drain_unoffered++;
}

static void cc_inv_count(struct vtd_model *m, unsigned gran)
{
	if (gran == 1)
		m->stats.cc_inv_global++;
	else if (gran == 2)
		m->stats.cc_inv_domain++;
	else if (gran == 3)
		m->stats.cc_inv_device++;
}

static void iotlb_inv_count(struct vtd_model *m, unsigned gran)
{
	if (gran == 1)
		m->stats.iotlb_inv_global++;
	else if (gran == 2)
		m->stats.iotlb_inv_domain++;
	else if (gran == 3)
		m->stats.iotlb_inv_page++;
}

static int qi_wait(struct vtd_model *m, uint64_t lo, uint64_t hi)
{
	/* Reserved: bits 31:7 (incl. PD, no page requests here) and 1:0 of the address. */
	if ((lo & 0xffffff80ull) || (hi & 3))
		return 0;
	m->stats.wait_descriptors++;
	if (lo & VTDM_QI_WAIT_SW) {
		uint32_t data = (uint32_t)(lo >> 32);
		uint8_t b[4] = {(uint8_t)data, (uint8_t)(data >> 8), (uint8_t)(data >> 16),
				(uint8_t)(data >> 24)};

		if (!m->mem.write || m->mem.write(m->mem.ctx, hi & ~3ull, b, sizeof(b)))
			m->stats.wait_write_errors++;
	}
	if (lo & VTDM_QI_WAIT_IF)
		set_iwc(m);
	/* FN (fence): descriptors are processed in order anyway. */
	return 1;
}

/* Carries out one descriptor; 0 when it is invalid (IQE). */
static int qi_descriptor(struct vtd_model *m, uint64_t lo, uint64_t hi)
{
	unsigned gran = (unsigned)(lo >> 4) & 3;

	if ((lo >> 9) & 7) /* descriptor type bits 6:4 (VT-d 3.x): none of ours */
		return 0;
	switch (lo & 0xf) {
	case VTDM_QI_CC:
		/* Reserved: 15:6, 63:50 and the whole high qword. */
		if ((lo & 0xfffc00000000ffc0ull) || hi || !gran)
			return 0;
		vtdm_cc_invalidate(m, gran, (uint16_t)(lo >> 16), (uint16_t)(lo >> 32),
				   (unsigned)(lo >> 48) & 3);
		cc_inv_count(m, gran);
		m->stats.cc_inv_qi++;
		return 1;
	case VTDM_QI_IOTLB: {
		unsigned am = (unsigned)hi & 0x3f;

		/* Reserved: 15:8, 63:32; high qword 11:7. */
		if ((lo & 0xffffffff0000ff00ull) || (hi & 0xf80ull) || !gran)
			return 0;
		drain_check(m, (lo & VTDM_QI_IOTLB_DR) != 0, (lo & VTDM_QI_IOTLB_DW) != 0);
		if (gran == 3 && !(m->cfg.cap & VTDM_CAP_PSI))
			gran = 2; /* no page-selective support: the domain, a coarser scope */
		else if (gran == 3 && am > VTDM_CAP_MAMV(m->cfg.cap))
			return 0; /* as QEMU: an address mask the unit cannot do is an error */
		vtdm_iotlb_invalidate(m, gran, (uint16_t)(lo >> 16), hi & ~0xfffull, am);
		iotlb_inv_count(m, gran);
		m->stats.iotlb_inv_qi++;
		return 1;
	}
	case VTDM_QI_DEVTLB:
		m->stats.devtlb_inv++; /* no device-TLBs in the model */
		return 1;
	case VTDM_QI_IEC:
		m->stats.iec_inv++; /* no interrupt entry cache in the model */
		return 1;
	case VTDM_QI_WAIT: return qi_wait(m, lo, hi);
	default: return 0;
	}
}

/* Processes descriptors from IQH up to IQT: at most one pass over the queue. */
static void qi_run(struct vtd_model *m)
{
	uint32_t n = m->iq_entries;
	uint64_t tail = m->iqt >> 4;

	if (!(m->gsts & VTDM_GSTS_QIES) || (m->fsts & VTDM_FSTS_IQE) || m->inject.qi_stuck || !n)
		return;
	if (tail >= n) {
		set_iqe(m); /* a tail beyond the queue */
		return;
	}
	for (uint32_t i = 0; i < n; i++) {
		uint64_t head = m->iqh >> 4;
		uint8_t d[16];

		if (head == tail)
			return;
		if (mem_read(m, m->iq_base + head * 16, d, sizeof(d))) {
			set_iqe(m);
			return;
		}
		if (m->inject.qi_error) {
			m->inject.qi_error = 0;
			set_iqe(m);
			return;
		}
		if (!qi_descriptor(m, le64(d), le64(d + 8))) {
			set_iqe(m);
			return;
		}
		m->stats.descriptors++;
		m->iqh = ((head + 1) % n) << 4;
	}
}

void vtd_model_qi_kick(struct vtd_model *m)
{
	qi_run(m);
}

/* ---- GCMD / GSTS ---- */

static void flush_all_caches(struct vtd_model *m)
{
	memset(m->ctx, 0, sizeof(m->ctx));
	memset(m->iotlb, 0, sizeof(m->iotlb));
	m->stats.esrtps_flushes++;
}

static void set_status(struct vtd_model *m, uint32_t bit, int on)
{
	if (on)
		m->gsts |= bit;
	else
		m->gsts &= ~bit;
}

/* The command for GCMD bit (23 + idx) completes: its status shows, its effect happens. */
static void complete_cmd(struct vtd_model *m, unsigned idx)
{
	struct vtd_model_pending *p = &m->pending[idx];
	uint32_t bit = 1u << (idx + 23);

	p->active = 0;
	switch (bit) {
	case VTDM_GCMD_TE:
		if (p->value && !m->root_latched)
			m->stats.te_without_root++;
		set_status(m, VTDM_GSTS_TES, p->value);
		break;
	case VTDM_GCMD_SRTP:
		/*
		 * The pointer is latched; cached context entries and translations
		 * stay until software invalidates them, unless CAP.ESRTPS says
		 * this unit invalidates everything on SRTP.
		 */
		m->rta_latched = p->arg;
		m->root_latched = 1;
		m->stats.srtp++;
		if (m->cfg.cap & VTDM_CAP_ESRTPS)
			flush_all_caches(m);
		m->gsts |= VTDM_GSTS_RTPS;
		break;
	case VTDM_GCMD_WBF:
		m->stats.wbf++;
		m->gsts &= ~VTDM_GSTS_WBFS;
		break;
	case VTDM_GCMD_QIE:
		if (p->value) {
			if (m->iqa & IQA_DW) {
				/* 256-bit descriptors need scalable mode: refused. */
				m->stats.qie_refused++;
				m->gcmd_state &= ~VTDM_GCMD_QIE;
				break;
			}
			m->iq_base = m->iqa & ~0xfffull;
			m->iq_entries = 256u << (m->iqa & 7);
			m->iqh = 0;
			m->gsts |= VTDM_GSTS_QIES;
			if (m->iqt) {
				m->stats.qie_nonzero_tail++;
				qi_run(m);
			}
		} else {
			if (m->inject.qi_stuck && m->iqh != m->iqt) {
				/* Pending descriptors that never complete: QIES stays. */
				m->stats.qie_refused++;
				m->gcmd_state |= VTDM_GCMD_QIE;
				break;
			}
			m->gsts &= ~VTDM_GSTS_QIES;
			m->iqh = 0;
		}
		break;
	case VTDM_GCMD_IRE: set_status(m, VTDM_GSTS_IRES, p->value); break;
	case VTDM_GCMD_SIRTP:
		m->irta_latched = p->arg;
		m->stats.sirtp++;
		m->gsts |= VTDM_GSTS_IRTPS;
		break;
	case VTDM_GCMD_CFI: set_status(m, VTDM_GSTS_CFIS, p->value); break;
	default: break;
	}
}

static void start_cmd(struct vtd_model *m, uint32_t bit, int value, uint64_t arg)
{
	unsigned idx = 0;
	struct vtd_model_pending *p;

	while (idx < 8 && !(bit & (1u << (idx + 23))))
		idx++;
	p = &m->pending[idx];

	p->active = 1;
	p->value = (uint8_t)value;
	p->arg = arg;
	p->countdown = m->cfg.status_delay;
	/* One-shot commands show "in progress" at once. */
	if (bit == VTDM_GCMD_SRTP)
		m->gsts &= ~VTDM_GSTS_RTPS;
	else if (bit == VTDM_GCMD_SIRTP)
		m->gsts &= ~VTDM_GSTS_IRTPS;
	else if (bit == VTDM_GCMD_WBF)
		m->gsts |= VTDM_GSTS_WBFS;
	if (!(m->inject.stuck_gsts & bit) && !p->countdown)
		complete_cmd(m, idx);
}

static void gcmd_write(struct vtd_model *m, uint32_t v)
{
	uint32_t persistent = VTDM_GCMD_TE;
	unsigned changes = 0;

	m->stats.gcmd_writes++;
	/* Commands the unit does not have are ignored. */
	if (m->cfg.ecap & VTDM_ECAP_QI)
		persistent |= VTDM_GCMD_QIE;
	if (m->cfg.ecap & VTDM_ECAP_IR)
		persistent |= VTDM_GCMD_IRE | VTDM_GCMD_CFI;
	for (unsigned idx = 0; idx < 9; idx++) {
		uint32_t bit = 1u << (idx + 23);
		int want = (v & bit) != 0;

		if (!(persistent & bit) || want == ((m->gcmd_state & bit) != 0))
			continue;
		m->gcmd_state ^= bit;
		changes++;
		if (bit == VTDM_GCMD_TE && !want)
			m->stats.te_off_writes++;
		start_cmd(m, bit, want, 0);
	}
	if (v & VTDM_GCMD_SRTP) {
		changes++;
		start_cmd(m, VTDM_GCMD_SRTP, 1, m->rtaddr);
	}
	if ((v & VTDM_GCMD_SIRTP) && (m->cfg.ecap & VTDM_ECAP_IR)) {
		changes++;
		start_cmd(m, VTDM_GCMD_SIRTP, 1, m->irta);
	}
	if (v & VTDM_GCMD_WBF) {
		if (m->cfg.cap & VTDM_CAP_RWBF) {
			changes++;
			start_cmd(m, VTDM_GCMD_WBF, 1, 0);
		} else {
			m->stats.wbf_unneeded++;
		}
	}
	if (changes > 1)
		m->stats.gcmd_multi++;
}

static uint32_t gsts_read(struct vtd_model *m)
{
	for (unsigned idx = 0; idx < 9; idx++) {
		struct vtd_model_pending *p = &m->pending[idx];

		if (!p->active || (m->inject.stuck_gsts & (1u << (idx + 23))))
			continue;
		if (tick(&p->countdown))
			complete_cmd(m, idx);
	}
	return m->gsts;
}

/* ---- PMEN: PRS follows EPM after status_delay PMEN reads ---- */

static void pmen_complete(struct vtd_model *m)
{
	m->pmen_pending.active = 0;
	if (m->pmen_pending.value)
		m->pmen |= VTDM_PMEN_PRS;
	else
		m->pmen &= ~VTDM_PMEN_PRS;
}

static void pmen_write(struct vtd_model *m, uint32_t v)
{
	if (!has_pmr(m))
		return;
	m->pmen = (m->pmen & ~VTDM_PMEN_EPM) | (v & VTDM_PMEN_EPM);
	m->pmen_pending.active = 1;
	m->pmen_pending.value = (v & VTDM_PMEN_EPM) != 0;
	m->pmen_pending.countdown = m->cfg.status_delay;
	if (!m->pmen_pending.countdown)
		pmen_complete(m);
}

static uint32_t pmen_read(struct vtd_model *m)
{
	if (m->pmen_pending.active && tick(&m->pmen_pending.countdown))
		pmen_complete(m);
	return m->pmen;
}

/* ---- Register-based invalidation ---- */

static void ccmd_complete(struct vtd_model *m)
{
	uint64_t v = m->ccmd;
	unsigned gran = (unsigned)(v >> 61) & 3;

	vtdm_cc_invalidate(m, gran, (uint16_t)v, (uint16_t)(v >> 16), (unsigned)(v >> 32) & 3);
	if (gran) {
		cc_inv_count(m, gran);
		m->stats.cc_inv_reg++;
	}
	m->ccmd = (v & ~(VTDM_CCMD_ICC | CCMD_CAIG_MASK)) | (uint64_t)gran << 59;
}

static void ccmd_write(struct vtd_model *m, uint64_t v, uint64_t bytes)
{
	if (m->ccmd & VTDM_CCMD_ICC) {
		/* Software must wait for ICC to clear; a write now is lost. */
		m->stats.busy_cmd_writes++;
		return;
	}
	m->ccmd = ((m->ccmd & ~bytes) | (v & bytes)) & CCMD_WRITABLE;
	/* The command goes when the dword holding ICC is written with ICC set. */
	if (!(bytes & VTDM_CCMD_ICC) || !(m->ccmd & VTDM_CCMD_ICC))
		return;
	if (m->gsts & VTDM_GSTS_QIES) {
		m->stats.reg_inv_while_qi++;
		m->ccmd &= ~VTDM_CCMD_ICC; /* not carried out: CAIG = 0 */
		return;
	}
	m->ccmd_countdown = m->cfg.inv_delay;
	if (!m->inject.ccmd_stuck && !m->ccmd_countdown)
		ccmd_complete(m);
}

static uint64_t ccmd_read(struct vtd_model *m)
{
	if ((m->ccmd & VTDM_CCMD_ICC) && !m->inject.ccmd_stuck && tick(&m->ccmd_countdown))
		ccmd_complete(m);
	return m->ccmd;
}

static void iotlb_complete(struct vtd_model *m)
{
	uint64_t v = m->iotlb_reg;
	unsigned gran = (unsigned)(v >> 60) & 3;
	unsigned am = (unsigned)m->iva & 0x3f;

	if (gran == 3 && !(m->cfg.cap & VTDM_CAP_PSI))
		gran = 2; /* page-selective not supported: domain-selective instead */
	else if (gran == 3 && am > VTDM_CAP_MAMV(m->cfg.cap))
		gran = 0; /* the spec's example of an incorrect request: ignored, IAIG = 0 */
	if (gran) {
		vtdm_iotlb_invalidate(m, gran, (uint16_t)(v >> 32), m->iva & ~0xfffull, am);
		iotlb_inv_count(m, gran);
		m->stats.iotlb_inv_reg++;
	} else {
		m->stats.iotlb_inv_ignored++;
	}
	m->iotlb_reg = (v & ~(VTDM_IOTLB_IVT | IOTLB_IAIG_MASK)) | (uint64_t)gran << 57;
}

static void iotlb_write(struct vtd_model *m, uint64_t v, uint64_t bytes)
{
	if (m->iotlb_reg & VTDM_IOTLB_IVT) {
		m->stats.busy_cmd_writes++;
		return;
	}
	m->iotlb_reg = ((m->iotlb_reg & ~bytes) | (v & bytes)) & IOTLB_WRITABLE;
	if (!(bytes & VTDM_IOTLB_IVT) || !(m->iotlb_reg & VTDM_IOTLB_IVT))
		return;
	drain_check(m, (m->iotlb_reg & VTDM_IOTLB_DR) != 0, (m->iotlb_reg & VTDM_IOTLB_DW) != 0);
	if (m->gsts & VTDM_GSTS_QIES) {
		m->stats.reg_inv_while_qi++;
		m->iotlb_reg &= ~VTDM_IOTLB_IVT; /* not carried out: IAIG = 0 */
		return;
	}
	m->iotlb_countdown = m->cfg.inv_delay;
	if (!m->inject.iotlb_stuck && !m->iotlb_countdown)
		iotlb_complete(m);
}

static uint64_t iotlb_read(struct vtd_model *m)
{
	if ((m->iotlb_reg & VTDM_IOTLB_IVT) && !m->inject.iotlb_stuck && tick(&m->iotlb_countdown))
		iotlb_complete(m);
	return m->iotlb_reg;
}

/* ---- The register file ---- */

static enum reg64 reg64_at(const struct vtd_model *m, uint32_t off, unsigned *rec)
{
	uint32_t iro = VTDM_ECAP_IRO(m->cfg.ecap) * 16;
	uint32_t fro = VTDM_CAP_FRO(m->cfg.cap) * 16;

	switch (off) {
	case VTDM_REG_CAP: return R64_CAP;
	case VTDM_REG_ECAP: return R64_ECAP;
	case VTDM_REG_RTADDR: return R64_RTADDR;
	case VTDM_REG_CCMD: return R64_CCMD;
	case VTDM_REG_PHMBASE: return R64_PHMBASE;
	case VTDM_REG_PHMLIMIT: return R64_PHMLIMIT;
	case VTDM_REG_IQH: return R64_IQH;
	case VTDM_REG_IQT: return R64_IQT;
	case VTDM_REG_IQA: return R64_IQA;
	case VTDM_REG_IRTA: return R64_IRTA;
	default: break;
	}
	if (iro && off == iro)
		return R64_IVA;
	if (iro && off == iro + 8)
		return R64_IOTLB;
	if (fro && off >= fro && off < fro + 16 * nfr(m)) {
		*rec = (off - fro) / 16;
		return (off - fro) % 16 ? R64_FRCD_HI : R64_FRCD_LO;
	}
	return R64_NONE;
}

static uint64_t reg64_read(struct vtd_model *m, enum reg64 r, unsigned rec)
{
	switch (r) {
	case R64_CAP: return m->cfg.cap;
	case R64_ECAP: return m->cfg.ecap;
	case R64_RTADDR: return m->rtaddr;
	case R64_CCMD: return ccmd_read(m);
	case R64_PHMBASE: return (m->cfg.cap & VTDM_CAP_PHMR) ? m->phmbase : 0;
	case R64_PHMLIMIT: return (m->cfg.cap & VTDM_CAP_PHMR) ? m->phmlimit : 0;
	case R64_IQH: return m->iqh;
	case R64_IQT: return m->iqt;
	case R64_IQA: return m->iqa;
	case R64_IRTA: return m->irta;
	case R64_IVA: return m->iva;
	case R64_IOTLB: return iotlb_read(m);
	case R64_FRCD_LO: return m->frcd[rec][0];
	case R64_FRCD_HI: return m->frcd[rec][1];
	default: return 0;
	}
}

static uint64_t merge(uint64_t old, uint64_t v, uint64_t bytes, uint64_t writable)
{
	return ((old & ~bytes) | (v & bytes)) & writable;
}

/* A write of the bytes in `bytes` (low dword, high dword or both) of a 64-bit register. */
static void reg64_write(struct vtd_model *m, enum reg64 r, unsigned rec, uint64_t v, uint64_t bytes)
{
	uint64_t addr = ~0xfffull & ~vtdm_above_mgaw(m);
	uint64_t pmr = ~(uint64_t)0x1fffff & ~vtdm_above_mgaw(m);

	switch (r) {
	case R64_RTADDR:
		/* Legacy mode only: TTM (11:10) is not implemented and reads 0. */
		m->rtaddr = merge(m->rtaddr, v, bytes, addr);
		break;
	case R64_CCMD: ccmd_write(m, v, bytes); break;
	case R64_PHMBASE:
		if (m->cfg.cap & VTDM_CAP_PHMR)
			m->phmbase = merge(m->phmbase, v, bytes, pmr);
		break;
	case R64_PHMLIMIT:
		if (m->cfg.cap & VTDM_CAP_PHMR)
			m->phmlimit = merge(m->phmlimit, v, bytes, pmr);
		break;
	case R64_IQT:
		m->iqt = merge(m->iqt, v, bytes, 0x7fff0ull);
		if (bytes & LOW32)
			qi_run(m);
		break;
	case R64_IQA: m->iqa = merge(m->iqa, v, bytes, addr | IQA_DW | 7); break;
	case R64_IRTA: m->irta = merge(m->irta, v, bytes, addr | (1ull << 11) | 0xf); break;
	case R64_IVA: m->iva = merge(m->iva, v, bytes, ~0xfffull | 0x7f); break;
	case R64_IOTLB: iotlb_write(m, v, bytes); break;
	case R64_FRCD_HI:
		if (v & bytes & VTDM_FRCD_F) {
			m->frcd[rec][1] &= ~VTDM_FRCD_F; /* write 1 to clear */
			fault_status_cleared(m);
		}
		break;
	default: break; /* read-only */
	}
}

static uint32_t reg32_read(struct vtd_model *m, uint32_t off)
{
	switch (off) {
	case VTDM_REG_VER: return m->cfg.ver;
	case VTDM_REG_GSTS: return gsts_read(m);
	case VTDM_REG_FSTS: return fsts_value(m);
	case VTDM_REG_FECTL: return m->fectl;
	case VTDM_REG_FEDATA: return m->fedata;
	case VTDM_REG_FEADDR: return m->feaddr;
	case VTDM_REG_FEUADDR: return m->feuaddr;
	case VTDM_REG_PMEN: return pmen_read(m);
	case VTDM_REG_PLMBASE: return (m->cfg.cap & VTDM_CAP_PLMR) ? m->plmbase : 0;
	case VTDM_REG_PLMLIMIT: return (m->cfg.cap & VTDM_CAP_PLMR) ? m->plmlimit : 0;
	case VTDM_REG_ICS: return m->ics;
	case VTDM_REG_IECTL: return m->iectl;
	case VTDM_REG_IEDATA: return m->iedata;
	case VTDM_REG_IEADDR: return m->ieaddr;
	case VTDM_REG_IEUADDR: return m->ieuaddr;
	default: return 0; /* GCMD is write-only; unknown offsets read 0 */
	}
}

static void reg32_write(struct vtd_model *m, uint32_t off, uint32_t v)
{
	switch (off) {
	case VTDM_REG_GCMD: gcmd_write(m, v); break;
	case VTDM_REG_FSTS: {
		uint32_t clear =
			v & (VTDM_FSTS_PFO | VTDM_FSTS_IQE | VTDM_FSTS_ICE | VTDM_FSTS_ITE);
		int resume = (clear & m->fsts & VTDM_FSTS_IQE) != 0;

		m->fsts &= ~clear;
		fault_status_cleared(m);
		if (resume)
			qi_run(m); /* fetching resumes at IQH */
		break;
	}
	case VTDM_REG_FECTL:
		m->fectl = (m->fectl & ~VTDM_FECTL_IM) | (v & VTDM_FECTL_IM);
		if (!(m->fectl & VTDM_FECTL_IM) && (m->fectl & VTDM_FECTL_IP)) {
			m->fectl &= ~VTDM_FECTL_IP;
			deliver_fault_event(m);
		}
		break;
	case VTDM_REG_FEDATA: m->fedata = v; break;
	case VTDM_REG_FEADDR: m->feaddr = v & ~3u; break;
	case VTDM_REG_FEUADDR: m->feuaddr = v; break;
	case VTDM_REG_PMEN: pmen_write(m, v); break;
	case VTDM_REG_PLMBASE:
		if (m->cfg.cap & VTDM_CAP_PLMR)
			m->plmbase = v & PMR_LOW_MASK;
		break;
	case VTDM_REG_PLMLIMIT:
		if (m->cfg.cap & VTDM_CAP_PLMR)
			m->plmlimit = v & PMR_LOW_MASK;
		break;
	case VTDM_REG_ICS:
		if (v & m->ics & VTDM_ICS_IWC) {
			m->ics &= ~VTDM_ICS_IWC;
			m->iectl &= ~VTDM_IECTL_IP;
		}
		break;
	case VTDM_REG_IECTL:
		m->iectl = (m->iectl & ~VTDM_IECTL_IM) | (v & VTDM_IECTL_IM);
		if (!(m->iectl & VTDM_IECTL_IM) && (m->iectl & VTDM_IECTL_IP)) {
			m->iectl &= ~VTDM_IECTL_IP;
			m->stats.inv_events++;
			m->inv_msi_addr = (uint64_t)m->ieuaddr << 32 | m->ieaddr;
			m->inv_msi_data = m->iedata;
		}
		break;
	case VTDM_REG_IEDATA: m->iedata = v; break;
	case VTDM_REG_IEADDR: m->ieaddr = v & ~3u; break;
	case VTDM_REG_IEUADDR: m->ieuaddr = v; break;
	default: break; /* read-only or unknown */
	}
}

uint64_t vtd_model_read(struct vtd_model *m, uint32_t offset, unsigned size)
{
	unsigned rec = 0;
	enum reg64 r;

	if ((size != 4 && size != 8) || (offset & (size - 1)))
		return 0;
	r = reg64_at(m, offset & ~7u, &rec);
	if (size == 8) {
		if (r != R64_NONE)
			return reg64_read(m, r, rec);
		/* Two 32-bit registers side by side. */
		return reg32_read(m, offset) | (uint64_t)reg32_read(m, offset + 4) << 32;
	}
	if (r != R64_NONE)
		return (uint32_t)(reg64_read(m, r, rec) >> (offset & 4 ? 32 : 0));
	return reg32_read(m, offset);
}

void vtd_model_write(struct vtd_model *m, uint32_t offset, unsigned size, uint64_t value)
{
	unsigned rec = 0;
	enum reg64 r;

	if ((size != 4 && size != 8) || (offset & (size - 1)))
		return;
	r = reg64_at(m, offset & ~7u, &rec);
	if (size == 8) {
		if (r != R64_NONE) {
			reg64_write(m, r, rec, value, ~0ull);
		} else {
			reg32_write(m, offset, (uint32_t)value);
			reg32_write(m, offset + 4, (uint32_t)(value >> 32));
		}
		return;
	}
	value &= 0xffffffffull;
	if (r == R64_NONE)
		reg32_write(m, offset, (uint32_t)value);
	else if (offset & 4)
		reg64_write(m, r, rec, value << 32, HIGH32);
	else
		reg64_write(m, r, rec, value, LOW32);
}

static uint64_t mmio_read(void *dev, uint32_t offset, unsigned size)
{
	return vtd_model_read(dev, offset, size);
}

static void mmio_write(void *dev, uint32_t offset, unsigned size, uint64_t value)
{
	vtd_model_write(dev, offset, size, value);
}

const struct iog_mmio_ops vtd_model_mmio_ops = {
	.read = mmio_read,
	.write = mmio_write,
};

void vtd_model_init(struct vtd_model *m, const struct vtd_model_config *cfg,
		    const struct vtd_model_mem *mem)
{
	memset(m, 0, sizeof(*m));
	m->cfg = *cfg;
	if (mem)
		m->mem = *mem;
	/* Both interrupt events start masked. */
	m->fectl = VTDM_FECTL_IM;
	m->iectl = VTDM_IECTL_IM;
}

void vtd_model_firmware_state(struct vtd_model *m, uint32_t gsts_bits, uint64_t rtaddr,
			      uint64_t irta, uint64_t iqa, uint32_t pmen_epm, uint32_t plmbase,
			      uint32_t plmlimit, uint64_t phmbase, uint64_t phmlimit)
{
	uint32_t valid = VTDM_GSTS_TES | VTDM_GSTS_RTPS;

	if (m->cfg.ecap & VTDM_ECAP_QI)
		valid |= VTDM_GSTS_QIES;
	if (m->cfg.ecap & VTDM_ECAP_IR)
		valid |= VTDM_GSTS_IRES | VTDM_GSTS_IRTPS | VTDM_GSTS_CFIS;
	gsts_bits &= valid;
	memset(m->pending, 0, sizeof(m->pending));
	reg64_write(m, R64_RTADDR, 0, rtaddr, ~0ull);
	reg64_write(m, R64_IRTA, 0, irta, ~0ull);
	reg64_write(m, R64_IQA, 0, iqa, ~0ull);
	m->gsts = gsts_bits;
	m->gcmd_state = gsts_bits & PERSISTENT;
	if (gsts_bits & (VTDM_GSTS_RTPS | VTDM_GSTS_TES)) {
		m->rta_latched = m->rtaddr;
		m->root_latched = 1;
	}
	if (gsts_bits & (VTDM_GSTS_IRTPS | VTDM_GSTS_IRES))
		m->irta_latched = m->irta;
	if (gsts_bits & VTDM_GSTS_QIES) {
		m->iq_base = m->iqa & ~0xfffull;
		m->iq_entries = 256u << (m->iqa & 7);
		m->iqh = 0;
		m->iqt = 0;
	}
	if (has_pmr(m)) {
		m->pmen_pending.active = 0;
		m->pmen = pmen_epm ? (VTDM_PMEN_EPM | VTDM_PMEN_PRS) : 0;
	}
	reg32_write(m, VTDM_REG_PLMBASE, plmbase);
	reg32_write(m, VTDM_REG_PLMLIMIT, plmlimit);
	reg64_write(m, R64_PHMBASE, 0, phmbase, ~0ull);
	reg64_write(m, R64_PHMLIMIT, 0, phmlimit, ~0ull);
}
