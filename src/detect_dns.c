/* SPDX-License-Identifier: BSD-3-Clause */
/* detect_dns.c - DNS tunnels and exfiltration: per source and registrable
 * domain (the public suffix list's: one label below a public suffix, so
 * example.co.uk, not co.uk), in a tumbling window from the first query:
 * queries whose subdomain part has a long label or high entropy, unique
 * names asked, queries of unusual types (NULL, ANY, private use). Reverse
 * lookups (.arpa), multicast DNS names (.local) and names that are a public
 * suffix themselves (no one registered them) are left out.
 *
 * The list is libpsl's psl_latest(NULL): the distribution's file
 * (psl_dist_filename(), on Debian the publicsuffix package, updated on its
 * own) when it is newer than the copy built into libpsl, else that copy.
 * psl_builtin() alone would be frozen at libpsl's build. Without either,
 * the last two labels stand in for the registrable domain. */
#include "detect_int.h"

#include <ctype.h>
#include <libpsl.h>
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

/* Where the registrable domain starts in name[0..n) (lowercase, NUL-
 * terminated, no trailing dot): 0 if the name is one, -1 if it has none
 * (a public suffix itself, or a single label). */
static int base_start(const struct pl_detect *d, const char *name, size_t n)
{
	const char *r;
	int i, dots = 0;

	if (d->psl) {
		r = psl_registrable_domain(d->psl, name);
		return r && r >= name && r < name + n ? (int)(r - name) : -1;
	}
	for (i = (int)n - 1; i >= 0; i--)
		if (name[i] == '.' && ++dots == 2)
			return i + 1;
	return dots ? 0 : -1;
}

void det_dns_init(struct pl_detect *d)
{
	d->psl = psl_latest(NULL);
	if (!d->psl)
		d->psl = (psl_ctx_t *)psl_builtin();
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
			d->dropped[PL_DT_DNS]++;
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
			d->ndns_names--;
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
	char name[PL_DNS_NAME_BUF];
	struct det_dns *e;
	struct det_name *nm;
	uint64_t h;
	int b, sus = 0;
	size_t i, lab = 0, sub;

	if (q->qr || !q->has_question)
		return;
	/* lowercase (as the list wants it), without the root's dot; a NUL byte
	 * in a label must not end the string early */
	while (n && q->qname[n - 1] == '.')
		n--;
	for (i = 0; i < n; i++)
		name[i] = q->qname[i] ? (char)tolower((unsigned char)q->qname[i]) : '?';
	name[n] = 0;
	if (!n || ends_with(name, n, "arpa") || ends_with(name, n, "local"))
		return;
	b = base_start(d, name, n);
	if (b < 0)
		return;
	e = dns_get(d, k->src, name + b, n - (size_t)b, ts);
	if (!e)
		return;
	e->queries++;
	memcpy(e->dst, k->dst, 16);
	/* the subdomain part: name[0 .. b-1), without the dot before the base */
	sub = b ? (size_t)b - 1 : 0;
	for (i = 0; i < sub; i++) {
		if (name[i] == '.') {
			lab = 0;
			continue;
		}
		if (++lab >= c->dns_label_len)
			sus = 1;
	}
	if (sub >= 16 && entropy(name, sub) >= c->dns_entropy)
		sus = 1;
	if (sus) {
		e->suspicious++;
		if (!e->example[0])
			snprintf(e->example, sizeof(e->example), "%.*s", (int)n, q->qname);
	}
	if (odd_type(q->qtype)) {
		e->odd++;
		e->odd_type = q->qtype;
	}
	if (e->unique < c->dns_subdomains) {
		h = fnv(name, n);
		HASH_FIND(hh, e->names, &h, sizeof(h), nm);
		/* each entry holds at most dns-subdomains names, and all of them
		 * together DET_DNS_NAMES_MAX: a flood of random names under many
		 * domains would otherwise hold 65536 x dns-subdomains */
		if (nm) {
			;               /* asked before */
		} else if (d->ndns_names >= DET_DNS_NAMES_MAX || !(nm = calloc(1, sizeof(*nm)))) {
			d->dropped[PL_DT_DNS_NAMES]++;
		} else {
			nm->h = h;
			HASH_ADD(hh, e->names, h, sizeof(h), nm);
			e->unique++;
			d->ndns_names++;
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
		d->ndns_names--;
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
	psl_free(d->psl);       /* the built-in list is left alone */
	d->psl = NULL;
}
