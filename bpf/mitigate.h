/* SPDX-License-Identifier: BSD-3-Clause */
/* mitigate.h - where bans cannot help: destination limits (a flood whose
 * sources are spoofed is capped toward its destination, but for the
 * sources that proved real there) and ARP pins (ARP has no IP source).
 * Judged by policy.h after the rules and bans; see pl_policy.h. */
#ifndef PL_BPF_MITIGATE_H
#define PL_BPF_MITIGATE_H

#include "pl_policy.h"

/* Entries come from userspace (detections, `pktlens limits`): plain hash
 * maps, full is an error it reports. Trust is refreshed at every handshake
 * seen during a limit, so the least recent pair may go when full. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PL_DST_LIMITS_MAX);
	__type(key, struct pl_dlim_key);
	__type(value, struct pl_dlim_val);
} pl_dst_limits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PL_TRUST_MAX);
	__type(key, struct pl_trust_key);
	__type(value, struct pl_trust_val);
} pl_dst_trust SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PL_ARP_PINS_MAX);
	__type(key, struct pl_arp_pin_key);
	__type(value, struct pl_arp_pin_val);
} pl_arp_pins SEC(".maps");

/* One packet through the destination's shared bucket (GCRA, see
 * pl_dlim_val). Dropping, the common case in a flood, takes no atomic
 * operation; passing reserves its slot with one atomic add, and gives it
 * back if another CPU took the last one meanwhile. */
static __always_inline int pl_gcra_ok(struct pl_dlim_val *v, __u64 now)
{
	__u64 ival = v->ns_per_pkt, tau, t;

	if (!ival || ival > 1000000000ull)
		ival = 1000000000ull;
	tau = 1000000000ull - ival;     /* a second's worth, this packet included */
	t = *(volatile __u64 *)&v->tat_ns;
	if (t > now + tau)
		return 0;
	if (t < now)                    /* idle: the bucket is full, not fuller */
		__sync_val_compare_and_swap(&v->tat_ns, t, now);
	t = __sync_fetch_and_add(&v->tat_ns, ival);
	if (t > now + tau) {
		__sync_fetch_and_sub(&v->tat_ns, ival);
		return 0;
	}
	return 1;
}

/* SYNs without ACK, UDP or ICMP toward a limited destination: dropped
 * beyond its rate, unless their source proved real there. */
static __always_inline int pl_dlim_verdict(const struct pl_meta *m, __u32 flags, __u32 len,
					   __u64 now)
{
	struct pl_dlim_key k;
	struct pl_dlim_val *v = NULL;
	struct pl_trust_key tk;
	struct pl_trust_val *tv;
	__u8 p = m->l4_proto;

	if (p == 6) {
		if (!(m->flags & PL_F_L4) || (m->tcp_flags & 0x12) != 0x02)
			return XDP_PASS;        /* not a connection attempt */
	} else if (p == 58) {
		if ((m->flags & PL_F_L4) && m->icmp_type >= 133 && m->icmp_type <= 137)
			return XDP_PASS;        /* neighbour discovery: IPv6 itself */
	} else if (p != 17 && p != 1) {
		return XDP_PASS;
	}
	__builtin_memset(&k, 0, sizeof(k));
	__builtin_memcpy(k.addr, m->dst, 16);
	k.proto = p;
	if ((flags & PL_POL_DLIM_PORT) && (p == 6 || p == 17) && (m->flags & PL_F_L4)) {
		k.dport = m->dport;
		v = bpf_map_lookup_elem(&pl_dst_limits, &k);
	}
	if (!v && (flags & PL_POL_DLIM)) {
		k.dport = 0;
		v = bpf_map_lookup_elem(&pl_dst_limits, &k);
	}
	if (!v || (v->expires_ns && v->expires_ns <= now))
		return XDP_PASS;
	__builtin_memcpy(tk.src, m->src, 16);
	__builtin_memcpy(tk.dst, m->dst, 16);
	tv = bpf_map_lookup_elem(&pl_dst_trust, &tk);
	if (tv && (!tv->expires_ns || tv->expires_ns > now))
		return XDP_PASS;
	if (pl_gcra_ok(v, now)) {
		__sync_fetch_and_add(&v->passed, 1);
		return XDP_PASS;
	}
	__sync_fetch_and_add(&v->drops, 1);
	__sync_fetch_and_add(&v->drop_bytes, len);
	return XDP_DROP;
}

/* An ARP frame that claims a pinned address from another MAC is dropped:
 * the stack never learns the lie. */
static __always_inline int pl_arp_verdict(const struct pl_meta *m, __u32 ifindex, __u64 now)
{
	struct pl_arp_pin_key k;
	struct pl_arp_pin_val *v;
	__u8 diff = 0;
	int i;

	__builtin_memset(&k, 0, sizeof(k));
	__builtin_memcpy(k.ip, m->arp_spa, 4);
	k.ifindex = ifindex;
	k.vlan = m->n_vlans ? m->vlan_ids[0] : 0;
	v = bpf_map_lookup_elem(&pl_arp_pins, &k);
	if (!v || (v->expires_ns && v->expires_ns <= now))
		return XDP_PASS;
	for (i = 0; i < 6; i++)
		diff |= v->mac[i] ^ m->arp_sha[i];
	if (!diff)
		return XDP_PASS;
	__sync_fetch_and_add(&v->drops, 1);
	__builtin_memcpy(v->last_mac, m->arp_sha, 6);
	return XDP_DROP;
}

#endif /* PL_BPF_MITIGATE_H */
