/* SPDX-License-Identifier: BSD-3-Clause */
/* detect_trust.c - which sources completed a TCP handshake with which
 * destination, lately: they are real (a spoofer never sees the SYN-ACK it
 * would need), so the destination limits of spoofed floods let them
 * through. Handed to the kernel when a limit goes in, and each new one
 * while it lasts. */
#include "detect_int.h"

#include <stdlib.h>
#include <string.h>

struct det_trust_key {
	uint8_t src[16], dst[16];
};

struct det_trust {
	struct det_trust_key k;
	UT_hash_handle hh;
	uint64_t last;                  /* latest handshake */
};

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* Hands one trusted pair to the kernel for as long as both the limit and
 * the trust last. */
static void trust_push(struct pl_detect *d, const struct det_trust *tr, uint64_t until,
		       uint64_t now)
{
	uint64_t end = min_u64(until, tr->last + d->c.flood_trust_ns);

	if (end > now && d->act.trust && !d->c.dry_run)
		d->act.trust(d->act.ctx, tr->k.src, tr->k.dst, end - now);
}

void det_trust_seen(struct pl_detect *d, const uint8_t src[16], const uint8_t dst[16],
		    const struct det_dst *t, uint64_t ts)
{
	struct det_trust_key k;
	struct det_trust *tr;

	if (!d->c.flood_trust_ns)
		return;
	memcpy(k.src, src, 16);
	memcpy(k.dst, dst, 16);
	HASH_FIND(hh, d->trust, &k, sizeof(k), tr);
	if (!tr) {
		if (d->ntrust >= DET_MAX_ENTRIES || !(tr = calloc(1, sizeof(*tr)))) {
			d->dropped[PL_DT_TRUST]++;
			return;
		}
		tr->k = k;
		HASH_ADD(hh, d->trust, k, sizeof(k), tr);
		d->ntrust++;
	}
	if (ts > tr->last)
		tr->last = ts;
	if (t && t->limited_until > d->now)     /* limited now: trusted at once */
		trust_push(d, tr, t->limited_until, d->now);
}

/* A limit went in for t: every source trusted there goes with it. */
void det_trust_push_all(struct pl_detect *d, const struct det_dst *t, uint64_t now)
{
	struct det_trust *tr;

	for (tr = d->trust; tr; tr = tr->hh.next)
		if (!memcmp(tr->k.dst, t->addr, 16))
			trust_push(d, tr, t->limited_until, now);
}

void det_trust_expire(struct pl_detect *d, uint64_t now)
{
	struct det_trust *tr, *tmp;

	HASH_ITER(hh, d->trust, tr, tmp)
		if (det_since(now, tr->last) > d->c.flood_trust_ns) {
			HASH_DEL(d->trust, tr);
			free(tr);
			d->ntrust--;
		}
}

void det_trust_free(struct pl_detect *d)
{
	struct det_trust *tr, *tmp;

	HASH_ITER(hh, d->trust, tr, tmp) {
		HASH_DEL(d->trust, tr);
		free(tr);
	}
	d->ntrust = 0;
}
