/* SPDX-License-Identifier: BSD-3-Clause */
/* pl_l4.h - TCP (RFC 9293), UDP (RFC 768), ICMP (RFC 792), ICMPv6 (RFC 4443).
 * Sets the payload window [payload_off, payload_off + payload_len) that the
 * L7 parsers look at: the bytes of this segment that are visible. */
#ifndef PL_L4_H
#define PL_L4_H

#include "pl_cursor.h"
#include "pl_ip.h"

PL_INLINE void pl_set_payload(const struct pl_pkt *pk, struct pl_meta *m,
			      __u32 start, __u32 end)
{
	__u32 vis = pl_visible(pk);

	if (end > vis)
		end = vis;
	m->payload_off = (__u16)start;
	m->payload_len = (__u16)(end > start ? end - start : 0);
}

/* A first fragment (MF set; later ones never reach L4) too short for its
 * whole L4 header: a filter cannot judge its ports or flags, and the
 * datagram it starts has no legitimate reason to be cut there (RFC 1858,
 * RFC 3128; RFC 7112 for IPv6). The IP length fields decide, not what the
 * capture holds: a snapped first fragment is snapped, not tiny. */
PL_INLINE int pl_frag_tiny(struct pl_meta *m)
{
	return pl_fail(m, m->ip_version == 6 ? PL_MAL_IPV6_FRAG_TINY : PL_MAL_IPV4_FRAG_TINY);
}

/* A header of `need` bytes at off, inside a datagram ending at l3_end; a
 * first fragment must hold `frag_need` (the whole header). */
PL_INLINE int pl_l4_header(const struct pl_pkt *pk, struct pl_meta *m, __u32 off,
			   __u32 l3_end, __u32 need, __u32 frag_need, enum pl_malformed why)
{
	if (m->flags & PL_F_MF) {
		if (off + frag_need > l3_end)
			return pl_frag_tiny(m);
	} else if (off + need > l3_end) {
		return pl_fail(m, why);
	}
	return pl_extent(pk, m, off + need, why);
}

PL_INLINE int pl_parse_tcp(const struct pl_pkt *pk, struct pl_meta *m, __u32 off,
			   __u32 l3_end)
{
	const __u8 *h;
	__u32 doff;
	int r = pl_l4_header(pk, m, off, l3_end, 20, 20, PL_MAL_TCP_TRUNCATED);

	if (r)
		return r;
	h = pl_at(pk, off, 20);
	if (!h)
		return -1;      /* not reached: pl_l4_header saw 20 bytes */
	doff = (__u32)(h[12] >> 4) * 4;
	if (doff < 20)
		return pl_fail(m, PL_MAL_TCP_BAD_DOFF);
	if (off + doff > l3_end)        /* options past a first fragment's end */
		return (m->flags & PL_F_MF) ? pl_frag_tiny(m) : pl_fail(m, PL_MAL_TCP_BAD_DOFF);
	m->sport = pl_be16(h);
	m->dport = pl_be16(h + 2);
	m->tcp_seq = pl_be32(h + 4);
	m->tcp_ack = pl_be32(h + 8);
	m->tcp_flags = (__u16)((h[12] & 0x0f) << 8 | h[13]);
	m->tcp_win = pl_be16(h + 14);
	m->tcp_doff = (__u8)doff;
	m->l4_off = (__u16)off;
	m->flags |= PL_F_L4;
	if (pl_extent(pk, m, off + doff, PL_MAL_TCP_BAD_DOFF))
		return 1;       /* options cut by the capture: no payload seen */
	pl_set_payload(pk, m, off + doff, l3_end);
	return 0;
}

PL_INLINE int pl_parse_udp(const struct pl_pkt *pk, struct pl_meta *m, __u32 off,
			   __u32 l3_end)
{
	const __u8 *h;
	__u32 ulen, end;
	int r = pl_l4_header(pk, m, off, l3_end, 8, 8, PL_MAL_UDP_TRUNCATED);

	if (r)
		return r;
	h = pl_at(pk, off, 8);
	if (!h)
		return -1;
	ulen = pl_be16(h + 4);
	m->sport = pl_be16(h);
	m->dport = pl_be16(h + 2);
	m->udp_len = (__u16)ulen;
	m->l4_off = (__u16)off;
	m->flags |= PL_F_L4;
	end = off + ulen;
	/* A first fragment carries the length of the whole datagram. */
	if (ulen < 8 || (!(m->flags & PL_F_MF) && end > l3_end))
		return pl_fail(m, PL_MAL_UDP_BAD_LEN);
	pl_set_payload(pk, m, off + 8, end < l3_end ? end : l3_end);
	return 0;
}

/* ICMP and ICMPv6 share the first four bytes: type, code, checksum. Every
 * message has four more (identifier and sequence, MTU, pointer, or unused),
 * so a first fragment holds at least 8 (and IPv4 cuts at multiples of 8). */
PL_INLINE int pl_parse_icmp(const struct pl_pkt *pk, struct pl_meta *m, __u32 off,
			    __u32 l3_end)
{
	const __u8 *h;
	int r = pl_l4_header(pk, m, off, l3_end, 4, 8, PL_MAL_ICMP_TRUNCATED);

	if (r)
		return r;
	h = pl_at(pk, off, 4);
	if (!h)
		return -1;
	m->icmp_type = h[0];
	m->icmp_code = h[1];
	m->l4_off = (__u16)off;
	m->flags |= PL_F_L4;
	pl_set_payload(pk, m, off + 4, l3_end);
	return 0;
}

#endif /* PL_L4_H */
