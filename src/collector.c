/* SPDX-License-Identifier: BSD-3-Clause */
/* collector.c - connections, and the records hanging off them.
 *
 * The kernel keeps unidirectional flows; a connection here is both
 * directions of one 5-tuple (+ VLANs + interface), keyed canonically. The
 * originator is the side of the first packet seen, unless that packet was a
 * SYN-ACK or came from a low port to a high one (a reply seen first).
 * Counts come from sweeps of the flow table; L7 events become dns, http and
 * ssl records as they arrive; malformed-packet events become weird records.
 * IP fragments are put together here (ipreasm.c): a datagram's L7 is read
 * from the whole, and fragments the kernel counted without ports move to
 * the datagram's connection.
 * A connection is logged when both directions have been idle for the idle
 * timeout, every active timeout while it lasts, and at the end. */
#include "collector.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <uthash.h>

#include "names.h"
#include "records.h"
#include "reasm.h"
#include "parse/pl_parse.h"

#define CONN_MAX_FLOWS 4        /* kernel flows folded into one connection */
/* A rebuilt datagram behind an Ethernet header, for the parser. */
#define FRAG_FRAME_MAX (14 + PL_IPR_MAX_PKT)

/* Both directions of a connection look the same here. */
struct conn_key {
	uint8_t a[16], b[16];
	uint16_t pa, pb;
	uint8_t proto, pad;
	uint16_t vlan, inner_vlan;
	uint32_t ifindex;
};

struct dir_stat {
	uint64_t pkts, bytes, ip_bytes, payload_bytes, first_ns, last_ns;
	uint16_t tcp_flags;
	uint8_t ttl_min, ttl_max;
};

/* What the collector adds to a direction beyond the kernel's flows:
 * fragments moved in (or out, negative) once their datagram's ports are
 * known, the TCP flags of a reassembled segment, the payload bytes that
 * make a reassembled datagram count as a whole packet would. */
struct dir_adj {
	int64_t pkts, bytes, ip_bytes, payload_bytes;
	uint64_t first_ns, last_ns;     /* of what moved in; 0: nothing did */
	uint16_t tcp_flags;
	uint8_t ttl_min, ttl_max;       /* of what moved in */
};

struct conn_flow {                      /* one kernel flow of the connection */
	struct pl_flow_key k;
	struct dir_stat st;             /* its counts at the last sweep */
	int dir;                        /* 0 orig, 1 resp */
};

struct dns_query {
	struct dns_query *next;
	uint64_t ts;
	struct pl_flow_key k;           /* as the query went */
	struct pl_dns q;
};

struct l7_wait {                        /* an L7 record waiting for more segments */
	uint8_t kind;
	uint64_t ts;
	uint32_t seq;
	struct pl_flow_key k;
	struct pl_meta m;               /* what the first segment gave */
	struct pl_reasm ra;
};

struct conn {
	struct conn_key ck;
	UT_hash_handle hh;
	struct pl_flow_key orig;        /* orig direction, Zeek's id */
	struct conn_flow flows[CONN_MAX_FLOWS];
	int nflows;
	struct dir_stat logged[2];      /* already in a record (active timeout) */
	uint64_t start_ns;              /* of the current record */
	char uid[PL_UID_LEN + 1];
	uint8_t services;               /* 1 << pl_l7_kind */
	uint8_t orig_mac[6], resp_mac[6];
	uint8_t have_mac;
	uint8_t ssl_logged[2];
	uint32_t http_seq[2];
	uint8_t http_seen[2];
	uint32_t http_depth;
	struct dns_query *dns;
	struct l7_wait *wait[2];
	struct dir_adj adj[2];
};

struct top_name {
	char name[PL_DNS_NAME_BUF];
	uint64_t count;
	UT_hash_handle hh;
};

struct talker {
	uint8_t addr[16];
	uint64_t pkts, bytes;
	UT_hash_handle hh;
};

struct pl_collector {
	struct pl_collector_opts o;
	struct talker *talkers;
	struct pl_sink *sink;
	int flows_fd;
	int ncpu;
	struct pl_flow_val *percpu;
	struct conn *conns;
	struct top_name *top[PL_TOP__COUNT];
	struct pl_collector_stats st;
	uint64_t seq;                   /* uid seeds */
	struct pl_collector_hooks hk;   /* observers (detections); zero: none */
	uint64_t prev_sweep_ns;         /* `now` of the previous sweep */
	uint64_t oldest_hint_ns;        /* from pl_collector_changed_since, or 0 */
	int has_hint;
	/* a sweep's batch of keys and per-CPU values: allocated at the first
	 * sweep and kept (672 KiB on two CPUs: not worth an mmap a second),
	 * never more than the table holds */
	struct pl_flow_key *batch_keys;
	uint8_t *batch_vals;
	uint32_t batch;
	struct pl_ipreasm *ipr;         /* IP fragments */
	struct pl_meta frag_meta;       /* a reassembled datagram, parsed */
	uint8_t *frag_frame;            /* ...as an Ethernet frame for the parser */
};

/* The kernel's per-packet clock is the coarse one: it lags the precise
 * clock `now` is read from by up to a tick (10 ms at HZ=100). A flow whose
 * last packet is older than the previous sweep by more than this was read
 * whole by that sweep. */
#define SWEEP_CLOCK_SLACK_NS (100 * 1000000ull)

void pl_collector_changed_since(struct pl_collector *c, uint64_t ts)
{
	c->oldest_hint_ns = ts;
	c->has_hint = 1;
}

void pl_collector_set_hooks(struct pl_collector *c, const struct pl_collector_hooks *h)
{
	c->hk = *h;
}

static int frag_setup(struct pl_collector *c);

/* ICMP: both directions of an exchange are one connection, keyed by the
 * request's type (an echo reply belongs with its request). */
static uint16_t icmp_request_type(uint8_t proto, uint16_t type)
{
	if (proto == 1) {
		switch (type) {
		case 0: return 8;
		case 14: return 13;
		case 16: return 15;
		case 18: return 17;
		}
	} else if (proto == 58) {
		if (type == 129)
			return 128;
	}
	return type;
}

static int is_icmp(uint8_t proto)
{
	return proto == 1 || proto == 58;
}

/* Returns 1 if k's source is the canonical `a` side. */
static int conn_key_of(const struct pl_flow_key *k, struct conn_key *ck)
{
	uint16_t ps = k->sport, pd = k->dport;
	int c, src_is_a;

	memset(ck, 0, sizeof(*ck));
	if (is_icmp(k->proto))
		ps = pd = icmp_request_type(k->proto, k->sport);
	c = memcmp(k->src, k->dst, 16);
	src_is_a = c < 0 || (c == 0 && ps <= pd);
	memcpy(ck->a, src_is_a ? k->src : k->dst, 16);
	memcpy(ck->b, src_is_a ? k->dst : k->src, 16);
	ck->pa = src_is_a ? ps : pd;
	ck->pb = src_is_a ? pd : ps;
	ck->proto = k->proto;
	ck->vlan = k->vlan;
	ck->inner_vlan = k->inner_vlan;
	ck->ifindex = k->ifindex;
	return src_is_a;
}

static int same_direction(const struct pl_flow_key *x, const struct pl_flow_key *y)
{
	return !memcmp(x->src, y->src, 16) && !memcmp(x->dst, y->dst, 16) &&
	       (is_icmp(x->proto) || x->sport == y->sport);
}

static int conn_dir(const struct conn *cn, const struct pl_flow_key *k)
{
	return same_direction(&cn->orig, k) ? 0 : 1;
}

static void reverse_key(const struct pl_flow_key *k, struct pl_flow_key *r)
{
	*r = *k;
	memcpy(r->src, k->dst, 16);
	memcpy(r->dst, k->src, 16);
	r->sport = k->dport;
	r->dport = k->sport;
}

/* Whether the first packet seen was the answer rather than the question. */
static int first_is_reply(const struct pl_flow_key *k, uint16_t tcp_flags)
{
	if (k->proto == 6 && (tcp_flags & 0x12) == 0x12)
		return 1;                       /* SYN-ACK */
	if (k->proto == 6 && (tcp_flags & 0x02))
		return 0;                       /* SYN */
	if (is_icmp(k->proto))
		return icmp_request_type(k->proto, k->sport) != k->sport;
	if (k->proto == 6 || k->proto == 17)
		return k->sport < 1024 && k->dport >= 1024;
	return 0;
}

static struct conn *conn_get(struct pl_collector *c, const struct pl_flow_key *k,
			     uint16_t first_flags, uint64_t first_ns)
{
	struct conn_key ck;
	struct conn *cn;

	conn_key_of(k, &ck);
	HASH_FIND(hh, c->conns, &ck, sizeof(ck), cn);
	if (cn)
		return cn;
	cn = calloc(1, sizeof(*cn));
	if (!cn)
		return NULL;
	cn->ck = ck;
	if (first_is_reply(k, first_flags)) {
		reverse_key(k, &cn->orig);
		if (is_icmp(k->proto)) {
			cn->orig.sport = icmp_request_type(k->proto, k->sport);
			cn->orig.dport = 0;
		}
	} else {
		cn->orig = *k;
	}
	cn->start_ns = first_ns;
	pl_uid_make(first_ns ^ (++c->seq << 40) ^ ck.pa ^ ((uint64_t)ck.pb << 16) ^
		    ((uint64_t)ck.a[15] << 32) ^ ((uint64_t)ck.b[15] << 48), cn->uid);
	HASH_ADD(hh, c->conns, ck, sizeof(ck), cn);
	c->st.conns_open++;
	return cn;
}

struct pl_collector *pl_collector_new(const struct pl_collector_opts *o,
				      struct pl_sink *sink, int flows_map_fd)
{
	struct pl_collector *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->o = *o;
	c->sink = sink;
	c->flows_fd = flows_map_fd;
	c->ncpu = libbpf_num_possible_cpus();
	c->percpu = calloc((size_t)c->ncpu, sizeof(struct pl_flow_val));
	c->frag_frame = malloc(FRAG_FRAME_MAX);
	if (!c->percpu || !c->frag_frame || frag_setup(c)) {
		free(c->frag_frame);
		free(c->percpu);
		free(c);
		return NULL;
	}
	return c;
}

static uint64_t epoch(const struct pl_collector *c, uint64_t kernel_ns)
{
	return kernel_ns + c->o.clock_offset_ns;
}

static void top_count(struct pl_collector *c, enum pl_top_kind k, const char *s, size_t n)
{
	struct top_name *t;
	char name[PL_DNS_NAME_BUF];

	if (n >= sizeof(name))
		n = sizeof(name) - 1;
	memcpy(name, s, n);
	name[n] = 0;
	HASH_FIND_STR(c->top[k], name, t);
	if (!t) {
		t = calloc(1, sizeof(*t));
		if (!t)
			return;
		memcpy(t->name, name, n + 1);
		HASH_ADD_STR(c->top[k], name, t);
	}
	t->count++;
}

/* Per-source packets and bytes: what each sweep adds to a flow's counts. */
static void flow_set_stat(struct pl_collector *c, struct conn_flow *f, const struct dir_stat *s)
{
	struct talker *t;

	if (s->pkts > f->st.pkts && c->hk.on_flow_delta) {
		struct pl_flow_delta d = {
			.pkts = s->pkts - f->st.pkts, .bytes = s->bytes - f->st.bytes,
			.flags_before = f->st.tcp_flags, .flags_now = s->tcp_flags,
			.first_ns = s->first_ns, .last_ns = s->last_ns,
		};

		c->hk.on_flow_delta(c->hk.ctx, &f->k, &d);
	}
	if (s->pkts > f->st.pkts) {
		HASH_FIND(hh, c->talkers, f->k.src, 16, t);
		if (!t && (t = calloc(1, sizeof(*t)))) {
			memcpy(t->addr, f->k.src, 16);
			HASH_ADD(hh, c->talkers, addr, 16, t);
		}
		if (t) {
			t->pkts += s->pkts - f->st.pkts;
			t->bytes += s->bytes - f->st.bytes;
		}
	}
	f->st = *s;
}

/* ---- dns ---------------------------------------------------------------- */

static void dns_log(struct pl_collector *c, struct conn *cn, const struct dns_query *q,
		    const struct pl_dns *resp, uint64_t resp_ts)
{
	const struct pl_dns *d = q ? &q->q : resp;
	struct json_object *o = pl_rec_new("dns");
	const char *n;

	pl_rec_ts(o, "ts", epoch(c, q ? q->ts : resp_ts));
	pl_rec_str(o, "uid", cn->uid, PL_UID_LEN);
	pl_rec_id(o, &cn->orig);
	pl_rec_add(o, "proto", json_object_new_string(d->tcp ? "tcp" : "udp"));
	pl_rec_add(o, "trans_id", json_object_new_int(d->id));
	if (q && resp && resp_ts >= q->ts)
		pl_rec_secs(o, "rtt", resp_ts - q->ts);
	if (d->has_question) {
		pl_rec_str(o, "query", d->qname, d->qname_len);
		pl_rec_add(o, "qclass", json_object_new_int(d->qclass));
		if ((n = pl_dns_qclass_name(d->qclass)))
			pl_rec_add(o, "qclass_name", json_object_new_string(n));
		pl_rec_add(o, "qtype", json_object_new_int(d->qtype));
		if ((n = pl_dns_qtype_name(d->qtype)))
			pl_rec_add(o, "qtype_name", json_object_new_string(n));
	}
	/* A name not read to its end (beyond the bytes seen, an event cut):
	 * what was read, flagged; no question type after it was read. */
	if (d->qname_more) {
		if (!d->has_question)
			pl_rec_str(o, "query", d->qname, d->qname_len);
		pl_rec_add(o, "query_truncated", json_object_new_boolean(1));
	}
	if (resp) {
		pl_rec_add(o, "rcode", json_object_new_int(resp->rcode));
		if ((n = pl_dns_rcode_name(resp->rcode)))
			pl_rec_add(o, "rcode_name", json_object_new_string(n));
		pl_rec_add(o, "AA", json_object_new_boolean(resp->flags & 0x0400));
		pl_rec_add(o, "TC", json_object_new_boolean(resp->flags & 0x0200));
		pl_rec_add(o, "RA", json_object_new_boolean(resp->flags & 0x0080));
		pl_rec_add(o, "ancount", json_object_new_int(resp->ancount));
	}
	pl_rec_add(o, "RD", json_object_new_boolean(d->flags & 0x0100));
	pl_rec_add(o, "rejected",
			       json_object_new_boolean(resp && resp->rcode == 5));
	pl_sink_write(c->sink, "dns", o);
}

static void dns_event(struct pl_collector *c, struct conn *cn, const struct pl_ev_l7 *e)
{
	const struct pl_dns *d = &e->l7.dns;
	struct dns_query **pp, *q;

	if (c->hk.on_dns)
		c->hk.on_dns(c->hk.ctx, e->h.ts_ns, &e->h.key, d, cn->uid);
	if (d->has_question && !d->qr)
		top_count(c, PL_TOP_DNS, d->qname, d->qname_len);
	if (!d->qr) {
		q = calloc(1, sizeof(*q));
		if (!q)
			return;
		q->ts = e->h.ts_ns;
		q->k = e->h.key;
		q->q = *d;
		q->next = cn->dns;
		cn->dns = q;
		return;
	}
	/* a response: the oldest open query with its id and name */
	for (pp = &cn->dns, q = NULL; *pp; pp = &(*pp)->next)
		if ((*pp)->q.id == d->id && (*pp)->q.qname_len == d->qname_len &&
		    !memcmp((*pp)->q.qname, d->qname, d->qname_len) &&
		    !same_direction(&(*pp)->k, &e->h.key))
			q = *pp;
	if (q) {
		for (pp = &cn->dns; *pp != q; pp = &(*pp)->next)
			;
		*pp = q->next;
	}
	dns_log(c, cn, q, d, e->h.ts_ns);
	free(q);
}

static void dns_flush(struct pl_collector *c, struct conn *cn)
{
	struct dns_query *q;

	/* oldest first: the list is newest first */
	while (cn->dns) {
		struct dns_query **pp = &cn->dns;

		while ((*pp)->next)
			pp = &(*pp)->next;
		q = *pp;
		*pp = NULL;
		dns_log(c, cn, q, NULL, 0);
		free(q);
	}
}

/* ---- http and ssl --------------------------------------------------------- */

static void http_log(struct pl_collector *c, struct conn *cn, int dir, uint64_t ts,
		     uint32_t seq, const struct pl_http *h)
{
	struct json_object *o;

	if (cn->http_seen[dir] && cn->http_seq[dir] == seq)
		return;                 /* a retransmission of the same request */
	cn->http_seen[dir] = 1;
	cn->http_seq[dir] = seq;
	o = pl_rec_new("http");
	pl_rec_ts(o, "ts", epoch(c, ts));
	pl_rec_str(o, "uid", cn->uid, PL_UID_LEN);
	pl_rec_id(o, &cn->orig);
	pl_rec_add(o, "trans_depth", json_object_new_int((int)++cn->http_depth));
	pl_rec_str(o, "method", h->method, h->method_len);
	if (h->flags & PL_HTTP_HAS_HOST) {
		pl_rec_str(o, "host", h->host, h->host_len);
		top_count(c, PL_TOP_HTTP, h->host, h->host_len);
	}
	pl_rec_str(o, "uri", h->path, h->path_len);
	if (h->flags & (PL_HTTP_PATH_TRUNC | PL_HTTP_HOST_TRUNC))
		pl_rec_add(o, "truncated", json_object_new_boolean(1));
	if (h->flags & PL_HTTP_PATH_TRUNC)
		pl_rec_add(o, "uri_truncated", json_object_new_boolean(1));
	if (h->flags & PL_HTTP_HOST_TRUNC)
		pl_rec_add(o, "host_truncated", json_object_new_boolean(1));
	if (h->flags & PL_HTTP_METHOD_TRUNC)
		pl_rec_add(o, "method_truncated", json_object_new_boolean(1));
	/* the header block not read to its end and no Host in what was */
	if (!(h->flags & PL_HTTP_HAS_HOST) && (h->flags & PL_HTTP_HOST_WINDOW))
		pl_rec_add(o, "host_not_in_window", json_object_new_boolean(1));
	pl_sink_write(c->sink, "http", o);
}

static void ssl_log(struct pl_collector *c, struct conn *cn, int dir, uint64_t ts,
		    const struct pl_tls *t)
{
	struct json_object *o, *vs;
	const char *v;
	unsigned i;

	if (cn->ssl_logged[dir])
		return;                 /* one hello per direction: the rest repeat it */
	cn->ssl_logged[dir] = 1;
	o = pl_rec_new("ssl");
	pl_rec_ts(o, "ts", epoch(c, ts));
	pl_rec_str(o, "uid", cn->uid, PL_UID_LEN);
	pl_rec_id(o, &cn->orig);
	if ((v = pl_tls_version_name(t)))
		pl_rec_add(o, "version", json_object_new_string(v));
	if (t->flags & PL_TLS_HAS_SNI) {
		pl_rec_str(o, "server_name", t->sni, t->sni_len);
		top_count(c, PL_TOP_SNI, t->sni, t->sni_len);
		if (t->flags & PL_TLS_SNI_TRUNC)
			pl_rec_add(o, "server_name_truncated", json_object_new_boolean(1));
	}
	if (t->n_versions) {
		vs = json_object_new_array();
		for (i = 0; i < t->n_versions && i < PL_TLS_MAX_VERSIONS; i++)
			json_object_array_add(vs, json_object_new_int(t->versions[i]));
		pl_rec_add(o, "client_versions", vs);
		if (t->flags & PL_TLS_VERSIONS_TRUNC)
			pl_rec_add(o, "client_versions_truncated", json_object_new_boolean(1));
	}
	if (!(t->flags & PL_TLS_COMPLETE))
		pl_rec_add(o, "hello_incomplete", json_object_new_boolean(1));
	pl_sink_write(c->sink, "ssl", o);
}

/* l7: the L7 union of a pl_meta or of an event (the same members). */
static void l7_emit(struct pl_collector *c, struct conn *cn, int dir, uint8_t kind,
		    uint64_t ts, uint32_t seq, const void *l7)
{
	if (kind == PL_L7_HTTP)
		http_log(c, cn, dir, ts, seq, l7);
	else if (kind == PL_L7_TLS)
		ssl_log(c, cn, dir, ts, l7);
}

static void wait_finish(struct pl_collector *c, struct conn *cn, int dir)
{
	struct l7_wait *w = cn->wait[dir];

	if (!w)
		return;
	c->st.reasm_gave_up++;
	l7_emit(c, cn, dir, w->kind, w->ts, w->seq, &w->m.l7);
	free(w);
	cn->wait[dir] = NULL;
}

static int l7_complete(uint8_t kind, const struct pl_meta *m)
{
	if (m->l7_kind != kind)
		return 0;
	if (kind == PL_L7_TLS)
		return !!(m->l7.tls.flags & PL_TLS_COMPLETE);
	if (kind == PL_L7_HTTP)
		return !!(m->l7.http.flags & PL_HTTP_HAS_HOST);
	return 1;
}

static void l7_event(struct pl_collector *c, const struct pl_ev_l7 *e)
{
	struct conn *cn = conn_get(c, &e->h.key, 0, e->h.ts_ns);
	struct l7_wait *w;
	int dir;

	if (!cn)
		return;
	cn->services |= (uint8_t)(1u << e->kind);
	if (e->kind == PL_L7_DNS) {
		dns_event(c, cn, e);
		return;
	}
	dir = conn_dir(cn, &e->h.key);
	if ((e->kind == PL_L7_TLS && (e->l7.tls.flags & PL_TLS_COMPLETE)) ||
	    (e->kind == PL_L7_HTTP && (e->l7.http.flags & PL_HTTP_HAS_HOST))) {
		l7_emit(c, cn, dir, e->kind, e->h.ts_ns, e->tcp_seq, &e->l7);
		return;
	}
	/* The rest of it follows in payload events: wait for them. */
	wait_finish(c, cn, dir);
	w = calloc(1, sizeof(*w));
	if (!w)
		return;
	w->kind = e->kind;
	w->ts = e->h.ts_ns;
	w->seq = e->tcp_seq;
	w->k = e->h.key;
	w->m.l7_kind = e->kind;
	memcpy(&w->m.l7, &e->l7, sizeof(e->l7));
	cn->wait[dir] = w;
}

static void weird_log(struct pl_collector *c, uint64_t ts, const struct pl_flow_key *k,
		      const char *name, const char *addl, const char *source);

/* One DNS message of a payload event, read natively to the protocol's
 * limits (reasm.h). Malformed: a weird record under the parser's reason,
 * as the kernel gives one (a pointer loop: dns_bad_pointer). */
static void dns_deep(struct pl_collector *c, const struct pl_ev_payload *e,
		     const uint8_t *d, uint32_t len, uint32_t wire, int tcp)
{
	struct pl_ev_l7 l7 = { .h = e->h, .kind = PL_L7_DNS, .tcp_seq = e->tcp_seq };
	struct pl_meta m;

	if (pl_parse_dns_payload(d, len, wire, tcp, &m) < 0) {
		weird_log(c, e->h.ts_ns, &e->h.key, pl_malformed_name(m.malformed),
			  pl_malformed_text(m.malformed),
			  (e->h.flags & PL_EVH_EGRESS) ? "TC" : "XDP");
		return;
	}
	if (m.l7_kind != PL_L7_DNS)
		return;
	l7.l7.dns = m.l7.dns;
	l7_event(c, &l7);  /* not counted as a kernel event */
}

/* The DNS messages of a payload event: over UDP the one message, whose
 * name the kernel did not finish (PL_EVP_L7_HERE); over TCP the messages
 * after the first (pipelined queries), and the first too when the kernel
 * did not finish it. */
static void dns_payload(struct pl_collector *c, const struct pl_ev_payload *e)
{
	uint32_t off = 0, len = e->len < PL_PAYLOAD_MAX ? e->len : PL_PAYLOAD_MAX, n;
	int here = !!(e->l7_flags & PL_EVP_L7_HERE), first = 1;

	if (e->h.key.proto != 6) {
		if (here)
			dns_deep(c, e, e->data, len, e->payload_len, 0);
		return;
	}
	while (off + 2 <= len) {
		n = 2u + ((uint32_t)e->data[off] << 8 | e->data[off + 1]);
		if (n < 2 + 12 || off + n > len) {
			/* cut by the segment or by PL_PAYLOAD_MAX: the first is
			 * read as far as it goes (flagged when cut) */
			if (first && here)
				dns_deep(c, e, e->data, len, e->payload_len, 1);
			break;
		}
		if (!first || here)
			dns_deep(c, e, e->data + off, n, n, 1);
		first = 0;
		off += n;
	}
}

static void payload_event(struct pl_collector *c, const struct pl_ev_payload *e)
{
	struct conn *cn = conn_get(c, &e->h.key, e->tcp_flags, e->h.ts_ns);
	struct pl_meta m;
	struct l7_wait *w;
	uint32_t have, len = e->len < PL_PAYLOAD_MAX ? e->len : PL_PAYLOAD_MAX;
	int dir;

	if (!cn)
		return;
	dir = conn_dir(cn, &e->h.key);
	w = cn->wait[dir];
	if (!w) {
		if (e->l7_kind == PL_L7_DNS)
			dns_payload(c, e);
		return;                 /* nothing else waits: the record was complete */
	}
	have = pl_reasm_add(&w->ra, e->tcp_seq, e->data, len);
	pl_reasm_parse(&w->ra, have, e->h.key.sport, e->h.key.dport, &m);
	if (l7_complete(w->kind, &m)) {
		c->st.reasm_done++;
		l7_emit(c, cn, dir, w->kind, w->ts, w->seq, &m.l7);
		free(w);
		cn->wait[dir] = NULL;
	} else if (w->ra.segs >= PL_REASM_SEGS) {
		if (m.l7_kind == w->kind)
			w->m = m;       /* more of it than the first segment had */
		wait_finish(c, cn, dir);
	}
}

/* ---- weird -------------------------------------------------------------- */

static struct conn *conn_find(struct pl_collector *c, const struct pl_flow_key *k)
{
	struct conn_key ck;
	struct conn *cn;

	conn_key_of(k, &ck);
	HASH_FIND(hh, c->conns, &ck, sizeof(ck), cn);
	return cn;
}

/* k: the addresses (and ports) it is about, NULL if they could not be read. */
static void weird_log(struct pl_collector *c, uint64_t ts, const struct pl_flow_key *k,
		      const char *name, const char *addl, const char *source)
{
	struct json_object *o = pl_rec_new("weird");
	struct conn *cn = NULL;

	pl_rec_ts(o, "ts", epoch(c, ts));
	if (k) {
		cn = conn_find(c, k);
		if (cn)
			pl_rec_str(o, "uid", cn->uid, PL_UID_LEN);
		pl_rec_id(o, cn ? &cn->orig : k);
	}
	/* either may quote the packet: escaped as all text from the network */
	pl_rec_strz(o, "name", name);
	pl_rec_strz(o, "addl", addl);
	pl_rec_add(o, "notice", json_object_new_boolean(0));
	pl_rec_add(o, "peer", json_object_new_string("pktlens"));
	pl_rec_add(o, "source", json_object_new_string(source));
	pl_sink_write(c->sink, "weird", o);
}

void pl_collector_weird(struct pl_collector *c, uint64_t ts, const char *name,
			const char *addl, const char *source)
{
	weird_log(c, ts, NULL, name, addl, source);
}

static void malformed_event(struct pl_collector *c, const struct pl_ev_malformed *e)
{
	weird_log(c, e->h.ts_ns, (e->flags & PL_F_IP) ? &e->h.key : NULL,
		  pl_malformed_name(e->reason), pl_malformed_text(e->reason),
		  (e->h.flags & PL_EVH_EGRESS) ? "TC" : "XDP");
}

static void flow_new_event(struct pl_collector *c, const struct pl_ev_flow *e)
{
	struct conn *cn = conn_get(c, &e->h.key, e->tcp_flags, e->h.ts_ns);
	int dir;

	if (!cn)
		return;
	dir = conn_dir(cn, &e->h.key);
	if (!(cn->have_mac & (1u << dir))) {
		memcpy(dir ? cn->resp_mac : cn->orig_mac, e->eth_src, 6);
		cn->have_mac |= (uint8_t)(1u << dir);
	}
	if (e->h.ts_ns < cn->start_ns)
		cn->start_ns = e->h.ts_ns;
	if (c->hk.on_flow_new)
		c->hk.on_flow_new(c->hk.ctx, e, cn->uid);
}

/* An L7 event's lengths index its own buffers: the parser keeps them in
 * bounds, but what comes over the ring buffer is checked as any input is
 * (a wrong length would read past the buffer into the next event). Lengths
 * past a buffer are cut to it, and the cut is flagged as the parser flags
 * its own (the record's *_truncated fields); an unknown kind has no record
 * to give. */
static int l7_sane(struct pl_ev_l7 *e)
{
	switch (e->kind) {
	case PL_L7_DNS:
		if (e->l7.dns.qname_len > PL_DNS_NAME_MAX) {
			e->l7.dns.qname_len = PL_DNS_NAME_MAX;
			e->l7.dns.qname_more = 1;
		}
		return 1;
	case PL_L7_TLS:
		if (e->l7.tls.sni_len > PL_SNI_MAX - 1) {
			e->l7.tls.sni_len = PL_SNI_MAX - 1;
			e->l7.tls.flags |= PL_TLS_SNI_TRUNC;
		}
		if (e->l7.tls.n_versions > PL_TLS_MAX_VERSIONS) {
			e->l7.tls.n_versions = PL_TLS_MAX_VERSIONS;
			e->l7.tls.flags |= PL_TLS_VERSIONS_TRUNC;
		}
		return 1;
	case PL_L7_HTTP:
		if (e->l7.http.method_len > PL_HTTP_METHOD_MAX) {
			e->l7.http.method_len = PL_HTTP_METHOD_MAX;
			e->l7.http.flags |= PL_HTTP_METHOD_TRUNC;
		}
		if (e->l7.http.host_len > PL_HTTP_HOST_MAX) {
			e->l7.http.host_len = PL_HTTP_HOST_MAX;
			e->l7.http.flags |= PL_HTTP_HOST_TRUNC;
		}
		if (e->l7.http.path_len > PL_HTTP_PATH_MAX) {
			e->l7.http.path_len = PL_HTTP_PATH_MAX;
			e->l7.http.flags |= PL_HTTP_PATH_TRUNC;
		}
		return 1;
	default:
		return 0;
	}
}

/* ---- ip fragments ---------------------------------------------------------
 *
 * The kernel sends every fragment whole (PL_EV_FRAGMENT) and no L7 of it;
 * ipreasm.c puts the datagram together, and here it becomes what a whole
 * packet would have been: its L7 goes through l7_event like the kernel's,
 * and its connection gets it all. The kernel counted each fragment in a
 * flow: under the datagram's ports when it had seen the first fragment
 * whole before it, under ports 0 otherwise (a tiny or late first fragment).
 * The latter move, counts and times, to the datagram's connection; the
 * portless connection keeps what is left, and is not logged if nothing is.
 * A datagram that never completes gives what its first fragment alone
 * holds, as the kernel would have read it, and a weird record says why. */

/* The reason a fragment's IP layer is broken: the stack drops it, and so
 * does reassembly. Where a fragment goes (ipv4_frag_overflow,
 * ipv6_frag_bad_len) is for the reassembly itself to judge. */
static int frag_ip_broken(uint8_t reason)
{
	switch (reason) {
	case PL_MAL_IPV4_TRUNCATED: case PL_MAL_IPV4_BAD_VERSION: case PL_MAL_IPV4_BAD_IHL:
	case PL_MAL_IPV4_OPTS_TRUNCATED: case PL_MAL_IPV4_LEN_LT_HDR:
	case PL_MAL_IPV4_LEN_GT_FRAME: case PL_MAL_IPV4_BAD_OPTION:
	case PL_MAL_IPV6_TRUNCATED: case PL_MAL_IPV6_BAD_VERSION: case PL_MAL_IPV6_LEN_GT_FRAME:
	case PL_MAL_IPV6_EXT_TRUNCATED: case PL_MAL_IPV6_EXT_CHAIN_TOO_LONG:
	case PL_MAL_IPV6_HBH_NOT_FIRST: case PL_MAL_IPV6_FRAG_TRUNCATED:
		return 1;
	}
	return 0;
}

static void fragment_event(struct pl_collector *c, const struct pl_ev_fragment *e)
{
	struct pl_ipfrag f;

	memset(&f, 0, sizeof(f));
	f.ip = e->data;
	f.cap = e->cap < PL_FRAG_DATA_MAX ? e->cap : PL_FRAG_DATA_MAX;
	f.unusable = frag_ip_broken(e->malformed);
	f.note.key = e->h.key;
	f.note.ts = e->h.ts_ns;
	f.note.wire_len = e->wire_len;
	f.note.evflags = e->h.flags;
	f.note.ip_len = e->ip_total_len;
	f.note.payload = e->payload;
	pl_ipreasm_add(c->ipr, &f);
	c->st.frag = *pl_ipreasm_stats(c->ipr);
}

/* The native parser over an IP packet of len bytes of which seen are there,
 * behind a made-up Ethernet header. Past what the parser reads at
 * (PL_MAX_OFF) a datagram counts as not seen, as a snapped packet would. */
static void frag_parse(struct pl_collector *c, const uint8_t *ip, uint32_t len,
		       uint32_t seen, uint8_t version)
{
	uint8_t *fr = c->frag_frame;
	struct pl_pkt pk;

	if (seen > len)
		seen = len;
	if (seen > PL_MAX_OFF + 1 - 14)
		seen = PL_MAX_OFF + 1 - 14;
	memset(fr, 0, 12);
	fr[12] = version == 6 ? 0x86 : 0x08;
	fr[13] = version == 6 ? 0xdd : 0x00;
	memcpy(fr + 14, ip, seen);
	pk.data = fr;
	pk.end = fr + 14 + seen;
	pk.pkt_len = 14 + len;
	pl_parse_frame(&pk, &c->frag_meta);
}

/* As bpf/flow.h pl_flow_key_from, with the fragments' interface and tags. */
static void frag_flow_key(struct pl_flow_key *k, const struct pl_meta *m,
			  const struct pl_flow_key *like)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->src, m->src, 16);
	memcpy(k->dst, m->dst, 16);
	if (m->flags & PL_F_L4) {
		k->sport = is_icmp(m->l4_proto) ? m->icmp_type : m->sport;
		k->dport = is_icmp(m->l4_proto) ? m->icmp_code : m->dport;
	}
	k->proto = m->l4_proto;
	k->ip_version = m->ip_version;
	k->vlan = like->vlan;
	k->inner_vlan = like->inner_vlan;
	k->ifindex = like->ifindex;
}

/* L4 payload bytes of a whole packet of the datagram's size, from its
 * length fields (bpf/flow.h pl_wire_payload, for a packet seen whole). */
static uint32_t frag_payload(const struct pl_meta *m)
{
	uint32_t l3 = m->ip_total_len > m->ip_hdr_len ? (uint32_t)m->ip_total_len - m->ip_hdr_len : 0;
	uint32_t hdr = (uint32_t)m->payload_off - m->l4_off;

	if (m->l4_proto == 6)
		return l3 > m->tcp_doff ? l3 - m->tcp_doff : 0;
	if (m->l4_proto == 17)
		return m->udp_len > 8 ? m->udp_len - 8u : 0;
	return l3 > hdr ? l3 - hdr : 0;
}

static void adj_move(struct dir_adj *a, const struct pl_ipfrag_note *n, int sign)
{
	a->pkts += sign;
	a->bytes += sign * (int64_t)n->wire_len;
	a->ip_bytes += sign * (int64_t)n->ip_len;
	a->payload_bytes -= sign < 0 ? n->payload : 0;
	if (sign < 0)
		return;
	if (!a->last_ns || n->ts < a->first_ns)
		a->first_ns = n->ts;
	if (!a->last_ns || n->ttl < a->ttl_min)
		a->ttl_min = n->ttl;
	if (n->ttl > a->ttl_max)
		a->ttl_max = n->ttl;
	if (n->ts > a->last_ns)
		a->last_ns = n->ts;
}

/* A complete datagram whose L4 header k names: its fragments (and their
 * duplicates) counted elsewhere move to k's connection, which counts the
 * datagram's payload once, as for a whole packet (the kernel's per-fragment
 * payload bytes add up to more for UDP, whose first fragment counts the UDP
 * length, and for duplicates). */
static void frag_account(struct pl_collector *c, const struct pl_ipdgram *d,
			 const struct pl_meta *m, const struct pl_flow_key *k)
{
	struct conn *dc = conn_get(c, k, m->tcp_flags, d->first_ts), *sc;
	int64_t counted = 0;
	uint32_t i;
	int ddir, sdir;

	if (!dc)
		return;
	ddir = conn_dir(dc, k);
	for (i = 0; i < d->nfrags + d->ndups; i++) {
		const struct pl_ipfrag_note *n = i < d->nfrags ? &d->frags[i].note :
						 &d->dups[i - d->nfrags].note;

		if (!memcmp(&n->key, k, sizeof(*k))) {
			counted += n->payload;  /* the kernel counted it here */
			continue;
		}
		sc = conn_find(c, &n->key);
		if (!sc) {
			counted += n->payload;  /* in a record already: left there */
			c->st.frag_move_late++;
			continue;
		}
		sdir = conn_dir(sc, &n->key);
		adj_move(&sc->adj[sdir], n, -1);
		adj_move(&dc->adj[ddir], n, 1);
		if (!(dc->have_mac & (1u << ddir)) && (sc->have_mac & (1u << sdir))) {
			memcpy(ddir ? dc->resp_mac : dc->orig_mac,
			       sdir ? sc->resp_mac : sc->orig_mac, 6);
			dc->have_mac |= (uint8_t)(1u << ddir);
		}
		if (n->ts < dc->start_ns && !dc->logged[0].pkts && !dc->logged[1].pkts)
			dc->start_ns = n->ts;
		c->st.frag_moved++;
	}
	dc->adj[ddir].payload_bytes += (int64_t)frag_payload(m) - counted;
	dc->adj[ddir].tcp_flags |= m->tcp_flags;
}

/* The L7 record of a parsed datagram (or first fragment), as the kernel's. */
static void frag_l7(struct pl_collector *c, const struct pl_meta *m,
		    const struct pl_flow_key *k, uint64_t ts, uint32_t evflags)
{
	static struct pl_ev_payload p;  /* more DNS messages: big, not on the stack */
	struct pl_ev_l7 e;
	uint32_t n;
	int here;

	if (!m->l7_kind || !(m->flags & PL_F_L4))
		return;
	memset(&e, 0, sizeof(e));
	e.h.type = PL_EV_L7;
	e.h.size = sizeof(e);
	e.h.flags = evflags;
	e.h.ts_ns = ts;
	e.h.key = *k;
	e.kind = m->l7_kind;
	e.tcp_seq = m->tcp_seq;
	memcpy(&e.l7, &m->l7, sizeof(e.l7));
	/* a name longer than the parser decodes: read from the bytes below,
	 * as a kernel's payload event would have it */
	here = m->l7_kind == PL_L7_DNS && m->l7.dns.qname_more;
	if (!here)
		l7_event(c, &e);
	if (m->l7_kind != PL_L7_DNS || (!m->l7.dns.more_msgs && !here))
		return;
	memset(&p, 0, sizeof(p));
	p.h = e.h;
	p.h.type = PL_EV_PAYLOAD;
	p.tcp_seq = m->tcp_seq;
	n = m->payload_len < PL_PAYLOAD_MAX ? m->payload_len : PL_PAYLOAD_MAX;
	memcpy(p.data, c->frag_frame + m->payload_off, n);
	p.len = (uint16_t)n;
	p.payload_len = m->payload_len;
	p.l7_kind = PL_L7_DNS;
	p.l7_flags = here ? PL_EVP_L7_HERE : 0;
	dns_payload(c, &p);
}

static void frag_end(void *ctx, enum pl_ipr_end why, const struct pl_ipdgram *d)
{
	struct pl_collector *c = ctx;
	const struct pl_meta *m = &c->frag_meta;
	const struct pl_ipfrag_note *n = d->trigger ? d->trigger :
					 d->nfrags ? &d->frags[0].note : NULL;
	struct pl_flow_key k;
	const struct pl_flow_key *wk = n ? &n->key : NULL;
	uint64_t ts = d->trigger ? d->trigger->ts : d->last_ts;
	int l4 = 0;

	if (!n)
		return;                 /* cannot happen: a datagram has a fragment */
	if (d->pkt) {
		frag_parse(c, d->pkt, d->pkt_len, d->pkt_seen, d->version);
		l4 = !!(m->flags & PL_F_L4);
		if (l4) {
			frag_flow_key(&k, m, &n->key);
			wk = &k;
		}
	}
	if (why == PL_IPR_COMPLETE && l4)
		frag_account(c, d, m, &k);
	/* complete: the whole; otherwise the first fragment alone, as before */
	if (l4)
		frag_l7(c, m, &k, why == PL_IPR_COMPLETE ? d->last_ts : d->frags[0].note.ts,
			n->evflags);
	if (why != PL_IPR_COMPLETE)
		weird_log(c, ts, wk, pl_ipr_end_name(why), pl_ipr_end_text(why), "reassembly");
	else if (d->pkt && m->malformed)        /* found only in the whole */
		weird_log(c, ts, wk, pl_malformed_name(m->malformed),
			  pl_malformed_text(m->malformed), "reassembly");
	if (d->cut)
		weird_log(c, ts, wk, PL_IPR_CUT_NAME, PL_IPR_CUT_TEXT, "reassembly");
}

static int frag_setup(struct pl_collector *c)
{
	struct pl_ipreasm_ops ops = { .ctx = c, .end = frag_end };
	struct pl_ipreasm_cfg cfg;

	pl_ipreasm_cfg_defaults(&cfg);
	if (c->o.frag_timeout_ns)
		cfg.timeout_ns = c->o.frag_timeout_ns;
	if (c->o.frag_mem_bytes)
		cfg.mem_max = c->o.frag_mem_bytes;
	if (c->o.frag_src_mem_bytes)
		cfg.src_mem_max = c->o.frag_src_mem_bytes;
	c->ipr = pl_ipreasm_new(&cfg, &ops);
	return c->ipr ? 0 : -1;
}

int pl_collector_on_event(void *ctx, void *data, size_t size)
{
	struct pl_collector *c = ctx;
	const struct pl_event_hdr *h = data;

	if (size < sizeof(*h) || h->size > size)
		return 0;
	if (h->type < 8)
		c->st.events[h->type]++;
	switch (h->type) {
	case PL_EV_FLOW_NEW:
		if (size >= sizeof(struct pl_ev_flow))
			flow_new_event(c, data);
		break;
	case PL_EV_L7:
		if (size >= sizeof(struct pl_ev_l7)) {
			struct pl_ev_l7 e;

			memcpy(&e, data, sizeof(e));
			if (l7_sane(&e))
				l7_event(c, &e);
		}
		break;
	case PL_EV_MALFORMED:
		if (size >= sizeof(struct pl_ev_malformed))
			malformed_event(c, data);
		break;
	case PL_EV_PAYLOAD:
		if (size >= sizeof(struct pl_ev_payload))
			payload_event(c, data);
		break;
	case PL_EV_ARP:
		if (size >= sizeof(struct pl_ev_arp) && c->hk.on_arp)
			c->hk.on_arp(c->hk.ctx, data);
		break;
	case PL_EV_FRAGMENT:
		if (size >= sizeof(struct pl_ev_fragment))
			fragment_event(c, data);
		break;
	}
	return 0;
}

/* ---- conn records and the sweep ------------------------------------------ */

/* Adds one slice of a flow (a CPU's, or a kernel flow's) to a total. */
static void stat_merge(struct dir_stat *t, const struct dir_stat *s)
{
	if (!s->pkts)
		return;
	if (!t->pkts || s->first_ns < t->first_ns)
		t->first_ns = s->first_ns;
	if (s->last_ns > t->last_ns)
		t->last_ns = s->last_ns;
	if (!t->pkts || s->ttl_min < t->ttl_min)
		t->ttl_min = s->ttl_min;
	if (s->ttl_max > t->ttl_max)
		t->ttl_max = s->ttl_max;
	t->pkts += s->pkts;
	t->bytes += s->bytes;
	t->ip_bytes += s->ip_bytes;
	t->payload_bytes += s->payload_bytes;
	t->tcp_flags |= s->tcp_flags;
}

static void sum_percpu(const struct pl_collector *c, struct dir_stat *s)
{
	int i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < c->ncpu; i++) {
		const struct pl_flow_val *v = &c->percpu[i];
		struct dir_stat one = {
			.pkts = v->packets, .bytes = v->bytes, .ip_bytes = v->ip_bytes,
			.payload_bytes = v->payload_bytes, .first_ns = v->first_ns,
			.last_ns = v->last_ns, .tcp_flags = v->tcp_flags,
			.ttl_min = v->ttl_min, .ttl_max = v->ttl_max,
		};

		stat_merge(s, &one);
	}
}

static uint64_t add_signed(uint64_t v, int64_t a)
{
	if (a < 0 && (uint64_t)-a > v)
		return 0;       /* moved out before the sweep read it in */
	return v + (uint64_t)a;
}

static void dir_totals(const struct conn *cn, struct dir_stat d[2])
{
	int i;

	memset(d, 0, 2 * sizeof(*d));
	for (i = 0; i < cn->nflows; i++)
		stat_merge(&d[cn->flows[i].dir], &cn->flows[i].st);
	for (i = 0; i < 2; i++) {
		const struct dir_adj *a = &cn->adj[i];
		int had = d[i].pkts > 0;

		d[i].pkts = add_signed(d[i].pkts, a->pkts);
		d[i].bytes = add_signed(d[i].bytes, a->bytes);
		d[i].ip_bytes = add_signed(d[i].ip_bytes, a->ip_bytes);
		d[i].payload_bytes = add_signed(d[i].payload_bytes, a->payload_bytes);
		d[i].tcp_flags |= a->tcp_flags;
		if (!a->last_ns)
			continue;
		if (!had || a->first_ns < d[i].first_ns)
			d[i].first_ns = a->first_ns;
		if (a->last_ns > d[i].last_ns)
			d[i].last_ns = a->last_ns;
		if (!had || a->ttl_min < d[i].ttl_min)
			d[i].ttl_min = a->ttl_min;
		if (!had || a->ttl_max > d[i].ttl_max)
			d[i].ttl_max = a->ttl_max;
	}
}

/* What came since an earlier record: moved fragments can take a count
 * below what that record showed. */
static void stat_since(struct dir_stat *s, const struct dir_stat *before)
{
	s->pkts = s->pkts > before->pkts ? s->pkts - before->pkts : 0;
	s->bytes = s->bytes > before->bytes ? s->bytes - before->bytes : 0;
	s->ip_bytes = s->ip_bytes > before->ip_bytes ? s->ip_bytes - before->ip_bytes : 0;
	s->payload_bytes = s->payload_bytes > before->payload_bytes ?
			   s->payload_bytes - before->payload_bytes : 0;
}

/* Zeek's connection states, from what each side's flags add up to. */
static const char *conn_state(uint8_t proto, const struct dir_stat *o, const struct dir_stat *r)
{
	uint16_t of = o->tcp_flags, rf = r->tcp_flags;
	int osyn = of & 0x02, rsyn = (rf & 0x12) == 0x12;

	if (proto != 6)
		return r->pkts ? (o->pkts ? "SF" : "SHR") : "S0";
	if (!o->pkts)
		return "SHR";
	if (osyn && !r->pkts)
		return (of & 0x04) ? "RSTOS0" : (of & 0x01) ? "SH" : "S0";
	if (osyn && !rsyn && (rf & 0x04))
		return "REJ";
	if (osyn && rsyn) {
		if (of & 0x04)
			return "RSTO";
		if (rf & 0x04)
			return "RSTR";
		if ((of & 0x01) && (rf & 0x01))
			return "SF";
		if (of & 0x01)
			return "S2";
		if (rf & 0x01)
			return "S3";
		return "S1";
	}
	if (!osyn && rsyn)
		return "SHR";
	return "OTH";
}

/* History letters Zeek would likely show; from flag unions, so in a fixed
 * order rather than the order things happened. */
static void conn_history(const struct dir_stat *o, const struct dir_stat *r, char *h)
{
	uint16_t of = o->tcp_flags, rf = r->tcp_flags;
	int n = 0;

	if (of & 0x02) h[n++] = (of & 0x10) && !(of & 0x02) ? 'H' : 'S';
	if ((rf & 0x12) == 0x12) h[n++] = 'h';
	else if (rf & 0x02) h[n++] = 's';
	if (of & 0x10) h[n++] = 'A';
	if (o->payload_bytes) h[n++] = 'D';
	if (rf & 0x10) h[n++] = 'a';
	if (r->payload_bytes) h[n++] = 'd';
	if (of & 0x01) h[n++] = 'F';
	if (rf & 0x01) h[n++] = 'f';
	if (of & 0x04) h[n++] = 'R';
	if (rf & 0x04) h[n++] = 'r';
	h[n] = 0;
}

static void conn_log(struct pl_collector *c, struct conn *cn)
{
	static const char *svc[PL_L7__COUNT] = { NULL, "dns", "ssl", "http" };
	struct dir_stat d[2], o, r;
	struct json_object *rec;
	const char *pn = pl_proto_name(cn->ck.proto);
	char hist[16], buf[64];
	uint64_t last;
	int i, n = 0;

	dir_totals(cn, d);
	o = d[0];
	r = d[1];
	stat_since(&o, &cn->logged[0]);         /* what earlier records counted */
	stat_since(&r, &cn->logged[1]);
	if (!o.pkts && !r.pkts)
		return;
	last = d[0].last_ns > d[1].last_ns ? d[0].last_ns : d[1].last_ns;

	rec = pl_rec_new("conn");
	pl_rec_ts(rec, "ts", epoch(c, cn->start_ns));
	pl_rec_str(rec, "uid", cn->uid, PL_UID_LEN);
	pl_rec_id(rec, &cn->orig);
	if (pn)
		pl_rec_add(rec, "proto", json_object_new_string(pn));
	else {
		snprintf(buf, sizeof(buf), "%u", cn->ck.proto);
		pl_rec_add(rec, "proto", json_object_new_string(buf));
	}
	for (i = 1; i < PL_L7__COUNT; i++)
		if (cn->services & (1u << i))
			n += snprintf(buf + n, sizeof(buf) - (size_t)n, "%s%s", n ? "," : "", svc[i]);
	if (n)
		pl_rec_add(rec, "service", json_object_new_string(buf));
	pl_rec_secs(rec, "duration", last > cn->start_ns ? last - cn->start_ns : 0);
	pl_rec_u64(rec, "orig_bytes", o.payload_bytes);
	pl_rec_u64(rec, "resp_bytes", r.payload_bytes);
	pl_rec_add(rec, "conn_state",
			       json_object_new_string(conn_state(cn->ck.proto, &d[0], &d[1])));
	if (cn->ck.proto == 6) {
		conn_history(&d[0], &d[1], hist);
		pl_rec_add(rec, "history", json_object_new_string(hist));
	}
	pl_rec_u64(rec, "orig_pkts", o.pkts);
	pl_rec_u64(rec, "orig_ip_bytes", o.ip_bytes);
	pl_rec_u64(rec, "resp_pkts", r.pkts);
	pl_rec_u64(rec, "resp_ip_bytes", r.ip_bytes);
	/* pktlens extras */
	pl_rec_u64(rec, "orig_wire_bytes", o.bytes);
	pl_rec_u64(rec, "resp_wire_bytes", r.bytes);
	if (cn->ck.vlan)
		pl_rec_add(rec, "vlan", json_object_new_int(cn->ck.vlan));
	if (cn->ck.inner_vlan)
		pl_rec_add(rec, "inner_vlan", json_object_new_int(cn->ck.inner_vlan));
	if (d[0].pkts) {
		pl_rec_add(rec, "orig_ttl_min", json_object_new_int(d[0].ttl_min));
		pl_rec_add(rec, "orig_ttl_max", json_object_new_int(d[0].ttl_max));
	}
	if (d[1].pkts) {
		pl_rec_add(rec, "resp_ttl_min", json_object_new_int(d[1].ttl_min));
		pl_rec_add(rec, "resp_ttl_max", json_object_new_int(d[1].ttl_max));
	}
	if (cn->ck.proto == 6) {
		snprintf(buf, sizeof(buf), "0x%03x", d[0].tcp_flags);
		pl_rec_add(rec, "orig_tcp_flags", json_object_new_string(buf));
		snprintf(buf, sizeof(buf), "0x%03x", d[1].tcp_flags);
		pl_rec_add(rec, "resp_tcp_flags", json_object_new_string(buf));
	}
	for (i = 0; i < 2; i++) {
		if (cn->have_mac & (1u << i)) {
			const uint8_t *m = i ? cn->resp_mac : cn->orig_mac;

			snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x",
				 m[0], m[1], m[2], m[3], m[4], m[5]);
			pl_rec_add(rec, i ? "resp_l2_addr" : "orig_l2_addr",
					       json_object_new_string(buf));
		}
	}
	if (cn->ck.ifindex)
		pl_rec_add(rec, "ifindex", json_object_new_int((int)cn->ck.ifindex));
	pl_sink_write(c->sink, "conn", rec);
	c->st.conns_logged++;
	cn->logged[0] = d[0];
	cn->logged[1] = d[1];
	cn->start_ns = last;
}

static void conn_close(struct pl_collector *c, struct conn *cn)
{
	int i;

	/* take the last counts and the entries out of the kernel at once */
	for (i = 0; i < cn->nflows; i++) {
		struct dir_stat s;

		if (!bpf_map_lookup_and_delete_elem(c->flows_fd, &cn->flows[i].k, c->percpu)) {
			sum_percpu(c, &s);
			flow_set_stat(c, &cn->flows[i], &s);
		}
	}
	for (i = 0; i < 2; i++)
		wait_finish(c, cn, i);
	dns_flush(c, cn);
	conn_log(c, cn);
	HASH_DEL(c->conns, cn);
	c->st.conns_open--;
	free(cn);
}

static void conn_note_flow(struct pl_collector *c, const struct pl_flow_key *k,
			   const struct dir_stat *s)
{
	struct conn *cn = conn_get(c, k, s->tcp_flags, s->first_ns);
	int i;

	if (!cn)
		return;
	for (i = 0; i < cn->nflows; i++)
		if (!memcmp(&cn->flows[i].k, k, sizeof(*k)))
			break;
	if (i == cn->nflows) {
		if (cn->nflows == CONN_MAX_FLOWS) {
			c->st.unpaired++;
			return;
		}
		cn->nflows++;
		cn->flows[i].k = *k;
		cn->flows[i].dir = conn_dir(cn, k);
	}
	flow_set_stat(c, &cn->flows[i], s);
	if (s->first_ns && s->first_ns < cn->start_ns && !cn->logged[0].pkts &&
	    !cn->logged[1].pkts)
		cn->start_ns = s->first_ns;
}

/* Reads the whole flow table, a batch of keys per system call: a table of
 * a million flows is read in a few hundred calls, not two million. Kernels
 * or maps without batch lookup fall back to walking key by key. */
#define SWEEP_BATCH 4096

static void sweep_walk(struct pl_collector *c, uint64_t changed_since)
{
	struct pl_flow_key k, next;
	struct dir_stat s;
	int more;

	more = !bpf_map_get_next_key(c->flows_fd, NULL, &k);
	while (more) {
		more = !bpf_map_get_next_key(c->flows_fd, &k, &next);
		if (!bpf_map_lookup_elem(c->flows_fd, &k, c->percpu)) {
			sum_percpu(c, &s);
			if (s.pkts && s.last_ns >= changed_since)
				conn_note_flow(c, &k, &s);
		}
		k = next;
	}
}

static void sweep_read(struct pl_collector *c, uint64_t changed_since)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	size_t vsz = sizeof(struct pl_flow_val) * (size_t)c->ncpu;
	struct pl_flow_key *keys;
	uint8_t *vals;
	uint32_t out = 0, n, i;
	void *in = NULL;
	struct dir_stat s;
	int e = 0;

	if (!c->batch) {
		struct bpf_map_info info = { 0 };
		uint32_t ilen = sizeof(info);

		c->batch = SWEEP_BATCH;
		if (!bpf_obj_get_info_by_fd(c->flows_fd, &info, &ilen) && info.max_entries &&
		    info.max_entries < SWEEP_BATCH)
			c->batch = info.max_entries;
	}
	if (!c->batch_keys)
		c->batch_keys = malloc(c->batch * sizeof(*keys));
	if (!c->batch_vals)
		c->batch_vals = malloc(c->batch * vsz);
	keys = c->batch_keys;
	vals = c->batch_vals;
	if (!keys || !vals) {
		sweep_walk(c, changed_since);
		return;
	}
	do {
		n = c->batch;
		e = bpf_map_lookup_batch(c->flows_fd, in, &out, keys, vals, &n, &opts);
		if (e && errno != ENOENT) {
			if (!in) {              /* no batch support: the slow way */
				sweep_walk(c, changed_since);
				break;
			}
			if (errno == ENOSPC)    /* a bucket larger than a batch: rare */
				continue;
			break;
		}
		for (i = 0; i < n; i++) {
			memcpy(c->percpu, vals + i * vsz, vsz);
			sum_percpu(c, &s);
			/* unchanged since the last sweep: nothing new to note, and
			 * the connection lookup is what a sweep costs most */
			if (s.pkts && s.last_ns >= changed_since)
				conn_note_flow(c, &keys[i], &s);
		}
		in = &out;
	} while (!e);
}

/* Zeek's timers: a TCP connection closed by FIN both ways or by a RST ends
 * after tcp_close_delay/tcp_reset_delay (5 s), DNS over UDP after
 * dns_session_timeout (10 s); everything else after the idle timeout. Ending
 * them early also keeps the flow table a sweep reads small. */
#define TCP_FIN 0x01
#define TCP_RST 0x04

static uint64_t idle_timeout(const struct pl_collector *c, const struct conn *cn,
			     const struct dir_stat d[2])
{
	uint64_t t = c->o.idle_timeout_ns, early = 0;

	if (cn->ck.proto == 6 && (((d[0].tcp_flags & d[1].tcp_flags) & TCP_FIN) ||
				  ((d[0].tcp_flags | d[1].tcp_flags) & TCP_RST)))
		early = c->o.tcp_close_ns;
	else if (cn->ck.proto == 17 && (cn->services & (1u << PL_L7_DNS)))
		early = c->o.dns_idle_ns;
	return early && early < t ? early : t;
}

int pl_collector_sweep(struct pl_collector *c, uint64_t now, int final)
{
	struct conn *cn, *tmp;
	uint64_t changed_since = 0;

	if (c->has_hint)
		changed_since = c->oldest_hint_ns;
	else if (c->prev_sweep_ns > SWEEP_CLOCK_SLACK_NS)
		changed_since = c->prev_sweep_ns - SWEEP_CLOCK_SLACK_NS;
	if (final)
		changed_since = 0;
	/* Datagrams that will not complete, before the connections they
	 * would add to are read and perhaps logged. */
	if (final)
		pl_ipreasm_flush(c->ipr);
	else
		pl_ipreasm_expire(c->ipr, now);
	c->st.frag = *pl_ipreasm_stats(c->ipr);
	c->has_hint = 0;
	c->prev_sweep_ns = now;
	sweep_read(c, changed_since);
	HASH_ITER(hh, c->conns, cn, tmp) {
		struct dir_stat d[2];
		uint64_t last;

		dir_totals(cn, d);
		last = d[0].last_ns > d[1].last_ns ? d[0].last_ns : d[1].last_ns;
		if (!last)
			last = cn->start_ns;
		/* a packet may have come in after `now` was read: not idle */
		if (final || (now > last && now - last >= idle_timeout(c, cn, d)))
			conn_close(c, cn);
		else if (c->o.active_timeout_ns && now > cn->start_ns &&
			 now - cn->start_ns >= c->o.active_timeout_ns)
			conn_log(c, cn);
	}
	if (c->hk.on_tick)
		c->hk.on_tick(c->hk.ctx, now);
	return 0;
}

const struct pl_collector_stats *pl_collector_stats(const struct pl_collector *c)
{
	return &c->st;
}

static int by_count(struct top_name *a, struct top_name *b)
{
	return a->count < b->count ? 1 : a->count > b->count ? -1 : strcmp(a->name, b->name);
}

size_t pl_collector_top(const struct pl_collector *c, enum pl_top_kind k,
			const char **names, uint64_t *counts, size_t max)
{
	struct pl_collector *mc = (struct pl_collector *)c;
	struct top_name *t;
	size_t n = 0;

	HASH_SORT(mc->top[k], by_count);
	for (t = mc->top[k]; t && n < max; t = t->hh.next, n++) {
		names[n] = t->name;
		counts[n] = t->count;
	}
	return n;
}

/* Ties in address order: talkers come in the flow table's order, which
 * its random hash seed makes differ from run to run. */
static int by_talker_bytes(struct talker *a, struct talker *b)
{
	return a->bytes < b->bytes ? 1 : a->bytes > b->bytes ? -1 :
	       memcmp(a->addr, b->addr, sizeof(a->addr));
}

size_t pl_collector_talkers(const struct pl_collector *c, uint8_t (*addrs)[16],
			    uint64_t *pkts, uint64_t *bytes, size_t max)
{
	struct pl_collector *mc = (struct pl_collector *)c;
	struct talker *t;
	size_t n = 0;

	HASH_SORT(mc->talkers, by_talker_bytes);
	for (t = mc->talkers; t && n < max; t = t->hh.next, n++) {
		memcpy(addrs[n], t->addr, 16);
		pkts[n] = t->pkts;
		bytes[n] = t->bytes;
	}
	return n;
}

void pl_collector_free(struct pl_collector *c)
{

	struct talker *tk, *tk2;
	struct conn *cn, *tmp;
	struct top_name *t, *tt;
	int i;

	if (!c)
		return;
	HASH_ITER(hh, c->conns, cn, tmp) {
		struct dns_query *q;

		while ((q = cn->dns)) {
			cn->dns = q->next;
			free(q);
		}
		free(cn->wait[0]);
		free(cn->wait[1]);
		HASH_DEL(c->conns, cn);
		free(cn);
	}
	HASH_ITER(hh, c->talkers, tk, tk2) {
		HASH_DEL(c->talkers, tk);
		free(tk);
	}
	for (i = 0; i < PL_TOP__COUNT; i++)
		HASH_ITER(hh, c->top[i], t, tt) {
			HASH_DEL(c->top[i], t);
			free(t);
		}
	free(c->batch_keys);
	free(c->batch_vals);
	pl_ipreasm_free(c->ipr);
	free(c->frag_frame);
	free(c->percpu);
	free(c);
}
