#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# egress.sh [PKTLENS] - `pktlens run --egress`: what the host sends, seen by
# the TC egress program, and what it receives, seen by XDP, end as one conn
# record per connection; and what a killed daemon leaves.
#
#  (a) --egress (tcx): from ns_b, 5 pings, a DNS query (dig, answered by a
#      small UDP responder) and an HTTP POST of 1 MiB (curl to a Python
#      server) to ns_a. Each is one conn record with both directions, and
#      the counts are the stacks' own: 5+5 pings, 1+1 DNS packets, and for
#      TCP the segments each side's kernel sent (TcpOutSegs). The upload
#      leaves ns_b in GSO packets (fewer packets on ns_b's tx counter than
#      segments): pktlens must count segments. Also: wire minus IP bytes is
#      14 per packet, IP minus payload 40-60 per packet; the dns record has
#      both halves (rtt), the http record comes from the request ns_b sent;
#      the summary's egress packets are those of the conns plus ARP.
#  (b) SIGKILL (tcx, no --pin): the egress link and program are gone.
#  (c) --pin: SIGKILL leaves the egress link attached and pinned; a new
#      daemon with the same --pin resumes the same link; removing the pin
#      folder detaches it.
#  (d) egress-hook = clsact (the path of kernels before 6.6): a filter that
#      SIGINT removes; SIGKILL leaves it, and the next `pktlens run` on the
#      interface removes it.
#
# Two private network namespaces joined by a veth pair (10.77.0.1 in ns_a,
# 10.77.0.2 in ns_b, IPv6 off); the daemon watches the ns_b end. No host
# interface is touched; the EXIT/INT/TERM trap kills the daemons and
# servers, removes the pin folder and the namespaces whatever happens.
# Every wait is bounded. Prints one line per case and "N passed, N failed";
# exits 0 only if all pass.
set -u
. "$(dirname "$0")/lib.sh"

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
pktlens=${1:-${PKTLENS:-$root/build/pktlens}}
ATTACH_SECS=${ATTACH_SECS:-60}    # BPF load + verifier + attach
EXIT_SECS=${EXIT_SECS:-30}        # flush of all records after SIGINT
SETTLE_SECS=${SETTLE_SECS:-10}    # for the kernel to show a link or program gone
CMD_SECS=${CMD_SECS:-60}          # one client command
BODY_KIB=1024                     # the upload

die() { echo "egress: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, XDP, TC, bpffs)"
for t in ip tc ss nsenter ping dig curl nstat bpftool python3 timeout env; do
	command -v "$t" >/dev/null || die "missing tool: $t (scripts/install-deps.sh)"
done
[ -x "$pktlens" ] || die "no pktlens binary at $pktlens"
pktlens=$(cd "$(dirname "$pktlens")" && pwd)/$(basename "$pktlens")

ns_a=pleg-$$-a ns_b=pleg-$$-b      # namespaces; the veth ends carry the same names
A=10.77.0.1 B=10.77.0.2
pin=/sys/fs/bpf/pktlens-egress-$$
tmp=$(mktemp -d /tmp/pktlens-egress.XXXXXX) || die "cannot create a temporary folder"
pids=()                            # daemons and servers, for the trap

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
trap 'echo "egress: interrupted" >&2; exit 130' INT TERM

veth_pair "$ns_a" "$ns_b" "$A/24" "$B/24" || die "cannot create the namespaces and veth pair"

# --- peers in ns_a: a DNS responder and an HTTP server that reads uploads ---
cat > "$tmp/peers.py" <<'EOF'
import http.server, socket, struct, sys, threading

def dns(addr):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, 53))
    while True:
        q, peer = s.recvfrom(4096)
        if len(q) < 12:
            continue
        end = 12
        while end < len(q) and q[end]:
            end += 1 + q[end]
        question = q[12:end + 5]
        answer = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + bytes([192, 0, 2, 1])
        s.sendto(q[:2] + b"\x81\x80" + struct.pack(">HHHH", 1, 1, 0, 0) + question + answer,
                 peer)

class Upload(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n, got = int(self.headers["Content-Length"]), 0
        while got < n:
            b = self.rfile.read(min(65536, n - got))
            if not b:
                break
            got += len(b)
        body = b"ok %d\n" % got
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass

threading.Thread(target=dns, args=(sys.argv[1],), daemon=True).start()
srv = http.server.HTTPServer((sys.argv[1], 8080), Upload)
open(sys.argv[2], "w").write("ready\n")
srv.serve_forever()
EOF
in_ns "$ns_a" python3 "$tmp/peers.py" "$A" "$tmp/peers.ready" > "$tmp/peers.log" 2>&1 &
pids+=($!)
wait_until 10 test -s "$tmp/peers.ready" || die "the DNS and HTTP peers did not start: $(tail -n 3 "$tmp/peers.log")"
head -c $((BODY_KIB * 1024)) /dev/urandom > "$tmp/body"

# --- the daemon: start, reap (lib.sh) ---------------------------------------
kill_hard() { kill -KILL "$daemon"; reap; }
stop() {
	kill -INT "$daemon"
	reap
	[ "$drc" -eq 0 ] || problem "exit status $drc after SIGINT: $(tail -n 2 "$derr" | tr '\n' ' ')"
}
# egress_ids: "LINK PROG" from the start-up line (tcx), or "" if none
egress_ids() {
	sed -n 's/.*egress: tcx link[a-z, ]* \([0-9][0-9]*\), program \([0-9][0-9]*\).*/\1 \2/p' \
		"$derr" | head -n 1
}

# --- what the kernel shows ------------------------------------------------
link_exists() { bpftool link show id "$1" > /dev/null 2>&1; }
prog_exists() { bpftool prog show id "$1" > /dev/null 2>&1; }
tc_egress() { in_ns "$ns_b" tc filter show dev "$ns_b" egress 2>/dev/null; }
xdp_on() { ip -n "$ns_b" link show dev "$ns_b" 2>/dev/null | grep -qE '\bxdp'; }
# wait_gone LINK PROG: true when neither exists and no XDP is on ns_b
gone() { ! link_exists "$1" && ! prog_exists "$2" && ! xdp_on; }
wait_gone() { wait_until "$SETTLE_SECS" gone "$1" "$2"; }
# upload_states: the TCP states of the upload's sockets, "ns_a: ...; ns_b: ..."
upload_states() {
	echo "ns_a: $(in_ns "$ns_a" ss -Htan '( sport = :8080 )' | awk '$1 != "LISTEN" { printf "%s ", $1 }');" \
		"ns_b: $(in_ns "$ns_b" ss -Htan '( dport = :8080 )' | awk '{ printf "%s ", $1 }')"
}
# upload_closed: the upload's connection is closed on both sides: every
# socket of it gone or in TIME-WAIT, and one in TIME-WAIT (it sent the last
# ACK, and the other side, gone, has received it)
upload_closed() {
	local s
	s=$(upload_states)
	[[ $s == *TIME-WAIT* ]] && ! grep -qE '(ESTAB|FIN-WAIT|CLOSE-WAIT|LAST-ACK|CLOSING|SYN)' <<< "$s"
}
out_segs() {    # TCP segments the namespace's stack has sent
	in_ns "$1" nstat -asz TcpOutSegs | awk '$1 == "TcpOutSegs" { print $2 }'
}
tx_packets() {  # packets the ns_b end of the veth has transmitted
	ip -n "$ns_b" -s -j link show dev "$ns_b" |
		python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["stats64"]["tx"]["packets"])'
}

# --- cases ------------------------------------------------------------------

# (a) both directions, live.
name="--egress (tcx): ping, DNS and an HTTP upload are one conn each, both directions, the stacks' counts"
if start a --egress --log-dir "$tmp/a.logs"; then
	read -r link prog < <(egress_ids)
	[ -n "${link:-}" ] || problem "no 'egress: tcx link N' in the start-up message: $(grep attached "$derr")"
	[ -n "${link:-}" ] && ! link_exists "$link" && problem "bpftool shows no link $link"
	[ -z "$(tc_egress)" ] || problem "a tc filter on $ns_b egress, want only the tcx link: $(tc_egress | tr '\n' ' ')"
	timeout "$CMD_SECS" nsenter --net="/run/netns/$ns_b" -- ping -c 5 -i 0.2 -W 2 "$A" \
		> "$tmp/ping" 2>&1 || problem "ping failed: $(tail -n 2 "$tmp/ping" | tr '\n' ' ')"
	ans=$(timeout "$CMD_SECS" nsenter --net="/run/netns/$ns_b" -- \
		dig +short +tries=1 +time=5 "@$A" www.egress.test A 2>&1)
	[ "$ans" = 192.0.2.1 ] || problem "dig got '$ans', want 192.0.2.1"
	segs_a0=$(out_segs "$ns_a") segs_b0=$(out_segs "$ns_b") tx0=$(tx_packets)
	got=$(timeout "$CMD_SECS" nsenter --net="/run/netns/$ns_b" -- curl -s -H 'Expect:' \
		--data-binary @"$tmp/body" "http://$A:8080/upload" 2>&1)
	[ "$got" = "ok $((BODY_KIB * 1024))" ] || problem "the upload got '$got'"
	# the last FIN and ACK: counted by both stacks before they are read
	wait_until "$CMD_SECS" upload_closed ||
		problem "the upload's connection did not close within ${CMD_SECS}s: $(upload_states)"
	segs_a1=$(out_segs "$ns_a") segs_b1=$(out_segs "$ns_b") tx1=$(tx_packets)
	stop
	got=$(python3 - "$tmp/a.logs" "$A" "$B" "$((segs_b1 - segs_b0))" "$((segs_a1 - segs_a0))" \
		"$((tx1 - tx0))" "$((BODY_KIB * 1024))" "$derr" <<'EOF'
import json, re, sys
logs, A, B = sys.argv[1:4]
segs_b, segs_a, tx, body = (int(x) for x in sys.argv[4:8])
err = sys.argv[8]
bad = []
def load(kind):
    try:
        return [json.loads(l) for l in open("%s/%s.log" % (logs, kind)) if l.strip()]
    except OSError as e:
        bad.append("no %s.log (%s)" % (kind, e.strerror))
        return []
conns = load("conn")
def one(what, **want):
    rs = [r for r in conns if all(r.get(k) == v for k, v in want.items())]
    if len(rs) != 1:
        bad.append("%d conn records of %s, want 1" % (len(rs), what))
        return None
    return rs[0]
def pkts(r, what, o, p):
    if r and (r.get("orig_pkts"), r.get("resp_pkts")) != (o, p):
        bad.append("%s: %s+%s packets, want %d+%d" % (what, r.get("orig_pkts"),
                                                     r.get("resp_pkts"), o, p))
base = {"id.orig_h": B, "id.resp_h": A}
pkts(one("the pings", proto="icmp", **base), "the pings", 5, 5)
d = one("the DNS query", proto="udp", **{"id.resp_p": 53}, **base)
pkts(d, "DNS", 1, 1)
t = one("the upload", proto="tcp", **{"id.resp_p": 8080}, **base)
if tx >= segs_b:
    bad.append("no GSO: ns_b sent %d packets for %d TCP segments, so this proves nothing"
               % (tx, segs_b))
pkts(t, "the upload (TcpOutSegs of ns_b + ns_a)", segs_b, segs_a)
if t:
    for side in ("orig", "resp"):
        n, wire, ip, pay = (t["%s_%s" % (side, f)] for f in ("pkts", "wire_bytes", "ip_bytes", "bytes"))
        if wire - ip != 14 * n:
            bad.append("%s: %d wire - %d IP bytes is not 14 x %d packets" % (side, wire, ip, n))
        if not 40 * n <= ip - pay <= 60 * n:
            bad.append("%s: %d IP - %d payload bytes is not 40-60 x %d packets" % (side, ip, pay, n))
    if t["orig_bytes"] < body:
        bad.append("the upload's orig_bytes %d < the body's %d" % (t["orig_bytes"], body))
dns = [r for r in load("dns") if r.get("query") == "www.egress.test"]
if len(dns) != 1 or dns[0].get("rcode") != 0 or "rtt" not in dns[0]:
    bad.append("dns.log: want one record of www.egress.test with rcode 0 and an rtt, got %s" % dns)
http = [r for r in load("http") if r.get("id.resp_p") == 8080]
if len(http) != 1 or http[0].get("method") != "POST" or http[0].get("host") != "%s:8080" % A:
    bad.append("http.log: want one POST to %s:8080, got %s" % (A, http))
# the egress counters: the packets of the conns ns_b sent, and its ARP
m = re.search(r"sent \(egress\): (\d+) packets.* arp (\d+);", open(err).read())
if not m:
    bad.append("no 'sent (egress)' line in the summary")
else:
    sent = sum(r["orig_pkts"] for r in conns if r.get("id.orig_h") == B) + \
           sum(r["resp_pkts"] for r in conns if r.get("id.resp_h") == B)
    if int(m.group(1)) != sent + int(m.group(2)):
        bad.append("egress counters: %s packets, the conns say %d + %s ARP" % (
            m.group(1), sent, m.group(2)))
print("; ".join(bad))
EOF
)
	[ -z "$got" ] || problem "$got"
fi
finish "$name"

# (b) SIGKILL, no pin: the link and its program die with the process.
name="SIGKILLed daemon (--egress, no --pin) leaves no egress link, program or XDP"
if start b --egress --log-dir "$tmp/b.logs"; then
	read -r link prog < <(egress_ids)
	if [ -z "${link:-}" ]; then
		problem "no 'egress: tcx link N, program P' in: $(grep attached "$derr")"
		kill_hard
	else
		link_exists "$link" || problem "link $link not there while the daemon runs"
		kill_hard
		wait_gone "$link" "$prog" || problem "${SETTLE_SECS}s after SIGKILL: link $link $(link_exists "$link" && echo still there), program $prog $(prog_exists "$prog" && echo still there), XDP $(xdp_on && echo still attached)"
	fi
fi
finish "$name"

# (c) --pin: the link stays pinned and attached, is resumed, detaches on rm.
name="--egress --pin: SIGKILL leaves the egress link pinned; a new daemon resumes it; rm of the pin folder detaches"
if start c1 --egress --pin "$pin" --log-dir "$tmp/c.logs"; then
	read -r link prog < <(egress_ids)
	# kill_hard has reaped the daemon: the kernel closed its files (a link
	# only they held is detached then) before the exit wait reports, so a
	# wrong detach would show now; no time to wait for.
	kill_hard
	if [ -z "${link:-}" ]; then
		problem "no 'egress: tcx link N' in the start-up message"
	elif ! link_exists "$link"; then
		problem "link $link gone after SIGKILL with --pin"
	elif ! bpftool link show pinned "$pin/link-egress-$ns_b" 2>/dev/null | grep -q "^$link:"; then
		problem "link $link is not pinned at $pin/link-egress-$ns_b"
	elif start c2 --egress --pin "$pin" --log-dir "$tmp/c.logs"; then
		grep -q "egress: tcx link, pinned, resumed $link," "$derr" ||
			problem "the new daemon did not resume link $link: $(grep attached "$derr")"
		stop
		link_exists "$link" || problem "link $link gone after the resumed daemon's SIGINT (--pin keeps it)"
		rm -rf "$pin"
		wait_gone "$link" "$prog" ||
			problem "${SETTLE_SECS}s after removing $pin: link $link $(link_exists "$link" && echo still there), XDP $(xdp_on && echo still attached)"
	fi
fi
rm -rf "$pin"
finish "$name"

# (d) the clsact path.
name="egress-hook = clsact: a filter, both directions seen; SIGINT removes it"
if start d1 --egress --egress-hook clsact --log-dir "$tmp/d1.logs"; then
	tc_egress | grep -q "pktlens_egress" ||
		problem "no pktlens_egress filter on $ns_b egress: $(tc_egress | tr '\n' ' ')"
	timeout "$CMD_SECS" nsenter --net="/run/netns/$ns_b" -- ping -c 3 -i 0.2 -W 2 "$A" \
		> "$tmp/ping" 2>&1 || problem "ping failed"
	stop
	got=$(python3 - "$tmp/d1.logs/conn.log" "$A" "$B" <<'EOF'
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
rs = [r for r in rs if r.get("proto") == "icmp" and r.get("id.orig_h") == sys.argv[3]]
if len(rs) != 1 or (rs[0]["orig_pkts"], rs[0]["resp_pkts"]) != (3, 3):
    print("want one icmp conn of 3+3 packets, got %s" % rs)
EOF
)
	[ -z "$got" ] || problem "$got"
	[ -z "$(tc_egress | grep pktlens_egress)" ] ||
		problem "filter still there after SIGINT: $(tc_egress | tr '\n' ' ')"
fi
finish "$name"

name="egress-hook = clsact: SIGKILL leaves the filter (documented); the next run removes it"
if start d2 --egress --egress-hook clsact --log-dir "$tmp/d2.logs"; then
	kill_hard
	tc_egress | grep -q "pktlens_egress" ||
		problem "after SIGKILL no filter: the clsact path cannot have been taken"
	if start d3 --log-dir "$tmp/d3.logs"; then
		grep -q "removed the egress filter" "$derr" ||
			problem "the next run did not say it removed the filter: $(grep -v '^  ' "$derr" | tr '\n' ' ')"
		[ -z "$(tc_egress | grep pktlens_egress)" ] ||
			problem "filter still there after the next run started: $(tc_egress | tr '\n' ' ')"
		stop
	fi
fi
finish "$name"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
