#!/usr/bin/env bash
# mem.sh - memory of `pktlens run` with 10k, 100k and 1M active flows: the
# daemon's resident set (VmRSS, VmHWM) and the BPF maps' memory (bpftool's
# bytes_memlock, what the kernel charges for each map of the program).
#
#   bench/mem.sh BUILD_DIR         (what `make bench-mem` runs; needs root)
#
# For each N: a private network namespace with a veth pair, `pktlens run
# -i RX --flows N'` (N' the power of two >= N), then bench/live.c injects N TCP segments of N distinct flows
# (distinct 5-tuples: 4096 client addresses x ports) at MEM_PPS (default
# 100000/s, below pktlens' lossless rate), waits until the sweeps of the
# flow table (--sweep-interval 1) settle, and reads the figures while the
# flows are active (their idle timeout is 60 s). "open" and "logged" are the
# collector's counts from its periodic summary (--summary 1). The daemon runs
# on CPU 1, the injector on CPU 0 (as in live.sh).
# Env: MEM_FLOWS ("10000 100000 1000000"), MEM_PPS (100000), MEM_WAIT (60 s).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

BUILD=${1:?usage: mem.sh BUILD_DIR}
PKTLENS=$BUILD/pktlens
LIVE=$BUILD/live
SIZES=${MEM_FLOWS:-10000 100000 1000000}
PPS=${MEM_PPS:-100000}
WAIT=${MEM_WAIT:-60}
NS=plbench-mem-$$
TXIF=plmA$$
RXIF=plmB$$
TX_CPU=0
RX_CPU=1

die() { echo "mem: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, XDP)"
for x in "$PKTLENS" "$LIVE"; do [ -x "$x" ] || die "$x is missing (make BUILD=$BUILD bench-mem builds it)"; done
for t in ip bpftool python3 taskset; do
	command -v "$t" >/dev/null || die "$t is not installed (scripts/install-deps.sh)"
done
[ "$(nproc)" -ge 2 ] || RX_CPU=0

TMP=$(mktemp -d /tmp/pktlens-bench-mem.XXXXXX)
PL_PID=
cleanup() {
	[ -n "$PL_PID" ] && kill "$PL_PID" 2>/dev/null && wait "$PL_PID" 2>/dev/null
	bench_ns_del "$NS"
	rm -rf "$TMP"
}
trap 'cleanup || true' EXIT
trap 'exit 130' INT TERM

in_ns() { ip netns exec "$NS" "$@"; }

bench_veth_ns "$NS" "$TXIF" "$RXIF" || die "cannot create namespace $NS with a veth pair"

summary_lines() { grep -cE "^pktlens: [0-9]+ packets" "$TMP/pl.err" || true; }
# "open logged" from the daemon's last periodic summary
summary_counts() {
	{ grep -E "^pktlens: [0-9]+ packets" "$TMP/pl.err" || true; } | tail -n 1 |
		sed -nE 's/.*conns logged ([0-9]+), open ([0-9]+).*/\2 \1/p'
}
pow2() { local n=1; while [ $n -lt "$1" ]; do n=$((n * 2)); done; echo $n; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }

# Map memory of the XDP program on RXIF: "total pl_flows_bytes"
map_bytes() {
	local prog
	prog=$(in_ns ip -j link show "$RXIF" | python3 -c '
import json, sys
l = json.load(sys.stdin)[0]
x = l.get("xdp", {})
print(x.get("prog", {}).get("id") or next((p["prog"]["id"] for p in x.get("attached", []) if "prog" in p), ""))')
	[ -n "$prog" ] || die "no XDP program on $RXIF"
	bpftool prog show id "$prog" -j | python3 -c '
import json, subprocess, sys
p = json.load(sys.stdin)
total = flows = 0
for m in p.get("map_ids", []):
    info = json.loads(subprocess.check_output(["bpftool", "map", "show", "id", str(m), "-j"]))
    total += info.get("bytes_memlock", 0)
    if info.get("name") == "pl_flows":
        flows = info.get("bytes_memlock", 0)
print(total, flows)'
}

cat <<EOF
== pktlens memory benchmark: daemon RSS and BPF map memory with N active flows ==
host: $(nproc) CPUs, kernel $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)
pktlens run -i $RXIF --flows N' --sweep-interval 1 --summary 1 --log-dir DIR (other settings default), on CPU $RX_CPU
load: bench/live.c on CPU $TX_CPU, N TCP segments of N distinct flows at $PPS packets/s
EOF

rows=()
for n in $SIZES; do
	np=$(pow2 "$n")
	rm -rf "$TMP/logs"; mkdir -p "$TMP/logs"
	# not through in_ns: $! must be pktlens itself (ip and taskset exec it)
	ip netns exec "$NS" taskset -c "$RX_CPU" "$PKTLENS" run -i "$RXIF" --flows "$np" \
		--sweep-interval 1 --summary 1 --log-dir "$TMP/logs" > /dev/null 2> "$TMP/pl.err" &
	PL_PID=$!
	for _ in $(seq 300); do
		grep -q "attached to $RXIF" "$TMP/pl.err" && break
		kill -0 "$PL_PID" 2>/dev/null || { cat "$TMP/pl.err" >&2; die "pktlens run exited at start (--flows $np)"; }
		sleep 0.1
	done
	grep -q "attached to $RXIF" "$TMP/pl.err" || { cat "$TMP/pl.err" >&2; die "pktlens run did not attach"; }
	rss0=$(awk '/^VmRSS/ { print $2 * 1024 }' "/proc/$PL_PID/status")
	out=$(in_ns timeout 300 nice -n -10 "$LIVE" --tx "$TXIF" --rx "$RXIF" --rx-prog pktlens \
		--mix tcp --flows "$n" --count "$n" --rate "$PPS" --cpu "$TX_CPU") || die "injector failed ($n flows)"
	sent=$(field sent "$out"); lost=$(field lost "$out"); evl=$(field events_lost "$out")
	ach=$(field achieved_pps "$out")
	# Wait for the sweeps to catch up: three new summaries (one per sweep at
	# most) with the same counts; a sweep of a big table takes longer than
	# its interval. At most MEM_WAIT seconds.
	n0=$(summary_lines); prev=""; same=0; t_wait=$(date +%s)
	while [ $(($(date +%s) - t_wait)) -lt "$WAIT" ]; do
		sleep 0.5
		kill -0 "$PL_PID" 2>/dev/null || { cat "$TMP/pl.err" >&2; die "pktlens run died with $n flows"; }
		n1=$(summary_lines)
		[ "$n1" -gt "$n0" ] || continue
		n0=$n1
		cur=$(summary_counts)
		if [ "$cur" = "$prev" ]; then same=$((same + 1)); else same=0; fi
		prev=$cur
		[ $same -ge 2 ] && break
	done
	waited=$(($(date +%s) - t_wait))
	rss=$(awk '/^VmRSS/ { print $2 * 1024 }' "/proc/$PL_PID/status")
	hwm=$(awk '/^VmHWM/ { print $2 * 1024 }' "/proc/$PL_PID/status")
	read -r maps flowmap <<< "$(map_bytes)"
	read -r open logged <<< "$(summary_counts)"
	kill -INT "$PL_PID"
	wait "$PL_PID" || { cat "$TMP/pl.err" >&2; die "pktlens run exited with an error ($n flows)"; }
	PL_PID=
	printf '  %7s flows: sent %s at %s/s, not seen by pktlens %s, events lost %s; after %s s: open %s, logged %s\n' \
		"$n" "$sent" "$ach" "$lost" "$evl" "$waited" "$open" "$logged"
	rows+=("$(printf '%9s %9s %9s %9s %8s %9s %9s %9s %9s %12s' "$n" "$np" "$open" "$logged" "$evl" \
		"$(mib "$rss0")" "$(mib "$rss")" "$(mib "$hwm")" "$(mib "$maps")" "$(mib "$flowmap")")")
done

echo
printf '%9s %9s %9s %9s %8s %9s %9s %9s %9s %12s\n' "flows" "--flows" "open" "logged" \
	"ev.lost" "RSS0 MiB" "RSS MiB" "HWM MiB" "maps MiB" "pl_flows MiB"
printf '%s\n' "${rows[@]}"
echo "(open / logged: connections the collector holds / has already written, from its"
echo " last summary; every flow is active: one packet each, idle timeout 60 s, so"
echo " 'logged' should be 0. ev.lost: ring-buffer events lost during the injection."
echo " RSS0: right after start. maps: bytes_memlock of every map of the attached"
echo " program, as bpftool reports it; pl_flows: the flow table alone)"
echo "targets: none set for this benchmark (figures only, nothing to mark met or MISSED)"
