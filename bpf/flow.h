/* SPDX-License-Identifier: BSD-3-Clause */
/* flow.h - the flow table and the per-source table: one lookup each per
 * packet, an insert (and a new-flow event) only on a miss. */
#ifndef PL_BPF_FLOW_H
#define PL_BPF_FLOW_H

#include "clock.h"
#include "maps.h"
#include "events.h"

static __always_inline void pl_flow_key_from(struct pl_flow_key *k,
					     const struct pl_meta *m, __u32 ifindex)
{
	__builtin_memcpy(k->src, m->src, 16);
	__builtin_memcpy(k->dst, m->dst, 16);
	if (m->flags & PL_F_L4) {
		if (m->l4_proto == 1 || m->l4_proto == 58) {
			k->sport = m->icmp_type;
			k->dport = m->icmp_code;
		} else {
			k->sport = m->sport;
			k->dport = m->dport;
		}
	} else {
		k->sport = 0;
		k->dport = 0;
	}
	k->proto = m->l4_proto;
	k->ip_version = m->ip_version;
	k->vlan = m->n_vlans > 0 ? m->vlan_ids[0] : 0;
	k->inner_vlan = m->n_vlans > 1 ? m->vlan_ids[1] : 0;
	k->pad = 0;
	k->ifindex = ifindex;
}

/* L4 payload bytes of the packet as sent, from its length fields: the
 * parser's payload_len stops at what the program can see (a big frame or a
 * snapped capture shows less), which would undercount a flow's bytes. */
static __always_inline __u32 pl_wire_payload(const struct pl_meta *m)
{
	__u32 l3 = m->ip_total_len > m->ip_hdr_len ? m->ip_total_len - m->ip_hdr_len : 0;

	if (!(m->flags & PL_F_L4))
		return m->frag_off ? l3 : 0;    /* a later fragment: all payload */
	if (m->l4_proto == 6)
		return l3 > m->tcp_doff ? l3 - m->tcp_doff : 0;
	if (m->l4_proto == 17)
		return m->udp_len > 8 ? m->udp_len - 8u : 0;
	return m->payload_len;
}

/* An L7 record that this segment starts but does not finish. */
static __always_inline int pl_l7_incomplete(const struct pl_meta *m)
{
	if (m->l7_kind == PL_L7_TLS)
		return !(m->l7.tls.flags & PL_TLS_COMPLETE);
	if (m->l7_kind == PL_L7_HTTP)
		return !(m->l7.http.flags & PL_HTTP_HAS_HOST);
	return 0;
}

/* Whether this segment's payload goes to userspace for reassembly: the
 * incomplete start and the segments after it, at most PL_REASM_SEGS. */
static __always_inline int pl_flow_wants_payload(struct pl_flow_val *v,
						 const struct pl_meta *m)
{
	if (m->l4_proto != 6 || m->payload_len == 0 || v->reasm_used >= PL_REASM_SEGS)
		return 0;
	if (pl_l7_incomplete(m))
		v->reasm_left = PL_REASM_SEGS - 1;
	else if (m->l7_kind == PL_L7_DNS && m->l7.dns.more_msgs)
		;                       /* this segment only: its later messages */
	else if (v->reasm_left)
		v->reasm_left--;
	else
		return 0;
	v->reasm_used++;
	return 1;
}

/* How much a packet adds to its flow: len wire bytes, segs packets (more
 * than 1 only for a GSO packet at egress), and ip_extra IP bytes beyond its
 * own IP length (the headers its other segments repeat). The XDP program
 * passes constants 1 and 0, which cost it nothing. */

/* Returns whether the segment's payload is wanted in userspace. */
static __always_inline int pl_flow_touch(struct pl_flow_val *v,
					 const struct pl_meta *m, __u32 len,
					 __u32 segs, __u32 ip_extra, __u64 now)
{
	if (v->packets == 0) {          /* first packet on this CPU */
		v->first_ns = now;
		v->ttl_min = m->ttl;
		v->ttl_max = m->ttl;
	}
	v->packets += segs;
	v->bytes += len;
	v->ip_bytes += m->ip_total_len + ip_extra;
	v->payload_bytes += pl_wire_payload(m);
	v->last_ns = now;
	v->tcp_flags |= m->tcp_flags;
	if (m->ttl < v->ttl_min)
		v->ttl_min = m->ttl;
	if (m->ttl > v->ttl_max)
		v->ttl_max = m->ttl;
	if (m->l7_kind)
		v->l7_kind = m->l7_kind;
	return pl_flow_wants_payload(v, m);
}

static __always_inline void pl_source_update(const struct pl_meta *m, __u64 now);

/* Returns whether the segment's payload is wanted in userspace. */
static __always_inline int pl_flow_update(struct pl_counters *c,
					  const struct pl_flow_key *k,
					  const struct pl_meta *m, __u32 len,
					  __u32 segs, __u32 ip_extra, __u64 now)
{
	struct pl_flow_val *v = bpf_map_lookup_elem(&pl_flows, k);
	struct pl_flow_val nv = {};
	int want;

	if (v)
		return pl_flow_touch(v, m, len, segs, ip_extra, now);
	now = pl_fine_now(now);         /* a flow's start is worth the precise clock */
	want = pl_flow_touch(&nv, m, len, segs, ip_extra, now);
	/* NOEXIST: when two CPUs see a new flow at once, one event only. */
	if (bpf_map_update_elem(&pl_flows, k, &nv, BPF_NOEXIST)) {
		v = bpf_map_lookup_elem(&pl_flows, k);
		if (v)
			return pl_flow_touch(v, m, len, segs, ip_extra, now);
		c->flow_insert_fail++;
		return 0;
	}
	c->flows_new++;
	pl_source_update(m, now);
	pl_emit_flow(c, k, m, now);
	return want;
}

/* Linear counting: one bit per hash bucket, estimated in userspace. */
static __always_inline void pl_sketch_set(__u64 *bits, __u32 h)
{
	h = h * 2654435761u;            /* Knuth's multiplicative hash */
	bits[(h >> 31) & 1] |= 1ULL << ((h >> 25) & 63);
}

static __always_inline void pl_src_touch(struct pl_src_val *v,
					 const struct pl_meta *m, __u64 now)
{
	__u32 d;

	if (v->flows == 0)
		v->first_ns = now;
	v->flows++;
	v->last_ns = now;
	if ((m->tcp_flags & 0x12) == 0x02)      /* SYN without ACK */
		v->syn_flows++;
	if (m->flags & PL_F_L4)
		pl_sketch_set(v->dport_sketch, m->dport);
	__builtin_memcpy(&d, m->dst + 12, 4);
	pl_sketch_set(v->dst_sketch, d ^ m->dst[0] ^ m->dst[7]);
}

/* Called for a new flow only. */
static __always_inline void pl_source_update(const struct pl_meta *m, __u64 now)
{
	struct pl_src_key k;
	struct pl_src_val *v, nv = {};

	__builtin_memcpy(k.addr, m->src, 16);
	v = bpf_map_lookup_elem(&pl_sources, &k);
	if (v) {
		pl_src_touch(v, m, now);
		return;
	}
	pl_src_touch(&nv, m, now);
	bpf_map_update_elem(&pl_sources, &k, &nv, BPF_NOEXIST);
}

#endif /* PL_BPF_FLOW_H */
