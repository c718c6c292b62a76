#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# no_false_positives.sh [PCAPS [PKTLENS]] - `pktlens analyze` of every
# capture, with the detections at their defaults, must raise no notice.
#
# The captures (PCAPS, default ../shared/pcaps) are ordinary traffic: web,
# DNS, TLS, ICMP, ARP, malformed packets, IPv6 extension headers. None holds
# a scan, a flood or a tunnel, so every notice is a false positive and fails
# the capture; the notice is printed. A capture that stops at damage
# (exit 1 with "damaged" in the message) is judged on what came before it.
# Prints one line per capture and "N passed, N failed".
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
pcaps=${1:-$root/../shared/pcaps}
pktlens=${2:-${PKTLENS:-$root/build/pktlens}}

die() { echo "no_false_positives: $*" >&2; exit 1; }
[ -x "$pktlens" ] || die "no pktlens binary at $pktlens"
[ -d "$pcaps" ] || die "no capture folder $pcaps"
tmp=$(mktemp -d /tmp/pktlens-nfp.XXXXXX) || die "no temporary folder"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

passed=0 failed=0
shopt -s nullglob
caps=("$pcaps"/*.pcap "$pcaps"/*.pcapng)
[ ${#caps[@]} -gt 0 ] || die "no captures in $pcaps"
for cap in "${caps[@]}"; do
	name=$(basename "$cap")
	out=$tmp/${name%.*}
	mkdir -p "$out"
	timeout 120 "$pktlens" analyze --no-progress --summary --log-dir "$out" "$cap" \
		> /dev/null 2> "$out.err"
	rc=$?
	if [ "$rc" -ne 0 ] && ! grep -q "damaged" "$out.err"; then
		failed=$((failed + 1))
		echo "FAIL $name: pktlens analyze exit status $rc: $(tail -n 1 "$out.err")"
		continue
	fi
	n=$(cat "$out/notice.log" 2>/dev/null | wc -l)
	if [ "$n" -ne 0 ]; then
		failed=$((failed + 1))
		echo "FAIL $name: $n notices:"
		sed 's/^/       /' "$out/notice.log" | head -n 5
	elif ! grep -q "notices: 0;" "$out.err"; then
		failed=$((failed + 1))
		echo "FAIL $name: the detections did not run (no 'notices: 0' in the summary)"
	else
		passed=$((passed + 1))
		echo "ok   $name: no notice"
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
