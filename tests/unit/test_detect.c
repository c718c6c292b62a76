/* SPDX-License-Identifier: BSD-3-Clause */
/* test_detect.c - the detections on made-up events, through the collector
 * hooks they register: thresholds, windows, suppression, what is banned and
 * what is not, warm-up, and the settings' checks. No kernel needed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "detect.h"
#include "pl_policy.h"

#define S 1000000000ull

struct fx {
	char dir[64];
	struct pl_sink sink;
	struct pl_detect_cfg cfg;
	struct pl_detect *d;
	struct pl_collector_hooks h;
	int bans, refuse;
	uint8_t banned[16];
	uint64_t ban_ttl;
	int limits;                     /* the last limit asked for */
	uint8_t limit_dst[16], limit_proto;
	uint16_t limit_port;
	uint64_t limit_pps, limit_ttl;
	int unlimits;                   /* limits taken back */
	uint8_t unlimit_dst[16], unlimit_proto;
	uint16_t unlimit_port;
	int trusts;                     /* the last trust handed over */
	uint8_t trust_src[16], trust_dst[16];
	uint64_t trust_ttl;
	int pins, restored;             /* the last pin */
	uint8_t pin_ip[4], pin_mac[6];
	uint64_t pin_ttl;
};

static int fake_ban(void *ctx, const uint8_t addr[16], uint64_t ttl, uint32_t reason,
		    char *err, size_t errlen)
{
	struct fx *f = ctx;

	(void)reason;
	if (f->refuse) {
		snprintf(err, errlen, "allowed by the rules: not banned");
		return -1;
	}
	f->bans++;
	memcpy(f->banned, addr, 16);
	f->ban_ttl = ttl;
	return 0;
}

static int fake_limit(void *ctx, const uint8_t dst[16], uint8_t proto, uint16_t dport,
		      uint64_t pps, uint64_t ttl, uint32_t reason, char *err, size_t errlen)
{
	struct fx *f = ctx;

	(void)reason;
	(void)err;
	(void)errlen;
	f->limits++;
	memcpy(f->limit_dst, dst, 16);
	f->limit_proto = proto;
	f->limit_port = dport;
	f->limit_pps = pps;
	f->limit_ttl = ttl;
	return 0;
}

static int fake_unlimit(void *ctx, const uint8_t dst[16], uint8_t proto, uint16_t dport,
			char *err, size_t errlen)
{
	struct fx *f = ctx;

	(void)err;
	(void)errlen;
	f->unlimits++;
	memcpy(f->unlimit_dst, dst, 16);
	f->unlimit_proto = proto;
	f->unlimit_port = dport;
	return 0;
}

static void fake_trust(void *ctx, const uint8_t src[16], const uint8_t dst[16], uint64_t ttl)
{
	struct fx *f = ctx;

	f->trusts++;
	memcpy(f->trust_src, src, 16);
	memcpy(f->trust_dst, dst, 16);
	f->trust_ttl = ttl;
}

static int fake_pin(void *ctx, const uint8_t ip[4], uint32_t ifindex, uint16_t vlan,
		    const uint8_t mac[6], uint64_t ttl, uint32_t reason, int *restored,
		    char *err, size_t errlen)
{
	struct fx *f = ctx;

	(void)ifindex;
	(void)vlan;
	(void)reason;
	(void)err;
	(void)errlen;
	f->pins++;
	memcpy(f->pin_ip, ip, 4);
	memcpy(f->pin_mac, mac, 6);
	f->pin_ttl = ttl;
	*restored = f->restored;
	return 0;
}

static void addr4(uint8_t a[16], unsigned x)
{
	memset(a, 0, 16);
	a[10] = a[11] = 0xff;
	a[12] = 10;
	a[13] = (uint8_t)(x >> 16);
	a[14] = (uint8_t)(x >> 8);
	a[15] = (uint8_t)x;
}

static void start(struct fx *f)
{
	struct pl_detect_actions act = { .ctx = f, .ban = fake_ban, .limit = fake_limit,
					 .unlimit = fake_unlimit, .trust = fake_trust,
					 .pin = fake_pin };
	char err[256];

	snprintf(f->dir, sizeof(f->dir), "/tmp/pl-test-detect.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(pl_sink_open(&f->sink, f->dir, 0, err, sizeof(err)), 0);
	f->d = pl_detect_new(&f->cfg, &f->sink, 0, &act);
	assert_non_null(f->d);
	pl_detect_hooks(f->d, &f->h);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	pl_detect_cfg_defaults(&f->cfg);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	pl_detect_free(f->d);
	pl_sink_close(&f->sink);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	if (f->dir[0] && system(cmd)) {}
	free(f);
	return 0;
}

/* the notices written so far, as one string, and how many */
static int notices(struct fx *f, char *buf, size_t len)
{
	char path[128];
	FILE *in;
	size_t n;
	int lines = 0;

	pl_sink_flush(&f->sink);
	buf[0] = 0;
	snprintf(path, sizeof(path), "%s/notice.log", f->dir);
	in = fopen(path, "r");
	if (!in)
		return 0;
	n = fread(buf, 1, len - 1, in);
	buf[n] = 0;
	fclose(in);
	for (size_t i = 0; i < n; i++)
		lines += buf[i] == '\n';
	return lines;
}

static void flow_new(struct fx *f, unsigned src, unsigned dst, uint8_t proto, uint16_t sport,
		     uint16_t dport, uint16_t flags, uint64_t ts)
{
	struct pl_ev_flow e;

	memset(&e, 0, sizeof(e));
	e.h.type = PL_EV_FLOW_NEW;
	e.h.ts_ns = ts;
	addr4(e.h.key.src, src);
	addr4(e.h.key.dst, dst);
	e.h.key.proto = proto;
	e.h.key.sport = sport;
	e.h.key.dport = dport;
	e.tcp_flags = flags;
	e.flags = PL_F_IP | PL_F_L4;
	f->h.on_flow_new(f->h.ctx, &e, "Ctest");
}

static void delta(struct fx *f, unsigned src, unsigned dst, uint8_t proto, uint16_t sport,
		  uint16_t dport, uint64_t pkts, uint16_t before, uint16_t now_flags, uint64_t ts)
{
	struct pl_flow_key k;
	struct pl_flow_delta d = { .pkts = pkts, .bytes = pkts * 100, .flags_before = before,
				   .flags_now = now_flags, .first_ns = ts, .last_ns = ts };

	memset(&k, 0, sizeof(k));
	addr4(k.src, src);
	addr4(k.dst, dst);
	k.proto = proto;
	k.sport = sport;
	k.dport = dport;
	f->h.on_flow_delta(f->h.ctx, &k, &d);
}

/* a flow's growth as the collector tells it with both directions in view:
 * dir 1 is the responder's side of its connection, egress what the host
 * sent (--egress) */
static void delta_dir(struct fx *f, unsigned src, unsigned dst, uint8_t proto, uint16_t sport,
		      uint16_t dport, uint64_t pkts, uint16_t before, uint16_t now_flags,
		      uint64_t ts, uint8_t dir, uint8_t egress)
{
	struct pl_flow_key k;
	struct pl_flow_delta d = { .pkts = pkts, .bytes = pkts * 100, .flags_before = before,
				   .flags_now = now_flags, .first_ns = ts, .last_ns = ts,
				   .dir = dir, .egress = egress };

	memset(&k, 0, sizeof(k));
	addr4(k.src, src);
	addr4(k.dst, dst);
	k.proto = proto;
	k.sport = sport;
	k.dport = dport;
	f->h.on_flow_delta(f->h.ctx, &k, &d);
}

static void tick(struct fx *f, uint64_t now)
{
	f->h.on_tick(f->h.ctx, now);
}

static char buf[1 << 16];

static void test_port_scan(void **state)
{
	struct fx *f = *state;
	uint64_t t = 100 * S;
	int p;

	start(f);
	tick(f, t);
	for (p = 1; p <= 60; p++)
		flow_new(f, 3, 1, 6, 40000, (uint16_t)p, 0x02, t + (uint64_t)p * 1000000);
	tick(f, t + S);
	assert_int_equal(notices(f, buf, sizeof(buf)), 1);
	assert_non_null(strstr(buf, "\"note\":\"Scan::Port_Scan\""));
	assert_non_null(strstr(buf, "\"src\":\"10.0.0.3\""));
	assert_non_null(strstr(buf, "SYN scan"));
	assert_non_null(strstr(buf, "pktlens::ACTION_BAN"));
	assert_int_equal(f->bans, 1);
	assert_int_equal(f->ban_ttl, 3600 * S);
	/* the same scan goes on: suppressed for the window */
	for (p = 61; p <= 120; p++)
		flow_new(f, 3, 1, 6, 40000, (uint16_t)p, 0x02, t + S + (uint64_t)p * 1000000);
	tick(f, t + 2 * S);
	assert_int_equal(notices(f, buf, sizeof(buf)), 1);
	assert_int_equal(pl_detect_count(f->d, PL_NOTE_PORT_SCAN), 1);
}

static void test_answered_is_no_scan(void **state)
{
	struct fx *f = *state;
	uint64_t t = 100 * S;
	int p;

	start(f);
	tick(f, t);
	/* 60 connections to 60 ports, every one completing its handshake */
	for (p = 1; p <= 60; p++) {
		flow_new(f, 2, 1, 6, 40000, (uint16_t)p, 0x02, t + (uint64_t)p * 1000000);
		delta(f, 2, 1, 6, 40000, (uint16_t)p, 3, 0, 0x1a, t + (uint64_t)p * 1000000);
	}
	/* and 60 DNS queries from 60 ports, each answered */
	for (p = 1; p <= 60; p++) {
		flow_new(f, 2, 9, 17, (uint16_t)(30000 + p), 53, 0, t + (uint64_t)p * 1000000);
		flow_new(f, 9, 2, 17, 53, (uint16_t)(30000 + p), 0, t + (uint64_t)p * 1000000 + 1000);
	}
	tick(f, t + S);
	assert_int_equal(notices(f, buf, sizeof(buf)), 0);
}

static void test_address_scan(void **state)
{
	struct fx *f = *state;
	uint64_t t = 100 * S;
	unsigned h;

	start(f);
	tick(f, t);
	/* port 445 on 30 hosts, none answering; and 30 hosts that do answer */
	for (h = 0; h < 30; h++) {
		flow_new(f, 3, 1000 + h, 6, 40000, 445, 0x02, t + h);
		flow_new(f, 4, 2000 + h, 6, 40000, 443, 0x02, t + h);
		delta(f, 4, 2000 + h, 6, 40000, 443, 4, 0, 0x1a, t + h);
	}
	tick(f, t + S);
	assert_int_equal(notices(f, buf, sizeof(buf)), 1);
	assert_non_null(strstr(buf, "Scan::Address_Scan"));
	assert_non_null(strstr(buf, "\"src\":\"10.0.0.3\""));
	assert_non_null(strstr(buf, "at least 30 hosts"));
}

static void test_bad_flags(void **state)
{
	struct fx *f = *state;
	uint64_t t = 100 * S;
	int p;

	start(f);
	tick(f, t);
	for (p = 1; p <= 5; p++)
		flow_new(f, 3, 1, 6, 40000, (uint16_t)p, 0x29, t + (uint64_t)p);  /* XMAS */
	/* and what stacks do send: RST alone, SYN, FIN+ACK */
	flow_new(f, 4, 1, 6, 1, 2, 0x04, t);
	flow_new(f, 4, 1, 6, 1, 3, 0x11, t);
	tick(f, t + S);
	assert_int_equal(notices(f, buf, sizeof(buf)), 1);
	assert_non_null(strstr(buf, "Scan::Bad_TCP_Flags"));
	assert_non_null(strstr(buf, "XMAS"));
}

static void test_syn_flood(void **state)
{
	struct fx *f = *state;
	uint64_t t = 100 * S;
	int i;

	start(f);
	tick(f, t);
	for (i = 0; i < 1000; i++)
		flow_new(f, 3, 1, 6, (uint16_t)(1000 + i), 80, 0x02, t + (uint64_t)i * 100000);
	tick(f, t + S);
	assert_int_equal(notices(f, buf, sizeof(buf)), 1);
	assert_non_null(strstr(buf, "Flood::SYN_Flood"));
	assert_non_null(strstr(buf, "\"src\":\"10.0.0.3\""));
	assert_non_null(strstr(buf, "\"dst\":\"10.0.0.1\""));
	assert_int_equal(f->bans, 1);
}

static void test_syn_burst_answered(void **state)
{
	struct fx *f = *state;
	struct pl_detect_activity act;
	uint64_t t = 100 * S;
	int i;

	start(f);
	tick(f, t);
	/* a busy server: 1000 connections in a second, all completed */
	for (i = 0; i < 1000; i++) {
		flow_new(f, 100 + (unsigned)i % 50, 1, 6, (uint16_t)(1000 + i), 443, 0x02,
			 t + (uint64_t)i * 100000);
		delta(f, 100 + (unsigned)i % 50, 1, 6, (uint16_t)(1000 + i), 443, 5, 0, 0x1a,
		      t + (uint64_t)i * 100000);
	}
	tick(f, t + S);
	assert_int_equal(notices(f, buf, sizeof(buf)), 0);
	/* the rate was reached and the answers decided: the summary says so */
	pl_detect_activity(f->d, &act);
	assert_int_equal(act.syn_answered, 1);
	tick(f, t + 2 * S);             /* the same window: counted once */
	pl_detect_activity(f->d, &act);
	assert_int_equal(act.syn_answered, 1);
}

/* a completed handshake from src to dst: a SYN, then SYN and ACK in 3 packets */
static void handshake(struct fx *f, unsigned src, unsigned dst, uint64_t ts)
{
	flow_new(f, src, dst, 6, 5555, 80, 0x02, ts);
	delta(f, src, dst, 6, 5555, 80, 3, 0, 0x12, ts);
}

/* A full table refuses new keys, and the summary says which table. */
static void test_table_full(void **state)
{
	struct fx *f = *state;
	struct pl_detect_activity act;
	uint64_t t = 100 * S, sum = 0;
	unsigned i;

	start(f);
	tick(f, t);
	for (i = 0; i <= 65536; i++)            /* one more source than a table holds */
		handshake(f, 0x100000 + i, 1, t);
	pl_detect_activity(f->d, &act);
	assert_int_equal(act.untracked_in[PL_DT_TRUST], 1);
	assert_int_equal(act.untracked_in[PL_DT_DESTINATIONS], 0);
	assert_true(act.untracked_in[PL_DT_SOURCES] >= 1);
	assert_int_equal(act.sources, 65536);
	for (i = 0; i < PL_DT__COUNT; i++)
		sum += act.untracked_in[i];
	assert_int_equal(act.untracked, sum);
	assert_string_equal(pl_detect_table_name(PL_DT_TRUST), "trusted handshakes");
}

static void test_spoofed_flood_limited(void **state)
{
	struct fx *f = *state;
	uint64_t t = 1000 * S;
	uint8_t a[16];
	int i;

	start(f);
	tick(f, t - 800 * S);
	handshake(f, 50, 1, t - 10 * S);        /* a client of 10.0.0.1 */
	handshake(f, 51, 2, t - 10 * S);        /* of another host */
	handshake(f, 52, 1, t - 700 * S);       /* too long ago (flood-limit-trust 600) */
	delta(f, 53, 1, 6, 80, 5555, 1, 0, 0x12, t - 5 * S);   /* a lone SYN-ACK: no handshake */
	tick(f, t);
	assert_int_equal(f->trusts, 0);         /* nothing limited, nothing handed over */
	for (i = 0; i < 2000; i++)
		flow_new(f, 1000 + (unsigned)i, 1, 6, 7, 80, 0x02, t + (uint64_t)i * 100000);
	tick(f, t + S);
	assert_int_equal(notices(f, buf, sizeof(buf)), 1);
	assert_non_null(strstr(buf, "Flood::SYN_Flood"));
	assert_null(strstr(buf, "\"src\""));
	assert_non_null(strstr(buf, "spoofed or distributed"));
	assert_non_null(strstr(buf, "limit: SYNs to port 80, 100/s"));
	assert_non_null(strstr(buf, "\"pktlens::ACTION_RATE_LIMIT_DST\""));
	assert_non_null(strstr(buf, "\"limit_for\":300"));
	assert_non_null(strstr(buf, "\"limit_pps\":100"));
	assert_int_equal(f->bans, 0);
	assert_int_equal(f->limits, 1);
	addr4(a, 1);
	assert_memory_equal(f->limit_dst, a, 16);
	assert_int_equal(f->limit_proto, 6);
	assert_int_equal(f->limit_port, 80);
	assert_int_equal(f->limit_pps, 100);
	assert_int_equal(f->limit_ttl, 300 * S);
	/* the client that completed a handshake with it goes along, for the limit */
	assert_int_equal(f->trusts, 1);
	addr4(a, 50);
	assert_memory_equal(f->trust_src, a, 16);
	addr4(a, 1);
	assert_memory_equal(f->trust_dst, a, 16);
	assert_int_equal(f->trust_ttl, 300 * S);
	/* a handshake while limited (the flood goes on): handed over at
	 * once, for the rest of it */
	for (i = 0; i < 1000; i++)
		flow_new(f, 3000 + (unsigned)i, 1, 6, 7, 80, 0x02, t + S + (uint64_t)i * 1000000);
	handshake(f, 60, 1, t + 2 * S);
	tick(f, t + 2 * S);
	assert_int_equal(f->unlimits, 0);
	assert_int_equal(f->trusts, 2);
	addr4(a, 60);
	assert_memory_equal(f->trust_src, a, 16);
	assert_int_equal(f->trust_ttl, 299 * S);
	/* to another destination: not; nor once the flood is over and its
	 * limit released, or run out */
	handshake(f, 61, 2, t + 2 * S);
	tick(f, t + 3 * S);
	assert_int_equal(f->unlimits, 1);
	handshake(f, 62, 1, t + 4 * S);
	tick(f, t + 4 * S);
	handshake(f, 63, 1, t + 302 * S);
	tick(f, t + 302 * S);
	assert_int_equal(f->trusts, 2);
}

static void test_flood_few_sources_alert_only(void **state)
{
	struct fx *f = *state;
	uint64_t t = 100 * S;
	int i;

	start(f);
	tick(f, t);
	/* three sources, a third each: none to ban, too few to call spoofed */
	for (i = 0; i < 1200; i++)
		flow_new(f, 3 + (unsigned)i % 3, 1, 6, (uint16_t)(1000 + i), 80, 0x02,
			 t + (uint64_t)i * 100000);
	tick(f, t + S);
	assert_int_equal(notices(f, buf, sizeof(buf)), 1);
	assert_non_null(strstr(buf, "from ~3 sources, none above 33%; alert only"));
	assert_non_null(strstr(buf, "\"actions\":[\"Notice::ACTION_LOG\"]"));
	assert_int_equal(f->bans + f->limits, 0);
}

static void test_spoofed_flood_kinds(void **state)
{
	struct fx *f = *state;
	uint64_t t = 100 * S;
	struct pl_flow_key k;
	struct pl_flow_delta dl = { .pkts = 20, .bytes = 2000 };
	int i;

	f->cfg.syn_limit_ns = 0;                /* SYN floods: alert only */
	f->cfg.egress = 1;                      /* UDP: its answers (none) in view */
	start(f);
	tick(f, t);
	/* UDP to many ports: the limit is for any port */
	for (i = 0; i < 600; i++)
		delta(f, 1000 + (unsigned)i, 1, 17, 5000, (uint16_t)(1 + i), 20, 0, 0,
		      t + S / 2);
	/* ICMPv6 to an IPv6 host */
	memset(&k, 0, sizeof(k));
	k.dst[0] = 0x20;
	k.dst[1] = 0x01;
	k.dst[15] = 1;
	k.proto = 58;
	dl.first_ns = dl.last_ns = t + S / 2;
	for (i = 0; i < 600; i++) {
		k.src[0] = 0x20;
		k.src[14] = (uint8_t)(i >> 8);
		k.src[15] = (uint8_t)i;
		f->h.on_flow_delta(f->h.ctx, &k, &dl);
	}
	for (i = 0; i < 2000; i++)
		flow_new(f, 5000 + (unsigned)i, 9, 6, 7, 80, 0x02, t + (uint64_t)i * 100000);
	tick(f, t + S);
	assert_int_equal(notices(f, buf, sizeof(buf)), 3);
	assert_int_equal(f->limits, 2);
	assert_non_null(strstr(buf, "limit: UDP packets to it, 1000/s"));
	assert_non_null(strstr(buf, "limit: ICMP packets to it, 250/s"));
	assert_int_equal(f->limit_port, 0);
	assert_true((f->limit_proto == 58 && f->limit_pps == 250) ||
		    (f->limit_proto == 17 && f->limit_pps == 1000));
	assert_non_null(strstr(buf, "spoofed or distributed; alert only"));     /* the SYNs */
}

static void test_spoofed_flood_dry_run(void **state)
{
	struct fx *f = *state;
	uint64_t t = 100 * S;
	int i;

	f->cfg.dry_run = 1;
	start(f);
	tick(f, t);
	handshake(f, 50, 1, t - S);
	for (i = 0; i < 2000; i++)
		flow_new(f, 1000 + (unsigned)i, 1, 6, 7, 80, 0x02, t + (uint64_t)i * 100000);
	tick(f, t + S);
	assert_int_equal(notices(f, buf, sizeof(buf)), 1);
	assert_non_null(strstr(buf, "pktlens::ACTION_DRY_RUN_RATE_LIMIT_DST"));
	assert_int_equal(f->limits + f->trusts, 0);
}

static void test_udp_flood_dry_run(void **state)
{
	struct fx *f = *state;
	uint64_t t = 100 * S;

	f->cfg.dry_run = 1;
	f->cfg.egress = 1;
	start(f);
	tick(f, t);
	delta(f, 3, 1, 17, 5000, 9, 20000, 0, 0, t + S / 2);
	tick(f, t + S);
	assert_int_equal(notices(f, buf, sizeof(buf)), 1);
	assert_non_null(strstr(buf, "Flood::UDP_Flood"));
	assert_non_null(strstr(buf, "pktlens::ACTION_DRY_RUN_BAN"));
	assert_int_equal(f->bans, 0);
}

static void test_ban_refused(void **state)
{
	struct fx *f = *state;
	uint64_t t = 100 * S;

	f->refuse = 1;
	start(f);
	tick(f, t);
	delta(f, 3, 1, 1, 8, 0, 5000, 0, 0, t + S / 2);
	tick(f, t + S);
	assert_int_equal(notices(f, buf, sizeof(buf)), 1);
	assert_non_null(strstr(buf, "Flood::ICMP_Flood"));
	assert_non_null(strstr(buf, "pktlens::ACTION_BAN_REFUSED"));
	assert_non_null(strstr(buf, "allowed by the rules"));
}

/* A DNS message between client src and server 53: a query, or (msg_len >
 * 0) the server's response of msg_len bytes with ancount answers. */
static void dns_msg(struct fx *f, unsigned src, const char *name, uint16_t qtype, uint64_t ts,
		    uint16_t msg_len, uint16_t ancount)
{
	struct pl_flow_key k;
	struct pl_dns q;
	size_t n = strlen(name);

	memset(&k, 0, sizeof(k));
	memset(&q, 0, sizeof(q));
	addr4(msg_len ? k.dst : k.src, src);
	addr4(msg_len ? k.src : k.dst, 53);
	k.proto = 17;
	k.sport = msg_len ? 53 : 33333;
	k.dport = msg_len ? 33333 : 53;
	q.has_question = 1;
	q.qr = msg_len > 0;
	q.ancount = ancount;
	q.qtype = qtype;
	q.qclass = 1;
	q.qname_len = (uint16_t)(n < PL_DNS_NAME_BUF ? n : PL_DNS_NAME_BUF - 1);
	memcpy(q.qname, name, q.qname_len);
	/* a query: its header, name on the wire, type and class */
	q.msg_len = msg_len ? msg_len : (uint16_t)(12 + q.qname_len + 2 + 4);
	f->h.on_dns(f->h.ctx, ts, &k, &q, "Cdns");
}

static void dns_query(struct fx *f, unsigned src, const char *name, uint16_t qtype, uint64_t ts)
{
	dns_msg(f, src, name, qtype, ts, 0, 0);
}

/* The response to a query of name carrying `data` bytes past the question. */
static void dns_reply(struct fx *f, unsigned src, const char *name, uint16_t qtype, uint64_t ts,
		      unsigned data)
{
	dns_msg(f, src, name, qtype, ts, (uint16_t)(12 + strlen(name) + 2 + 4 + data), 1);
}

/* n characters of alphabet a (random), at out */
static void rnd_label(char *out, int n, const char *a)
{
	size_t m = strlen(a);

	for (int i = 0; i < n; i++)
		out[i] = a[(size_t)rand() % m];
	out[n] = 0;
}

static const char b32[] = "abcdefghijklmnopqrstuvwxyz012345";

/* A fresh detector (f->cfg as it is now), sink and notice log. */
static void restart(struct fx *f)
{
	char cmd[128];

	pl_detect_free(f->d);
	pl_sink_close(&f->sink);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	if (system(cmd)) {}
	f->bans = 0;
	start(f);
}

static void test_dns_tunnel(void **state)
{
	struct fx *f = *state;
	uint64_t t = 100 * S;
	char name[200];
	int i;

	start(f);
	/* ordinary names: many queries, few names */
	for (i = 0; i < 50; i++) {
		dns_query(f, 2, "www.example.com", 1, t + (uint64_t)i);
		dns_query(f, 2, "mail.example.com", 28, t + (uint64_t)i);
		dns_query(f, 2, "4.3.2.1.in-addr.arpa", 12, t + (uint64_t)i);
	}
	assert_int_equal(notices(f, buf, sizeof(buf)), 0);
	/* a tunnel: long, random labels of type NULL, nobody else's domain */
	srand(7);
	for (i = 0; i < 12; i++) {
		rnd_label(name, 50, b32);
		snprintf(name + 50, sizeof(name) - 50, ".t.tunnel.example.co.uk");
		dns_query(f, 3, name, 10, t + S + (uint64_t)i);
	}
	assert_int_equal(notices(f, buf, sizeof(buf)), 1);
	assert_non_null(strstr(buf, "DNS::Tunneling"));
	assert_non_null(strstr(buf, "under example.co.uk"));
	assert_non_null(strstr(buf, "\"src\":\"10.0.0.3\""));
	assert_non_null(strstr(buf, "\"uid\":\"Cdns\""));
	assert_non_null(strstr(buf, "score 6 (names carry data +3, unusual types +1, long "
				    "names +1, no other host +1): ban at 6"));
	assert_int_equal(f->bans, 1);
}

/* Unusual types alone are no tunnel (a type nobody registered is one
 * point); the notice names the type when it comes. */
static void test_dns_odd_types(void **state)
{
	struct fx *f = *state;
	uint64_t t = 100 * S;
	int i;

	start(f);
	for (i = 0; i < 20; i++)
		dns_query(f, 3, "a.b.t.example.net", 10, t + (uint64_t)i);  /* NULL */
	assert_int_equal(notices(f, buf, sizeof(buf)), 0);
	f->cfg.dns_notice_score = 2;    /* unusual types, no other host */
	restart(f);
	for (i = 0; i < 10; i++)
		dns_query(f, 3, "a.b.t.example.net", 10, t + (uint64_t)i);
	assert_int_equal(notices(f, buf, sizeof(buf)), 1);
	assert_non_null(strstr(buf, "10 of unusual types (NULL)"));
	assert_non_null(strstr(buf, "score 2 (unusual types +1, no other host +1): "
				    "informational at 2"));
	assert_int_equal(f->bans, 0);
}

/* dnsperf against a DNS server, as the issue found it: 200 ordinary names
 * hostN.bench.test, short and plain, asked at 20,000/s from one client for
 * 30 s of event time, every one answered (an A record). Then a name file
 * that never repeats: 5,000 unique names in 20 s. Neither is a tunnel:
 * no notice, no ban. */
static void test_dns_busy_client(void **state)
{
	struct fx *f = *state;
	uint64_t t = 100 * S, ts;
	char name[64];
	int i;

	start(f);
	for (i = 0; i < 600000; i++) {
		snprintf(name, sizeof(name), "host%d.bench.test", 1 + i % 200);
		ts = t + (uint64_t)i * 50000;   /* 20,000 queries/s */
		dns_query(f, 2, name, 1, ts);
		dns_reply(f, 2, name, 1, ts + 100000, 16);
	}
	assert_int_equal(notices(f, buf, sizeof(buf)), 0);
	for (i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "n%d.names.bench.test", i);
		ts = t + 31 * S + (uint64_t)i * 4000000;        /* 250/s */
		dns_query(f, 4, name, 1, ts);
		dns_reply(f, 4, name, 1, ts + 100000, 16);
	}
	assert_int_equal(notices(f, buf, sizeof(buf)), 0);
	assert_int_equal(f->bans, 0);
}

/* A mail server checks every connecting address against a DNS blocklist:
 * reversed IPv4 and IPv6 (32 nibbles, 63 characters) addresses under the
 * list's zone, each asked once, for a minute; listed ones get a TXT
 * lookup with the reason. Many unique, long-ish names nobody else asks
 * (weak signs, 3 points): no notice, no ban. */
static void test_dns_blocklist(void **state)
{
	struct fx *f = *state;
	uint64_t t = 100 * S, ts;
	char name[160], nib[80];
	int i, j, p;

	start(f);
	srand(11);
	for (i = 0; i < 3000; i++) {
		ts = t + (uint64_t)i * 20000000;        /* 50/s for 60 s */
		if (i % 4) {
			for (j = p = 0; j < 32; j++)
				p += snprintf(nib + p, sizeof(nib) - (size_t)p, "%x.", rand() % 16);
			snprintf(name, sizeof(name), "%szen.spamhaus.org", nib);
		} else {
			snprintf(name, sizeof(name), "%d.%d.%d.%d.zen.spamhaus.org", rand() % 256,
				 rand() % 256, rand() % 256, 1 + rand() % 254);
		}
		dns_query(f, 5, name, 1, ts);
		dns_reply(f, 5, name, 1, ts + 1000000, i % 10 ? 0 : 16);
		if (i % 10 == 0) {              /* listed: why */
			dns_query(f, 5, name, 16, ts + 2000000);
			dns_reply(f, 5, name, 16, ts + 3000000, 90);
		}
	}
	assert_int_equal(notices(f, buf, sizeof(buf)), 0);
	assert_int_equal(f->bans, 0);
}

/* Service discovery: SRV and A lookups of many services, answered with
 * several targets each (big SRV answers). Under cluster.local (multicast
 * DNS's .local, left out) nothing is counted; under a cluster domain of
 * its own the answers carry data, as a tunnel's would, but the names do
 * not: informational at most, never a ban. */
static void test_dns_service_discovery(void **state)
{
	static const char *const zones[] = { "svc.cluster.local", "svc.k8s.example.com" };
	struct fx *f = *state;
	uint64_t t = 100 * S, ts;
	char name[160];
	int i, z;

	start(f);
	for (z = 0; z < 2; z++) {
		for (i = 0; i < 4000; i++) {
			ts = t + (uint64_t)z * 100 * S + (uint64_t)i * 10000000;   /* 100/s */
			snprintf(name, sizeof(name), "_http._tcp.app-%d.ns-%d.%s", i % 300,
				 i % 7, zones[z]);
			dns_query(f, 6, name, 33, ts);
			dns_reply(f, 6, name, 33, ts + 500000, 240);
			snprintf(name, sizeof(name), "app-%d.ns-%d.%s", i % 300, i % 7, zones[z]);
			dns_query(f, 6, name, 1, ts + 1000000);
			dns_reply(f, 6, name, 1, ts + 1500000, 48);
		}
		if (z == 0)
			assert_int_equal(notices(f, buf, sizeof(buf)), 0);
	}
	assert_int_equal(f->bans, 0);
	if (notices(f, buf, sizeof(buf)))
		assert_null(strstr(buf, "ACTION_BAN"));
}

/* iodine: upstream data in long labels of base32 (or base128: bytes
 * above 127), polls between them, NULL queries, and NULL responses
 * carrying the data back. Ingress only (no responses seen), and with
 * them. Both a notice with a ban. */
static void test_dns_iodine(void **state)
{
	static const char b128[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
				   "\xbc\xbd\xbe\xbf\xc0\xc1\xc2\xc3\xc4\xc5\xc6\xc7\xc8\xc9\xca\xcb"
				   "\xcc\xcd\xce\xcf\xd0\xd1\xd2\xd3\xd4\xd5\xd6\xd7\xd8\xd9\xda\xdb";
	struct fx *f = *state;
	uint64_t t = 100 * S, ts;
	char name[300], l[4][64];
	int i, v;

	srand(3);
	for (v = 0; v < 3; v++) {       /* base32, ingress only; base128; with responses */
		if (v)
			restart(f);
		else
			start(f);
		for (i = 0; i < 100; i++) {
			ts = t + (uint64_t)i * 50000000;        /* 20/s, 5 s */
			if (i % 2) {            /* a poll */
				rnd_label(l[0], 6, b32);
				snprintf(name, sizeof(name), "p%s.t.pktlens.test", l[0]);
			} else {
				for (int j = 0; j < 4; j++)
					rnd_label(l[j], j < 3 ? 57 : 20, v == 1 ? b128 : b32);
				snprintf(name, sizeof(name), "%s.%s.%s.%s.t.pktlens.test", l[0], l[1],
					 l[2], l[3]);
			}
			/* with the responses: TXT, not an unusual type, so that
			 * it is the data coming back that makes the ban */
			dns_query(f, 7, name, v == 2 ? 16 : 10, ts);
			if (v == 2)
				dns_reply(f, 7, name, 16, ts + 1000000, i % 2 ? 900 : 200);
		}
		/* with the responses: informational first (data back, long
		 * names, nobody else's), then the ban as the names add up */
		assert_int_equal(notices(f, buf, sizeof(buf)), v == 2 ? 2 : 1);
		assert_non_null(strstr(buf, "DNS::Tunneling"));
		assert_non_null(strstr(buf, "under pktlens.test"));
		assert_non_null(strstr(buf, "names carry data"));
		assert_non_null(strstr(buf, "pktlens::ACTION_BAN"));
		if (v == 2)
			assert_non_null(strstr(buf, "responses carry data"));
		assert_int_equal(f->bans, 1);
	}
}

/* A slow tunnel: one query of high-entropy labels every 4 s (A records,
 * short enough not to look long): names carry data, nobody else asks
 * there. A notice, informational: no ban on that alone. */
static void test_dns_slow_tunnel(void **state)
{
	struct fx *f = *state;
	uint64_t t = 100 * S;
	char name[128], l[2][40];
	int i;

	start(f);
	srand(5);
	for (i = 0; i < 15; i++) {
		rnd_label(l[0], 26, b32);
		rnd_label(l[1], 8, b32);
		snprintf(name, sizeof(name), "%s.%s.x.exfil.example.net", l[0], l[1]);
		dns_query(f, 8, name, 1, t + (uint64_t)i * 4 * S);
	}
	assert_int_equal(notices(f, buf, sizeof(buf)), 1);
	assert_non_null(strstr(buf, "under example.net"));
	assert_non_null(strstr(buf, "score 4 (names carry data +3, no other host +1): "
				    "informational at 4"));
	assert_null(strstr(buf, "ACTION_BAN"));
	assert_int_equal(f->bans, 0);
}

/* n unique names NAME-i.BASE from src, qtype A, at ts */
static void dns_names(struct fx *f, unsigned src, const char *base, int n, uint64_t ts)
{
	char name[200];
	int i;

	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "host%d.%s", i, base);
		dns_query(f, src, name, 1, ts + (uint64_t)i);
	}
}

/* The tests of how names are grouped count on weak signs: two of them
 * (40 unique names, even in a burst, or 10 of unusual types; and no other
 * host asking under the domain) raise a notice. */
static void weak_signs_notice(struct fx *f)
{
	f->cfg.dns_notice_score = 2;
	f->cfg.dns_sustain_ns = 0;
}

/* The names remembered for dns-subdomains are bounded all domains
 * together, not only per domain: 6800 domains x 39 names (one short of
 * the notice each) pass the 262144 names held; the rest are counted, and
 * no domain is judged on a name it could not remember. */
static void test_dns_names_bounded(void **state)
{
	struct fx *f = *state;
	struct pl_detect_activity act;
	uint64_t t = 100 * S;
	char base[64];
	int i;

	start(f);
	for (i = 0; i < 6800; i++) {
		snprintf(base, sizeof(base), "d%d.com", i);
		dns_names(f, 3, base, 39, t + (uint64_t)i * 100);
	}
	pl_detect_activity(f->d, &act);
	assert_int_equal(act.untracked_in[PL_DT_DNS_NAMES], 6800 * 39 - 262144);
	assert_int_equal(act.untracked_in[PL_DT_DNS], 0);
	assert_int_equal(notices(f, buf, sizeof(buf)), 0);
	assert_string_equal(pl_detect_table_name(PL_DT_DNS_NAMES), "DNS names");
}

/* Names are grouped by registrable domain (the public suffix list), not by
 * their last labels: everyone's domain under co.uk, me.uk or github.io is
 * its own. */
static void test_dns_registrable_domain(void **state)
{
	struct fx *f = *state;
	uint64_t t = 100 * S;

	weak_signs_notice(f);
	start(f);
	/* 30 + 30 unique names: 60 under co.uk, but 30 under each domain */
	dns_names(f, 3, "alice.co.uk", 30, t);
	dns_names(f, 3, "bob.co.uk", 30, t);
	dns_names(f, 3, "x.carol.me.uk", 30, t);
	dns_names(f, 3, "y.dave.me.uk", 30, t);
	dns_names(f, 3, "erin.github.io", 30, t);
	dns_names(f, 3, "frank.github.io", 30, t);
	assert_int_equal(notices(f, buf, sizeof(buf)), 0);
	/* a.example.co.uk and b.example.co.uk are one registrable domain:
	 * their names add up (40 = dns-subdomains), named by that domain */
	dns_names(f, 3, "a.example.co.uk", 20, t + S);
	assert_int_equal(notices(f, buf, sizeof(buf)), 0);
	dns_names(f, 3, "b.example.co.uk", 20, t + S);
	assert_int_equal(notices(f, buf, sizeof(buf)), 1);
	assert_non_null(strstr(buf, "names under example.co.uk in"));
	assert_non_null(strstr(buf, "40+ unique"));
	assert_null(strstr(buf, "under co.uk"));
}

/* A name that is itself a public suffix has no registrable domain: it is
 * not counted. A registrable domain asked for itself is counted under it. */
static void test_dns_public_suffix_names(void **state)
{
	static const char *const suffixes[] = { "co.uk", "uk", "com", "github.io",
						"xn--p1ai", "com.", "localhost", "" };
	struct fx *f = *state;
	uint64_t t = 100 * S;
	size_t i;
	int j;

	weak_signs_notice(f);
	start(f);
	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++)
		for (j = 0; j < 20; j++)
			dns_query(f, 3, suffixes[i], 10, t + (uint64_t)j);       /* NULL */
	assert_int_equal(notices(f, buf, sizeof(buf)), 0);
	for (j = 0; j < 10; j++)
		dns_query(f, 3, "example.co.uk", 10, t + S + (uint64_t)j);
	assert_int_equal(notices(f, buf, sizeof(buf)), 1);
	assert_non_null(strstr(buf, "names under example.co.uk in"));
	assert_non_null(strstr(buf, "10 of unusual types (NULL)"));
}

/* Internationalised names travel as punycode (xn--) labels: the list knows
 * IDN suffixes in that form, two-level ones too (xn--12c1fe0br.xn--o3cw4h,
 * Thai academic); case does not matter. */
static void test_dns_idn(void **state)
{
	struct fx *f = *state;
	uint64_t t = 100 * S;

	weak_signs_notice(f);
	start(f);
	dns_names(f, 3, "a.xn--12c1fe0br.xn--o3cw4h", 30, t);
	dns_names(f, 3, "b.xn--12c1fe0br.xn--o3cw4h", 30, t);
	assert_int_equal(notices(f, buf, sizeof(buf)), 0);
	dns_names(f, 4, "t.xn--e1afmkfd.xn--p1ai", 20, t);
	dns_names(f, 4, "u.XN--E1AFMKFD.XN--P1AI", 20, t + 100);
	assert_int_equal(notices(f, buf, sizeof(buf)), 1);
	assert_non_null(strstr(buf, "names under xn--e1afmkfd.xn--p1ai in"));
	assert_non_null(strstr(buf, "\"src\":\"10.0.0.4\""));
}

/* A trailing dot (the root) changes nothing: the same name, the same
 * domain. */
static void test_dns_trailing_dot(void **state)
{
	struct fx *f = *state;
	uint64_t t = 100 * S;
	char name[64];
	int i;

	weak_signs_notice(f);
	start(f);
	/* 30 names, each asked with and without the dot: 30 unique, not 60 */
	for (i = 0; i < 30; i++) {
		snprintf(name, sizeof(name), "h%d.example.org", i);
		dns_query(f, 3, name, 1, t + (uint64_t)i);
		snprintf(name, sizeof(name), "h%d.example.org.", i);
		dns_query(f, 3, name, 1, t + (uint64_t)i);
	}
	assert_int_equal(notices(f, buf, sizeof(buf)), 0);
	for (i = 0; i < 10; i++)
		dns_query(f, 3, "x.example.org.", 10, t + S + (uint64_t)i);
	assert_int_equal(notices(f, buf, sizeof(buf)), 1);
	assert_non_null(strstr(buf, "asked 70 names under example.org in"));
	assert_non_null(strstr(buf, "31 unique"));
}

static void arp(struct fx *f, uint16_t op, const uint8_t mac[6], unsigned spa, unsigned tpa,
		uint64_t ts)
{
	struct pl_ev_arp e;

	memset(&e, 0, sizeof(e));
	e.h.type = PL_EV_ARP;
	e.h.ts_ns = ts;
	e.op = op;
	memcpy(e.sha, mac, 6);
	memcpy(e.eth_src, mac, 6);
	e.spa[0] = 10;
	e.spa[3] = (uint8_t)spa;
	e.tpa[0] = 10;
	e.tpa[3] = (uint8_t)tpa;
	f->h.on_arp(f->h.ctx, &e);
}

static void test_arp(void **state)
{
	static const uint8_t good[6] = { 2, 0, 0, 0, 0, 2 }, bad[6] = { 2, 0, 0, 0, 0, 3 },
			     zero[6] = { 0 };
	struct fx *f = *state;
	uint64_t t = 100 * S;
	int i;

	start(f);
	arp(f, 1, good, 2, 1, t);               /* 10.0.0.2 is-at good */
	arp(f, 1, bad, 3, 1, t);                /* the attacker's own */
	arp(f, 1, zero, 2, 1, t);               /* nothing claimed */
	arp(f, 1, good, 2, 1, t + 1);
	assert_int_equal(notices(f, buf, sizeof(buf)), 0);
	arp(f, 2, bad, 2, 1, t + S);            /* the lie */
	arp(f, 2, bad, 2, 1, t + 2 * S);        /* again: suppressed */
	assert_int_equal(notices(f, buf, sizeof(buf)), 1);
	assert_non_null(strstr(buf, "ARP::Binding_Changed"));
	assert_non_null(strstr(buf, "\"src_mac\":\"02:00:00:00:00:03\""));
	assert_non_null(strstr(buf, "\"src\":\"10.0.0.3\""));
	assert_non_null(strstr(buf, "\"dst\":\"10.0.0.1\""));
	assert_null(strstr(buf, "ACTION_BAN"));
	for (i = 0; i < 20; i++)
		arp(f, 1, bad, 9, 9, t + 3 * S + (uint64_t)i);
	assert_int_equal(notices(f, buf, sizeof(buf)), 2);
	assert_non_null(strstr(buf, "ARP::Gratuitous_Storm"));
}

static void test_arp_pin(void **state)
{
	static const uint8_t good[6] = { 2, 0, 0, 0, 0, 2 }, bad[6] = { 2, 0, 0, 0, 0, 3 };
	struct fx *f = *state;
	uint64_t t = 100 * S;

	f->restored = 1;
	start(f);
	arp(f, 1, good, 2, 1, t);               /* 10.0.0.2 is-at good: established */
	arp(f, 2, bad, 2, 1, t + S);            /* the lie */
	assert_int_equal(notices(f, buf, sizeof(buf)), 1);
	assert_non_null(strstr(buf, "pinned to the established MAC"));
	assert_non_null(strstr(buf, "\"pktlens::ACTION_PIN_ARP\""));
	assert_non_null(strstr(buf, "\"pinned_mac\":\"02:00:00:00:00:02\""));
	assert_non_null(strstr(buf, "\"pin_for\":600"));
	assert_non_null(strstr(buf, "\"neigh_restored\":true"));
	assert_int_equal(f->pins, 1);
	assert_memory_equal(f->pin_mac, good, 6);
	assert_int_equal(f->pin_ip[0], 10);
	assert_int_equal(f->pin_ip[3], 2);
	assert_int_equal(f->pin_ttl, 600 * S);
	/* the owner speaks: its binding was kept, nothing to say */
	arp(f, 2, good, 2, 1, t + 2 * S);
	assert_int_equal(notices(f, buf, sizeof(buf)), 1);
	/* the lie after the window: the owner spoke since, the pin is renewed */
	arp(f, 2, bad, 2, 1, t + 20 * S);
	assert_int_equal(notices(f, buf, sizeof(buf)), 2);
	assert_int_equal(f->pins, 2);
	/* the owner silent since: not renewed, then taken once it runs out */
	arp(f, 2, bad, 2, 1, t + 40 * S);
	assert_int_equal(notices(f, buf, sizeof(buf)), 3);
	assert_non_null(strstr(buf, "pin not renewed: the pinned MAC has been silent since"));
	assert_int_equal(f->pins, 2);
	arp(f, 2, bad, 2, 1, t + 621 * S);
	assert_int_equal(notices(f, buf, sizeof(buf)), 4);
	assert_non_null(strstr(buf, "taken: the pinned MAC was silent through its pin"));
	assert_int_equal(f->pins, 2);
	arp(f, 2, bad, 2, 1, t + 640 * S);      /* the new binding: nothing to say */
	assert_int_equal(notices(f, buf, sizeof(buf)), 4);
}

static void test_arp_pin_dry_run(void **state)
{
	static const uint8_t good[6] = { 2, 0, 0, 0, 0, 2 }, bad[6] = { 2, 0, 0, 0, 0, 3 };
	struct fx *f = *state;
	uint64_t t = 100 * S;

	f->cfg.dry_run = 1;
	start(f);
	arp(f, 1, good, 2, 1, t);
	arp(f, 2, bad, 2, 1, t + S);
	arp(f, 2, good, 2, 1, t + 20 * S);      /* kept as if pinned: no change back */
	assert_int_equal(notices(f, buf, sizeof(buf)), 1);
	assert_non_null(strstr(buf, "pktlens::ACTION_DRY_RUN_PIN_ARP"));
	assert_int_equal(f->pins, 0);
}

static void test_arp_pin_off(void **state)
{
	static const uint8_t good[6] = { 2, 0, 0, 0, 0, 2 }, bad[6] = { 2, 0, 0, 0, 0, 3 };
	struct fx *f = *state;
	uint64_t t = 100 * S;

	/* arp-pin 0: alert only, the new binding taken */
	f->cfg.arp_pin_ns = 0;
	start(f);
	arp(f, 1, good, 2, 1, t);
	arp(f, 2, bad, 2, 1, t + S);
	arp(f, 2, good, 2, 1, t + 20 * S);      /* a change back */
	assert_int_equal(notices(f, buf, sizeof(buf)), 2);
	assert_non_null(strstr(buf, "; alert only"));
	assert_null(strstr(buf, "PIN_ARP"));
	assert_int_equal(f->pins, 0);
}

static void test_baseline_warmup(void **state)
{
	struct fx *f = *state;
	struct pl_detect_activity act;
	uint64_t t = 100 * S;
	int i;

	f->cfg.base_interval_ns = S;
	f->cfg.base_warmup_ns = 10 * S;
	f->cfg.base_min_pps = 100;
	f->cfg.udp_rate = 1e9;          /* floods out of the way */
	start(f);
	tick(f, t);
	for (i = 1; i <= 40; i++) {
		/* 10 packets/s, and 2000 at second 5 (warm-up) and at second 30 */
		uint64_t n = (i == 5 || i == 30) ? 2000 : 10;

		delta(f, 3, 1, 17, 5000, 9, n, 0, 0, t + (uint64_t)i * S - 1);
		tick(f, t + (uint64_t)i * S);
		if (i == 29)
			assert_int_equal(notices(f, buf, sizeof(buf)), 0);
	}
	assert_int_equal(notices(f, buf, sizeof(buf)), 1);
	assert_non_null(strstr(buf, "Anomaly::Baseline"));
	assert_non_null(strstr(buf, "\"src\":\"10.0.0.3\""));
	assert_null(strstr(buf, "ACTION_BAN"));
	/* judged: only second 30's sample (past warm-up, above 100/s) */
	pl_detect_activity(f->d, &act);
	assert_int_equal(act.base_samples, 1);
	assert_int_equal(act.base_hosts, 1);
	assert_int_equal(act.sources, 1);
	assert_int_equal(act.untracked, 0);
}

/* A host whose interval count is near 2^64 (a hostile or broken flow
 * table; found by fuzz_collector): the notice counts it exactly, not
 * through a double that rounds to 2^64 and does not fit back (UB). */
static void test_baseline_huge_count(void **state)
{
	struct fx *f = *state;
	uint64_t t = 100 * S;
	char *line;
	int i;

	f->cfg.base_interval_ns = S;
	f->cfg.base_warmup_ns = 0;
	f->cfg.base_min_pps = 0;
	f->cfg.udp_rate = 1e12;         /* floods and source rates out of the way */
	f->cfg.src_pps = 1e12;
	f->cfg.src_bps = 1e15;
	start(f);
	tick(f, t);
	for (i = 1; i <= 6; i++) {
		delta(f, 3, 1, 17, 5000, 9, i < 6 ? 10 : UINT64_MAX - 1, 0, 0,
		      t + (uint64_t)i * S - 1);
		tick(f, t + (uint64_t)i * S);
	}
	assert_int_equal(notices(f, buf, sizeof(buf)), 1);
	line = strstr(buf, "Anomaly::Baseline");
	assert_non_null(line);
	assert_non_null(strstr(line, "\"n\":18446744073709551614,"));
}

/* ---- floods by their evidence (issue 11) ----------------------------------- */

/* 200 spoofed sources, 60 datagrams each to port 53 of 10.0.0.1 at ts:
 * 12000, above udp-flood-rate (2000/s) over its 5 s window */
static void udp_spoofed(struct fx *f, uint64_t ts)
{
	unsigned i;

	for (i = 0; i < 200; i++)
		delta(f, 1000 + i, 1, 17, 5000, 53, 60, 0, 0, ts);
}

/* ... and 10.0.0.1 answering `per` of each source's 60 (--egress) */
static void udp_answers(struct fx *f, uint64_t per, uint64_t ts)
{
	unsigned i;

	for (i = 0; i < 200; i++)
		delta_dir(f, 1, 1000 + i, 17, 53, 5000, per, 0, 0, ts, 1, 1);
}

/* With its answers in view, a UDP flood nobody answers is noticed and
 * mitigated: spoofed, its destination limited; from one source, banned. */
static void test_udp_flood_unanswered(void **state)
{
	struct fx *f = *state;
	uint64_t t = 100 * S;
	uint8_t a[16];

	f->cfg.egress = 1;
	start(f);
	tick(f, t);
	udp_spoofed(f, t + S / 2);
	delta_dir(f, 1, 1000, 1, 3, 3, 50, 0, 0, t + S / 2, 0, 1);      /* unreachables back */
	tick(f, t + S);
	assert_int_equal(notices(f, buf, sizeof(buf)), 1);
	assert_non_null(strstr(buf, "\"note\":\"Flood::UDP_Flood\""));
	assert_non_null(strstr(buf, "\"evidence\":\"answers: 0 datagrams back for 12000 (100% "
				    "unanswered), 50 ICMP unreachables\""));
	assert_non_null(strstr(buf, "limit: UDP packets to port 53, 1000/s"));
	assert_non_null(strstr(buf, "\"pktlens::ACTION_RATE_LIMIT_DST\""));
	assert_int_equal(f->limits, 1);
	addr4(a, 1);
	assert_memory_equal(f->limit_dst, a, 16);
	assert_int_equal(f->limit_proto, 17);
	assert_int_equal(f->limit_port, 53);
	/* one source alone, nothing back: banned (the first flood goes on) */
	udp_spoofed(f, t + S + S / 2);
	delta(f, 3, 2, 17, 5000, 7777, 12000, 0, 0, t + S + S / 2);
	tick(f, t + 2 * S);
	assert_int_equal(notices(f, buf, sizeof(buf)), 2);
	assert_int_equal(f->bans, 1);
	addr4(a, 3);
	assert_memory_equal(f->banned, a, 16);
}

/* The same rates, answered: a busy service and a heavy client, not floods.
 * No notice, nothing banned or limited; the summary counts the window. */
static void test_udp_answered_no_notice(void **state)
{
	struct fx *f = *state;
	struct pl_detect_activity act;
	uint64_t t = 100 * S;

	f->cfg.egress = 1;
	start(f);
	tick(f, t);
	udp_spoofed(f, t + S / 2);
	udp_answers(f, 55, t + S / 2);          /* 92% answered */
	/* one client, 12000 datagrams to 10.0.0.2:443, 11000 back (QUIC-like) */
	delta(f, 3, 2, 17, 40000, 443, 12000, 0, 0, t + S / 2);
	delta_dir(f, 2, 3, 17, 443, 40000, 11000, 0, 0, t + S / 2, 1, 1);
	tick(f, t + S);
	assert_int_equal(notices(f, buf, sizeof(buf)), 0);
	assert_int_equal(f->bans + f->limits, 0);
	pl_detect_activity(f->d, &act);
	assert_int_equal(act.udp_answered, 2);
}

/* Without --egress a UDP flood's answers are not seen: the notice says its
 * verdict rests on the rate alone, and it only alerts. A capture of both
 * directions shows the answers (no egress flag): then it is no flood. */
static void test_udp_no_egress_alert_only(void **state)
{
	struct fx *f = *state;
	uint64_t t = 100 * S, i;

	start(f);
	tick(f, t);
	delta(f, 3, 2, 17, 5000, 7777, 12000, 0, 0, t + S / 2);      /* one source */
	udp_spoofed(f, t + S / 2);                                      /* many */
	tick(f, t + S);
	assert_int_equal(notices(f, buf, sizeof(buf)), 2);
	assert_non_null(strstr(buf, "\"evidence\":\"rate alone: the destination's answers are not "
				    "seen (run with --egress to see them); alert only\""));
	assert_non_null(strstr(buf, "100% of it from 10.0.0.3; rate alone"));
	assert_null(strstr(buf, "pktlens::ACTION_"));
	assert_int_equal(f->bans + f->limits, 0);
	/* a capture: 10.0.0.2 answers 10.0.0.4's datagrams, over two sweeps
	 * (in the first, who answers is not yet a destination to count for) */
	for (i = 1; i <= 2; i++) {
		delta(f, 4, 2, 17, 5000, 9000, 6000, 0, 0, t + i * S + S / 2);
		delta_dir(f, 2, 4, 17, 9000, 5000, 6000, 0, 0, t + i * S + S / 2, 1, 0);
		tick(f, t + (i + 1) * S);
	}
	assert_int_equal(notices(f, buf, sizeof(buf)), 2);
}

/* A limit lasts while its evidence does: the flood going on keeps it; a
 * sweep interval below the flood rate takes it back (counted, noticed as
 * Flood::Limit_Released); the flood coming back is limited again at once. */
static void test_limit_released(void **state)
{
	struct fx *f = *state;
	struct pl_detect_activity act;
	uint64_t t = 100 * S;
	uint8_t a[16];
	char sum[1024];
	FILE *m;

	f->cfg.egress = 1;
	start(f);
	tick(f, t);
	udp_spoofed(f, t + S / 2);
	tick(f, t + S);
	assert_int_equal(f->limits, 1);
	udp_spoofed(f, t + S + S / 2);          /* it goes on (dropped, still counted) */
	tick(f, t + 2 * S);
	assert_int_equal(f->unlimits, 0);
	assert_int_equal(notices(f, buf, sizeof(buf)), 1);
	tick(f, t + 3 * S);                     /* a second without it */
	assert_int_equal(f->unlimits, 1);
	addr4(a, 1);
	assert_memory_equal(f->unlimit_dst, a, 16);
	assert_int_equal(f->unlimit_proto, 17);
	assert_int_equal(f->unlimit_port, 53);
	assert_int_equal(notices(f, buf, sizeof(buf)), 2);
	assert_non_null(strstr(buf, "\"note\":\"Flood::Limit_Released\""));
	assert_non_null(strstr(buf, "\"pktlens::ACTION_RELEASE_LIMIT_DST\""));
	assert_non_null(strstr(buf, "UDP flood against 10.0.0.1 is over: 0 UDP packets/s since "
				    "the last sweep, below 2000/s; its limit (UDP packets to port 53) "
				    "released after 2.0s"));
	assert_int_equal(f->limits, 1);         /* not put back on the old window's counts */
	m = fmemopen(sum, sizeof(sum), "w");
	assert_non_null(m);
	pl_detect_summary(f->d, m);
	fclose(m);
	assert_non_null(strstr(sum, "destination limits 1, released 1,"));
	/* back again: noticed and limited at once, not suppressed */
	udp_spoofed(f, t + 3 * S + S / 2);
	tick(f, t + 4 * S);
	assert_int_equal(f->limits, 2);
	assert_int_equal(notices(f, buf, sizeof(buf)), 3);
	pl_detect_activity(f->d, &act);
	assert_int_equal(act.udp_answered, 0);
}

/* ICMP by its echo replies: a spoofed echo flood the destination keeps
 * answering is an alert; one it stops answering is limited. */
static void test_icmp_flood_replies(void **state)
{
	struct fx *f = *state;
	uint64_t t = 100 * S;
	unsigned i;

	f->cfg.egress = 1;
	start(f);
	tick(f, t);
	for (i = 0; i < 600; i++) {
		delta(f, 1000 + i, 1, 1, 8, 0, 20, 0, 0, t + S / 2);
		delta_dir(f, 1, 1000 + i, 1, 0, 0, 20, 0, 0, t + S / 2, 1, 1);
	}
	tick(f, t + S);
	assert_int_equal(notices(f, buf, sizeof(buf)), 1);
	assert_non_null(strstr(buf, "\"evidence\":\"echo replies: 12000 for 12000 echo requests "
				    "(0% unanswered)\""));
	assert_non_null(strstr(buf, "the destination keeps answering: alert only"));
	assert_int_equal(f->limits, 0);
	for (i = 0; i < 600; i++) {
		delta(f, 1000 + i, 2, 1, 8, 0, 20, 0, 0, t + S + S / 2);
		delta_dir(f, 2, 1000 + i, 1, 0, 0, 2, 0, 0, t + S + S / 2, 1, 1);
	}
	tick(f, t + 2 * S);
	assert_int_equal(notices(f, buf, sizeof(buf)), 2);
	assert_non_null(strstr(buf, "(90% unanswered)"));
	assert_int_equal(f->limits, 1);
	assert_int_equal(f->limit_proto, PL_DLIM_ICMP);
}

/* With --egress, what the host sends is never a flood against its clients
 * nor a source-rate outlier: a busy server's answers. */
static void test_egress_not_judged(void **state)
{
	struct fx *f = *state;
	uint64_t t = 100 * S;
	unsigned i;

	f->cfg.egress = 1;
	f->cfg.src_pps = 100;                   /* an outlier is easy to be */
	f->cfg.src_factor = 2;
	start(f);
	tick(f, t);
	for (i = 0; i < 10; i++)                /* its clients, 10 packets each */
		delta(f, 100 + i, 1, 17, 40000, 443, 10, 0, 0, t + S / 2);
	/* 10.0.0.1 answers one of them with 50000 datagrams, pings back 10000 */
	delta_dir(f, 1, 100, 17, 443, 40000, 50000, 0, 0, t + S / 2, 1, 1);
	delta_dir(f, 1, 101, 1, 0, 0, 10000, 0, 0, t + S / 2, 1, 1);
	tick(f, t + 11 * S);
	assert_int_equal(notices(f, buf, sizeof(buf)), 0);
	assert_int_equal(f->bans + f->limits, 0);
	/* the same from a host that is not us is judged */
	delta(f, 9, 100, 17, 443, 40000, 50000, 0, 0, t + 11 * S + S / 2);
	tick(f, t + 22 * S);
	assert_true(notices(f, buf, sizeof(buf)) >= 1);
	assert_non_null(strstr(buf, "\"src\":\"10.0.0.9\""));
}

/* The trust table takes the originator of a completed handshake, never
 * the server's side of it (SYN-ACK then ACKs shows SYN and ACK too). */
static void test_trust_not_server_side(void **state)
{
	struct fx *f = *state;
	uint64_t t = 1000 * S;
	uint8_t a[16];
	int i;

	start(f);
	tick(f, t - 20 * S);
	/* 10.0.0.1 served 10.0.0.50 on port 80: its side, 3 packets */
	delta_dir(f, 1, 50, 6, 80, 5555, 3, 0, 0x12 | 0x10, t - 10 * S, 1, 0);
	/* 10.0.0.51 completed a handshake with 10.0.0.50 */
	delta_dir(f, 51, 50, 6, 5555, 22, 3, 0, 0x12, t - 10 * S, 0, 0);
	tick(f, t);
	for (i = 0; i < 2000; i++)              /* 10.0.0.50 is flooded, spoofed */
		flow_new(f, 1000 + (unsigned)i, 50, 6, 7, 22, 0x02, t + (uint64_t)i * 100000);
	tick(f, t + S);
	assert_int_equal(f->limits, 1);
	assert_int_equal(f->trusts, 1);         /* 10.0.0.51 alone */
	addr4(a, 51);
	assert_memory_equal(f->trust_src, a, 16);
}

static void test_settings(void **state)
{
	struct pl_detect_cfg c;
	char err[256];

	(void)state;
	pl_detect_cfg_defaults(&c);
	assert_int_equal(c.enabled, 1);
	assert_int_equal(c.scan_ports, 50);
	assert_int_equal(c.syn_window_ns, 5 * S);
	assert_int_equal(pl_detect_cfg_set(&c, "scan-ports", "100", err, sizeof(err)), 0);
	assert_int_equal(c.scan_ports, 100);
	assert_int_equal(pl_detect_cfg_set(&c, "scan-ports", "1.5", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "scan-ports"));
	assert_int_equal(pl_detect_cfg_set(&c, "syn-flood-unanswered", "2", err, sizeof(err)), -1);
	assert_int_equal(pl_detect_cfg_set(&c, "syn-flood-window", "0", err, sizeof(err)), -1);
	assert_int_equal(pl_detect_cfg_set(&c, "syn-flood-ban", "0", err, sizeof(err)), 0);
	assert_int_equal(pl_detect_cfg_set(&c, "detect-dry-run", "maybe", err, sizeof(err)), -1);
	assert_int_equal(pl_detect_cfg_set(&c, "detect-dry-run", "true", err, sizeof(err)), 0);
	assert_int_equal(c.dry_run, 1);
	assert_int_equal(pl_detect_cfg_set(&c, "no-such-key", "1", err, sizeof(err)), -2);
	assert_int_equal(c.syn_limit_ns, 300 * S);
	assert_int_equal(c.syn_limit_pps, 100);
	assert_int_equal(c.flood_spoofed, 100);
	assert_int_equal(c.flood_trust_ns, 600 * S);
	assert_int_equal(c.arp_pin_ns, 600 * S);
	assert_int_equal(pl_detect_cfg_set(&c, "udp-flood-limit-pps", "0", err, sizeof(err)), -1);
	assert_int_equal(pl_detect_cfg_set(&c, "udp-flood-limit-pps", "5000", err, sizeof(err)), 0);
	assert_int_equal(c.udp_limit_pps, 5000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_port_scan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_answered_is_no_scan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_address_scan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_flags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_syn_flood, setup, teardown),
		cmocka_unit_test_setup_teardown(test_syn_burst_answered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dns_names_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spoofed_flood_limited, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flood_few_sources_alert_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spoofed_flood_kinds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spoofed_flood_dry_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_udp_flood_dry_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ban_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dns_tunnel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dns_odd_types, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dns_busy_client, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dns_blocklist, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dns_service_discovery, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dns_iodine, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dns_slow_tunnel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dns_registrable_domain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dns_public_suffix_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dns_idn, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dns_trailing_dot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_arp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_arp_pin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_arp_pin_dry_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_arp_pin_off, setup, teardown),
		cmocka_unit_test_setup_teardown(test_baseline_warmup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_baseline_huge_count, setup, teardown),
		cmocka_unit_test_setup_teardown(test_udp_flood_unanswered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_udp_answered_no_notice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_udp_no_egress_alert_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limit_released, setup, teardown),
		cmocka_unit_test_setup_teardown(test_icmp_flood_replies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_egress_not_judged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trust_not_server_side, setup, teardown),
		cmocka_unit_test(test_settings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
