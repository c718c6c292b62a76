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
#include "mitigate.h"

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

/* The first `plen` bits of a and b agree: whole bytes, then the bits of
 * the last one. Few values live at once, so that pl_rule_scan's frame
 * stays within 32 bytes: Linux 6.1 counts frames in 32-byte steps against
 * 512 bytes for the deepest chain of calls, pktlens_xdp -> pl_sub_frag ->
 * pl_rule_scan (256 + 224 + 32; tests/kernels checks it loads there). */
static __always_inline int pl_prefix_match(const __u8 *a, const __u8 *b, __u32 plen)
{
	__u32 full = plen >> 3, i;

	for (i = 0; i < 16; i++) {
		if (i >= full)
			break;
		if (a[i] != b[i])
			return 0;
	}
	if (!(plen & 7) || full >= 16)
		return 1;
	return !((a[full] ^ b[full]) & (__u8)(0xff << (8 - (plen & 7))));
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

/* The active set's rule list for m's source, or NULL. */
static __always_inline struct pl_rule_list *pl_rule_list_of(const struct pl_meta *m,
							    const struct pl_policy_cfg *cfg)
{
	struct pl_lpm_key k = { .prefixlen = 128 };
	__u32 slot = cfg->active & 1;
	struct pl_lpm_val *lv;
	void *trie, *lists;

	trie = bpf_map_lookup_elem(&pl_rule_tries, &slot);
	lists = bpf_map_lookup_elem(&pl_rule_lists, &slot);
	if (!trie || !lists)
		return NULL;
	__builtin_memcpy(k.addr, m->src, 16);
	lv = bpf_map_lookup_elem(trie, &k);
	return lv ? bpf_map_lookup_elem(lists, &lv->list) : NULL;
}

/* A ban on m's source that has not expired drops it. */
static __always_inline int pl_ban_verdict(const struct pl_meta *m, __u64 now)
{
	struct pl_ban_key bk;
	struct pl_ban_val *b;

	__builtin_memcpy(bk.addr, m->src, 16);
	b = bpf_map_lookup_elem(&pl_bans, &bk);
	if (b && (!b->expires_ns || b->expires_ns > now)) {
		__sync_fetch_and_add(&b->drops, 1);
		return XDP_DROP;
	}
	return XDP_PASS;
}

/* What a verdict was made of, for those that remember it: the fragment
 * table (frag_policy.h). */
struct pl_judged {
	__u32 allowed;          /* an allow rule decided: no ban or limit was looked at */
	__u32 list_flags;       /* PL_LIST_* of the source's rule list; 0 without one */
};

/* XDP_PASS or XDP_DROP for a parsed packet of `len` bytes at `now`,
 * arrived on ifindex; *j (if not NULL) says how. */
static __always_inline int pl_policy_judge(const struct pl_meta *m, __u32 len, __u64 now,
					   __u32 ifindex, struct pl_judged *j)
{
	struct pl_policy_cfg *cfg;
	__u32 zero = 0, flags;

	if (j) {
		j->allowed = 0;
		j->list_flags = 0;
	}
	if (!(m->flags & (PL_F_IP | PL_F_ARP)))
		return XDP_PASS;        /* rules speak of IP sources, pins of ARP */
	cfg = bpf_map_lookup_elem(&pl_policy, &zero);
	if (!cfg || !cfg->flags)
		return XDP_PASS;
	flags = cfg->flags;
	if (!(m->flags & PL_F_IP))
		return flags & PL_POL_ARP_PINS ? pl_arp_verdict(m, ifindex, now) : XDP_PASS;
	if (flags & PL_POL_RULES) {
		struct pl_rule_list *l = pl_rule_list_of(m, cfg);
		int i = l ? pl_rule_scan(m, l) : -1;

		if (l && j)
			j->list_flags = l->flags;
		if (l && i >= 0 && i < PL_RULES_PER_LIST) {
			const struct pl_rule *r = &l->r[i];

			if (r->action == PL_ACT_ALLOW) {
				pl_rule_count(r->id, 0);
				if (j)
					j->allowed = 1;
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
	if ((flags & PL_POL_BANS) && pl_ban_verdict(m, now) == XDP_DROP)
		return XDP_DROP;
	/* last: a banned or denied source spends none of the destination's rate */
	if (flags & (PL_POL_DLIM | PL_POL_DLIM_PORT))
		return pl_dlim_verdict(m, flags, len, now);
	return XDP_PASS;
}

static __always_inline int pl_policy_verdict(const struct pl_meta *m, __u32 len, __u64 now,
					     __u32 ifindex)
{
	return pl_policy_judge(m, len, now, ifindex, NULL);
}

#endif /* PL_BPF_POLICY_H */
