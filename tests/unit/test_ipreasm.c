/* SPDX-License-Identifier: BSD-3-Clause */
/* test_ipreasm.c - IP reassembly (src/ipreasm.c) on hand-built fragments:
 * order, duplicates and overlaps as Linux judges them, RFC 5722, timeouts,
 * memory bounds and eviction, IPv6 extension headers, atomic fragments,
 * oversize datagrams, cut fragments. Natively, under ASan and UBSan. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ipreasm.h"

#define SEC 1000000000ull

/* ---- what the callback saw ------------------------------------------------ */

#define MAX_ENDS 16
static struct ended {
	enum pl_ipr_end why;
	uint8_t *pkt;
	uint32_t pkt_len, pkt_seen, nfrags, ndups;
	uint32_t offs[16];
	uint64_t note_ts[16];
	uint8_t have_first, cut, version, proto, has_trigger;
	uint32_t id;
} ends[MAX_ENDS];
static int n_ends;

static void on_end(void *ctx, enum pl_ipr_end why, const struct pl_ipdgram *d)
{
	struct ended *e;
	uint32_t i;

	(void)ctx;
	assert_true(n_ends < MAX_ENDS);
	e = &ends[n_ends++];
	e->why = why;
	e->pkt_len = d->pkt_len;
	e->pkt_seen = d->pkt_seen;
	e->nfrags = d->nfrags;
	e->ndups = d->ndups;
	e->have_first = d->have_first;
	e->cut = d->cut;
	e->version = d->version;
	e->proto = d->proto;
	e->id = d->id;
	e->has_trigger = d->trigger != NULL;
	for (i = 0; i < d->nfrags && i < 16; i++) {
		e->offs[i] = d->frags[i].off;
		e->note_ts[i] = d->frags[i].note.ts;
		if (i)          /* in offset order, never overlapping */
			assert_true(d->frags[i - 1].off + d->frags[i - 1].len <= d->frags[i].off);
	}
	e->pkt = NULL;
	if (d->pkt) {
		assert_true(d->pkt_seen <= d->pkt_len);
		e->pkt = malloc(d->pkt_seen ? d->pkt_seen : 1);
		assert_non_null(e->pkt);
		memcpy(e->pkt, d->pkt, d->pkt_seen);
	}
}

static struct pl_ipreasm *r;

static int setup_cfg(const struct pl_ipreasm_cfg *cfg)
{
	struct pl_ipreasm_ops ops = { .ctx = NULL, .end = on_end };

	n_ends = 0;
	r = pl_ipreasm_new(cfg, &ops);
	return r ? 0 : -1;
}

static int setup(void **s)
{
	struct pl_ipreasm_cfg cfg;

	(void)s;
	pl_ipreasm_cfg_defaults(&cfg);
	return setup_cfg(&cfg);
}

static int teardown(void **s)
{
	int i;

	(void)s;
	pl_ipreasm_flush(r);
	/* nothing held once everything ended */
	assert_int_equal(pl_ipreasm_stats(r)->mem, 0);
	assert_int_equal(pl_ipreasm_stats(r)->pending, 0);
	pl_ipreasm_free(r);
	for (i = 0; i < n_ends; i++)
		free(ends[i].pkt);
	n_ends = 0;
	return 0;
}

/* ---- fragments ------------------------------------------------------------ */

static uint8_t data[70000];     /* a datagram's payload: a known pattern */

static void fill_data(void)
{
	uint32_t i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + (i >> 8));
}

static uint32_t be16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

struct frag {
	uint8_t b[2048];
	uint32_t len;
};

/* An IPv4 fragment 10.0.0.1 -> 10.0.0.2: data[off, off + len). */
static void v4(struct frag *f, uint16_t id, uint8_t proto, uint32_t off, uint32_t len, int mf)
{
	uint8_t *h = f->b;

	memset(h, 0, 20);
	h[0] = 0x45;
	put16(h + 2, 20 + len);
	put16(h + 4, id);
	put16(h + 6, (mf ? 0x2000 : 0) | off / 8);
	h[8] = 64;
	h[9] = proto;
	h[12] = 10; h[15] = 1;
	h[16] = 10; h[19] = 2;
	memcpy(h + 20, data + off, len);
	f->len = 20 + len;
}

/* An IPv6 fragment 2001:db8::1 -> 2001:db8::2 with next header nh; with
 * ext, hop-by-hop and destination options come before the fragment header. */
static void v6(struct frag *f, uint32_t id, uint8_t nh, uint32_t off, uint32_t len, int mf,
	       int ext)
{
	uint8_t *h = f->b, *o;
	uint32_t before = ext ? 8 + 16 : 0;

	memset(h, 0, 40 + before + 8);
	h[0] = 0x60;
	put16(h + 4, before + 8 + len);
	h[6] = ext ? 0 : 44;            /* hop-by-hop, or the fragment header */
	h[7] = 64;
	h[8] = 0x20; h[9] = 0x01; h[10] = 0x0d; h[11] = 0xb8; h[23] = 1;
	h[24] = 0x20; h[25] = 0x01; h[26] = 0x0d; h[27] = 0xb8; h[39] = 2;
	o = h + 40;
	if (ext) {
		o[0] = 60;              /* hop-by-hop (8 bytes, PadN) -> destination options */
		o[1] = 0;
		o[2] = 1; o[3] = 4;
		o += 8;
		o[0] = 44;              /* destination options (16 bytes) -> fragment */
		o[1] = 1;
		o[2] = 1; o[3] = 12;
		o += 16;
	}
	o[0] = nh;
	put16(o + 2, off | (mf ? 1 : 0));
	o[4] = (uint8_t)(id >> 24); o[5] = (uint8_t)(id >> 16);
	o[6] = (uint8_t)(id >> 8); o[7] = (uint8_t)id;
	memcpy(o + 8, data + off, len);
	f->len = 40 + before + 8 + len;
}

static enum pl_ipr_add add_cap(const struct frag *f, uint64_t ts, uint32_t cap, uint16_t vlan)
{
	struct pl_ipfrag in;

	memset(&in, 0, sizeof(in));
	in.ip = f->b;
	in.cap = cap;
	in.note.ts = ts;
	in.note.key.vlan = vlan;
	in.note.key.ifindex = 3;
	in.note.wire_len = f->len + 14;
	in.note.ip_len = (uint16_t)f->len;
	return pl_ipreasm_add(r, &in);
}

static enum pl_ipr_add add(const struct frag *f, uint64_t ts)
{
	return add_cap(f, ts, f->len, 0);
}

static int ip_checksum_ok(const uint8_t *h, uint32_t ihl)
{
	uint32_t sum = 0, i;

	for (i = 0; i < ihl; i += 2)
		sum += be16(h + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

/* The end is a complete IPv4 datagram of data[0, len). */
static void assert_v4_whole(const struct ended *e, uint32_t len)
{
	assert_int_equal(e->why, PL_IPR_COMPLETE);
	assert_int_equal(e->pkt_len, 20 + len);
	assert_int_equal(e->pkt_seen, 20 + len);
	assert_int_equal(be16(e->pkt + 2), 20 + len);
	assert_int_equal(be16(e->pkt + 6) & 0x3fff, 0);        /* no MF, offset 0 */
	assert_true(ip_checksum_ok(e->pkt, 20));
	assert_memory_equal(e->pkt + 20, data, len);
}

/* ---- order ---------------------------------------------------------------- */

static void test_in_order(void **s)
{
	struct frag f;

	(void)s;
	v4(&f, 7, 17, 0, 1480, 1);
	assert_int_equal(add(&f, 1), PL_IPR_ADDED);
	v4(&f, 7, 17, 1480, 1480, 1);
	assert_int_equal(add(&f, 2), PL_IPR_ADDED);
	assert_int_equal(n_ends, 0);
	v4(&f, 7, 17, 2960, 100, 0);
	assert_int_equal(add(&f, 3), PL_IPR_ADDED);
	assert_int_equal(n_ends, 1);
	assert_v4_whole(&ends[0], 3060);
	assert_int_equal(ends[0].nfrags, 3);
	assert_int_equal(ends[0].proto, 17);
	assert_int_equal(ends[0].id, 7);
	assert_int_equal(pl_ipreasm_stats(r)->ends[PL_IPR_COMPLETE], 1);
	assert_int_equal(pl_ipreasm_stats(r)->pending, 0);
}

static void test_reverse_order(void **s)
{
	struct frag f;

	(void)s;
	v4(&f, 8, 6, 2960, 100, 0);
	add(&f, 1);
	v4(&f, 8, 6, 1480, 1480, 1);
	add(&f, 2);
	v4(&f, 8, 6, 0, 1480, 1);
	assert_int_equal(n_ends, 0);
	add(&f, 3);
	assert_int_equal(n_ends, 1);
	assert_v4_whole(&ends[0], 3060);
	/* the notes come back by offset, whatever the order they came in */
	assert_int_equal(ends[0].offs[0], 0);
	assert_int_equal(ends[0].note_ts[0], 3);
	assert_int_equal(ends[0].note_ts[2], 1);
}

/* Fragments of other datagrams in between: keyed apart. */
static void test_keys_apart(void **s)
{
	struct frag f;

	(void)s;
	v4(&f, 9, 17, 0, 16, 1);
	add(&f, 1);
	v4(&f, 9, 6, 16, 8, 0);         /* another protocol: another datagram */
	add(&f, 2);
	v4(&f, 9, 17, 16, 8, 0);
	add_cap(&f, 3, f.len, 5);       /* another VLAN */
	assert_int_equal(n_ends, 0);
	assert_int_equal(pl_ipreasm_stats(r)->pending, 3);
	add(&f, 4);                     /* the right one */
	assert_int_equal(n_ends, 1);
	assert_v4_whole(&ends[0], 24);
	/* IPv6 leaves the next header out of the key (RFC 8200 4.5): the
	 * first fragment's counts */
	v6(&f, 77, 17, 0, 16, 1, 0);
	add(&f, 5);
	v6(&f, 77, 6, 16, 8, 0, 0);
	add(&f, 6);
	assert_int_equal(n_ends, 2);
	assert_int_equal(ends[1].why, PL_IPR_COMPLETE);
	assert_int_equal(ends[1].proto, 17);
}

/* ---- duplicates and overlaps ---------------------------------------------- */

static void test_duplicate_ignored(void **s)
{
	struct frag f;

	(void)s;
	v4(&f, 10, 17, 0, 800, 1);
	add(&f, 1);
	assert_int_equal(add(&f, 2), PL_IPR_DUP);       /* exact duplicate */
	v4(&f, 10, 17, 800, 800, 1);
	add(&f, 3);                     /* appended: one run [0, 1600) */
	v4(&f, 10, 17, 400, 800, 1);    /* inside the run: Linux calls it a duplicate */
	f.b[100] ^= 0xff;               /* whatever its bytes: first copy wins */
	assert_int_equal(add(&f, 4), PL_IPR_DUP);
	v4(&f, 10, 17, 1600, 40, 0);
	add(&f, 5);
	assert_int_equal(n_ends, 1);
	assert_v4_whole(&ends[0], 1640);
	assert_int_equal(pl_ipreasm_stats(r)->duplicates, 2);
	/* packets of the datagram all the same: their notes come back */
	assert_int_equal(ends[0].nfrags, 3);
	assert_int_equal(ends[0].ndups, 2);
}

/* Runs are Linux's: fragments appended in order make one, out of order they
 * do not, and a fragment across two runs is an overlap. */
static void test_runs_as_linux(void **s)
{
	struct frag f;

	(void)s;
	v4(&f, 11, 17, 8, 8, 1);
	add(&f, 1);
	v4(&f, 11, 17, 0, 8, 1);        /* before it: a run of its own */
	add(&f, 2);
	v4(&f, 11, 17, 0, 16, 1);       /* covers both runs */
	assert_int_equal(add(&f, 3), PL_IPR_ENDED);
	assert_int_equal(n_ends, 1);
	assert_int_equal(ends[0].why, PL_IPR_OVERLAP);
	assert_true(ends[0].has_trigger);
	assert_int_equal(ends[0].nfrags, 2);
	/* in order, the same fragment is a duplicate */
	v4(&f, 12, 17, 0, 8, 1);
	add(&f, 4);
	v4(&f, 12, 17, 8, 8, 1);
	add(&f, 5);
	v4(&f, 12, 17, 0, 16, 1);
	assert_int_equal(add(&f, 6), PL_IPR_DUP);
}

static void test_overlap_v4(void **s)
{
	struct frag f;

	(void)s;
	v4(&f, 13, 6, 0, 24, 1);
	add(&f, 1);
	v4(&f, 13, 6, 48, 24, 1);
	add(&f, 2);
	v4(&f, 13, 6, 72, 17, 0);
	add(&f, 3);
	v4(&f, 13, 6, 24, 48, 1);       /* over [48, 72): ipv4-frag-tcp.pcap's attack */
	assert_int_equal(add(&f, 4), PL_IPR_ENDED);
	assert_int_equal(n_ends, 1);
	assert_int_equal(ends[0].why, PL_IPR_OVERLAP);
	/* the first fragment alone, as it came: MF set */
	assert_true(ends[0].have_first);
	assert_non_null(ends[0].pkt);
	assert_int_equal(ends[0].pkt_len, 20 + 24);
	assert_int_equal(be16(ends[0].pkt + 6), 0x2000);
	assert_int_equal(pl_ipreasm_stats(r)->ends[PL_IPR_OVERLAP], 1);
	assert_int_equal(pl_ipreasm_stats(r)->frags_lost, 3);
	/* IPv4 as Linux: what comes later starts afresh (and here never ends) */
	v4(&f, 13, 6, 0, 24, 1);
	assert_int_equal(add(&f, 5), PL_IPR_ADDED);
	assert_int_equal(pl_ipreasm_stats(r)->pending, 1);
}

static void test_overlap_v6_rfc5722(void **s)
{
	struct frag f;

	(void)s;
	v6(&f, 0x1234, 17, 0, 64, 1, 0);
	add(&f, 1 * SEC);
	v6(&f, 0x1234, 17, 32, 64, 1, 0);
	assert_int_equal(add(&f, 1 * SEC + 1), PL_IPR_ENDED);
	assert_int_equal(n_ends, 1);
	assert_int_equal(ends[0].why, PL_IPR_OVERLAP);
	assert_int_equal(ends[0].version, 6);
	/* the rest of it is discarded too, silently, until its timeout */
	v6(&f, 0x1234, 17, 64, 64, 0, 0);
	assert_int_equal(add(&f, 2 * SEC), PL_IPR_REFUSED);
	v6(&f, 0x1234, 17, 0, 64, 1, 0);
	assert_int_equal(add(&f, 3 * SEC), PL_IPR_REFUSED);
	assert_int_equal(pl_ipreasm_stats(r)->discarded, 2);
	assert_int_equal(n_ends, 1);
	/* after it, the id is free again */
	pl_ipreasm_expire(r, 31 * SEC + 1);
	assert_int_equal(n_ends, 1);
	assert_int_equal(pl_ipreasm_stats(r)->pending, 0);
	v6(&f, 0x1234, 17, 0, 64, 1, 0);
	add(&f, 32 * SEC);
	v6(&f, 0x1234, 17, 64, 8, 0, 0);
	add(&f, 32 * SEC);
	assert_int_equal(n_ends, 2);
	assert_int_equal(ends[1].why, PL_IPR_COMPLETE);
}

/* An IPv6 exact duplicate is no overlap (RFC 5722 errata 3089). */
static void test_duplicate_v6(void **s)
{
	struct frag f;

	(void)s;
	v6(&f, 2, 58, 0, 408, 1, 0);    /* ipv6-frag-evasion.pcap's shape */
	add(&f, 1);
	v6(&f, 2, 58, 408, 400, 1, 0);
	add(&f, 2);
	assert_int_equal(add(&f, 3), PL_IPR_DUP);
	v6(&f, 2, 58, 808, 400, 0, 0);
	add(&f, 4);
	assert_int_equal(n_ends, 1);
	assert_int_equal(ends[0].why, PL_IPR_COMPLETE);
	assert_int_equal(ends[0].pkt_len, 40 + 1208);
	assert_memory_equal(ends[0].pkt + 40, data, 1208);
}

/* ---- ends that disagree ----------------------------------------------------- */

static void test_inconsistent(void **s)
{
	struct frag f;

	(void)s;
	v4(&f, 20, 17, 0, 16, 1);
	add(&f, 1);
	v4(&f, 20, 17, 16, 8, 0);       /* ends at 24 */
	add(&f, 2);
	assert_int_equal(n_ends, 1);    /* complete */
	v4(&f, 21, 17, 32, 8, 0);       /* ends at 40 */
	add(&f, 3);
	v4(&f, 21, 17, 40, 8, 1);       /* beyond the end */
	assert_int_equal(add(&f, 4), PL_IPR_ENDED);
	assert_int_equal(ends[1].why, PL_IPR_INCONSISTENT);
	v4(&f, 22, 17, 40, 8, 1);
	add(&f, 5);
	v4(&f, 22, 17, 24, 8, 0);       /* a last one ending before data received */
	assert_int_equal(add(&f, 6), PL_IPR_ENDED);
	assert_int_equal(ends[2].why, PL_IPR_INCONSISTENT);
	v4(&f, 23, 17, 0, 8, 1);
	add(&f, 7);
	v4(&f, 23, 17, 8, 7, 1);        /* non-last, cut to 0 bytes as Linux cuts */
	assert_int_equal(add(&f, 8), PL_IPR_ENDED);
	assert_int_equal(ends[3].why, PL_IPR_INCONSISTENT);
	assert_int_equal(pl_ipreasm_stats(r)->ends[PL_IPR_INCONSISTENT], 3);
}

/* A non-last IPv4 fragment not a multiple of 8 is cut (Linux); IPv6 refuses it. */
static void test_not_multiple_of_8(void **s)
{
	struct frag f;

	(void)s;
	v4(&f, 24, 17, 0, 20, 1);       /* taken as [0, 16) */
	add(&f, 1);
	v4(&f, 24, 17, 16, 8, 0);
	add(&f, 2);
	assert_int_equal(n_ends, 1);
	assert_v4_whole(&ends[0], 24);
	v6(&f, 24, 17, 0, 20, 1, 0);
	assert_int_equal(add(&f, 3), PL_IPR_REFUSED);
	assert_int_equal(pl_ipreasm_stats(r)->bad, 1);
}

/* ---- timeouts ------------------------------------------------------------- */

static void test_timeout(void **s)
{
	struct frag f;

	(void)s;
	v4(&f, 30, 6, 0, 40, 1);
	add(&f, 10 * SEC);
	v4(&f, 31, 6, 8, 8, 1);         /* no first fragment */
	add(&f, 20 * SEC);
	pl_ipreasm_expire(r, 39 * SEC);
	assert_int_equal(n_ends, 0);
	pl_ipreasm_expire(r, 40 * SEC); /* 30 s after the first came */
	assert_int_equal(n_ends, 1);
	assert_int_equal(ends[0].why, PL_IPR_TIMEOUT);
	assert_int_equal(ends[0].id, 30);
	assert_true(ends[0].have_first);
	assert_int_equal(ends[0].pkt_len, 60);  /* the first fragment alone */
	assert_memory_equal(ends[0].pkt + 20, data, 40);
	/* a fragment after its datagram's time ends it and starts another */
	v4(&f, 31, 6, 16, 8, 0);
	assert_int_equal(add(&f, 51 * SEC), PL_IPR_ADDED);
	assert_int_equal(n_ends, 2);
	assert_int_equal(ends[1].why, PL_IPR_TIMEOUT);
	assert_false(ends[1].have_first);
	assert_null(ends[1].pkt);
	assert_int_equal(pl_ipreasm_stats(r)->pending, 1);
	/* flush: nothing more will come */
	pl_ipreasm_flush(r);
	assert_int_equal(n_ends, 3);
	assert_int_equal(ends[2].why, PL_IPR_TIMEOUT);
	assert_int_equal(pl_ipreasm_stats(r)->ends[PL_IPR_TIMEOUT], 3);
}

/* ---- memory bounds -------------------------------------------------------- */

/* What one datagram of a 1480-byte first fragment holds. */
static uint64_t one_cost(void)
{
	struct pl_ipreasm_cfg cfg;
	struct frag f;
	uint64_t c;

	pl_ipreasm_cfg_defaults(&cfg);
	assert_int_equal(setup_cfg(&cfg), 0);
	v4(&f, 1, 17, 0, 1480, 1);
	add(&f, 1);
	c = pl_ipreasm_stats(r)->mem;
	pl_ipreasm_flush(r);
	pl_ipreasm_free(r);
	free(ends[0].pkt);
	n_ends = 0;
	return c;
}

static void test_memory_per_source(void **s)
{
	struct pl_ipreasm_cfg cfg;
	uint64_t c = one_cost();
	struct frag f;

	(void)s;
	pl_ipreasm_cfg_defaults(&cfg);
	cfg.src_mem_max = c * 5 / 2;    /* two such datagrams per source */
	assert_int_equal(setup_cfg(&cfg), 0);
	v4(&f, 100, 17, 0, 1480, 1);
	add(&f, 1);
	v4(&f, 101, 17, 0, 1480, 1);
	add(&f, 2);
	f.b[15] = 9;                    /* from 10.0.0.9: its own bound */
	add(&f, 3);
	assert_int_equal(n_ends, 0);
	v4(&f, 102, 17, 0, 1480, 1);    /* a third from 10.0.0.1: its oldest goes */
	add(&f, 4);
	assert_int_equal(n_ends, 1);
	assert_int_equal(ends[0].why, PL_IPR_EVICTED);
	assert_int_equal(ends[0].id, 100);
	assert_false(ends[0].has_trigger);
	assert_true(ends[0].have_first);        /* its first fragment is read alone */
	assert_int_equal(pl_ipreasm_stats(r)->pending, 3);
	assert_true(pl_ipreasm_stats(r)->mem_peak <= 4 * c);
	/* 101 completes: the newer ones were kept */
	v4(&f, 101, 17, 1480, 8, 0);
	add(&f, 5);
	assert_int_equal(n_ends, 2);
	assert_int_equal(ends[1].why, PL_IPR_COMPLETE);
	assert_int_equal(ends[1].id, 101);
}

static void test_memory_total(void **s)
{
	struct pl_ipreasm_cfg cfg;
	uint64_t c = one_cost();
	struct frag f;
	int i;

	(void)s;
	pl_ipreasm_cfg_defaults(&cfg);
	cfg.mem_max = c * 7 / 2;        /* three datagrams in all */
	assert_int_equal(setup_cfg(&cfg), 0);
	for (i = 0; i < 5; i++) {       /* five sources, one datagram each */
		v4(&f, (uint16_t)(200 + i), 17, 0, 1480, 1);
		f.b[15] = (uint8_t)(20 + i);
		add(&f, (uint64_t)i);
	}
	/* oldest first */
	assert_int_equal(n_ends, 2);
	assert_int_equal(ends[0].why, PL_IPR_EVICTED);
	assert_int_equal(ends[0].id, 200);
	assert_int_equal(ends[1].id, 201);
	assert_int_equal(pl_ipreasm_stats(r)->pending, 3);
	assert_true(pl_ipreasm_stats(r)->mem <= cfg.mem_max);
	assert_int_equal(pl_ipreasm_stats(r)->ends[PL_IPR_EVICTED], 2);
}

/* A datagram that cannot fit even alone is the one that goes. */
static void test_memory_too_big_alone(void **s)
{
	struct pl_ipreasm_cfg cfg;
	uint64_t c = one_cost();
	struct frag f;
	uint32_t off;

	(void)s;
	pl_ipreasm_cfg_defaults(&cfg);
	cfg.src_mem_max = c * 3;
	assert_int_equal(setup_cfg(&cfg), 0);
	for (off = 0; off < 20 * 1480; off += 1480) {
		v4(&f, 300, 17, off, 1480, 1);
		if (add(&f, 1) == PL_IPR_ENDED)
			break;
	}
	assert_int_equal(n_ends, 1);
	assert_int_equal(ends[0].why, PL_IPR_EVICTED);
	assert_true(ends[0].has_trigger);
	assert_true(pl_ipreasm_stats(r)->mem_peak <= cfg.src_mem_max);
	assert_int_equal(pl_ipreasm_stats(r)->pending, 0);
}

/* ---- IPv6 ----------------------------------------------------------------- */

/* Hop-by-hop and destination options before the fragment header stay in
 * front of the rebuilt datagram; the fragment header goes, and the header
 * that named it names what followed it. */
static void test_v6_behind_ext(void **s)
{
	struct frag f;
	const uint8_t *p;

	(void)s;
	v6(&f, 0xabcd, 6, 1232, 100, 0, 1);
	add(&f, 1);
	v6(&f, 0xabcd, 6, 0, 1232, 1, 1);
	add(&f, 2);
	assert_int_equal(n_ends, 1);
	assert_int_equal(ends[0].why, PL_IPR_COMPLETE);
	assert_int_equal(ends[0].proto, 6);
	p = ends[0].pkt;
	assert_int_equal(ends[0].pkt_len, 40 + 24 + 1332);
	assert_int_equal(be16(p + 4), 24 + 1332);       /* payload length */
	assert_int_equal(p[6], 0);                      /* hop-by-hop */
	assert_int_equal(p[40], 60);                    /* then destination options */
	assert_int_equal(p[48], 6);                     /* then TCP, no fragment header */
	assert_memory_equal(p + 64, data, 1332);
}

/* An atomic fragment (offset 0, M 0; RFC 6946) is a whole packet, and so is
 * an IPv4 packet with neither MF nor an offset: not for reassembly. */
static void test_atomic_not_reassembled(void **s)
{
	struct frag f;

	(void)s;
	v6(&f, 5, 17, 0, 64, 0, 1);
	assert_int_equal(add(&f, 1), PL_IPR_REFUSED);
	v4(&f, 5, 17, 0, 64, 0);
	assert_int_equal(add(&f, 2), PL_IPR_REFUSED);
	assert_int_equal(pl_ipreasm_stats(r)->bad, 2);
	assert_int_equal(pl_ipreasm_stats(r)->pending, 0);
	assert_int_equal(n_ends, 0);
}

/* Bytes that do not make a fragment header, and a fragment the kernel's
 * parser found broken at the IP layer. */
static void test_unreadable(void **s)
{
	struct pl_ipfrag in;
	struct frag f;

	(void)s;
	v4(&f, 6, 17, 8, 8, 1);
	f.b[0] = 0x44;                  /* IHL 16 */
	assert_int_equal(add(&f, 1), PL_IPR_REFUSED);
	v4(&f, 6, 17, 8, 8, 1);
	assert_int_equal(add_cap(&f, 1, 19, 0), PL_IPR_REFUSED);        /* header cut */
	v6(&f, 6, 17, 8, 8, 1, 1);
	f.b[40] = 6;                    /* hop-by-hop names TCP: no fragment header */
	assert_int_equal(add(&f, 1), PL_IPR_REFUSED);
	v4(&f, 6, 17, 8, 8, 1);
	memset(&in, 0, sizeof(in));
	in.ip = f.b;
	in.cap = f.len;
	in.unusable = 1;
	assert_int_equal(pl_ipreasm_add(r, &in), PL_IPR_REFUSED);
	assert_int_equal(pl_ipreasm_stats(r)->bad, 4);
	assert_int_equal(pl_ipreasm_stats(r)->fragments, 4);
}

/* ---- oversize -------------------------------------------------------------- */

static void test_oversize(void **s)
{
	struct frag f;

	(void)s;
	v4(&f, 40, 17, 0, 1480, 1);
	add(&f, 1);
	v4(&f, 40, 17, 65512, 8, 0);    /* 20 + 65520 > 65535 */
	assert_int_equal(add(&f, 2), PL_IPR_ENDED);
	assert_int_equal(ends[0].why, PL_IPR_OVERSIZE);
	assert_int_equal(ends[0].nfrags, 1);
	v4(&f, 41, 17, 65504, 8, 0);    /* 20 + 65512: fits */
	assert_int_equal(add(&f, 3), PL_IPR_ADDED);
	/* IPv6: the payload length counts the headers before the fragment header */
	v6(&f, 42, 17, 65504, 8, 0, 1); /* 24 + 65512 > 65535 */
	assert_int_equal(add(&f, 4), PL_IPR_ENDED);
	assert_int_equal(ends[1].why, PL_IPR_OVERSIZE);
	v6(&f, 43, 17, 65520, 8, 0, 0); /* 65528: fits */
	assert_int_equal(add(&f, 5), PL_IPR_ADDED);
	assert_int_equal(pl_ipreasm_stats(r)->ends[PL_IPR_OVERSIZE], 2);
}

/* A big fill-in fragment does not fit struct frag; feed it by hand. */
static void test_oversize_whole(void **s)
{
	struct pl_ipfrag in;
	static uint8_t big[20 + 65535];
	struct frag f;

	(void)s;
	v4(&f, 45, 17, 65504, 8, 0);
	add(&f, 1);
	v4(&f, 45, 17, 0, 8, 1);
	f.b[0] = 0x4f;                  /* the first fragment: IHL 60 */
	memmove(f.b + 60, f.b + 20, 8);
	put16(f.b + 2, 68);
	f.len = 68;
	add(&f, 2);
	memset(big, 0, 20);
	big[0] = 0x45;
	put16(big + 2, 20 + 65496);
	put16(big + 4, 45);
	put16(big + 6, 0x2000 | 1);
	big[9] = 17;
	big[12] = 10; big[15] = 1; big[16] = 10; big[19] = 2;
	memset(&in, 0, sizeof(in));
	in.ip = big;
	in.cap = 20 + 65496;
	in.note.key.ifindex = 3;        /* as add() gives: the same datagram */
	pl_ipreasm_add(r, &in);
	assert_int_equal(n_ends, 1);
	assert_int_equal(ends[0].why, PL_IPR_OVERSIZE);         /* 60 + 65512 */
}

/* ---- cut fragments ------------------------------------------------------------ */

static void test_cut(void **s)
{
	struct frag f;

	(void)s;
	v4(&f, 50, 17, 0, 1480, 1);
	add(&f, 1);
	v4(&f, 50, 17, 1480, 1480, 1);
	assert_int_equal(add_cap(&f, 2, 20 + 100, 0), PL_IPR_ADDED);    /* 100 of 1480 */
	v4(&f, 50, 17, 2960, 40, 0);
	add(&f, 3);
	assert_int_equal(n_ends, 1);
	assert_int_equal(ends[0].why, PL_IPR_COMPLETE);         /* the bookkeeping is whole */
	assert_true(ends[0].cut);
	assert_int_equal(ends[0].pkt_len, 20 + 3000);
	assert_int_equal(ends[0].pkt_seen, 20 + 1480 + 100);    /* up to the first gap */
	assert_memory_equal(ends[0].pkt + 20, data, 1580);
	assert_int_equal(pl_ipreasm_stats(r)->cut, 1);
	/* cut before its header ends: refused */
	v4(&f, 51, 17, 0, 1480, 1);
	assert_int_equal(add_cap(&f, 4, 12, 0), PL_IPR_REFUSED);
}

/* ---- names ------------------------------------------------------------------- */

static void test_names(void **s)
{
	(void)s;
	assert_string_equal(pl_ipr_end_name(PL_IPR_OVERLAP), "frag_overlap");
	assert_string_equal(pl_ipr_end_name(PL_IPR_TIMEOUT), "frag_timeout");
	assert_string_equal(pl_ipr_end_name(PL_IPR_EVICTED), "frag_evicted");
	assert_string_equal(pl_ipr_end_name(PL_IPR__ENDS), "frag_unknown");
	assert_true(strlen(pl_ipr_end_text(PL_IPR_OVERSIZE)) > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reverse_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keys_apart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_runs_as_linux, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overlap_v4, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overlap_v6_rfc5722, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_v6, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inconsistent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_multiple_of_8, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
		cmocka_unit_test_teardown(test_memory_per_source, teardown),
		cmocka_unit_test_teardown(test_memory_total, teardown),
		cmocka_unit_test_teardown(test_memory_too_big_alone, teardown),
		cmocka_unit_test_setup_teardown(test_v6_behind_ext, setup, teardown),
		cmocka_unit_test_setup_teardown(test_atomic_not_reassembled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreadable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversize, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversize_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cut, setup, teardown),
		cmocka_unit_test(test_names),
	};

	fill_data();
	return cmocka_run_group_tests_name("ipreasm", tests, NULL, NULL);
}
