/* SPDX-License-Identifier: BSD-2-Clause */
/* The one bounded wait every hardware handshake goes through. */
#ifndef IOG_UTIL_WAIT_H
#define IOG_UTIL_WAIT_H

#include <stdint.h>

#include <ioguard/platform.h>

/*
 * Calls done(ctx, arg) until it returns non-zero, for at most timeout_ns of
 * the platform clock and max_polls calls (should the clock stand still),
 * then once more. IOG_OK, or IOG_ETIMEDOUT (the caller says what timed out).
 */
int iog_poll(const struct iog_platform *plat, uint64_t timeout_ns, uint64_t max_polls,
	     int (*done)(const void *ctx, uint64_t arg), const void *ctx, uint64_t arg);

#endif
