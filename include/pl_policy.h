/* SPDX-License-Identifier: BSD-3-Clause */
/* pl_policy.h - rules, bans and rate limits as the XDP program reads them.
 *
 * Rules are compiled in userspace. Every source prefix that has rules gets
 * one entry in an LPM trie; the entry names a rule list holding, in the
 * order they are tried, the rules of that prefix and of every prefix that
 * encloses it: most specific source prefix first, at equal specificity
 * allow before rate-limit before deny, then file order. The first rule
 * whose other fields match decides; no match passes. Identical lists are
 * stored once, so a million-prefix blocklist is a million trie entries and
 * one list.
 *
 * Two complete rule sets exist (slots 0 and 1, in array-of-maps). A new set
 * is built in fresh maps in the idle slot, then pl_policy_cfg.active flips:
 * the program reads `active` once per packet, so no packet is judged by
 * half of each set.
 *
 * After the rules and bans, which judge the source, come the destination
 * limits: a cap on the packets per second toward one destination of one
 * kind (SYNs without ACK, UDP, ICMP), for floods whose sources are spoofed
 * and cannot be banned. Sources that proved to be real by completing a TCP
 * handshake with that destination (pl_trust_*) are not limited.
 *
 * ARP frames have no IP source; an ARP pin protects one IPv4 address's
 * binding: a frame that claims the address from another MAC is dropped.
 */
#ifndef PL_POLICY_H
#define PL_POLICY_H

#ifndef __bpf__
#include <linux/types.h>
#endif

#define PL_RULES_PER_LIST   8
#define PL_RULE_LISTS_MAX   4096
#define PL_RULE_IDS_MAX     16384       /* rule ids index the per-rule counters */
#define PL_PREFIXES_MAX     (1u << 21)  /* trie entries per set */
#define PL_BANS_MAX         65536
#define PL_RATE_KEYS_MAX    65536       /* (source, rule) buckets */
#define PL_DST_LIMITS_MAX   4096
#define PL_TRUST_MAX        65536       /* (source, destination) pairs */
#define PL_ARP_PINS_MAX     4096

enum pl_action {
	PL_ACT_NONE = 0,
	PL_ACT_ALLOW = 1,
	PL_ACT_RATELIMIT = 2,
	PL_ACT_DENY = 3,
};

/* pl_policy_cfg.flags: what the program must look at (nothing, if empty) */
#define PL_POL_RULES     0x1
#define PL_POL_BANS      0x2
#define PL_POL_DLIM      0x4    /* destination limits for any port */
#define PL_POL_DLIM_PORT 0x8    /* destination limits for one port */
#define PL_POL_ARP_PINS  0x10

struct pl_policy_cfg {
	__u32 active;           /* rule-set slot in use: 0 or 1 */
	__u32 flags;            /* PL_POL_* */
	__u64 generation;       /* counts rule-set loads */
};

/* IPv4 sources are IPv4-mapped: a /24 is prefixlen 96 + 24. */
struct pl_lpm_key {
	__u32 prefixlen;
	__u8 addr[16];
};

struct pl_lpm_val {
	__u32 list;             /* index into the set's rule lists */
};

struct pl_rule {
	__u32 id;               /* < PL_RULE_IDS_MAX, for counters */
	__u8 action;            /* enum pl_action */
	__u8 proto;             /* 0: any */
	__u8 dst_plen;          /* 0: any destination (IPv4-mapped lengths) */
	__u8 pad;
	__u16 vlan;             /* 0: any */
	__u16 dport_lo;         /* dport_lo..dport_hi; both 0: any port */
	__u16 dport_hi;
	__u16 pad2;
	__u8 dst[16];
	/* rate limit: nanoseconds of credit one packet / one byte costs; a
	 * bucket holds at most one second of credit (the burst) */
	__u64 ns_per_pkt;       /* 0: no packet rate */
	__u64 ps_per_byte;      /* picoseconds per byte; 0: no byte rate */
};

/* pl_rule_list.flags, computed by the compiler (src/rules.c): a rule with
 * a port condition can decide some TCP / UDP packet of the list's sources
 * (it is not behind a rule that decides all of them). The XDP program
 * drops a fragment it cannot read the ports of (a tiny first fragment, an
 * overlap) from such a source, where the rule could be bypassed. */
#define PL_LIST_PORTS_TCP 0x1
#define PL_LIST_PORTS_UDP 0x2

struct pl_rule_list {
	__u32 n;
	__u32 flags;            /* PL_LIST_* */
	struct pl_rule r[PL_RULES_PER_LIST];
};

struct pl_rule_stats {
	__u64 matched;
	__u64 dropped;
};

struct pl_ban_key {
	__u8 addr[16];
};

struct pl_ban_val {
	__u64 expires_ns;       /* kernel clock (CLOCK_MONOTONIC); 0: never */
	__u64 added_ns;
	__u64 drops;            /* packets dropped by this ban */
	__u32 reason;           /* who banned: 0 by hand, else a detection id */
	__u32 pad;
};

struct pl_rate_key {
	__u8 addr[16];
	__u32 rule_id;
	__u32 pad;
};

struct pl_rate_val {
	__u64 last_ns;
	__u64 pkt_credit_ns;
	__u64 byte_credit_ps;
};

/* What a destination limit counts: PL_DLIM_SYN is TCP segments with SYN
 * and without ACK (connection attempts; established connections flow);
 * the others are IP protocol numbers. */
#define PL_DLIM_SYN   6
#define PL_DLIM_UDP   17
#define PL_DLIM_ICMP  1
#define PL_DLIM_ICMP6 58        /* neighbour discovery (types 133-137) is never limited */

struct pl_dlim_key {
	__u8 addr[16];          /* destination, IPv4-mapped */
	__u8 proto;             /* PL_DLIM_* */
	__u8 pad;
	__u16 dport;            /* SYN and UDP: one destination port; 0: any */
};

/* One bucket shared by every CPU (a spoofed flood arrives on all of them
 * at once), moved with atomic operations: GCRA, the token bucket written
 * as the time at which the bucket would be full again. A packet passes if
 * that time is at most one second minus one packet ahead of now (a
 * second's worth of burst, as the per-source buckets allow) and moves it
 * one packet on. */
struct pl_dlim_val {
	__u64 expires_ns;       /* program clock (CLOCK_MONOTONIC live); 0: never */
	__u64 added_ns;         /* first added (renewals keep it) */
	__u64 ns_per_pkt;       /* 1e9 / pps, rounded to nearest; at least 1 */
	__u64 tat_ns;           /* GCRA theoretical arrival time; 0: full bucket */
	__u64 passed;           /* packets within the limit */
	__u64 drops;            /* packets dropped */
	__u64 drop_bytes;
	__u32 reason;           /* 0 by hand, else a detection id */
	__u32 pad;
};

/* A source that completed a TCP handshake with a destination: it is not
 * spoofed, so that destination's limits let it through. */
struct pl_trust_key {
	__u8 src[16];
	__u8 dst[16];
};

struct pl_trust_val {
	__u64 expires_ns;       /* 0: never */
};

struct pl_arp_pin_key {
	__u8 ip[4];             /* the protected IPv4 address */
	__u32 ifindex;          /* where the frames arrive */
	__u16 vlan;             /* outer VLAN id, 0 untagged */
	__u16 pad;
};

struct pl_arp_pin_val {
	__u8 mac[6];            /* the one MAC that may claim the address */
	__u16 pad;
	__u32 reason;           /* 0 by hand, else a detection id */
	__u32 pad2;
	__u64 expires_ns;       /* 0: never */
	__u64 added_ns;
	__u64 drops;            /* frames claiming the address from another MAC */
	__u8 last_mac[6];       /* the last of those MACs */
	__u16 pad3;
};

#endif /* PL_POLICY_H */
