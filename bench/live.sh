#!/usr/bin/env bash
# live.sh - the highest packet rate each receiver takes on a veth without
# losing a frame: `pktlens run`, a bare XDP program, and tcpdump.
#
#   bench/live.sh BUILD_DIR        (what `make bench-live` runs; needs root)
#
# Everything happens in a private network namespace made here and removed on
# exit: a veth pair plbA<pid>/plbB<pid>. The load comes from bench/live.c, which
# injects frames into the first with BPF_PROG_TEST_RUN + LIVE_FRAMES (XDP_TX
# hands them to its peer, as a NIC would), evenly paced, a mix of TCP data on
# many flows with 1/16 DNS queries and 1/16 HTTP GETs (L7 events for pktlens).
#
# CPUs: the injector runs on CPU 0 ("the wire", at nice -10 so that other
# work on the host delays it less). The receiver is CPU 1: the veth's NAPI
# runs there as a thread at SCHED_FIFO (as softirq work would preempt
# tasks), and so do the pktlens daemon and tcpdump, at normal priority.
#
# Lossless means, for the frames of one trial:
#   bare     its XDP counter (bench_count: count, XDP_PASS) saw every frame sent
#   pktlens  its kernel counter (pl_stats packets, read from the running
#            daemon's map) saw every frame, and events_lost did not move
#   tcpdump  "packets captured" = frames sent and "dropped by kernel" = 0
#            (the counter program is attached so that frames are received)
# Each rate gets up to LIVE_ATTEMPTS trials (the host may be shared): one
# lossless trial passes it. Rates double from LIVE_START_PPS until one fails,
# then LIVE_BISECT bisection steps: one search per receiver. Its result: the
# highest lossless offered rate, and the highest rate a lossless trial really
# delivered (the injector can be delayed by other work).
#
# The receivers are interleaved: LIVE_ROUNDS rounds, each running one search
# per receiver in an order that rotates from round to round (round 1: bare,
# pktlens, tcpdump; round 2: pktlens, tcpdump, bare; ...), so a burst of
# other work on the host lands on every receiver alike, not on one block.
# pktlens run is started afresh for each of its searches (only one XDP
# program can sit on the veth). Every round's results are printed; the
# final table has the medians per receiver and the ratios of the medians
# of the delivered rates, with each target marked met or MISSED. Nothing
# here fails on speed; an error of the setup or a crash of pktlens does
# (exit 1).
# Env: LIVE_ROUNDS (3), LIVE_TRIAL_SECS (0.5), LIVE_START_PPS (50000),
#      LIVE_MAX_PPS (6400000), LIVE_BISECT (4), LIVE_ATTEMPTS (3),
#      LIVE_FLOWS (4096), LIVE_PKTLENS_ARGS (more options for `pktlens run`,
#      e.g. "--detect no").
set -euo pipefail
. "$(dirname "$0")/lib.sh"

BUILD=${1:?usage: live.sh BUILD_DIR}
PKTLENS=$BUILD/pktlens
LIVE=$BUILD/live
TRIAL_SECS=${LIVE_TRIAL_SECS:-0.5}
START_PPS=${LIVE_START_PPS:-50000}
MAX_PPS=${LIVE_MAX_PPS:-6400000}
BISECT=${LIVE_BISECT:-4}
ATTEMPTS=${LIVE_ATTEMPTS:-3}
ROUNDS=${LIVE_ROUNDS:-3}
FLOWS=${LIVE_FLOWS:-4096}
NS=plbench-live-$$
TXIF=plbA$$             # unique names: NAPI thread names are global
RXIF=plbB$$
TX_CPU=0
RX_CPU=1

die() { echo "live: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, XDP)"
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "LIVE_ROUNDS must be a positive whole number"
for x in "$PKTLENS" "$LIVE"; do [ -x "$x" ] || die "$x is missing (make BUILD=$BUILD bench-live builds it)"; done
for t in ip ethtool tcpdump taskset chrt; do
	command -v "$t" >/dev/null || die "$t is not installed (scripts/install-deps.sh)"
done
[ "$(nproc)" -ge 2 ] || { RX_CPU=0; echo "live: one CPU: injector and receiver share it"; }

TMP=$(mktemp -d /tmp/pktlens-bench-live.XXXXXX)
PL_PID=
TD_PID=
cleanup() {
	[ -n "$TD_PID" ] && kill "$TD_PID" 2>/dev/null && wait "$TD_PID" 2>/dev/null
	[ -n "$PL_PID" ] && kill "$PL_PID" 2>/dev/null && wait "$PL_PID" 2>/dev/null
	bench_ns_del "$NS"      # and anything a trial cut short left in it
	rm -rf "$TMP"
}
trap 'cleanup || true' EXIT
trap 'exit 130' INT TERM

in_ns() { ip netns exec "$NS" "$@"; }

bench_veth_ns "$NS" "$TXIF" "$RXIF" || die "cannot create namespace $NS with a veth pair"
# GRO gives the receiver a NAPI instance that outlives XDP attach/detach;
# threaded, it is a thread we can place and prioritise.
in_ns ethtool -K "$RXIF" gro on >/dev/null || die "cannot turn GRO on for $RXIF"
in_ns sh -c "echo 1 > /sys/class/net/$RXIF/threaded" || die "cannot make $RXIF's NAPI threaded"

rx_thread() {        # pin and prioritise the receiver's NAPI thread
	local p found=0
	for p in $(pgrep "^napi/$RXIF-" || true); do
		taskset -pc "$RX_CPU" "$p" >/dev/null && chrt -f -p 50 "$p" && found=1
	done
	[ $found -eq 1 ] || die "no NAPI thread for $RXIF"
}


# Starts tcpdump on the receiver; TD_PID. Opening a capture needs the rtnl
# lock, which a busy host (namespaces coming and going) can hold for long:
# a start that hangs is retried, its kernel stack shown.
start_tcpdump() {
	local try
	for try in 1 2 3; do
		# not through in_ns: $! must be tcpdump itself (ip and taskset exec
		# it); stdout away from the $(...) that runs the trial
		ip netns exec "$NS" taskset -c "$RX_CPU" tcpdump -i "$RXIF" -w /dev/null \
			> /dev/null 2> "$TMP/td.err" &
		TD_PID=$!
		for _ in $(seq 400); do
			grep -q "listening on" "$TMP/td.err" && return 0
			sleep 0.05
		done
		echo "live: tcpdump has not started in 20 s (attempt $try); in the kernel at:" >&2
		sed 's/^/    /' "/proc/$TD_PID/stack" >&2 2>/dev/null || true
		kill -9 "$TD_PID" 2>/dev/null; wait "$TD_PID" 2>/dev/null || true
	done
	cat "$TMP/td.err" >&2
	die "tcpdump did not start"
}

# trial SUBJECT RATE -> prints "ok|loss|slow ACHIEVED detail"; slow: nothing
# lost, but the injector delivered under 80% of the rate (it was delayed:
# the host is busy); it passes, and the rate it did deliver is what counts
trial() {
	local subj=$1 rate=$2 count out sent ach lost evl td cap drop
	count=$(awk -v r="$rate" -v s="$TRIAL_SECS" 'BEGIN { c = int(r * s); print c < 20000 ? 20000 : c }')
	case $subj in
	bare)
		out=$(in_ns timeout 120 nice -n -10 "$LIVE" --tx "$TXIF" --rx "$RXIF" --rx-prog count \
			--rate "$rate" --count "$count" --flows "$FLOWS" --cpu "$TX_CPU") ||
			die "injector failed (bare, $rate pps)"
		;;
	pktlens)
		kill -0 "$PL_PID" 2>/dev/null || { cat "$TMP/pktlens.err" >&2; die "pktlens run is gone"; }
		out=$(in_ns timeout 120 nice -n -10 "$LIVE" --tx "$TXIF" --rx "$RXIF" --rx-prog pktlens \
			--rate "$rate" --count "$count" --flows "$FLOWS" --cpu "$TX_CPU") ||
			{ cat "$TMP/pktlens.err" >&2; die "injector failed (pktlens, $rate pps)"; }
		kill -0 "$PL_PID" 2>/dev/null || { cat "$TMP/pktlens.err" >&2; die "pktlens run died during a trial"; }
		;;
	tcpdump)
		start_tcpdump
		out=$(in_ns timeout 120 nice -n -10 "$LIVE" --tx "$TXIF" --rx "$RXIF" --rx-prog count \
			--rate "$rate" --count "$count" --flows "$FLOWS" --cpu "$TX_CPU") ||
			die "injector failed (tcpdump, $rate pps)"
		# libpcap hands a partly filled ring block to tcpdump after its 1 s
		# timeout; stopped before that, those frames are never "captured"
		sleep 1.5
		kill -INT "$TD_PID"
		wait "$TD_PID" || true
		TD_PID=
		;;
	esac
	sent=$(field sent "$out"); ach=$(field achieved_pps "$out")
	lost=$(field lost "$out"); evl=$(field events_lost "$out")
	[ -n "$sent" ] && [ -n "$lost" ] || die "unexpected injector output: $out"
	td=""
	if [ "$subj" = tcpdump ]; then
		cap=$(awk '/packets captured/ { print $1 }' "$TMP/td.err")
		drop=$(awk '/packets dropped by kernel/ { print $1 }' "$TMP/td.err")
		[ -n "$cap" ] && [ -n "$drop" ] || { cat "$TMP/td.err" >&2; die "no counts from tcpdump"; }
		td=" captured $cap dropped-by-kernel $drop"
		if [ "$lost" = 0 ] && [ "$cap" = "$sent" ] && [ "$drop" = 0 ]; then
			echo "$(verdict ok "$ach" "$rate") $ach sent $sent xdp-seen $((sent - lost))$td"
		else
			echo "loss $ach sent $sent xdp-seen $((sent - lost))$td"
		fi
		return
	fi
	[ "$subj" = pktlens ] && td=" events_lost $evl"
	if [ "$lost" = 0 ] && { [ "$subj" != pktlens ] || [ "$evl" = 0 ]; }; then
		echo "$(verdict ok "$ach" "$rate") $ach sent $sent seen $((sent - lost))$td"
	else
		echo "loss $ach sent $sent seen $((sent - lost))$td"
	fi
}
verdict() { awk -v a="$2" -v r="$3" -v v="$1" 'BEGIN { print (a < 0.8 * r ? "slow" : v) }'; }

# try SUBJECT RATE: up to ATTEMPTS trials; T_OK=1 at the first lossless one.
# R_BEST keeps the highest rate a lossless trial actually delivered.
ntrials=0
try() {
	local subj=$1 rate=$2 a res ach
	T_OK=0
	for ((a = 1; a <= ATTEMPTS; a++)); do
		res=$(trial "$subj" "$rate")
		ntrials=$((ntrials + 1))
		printf '  %-8s %9s pps offered: %s\n' "$subj" "$rate" "$res"
		case ${res%% *} in
		ok|slow)
			T_OK=1
			ach=$(cut -d' ' -f2 <<< "$res")
			R_BEST=$(awk -v a="$ach" -v b="$R_BEST" 'BEGIN { print (a > b ? a : b) }')
			return ;;
		esac
	done
}

# search SUBJECT -> R_RATE (highest lossless offered rate), R_BEST (highest
# rate a lossless trial delivered), R_NOTE, R_TRIALS
search() {
	local subj=$1 lo=0 hi=0 rate=$START_PPS i mid
	R_BEST=0; R_NOTE=""; ntrials=0
	rx_thread
	while [ "$rate" -le "$MAX_PPS" ]; do
		try "$subj" "$rate"
		if [ $T_OK -eq 1 ]; then lo=$rate; rate=$((rate * 2)); else hi=$rate; break; fi
	done
	[ "$hi" -eq 0 ] && R_NOTE="no loss up to LIVE_MAX_PPS"
	if [ "$hi" -gt 0 ]; then
		for ((i = 0; i < BISECT; i++)); do
			mid=$(((lo + hi) / 2))
			try "$subj" "$mid"
			if [ $T_OK -eq 1 ]; then lo=$mid; else hi=$mid; fi
		done
		R_NOTE="loss at $hi"
	fi
	R_RATE=$lo
	[ "$lo" -eq 0 ] && R_NOTE="lost frames even at $hi pps"
	R_TRIALS=$ntrials
}

# Starts `pktlens run` on the receiver; PL_PID. Its stderr accumulates in
# $TMP/pktlens.err over the rounds.
start_pktlens() {
	local n0 i
	mkdir -p "$TMP/logs"
	n0=$(grep -c "attached to $RXIF" "$TMP/pktlens.err" 2>/dev/null || true)
	# not through in_ns: $! must be pktlens itself (ip and taskset exec it)
	# shellcheck disable=SC2086  # LIVE_PKTLENS_ARGS: words on purpose
	ip netns exec "$NS" taskset -c "$RX_CPU" "$PKTLENS" run -i "$RXIF" --log-dir "$TMP/logs" \
		${LIVE_PKTLENS_ARGS:-} > /dev/null 2>> "$TMP/pktlens.err" &
	PL_PID=$!
	for ((i = 0; i < 300; i++)); do
		[ "$(grep -c "attached to $RXIF" "$TMP/pktlens.err" || true)" -gt "${n0:-0}" ] && return 0
		kill -0 "$PL_PID" 2>/dev/null || { cat "$TMP/pktlens.err" >&2; die "pktlens run exited at start"; }
		sleep 0.1
	done
	cat "$TMP/pktlens.err" >&2
	die "pktlens run did not attach in 30 s"
}
stop_pktlens() {
	kill -INT "$PL_PID"
	wait "$PL_PID" || { cat "$TMP/pktlens.err" >&2; die "pktlens run exited with an error"; }
	PL_PID=
}

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
	END { if (NR % 2) printf "%.0f", v[(NR + 1) / 2]; else printf "%.0f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
# mark RATIO MIN: met or MISSED (n/a without a ratio)
mark() { awk -v r="$1" -v m="$2" 'BEGIN { if (r == "n/a") print "n/a"; else print (r + 0 >= m ? "met" : "MISSED") }'; }

cat <<EOF
== pktlens live benchmark: highest lossless packet rate on a veth ==
host: $(nproc) CPUs, kernel $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)
load: bench/live.c, LIVE_FRAMES + XDP_TX into $TXIF, even pacing, $FLOWS flows
      (14/16 TCP data 200 B, 1/16 DNS query, 1/16 HTTP GET), trials of ${TRIAL_SECS} s
veth: $TXIF -> $RXIF in netns $NS
CPUs: injector on CPU $TX_CPU (nice -10); $RXIF's NAPI thread (SCHED_FIFO), pktlens and tcpdump on CPU $RX_CPU
receivers: bare = bench_count (per-CPU counter, XDP_PASS); pktlens run -i $RXIF
           (default maps and ring buffer, logs to a folder, started afresh each round);
           tcpdump -i $RXIF -w /dev/null (AF_PACKET; the counter program is attached
           so that frames are received)
$ROUNDS rounds, each one search per receiver, the order rotating; medians over rounds
EOF

SUBJECTS=(bare pktlens tcpdump)
declare -A RATES ACHS NOTES TRIALS      # per receiver: each round's result, space-separated
for ((r = 0; r < ROUNDS; r++)); do
	order=()
	for ((j = 0; j < ${#SUBJECTS[@]}; j++)); do
		order+=("${SUBJECTS[(j + r) % ${#SUBJECTS[@]}]}")
	done
	echo "-- round $((r + 1))/$ROUNDS: ${order[*]}"
	for subj in "${order[@]}"; do
		[ "$subj" = pktlens ] && start_pktlens
		search "$subj"
		[ "$subj" = pktlens ] && stop_pktlens
		RATES[$subj]+="$R_RATE "; ACHS[$subj]+="$R_BEST "; TRIALS[$subj]+="$R_TRIALS "
		[ -z "$R_NOTE" ] || NOTES[$subj]+="r$((r + 1)): $R_NOTE; "
		printf '   round %d %-8s lossless offered %9s, delivered %9s pps (%s trials)%s\n' \
			$((r + 1)) "$subj" "$R_RATE" "$R_BEST" "$R_TRIALS" "${R_NOTE:+, $R_NOTE}"
	done
done
PL_SUMMARY=$(grep -E "^pktlens: [0-9]+ packets" "$TMP/pktlens.err" | tail -n 1 || true)
# (the notices summary counts "failed 0": not a warning)
PL_WARN=$(grep -E "lost|error|fail" "$TMP/pktlens.err" |
	grep -vE "^pktlens: [0-9]+ packets|^ *notices: " || true)

declare -A MRATE MACH
for subj in "${SUBJECTS[@]}"; do
	# shellcheck disable=SC2086  # each round's figure as a word
	MRATE[$subj]=$(median ${RATES[$subj]})
	# shellcheck disable=SC2086
	MACH[$subj]=$(median ${ACHS[$subj]})
done

echo
echo "medians over $ROUNDS rounds (each round's figures above):"
printf '%-34s %16s %14s  %-18s %s\n' "receiver" "lossless offered" "delivered pps" "trials per round" "notes"
row() {
	local notes=${NOTES[$2]:-}
	printf '%-34s %16s %14s  %-18s %s\n' "$1" "${MRATE[$2]}" "${MACH[$2]}" "${TRIALS[$2]}" "${notes%; }"
}
row "bare XDP (count, XDP_PASS)" bare
row "pktlens run" pktlens
row "tcpdump -w /dev/null (AF_PACKET)" tcpdump
echo
pb=$(ratio "${MACH[pktlens]}" "${MACH[bare]}"); pt=$(ratio "${MACH[pktlens]}" "${MACH[tcpdump]}")
echo "ratios of the median highest lossless delivered rates (of the offered rates in brackets):"
echo "  pktlens/bare    ${pb}x  ($(ratio "${MRATE[pktlens]}" "${MRATE[bare]}")x)   target >= 0.8: $(mark "$pb" 0.8)"
echo "  pktlens/tcpdump ${pt}x  ($(ratio "${MRATE[pktlens]}" "${MRATE[tcpdump]}")x)   target >= 10: $(mark "$pt" 10)"
echo "pktlens at its last exit: ${PL_SUMMARY:-no summary line}"
[ -z "$PL_WARN" ] || { echo "pktlens stderr:"; sed 's/^/  /' <<< "$PL_WARN"; }
