/* SPDX-License-Identifier: BSD-3-Clause */
/* mitigations.c - destination limits, trusted sources and ARP pins in the
 * kernel maps, and the flags that tell the XDP program to look at them. */
#include "mitigations.h"

#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>

void pl_dlim_key_make(struct pl_dlim_key *k, const uint8_t dst[16], uint8_t proto,
		      uint16_t dport)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->addr, dst, 16);
	k->proto = proto;
	k->dport = proto == PL_DLIM_SYN || proto == PL_DLIM_UDP ? dport : 0;
}

const char *pl_dlim_proto_name(uint8_t proto)
{
	switch (proto) {
	case PL_DLIM_SYN: return "SYN";
	case PL_DLIM_UDP: return "UDP";
	case PL_DLIM_ICMP: return "ICMP";
	case PL_DLIM_ICMP6: return "ICMPv6";
	}
	return "?";
}

/* Visits every entry of a hash map; fn returns 1 to delete the entry. */
static void each(int fd, void *key, void *next, void *val,
		 int (*fn)(void *ctx, const void *key, const void *val), void *ctx, size_t klen)
{
	int more = fd >= 0 && !bpf_map_get_next_key(fd, NULL, key);

	while (more) {
		more = !bpf_map_get_next_key(fd, key, next);
		if (!bpf_map_lookup_elem(fd, key, val) && fn(ctx, key, val))
			bpf_map_delete_elem(fd, key);
		memcpy(key, next, klen);
	}
}

struct scan {
	uint64_t now;
	int expire;             /* delete what has expired */
	int removed;
	uint64_t n, drops;      /* in force */
	uint32_t flags;         /* PL_POL_* for what is left */
};

static int scan_dlim(void *ctx, const void *key, const void *val)
{
	const struct pl_dlim_key *k = key;
	const struct pl_dlim_val *v = val;
	struct scan *s = ctx;

	if (v->expires_ns && v->expires_ns <= s->now) {
		s->removed += s->expire;
		if (s->expire)
			return 1;
	} else {
		s->n++;
		s->drops += v->drops;
	}
	/* an expired entry not removed still costs a lookup: keep its flag */
	s->flags |= k->dport ? PL_POL_DLIM_PORT : PL_POL_DLIM;
	return 0;
}

static int scan_pin(void *ctx, const void *key, const void *val)
{
	const struct pl_arp_pin_val *v = val;
	struct scan *s = ctx;

	(void)key;
	if (v->expires_ns && v->expires_ns <= s->now) {
		s->removed += s->expire;
		if (s->expire)
			return 1;
	} else {
		s->n++;
		s->drops += v->drops;
	}
	s->flags |= PL_POL_ARP_PINS;
	return 0;
}

static int drop_all(void *ctx, const void *key, const void *val)
{
	(void)ctx;
	(void)key;
	(void)val;
	return 1;
}

static void scan_dlims(const struct pl_policy_fds *f, struct scan *s)
{
	struct pl_dlim_key k, next;
	struct pl_dlim_val v;

	each(f->dlims, &k, &next, &v, scan_dlim, s, sizeof(k));
}

static void scan_pins(const struct pl_policy_fds *f, struct scan *s)
{
	struct pl_arp_pin_key k, next;
	struct pl_arp_pin_val v;

	each(f->pins, &k, &next, &v, scan_pin, s, sizeof(k));
}

/* The flags in `mask` set to what the maps hold. Checked again after a
 * flag went off: an entry added meanwhile (`pktlens limits add` while the
 * daemon expires) turns it back on. */
static void sync_flags(const struct pl_policy_fds *f, uint32_t mask, int expire)
{
	struct scan s;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		memset(&s, 0, sizeof(s));
		s.now = pl_mono_ns();
		s.expire = expire && !pass;
		if (mask & (PL_POL_DLIM | PL_POL_DLIM_PORT))
			scan_dlims(f, &s);
		if (mask & PL_POL_ARP_PINS)
			scan_pins(f, &s);
		if (mask & PL_POL_DLIM)
			pl_policy_set_flag(f, PL_POL_DLIM, !!(s.flags & PL_POL_DLIM));
		if (mask & PL_POL_DLIM_PORT)
			pl_policy_set_flag(f, PL_POL_DLIM_PORT, !!(s.flags & PL_POL_DLIM_PORT));
		if (mask & PL_POL_ARP_PINS)
			pl_policy_set_flag(f, PL_POL_ARP_PINS, !!(s.flags & PL_POL_ARP_PINS));
		if ((s.flags & mask) == mask)
			break;          /* nothing went off */
	}
}

int pl_dlim_add(const struct pl_policy_fds *f, const struct pl_dlim_key *k, uint64_t pps,
		uint64_t ttl_ns, uint32_t reason, char *err, size_t errlen)
{
	struct pl_dlim_val v;
	uint64_t now = pl_mono_ns();

	if (!pps || pps > PL_DLIM_PPS_MAX) {
		snprintf(err, errlen, "a rate of 1 to %llu packets/s", PL_DLIM_PPS_MAX);
		return -1;
	}
	/* again: keep the counters and the bucket (a race with the program
	 * loses at most the packets counted between the two calls) */
	if (bpf_map_lookup_elem(f->dlims, k, &v)) {
		memset(&v, 0, sizeof(v));
		v.added_ns = now;
	}
	v.expires_ns = ttl_ns ? now + ttl_ns : 0;
	v.ns_per_pkt = (1000000000ull + pps / 2) / pps;
	if (!v.ns_per_pkt)
		v.ns_per_pkt = 1;
	v.reason = reason;
	if (bpf_map_update_elem(f->dlims, k, &v, BPF_ANY)) {
		snprintf(err, errlen, "cannot add the limit: %s%s", strerror(errno),
			 errno == E2BIG ? " (destination limit table full)" : "");
		return -1;
	}
	if (pl_policy_set_flag(f, k->dport ? PL_POL_DLIM_PORT : PL_POL_DLIM, 1)) {
		snprintf(err, errlen, "cannot turn destination limits on: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int pl_dlim_del(const struct pl_policy_fds *f, const struct pl_dlim_key *k, char *err,
		size_t errlen)
{
	if (bpf_map_delete_elem(f->dlims, k)) {
		snprintf(err, errlen, errno == ENOENT ? "no such limit" :
			 "cannot remove the limit: %s", strerror(errno));
		return -1;
	}
	sync_flags(f, PL_POL_DLIM | PL_POL_DLIM_PORT, 0);
	return 0;
}

int pl_trust_add(const struct pl_policy_fds *f, const uint8_t src[16], const uint8_t dst[16],
		 uint64_t until)
{
	struct pl_trust_key k;
	struct pl_trust_val v = { .expires_ns = until };

	memcpy(k.src, src, 16);
	memcpy(k.dst, dst, 16);
	return bpf_map_update_elem(f->trust, &k, &v, BPF_ANY) ? -1 : 0;
}

int pl_pin_add(const struct pl_policy_fds *f, const struct pl_arp_pin_key *k,
	       const uint8_t mac[6], uint64_t ttl_ns, uint32_t reason, char *err, size_t errlen)
{
	struct pl_arp_pin_val v;
	uint64_t now = pl_mono_ns();

	if (bpf_map_lookup_elem(f->pins, k, &v)) {
		memset(&v, 0, sizeof(v));
		v.added_ns = now;
	}
	memcpy(v.mac, mac, 6);
	v.expires_ns = ttl_ns ? now + ttl_ns : 0;
	v.reason = reason;
	if (bpf_map_update_elem(f->pins, k, &v, BPF_ANY)) {
		snprintf(err, errlen, "cannot pin the binding: %s%s", strerror(errno),
			 errno == E2BIG ? " (ARP pin table full)" : "");
		return -1;
	}
	if (pl_policy_set_flag(f, PL_POL_ARP_PINS, 1)) {
		snprintf(err, errlen, "cannot turn ARP pins on: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int pl_pin_del(const struct pl_policy_fds *f, const struct pl_arp_pin_key *k, char *err,
	       size_t errlen)
{
	if (bpf_map_delete_elem(f->pins, k)) {
		snprintf(err, errlen, errno == ENOENT ? "no such pin" : "cannot remove the pin: %s",
			 strerror(errno));
		return -1;
	}
	sync_flags(f, PL_POL_ARP_PINS, 0);
	return 0;
}

int pl_limits_expire(const struct pl_policy_fds *f)
{
	struct pl_trust_key tk, tn;
	struct pl_trust_val tv;
	struct scan s;
	uint32_t zero = 0;
	struct pl_policy_cfg cfg;

	memset(&s, 0, sizeof(s));
	s.now = pl_mono_ns();
	s.expire = 1;
	scan_dlims(f, &s);
	scan_pins(f, &s);
	if (bpf_map_lookup_elem(f->policy, &zero, &cfg))
		return s.removed;
	/* only what changes is written: flags match most of the time */
	if ((cfg.flags ^ s.flags) & (PL_POL_DLIM | PL_POL_DLIM_PORT | PL_POL_ARP_PINS))
		sync_flags(f, PL_POL_DLIM | PL_POL_DLIM_PORT | PL_POL_ARP_PINS, 0);
	/* trust is looked at only through a limit: with none, forget it all
	 * (while limits last, the program ignores expired pairs) */
	if (!(s.flags & (PL_POL_DLIM | PL_POL_DLIM_PORT)))
		each(f->trust, &tk, &tn, &tv, drop_all, NULL, sizeof(tk));
	return s.removed;
}

void pl_mitigation_sum(const struct pl_policy_fds *f, struct pl_mitigation_sum *out)
{
	struct pl_ban_key bk, bn;
	struct pl_ban_val bv;
	struct scan s;
	uint64_t now = pl_mono_ns();
	int more;

	memset(out, 0, sizeof(*out));
	more = f->bans >= 0 && !bpf_map_get_next_key(f->bans, NULL, &bk);
	while (more) {
		more = !bpf_map_get_next_key(f->bans, &bk, &bn);
		if (!bpf_map_lookup_elem(f->bans, &bk, &bv) && (!bv.expires_ns || bv.expires_ns > now)) {
			out->bans++;
			out->ban_drops += bv.drops;
		}
		bk = bn;
	}
	memset(&s, 0, sizeof(s));
	s.now = now;
	scan_dlims(f, &s);
	out->dlims = s.n;
	out->dlim_drops = s.drops;
	memset(&s, 0, sizeof(s));
	s.now = now;
	scan_pins(f, &s);
	out->pins = s.n;
	out->pin_drops = s.drops;
}

void pl_mitigation_print(FILE *out, const struct pl_policy_fds *f, uint64_t xdp_drops)
{
	struct pl_mitigation_sum s;

	pl_mitigation_sum(f, &s);
	fprintf(out, "  drops: %llu packets by XDP; bans active %llu, their drops %llu; "
		"destination limits %llu, their drops %llu; ARP pins %llu, their drops %llu\n",
		(unsigned long long)xdp_drops, (unsigned long long)s.bans,
		(unsigned long long)s.ban_drops, (unsigned long long)s.dlims,
		(unsigned long long)s.dlim_drops, (unsigned long long)s.pins,
		(unsigned long long)s.pin_drops);
}
