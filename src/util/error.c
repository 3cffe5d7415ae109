/* SPDX-License-Identifier: BSD-2-Clause */
#include <ioguard/error.h>

const char *iog_strerror(int err)
{
	switch (err) {
	case IOG_OK: return "success";
	case IOG_EINVAL: return "invalid argument";
	case IOG_ETRUNC: return "structure runs past the end of its container";
	case IOG_EBADLEN: return "impossible length field";
	case IOG_ECHECKSUM: return "bad checksum";
	case IOG_EBADSIG: return "wrong signature";
	case IOG_ENOTFOUND: return "not found";
	case IOG_ENOSPC: return "buffer or capacity too small";
	case IOG_EBADREV: return "unsupported revision";
	case IOG_EBADVAL: return "value not allowed by the specification";
	case IOG_ENOMEM: return "out of memory or mapping failed";
	case IOG_ETIMEDOUT: return "hardware handshake timed out";
	case IOG_EIO: return "hardware reported an error";
	case IOG_ECONFLICT: return "conflicting sources";
	}
	return "unknown error";
}
