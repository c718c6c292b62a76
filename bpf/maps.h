/* SPDX-License-Identifier: BSD-3-Clause */
/* maps.h - the maps both programs use, in one place (the policy's are in
 * policy.h and mitigate.h: XDP only). max_entries here are defaults: the
 * loader sets the real sizes before loading (bpf_map__set_max_entries).
 * The TC egress object declares them too and the loader hands it the XDP
 * object's (bpf_map__reuse_fd), all but pl_scratch, which stays its own. */
#ifndef PL_BPF_MAPS_H
#define PL_BPF_MAPS_H

#include "pl_abi.h"

/* Parser output: too large for the BPF stack, so one slot per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pl_meta);
} pl_scratch SEC(".maps");

/* One slot per direction (enum pl_stats_slot). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PL_STATS__SLOTS);
	__type(key, __u32);
	__type(value, struct pl_counters);
} pl_stats SEC(".maps");

/* Per-CPU values: no atomic operations on the per-packet path. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, PL_DEFAULT_FLOWS);
	__type(key, struct pl_flow_key);
	__type(value, struct pl_flow_val);
} pl_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, PL_DEFAULT_SOURCES);
	__type(key, struct pl_src_key);
	__type(value, struct pl_src_val);
} pl_sources SEC(".maps");

/* IP datagrams seen in fragments (frag.h): one entry per datagram whose
 * first fragment carried its whole L4 header, shared by every CPU (the
 * fragments of one datagram may arrive on several). LRU: a datagram whose
 * later fragments never come is forgotten first. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PL_DEFAULT_FRAGS);
	__type(key, struct pl_frag_key);
	__type(value, struct pl_frag_val);
} pl_frags SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, PL_DEFAULT_RINGBUF);
} pl_events SEC(".maps");

#endif /* PL_BPF_MAPS_H */
