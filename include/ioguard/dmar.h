/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The DMA Remapping Reporting table (Intel VT-d specification, chapter 8),
 * read zero-copy in the manner of libfdt: iog_dmar_check() validates the
 * whole table once; the first/next iterators are each safe on their own too,
 * so a caller may walk a table that failed validation up to the bad spot.
 *
 * Offsets are byte offsets from the start of the table; iterators return the
 * offset of the next element, IOG_ENOTFOUND at the end, or another negative
 * error (with the diag filled) when the element there is malformed.
 */
#ifndef IOGUARD_DMAR_H
#define IOGUARD_DMAR_H

#include <stddef.h>
#include <stdint.h>

#include <ioguard/error.h>

#ifdef __cplusplus
extern "C" {
#endif

#define IOG_DMAR_HEADER_LEN 48u

/* DMAR header flags. */
#define IOG_DMAR_INTR_REMAP (1u << 0)
#define IOG_DMAR_X2APIC_OPT_OUT (1u << 1)
#define IOG_DMAR_DMA_CTRL_PLATFORM_OPT_IN (1u << 2)

/* Remapping structure types. */
enum iog_dmar_type {
	IOG_DMAR_DRHD = 0, /* DMA remapping hardware unit definition */
	IOG_DMAR_RMRR = 1, /* reserved memory region reporting */
	IOG_DMAR_ATSR = 2, /* root port ATS capability reporting */
	IOG_DMAR_RHSA = 3, /* remapping hardware static affinity */
	IOG_DMAR_ANDD = 4, /* ACPI namespace device declaration */
	IOG_DMAR_SATC = 5, /* SoC integrated address translation cache */
	IOG_DMAR_SIDP = 6, /* SoC integrated device property */
};

#define IOG_DRHD_INCLUDE_PCI_ALL (1u << 0)
#define IOG_ATSR_ALL_PORTS (1u << 0)
#define IOG_SATC_ATC_REQUIRED (1u << 0)

/* Device scope entry types. */
enum iog_scope_type {
	IOG_SCOPE_PCI_ENDPOINT = 1,
	IOG_SCOPE_PCI_SUBHIERARCHY = 2,
	IOG_SCOPE_IOAPIC = 3,
	IOG_SCOPE_HPET = 4,
	IOG_SCOPE_ACPI_NAMESPACE = 5,
};

#define IOG_SCOPE_HEADER_LEN 6u
#define IOG_SCOPE_MAX_PATH 125 /* (255 - 6) / 2 */

/* The DMAR header fields after the ACPI header. */
struct iog_dmar_info {
	uint8_t width; /* raw byte: host address width is width + 1 bits */
	uint8_t flags;
	uint32_t length;
};

/* One remapping structure, decoded. Fields not used by its type are 0. */
struct iog_dmar_struct {
	uint16_t type;
	uint16_t length;
	uint32_t offset;
	uint8_t flags;		   /* DRHD, ATSR, SATC */
	uint8_t size;		   /* DRHD: register set is 2^(size & 0xf) pages */
	uint16_t segment;	   /* DRHD, RMRR, ATSR, SATC, SIDP */
	uint64_t address;	   /* DRHD register base, RHSA register base */
	uint64_t base;		   /* RMRR */
	uint64_t limit;		   /* RMRR: last byte, inclusive */
	uint32_t proximity_domain; /* RHSA */
	uint8_t device_number;	   /* ANDD */
	const char *name;	   /* ANDD: points into the table */
	uint16_t name_len;	   /* ANDD: bytes before the NUL (or to the end) */
	uint8_t name_terminated;   /* ANDD: a NUL was found */
	uint32_t scopes_offset;	   /* where device scopes begin (== end when none) */
	uint32_t scopes_end;
	uint8_t known; /* 1 for the types above, 0 for unknown ones */
};

/* One device scope entry, decoded. */
struct iog_dmar_scope {
	uint8_t type;
	uint8_t length;
	uint8_t flags;
	uint32_t offset;
	uint8_t enumeration_id;
	uint8_t bus;
	uint8_t path_len;    /* number of (device, function) hops */
	const uint8_t *path; /* path_len pairs: path[2i] dev, path[2i+1] fn */
};

/*
 * Validates the header (signature "DMAR", length, checksum) and every
 * remapping structure and device scope: lengths at least the minimum for
 * their type, nothing past the table end, scope lengths 6 + 2n. Unknown
 * structure types are skipped (their length must still be sane). Returns 0,
 * IOG_ECHECKSUM when only the checksum is wrong, or the first structural error.
 * Structural errors take precedence over the checksum.
 */
int iog_dmar_check(const void *tbl, size_t len, struct iog_dmar_info *info, struct iog_diag *d);

/* The table length that iterators may use: min(header length, len), or an error. */
long iog_dmar_extent(const void *tbl, size_t len, struct iog_diag *d);

/* Iteration over remapping structures. */
long iog_dmar_first(const void *tbl, size_t len, struct iog_diag *d);
long iog_dmar_next(const void *tbl, size_t len, long offset, struct iog_diag *d);

/* Decodes the structure at `offset` (checks its type-specific minimum length). */
int iog_dmar_struct_get(const void *tbl, size_t len, long offset, struct iog_dmar_struct *s,
			struct iog_diag *d);

/* Iteration over the device scopes of one structure (from iog_dmar_struct_get). */
long iog_dmar_scope_first(const void *tbl, size_t len, const struct iog_dmar_struct *s,
			  struct iog_diag *d);
long iog_dmar_scope_next(const void *tbl, size_t len, const struct iog_dmar_struct *s, long offset,
			 struct iog_diag *d);
int iog_dmar_scope_get(const void *tbl, size_t len, long offset, struct iog_dmar_scope *sc,
		       struct iog_diag *d);

/* Spec names for printing: "DRHD", "PCI endpoint", ...; NULL when unknown. */
const char *iog_dmar_type_name(unsigned type);
const char *iog_scope_type_name(unsigned type);

/*
 * Reports the secondary and subordinate bus numbers of the PCI-PCI bridge at
 * seg:bus:devfn (from its configuration header). Returns 0, or a negative
 * error when there is no bridge there.
 */
typedef int (*iog_bridge_fn)(void *ctx, uint16_t segment, uint8_t bus, uint8_t devfn,
			     uint8_t *secondary, uint8_t *subordinate);

/*
 * Resolves a scope path to the device it names: the first hop is on
 * `sc->bus`, each further hop on the secondary bus of the bridge before it
 * (resolved through `bridge`, which may be NULL for single-hop paths).
 */
int iog_dmar_scope_resolve(const struct iog_dmar_scope *sc, uint16_t segment, iog_bridge_fn bridge,
			   void *ctx, uint8_t *bus, uint8_t *devfn);

/* What a DMA-capable device scope names on this machine. */
struct iog_dmar_reach {
	uint8_t bus, devfn; /* the device (endpoint, ACPI namespace device) or the bridge */
	uint8_t below;	    /* sub-hierarchy: 1 when the bridge is there and numbered */
	uint8_t secondary, subordinate; /* ... and the buses below it */
};

/*
 * Resolves an endpoint, sub-hierarchy or ACPI-namespace-device scope through
 * the bridges that are there. IOG_ENOTFOUND (or the bridge reader's error)
 * when the path runs through a bridge that is absent or not numbered
 * (secondary bus 0 or not above its own bus), or for scope types that do no
 * DMA of their own (IOAPIC, HPET): such a scope names nothing.
 */
int iog_dmar_scope_reach(const struct iog_dmar_scope *sc, uint16_t segment, iog_bridge_fn bridge,
			 void *ctx, struct iog_dmar_reach *r);

/*
 * Which DRHD translates DMA from segment:bus:devfn: a DRHD whose endpoint or
 * ACPI-namespace-device scope names the device, or whose sub-hierarchy scope
 * names a bridge the device sits below; failing that, the segment's
 * INCLUDE_PCI_ALL DRHD. A scope that names nothing present (see
 * iog_dmar_scope_reach; with `bridge` NULL, every path of more than one hop
 * and everything below a sub-hierarchy bridge) is passed over, as Linux
 * matches scopes only against devices that exist. Returns the DRHD's offset,
 * IOG_ENOTFOUND when no unit covers the device, or a table error.
 */
long iog_dmar_find_drhd(const void *tbl, size_t len, uint16_t segment, uint8_t bus, uint8_t devfn,
			iog_bridge_fn bridge, void *ctx, struct iog_diag *d);

#ifdef __cplusplus
}
#endif

#endif
