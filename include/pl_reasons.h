/* SPDX-License-Identifier: BSD-3-Clause */
/* pl_reasons.h - every reason a packet can be judged malformed, in one place.
 *
 * The list is an X-macro so the kernel (counter index), the parser (return
 * code), userspace (metric label, log field, "weird" record name) and the
 * tests all use the same names and numbers. Append only: the numbers are
 * indexes into the per-CPU counter array and must stay stable.
 */
#ifndef PL_REASONS_H
#define PL_REASONS_H

#define PL_MALFORMED_REASONS(X)                                                   \
	X(NONE, "none", "well formed")                                            \
	X(ETH_TRUNCATED, "eth_truncated", "frame shorter than an Ethernet header") \
	X(VLAN_TRUNCATED, "vlan_truncated", "802.1Q/802.1ad tag cut short")       \
	X(VLAN_TOO_MANY, "vlan_too_many", "more VLAN tags than the parser walks")  \
	X(ARP_TRUNCATED, "arp_truncated", "ARP body shorter than its address lengths") \
	X(IPV4_TRUNCATED, "ipv4_truncated", "fewer than 20 bytes of IPv4 header")  \
	X(IPV4_BAD_VERSION, "ipv4_bad_version", "EtherType IPv4 but version is not 4") \
	X(IPV4_BAD_IHL, "ipv4_bad_ihl", "IPv4 header length below 20 bytes")       \
	X(IPV4_OPTS_TRUNCATED, "ipv4_opts_truncated", "IPv4 options run past the frame") \
	X(IPV4_LEN_LT_HDR, "ipv4_len_lt_hdr", "IPv4 total length below header length") \
	X(IPV4_LEN_GT_FRAME, "ipv4_len_gt_frame", "IPv4 total length beyond the frame") \
	X(IPV4_BAD_OPTION, "ipv4_bad_option", "IPv4 option with an impossible length") \
	X(IPV4_FRAG_OVERFLOW, "ipv4_frag_overflow", "fragment ends beyond 65535 bytes") \
	X(IPV6_TRUNCATED, "ipv6_truncated", "fewer than 40 bytes of IPv6 header")  \
	X(IPV6_BAD_VERSION, "ipv6_bad_version", "EtherType IPv6 but version is not 6") \
	X(IPV6_LEN_GT_FRAME, "ipv6_len_gt_frame", "IPv6 payload length beyond the frame") \
	X(IPV6_EXT_TRUNCATED, "ipv6_ext_truncated", "IPv6 extension header runs past the payload") \
	X(IPV6_EXT_CHAIN_TOO_LONG, "ipv6_ext_chain_too_long", "more IPv6 extension headers than the parser walks") \
	X(IPV6_HBH_NOT_FIRST, "ipv6_hbh_not_first", "hop-by-hop options not directly after the IPv6 header") \
	X(IPV6_FRAG_BAD_LEN, "ipv6_frag_bad_len", "non-last IPv6 fragment not a multiple of 8 bytes, or ends beyond 65535") \
	X(TCP_TRUNCATED, "tcp_truncated", "fewer than 20 bytes of TCP header")     \
	X(TCP_BAD_DOFF, "tcp_bad_doff", "TCP data offset below 5 or beyond the segment") \
	X(UDP_TRUNCATED, "udp_truncated", "fewer than 8 bytes of UDP header")      \
	X(UDP_BAD_LEN, "udp_bad_len", "UDP length below 8 or beyond the IP payload") \
	X(ICMP_TRUNCATED, "icmp_truncated", "ICMP/ICMPv6 header cut short")        \
	X(DNS_TRUNCATED, "dns_truncated", "DNS header or question cut short")      \
	X(DNS_LABEL_OVERFLOW, "dns_label_overflow", "DNS label runs past the message") \
	X(DNS_NAME_TOO_LONG, "dns_name_too_long", "DNS name longer than 255 bytes") \
	X(DNS_BAD_LABEL_TYPE, "dns_bad_label_type", "DNS label with reserved type bits 01/10") \
	X(DNS_BAD_POINTER, "dns_bad_pointer", "DNS compression pointer loops or points forward") \
	X(TLS_BAD_RECORD, "tls_bad_record", "TLS record length beyond 2^14+2048") \
	X(TLS_BAD_HELLO, "tls_bad_hello", "ClientHello lengths inconsistent with each other") \
	X(TLS_BAD_SNI, "tls_bad_sni", "server_name extension inconsistent")        \
	X(IPV6_FRAG_TRUNCATED, "ipv6_frag_truncated", "IPv6 fragment header cut short") \
	X(IPV4_FRAG_TINY, "ipv4_frag_tiny", "first IPv4 fragment too short for the whole L4 header (RFC 1858)") \
	X(IPV4_FRAG_OFFSET_ONE, "ipv4_frag_offset_one", "IPv4 TCP fragment at offset 8: it can rewrite the TCP flags (RFC 1858)") \
	X(IPV6_FRAG_TINY, "ipv6_frag_tiny", "first IPv6 fragment without the whole header chain and L4 header (RFC 7112)") \
	X(FRAG_HDR_OVERLAP, "frag_hdr_overlap", "fragment overlapping the L4 header its datagram was judged on, or a first fragment repeated with other ports")

enum pl_malformed {
#define PL_REASON_ENUM(id, name, doc) PL_MAL_##id,
	PL_MALFORMED_REASONS(PL_REASON_ENUM)
#undef PL_REASON_ENUM
	PL_MAL__COUNT
};

#endif /* PL_REASONS_H */
