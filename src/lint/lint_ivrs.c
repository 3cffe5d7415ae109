/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Firmware-bug checks on an IVRS (FIRMWARE-BUGS.md 25-30). Structural damage
 * is reported once as IVRS-MALFORMED and the checks run on what precedes it.
 */
#include <ioguard/acpi.h>
#include <ioguard/ivrs.h>

#include "lint_common.h"
#include "util/bytes.h"

/* The capability block's base address register holds bits 63:14 (AMD IOMMU spec 3.x). */
#define IOMMU_BASE_ALIGN 0x4000ull
#define PAGE_MASK 0xfffull
/* Ranges kept per IVHD for the overlap check; a larger IVHD is checked up to this many. */
#define MAX_RANGES 128

struct ivrs_lint {
	const uint8_t *tbl;
	size_t len;
	struct lint_sink sink;
};

#define FOR_EACH_BLOCK(l, off, b)                                                                  \
	for (long off = iog_ivrs_first((l)->tbl, (l)->len, NULL); off >= 0;                        \
	     off = iog_ivrs_next((l)->tbl, (l)->len, off, NULL))                                   \
		if (iog_ivrs_block_get((l)->tbl, (l)->len, off, &(b), NULL) == IOG_OK)

#define FOR_EACH_ENTRY(l, b, eo, e)                                                                \
	for (long eo = iog_ivhd_entry_first((l)->tbl, (l)->len, &(b), NULL); eo >= 0;              \
	     eo = iog_ivhd_entry_next((l)->tbl, (l)->len, &(b), eo, NULL))                         \
		if (iog_ivhd_entry_get((l)->tbl, (l)->len, eo, &(e), NULL) == IOG_OK)

static void emit(struct ivrs_lint *l, const char *id, enum iog_severity sev, uint64_t off,
		 const char *msg, const char *n0, uint64_t v0, const char *n1, uint64_t v1)
{
	iog_lint_emit(&l->sink, id, sev, off, msg, n0, v0, n1, v1);
}

struct range {
	uint16_t first, last;
	uint8_t data;
	uint32_t offset;
};

static int is_range_start(uint8_t type)
{
	return type == IOG_IVHD_RANGE_START || type == IOG_IVHD_ALIAS_RANGE ||
	       type == IOG_IVHD_EXT_RANGE;
}

static int is_select(uint8_t type)
{
	return type == IOG_IVHD_SELECT || type == IOG_IVHD_ALIAS_SELECT ||
	       type == IOG_IVHD_EXT_SELECT;
}

/*
 * Two start/end ranges of one IVHD that overlap but ask for different DTE
 * settings: which one wins depends on the order an OS applies them. A select
 * or ACPI HID entry inside a range is the usual way to override one device
 * and is not reported.
 */
static void lint_overlaps(struct ivrs_lint *l, const struct range *r, unsigned n)
{
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = 0; j < i; j++)
			if (r[i].first <= r[j].last && r[j].first <= r[i].last &&
			    r[i].data != r[j].data) {
				emit(l, "IVRS-RANGE-OVERLAP", IOG_SEV_WARNING, r[i].offset,
				     "device entries overlap an earlier one with another DTE "
				     "setting",
				     "first device", r[i].first, "last device", r[i].last);
				break;
			}
}

static void lint_entries(struct ivrs_lint *l, const struct iog_ivrs_block *b, int *ioapic)
{
	struct range ranges[MAX_RANGES];
	struct iog_ivhd_entry e, start = {0};
	unsigned n = 0;
	int pending = 0, self = 0;

	FOR_EACH_ENTRY (l, *b, eo, e) {
		if (!e.known) {
			emit(l, "IVRS-ENTRY-UNKNOWN", IOG_SEV_WARNING, e.offset,
			     "device entry type is reserved", "entry type", e.type, NULL, 0);
			continue;
		}
		if (e.type == IOG_IVHD_SPECIAL) {
			if (e.variety == IOG_IVHD_VARIETY_IOAPIC)
				*ioapic = 1;
			else if (e.variety != IOG_IVHD_VARIETY_HPET)
				emit(l, "IVRS-SPECIAL-VARIETY", IOG_SEV_WARNING, e.offset + 7,
				     "special device entry names neither an IOAPIC nor an HPET",
				     "variety", e.variety, NULL, 0);
			continue;
		}
		if (e.type == IOG_IVHD_ACPI_HID && e.uid_format > 2)
			emit(l, "IVRS-HID-UID-FORMAT", IOG_SEV_WARNING, e.offset + 20,
			     "ACPI HID entry has a reserved UID format", "UID format", e.uid_format,
			     NULL, 0);
		if (is_range_start(e.type)) {
			if (pending)
				emit(l, "IVRS-RANGE-UNTERMINATED", IOG_SEV_WARNING, start.offset,
				     "start of range without an end of range", "device",
				     start.device_id, NULL, 0);
			start = e;
			pending = 1;
			continue;
		}
		if (e.type == IOG_IVHD_RANGE_END) {
			if (!pending) {
				emit(l, "IVRS-RANGE-END-ALONE", IOG_SEV_WARNING, e.offset,
				     "end of range without a start of range", "device", e.device_id,
				     NULL, 0);
				continue;
			}
			pending = 0;
			if (e.device_id < start.device_id) {
				emit(l, "IVRS-RANGE-INVERTED", IOG_SEV_ERROR, e.offset,
				     "end of range is below its start", "start", start.device_id,
				     "end", e.device_id);
				continue;
			}
			self |= b->device_id >= start.device_id && b->device_id <= e.device_id;
			if (n < MAX_RANGES)
				ranges[n++] = (struct range){start.device_id, e.device_id,
							     start.data, start.offset};
			continue;
		}
		if (is_select(e.type))
			self |= e.device_id == b->device_id;
	}
	if (pending)
		emit(l, "IVRS-RANGE-UNTERMINATED", IOG_SEV_WARNING, start.offset,
		     "start of range without an end of range", "device", start.device_id, NULL, 0);
	if (self)
		emit(l, "IVRS-SELF-TRANSLATED", IOG_SEV_INFO, b->offset + 4,
		     "the IOMMU's own device id is among the devices it translates", "device",
		     b->device_id, NULL, 0);
	lint_overlaps(l, ranges, n);
}

static void lint_ivhd(struct ivrs_lint *l, const struct iog_ivrs_block *b)
{
	struct iog_ivrs_block o;

	if (!b->address)
		emit(l, "IVRS-IVHD-BASE-ZERO", IOG_SEV_ERROR, b->offset + 8,
		     "IOMMU base address is zero", NULL, 0, NULL, 0);
	else if (b->address & (IOMMU_BASE_ALIGN - 1))
		emit(l, "IVRS-IVHD-BASE-UNALIGNED", IOG_SEV_ERROR, b->offset + 8,
		     "IOMMU base address is not 16 KiB aligned", "base", b->address, NULL, 0);
	/*
	 * Firmware describes one IOMMU once per IVHD type (10h, 11h, 40h) so
	 * that each OS picks the newest it knows: only a repeat within one type
	 * is a duplicate.
	 */
	FOR_EACH_BLOCK (l, off, o) {
		if (o.offset >= b->offset)
			break;
		if (o.type == b->type &&
		    ((o.segment == b->segment && o.device_id == b->device_id) ||
		     (b->address && o.address == b->address))) {
			emit(l, "IVRS-IVHD-DUPLICATE", IOG_SEV_ERROR, b->offset,
			     "a second IVHD of this type describes the same IOMMU", "device",
			     b->device_id, "base", b->address);
			break;
		}
	}
}

static void lint_ivmd(struct ivrs_lint *l, const struct iog_ivrs_block *b)
{
	if (!b->mem_length)
		emit(l, "IVRS-IVMD-EMPTY", IOG_SEV_WARNING, b->offset + 24,
		     "IVMD describes an empty memory block", "start", b->start, NULL, 0);
	else if ((b->start & PAGE_MASK) || (b->mem_length & PAGE_MASK))
		emit(l, "IVRS-IVMD-UNALIGNED", IOG_SEV_WARNING, b->offset + 16,
		     "IVMD start or length is not 4 KiB aligned", "start", b->start, "length",
		     b->mem_length);
	if (b->start + b->mem_length < b->start)
		emit(l, "IVRS-IVMD-WRAP", IOG_SEV_ERROR, b->offset + 24,
		     "IVMD memory block wraps past the top of the address space", "start", b->start,
		     "length", b->mem_length);
	if (b->type == IOG_IVMD_RANGE && b->aux < b->device_id)
		emit(l, "IVRS-IVMD-RANGE-INVERTED", IOG_SEV_ERROR, b->offset + 6,
		     "IVMD device range ends below its start", "start device", b->device_id,
		     "end device", b->aux);
}

int iog_lint_ivrs(const void *tbl, size_t len, iog_finding_fn fn, void *ctx)
{
	struct ivrs_lint l = {.tbl = tbl, .len = len, .sink = {fn, ctx, 0}};
	struct iog_ivrs_block b;
	struct iog_diag d = {0};
	/* Per IVHD type (10h, 11h, 40h): seen, and whether any lists an IOAPIC. */
	int seen[3] = {0, 0, 0}, ioapic[3] = {0, 0, 0};
	static const uint8_t types[3] = {IOG_IVHD_10, IOG_IVHD_11, IOG_IVHD_40};
	int err;

	if (!tbl)
		return IOG_EINVAL;
	err = iog_ivrs_check(tbl, len, NULL, &d);
	if (err == IOG_ECHECKSUM)
		emit(&l, "IVRS-CHECKSUM", IOG_SEV_ERROR, 9, "table checksum is wrong", NULL, 0,
		     NULL, 0);
	else if (err)
		emit(&l, "IVRS-MALFORMED", IOG_SEV_ERROR, d.offset, d.reason, NULL, 0, NULL, 0);
	if (iog_ivrs_extent(tbl, len, NULL) < 0)
		return l.sink.count;

	FOR_EACH_BLOCK (&l, off, b) {
		if (b.is_ivmd) {
			lint_ivmd(&l, &b);
			continue;
		}
		if (!b.is_ivhd) {
			emit(&l, "IVRS-BLOCK-UNKNOWN", IOG_SEV_INFO, b.offset,
			     "block type is unknown and skipped", "type", b.type, NULL, 0);
			continue;
		}
		for (int i = 0; i < 3; i++) {
			if (b.type != types[i])
				continue;
			seen[i] = 1;
			lint_ivhd(&l, &b);
			lint_entries(&l, &b, &ioapic[i]);
		}
	}
	/* What is missing from a table cut short may only be in its lost part. */
	if (err && err != IOG_ECHECKSUM)
		return l.sink.count;
	if (!seen[0] && !seen[1] && !seen[2])
		emit(&l, "IVRS-NO-IVHD", IOG_SEV_ERROR, IOG_IVRS_HEADER_LEN,
		     "no I/O virtualization hardware definition", NULL, 0, NULL, 0);
	/* FIRMWARE-BUGS 29: Linux turns interrupt remapping off without an IOAPIC entry. */
	for (int i = 0; i < 3; i++)
		if (seen[i] && !ioapic[i])
			emit(&l, "IVRS-NO-IOAPIC", IOG_SEV_WARNING, IOG_IVRS_HEADER_LEN,
			     "no IVHD of this type lists an IOAPIC (special device entry)",
			     "IVHD type", types[i], NULL, 0);
	return l.sink.count;
}
