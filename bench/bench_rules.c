/* SPDX-License-Identifier: BSD-3-Clause */
/* bench_rules.c - what rules cost: ns per packet of the real XDP program
 * under BPF_PROG_TEST_RUN (repeat) with 0, 1k, 100k and 1M deny rules on
 * random IPv4 /24../32 prefixes and some IPv6 ones, for a packet whose
 * source no rule covers (the trie is searched and misses) and one whose
 * source a rule denies; printed as ratios to no rules at all. Then the
 * time to parse, compile and load each set (target for 1M: < 10 s).
 *
 * Each rule set lives in a pktlens instance of its own, so the sets are
 * measured interleaved: every round times each set once, in an order that
 * rotates from round to round, and the figures are medians over rounds; a
 * burst of noise on the host then lands on one sample of every set, not on
 * one set's whole block. Each round's figures are printed. The load times
 * are interleaved likewise: every load trial reloads each set (what
 * `pktlens rules load` does to a running daemon), rotating.
 * Timings are printed, never judged: a missed target is marked MISSED, and
 * the exit status says only whether the benchmark could run. */
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
#define N_SIZES 4

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

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* ns/packet of one test run of repeat packets; -1 on failure. */
static double time_packet(int prog, struct pkt *p, unsigned repeat, int *verdict)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = p->b, .data_size_in = p->len,
		    .repeat = repeat);

	if (bpf_prog_test_run_opts(prog, &o)) {
		fprintf(stderr, "bench_rules: test run failed: %s\n", strerror(errno));
		return -1;
	}
	*verdict = (int)o.retval;
	return o.duration;
}

/* Median of n values; sorts v. */
static double median(double *v, unsigned n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
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
		"usage: bench_rules [--rounds N] [--repeat N] [--load-trials N]\n"
		"  ns/packet with 0, 1k, 100k and 1M deny rules (BPF_PROG_TEST_RUN), a\n"
		"  packet missing every rule and one hitting one; and the time to parse,\n"
		"  compile and load each set. Each set in a pktlens instance of its own,\n"
		"  the sets interleaved round by round. Needs root.\n"
		"  --rounds N       rounds, each times every set once; medians (default 7)\n"
		"  --repeat N       packets per test run (default 100000)\n"
		"  --load-trials N  loads of every set, interleaved; median (default 3)\n");
}

/* One rule set and its own pktlens instance. */
struct subject {
	unsigned rules;                 /* deny rules asked for */
	char *text;                     /* the rules file */
	size_t len;
	struct pktlens_bpf *skel;
	struct pl_policy_fds f;
	int prog;
	struct pkt miss, hit;
	char hit_src[INET6_ADDRSTRLEN];
	double *miss_ns, *hit_ns;       /* per round */
	double *load_s;                 /* per load trial: parse+compile+load */
	struct phase last;              /* the last load's parts */
};

static int load_subject(struct subject *s, unsigned trial)
{
	if (load_rules(&s->f, s->text, s->len, &s->last))
		return -1;
	s->load_s[trial] = s->last.parse + s->last.compile + s->last.load;
	return 0;
}

/* A set's instance, loaded with its rules (load trial 0). */
static int setup_subject(struct subject *s, unsigned load_trials, unsigned rounds)
{
	int e;

	snprintf(s->hit_src, sizeof(s->hit_src), "192.0.2.77");
	s->text = make_rules(s->rules, &s->len, s->hit_src, sizeof(s->hit_src));
	s->miss_ns = calloc(rounds, sizeof(double));
	s->hit_ns = calloc(rounds, sizeof(double));
	s->load_s = calloc(load_trials, sizeof(double));
	if (!s->text || !s->miss_ns || !s->hit_ns || !s->load_s) {
		fprintf(stderr, "bench_rules: out of memory\n");
		return -1;
	}
	if (!s->rules)
		snprintf(s->hit_src, sizeof(s->hit_src), "198.51.100.1");
	s->skel = pktlens_bpf__open();
	if (!s->skel) {
		fprintf(stderr, "bench_rules: cannot open the BPF object\n");
		return -1;
	}
	s->skel->rodata->cfg_replay = 0;        /* its own clock, as live */
	s->skel->rodata->cfg_l7_events = 0;
	e = pktlens_bpf__load(s->skel);
	if (e) {
		fprintf(stderr, "bench_rules: cannot load the XDP program: %s (root?)\n", strerror(-e));
		return -1;
	}
	s->prog = bpf_program__fd(s->skel->progs.pktlens_xdp);
	pl_policy_fds_of(s->skel, &s->f);
	if (load_subject(s, 0))
		return -1;
	packet(&s->miss, "192.0.2.1");
	packet(&s->hit, s->hit_src);
	return 0;
}

static void free_subject(struct subject *s)
{
	struct phase ph;

	if (s->skel)            /* empty set again: nothing left but this process's maps */
		load_rules(&s->f, "", 0, &ph);
	pktlens_bpf__destroy(s->skel);
	free(s->text);
	free(s->miss_ns);
	free(s->hit_ns);
	free(s->load_s);
}

static const char *size_name(unsigned n, char *out, size_t len)
{
	if (n >= 1000000 && n % 1000000 == 0)
		snprintf(out, len, "%uM", n / 1000000);
	else if (n >= 1000 && n % 1000 == 0)
		snprintf(out, len, "%uk", n / 1000);
	else
		snprintf(out, len, "%u", n);
	return out;
}

/* Round r times each set once (a missing and a hitting packet), starting
 * at set r mod N_SIZES, and prints the round. */
static int run_round(struct subject *sub, unsigned r, unsigned repeat)
{
	char order[64] = "", nm[16];
	size_t o = 0;
	unsigned j;

	for (j = 0; j < N_SIZES; j++) {
		struct subject *s = &sub[(j + r) % N_SIZES];
		int vm, vh;

		s->miss_ns[r] = time_packet(s->prog, &s->miss, repeat, &vm);
		s->hit_ns[r] = time_packet(s->prog, &s->hit, repeat, &vh);
		if (s->miss_ns[r] < 0 || s->hit_ns[r] < 0)
			return -1;
		/* a verdict other than the intended one times another path */
		if (vm != XDP_PASS || vh != (s->rules ? XDP_DROP : XDP_PASS)) {
			fprintf(stderr, "bench_rules: %u rules: verdicts %d (missing source) and %d (%s), not PASS and %s\n",
				s->rules, vm, vh, s->hit_src, s->rules ? "DROP" : "PASS");
			return -1;
		}
		o += (size_t)snprintf(order + o, sizeof(order) - o, "%s%s", j ? " " : "",
				      size_name(s->rules, nm, sizeof(nm)));
	}
	printf("%5u  %-16s", r + 1, order);
	for (j = 0; j < N_SIZES; j++)
		printf(" %7.1f", sub[j].miss_ns[r]);
	printf("  ");
	for (j = 0; j < N_SIZES; j++)
		printf(" %7.1f", sub[j].hit_ns[r]);
	printf("\n");
	return 0;
}

/* Load trial t >= 1: every set reloaded, starting at set t mod N_SIZES. */
static int load_trial(struct subject *sub, unsigned t)
{
	unsigned j;

	for (j = 0; j < N_SIZES; j++)
		if (load_subject(&sub[(j + t) % N_SIZES], t))
			return -1;
	return 0;
}

static bool parse_pos(const char *s, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || end == s || v == 0 || v > 100000000ul)
		return false;
	*out = (unsigned)v;
	return true;
}

int main(int argc, char **argv)
{
	static const unsigned sizes[N_SIZES] = { 0, 1000, 100000, 1000000 };
	struct subject sub[N_SIZES] = { { 0 } };
	unsigned rounds = 7, repeat = 100000, load_trials = 3, r, j;
	int i2, status = 1;
	char nm[16];

	for (i2 = 1; i2 < argc; i2++) {
		if (!strcmp(argv[i2], "--help") || !strcmp(argv[i2], "-h")) {
			usage(stdout);
			return 0;
		} else if (i2 + 1 < argc && !strcmp(argv[i2], "--rounds") &&
			   parse_pos(argv[i2 + 1], &rounds)) {
			i2++;
		} else if (i2 + 1 < argc && !strcmp(argv[i2], "--repeat") &&
			   parse_pos(argv[i2 + 1], &repeat)) {
			i2++;
		} else if (i2 + 1 < argc && !strcmp(argv[i2], "--load-trials") &&
			   parse_pos(argv[i2 + 1], &load_trials)) {
			i2++;
		} else {
			usage(stderr);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("rules: ns/packet under BPF_PROG_TEST_RUN, %u runs of %u packets per set, interleaved\n",
	       rounds, repeat);
	printf("loading every set into a pktlens instance of its own ...\n");
	for (j = 0; j < N_SIZES; j++) {
		sub[j].rules = sizes[j];
		if (setup_subject(&sub[j], load_trials, rounds))
			goto out;
	}

	printf("\n%5s  %-16s %-31s   %s\n", "round", "order", "miss ns/pkt", "hit ns/pkt");
	printf("%5s  %-16s", "", "");
	for (r = 0; r < 2; r++) {
		printf(r ? "  " : "");
		for (j = 0; j < N_SIZES; j++)
			printf(" %7s", size_name(sizes[j], nm, sizeof(nm)));
	}
	printf("\n");
	for (r = 0; r < rounds; r++)
		if (run_round(sub, r, repeat))
			goto out;

	printf("\nload trials (s: parse+compile+load), each reloads every set, rotating:\n");
	for (r = 0; r < load_trials; r++) {
		if (r && load_trial(sub, r))
			goto out;
		printf("%5u ", r + 1);
		for (j = 0; j < N_SIZES; j++)
			printf(" %s %.2f", size_name(sizes[j], nm, sizeof(nm)), sub[j].load_s[r]);
		printf("%s\n", r ? "" : "   (the first load, at set-up)");
	}

	{
		double base_miss = 0, base_hit = 0, load_1m = -1;

		printf("\nmedians: %u rounds, %u load trials\n", rounds, load_trials);
		printf("%9s %9s %6s %11s %7s %11s %7s  %s\n", "rules", "prefixes", "lists",
		       "miss ns/pkt", "vs 0", "hit ns/pkt", "vs 0", "load s, median (last: parse+compile+load)");
		for (j = 0; j < N_SIZES; j++) {
			struct subject *s = &sub[j];
			double m = median(s->miss_ns, rounds), h = median(s->hit_ns, rounds);
			double l = median(s->load_s, load_trials);

			if (!s->rules) {
				base_miss = m;
				base_hit = h;
			}
			if (s->rules == 1000000)
				load_1m = l;
			printf("%9u %9u %6u %11.1f %6.2fx %11.1f %6.2fx  %.2f (%.2f+%.2f+%.2f)\n",
			       s->rules, s->last.prefixes, s->last.lists, m,
			       base_miss > 0 ? m / base_miss : 0, h, base_hit > 0 ? h / base_hit : 0,
			       l, s->last.parse, s->last.compile, s->last.load);
		}
		printf("  (hit with 0 rules: a packet from %s, passed like the missing one)\n",
		       sub[0].hit_src);
		if (load_1m >= 0) {
			const struct phase *big = &sub[N_SIZES - 1].last;

			printf("\n1M prefixes: %.2f s in all, median of %u (target < %.0f s): %s; last load: parse %.2f, compile %.2f, load %.2f (of which filling the trie and lists %.2f, %s)\n",
			       load_1m, load_trials, LOAD_TARGET_S,
			       load_1m < LOAD_TARGET_S ? "met" : "MISSED", big->parse, big->compile,
			       big->load, big->fill, big->batched ? "one batch call" : "one call per entry");
		}
	}
	status = 0;
out:
	for (j = 0; j < N_SIZES; j++)
		free_subject(&sub[j]);
	return status;
}
