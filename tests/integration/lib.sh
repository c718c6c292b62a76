# lib.sh - what the integration scripts share: two network namespaces joined
# by a veth pair, and running commands in them. Sourced, not run.

# veth_pair NS_A NS_B [ADDR_A/LEN ADDR_B/LEN]: both namespaces, a veth pair
# whose ends carry the namespaces' names, created directly inside them (no
# moment in the host's), up, with IPv6 off (so the kernel sends no
# RS/MLD/DAD of its own into what is counted), and addresses if given.
veth_pair() {
	local a=$1 b=$2 n
	ip netns add "$a" && ip netns add "$b" || return 1
	ip link add name "$a" netns "$a" type veth peer name "$b" netns "$b" || return 1
	for n in "$a" "$b"; do
		# before "up": no link-local address
		ip netns exec "$n" sysctl -qw "net.ipv6.conf.$n.disable_ipv6=1" || return 1
		ip -n "$n" link set "$n" up || return 1
	done
	[ $# -lt 4 ] && return 0
	ip -n "$a" addr add "$3" dev "$a" && ip -n "$b" addr add "$4" dev "$b"
}

# netns_del NS...: the namespaces, with their interfaces.
netns_del() {
	local n
	for n in "$@"; do
		ip netns del "$n" 2>/dev/null
	done
	return 0
}

# in_ns NS CMD...: CMD in NS's network namespace only. nsenter, not `ip
# netns exec`, which remounts /sys: the daemon would not see /sys/fs/bpf.
in_ns() { local n=$1; shift; nsenter --net="/run/netns/$n" -- "$@"; }
