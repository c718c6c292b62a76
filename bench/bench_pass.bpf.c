/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* bench_pass.bpf.c - the floor for benchmarks: an XDP program that only
 * returns XDP_PASS, run in the same way as the real one. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("xdp")
int bench_pass(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
