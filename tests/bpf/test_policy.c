/* SPDX-License-Identifier: BSD-3-Clause */
/* test_policy.c - rules, bans and rate limits: the parser and compiler
 * (src/rules.c) natively, then the real XDP program under
 * BPF_PROG_TEST_RUN with rule sets loaded through the loader: precedence,
 * conditions, families, counters, bans, token buckets (the replay
 * timestamps are the program's clock), destination limits (what they
 * limit, trusted and allowed sources, expiry, their shared bucket on
 * several CPUs at once), ARP pins, and the atomic swap of rule sets while
 * packets run. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <cmocka.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bans.h"
#include "mitigations.h"
#include "replay.h"
#include "rules.h"
#include "pktlens.skel.h"
#include "../common/packets.h"
#include "policy_skel.h"

#define DROP 1                  /* XDP_DROP */
#define PASS 2                  /* XDP_PASS */

static struct pl_replay rp;
static struct pl_policy_fds fds;

/* ---- packets --------------------------------------------------------------- */

struct spec {
	const char *src, *dst;  /* IPv4 or IPv6, both the same */
	uint8_t proto;          /* 6, 17, 1, 58 */
	uint16_t dport;
	uint16_t vlan;          /* 0: untagged */
	uint8_t tcp_flags;      /* 0: SYN */
	uint8_t icmp_type;      /* 0: echo request */
};

static void build(struct pkt *p, const struct spec *s)
{
	int v6 = strchr(s->src, ':') != NULL;
	uint8_t *h;
	uint32_t l4 = s->proto == 6 ? 20 : 8;

	memset(p, 0, sizeof(*p));
	pk_eth(p, s->vlan ? 0x8100 : (v6 ? 0x86dd : 0x0800));
	if (s->vlan) {
		p->b[14] = (uint8_t)(s->vlan >> 8);
		p->b[15] = (uint8_t)s->vlan;
		p->b[16] = v6 ? 0x86 : 0x08;
		p->b[17] = v6 ? 0xdd : 0x00;
		p->len = 18;
	}
	h = p->b + p->len;
	if (v6) {
		h[0] = 0x60;
		h[4] = (uint8_t)(l4 >> 8);
		h[5] = (uint8_t)l4;
		h[6] = s->proto;
		h[7] = 64;
		assert_int_equal(inet_pton(AF_INET6, s->src, h + 8), 1);
		assert_int_equal(inet_pton(AF_INET6, s->dst ? s->dst : "2001:db8:ffff::1", h + 24), 1);
		p->len += 40;
	} else {
		pk_ipv4(p, s->proto, l4);
		assert_int_equal(inet_pton(AF_INET, s->src, h + 12), 1);
		assert_int_equal(inet_pton(AF_INET, s->dst ? s->dst : "10.255.0.1", h + 16), 1);
	}
	if (s->proto == 6) {
		pk_tcp(p, 40000, s->dport, s->tcp_flags ? s->tcp_flags : 0x02);
	} else if (s->proto == 17) {
		pk_udp(p, 40000, s->dport, 0);
	} else {
		h = p->b + p->len;
		memset(h, 0, 8);
		h[0] = s->icmp_type ? s->icmp_type : s->proto == 1 ? 8 : 128;  /* echo request */
		p->len += 8;
	}
}

static uint64_t clock_ns = 1000000000000ull;

/* Verdict for one packet at time ts (0: the next tick of a private clock). */
static int verdict_at(const struct spec *s, uint32_t wirelen, uint64_t ts)
{
	struct pkt p;
	int v = -1;

	build(&p, s);
	if (!ts)
		ts = clock_ns += 1000;
	assert_int_equal(pl_replay_run(&rp, p.b, p.len, wirelen > p.len ? wirelen : p.len, ts,
				       &v, NULL), 0);
	return v;
}

static int verdict(const char *src, const char *dst, uint8_t proto, uint16_t dport, uint16_t vlan)
{
	struct spec s = { src, dst, proto, dport, vlan, 0, 0 };

	return verdict_at(&s, 0, 0);
}

#define V4(src) verdict(src, NULL, 6, 80, 0)

/* ---- rule sets -------------------------------------------------------------- */

static int compile(struct pl_ruleset *rs, const char *text, char *err, size_t errlen)
{
	if (pl_rules_parse(rs, "t.rules", text, strlen(text), err, errlen))
		return -1;
	return pl_rules_compile(rs, err, errlen);
}

static void load_keep(struct pl_ruleset *rs, const char *text, const struct pl_ruleset *old)
{
	struct pl_load_result res;
	char err[512] = "";

	if (compile(rs, text, err, sizeof(err)) || pl_rules_load(&fds, rs, old, &res, err, sizeof(err))) {
		fprintf(stderr, "load failed: %s\n", err);
		fail();
	}
}

static void load(const char *text)
{
	struct pl_ruleset rs;

	load_keep(&rs, text, NULL);
	pl_ruleset_free(&rs);
}

static struct pl_policy_cfg cfg_now(void)
{
	struct pl_policy_cfg c;
	uint32_t zero = 0;

	assert_int_equal(bpf_map_lookup_elem(fds.policy, &zero, &c), 0);
	return c;
}

static struct pl_rule_stats counter(uint32_t id)
{
	struct pl_rule_stats s;

	assert_int_equal(pl_rule_counter(&fds, id, &s), 0);
	return s;
}

static void addr(const char *s, uint8_t a[16])
{
	assert_int_equal(pl_addr_parse(s, a), 0);
}

/* ---- parser and compiler, natively ------------------------------------------- */

static void expect_error(const char *text, const char *want)
{
	struct pl_ruleset rs;
	char err[512] = "";

	if (!compile(&rs, text, err, sizeof(err))) {
		fprintf(stderr, "accepted: %s\n", text);
		pl_ruleset_free(&rs);
		fail();
	}
	pl_ruleset_free(&rs);                   /* what parsed before compile failed */
	if (!strstr(err, want)) {
		fprintf(stderr, "error '%s' lacks '%s'\n", err, want);
		fail();
	}
}

/* The trie entry of addr/plen (plen IPv4-mapped for IPv4), or fail. */
static uint32_t entry(const struct pl_ruleset *rs, const char *a, unsigned plen)
{
	uint8_t b[16];
	uint32_t i;

	addr(a, b);
	for (i = 0; i < rs->n_prefixes; i++)
		if (rs->keys[i].prefixlen == plen && !memcmp(rs->keys[i].addr, b, 16))
			return i;
	fail_msg("no entry %s/%u", a, plen);
	return 0;
}

static const struct pl_rule_list *list_at(const struct pl_ruleset *rs, const char *a,
					  unsigned plen)
{
	return &rs->lists[rs->vals[entry(rs, a, plen)].list];
}

static void test_parse_errors(void **s)
{
	(void)s;
	expect_error("allow 10.0.0.0/8\n\n# c\nallow 10.0.0.1/8\n",
		     "t.rules:4: 10.0.0.1/8 has host bits set (the prefix is 10.0.0.0/8)");
	expect_error("permit 10.0.0.0/8\n", "t.rules:1: unknown action 'permit'");
	expect_error("deny\n", "t.rules:1: deny needs a source");
	expect_error("deny 10.0.0.300\n", "'10.0.0.300' is not an IPv4 or IPv6 address");
	expect_error("deny 10.0.0.0/33\n", "prefix length must be 0..32");
	expect_error("deny 2001:db8::/129\n", "prefix length must be 0..128");
	expect_error("deny any proto icmp port 3\n", "port needs proto tcp or udp");
	expect_error("deny any port 0\n", "port '0'");
	expect_error("deny any port 10-5\n", "port '10-5'");
	expect_error("deny any port\n", "'port' needs a value");
	expect_error("deny any port 1 port 2\n", "'port' given twice");
	expect_error("deny any vlan 4095\n", "vlan '4095'");
	expect_error("deny any proto 0\n", "proto '0'");
	expect_error("deny any pps 5\n", "'pps' is only for ratelimit");
	expect_error("ratelimit any\n", "ratelimit needs pps N and/or bps N");
	expect_error("ratelimit any pps 0\n", "pps '0'");
	expect_error("ratelimit any bps 100\n", "bps 100: bits per second");
	expect_error("ratelimit any pps 2G\n", "at most 1G");
	expect_error("deny 10.0.0.0/8 dst 2001:db8::/32\n", "not the same IP version");
	expect_error("deny 2001:db8::/32 proto icmp\n", "never matches IPv6");
	expect_error("deny 10.0.0.0/8 froM 1.2.3.4\n", "unknown word 'froM'");
	/* an exact duplicate (however spaced or commented): both lines named;
	 * the same source with another condition is another rule */
	expect_error("deny 192.0.2.0/24 port 22\nallow any\ndeny  192.0.2.0/24  port 22 # again\n",
		     "t.rules:3: the same rule as line 1");
	expect_error("deny 192.0.2.7\ndeny 192.0.2.7/32\n", "t.rules:2: the same rule as line 1");
	{
		struct pl_ruleset rs;
		char err[512] = "";

		assert_int_equal(compile(&rs, "deny 192.0.2.0/24 port 22\ndeny 192.0.2.0/24 port 23\n",
					 err, sizeof(err)), 0);
		pl_ruleset_free(&rs);
	}
	{
		struct pl_ruleset rs;
		char err[256] = "";

		assert_int_equal(pl_rules_parse(&rs, "t.rules", "deny any\n\0x\n", 12, err,
						sizeof(err)), -1);
		assert_non_null(strstr(err, "t.rules:2: a NUL byte"));
	}
}

static void test_parse_forms(void **s)
{
	struct pl_ruleset rs;
	char err[512] = "", t[256];

	(void)s;
	assert_int_equal(compile(&rs,
				 "  allow 10.0.0.0/8   # trailing comment\r\n"
				 "deny 192.0.2.0/24 proto tcp port 22\n"
				 "deny 2001:db8::/32 dst 2001:db8:1::/48\n"
				 "ratelimit 0.0.0.0/0 proto udp port 53 pps 1000\n"
				 "ratelimit 198.51.100.7/32 bps 1M\n"
				 "deny any port 6000-6010 vlan 100\n"
				 "deny ::ffff:10.1.0.0/112 proto 47", err, sizeof(err)), 0);
	assert_int_equal(rs.n_rules, 7);
	assert_int_equal(rs.rules[0].line, 1);
	assert_string_equal(pl_rule_format(&rs.rules[0], 1, t, sizeof(t)), "allow 10.0.0.0/8");
	assert_string_equal(pl_rule_format(&rs.rules[1], 1, t, sizeof(t)),
			    "deny 192.0.2.0/24 proto tcp port 22");
	assert_string_equal(pl_rule_format(&rs.rules[2], 1, t, sizeof(t)),
			    "deny 2001:db8::/32 dst 2001:db8:1::/48");
	assert_string_equal(pl_rule_format(&rs.rules[4], 1, t, sizeof(t)),
			    "ratelimit 198.51.100.7 bps 1000000");
	assert_string_equal(pl_rule_format(&rs.rules[5], 1, t, sizeof(t)),
			    "deny any port 6000-6010 vlan 100");
	/* written as IPv4-mapped IPv6: it is IPv4 */
	assert_string_equal(pl_rule_format(&rs.rules[6], 1, t, sizeof(t)), "deny 10.1.0.0/16 proto 47");
	assert_int_equal(rs.rules[6].family, PL_FAM_V4);
	assert_int_equal(rs.rules[0].src_plen, 96 + 8);
	assert_int_equal(rs.rules[3].src_plen, 96);
	/* the rates as the kernel counts them */
	assert_int_equal(list_at(&rs, "0.0.0.0", 96)->r[0].ns_per_pkt, 1000000);      /* 1000 pps */
	assert_int_equal(list_at(&rs, "198.51.100.7", 128)->r[0].ps_per_byte, 8000000); /* 1 Mbit/s */
	assert_int_equal(rs.shared, 0);
	assert_int_equal(rs.ids[6], 7);
	pl_ruleset_free(&rs);
}

static void test_compile_lists(void **s)
{
	struct pl_ruleset rs;
	char err[512] = "", *text;
	size_t o = 0;
	uint32_t i;

	(void)s;
	/* enclosing prefixes' rules follow the entry's own, most specific first;
	 * at equal prefixes allow, ratelimit, deny, then file order */
	assert_int_equal(compile(&rs,
				 "deny 10.0.0.0/8\n"
				 "deny 10.1.0.0/16 port 22\n"
				 "ratelimit 10.1.0.0/16 pps 5\n"
				 "allow 10.1.0.0/16 port 80\n"
				 "deny any proto udp\n", err, sizeof(err)), 0);
	assert_int_equal(rs.n_prefixes, 3);
	{
		const struct pl_rule_list *l = list_at(&rs, "10.1.0.0", 96 + 16);

		assert_int_equal(l->n, 5);
		assert_int_equal(l->r[0].id, 4);
		assert_int_equal(l->r[0].action, PL_ACT_ALLOW);
		assert_int_equal(l->r[1].id, 3);
		assert_int_equal(l->r[2].id, 2);
		assert_int_equal(l->r[3].id, 1);        /* 10/8 */
		assert_int_equal(l->r[4].id, 5);        /* any */
	}
	pl_ruleset_free(&rs);

	/* port rules mark their lists, so that fragments without ports can be
	 * dropped where a port rule could decide them: not behind a rule that
	 * decides every packet of the protocol */
	assert_int_equal(compile(&rs,
				 "deny 10.1.0.0/16 proto tcp port 22\n"
				 "ratelimit 10.2.0.0/16 port 53 pps 10\n"
				 "allow 10.3.0.0/16 proto udp\n"
				 "deny 10.3.0.0/16 port 9\n"
				 "allow 10.4.0.0/16\n"
				 "deny 10.0.0.0/8 proto udp port 5\n"
				 "deny 10.5.0.0/16 dst 10.9.0.0/16\n"
				 "deny 10.6.0.0/16 proto icmp\n", err, sizeof(err)), 0);
	assert_int_equal(list_at(&rs, "10.1.0.0", 96 + 16)->flags,
			 PL_LIST_PORTS_TCP | PL_LIST_PORTS_UDP);        /* and the /8's udp */
	assert_int_equal(list_at(&rs, "10.2.0.0", 96 + 16)->flags,
			 PL_LIST_PORTS_TCP | PL_LIST_PORTS_UDP);
	assert_int_equal(list_at(&rs, "10.3.0.0", 96 + 16)->flags, PL_LIST_PORTS_TCP);
	assert_int_equal(list_at(&rs, "10.4.0.0", 96 + 16)->flags, 0);  /* the allow decides */
	assert_int_equal(list_at(&rs, "10.5.0.0", 96 + 16)->flags, PL_LIST_PORTS_UDP);
	assert_int_equal(list_at(&rs, "10.6.0.0", 96 + 16)->flags, PL_LIST_PORTS_UDP);
	assert_int_equal(list_at(&rs, "10.0.0.0", 96 + 8)->flags, PL_LIST_PORTS_UDP);
	pl_ruleset_free(&rs);

	/* nine rules for one source: named */
	expect_error("deny 10.0.0.0/8 port 1\ndeny 10.0.0.0/8 port 2\ndeny 10.0.0.0/8 port 3\n"
		     "deny 10.0.0.0/9 port 4\ndeny 10.0.0.0/10 port 5\ndeny 10.0.0.0/11 port 6\n"
		     "deny 10.0.0.0/12 port 7\ndeny 10.0.0.0/13 port 8\ndeny 10.0.0.0/14 port 9\n",
		     "9 rules apply to source 10.0.0.0/14, at most 8");

	/* identical lists once: 3000 rules, each its own counter and list; 5000
	 * alike rules share a counter and a list */
	text = malloc(5000 * 32);
	assert_non_null(text);
	for (i = 0; i < 3000; i++)
		o += (size_t)sprintf(text + o, "deny 172.16.%u.%u\n", i / 256, i % 256);
	assert_int_equal(compile(&rs, text, err, sizeof(err)), 0);
	assert_int_equal(rs.n_lists, 3000);
	assert_int_equal(rs.shared, 0);
	pl_ruleset_free(&rs);
	for (; i < 5000; i++)
		o += (size_t)sprintf(text + o, "deny 172.16.%u.%u\n", i / 256, i % 256);
	assert_int_equal(compile(&rs, text, err, sizeof(err)), 0);
	assert_int_equal(rs.n_prefixes, 5000);
	for (i = 1; i < rs.n_prefixes; i++)     /* in address order for the kernel */
		assert_true(memcmp(rs.keys[i - 1].addr, rs.keys[i].addr, 16) < 0);
	assert_int_equal(rs.n_lists, 1);
	assert_int_equal(rs.shared, 1);
	assert_int_equal(rs.n_ids, 1);
	pl_ruleset_free(&rs);
	free(text);

	/* ::/0 is IPv6 only: IPv4 sources get their own (empty) entry */
	assert_int_equal(compile(&rs, "deny ::/0\n", err, sizeof(err)), 0);
	assert_int_equal(rs.n_prefixes, 2);
	assert_int_equal(list_at(&rs, "0.0.0.0", 96)->n, 0);
	assert_int_equal(list_at(&rs, "::", 0)->n, 1);
	pl_ruleset_free(&rs);
	assert_int_equal(compile(&rs, "deny any\n", err, sizeof(err)), 0);
	assert_int_equal(rs.n_prefixes, 1);
	pl_ruleset_free(&rs);
}

/* ---- in the kernel -------------------------------------------------------- */

static void test_nested_prefixes(void **s)
{
	(void)s;
	load("allow 10.0.0.0/8\ndeny 10.1.0.0/16\n");
	assert_int_equal(V4("10.1.2.3"), DROP);         /* more specific deny inside allow */
	assert_int_equal(V4("10.2.0.1"), PASS);
	assert_int_equal(V4("11.0.0.1"), PASS);         /* no rule */
	load("deny 10.0.0.0/8\nallow 10.1.0.0/16\n");
	assert_int_equal(V4("10.1.2.3"), PASS);         /* more specific allow inside deny */
	assert_int_equal(V4("10.2.0.1"), DROP);
	/* a host inside both */
	load("deny 10.0.0.0/8\nallow 10.1.0.0/16\ndeny 10.1.2.3\n");
	assert_int_equal(V4("10.1.2.3"), DROP);
	assert_int_equal(V4("10.1.2.4"), PASS);
}

static void test_same_prefix(void **s)
{
	(void)s;
	load("deny 10.5.0.0/16\nallow 10.5.0.0/16\n");
	assert_int_equal(V4("10.5.0.1"), PASS);         /* allow beats deny, whatever the order */
	load("allow 10.5.0.0/16\ndeny 10.5.0.0/16\n");
	assert_int_equal(V4("10.5.0.1"), PASS);
	load("deny 10.6.0.0/16\nratelimit 10.6.0.0/16 pps 1000\n");
	assert_int_equal(V4("10.6.0.1"), PASS);         /* ratelimit beats deny, within its rate */
	/* equal action and prefix: file order (the counters tell which) */
	load("deny 10.7.0.0/16 proto tcp\ndeny 10.7.0.0/16\n");
	assert_int_equal(V4("10.7.0.1"), DROP);
	assert_int_equal(counter(1).matched, 1);
	assert_int_equal(counter(2).matched, 0);
	load("ratelimit 10.7.0.0/16 pps 1\nratelimit 10.7.0.0/16 pps 1000\n");
	assert_int_equal(V4("10.7.0.2"), PASS);
	assert_int_equal(V4("10.7.0.2"), DROP);         /* the first: 1 a second */
	assert_int_equal(counter(1).dropped, 1);
	assert_int_equal(counter(2).matched, 0);
}

static void test_conditions(void **s)
{
	(void)s;
	load("deny 10.8.0.0/16 proto tcp port 22\n"
	     "deny any dst 10.9.9.9\n"
	     "deny any proto udp port 6000-6010 vlan 100\n"
	     "deny 10.10.0.0/16 proto icmp\n");
	assert_int_equal(verdict("10.8.0.1", NULL, 6, 22, 0), DROP);
	assert_int_equal(verdict("10.8.0.1", NULL, 6, 23, 0), PASS);
	assert_int_equal(verdict("10.8.0.1", NULL, 17, 22, 0), PASS);   /* udp */
	assert_int_equal(verdict("10.99.0.1", "10.9.9.9", 6, 80, 0), DROP);
	assert_int_equal(verdict("10.99.0.1", "10.9.9.8", 6, 80, 0), PASS);
	assert_int_equal(verdict("10.99.0.1", NULL, 17, 6005, 100), DROP);
	assert_int_equal(verdict("10.99.0.1", NULL, 17, 6000, 100), DROP);
	assert_int_equal(verdict("10.99.0.1", NULL, 17, 6011, 100), PASS);
	assert_int_equal(verdict("10.99.0.1", NULL, 17, 6005, 200), PASS);      /* other vlan */
	assert_int_equal(verdict("10.99.0.1", NULL, 17, 6005, 0), PASS);        /* untagged */
	assert_int_equal(verdict("10.10.0.1", NULL, 1, 0, 0), DROP);
	assert_int_equal(verdict("10.10.0.1", NULL, 6, 0, 0), PASS);
	/* a conditional allow that does not match falls through to the next */
	load("allow 10.11.0.0/16 proto tcp port 80\ndeny 10.0.0.0/8\n");
	assert_int_equal(verdict("10.11.0.5", NULL, 6, 80, 0), PASS);
	assert_int_equal(verdict("10.11.0.5", NULL, 6, 81, 0), DROP);
	/* the brief's IPv6 example */
	load("deny 2001:db8::/32 dst 2001:db8:1::/48\n");
	assert_int_equal(verdict("2001:db8:5::1", "2001:db8:1::7", 17, 53, 0), DROP);
	assert_int_equal(verdict("2001:db8:5::1", "2001:db8:2::7", 17, 53, 0), PASS);
	/* destination prefixes that end inside a byte: whole bytes, then bits */
	load("deny any dst 10.9.16.0/20\ndeny any dst 2001:db8:ff80::/41\n");
	assert_int_equal(verdict("10.99.0.1", "10.9.16.1", 6, 80, 0), DROP);
	assert_int_equal(verdict("10.99.0.1", "10.9.31.255", 6, 80, 0), DROP);
	assert_int_equal(verdict("10.99.0.1", "10.9.32.0", 6, 80, 0), PASS);
	assert_int_equal(verdict("10.99.0.1", "10.9.15.255", 6, 80, 0), PASS);
	assert_int_equal(verdict("10.99.0.1", "10.8.16.1", 6, 80, 0), PASS);
	assert_int_equal(verdict("2001:db8::1", "2001:db8:ffff::1", 6, 80, 0), DROP);
	assert_int_equal(verdict("2001:db8::1", "2001:db8:ff00::1", 6, 80, 0), PASS);
}

static void test_ipv6_and_families(void **s)
{
	(void)s;
	load("deny 2001:db8::/32\nallow 2001:db8:1::/48\n");
	assert_int_equal(verdict("2001:db8:1::5", NULL, 6, 80, 0), PASS);
	assert_int_equal(verdict("2001:db8:2::1", NULL, 6, 80, 0), DROP);
	assert_int_equal(verdict("2001:db9::1", NULL, 6, 80, 0), PASS);
	assert_int_equal(V4("10.0.0.1"), PASS);
	/* ::/0 is every IPv6 source, 0.0.0.0/0 every IPv4 one, any both */
	load("deny ::/0\n");
	assert_int_equal(verdict("2001:db9::1", NULL, 6, 80, 0), DROP);
	assert_int_equal(V4("10.0.0.1"), PASS);
	load("deny 0.0.0.0/0\n");
	assert_int_equal(verdict("2001:db9::1", NULL, 6, 80, 0), PASS);
	assert_int_equal(V4("10.0.0.1"), DROP);
	load("deny any proto tcp\nallow ::/0 port 443\n");
	assert_int_equal(verdict("2001:db9::1", NULL, 6, 80, 0), DROP);
	assert_int_equal(verdict("2001:db9::1", NULL, 6, 443, 0), PASS);
	assert_int_equal(verdict("10.0.0.1", NULL, 6, 443, 0), DROP);   /* not for IPv4 */
	assert_int_equal(verdict("10.0.0.1", NULL, 17, 443, 0), PASS);
	assert_int_equal(verdict("2001:db9::1", NULL, 58, 0, 0), PASS);
}

static void test_empty_set_and_flags(void **s)
{
	struct pl_policy_cfg c0, c1;

	(void)s;
	load("deny 10.12.0.0/16\n");
	c0 = cfg_now();
	assert_true(c0.flags & PL_POL_RULES);
	assert_int_equal(V4("10.12.0.1"), DROP);
	load("# nothing\n\n");
	c1 = cfg_now();
	assert_false(c1.flags & PL_POL_RULES);
	assert_int_equal(c1.generation, c0.generation + 1);
	assert_int_equal(c1.active, c0.active ^ 1);
	assert_int_equal(V4("10.12.0.1"), PASS);
}

static void test_counters(void **s)
{
	struct pl_ruleset x, y;
	struct pl_rule_stats st;
	int i;

	(void)s;
	load_keep(&x, "deny 10.50.0.0/16\nallow 10.50.1.0/24\n", NULL);
	for (i = 0; i < 3; i++)
		assert_int_equal(V4("10.50.2.1"), DROP);
	for (i = 0; i < 2; i++)
		assert_int_equal(V4("10.50.1.1"), PASS);
	st = counter(1);
	assert_int_equal(st.matched, 3);
	assert_int_equal(st.dropped, 3);
	st = counter(2);
	assert_int_equal(st.matched, 2);
	assert_int_equal(st.dropped, 0);
	/* a rule put in front: the counters move with their rules */
	load_keep(&y, "deny 10.60.0.0/16\ndeny 10.50.0.0/16\nallow 10.50.1.0/24\n", &x);
	st = counter(1);
	assert_int_equal(st.matched, 0);
	st = counter(2);
	assert_int_equal(st.matched, 3);
	assert_int_equal(st.dropped, 3);
	st = counter(3);
	assert_int_equal(st.matched, 2);
	pl_ruleset_free(&x);
	pl_ruleset_free(&y);
	/* a set loaded without knowing the old one starts from zero */
	load("deny 10.50.0.0/16\n");
	assert_int_equal(counter(1).matched, 0);
	assert_int_equal(counter(2).matched, 0);
}

static void test_bans(void **s)
{
	uint8_t a[16];
	char err[256] = "";
	uint64_t now = pl_mono_ns();
	struct spec sp = { "10.21.0.1", NULL, 6, 80, 0, 0, 0 };

	(void)s;
	load("");
	addr("10.21.0.1", a);
	assert_int_equal(pl_ban_add(&fds, a, 1000000000ull, 0, err, sizeof(err)), 0);
	assert_true(cfg_now().flags & PL_POL_BANS);
	assert_int_equal(verdict_at(&sp, 0, now), DROP);
	assert_int_equal(verdict_at(&sp, 0, now + 2000000000ull), PASS);   /* expired */
	/* the allow rule comes first */
	assert_int_equal(pl_ban_add(&fds, a, 0, 0, err, sizeof(err)), 0);
	assert_int_equal(verdict_at(&sp, 0, now), DROP);
	load("allow 10.21.0.0/16\n");
	assert_int_equal(verdict_at(&sp, 0, now), PASS);
	/* and a source the rules allow cannot be banned */
	addr("10.21.0.2", a);
	assert_int_equal(pl_ban_add(&fds, a, 0, 0, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "allowed"));
	/* a conditional allow does not protect from bans */
	load("allow 10.21.0.0/16 port 443\n");
	assert_int_equal(pl_ban_add(&fds, a, 0, 0, err, sizeof(err)), 0);
	sp.src = "10.21.0.2";
	assert_int_equal(verdict_at(&sp, 0, now), DROP);
	sp.dport = 443;
	assert_int_equal(verdict_at(&sp, 0, now), PASS);
	/* deleted: passes */
	sp.dport = 80;
	assert_int_equal(pl_ban_del(&fds, a, err, sizeof(err)), 0);
	assert_int_equal(verdict_at(&sp, 0, now), PASS);
	assert_int_equal(pl_ban_del(&fds, a, err, sizeof(err)), -1);
	addr("10.21.0.1", a);
	assert_int_equal(pl_ban_del(&fds, a, err, sizeof(err)), 0);
	/* IPv6 */
	addr("2001:db8::66", a);
	assert_int_equal(pl_ban_add(&fds, a, 0, 0, err, sizeof(err)), 0);
	sp.src = "2001:db8::66";
	assert_int_equal(verdict_at(&sp, 0, now), DROP);
	assert_int_equal(pl_ban_del(&fds, a, err, sizeof(err)), 0);
	load("");
}

static void test_rate_limit_pps(void **s)
{
	struct spec sp = { "10.30.0.1", NULL, 17, 53, 0, 0, 0 };
	uint64_t t0 = 5000000000000ull;
	int i, pass = 0, drop = 0;
	struct pl_rule_stats st;

	(void)s;
	load("deny 10.30.0.0/16\nratelimit 10.30.0.1 pps 10\n");
	for (i = 0; i < 15; i++) {
		int v = verdict_at(&sp, 0, t0 + (uint64_t)i * 1000000ull);     /* 1 ms apart */

		pass += v == PASS;
		drop += v == DROP;
	}
	assert_int_equal(pass, 10);             /* a second's worth of burst */
	assert_int_equal(drop, 5);
	st = counter(2);
	assert_int_equal(st.matched, 15);
	assert_int_equal(st.dropped, 5);
	/* 100 ms later, one packet's worth of credit again */
	assert_int_equal(verdict_at(&sp, 0, t0 + 115000000ull), PASS);
	assert_int_equal(verdict_at(&sp, 0, t0 + 116000000ull), DROP);
	/* a second later the bucket is full: 10 again */
	for (i = 0, pass = 0; i < 12; i++)
		pass += verdict_at(&sp, 0, t0 + 2000000000ull + (uint64_t)i) == PASS;
	assert_int_equal(pass, 10);
	/* another source has its own bucket */
	load("ratelimit 10.32.0.0/16 pps 2\n");
	sp.src = "10.32.0.1";
	assert_int_equal(verdict_at(&sp, 0, t0), PASS);
	assert_int_equal(verdict_at(&sp, 0, t0 + 1), PASS);
	assert_int_equal(verdict_at(&sp, 0, t0 + 2), DROP);
	sp.src = "10.32.0.2";
	assert_int_equal(verdict_at(&sp, 0, t0 + 3), PASS);
}

static void test_rate_limit_bps(void **s)
{
	struct spec sp = { "10.31.0.1", NULL, 17, 53, 0, 0, 0 };
	uint64_t t0 = 6000000000000ull;
	int i, pass = 0;

	(void)s;
	load("ratelimit 10.31.0.1 bps 80k\n");  /* 10000 bytes a second */
	for (i = 0; i < 15; i++)
		pass += verdict_at(&sp, 1000, t0 + (uint64_t)i * 1000000ull) == PASS;
	assert_int_equal(pass, 10);
	assert_int_equal(counter(1).dropped, 5);
	/* 100 ms: 1000 bytes of credit */
	assert_int_equal(verdict_at(&sp, 1000, t0 + 115000000ull), PASS);
	assert_int_equal(verdict_at(&sp, 1000, t0 + 115000001ull), DROP);
	assert_int_equal(verdict_at(&sp, 100, t0 + 135000000ull), PASS);   /* small fits */
}

/* ---- destination limits ------------------------------------------------------ */

#define SEC_NS 1000000000ull
#define MS_NS 1000000ull

static void dlim_add(const char *dst, uint8_t proto, uint16_t dport, uint64_t pps, uint64_t ttl)
{
	struct pl_dlim_key k;
	uint8_t a[16];
	char err[256] = "";

	addr(dst, a);
	pl_dlim_key_make(&k, a, proto, dport);
	if (pl_dlim_add(&fds, &k, pps, ttl, 0, err, sizeof(err)))
		fail_msg("limit %s: %s", dst, err);
}

static struct pl_dlim_val dlim_get(const char *dst, uint8_t proto, uint16_t dport)
{
	struct pl_dlim_key k;
	struct pl_dlim_val v;
	uint8_t a[16];

	addr(dst, a);
	pl_dlim_key_make(&k, a, proto, dport);
	assert_int_equal(bpf_map_lookup_elem(fds.dlims, &k, &v), 0);
	return v;
}

static void dlim_del(const char *dst, uint8_t proto, uint16_t dport)
{
	struct pl_dlim_key k;
	uint8_t a[16];
	char err[256] = "";

	addr(dst, a);
	pl_dlim_key_make(&k, a, proto, dport);
	assert_int_equal(pl_dlim_del(&fds, &k, err, sizeof(err)), 0);
}

static void trust(const char *src, const char *dst, uint64_t until)
{
	uint8_t s[16], d[16];

	addr(src, s);
	addr(dst, d);
	assert_int_equal(pl_trust_add(&fds, s, d, until), 0);
}

/* A SYN (or what sp says) from a source of its own: a spoofed flood. */
static int spoofed_at(struct spec *sp, unsigned i, uint32_t wirelen, uint64_t ts)
{
	char src[32];

	snprintf(src, sizeof(src), "172.%u.%u.%u", 16 + (i >> 16) % 16, (i >> 8) & 255, i & 255);
	sp->src = src;
	return verdict_at(sp, wirelen, ts);
}

static void test_dst_limit_syn(void **s)
{
	struct spec syn = { NULL, "10.70.0.1", 6, 80, 0, 0, 0 }, o;
	uint64_t now = pl_mono_ns();
	struct pl_dlim_val v;
	int i, pass = 0;

	(void)s;
	load("allow 198.51.100.0/24\ndeny 203.0.113.0/24\n");
	dlim_add("10.70.0.1", PL_DLIM_SYN, 0, 10, 60 * SEC_NS);
	assert_true(cfg_now().flags & PL_POL_DLIM);
	assert_false(cfg_now().flags & PL_POL_DLIM_PORT);
	/* each SYN from another source, 1 ms apart: a second's worth passes */
	for (i = 0; i < 15; i++)
		pass += spoofed_at(&syn, (unsigned)i, 0, now + (uint64_t)i * MS_NS) == PASS;
	assert_int_equal(pass, 10);
	/* the bucket is empty; what is not a connection attempt passes */
	o = syn;
	o.src = "192.0.2.9";
	o.tcp_flags = 0x10;                                     /* ACK */
	assert_int_equal(verdict_at(&o, 0, now + 20 * MS_NS), PASS);
	o.tcp_flags = 0x18;                                     /* data */
	assert_int_equal(verdict_at(&o, 0, now + 20 * MS_NS), PASS);
	o.tcp_flags = 0x12;                                     /* SYN-ACK */
	assert_int_equal(verdict_at(&o, 0, now + 20 * MS_NS), PASS);
	o.tcp_flags = 0x04;                                     /* RST */
	assert_int_equal(verdict_at(&o, 0, now + 20 * MS_NS), PASS);
	o.tcp_flags = 0;
	assert_int_equal(verdict_at(&o, 0, now + 20 * MS_NS), DROP);     /* a SYN */
	o.dst = "10.70.0.2";                                    /* another destination */
	assert_int_equal(verdict_at(&o, 0, now + 20 * MS_NS), PASS);
	o.dst = "10.70.0.1";
	o.proto = 17;                                           /* UDP, ICMP: not limited */
	assert_int_equal(verdict_at(&o, 0, now + 20 * MS_NS), PASS);
	o.proto = 1;
	assert_int_equal(verdict_at(&o, 0, now + 20 * MS_NS), PASS);
	/* trusted there (a handshake completed) passes; trusted elsewhere or
	 * no longer does not */
	o = syn;
	trust("192.0.2.200", "10.70.0.1", 0);
	trust("192.0.2.201", "10.70.0.2", 0);
	trust("192.0.2.202", "10.70.0.1", now + 25 * MS_NS);
	o.src = "192.0.2.200";
	assert_int_equal(verdict_at(&o, 0, now + 30 * MS_NS), PASS);
	o.src = "192.0.2.201";
	assert_int_equal(verdict_at(&o, 0, now + 30 * MS_NS), DROP);
	o.src = "192.0.2.202";
	assert_int_equal(verdict_at(&o, 0, now + 30 * MS_NS), DROP);
	/* an allowed source passes, a denied one is dropped by its rule; both
	 * spend nothing: 100 ms on, one packet's worth is left for the rest */
	o.src = "198.51.100.7";
	assert_int_equal(verdict_at(&o, 0, now + 115 * MS_NS), PASS);
	assert_int_equal(verdict_at(&o, 0, now + 115 * MS_NS), PASS);
	o.src = "203.0.113.7";
	assert_int_equal(verdict_at(&o, 0, now + 115 * MS_NS), DROP);
	assert_int_equal(counter(2).dropped, 1);
	assert_int_equal(spoofed_at(&syn, 100, 0, now + 115 * MS_NS), PASS);
	assert_int_equal(spoofed_at(&syn, 101, 0, now + 116 * MS_NS), DROP);
	v = dlim_get("10.70.0.1", PL_DLIM_SYN, 0);
	assert_int_equal(v.passed, 11);
	assert_int_equal(v.drops, 5 + 3 + 1);
	assert_int_equal(v.drop_bytes, v.drops * (14 + 20 + 20));
	/* expiry, on the program's clock: with the bucket empty just before,
	 * everything passes from then on */
	for (i = 0; i < 30; i++)
		spoofed_at(&syn, 200 + (unsigned)i, 0, v.expires_ns - 2 * MS_NS);
	assert_int_equal(spoofed_at(&syn, 300, 0, v.expires_ns - MS_NS), DROP);
	for (i = 0; i < 5; i++)
		assert_int_equal(spoofed_at(&syn, 400 + (unsigned)i, 0, v.expires_ns), PASS);
	/* removed: the flag goes, the program looks nothing up */
	dlim_del("10.70.0.1", PL_DLIM_SYN, 0);
	assert_false(cfg_now().flags & (PL_POL_DLIM | PL_POL_DLIM_PORT));
	load("");
}

static void test_dst_limit_rate_port_icmp(void **s)
{
	struct spec udp = { NULL, "10.71.0.1", 17, 53, 0, 0, 0 };
	struct spec icmp6 = { "2001:db8:71::9", "2001:db8:71::1", 58, 0, 0, 0, 0 };
	uint64_t now = pl_mono_ns();
	struct pl_dlim_val v;
	int i, pass = 0;
	char err[256] = "";
	struct pl_dlim_key k;
	uint8_t a[16];

	(void)s;
	load("");
	/* 100/s to port 53 only: 1000/s offered for 5 s; a second's worth of
	 * burst, then 100 a second */
	dlim_add("10.71.0.1", PL_DLIM_UDP, 53, 100, 60 * SEC_NS);
	assert_true(cfg_now().flags & PL_POL_DLIM_PORT);
	assert_false(cfg_now().flags & PL_POL_DLIM);
	for (i = 0; i < 5000; i++)
		pass += spoofed_at(&udp, (unsigned)i, 200, now + (uint64_t)i * MS_NS) == PASS;
	fprintf(stderr, "    destination limit 100/s, 1000/s offered for 5 s: %d passed\n", pass);
	assert_in_range(pass, 599, 601);        /* (5 s + 0.99 s) / 10 ms + 1 */
	v = dlim_get("10.71.0.1", PL_DLIM_UDP, 53);
	assert_int_equal(v.passed, (uint64_t)pass);
	assert_int_equal(v.drops, (uint64_t)(5000 - pass));
	assert_int_equal(v.drop_bytes, v.drops * 200);
	udp.dport = 54;                         /* another port */
	assert_int_equal(spoofed_at(&udp, 1, 0, now + 5 * SEC_NS), PASS);
	/* ICMPv6 echo limited, neighbour discovery never */
	dlim_add("2001:db8:71::1", PL_DLIM_ICMP6, 0, 1, 60 * SEC_NS);
	assert_true(cfg_now().flags & PL_POL_DLIM);
	assert_int_equal(verdict_at(&icmp6, 0, now), PASS);
	assert_int_equal(verdict_at(&icmp6, 0, now + 1), DROP);
	icmp6.icmp_type = 135;                  /* neighbour solicitation */
	assert_int_equal(verdict_at(&icmp6, 0, now + 2), PASS);
	icmp6.icmp_type = 136;
	assert_int_equal(verdict_at(&icmp6, 0, now + 3), PASS);
	/* bad rates are refused */
	addr("10.71.0.1", a);
	pl_dlim_key_make(&k, a, PL_DLIM_ICMP, 0);
	assert_int_equal(pl_dlim_add(&fds, &k, 0, 0, 0, err, sizeof(err)), -1);
	/* expired in the daemon's time: removed, the flags off, the trust gone */
	dlim_add("10.71.0.1", PL_DLIM_UDP, 53, 100, 1);
	dlim_add("2001:db8:71::1", PL_DLIM_ICMP6, 0, 1, 1);
	trust("192.0.2.1", "10.71.0.1", 0);
	assert_int_equal(pl_limits_expire(&fds), 2);
	assert_false(cfg_now().flags & (PL_POL_DLIM | PL_POL_DLIM_PORT));
	assert_int_not_equal(bpf_map_get_next_key(fds.trust, NULL, &k), 0);
	assert_int_not_equal(bpf_map_get_next_key(fds.dlims, NULL, &k), 0);
}

/* ---- one bucket, several CPUs ---------------------------------------------- */

struct runner {
	int cpu;
	uint64_t t0;
	int n, passed;
	int err;
};

/* SYNs from distinct sources to 10.72.0.1, 1 us apart in replay time, run
 * on one CPU; its own buffers (pl_replay_run's are not for threads). */
static void *run_syns(void *arg)
{
	struct runner *r = arg;
	uint8_t buf[sizeof(struct pl_replay_md) + 128];
	struct pl_replay_md *md = (struct pl_replay_md *)buf;
	struct spec sp = { NULL, "10.72.0.1", 6, 80, 0, 0, 0 };
	struct xdp_md ctx;
	cpu_set_t one;
	struct pkt p;
	char src[32];
	int i;

	CPU_ZERO(&one);
	CPU_SET(r->cpu, &one);
	sched_setaffinity(0, sizeof(one), &one);
	for (i = 0; i < r->n; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o);

		snprintf(src, sizeof(src), "172.%d.%d.%d", 16 + r->cpu % 16, (i >> 8) & 255, i & 255);
		sp.src = src;
		build(&p, &sp);
		memset(md, 0, sizeof(*md));
		md->ts_ns = r->t0 + (uint64_t)i * 1000;
		md->wire_len = p.len;
		md->magic = PL_REPLAY_MAGIC;
		memcpy(buf + sizeof(*md), p.b, p.len);
		memset(&ctx, 0, sizeof(ctx));
		ctx.data = sizeof(*md);
		ctx.data_end = (uint32_t)(sizeof(*md) + p.len);
		o.data_in = buf;
		o.data_size_in = (uint32_t)(sizeof(*md) + p.len);
		o.ctx_in = &ctx;
		o.ctx_size_in = sizeof(ctx);
		if (bpf_prog_test_run_opts(rp.prog_fd, &o)) {
			r->err = errno;
			break;
		}
		r->passed += o.retval == PASS;
	}
	return NULL;
}

static void test_dst_limit_cpus(void **s)
{
	struct runner r[2];
	pthread_t th[2];
	uint64_t t0 = pl_mono_ns();
	struct pl_dlim_val v;
	int i, total = 0;

	(void)s;
	load("");
	/* 1000/s: 2 x 2000 SYNs within 2 ms of replay time, on two CPUs at
	 * once. Never more than a second's worth plus 2 ms of rate may pass,
	 * and the atomic reservation gives back what it cannot use */
	dlim_add("10.72.0.1", PL_DLIM_SYN, 0, 1000, 60 * SEC_NS);
	for (i = 0; i < 2; i++) {
		r[i] = (struct runner){ .cpu = i % libbpf_num_possible_cpus(), .t0 = t0, .n = 2000 };
		assert_int_equal(pthread_create(&th[i], NULL, run_syns, &r[i]), 0);
	}
	for (i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(r[i].err, 0);
		total += r[i].passed;
	}
	v = dlim_get("10.72.0.1", PL_DLIM_SYN, 0);
	fprintf(stderr, "    shared bucket, 1000/s, 4000 SYNs on two CPUs in 2 ms: %d passed (%d + %d)\n",
		total, r[0].passed, r[1].passed);
	assert_in_range(total, 990, 1002);
	assert_int_equal(v.passed, (uint64_t)total);
	assert_int_equal(v.drops, (uint64_t)(4000 - total));
	dlim_del("10.72.0.1", PL_DLIM_SYN, 0);
}

/* ---- ARP pins ------------------------------------------------------------------ */

static const uint8_t mac_good[6] = { 0x02, 0x80, 0, 0, 0, 0x02 };
static const uint8_t mac_bad[6] = { 0x02, 0x80, 0, 0, 0, 0x03 };

static int arp_at(uint16_t op, const uint8_t sha[6], const char *spa, const char *tpa,
		  uint16_t vlan, uint64_t ts)
{
	struct pkt p;
	uint8_t *h;
	int v = -1;

	memset(&p, 0, sizeof(p));
	pk_eth(&p, vlan ? 0x8100 : 0x0806);
	memcpy(p.b + 6, sha, 6);
	if (vlan) {
		p.b[14] = (uint8_t)(vlan >> 8);
		p.b[15] = (uint8_t)vlan;
		p.b[16] = 0x08;
		p.b[17] = 0x06;
		p.len = 18;
	}
	h = p.b + p.len;
	h[1] = 1;                               /* Ethernet */
	h[2] = 0x08;                            /* IPv4 */
	h[4] = 6;
	h[5] = 4;
	h[6] = (uint8_t)(op >> 8);
	h[7] = (uint8_t)op;
	memcpy(h + 8, sha, 6);
	assert_int_equal(inet_pton(AF_INET, spa, h + 14), 1);
	assert_int_equal(inet_pton(AF_INET, tpa, h + 24), 1);
	p.len += 28;
	assert_int_equal(pl_replay_run(&rp, p.b, p.len, 60, ts, &v, NULL), 0);
	return v;
}

static struct pl_arp_pin_key pin_key(const char *ip, uint16_t vlan)
{
	struct pl_arp_pin_key k;

	memset(&k, 0, sizeof(k));
	assert_int_equal(inet_pton(AF_INET, ip, k.ip), 1);
	k.ifindex = 0;                          /* what replay says */
	k.vlan = vlan;
	return k;
}

static void test_arp_pin(void **s)
{
	struct pl_arp_pin_key k = pin_key("10.80.0.2", 0);
	struct pl_arp_pin_val v;
	uint64_t now = pl_mono_ns();
	char err[256] = "";

	(void)s;
	load("");
	assert_int_equal(arp_at(2, mac_bad, "10.80.0.2", "10.80.0.1", 0, now), PASS);  /* no pin */
	assert_int_equal(pl_pin_add(&fds, &k, mac_good, 60 * SEC_NS, 0, err, sizeof(err)), 0);
	assert_true(cfg_now().flags & PL_POL_ARP_PINS);
	/* the lie, as a reply and as a request, is dropped */
	assert_int_equal(arp_at(2, mac_bad, "10.80.0.2", "10.80.0.1", 0, now), DROP);
	assert_int_equal(arp_at(1, mac_bad, "10.80.0.2", "10.80.0.2", 0, now), DROP);
	/* the owner, other addresses, another VLAN, and IP pass */
	assert_int_equal(arp_at(2, mac_good, "10.80.0.2", "10.80.0.1", 0, now), PASS);
	assert_int_equal(arp_at(1, mac_good, "10.80.0.2", "10.80.0.2", 0, now), PASS);
	assert_int_equal(arp_at(2, mac_bad, "10.80.0.3", "10.80.0.1", 0, now), PASS);
	assert_int_equal(arp_at(2, mac_bad, "10.80.0.2", "10.80.0.1", 7, now), PASS);
	assert_int_equal(verdict("10.80.0.9", "10.80.0.2", 6, 80, 0), PASS);
	assert_int_equal(bpf_map_lookup_elem(fds.pins, &k, &v), 0);
	assert_int_equal(v.drops, 2);
	assert_memory_equal(v.last_mac, mac_bad, 6);
	/* expiry on the program's clock */
	assert_int_equal(arp_at(2, mac_bad, "10.80.0.2", "10.80.0.1", 0, v.expires_ns - 1), DROP);
	assert_int_equal(arp_at(2, mac_bad, "10.80.0.2", "10.80.0.1", 0, v.expires_ns), PASS);
	/* pinned again (by a VLAN too): the counters stay */
	assert_int_equal(pl_pin_add(&fds, &k, mac_good, 0, 0, err, sizeof(err)), 0);
	assert_int_equal(bpf_map_lookup_elem(fds.pins, &k, &v), 0);
	assert_int_equal(v.drops, 3);
	k = pin_key("10.80.0.2", 7);
	assert_int_equal(pl_pin_add(&fds, &k, mac_good, 0, 0, err, sizeof(err)), 0);
	assert_int_equal(arp_at(2, mac_bad, "10.80.0.2", "10.80.0.1", 7, now), DROP);
	/* removed: passes, and the flag goes with the last pin */
	assert_int_equal(pl_pin_del(&fds, &k, err, sizeof(err)), 0);
	assert_int_equal(pl_pin_del(&fds, &k, err, sizeof(err)), -1);
	assert_true(cfg_now().flags & PL_POL_ARP_PINS);
	k = pin_key("10.80.0.2", 0);
	assert_int_equal(pl_pin_del(&fds, &k, err, sizeof(err)), 0);
	assert_false(cfg_now().flags & PL_POL_ARP_PINS);
	assert_int_equal(arp_at(2, mac_bad, "10.80.0.2", "10.80.0.1", 0, now), PASS);
	/* expired in the daemon's time: removed */
	assert_int_equal(pl_pin_add(&fds, &k, mac_good, 1, 0, err, sizeof(err)), 0);
	assert_int_equal(pl_limits_expire(&fds), 1);
	assert_false(cfg_now().flags & PL_POL_ARP_PINS);
}

/* ---- atomic replacement ----------------------------------------------------- *
 * S and T are judged alike by A and B (S dropped, T passed), but through
 * lists at swapped indexes: A's trie sends S to the list that is T's in B,
 * and the other way round. A packet that saw A's trie with B's lists (or
 * the reverse), or a set half filled (no entry or an empty list: S passes),
 * gets a verdict that neither set gives. */
#define SET_A "deny 10.40.0.1\nallow 10.40.0.2\n"
#define SET_B "allow 10.40.0.2\ndeny 10.40.0.1\n"
#define SWAPS 60

static atomic_int swaps_done;
static atomic_int loader_failed;

static void *swapper(void *arg)
{
	struct pl_ruleset a, b;
	struct pl_load_result res;
	char err[512] = "";
	cpu_set_t all;
	int i, c;

	(void)arg;
	CPU_ZERO(&all);                         /* off the test-run CPU if there are others */
	for (c = 0; c < CPU_SETSIZE && c < 1024; c++)
		CPU_SET(c, &all);
	sched_setaffinity(0, sizeof(all), &all);
	if (compile(&a, SET_A, err, sizeof(err)) || compile(&b, SET_B, err, sizeof(err))) {
		atomic_store(&loader_failed, 1);
		return NULL;
	}
	for (i = 0; i < SWAPS; i++) {
		if (pl_rules_load(&fds, i % 2 ? &a : &b, NULL, &res, err, sizeof(err)) < 0) {
			fprintf(stderr, "swap %d: %s\n", i, err);
			atomic_store(&loader_failed, 1);
			break;
		}
		atomic_fetch_add(&swaps_done, 1);
	}
	pl_ruleset_free(&a);
	pl_ruleset_free(&b);
	return NULL;
}

static uint32_t list_of(const struct pl_ruleset *rs, const char *src)
{
	return rs->vals[entry(rs, src, 128)].list;
}

static void test_atomic_swap(void **s)
{
	struct pl_ruleset a, b;
	char err[512] = "";
	pthread_t th;
	long runs = 0, bad_s = 0, bad_t = 0, during = 0;
	uint64_t t0;

	(void)s;
	/* the design holds: same verdicts, crossed lists */
	assert_int_equal(compile(&a, SET_A, err, sizeof(err)), 0);
	assert_int_equal(compile(&b, SET_B, err, sizeof(err)), 0);
	assert_int_equal(list_of(&a, "10.40.0.1"), list_of(&b, "10.40.0.2"));
	assert_int_equal(list_of(&a, "10.40.0.2"), list_of(&b, "10.40.0.1"));
	assert_int_equal(b.lists[list_of(&a, "10.40.0.1")].r[0].action, PL_ACT_ALLOW);
	assert_int_equal(a.lists[list_of(&b, "10.40.0.2")].r[0].action, PL_ACT_DENY);
	pl_ruleset_free(&a);
	pl_ruleset_free(&b);

	load(SET_A);
	t0 = pl_mono_ns();
	atomic_store(&swaps_done, 0);
	assert_int_equal(pthread_create(&th, NULL, swapper, NULL), 0);
	while (atomic_load(&swaps_done) < SWAPS && !atomic_load(&loader_failed)) {
		int d0 = atomic_load(&swaps_done);

		if (V4("10.40.0.1") != DROP)
			bad_s++;
		if (V4("10.40.0.2") != PASS)
			bad_t++;
		runs += 2;
		during += atomic_load(&swaps_done) != d0;
	}
	pthread_join(th, NULL);
	fprintf(stderr, "    atomic swap: %d loads in %.2f s, %ld packets, %ld pairs ran across a load, %ld+%ld inconsistent\n",
		atomic_load(&swaps_done), (double)(pl_mono_ns() - t0) / 1e9, runs, during, bad_s, bad_t);
	assert_false(atomic_load(&loader_failed));
	assert_int_equal(atomic_load(&swaps_done), SWAPS);
	assert_int_equal(bad_s, 0);
	assert_int_equal(bad_t, 0);
	assert_true(runs > SWAPS);              /* the loads and the packets interleaved */
	load("");
}

/* ---- IP fragments (bpf/frag_policy.h) ----------------------------------------
 * A datagram's fragmentable part is built (dg_tcp...), cut into frames
 * (pk_frag4/6) and sent in the order a case wants, each frame with its own
 * identification so that cases do not meet in the fragment table. */

static uint64_t frag_clock = 9000000000000ull;

/* Sends one fragment from src to dst (IPv4), bytes [off, off + len) of d. */
static int frag_v4_at(struct pl_replay *r, const char *src, const char *dst, uint8_t proto,
		      uint16_t id, const uint8_t *d, uint32_t off, uint32_t len, int mf, uint64_t ts)
{
	struct pkt p;
	int v = -1;

	pk_frag4(&p, proto, id, d, off, len, mf);
	assert_int_equal(inet_pton(AF_INET, src, p.b + 14 + 12), 1);
	assert_int_equal(inet_pton(AF_INET, dst, p.b + 14 + 16), 1);
	assert_int_equal(pl_replay_run(r, p.b, p.len, p.len, ts ? ts : (frag_clock += 1000),
				       &v, NULL), 0);
	return v;
}

static int frag_v4(const char *src, uint8_t proto, uint16_t id, const uint8_t *d, uint32_t off,
		   uint32_t len, int mf)
{
	return frag_v4_at(&rp, src, "10.255.0.1", proto, id, d, off, len, mf, 0);
}

/* IPv6 from src, behind hop-by-hop and destination options headers. */
static int frag_v6(const char *src, uint8_t nh, uint32_t id, const uint8_t *d, uint32_t off,
		   uint32_t len, int mf)
{
	uint8_t pre[16];
	struct pkt p;
	int v = -1;

	pk_opts8(pre, 60);
	pk_opts8(pre + 8, 44);
	pk_frag6(&p, 0, pre, sizeof(pre), nh, id, d, off, len, mf);
	assert_int_equal(inet_pton(AF_INET6, src, p.b + 14 + 8), 1);
	assert_int_equal(pl_replay_run(&rp, p.b, p.len, p.len, frag_clock += 1000, &v, NULL), 0);
	return v;
}

static struct pl_counters frag_counters(struct pl_replay *r)
{
	struct pl_counters c;

	assert_int_equal(pl_replay_counters(r, &c), 0);
	return c;
}

/* Packets the flow table holds for one IPv4 TCP/UDP flow to 10.255.0.1. */
static uint64_t flow_packets(const char *src, uint8_t proto, uint16_t sport, uint16_t dport)
{
	struct pl_flow_key k;
	struct pl_flow_val *v;
	uint64_t n = 0;
	int i;

	memset(&k, 0, sizeof(k));
	addr(src, k.src);
	addr("10.255.0.1", k.dst);
	k.sport = sport;
	k.dport = dport;
	k.proto = proto;
	k.ip_version = 4;
	v = calloc((size_t)rp.ncpu, sizeof(*v));
	assert_non_null(v);
	if (!bpf_map__lookup_elem(rp.skel->maps.pl_flows, &k, sizeof(k), v,
				  sizeof(*v) * (size_t)rp.ncpu, 0))
		for (i = 0; i < rp.ncpu; i++)
			n += v[i].packets;
	free(v);
	return n;
}

#define CNT(field) ((long long)(c1.field - c0.field))

/* nmap -f: a SYN to a denied port in 8-byte fragments. The first is tiny
 * and the second at offset 1: both dropped where a port rule could decide;
 * the rest are orphans, judged alone, and pass: without its first
 * fragment the host has no datagram. From a source no port rule speaks
 * of, all pass, counted and reported all the same. */
static void test_frag_tiny_and_offset_one(void **s)
{
	struct pl_counters c0, c1;
	uint8_t d[64];
	uint32_t n = dg_tcp(d, 40000, 22, 0x02, 20), off;

	(void)s;
	load("deny 10.90.0.1 proto tcp port 22\n");
	c0 = frag_counters(&rp);
	assert_int_equal(frag_v4("10.90.0.1", 6, 100, d, 0, 8, 1), DROP);
	assert_int_equal(frag_v4("10.90.0.1", 6, 100, d, 8, 8, 1), DROP);
	for (off = 16; off < n; off += 8)
		assert_int_equal(frag_v4("10.90.0.1", 6, 100, d, off, 8, off + 8 < n), PASS);
	c1 = frag_counters(&rp);
	assert_int_equal(CNT(malformed[PL_MAL_IPV4_FRAG_TINY]), 1);
	assert_int_equal(CNT(malformed[PL_MAL_IPV4_FRAG_OFFSET_ONE]), 1);
	assert_int_equal(CNT(frag_drops), 2);
	assert_int_equal(CNT(frag_orphans), (n - 8) / 8);
	assert_int_equal(CNT(frag_firsts), 0);
	assert_int_equal(CNT(fragments), n / 8);
	/* a 16-byte first fragment is tiny too; UDP in 4 bytes as well */
	assert_int_equal(frag_v4("10.90.0.1", 6, 101, d, 0, 16, 1), DROP);
	load("deny 10.90.0.1 proto udp port 53\n");
	n = dg_udp(d, 40000, 53, 20);
	assert_int_equal(frag_v4("10.90.0.1", 17, 102, d, 0, 4, 1), DROP);
	/* no port rule for TCP from there: a tiny TCP fragment passes */
	n = dg_tcp(d, 40000, 22, 0x02, 20);
	assert_int_equal(frag_v4("10.90.0.1", 6, 103, d, 0, 8, 1), PASS);
	c0 = frag_counters(&rp);
	assert_int_equal(frag_v4("10.90.0.2", 6, 104, d, 0, 8, 1), PASS);
	assert_int_equal(frag_v4("10.90.0.2", 6, 104, d, 8, 8, 1), PASS);
	c1 = frag_counters(&rp);
	assert_int_equal(CNT(malformed[PL_MAL_IPV4_FRAG_TINY]), 1);
	assert_int_equal(CNT(malformed[PL_MAL_IPV4_FRAG_OFFSET_ONE]), 1);
	assert_int_equal(CNT(frag_drops), 0);
	/* a source-wide deny drops them as it drops everything */
	load("deny 10.90.0.2\n");
	assert_int_equal(frag_v4("10.90.0.2", 6, 105, d, 0, 8, 1), DROP);
	load("");
}

/* A fragmented SYN whose first fragment holds the whole TCP header: judged
 * on it, and every later fragment gets the same verdict. To port 80 the
 * datagram passes whole, and its fragments count in its 5-tuple flow. */
static void test_frag_remembered(void **s)
{
	struct pl_counters c0, c1;
	uint8_t d[128];
	uint32_t n;

	(void)s;
	load("deny 10.91.0.1 proto tcp port 22\n");
	n = dg_tcp(d, 40001, 22, 0x02, 60);
	c0 = frag_counters(&rp);
	assert_int_equal(frag_v4("10.91.0.1", 6, 200, d, 0, 40, 1), DROP);
	assert_int_equal(frag_v4("10.91.0.1", 6, 200, d, 40, n - 40, 0), DROP);
	c1 = frag_counters(&rp);
	assert_int_equal(CNT(frag_firsts), 1);
	assert_int_equal(CNT(frag_found), 1);
	assert_int_equal(CNT(frag_drops), 1);           /* the later one; the first: its rule */
	assert_int_equal(counter(1).dropped, 1);
	/* to port 80: all of it passes, three fragments in one flow */
	n = dg_tcp(d, 40002, 80, 0x02, 60);
	c0 = frag_counters(&rp);
	assert_int_equal(frag_v4("10.91.0.1", 6, 201, d, 0, 24, 1), PASS);
	assert_int_equal(frag_v4("10.91.0.1", 6, 201, d, 24, 32, 1), PASS);
	assert_int_equal(frag_v4("10.91.0.1", 6, 201, d, 56, n - 56, 0), PASS);
	c1 = frag_counters(&rp);
	assert_int_equal(CNT(frag_found), 2);
	assert_int_equal(CNT(frag_drops), 0);
	assert_int_equal(flow_packets("10.91.0.1", 6, 40002, 80), 3);
	assert_int_equal(flow_packets("10.91.0.1", 6, 0, 0), 0);
	/* ICMP: type and code are the flow's ports */
	memset(d, 0, 64);
	d[0] = 8;
	assert_int_equal(frag_v4("10.91.0.1", 1, 202, d, 0, 16, 1), PASS);
	assert_int_equal(frag_v4("10.91.0.1", 1, 202, d, 16, 48, 0), PASS);
	assert_int_equal(flow_packets("10.91.0.1", 1, 8, 0), 2);
	load("");
}

/* Out of order: a later fragment that comes first is an orphan, judged
 * alone (it passes: no port to match); its first, when it comes, is judged
 * on its header, and the rest follow it. An orphan that started inside
 * the header its first brings makes that first an overlap. */
static void test_frag_out_of_order(void **s)
{
	struct pl_counters c0, c1;
	uint8_t d[128];
	uint32_t n;

	(void)s;
	load("deny 10.92.0.1 proto tcp port 22\n");
	n = dg_tcp(d, 40003, 22, 0x02, 60);
	c0 = frag_counters(&rp);
	assert_int_equal(frag_v4("10.92.0.1", 6, 300, d, 56, n - 56, 0), PASS);
	assert_int_equal(frag_v4("10.92.0.1", 6, 300, d, 0, 24, 1), DROP);
	assert_int_equal(frag_v4("10.92.0.1", 6, 300, d, 24, 32, 1), DROP);
	c1 = frag_counters(&rp);
	assert_int_equal(CNT(frag_orphans), 1);
	assert_int_equal(CNT(frag_firsts), 1);
	assert_int_equal(CNT(frag_found), 1);
	/* an orphan at offset 16 (inside a 20-byte TCP header) before a first
	 * fragment to port 80: the first could be rewritten, so it drops */
	n = dg_tcp(d, 40004, 80, 0x02, 60);
	c0 = frag_counters(&rp);
	assert_int_equal(frag_v4("10.92.0.1", 6, 301, d, 16, 16, 1), PASS);
	assert_int_equal(frag_v4("10.92.0.1", 6, 301, d, 0, 24, 1), DROP);
	assert_int_equal(frag_v4("10.92.0.1", 6, 301, d, 32, n - 32, 0), DROP);
	c1 = frag_counters(&rp);
	assert_int_equal(CNT(malformed[PL_MAL_FRAG_HDR_OVERLAP]), 1);
	assert_int_equal(CNT(frag_drops), 2);
	/* the same without a port rule: counted, passed */
	load("");
	c0 = frag_counters(&rp);
	assert_int_equal(frag_v4("10.92.0.1", 6, 302, d, 16, 16, 1), PASS);
	assert_int_equal(frag_v4("10.92.0.1", 6, 302, d, 0, 24, 1), PASS);
	c1 = frag_counters(&rp);
	assert_int_equal(CNT(malformed[PL_MAL_FRAG_HDR_OVERLAP]), 1);
	assert_int_equal(CNT(frag_drops), 0);
}

/* Overlaps after the first: a later fragment that starts inside the first's
 * TCP header, a first fragment again with other ports. Dropped where a
 * port rule could decide, and the datagram's later fragments with them. */
static void test_frag_overlap(void **s)
{
	struct pl_counters c0, c1;
	uint8_t d[128], e[128];
	uint32_t n;

	(void)s;
	load("deny 10.93.0.1 proto tcp port 22\n");
	n = dg_tcp(d, 40005, 80, 0x10, 60);            /* an ACK to port 80 */
	c0 = frag_counters(&rp);
	assert_int_equal(frag_v4("10.93.0.1", 6, 400, d, 0, 24, 1), PASS);
	assert_int_equal(frag_v4("10.93.0.1", 6, 400, d, 16, 16, 1), DROP);
	assert_int_equal(frag_v4("10.93.0.1", 6, 400, d, 32, n - 32, 0), DROP);
	c1 = frag_counters(&rp);
	assert_int_equal(CNT(malformed[PL_MAL_FRAG_HDR_OVERLAP]), 1);
	assert_int_equal(CNT(frag_drops), 2);
	/* options make the header longer: 24 bytes is still inside it */
	d[12] = 8 << 4;
	assert_int_equal(frag_v4("10.93.0.1", 6, 401, d, 0, 32, 1), PASS);
	assert_int_equal(frag_v4("10.93.0.1", 6, 401, d, 24, 16, 1), DROP);
	d[12] = 5 << 4;
	/* offset 1 after a whole first: offset_one, not counted twice */
	c0 = frag_counters(&rp);
	assert_int_equal(frag_v4("10.93.0.1", 6, 402, d, 0, 24, 1), PASS);
	assert_int_equal(frag_v4("10.93.0.1", 6, 402, d, 8, 16, 1), DROP);
	c1 = frag_counters(&rp);
	assert_int_equal(CNT(malformed[PL_MAL_IPV4_FRAG_OFFSET_ONE]), 1);
	assert_int_equal(CNT(malformed[PL_MAL_FRAG_HDR_OVERLAP]), 0);
	/* the first again with another port: the datagram is poisoned */
	dg_tcp(e, 40005, 22, 0x02, 60);
	c0 = frag_counters(&rp);
	assert_int_equal(frag_v4("10.93.0.1", 6, 403, d, 0, 24, 1), PASS);
	assert_int_equal(frag_v4("10.93.0.1", 6, 403, e, 0, 24, 1), DROP);
	assert_int_equal(frag_v4("10.93.0.1", 6, 403, d, 24, n - 24, 0), DROP);
	c1 = frag_counters(&rp);
	assert_int_equal(CNT(malformed[PL_MAL_FRAG_HDR_OVERLAP]), 1);
	/* and the other way round: the first (to 22) dropped, its twin to 80 too */
	assert_int_equal(frag_v4("10.93.0.1", 6, 404, e, 0, 24, 1), DROP);
	assert_int_equal(frag_v4("10.93.0.1", 6, 404, d, 0, 24, 1), DROP);
	assert_int_equal(frag_v4("10.93.0.1", 6, 404, d, 24, n - 24, 0), DROP);
	/* the first again with the same ports: judged anew, nothing wrong */
	c0 = frag_counters(&rp);
	assert_int_equal(frag_v4("10.93.0.1", 6, 405, d, 0, 24, 1), PASS);
	assert_int_equal(frag_v4("10.93.0.1", 6, 405, d, 0, 24, 1), PASS);
	assert_int_equal(frag_v4("10.93.0.1", 6, 405, d, 24, n - 24, 0), PASS);
	c1 = frag_counters(&rp);
	assert_int_equal(CNT(malformed[PL_MAL_FRAG_HDR_OVERLAP]), 0);
	assert_int_equal(CNT(frag_firsts), 2);
	/* no port rule for the source: overlaps pass, counted */
	c0 = frag_counters(&rp);
	assert_int_equal(frag_v4("10.93.0.2", 6, 406, d, 0, 24, 1), PASS);
	assert_int_equal(frag_v4("10.93.0.2", 6, 406, d, 16, 16, 1), PASS);
	assert_int_equal(frag_v4("10.93.0.2", 6, 406, e, 0, 24, 1), PASS);
	c1 = frag_counters(&rp);
	assert_int_equal(CNT(malformed[PL_MAL_FRAG_HDR_OVERLAP]), 2);
	assert_int_equal(CNT(frag_drops), 0);
	load("");
}

/* IPv6, the fragment header behind hop-by-hop and destination options. */
static void test_frag_ipv6(void **s)
{
	struct pl_counters c0, c1;
	uint8_t d[128];
	uint32_t n;

	(void)s;
	load("deny 2001:db8::1 proto tcp port 22\n");
	n = dg_tcp(d, 40006, 22, 0x02, 60);
	c0 = frag_counters(&rp);
	assert_int_equal(frag_v6("2001:db8::1", 6, 500, d, 0, 24, 1), DROP);
	assert_int_equal(frag_v6("2001:db8::1", 6, 500, d, 24, n - 24, 0), DROP);
	assert_int_equal(frag_v6("2001:db8::1", 6, 501, d, 0, 8, 1), DROP);    /* tiny */
	assert_int_equal(frag_v6("2001:db8::1", 6, 501, d, 8, 16, 1), PASS);   /* orphan */
	c1 = frag_counters(&rp);
	assert_int_equal(CNT(frag_firsts), 1);
	assert_int_equal(CNT(frag_found), 1);
	assert_int_equal(CNT(malformed[PL_MAL_IPV6_FRAG_TINY]), 1);
	/* the chain goes on in the next fragment: destination options cut */
	{
		uint8_t e[128];

		memset(e, 0, sizeof(e));
		e[0] = 6;
		e[1] = 2;                       /* 24 bytes of options, then TCP */
		dg_tcp(e + 24, 40006, 22, 0x02, 40);
		assert_int_equal(frag_v6("2001:db8::1", 60, 502, e, 0, 16, 1), DROP);
		/* whole: judged on the TCP header behind the options */
		assert_int_equal(frag_v6("2001:db8::1", 60, 503, e, 0, 48, 1), DROP);
		assert_int_equal(frag_v6("2001:db8::1", 60, 503, e, 48, 16, 0), DROP);
		dg_tcp(e + 24, 40006, 80, 0x02, 40);
		assert_int_equal(frag_v6("2001:db8::1", 60, 504, e, 0, 48, 1), PASS);
		assert_int_equal(frag_v6("2001:db8::1", 60, 504, e, 48, 16, 0), PASS);
		/* an orphan inside that header (options 24 + TCP 20) marks its first */
		assert_int_equal(frag_v6("2001:db8::1", 60, 505, e, 32, 16, 1), PASS);
		assert_int_equal(frag_v6("2001:db8::1", 60, 505, e, 0, 32 + 0 + 16, 1), DROP);
	}
	/* to port 80 all passes */
	n = dg_tcp(d, 40006, 80, 0x02, 60);
	assert_int_equal(frag_v6("2001:db8::1", 6, 506, d, 0, 24, 1), PASS);
	assert_int_equal(frag_v6("2001:db8::1", 6, 506, d, 24, n - 24, 0), PASS);
	/* an atomic fragment (RFC 6946) is a whole packet: judged, not tracked */
	n = dg_tcp(d, 40006, 22, 0x02, 0);
	c0 = frag_counters(&rp);
	assert_int_equal(frag_v6("2001:db8::1", 6, 507, d, 0, n, 0), DROP);
	n = dg_tcp(d, 40006, 80, 0x02, 0);
	assert_int_equal(frag_v6("2001:db8::1", 6, 508, d, 0, n, 0), PASS);
	c1 = frag_counters(&rp);
	assert_int_equal(CNT(frag_firsts) + CNT(frag_found) + CNT(frag_orphans), 0);
	/* the rule decided the three whole headers to port 22 (500, 503, 507);
	 * the tiny, overlapping and later fragments were not its doing */
	assert_int_equal(counter(1).matched, 3);
	load("");
}

/* Bans drop every fragment, tracked or not, also after the first passed;
 * an allow rule's pass is remembered and protects the rest from bans. */
static void test_frag_bans_and_allow(void **s)
{
	uint64_t now = pl_mono_ns();
	uint8_t a[16], d[128];
	char err[256] = "";
	uint32_t n = dg_tcp(d, 40007, 80, 0x02, 60);

	(void)s;
	load("");
	addr("10.94.0.1", a);
	assert_int_equal(pl_ban_add(&fds, a, 0, 0, err, sizeof(err)), 0);
	assert_int_equal(frag_v4_at(&rp, "10.94.0.1", "10.255.0.1", 6, 600, d, 0, 24, 1, now), DROP);
	assert_int_equal(frag_v4_at(&rp, "10.94.0.1", "10.255.0.1", 6, 600, d, 24, n - 24, 0, now), DROP);
	assert_int_equal(frag_v4_at(&rp, "10.94.0.1", "10.255.0.1", 6, 601, d, 0, 8, 1, now), DROP);
	assert_int_equal(frag_v4_at(&rp, "10.94.0.1", "10.255.0.1", 6, 602, d, 24, 8, 1, now), DROP);
	assert_int_equal(pl_ban_del(&fds, a, err, sizeof(err)), 0);
	/* banned between the first fragment and the rest */
	assert_int_equal(frag_v4_at(&rp, "10.94.0.1", "10.255.0.1", 6, 603, d, 0, 24, 1, now), PASS);
	assert_int_equal(pl_ban_add(&fds, a, 0, 0, err, sizeof(err)), 0);
	assert_int_equal(frag_v4_at(&rp, "10.94.0.1", "10.255.0.1", 6, 603, d, 24, n - 24, 0, now), DROP);
	assert_int_equal(pl_ban_del(&fds, a, err, sizeof(err)), 0);
	/* allow port 80 inside a broader deny: all of a port-80 datagram passes,
	 * and a ban made meanwhile does not stop it (the allow decided) */
	load("allow 10.94.0.2 proto tcp port 80\ndeny 10.94.0.0/16\n");
	addr("10.94.0.2", a);
	assert_int_equal(frag_v4_at(&rp, "10.94.0.2", "10.255.0.1", 6, 604, d, 0, 24, 1, now), PASS);
	assert_int_equal(frag_v4_at(&rp, "10.94.0.2", "10.255.0.1", 6, 604, d, 24, 32, 1, now), PASS);
	assert_int_equal(pl_ban_add(&fds, a, 0, 0, err, sizeof(err)), 0);
	assert_int_equal(frag_v4_at(&rp, "10.94.0.2", "10.255.0.1", 6, 604, d, 56, n - 56, 0, now), PASS);
	assert_int_equal(pl_ban_del(&fds, a, err, sizeof(err)), 0);
	/* to port 22 the deny decides, for every fragment */
	n = dg_tcp(d, 40007, 22, 0x02, 60);
	assert_int_equal(frag_v4_at(&rp, "10.94.0.2", "10.255.0.1", 6, 605, d, 0, 24, 1, now), DROP);
	assert_int_equal(frag_v4_at(&rp, "10.94.0.2", "10.255.0.1", 6, 605, d, 24, n - 24, 0, now), DROP);
	load("");
}

/* A datagram spends a rate limit's token once, with its first fragment;
 * its later fragments share the verdict. */
static void test_frag_rate_once(void **s)
{
	uint8_t d[128];
	uint32_t n = dg_udp(d, 40008, 53, 60);
	uint64_t t = 12000000000000ull;
	int i;

	(void)s;
	load("ratelimit 10.95.0.1 pps 2\n");
	for (i = 0; i < 2; i++) {
		assert_int_equal(frag_v4_at(&rp, "10.95.0.1", "10.255.0.1", 17, (uint16_t)(700 + i),
					    d, 0, 24, 1, t + (uint64_t)i), PASS);
		assert_int_equal(frag_v4_at(&rp, "10.95.0.1", "10.255.0.1", 17, (uint16_t)(700 + i),
					    d, 24, 24, 1, t + (uint64_t)i), PASS);
		assert_int_equal(frag_v4_at(&rp, "10.95.0.1", "10.255.0.1", 17, (uint16_t)(700 + i),
					    d, 48, n - 48, 0, t + (uint64_t)i), PASS);
	}
	assert_int_equal(frag_v4_at(&rp, "10.95.0.1", "10.255.0.1", 17, 702, d, 0, 24, 1, t + 3), DROP);
	assert_int_equal(frag_v4_at(&rp, "10.95.0.1", "10.255.0.1", 17, 702, d, 24, 24, 1, t + 3), DROP);
	assert_int_equal(counter(1).matched, 3);
	assert_int_equal(counter(1).dropped, 1);
	load("");
}

/* A SYN limit reads the TCP flags, a port limit the port: tiny fragments
 * toward such a destination drop, whatever the source's rules. */
static void test_frag_dst_limits(void **s)
{
	uint8_t d[64];
	uint64_t now = pl_mono_ns();

	(void)s;
	load("");
	dg_tcp(d, 40009, 443, 0x02, 20);
	dlim_add("10.96.0.9", PL_DLIM_SYN, 0, 1000, 0);
	assert_int_equal(frag_v4_at(&rp, "10.96.0.1", "10.96.0.9", 6, 800, d, 0, 8, 1, now), DROP);
	assert_int_equal(frag_v4_at(&rp, "10.96.0.1", "10.96.0.8", 6, 801, d, 0, 8, 1, now), PASS);
	dlim_del("10.96.0.9", PL_DLIM_SYN, 0);
	dlim_add("10.96.0.9", PL_DLIM_UDP, 5353, 1000, 0);
	dg_udp(d, 40009, 5353, 20);
	assert_int_equal(frag_v4_at(&rp, "10.96.0.1", "10.96.0.9", 17, 802, d, 0, 4, 1, now), DROP);
	/* a known port elsewhere is not limited: an overlap there passes */
	dg_udp(d, 40009, 9999, 20);
	assert_int_equal(frag_v4_at(&rp, "10.96.0.1", "10.96.0.9", 17, 803, d, 0, 8, 1, now), PASS);
	assert_int_equal(frag_v4_at(&rp, "10.96.0.1", "10.96.0.9", 17, 803, d, 0 , 8, 1, now), PASS);
	dlim_del("10.96.0.9", PL_DLIM_UDP, 5353);
}

/* fragment-tracking = false: each fragment judged alone, the bypass is
 * back (what the switch is for: measuring, and showing the tests can see
 * it). */
static void test_frag_tracking_off(void **s)
{
	struct pl_replay_opts o = { .frags_alone = 1 };
	struct pl_policy_fds keep = fds;
	struct pl_replay r2;
	struct pl_counters c;
	uint8_t d[128];
	char err[256];
	uint32_t n = dg_tcp(d, 40010, 22, 0x02, 60);

	(void)s;
	assert_int_equal(pl_replay_open_opts(&r2, &o, err, sizeof(err)), 0);
	pl_policy_fds_of(r2.skel, &fds);
	load("deny 10.97.0.1 proto tcp port 22\n");
	assert_int_equal(frag_v4_at(&r2, "10.97.0.1", "10.255.0.1", 6, 900, d, 0, 8, 1, 0), PASS);
	assert_int_equal(frag_v4_at(&r2, "10.97.0.1", "10.255.0.1", 6, 900, d, 8, 8, 1, 0), PASS);
	assert_int_equal(frag_v4_at(&r2, "10.97.0.1", "10.255.0.1", 6, 901, d, 0, 24, 1, 0), DROP);
	assert_int_equal(frag_v4_at(&r2, "10.97.0.1", "10.255.0.1", 6, 901, d, 24, n - 24, 0, 0), PASS);
	c = frag_counters(&r2);
	assert_int_equal(c.frag_firsts + c.frag_found + c.frag_orphans + c.frag_drops, 0);
	assert_int_equal(c.malformed[PL_MAL_IPV4_FRAG_TINY], 1);       /* still said */
	pl_replay_close(&r2);
	fds = keep;
}

/* ---- setup ------------------------------------------------------------------ */

static int setup(void **s)
{
	char err[256];

	(void)s;
	if (pl_replay_open(&rp, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	pl_policy_fds_of(rp.skel, &fds);
	return 0;
}

static int teardown(void **s)
{
	(void)s;
	pl_replay_close(&rp);
	return 0;
}

int main(void)
{
	const struct CMUnitTest native[] = {
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_forms),
		cmocka_unit_test(test_compile_lists),
	};
	const struct CMUnitTest kernel[] = {
		cmocka_unit_test(test_nested_prefixes),
		cmocka_unit_test(test_same_prefix),
		cmocka_unit_test(test_conditions),
		cmocka_unit_test(test_ipv6_and_families),
		cmocka_unit_test(test_empty_set_and_flags),
		cmocka_unit_test(test_counters),
		cmocka_unit_test(test_bans),
		cmocka_unit_test(test_rate_limit_pps),
		cmocka_unit_test(test_rate_limit_bps),
		cmocka_unit_test(test_dst_limit_syn),
		cmocka_unit_test(test_dst_limit_rate_port_icmp),
		cmocka_unit_test(test_dst_limit_cpus),
		cmocka_unit_test(test_arp_pin),
		cmocka_unit_test(test_atomic_swap),
		cmocka_unit_test(test_frag_tiny_and_offset_one),
		cmocka_unit_test(test_frag_remembered),
		cmocka_unit_test(test_frag_out_of_order),
		cmocka_unit_test(test_frag_overlap),
		cmocka_unit_test(test_frag_ipv6),
		cmocka_unit_test(test_frag_bans_and_allow),
		cmocka_unit_test(test_frag_rate_once),
		cmocka_unit_test(test_frag_dst_limits),
		cmocka_unit_test(test_frag_tracking_off),
	};
	int r;

	r = cmocka_run_group_tests_name("rules: parser and compiler", native, NULL, NULL);
	r |= cmocka_run_group_tests_name("policy in the XDP program", kernel, setup, teardown);
	return r;
}
