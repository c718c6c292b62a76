/* SPDX-License-Identifier: BSD-3-Clause */
/* packets.h - hand-built packet vectors shared by the native and BPF tests. */
#ifndef PL_TEST_PACKETS_H
#define PL_TEST_PACKETS_H
#include <stdint.h>
#include <string.h>

struct pkt { uint8_t b[1600]; uint32_t len; };

static inline void pk_eth(struct pkt *p, uint16_t proto)
{
	static const uint8_t dst[6] = { 0x02, 0, 0, 0, 0, 1 }, src[6] = { 0x02, 0, 0, 0, 0, 2 };
	memcpy(p->b, dst, 6);
	memcpy(p->b + 6, src, 6);
	p->b[12] = (uint8_t)(proto >> 8);
	p->b[13] = (uint8_t)proto;
	p->len = 14;
}

/* IPv4 header with total length covering `payload` bytes after it. */
static inline void pk_ipv4(struct pkt *p, uint8_t proto, uint32_t payload)
{
	uint8_t *h = p->b + p->len;
	uint32_t tl = 20 + payload;

	memset(h, 0, 20);
	h[0] = 0x45;
	h[2] = (uint8_t)(tl >> 8);
	h[3] = (uint8_t)tl;
	h[8] = 64;
	h[9] = proto;
	h[12] = 10; h[15] = 1;
	h[16] = 10; h[19] = 2;
	p->len += 20;
}

static inline void pk_udp(struct pkt *p, uint16_t sport, uint16_t dport, uint32_t payload)
{
	uint8_t *h = p->b + p->len;
	uint32_t l = 8 + payload;

	h[0] = (uint8_t)(sport >> 8); h[1] = (uint8_t)sport;
	h[2] = (uint8_t)(dport >> 8); h[3] = (uint8_t)dport;
	h[4] = (uint8_t)(l >> 8); h[5] = (uint8_t)l;
	h[6] = h[7] = 0;
	p->len += 8;
}

static inline void pk_tcp(struct pkt *p, uint16_t sport, uint16_t dport, uint8_t flags)
{
	uint8_t *h = p->b + p->len;

	memset(h, 0, 20);
	h[0] = (uint8_t)(sport >> 8); h[1] = (uint8_t)sport;
	h[2] = (uint8_t)(dport >> 8); h[3] = (uint8_t)dport;
	h[4] = 0x11; h[5] = 0x22; h[6] = 0x33; h[7] = 0x44;     /* seq */
	h[12] = 5 << 4;
	h[13] = flags;
	h[14] = 0xfa; h[15] = 0xf0;                             /* window 64240 */
	p->len += 20;
}

static inline void pk_bytes(struct pkt *p, const void *d, uint32_t n)
{
	memcpy(p->b + p->len, d, n);
	p->len += n;
}

/* ---- IP fragments -------------------------------------------------------
 * A datagram's fragmentable part is built first (dg_*: the L4 header and
 * payload, or IPv6 extension headers and then those), then cut: pk_frag4
 * and pk_frag6 make the frame holding bytes [off, off + len) of it. */

/* A TCP header (data offset 5) and `payload` bytes of a counting pattern. */
static inline uint32_t dg_tcp(uint8_t *d, uint16_t sport, uint16_t dport, uint8_t flags,
			      uint32_t payload)
{
	uint32_t i;

	memset(d, 0, 20);
	d[0] = (uint8_t)(sport >> 8); d[1] = (uint8_t)sport;
	d[2] = (uint8_t)(dport >> 8); d[3] = (uint8_t)dport;
	d[4] = 0x11; d[5] = 0x22; d[6] = 0x33; d[7] = 0x44;     /* seq */
	d[12] = 5 << 4;
	d[13] = flags;
	d[14] = 0xfa; d[15] = 0xf0;
	for (i = 0; i < payload; i++)
		d[20 + i] = (uint8_t)i;
	return 20 + payload;
}

/* A UDP header with the length of the whole datagram, and `payload` bytes. */
static inline uint32_t dg_udp(uint8_t *d, uint16_t sport, uint16_t dport, uint32_t payload)
{
	uint32_t i, l = 8 + payload;

	d[0] = (uint8_t)(sport >> 8); d[1] = (uint8_t)sport;
	d[2] = (uint8_t)(dport >> 8); d[3] = (uint8_t)dport;
	d[4] = (uint8_t)(l >> 8); d[5] = (uint8_t)l;
	d[6] = d[7] = 0;
	for (i = 0; i < payload; i++)
		d[8 + i] = (uint8_t)i;
	return l;
}

/* IPv4 10.0.0.1 -> 10.0.0.2 (pk_ipv4), identification id, bytes [off, off +
 * len) of the datagram d; off a multiple of 8. */
static inline void pk_frag4(struct pkt *p, uint8_t proto, uint16_t id, const uint8_t *d,
			    uint32_t off, uint32_t len, int mf)
{
	uint8_t *h;

	pk_eth(p, 0x0800);
	h = p->b + p->len;
	pk_ipv4(p, proto, len);
	h[4] = (uint8_t)(id >> 8); h[5] = (uint8_t)id;
	h[6] = (uint8_t)((mf ? 0x20 : 0) | ((off / 8) >> 8));
	h[7] = (uint8_t)(off / 8);
	pk_bytes(p, d + off, len);
}

/* IPv6 2001:db8::1 -> 2001:db8::2. pre: prelen bytes of extension headers
 * before the fragment header, the first of type first_nh, the last naming
 * 44 (fragment) as its next header; none: prelen 0, first_nh ignored.
 * Then the fragment header (next header nh, identification id) and bytes
 * [off, off + len) of the fragmentable part d. */
static inline void pk_frag6(struct pkt *p, uint8_t first_nh, const uint8_t *pre,
			    uint32_t prelen, uint8_t nh, uint32_t id, const uint8_t *d,
			    uint32_t off, uint32_t len, int mf)
{
	uint8_t *h, *f;
	uint32_t pl = prelen + 8 + len;

	pk_eth(p, 0x86dd);
	h = p->b + p->len;
	memset(h, 0, 40);
	h[0] = 0x60;
	h[4] = (uint8_t)(pl >> 8); h[5] = (uint8_t)pl;
	h[6] = prelen ? first_nh : 44;
	h[7] = 64;
	h[8] = 0x20; h[9] = 0x01; h[10] = 0x0d; h[11] = 0xb8; h[23] = 1;
	h[24] = 0x20; h[25] = 0x01; h[26] = 0x0d; h[27] = 0xb8; h[39] = 2;
	p->len += 40;
	if (prelen)
		pk_bytes(p, pre, prelen);
	f = p->b + p->len;
	f[0] = nh;
	f[1] = 0;
	f[2] = (uint8_t)(off >> 8);
	f[3] = (uint8_t)((off & 0xf8) | (mf ? 1 : 0));
	f[4] = (uint8_t)(id >> 24); f[5] = (uint8_t)(id >> 16);
	f[6] = (uint8_t)(id >> 8); f[7] = (uint8_t)id;
	p->len += 8;
	pk_bytes(p, d + off, len);
}

/* An 8-byte hop-by-hop or destination options header (PadN) whose next
 * header is nh. */
static inline void pk_opts8(uint8_t *o, uint8_t nh)
{
	o[0] = nh;
	o[1] = 0;
	o[2] = 1;                       /* PadN */
	o[3] = 4;
	o[4] = o[5] = o[6] = o[7] = 0;
}

/* A DNS query for www.example.com, type A. */
static const uint8_t dns_query[] = {
	0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0,
	3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
	0x00, 0x01, 0x00, 0x01 };

static inline void pk_dns_query(struct pkt *p)
{
	pk_eth(p, 0x0800);
	pk_ipv4(p, 17, 8 + sizeof(dns_query));
	pk_udp(p, 40000, 53, sizeof(dns_query));
	pk_bytes(p, dns_query, sizeof(dns_query));
}

/* A DNS query (type A, id 0x4242) for `labels` labels of `llen` letters
 * each ('a', 'b', ... by label) into out (room for 12 + 256 + 4 bytes when
 * the name fits the protocol; more otherwise); returns its length. */
static inline uint32_t dns_long_query(uint8_t *out, int labels, int llen)
{
	uint32_t n = 12;
	int i, j;

	memset(out, 0, 12);
	out[0] = 0x42; out[1] = 0x42; out[2] = 0x01; out[5] = 1;
	for (i = 0; i < labels; i++) {
		out[n++] = (uint8_t)llen;
		for (j = 0; j < llen; j++)
			out[n++] = (uint8_t)('a' + i % 26);
	}
	out[n++] = 0;
	out[n++] = 0; out[n++] = 1; out[n++] = 0; out[n++] = 1;
	return n;
}

static inline void pk_dns_msg(struct pkt *p, uint16_t sport, const uint8_t *msg,
			      uint32_t len)
{
	pk_eth(p, 0x0800);
	pk_ipv4(p, 17, 8 + len);
	pk_udp(p, sport, 53, len);
	pk_bytes(p, msg, len);
}

static const char http_get[] = "GET /index.html?q=1 HTTP/1.1\r\nUser-Agent: t\r\nHost: example.org\r\n\r\n";

static inline void pk_http_get(struct pkt *p)
{
	pk_eth(p, 0x0800);
	pk_ipv4(p, 6, 20 + sizeof(http_get) - 1);
	pk_tcp(p, 40000, 80, 0x18);
	pk_bytes(p, http_get, sizeof(http_get) - 1);
}

/* TLS 1.3 ClientHello with server_name "a.example" and supported_versions. */
static inline uint32_t tls_client_hello(uint8_t *o)
{
	static const uint8_t sni[] = { 0x00, 0x00, 0x00, 0x0e, 0x00, 0x0c, 0x00, 0x00, 0x09,
				       'a', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e' };
	static const uint8_t sv[] = { 0x00, 0x2b, 0x00, 0x05, 0x04, 0x03, 0x04, 0x03, 0x03 };
	uint8_t body[256];
	uint32_t n = 0, ext = sizeof(sni) + sizeof(sv), hl, rl;

	body[n++] = 0x03; body[n++] = 0x03;                     /* legacy_version */
	memset(body + n, 0xab, 32); n += 32;                    /* random */
	body[n++] = 0;                                          /* session id */
	body[n++] = 0; body[n++] = 2; body[n++] = 0x13; body[n++] = 0x01;
	body[n++] = 1; body[n++] = 0;                           /* compression */
	body[n++] = (uint8_t)(ext >> 8); body[n++] = (uint8_t)ext;
	memcpy(body + n, sni, sizeof(sni)); n += sizeof(sni);
	memcpy(body + n, sv, sizeof(sv)); n += sizeof(sv);
	hl = n;
	rl = hl + 4;
	o[0] = 22; o[1] = 3; o[2] = 1; o[3] = (uint8_t)(rl >> 8); o[4] = (uint8_t)rl;
	o[5] = 1; o[6] = 0; o[7] = (uint8_t)(hl >> 8); o[8] = (uint8_t)hl;
	memcpy(o + 9, body, n);
	return 9 + n;
}

static inline void pk_tls_ch(struct pkt *p)
{
	uint8_t ch[300];
	uint32_t n = tls_client_hello(ch);

	pk_eth(p, 0x0800);
	pk_ipv4(p, 6, 20 + n);
	pk_tcp(p, 40000, 443, 0x18);
	pk_bytes(p, ch, n);
}

#endif
