#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Writes the guest's initramfs: an uncompressed newc cpio archive.

    scripts/mkinitramfs.py OUT INIT_BINARY [NAME=FILE...]

The archive holds /init (INIT_BINARY, mode 0755), the directories /dev,
/proc and /sys, and /dev/console (character device 5,1), so that the kernel
can open the console for /init before anything is mounted; each NAME=FILE
adds FILE as /NAME (mode 0755). Every timestamp
is zero and every owner root: the same binary always gives the same archive.
"""

import os
import stat
import sys

NEWC_MAGIC = b"070701"
CONSOLE_MAJOR = 5
CONSOLE_MINOR = 1


def pad4(n):
    return (4 - n % 4) % 4


def entry(ino, name, mode, data=b"", nlink=1, rdev=(0, 0)):
    """One newc member: header, NUL-terminated name, data, each 4-aligned."""
    encoded = name.encode() + b"\0"
    fields = (
        ino,
        mode,
        0,  # uid
        0,  # gid
        nlink,
        0,  # mtime
        len(data),
        0,  # devmajor (of the file system holding it)
        0,  # devminor
        rdev[0],
        rdev[1],
        len(encoded),
        0,  # check (newc has no checksum)
    )
    header = NEWC_MAGIC + b"".join(b"%08X" % f for f in fields)
    out = header + encoded
    out += b"\0" * pad4(len(out))
    out += data
    out += b"\0" * pad4(len(data))
    return out


def build(init_data, extra=()):
    members = [
        ("dev", stat.S_IFDIR | 0o755, b"", 2, (0, 0)),
        ("dev/console", stat.S_IFCHR | 0o600, b"", 1, (CONSOLE_MAJOR, CONSOLE_MINOR)),
        ("proc", stat.S_IFDIR | 0o755, b"", 2, (0, 0)),
        ("sys", stat.S_IFDIR | 0o755, b"", 2, (0, 0)),
        ("init", stat.S_IFREG | 0o755, init_data, 1, (0, 0)),
    ]
    for name, data in extra:
        members.append((name, stat.S_IFREG | 0o755, data, 1, (0, 0)))
    out = bytearray()
    for ino, (name, mode, data, nlink, rdev) in enumerate(members, start=1):
        out += entry(ino, name, mode, data, nlink, rdev)
    out += entry(0, "TRAILER!!!", 0, nlink=1)
    # Linux reads the archive in 512-byte blocks happily; pad as cpio does.
    out += b"\0" * ((512 - len(out) % 512) % 512)
    return bytes(out)


def main(argv):
    if len(argv) < 3 or any("=" not in a for a in argv[3:]):
        sys.stderr.write("usage: mkinitramfs.py OUT INIT_BINARY [NAME=FILE...]\n")
        return 2
    out_path, init_path = argv[1], argv[2]
    extra = []
    for a in argv[3:]:
        name, path = a.split("=", 1)
        try:
            with open(path, "rb") as f:
                extra.append((name.lstrip("/"), f.read()))
        except OSError as e:
            sys.stderr.write("mkinitramfs: %s: %s\n" % (path, e.strerror))
            return 1
    try:
        with open(init_path, "rb") as f:
            init_data = f.read()
    except OSError as e:
        sys.stderr.write("mkinitramfs: %s: %s\n" % (init_path, e.strerror))
        return 1
    if not init_data.startswith(b"\x7fELF"):
        sys.stderr.write("mkinitramfs: %s is not an ELF binary\n" % init_path)
        return 1
    archive = build(init_data, extra)
    tmp = out_path + ".tmp"
    try:
        with open(tmp, "wb") as f:
            f.write(archive)
        os.replace(tmp, out_path)
    except OSError as e:
        sys.stderr.write("mkinitramfs: %s: %s\n" % (out_path, e.strerror))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
