/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer: the whole shield on a hostile DMAR. Each input is a DMAR; the
 * machine (tests/unit/hostile.c) puts a software VT-d unit at every register
 * base it names, and the OEM revision's low byte (byte 24) picks the options
 * (RMRRs over protected memory allowed, bridge topology, capability set).
 * iog_shield_apply runs on it; when it succeeds, model DMA checks that
 * protected memory and the units' own tables are unreachable, that no
 * device reaches memory outside the memory map, the RMRRs and its grant, and
 * that ordinary memory stays reachable. Any violation, crash, leak or
 * sanitizer report is a finding.
 *
 * The mutator is structure-aware: it reads the DMAR into structures and
 * device scopes, changes fields (register bases, flags, sizes, segments,
 * scope types and paths, RMRR ranges, the host address width), duplicates,
 * deletes, inserts and swaps structures and scopes, and writes the table back
 * with its lengths and checksum right (now and then a length left wrong, or
 * raw bytes changed, to reach the parser's refusals too).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/hostile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max, unsigned int seed);
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max);

static struct hostile *machine;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct iog_diag d = {0};
	uint32_t seed = 0;
	char why[200];

	if (!machine) {
		machine = calloc(1, sizeof(*machine));
		if (!machine)
			abort();
	}
	for (size_t i = 0; i < size; i += 61)
		seed = seed * 31 + data[i];
	if (hostile_setup(machine, data, size, hostile_options(data, size)))
		abort();
	hostile_apply(machine, &d);
	if (hostile_check(machine, seed, why, sizeof(why))) {
		fprintf(stderr, "fuzz_shield: %s\n", why);
		abort();
	}
	if (hostile_teardown(machine)) {
		fprintf(stderr, "fuzz_shield: table pages leaked\n");
		abort();
	}
	return 0;
}

/* ---- The DMAR as structures ---- */

#define MAX_STRUCTS 96
#define MAX_SCOPES 12
#define MAX_FIXED 256
#define MAX_SCOPE_LEN 32
#define HEADER 48

struct mscope {
	uint8_t b[MAX_SCOPE_LEN];
	unsigned len;
};

struct mstruct {
	uint8_t fixed[MAX_FIXED];
	unsigned flen;
	struct mscope sc[MAX_SCOPES];
	unsigned nsc;
};

struct mdmar {
	uint8_t hdr[HEADER];
	struct mstruct st[MAX_STRUCTS];
	unsigned n;
};

static uint32_t rng_state;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

static unsigned below(unsigned n)
{
	return n ? rnd() % n : 0;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

/* Where a type's device scopes start (0: it has none). */
static unsigned scopes_at(unsigned type)
{
	switch (type) {
	case 0: return 16; /* DRHD */
	case 1: return 24; /* RMRR */
	case 2: return 8;  /* ATSR */
	case 5: return 8;  /* SATC */
	default: return 0;
	}
}

static int parse(struct mdmar *m, const uint8_t *data, size_t size)
{
	size_t off = HEADER;

	if (size < HEADER || memcmp(data, "DMAR", 4))
		return -1;
	memcpy(m->hdr, data, HEADER);
	m->n = 0;
	while (off + 4 <= size && m->n < MAX_STRUCTS) {
		unsigned type = data[off] | data[off + 1] << 8;
		unsigned len = data[off + 2] | data[off + 3] << 8, at = scopes_at(type), so;
		struct mstruct *st = &m->st[m->n];

		if (len < 4 || off + len > size)
			break;
		if (!at || at > len)
			at = len;
		if (at > MAX_FIXED)
			return -1;
		memcpy(st->fixed, data + off, at);
		st->flen = at;
		st->nsc = 0;
		for (so = at; so + 2 <= len && st->nsc < MAX_SCOPES;) {
			unsigned sl = data[off + so + 1];

			if (sl < 2 || so + sl > len || sl > MAX_SCOPE_LEN)
				break;
			memcpy(st->sc[st->nsc].b, data + off + so, sl);
			st->sc[st->nsc++].len = sl;
			so += sl;
		}
		m->n++;
		off += len;
	}
	return 0;
}

static size_t serialize(const struct mdmar *m, uint8_t *out, size_t max, int fix_lengths)
{
	size_t off = HEADER;
	uint8_t sum = 0;

	if (max < HEADER)
		return 0;
	memcpy(out, m->hdr, HEADER);
	for (unsigned i = 0; i < m->n; i++) {
		const struct mstruct *st = &m->st[i];
		size_t start = off, len = st->flen;

		for (unsigned k = 0; k < st->nsc; k++)
			len += st->sc[k].len;
		if (off + len > max || len > 0xffff)
			break;
		memcpy(out + off, st->fixed, st->flen);
		off += st->flen;
		for (unsigned k = 0; k < st->nsc; k++) {
			memcpy(out + off, st->sc[k].b, st->sc[k].len);
			off += st->sc[k].len;
		}
		if (fix_lengths)
			put16(out + start + 2, (uint16_t)len);
	}
	if (fix_lengths) {
		out[4] = (uint8_t)off;
		out[5] = (uint8_t)(off >> 8);
		out[6] = (uint8_t)(off >> 16);
		out[7] = (uint8_t)(off >> 24);
	}
	out[9] = 0;
	for (size_t i = 0; i < off; i++)
		sum = (uint8_t)(sum + out[i]);
	out[9] = (uint8_t)-sum;
	return off;
}

/* ---- Values worth trying ---- */

static const uint64_t bases[] = {
	0xfed90000,
	0xfed91000,
	0xfec10000,
	0,
	0x1000,
	0x100000,
	HOSTILE_VMM,
	HOSTILE_POOL,
	HOSTILE_GRANT,
	HOSTILE_VMM + HOSTILE_VMM_SIZE - 0x1000,
	0x80000000,
	0x7ffff000,
	0x100000000ull,
	0xfffff000,
	0x000ffffffffff000ull,
	0x0010000000000000ull,
	0xfffffffffffff000ull,
	0xfed90008,
};

static const uint64_t ends[] = {
	0,
	0xfff,
	0x9efff,
	0x9ffff,
	0xfffff,
	HOSTILE_VMM - 1,
	HOSTILE_VMM,
	HOSTILE_VMM + 0xfff,
	HOSTILE_GRANT + 0xffff,
	HOSTILE_VMM + HOSTILE_VMM_SIZE - 1,
	0x7fffffff,
	0xffffffff,
	0x1ffffffffull,
	0x000fffffffffffffull,
	0x0010000000000000ull,
	0xfffffffffffff000ull,
	0xffffffffffffffffull,
	0x8000000000000000ull,
};

static uint64_t some_base(const struct mdmar *m)
{
	unsigned r = below(4);

	if (r == 0 && m->n) {
		/* Another DRHD's base, as is or next to it. */
		const struct mstruct *st = &m->st[below(m->n)];

		if (st->flen >= 16 && st->fixed[0] == 0)
			return get64(st->fixed + 8) + (below(3) - 1) * 0x1000ull;
	}
	if (r == 1)
		return (uint64_t)rnd() << 12;
	return bases[below(sizeof(bases) / sizeof(bases[0]))];
}

static uint64_t some_end(uint64_t base)
{
	switch (below(4)) {
	case 0: return base + below(64) * 0x1000ull + 0xfff;
	case 1: return base - 1 - below(2) * 0x1000ull;
	default: return ends[below(sizeof(ends) / sizeof(ends[0]))];
	}
}

static void new_scope(struct mscope *s)
{
	unsigned hops = 1 + below(below(4) ? 1 : 4);

	s->len = 6 + 2 * hops;
	memset(s->b, 0, sizeof(s->b));
	s->b[0] = (uint8_t)(1 + below(5));
	s->b[1] = (uint8_t)s->len;
	s->b[4] = (uint8_t)below(4);
	s->b[5] = (uint8_t)(below(2) ? below(4) : rnd());
	for (unsigned i = 0; i < hops; i++) {
		s->b[6 + 2 * i] = (uint8_t)below(32);
		s->b[7 + 2 * i] = (uint8_t)below(8);
	}
}

static void new_struct(struct mdmar *m, struct mstruct *st)
{
	memset(st, 0, sizeof(*st));
	if (below(2)) {
		st->flen = 16;
		st->fixed[0] = 0;
		st->fixed[4] = (uint8_t)below(2);
		put64(st->fixed + 8, some_base(m));
	} else {
		uint64_t b = some_base(m);

		st->flen = 24;
		st->fixed[0] = 1;
		put64(st->fixed + 8, b);
		put64(st->fixed + 16, some_end(b));
	}
	st->nsc = below(3);
	for (unsigned k = 0; k < st->nsc; k++)
		new_scope(&st->sc[k]);
}

static void mutate_scope(struct mscope *s)
{
	unsigned hops = s->len >= 6 ? (s->len - 6) / 2 : 0;

	switch (below(7)) {
	case 0: s->b[0] = (uint8_t)(below(4) ? 1 + below(5) : rnd()); break;
	case 1: s->b[5] = (uint8_t)(below(2) ? s->b[5] + below(3) - 1 : rnd()); break;
	case 2:
		if (hops) {
			unsigned h = below(hops);

			s->b[6 + 2 * h] = (uint8_t)(below(4) ? below(32) : rnd());
			s->b[7 + 2 * h] = (uint8_t)(below(4) ? below(8) : rnd());
		}
		break;
	case 3: /* one hop more */
		if (s->len + 2 <= MAX_SCOPE_LEN) {
			s->b[s->len] = (uint8_t)below(32);
			s->b[s->len + 1] = (uint8_t)below(8);
			s->len += 2;
			s->b[1] = (uint8_t)s->len;
		}
		break;
	case 4: /* one hop less */
		if (s->len >= 8) {
			s->len -= 2;
			s->b[1] = (uint8_t)s->len;
		}
		break;
	case 5: s->b[4] = (uint8_t)rnd(); break;
	default: s->b[2] = (uint8_t)rnd(); break;
	}
}

static void mutate_struct(struct mdmar *m, struct mstruct *st)
{
	unsigned type = st->fixed[0] | st->fixed[1] << 8;

	if (st->nsc && below(3) == 0) {
		mutate_scope(&st->sc[below(st->nsc)]);
		return;
	}
	if (type == 0 && st->flen >= 16) {
		switch (below(5)) {
		case 0: st->fixed[4] ^= 1; break; /* INCLUDE_PCI_ALL */
		case 1: st->fixed[5] = (uint8_t)(below(2) ? below(16) : rnd()); break;
		case 2: put16(st->fixed + 6, (uint16_t)(below(2) ? below(3) : rnd())); break;
		default: put64(st->fixed + 8, some_base(m)); break;
		}
	} else if (type == 1 && st->flen >= 24) {
		uint64_t b = get64(st->fixed + 8);

		switch (below(4)) {
		case 0: put64(st->fixed + 8, some_base(m)); break;
		case 1: put64(st->fixed + 16, some_end(b)); break;
		case 2: put16(st->fixed + 6, (uint16_t)(below(2) ? below(3) : rnd())); break;
		default:
			b = some_base(m);
			put64(st->fixed + 8, b);
			put64(st->fixed + 16, some_end(b));
			break;
		}
	} else if (st->flen > 4) {
		st->fixed[4 + below(st->flen - 4)] = (uint8_t)rnd();
	}
}

/* ---- The IVRS as blocks and device entries ---- */

#define MAX_BLOCKS 48
#define MAX_ENTRIES 48
#define MAX_ENTRY 40

struct mentry {
	uint8_t b[MAX_ENTRY];
	unsigned len;
};

struct mblock {
	uint8_t fixed[64];
	unsigned flen;
	struct mentry e[MAX_ENTRIES];
	unsigned ne;
};

struct mivrs {
	uint8_t hdr[HEADER];
	struct mblock b[MAX_BLOCKS];
	unsigned n;
};

static unsigned ivhd_header(unsigned type)
{
	return type == 0x10 ? 24 : type == 0x11 || type == 0x40 ? 40 : 0;
}

/* An IOMMU base for an IVRS: another IVHD's, or one of the values worth trying. */
static uint64_t some_base_ivrs(const struct mivrs *m)
{
	if (m->n && below(3) == 0) {
		const struct mblock *b = &m->b[below(m->n)];

		if (ivhd_header(b->fixed[0]) && b->flen >= 16)
			return get64(b->fixed + 8) + (below(3) - 1) * 0x4000ull;
	}
	if (below(4) == 0)
		return (uint64_t)rnd() << 14;
	return bases[below(sizeof(bases) / sizeof(bases[0]))];
}

/* A device entry's length from its first bytes (0: cannot tell). */
static unsigned entry_len(const uint8_t *p, size_t left)
{
	unsigned t = p[0];

	if (t < 0x40)
		return 4;
	if (t < 0x80)
		return 8;
	if (t < 0xc0)
		return 16;
	if (t < 0xf0)
		return 32;
	if (t == 0xf0 && left >= 22)
		return 22u + p[21];
	return 0;
}

static int ivrs_parse(struct mivrs *m, const uint8_t *data, size_t size)
{
	size_t off = HEADER;

	if (size < HEADER || memcmp(data, "IVRS", 4))
		return -1;
	memcpy(m->hdr, data, HEADER);
	m->n = 0;
	while (off + 4 <= size && m->n < MAX_BLOCKS) {
		unsigned len = data[off + 2] | data[off + 3] << 8, at = ivhd_header(data[off]);
		struct mblock *b = &m->b[m->n];

		if (len < 4 || off + len > size)
			break;
		if (!at || at > len)
			at = len;
		if (at > sizeof(b->fixed))
			return -1;
		memcpy(b->fixed, data + off, at);
		b->flen = at;
		b->ne = 0;
		for (unsigned eo = at; eo < len;) {
			unsigned el = entry_len(data + off + eo, len - eo);

			if (!el || eo + el > len || el > MAX_ENTRY || b->ne == MAX_ENTRIES)
				return -1;
			memcpy(b->e[b->ne].b, data + off + eo, el);
			b->e[b->ne++].len = el;
			eo += el;
		}
		m->n++;
		off += len;
	}
	return 0;
}

static size_t ivrs_serialize(const struct mivrs *m, uint8_t *out, size_t max)
{
	size_t off = HEADER;
	uint8_t sum = 0;

	if (max < HEADER)
		return 0;
	memcpy(out, m->hdr, HEADER);
	for (unsigned i = 0; i < m->n; i++) {
		const struct mblock *b = &m->b[i];
		size_t start = off, len = b->flen;

		for (unsigned k = 0; k < b->ne; k++)
			len += b->e[k].len;
		if (off + len > max || len > 0xffff)
			break;
		memcpy(out + off, b->fixed, b->flen);
		off += b->flen;
		for (unsigned k = 0; k < b->ne; k++) {
			memcpy(out + off, b->e[k].b, b->e[k].len);
			off += b->e[k].len;
		}
		put16(out + start + 2, (uint16_t)len);
	}
	for (unsigned i = 0; i < 4; i++)
		out[4 + i] = (uint8_t)(off >> (8 * i));
	out[9] = 0;
	for (size_t i = 0; i < off; i++)
		sum = (uint8_t)(sum + out[i]);
	out[9] = (uint8_t)-sum;
	return off;
}

static uint16_t some_id(void)
{
	static const uint16_t ids[] = {0x0000, 0x0002, 0x00a0, 0x00fe, 0x0100,
				       0x01ff, 0x1f00, 0xff00, 0xfffe, 0xffff};

	return below(2) ? ids[below(sizeof(ids) / sizeof(ids[0]))] : (uint16_t)rnd();
}

static void new_entry(struct mentry *e)
{
	static const uint8_t types[] = {0x01, 0x02, 0x03, 0x04, 0x42, 0x43, 0x46, 0x47, 0x48};
	uint8_t t = below(8) ? types[below(sizeof(types))] : (uint8_t)rnd();

	memset(e->b, 0, sizeof(e->b));
	e->b[0] = t;
	e->len = t == 0xf0 ? 22 : entry_len(e->b, MAX_ENTRY);
	if (!e->len || e->len > MAX_ENTRY) {
		e->b[0] = 0x02;
		e->len = 4;
	}
	put16(e->b + 1, some_id());
	e->b[3] = (uint8_t)(below(2) ? 0 : rnd());
	if (e->len >= 8)
		put16(e->b + 5, some_id());
}

static void new_block(struct mivrs *m, struct mblock *b)
{
	memset(b, 0, sizeof(*b));
	if (below(2)) {
		static const uint8_t types[] = {0x10, 0x11, 0x40};

		b->fixed[0] = types[below(3)];
		b->flen = ivhd_header(b->fixed[0]);
		put16(b->fixed + 4, some_id());
		put64(b->fixed + 8, some_base_ivrs(m));
		b->ne = 1 + below(4);
		for (unsigned k = 0; k < b->ne; k++)
			new_entry(&b->e[k]);
	} else {
		uint64_t start = some_base_ivrs(m);

		b->fixed[0] = (uint8_t)(0x20 + below(3));
		b->fixed[1] = (uint8_t)below(16);
		b->flen = 32;
		put16(b->fixed + 4, some_id());
		put16(b->fixed + 6, some_id());
		put64(b->fixed + 16, start);
		put64(b->fixed + 24, some_end(start) - start + 1);
	}
}

static void mutate_block(struct mivrs *m, struct mblock *b)
{
	unsigned type = b->fixed[0];

	if (b->ne && below(2)) {
		struct mentry *e = &b->e[below(b->ne)];

		switch (below(4)) {
		case 0: new_entry(e); break;
		case 1: put16(e->b + 1, (uint16_t)(e->b[1] + below(3) - 1)); break;
		case 2: put16(e->b + 1, some_id()); break;
		default: e->b[3] = (uint8_t)rnd(); break;
		}
		return;
	}
	if (ivhd_header(type) && b->flen >= 24) {
		switch (below(6)) {
		case 0: put64(b->fixed + 8, some_base_ivrs(m)); break;
		case 1: put16(b->fixed + 16, (uint16_t)(below(2) ? below(3) : rnd())); break;
		case 2: put16(b->fixed + 4, some_id()); break;
		case 3: b->fixed[1] = (uint8_t)rnd(); break;
		case 4: /* another IVHD type: the header grows or shrinks */
		{
			static const uint8_t types[] = {0x10, 0x11, 0x40};
			unsigned nt = types[below(3)], nl = ivhd_header(nt);

			if (nl > b->flen)
				memset(b->fixed + b->flen, 0, nl - b->flen);
			b->fixed[0] = (uint8_t)nt;
			b->flen = nl;
			break;
		}
		default:
			if (b->ne < MAX_ENTRIES)
				new_entry(&b->e[b->ne++]);
			break;
		}
	} else if (type >= 0x20 && type <= 0x22 && b->flen >= 32) {
		uint64_t start = get64(b->fixed + 16);

		switch (below(6)) {
		case 0: b->fixed[0] = (uint8_t)(0x20 + below(3)); break;
		case 1: put16(b->fixed + 4, some_id()); break;
		case 2: put16(b->fixed + 6, some_id()); break;
		case 3: put64(b->fixed + 16, some_base_ivrs(m)); break;
		case 4: put64(b->fixed + 24, some_end(start) - start + 1); break;
		default: b->fixed[1] = (uint8_t)rnd(); break;
		}
	} else if (b->flen > 4) {
		b->fixed[4 + below(b->flen - 4)] = (uint8_t)rnd();
	}
}

static size_t ivrs_mutate(uint8_t *data, size_t size, size_t max)
{
	static struct mivrs m;
	unsigned rounds;

	if (ivrs_parse(&m, data, size))
		return LLVMFuzzerMutate(data, size, max);
	rounds = 1 + below(below(4) ? 2 : 6);
	for (unsigned r = 0; r < rounds; r++) {
		unsigned i = below(m.n), j = below(m.n);
		struct mblock *b = m.n ? &m.b[i] : NULL;

		switch (below(12)) {
		case 0: /* IVinfo: the physical address size, and the rest */
		{
			static const uint8_t pa[] = {0, 31, 32, 40, 48, 52, 53, 63, 127};

			m.hdr[37] = below(4) ? pa[below(sizeof(pa))] : (uint8_t)rnd();
			break;
		}
		case 1: m.hdr[24] = (uint8_t)rnd(); break; /* the machine's options */
		case 2:
			if (b && m.n < MAX_BLOCKS) {
				memmove(&m.b[j + 1], &m.b[j], (m.n - j) * sizeof(m.b[0]));
				m.b[j] = m.b[i < j ? i : i + 1];
				m.n++;
			}
			break;
		case 3:
			if (b) {
				memmove(&m.b[i], &m.b[i + 1], (m.n - i - 1) * sizeof(m.b[0]));
				m.n--;
			}
			break;
		case 4:
			if (m.n < MAX_BLOCKS) {
				memmove(&m.b[j + 1], &m.b[j], (m.n - j) * sizeof(m.b[0]));
				new_block(&m, &m.b[j]);
				m.n++;
			}
			break;
		case 5:
			if (b) {
				struct mblock t = m.b[i];

				m.b[i] = m.b[j];
				m.b[j] = t;
			}
			break;
		case 6: /* entries: duplicate, delete */
			if (b && b->ne) {
				if (below(2) && b->ne < MAX_ENTRIES)
					b->e[b->ne++] = b->e[below(b->ne)];
				else
					b->e[below(b->ne)] = b->e[--b->ne];
			}
			break;
		default:
			if (b)
				mutate_block(&m, b);
			break;
		}
	}
	return ivrs_serialize(&m, data, max);
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max, unsigned int seed)
{
	static struct mdmar m;
	unsigned rounds;
	int fix = 1;

	rng_state = seed | 1;
	if (below(16) == 0)
		return LLVMFuzzerMutate(data, size, max);
	if (size >= 4 && !memcmp(data, "IVRS", 4))
		return ivrs_mutate(data, size, max);
	if (parse(&m, data, size))
		return LLVMFuzzerMutate(data, size, max);
	rounds = 1 + below(below(4) ? 2 : 6);
	for (unsigned r = 0; r < rounds; r++) {
		unsigned what = below(16), i = below(m.n), j = below(m.n);
		struct mstruct *st = m.n ? &m.st[i] : NULL;

		switch (what) {
		case 0: /* the host address width */
		{
			static const uint8_t widths[] = {0,  11, 30, 31, 32, 35,
							 38, 45, 47, 51, 52, 63};

			m.hdr[36] = below(4) ? widths[below(sizeof(widths))] : (uint8_t)rnd();
			break;
		}
		case 1: m.hdr[37] = (uint8_t)rnd(); break;
		case 2: m.hdr[24] = (uint8_t)rnd(); break; /* the machine's options */
		case 3:					   /* duplicate a structure */
			if (st && m.n < MAX_STRUCTS) {
				memmove(&m.st[j + 1], &m.st[j], (m.n - j) * sizeof(m.st[0]));
				m.st[j] = m.st[i < j ? i : i + 1];
				m.n++;
			}
			break;
		case 4: /* delete one */
			if (st) {
				memmove(&m.st[i], &m.st[i + 1], (m.n - i - 1) * sizeof(m.st[0]));
				m.n--;
			}
			break;
		case 5: /* insert a new DRHD or RMRR */
			if (m.n < MAX_STRUCTS) {
				memmove(&m.st[j + 1], &m.st[j], (m.n - j) * sizeof(m.st[0]));
				new_struct(&m, &m.st[j]);
				m.n++;
			}
			break;
		case 6: /* swap two */
			if (st) {
				struct mstruct t = m.st[i];

				m.st[i] = m.st[j];
				m.st[j] = t;
			}
			break;
		case 7: /* scopes: duplicate, delete, insert, move */
			if (st && scopes_at(st->fixed[0] | st->fixed[1] << 8)) {
				unsigned k = below(st->nsc + 1);

				switch (below(4)) {
				case 0:
					if (st->nsc && st->nsc < MAX_SCOPES)
						st->sc[st->nsc++] = st->sc[below(st->nsc)];
					break;
				case 1:
					if (st->nsc)
						st->sc[below(st->nsc)] = st->sc[--st->nsc];
					break;
				case 2:
					if (st->nsc < MAX_SCOPES) {
						st->sc[st->nsc] = st->sc[k < st->nsc ? k : 0];
						new_scope(&st->sc[st->nsc++]);
					}
					break;
				default:
					if (m.st[j].nsc && st->nsc < MAX_SCOPES)
						st->sc[st->nsc++] = m.st[j].sc[below(m.st[j].nsc)];
					break;
				}
			}
			break;
		case 8: fix = below(4) != 0; break; /* now and then a length left as it was */
		default:
			if (st)
				mutate_struct(&m, st);
			break;
		}
	}
	size = serialize(&m, data, max, fix);
	if (below(8) == 0 && size > HEADER) {
		/* A few raw bytes changed, the checksum fixed again. */
		uint8_t sum = 0;

		size = LLVMFuzzerMutate(data, size, max);
		if (size >= 10) {
			data[9] = 0;
			for (size_t i = 0; i < size; i++)
				sum = (uint8_t)(sum + data[i]);
			data[9] = (uint8_t)-sum;
		}
	}
	return size;
}
