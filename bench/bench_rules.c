/* SPDX-License-Identifier: BSD-3-Clause */
/* bench_rules.c - what rules cost: ns per packet of the real XDP program
 * under BPF_PROG_TEST_RUN (repeat) with 0, 1k, 100k and 1M deny rules on
 * random IPv4 /24../32 prefixes and some IPv6 ones, for a packet whose
 * source no rule covers (the trie is searched and misses) and one whose
 * source a rule denies; printed as ratios to no rules at all. Then the
 * time to parse, compile and load a million prefixes (target < 10 s).
 * Timings are printed, never judged: the exit status says only whether
 * the benchmark could run. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bans.h"
#include "rules.h"
#include "pktlens.skel.h"
#include "../tests/common/packets.h"
#include "policy_skel.h"

#define LOAD_TARGET_S 10.0

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* A TCP packet from src (IPv4, dotted). */
static void packet(struct pkt *p, const char *src)
{
	pk_eth(p, 0x0800);
	pk_ipv4(p, 6, 20 + 64);
	inet_pton(AF_INET, src, p->b + 14 + 12);
	pk_tcp(p, 40000, 5201, 0x18);
	memset(p->b + p->len, 'x', 64);
	p->len += 64;
}

static int cmp_uint(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

/* Median ns/packet over rounds; *verdict of the last run. */
static double time_packet(int prog, struct pkt *p, unsigned rounds, unsigned repeat, int *verdict)
{
	unsigned ns[32], r;

	if (rounds > 32)
		rounds = 32;
	for (r = 0; r < rounds; r++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = p->b, .data_size_in = p->len,
			    .repeat = repeat);

		if (bpf_prog_test_run_opts(prog, &o)) {
			fprintf(stderr, "bench_rules: test run failed: %s\n", strerror(errno));
			return -1;
		}
		ns[r] = o.duration;
		*verdict = (int)o.retval;
	}
	qsort(ns, rounds, sizeof(ns[0]), cmp_uint);
	return ns[rounds / 2];
}

/* n deny rules on distinct random prefixes, none inside 192.0.2.0/24 (the
 * missing source's); the IPv4 address of rule n/2 goes to hit. */
static char *make_rules(unsigned n, size_t *len, char *hit, size_t hitlen)
{
	size_t cap = (size_t)n * 48 + 64, o = 0;
	char *t = malloc(cap), a[INET6_ADDRSTRLEN];
	uint64_t *seen, mask;
	unsigned i, want_hit = n / 2;
	size_t slots = 16;

	while (slots < (size_t)n * 2)
		slots <<= 1;
	mask = slots - 1;
	seen = calloc(slots, sizeof(*seen));
	if (!t || !seen) {
		free(t);
		free(seen);
		return NULL;
	}
	snprintf(hit, hitlen, "none");
	for (i = 0; i < n;) {
		uint64_t r = next_rand(), key, h;
		unsigned plen;
		int v6 = r % 20 == 0;   /* one in twenty IPv6 */

		if (v6) {
			uint8_t b[16] = { 0x20, 0x01, 0x0d, 0xb8 };
			uint64_t x = next_rand(), y = next_rand(), k;

			plen = 48 + (unsigned)(r >> 8) % 81;
			memcpy(b + 4, &x, 8);
			memcpy(b + 12, &y, 4);
			for (k = plen; k < 128; k++)
				b[k / 8] &= (uint8_t)~(0x80 >> (k % 8));
			inet_ntop(AF_INET6, b, a, sizeof(a));
			key = (x ^ (y << 32)) * 31 + plen + (1ull << 63);
			if (plen < 128)
				o += (size_t)snprintf(t + o, cap - o, "deny %s/%u\n", a, plen);
			else
				o += (size_t)snprintf(t + o, cap - o, "deny %s\n", a);
		} else {
			uint32_t ip = (uint32_t)(r >> 16);
			uint8_t b[4];

			plen = 24 + (unsigned)(r >> 8) % 9;
			ip &= plen == 32 ? 0xffffffffu : ~(0xffffffffu >> plen);
			if ((ip >> 8) == 0xc00002)      /* 192.0.2.0/24 */
				continue;
			b[0] = (uint8_t)(ip >> 24);
			b[1] = (uint8_t)(ip >> 16);
			b[2] = (uint8_t)(ip >> 8);
			b[3] = (uint8_t)ip;
			inet_ntop(AF_INET, b, a, sizeof(a));
			key = (uint64_t)ip << 8 | plen;
		}
		for (h = (key * 0x9e3779b97f4a7c15ull) & mask; seen[h]; h = (h + 1) & mask)
			if (seen[h] == key + 1)
				break;
		if (seen[h])
			continue;       /* that prefix again */
		seen[h] = key + 1;
		if (!v6) {
			o += (size_t)snprintf(t + o, cap - o, "deny %s/%u\n", a, plen);
			if (i >= want_hit && !strcmp(hit, "none"))
				snprintf(hit, hitlen, "%s", a);
		}
		i++;
	}
	free(seen);
	*len = o;
	return t;
}

struct phase {
	double parse, compile, load, fill;
	int batched;
	unsigned prefixes, lists;
};

static int load_rules(const struct pl_policy_fds *f, const char *text, size_t len,
		      struct phase *ph)
{
	struct pl_ruleset rs;
	struct pl_load_result res;
	char err[1024] = "";
	double t0 = now_s(), t1, t2;

	if (pl_rules_parse(&rs, "generated", text, len, err, sizeof(err))) {
		fprintf(stderr, "bench_rules: %s\n", err);
		return -1;
	}
	t1 = now_s();
	if (pl_rules_compile(&rs, err, sizeof(err))) {
		fprintf(stderr, "bench_rules: %s\n", err);
		pl_ruleset_free(&rs);
		return -1;
	}
	t2 = now_s();
	if (pl_rules_load(f, &rs, NULL, &res, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench_rules: %s\n", err);
		pl_ruleset_free(&rs);
		return -1;
	}
	ph->load = now_s() - t2;
	ph->parse = t1 - t0;
	ph->compile = t2 - t1;
	ph->fill = res.fill_s;
	ph->batched = res.batched;
	ph->prefixes = rs.n_prefixes;
	ph->lists = rs.n_lists;
	pl_ruleset_free(&rs);
	return 0;
}

static void usage(FILE *o)
{
	fprintf(o,
		"usage: bench_rules [--rounds N] [--repeat N]\n"
		"  ns/packet with 0, 1k, 100k and 1M deny rules (BPF_PROG_TEST_RUN), a\n"
		"  packet missing every rule and one hitting one; and the time to parse,\n"
		"  compile and load 1M prefixes. Needs root.\n"
		"  --rounds N  test runs per figure, the median is shown (default 7)\n"
		"  --repeat N  packets per test run (default 100000)\n");
}

int main(int argc, char **argv)
{
	static const unsigned sizes[] = { 0, 1000, 100000, 1000000 };
	struct pktlens_bpf *skel;
	struct pl_policy_fds f;
	unsigned rounds = 7, repeat = 100000, i;
	double base_miss = 0, base_hit = 0;
	struct phase big = { 0 };
	int prog, e, i2;

	for (i2 = 1; i2 < argc; i2++) {
		if (!strcmp(argv[i2], "--help") || !strcmp(argv[i2], "-h")) {
			usage(stdout);
			return 0;
		} else if (i2 + 1 < argc && !strcmp(argv[i2], "--rounds")) {
			rounds = (unsigned)atoi(argv[++i2]);
		} else if (i2 + 1 < argc && !strcmp(argv[i2], "--repeat")) {
			repeat = (unsigned)atoi(argv[++i2]);
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (!rounds || !repeat) {
		usage(stderr);
		return 2;
	}
	skel = pktlens_bpf__open();
	if (!skel) {
		fprintf(stderr, "bench_rules: cannot open the BPF object\n");
		return 1;
	}
	skel->rodata->cfg_replay = 0;           /* its own clock, as live */
	skel->rodata->cfg_l7_events = 0;
	e = pktlens_bpf__load(skel);
	if (e) {
		fprintf(stderr, "bench_rules: cannot load the XDP program: %s (root?)\n", strerror(-e));
		pktlens_bpf__destroy(skel);
		return 1;
	}
	prog = bpf_program__fd(skel->progs.pktlens_xdp);
	pl_policy_fds_of(skel, &f);

	printf("rules: ns/packet under BPF_PROG_TEST_RUN, median of %u runs of %u packets\n",
	       rounds, repeat);
	printf("%9s %9s %6s %11s %7s %11s %7s  %s\n", "rules", "prefixes", "lists",
	       "miss ns/pkt", "vs 0", "hit ns/pkt", "vs 0", "load s (parse+compile+load)");
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct phase ph = { 0 };
		struct pkt miss, hit;
		char hit_src[INET6_ADDRSTRLEN] = "192.0.2.77";
		double m, h;
		int vm, vh;
		size_t len = 0;
		char *text = make_rules(sizes[i], &len, hit_src, sizeof(hit_src));

		if (!text) {
			fprintf(stderr, "bench_rules: out of memory\n");
			return 1;
		}
		if (!sizes[i])
			snprintf(hit_src, sizeof(hit_src), "198.51.100.1");
		if (load_rules(&f, text, len, &ph)) {
			free(text);
			printf("%9u  (not loaded, see above)\n", sizes[i]);
			continue;
		}
		free(text);
		packet(&miss, "192.0.2.1");
		packet(&hit, hit_src);
		m = time_packet(prog, &miss, rounds, repeat, &vm);
		h = time_packet(prog, &hit, rounds, repeat, &vh);
		if (m < 0 || h < 0)
			return 1;
		if (vm != 2)
			printf("  (the missing packet was not passed: verdict %d)\n", vm);
		if (sizes[i] && vh != 1)
			printf("  (the hitting packet from %s was not dropped: verdict %d)\n", hit_src, vh);
		if (!sizes[i]) {
			base_miss = m;
			base_hit = h;
		}
		printf("%9u %9u %6u %11.1f %6.2fx %11.1f %6.2fx  %.2f (%.2f+%.2f+%.2f)\n", sizes[i],
		       ph.prefixes, ph.lists, m, base_miss > 0 ? m / base_miss : 0, h,
		       base_hit > 0 ? h / base_hit : 0, ph.parse + ph.compile + ph.load, ph.parse,
		       ph.compile, ph.load);
		if (sizes[i] == 1000000)
			big = ph;
	}
	if (big.prefixes) {
		double total = big.parse + big.compile + big.load;

		printf("\n1M prefixes: %.2f s in all (target < %.0f s): parse %.2f, compile %.2f, load %.2f (of which filling the trie and lists %.2f, %s)%s\n",
		       total, LOAD_TARGET_S, big.parse, big.compile, big.load, big.fill,
		       big.batched ? "one batch call" : "one call per entry",
		       total < LOAD_TARGET_S ? "" : "  -- MISSED THE TARGET");
	}
	/* empty set again: nothing left in the kernel but this process's maps */
	{
		struct phase ph;

		load_rules(&f, "", 0, &ph);
	}
	pktlens_bpf__destroy(skel);
	return 0;
}
