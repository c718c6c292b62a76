/* SPDX-License-Identifier: BSD-3-Clause */
/* pl_abi.h - what the XDP program and userspace exchange: map keys and
 * values, global counters, ring-buffer events and the per-packet replay
 * metadata. Shared by both sides; fixed-width fields, explicit padding. */
#ifndef PL_ABI_H
#define PL_ABI_H

#include "pl_meta.h"
#include "pl_reasons.h"

/* Default map sizes; userspace may set others before loading. */
#define PL_DEFAULT_FLOWS   131072
#define PL_DEFAULT_SOURCES 65536
#define PL_DEFAULT_RINGBUF (1 << 22)    /* bytes */
#define PL_DEFAULT_FRAGS   8192         /* IP datagrams tracked in fragments */

/* A unidirectional flow. IPv4 addresses are IPv4-mapped. ICMP puts type and
 * code in the port fields, as Zeek does; non-first fragments have port 0. */
struct pl_flow_key {
	__u8 src[16];
	__u8 dst[16];
	__u16 sport;
	__u16 dport;
	__u8 proto;
	__u8 ip_version;
	__u16 vlan;             /* outermost VLAN id, 0 if untagged */
	__u16 inner_vlan;       /* second tag of QinQ, 0 if none */
	__u16 pad;
	__u32 ifindex;
};

/* Per CPU: userspace sums packets/bytes, ORs flags and takes min/max. A CPU
 * slot that has seen no packet of the flow is all zero. */
struct pl_flow_val {
	__u64 packets;
	__u64 bytes;            /* frame bytes on the wire */
	__u64 ip_bytes;         /* IP total length */
	__u64 payload_bytes;    /* L4 payload */
	__u64 first_ns;
	__u64 last_ns;
	__u16 tcp_flags;        /* union of all segments' flags */
	__u8 ttl_min;
	__u8 ttl_max;
	__u8 l7_kind;           /* enum pl_l7_kind seen on this flow, last wins */
	__u8 reasm_used;        /* payload events sent for this flow (this CPU) */
	__u8 reasm_left;        /* segments still wanted after an incomplete L7 start */
	__u8 pad;
};

/* An L7 record whose first segment does not hold all of it (a ClientHello
 * split over segments, a request whose Host comes later) sends that segment
 * and up to PL_REASM_SEGS - 1 following ones to userspace, which puts them
 * together. Bounded per flow; a segment is cut at PL_PAYLOAD_MAX bytes. */
#define PL_REASM_SEGS   4
#define PL_PAYLOAD_MAX  1536

#define PL_SKETCH_BITS 128      /* linear-counting bitmap width */

struct pl_src_key {
	__u8 addr[16];
};

/* Per source, updated when the source starts a flow (not per packet: that
 * would be a second hash lookup on every packet). Its packets and bytes are
 * the sum of its flows, which userspace reads anyway. */
struct pl_src_val {
	__u64 flows;            /* flows started */
	__u64 syn_flows;        /* ...of which with a SYN without ACK */
	__u64 first_ns;         /* first flow start */
	__u64 last_ns;          /* latest flow start */
	__u64 dport_sketch[PL_SKETCH_BITS / 64]; /* distinct destination ports */
	__u64 dst_sketch[PL_SKETCH_BITS / 64];   /* distinct destination hosts */
};

/* IP fragments (bpf/frag.h). A datagram is tracked from its first
 * fragment, which carries the L4 header: its ports and its verdict are
 * remembered for the later fragments, which carry neither. Keyed as
 * Cilium's fragment map and the stack's reassembly queues are (RFC 791:
 * source, destination, protocol, identification). A later fragment that
 * comes before its first leaves an entry too (no PL_FRAGV_FIRST), so that
 * the first can tell whether it covered its L4 header. */
struct pl_frag_key {
	__u8 src[16];
	__u8 dst[16];
	__u32 id;               /* IPv4 identification or IPv6 fragment id */
	__u8 proto;             /* IPv4 protocol, or the IPv6 next header after the fragment header */
	__u8 ip_version;
	__u16 pad;
};

/* pl_frag_val.flags */
#define PL_FRAGV_DROP   0x01    /* the first fragment was dropped: drop the rest */
#define PL_FRAGV_ALLOW  0x02    /* an allow rule passed it: bans do not apply either */
#define PL_FRAGV_FIRST  0x04    /* the first fragment was seen: sport..proto hold */

#define PL_FRAG_NO_EARLY 0xffff /* pl_frag_val.early_off: none came early */

struct pl_frag_val {
	__u16 sport, dport;     /* the first fragment's, as pl_flow_key_from sets them */
	__u16 l4_end;           /* bytes of the fragmentable part the first fragment's L4 header covers */
	__u16 early_off;        /* lowest offset (bytes) of a later fragment seen before the first */
	__u8 flags;             /* PL_FRAGV_* */
	__u8 proto;             /* the first fragment's L4 protocol, as in its flow key (IPv6:
				 * after any extension headers that follow the fragment header) */
	__u8 pad[6];
	__u64 first_ns;         /* when the entry was made, or its first fragment seen */
};

/* Buckets of the per-EtherType counter. */
enum pl_eth_class {
	PL_ETHC_IPV4,
	PL_ETHC_IPV6,
	PL_ETHC_ARP,
	PL_ETHC_LLDP,
	PL_ETHC_8023,           /* 802.3 length field, LLC/SNAP */
	PL_ETHC_OTHER,
	PL_ETHC_NONE,           /* no EtherType: frame too short */
	PL_ETHC__COUNT
};

#define PL_VERDICT__COUNT 5     /* XDP_ABORTED .. XDP_REDIRECT */

/* Slots of the counter array: the XDP program counts what arrives in one,
 * the TC egress program what the host sends in the other, so neither is
 * counted twice and the summary can show each direction. */
enum pl_stats_slot {
	PL_STATS_INGRESS = 0,
	PL_STATS_EGRESS = 1,
	PL_STATS__SLOTS
};

/* One per CPU and direction: one lookup per packet. Egress counts a GSO
 * packet as the packets it leaves as (packets, bytes, ethertype, l4_proto;
 * see pktlens_tc.bpf.c); the rest count what was parsed, once. The egress
 * slot's verdict[] stays zero: pktlens never judges what the host sends. */
struct pl_counters {
	__u64 packets;
	__u64 bytes;
	__u64 ethertype[PL_ETHC__COUNT];
	__u64 l4_proto[256];
	__u64 malformed[PL_MAL__COUNT];
	__u64 verdict[PL_VERDICT__COUNT];
	__u64 l7[PL_L7__COUNT];
	__u64 snapped;          /* packets only partly visible */
	__u64 vlan_tagged;
	__u64 fragments;
	__u64 flows_new;
	__u64 flow_insert_fail; /* LRU full of entries being updated */
	__u64 events_lost;      /* ring buffer full: counted, never waited for */
	/* IP fragments (bpf/frag.h; docs/rules.md, Fragments) */
	__u64 frag_firsts;      /* first fragments tracked: whole L4 header, remembered */
	__u64 frag_found;       /* later fragments that found their first */
	__u64 frag_orphans;     /* later fragments whose first was not seen (judged alone) */
	__u64 frag_drops;       /* dropped by a remembered verdict or a fragment rule */
	__u64 frag_table_fail;  /* a first fragment not remembered: table update failed */
};

enum pl_event_type {
	PL_EV_FLOW_NEW = 1,
	PL_EV_L7 = 2,
	PL_EV_MALFORMED = 3,
	PL_EV_PAYLOAD = 4,
	PL_EV_ARP = 5,
	PL_EV_FRAGMENT = 6,
};

/* pl_event_hdr.flags */
#define PL_EVH_EGRESS 0x1       /* from the TC egress program: the host sent it */

struct pl_event_hdr {
	__u16 type;             /* enum pl_event_type */
	__u16 size;             /* of the whole event */
	__u32 flags;            /* PL_EVH_* */
	__u64 ts_ns;
	struct pl_flow_key key;
};

struct pl_ev_flow {
	struct pl_event_hdr h;
	__u8 eth_src[6];
	__u8 eth_dst[6];
	__u16 tcp_flags;
	__u8 ttl;
	__u8 tos;
	__u16 frame_len;
	__u16 flags;            /* PL_F_* of the first packet */
	__u8 pad[6];
};

struct pl_ev_l7 {
	struct pl_event_hdr h;
	__u8 kind;              /* enum pl_l7_kind */
	__u8 pad[7];
	__u32 tcp_seq;          /* to order what userspace reassembles */
	__u32 pad2;
	union {
		struct pl_dns dns;
		struct pl_tls tls;
		struct pl_http http;
	} l7;
};

/* A packet with a malformed reason, for the weird log. The key holds what
 * could be read: addresses if PL_F_IP, ports if PL_F_L4, else zeros. */
struct pl_ev_malformed {
	struct pl_event_hdr h;
	__u8 reason;            /* enum pl_malformed */
	__u8 pad[1];
	__u16 flags;            /* PL_F_* */
	__u16 eth_proto;
	__u16 frame_len;
	__u32 wire_len;
	__u8 eth_src[6];
	__u8 eth_dst[6];
};

/* Every ARP packet (they are few; a storm of them is what detection looks
 * for, and the ring's loss counter says if one was too big to follow). */
struct pl_ev_arp {
	struct pl_event_hdr h;  /* key: zero but ifindex and vlan */
	__u16 op;
	__u8 sha[6];
	__u8 tha[6];
	__u8 spa[4];
	__u8 tpa[4];
	__u8 eth_src[6];
	__u8 pad[4];
};

/* pl_ev_payload.l7_flags */
#define PL_EVP_L7_HERE 0x01     /* no L7 event for this segment's (first) DNS
				 * message: its name has more labels than the
				 * kernel decodes; the collector reads it from
				 * these bytes (pl_dns.h) */

/* The start of a TCP segment's payload, for reassembly in userspace; or a
 * DNS message (UDP too) whose name the kernel could not finish. */
struct pl_ev_payload {
	struct pl_event_hdr h;
	__u32 tcp_seq;
	__u16 len;              /* bytes in data (payload cut at PL_PAYLOAD_MAX) */
	__u16 payload_len;      /* payload bytes of the segment */
	__u16 tcp_flags;
	__u8 l7_kind;           /* what the kernel made of this segment */
	__u8 l7_flags;          /* PL_EVP_* */
	__u8 data[PL_PAYLOAD_MAX];
};

/* One IP fragment, for reassembly in userspace (src/ipreasm.c, used by
 * src/collector.c): the L7 parsers and the connection need the whole
 * datagram. Sent for every fragment (MF set or a non-zero offset; not for
 * an IPv6 atomic fragment, which is a whole packet), in place of the L7 and
 * payload events a whole packet would give. The key is the flow the kernel
 * counted the fragment in: the datagram's ports when its first fragment
 * was seen, 0 otherwise.
 *
 * data[] is what userspace trusts: it reads the IP header and, for IPv6,
 * walks to the fragment header itself. The numbers beside it are the
 * parser's view, for tests and tools. */
#define PL_FRAG_DATA_MAX 1536   /* an MTU-sized IP packet; longer ones are cut */
struct pl_ev_fragment {
	struct pl_event_hdr h;
	__u32 id;               /* IPv4 identification or IPv6 fragment id */
	__u32 wire_len;         /* the frame's length on the wire */
	__u16 frag_off;         /* where its payload goes in the datagram, bytes */
	__u16 frag_len;         /* ip_total_len - hdr_len */
	__u16 hdr_len;          /* the parser's IP header length: IPv4 IHL; IPv6 40 +
				 * the extension headers it walked, which is up to and
				 * with the fragment header unless headers follow it
				 * (then, on a first fragment, those too) */
	__u16 cap;              /* bytes in data[] (the IP packet, cut at PL_FRAG_DATA_MAX
				 * or where the frame or the capture ends) */
	__u16 ip_total_len;
	__u16 flags;            /* PL_F_* of the fragment (PL_F_MF: more follow) */
	__u8 proto;             /* the parser's l4_proto: for IPv6 the next header after
				 * the fragment header, or after the headers following it */
	__u8 ip_version;
	__u8 malformed;         /* enum pl_malformed of the fragment as parsed */
	__u8 pad;
	__u16 payload;          /* L4 payload bytes it added to its flow (flow.h
				 * pl_wire_payload): what userspace moves with it */
	__u8 pad2[2];
	__u8 data[PL_FRAG_DATA_MAX]; /* the IP packet from its first byte */
};

/* Offline replay puts this in front of the frame (XDP data_meta), so each
 * packet carries its capture timestamp and original length. */
#define PL_REPLAY_MAGIC 0x706c6d64      /* "plmd" */
struct pl_replay_md {
	__u64 ts_ns;
	__u32 wire_len;
	__u32 ifindex;
	__u32 magic;
	__u32 pad;
};

#endif /* PL_ABI_H */
