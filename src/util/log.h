/* SPDX-License-Identifier: BSD-2-Clause */
/* Formatted logging through the platform hook, without libc. */
#ifndef IOG_UTIL_LOG_H
#define IOG_UTIL_LOG_H

#include <stdarg.h>
#include <stddef.h>

#include <ioguard/platform.h>

#define IOG_LOG_LINE 160

/*
 * Formats into `buf` (always NUL-terminated, truncated to fit): %s, %c, %d, %u,
 * %x, %lld, %llu, %llx, %%, with an optional zero-padded width for numbers (%04x).
 * Returns the length written.
 */
size_t iog_format(char *buf, size_t size, const char *fmt, ...);
size_t iog_vformat(char *buf, size_t size, const char *fmt, va_list ap);

/* One line through plat->log (nothing when the platform has no log hook). */
void iog_logf(const struct iog_platform *plat, enum iog_log_level level, const char *fmt, ...);

#endif
