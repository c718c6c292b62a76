/* SPDX-License-Identifier: BSD-3-Clause */
/* test_egress.c - the TC egress program under BPF_PROG_TEST_RUN, loaded as
 * `pktlens run --egress` loads it: on the maps of an XDP object. Checked:
 * its verdict (no opinion: TC_ACT_UNSPEC), that it counts into the shared
 * flow table and the egress slot of the counters only, a GSO packet counted
 * as the packets it leaves as, a fragmented datagram counted in its
 * 5-tuple flow, its events (marked egress, the same key layout), and that the collector makes one connection of a query sent
 * through TC and its answer received through XDP. */
#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "collector.h"
#include "counters.h"
#include "egress.h"
#include "replay.h"
#include "sink.h"
#include "pktlens.skel.h"
#include "pktlens_tc.skel.h"
#include "../common/packets.h"
#include "../common/seen_events.h"

#define TC_ACT_UNSPEC (-1)
#define LO_IFINDEX 1            /* the test run's skb is on lo unless told otherwise */

static struct pl_replay rp;             /* the XDP object, with events */
static struct pktlens_tc_bpf *tc;
static struct ring_buffer *rb;
static int tc_fd, flows_fd, stats_fd;

/* ---- events --------------------------------------------------------------- */

static struct pl_collector *col;        /* when set, events go there instead */

static int on_event(void *ctx, void *data, size_t size)
{
	(void)ctx;
	if (col)
		return pl_collector_on_event(col, data, size);
	seen_add(data, size);
	return 0;
}

/* ---- running the TC program ------------------------------------------------ */

/* One skb through the TC program; gso_segs/gso_size as the stack would set
 * them on a GSO packet. Returns the program's return value. */
static int run_tc(const uint8_t *frame, uint32_t len, uint32_t gso_segs, uint32_t gso_size)
{
	struct __sk_buff skb;
	LIBBPF_OPTS(bpf_test_run_opts, o);

	memset(&skb, 0, sizeof(skb));
	skb.gso_segs = gso_segs;
	skb.gso_size = gso_size;
	o.data_in = frame;
	o.data_size_in = len;
	o.ctx_in = &skb;
	o.ctx_size_in = sizeof(skb);
	o.repeat = 1;
	assert_int_equal(bpf_prog_test_run_opts(tc_fd, &o), 0);
	return (int)o.retval;
}

static void drain(void)
{
	seen_reset();
	ring_buffer__consume(rb);
}

/* The flow of the packets pk_* build: 10.0.0.1 -> 10.0.0.2, IPv4-mapped. */
static void flow_key(struct pl_flow_key *k, uint8_t proto, uint16_t sport, uint16_t dport,
		     uint32_t ifindex)
{
	memset(k, 0, sizeof(*k));
	k->src[10] = k->src[11] = k->dst[10] = k->dst[11] = 0xff;
	k->src[12] = k->dst[12] = 10;
	k->src[15] = 1;
	k->dst[15] = 2;
	k->sport = sport;
	k->dport = dport;
	k->proto = proto;
	k->ip_version = 4;
	k->ifindex = ifindex;
}

/* The flow's values summed over CPUs; 0 if it is in the table. */
static int flow_get(const struct pl_flow_key *k, struct pl_flow_val *sum)
{
	int ncpu = libbpf_num_possible_cpus(), i;
	struct pl_flow_val *v = calloc((size_t)ncpu, sizeof(*v));

	assert_non_null(v);
	memset(sum, 0, sizeof(*sum));
	if (bpf_map_lookup_elem(flows_fd, k, v)) {
		free(v);
		return -1;
	}
	for (i = 0; i < ncpu; i++) {
		sum->packets += v[i].packets;
		sum->bytes += v[i].bytes;
		sum->ip_bytes += v[i].ip_bytes;
		sum->payload_bytes += v[i].payload_bytes;
		sum->tcp_flags |= v[i].tcp_flags;
	}
	free(v);
	return 0;
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
	rp.ifindex = LO_IFINDEX;        /* XDP's flows on the interface TC's are on */
	tc = pl_egress_load(rp.skel, err, sizeof(err));
	if (!tc) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	tc_fd = pl_egress_prog_fd(tc);
	flows_fd = bpf_map__fd(rp.skel->maps.pl_flows);
	stats_fd = bpf_map__fd(rp.skel->maps.pl_stats);
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

/* ---- the tests ------------------------------------------------------------- */

/* A sent TCP segment: passed on, counted in the XDP object's flow table
 * and in the egress counters, not in the ingress ones. */
static void test_counts_into_shared_maps(void **s)
{
	struct pl_counters in0, in1, eg0, eg1;
	struct pl_flow_key k;
	struct pl_flow_val v;
	struct pkt p;

	(void)s;
	pk_http_get(&p);
	p.b[34] = 0xa1;                 /* source port 0xa1xx: this test's own flow */
	flow_key(&k, 6, (uint16_t)(0xa100 | p.b[35]), 80, LO_IFINDEX);
	assert_int_equal(pl_counters_read_slot(stats_fd, PL_STATS_INGRESS, &in0), 0);
	assert_int_equal(pl_counters_read_slot(stats_fd, PL_STATS_EGRESS, &eg0), 0);
	assert_int_not_equal(flow_get(&k, &v), 0);

	assert_int_equal(run_tc(p.b, p.len, 0, 0), TC_ACT_UNSPEC);
	assert_int_equal(run_tc(p.b, p.len, 0, 0), TC_ACT_UNSPEC);

	assert_int_equal(flow_get(&k, &v), 0);
	assert_int_equal(v.packets, 2);
	assert_int_equal(v.bytes, 2 * p.len);
	assert_int_equal(v.ip_bytes, 2 * (p.len - 14));
	assert_int_equal(v.payload_bytes, 2 * (p.len - 54));
	assert_int_equal(pl_counters_read_slot(stats_fd, PL_STATS_INGRESS, &in1), 0);
	assert_int_equal(pl_counters_read_slot(stats_fd, PL_STATS_EGRESS, &eg1), 0);
	assert_int_equal(eg1.packets - eg0.packets, 2);
	assert_int_equal(eg1.bytes - eg0.bytes, 2 * p.len);
	assert_int_equal(eg1.l4_proto[6] - eg0.l4_proto[6], 2);
	assert_int_equal(eg1.flows_new - eg0.flows_new, 1);
	assert_int_equal(eg1.l7[PL_L7_HTTP] - eg0.l7[PL_L7_HTTP], 2);
	assert_int_equal(in1.packets, in0.packets);      /* not counted as arriving */
	assert_int_equal(eg1.verdict[2], eg0.verdict[2]); /* and never judged */
	drain();
}

/* A UDP datagram the host sends in three fragments counts in its 5-tuple
 * flow, all three (bpf/frag.h keys them as XDP does), in the egress
 * counters' fragment fields; a fragment whose first was not sent is an
 * orphan in the portless flow. Nothing is judged. */
static void test_fragments_keyed(void **s)
{
	static uint8_t d[8 + 2000];
	struct pl_counters eg0, eg1;
	struct pl_flow_key k;
	struct pl_flow_val v;
	struct pkt p;
	uint32_t n = dg_udp(d, 0xa2a2, 5353, 2000);

	(void)s;
	flow_key(&k, 17, 0xa2a2, 5353, LO_IFINDEX);
	assert_int_equal(pl_counters_read_slot(stats_fd, PL_STATS_EGRESS, &eg0), 0);
	pk_frag4(&p, 17, 0x7777, d, 0, 1000, 1);
	assert_int_equal(run_tc(p.b, p.len, 0, 0), TC_ACT_UNSPEC);
	pk_frag4(&p, 17, 0x7777, d, 1000, 800, 1);
	assert_int_equal(run_tc(p.b, p.len, 0, 0), TC_ACT_UNSPEC);
	pk_frag4(&p, 17, 0x7777, d, 1800, n - 1800, 0);
	assert_int_equal(run_tc(p.b, p.len, 0, 0), TC_ACT_UNSPEC);
	assert_int_equal(flow_get(&k, &v), 0);
	assert_int_equal(v.packets, 3);
	assert_int_equal(v.ip_bytes, n + 3 * 20);
	pk_frag4(&p, 17, 0x7778, d, 1000, 800, 1);     /* its first never sent */
	assert_int_equal(run_tc(p.b, p.len, 0, 0), TC_ACT_UNSPEC);
	assert_int_equal(pl_counters_read_slot(stats_fd, PL_STATS_EGRESS, &eg1), 0);
	assert_int_equal(eg1.frag_firsts - eg0.frag_firsts, 1);
	assert_int_equal(eg1.frag_found - eg0.frag_found, 2);
	assert_int_equal(eg1.frag_orphans - eg0.frag_orphans, 1);
	assert_int_equal(eg1.frag_drops, eg0.frag_drops);
	flow_key(&k, 17, 0, 0, LO_IFINDEX);
	assert_int_equal(flow_get(&k, &v), 0);
	assert_int_equal(v.packets, 1);
	drain();
}

/* A GSO packet of 3 x 1000 payload bytes counts as the 3 packets it leaves
 * as: each repeats the Ethernet, IP and TCP headers; the payload once. */
static void test_gso_counts_segments(void **s)
{
	static uint8_t big[14 + 20 + 20 + 3000];
	const uint32_t hdr = 14 + 20 + 20, ip_hdr = 20 + 20, pay = 3000;
	struct pl_counters eg0, eg1;
	struct pl_flow_key k;
	struct pl_flow_val v;
	struct pkt p;
	uint32_t i;

	(void)s;
	pk_eth(&p, 0x0800);
	pk_ipv4(&p, 6, 20 + pay);
	pk_tcp(&p, 0xa201, 5201, 0x10);
	memcpy(big, p.b, hdr);
	for (i = 0; i < pay; i++)
		big[hdr + i] = (uint8_t)(0x80 | i);     /* opaque: no L7 parser wants it */
	flow_key(&k, 6, 0xa201, 5201, LO_IFINDEX);

	assert_int_equal(pl_counters_read_slot(stats_fd, PL_STATS_EGRESS, &eg0), 0);
	assert_int_equal(run_tc(big, sizeof(big), 3, 1000), TC_ACT_UNSPEC);
	assert_int_equal(flow_get(&k, &v), 0);
	assert_int_equal(v.packets, 3);
	assert_int_equal(v.bytes, sizeof(big) + 2 * hdr);
	assert_int_equal(v.ip_bytes, 20 + 20 + pay + 2 * ip_hdr);
	assert_int_equal(v.payload_bytes, pay);
	assert_int_equal(pl_counters_read_slot(stats_fd, PL_STATS_EGRESS, &eg1), 0);
	assert_int_equal(eg1.packets - eg0.packets, 3);
	assert_int_equal(eg1.bytes - eg0.bytes, sizeof(big) + 2 * hdr);
	assert_int_equal(eg1.l4_proto[6] - eg0.l4_proto[6], 3);

	/* gso_segs not set (a guest's packet): the payload over gso_size */
	assert_int_equal(run_tc(big, sizeof(big), 0, 1400), TC_ACT_UNSPEC);
	assert_int_equal(flow_get(&k, &v), 0);
	assert_int_equal(v.packets, 3 + 3);     /* 3000 / 1400, rounded up */
	/* not GSO at all: one packet, whatever gso_segs says */
	assert_int_equal(run_tc(big, sizeof(big), 5, 0), TC_ACT_UNSPEC);
	assert_int_equal(flow_get(&k, &v), 0);
	assert_int_equal(v.packets, 3 + 3 + 1);
	drain();
}

/* A DNS query the host sends: a new-flow and an L7 event, marked egress,
 * with the key layout ingress events have. */
static void test_dns_query_event(void **s)
{
	const struct pl_ev_flow *f;
	const struct pl_ev_l7 *l;
	struct pkt p;

	(void)s;
	pk_dns_query(&p);
	p.b[34] = 0xa3;                         /* source port 0xa340 */
	drain();
	assert_int_equal(run_tc(p.b, p.len, 0, 0), TC_ACT_UNSPEC);
	drain();
	assert_int_equal(count_type(PL_EV_FLOW_NEW), 1);
	assert_int_equal(count_type(PL_EV_L7), 1);
	f = first_of(PL_EV_FLOW_NEW);
	assert_non_null(f);
	assert_true(f->h.flags & PL_EVH_EGRESS);
	assert_int_equal(f->h.key.proto, 17);
	assert_int_equal(f->h.key.sport, 0xa340);
	assert_int_equal(f->h.key.dport, 53);
	assert_int_equal(f->h.key.src[15], 1);
	assert_int_equal(f->h.key.ifindex, LO_IFINDEX);
	assert_memory_equal(f->eth_src, p.b + 6, 6);
	l = first_of(PL_EV_L7);
	assert_non_null(l);
	assert_true(l->h.flags & PL_EVH_EGRESS);
	assert_int_equal(l->kind, PL_L7_DNS);
	assert_int_equal(l->l7.dns.qr, 0);
	assert_int_equal(l->l7.dns.qname_len, 15);
	assert_memory_equal(l->l7.dns.qname, "www.example.com", 15);
	/* what XDP sends is not marked */
	assert_int_equal(pl_replay_run(&rp, p.b, p.len, p.len, 1000, NULL, NULL), 0);
	drain();
	assert_true(seen.n >= 1);
	assert_false(((const struct pl_event_hdr *)seen.data[0].b)->flags & PL_EVH_EGRESS);
}

/* A DNS name of more than the kernel's 31 labels sent by the host: the TC
 * program sends the message's bytes (PL_EVP_L7_HERE), not a record with no
 * query, as the XDP program does (test_bpf). */
static void test_dns_long_name_event(void **s)
{
	const struct pl_ev_payload *e;
	uint8_t msg[600];
	uint32_t len;
	struct pkt p;

	(void)s;
	len = dns_long_query(msg, 40, 5);
	pk_dns_msg(&p, 0xa350, msg, len);
	drain();
	assert_int_equal(run_tc(p.b, p.len, 0, 0), TC_ACT_UNSPEC);
	drain();
	assert_int_equal(count_type(PL_EV_L7), 0);
	assert_int_equal(count_type(PL_EV_PAYLOAD), 1);
	e = first_of(PL_EV_PAYLOAD);
	assert_true(e->h.flags & PL_EVH_EGRESS);
	assert_int_equal(e->l7_kind, PL_L7_DNS);
	assert_int_equal(e->l7_flags, PL_EVP_L7_HERE);
	assert_int_equal(e->len, len);
	assert_memory_equal(e->data, msg, len);
}

static uint64_t mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static int64_t field(struct json_object *r, const char *name);

/* The one record of `kind` in dir whose id.orig_p is port, parsed; NULL if
 * there is not exactly one (the final sweep logs earlier tests' flows too). */
static struct json_object *only_record(const char *dir, const char *kind, int port)
{
	char path[512], line[4096];
	struct json_object *r = NULL, *x;
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.log", dir, kind);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		x = json_tokener_parse(line);
		if (field(x, "id.orig_p") == port && !n++)
			r = x;
		else
			json_object_put(x);
	}
	fclose(f);
	if (n != 1 && r) {
		json_object_put(r);
		r = NULL;
	}
	return r;
}

static int64_t field(struct json_object *r, const char *name)
{
	struct json_object *v;

	if (!r || !json_object_object_get_ex(r, name, &v))
		return -1;
	return json_object_get_int64(v);
}

/* A query sent through TC, its answer received through XDP: one conn
 * record with both directions, one dns record with both halves, and the
 * collector needs to know nothing of where each came from. */
static void test_collector_merges_directions(void **s)
{
	struct pl_collector_opts co = { .idle_timeout_ns = 60000000000ull };
	char dir[] = "/tmp/pktlens-egress-test.XXXXXX", err[256], path[600];
	struct json_object *conn, *dns, *v;
	struct pl_sink sink;
	struct pkt q, r;
	struct dirent *d;
	DIR *dd;
	int i;

	(void)s;
	assert_non_null(mkdtemp(dir));
	memset(&sink, 0, sizeof(sink));
	assert_int_equal(pl_sink_open(&sink, dir, 0, err, sizeof(err)), 0);
	col = pl_collector_new(&co, &sink, flows_fd);
	assert_non_null(col);

	pk_dns_query(&q);
	q.b[34] = 0xa4;                         /* 10.0.0.1:0xa440 -> 10.0.0.2:53 */
	r = q;                                  /* the answer: the other way round */
	for (i = 0; i < 4; i++) {
		r.b[26 + i] = q.b[30 + i];
		r.b[30 + i] = q.b[26 + i];
	}
	memcpy(r.b + 34, q.b + 36, 2);
	memcpy(r.b + 36, q.b + 34, 2);
	r.b[42 + 2] = 0x81;                     /* QR, RD */
	r.b[42 + 3] = 0x80;                     /* RA, rcode 0 */

	assert_int_equal(run_tc(q.b, q.len, 0, 0), TC_ACT_UNSPEC);
	ring_buffer__consume(rb);
	/* after the query, on the kernel clock as live */
	assert_int_equal(pl_replay_run(&rp, r.b, r.len, r.len, mono_ns() + 1000000, NULL, NULL), 0);
	ring_buffer__consume(rb);
	pl_collector_sweep(col, mono_ns(), 1);
	pl_collector_free(col);
	col = NULL;
	pl_sink_close(&sink);

	conn = only_record(dir, "conn", 0xa440);
	assert_non_null(conn);
	assert_true(json_object_object_get_ex(conn, "id.orig_h", &v));
	assert_string_equal(json_object_get_string(v), "10.0.0.1");
	assert_int_equal(field(conn, "id.orig_p"), 0xa440);
	assert_int_equal(field(conn, "id.resp_p"), 53);
	assert_int_equal(field(conn, "orig_pkts"), 1);
	assert_int_equal(field(conn, "resp_pkts"), 1);
	assert_int_equal(field(conn, "ifindex"), LO_IFINDEX);
	dns = only_record(dir, "dns", 0xa440);
	assert_non_null(dns);
	assert_int_equal(field(dns, "rcode"), 0);       /* the answer's half */
	assert_true(json_object_object_get_ex(dns, "query", &v));
	assert_string_equal(json_object_get_string(v), "www.example.com");
	assert_true(json_object_object_get_ex(dns, "rtt", &v));
	json_object_put(conn);
	json_object_put(dns);

	dd = opendir(dir);
	while (dd && (d = readdir(dd)))
		if (d->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
			unlink(path);
		}
	if (dd)
		closedir(dd);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts_into_shared_maps),
		cmocka_unit_test(test_gso_counts_segments),
		cmocka_unit_test(test_fragments_keyed),
		cmocka_unit_test(test_dns_query_event),
		cmocka_unit_test(test_dns_long_name_event),
		cmocka_unit_test(test_collector_merges_directions),
	};

	return cmocka_run_group_tests_name("egress", tests, setup, teardown);
}
