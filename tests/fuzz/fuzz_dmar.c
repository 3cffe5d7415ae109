/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer: DMAR validation, every iterator, device lookup and lint on hostile bytes. */
#include <stddef.h>
#include <stdint.h>

#include <ioguard/dmar.h>
#include <ioguard/lint.h>

/* A bridge answer derived from the input, so multi-hop paths get exercised. */
static int bridge(void *ctx, uint16_t seg, uint8_t bus, uint8_t devfn, uint8_t *sec, uint8_t *sub)
{
	const uint8_t *seed = ctx;

	if ((bus ^ devfn ^ seg) & 1)
		return IOG_ENOTFOUND;
	*sec = (uint8_t)(bus + 1 + (seed[0] & 3));
	*sub = (uint8_t)(*sec + (seed[1] & 7));
	return 0;
}

static void sink(void *ctx, const struct iog_finding *f)
{
	(void)ctx;
	(void)f;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct iog_dmar_struct s;
	struct iog_dmar_scope sc;
	struct iog_dmar_info info;
	uint8_t seed[2] = {size ? data[size - 1] : 0, size > 1 ? data[size - 2] : 0};
	unsigned steps = 0;
	long off, so;

	iog_dmar_check(data, size, &info, NULL);
	for (off = iog_dmar_first(data, size, NULL); off >= 0;
	     off = iog_dmar_next(data, size, off, NULL)) {
		/* Every step moves forward by at least 4 bytes: this bounds the walk. */
		if (++steps > size)
			__builtin_trap();
		if (iog_dmar_struct_get(data, size, off, &s, NULL))
			continue;
		for (so = iog_dmar_scope_first(data, size, &s, NULL); so >= 0;
		     so = iog_dmar_scope_next(data, size, &s, so, NULL)) {
			uint8_t bus, devfn;

			if (iog_dmar_scope_get(data, size, so, &sc, NULL))
				break;
			iog_dmar_scope_resolve(&sc, s.segment, bridge, seed, &bus, &devfn);
		}
	}
	iog_dmar_find_drhd(data, size, 0, seed[0], seed[1], bridge, seed, NULL);
	iog_dmar_find_drhd(data, size, 0, seed[0], seed[1], NULL, NULL, NULL);
	iog_lint_dmar(data, size, sink, NULL);
	return 0;
}
