/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* bench_flows.bpf.c - a different flow on every run of a BPF_PROG_TEST_RUN
 * with `repeat`: the kernel runs the same frame repeat times, so a program
 * with a flow table would otherwise look up one hot entry that stays in L1,
 * whatever the table holds. This program rewrites the frame in place to the
 * next of `flows` 5-tuples and tail-calls the program under test, so run i
 * of a test run takes flow i mod flows, as a busy link would spread packets
 * over a table: the hash buckets and entries come from memory, not L1.
 *
 * Flow i: source port base_port + i (mod 65536); past 65536 flows the last
 * byte of the source address moves too (base_addr + i / 65536), so up to
 * 2^24 distinct 5-tuples. Flow 0 is the frame unchanged. Nothing else of
 * the frame changes (no checksum is fixed: the parser checks none).
 *
 * One program per target: a tail call through a constant slot is a direct
 * jump, and a prog array takes only programs like its owner (xdp.frags or
 * not). The benchmark times every program it compares through the same
 * rewriter and subtracts the rewriter's own cost, measured with XDP_PASS as
 * the target. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/* Set by the benchmark before each test run (.bss, mmapped). Test runs are
 * made from one CPU at a time, so plain variables do. */
__u32 flows;            /* distinct flows to cycle through; 0 counts as 1 */
__u32 next_flow;        /* the next run's flow, 0..flows-1; left for the next test run */
__u32 port_off;         /* offset of the source port in the frame */
__u32 addr_off;         /* offset of the source address's last byte */
__u32 base_port;        /* the frame's own source port */
__u32 base_addr;        /* the frame's own last address byte */

#define FRAME_MAX 4096  /* offsets beyond this are refused (a bound for the verifier) */

static __always_inline int next_flow_then(struct xdp_md *ctx, void *target)
{
	__u8 *data = (__u8 *)(long)ctx->data, *end = (__u8 *)(long)ctx->data_end;
	__u32 i = next_flow, po = port_off, ao = addr_off, port;
	__u8 *p, *a;

	next_flow = i + 1 < flows ? i + 1 : 0;
	if (po > FRAME_MAX || ao > FRAME_MAX)
		return XDP_ABORTED;
	p = data + po;
	a = data + ao;
	if (p + 2 > end || a + 1 > end)
		return XDP_ABORTED;
	port = base_port + i;
	p[0] = (__u8)(port >> 8);
	p[1] = (__u8)port;
	a[0] = (__u8)(base_addr + (i >> 16));
	bpf_tail_call(ctx, target, 0);
	return XDP_ABORTED;     /* the slot was empty: the benchmark sees the verdict */
}

#define FLOWS_PROG(name, sec)                                           \
	struct {                                                        \
		__uint(type, BPF_MAP_TYPE_PROG_ARRAY);                  \
		__uint(max_entries, 1);                                 \
		__type(key, __u32);                                     \
		__type(value, __u32);                                   \
	} name##_target SEC(".maps");                                   \
	SEC(sec) int name(struct xdp_md *ctx)                           \
	{                                                               \
		return next_flow_then(ctx, &name##_target);             \
	}

FLOWS_PROG(flows_pktlens, "xdp.frags")          /* pktlens, one hot flow */
FLOWS_PROG(flows_pktlens_many, "xdp.frags")     /* pktlens, its own instance, N flows */
FLOWS_PROG(flows_bare, "xdp")                   /* XDP_PASS: the rewriter's own cost */
FLOWS_PROG(flows_xdp_filter, "xdp")             /* xdp-filter */

char LICENSE[] SEC("license") = "Dual BSD/GPL";
