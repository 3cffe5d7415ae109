/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef IOGUARD_ERROR_H
#define IOGUARD_ERROR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Error codes: 0 is success, every failure is a negative IOG_E* value. */
enum iog_err {
	IOG_OK = 0,
	IOG_EINVAL = -1,     /* bad argument from the caller */
	IOG_ETRUNC = -2,     /* a structure runs past the end of its container */
	IOG_EBADLEN = -3,    /* a length field is impossible (zero, below the minimum, odd) */
	IOG_ECHECKSUM = -4,  /* ACPI checksum does not sum to zero */
	IOG_EBADSIG = -5,    /* wrong signature */
	IOG_ENOTFOUND = -6,  /* nothing matched */
	IOG_ENOSPC = -7,     /* a caller-supplied buffer or capacity is too small */
	IOG_EBADREV = -8,    /* unsupported revision */
	IOG_EBADVAL = -9,    /* a field holds a value the spec does not allow */
	IOG_ENOMEM = -10,    /* the platform could not map or allocate */
	IOG_ETIMEDOUT = -11, /* a hardware handshake did not complete in time */
	IOG_EIO = -12,	     /* hardware reports an error */
	IOG_ECONFLICT = -13, /* two sources disagree (RSDT vs XSDT, overlapping ranges) */
};

/*
 * Where and why an operation on untrusted input failed. Every parser takes
 * an optional pointer to one of these; `offset` is relative to the start of
 * the object named by the function (the table, or the physical address for
 * the ACPI walk), and `reason` is a static string.
 */
struct iog_diag {
	int code;
	uint64_t offset;
	const char *reason;
	/* What else the error concerns, when the flag says so (never folded into `offset`). */
	uint8_t has_device;  /* a PCI device: segment, bus << 8 | devfn */
	uint8_t has_address; /* a physical address or register base */
	uint16_t segment;
	uint16_t sid;
	uint64_t address;
};

/* A short, static description of an error code. */
const char *iog_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif
