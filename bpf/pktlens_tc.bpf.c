/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* pktlens_tc.bpf.c - the egress side: what the host sends on an interface,
 * parsed by the same parser and counted into the XDP program's maps, so
 * that both directions of a connection meet in one flow table and one event
 * ring, and userspace merges them as it does offline.
 *
 * Its own object rather than a second program beside the XDP one: the
 * parser's L7 loops are global functions that take the program's context,
 * and the verifier checks that argument against the program's type, so TC
 * needs copies built for struct __sk_buff (PL_BPF_CTX). Two objects keep the
 * XDP program exactly as it was, instruction for instruction. The loader
 * (src/egress.c) hands this object the XDP object's flow, source, event and
 * counter maps with bpf_map__reuse_fd; only pl_scratch is its own.
 *
 * What differs from ingress:
 *  - The packet is an skb. Its head holds the headers the stack built; the
 *    payload of a TCP segment usually sits in pages the program cannot
 *    read directly. The parser runs on the head first; only when the
 *    payload is one the L7 parsers read (pl_l7_wanted: DNS, a TLS
 *    handshake, an upper-case letter) and out of reach is it pulled in
 *    (bpf_skb_pull_data, which may copy and reallocate the head) and the
 *    frame parsed again. Bulk data, TLS application data above all, is
 *    never pulled.
 *  - A GSO packet (TSO/USO) is up to 64 KB that the NIC or the stack cuts
 *    into gso_segs packets after this hook. It counts as those packets, see
 *    pl_tc_segs.
 *  - No verdict: pktlens only watches what the host sends. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define PL_BPF_CTX struct __sk_buff
#define PL_LOAD_BYTES bpf_skb_load_bytes
#define PL_BUF_LEN(skb) ((skb)->len)
#define PL_EV_HDR_FLAGS PL_EVH_EGRESS

#include "pl_abi.h"
#include "parse/pl_parse.h"
#include "clock.h"
#include "maps.h"
#include "stats.h"
#include "events.h"
#include "flow.h"
#include "frag.h"

/* TC_ACT_UNSPEC (pkt_cls.h), which tcx calls TCX_NEXT: no opinion, the next
 * program or filter decides, and with none left the packet goes on. Not
 * TC_ACT_OK: that ends the chain, so every program after pktlens (other
 * tcx programs and, through tcx, all classic clsact filters) would stop
 * seeing the host's packets. */
#define PL_TC_NEXT (-1)

/* Bytes pulled into the head when the headers themselves are not all
 * there (rare at egress: the stack builds them in the head): Ethernet,
 * tags, IPv6 with a few extension headers, TCP with options. */
#define PL_TC_PULL_HDRS 256
/* Payload bytes pulled for the L7 parsers: a DNS question, a request line
 * and its Host header, a ClientHello with post-quantum key shares (about
 * 1.8 KB); more than one MTU-sized frame holds, which is what XDP sees. */
#define PL_TC_PULL_L7 4096

static __always_inline void pl_tc_parse(struct __sk_buff *skb, struct pl_meta *m)
{
	struct pl_pkt pk = {
		.data = (const __u8 *)(long)skb->data,
		.end = (const __u8 *)(long)skb->data_end,
		.pkt_len = skb->len,
		.ctx = skb,
	};

	pl_parse_frame(&pk, m);
}

/* How much of the packet the parser should see in the head to do its
 * work, or 0 if what it saw was enough. */
static __always_inline __u32 pl_tc_pull_len(struct __sk_buff *skb, const struct pl_meta *m)
{
	__u8 first = 0;

	if (!(m->flags & PL_F_L4))
		return (m->flags & PL_F_SNAPPED) ? PL_TC_PULL_HDRS : 0;
	if (pl_wire_payload(m) <= m->payload_len)
		return 0;               /* all of the payload was in reach */
	if (bpf_skb_load_bytes(skb, m->payload_off, &first, 1))
		return 0;
	if (!pl_l7_wanted(m, first))
		return 0;
	return m->payload_off + PL_TC_PULL_L7;
}

/* After the parse: the payload as sent, not only what the head held, for
 * the flow's payload bytes (ICMP) and the payload events, which read pages
 * too (bpf_skb_load_bytes). */
static __always_inline void pl_tc_payload_all(struct __sk_buff *skb, struct pl_meta *m)
{
	__u32 end;

	if (!(m->flags & PL_F_L4))
		return;
	end = (__u32)m->l4_off - m->ip_hdr_len + m->ip_total_len;      /* IP's end */
	if (m->l4_proto == PL_IPPROTO_UDP && (__u32)m->l4_off + m->udp_len < end)
		end = (__u32)m->l4_off + m->udp_len;
	if (end > skb->len)
		end = skb->len;
	if (end > 0xffff)
		end = 0xffff;
	if (end > (__u32)m->payload_off + m->payload_len)
		m->payload_len = (__u16)(end - m->payload_off);
}

/* The packets a GSO packet leaves as: gso_segs, which the stack sets for
 * what it builds; where it is not set (a packet from a guest or a tap, its
 * size only checked later), the payload over gso_size. */
static __always_inline __u32 pl_tc_segs(struct __sk_buff *skb, const struct pl_meta *m)
{
	__u32 size = skb->gso_size, segs = skb->gso_segs, pay;

	if (!size)
		return 1;
	if (segs)
		return segs;
	pay = pl_wire_payload(m);
	return pay > size ? (pay + size - 1) / size : 1;
}

/* The flow a fragment the host sends counts in (frag.h). A global
 * function: its keys stay off pktlens_egress's frame, which with the
 * parser's deepest calls must fit Linux 6.1's 512 bytes counted in 32-byte
 * steps (tests/kernels checks it loads there). */
__attribute__((noinline)) int pl_tc_sub_frag(struct pl_flow_key *key, const struct pl_meta *m,
					     __u64 now)
{
	__u32 slot = PL_STATS_EGRESS;
	struct pl_counters *c;

	if (!key || !m)
		return 0;
	c = bpf_map_lookup_elem(&pl_stats, &slot);
	if (c)
		pl_frag_egress(c, key, m, now);
	return 0;
}

SEC("tc")
int pktlens_egress(struct __sk_buff *skb)
{
	struct pl_flow_key key;
	struct pl_counters *c;
	struct pl_meta *m;
	__u32 zero = 0, slot = PL_STATS_EGRESS, segs, hdrs, ip_hdrs, len, want;
	__u64 now, ev_now = 0;

	m = bpf_map_lookup_elem(&pl_scratch, &zero);
	c = bpf_map_lookup_elem(&pl_stats, &slot);
	if (!m || !c)
		return PL_TC_NEXT;      /* cannot happen: arrays of fixed size */
	now = bpf_ktime_get_coarse_ns();

	pl_tc_parse(skb, m);
	want = pl_tc_pull_len(skb, m);
	if (want > skb->len)
		want = skb->len;
	/* On failure (no memory) the first parse stands. */
	if (want > (__u32)((long)skb->data_end - (long)skb->data) && !bpf_skb_pull_data(skb, want))
		pl_tc_parse(skb, m);
	pl_tc_payload_all(skb, m);

	/* GSO: each segment repeats the headers up to the payload; the payload
	 * is counted once (the IP and UDP lengths of a GSO packet cover all of
	 * it). Approximate where segments' headers differ: options that only
	 * the first segment carries, or an encapsulated packet's inner headers,
	 * which the parser does not see. */
	segs = pl_tc_segs(skb, m);
	hdrs = 0;
	ip_hdrs = 0;
	if (segs > 1 && (m->flags & PL_F_L4)) {
		hdrs = m->payload_off;
		ip_hdrs = m->ip_hdr_len + m->payload_off - m->l4_off;
	}
	len = skb->len + (segs - 1) * hdrs;
	pl_count_packet(c, m, len, segs);

	if (m->flags & PL_F_IP) {
		int want_payload, frag;

		pl_flow_key_from(&key, m, skb->ifindex);
		/* a later fragment counts in its datagram's flow */
		if (m->flags & PL_F_FRAGMENT)
			pl_tc_sub_frag(&key, m, now);
		want_payload = pl_flow_update(c, &key, m, len, segs, (segs - 1) * ip_hdrs, now);
		/* A fragment's L7 is read in userspace, from its whole datagram. */
		frag = pl_emit_fragment(skb, c, &key, m, len, &ev_now, now);
		if (m->l7_kind && !frag && !pl_l7_in_payload(m))
			pl_emit_l7(c, &key, m, pl_event_now(&ev_now, now));
		if ((want_payload || pl_l7_in_payload(m)) && !frag)
			pl_emit_payload(skb, c, &key, m, pl_event_now(&ev_now, now));
	} else {
		__builtin_memset(&key, 0, sizeof(key));
		key.ifindex = skb->ifindex;
		key.vlan = m->n_vlans > 0 ? m->vlan_ids[0] : 0;
		if (m->flags & PL_F_ARP)
			pl_emit_arp(c, &key, m, pl_event_now(&ev_now, now));
	}
	if (m->malformed)
		pl_emit_malformed(c, &key, m, pl_event_now(&ev_now, now));
	return PL_TC_NEXT;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
