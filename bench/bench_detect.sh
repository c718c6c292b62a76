#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# bench_detect.sh [PKTLENS] - how fast the detections stop an attack, and
# what that spares the receiver.
#
# Two private network namespaces joined by a veth pair: the attacker
# (10.78.0.2) and the victim (10.78.0.1, a TCP listener on 8080), `pktlens
# run` on the victim's end with the detections at their defaults
# (docs/detections.md). Nothing leaves the namespaces; every attack is
# bounded in packets and time; the trap removes everything.
#
#  1. SYN flood (hping3 --syn -i u20, 60000 packets), pktlens in
#     detect-dry-run: the rate the victim's stack absorbs without drops;
#  2. the same flood, pktlens mitigating: attack start .. first notice,
#     .. 99% of the flood dropped in XDP, and the rate the stack absorbs
#     then;
#  3. the same with sweep-interval 0.2 (the detections run after each sweep);
#  4. a SYN port scan (nmap -sS -T5, ports 1-65535, no retries): start ..
#     notice, .. 99% of the probes dropped;
#  5. the SYN flood from spoofed sources (--rand-source): nobody to ban, the
#     victim's SYNs are limited (syn-flood-limit-pps, 100/s by default):
#     start .. notice, .. 99% dropped, and what still reaches the stack.
# Each phase has a fresh daemon (no ban carried over). Times come from
# bench_detect.py, which samples the attacker's tx counter and the victim's
# IP InReceives every 5 ms. The detection runs after each sweep of the flow
# table (sweep-interval, 1 s by default), which bounds the time to notice.
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
pktlens=${1:-${PKTLENS:-$root/build/pktlens}}
measure=$here/bench_detect.py
peers=$root/tests/integration/attacks_peers.py

die() { echo "bench_detect: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, XDP)"
for t in ip hping3 nmap python3 timeout; do
	command -v "$t" >/dev/null || die "missing tool: $t (scripts/install-deps.sh)"
done
[ -x "$pktlens" ] || die "no pktlens binary at $pktlens"
pktlens=$(cd "$(dirname "$pktlens")" && pwd)/$(basename "$pktlens")

vic=plbd-$$-v att=plbd-$$-a
VIC=10.78.0.1 ATT=10.78.0.2
tmp=$(mktemp -d /tmp/pktlens-bench-detect.XXXXXX) || die "no temporary folder"
pids=() daemon=

cleanup() {
	trap - EXIT INT TERM
	local p n
	for p in "${pids[@]}" $daemon; do kill -KILL "$p" 2>/dev/null; done
	wait 2>/dev/null
	for n in "$vic" "$att"; do
		ip netns pids "$n" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
		ip netns del "$n" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$vic" && ip netns add "$att" || die "cannot create namespaces"
ip link add name eth0 netns "$vic" type veth peer name eth0 netns "$att" || die "no veth"
for n in "$vic" "$att"; do
	ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip -n "$n" link set lo up
	ip -n "$n" link set eth0 up
done
ip -n "$vic" addr add "$VIC/24" dev eth0
ip -n "$att" addr add "$ATT/24" dev eth0
ip netns exec "$vic" python3 "$peers" server "$tmp/server.log" "$VIC" &
pids+=($!)
ip netns exec "$vic" sleep 3600 &
vic_pid=$!
ip netns exec "$att" sleep 3600 &
att_pid=$!
pids+=($vic_pid $att_pid)

start_daemon() {   # start_daemon LOGDIR [OPTIONS...]
	local d=$1; shift
	mkdir -p "$d"
	ip netns exec "$vic" env --default-signal=INT "$pktlens" run -i eth0 --log-dir "$d" "$@" \
		> "$d.out" 2> "$d.err" &
	daemon=$!
	local i
	for ((i = 0; i < 600; i++)); do
		grep -qs attached "$d.err" && break
		kill -0 "$daemon" 2>/dev/null || break
		sleep 0.1
	done
	grep -qs attached "$d.err" || die "daemon did not attach: $(tail -n 2 "$d.err")"
	ip netns exec "$att" ping -c 1 -W 1 "$VIC" > /dev/null 2>&1   # ARP before timing
	sleep 1
}
stop_daemon() {
	kill -INT "$daemon" 2>/dev/null
	( sleep 30; kill -KILL "$daemon" 2>/dev/null ) &
	local k=$!
	wait "$daemon" 2>/dev/null
	kill "$k" 2>/dev/null
	daemon=
}
run_measure() {    # run_measure LOGDIR NOTE SECS CMD...
	local d=$1 note=$2 secs=$3; shift 3
	python3 "$measure" measure "$vic_pid" "$att_pid" "$d/notice.log" "$note" "$secs" -- \
		timeout "$secs" ip netns exec "$att" "$@"
}
get() { python3 -c 'import json,sys; v=json.loads(sys.argv[1]).get(sys.argv[2]); print("-" if v is None else (("%.2f" % v) if isinstance(v, float) else v))' "$1" "$2"; }

FLOOD=(hping3 -q --syn -p 8080 -c 60000 -i u20 "$VIC")
SPOOFED=(hping3 -q --syn --rand-source -p 8080 -c 60000 -i u20 "$VIC")
SCAN=(nmap -n -Pn -sS -T5 --max-retries 0 --host-timeout 25s -p 1-65535 -e eth0 "$VIC")

echo "bench_detect: SYN flood, pktlens in dry run (no drops)"
start_daemon "$tmp/dry" --detect-dry-run true
dry=$(run_measure "$tmp/dry" Flood::SYN_Flood 15 "${FLOOD[@]}")
stop_daemon
echo "bench_detect: SYN flood, pktlens mitigating"
start_daemon "$tmp/syn"
syn=$(run_measure "$tmp/syn" Flood::SYN_Flood 15 "${FLOOD[@]}")
stop_daemon
echo "bench_detect: SYN flood, pktlens mitigating, sweep-interval 0.2"
start_daemon "$tmp/syn5" --sweep-interval 0.2
syn5=$(run_measure "$tmp/syn5" Flood::SYN_Flood 15 "${FLOOD[@]}")
stop_daemon
echo "bench_detect: SYN port scan, pktlens mitigating"
start_daemon "$tmp/scan"
scan=$(run_measure "$tmp/scan" Scan::Port_Scan 30 "${SCAN[@]}")
stop_daemon
echo "bench_detect: spoofed SYN flood, pktlens limiting the destination"
start_daemon "$tmp/spoof"
spoof=$(run_measure "$tmp/spoof" Flood::SYN_Flood 15 "${SPOOFED[@]}")
stop_daemon

echo
printf '%-34s %10s %10s %10s %12s %12s %12s\n' attack notice_s drop99_s sent sent_pps \
	reached_pps replies_pps
row() {
	printf '%-34s %10s %10s %10s %12s %12s %12s\n' "$1" "$(get "$2" notice_s)" \
		"$(get "$2" drop99_s)" "$(get "$2" sent)" "$(get "$2" sent_pps)" \
		"$(get "$2" reached_pps)" "$(get "$2" replies_pps)"
}
row "SYN flood, dry run (no drops)" "$dry"
row "SYN flood, mitigating" "$syn"
row "SYN flood, mitigating, sweep 0.2 s" "$syn5"
row "SYN port scan, mitigating" "$scan"
row "spoofed SYN flood, destination limit" "$spoof"
echo
echo "notice_s: attack start to the first notice; drop99_s: to the first 100 ms from which"
echo "on >= 99% of what the attacker sends never reaches the victim's stack; sent_pps,"
echo "reached_pps (victim's IP InReceives), replies_pps (its TCP OutSegs): over the"
echo "steady part (from drop99_s, or from 1 s in, to the end of sending). The attacker's"
echo "packets are hping3's SYNs and, while they are answered, its kernel's RSTs to the"
echo "victim's SYN-ACKs."
r_dry=$(get "$dry" reached_pps) r_syn=$(get "$syn" reached_pps)
echo "the victim's stack absorbed $r_dry packets/s of the flood without drops, $r_syn with pktlens dropping"
echo "targets: none set for this benchmark (figures only, nothing to mark met or MISSED)"
