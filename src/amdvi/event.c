/* SPDX-License-Identifier: BSD-2-Clause */
/* The event log (AMD IOMMU spec 2.5, 3.4.x): read, decode, report, consume. */
#include <ioguard/amdvi.h>

#include "amdvi/amdvi_internal.h"
#include "amdvi/regs.h"
#include "util/log.h"

static const char *event_name(unsigned code)
{
	switch (code) {
	case EVT_ILLEGAL_DEV_TABLE_ENTRY: return "illegal device table entry";
	case EVT_IO_PAGE_FAULT: return "I/O page fault";
	case EVT_DEV_TAB_HW_ERROR: return "device table hardware error";
	case EVT_PAGE_TAB_HW_ERROR: return "page table hardware error";
	case EVT_ILLEGAL_COMMAND_ERROR: return "illegal command";
	case EVT_COMMAND_HW_ERROR: return "command hardware error";
	case EVT_IOTLB_INV_TIMEOUT: return "IOTLB invalidation timeout";
	case EVT_INVALID_DEVICE_REQUEST: return "invalid device request";
	}
	return "other";
}

int iog_amdvi_events(struct iog_amdvi *u, struct iog_amdvi_event *out, unsigned max)
{
	uint64_t status, head, tail;
	unsigned n = 0;

	if (!u || !u->plat || !u->evt)
		return IOG_EINVAL;
	status = iog_amdvi_read(u, AMDVI_STATUS);
	head = (iog_amdvi_read(u, AMDVI_EVT_LOG_HEAD) & HEAD_TAIL_MASK) / 16;
	tail = (iog_amdvi_read(u, AMDVI_EVT_LOG_TAIL) & HEAD_TAIL_MASK) / 16;
	if (head >= IOG_AMDVI_EVT_ENTRIES || tail >= IOG_AMDVI_EVT_ENTRIES)
		return IOG_EIO; /* not our log's geometry: nothing read */
	/* At most one lap: the hardware cannot have written more. */
	for (unsigned k = 0; head != tail && k < IOG_AMDVI_EVT_ENTRIES; k++) {
		const uint64_t *e = &u->evt[2 * head];
		struct iog_amdvi_event ev;

		ev.code = (uint8_t)EVT_CODE(e[0]);
		ev.devid = EVT_DEVID(e[0]);
		ev.domain = EVT_DOMAIN(e[0]);
		ev.flags = (uint16_t)EVT_FLAGS(e[0]);
		ev.is_write = (ev.flags & EVT_F_RW) != 0;
		ev.addr = e[1];
		iog_logf(u->plat, IOG_LOG_WARN,
			 "amdvi %llx: %s: device %02x:%02x.%u domain %u address %llx flags %x",
			 (unsigned long long)u->base, event_name(ev.code), ev.devid >> 8,
			 (ev.devid >> 3) & 0x1f, ev.devid & 7, ev.domain,
			 (unsigned long long)ev.addr, ev.flags);
		if (out && n < max)
			out[n] = ev;
		n++;
		head = (head + 1) % IOG_AMDVI_EVT_ENTRIES;
	}
	iog_amdvi_write(u, AMDVI_EVT_LOG_HEAD, head * 16);
	u->events += n;
	iog_amdvi_write(u, AMDVI_STATUS, status & (STATUS_EVT_OVERFLOW | STATUS_EVT_LOG_INT));
	if (status & STATUS_EVT_OVERFLOW) {
		uint64_t ctrl = iog_amdvi_read(u, AMDVI_CONTROL);

		/* The log stopped at the overflow: emptied and cleared, it restarts (3.4.x). */
		u->events_lost++;
		iog_logf(u->plat, IOG_LOG_WARN, "amdvi %llx: event log overflowed: events lost",
			 (unsigned long long)u->base);
		if (ctrl & CTRL_EVT_LOG_EN) {
			iog_amdvi_write(u, AMDVI_CONTROL, ctrl & ~CTRL_EVT_LOG_EN);
			iog_amdvi_write(u, AMDVI_CONTROL, ctrl);
		}
	}
	return (int)n;
}
