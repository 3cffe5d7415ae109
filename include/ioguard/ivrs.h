/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The I/O Virtualization Reporting Structure (AMD I/O Virtualization
 * Technology (IOMMU) specification, chapter 5), read zero-copy like the DMAR:
 * one validation pass, and first/next iterators that are safe on their own.
 *
 * Offsets are byte offsets from the start of the table; iterators return the
 * offset of the next element, IOG_ENOTFOUND at the end, or another negative
 * error (with the diag filled) when the element there is malformed.
 */
#ifndef IOGUARD_IVRS_H
#define IOGUARD_IVRS_H

#include <stddef.h>
#include <stdint.h>

#include <ioguard/error.h>

#ifdef __cplusplus
extern "C" {
#endif

#define IOG_IVRS_HEADER_LEN 48u

/* Block types. */
enum iog_ivrs_type {
	IOG_IVHD_10 = 0x10,	/* I/O virtualization hardware definition, fixed entries */
	IOG_IVHD_11 = 0x11,	/* IVHD with EFR image */
	IOG_IVHD_40 = 0x40,	/* IVHD with EFR image and variable-length (ACPI HID) entries */
	IOG_IVMD_ALL = 0x20,	/* memory definition for all devices */
	IOG_IVMD_SELECT = 0x21, /* for one device */
	IOG_IVMD_RANGE = 0x22,	/* for a range of devices */
};

#define IOG_IVHD_10_HEADER_LEN 24u
#define IOG_IVHD_11_HEADER_LEN 40u
#define IOG_IVMD_LEN 32u

/* IVHD device entry types. */
enum iog_ivhd_entry_type {
	IOG_IVHD_PAD4 = 0x00,
	IOG_IVHD_ALL = 0x01,
	IOG_IVHD_SELECT = 0x02,
	IOG_IVHD_RANGE_START = 0x03,
	IOG_IVHD_RANGE_END = 0x04,
	IOG_IVHD_PAD8 = 0x40,
	IOG_IVHD_ALIAS_SELECT = 0x42,
	IOG_IVHD_ALIAS_RANGE = 0x43,
	IOG_IVHD_EXT_SELECT = 0x46,
	IOG_IVHD_EXT_RANGE = 0x47,
	IOG_IVHD_SPECIAL = 0x48,
	IOG_IVHD_ACPI_HID = 0xf0,
};

/* IVHD special-device varieties. */
#define IOG_IVHD_VARIETY_IOAPIC 1u
#define IOG_IVHD_VARIETY_HPET 2u

/* The IVRS header fields after the ACPI header. */
struct iog_ivrs_info {
	uint32_t iv_info;
	uint32_t length;
};

/* One IVHD or IVMD block, decoded. Fields not used by its type are 0. */
struct iog_ivrs_block {
	uint8_t type;
	uint8_t flags;
	uint16_t length;
	uint32_t offset;
	uint16_t device_id;
	/* IVHD */
	uint16_t capability_offset;
	uint64_t address;
	uint16_t segment;
	uint16_t info;
	uint32_t attributes;	 /* 10h: IOMMU feature reporting; 11h/40h: IOMMU attributes */
	uint64_t efr;		 /* 11h/40h: EFR register image */
	uint64_t efr2;		 /* 11h/40h: second EFR image (reserved in older specs) */
	uint32_t entries_offset; /* where device entries begin (== end for IVMD) */
	uint32_t entries_end;
	/* IVMD */
	uint16_t aux;
	uint64_t start;
	uint64_t mem_length;
	uint8_t is_ivhd, is_ivmd; /* 0 and 0 for unknown block types */
};

/* One IVHD device entry, decoded. */
struct iog_ivhd_entry {
	uint8_t type;
	uint8_t length; /* 4, 8, or 22 + UID length for ACPI HID entries */
	uint32_t offset;
	uint16_t device_id;
	uint8_t data;	    /* DTE setting */
	uint16_t alias;	    /* 42h/43h: source device id */
	uint32_t ext;	    /* 46h/47h: extended data */
	uint8_t handle;	    /* 48h: IOAPIC id or HPET number */
	uint8_t variety;    /* 48h */
	uint64_t hid, cid;  /* F0h: raw 8-byte fields (ASCII ids or EISA ids) */
	uint8_t uid_format; /* F0h: 0 none, 1 integer, 2 string */
	uint8_t uid_len;
	const uint8_t *uid; /* F0h: points into the table */
	uint8_t known;	    /* 0 for entry types the spec leaves reserved */
};

int iog_ivrs_check(const void *tbl, size_t len, struct iog_ivrs_info *info, struct iog_diag *d);
long iog_ivrs_extent(const void *tbl, size_t len, struct iog_diag *d);

long iog_ivrs_first(const void *tbl, size_t len, struct iog_diag *d);
long iog_ivrs_next(const void *tbl, size_t len, long offset, struct iog_diag *d);
int iog_ivrs_block_get(const void *tbl, size_t len, long offset, struct iog_ivrs_block *b,
		       struct iog_diag *d);

long iog_ivhd_entry_first(const void *tbl, size_t len, const struct iog_ivrs_block *b,
			  struct iog_diag *d);
long iog_ivhd_entry_next(const void *tbl, size_t len, const struct iog_ivrs_block *b, long offset,
			 struct iog_diag *d);
int iog_ivhd_entry_get(const void *tbl, size_t len, long offset, struct iog_ivhd_entry *e,
		       struct iog_diag *d);

/*
 * The IVHD type an OS uses: the highest of 10h, 11h and 40h present (each
 * newer type repeats the IOMMUs of the older ones); 0 when there is none.
 */
unsigned iog_ivrs_ivhd_type(const void *tbl, size_t len);

/* Receives an inclusive range of requester ids (bus << 8 | devfn). Non-zero stops. */
typedef int (*iog_ivhd_range_fn)(void *ctx, uint16_t first, uint16_t last);

/*
 * Every requester id the IVHD names, as ranges: select, range, alias (the
 * device and the id its requests carry), extended, special (IOAPIC, HPET)
 * and ACPI HID entries; All as 0..0xffff. A range end without its start
 * names nothing.
 */
int iog_ivhd_each_range(const void *tbl, size_t len, const struct iog_ivrs_block *b,
			iog_ivhd_range_fn fn, void *ctx, struct iog_diag *d);
/* 1 when the IVHD names `devid`. */
int iog_ivhd_covers(const void *tbl, size_t len, const struct iog_ivrs_block *b, uint16_t devid);
/* One past the highest requester id the IVHD names (0: none). */
unsigned iog_ivhd_device_count(const void *tbl, size_t len, const struct iog_ivrs_block *b);
/*
 * Which IVHD (of the type iog_ivrs_ivhd_type picks) translates
 * segment:devid: its offset, or IOG_ENOTFOUND.
 */
long iog_ivrs_find_ivhd(const void *tbl, size_t len, uint16_t segment, uint16_t devid,
			struct iog_diag *d);

const char *iog_ivrs_type_name(unsigned type);
const char *iog_ivhd_entry_name(unsigned type);

#ifdef __cplusplus
}
#endif

#endif
