#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# live_vs_offline.sh [PCAPS [PKTLENS]] - every capture through the live daemon
# and the offline analyzer; both must give the same records, and both must
# agree with tshark's truth.
#
# For every PCAPS/*.pcap (default ../shared/pcaps; PKTLENS default
# build/pktlens, or $PKTLENS):
#  1. offline: `pktlens analyze FILE --log-dir OFF`;
#  2. live: two private network namespaces joined by a veth pair (no
#     addresses, IPv6 off so the kernel sends nothing of its own), `pktlens
#     run` attached to the receiving end, the capture replayed into the other
#     end with tcpreplay, then SIGINT (the daemon flushes its records on exit);
#  3. lvo.py compares OFF and LIVE with each other and both with tshark
#     (PCAPS/truth/NAME.tsv, and tshark run on FILE for the DNS
#     transactions), and prints one line per file.
# Differences that are understood are listed, with their reason, in
# known-differences.tsv beside this script, each by the exact text of the
# differing item; nothing else is excused, and a row that excuses nothing
# fails its file (the list is checked as a whole first, as one more case).
# What is compared, and how fragments, ICMP and DNS are matched with the
# truth, is documented in lvo.py (Logs.directions, read_truth, tshark_dns).
#
# Link types: Ethernet (1) captures are replayed as they are. Raw IP (101,
# 228, 229) and Linux SLL (113, 276) cannot go onto a veth as they are; lvo.py
# gives them the synthetic Ethernet header the offline analyzer also builds
# (zero MACs, EtherType from the IP version / SLL protocol field). tcprewrite
# is not used: Debian 12's 4.4.3 mangles every one of these link types (see
# lvo.py for how). The offline run reads the original file.
#
# Touches no real interface: everything lives in the two namespaces, and the
# EXIT/INT/TERM trap stops the daemon and deletes them (deleting a namespace
# deletes its veth end) whatever happens. Every wait is bounded and waits
# for a condition: the daemon's "attached", every frame sent counted by
# XDP (the veth's own xdp_packets), the daemon gone.
# Prints one line per file and "N passed, N failed" over files; exits 0 only
# if every file agrees.
set -u
. "$(dirname "$0")/lib.sh"

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
pcaps=${1:-$root/../shared/pcaps}
pktlens=${2:-${PKTLENS:-$root/build/pktlens}}
known=$here/known-differences.tsv
ATTACH_SECS=${ATTACH_SECS:-60}    # BPF load + verifier + attach
EXIT_SECS=${EXIT_SECS:-30}        # flush of all records after SIGINT
REPLAY_SECS=${REPLAY_SECS:-120}
SETTLE_SECS=${SETTLE_SECS:-10}    # for the last frames sent to have run through XDP
# tcpreplay speed: --topspeed gives exact counts over a veth here; set
# REPLAY_RATE="--pps=5000" for a gentler rate.
REPLAY_RATE=${REPLAY_RATE:---topspeed}
LVO_ONLY=${LVO_ONLY:-*}           # a glob: only the captures it matches
LVO_KEEP=${LVO_KEEP:-0}           # 1: keep the logs (the folder is printed)

die() { echo "live_vs_offline: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, XDP)"
for t in ip tcpreplay tshark ethtool python3 timeout sysctl env; do
	command -v "$t" >/dev/null || die "missing tool: $t (scripts/install-deps.sh)"
done
[ -x "$pktlens" ] || die "no pktlens binary at $pktlens"
[ -d "$pcaps" ] || die "no capture folder $pcaps"
# Resolve now: the daemon runs through `ip netns exec`, so no relative paths.
pktlens=$(cd "$(dirname "$pktlens")" && pwd)/$(basename "$pktlens")
"$pktlens" run --help >/dev/null 2>&1 || die "$pktlens has no working 'run' command"
"$pktlens" analyze --help >/dev/null 2>&1 || die "$pktlens has no working 'analyze' command"

ns_a=plt-$$-a ns_b=plt-$$-b      # namespaces; the veth ends carry the same names
tmp=$(mktemp -d /tmp/pktlens-lvo.XXXXXX)
daemon=

stop_daemon() {         # SIGINT, a bounded wait, then SIGKILL
	[ -n "$daemon" ] || return 0
	kill -INT "$daemon" 2>/dev/null
	local i
	for ((i = 0; i < EXIT_SECS * 10; i++)); do
		kill -0 "$daemon" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$daemon" 2>/dev/null; then
		echo "live_vs_offline: daemon did not exit ${EXIT_SECS}s after SIGINT; killed" >&2
		kill -KILL "$daemon" 2>/dev/null
		wait "$daemon" 2>/dev/null
		daemon=
		return 1
	fi
	wait "$daemon" 2>/dev/null
	local rc=$?
	daemon=
	return $rc
}

cleanup() {
	trap - EXIT INT TERM
	stop_daemon >/dev/null 2>&1
	netns_del "$ns_a" "$ns_b"
	if [ "$LVO_KEEP" = 1 ]; then echo "live_vs_offline: logs kept in $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'echo "live_vs_offline: interrupted" >&2; exit 130' INT TERM

# --- the two namespaces and the veth pair ---------------------------------
veth_pair "$ns_a" "$ns_b" || die "cannot create the namespaces and veth pair"

# --- one capture ------------------------------------------------------------
# Problems on the way go to the notes file ("check<TAB>item" lines), which
# lvo.py counts as differences (so the known-differences list can excuse
# them); run_live fails, and $note says why, only if there is nothing to
# compare (the daemon never attached).
run_live() {
	local cap=$1 mtu=$2 dir=$3 notes=$4
	note=
	if ! { ip -n "$ns_a" link set "$ns_a" mtu "$mtu" && ip -n "$ns_b" link set "$ns_b" mtu "$mtu"; }; then
		note="cannot set MTU $mtu"
		return 1
	fi
	# Backgrounded commands of a non-interactive shell ignore SIGINT; env
	# gives the daemon the default disposition back (it installs its own).
	ip netns exec "$ns_b" env --default-signal=INT "$pktlens" run -i "$ns_b" \
		--log-dir "$dir" > "$dir.out" 2> "$dir.err" &
	daemon=$!
	local i
	for ((i = 0; i < ATTACH_SECS * 10; i++)); do
		grep -qs attached "$dir.err" && break
		kill -0 "$daemon" 2>/dev/null || break
		sleep 0.1
	done
	if ! grep -qs attached "$dir.err"; then
		note="daemon did not report 'attached': $(tail -n 3 "$dir.err" | tr '\n' ' ')"
		stop_daemon
		return 1
	fi
	local seen0 seen
	seen0=$(xdp_seen "$ns_b" "$ns_b")
	timeout --foreground "$REPLAY_SECS" ip netns exec "$ns_a" \
		tcpreplay -q -i "$ns_a" $REPLAY_RATE "$cap" > "$dir.replay" 2>&1
	local rc=$? sent ok
	# What counts is that every frame went out; a damaged file makes
	# tcpreplay exit non-zero after the frames before the damage, as the
	# analyzer stops there too.
	sent=$(sed -n 's/.*Failed packets: *\([0-9]*\).*/\1/p' "$dir.replay" | head -n 1)
	if [ "$rc" -eq 124 ]; then
		printf 'replay\ttcpreplay timed out after %ss\n' "$REPLAY_SECS" >> "$notes"
	elif [ -z "$sent" ]; then
		printf 'replay\ttcpreplay: %s\n' "$(tail -n 2 "$dir.replay" | tr '\n' ' ')" >> "$notes"
	elif [ "$sent" != 0 ]; then
		printf 'replay\ttcpreplay could not send %s frames\n' "$sent" >> "$notes"
	fi
	# Every frame sent has run through XDP before the daemon is stopped
	# (on SIGINT it reads what XDP left: the ring buffer, the flow table).
	ok=$(sed -n 's/.*Successful packets: *\([0-9]*\).*/\1/p' "$dir.replay" | head -n 1)
	if [ -n "$ok" ] && ! wait_until "$SETTLE_SECS" xdp_reached "$((seen0 + ok))"; then
		seen=$(xdp_seen "$ns_b" "$ns_b")
		printf 'replay\tonly %s of the %s frames sent ran through XDP within %ss\n' \
			"$((seen - seen0))" "$ok" "$SETTLE_SECS" >> "$notes"
	fi
	stop_daemon
	rc=$?
	[ "$rc" -eq 0 ] || printf 'daemon\tpktlens run exit status %s: %s\n' "$rc" \
		"$(tail -n 2 "$dir.err" | tr '\n' ' ')" >> "$notes"
	# Ring-buffer losses (the daemon's exit summary) explain missing records.
	local lost
	lost=$(sed -n 's/.*events lost \([0-9]*\).*/\1/p' "$dir.err" | tail -n 1)
	[ "${lost:-0}" = 0 ] || printf 'daemon\tpktlens run lost %s ring-buffer events (try REPLAY_RATE=--pps=N)\n' \
		"$lost" >> "$notes"
	return 0
}

# xdp_reached N: XDP on ns_b has run on N frames since the namespaces exist
xdp_reached() { [ "$(xdp_seen "$ns_b" "$ns_b")" -ge "$1" ]; }

passed=0 failed=0
fail() { failed=$((failed + 1)); printf 'FAIL %-34s %s\n' "$name" "$*"; }
# The list itself: rows well formed, none twice, every file a capture here.
if python3 "$here/lvo.py" known "$known" "$pcaps"; then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
fi
shopt -s nullglob
caps=("$pcaps"/$LVO_ONLY.pcap)
[ ${#caps[@]} -gt 0 ] || die "no *.pcap in $pcaps"
for cap in "${caps[@]}"; do
	name=$(basename "$cap")
	w=$tmp/${name%.pcap}
	notes=$w/notes
	mkdir -p "$w/off" "$w/live"
	: > "$notes"
	truth=$pcaps/truth/${name%.pcap}.tsv
	if [ ! -r "$truth" ]; then fail "no truth file $truth"; continue; fi
	timeout --foreground 120 "$pktlens" analyze "$cap" --log-dir "$w/off" > "$w/off.out" 2> "$w/off.err"
	rc=$?
	if [ "$rc" -eq 124 ]; then fail "pktlens analyze timed out"; continue; fi
	if [ "$rc" -ne 0 ]; then
		# The capture's name, not its path: a known difference names the
		# item exactly, wherever PCAPS is.
		msg=$(tail -n 2 "$w/off.err" | tr '\n' ' ')
		msg=${msg//"$cap"/$name}
		printf 'analyze\tpktlens analyze exit status %s: %s\n' "$rc" "${msg% }" >> "$notes"
	fi
	if ! read -r replay mtu _ < <(python3 "$here/lvo.py" prep "$cap" "$w"); then
		fail "cannot prepare the capture for replay"
		continue
	fi
	if ! run_live "$replay" "$mtu" "$w/live" "$notes"; then
		fail "live run: $note"
		continue
	fi
	if python3 "$here/lvo.py" compare "$name" "$w/off" "$w/live" "$cap" "$truth" "$known" "$notes"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
