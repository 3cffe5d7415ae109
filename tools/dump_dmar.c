/* SPDX-License-Identifier: BSD-2-Clause */
#include "dump_dmar.h"

#include <ioguard/dmar.h>

#include <string.h>

#include "bits.h"
#include "dump_common.h"

/* JSON: the path as [[dev, fn], ...]. Text: one line a person can read at a glance. */
static void dump_path(struct out *o, const struct iog_dmar_scope *sc, const char *name,
		      const char *flags)
{
	char text[IOG_SCOPE_MAX_PATH * 9 + 1];
	size_t n = 0;

	if (o->json) {
		out_begin_arr(o, "path");
		for (unsigned i = 0; i < sc->path_len; i++) {
			out_begin_arr(o, NULL);
			out_num(o, NULL, NULL, sc->path[2 * i], 0);
			out_num(o, NULL, NULL, sc->path[2 * i + 1], 0);
			out_end_arr(o);
		}
		out_end_arr(o);
		return;
	}
	text[0] = 0;
	for (unsigned i = 0; i < sc->path_len; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s%02x.%x", i ? " -> " : "",
				      sc->path[2 * i], sc->path[2 * i + 1]);
	out_textf(o, "[%03x] %-22s bus %02x path %-12s enum id %u%s%s", sc->offset,
		  name ? name : "reserved scope type", sc->bus, sc->path_len ? text : "(none)",
		  sc->enumeration_id, *flags ? "  flags " : "", flags);
}

/* Returns nonzero, with *d filled, when a scope is malformed. */
static int dump_scopes(struct out *o, const uint8_t *buf, size_t len,
		       const struct iog_dmar_struct *s, struct iog_diag *d)
{
	struct iog_dmar_scope sc;
	char flags[160];
	long so;

	out_begin_arr(o, "scopes");
	for (so = iog_dmar_scope_first(buf, len, s, d); so >= 0;
	     so = iog_dmar_scope_next(buf, len, s, so, d)) {
		const char *name;

		if (iog_dmar_scope_get(buf, len, so, &sc, d))
			break;
		name = iog_scope_type_name(sc.type);
		/* Only the SIDP defines the scope flags; elsewhere they are reserved. */
		flags[0] = 0;
		if (s->type == IOG_DMAR_SIDP)
			bits_format(flags, sizeof(flags), sc.flags, &bits_sidp_scope);
		else if (sc.flags)
			snprintf(flags, sizeof(flags), "0x%02x (reserved)", sc.flags);
		out_begin_obj(o, NULL, NULL);
		out_num(o, "offset", NULL, sc.offset, 0);
		out_num(o, "type", NULL, sc.type, 0);
		out_num(o, "length", NULL, sc.length, 0);
		out_num(o, "flags", NULL, sc.flags, 0);
		if (s->type == IOG_DMAR_SIDP)
			bits_json(o, "flag_names", sc.flags, &bits_sidp_scope);
		out_num(o, "enumeration_id", NULL, sc.enumeration_id, 0);
		out_num(o, "bus", NULL, sc.bus, 0);
		dump_path(o, &sc, name, flags);
		out_end_obj(o);
	}
	out_end_arr(o);
	return so != IOG_ENOTFOUND;
}

/* Prints one structure's own fields; returns nonzero if its scopes were malformed. */
/* "128 KiB", "72 MiB", "0x1800 bytes": a region's size at a glance. */
static void size_note(char *buf, size_t n, uint64_t size)
{
	if (size == 0)
		snprintf(buf, n, "wraps the address space");
	else if (size % (1ull << 30) == 0)
		snprintf(buf, n, "%llu GiB", (unsigned long long)(size >> 30));
	else if (size % (1ull << 20) == 0)
		snprintf(buf, n, "%llu MiB", (unsigned long long)(size >> 20));
	else if (size % (1ull << 10) == 0)
		snprintf(buf, n, "%llu KiB", (unsigned long long)(size >> 10));
	else
		snprintf(buf, n, "0x%llx bytes", (unsigned long long)size);
}

static int dump_struct(struct out *o, const uint8_t *buf, size_t len,
		       const struct iog_dmar_struct *s, struct iog_diag *d)
{
	char note[96];
	const char *name = iog_dmar_type_name(s->type);

	out_begin_obj(o, NULL, "[%03x] %s, length %u", s->offset, name ? name : "Unknown",
		      s->length);
	out_num(o, "type", NULL, s->type, 0);
	out_num(o, "offset", NULL, s->offset, 0);
	out_num(o, "length", NULL, s->length, 0);
	if (!name)
		out_textf(o, "unknown structure type 0x%04x: skipped", s->type);
	switch (s->type) {
	case IOG_DMAR_DRHD:
		out_num_note(o, "flags", "Flags", s->flags, 2,
			     bits_format(note, sizeof(note), s->flags, &bits_drhd));
		bits_json(o, "flag_names", s->flags, &bits_drhd);
		snprintf(note, sizeof(note), "%u page%s of registers", 1u << (s->size & 0xf),
			 (s->size & 0xf) ? "s" : "");
		out_num_note(o, "size", "Size", s->size, 2, note);
		out_num(o, "segment", "PCI Segment Number", s->segment, 4);
		out_hex(o, "address", "Register Base Address", s->address, 16);
		break;
	case IOG_DMAR_RMRR:
		out_num(o, "segment", "PCI Segment Number", s->segment, 4);
		out_hex(o, "base", "Base Address", s->base, 16);
		if (s->limit >= s->base)
			size_note(note, sizeof(note), s->limit - s->base + 1);
		else
			snprintf(note, sizeof(note), "below the base");
		out_hex_note(o, "limit", "End Address (limit)", s->limit, 16, note);
		break;
	case IOG_DMAR_ATSR:
		out_num_note(o, "flags", "Flags", s->flags, 2,
			     bits_format(note, sizeof(note), s->flags, &bits_atsr));
		bits_json(o, "flag_names", s->flags, &bits_atsr);
		out_num(o, "segment", "PCI Segment Number", s->segment, 4);
		break;
	case IOG_DMAR_RHSA:
		out_hex(o, "address", "Register Base Address", s->address, 16);
		out_num(o, "proximity_domain", "Proximity Domain", s->proximity_domain, 8);
		break;
	case IOG_DMAR_ANDD:
		out_num(o, "device_number", "Device Number", s->device_number, 2);
		out_str(o, "name", "Device Name", s->name, s->name_len);
		if (!s->name_terminated)
			out_textf(o, "note: the name is not NUL-terminated");
		break;
	case IOG_DMAR_SATC:
		out_num_note(o, "flags", "Flags", s->flags, 2,
			     bits_format(note, sizeof(note), s->flags, &bits_satc));
		bits_json(o, "flag_names", s->flags, &bits_satc);
		out_num(o, "segment", "PCI Segment Number", s->segment, 4);
		break;
	case IOG_DMAR_SIDP: out_num(o, "segment", "PCI Segment Number", s->segment, 4); break;
	}
	if (s->known && s->scopes_offset < s->scopes_end && dump_scopes(o, buf, len, s, d)) {
		out_end_obj(o);
		return 1;
	}
	if (s->known && s->scopes_offset == s->scopes_end &&
	    (s->type != IOG_DMAR_RHSA && s->type != IOG_DMAR_ANDD)) {
		out_begin_arr(o, "scopes");
		out_end_arr(o);
	}
	out_end_obj(o);
	return 0;
}

int dump_dmar(struct out *o, const uint8_t *buf, size_t len)
{
	struct iog_dmar_struct s;
	struct iog_diag d = {0};
	char note[96];
	long off;
	int bad = 0;

	if (len < IOG_DMAR_HEADER_LEN) {
		d = (struct iog_diag){.code = IOG_ETRUNC,
				      .reason = "fewer than 48 bytes: no room for the DMAR header"};
		dump_error(o, &d);
		return 1;
	}
	snprintf(note, sizeof(note), "%u-bit host addresses", buf[36] + 1u);
	out_num_note(o, "width", "Host Address Width", buf[36], 0, note);
	out_num_note(o, "flags", "Flags", buf[37], 2,
		     bits_format(note, sizeof(note), buf[37], &bits_dmar));
	bits_json(o, "flag_names", buf[37], &bits_dmar);
	out_begin_arr(o, "structures");
	for (off = iog_dmar_first(buf, len, &d); off >= 0; off = iog_dmar_next(buf, len, off, &d)) {
		if (iog_dmar_struct_get(buf, len, off, &s, &d))
			break;
		if (dump_struct(o, buf, len, &s, &d)) {
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

void dump_dmar_summary(struct out *o, const uint8_t *buf, size_t len)
{
	static const char *const keys[] = {"drhd", "rmrr", "atsr", "rhsa", "andd", "satc", "sidp"};
	unsigned count[8] = {0};
	struct iog_dmar_struct s;
	char flags[96], line[256];
	size_t n = 0;
	long off;

	if (len < IOG_DMAR_HEADER_LEN)
		return;
	for (off = iog_dmar_first(buf, len, NULL); off >= 0;
	     off = iog_dmar_next(buf, len, off, NULL)) {
		if (iog_dmar_struct_get(buf, len, off, &s, NULL))
			break;
		count[s.type < 7 ? s.type : 7]++;
	}
	bits_format(flags, sizeof(flags), buf[37], &bits_dmar);
	if (o->json) {
		out_begin_obj(o, "summary", NULL);
		for (unsigned t = 0; t < 7; t++)
			out_num(o, keys[t], NULL, count[t], 0);
		out_num(o, "unknown", NULL, count[7], 0);
		out_num(o, "host_address_width", NULL, buf[36] + 1u, 0);
		out_end_obj(o);
		return;
	}
	for (unsigned t = 0; t < 7; t++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%u %s", t ? ", " : "",
				      count[t], iog_dmar_type_name(t));
	if (count[7])
		n += (size_t)snprintf(line + n, sizeof(line) - n, ", %u unknown", count[7]);
	out_textf(o, "DMAR: %s; HAW %u; flags %s", line, buf[36] + 1u, *flags ? flags : "none");
}
