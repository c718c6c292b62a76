/* SPDX-License-Identifier: BSD-3-Clause */
/* detect_arp.c - ARP spoofing: an IPv4 address whose MAC binding changes
 * (per interface and VLAN), and storms of gratuitous ARP (sender address ==
 * target address) from one MAC. The notice names the MAC that claims the
 * address and, when that MAC has claimed an address of its own before, that
 * address as src.
 *
 * Bans act on IP sources, and ARP has none; a changed binding is pinned
 * instead: for arp-pin, the kernel drops ARP frames that claim the address
 * from another MAC than the established one (the first that claimed it),
 * and the detection keeps that binding too. A real change (a new NIC) looks
 * the same, but the old MAC then falls silent: a pin is renewed by a new
 * claim only if the pinned MAC has spoken since it was pinned, and once it
 * runs out with that MAC silent all along, the new binding is taken. */
#include "detect_int.h"

#include <stdlib.h>
#include <string.h>

struct det_arp_ip_key {
	uint8_t ip[4];
	uint32_t ifindex;
	uint16_t vlan, pad;
};

struct det_arp_ip {
	struct det_arp_ip_key k;
	UT_hash_handle hh;
	uint8_t mac[6];
	uint64_t since, last;
	uint64_t owner_seen;            /* latest claim by mac */
	uint64_t pinned_at, pinned_until;       /* 0: never pinned */
};

struct det_arp_mac {
	uint8_t mac[6];
	UT_hash_handle hh;
	uint8_t ip[4];                  /* the first address it claimed */
	uint64_t start, last;           /* gratuitous window */
	uint32_t grat;
};

static void mac_str(const uint8_t *m, char *out, size_t len)
{
	snprintf(out, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static void mapped(const uint8_t ip[4], uint8_t out[16])
{
	memset(out, 0, 16);
	out[10] = out[11] = 0xff;
	memcpy(out + 12, ip, 4);
}

static struct det_arp_mac *mac_get(struct pl_detect *d, const uint8_t mac[6],
				   const uint8_t ip[4], uint64_t ts)
{
	struct det_arp_mac *m;

	HASH_FIND(hh, d->arp_macs, mac, 6, m);
	if (!m) {
		if (d->narp >= DET_MAX_ENTRIES || !(m = calloc(1, sizeof(*m)))) {
			d->dropped[PL_DT_ARP]++;
			return NULL;
		}
		memcpy(m->mac, mac, 6);
		memcpy(m->ip, ip, 4);
		HASH_ADD(hh, d->arp_macs, mac, 6, m);
		d->narp++;
	}
	if (!m->start || det_since(ts, m->start) >= d->c.arp_window_ns) {
		m->start = ts;
		m->grat = 0;
	}
	m->last = ts;
	return m;
}

/* A claim on b's address by another MAC than b's. */
static void binding_changed(struct pl_detect *d, struct det_arp_ip *b, const struct pl_ev_arp *e,
			    const struct det_arp_mac *m, uint64_t ts)
{
	static const uint8_t zero[4];
	const struct pl_detect_cfg *c = &d->c;
	struct det_notice n = { .note = PL_NOTE_ARP_CHANGED, .port = -1 };
	uint8_t claimed[16], own[16], target[16];
	char ms[24], os[24], is[64], ws[64];
	int other = memcmp(m->ip, e->spa, 4) != 0;
	int pinned = b->pinned_until > ts, len, raised;
	const char *tail;

	mapped(e->spa, claimed);
	mapped(m->ip, own);
	mapped(e->tpa, target);
	mac_str(e->sha, ms, sizeof(ms));
	mac_str(b->mac, os, sizeof(os));
	det_addr(claimed, is, sizeof(is));
	det_addr(own, ws, sizeof(ws));
	n.ts = ts;
	n.src = other ? own : NULL;     /* the claimer's own address, if known */
	n.dst = memcmp(e->tpa, zero, 4) ? target : NULL;
	n.n = 1;
	n.src_mac = ms;
	n.supp_key = claimed;
	n.suppress_ns = c->arp_window_ns;
	if (!c->arp_pin_ns) {
		tail = "; alert only";
	} else if (b->pinned_until && !pinned && b->owner_seen < b->pinned_at) {
		/* the pin ran out and the pinned MAC never spoke: a real change */
		tail = "; taken: the pinned MAC was silent through its pin";
	} else if (pinned && b->owner_seen < b->pinned_at) {
		tail = "; pin not renewed: the pinned MAC has been silent since";
	} else {
		n.pin_ns = c->arp_pin_ns;
		n.pin_ip = e->spa;
		n.pin_mac = b->mac;
		n.pin_ifindex = b->k.ifindex;
		n.pin_vlan = b->k.vlan;
		tail = "; pinned to the established MAC";
	}
	len = snprintf(n.msg, sizeof(n.msg), "%s moved from %s to %s (ARP %s, bound %.1fs)", is, os,
		       ms, e->op == 2 ? "reply" : "request", det_secs(det_since(ts, b->since)));
	if (other)
		len += snprintf(n.msg + len, sizeof(n.msg) - (size_t)len, "; %s is also %s", ms, ws);
	snprintf(n.msg + len, sizeof(n.msg) - (size_t)len, "%s", tail);
	snprintf(n.sub, sizeof(n.sub), "%s is-at %s (was %s)", is, ms, os);
	raised = det_raise(d, &n);
	if (c->arp_pin_ns) {
		if (raised && n.pin_ns) {
			/* dry run or not, so that a capture replays as it ran */
			b->pinned_at = ts;
			b->pinned_until = ts + n.pin_ns;
			return;
		}
		if (!raised || pinned)
			return;         /* the established binding is kept */
	}
	memcpy(b->mac, e->sha, 6);
	b->since = ts;
	b->owner_seen = ts;
	b->pinned_at = b->pinned_until = 0;
}

void det_arp_event(struct pl_detect *d, const struct pl_ev_arp *e)
{
	static const uint8_t zero[6];
	const struct pl_detect_cfg *c = &d->c;
	uint64_t ts = e->h.ts_ns;
	struct det_arp_ip_key k;
	struct det_arp_mac *m;
	struct det_arp_ip *b;
	uint8_t claimed[16];
	char ms[24], is[64];

	if (!memcmp(e->sha, zero, 6) || !memcmp(e->spa, zero, 4))
		return;                 /* a probe (RFC 5227): claims nothing */
	m = mac_get(d, e->sha, e->spa, ts);
	if (!m)
		return;
	mapped(e->spa, claimed);
	mac_str(e->sha, ms, sizeof(ms));
	det_addr(claimed, is, sizeof(is));
	if (!memcmp(e->spa, e->tpa, 4) && ++m->grat >= c->arp_storm) {
		struct det_notice n = { .note = PL_NOTE_ARP_STORM, .port = -1 };

		n.ts = ts;
		n.src = claimed;
		n.n = m->grat;
		n.src_mac = ms;
		n.supp_key = claimed;
		n.suppress_ns = c->arp_window_ns;
		snprintf(n.msg, sizeof(n.msg), "%s sent %u gratuitous ARPs (for %s) in %.1fs",
			 ms, m->grat, is, det_secs(det_since(ts, m->start)));
		det_raise(d, &n);
	}

	memset(&k, 0, sizeof(k));
	memcpy(k.ip, e->spa, 4);
	k.ifindex = e->h.key.ifindex;
	k.vlan = e->h.key.vlan;
	HASH_FIND(hh, d->arp_ips, &k, sizeof(k), b);
	if (!b) {
		if (d->narp >= DET_MAX_ENTRIES || !(b = calloc(1, sizeof(*b)))) {
			d->dropped[PL_DT_ARP]++;
			return;
		}
		b->k = k;
		memcpy(b->mac, e->sha, 6);
		b->since = b->owner_seen = ts;
		HASH_ADD(hh, d->arp_ips, k, sizeof(k), b);
		d->narp++;
	} else if (!memcmp(b->mac, e->sha, 6)) {
		b->owner_seen = ts;
	} else {
		binding_changed(d, b, e, m, ts);
	}
	b->last = ts;
}

void det_arp_tick(struct pl_detect *d, uint64_t now)
{
	struct det_arp_mac *m, *mt;
	struct det_arp_ip *b, *bt;

	/* bindings are remembered an hour after they were last seen */
	HASH_ITER(hh, d->arp_ips, b, bt)
		if (det_since(now, b->last) > 3600000000000ull && b->pinned_until <= now) {
			HASH_DEL(d->arp_ips, b);
			free(b);
			d->narp--;
		}
	HASH_ITER(hh, d->arp_macs, m, mt)
		if (det_since(now, m->last) > 3600000000000ull) {
			HASH_DEL(d->arp_macs, m);
			free(m);
			d->narp--;
		}
}

void det_arp_free(struct pl_detect *d)
{
	struct det_arp_mac *m, *mt;
	struct det_arp_ip *b, *bt;

	HASH_ITER(hh, d->arp_ips, b, bt) {
		HASH_DEL(d->arp_ips, b);
		free(b);
	}
	HASH_ITER(hh, d->arp_macs, m, mt) {
		HASH_DEL(d->arp_macs, m);
		free(m);
	}
	d->narp = 0;
}
