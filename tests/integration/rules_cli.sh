#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# rules_cli.sh [PKTLENS] - `pktlens rules`, `bans` and `limits` on a
# running daemon, end to end: ping crosses a veth pair into the daemon's
# interface, and rules, bans, destination limits and ARP pins decide
# whether it gets through.
#
# Two private network namespaces joined by a veth pair (10.77.0.1 in ns_a,
# 10.77.0.2 in ns_b, IPv6 off); `pktlens run -i ns_b --pin DIR` watches the
# ns_b end. Commands find the daemon with --pin DIR, and once with
# --prog-id (from `bpftool net`). PKTLENS_STATE_DIR is a temporary folder.
# At the end the daemon is restarted twice with a rule set loaded at start
# (`run --rules FILE`, then `rules = FILE` in a config file).
# No host interface is touched; the EXIT/INT/TERM trap kills the daemon,
# removes the pin folder and the namespaces whatever happens. Every wait is
# bounded. Prints one line per case and "N passed, N failed"; exits 0 only
# if all pass.
set -u
. "$(dirname "$0")/lib.sh"

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
pktlens=${1:-${PKTLENS:-$root/build/pktlens}}
ATTACH_SECS=${ATTACH_SECS:-60}
CMD_SECS=${CMD_SECS:-60}

die() { echo "rules_cli: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, XDP, bpffs)"
for t in ip nsenter ping bpftool python3 timeout env; do
	command -v "$t" >/dev/null || die "missing tool: $t (scripts/install-deps.sh)"
done
[ -x "$pktlens" ] || die "no pktlens binary at $pktlens"
pktlens=$(cd "$(dirname "$pktlens")" && pwd)/$(basename "$pktlens")

ns_a=plrc-$$-a ns_b=plrc-$$-b
A=10.77.0.1 B=10.77.0.2
pin=/sys/fs/bpf/pktlens-rules-$$
tmp=$(mktemp -d /tmp/pktlens-rules.XXXXXX) || die "cannot create a temporary folder"
export PKTLENS_STATE_DIR=$tmp/state
daemon=

cleanup() {
	trap - EXIT INT TERM
	[ -n "$daemon" ] && kill -KILL "$daemon" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$pin"
	netns_del "$ns_a" "$ns_b"
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'echo "rules_cli: interrupted" >&2; exit 130' INT TERM

veth_pair "$ns_a" "$ns_b" "$A/24" "$B/24" || die "cannot create the namespaces and veth pair"

# The daemon, in ns_b (nsenter and env exec: $! is pktlens itself).
nsenter --net="/run/netns/$ns_b" -- env --default-signal=INT \
	"$pktlens" run -i "$ns_b" --pin "$pin" --log-dir "$tmp/logs" \
	> "$tmp/daemon.out" 2> "$tmp/daemon.err" < /dev/null &
daemon=$!
for ((i = 0; i < ATTACH_SECS * 10; i++)); do
	grep -qs "attached to $ns_b" "$tmp/daemon.err" && break
	kill -0 "$daemon" 2>/dev/null || break
	sleep 0.1
done
grep -qs "attached to $ns_b" "$tmp/daemon.err" ||
	die "daemon did not attach: $(tail -n 3 "$tmp/daemon.err" | tr '\n' ' ')"

# --- helpers ------------------------------------------------------------------
# pl ARGS...: pktlens with output in $out, $err, status in $rc
pl() {
	timeout "$CMD_SECS" "$pktlens" "$@" > "$tmp/out" 2> "$tmp/err" < /dev/null
	rc=$?
	out=$(cat "$tmp/out") err=$(cat "$tmp/err")
}
expect_rc() { [ "$rc" = "$1" ] || problem "exit status $rc, want $1 (stderr: ${err:0:300})"; }
expect_out() { grep -qE -- "$1" <<< "$out" || problem "stdout lacks /$1/: ${out:0:400}"; }
expect_err() { grep -qE -- "$1" <<< "$err" || problem "stderr lacks /$1/: ${err:0:400}"; }
# ping_ok: one echo from A to B answered (3 tries: ARP may need the first)
ping_ok() { in_ns "$ns_a" ping -c 3 -i 0.2 -W 1 -q "$B" > /dev/null 2>&1; }
# ping_blocked: no echo from A to B answered, and the program dropped
# packets meanwhile: "no answer" counts only once what was sent has
# reached XDP and been dropped there (else it proves nothing); $pb_why
# says what was missing
ping_blocked() {
	local d0
	d0=$(xdp_drops)
	if in_ns "$ns_a" ping -c 2 -i 0.2 -W 1 -q "$B" > /dev/null 2>&1; then
		pb_why="answered"
		return 1
	fi
	wait_until 5 dropped_since "$d0" && return 0
	pb_why="no answer, but XDP dropped nothing (drops $d0 -> $(xdp_drops))"
	return 1
}
# xdp_drops: packets the program has dropped (its pinned counters, every CPU)
xdp_drops() {
	bpftool -j map dump pinned "$pin/pl_stats" 2>/dev/null | python3 -c '
import json, sys
try:
    print(sum(v["value"]["verdict"][1] for e in json.load(sys.stdin)
              if e["formatted"]["key"] == 0 for v in e["formatted"]["values"]))
except (ValueError, KeyError, TypeError, IndexError):
    print(-1)'
}
dropped_since() { local n; n=$(xdp_drops); [ "$n" -gt "$1" ] 2>/dev/null; }
# matched/dropped of rule N in `rules list` output: "M D"
counters() { awk -v n="$1" '$1 == n && $2 ~ /^[0-9]+$/ { print $3, $4 }' <<< "$out" | tr -d '*'; }

# --- cases -----------------------------------------------------------------------
name="rules check: a good file compiles, no daemon needed"
cat > "$tmp/good.rules" <<EOF
# the brief's examples
allow 10.0.0.0/8
deny 192.0.2.0/24 proto tcp port 22
deny 2001:db8::/32 dst 2001:db8:1::/48
ratelimit 0.0.0.0/0 proto udp port 53 pps 1000
ratelimit 198.51.100.7/32 bps 1000000
deny any port 6000-6010 vlan 100
EOF
pl rules check "$tmp/good.rules"
expect_rc 0
expect_out "ok: 6 rules, 6 source prefixes"
finish "$name"

name="rules check: a bad line is named FILE:LINE, exit 1"
printf 'allow 10.0.0.0/8\n\ndeny 10.1.2.3/8\n' > "$tmp/bad.rules"
pl rules check "$tmp/bad.rules"
expect_rc 1
expect_err "bad.rules:3: 10.1.2.3/8 has host bits set"
finish "$name"

name="usage: no command is a usage error (2); --help teaches"
pl rules
expect_rc 2
pl rules --help
expect_rc 0
expect_out "Which rule decides"
pl bans add 10.0.0.0/8 --pin "$pin"
expect_rc 2
expect_err "a ban is for one address"
finish "$name"

name="wrong target: a missing pin folder and a foreign program id are explained"
pl rules list --pin "$tmp/nothing"
expect_rc 1
expect_err "no map pinned at .*pl_policy"
pl rules list --prog-id 2147483000
expect_rc 1
expect_err "not a loaded pktlens XDP program"
finish "$name"

name="nothing loaded: list says so; ping passes"
pl rules list --pin "$pin"
expect_rc 0
expect_out "no rules loaded"
ping_ok || problem "ping from $A to $B failed with no rules"
finish "$name"

name="rules load: a deny for the pinging source drops its packets, counted on the rule"
printf '# test set\nallow 10.99.0.0/16\ndeny %s\n' "$A" > "$tmp/deny.rules"
pl rules load "$tmp/deny.rules" --pin "$pin"
expect_rc 0
expect_out "2 rules, 2 source prefixes"
ping_blocked || problem "ping through a deny rule: $pb_why"
pl rules list --pin "$pin"
expect_rc 0
expect_out "deny.rules"
expect_out "^ +2 +3 +[1-9][0-9]* +[1-9][0-9]* +deny $A\$"
c=$(counters 2)
[ "${c% *}" = "${c#* }" ] || problem "rule 2 matched/dropped differ: $c"
finish "$name"

name="a bad file changes nothing: error FILE:LINE, same generation, still dropping"
gen=$(grep -oE 'generation [0-9]+' <<< "$out")
printf 'allow 10.77.0.0/16\ndeny 10.77.0.0/16 proto tcp port 99999\n' > "$tmp/bad2.rules"
pl rules load "$tmp/bad2.rules" --pin "$pin"
expect_rc 1
expect_err "bad2.rules:2: port '99999'"
expect_err "unchanged"
pl rules list --pin "$pin"
expect_out "$gen,"
expect_out "deny $A\$"
ping_blocked || problem "ping after a bad load: $pb_why"
finish "$name"

name="rules add: an allow for the same source wins over the deny"
pl rules add allow "$A" proto icmp --pin "$pin"
expect_rc 0
expect_out "added rule 3: allow $A proto icmp"
ping_ok || problem "ping blocked despite the allow rule"
pl rules list --pin "$pin"
expect_out "^ +3 +4 .* allow $A proto icmp\$"
c=$(counters 2)
[ "${c% *}" -gt 0 ] 2>/dev/null || problem "rule 2's counters were lost by the add: '$c'"
finish "$name"

name="rules del: removing the allow drops again; removing the deny passes"
pl rules del 3 --pin "$pin"
expect_rc 0
expect_out "removed rule 3: allow $A proto icmp"
ping_blocked || problem "ping after the allow was removed: $pb_why"
pl rules del 9 --pin "$pin"
expect_rc 1
expect_err "no rule 9: the set has 2 rules"
pl rules del 2 --pin "$pin"
expect_rc 0
ping_ok || problem "ping blocked after the deny was removed"
pl rules list --pin "$pin"
expect_out "^ +1 +2 .* allow 10.99.0.0/16\$"
grep -q "deny $A" <<< "$out" && problem "the deleted rule is still listed"
finish "$name"

name="found by program id (as bpftool net shows it)"
id=$(in_ns "$ns_b" bpftool -j net show dev "$ns_b" 2>/dev/null | python3 -c '
import json, sys
for e in json.load(sys.stdin):
    for a in e.get("xdp", []):
        print(a.get("id", "")); sys.exit()')
if [ -z "$id" ]; then
	problem "bpftool net shows no program on $ns_b"
else
	pl rules list --prog-id "$id"
	expect_rc 0
	expect_out "^program $id: "
	expect_out "allow 10.99.0.0/16"
fi
finish "$name"

name="bans add: drops the source; list shows it with drops; del lifts it"
pl bans add "$A" --ttl 10m --pin "$pin"
expect_rc 0
expect_out "banned $A for 10m00s"
ping_blocked || problem "ping through a ban: $pb_why"
pl bans list --pin "$pin"
expect_rc 0
expect_out "^$A +(9m5[0-9]s|10m00s) +[1-9][0-9]* +by hand\$"
pl bans del "$A" --pin "$pin"
expect_rc 0
ping_ok || problem "ping blocked after the ban was lifted"
pl bans del "$A" --pin "$pin"
expect_rc 1
expect_err "no such ban"
pl bans list --pin "$pin"
expect_out "no bans"
finish "$name"

name="bans add refuses a source that an allow rule lets through"
printf 'allow %s\n' "$A" > "$tmp/allow.rules"
pl rules load "$tmp/allow.rules" --pin "$pin"
expect_rc 0
pl bans add "$A" --pin "$pin"
expect_rc 1
expect_err "allowed by the rules"
finish "$name"

name="rules load - (stdin) of an empty set: no rules"
timeout "$CMD_SECS" "$pktlens" rules load - --pin "$pin" < /dev/null > "$tmp/out" 2> "$tmp/err"
rc=$? out=$(cat "$tmp/out") err=$(cat "$tmp/err")
expect_rc 0
pl rules list --pin "$pin"
expect_out "no rules"
finish "$name"

name="limits add: ICMP to $B capped at 1/s; list shows what passed and what was dropped; del lifts it"
pl limits add "$B" icmp pps 1 --ttl 10m --pin "$pin"
expect_rc 0
expect_out "limited ICMP to $B 1/s for 10m00s"
got=$(in_ns "$ns_a" ping -c 10 -i 0.05 -W 1 -q "$B" 2>/dev/null | sed -n 's/.* \([0-9]*\) received.*/\1/p')
[ -n "$got" ] && [ "$got" -ge 1 ] && [ "$got" -le 3 ] ||
	problem "$got of 10 pings 50 ms apart answered under a 1/s limit, want 1 to 3"
pl limits list --pin "$pin"
expect_rc 0
expect_out "^$B +ICMP +1 +(9m5[0-9]s|10m00s) +[1-9][0-9]* +[1-9][0-9]* +[1-9][0-9]* +by hand\$"
pl limits del "$B" icmp --pin "$pin"
expect_rc 0
ping_ok || problem "ping blocked after the limit was removed"
pl limits del "$B" icmp --pin "$pin"
expect_rc 1
expect_err "no such limit"
pl limits list --pin "$pin"
expect_out "no destination limits"
pl limits add "$B" icmp port 5 pps 1 --pin "$pin"
expect_rc 2
expect_err "ICMP has no ports"
finish "$name"

name="limits pin: $A pinned to another MAC is unreachable (its ARP dropped); to its own, reachable"
mac_a=$(ip -n "$ns_a" link show dev "$ns_a" | awk '/link\/ether/ { print $2 }')
pl_b() {    # pl in ns_b, where the interface name means something
	timeout "$CMD_SECS" nsenter --net="/run/netns/$ns_b" -- "$pktlens" "$@" \
		> "$tmp/out" 2> "$tmp/err" < /dev/null
	rc=$?
	out=$(cat "$tmp/out") err=$(cat "$tmp/err")
}
pl_b limits pin "$A" 02:00:00:00:00:99 dev "$ns_b" --ttl 10m --pin "$pin"
expect_rc 0
expect_out "pinned $A to 02:00:00:00:00:99 for 10m00s"
ip -n "$ns_a" neigh flush dev "$ns_a"
ip -n "$ns_b" neigh flush dev "$ns_b"
ping_blocked || problem "ping with $A pinned to another MAC (its ARP to be dropped): $pb_why"
pl_b limits list --pin "$pin"
expect_out "^$A +$ns_b +- +02:00:00:00:00:99 +(9m5[0-9]s|10m00s) +[1-9][0-9]* +$mac_a +by hand\$"
pl_b limits pin "$A" "$mac_a" dev "$ns_b" --pin "$pin"
expect_rc 0
ping_ok || problem "ping blocked with $A pinned to its own MAC $mac_a"
pl_b limits unpin "$A" dev "$ns_b" --pin "$pin"
expect_rc 0
pl_b limits unpin "$A" dev "$ns_b" --pin "$pin"
expect_rc 1
expect_err "no such pin"
pl limits list --pin "$pin"
expect_out "no ARP pins"
pl limits pin "$A" 02:00:00:00:00:99 --pin "$pin"
expect_rc 2
expect_err "dev IFACE"
finish "$name"

name="the daemon is still running"
kill -0 "$daemon" 2>/dev/null || problem "daemon died: $(tail -n 3 "$tmp/daemon.err" | tr '\n' ' ')"
finish "$name"

# --- rules loaded at daemon start (run --rules FILE, config `rules = FILE`) ---
# stop_daemon: SIGINT, bounded wait, then the pin folder goes (detaching)
stop_daemon() {
	kill -INT "$daemon" 2>/dev/null
	for ((i = 0; i < CMD_SECS * 10; i++)); do
		kill -0 "$daemon" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$daemon" 2>/dev/null
	wait "$daemon" 2>/dev/null
	daemon=
	rm -rf "$pin"
}
# start_daemon ARGS...: `pktlens run -i ns_b --pin DIR ARGS...` in ns_b,
# waits until it has attached (or died); stderr in $tmp/daemon.err
start_daemon() {
	nsenter --net="/run/netns/$ns_b" -- env --default-signal=INT \
		"$pktlens" run -i "$ns_b" --pin "$pin" --log-dir "$tmp/logs" "$@" \
		> "$tmp/daemon.out" 2> "$tmp/daemon.err" < /dev/null &
	daemon=$!
	for ((i = 0; i < ATTACH_SECS * 10; i++)); do
		grep -qs "attached to $ns_b" "$tmp/daemon.err" && return 0
		kill -0 "$daemon" 2>/dev/null || break
		sleep 0.1
	done
	problem "daemon did not attach: $(tail -n 3 "$tmp/daemon.err" | tr '\n' ' ')"
	return 1
}
# The pings are the first IP packets from A the new program sees: every one
# must be dropped, and the deny rule must have counted each.
start_denied() {
	local sent c
	grep -q "2 rules loaded from .*start.rules" "$tmp/daemon.err" ||
		problem "daemon did not say it loaded the rules: $(head -n 3 "$tmp/daemon.err" | tr '\n' ' ')"
	sent=$(in_ns "$ns_a" ping -c 3 -i 0.2 -W 1 "$B" 2>&1 | sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) received.*/\1 \2/p')
	[ "${sent#* }" = 0 ] || problem "pings answered despite the deny loaded at start: $sent"
	pl rules list --pin "$pin"
	expect_rc 0
	expect_out "start.rules"
	expect_out "deny $A proto icmp\$"
	c=$(counters 2)
	[ "${c% *}" = "${c#* }" ] && [ "${c#* }" -ge "${sent% *}" ] 2>/dev/null ||
		problem "rule 2 matched/dropped '$c', want both >= the ${sent% *} pings sent"
}

name="run --rules FILE: a deny loaded at start drops pings from the first packet"
stop_daemon
printf 'allow 10.99.0.0/16\ndeny %s proto icmp\n' "$A" > "$tmp/start.rules"
if start_daemon --rules "$tmp/start.rules"; then
	start_denied
	pl rules del 2 --pin "$pin"
	expect_rc 0
	ping_ok || problem "ping blocked after the start rule was removed"
fi
finish "$name"

name="config rules = FILE: the same, from the config file"
stop_daemon
printf '[pktlens]\nrules = %s\n' "$tmp/start.rules" > "$tmp/start.conf"
if start_daemon --config "$tmp/start.conf"; then
	start_denied
fi
finish "$name"

name="the daemon is still running"
kill -0 "$daemon" 2>/dev/null || problem "daemon died: $(tail -n 3 "$tmp/daemon.err" | tr '\n' ' ')"
finish "$name"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
