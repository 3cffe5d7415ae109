#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""acpidump text as input: the same JSON as the binary tables, for every table.

Every fixture and every real table under ../shared/tables/ is formatted as
acpidump text (tests/xcheck/acpidump_fmt.py, checked against ACPICA's
`acpixtract`, which must give the original bytes back) in one of four
variants (plain, CRLF, no ASCII column, lower-case hex), and
`ioguard dump --json` of the text must equal `ioguard dump --json` of the
binary, field for field, apart from where the table came from. Then one
combined acpidump file with every table and non-IOMMU tables between them
(FACP, APIC, SSDT: skipped and listed), the same through stdin, and broken
text: a truncated block, a bad hex byte, a missing line, text without any
DMAR or IVRS: each with its error id, line number and exit status.
"""
import argparse
import glob
import json
import os
import random
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FMT = os.path.join(HERE, "acpidump_fmt.py")
VARIANTS = [[], ["--crlf"], ["--no-ascii"], ["--lower"]]


def fake_table(sig, body_len, oem=b"IOGTST"):
    """A plain ACPI table of another signature, checksum right."""
    t = bytearray(36 + body_len)
    t[0:4] = sig
    t[4:8] = len(t).to_bytes(4, "little")
    t[8] = 2
    t[10:16] = oem
    t[16:24] = b"NOTIOMMU"
    for i in range(36, len(t)):
        t[i] = (i * 7) & 0xFF
    t[9] = (-sum(t)) & 0xFF
    return bytes(t)


def run(tool, args, stdin=None):
    p = subprocess.run([tool] + args, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return p.returncode, p.stdout, p.stderr.decode(errors="replace")


def strip_source(t):
    t = dict(t)
    t.pop("file", None)
    t.pop("acpidump", None)
    return t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", required=True)
    ap.add_argument("--tables", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    problems = []

    tables = []
    for p in sorted(glob.glob(os.path.join(a.tables, "*.aml"))):
        with open(p, "rb") as f:
            if f.read(4) in (b"DMAR", b"IVRS"):
                tables.append(p)
    for sub in ("dmar", "ivrs"):
        tables += sorted(glob.glob(os.path.join(a.shared, sub, "*.dat")))

    # One acpidump file per table, the variants in turn.
    texts = []
    for i, p in enumerate(tables):
        t = os.path.join(a.work, "t%03d.txt" % i)
        with open(t, "wb") as f:
            subprocess.run([sys.executable, FMT] + VARIANTS[i % 4] + [p], stdout=f, check=True)
        texts.append(t)
    binary, text = [], []
    for i in range(0, len(tables), 100):
        rc, out, _ = run(a.tool, ["dump", "--json"] + tables[i:i + 100])
        binary += json.loads(out)["tables"]
        rc, out, _ = run(a.tool, ["dump", "--json"] + texts[i:i + 100])
        text += json.loads(out)["tables"]
    if len(binary) != len(tables) or len(text) != len(tables):
        problems.append("%d tables: %d decoded from binary, %d from text"
                        % (len(tables), len(binary), len(text)))
    same = 0
    for p, b, t in zip(tables, binary, text):
        if strip_source(b) != strip_source(t):
            problems.append("%s: the acpidump text decodes differently" % os.path.basename(p))
        elif t.get("acpidump", {}).get("line") != 1:
            problems.append("%s: acpidump line %r, expected 1" % (p, t.get("acpidump")))
        else:
            same += 1
    print("acpidump: %d of %d tables (%d real) decode from acpidump text (plain, CRLF, no ASCII "
          "column, lower case) to the same JSON as from binary"
          % (same, len(tables), len([p for p in tables if p.endswith(".dat")])))

    # One combined file: every table, with other tables before, between and after.
    others = {b"FACP": fake_table(b"FACP", 240), b"APIC": fake_table(b"APIC", 36),
              b"SSDT": fake_table(b"SSDT", 3000)}
    paths = []
    for sig, data in others.items():
        op = os.path.join(a.work, sig.decode().lower() + ".bin")
        with open(op, "wb") as f:
            f.write(data)
        paths.append(op)
    combined = [paths[0]] + tables[:len(tables) // 2] + [paths[1]] + tables[len(tables) // 2:] + [paths[2]]
    comb = os.path.join(a.work, "combined.txt")
    with open(comb, "wb") as f:
        subprocess.run([sys.executable, FMT, "--crlf"] + combined, stdout=f, check=True)

    # ACPICA's acpixtract, the independent reader of this format, must get every table back.
    xdir = os.path.join(a.work, "acpixtract")
    os.makedirs(xdir)
    subprocess.run(["acpixtract", "-a", os.path.abspath(comb)], cwd=xdir, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    extracted = {}
    for x in os.listdir(xdir):
        with open(os.path.join(xdir, x), "rb") as f:
            d = f.read()
        extracted.setdefault(d, []).append(x)
    missing = 0
    for p in combined:
        with open(p, "rb") as f:
            if f.read() not in extracted:
                missing += 1
    if missing or len(os.listdir(xdir)) != len(combined):
        problems.append("acpixtract got %d files back from %d tables, %d differ"
                        % (len(os.listdir(xdir)), len(combined), missing))
    print("acpidump: acpixtract reads %d tables from the combined file, each equal to its source"
          % (len(combined) - missing))

    rc, out, err = run(a.tool, ["dump", "--json", comb])
    doc = json.loads(out)
    got = [strip_source(t) for t in doc["tables"]]
    want = [strip_source(t) for t in binary]
    if got != want or rc != 0:
        problems.append("combined file: %d tables, exit %d (want %d tables, exit 0)"
                        % (len(got), rc, len(want)))
    skipped = [(s["signature"], s["line"]) for s in doc.get("skipped", [])]
    lines, line = {}, 1
    for p in combined:
        with open(p, "rb") as f:
            d = f.read()
        lines[p] = line
        line += 1 + (len(d) + 15) // 16 + 1
    want_skipped = [(os.path.basename(p)[:4].upper(), lines[p]) for p in paths]
    if skipped != want_skipped:
        problems.append("skipped tables %r, expected %r" % (skipped, want_skipped))
    for sig, line in want_skipped:
        if "%s @ " % sig not in err or "line %d: skipped" % line not in err:
            problems.append("stderr does not name the skipped %s at line %d" % (sig, line))
    iommu = [p for p in combined if p not in paths]
    lines_ok = all(t["acpidump"]["line"] == lines[p] for p, t in zip(iommu, doc["tables"]))
    if not lines_ok:
        problems.append("combined file: a table's acpidump line is wrong")
    with open(comb, "rb") as f:
        rc2, out2, _ = run(a.tool, ["dump", "--json", "-"], f.read())
    if [strip_source(t) for t in json.loads(out2)["tables"]] != got or rc2 != 0:
        problems.append("the combined file through stdin decodes differently")
    with open(tables[0], "rb") as f:
        rc3, out3, _ = run(a.tool, ["dump", "--json", "-"], f.read())
    if [strip_source(t) for t in json.loads(out3)["tables"]] != want[:1] or rc3 != 0:
        problems.append("a binary table through stdin decodes differently")
    print("acpidump: combined file (%d tables, %d of them other tables skipped and listed with "
          "their lines), also through stdin, and a binary table through stdin"
          % (len(combined), len(paths)))

    # Broken text: each error has its id, its line, and the exit status is 2.
    with open(texts[0], "rb") as f:
        good = f.read().decode().split("\n")
    cases = {
        # The block cut after its third data line: the header says more.
        "truncated": (good[:4], "acpidump-truncated", 4),
        "bad-hex": (good[:2] + [good[2][:12] + "ZZ" + good[2][14:]] + good[3:], "acpidump-syntax", 3),
        "missing-line": (good[:3] + good[4:], "acpidump-syntax", 4),
    }
    for name, (lines_, eid, eline) in cases.items():
        bad = os.path.join(a.work, name + ".txt")
        with open(bad, "w") as f:
            f.write("\n".join(lines_ + [""]) + "\n".join(good) + "\n")
        rc, out, err = run(a.tool, ["dump", "--json", bad])
        doc = json.loads(out)
        e = doc["tables"][0].get("error", {})
        ok = (rc == 2 and e.get("id") == eid and e.get("line") == 1 and
              ("line %d:" % eline) in e.get("reason", "") and "line %d:" % eline in err and
              len(doc["tables"]) == 2 and "error" not in doc["tables"][1])
        if not ok:
            problems.append("%s: exit %d, tables %d, error %r" % (name, rc, len(doc["tables"]), e))
    none = os.path.join(a.work, "none.txt")
    with open(none, "wb") as f:
        subprocess.run([sys.executable, FMT] + paths, stdout=f, check=True)
    rc, out, err = run(a.tool, ["lint", "--json", none])
    e = json.loads(out)["tables"][0]["error"]
    if rc != 2 or e["id"] != "no-iommu-table" or "3 tables" not in err:
        problems.append("acpidump without DMAR or IVRS: exit %d, error %r" % (rc, e))
    print("acpidump: a truncated block, a bad byte, a missing line, no DMAR or IVRS at all: each "
          "refused with its id and line, exit 2, the other tables still decoded")

    # Damaged text (bytes flipped, lines dropped or repeated, cut anywhere): never a crash.
    rng = random.Random(10)
    with open(os.path.join(a.work, "t000.txt"), "rb") as f:
        base = f.read() + open(texts[-1], "rb").read()
    crashes = 0
    runs = 300
    for i in range(runs):
        d = bytearray(base)
        kind = i % 3
        if kind == 0:
            for _ in range(rng.randint(1, 8)):
                d[rng.randrange(len(d))] = rng.choice(b"0123456789ABCDEFxX@: \r\n\t")
        elif kind == 1:
            ls = d.split(b"\n")
            j = rng.randrange(len(ls))
            ls[j:j + 1] = [] if rng.random() < 0.5 else [ls[j], ls[j]]
            d = bytearray(b"\n".join(ls))
        else:
            d = d[:rng.randrange(len(d))]
        rc, _, err = run(a.tool, ["dump", "--json", "-"], bytes(d))
        if rc not in (0, 1, 2) or "Sanitizer" in err or "runtime error" in err:
            crashes += 1
            if crashes == 1:
                problems.append("damaged text #%d: exit %d: %s" % (i, rc, err[-300:]))
    print("acpidump: %d damaged texts (bytes changed, lines dropped or repeated, cut short): "
          "%d crashes" % (runs, crashes))

    for p in problems[:20]:
        print("acpidump: FAIL: " + p)
    print("acpidump: %d problems" % len(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
