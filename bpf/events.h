/* SPDX-License-Identifier: BSD-3-Clause */
/* events.h - what goes to userspace over the ring buffer: only what is new
 * (a flow, an L7 record), never one event per packet. A full ring buffer is
 * a counted loss; the datapath never waits. */
#ifndef PL_BPF_EVENTS_H
#define PL_BPF_EVENTS_H

#include "clock.h"
#include "maps.h"

/* Waking the reader costs an interrupt and a context switch (0.2-1.5 us in
 * a VM) when it comes per event. Offline nobody sleeps on the ring: the
 * reader drains it between frames. Live (cfg_wakeup_bytes set) the daemon
 * drains it on a short timer and is woken early only once this much is
 * waiting, so a busy ring costs no wakeups at all. 0: the kernel's default
 * (wake a reader that has caught up). */
const volatile __u32 cfg_wakeup_bytes = 0;

static __always_inline __u64 pl_rb_wakeup(void)
{
	if (cfg_replay)
		return BPF_RB_NO_WAKEUP;
	if (!cfg_wakeup_bytes)
		return 0;
	return bpf_ringbuf_query(&pl_events, BPF_RB_AVAIL_DATA) >= cfg_wakeup_bytes ?
	       BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

/* Set in every event's header: PL_EVH_EGRESS in the TC egress object. */
#ifndef PL_EV_HDR_FLAGS
#define PL_EV_HDR_FLAGS 0
#endif
/* Reads bytes of the packet wherever they are: XDP's helper by default, the
 * TC egress object's bpf_skb_load_bytes (it takes PL_BPF_CTX, pl_cursor.h). */
#ifndef PL_LOAD_BYTES
#define PL_LOAD_BYTES bpf_xdp_load_bytes
#endif
/* The bytes PL_LOAD_BYTES can reach: all buffers of a multi-buffer XDP
 * frame; the TC egress object's skb->len. */
#ifndef PL_BUF_LEN
#define PL_BUF_LEN(ctx) bpf_xdp_get_buff_len(ctx)
#endif

static __always_inline void pl_emit_flow(struct pl_counters *c,
					 const struct pl_flow_key *k,
					 const struct pl_meta *m, __u64 now)
{
	struct pl_ev_flow *e = bpf_ringbuf_reserve(&pl_events, sizeof(*e), 0);

	if (!e) {
		c->events_lost++;
		return;
	}
	e->h.type = PL_EV_FLOW_NEW;
	e->h.size = sizeof(*e);
	e->h.flags = PL_EV_HDR_FLAGS;
	e->h.ts_ns = now;
	e->h.key = *k;
	__builtin_memcpy(e->eth_src, m->eth_src, 6);
	__builtin_memcpy(e->eth_dst, m->eth_dst, 6);
	e->tcp_flags = m->tcp_flags;
	e->ttl = m->ttl;
	e->tos = m->tos;
	e->frame_len = m->frame_len;
	e->flags = m->flags;
	__builtin_memset(e->pad, 0, sizeof(e->pad));
	bpf_ringbuf_submit(e, pl_rb_wakeup());
}

static __always_inline void pl_emit_l7(struct pl_counters *c,
				       const struct pl_flow_key *k,
				       const struct pl_meta *m, __u64 now)
{
	struct pl_ev_l7 *e = bpf_ringbuf_reserve(&pl_events, sizeof(*e), 0);

	if (!e) {
		c->events_lost++;
		return;
	}
	e->h.type = PL_EV_L7;
	e->h.size = sizeof(*e);
	e->h.flags = PL_EV_HDR_FLAGS;
	e->h.ts_ns = now;
	e->h.key = *k;
	e->kind = m->l7_kind;
	__builtin_memset(e->pad, 0, sizeof(e->pad));
	e->tcp_seq = m->tcp_seq;
	e->pad2 = 0;
	__builtin_memcpy(&e->l7, &m->l7, sizeof(e->l7));
	bpf_ringbuf_submit(e, pl_rb_wakeup());
}

/* why: m->malformed, or what the program found beyond the parse (a
 * fragment overlapping its datagram's L4 header, frag_policy.h). */
static __always_inline void pl_emit_malformed_why(struct pl_counters *c,
						  const struct pl_flow_key *k,
						  const struct pl_meta *m, __u8 why, __u64 now)
{
	struct pl_ev_malformed *e = bpf_ringbuf_reserve(&pl_events, sizeof(*e), 0);

	if (!e) {
		c->events_lost++;
		return;
	}
	e->h.type = PL_EV_MALFORMED;
	e->h.size = sizeof(*e);
	e->h.flags = PL_EV_HDR_FLAGS;
	e->h.ts_ns = now;
	e->h.key = *k;
	e->reason = why;
	e->pad[0] = 0;
	e->flags = m->flags;
	e->eth_proto = m->eth_proto;
	e->frame_len = m->frame_len;
	e->wire_len = m->wire_len;
	__builtin_memcpy(e->eth_src, m->eth_src, 6);
	__builtin_memcpy(e->eth_dst, m->eth_dst, 6);
	bpf_ringbuf_submit(e, pl_rb_wakeup());
}

static __always_inline void pl_emit_malformed(struct pl_counters *c,
					      const struct pl_flow_key *k,
					      const struct pl_meta *m, __u64 now)
{
	pl_emit_malformed_why(c, k, m, m->malformed, now);
}

static __always_inline void pl_emit_arp(struct pl_counters *c,
					const struct pl_flow_key *k,
					const struct pl_meta *m, __u64 now)
{
	struct pl_ev_arp *e = bpf_ringbuf_reserve(&pl_events, sizeof(*e), 0);

	if (!e) {
		c->events_lost++;
		return;
	}
	e->h.type = PL_EV_ARP;
	e->h.size = sizeof(*e);
	e->h.flags = PL_EV_HDR_FLAGS;
	e->h.ts_ns = now;
	e->h.key = *k;
	e->op = m->arp_op;
	__builtin_memcpy(e->sha, m->arp_sha, 6);
	__builtin_memcpy(e->tha, m->arp_tha, 6);
	__builtin_memcpy(e->spa, m->arp_spa, 4);
	__builtin_memcpy(e->tpa, m->arp_tpa, 4);
	__builtin_memcpy(e->eth_src, m->eth_src, 6);
	__builtin_memset(e->pad, 0, sizeof(e->pad));
	bpf_ringbuf_submit(e, pl_rb_wakeup());
}

/* A DNS name with more labels than the kernel decodes (pl_dns.h): no L7
 * event, the payload event instead, from which the collector reads it all. */
static __always_inline int pl_l7_in_payload(const struct pl_meta *m)
{
	return m->l7_kind == PL_L7_DNS && m->l7.dns.qname_more;
}

/* The payload is read with PL_LOAD_BYTES: it may sit in a fragment of a
 * multi-buffer frame, or in an skb's pages, beyond what direct packet access
 * reaches. */
static __always_inline void pl_emit_payload(PL_BPF_CTX *ctx, struct pl_counters *c,
					    const struct pl_flow_key *k,
					    const struct pl_meta *m, __u64 now)
{
	struct pl_ev_payload *e;
	__s64 len = m->payload_len;

	/* The helpers' size argument must be known to be > 0. Verifiers before
	 * 6.8 (Debian 12's 6.1) learn nothing from "len != 0", only from an
	 * ordered compare; the barrier keeps clang from turning "< 1" back into
	 * the "== 0" it knows it is for a u16. */
	barrier_var(len);
	if (len < 1)
		return;
	if (len > PL_PAYLOAD_MAX)
		len = PL_PAYLOAD_MAX;
	e = bpf_ringbuf_reserve(&pl_events, sizeof(*e), 0);
	if (!e) {
		c->events_lost++;
		return;
	}
	if (PL_LOAD_BYTES(ctx, m->payload_off, e->data, len)) {
		bpf_ringbuf_discard(e, 0);
		c->events_lost++;
		return;
	}
	e->h.type = PL_EV_PAYLOAD;
	e->h.size = sizeof(*e);
	e->h.flags = PL_EV_HDR_FLAGS;
	e->h.ts_ns = now;
	e->h.key = *k;
	e->tcp_seq = m->tcp_seq;
	e->len = (__u16)len;
	e->payload_len = m->payload_len;
	e->tcp_flags = m->tcp_flags;
	e->l7_kind = m->l7_kind;
	e->l7_flags = pl_l7_in_payload(m) ? PL_EVP_L7_HERE : 0;
	bpf_ringbuf_submit(e, pl_rb_wakeup());
}

/* flow.h: what a packet adds to its flow's payload bytes. */
static __always_inline __u32 pl_wire_payload(const struct pl_meta *m);

/* An IP fragment goes to userspace whole (up to PL_FRAG_DATA_MAX bytes of
 * it, from its IP header on), for the collector to put the datagram
 * together and read its L7 and its ports there (src/ipreasm.c). Returns 0
 * for a packet that is not a fragment, and then costs one flag test; 1
 * when it is one: its event replaces the L7 and payload events, so that
 * nothing of a fragmented datagram is read twice, once from its first
 * fragment here and once from the whole in userspace. A full ring is a
 * counted loss, as for every event. */
static __always_inline int pl_emit_fragment(PL_BPF_CTX *ctx, struct pl_counters *c,
					    const struct pl_flow_key *k,
					    const struct pl_meta *m, __u32 wire_len,
					    __u64 *ev_now, __u64 now)
{
	struct pl_ev_fragment *e;
	__u32 l3, buf;
	__s64 len;

	if (!(m->flags & PL_F_FRAGMENT))
		return 0;
	if (!(m->flags & PL_F_MF) && !m->frag_off)
		return 0;       /* an IPv6 atomic fragment (RFC 6946): a whole packet */
	e = bpf_ringbuf_reserve(&pl_events, sizeof(*e), 0);
	if (!e) {
		c->events_lost++;
		return 1;
	}
	/* The IP header follows Ethernet and the tags the parser walked. */
	l3 = 14 + 4 * (__u32)(m->n_vlans & 7);
	buf = PL_BUF_LEN(ctx);
	len = buf > l3 ? buf - l3 : 0;
	if (len > m->ip_total_len)
		len = m->ip_total_len;  /* not the Ethernet padding */
	if (len > PL_FRAG_DATA_MAX)
		len = PL_FRAG_DATA_MAX;
	/* > 0 by an ordered compare, as in pl_emit_payload: 6.1's verifier */
	barrier_var(len);
	if (len < 1 || PL_LOAD_BYTES(ctx, l3, e->data, len)) {
		bpf_ringbuf_discard(e, 0);
		c->events_lost++;
		return 1;
	}
	e->h.type = PL_EV_FRAGMENT;
	e->h.size = sizeof(*e);
	e->h.flags = PL_EV_HDR_FLAGS;
	e->h.ts_ns = pl_event_now(ev_now, now);
	e->h.key = *k;
	e->id = m->frag_id;
	e->wire_len = wire_len;
	e->frag_off = (__u16)(m->frag_off * 8);
	e->frag_len = m->ip_total_len > m->ip_hdr_len ? m->ip_total_len - m->ip_hdr_len : 0;
	e->hdr_len = m->ip_hdr_len;
	e->cap = (__u16)len;
	e->ip_total_len = m->ip_total_len;
	e->flags = m->flags;
	e->proto = m->l4_proto;
	e->ip_version = m->ip_version;
	e->malformed = m->malformed;
	e->pad = 0;
	e->payload = (__u16)pl_wire_payload(m);
	e->pad2[0] = 0;
	e->pad2[1] = 0;
	bpf_ringbuf_submit(e, pl_rb_wakeup());
	return 1;
}

#endif /* PL_BPF_EVENTS_H */
