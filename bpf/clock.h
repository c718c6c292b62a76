/* SPDX-License-Identifier: BSD-3-Clause */
/* clock.h - two clocks. Per packet, the coarse one (a flow's last-seen time
 * needs no better than a tick, and the precise clock costs tens of ns in a
 * VM); for what userspace turns into timestamps and round-trip times (a
 * flow's start, L7 records), the precise one. Offline, both are the
 * capture's time. */
#ifndef PL_BPF_CLOCK_H
#define PL_BPF_CLOCK_H

/* Offline replay: timestamp and original length come from data_meta. */
const volatile __u8 cfg_replay = 0;

static __always_inline __u64 pl_fine_now(__u64 coarse)
{
	return cfg_replay ? coarse : bpf_ktime_get_ns();
}

/* The precise time for events, read at most once per packet however many
 * events the packet sends. *cache starts at 0. */
static __always_inline __u64 pl_event_now(__u64 *cache, __u64 coarse)
{
	if (!*cache)
		*cache = pl_fine_now(coarse);
	return *cache;
}

#endif /* PL_BPF_CLOCK_H */
