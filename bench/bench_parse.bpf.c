/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* bench_parse.bpf.c - the parser alone, as the XDP program runs it (same
 * scratch slot, same packet length), without counters, flow and source
 * tables or events: the benchmark subtracts it from the full program to
 * tell parsing from keeping state. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "pl_abi.h"
#include "parse/pl_parse.h"

/* Named as in the full program so the benchmark checks both alike. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pl_meta);
} pl_scratch SEC(".maps");

SEC("xdp.frags")
int bench_parse(struct xdp_md *ctx)
{
	const __u8 *data = (const __u8 *)(long)ctx->data;
	const __u8 *end = (const __u8 *)(long)ctx->data_end;
	struct pl_pkt pk = { .data = data, .end = end, .ctx = ctx };
	struct pl_meta *m;
	__u32 zero = 0;

	m = bpf_map_lookup_elem(&pl_scratch, &zero);
	if (!m)
		return XDP_PASS;
	pk.pkt_len = (__u32)bpf_xdp_get_buff_len(ctx);
	pl_parse_frame(&pk, m);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
