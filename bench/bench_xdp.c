/* SPDX-License-Identifier: BSD-3-Clause */
/* bench_xdp.c - ns per packet of the real XDP program under
 * BPF_PROG_TEST_RUN, next to a bare XDP_PASS program (the cost of the test
 * run itself) and xdp-filter's production program (what an operator already
 * runs), on five packets shaped like real traffic.
 *
 * The program runs as it does live: its own clock, and an L7 event for every
 * DNS query and ClientHello, drained by a consumer on another CPU so that the
 * time is that of reserve+submit and not of a full ring's quick failure.
 * By default the consumer sleeps in ring_buffer__poll as a daemon would; with
 * --consumer batch it drains on a timer instead, which shows how much of an
 * event's cost is the kernel waking a consumer that keeps up.
 * Programs are interleaved round by round and the median is reported, so a
 * burst of noise moves one sample, not one column. A missed target is
 * printed (MISSED), never an error: timings are not pass/fail.
 *
 * BPF_PROG_TEST_RUN repeats one frame, so every run of it finds the same
 * flow, hot in L1. The second table times each packet over --flows
 * distinct flows (10,000 by default) in a pktlens instance of its own:
 * bench_flows.bpf.c rewrites the frame to the next flow before every run
 * and tail-calls the program, so a test run walks the whole table as a busy
 * link does. The table is filled first (every flow exists, as for most
 * packets of a real link) and checked: as many entries as flows, and no
 * flow created during the timed runs. The alternatives were worse: one
 * test run per frame costs ~2 us of syscall per packet, which buries the
 * ~100 ns measured; a pre-filled table with one hot frame shows the table's
 * size but not its cache misses. The same rewriter runs in front of the one
 * hot flow and of xdp-filter, and its own cost (rewriter + XDP_PASS minus
 * XDP_PASS) is subtracted, so the columns compare with the first table. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "pl_abi.h"
#include "pktlens.skel.h"
#include "bench_pass.skel.h"
#include "bench_parse.skel.h"
#include "bench_flows.skel.h"
#include "packets_bench.h"

#define XDP_FILTER_DEFAULT "/usr/lib/x86_64-linux-gnu/bpf/xdpfilt_dny_all.o"
#define BATCH_PERIOD_US 200     /* well inside what the 4 MiB ring holds */
#define STR_(x) #x
#define STR(x) STR_(x)
#define EV_TYPES 8              /* event types tallied one by one */
#define FLOWS_DEFAULT 10000
#define FLOWS_MAX (1u << 24)    /* what bench_flows can tell apart */

enum prog_id {
	PROG_PKTLENS,           /* the full program, live mode: what ships */
	PROG_BARE,              /* XDP_PASS only: the floor */
	PROG_XDP_FILTER,        /* xdp-filter, deny mode, empty tables */
	PROG_NO_EVENTS,         /* the full program with cfg_l7_events = 0 */
	PROG_PARSE_ONLY,        /* the parser alone */
	/* Through bench_flows (the second table); FL_FIRST.. are those. */
	FL_PKTLENS_1,           /* pktlens (the same instance as above), one flow */
	FL_PKTLENS_N,           /* pktlens, an instance of its own, N flows */
	FL_BARE_N,              /* XDP_PASS, N flows: the rewriter's own cost */
	FL_XDP_FILTER_N,        /* xdp-filter, N flows */
	PROG__COUNT
};
#define FL_FIRST FL_PKTLENS_1

static const char *const prog_names[PROG__COUNT] = {
	"pktlens", "bare XDP_PASS", "xdp-filter", "pktlens, no events", "parser only",
	"pktlens, 1 flow (rewriter)", "pktlens, N flows (rewriter)",
	"bare XDP_PASS, N flows (rewriter)", "xdp-filter, N flows (rewriter)",
};

struct bench_packet {
	const char *name;
	void (*build)(struct pkt *p);
	const char *(*check)(const struct pl_meta *m);  /* NULL when parsed as expected */
	double target;          /* pktlens/xdp-filter at most (the issue); 0: none */
	bool emits_l7;          /* live pktlens sends an L7 event for it */
	struct pkt p;
	/* Where bench_flows writes the flow, from the parse; has_flows is
	 * false for a packet without ports (no flow to vary). */
	bool has_flows;
	unsigned int port_off, addr_off, base_port, base_addr;
	unsigned int next_flow[PROG__COUNT];    /* each subject's place in the cycle */
};

static const char *check_tcp_data(const struct pl_meta *m)
{
	if (m->malformed || !(m->flags & PL_F_L4) || m->l4_proto != 6)
		return "TCP header not parsed";
	if (m->sport != 40000 || m->dport != 5201 || m->payload_len != 100)
		return "ports or payload length differ";
	return m->l7_kind == PL_L7_NONE ? NULL : "opaque payload claimed by an L7 parser";
}

static const char *check_dns(const struct pl_meta *m)
{
	if (m->malformed || m->l7_kind != PL_L7_DNS)
		return "not parsed as DNS";
	if (m->l7.dns.qname_len != 15 || memcmp(m->l7.dns.qname, "www.example.com", 15))
		return "query name differs";
	return NULL;
}

static const char *check_tls(const struct pl_meta *m)
{
	const struct pl_tls *t = &m->l7.tls;

	if (m->malformed || m->l7_kind != PL_L7_TLS)
		return "not parsed as a TLS ClientHello";
	if (!(t->flags & PL_TLS_HAS_SNI) || t->sni_len != sizeof(BENCH_TLS_SNI) - 1 ||
	    memcmp(t->sni, BENCH_TLS_SNI, t->sni_len))
		return "server_name (5th extension) not found";
	if (!(t->flags & PL_TLS_COMPLETE) || t->n_versions != 3 || t->versions[1] != 0x0304)
		return "hello incomplete or supported_versions (13th extension) not read";
	return NULL;
}

static const char *check_ipv6_ext(const struct pl_meta *m)
{
	if (m->malformed || m->ip_version != 6)
		return "IPv6 header not parsed";
	if (m->ipv6_ext_count != 3 ||
	    m->ipv6_ext != (PL_EXT_HOP | PL_EXT_ROUTING | PL_EXT_DSTOPTS))
		return "extension chain not walked";
	if (m->l4_proto != 6 || !(m->flags & PL_F_L4) || m->dport != 8080)
		return "TCP after the extension headers not parsed";
	return NULL;
}

static const char *check_malformed(const struct pl_meta *m)
{
	return m->malformed == PL_MAL_IPV4_BAD_IHL ? NULL : "not judged ipv4_bad_ihl";
}

static struct bench_packet packets[] = {
	{ .name = "TCP data, IPv4",      .build = pk_bench_tcp_data,  .check = check_tcp_data,
	  .target = 0.6 },
	{ .name = "DNS query, UDP/53",   .build = pk_dns_query,       .check = check_dns,
	  .target = 1.5, .emits_l7 = true },
	{ .name = "TLS 1.3 ClientHello", .build = pk_bench_tls_ch,    .check = check_tls,
	  .target = 2.5, .emits_l7 = true },
	{ .name = "IPv6 + 3 ext, TCP",   .build = pk_bench_ipv6_ext,  .check = check_ipv6_ext },
	{ .name = "malformed, IHL 3",    .build = pk_bench_malformed, .check = check_malformed },
};
#define N_PACKETS (sizeof(packets) / sizeof(packets[0]))

static const char *const reason_names[] = {
#define PL_REASON_NAME(id, name, doc) name,
	PL_MALFORMED_REASONS(PL_REASON_NAME)
#undef PL_REASON_NAME
};

struct bench {
	int fd[PROG__COUNT];            /* program fds, -1 when not available */
	struct bpf_map *scratch[PROG__COUNT];   /* pl_scratch of pktlens and parser */
	struct pktlens_bpf *live, *no_events, *many;
	struct bench_pass_bpf *bare;
	struct bench_parse_bpf *parse;
	struct bench_flows_bpf *flows;
	struct bpf_object *xdp_filter;
	int ncpu, measure_cpu, consumer_cpu;
	unsigned int n_flows;           /* distinct flows of the FL_*_N subjects */
	unsigned int flow_capacity;     /* the many-flows instance's pl_flows size */
	unsigned long long l7_sent;     /* live pktlens runs on packets with an L7 record */
};

/* A consumer on another CPU keeps the ring buffer drained. */
struct consumer {
	struct ring_buffer *rb;
	int cpu;
	bool batch;             /* drain every BATCH_PERIOD_US instead of poll() */
	atomic_bool stop;
	pthread_t thread;
	int err;
	unsigned long long by_type[EV_TYPES];   /* by pl_event_hdr.type; [0]: others */
};

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level <= LIBBPF_WARN && getenv("PKTLENS_DEBUG"))
		return vfprintf(stderr, fmt, ap);
	return 0;
}

/* err: an errno or a libbpf error code, either sign. */
static int fail(const char *what, int err)
{
	char msg[128];

	libbpf_strerror(err < 0 ? err : -err, msg, sizeof(msg));
	fprintf(stderr, "bench_xdp: %s: %s\n", what, msg);
	return -1;
}

static int count_event(void *ctx, void *data, size_t size)
{
	struct consumer *c = ctx;
	const struct pl_event_hdr *h = data;

	c->by_type[size >= sizeof(*h) && h->type < EV_TYPES ? h->type : 0]++;
	return 0;
}

static void *consume(void *arg)
{
	struct consumer *c = arg;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(c->cpu, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set))
		fprintf(stderr, "bench_xdp: the ring consumer could not move to CPU %d\n", c->cpu);
	while (!atomic_load(&c->stop)) {
		int e;

		if (c->batch) {
			usleep(BATCH_PERIOD_US);
			e = ring_buffer__consume(c->rb);
		} else {
			e = ring_buffer__poll(c->rb, 10 /* ms */);
		}
		if (e < 0 && e != -EINTR) {
			c->err = e;
			break;
		}
	}
	ring_buffer__consume(c->rb);    /* whatever came after the last poll */
	return NULL;
}

/* Measure on the highest CPU we may use (CPU 0 usually carries more of the
 * system's housekeeping), drain the ring on the lowest. */
static int pick_cpus(struct bench *b)
{
	cpu_set_t set;
	int cpu;

	if (sched_getaffinity(0, sizeof(set), &set))
		return fail("sched_getaffinity", errno);
	b->measure_cpu = b->consumer_cpu = -1;
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &set))
			continue;
		if (b->consumer_cpu < 0)
			b->consumer_cpu = cpu;
		b->measure_cpu = cpu;
	}
	if (b->measure_cpu == b->consumer_cpu)
		fprintf(stderr, "bench_xdp: only one CPU: the ring consumer shares it, events may be lost\n");
	CPU_ZERO(&set);
	CPU_SET(b->measure_cpu, &set);
	/* test_run runs the program on the calling CPU, and per-CPU maps are
	 * read back from this CPU's slot. */
	if (sched_setaffinity(0, sizeof(set), &set))
		return fail("cannot pin to one CPU", errno);
	return 0;
}

/* flow_entries: the flow table's size, 0 for pktlens' default. */
static int load_pktlens(struct pktlens_bpf **skel, bool l7_events, unsigned int flow_entries)
{
	int e;

	*skel = pktlens_bpf__open();
	if (!*skel)
		return fail("cannot open the pktlens BPF object", errno);
	(*skel)->rodata->cfg_l7_events = l7_events;     /* cfg_replay stays 0: live */
	if (flow_entries) {
		e = bpf_map__set_max_entries((*skel)->maps.pl_flows, flow_entries);
		if (e)
			return fail("cannot size pl_flows", e);
	}
	e = pktlens_bpf__load(*skel);
	if (e)
		return fail("cannot load pktlens_xdp (needs root; PKTLENS_DEBUG=1 shows the verifier log)", e);
	return 0;
}

/* xdp-filter's own object, as its loader would use it, minus map pinning:
 * the benchmark must neither share a running xdp-filter's tables nor leave
 * pins behind. Missing is not an error, only a column less. */
static int load_xdp_filter(struct bench *b, const char *path)
{
	struct bpf_program *prog;
	struct bpf_map *map;
	int e;

	b->xdp_filter = bpf_object__open_file(path, NULL);
	if (!b->xdp_filter) {
		e = errno;
		if (e == ENOENT) {
			printf("xdp-filter: %s not found (Debian/Ubuntu package xdp-tools, or --xdp-filter PATH): column skipped\n",
			       path);
			return 0;
		}
		return fail(path, e);
	}
	bpf_object__for_each_map(map, b->xdp_filter)
		bpf_map__set_pin_path(map, NULL);
	e = bpf_object__load(b->xdp_filter);
	if (e)
		return fail("cannot load xdp-filter's program (PKTLENS_DEBUG=1 shows why)", e);
	bpf_object__for_each_program(prog, b->xdp_filter) {
		if (bpf_program__type(prog) == BPF_PROG_TYPE_XDP) {
			b->fd[PROG_XDP_FILTER] = bpf_program__fd(prog);
			return 0;
		}
	}
	fprintf(stderr, "bench_xdp: %s holds no XDP program\n", path);
	return -1;
}

/* The rewriter in front of each program of the second table. */
static int load_flows(struct bench *b)
{
	struct {
		enum prog_id id;
		struct bpf_program *prog;
		struct bpf_map *slot;
		int target;
	} fl[] = {
		{ FL_PKTLENS_1, NULL, NULL, b->fd[PROG_PKTLENS] },
		{ FL_PKTLENS_N, NULL, NULL, bpf_program__fd(b->many->progs.pktlens_xdp) },
		{ FL_BARE_N, NULL, NULL, b->fd[PROG_BARE] },
		{ FL_XDP_FILTER_N, NULL, NULL, b->fd[PROG_XDP_FILTER] },
	};
	__u32 zero = 0;
	size_t i;
	int e;

	b->flows = bench_flows_bpf__open_and_load();
	if (!b->flows)
		return fail("cannot load bench_flows (PKTLENS_DEBUG=1 shows the verifier log)", errno);
	fl[0].prog = b->flows->progs.flows_pktlens;
	fl[0].slot = b->flows->maps.flows_pktlens_target;
	fl[1].prog = b->flows->progs.flows_pktlens_many;
	fl[1].slot = b->flows->maps.flows_pktlens_many_target;
	fl[2].prog = b->flows->progs.flows_bare;
	fl[2].slot = b->flows->maps.flows_bare_target;
	fl[3].prog = b->flows->progs.flows_xdp_filter;
	fl[3].slot = b->flows->maps.flows_xdp_filter_target;
	for (i = 0; i < sizeof(fl) / sizeof(fl[0]); i++) {
		if (fl[i].target < 0)
			continue;               /* no xdp-filter: a column less */
		e = bpf_map__update_elem(fl[i].slot, &zero, sizeof(zero), &fl[i].target,
					 sizeof(fl[i].target), BPF_ANY);
		if (e)
			return fail("cannot put a program in bench_flows' tail-call slot", e);
		b->fd[fl[i].id] = bpf_program__fd(fl[i].prog);
	}
	b->scratch[FL_PKTLENS_1] = b->live->maps.pl_scratch;
	b->scratch[FL_PKTLENS_N] = b->many->maps.pl_scratch;
	return 0;
}

static int load_all(struct bench *b, const char *xdp_filter_path)
{
	int e, i;

	for (i = 0; i < PROG__COUNT; i++)
		b->fd[i] = -1;
	if (load_pktlens(&b->live, true, 0) || load_pktlens(&b->no_events, false, 0) ||
	    load_pktlens(&b->many, true, b->flow_capacity))
		return -1;
	b->fd[PROG_PKTLENS] = bpf_program__fd(b->live->progs.pktlens_xdp);
	b->fd[PROG_NO_EVENTS] = bpf_program__fd(b->no_events->progs.pktlens_xdp);
	b->scratch[PROG_PKTLENS] = b->live->maps.pl_scratch;
	b->scratch[PROG_NO_EVENTS] = b->no_events->maps.pl_scratch;

	b->bare = bench_pass_bpf__open_and_load();
	if (!b->bare)
		return fail("cannot load bench_pass", errno);
	b->fd[PROG_BARE] = bpf_program__fd(b->bare->progs.bench_pass);

	b->parse = bench_parse_bpf__open();
	if (!b->parse)
		return fail("cannot open bench_parse", errno);
	e = bench_parse_bpf__load(b->parse);
	if (e)
		return fail("cannot load bench_parse (PKTLENS_DEBUG=1 shows the verifier log)", e);
	b->fd[PROG_PARSE_ONLY] = bpf_program__fd(b->parse->progs.bench_parse);
	b->scratch[PROG_PARSE_ONLY] = b->parse->maps.pl_scratch;

	if (load_xdp_filter(b, xdp_filter_path))
		return -1;
	return load_flows(b);
}

static void unload_all(struct bench *b)
{
	bench_flows_bpf__destroy(b->flows);     /* first: its slots hold the others */
	bpf_object__close(b->xdp_filter);
	bench_parse_bpf__destroy(b->parse);
	bench_pass_bpf__destroy(b->bare);
	pktlens_bpf__destroy(b->many);
	pktlens_bpf__destroy(b->no_events);
	pktlens_bpf__destroy(b->live);
}

static bool is_xdp_filter(enum prog_id k)
{
	return k == PROG_XDP_FILTER || k == FL_XDP_FILTER_N;
}

/* Ours pass every packet; xdp-filter's verdict is its own business (in
 * deny mode with empty tables it drops all, after every lookup missed).
 * A subject behind the rewriter goes on in the flow cycle where its last
 * test run on this packet left off. */
static int run(struct bench *b, enum prog_id k, struct bench_packet *pk,
	       unsigned int repeat, unsigned int *ns, unsigned int *verdict)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pk->p.b, .data_size_in = pk->p.len,
		    .repeat = repeat);
	struct bench_flows_bpf__bss *g = b->flows ? b->flows->bss : NULL;
	int e;

	if (k >= FL_FIRST) {
		g->flows = k == FL_PKTLENS_1 ? 1 : b->n_flows;
		g->next_flow = pk->next_flow[k];
		g->port_off = pk->port_off;
		g->addr_off = pk->addr_off;
		g->base_port = pk->base_port;
		g->base_addr = pk->base_addr;
	}
	e = bpf_prog_test_run_opts(b->fd[k], &o);
	if (e)
		return e;
	if (k >= FL_FIRST)
		pk->next_flow[k] = g->next_flow;
	if ((k == PROG_PKTLENS || k == FL_PKTLENS_1 || k == FL_PKTLENS_N) && pk->emits_l7)
		b->l7_sent += repeat;
	if (!is_xdp_filter(k) && o.retval != XDP_PASS) {
		fprintf(stderr, "bench_xdp: verdict %u instead of XDP_PASS\n", o.retval);
		return -EPROTO;
	}
	*ns = o.duration;
	*verdict = o.retval;
	return 0;
}

/* This CPU's slot of a one-entry per-CPU array. */
static int read_percpu(struct bpf_map *map, int ncpu, int cpu, void *out, size_t size)
{
	size_t stride = (size + 7) & ~(size_t)7;
	char *all = calloc((size_t)ncpu, stride);
	__u32 zero = 0;
	int e;

	if (!all)
		return -ENOMEM;
	e = bpf_map__lookup_elem(map, &zero, sizeof(zero), all, stride * (size_t)ncpu, 0);
	if (!e)
		memcpy(out, all + stride * (size_t)cpu, size);
	free(all);
	return e;
}

/* Where the rewriter finds the flow of pk, from pktlens' own parse of it:
 * the source port and the last byte of the source address. A packet
 * without ports has no flow to vary and stays out of the second table. */
static void set_flow_fields(struct bench_packet *pk, const struct pl_meta *m)
{
	unsigned int l3 = 14 + 4u * m->n_vlans;

	pk->has_flows = (m->flags & PL_F_L4) && (m->l4_proto == 6 || m->l4_proto == 17);
	if (!pk->has_flows)
		return;
	pk->port_off = m->l4_off;
	pk->addr_off = l3 + (m->ip_version == 4 ? 15 : 23);
	pk->base_port = m->sport;
	pk->base_addr = pk->p.b[pk->addr_off];
	/* the offsets must find what the parser read, or the cycle would
	 * rewrite something else */
	if (pk->port_off + 2 > pk->p.len ||
	    (pk->p.b[pk->port_off] << 8 | pk->p.b[pk->port_off + 1]) != m->sport ||
	    pk->base_addr != m->src[15]) {
		fprintf(stderr, "bench_xdp: \"%s\": source port or address not where expected: no many-flows column\n",
			pk->name);
		pk->has_flows = false;
	}
}

/* A packet the program gives up on early would time the wrong thing: check
 * that every variant parsed each packet as intended, and that ours pass
 * it. This first run also inserts each flow, so the timed runs take
 * the path most packets take, an existing flow. */
static int sanity_check(struct bench *b)
{
	static const char *const verdicts[] = { "ABORTED", "DROP", "PASS", "TX", "REDIRECT" };
	unsigned int ns, verdict, xf_verdict = ~0u;
	struct pl_meta m;
	enum prog_id k;
	size_t i;
	int e;

	for (i = 0; i < N_PACKETS; i++) {
		for (k = 0; k < PROG__COUNT; k++) {
			const char *why;

			if (b->fd[k] < 0 || (k >= FL_FIRST && !packets[i].has_flows))
				continue;
			e = run(b, k, &packets[i], 1, &ns, &verdict);
			if (e) {
				fprintf(stderr, "bench_xdp: %s on \"%s\": test run failed: %s\n",
					prog_names[k], packets[i].name, strerror(-e));
				return -1;
			}
			if (k == PROG_XDP_FILTER)
				xf_verdict = verdict;
			else if (k == FL_XDP_FILTER_N && verdict != xf_verdict) {
				fprintf(stderr, "bench_xdp: xdp-filter behind the rewriter: verdict %u, not %u as alone\n",
					verdict, xf_verdict);
				return -1;
			}
			if (!b->scratch[k])
				continue;
			e = read_percpu(b->scratch[k], b->ncpu, b->measure_cpu, &m, sizeof(m));
			if (e)
				return fail("cannot read pl_scratch", e);
			why = packets[i].check(&m);
			if (why) {
				fprintf(stderr,
					"bench_xdp: sanity check: %s on \"%s\": %s (malformed=%s l7_kind=%u l4_proto=%u)\n",
					prog_names[k], packets[i].name, why,
					m.malformed < PL_MAL__COUNT ? reason_names[m.malformed] : "?",
					m.l7_kind, m.l4_proto);
				return -1;
			}
			if (k == PROG_PKTLENS)
				set_flow_fields(&packets[i], &m);
		}
		printf("  ok  %-20s %4u bytes", packets[i].name, packets[i].p.len);
		if (xf_verdict < sizeof(verdicts) / sizeof(verdicts[0]))
			printf("   xdp-filter: XDP_%s", verdicts[xf_verdict]);
		if (packets[i].has_flows)
			printf("   flows: source port at %u, address byte at %u",
			       packets[i].port_off, packets[i].addr_off);
		else
			printf("   no ports: not in the many-flows table");
		printf("\n");
	}
	return 0;
}

static int cmp_uint(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return (x > y) - (x < y);
}

/* Sorts v in place. */
static double median(unsigned int *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_uint);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

/* The many-flows instance's counters, summed over CPUs. */
struct flow_counts {
	unsigned long long flows_new, insert_fail, events_lost;
};

static int read_counts(const struct bench *b, const struct pktlens_bpf *skel,
		       struct flow_counts *out)
{
	struct pl_counters *all;
	size_t stride = (sizeof(*all) + 7) & ~(size_t)7;
	__u32 zero = 0;
	int e, c;

	all = calloc((size_t)b->ncpu, stride);
	if (!all)
		return -ENOMEM;
	e = bpf_map__lookup_elem(skel->maps.pl_stats, &zero, sizeof(zero), all,
				 stride * (size_t)b->ncpu, 0);
	memset(out, 0, sizeof(*out));
	for (c = 0; !e && c < b->ncpu; c++) {
		const struct pl_counters *pc = (const void *)((char *)all + stride * (size_t)c);

		out->flows_new += pc->flows_new;
		out->insert_fail += pc->flow_insert_fail;
		out->events_lost += pc->events_lost;
	}
	free(all);
	return e;
}

/* Entries in a hash map, walked key by key. */
static long count_entries(struct bpf_map *map)
{
	struct pl_flow_key k, next;
	long n = 0;
	void *prev = NULL;

	while (!bpf_map__get_next_key(map, prev, &next, sizeof(next))) {
		k = next;
		prev = &k;
		n++;
	}
	return errno == ENOENT ? n : -1;
}

/* After the warm-up every flow of the cycle must be in the many-flows
 * table, or the timed runs would time inserts (or an LRU evicting). */
static int check_flow_table(struct bench *b, struct flow_counts *at_start)
{
	long want = 0, got;
	size_t i;
	int e;

	for (i = 0; i < N_PACKETS; i++)
		if (packets[i].has_flows)
			want += b->n_flows;
	got = count_entries(b->many->maps.pl_flows);
	e = read_counts(b, b->many, at_start);
	if (got < 0 || e)
		return fail("cannot read the many-flows instance's maps", got < 0 ? errno : e);
	printf("many-flows table after the warm-up: %ld flows of %ld expected, capacity %u, %llu inserts failed\n",
	       got, want, b->flow_capacity, at_start->insert_fail);
	if (got != want || at_start->insert_fail) {
		fprintf(stderr, "bench_xdp: the many-flows table does not hold one entry per flow: its column would time inserts\n");
		return -1;
	}
	return 0;
}

/* Round r runs every packet through every program, starting with a
 * different program each round, so slow drift or a neighbour's burst is
 * spread over all columns alike. samples[(pkt * PROG__COUNT + prog) * rounds + r]
 * *at_start: the many-flows instance's counters when the timed runs began. */
static int measure(struct bench *b, unsigned int rounds, unsigned int repeat,
		   unsigned int *samples, struct flow_counts *at_start)
{
	unsigned int r, ns, verdict, warm = repeat < 10000 ? repeat : 10000;
	size_t i;
	enum prog_id k;
	int e;

	/* Warm caches and clocks, untimed; a many-flows subject goes once
	 * round its whole cycle, which fills the table. */
	for (i = 0; i < N_PACKETS; i++) {
		for (k = 0; k < PROG__COUNT; k++) {
			bool cycle = k == FL_PKTLENS_N || k == FL_BARE_N || k == FL_XDP_FILTER_N;

			if (b->fd[k] < 0 || (k >= FL_FIRST && !packets[i].has_flows))
				continue;
			e = run(b, k, &packets[i], cycle && b->n_flows > warm ? b->n_flows : warm,
				&ns, &verdict);
			if (e)
				goto failed;
		}
	}
	if (check_flow_table(b, at_start))
		return -1;
	for (r = 0; r < rounds; r++) {
		for (i = 0; i < N_PACKETS; i++) {
			int j;

			for (j = 0; j < PROG__COUNT; j++) {
				k = (enum prog_id)((j + r) % PROG__COUNT);
				if (b->fd[k] < 0 || (k >= FL_FIRST && !packets[i].has_flows))
					continue;
				e = run(b, k, &packets[i], repeat, &ns, &verdict);
				if (e)
					goto failed;
				samples[(i * PROG__COUNT + (size_t)k) * rounds + r] = ns;
			}
		}
	}
	return 0;
failed:
	fprintf(stderr, "bench_xdp: %s on \"%s\": test run failed: %s\n", prog_names[k],
		packets[i].name, strerror(-e));
	return -1;
}

/* "met" or "MISSED" for a ratio and its ceiling; "n/a" without a ratio. */
static const char *target_mark(double ratio, double ceiling)
{
	if (ratio <= 0)
		return "n/a";
	return ratio <= ceiling ? "met" : "MISSED";
}

/* med[pkt][prog]: medians; spread[pkt][prog]: max - min over rounds, % of
 * the median. */
struct results {
	double med[N_PACKETS][PROG__COUNT];
	double spread[N_PACKETS][PROG__COUNT];
};

static void summarise(const struct bench *b, unsigned int rounds, unsigned int *samples,
		      struct results *res)
{
	size_t i;
	int k;

	memset(res, 0, sizeof(*res));
	for (i = 0; i < N_PACKETS; i++) {
		for (k = 0; k < PROG__COUNT; k++) {
			unsigned int *v = samples + (i * PROG__COUNT + (size_t)k) * rounds;

			if (b->fd[k] < 0 || (k >= FL_FIRST && !packets[i].has_flows))
				continue;
			res->med[i][k] = median(v, rounds);  /* v is sorted from here on */
			if (res->med[i][k] > 0)
				res->spread[i][k] = 100.0 * (v[rounds - 1] - v[0]) / res->med[i][k];
		}
	}
}

static void print_hot(const struct bench *b, const struct results *res)
{
	bool have_xf = b->fd[PROG_XDP_FILTER] >= 0;
	unsigned int missed = 0;
	size_t i;

	printf("\none hot flow: median ns/packet (spread: pktlens max-min over rounds, %% of median)\n\n");
	printf("%-20s %5s %8s %6s %6s %10s %6s %7s %6s %6s\n", "packet", "bytes", "pktlens",
	       "spread", "bare", "xdp-filter", "pl/xf", "pl/bare", "target", "");
	for (i = 0; i < N_PACKETS; i++) {
		const struct bench_packet *pk = &packets[i];
		const double *m = res->med[i];
		double pl = m[PROG_PKTLENS], xf = m[PROG_XDP_FILTER], bare = m[PROG_BARE];
		char xf_s[16] = "-", ratio_xf[16] = "-", ratio_bare[16] = "-", target[16] = "-";
		const char *mark = "";

		if (have_xf) {
			snprintf(xf_s, sizeof(xf_s), "%.1f", xf);
			if (xf > 0)
				snprintf(ratio_xf, sizeof(ratio_xf), "%.2fx", pl / xf);
		}
		if (bare > 0)
			snprintf(ratio_bare, sizeof(ratio_bare), "%.1fx", pl / bare);
		if (pk->target > 0) {
			snprintf(target, sizeof(target), "<=%.1fx", pk->target);
			mark = target_mark(have_xf && xf > 0 ? pl / xf : 0, pk->target);
			missed += !strcmp(mark, "MISSED");
		}
		printf("%-20s %5u %8.1f %5.0f%% %6.1f %10s %6s %7s %6s %6s\n", pk->name,
		       pk->p.len, pl, res->spread[i][PROG_PKTLENS], bare, xf_s, ratio_xf,
		       ratio_bare, target, mark);
	}
	printf("targets (pktlens/xdp-filter, one hot flow): %u missed\n", missed);

	/* Each variant adds one part to the one before: the differences of
	 * medians say where the time goes (a few ns of noise either way). */
	printf("\nwhere pktlens spends it (ns/packet, differences of medians; informational)\n\n");
	printf("%-20s %9s %7s %7s %7s %7s\n", "packet", "test run", "parse", "state",
	       "events", "total");
	for (i = 0; i < N_PACKETS; i++) {
		const double *m = res->med[i];

		printf("%-20s %9.1f %7.1f %7.1f %7.1f %7.1f\n", packets[i].name, m[PROG_BARE],
		       m[PROG_PARSE_ONLY] - m[PROG_BARE], m[PROG_NO_EVENTS] - m[PROG_PARSE_ONLY],
		       m[PROG_PKTLENS] - m[PROG_NO_EVENTS], m[PROG_PKTLENS]);
	}
	printf("  test run: bare XDP_PASS; parse: parser only minus that; state: counters,\n"
	       "  clock, flow and source tables (cfg_l7_events=0 minus parser only); events:\n"
	       "  the ring-buffer events cfg_l7_events=1 sends, wakeups included (live minus\n"
	       "  cfg_l7_events=0)\n");
}

/* The second table: every figure through the rewriter, its own cost
 * (rewriter + XDP_PASS minus XDP_PASS alone) taken off, so that "1 flow"
 * reads like the first table's pktlens column and "N flows" differs from
 * it by what the table's size and cache misses cost. */
static void print_many(const struct bench *b, const struct results *res)
{
	bool have_xf = b->fd[FL_XDP_FILTER_N] >= 0;
	unsigned int missed = 0;
	char n_col[24];
	size_t i;

	snprintf(n_col, sizeof(n_col), "%u flows", b->n_flows);
	printf("\n%u distinct flows per packet (a pktlens instance of its own, pl_flows of %u\n"
	       "entries, filled first) beside one hot flow: median ns/packet, the rewriter's\n"
	       "own cost taken off every column (spread: N flows, max-min over rounds)\n\n",
	       b->n_flows, b->flow_capacity);
	printf("%-20s %8s %11s %6s %6s %10s %6s %6s %6s %8s\n", "packet", "1 flow", n_col,
	       "spread", "N/1", "xdp-filter", "pl/xf", "target", "", "rewriter");
	for (i = 0; i < N_PACKETS; i++) {
		const struct bench_packet *pk = &packets[i];
		const double *m = res->med[i];
		double w = m[FL_BARE_N] - m[PROG_BARE];
		double one = m[FL_PKTLENS_1] - w, many = m[FL_PKTLENS_N] - w;
		double xf = m[FL_XDP_FILTER_N] - w;
		char xf_s[16] = "-", ratio_xf[16] = "-", target[16] = "-";
		const char *mark = "";

		if (!pk->has_flows) {
			printf("%-20s %8s %11s %6s %6s %10s %6s %6s %6s %8s\n", pk->name, "-", "-",
			       "", "", "", "", "", "", "no ports");
			continue;
		}
		if (have_xf) {
			snprintf(xf_s, sizeof(xf_s), "%.1f", xf);
			if (xf > 0)
				snprintf(ratio_xf, sizeof(ratio_xf), "%.2fx", many / xf);
		}
		if (pk->target > 0) {
			snprintf(target, sizeof(target), "<=%.1fx", pk->target);
			mark = target_mark(have_xf && xf > 0 ? many / xf : 0, pk->target);
			missed += !strcmp(mark, "MISSED");
		}
		printf("%-20s %8.1f %11.1f %5.0f%% %5.2fx %10s %6s %6s %6s %8.1f\n", pk->name, one,
		       many, res->spread[i][FL_PKTLENS_N], one > 0 ? many / one : 0, xf_s, ratio_xf,
		       target, mark, w);
	}
	printf("targets (pktlens/xdp-filter, %u flows): %u missed\n", b->n_flows, missed);
	printf("  1 flow: pktlens behind the rewriter, one flow (compare the first table);\n"
	       "  %u flows: each run of a test run on the next flow of the cycle; N/1: what\n"
	       "  the table's size and cache misses cost; xdp-filter: behind the same rewriter,\n"
	       "  %u flows; rewriter: its own cost, subtracted from the others\n",
	       b->n_flows, b->n_flows);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: bench_xdp [--rounds N] [--repeat N] [--flows N] [--consumer poll|batch]\n"
		"                 [--xdp-filter PATH]\n"
		"\n"
		"ns per packet of pktlens' XDP program (live mode, L7 events drained by a\n"
		"consumer on another CPU) under BPF_PROG_TEST_RUN, beside a bare XDP_PASS\n"
		"program and xdp-filter's deny-all program, on five packets. Prints the\n"
		"median over rounds, ratios, the issue's targets, and where the time goes;\n"
		"then the same with N distinct flows in the flow table (a rewriter in front\n"
		"of each program moves every run to the next flow) beside one hot flow.\n"
		"Needs root. Exits 0 whether or not targets are met; 1 on errors.\n"
		"\n"
		"  --rounds N         interleaved rounds, median taken over them (default 7)\n"
		"  --repeat N         runs per test run, averaged by the kernel (default 200000)\n"
		"  --flows N          distinct flows of the second table (default " STR(FLOWS_DEFAULT) ",\n"
		"                     at most 16777216; the flow table grows past pktlens' default\n"
		"                     to hold them twice over)\n"
		"  --consumer poll    the ring consumer sleeps in ring_buffer__poll and the kernel\n"
		"                     wakes it as events come, as a daemon's would (default)\n"
		"  --consumer batch   it drains every " STR(BATCH_PERIOD_US) "us instead: shows what the wakeups cost\n"
		"  --xdp-filter PATH  xdp-filter object (default " XDP_FILTER_DEFAULT ")\n"
		"  --help             this text\n"
		"\n"
		"PKTLENS_DEBUG=1 shows libbpf's messages and the verifier log on failure.\n");
}

static bool parse_count(const char *s, unsigned int *out)
{
	char *end;
	unsigned long v;

	if (!s)
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || end == s || v == 0 || v > 100000000ul)
		return false;
	*out = (unsigned int)v;
	return true;
}

static int jit_enabled(void)
{
	FILE *f = fopen("/proc/sys/net/core/bpf_jit_enable", "r");
	int v = -1;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

int main(int argc, char **argv)
{
	unsigned int rounds = 7, repeat = 200000, *samples = NULL;
	struct flow_counts hot = { 0 }, many_start = { 0 }, many_end = { 0 };
	struct results *res = NULL;
	const char *xdp_filter_path = XDP_FILTER_DEFAULT;
	struct consumer cons = { 0 };
	struct bench b = { .n_flows = FLOWS_DEFAULT };
	struct utsname u;
	bool consuming = false;
	int i, e, status = 1;
	size_t p;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--rounds") && parse_count(argv[i + 1], &rounds)) {
			i++;
		} else if (!strcmp(argv[i], "--repeat") && parse_count(argv[i + 1], &repeat)) {
			i++;
		} else if (!strcmp(argv[i], "--flows") && parse_count(argv[i + 1], &b.n_flows) &&
			   b.n_flows <= FLOWS_MAX) {
			i++;
		} else if (!strcmp(argv[i], "--consumer") && argv[i + 1] &&
			   (!strcmp(argv[i + 1], "poll") || !strcmp(argv[i + 1], "batch"))) {
			cons.batch = !strcmp(argv[++i], "batch");
		} else if (!strcmp(argv[i], "--xdp-filter") && argv[i + 1]) {
			xdp_filter_path = argv[++i];
		} else {
			fprintf(stderr, "bench_xdp: bad argument: %s\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}

	setvbuf(stdout, NULL, _IOLBF, 0);     /* keep order with stderr in a log */
	libbpf_set_print(libbpf_quiet);
	b.ncpu = libbpf_num_possible_cpus();
	if (b.ncpu <= 0) {
		fail("cannot count CPUs", b.ncpu);
		return 1;
	}
	if (pick_cpus(&b))
		return 1;
	for (p = 0; p < N_PACKETS; p++)
		packets[p].build(&packets[p].p);
	/* Room for every packet's cycle twice over: an LRU table near full
	 * evicts before it is full, and the check after the warm-up would
	 * stop the benchmark. pktlens' default size when that is enough. */
	b.flow_capacity = PL_DEFAULT_FLOWS;
	while (b.flow_capacity < 2ull * N_PACKETS * b.n_flows)
		b.flow_capacity *= 2;

	uname(&u);
	printf("pktlens XDP benchmark: %u rounds x %u runs per test run, %u flows for the\n"
	       "many-flows table, kernel %s\n", rounds, repeat, b.n_flows, u.release);
	printf("measuring on CPU %d, ring-buffer consumer on CPU %d (%s)\n", b.measure_cpu,
	       b.consumer_cpu, cons.batch ? "drains every " STR(BATCH_PERIOD_US) "us" : "ring_buffer__poll");
	if (jit_enabled() == 0)
		printf("warning: BPF JIT is off (net.core.bpf_jit_enable=0): interpreter timings\n");

	if (load_all(&b, xdp_filter_path))
		goto out;

	cons.cpu = b.consumer_cpu;
	cons.rb = ring_buffer__new(bpf_map__fd(b.live->maps.pl_events), count_event, &cons, NULL);
	if (!cons.rb) {
		fail("cannot open the pl_events ring buffer", errno);
		goto out;
	}
	e = ring_buffer__add(cons.rb, bpf_map__fd(b.many->maps.pl_events), count_event, &cons);
	if (e) {
		fail("cannot open the many-flows instance's ring buffer", e);
		goto out;
	}
	e = pthread_create(&cons.thread, NULL, consume, &cons);
	if (e) {
		fail("cannot start the ring-buffer consumer", e);
		goto out;
	}
	consuming = true;

	printf("\nsanity check: each packet parsed as intended by pktlens (alone and behind the\n"
	       "flow rewriter), no-events and parser-only\n");
	if (sanity_check(&b))
		goto out;

	samples = calloc(N_PACKETS * PROG__COUNT * (size_t)rounds, sizeof(*samples));
	if (!samples) {
		fail("samples", ENOMEM);
		goto out;
	}
	if (measure(&b, rounds, repeat, samples, &many_start))
		goto out;
	e = read_counts(&b, b.many, &many_end);
	if (e) {
		fail("cannot read pl_stats", e);
		goto out;
	}
	/* Every timed run of the many-flows instance must have found its flow. */
	if (many_end.flows_new != many_start.flows_new) {
		fprintf(stderr, "bench_xdp: %llu flows were created during the timed many-flows runs: the table lost some\n",
			many_end.flows_new - many_start.flows_new);
		goto out;
	}

	atomic_store(&cons.stop, true);
	pthread_join(cons.thread, NULL);
	consuming = false;
	if (cons.err) {
		fail("ring buffer poll", cons.err);
		goto out;
	}

	res = calloc(1, sizeof(*res));
	if (!res) {
		fail("results", ENOMEM);
		goto out;
	}
	summarise(&b, rounds, samples, res);
	print_hot(&b, res);
	print_many(&b, res);

	e = read_counts(&b, b.live, &hot);
	if (e) {
		fail("cannot read pl_stats", e);
		goto out;
	}
	printf("\nring buffer: %llu L7 events consumed of %llu sent, %llu new-flow events",
	       cons.by_type[PL_EV_L7], b.l7_sent, cons.by_type[PL_EV_FLOW_NEW]);
	for (i = 0; i < EV_TYPES; i++)
		if (i != PL_EV_L7 && i != PL_EV_FLOW_NEW && cons.by_type[i])
			printf(", %llu of type %d", cons.by_type[i], i);
	printf("\nevents_lost: %llu (one hot flow), %llu (many flows, timed runs; %llu while filling)\n",
	       hot.events_lost, many_end.events_lost - many_start.events_lost,
	       many_start.events_lost);
	if (hot.events_lost || many_end.events_lost != many_start.events_lost)
		printf("  some reserves failed on a full ring: those runs were cheaper than the real path\n");
	status = 0;
out:
	if (consuming) {
		atomic_store(&cons.stop, true);
		pthread_join(cons.thread, NULL);
	}
	ring_buffer__free(cons.rb);
	free(res);
	free(samples);
	unload_all(&b);
	return status;
}
