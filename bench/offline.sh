#!/usr/bin/env bash
# offline.sh - offline analysis speed: `pktlens analyze` beside tshark and
# ndpiReader on the same captures, in the same run.
#
#   bench/offline.sh BUILD_DIR [PCAPS_DIR]      (what `make bench-offline` runs)
#
# (a) the largest bundled capture: so small that start-up dominates;
# (b) a generated capture of 1,000,000 packets (bench/gen_mixed.c: 50k TCP
#     connections with an HTTP GET or a TLS ClientHello each, 50k DNS pairs;
#     PACKETS/20 of each for another size).
# Start-up is measured for every tool alike, on a one-packet capture cut
# from (a): pktlens loads its XDP program (the verifier), tshark its
# dissectors, ndpiReader its protocol tables. Every figure is given wall
# clock, and minus that tool's own start-up (a difference of two medians,
# so on a sub-second run it carries their noise, tens of milliseconds; a
# difference within the spread of the start-up runs is shown as n/a).
# The tools are interleaved: run 1 of pktlens, of tshark, of ndpiReader,
# then run 2, each round starting with the next tool, and every run is
# printed; the tables hold medians over OFFLINE_RUNS runs.
# pktlens must lose nothing: no "events lost" on stderr, and after each of
# its runs on (b) one conn record per connection and DNS pair, one
# dns/http/ssl record each. A loss is an error (exit 1); a missed speed
# target is only marked (MISSED).
# Env: OFFLINE_PACKETS (default 1000000), OFFLINE_RUNS (runs per tool and
# capture, at least 3 for a median; default 3; fewer only for a smoke run).
set -euo pipefail

BUILD=${1:?usage: offline.sh BUILD_DIR [PCAPS_DIR]}
PCAPS=${2:-../shared/pcaps}
PACKETS=${OFFLINE_PACKETS:-1000000}
RUNS=${OFFLINE_RUNS:-3}
PKTLENS=$BUILD/pktlens
GEN=$BUILD/gen_mixed
TARGET=10               # pktlens/tshark and pktlens/ndpiReader, packets/s

die() { echo "offline: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root (pktlens analyze loads its XDP program)"
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "OFFLINE_RUNS must be a positive whole number"
for x in "$PKTLENS" "$GEN"; do [ -x "$x" ] || die "$x is missing (make BUILD=$BUILD bench-offline builds it)"; done
for t in tshark ndpiReader editcap capinfos; do
	command -v "$t" >/dev/null || die "$t is not installed (scripts/install-deps.sh)"
done
BIG_BUNDLED=$(ls -S "$PCAPS"/*.pcap "$PCAPS"/*.pcapng 2>/dev/null | head -n 1 || true)
[ -n "$BIG_BUNDLED" ] || die "no capture in $PCAPS"

TMP=$(mktemp -d /tmp/pktlens-bench-offline.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

# --- helpers --------------------------------------------------------------
fmt_pps() { awk -v n="$1" -v s="$2" 'BEGIN { if (s != "n/a" && s + 0 > 0) printf "%.0f", n / s; else print "n/a" }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "n/a" && b != "n/a" && b + 0 > 0) printf "%.2f", a / b; else print "n/a" }'; }
# mark RATIO: met or MISSED against TARGET (n/a without a ratio)
mark() { awk -v r="$1" -v t="$TARGET" 'BEGIN { if (r == "n/a") print "n/a"; else print (r + 0 >= t ? "met" : "MISSED") }'; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
	END { if (NR % 2) printf "%.4f", v[(NR + 1) / 2]; else printf "%.4f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# minus A B NOISE: A - B, or n/a when that is not above NOISE (the spread
# of the start-up runs): a rate from a difference within the noise would
# be any number at all
minus() { awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN { d = a - b; if (d > n && d > 0) printf "%.4f", d; else print "n/a" }'; }
spread() { printf '%s\n' "$@" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.4f", hi - lo }'; }

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

TOOLS=(pktlens tshark ndpiReader)
declare -A RUN_OF=([pktlens]=analyze [tshark]=run_tshark [ndpiReader]=run_ndpi)

# once TOOL FILE: one run; "WALL CPU" (seconds; CPU = user + system of the
# command and its children). Its stderr goes to $TMP/err.TOOL; a failure
# is an error.
once() {
	local t
	t=$( { TIMEFORMAT='%R %U %S'; time "${RUN_OF[$1]}" "$2" > /dev/null 2> "$TMP/err.$1"; } 2>&1 ) ||
		{ cat "$TMP/err.$1" >&2; die "failed: $1 on $2"; }
	awk '{ printf "%.4f %.4f\n", $1, $2 + $3 }' <<< "$t"
}

# measure LABEL FILE [CHECK]: RUNS rounds, one run of every tool each, the
# order rotating; prints every run; W[LABEL,TOOL] and C[LABEL,TOOL] get the
# medians of wall and CPU seconds, S[LABEL,TOOL] the spread (max - min) of
# the wall times. CHECK, if given, runs after each pktlens run (a loss
# there is an error).
declare -A W C S
measure() {
	local label=$1 file=$2 check=${3:-} r j tool res walls cpus
	declare -A wl cl
	for ((r = 0; r < RUNS; r++)); do
		for ((j = 0; j < ${#TOOLS[@]}; j++)); do
			tool=${TOOLS[(j + r) % ${#TOOLS[@]}]}
			res=$(once "$tool" "$file")
			if [ "$tool" = pktlens ]; then
				! grep -q "events lost" "$TMP/err.pktlens" ||
					{ cat "$TMP/err.pktlens" >&2; die "pktlens lost events on $file"; }
				[ -z "$check" ] || "$check"
			fi
			wl[$tool]+="${res% *} "; cl[$tool]+="${res#* } "
			printf '  %-18s run %d %-11s %8s s wall %8s s CPU\n' "$label" $((r + 1)) "$tool" \
				"${res% *}" "${res#* }"
		done
	done
	for tool in "${TOOLS[@]}"; do
		walls=${wl[$tool]}; cpus=${cl[$tool]}
		# shellcheck disable=SC2086  # one figure per word
		W[$label,$tool]=$(median $walls)
		# shellcheck disable=SC2086
		S[$label,$tool]=$(spread $walls)
		# shellcheck disable=SC2086
		C[$label,$tool]=$(median $cpus)
	done
}

lines() { if [ -f "$1" ]; then wc -l < "$1"; else echo 0; fi; }

cat <<EOF
== pktlens offline benchmark: analyze vs tshark vs ndpiReader (packets/s) ==
host: $(nproc) CPUs, kernel $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)
pktlens analyze FILE --log-dir DIR --no-progress (XDP program under BPF_PROG_TEST_RUN, records to files)
tshark -r FILE -T fields (frame, addresses, ports, dns.qry.name, SNI, http.host, uri) > /dev/null
ndpiReader -i FILE -q > /dev/null
$RUNS runs per tool and capture, interleaved (the order rotating each round); medians
EOF
[ "$RUNS" -ge 3 ] || echo "warning: OFFLINE_RUNS=$RUNS: fewer than 3 runs, the figures are not medians"

# --- start-up: a one-packet capture ------------------------------------------
editcap -r "$BIG_BUNDLED" "$TMP/one.pcap" 1 >/dev/null 2>&1 ||
	die "editcap could not cut one packet out of $BIG_BUNDLED"
echo "start-up (a one-packet capture cut from $(basename "$BIG_BUNDLED")):"
measure start-up "$TMP/one.pcap"

rows=()
# rows_for LABEL PACKETS: one row per tool, and one minus its start-up
rows_for() {
	local label=$1 n=$2 tool w c wx
	for tool in "${TOOLS[@]}"; do
		w=${W[$label,$tool]}; c=${C[$label,$tool]}
		wx=$(minus "$w" "${W[start-up,$tool]}" "${S[start-up,$tool]}")
		rows+=("$(printf '%-20s %-11s %9s %9s %12s %9s %12s %11s %12s' "$label" "$tool" "$n" \
			"$w" "$(fmt_pps "$n" "$w")" "$c" "$(fmt_pps "$n" "$c")" "$wx" "$(fmt_pps "$n" "$wx")")")
	done
}

# --- (a) the largest bundled capture ---------------------------------------
N_SMALL=$(capinfos -c -M "$BIG_BUNDLED" | awk -F: '/Number of packets/ { gsub(/ /, "", $2); print $2 }')
name=$(basename "$BIG_BUNDLED")
echo "the largest bundled capture, $name ($N_SMALL packets):"
measure "$name" "$BIG_BUNDLED"
rows_for "$name" "$N_SMALL"

# --- (b) the generated capture -----------------------------------------------
echo "generating $PACKETS packets of mixed TCP/HTTP/TLS/DNS ..."
GENOUT=$("$GEN" -o "$TMP/mixed.pcap" -n "$PACKETS" -t $((PACKETS / 20)) -d $((PACKETS / 20))) ||
	die "gen_mixed failed"
echo "  $GENOUT ($(du -m "$TMP/mixed.pcap" | cut -f1) MiB)"
eval "$(echo "$GENOUT" | tr ' ' '\n' | grep -E '^(packets|tcp_flows|http|tls|dns_pairs)=[0-9]+$' | sed 's/^/G_/')"
: "${G_packets:?}" "${G_tcp_flows:?}" "${G_http:?}" "${G_tls:?}" "${G_dns_pairs:?}"

# After each pktlens run on the generated capture: did it lose anything?
want_conn=$((G_tcp_flows + G_dns_pairs))
RECORDS=""
check_records() {
	local conn dns http ssl
	conn=$(lines "$TMP/logs/conn.log"); dns=$(lines "$TMP/logs/dns.log")
	http=$(lines "$TMP/logs/http.log"); ssl=$(lines "$TMP/logs/ssl.log")
	RECORDS="conn $conn/$want_conn  dns $dns/$G_dns_pairs  http $http/$G_http  ssl $ssl/$G_tls"
	if [ "$conn" -ne "$want_conn" ] || [ "$dns" -ne "$G_dns_pairs" ] ||
		[ "$http" -ne "$G_http" ] || [ "$ssl" -ne "$G_tls" ]; then
		cat "$TMP/err.pktlens" >&2
		die "pktlens lost records on the generated capture (got/expected): $RECORDS"
	fi
}
gname="gen_mixed"
echo "the generated capture ($G_packets packets):"
measure "$gname" "$TMP/mixed.pcap" check_records
rows_for "$gname" "$G_packets"

echo
printf '%-20s %-11s %9s %9s %12s %9s %12s %11s %12s\n' "capture" "tool" "packets" "wall s" \
	"packets/s" "CPU s" "pkts/CPU-s" "-start-up s" "packets/s"
printf '%s\n' "${rows[@]}"
for tool in "${TOOLS[@]}"; do
	printf '%-20s %-11s %9s %9s %12s %9s\n' "start-up (1 packet)" "$tool" 1 "${W[start-up,$tool]}" \
		"" "${C[start-up,$tool]}"
done
echo "(medians of $RUNS runs; CPU s: user + system time of the tool, steadier than wall"
echo " clock on a busy host; -start-up: wall clock minus the tool's own start-up median,"
echo " n/a where that difference is within the spread of the start-up runs)"

# ratios on the generated capture: wall, minus start-up, per CPU second
pps() { fmt_pps "$G_packets" "$1"; }
x() { if [ "$1" = n/a ]; then echo n/a; else echo "${1}x"; fi; }
echo
echo "ratios on the generated capture, packets/s (target >= ${TARGET}x each):"
printf '  %-18s %17s %19s %19s\n' "" "wall clock" "minus start-up" "per CPU second"
for peer in tshark ndpiReader; do
	rw=$(ratio "$(pps "${W[$gname,pktlens]}")" "$(pps "${W[$gname,$peer]}")")
	rx=$(ratio "$(pps "$(minus "${W[$gname,pktlens]}" "${W[start-up,pktlens]}" "${S[start-up,pktlens]}")")" \
		"$(pps "$(minus "${W[$gname,$peer]}" "${W[start-up,$peer]}" "${S[start-up,$peer]}")")")
	rc=$(ratio "$(pps "${C[$gname,pktlens]}")" "$(pps "${C[$gname,$peer]}")")
	printf '  %-18s %10s %-6s %12s %-6s %12s %-6s\n' "pktlens/$peer" "$(x "$rw")" "$(mark "$rw")" \
		"$(x "$rx")" "$(mark "$rx")" "$(x "$rc")" "$(mark "$rc")"
done
echo "records written by pktlens for the generated capture, its last run (got/expected):"
echo "  $RECORDS"
echo "  every run checked; stderr: no lost events reported"
