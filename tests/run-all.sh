#!/usr/bin/env bash
# run-all.sh BUILD PCAPS FUZZ_SECS - every test suite, then one closing line
# that counts test cases, not suites: each cmocka test, each capture's
# verdict, each integration check.
#
# A suite's stdout is shown as it comes and read for its cases (stderr is
# shown, not read):
#   ok   NAME / FAIL NAME: why / skip NAME: why   integration scripts, checks
#   [ RUN      ] NAME, then [       OK ] NAME /   cmocka 1.1.5; a test that
#   [  FAILED  ] NAME / [  SKIPPED ] NAME /       ran but printed no result
#   [  ERROR   ] NAME                             (a crash, a failed setup) fails
# A suite's own summary ("55 passed, 0 failed", cmocka's "[  PASSED  ] 14
# test(s)." and its list of failed tests) is not a case. Then:
#   - a suite that exits non-zero without a FAIL line is one more failure,
#     naming it and its exit status;
#   - a suite that prints no case at all is a failure;
#   - a suite that exits 0 although it printed FAIL lines is one more
#     failure (its exit status lies to whoever runs it alone).
# Each fuzz target is one case (tests/fuzz/run.sh prints its ok/FAIL line). Ends with exactly
# "N passed, N failed", and ", N skipped" when any case was skipped; a skip
# is never a pass. Exits 0 only if nothing failed.
set -u
build=$1 pcaps=$2 fuzz_secs=$3
here=$(cd "$(dirname "$0")" && pwd)
passed=0 failed=0 skipped=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# count_cases FILE: "PASSED FAILED SKIPPED" over the case lines of FILE.
count_cases() {
	awk '
	function result(name, st) {     # the worst result a test printed
		if (!(name in ran))
			return
		if (st == "fail" || res[name] == "fail")
			res[name] = "fail"
		else if (st == "skip" || res[name] == "skip")
			res[name] = "skip"
		else
			res[name] = "ok"
	}
	/^ok +[^ ]/  { p++; next }
	/^FAIL /     { f++; next }
	/^skip /     { s++; next }
	/^\[ RUN      \] / { n = substr($0, 14); if (!(n in ran)) { ran[n] = 1; order[++runs] = n } next }
	/^\[       OK \] / { result(substr($0, 14), "ok"); next }
	/^\[  FAILED  \] / { result(substr($0, 14), "fail"); next }
	/^\[  ERROR   \] / { result(substr($0, 14), "fail"); next }
	/^\[  SKIPPED \] / { result(substr($0, 14), "skip"); next }
	END {
		for (i = 1; i <= runs; i++) {
			st = res[order[i]]
			if (st == "ok") p++
			else if (st == "skip") s++
			else {
				f++
				if (st == "")
					print "FAIL " order[i] ": started, printed no result (it crashed, or its setup failed: see above)" > "/dev/stderr"
			}
		}
		printf "%d %d %d\n", p, f, s
	}' "$1"
}

# suite NAME CMD...: CMD's cases into the totals.
suite() {
	local name=$1 rc p f s extra=
	shift
	echo "=== $name"
	"$@" < /dev/null | tee "$work/out"
	rc=${PIPESTATUS[0]}
	read -r p f s < <(count_cases "$work/out")
	if [ $((p + f + s)) -eq 0 ]; then
		f=1 extra="printed no case (exit status $rc)"
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1 extra="exit status $rc, but no case failed"
	elif [ "$rc" -eq 0 ] && [ "$f" -gt 0 ]; then
		extra="exit status 0 although it printed $f FAIL lines"
		f=$((f + 1))
	fi
	[ -z "$extra" ] || echo "FAIL $name: $extra"
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	echo "=== $name: $p passed, $f failed$([ "$s" -eq 0 ] || echo ", $s skipped")"
}

suite "dependencies: every command the test and bench scripts run is installed by scripts/install-deps.sh" \
	/usr/bin/python3 "$here/deps_cover.py"
suite "BPF stack: the deepest chain of calls of each program fits Linux 6.1's 512 bytes" \
	/usr/bin/python3 "$here/bpf_stack.py" "$build/pktlens.bpf.o" "$build/pktlens_tc.bpf.o"
suite "parser unit tests (native, ASan+UBSan)" "$build/san/test_parser"
suite "collector unit tests: options, reassembly, records, sink (native, ASan+UBSan)" \
	"$build/san/test_collector"
suite "bounded tables: DNS queries, top names, TLS/HTTP reassembly, weird rate, past their bounds (native, ASan+UBSan)" \
	"$build/san/test_bounds"
suite "files pktlens writes: folder and file checks, whole lines through a short write, reopen (native, ASan+UBSan)" \
	"$build/san/test_files"
suite "text from the network escaped for records and terminals: UTF-8 classes and boundaries (native, ASan+UBSan)" \
	"$build/san/test_text_escape"
suite "capture reader: link types, a million short cooked records, errors (native, ASan+UBSan)" \
	"$build/san/test_capture"
suite "IP reassembly: order, duplicates, overlaps, timeouts, memory bounds, IPv6 headers, oversize, cut fragments (native, ASan+UBSan)" \
	"$build/san/test_ipreasm"
suite "detections on made-up events: thresholds, windows, suppression, bans, warm-up (ASan+UBSan)" \
	"$build/san/test_detect"
suite "XDP program under BPF_PROG_TEST_RUN" "$build/san/test_bpf"
suite "TC egress program on the XDP program's maps under BPF_PROG_TEST_RUN (ASan+UBSan)" \
	"$build/san/test_egress"
suite "IP fragments: the XDP and TC programs send them whole, the collector reassembles (ASan+UBSan)" \
	"$build/san/test_fragments"
suite "rules, bans, rate limits, destination limits, ARP pins in the XDP program; atomic rule-set swap (ASan+UBSan)" \
	"$build/san/test_policy"
suite "differential: native vs BPF vs tshark, every capture" \
	"$build/san/pktlens" check --pcaps "$pcaps" --strict --known tests/check-known-differences.tsv
suite "the checks fail when they should: check --strict and lvo.py on altered truth, lists and logs" \
	tests/integration/checkers.sh "$pcaps" "$build/san/pktlens"
suite "live vs offline: every capture replayed over a veth pair, both vs tshark" \
	tests/integration/live_vs_offline.sh "$pcaps" "$build/pktlens"
suite "IP fragments: crafted captures through pktlens analyze vs tshark with reassembly, and live over a veth pair" \
	tests/integration/frag_records.sh "$build/pktlens"
suite "L7 limits: DNS names of 127 labels and a tunnel's 40, a pointer loop, HTTP Host past the windows, a 300-byte SNI: analyze vs tshark, truncation flagged" \
	tests/integration/l7_limits.sh "$build/pktlens"
suite "bad input: damaged captures, bad config, no privileges, no bpffs; nothing left behind (ASan+UBSan)" \
	tests/integration/bad_input.sh "$pcaps" "$build/san/pktlens"
suite "hostile corpus: short cooked records, short frames, 2038, bad timestamps and lengths, /dev/zero, folders, long lines, NUL, duplicate rules, bad bans (ASan+UBSan, time and memory bounds)" \
	tests/hostile/run.sh "$build/san/pktlens"
suite "hostile text: escape sequences, CR LF, invalid UTF-8, C1, bidi in DNS, SNI, HTTP: records valid UTF-8 JSON, no raw control on the terminal: analyze, run, demo (ASan+UBSan)" \
	tests/integration/hostile_text.sh "$build/san/pktlens"
suite "restart: SIGKILL without --pin detaches; with --pin stays, resumes, detaches on rm" \
	tests/integration/restart.sh "$pcaps" "$build/pktlens"
suite "egress: ping, DNS, an HTTP upload (GSO) seen both ways in one conn; SIGKILL, --pin, clsact (ASan+UBSan)" \
	tests/integration/egress.sh "$build/san/pktlens"
suite "detections: nmap, hping3, iodine, arpspoof against a watched victim: notices, bans, limits, pins, legit traffic served" \
	tests/integration/attacks.sh "$build/pktlens"
suite "address scan: nmap over 50 addresses of a watched network: notice, ban, legit traffic served" \
	tests/integration/address_scan.sh "$build/pktlens"
suite "detections: no notice on any bundled capture (pktlens analyze)" \
	tests/integration/no_false_positives.sh "$pcaps" "$build/pktlens"
suite "detections: a busy network's benign traffic live, 50k+ packets/s for 60+ s: no notice; lowered thresholds and a step do raise" \
	tests/integration/benign_live.sh "$build/pktlens" "$build/gen_mixed"
suite "pktlens rules/bans/limits on a running daemon: ping through a veth pair (ASan+UBSan)" \
	tests/integration/rules_cli.sh "$build/san/pktlens"
suite "hostile files: a user's planted link, open or read-only log folders, SIGHUP after mv, a full disk, two daemons on one pin folder (ASan+UBSan)" \
	tests/integration/hostile_files.sh "$build/san/pktlens"
suite "fragments: nmap -f, hping3 -f and IPv6 fragmented SYNs do not get past a port rule or a ban; allowed datagrams arrive whole" \
	tests/integration/fragments.sh "$build/pktlens"
# One case per fuzz target (tests/fuzz/run.sh prints its ok/FAIL line): the
# parser for fuzz_secs, the others for two thirds of it.
other_secs=$((fuzz_secs * 2 / 3 > 0 ? fuzz_secs * 2 / 3 : 1))
suite "fuzz the parser for ${fuzz_secs}s (libFuzzer, ASan+UBSan)" \
	tests/fuzz/run.sh "$build" parser "$fuzz_secs"
for t in capture config rules collector ipreasm; do
	suite "fuzz $t for ${other_secs}s (libFuzzer, ASan+UBSan)" \
		tests/fuzz/run.sh "$build" "$t" "$other_secs"
done
echo
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
