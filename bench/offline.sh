#!/usr/bin/env bash
# offline.sh - offline analysis speed: `pktlens analyze` beside tshark and
# ndpiReader on the same captures, in the same run.
#
#   bench/offline.sh BUILD_DIR [PCAPS_DIR]      (what `make bench-offline` runs)
#
# (a) the largest bundled capture: so small that loading the XDP program
#     (verifier) dominates, so packets/s are given wall-clock and without a
#     load time measured on a one-packet capture;
# (b) a generated capture of 1,000,000 packets (bench/gen_mixed.c: 50k TCP
#     connections with an HTTP GET or a TLS ClientHello each, 50k DNS pairs;
#     PACKETS/20 of each for another size).
# pktlens must lose nothing: no "events lost" on stderr, and one conn record
# per connection and DNS pair, one dns/http/ssl record each. A loss is an
# error (exit 1); a missed speed target is only printed.
# Env: OFFLINE_PACKETS (default 1000000), OFFLINE_RUNS (timed runs per tool
# on the big capture, median; default 1; the small capture gets 3, pktlens
# and the load time 5: "minus load" is a difference of two medians, so on a
# sub-second run it carries their noise, tens of milliseconds).
set -euo pipefail

BUILD=${1:?usage: offline.sh BUILD_DIR [PCAPS_DIR]}
PCAPS=${2:-../shared/pcaps}
PACKETS=${OFFLINE_PACKETS:-1000000}
RUNS=${OFFLINE_RUNS:-1}
PKTLENS=$BUILD/pktlens
GEN=$BUILD/gen_mixed

die() { echo "offline: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root (pktlens analyze loads its XDP program)"
for x in "$PKTLENS" "$GEN"; do [ -x "$x" ] || die "$x is missing (make BUILD=$BUILD bench-offline builds it)"; done
for t in tshark ndpiReader editcap capinfos; do
	command -v "$t" >/dev/null || die "$t is not installed (scripts/install-deps.sh)"
done
BIG_BUNDLED=$(ls -S "$PCAPS"/*.pcap "$PCAPS"/*.pcapng 2>/dev/null | head -n 1 || true)
[ -n "$BIG_BUNDLED" ] || die "no capture in $PCAPS"

TMP=$(mktemp -d /tmp/pktlens-bench-offline.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

# --- helpers --------------------------------------------------------------
now() { echo "${EPOCHREALTIME/,/.}"; }
fmt_pps() { awk -v n="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.0f", n / s; else print "n/a" }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a != "n/a") printf "%.2f", a / b; else print "n/a" }'; }

# Runs "$@" N times; prints "WALL CPU" (seconds; CPU = user + system of the
# command and its children) of the run with the median wall clock. The
# command's stderr goes to $TMP/err.last; a failure is an error.
timed() {
	local n=$1 i t; shift
	for ((i = 0; i < n; i++)); do
		t=$( { TIMEFORMAT='%R %U %S'; time "$@" > /dev/null 2> "$TMP/err.last"; } 2>&1 ) ||
			{ cat "$TMP/err.last" >&2; die "failed: $*"; }
		awk '{ printf "%.4f %.4f\n", $1, $2 + $3 }' <<< "$t"
	done | sort -g | awk '{ v[NR] = $0 } END { print v[int((NR + 1) / 2)] }'
}
wall() { echo "${1% *}"; }
cpu() { echo "${1#* }"; }

analyze() {          # analyze FILE: one run into a fresh log folder
	rm -rf "$TMP/logs"
	"$PKTLENS" analyze "$1" --log-dir "$TMP/logs" --no-progress
}
run_tshark() {
	tshark -r "$1" -T fields -e frame.number -e ip.src -e ip.dst -e tcp.srcport \
		-e tcp.dstport -e udp.srcport -e udp.dstport -e dns.qry.name \
		-e tls.handshake.extensions_server_name -e http.host -e http.request.uri
}
run_ndpi() { ndpiReader -i "$1" -q; }

lines() { if [ -f "$1" ]; then wc -l < "$1"; else echo 0; fi; }

cat <<EOF
== pktlens offline benchmark: analyze vs tshark vs ndpiReader (packets/s) ==
host: $(nproc) CPUs, kernel $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)
pktlens analyze FILE --log-dir DIR --no-progress (XDP program under BPF_PROG_TEST_RUN, records to files)
tshark -r FILE -T fields (frame, addresses, ports, dns.qry.name, SNI, http.host, uri) > /dev/null
ndpiReader -i FILE -q > /dev/null
EOF

# --- load time --------------------------------------------------------------
editcap -r "$BIG_BUNDLED" "$TMP/one.pcap" 1 >/dev/null 2>&1 ||
	die "editcap could not cut one packet out of $BIG_BUNDLED"
LOADT=$(timed 5 analyze "$TMP/one.pcap")
LOAD=$(wall "$LOADT")
echo "program load (analyze of a 1-packet capture, median of 5): ${LOAD} s wall, $(cpu "$LOADT") s CPU"

rows=()
# row CAPTURE TOOL PACKETS WALL CPU
row() {
	rows+=("$(printf '%-20s %-22s %9s %9s %12s %9s %12s' "$1" "$2" "$3" "$4" \
		"$(fmt_pps "$3" "$4")" "$5" "$(fmt_pps "$3" "$5")")")
}

# --- (a) the largest bundled capture ---------------------------------------
N_SMALL=$(capinfos -c -M "$BIG_BUNDLED" | awk -F: '/Number of packets/ { gsub(/ /, "", $2); print $2 }')
S_PL=$(timed 5 analyze "$BIG_BUNDLED")
grep -q "events lost" "$TMP/err.last" && { cat "$TMP/err.last" >&2; die "pktlens lost events on $BIG_BUNDLED"; }
S_TS=$(timed 3 run_tshark "$BIG_BUNDLED")
S_ND=$(timed 3 run_ndpi "$BIG_BUNDLED")
minus_load() { awk -v a="$1" -v l="$2" 'BEGIN { d = a - l; printf "%.4f", (d > 0.0001 ? d : 0.0001) }'; }
name=$(basename "$BIG_BUNDLED")
row "$name" "pktlens" "$N_SMALL" "$(wall "$S_PL")" "$(cpu "$S_PL")"
row "$name" "pktlens minus load" "$N_SMALL" "$(minus_load "$(wall "$S_PL")" "$LOAD")" \
	"$(minus_load "$(cpu "$S_PL")" "$(cpu "$LOADT")")"
row "$name" "tshark" "$N_SMALL" "$(wall "$S_TS")" "$(cpu "$S_TS")"
row "$name" "ndpiReader" "$N_SMALL" "$(wall "$S_ND")" "$(cpu "$S_ND")"

# --- (b) the generated capture -----------------------------------------------
echo "generating $PACKETS packets of mixed TCP/HTTP/TLS/DNS ..."
GENOUT=$("$GEN" -o "$TMP/mixed.pcap" -n "$PACKETS" -t $((PACKETS / 20)) -d $((PACKETS / 20))) ||
	die "gen_mixed failed"
echo "  $GENOUT ($(du -m "$TMP/mixed.pcap" | cut -f1) MiB)"
eval "$(echo "$GENOUT" | tr ' ' '\n' | grep -E '^(packets|tcp_flows|http|tls|dns_pairs)=[0-9]+$' | sed 's/^/G_/')"
: "${G_packets:?}" "${G_tcp_flows:?}" "${G_http:?}" "${G_tls:?}" "${G_dns_pairs:?}"

B_PL=$(timed "$RUNS" analyze "$TMP/mixed.pcap")
cp "$TMP/err.last" "$TMP/err.pktlens"
B_TS=$(timed "$RUNS" run_tshark "$TMP/mixed.pcap")
B_ND=$(timed "$RUNS" run_ndpi "$TMP/mixed.pcap")
B_PLX_W=$(minus_load "$(wall "$B_PL")" "$LOAD")
B_PLX_C=$(minus_load "$(cpu "$B_PL")" "$(cpu "$LOADT")")
gname="gen_mixed"
row "$gname" "pktlens" "$G_packets" "$(wall "$B_PL")" "$(cpu "$B_PL")"
row "$gname" "pktlens minus load" "$G_packets" "$B_PLX_W" "$B_PLX_C"
row "$gname" "tshark" "$G_packets" "$(wall "$B_TS")" "$(cpu "$B_TS")"
row "$gname" "ndpiReader" "$G_packets" "$(wall "$B_ND")" "$(cpu "$B_ND")"
P_PL=$(fmt_pps "$G_packets" "$(wall "$B_PL")"); C_PL=$(fmt_pps "$G_packets" "$(cpu "$B_PL")")
P_PLX=$(fmt_pps "$G_packets" "$B_PLX_W")
P_TS=$(fmt_pps "$G_packets" "$(wall "$B_TS")"); C_TS=$(fmt_pps "$G_packets" "$(cpu "$B_TS")")
P_ND=$(fmt_pps "$G_packets" "$(wall "$B_ND")"); C_ND=$(fmt_pps "$G_packets" "$(cpu "$B_ND")")

# --- did pktlens lose anything (last run's logs) ----------------------------
want_conn=$((G_tcp_flows + G_dns_pairs))
got_conn=$(lines "$TMP/logs/conn.log"); got_dns=$(lines "$TMP/logs/dns.log")
got_http=$(lines "$TMP/logs/http.log"); got_ssl=$(lines "$TMP/logs/ssl.log")
lost_msg=$(grep -i "lost" "$TMP/err.pktlens" || true)

echo
printf '%-20s %-22s %9s %9s %12s %9s %12s\n' "capture" "tool" "packets" "wall s" "packets/s" \
	"CPU s" "pkts/CPU-s"
printf '%s\n' "${rows[@]}"
echo "(CPU s: user + system time of the tool; on a busy host it is steadier than wall clock)"
echo
echo "ratios on the generated capture, packets/s (target >= 10x each):"
echo "                     wall clock   minus load   per CPU second"
printf '  %-18s %9sx %11sx %15sx\n' "pktlens/tshark" "$(ratio "$P_PL" "$P_TS")" \
	"$(ratio "$P_PLX" "$P_TS")" "$(ratio "$C_PL" "$C_TS")"
printf '  %-18s %9sx %11sx %15sx\n' "pktlens/ndpiReader" "$(ratio "$P_PL" "$P_ND")" \
	"$(ratio "$P_PLX" "$P_ND")" "$(ratio "$C_PL" "$C_ND")"
echo "records written by pktlens for the generated capture (got/expected):"
echo "  conn $got_conn/$want_conn  dns $got_dns/$G_dns_pairs  http $got_http/$G_http  ssl $got_ssl/$G_tls"
echo "  stderr: ${lost_msg:-no lost events reported}"

fail=0
[ -z "$lost_msg" ] || fail=1
[ "$got_conn" -eq "$want_conn" ] && [ "$got_dns" -eq "$G_dns_pairs" ] &&
	[ "$got_http" -eq "$G_http" ] && [ "$got_ssl" -eq "$G_tls" ] || fail=1
if [ $fail -ne 0 ]; then
	echo "offline: pktlens lost records or events on the generated capture (see above)" >&2
	exit 1
fi
