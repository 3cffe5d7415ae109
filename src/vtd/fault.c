/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Primary fault recording (spec 7.1.3, 11.4.9.x): read, report, clear; and
 * the fault event interrupt (FECTL, FEDATA, FEADDR, FEUADDR).
 */
#include <ioguard/vtd.h>

#include "util/log.h"
#include "vtd/regs.h"
#include "vtd/vtd_internal.h"

static const char *reason_name(unsigned r)
{
	switch (r) {
	case 0x1: return "root entry not present";
	case 0x2: return "context entry not present";
	case 0x3: return "context entry invalid";
	case 0x4: return "address beyond the domain's width";
	case 0x5: return "write not permitted";
	case 0x6: return "read not permitted";
	case 0x7: return "page-table access error";
	case 0x8: return "root table access error";
	case 0x9: return "context table access error";
	case 0xa: return "reserved bits in a root entry";
	case 0xb: return "reserved bits in a context entry";
	case 0xc: return "reserved bits in a page-table entry";
	case 0xd: return "translation type not allowed";
	}
	return "other";
}

int iog_vtd_faults(struct iog_vtd *u, struct iog_vtd_fault *out, unsigned max)
{
	unsigned n = 0, first;
	uint32_t fsts;

	if (!u || !u->plat)
		return IOG_EINVAL;
	fsts = iog_vtd_read32(u, VTD_FSTS_REG);
	first = FSTS_FRI(fsts) % u->nfr;
	/* Oldest first: recording goes round from FRI. */
	for (unsigned k = 0; k < u->nfr; k++) {
		uint32_t at = u->fro + 16u * ((first + k) % u->nfr);
		uint64_t hi = iog_vtd_read64(u, at + 8), lo;
		struct iog_vtd_fault f;

		if (!(hi & FRCD_HI_F))
			continue;
		lo = iog_vtd_read64(u, at);
		f.sid = FRCD_HI_SID(hi);
		f.reason = (uint8_t)FRCD_HI_FR(hi);
		f.is_read = (hi & FRCD_HI_T) != 0;
		f.addr = lo & ~0xfffull;
		iog_vtd_write32(u, at + 12, (uint32_t)(FRCD_HI_F >> 32)); /* write 1 to clear F */
		iog_logf(u->plat, IOG_LOG_WARN,
			 "vtd %llx: DMA fault: %s %02x:%02x.%u %s %llx: reason %x (%s)",
			 (unsigned long long)u->base, f.is_read ? "read" : "write", f.sid >> 8,
			 (f.sid >> 3) & 0x1f, f.sid & 7, f.is_read ? "from" : "to",
			 (unsigned long long)f.addr, f.reason, reason_name(f.reason));
		if (out && n < max)
			out[n] = f;
		n++;
	}
	u->faults += n;
	if (fsts & FSTS_PFO) {
		u->faults_lost++;
		iog_vtd_write32(u, VTD_FSTS_REG, FSTS_PFO);
		iog_logf(u->plat, IOG_LOG_WARN, "vtd %llx: fault records overflowed: faults lost",
			 (unsigned long long)u->base);
	}
	return (int)n;
}

int iog_vtd_mask_fault_events(const struct iog_vtd *u)
{
	uint32_t fectl = iog_vtd_read32(u, VTD_FECTL_REG);

	if (fectl & FECTL_IM)
		return 0;
	/* IP is read-only and bits 29:0 are RsvdP: they go back as read. */
	iog_vtd_write32(u, VTD_FECTL_REG, fectl | FECTL_IM);
	return 1;
}

int iog_vtd_fault_irq_enable(struct iog_vtd *u)
{
	uint64_t addr = 0;
	uint32_t data = 0;
	int err;

	if (!u || !u->plat)
		return IOG_EINVAL;
	if (!u->plat->fault_msi)
		return IOG_OK; /* the platform polls */
	err = u->plat->fault_msi(u->plat->ctx, u->base, &addr, &data);
	if (err == IOG_ENOTFOUND)
		return IOG_OK;
	if (err)
		return err < 0 ? err : IOG_EINVAL;
	if (addr & 3) /* FEADDR bits 1:0 are reserved: no message address has them */
		return IOG_EINVAL;
	/* Masked while the message changes, so that no event goes out half programmed. */
	iog_vtd_mask_fault_events(u);
	iog_vtd_write32(u, VTD_FEDATA_REG, data);
	iog_vtd_write32(u, VTD_FEADDR_REG, (uint32_t)addr);
	iog_vtd_write32(u, VTD_FEUADDR_REG, (uint32_t)(addr >> 32));
	/* An event left pending (FECTL.IP) goes out now, as the new message. */
	iog_vtd_write32(u, VTD_FECTL_REG, iog_vtd_read32(u, VTD_FECTL_REG) & ~FECTL_IM);
	iog_logf(u->plat, IOG_LOG_INFO, "vtd %llx: fault events to %llx data %x",
		 (unsigned long long)u->base, (unsigned long long)addr, data);
	return IOG_OK;
}
