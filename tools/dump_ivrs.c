/* SPDX-License-Identifier: BSD-2-Clause */
#include "dump_ivrs.h"

#include <ioguard/ivrs.h>

#include <string.h>

#include "bits.h"
#include "dump_common.h"

static void bdf(char *buf, size_t n, uint16_t id)
{
	snprintf(buf, n, "%02x:%02x.%x", id >> 8, (id >> 3) & 0x1f, id & 7);
}

/*
 * HID and CID are 8 bytes: an ASCII id ("AMDI0020") or, when not printable,
 * a number (e.g. an EISA id). JSON shows the first as is, the second as a
 * hex string like every 64-bit value.
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
		out_hex(o, key, label, v, 16);
}

static void dump_uid(struct out *o, const struct iog_ivhd_entry *e)
{
	uint64_t v = 0;

	out_num(o, "uid_format", "UID Format", e->uid_format, 2);
	out_num(o, "uid_length", "UID Length", e->uid_len, 2);
	if (e->uid_format == 1 && e->uid_len <= 8) {
		for (unsigned i = 0; i < e->uid_len; i++)
			v |= (uint64_t)e->uid[i] << (8 * i);
		out_hex(o, "uid", "UID", v, 0);
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
	char id[16], alias[16], dte[96], data[112];

	bdf(id, sizeof(id), e->device_id);
	bits_format(dte, sizeof(dte), e->data, &bits_dte);
	snprintf(data, sizeof(data), "data 0x%02x%s%s%s", e->data, *dte ? " (" : "", dte,
		 *dte ? ")" : "");
	if (e->type == IOG_IVHD_SPECIAL)
		out_begin_obj(o, NULL, "[%03x] %02xh %-24s %s  %s  %s handle %u", e->offset,
			      e->type, name, id, data,
			      e->variety == IOG_IVHD_VARIETY_IOAPIC ? "IOAPIC"
			      : e->variety == IOG_IVHD_VARIETY_HPET ? "HPET"
								    : "reserved variety",
			      e->handle);
	else
		out_begin_obj(o, NULL, "[%03x] %02xh %-24s %s  %s", e->offset, e->type,
			      name ? name : "reserved type", id, data);
	out_num(o, "type", NULL, e->type, 0);
	out_num(o, "offset", NULL, e->offset, 0);
	out_num(o, "length", NULL, e->length, 0);
	out_num(o, "device_id", NULL, e->device_id, 0);
	out_num(o, "data", NULL, e->data, 0);
	bits_json(o, "data_names", e->data, &bits_dte);
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
	const struct bit_table *flags = b->is_ivmd		 ? &bits_ivmd
					: b->type == IOG_IVHD_10 ? &bits_ivhd10
					: b->is_ivhd		 ? &bits_ivhd11
								 : NULL;
	char id[16], note[320];
	int bad = 0;

	bdf(id, sizeof(id), b->device_id);
	out_begin_obj(o, NULL, "[%03x] %s, length %u", b->offset, name ? name : "Unknown block",
		      b->length);
	out_num(o, "type", NULL, b->type, 0);
	out_num(o, "offset", NULL, b->offset, 0);
	if (!name)
		out_textf(o, "unknown block type 0x%02x: skipped", b->type);
	out_num_note(o, "flags", "Flags", b->flags, 2,
		     flags ? bits_format(note, sizeof(note), b->flags, flags) : "");
	if (flags)
		bits_json(o, "flag_names", b->flags, flags);
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
		out_hex(o, "start", "Start Address", b->start, 16);
		out_hex(o, "length", "Memory Length", b->mem_length, 16);
	} else {
		out_num(o, "length", NULL, b->length, 0);
	}
	if (b->is_ivhd) {
		out_num(o, "capability_offset", "Capability Offset", b->capability_offset, 4);
		out_hex(o, "address", "IOMMU Base Address", b->address, 16);
		out_num(o, "segment", "PCI Segment Group", b->segment, 4);
		out_num(o, "info", "IOMMU Info", b->info, 4);
		out_num(o, "attributes",
			b->type == IOG_IVHD_10 ? "IOMMU Feature Reporting" : "IOMMU Attributes",
			b->attributes, 8);
		if (b->type != IOG_IVHD_10) {
			out_hex_note(o, "efr", "EFR Register Image", b->efr, 16,
				     bits_format(note, sizeof(note), b->efr, &bits_efr));
			bits_json(o, "efr_names", b->efr, &bits_efr);
			out_hex(o, "efr2", "EFR Register Image 2", b->efr2, 16);
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

void dump_ivrs_summary(struct out *o, const uint8_t *buf, size_t len)
{
	unsigned ivhd10 = 0, ivhd11 = 0, ivhd40 = 0, ivmd = 0, unknown = 0;
	struct iog_ivrs_block b;
	uint32_t info;
	long off;

	if (len < IOG_IVRS_HEADER_LEN)
		return;
	for (off = iog_ivrs_first(buf, len, NULL); off >= 0;
	     off = iog_ivrs_next(buf, len, off, NULL)) {
		if (iog_ivrs_block_get(buf, len, off, &b, NULL))
			break;
		ivhd10 += b.type == IOG_IVHD_10;
		ivhd11 += b.type == IOG_IVHD_11;
		ivhd40 += b.type == IOG_IVHD_40;
		ivmd += b.is_ivmd;
		unknown += !b.is_ivhd && !b.is_ivmd;
	}
	info = (uint32_t)buf[36] | (uint32_t)buf[37] << 8 | (uint32_t)buf[38] << 16 |
	       (uint32_t)buf[39] << 24;
	if (o->json) {
		out_begin_obj(o, "summary", NULL);
		out_num(o, "ivhd_10", NULL, ivhd10, 0);
		out_num(o, "ivhd_11", NULL, ivhd11, 0);
		out_num(o, "ivhd_40", NULL, ivhd40, 0);
		out_num(o, "ivmd", NULL, ivmd, 0);
		out_num(o, "unknown", NULL, unknown, 0);
		out_num(o, "va_size", NULL, (info >> 15) & 0x7f, 0);
		out_num(o, "pa_size", NULL, (info >> 8) & 0x7f, 0);
		out_bool(o, "efr_sup", NULL, info & 1);
		out_end_obj(o);
		return;
	}
	out_textf(o,
		  "IVRS: %u IVHD (%u of type 10h, %u 11h, %u 40h), %u IVMD%s; VA %u bits, PA %u "
		  "bits%s",
		  ivhd10 + ivhd11 + ivhd40, ivhd10, ivhd11, ivhd40, ivmd,
		  unknown ? ", unknown blocks too" : "", (info >> 15) & 0x7f, (info >> 8) & 0x7f,
		  (info & 1) ? "; EFRSup" : "");
}
