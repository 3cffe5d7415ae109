#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Writes seed memory images for fuzz_acpi: an RSDP (v0 and v2) with RSDT,
XSDT and the given tables, laid out in a small physical image from 0."""
import struct
import sys


def table(sig, body, rev=1):
    raw = bytearray(sig + b"\0" * 4 + bytes([rev, 0]) + b"IOGTSTFUZZSEED" +
                    struct.pack("<I", 1) + b"IOGC" + struct.pack("<I", 1) + body)
    struct.pack_into("<I", raw, 4, len(raw))
    raw[9] = (-sum(raw)) & 0xFF
    return bytes(raw)


def rsdp(rev, rsdt, xsdt):
    raw = bytearray(b"RSD PTR " + b"\0" + b"IOGTST" + bytes([rev]) + struct.pack("<I", rsdt))
    raw[8] = (-sum(raw)) & 0xFF
    if rev >= 2:
        raw += struct.pack("<IQ", 36, xsdt) + b"\0\0\0\0"
        raw[32] = (-sum(raw)) & 0xFF
    return bytes(raw)


def image(rev, tables):
    mem = bytearray(0x3000)
    at = 0x200
    addrs = []
    for t in tables:
        mem[at:at + len(t)] = t
        addrs.append(at)
        at = (at + len(t) + 15) & ~15
    rsdt = table(b"RSDT", b"".join(struct.pack("<I", a) for a in addrs))
    xsdt = table(b"XSDT", b"".join(struct.pack("<Q", a) for a in addrs))
    mem[at:at + len(rsdt)] = rsdt
    rsdt_at, at = at, (at + len(rsdt) + 15) & ~15
    mem[at:at + len(xsdt)] = xsdt
    xsdt_at = at
    r = rsdp(rev, rsdt_at, xsdt_at)
    mem[0x40:0x40 + len(r)] = r
    return bytes(mem)


def main():
    out = sys.argv[1]
    tabs = [open(p, "rb").read() for p in sys.argv[2:]]
    tabs.append(table(b"APIC", bytes(16)))
    open(out + "/v2", "wb").write(image(2, tabs))
    open(out + "/v0", "wb").write(image(0, tabs))


main()
