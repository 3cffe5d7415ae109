#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Cross-checks `ioguard dump --json` against ACPICA's `iasl -d`.

For every compiled fixture and every real table, each field iasl prints is
bound to the element of the JSON output at the same byte offset (a DMAR
structure or device scope, an IVRS block or device entry) and compared with
the JSON field it corresponds to. Every element either side reports must
exist on the other side. Where Debian 12's iasl stops (DMAR types 5 and 6,
IVHD type 40h), the rest is checked against expectations written by hand from
the raw bytes (SATC/SIDP) or against a small raw-byte decoder written here
(IVHD 40h). Exit status 1 on any difference.
"""
import argparse
import concurrent.futures
import glob
import json
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FIELD = re.compile(r"^\[([0-9A-F]+)h ([0-9]{4}) +([0-9]+)\]\s+(.*?)\s+:\s?(.*)$")

# ACPI header, both tables: label -> (json key, kind).
HEADER = {
    "Signature": ("signature", "str"),
    "Table Length": ("length", "hex"),
    "Revision": ("revision", "hex"),
    "Checksum": ("checksum", "hex"),
    "Oem ID": ("oem_id", "str"),
    "Oem Table ID": ("oem_table_id", "str"),
    "Oem Revision": ("oem_revision", "hex"),
    "Asl Compiler ID": ("creator_id", "str"),
    "Asl Compiler Revision": ("creator_revision", "hex"),
}
TOP = {
    "DMAR": {"Host Address Width": ("width", "hex"), "Flags": ("flags", "hex")},
    "IVRS": {"Virtualization Info": ("iv_info", "hex")},
}

# Elements: (table, anchor label) starts one; fields map by (label, offset within element).
ANCHORS = {
    ("DMAR", "Subtable Type"): "struct",
    ("DMAR", "Device Scope Type"): "scope",
    ("IVRS", "Subtable Type"): "block",
    ("IVRS", "Entry Type"): "entry",
}


def dmar_struct_map(t, label, rel):
    common = {"Subtable Type": "type", "Length": "length"}
    if label in common and rel in (0, 2):
        return common[label]
    by_type = {
        0: {("Flags", 4): "flags", ("Reserved", 5): "size", ("PCI Segment Number", 6): "segment",
            ("Register Base Address", 8): "address"},
        1: {("PCI Segment Number", 6): "segment", ("Base Address", 8): "base",
            ("End Address (limit)", 16): "limit", ("Reserved", 4): None},
        2: {("Flags", 4): "flags", ("PCI Segment Number", 6): "segment", ("Reserved", 5): None},
        3: {("Base Address", 8): "address", ("Proximity Domain", 16): "proximity_domain",
            ("Reserved", 4): None},
        4: {("Device Number", 7): "device_number", ("Device Name", 8): "name", ("Reserved", 4): None},
    }
    return by_type.get(t, {}).get((label, rel), "?")


def dmar_scope_map(t, label, rel):
    m = {("Device Scope Type", 0): "type", ("Entry Length", 1): "length",
         ("Reserved", 2): "flags16", ("Enumeration ID", 4): "enumeration_id",
         ("PCI Bus Number", 5): "bus"}
    if label == "PCI Path" and rel >= 6:
        return "path"
    return m.get((label, rel), "?")


def ivrs_block_map(t, label, rel):
    common = {("Subtable Type", 0): "type", ("Flags", 1): "flags", ("DeviceId", 4): "device_id"}
    if (label, rel) in common:
        return common[(label, rel)]
    if label == "Length" and rel == 2:
        return "struct_length" if t in (0x20, 0x21, 0x22) else "length"
    if t in (0x10, 0x11, 0x40):
        m = {("Capability Offset", 6): "capability_offset", ("Base Address", 8): "address",
             ("PCI Segment Group", 16): "segment", ("Virtualization Info", 18): "info",
             ("Feature Reporting", 20): "attributes", ("Attributes", 20): "attributes",
             ("EFR Image", 24): "efr", ("Reserved", 32): "efr2"}
        return m.get((label, rel), "?")
    if t in (0x20, 0x21, 0x22):
        m = {("Auxiliary Data", 6): "aux", ("Reserved", 8): None, ("Start Address", 16): "start",
             ("Memory Length", 24): "length"}
        return m.get((label, rel), "?")
    return "?"


def ivrs_entry_map(t, label, rel):
    if (label, rel) == ("Entry Type", 0):
        return "type"
    if (label, rel) == ("Data Setting", 3):
        return "data"
    if (label, rel) == ("Device ID", 1):
        # A special device entry's bytes 1-2 are reserved; its device id is at 5.
        return None if t == 0x48 else "device_id"
    m = {
        0x42: {("Reserved", 4): None, ("Source Used Device ID", 5): "alias", ("Reserved", 7): None},
        0x43: {("Reserved", 4): None, ("Source Used Device ID", 5): "alias", ("Reserved", 7): None},
        0x46: {("Extended Data", 4): "ext"},
        0x47: {("Extended Data", 4): "ext"},
        0x48: {("Handle", 4): "handle", ("Source Used Device ID", 5): "device_id",
               ("Variety", 7): "variety"},
        0x40: {("Extended Data", 4): None},  # a reserved 8-byte entry: nothing to show
    }
    return m.get(t, {}).get((label, rel), "?")


MAPS = {"struct": dmar_struct_map, "scope": dmar_scope_map, "block": ivrs_block_map,
        "entry": ivrs_entry_map}


def parse_value(raw, kind):
    raw = raw.strip()
    if kind == "str":
        m = re.match(r'^"(.*)"', raw)
        return m.group(1).replace("\\\\", "\\") if m else raw
    tok = raw.split()[0] if raw else ""
    return int(tok, 16)


def parse_dsl(path):
    """Returns (fields, stop): fields as (offset, label, raw value); stop = offset iasl gave up at."""
    fields, stop = [], None
    with open(path, errors="replace") as f:
        for line in f:
            if line.startswith("**** Unknown"):
                # iasl printed the unknown element's first fields: drop them.
                starts = [off for off, label, _ in fields if label == "Subtable Type"]
                stop = starts[-1] if starts else None
                while stop is not None and fields and fields[-1][0] >= stop:
                    fields.pop()
                break
            m = FIELD.match(line.rstrip("\n"))
            if m:
                fields.append((int(m.group(1), 16), m.group(4), m.group(5)))
    return fields, stop


# Fields that are 64 bits wide in the table: "0x..." strings in the JSON (docs/json.md).
HEX64 = {"address", "base", "limit", "start", "efr", "efr2"}


def normalize(table, res, where="table"):
    """Reads the hex strings back as integers, and flags a 64-bit field given as a number."""
    if isinstance(table, list):
        return [normalize(x, res, where) for x in table]
    if not isinstance(table, dict):
        return table
    ivmd = table.get("type") in (0x20, 0x21, 0x22) and "start" in table
    out = {}
    for k, v in table.items():
        wide = k in HEX64 or (k == "length" and ivmd) or k in ("hid", "cid", "uid")
        if wide and isinstance(v, str) and re.fullmatch(r"0x[0-9a-f]+", v):
            v = int(v, 16)
        elif (k in HEX64 or (k == "length" and ivmd)) and not isinstance(v, str):
            res.problems.append("%s: 64-bit field %s is a JSON %s, not a hex string"
                                % (where, k, type(v).__name__))
        out[k] = normalize(v, res, where)
    return out


def elements(table):
    """Every JSON element by offset: struct, scope, block, entry."""
    out = {}
    for s in table.get("structures", []):
        out[s["offset"]] = ("struct", s)
        for sc in s.get("scopes", []):
            out[sc["offset"]] = ("scope", sc)
    for b in table.get("blocks", []):
        out[b["offset"]] = ("block", b)
        for e in b.get("entries", []):
            out[e["offset"]] = ("entry", e)
    return out


def iasl_text(s):
    """iasl prints a header byte outside printable ASCII as a space."""
    return "".join(c if 0x20 <= ord(c) < 0x7F else " " for c in s) if isinstance(s, str) else s


class Result:
    def __init__(self):
        self.compared = 0
        self.unmapped = {}
        self.problems = []

    def check(self, where, label, want, got):
        self.compared += 1
        if want != got:
            self.problems.append("%s %s: expected %r, ioguard %r" % (where, label, want, got))


def compare(sig, table, fields, stop, res):
    els = elements(table)
    seen = set()
    cur = None  # (kind, element, base offset)
    path_want = {}
    for off, label, raw in fields:
        if off < 36:
            if label in HEADER:
                key, kind = HEADER[label]
                res.check("header", label, parse_value(raw, kind), iasl_text(table.get(key)))
            continue
        if off < 48:
            if label in TOP[sig]:
                key, kind = TOP[sig][label]
                res.check("header", label, parse_value(raw, kind), table.get(key))
            continue
        akind = ANCHORS.get((sig, label))
        if akind:
            el = els.get(off)
            if not el or el[0] != akind:
                res.problems.append("iasl has a %s at 0x%x that ioguard does not" % (akind, off))
                cur = None
                continue
            cur = (akind, el[1], off)
            seen.add(off)
        if cur is None:
            continue
        kind, el, base = cur
        if kind == "scope" and off >= base + el["length"]:
            continue
        etype = el.get("type")
        key = MAPS[kind](etype, label, off - base)
        where = "%s@0x%x" % (kind, base)
        if key is None:
            continue
        if key == "?":
            res.unmapped[label] = res.unmapped.get(label, 0) + 1
            continue
        if key == "path":
            path_want.setdefault(base, []).append([int(x, 16) for x in raw.split()[0].split(",")])
            continue
        if key == "name":
            res.check(where, label, parse_value(raw, "str"), el.get("name"))
            continue
        value = parse_value(raw, "hex")
        if key == "flags16":
            res.check(where, "Flags (low byte of Reserved)", value & 0xFF, el.get("flags"))
            continue
        res.check(where, label, value, el.get(key))
    for base, want in path_want.items():
        res.check("scope@0x%x" % base, "PCI Path", want, els[base][1].get("path"))
    # Everything ioguard reports before iasl stopped must have been in iasl's output.
    for off, (kind, el) in els.items():
        if (stop is None or off < stop) and off not in seen:
            res.problems.append("ioguard has a %s at 0x%x that iasl does not" % (kind, off))
    return stop


def check_by_hand(name, table, expect, stop, res):
    """SATC/SIDP structures that iasl cannot decode, against expectations from the raw bytes."""
    want = expect.get(name)
    got = [s for s in table.get("structures", []) if stop is not None and s["offset"] >= stop]
    if want is None:
        if got:
            res.problems.append("structures from 0x%x on have no hand-written expectation" % stop)
        return 0
    n = 0

    def walk(w, g, where):
        nonlocal n
        for k, v in w.items():
            if k == "scopes":
                gs = g.get("scopes", [])
                if len(gs) != len(v):
                    res.problems.append("%s: %d scopes, expected %d" % (where, len(gs), len(v)))
                    continue
                for ws, s in zip(v, gs):
                    walk(ws, s, "%s scope@0x%x" % (where, ws["offset"]))
                continue
            n += 1
            res.check(where + " (by hand)", k, v, g.get(k))
    if len(got) != len(want["structures"]):
        res.problems.append("%d structures past iasl, expected %d" % (len(got), len(want["structures"])))
        return 0
    for w, g in zip(want["structures"], got):
        walk(w, g, "struct@0x%x" % w["offset"])
    return n


def decode_ivhd40(raw, off):
    """An independent decoder of one IVHD 40h block, from the AMD IOMMU specification."""
    le = lambda o, n: int.from_bytes(raw[o:o + n], "little")
    length = le(off + 2, 2)
    blk = {"type": raw[off], "flags": raw[off + 1], "length": length, "device_id": le(off + 4, 2),
           "capability_offset": le(off + 6, 2), "address": le(off + 8, 8), "segment": le(off + 16, 2),
           "info": le(off + 18, 2), "attributes": le(off + 20, 4), "efr": le(off + 24, 8),
           "efr2": le(off + 32, 8), "entries": []}
    e = off + 40
    while e < off + length:
        t = raw[e]
        n = 22 + raw[e + 21] if t == 0xF0 else 4 << (t >> 6)
        ent = {"offset": e, "type": t, "length": n, "data": raw[e + 3]}
        if t == 0x48:
            ent.update(handle=raw[e + 4], device_id=le(e + 5, 2), variety=raw[e + 7])
        else:
            ent["device_id"] = le(e + 1, 2)
        if t in (0x42, 0x43):
            ent["alias"] = le(e + 5, 2)
        if t in (0x46, 0x47):
            ent["ext"] = le(e + 4, 4)
        if t == 0xF0:
            def ident(b):
                s = b.rstrip(b"\0")
                return s.decode() if s and all(0x20 <= c < 0x7F for c in s) and b"\0" not in s else int.from_bytes(b, "little")
            ent["hid"] = ident(raw[e + 4:e + 12])
            ent["cid"] = ident(raw[e + 12:e + 20])
            fmt, ulen = raw[e + 20], raw[e + 21]
            u = raw[e + 22:e + 22 + ulen]
            ent["uid_format"] = fmt
            if fmt == 2:
                ent["uid"] = u.split(b"\0")[0].decode("latin-1")
            elif fmt == 1 and ulen <= 8:
                ent["uid"] = int.from_bytes(u, "little")
        blk["entries"].append(ent)
        e += n
    return blk


def check_ivhd40(raw, table, stop, res):
    n = 0
    for b in table.get("blocks", []):
        if stop is None or b["offset"] < stop:
            continue
        if b["type"] != 0x40:
            # A block type nobody here knows: only its common header can be checked.
            le = lambda o, n: int.from_bytes(raw[o:o + n], "little")
            o = b["offset"]
            for k, v in (("type", raw[o]), ("flags", raw[o + 1]), ("length", le(o + 2, 2)),
                         ("device_id", le(o + 4, 2))):
                n += 1
                res.check("block@0x%x (raw decoder)" % o, k, v, b.get(k))
            continue
        want = decode_ivhd40(raw, b["offset"])
        for k, v in want.items():
            if k == "entries":
                if len(v) != len(b["entries"]):
                    res.problems.append("IVHD 40h@0x%x: %d entries, expected %d" % (b["offset"], len(b["entries"]), len(v)))
                    continue
                for we, ge in zip(v, b["entries"]):
                    for kk, vv in we.items():
                        n += 1
                        res.check("IVHD 40h entry@0x%x (raw decoder)" % we["offset"], kk, vv, ge.get(kk))
                continue
            n += 1
            res.check("IVHD 40h@0x%x (raw decoder)" % b["offset"], k, v, b.get(k))
    return n


def run_iasl(iasl, files):
    subprocess.run([iasl, "-d"] + [os.path.basename(f) for f in files], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, cwd=os.path.dirname(files[0]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", required=True)
    ap.add_argument("--iasl", default="iasl")
    ap.add_argument("--tables", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()

    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    inputs = []  # (kind, name, original path, copy path)
    for p in sorted(glob.glob(os.path.join(a.tables, "*.aml"))):
        with open(p, "rb") as f:
            if f.read(4) in (b"DMAR", b"IVRS"):
                inputs.append(("fixture", os.path.basename(p), p))
    have_shared = os.path.isdir(a.shared)
    if have_shared:
        for sub in ("dmar", "ivrs"):
            for p in sorted(glob.glob(os.path.join(a.shared, sub, "*.dat"))):
                inputs.append(("real", os.path.basename(p), p))
    else:
        print("xcheck: no %s: checking the fixtures only" % a.shared)
    copies = []
    for kind, name, p in inputs:
        c = os.path.join(a.work, ("fx-" if kind == "fixture" else "") + name.replace(".aml", ".dat"))
        shutil.copyfile(p, c)
        copies.append(c)

    batches = [copies[i:i + 40] for i in range(0, len(copies), 40)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda b: run_iasl(a.iasl, b), batches))
    tables = []
    for i in range(0, len(copies), 100):
        out = subprocess.run([a.tool, "dump", "--json"] + copies[i:i + 100],
                             stdout=subprocess.PIPE, check=False).stdout
        tables += json.loads(out)["tables"]

    with open(os.path.join(HERE, "expect-satc-sidp.json")) as f:
        expect = json.load(f)
    res = Result()
    counts = {"fixture": {"DMAR": 0, "IVRS": 0}, "real": {"DMAR": 0, "IVRS": 0}}
    by_hand = raw_decoded = stopped = failed = 0
    for (kind, name, _), copy, table in zip(inputs, copies, tables):
        before = len(res.problems)
        table = normalize(table, res, name)
        sig = table.get("signature")
        dsl = copy[:-4] + ".dsl"
        if "error" in table:
            res.problems.append("ioguard reports %s" % table["error"])
        elif not os.path.exists(dsl):
            res.problems.append("iasl did not decode it")
        else:
            counts[kind][sig] += 1
            fields, stop = parse_dsl(dsl)
            compare(sig, table, fields, stop, res)
            if stop is not None:
                stopped += 1
                with open(copy, "rb") as f:
                    raw = f.read()
                if sig == "DMAR":
                    by_hand += check_by_hand(name, table, expect, stop, res)
                else:
                    raw_decoded += check_ivhd40(raw, table, stop, res)
        if len(res.problems) > before:
            failed += 1
            print("xcheck: %s %s:" % (kind, name))
            for p in res.problems[before:before + 5]:
                print("    " + p)
    print("xcheck: %d DMAR + %d IVRS real tables, %d DMAR + %d IVRS fixtures; "
          "%d fields compared with iasl -d" % (counts["real"]["DMAR"], counts["real"]["IVRS"],
                                          counts["fixture"]["DMAR"], counts["fixture"]["IVRS"],
                                          res.compared - by_hand - raw_decoded))
    print("xcheck: iasl stopped early in %d tables (DMAR SATC/SIDP, IVHD 40h): %d SATC/SIDP fields "
          "checked by hand, %d IVHD 40h fields by the raw decoder" % (stopped, by_hand, raw_decoded))
    if res.unmapped:
        print("xcheck: iasl labels with no JSON counterpart: %s" % ", ".join(
            "%s (%d)" % kv for kv in sorted(res.unmapped.items())))
    print("xcheck: %d tables differ, %d differences" % (failed, len(res.problems)))
    return 1 if res.problems or res.unmapped else 0


if __name__ == "__main__":
    sys.exit(main())
