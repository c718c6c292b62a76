#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# checkers.sh [PCAPS [PKTLENS]] - the checks that judge pktlens fail when
# they should: `pktlens check --strict` and live_vs_offline.sh's lvo.py,
# each given real captures with one thing changed in a copy of their tshark
# truth, their known-differences list or their logs.
#
#  check_*  a copy of three captures and their truth files (PCAPS/truth):
#           untouched they pass; a changed truth field, a changed malformed
#           verdict, a missing truth line, a damaged capture whose truth does
#           not say tshark stopped there each fail the capture; an exact
#           known row excuses the changed field, a row that matches nothing
#           fails its capture, a row for a capture that is not there fails
#           the run, a bad row stops it.
#  lvo_*    `pktlens analyze` of a DNS, an HTTP and a TLS capture, its logs
#           used as both the offline and the live run: untouched they pass;
#           one record written twice in both (so live==offline) fails against
#           tshark; exact rows excuse it; a stale row, a row with a pattern,
#           a row naming a capture that is not there fail.
#
# Needs root (check and analyze load the XDP program), tshark and python3.
# Works in a temporary folder the EXIT/INT/TERM trap removes; touches no
# interface. Every command is bounded by CMD_SECS. Prints one line per case
# and "N passed, N failed"; exits 0 only if every case passed.
set -u
. "$(dirname "$0")/lib.sh"

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
pcaps=${1:-$root/../shared/pcaps}
pktlens=${2:-${PKTLENS:-$root/build/pktlens}}
CMD_SECS=${CMD_SECS:-120}         # one check or analyze run, BPF load included

die() { echo "checkers: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root (pktlens check and analyze load the XDP program)"
for t in tshark python3 timeout awk; do
	command -v "$t" >/dev/null || die "missing tool: $t (scripts/install-deps.sh)"
done
[ -x "$pktlens" ] || die "no pktlens binary at $pktlens"
[ -d "$pcaps/truth" ] || die "no capture folder with truth files at $pcaps"

tmp=$(mktemp -d /tmp/pktlens-checkers.XXXXXX) || die "cannot create a temporary folder"
trap 'rm -rf "$tmp"' EXIT
trap 'echo "checkers: interrupted" >&2; exit 130' INT TERM

T=$'\t'

# has FILE TEXT: FILE holds TEXT (fixed string); otherwise a problem naming
# what the command printed.
has() {
	grep -qF -- "$2" "$1" && return 0
	problem "no line with '$2' in: $(head -c 600 "$1" | tr '\n' '|')"
}
rc_is() { [ "$1" -eq "$2" ] || problem "exit status $1, want $2"; }

# --- pktlens check --strict ------------------------------------------------
check_caps=(dns-udp bad-udp-len corrupt-trailing-garbage)

# fresh DIR: a copy of the three captures and their truth files.
fresh() {
	rm -rf "$1"
	mkdir -p "$1/truth"
	local c
	for c in "${check_caps[@]}"; do
		cp "$pcaps/$c.pcap" "$1/" && cp "$pcaps/truth/$c.tsv" "$1/truth/" || return 1
	done
}

# set_col FILE FRAME COL VALUE: one field of a truth file (COL 1-based).
set_col() {
	awk -F'\t' -v OFS='\t' -v fr="$2" -v col="$3" -v val="$4" \
		'!/^#/ && $1 == fr { $col = val } { print }' "$1" > "$1.new" && mv "$1.new" "$1"
}
get_col() { awk -F'\t' -v fr="$2" -v col="$3" '!/^#/ && $1 == fr { print $col }' "$1"; }

# check NAME [ARGS...]: pktlens check --strict on $tmp/c; output in NAME.out,
# exit status in crc.
check() {
	local name=$1; shift
	timeout "$CMD_SECS" "$pktlens" check --pcaps "$tmp/c" --strict "$@" \
		> "$tmp/$name.out" 2> "$tmp/$name.err"
	crc=$?
}

fresh "$tmp/c" || die "cannot copy the captures"
check check_pristine
rc_is "$crc" 0
for c in "${check_caps[@]}"; do has "$tmp/check_pristine.out" "ok   $c.pcap"; done
has "$tmp/check_pristine.out" "3 passed, 0 failed"
finish check_pristine

# A field tshark sees otherwise: frame 2's TTL.
ttl=$(get_col "$tmp/c/truth/dns-udp.tsv" 2 8)
set_col "$tmp/c/truth/dns-udp.tsv" 2 8 7
check check_tshark_field
rc_is "$crc" 1
has "$tmp/check_tshark_field.out" "FAIL dns-udp.pcap: 1 field differs from tshark, not listed"
has "$tmp/check_tshark_field.out" "     frame 2 ttl: ours '$ttl' tshark '7'"
has "$tmp/check_tshark_field.out" "ok   bad-udp-len.pcap"
has "$tmp/check_tshark_field.out" "2 passed, 1 failed"
finish check_tshark_field

known=$tmp/known.tsv
printf '# a comment\n\ndns-udp.pcap\t2\tttl\t%s\t7\tChanged on purpose.\n' "$ttl" > "$known"
check check_known_excuses --known "$known"
rc_is "$crc" 0
has "$tmp/check_known_excuses.out" "known 1"
has "$tmp/check_known_excuses.out" "3 passed, 0 failed"
finish check_known_excuses

printf 'dns-udp.pcap\t2\tttl\t%s\t8\tNot what tshark says.\n' "$ttl" > "$known"
check check_known_stale --known "$known"
rc_is "$crc" 1
has "$tmp/check_known_stale.out" "FAIL dns-udp.pcap: 1 field differs from tshark, not listed; 1 listed difference not seen"
has "$tmp/check_known_stale.out" "known difference not seen ($known:1): frame 2 ttl: ours '$ttl' tshark '8'"
finish check_known_stale

printf 'dns-udp.pcap\t2\tttl\t%s\t7\tChanged on purpose.\nabsent.pcap\t1\tttl\t1\t2\tNo such capture.\n' \
	"$ttl" > "$known"
check check_known_no_capture --known "$known"
rc_is "$crc" 1
has "$tmp/check_known_no_capture.out" "FAIL $known: line 2 names absent.pcap, not a capture in $tmp/c"
has "$tmp/check_known_no_capture.out" "3 passed, 1 failed"
finish check_known_no_capture

printf 'dns-udp.pcap\t2\tttl\t%s\t7\n' "$ttl" > "$known"
check check_known_bad_row --known "$known"
rc_is "$crc" 1
has "$tmp/check_known_bad_row.err" "$known:1: want 6 tab-separated fields"
finish check_known_bad_row

# We judge bad-udp-len's frame malformed; say tshark did not.
fresh "$tmp/c"
set_col "$tmp/c/truth/bad-udp-len.tsv" 1 36 0
check check_malformed_verdict
rc_is "$crc" 1
has "$tmp/check_malformed_verdict.out" "     frame 1 malformed: ours 'udp_bad_len' tshark '0'"
finish check_malformed_verdict

# The truth one frame short.
fresh "$tmp/c"
grep -v "^2$T" "$pcaps/truth/dns-udp.tsv" > "$tmp/c/truth/dns-udp.tsv"
check check_truth_short
rc_is "$crc" 1
has "$tmp/check_truth_short.out" "FAIL dns-udp.pcap: truth file ends before frame 2"
finish check_truth_short

# A damaged capture where tshark (its truth says) read on.
fresh "$tmp/c"
grep -v '^# tshark-error' "$pcaps/truth/corrupt-trailing-garbage.tsv" \
	> "$tmp/c/truth/corrupt-trailing-garbage.tsv"
check check_damaged_unlike_tshark
rc_is "$crc" 1
has "$tmp/check_damaged_unlike_tshark.out" "FAIL corrupt-trailing-garbage.pcap: capture: after packet 18"
finish check_damaged_unlike_tshark

# --- lvo.py ------------------------------------------------------------------
lvo() { timeout "$CMD_SECS" python3 "$here/lvo.py" "$@"; }

# compare NAME CAP DIR KNOWN: lvo.py compare with DIR/off and DIR/live;
# output in NAME.out, exit status in crc.
compare() {
	lvo compare "$2.pcap" "$3/off" "$3/live" "$pcaps/$2.pcap" "$pcaps/truth/$2.tsv" "$4" \
		"$3/notes" > "$tmp/$1.out" 2>&1
	crc=$?
}

# One capture for each record type compared with tshark, and its check.
lvo_caps=(dns-udp:dns:dns http-get:http:http tls12-sni-github:ssl:sni)
: > "$tmp/none.tsv"
for e in "${lvo_caps[@]}"; do
	IFS=: read -r cap log label <<< "$e"
	d=$tmp/l/$cap
	mkdir -p "$d/off"
	: > "$d/notes"
	timeout "$CMD_SECS" "$pktlens" analyze "$pcaps/$cap.pcap" --log-dir "$d/off" \
		> "$d/analyze.out" 2>&1 || problem "pktlens analyze $cap.pcap: $(tail -n 1 "$d/analyze.out")"
	cp -r "$d/off" "$d/live"
	compare "lvo_pristine_$cap" "$cap" "$d" "$tmp/none.tsv"
	rc_is "$crc" 0
	has "$tmp/lvo_pristine_$cap.out" "ok   $cap.pcap"
	finish "lvo_pristine_$cap"

	# The first record written twice, live and offline alike.
	dup=$tmp/l/$cap-dup
	cp -r "$d" "$dup"
	for r in off live; do
		head -n 1 "$d/$r/$log.log" >> "$dup/$r/$log.log"
	done
	compare "lvo_duplicate_$log" "$cap" "$dup" "$tmp/none.tsv"
	rc_is "$crc" 1
	has "$tmp/lvo_duplicate_$log.out" "FAIL $cap.pcap"
	has "$tmp/lvo_duplicate_$log.out" "live==offline"
	for r in offline live; do
		has "$tmp/lvo_duplicate_$log.out" "       truth-$label: $r: "
	done
	has "$tmp/lvo_duplicate_$log.out" ": truth x1, log x2"
	finish "lvo_duplicate_$log"
done

# The DNS duplicate's two differences, each listed by its exact text.
cap=dns-udp
dup=$tmp/l/$cap-dup
sed -n "s/^       \(truth-dns\): \(.*\)$/$cap.pcap$T\1$T\2${T}Written twice on purpose./p" \
	"$tmp/lvo_duplicate_dns.out" > "$tmp/lvo-known.tsv"
compare lvo_known_excuses "$cap" "$dup" "$tmp/lvo-known.tsv"
rc_is "$crc" 0
has "$tmp/lvo_known_excuses.out" "(known differences: 2)"
finish lvo_known_excuses

sed 's/log x2/log x3/' "$tmp/lvo-known.tsv" > "$tmp/lvo-stale.tsv"
compare lvo_known_stale "$cap" "$dup" "$tmp/lvo-stale.tsv"
rc_is "$crc" 1
has "$tmp/lvo_known_stale.out" "       known: lvo-stale.tsv:1 matched nothing (stale): truth-dns: "
has "$tmp/lvo_known_stale.out" "       truth-dns: offline: "
finish lvo_known_stale

# What a row once could say: '*' for any item. Now it is text like any other.
printf '%s.pcap\ttruth-dns\t*\tAny item.\n' "$cap" > "$tmp/lvo-pattern.tsv"
compare lvo_known_pattern "$cap" "$dup" "$tmp/lvo-pattern.tsv"
rc_is "$crc" 1
has "$tmp/lvo_known_pattern.out" "       truth-dns: offline: "
has "$tmp/lvo_known_pattern.out" "matched nothing (stale): truth-dns: *"
finish lvo_known_pattern

printf 'absent.pcap\ttruth-dns\tx\tNo such capture.\ndns-udp.pcap\tmade-up\tx\tNo such check.\n' \
	> "$tmp/lvo-list.tsv"
lvo known "$tmp/lvo-list.tsv" "$pcaps" > "$tmp/lvo_known_list.out" 2>&1
rc_is $? 1
has "$tmp/lvo_known_list.out" "line 1: absent.pcap is not a capture in $pcaps"
has "$tmp/lvo_known_list.out" "line 2: no check 'made-up'"
finish lvo_known_list

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
