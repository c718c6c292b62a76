#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# l7_limits.sh [PKTLENS] - L7 names at their limits, offline.
#
# tests/captures/gen_l7_limits.py writes crafted captures into a temporary
# folder: DNS names of 127 labels, 253 characters and 40 labels (a tunnel:
# the detection must see the queries), a compression pointer loop; HTTP
# requests with a 600-byte request line, with Host past the kernel's window
# and past all the collector reads; an SNI of 300 bytes. For each, "NAME":
# `pktlens analyze` of it (PKTLENS: default build/pktlens, or $PKTLENS),
# its records checked by l7_limits.py against the case's expectations and
# tshark's fields. One ok/FAIL line per case, then "N passed, N failed";
# exits non-zero if a case failed. Its files go in the EXIT trap.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
root=$(cd "$here/../.." && pwd)
pktlens=${1:-${PKTLENS:-$root/build/pktlens}}
RUN_SECS=${RUN_SECS:-120}

die() { echo "l7_limits: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root (the XDP program runs in the kernel)"
command -v tshark >/dev/null || die "missing tool: tshark (scripts/install-deps.sh)"
/usr/bin/python3 -c 'import scapy' 2>/dev/null ||
	die "missing python3-scapy for /usr/bin/python3 (scripts/install-deps.sh)"
[ -x "$pktlens" ] || die "no pktlens binary at $pktlens"

tmp=$(mktemp -d /tmp/pktlens-l7.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
trap 'echo "l7_limits: interrupted" >&2; exit 130' INT TERM

caps=$tmp/caps
/usr/bin/python3 "$root/tests/captures/gen_l7_limits.py" "$caps" || die "cannot write the captures"
mapfile -t cases < <(/usr/bin/python3 -c 'import json, sys
for c in json.load(open(sys.argv[1])): print(c["name"])' "$caps/cases.json")
[ ${#cases[@]} -gt 0 ] || die "no cases"

for c in "${cases[@]}"; do
	out=$tmp/$c.json
	if ! timeout "$RUN_SECS" "$pktlens" analyze --no-progress "$caps/$c.pcap" \
		> "$out" 2> "$tmp/$c.err"; then
		problem "analyze failed: $(head -c 300 "$tmp/$c.err")"
	else
		while IFS= read -r line; do
			problem "$line"
		done < <(/usr/bin/python3 "$here/l7_limits.py" "$caps/cases.json" "$c" "$out" 2>&1)
	fi
	finish "$c"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
