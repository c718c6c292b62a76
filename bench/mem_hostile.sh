#!/usr/bin/env bash
# mem_hostile.sh - the collector's memory under floods made to grow its
# tables (docs/bounds.md): 1M unique DNS names, 1M unanswered queries on one
# 5-tuple and on many, 100k ClientHellos that announce more than they send.
# Each runs in its own process (bench/mem_hostile.c: events straight into
# the collector, as the ring buffer hands them); the resident set is printed
# at ten steps through each flood with the loss counters, and should stay
# flat once a table reaches its bound. No root needed.
#
#   bench/mem_hostile.sh BUILD_DIR      (what `make bench-mem-hostile` runs)
#
# Env: MEMH_NAMES (1000000), MEMH_PENDING (1000000), MEMH_HELLOS (100000);
# a smoke run: MEMH_NAMES=10000 MEMH_PENDING=10000 MEMH_HELLOS=10000.
set -euo pipefail

BUILD=${1:?usage: mem_hostile.sh BUILD_DIR}
BIN=$BUILD/mem_hostile
NAMES=${MEMH_NAMES:-1000000}
PENDING=${MEMH_PENDING:-1000000}
HELLOS=${MEMH_HELLOS:-100000}

die() { echo "mem_hostile: $*" >&2; exit 1; }
[ -x "$BIN" ] || die "$BIN is missing (make BUILD=$BUILD bench-mem-hostile builds it)"

cat <<HDR
== pktlens memory under hostile floods: the collector's resident set at ten steps ==
host: $(nproc) CPUs, kernel $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)
defaults (docs/bounds.md): 256 open queries per connection, 32768 in all; 1024 names per
top table; 65536 connections without a flow table; 32 MiB of waiting TLS/HTTP records
HDR
run() {
	local sc=$1 n=$2 title=$3
	echo
	echo "-- $title ($sc, N=$n)"
	# records to /dev/null: the figures are on stderr
	"$BIN" "$sc" "$n" 2>&1 >/dev/null | awk '
		/ step / {
			for (i = 1; i <= NF; i++) v[$i] = $(i + 1)
			printf "  %6s events %9s  RSS %7.1f MiB  step %6.2f s  open queries %7s  " \
			       "evicted (conn/total) %s/%s  names evicted %s  conns open %s evicted %s  " \
			       "hellos waiting %s evicted %s\n", v["step"], v["events"], v["rss_kib"] / 1024,
			       v["step_s"], v["dns_open"], v["dns_evicted_conn"], v["dns_evicted_total"],
			       v["top_evicted_dns"], v["conns_open"], v["conns_evicted"],
			       v["reasm_waiting"], v["reasm_evicted"]
			next
		}
		{ print "  " $0 }' || die "$sc failed"
}
run names "$NAMES" "unique DNS names (random-subdomain flood), each answered"
run pending1 "$PENDING" "unanswered DNS queries on one 5-tuple"
run pending "$PENDING" "unanswered DNS queries on many 5-tuples"
run hellos "$HELLOS" "ClientHellos that announce 16000 bytes and send none of the rest, one per source"
echo
echo "(RSS: VmRSS of the process; flat after the first steps = the bound holds. step: seconds"
echo " the step took (linear: each step about the same). Loss counters: what was evicted, each"
echo " written as its record (unanswered query, incomplete hello, closed connection), none lost)"
echo "targets: none set for this benchmark (figures only, nothing to mark met or MISSED)"
