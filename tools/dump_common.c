/* SPDX-License-Identifier: BSD-2-Clause */
#include "dump_common.h"

const char *dump_error_id(int code)
{
	switch (code) {
	case IOG_ECHECKSUM: return "bad-checksum";
	case IOG_ETRUNC: return "truncated";
	case IOG_EBADLEN: return "bad-length";
	case IOG_EBADSIG: return "wrong-signature";
	case IOG_EBADREV: return "bad-revision";
	case IOG_EBADVAL: return "bad-value";
	default: return "malformed";
	}
}

void dump_error(struct out *o, const struct iog_diag *d)
{
	const char *reason = d->reason ? d->reason : iog_strerror(d->code);
	const char *id = dump_error_id(d->code);

	if (o->json) {
		out_begin_obj(o, "error", NULL);
		out_str(o, "id", NULL, id, __builtin_strlen(id));
		out_int(o, "code", NULL, d->code);
		out_str(o, "name", NULL, iog_strerror(d->code),
			__builtin_strlen(iog_strerror(d->code)));
		out_num(o, "offset", NULL, d->offset, 0);
		out_str(o, "reason", NULL, reason, __builtin_strlen(reason));
		out_end_obj(o);
		return;
	}
	out_textf(o, "ERROR at offset 0x%llx: %s", (unsigned long long)d->offset, reason);
}
