/* SPDX-License-Identifier: BSD-2-Clause */
/* The ACPI description header shared by every table (ACPI 6.5, 5.2.6). */
#include <ioguard/acpi.h>

#include "util/bytes.h"

uint8_t iog_acpi_checksum(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint8_t sum = 0;

	while (len--)
		sum = (uint8_t)(sum + *p++);
	return sum;
}

int iog_acpi_header_get(const void *buf, size_t len, struct iog_acpi_header *h)
{
	const uint8_t *p = buf;

	if (!buf || !h)
		return IOG_EINVAL;
	if (len < IOG_ACPI_HEADER_LEN)
		return IOG_ETRUNC;
	iog_memcpy(h->signature, p, 4);
	h->length = iog_le32(p + 4);
	h->revision = p[8];
	h->checksum = p[9];
	iog_memcpy(h->oem_id, p + 10, 6);
	iog_memcpy(h->oem_table_id, p + 16, 8);
	h->oem_revision = iog_le32(p + 24);
	iog_memcpy(h->creator_id, p + 28, 4);
	h->creator_revision = iog_le32(p + 32);
	return IOG_OK;
}

long iog_acpi_table_check(const void *buf, size_t len, const char *signature, struct iog_diag *d)
{
	const uint8_t *p = buf;
	uint32_t length;

	if (!buf)
		return iog_fail(d, IOG_EINVAL, 0, "no table");
	if (len < IOG_ACPI_HEADER_LEN)
		return iog_fail(d, IOG_ETRUNC, 0,
				"fewer than 36 bytes: no room for the ACPI header");
	if (signature && iog_memcmp(p, signature, 4) != 0)
		return iog_fail(d, IOG_EBADSIG, 0, "signature does not match");
	length = iog_le32(p + 4);
	if (length < IOG_ACPI_HEADER_LEN)
		return iog_fail(d, IOG_EBADLEN, 4, "table length is below the 36-byte header");
	if (length > len)
		return iog_fail(d, IOG_ETRUNC, 4, "table length runs past the end of the data");
	if (iog_acpi_checksum(p, length) != 0)
		return iog_fail(d, IOG_ECHECKSUM, 9, "checksum does not sum to zero");
	return (long)length;
}

int iog_acpi_fix_checksum(void *buf, size_t len)
{
	uint8_t *p = buf;
	uint32_t length;

	if (!buf || len < IOG_ACPI_HEADER_LEN)
		return IOG_EINVAL;
	length = iog_le32(p + 4);
	if (length < IOG_ACPI_HEADER_LEN || length > len)
		return IOG_EBADLEN;
	p[9] = 0;
	p[9] = (uint8_t)(0x100 - iog_acpi_checksum(p, length));
	return IOG_OK;
}
