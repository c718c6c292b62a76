#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# build-initramfs.sh OUT KDIR PCAPS PROGRAM... - the test guest's root: a
# gzip'd newc cpio with busybox, guest-init.sh as /init, the given
# programs in /usr/local/bin with the shared libraries they load (from ldd,
# at the same paths, with the loader), the public suffix list libpsl reads,
# the captures of PCAPS (and their truth/) in /pcaps and KDIR's modules (fetch-kernel.sh) in
# /modules. The programs are the host's own builds: the same binary runs on
# both kernels.
set -euo pipefail

die() { echo "build-initramfs: $*" >&2; exit 1; }
[ $# -ge 4 ] || die "usage: build-initramfs.sh OUT KDIR PCAPS PROGRAM..."
out=$1 kdir=$2 pcaps=$3; shift 3
here=$(cd "$(dirname "$0")" && pwd)
bb=$(command -v busybox) || die "no busybox (package busybox-static or busybox)"

root=$(mktemp -d /tmp/pktlens-initramfs.XXXXXX)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys,tmp,run,etc,usr/local/bin,pcaps,modules}
cp "$here/guest-init.sh" "$root/init"
chmod 755 "$root/init"

# copy_lib PATH: a library (or the loader) at its own path; symlinks kept as
# files, so that the name ldd printed is what the loader opens.
copy_lib() {
	mkdir -p "$root$(dirname "$1")"
	[ -e "$root$1" ] || cp -L "$1" "$root$1"
}
# copy_libs PROGRAM: what ldd says PROGRAM loads (nothing if static)
copy_libs() {
	# "name => /path (addr)" and the loader's "/path (addr)"; not vdso
	while read -r lib; do
		copy_lib "$lib"
	done < <(ldd "$1" 2> /dev/null |
		sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (.*/\1/p')
}
# busybox-static, or Debian's dynamic busybox with its libraries
cp -L "$bb" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
copy_libs "$bb"
for p in "$@"; do
	[ -x "$p" ] || die "no program $p"
	cp -L "$p" "$root/usr/local/bin/$(basename "$p")"
	copy_libs "$p"
done
# libpsl's default list (psl_latest), as the publicsuffix package installs it
if [ -d /usr/share/publicsuffix ]; then
	mkdir -p "$root/usr/share"
	cp -r /usr/share/publicsuffix "$root/usr/share/"
fi

shopt -s nullglob
caps=("$pcaps"/*.pcap "$pcaps"/*.pcapng)
[ ${#caps[@]} -gt 0 ] || die "no captures in $pcaps"
cp "${caps[@]}" "$root/pcaps/"
# tshark's per-frame truth and the frames where pktlens knowingly differs
# from it, for `pktlens check --strict --known`
[ -d "$pcaps/truth" ] && cp -r "$pcaps/truth" "$root/pcaps/"
known=$here/../check-known-differences.tsv
[ -f "$known" ] && cp "$known" "$root/check-known.tsv"
if [ -f "$kdir/modules/load-order" ]; then
	cp "$kdir"/modules/*.ko "$kdir/modules/load-order" "$root/modules/"
else
	: > "$root/modules/load-order"
fi

(cd "$root" && find . -print0 | sort -z |
	"$bb" cpio -o -H newc -0 2>/dev/null) | gzip -1 > "$out.tmp" ||
	die "cannot write $out"
mv "$out.tmp" "$out"
