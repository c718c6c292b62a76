#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# benign_live.sh [PKTLENS [GEN_MIXED]] - a busy network's benign traffic,
# live through the XDP program at 50,000+ packets/s for 60+ s, raises no
# notice; a short control run shows the same traffic does raise notices
# when a threshold is low enough or the traffic really changes.
#
# The traffic (bench/gen_mixed.c, both directions of every session, written
# afresh each run): 8192 clients, 400 web servers chosen by Zipf's law
# (s = 0.9: the busiest takes 11% of the connections, the next 6%, 4%, ...),
# 4 DNS resolvers. Every TCP connection completes its handshake, carries
# one HTTP GET or TLS ClientHello, is answered (2 to 60 data segments, the
# client ACKing every second segment) and closes with FINs; every DNS query
# gets its answer. One pass is 715,000 packets (35,750 connections, 35,750
# DNS pairs); tcpreplay sends it LOOPS times at PPS packets/s into a veth
# pair whose other end, in a private namespace, `pktlens run` watches
# (nothing else sends there: no addresses, IPv6 off). A pass lasts 13 s,
# longer than a closed connection or DNS exchange stays open (5 s, 10 s),
# so every pass's sessions are new flows again, as ports are reused on a
# real network.
#
# At 55,000 packets/s that is, per second: 2,750 connections and 2,750 DNS
# queries; per client 0.34 connections, 0.34 queries (under example.com,
# 4 or 5 unique names a minute) and about 7 packets; per resolver 690
# queries in and 690 answers out; the busiest server 316 SYNs, 2,500
# packets in and 3,200 out (the next two 1,700 and 1,200 out). Beside the
# default thresholds (docs/detections.md): SYNs to the busiest server
# above syn-flood-rate (200/s), all answered; UDP to a resolver at a third
# of udp-flood-rate (2000/s); no source near source-rate-pps (20000/s) or
# source-rate-bps (50 MB/s; the busiest sends 3.3 MB/s); no unanswered
# probe; the three busiest servers above baseline-min-pps (1000/s).
#
# The config is the defaults except the baseline's clock: baseline-interval
# 2 s and baseline-warmup 30 s (defaults 10 s and 300 s, five times the
# run). So each busy host's baseline is learned over 15 samples, then ~17
# samples of it are judged against it, which the detections' summary line
# ("judged: baseline N samples of M hosts") must show.
#
# Cases:
#   generate      the capture is written (gen_mixed's counts)
#   rate          tcpreplay sent every packet, at >= 50,000 packets/s, for
#                 >= 60 s (its own report)
#   counted       the XDP program counted exactly what was sent, no ring
#                 event was lost, and every connection and DNS exchange of
#                 every pass has its conn record (and its dns, http or ssl
#                 record)
#   no-notice     notice.log is empty and the exit summary counts no notice
#                 (else the first notices are printed)
#   judged        the detections ran (their summary lines), judged baseline
#                 samples, and judged SYN windows at syn-flood-rate answered
#   control-udp-flood, control-baseline
#                 a second daemon with udp-flood-rate 100 (the resolvers get
#                 690/s), baseline-interval 1 s, baseline-warmup 3 s and
#                 baseline-min-pps 100, fed the same capture at a tenth of
#                 PPS for 6 s then at PPS for 5 s, raises Flood::UDP_Flood
#                 against a resolver and Anomaly::Baseline (the step, which
#                 must be threefold at least): the detections see this
#                 traffic and are not blind. detect-dry-run: nothing is
#                 banned or limited there.
#
# Settings (environment): BENIGN_PPS (55000), BENIGN_LOOPS (5),
# BENIGN_KEEP=1 keeps the logs (the folder is printed). With fewer loops the
# rate and duration cases fail: they are the point of the test.
# Touches no host interface: the EXIT/INT/TERM trap kills the daemons and
# tcpreplay and deletes the namespaces. Every wait is bounded.
# Prints one line per case and "N passed, N failed"; exits 0 only if all pass.
set -u
. "$(dirname "$0")/lib.sh"

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
pktlens=${1:-${PKTLENS:-$root/build/pktlens}}
gen=${2:-${GEN_MIXED:-$root/build/gen_mixed}}
ATTACH_SECS=${ATTACH_SECS:-60}    # BPF load + verifier + attach
EXIT_SECS=${EXIT_SECS:-60}        # the last sweep and every record after SIGINT
PPS=${BENIGN_PPS:-55000}          # asked of tcpreplay; 10% above what must be reached
LOOPS=${BENIGN_LOOPS:-5}
KEEP=${BENIGN_KEEP:-0}
MIN_PPS=50000 MIN_SECS=60         # what the run must reach
# One pass of the capture; gen_mixed -t/-d: connections, DNS pairs.
PACKETS=715000 CONNS=35750 DNS_PAIRS=35750 SERVERS=400 ZIPF=0.9

die() { echo "benign_live: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, XDP)"
for t in ip nsenter tcpreplay timeout env awk; do
	command -v "$t" >/dev/null || die "missing tool: $t (scripts/install-deps.sh)"
done
[ -x "$pktlens" ] || die "no pktlens binary at $pktlens"
[ -x "$gen" ] || die "no gen_mixed binary at $gen (make $root/build/gen_mixed)"
pktlens=$(cd "$(dirname "$pktlens")" && pwd)/$(basename "$pktlens")

ns_a=plbn-$$-a ns_b=plbn-$$-b      # namespaces; the veth ends carry the same names
tmp=$(mktemp -d /tmp/pktlens-benign.XXXXXX) || die "cannot create a temporary folder"
pids=()                            # daemons and tcpreplay, for the trap

cleanup() {
	trap - EXIT INT TERM
	local p
	for p in "${pids[@]}"; do
		kill -KILL "$p" 2>/dev/null
	done
	wait 2>/dev/null
	netns_del "$ns_a" "$ns_b"
	if [ "$KEEP" = 1 ]; then echo "benign_live: logs kept in $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'echo "benign_live: interrupted" >&2; exit 130' INT TERM

# replay TAG SECS ARGS...: tcpreplay ARGS from ns_a into the veth, in the
# background (the trap can stop it), killed after SECS; sets rsent, rsecs,
# rpps from its report ("Actual: N packets (B bytes) sent in S seconds").
# Not niced: it is the load, and its rate is what is measured. Paced by
# nanosleep, 20 packets a time, not by its default busy loop on the clock,
# which would take a CPU from the daemon on a 2-CPU machine (at 55,000/s a
# burst every 0.36 ms: the per-second rates are the same).
replay() {
	local tag=$1 secs=$2 p rc; shift 2
	rsent=0 rsecs=0 rpps=0
	in_ns "$ns_a" tcpreplay -i "$ns_a" --timer=nano --pps-multi=20 "$@" \
		> "$tmp/$tag.replay" 2>&1 &
	p=$!
	pids+=("$p")
	timeout_kill "$p" "$secs"
	{ wait "$p"; } 2>/dev/null      # bash's "Killed" notice is noise here
	rc=$?
	read -r rsent rsecs < <(sed -n 's/.*Actual: \([0-9]*\) packets .* sent in \([0-9.]*\) seconds.*/\1 \2/p' \
		"$tmp/$tag.replay" | tail -n 1)
	rsent=${rsent:-0} rsecs=${rsecs:-0}
	rpps=$(awk -v n="$rsent" -v s="$rsecs" 'BEGIN { printf "%d", (s > 0 ? n / s : 0) }')
	[ "$rc" -eq 0 ] || problem "tcpreplay exit status $rc after ${secs}s at most: $(tail -n 2 "$tmp/$tag.replay" | tr '\n' ' ')"
	return "$rc"
}

# timeout_kill PID SECS: SIGKILL PID if it still runs after SECS (a watcher
# in the background, gone with PID).
timeout_kill() {
	( for ((i = 0; i < $2 * 10; i++)); do
		kill -0 "$1" 2>/dev/null || exit 0
		sleep 0.1
	  done
	  kill -KILL "$1" 2>/dev/null ) &
}

# counted TAG: the latest XDP packet count of the daemon's summaries.
counted() {
	sed -n 's/^pktlens: \([0-9]*\) packets,.*/\1/p' "$tmp/$1.err" | tail -n 1
}

# settle TAG N: wait (bounded) until the daemon's periodic summary counts N
# packets: the ring buffer and the flow table have what was sent.
settle() {
	local i
	for ((i = 0; i < 200; i++)); do
		[ "$(counted "$1")" = "$2" ] && return 0
		kill -0 "$daemon" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# stop: SIGINT to the daemon, and its exit (bounded; reap sets drc).
stop() {
	kill -INT "$daemon" 2>/dev/null
	reap
	[ "$drc" -eq 0 ] || problem "pktlens run exit status $drc: $(tail -n 2 "$derr" | tr '\n' ' ')"
}

notes() { cat "$1/notice.log" 2>/dev/null | wc -l; }

veth_pair "$ns_a" "$ns_b" || die "cannot create the namespaces and veth pair"

# --- the capture ---------------------------------------------------------------
cap=$tmp/benign.pcap
if genout=$(nice "$gen" -o "$cap" -n "$PACKETS" -t "$CONNS" -d "$DNS_PAIRS" -S "$SERVERS" \
		-z "$ZIPF" -r "$PPS" 2> "$tmp/gen.err"); then
	echo "     capture: $genout"
else
	problem "gen_mixed failed: $(tail -n 2 "$tmp/gen.err" | tr '\n' ' ')"
fi
finish generate
[ "$failed" -eq 0 ] || { echo "$passed passed, $failed failed"; exit 1; }
eval "$(echo "$genout" | tr ' ' '\n' | grep -E '^(http|tls)=[0-9]+$' | sed 's/^/g_/')"

# --- the run --------------------------------------------------------------------
cat > "$tmp/main.conf" <<EOF
# the defaults, except the baseline's clock: learned over 30 s, judged after
baseline-interval = 2
baseline-warmup = 30
EOF
mkdir -p "$tmp/main"
want=$((PACKETS * LOOPS))
# a summary every 2 s: its count tells when the last packets are in (each
# costs the daemon ~30 ms: the per-source table is read from the kernel)
if start main --config "$tmp/main.conf" --log-dir "$tmp/main" --summary 2; then
	# twice the time it should take, and 10 s
	replay main $((2 * want / PPS + 10)) --pps="$PPS" --loop="$LOOPS" "$cap"
	echo "     replay: $rsent packets in $rsecs s, $rpps packets/s"
	[ "$rsent" -eq "$want" ] || problem "tcpreplay sent $rsent packets of $want"
	[ "$rpps" -ge "$MIN_PPS" ] || problem "$rpps packets/s, below $MIN_PPS"
	awk -v s="$rsecs" -v m="$MIN_SECS" 'BEGIN { exit !(s >= m) }' ||
		problem "$rsecs s of packets, below $MIN_SECS"
	finish rate

	settle main "$rsent" || problem "the daemon's count did not reach $rsent within 20 s (last: $(counted main))"
	stop
	seen=$(counted main)
	lost=$(sed -n 's/.*events lost \([0-9]*\).*/\1/p' "$derr" | tail -n 1)
	[ "${seen:-0}" = "$rsent" ] || problem "XDP counted ${seen:-nothing} packets, tcpreplay sent $rsent"
	[ "${lost:-x}" = 0 ] || problem "${lost:-an unknown number of} ring-buffer events lost"
	for kind in conn:$(((CONNS + DNS_PAIRS) * LOOPS)) dns:$((DNS_PAIRS * LOOPS)) \
		    http:$((g_http * LOOPS)) ssl:$((g_tls * LOOPS)); do
		n=$(wc -l < "$tmp/main/${kind%%:*}.log" 2>/dev/null || echo 0)
		[ "$n" -eq "${kind#*:}" ] || problem "${kind%%:*}.log has $n records, want ${kind#*:}"
	done
	finish counted

	# the exit summary's counts, as the notices in the log
	counts=$(grep '^  notices:' "$derr" | tail -n 1)
	judged=$(grep '^  judged:' "$derr" | tail -n 1)
	n=$(notes "$tmp/main")
	[ "$n" -eq 0 ] || problem "$n notices (the first below)"
	[ -z "$counts" ] || grep -q '^  notices: 0;' <<< "$counts" ||
		problem "the summary counts notices: ${counts#  notices: }"
	finish no-notice
	[ "$n" -eq 0 ] || head -n 5 "$tmp/main/notice.log" | sed 's/^/       /'

	echo "     ${judged#  }"
	[ -n "$counts" ] && [ -n "$judged" ] ||
		problem "no 'notices:' and 'judged:' lines in the exit summary: the detections did not run"
	b=$(sed -n 's/.*judged: baseline \([0-9]*\) samples.*/\1/p' <<< "$judged")
	s=$(sed -n 's/.*at syn-flood-rate but answered \([0-9]*\);.*/\1/p' <<< "$judged")
	[ "${b:-0}" -gt 0 ] || problem "no baseline sample judged (past warm-up, at least baseline-min-pps)"
	[ "${s:-0}" -gt 0 ] || problem "no destination reached syn-flood-rate: the SYN flood detection was not exercised"
	finish judged
else
	finish rate
fi

# --- the control: the same traffic, a low threshold and a real step -------------
# The thresholds are lowered below what this traffic reaches, and the
# baseline (learned over 6 s at a tenth of PPS) sees the rate step up
# tenfold: both must be noticed.
cat > "$tmp/control.conf" <<EOF
udp-flood-rate = 100
# the resolvers answer every query (both directions are replayed): judged
# a flood all the same, as the control must raise one
udp-flood-unanswered = 0
baseline-interval = 1
baseline-warmup = 3
baseline-min-pps = 100
detect-dry-run = true
EOF
mkdir -p "$tmp/control"
if start control --config "$tmp/control.conf" --log-dir "$tmp/control"; then
	low=$((PPS / 10))
	replay control-low 20 --pps="$low" --limit=$((low * 6)) "$cap"
	low_pps=$rpps
	replay control-high 20 --pps="$PPS" --limit=$((PPS * 5)) "$cap"
	stop
	echo "     control: $low_pps packets/s for 6 s, then $rpps packets/s for $rsecs s"
	grep '"note":"Flood::UDP_Flood"' "$tmp/control/notice.log" 2>/dev/null |
		grep -q '"dst":"10\.53\.0\.[1-4]"' ||
		problem "no Flood::UDP_Flood against a resolver with udp-flood-rate 100: $(head -c 300 "$tmp/control/notice.log" 2>/dev/null)"
	finish control-udp-flood
	# below a threefold step, 6 deviations of a baseline learned for 6 s
	# need not be crossed: the control would prove nothing
	[ "$rpps" -ge $((3 * low_pps)) ] ||
		problem "the replay did not step up threefold ($low_pps, then $rpps packets/s): no test of the baseline"
	grep -q '"note":"Anomaly::Baseline"' "$tmp/control/notice.log" 2>/dev/null ||
		problem "no Anomaly::Baseline after the step: $(grep '^  judged:' "$derr" | tail -n 1)"
	finish control-baseline
else
	finish control-udp-flood
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
