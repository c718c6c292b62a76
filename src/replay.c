/* SPDX-License-Identifier: BSD-3-Clause */
/* replay.c - the offline path into the XDP program: each frame goes in with
 * its capture timestamp and original length in front of it (XDP metadata,
 * struct pl_replay_md), so the program's clock and length checks are those
 * of the capture. The process stays on one CPU so that the per-CPU scratch
 * slot read back after a run is the one the run wrote. */
#include "replay.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "pktlens.skel.h"

static int quiet_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN && getenv("PKTLENS_DEBUG"))
		return vfprintf(stderr, fmt, ap);
	return 0;
}

int pl_replay_open(struct pl_replay *r, char *err, size_t errlen)
{
	struct pl_replay_opts o = { 0 };

	return pl_replay_open_opts(r, &o, err, errlen);
}

int pl_replay_open_opts(struct pl_replay *r, const struct pl_replay_opts *o,
			char *err, size_t errlen)
{
	cpu_set_t set;
	int e;

	memset(r, 0, sizeof(*r));
	libbpf_set_print(quiet_libbpf);
	r->cpu = sched_getcpu();
	if (r->cpu < 0)
		r->cpu = 0;
	CPU_ZERO(&set);
	CPU_SET(r->cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		snprintf(err, errlen, "cannot stay on CPU %d: %s", r->cpu, strerror(errno));
		return -1;
	}
	r->ncpu = libbpf_num_possible_cpus();
	r->skel = pktlens_bpf__open();
	if (!r->skel) {
		snprintf(err, errlen, "cannot open the BPF object: %s", strerror(errno));
		return -1;
	}
	r->skel->rodata->cfg_replay = 1;
	r->skel->rodata->cfg_l7_events = o->events ? 1 : 0;
	if (o->flows_max)
		bpf_map__set_max_entries(r->skel->maps.pl_flows, o->flows_max);
	if (o->frags_max)
		bpf_map__set_max_entries(r->skel->maps.pl_frags, o->frags_max);
	r->skel->rodata->cfg_frag_tracking = o->frags_alone ? 0 : 1;
	e = pktlens_bpf__load(r->skel);
	if (e) {
		snprintf(err, errlen,
			 "cannot load the XDP program: %s (needs root or CAP_BPF+CAP_PERFMON; PKTLENS_DEBUG=1 shows the verifier log)",
			 strerror(-e));
		pktlens_bpf__destroy(r->skel);
		r->skel = NULL;
		return -1;
	}
	r->prog_fd = bpf_program__fd(r->skel->progs.pktlens_xdp);
	r->percpu = calloc((size_t)r->ncpu, sizeof(struct pl_counters) + 8);
	if (!r->percpu) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

int pl_replay_run(struct pl_replay *r, const uint8_t *frame, uint32_t caplen,
		  uint32_t wirelen, uint64_t ts_ns, int *verdict, struct pl_meta *meta)
{
	static uint8_t buf[sizeof(struct pl_replay_md) + PL_REPLAY_MAX_FRAME];
	struct pl_replay_md *md = (struct pl_replay_md *)buf;
	struct xdp_md ctx = { 0 };
	uint32_t zero = 0, len = caplen > PL_REPLAY_MAX_FRAME ? PL_REPLAY_MAX_FRAME : caplen;
	size_t vsz = (sizeof(struct pl_meta) + 7) & ~7ul;
	int e;
	LIBBPF_OPTS(bpf_test_run_opts, o);

	md->ts_ns = ts_ns;
	md->wire_len = wirelen;
	md->ifindex = r->ifindex;
	md->magic = PL_REPLAY_MAGIC;
	md->pad = 0;
	memcpy(buf + sizeof(*md), frame, len);
	ctx.data = sizeof(*md);
	ctx.data_end = sizeof(*md) + len;
	o.data_in = buf;
	o.data_size_in = sizeof(*md) + len;
	o.ctx_in = &ctx;
	o.ctx_size_in = sizeof(ctx);
	o.repeat = 1;
	e = bpf_prog_test_run_opts(r->prog_fd, &o);
	if (e)
		return -errno;
	if (verdict)
		*verdict = (int)o.retval;
	if (meta) {
		e = bpf_map__lookup_elem(r->skel->maps.pl_scratch, &zero, sizeof(zero),
					 r->percpu, vsz * (size_t)r->ncpu, 0);
		if (e)
			return e;
		memcpy(meta, (uint8_t *)r->percpu + vsz * (size_t)r->cpu, sizeof(*meta));
	}
	return 0;
}

int pl_replay_counters(struct pl_replay *r, struct pl_counters *out)
{
	size_t vsz = (sizeof(struct pl_counters) + 7) & ~7ul;
	uint32_t zero = 0;
	int e, c;
	size_t i, n = sizeof(*out) / sizeof(uint64_t);

	e = bpf_map__lookup_elem(r->skel->maps.pl_stats, &zero, sizeof(zero), r->percpu,
				 vsz * (size_t)r->ncpu, 0);
	if (e)
		return e;
	memset(out, 0, sizeof(*out));
	for (c = 0; c < r->ncpu; c++) {
		const uint64_t *v = (const uint64_t *)((uint8_t *)r->percpu + vsz * (size_t)c);

		for (i = 0; i < n; i++)
			((uint64_t *)out)[i] += v[i];
	}
	return 0;
}

void pl_replay_close(struct pl_replay *r)
{
	if (r->skel)
		pktlens_bpf__destroy(r->skel);
	free(r->percpu);
	memset(r, 0, sizeof(*r));
}
