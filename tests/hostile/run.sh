#!/usr/bin/env bash
# run.sh PKTLENS [CASES] - the hostile corpus (issue 10) against PKTLENS,
# the sanitizer build (build/san/pktlens): tests/hostile/make_corpus.py
# writes the files into a temporary folder, then each row of CASES
# (default tests/hostile/cases.tsv, whose header says the columns) runs
# under `timeout` and /usr/bin/time, and one line says how it went:
#   ok   NAME
#   FAIL NAME: why (exit status, the pattern missing, the memory or time)
#   skip NAME: why (a root-only case run without root)
# Exits non-zero if any case failed. HOSTILE_ONLY=NAME runs one case.
set -u
pktlens=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
cases=${2:-$here/cases.tsv}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
corpus=$work/corpus
failed=0
sanitizer='AddressSanitizer|LeakSanitizer|runtime error:'
# ASan holds up to 256 MiB of freed memory in quarantine by default: the
# peak would be ASan's, not pktlens'. 8 MiB still catches a use after free
# of recent memory.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=8

/usr/bin/python3 "$here/make_corpus.py" "$corpus" || {
	echo "FAIL hostile corpus: make_corpus.py failed"
	exit 1
}

# subst TEXT: the placeholders of cases.tsv filled in
subst() {
	local s=$1 f n
	s=${s//@PKTLENS@/$pktlens}
	s=${s//@CORPUS@/$corpus}
	s=${s//@TMP@/$tmp}
	while [[ $s =~ @([A-Za-z0-9_.-]+)\.count@ ]]; do
		f=${BASH_REMATCH[1]}
		n=$(cat "$corpus/$f.count")
		s=${s//@$f.count@/$n}
	done
	printf '%s' "$s"
}

while IFS=$'\t' read -r name needs cmd want out_re out_min err_re absent rss_mb secs; do
	case $name in '' | '#'*) continue ;; esac
	[ -z "${HOSTILE_ONLY:-}" ] || [ "$name" = "$HOSTILE_ONLY" ] || continue
	if [ "$needs" = root ] && [ "$(id -u)" -ne 0 ]; then
		echo "skip $name: needs root (loads the XDP program)"
		continue
	fi
	tmp=$work/case-$name
	mkdir -p "$tmp"
	cmd=$(subst "$cmd")
	err_re=$(subst "$err_re")
	out_min=$(subst "$out_min")
	# ASan reserves terabytes of address space: the bound is on the peak
	# resident set (/usr/bin/time's %M, KiB), not ulimit -v
	timeout -k 5 "$secs" /usr/bin/time -f '%M' -o "$tmp/rss" \
		bash -c "$cmd" > "$tmp/out" 2> "$tmp/err" < /dev/null
	rc=$?
	why=
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		why="did not finish in $secs s"
	elif ! case $want in
		any) true ;;
		nonzero) [ "$rc" -ne 0 ] ;;
		*) [ "$rc" -eq "$want" ] ;;
		esac; then
		why="exit status $rc, want $want"
	fi
	rss_kb=$(tail -n 1 "$tmp/rss" 2> /dev/null)
	if [ -z "$why" ] && ! [[ $rss_kb =~ ^[0-9]+$ ]]; then
		why="no memory figure from /usr/bin/time"
	elif [ -z "$why" ] && [ "$rss_kb" -gt $((rss_mb * 1024)) ]; then
		why="peak memory $((rss_kb / 1024)) MiB, bound $rss_mb MiB"
	fi
	if [ -z "$why" ] && [ "$out_re" != - ]; then
		n=$(grep -cE -- "$out_re" "$tmp/out")
		[ "$n" -ge "$out_min" ] || why="$n stdout lines match /$out_re/, want at least $out_min"
	fi
	if [ -z "$why" ] && [ "$err_re" != - ] && ! grep -qE -- "$err_re" "$tmp/err"; then
		why="stderr does not match /$err_re/: $(head -c 300 "$tmp/err" | tr '\n' ' ')"
	fi
	pat=$sanitizer
	[ "$absent" = - ] || pat="$pat|$absent"
	if [ -z "$why" ] && grep -qE -- "$pat" "$tmp/out" "$tmp/err"; then
		why="output matches /$pat/: $(grep -hE -m 1 -- "$pat" "$tmp/out" "$tmp/err" | head -c 200)"
	fi
	if [ -z "$why" ]; then
		echo "ok   $name ($((rss_kb / 1024)) MiB)"
	else
		echo "FAIL $name: $why"
		failed=1
	fi
done < "$cases"
exit "$failed"
