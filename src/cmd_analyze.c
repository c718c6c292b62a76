/* SPDX-License-Identifier: BSD-3-Clause */
/* cmd_analyze.c - `pktlens analyze FILE`: a capture through the real XDP
 * program (BPF_PROG_TEST_RUN, the capture's clock), then the collector that
 * `run` uses, so offline records are live records. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "collector.h"
#include "detect.h"
#include "options.h"
#include "pcap_frames.h"
#include "replay.h"
#include "replay_clock.h"
#include "summary.h"
#include "pktlens.skel.h"

#define CONSUME_EVERY 16        /* frames between ring-buffer reads: far below its size */

/* Weird records of the replay (records.md); the capture reader's are
 * PL_CAP_W_* (pcap_frames.h). */
#define PL_W_OUT_OF_TIME "capture_out_of_time"  /* far from the clock (replay_clock.h) */
#define PL_W_RUN_FAILED  "replay_failed"        /* BPF_PROG_TEST_RUN refused a frame */

static void usage(FILE *o)
{
	fprintf(o,
"usage: pktlens analyze [OPTIONS] FILE\n"
"\n"
"Reads a pcap or pcapng capture (Ethernet, raw IP, Linux cooked SLL/SLL2),\n"
"runs every frame through pktlens' XDP program in the kernel with the\n"
"capture's timestamps as its clock, and writes the same Zeek-style records\n"
"that `pktlens run` writes live: conn, dns, http, ssl, weird.\n"
"\n"
"options:\n"
"  --log-dir DIR         one file per record kind in DIR (conn.log, dns.log, ...)\n"
"                        instead of JSON lines on stdout\n"
"  --rotate-mb N         start a new log file after N MiB (0: never; default 0)\n"
"  --idle-timeout SECS   log a connection after SECS without packets (default %u)\n"
"  --active-timeout SECS log a long connection every SECS (default %u, 0: never)\n"
"  --tcp-close-delay SECS  log a TCP connection SECS after FIN both ways or a\n"
"                        RST (default %u; 0: the idle timeout)\n"
"  --dns-idle-timeout SECS  idle timeout of DNS over UDP (default %u; 0: the\n"
"                        idle timeout)\n"
"  --frag-timeout SECS   give up on an IP datagram whose fragments have not\n"
"                        all come this long (capture time) after its first\n"
"                        (default %u)\n"
"  --frag-mem-kb N       KiB all datagrams in reassembly may hold (default %u)\n"
"  --frag-src-kb N       ...the datagrams of one source address (default %u)\n"
"  --flows N             kernel flow table size (default %u)\n"
"  --frag-table-size N   IP datagrams tracked in fragments (default %u)\n"
"  --fragment-tracking[=yes|no]  no: each fragment judged and counted alone\n"
"                        (for measurement; see `pktlens run --help`)\n"
"  --no-progress         no progress bar, even on a terminal\n"
"  --summary             print a summary (top names, protocols, malformed,\n"
"                        notices) at the end\n"
"  --KEY VALUE           any detection setting (below, and docs/detections.md);\n"
"                        offline a ban is never made: notices say dry run\n"
"\n"
"FILE '-' is standard input.\n"
"\n"
"A record no frame can be made of (shorter than its link header or than an\n"
"Ethernet header, a timestamp out of range, more bytes captured than sent,\n"
"an original length over 1 MiB) is a weird record named capture_*, and the\n"
"run goes on. So is a frame dated more than an hour from the capture's\n"
"clock and from the frame after it (capture_out_of_time): it is counted at\n"
"the clock's time; the clock follows two frames in a row that agree on a\n"
"new time (captures joined end to end).\n"
"\n"
"A damaged file yields the records up to the damage, then an error naming\n"
"the packet and byte offset, and exit status 1; so does a frame the XDP\n"
"program could not run (weird replay_failed), after the rest of the\n"
"capture. docs/records.md lists the names. Needs root or CAP_BPF and\n"
"CAP_PERFMON (the program runs in the kernel).\n",
		PL_DEFAULT_IDLE_S, PL_DEFAULT_ACTIVE_S, PL_DEFAULT_TCP_CLOSE_S,
		PL_DEFAULT_DNS_IDLE_S, PL_IPR_DEFAULT_TIMEOUT_S, PL_IPR_DEFAULT_MEM_KB,
		PL_IPR_DEFAULT_SRC_KB, PL_ANALYZE_FLOWS, PL_DEFAULT_FRAGS);
	if (o == stdout) {
		fputc('\n', o);
		pl_detect_cfg_help(o);
	}
}

/* A record read ahead of the one being run. */
struct rec {
	int r;                  /* pl_capture_read's result */
	struct pl_frame *f;
	const char *wname;      /* PL_CAP_WEIRD: its name and what was wrong */
	char waddl[sizeof(((struct pl_capture *)0)->weird_addl)];
};

static void read_rec(struct pl_capture *cap, struct rec *x)
{
	x->r = pl_capture_read(cap, x->f);
	if (x->r == PL_CAP_WEIRD) {
		x->wname = cap->weird_name;
		snprintf(x->waddl, sizeof(x->waddl), "%s", cap->weird_addl);
	} else if (x->r != PL_CAP_FRAME) {
		x->f->ts_ns = 0;
	}
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void progress(struct pl_capture *cap, long size, uint64_t frames, int done)
{
	long at = pl_capture_tell(cap);
	int pct = size > 0 && at >= 0 ? (int)(100.0 * (double)at / (double)size) : 0, i;

	if (done)
		pct = 100;
	fprintf(stderr, "\r[");
	for (i = 0; i < 40; i++)
		fputc(i < pct * 40 / 100 ? '#' : ' ', stderr);
	fprintf(stderr, "] %3d%%  %llu frames%s", pct, (unsigned long long)frames,
		done ? "\n" : "");
}

int cmd_analyze(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "log-dir", required_argument, 0, 'd' },
		{ "rotate-mb", required_argument, 0, 'r' },
		{ "idle-timeout", required_argument, 0, 'i' },
		{ "active-timeout", required_argument, 0, 'a' },
		{ "tcp-close-delay", required_argument, 0, 'c' },
		{ "dns-idle-timeout", required_argument, 0, 'n' },
		{ "frag-timeout", required_argument, 0, 0x900 },
		{ "frag-mem-kb", required_argument, 0, 0x901 },
		{ "frag-src-kb", required_argument, 0, 0x902 },
		{ "flows", required_argument, 0, 'f' },
		{ "frag-table-size", required_argument, 0, 'F' },
		{ "fragment-tracking", optional_argument, 0, 'T' },
		{ "no-progress", no_argument, 0, 'P' },
		{ "summary", no_argument, 0, 's' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	struct pl_options po;
	struct pl_replay_opts ro = { .events = 1, .flows_max = PL_ANALYZE_FLOWS };
	struct pl_collector_opts co = { 0 };    /* 0: the defaults of what is not set */
	struct pl_replay rp;
	struct pl_capture cap;
	struct pl_sink sink;
	struct pl_collector *col = NULL;
	struct ring_buffer *rb = NULL;
	struct pl_detect *det = NULL;
	struct option *all_opts;
	struct rec ra = { 0 }, rb_ = { 0 }, *cur = &ra, *nxt = &rb_;
	struct pl_counters cnt;
	struct stat st;
	const char *file;
	char err[8192];         /* a path of PATH_MAX and its errno text */
	int c, r, rc = 1, show_progress, want_summary = 0;
	uint64_t frames = 0, next_sweep = 0, sweep_every, oldest_since_sweep = UINT64_MAX;
	uint64_t run_fails = 0;
	struct pl_clock clk;
	double last_draw = 0;

	pl_options_defaults(&po);
	show_progress = isatty(2);
	all_opts = pl_detect_cfg_options(opts, 0x1000);
	if (!all_opts) {
		fprintf(stderr, "pktlens analyze: out of memory\n");
		pl_options_free(&po);
		return 1;
	}
	if (pl_options_dashes(argc, argv, "h", all_opts, err, sizeof(err))) {
		fprintf(stderr, "pktlens analyze: %s (--help lists them)\n", err);
		free(all_opts);
		pl_options_free(&po);
		return 2;
	}
	while ((c = getopt_long(argc, argv, "h", all_opts, NULL)) != -1) {
		switch (c) {
		case 'P': show_progress = 0; break;
		case 's': want_summary = 1; break;
		case 'f':
			if (pl_parse_u32("--flows", optarg, 1024, 1u << 26, &ro.flows_max, err,
					 sizeof(err)))
				goto bad;
			break;
		case 'h': usage(stdout); free(all_opts); pl_options_free(&po); return 0;
		case '?': usage(stderr); free(all_opts); pl_options_free(&po); return 2;
		default:
			if (pl_options_set_flag(&po, all_opts, c, optarg, err, sizeof(err)))
				goto bad;
		}
	}
	free(all_opts);
	ro.frags_max = po.frags;
	ro.frags_alone = !po.frag_tracking;
	if (optind != argc - 1) {
		fprintf(stderr, "pktlens analyze: give one capture file\n");
		usage(stderr);
		pl_options_free(&po);
		return 2;
	}
	file = argv[optind];
	memset(&st, 0, sizeof(st));             /* "-": standard input, size unknown */
	if (strcmp(file, "-") && stat(file, &st)) {
		fprintf(stderr, "pktlens analyze: %s: %s\n", file, strerror(errno));
		pl_options_free(&po);
		return 1;
	}
	if (pl_capture_open(&cap, file)) {
		fprintf(stderr, "pktlens analyze: %s\n", cap.err);
		pl_options_free(&po);
		return 1;
	}
	if (pl_replay_open_opts(&rp, &ro, err, sizeof(err))) {
		fprintf(stderr, "pktlens analyze: %s\n", err);
		pl_capture_close(&cap);
		pl_options_free(&po);
		return 1;
	}
	if (pl_sink_open(&sink, po.log_dir, po.rotate_bytes, err, sizeof(err))) {
		fprintf(stderr, "pktlens analyze: %s\n", err);
		goto out;
	}
	co.idle_timeout_ns = po.idle_timeout_ns;
	co.tcp_close_ns = po.tcp_close_ns;
	co.dns_idle_ns = po.dns_idle_ns;
	co.active_timeout_ns = po.active_timeout_ns;
	co.frag_timeout_ns = po.frag_timeout_ns;
	co.frag_mem_bytes = po.frag_mem_bytes;
	co.frag_src_mem_bytes = po.frag_src_bytes;
	co.clock_offset_ns = 0;                 /* capture times are epoch times */
	col = pl_collector_new(&co, &sink, bpf_map__fd(rp.skel->maps.pl_flows));
	rb = ring_buffer__new(bpf_map__fd(rp.skel->maps.pl_events), pl_collector_on_event,
			      col, NULL);
	ra.f = malloc(sizeof(*ra.f));
	rb_.f = malloc(sizeof(*rb_.f));
	if (col && po.detect.enabled) {
		struct pl_collector_hooks hk;

		/* the same detections as live, in capture time; no kernel to ban in */
		det = pl_detect_new(&po.detect, &sink, 0, NULL);
		if (det) {
			pl_detect_hooks(det, &hk);
			pl_collector_set_hooks(col, &hk);
		}
	}
	if (!col || !rb || !ra.f || !rb_.f || (po.detect.enabled && !det)) {
		fprintf(stderr, "pktlens analyze: out of memory\n");
		goto out;
	}
	/* Sweep often enough that idle connections end near their timeout. */
	sweep_every = po.idle_timeout_ns;
	if (po.tcp_close_ns && po.tcp_close_ns < sweep_every)
		sweep_every = po.tcp_close_ns;
	if (po.dns_idle_ns && po.dns_idle_ns < sweep_every)
		sweep_every = po.dns_idle_ns;
	sweep_every = sweep_every / 4 ? sweep_every / 4 : 1;
	/* The detections count per sweep: sweep as often as live does. */
	if (det && po.sweep_ns < sweep_every)
		sweep_every = po.sweep_ns;

	/* One record read ahead: the replay clock judges a frame far out of
	 * time by the frame after it (replay_clock.h). */
	pl_clock_init(&clk);
	read_rec(&cap, cur);
	while (cur->r == PL_CAP_FRAME || cur->r == PL_CAP_WEIRD) {
		struct pl_frame *f = cur->f;
		enum pl_clock_verdict cv;
		uint64_t ts, was;
		char addl[256];
		struct rec *t;
		int e, have_next;

		read_rec(&cap, nxt);
		if (cur->r == PL_CAP_WEIRD) {
			/* a record no frame can be made of: said, and read on */
			ring_buffer__consume(rb);       /* records in the order they happened */
			pl_collector_weird(col, clk.now, cur->wname, cur->waddl, "capture");
			goto next;
		}
		/* a weird record with a readable time counts as the next one */
		have_next = nxt->r == PL_CAP_FRAME || (nxt->r == PL_CAP_WEIRD && nxt->f->ts_ns);
		was = clk.now;
		cv = pl_clock_admit(&clk, f->ts_ns, have_next, nxt->f->ts_ns, &ts);
		if (cv == PL_CLOCK_OUT_OF_TIME) {
			ring_buffer__consume(rb);
			snprintf(addl, sizeof(addl),
				 "frame %llu is dated %llu.%09llu, more than %llu s from the capture's clock %llu.%09llu and from the next frame: counted at the clock's time",
				 (unsigned long long)f->number,
				 (unsigned long long)(f->ts_ns / 1000000000ull),
				 (unsigned long long)(f->ts_ns % 1000000000ull),
				 PL_CLOCK_WINDOW_NS / 1000000000ull,
				 (unsigned long long)(was / 1000000000ull),
				 (unsigned long long)(was % 1000000000ull));
			pl_collector_weird(col, ts, PL_W_OUT_OF_TIME, addl, "capture");
		} else if (cv == PL_CLOCK_JUMPED) {
			next_sweep = ts;        /* a sweep now, and on from the new time */
		}
		e = pl_replay_run(&rp, f->data, f->caplen, f->wirelen, ts, NULL, NULL);
		if (e) {
			/* said once; the run goes on, and its exit status says it failed */
			if (!run_fails++)
				fprintf(stderr, "pktlens analyze: running frame %llu failed: %s\n",
					(unsigned long long)f->number, strerror(-e));
			snprintf(addl, sizeof(addl), "the XDP program could not run frame %llu: %s",
				 (unsigned long long)f->number, strerror(-e));
			pl_collector_weird(col, ts, PL_W_RUN_FAILED, addl, "capture");
			goto next;
		}
		frames++;
		if (ts < oldest_since_sweep)
			oldest_since_sweep = ts;
		if (frames % CONSUME_EVERY == 0)
			ring_buffer__consume(rb);
		if (!next_sweep)
			next_sweep = ts + sweep_every;
		if (ts >= next_sweep) {
			ring_buffer__consume(rb);
			pl_collector_changed_since(col, oldest_since_sweep);
			pl_collector_sweep(col, ts, 0);
			next_sweep = ts + sweep_every;
			oldest_since_sweep = UINT64_MAX;
		}
		if (show_progress && frames % 4096 == 0 && now_s() - last_draw > 0.2) {
			last_draw = now_s();
			progress(&cap, st.st_size, frames, 0);
		}
next:
		t = cur;
		cur = nxt;
		nxt = t;
	}
	r = cur->r;
	ring_buffer__consume(rb);
	pl_collector_sweep(col, 0, 1);
	if (show_progress && frames >= 4096)
		progress(&cap, st.st_size, frames, 1);
	pl_sink_flush(&sink);

	if (!pl_replay_counters(&rp, &cnt)) {
		if (cnt.events_lost)
			fprintf(stderr, "pktlens analyze: %llu events lost (ring buffer full); records are incomplete\n",
				(unsigned long long)cnt.events_lost);
		if (want_summary)
			pl_summary_print(stderr, &cnt, col, NULL);
		if (want_summary && det)
			pl_detect_summary(det, stderr);
	}
	if (cap.weird || clk.out_of_time)
		fprintf(stderr, "pktlens analyze: %s: %llu record%s rejected, %llu frame%s out of time, %llu clock jump%s (weird records say which)\n",
			file, (unsigned long long)cap.weird, cap.weird == 1 ? "" : "s",
			(unsigned long long)clk.out_of_time, clk.out_of_time == 1 ? "" : "s",
			(unsigned long long)clk.jumps, clk.jumps == 1 ? "" : "s");
	if (r < 0) {
		fprintf(stderr, "pktlens analyze: %s: %s (records up to there were written)\n",
			file, cap.err);
		goto out;
	}
	if (run_fails) {
		fprintf(stderr, "pktlens analyze: %s: the XDP program failed on %llu frame%s (weird %s); the records are incomplete\n",
			file, (unsigned long long)run_fails, run_fails == 1 ? "" : "s", PL_W_RUN_FAILED);
		pl_sink_print_lost(&sink, stderr, "pktlens analyze");
		goto out;
	}
	pl_sink_print_lost(&sink, stderr, "pktlens analyze");
	rc = sink.error ? 1 : 0;
out:
	free(ra.f);
	free(rb_.f);
	ring_buffer__free(rb);
	pl_collector_free(col);
	pl_detect_free(det);
	pl_sink_close(&sink);
	pl_replay_close(&rp);
	pl_capture_close(&cap);
	pl_options_free(&po);
	return rc;
bad:
	fprintf(stderr, "pktlens analyze: %s\n", err);
	free(all_opts);
	pl_options_free(&po);
	return 2;
}
