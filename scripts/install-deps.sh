#!/usr/bin/env bash
# install-deps.sh - install the Debian 12 / Ubuntu 24.04 packages pktlens needs to
# build, test, benchmark and run its demo. Installs only what is missing, so it is
# cheap to call from every make target that needs it.
set -euo pipefail

# build: compiler, BPF toolchain and libraries
pkgs=(make clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev pkg-config
      libpcap-dev libcmocka-dev libclang-rt-14-dev libjson-c-dev uthash-dev libinih-dev
# DNS tunnel grouping: the public suffix list (libpsl, and the distribution's
# copy of the list that psl_latest reads)
      libpsl-dev libpsl5 publicsuffix
# tests and demo: real peers and real plumbing
      tshark tcpreplay iproute2 xdp-tools python3
# crafted captures (tests/captures/gen_frags.py, for Debian's /usr/bin/python3)
      python3-scapy
# collector benchmarks: offline and live peers
      libndpi-bin tcpdump ethtool
# detection tests and bench: real attack tools (tests/integration/attacks.sh)
      nmap hping3 iodine dsniff iputils-ping)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
# bpftool is packaged as "linux-tools-common"/"linux-tools-$(uname -r)" on Ubuntu
if grep -qi ubuntu /etc/os-release 2>/dev/null; then
	missing=("${missing[@]/bpftool/linux-tools-common}")
	missing=("${missing[@]/libclang-rt-14-dev/libclang-rt-dev}")
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
