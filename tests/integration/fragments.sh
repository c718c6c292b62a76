#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# fragments.sh [PKTLENS] - fragmented SYNs against a port the rules deny,
# live: no fragment gets a connection past `pktlens run` (RFC 1858, 3128;
# docs/rules.md, Fragments), and a fragmented datagram that is allowed
# still arrives whole.
#
# Two private network namespaces joined by a veth pair: the attacker
# (10.77.0.1 and 10.77.0.3, fd77::1) and the victim (10.77.0.2, fd77::2),
# which listens on TCP 22 and 2222 and UDP 5000 (fragments_peers.py) and is
# watched by `pktlens run --rules` holding `deny 10.77.0.1 proto tcp port
# 22` (and the same for fd77::1). Cases:
#   - the positive signal first: from 10.77.0.3, which no rule names, the
#     same tools' fragmented SYNs to port 22 are answered, and the victim's
#     XDP counts their fragments;
#   - nmap -f, nmap --mtu 8, nmap --mtu 16 and hping3 -f SYNs to port 22 are
#     never answered (nmap's report, hping3's count), while XDP counts and
#     drops fragments of them (the summary's fragments and malformed lines);
#   - IPv6 SYNs in fragments behind hop-by-hop and destination options
#     (scapy), the first fragment whole or tiny: unanswered on 22, answered
#     on 2222;
#   - a 4000-byte UDP datagram over the 1500-byte MTU reaches the listener
#     whole, its fragments tracked;
#   - the same attacks with a ban (`pktlens bans add`) instead of the rule;
#   - the control: with fragment-tracking = no the nmap -f SYN to port 22 IS
#     answered, so this test can see a bypass.
# Needs root, nmap, hping3, python3-scapy (scripts/install-deps.sh). Every
# wait is bounded; the EXIT/INT/TERM trap kills what it started and removes
# the namespaces and the pin folder. Prints one line per case and "N passed,
# N failed"; exits 0 only if all pass.
set -u
. "$(dirname "$0")/lib.sh"

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
pktlens=${1:-${PKTLENS:-$root/build/pktlens}}
peers=$here/fragments_peers.py
ATTACH_SECS=${ATTACH_SECS:-60}
EXIT_SECS=${EXIT_SECS:-20}
WAIT_SECS=${WAIT_SECS:-15}       # for a count to show in the summary
PY=/usr/bin/python3             # Debian's, with python3-scapy

die() { echo "fragments: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, XDP)"
for t in ip nsenter nmap hping3 ss timeout env sysctl; do
	command -v "$t" >/dev/null || die "missing tool: $t (scripts/install-deps.sh)"
done
"$PY" -c 'import scapy.all' 2>/dev/null || die "missing python3-scapy for $PY (scripts/install-deps.sh)"
[ -x "$pktlens" ] || die "no pktlens binary at $pktlens"
pktlens=$(cd "$(dirname "$pktlens")" && pwd)/$(basename "$pktlens")

ns_a=plfr-$$-a ns_b=plfr-$$-b
A=10.77.0.1 B=10.77.0.2 A2=10.77.0.3 A6=fd77::1 B6=fd77::2
pin=/sys/fs/bpf/pktlens-frag-$$         # the ban case's, to find its daemon
tmp=$(mktemp -d /tmp/pktlens-frag.XXXXXX) || die "cannot create a temporary folder"
export PKTLENS_STATE_DIR=$tmp/state
pids=()
daemon=

cleanup() {
	trap - EXIT INT TERM
	local p
	{
		for p in "${pids[@]}"; do
			kill -KILL "$p"
		done
		for p in "$ns_a" "$ns_b"; do
			ip netns pids "$p" | xargs -r kill -KILL
		done
		wait
	} 2>/dev/null                   # bash's "Killed" job notices are noise here
	rm -rf "$pin"
	netns_del "$ns_a" "$ns_b"
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'echo "fragments: interrupted" >&2; exit 130' INT TERM

veth_pair "$ns_a" "$ns_b" "$A/24" "$B/24" || die "cannot create the namespaces and veth pair"
# IPv6 back on for the IPv6 cases (veth_pair turns it off); no DAD wait
for n in "$ns_a" "$ns_b"; do
	ip netns exec "$n" sysctl -qw "net.ipv6.conf.$n.disable_ipv6=0" || die "cannot enable IPv6"
done
ip -n "$ns_a" addr add "$A6/64" dev "$ns_a" nodad || die "cannot add $A6"
ip -n "$ns_a" addr add "$A2/24" dev "$ns_a" || die "cannot add $A2"
ip -n "$ns_b" addr add "$B6/64" dev "$ns_b" nodad || die "cannot add $B6"
ip -n "$ns_a" link set lo up                    # scapy warns without it
mac_b=$(ip -n "$ns_b" -o link show "$ns_b" | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)
[ -n "$mac_b" ] || die "no MAC for $ns_b"

# nsenter execs: $! is the server itself
nsenter --net="/run/netns/$ns_b" -- "$PY" "$peers" serve "$tmp/served" < /dev/null > /dev/null 2>&1 &
pids+=("$!")
for ((i = 0; i < 50; i++)); do
	ports=$(in_ns "$ns_b" ss -ltnH 2>/dev/null)
	grep -q ':22 ' <<< "$ports" && grep -q ':2222 ' <<< "$ports" && break
	sleep 0.1
done
grep -q ':2222 ' <<< "$ports" || die "the victim's listeners did not start"

echo "deny $A proto tcp port 22" > "$tmp/deny22.rules"
echo "deny $A6 proto tcp port 22" >> "$tmp/deny22.rules"

# --- helpers -------------------------------------------------------------------
# last NAME: the latest summary's fragments figures, "N FIRST FOUND ORPHANS
# DROPPED" (0s before the first fragment)
frag_now() {
	local l
	l=$(grep '^  fragments:' "$derr" 2>/dev/null | tail -n 1)
	[ -n "$l" ] || { echo "0 0 0 0 0"; return; }
	sed -E 's/^  fragments: ([0-9]+) \(first tracked ([0-9]+), later found ([0-9]+), orphans ([0-9]+), dropped ([0-9]+).*/\1 \2 \3 \4 \5/' <<< "$l"
}
# malformed REASON: its count in the latest summary
malformed_now() {
	local l
	l=$(grep '^  malformed:' "$derr" 2>/dev/null | tail -n 1)
	grep -oE "$1 [0-9]+" <<< "$l" | awk '{ print $2 }' | grep . || echo 0
}
# wait_frags FIELD MIN: until the summary's fragment figure FIELD (1 count,
# 2 first, 3 found, 4 orphans, 5 dropped) is at least MIN; bounded
wait_frags() {
	local i v
	for ((i = 0; i < WAIT_SECS * 10; i++)); do
		v=$(frag_now | cut -d' ' -f"$1")
		[ "$v" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}
# nmap_state PORT ARGS...: open, filtered, closed ... as nmap reports it
nmap_state() {
	local port=$1; shift
	in_ns "$ns_a" timeout 90 nmap -Pn -n -sS -T4 --max-retries 1 "$@" -p "$port" -oG - "$B" \
		2>/dev/null | grep -oE "Ports: $port/[a-z|]+/tcp" | cut -d/ -f2
}
# hping_answers PORT [ARGS...]: answers to 3 SYNs in fragments (hping3 -f)
hping_answers() {
	local port=$1; shift
	in_ns "$ns_a" timeout 30 hping3 -S -f -p "$port" -c 3 -i u300000 "$@" "$B" 2>&1 |
		grep -oE '[0-9]+ packets received' | cut -d' ' -f1
}
v6_answers() {
	in_ns "$ns_a" timeout 30 "$PY" "$peers" v6syn "$ns_a" "$A6" "$B6" "$mac_b" "$1" "$2" |
		grep -oE 'answers [0-9]+' | cut -d' ' -f2
}
# expect_more WHAT BEFORE NOW: NOW > BEFORE, or a problem
expect_more() { [ "$3" -gt "$2" ] || problem "$1 did not rise ($2 -> $3)"; }
stop_daemon() {
	kill -INT "$daemon" 2>/dev/null
	reap
}

# --- with the rule ---------------------------------------------------------------
start rule --rules "$tmp/deny22.rules" --summary 1 ||
	{ finish "daemon with the rule starts"; echo "$passed passed, $failed failed"; exit 1; }

name="positive signal: from $A2, which no rule names, nmap -f and hping3 -f SYNs to port 22 are answered; XDP counts the fragments"
f0=$(frag_now)
st=$(nmap_state 22 -f -S "$A2" -e "$ns_a")
[ "$st" = open ] || problem "nmap -f from $A2 to 22: '$st', want open"
n=$(hping_answers 22 -a "$A2")
[ "${n:-0}" -ge 1 ] || problem "hping3 -f from $A2 to 22: ${n:-no} answers, want some"
wait_frags 1 $(( $(cut -d' ' -f1 <<< "$f0") + 6 )) || problem "the summary's fragment count did not rise by 6: $f0 -> $(frag_now)"
[ "$(frag_now | cut -d' ' -f5)" = "$(cut -d' ' -f5 <<< "$f0")" ] || problem "fragments dropped: $f0 -> $(frag_now)"
finish "$name"

for how in "-f" "--mtu 8" "--mtu 16"; do
	name="nmap $how SYN to the denied port 22: no answer; its fragments counted, the tiny first dropped"
	f0=$(frag_now) t0=$(malformed_now ipv4_frag_tiny)
	# shellcheck disable=SC2086 # $how is two words on purpose
	st=$(nmap_state 22 $how)
	[ "$st" = filtered ] || problem "nmap $how to 22: '$st', want filtered (no answer)"
	wait_frags 5 $(( $(cut -d' ' -f5 <<< "$f0") + 1 )) || problem "no fragment dropped: $f0 -> $(frag_now)"
	expect_more "the fragment count" "$(cut -d' ' -f1 <<< "$f0")" "$(frag_now | cut -d' ' -f1)"
	expect_more "ipv4_frag_tiny" "$t0" "$(malformed_now ipv4_frag_tiny)"
	finish "$name"
done

name="hping3 -f SYNs to port 22: none answered; fragments counted and dropped"
f0=$(frag_now)
n=$(hping_answers 22)
[ "${n:-x}" = 0 ] || problem "hping3 -f to 22: '${n:-nothing}' answers, want 0"
wait_frags 5 $(( $(cut -d' ' -f5 <<< "$f0") + 3 )) || problem "fewer than 3 dropped: $f0 -> $(frag_now)"
finish "$name"

name="IPv6 SYN in fragments behind hop-by-hop and destination options: 22 unanswered (whole and tiny first), 2222 answered"
f0=$(frag_now) t0=$(malformed_now ipv6_frag_tiny)
n=$(v6_answers 2222 whole)
[ "${n:-0}" -ge 1 ] || problem "to 2222: '${n:-nothing}' answers, want 1"
n=$(v6_answers 22 whole)
[ "${n:-x}" = 0 ] || problem "to 22, whole first fragment: '${n:-nothing}' answers, want 0"
n=$(v6_answers 22 tiny)
[ "${n:-x}" = 0 ] || problem "to 22, tiny first fragment: '${n:-nothing}' answers, want 0"
wait_frags 1 $(( $(cut -d' ' -f1 <<< "$f0") + 6 )) || problem "the 6 fragments not counted: $f0 -> $(frag_now)"
wait_frags 5 $(( $(cut -d' ' -f5 <<< "$f0") + 2 )) || problem "fewer than 2 dropped: $f0 -> $(frag_now)"
expect_more "ipv6_frag_tiny" "$t0" "$(malformed_now ipv6_frag_tiny)"
finish "$name"

name="a 4000-byte UDP datagram over MTU 1500 to an allowed port arrives whole; one first and two later fragments tracked"
f0=$(frag_now)
in_ns "$ns_a" timeout 10 "$PY" "$peers" udp "$B" 5000 4000 || problem "could not send"
for ((i = 0; i < WAIT_SECS * 10; i++)); do
	grep -q "^udp .*$A 4000\$" "$tmp/served" && break
	sleep 0.1
done
grep -q "^udp .*$A 4000\$" "$tmp/served" || problem "the listener got no 4000-byte datagram: $(tail -n 2 "$tmp/served" | tr '\n' ' ')"
wait_frags 3 $(( $(cut -d' ' -f3 <<< "$f0") + 2 )) || problem "its later fragments were not found: $f0 -> $(frag_now)"
wait_frags 2 $(( $(cut -d' ' -f2 <<< "$f0") + 1 )) || problem "its first fragment was not tracked: $f0 -> $(frag_now)"
finish "$name"
stop_daemon
[ "$drc" = 0 ] || { problem "the daemon exited $drc: $(tail -n 2 "$derr" | tr '\n' ' ')"; finish "daemon with the rule exits cleanly"; }

# --- with a ban instead -------------------------------------------------------------
name="a ban instead of the rule: nmap -f and hping3 -f SYNs to 22 unanswered, every fragment dropped"
if start ban --pin "$pin" --summary 1; then
	timeout 30 "$pktlens" bans add "$A" --pin "$pin" > "$tmp/ban.out" 2>&1 || problem "bans add failed: $(cat "$tmp/ban.out")"
	f0=$(frag_now)
	st=$(nmap_state 22 -f)
	[ "$st" = filtered ] || problem "nmap -f to 22: '$st', want filtered"
	n=$(hping_answers 22)
	[ "${n:-x}" = 0 ] || problem "hping3 -f to 22: '${n:-nothing}' answers, want 0"
	# nmap: 1 or 2 probes x 3 fragments, hping3: 3 x 2
	wait_frags 1 $(( $(cut -d' ' -f1 <<< "$f0") + 9 )) || problem "fragments not counted: $f0 -> $(frag_now)"
	timeout 30 "$pktlens" bans list --pin "$pin" > "$tmp/bans.out" 2>&1
	grep -qF "$A" "$tmp/bans.out" || problem "the ban is not listed: $(tr '\n' ' ' < "$tmp/bans.out")"
	stop_daemon
	rm -rf "$pin"            # detaches the pinned link
fi
finish "$name"

# --- control ---------------------------------------------------------------------------
name="control: fragment-tracking = no brings the bypass back: nmap -f SYN to the denied port 22 is answered"
if start control --rules "$tmp/deny22.rules" --summary 1 --fragment-tracking=no; then
	st=$(nmap_state 22 -f)
	[ "$st" = open ] || problem "nmap -f to 22: '$st', want open (the bypass)"
	st=$(nmap_state 22)
	[ "$st" = filtered ] || problem "an unfragmented SYN to 22: '$st', want filtered (the rule holds)"
	stop_daemon
fi
finish "$name"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
