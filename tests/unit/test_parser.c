/* SPDX-License-Identifier: BSD-3-Clause */
/* test_parser.c - the shared parser, natively, on hand-built packets. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "parse/pl_parse.h"
#include "../common/packets.h"

static struct pl_meta m;

static int parse(const struct pkt *p)
{
	struct pl_pkt pk = { p->b, p->b + p->len, p->len };

	return pl_parse_frame(&pk, &m);
}

static void test_dns_query(void **s)
{
	struct pkt p;

	(void)s;
	pk_dns_query(&p);
	assert_int_equal(parse(&p), 0);
	assert_int_equal(m.malformed, PL_MAL_NONE);
	assert_int_equal(m.ip_version, 4);
	assert_int_equal(m.ttl, 64);
	assert_int_equal(m.l4_proto, 17);
	assert_int_equal(m.sport, 40000);
	assert_int_equal(m.dport, 53);
	assert_int_equal(m.l7_kind, PL_L7_DNS);
	assert_int_equal(m.l7.dns.id, 0x1234);
	assert_int_equal(m.l7.dns.qtype, 1);
	assert_int_equal(m.l7.dns.qname_len, 15);
	assert_memory_equal(m.l7.dns.qname, "www.example.com", 15);
	/* header 12, name 17 on the wire, type and class 4: what the
	 * tunnel detection weighs a response by */
	assert_int_equal(m.l7.dns.msg_len, 12 + 17 + 4);
}

static void test_dns_label_overflow(void **s)
{
	struct pkt p;

	(void)s;
	pk_dns_query(&p);
	p.b[14 + 20 + 8 + 12 + 4] = 60;         /* "example" claims 60 bytes */
	assert_int_equal(parse(&p), -1);
	assert_int_equal(m.malformed, PL_MAL_DNS_LABEL_OVERFLOW);
	assert_int_equal(m.l7_kind, PL_L7_NONE);
}

static void test_dns_bad_label_type(void **s)
{
	struct pkt p;

	(void)s;
	pk_dns_query(&p);
	p.b[14 + 20 + 8 + 12] = 0x43;
	assert_int_equal(parse(&p), -1);
	assert_int_equal(m.malformed, PL_MAL_DNS_BAD_LABEL_TYPE);
}

static void test_http_get(void **s)
{
	struct pkt p;

	(void)s;
	pk_http_get(&p);
	assert_int_equal(parse(&p), 0);
	assert_int_equal(m.l7_kind, PL_L7_HTTP);
	assert_int_equal(m.l7.http.method_len, 3);
	assert_memory_equal(m.l7.http.method, "GET", 3);
	assert_int_equal(m.l7.http.path_len, 15);
	assert_memory_equal(m.l7.http.path, "/index.html?q=1", 15);
	assert_true(m.l7.http.flags & PL_HTTP_HAS_HOST);
	assert_int_equal(m.l7.http.host_len, 11);
	assert_memory_equal(m.l7.http.host, "example.org", 11);
	assert_int_equal(m.tcp_flags, 0x18);
	assert_int_equal(m.tcp_win, 64240);
	assert_int_equal(m.tcp_seq, 0x11223344);
}

static void test_tls_client_hello(void **s)
{
	struct pkt p;

	(void)s;
	pk_tls_ch(&p);
	assert_int_equal(parse(&p), 0);
	assert_int_equal(m.l7_kind, PL_L7_TLS);
	assert_true(m.l7.tls.flags & PL_TLS_COMPLETE);
	assert_true(m.l7.tls.flags & PL_TLS_HAS_SNI);
	assert_int_equal(m.l7.tls.sni_len, 9);
	assert_memory_equal(m.l7.tls.sni, "a.example", 9);
	assert_int_equal(m.l7.tls.n_versions, 2);
	assert_int_equal(m.l7.tls.versions[0], 0x0304);
	assert_int_equal(m.l7.tls.hello_version, 0x0303);
}

static void test_tls_split_hello(void **s)
{
	struct pkt p;

	(void)s;
	pk_tls_ch(&p);
	p.len -= 20;                            /* the rest is in the next segment */
	p.b[16] = (uint8_t)((p.len - 14) >> 8);
	p.b[17] = (uint8_t)(p.len - 14);
	assert_int_equal(parse(&p), 0);
	assert_int_equal(m.l7_kind, PL_L7_TLS);
	assert_false(m.l7.tls.flags & PL_TLS_COMPLETE);
	assert_int_equal(m.malformed, PL_MAL_NONE);
}

static void test_ipv4_bad_ihl(void **s)
{
	struct pkt p;

	(void)s;
	pk_dns_query(&p);
	p.b[14] = 0x44;
	assert_int_equal(parse(&p), -1);
	assert_int_equal(m.malformed, PL_MAL_IPV4_BAD_IHL);
	assert_false(m.flags & PL_F_IP);
}

static void test_ipv4_len_gt_frame(void **s)
{
	struct pkt p;

	(void)s;
	pk_dns_query(&p);
	p.b[16] = 0x05;                         /* total length 1280+ */
	assert_int_equal(parse(&p), -1);
	assert_int_equal(m.malformed, PL_MAL_IPV4_LEN_GT_FRAME);
}

static void test_tcp_bad_doff(void **s)
{
	struct pkt p;

	(void)s;
	pk_http_get(&p);
	p.b[14 + 20 + 12] = 3 << 4;
	assert_int_equal(parse(&p), -1);
	assert_int_equal(m.malformed, PL_MAL_TCP_BAD_DOFF);
	assert_false(m.flags & PL_F_L4);
}

static void test_udp_bad_len(void **s)
{
	struct pkt p;

	(void)s;
	pk_dns_query(&p);
	p.b[14 + 20 + 5] = 5;
	p.b[14 + 20 + 4] = 0;
	assert_int_equal(parse(&p), -1);
	assert_int_equal(m.malformed, PL_MAL_UDP_BAD_LEN);
}

static void test_eth_truncated(void **s)
{
	struct pkt p = { .len = 10 };

	(void)s;
	assert_int_equal(parse(&p), -1);
	assert_int_equal(m.malformed, PL_MAL_ETH_TRUNCATED);
}

static void test_qinq(void **s)
{
	struct pkt p, q;

	(void)s;
	pk_dns_query(&p);
	memcpy(q.b, p.b, 12);
	q.b[12] = 0x88; q.b[13] = 0xa8; q.b[14] = 0x00; q.b[15] = 100;
	q.b[16] = 0x81; q.b[17] = 0x00; q.b[18] = 0x00; q.b[19] = 200;
	memcpy(q.b + 20, p.b + 12, p.len - 12);
	q.len = p.len + 8;
	assert_int_equal(parse(&q), 0);
	assert_int_equal(m.n_vlans, 2);
	assert_int_equal(m.vlan_ids[0], 100);
	assert_int_equal(m.vlan_ids[1], 200);
	assert_true(m.flags & PL_F_8021AD);
	assert_int_equal(m.l7_kind, PL_L7_DNS);
}

static void test_ipv6_ext_chain(void **s)
{
	struct pkt p;
	uint8_t *h;
	int i;

	(void)s;
	pk_eth(&p, 0x86dd);
	h = p.b + 14;
	memset(h, 0, 40 + 9 * 8 + 8);
	h[0] = 0x60;
	h[5] = 9 * 8 + 8;                       /* payload length */
	h[6] = 60;                              /* destination options ... */
	h[7] = 64;
	for (i = 0; i < 9; i++)                 /* ... nine of them: too many */
		h[40 + i * 8] = i < 8 ? 60 : 59;
	p.len = 14 + 40 + 9 * 8 + 8;
	assert_int_equal(parse(&p), -1);
	assert_int_equal(m.malformed, PL_MAL_IPV6_EXT_CHAIN_TOO_LONG);
}

/* pl_l7_wanted, which the egress program asks before pulling a payload in
 * from the skb's pages: yes for what the L7 parsers read, whether or not
 * the payload was in reach; no for bulk data. */
static void test_l7_wanted(void **s)
{
	void (*build[])(struct pkt *) = { pk_dns_query, pk_http_get, pk_tls_ch };
	struct pkt p;
	unsigned i;

	(void)s;
	for (i = 0; i < sizeof(build) / sizeof(build[0]); i++) {
		struct pl_pkt head;

		build[i](&p);
		assert_int_equal(parse(&p), 0);
		assert_int_not_equal(m.l7_kind, PL_L7_NONE);
		assert_true(pl_l7_wanted(&m, p.b[m.payload_off]));
		/* only the headers in reach: nothing read, still wanted */
		head.data = p.b;
		head.end = p.b + m.payload_off;
		head.pkt_len = p.len;
		assert_int_equal(pl_parse_frame(&head, &m), 0);
		assert_int_equal(m.l7_kind, PL_L7_NONE);
		assert_true(pl_l7_wanted(&m, p.b[m.payload_off]));
	}
	pk_http_get(&p);
	assert_int_equal(parse(&p), 0);
	assert_false(pl_l7_wanted(&m, 23));     /* TLS application data */
	assert_false(pl_l7_wanted(&m, 0x80));   /* bulk bytes */
	assert_false(pl_l7_wanted(&m, 'a'));
	pk_eth(&p, 0x0800);
	pk_ipv4(&p, 17, 8 + 4);
	pk_udp(&p, 40000, 443, 4);
	pk_bytes(&p, "GET ", 4);
	assert_int_equal(parse(&p), 0);
	assert_false(pl_l7_wanted(&m, 'G'));    /* UDP but DNS: never */
}

/* ---- IP fragments (RFC 1858, 3128, 6946, 7112) -------------------------- */

/* A first fragment of `len` bytes of the datagram d. */
static int frag4(const uint8_t *d, uint8_t proto, uint32_t off, uint32_t len, int mf)
{
	struct pkt p;

	pk_frag4(&p, proto, 0x4242, d, off, len, mf);
	return parse(&p);
}

/* What a malformed fragment still says: its addresses and fragment fields,
 * nothing of L4. */
static void expect_frag_fault(int r, enum pl_malformed why)
{
	assert_int_equal(r, -1);
	assert_int_equal(m.malformed, why);
	assert_true(m.flags & PL_F_IP);
	assert_true(m.flags & PL_F_FRAGMENT);
	assert_false(m.flags & PL_F_L4);
	assert_int_equal(m.sport, 0);
	assert_int_equal(m.dport, 0);
}

static void test_frag_tiny_ipv4(void **s)
{
	uint8_t d[200];
	uint32_t n;

	(void)s;
	n = dg_tcp(d, 40000, 22, 0x02, 100);
	/* 8 bytes: the ports but not the flags (the RFC 1858 attack) */
	expect_frag_fault(frag4(d, 6, 0, 8, 1), PL_MAL_IPV4_FRAG_TINY);
	assert_int_equal(m.frag_off, 0);
	assert_true(m.flags & PL_F_MF);
	assert_int_equal(m.frag_nh, 6);
	assert_int_equal(m.frag_data_off, 14 + 20);
	expect_frag_fault(frag4(d, 6, 0, 16, 1), PL_MAL_IPV4_FRAG_TINY);
	/* 24 bytes with a 20-byte header: whole, ports read */
	assert_int_equal(frag4(d, 6, 0, 24, 1), 0);
	assert_int_equal(m.malformed, PL_MAL_NONE);
	assert_true(m.flags & PL_F_L4);
	assert_int_equal(m.dport, 22);
	/* options that run on past the first fragment: the header is not whole */
	d[12] = 8 << 4;                         /* data offset 32 bytes */
	expect_frag_fault(frag4(d, 6, 0, 24, 1), PL_MAL_IPV4_FRAG_TINY);
	assert_int_equal(frag4(d, 6, 0, 32, 1), 0);
	assert_int_equal(m.tcp_doff, 32);
	/* the same 8 bytes in a whole packet are truncated, not tiny */
	assert_int_equal(frag4(d, 6, 0, 8, 0), -1);
	assert_int_equal(m.malformed, PL_MAL_TCP_TRUNCATED);
	assert_false(m.flags & PL_F_FRAGMENT);
	(void)n;
	/* UDP: 4 bytes of 8 */
	n = dg_udp(d, 40000, 53, 100);
	expect_frag_fault(frag4(d, 17, 0, 4, 1), PL_MAL_IPV4_FRAG_TINY);
	assert_int_equal(frag4(d, 17, 0, 8, 1), 0);
	assert_int_equal(m.dport, 53);
	assert_int_equal(m.udp_len, n);         /* the whole datagram's */
	/* ICMP: type and code in 4 bytes are not a whole header in a fragment */
	memset(d, 0, 16);
	d[0] = 8;
	expect_frag_fault(frag4(d, 1, 0, 4, 1), PL_MAL_IPV4_FRAG_TINY);
	assert_int_equal(frag4(d, 1, 0, 8, 1), 0);
	assert_int_equal(m.icmp_type, 8);
	assert_int_equal(frag4(d, 1, 0, 4, 0), 0); /* a whole 4-byte ICMP packet is fine */
}

static void test_frag_offset_one(void **s)
{
	uint8_t d[200];

	(void)s;
	dg_tcp(d, 40000, 22, 0x02, 100);
	/* TCP at offset 8 bytes: it rewrites the flags (RFC 1858 3.2) */
	expect_frag_fault(frag4(d, 6, 8, 16, 1), PL_MAL_IPV4_FRAG_OFFSET_ONE);
	assert_int_equal(m.frag_off, 1);
	expect_frag_fault(frag4(d, 6, 8, 16, 0), PL_MAL_IPV4_FRAG_OFFSET_ONE);
	/* offset 2, or another protocol at 1: an ordinary later fragment */
	assert_int_equal(frag4(d, 6, 16, 16, 1), 0);
	assert_int_equal(m.malformed, PL_MAL_NONE);
	assert_int_equal(m.frag_off, 2);
	assert_false(m.flags & PL_F_L4);
	assert_int_equal(frag4(d, 17, 8, 16, 1), 0);
	assert_int_equal(m.malformed, PL_MAL_NONE);
}

/* Fixed header, hop-by-hop, destination options, then the fragment header:
 * the fragment header is found behind the others, and the first fragment
 * holding the whole TCP header gives its ports. */
static void test_frag_ipv6_behind_ext(void **s)
{
	uint8_t pre[16], d[200];
	struct pkt p;

	(void)s;
	pk_opts8(pre, 60);
	pk_opts8(pre + 8, 44);
	dg_tcp(d, 40000, 22, 0x02, 100);
	pk_frag6(&p, 0, pre, 16, 6, 0xabcdef01, d, 0, 24, 1);
	assert_int_equal(parse(&p), 0);
	assert_int_equal(m.malformed, PL_MAL_NONE);
	assert_int_equal(m.ipv6_ext, PL_EXT_HOP | PL_EXT_DSTOPTS | PL_EXT_FRAG);
	assert_true(m.flags & PL_F_FRAGMENT);
	assert_true(m.flags & PL_F_MF);
	assert_int_equal(m.frag_id, 0xabcdef01);
	assert_int_equal(m.frag_nh, 6);
	assert_int_equal(m.frag_data_off, 14 + 40 + 16 + 8);
	assert_true(m.flags & PL_F_L4);
	assert_int_equal(m.dport, 22);
	/* a later one: no L4, protocol from the fragment header */
	pk_frag6(&p, 0, pre, 16, 6, 0xabcdef01, d, 24, 96, 0);
	assert_int_equal(parse(&p), 0);
	assert_int_equal(m.frag_off, 3);
	assert_int_equal(m.l4_proto, 6);
	assert_false(m.flags & PL_F_L4);
	/* IPv6 TCP in 8 bytes: tiny too */
	pk_frag6(&p, 0, pre, 16, 6, 7, d, 0, 8, 1);
	expect_frag_fault(parse(&p), PL_MAL_IPV6_FRAG_TINY);
}

/* RFC 7112: the whole header chain belongs in the first fragment. A
 * destination options header after the fragment header that the first
 * fragment cuts, or an L4 header that follows it into the next fragment,
 * make it ipv6_frag_tiny. A later fragment's bytes are not headers. */
static void test_frag_ipv6_chain_split(void **s)
{
	uint8_t d[200];
	struct pkt p;

	(void)s;
	memset(d, 0, sizeof(d));
	d[0] = 6;                               /* destination options, 24 bytes, then TCP */
	d[1] = 2;
	dg_tcp(d + 24, 40000, 22, 0x02, 40);
	pk_frag6(&p, 0, NULL, 0, 60, 9, d, 0, 16, 1);   /* options cut at 16 */
	expect_frag_fault(parse(&p), PL_MAL_IPV6_FRAG_TINY);
	pk_frag6(&p, 0, NULL, 0, 60, 9, d, 0, 32, 1);   /* options whole, TCP cut */
	expect_frag_fault(parse(&p), PL_MAL_IPV6_FRAG_TINY);
	assert_int_equal(m.l4_proto, 6);
	pk_frag6(&p, 0, NULL, 0, 60, 9, d, 0, 48, 1);   /* all of it */
	assert_int_equal(parse(&p), 0);
	assert_int_equal(m.dport, 22);
	assert_int_equal(m.l4_proto, 6);
	assert_int_equal(m.frag_nh, 60);
	assert_int_equal(m.l4_off - m.frag_data_off, 24);
	/* the next fragment starts in the middle: its bytes are not read as
	 * destination options (they would claim 8 * 256 bytes here) */
	d[48] = 0x11;
	d[49] = 0xff;
	pk_frag6(&p, 0, NULL, 0, 60, 9, d, 48, 16, 0);
	assert_int_equal(parse(&p), 0);
	assert_int_equal(m.malformed, PL_MAL_NONE);
	assert_int_equal(m.l4_proto, 60);
	assert_int_equal(m.ip_hdr_len, 48);
	/* the same cut options in an unfragmented packet are truncated, not tiny */
	pk_frag6(&p, 0, NULL, 0, 60, 9, d, 0, 16, 0);
	expect_frag_fault(parse(&p), PL_MAL_IPV6_EXT_TRUNCATED);
}

/* RFC 6946: offset 0 and no more fragments is a whole packet. */
static void test_frag_ipv6_atomic(void **s)
{
	uint8_t d[200];
	struct pkt p;

	(void)s;
	dg_tcp(d, 40000, 443, 0x02, 0);
	pk_frag6(&p, 0, NULL, 0, 6, 5, d, 0, 20, 0);
	assert_int_equal(parse(&p), 0);
	assert_int_equal(m.malformed, PL_MAL_NONE);
	assert_true(m.flags & PL_F_FRAG_HDR);
	assert_false(m.flags & PL_F_MF);
	assert_int_equal(m.frag_off, 0);
	assert_true(m.flags & PL_F_L4);
	assert_int_equal(m.dport, 443);
	/* cut short it is a truncated packet, not a tiny fragment */
	pk_frag6(&p, 0, NULL, 0, 6, 5, d, 0, 8, 0);
	expect_frag_fault(parse(&p), PL_MAL_TCP_TRUNCATED);
}

/* A capture that cut a first fragment (snap length) holds less than its IP
 * length says: snapped, not tiny. The lengths decide, not the capture. */
static void test_frag_snapped_not_tiny(void **s)
{
	uint8_t d[200];
	uint8_t pre[8];
	struct pkt p;
	struct pl_pkt pk;

	(void)s;
	dg_tcp(d, 40000, 22, 0x02, 100);
	pk_frag4(&p, 6, 1, d, 0, 120, 1);
	pk = (struct pl_pkt){ p.b, p.b + 14 + 20 + 8, p.len };
	assert_int_equal(pl_parse_frame(&pk, &m), 0);
	assert_int_equal(m.malformed, PL_MAL_NONE);
	assert_true(m.flags & PL_F_SNAPPED);
	assert_false(m.flags & PL_F_L4);
	/* IPv6 with options before the fragment header, cut inside them */
	pk_opts8(pre, 44);
	pk_frag6(&p, 0, pre, 8, 6, 1, d, 0, 120, 1);
	pk = (struct pl_pkt){ p.b, p.b + 14 + 40 + 8 + 4, p.len };
	assert_int_equal(pl_parse_frame(&pk, &m), 0);
	assert_int_equal(m.malformed, PL_MAL_NONE);
	assert_true(m.flags & PL_F_SNAPPED);
	/* and cut inside the TCP header after a whole fragment header */
	pk = (struct pl_pkt){ p.b, p.b + 14 + 40 + 8 + 8 + 8, p.len };
	assert_int_equal(pl_parse_frame(&pk, &m), 0);
	assert_int_equal(m.malformed, PL_MAL_NONE);
	assert_true(m.flags & PL_F_SNAPPED);
	assert_true(m.flags & PL_F_MF);
	assert_false(m.flags & PL_F_L4);
}

/* DNS names past the kernel's PL_DNS_STEPS: the labels read are kept and
 * flagged qname_more, with no question; and a name cut by the capture is
 * flagged the same way. Before, a cut name's question was read anyway,
 * its QTYPE from the frame's second byte (pl_dns_name returned
 * pl_dns_fail's "incomplete" 1 as an offset). */
static void test_dns_long_and_cut_names(void **s)
{
	uint8_t msg[600];
	struct pl_pkt pk;
	struct pkt p;
	uint32_t len;

	(void)s;
	len = dns_long_query(msg, 40, 1);
	pk_dns_msg(&p, 40000, msg, len);
	assert_int_equal(parse(&p), 0);
	assert_int_equal(m.l7_kind, PL_L7_DNS);
	assert_int_equal(m.l7.dns.has_question, 0);
	assert_int_equal(m.l7.dns.qname_more, 1);
	assert_int_equal(m.l7.dns.qname_len, 32 * 2 - 1);       /* 32 labels read */
	assert_memory_equal(m.l7.dns.qname, "a.b.c.d", 7);
	/* 31 labels: the kernel's whole */
	len = dns_long_query(msg, 31, 1);
	pk_dns_msg(&p, 40000, msg, len);
	assert_int_equal(parse(&p), 0);
	assert_int_equal(m.l7.dns.has_question, 1);
	assert_int_equal(m.l7.dns.qname_more, 0);
	assert_int_equal(m.l7.dns.qtype, 1);
	/* 10 labels of 5, the capture cut inside the fourth */
	len = dns_long_query(msg, 10, 5);
	pk_dns_msg(&p, 40000, msg, len);
	pk = (struct pl_pkt){ p.b, p.b + 14 + 20 + 8 + 12 + 6 * 3 + 3, p.len };
	assert_int_equal(pl_parse_frame(&pk, &m), 0);
	assert_int_equal(m.malformed, PL_MAL_NONE);
	assert_true(m.flags & PL_F_SNAPPED);
	assert_int_equal(m.l7_kind, PL_L7_DNS);
	assert_int_equal(m.l7.dns.has_question, 0);
	assert_int_equal(m.l7.dns.qname_more, 1);
	assert_int_equal(m.l7.dns.qname_len, 6 * 3 - 1);
	assert_memory_equal(m.l7.dns.qname, "aaaaa.bbbbb.ccccc", 17);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dns_query),
		cmocka_unit_test(test_dns_label_overflow),
		cmocka_unit_test(test_dns_bad_label_type),
		cmocka_unit_test(test_dns_long_and_cut_names),
		cmocka_unit_test(test_http_get),
		cmocka_unit_test(test_tls_client_hello),
		cmocka_unit_test(test_tls_split_hello),
		cmocka_unit_test(test_ipv4_bad_ihl),
		cmocka_unit_test(test_ipv4_len_gt_frame),
		cmocka_unit_test(test_tcp_bad_doff),
		cmocka_unit_test(test_udp_bad_len),
		cmocka_unit_test(test_eth_truncated),
		cmocka_unit_test(test_qinq),
		cmocka_unit_test(test_ipv6_ext_chain),
		cmocka_unit_test(test_l7_wanted),
		cmocka_unit_test(test_frag_tiny_ipv4),
		cmocka_unit_test(test_frag_offset_one),
		cmocka_unit_test(test_frag_ipv6_behind_ext),
		cmocka_unit_test(test_frag_ipv6_chain_split),
		cmocka_unit_test(test_frag_ipv6_atomic),
		cmocka_unit_test(test_frag_snapped_not_tiny),
	};

	return cmocka_run_group_tests_name("parser", tests, NULL, NULL);
}
