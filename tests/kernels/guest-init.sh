#!/bin/busybox sh
# SPDX-License-Identifier: BSD-3-Clause
# guest-init.sh - /init of the test guest (tests/kernels/run.sh builds it
# into the initramfs): PID 1 under Debian 12's own kernel in qemu. It only
# runs things and collects what they printed; the host judges (it has
# python and the host kernel's records to compare with).
#
# What it runs:
#  - `pktlens analyze --summary` of every capture in /pcaps (loads the XDP
#    object in replay mode): records, summary and exit status;
#  - `pktlens check --strict` (the XDP object without events, against the
#    native parser and tshark's truth) and the verifier's figures;
#  - `pktlens run -i vk0 --egress` on a veth pair whose other end is in a
#    network namespace (loads the XDP object in live mode and the TC egress
#    object, attaches both), 5 pings across it, what tc and ip show during
#    and after, then SIGINT and the logs.
#
# Everything collected goes to the second serial port (/dev/ttyS1, a file
# on the host), framed as
#     @@@ FILE NAME
#     ...the file...
#     @@@ END NAME
# so that kernel messages on the console (ttyS0) never mix into it. The
# guest is private: names need no unique suffix, nothing survives power-off.
PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin
export PATH
# busybox's shell runs its own applets before anything on PATH: the real
# iproute2 tools by their full names (busybox ip cannot make a veth pair)
IP=/usr/local/bin/ip TC=/usr/local/bin/tc
/bin/busybox mkdir -p /usr/bin /sbin /usr/sbin
/bin/busybox --install -s /bin

mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
mount -t tmpfs run /run
mount -t bpf bpf /sys/fs/bpf      # as a stock Debian 12 has it

out=/dev/ttyS1
stty -F "$out" raw -echo 2>/dev/null
say() { echo "pktlens-guest: $*"; }           # progress, on the console

# emit NAME FILE: FILE framed onto the results port
emit() {
	{
		echo "@@@ FILE $1"
		if [ -f "$2" ]; then
			cat "$2"
			[ -s "$2" ] && [ "$(tail -c 1 "$2" | od -An -c | tr -d ' ')" != '\n' ] && echo
		fi
		echo "@@@ END $1"
	} > "$out"
}
# emit_text NAME TEXT
emit_text() {
	printf '%s\n' "$2" > /tmp/emit.txt
	emit "$1" /tmp/emit.txt
}

# Settings from the kernel command line (run.sh): pktlens.only=A,B limits
# the captures, pktlens.secs=N bounds each command.
only= secs=900
for a in $(cat /proc/cmdline); do
	case $a in
	pktlens.only=*) only=${a#pktlens.only=} ;;
	pktlens.secs=*) secs=${a#pktlens.secs=} ;;
	esac
done

emit_text uname "$(uname -r)"
# CO-RE relocates the objects against this
[ -e /sys/kernel/btf/vmlinux ] && emit_text btf yes || emit_text btf no

# --- modules: veth, and clsact + cls_bpf for the egress fallback --------------
: > /tmp/modules
while read -r m; do
	[ -n "$m" ] || continue
	if insmod "/modules/$m" >> /tmp/modules 2>&1; then
		echo "loaded $m" >> /tmp/modules
	else
		echo "FAILED $m" >> /tmp/modules
	fi
done < /modules/load-order
emit modules /tmp/modules

# --- pktlens analyze of every capture --------------------------------------------
# One lane per CPU, each pinned to its CPU (analyze stays on the CPU it
# starts on): under TCG a program load takes minutes, and the lanes load in
# parallel. A lane emits each capture's results as soon as it has them
# (the mkdir lock keeps two lanes' frames apart), so a guest that dies
# midway still leaves what it finished.
say "analyze"
lock() { while ! mkdir /tmp/emit.lock 2>/dev/null; do sleep 0.1; done; }
unlock() { rmdir /tmp/emit.lock; }
lane() {        # lane N OF: every OF-th capture from the N-th, on CPU N
	i=0
	for cap in /pcaps/*.pcap /pcaps/*.pcapng; do
		[ -f "$cap" ] || continue
		name=${cap##*/}
		if [ -n "$only" ]; then
			case ",$only," in *",$name,"*) ;; *) continue ;; esac
		fi
		i=$((i + 1))
		[ $(((i - 1) % $2)) -eq "$1" ] || continue
		t0=$(date +%s)
		# by its bare name, as on the host: messages name the file
		(cd /pcaps && exec taskset -c "$1" timeout "$secs" pktlens analyze \
			--no-progress --summary "$name" > "/tmp/a$1.out" 2> "/tmp/a$1.err" < /dev/null)
		rc=$?
		lock
		say "analyze $name: exit $rc, $(($(date +%s) - t0))s"
		emit "analyze/$name.out" "/tmp/a$1.out"
		emit "analyze/$name.err" "/tmp/a$1.err"
		emit_text "analyze/$name.rc" "$rc"
		unlock
	done
}
lanes=$(nproc) n=0
while [ "$n" -lt "$lanes" ]; do
	lane "$n" "$lanes" &
	n=$((n + 1))
done
wait

# --- pktlens check: the BPF parser against the native one, frame by frame ---------
say "check"
(cd /pcaps && exec timeout "$secs" pktlens check --pcaps . --strict --known /check-known.tsv \
	> /tmp/check.out 2> /tmp/check.err < /dev/null)
emit_text check/rc "$?"
emit check/out /tmp/check.out
emit check/err /tmp/check.err

# --- the verifier's work on the replay-mode program --------------------------------
# analyze of a capture that arrives through a FIFO: the program is loaded
# once the file header is in, and stays while the rest does not come.
# (Opened read-write: a FIFO open never blocks that way.)
say "verifier"
mkfifo /tmp/fifo
pktlens analyze --no-progress /tmp/fifo > /dev/null 2>&1 < /dev/null &
apid=$!
exec 7<> /tmp/fifo
head -c 24 "$(ls /pcaps/*.pcap | head -n 1)" >&7     # a pcap file header
t0=$(date +%s)
until prog_info "$apid" > /tmp/insns.replay 2>&1; do
	[ $(($(date +%s) - t0)) -lt "$secs" ] && kill -0 "$apid" 2>/dev/null || break
	sleep 1
done
exec 7>&-
wait "$apid"
emit verifier/replay /tmp/insns.replay

# --- pktlens run --egress on a veth pair ---------------------------------------------
say "run"
A=10.77.0.1 B=10.77.0.2
: > /tmp/setup
{
	$IP netns add peer &&
	$IP link add vk0 type veth peer name vk1 &&
	$IP link set vk1 netns peer &&
	# no IPv6: no RS/MLD/DAD of the kernel's own in what is counted
	sysctl -qw net.ipv6.conf.vk0.disable_ipv6=1 &&
	$IP netns exec peer sysctl -qw net.ipv6.conf.vk1.disable_ipv6=1 &&
	$IP addr add "$A/24" dev vk0 && $IP link set vk0 up &&
	$IP -n peer addr add "$B/24" dev vk1 && $IP -n peer link set vk1 up &&
	$IP -n peer link set lo up
} >> /tmp/setup 2>&1
echo "setup exit $?" >> /tmp/setup
emit run/setup /tmp/setup

mkdir -p /tmp/run.logs
pktlens run -i vk0 --egress --log-dir /tmp/run.logs > /tmp/run.out 2> /tmp/run.err < /dev/null &
daemon=$!
t0=$(date +%s) attached=0
while [ $(($(date +%s) - t0)) -lt "$secs" ]; do
	grep -q "attached to vk0" /tmp/run.err && { attached=1; break; }
	kill -0 "$daemon" 2>/dev/null || break
	sleep 1
done
emit_text run/attach-secs "$(($(date +%s) - t0))"
if [ "$attached" = 1 ]; then
	$TC filter show dev vk0 egress > /tmp/tc.during 2>&1
	$IP link show dev vk0 > /tmp/link.during 2>&1
	prog_info "$daemon" > /tmp/insns.live 2>&1
	emit verifier/live /tmp/insns.live
	timeout 120 ping -c 5 -i 0.2 -W 5 "$B" > /tmp/ping 2>&1
	echo "ping exit $?" >> /tmp/ping
	kill -INT "$daemon"
fi
t0=$(date +%s)
while kill -0 "$daemon" 2>/dev/null && [ $(($(date +%s) - t0)) -lt "$secs" ]; do
	sleep 1
done
kill -KILL "$daemon" 2>/dev/null
wait "$daemon"
emit_text run/rc "$?"
$TC filter show dev vk0 egress > /tmp/tc.after 2>&1
$IP link show dev vk0 > /tmp/link.after 2>&1
for f in tc.during link.during ping tc.after link.after run.out run.err; do
	emit "run/$f" "/tmp/$f"
done
for f in /tmp/run.logs/*.log; do
	[ -f "$f" ] && emit "run/logs/${f##*/}" "$f"
done

dmesg > /tmp/dmesg
emit dmesg /tmp/dmesg
echo "@@@ DONE" > "$out"
say "done"
sync
poweroff -f
