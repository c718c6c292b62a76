#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# bad_input.sh [PCAPS [PKTLENS]] - pktlens given bad input: damaged, truncated
# or foreign capture files, missing files and interfaces, bad config and
# rule files, no privileges, unknown options; no BPF filesystem mounted.
#
# Every case checks three things: a clear message on stderr (the words that
# matter: packet number and byte offset, link type, FILE:LINE and key,
# interface name, root/CAP_BPF), a non-zero exit status (1 for a damaged
# capture, as `analyze --help` documents; 2 for a usage error), and that
# nothing is left behind: no XDP program on any link of the test namespace
# (`ip link` and `bpftool net` inside it), and at the end no namespace and no
# pin folder.
#
# PCAPS defaults to ../shared/pcaps, PKTLENS to build/pktlens (or $PKTLENS).
# Every pktlens command runs inside a private network namespace holding a veth
# pair (created here, deleted by the EXIT/INT/TERM trap whatever happens);
# no host interface is touched. Every command is bounded by CMD_SECS.
# Prints one line per case and "N passed, N failed"; exits 0 only if all pass.
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
pcaps=${1:-$root/../shared/pcaps}
pktlens=${2:-${PKTLENS:-$root/build/pktlens}}
CMD_SECS=${CMD_SECS:-60}          # one pktlens command (BPF load + verifier included)

die() { echo "bad_input: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, XDP, dropping privileges)"
for t in ip nsenter setpriv unshare umount stat bpftool python3 timeout head; do
	command -v "$t" >/dev/null || die "missing tool: $t (scripts/install-deps.sh)"
done
[ -x "$pktlens" ] || die "no pktlens binary at $pktlens"
[ -d "$pcaps" ] || die "no capture folder $pcaps"
pktlens=$(cd "$(dirname "$pktlens")" && pwd)/$(basename "$pktlens")
pcaps=$(cd "$pcaps" && pwd)

ns=plbi-$$                         # the namespace
va=plbi-$$-a vb=plbi-$$-b          # the veth pair inside it; vb is the test interface
pin_bpffs=/sys/fs/bpf/pktlens-bi-$$
tmp=$(mktemp -d /tmp/pktlens-bi.XXXXXX) || die "cannot create a temporary folder"
chmod 755 "$tmp"                  # the unprivileged case reads a binary and a capture here

cleanup() {
	trap - EXIT INT TERM
	rm -rf "$pin_bpffs"
	ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'echo "bad_input: interrupted" >&2; exit 130' INT TERM

make_veth() {
	# Created inside the namespace; IPv6 off before "up": the kernel sends nothing.
	ip -n "$ns" link add "$va" type veth peer name "$vb" || return 1
	local i
	for i in "$va" "$vb"; do
		ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$i.disable_ipv6=1" || return 1
		ip -n "$ns" link set "$i" up || return 1
	done
}
ip netns add "$ns" || die "cannot create namespace $ns"
ip -n "$ns" link set lo up || die "cannot bring up lo in $ns"
make_veth || die "cannot create the veth pair in $ns"

# --- running pktlens ------------------------------------------------------
# pl TAG CMD...: CMD (pktlens or a wrapper of it) inside the namespace,
# bounded; sets rc, and out/err to the files holding stdout/stderr.
# nsenter switches only the network namespace (`ip netns exec` would remount
# /sys and hide /sys/fs/bpf).
pl() {
	local tag=$1; shift
	out=$tmp/$tag.out err=$tmp/$tag.err
	timeout -k 5 "$CMD_SECS" nsenter --net="/run/netns/$ns" -- "$@" \
		> "$out" 2> "$err" < /dev/null
	rc=$?
}

# --- checks; each adds to why[] -------------------------------------------
why=()
problem() { why+=("$*"); }
said() {        # the last line pktlens printed, for a FAIL message
	local l
	l=$(grep -E '^(pktlens|run:|analyze:)' "$err" | tail -n 1)
	[ -n "$l" ] || l=$(tail -n 1 "$err")
	printf '%s' "${l:0:220}"
}
timed_out() { [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; }
expect_fail() {                 # expect_fail [STATUS]
	if timed_out; then
		problem "did not exit within ${CMD_SECS}s"
	elif [ "$rc" -eq 0 ]; then
		problem "exit status 0"
	elif [ $# -gt 0 ] && [ "$rc" -ne "$1" ]; then
		problem "exit status $rc, want $1"
	fi
}
expect_err() {                  # expect_err ERE WHAT: a line of stderr matches
	grep -Eq -- "$1" "$err" || problem "stderr does not give $2 (got: $(said))"
}
expect_err_i() {                # the same, ignoring case
	grep -Eiq -- "$1" "$err" || problem "stderr does not give $2 (got: $(said))"
}
xdp_left() {    # prints what is attached to any link of the namespace, if anything
	ip -n "$ns" -o link show 2>&1 | grep -E 'xdp' |
		sed -E 's/^[0-9]+: ([^:@]+)[^ ]*:.*(prog\/xdp id [0-9]+).*/ip link: \1 \2;/' | tr '\n' ' '
	nsenter --net="/run/netns/$ns" -- bpftool -j net show 2>/dev/null | python3 -c '
import json, sys
try:
    d = json.load(sys.stdin)
except ValueError:
    d = None
if not isinstance(d, list):
    print("bpftool net failed: %s" % json.dumps(d)); sys.exit()
for e in d:
    for kind in ("xdp", "tc"):
        for a in e.get(kind, []):
            print("bpftool net %s: %s" % (kind, json.dumps(a)), end=" ")'
}
no_leftover() {
	local left
	left=$(xdp_left)
	[ -z "$left" ] || problem "left attached: $left"
	[ ! -e "$pin_bpffs" ] || problem "left a pin folder $pin_bpffs"
}

passed=0 failed=0
finish() {      # finish NAME: one line for the case, then a clean slate
	local name=$1 w
	if [ ${#why[@]} -eq 0 ]; then
		passed=$((passed + 1)); printf 'ok   %s\n' "$name"
	else
		failed=$((failed + 1))
		w=$(printf '%s; ' "${why[@]}")
		printf 'FAIL %s: %s\n' "$name" "${w%; }"
	fi
	why=()
	# Whatever a failed case left must not fail the next ones.
	rm -rf "$pin_bpffs"
	if [ -n "$(xdp_left)" ]; then
		ip -n "$ns" link del "$va" 2>/dev/null
		make_veth || die "cannot recreate the veth pair in $ns"
	fi
}

# --- capture helpers --------------------------------------------------------
# pcap_walk FILE: "GOOD START END" - GOOD whole records, the damaged record
# (or the end) starting at byte START, the file ending at END.
pcap_walk() {
	python3 - "$1" <<'EOF'
import struct, sys
d = open(sys.argv[1], "rb").read()
magic = d[:4]
e = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
snap = struct.unpack(e + "I", d[16:20])[0] or 262144
off, n = 24, 0
while off + 16 <= len(d):
    caplen = struct.unpack(e + "I", d[off + 8:off + 12])[0]
    if caplen > max(snap, 262144) or off + 16 + caplen > len(d):
        break
    off += 16 + caplen
    n += 1
print(n, off, len(d))
EOF
}
# pcap_cut FILE: "K CUT" - the middle record K (counting from 1) whose data
# is at least 20 bytes, and a byte count that ends the file inside its data.
pcap_cut() {
	python3 - "$1" <<'EOF'
import struct, sys
d = open(sys.argv[1], "rb").read()
e = "<" if d[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
off, recs = 24, []
while off + 16 <= len(d):
    caplen = struct.unpack(e + "I", d[off + 8:off + 12])[0]
    recs.append((off, caplen))
    off += 16 + caplen
big = [i for i, (_, c) in enumerate(recs) if c >= 20]
i = big[len(big) // 2]
print(i + 1, recs[i][0] + 16 + recs[i][1] // 2)
EOF
}
# conn_pkts DIR: packets counted over every record of DIR/conn.log
conn_pkts() {
	python3 - "$1/conn.log" <<'EOF'
import json, sys
n = 0
for line in open(sys.argv[1]):
    if line.strip():
        r = json.loads(line)
        n += r.get("orig_pkts", 0) + r.get("resp_pkts", 0)
print(n)
EOF
}
# damaged CAPTURE GOOD START END: the checks shared by (a) and (b)
damaged() {
	local cap=$1 good=$2 start=$3 end=$4 logs=$5 at n
	expect_fail 1
	expect_err "^pktlens analyze: .*packet ($good|$((good + 1)))([^0-9]|$)" \
		"the packet number ($good good, then damage)"
	at=$(grep -E '^pktlens analyze:' "$err" | grep -oE 'byte offset [0-9]+' | head -n 1)
	at=${at##* }
	if [ -z "$at" ]; then
		problem "stderr gives no byte offset (got: $(said))"
	elif [ "$at" -lt "$start" ] || [ "$at" -gt "$end" ]; then
		problem "byte offset $at is outside the damaged record (bytes $start..$end)"
	fi
	if [ ! -s "$logs/conn.log" ]; then
		problem "no records written before the damage (no $logs/conn.log)"
	else
		n=$(conn_pkts "$logs") || n="?"
		[ "$n" = "$good" ] ||
			problem "conn.log counts $n packets, want the $good before the damage"
	fi
	no_leftover
}

# --- the cases --------------------------------------------------------------
# (a) a capture damaged part-way: 18 records, then a record header with a
# bogus length.
cap=$pcaps/corrupt-trailing-garbage.pcap
if [ -r "$cap" ]; then
	read -r good start end < <(pcap_walk "$cap")
	pl a "$pktlens" analyze "$cap" --log-dir "$tmp/a.logs" --no-progress
	damaged "$cap" "$good" "$start" "$end" "$tmp/a.logs"
else
	problem "missing capture $cap"
fi
finish "corrupt capture (trailing garbage): packet, byte offset, records up to the damage"

# (b) a good capture cut inside a packet's data.
src=$pcaps/dns-tcp-multi.pcap
if [ -r "$src" ]; then
	read -r k cut < <(pcap_cut "$src")
	head -c "$cut" "$src" > "$tmp/truncated.pcap"
	read -r good start end < <(pcap_walk "$tmp/truncated.pcap")
	if [ "$good" != $((k - 1)) ]; then
		problem "test setup: cut at byte $cut should leave $((k - 1)) whole records, not $good"
	fi
	pl b "$pktlens" analyze "$tmp/truncated.pcap" --log-dir "$tmp/b.logs" --no-progress
	damaged "$tmp/truncated.pcap" "$good" "$start" "$end" "$tmp/b.logs"
	expect_err_i '^pktlens analyze: .*truncat' "that the file is truncated"
else
	problem "missing capture $src"
fi
finish "truncated capture (head -c to byte ${cut:-?}, inside packet ${k:-?})"

# (c) not a capture: a text file, and an empty file.
printf 'GET / HTTP/1.1\r\nHost: example.org\r\n\r\nnot a capture\n' > "$tmp/notes.txt"
pl c1 "$pktlens" analyze "$tmp/notes.txt" --log-dir "$tmp/c1.logs" --no-progress
expect_fail
expect_err "^pktlens analyze: .*notes\.txt.*(format|not a (pcap|capture))" \
	"the file name and that it is not a capture"
no_leftover
finish "not a capture (text file)"

: > "$tmp/empty.pcap"
pl c2 "$pktlens" analyze "$tmp/empty.pcap" --log-dir "$tmp/c2.logs" --no-progress
expect_fail
expect_err_i "^pktlens analyze: .*empty\.pcap.*(empty|truncated|too short|file header)" \
	"the file name and that it is empty"
no_leftover
finish "empty file"

# (d) a well-formed pcap of a link type pktlens does not read: 147
# (DLT_USER0), one packet.
python3 - "$tmp/linktype147.pcap" <<'EOF'
import struct, sys
pkt = bytes(range(40))
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 147))
    f.write(struct.pack("<IIII", 1700000000, 0, len(pkt), len(pkt)) + pkt)
EOF
pl d "$pktlens" analyze "$tmp/linktype147.pcap" --log-dir "$tmp/d.logs" --no-progress
expect_fail
expect_err "^pktlens analyze: .*link ?type.*147" "the link type (147)"
expect_err_i "^pktlens analyze: .*(not supported|unsupported)" "that it is not supported"
no_leftover
finish "unsupported link type 147"

# (e) a file that does not exist.
pl e "$pktlens" analyze "$tmp/no-such-file.pcap" --log-dir "$tmp/e.logs" --no-progress
expect_fail
expect_err_i "^pktlens analyze: .*no-such-file\.pcap.*(no such file|does not exist|not found)" \
	"the file name and that it does not exist"
no_leftover
finish "missing file"

# (f) an interface that does not exist; then a good one beside it: the one
# attached first must be detached again.
pl f1 "$pktlens" run -i no-such-if0
expect_fail
expect_err "^pktlens run: .*no-such-if0" "the interface name"
expect_err_i "^pktlens run: .*(no (such )?interface|does not exist|not found)" \
	"that the interface does not exist"
no_leftover
finish "run -i no-such-if0"

pl f2 "$pktlens" run -i "$vb" -i no-such-if0
expect_fail
expect_err "^pktlens run: .*no-such-if0" "the interface name"
no_leftover
finish "run -i $vb -i no-such-if0: nothing left on $vb"

# (g) config files: an unknown key, a bad value (both at a known line).
printf '# pktlens test config\n[pktlens]\nlog-dir = %s\nbogus-key = 3\n' "$tmp/g.logs" \
	> "$tmp/unknown-key.conf"
pl g1 "$pktlens" run -i "$vb" --config "$tmp/unknown-key.conf"
expect_fail
expect_err "^pktlens run: .*unknown-key\.conf:4:.*bogus-key" "FILE:4 and the key 'bogus-key'"
expect_err_i "^pktlens run: .*unknown" "that the key is unknown"
no_leftover
finish "config file: unknown key"

printf '; pktlens test config\nlog-dir = %s\nflows = 12\n' "$tmp/g.logs" > "$tmp/bad-value.conf"
pl g2 "$pktlens" run -i "$vb" --config "$tmp/bad-value.conf"
expect_fail
expect_err "^pktlens run: .*bad-value\.conf:3:.*flows" "FILE:3 and the key 'flows'"
expect_err "^pktlens run: .*bad-value\.conf:3:.*12" "the bad value '12'"
no_leftover
finish "config file: bad value"

# A line longer than the line reader takes (4096 characters): libinih, used
# before, read the tail of a long line as a setting of its own (here an
# interface); refused at its line.
printf 'flows = 2048\nlog-dir = %s/%05000dinterface=%s\n' "$tmp/g.logs" 0 "$vb" \
	> "$tmp/long-line.conf"
pl g3 "$pktlens" run --config "$tmp/long-line.conf"
expect_fail
expect_err "^pktlens run: .*long-line\.conf:2: longer than 4096 characters" \
	"FILE:2 and that the line is too long"
no_leftover
finish "config file: a line longer than 4096 characters"

# (h) no privileges: uid/gid 65534 (nobody), no groups, no capabilities; the
# binary and a capture copied where that user can read them.
mkdir -p "$tmp/nobody"
install -m 755 "$pktlens" "$tmp/nobody/pktlens"
install -m 644 "$pcaps/dns-udp.pcap" "$tmp/nobody/dns-udp.pcap"
drop=(setpriv --reuid=65534 --regid=65534 --clear-groups)
pl h1 "${drop[@]}" "$tmp/nobody/pktlens" run -i lo
expect_fail
expect_err "^pktlens run: .*(root|CAP_BPF)" "that it needs root or CAP_BPF"
no_leftover
finish "run without privileges"

pl h2 "${drop[@]}" "$tmp/nobody/pktlens" analyze "$tmp/nobody/dns-udp.pcap" --no-progress
expect_fail
expect_err "^pktlens analyze: .*(root|CAP_BPF)" "that it needs root or CAP_BPF"
no_leftover
finish "analyze without privileges"

# (i) an unknown option: a usage error, status 2.
pl i1 "$pktlens" run --no-such-option -i "$vb"
expect_fail 2
expect_err "--no-such-option" "the option's name"
expect_err_i "usage" "the usage"
no_leftover
finish "run --no-such-option: usage error"

pl i2 "$pktlens" analyze --no-such-option "$pcaps/dns-udp.pcap"
expect_fail 2
expect_err "--no-such-option" "the option's name"
expect_err_i "usage" "the usage"
no_leftover
finish "analyze --no-such-option: usage error"

# (j) --pin on a folder that is not on a BPF filesystem.
pl j1 "$pktlens" run -i "$vb" --pin "$tmp/not-bpffs"
expect_fail
expect_err_i "^pktlens run: .*(bpffs|bpf ?fs|bpf file ?system)" \
	"that the pin folder must be on a BPF filesystem"
no_leftover
finish "run --pin on a folder outside bpffs"

# (k) --pin, and an interface that does not exist beside a good one: a
# daemon that never started must not leave a program attached through a pin.
pl k1 "$pktlens" run -i "$vb" -i no-such-if0 --pin "$pin_bpffs"
expect_fail
expect_err "^pktlens run: .*no-such-if0" "the interface name"
no_leftover
finish "run --pin -i $vb -i no-such-if0: nothing left attached or pinned"

# (l) egress: bad values, flag and config key.
pl l1 "$pktlens" run -i "$vb" --egress=maybe
expect_fail 2
expect_err "^pktlens run: .*'maybe'.*egress" "the bad value 'maybe' and the key 'egress'"
no_leftover
finish "run --egress=maybe: usage error"

printf '[pktlens]\negress = yes\negress-hook = tc\n' > "$tmp/bad-hook.conf"
pl l2 "$pktlens" run -i "$vb" --config "$tmp/bad-hook.conf"
expect_fail
expect_err "^pktlens run: .*bad-hook\.conf:3:.*egress-hook" "FILE:3 and the key 'egress-hook'"
no_leftover
finish "config file: bad egress-hook"

# (m) the clsact place pktlens uses is held by another tool's filter (u32,
# another protocol, same pref): a clear error, and neither XDP nor a
# pktlens filter left; the other filter untouched.
in_ns_tc() { nsenter --net="/run/netns/$ns" -- tc "$@"; }
if in_ns_tc qdisc add dev "$vb" clsact &&
   in_ns_tc filter add dev "$vb" egress pref 1 protocol ip u32 match u32 0 0; then
	pl m1 "$pktlens" run -i "$vb" --egress --egress-hook clsact --log-dir "$tmp/m1.logs"
	expect_fail 1
	expect_err "^pktlens run: $vb: .*egress filter" "the interface and that the egress filter failed"
	no_leftover
	in_ns_tc filter show dev "$vb" egress | grep -q u32 ||
		problem "the other tool's u32 filter is gone"
else
	problem "test setup: cannot add a u32 filter at pref 1 on $vb egress"
fi
in_ns_tc qdisc del dev "$vb" clsact 2>/dev/null
finish "run --egress (clsact) where another filter holds pref 1: error, nothing of pktlens left"

# (n) start-up fails after the egress filter is attached (log folder): the
# filter goes with the rest.
pl n1 "$pktlens" run -i "$vb" --egress --egress-hook clsact --log-dir /proc/pktlens-no-such-dir
expect_fail
expect_err "^pktlens run: .*pktlens-no-such-dir" "the log folder"
no_leftover
finish "run --egress (clsact) with a log folder it cannot create: no filter left"

# (o) --rules with a bad rule file, from the command line and from a config
# file: FILE:LINE, a usage error (2), nothing loaded, attached or pinned.
printf '# rules\nallow 10.0.0.0/8\ndeny 10.1.2.3/8\n' > "$tmp/bad.rules"
pl l1 "$pktlens" run -i "$vb" --pin "$pin_bpffs" --rules "$tmp/bad.rules"
expect_fail 2
expect_err "^pktlens run: .*bad\.rules:3:.*host bits" "FILE:3 and what is wrong"
no_leftover
finish "run --rules with a bad file: FILE:LINE, exit 2, nothing attached or pinned"

printf '[pktlens]\nrules = %s\n' "$tmp/no-such.rules" > "$tmp/rules.conf"
pl l2 "$pktlens" run -i "$vb" --pin "$pin_bpffs" --config "$tmp/rules.conf"
expect_fail 2
expect_err_i "^pktlens run: .*no-such\.rules.*no such file" "the rule file and that it is missing"
no_leftover
finish "config rules = a missing file: exit 2, nothing attached or pinned"

# (p) no BPF filesystem at /sys/fs/bpf, as on a machine without systemd. In
# a private mount namespace (what is unmounted or mounted there never
# reaches the host) where every bpffs stacked on /sys/fs/bpf is unmounted:
# `run --pin` under /sys/fs/bpf mounts one, says so once and runs; a pin
# folder elsewhere is still refused, and mounts nothing.
# no_bpffs CMD...: CMD there, in the test's network namespace; every step
# execs, so a backgrounded CMD's $! is CMD itself.
no_bpffs=(unshare --mount --propagation private -- sh -c 'n=0
	while [ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" = bpf_fs ]; do
		n=$((n + 1))
		[ "$n" -le 8 ] && umount /sys/fs/bpf || {
			echo "no_bpffs: cannot unmount the BPF filesystem at /sys/fs/bpf" >&2; exit 99; }
	done
	exec nsenter --net="$0" -- "$@"' "/run/netns/$ns")
mounted_msg="pktlens run: no BPF filesystem was mounted at /sys/fs/bpf; mounted one"
pin_priv=/sys/fs/bpf/pktlens-bi-mnt-$$
host_fs=$(stat -f -c %T /sys/fs/bpf 2>/dev/null)

out=$tmp/p1.out err=$tmp/p1.err
"${no_bpffs[@]}" env --default-signal=INT "$pktlens" run -i "$vb" --pin "$pin_priv" \
	--log-dir "$tmp/p1.logs" > "$out" 2> "$err" < /dev/null &
pd=$!
for ((i = 0; i < CMD_SECS * 10; i++)); do
	grep -qs "attached to $vb" "$err" && break
	kill -0 "$pd" 2>/dev/null || break
	sleep 0.1
done
if grep -qs "attached to $vb" "$err"; then
	# the daemon's files, seen through its root (/proc/PID/root: in its
	# mount namespace, and right under a chroot too, unlike nsenter -m)
	mine=/proc/$pd/root
	fs=$(stat -f -c %T "$mine/sys/fs/bpf")
	[ "$fs" = bpf_fs ] || problem "the daemon's /sys/fs/bpf is $fs, not a BPF filesystem"
	[ -e "$mine$pin_priv/pl_flows" ] ||
		problem "no map pinned at $pin_priv/pl_flows in the daemon's mount namespace"
	[ ! -e "$pin_priv" ] || problem "$pin_priv appeared on the host: the mount was not private"
	[ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" = "$host_fs" ] ||
		problem "the host's /sys/fs/bpf changed from $host_fs"
	# the daemon's link alone holds the program then: SIGINT detaches it
	rm -rf "${mine:?}$pin_priv"
	kill -INT "$pd"
else
	problem "daemon did not report 'attached to $vb': $(said)"
	kill -KILL "$pd" 2>/dev/null
fi
for ((i = 0; i < CMD_SECS * 10; i++)); do
	kill -0 "$pd" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$pd" 2>/dev/null && { problem "still running ${CMD_SECS}s after SIGINT"; kill -KILL "$pd"; }
wait "$pd" 2>/dev/null
rc=$?
[ "$rc" -eq 0 ] || problem "exit status $rc after SIGINT: $(said)"
n=$(grep -cxF "$mounted_msg" "$err")
[ "$n" = 1 ] || problem "said '$mounted_msg' $n times, want once"
no_leftover
finish "run --pin under /sys/fs/bpf with no BPF filesystem mounted: mounts one (privately), says so once, runs"

# the same namespace, a pin folder in /tmp: what /sys/fs/bpf is afterwards
pl p2 "${no_bpffs[@]}" sh -c '"$@"; rc=$?
	echo "after: /sys/fs/bpf is $(stat -f -c %T /sys/fs/bpf)" >&2; exit $rc' \
	sh "$pktlens" run -i "$vb" --pin "$tmp/not-bpffs-2"
expect_fail
expect_err_i "^pktlens run: .*(bpffs|bpf ?fs|bpf file ?system)" \
	"that the pin folder must be on a BPF filesystem"
! grep -qF "$mounted_msg" "$err" || problem "mounted a BPF filesystem for a pin folder in /tmp"
grep -qx "after: /sys/fs/bpf is sysfs" "$err" ||
	problem "/sys/fs/bpf afterwards: $(grep '^after:' "$err" || echo "no 'after:' line: $(said)")"
no_leftover
finish "run --pin in /tmp with no BPF filesystem mounted: refused, nothing mounted"

# --- nothing left: the namespace goes, with its interfaces ----------------
rm -rf "$pin_bpffs"
ip netns del "$ns" 2>/dev/null
if ip netns list | grep -qw -- "$ns" || [ -e "/run/netns/$ns" ]; then
	problem "namespace $ns still there after deleting it"
fi
leaked=$(ip -o link show 2>/dev/null | grep -E "plbi-$$-" | tr '\n' ' ')
[ -z "$leaked" ] || problem "interfaces left in the host namespace: $leaked"
[ ! -e "$pin_bpffs" ] || problem "pin folder $pin_bpffs left"
# finish would recreate the veth; report this one by hand.
if [ ${#why[@]} -eq 0 ]; then
	passed=$((passed + 1)); echo "ok   cleanup: no namespace, interface or pin folder left"
else
	failed=$((failed + 1))
	printf 'FAIL cleanup: %s\n' "$(printf '%s; ' "${why[@]}")"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
