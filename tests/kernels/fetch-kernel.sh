#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# fetch-kernel.sh CACHE MODULE... - Debian 12's own kernel image (the 6.1
# that linux-image-amd64 depends on, or $KERNEL_PKG), fetched with
# `apt-get download` into CACHE and unpacked there: vmlinuz and the named
# modules (.ko, with what they depend on). Prints the folder that holds
# them, CACHE/PACKAGE. A kernel image is not installed on the host: it is
# only booted in qemu. Reuses what an earlier run left in CACHE.
set -euo pipefail

die() { echo "fetch-kernel: $*" >&2; exit 1; }
[ $# -ge 1 ] || die "usage: fetch-kernel.sh CACHE MODULE..."
cache=$1; shift

# The package the distribution's meta-package points at: on Debian 12 the
# current linux-image-6.1.0-N-amd64 (N moves with security updates, and the
# archive keeps only the current ones, so it is looked up, not written down).
resolve() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-6\.1\.[0-9][0-9.-]*-amd64\)$/\1/p' | head -n 1
}
pkg=${KERNEL_PKG:-}
if [ -z "$pkg" ]; then
	pkg=$(resolve)
	if [ -z "$pkg" ] && [ "$(id -u)" -eq 0 ]; then
		apt-get update -qq >&2 || true     # stale or missing package lists
		pkg=$(resolve)
	fi
fi
[ -n "$pkg" ] || die "no Debian 12 kernel package found (apt-cache depends linux-image-amd64 names no linux-image-6.1.*-amd64: not Debian 12?); set KERNEL_PKG=linux-image-6.1.0-N-amd64"
case $pkg in *[!A-Za-z0-9.+-]*) die "bad package name '$pkg'" ;; esac

dir=$cache/$pkg
mkdir -p "$dir"
# one run at a time fills the cache (two runs at once would download twice)
exec 9> "$cache/.lock"
flock 9 || die "cannot lock $cache/.lock"
deb=$(ls "$dir"/"${pkg}"_*.deb 2>/dev/null | head -n 1 || true)
if [ -z "$deb" ]; then
	echo "fetch-kernel: downloading $pkg" >&2
	# apt's sandbox user cannot write into a root-owned cache: download
	# as root (the warning about it is expected, the file is checked by apt)
	(cd "$dir" && apt-get download -q "$pkg" 2>&1 | grep -v 'unsandboxed' >&2) ||
		die "apt-get download $pkg failed"
	deb=$(ls "$dir"/"${pkg}"_*.deb 2>/dev/null | head -n 1 || true)
	[ -n "$deb" ] || die "apt-get download $pkg left no .deb in $dir"
fi

# vmlinuz and the module tree's index, once
if ! ls "$dir"/vmlinuz-* > /dev/null 2>&1; then
	tmp=$(mktemp -d "$dir/x.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	dpkg-deb --fsys-tarfile "$deb" |
		tar -x -C "$tmp" --wildcards './boot/vmlinuz-*' './boot/config-*' \
			'./lib/modules/*/modules.order' './lib/modules/*/modules.builtin' ||
		die "cannot unpack $deb"
	mv "$tmp"/lib/modules/*/modules.order "$tmp"/lib/modules/*/modules.builtin "$dir/"
	mv "$tmp"/boot/config-* "$dir/"
	mv "$tmp"/boot/vmlinuz-* "$dir/"   # last: its presence means "unpacked"
	rm -rf "$tmp"
	trap - EXIT
fi
release=$(basename "$(ls "$dir"/vmlinuz-* | head -n 1)")
release=${release#vmlinuz-}

# MODULE and what it depends on (the .modinfo "depends=" field; Debian's
# image has no modules.dep, depmod writes it on installation).
want=("$@")
done_=" "
while [ ${#want[@]} -gt 0 ]; do
	m=${want[0]//-/_}; want=("${want[@]:1}")
	case $done_ in *" $m "*) continue ;; esac
	done_="$done_$m "
	find_mod() {    # the line of modules.order or modules.builtin naming $m
		awk -v m="$m" '{ n = $0; sub(/.*\//, "", n); sub(/\.ko(\.[a-z]+)?$/, "", n);
			gsub(/-/, "_", n); if (n == m) { print; exit } }' "$1"
	}
	rel=$(find_mod "$dir/modules.order")
	if [ -z "$rel" ]; then
		[ -n "$(find_mod "$dir/modules.builtin")" ] && continue  # nothing to load
		die "no module $m in $pkg"
	fi
	ko=$dir/modules/$(basename "${rel%.ko*}").ko
	if [ ! -s "$ko" ]; then
		mkdir -p "$dir/modules"
		# later Debian kernels compress their modules; busybox insmod
		# in the guest takes plain ones
		case $rel in
		*.ko) unpack=cat ;;
		*.ko.xz) unpack="xz -dc" ;;
		*.ko.zst) unpack="zstd -dc" ;;
		*.ko.gz) unpack="gzip -dc" ;;
		*) die "unknown module format: $rel" ;;
		esac
		dpkg-deb --fsys-tarfile "$deb" | tar -x -O "./lib/modules/$release/$rel" |
			$unpack > "$ko.tmp" || die "module $rel is not in $deb"
		mv "$ko.tmp" "$ko"
	fi
	deps=$(tr '\0' '\n' < "$ko" | sed -n 's/^depends=//p' | head -n 1)
	IFS=, read -r -a more <<< "$deps"
	want+=("${more[@]}")
	echo "$(basename "$ko")" >> "$dir/modules/.order.new"
done
# load order: dependencies first (the reverse of discovery)
if [ -f "$dir/modules/.order.new" ]; then
	tac "$dir/modules/.order.new" | awk '!seen[$0]++' > "$dir/modules/load-order"
	rm -f "$dir/modules/.order.new"
fi
echo "$dir"
