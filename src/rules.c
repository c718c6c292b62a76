/* SPDX-License-Identifier: BSD-3-Clause */
/* rules.c - rule files: parser, compiler, atomic loader.
 *
 * Compiling: every distinct source prefix becomes one LPM trie entry. Its
 * rule list is its own rules and those of every prefix that encloses it,
 * most specific first; the enclosing prefixes are found by masking the
 * entry to each prefix length that occurs in the file and looking that up
 * in a hash table, so a million prefixes cost a few million lookups.
 * Identical lists are stored once.
 *
 * Families: a prefix written in IPv4 matches IPv4 sources, one written in
 * IPv6 matches IPv6 sources, `any` both. In the trie an IPv6 prefix that
 * encloses the IPv4-mapped range (::/0 for instance) would also catch IPv4
 * sources; when there is one, an entry for ::ffff:0:0/96 (IPv4 0.0.0.0/0)
 * is added, so that IPv4 sources stop there and see only rules meant for
 * them. */
#include "rules.h"
#include "bans.h"
#include "textfile.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#ifndef ENOTSUPP
#define ENOTSUPP 524            /* the kernel's, not in userspace headers */
#endif

static const uint8_t mapped96[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

static const char *const action_names[] = {
	[PL_ACT_ALLOW] = "allow", [PL_ACT_RATELIMIT] = "ratelimit", [PL_ACT_DENY] = "deny",
};

/* ---- addresses ---------------------------------------------------------- */

static void mask_addr(const uint8_t *a, unsigned plen, uint8_t *out)
{
	unsigned i;

	for (i = 0; i < 16; i++) {
		unsigned bits = plen > i * 8 ? plen - i * 8 : 0;

		out[i] = bits >= 8 ? a[i] : bits ? (uint8_t)(a[i] & (0xff << (8 - bits))) : 0;
	}
}

/* The first plen bits of a and b agree. */
static int prefix_match(const uint8_t *a, const uint8_t *b, unsigned plen)
{
	uint8_t x[16], y[16];

	mask_addr(a, plen, x);
	mask_addr(b, plen, y);
	return !memcmp(x, y, 16);
}

static int in_v4_space(const uint8_t *a, unsigned plen)
{
	return plen >= 96 && !memcmp(a, mapped96, 12);
}

char *pl_prefix_format(const uint8_t addr[16], uint8_t plen, int family, char *out,
		       size_t outlen)
{
	char s[INET6_ADDRSTRLEN];

	if (family == PL_FAM_ANY && plen == 0) {
		snprintf(out, outlen, "any");
	} else if (in_v4_space(addr, plen)) {
		inet_ntop(AF_INET, addr + 12, s, sizeof(s));
		if (plen == 128)
			snprintf(out, outlen, "%s", s);
		else
			snprintf(out, outlen, "%s/%u", s, plen - 96u);
	} else {
		inet_ntop(AF_INET6, addr, s, sizeof(s));
		if (plen == 128)
			snprintf(out, outlen, "%s", s);
		else
			snprintf(out, outlen, "%s/%u", s, (unsigned)plen);
	}
	return out;
}

/* "any", ADDR or ADDR/LEN; host bits must be zero. */
static int parse_prefix(const char *tok, int allow_any, uint8_t addr[16], uint8_t *plen,
			uint8_t *family, char *why, size_t whylen)
{
	const char *slash = strchr(tok, '/');
	char a[64], fixed[64];
	unsigned maxlen, base, len;
	uint8_t m[16];
	size_t n = slash ? (size_t)(slash - tok) : strlen(tok);

	if (allow_any && !strcmp(tok, "any")) {
		memset(addr, 0, 16);
		*plen = 0;
		*family = PL_FAM_ANY;
		return 0;
	}
	if (n >= sizeof(a))
		goto bad_addr;
	memcpy(a, tok, n);
	a[n] = 0;
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, a, addr + 12) == 1) {
		addr[10] = addr[11] = 0xff;
		maxlen = 32;
		base = 96;
		*family = PL_FAM_V4;
	} else if (inet_pton(AF_INET6, a, addr) == 1) {
		maxlen = 128;
		base = 0;
		*family = PL_FAM_V6;
	} else {
		goto bad_addr;
	}
	len = maxlen;
	if (slash) {
		const char *p = slash + 1;
		char *end;
		unsigned long v;

		if (!isdigit((unsigned char)*p) || strlen(p) > 3)
			goto bad_len;
		v = strtoul(p, &end, 10);
		if (*end || v > maxlen)
			goto bad_len;
		len = (unsigned)v;
	}
	*plen = (uint8_t)(base + len);
	mask_addr(addr, *plen, m);
	if (memcmp(m, addr, 16)) {
		snprintf(why, whylen, "%s has host bits set (the prefix is %s)", tok,
			 pl_prefix_format(m, *plen, *family, fixed, sizeof(fixed)));
		return -1;
	}
	if (*family == PL_FAM_V6 && in_v4_space(addr, *plen))
		*family = PL_FAM_V4;    /* written as ::ffff:a.b.c.d: it is IPv4 */
	return 0;
bad_addr:
	snprintf(why, whylen, "'%s' is not an IPv4 or IPv6 address or prefix%s", tok,
		 allow_any ? " (or any)" : "");
	return -1;
bad_len:
	snprintf(why, whylen, "'%s': the prefix length must be 0..%u", tok, maxlen);
	return -1;
}

/* ---- numbers ------------------------------------------------------------ */

/* Decimal digits only; lo..hi. */
static int parse_uint(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s || strlen(s) > 20)
		return -1;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s) || v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* N with an optional k, M or G (powers of 1000). */
static int parse_rate(const char *s, uint64_t *out)
{
	char d[32];
	size_t n = strlen(s);
	uint64_t mul = 1, v;

	if (!n || n >= sizeof(d))
		return -1;
	memcpy(d, s, n + 1);
	switch (d[n - 1]) {
	case 'k': case 'K': mul = 1000; break;
	case 'm': case 'M': mul = 1000000; break;
	case 'g': case 'G': mul = 1000000000; break;
	}
	if (mul > 1)
		d[n - 1] = 0;
	if (parse_uint(d, 0, UINT64_MAX / mul, &v))
		return -1;
	*out = v * mul;
	return 0;
}

static const struct { const char *name; uint8_t num; } proto_names[] = {
	{ "tcp", 6 }, { "udp", 17 }, { "icmp", 1 }, { "icmp6", 58 }, { "icmpv6", 58 },
	{ "ipv6-icmp", 58 },
};

static const char *proto_name(uint8_t p)
{
	size_t i;

	for (i = 0; i < sizeof(proto_names) / sizeof(proto_names[0]); i++)
		if (proto_names[i].num == p)
			return proto_names[i].name;
	return NULL;
}

/* ---- parsing ------------------------------------------------------------ */

#define MAX_TOKENS 32

/* N or N-M, N <= M, M >= 1 (0-0 would mean any port) */
static int parse_port(const char *val, uint16_t *lo, uint16_t *hi)
{
	const char *dash = strchr(val, '-');
	char a[16];
	uint64_t l, h;

	if (dash) {
		if ((size_t)(dash - val) >= sizeof(a))
			return -1;
		memcpy(a, val, (size_t)(dash - val));
		a[dash - val] = 0;
		if (parse_uint(a, 0, 65535, &l) || parse_uint(dash + 1, 1, 65535, &h) || l > h)
			return -1;
	} else {
		if (parse_uint(val, 1, 65535, &l))
			return -1;
		h = l;
	}
	*lo = (uint16_t)l;
	*hi = (uint16_t)h;
	return 0;
}

/* bpf: one second of credit (pl_policy.h); a frame bigger than bps/8 bytes
 * never passes, so ask for enough for a full Ethernet frame. */
#define MIN_BPS (8ull * 1518)

static int parse_line(char *line, struct pl_rule_def *r, char *why, size_t whylen)
{
	char *tok[MAX_TOKENS], *p = line, *h;
	unsigned n = 0, i;
	int seen_dst = 0, seen_proto = 0, seen_port = 0, seen_vlan = 0, seen_pps = 0, seen_bps = 0;
	uint64_t v;

	if ((h = strchr(line, '#')))
		*h = 0;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\v' || *p == '\f')
			p++;
		if (!*p)
			break;
		if (n == MAX_TOKENS) {
			snprintf(why, whylen, "too many words on the line");
			return -1;
		}
		tok[n++] = p;
		while (*p && !(*p == ' ' || *p == '\t' || *p == '\r' || *p == '\v' || *p == '\f'))
			p++;
		if (*p)
			*p++ = 0;
	}
	if (!n)
		return 0;               /* blank or comment */
	if (!strcmp(tok[0], "allow"))
		r->action = PL_ACT_ALLOW;
	else if (!strcmp(tok[0], "deny") || !strcmp(tok[0], "drop"))
		r->action = PL_ACT_DENY;
	else if (!strcmp(tok[0], "ratelimit"))
		r->action = PL_ACT_RATELIMIT;
	else {
		snprintf(why, whylen, "unknown action '%s' (a rule starts with allow, deny or ratelimit)",
			 tok[0]);
		return -1;
	}
	if (n < 2) {
		snprintf(why, whylen, "%s needs a source: a prefix like 192.0.2.0/24, an address, or any",
			 tok[0]);
		return -1;
	}
	if (parse_prefix(tok[1], 1, r->src, &r->src_plen, &r->family, why, whylen))
		return -1;
	for (i = 2; i < n; i += 2) {
		const char *k = tok[i], *val = i + 1 < n ? tok[i + 1] : NULL;
		int *seen;

		if (!strcmp(k, "dst")) seen = &seen_dst;
		else if (!strcmp(k, "proto")) seen = &seen_proto;
		else if (!strcmp(k, "port")) seen = &seen_port;
		else if (!strcmp(k, "vlan")) seen = &seen_vlan;
		else if (!strcmp(k, "pps")) seen = &seen_pps;
		else if (!strcmp(k, "bps")) seen = &seen_bps;
		else {
			snprintf(why, whylen, "unknown word '%s' (expected dst, proto, port, vlan%s)",
				 k, r->action == PL_ACT_RATELIMIT ? ", pps or bps" : "");
			return -1;
		}
		if (*seen) {
			snprintf(why, whylen, "'%s' given twice", k);
			return -1;
		}
		*seen = 1;
		if (!val) {
			snprintf(why, whylen, "'%s' needs a value", k);
			return -1;
		}
		if (seen == &seen_dst) {
			uint8_t fam;

			if (parse_prefix(val, 0, r->dst, &r->dst_plen, &fam, why, whylen))
				return -1;
			r->dst_family = fam;
		} else if (seen == &seen_proto) {
			size_t j;

			for (j = 0; j < sizeof(proto_names) / sizeof(proto_names[0]); j++)
				if (!strcmp(val, proto_names[j].name))
					break;
			if (j < sizeof(proto_names) / sizeof(proto_names[0]))
				r->proto = proto_names[j].num;
			else if (!parse_uint(val, 1, 255, &v))
				r->proto = (uint8_t)v;
			else {
				snprintf(why, whylen, "proto '%s': tcp, udp, icmp, icmp6 or a number 1..255",
					 val);
				return -1;
			}
		} else if (seen == &seen_port) {
			if (parse_port(val, &r->port_lo, &r->port_hi)) {
				snprintf(why, whylen, "port '%s': a port 1..65535 or a range N-M", val);
				return -1;
			}
		} else if (seen == &seen_vlan) {
			if (parse_uint(val, 1, 4094, &v)) {
				snprintf(why, whylen, "vlan '%s': a VLAN id 1..4094", val);
				return -1;
			}
			r->vlan = (uint16_t)v;
		} else {
			if (r->action != PL_ACT_RATELIMIT) {
				snprintf(why, whylen, "'%s' is only for ratelimit rules", k);
				return -1;
			}
			if (parse_rate(val, &v) || !v) {
				snprintf(why, whylen, "%s '%s': a positive number, optionally with k, M or G",
					 k, val);
				return -1;
			}
			if (seen == &seen_pps) {
				if (v > 1000000000ull) {
					snprintf(why, whylen, "pps %s: at most 1G (the bucket counts nanoseconds)",
						 val);
					return -1;
				}
				r->pps = v;
			} else {
				if (v < MIN_BPS || v > 8000000000000ull) {
					snprintf(why, whylen,
						 "bps %s: bits per second, %llu..8000G (the bucket holds one second, and a full 1518-byte frame must fit)",
						 val, MIN_BPS);
					return -1;
				}
				r->bps = v;
			}
		}
	}
	if (r->action == PL_ACT_RATELIMIT && !r->pps && !r->bps) {
		snprintf(why, whylen, "ratelimit needs pps N and/or bps N");
		return -1;
	}
	if (seen_port && r->proto && r->proto != 6 && r->proto != 17) {
		snprintf(why, whylen, "port needs proto tcp or udp (or no proto), not %s",
			 proto_name(r->proto) ? proto_name(r->proto) : "that protocol");
		return -1;
	}
	if (r->dst_plen || seen_dst) {
		if (r->family != PL_FAM_ANY && r->dst_family != r->family) {
			snprintf(why, whylen, "source and dst are not the same IP version");
			return -1;
		}
	}
	if ((r->proto == 1 && (r->family == PL_FAM_V6 || r->dst_family == PL_FAM_V6)) ||
	    (r->proto == 58 && (r->family == PL_FAM_V4 || r->dst_family == PL_FAM_V4))) {
		snprintf(why, whylen, "proto %s never matches IPv%s traffic (use icmp for IPv4, icmp6 for IPv6)",
			 r->proto == 1 ? "icmp" : "icmp6", r->proto == 1 ? "6" : "4");
		return -1;
	}
	return 1;
}

void pl_ruleset_free(struct pl_ruleset *rs)
{
	free(rs->name);
	free(rs->text);
	free(rs->rules);
	free(rs->keys);
	free(rs->vals);
	free(rs->lists);
	free(rs->ids);
	free(rs->id_rule);
	memset(rs, 0, sizeof(*rs));
}

static void compiled_free(struct pl_ruleset *rs)
{
	free(rs->keys);
	free(rs->vals);
	free(rs->lists);
	free(rs->ids);
	free(rs->id_rule);
	rs->keys = NULL;
	rs->vals = NULL;
	rs->lists = NULL;
	rs->ids = rs->id_rule = NULL;
	rs->n_prefixes = rs->n_v4 = rs->n_v6 = rs->n_lists = rs->n_ids = 0;
	rs->shared = rs->compiled = 0;
}

/* What a rule says, without where it was written: two rules with the same
 * bytes here are the same rule. Parsed rules start zeroed, so padding
 * compares equal too. */
#define RULE_BODY offsetof(struct pl_rule_def, action)

static uint64_t rule_hash(const struct pl_rule_def *r)
{
	const uint8_t *p = (const uint8_t *)r + RULE_BODY;
	uint64_t h = 1469598103934665603ull;        /* FNV-1a */
	size_t i;

	for (i = 0; i < sizeof(*r) - RULE_BODY; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

/* An exact duplicate is refused with both lines: the second copy never
 * matches anything (the first one decides), so it is a mistake, often a
 * rule added twice. One pass over a hash table: a million rules are fine. */
static int find_duplicate(struct pl_ruleset *rs, char *err, size_t errlen)
{
	size_t cap = 16, i, mask;
	uint32_t *slot;

	while (cap < (size_t)rs->n_rules * 2)
		cap *= 2;
	slot = calloc(cap, sizeof(*slot));      /* rule index + 1, 0: empty */
	if (!slot) {
		snprintf(err, errlen, "%s: out of memory", rs->name);
		return -1;
	}
	mask = cap - 1;
	for (i = 0; i < rs->n_rules; i++) {
		const struct pl_rule_def *r = &rs->rules[i];
		size_t h = (size_t)rule_hash(r) & mask;

		for (; slot[h]; h = (h + 1) & mask) {
			const struct pl_rule_def *o = &rs->rules[slot[h] - 1];

			if (!memcmp((const uint8_t *)o + RULE_BODY, (const uint8_t *)r + RULE_BODY,
				    sizeof(*r) - RULE_BODY)) {
				snprintf(err, errlen, "%s:%u: the same rule as line %u (a duplicate never matches)",
					 rs->name, r->line, o->line);
				free(slot);
				return -1;
			}
		}
		slot[h] = (uint32_t)i + 1;
	}
	free(slot);
	return 0;
}

int pl_rules_parse(struct pl_ruleset *rs, const char *name, const char *text, size_t len,
		   char *err, size_t errlen)
{
	size_t off = 0, cap = 0;
	uint32_t line = 0;
	char *buf = NULL, why[256];
	size_t bufcap = 0;

	memset(rs, 0, sizeof(*rs));
	rs->name = strdup(name ? name : "-");
	rs->text = malloc(len + 1);
	if (!rs->name || !rs->text)
		goto oom;
	memcpy(rs->text, text, len);
	rs->text[len] = 0;
	rs->text_len = len;
	while (off < len) {
		const char *s = rs->text + off, *nl = memchr(s, '\n', len - off);
		size_t n = nl ? (size_t)(nl - s) : len - off;
		struct pl_rule_def r;
		int e;

		line++;
		if (memchr(s, 0, n)) {
			snprintf(err, errlen, "%s:%u: a NUL byte: not a text file", rs->name, line);
			goto fail;
		}
		if (n > PL_TEXT_LINE_MAX) {     /* the same limit as config files */
			snprintf(err, errlen, "%s:%u: longer than %d characters", rs->name, line,
				 PL_TEXT_LINE_MAX);
			goto fail;
		}
		if (n + 1 > bufcap) {
			char *nb = realloc(buf, n + 1);

			if (!nb)
				goto oom;
			buf = nb;
			bufcap = n + 1;
		}
		memcpy(buf, s, n);
		buf[n] = 0;
		memset(&r, 0, sizeof(r));
		e = parse_line(buf, &r, why, sizeof(why));
		if (e < 0) {
			snprintf(err, errlen, "%s:%u: %s", rs->name, line, why);
			goto fail;
		}
		if (e > 0) {
			if (rs->n_rules == cap) {
				size_t nc = cap ? cap * 2 : 64;
				struct pl_rule_def *nr = realloc(rs->rules, nc * sizeof(*nr));

				if (!nr)
					goto oom;
				rs->rules = nr;
				cap = nc;
			}
			if (off > UINT32_MAX || n > UINT32_MAX) {
				snprintf(err, errlen, "%s:%u: the file is too large", rs->name, line);
				goto fail;
			}
			r.line = line;
			r.line_off = (uint32_t)off;
			r.line_len = (uint32_t)n;
			rs->rules[rs->n_rules++] = r;
		}
		off += n + (nl ? 1 : 0);
	}
	free(buf);
	if (find_duplicate(rs, err, errlen)) {
		pl_ruleset_free(rs);
		return -1;
	}
	return 0;
oom:
	snprintf(err, errlen, "%s: out of memory", name ? name : "-");
fail:
	free(buf);
	pl_ruleset_free(rs);
	return -1;
}

/* Through the shared reader (textfile.h): a regular file or standard
 * input, at most PL_RULES_MAX_BYTES, so /dev/zero or a folder is refused
 * at once instead of read forever. */
int pl_rules_parse_file(struct pl_ruleset *rs, const char *path, char *err, size_t errlen)
{
	struct pl_text t;
	int e;

	memset(rs, 0, sizeof(*rs));
	if (pl_text_read(&t, path, 1, PL_RULES_MAX_BYTES, err, errlen))
		return -1;
	e = pl_rules_parse(rs, t.name, t.buf, t.len, err, errlen);
	pl_text_free(&t);
	return e;
}

char *pl_rule_format(const struct pl_rule_def *r, int with_src, char *out, size_t outlen)
{
	char p[64];
	size_t o = 0;

#define ADD(...) do { \
		int k_ = snprintf(out + o, o < outlen ? outlen - o : 0, __VA_ARGS__); \
		if (k_ > 0) o += (size_t)k_; \
	} while (0)
	if (!outlen)
		return out;
	out[0] = 0;
	ADD("%s", r->action < sizeof(action_names) / sizeof(action_names[0]) &&
	    action_names[r->action] ? action_names[r->action] : "?");
	if (with_src)
		ADD(" %s", pl_prefix_format(r->src, r->src_plen, r->family, p, sizeof(p)));
	if (r->dst_plen || r->dst_family)
		ADD(" dst %s", pl_prefix_format(r->dst, r->dst_plen, r->dst_family, p, sizeof(p)));
	if (r->proto) {
		if (proto_name(r->proto))
			ADD(" proto %s", proto_name(r->proto));
		else
			ADD(" proto %u", r->proto);
	}
	if (r->port_hi) {
		if (r->port_lo == r->port_hi)
			ADD(" port %u", r->port_lo);
		else
			ADD(" port %u-%u", r->port_lo, r->port_hi);
	}
	if (r->vlan)
		ADD(" vlan %u", r->vlan);
	if (r->pps)
		ADD(" pps %llu", (unsigned long long)r->pps);
	if (r->bps)
		ADD(" bps %llu", (unsigned long long)r->bps);
#undef ADD
	return out;
}

char *pl_rules_counter_key(const struct pl_ruleset *rs, uint32_t id, char *out, size_t outlen)
{
	if (!rs->compiled || !id || id > rs->n_ids) {
		snprintf(out, outlen, "?");
		return out;
	}
	if (rs->shared && outlen > 1) {
		out[0] = '*';
		pl_rule_format(&rs->rules[rs->id_rule[id]], 0, out + 1, outlen - 1);
	} else {
		pl_rule_format(&rs->rules[rs->id_rule[id]], 1, out, outlen);
	}
	return out;
}

/* ---- compiling ---------------------------------------------------------- */

static inline uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

static uint64_t hash_bytes(const void *p, size_t n, uint64_t seed)
{
	const uint8_t *b = p;
	uint64_t h = mix64(seed ^ n), w;

	for (; n >= 8; n -= 8, b += 8) {
		memcpy(&w, b, 8);
		h = mix64(h ^ w) + 0x9e3779b97f4a7c15ull;
	}
	if (n) {
		w = 0;
		memcpy(&w, b, n);
		h = mix64(h ^ w ^ 0x5555);
	}
	return h;
}

struct pfx {
	uint8_t addr[16];
	uint8_t plen;
	uint32_t start, n;      /* its rules: order[start .. start+n) */
};

/* Open addressing; a slot is the hash's top 32 bits and index + 1 (0:
 * empty), so that a probe rarely has to look at the prefix itself. */
struct ptab {
	uint64_t *slot;
	uint64_t mask;
};

static int ptab_init(struct ptab *t, uint64_t n)
{
	uint64_t cap = 16;

	while (cap < n * 2)
		cap <<= 1;
	t->slot = calloc(cap, sizeof(*t->slot));
	t->mask = cap - 1;
	return t->slot ? 0 : -1;
}

static uint64_t pfx_hash(const uint8_t *a, uint8_t plen)
{
	uint64_t lo, hi;

	memcpy(&lo, a, 8);
	memcpy(&hi, a + 8, 8);
	return mix64(lo ^ mix64(hi ^ ((uint64_t)plen << 56)));
}

/* Index of the prefix whose hash is h, or -1; with `add`, inserted when
 * absent. */
static int64_t ptab_find_h(struct ptab *t, struct pfx *v, uint32_t *nv, const uint8_t *a,
			   uint8_t plen, uint64_t h, int add)
{
	uint64_t tag = h & 0xffffffff00000000ull, i = h & t->mask;

	for (;; i = (i + 1) & t->mask) {
		uint64_t s = t->slot[i];
		uint32_t x = (uint32_t)s;

		if (!s) {
			if (!add)
				return -1;
			memcpy(v[*nv].addr, a, 16);
			v[*nv].plen = plen;
			v[*nv].start = v[*nv].n = 0;
			t->slot[i] = tag | ++*nv;
			return *nv - 1;
		}
		if ((s & 0xffffffff00000000ull) == tag && v[x - 1].plen == plen &&
		    !memcmp(v[x - 1].addr, a, 16))
			return x - 1;
	}
}

static int64_t ptab_find(struct ptab *t, struct pfx *v, uint32_t *nv, const uint8_t *a,
			 uint8_t plen, int add)
{
	return ptab_find_h(t, v, nv, a, plen, pfx_hash(a, plen), add);
}

static void compile_rule(const struct pl_rule_def *d, uint32_t id, struct pl_rule *r)
{
	memset(r, 0, sizeof(*r));
	r->id = id;
	r->action = d->action;
	r->proto = d->proto;
	r->dst_plen = d->dst_plen;
	r->vlan = d->vlan;
	r->dport_lo = d->port_lo;
	r->dport_hi = d->port_hi;
	memcpy(r->dst, d->dst, 16);
	/* round to nearest: pps 3 costs 333333333 ns a packet */
	r->ns_per_pkt = d->pps ? (1000000000ull + d->pps / 2) / d->pps : 0;
	/* bps is bits: a byte costs 8e12/bps picoseconds */
	r->ps_per_byte = d->bps ? (8000000000000ull + d->bps / 2) / d->bps : 0;
	if (d->bps && !r->ps_per_byte)
		r->ps_per_byte = 1;
}

/* PL_LIST_PORTS_*: whether a port rule of the list can decide a TCP (UDP)
 * packet, i.e. comes before the first rule that decides every TCP (UDP)
 * packet (no condition but the protocol): the rules after that one never
 * apply. Port rules need proto tcp, udp or none (parse_rule). */
static uint32_t list_flags(const struct pl_rule_list *l)
{
	static const struct { uint8_t proto; uint32_t flag; } p[] = {
		{ 6, PL_LIST_PORTS_TCP }, { 17, PL_LIST_PORTS_UDP },
	};
	uint32_t flags = 0, done = 0, i, k;

	for (i = 0; i < l->n && i < PL_RULES_PER_LIST; i++) {
		const struct pl_rule *r = &l->r[i];

		for (k = 0; k < 2; k++) {
			if ((done & p[k].flag) || (r->proto && r->proto != p[k].proto))
				continue;
			if (r->dport_hi)
				flags |= p[k].flag;
			else if (!r->dst_plen && !r->vlan)
				done |= p[k].flag;
		}
	}
	return flags;
}

struct ltab {                   /* rule lists, deduplicated */
	uint32_t slot[2 * 8192];
	struct pl_rule_list *lists;
	uint32_t n;
};

/* Index of list l (added if new), or -1 when there would be more than
 * PL_RULE_LISTS_MAX. */
static int64_t ltab_add(struct ltab *t, const struct pl_rule_list *l)
{
	const uint64_t mask = sizeof(t->slot) / sizeof(t->slot[0]) - 1;
	size_t sz = offsetof(struct pl_rule_list, r) + l->n * sizeof(l->r[0]);
	uint64_t i = hash_bytes(l, sz, 7) & mask;

	for (;; i = (i + 1) & mask) {
		uint32_t s = t->slot[i];

		if (!s) {
			if (t->n >= PL_RULE_LISTS_MAX)
				return -1;
			t->lists[t->n] = *l;
			t->slot[i] = ++t->n;
			return t->n - 1;
		}
		if (t->lists[s - 1].n == l->n && !memcmp(&t->lists[s - 1], l, sz))
			return s - 1;
	}
}

/* Counter ids: one per rule, or (shared) one per class of rules that
 * compile alike but for the source. */
static int assign_ids(struct pl_ruleset *rs, int shared)
{
	uint32_t i, n_ids = 0;

	rs->shared = shared;
	if (!shared) {
		for (i = 0; i < rs->n_rules; i++) {
			rs->ids[i] = i + 1;
			rs->id_rule[i + 1] = i;
		}
		rs->n_ids = rs->n_rules;
		return 0;
	}
	{
		struct { struct pl_rule r; uint32_t id; } *cls;
		uint64_t cap = 16, mask, h;
		uint32_t *slot, ncls = 0;

		while (cap < (uint64_t)rs->n_rules * 2)
			cap <<= 1;
		mask = cap - 1;
		slot = calloc(cap, sizeof(*slot));
		cls = malloc((size_t)rs->n_rules * sizeof(*cls) + sizeof(*cls));
		if (!slot || !cls) {
			free(slot);
			free(cls);
			return -1;
		}
		for (i = 0; i < rs->n_rules; i++) {
			struct pl_rule r;

			compile_rule(&rs->rules[i], 0, &r);
			for (h = hash_bytes(&r, sizeof(r), 3) & mask;; h = (h + 1) & mask) {
				if (!slot[h]) {
					cls[ncls].r = r;
					cls[ncls].id = ncls + 1 < PL_RULE_IDS_MAX ? ncls + 1 :
						       PL_RULE_IDS_MAX - 1;
					if (cls[ncls].id > n_ids) {
						n_ids = cls[ncls].id;
						rs->id_rule[n_ids] = i;
					}
					slot[h] = ++ncls;
				}
				if (!memcmp(&cls[slot[h] - 1].r, &r, sizeof(r))) {
					rs->ids[i] = cls[slot[h] - 1].id;
					break;
				}
			}
		}
		free(slot);
		free(cls);
	}
	rs->n_ids = n_ids;
	return 0;
}

/* Trie entries in address order, enclosing prefixes first: the kernel
 * inserts them about twice as fast as in random order. The sort is inline
 * on two big-endian words and the length: qsort() calls cost more. */
struct skey {
	uint64_t hi, lo;
	uint32_t plen, idx;
};

static inline int skey_lt(const struct skey *a, const struct skey *b)
{
	if (a->hi != b->hi)
		return a->hi < b->hi;
	if (a->lo != b->lo)
		return a->lo < b->lo;
	return a->plen < b->plen;
}

static void skey_sort(struct skey *v, size_t n)
{
	while (n > 16) {
		struct skey p, t;
		size_t i = 0, j = n - 1, mid = n / 2;

		/* median of three as the pivot */
		if (skey_lt(&v[mid], &v[0])) { t = v[mid]; v[mid] = v[0]; v[0] = t; }
		if (skey_lt(&v[n - 1], &v[0])) { t = v[n - 1]; v[n - 1] = v[0]; v[0] = t; }
		if (skey_lt(&v[n - 1], &v[mid])) { t = v[n - 1]; v[n - 1] = v[mid]; v[mid] = t; }
		p = v[mid];
		for (;;) {
			while (skey_lt(&v[i], &p))
				i++;
			while (skey_lt(&p, &v[j]))
				j--;
			if (i >= j)
				break;
			t = v[i];
			v[i] = v[j];
			v[j] = t;
			i++;
			j--;
		}
		/* the smaller side by recursion, the larger by looping */
		if (j + 1 < n - j - 1) {
			skey_sort(v, j + 1);
			v += j + 1;
			n -= j + 1;
		} else {
			skey_sort(v + j + 1, n - j - 1);
			n = j + 1;
		}
	}
	for (size_t a = 1; a < n; a++) {
		struct skey x = v[a];
		size_t b = a;

		for (; b > 0 && skey_lt(&x, &v[b - 1]); b--)
			v[b] = v[b - 1];
		v[b] = x;
	}
}

static uint64_t be64_at(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static int sort_entries(struct pl_ruleset *rs)
{
	struct skey *t = malloc((size_t)rs->n_prefixes * sizeof(*t) + 1);
	struct pl_lpm_key *k = malloc((size_t)rs->n_prefixes * sizeof(*k) + 1);
	struct pl_lpm_val *v = malloc((size_t)rs->n_prefixes * sizeof(*v) + 1);
	uint32_t i;

	if (!t || !k || !v) {
		free(t);
		free(k);
		free(v);
		return -1;
	}
	for (i = 0; i < rs->n_prefixes; i++) {
		t[i].hi = be64_at(rs->keys[i].addr);
		t[i].lo = be64_at(rs->keys[i].addr + 8);
		t[i].plen = rs->keys[i].prefixlen;
		t[i].idx = i;
	}
	skey_sort(t, rs->n_prefixes);
	for (i = 0; i < rs->n_prefixes; i++) {
		k[i] = rs->keys[t[i].idx];
		v[i] = rs->vals[t[i].idx];
	}
	free(t);
	free(rs->keys);
	free(rs->vals);
	rs->keys = k;
	rs->vals = v;
	return 0;
}

static int action_rank(uint8_t a)
{
	return a == PL_ACT_ALLOW ? 0 : a == PL_ACT_RATELIMIT ? 1 : 2;
}

static void too_many_rules(const struct pl_ruleset *rs, const struct pfx *e, uint32_t n,
			   const uint32_t *which, char *err, size_t errlen)
{
	char p[64];
	size_t o;
	uint32_t i;

	o = (size_t)snprintf(err, errlen,
			     "%s: %u rules apply to source %s, at most %u (its own and those of the prefixes enclosing it; lines",
			     rs->name, n, pl_prefix_format(e->addr, e->plen,
							   in_v4_space(e->addr, e->plen) ? PL_FAM_V4 : PL_FAM_V6,
							   p, sizeof(p)),
			     PL_RULES_PER_LIST);
	for (i = 0; i < n && i < 12 && o < errlen; i++)
		o += (size_t)snprintf(err + o, errlen - o, "%s %u", i ? "," : "",
				      rs->rules[which[i]].line);
	if (o < errlen)
		snprintf(err + o, errlen - o, "%s)", n > 12 ? ", ..." : "");
}

int pl_rules_compile(struct pl_ruleset *rs, char *err, size_t errlen)
{
	struct pfx *pf = NULL;
	struct ptab pt = { 0 };
	struct ltab *lt = NULL;
	uint32_t *rule_pfx = NULL, *order = NULL, *pos = NULL, np = 0, i, j;
	uint8_t lens4[129], lens6[129];
	unsigned n4 = 0, n6 = 0, n_wrap = 0;
	uint32_t wrap[129];
	int need_guard = 0, shared, rc = -1;

	compiled_free(rs);
	if (rs->n_rules + 1 > PL_PREFIXES_MAX) {
		snprintf(err, errlen, "%s: %u rules, more source prefixes than the %u a rule set holds",
			 rs->name, rs->n_rules, PL_PREFIXES_MAX - 1);
		return -1;
	}
	pf = malloc(((size_t)rs->n_rules + 1) * sizeof(*pf));
	rule_pfx = malloc(((size_t)rs->n_rules + 1) * sizeof(*rule_pfx));
	order = malloc(((size_t)rs->n_rules + 1) * sizeof(*order));
	rs->ids = malloc(((size_t)rs->n_rules + 1) * sizeof(*rs->ids));
	rs->id_rule = calloc((size_t)rs->n_rules + 1 > PL_RULE_IDS_MAX ? PL_RULE_IDS_MAX :
			     (size_t)rs->n_rules + 1, sizeof(*rs->id_rule));
	lt = calloc(1, sizeof(*lt));
	if (!pf || !rule_pfx || !order || !rs->ids || !rs->id_rule || !lt ||
	    ptab_init(&pt, (uint64_t)rs->n_rules + 1))
		goto oom;
	lt->lists = malloc((PL_RULE_LISTS_MAX) * sizeof(*lt->lists));
	if (!lt->lists)
		goto oom;

	/* distinct source prefixes, in order of first use */
	for (i = 0; i < rs->n_rules; i++) {
		const struct pl_rule_def *r = &rs->rules[i];

		rule_pfx[i] = (uint32_t)ptab_find(&pt, pf, &np, r->src, r->src_plen, 1);
		pf[rule_pfx[i]].n++;
		if (r->family == PL_FAM_V6 && r->src_plen < 96 &&
		    prefix_match(r->src, mapped96, r->src_plen))
			need_guard = 1;
	}
	for (i = 0; i < np; i++) {
		if (pf[i].n > PL_RULES_PER_LIST) {
			uint32_t w[13], k = 0;

			for (j = 0; j < rs->n_rules && k < 13; j++)
				if (rule_pfx[j] == i)
					w[k++] = j;
			too_many_rules(rs, &pf[i], pf[i].n, w, err, errlen);
			goto out;
		}
	}
	if (need_guard)         /* IPv4 sources stop here, not at an IPv6 prefix */
		ptab_find(&pt, pf, &np, mapped96, 96, 1);
	/* each prefix's rules, contiguous: allow, ratelimit, deny, file order */
	for (i = 0, j = 0; i < np; i++) {
		pf[i].start = j;
		j += pf[i].n;
	}
	pos = calloc(np ? np : 1, sizeof(*pos));
	if (!pos)
		goto oom;
	for (i = 0; i < rs->n_rules; i++)
		order[pf[rule_pfx[i]].start + pos[rule_pfx[i]]++] = i;
	for (i = 0; i < np; i++) {      /* insertion sort, stable, <= 8 long */
		uint32_t *o = order + pf[i].start, a, b;

		for (a = 1; a < pf[i].n; a++) {
			uint32_t x = o[a];

			for (b = a; b > 0 && action_rank(rs->rules[o[b - 1]].action) >
					       action_rank(rs->rules[x].action); b--)
				o[b] = o[b - 1];
			o[b] = x;
		}
	}
	/* Prefix lengths that occur, longest first, apart for prefixes in the
	 * IPv4-mapped range and the others: an IPv4 entry is enclosed only by
	 * IPv4 prefixes and by the few others that enclose the whole range
	 * (`wrap`: any, ::/0), an IPv6 entry only by IPv6 prefixes. */
	{
		uint8_t has4[129] = { 0 }, has6[129] = { 0 };
		uint32_t a, b;

		for (i = 0; i < np; i++) {
			if (in_v4_space(pf[i].addr, pf[i].plen)) {
				has4[pf[i].plen] = 1;
			} else {
				has6[pf[i].plen] = 1;
				if (pf[i].plen < 96 && prefix_match(pf[i].addr, mapped96, pf[i].plen))
					wrap[n_wrap++] = i;
			}
		}
		for (i = 129; i-- > 0;) {
			if (has4[i])
				lens4[n4++] = (uint8_t)i;
			if (has6[i])
				lens6[n6++] = (uint8_t)i;
		}
		for (a = 1; a < n_wrap; a++)    /* longest first */
			for (b = a; b > 0 && pf[wrap[b - 1]].plen < pf[wrap[b]].plen; b--) {
				uint32_t x = wrap[b];

				wrap[b] = wrap[b - 1];
				wrap[b - 1] = x;
			}
	}
	rs->keys = malloc((size_t)np * sizeof(*rs->keys) + 1);
	rs->vals = malloc((size_t)np * sizeof(*rs->vals) + 1);
	if (!rs->keys || !rs->vals)
		goto oom;

	shared = rs->n_rules >= PL_RULE_IDS_MAX;
again:
	if (assign_ids(rs, shared))
		goto oom;
	memset(lt->slot, 0, sizeof(lt->slot));
	lt->n = 0;
	rs->n_v4 = rs->n_v6 = 0;
	for (i = 0; i < np; i++) {
		const struct pfx *e = &pf[i];
		int fam = in_v4_space(e->addr, e->plen) ? PL_FAM_V4 : PL_FAM_V6;
		uint32_t which[PL_RULES_PER_LIST + 1], n = 0, k, li, cand[129 + 129], nc = 0;
		const uint8_t *lens = fam == PL_FAM_V4 ? lens4 : lens6;
		unsigned n_lens = fam == PL_FAM_V4 ? n4 : n6;
		struct pl_rule_list l;
		int64_t idx;

		/* the prefixes enclosing e (e included), longest first; all slots
		 * asked for before any is looked at (the table is big: misses) */
		{
			uint8_t m[129][16];
			uint64_t h[129];
			uint8_t ml[129];
			unsigned nm = 0, x;

			for (li = 0; li < n_lens; li++) {
				if (lens[li] >= e->plen)
					continue;
				mask_addr(e->addr, lens[li], m[nm]);
				ml[nm] = lens[li];
				h[nm] = pfx_hash(m[nm], lens[li]);
				__builtin_prefetch(&pt.slot[h[nm] & pt.mask]);
				nm++;
			}
			cand[nc++] = i;
			for (x = 0; x < nm; x++) {
				int64_t q = ptab_find_h(&pt, pf, &np, m[x], ml[x], h[x], 0);

				if (q >= 0)
					cand[nc++] = (uint32_t)q;
			}
		}
		if (fam == PL_FAM_V4)
			for (li = 0; li < n_wrap; li++)
				cand[nc++] = wrap[li];
		for (li = 0; li < nc; li++) {
			const struct pfx *q = &pf[cand[li]];

			for (k = 0; k < q->n; k++) {
				uint32_t ri = order[q->start + k];
				uint8_t rf = rs->rules[ri].family;

				if (rf != PL_FAM_ANY && rf != fam)
					continue;
				if (n == PL_RULES_PER_LIST) {
					uint32_t w[13], c = 0, z, y;

					/* name them all, for the message */
					for (z = 0; z < nc && c < 13; z++)
						for (y = 0; y < pf[cand[z]].n && c < 13; y++) {
							uint32_t rr = order[pf[cand[z]].start + y];

							if (rs->rules[rr].family == PL_FAM_ANY ||
							    rs->rules[rr].family == fam)
								w[c++] = rr;
						}
					too_many_rules(rs, e, c, w, err, errlen);
					goto out;
				}
				which[n++] = ri;
			}
		}
		memset(&l, 0, sizeof(l));
		l.n = n;
		for (k = 0; k < n; k++)
			compile_rule(&rs->rules[which[k]], rs->ids[which[k]], &l.r[k]);
		l.flags = list_flags(&l);
		idx = ltab_add(lt, &l);
		if (idx < 0) {
			if (!shared) {
				shared = 1;     /* per-rule counters make too many lists */
				goto again;
			}
			snprintf(err, errlen,
				 "%s: more than %u different rule lists are needed (distinct combinations of nested prefixes and conditions)",
				 rs->name, PL_RULE_LISTS_MAX);
			goto out;
		}
		memset(&rs->keys[i], 0, sizeof(rs->keys[i]));
		rs->keys[i].prefixlen = e->plen;
		memcpy(rs->keys[i].addr, e->addr, 16);
		rs->vals[i].list = (uint32_t)idx;
		if (fam == PL_FAM_V4)
			rs->n_v4++;
		else
			rs->n_v6++;
	}
	rs->n_prefixes = np;
	if (sort_entries(rs))
		goto oom;
	rs->n_lists = lt->n;
	rs->lists = malloc((size_t)lt->n * sizeof(*rs->lists) + 1);
	if (!rs->lists)
		goto oom;
	memcpy(rs->lists, lt->lists, (size_t)lt->n * sizeof(*rs->lists));
	rs->compiled = 1;
	rc = 0;
	goto out;
oom:
	snprintf(err, errlen, "%s: out of memory", rs->name);
out:
	if (rc)
		compiled_free(rs);
	free(pf);
	free(pt.slot);
	free(rule_pfx);
	free(order);
	free(pos);
	if (lt)
		free(lt->lists);
	free(lt);
	return rc;
}

/* ---- loading ------------------------------------------------------------ */

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Fresh inner maps shaped as bpf/policy.h's pl_trie_* and pl_lists_* (an
 * array of maps accepts only inner maps of the template's exact shape). */
static int new_trie(void)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = BPF_F_NO_PREALLOC);

	return bpf_map_create(BPF_MAP_TYPE_LPM_TRIE, "pl_trie_set", sizeof(struct pl_lpm_key),
			      sizeof(struct pl_lpm_val), PL_PREFIXES_MAX, &o);
}

static int new_lists(void)
{
	return bpf_map_create(BPF_MAP_TYPE_ARRAY, "pl_lists_set", sizeof(uint32_t),
			      sizeof(struct pl_rule_list), PL_RULE_LISTS_MAX, NULL);
}

/* keys/values into fd: one batch call where the kernel has it for this map
 * type, else one call per element. Returns 0, or -errno. */
static int fill(int fd, const void *keys, size_t ksz, const void *vals, size_t vsz, uint32_t n,
		int *batched)
{
	LIBBPF_OPTS(bpf_map_batch_opts, bo, .elem_flags = BPF_ANY);
	uint32_t i, count = n;

	*batched = 0;
	if (!n)
		return 0;
	if (!bpf_map_update_batch(fd, keys, vals, &count, &bo)) {
		*batched = 1;
		return 0;
	}
	if (errno != EINVAL && errno != ENOTSUPP && errno != EOPNOTSUPP && errno != ENOSYS)
		return -errno;
	for (i = 0; i < n; i++)
		if (bpf_map_update_elem(fd, (const uint8_t *)keys + i * ksz,
					(const uint8_t *)vals + i * vsz, BPF_ANY))
			return -errno;
	return 0;
}

int pl_rule_counter(const struct pl_policy_fds *f, uint32_t id, struct pl_rule_stats *out)
{
	int ncpu = libbpf_num_possible_cpus(), c;
	struct pl_rule_stats *v;

	memset(out, 0, sizeof(*out));
	if (ncpu <= 0)
		return -1;
	v = calloc((size_t)ncpu, sizeof(*v));
	if (!v)
		return -1;
	if (bpf_map_lookup_elem(f->rule_stats, &id, v)) {
		free(v);
		return -1;
	}
	for (c = 0; c < ncpu; c++) {
		out->matched += v[c].matched;
		out->dropped += v[c].dropped;
	}
	free(v);
	return 0;
}

struct ckey {
	char *s;
	uint32_t id;
	int used;
};

static int ckey_cmp(const void *a, const void *b)
{
	const struct ckey *x = a, *y = b;
	int c = strcmp(x->s, y->s);

	return c ? c : x->id < y->id ? -1 : x->id > y->id;
}

/* After a load: each new counter id gets the per-CPU values of the old
 * id that counted the same rule, or zeros; old ids no longer used are
 * zeroed. Packets judged between the flip and this are not counted. */
static int carry_counters(const struct pl_policy_fds *f, const struct pl_ruleset *rs,
			  const struct pl_ruleset *old)
{
	int ncpu = libbpf_num_possible_cpus(), rc = -1, batched;
	uint32_t n_old = old && old->compiled ? old->n_ids : PL_RULE_IDS_MAX - 1;
	uint32_t top = rs->n_ids > n_old ? rs->n_ids : n_old, id, i;
	size_t per = (size_t)(ncpu > 0 ? ncpu : 1) * sizeof(struct pl_rule_stats);
	struct pl_rule_stats *oldv = NULL, *newv = NULL;
	struct ckey *ok = NULL;
	uint32_t *keys = NULL;
	char s[512];

	if (ncpu <= 0)
		return -1;
	newv = calloc((size_t)top + 1, per);
	keys = malloc(((size_t)top + 1) * sizeof(*keys));
	if (!newv || !keys)
		goto out;
	if (old && old->compiled && old->n_ids && rs->n_ids) {
		oldv = calloc((size_t)n_old + 1, per);
		ok = calloc((size_t)n_old + 1, sizeof(*ok));
		if (!oldv || !ok)
			goto out;
		for (id = 1; id <= n_old; id++) {
			ok[id - 1].s = strdup(pl_rules_counter_key(old, id, s, sizeof(s)));
			ok[id - 1].id = id;
			if (!ok[id - 1].s ||
			    bpf_map_lookup_elem(f->rule_stats, &id, (uint8_t *)oldv + id * per))
				goto out;
		}
		qsort(ok, n_old, sizeof(*ok), ckey_cmp);
		for (id = 1; id <= rs->n_ids; id++) {
			struct ckey want = { .s = pl_rules_counter_key(rs, id, s, sizeof(s)), .id = 0 };
			size_t lo = 0, hi = n_old;

			while (lo < hi) {       /* first with this text */
				size_t mid = (lo + hi) / 2;

				if (ckey_cmp(&ok[mid], &want) < 0)
					lo = mid + 1;
				else
					hi = mid;
			}
			for (; lo < n_old && !strcmp(ok[lo].s, want.s); lo++)
				if (!ok[lo].used) {
					ok[lo].used = 1;
					memcpy((uint8_t *)newv + id * per,
					       (uint8_t *)oldv + ok[lo].id * per, per);
					break;
				}
		}
	}
	for (i = 0; i < top; i++)
		keys[i] = i + 1;
	rc = fill(f->rule_stats, keys, sizeof(*keys), (uint8_t *)newv + per, per, top, &batched);
out:
	if (ok)
		for (id = 0; id < n_old; id++)
			free(ok[id].s);
	free(ok);
	free(oldv);
	free(newv);
	free(keys);
	return rc;
}

int pl_rules_load(const struct pl_policy_fds *f, const struct pl_ruleset *rs,
		  const struct pl_ruleset *old, struct pl_load_result *res,
		  char *err, size_t errlen)
{
	struct pl_policy_cfg cfg, want;
	uint32_t zero = 0, idle, busy, *lkeys = NULL, i;
	int trie = -1, lists = -1, e, tries, batched = 0, b2;
	double t0;

	memset(res, 0, sizeof(*res));
	if (!rs->compiled) {
		snprintf(err, errlen, "rule set not compiled");
		return -1;
	}
	if (bpf_map_lookup_elem(f->policy, &zero, &cfg)) {
		snprintf(err, errlen, "cannot read the policy config: %s", strerror(errno));
		return -1;
	}
	busy = cfg.active & 1;
	idle = busy ^ 1;
	trie = new_trie();
	lists = new_lists();
	if (trie < 0 || lists < 0) {
		snprintf(err, errlen, "cannot create the maps of a rule set: %s", strerror(errno));
		goto fail;
	}
	t0 = now_s();
	lkeys = malloc(((size_t)rs->n_lists + 1) * sizeof(*lkeys));
	if (!lkeys) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (i = 0; i < rs->n_lists; i++)
		lkeys[i] = i;
	e = fill(lists, lkeys, sizeof(*lkeys), rs->lists, sizeof(*rs->lists), rs->n_lists, &b2);
	if (!e)
		e = fill(trie, rs->keys, sizeof(*rs->keys), rs->vals, sizeof(*rs->vals),
			 rs->n_prefixes, &batched);
	if (e) {
		snprintf(err, errlen, "cannot fill the rule set's maps: %s%s", strerror(-e),
			 e == -ENOMEM ? " (out of kernel memory)" : "");
		goto fail;
	}
	res->fill_s = now_s() - t0;
	res->batched = batched;
	/* into the idle slot: nothing reads it (the last load waited for the
	 * programs that read it before it went idle) */
	if (bpf_map_update_elem(f->tries, &idle, &trie, BPF_ANY) ||
	    bpf_map_update_elem(f->lists, &idle, &lists, BPF_ANY)) {
		snprintf(err, errlen, "cannot install the new rule set: %s", strerror(errno));
		goto fail;
	}
	/* the flip; read-modify-write because bans share the flags word. An
	 * update of an array of maps returns only when every program that ran
	 * before it is done: rewriting the idle slot with the same map makes
	 * sure no packet still uses the old slot, and gives a writer that raced
	 * with us (a ban turning its flag on) time to show. */
	for (tries = 0;; tries++) {
		if (bpf_map_lookup_elem(f->policy, &zero, &want)) {
			snprintf(err, errlen, "cannot read the policy config: %s", strerror(errno));
			goto fail;
		}
		if (tries && want.active == idle && want.generation == cfg.generation + 1 &&
		    !!(want.flags & PL_POL_RULES) == !!rs->n_rules)
			break;
		if (tries == 5) {
			snprintf(err, errlen, "the policy config keeps changing under us; is another loader running?");
			goto fail;
		}
		want.active = idle;
		want.generation = cfg.generation + 1;
		want.flags = rs->n_rules ? want.flags | PL_POL_RULES : want.flags & ~PL_POL_RULES;
		if (bpf_map_update_elem(f->policy, &zero, &want, BPF_ANY)) {
			snprintf(err, errlen, "cannot switch to the new rule set: %s", strerror(errno));
			goto fail;
		}
		bpf_map_update_elem(f->tries, &idle, &trie, BPF_ANY);   /* wait, see above */
	}
	res->slot = idle;
	res->generation = want.generation;
	close(trie);
	close(lists);
	trie = lists = -1;
	/* The old set's memory goes back: empty maps in the now idle slot. */
	trie = new_trie();
	lists = new_lists();
	if (trie >= 0 && lists >= 0) {
		bpf_map_update_elem(f->tries, &busy, &trie, BPF_ANY);
		bpf_map_update_elem(f->lists, &busy, &lists, BPF_ANY);
	}
	if (trie >= 0)
		close(trie);
	if (lists >= 0)
		close(lists);
	free(lkeys);
	if (carry_counters(f, rs, old)) {
		snprintf(err, errlen, "the rule set is loaded, but its counters could not be set: %s",
			 strerror(errno));
		return 1;
	}
	return 0;
fail:
	if (trie >= 0)
		close(trie);
	if (lists >= 0)
		close(lists);
	free(lkeys);
	return -1;
}
