/* SPDX-License-Identifier: BSD-3-Clause */
/* detect_scan.c - port scans, address scans and TCP flag combinations that
 * no stack sends.
 *
 * A probe is a new flow a source opens toward a (host, port): a TCP flow
 * whose first packet has no ACK (SYN, FIN, NULL, XMAS, ... scans) or a UDP
 * flow that is not itself a reply. Like Zeek, only probes that go
 * unanswered count: a TCP probe is answered when its sender later ACKs (a
 * completed handshake: a SYN scan's probes end in RST instead), a UDP probe
 * when the other side sends back on the same ports. Counting is per source
 * in a tumbling window that starts at its first probe; thresholds are
 * checked after each sweep, once the answers of the probes are in. */
#include "detect_int.h"

#include <stdlib.h>
#include <string.h>

enum { K_SYN, K_FIN, K_NULL, K_XMAS, K_UDP, K_OTHER, K__COUNT };
static const char *const kind_names[K__COUNT] = { "SYN", "FIN", "NULL", "XMAS", "UDP", "other" };

struct det_port_key {
	uint8_t src[16], dst[16];
	uint16_t port;
	uint8_t proto, pad;
};

struct det_port {
	struct det_port_key k;
	UT_hash_handle hh;
	uint64_t epoch;                 /* the source window it was counted in */
	uint8_t answered;
};

struct det_pair_key {
	uint8_t src[16], dst[16];
};

struct det_pair {
	struct det_pair_key k;
	UT_hash_handle hh;
	uint64_t epoch;
	uint32_t unans;                 /* distinct ports probed without answer */
	uint32_t kinds[K__COUNT];
};

struct det_scan_src {
	uint8_t addr[16];
	UT_hash_handle hh;
	uint64_t start, epoch, last;
	uint32_t hosts;                 /* pairs of this window with unans > 0 */
	uint32_t bad;                   /* flows opened with impossible flags */
	uint32_t bad_kinds[K__COUNT];
	uint16_t bad_flags;             /* the last such combination */
};

/* Flags no TCP stack sends in a segment: none at all, SYN with FIN or RST,
 * FIN/PSH/URG without ACK (outside a SYN). */
static int bad_flags(uint16_t f)
{
	f &= 0x3f;
	return f == 0 || (f & 0x03) == 0x03 || (f & 0x06) == 0x06 ||
	       (!(f & 0x12) && (f & 0x29));
}

static int tcp_kind(uint16_t f)
{
	f &= 0x3f;
	if (f == 0x02)
		return K_SYN;
	if (f == 0x01)
		return K_FIN;
	if (f == 0)
		return K_NULL;
	if (f == 0x29)
		return K_XMAS;
	return K_OTHER;
}

static struct det_scan_src *scan_src(struct pl_detect *d, const uint8_t addr[16], uint64_t ts)
{
	struct det_scan_src *s;

	HASH_FIND(hh, d->scans, addr, 16, s);
	if (!s) {
		if (d->nscans >= DET_MAX_ENTRIES || !(s = calloc(1, sizeof(*s)))) {
			d->dropped[PL_DT_SCAN_SOURCES]++;
			return NULL;
		}
		memcpy(s->addr, addr, 16);
		HASH_ADD(hh, d->scans, addr, 16, s);
		d->nscans++;
	}
	if (!s->start || det_since(ts, s->start) >= d->c.scan_window_ns) {
		s->start = ts;
		s->epoch = ++d->scan_epochs;
		s->hosts = s->bad = 0;
		memset(s->bad_kinds, 0, sizeof(s->bad_kinds));
	}
	s->last = ts;
	return s;
}

static struct det_pair *pair_get(struct pl_detect *d, struct det_scan_src *s,
				 const uint8_t dst[16])
{
	struct det_pair **pairs = &d->scan_pairs;
	struct det_pair_key k;
	struct det_pair *p;

	memcpy(k.src, s->addr, 16);
	memcpy(k.dst, dst, 16);
	HASH_FIND(hh, *pairs, &k, sizeof(k), p);
	if (!p) {
		if (d->nscan_pairs >= DET_MAX_ENTRIES || !(p = calloc(1, sizeof(*p)))) {
			d->dropped[PL_DT_SCAN_PAIRS]++;
			return NULL;
		}
		p->k = k;
		HASH_ADD(hh, *pairs, k, sizeof(k), p);
		d->nscan_pairs++;
	}
	if (p->epoch != s->epoch) {
		p->epoch = s->epoch;
		p->unans = 0;
		memset(p->kinds, 0, sizeof(p->kinds));
	}
	return p;
}

static struct det_port *port_find(struct pl_detect *d, const uint8_t *src, const uint8_t *dst,
				  uint16_t port, uint8_t proto)
{
	struct det_port **ports = &d->scan_ports;
	struct det_port_key k;
	struct det_port *p;

	memset(&k, 0, sizeof(k));
	memcpy(k.src, src, 16);
	memcpy(k.dst, dst, 16);
	k.port = port;
	k.proto = proto;
	HASH_FIND(hh, *ports, &k, sizeof(k), p);
	return p;
}

/* The probe (src, dst, port) was answered: it stops counting. */
static void answered(struct pl_detect *d, const uint8_t *src, const uint8_t *dst,
		     uint16_t port, uint8_t proto)
{
	struct det_port *p = port_find(d, src, dst, port, proto);
	struct det_scan_src *s;
	struct det_pair_key k;
	struct det_pair *pr;

	if (!p || p->answered)
		return;
	p->answered = 1;
	HASH_FIND(hh, d->scans, src, 16, s);
	if (!s || s->epoch != p->epoch)
		return;
	memcpy(k.src, src, 16);
	memcpy(k.dst, dst, 16);
	HASH_FIND(hh, d->scan_pairs, &k, sizeof(k), pr);
	if (pr && pr->epoch == p->epoch && pr->unans && !--pr->unans && s->hosts)
		s->hosts--;
}

static void probe(struct pl_detect *d, const struct pl_flow_key *k, int kind, uint64_t ts)
{
	struct det_port **ports = &d->scan_ports;
	struct det_scan_src *s = scan_src(d, k->src, ts);
	struct det_port *p;
	struct det_pair *pr;

	if (!s || !(pr = pair_get(d, s, k->dst)))
		return;
	pr->kinds[kind]++;
	p = port_find(d, k->src, k->dst, k->dport, k->proto);
	if (p && p->epoch == s->epoch)
		return;                 /* this port again, in this window */
	if (!p) {
		if (d->nscan_ports >= DET_MAX_ENTRIES * 16 || !(p = calloc(1, sizeof(*p)))) {
			d->dropped[PL_DT_SCAN_PROBES]++;
			return;
		}
		memcpy(p->k.src, k->src, 16);
		memcpy(p->k.dst, k->dst, 16);
		p->k.port = k->dport;
		p->k.proto = k->proto;
		HASH_ADD(hh, *ports, k, sizeof(p->k), p);
		d->nscan_ports++;
	}
	p->epoch = s->epoch;
	p->answered = 0;
	if (!pr->unans++)
		s->hosts++;
	if (pr->unans >= d->c.scan_ports)
		d->scan_pairs_hot = 1;
}

void det_scan_flow_new(struct pl_detect *d, const struct pl_ev_flow *e, const char *uid)
{
	const struct pl_flow_key *k = &e->h.key;
	uint64_t ts = e->h.ts_ns;

	(void)uid;
	if (!(e->flags & PL_F_L4))
		return;                 /* a later fragment: no ports, no flags */
	if (k->proto == 6) {
		if (bad_flags(e->tcp_flags)) {
			struct det_scan_src *s = scan_src(d, k->src, ts);

			if (s) {
				s->bad++;
				s->bad_kinds[tcp_kind(e->tcp_flags)]++;
				s->bad_flags = e->tcp_flags;
			}
		}
		if (e->tcp_flags & 0x10)
			return;         /* a reply or the middle of a connection */
		probe(d, k, tcp_kind(e->tcp_flags), ts);
	} else if (k->proto == 17) {
		/* a reply to a probe answers it; a reply is never a probe */
		if (port_find(d, k->dst, k->src, k->sport, 17)) {
			answered(d, k->dst, k->src, k->sport, 17);
			return;
		}
		if (k->sport < 1024 && k->dport >= 1024)
			return;         /* a service answering a client */
		probe(d, k, K_UDP, ts);
	}
}

/* A TCP flow that ACKs after its SYN completed a handshake: not a probe. */
void det_scan_delta(struct pl_detect *d, const struct pl_flow_key *k,
		    const struct pl_flow_delta *dl)
{
	if (k->proto == 6 && (dl->flags_now & 0x10) && !(dl->flags_before & 0x10) &&
	    (dl->flags_now & 0x02))
		answered(d, k->src, k->dst, k->dport, 6);
}

static const char *dominant(const uint32_t *kinds, char *buf, size_t len)
{
	int i, best = 0, n = 0;
	size_t o = 0;

	for (i = 0; i < K__COUNT; i++)
		if (kinds[i] > kinds[best])
			best = i;
	o += (size_t)snprintf(buf, len, "%s scan:", kind_names[best]);
	for (i = 0; i < K__COUNT && o < len; i++)
		if (kinds[i])
			o += (size_t)snprintf(buf + o, len - o, "%s %u %s", n++ ? "," : "",
					      kinds[i], kind_names[i]);
	return buf;
}

void det_scan_tick(struct pl_detect *d, uint64_t now)
{
	const struct pl_detect_cfg *c = &d->c;
	struct det_pair **pairs = &d->scan_pairs;
	struct det_port **ports = &d->scan_ports;
	struct det_scan_src *s, *st;
	struct det_pair *p, *pt;
	struct det_port *q, *qt;
	char ss[64], ds[64], kb[160];
	/* Pairs and probes of windows that are over are dropped once a window,
	 * not every tick: a busy host opens thousands of flows a second. */
	int purge = det_since(now, d->scan_purged) >= c->scan_window_ns;

	if (purge)
		d->scan_purged = now;
	if (purge || d->scan_pairs_hot) HASH_ITER(hh, *pairs, p, pt) {
		HASH_FIND(hh, d->scans, p->k.src, 16, s);
		if (!s || s->epoch != p->epoch) {
			HASH_DEL(*pairs, p);    /* from a window that is over */
			free(p);
			d->nscan_pairs--;
			continue;
		}
		if (p->unans >= c->scan_ports) {
			struct det_notice n = { .note = PL_NOTE_PORT_SCAN, .port = -1 };

			det_addr(p->k.src, ss, sizeof(ss));
			det_addr(p->k.dst, ds, sizeof(ds));
			n.ts = now;
			n.src = p->k.src;
			n.dst = p->k.dst;
			n.n = p->unans;
			n.ban = p->k.src;
			n.ban_ns = c->scan_ban_ns;
			n.suppress_ns = c->scan_window_ns;
			dominant(p->kinds, kb, sizeof(kb));
			snprintf(n.msg, sizeof(n.msg),
				 "%s scanned at least %u unique ports of host %s in %.1fs (%s)",
				 ss, p->unans, ds, det_secs(det_since(now, s->start)), kb);
			snprintf(n.sub, sizeof(n.sub), "%s", kb);
			det_raise(d, &n);
		}
	}
	d->scan_pairs_hot = 0;
	HASH_ITER(hh, d->scans, s, st) {
		if (det_since(now, s->start) >= c->scan_window_ns &&
		    det_since(now, s->last) >= c->scan_window_ns) {
			HASH_DEL(d->scans, s);
			free(s);
			d->nscans--;
			continue;
		}
		if (s->hosts < c->scan_hosts && s->bad < c->bad_flags)
			continue;
		det_addr(s->addr, ss, sizeof(ss));
		if (s->hosts >= c->scan_hosts) {
			struct det_notice n = { .note = PL_NOTE_ADDRESS_SCAN, .port = -1 };

			n.ts = now;
			n.src = s->addr;
			n.n = s->hosts;
			n.ban = s->addr;
			n.ban_ns = c->scan_ban_ns;
			n.suppress_ns = c->scan_window_ns;
			snprintf(n.msg, sizeof(n.msg),
				 "%s probed at least %u hosts without an answer in %.1fs", ss,
				 s->hosts, det_secs(det_since(now, s->start)));
			det_raise(d, &n);
		}
		if (s->bad >= c->bad_flags) {
			struct det_notice n = { .note = PL_NOTE_BAD_FLAGS, .port = -1 };

			n.ts = now;
			n.src = s->addr;
			n.n = s->bad;
			n.ban = s->addr;
			n.ban_ns = c->bad_flags_ban_ns;
			n.suppress_ns = c->scan_window_ns;
			dominant(s->bad_kinds, kb, sizeof(kb));
			snprintf(n.msg, sizeof(n.msg),
				 "%s opened %u flows with TCP flags no stack sends (last 0x%03x) "
				 "in %.1fs (%s)", ss, s->bad, s->bad_flags,
				 det_secs(det_since(now, s->start)), kb);
			snprintf(n.sub, sizeof(n.sub), "flags 0x%03x", s->bad_flags);
			det_raise(d, &n);
		}
	}
	/* probes of windows that are over */
	if (purge) HASH_ITER(hh, *ports, q, qt) {
		HASH_FIND(hh, d->scans, q->k.src, 16, s);
		if (!s || s->epoch != q->epoch) {
			HASH_DEL(*ports, q);
			free(q);
			d->nscan_ports--;
		}
	}
}

void det_scan_free(struct pl_detect *d)
{
	struct det_pair **pairs = &d->scan_pairs;
	struct det_port **ports = &d->scan_ports;
	struct det_scan_src *s, *st;
	struct det_pair *p, *pt;
	struct det_port *q, *qt;

	HASH_ITER(hh, *pairs, p, pt) {
		HASH_DEL(*pairs, p);
		free(p);
	}
	HASH_ITER(hh, *ports, q, qt) {
		HASH_DEL(*ports, q);
		free(q);
	}
	HASH_ITER(hh, d->scans, s, st) {
		HASH_DEL(d->scans, s);
		free(s);
	}
	d->nscans = d->nscan_pairs = d->nscan_ports = 0;
}
