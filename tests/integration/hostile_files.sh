#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# hostile_files.sh [PKTLENS] - the files and folders a root daemon writes,
# against a hostile local user and a hostile disk (docs/config.md, Log and
# state folders):
#
#  - a log folder an unprivileged user made (setpriv as nobody), with
#    conn.log a symbolic link to a root-owned file: refused before anything
#    is attached, the file untouched; the same link in a root-owned folder
#    is not followed either (O_NOFOLLOW): the conn records are counted lost;
#  - a group- or world-writable log folder, a read-only one (a read-only
#    tmpfs), a folder name over PATH_MAX: refused before attaching;
#  - SIGHUP after `mv conn.log conn.log.1` (what logrotate does): a new
#    conn.log gets the records, the old one is whole; SIGTERM then flushes
#    them all and exits 0;
#  - a full tmpfs: the error said once, the lost records counted in the
#    summary, exit status 1, and every line of conn.log whole JSON;
#  - two daemons on one --pin folder: the second is refused, naming the
#    first's pid;
#  - small ones: an interface given twice, "detached" when nothing was,
#    `pktlens bans list` finding a daemon in another network namespace,
#    `pktlens demo` leaving its temporary folder behind.
#
# Two private network namespaces joined by a veth pair with addresses; the
# daemon watches the ns_b end, traffic is UDP from ns_a to ns_b. The
# EXIT/INT/TERM trap kills the daemons, unmounts the tmpfs, removes the pin
# folder, the namespaces and the folders whatever happens. Every wait is
# bounded. Prints one line per case and "N passed, N failed"; exits 0 only if
# all pass.
set -u
. "$(dirname "$0")/lib.sh"

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
pktlens=${1:-${PKTLENS:-$root/build/pktlens}}
ATTACH_SECS=${ATTACH_SECS:-60}
EXIT_SECS=${EXIT_SECS:-30}
WAIT_SECS=${WAIT_SECS:-20}

die() { echo "hostile_files: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, XDP, mounts, setpriv)"
for t in ip nsenter setpriv mount umount timeout env sha256sum tcpreplay; do
	command -v "$t" >/dev/null || die "missing tool: $t (scripts/install-deps.sh)"
done
[ -x /usr/bin/python3 ] || die "missing /usr/bin/python3"
[ -x "$pktlens" ] || die "no pktlens binary at $pktlens"
pktlens=$(cd "$(dirname "$pktlens")" && pwd)/$(basename "$pktlens")

ns_a=plhf-$$-a ns_b=plhf-$$-b
A=10.78.0.1 B=10.78.0.2
pin=/sys/fs/bpf/pktlens-hf-$$
tmp=$(mktemp -d /tmp/pktlens-hf.XXXXXX) || die "cannot create a temporary folder"
# made by nobody: in /tmp itself, which nobody can write to (not in $tmp)
userdir=/tmp/pktlens-hf-$$-user
mnt=$tmp/mnt
export PKTLENS_STATE_DIR=$tmp/state
pids=()

cleanup() {
	trap - EXIT INT TERM
	local p
	for p in "${pids[@]}"; do
		kill -KILL "$p" 2>/dev/null
	done
	wait 2>/dev/null
	mountpoint -q "$mnt" && umount "$mnt"
	rm -rf "$pin" "$userdir"
	netns_del "$ns_a" "$ns_b"
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'echo "hostile_files: interrupted" >&2; exit 130' INT TERM

veth_pair "$ns_a" "$ns_b" "$A/24" "$B/24" || die "cannot create the namespaces and veth pair"
mkdir -p "$mnt"

# --- helpers ------------------------------------------------------------------
# refused TAG ARGS...: `pktlens run -i ns_b ARGS` must exit non-zero without
# attaching; sets rc and out (its stderr).
refused() {
	local tag=$1; shift
	out=$tmp/$tag.err
	timeout "$ATTACH_SECS" nsenter --net="/run/netns/$ns_b" -- \
		"$pktlens" run -i "$ns_b" "$@" > "$tmp/$tag.out" 2> "$out" < /dev/null
	rc=$?
	[ "$rc" -ne 0 ] || problem "exit status 0"
	[ "$rc" -ne 124 ] || problem "still running after ${ATTACH_SECS}s"
	! grep -q 'attached to' "$out" || problem "it attached first: $(tr '\n' ' ' < "$out")"
	[ "$(xdp_on_b)" = "$xdp_before" ] ||
		problem "XDP on $ns_b is now '$(xdp_on_b)', was '$xdp_before'"
}
xdp_before=     # what refused() expects on ns_b afterwards: nothing
xdp_on_b() { ip -n "$ns_b" link show dev "$ns_b" | grep -o 'prog/xdp id [0-9]*'; }
has() { grep -qE -- "$2" "$1" || problem "stderr lacks /$2/: $(tail -n 3 "$1" | tr '\n' ' ')"; }
# traffic N PORT0: N UDP datagrams from ns_a to N ports of B: N flows
traffic() {
	in_ns "$ns_a" bash -c 'for ((p = $2; p < $2 + $1; p++)); do
		echo x > /dev/udp/'"$B"'/$p; done 2>/dev/null' _ "$1" "$2"
}
lines() { [ -f "$1" ] && wc -l < "$1" || echo 0; }
has_lines() { [ "$(lines "$1")" -ge "$2" ]; }
# whole_json FILE: every line a JSON object, the file ends with a newline
whole_json() {
	/usr/bin/python3 - "$1" <<'EOF'
import json, sys
data = open(sys.argv[1], 'rb').read()
if data and not data.endswith(b'\n'):
    print('last line cut: %r' % data[-60:]); sys.exit(1)
for n, l in enumerate(data.splitlines(), 1):
    try:
        json.loads(l)
    except ValueError as e:
        print('line %d is not JSON (%s): %r' % (n, e, l[:60])); sys.exit(1)
EOF
}
stop() { kill -INT "$daemon"; reap; }
# no detections: 400 ports from one source is a port scan, and its ban
# would drop the rest of the traffic these cases count on
FAST=(--idle-timeout 1 --sweep-interval 0.2 --detect false)

# --- cases --------------------------------------------------------------------

name="log folder made by an unprivileged user, conn.log a link to a root file: refused, file untouched"
target=$tmp/root-file
echo "root's own content" > "$target"
sum=$(sha256sum < "$target")
chmod 0711 "$tmp"       # nobody may reach $target by the link, not list $tmp
if setpriv --reuid=65534 --regid=65534 --clear-groups -- \
	sh -c 'mkdir "$1" && ln -s "$2" "$1/conn.log"' _ "$userdir" "$target"; then
	refused user --log-dir "$userdir"
	has "$out" "log folder $userdir is owned by (nobody|uid 65534), mode 0755.*refused"
	[ "$(sha256sum < "$target")" = "$sum" ] || problem "the root-owned file changed"
	[ "$(stat -c %U "$target")" = root ] || problem "the root-owned file changed owner"
else
	problem "nobody could not make $userdir and its link"
fi
chmod 0700 "$tmp"
finish "$name"

name="conn.log a link in a root-owned folder: not followed, records counted lost, exit 1"
mkdir -m 0755 "$tmp/linkdir" && ln -s "$target" "$tmp/linkdir/conn.log"
if start link --log-dir "$tmp/linkdir" "${FAST[@]}"; then
	traffic 3 2000
	wait_until "$WAIT_SECS" grep -q 'symbolic link' "$derr" ||
		problem "no error about the link within ${WAIT_SECS}s"
	stop
	[ "$drc" -eq 1 ] || problem "exit status $drc, want 1 (records lost)"
	has "$derr" "cannot open $tmp/linkdir/conn.log: it is a symbolic link"
	has "$derr" "records lost to write errors: [1-9]"
	[ "$(sha256sum < "$target")" = "$sum" ] || problem "the root-owned file changed"
	[ -L "$tmp/linkdir/conn.log" ] || problem "conn.log is no longer the link"
fi
finish "$name"

for m in 0775 0757 1777; do
	name="log folder of mode $m (group or others may write): refused before attaching"
	mkdir "$tmp/mode$m" && chmod "$m" "$tmp/mode$m"
	refused mode$m --log-dir "$tmp/mode$m"
	has "$out" "log folder $tmp/mode$m is owned by root, mode $m.*chmod go-w"
	finish "$name"
done

name="read-only log folder (a read-only tmpfs): refused before attaching"
if mount -t tmpfs -o ro,size=64k,mode=0755 pktlens-hf "$mnt"; then
	refused ro --log-dir "$mnt"
	has "$out" "log folder $mnt is not writable: Read-only file system"
	umount "$mnt"
else
	problem "cannot mount a tmpfs at $mnt"
fi
finish "$name"

name="a log folder name of PATH_MAX bytes or more: refused, not cut"
long=$tmp/$(printf 'x%.0s' $(seq 1 4200))
refused long --log-dir "$long"
has "$out" "log folder name too long \\(42[0-9][0-9] bytes; the limit is 4095\\)"
finish "$name"

name="a log folder name of 4,090 bytes: records in conn.log, no file name cut at 4,096"
# DIR/conn.log is longer than PATH_MAX: only a file opened relative to the
# folder gets its whole name
long=$tmp/n
while [ ${#long} -lt 3890 ]; do long=$long/$(printf 'd%.0s' $(seq 1 190)); done
long=$long/$(printf 'e%.0s' $(seq 1 $((4090 - ${#long} - 1))))
if mkdir -p "$long"; then
	if start near --log-dir "$long" "${FAST[@]}"; then
		traffic 2 2500
		wait_until "$WAIT_SECS" bash -c 'cd "$1" && [ "$(wc -l < conn.log)" -ge 2 ]' _ "$long" 2>/dev/null ||
			problem "no 2 records in conn.log within ${WAIT_SECS}s: $(cd "$long" && ls)"
		stop
		[ "$drc" -eq 0 ] || problem "exit status $drc"
		[ "$(cd "$long" && ls)" = conn.log ] || problem "files there: $(cd "$long" && ls | tr '\n' ' ')"
	fi
else
	problem "cannot make a folder of ${#long} bytes"
fi
finish "$name"

name="SIGHUP after mv conn.log conn.log.1: a new conn.log gets the records, the old one is whole"
mkdir -m 0750 "$tmp/rot"
if start hup --log-dir "$tmp/rot" "${FAST[@]}"; then
	traffic 5 3000
	wait_until "$WAIT_SECS" has_lines "$tmp/rot/conn.log" 5 ||
		problem "no 5 conn records within ${WAIT_SECS}s"
	mv "$tmp/rot/conn.log" "$tmp/rot/conn.log.1"
	kill -HUP "$daemon"
	wait_until "$WAIT_SECS" grep -q 'SIGHUP: log files' "$derr" ||
		problem "no 'reopened' message within ${WAIT_SECS}s"
	traffic 4 4000
	wait_until "$WAIT_SECS" has_lines "$tmp/rot/conn.log" 4 ||
		problem "no new conn.log with 4 records within ${WAIT_SECS}s"
	kill -0 "$daemon" 2>/dev/null || problem "the daemon died of SIGHUP"
	kill -TERM "$daemon"    # SIGTERM flushes and exits as SIGINT does
	reap
	[ "$drc" -eq 0 ] || problem "exit status $drc after SIGTERM"
	w=$(whole_json "$tmp/rot/conn.log.1") || problem "conn.log.1: $w"
	w=$(whole_json "$tmp/rot/conn.log") || problem "conn.log: $w"
	grep -q '"id.resp_p":400[0-3]' "$tmp/rot/conn.log" ||
		problem "the new conn.log lacks the flows sent after SIGHUP"
	! grep -q '"id.resp_p":400[0-3]' "$tmp/rot/conn.log.1" ||
		problem "flows sent after SIGHUP went to the renamed file"
	[ "$(lines "$tmp/rot/conn.log.1")" -ge 5 ] || problem "conn.log.1 lost records"
	[ "$(stat -c %a "$tmp/rot/conn.log")" = 640 ] ||
		problem "conn.log has mode $(stat -c %a "$tmp/rot/conn.log"), want 640"
fi
finish "$name"

name="a full tmpfs: error said once, loss counted, exit 1, every conn.log line whole JSON"
if mount -t tmpfs -o size=256k,mode=0755 pktlens-hf "$mnt"; then
	if start full --log-dir "$mnt" "${FAST[@]}"; then
		# leave room for a few records, not for all: the write stops mid-line
		head -c $((256 * 1024 - 12 * 1024)) /dev/zero > "$mnt/filler" 2>/dev/null
		traffic 400 5000
		wait_until "$WAIT_SECS" grep -q 'No space left on device' "$derr" ||
			problem "no write error within ${WAIT_SECS}s"
		stop
		[ "$drc" -eq 1 ] || problem "exit status $drc, want 1 (records lost)"
		n=$(grep -c 'No space left on device' "$derr")
		[ "$n" -eq 1 ] || problem "the error was said $n times, want once"
		has "$derr" "records lost to write errors: [1-9][0-9]*"
		[ -s "$mnt/conn.log" ] || problem "no record was written at all (the test needs some)"
		w=$(whole_json "$mnt/conn.log") || problem "conn.log: $w"
	fi
	umount "$mnt"
else
	problem "cannot mount a tmpfs at $mnt"
fi
finish "$name"

name="two daemons on one --pin folder: the second is refused, naming the first's pid"
if start pin1 --pin "$pin"; then
	first=$daemon
	xdp_before=$(xdp_on_b)
	refused pin2 --pin "$pin"
	xdp_before=
	has "$out" "another pktlens \\(pid $first\\) is running on pin folder $pin"
	kill -0 "$first" 2>/dev/null || problem "the first daemon died"
	finish "$name"

	name="a state folder others may write: rules load refuses it, writes nothing there"
	mkdir -m 0777 "$tmp/state-open"
	echo "deny 192.0.2.1" > "$tmp/deny.rules"
	PKTLENS_STATE_DIR=$tmp/state-open timeout 60 "$pktlens" rules load "$tmp/deny.rules" \
		--pin "$pin" > /dev/null 2> "$tmp/state.err" && problem "rules load: exit status 0"
	has "$tmp/state.err" "state folder $tmp/state-open is owned by root, mode 0777.*refused"
	[ -z "$(ls -A "$tmp/state-open")" ] || problem "files written: $(ls "$tmp/state-open")"
	daemon=$first
	stop
fi
rm -rf "$pin"
finish "$name"

name="the same interface twice: said so, not blamed on another XDP program"
refused twice -i "$ns_b"
[ "$rc" -eq 2 ] || problem "exit status $rc, want 2 (usage)"
has "$out" "interface $ns_b is given twice"
! grep -q 'another XDP' "$out" || problem "blamed on another XDP program"
finish "$name"

name="nothing attached: no 'detached'"
timeout "$ATTACH_SECS" nsenter --net="/run/netns/$ns_b" -- \
	"$pktlens" run -i "plhf-none$$" > /dev/null 2> "$tmp/none.err" < /dev/null
! grep -q 'detached' "$tmp/none.err" || problem "said 'detached': $(tr '\n' ' ' < "$tmp/none.err")"
has "$tmp/none.err" "no interface named"
finish "$name"

name="bans list finds the daemon in its own network namespace, not one in another"
if start ns; then
	id=$(ip -n "$ns_b" link show dev "$ns_b" | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p')
	in_ns "$ns_b" timeout 60 "$pktlens" bans list > "$tmp/ns.out" 2> "$tmp/ns.err" ||
		problem "bans list in $ns_b failed: $(tr '\n' ' ' < "$tmp/ns.err")"
	has "$tmp/ns.err" "using program $id on $ns_b \\(this network namespace\\)"
	# from the host's namespace: never this daemon picked silently
	timeout 60 "$pktlens" bans list > "$tmp/host.out" 2> "$tmp/host.err"
	if grep -q "using program $id " "$tmp/host.err"; then
		problem "from the host namespace it picked the daemon of $ns_b"
	elif ! grep -q "program $id in another network namespace" "$tmp/host.err"; then
		problem "from the host namespace it did not list program $id as elsewhere: $(tr '\n' ' ' < "$tmp/host.err")"
	fi
	stop
fi
finish "$name"

name="demo: removes the temporary folder a demo that died left, and leaves none when it fails"
mkdir -p "$tmp/demo-tmp" "$tmp/demo-pcaps" "$tmp/demo-cwd"
dead=$(sh -c 'echo $$')                  # a pid that has exited
mkdir "$tmp/demo-tmp/pktlens-demo-$dead-abcdef" &&
	: > "$tmp/demo-tmp/pktlens-demo-$dead-abcdef/x.pcap" &&
	ln -s "$target" "$tmp/demo-tmp/pktlens-demo-$dead-abcdef/link"
mkdir "$tmp/demo-tmp/pktlens-demo-$$-ghijkl"     # a live demo's: kept
(cd "$tmp/demo-cwd" && TMPDIR=$tmp/demo-tmp timeout 120 "$pktlens" demo \
	--pcaps "$tmp/demo-pcaps" > "$tmp/demo.out" 2> "$tmp/demo.err")
rc=$?
[ "$rc" -eq 1 ] || problem "demo with no captures: exit status $rc, want 1"
left=$(cd "$tmp/demo-tmp" && ls)
[ "$left" = "pktlens-demo-$$-ghijkl" ] ||
	problem "in TMPDIR afterwards: $(tr '\n' ' ' <<< "$left") (want only the live demo's)"
[ "$(sha256sum < "$target")" = "$sum" ] || problem "the link's target changed"
has "$tmp/demo.err" "removed $tmp/demo-tmp/pktlens-demo-$dead-abcdef"
finish "$name"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
