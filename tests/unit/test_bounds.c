/* SPDX-License-Identifier: BSD-3-Clause */
/* test_bounds.c - every table the collector fills from the network, driven
 * past its bound (docs/bounds.md): the bound holds, its counter counts what
 * was evicted or refused, and nothing is lost that must not be (an evicted
 * DNS query is logged unanswered, an evicted ClientHello as incomplete, a
 * suppressed weird is counted in a record). Natively, under ASan+UBSan. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "collector.h"
#include "summary.h"
#include "topk.h"
#include "sink.h"
#include "../common/l7_events.h"

#define NS 1000000000ull

struct fx {
	char dir[PATH_MAX];
	struct pl_sink sink;
	struct pl_collector *c;
	struct pl_ev_l7 *e;             /* big: not on the stack */
};

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	const char *base = getenv("TMPDIR");
	char err[256];

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "%s/pktlens-bounds-XXXXXX", base && *base ? base : "/tmp");
	f->e = calloc(1, sizeof(*f->e));
	if (!f->e || !mkdtemp(f->dir) || pl_sink_open(&f->sink, f->dir, 0, err, sizeof(err)))
		return -1;
	*state = f;
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *w)
{
	(void)st; (void)flag; (void)w;
	return remove(path);
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;
	int rc;

	pl_collector_free(f->c);
	pl_sink_close(&f->sink);
	rc = nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f->e);
	free(f);
	return rc;
}

static struct pl_collector *fx_collector(struct fx *f, const struct pl_collector_opts *o)
{
	f->c = pl_collector_new(o, &f->sink, -1);       /* no flow table: events only */
	assert_non_null(f->c);
	return f->c;
}

/* The records of DIR/KIND.log, one JSON object each; *n their count. */
static struct json_object **records(struct fx *f, const char *kind, size_t *n)
{
	char path[PATH_MAX + 32], *line = NULL;
	struct json_object **r = NULL;
	size_t cap = 0, len = 0;
	FILE *in;

	pl_sink_flush(&f->sink);
	snprintf(path, sizeof(path), "%s/%s.log", f->dir, kind);
	*n = 0;
	in = fopen(path, "r");
	if (!in)
		return NULL;
	while (getline(&line, &len, in) > 0) {
		r = realloc(r, (*n + 1) * sizeof(*r));
		assert_non_null(r);
		r[*n] = json_tokener_parse(line);
		assert_non_null(r[*n]);
		(*n)++;
	}
	(void)cap;
	free(line);
	fclose(in);
	return r;
}

static void records_free(struct json_object **r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		json_object_put(r[i]);
	free(r);
}

static int has(struct json_object *o, const char *name)
{
	return json_object_object_get_ex(o, name, NULL);
}

static const char *str(struct json_object *o, const char *name)
{
	struct json_object *v;

	assert_true(json_object_object_get_ex(o, name, &v));
	return json_object_get_string(v);
}

static void send_dns(struct fx *f, uint64_t ts, uint32_t client, uint16_t sport, int qr,
		     uint16_t id, const char *name)
{
	ev_dns(f->c, f->e, ts, 0x01010101, client, sport, qr, id, name);
}

/* ---- DNS: open queries ---------------------------------------------------- */

/* 30k unanswered queries on one 5-tuple, then their answers newest first
 * (the worst order for a list): each answer finds its query in one step.
 * The old list was walked whole per answer (100k queries: 21 s of CPU);
 * here the steps are counted, not the time. */
static void test_dns_match_linear(void **state)
{
	struct fx *f = *state;
	struct pl_collector_opts o = { .idle_timeout_ns = 60 * NS,
				       .dns_pending_conn = 100000, .dns_pending_max = 100000 };
	const struct pl_collector_stats *st = pl_collector_stats(fx_collector(f, &o));
	enum { N = 30000 };
	char name[64];
	int i;

	for (i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "q%d.example.com", i);
		send_dns(f, NS + (uint64_t)i, 0x0a000001, 40000, 0, (uint16_t)i, name);
	}
	assert_int_equal(st->dns_pending, N);
	for (i = N - 1; i >= 0; i--) {
		snprintf(name, sizeof(name), "q%d.example.com", i);
		send_dns(f, 2 * NS + (uint64_t)i, 0x0a000001, 40000, 1, (uint16_t)i, name);
	}
	assert_int_equal(st->dns_pending, 0);           /* every answer found its query */
	assert_int_equal(st->dns_evicted_conn + st->dns_evicted_total, 0);
	/* linear: one comparison per answer (a list walk makes ~N*N/2) */
	assert_true(st->dns_match_steps <= (uint64_t)N);
}

/* Past the per-connection limit the oldest query is logged unanswered and
 * counted; at the end every query has its record, none twice. */
static void test_dns_pending_per_conn(void **state)
{
	struct fx *f = *state;
	struct pl_collector_opts o = { .idle_timeout_ns = 60 * NS,
				       .dns_pending_conn = 8, .dns_pending_max = 1000 };
	const struct pl_collector_stats *st = pl_collector_stats(fx_collector(f, &o));
	struct json_object **r;
	char name[64];
	size_t n;
	int i;

	for (i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "q%d.example.com", i);
		send_dns(f, NS + (uint64_t)i, 0x0a000001, 40000, 0, (uint16_t)i, name);
		assert_true(st->dns_pending <= 8);
	}
	assert_int_equal(st->dns_pending, 8);
	assert_int_equal(st->dns_evicted_conn, 12);
	r = records(f, "dns", &n);
	assert_int_equal(n, 12);                        /* the oldest, logged already */
	assert_string_equal(str(r[0], "query"), "q0.example.com");
	assert_false(has(r[0], "rcode"));               /* as unanswered */
	records_free(r, n);
	/* an answer to a query still open is matched */
	send_dns(f, 3 * NS, 0x0a000001, 40000, 1, 19, "q19.example.com");
	assert_int_equal(st->dns_pending, 7);
	pl_collector_sweep(f->c, 0, 1);
	r = records(f, "dns", &n);
	assert_int_equal(n, 20);                        /* nothing lost, nothing twice */
	assert_string_equal(str(r[12], "query"), "q19.example.com");  /* as answered */
	assert_true(has(r[12], "rtt"));
	assert_string_equal(str(r[19], "query"), "q18.example.com");  /* the rest, at the end */
	assert_false(has(r[19], "rcode"));
	records_free(r, n);
	assert_int_equal(st->dns_pending, 0);
}

/* Past the collector's limit the oldest query of any connection goes. */
static void test_dns_pending_total(void **state)
{
	struct fx *f = *state;
	struct pl_collector_opts o = { .idle_timeout_ns = 60 * NS,
				       .dns_pending_conn = 100, .dns_pending_max = 16 };
	const struct pl_collector_stats *st = pl_collector_stats(fx_collector(f, &o));
	struct json_object **r;
	size_t n;
	int i;

	for (i = 0; i < 40; i++) {
		send_dns(f, NS + (uint64_t)i, 0x0a000001 + (uint32_t)i, 40000, 0, 7, "x.example");
		assert_true(st->dns_pending <= 16);
	}
	assert_int_equal(st->dns_pending, 16);
	assert_int_equal(st->dns_evicted_total, 24);
	assert_int_equal(st->dns_evicted_conn, 0);
	pl_collector_sweep(f->c, 0, 1);
	r = records(f, "dns", &n);
	assert_int_equal(n, 40);
	records_free(r, n);
}

/* ---- connections ------------------------------------------------------------ */

/* More 5-tuples than conns_max: the oldest connection is closed early,
 * its open query logged (unanswered), and counted. */
static void test_conns_max(void **state)
{
	struct fx *f = *state;
	struct pl_collector_opts o = { .idle_timeout_ns = 60 * NS, .conns_max = 4 };
	const struct pl_collector_stats *st = pl_collector_stats(fx_collector(f, &o));
	struct json_object **r;
	size_t n;
	uint32_t i;

	for (i = 0; i < 10; i++) {
		send_dns(f, NS + i, 0x0a000001 + i, 40000, 0, 1, "x.example");
		assert_true(st->conns_open <= 4);
	}
	assert_int_equal(st->conns_open, 4);
	assert_int_equal(st->conns_evicted, 6);
	r = records(f, "dns", &n);
	assert_int_equal(n, 6);
	assert_string_equal(str(r[0], "id.orig_h"), "10.0.0.1");        /* oldest first */
	records_free(r, n);
	pl_collector_sweep(f->c, 0, 1);
	r = records(f, "dns", &n);
	assert_int_equal(n, 10);
	records_free(r, n);
}

/* ---- top names and talkers ------------------------------------------------ */

/* Space-Saving itself: the size never passes its capacity, a key above
 * total / capacity is always there, its count within err of the truth,
 * and every slot taken is counted. */
static void test_topk_bound(void **state)
{
	struct pl_topk *t = pl_topk_new(64, 16);
	struct pl_topk_item it[4];
	uint64_t w, evicted = 0;
	char k[32];
	int i;

	(void)state;
	assert_non_null(t);
	for (i = 0; i < 20000; i++) {
		w = (i % 10 == 0) ? 7 : 1;              /* "heavy": 2000 x 7 of ~32000 */
		if (i % 10 == 0)
			evicted += (uint64_t)pl_topk_add(t, "heavy", 5, w, 1);
		else {
			snprintf(k, sizeof(k), "n%d", i);
			evicted += (uint64_t)pl_topk_add(t, k, strlen(k), w, 1);
		}
		assert_true(pl_topk_size(t) <= 64);
	}
	assert_int_equal(pl_topk_size(t), 64);
	assert_int_equal(pl_topk_evicted(t), evicted);
	assert_true(evicted >= 18000 - 64);
	assert_int_equal(pl_topk_top(t, it, 4), 4);
	assert_string_equal((const char *)it[0].key, "heavy");
	assert_true(it[0].count >= 14000);
	assert_true(it[0].count - it[0].err <= 14000);
	assert_true(it[0].err <= pl_topk_max_err(t));
	pl_topk_free(t);
}

/* A random-subdomain flood: 20k unique names through a table of 64; the
 * name asked most is still first, and the summary says the lists are
 * approximate, with how many names were evicted. */
static void test_top_names_flood(void **state)
{
	struct fx *f = *state;
	struct pl_collector_opts o = { .idle_timeout_ns = 60 * NS, .top_names_max = 64 };
	const struct pl_collector_stats *st = pl_collector_stats(fx_collector(f, &o));
	struct pl_counters cnt;
	const char *names[5];
	uint64_t counts[5];
	char name[64], *text = NULL;
	size_t len = 0;
	FILE *m;
	int i;

	for (i = 0; i < 20000; i++) {
		if (i % 10 == 0)
			snprintf(name, sizeof(name), "popular.example");
		else
			snprintf(name, sizeof(name), "r%d.flood.example", i);
		send_dns(f, NS + (uint64_t)i, 0x0a000001, (uint16_t)(1024 + i % 50000), 0,
			 (uint16_t)i, name);
	}
	assert_true(st->top_evicted[PL_TOP_DNS] >= 18000 - 64);
	assert_int_equal(pl_collector_top(f->c, PL_TOP_DNS, names, counts, 5), 5);
	assert_string_equal(names[0], "popular.example");
	assert_true(counts[0] >= 2000);
	memset(&cnt, 0, sizeof(cnt));
	m = open_memstream(&text, &len);
	assert_non_null(m);
	pl_summary_print(m, &cnt, f->c, NULL);
	fclose(m);
	assert_non_null(strstr(text, "top lists approximate: evicted dns names"));
	free(text);
}

/* ---- TLS/HTTP records waiting for more segments ----------------------------- */

static void send_hello(struct fx *f, uint64_t ts, uint32_t client)
{
	/* announces more than it will ever send */
	ev_hello_incomplete(f->c, f->e, ts, 0x01010101, client);
}

/* ClientHellos that never complete (spoofed sources, no handshake): the
 * memory budget holds 4 waiting; older ones end as incomplete ssl records
 * (counted), the rest at the timeout, far before the idle timeout. */
static void test_reasm_budget(void **state)
{
	struct fx *f = *state;
	struct pl_collector_opts o = { .idle_timeout_ns = 600 * NS,
				       .reasm_mem_bytes = 4 * pl_collector_reasm_entry_bytes(),
				       .reasm_timeout_ns = 5 * NS };
	const struct pl_collector_stats *st = pl_collector_stats(fx_collector(f, &o));
	struct json_object **r;
	size_t n;
	uint32_t i;

	for (i = 0; i < 10; i++) {
		send_hello(f, NS + i, 0x0a000001 + i);
		assert_true(st->reasm_waiting <= 4);
	}
	assert_int_equal(st->reasm_waiting, 4);
	assert_int_equal(st->reasm_evicted, 6);
	r = records(f, "ssl", &n);
	assert_int_equal(n, 6);
	assert_true(has(r[0], "hello_incomplete"));
	assert_string_equal(str(r[0], "id.orig_h"), "10.0.0.1");        /* oldest first */
	assert_string_equal(str(r[5], "id.orig_h"), "10.0.0.6");
	records_free(r, n);
	pl_collector_sweep(f->c, 5 * NS, 0);            /* not 5 s yet */
	assert_int_equal(st->reasm_waiting, 4);
	pl_collector_sweep(f->c, 6 * NS + 10, 0);
	assert_int_equal(st->reasm_waiting, 0);
	assert_int_equal(st->reasm_timed_out, 4);
	pl_collector_sweep(f->c, 0, 1);
	r = records(f, "ssl", &n);
	assert_int_equal(n, 10);                        /* each hello once */
	records_free(r, n);
}

/* ---- weird records -------------------------------------------------------- */

static void send_malformed(struct fx *f, uint64_t ts, uint32_t src, uint8_t reason)
{
	struct pl_ev_malformed e;

	memset(&e, 0, sizeof(e));
	e.h.type = PL_EV_MALFORMED;
	e.h.size = sizeof(e);
	e.h.ts_ns = ts;
	ev_key4(&e.h.key, 6, src, 1234, 0x01010101, 80);
	e.reason = reason;
	e.flags = PL_F_IP;
	pl_collector_on_event(f->c, &e, sizeof(e));
}

static uint64_t suppressed_in(struct json_object **r, size_t n, size_t *which)
{
	struct json_object *v;
	uint64_t total = 0;
	size_t i;

	*which = 0;
	for (i = 0; i < n; i++)
		if (json_object_object_get_ex(r[i], "suppressed", &v)) {
			total += (uint64_t)json_object_get_int64(v);
			(*which)++;
		}
	return total;
}

/* 100 weirds of one name from one source in a second: 5 logged, and one
 * record says 95 more were not; another source is not silenced by it. */
static void test_weird_rate(void **state)
{
	struct fx *f = *state;
	struct pl_collector_opts o = { .idle_timeout_ns = 60 * NS, .weird_per_sec = 5 };
	const struct pl_collector_stats *st = pl_collector_stats(fx_collector(f, &o));
	struct json_object **r;
	size_t n, k;
	int i;

	for (i = 0; i < 100; i++)
		send_malformed(f, NS + (uint64_t)i * 1000, 0x0a000001, 1);
	for (i = 0; i < 3; i++)
		send_malformed(f, NS + (uint64_t)i * 1000, 0x0a000002, 1);
	assert_int_equal(st->weird_logged, 8);
	assert_int_equal(st->weird_suppressed, 95);
	send_malformed(f, 3 * NS, 0x0a000001, 1);       /* a new second */
	r = records(f, "weird", &n);
	assert_int_equal(n, 5 + 3 + 1 + 1);
	assert_int_equal(suppressed_in(r, n, &k), 95);
	assert_int_equal(k, 1);
	records_free(r, n);
}

/* More (name, source) pairs in a second than it tracks: the rest are
 * counted together, said in one record at the end. */
static void test_weird_keys(void **state)
{
	struct fx *f = *state;
	struct pl_collector_opts o = { .idle_timeout_ns = 60 * NS, .weird_keys_max = 4 };
	const struct pl_collector_stats *st = pl_collector_stats(fx_collector(f, &o));
	struct json_object **r;
	size_t n, k;
	uint32_t i;

	for (i = 0; i < 10; i++)
		send_malformed(f, NS + i, 0x0a000001 + i, 1);
	assert_int_equal(st->weird_logged, 4);
	assert_int_equal(st->weird_suppressed, 6);
	pl_collector_sweep(f->c, 0, 1);
	r = records(f, "weird", &n);
	assert_int_equal(n, 5);
	assert_int_equal(suppressed_in(r, n, &k), 6);
	assert_string_equal(str(r[4], "name"), "weird_rate_limited");
	records_free(r, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dns_match_linear, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_dns_pending_per_conn, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_dns_pending_total, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_conns_max, fx_setup, fx_teardown),
		cmocka_unit_test(test_topk_bound),
		cmocka_unit_test_setup_teardown(test_top_names_flood, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_reasm_budget, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_weird_rate, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_weird_keys, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
