#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Every 64-bit field of `ioguard dump --json` survives jq, bit for bit.

For every fixture and real table: jq (which reads JSON numbers as doubles)
extracts every 64-bit field (DRHD/RHSA register bases, RMRR base and
limit, IVHD base and EFR images, IVMD start and length); each must be a
"0x..." string whose value equals the bytes at its offset in the table,
read here by Python's exact integers from a structure walk of its own; the
set of fields jq finds must be exactly the set that walk expects. Then the
dump and lint documents pass through `jq .` unchanged. The count of values
a double cannot hold shows the check has teeth.
"""
import argparse
import glob
import json
import os
import subprocess
import sys

JQ_FIELDS = r'''
.tables[] | .file as $f |
  ( (.structures // [])[] | . as $s | ("address", "base", "limit") as $k
      | select($s | has($k)) | [$f, $s.offset, $k, ($s[$k] | type), ($s[$k] | tostring)] ),
  ( (.blocks // [])[] | . as $b | ("address", "efr", "efr2", "start", "length") as $k
      | select($b | has($k)) | select(($b[$k] | type) == "string" or $k != "length")
      | [$f, $b.offset, $k, ($b[$k] | type), ($b[$k] | tostring)] )
| @tsv
'''


def le(d, o, n):
    return int.from_bytes(d[o:o + n], "little")


def expected(path):
    """(offset, key) -> value for every 64-bit field, from the raw bytes."""
    with open(path, "rb") as f:
        d = f.read()
    end = min(le(d, 4, 4), len(d))
    want = {}
    o = 48
    if d[:4] == b"DMAR":
        while o + 4 <= end:
            t, n = le(d, o, 2), le(d, o + 2, 2)
            if n < 4 or o + n > end:
                break
            if t == 0:
                want[(o, "address")] = le(d, o + 8, 8)
            elif t == 1:
                want[(o, "base")] = le(d, o + 8, 8)
                want[(o, "limit")] = le(d, o + 16, 8)
            elif t == 3:
                want[(o, "address")] = le(d, o + 8, 8)
            o += n
    else:
        while o + 4 <= end:
            t, n = d[o], le(d, o + 2, 2)
            if n < 4 or o + n > end:
                break
            if t in (0x10, 0x11, 0x40):
                want[(o, "address")] = le(d, o + 8, 8)
                if t != 0x10:
                    want[(o, "efr")] = le(d, o + 24, 8)
                    want[(o, "efr2")] = le(d, o + 32, 8)
            elif t in (0x20, 0x21, 0x22):
                want[(o, "start")] = le(d, o + 16, 8)
                want[(o, "length")] = le(d, o + 24, 8)
            o += n
    return want


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", required=True)
    ap.add_argument("--tables", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--jq", default="jq")
    a = ap.parse_args()
    files = [p for p in sorted(glob.glob(os.path.join(a.tables, "*.aml")))
             if open(p, "rb").read(4) in (b"DMAR", b"IVRS")]
    for sub in ("dmar", "ivrs"):
        files += sorted(glob.glob(os.path.join(a.shared, sub, "*.dat")))
    problems = []
    got = {}
    checked = wide = roundtrips = 0
    for i in range(0, len(files), 100):
        batch = files[i:i + 100]
        for cmd in ("dump", "lint"):
            doc = subprocess.run([a.tool, cmd, "--json"] + batch, stdout=subprocess.PIPE).stdout
            again = subprocess.run([a.jq, "."], input=doc, stdout=subprocess.PIPE, check=True).stdout
            if json.loads(again) != json.loads(doc):
                problems.append("%s --json of %s...: jq . changes the document" % (cmd, batch[0]))
            roundtrips += 1
            if cmd != "dump":
                continue
            out = subprocess.run([a.jq, "-r", JQ_FIELDS], input=doc, stdout=subprocess.PIPE,
                                 check=True).stdout.decode()
            for line in out.splitlines():
                f, off, key, typ, val = line.split("\t")
                got[(f, int(off), key)] = (typ, val)
    for p in files:
        for (off, key), v in expected(p).items():
            typ, val = got.pop((p, off, key), (None, None))
            checked += 1
            wide += v >= 1 << 53
            if typ != "string" or val != "0x%x" % v:
                problems.append("%s @0x%x %s: jq reads %s %r, the bytes say 0x%x"
                                % (os.path.basename(p), off, key, typ, val, v))
    for (f, off, key) in list(got)[:5]:
        problems.append("%s @0x%x %s: a 64-bit field the raw walk does not expect" % (f, off, key))
    print("jq64: %d 64-bit fields of %d tables read by jq equal the table bytes (%d of them beyond "
          "2^53, which a JSON number would have rounded); %d documents unchanged by jq ."
          % (checked, len(files), wide, roundtrips))
    for p in problems[:20]:
        print("jq64: FAIL: " + p)
    print("jq64: %d problems" % len(problems))
    # Without the real tables only the fixtures are there, and none has a value that wide.
    return 1 if problems or (wide == 0 and os.path.isdir(a.shared)) else 0


if __name__ == "__main__":
    sys.exit(main())
