/* SPDX-License-Identifier: BSD-2-Clause */
/* Internal helpers shared by the root-table walk and concealment. */
#ifndef IOG_ACPI_SDT_H
#define IOG_ACPI_SDT_H

#include <ioguard/acpi.h>

/* A table bigger than this is treated as a corrupt length field. */
#define IOG_ACPI_MAX_TABLE_LEN (16u << 20)

/* Size of one entry in a root table: 4 bytes in the RSDT, 8 in the XSDT. */
static inline unsigned sdt_entry_size(enum iog_sdt_kind kind)
{
	return kind == IOG_SDT_XSDT ? 8u : 4u;
}

/* Maps a whole root table that iog_acpi_init validated; NULL if unusable. */
uint8_t *iog_sdt_map_root(const struct iog_acpi *a, enum iog_sdt_kind kind, uint32_t *len);

/* Reads the 4-byte signature at phys; 0 on success. */
int iog_sdt_peek_signature(const struct iog_platform *p, uint64_t phys, char sig[4]);

#endif
