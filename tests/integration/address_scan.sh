#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# address_scan.sh [PKTLENS] - a real address scan (nmap -sS -p 80 over 50
# addresses) against a network watched by `pktlens run`: Scan::Address_Scan
# must name the scanner and ban it, the ban must drop the scanner's later
# probes in XDP, and a legitimate client must be served throughout.
#
# Four private network namespaces: a switch (a bridge) and three hosts on it
# by veth pairs - the watched host 10.77.0.1, a legitimate client 10.77.0.2
# and the scanner 10.77.0.3 (fixed MACs 02:77:00:00:00:0N, IPv6 off, no
# routes anywhere else: nothing leaves the namespaces). The scan's targets
# all arrive on the watched interface: 10.77.0.100-129 are addresses of the
# watched host (its stack answers port 80 with RST), 10.77.0.200-219 are
# unassigned, and the scanner's static neighbour entries send them to the
# watched host's MAC (its stack drops them; XDP sees them first). nmap sends
# through the kernel (--send-ip) so those entries are used.
#
# Checks: the notice (src, ban, at least scan-hosts hosts); nmap saw closed
# ports before the ban and none after it (every probe of the second scan
# dropped), XDP drop counters rose by the second scan's probes, the
# scanner's TCP connect fails; the legitimate client (a small TCP request
# every 50 ms, attacks_peers.py) served at least 90% and still served after
# the ban; no notice about the client; `pktlens analyze` of the scan as the
# watched host captured it raises the same notice (dry run).
#
# Needs root, nmap, tcpdump, python3 (scripts/install-deps.sh). Every wait is
# bounded; the EXIT/INT/TERM trap kills what it started and deletes the
# namespaces whatever happens. Namespace names carry this script's PID, so it
# runs beside other tests. Prints ok/FAIL lines, then "N passed, N failed";
# exits 0 only if all pass.
set -u
. "$(dirname "$0")/lib.sh"        # wait_until (its in_ns is replaced below)

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
pktlens=${1:-${PKTLENS:-$root/build/pktlens}}
peers=$here/attacks_peers.py
ATTACH_SECS=${ATTACH_SECS:-60}
NOTICE_SECS=${NOTICE_SECS:-15}    # scan end .. notice
SCAN_SECS=60                      # one nmap run at most

die() { echo "address_scan: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, XDP)"
for t in ip nmap tcpdump python3 timeout sysctl; do
	command -v "$t" >/dev/null || die "missing tool: $t (scripts/install-deps.sh)"
done
[ -x "$pktlens" ] || die "no pktlens binary at $pktlens"
pktlens=$(cd "$(dirname "$pktlens")" && pwd)/$(basename "$pktlens")

sw=plas-$$-sw vic=plas-$$-v leg=plas-$$-l scn=plas-$$-s
VIC=10.77.0.1 LEG=10.77.0.2 SCN=10.77.0.3 VIC_MAC=02:77:00:00:00:01
OWNED=(10.77.0.{100..129})        # addresses of the watched host
UNASSIGNED=(10.77.0.{200..219})   # nobody's, routed to it by the scanner
TARGETS="10.77.0.100-129 10.77.0.200-219"
NPROBES=$(( ${#OWNED[@]} + ${#UNASSIGNED[@]} ))
tmp=$(mktemp -d /tmp/pktlens-ascan.XXXXXX) || die "no temporary folder"
logs=$tmp/logs
pids=()

cleanup() {
	trap - EXIT INT TERM
	local p n
	for p in "${pids[@]}"; do
		kill -INT "$p" 2>/dev/null
	done
	wait_until 5 all_gone "${pids[@]}"
	for p in "${pids[@]}"; do
		kill -KILL "$p" 2>/dev/null
	done
	wait 2>/dev/null
	for n in "$scn" "$leg" "$vic" "$sw"; do
		ip netns pids "$n" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
		ip netns del "$n" 2>/dev/null
	done
	if [ "${ASCAN_KEEP:-0}" = 1 ]; then echo "address_scan: logs kept in $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'echo "address_scan: interrupted" >&2; exit 130' INT TERM

in_ns() { local n=$1; shift; ip netns exec "$n" "$@"; }
all_gone() { local p; for p; do kill -0 "$p" 2>/dev/null && return 1; done; return 0; }

setup() {
	local n a i=1
	for n in "$sw" "$vic" "$leg" "$scn"; do
		ip netns add "$n" || return 1
	done
	in_ns "$sw" ip link add br0 type bridge || return 1
	in_ns "$sw" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	for n in "$vic" "$leg" "$scn"; do
		in_ns "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
		ip link add name eth0 netns "$n" address "02:77:00:00:00:0$i" type veth \
			peer name "p$i" netns "$sw" || return 1
		in_ns "$sw" ip link set "p$i" master br0 up || return 1
		in_ns "$n" ip addr add "10.77.0.$i/24" dev eth0 || return 1
		in_ns "$n" ip link set lo up
		in_ns "$n" ip link set eth0 up || return 1
		i=$((i + 1))
	done
	in_ns "$sw" ip link set br0 up || return 1
	for a in "${OWNED[@]}"; do
		ip -n "$vic" addr add "$a/24" dev eth0 || return 1
	done
	for a in "${UNASSIGNED[@]}"; do
		ip -n "$scn" neigh replace "$a" lladdr "$VIC_MAC" dev eth0 nud permanent || return 1
	done
}
setup || die "cannot build the namespaces"

mkdir -p "$logs"
cat > "$tmp/pktlens.conf" <<EOF
# scans only: a short window, a ban that outlasts the test
[pktlens]
scan-window = 10
scan-hosts = 25
scan-ban = 120
EOF

# --- the watched host's servers and the daemon --------------------------------
ip netns exec "$vic" python3 "$peers" server "$tmp/server.log" "$VIC" &
pids+=($!)
# (ip netns exec itself, not through a function: $! must be the daemon)
ip netns exec "$vic" env --default-signal=INT "$pktlens" run -i eth0 --config "$tmp/pktlens.conf" \
	--log-dir "$logs" --summary 1 > "$tmp/daemon.out" 2> "$tmp/daemon.err" &
daemon=$!
pids+=($daemon)
for ((i = 0; i < ATTACH_SECS * 10; i++)); do
	grep -qs attached "$tmp/daemon.err" && break
	kill -0 "$daemon" 2>/dev/null || break
	sleep 0.1
done
grep -qs attached "$tmp/daemon.err" || die "daemon did not attach: $(tail -n 3 "$tmp/daemon.err")"
in_ns "$leg" ping -c 2 -i 0.2 -W 1 "$VIC" > /dev/null || die "the client cannot reach $VIC"
in_ns "$scn" ping -c 2 -i 0.2 -W 1 "$VIC" > /dev/null || die "the scanner cannot reach $VIC"

passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
field() { python3 -c 'import json,sys; o=json.loads(sys.argv[1]); v=o.get(sys.argv[2]); print(",".join(v) if isinstance(v, list) else ("" if v is None else v))' "$1" "$2" 2>/dev/null; }
xdp_drops() {
	sed -n 's/^  drops: \([0-9]*\) packets by XDP.*/\1/p' "$tmp/daemon.err" | tail -n 1
}
# summaries: summary lines the daemon has printed (one a second); new_summary
# N: more than N, i.e. one begun after N were counted
summaries() { grep -c '^  drops: ' "$tmp/daemon.err"; }
new_summary() { [ "$(summaries)" -gt "$1" ]; }
# logged TEXT: the watched host's server has logged TEXT
logged() { grep -q -- "$1" "$tmp/server.log"; }
wait_notice() {         # wait_notice NOTE: the first notice of NOTE, on stdout
	local i line
	for ((i = 0; i < NOTICE_SECS * 10; i++)); do
		line=$(grep -m 1 "\"note\":\"$1\"" "$logs/notice.log" 2>/dev/null)
		[ -n "$line" ] && { echo "$line"; return 0; }
		sleep 0.1
	done
	return 1
}
# scan OUT: nmap SYN scan of port 80 on every target, through the kernel;
# prints how many targets answered "closed" (their RST reached nmap)
scan() {
	timeout "$SCAN_SECS" ip netns exec "$scn" nmap -n -Pn -sS -p 80 -T4 --max-retries 0 \
		--host-timeout 30s --send-ip -e eth0 -oG "$1" $TARGETS > "$1.out" 2>&1
	grep -c '80/closed/' "$1"
}

# --- the scan, with the client going ----------------------------------------
timeout 150 ip netns exec "$vic" tcpdump -q -i eth0 -U --immediate-mode -c 5000 -w "$tmp/scan.pcap" \
	"tcp port 80 and src host $SCN" > /dev/null 2> "$tmp/dump.err" &
dump=$!
pids+=($dump)
# --immediate-mode: each packet to the file as it comes (TPACKET_V3 would
# hold them in a block until its timer, and SIGINT can come first).
# Capturing before the scan starts. Opening a capture takes the rtnl lock,
# which the kernel can hold for seconds while it tears down the namespaces
# earlier tests removed: wait for it, bounded.
dumping=0
for ((i = 0; i < 600; i++)); do
	grep -qs "listening on" "$tmp/dump.err" && { dumping=1; break; }
	sleep 0.1
done
in_ns "$leg" python3 "$peers" legit "$VIC" 14 "$tmp/legit" 2> /dev/null &
legit=$!
# the scan starts once the client has been served (its first request)
wait_until 10 logged "tcp $LEG" || fail "the client's first request was not served within 10 s"
closed=$(scan "$tmp/scan1")
if [ "${closed:-0}" -gt 0 ]; then
	ok "scan 1: nmap got RST from $closed of the watched host's ${#OWNED[@]} addresses (probes reached it)"
else
	fail "scan 1: no closed port reported: $(tail -n 2 "$tmp/scan1.out" | tr '\n' ' ')"
fi

if line=$(wait_notice Scan::Address_Scan); then
	src=$(field "$line" src) acts=$(field "$line" actions) n=$(field "$line" n)
	if [ "$src" = "$SCN" ]; then ok "Scan::Address_Scan names the scanner $SCN ($n hosts)"
	else fail "Scan::Address_Scan names src '$src', want $SCN: $line"; fi
	[ "${n:-0}" -ge 25 ] 2>/dev/null && ok "the notice counts $n >= scan-hosts (25) hosts" ||
		fail "the notice counts '$n' hosts, want >= 25"
	if [[ $acts == *pktlens::ACTION_BAN* && $acts != *REFUSED* && $acts != *DRY_RUN* ]]; then
		ok "the scanner is banned ($acts)"
	else
		fail "actions '$acts', want pktlens::ACTION_BAN"
	fi
else
	fail "no Scan::Address_Scan within ${NOTICE_SECS}s of the scan: $(tail -n 3 "$tmp/daemon.err" | tr '\n' ' ')"
fi
kill -INT "$dump" 2>/dev/null
wait "$dump" 2>/dev/null

# --- after the ban: the scanner's probes are dropped in XDP -------------------
n0=$(summaries)                   # the drops before the second scan: a
wait_until 5 new_summary "$n0"    # summary begun after the notice (and ban)
drops0=$(xdp_drops)
closed=$(scan "$tmp/scan2")
probe=$(in_ns "$scn" python3 "$peers" probe "$VIC" probe-banned "$SCN")
# before "the probe did not arrive": the client's datagram, sent after it,
# has been logged (the probe's would have been by then), and a summary
# begun after it counts the second scan's drops
n0=$(summaries)
in_ns "$leg" python3 "$peers" probe "$VIC" ctl-banned > /dev/null
wait_until 5 logged ctl-banned || fail "the client's control datagram was not logged within 5 s"
wait_until 5 new_summary "$n0" || fail "no summary line for 5 s"
drops1=$(xdp_drops)
if [ "${closed:-x}" = 0 ] && [ "$probe" = "tcp fail" ] && ! grep -q probe-banned "$tmp/server.log"; then
	ok "scan 2 after the ban: no answer to any probe, the scanner's connect fails"
else
	fail "scan 2 after the ban: $closed closed ports, probe '$probe'"
fi
if [ "$(( ${drops1:-0} - ${drops0:-0} ))" -ge "$NPROBES" ]; then
	ok "XDP drops $drops0 -> $drops1: the second scan's $NPROBES probes were dropped"
else
	fail "XDP drops $drops0 -> $drops1, want at least $NPROBES more"
fi

# --- the client ---------------------------------------------------------------
wait "$legit" 2>/dev/null
read -r ok_n total < "$tmp/legit" 2>/dev/null
if [ "${total:-0}" -gt 0 ] && [ $((ok_n * 100)) -ge $((total * 90)) ]; then
	ok "legitimate client served during both scans ($ok_n/$total)"
else
	fail "legitimate client served ${ok_n:-0}/${total:-0} during the scans"
fi
probe=$(in_ns "$leg" python3 "$peers" probe "$VIC" probe-legit "$LEG")
wait_until 5 logged probe-legit
if [ "$probe" = "tcp ok" ] && grep -q probe-legit "$tmp/server.log"; then
	ok "legitimate client still reaches the watched host after the ban"
else
	fail "legitimate client after the ban: probe '$probe'"
fi
# "no notice" once the daemon has handled what came before: a summary
# line begun after the client's last request
n0=$(summaries)
wait_until 5 new_summary "$n0" || fail "no summary line for 5 s"
if grep -q "\"src\":\"$LEG\"" "$logs/notice.log" 2>/dev/null ||
   grep -q '"note":"Scan::Port_Scan"' "$logs/notice.log" 2>/dev/null; then
	fail "unexpected notices: $(grep -E "\"src\":\"$LEG\"|Scan::Port_Scan" "$logs/notice.log" | head -n 2)"
else
	ok "no notice about the client, no port scan (one port per host)"
fi

# --- offline: the same detection over what the watched host captured ----------
mkdir -p "$tmp/offline"
[ $dumping = 1 ] || fail "tcpdump did not start capturing within 60 s: $(tr '\n' ' ' < "$tmp/dump.err")"
timeout 60 "$pktlens" analyze --no-progress --log-dir "$tmp/offline" "$tmp/scan.pcap" \
	> /dev/null 2> "$tmp/analyze.err"
line=$(grep -m 1 '"note":"Scan::Address_Scan"' "$tmp/offline/notice.log" 2>/dev/null)
if [ "$(field "$line" src)" = "$SCN" ] && [[ $(field "$line" actions) == *DRY_RUN_BAN* ]]; then
	ok "pktlens analyze of the captured scan raises it too (dry run)"
else
	fail "pktlens analyze of the capture ($(tcpdump -r "$tmp/scan.pcap" 2>/dev/null | wc -l) packets; tcpdump said: $(tail -n 2 "$tmp/dump.err" | tr '\n' ' ')): no Scan::Address_Scan from $SCN: ${line:-none} ($(tail -n 2 "$tmp/analyze.err" | tr '\n' ' '))"
fi

# --- the daemon leaves cleanly ------------------------------------------------
kill -INT "$daemon"
wait_until 30 all_gone "$daemon" || kill -KILL "$daemon" 2>/dev/null
wait "$daemon"
rc=$?
if [ "$rc" -eq 0 ] && tail -n 5 "$tmp/daemon.err" | grep -q "notices: .*Scan::Address_Scan [1-9]"; then
	ok "daemon: exit 0, $(grep 'notices:' "$tmp/daemon.err" | tail -n 1 | sed 's/^ *//')"
else
	fail "daemon: exit $rc; $(grep 'notices:' "$tmp/daemon.err" | tail -n 1)"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
