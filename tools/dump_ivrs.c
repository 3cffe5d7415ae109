/* SPDX-License-Identifier: BSD-2-Clause */
#include "dump_ivrs.h"

#include <ioguard/ivrs.h>

#include <string.h>

#include "dump_common.h"

static void bdf(char *buf, size_t n, uint16_t id)
{
	snprintf(buf, n, "%02x:%02x.%x", id >> 8, (id >> 3) & 0x1f, id & 7);
}

/*
 * HID and CID are 8 bytes: an ASCII id ("AMDI0020") or, when not printable,
 * a number (e.g. an EISA id). JSON shows a string for the first, a number
 * for the second.
 */
static void dump_id(struct out *o, const char *key, const char *label, uint64_t v)
{
	char s[9];
	size_t n = 0;
	int printable = 1;

	for (int i = 0; i < 8; i++)
		s[i] = (char)(v >> (8 * i));
	while (n < 8 && s[n])
		n++;
	for (size_t i = n; i < 8; i++)
		printable &= s[i] == 0;
	for (size_t i = 0; i < n; i++)
		printable &= s[i] >= 0x20 && s[i] < 0x7f;
	if (printable && n)
		out_str(o, key, label, s, n);
	else
		out_num(o, key, label, v, 16);
}

static void dump_uid(struct out *o, const struct iog_ivhd_entry *e)
{
	uint64_t v = 0;

	out_num(o, "uid_format", "UID Format", e->uid_format, 2);
	out_num(o, "uid_length", "UID Length", e->uid_len, 2);
	if (e->uid_format == 1 && e->uid_len <= 8) {
		for (unsigned i = 0; i < e->uid_len; i++)
			v |= (uint64_t)e->uid[i] << (8 * i);
		out_num(o, "uid", "UID", v, 0);
	} else if (e->uid_format == 2) {
		size_t n = 0;

		while (n < e->uid_len && e->uid[n])
			n++;
		out_str(o, "uid", "UID", e->uid, n);
	} else if (e->uid_len) {
		out_str(o, "uid", "UID (raw)", e->uid, e->uid_len);
	}
}

static void dump_entry(struct out *o, const struct iog_ivhd_entry *e)
{
	const char *name = iog_ivhd_entry_name(e->type);
	char id[16], alias[16];

	bdf(id, sizeof(id), e->device_id);
	if (e->type == IOG_IVHD_SPECIAL)
		out_begin_obj(o, NULL, "[%03x] %02xh %-24s %s  data 0x%02x  %s handle %u",
			      e->offset, e->type, name, id, e->data,
			      e->variety == IOG_IVHD_VARIETY_IOAPIC ? "IOAPIC"
			      : e->variety == IOG_IVHD_VARIETY_HPET ? "HPET"
								    : "reserved variety",
			      e->handle);
	else
		out_begin_obj(o, NULL, "[%03x] %02xh %-24s %s  data 0x%02x", e->offset, e->type,
			      name ? name : "reserved type", id, e->data);
	out_num(o, "type", NULL, e->type, 0);
	out_num(o, "offset", NULL, e->offset, 0);
	out_num(o, "length", NULL, e->length, 0);
	out_num(o, "device_id", NULL, e->device_id, 0);
	out_num(o, "data", NULL, e->data, 0);
	switch (e->type) {
	case IOG_IVHD_ALIAS_SELECT:
	case IOG_IVHD_ALIAS_RANGE:
		bdf(alias, sizeof(alias), e->alias);
		out_num_note(o, "alias", "Source Used Device ID", e->alias, 4, alias);
		break;
	case IOG_IVHD_EXT_SELECT:
	case IOG_IVHD_EXT_RANGE: out_num(o, "ext", "Extended Data", e->ext, 8); break;
	case IOG_IVHD_SPECIAL:
		out_num(o, "handle", NULL, e->handle, 0);
		out_num(o, "variety", NULL, e->variety, 0);
		break;
	case IOG_IVHD_ACPI_HID:
		dump_id(o, "hid", "ACPI HID", e->hid);
		dump_id(o, "cid", "ACPI CID", e->cid);
		dump_uid(o, e);
		break;
	}
	out_end_obj(o);
}

/* Returns nonzero, with *d filled, when an entry is malformed. */
static int dump_entries(struct out *o, const uint8_t *buf, size_t len,
			const struct iog_ivrs_block *b, struct iog_diag *d)
{
	struct iog_ivhd_entry e;
	long eo;

	out_begin_arr(o, "entries");
	for (eo = iog_ivhd_entry_first(buf, len, b, d); eo >= 0;
	     eo = iog_ivhd_entry_next(buf, len, b, eo, d)) {
		if (iog_ivhd_entry_get(buf, len, eo, &e, d))
			break;
		dump_entry(o, &e);
	}
	out_end_arr(o);
	return eo != IOG_ENOTFOUND;
}

static int dump_block(struct out *o, const uint8_t *buf, size_t len, const struct iog_ivrs_block *b,
		      struct iog_diag *d)
{
	const char *name = iog_ivrs_type_name(b->type);
	char id[16], note[32];
	int bad = 0;

	bdf(id, sizeof(id), b->device_id);
	out_begin_obj(o, NULL, "[%03x] %s, length %u", b->offset, name ? name : "Unknown block",
		      b->length);
	out_num(o, "type", NULL, b->type, 0);
	out_num(o, "offset", NULL, b->offset, 0);
	if (!name)
		out_textf(o, "unknown block type 0x%02x: skipped", b->type);
	out_num(o, "flags", "Flags", b->flags, 2);
	out_num_note(o, "device_id", "Device ID", b->device_id, 4, id);
	if (b->is_ivmd) {
		/* For an IVMD, `length` is the memory block's: the block's own is struct_length. */
		out_num(o, "struct_length", NULL, b->length, 0);
		if (b->type == IOG_IVMD_RANGE) {
			bdf(note, sizeof(note), b->aux);
			out_num_note(o, "aux", "Aux Data (range end)", b->aux, 4, note);
		} else {
			out_num(o, "aux", "Aux Data", b->aux, 4);
		}
		out_num(o, "start", "Start Address", b->start, 16);
		out_num(o, "length", "Memory Length", b->mem_length, 16);
	} else {
		out_num(o, "length", NULL, b->length, 0);
	}
	if (b->is_ivhd) {
		out_num(o, "capability_offset", "Capability Offset", b->capability_offset, 4);
		out_num(o, "address", "IOMMU Base Address", b->address, 16);
		out_num(o, "segment", "PCI Segment Group", b->segment, 4);
		out_num(o, "info", "IOMMU Info", b->info, 4);
		out_num(o, "attributes",
			b->type == IOG_IVHD_10 ? "IOMMU Feature Reporting" : "IOMMU Attributes",
			b->attributes, 8);
		if (b->type != IOG_IVHD_10) {
			out_num(o, "efr", "EFR Register Image", b->efr, 16);
			out_num(o, "efr2", "EFR Register Image 2", b->efr2, 16);
		}
		bad = dump_entries(o, buf, len, b, d);
	}
	out_end_obj(o);
	return bad;
}

int dump_ivrs(struct out *o, const uint8_t *buf, size_t len)
{
	struct iog_ivrs_block b;
	struct iog_diag d = {0};
	char note[64];
	uint32_t info;
	long off;
	int bad = 0;

	if (len < IOG_IVRS_HEADER_LEN) {
		d = (struct iog_diag){.code = IOG_ETRUNC,
				      .reason = "fewer than 48 bytes: no room for the IVRS header"};
		dump_error(o, &d);
		return 1;
	}
	info = (uint32_t)buf[36] | (uint32_t)buf[37] << 8 | (uint32_t)buf[38] << 16 |
	       (uint32_t)buf[39] << 24;
	/* IVinfo: VASize 21:15, PASize 14:8, GVASize 7:5, EFRSup 0. */
	snprintf(note, sizeof(note), "VA %u bits, PA %u bits, GVASize %u%s", (info >> 15) & 0x7f,
		 (info >> 8) & 0x7f, (info >> 5) & 7, (info & 1) ? ", EFRSup" : "");
	out_num_note(o, "iv_info", "Virtualization Info", info, 8, note);
	out_begin_arr(o, "blocks");
	for (off = iog_ivrs_first(buf, len, &d); off >= 0; off = iog_ivrs_next(buf, len, off, &d)) {
		if (iog_ivrs_block_get(buf, len, off, &b, &d))
			break;
		if (dump_block(o, buf, len, &b, &d)) {
			bad = 1;
			break;
		}
	}
	out_end_arr(o);
	if (bad || off != IOG_ENOTFOUND) {
		dump_error(o, &d);
		bad = 1;
	}
	return bad;
}
