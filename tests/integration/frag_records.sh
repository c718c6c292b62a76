#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# frag_records.sh [PKTLENS] - the records of IP fragments, offline and live.
#
# tests/captures/gen_frags.py writes crafted captures into a temporary
# folder (tiny first fragments of a SYN, overlaps v4 and v6, out of order and
# duplicate fragments, IPv6 fragments behind extension headers, an atomic
# fragment, fragmented DNS responses over IPv4 and IPv6, an HTTP request and
# ClientHellos in fragments, a timeout, evictions, an oversize datagram, ends
# that disagree, a fragment the kernel cuts). For each (PKTLENS: default
# build/pktlens, or $PKTLENS):
#  - "offline NAME": `pktlens analyze` of it, checked by frag_records.py against
#    tshark with IP reassembly on (the DNS, HTTP and SNI fields, and the
#    packets of every 5-tuple direction, each fragment under its datagram's
#    ports) and against the case's weird records and TCP states;
#  - "live NAME": the capture replayed with tcpreplay over a veth pair into
#    `pktlens run` in a private network namespace (one daemon for the cases
#    that take the same options, their captures one after the other); the
#    case's records must be those of the offline run.
# One ok/FAIL/skip line per case, then "N passed, N failed"; exits non-zero
# if a case failed. Everything it creates (namespaces, veth, files) goes in
# the EXIT trap; every wait is bounded.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
root=$(cd "$here/../.." && pwd)
pktlens=${1:-${PKTLENS:-$root/build/pktlens}}
ATTACH_SECS=${ATTACH_SECS:-60}
EXIT_SECS=${EXIT_SECS:-30}
COUNT_SECS=${COUNT_SECS:-30}    # the daemon counting every frame replayed

die() { echo "frag_records: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, XDP)"
for t in ip tcpreplay tshark nsenter timeout; do
	command -v "$t" >/dev/null || die "missing tool: $t (scripts/install-deps.sh)"
done
/usr/bin/python3 -c 'import scapy' 2>/dev/null ||
	die "missing python3-scapy for /usr/bin/python3 (scripts/install-deps.sh)"
[ -x "$pktlens" ] || die "no pktlens binary at $pktlens"
pktlens=$(cd "$(dirname "$pktlens")" && pwd)/$(basename "$pktlens")

ns_a=plr-$$-a ns_b=plr-$$-b
tmp=$(mktemp -d /tmp/pktlens-fragrec.XXXXXX)
pids=()
daemon=
cleanup() {
	local p
	trap - EXIT INT TERM
	for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
	netns_del "$ns_a" "$ns_b"
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'echo "frag_records: interrupted" >&2; exit 130' INT TERM

caps=$tmp/caps
/usr/bin/python3 "$root/tests/captures/gen_frags.py" "$caps" || die "cannot write the captures"
frags() { python3 "$here/frag_records.py" "$@"; }
mapfile -t cases < <(frags list "$caps/cases.json")
[ ${#cases[@]} -gt 0 ] || die "no cases"

# --- offline ----------------------------------------------------------------
for line in "${cases[@]}"; do
	IFS=$'\t' read -r -a f <<< "$line"
	name=${f[0]} cap=$caps/${f[1]} args=("${f[@]:2}")
	mkdir -p "$tmp/$name/off"
	if ! timeout 120 "$pktlens" analyze --no-progress "${args[@]}" --log-dir "$tmp/$name/off" \
			"$cap" > "$tmp/$name/off.out" 2> "$tmp/$name/off.err"; then
		problem "pktlens analyze failed: $(tail -n 2 "$tmp/$name/off.err" | tr '\n' ' ')"
		finish "offline $name"
		continue
	fi
	if frags check "$caps/cases.json" "$name" "$cap" "$tmp/$name/off"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
done

# --- live -------------------------------------------------------------------
veth_pair "$ns_a" "$ns_b" || die "cannot create the namespaces and veth pair"

# The daemon's summary (every second) says how many frames it counted.
counted() { sed -n 's/^pktlens: \([0-9]*\) packets.*/\1/p' "$derr" | tail -n 1; }

# One daemon per group of cases that take the same options, fed their
# captures one after the other; each case's records are told apart by its
# own client addresses.
mapfile -t groups < <(frags groups "$caps/cases.json")
for line in "${groups[@]}"; do
	IFS=$'\t' read -r -a f <<< "$line"
	cap=$caps/${f[0]} live=${f[1]} args=("${f[@]:3}") tag=${f[0]%.pcap}
	IFS=, read -r -a names <<< "${f[2]}"
	mtu=$(frags mtu "$cap") frames=$(frags frames "$cap")
	ip -n "$ns_a" link set "$ns_a" mtu "$mtu" && ip -n "$ns_b" link set "$ns_b" mtu "$mtu" ||
		problem "cannot set MTU $mtu"
	mkdir -p "$tmp/$tag"
	if start "$tag" --log-dir "$tmp/$tag" --summary 1 "${args[@]}"; then
		rate=(--topspeed)
		[ "$live" = timed ] && rate=()  # the capture's own gaps: a timeout in event time
		if ! timeout 60 nsenter --net="/run/netns/$ns_a" -- \
				tcpreplay -q -i "$ns_a" "${rate[@]}" "$cap" > "$tmp/$tag.replay" 2>&1; then
			problem "tcpreplay: $(tail -n 2 "$tmp/$tag.replay" | tr '\n' ' ')"
		fi
		for ((i = 0; i < COUNT_SECS * 10; i++)); do
			[ "$(counted)" = "$frames" ] && break
			sleep 0.1
		done
		[ "$(counted)" = "$frames" ] ||
			problem "the daemon counted $(counted) of $frames frames in ${COUNT_SECS}s"
		kill -INT "$daemon" 2>/dev/null
		reap
		[ "$drc" -eq 0 ] || problem "pktlens run exit status $drc: $(tail -n 2 "$derr" | tr '\n' ' ')"
	fi
	# a problem of the run is every case's
	group_why=("${why[@]}")
	for name in "${names[@]}"; do
		why=("${group_why[@]}")
		if [ ${#why[@]} -gt 0 ] || [ ! -d "$tmp/$name/off" ]; then
			[ -d "$tmp/$name/off" ] || problem "no offline records to compare with"
			finish "live $name"
		elif frags same "$caps/cases.json" "$name" "$tmp/$name/off" "$tmp/$tag"; then
			passed=$((passed + 1))
		else
			failed=$((failed + 1))
		fi
	done
	why=()
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
