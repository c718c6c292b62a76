/* SPDX-License-Identifier: BSD-3-Clause */
/* detect_flood.c - floods toward one destination (SYN, UDP, ICMP), a source
 * far above the others, and each host against its own learned baseline.
 *
 * SYNs are counted as new flows opened by a bare SYN (the kernel's new-flow
 * event); a SYN is answered when its flow later shows an ACK from the same
 * sender (the handshake's third step), which needs no view of the replies.
 * Packets come from the per-flow counts at each sweep. Windows are tumbling
 * and advance at sweeps, so a window is a whole number of sweeps long.
 *
 * A flood's top source is banned when it sent most of it. When none did
 * and the flood came from many distinct addresses, its sources are spoofed
 * (or too many to ban): its destination gets a limit in the kernel
 * instead, which lets through the sources that completed a TCP handshake
 * with it recently (detect_trust.c). */
#include "detect_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pl_policy.h"

enum { F_SYN, F_UDP, F_ICMP };

void det_hh_add(struct det_hh *h, const uint8_t addr[16], uint64_t w)
{
	int i, free_slot = -1;
	uint64_t m;

	for (i = 0; i < DET_HH; i++) {
		if (h->n[i] && !memcmp(h->addr[i], addr, 16)) {
			h->n[i] += w;
			return;
		}
		if (!h->n[i] && free_slot < 0)
			free_slot = i;
	}
	if (free_slot >= 0) {
		memcpy(h->addr[free_slot], addr, 16);
		h->n[free_slot] = w;
		return;
	}
	/* no room: take the weight off every slot (and off the new item) */
	m = w;
	for (i = 0; i < DET_HH; i++)
		if (h->n[i] < m)
			m = h->n[i];
	for (i = 0; i < DET_HH; i++)
		h->n[i] -= m;
	if (w > m)
		det_hh_add(h, addr, w - m);
}

uint64_t det_hh_top(const struct det_hh *h, uint8_t addr[16])
{
	int i, best = -1;

	for (i = 0; i < DET_HH; i++)
		if (h->n[i] && (best < 0 || h->n[i] > h->n[best]))
			best = i;
	if (best < 0)
		return 0;
	memcpy(addr, h->addr[best], 16);
	return h->n[best];
}

/* FNV-1a: the sketch needs spread, not strength (an attacker who aims
 * addresses at a few bits only makes the flood look less spoofed). */
static uint64_t addr_hash(const uint8_t addr[16])
{
	uint64_t h = 14695981039346656037ull;
	int i;

	for (i = 0; i < 16; i++)
		h = (h ^ addr[i]) * 1099511628211ull;
	return h ^ (h >> 29);
}

void det_sketch_add(uint64_t *bits, const uint8_t addr[16])
{
	uint64_t b = addr_hash(addr) % DET_SKETCH_BITS;

	bits[b / 64] |= 1ull << (b % 64);
}

/* -m ln(zero bits / m); all set: the most it can tell. */
uint64_t det_sketch_count(const uint64_t *bits)
{
	unsigned i, set = 0;

	for (i = 0; i < DET_SKETCH_BITS / 64; i++)
		set += (unsigned)__builtin_popcountll(bits[i]);
	if (set >= DET_SKETCH_BITS)
		set = DET_SKETCH_BITS - 1;
	return (uint64_t)(-(double)DET_SKETCH_BITS *
			  log((double)(DET_SKETCH_BITS - set) / DET_SKETCH_BITS) + 0.5);
}

/* ---- per destination and per source ----------------------------------------- */

static struct det_dst *dst_get(struct pl_detect *d, const uint8_t addr[16])
{
	struct det_dst *t;

	HASH_FIND(hh, d->dsts, addr, 16, t);
	if (t)
		return t;
	if (d->ndsts >= DET_MAX_ENTRIES || !(t = calloc(1, sizeof(*t)))) {
		d->dropped[PL_DT_DESTINATIONS]++;
		return NULL;
	}
	memcpy(t->addr, addr, 16);
	HASH_ADD(hh, d->dsts, addr, 16, t);
	d->ndsts++;
	return t;
}

static struct det_src *src_get(struct pl_detect *d, const uint8_t addr[16])
{
	struct det_src *t;

	HASH_FIND(hh, d->srcs, addr, 16, t);
	if (t)
		return t;
	if (d->nsrcs >= DET_MAX_ENTRIES || !(t = calloc(1, sizeof(*t)))) {
		d->dropped[PL_DT_SOURCES]++;
		return NULL;
	}
	memcpy(t->addr, addr, 16);
	HASH_ADD(hh, d->srcs, addr, 16, t);
	d->nsrcs++;
	return t;
}

static void flood_add(struct det_flood *f, const uint8_t src[16], uint64_t n, uint64_t bytes,
		      uint16_t port, uint64_t ts)
{
	if (!f->start)
		f->start = ts;
	else if (port != f->port)
		f->ports = 1;
	f->n += n;
	f->tick_n += n;
	f->bytes += bytes;
	f->port = port;
	det_hh_add(&f->hh, src, n);
	det_sketch_add(f->srcs, src);
}

void det_flood_flow_new(struct pl_detect *d, const struct pl_ev_flow *e)
{
	const struct pl_flow_key *k = &e->h.key;
	struct det_dst *t;
	struct det_src *s;

	/* what the host sends (--egress) is judged by nobody here: it is
	 * what pktlens protects, and XDP could not stop it anyway */
	if (e->h.flags & PL_EVH_EGRESS)
		return;
	if ((s = src_get(d, k->src))) {
		s->b_flows++;
		s->last = e->h.ts_ns;
	}
	if (k->proto != 6 || !(e->flags & PL_F_L4) || (e->tcp_flags & 0x12) != 0x02)
		return;
	if ((t = dst_get(d, k->dst))) {
		flood_add(&t->f[F_SYN], k->src, 1, 0, k->dport, e->h.ts_ns);
		t->last = e->h.ts_ns;
	}
}

/* What a watched destination sends back: its answers. Live they are seen
 * with --egress only (XDP sees what arrives); a capture of both directions
 * has them too. UDP from the flooded port answers its UDP; an ICMP
 * unreachable says the port (or host) refused it; an echo reply answers
 * an echo request. */
static void answers_from(struct pl_detect *d, const struct pl_flow_key *k,
			 const struct pl_flow_delta *dl, uint64_t ts)
{
	struct det_dst *t;
	struct det_flood *f;

	/* The host's own (--egress) are kept from its first answer on, which
	 * a sweep may hand over before the requests: it is a few addresses.
	 * Others only once they are a destination: every sender of a spoofed
	 * flood would fill the table. */
	if (dl->egress)
		t = dst_get(d, k->src);
	else
		HASH_FIND(hh, d->dsts, k->src, 16, t);
	if (!t)
		return;
	t->heard = ts > t->heard ? ts : t->heard;
	if (k->proto == 17) {
		/* before its window starts too: a sweep hands over a flow's two
		 * directions in any order (flood_check drops answers to nothing) */
		f = &t->f[F_UDP];
		if (!f->start || f->ports || k->sport == f->port)
			f->answered += dl->pkts;
	} else if ((k->proto == 1 && k->sport == 3) || (k->proto == 58 && k->sport == 1)) {
		t->f[F_UDP].unreach += dl->pkts;
	} else if ((k->proto == 1 && k->sport == 0) || (k->proto == 58 && k->sport == 129)) {
		t->f[F_ICMP].answered += dl->pkts;
	}
}

void det_flood_delta(struct pl_detect *d, const struct pl_flow_key *k,
		     const struct pl_flow_delta *dl)
{
	struct det_dst *t = NULL;
	struct det_src *s;
	uint64_t ts = dl->last_ns ? dl->last_ns : d->now;

	if (k->proto == 17 || k->proto == 1 || k->proto == 58)
		answers_from(d, k, dl, ts);
	/* the host's own sending (--egress), its answers above all, is
	 * neither a source's rate nor a flood against its clients */
	if (!dl->egress && (s = src_get(d, k->src))) {
		s->rate_pkts += dl->pkts;
		s->rate_bytes += dl->bytes;
		s->b_pkts += dl->pkts;
		s->b_bytes += dl->bytes;
		s->last = ts;
	}
	if (k->proto == 6) {
		/* the sender's first ACK after its SYN: a completed handshake.
		 * Only the originator's side: the server's flow (SYN-ACK, then
		 * ACKs) shows SYN and ACK as well, but completes nothing. */
		if (dl->dir == 0 && (dl->flags_now & 0x12) && (dl->flags_now & 0x10) &&
		    (dl->flags_now & 0x02) && !(dl->flags_before & 0x10)) {
			HASH_FIND(hh, d->dsts, k->dst, 16, t);
			if (t && t->f[F_SYN].start)
				t->f[F_SYN].answered++;
			/* trusted if it took two packets at least (SYN, then ACK):
			 * a lone SYN-ACK is no handshake */
			if (dl->pkts >= 2 || (dl->flags_before & 0x12) == 0x02)
				det_trust_seen(d, k->src, k->dst, t, ts);
		}
	} else if ((k->proto == 17 || k->proto == 1 || k->proto == 58) && !dl->egress) {
		int w = k->proto == 17 ? F_UDP : F_ICMP;

		if ((t = dst_get(d, k->dst))) {
			flood_add(&t->f[w], k->src, dl->pkts, dl->bytes,
				  k->proto == 17 ? k->dport : 0, ts);
			if (w == F_ICMP && ((k->proto == 1 && k->sport == 8) ||
					    (k->proto == 58 && k->sport == 128)))
				t->f[w].echo_req += dl->pkts;
			t->last = ts;
		}
	}
}

/* ---- floods toward one destination --------------------------------------- */

static const enum pl_note flood_notes[3] = { PL_NOTE_SYN_FLOOD, PL_NOTE_UDP_FLOOD,
					      PL_NOTE_ICMP_FLOOD };
static const char *const flood_what[3] = { "SYNs", "UDP packets", "ICMP packets" };

static double flood_rate(const struct pl_detect_cfg *c, int w)
{
	return w == F_SYN ? c->syn_rate : w == F_UDP ? c->udp_rate : c->icmp_rate;
}

/* A destination limit is evidence-bound: taken back at the first tick at
 * which its destination got less than the flood's rate since the tick
 * before (what XDP drops is still counted, so a flood held down by its
 * limit keeps it). Its answers cannot decide here: the limit itself
 * leaves the dropped packets unanswered. */
static void limit_release(struct pl_detect *d, struct det_dst *t, int w, uint64_t now,
			  double tick_rate)
{
	struct det_notice n = { .note = PL_NOTE_LIMIT_RELEASED, .port = -1 };
	char err[256] = "", ds[64];
	int len;

	det_addr(t->addr, ds, sizeof(ds));
	n.action = "pktlens::ACTION_RELEASE_LIMIT_DST";
	if (d->act.unlimit &&
	    d->act.unlimit(d->act.ctx, t->addr, t->lim_proto[w], t->lim_port[w], err, sizeof(err))) {
		n.action = "pktlens::ACTION_RELEASE_LIMIT_DST_FAILED";
		n.action_error = err;
	}
	d->limits_released++;
	n.ts = now;
	n.dst = t->addr;
	n.port = t->lim_port[w] ? t->lim_port[w] : -1;
	n.n = t->f[w].tick_n;
	n.supp_by_dst = 1;
	len = snprintf(n.msg, sizeof(n.msg), "%s flood against %s is over: %.0f %s/s since the last "
		       "sweep, below %.0f/s; its limit (%s", w == F_SYN ? "SYN" : w == F_UDP ?
		       "UDP" : "ICMP", ds, tick_rate, flood_what[w], flood_rate(&d->c, w),
		       flood_what[w]);
	if (t->lim_port[w])
		len += snprintf(n.msg + len, sizeof(n.msg) - (size_t)len, " to port %u",
				t->lim_port[w]);
	snprintf(n.msg + len, sizeof(n.msg) - (size_t)len, ") released after %.1fs",
		 det_secs(det_since(now, t->lim_since[w])));
	snprintf(n.sub, sizeof(n.sub), "evidence gone");
	t->lim_until[w] = 0;
	t->limited_until = t->lim_until[0] > t->lim_until[1] ? t->lim_until[0] : t->lim_until[1];
	if (t->lim_until[2] > t->limited_until)
		t->limited_until = t->lim_until[2];
	/* the same flood again is a new one: noticed, and limited, at once;
	 * this window's counts are the old one's */
	det_unsuppress(d, flood_notes[w], t->addr);
	det_raise(d, &n);
	memset(&t->f[w], 0, sizeof(t->f[w]));
}

static void flood_check(struct pl_detect *d, struct det_dst *t, int w, uint64_t now,
			uint64_t dt)
{
	const struct pl_detect_cfg *c = &d->c;
	struct det_flood *f = &t->f[w];
	uint64_t win = w == F_SYN ? c->syn_window_ns : w == F_UDP ? c->udp_window_ns :
		       c->icmp_window_ns;
	uint64_t ban = w == F_SYN ? c->syn_ban_ns : w == F_UDP ? c->udp_ban_ns : c->icmp_ban_ns;
	uint64_t lim = w == F_SYN ? c->syn_limit_ns : w == F_UDP ? c->udp_limit_ns :
		       c->icmp_limit_ns;
	uint32_t pps = w == F_SYN ? c->syn_limit_pps : w == F_UDP ? c->udp_limit_pps :
		       c->icmp_limit_pps;
	double rate = flood_rate(c, w);
	double el, unans = 0, share;
	struct det_notice n = { .note = flood_notes[w], .port = -1 };
	char ev[256], ds[64], ss[64];
	uint8_t top[16];
	uint64_t topn, nsrc, a;
	/* seen: its answers are visible (--egress, or the destination was
	 * heard in this window: a capture of both directions); harm: the
	 * answers collapsed, so a spoofed flood's destination is limited */
	int seen = 0, harm = 1, rate_only = 0, len;

	if (t->lim_until[w] > now && dt &&
	    (double)f->tick_n / det_secs(dt) < rate)
		limit_release(d, t, w, now, (double)f->tick_n / det_secs(dt));
	f->tick_n = 0;
	if (!f->start) {
		f->answered = f->unreach = 0;   /* answers to nothing counted */
		return;
	}
	if ((double)f->n < rate * det_secs(win))
		goto window;
	seen = c->egress || (t->heard && t->heard >= f->start);
	a = f->answered < f->n ? f->answered : f->n;
	if (w == F_SYN) {
		unans = (double)(f->n - a) / (double)f->n;
		if (unans < c->syn_unanswered) {
			if (!f->over) {
				f->over = 1;
				d->syn_answered++;
			}
			goto window;
		}
		snprintf(ev, sizeof(ev), "handshakes: %llu of %llu SYNs completed (the senders' ACKs "
			 "seen)", (unsigned long long)a, (unsigned long long)f->n);
	} else if (w == F_UDP && seen) {
		unans = (double)(f->n - a) / (double)f->n;
		if (unans < c->udp_unanswered) {
			/* a busy service answering: not a flood */
			if (!f->over) {
				f->over = 1;
				d->udp_answered++;
			}
			goto window;
		}
		snprintf(ev, sizeof(ev), "answers: %llu datagrams back for %llu (%.0f%% unanswered), "
			 "%llu ICMP unreachables", (unsigned long long)a, (unsigned long long)f->n,
			 unans * 100, (unsigned long long)f->unreach);
	} else if (w == F_UDP) {
		rate_only = 1;
		snprintf(ev, sizeof(ev), "rate alone: the destination's answers are not seen "
			 "(run with --egress to see them); alert only");
	} else if (seen && f->echo_req) {
		uint64_t r = f->answered < f->echo_req ? f->answered : f->echo_req;

		unans = (double)(f->echo_req - r) / (double)f->echo_req;
		harm = unans >= c->icmp_unanswered;
		snprintf(ev, sizeof(ev), "echo replies: %llu for %llu echo requests (%.0f%% "
			 "unanswered)", (unsigned long long)r, (unsigned long long)f->echo_req,
			 unans * 100);
	} else {
		snprintf(ev, sizeof(ev), "%s", seen ? "rate alone: no echo request among them" :
			 "rate alone: the destination's echo replies are not seen (run with "
			 "--egress to see them)");
	}
	el = det_secs(det_since(now, f->start));
	if (el < 0.001)
		el = 0.001;
	topn = det_hh_top(&f->hh, top);
	share = (double)topn / (double)f->n;
	n.ts = now;
	n.dst = t->addr;
	n.n = f->n;
	n.evidence = ev;
	n.suppress_ns = win;
	n.supp_by_dst = 1;
	if (w != F_ICMP && f->port)
		n.port = f->port;
	det_addr(t->addr, ds, sizeof(ds));
	len = snprintf(n.msg, sizeof(n.msg), "%s flood against %s: %llu %s in %.1fs (%.0f/s",
		       w == F_SYN ? "SYN" : w == F_UDP ? "UDP" : "ICMP", ds,
		       (unsigned long long)f->n, flood_what[w], el, (double)f->n / el);
	if (w == F_SYN || (seen && (w == F_UDP || f->echo_req)))
		len += snprintf(n.msg + len, sizeof(n.msg) - (size_t)len, ", %.0f%% unanswered",
				unans * 100);
	nsrc = det_sketch_count(f->srcs);
	if (topn && share >= c->flood_share) {
		det_addr(top, ss, sizeof(ss));
		n.src = top;
		len += snprintf(n.msg + len, sizeof(n.msg) - (size_t)len,
				"), %.0f%% of it from %s", share * 100, ss);
		if (rate_only)
			snprintf(n.msg + len, sizeof(n.msg) - (size_t)len, "; %s", ev);
		else {
			n.ban = top;
			n.ban_ns = ban;
		}
	} else if (nsrc >= c->flood_spoofed) {
		len += snprintf(n.msg + len, sizeof(n.msg) - (size_t)len,
				") from ~%llu sources, none above %.0f%%: spoofed or distributed",
				(unsigned long long)nsrc, share * 100);
		snprintf(n.sub, sizeof(n.sub), "spoofed or distributed sources");
		if (rate_only || !harm) {
			snprintf(n.msg + len, sizeof(n.msg) - (size_t)len, "; %s",
				 rate_only ? ev : "the destination keeps answering: alert only");
		} else {
			/* nobody to ban: cap what reaches the destination */
			n.limit_ns = lim;
			n.limit_pps = pps;
			n.limit_proto = w == F_SYN ? PL_DLIM_SYN : w == F_UDP ? PL_DLIM_UDP :
					det_is_v4(t->addr) ? PL_DLIM_ICMP : PL_DLIM_ICMP6;
			n.limit_port = w != F_ICMP && !f->ports ? f->port : 0;
			if (lim && n.limit_port)
				snprintf(n.msg + len, sizeof(n.msg) - (size_t)len,
					 "; limit: %s to port %u, %u/s", flood_what[w], n.limit_port,
					 pps);
			else if (lim)
				snprintf(n.msg + len, sizeof(n.msg) - (size_t)len,
					 "; limit: %s to it, %u/s", flood_what[w], pps);
			else
				snprintf(n.msg + len, sizeof(n.msg) - (size_t)len, "; alert only");
		}
	} else {
		snprintf(n.msg + len, sizeof(n.msg) - (size_t)len,
			 ") from ~%llu sources, none above %.0f%%; alert only",
			 (unsigned long long)nsrc, share * 100);
		snprintf(n.sub, sizeof(n.sub), "a few sources, none dominant");
	}
	det_raise(d, &n);
	if (n.limit_ns && n.mitigated) {
		if (now + lim > t->limited_until)
			t->limited_until = now + lim;
		if (!t->lim_until[w])
			t->lim_since[w] = now;
		t->lim_until[w] = now + lim;
		t->lim_proto[w] = n.limit_proto;
		t->lim_port[w] = n.limit_port;
		det_trust_push_all(d, t, now);
	}
window:
	if (det_since(now, f->start) >= win)
		memset(f, 0, sizeof(*f));
}

/* ---- one source far above the others --------------------------------------- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Lower median of sorted v[0..m) without one element equal to `self` (which
 * is in v): a binary search, as every hot source asks once per tick. */
static uint64_t median_without(const uint64_t *v, size_t m, uint64_t self)
{
	size_t lo = 0, hi = m, idx;

	if (m < 2)
		return 0;
	while (lo < hi) {               /* first element >= self */
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid] < self)
			lo = mid + 1;
		else
			hi = mid;
	}
	idx = (m - 2) / 2;              /* among the other m - 1 */
	if (idx >= lo)
		idx++;
	return v[idx < m ? idx : m - 1];
}

/* Above the absolute floor: only such a source can be an outlier, so the
 * medians are not worked out on a tick where there is none. */
static int over_floor(const struct pl_detect_cfg *c, const struct det_src *s, double w)
{
	return s->rate_pkts && ((double)s->rate_pkts >= c->src_pps * w ||
				(double)s->rate_bytes >= c->src_bps * w);
}

static void rate_check(struct pl_detect *d, uint64_t now)
{
	const struct pl_detect_cfg *c = &d->c;
	double w = det_secs(c->src_window_ns), el;
	uint64_t *pk, *by;
	struct det_src *s;
	size_t m = 0, hot = 0;

	if (!d->rate_start) {
		d->rate_start = now;
		return;
	}
	for (s = d->srcs; s; s = s->hh.next)
		if (s->rate_pkts) {
			m++;
			hot += (size_t)over_floor(c, s, w);
		}
	if (!hot)
		goto reset;
	pk = malloc(m * sizeof(*pk));
	by = malloc(m * sizeof(*by));
	if (!pk || !by) {
		free(pk);
		free(by);
		goto reset;
	}
	m = 0;
	for (s = d->srcs; s; s = s->hh.next)
		if (s->rate_pkts) {
			pk[m] = s->rate_pkts;
			by[m++] = s->rate_bytes;
		}
	qsort(pk, m, sizeof(*pk), cmp_u64);
	qsort(by, m, sizeof(*by), cmp_u64);
	el = det_secs(det_since(now, d->rate_start));
	if (el < 0.001)
		el = 0.001;
	for (s = d->srcs; s; s = s->hh.next) {
		uint64_t mp, mb;
		int hot_p, hot_b;
		struct det_notice n = { .note = PL_NOTE_SOURCE_RATE, .port = -1 };
		char ss[64];

		if (!over_floor(c, s, w))
			continue;
		mp = median_without(pk, m, s->rate_pkts);
		mb = median_without(by, m, s->rate_bytes);
		hot_p = (double)s->rate_pkts >= c->src_pps * w &&
			(double)s->rate_pkts >= c->src_factor * (double)mp;
		hot_b = (double)s->rate_bytes >= c->src_bps * w &&
			(double)s->rate_bytes >= c->src_factor * (double)mb;
		if (!hot_p && !hot_b)
			continue;
		det_addr(s->addr, ss, sizeof(ss));
		n.ts = now;
		n.src = s->addr;
		n.n = s->rate_pkts;
		n.ban = s->addr;
		n.ban_ns = c->src_ban_ns;
		n.suppress_ns = c->src_window_ns;
		snprintf(n.msg, sizeof(n.msg),
			 "%s sent %llu packets, %llu bytes in %.1fs (%.0f pkt/s, %.0f B/s): "
			 "%.0fx the median source (%.0f pkt/s, %.0f B/s)",
			 ss, (unsigned long long)s->rate_pkts, (unsigned long long)s->rate_bytes,
			 el, (double)s->rate_pkts / el, (double)s->rate_bytes / el,
			 hot_p ? (double)s->rate_pkts / (double)(mp ? mp : 1) :
				 (double)s->rate_bytes / (double)(mb ? mb : 1),
			 (double)mp / el, (double)mb / el);
		det_raise(d, &n);
	}
	free(pk);
	free(by);
reset:
	if (det_since(now, d->rate_start) >= c->src_window_ns) {
		for (s = d->srcs; s; s = s->hh.next)
			s->rate_pkts = s->rate_bytes = 0;
		d->rate_start = now;
	}
}

/* ---- learned baseline per host --------------------------------------------- */

static void baseline_sample(struct pl_detect *d, struct det_src *s, uint64_t now, double iv)
{
	static const char *metric[3] = { "packets/s", "bytes/s", "new flows/s" };
	const struct pl_detect_cfg *c = &d->c;
	uint64_t pkts = s->b_pkts;      /* the notice counts these exactly */
	double x[3], z, zbest = 0;
	int i, best = -1;

	x[0] = (double)s->b_pkts / iv;
	x[1] = (double)s->b_bytes / iv;
	x[2] = (double)s->b_flows / iv;
	s->b_pkts = s->b_bytes = s->b_flows = 0;
	if (!s->b_samples) {
		if (x[0] == 0 && x[2] == 0)
			return;         /* nothing learned yet */
		s->b_first = now;
		for (i = 0; i < 3; i++) {
			s->mean[i] = x[i];
			s->dev[i] = x[i] / 2;
		}
		s->b_samples = 1;
		return;
	}
	/* warm-up: learning only */
	if (det_since(now, s->b_first) >= c->base_warmup_ns && x[0] >= c->base_min_pps) {
		d->base_judged++;
		if (!s->b_judged) {
			s->b_judged = 1;
			d->base_hosts++;
		}
		for (i = 0; i < 3; i++) {
			double dev = s->dev[i] > 0.05 * s->mean[i] + 1 ? s->dev[i] :
				     0.05 * s->mean[i] + 1;

			z = (x[i] - s->mean[i]) / dev;
			if (z > c->base_k && z > zbest) {
				zbest = z;
				best = i;
			}
		}
	}
	if (best >= 0) {
		struct det_notice n = { .note = PL_NOTE_BASELINE, .port = -1 };
		char ss[64];

		det_addr(s->addr, ss, sizeof(ss));
		n.ts = now;
		n.src = s->addr;
		/* not x[0] * iv: near 2^64 a double rounds to 2^64, which no
		 * uint64_t holds (undefined behaviour) */
		n.n = pkts;
		n.ban = s->addr;
		n.ban_ns = c->base_ban_ns;
		n.suppress_ns = c->base_interval_ns;
		snprintf(n.msg, sizeof(n.msg),
			 "%s: %.0f %s, %.1f deviations above its learned %.1f (deviation %.1f, "
			 "learned over %.0fs)", ss, x[best], metric[best], zbest, s->mean[best],
			 s->dev[best], det_secs(det_since(now, s->b_first)));
		snprintf(n.sub, sizeof(n.sub), "%s", metric[best]);
		det_raise(d, &n);
	}
	for (i = 0; i < 3; i++) {
		double err = x[i] - s->mean[i];

		s->mean[i] += c->base_alpha * err;
		s->dev[i] += c->base_alpha * (fabs(err) - s->dev[i]);
	}
	s->b_samples++;
}

static void baseline_tick(struct pl_detect *d, uint64_t now)
{
	struct det_src *s, *t;
	double iv;

	if (!d->base_start) {
		d->base_start = now;
		return;
	}
	if (det_since(now, d->base_start) < d->c.base_interval_ns)
		return;
	iv = det_secs(det_since(now, d->base_start));
	HASH_ITER(hh, d->srcs, s, t) {
		baseline_sample(d, s, now, iv);
		/* forget hosts long quiet whose learned rates have decayed */
		if (det_since(now, s->last) > 30 * d->c.base_interval_ns && s->mean[0] < 0.01 &&
		    s->mean[2] < 0.01 && !s->rate_pkts) {
			HASH_DEL(d->srcs, s);
			free(s);
			d->nsrcs--;
		}
	}
	d->base_start = now;
}

void det_flood_tick(struct pl_detect *d, uint64_t now)
{
	struct det_dst *t, *tmp;
	uint64_t dt = d->flood_tick ? det_since(now, d->flood_tick) : 0;
	int w;

	d->flood_tick = now;
	HASH_ITER(hh, d->dsts, t, tmp) {
		for (w = 0; w < 3; w++)
			flood_check(d, t, w, now, dt);
		if (!t->f[0].start && !t->f[1].start && !t->f[2].start &&
		    det_since(now, t->last) > 60000000000ull && t->limited_until <= now) {
			HASH_DEL(d->dsts, t);
			free(t);
			d->ndsts--;
		}
	}
	rate_check(d, now);
	baseline_tick(d, now);
	det_trust_expire(d, now);
}

void det_flood_free(struct pl_detect *d)
{
	struct det_dst *t, *tt;
	struct det_src *s, *st;

	det_trust_free(d);
	HASH_ITER(hh, d->dsts, t, tt) {
		HASH_DEL(d->dsts, t);
		free(t);
	}
	HASH_ITER(hh, d->srcs, s, st) {
		HASH_DEL(d->srcs, s);
		free(s);
	}
	d->ndsts = d->nsrcs = 0;
}
