/* SPDX-License-Identifier: BSD-3-Clause */
/* fuzz_rules.c - libFuzzer over rule files (src/rules.c): the input is a
 * rule file, parsed by pl_rules_parse and compiled by pl_rules_compile as
 * `pktlens rules check` and `run --rules` do (no kernel).
 *
 * What a parsed set must satisfy:
 * - each rule, printed by pl_rule_format, parses back to the same rule
 *   (the daemon saves and lists rules as that text), and so does its own
 *   line of the file (line_off, line_len);
 * and a compiled one, judged as the XDP program judges a source (the
 * longest trie prefix holding it, then its rule list in order):
 * - for every source address tried (each rule's prefix, an address inside
 *   it, one just outside, and a few fixed ones), the list is exactly the
 *   rules the documentation says apply (docs/rules.md: every rule whose
 *   source holds the address and whose family is the address's, most
 *   specific first, then allow, ratelimit, deny, then file order), each
 *   compiled with the rule's own conditions and counter id.
 * A set that breaks one aborts. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"

#define MAX_INPUT 65536
#define MAX_SAMPLES 4096

static const uint8_t mapped96[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* The first plen bits of a and b agree. */
static int in_prefix(const uint8_t *a, const uint8_t *p, unsigned plen)
{
	unsigned full = plen / 8, rest = plen % 8;

	if (memcmp(a, p, full))
		return 0;
	return !rest || !((a[full] ^ p[full]) & (uint8_t)(0xff << (8 - rest)));
}

static int is_v4(const uint8_t *a)
{
	return !memcmp(a, mapped96, 12);
}

static int rank(uint8_t action)
{
	return action == PL_ACT_ALLOW ? 0 : action == PL_ACT_RATELIMIT ? 1 : 2;
}

/* Which applies first: the more specific source, then the action's rank,
 * then file order. */
static int before(const struct pl_rule_def *a, uint32_t ia, const struct pl_rule_def *b,
		  uint32_t ib)
{
	if (a->src_plen != b->src_plen)
		return a->src_plen > b->src_plen;
	if (rank(a->action) != rank(b->action))
		return rank(a->action) < rank(b->action);
	return ia < ib;
}

/* The rule as the program reads it (docs/rules.md for the rates). */
static void expect_rule(const struct pl_ruleset *rs, uint32_t i, const struct pl_rule *got)
{
	const struct pl_rule_def *d = &rs->rules[i];
	uint64_t ns = d->pps ? (1000000000ull + d->pps / 2) / d->pps : 0;
	uint64_t ps = d->bps ? (8000000000000ull + d->bps / 2) / d->bps : 0;

	if (d->bps && !ps)
		ps = 1;
	if (got->id != rs->ids[i] || !got->id || got->id > rs->n_ids ||
	    got->id >= PL_RULE_IDS_MAX || got->action != d->action || got->proto != d->proto ||
	    got->dst_plen != d->dst_plen || got->vlan != d->vlan ||
	    got->dport_lo != d->port_lo || got->dport_hi != d->port_hi ||
	    memcmp(got->dst, d->dst, 16) || got->ns_per_pkt != ns || got->ps_per_byte != ps)
		abort();
}

/* The list the program would use for source a, checked against the rules
 * that the documentation says apply to a. */
static void check_source(const struct pl_ruleset *rs, const uint8_t a[16], uint32_t *want)
{
	const struct pl_rule_list *l = NULL;
	uint32_t i, j, n = 0, best = 0;
	int v4 = is_v4(a), found = 0;

	for (i = 0; i < rs->n_prefixes; i++) {
		const struct pl_lpm_key *k = &rs->keys[i];

		if (k->prefixlen > 128 || !in_prefix(a, k->addr, k->prefixlen))
			continue;
		if (!found || k->prefixlen > best) {
			if (rs->vals[i].list >= rs->n_lists)
				abort();
			l = &rs->lists[rs->vals[i].list];
			best = k->prefixlen;
			found = 1;
		}
	}
	for (i = 0; i < rs->n_rules; i++) {
		const struct pl_rule_def *r = &rs->rules[i];

		if (!in_prefix(a, r->src, r->src_plen) ||
		    (r->family == PL_FAM_V4 && !v4) || (r->family == PL_FAM_V6 && v4))
			continue;
		for (j = n; j > 0 && before(r, i, &rs->rules[want[j - 1]], want[j - 1]); j--)
			want[j] = want[j - 1];
		want[j] = i;
		n++;
	}
	if (!l) {
		if (n)
			abort();        /* rules apply, but no trie entry holds it */
		return;
	}
	if (l->n != n || n > PL_RULES_PER_LIST)
		abort();
	for (i = 0; i < n; i++)
		expect_rule(rs, want[i], &l->r[i]);
}

static void add_sample(uint8_t (*s)[16], uint32_t *n, const uint8_t a[16])
{
	if (*n < MAX_SAMPLES)
		memcpy(s[(*n)++], a, 16);
}

static void check_compiled(const struct pl_ruleset *rs)
{
	static const uint8_t fixed[][16] = {
		{ 0 },
		{ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0 },
		{ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 1, 2, 3 },
		{ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 255, 255, 255, 255 },
		{ 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 },
		{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
		{ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xfe, 0, 0, 0, 1 },
	};
	static uint8_t samples[MAX_SAMPLES][16];
	uint32_t *want = malloc(((size_t)rs->n_rules + 1) * sizeof(*want));
	uint32_t i, n = 0, v4 = 0;

	if (!want)
		abort();
	for (i = 0; i < rs->n_prefixes; i++) {
		if (rs->keys[i].prefixlen > 128)
			abort();
		v4 += is_v4(rs->keys[i].addr) && rs->keys[i].prefixlen >= 96;
	}
	if (v4 != rs->n_v4 || rs->n_v4 + rs->n_v6 != rs->n_prefixes)
		abort();
	for (i = 0; i < rs->n_rules && i < PL_RULE_IDS_MAX; i++)
		if (rs->ids[i] < 1 || rs->ids[i] > rs->n_ids)
			abort();
	for (i = 1; i <= rs->n_ids; i++)
		if (rs->id_rule[i] >= rs->n_rules || rs->ids[rs->id_rule[i]] != i)
			abort();
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		add_sample(samples, &n, fixed[i]);
	for (i = 0; i < rs->n_rules; i++) {
		const struct pl_rule_def *r = &rs->rules[i];
		uint8_t a[16];
		unsigned bit;

		add_sample(samples, &n, r->src);
		memcpy(a, r->src, 16);
		a[15] ^= 1;                             /* inside, unless a /128 */
		add_sample(samples, &n, a);
		if (r->src_plen) {                      /* just outside */
			bit = r->src_plen - 1u;
			memcpy(a, r->src, 16);
			a[bit / 8] ^= (uint8_t)(0x80 >> (bit % 8));
			add_sample(samples, &n, a);
		}
	}
	for (i = 0; i < n; i++)
		check_source(rs, samples[i], want);
	free(want);
}

/* A rule parsed again from text must be the same rule. */
static void check_reparse(const struct pl_rule_def *r, const char *text, size_t len)
{
	struct pl_ruleset one;
	struct pl_rule_def x, y;
	char err[512];

	if (pl_rules_parse(&one, "again", text, len, err, sizeof(err)) || one.n_rules != 1)
		abort();
	x = *r;
	y = one.rules[0];
	x.line = y.line = x.line_off = y.line_off = x.line_len = y.line_len = 0;
	if (memcmp(&x, &y, sizeof(x)))
		abort();
	pl_ruleset_free(&one);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pl_ruleset rs;
	char err[1024], text[512];
	uint32_t i;

	if (size > MAX_INPUT)
		return 0;
	err[0] = 0;
	if (pl_rules_parse(&rs, "fuzz.rules", (const char *)data, size, err, sizeof(err))) {
		if (!err[0])
			abort();        /* a refusal says why */
		return 0;
	}
	for (i = 0; i < rs.n_rules; i++) {
		const struct pl_rule_def *r = &rs.rules[i];

		if ((uint64_t)r->line_off + r->line_len > rs.text_len)
			abort();
		check_reparse(r, rs.text + r->line_off, r->line_len);
		pl_rule_format(r, 1, text, sizeof(text));
		check_reparse(r, text, strlen(text));
	}
	err[0] = 0;
	if (pl_rules_compile(&rs, err, sizeof(err))) {
		if (!err[0])
			abort();
	} else {
		check_compiled(&rs);
		for (i = 0; i <= rs.n_ids + 1; i++)
			pl_rules_counter_key(&rs, i, text, sizeof(text));
	}
	pl_ruleset_free(&rs);
	return 0;
}
