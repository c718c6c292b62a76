#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# restart.sh [PCAPS [PKTLENS]] - what a killed or restarted daemon leaves.
#
#  (a) `pktlens run` attaches through a BPF link: SIGKILLed, it leaves no XDP
#      program on the interface.
#  (b) with --pin /sys/fs/bpf/pktlens-test-PID: a capture is replayed into
#      it, it is SIGKILLed, and the program must stay attached with its maps
#      pinned; a new daemon with the same --pin and --log-dir resumes from
#      them (nothing more is replayed) and, on SIGINT, logs the connection
#      seen before the kill (the DNS query for www.tcpdump.org, 1+1 packets);
#      removing the pin folder then detaches the program.
#
# PCAPS defaults to ../shared/pcaps (dns-udp.pcap is used), PKTLENS to
# build/pktlens (or $PKTLENS). Two private network namespaces joined by a
# veth pair (no addresses, IPv6 off); the daemon watches the end in ns_b,
# tcpreplay sends from ns_a. No host interface is touched; the EXIT/INT/TERM
# trap kills the daemons, removes the pin folder and deletes the namespaces
# whatever happens. Every wait is bounded.
# Prints one line per case and "N passed, N failed"; exits 0 only if all pass.
set -u
. "$(dirname "$0")/lib.sh"

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
pcaps=${1:-$root/../shared/pcaps}
pktlens=${2:-${PKTLENS:-$root/build/pktlens}}
ATTACH_SECS=${ATTACH_SECS:-60}    # BPF load + verifier + attach
EXIT_SECS=${EXIT_SECS:-30}        # flush of all records after SIGINT
REPLAY_SECS=${REPLAY_SECS:-60}
SETTLE_SECS=${SETTLE_SECS:-10}    # for the kernel to show a link gone, a flow in a map

die() { echo "restart: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, XDP, bpffs)"
for t in ip nsenter tcpreplay bpftool python3 timeout env; do
	command -v "$t" >/dev/null || die "missing tool: $t (scripts/install-deps.sh)"
done
[ -x "$pktlens" ] || die "no pktlens binary at $pktlens"
cap=$pcaps/dns-udp.pcap
[ -r "$cap" ] || die "no capture $cap"
pktlens=$(cd "$(dirname "$pktlens")" && pwd)/$(basename "$pktlens")
cap=$(cd "$(dirname "$cap")" && pwd)/$(basename "$cap")
# The connection in dns-udp.pcap: one query for www.tcpdump.org, one answer.
FLOW='{"id.orig_h": "192.168.1.11", "id.orig_p": 43966,
       "id.resp_h": "209.87.249.18", "id.resp_p": 53, "proto": "udp"}'

ns_a=plrs-$$-a ns_b=plrs-$$-b      # namespaces; the veth ends carry the same names
pin=/sys/fs/bpf/pktlens-test-$$
tmp=$(mktemp -d /tmp/pktlens-restart.XXXXXX) || die "cannot create a temporary folder"
pids=()                            # every daemon started, for the trap

cleanup() {
	trap - EXIT INT TERM
	local p
	for p in "${pids[@]}"; do
		kill -KILL "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$pin"
	netns_del "$ns_a" "$ns_b"
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'echo "restart: interrupted" >&2; exit 130' INT TERM

veth_pair "$ns_a" "$ns_b" || die "cannot create the namespaces and veth pair"

# --- the daemon: start, reap (lib.sh) ---------------------------------------
kill_hard() { kill -KILL "$daemon"; reap; }
stop() { kill -INT "$daemon"; reap; }

# --- what the kernel shows ------------------------------------------------
# xdp_id: the id of the program on ns_b per `bpftool net` in ns_b (empty if
# none); xdp_iplink: non-empty if `ip link show` mentions xdp for ns_b.
xdp_id() {
	in_ns "$ns_b" bpftool -j net show dev "$ns_b" 2>/dev/null | python3 -c '
import json, sys
try:
    d = json.load(sys.stdin)
except ValueError:
    d = None
if not isinstance(d, list):             # bpftool failed: cannot say "none"
    print("unknown(bpftool net failed)"); sys.exit()
for e in d:
    for a in e.get("xdp", []):
        print(a.get("id", "?"))' | head -n 1
}
xdp_iplink() {
	local s
	s=$(ip -n "$ns_b" link show dev "$ns_b" 2>/dev/null)
	grep -qE '\bxdp' <<< "$s" || return 0
	grep -oE 'prog/xdp id [0-9]+' <<< "$s" || echo xdp
}
attached_state() { echo "bpftool net: id ${1:-none}; ip link: $(xdp_iplink | tr '\n' ' ')"; }
# wait_detached: true when neither shows a program, within SETTLE_SECS
detached() { [ -z "$(xdp_id)" ] && [ -z "$(xdp_iplink)" ]; }
wait_detached() { wait_until "$SETTLE_SECS" detached; }
# flows_in_pin: entries of the pinned flow table (0 if there is none)
flows_in_pin() {
	bpftool -j map dump pinned "$pin/pl_flows" 2>/dev/null | python3 -c '
import json, sys
try:
    d = json.load(sys.stdin)
except ValueError:
    d = None
print(len(d) if isinstance(d, list) else 0)'
}

flow_pinned() { [ "$(flows_in_pin)" -ge 1 ]; }

# --- cases --------------------------------------------------------------------

# (a) SIGKILL, no pin: the link dies with the process.
name="SIGKILLed daemon (no --pin) leaves no XDP program on $ns_b"
if start a --log-dir "$tmp/a.logs"; then
	id=$(xdp_id)
	[ -n "$id" ] && [ -n "$(xdp_iplink)" ] ||
		problem "daemon said attached, but the kernel shows: $(attached_state "$id")"
	kill_hard
	wait_detached ||
		problem "still attached ${SETTLE_SECS}s after SIGKILL: $(attached_state "$(xdp_id)")"
fi
finish "$name"

# (b1) SIGKILL with --pin: program and maps stay.
b_ok=0
name="SIGKILLed daemon with --pin: program stays attached, maps pinned"
if [ -n "$(xdp_id)" ]; then
	problem "cannot start: a program is still attached to $ns_b"
elif start b1 --pin "$pin" --log-dir "$tmp/b.logs"; then
	id=$(xdp_id)
	[ -n "$id" ] || problem "daemon said attached, but bpftool net shows nothing on $ns_b"
	timeout --foreground "$REPLAY_SECS" \
		nsenter --net="/run/netns/$ns_a" -- tcpreplay -q -i "$ns_a" "$cap" > "$tmp/replay" 2>&1
	sent=$(sed -n 's/.*Successful packets: *\([0-9]*\).*/\1/p' "$tmp/replay" | head -n 1)
	[ "${sent:-0}" = 2 ] ||
		problem "tcpreplay did not send the 2 packets: $(tail -n 3 "$tmp/replay" | tr '\n' ' ')"
	# The flow reaches the pinned table before the kill.
	wait_until "$SETTLE_SECS" flow_pinned || problem "no flow in $pin/pl_flows after the replay"
	# kill_hard has reaped the daemon: the kernel closed its files (a link
	# only they held is detached then) before the exit wait reports, so a
	# wrong detach would show now; no time to wait for.
	kill_hard
	now=$(xdp_id)
	if [ -z "$now" ] || [ -z "$(xdp_iplink)" ]; then
		problem "not attached after SIGKILL: $(attached_state "$now")"
	elif [ "$now" != "$id" ]; then
		problem "program id changed from $id to $now"
	fi
	[ -d "$pin" ] || problem "no pin folder $pin"
	for m in pl_flows pl_sources pl_stats pl_events; do
		bpftool map show pinned "$pin/$m" > /dev/null 2>&1 || problem "no map pinned at $pin/$m"
	done
	bpftool link show pinned "$pin/link-$ns_b" > /dev/null 2>&1 ||
		problem "no link pinned at $pin/link-$ns_b"
	[ "$(flows_in_pin)" -ge 1 ] || problem "the flow is gone from $pin/pl_flows"
	[ ${#why[@]} -eq 0 ] && b_ok=1
fi
finish "$name"

# (b2) a new daemon resumes from the pinned maps.
name="new daemon with the same --pin resumes: logs the flow from before the kill"
if [ "$b_ok" != 1 ]; then
	problem "not run: the previous case failed"
elif start b2 --pin "$pin" --log-dir "$tmp/b.logs"; then
	now=$(xdp_id)
	[ "$now" = "$id" ] || problem "program on $ns_b is id ${now:-none}, want the pinned $id"
	stop
	[ "$drc" -eq 0 ] || problem "exit status $drc after SIGINT: $(tail -n 2 "$derr" | tr '\n' ' ')"
	got=$(python3 - "$tmp/b.logs/conn.log" "$FLOW" <<'EOF'
import json, sys
want = json.loads(sys.argv[2])
try:
    lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
except OSError as e:
    print("no conn.log (%s)" % e.strerror); sys.exit()
recs = [r for r in lines if all(r.get(k) == v for k, v in want.items())]
if len(recs) != 1:
    print("conn.log has %d records of %s:%d > %s:%d/udp, want 1 (%d records in all)" % (
        len(recs), want["id.orig_h"], want["id.orig_p"], want["id.resp_h"],
        want["id.resp_p"], len(lines)))
elif (recs[0].get("orig_pkts"), recs[0].get("resp_pkts")) != (1, 1):
    print("the flow has %s+%s packets, want 1+1" % (recs[0].get("orig_pkts"),
                                                   recs[0].get("resp_pkts")))
EOF
)
	[ -z "$got" ] || problem "$got"
	now=$(xdp_id)
	[ -n "$now" ] || problem "the program is gone after the resumed daemon exited (--pin keeps it)"
else
	b_ok=0
fi
finish "$name"

# (b3) removing the pin folder detaches.
name="removing the pin folder detaches the program"
if [ "$b_ok" != 1 ]; then
	problem "not run: an earlier case failed"
elif [ -z "$(xdp_id)" ]; then
	problem "nothing attached before removing the pin folder"
else
	rm -rf "$pin"
	[ ! -e "$pin" ] || problem "cannot remove $pin"
	wait_detached ||
		problem "still attached ${SETTLE_SECS}s after removing $pin: $(attached_state "$(xdp_id)")"
fi
finish "$name"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
