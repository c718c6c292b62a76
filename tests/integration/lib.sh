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

# wait_until SECS CMD...: true as soon as CMD is (polled every 0.1 s), false
# if it still is not after SECS seconds (a whole number) of the clock, however
# long each try of CMD takes. What the scripts wait for is a condition,
# never a fixed time.
wait_until() {
	local end=$(( ${EPOCHREALTIME//[.,]/} + $1 * 1000000 ))
	shift
	until "$@"; do
		[ "${EPOCHREALTIME//[.,]/}" -lt "$end" ] || return 1
		sleep 0.1
	done
}

# xdp_seen NS IFACE: frames XDP has run on at IFACE (a veth in native mode)
# in NS, from the driver's own counters: every receive queue's xdp_packets.
xdp_seen() {
	nsenter --net="/run/netns/$1" -- ethtool -S "$2" 2>/dev/null |
		awk '/^ *rx_queue_[0-9]+_xdp_packets:/ { n += $2 } END { print n + 0 }'
}

# --- cases: `problem` notes what went wrong, `finish NAME` prints the case's
# ok/FAIL line and counts it in passed/failed.
why=()
passed=0 failed=0
problem() { why+=("$*"); }
finish() {
	local w
	if [ ${#why[@]} -eq 0 ]; then
		passed=$((passed + 1)); printf 'ok   %s\n' "$1"
	else
		failed=$((failed + 1))
		w=$(printf '%s; ' "${why[@]}")
		printf 'FAIL %s: %s\n' "$1" "${w%; }"
	fi
	why=()
}

# --- the daemon, for scripts with $pktlens, $ns_b, $tmp, a pids array their
# trap kills, ATTACH_SECS and EXIT_SECS.
# start TAG ARGS...: `pktlens run -i ns_b ARGS` in ns_b; sets daemon and derr,
# and waits (bounded) for "attached". env gives the daemon the default SIGINT
# disposition back (a non-interactive shell's background jobs ignore it);
# nsenter and env exec, so $! is the daemon itself.
start() {
	local tag=$1 i; shift
	derr=$tmp/$tag.err
	nsenter --net="/run/netns/$ns_b" -- env --default-signal=INT \
		"$pktlens" run -i "$ns_b" "$@" > "$tmp/$tag.out" 2> "$derr" < /dev/null &
	daemon=$!
	pids+=("$daemon")
	for ((i = 0; i < ATTACH_SECS * 10; i++)); do
		grep -qs "attached to $ns_b" "$derr" && return 0
		kill -0 "$daemon" 2>/dev/null || break
		sleep 0.1
	done
	grep -qs "attached to $ns_b" "$derr" && return 0
	problem "daemon did not report 'attached to $ns_b' within ${ATTACH_SECS}s: $(tail -n 2 "$derr" | tr '\n' ' ')"
	kill -KILL "$daemon" 2>/dev/null
	reap
	return 1
}
reap() { reap_ 2>/dev/null; }    # bash's "Killed" job notices are noise here
reap_() {       # wait for the daemon to be gone (bounded); sets drc
	local i
	for ((i = 0; i < EXIT_SECS * 10; i++)); do
		kill -0 "$daemon" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$daemon" 2>/dev/null; then
		kill -KILL "$daemon" 2>/dev/null
		problem "daemon still running ${EXIT_SECS}s after the signal; killed"
	fi
	wait "$daemon" 2>/dev/null
	drc=$?
}
