/* SPDX-License-Identifier: BSD-3-Clause */
/* gen_events.c - seed inputs for fuzz_collector (collector_input.h): a few
 * short stories told in events as the kernel sends them (bpf/events.h,
 * bpf/flow.h), built from real packets run through the parser, with the
 * flow-table entries the kernel would write and sweeps in between. Built
 * and run by `make`, so the seeds always have this tree's event layout.
 *
 *   gen_events DIR    writes DIR/NAME.bin, one file per story */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse/pl_parse.h"
#include "pl_abi.h"
#include "collector_input.h"
#include "../common/packets.h"

#define SEC 1000000000ull
#define T0 (1700000000ull * SEC)

static FILE *out;

static void rec(uint8_t op, const void *b, size_t n)
{
	uint8_t h[3] = { op, (uint8_t)n, (uint8_t)(n >> 8) };

	if (n > 0xffff || fwrite(h, 1, 3, out) != 3 || (n && fwrite(b, 1, n, out) != n)) {
		fprintf(stderr, "gen_events: write failed\n");
		exit(1);
	}
}

/* A typed event record: the type, then the event from its flags on. */
static void event(const void *e, size_t size)
{
	uint8_t b[sizeof(struct pl_ev_fragment) + 1];
	const struct pl_event_hdr *h = e;

	b[0] = (uint8_t)h->type;
	memcpy(b + 1, (const uint8_t *)e + 4, size - 4);
	rec(FZC_OP_EVENT, b, size - 3);
}

static void u64_rec(uint8_t op, uint64_t v)
{
	uint8_t b[8];
	int i;

	for (i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	rec(op, b, 8);
}

static void start(const char *dir, const char *name, uint8_t scene)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s.bin", dir, name);
	out = fopen(path, "wb");
	if (!out || fwrite(&scene, 1, 1, out) != 1) {
		fprintf(stderr, "gen_events: cannot write %s\n", path);
		exit(1);
	}
}

static void finish(void)
{
	if (fclose(out)) {
		fprintf(stderr, "gen_events: write failed\n");
		exit(1);
	}
}

/* ---- the kernel's side, as bpf/flow.h and bpf/events.h do it --------------- */

static void parse(struct pkt *p, struct pl_meta *m)
{
	struct pl_pkt pk = { p->b, p->b + p->len, p->len };

	pl_parse_frame(&pk, m);
}

static void key_of(const struct pl_meta *m, struct pl_flow_key *k)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->src, m->src, 16);
	memcpy(k->dst, m->dst, 16);
	if (m->flags & PL_F_L4) {
		k->sport = m->l4_proto == 1 || m->l4_proto == 58 ? m->icmp_type : m->sport;
		k->dport = m->l4_proto == 1 || m->l4_proto == 58 ? m->icmp_code : m->dport;
	}
	k->proto = m->l4_proto;
	k->ip_version = m->ip_version;
	k->ifindex = 2;
}

static void hdr(struct pl_event_hdr *h, uint16_t type, uint16_t size, uint64_t ts,
		const struct pl_flow_key *k)
{
	h->type = type;
	h->size = size;
	h->ts_ns = ts;
	if (k)
		h->key = *k;
}

static void flow_new(const struct pl_meta *m, uint64_t ts)
{
	struct pl_ev_flow e;
	struct pl_flow_key k;

	memset(&e, 0, sizeof(e));
	key_of(m, &k);
	hdr(&e.h, PL_EV_FLOW_NEW, sizeof(e), ts, &k);
	memcpy(e.eth_src, m->eth_src, 6);
	memcpy(e.eth_dst, m->eth_dst, 6);
	e.tcp_flags = m->tcp_flags;
	e.ttl = m->ttl;
	e.tos = m->tos;
	e.frame_len = m->frame_len;
	e.flags = m->flags;
	event(&e, sizeof(e));
}

static void l7(const struct pl_meta *m, uint64_t ts)
{
	static struct pl_ev_l7 e;
	struct pl_flow_key k;

	memset(&e, 0, sizeof(e));
	key_of(m, &k);
	hdr(&e.h, PL_EV_L7, sizeof(e), ts, &k);
	e.kind = m->l7_kind;
	e.tcp_seq = m->tcp_seq;
	memcpy(&e.l7, &m->l7, sizeof(e.l7));
	event(&e, sizeof(e));
}

static void payload(const struct pl_meta *m, const uint8_t *frame, uint64_t ts)
{
	static struct pl_ev_payload e;
	struct pl_flow_key k;

	memset(&e, 0, sizeof(e));
	key_of(m, &k);
	hdr(&e.h, PL_EV_PAYLOAD, sizeof(e), ts, &k);
	e.tcp_seq = m->tcp_seq;
	e.len = m->payload_len;
	e.payload_len = m->payload_len;
	e.tcp_flags = m->tcp_flags;
	e.l7_kind = m->l7_kind;
	/* the kernel's rule (bpf/events.h): a DNS name longer than it decodes
	 * comes as these bytes, flagged, in place of the L7 event */
	e.l7_flags = m->l7_kind == PL_L7_DNS && m->l7.dns.qname_more ? PL_EVP_L7_HERE : 0;
	memcpy(e.data, frame + m->payload_off, m->payload_len);
	event(&e, sizeof(e));
}

/* The flow's entry after one more packet (one CPU's slot). */
static void flow_add(struct pl_flow_val *v, const struct pl_meta *m, uint64_t ts)
{
	if (!v->packets || ts < v->first_ns)
		v->first_ns = ts;
	if (!v->packets || m->ttl < v->ttl_min)
		v->ttl_min = m->ttl;
	if (m->ttl > v->ttl_max)
		v->ttl_max = m->ttl;
	v->packets++;
	v->bytes += m->wire_len;
	v->ip_bytes += m->ip_total_len;
	v->payload_bytes += m->payload_len;
	v->last_ns = ts;
	v->tcp_flags |= m->tcp_flags;
	v->l7_kind = m->l7_kind;
}

static void flow_write(const struct pl_meta *m, const struct pl_flow_val *v)
{
	uint8_t b[sizeof(struct pl_flow_key) + sizeof(*v)];
	struct pl_flow_key k;

	key_of(m, &k);
	memcpy(b, &k, sizeof(k));
	memcpy(b + sizeof(k), v, sizeof(*v));
	rec(FZC_OP_FLOW, b, sizeof(b));
}

/* One packet: the events it makes, and its flow's entry. */
static void packet(struct pkt *p, uint64_t ts, struct pl_flow_val *v)
{
	struct pl_meta m;

	parse(p, &m);
	if (!v->packets)
		flow_new(&m, ts);
	if (m.l7_kind != PL_L7_NONE)
		l7(&m, ts);
	flow_add(v, &m, ts);
	flow_write(&m, v);
}

/* From 10.0.0.2 to 10.0.0.1 (packets.h sends 10.0.0.1 -> 10.0.0.2). */
static void swap_ip(struct pkt *p)
{
	uint8_t t[4], *ip = p->b + 14;

	memcpy(t, ip + 12, 4);
	memcpy(ip + 12, ip + 16, 4);
	memcpy(ip + 16, t, 4);
}

static void tcp_seg(struct pkt *p, uint16_t sport, uint16_t dport, uint8_t flags, int back,
		   const void *data, uint32_t n)
{
	pk_eth(p, 0x0800);
	pk_ipv4(p, 6, 20 + n);
	pk_tcp(p, sport, dport, flags);
	if (n)
		pk_bytes(p, data, n);
	if (back)
		swap_ip(p);
}

/* ---- the stories ------------------------------------------------------------ */

/* A TCP connection with an HTTP request, closed by FIN both ways. */
static void story_http(const char *dir)
{
	struct pl_flow_val c2s = { 0 }, s2c = { 0 };
	struct pkt p;

	start(dir, "http", FZC_DETECT);
	tcp_seg(&p, 40000, 80, 0x02, 0, NULL, 0);
	packet(&p, T0, &c2s);
	tcp_seg(&p, 80, 40000, 0x12, 1, NULL, 0);
	packet(&p, T0 + 1000000, &s2c);
	tcp_seg(&p, 40000, 80, 0x10, 0, NULL, 0);
	packet(&p, T0 + 2000000, &c2s);
	pk_http_get(&p);
	packet(&p, T0 + 3000000, &c2s);
	u64_rec(FZC_OP_SWEEP, T0 + SEC);
	tcp_seg(&p, 40000, 80, 0x11, 0, NULL, 0);
	packet(&p, T0 + 2 * SEC, &c2s);
	tcp_seg(&p, 80, 40000, 0x11, 1, NULL, 0);
	packet(&p, T0 + 2 * SEC + 1000, &s2c);
	u64_rec(FZC_OP_SINCE, T0 + 2 * SEC);
	u64_rec(FZC_OP_SWEEP, T0 + 10 * SEC);
	finish();
}

/* A DNS query and its answer, then a query nobody answers. */
static void story_dns(const char *dir)
{
	struct pl_flow_val q = { 0 }, a = { 0 };
	uint8_t resp[sizeof(dns_query)];
	struct pkt p;

	start(dir, "dns", FZC_DETECT | FZC_SHORT);
	pk_dns_query(&p);
	packet(&p, T0, &q);
	memcpy(resp, dns_query, sizeof(resp));
	resp[2] = 0x81;                 /* QR, RD */
	resp[3] = 0x83;                 /* RA, NXDOMAIN */
	pk_eth(&p, 0x0800);
	pk_ipv4(&p, 17, 8 + sizeof(resp));
	pk_udp(&p, 53, 40000, sizeof(resp));
	pk_bytes(&p, resp, sizeof(resp));
	swap_ip(&p);
	packet(&p, T0 + 20000000, &a);
	pk_dns_query(&p);
	p.b[14 + 20 + 8 + 1] = 0x99;    /* another id */
	packet(&p, T0 + SEC, &q);
	u64_rec(FZC_OP_SWEEP, T0 + 30 * SEC);
	finish();
}

/* A ClientHello in two segments: an incomplete TLS event, then payload
 * events for the reassembly. */
static void story_tls_split(const char *dir)
{
	struct pl_flow_val v = { 0 };
	uint8_t ch[300];
	uint32_t n = tls_client_hello(ch), cut = 40;
	struct pl_meta m;
	struct pkt p;

	start(dir, "tls-split", 0);
	tcp_seg(&p, 40001, 443, 0x18, 0, ch, cut);
	parse(&p, &m);
	flow_new(&m, T0);
	l7(&m, T0);
	payload(&m, p.b, T0);
	flow_add(&v, &m, T0);
	tcp_seg(&p, 40001, 443, 0x18, 0, ch + cut, n - cut);
	p.b[14 + 20 + 7] += (uint8_t)cut;       /* seq + cut */
	parse(&p, &m);
	payload(&m, p.b, T0 + 1000);
	flow_add(&v, &m, T0 + 1000);
	flow_write(&m, &v);
	finish();
}

/* A SYN scan of 20 ports, a gratuitous-ARP storm, malformed packets and a
 * fragment, with thresholds low enough that the detections fire and act. */
static void story_attacks(const char *dir)
{
	static struct pl_ev_fragment fr;
	struct pl_ev_malformed mal;
	struct pl_ev_arp arp;
	struct pl_meta m;
	struct pkt p;
	int i;

	start(dir, "attacks", FZC_DETECT | FZC_LOW | FZC_ACTIONS | FZC_SHORT);
	for (i = 0; i < 20; i++) {
		struct pl_flow_val v = { 0 };

		tcp_seg(&p, 50000, (uint16_t)(i + 1), i == 7 ? 0x29 : 0x02, 0, NULL, 0);
		packet(&p, T0 + (uint64_t)i * 1000000, &v);
		if (i % 5 == 4)
			u64_rec(FZC_OP_SWEEP, T0 + (uint64_t)i * 1000000);
	}
	for (i = 0; i < 5; i++) {
		memset(&arp, 0, sizeof(arp));
		hdr(&arp.h, PL_EV_ARP, sizeof(arp), T0 + 2 * SEC + (uint64_t)i, NULL);
		arp.h.key.ifindex = 2;
		arp.op = 1;
		memcpy(arp.sha, "\x02\x00\x00\x00\x00\x09", 6);
		memcpy(arp.spa, "\x0a\x00\x00\x01", 4);
		memcpy(arp.tpa, "\x0a\x00\x00\x01", 4);
		memcpy(arp.eth_src, arp.sha, 6);
		if (i == 4)
			arp.sha[5] = 0x0a;      /* and then another MAC claims it */
		event(&arp, sizeof(arp));
	}
	memset(&mal, 0, sizeof(mal));
	tcp_seg(&p, 1, 2, 0x02, 0, NULL, 0);
	p.b[14] = 0x43;                 /* IHL 3 */
	parse(&p, &m);
	key_of(&m, &mal.h.key);
	hdr(&mal.h, PL_EV_MALFORMED, sizeof(mal), T0 + 3 * SEC, NULL);
	mal.reason = m.malformed;
	mal.flags = m.flags;
	mal.eth_proto = m.eth_proto;
	mal.frame_len = m.frame_len;
	mal.wire_len = m.wire_len;
	event(&mal, sizeof(mal));
	mal.reason = 250;               /* no such reason */
	mal.flags = PL_F_IP;
	event(&mal, sizeof(mal));
	memset(&fr, 0, sizeof(fr));
	hdr(&fr.h, PL_EV_FRAGMENT, sizeof(fr), T0 + 4 * SEC, NULL);
	fr.id = 0x1234;
	fr.frag_len = 8;
	fr.hdr_len = 20;
	fr.cap = 28;
	fr.ip_total_len = 28;
	fr.flags = PL_F_IP | PL_F_FRAGMENT | PL_F_MF;
	fr.proto = 6;
	fr.ip_version = 4;
	memcpy(fr.data, p.b + 14, 28);
	event(&fr, sizeof(fr));
	u64_rec(FZC_OP_SWEEP, T0 + 5 * SEC);
	finish();
}

/* An ICMP echo and its reply (one connection, keyed by the request's
 * type), and a TCP handshake over IPv6 on VLAN 10. */
static void story_icmp_ipv6(const char *dir)
{
	static const uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static const uint8_t b6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
	struct pl_flow_val req = { 0 }, rep = { 0 }, c2s = { 0 }, s2c = { 0 };
	uint8_t echo[16] = { 8, 0, 0, 0, 0x12, 0x34, 0, 1 }, *ip6;
	struct pkt p;
	int back;

	start(dir, "icmp-ipv6", FZC_DETECT | FZC_SHORT);
	pk_eth(&p, 0x0800);
	pk_ipv4(&p, 1, sizeof(echo));
	pk_bytes(&p, echo, sizeof(echo));
	packet(&p, T0, &req);
	echo[0] = 0;                    /* the reply */
	pk_eth(&p, 0x0800);
	pk_ipv4(&p, 1, sizeof(echo));
	pk_bytes(&p, echo, sizeof(echo));
	swap_ip(&p);
	packet(&p, T0 + 500000, &rep);
	for (back = 0; back < 2; back++) {
		pk_eth(&p, 0x8100);
		p.b[14] = 0;
		p.b[15] = 10;           /* VLAN 10 */
		p.b[16] = 0x86;
		p.b[17] = 0xdd;
		p.len = 18;
		ip6 = p.b + p.len;
		memset(ip6, 0, 40);
		ip6[0] = 0x60;
		ip6[5] = 20;            /* payload length */
		ip6[6] = 6;
		ip6[7] = 64;
		memcpy(ip6 + 8, back ? b6 : a6, 16);
		memcpy(ip6 + 24, back ? a6 : b6, 16);
		p.len += 40;
		pk_tcp(&p, back ? 443 : 50001, back ? 50001 : 443, back ? 0x12 : 0x02);
		packet(&p, T0 + SEC + (uint64_t)back * 1000, back ? &s2c : &c2s);
	}
	u64_rec(FZC_OP_SWEEP, T0 + 5 * SEC);
	finish();
}

/* Events as a broken or hostile kernel might send them: cut short,
 * oversized, lengths beyond their buffers, an unknown type. */
static void story_raw(const char *dir)
{
	static struct pl_ev_l7 e;
	struct pl_ev_flow f;
	uint8_t big[sizeof(f) + 16];
	struct pl_meta m;
	struct pkt p;

	start(dir, "raw", FZC_DETECT);
	pk_dns_query(&p);
	parse(&p, &m);
	memset(&e, 0, sizeof(e));
	key_of(&m, &e.h.key);
	hdr(&e.h, PL_EV_L7, sizeof(e), T0, NULL);
	e.kind = PL_L7_DNS;
	e.l7.dns = m.l7.dns;
	rec(FZC_OP_RAW, &e, sizeof(struct pl_event_hdr) + 8);   /* cut short */
	e.l7.dns.qname_len = 0xffff;                            /* beyond qname[] */
	event(&e, sizeof(e));
	e.kind = PL_L7_HTTP;
	e.l7.http.method_len = 255;
	e.l7.http.host_len = 255;
	e.l7.http.path_len = 0xffff;
	e.l7.http.flags = PL_HTTP_HAS_HOST;
	event(&e, sizeof(e));
	e.kind = 200;                                           /* no such kind */
	event(&e, sizeof(e));
	memset(&f, 0, sizeof(f));
	key_of(&m, &f.h.key);
	hdr(&f.h, PL_EV_FLOW_NEW, sizeof(f), T0, NULL);
	memset(big, 0xee, sizeof(big));
	memcpy(big, &f, sizeof(f));
	rec(FZC_OP_RAW, big, sizeof(big));                      /* oversized */
	f.h.type = 99;
	event(&f, sizeof(f));
	/* DNS names past the kernel's 31 labels: 40 labels, 127 (the
	 * protocol's limit), 128 (too long) and a compression pointer loop */
	{
		static const int labels[] = { 40, 127, 128, 34 };
		uint8_t msg[600];
		uint32_t len, i;

		for (i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
			len = dns_long_query(msg, labels[i], i ? 1 : 5);
			if (labels[i] == 34) {
				msg[12 + 33 * 2] = 0xc0;
				msg[12 + 33 * 2 + 1] = 12 + 33 * 2;
			}
			pk_dns_msg(&p, (uint16_t)(40100 + i), msg, len);
			parse(&p, &m);
			payload(&m, p.b, T0 + 1 + i);
		}
	}
	finish();
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: gen_events DIR\n");
		return 2;
	}
	story_http(argv[1]);
	story_dns(argv[1]);
	story_tls_split(argv[1]);
	story_attacks(argv[1]);
	story_icmp_ipv6(argv[1]);
	story_raw(argv[1]);
	return 0;
}
