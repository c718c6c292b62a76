/* SPDX-License-Identifier: BSD-3-Clause */
/* stats.h - per-CPU global counters: one slot, plain increments. */
#ifndef PL_BPF_STATS_H
#define PL_BPF_STATS_H

#include "maps.h"

static __always_inline __u32 pl_eth_class(const struct pl_meta *m)
{
	if (m->malformed == PL_MAL_ETH_TRUNCATED)
		return PL_ETHC_NONE;
	switch (m->eth_proto) {
	case 0x0800: return PL_ETHC_IPV4;
	case 0x86dd: return PL_ETHC_IPV6;
	case 0x0806: return PL_ETHC_ARP;
	case 0x88cc: return PL_ETHC_LLDP;
	default:
		return m->eth_proto < 0x0600 ? PL_ETHC_8023 : PL_ETHC_OTHER;
	}
}

/* len: wire bytes; segs: the packets they are (1 but for a GSO packet at
 * egress; a constant 1 costs the XDP program nothing). */
static __always_inline void pl_count_packet(struct pl_counters *c,
					    const struct pl_meta *m, __u32 len,
					    __u32 segs)
{
	c->packets += segs;
	c->bytes += len;
	c->ethertype[pl_eth_class(m) & 7] += segs;
	if (m->flags & PL_F_IP)
		c->l4_proto[m->l4_proto] += segs;
	if (m->malformed < PL_MAL__COUNT)
		c->malformed[m->malformed]++;
	if (m->l7_kind < PL_L7__COUNT)
		c->l7[m->l7_kind]++;
	if (m->flags & PL_F_SNAPPED)
		c->snapped++;
	if (m->n_vlans)
		c->vlan_tagged++;
	if (m->flags & PL_F_FRAGMENT)
		c->fragments++;
}

#endif /* PL_BPF_STATS_H */
