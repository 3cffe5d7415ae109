#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Regenerates tests/tables/qemu-q35-{dmar,ivrs}.asl from what QEMU really
# builds: boots q35 with intel-iommu (then amd-iommu) under TCG with no disk,
# lets SeaBIOS install the ACPI tables, dumps guest RAM through the monitor,
# finds RSDP -> RSDT -> DMAR/IVRS in the dump, and decodes them with iasl -d.
# Not run by the build: the ASL it writes is checked in.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ver=$(qemu-system-x86_64 --version | head -1)

grab() { # grab DEVICE SIGNATURE NAME
	sock=$work/mon.sock
	rm -f "$sock"
	timeout 30 qemu-system-x86_64 -M q35 -m 128M -device "$1" -nographic -nodefaults \
		-display none -serial none -monitor "unix:$sock,server,nowait" &
	qpid=$!
	sleep 4
	python3 - "$sock" "$work/mem" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
time.sleep(0.3)
for cmd in ('pmemsave 0 0x8000000 "%s"\n' % sys.argv[2], "quit\n"):
    s.send(cmd.encode())
    time.sleep(2)
PY
	wait "$qpid" || true
	python3 - "$work/mem" "$2" "$work/$3.dat" <<'PY'
import struct, sys
mem = open(sys.argv[1], "rb").read()
want = sys.argv[2].encode()
def ok(a, n):
    return sum(mem[a:a + n]) & 0xFF == 0
for rsdp in range(0xE0000, 0x100000, 16):
    if mem[rsdp:rsdp + 8] == b"RSD PTR " and ok(rsdp, 20):
        break
else:
    sys.exit("no RSDP in the BIOS area")
rsdt = struct.unpack_from("<I", mem, rsdp + 16)[0]
n = struct.unpack_from("<I", mem, rsdt + 4)[0]
assert mem[rsdt:rsdt + 4] == b"RSDT" and ok(rsdt, n), "bad RSDT"
for i in range((n - 36) // 4):
    at = struct.unpack_from("<I", mem, rsdt + 36 + 4 * i)[0]
    length = struct.unpack_from("<I", mem, at + 4)[0]
    if mem[at:at + 4] == want:
        assert ok(at, length), "bad checksum"
        open(sys.argv[3], "wb").write(mem[at:at + length])
        sys.exit(0)
sys.exit("no %s in the RSDT" % want.decode())
PY
	(cd "$work" && iasl -d "$3.dat" > /dev/null 2>&1)
	{
		echo "/*"
		echo " * The $2 that QEMU's q35 machine builds with -device $1 ($ver),"
		echo " * taken from guest memory by scripts/qemu-tables.sh and decoded by iasl -d."
		echo " */"
		cat "$work/$3.dsl"
	} > "$top/tests/tables/$3.asl"
	echo "wrote tests/tables/$3.asl"
}

grab intel-iommu DMAR qemu-q35-dmar
grab amd-iommu IVRS qemu-q35-ivrs
