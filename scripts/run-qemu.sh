#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Boots the shield kernel under QEMU (q35, TCG) with an Intel or an AMD IOMMU.
#
#   scripts/run-qemu.sh KERNEL [extra QEMU arguments...]
#
# Environment:
#   MEM           guest RAM (default 1G)
#   IOMMU         intel (default: -device intel-iommu) or amd (-device amd-iommu)
#   IOMMU_OPTS    appended to the IOMMU device, e.g. aw-bits=48,caching-mode=on
#   APPEND        the kernel command line (default empty)
#   QEMU_TIMEOUT  seconds before QEMU is stopped (default 300)
# Extra arguments go last, so they may add devices or override earlier options.
#
# Prints the QEMU command line (one line, starting with qemu-system-x86_64),
# then the console. Exits 0 when the kernel called qemu_exit(0), 124 on
# timeout, 1 otherwise (another exit code, a reset, or QEMU failing to start).
set -u

if [ $# -lt 1 ]; then
	echo "usage: $0 KERNEL [extra QEMU arguments...]" >&2
	exit 2
fi
kernel=$1
shift
if [ ! -f "$kernel" ]; then
	echo "run-qemu: no kernel at $kernel" >&2
	exit 1
fi

case ${IOMMU:-intel} in
intel) iommu=intel-iommu ;;
amd) iommu=amd-iommu ;;
*)
	echo "run-qemu: IOMMU must be intel or amd, not $IOMMU" >&2
	exit 2
	;;
esac
iommu=$iommu${IOMMU_OPTS:+,$IOMMU_OPTS}
limit=${QEMU_TIMEOUT:-300}

set -- qemu-system-x86_64 -machine q35 -accel tcg -m "${MEM:-1G}" -nographic -no-reboot \
	-serial stdio -monitor none -device "$iommu" \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	-kernel "$kernel" -append "${APPEND:-}" "$@"

# The command line, each argument quoted for the shell when it needs it.
quote() {
	case $1 in
	'' | *[!A-Za-z0-9_./:=,+@%-]*) printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")" ;;
	*) printf '%s' "$1" ;;
	esac
}
line=""
for a in "$@"; do
	line="$line${line:+ }$(quote "$a")"
done
printf '%s\n' "$line"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# QEMU's status reaches us through a file: the console also goes to a log.
{
	timeout -k 10 "$limit" "$@" </dev/null
	echo $? >"$work/status"
} | tee "$work/console"
status=$(cat "$work/status")

# isa-debug-exit makes qemu_exit(N) status (N << 1) | 1, so qemu_exit(0) and
# QEMU's own failure are both status 1: the kernel's "qemu_exit: N" line
# (boot/serial.c) tells them apart.
code=$(tr -d '\r' <"$work/console" | sed -n 's/^qemu_exit: \([0-9][0-9]*\)$/\1/p' | tail -n 1)
if [ -n "$code" ] && [ "$status" -eq $(((code * 2 + 1) % 256)) ]; then
	[ "$code" -eq 0 ] && exit 0
	echo "run-qemu: kernel exit code $code" >&2
	exit 1
fi
case $status in
124 | 137)
	echo "run-qemu: timed out after $limit s" >&2
	exit 124
	;;
esac
echo "run-qemu: QEMU exited with status $status, the kernel never reached qemu_exit" >&2
exit 1
