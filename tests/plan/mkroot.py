#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Writes the saved roots `ioguard plan --root` replays in tests/plan/plan.sh:
three machine shapes around real DMARs from ../shared/tables/dmar, each a
sysroot as `ioguard plan --save` writes one (sys/firmware/acpi/tables/DMAR
and APIC, sys/bus/pci/devices/*/{vendor,device,class,config},
sys/firmware/memmap/*/{start,end,type}).

    tests/plan/mkroot.py SHARED_TABLES_DMAR OUTDIR

- laptop: a Razer Blade's DMAR: the iGPU (00:02.0) on a unit of its own,
  with an RMRR for its stolen memory, and one for the xHCI (00:14.0).
- desktop: a Dell Precision T7500's DMAR: two units, the first naming three
  root ports of the second I/O hub (20:03.0, 20:07.0, 20:09.0) as
  sub-hierarchies; 20:07.0 is not there (an unpopulated slot's port).
- server: a Dell PowerEdge R820's DMAR (four units) with its DRHDs repeated on
  PCI segment 1 at other register bases: no DMAR under shared/tables spans
  two segments, so the second is made from the first.

The PCI functions' configuration spaces are written as the hardware would
answer: ids, class, header type, bridge bus numbers, a PCI Express
capability with the port type, and ACS on root ports (left off by the
laptop's firmware, on by the server's).
"""

import os
import struct
import sys

MiB = 1 << 20
GiB = 1 << 30


def checksum_fix(t):
    t = bytearray(t)
    struct.pack_into("<I", t, 4, len(t))
    t[9] = 0
    t[9] = (0x100 - sum(t) % 256) % 256
    return bytes(t)


def dmar_structs(t):
    off, end = 48, struct.unpack_from("<I", t, 4)[0]
    while off + 4 <= end:
        typ, ln = struct.unpack_from("<HH", t, off)
        yield typ, t[off:off + ln]
        off += ln


def two_segments(t):
    """The DMAR with every DRHD repeated on segment 1, 1 MiB above its base."""
    out = bytearray(t[:48])
    structs = list(dmar_structs(t))
    for typ, s in structs:
        if typ == 0:
            out += s
    for typ, s in structs:
        if typ == 0:
            c = bytearray(s)
            seg, base = struct.unpack_from("<HQ", c, 6)
            struct.pack_into("<HQ", c, 6, 1, base + MiB)
            out += c
    for typ, s in structs:
        if typ != 0:
            out += s
    return checksum_fix(out)


def madt(apic_ids):
    body = struct.pack("<II", 0xFEE00000, 1)
    for i, a in enumerate(apic_ids):
        body += struct.pack("<BBBBI", 0, 8, i, a, 1)
    hdr = b"APIC" + struct.pack("<IBB", 44 + len(body), 3, 0) + b"IOGTST" + b"PLANROOT"
    hdr += struct.pack("<I", 1) + b"IOGC" + struct.pack("<I", 1)
    return checksum_fix(hdr + body)


# PCI Express port types (PCIe 7.5.3.2).
ENDPOINT, ROOT_PORT, RC_ENDPOINT = 0x0, 0x4, 0x9


def config(vendor, device, cls, bridge=None, port=None, acs=None, multi=False):
    c = bytearray(4096)
    struct.pack_into("<HHHH", c, 0, vendor, device, 0x0006, 0x0010 if port is not None else 0)
    struct.pack_into("<I", c, 8, cls << 8)
    c[0x0E] = (1 if bridge else 0) | (0x80 if multi else 0)
    if bridge:
        c[0x18], c[0x19], c[0x1A] = bridge
    if port is not None:
        c[0x34] = 0x40
        c[0x40], c[0x41] = 0x10, 0x00  # PCI Express capability, last in the list
        struct.pack_into("<H", c, 0x42, 0x0002 | port << 4)
    if acs:
        # ACS extended capability at 0x100: SV, RR, CR, UF offered; control as firmware
        # left it: "off", or "on" (all four enabled).
        struct.pack_into("<I", c, 0x100, 0x000D | 1 << 16)
        struct.pack_into("<HH", c, 0x104, 0x001D, 0x001D if acs == "on" else 0)
    return bytes(c)


def write(root, rel, data):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def machine(root, dmar, apic_ids, ram, devices):
    write(root, "sys/firmware/acpi/tables/DMAR", dmar)
    write(root, "sys/firmware/acpi/tables/APIC", madt(apic_ids))
    for i, (start, end, typ) in enumerate(ram):
        write(root, "sys/firmware/memmap/%d/start" % i, "0x%x\n" % start)
        write(root, "sys/firmware/memmap/%d/end" % i, "0x%x\n" % end)
        write(root, "sys/firmware/memmap/%d/type" % i, typ + "\n")
    for (seg, bus, dev, fn), cfg in devices:
        d = "sys/bus/pci/devices/%04x:%02x:%02x.%x" % (seg, bus, dev, fn)
        vendor, device = struct.unpack_from("<HH", cfg, 0)
        cls = struct.unpack_from("<I", cfg, 8)[0] >> 8
        write(root, d + "/vendor", "0x%04x\n" % vendor)
        write(root, d + "/device", "0x%04x\n" % device)
        write(root, d + "/class", "0x%06x\n" % cls)
        write(root, d + "/config", cfg)


def laptop(tables, out):
    dmar = open(os.path.join(tables, "dmar-0062111572a0.dat"), "rb").read()
    ram = [
        (0x0, 0x9CFFF, "System RAM"),
        (0x9D000, 0xFFFFF, "Reserved"),
        (0x100000, 0x3BBFDFFF, "System RAM"),
        (0x3BBFE000, 0x3BC1DFFF, "Reserved"),
        (0x3BC1E000, 0x3D7FFFFF, "System RAM"),
        (0x3D800000, 0x3FFFFFFF, "Reserved"),
        (0x100000000, 0x4BFFFFFFF, "System RAM"),
    ]
    devices = [
        ((0, 0, 0x00, 0), config(0x8086, 0x1904, 0x060000)),
        ((0, 0, 0x02, 0), config(0x8086, 0x191B, 0x030000, port=RC_ENDPOINT)),
        ((0, 0, 0x14, 0), config(0x8086, 0xA12F, 0x0C0330)),
        ((0, 0, 0x1C, 0), config(0x8086, 0xA110, 0x060400, (0, 1, 1), ROOT_PORT, acs="off")),
        ((0, 0, 0x1D, 0), config(0x8086, 0xA118, 0x060400, (0, 2, 2), ROOT_PORT, acs="off")),
        ((0, 0, 0x1F, 0), config(0x8086, 0xA14E, 0x060100, multi=True)),
        ((0, 0, 0x1F, 3), config(0x8086, 0xA170, 0x040300)),
        ((0, 1, 0x00, 0), config(0x8086, 0x24F3, 0x028000, port=ENDPOINT)),
        ((0, 2, 0x00, 0), config(0x144D, 0xA802, 0x010802, port=ENDPOINT)),
    ]
    machine(os.path.join(out, "laptop"), dmar, range(8), ram, devices)


def desktop(tables, out):
    dmar = open(os.path.join(tables, "dmar-33258557f513.dat"), "rb").read()
    ram = [
        (0x0, 0x9EFFF, "System RAM"),
        (0x9F000, 0xFFFFF, "Reserved"),
        (0x100000, 0xDBE57FFF, "System RAM"),
        (0xDBE58000, 0xDBE6FFFF, "Reserved"),
        (0xDBE70000, 0xDF62FFFF, "System RAM"),
        (0x100000000, 0x31FFFFFFF, "System RAM"),
    ]
    devices = [
        ((0, 0, 0x00, 0), config(0x8086, 0x3406, 0x060000)),
        ((0, 0, 0x03, 0), config(0x8086, 0x340A, 0x060400, (0, 1, 1), ROOT_PORT)),
        ((0, 0, 0x1A, 0), config(0x8086, 0x3A37, 0x0C0300, multi=True)),
        ((0, 0, 0x1A, 7), config(0x8086, 0x3A3C, 0x0C0320)),
        ((0, 0, 0x1D, 0), config(0x8086, 0x3A34, 0x0C0300, multi=True)),
        ((0, 0, 0x1D, 7), config(0x8086, 0x3A3A, 0x0C0320)),
        ((0, 0, 0x1F, 0), config(0x8086, 0x3A16, 0x060100, multi=True)),
        ((0, 0, 0x1F, 2), config(0x8086, 0x3A22, 0x010601)),
        ((0, 1, 0x00, 0), config(0x10DE, 0x06D9, 0x030000, port=ENDPOINT)),
        ((0, 0x20, 0x00, 0), config(0x8086, 0x3406, 0x060000)),
        ((0, 0x20, 0x03, 0), config(0x8086, 0x340A, 0x060400, (0x20, 0x21, 0x21), ROOT_PORT)),
        ((0, 0x20, 0x09, 0), config(0x8086, 0x3410, 0x060400, (0x20, 0x22, 0x22), ROOT_PORT)),
        ((0, 0x21, 0x00, 0), config(0x8086, 0x10D3, 0x020000, port=ENDPOINT)),
        ((0, 0x22, 0x00, 0), config(0x1000, 0x0072, 0x010700, port=ENDPOINT)),
    ]
    machine(os.path.join(out, "desktop"), dmar, [0, 2, 4, 6, 16, 18, 20, 22], ram, devices)


def server(tables, out):
    dmar = two_segments(open(os.path.join(tables, "dmar-8dc5ab51cad3.dat"), "rb").read())
    ram = [
        (0x0, 0x9BFFF, "System RAM"),
        (0x9C000, 0xFFFFF, "Reserved"),
        (0x100000, 0xBF44FFFF, "System RAM"),
        (0xBF450000, 0xBF46FFFF, "Reserved"),
        (0xBF470000, 0xBFFFFFFF, "System RAM"),
        (0x100000000, 0x403FFFFFFF, "System RAM"),
    ]
    devices = []
    for seg in (0, 1):
        devices += [
            ((seg, 0, 0x00, 0), config(0x8086, 0x3C00, 0x060000)),
            ((seg, 0, 0x01, 0), config(0x8086, 0x3C02, 0x060400, (0, 1, 1), ROOT_PORT, acs="on")),
            ((seg, 1, 0x00, 0), config(0x8086, 0x1521, 0x020000, port=ENDPOINT)),
            ((seg, 0x40, 0x01, 0),
             config(0x8086, 0x3C02, 0x060400, (0x40, 0x41, 0x41), ROOT_PORT, acs="on")),
            ((seg, 0x40, 0x05, 0), config(0x8086, 0x3C28, 0x088000)),
            ((seg, 0x41, 0x00, 0), config(0x1000, 0x005B, 0x010400, port=ENDPOINT)),
            ((seg, 0x80, 0x05, 0), config(0x8086, 0x3C28, 0x088000)),
            ((seg, 0xC0, 0x05, 0), config(0x8086, 0x3C28, 0x088000)),
        ]
    devices += [
        ((0, 0, 0x1A, 0), config(0x8086, 0x1D2D, 0x0C0320)),
        ((0, 0, 0x1D, 0), config(0x8086, 0x1D26, 0x0C0320)),
        ((0, 0, 0x1F, 0), config(0x8086, 0x1D41, 0x060100)),
    ]
    apic = [s * 32 + c for s in range(4) for c in range(8)]
    machine(os.path.join(out, "server"), dmar, apic, ram, devices)


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: mkroot.py SHARED_TABLES_DMAR OUTDIR\n")
        return 2
    for shape in (laptop, desktop, server):
        shape(argv[1], argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
