/* SPDX-License-Identifier: BSD-2-Clause */
#include "bits.h"

#include <stdio.h>
#include <string.h>

#define TABLE(name, ...)                                                                           \
	static const struct bit_name name##_v[] = {__VA_ARGS__};                                   \
	const struct bit_table name = {name##_v, sizeof(name##_v) / sizeof(name##_v[0])}

/* Intel VT-d specification, chapter 8 (the DMAR and its structures). */
TABLE(bits_dmar, {1u << 0, "INTR_REMAP"}, {1u << 1, "X2APIC_OPT_OUT"},
      {1u << 2, "DMA_CTRL_PLATFORM_OPT_IN"});
TABLE(bits_drhd, {1u << 0, "INCLUDE_PCI_ALL"});
TABLE(bits_atsr, {1u << 0, "ALL_PORTS"});
TABLE(bits_satc, {1u << 0, "ATC_REQUIRED"});
/* The device-scope flags byte, which only the SIDP structure defines. */
TABLE(bits_sidp_scope, {1u << 0, "REQ_WO_PASID_NESTED_NOTALLOWED"},
      {1u << 1, "REQ_WO_PASID_PWSNP_NOTALLOWED"}, {1u << 2, "REQ_WO_PASID_PGSNP_NOTALLOWED"},
      {1u << 3, "ATC_HARDENED"}, {1u << 4, "ATC_REQUIRED"});

/* AMD I/O Virtualization Technology (IOMMU) specification, chapter 5 (the IVRS). */
TABLE(bits_ivhd10, {1u << 0, "HtTunEn"}, {1u << 1, "PassPW"}, {1u << 2, "ResPassPW"},
      {1u << 3, "Isoc"}, {1u << 4, "IotlbSup"}, {1u << 5, "Coherent"}, {1u << 6, "PreFSup"},
      {1u << 7, "PPRSup"});
/* IVHD 11h and 40h: bits 7:6 are reserved (prefetch and PPR support moved to the EFR). */
TABLE(bits_ivhd11, {1u << 0, "HtTunEn"}, {1u << 1, "PassPW"}, {1u << 2, "ResPassPW"},
      {1u << 3, "Isoc"}, {1u << 4, "IotlbSup"}, {1u << 5, "Coherent"});
TABLE(bits_ivmd, {1u << 0, "Unity"}, {1u << 1, "IR"}, {1u << 2, "IW"}, {1u << 3, "ExclusionRange"});
/* The DTE setting byte of a device entry: the interrupt pass-through bits of the DTE. */
TABLE(bits_dte, {1u << 0, "INITPass"}, {1u << 1, "EIntPass"}, {1u << 2, "NMIPass"},
      {3u << 4, "SysMgt"}, {1u << 6, "Lint0Pass"}, {1u << 7, "Lint1Pass"});
/*
 * The Extended Feature Register (MMIO offset 30h), as the IVHD 11h/40h image
 * carries it; bit 63 as Linux names it (FEATURE_SNP).
 */
TABLE(bits_efr, {1ull << 0, "PreFSup"}, {1ull << 1, "PPRSup"}, {1ull << 2, "XTSup"},
      {1ull << 3, "NXSup"}, {1ull << 4, "GTSup"}, {1ull << 6, "IASup"}, {1ull << 7, "GASup"},
      {1ull << 8, "HESup"}, {1ull << 9, "PCSup"}, {3ull << 10, "HATS"}, {3ull << 12, "GATS"},
      {3ull << 14, "GLXSup"}, {3ull << 16, "SmiFSup"}, {7ull << 18, "SmiFRC"},
      {7ull << 21, "GAMSup"}, {3ull << 24, "DualPprLogSup"}, {3ull << 28, "DualEventLogSup"},
      {0x1full << 32, "PASmax"}, {1ull << 37, "USSup"}, {3ull << 38, "DevTblSegSup"},
      {1ull << 40, "PprOvrflwEarlySup"}, {1ull << 41, "PprAutoRspSup"}, {3ull << 42, "MarcSup"},
      {1ull << 44, "BlkStopMrkSup"}, {1ull << 45, "PerfOptSup"}, {1ull << 46, "MsiCapMmioSup"},
      {1ull << 48, "GIoSup"}, {1ull << 49, "HASup"}, {1ull << 50, "EPHSup"},
      {1ull << 51, "AttrFWSup"}, {1ull << 52, "HDSup"}, {1ull << 54, "InvIotlbTypeSup"},
      {1ull << 61, "GAUpdateDisSup"}, {1ull << 62, "ForcePhyDestSup"}, {1ull << 63, "SNPSup"});

static unsigned low_bit(uint64_t mask)
{
	unsigned s = 0;

	while (s < 63 && !(mask >> s & 1))
		s++;
	return s;
}

/* Calls emit(ctx, name) for each name; returns nothing, the callers collect. */
static void each_name(uint64_t v, const struct bit_table *t, void (*emit)(void *, const char *),
		      void *ctx)
{
	uint64_t named = 0;
	char tmp[48];

	for (size_t i = 0; i < t->n; i++) {
		const struct bit_name *b = &t->v[i];
		uint64_t f = (v & b->mask) >> low_bit(b->mask);

		named |= b->mask;
		if (!f)
			continue;
		if ((b->mask & (b->mask - 1)) == 0) {
			emit(ctx, b->name);
		} else {
			snprintf(tmp, sizeof(tmp), "%s=%llu", b->name, (unsigned long long)f);
			emit(ctx, tmp);
		}
	}
	for (unsigned bit = 0; bit < 64; bit++) {
		if ((v >> bit & 1) && !(named >> bit & 1)) {
			snprintf(tmp, sizeof(tmp), "bit%u", bit);
			emit(ctx, tmp);
		}
	}
}

struct fmt_ctx {
	char *buf;
	size_t n, used;
};

static void fmt_emit(void *p, const char *name)
{
	struct fmt_ctx *c = p;
	int w;

	if (c->used >= c->n)
		return;
	w = snprintf(c->buf + c->used, c->n - c->used, "%s%s", c->used ? "|" : "", name);
	if (w > 0)
		c->used += (size_t)w;
}

const char *bits_format(char *buf, size_t n, uint64_t v, const struct bit_table *t)
{
	struct fmt_ctx c = {buf, n, 0};

	if (n)
		buf[0] = 0;
	each_name(v, t, fmt_emit, &c);
	return buf;
}

static void json_emit(void *p, const char *name)
{
	out_str(p, NULL, NULL, name, strlen(name));
}

void bits_json(struct out *o, const char *key, uint64_t v, const struct bit_table *t)
{
	if (!o->json)
		return;
	out_begin_arr(o, key);
	each_name(v, t, json_emit, o);
	out_end_arr(o);
}
