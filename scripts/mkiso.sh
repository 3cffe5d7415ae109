#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# A GRUB ISO (BIOS and UEFI, grub-mkrescue) that boots the shield kernel
# with boot/grub/grub.cfg, the one menu every GRUB boot uses. The ISO's
# layout is an installed system's (README, "Booting the kernel on a real
# machine"): the menu, the kernel and its options in /boot/ioguard, reached
# from GRUB's own menu by `configfile`.
#
#   scripts/mkiso.sh OUT.iso KERNEL [OPTIONS [VMLINUZ INITRD]]
#
# OPTIONS is the kernel's command line (ioguard.cfg's ioguard_options);
# VMLINUZ and INITRD, when given, go beside the kernel as the Linux guest.
# LOADER=multiboot picks multiboot (v1) instead of multiboot2 (BIOS only).
set -eu

if [ $# -ne 2 ] && [ $# -ne 3 ] && [ $# -ne 5 ]; then
	echo "usage: $0 OUT.iso KERNEL [OPTIONS [VMLINUZ INITRD]]" >&2
	exit 2
fi
out=$1 kernel=$2 options=${3:-}
here=$(dirname "$0")
case $options in
*'"'* | *'\'* | *'$'*)
	echo "mkiso: the options may not hold \", \\ or \$" >&2
	exit 2
	;;
esac
case ${LOADER:-multiboot2} in
multiboot | multiboot2) ;;
*)
	echo "mkiso: LOADER must be multiboot or multiboot2, not $LOADER" >&2
	exit 2
	;;
esac

tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
mkdir -p "$tree/boot/grub" "$tree/boot/ioguard"
printf '%s\n' "# GRUB's menu on the ISO: the shield's, as from a machine's own GRUB." \
	"configfile /boot/ioguard/grub.cfg" >"$tree/boot/grub/grub.cfg"
cp "$here/../boot/grub/grub.cfg" "$tree/boot/ioguard/grub.cfg"
cp "$kernel" "$tree/boot/ioguard/shield.elf"
printf 'set ioguard_options="%s"\nset ioguard_loader=%s\n' "$options" "${LOADER:-multiboot2}" \
	>"$tree/boot/ioguard/ioguard.cfg"
if [ $# -eq 5 ]; then
	cp "$4" "$tree/boot/ioguard/vmlinuz"
	cp "$5" "$tree/boot/ioguard/initrd.img"
fi
mkdir -p "$(dirname "$out")"
if ! grub-mkrescue -o "$out" "$tree" >"$tree.log" 2>&1; then
	cat "$tree.log" >&2
	rm -f "$tree.log"
	exit 1
fi
rm -f "$tree.log"
