#!/usr/bin/env bash
# install-deps.sh - install the Debian 12 / Ubuntu 24.04 packages pktlens needs to
# build, test, benchmark and run its demo. Installs only what is missing, so it is
# cheap to call from every make target that needs it.
set -euo pipefail

# build: compiler, BPF toolchain and libraries
pkgs=(make clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev pkg-config
      libpcap-dev libcmocka-dev libclang-rt-14-dev libjson-c-dev uthash-dev
# DNS tunnel grouping: the public suffix list (libpsl, and the distribution's
# copy of the list that psl_latest reads)
      libpsl-dev libpsl5 publicsuffix
# tests and demo: real peers and real plumbing (dig and curl: egress.sh's
# DNS query and HTTP upload; shfmt: tests/deps_cover.py reads the scripts
# with it)
      tshark tcpreplay iproute2 xdp-tools python3 bind9-dnsutils curl shfmt
# collector benchmarks: offline and live peers
      libndpi-bin tcpdump ethtool
# detection tests and bench: real attack tools (tests/integration/attacks.sh)
      nmap hping3 iodine dsniff iputils-ping
# fragment attacks and crafted captures (tests/integration/fragments.sh,
# frag_records.sh): IPv6 fragments by hand
      python3-scapy
# the hostile corpus's memory bounds (tests/hostile/run.sh): peak RSS
      time)
# `install-deps.sh kernels` (make test-kernels) adds Debian 12's kernel booted
# in qemu (TCG) with a busybox guest: a few hundred MB that `make test` and
# `make demo` do not need.
kernel_pkgs=(qemu-system-x86 busybox-static)
# bpftool is packaged as "linux-tools-common"/"linux-tools-$(uname -r)" on Ubuntu
if grep -qi ubuntu /etc/os-release 2>/dev/null; then
	pkgs=("${pkgs[@]/#bpftool/linux-tools-common}")
	pkgs=("${pkgs[@]/#libclang-rt-14-dev/libclang-rt-dev}")
fi
# --list [kernels]: the packages `install-deps.sh` (or `install-deps.sh kernels`
# for the kernels group alone) installs, one a line (tests/deps_cover.py checks
# that they cover every command the test and bench scripts run)
if [ "${1:-}" = --list ]; then
	if [ "${2:-}" = kernels ]; then
		printf '%s\n' "${kernel_pkgs[@]}"
	else
		printf '%s\n' "${pkgs[@]}"
	fi
	exit 0
fi
[ "${1:-}" != kernels ] || pkgs+=("${kernel_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
# busybox-static conflicts with the dynamic busybox a Debian system may have;
# either serves make test-kernels: keep the one that is there
if dpkg-query -W -f='${Status}' busybox 2>/dev/null | grep -q 'install ok installed'; then
	keep=()
	for p in ${missing[@]+"${missing[@]}"}; do
		[ "$p" = busybox-static ] || keep+=("$p")
	done
	missing=(${keep[@]+"${keep[@]}"})
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages: ${missing[*]}" >&2
	echo "install-deps: run as root (sudo make ...) to install them" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
