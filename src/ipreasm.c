/* SPDX-License-Identifier: BSD-3-Clause */
/* ipreasm.c - IP reassembly (see ipreasm.h for the rules and why).
 *
 * Each datagram keeps its fragments sorted by offset, never overlapping,
 * each marked whether it starts a run: Linux's inet_frag_queue_insert
 * appends a fragment to the run of the highest one when it follows it
 * exactly, and otherwise starts a run; a newcomer inside one run is a
 * duplicate, one across runs or partly over one is an overlap. Payload
 * bytes go to a buffer at their offset; the first fragment's header is
 * kept for the rebuilt datagram. Datagrams are in two lists, oldest first:
 * all of them (for timeouts and the total bound) and their source's (for
 * the per-source bound). */
#include "ipreasm.h"

#include <stdlib.h>
#include <string.h>
#include <uthash.h>

static const char *const end_names[] = {
#define PL_IPR_NAME(id, name, doc) name,
	PL_IPR_ENDS(PL_IPR_NAME)
#undef PL_IPR_NAME
};

static const char *const end_texts[] = {
#define PL_IPR_TEXT(id, name, doc) doc,
	PL_IPR_ENDS(PL_IPR_TEXT)
#undef PL_IPR_TEXT
};

const char *pl_ipr_end_name(enum pl_ipr_end e)
{
	return (unsigned)e < PL_IPR__ENDS ? end_names[e] : "frag_unknown";
}

const char *pl_ipr_end_text(enum pl_ipr_end e)
{
	return (unsigned)e < PL_IPR__ENDS ? end_texts[e] : "";
}

struct dg_key {
	uint8_t src[16], dst[16];
	uint32_t id;
	uint32_t ifindex;
	uint16_t vlan, inner_vlan;
	uint8_t proto;                  /* IPv4 only (RFC 8200 leaves it out) */
	uint8_t version;
	uint8_t pad[2];
};

struct dgram;

struct src {
	uint8_t addr[16];
	UT_hash_handle hh;
	struct dgram *head, *tail;      /* its datagrams, oldest first */
	uint64_t mem;
	int pinned;                     /* kept while empty: a datagram is being made */
};

struct dgram {
	struct dg_key k;
	UT_hash_handle hh;
	struct dgram *prev, *next;      /* all datagrams, oldest first */
	struct dgram *sprev, *snext;    /* its source's, oldest first */
	struct src *src;
	uint64_t first_ts, last_ts;
	struct pl_ipfrag_rec *frags;
	uint32_t nfrags, frags_cap;
	struct pl_ipfrag_rec *dups;     /* duplicates: only their notes count */
	uint32_t ndups, dups_cap;
	uint8_t *buf;                   /* payload bytes at their offsets */
	uint32_t buf_size;
	uint8_t *hdr;                   /* the first fragment's header as it came */
	uint32_t hdr_len;               /* IPv4 IHL; IPv6 up to and with the fragment header */
	uint32_t unfrag;                /* bytes of hdr that lead the rebuilt datagram */
	uint32_t nh_at;                 /* IPv6: the next-header byte that names the fragment header */
	uint32_t total;                 /* fragmentable bytes, once the last fragment came */
	uint32_t covered;               /* payload bytes received (fragments never overlap) */
	uint32_t max_end;
	uint8_t have_last, have_first, dead, cut;
	uint64_t mem;                   /* charged to its source and the total */
};

struct pl_ipreasm {
	struct pl_ipreasm_cfg cfg;
	struct pl_ipreasm_ops ops;
	struct dgram *table;
	struct dgram *head, *tail;
	struct src *srcs;
	struct pl_ipreasm_stats st;
	uint8_t *scratch;               /* PL_IPR_MAX_PKT: what the callback is shown */
};

void pl_ipreasm_cfg_defaults(struct pl_ipreasm_cfg *cfg)
{
	cfg->timeout_ns = PL_IPR_DEFAULT_TIMEOUT_S * 1000000000ull;
	cfg->mem_max = (uint64_t)PL_IPR_DEFAULT_MEM_KB << 10;
	cfg->src_mem_max = (uint64_t)PL_IPR_DEFAULT_SRC_KB << 10;
}

struct pl_ipreasm *pl_ipreasm_new(const struct pl_ipreasm_cfg *cfg,
				  const struct pl_ipreasm_ops *ops)
{
	struct pl_ipreasm *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->cfg = *cfg;
	r->ops = *ops;
	r->scratch = malloc(PL_IPR_MAX_PKT);
	if (!r->scratch) {
		free(r);
		return NULL;
	}
	return r;
}

const struct pl_ipreasm_stats *pl_ipreasm_stats(const struct pl_ipreasm *r)
{
	return &r->st;
}

/* ---- one fragment's headers, read from its bytes ------------------------ */

struct fview {
	uint8_t version, proto, mf, ttl;
	uint32_t id;
	uint32_t off, len;              /* its payload in the datagram */
	uint32_t got;                   /* of which captured */
	uint32_t hdr_len;               /* bytes before its payload */
	uint32_t unfrag;                /* IPv4 IHL; IPv6 where the fragment header starts */
	uint32_t nh_at;
	uint8_t src[16], dst[16];
};

static uint32_t be16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static void v4mapped(uint8_t *d, const uint8_t *a)
{
	memset(d, 0, 10);
	d[10] = d[11] = 0xff;
	memcpy(d + 12, a, 4);
}

/* Returns 0, or -1 when the bytes are no readable fragment (including an
 * IPv6 atomic fragment: a whole packet). */
static int frag_view(const uint8_t *ip, uint32_t cap, struct fview *v)
{
	uint32_t end, o, at, i, ff;
	uint8_t nh;

	memset(v, 0, sizeof(*v));
	if (cap < 1)
		return -1;
	v->version = ip[0] >> 4;
	if (v->version == 4) {
		if (cap < 20)
			return -1;
		v->unfrag = (uint32_t)(ip[0] & 0x0f) * 4;
		end = be16(ip + 2);
		if (v->unfrag < 20 || v->unfrag > cap || end < v->unfrag)
			return -1;
		ff = be16(ip + 6);
		v->off = (ff & 0x1fff) * 8;
		v->mf = !!(ff & 0x2000);
		v->id = be16(ip + 4);
		v->ttl = ip[8];
		v->proto = ip[9];
		v4mapped(v->src, ip + 12);
		v4mapped(v->dst, ip + 16);
		v->hdr_len = v->unfrag;
	} else if (v->version == 6) {
		if (cap < 40)
			return -1;
		end = 40 + be16(ip + 4);
		nh = ip[6];
		at = 6;
		o = 40;
		/* the headers before the fragment header, as many as the parser walks */
		for (i = 0; i < PL_IPV6_MAX_EXT && nh != 44; i++) {
			if (nh != 0 && nh != 43 && nh != 60)
				return -1;      /* no fragment header */
			if (o + 2 > cap || o + 2 > end)
				return -1;
			at = o;
			nh = ip[o];
			o += ((uint32_t)ip[o + 1] + 1) * 8;
		}
		if (nh != 44 || o + 8 > cap || o + 8 > end)
			return -1;
		ff = be16(ip + o + 2);
		v->off = ff & 0xfff8;
		v->mf = ip[o + 3] & 1;
		v->id = (uint32_t)ip[o + 4] << 24 | (uint32_t)ip[o + 5] << 16 |
			(uint32_t)ip[o + 6] << 8 | ip[o + 7];
		v->proto = ip[o];
		v->ttl = ip[7];
		memcpy(v->src, ip + 8, 16);
		memcpy(v->dst, ip + 24, 16);
		v->unfrag = o;
		v->nh_at = at;
		v->hdr_len = o + 8;
	} else {
		return -1;
	}
	if (!v->mf && !v->off)
		return -1;
	v->len = end - v->hdr_len;
	v->got = cap - v->hdr_len < v->len ? cap - v->hdr_len : v->len;
	return 0;
}

/* ---- lists, memory ------------------------------------------------------ */

static uint64_t dg_cost(const struct dgram *g)
{
	return sizeof(*g) + ((uint64_t)g->frags_cap + g->dups_cap) * sizeof(struct pl_ipfrag_rec) +
	       g->buf_size + g->hdr_len;
}

/* Charges (or refunds) the change of g's cost to its source and the total. */
static void charge(struct pl_ipreasm *r, struct dgram *g)
{
	uint64_t now = dg_cost(g);

	g->src->mem = g->src->mem - g->mem + now;
	r->st.mem = r->st.mem - g->mem + now;
	g->mem = now;
	if (r->st.mem > r->st.mem_peak)
		r->st.mem_peak = r->st.mem;
}

static void dg_release(struct dgram *g)
{
	free(g->frags);
	free(g->dups);
	free(g->buf);
	free(g->hdr);
	g->frags = NULL;
	g->dups = NULL;
	g->buf = NULL;
	g->hdr = NULL;
	g->nfrags = g->frags_cap = g->ndups = g->dups_cap = g->buf_size = g->hdr_len = 0;
}

static void dg_free(struct pl_ipreasm *r, struct dgram *g)
{
	struct src *s = g->src;

	HASH_DEL(r->table, g);
	if (g->prev)
		g->prev->next = g->next;
	else
		r->head = g->next;
	if (g->next)
		g->next->prev = g->prev;
	else
		r->tail = g->prev;
	if (g->sprev)
		g->sprev->snext = g->snext;
	else
		s->head = g->snext;
	if (g->snext)
		g->snext->sprev = g->sprev;
	else
		s->tail = g->sprev;
	s->mem -= g->mem;
	r->st.mem -= g->mem;
	r->st.pending--;
	dg_release(g);
	free(g);
	if (!s->head && !s->pinned) {
		HASH_DEL(r->srcs, s);
		free(s);
	}
}

static uint32_t seen_from_start(const struct dgram *g)
{
	uint32_t i, pos = 0;

	for (i = 0; i < g->nfrags; i++) {
		const struct pl_ipfrag_rec *f = &g->frags[i];

		if (f->off != pos)
			break;
		if (f->got < f->len)
			return pos + f->got;
		pos += f->len;
	}
	return pos;
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* The whole datagram into r->scratch. */
static void rebuild(struct pl_ipreasm *r, const struct dgram *g, struct pl_ipdgram *d)
{
	uint8_t *o = r->scratch;
	uint32_t n = g->buf_size < g->total ? g->buf_size : g->total, sum = 0, i;

	memcpy(o, g->hdr, g->unfrag);
	if (n)
		memcpy(o + g->unfrag, g->buf, n);
	memset(o + g->unfrag + n, 0, g->total - n);
	if (g->k.version == 4) {
		put16(o + 2, g->unfrag + g->total);
		put16(o + 6, be16(o + 6) & 0x4000);     /* DF stays; MF, offset go */
		o[10] = o[11] = 0;
		for (i = 0; i < g->unfrag; i += 2)
			sum += be16(o + i);
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		put16(o + 10, ~sum & 0xffff);
	} else {
		o[g->nh_at] = g->hdr[g->unfrag];        /* the fragment header's next header */
		put16(o + 4, g->unfrag - 40 + g->total);
	}
	d->pkt = o;
	d->pkt_len = g->unfrag + g->total;
	d->pkt_seen = g->unfrag + seen_from_start(g);
}

/* The first fragment alone, as it came, into r->scratch. */
static void first_alone(struct pl_ipreasm *r, const struct dgram *g, struct pl_ipdgram *d)
{
	const struct pl_ipfrag_rec *f = &g->frags[0];

	memcpy(r->scratch, g->hdr, g->hdr_len);
	if (f->got)
		memcpy(r->scratch + g->hdr_len, g->buf, f->got);
	d->pkt = r->scratch;
	d->pkt_len = g->hdr_len + f->len;
	d->pkt_seen = g->hdr_len + f->got;
}

static void dg_end(struct pl_ipreasm *r, struct dgram *g, enum pl_ipr_end why,
		   const struct pl_ipfrag_note *trigger)
{
	struct pl_ipdgram d;

	if (g->dead) {                  /* a discarded IPv6 datagram's time is up */
		dg_free(r, g);
		return;
	}
	memset(&d, 0, sizeof(d));
	d.version = g->k.version;
	d.proto = g->k.version == 4 ? g->k.proto : g->have_first ? g->hdr[g->unfrag] : 0;
	d.have_first = g->have_first;
	d.cut = g->cut;
	d.id = g->k.id;
	d.src = g->k.src;
	d.dst = g->k.dst;
	d.first_ts = g->first_ts;
	d.last_ts = g->last_ts;
	d.frags = g->frags;
	d.nfrags = g->nfrags;
	d.dups = g->dups;
	d.ndups = g->ndups;
	d.trigger = trigger;
	if (why == PL_IPR_COMPLETE)
		rebuild(r, g, &d);
	else if (g->have_first)
		first_alone(r, g, &d);
	r->st.ends[why]++;
	if (why != PL_IPR_COMPLETE)
		r->st.frags_lost += g->nfrags + g->ndups;
	r->ops.end(r->ops.ctx, why, &d);
	if (why == PL_IPR_OVERLAP && g->k.version == 6) {
		/* RFC 5722: what is still to come of it goes too, until its
		 * timeout; it holds no memory but itself until then */
		dg_release(g);
		g->dead = 1;
		charge(r, g);
		return;
	}
	dg_free(r, g);
}

/* The oldest datagram other than keep: of source s, or of all (s NULL). */
static struct dgram *oldest_but(struct pl_ipreasm *r, struct src *s, const struct dgram *keep)
{
	struct dgram *g = s ? s->head : r->head;

	while (g && g == keep)
		g = s ? g->snext : g->next;
	return g;
}

/* Makes room for `extra` more bytes for a datagram of source s (keep: that
 * datagram, which is not evicted here). Returns -1 if it cannot. */
static int make_room(struct pl_ipreasm *r, struct src *s, const struct dgram *keep,
		     uint64_t extra)
{
	struct dgram *v;

	while (s->mem + extra > r->cfg.src_mem_max) {
		if (!(v = oldest_but(r, s, keep)))
			return -1;
		dg_end(r, v, PL_IPR_EVICTED, NULL);
	}
	while (r->st.mem + extra > r->cfg.mem_max) {
		if (!(v = oldest_but(r, NULL, keep)))
			return -1;
		dg_end(r, v, PL_IPR_EVICTED, NULL);
	}
	return 0;
}

static struct dgram *dg_new(struct pl_ipreasm *r, const struct dg_key *k, uint64_t ts)
{
	struct src *s;
	struct dgram *g;

	HASH_FIND(hh, r->srcs, k->src, 16, s);
	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s)
			return NULL;
		memcpy(s->addr, k->src, 16);
		HASH_ADD(hh, r->srcs, addr, 16, s);
	}
	/* evicting its last datagram must not free s */
	s->pinned = 1;
	g = make_room(r, s, NULL, sizeof(*g)) ? NULL : calloc(1, sizeof(*g));
	s->pinned = 0;
	if (!g) {
		if (!s->head) {
			HASH_DEL(r->srcs, s);
			free(s);
		}
		return NULL;
	}
	g->k = *k;
	g->src = s;
	g->first_ts = g->last_ts = ts;
	g->prev = r->tail;
	if (r->tail)
		r->tail->next = g;
	else
		r->head = g;
	r->tail = g;
	g->sprev = s->tail;
	if (s->tail)
		s->tail->snext = g;
	else
		s->head = g;
	s->tail = g;
	HASH_ADD(hh, r->table, k, sizeof(*k), g);
	r->st.pending++;
	charge(r, g);
	return g;
}

/* ---- where a fragment goes ---------------------------------------------- */

enum place { PLACE_NEW_RUN, PLACE_APPEND, PLACE_DUP, PLACE_OVERLAP };

/* As inet_frag_queue_insert decides, for [off, end); *at: the index. */
static enum place place(const struct dgram *g, uint32_t off, uint32_t end, uint32_t *at)
{
	const struct pl_ipfrag_rec *f = g->frags, *last;
	uint32_t i, j, run_end;

	*at = g->nfrags;
	if (!g->nfrags)
		return PLACE_NEW_RUN;
	last = &f[g->nfrags - 1];       /* no overlaps: the highest offset ends highest */
	if (last->off + last->len < end) {
		if (off < last->off + last->len)
			return PLACE_OVERLAP;
		return off == last->off + last->len ? PLACE_APPEND : PLACE_NEW_RUN;
	}
	for (i = 0; i < g->nfrags; i = j) {
		run_end = f[i].off + f[i].len;
		for (j = i + 1; j < g->nfrags && !f[j].run_head; j++)
			run_end = f[j].off + f[j].len;
		if (end <= f[i].off) {
			*at = i;
			return PLACE_NEW_RUN;
		}
		if (off >= run_end)
			continue;
		if (off >= f[i].off && end <= run_end)
			return PLACE_DUP;
		return PLACE_OVERLAP;
	}
	return PLACE_NEW_RUN;           /* not reached: end <= the last run's end */
}

/* The datagram this fragment would make longer than 65535 bytes. */
static int oversize(uint8_t version, uint32_t unfrag, uint32_t end)
{
	return version == 4 ? unfrag + end > 65535 : unfrag - 40 + end > 65535;
}

static uint32_t round_up(uint32_t v, uint32_t to)
{
	return (v + to - 1) / to * to;
}

/* A duplicate's note, if there is room: no datagram is evicted for one. */
static void keep_dup(struct pl_ipreasm *r, struct dgram *g, const struct fview *v,
		     const struct pl_ipfrag_note *n)
{
	struct pl_ipfrag_rec *rec;
	uint32_t cap = g->dups_cap;

	if (g->ndups == g->dups_cap) {
		cap = cap ? cap * 2 : 2;
		if (g->src->mem + (cap - g->dups_cap) * sizeof(*rec) > r->cfg.src_mem_max ||
		    r->st.mem + (cap - g->dups_cap) * sizeof(*rec) > r->cfg.mem_max)
			return;
		rec = realloc(g->dups, cap * sizeof(*rec));
		if (!rec)
			return;
		g->dups = rec;
		g->dups_cap = cap;
		charge(r, g);
	}
	rec = &g->dups[g->ndups++];
	memset(rec, 0, sizeof(*rec));
	rec->off = v->off;
	rec->len = v->len;
	rec->got = v->got;
	rec->note = *n;
	rec->note.ttl = v->ttl;
}

enum pl_ipr_add pl_ipreasm_add(struct pl_ipreasm *r, const struct pl_ipfrag *f)
{
	const struct pl_ipfrag_note *n = &f->note;
	struct pl_ipfrag_rec *rec;
	struct dgram *g;
	struct dg_key k;
	struct fview v;
	enum place p;
	uint32_t at, end, need_buf, new_buf, new_cap;
	uint64_t extra;

	r->st.fragments++;
	if (f->unusable || frag_view(f->ip, f->cap, &v)) {
		r->st.bad++;
		return PL_IPR_REFUSED;
	}
	if (v.mf && (v.len & 7)) {
		if (v.version == 6) {   /* RFC 8200: discarded (with an ICMP error) */
			r->st.bad++;
			return PL_IPR_REFUSED;
		}
		v.len &= ~7u;           /* Linux cuts a non-last IPv4 one */
		if (v.got > v.len)
			v.got = v.len;
	}
	memset(&k, 0, sizeof(k));
	memcpy(k.src, v.src, 16);
	memcpy(k.dst, v.dst, 16);
	k.id = v.id;
	k.ifindex = n->key.ifindex;
	k.vlan = n->key.vlan;
	k.inner_vlan = n->key.inner_vlan;
	k.proto = v.version == 4 ? v.proto : 0;
	k.version = v.version;

	HASH_FIND(hh, r->table, &k, sizeof(k), g);
	if (g && n->ts >= g->first_ts && n->ts - g->first_ts >= r->cfg.timeout_ns) {
		dg_end(r, g, PL_IPR_TIMEOUT, NULL);     /* its timer would have fired */
		g = NULL;
	}
	if (g && g->dead) {
		r->st.discarded++;
		return PL_IPR_REFUSED;
	}
	if (v.got < v.len)
		r->st.cut++;
	if (!g && !(g = dg_new(r, &k, n->ts))) {
		r->st.bad++;            /* no memory at all: nothing to evict, or malloc */
		return PL_IPR_REFUSED;
	}
	if (n->ts > g->last_ts)
		g->last_ts = n->ts;

	/* Linux's order: where it ends, then whether it overlaps */
	end = v.off + v.len;
	if (oversize(v.version, v.unfrag, end)) {
		dg_end(r, g, PL_IPR_OVERSIZE, n);
		return PL_IPR_ENDED;
	}
	if (!v.mf ? end < g->max_end || (g->have_last && end != g->total) :
		    g->have_last && end > g->total) {
		dg_end(r, g, PL_IPR_INCONSISTENT, n);
		return PL_IPR_ENDED;
	}
	if (end == v.off) {
		dg_end(r, g, PL_IPR_INCONSISTENT, n);
		return PL_IPR_ENDED;
	}
	p = place(g, v.off, end, &at);
	if (p == PLACE_DUP) {
		r->st.duplicates++;
		keep_dup(r, g, &v, n);
		return PL_IPR_DUP;
	}
	if (p == PLACE_OVERLAP) {
		dg_end(r, g, PL_IPR_OVERLAP, n);
		return PL_IPR_ENDED;
	}

	/* room: one more record, the bytes, the first fragment's header */
	new_cap = g->frags_cap;
	if (g->nfrags == g->frags_cap)
		new_cap = g->frags_cap ? g->frags_cap * 2 : 4;
	need_buf = v.off + v.got;
	new_buf = g->buf_size;
	if (need_buf > g->buf_size)
		new_buf = round_up(need_buf, 1024);
	extra = (uint64_t)(new_cap - g->frags_cap) * sizeof(*rec) + (new_buf - g->buf_size) +
		(v.off == 0 ? v.hdr_len : 0);
	if (extra && make_room(r, g->src, g, extra)) {
		dg_end(r, g, PL_IPR_EVICTED, n);
		return PL_IPR_ENDED;
	}
	if (new_cap != g->frags_cap) {
		rec = realloc(g->frags, new_cap * sizeof(*rec));
		if (!rec) {
			dg_end(r, g, PL_IPR_EVICTED, n);
			return PL_IPR_ENDED;
		}
		g->frags = rec;
		g->frags_cap = new_cap;
	}
	if (new_buf != g->buf_size) {
		uint8_t *b = realloc(g->buf, new_buf);

		if (!b) {
			charge(r, g);
			dg_end(r, g, PL_IPR_EVICTED, n);
			return PL_IPR_ENDED;
		}
		memset(b + g->buf_size, 0, new_buf - g->buf_size);
		g->buf = b;
		g->buf_size = new_buf;
	}
	if (v.off == 0) {
		g->hdr = malloc(v.hdr_len);
		if (!g->hdr) {
			charge(r, g);
			dg_end(r, g, PL_IPR_EVICTED, n);
			return PL_IPR_ENDED;
		}
		memcpy(g->hdr, f->ip, v.hdr_len);
		g->hdr_len = v.hdr_len;
		g->unfrag = v.unfrag;
		g->nh_at = v.nh_at;
		g->have_first = 1;
	}
	charge(r, g);

	memmove(&g->frags[at + 1], &g->frags[at], (g->nfrags - at) * sizeof(*rec));
	rec = &g->frags[at];
	memset(rec, 0, sizeof(*rec));
	rec->off = v.off;
	rec->len = v.len;
	rec->got = v.got;
	rec->run_head = p == PLACE_NEW_RUN;
	rec->note = *n;
	rec->note.ttl = v.ttl;
	g->nfrags++;
	if (v.got)
		memcpy(g->buf + v.off, f->ip + v.hdr_len, v.got);
	g->covered += v.len;
	g->cut |= v.got < v.len;
	if (end > g->max_end)
		g->max_end = end;
	if (!v.mf) {
		g->have_last = 1;
		g->total = end;
	}
	if (g->have_last && g->covered == g->total) {
		/* the rebuilt datagram has the first fragment's header, which may be
		 * longer than the one the fragment was checked with */
		dg_end(r, g, oversize(g->k.version, g->unfrag, g->total) ? PL_IPR_OVERSIZE :
			     PL_IPR_COMPLETE, NULL);
	}
	return PL_IPR_ADDED;
}

void pl_ipreasm_expire(struct pl_ipreasm *r, uint64_t now)
{
	struct dgram *g;

	/* oldest first, so the first that is not due ends the walk; a datagram
	 * of a capture whose clock went back waits for the ones before it */
	while ((g = r->head) && now >= g->first_ts && now - g->first_ts >= r->cfg.timeout_ns)
		dg_end(r, g, PL_IPR_TIMEOUT, NULL);
}

void pl_ipreasm_flush(struct pl_ipreasm *r)
{
	while (r->head)
		dg_end(r, r->head, PL_IPR_TIMEOUT, NULL);
}

void pl_ipreasm_free(struct pl_ipreasm *r)
{
	if (!r)
		return;
	while (r->head)
		dg_free(r, r->head);
	free(r->scratch);
	free(r);
}
