/* SPDX-License-Identifier: BSD-3-Clause */
/* policy.h - the verdict: rules (LPM trie on the source, then a short rule
 * list), bans with expiry, per-source token buckets, then per-destination
 * limits; for ARP frames, pinned bindings. Costs nothing but one array
 * lookup while none of them is loaded, and each kind costs its lookups only
 * while its flag is set. See pl_policy.h for how rule sets are laid out and
 * swapped. */
#ifndef PL_BPF_POLICY_H
#define PL_BPF_POLICY_H

#include "pl_policy.h"

struct pl_trie {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, PL_PREFIXES_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct pl_lpm_key);
	__type(value, struct pl_lpm_val);
} pl_trie_0 SEC(".maps"), pl_trie_1 SEC(".maps");

struct pl_lists {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PL_RULE_LISTS_MAX);
	__type(key, __u32);
	__type(value, struct pl_rule_list);
} pl_lists_0 SEC(".maps"), pl_lists_1 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct pl_trie);
} pl_rule_tries SEC(".maps") = { .values = { &pl_trie_0, &pl_trie_1 } };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct pl_lists);
} pl_rule_lists SEC(".maps") = { .values = { &pl_lists_0, &pl_lists_1 } };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pl_policy_cfg);
} pl_policy SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PL_RULE_IDS_MAX);
	__type(key, __u32);
	__type(value, struct pl_rule_stats);
} pl_rule_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PL_BANS_MAX);
	__type(key, struct pl_ban_key);
	__type(value, struct pl_ban_val);
} pl_bans SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PL_RATE_KEYS_MAX);
	__type(key, struct pl_rate_key);
	__type(value, struct pl_rate_val);
} pl_rates SEC(".maps");

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

/* The first `plen` bits of a and b agree. */
static __always_inline int pl_prefix_match(const __u8 *a, const __u8 *b, __u32 plen)
{
	int i;

	for (i = 0; i < 16; i++) {
		__u32 bits = plen > (__u32)i * 8 ? plen - (__u32)i * 8 : 0;
		__u8 mask;

		if (!bits)
			break;
		mask = bits >= 8 ? 0xff : (__u8)(0xff << (8 - bits));
		if ((a[i] ^ b[i]) & mask)
			return 0;
	}
	return 1;
}

static __always_inline int pl_rule_matches(const struct pl_rule *r, const struct pl_meta *m)
{
	__u16 vlan = m->n_vlans ? m->vlan_ids[0] : 0;

	if (r->proto && r->proto != m->l4_proto)
		return 0;
	if (r->vlan && r->vlan != vlan)
		return 0;
	if (r->dport_hi) {
		if (!(m->flags & PL_F_L4) || m->l4_proto == 1 || m->l4_proto == 58)
			return 0;
		if (m->dport < r->dport_lo || m->dport > r->dport_hi)
			return 0;
	}
	return !r->dst_plen || pl_prefix_match(m->dst, r->dst, r->dst_plen);
}

/* Which rule of the list decides, or -1. A global function: the verifier
 * checks the scan once, whatever the path to it. */
__attribute__((noinline)) int pl_rule_scan(const struct pl_meta *m,
					  const struct pl_rule_list *l)
{
	__u32 i, n;

	if (!m || !l)
		return -1;
	n = l->n;
	for (i = 0; i < PL_RULES_PER_LIST; i++) {
		if (i >= n)
			break;
		if (pl_rule_matches(&l->r[i], m))
			return (int)i;
	}
	return -1;
}

/* Token bucket per (source, rule): credit in time, one second at most. */
static __always_inline int pl_rate_ok(const struct pl_meta *m, const struct pl_rule *r,
				      __u32 len, __u64 now)
{
	struct pl_rate_key k = { .rule_id = r->id };
	struct pl_rate_val *v, nv;
	__u64 add;

	__builtin_memcpy(k.addr, m->src, 16);
	v = bpf_map_lookup_elem(&pl_rates, &k);
	if (!v) {
		nv.last_ns = now;
		nv.pkt_credit_ns = 1000000000ull;       /* start with a full bucket */
		nv.byte_credit_ps = 1000000000000ull;
		bpf_map_update_elem(&pl_rates, &k, &nv, BPF_ANY);
		v = bpf_map_lookup_elem(&pl_rates, &k);
		if (!v)
			return 1;
	}
	add = now > v->last_ns ? now - v->last_ns : 0;
	v->last_ns = now;
	v->pkt_credit_ns += add;
	if (v->pkt_credit_ns > 1000000000ull)
		v->pkt_credit_ns = 1000000000ull;
	v->byte_credit_ps += add * 1000;
	if (v->byte_credit_ps > 1000000000000ull)
		v->byte_credit_ps = 1000000000000ull;
	if (r->ns_per_pkt && v->pkt_credit_ns < r->ns_per_pkt)
		return 0;
	if (r->ps_per_byte && v->byte_credit_ps < r->ps_per_byte * len)
		return 0;
	if (r->ns_per_pkt)
		v->pkt_credit_ns -= r->ns_per_pkt;
	if (r->ps_per_byte)
		v->byte_credit_ps -= r->ps_per_byte * len;
	return 1;
}

static __always_inline void pl_rule_count(__u32 id, int dropped)
{
	struct pl_rule_stats *s;

	id &= PL_RULE_IDS_MAX - 1;
	s = bpf_map_lookup_elem(&pl_rule_stats, &id);
	if (s) {
		s->matched++;
		s->dropped += dropped;
	}
}

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

/* XDP_PASS or XDP_DROP for a parsed packet of `len` bytes at `now`,
 * arrived on ifindex. */
static __always_inline int pl_policy_verdict(const struct pl_meta *m, __u32 len, __u64 now,
					     __u32 ifindex)
{
	struct pl_policy_cfg *cfg;
	__u32 zero = 0, flags;

	if (!(m->flags & (PL_F_IP | PL_F_ARP)))
		return XDP_PASS;        /* rules speak of IP sources, pins of ARP */
	cfg = bpf_map_lookup_elem(&pl_policy, &zero);
	if (!cfg || !cfg->flags)
		return XDP_PASS;
	flags = cfg->flags;
	if (!(m->flags & PL_F_IP))
		return flags & PL_POL_ARP_PINS ? pl_arp_verdict(m, ifindex, now) : XDP_PASS;
	if (cfg->flags & PL_POL_RULES) {
		struct pl_lpm_key k = { .prefixlen = 128 };
		__u32 slot = cfg->active & 1;
		struct pl_lpm_val *lv;
		struct pl_rule_list *l;
		void *trie, *lists;
		int i;

		trie = bpf_map_lookup_elem(&pl_rule_tries, &slot);
		lists = bpf_map_lookup_elem(&pl_rule_lists, &slot);
		if (trie && lists) {
			__builtin_memcpy(k.addr, m->src, 16);
			lv = bpf_map_lookup_elem(trie, &k);
			l = lv ? bpf_map_lookup_elem(lists, &lv->list) : NULL;
			i = l ? pl_rule_scan(m, l) : -1;
			if (l && i >= 0 && i < PL_RULES_PER_LIST) {
				const struct pl_rule *r = &l->r[i];

				if (r->action == PL_ACT_ALLOW) {
					pl_rule_count(r->id, 0);
					return XDP_PASS;        /* bans do not apply */
				}
				if (r->action == PL_ACT_DENY) {
					pl_rule_count(r->id, 1);
					return XDP_DROP;
				}
				if (r->action == PL_ACT_RATELIMIT) {
					int ok = pl_rate_ok(m, r, len, now);

					pl_rule_count(r->id, !ok);
					if (!ok)
						return XDP_DROP;
				}
			}
		}
	}
	if (cfg->flags & PL_POL_BANS) {
		struct pl_ban_key bk;
		struct pl_ban_val *b;

		__builtin_memcpy(bk.addr, m->src, 16);
		b = bpf_map_lookup_elem(&pl_bans, &bk);
		if (b && (!b->expires_ns || b->expires_ns > now)) {
			__sync_fetch_and_add(&b->drops, 1);
			return XDP_DROP;
		}
	}
	/* last: a banned or denied source spends none of the destination's rate */
	if (flags & (PL_POL_DLIM | PL_POL_DLIM_PORT))
		return pl_dlim_verdict(m, flags, len, now);
	return XDP_PASS;
}

#endif /* PL_BPF_POLICY_H */
