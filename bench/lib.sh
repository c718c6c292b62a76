# lib.sh - what the live benchmarks (live.sh, mem.sh) share: a private
# namespace holding one veth pair, and its removal. Sourced, not run.

# bench_veth_ns NS TXIF RXIF: the namespace with the pair up, IPv6 off (no
# router solicitations or DAD frames among the counted ones).
bench_veth_ns() {
	local ns=$1 tx=$2 rx=$3
	ip netns add "$ns" || return 1
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
	ip netns exec "$ns" ip link add "$tx" type veth peer name "$rx" || return 1
	ip netns exec "$ns" ip link set "$tx" up || return 1
	ip netns exec "$ns" ip link set "$rx" up
}

# bench_ns_del NS: whatever still runs in it, then the namespace.
bench_ns_del() {
	local p
	for p in $(ip netns pids "$1" 2>/dev/null); do kill "$p" 2>/dev/null; done
	ip netns del "$1" 2>/dev/null
}

# field KEY "k1=v1 k2=v2 ...": the value of KEY.
field() { tr ' ' '\n' <<< "$2" | awk -F= -v k="$1" '$1 == k { print $2 }'; }
