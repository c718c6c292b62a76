/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* pktlens.bpf.c - the XDP inspector: parse every frame with the shared
 * parser, count it, keep flow and source state, report what is new, decide a
 * verdict, and count that verdict at the single exit. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "pl_abi.h"
#include "parse/pl_parse.h"
#include "clock.h"
#include "maps.h"
#include "stats.h"
#include "events.h"
#include "flow.h"
#include "policy.h"
#include "frag_policy.h"

/* Load-time settings (rodata), set by the loader before load; cfg_replay
 * is in clock.h. */
/* Send L7 records (DNS, TLS, HTTP), payload for reassembly and malformed
 * packets to userspace. Off only for tools that read the parse directly. */
const volatile __u8 cfg_l7_events = 1;


SEC("xdp.frags")
int pktlens_xdp(struct xdp_md *ctx)
{
	const __u8 *data = (const __u8 *)(long)ctx->data;
	const __u8 *end = (const __u8 *)(long)ctx->data_end;
	struct pl_pkt pk = { .data = data, .end = end };
	struct pl_flow_key key;
	struct pl_counters *c;
	struct pl_meta *m;
	__u32 zero = 0, ifindex = ctx->ingress_ifindex;
	__u64 now = 0, ev_now = 0;
	int verdict = PL_FRAG_JUDGE_WHOLE;

	m = bpf_map_lookup_elem(&pl_scratch, &zero);
	c = bpf_map_lookup_elem(&pl_stats, &zero);   /* PL_STATS_INGRESS */
	if (!m || !c)
		return XDP_PASS;        /* cannot happen: arrays of fixed size */

	pk.pkt_len = (__u32)(end - data);
	pk.ctx = ctx;
	if (cfg_replay) {
		const struct pl_replay_md *md = (const void *)(long)ctx->data_meta;

		if ((const __u8 *)(md + 1) <= data && md->magic == PL_REPLAY_MAGIC) {
			now = md->ts_ns;
			ifindex = md->ifindex;
			if (md->wire_len > pk.pkt_len)
				pk.pkt_len = md->wire_len;
		}
	} else {
		now = bpf_ktime_get_coarse_ns();
		pk.pkt_len = (__u32)bpf_xdp_get_buff_len(ctx);
	}

	pl_parse_frame(&pk, m);
	pl_count_packet(c, m, pk.pkt_len, 1);

	if (m->flags & PL_F_IP) {
		int want_payload;

		pl_flow_key_from(&key, m, ifindex);
		/* a fragment: its datagram's flow and verdict (frag_policy.h) */
		if (m->flags & PL_F_FRAGMENT)
			verdict = pl_frag_ingress(&key, m, pk.pkt_len, now, cfg_l7_events);
		want_payload = pl_flow_update(c, &key, m, pk.pkt_len, 1, 0, now);
		/* A fragment's L7 is read in userspace, from its whole datagram. */
		if (cfg_l7_events &&
		    !pl_emit_fragment(ctx, c, &key, m, pk.pkt_len, &ev_now, now)) {
			/* l7_kind is never set on a malformed packet */
			if (m->l7_kind && !pl_l7_in_payload(m))
				pl_emit_l7(c, &key, m, pl_event_now(&ev_now, now));
			if (want_payload || pl_l7_in_payload(m))
				pl_emit_payload(ctx, c, &key, m, pl_event_now(&ev_now, now));
		}
	} else {
		__builtin_memset(&key, 0, sizeof(key));
		key.ifindex = ifindex;
		key.vlan = m->n_vlans > 0 ? m->vlan_ids[0] : 0;
		if ((m->flags & PL_F_ARP) && cfg_l7_events)
			pl_emit_arp(c, &key, m, pl_event_now(&ev_now, now));
	}
	if (m->malformed && cfg_l7_events)
		pl_emit_malformed(c, &key, m, pl_event_now(&ev_now, now));

	/* After the accounting, so that what is dropped is still seen. Malformed
	 * packets are judged like the rest by their source; the stack judges
	 * them again. ARP frames by their pinned bindings. */
	if (verdict == PL_FRAG_JUDGE_WHOLE)
		verdict = pl_policy_verdict(m, pk.pkt_len, now, ifindex);
	if ((__u32)verdict < PL_VERDICT__COUNT)
		c->verdict[verdict]++;
	return verdict;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
