/* SPDX-License-Identifier: BSD-3-Clause */
/* test_fragments.c - IP fragments through the real programs and the
 * collector: the XDP and TC egress programs send each fragment whole
 * (PL_EV_FRAGMENT) and no L7 of it, an IPv6 atomic fragment stays a whole
 * packet; the collector, fed by the XDP program under BPF_PROG_TEST_RUN,
 * counts a SYN in three fragments (the first too short for the TCP header,
 * arriving last) in its 5-tuple connection, reads an HTTP request from its
 * reassembled datagram, and falls back to the first fragment alone when the
 * datagram never completes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "collector.h"
#include "egress.h"
#include "replay.h"
#include "sink.h"
#include "pktlens.skel.h"
#include "pktlens_tc.skel.h"
#include "../common/packets.h"
#include "../common/seen_events.h"

static struct pl_replay rp;             /* the XDP object, with events */
static struct pktlens_tc_bpf *tc;
static struct ring_buffer *rb;
static int tc_fd;

static int on_event(void *ctx, void *data, size_t size)
{
	(void)ctx;
	seen_add(data, size);
	return 0;
}

static void run_xdp(const struct pkt *p, uint64_t ts)
{
	seen_reset();
	assert_int_equal(pl_replay_run(&rp, p->b, p->len, p->len, ts, NULL, NULL), 0);
	ring_buffer__consume(rb);
}

/* Whether the kernel has a flow with this key. */
static int flow_has(const struct pl_flow_key *k)
{
	struct pl_flow_val *v = calloc((size_t)libbpf_num_possible_cpus(), sizeof(*v));
	int found;

	assert_non_null(v);
	found = !bpf_map_lookup_elem(bpf_map__fd(rp.skel->maps.pl_flows), k, v);
	free(v);
	return found;
}

static void run_tc(const struct pkt *p)
{
	struct __sk_buff skb;
	LIBBPF_OPTS(bpf_test_run_opts, o);

	seen_reset();
	memset(&skb, 0, sizeof(skb));
	o.data_in = p->b;
	o.data_size_in = p->len;
	o.ctx_in = &skb;
	o.ctx_size_in = sizeof(skb);
	o.repeat = 1;
	assert_int_equal(bpf_prog_test_run_opts(tc_fd, &o), 0);
	ring_buffer__consume(rb);
}

static int setup(void **s)
{
	struct pl_replay_opts ro = { .events = 1 };
	char err[256];

	(void)s;
	if (pl_replay_open_opts(&rp, &ro, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	tc = pl_egress_load(rp.skel, err, sizeof(err));
	if (!tc) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	tc_fd = pl_egress_prog_fd(tc);
	rb = ring_buffer__new(bpf_map__fd(rp.skel->maps.pl_events), on_event, NULL, NULL);
	return rb ? 0 : -1;
}

static int teardown(void **s)
{
	(void)s;
	ring_buffer__free(rb);
	pl_egress_free(tc);
	pl_replay_close(&rp);
	return 0;
}

/* ---- packets ---------------------------------------------------------------- */

/* L4 datagrams (header and payload) in a struct pkt, for frag4/frag6 to cut. */
static void dgram_udp_dns(struct pkt *d, uint16_t sport)
{
	d->len = 0;
	pk_udp(d, sport, 53, sizeof(dns_query));
	pk_bytes(d, dns_query, sizeof(dns_query));
}

static void dgram_tcp(struct pkt *d, uint16_t sport, uint8_t flags, const char *payload)
{
	d->len = 0;
	pk_tcp(d, sport, 80, flags);
	if (payload)
		pk_bytes(d, payload, (uint32_t)strlen(payload));
}

/* An IPv4 fragment of d, 10.0.0.1 -> 10.0.0.2: bytes [off, off + len). */
static void frag4(struct pkt *p, uint8_t proto, uint16_t id, const struct pkt *d,
		  uint32_t off, uint32_t len, int mf)
{
	pk_eth(p, 0x0800);
	pk_ipv4(p, proto, len);
	p->b[18] = (uint8_t)(id >> 8);
	p->b[19] = (uint8_t)id;
	p->b[20] = (uint8_t)((mf ? 0x20 : 0) | (off / 8) >> 8);
	p->b[21] = (uint8_t)(off / 8);
	pk_bytes(p, d->b + off, len);
}

/* An IPv6 packet with a fragment header (next header nh, offset off, M
 * flag mf) carrying d's bytes [off, off + len). */
static void frag6(struct pkt *p, uint8_t nh, uint32_t id, const struct pkt *d,
		  uint32_t off, uint32_t len, int mf)
{
	uint8_t *h;

	pk_eth(p, 0x86dd);
	h = p->b + p->len;
	memset(h, 0, 48);
	h[0] = 0x60;
	h[4] = (uint8_t)((8 + len) >> 8);
	h[5] = (uint8_t)(8 + len);
	h[6] = 44;
	h[7] = 64;
	h[8] = 0x20; h[9] = 0x01; h[10] = 0x0d; h[11] = 0xb8; h[23] = 1;
	h[24] = 0x20; h[25] = 0x01; h[26] = 0x0d; h[27] = 0xb8; h[39] = 2;
	h[40] = nh;
	h[42] = (uint8_t)(off >> 8);
	h[43] = (uint8_t)((off & 0xf8) | (mf ? 1 : 0));
	h[44] = (uint8_t)(id >> 24); h[45] = (uint8_t)(id >> 16);
	h[46] = (uint8_t)(id >> 8); h[47] = (uint8_t)id;
	p->len += 48;
	pk_bytes(p, d->b + off, len);
}

/* ---- what the kernel sends ------------------------------------------------- */

static void test_xdp_fragment_events(void **s)
{
	const struct pl_ev_fragment *e;
	struct pl_meta m;
	struct pkt d, p;

	(void)s;
	/* a DNS query with 15 bytes after it: the first fragment holds the
	 * whole query, which the parser reads, and which the kernel must not
	 * send: userspace reads it from the whole datagram */
	dgram_udp_dns(&d, 41001);               /* 8 + 33 bytes */
	memset(d.b + d.len, 0, 15);
	d.len += 15;
	d.b[5] = (uint8_t)d.len;                /* UDP length */
	frag4(&p, 17, 0x4242, &d, 0, 48, 1);
	assert_int_equal(pl_replay_run(&rp, p.b, p.len, p.len, 999, NULL, &m), 0);
	assert_int_equal(m.l7_kind, PL_L7_DNS);
	ring_buffer__consume(rb);
	run_xdp(&p, 1000);
	assert_int_equal(count_type(PL_EV_FRAGMENT), 1);
	assert_int_equal(count_type(PL_EV_L7), 0);
	e = first_of(PL_EV_FRAGMENT);
	assert_non_null(e);
	assert_int_equal(e->h.size, sizeof(*e));
	assert_int_equal(e->h.ts_ns, 1000);
	assert_int_equal(e->h.flags, 0);
	assert_int_equal(e->h.key.sport, 41001);        /* the first fragment: ports */
	assert_int_equal(e->id, 0x4242);
	assert_int_equal(e->frag_off, 0);
	assert_int_equal(e->frag_len, 48);
	assert_int_equal(e->hdr_len, 20);
	assert_int_equal(e->cap, 68);
	assert_int_equal(e->ip_total_len, 68);
	assert_int_equal(e->wire_len, p.len);
	assert_true(e->flags & PL_F_MF);
	assert_int_equal(e->proto, 17);
	assert_int_equal(e->ip_version, 4);
	assert_int_equal(e->payload, d.len - 8);        /* UDP length - 8 */
	assert_memory_equal(e->data, p.b + 14, 68);

	frag4(&p, 17, 0x4242, &d, 48, d.len - 48, 0);
	run_xdp(&p, 1001);
	assert_int_equal(count_type(PL_EV_FRAGMENT), 1);
	e = first_of(PL_EV_FRAGMENT);
	assert_int_equal(e->frag_off, 48);
	/* the key is the flow the kernel counted it in (without ports, or with
	 * its datagram's where the kernel remembers them) */
	assert_true(flow_has(&e->h.key));
	assert_false(e->flags & PL_F_MF);
	assert_int_equal(e->payload, d.len - 48);
	assert_memory_equal(e->data, p.b + 14, 20 + d.len - 48);

	/* the whole datagram: its L7 as before, no fragment event */
	pk_eth(&p, 0x0800);
	pk_ipv4(&p, 17, d.len);
	pk_bytes(&p, d.b, d.len);
	run_xdp(&p, 1002);
	assert_int_equal(count_type(PL_EV_FRAGMENT), 0);
	assert_int_equal(count_type(PL_EV_L7), 1);
}

/* Behind a VLAN tag the IP packet starts 4 bytes later; an Ethernet pad
 * is not part of it. */
static void test_xdp_fragment_vlan_padded(void **s)
{
	const struct pl_ev_fragment *e;
	struct pkt d, p, t;

	(void)s;
	dgram_udp_dns(&d, 41002);
	frag4(&t, 17, 0x4343, &d, 8, 8, 1);     /* 42 bytes: padded to 60 on a wire */
	memcpy(p.b, t.b, 12);
	p.b[12] = 0x81; p.b[13] = 0x00; p.b[14] = 0x00; p.b[15] = 0x07;
	memcpy(p.b + 16, t.b + 12, t.len - 12);
	p.len = t.len + 4;
	memset(p.b + p.len, 0, 64 - p.len);
	p.len = 64;
	run_xdp(&p, 1100);
	assert_int_equal(count_type(PL_EV_FRAGMENT), 1);
	e = first_of(PL_EV_FRAGMENT);
	assert_int_equal(e->h.key.vlan, 7);
	assert_int_equal(e->cap, 28);
	assert_int_equal(e->data[0], 0x45);
	assert_int_equal(e->frag_off, 8);
}

/* An IPv6 atomic fragment (offset 0, M 0; RFC 6946) is a whole packet: its
 * L7 comes from the kernel; a real IPv6 fragment goes up whole. */
static void test_xdp_ipv6_atomic_and_real(void **s)
{
	const struct pl_ev_fragment *e;
	struct pkt d, p;

	(void)s;
	dgram_udp_dns(&d, 41003);
	frag6(&p, 17, 0x01020304, &d, 0, d.len, 0);
	run_xdp(&p, 1200);
	assert_int_equal(count_type(PL_EV_FRAGMENT), 0);
	assert_int_equal(count_type(PL_EV_L7), 1);
	frag6(&p, 17, 0x01020305, &d, 0, 16, 1);
	run_xdp(&p, 1201);
	assert_int_equal(count_type(PL_EV_FRAGMENT), 1);
	assert_int_equal(count_type(PL_EV_L7), 0);
	e = first_of(PL_EV_FRAGMENT);
	assert_int_equal(e->ip_version, 6);
	assert_int_equal(e->id, 0x01020305);
	assert_int_equal(e->hdr_len, 48);
	assert_int_equal(e->frag_len, 16);
	assert_int_equal(e->cap, 64);
	assert_int_equal(e->proto, 17);
}

/* What the host sends in fragments goes up the same way, marked egress. */
static void test_tc_fragment_event(void **s)
{
	const struct pl_ev_fragment *e;
	struct pkt d, p;

	(void)s;
	dgram_udp_dns(&d, 41004);               /* a query and 15 bytes more */
	memset(d.b + d.len, 0, 15);
	d.len += 15;
	d.b[5] = (uint8_t)d.len;
	frag4(&p, 17, 0x4444, &d, 48, d.len - 48, 0);
	run_tc(&p);
	assert_int_equal(count_type(PL_EV_FRAGMENT), 1);
	e = first_of(PL_EV_FRAGMENT);
	assert_int_equal(e->h.flags, PL_EVH_EGRESS);
	assert_int_equal(e->cap, 20 + d.len - 48);
	assert_memory_equal(e->data, p.b + 14, e->cap);
	frag4(&p, 17, 0x4444, &d, 0, 48, 1);    /* the whole query is in it */
	run_tc(&p);
	assert_int_equal(count_type(PL_EV_FRAGMENT), 1);
	assert_int_equal(count_type(PL_EV_L7), 0);
}

/* ---- the collector ---------------------------------------------------------- */

struct col_run {
	char dir[64], conn[96], http[96], weird[96];
	struct pl_replay r;
	struct pl_sink sink;
	struct pl_collector *col;
	struct ring_buffer *rb;
};

static void col_open(struct col_run *c)
{
	struct pl_collector_opts co = { .idle_timeout_ns = 60000000000ull };
	struct pl_replay_opts ro = { .events = 1 };
	char err[256];

	strcpy(c->dir, "/tmp/pktlens-test-frag.XXXXXX");
	assert_non_null(mkdtemp(c->dir));
	snprintf(c->conn, sizeof(c->conn), "%s/conn.log", c->dir);
	snprintf(c->http, sizeof(c->http), "%s/http.log", c->dir);
	snprintf(c->weird, sizeof(c->weird), "%s/weird.log", c->dir);
	assert_int_equal(pl_replay_open_opts(&c->r, &ro, err, sizeof(err)), 0);
	assert_int_equal(pl_sink_open(&c->sink, c->dir, 0, err, sizeof(err)), 0);
	c->col = pl_collector_new(&co, &c->sink, bpf_map__fd(c->r.skel->maps.pl_flows));
	assert_non_null(c->col);
	c->rb = ring_buffer__new(bpf_map__fd(c->r.skel->maps.pl_events), pl_collector_on_event,
				 c->col, NULL);
	assert_non_null(c->rb);
}

static void col_run(struct col_run *c, const struct pkt *p, uint64_t ts)
{
	assert_int_equal(pl_replay_run(&c->r, p->b, p->len, p->len, ts, NULL, NULL), 0);
	ring_buffer__consume(c->rb);
}

/* The end of the capture: every record out. */
static void col_finish(struct col_run *c)
{
	pl_collector_sweep(c->col, 0, 1);
	pl_sink_flush(&c->sink);
}

static void col_close(struct col_run *c)
{
	ring_buffer__free(c->rb);
	pl_collector_free(c->col);
	pl_sink_close(&c->sink);
	pl_replay_close(&c->r);
	unlink(c->conn);
	unlink(c->http);
	unlink(c->weird);
	rmdir(c->dir);
}

/* Lines of path holding every needle (NULL-terminated list). */
static int lines_with(const char *path, ...)
{
	char line[4096];
	FILE *f = fopen(path, "r");
	int n = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		const char *needle;
		int all = 1;
		va_list ap;

		va_start(ap, path);
		while ((needle = va_arg(ap, const char *)))
			all &= strstr(line, needle) != NULL;
		va_end(ap);
		n += all;
	}
	fclose(f);
	return n;
}

/* A SYN in three fragments, the first holding 8 bytes of the TCP header
 * (no ports for the kernel) and arriving last: one connection with its
 * 5-tuple, three packets and the SYN; nothing left in a portless one. */
static void test_collector_tiny_syn(void **s)
{
	struct col_run c;
	struct pkt d, p;

	(void)s;
	col_open(&c);
	dgram_tcp(&d, 40100, 0x02, NULL);
	frag4(&p, 6, 0x0101, &d, 8, 8, 1);
	col_run(&c, &p, 1000000000);
	frag4(&p, 6, 0x0101, &d, 16, 4, 0);
	col_run(&c, &p, 1000000001);
	frag4(&p, 6, 0x0101, &d, 0, 8, 1);
	col_run(&c, &p, 1000000002);
	col_finish(&c);
	assert_int_equal(lines_with(c.conn, "", NULL), 1);
	assert_int_equal(lines_with(c.conn, "\"id.orig_p\":40100", "\"id.resp_p\":80",
				   "\"orig_pkts\":3", "\"orig_ip_bytes\":80",
				   "\"conn_state\":\"S0\"", "\"history\":\"S\"",
				   "\"orig_bytes\":0", NULL), 1);
	/* nothing from the reassembly (the kernel may name the tiny fragment) */
	assert_int_equal(lines_with(c.weird, "\"source\":\"reassembly\"", NULL), 0);
	col_close(&c);
}

/* An HTTP request in two fragments: its host and URI from the whole. */
static void test_collector_http_request(void **s)
{
	struct col_run c;
	struct pkt d, p;

	(void)s;
	col_open(&c);
	dgram_tcp(&d, 40200, 0x18, http_get);
	frag4(&p, 6, 0x0202, &d, 0, 24, 1);     /* "GET " and no more */
	col_run(&c, &p, 2000000000);
	frag4(&p, 6, 0x0202, &d, 24, d.len - 24, 0);
	col_run(&c, &p, 2000000001);
	col_finish(&c);
	assert_int_equal(lines_with(c.http, "", NULL), 1);
	assert_int_equal(lines_with(c.http, "\"method\":\"GET\"", "\"host\":\"example.org\"",
				   "\"uri\":\"/index.html?q=1\"", "\"id.orig_p\":40200", NULL), 1);
	assert_int_equal(lines_with(c.conn, "\"id.orig_p\":40200", "\"orig_pkts\":2",
				   "\"service\":\"http\"", NULL), 1);
	assert_int_equal(lines_with(c.conn, "", NULL), 1);      /* no portless one */
	col_close(&c);
}

/* A datagram that never completes: what its first fragment holds (the
 * kernel read that much before), and a weird record saying why. */
static void test_collector_first_fragment_alone(void **s)
{
	struct col_run c;
	struct pkt d, p;

	(void)s;
	col_open(&c);
	dgram_tcp(&d, 40300, 0x18, http_get);
	frag4(&p, 6, 0x0303, &d, 32, 16, 1);    /* before the first: no ports */
	col_run(&c, &p, 3000000000);
	frag4(&p, 6, 0x0303, &d, 0, 24, 1);     /* a hole at [24, 32) stays */
	col_run(&c, &p, 3000000001);
	col_finish(&c);
	assert_int_equal(lines_with(c.http, "\"method\":\"GET\"", "\"id.orig_p\":40300", NULL), 1);
	assert_int_equal(lines_with(c.http, "example.org", NULL), 0);
	assert_int_equal(lines_with(c.weird, "\"name\":\"frag_timeout\"", "\"id.orig_p\":40300",
				    "\"source\":\"reassembly\"", NULL), 1);
	/* the later fragment stays where the kernel counted it: no ports */
	assert_int_equal(lines_with(c.conn, "\"id.orig_p\":0,", "\"orig_pkts\":1", NULL), 1);
	col_close(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xdp_fragment_events),
		cmocka_unit_test(test_xdp_fragment_vlan_padded),
		cmocka_unit_test(test_xdp_ipv6_atomic_and_real),
		cmocka_unit_test(test_tc_fragment_event),
		cmocka_unit_test(test_collector_tiny_syn),
		cmocka_unit_test(test_collector_http_request),
		cmocka_unit_test(test_collector_first_fragment_alone),
	};

	return cmocka_run_group_tests_name("fragments", tests, setup, teardown);
}
