/* SPDX-License-Identifier: BSD-3-Clause */
/* pl_parse.h - the one parser: an Ethernet frame in, a struct pl_meta out.
 *
 * Used by the XDP program, the offline tools, the unit tests and the fuzzer
 * alike. Returns 0 for a sound frame (including one the parser has nothing
 * to say about beyond L2), -1 when it is malformed: m->malformed names why,
 * and no field of the layer that failed or above it is set.
 */
#ifndef PL_PARSE_H
#define PL_PARSE_H

#include "pl_cursor.h"
#include "pl_l2.h"
#include "pl_ip.h"
#include "pl_l4.h"
#include "pl_dns.h"
#include "pl_tls.h"
#include "pl_http.h"

#define PL_PORT_DNS 53

#define PL_META_HEAD_BYTES __builtin_offsetof(struct pl_meta, l7)

/* Clear everything but the L7 union, in 8-byte stores (the size is a
 * multiple of 8 by layout, checked below). */
PL_INLINE void pl_meta_reset(struct pl_meta *m)
{
	__u64 *w = (__u64 *)m;
	int i;

	for (i = 0; i < (int)(PL_META_HEAD_BYTES / 8); i++)
		w[i] = 0;
}
_Static_assert(PL_META_HEAD_BYTES % 8 == 0, "pl_meta head is not 8-aligned");

PL_INLINE int pl_parse_l7(const struct pl_pkt *pk, struct pl_meta *m)
{
	const __u8 *p;

	if (m->l4_proto == PL_IPPROTO_UDP) {
		if (m->sport == PL_PORT_DNS || m->dport == PL_PORT_DNS)
			return PL_CALL(pl_sub_dns, pk, m, 0, 0);
		return 0;
	}
	if (m->l4_proto != PL_IPPROTO_TCP || m->payload_len == 0)
		return 0;
	if (m->sport == PL_PORT_DNS || m->dport == PL_PORT_DNS)
		return PL_CALL(pl_sub_dns, pk, m, 1, 0);
	p = pl_at(pk, m->payload_off, 1);
	if (!p)
		return 0;
	if (p[0] == 22)                 /* TLS handshake record */
		return PL_CALL(pl_sub_tls, pk, m, 0, 0);
	if (p[0] >= 'A' && p[0] <= 'Z')
		return PL_CALL(pl_sub_http, pk, m, 0, 0);
	return 0;
}

/* Whether pl_parse_l7 above would read the payload of a packet whose L4
 * header is parsed, given the payload's first byte: its dispatch on its
 * own, for a caller that must first bring the payload within reach (the TC
 * egress program, where it often sits in the skb's pages). Keep the two in
 * step; the fuzzer checks that no L7 record comes from a packet this
 * refuses. */
PL_INLINE int pl_l7_wanted(const struct pl_meta *m, __u8 first)
{
	if (m->sport == PL_PORT_DNS || m->dport == PL_PORT_DNS)
		return m->l4_proto == PL_IPPROTO_UDP || m->l4_proto == PL_IPPROTO_TCP;
	if (m->l4_proto != PL_IPPROTO_TCP)
		return 0;
	return first == 22 || (first >= 'A' && first <= 'Z');
}

/* Network layer onwards, from the offset of the IP header. */
PL_INLINE int pl_parse_net(const struct pl_pkt *pk, struct pl_meta *m, __u32 off)
{
	__u32 l4 = 0, l3_end = 0;
	int r;

	if (m->eth_proto == PL_ETH_P_IP)
		r = pl_parse_ipv4(pk, m, off, &l4, &l3_end);
	else
		r = pl_parse_ipv6(pk, m, off, &l4, &l3_end);
	if (r)
		return r < 0 ? -1 : 0;

	switch (m->l4_proto) {
	case PL_IPPROTO_TCP:
		r = pl_parse_tcp(pk, m, l4, l3_end);
		break;
	case PL_IPPROTO_UDP:
		r = pl_parse_udp(pk, m, l4, l3_end);
		break;
	case PL_IPPROTO_ICMP:
		r = m->ip_version == 4 ? pl_parse_icmp(pk, m, l4, l3_end) : 0;
		break;
	case PL_IPPROTO_ICMPV6:
		r = m->ip_version == 6 ? pl_parse_icmp(pk, m, l4, l3_end) : 0;
		break;
	default:
		return 0;
	}
	if (r)
		return r < 0 ? -1 : 0;
	if (pl_parse_l7(pk, m) < 0) {
		m->l7_kind = PL_L7_NONE;        /* no half-read L7 record */
		return -1;
	}
	return 0;
}

PL_SUBPROG(pl_sub_net, pl_parse_net(pk, m, a))

PL_INLINE int pl_parse_frame(const struct pl_pkt *pk, struct pl_meta *m)
{
	__u32 off = 0;

	pl_meta_reset(m);
	m->frame_len = (__u16)pl_visible(pk);
	m->wire_len = pk->pkt_len;
	if (pl_parse_eth(pk, m, &off))
		return -1;

	switch (m->eth_proto) {
	case PL_ETH_P_ARP:
		return pl_parse_arp(pk, m, off);
	case PL_ETH_P_IP:
	case PL_ETH_P_IPV6:
		return PL_CALL(pl_sub_net, pk, m, off, 0);
	default:
		return 0;
	}
}

#endif /* PL_PARSE_H */
