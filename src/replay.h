/* SPDX-License-Identifier: BSD-3-Clause */
/* replay.h - run frames through the real XDP program with BPF_PROG_TEST_RUN. */
#ifndef PL_REPLAY_H
#define PL_REPLAY_H

#include <stddef.h>
#include <stdint.h>
#include "pl_abi.h"

/* Largest frame handed to the program whole: what fits one page after XDP's
 * headroom and tailroom. Longer frames are cut here, their real length goes
 * along, and the parser treats the rest as not seen (PL_F_SNAPPED). */
#define PL_REPLAY_MAX_FRAME 3072

struct pktlens_bpf;

struct pl_replay {
	struct pktlens_bpf *skel;
	int prog_fd;
	int ncpu;
	int cpu;                /* the CPU this process runs the program on */
	void *percpu;           /* buffer for one per-CPU map value */
	uint32_t ifindex;       /* the flow keys' interface; 0 (none) offline */
};

struct pl_replay_opts {
	int events;             /* program sends ring-buffer events (analyze) */
	uint32_t flows_max;     /* flow table size; 0 keeps the default */
	uint32_t frags_max;     /* fragment table size; 0 keeps the default */
	int frags_alone;        /* fragment-tracking = no: each fragment judged alone */
};

/* pl_replay_open: no events, default sizes (the parse is read directly). */
int pl_replay_open(struct pl_replay *r, char *err, size_t errlen);
int pl_replay_open_opts(struct pl_replay *r, const struct pl_replay_opts *o,
			char *err, size_t errlen);
/* Run one frame; the parser's output for it lands in *meta. */
int pl_replay_run(struct pl_replay *r, const uint8_t *frame, uint32_t caplen,
		  uint32_t wirelen, uint64_t ts_ns, int *verdict, struct pl_meta *meta);
/* Sum of the per-CPU global counters. */
int pl_replay_counters(struct pl_replay *r, struct pl_counters *out);
void pl_replay_close(struct pl_replay *r);

#endif
