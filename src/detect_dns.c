/* SPDX-License-Identifier: BSD-3-Clause */
/* detect_dns.c - DNS tunnels and exfiltration: per source and registered
 * domain (the last two labels, three under a two-letter country code with a
 * generic second level such as co.uk), in a tumbling window from the first
 * query: queries whose subdomain part has a long label or high entropy,
 * unique names asked, queries of unusual types (NULL, ANY, private use).
 * Reverse lookups (.arpa) and multicast DNS names (.local) are left out. */
#include "detect_int.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "records.h"

#define BASE_MAX 128

struct det_name {
	uint64_t h;
	UT_hash_handle hh;
};

struct det_dns_key {
	uint8_t src[16];
	char base[BASE_MAX];
};

struct det_dns {
	struct det_dns_key k;
	UT_hash_handle hh;
	uint64_t start, last;
	uint32_t queries, suspicious, odd, unique;
	uint16_t odd_type;
	uint8_t dst[16];
	struct det_name *names;
	char example[128];
};

static uint64_t fnv(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	while (n--) {
		h ^= (uint8_t)tolower((unsigned char)*s++);
		h *= 1099511628211ull;
	}
	return h;
}

static double entropy(const char *s, size_t n)
{
	unsigned cnt[256] = { 0 }, total = 0;
	double h = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != '.') {
			cnt[(uint8_t)tolower((unsigned char)s[i])]++;
			total++;
		}
	for (i = 0; i < 256; i++)
		if (cnt[i]) {
			double p = (double)cnt[i] / total;

			h -= p * log2(p);
		}
	return h;
}

static int ends_with(const char *s, size_t n, const char *suffix)
{
	size_t m = strlen(suffix);

	return n >= m && !strncasecmp(s + n - m, suffix, m) && (n == m || s[n - m - 1] == '.');
}

/* Where the registered domain starts in name[0..n), or -1 if the name has
 * no subdomain part. */
static int base_start(const char *name, size_t n)
{
	static const char *const generic[] = { "co", "com", "net", "org", "gov", "edu", "ac",
					       "or", "ne", "go" };
	int dots[4] = { -1, -1, -1, -1 }, nd = 0, i, want = 2;
	size_t j;

	for (i = (int)n - 1; i >= 0 && nd < 4; i--)
		if (name[i] == '.')
			dots[nd++] = i;
	/* dots[0] ends the second-to-last label, dots[1] the third-to-last... */
	if (nd >= 2 && n - (size_t)dots[0] - 1 == 2) {
		size_t l = (size_t)(dots[0] - dots[1] - 1);

		for (j = 0; j < sizeof(generic) / sizeof(generic[0]); j++)
			if (strlen(generic[j]) == l && !strncasecmp(name + dots[1] + 1, generic[j], l))
				want = 3;
	}
	if (nd < want)
		return -1;              /* the registered domain itself, or shorter */
	return dots[want - 1] + 1;
}

static int odd_type(uint16_t t)
{
	return t == 10 || t == 255 || (t >= 65280 && t <= 65534);
}

static struct det_dns *dns_get(struct pl_detect *d, const uint8_t src[16], const char *base,
			       size_t blen, uint64_t ts)
{
	struct det_dns_key k;
	struct det_dns *e;
	struct det_name *nm, *t;
	size_t i;

	memset(&k, 0, sizeof(k));
	memcpy(k.src, src, 16);
	for (i = 0; i < blen && i < BASE_MAX - 1; i++)
		k.base[i] = (char)tolower((unsigned char)base[i]);
	HASH_FIND(hh, d->dns, &k, sizeof(k), e);
	if (!e) {
		if (d->ndns >= DET_MAX_ENTRIES || !(e = calloc(1, sizeof(*e)))) {
			d->dropped_keys++;
			return NULL;
		}
		e->k = k;
		HASH_ADD(hh, d->dns, k, sizeof(k), e);
		d->ndns++;
	}
	if (!e->start || det_since(ts, e->start) >= d->c.dns_window_ns) {
		HASH_ITER(hh, e->names, nm, t) {
			HASH_DEL(e->names, nm);
			free(nm);
		}
		e->start = ts;
		e->queries = e->suspicious = e->odd = e->unique = 0;
		e->example[0] = 0;
	}
	e->last = ts;
	return e;
}

void det_dns_msg(struct pl_detect *d, uint64_t ts, const struct pl_flow_key *k,
		 const struct pl_dns *q, const char *uid)
{
	const struct pl_detect_cfg *c = &d->c;
	size_t n = q->qname_len < PL_DNS_NAME_BUF ? q->qname_len : PL_DNS_NAME_BUF - 1;
	const char *name = q->qname;
	struct det_dns *e;
	struct det_name *nm;
	uint64_t h;
	int b, sus = 0;
	size_t i, lab = 0;

	if (q->qr || !q->has_question || !n)
		return;
	if (ends_with(name, n, "arpa") || ends_with(name, n, "local"))
		return;
	b = base_start(name, n);
	if (b < 1)
		return;
	e = dns_get(d, k->src, name + b, n - (size_t)b, ts);
	if (!e)
		return;
	e->queries++;
	memcpy(e->dst, k->dst, 16);
	/* the subdomain part: name[0 .. b-1), without the dot before the base */
	for (i = 0; i < (size_t)b - 1; i++) {
		if (name[i] == '.') {
			lab = 0;
			continue;
		}
		if (++lab >= c->dns_label_len)
			sus = 1;
	}
	if ((size_t)b - 1 >= 16 && entropy(name, (size_t)b - 1) >= c->dns_entropy)
		sus = 1;
	if (sus) {
		e->suspicious++;
		if (!e->example[0])
			snprintf(e->example, sizeof(e->example), "%.*s", (int)n, name);
	}
	if (odd_type(q->qtype)) {
		e->odd++;
		e->odd_type = q->qtype;
	}
	if (e->unique < c->dns_subdomains) {
		h = fnv(name, n);
		HASH_FIND(hh, e->names, &h, sizeof(h), nm);
		if (!nm && (nm = calloc(1, sizeof(*nm)))) {
			nm->h = h;
			HASH_ADD(hh, e->names, h, sizeof(h), nm);
			e->unique++;
		}
	}
	if (e->suspicious >= c->dns_suspicious || e->unique >= c->dns_subdomains ||
	    e->odd >= c->dns_odd_types) {
		struct det_notice no = { .note = PL_NOTE_DNS_TUNNEL, .port = k->dport };
		const char *tn = pl_dns_qtype_name(e->odd_type);
		char ss[64], tb[16];

		if (!tn && e->odd_type == 10)
			tn = "NULL";
		if (!tn && e->odd_type == 255)
			tn = "ANY";
		if (!tn) {
			snprintf(tb, sizeof(tb), "TYPE%u", e->odd_type);
			tn = tb;
		}
		det_addr(k->src, ss, sizeof(ss));
		no.ts = ts;
		no.uid = uid;
		no.src = k->src;
		no.dst = e->dst;
		no.n = e->queries;
		no.ban = k->src;
		no.ban_ns = c->dns_ban_ns;
		no.suppress_ns = c->dns_window_ns;
		snprintf(no.msg, sizeof(no.msg),
			 "%s asked %u names under %s in %.1fs: %u%s unique, %u with a long or "
			 "high-entropy subdomain, %u of unusual types%s%s%s", ss, e->queries,
			 e->k.base, det_secs(det_since(ts, e->start)), e->unique,
			 e->unique >= c->dns_subdomains ? "+" : "", e->suspicious, e->odd,
			 e->odd ? " (" : "", e->odd ? tn : "", e->odd ? ")" : "");
		snprintf(no.sub, sizeof(no.sub), "%s", e->example[0] ? e->example : e->k.base);
		det_raise(d, &no);
	}
}

static void dns_del(struct pl_detect *d, struct det_dns *e)
{
	struct det_name *nm, *t;

	HASH_ITER(hh, e->names, nm, t) {
		HASH_DEL(e->names, nm);
		free(nm);
	}
	HASH_DEL(d->dns, e);
	free(e);
	d->ndns--;
}

void det_dns_tick(struct pl_detect *d, uint64_t now)
{
	struct det_dns *e, *t;

	HASH_ITER(hh, d->dns, e, t)
		if (det_since(now, e->last) >= d->c.dns_window_ns &&
		    det_since(now, e->start) >= d->c.dns_window_ns)
			dns_del(d, e);
}

void det_dns_free(struct pl_detect *d)
{
	struct det_dns *e, *t;

	HASH_ITER(hh, d->dns, e, t)
		dns_del(d, e);
}
