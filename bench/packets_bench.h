/* SPDX-License-Identifier: BSD-3-Clause */
/* packets_bench.h - the packets the benchmark times, built on the test
 * builders (tests/common/packets.h). They are shaped like real traffic, not
 * like the minimal vectors the tests need: a benchmark of a toy ClientHello
 * would time a parser walk that never happens in production. */
#ifndef PL_BENCH_PACKETS_H
#define PL_BENCH_PACKETS_H

#include "../tests/common/packets.h"

#define BENCH_TLS_SNI "assets.cdn.example.com"
#define BENCH_TLS_HELLO_SIZE 512  /* BoringSSL pads a ClientHello to 512 bytes */

/* TCP header with the timestamp option: what a Linux peer sends on every
 * segment, so the payload starts where it does on the wire (doff 8). */
static inline void pk_tcp_ts(struct pkt *p, uint16_t sport, uint16_t dport, uint8_t flags)
{
	static const uint8_t ts_opt[12] = { 1, 1, 8, 10, 0x12, 0x34, 0x56, 0x78,
					    0x9a, 0xbc, 0xde, 0xf0 };
	uint8_t *h = p->b + p->len;

	pk_tcp(p, sport, dport, flags);
	h[8] = 0x55; h[9] = 0x66; h[10] = 0x77; h[11] = 0x88;  /* ack */
	h[12] = 8 << 4;
	pk_bytes(p, ts_opt, sizeof(ts_opt));
}

/* Bytes that no L7 parser claims: not 22 (TLS) nor a capital (HTTP). */
static inline void pk_opaque_payload(struct pkt *p, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		p->b[p->len + i] = (uint8_t)(i * 7 + 1);
	p->len += n;
}

/* A bulk-transfer segment, iperf3-like: ACK|PSH, 100 bytes, 40000 -> 5201. */
static inline void pk_bench_tcp_data(struct pkt *p)
{
	pk_eth(p, 0x0800);
	pk_ipv4(p, 6, 32 + 100);
	pk_tcp_ts(p, 40000, 5201, 0x18);
	pk_opaque_payload(p, 100);
}

static inline void put16(uint8_t *o, uint32_t *n, uint16_t v)
{
	o[(*n)++] = (uint8_t)(v >> 8);
	o[(*n)++] = (uint8_t)v;
}

/* One extension: type, length, data. */
static inline void put_ext(uint8_t *o, uint32_t *n, uint16_t type, const void *d, uint16_t len)
{
	put16(o, n, type);
	put16(o, n, len);
	memcpy(o + *n, d, len);
	*n += len;
}

/* A TLS 1.3 ClientHello as a Chromium-family browser sends it (before
 * post-quantum key shares): GREASE values, sixteen cipher suites, a session
 * id, seventeen extensions with server_name the fifth, padded to 512 bytes.
 * The parser has to walk past four extensions before the name and past
 * eight more to supported_versions. Returns the record's size (517). */
static inline uint32_t tls_browser_client_hello(uint8_t *o)
{
	static const uint8_t suites[] = {
		0x0a, 0x0a, 0x13, 0x01, 0x13, 0x02, 0x13, 0x03, 0xc0, 0x2b, 0xc0, 0x2f,
		0xc0, 0x2c, 0xc0, 0x30, 0xcc, 0xa9, 0xcc, 0xa8, 0xc0, 0x13, 0xc0, 0x14,
		0x00, 0x9c, 0x00, 0x9d, 0x00, 0x2f, 0x00, 0x35 };
	static const uint8_t groups[] = { 0x00, 0x08, 0x1a, 0x1a, 0x00, 0x1d, 0x00, 0x17,
					  0x00, 0x18 };
	static const uint8_t point_formats[] = { 0x01, 0x00 };
	static const uint8_t sig_algs[] = { 0x00, 0x10, 0x04, 0x03, 0x08, 0x04, 0x04, 0x01,
					    0x05, 0x03, 0x08, 0x05, 0x05, 0x01, 0x08, 0x06,
					    0x06, 0x01 };
	static const uint8_t alpn[] = { 0x00, 0x0c, 0x02, 'h', '2', 0x08, 'h', 't', 't',
					'p', '/', '1', '.', '1' };
	static const uint8_t status_req[] = { 0x01, 0x00, 0x00, 0x00, 0x00 };
	static const uint8_t psk_modes[] = { 0x01, 0x01 };
	static const uint8_t versions[] = { 0x06, 0x3a, 0x3a, 0x03, 0x04, 0x03, 0x03 };
	static const uint8_t compress_cert[] = { 0x02, 0x00, 0x02 };
	static const uint8_t reneg[] = { 0x00 };
	static const uint8_t grease_one[] = { 0x00 };
	const uint32_t sni_len = sizeof(BENCH_TLS_SNI) - 1;
	uint8_t sni[64], key_share[64], pad[512] = { 0 };
	uint32_t n = 0, k = 0, ext_len_at, body_len, pad_len;

	/* server_name: list length, host_name type, name length, name */
	put16(sni, &k, (uint16_t)(sni_len + 3));
	sni[k++] = 0;
	put16(sni, &k, (uint16_t)sni_len);
	memcpy(sni + k, BENCH_TLS_SNI, sni_len);

	/* key_share: a one-byte GREASE share, then a 32-byte X25519 share */
	k = 0;
	put16(key_share, &k, 5 + 36);
	put16(key_share, &k, 0x1a1a);
	put16(key_share, &k, 1);
	key_share[k++] = 0;
	put16(key_share, &k, 0x001d);
	put16(key_share, &k, 32);
	memset(key_share + k, 0x5c, 32);

	n = 9;                                  /* record + handshake headers, below */
	put16(o, &n, 0x0303);                   /* legacy_version */
	memset(o + n, 0xa7, 32); n += 32;       /* random */
	o[n++] = 32;                            /* session id, as for middleboxes */
	memset(o + n, 0x3c, 32); n += 32;
	put16(o, &n, sizeof(suites));
	memcpy(o + n, suites, sizeof(suites)); n += sizeof(suites);
	o[n++] = 1; o[n++] = 0;                 /* compression: null */
	ext_len_at = n;
	n += 2;
	put_ext(o, &n, 0x0a0a, "", 0);                                          /* GREASE */
	put_ext(o, &n, 0x000a, groups, sizeof(groups));                         /* supported_groups */
	put_ext(o, &n, 0x000b, point_formats, sizeof(point_formats));           /* ec_point_formats */
	put_ext(o, &n, 0x000d, sig_algs, sizeof(sig_algs));                     /* signature_algorithms */
	put_ext(o, &n, 0x0000, sni, (uint16_t)(sni_len + 5));                   /* server_name */
	put_ext(o, &n, 0x0010, alpn, sizeof(alpn));                             /* ALPN */
	put_ext(o, &n, 0x0017, "", 0);                                          /* extended_master_secret */
	put_ext(o, &n, 0x0023, "", 0);                                          /* session_ticket */
	put_ext(o, &n, 0x0005, status_req, sizeof(status_req));                 /* status_request */
	put_ext(o, &n, 0x0012, "", 0);                                          /* SCT */
	put_ext(o, &n, 0x0033, key_share, 2 + 5 + 36);                          /* key_share */
	put_ext(o, &n, 0x002d, psk_modes, sizeof(psk_modes));                   /* psk_key_exchange_modes */
	put_ext(o, &n, 0x002b, versions, sizeof(versions));                     /* supported_versions */
	put_ext(o, &n, 0x001b, compress_cert, sizeof(compress_cert));           /* compress_certificate */
	put_ext(o, &n, 0xff01, reneg, sizeof(reneg));                           /* renegotiation_info */
	put_ext(o, &n, 0x2a2a, grease_one, sizeof(grease_one));                 /* GREASE */
	/* padding (RFC 7685): the handshake message ends at exactly 512 bytes */
	pad_len = BENCH_TLS_HELLO_SIZE - (n - 5) - 4;
	put_ext(o, &n, 0x0015, pad, (uint16_t)pad_len);
	body_len = n - 9;
	o[ext_len_at] = (uint8_t)((n - ext_len_at - 2) >> 8);
	o[ext_len_at + 1] = (uint8_t)(n - ext_len_at - 2);
	o[0] = 22; o[1] = 3; o[2] = 1;          /* handshake record, TLS 1.0 as browsers send */
	o[3] = (uint8_t)((body_len + 4) >> 8); o[4] = (uint8_t)(body_len + 4);
	o[5] = 1;                               /* ClientHello */
	o[6] = 0; o[7] = (uint8_t)(body_len >> 8); o[8] = (uint8_t)body_len;
	return n;
}

static inline void pk_bench_tls_ch(struct pkt *p)
{
	uint8_t ch[600];
	uint32_t n = tls_browser_client_hello(ch);

	pk_eth(p, 0x0800);
	pk_ipv4(p, 6, 32 + n);
	pk_tcp_ts(p, 40000, 443, 0x18);
	pk_bytes(p, ch, n);
}

/* IPv6 carrying hop-by-hop options, a segment routing header (one segment)
 * and destination options before a TCP segment: the longest extension walk
 * real traffic shows. */
static inline void pk_bench_ipv6_ext(struct pkt *p)
{
	static const uint8_t hop_by_hop[8] = { 43, 0, 1, 4, 0, 0, 0, 0 };      /* PadN */
	static const uint8_t srh[24] = { 60, 2, 4, 0, 0, 0, 0, 0,               /* SRH, 1 segment */
					 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
					 0, 0, 0, 0, 0, 0, 0, 2 };
	static const uint8_t dst_opts[8] = { 6, 0, 1, 4, 0, 0, 0, 0 };         /* PadN */
	const uint32_t payload = 64, plen = 8 + 24 + 8 + 32 + payload;
	uint8_t *h;

	pk_eth(p, 0x86dd);
	h = p->b + p->len;
	memset(h, 0, 40);
	h[0] = 0x60;
	h[4] = (uint8_t)(plen >> 8); h[5] = (uint8_t)plen;
	h[6] = 0;                               /* next: hop-by-hop */
	h[7] = 64;
	h[8] = 0x20; h[9] = 0x01; h[10] = 0x0d; h[11] = 0xb8; h[23] = 1;
	h[24] = 0x20; h[25] = 0x01; h[26] = 0x0d; h[27] = 0xb8; h[39] = 2;
	p->len += 40;
	pk_bytes(p, hop_by_hop, sizeof(hop_by_hop));
	pk_bytes(p, srh, sizeof(srh));
	pk_bytes(p, dst_opts, sizeof(dst_opts));
	pk_tcp_ts(p, 40000, 8080, 0x18);
	pk_opaque_payload(p, payload);
}

/* IPv4 with IHL 3: rejected at the IP header, the cheapest kind of packet. */
static inline void pk_bench_malformed(struct pkt *p)
{
	pk_dns_query(p);
	p->b[14] = 0x43;
}

#endif /* PL_BENCH_PACKETS_H */
