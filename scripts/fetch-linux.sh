#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Fetches a Debian kernel (the package a metapackage depends on) without
# installing it: the .deb is downloaded with apt-get and unpacked with
# dpkg -x under OUTDIR.
#
#   scripts/fetch-linux.sh OUTDIR [METAPACKAGE]
#
# METAPACKAGE defaults to linux-image-cloud-amd64, Debian's cloud kernel: the
# smallest and fastest to boot, with VT-d but without an AMD IOMMU driver
# (CONFIG_AMD_IOMMU is not set). linux-image-amd64, the generic kernel, has
# that driver built in: the AMD guest needs it to show what it would see.
#
# Leaves OUTDIR/vmlinuz (the bzImage), OUTDIR/config (the kernel's .config)
# and OUTDIR/version (the kernel release, e.g. 6.1.0-13-cloud-amd64); the
# rest of the package is removed.
# Does nothing when OUTDIR/vmlinuz already exists. Needs Debian's package
# lists: as root it runs `apt-get update` once when they are missing;
# otherwise it prints the command to run and fails.
set -eu

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: $0 OUTDIR [METAPACKAGE]" >&2
	exit 2
fi
out=$1

if [ -f "$out/vmlinuz" ]; then
	exit 0
fi

meta=${2:-linux-image-cloud-amd64}

# The versioned image package the metapackage's candidate depends on.
image_package() {
	apt-cache depends "$meta" 2>/dev/null |
		sed -n 's/^ *Depends: <*\(linux-image-[^ >]*\)>*.*$/\1/p' | head -n 1
}

# Refreshes the package lists (as root; otherwise says how and fails), then
# finds the image package again. $1 says why.
refresh() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "fetch-linux: $1; as root, run:" >&2
		echo "  apt-get update" >&2
		exit 1
	fi
	echo "fetch-linux: $1, running apt-get update" >&2
	apt-get update -qq >&2
	pkg=$(image_package)
	if [ -z "$pkg" ]; then
		echo "fetch-linux: $meta depends on no linux-image package" >&2
		exit 1
	fi
}

pkg=$(image_package)
[ -n "$pkg" ] || refresh "apt knows no $meta (package lists missing?)"

mkdir -p "$out"
dl=$out/deb
rm -rf "$dl" "$out/root"
mkdir -p "$dl"
echo "fetch-linux: downloading $pkg" >&2
# apt-get download writes into the current directory; as root it would
# first try to hand the download to its sandbox user, who may not reach OUTDIR.
sandbox=""
[ "$(id -u)" -eq 0 ] && sandbox="-o APT::Sandbox::User=root"
# shellcheck disable=SC2086
if ! (cd "$dl" && apt-get download -q $sandbox "$pkg" >&2); then
	# Stale lists name a package the registry no longer has: refresh once.
	refresh "the download failed"
	# shellcheck disable=SC2086
	(cd "$dl" && apt-get download -q $sandbox "$pkg" >&2) || exit 1
fi
deb=""
for f in "$dl"/"$pkg"_*.deb; do
	[ -f "$f" ] && deb=$f
done
if [ -z "$deb" ]; then
	echo "fetch-linux: apt-get download left no $pkg .deb in $dl" >&2
	exit 1
fi

dpkg -x "$deb" "$out/root"
image=""
for f in "$out"/root/boot/vmlinuz-*; do
	[ -f "$f" ] && image=$f
done
if [ -z "$image" ]; then
	echo "fetch-linux: $deb holds no boot/vmlinuz-*" >&2
	exit 1
fi
release=${image##*/vmlinuz-}

if [ -f "$out/root/boot/config-$release" ]; then
	cp "$out/root/boot/config-$release" "$out/config"
fi
printf '%s\n' "$release" >"$out/version"
# vmlinuz last, through a rename: its presence means the fetch is complete.
cp "$image" "$out/vmlinuz.tmp"
mv "$out/vmlinuz.tmp" "$out/vmlinuz"
# Nothing else of the package is needed (the guest loads no module).
rm -rf "$out/root" "$dl"
echo "fetch-linux: $out/vmlinuz is Linux $release ($(basename "$deb"))" >&2
