#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Boots the shield kernel under QEMU (q35, TCG) with an Intel or an AMD IOMMU.
#
#   scripts/run-qemu.sh KERNEL [extra QEMU arguments...]
#
# Environment:
#   BOOT          how the kernel is loaded: qemu (default: QEMU's own
#                 multiboot loader on SeaBIOS, -kernel), grub-bios (GRUB from
#                 an ISO on SeaBIOS) or grub-uefi (GRUB from the same ISO on
#                 OVMF, UEFI firmware). With GRUB, `-initrd A,B` among the
#                 extra arguments puts A and B on the ISO as the Linux guest.
#   LOADER        with GRUB: multiboot2 (default) or multiboot (v1, BIOS only)
#   RUNDIR        where the ISO and the firmware's variable store go (default:
#                 a temporary directory, removed at the end)
#   OVMF_CODE, OVMF_VARS  the UEFI firmware and its empty variable store
#                 (default: Debian's ovmf package); each run gets a fresh copy
#                 of the store
#   MEM           guest RAM (default 1G)
#   IOMMU         intel (default: -device intel-iommu) or amd (-device amd-iommu)
#   IOMMU_OPTS    appended to the IOMMU device, e.g. aw-bits=48,caching-mode=on
#   APPEND        the kernel command line (default empty)
#   QEMU_TIMEOUT  seconds before QEMU is stopped (default 300)
# Extra arguments go last, so they may add devices or override earlier options.
#
# Prints the QEMU command line (one line, starting with qemu-system-x86_64),
# then the console, without the terminal control sequences firmware sends
# (SeaBIOS's reset and line-wrap-off, OVMF's and GRUB's screen drawing), so
# that the terminal is left as it was. Exits 0 when the kernel called qemu_exit(0), 124 on
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

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rundir=${RUNDIR:-$work}
mkdir -p "$rundir"

case ${BOOT:-qemu} in
qemu) ;;
grub-bios | grub-uefi)
	# The guest's kernel and initrd travel on the ISO, not through -initrd.
	mods=""
	n=$#
	while [ "$n" -gt 0 ]; do
		a=$1
		shift
		n=$((n - 1))
		if [ "$a" = -initrd ] && [ "$n" -gt 0 ]; then
			mods=$1
			shift
			n=$((n - 1))
			continue
		fi
		set -- "$@" "$a"
	done
	iso=$rundir/boot.iso
	if [ -n "$mods" ]; then
		sh "$(dirname "$0")/mkiso.sh" "$iso" "$kernel" "${APPEND:-}" "${mods%%,*}" "${mods#*,}"
	else
		sh "$(dirname "$0")/mkiso.sh" "$iso" "$kernel" "${APPEND:-}"
	fi || exit 1
	;;
*)
	echo "run-qemu: BOOT must be qemu, grub-bios or grub-uefi, not $BOOT" >&2
	exit 2
	;;
esac

# No network card: OVMF would try to boot from it.
case ${BOOT:-qemu} in
qemu)
	set -- -kernel "$kernel" -append "${APPEND:-}" "$@"
	;;
grub-bios)
	set -- -nic none -boot d -cdrom "$iso" "$@"
	;;
grub-uefi)
	code=${OVMF_CODE:-/usr/share/OVMF/OVMF_CODE.fd}
	vars=${OVMF_VARS:-/usr/share/OVMF/OVMF_VARS.fd}
	if [ ! -f "$code" ] || [ ! -f "$vars" ]; then
		echo "run-qemu: no UEFI firmware at $code and $vars (Debian: ovmf)" >&2
		exit 1
	fi
	cp "$vars" "$rundir/OVMF_VARS.fd"
	set -- -nic none -drive "if=pflash,format=raw,unit=0,readonly=on,file=$code" \
		-drive "if=pflash,format=raw,unit=1,file=$rundir/OVMF_VARS.fd" -cdrom "$iso" "$@"
	;;
esac
set -- qemu-system-x86_64 -machine q35 -accel tcg -m "${MEM:-1G}" -nographic -no-reboot \
	-serial stdio -monitor none -device "$iommu" \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 "$@"

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

# QEMU's status reaches us through a file: the console also goes to a log.
# Terminal control sequences are dropped: CSI (ESC [ ... final byte, e.g.
# SeaBIOS's ESC [?7l, OVMF's ESC [=3h), character sets (ESC ( B) and the
# other two-byte escapes (SeaBIOS's ESC c resets the terminal).
esc=$(printf '\033')
{
	timeout -k 10 "$limit" "$@" </dev/null
	echo $? >"$work/status"
} | sed -u -e "s#$esc\[[0-9;?=]*[ -/]*[@-~]##g" -e "s#$esc[()][0-9A-Za-z]##g" \
	-e "s#$esc[^[()]##g" -e "s#$esc\$##" | tee "$work/console"
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
