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
#include "topk.h"
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
	int egress;                     /* the host sent it (its new-flow event came from TC) */
};

struct conn;

/* Open DNS queries are found by what a response repeats (Zeek keys them by
 * connection and transaction id): a hash of (connection, direction, id,
 * question) to the queries that share it, oldest first. A response takes
 * the oldest in O(1), however many are open on its 5-tuple. */
struct dnsq_key {
	const struct conn *cn;
	uint16_t id, qtype, qname_len;
	uint8_t dir, has_question;      /* dir: the query's */
	char qname[PL_DNS_NAME_BUF];
};

struct dns_query;

struct dnsq_bucket {
	struct dnsq_key key;            /* zeroed first: hashed as bytes */
	UT_hash_handle hh;
	struct dns_query *head, *tail;  /* oldest first */
};

struct dns_query {
	struct dns_query *bnext;        /* in its bucket */
	struct dnsq_bucket *b;
	struct dns_query *cprev, *cnext;        /* its connection's, oldest first */
	struct dns_query *gprev, *gnext;        /* every open query, oldest first */
	struct conn *cn;
	uint64_t ts;
	struct pl_flow_key k;           /* as the query went */
	struct pl_dns q;
};

struct l7_wait {                        /* an L7 record waiting for more segments */
	struct l7_wait *gprev, *gnext;  /* every waiting record, oldest first */
	struct conn *cn;
	int dir;
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
	uint8_t egress_dirs;            /* 1 << dir: that direction's new flow came from TC */
	uint8_t ssl_logged[2];
	uint32_t http_seq[2];
	uint8_t http_seen[2];
	uint32_t http_depth;
	struct dns_query *dns_old, *dns_new;    /* open queries, oldest first */
	uint32_t ndns;
	struct l7_wait *wait[2];
	struct dir_adj adj[2];
};

/* Weird records in the current second, per (name, source address). */
struct weird_key {
	char name[64];
	uint8_t src[16];
};

struct weird_count {
	struct weird_key key;
	UT_hash_handle hh;
	uint64_t n;                     /* this second */
	uint64_t first_ts;
};

struct pl_collector {
	struct pl_collector_opts o;
	struct pl_topk *talkers;        /* by bytes; aux: packets */
	struct pl_sink *sink;
	int flows_fd;
	int ncpu;
	struct pl_flow_val *percpu;
	struct conn *conns;
	struct pl_topk *top[PL_TOP__COUNT];
	struct dnsq_bucket *dnsq;       /* open DNS queries by what a response repeats */
	struct dns_query *dns_old, *dns_new;
	struct l7_wait *wait_old, *wait_new;
	struct weird_count *weirds;     /* this second's */
	unsigned nweirds;
	uint64_t weird_window;          /* its start; 0: none yet */
	uint64_t weird_over;            /* weirds with no room for their pair */
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
static void conn_close(struct pl_collector *c, struct conn *cn);

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
	/* Full: the oldest connection (uthash keeps them in the order they
	 * came) is logged and closed now, as at its idle timeout. Callers hold
	 * no other connection while they ask for a new one. */
	if (c->st.conns_open >= c->o.conns_max && c->conns) {
		c->st.conns_evicted++;
		conn_close(c, c->conns);
	}
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

static void bounds_defaults(struct pl_collector_opts *o)
{
#define DEF(f, v) do { if (!o->f) o->f = (v); } while (0)
	DEF(dns_pending_conn, PL_COL_DNS_PENDING_CONN);
	DEF(dns_pending_max, PL_COL_DNS_PENDING_MAX);
	DEF(top_names_max, PL_COL_TOP_NAMES_MAX);
	DEF(talkers_max, PL_COL_TALKERS_MAX);
	DEF(reasm_mem_bytes, PL_COL_REASM_MEM);
	DEF(reasm_timeout_ns, PL_COL_REASM_TIMEOUT_NS);
	DEF(weird_per_sec, PL_COL_WEIRD_PER_SEC);
	DEF(weird_keys_max, PL_COL_WEIRD_KEYS_MAX);
#undef DEF
}

/* Connections: twice the kernel's flow table (a connection is one or two
 * of its flows), at least PL_COL_CONNS_MIN. Events for flows the table had
 * no room for, or that it evicted, make connections too: without a bound a
 * flood of new 5-tuples would hold one per packet until the idle timeout. */
static uint32_t conns_max_default(int flows_fd)
{
	struct bpf_map_info info = { 0 };
	uint32_t ilen = sizeof(info);

	if (flows_fd >= 0 && !bpf_obj_get_info_by_fd(flows_fd, &info, &ilen) &&
	    info.max_entries > PL_COL_CONNS_MIN / 2)
		return info.max_entries < (1u << 30) ? 2 * info.max_entries : 1u << 31;
	return PL_COL_CONNS_MIN;
}

size_t pl_collector_reasm_entry_bytes(void)
{
	return sizeof(struct l7_wait);
}

size_t pl_collector_dns_entry_bytes(void)
{
	return sizeof(struct dns_query) + sizeof(struct dnsq_bucket);
}

struct pl_collector *pl_collector_new(const struct pl_collector_opts *o,
				      struct pl_sink *sink, int flows_map_fd)
{
	struct pl_collector *c = calloc(1, sizeof(*c));
	int i, bad = 0;

	if (!c)
		return NULL;
	c->o = *o;
	bounds_defaults(&c->o);
	if (!c->o.conns_max)
		c->o.conns_max = conns_max_default(flows_map_fd);
	c->sink = sink;
	c->flows_fd = flows_map_fd;
	c->ncpu = libbpf_num_possible_cpus();
	c->percpu = calloc((size_t)c->ncpu, sizeof(struct pl_flow_val));
	c->frag_frame = malloc(FRAG_FRAME_MAX);
	for (i = 0; i < PL_TOP__COUNT; i++)
		bad |= !(c->top[i] = pl_topk_new(c->o.top_names_max, PL_DNS_NAME_BUF - 1));
	bad |= !(c->talkers = pl_topk_new(c->o.talkers_max, 16));
	if (bad || !c->percpu || !c->frag_frame || frag_setup(c)) {
		for (i = 0; i < PL_TOP__COUNT; i++)
			pl_topk_free(c->top[i]);
		pl_topk_free(c->talkers);
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

/* A name counts up to its first NUL, as it prints. The table keeps the
 * heaviest names in a fixed number of slots (topk.c): a flood of random
 * names takes the slots of the lightest, counted, never more memory. */
static void top_count(struct pl_collector *c, enum pl_top_kind k, const char *s, size_t n)
{
	const char *z = memchr(s, 0, n);

	if (z)
		n = (size_t)(z - s);
	pl_topk_add(c->top[k], s, n, 1, 0);
	c->st.top_evicted[k] = pl_topk_evicted(c->top[k]);
	c->st.top_max_err[k] = pl_topk_max_err(c->top[k]);
}

/* Per-source packets and bytes: what each sweep adds to a flow's counts. */
static void flow_set_stat(struct pl_collector *c, struct conn_flow *f, const struct dir_stat *s)
{
	if (s->pkts > f->st.pkts && c->hk.on_flow_delta) {
		struct pl_flow_delta d = {
			.pkts = s->pkts - f->st.pkts, .bytes = s->bytes - f->st.bytes,
			.flags_before = f->st.tcp_flags, .flags_now = s->tcp_flags,
			.first_ns = s->first_ns, .last_ns = s->last_ns,
			.dir = (uint8_t)f->dir, .egress = (uint8_t)f->egress,
		};

		c->hk.on_flow_delta(c->hk.ctx, &f->k, &d);
	}
	if (s->pkts > f->st.pkts) {
		pl_topk_add(c->talkers, f->k.src, 16, s->bytes - f->st.bytes, s->pkts - f->st.pkts);
		c->st.top_evicted[PL_TOP_TALKERS] = pl_topk_evicted(c->talkers);
		c->st.top_max_err[PL_TOP_TALKERS] = pl_topk_max_err(c->talkers);
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

static void dnsq_key_of(struct dnsq_key *key, const struct conn *cn, int dir,
			const struct pl_dns *d)
{
	memset(key, 0, sizeof(*key));
	key->cn = cn;
	key->dir = (uint8_t)dir;
	key->id = d->id;
	key->has_question = !!d->has_question;
	if (d->has_question)
		key->qtype = d->qtype;
	key->qname_len = d->qname_len < PL_DNS_NAME_BUF ? d->qname_len : PL_DNS_NAME_BUF - 1;
	memcpy(key->qname, d->qname, key->qname_len);
}

/* Takes q out of its bucket, its connection's list and the global one. */
static void dnsq_unlink(struct pl_collector *c, struct dns_query *q)
{
	struct dnsq_bucket *b = q->b;
	struct dns_query **pp = &b->head, *prev = NULL;
	struct conn *cn = q->cn;

	while (*pp != q) {              /* q is the head but for a match in the middle */
		prev = *pp;
		pp = &(*pp)->bnext;
	}
	*pp = q->bnext;
	if (b->tail == q)
		b->tail = prev;
	if (!b->head) {
		HASH_DEL(c->dnsq, b);
		free(b);
	}
	*(q->cprev ? &q->cprev->cnext : &cn->dns_old) = q->cnext;
	*(q->cnext ? &q->cnext->cprev : &cn->dns_new) = q->cprev;
	*(q->gprev ? &q->gprev->gnext : &c->dns_old) = q->gnext;
	*(q->gnext ? &q->gnext->gprev : &c->dns_new) = q->gprev;
	cn->ndns--;
	c->st.dns_pending--;
}

/* An open query that has to go: logged unanswered, as at the end of its
 * connection (a late response is then logged on its own). */
static void dnsq_evict(struct pl_collector *c, struct dns_query *q, uint64_t *counter)
{
	dns_log(c, q->cn, q, NULL, 0);
	dnsq_unlink(c, q);
	free(q);
	(*counter)++;
}

static void dnsq_add(struct pl_collector *c, struct conn *cn, const struct pl_ev_l7 *e)
{
	struct dnsq_key key;
	struct dnsq_bucket *b;
	struct dns_query *q;

	if (cn->ndns >= c->o.dns_pending_conn && cn->dns_old)
		dnsq_evict(c, cn->dns_old, &c->st.dns_evicted_conn);
	if (c->st.dns_pending >= c->o.dns_pending_max && c->dns_old)
		dnsq_evict(c, c->dns_old, &c->st.dns_evicted_total);
	dnsq_key_of(&key, cn, conn_dir(cn, &e->h.key), &e->l7.dns);
	HASH_FIND(hh, c->dnsq, &key, sizeof(key), b);
	if (!b) {
		b = calloc(1, sizeof(*b));
		if (!b)
			return;
		b->key = key;
		HASH_ADD(hh, c->dnsq, key, sizeof(key), b);
	}
	q = calloc(1, sizeof(*q));
	if (!q) {
		if (!b->head) {
			HASH_DEL(c->dnsq, b);
			free(b);
		}
		return;
	}
	q->ts = e->h.ts_ns;
	q->k = e->h.key;
	q->q = e->l7.dns;
	q->cn = cn;
	q->b = b;
	*(b->tail ? &b->tail->bnext : &b->head) = q;
	b->tail = q;
	q->cprev = cn->dns_new;
	*(cn->dns_new ? &cn->dns_new->cnext : &cn->dns_old) = q;
	cn->dns_new = q;
	q->gprev = c->dns_new;
	*(c->dns_new ? &c->dns_new->gnext : &c->dns_old) = q;
	c->dns_new = q;
	cn->ndns++;
	c->st.dns_pending++;
}

static void dns_event(struct pl_collector *c, struct conn *cn, const struct pl_ev_l7 *e)
{
	const struct pl_dns *d = &e->l7.dns;
	struct dns_query *q = NULL;
	struct dnsq_bucket *b;
	struct dnsq_key key;

	if (c->hk.on_dns)
		c->hk.on_dns(c->hk.ctx, e->h.ts_ns, &e->h.key, d, cn->uid);
	if (d->has_question && !d->qr)
		top_count(c, PL_TOP_DNS, d->qname, d->qname_len);
	if (!d->qr) {
		dnsq_add(c, cn, e);
		return;
	}
	/* a response: the oldest open query the other way with its id and question */
	dnsq_key_of(&key, cn, !conn_dir(cn, &e->h.key), d);
	HASH_FIND(hh, c->dnsq, &key, sizeof(key), b);
	if (b) {
		q = b->head;
		c->st.dns_match_steps++;
		dnsq_unlink(c, q);
	}
	dns_log(c, cn, q, d, e->h.ts_ns);
	free(q);
}

static void dns_flush(struct pl_collector *c, struct conn *cn)
{
	struct dns_query *q;

	while ((q = cn->dns_old)) {     /* oldest first */
		dns_log(c, cn, q, NULL, 0);
		dnsq_unlink(c, q);
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

/* Waiting records are bounded: two per connection (one per direction),
 * PL_REASM_BYTES each (with the parse), and in all by a memory budget and
 * a time limit far below the idle timeout: a ClientHello that announces
 * more than it sends ends as an incomplete ssl record, not 7 KB held for
 * the connection's life. The oldest waiting record gives way first. */
static void wait_drop(struct pl_collector *c, struct conn *cn, int dir)
{
	struct l7_wait *w = cn->wait[dir];

	if (!w)
		return;
	*(w->gprev ? &w->gprev->gnext : &c->wait_old) = w->gnext;
	*(w->gnext ? &w->gnext->gprev : &c->wait_new) = w->gprev;
	c->st.reasm_waiting--;
	free(w);
	cn->wait[dir] = NULL;
}

static void wait_finish(struct pl_collector *c, struct conn *cn, int dir)
{
	struct l7_wait *w = cn->wait[dir];

	if (!w)
		return;
	c->st.reasm_gave_up++;
	l7_emit(c, cn, dir, w->kind, w->ts, w->seq, &w->m.l7);
	wait_drop(c, cn, dir);
}

/* Room for one more waiting record, made by ending the oldest ones. */
static void wait_room(struct pl_collector *c)
{
	while (c->wait_old && (c->st.reasm_waiting + 1) * sizeof(struct l7_wait) >
			      c->o.reasm_mem_bytes) {
		c->st.reasm_evicted++;
		wait_finish(c, c->wait_old->cn, c->wait_old->dir);
	}
}

/* Records that waited reasm_timeout_ns (event time) end with what they have. */
static void wait_expire(struct pl_collector *c, uint64_t now)
{
	while (c->wait_old && now > c->wait_old->ts &&
	       now - c->wait_old->ts >= c->o.reasm_timeout_ns) {
		c->st.reasm_timed_out++;
		wait_finish(c, c->wait_old->cn, c->wait_old->dir);
	}
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
	wait_room(c);
	if ((c->st.reasm_waiting + 1) * sizeof(*w) > c->o.reasm_mem_bytes ||
	    !(w = calloc(1, sizeof(*w)))) {
		/* no room at all (a budget below one record): what it has now */
		c->st.reasm_evicted++;
		l7_emit(c, cn, dir, e->kind, e->h.ts_ns, e->tcp_seq, &e->l7);
		return;
	}
	w->cn = cn;
	w->dir = dir;
	w->gprev = c->wait_new;
	*(c->wait_new ? &c->wait_new->gnext : &c->wait_old) = w;
	c->wait_new = w;
	c->st.reasm_waiting++;
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
		wait_drop(c, cn, dir);
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

/* Weird records are rate-limited per (name, source address): the first
 * weird_per_sec of a pair in each second are logged, the rest counted, and
 * when the second is over one weird record per pair says how many were not
 * logged ("suppressed"). A second holds weird_keys_max pairs; weirds of
 * pairs past that are counted together and reported the same way. */
#define WEIRD_WINDOW_NS 1000000000ull

static void weird_suppressed_log(struct pl_collector *c, uint64_t ts, const char *name,
				 const uint8_t *src, uint64_t n)
{
	struct json_object *o = pl_rec_new("weird");
	char addr[64], addl[192];

	pl_rec_ts(o, "ts", epoch(c, ts));
	if (src) {
		pl_addr_str(src, addr, sizeof(addr));
		pl_rec_add(o, "id.orig_h", json_object_new_string(addr));
		snprintf(addl, sizeof(addl), "%llu more from %s in one second were not logged "
			 "(at most %u a second per name and source)",
			 (unsigned long long)n, addr, c->o.weird_per_sec);
	} else {
		snprintf(addl, sizeof(addl), "%llu more, of more than %u name and source pairs "
			 "in one second, were not logged", (unsigned long long)n,
			 c->o.weird_keys_max);
	}
	pl_rec_add(o, "name", json_object_new_string(name));
	pl_rec_add(o, "addl", json_object_new_string(addl));
	pl_rec_add(o, "notice", json_object_new_boolean(0));
	pl_rec_add(o, "peer", json_object_new_string("pktlens"));
	pl_rec_add(o, "source", json_object_new_string("rate-limit"));
	pl_rec_u64(o, "suppressed", n);
	pl_sink_write(c->sink, "weird", o);
}

/* Ends the current second: what it suppressed is said, its pairs forgotten. */
static void weird_window_end(struct pl_collector *c)
{
	struct weird_count *w, *t;

	HASH_ITER(hh, c->weirds, w, t) {
		if (w->n > c->o.weird_per_sec)
			weird_suppressed_log(c, w->first_ts, w->key.name, w->key.src,
					     w->n - c->o.weird_per_sec);
		HASH_DEL(c->weirds, w);
		free(w);
	}
	c->nweirds = 0;
	if (c->weird_over)
		weird_suppressed_log(c, c->weird_window, "weird_rate_limited", NULL,
				     c->weird_over);
	c->weird_over = 0;
	c->weird_window = 0;
}

/* At a sweep: a second that is over ends even if no weird comes after it. */
static void weird_tick(struct pl_collector *c, uint64_t now, int final)
{
	if (c->weird_window && (final || now < c->weird_window ||
				now - c->weird_window >= WEIRD_WINDOW_NS))
		weird_window_end(c);
}

/* 1 if this weird is to be logged. */
static int weird_admit(struct pl_collector *c, uint64_t ts, const char *name,
		       const struct pl_flow_key *k)
{
	struct weird_key key;
	struct weird_count *w;

	weird_tick(c, ts, 0);           /* a clock that went back ends it too */
	if (!c->weird_window)
		c->weird_window = ts ? ts : 1;
	memset(&key, 0, sizeof(key));
	snprintf(key.name, sizeof(key.name), "%s", name);
	if (k)
		memcpy(key.src, k->src, 16);
	HASH_FIND(hh, c->weirds, &key, sizeof(key), w);
	if (!w) {
		if (c->nweirds >= c->o.weird_keys_max || !(w = calloc(1, sizeof(*w)))) {
			c->weird_over++;
			c->st.weird_suppressed++;
			return 0;
		}
		w->key = key;
		w->first_ts = ts;
		HASH_ADD(hh, c->weirds, key, sizeof(key), w);
		c->nweirds++;
	}
	if (++w->n > c->o.weird_per_sec) {
		c->st.weird_suppressed++;
		return 0;
	}
	return 1;
}

/* k: the addresses (and ports) it is about, NULL if they could not be read. */
static void weird_log(struct pl_collector *c, uint64_t ts, const struct pl_flow_key *k,
		      const char *name, const char *addl, const char *source)
{
	struct json_object *o;
	struct conn *cn = NULL;

	if (!weird_admit(c, ts, name, k))
		return;
	c->st.weird_logged++;
	o = pl_rec_new("weird");

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
	/* the detections judge what the host sends apart from what it gets */
	if (e->h.flags & PL_EVH_EGRESS) {
		int i;

		cn->egress_dirs |= (uint8_t)(1u << dir);
		for (i = 0; i < cn->nflows; i++)
			if (same_direction(&cn->flows[i].k, &e->h.key))
				cn->flows[i].egress = 1;
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
		cn->flows[i].egress = !!(cn->egress_dirs & (1u << cn->flows[i].dir));
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
	if (!final)
		wait_expire(c, now);
	weird_tick(c, now, final);
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

/* Ties in key order (names; addresses, which come in the flow table's
 * order that its random hash seed makes differ from run to run). */
size_t pl_collector_top(const struct pl_collector *c, enum pl_top_kind k,
			const char **names, uint64_t *counts, size_t max)
{
	struct pl_topk_item it[16];
	size_t n, i;

	if (max > sizeof(it) / sizeof(it[0]))
		max = sizeof(it) / sizeof(it[0]);
	n = pl_topk_top(c->top[k], it, max);
	for (i = 0; i < n; i++) {
		names[i] = (const char *)it[i].key;
		counts[i] = it[i].count;
	}
	return n;
}

size_t pl_collector_talkers(const struct pl_collector *c, uint8_t (*addrs)[16],
			    uint64_t *pkts, uint64_t *bytes, size_t max)
{
	struct pl_topk_item it[16];
	size_t n, i;

	if (max > sizeof(it) / sizeof(it[0]))
		max = sizeof(it) / sizeof(it[0]);
	n = pl_topk_top(c->talkers, it, max);
	for (i = 0; i < n; i++) {
		memcpy(addrs[i], it[i].key, 16);
		pkts[i] = it[i].aux;
		bytes[i] = it[i].count;
	}
	return n;
}

void pl_collector_free(struct pl_collector *c)
{
	struct weird_count *w, *wt;
	struct conn *cn, *tmp;
	int i;

	if (!c)
		return;
	HASH_ITER(hh, c->conns, cn, tmp) {
		struct dns_query *q;

		while ((q = cn->dns_old)) {
			dnsq_unlink(c, q);
			free(q);
		}
		for (i = 0; i < 2; i++)
			wait_drop(c, cn, i);
		HASH_DEL(c->conns, cn);
		free(cn);
	}
	HASH_ITER(hh, c->weirds, w, wt) {
		HASH_DEL(c->weirds, w);
		free(w);
	}
	pl_topk_free(c->talkers);
	for (i = 0; i < PL_TOP__COUNT; i++)
		pl_topk_free(c->top[i]);
	free(c->batch_keys);
	free(c->batch_vals);
	pl_ipreasm_free(c->ipr);
	free(c->frag_frame);
	free(c->percpu);
	free(c);
}
