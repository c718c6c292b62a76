/* SPDX-License-Identifier: BSD-3-Clause */
/* pl_meta.h - what the parser extracts from one frame.
 *
 * Shared by the XDP program (which keeps it in a per-CPU scratch map: it is too
 * big for the 512-byte BPF stack) and native code (tests, fuzzing, offline
 * tools). Fixed-width fields only, explicit padding, so both sides agree on the
 * layout byte for byte. Multi-byte numbers are host order; addresses and MACs
 * stay in network order as on the wire.
 *
 * The parser clears the part up to `l7_kind` on every frame and fills the L7
 * union only for the kind it sets, so a reader looks at the union only through
 * `l7_kind` and at strings only up to their length.
 */
#ifndef PL_META_H
#define PL_META_H

#ifndef __bpf__
#include <linux/types.h>
#endif

#define PL_MAX_VLANS 4          /* tags walked: QinQ plus two more */
#define PL_IPV6_MAX_EXT 8       /* extension headers walked before giving up */
#define PL_DNS_NAME_MAX 253     /* presentation form of a 255-octet wire name */
#define PL_DNS_NAME_BUF 320     /* room for the parser's 8-byte copies past the end */
#define PL_SNI_MAX 256          /* a DNS host name fits */
#define PL_TLS_MAX_VERSIONS 8   /* supported_versions entries kept */
#define PL_HTTP_METHOD_MAX 16
#define PL_HTTP_HOST_MAX 128
#define PL_HTTP_PATH_MAX 256    /* a prefix: longer paths are cut, flagged */

/* pl_meta.flags */
#define PL_F_SNAPPED     0x0001 /* capture holds less than the packet (offline only) */
#define PL_F_ARP         0x0002 /* arp_* fields valid */
#define PL_F_IP          0x0004 /* L3 fields valid */
#define PL_F_FRAGMENT    0x0008 /* IPv4 MF/offset or an IPv6 fragment header */
#define PL_F_L4          0x0010 /* L4 header parsed: ports / type valid */
#define PL_F_DF          0x0020
#define PL_F_MF          0x0040
#define PL_F_FRAG_HDR    0x0080 /* IPv6 fragment header present */
#define PL_F_8021AD      0x0100 /* at least one 0x88a8 tag */

/* pl_meta.ipv6_ext: which extension headers the walk crossed */
#define PL_EXT_HOP       0x01
#define PL_EXT_ROUTING   0x02
#define PL_EXT_FRAG      0x04
#define PL_EXT_DSTOPTS   0x08

enum pl_l7_kind {
	PL_L7_NONE = 0,
	PL_L7_DNS = 1,
	PL_L7_TLS = 2,
	PL_L7_HTTP = 3,
	PL_L7__COUNT
};

struct pl_dns {
	__u16 id;
	__u16 flags;            /* raw header flags word */
	__u16 qdcount, ancount, nscount, arcount;
	__u16 qtype, qclass;    /* of the first question, valid if has_question */
	__u16 qname_len;        /* bytes in qname, no terminator counted */
	__u16 msg_len;          /* the message's declared length (UDP payload,
				 * TCP length prefix): what a response carries
				 * back, for the tunnel detection */
	__u8 qr, opcode, rcode;
	__u8 has_question;
	__u8 tcp;               /* carried over TCP (2-byte length prefix) */
	__u8 more_msgs;         /* TCP: more messages follow in the segment */
	__u8 qname_more;        /* more labels than decoded: qname is its start */
	__u8 pad[1];
	char qname[PL_DNS_NAME_BUF]; /* labels joined with '.', root is ""; qname_len bytes */
};

/* pl_tls.flags */
#define PL_TLS_HAS_SNI       0x01
#define PL_TLS_SNI_TRUNC     0x02 /* name longer than PL_SNI_MAX - 1 */
#define PL_TLS_COMPLETE      0x04 /* whole ClientHello inside this segment */
#define PL_TLS_HAS_VERSIONS  0x08 /* supported_versions extension seen */
#define PL_TLS_VERSIONS_TRUNC 0x10 /* more versions than kept (an event cut) */

struct pl_tls {
	__u16 record_version;   /* TLSPlaintext.legacy_record_version */
	__u16 hello_version;    /* ClientHello.legacy_version */
	__u32 hello_len;        /* handshake body length as announced */
	__u16 versions[PL_TLS_MAX_VERSIONS]; /* supported_versions, in order */
	__u8 n_versions;
	__u8 flags;
	__u16 sni_len;
	char sni[PL_SNI_MAX];
};

/* pl_http.flags */
#define PL_HTTP_PATH_TRUNC   0x01
#define PL_HTTP_HOST_TRUNC   0x02
#define PL_HTTP_HAS_HOST     0x04
#define PL_HTTP_HOST_WINDOW  0x08 /* header block not read to its end: the
				   * scan window or the bytes ran out, Host
				   * not among the headers read */
#define PL_HTTP_METHOD_TRUNC 0x10 /* an event's method cut (never the parser) */

struct pl_http {
	__u8 method_len;
	__u8 host_len;
	__u16 path_len;
	__u8 flags;
	__u8 pad[3];
	char method[PL_HTTP_METHOD_MAX];
	char host[PL_HTTP_HOST_MAX];
	char path[PL_HTTP_PATH_MAX];
};

struct pl_meta {
	/* L2 */
	__u8 eth_dst[6];
	__u8 eth_src[6];
	__u16 eth_proto;        /* EtherType after the VLAN tags */
	__u16 vlan_ids[PL_MAX_VLANS]; /* outermost first */
	__u8 n_vlans;
	__u8 malformed;         /* enum pl_malformed, PL_MAL_NONE if sound */
	__u16 flags;            /* PL_F_* */
	__u16 frame_len;        /* bytes the parser could see */
	__u16 pad_l2;
	__u32 wire_len;         /* real length of the packet, >= frame_len */

	/* ARP (PL_F_ARP) */
	__u16 arp_op;
	__u8 arp_sha[6];
	__u8 arp_tha[6];
	__u8 arp_spa[4];
	__u8 arp_tpa[4];

	/* L3 (PL_F_IP); IPv4 addresses are stored IPv4-mapped (::ffff:a.b.c.d) */
	__u8 src[16];
	__u8 dst[16];
	__u8 ip_version;
	__u8 ttl;               /* TTL or hop limit */
	__u8 tos;               /* DSCP << 2 | ECN (IPv6 traffic class) */
	__u8 l4_proto;          /* IPv4 protocol or final IPv6 next header */
	__u16 ip_hdr_len;       /* IPv4 IHL*4; IPv6 40 + extension headers */
	__u16 ip_total_len;     /* IPv4 total length; IPv6 40 + payload length */
	__u16 frag_off;         /* in 8-octet units */
	__u8 ipv6_ext;          /* PL_EXT_* crossed */
	__u8 ipv6_ext_count;
	__u32 frag_id;          /* IPv4 identification or IPv6 fragment id */
	__u32 flow_label;       /* IPv6 */
	/* Fragments (PL_F_FRAGMENT) only: where the fragmentable part starts
	 * in the frame (after the IPv4 header; after the IPv6 fragment
	 * header, RFC 8200 4.5), and its protocol (the IPv4 protocol; the
	 * fragment header's next header), which keys the datagram. */
	__u16 frag_data_off;
	__u8 frag_nh;
	__u8 pad_l3;

	/* L4 (PL_F_L4) */
	__u16 sport, dport;     /* TCP/UDP ports; ICMP echo: id in sport */
	__u32 tcp_seq, tcp_ack;
	__u16 tcp_win;          /* unscaled, as sent */
	__u16 tcp_flags;        /* 12 bits: NS/AE..FIN as tcp.flags */
	__u8 tcp_doff;          /* header length in bytes */
	__u8 icmp_type, icmp_code;
	__u8 pad0;
	__u16 udp_len;
	__u16 l4_off;           /* offset of the L4 header in the frame */
	__u16 payload_off;      /* offset of the L4 payload */
	__u16 payload_len;      /* payload bytes present in the frame */

	/* L7 (union member chosen by l7_kind) */
	__u8 l7_kind;           /* enum pl_l7_kind */
	__u8 pad1[7];
	union {
		struct pl_dns dns;
		struct pl_tls tls;
		struct pl_http http;
	} l7;
};

#endif /* PL_META_H */
