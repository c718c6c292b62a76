/* SPDX-License-Identifier: BSD-3-Clause */
/* test_bpf.c - the real XDP program under BPF_PROG_TEST_RUN: verdicts, the
 * per-CPU counters, the flow and source tables, and the ring-buffer events
 * after crafted packets. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "collector.h"
#include "replay.h"
#include "pktlens.skel.h"
#include "../common/packets.h"
#include "../common/seen_events.h"

static struct pl_replay rp;
static struct pl_replay rpe;            /* a second instance that sends events */
static struct ring_buffer *rb;

static int on_event(void *ctx, void *data, size_t size)
{
	(void)ctx;
	seen_add(data, size);
	return 0;
}

/* Runs one frame through the event-sending instance; returns the events. */
static int run_events(const struct pkt *p, uint64_t ts)
{
	seen_reset();
	assert_int_equal(pl_replay_run(&rpe, p->b, p->len, p->len, ts, NULL, NULL), 0);
	ring_buffer__consume(rb);
	return seen.n;
}

static int setup(void **s)
{
	char err[256];
	struct pl_replay_opts eo = { .events = 1 };

	(void)s;
	if (pl_replay_open(&rp, err, sizeof(err)) ||
	    pl_replay_open_opts(&rpe, &eo, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	rb = ring_buffer__new(bpf_map__fd(rpe.skel->maps.pl_events), on_event, NULL, NULL);
	return rb ? 0 : -1;
}

static int teardown(void **s)
{
	(void)s;
	ring_buffer__free(rb);
	pl_replay_close(&rpe);
	pl_replay_close(&rp);
	return 0;
}

static unsigned long flows_in_table(void)
{
	struct pl_flow_key k, next;
	unsigned long n = 0;
	int fd = bpf_map__fd(rp.skel->maps.pl_flows);

	if (bpf_map_get_next_key(fd, NULL, &k))
		return 0;
	do {
		n++;
	} while (!bpf_map_get_next_key(fd, &k, &next) && (k = next, 1));
	return n;
}

static void test_verdict_and_counters(void **s)
{
	struct pl_counters c0, c1;
	struct pl_meta m;
	struct pkt p;
	int verdict = -1;

	(void)s;
	assert_int_equal(pl_replay_counters(&rp, &c0), 0);
	pk_dns_query(&p);
	assert_int_equal(pl_replay_run(&rp, p.b, p.len, p.len, 1000, &verdict, &m), 0);
	assert_int_equal(verdict, 2 /* XDP_PASS */);
	assert_int_equal(m.l7_kind, PL_L7_DNS);
	assert_int_equal(pl_replay_counters(&rp, &c1), 0);
	assert_int_equal(c1.packets - c0.packets, 1);
	assert_int_equal(c1.bytes - c0.bytes, p.len);
	assert_int_equal(c1.l7[PL_L7_DNS] - c0.l7[PL_L7_DNS], 1);
	assert_int_equal(c1.l4_proto[17] - c0.l4_proto[17], 1);
	assert_int_equal(c1.ethertype[PL_ETHC_IPV4] - c0.ethertype[PL_ETHC_IPV4], 1);
	assert_int_equal(c1.verdict[2] - c0.verdict[2], 1);
}

static void test_flow_table(void **s)
{
	struct pl_counters c0, c1;
	struct pkt p;
	unsigned long before;
	int i;

	(void)s;
	before = flows_in_table();
	assert_int_equal(pl_replay_counters(&rp, &c0), 0);
	pk_http_get(&p);
	for (i = 0; i < 3; i++)
		assert_int_equal(pl_replay_run(&rp, p.b, p.len, p.len, 2000 + i, NULL, NULL), 0);
	assert_int_equal(pl_replay_counters(&rp, &c1), 0);
	assert_int_equal(c1.flows_new - c0.flows_new, 1);    /* one flow, three packets */
	assert_int_equal(flows_in_table(), before + 1);
}

static void test_malformed_counted(void **s)
{
	struct pl_counters c0, c1;
	struct pl_meta m;
	struct pkt p;
	int verdict = -1;

	(void)s;
	assert_int_equal(pl_replay_counters(&rp, &c0), 0);
	pk_dns_query(&p);
	p.b[14] = 0x43;                         /* IHL 3 */
	assert_int_equal(pl_replay_run(&rp, p.b, p.len, p.len, 3000, &verdict, &m), 0);
	assert_int_equal(verdict, 2);
	assert_int_equal(m.malformed, PL_MAL_IPV4_BAD_IHL);
	assert_int_equal(pl_replay_counters(&rp, &c1), 0);
	assert_int_equal(c1.malformed[PL_MAL_IPV4_BAD_IHL] - c0.malformed[PL_MAL_IPV4_BAD_IHL], 1);
}

static void test_snapped_not_malformed(void **s)
{
	struct pl_meta m;
	struct pkt p;

	(void)s;
	pk_http_get(&p);
	/* captured 60 bytes of a longer packet: not malformed, marked snapped */
	assert_int_equal(pl_replay_run(&rp, p.b, 60, p.len, 4000, NULL, &m), 0);
	assert_int_equal(m.malformed, PL_MAL_NONE);
	assert_true(m.flags & PL_F_SNAPPED);
	assert_int_equal(m.sport, 40000);
	/* the same cut without the original length: the IP length lies */
	assert_int_equal(pl_replay_run(&rp, p.b, 60, 60, 4001, NULL, &m), 0);
	assert_int_equal(m.malformed, PL_MAL_IPV4_LEN_GT_FRAME);
}

static void test_tls_sni_in_kernel(void **s)
{
	struct pl_meta m;
	struct pkt p;

	(void)s;
	pk_tls_ch(&p);
	assert_int_equal(pl_replay_run(&rp, p.b, p.len, p.len, 5000, NULL, &m), 0);
	assert_int_equal(m.l7_kind, PL_L7_TLS);
	assert_int_equal(m.l7.tls.sni_len, 9);
	assert_memory_equal(m.l7.tls.sni, "a.example", 9);
}

static void test_events_flow_and_l7(void **s)
{
	const struct pl_ev_flow *f;
	const struct pl_ev_l7 *l;
	struct pkt p;

	(void)s;
	pk_dns_query(&p);
	p.b[34] = 0x9c;                         /* a source port no other test uses */
	run_events(&p, 7000);
	assert_int_equal(count_type(PL_EV_FLOW_NEW), 1);
	assert_int_equal(count_type(PL_EV_L7), 1);
	f = first_of(PL_EV_FLOW_NEW);
	assert_non_null(f);
	assert_int_equal(f->h.ts_ns, 7000);
	assert_int_equal(f->h.key.proto, 17);
	assert_int_equal(f->h.key.dport, 53);
	assert_int_equal(f->h.key.src[15], 1);   /* 10.0.0.1, IPv4-mapped */
	assert_int_equal(f->h.key.src[10], 0xff);
	assert_memory_equal(f->eth_src, p.b + 6, 6);
	l = first_of(PL_EV_L7);
	assert_non_null(l);
	assert_int_equal(l->kind, PL_L7_DNS);
	assert_int_equal(l->l7.dns.qname_len, 15);
	assert_memory_equal(l->l7.dns.qname, "www.example.com", 15);
	/* header 12, name 17 on the wire, type and class 4: what the
	 * tunnel detection weighs a response by */
	assert_int_equal(l->l7.dns.msg_len, 12 + 17 + 4);
	/* the same flow again: an L7 record, but no new-flow event */
	run_events(&p, 7001);
	assert_int_equal(count_type(PL_EV_FLOW_NEW), 0);
	assert_int_equal(count_type(PL_EV_L7), 1);
}

static void test_events_malformed(void **s)
{
	const struct pl_ev_malformed *e;
	struct pkt p;

	(void)s;
	pk_dns_query(&p);
	p.b[14] = 0x43;                         /* IHL 3 */
	run_events(&p, 8000);
	assert_int_equal(count_type(PL_EV_MALFORMED), 1);
	assert_int_equal(count_type(PL_EV_L7), 0);      /* nothing read past the fault */
	e = first_of(PL_EV_MALFORMED);
	assert_int_equal(e->reason, PL_MAL_IPV4_BAD_IHL);
	assert_int_equal(e->eth_proto, 0x0800);
	assert_int_equal(e->wire_len, p.len);
}

/* A ClientHello split over segments: its segments go to userspace for
 * reassembly, a bounded number of them, and only for that flow. */
static void test_events_payload_for_split_hello(void **s)
{
	const struct pl_ev_payload *e;
	uint8_t ch[300];
	uint32_t cut = 40, i;
	struct pkt p;

	(void)s;
	tls_client_hello(ch);
	pk_eth(&p, 0x0800);
	pk_ipv4(&p, 6, 20 + cut);
	pk_tcp(&p, 40777, 443, 0x18);
	pk_bytes(&p, ch, cut);
	run_events(&p, 9000);
	assert_int_equal(count_type(PL_EV_L7), 1);
	assert_int_equal(count_type(PL_EV_PAYLOAD), 1);
	e = first_of(PL_EV_PAYLOAD);
	assert_int_equal(e->len, cut);
	assert_int_equal(e->tcp_seq, 0x11223344);
	assert_memory_equal(e->data, ch, cut);
	/* the rest, and more segments than reassembly needs */
	for (i = 1; i < PL_REASM_SEGS + 2; i++) {
		pk_eth(&p, 0x0800);
		pk_ipv4(&p, 6, 20 + 10);
		pk_tcp(&p, 40777, 443, 0x18);
		pk_bytes(&p, ch + cut, 10);
		run_events(&p, 9000 + i);
		assert_int_equal(count_type(PL_EV_PAYLOAD), i < PL_REASM_SEGS ? 1 : 0);
	}
	/* a complete hello on another flow sends no payload */
	pk_tls_ch(&p);
	p.b[34] = 0x9d;
	run_events(&p, 9100);
	assert_int_equal(count_type(PL_EV_L7), 1);
	assert_int_equal(count_type(PL_EV_PAYLOAD), 0);
}

/* DNS names to the protocol's limits: the kernel decodes PL_DNS_STEPS
 * steps, a label or the root each (its verifier budget): a name of more
 * than 31 labels sends no L7 event but the
 * message's bytes, flagged PL_EVP_L7_HERE, for the collector to read it
 * whole (pl_dns.h). Before, a name of more than 32 labels gave an L7 event
 * with no query: the tunnel detection never saw it. */
static void test_events_dns_long_name(void **s)
{
	static const int labels[] = { 31, 32, 33, 40, 127 };
	const struct pl_ev_payload *e;
	uint8_t msg[600];
	uint32_t len, i;
	struct pkt p;

	(void)s;
	/* 31 labels and the root, PL_DNS_STEPS: the kernel's own record */
	len = dns_long_query(msg, 31, 1);
	pk_dns_msg(&p, 41000, msg, len);
	run_events(&p, 9500);
	assert_int_equal(count_type(PL_EV_L7), 1);
	assert_int_equal(count_type(PL_EV_PAYLOAD), 0);
	for (i = 1; i < sizeof(labels) / sizeof(labels[0]); i++) {
		len = dns_long_query(msg, labels[i], 1);
		pk_dns_msg(&p, (uint16_t)(41000 + i), msg, len);
		run_events(&p, 9500 + i);
		assert_int_equal(count_type(PL_EV_L7), 0);
		assert_int_equal(count_type(PL_EV_PAYLOAD), 1);
		e = first_of(PL_EV_PAYLOAD);
		assert_int_equal(e->l7_kind, PL_L7_DNS);
		assert_int_equal(e->l7_flags, PL_EVP_L7_HERE);
		assert_int_equal(e->len, len);
		assert_memory_equal(e->data, msg, len);
	}
	/* past 253 characters within the first 32 labels: malformed in the
	 * kernel already, a weird record, no query */
	len = dns_long_query(msg, 5, 63);
	pk_dns_msg(&p, 41100, msg, len);
	run_events(&p, 9600);
	assert_int_equal(count_type(PL_EV_MALFORMED), 1);
	assert_int_equal(count_type(PL_EV_L7) + count_type(PL_EV_PAYLOAD), 0);
}

static void test_source_table(void **s)
{
	struct pl_src_key k = { .addr = { 0 } };
	struct pl_src_val v[256];
	uint64_t flows = 0, syns = 0;
	struct pkt p;
	int i, ncpu = libbpf_num_possible_cpus();

	(void)s;
	assert_true(ncpu <= 256);
	/* three flows from one source, the first of them twice */
	for (i = 0; i < 4; i++) {
		int f = i == 3 ? 0 : i;

		pk_eth(&p, 0x0800);
		pk_ipv4(&p, 6, 20);
		p.b[29] = 77;                   /* source 10.0.0.77 */
		pk_tcp(&p, (uint16_t)(41000 + f), (uint16_t)(80 + f), f == 2 ? 0x10 : 0x02);
		assert_int_equal(pl_replay_run(&rp, p.b, p.len, p.len, 10000 + i, NULL, NULL), 0);
	}
	k.addr[10] = k.addr[11] = 0xff;
	k.addr[12] = 10;
	k.addr[15] = 77;
	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(rp.skel->maps.pl_sources), &k, v), 0);
	for (i = 0; i < ncpu; i++) {
		flows += v[i].flows;
		syns += v[i].syn_flows;
	}
	assert_int_equal(flows, 3);             /* a flow's later packets add nothing */
	assert_int_equal(syns, 2);              /* the ACK is no connection attempt */
}

/* ---- the collector's connection timers, on the program's replay clock ---- */

#define SEC_NS 1000000000ull

static void tcp_between(struct pkt *p, int reply, uint8_t flags)
{
	pk_eth(p, 0x0800);
	pk_ipv4(p, 6, 20);
	pk_tcp(p, 40000, 80, flags);
	if (reply) {                    /* 10.0.0.2:80 -> 10.0.0.1:40000 */
		p->b[29] = 2;
		p->b[33] = 1;
		p->b[34] = 0; p->b[35] = 80;
		p->b[36] = 40000 >> 8; p->b[37] = 40000 & 0xff;
	}
}

static int count_lines(const char *path, const char *needle)
{
	char line[4096];
	FILE *f = fopen(path, "r");
	int n = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		n += !needle || strstr(line, needle) != NULL;
	fclose(f);
	return n;
}

static void test_collector_close_timers(void **s)
{
	struct pl_collector_opts co = {
		.idle_timeout_ns = 60 * SEC_NS, .tcp_close_ns = 5 * SEC_NS,
		.dns_idle_ns = 10 * SEC_NS,
	};
	struct pl_replay_opts ro = { .events = 1 };
	const struct pl_collector_stats *st;
	char dir[] = "/tmp/pktlens-test-timers.XXXXXX", err[256], conn[64];
	struct pl_collector *col;
	struct ring_buffer *crb;
	struct pl_replay r;
	struct pl_sink sink;
	struct pkt p;
	int i;

	(void)s;
	assert_non_null(mkdtemp(dir));
	snprintf(conn, sizeof(conn), "%s/conn.log", dir);
	assert_int_equal(pl_replay_open_opts(&r, &ro, err, sizeof(err)), 0);
	assert_int_equal(pl_sink_open(&sink, dir, 0, err, sizeof(err)), 0);
	col = pl_collector_new(&co, &sink, bpf_map__fd(r.skel->maps.pl_flows));
	assert_non_null(col);
	crb = ring_buffer__new(bpf_map__fd(r.skel->maps.pl_events), pl_collector_on_event,
			       col, NULL);
	assert_non_null(crb);
	st = pl_collector_stats(col);

	/* a handshake and a FIN from each side at 1-2 s */
	static const struct { int reply; uint8_t flags; uint64_t ms; } tcp[] = {
		{ 0, 0x02, 1000 }, { 1, 0x12, 1001 }, { 0, 0x10, 1002 },
		{ 0, 0x11, 2000 }, { 1, 0x11, 2001 }, { 0, 0x10, 2002 },
	};
	for (i = 0; i < 6; i++) {
		tcp_between(&p, tcp[i].reply, tcp[i].flags);
		assert_int_equal(pl_replay_run(&r, p.b, p.len, p.len, tcp[i].ms * 1000000ull,
					       NULL, NULL), 0);
	}
	/* a DNS query at 3 s (UDP to port 53), an open TCP connection at 3 s */
	pk_eth(&p, 0x0800);
	pk_ipv4(&p, 17, 8 + sizeof(dns_query));
	pk_udp(&p, 5353, 53, sizeof(dns_query));
	pk_bytes(&p, dns_query, sizeof(dns_query));
	assert_int_equal(pl_replay_run(&r, p.b, p.len, p.len, 3 * SEC_NS, NULL, NULL), 0);
	tcp_between(&p, 0, 0x02);
	p.b[35] = 81;                   /* another connection: to port 81 */
	assert_int_equal(pl_replay_run(&r, p.b, p.len, p.len, 3 * SEC_NS, NULL, NULL), 0);
	ring_buffer__consume(crb);

	pl_collector_sweep(col, 6 * SEC_NS, 0);        /* 4 s after the FINs */
	assert_int_equal(st->conns_logged, 0);
	assert_int_equal(st->conns_open, 3);
	pl_collector_sweep(col, 7100 * 1000000ull, 0);  /* 5 s after: closed ends */
	assert_int_equal(st->conns_logged, 1);
	pl_collector_sweep(col, 12 * SEC_NS, 0);       /* DNS 9 s quiet: stays */
	assert_int_equal(st->conns_logged, 1);
	pl_collector_sweep(col, 13 * SEC_NS + 10, 0);  /* 10 s: DNS ends */
	assert_int_equal(st->conns_logged, 2);
	assert_int_equal(st->conns_open, 1);           /* open TCP: idle timeout */

	/* a capture going back in time: a packet older than the last sweep
	 * still counts once the analyzer says so */
	tcp_between(&p, 0, 0x02);
	p.b[35] = 81;
	assert_int_equal(pl_replay_run(&r, p.b, p.len, p.len, 12 * SEC_NS, NULL, NULL), 0);
	pl_collector_changed_since(col, 12 * SEC_NS);
	pl_collector_sweep(col, 14 * SEC_NS, 0);
	pl_collector_sweep(col, 80 * SEC_NS, 0);       /* idle since 12 s */
	assert_int_equal(st->conns_logged, 3);
	pl_sink_flush(&sink);
	assert_int_equal(count_lines(conn, NULL), 3);
	assert_int_equal(count_lines(conn, "\"conn_state\":\"SF\""), 1);
	assert_int_equal(count_lines(conn, "\"orig_pkts\":2"), 1);

	ring_buffer__free(crb);
	pl_collector_free(col);
	pl_sink_close(&sink);
	pl_replay_close(&r);
	unlink(conn);
	rmdir(dir);
}

/* The talkers table through the program's flow table: 10 sources, room
 * for 4 (docs/bounds.md). The table stays at 4, the 6 slots taken are
 * counted, and the source that sent the most is still first. */
static void test_collector_talkers_bounded(void **s)
{
	struct pl_collector_opts co = { .idle_timeout_ns = 60 * SEC_NS, .talkers_max = 4 };
	struct pl_replay_opts ro = { .events = 1 };
	const struct pl_collector_stats *st;
	char dir[] = "/tmp/pktlens-test-talkers.XXXXXX", err[256];
	uint8_t addrs[8][16];
	uint64_t pkts[8], bytes[8];
	struct pl_collector *col;
	struct pl_replay r;
	struct pl_sink sink;
	struct pkt p;
	int i;

	(void)s;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(pl_replay_open_opts(&r, &ro, err, sizeof(err)), 0);
	assert_int_equal(pl_sink_open(&sink, dir, 0, err, sizeof(err)), 0);
	col = pl_collector_new(&co, &sink, bpf_map__fd(r.skel->maps.pl_flows));
	assert_non_null(col);
	st = pl_collector_stats(col);
	for (i = 0; i < 10 + 20; i++) {
		tcp_between(&p, 0, 0x02);
		p.b[29] = (uint8_t)(i < 10 ? 100 + i : 200);    /* 10.0.0.200: 20 packets */
		assert_int_equal(pl_replay_run(&r, p.b, p.len, p.len, SEC_NS + (uint64_t)i,
					       NULL, NULL), 0);
	}
	pl_collector_sweep(col, 2 * SEC_NS, 0);
	assert_int_equal(st->top_evicted[PL_TOP_TALKERS], 11 - 4);
	assert_int_equal(pl_collector_talkers(col, addrs, pkts, bytes, 8), 4);
	assert_int_equal(addrs[0][15], 200);
	assert_int_equal(pkts[0], 20);
	pl_collector_sweep(col, 0, 1);
	pl_collector_free(col);
	pl_sink_close(&sink);
	pl_replay_close(&r);
	for (i = 0; i < 6; i++) {
		static const char *const kinds[] = { "conn", "dns", "http", "ssl", "weird", "notice" };
		char path[sizeof(dir) + 16];

		snprintf(path, sizeof(path), "%s/%s.log", dir, kinds[i]);
		unlink(path);
	}
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdict_and_counters),
		cmocka_unit_test(test_flow_table),
		cmocka_unit_test(test_malformed_counted),
		cmocka_unit_test(test_snapped_not_malformed),
		cmocka_unit_test(test_tls_sni_in_kernel),
		cmocka_unit_test(test_events_flow_and_l7),
		cmocka_unit_test(test_events_malformed),
		cmocka_unit_test(test_events_payload_for_split_hello),
		cmocka_unit_test(test_events_dns_long_name),
		cmocka_unit_test(test_source_table),
		cmocka_unit_test(test_collector_close_timers),
		cmocka_unit_test(test_collector_talkers_bounded),
	};

	return cmocka_run_group_tests_name("bpf", tests, setup, teardown);
}
