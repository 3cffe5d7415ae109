/* SPDX-License-Identifier: BSD-2-Clause */
#include "dump_common.h"

void dump_error(struct out *o, const struct iog_diag *d)
{
	const char *reason = d->reason ? d->reason : iog_strerror(d->code);

	if (o->json) {
		out_begin_obj(o, "error", NULL);
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
