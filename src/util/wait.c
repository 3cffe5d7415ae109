/* SPDX-License-Identifier: BSD-2-Clause */
#include <ioguard/error.h>

#include "util/wait.h"

int iog_poll(const struct iog_platform *plat, uint64_t timeout_ns, uint64_t max_polls,
	     int (*done)(const void *ctx, uint64_t arg), const void *ctx, uint64_t arg)
{
	uint64_t start = plat->clock_ns(plat->ctx);

	for (uint64_t polls = 0; polls < max_polls; polls++) {
		if (done(ctx, arg))
			return IOG_OK;
		if (plat->clock_ns(plat->ctx) - start > timeout_ns)
			break;
	}
	return done(ctx, arg) ? IOG_OK : IOG_ETIMEDOUT;
}
