#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# hostile_text.sh [PKTLENS] - names from the network that carry terminal
# escape sequences, CR LF and a forged summary line, invalid UTF-8, C1
# controls, a bidi override, DEL, a backslash, a NUL, reach no terminal raw
# and leave every record valid UTF-8 JSON (text_escape.h, docs/records.md).
#
# tests/captures/gen_hostile_text.py writes one capture per hostile string
# (a DNS query, a TLS ClientHello's SNI, an HTTP request's Host and path,
# each as the protocol lets the bytes through), a capture whose DNS tunnel
# notice quotes a hostile domain, and all of them in one capture, with the
# exact texts expected. Cases (PKTLENS: default build/san/pktlens, or
# $PKTLENS):
#  - "records CASE": `pktlens analyze` of CASE's capture: every record line
#    strict UTF-8 and JSON, the case's fields exactly the expected values;
#  - "summary CASE": its `--summary` on stderr: no control byte but LF, no
#    DEL, no C1, no bidi override, and each name line exactly the expected
#    escaped text;
#  - "records all (log files)": the capture of every case into --log-dir;
#  - "live summary", "live records": the capture of every case replayed with
#    tcpreplay over a veth pair into `pktlens run --summary 1` in a private
#    network namespace: the daemon's periodic lines and its records, checked
#    the same way;
#  - "demo output": `pktlens demo` on that capture and one whose file name
#    holds escape sequences: its lines and the daemon's summary, as above.
# One ok/FAIL line per case, then "N passed, N failed"; exits non-zero if a
# case failed. Everything it creates goes in the EXIT trap; every wait is
# bounded.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
root=$(cd "$here/../.." && pwd)
pktlens=${1:-${PKTLENS:-$root/build/san/pktlens}}
ATTACH_SECS=${ATTACH_SECS:-60}
EXIT_SECS=${EXIT_SECS:-30}
COUNT_SECS=${COUNT_SECS:-30}    # the daemon counting every frame replayed
# the notice case: three unique names, in a burst, are enough (by default,
# unique names are one weak sign among several, docs/detections.md)
DET=(--dns-subdomains 3 --dns-sustain 0 --dns-notice-score 1)

die() { echo "hostile_text: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root (XDP, network namespaces)"
for t in ip tcpreplay nsenter timeout; do
	command -v "$t" >/dev/null || die "missing tool: $t (scripts/install-deps.sh)"
done
/usr/bin/python3 -c 'import scapy' 2>/dev/null ||
	die "missing python3-scapy for /usr/bin/python3 (scripts/install-deps.sh)"
[ -x "$pktlens" ] || die "no pktlens binary at $pktlens"
pktlens=$(cd "$(dirname "$pktlens")" && pwd)/$(basename "$pktlens")

ns_a=plh-$$-a ns_b=plh-$$-b
tmp=$(mktemp -d /tmp/pktlens-hostile.XXXXXX)
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
trap 'echo "hostile_text: interrupted" >&2; exit 130' INT TERM

caps=$tmp/caps
/usr/bin/python3 "$root/tests/captures/gen_hostile_text.py" "$caps" || die "cannot write the captures"
ht() { /usr/bin/python3 "$here/hostile_text.py" "$@"; }
mapfile -t cases < <(ht list "$caps/cases.json")
[ ${#cases[@]} -gt 0 ] || die "no cases"

# check NAME CMD...: CMD's lines are the case's problems.
check() {
	local name=$1 out
	shift
	out=$("$@" 2>&1) || problem "${out//$'\n'/; }"
	finish "$name"
}

# --- offline ----------------------------------------------------------------
for name in "${cases[@]}"; do
	if ! timeout 120 "$pktlens" analyze --no-progress --summary "${DET[@]}" \
			"$caps/$name.pcap" > "$tmp/$name.json" 2> "$tmp/$name.err"; then
		problem "pktlens analyze failed: $(tail -n 2 "$tmp/$name.err" | tr '\n' ' ')"
		finish "records $name"
		continue
	fi
	check "records $name" ht records "$caps/cases.json" "$name" "$tmp/$name.json"
	check "summary $name" ht terminal "$caps/cases.json" "$name" "$tmp/$name.err"
done

mkdir -p "$tmp/all"
if timeout 120 "$pktlens" analyze --no-progress "${DET[@]}" --log-dir "$tmp/all" \
		"$caps/all.pcap" > "$tmp/all.out" 2> "$tmp/all.err"; then
	check "records all (log files)" ht records "$caps/cases.json" all "$tmp/all"/*.log
else
	problem "pktlens analyze failed: $(tail -n 2 "$tmp/all.err" | tr '\n' ' ')"
	finish "records all (log files)"
fi

# --- live -------------------------------------------------------------------
veth_pair "$ns_a" "$ns_b" || die "cannot create the namespaces and veth pair"
counted() { sed -n 's/^pktlens: \([0-9]*\) packets.*/\1/p' "$derr" | tail -n 1; }
all_counted() { [ "$(counted)" = "$frames" ]; }
summaries() { grep -c '^  dns names:' "$derr"; }
more_summaries() { [ "$(summaries)" -gt "$1" ]; }
frames=$(ht frames "$caps/all.pcap")
mkdir -p "$tmp/live"
if start live --log-dir "$tmp/live" --summary 1 "${DET[@]}"; then
	timeout 60 nsenter --net="/run/netns/$ns_a" -- \
		tcpreplay -q -i "$ns_a" --topspeed "$caps/all.pcap" > "$tmp/replay.out" 2>&1 ||
		problem "tcpreplay: $(tail -n 2 "$tmp/replay.out" | tr '\n' ' ')"
	wait_until "$COUNT_SECS" all_counted ||
		problem "the daemon counted $(counted) of $frames frames in ${COUNT_SECS}s"
	# one more summary after the last frame: the names of every record
	wait_until "$COUNT_SECS" more_summaries "$(summaries)" ||
		problem "no summary within ${COUNT_SECS}s"
	kill -INT "$daemon" 2>/dev/null
	reap
	[ "$drc" -eq 0 ] || problem "pktlens run exit status $drc: $(tail -n 2 "$derr" | tr '\n' ' ')"
fi
live_why=("${why[@]}")
if [ ${#why[@]} -eq 0 ]; then
	check "live summary" ht terminal "$caps/cases.json" any "$derr"
else
	finish "live summary"
fi
why=("${live_why[@]}")
if [ ${#why[@]} -eq 0 ]; then
	check "live records" ht records "$caps/cases.json" all "$tmp/live"/*.log
else
	finish "live records"
fi

# --- demo -------------------------------------------------------------------
# `pktlens demo` on the capture of every case and a capture whose file name
# is hostile too (a folder of captures from elsewhere): its own lines and
# the daemon's summary it shows.
demo_caps=$tmp/demo-caps
mkdir -p "$demo_caps"
cp "$caps/all.pcap" "$demo_caps/" && cp "$caps/clean.pcap" "$demo_caps/"$'\e]0;file\a\e[2J.pcap' ||
	problem "cannot copy the captures"
if timeout 120 "$pktlens" demo --pcaps "$demo_caps" --log-dir "$tmp/demo-logs" --summary 1 \
		> "$tmp/demo.out" 2> "$tmp/demo.err" < /dev/null; then
	grep -qxF '  [ 1/2] \x1b]0;file\x07\x1b[2J.pcap              11 packets' "$tmp/demo.out" ||
		problem "no escaped file name in: $(grep -a '1/2' "$tmp/demo.out" | cat -v)"
	cat "$tmp/demo.out" "$tmp/demo.err" > "$tmp/demo.all"
	check "demo output" ht terminal "$caps/cases.json" any "$tmp/demo.all"
else
	problem "pktlens demo failed: $(tail -n 2 "$tmp/demo.err" | tr '\n' ' ')"
	finish "demo output"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
