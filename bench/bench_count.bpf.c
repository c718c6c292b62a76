/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* bench_count.bpf.c - the two XDP programs of the live benchmarks
 * (bench/live.c):
 *
 *   bench_count  the receiver's floor: one per-CPU counter, then XDP_PASS.
 *                What a bare program sees on the veth is what pktlens must
 *                see too.
 *   bench_tx     the injector's program, run by BPF_PROG_TEST_RUN with
 *                BPF_F_TEST_XDP_LIVE_FRAMES on one end of a veth pair. Each
 *                run writes the next frame of a mix (templates set by
 *                userspace), makes it one of cfg_flows distinct flows and
 *                returns XDP_TX, which sends it to the peer. Live-frame pages
 *                keep what the program wrote, so every field that varies is
 *                written on every run. It also paces: a run before the next
 *                frame is due returns XDP_DROP, so frames leave evenly
 *                spaced however many runs one test-run call makes. */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "bench_live.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} bench_rx SEC(".maps");

SEC("xdp")
int bench_count(struct xdp_md *ctx)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&bench_rx, &zero);

	(void)ctx;
	if (n)
		(*n)++;
	return XDP_PASS;
}

/* --- injector ---------------------------------------------------------- */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BL_MIX);
	__type(key, __u32);
	__type(value, struct bl_tmpl);
} bench_tmpl SEC(".maps");

const volatile __u32 cfg_flows = 4096;  /* distinct flows, each keeps one template */
const volatile __u64 cfg_count;         /* frames to send; then every run drops */
const volatile __u64 cfg_interval_ps;   /* between frames; 0: back to back */

/* One CPU runs the injector: plain globals, read by userspace (mmap). */
__u64 tx_sent;                          /* frames sent */
__u64 tx_bad;                           /* frames not sent: template or size wrong */
__u64 tx_first_ns, tx_last_ns;          /* when the first and the last went */
__u64 tx_next_ps;                       /* when the next one is due */
__u64 tx_resync;                        /* times the schedule was late by > BL_LAG_PS */

static __always_inline __u16 ip_csum(const __u16 *w)
{
	__u32 s = 0;
	int i;

#pragma unroll
	for (i = 0; i < 10; i++)
		s += w[i];
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)~s;
}

SEC("xdp")
int bench_tx(struct xdp_md *ctx)
{
	__u8 *data = (__u8 *)(long)ctx->data, *end = (__u8 *)(long)ctx->data_end;
	__u64 i, now;
	__u32 f, slot;
	__u32 client, round;
	struct bl_tmpl *t;
	struct iphdr *ip;
	__u16 *ports;

	if (tx_sent >= cfg_count)
		return XDP_DROP;
	/* Pacing: a run that comes early sends nothing (the page goes back to
	 * the pool), so one long test run offers frames at an even rate. */
	now = bpf_ktime_get_ns();
	if (cfg_interval_ps) {
		__u64 ps = now * 1000;

		if (!tx_next_ps || ps > tx_next_ps + BL_LAG_PS) {
			if (tx_next_ps)
				tx_resync++;
			tx_next_ps = ps;        /* late (preempted): no burst to catch up */
		}
		if (ps < tx_next_ps)
			return XDP_DROP;
		tx_next_ps += cfg_interval_ps;
	}
	i = tx_sent++;
	if (!i)
		tx_first_ns = now;
	tx_last_ns = now;
	f = (__u32)(i % cfg_flows);
	slot = f % BL_MIX;
	client = f % BL_CLIENTS;
	round = (__u32)(i / cfg_flows);
	t = bpf_map_lookup_elem(&bench_tmpl, &slot);

	if (!t || data + BL_FRAME_MAX > end || t->len < BL_MIN_LEN || t->len > BL_FRAME_MAX)
		goto bad;
	__builtin_memcpy(data, t->data, BL_FRAME_MAX);

	/* 10.1.c.c:(10000 + f / clients) -> fixed server: one flow per f */
	ip = (struct iphdr *)(data + 14);
	ip->saddr = bpf_htonl(0x0a010000u | client);
	ip->id = bpf_htons((__u16)i);
	ip->check = 0;
	ip->check = ip_csum((const __u16 *)ip);
	ports = (__u16 *)(data + 14 + 20);
	ports[0] = bpf_htons((__u16)(10000 + f / BL_CLIENTS));
	if (t->kind == BL_DNS) {
		*(__u16 *)(data + 14 + 20 + 8) = (__u16)i;  /* DNS id */
	} else {                /* TCP: the next segment of the flow */
		struct tcphdr *th = (struct tcphdr *)ports;

		th->seq = bpf_htonl(bpf_ntohl(th->seq) + round * t->payload);
	}
	if (bpf_xdp_adjust_tail(ctx, (int)t->len - BL_FRAME_MAX))
		goto bad;
	return XDP_TX;
bad:
	tx_bad++;
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
