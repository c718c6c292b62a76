/* SPDX-License-Identifier: BSD-3-Clause */
/* detect_dns.c - DNS tunnels and exfiltration: per source and registrable
 * domain (the public suffix list's: one label below a public suffix, so
 * example.co.uk, not co.uk), in a tumbling window from the first query.
 *
 * Many unique names under one domain is what a busy client looks like (a
 * mail server checking blocklists, service discovery, a benchmark), so it
 * is never enough on its own. A tunnel shows in what it must do to carry
 * data: names that carry it (a long label, or a long subdomain part of high
 * entropy), responses that carry it back (bytes past the question, in a type
 * that can hold them), long names on average, queries of types nobody else
 * asks, unique names sustained with little repetition, and a domain no
 * other host asks under. Each sign gives points (docs/detections.md,
 * DNS::Tunneling); dns-notice-score of them raise an informational notice,
 * dns-ban-score a ban. Names carrying data or coming back are worth 3, the
 * rest 1: no pile of weak signs reaches a ban on its own.
 *
 * Reverse lookups (.arpa), multicast DNS names (.local) and names that are
 * a public suffix themselves (no one registered them) are left out.
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

/* Signs' points (docs/detections.md). Names or responses carrying data are
 * what a tunnel cannot do without; the others a busy client can show. */
#define PTS_NAMES 3
#define PTS_ANSWERS 3
#define PTS_TYPES 1
#define PTS_LENGTH 1
#define PTS_UNIQUE 1
#define PTS_ALONE 1

struct det_name {
	uint64_t h;
	UT_hash_handle hh;
};

struct det_dns_key {
	uint8_t src[16];
	char base[BASE_MAX];
};

/* A registrable domain and how many (source, domain) entries ask under it:
 * one is "a domain no other host uses". At most one per entry, freed with
 * its last one, so bounded as the entries are. */
struct det_dns_dom {
	char base[BASE_MAX];
	UT_hash_handle hh;
	unsigned refs;
};

struct det_dns {
	struct det_dns_key k;
	UT_hash_handle hh;
	struct det_dns_dom *dom;        /* NULL: could not be tracked (not alone) */
	uint64_t start, last;
	uint32_t queries, suspicious, odd, unique;
	/* repetition: queries whose name could be looked up in the names kept
	 * (the set had room, or it was there), and how many were there */
	uint32_t judged, repeats;
	uint64_t sub_bytes;             /* subdomain characters, all queries */
	uint32_t answers, data_answers; /* responses seen; those carrying data */
	uint64_t data_bytes;            /* past the question, in those */
	uint16_t odd_type;
	uint8_t raised;                 /* 1: informational notice, 2: ban, this window */
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

/* The entry of (src, base) in its current window; create: make it if it is
 * not there (a query), else NULL (a response to a query not counted). */
static struct det_dns *dns_get(struct pl_detect *d, const uint8_t src[16], const char *base,
			       size_t blen, uint64_t ts, int create)
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
	if (!e && !create)
		return NULL;
	if (!e) {
		if (d->ndns >= DET_MAX_ENTRIES || !(e = calloc(1, sizeof(*e)))) {
			d->dropped[PL_DT_DNS]++;
			return NULL;
		}
		e->k = k;
		HASH_ADD(hh, d->dns, k, sizeof(k), e);
		d->ndns++;
		HASH_FIND(hh, d->dns_doms, k.base, sizeof(k.base), e->dom);
		if (!e->dom && (e->dom = calloc(1, sizeof(*e->dom)))) {
			memcpy(e->dom->base, k.base, sizeof(k.base));
			HASH_ADD(hh, d->dns_doms, base, sizeof(e->dom->base), e->dom);
		}
		if (e->dom)
			e->dom->refs++;
	}
	if (!e->start || det_since(ts, e->start) >= d->c.dns_window_ns) {
		if (!create)
			return NULL;    /* the query's window is over */
		HASH_ITER(hh, e->names, nm, t) {
			HASH_DEL(e->names, nm);
			free(nm);
			d->ndns_names--;
		}
		e->start = ts;
		e->queries = e->suspicious = e->odd = e->unique = 0;
		e->judged = e->repeats = e->answers = e->data_answers = 0;
		e->sub_bytes = e->data_bytes = 0;
		e->raised = 0;
		e->example[0] = 0;
	}
	e->last = ts;
	return e;
}

/* Types whose answers can hold arbitrary bytes: what iodine and its kin
 * ask for (A and AAAA hold 4 and 16 bytes a record; they are left out, as
 * every ordinary lookup uses them). */
static int data_type(uint16_t t)
{
	return t == 5 || t == 10 || t == 15 || t == 16 || t == 33 ||
	       (t >= 65280 && t <= 65534);
}

/* Each sign, its points, and the words the notice gives it. */
struct dns_signs {
	int names, answers, types, length, unique, alone;
	unsigned score;
};

static void dns_judge(const struct pl_detect_cfg *c, const struct det_dns *e, uint64_t ts,
		      struct dns_signs *g)
{
	memset(g, 0, sizeof(*g));
	/* a quarter: among many ordinary names, a few odd ones are not a
	 * channel; a tunnel's polls between its data queries are short */
	g->names = e->suspicious >= c->dns_suspicious &&
		   (uint64_t)e->suspicious * 4 >= e->queries;
	g->answers = e->data_answers >= c->dns_suspicious &&
		     (uint64_t)e->data_answers * 2 >= e->answers;
	g->types = e->odd >= c->dns_odd_types;
	g->length = e->queries >= c->dns_suspicious &&
		    e->sub_bytes >= (uint64_t)c->dns_name_bytes * e->queries;
	g->unique = e->unique >= c->dns_subdomains && (uint64_t)e->repeats * 10 < e->judged &&
		    det_since(ts, e->start) >= c->dns_sustain_ns;
	/* the source's own entry is the domain's only one */
	g->alone = e->dom && e->dom->refs == 1 && e->queries >= c->dns_suspicious;
	g->score = (unsigned)(g->names * PTS_NAMES + g->answers * PTS_ANSWERS +
			      g->types * PTS_TYPES + g->length * PTS_LENGTH +
			      g->unique * PTS_UNIQUE + g->alone * PTS_ALONE);
}

/* ", what +pts" appended to out if on (without the comma first) */
static void sign(char *out, size_t len, int on, const char *what, int pts)
{
	size_t n = strlen(out);

	if (on && n < len)
		snprintf(out + n, len - n, "%s%s +%d", n ? ", " : "", what, pts);
}

static void dns_raise(struct pl_detect *d, struct det_dns *e, const uint8_t *client,
		      uint16_t port, uint64_t ts, const char *uid)
{
	const struct pl_detect_cfg *c = &d->c;
	struct det_notice no = { .note = PL_NOTE_DNS_TUNNEL, .port = port };
	const char *tn = pl_dns_qtype_name(e->odd_type);
	struct dns_signs g;
	char ss[64], tb[16], sg[160] = "";
	int ban;

	dns_judge(c, e, ts, &g);
	if (g.score < c->dns_notice_score)
		return;
	ban = g.score >= c->dns_ban_score;
	if (e->raised >= (ban ? 2 : 1))
		return;                 /* said so in this window already */
	e->raised = (uint8_t)(ban ? 2 : 1);
	if (!tn && e->odd_type == 10)
		tn = "NULL";
	if (!tn && e->odd_type == 255)
		tn = "ANY";
	if (!tn) {
		snprintf(tb, sizeof(tb), "TYPE%u", e->odd_type);
		tn = tb;
	}
	det_addr(client, ss, sizeof(ss));
	no.ts = ts;
	no.uid = uid;
	no.src = client;
	no.dst = e->dst;
	no.n = e->queries;
	no.suppress_ns = c->dns_window_ns;
	if (ban) {
		no.ban = client;
		no.ban_ns = c->dns_ban_ns;
		/* apart from the informational notice's (src, dst): a ban
		 * after it is not suppressed by it */
		no.supp_key = client;
	}
	/* every count, then each sign found and its points: the verdict's
	 * reasons in the notice itself */
	sign(sg, sizeof(sg), g.names, "names carry data", PTS_NAMES);
	sign(sg, sizeof(sg), g.answers, "responses carry data", PTS_ANSWERS);
	sign(sg, sizeof(sg), g.types, "unusual types", PTS_TYPES);
	sign(sg, sizeof(sg), g.length, "long names", PTS_LENGTH);
	sign(sg, sizeof(sg), g.unique, "unique names sustained", PTS_UNIQUE);
	sign(sg, sizeof(sg), g.alone, "no other host", PTS_ALONE);
	snprintf(no.msg, sizeof(no.msg),
		 "%s asked %u names under %s in %.1fs: %u%s unique (%u of %u asked again), "
		 "%u with a long or high-entropy subdomain, %u of unusual types%s%s%s, "
		 "%.0f bytes of subdomain a name, %u of %u responses carrying data "
		 "(%.0f bytes each); score %u (%s): %s at %u",
		 ss, e->queries, e->k.base, det_secs(det_since(ts, e->start)), e->unique,
		 e->unique >= c->dns_subdomains ? "+" : "", e->repeats, e->judged,
		 e->suspicious, e->odd, e->odd ? " (" : "", e->odd ? tn : "", e->odd ? ")" : "",
		 e->queries ? (double)e->sub_bytes / e->queries : 0.0, e->data_answers,
		 e->answers, e->data_answers ? (double)e->data_bytes / e->data_answers : 0.0,
		 g.score, sg, ban ? "ban" : "informational",
		 ban ? c->dns_ban_score : c->dns_notice_score);
	snprintf(no.sub, sizeof(no.sub), "%s", e->example[0] ? e->example : e->k.base);
	det_raise(d, &no);
}

/* A response under a domain the client asked under, in the query's window:
 * how much it carries past the header and the question it repeats. */
static void dns_answer(struct pl_detect *d, uint64_t ts, const struct pl_flow_key *k,
		       const struct pl_dns *q, const char *name, size_t n, int b,
		       const char *uid)
{
	struct det_dns *e = dns_get(d, k->dst, name + b, n - (size_t)b, ts, 0);
	size_t hdr;

	if (!e)
		return;
	e->answers++;
	/* the question on the wire: a length byte a label and the root, for
	 * the text's dots and one more; then type and class */
	hdr = 12 + (n ? n + 2 : 1) + 4;
	if (q->ancount && data_type(q->qtype) && !q->qname_more && q->msg_len > hdr &&
	    q->msg_len - hdr >= d->c.dns_answer_bytes) {
		e->data_answers++;
		e->data_bytes += q->msg_len - hdr;
	}
	dns_raise(d, e, k->dst, k->sport, ts, uid);
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

	if (!q->has_question)
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
	if (q->qr) {
		dns_answer(d, ts, k, q, name, n, b, uid);
		return;
	}
	e = dns_get(d, k->src, name + b, n - (size_t)b, ts, 1);
	if (!e)
		return;
	e->queries++;
	memcpy(e->dst, k->dst, 16);
	/* the subdomain part: name[0 .. b-1), without the dot before the base */
	sub = b ? (size_t)b - 1 : 0;
	e->sub_bytes += sub;
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
	h = fnv(name, n);
	HASH_FIND(hh, e->names, &h, sizeof(h), nm);
	if (nm) {
		e->judged++;            /* asked before */
		e->repeats++;
	} else if (e->unique < c->dns_subdomains) {
		/* each entry holds at most dns-subdomains names, and all of them
		 * together DET_DNS_NAMES_MAX: a flood of random names under many
		 * domains would otherwise hold 65536 x dns-subdomains */
		if (d->ndns_names >= DET_DNS_NAMES_MAX || !(nm = calloc(1, sizeof(*nm)))) {
			d->dropped[PL_DT_DNS_NAMES]++;
		} else {
			nm->h = h;
			HASH_ADD(hh, e->names, h, sizeof(h), nm);
			e->unique++;
			e->judged++;
			d->ndns_names++;
		}
	}
	/* else: not among the names kept, which are full: new or not, it
	 * cannot be told, and is not judged */
	dns_raise(d, e, k->src, k->dport, ts, uid);
}

static void dns_del(struct pl_detect *d, struct det_dns *e)
{
	struct det_name *nm, *t;

	HASH_ITER(hh, e->names, nm, t) {
		HASH_DEL(e->names, nm);
		free(nm);
		d->ndns_names--;
	}
	if (e->dom && !--e->dom->refs) {
		HASH_DEL(d->dns_doms, e->dom);
		free(e->dom);
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
