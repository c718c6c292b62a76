/* SPDX-License-Identifier: BSD-3-Clause */
/* pl_l2.h - Ethernet II, 802.1Q / 802.1ad tags (IEEE 802.1Q-2018) and ARP
 * (RFC 826). */
#ifndef PL_L2_H
#define PL_L2_H

#include "pl_cursor.h"

#define PL_ETH_P_IP     0x0800
#define PL_ETH_P_ARP    0x0806
#define PL_ETH_P_IPV6   0x86dd
#define PL_ETH_P_8021Q  0x8100
#define PL_ETH_P_8021AD 0x88a8
#define PL_ETH_P_QINQ1  0x9100  /* pre-standard QinQ, still seen */

PL_INLINE int pl_is_vlan_tpid(__u16 proto)
{
	return proto == PL_ETH_P_8021Q || proto == PL_ETH_P_8021AD ||
	       proto == PL_ETH_P_QINQ1;
}

/* Ethernet header and up to PL_MAX_VLANS tags. On success *off is the offset of
 * the network header and m->eth_proto its EtherType. */
PL_INLINE int pl_parse_eth(const struct pl_pkt *pk, struct pl_meta *m, __u32 *off)
{
	const __u8 *h = pl_at(pk, 0, 14);
	__u32 o = 14;
	__u16 proto;
	int i;

	if (!h)
		return pl_fail(m, PL_MAL_ETH_TRUNCATED);
	pl_copy(m->eth_dst, h, 6);
	pl_copy(m->eth_src, h + 6, 6);
	proto = pl_be16(h + 12);

	for (i = 0; i < PL_MAX_VLANS; i++) {
		const __u8 *t;

		if (!pl_is_vlan_tpid(proto))
			break;
		t = pl_at(pk, o, 4);
		if (!t)
			return pl_fail(m, PL_MAL_VLAN_TRUNCATED);
		if (proto == PL_ETH_P_8021AD)
			m->flags |= PL_F_8021AD;
		m->vlan_ids[i] = pl_be16(t) & 0x0fff;
		m->n_vlans = (__u8)(i + 1);
		proto = pl_be16(t + 2);
		o += 4;
	}
	m->eth_proto = proto;
	if (pl_is_vlan_tpid(proto))
		return pl_fail(m, PL_MAL_VLAN_TOO_MANY);
	*off = o;
	return 0;
}

/* ARP: opcode always; addresses for the Ethernet/IPv4 form (hlen 6, plen 4),
 * the only one that binds MACs to IPv4 addresses. */
PL_INLINE int pl_parse_arp(const struct pl_pkt *pk, struct pl_meta *m, __u32 off)
{
	const __u8 *h = pl_at(pk, off, 8);
	const __u8 *a;

	if (!h)
		return pl_extent(pk, m, off + 8, PL_MAL_ARP_TRUNCATED) < 0 ? -1 : 0;
	m->arp_op = pl_be16(h + 6);
	if (h[4] != 6 || h[5] != 4)
		return 0;
	a = pl_at(pk, off + 8, 20);
	if (!a)
		return pl_extent(pk, m, off + 28, PL_MAL_ARP_TRUNCATED) < 0 ? -1 : 0;
	pl_copy(m->arp_sha, a, 6);
	pl_copy(m->arp_spa, a + 6, 4);
	pl_copy(m->arp_tha, a + 10, 6);
	pl_copy(m->arp_tpa, a + 16, 4);
	m->flags |= PL_F_ARP;
	return 0;
}

#endif /* PL_L2_H */
