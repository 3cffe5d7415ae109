#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Makes sure the Debian packages the build and tests need are present.
# As root it installs what is missing; otherwise it prints the exact
# apt-get line and fails. Usage: scripts/deps.sh [--check]
set -eu

missing=""
need() { # need PACKAGE TEST-COMMAND...
	pkg=$1; shift
	if ! "$@" >/dev/null 2>&1; then
		missing="$missing $pkg"
	fi
}
have() { command -v "$1"; }
header() { test -f "/usr/include/$1"; }

need acpica-tools have iasl
need libcmocka-dev header cmocka.h
need clang have clang
need clang-format have clang-format
need libclang-rt-14-dev sh -c 'ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a'
need python3 have python3
need pkg-config have pkg-config
need binutils have nm
need qemu-system-x86 have qemu-system-x86_64
# GRUB ISOs for BIOS and UEFI (grub-mkrescue), and UEFI firmware for QEMU.
need grub-common have grub-mkrescue
need grub-pc-bin test -f /usr/lib/grub/i386-pc/multiboot2.mod
need grub-efi-amd64-bin test -f /usr/lib/grub/x86_64-efi/multiboot2.mod
need xorriso have xorriso
need mtools have mformat
need ovmf test -f /usr/share/OVMF/OVMF_CODE.fd -a -f /usr/share/OVMF/OVMF_VARS.fd
need jq have jq

[ -z "$missing" ] && exit 0

if [ "${1-}" = "--check" ]; then
	echo "missing packages:$missing" >&2
	exit 1
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "ioguard needs these Debian packages; as root, run:" >&2
	echo "  apt-get update && apt-get install -y$missing" >&2
	exit 1
fi

echo "deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >&2
