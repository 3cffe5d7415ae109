/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ACPI discovery: RSDP, RSDT/XSDT, table lookup and concealment.
 *
 * Two levels. The buffer functions (iog_acpi_checksum, iog_acpi_header_check,
 * iog_rsdp_check, iog_rsdp_scan) work on bytes the caller already has. The
 * walker (struct iog_acpi) reaches tables in physical memory through the
 * platform's map hook and never trusts a pointer or length it has not checked.
 */
#ifndef IOGUARD_ACPI_H
#define IOGUARD_ACPI_H

#include <stddef.h>
#include <stdint.h>

#include <ioguard/error.h>
#include <ioguard/platform.h>

#ifdef __cplusplus
extern "C" {
#endif

#define IOG_ACPI_HEADER_LEN 36u
#define IOG_RSDP_V1_LEN 20u
#define IOG_RSDP_V2_LEN 36u
/* Where firmware may put the RSDP on a BIOS machine (ACPI 5.2.5.1). */
#define IOG_RSDP_BIOS_START 0xe0000u
#define IOG_RSDP_BIOS_END 0x100000u
#define IOG_EBDA_POINTER 0x40eu
#define IOG_EBDA_SCAN_LEN 1024u
/* The most entries one RSDT/XSDT may hold before the walker calls it absurd. */
#define IOG_ACPI_MAX_ENTRIES 1024u

/* The standard description header, decoded. */
struct iog_acpi_header {
	char signature[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	char creator_id[4];
	uint32_t creator_revision;
};

/* Sum of the bytes modulo 256: 0 for a table whose checksum is right. */
uint8_t iog_acpi_checksum(const void *buf, size_t len);

/* Decodes the header; fails only when fewer than 36 bytes are present. */
int iog_acpi_header_get(const void *buf, size_t len, struct iog_acpi_header *h);

/*
 * Checks a table in a buffer: header present, `signature` (NULL: any),
 * length field at least 36 and not beyond `len`, and checksum over that length.
 * Returns the table's own length (>= 36) or a negative error.
 */
long iog_acpi_table_check(const void *buf, size_t len, const char *signature, struct iog_diag *d);

/* Recomputes a table's checksum byte in place (its length field must fit in len). */
int iog_acpi_fix_checksum(void *buf, size_t len);

/* The RSDP, decoded. */
struct iog_rsdp {
	char oem_id[6];
	uint8_t revision;
	uint32_t rsdt_address;
	uint32_t length;       /* 20 for revision 0 */
	uint64_t xsdt_address; /* 0 for revision 0 */
};

/*
 * Validates an RSDP in a buffer: signature, the v1 checksum over 20 bytes,
 * and for revision >= 2 the length field and the extended checksum.
 */
int iog_rsdp_check(const void *buf, size_t len, struct iog_rsdp *out, struct iog_diag *d);

/*
 * Scans a buffer on 16-byte boundaries for a valid RSDP. Returns the offset
 * of the first one or IOG_ENOTFOUND.
 */
long iog_rsdp_scan(const void *buf, size_t len);

/*
 * Finds the RSDP the legacy BIOS way through the platform: the first KiB of
 * the EBDA (segment at 0x40e), then 0xe0000-0xfffff.
 */
int iog_rsdp_find(const struct iog_platform *p, uint64_t *rsdp_phys, struct iog_diag *d);

/* Which root tables a walk uses. */
enum iog_sdt_kind {
	IOG_SDT_RSDT = 1,
	IOG_SDT_XSDT = 2,
};

/* A validated view of the root tables, owned by the caller. */
struct iog_acpi {
	const struct iog_platform *plat;
	uint64_t rsdp_phys;
	struct iog_rsdp rsdp;
	uint64_t rsdt_phys; /* 0: none, or invalid (see rsdt_err) */
	uint64_t xsdt_phys;
	uint32_t rsdt_len, xsdt_len;
	int rsdt_err, xsdt_err; /* why a present root table was not usable */
};

/*
 * Validates the RSDP at rsdp_phys and the RSDT/XSDT it names. Succeeds when
 * at least one root table is valid; a root table with a bad checksum is kept
 * out of the walk (and concealment never edits it).
 */
int iog_acpi_init(struct iog_acpi *a, const struct iog_platform *p, uint64_t rsdp_phys,
		  struct iog_diag *d);

/* Number of entries in one root table (0 when that table is unusable). */
uint32_t iog_acpi_entry_count(const struct iog_acpi *a, enum iog_sdt_kind kind);

/* The physical address in entry `index` of a root table. */
int iog_acpi_entry(const struct iog_acpi *a, enum iog_sdt_kind kind, uint32_t index,
		   uint64_t *phys);

/* One table found by iog_acpi_find. */
struct iog_acpi_table {
	uint64_t phys;
	uint32_t length;
	struct iog_acpi_header header;
	unsigned sources; /* IOG_SDT_RSDT | IOG_SDT_XSDT: which root tables list it */
};

/*
 * Finds instance `n` (0-based) of the table with `signature`, looking in the
 * XSDT first and then the RSDT; a table listed by both counts once. Checks
 * its header, length and checksum. Returns IOG_ENOTFOUND when there is no
 * such instance and IOG_ECONFLICT when RSDT and XSDT list different tables
 * with this signature (FIRMWARE-BUGS 17; `t` then describes the XSDT's).
 */
int iog_acpi_find(const struct iog_acpi *a, const char signature[4], unsigned n,
		  struct iog_acpi_table *t, struct iog_diag *d);

/* How a table is hidden from whoever walks the ACPI tables next. */
enum iog_conceal_mode {
	/* Zero the table's signature and fix its checksum (BitVisor's way). */
	IOG_CONCEAL_ZAP = 1,
	/* Drop its entries from RSDT and XSDT, shrink them, fix their checksums. */
	IOG_CONCEAL_UNLINK = 2,
	/* Point its entries at a caller-supplied copy (e.g. a filtered DMAR). */
	IOG_CONCEAL_REPLACE = 3,
};

/*
 * Conceals every table with `signature`. For IOG_CONCEAL_REPLACE,
 * `replacement_phys` is the physical address of a valid table (it must fit
 * a 32-bit RSDT entry when the RSDT lists the table). Root tables are
 * edited only if their checksum was valid. Returns the number of tables
 * concealed (0 when none was present) or a negative error, in which case
 * nothing has been changed.
 */
int iog_acpi_conceal(struct iog_acpi *a, const char signature[4], enum iog_conceal_mode mode,
		     uint64_t replacement_phys, struct iog_diag *d);

#ifdef __cplusplus
}
#endif

#endif
