#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Formats binary ACPI tables as the text ACPICA's `acpidump` prints.

Written from the format itself (a "SIGN @ 0xADDRESS" line, then lines of a
right-aligned offset of at least four hex digits, a colon, sixteen
upper-case hex bytes each followed by a space, one more space and the
bytes as ASCII with non-printables as dots, and a blank line after each
table), independently of the tool's parser. Options produce the variants
found in the wild: CRLF line ends, no ASCII column, lower-case hex.

usage: acpidump_fmt.py [--crlf] [--no-ascii] [--lower] [--address A] TABLE... > dump.txt
"""
import argparse
import sys


def block(data, sig, address, ascii_col=True, lower=False):
    lines = ["%s @ 0x%016X" % (sig, address)]
    for off in range(0, len(data), 16):
        chunk = data[off:off + 16]
        hexes = "".join("%02X " % b for b in chunk)
        line = "%8s: %s" % ("%04X" % off, hexes)
        if ascii_col:
            line += "   " * (16 - len(chunk)) + " "
            line += "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in chunk)
        else:
            line = line.rstrip()
        if lower:
            head, _, rest = line.partition(": ")
            n = len(chunk) * 3
            line = head.lower() + ": " + rest[:n].lower() + rest[n:]
        lines.append(line)
    lines.append("")
    return lines


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--crlf", action="store_true")
    ap.add_argument("--no-ascii", action="store_true")
    ap.add_argument("--lower", action="store_true")
    ap.add_argument("--address", type=lambda s: int(s, 0), default=0x7B6F2000)
    ap.add_argument("tables", nargs="+")
    a = ap.parse_args()
    out = []
    for i, path in enumerate(a.tables):
        with open(path, "rb") as f:
            data = f.read()
        sig = data[:4].decode("latin-1") if len(data) >= 4 else "????"
        out += block(data, sig, a.address + 0x1000 * i, not a.no_ascii, a.lower)
    nl = "\r\n" if a.crlf else "\n"
    sys.stdout.buffer.write((nl.join(out) + nl).encode("latin-1"))


if __name__ == "__main__":
    main()
