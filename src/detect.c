/* SPDX-License-Identifier: BSD-3-Clause */
/* detect.c - the detector: dispatch of collector hooks to the detections,
 * notices (Zeek's notice log), suppression, mitigation, counters. */
#include "detect_int.h"

#include <stdlib.h>
#include <string.h>

#include "records.h"

static const char *const note_names[PL_NOTE__COUNT] = {
	[PL_NOTE_SYN_FLOOD] = "Flood::SYN_Flood",
	[PL_NOTE_UDP_FLOOD] = "Flood::UDP_Flood",
	[PL_NOTE_ICMP_FLOOD] = "Flood::ICMP_Flood",
	[PL_NOTE_SOURCE_RATE] = "Flood::Source_Rate_Outlier",
	[PL_NOTE_PORT_SCAN] = "Scan::Port_Scan",
	[PL_NOTE_ADDRESS_SCAN] = "Scan::Address_Scan",
	[PL_NOTE_BAD_FLAGS] = "Scan::Bad_TCP_Flags",
	[PL_NOTE_DNS_TUNNEL] = "DNS::Tunneling",
	[PL_NOTE_ARP_CHANGED] = "ARP::Binding_Changed",
	[PL_NOTE_ARP_STORM] = "ARP::Gratuitous_Storm",
	[PL_NOTE_BASELINE] = "Anomaly::Baseline",
	[PL_NOTE_LIMIT_RELEASED] = "Flood::Limit_Released",
};

const char *pl_note_name(enum pl_note n)
{
	return (unsigned)n < PL_NOTE__COUNT ? note_names[n] : "?";
}

static const char *const table_names[PL_DT__COUNT] = {
	[PL_DT_DESTINATIONS] = "destinations",
	[PL_DT_SOURCES] = "sources",
	[PL_DT_TRUST] = "trusted handshakes",
	[PL_DT_SCAN_SOURCES] = "scan sources",
	[PL_DT_SCAN_PAIRS] = "scan pairs",
	[PL_DT_SCAN_PROBES] = "scan probes",
	[PL_DT_DNS] = "DNS domains",
	[PL_DT_ARP] = "ARP",
	[PL_DT_DNS_NAMES] = "DNS names",
	[PL_DT_SUPPRESS] = "suppression",
};

const char *pl_detect_table_name(enum pl_detect_table t)
{
	return (unsigned)t < PL_DT__COUNT ? table_names[t] : "?";
}

double det_secs(uint64_t ns)
{
	return (double)ns / 1e9;
}

void det_addr(const uint8_t *a, char *out, size_t len)
{
	if (a)
		pl_addr_str(a, out, len);
	else
		snprintf(out, len, "-");
}

/* ---- suppression ---------------------------------------------------------- */

struct det_supp_key {
	uint32_t note;
	uint8_t src[16], dst[16];
};

struct det_supp {
	struct det_supp_key k;
	uint64_t until;
	UT_hash_handle hh;
};

int det_suppressed(struct pl_detect *d, enum pl_note note, const uint8_t *src,
		   const uint8_t *dst, uint64_t ts, uint64_t for_ns)
{
	struct det_supp_key k;
	struct det_supp *s;

	memset(&k, 0, sizeof(k));
	k.note = note;
	if (src)
		memcpy(k.src, src, 16);
	if (dst)
		memcpy(k.dst, dst, 16);
	HASH_FIND(hh, d->supp, &k, sizeof(k), s);
	if (s && ts < s->until)
		return 1;
	if (!s) {
		if (d->nsupp >= DET_MAX_ENTRIES || !(s = calloc(1, sizeof(*s)))) {
			d->dropped[PL_DT_SUPPRESS]++;
			return 0;       /* cannot remember: raise it anyway */
		}
		s->k = k;
		HASH_ADD(hh, d->supp, k, sizeof(k), s);
		d->nsupp++;
	}
	s->until = ts + for_ns;
	return 0;
}

void det_unsuppress(struct pl_detect *d, enum pl_note note, const uint8_t *dst)
{
	struct det_supp_key k;
	struct det_supp *s;

	memset(&k, 0, sizeof(k));
	k.note = note;
	if (dst)
		memcpy(k.dst, dst, 16);
	HASH_FIND(hh, d->supp, &k, sizeof(k), s);
	if (s) {
		HASH_DEL(d->supp, s);
		free(s);
		d->nsupp--;
	}
}

static void supp_prune(struct pl_detect *d, uint64_t now)
{
	struct det_supp *s, *t;

	HASH_ITER(hh, d->supp, s, t)
		if (s->until <= now) {
			HASH_DEL(d->supp, s);
			free(s);
			d->nsupp--;
		}
}

/* ---- notices -------------------------------------------------------------- */

static void action(struct json_object *actions, const char *a)
{
	json_object_array_add(actions, json_object_new_string(a));
}

static void ban(struct pl_detect *d, struct det_notice *n, struct json_object *o,
		struct json_object *actions)
{
	char err[256];

	pl_rec_secs(o, "ban_for", n->ban_ns);
	if (d->c.dry_run || !d->act.ban) {
		d->bans_dry++;
		action(actions, "pktlens::ACTION_DRY_RUN_BAN");
		return;
	}
	if (d->act.ban(d->act.ctx, n->ban, n->ban_ns, (uint32_t)n->note + 1, err, sizeof(err))) {
		d->bans_refused++;
		action(actions, "pktlens::ACTION_BAN_REFUSED");
		pl_rec_add(o, "ban_error", json_object_new_string(err));
		return;
	}
	d->bans++;
	n->mitigated = 1;
	action(actions, "pktlens::ACTION_BAN");
}

static void limit(struct pl_detect *d, struct det_notice *n, struct json_object *o,
		  struct json_object *actions)
{
	char err[256];

	pl_rec_secs(o, "limit_for", n->limit_ns);
	pl_rec_u64(o, "limit_pps", n->limit_pps);
	if (d->c.dry_run || !d->act.limit) {
		d->limits_dry++;
		action(actions, "pktlens::ACTION_DRY_RUN_RATE_LIMIT_DST");
		return;
	}
	if (d->act.limit(d->act.ctx, n->dst, n->limit_proto, n->limit_port, n->limit_pps,
			 n->limit_ns, (uint32_t)n->note + 1, err, sizeof(err))) {
		d->limits_failed++;
		action(actions, "pktlens::ACTION_RATE_LIMIT_DST_FAILED");
		pl_rec_add(o, "limit_error", json_object_new_string(err));
		return;
	}
	d->limits++;
	n->mitigated = 1;
	action(actions, "pktlens::ACTION_RATE_LIMIT_DST");
}

static void pin(struct pl_detect *d, struct det_notice *n, struct json_object *o,
		struct json_object *actions)
{
	const uint8_t *m = n->pin_mac;
	char err[256], ms[24];
	int restored = 0;

	pl_rec_secs(o, "pin_for", n->pin_ns);
	snprintf(ms, sizeof(ms), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	pl_rec_add(o, "pinned_mac", json_object_new_string(ms));
	if (d->c.dry_run || !d->act.pin) {
		d->pins_dry++;
		action(actions, "pktlens::ACTION_DRY_RUN_PIN_ARP");
		return;
	}
	if (d->act.pin(d->act.ctx, n->pin_ip, n->pin_ifindex, n->pin_vlan, m, n->pin_ns,
		       (uint32_t)n->note + 1, &restored, err, sizeof(err))) {
		d->pins_failed++;
		action(actions, "pktlens::ACTION_PIN_ARP_FAILED");
		pl_rec_add(o, "pin_error", json_object_new_string(err));
		return;
	}
	d->pins++;
	n->mitigated = 1;
	action(actions, "pktlens::ACTION_PIN_ARP");
	if (restored)
		pl_rec_add(o, "neigh_restored", json_object_new_boolean(1));
}

/* A notice asks for at most one of them. */
static void mitigate(struct pl_detect *d, struct det_notice *n, struct json_object *o,
		     struct json_object *actions)
{
	if (n->ban && n->ban_ns)
		ban(d, n, o, actions);
	else if (n->limit_ns && n->dst)
		limit(d, n, o, actions);
	else if (n->pin_ns && n->pin_ip && n->pin_mac)
		pin(d, n, o, actions);
}

int det_raise(struct pl_detect *d, struct det_notice *n)
{
	struct json_object *o, *actions;
	char s[64];

	if (n->supp_key ? det_suppressed(d, n->note, n->supp_key, NULL, n->ts, n->suppress_ns) :
	    det_suppressed(d, n->note, n->supp_by_dst ? NULL : n->src, n->dst, n->ts,
			   n->suppress_ns))
		return 0;
	d->count[n->note]++;
	o = pl_rec_new("notice");
	pl_rec_ts(o, "ts", n->ts + d->offset);
	if (n->uid)
		pl_rec_add(o, "uid", json_object_new_string(n->uid));
	pl_rec_add(o, "note", json_object_new_string(pl_note_name(n->note)));
	/* msg and sub quote names from the network (and may end in a
	 * character cut short by the buffer): escaped, valid UTF-8 */
	pl_rec_strz(o, "msg", n->msg);
	if (n->sub[0])
		pl_rec_strz(o, "sub", n->sub);
	if (n->src) {
		det_addr(n->src, s, sizeof(s));
		pl_rec_add(o, "src", json_object_new_string(s));
	}
	if (n->dst) {
		det_addr(n->dst, s, sizeof(s));
		pl_rec_add(o, "dst", json_object_new_string(s));
	}
	if (n->port >= 0)
		pl_rec_add(o, "p", json_object_new_int(n->port));
	pl_rec_u64(o, "n", n->n);
	if (n->evidence)
		pl_rec_strz(o, "evidence", n->evidence);
	if (n->src_mac)
		pl_rec_add(o, "src_mac", json_object_new_string(n->src_mac));
	pl_rec_add(o, "peer_descr", json_object_new_string("pktlens"));
	actions = json_object_new_array();
	json_object_array_add(actions, json_object_new_string("Notice::ACTION_LOG"));
	mitigate(d, n, o, actions);
	if (n->action)
		action(actions, n->action);
	if (n->action_error)
		pl_rec_strz(o, "release_error", n->action_error);
	pl_rec_add(o, "actions", actions);
	pl_rec_secs(o, "suppress_for", n->suppress_ns);
	pl_sink_write(d->sink, "notice", o);
	pl_sink_flush(d->sink);         /* a notice is read at once, not at the next sweep */
	return 1;
}

/* ---- hooks ---------------------------------------------------------------- */

static void seen(struct pl_detect *d, uint64_t ts)
{
	if (ts > d->now)
		d->now = ts;
}

static void on_flow_new(void *ctx, const struct pl_ev_flow *e, const char *uid)
{
	struct pl_detect *d = ctx;

	seen(d, e->h.ts_ns);
	det_flood_flow_new(d, e);
	det_scan_flow_new(d, e, uid);
}

static void on_dns(void *ctx, uint64_t ts, const struct pl_flow_key *k,
		   const struct pl_dns *q, const char *uid)
{
	struct pl_detect *d = ctx;

	seen(d, ts);
	det_dns_msg(d, ts, k, q, uid);
}

static void on_arp(void *ctx, const struct pl_ev_arp *e)
{
	struct pl_detect *d = ctx;

	seen(d, e->h.ts_ns);
	det_arp_event(d, e);
}

static void on_flow_delta(void *ctx, const struct pl_flow_key *k, const struct pl_flow_delta *dl)
{
	struct pl_detect *d = ctx;

	det_flood_delta(d, k, dl);
	det_scan_delta(d, k, dl);
}

static void on_tick(void *ctx, uint64_t now)
{
	struct pl_detect *d = ctx;

	/* offline, the final sweep has no time of its own: the last event's */
	seen(d, now);
	now = d->now;
	if (!now)
		return;
	det_flood_tick(d, now);
	det_scan_tick(d, now);
	det_dns_tick(d, now);
	det_arp_tick(d, now);
	supp_prune(d, now);
}

/* ---- life ----------------------------------------------------------------- */

struct pl_detect *pl_detect_new(const struct pl_detect_cfg *cfg, struct pl_sink *sink,
				uint64_t clock_offset_ns, const struct pl_detect_actions *act)
{
	struct pl_detect *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->c = *cfg;
	d->sink = sink;
	d->offset = clock_offset_ns;
	if (act)
		d->act = *act;
	det_dns_init(d);
	return d;
}

void pl_detect_hooks(struct pl_detect *d, struct pl_collector_hooks *h)
{
	memset(h, 0, sizeof(*h));
	h->ctx = d;
	h->on_flow_new = on_flow_new;
	h->on_dns = on_dns;
	h->on_arp = on_arp;
	h->on_flow_delta = on_flow_delta;
	h->on_tick = on_tick;
}

uint64_t pl_detect_count(const struct pl_detect *d, enum pl_note n)
{
	return (unsigned)n < PL_NOTE__COUNT ? d->count[n] : 0;
}

uint64_t pl_detect_total(const struct pl_detect *d)
{
	uint64_t t = 0;
	int i;

	for (i = 0; i < PL_NOTE__COUNT; i++)
		t += d->count[i];
	return t;
}

void pl_detect_activity(const struct pl_detect *d, struct pl_detect_activity *a)
{
	int i;

	a->sources = d->nsrcs;
	a->destinations = d->ndsts;
	a->base_samples = d->base_judged;
	a->base_hosts = d->base_hosts;
	a->syn_answered = d->syn_answered;
	a->udp_answered = d->udp_answered;
	a->untracked = 0;
	for (i = 0; i < PL_DT__COUNT; i++) {
		a->untracked_in[i] = d->dropped[i];
		a->untracked += d->dropped[i];
	}
}

void pl_detect_summary(const struct pl_detect *d, FILE *f)
{
	struct pl_detect_activity a;
	int i, k = 0;

	fprintf(f, "  notices: %llu", (unsigned long long)pl_detect_total(d));
	for (i = 0; i < PL_NOTE__COUNT; i++)
		if (d->count[i])
			fprintf(f, "%s%s %llu", k++ ? ", " : " (", pl_note_name(i),
				(unsigned long long)d->count[i]);
	fprintf(f, "%s; bans %llu, refused %llu, dry-run %llu; destination limits %llu, released %llu, "
		"failed %llu, dry-run %llu; ARP pins %llu, failed %llu, dry-run %llu%s\n", k ? ")" : "",
		(unsigned long long)d->bans, (unsigned long long)d->bans_refused,
		(unsigned long long)d->bans_dry, (unsigned long long)d->limits,
		(unsigned long long)d->limits_released,
		(unsigned long long)d->limits_failed, (unsigned long long)d->limits_dry,
		(unsigned long long)d->pins, (unsigned long long)d->pins_failed,
		(unsigned long long)d->pins_dry, d->c.dry_run ? " (detect-dry-run)" : "");
	pl_detect_activity(d, &a);
	fprintf(f, "  judged: baseline %llu samples of %llu hosts (past warm-up, at least "
		"baseline-min-pps); SYN windows at syn-flood-rate but answered %llu; UDP windows "
		"at udp-flood-rate but answered %llu; tracking "
		"%llu sources, %llu destinations; new keys not tracked (a table full): %llu",
		(unsigned long long)a.base_samples, (unsigned long long)a.base_hosts,
		(unsigned long long)a.syn_answered, (unsigned long long)a.udp_answered,
		(unsigned long long)a.sources,
		(unsigned long long)a.destinations, (unsigned long long)a.untracked);
	for (i = 0, k = 0; i < PL_DT__COUNT; i++)
		if (a.untracked_in[i])
			fprintf(f, "%s%s %llu", k++ ? ", " : " (", table_names[i],
				(unsigned long long)a.untracked_in[i]);
	fprintf(f, "%s\n", k ? ")" : "");
}

void pl_detect_free(struct pl_detect *d)
{
	struct det_supp *s, *t;

	if (!d)
		return;
	det_flood_free(d);
	det_scan_free(d);
	det_dns_free(d);
	det_arp_free(d);
	HASH_ITER(hh, d->supp, s, t) {
		HASH_DEL(d->supp, s);
		free(s);
	}
	free(d);
}
