#!/usr/bin/env bash
# run.sh BUILD NAME SECS [--keep] - runs the libFuzzer target
# BUILD/fuzz/fuzz_NAME for SECS seconds and prints one line:
#
#   ok   fuzz_NAME: RUNS runs (N/s), cov C, ft F, 0 crashes in SECS s
#   FAIL fuzz_NAME: WHY (the reproducer, and how to rerun it)
#
# Inputs: the seeds in tests/fuzz/corpus-NAME (and BUILD/fuzz/seeds-NAME
# when the build generates some), a dictionary BUILD/fuzz/NAME.dict if
# there is one. New inputs go to a fresh folder removed at the end, so
# that `make test` does not depend on earlier runs; with --keep (`make
# fuzz`) to BUILD/fuzz/corpus-NAME, kept and grown from run to run.
# A crash, a leak, an input slower than TIMEOUT seconds or over the memory
# limit fails the case; libFuzzer leaves the input that did it in
# BUILD/fuzz/crashes/NAME/ (its -artifact_prefix) and the whole log is
# BUILD/fuzz/NAME.log.
set -u
build=$1 name=$2 secs=$3 keep=${4:-}
here=$(cd "$(dirname "$0")" && pwd)
bin=$build/fuzz/fuzz_$name
log=$build/fuzz/$name.log
crashes=$build/fuzz/crashes/$name
timeout=${FUZZ_TIMEOUT:-30}

fail() {
	echo "FAIL fuzz_$name: $*"
	exit 1
}

[ -x "$bin" ] || fail "$bin is not built (make $bin)"
case $name in                   # the largest input worth trying
parser|ipreasm) max_len=4096 ;;
config) max_len=8192 ;;
rules) max_len=16384 ;;
*) max_len=65536 ;;
esac
seeds=()
for d in "$here/corpus-$name" "$build/fuzz/seeds-$name"; do
	[ -d "$d" ] && seeds+=("$d")
done
dict=()
[ -f "$build/fuzz/$name.dict" ] && dict=(-dict="$build/fuzz/$name.dict")
if [ "$keep" = --keep ]; then
	corpus=$build/fuzz/corpus-$name
	mkdir -p "$corpus"
else
	corpus=$(mktemp -d "${TMPDIR:-/tmp}/pktlens-fuzz-$name-XXXXXX")
	trap 'rm -rf "$corpus"' EXIT
fi
mkdir -p "$crashes"

# -print_funcs=0: no symbolizer run for every new function found.
"$bin" -max_total_time="$secs" -max_len="$max_len" -timeout="$timeout" \
	-artifact_prefix="$crashes/" -print_final_stats=1 -print_funcs=0 \
	"${dict[@]}" "$corpus" "${seeds[@]}" >"$log" 2>&1
rc=$?

# what libFuzzer wrote (named by its content: an input found before is
# written again under the same name)
written=$(sed -n 's/.*Test unit written to //p' "$log")
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
last=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -n 1)
cov=${last#cov: } cov=${cov%% *} ft=${last##* }
if [ "$rc" -ne 0 ] || [ -n "$written" ]; then
	# the sanitizer's or libFuzzer's own words, then where the input is
	why=$(grep -m 1 -E '^==[0-9]+==ERROR|^SUMMARY|runtime error|libFuzzer: (deadly|timeout|out-of-memory)' "$log")
	# an abort() in the target is one of its checks: say which line
	at=$(grep -m 1 -oE "in [A-Za-z_0-9]+ [^ ]*tests/fuzz/fuzz_$name\.c:[0-9]+" "$log")
	[ -n "$at" ] && why="$why, $at"
	grep -E -A 12 '^==[0-9]+==ERROR|runtime error' "$log" | head -n 30 | sed 's/^/    /'
	first=$(printf '%s\n' "$written" | head -n 1)
	[ -n "$first" ] || fail "exit status $rc, no input written: ${why:-see $log}; log $log"
	fail "1 crash: ${why:-exit status $rc}; reproducer $first (rerun: $bin $first); log $log"
fi
[ -n "$runs" ] && [ -n "$last" ] || fail "no final statistics in $log"
echo "ok   fuzz_$name: $runs runs ($rate/s), cov $cov, ft $ft, 0 crashes in $secs s"
