#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# run.sh [BUILD [PCAPS]] - `make test-kernels`: pktlens on Debian 12's own
# kernel (6.1, what the README's "Linux >= 6.1" and the two-command set-up
# on Debian 12 promise), booted in qemu, against this host's kernel.
#
# The kernel image is the one Debian 12's linux-image-amd64 depends on,
# fetched with `apt-get download` into $KERNELS_CACHE (fetch-kernel.sh); the
# guest is an initramfs of busybox, this build's pktlens, iproute2's ip and
# tc with their libraries, the captures and /init (guest-init.sh). qemu
# runs it with TCG (no KVM needed), bounded by $KERNELS_TIMEOUT. Meanwhile
# the host runs the same `pktlens analyze` of every capture on its own
# kernel. judge.py then prints one line per case:
#   - the guest booted that kernel, ran everything and loaded its modules;
#   - the XDP object in replay mode loads (passes 6.1's verifier);
#   - per capture: the same records, summary and exit status as on the host;
#   - `pktlens check --strict`: BPF and native parser agree on every frame,
#     and it prints what it prints on the host;
#   - the verifier's instruction counts of the three program loads;
#   - `pktlens run -i VETH --egress` in the guest: XDP in live mode and the TC
#     egress object load and attach, the egress through the clsact fallback
#     (no tcx before 6.6), said so, a ping is one conn with 5+5 packets, and
#     SIGINT leaves nothing attached;
# and "N passed, N failed". Exits 0 only if all pass.
#
# Settings (environment): KERNELS_CACHE (default /var/cache/pktlens-kernels),
# KERNEL_PKG (another linux-image-6.1.*-amd64), KERNELS_ONLY=A.pcap,B.pcap
# (a subset of the captures), KERNELS_TIMEOUT (whole guest, seconds, default
# 5400), KERNELS_CMD_SECS (one command in the guest, default 900),
# KERNELS_SMP (guest CPUs, default 2), KERNELS_KEEP=1 (keep the work folder
# and say where). Needs root (the host half loads BPF programs).
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-$root/build}
pcaps=${2:-$root/../shared/pcaps}
cache=${KERNELS_CACHE:-/var/cache/pktlens-kernels}
only=${KERNELS_ONLY:-}
guest_secs=${KERNELS_TIMEOUT:-5400}
cmd_secs=${KERNELS_CMD_SECS:-900}
smp=${KERNELS_SMP:-2}
pktlens=$build/pktlens

die() { echo "test-kernels: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (BPF programs on the host; the kernel download)"
for t in qemu-system-x86_64 busybox dpkg-deb apt-get gzip timeout /usr/bin/python3; do
	command -v "$t" > /dev/null || die "missing tool: $t (scripts/install-deps.sh)"
done
[ -x "$pktlens" ] || die "no pktlens binary at $pktlens (make)"
[ -x "$build/prog_info" ] || die "no $build/prog_info (make test-kernels builds it)"
[ -d "$pcaps" ] || die "no capture folder $pcaps"
build=$(cd "$build" && pwd) pcaps=$(cd "$pcaps" && pwd) pktlens=$build/pktlens
case $only in *[!A-Za-z0-9._,-]*) die "KERNELS_ONLY: capture names, comma-separated" ;; esac

tmp=$(mktemp -d /tmp/pktlens-kernels.XXXXXX) || die "no temporary folder"
qemu_pid=
cleanup() {
	trap - EXIT INT TERM
	[ -n "$qemu_pid" ] && kill -KILL "$qemu_pid" 2> /dev/null
	wait 2> /dev/null
	if [ "${KERNELS_KEEP:-0}" = 1 ]; then
		echo "test-kernels: kept $tmp" >&2
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'echo "test-kernels: interrupted" >&2; exit 130' INT TERM
t_start=$(date +%s)

# --- the kernel and the guest's root ----------------------------------------
kdir=$("$here/fetch-kernel.sh" "$cache" veth sch_ingress cls_bpf) ||
	die "cannot fetch Debian 12's kernel"
vmlinuz=$(ls "$kdir"/vmlinuz-* | head -n 1)
echo "test-kernels: guest kernel $(basename "$vmlinuz") (${kdir##*/}), host kernel $(uname -r)"
"$here/build-initramfs.sh" "$tmp/initramfs.gz" "$kdir" "$pcaps" \
	"$pktlens" "$build/prog_info" "$(command -v ip)" "$(command -v tc)" || die "cannot build the initramfs"

# --- the guest, in the background -------------------------------------------------
# ttyS0: the console (kernel messages, progress); ttyS1: the results.
# TCG: no KVM here, and none needed. -no-reboot: a panic (panic=-1) ends qemu.
# no_timer_check: on a busy host the emulated timer can miss the kernel's
# early IO-APIC check, which then panics ("IO-APIC + timer doesn't work").
echo "test-kernels: booting (TCG; program loads take minutes each)"
nice qemu-system-x86_64 -machine q35 -accel tcg -cpu max \
	-m 2G -smp "$smp" -display none -monitor none -no-reboot \
	-kernel "$vmlinuz" -initrd "$tmp/initramfs.gz" \
	-append "console=ttyS0 panic=-1 no_timer_check pktlens.secs=$cmd_secs${only:+ pktlens.only=$only}" \
	-serial "file:$tmp/console.log" -serial "file:$tmp/results.txt" \
	> "$tmp/qemu.log" 2>&1 < /dev/null &
qemu_pid=$!      # qemu itself (nice execs it): what the trap and the bound kill
qemu_t0=$(date +%s)

# --- the host's records, meanwhile ------------------------------------------------
# verifier_replay OUT: prog_info of `pktlens analyze` of a capture that
# arrives through a FIFO: the program is loaded once the file header is in,
# and stays while the rest does not come. (Opened read-write: a FIFO open
# never blocks that way, even if analyze is gone.)
verifier_replay() {
	local f=$tmp/fifo apid i first
	first=$(ls "$pcaps"/*.pcap | head -n 1)
	mkfifo "$f" || return 1
	"$pktlens" analyze --no-progress "$f" > /dev/null 2>&1 < /dev/null &
	apid=$!
	exec 7<> "$f"
	head -c 24 "$first" >&7              # a pcap file header
	for ((i = 0; i < cmd_secs * 10; i++)); do
		"$build/prog_info" "$apid" > "$1" 2>&1 && break
		kill -0 "$apid" 2> /dev/null || break
		sleep 0.1
	done
	exec 7>&-
	wait "$apid"
	rm -f "$f"
}
verifier_replay "$tmp/host.verifier"
mkdir -p "$tmp/host-check"
(cd "$pcaps" && exec timeout "$cmd_secs" "$pktlens" check --pcaps . --strict \
	--known "$root/tests/check-known-differences.tsv" > "$tmp/host-check/out" 2> "$tmp/host-check/err" < /dev/null)
echo "$?" > "$tmp/host-check/rc"

mkdir -p "$tmp/host"
shopt -s nullglob
for cap in "$pcaps"/*.pcap "$pcaps"/*.pcapng; do
	name=$(basename "$cap")
	[ -n "$only" ] && [[ ",$only," != *",$name,"* ]] && continue
	# by its bare name, as in the guest: messages name the file
	(cd "$pcaps" && exec timeout "$cmd_secs" "$pktlens" analyze --no-progress --summary \
		"$name" > "$tmp/host/$name.out" 2> "$tmp/host/$name.err" < /dev/null)
	echo "$?" > "$tmp/host/$name.rc"
done

# the guest powers itself off when done; bounded all the same
while kill -0 "$qemu_pid" 2> /dev/null && [ $(($(date +%s) - qemu_t0)) -lt "$guest_secs" ]; do
	sleep 1
done
if kill -0 "$qemu_pid" 2> /dev/null; then
	kill -KILL "$qemu_pid"
	wait "$qemu_pid" 2> /dev/null
	qrc=124
	echo "test-kernels: the guest did not finish within ${guest_secs}s" >&2
else
	wait "$qemu_pid"
	qrc=$?
fi
qemu_pid=

# --- judge ---------------------------------------------------------------------
/usr/bin/python3 "$here/judge.py" "$tmp/results.txt" "$tmp/guest" "$tmp/host" \
	"$(uname -r)" "$qrc" "$tmp/counts" "$tmp/host.verifier" "$tmp/host-check"
read -r passed failed < "$tmp/counts" 2> /dev/null || { passed=0 failed=1; }
if [ "$failed" -ne 0 ]; then
	echo "--- the guest's console (last 30 lines) ---"
	tail -n 30 "$tmp/console.log" 2> /dev/null
	[ -s "$tmp/qemu.log" ] && { echo "--- qemu ---"; tail -n 10 "$tmp/qemu.log"; }
fi
echo "test-kernels: $(($(date +%s) - t_start))s in all"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
