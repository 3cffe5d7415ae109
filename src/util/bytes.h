/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Little-endian field access for untrusted, possibly unaligned tables, and
 * the one store for entries a remapping unit reads from memory.
 */
#ifndef IOG_UTIL_BYTES_H
#define IOG_UTIL_BYTES_H

#include <stddef.h>
#include <stdint.h>

#include <ioguard/error.h>

static inline uint16_t iog_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t iog_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

static inline uint64_t iog_le64(const uint8_t *p)
{
	return (uint64_t)iog_le32(p) | ((uint64_t)iog_le32(p + 4) << 32);
}

static inline void iog_put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline void iog_put_le64(uint8_t *p, uint64_t v)
{
	iog_put_le32(p, (uint32_t)v);
	iog_put_le32(p + 4, (uint32_t)(v >> 32));
}

/*
 * Writes a 64-bit entry that a remapping unit may be reading at this moment
 * (root, context and page-table entries): one aligned 64-bit store, which the
 * unit sees either whole or not at all, never torn into halves the compiler
 * chose, merged with its neighbours, dropped, or moved across the stores
 * around it (the compiler barriers; x86 itself keeps stores in order). A
 * 128-bit root or context entry is two such stores: the half without the
 * present bit first, then the half with it.
 */
static inline void iog_store64(uint64_t *p, uint64_t v)
{
	__asm__ __volatile__("" ::: "memory");
	*(volatile uint64_t *)p = v;
	__asm__ __volatile__("" ::: "memory");
}

/* Records an error in an optional diag and returns the code. */
static inline int iog_fail(struct iog_diag *d, int code, uint64_t offset, const char *reason)
{
	if (d) {
		d->code = code;
		d->offset = offset;
		d->reason = reason;
		d->has_device = 0;
		d->has_address = 0;
		d->segment = 0;
		d->sid = 0;
		d->address = 0;
	}
	return code;
}

/* The core has no libc: these stand in for memcpy/memset/memcmp. */
void iog_memcpy(void *dst, const void *src, size_t n);
void iog_memset(void *dst, int c, size_t n);
int iog_memcmp(const void *a, const void *b, size_t n);

#endif
