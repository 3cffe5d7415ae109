/* SPDX-License-Identifier: BSD-2-Clause */
/* Helpers shared by the unit tests: a byte-level table builder and file access. */
#ifndef IOG_TESTLIB_H
#define IOG_TESTLIB_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include <ioguard/verify.h>

#define TB_CAP 65536

/* Builds an ACPI table byte by byte, little-endian. */
struct tb {
	uint8_t buf[TB_CAP];
	size_t len;
};

void tb_init(struct tb *t);
void tb_u8(struct tb *t, uint8_t v);
void tb_u16(struct tb *t, uint16_t v);
void tb_u32(struct tb *t, uint32_t v);
void tb_u64(struct tb *t, uint64_t v);
void tb_bytes(struct tb *t, const void *p, size_t n);
void tb_zeros(struct tb *t, size_t n);
void tb_put16(struct tb *t, size_t off, uint16_t v);
void tb_put32(struct tb *t, size_t off, uint32_t v);
/* ACPI header: signature, length (patched by tb_finish), revision, OEM fields. */
void tb_header(struct tb *t, const char sig[4], uint8_t revision);
/* Writes the length field and a correct checksum. */
void tb_finish(struct tb *t);

/* DMAR pieces: each *_begin returns the structure's offset for tb_end16. */
void dmar_begin(struct tb *t, uint8_t width, uint8_t flags);
size_t dmar_drhd(struct tb *t, uint8_t flags, uint16_t segment, uint64_t base);
size_t dmar_rmrr(struct tb *t, uint16_t segment, uint64_t base, uint64_t limit);
size_t dmar_atsr(struct tb *t, uint8_t flags, uint16_t segment);
void dmar_rhsa(struct tb *t, uint64_t base, uint32_t domain);
void dmar_andd(struct tb *t, uint8_t number, const char *name);
/* A device scope with npath (dev, fn) pairs given as varargs ints. */
void dmar_scope(struct tb *t, uint8_t type, uint8_t enum_id, uint8_t bus, int npath, ...);
/* Patches the u16 length at off+2 to cover up to the current end. */
void tb_end16(struct tb *t, size_t off);

/* An RSDP of `revision` (0: 20 bytes; 2: 36) with valid checksums; returns its length. */
size_t rsdp_bytes(uint8_t r[36], int revision, uint32_t rsdt, uint64_t xsdt);

/* Reads a whole file into malloc'ed memory; NULL if it cannot. */
/*
 * VT-d CAP and ECAP values for the software model: SAGAW bits, MGAW in bits,
 * SLLPS bits, PSI, MAMV, caching mode, RWBF, PMRs; coherent, QI, IR, PT.
 * 256 domains, 8 fault records at 0x200, IOTLB registers at 0x100.
 */
uint64_t vtd_test_cap(unsigned sagaw, unsigned mgaw_bits, unsigned sllps, int psi, unsigned mamv,
		      int cm, int rwbf, int pmr);
uint64_t vtd_test_ecap(int coherent, int qi, int ir, int pt);

/*
 * Takes [base, end) out of a memory map of *n ranges (at most max), splitting
 * a range where the hole falls inside it.
 */
void memmap_carve(struct iog_range *map, unsigned *n, unsigned max, uint64_t base, uint64_t end);

uint8_t *read_whole(const char *path, size_t *len);
/* $IOG_TABLES/name (the compiled fixtures), or NULL when absent. */
uint8_t *fixture(const char *name, size_t *len);
/* Lists files in $IOG_SHARED/tables/<sub> ending in .dat; returns count (paths malloc'ed). */
size_t shared_tables(const char *sub, char ***paths);
void free_paths(char **paths, size_t n);

#endif
