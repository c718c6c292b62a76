/* SPDX-License-Identifier: BSD-3-Clause */
/* mem_hostile.c - the collector's memory under floods made to grow its
 * tables (docs/bounds.md): events as the ring buffer hands them, straight
 * into the collector (the kernel's maps are fixed-size; what grows with
 * traffic is here). Prints the resident set at ten steps through the
 * flood, the time each step took, and the loss counters; the records go to
 * standard output (send it to /dev/null).
 *
 *   mem_hostile SCENARIO N
 *
 * SCENARIO: names   N queries of N unique names, each answered
 *           pending1 N unanswered queries on one 5-tuple
 *           pending  N unanswered queries on N 5-tuples
 *           hellos   N ClientHellos that announce more than they send,
 *                    from N sources, no handshake */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include "collector.h"
#include "sink.h"
#include "../tests/common/l7_events.h"

static long rss_kib(const char *field)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long v = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, strlen(field)))
			v = strtol(line + strlen(field) + 1, NULL, 10);
	fclose(f);
	return v;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct pl_collector_opts o = { .idle_timeout_ns = 3600ull * 1000000000ull };
	const struct pl_collector_stats *st;
	struct pl_collector *c;
	struct pl_sink sink;
	struct pl_ev_l7 *e = calloc(1, sizeof(*e));
	const char *sc;
	char err[256], name[96];
	unsigned long n, i, step;
	double t0, t1;
	int s;

	if (argc != 3 || !e || (n = strtoul(argv[2], NULL, 10)) < 10) {
		fprintf(stderr, "usage: mem_hostile names|pending1|pending|hellos N (N >= 10)\n");
		return 2;
	}
	sc = argv[1];
	if (strcmp(sc, "names") && strcmp(sc, "pending1") && strcmp(sc, "pending") &&
	    strcmp(sc, "hellos")) {
		fprintf(stderr, "mem_hostile: unknown scenario '%s'\n", sc);
		return 2;
	}
	if (pl_sink_open(&sink, NULL, 0, err, sizeof(err))) {
		fprintf(stderr, "mem_hostile: %s\n", err);
		return 1;
	}
	c = pl_collector_new(&o, &sink, -1);
	if (!c)
		return 1;
	st = pl_collector_stats(c);
	fprintf(stderr, "%s %lu: start rss_kib %ld\n", sc, n, rss_kib("VmRSS:"));
	step = n / 10;
	t0 = now_s();
	for (i = 0, s = 1; i < n; i++) {
		uint64_t ts = 1000000000ull + i * 1000ull;      /* 1 us apart: no sweep, no timeout */

		if (!strcmp(sc, "names")) {
			snprintf(name, sizeof(name), "r%08lx%lu.flood.example", i * 2654435761ul, i);
			ev_dns(c, e, ts, 0x08080808, 0x0a000001, 40000, 0, (uint16_t)i, name);
			ev_dns(c, e, ts + 500, 0x08080808, 0x0a000001, 40000, 1, (uint16_t)i, name);
		} else if (!strcmp(sc, "pending1")) {
			snprintf(name, sizeof(name), "q%lu.example", i);
			ev_dns(c, e, ts, 0x08080808, 0x0a000001, 40000, 0, (uint16_t)i, name);
		} else if (!strcmp(sc, "pending")) {
			snprintf(name, sizeof(name), "q%lu.example", i);
			ev_dns(c, e, ts, 0x08080808, 0x0a000000 + (uint32_t)(i >> 14), (uint16_t)(1024 + (i & 16383)),
			    0, (uint16_t)i, name);
		} else {
			ev_hello_incomplete(c, e, ts, 0x08080808, 0x0a000000 + (uint32_t)i);
		}
		if (i + 1 == step * (unsigned long)s) {
			t1 = now_s();
			fprintf(stderr, "%s %lu: step %d/10 events %lu rss_kib %ld step_s %.3f "
				"dns_open %llu dns_evicted_conn %llu dns_evicted_total %llu "
				"dns_match_steps %llu top_evicted_dns %llu conns_open %llu "
				"conns_evicted %llu reasm_waiting %llu reasm_evicted %llu\n",
				sc, n, s, i + 1, rss_kib("VmRSS:"), t1 - t0,
				(unsigned long long)st->dns_pending,
				(unsigned long long)st->dns_evicted_conn,
				(unsigned long long)st->dns_evicted_total,
				(unsigned long long)st->dns_match_steps,
				(unsigned long long)st->top_evicted[PL_TOP_DNS],
				(unsigned long long)st->conns_open,
				(unsigned long long)st->conns_evicted,
				(unsigned long long)st->reasm_waiting,
				(unsigned long long)st->reasm_evicted);
			t0 = t1;
			s++;
		}
	}
	fprintf(stderr, "%s %lu: peak rss_kib %ld; bytes per entry: open query %zu, "
		"waiting record %zu\n", sc, n, rss_kib("VmHWM:"), pl_collector_dns_entry_bytes(),
		pl_collector_reasm_entry_bytes());
	pl_collector_sweep(c, 0, 1);
	pl_collector_free(c);
	pl_sink_close(&sink);
	free(e);
	return 0;
}
