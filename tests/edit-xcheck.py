#!/usr/bin/env python3
"""`ioguard edit` against ACPICA's `iasl -d` and the tool's own decoder.

Part 1: edits of a compiled fixture (an RMRR added and dropped, DMAR flags
set and cleared, a DRHD's scope and INCLUDE_PCI_ALL changed), each output
disassembled by iasl -d, which must show the change and nothing else, and
re-read by `ioguard dump --json`.

Part 2: every real DMAR under the shared tables: an identity edit reproduces
the input byte for byte; dropping every RMRR and clearing
DMA_CTRL_PLATFORM_OPT_IN gives a table iasl -d decodes without complaint,
with the same structures as the input less its RMRRs and the flag cleared,
and that `ioguard dump` reads back as valid.

Part 3: the IVRS edit (--drop-ivmd) on a fixture and every real IVRS, the
same way.
"""
import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

FIELD = re.compile(r"^\[([0-9A-F]+)h (\d+)\s+(\d+)\]\s+(.*?)\s+: (.*)$")
PROBLEM = re.compile(r"Incorrect checksum|Invalid|^\*\*\*\* (?!Unknown)")

fails = []
passes = 0


def check(cond, what):
    global passes
    if cond:
        passes += 1
    else:
        fails.append(what)
        print("edit-xcheck: FAIL: " + what)


def num(v):
    return int(v, 0) if isinstance(v, str) else v


class Dsl:
    """iasl -d's text: header fields, subtables with their fields and device scopes."""

    def __init__(self, path):
        self.header, self.subtables, self.problems, self.unknown = {}, [], [], 0
        with open(path, errors="replace") as f:
            for line in f:
                line = line.rstrip("\n")
                if line.startswith("**** Unknown"):
                    self.unknown += 1
                    break
                if PROBLEM.search(line):
                    self.problems.append(line.strip())
                m = FIELD.match(line)
                if not m:
                    continue
                off, label, value = int(m.group(1), 16), m.group(4), m.group(5).strip()
                if label == "Subtable Type":
                    self.subtables.append({"offset": off, "type": int(value.split()[0], 16),
                                           "fields": {}, "scopes": []})
                elif label == "Device Scope Type" and self.subtables:
                    self.subtables[-1]["scopes"].append({"type": int(value.split()[0], 16),
                                                         "paths": []})
                elif self.subtables and self.subtables[-1]["scopes"]:
                    sc = self.subtables[-1]["scopes"][-1]
                    if label == "PCI Path":
                        sc["paths"].append(value.replace(" ", ""))
                    else:
                        sc[label] = value
                elif self.subtables:
                    self.subtables[-1]["fields"].setdefault(label, value)
                else:
                    self.header[label] = value

    def of_type(self, t):
        return [s for s in self.subtables if s["type"] == t]

    def flags(self):
        return int(self.header["Flags"].split()[0], 16)


def iasl(binary, files, cwd):
    subprocess.run([binary, "-d"] + [os.path.basename(f) for f in files], cwd=cwd,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def edit(tool, args):
    r = subprocess.run([tool, "edit"] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    return r.returncode, r.stdout + r.stderr


def dump_json(tool, files):
    r = subprocess.run([tool, "dump", "--json"] + files, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    return r.returncode, json.loads(r.stdout)["tables"]


def fixture_edits(a, work):
    src = os.path.join(a.fixtures, "dmar-server.aml")
    cases = {
        # name: (edit arguments, check on the iasl view, check on ioguard's JSON)
        "add-rmrr": ["--add-rmrr", "0x7c000000-0x7c7fffff@00:1f.3,bridge:00:1c.0/00.0"],
        "drop-rmrr": ["--drop-rmrr", "all"],
        "drop-rmrr-dev": ["--drop-rmrr", "00:14.0"],
        "flags": ["--clear-flag", "x2apic-opt-out", "--set-flag", "dma-ctrl-platform-opt-in"],
        "scope": ["--drhd", "0xfbffc000", "--add-scope", "endpoint:80:16.0", "--remove-scope",
                  "80:03.0"],
        "include-all": ["--drhd", "2", "--remove-scope", "0", "--remove-scope", "0",
                        "--set-include-all", "--drop", "drhd:3"],
        "identity": [],
    }
    outs = {}
    for name, args in cases.items():
        out = os.path.join(work, "fx-%s.aml" % name)
        rc, text = edit(a.tool, [src, "-o", out] + args)
        check(rc == 0, "edit %s exited %d: %s" % (name, rc, text.strip()))
        outs[name] = out
    shutil.copy(src, os.path.join(work, "fx-input.aml"))
    iasl(a.iasl, list(outs.values()) + [os.path.join(work, "fx-input.aml")], work)
    dsl = {n: Dsl(p[:-4] + ".dsl") for n, p in list(outs.items()) + [("input", os.path.join(
        work, "fx-input.aml"))]}
    _, tables = dump_json(a.tool, list(outs.values()))
    js = {n: t for n, t in zip(outs, tables)}
    inp = dsl["input"]
    for n, d in dsl.items():
        check(not d.problems, "iasl -d complains about %s: %s" % (n, d.problems[:3]))
        check(int(d.header["Table Length"], 16) == os.path.getsize(
            outs.get(n, os.path.join(work, "fx-input.aml"))), "%s: iasl's length" % n)

    rm_in, rm = inp.of_type(1), dsl["add-rmrr"].of_type(1)
    check(len(rm) == len(rm_in) + 1, "add-rmrr: iasl shows %d RMRRs" % len(rm))
    new = rm[-1]
    check(new["fields"].get("Base Address") == "000000007C000000" and
          new["fields"].get("End Address (limit)") == "000000007C7FFFFF",
          "add-rmrr: iasl shows %s" % new["fields"])
    check([(s["type"], s["paths"]) for s in new["scopes"]] == [(1, ["1F,03"]),
                                                               (2, ["1C,00", "00,00"])],
          "add-rmrr: iasl's scopes %s" % new["scopes"])
    types = [s["type"] for s in inp.subtables]
    where = len(types) - types[::-1].index(1)
    check([s["type"] for s in dsl["add-rmrr"].subtables] == types[:where] + [1] + types[where:],
          "add-rmrr: not after the last RMRR in iasl's view")
    jr = [s for s in js["add-rmrr"]["structures"] if num(s["type"]) == 1]
    check(num(jr[-1]["base"]) == 0x7c000000 and num(jr[-1]["limit"]) == 0x7c7fffff,
          "add-rmrr: ioguard dump shows %s" % jr[-1])

    check(not dsl["drop-rmrr"].of_type(1), "drop-rmrr all: iasl still shows an RMRR")
    check([s["type"] for s in dsl["drop-rmrr"].subtables] ==
          [s["type"] for s in inp.subtables if s["type"] != 1], "drop-rmrr all: other structures")
    check(not [s for s in js["drop-rmrr"]["structures"] if num(s["type"]) == 1],
          "drop-rmrr all: ioguard dump shows an RMRR")
    left = dsl["drop-rmrr-dev"].of_type(1)
    check(len(left) == 2 and [p for s in left[0]["scopes"] for p in s["paths"]] == ["1D,00"],
          "drop-rmrr 00:14.0: iasl shows %s" % [s["scopes"] for s in left])

    check(inp.flags() == 3 and dsl["flags"].flags() == 5,
          "flags: iasl shows 0x%x, expected 0x5" % dsl["flags"].flags())
    check(num(js["flags"]["flags"]) == 5, "flags: ioguard dump shows %s" % js["flags"]["flags"])

    d0, i0 = dsl["scope"].of_type(0)[0], inp.of_type(0)[0]
    paths = [s["paths"] for s in d0["scopes"]]
    want = [s["paths"] for s in i0["scopes"] if s["paths"] != ["03,00"]] + [["16,00"]]
    check(paths == want, "scope: iasl shows DRHD 0 scopes %s, expected %s" % (paths, want))
    check(int(d0["fields"]["Length"], 16) == int(i0["fields"]["Length"], 16),
          "scope: DRHD 0 length (one 8-byte scope out, one in)")

    d2 = dsl["include-all"].of_type(0)
    check(len(d2) == 3 and d2[2]["fields"]["Flags"].startswith("01") and not d2[2]["scopes"],
          "include-all: iasl shows %s" % (d2[2] if len(d2) > 2 else d2))

    with open(src, "rb") as f, open(outs["identity"], "rb") as g:
        check(f.read() == g.read(), "identity edit of the fixture changed bytes")


def real_tables(a, work):
    paths = sorted(glob.glob(os.path.join(a.shared, "dmar", "*")))
    if not paths:
        print("edit-xcheck: no real DMARs under %s: part 2 skipped" % a.shared)
        return 0, 0
    rdir = os.path.join(work, "real")
    shutil.rmtree(rdir, ignore_errors=True)
    os.makedirs(rdir)

    def one(i):
        p = paths[i]
        same = os.path.join(rdir, "same-%03d.dat" % i)
        out = os.path.join(rdir, "out-%03d.dat" % i)
        shutil.copy(p, os.path.join(rdir, "in-%03d.dat" % i))
        r1 = edit(a.tool, [p, "-o", same])
        r2 = edit(a.tool, [p, "-o", out, "--drop-rmrr", "all", "--clear-flag",
                           "dma-ctrl-platform-opt-in"])
        return r1, r2

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(one, range(len(paths))))
    rmrrs = 0
    for i, (r1, r2) in enumerate(results):
        name = os.path.basename(paths[i])
        check(r1[0] == 0, "%s: identity edit exited %d: %s" % (name, r1[0], r1[1].strip()))
        with open(paths[i], "rb") as f, open(os.path.join(rdir, "same-%03d.dat" % i), "rb") as g:
            check(f.read() == g.read(), "%s: identity edit changed bytes" % name)
        check(r2[0] == 0, "%s: edit exited %d: %s" % (name, r2[0], r2[1].strip()))
    files = sorted(glob.glob(os.path.join(rdir, "in-*.dat")) +
                   glob.glob(os.path.join(rdir, "out-*.dat")))
    batches = [files[k::2] for k in range(2)]
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda b: iasl(a.iasl, b, rdir), batches))
    outs = [os.path.join(rdir, "out-%03d.dat" % i) for i in range(len(paths))]
    rc, tables = dump_json(a.tool, outs)
    check(rc == 0, "ioguard dump of the edited tables exited %d" % rc)
    for i, p in enumerate(paths):
        name = os.path.basename(p)
        din = Dsl(os.path.join(rdir, "in-%03d.dsl" % i))
        dout = Dsl(os.path.join(rdir, "out-%03d.dsl" % i))
        check(not dout.problems, "%s: iasl -d complains about the edit: %s" %
              (name, dout.problems[:3]))
        check(dout.unknown == din.unknown, "%s: iasl stops differently" % name)
        check(not dout.of_type(1), "%s: iasl still shows an RMRR" % name)
        rmrrs += len(din.of_type(1))
        check([(s["type"], s["fields"], s["scopes"]) for s in dout.subtables] ==
              [(s["type"], s["fields"], s["scopes"]) for s in din.subtables if s["type"] != 1],
              "%s: the other structures differ in iasl's view" % name)
        check(dout.flags() == din.flags() & ~4, "%s: iasl shows flags 0x%x, input 0x%x" %
              (name, dout.flags(), din.flags()))
        t = tables[i]
        check(num(t["flags"]) == din.flags() & ~4 and t.get("checksum_ok") is True and
              not [s for s in t["structures"] if num(s["type"]) == 1],
              "%s: ioguard dump of the edit disagrees" % name)
    return len(paths), rmrrs


def ivrs_tables(a, work):
    """The IVRS edit, --drop-ivmd: the fixture with its three IVMDs, then every real IVRS."""
    fx = os.path.join(a.fixtures, "ivrs-multi.aml")
    idir = os.path.join(work, "ivrs")
    shutil.rmtree(idir, ignore_errors=True)
    os.makedirs(idir)
    shutil.copy(fx, os.path.join(idir, "fx-input.aml"))
    out = os.path.join(idir, "fx-drop1.aml")
    rc, text = edit(a.tool, [fx, "-o", out, "--drop-ivmd", "1"])
    check(rc == 0, "drop-ivmd 1 exited %d: %s" % (rc, text.strip()))
    iasl(a.iasl, [out, os.path.join(idir, "fx-input.aml")], idir)
    din, dout = Dsl(os.path.join(idir, "fx-input.dsl")), Dsl(out[:-4] + ".dsl")
    ivmd = [s for s in dout.subtables if 0x20 <= s["type"] <= 0x22]
    check([s["type"] for s in din.subtables] == [0x10, 0x11, 0x20, 0x21, 0x22] and
          [(s["type"], s["fields"].get("Start Address")) for s in ivmd] ==
          [(0x20, "000000009D000000"), (0x22, "000000009F000000")] and not dout.problems,
          "drop-ivmd 1: iasl shows %s" % [(s["type"], s["fields"]) for s in ivmd])

    paths = sorted(glob.glob(os.path.join(a.shared, "ivrs", "*")))
    if not paths:
        return 0, 0

    def one(i):
        same = os.path.join(idir, "same-%03d.dat" % i)
        shutil.copy(paths[i], os.path.join(idir, "in-%03d.dat" % i))
        return (edit(a.tool, [paths[i], "-o", same]),
                edit(a.tool, [paths[i], "-o", os.path.join(idir, "out-%03d.dat" % i),
                              "--drop-ivmd", "all"]))

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(one, range(len(paths))))
    for i, (r1, r2) in enumerate(results):
        name = os.path.basename(paths[i])
        check(r1[0] == 0 and r2[0] == 0, "%s: edits exited %d, %d: %s" %
              (name, r1[0], r2[0], (r1[1] + r2[1]).strip()))
        with open(paths[i], "rb") as f, open(os.path.join(idir, "same-%03d.dat" % i), "rb") as g:
            check(f.read() == g.read(), "%s: identity edit changed bytes" % name)
    files = sorted(glob.glob(os.path.join(idir, "in-*.dat")) +
                   glob.glob(os.path.join(idir, "out-*.dat")))
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda b: iasl(a.iasl, b, idir), [files[k::2] for k in range(2)]))
    outs = [os.path.join(idir, "out-%03d.dat" % i) for i in range(len(paths))]
    rc, tables = dump_json(a.tool, outs)
    check(rc == 0, "ioguard dump of the edited IVRS tables exited %d" % rc)
    ivmds = 0
    for i, p in enumerate(paths):
        name = os.path.basename(p)
        din = Dsl(os.path.join(idir, "in-%03d.dsl" % i))
        dout = Dsl(os.path.join(idir, "out-%03d.dsl" % i))
        keep = [(s["type"], s["fields"]) for s in din.subtables if not 0x20 <= s["type"] <= 0x22]
        ivmds += len(din.subtables) - len(keep)
        check(not dout.problems and dout.unknown == din.unknown,
              "%s: iasl -d on the edit: %s" % (name, dout.problems[:3]))
        check([(s["type"], s["fields"]) for s in dout.subtables] == keep,
              "%s: iasl's view of the edit is not the input without its IVMDs" % name)
        t = tables[i]
        check(t.get("checksum_ok") is True and
              not [b for b in t["blocks"] if 0x20 <= num(b["type"]) <= 0x22],
              "%s: ioguard dump of the edit disagrees" % name)
    return len(paths), ivmds


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", required=True)
    ap.add_argument("--iasl", default="iasl")
    ap.add_argument("--fixtures", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    a.tool = os.path.abspath(a.tool)
    os.makedirs(a.work, exist_ok=True)
    fixture_edits(a, a.work)
    n, rmrrs = real_tables(a, a.work)
    ni, ivmds = ivrs_tables(a, a.work)
    print("edit-xcheck: %d checks passed, %d failed; %d real DMARs: identity edits byte for "
          "byte, %d RMRRs dropped and opt-in cleared; %d real IVRS: identity, %d IVMDs "
          "dropped (as iasl decodes them); each output read back by iasl -d and ioguard dump"
          % (passes, len(fails), n, rmrrs, ni, ivmds))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
