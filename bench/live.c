/* SPDX-License-Identifier: BSD-3-Clause */
/* live.c - one trial of the live benchmarks (bench/live.sh, bench/mem.sh):
 * offers COUNT frames at RATE packets/s into one end of a veth pair and says
 * how many the XDP program on the other end saw.
 *
 * The load comes from BPF_PROG_TEST_RUN with BPF_F_TEST_XDP_LIVE_FRAMES: the
 * injector's program (bench_tx in bench_count.bpf.c) writes each frame from
 * a template and returns XDP_TX, which hands it to the veth peer's XDP
 * program, as a NIC would. The program paces the frames itself, evenly
 * spaced at 1/RATE (a link does not deliver bursts of thousands of frames,
 * and a veth queue holds 256).
 *
 * Receivers:
 *   --rx-prog count    attach bench_count (a per-CPU counter, XDP_PASS) to
 *                      the receiving interface for the trial
 *   --rx-prog pktlens  read the counters (map pl_stats) of the pktlens
 *                      program already attached there by `pktlens run`
 *   --rx-prog none     count nothing
 *
 * It prints one line of key=value pairs: sent, secs, offered_pps,
 * achieved_pps, rx (frames the receiver's program saw during the trial),
 * lost (sent - rx), events_lost (pktlens' ring-buffer drops during the
 * trial) and tx_bad (frames the injector could not build: a bug).
 * Exit status: 0 on a completed trial whatever the loss, 1 on errors. */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "pl_abi.h"
#include "bench_live.h"
#include "bench_count.skel.h"

#define PACED_RUNS  (1u << 18)  /* program runs per test-run call */
#define MAX_RETRIES 100

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static int quiet(enum libbpf_print_level l, const char *fmt, va_list ap)
{
	if (l == LIBBPF_WARN || getenv("LIVE_DEBUG"))
		return vfprintf(stderr, fmt, ap);
	return 0;
}

static int if_mac(const char *name, uint8_t mac[6])
{
	struct ifreq r;
	int s = socket(AF_INET, SOCK_DGRAM, 0), e;

	if (s < 0)
		return -1;
	memset(&r, 0, sizeof(r));
	snprintf(r.ifr_name, sizeof(r.ifr_name), "%s", name);
	e = ioctl(s, SIOCGIFHWADDR, &r);
	close(s);
	if (e)
		return -1;
	memcpy(mac, r.ifr_hwaddr.sa_data, 6);
	return 0;
}

/* --- templates -------------------------------------------------------- */

static uint8_t *put16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v & 0xff; return p + 2; }
static uint8_t *put32(uint8_t *p, uint32_t v) { put16(p, v >> 16); return put16(p + 2, v & 0xffff); }

/* Ethernet + IPv4 (checksum, source and id written per frame by bench_tx). */
static uint8_t *l2l3(uint8_t *p, const uint8_t dmac[6], const uint8_t smac[6],
		     uint8_t proto, uint16_t ip_len)
{
	memcpy(p, dmac, 6);
	memcpy(p + 6, smac, 6);
	p = put16(p + 12, 0x0800);
	*p++ = 0x45;
	*p++ = 0;
	p = put16(p, ip_len);
	p = put16(p, 0);
	p = put16(p, 0x4000);           /* DF */
	*p++ = 64;
	*p++ = proto;
	p = put16(p, 0);
	p = put32(p, 0x0a010001);       /* 10.1.0.1, rewritten */
	return put32(p, 0xc6120a0a);    /* 198.18.10.10: not this host's */
}

static uint8_t *tcp_hdr(uint8_t *p, uint16_t dport, uint32_t seq, uint8_t flags)
{
	p = put16(p, 10000);            /* rewritten */
	p = put16(p, dport);
	p = put32(p, seq);
	p = put32(p, 0x10000000);
	*p++ = 8 << 4;                  /* 32 bytes: NOP NOP timestamps */
	*p++ = flags;
	p = put16(p, 502);
	p = put16(p, 0);
	p = put16(p, 0);
	*p++ = 1; *p++ = 1; *p++ = 8; *p++ = 10;
	p = put32(p, 0x01020304);
	return put32(p, 0x05060708);
}

static void tmpl_tcp(struct bl_tmpl *t, const uint8_t *d, const uint8_t *s)
{
	uint32_t pl = 134, i;           /* 200-byte frames of a TLS stream */
	uint8_t *p = l2l3(t->data, d, s, 6, (uint16_t)(20 + 32 + pl));

	p = tcp_hdr(p, 443, 0x20000000, 0x18);
	p[0] = 0x17; p[1] = 3; p[2] = 3;        /* application data record */
	put16(p + 3, (uint16_t)(pl - 5));
	for (i = 5; i < pl; i++)
		p[i] = (uint8_t)(i * 131);
	t->len = (uint32_t)(p + pl - t->data);
	t->kind = BL_TCP;
	t->payload = pl;
}

static void tmpl_http(struct bl_tmpl *t, const uint8_t *d, const uint8_t *s)
{
	static const char req[] = "GET /assets/app.js HTTP/1.1\r\nHost: www.example.com\r\n"
		"User-Agent: pktlens-bench/1\r\nAccept: */*\r\n\r\n";
	uint32_t pl = sizeof(req) - 1;
	uint8_t *p = l2l3(t->data, d, s, 6, (uint16_t)(20 + 32 + pl));

	p = tcp_hdr(p, 80, 0x30000000, 0x18);
	memcpy(p, req, pl);
	t->len = (uint32_t)(p + pl - t->data);
	t->kind = BL_HTTP;
	t->payload = pl;
}

static void tmpl_dns(struct bl_tmpl *t, const uint8_t *d, const uint8_t *s)
{
	static const uint8_t q[] = "\x03www\x07""example\x03""com\x00\x00\x01\x00\x01";
	uint32_t pl = 12 + sizeof(q) - 1;
	uint8_t *p = l2l3(t->data, d, s, 17, (uint16_t)(20 + 8 + pl));

	p = put16(p, 10000);
	p = put16(p, 53);
	p = put16(p, (uint16_t)(8 + pl));
	p = put16(p, 0);                /* no UDP checksum (IPv4 allows it) */
	p = put16(p, 0);                /* id, rewritten */
	p = put16(p, 0x0100);           /* RD */
	p = put16(p, 1);
	p = put16(p, 0);
	p = put16(p, 0);
	p = put16(p, 0);
	memcpy(p, q, sizeof(q) - 1);
	t->len = (uint32_t)(p + sizeof(q) - 1 - t->data);
	if (t->len < BL_MIN_LEN)
		t->len = BL_MIN_LEN;    /* Ethernet padding */
	t->kind = BL_DNS;
	t->payload = 0;
}

/* --- receivers -------------------------------------------------------- */

struct rx {
	enum { RX_NONE, RX_COUNT, RX_PKTLENS } kind;
	int map_fd;
	int ncpu;
};

static int rx_read(const struct rx *r, uint64_t *pkts, uint64_t *lost_ev)
{
	uint32_t zero = 0;
	int c;

	*pkts = *lost_ev = 0;
	if (r->kind == RX_NONE)
		return 0;
	if (r->kind == RX_COUNT) {
		uint64_t v[r->ncpu];

		if (bpf_map_lookup_elem(r->map_fd, &zero, v))
			return -errno;
		for (c = 0; c < r->ncpu; c++)
			*pkts += v[c];
		return 0;
	}
	{
		struct pl_counters *v = calloc((size_t)r->ncpu, sizeof(*v));

		if (!v)
			return -ENOMEM;
		if (bpf_map_lookup_elem(r->map_fd, &zero, v)) {
			free(v);
			return -errno;
		}
		for (c = 0; c < r->ncpu; c++) {
			*pkts += v[c].packets;
			*lost_ev += v[c].events_lost;
		}
		free(v);
	}
	return 0;
}

/* The pl_stats map of the XDP program attached to ifindex. */
static int pktlens_stats_fd(int ifindex, char *err, size_t errlen)
{
	struct bpf_prog_info pi;
	struct bpf_map_info mi;
	uint32_t id = 0, ids[64], len, i, n;
	int pfd, mfd;
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (bpf_xdp_query(ifindex, 0, &q)) {
		snprintf(err, errlen, "cannot query XDP on ifindex %d: %s", ifindex, strerror(errno));
		return -1;
	}
	id = q.drv_prog_id ? q.drv_prog_id : q.skb_prog_id;
	if (!id) {
		snprintf(err, errlen, "no XDP program on the receiving interface (is pktlens running?)");
		return -1;
	}
	pfd = bpf_prog_get_fd_by_id(id);
	if (pfd < 0) {
		snprintf(err, errlen, "cannot open XDP program %u: %s", id, strerror(errno));
		return -1;
	}
	memset(&pi, 0, sizeof(pi));
	pi.nr_map_ids = 64;
	pi.map_ids = (uint64_t)(unsigned long)ids;
	len = sizeof(pi);
	if (bpf_obj_get_info_by_fd(pfd, &pi, &len)) {
		snprintf(err, errlen, "cannot read program %u: %s", id, strerror(errno));
		close(pfd);
		return -1;
	}
	close(pfd);
	n = pi.nr_map_ids < 64 ? pi.nr_map_ids : 64;
	for (i = 0; i < n; i++) {
		mfd = bpf_map_get_fd_by_id(ids[i]);
		if (mfd < 0)
			continue;
		memset(&mi, 0, sizeof(mi));
		len = sizeof(mi);
		if (!bpf_obj_get_info_by_fd(mfd, &mi, &len) && !strcmp(mi.name, "pl_stats") &&
		    mi.value_size == sizeof(struct pl_counters))
			return mfd;
		close(mfd);
	}
	snprintf(err, errlen, "program %u (%s) on the receiving interface has no pl_stats map: not pktlens",
		 id, pi.name);
	return -1;
}

static void usage(FILE *o)
{
	fprintf(o,
"usage: live --tx IFACE --rx IFACE [OPTIONS]\n"
"  --tx IFACE        veth end to inject into (its peer receives)\n"
"  --rx IFACE        the receiving peer\n"
"  --rx-prog KIND    count (attach a counting XDP_PASS program for the trial),\n"
"                    pktlens (read the counters of pktlens attached there), none\n"
"  --rate PPS        offered rate; 0: as fast as possible (default 0)\n"
"  --count N         frames to send (default 1000000)\n"
"  --flows N         distinct flows, round robin (default 4096)\n"
"  --mix KIND        mixed (14/16 TCP data, 1/16 DNS query, 1/16 HTTP GET) or\n"
"                    tcp (TCP data only). Default mixed\n"
"  --cpu N           run on CPU N (default: where it starts)\n"
"  --batch N         frames the kernel handles between flushes (1-256, default 64)\n"
"  --hold IFACE      an idle interface to keep the injector's program attached\n"
"                    to, in generic mode, so that test runs are cheap (default lo)\n"
"  --settle-ms N     wait at most N ms for the receiver to finish (default 2000)\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tx", required_argument, 0, 't' },
		{ "rx", required_argument, 0, 'r' },
		{ "rx-prog", required_argument, 0, 'k' },
		{ "rate", required_argument, 0, 'R' },
		{ "count", required_argument, 0, 'n' },
		{ "flows", required_argument, 0, 'f' },
		{ "mix", required_argument, 0, 'm' },
		{ "cpu", required_argument, 0, 'c' },
		{ "settle-ms", required_argument, 0, 's' },
		{ "batch", required_argument, 0, 'b' },
		{ "hold", required_argument, 0, 'H' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	const char *tx_if = NULL, *rx_if = NULL, *rx_kind = "count", *mix = "mixed";
	const char *hold_if = "lo";
	double rate = 0;
	uint64_t count = 1000000, flows = 4096, sent = 0, t0, t1, span;
	uint64_t rx0, rx1, ev0, ev1, settle_ms = 2000;
	uint32_t batch = 64, retries = 0;
	int cpu = -1, c, rc = 1, tx_idx, rx_idx, link_fd = -1, hold_fd = -1, prog_fd, stable;
	uint8_t dmac[6], smac[6], frame[BL_FRAME_MAX];
	struct bench_count_bpf *skel = NULL;
	struct rx rx = { .kind = RX_COUNT, .map_fd = -1 };
	struct xdp_md ctx;
	char err[512];
	uint32_t i;
	LIBBPF_OPTS(bpf_test_run_opts, to);

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 't': tx_if = optarg; break;
		case 'r': rx_if = optarg; break;
		case 'k': rx_kind = optarg; break;
		case 'R': rate = strtod(optarg, NULL); break;
		case 'n': count = strtoull(optarg, NULL, 10); break;
		case 'f': flows = strtoull(optarg, NULL, 10); break;
		case 'm': mix = optarg; break;
		case 'c': cpu = atoi(optarg); break;
		case 's': settle_ms = strtoull(optarg, NULL, 10); break;
		case 'H': hold_if = optarg; break;
		case 'b': batch = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!tx_if || !rx_if || optind != argc || !count || !flows || flows > (1u << 24) ||
	    !batch || batch > 256 || rate < 0 || (strcmp(mix, "mixed") && strcmp(mix, "tcp"))) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(rx_kind, "none"))
		rx.kind = RX_NONE;
	else if (!strcmp(rx_kind, "pktlens"))
		rx.kind = RX_PKTLENS;
	else if (strcmp(rx_kind, "count")) {
		usage(stderr);
		return 2;
	}
	libbpf_set_print(quiet);
	tx_idx = (int)if_nametoindex(tx_if);
	rx_idx = (int)if_nametoindex(rx_if);
	if (!tx_idx || !rx_idx) {
		fprintf(stderr, "live: no interface '%s' in this network namespace\n",
			tx_idx ? rx_if : tx_if);
		return 1;
	}
	if (if_mac(rx_if, dmac) || if_mac(tx_if, smac)) {
		fprintf(stderr, "live: cannot read the MAC addresses: %s\n", strerror(errno));
		return 1;
	}
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			fprintf(stderr, "live: cannot run on CPU %d: %s\n", cpu, strerror(errno));
			return 1;
		}
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	skel = bench_count_bpf__open();
	if (!skel) {
		fprintf(stderr, "live: cannot open the BPF object: %s\n", strerror(errno));
		return 1;
	}
	skel->rodata->cfg_flows = (uint32_t)flows;
	skel->rodata->cfg_count = count;
	skel->rodata->cfg_interval_ps = rate > 0 ? (uint64_t)(1e12 / rate) : 0;
	if (bench_count_bpf__load(skel)) {
		fprintf(stderr, "live: cannot load the BPF programs: %s (root?)\n", strerror(errno));
		goto out;
	}
	for (i = 0; i < BL_MIX; i++) {
		struct bl_tmpl t;

		memset(&t, 0, sizeof(t));
		if (!strcmp(mix, "tcp") || (i != 5 && i != 11))
			tmpl_tcp(&t, dmac, smac);
		else if (i == 5)
			tmpl_dns(&t, dmac, smac);
		else
			tmpl_http(&t, dmac, smac);
		if (bpf_map__update_elem(skel->maps.bench_tmpl, &i, sizeof(i), &t, sizeof(t), 0)) {
			fprintf(stderr, "live: cannot store template %u: %s\n", i, strerror(errno));
			goto out;
		}
	}

	rx.ncpu = libbpf_num_possible_cpus();
	if (rx.kind == RX_COUNT) {
		LIBBPF_OPTS(bpf_link_create_opts, lo, .flags = XDP_FLAGS_DRV_MODE);

		link_fd = bpf_link_create(bpf_program__fd(skel->progs.bench_count), rx_idx,
					  BPF_XDP, &lo);
		if (link_fd < 0) {
			fprintf(stderr, "live: cannot attach the counter to %s: %s\n", rx_if,
				strerror(errno));
			goto out;
		}
		rx.map_fd = bpf_map__fd(skel->maps.bench_rx);
	} else if (rx.kind == RX_PKTLENS) {
		rx.map_fd = pktlens_stats_fd(rx_idx, err, sizeof(err));
		if (rx.map_fd < 0) {
			fprintf(stderr, "live: %s\n", err);
			goto out;
		}
	}
	/* A test run with repeat > 1 swaps the program into the kernel's XDP
	 * dispatcher and out again, each time waiting for an RCU grace period
	 * (milliseconds on a busy host). Attached somewhere (generic mode, on an
	 * interface that carries nothing), it stays in and the runs are cheap. */
	{
		LIBBPF_OPTS(bpf_link_create_opts, lo, .flags = XDP_FLAGS_SKB_MODE);
		int hold_idx = (int)if_nametoindex(hold_if);

		hold_fd = hold_idx ? bpf_link_create(bpf_program__fd(skel->progs.bench_tx),
						     hold_idx, BPF_XDP, &lo) : -1;
		if (hold_fd < 0) {
			fprintf(stderr, "live: cannot attach the injector's program to %s: %s\n",
				hold_if, hold_idx ? strerror(errno) : "no such interface");
			goto out;
		}
	}
	if (rx_read(&rx, &rx0, &ev0)) {
		fprintf(stderr, "live: cannot read the receiver's counters: %s\n", strerror(errno));
		goto out;
	}

	memset(frame, 0, sizeof(frame));
	memset(&ctx, 0, sizeof(ctx));
	ctx.data_end = sizeof(frame);     /* the kernel wants it to match */
	ctx.ingress_ifindex = (uint32_t)tx_idx;
	to.data_in = frame;
	to.data_size_in = sizeof(frame);
	to.ctx_in = &ctx;
	to.ctx_size_in = sizeof(ctx);
	to.flags = BPF_F_TEST_XDP_LIVE_FRAMES;
	prog_fd = bpf_program__fd(skel->progs.bench_tx);

	/* bench_tx paces itself (a run before the next frame is due drops
	 * nothing but time), so a few long test-run calls make the whole trial:
	 * each call sets up a page pool and an XDP memory id, which are freed
	 * only after an RCU grace period, so many short calls would not do. */
	t0 = mono_ns();
	while (skel->bss->tx_sent < count && !stop) {
		uint64_t left = count - skel->bss->tx_sent;

		to.repeat = rate > 0 ? PACED_RUNS : (left > PACED_RUNS ? PACED_RUNS : (uint32_t)left);
		to.data_size_out = 0;     /* libbpf wrote the last size back */
		to.batch_size = batch;
		if (bpf_prog_test_run_opts(prog_fd, &to)) {
			if ((errno == ENOSPC || errno == ENOMEM) && retries++ < MAX_RETRIES) {
				usleep(10000);  /* memory ids still waiting for RCU */
				continue;
			}
			if (errno == EINTR && stop)
				break;
			fprintf(stderr, "live: BPF_PROG_TEST_RUN (live frames) failed after %llu frames: %s\n",
				(unsigned long long)skel->bss->tx_sent, strerror(errno));
			goto out;
		}
	}
	sent = skel->bss->tx_sent;
	t1 = mono_ns();

	/* the receiver works through its queue: wait until its count settles */
	rx1 = rx0;
	ev1 = ev0;
	stable = 0;
	while (rx.kind != RX_NONE && mono_ns() - t1 < settle_ms * 1000000ull) {
		uint64_t p, e;

		usleep(20000);
		if (rx_read(&rx, &p, &e))
			break;
		stable = p == rx1 ? stable + 1 : 0;
		rx1 = p;
		ev1 = e;
		if (p - rx0 >= sent || stable >= 3)
			break;
	}
	span = skel->bss->tx_last_ns - skel->bss->tx_first_ns;
	printf("sent=%llu secs=%.3f offered_pps=%.0f achieved_pps=%.0f rx=%llu lost=%lld "
	       "events_lost=%llu tx_bad=%llu resync=%llu retries=%u\n",
	       (unsigned long long)sent, (double)(t1 - t0) / 1e9, rate,
	       span && sent > 1 ? (double)(sent - 1) * 1e9 / (double)span : 0.0,
	       (unsigned long long)(rx1 - rx0),
	       rx.kind == RX_NONE ? 0ll : (long long)sent - (long long)(rx1 - rx0),
	       (unsigned long long)(ev1 - ev0), (unsigned long long)skel->bss->tx_bad,
	       (unsigned long long)skel->bss->tx_resync, retries);
	fflush(stdout);
	if (skel->bss->tx_bad) {
		fprintf(stderr, "live: the injector could not build %llu frames (a bug in the templates)\n",
			(unsigned long long)skel->bss->tx_bad);
		goto out;
	}
	rc = stop ? 1 : 0;
out:
	if (rx.kind == RX_PKTLENS && rx.map_fd >= 0)
		close(rx.map_fd);
	if (link_fd >= 0)
		close(link_fd);
	if (hold_fd >= 0)
		close(hold_fd);
	bench_count_bpf__destroy(skel);
	return rc;
}
