/* SPDX-License-Identifier: BSD-3-Clause */
/* frag_policy.h - the verdict of an IP fragment in the XDP program, so
 * that cutting a datagram into fragments does not get it past rules that
 * look at ports, nor past SYN and port limits (RFC 1858, RFC 3128).
 *
 *  - A first fragment with its whole L4 header is judged as any packet is
 *    (rules, bans, rate limits, destination limits); the verdict is
 *    remembered with its ports (frag.h).
 *  - A later fragment whose first was remembered gets that verdict: drop
 *    if it was dropped, pass if an allow rule passed it, else pass unless
 *    its source is banned by now. Rate and destination limits are not spent
 *    again: the datagram paid once, with its first fragment.
 *  - A later fragment whose first was not seen (out of order, lost, or
 *    dropped before us) is an orphan: judged alone, on what it carries
 *    (source, destination, protocol, VLAN); a port condition cannot match
 *    it. Safe, because the host completes a datagram only with its first
 *    fragment, every first fragment is judged here on its whole L4 header
 *    or dropped, and nothing that could rewrite that header gets through
 *    while policy looks at it (next point). The orphan leaves an entry
 *    with its offset, so that its first, when it comes, can tell.
 *  - What hides or rewrites the header a verdict is made on - a first
 *    fragment too short for its L4 header (tiny), an IPv4 TCP fragment at
 *    offset 1, a fragment starting inside its first's L4 header (before or
 *    after the first came), a first fragment repeated with other ports -
 *    is dropped where policy reads L4 for the source or the destination
 *    (pl_frag_l4_policy), and judged as usual elsewhere; always counted
 *    and reported. A dropped overlap poisons its datagram: the rest drop.
 *  - Bans apply to every fragment (they need only the source).
 *  - An atomic fragment (offset 0, no more fragments: RFC 6946) is a whole
 *    packet, judged as one and not tracked. So is a fragment with another
 *    parse fault: the stack drops it anyway.
 *
 * Costs: nothing for a packet that is not a fragment (the caller tests
 * PL_F_FRAGMENT); for a fragment one pl_frags lookup, plus the policy's
 * lookups for a first fragment (as for any packet) and an update. */
#ifndef PL_BPF_FRAG_POLICY_H
#define PL_BPF_FRAG_POLICY_H

#include "frag.h"
#include "policy.h"

/* Returned by pl_frag_ingress: not decided here, judge it as any packet. */
#define PL_FRAG_JUDGE_WHOLE (-1)

/* A limit of this kind (PL_DLIM_*, dport 0: any port) on m's destination
 * that has not expired. */
static __always_inline int pl_frag_dlim_live(const struct pl_meta *m, __u8 kind, __u16 dport,
					     __u64 now)
{
	struct pl_dlim_key k;
	struct pl_dlim_val *v;

	__builtin_memset(&k, 0, sizeof(k));
	__builtin_memcpy(k.addr, m->dst, 16);
	k.proto = kind;
	k.dport = dport;
	v = bpf_map_lookup_elem(&pl_dst_limits, &k);
	return v && (!v->expires_ns || v->expires_ns > now);
}

/* Whether the policy reads the L4 header of m's packets, so that one whose
 * header it cannot trust must drop: a port rule that can decide them for
 * the source (its list's PL_LIST_PORTS_*, looked up unless have_list gives
 * list_flags), or, with dlim, a destination limit that reads it (a SYN
 * limit reads the flags, a port limit the port: dport if known, else any
 * port limit, as the program cannot look up every port). ICMP headers
 * decide nothing; a protocol the parser cannot name (an IPv6 chain cut
 * short, or extension headers after the fragment header) may be TCP or UDP. */
static __always_inline int pl_frag_l4_policy(const struct pl_meta *m,
					     const struct pl_policy_cfg *cfg, __u32 list_flags,
					     int have_list, int dlim, __u16 dport,
					     int dport_known, __u64 now)
{
	__u8 p = m->l4_proto;
	__u32 want = p == PL_IPPROTO_TCP ? PL_LIST_PORTS_TCP :
		     p == PL_IPPROTO_UDP ? PL_LIST_PORTS_UDP :
		     p == PL_IPPROTO_ICMP || p == PL_IPPROTO_ICMPV6 ? 0 :
		     PL_LIST_PORTS_TCP | PL_LIST_PORTS_UDP;

	if (!want)
		return 0;
	if (cfg->flags & PL_POL_RULES) {
		if (!have_list) {
			struct pl_rule_list *l = pl_rule_list_of(m, cfg);

			list_flags = l ? l->flags : 0;
		}
		if (list_flags & want)
			return 1;
	}
	if (!dlim)
		return 0;
	if ((want & PL_LIST_PORTS_TCP) && (cfg->flags & PL_POL_DLIM) &&
	    pl_frag_dlim_live(m, PL_DLIM_SYN, 0, now))
		return 1;
	if (cfg->flags & PL_POL_DLIM_PORT) {
		if (!dport_known)
			return 1;
		if ((want & PL_LIST_PORTS_TCP) && pl_frag_dlim_live(m, PL_DLIM_SYN, dport, now))
			return 1;
		if ((want & PL_LIST_PORTS_UDP) && pl_frag_dlim_live(m, PL_DLIM_UDP, dport, now))
			return 1;
	}
	return 0;
}

/* A fragment that overlaps the L4 header its datagram was (or will be)
 * judged on: counted and reported under frag_hdr_overlap, beside what the
 * parser said of it. */
static __always_inline void pl_frag_overlap(struct pl_counters *c, const struct pl_flow_key *key,
					    const struct pl_meta *m, __u64 now, int events)
{
	c->malformed[PL_MAL_FRAG_HDR_OVERLAP]++;
	if (events)
		pl_emit_malformed_why(c, key, m, PL_MAL_FRAG_HDR_OVERLAP, pl_fine_now(now));
}

static __always_inline struct pl_policy_cfg *pl_frag_cfg(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&pl_policy, &zero);
}

/* Offset 0 with more to come. */
static __always_inline int pl_frag_first(struct pl_counters *c, struct pl_flow_key *key,
					 const struct pl_meta *m, __u32 len, __u64 now,
					 __u32 ifindex, int events)
{
	struct pl_policy_cfg *cfg;
	struct pl_frag_key k;
	struct pl_frag_val *v;
	struct pl_judged j;
	__u16 early = PL_FRAG_NO_EARLY;
	int verdict, stale, overlap = 0;
	__u8 flags;

	if (!(m->flags & PL_F_L4)) {
		/* no L4 header the parser reads (another protocol, or cut by
		 * the capture): as a whole packet; its later ones are orphans */
		if (m->malformed != PL_MAL_IPV4_FRAG_TINY && m->malformed != PL_MAL_IPV6_FRAG_TINY)
			return PL_FRAG_JUDGE_WHOLE;
		/* tiny: judged on what it carries, dropped where L4 matters */
		verdict = pl_policy_judge(m, len, now, ifindex, &j);
		cfg = pl_frag_cfg();
		if (verdict == XDP_PASS && cfg &&
		    pl_frag_l4_policy(m, cfg, j.list_flags, 1, !j.allowed, 0, 0, now)) {
			c->frag_drops++;
			return XDP_DROP;
		}
		return verdict;
	}
	pl_frag_key_of(&k, m);
	v = pl_frag_lookup(&k, m, now, &stale);
	if (v && (v->flags & PL_FRAGV_FIRST))
		overlap = v->sport != key->sport || v->dport != key->dport;
	else if (v)
		overlap = v->early_off < pl_frag_l4_end(m);
	if (v && !(v->flags & PL_FRAGV_FIRST))
		early = v->early_off;
	if (overlap) {
		pl_frag_overlap(c, key, m, now, events);
		cfg = pl_frag_cfg();
		if (cfg && pl_frag_l4_policy(m, cfg, 0, 0, 1, m->dport, 1, now)) {
			c->frag_drops++;
			if (v->flags & PL_FRAGV_FIRST)
				v->flags |= PL_FRAGV_DROP;      /* the datagram is poisoned */
			else
				pl_frag_remember(c, &k, key, m, PL_FRAGV_DROP, early, now);
			return XDP_DROP;
		}
	}
	/* A first fragment again with the same ports (or nothing policy reads
	 * changed) is judged anew and replaces what was remembered: the host
	 * can only complete the datagram with a first fragment that passed. */
	verdict = pl_policy_judge(m, len, now, ifindex, &j);
	flags = verdict == XDP_DROP ? PL_FRAGV_DROP : j.allowed ? PL_FRAGV_ALLOW : 0;
	pl_frag_remember(c, &k, key, m, flags, early, now);
	return verdict;
}

/* A later fragment (offset > 0): not seen before its first, it leaves its
 * offset for the first to check. A stale entry is overwritten; a live one
 * made by another CPU meanwhile is not (NOEXIST). */
static __always_inline void pl_frag_early(const struct pl_frag_key *k, struct pl_frag_val *v,
					  int stale, __u32 off, __u64 now)
{
	struct pl_frag_val nv;

	if (off > 0xfffe)
		off = 0xfffe;
	if (v) {
		if (off < v->early_off)
			v->early_off = (__u16)off;
		return;
	}
	__builtin_memset(&nv, 0, sizeof(nv));
	nv.early_off = (__u16)off;
	nv.first_ns = now;
	bpf_map_update_elem(&pl_frags, k, &nv, stale ? BPF_ANY : BPF_NOEXIST);
}

static __always_inline int pl_frag_later(struct pl_counters *c, struct pl_flow_key *key,
					 const struct pl_meta *m, __u64 now, int events)
{
	struct pl_policy_cfg *cfg = pl_frag_cfg();
	struct pl_frag_key k;
	struct pl_frag_val *v;
	__u32 off = (__u32)m->frag_off * 8;
	int stale;

	pl_frag_key_of(&k, m);
	v = pl_frag_lookup(&k, m, now, &stale);
	if (!v || !(v->flags & PL_FRAGV_FIRST)) {
		c->frag_orphans++;
		pl_frag_early(&k, v, stale, off, now);
		if (m->malformed == PL_MAL_IPV4_FRAG_OFFSET_ONE && cfg &&
		    pl_frag_l4_policy(m, cfg, 0, 0, 1, 0, 0, now)) {
			c->frag_drops++;
			return XDP_DROP;
		}
		return PL_FRAG_JUDGE_WHOLE;
	}
	pl_frag_found(c, key, v);
	if (off < v->l4_end) {
		if (m->malformed != PL_MAL_IPV4_FRAG_OFFSET_ONE)
			pl_frag_overlap(c, key, m, now, events);        /* else counted as that */
		if (cfg && pl_frag_l4_policy(m, cfg, 0, 0, 1, v->dport, 1, now))
			v->flags |= PL_FRAGV_DROP;
	}
	if (v->flags & PL_FRAGV_DROP) {
		c->frag_drops++;
		return XDP_DROP;
	}
	if (v->flags & PL_FRAGV_ALLOW)
		return XDP_PASS;
	if (cfg && (cfg->flags & PL_POL_BANS))
		return pl_ban_verdict(m, now);
	return XDP_PASS;
}

static __always_inline int pl_frag_verdict(struct pl_flow_key *key, const struct pl_meta *m,
					   __u32 len, __u64 now, __u32 events)
{
	__u32 slot = PL_STATS_INGRESS;
	struct pl_counters *c;
	__u8 mal;

	if (!key || !m || !cfg_frag_tracking)
		return PL_FRAG_JUDGE_WHOLE;
	c = bpf_map_lookup_elem(&pl_stats, &slot);
	if (!c)
		return PL_FRAG_JUDGE_WHOLE;
	mal = m->malformed;
	if (mal && mal != PL_MAL_IPV4_FRAG_TINY && mal != PL_MAL_IPV6_FRAG_TINY &&
	    mal != PL_MAL_IPV4_FRAG_OFFSET_ONE)
		return PL_FRAG_JUDGE_WHOLE;
	if (m->frag_off)
		return pl_frag_later(c, key, m, now, events);
	if (m->flags & PL_F_MF)         /* IP packets only: ARP's ifindex is not needed */
		return pl_frag_first(c, key, m, len, now, 0, events);
	return PL_FRAG_JUDGE_WHOLE;     /* atomic fragment */
}

/* A global function: the verifier checks it once, not on every path of the
 * program that reaches it, and its locals stay off the program's stack
 * frame. */
__attribute__((noinline)) int pl_sub_frag(struct pl_flow_key *key, const struct pl_meta *m,
					  __u32 len, __u64 now, __u32 events)
{
	int v = pl_frag_verdict(key, m, len, now, events);

	/* Opaque to clang, so that it keeps the checks of the caller below
	 * (it would see which values can come back): the verifier takes what
	 * a global function returns for any number. */
	asm volatile("" : "+r"(v));
	return v;
}

/* The verdict of a fragment (PL_F_FRAGMENT, PL_F_IP) of len bytes at now,
 * whose flow key is *key, which gets the datagram's ports when they are
 * known: XDP_PASS, XDP_DROP, or PL_FRAG_JUDGE_WHOLE. events: send weird
 * records (cfg_l7_events). */
static __always_inline int pl_frag_ingress(struct pl_flow_key *key, const struct pl_meta *m,
					   __u32 len, __u64 now, __u32 events)
{
	int v = pl_sub_frag(key, m, len, now, events);

	return v == XDP_DROP ? XDP_DROP : v == XDP_PASS ? XDP_PASS : PL_FRAG_JUDGE_WHOLE;
}

#endif /* PL_BPF_FRAG_POLICY_H */
