#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# `ioguard plan` inside Linux on QEMU's VT-d and on QEMU's AMD IOMMU, checked
# against the shield kernel on the same QEMU configuration (the e2e matrix's
# "default" and "amd-default": two edus, the second granted to the VMM):
#
#   1. the shield kernel applies itself and prints where it placed every PCI
#      function (PLACE lines);
#   2. Debian's Linux boots directly on QEMU (no shield: it sees the DMAR or
#      IVRS) with an initramfs holding the tool; /init runs
#      `ioguard plan --json --save /save --grant <second edu>` and prints the
#      saved files on the console (tests/guest/plan-init.c);
#   3. the units, domains and placement of every function must be the
#      shield's; the saved root, rebuilt here, replayed with the host's
#      `ioguard plan --root` must give the same JSON.
#
# Debian's cloud kernel serves both IOMMUs: the plan reads tables and sysfs,
# it needs no IOMMU driver (the cloud kernel has no AMD one).
# iomem=relaxed lets /dev/mem reach the units' registers (the kernels are
# built with IO_STRICT_DEVMEM): the plan uses the live CAP/ECAP and EFR.
# usage: tests/plan/guest.sh SHIELD_KERNEL LINUX INITRAMFS HOST_TOOL WORKDIR
set -u
kernel=$1 linux=$2 initrd=$3 tool=$4 work=$5
here=$(dirname "$0")
run=$here/../../scripts/run-qemu.sh
protect=0x30000000+0x4000000
buffer=0x30000000+0x1000
fail=0
rm -rf "$work/intel" "$work/amd"

for iommu in intel amd; do
	dir=$work/$iommu
	mkdir -p "$dir"
	opts=""
	[ "$iommu" = amd ] && opts=intremap=on
	start=$(date +%s)
	IOMMU=$iommu IOMMU_OPTS=$opts QEMU_TIMEOUT=${QEMU_TIMEOUT:-240} \
		sh "$run" "$kernel" -device edu -device edu >"$dir/shield.log" 2>&1
	edu=$(tr -d '\r' <"$dir/shield.log" | sed -n 's/^edu 1 at \([0-9a-f:.]*\),.*/\1/p')
	if [ -z "$edu" ]; then
		echo "plan-guest: $iommu: the shield kernel found no second edu; log: $dir/shield.log"
		fail=$((fail + 1))
		continue
	fi
	shield_secs=$(($(date +%s) - start))
	start=$(date +%s)
	IOMMU=$iommu IOMMU_OPTS=$opts QEMU_TIMEOUT=${QEMU_TIMEOUT:-240} \
		APPEND="console=ttyS0 panic=-1 quiet iomem=relaxed -- --protect $protect --grant $edu:$buffer" \
		sh "$run" "$linux" -initrd "$initrd" -device edu -device edu >"$dir/linux.log" 2>&1
	linux_secs=$(($(date +%s) - start))
	if ! grep -q "^PLAN-DONE" "$dir/linux.log"; then
		echo "plan-guest: $iommu: the guest never finished; log: $dir/linux.log"
		fail=$((fail + 1))
		continue
	fi
	# The saved root first (compare.py writes it), then the host's replay of it.
	python3 "$here/compare.py" "$iommu" "$dir/shield.log" "$dir/linux.log" "$dir/save" \
		>/dev/null 2>&1
	"$tool" plan --json --root "$dir/save" --protect $protect --grant "$edu:$buffer" \
		>"$dir/replay.json"
	if ! python3 "$here/compare.py" "$iommu" "$dir/shield.log" "$dir/linux.log" \
		"$dir/save" "$dir/replay.json"; then
		fail=$((fail + 1))
		continue
	fi
	echo "plan-guest: $iommu: shield kernel ${shield_secs} s, Linux and the plan ${linux_secs} s"
done
if [ "$fail" -ne 0 ]; then
	echo "plan-guest: $fail configuration(s) failed"
	exit 1
fi
echo "plan-guest: both IOMMUs agree"
