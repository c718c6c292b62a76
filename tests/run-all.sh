#!/usr/bin/env bash
# run-all.sh BUILD PCAPS FUZZ_SECS - every test suite, then one closing line.
# Each suite counts as one test here; their own output shows the details.
set -u
build=$1 pcaps=$2 fuzz_secs=$3
passed=0 failed=0

run() {
	local name=$1; shift
	echo "=== $name"
	if "$@"; then
		passed=$((passed + 1)); echo "=== $name: ok"
	else
		failed=$((failed + 1)); echo "=== $name: FAILED"
	fi
}

run "parser unit tests (native, ASan+UBSan)" "$build/san/test_parser"
run "collector unit tests: options, reassembly, records, sink (native, ASan+UBSan)" \
	"$build/san/test_collector"
run "IP reassembly: order, duplicates, overlaps, timeouts, memory bounds, IPv6 headers, oversize, cut fragments (native, ASan+UBSan)" \
	"$build/san/test_ipreasm"
run "detections on made-up events: thresholds, windows, suppression, bans, warm-up (ASan+UBSan)" \
	"$build/san/test_detect"
run "XDP program under BPF_PROG_TEST_RUN" "$build/san/test_bpf"
run "TC egress program on the XDP program's maps under BPF_PROG_TEST_RUN (ASan+UBSan)" \
	"$build/san/test_egress"
run "IP fragments: the XDP and TC programs send them whole, the collector reassembles (ASan+UBSan)" \
	"$build/san/test_fragments"
run "rules, bans, rate limits, destination limits, ARP pins in the XDP program; atomic rule-set swap (ASan+UBSan)" \
	"$build/san/test_policy"
run "differential: native vs BPF vs tshark, every capture" \
	"$build/san/pktlens" check --pcaps "$pcaps" --strict --known tests/check-known-differences.tsv
run "the checks fail when they should: check --strict and lvo.py on altered truth, lists and logs" \
	tests/integration/checkers.sh "$pcaps" "$build/san/pktlens"
run "live vs offline: every capture replayed over a veth pair, both vs tshark" \
	tests/integration/live_vs_offline.sh "$pcaps" "$build/pktlens"
run "IP fragments: crafted captures through pktlens analyze vs tshark with reassembly, and live over a veth pair" \
	tests/integration/frag_records.sh "$build/pktlens"
run "bad input: damaged captures, bad config, no privileges; nothing left behind (ASan+UBSan)" \
	tests/integration/bad_input.sh "$pcaps" "$build/san/pktlens"
run "restart: SIGKILL without --pin detaches; with --pin stays, resumes, detaches on rm" \
	tests/integration/restart.sh "$pcaps" "$build/pktlens"
run "egress: ping, DNS, an HTTP upload (GSO) seen both ways in one conn; SIGKILL, --pin, clsact (ASan+UBSan)" \
	tests/integration/egress.sh "$build/san/pktlens"
run "detections: nmap, hping3, iodine, arpspoof against a watched victim: notices, bans, limits, pins, legit traffic served" \
	tests/integration/attacks.sh "$build/pktlens"
run "address scan: nmap over 50 addresses of a watched network: notice, ban, legit traffic served" \
	tests/integration/address_scan.sh "$build/pktlens"
run "detections: no notice on any bundled capture (pktlens analyze)" \
	tests/integration/no_false_positives.sh "$pcaps" "$build/pktlens"
run "pktlens rules/bans/limits on a running daemon: ping through a veth pair (ASan+UBSan)" \
	tests/integration/rules_cli.sh "$build/san/pktlens"
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
run "fuzz the parser for ${fuzz_secs}s (libFuzzer, ASan+UBSan)" \
	"$build/fuzz/fuzz_parser" -max_total_time="$fuzz_secs" -max_len=4096 \
	-print_final_stats=0 "$corpus" tests/fuzz/corpus
echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
