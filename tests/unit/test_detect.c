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
	struct pl_detect_actions act = { .ctx = f, .ban = fake_ban };
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
}

static void test_spoofed_flood_alert_only(void **state)
{
	struct fx *f = *state;
	uint64_t t = 100 * S;
	int i;

	start(f);
	tick(f, t);
	for (i = 0; i < 2000; i++)
		flow_new(f, 1000 + (unsigned)i, 1, 6, 7, 80, 0x02, t + (uint64_t)i * 100000);
	tick(f, t + S);
	assert_int_equal(notices(f, buf, sizeof(buf)), 1);
	assert_non_null(strstr(buf, "Flood::SYN_Flood"));
	assert_null(strstr(buf, "\"src\""));
	assert_null(strstr(buf, "ACTION_BAN"));
	assert_int_equal(f->bans, 0);
}

static void test_udp_flood_dry_run(void **state)
{
	struct fx *f = *state;
	uint64_t t = 100 * S;

	f->cfg.dry_run = 1;
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

static void dns_query(struct fx *f, unsigned src, const char *name, uint16_t qtype, uint64_t ts)
{
	struct pl_flow_key k;
	struct pl_dns q;

	memset(&k, 0, sizeof(k));
	memset(&q, 0, sizeof(q));
	addr4(k.src, src);
	addr4(k.dst, 53);
	k.proto = 17;
	k.sport = 33333;
	k.dport = 53;
	q.has_question = 1;
	q.qtype = qtype;
	q.qclass = 1;
	q.qname_len = (uint16_t)strlen(name);
	memcpy(q.qname, name, q.qname_len);
	f->h.on_dns(f->h.ctx, ts, &k, &q, "Cdns");
}

static void test_dns_tunnel(void **state)
{
	struct fx *f = *state;
	uint64_t t = 100 * S;
	char name[200];
	int i, j;

	start(f);
	/* ordinary names: many queries, few names */
	for (i = 0; i < 50; i++) {
		dns_query(f, 2, "www.example.com", 1, t + (uint64_t)i);
		dns_query(f, 2, "mail.example.com", 28, t + (uint64_t)i);
		dns_query(f, 2, "4.3.2.1.in-addr.arpa", 12, t + (uint64_t)i);
	}
	assert_int_equal(notices(f, buf, sizeof(buf)), 0);
	/* a tunnel: long, random labels */
	srand(7);
	for (i = 0; i < 12; i++) {
		for (j = 0; j < 50; j++)
			name[j] = "abcdefghijklmnopqrstuvwxyz012345"[rand() % 32];
		snprintf(name + 50, sizeof(name) - 50, ".t.tunnel.example.co.uk");
		dns_query(f, 3, name, 16, t + S + (uint64_t)i);
	}
	assert_int_equal(notices(f, buf, sizeof(buf)), 1);
	assert_non_null(strstr(buf, "DNS::Tunneling"));
	assert_non_null(strstr(buf, "under example.co.uk"));
	assert_non_null(strstr(buf, "\"src\":\"10.0.0.3\""));
	assert_non_null(strstr(buf, "\"uid\":\"Cdns\""));
	assert_int_equal(f->bans, 1);
}

static void test_dns_odd_types(void **state)
{
	struct fx *f = *state;
	uint64_t t = 100 * S;
	int i;

	start(f);
	for (i = 0; i < 10; i++)
		dns_query(f, 3, "a.b.t.example.net", 10, t + (uint64_t)i);  /* NULL */
	assert_int_equal(notices(f, buf, sizeof(buf)), 1);
	assert_non_null(strstr(buf, "10 of unusual types (NULL)"));
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

/* Names are grouped by registrable domain (the public suffix list), not by
 * their last labels: everyone's domain under co.uk, me.uk or github.io is
 * its own. */
static void test_dns_registrable_domain(void **state)
{
	struct fx *f = *state;
	uint64_t t = 100 * S;

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

static void test_baseline_warmup(void **state)
{
	struct fx *f = *state;
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
		cmocka_unit_test_setup_teardown(test_spoofed_flood_alert_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_udp_flood_dry_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ban_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dns_tunnel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dns_odd_types, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dns_registrable_domain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dns_public_suffix_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dns_idn, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dns_trailing_dot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_arp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_baseline_warmup, setup, teardown),
		cmocka_unit_test(test_settings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
