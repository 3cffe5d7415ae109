/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What concealing the DMAR does to the guest's interrupts, asked before
 * concealing it. A guest that sees no DMAR programs no interrupt remapping.
 * Without it, an interrupt names its destination CPU in the 8-bit xAPIC
 * destination field, where 0xff means every CPU: CPUs whose APIC ID is 255
 * or above cannot be sent device interrupts, so a guest leaves them offline
 * (Linux on bare metal does, and does not use x2APIC mode at all), and a
 * boot CPU that firmware left in x2APIC mode has to be switched back to
 * xAPIC mode, which is impossible when firmware locked x2APIC or the boot
 * CPU's own ID is above 254. The DMAR's X2APIC_OPT_OUT request goes with
 * the table.
 *
 * The MADT is read the way the DMAR is: untrusted, every length checked
 * against the table, an error with the byte offset on the first bad entry.
 */
#ifndef IOGUARD_X2APIC_H
#define IOGUARD_X2APIC_H

#include <stddef.h>
#include <stdint.h>

#include <ioguard/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/* IA32_APIC_BASE (MSR 0x1b), read by the caller on the boot CPU. */
#define IOG_IA32_APIC_BASE 0x1bu
#define IOG_IA32_APIC_BASE_EXTD (1ull << 10) /* x2APIC mode enable */
#define IOG_IA32_APIC_BASE_EN (1ull << 11)   /* xAPIC global enable */

/* The Multiple APIC Description Table (signature "APIC", ACPI 6.5, 5.2.12). */
#define IOG_MADT_HEADER_LEN 44u /* ACPI header, Local Interrupt Controller Address, Flags */
#define IOG_MADT_LOCAL_APIC 0u	/* Processor Local APIC structure */
#define IOG_MADT_LOCAL_APIC_LEN 8u
#define IOG_MADT_LOCAL_X2APIC 9u /* Processor Local x2APIC structure */
#define IOG_MADT_LOCAL_X2APIC_LEN 16u
/* Local APIC Flags, in both structures. */
#define IOG_MADT_ENABLED (1u << 0)
#define IOG_MADT_ONLINE_CAPABLE (1u << 1)

/* The highest APIC ID an xAPIC destination can name: 0xff is the broadcast. */
#define IOG_XAPIC_MAX_ID 254u

/* What a guest without interrupt remapping runs into (iog_x2apic_report.risks). */
#define IOG_X2APIC_RISK_FIRMWARE_ON (1u << 0)	    /* firmware left x2APIC mode on */
#define IOG_X2APIC_RISK_APIC_ID_ABOVE_254 (1u << 1) /* CPUs xAPIC cannot address */
#define IOG_X2APIC_RISK_OPT_OUT (1u << 2)	    /* X2APIC_OPT_OUT with INTR_REMAP */
#define IOG_X2APIC_RISKS 3u			    /* how many risk bits there are */

struct iog_x2apic_input {
	const void *dmar; /* the DMAR about to be concealed */
	size_t dmar_len;
	const void *madt; /* the MADT, or NULL when the CPUs are not to be counted */
	size_t madt_len;
	int firmware_x2apic; /* IA32_APIC_BASE.EXTD was set when firmware handed over */
};

/* Which input table iog_diag.offset refers to when the assessment fails. */
enum iog_x2apic_table {
	IOG_X2APIC_TABLE_NONE = 0,
	IOG_X2APIC_TABLE_DMAR = 1,
	IOG_X2APIC_TABLE_MADT = 2,
};

struct iog_x2apic_report {
	uint8_t dmar_flags;	 /* the DMAR's Flags byte */
	uint8_t intr_remap;	 /* INTR_REMAP: the platform has interrupt remapping to lose */
	uint8_t x2apic_opt_out;	 /* X2APIC_OPT_OUT as set (the spec: valid only with INTR_REMAP) */
	uint8_t firmware_x2apic; /* from the input */
	uint8_t madt_read;	 /* a MADT was given; the CPU counts below are from it */
	/*
	 * Processor Local APIC and Local x2APIC entries that are enabled or
	 * online capable (entries are counted, not de-duplicated; the IDs ACPI
	 * reserves as invalid, 0xff and 0xffffffff, are not CPUs).
	 */
	uint32_t cpus;
	uint32_t max_apic_id;		 /* the highest APIC ID among them */
	uint32_t cpus_above_254;	 /* those whose APIC ID is above IOG_XAPIC_MAX_ID */
	uint32_t risks;			 /* IOG_X2APIC_RISK_* */
	enum iog_x2apic_table bad_table; /* on error: the table the diag's offset is in */
};

/*
 * Reads the DMAR's flags (after iog_dmar_check()) and, when given, the
 * MADT's processor entries, and says what a guest that cannot see the DMAR
 * runs into. Returns 0, or the first error in either table: the report is
 * then zero except `bad_table`, and `d` holds the offset in that table
 * (called again without the MADT, it still reports the DMAR's part).
 */
int iog_x2apic_assess(const struct iog_x2apic_input *in, struct iog_x2apic_report *r,
		      struct iog_diag *d);

/* One sentence on one risk bit (static text), or NULL for anything else. */
const char *iog_x2apic_risk_text(uint32_t risk);

/* The longest line iog_x2apic_format writes, with its NUL. */
#define IOG_X2APIC_LINE 256u

/*
 * One line for a log: the risks in brief, or that there are none, with the
 * numbers behind them. Always NUL-terminated (truncated to fit); returns the
 * length written.
 */
size_t iog_x2apic_format(const struct iog_x2apic_report *r, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif
