/* SPDX-License-Identifier: BSD-3-Clause */
/* pl_ip.h - IPv4 (RFC 791) with options, IPv6 (RFC 8200) with a bounded walk
 * over hop-by-hop, routing, fragment and destination-options headers.
 *
 * On success *l4_off is where the L4 header starts and *l3_end where the IP
 * datagram ends (total/payload length, so Ethernet padding is not payload).
 * Returns 1 when there is no L4 header to parse (non-first fragment, header
 * not captured), 0 when there is, -1 when malformed.
 *
 * Fragments that exist only to slip past a filter are malformed here, as
 * RFC 1858 and RFC 7112 ask filters to treat them: an IPv4 TCP fragment at
 * offset 1 (it rewrites the TCP flags of a first fragment that held the
 * ports), and an IPv6 first fragment whose extension headers run on into
 * the next fragment. A first fragment too short for its L4 header is
 * pl_l4.h's. What the policy does with them: bpf/frag_policy.h.
 */
#ifndef PL_IP_H
#define PL_IP_H

#include "pl_cursor.h"

#define PL_IPPROTO_HOPOPTS  0
#define PL_IPPROTO_ICMP     1
#define PL_IPPROTO_TCP      6
#define PL_IPPROTO_UDP      17
#define PL_IPPROTO_ROUTING  43
#define PL_IPPROTO_FRAGMENT 44
#define PL_IPPROTO_ICMPV6   58
#define PL_IPPROTO_DSTOPTS  60

/* Smallest legal length of the IPv4 options that carry a length byte. */
PL_INLINE __u8 pl_ipv4_opt_min_len(__u8 type)
{
	switch (type) {
	case 7:   /* record route */
	case 131: /* loose source route */
	case 137: /* strict source route */
	case 130: /* security (RFC 1108) */
	case 133: /* extended security */
		return 3;
	case 68:  /* timestamp */
	case 148: /* router alert */
	case 136: /* stream id */
		return 4;
	default:
		return 2;
	}
}

/* Walk the options between off and end: each is EOL, NOP, or type-length-value
 * with a length that fits. 40 bytes of options bound the loop. */
PL_INLINE int pl_check_ipv4_options(const struct pl_pkt *pk, struct pl_meta *m,
				    __u32 off, __u32 end)
{
	int i;

	for (i = 0; i < 40 && off < end; i++) {
		const __u8 *o = pl_at(pk, off, 1);
		const __u8 *l;

		if (!o)
			return pl_fail(m, PL_MAL_IPV4_OPTS_TRUNCATED);
		if (o[0] == 0)          /* end of option list */
			return 0;
		if (o[0] == 1) {        /* no-operation */
			off++;
			continue;
		}
		l = pl_at(pk, off + 1, 1);
		if (!l || off + 2 > end || l[0] < pl_ipv4_opt_min_len(o[0]) ||
		    off + l[0] > end)
			return pl_fail(m, PL_MAL_IPV4_BAD_OPTION);
		off += l[0];
	}
	return 0;
}

PL_SUBPROG(pl_sub_ipv4_options, pl_check_ipv4_options(pk, m, a, b))

PL_INLINE void pl_set_v4mapped(__u8 *dst16, const __u8 *v4)
{
	__builtin_memset(dst16, 0, 10);
	dst16[10] = 0xff;
	dst16[11] = 0xff;
	pl_copy(dst16 + 12, v4, 4);
}

PL_INLINE int pl_parse_ipv4(const struct pl_pkt *pk, struct pl_meta *m, __u32 off,
			    __u32 *l4_off, __u32 *l3_end)
{
	const __u8 *h = pl_at(pk, off, 20);
	__u32 hlen, tlen, fo, ff;
	int cut;

	if (!h) {
		const __u8 *v = pl_at(pk, off, 1);

		/* Keep what a snapped header still shows, as tshark does. */
		if (v) {
			m->ip_version = v[0] >> 4;
			m->ip_hdr_len = (__u16)((v[0] & 0x0f) * 4);
		}
		return pl_extent(pk, m, off + 20, PL_MAL_IPV4_TRUNCATED) < 0 ? -1 : 1;
	}
	m->ip_version = h[0] >> 4;
	hlen = (__u32)(h[0] & 0x0f) * 4;
	m->ip_hdr_len = (__u16)hlen;
	if (m->ip_version != 4)
		return pl_fail(m, PL_MAL_IPV4_BAD_VERSION);
	if (hlen < 20)
		return pl_fail(m, PL_MAL_IPV4_BAD_IHL);
	tlen = pl_be16(h + 2);
	m->tos = h[1];
	m->ip_total_len = (__u16)tlen;
	m->frag_id = pl_be16(h + 4);
	m->ttl = h[8];
	m->l4_proto = h[9];
	pl_set_v4mapped(m->src, h + 12);
	pl_set_v4mapped(m->dst, h + 16);
	m->flags |= PL_F_IP;
	ff = pl_be16(h + 6);
	fo = ff & 0x1fff;
	m->frag_off = (__u16)fo;
	if (ff & 0x4000)
		m->flags |= PL_F_DF;
	if (ff & 0x2000)
		m->flags |= PL_F_MF;
	if ((ff & 0x2000) || fo) {
		m->flags |= PL_F_FRAGMENT;
		m->frag_nh = h[9];
		m->frag_data_off = (__u16)(off + hlen);
	}

	if (tlen < hlen)
		return pl_fail(m, PL_MAL_IPV4_LEN_LT_HDR);
	if (pl_extent(pk, m, off + tlen, PL_MAL_IPV4_LEN_GT_FRAME) < 0)
		return -1;
	cut = pl_extent(pk, m, off + hlen, PL_MAL_IPV4_OPTS_TRUNCATED);
	if (cut < 0)
		return -1;
	if (cut == 0 && hlen > 20 &&
	    PL_CALL(pl_sub_ipv4_options, pk, m, off + 20, off + hlen) < 0)
		return -1;
	if (fo * 8 + (tlen - hlen) > 65535)
		return pl_fail(m, PL_MAL_IPV4_FRAG_OVERFLOW);
	/* No TCP header ends within 8 bytes, so no legitimate fragment starts
	 * there: it would overwrite the flags of the first (RFC 1858 3.2). */
	if (fo == 1 && m->l4_proto == PL_IPPROTO_TCP)
		return pl_fail(m, PL_MAL_IPV4_FRAG_OFFSET_ONE);
	*l4_off = off + hlen;
	*l3_end = off + tlen;
	return (fo || cut) ? 1 : 0;
}

PL_INLINE int pl_is_ipv6_ext(__u8 nh)
{
	return nh == PL_IPPROTO_HOPOPTS || nh == PL_IPPROTO_ROUTING ||
	       nh == PL_IPPROTO_FRAGMENT || nh == PL_IPPROTO_DSTOPTS;
}

/* Walk the extension headers from just after the fixed header (at off + 40)
 * to the upper-layer header. Returns its offset, 0 when there is no L4
 * header to read here (a non-first fragment, or the capture ends first), -1
 * when malformed. A non-first fragment ends the walk at its fragment
 * header: what follows is data from the middle of the datagram. In a first
 * fragment, a header cut by the fragment's end is ipv6_frag_tiny: RFC 7112
 * wants the whole chain, up to the upper-layer header, in the first. */
PL_INLINE int pl_ipv6_ext_walk(const struct pl_pkt *pk, struct pl_meta *m,
			       __u32 off, __u32 end)
{
	__u32 o = off + 40;
	__u8 nh = m->l4_proto;
	int i, first = 0;       /* after the fragment header of a first fragment */

	for (i = 0; i < PL_IPV6_MAX_EXT; i++) {
		const __u8 *e;
		__u32 elen;

		if (!pl_is_ipv6_ext(nh))
			break;
		if (nh == PL_IPPROTO_HOPOPTS && i != 0)
			return pl_fail(m, PL_MAL_IPV6_HBH_NOT_FIRST);
		e = pl_at(pk, o, 8);    /* every extension header is >= 8 bytes */
		if (!e || o + 8 > end) {
			if (o + 8 <= end)       /* in the packet, not in the capture */
				return pl_extent(pk, m, o + 8, 0) < 0 ? -1 : 0;
			return pl_fail(m, first ? PL_MAL_IPV6_FRAG_TINY :
					  nh == PL_IPPROTO_FRAGMENT ?
					  PL_MAL_IPV6_FRAG_TRUNCATED :
					  PL_MAL_IPV6_EXT_TRUNCATED);
		}
		if (nh == PL_IPPROTO_FRAGMENT) {
			__u32 fpl;

			elen = 8;
			m->flags |= PL_F_FRAG_HDR | PL_F_FRAGMENT;
			m->ipv6_ext |= PL_EXT_FRAG;
			m->frag_off = pl_be16(e + 2) >> 3;
			if (e[3] & 1)
				m->flags |= PL_F_MF;
			m->frag_id = pl_be32(e + 4);
			m->frag_nh = e[0];
			m->frag_data_off = (__u16)(o + 8);
			fpl = end - (o + 8);
			if (((e[3] & 1) && (fpl & 7)) ||
			    (__u32)m->frag_off * 8 + fpl > 65535) {
				m->l4_proto = e[0];
				return pl_fail(m, PL_MAL_IPV6_FRAG_BAD_LEN);
			}
			first = !m->frag_off && (e[3] & 1);
		} else {
			elen = ((__u32)e[1] + 1) * 8;
			m->ipv6_ext |= nh == PL_IPPROTO_HOPOPTS ? PL_EXT_HOP :
				       nh == PL_IPPROTO_ROUTING ? PL_EXT_ROUTING :
				       PL_EXT_DSTOPTS;
			if (o + elen > end) {
				m->l4_proto = e[0];
				return pl_fail(m, first ? PL_MAL_IPV6_FRAG_TINY :
						  PL_MAL_IPV6_EXT_TRUNCATED);
			}
		}
		nh = e[0];
		m->l4_proto = nh;
		m->ipv6_ext_count++;
		o += elen;
		if (m->frag_off)
			break;          /* the rest is the middle of a datagram */
	}
	if (pl_is_ipv6_ext(nh) && !m->frag_off)
		return pl_fail(m, PL_MAL_IPV6_EXT_CHAIN_TOO_LONG);
	m->ip_hdr_len = (__u16)(o - off);
	return m->frag_off ? 0 : (int)o;
}

PL_SUBPROG(pl_sub_ipv6_ext, pl_ipv6_ext_walk(pk, m, a, b))

PL_INLINE int pl_parse_ipv6(const struct pl_pkt *pk, struct pl_meta *m, __u32 off,
			    __u32 *l4_off, __u32 *l3_end)
{
	const __u8 *h = pl_at(pk, off, 40);
	__u32 end, plen;
	__u8 nh;
	int r;

	if (!h) {
		const __u8 *v = pl_at(pk, off, 1);

		if (v)
			m->ip_version = v[0] >> 4;
		return pl_extent(pk, m, off + 40, PL_MAL_IPV6_TRUNCATED) < 0 ? -1 : 1;
	}
	m->ip_version = h[0] >> 4;
	if (m->ip_version != 6)
		return pl_fail(m, PL_MAL_IPV6_BAD_VERSION);
	m->tos = (__u8)((h[0] & 0x0f) << 4 | h[1] >> 4);
	m->flow_label = pl_be32(h) & 0x000fffff;
	plen = pl_be16(h + 4);
	nh = h[6];
	m->ttl = h[7];
	pl_copy(m->src, h + 8, 16);
	pl_copy(m->dst, h + 24, 16);
	m->flags |= PL_F_IP;
	m->l4_proto = nh;
	m->ip_total_len = (__u16)(40 + plen > 0xffff ? 0xffff : 40 + plen);
	m->ip_hdr_len = 40;
	end = off + 40 + plen;
	if (pl_extent(pk, m, end, PL_MAL_IPV6_LEN_GT_FRAME) < 0)
		return -1;
	*l3_end = end;
	r = PL_CALL(pl_sub_ipv6_ext, pk, m, off, end);
	if (r <= 0)
		return r < 0 ? -1 : 1;
	*l4_off = (__u32)r;
	return 0;
}

#endif /* PL_IP_H */
