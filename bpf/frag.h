/* SPDX-License-Identifier: BSD-3-Clause */
/* frag.h - IP fragments: which datagram, and so which flow, a fragment
 * belongs to.
 *
 * Only a datagram's first fragment carries its L4 header. When it carries
 * all of it, its ports (as pl_flow_key_from puts them in a flow key: ICMP
 * type and code too), its L4 protocol and how far the header reaches are
 * remembered in pl_frags (maps.h) under the datagram's key (source,
 * destination, protocol, identification: what the stack reassembles by),
 * as Cilium's fragment tracking does. A later fragment finds them there and
 * is counted in its datagram's flow instead of a portless one. The XDP
 * program remembers the first fragment's verdict too (frag_policy.h); the
 * TC egress program only keys what the host sends, so the host's own
 * fragmented datagrams count in their 5-tuple flows as well.
 *
 * Cost: nothing for a packet that is not a fragment (callers test
 * PL_F_FRAGMENT first); one hash lookup, and for a first fragment one
 * update, for a fragment. docs/rules.md (Fragments) has the whole story. */
#ifndef PL_BPF_FRAG_H
#define PL_BPF_FRAG_H

#include "maps.h"

/* Load-time setting (rodata): track fragments. Off, every fragment is
 * judged and counted alone, as before tracking existed: a fragmented
 * datagram then gets past port rules again. Only for measurement. */
const volatile __u8 cfg_frag_tracking = 1;

/* An entry older than the stack's reassembly timeout belongs to a datagram
 * the stack has given up on (Linux: ipfrag_time 30 s, ip6frag_time 60 s);
 * its identification may be in use again (16 bits wrap fast in IPv4). */
#define PL_FRAG_TIMEOUT_V4_NS (30ull * 1000000000ull)
#define PL_FRAG_TIMEOUT_V6_NS (60ull * 1000000000ull)

static __always_inline void pl_frag_key_of(struct pl_frag_key *k, const struct pl_meta *m)
{
	__builtin_memcpy(k->src, m->src, 16);
	__builtin_memcpy(k->dst, m->dst, 16);
	k->id = m->frag_id;
	k->proto = m->frag_nh;
	k->ip_version = m->ip_version;
	k->pad = 0;
}

/* now < first_ns as well: a capture's clock may step back. */
static __always_inline int pl_frag_live(const struct pl_frag_val *v, const struct pl_meta *m,
					__u64 now)
{
	return now < v->first_ns + (m->ip_version == 6 ? PL_FRAG_TIMEOUT_V6_NS :
				   PL_FRAG_TIMEOUT_V4_NS);
}

/* The datagram's live entry, or NULL; *stale says an old one is there. */
static __always_inline struct pl_frag_val *pl_frag_lookup(const struct pl_frag_key *k,
							  const struct pl_meta *m, __u64 now,
							  int *stale)
{
	struct pl_frag_val *v = bpf_map_lookup_elem(&pl_frags, k);

	*stale = v && !pl_frag_live(v, m, now);
	return *stale ? NULL : v;
}

/* How far into the fragmentable part a first fragment's L4 header reaches:
 * a later fragment that starts before that rewrites what it was judged on. */
static __always_inline __u16 pl_frag_l4_end(const struct pl_meta *m)
{
	__u32 hdr = m->l4_proto == PL_IPPROTO_TCP ? m->tcp_doff : 8;   /* UDP, ICMP */
	__u32 end = (__u32)m->l4_off + hdr;

	end = end > m->frag_data_off ? end - m->frag_data_off : 0;
	return (__u16)(end > 0xffff ? 0xffff : end);
}

/* A first fragment with its whole L4 header (PL_F_L4), whose flow key is
 * *key: remembered with `flags` (PL_FRAGV_*) and early_off from the entry
 * made by fragments that came before it. */
static __always_inline void pl_frag_remember(struct pl_counters *c, const struct pl_frag_key *k,
					     const struct pl_flow_key *key,
					     const struct pl_meta *m, __u8 flags,
					     __u16 early_off, __u64 now)
{
	struct pl_frag_val v;

	__builtin_memset(&v, 0, sizeof(v));
	v.sport = key->sport;
	v.dport = key->dport;
	v.l4_end = pl_frag_l4_end(m);
	v.early_off = early_off;
	v.flags = flags | PL_FRAGV_FIRST;
	v.proto = m->l4_proto;
	v.first_ns = now;
	if (bpf_map_update_elem(&pl_frags, k, &v, BPF_ANY))
		c->frag_table_fail++;
	else
		c->frag_firsts++;
}

/* A later fragment of a datagram whose first was remembered: counted in
 * the datagram's flow. */
static __always_inline void pl_frag_found(struct pl_counters *c, struct pl_flow_key *key,
					  const struct pl_frag_val *v)
{
	key->sport = v->sport;
	key->dport = v->dport;
	key->proto = v->proto;
	c->frag_found++;
}

/* TC egress: the flow a fragment the host sends counts in. No verdict, no
 * overlap checks: the host built these itself. */
static __always_inline void pl_frag_egress(struct pl_counters *c, struct pl_flow_key *key,
					   const struct pl_meta *m, __u64 now)
{
	struct pl_frag_key k;
	struct pl_frag_val *v;
	int stale;

	if (!cfg_frag_tracking || m->malformed)
		return;
	pl_frag_key_of(&k, m);
	if (!m->frag_off) {
		/* not an atomic fragment, a whole packet (RFC 6946) */
		if ((m->flags & (PL_F_MF | PL_F_L4)) == (PL_F_MF | PL_F_L4))
			pl_frag_remember(c, &k, key, m, 0, PL_FRAG_NO_EARLY, now);
		return;
	}
	v = pl_frag_lookup(&k, m, now, &stale);
	if (v && (v->flags & PL_FRAGV_FIRST))
		pl_frag_found(c, key, v);
	else
		c->frag_orphans++;
}

#endif /* PL_BPF_FRAG_H */
