/* SPDX-License-Identifier: BSD-3-Clause */
/* detect_int.h - what the detection modules share: the detector's state,
 * and the notice builder with suppression and mitigation. Not for outside
 * src/detect*.c. */
#ifndef PL_DETECT_INT_H
#define PL_DETECT_INT_H

#include <stdint.h>
#include <string.h>
#include <uthash.h>

#include "detect.h"

#define DET_MAX_ENTRIES 65536   /* per table: a flood of new keys cannot eat memory */
#define DET_DNS_NAMES_MAX (4 * DET_MAX_ENTRIES) /* DNS names remembered, all domains */
#define DET_HH 8                /* heavy-hitter slots (Misra-Gries) per destination */
#define DET_SKETCH_BITS 1024    /* distinct sources of a flood: exact-ish to ~3000, at most ~7000 */

/* Approximate top sources of a stream (Misra-Gries): a source that sent a
 * share s of n items has a count of at least n * (s - 1 / (DET_HH + 1)). */
struct det_hh {
	uint8_t addr[DET_HH][16];
	uint64_t n[DET_HH];
};
void det_hh_add(struct det_hh *h, const uint8_t addr[16], uint64_t w);
/* The heaviest slot: its address and estimated count (0 if empty). */
uint64_t det_hh_top(const struct det_hh *h, uint8_t addr[16]);

/* A flood counter toward one destination, in a tumbling window. */
struct det_flood {
	uint64_t start;                 /* window start; 0: not started */
	uint64_t n;                     /* SYNs / packets */
	/* what says it was answered: SYN, the handshakes completed (the
	 * sender's ACK); UDP, datagrams the destination sent back from the
	 * port; ICMP, its echo replies. UDP and ICMP answers are seen with
	 * --egress (or in a capture of both directions). */
	uint64_t answered;
	uint64_t unreach;               /* UDP: ICMP unreachables the destination sent */
	uint64_t echo_req;              /* ICMP: echo requests among n */
	uint64_t tick_n;                /* n added since the last tick (limits' evidence) */
	uint64_t bytes;
	uint16_t port;                  /* last destination port seen */
	int ports;                      /* more than one destination port seen */
	int over;                       /* SYN: the rate reached, counted in syn_answered */
	struct det_hh hh;
	uint64_t srcs[DET_SKETCH_BITS / 64];    /* distinct sources: linear counting */
};

struct det_dst {
	uint8_t addr[16];
	UT_hash_handle hh;
	struct det_flood f[3];          /* SYN, UDP, ICMP */
	uint64_t last;
	uint64_t heard;                 /* the destination's latest packet seen (its answers visible) */
	uint64_t limited_until;         /* a destination limit is in force (event time) */
	/* each kind's limit (SYN, UDP, ICMP), to take it back when its
	 * evidence goes away: until 0 when there is none */
	uint64_t lim_until[3], lim_since[3];
	uint8_t lim_proto[3];
	uint16_t lim_port[3];
};

struct det_src {                        /* per-source rate and baseline */
	uint8_t addr[16];
	UT_hash_handle hh;
	uint64_t last;                  /* latest traffic */
	/* source-rate window */
	uint64_t rate_pkts, rate_bytes;
	/* baseline: what this interval added, and the learned metrics */
	uint64_t b_pkts, b_bytes, b_flows;
	uint64_t b_first;               /* first interval with traffic */
	int b_samples;
	int b_judged;                   /* a sample was judged (base_hosts) */
	double mean[3], dev[3];         /* pps, bytes/s, flows/s */
};

/* Distinct addresses: one bit per address hash (linear counting). */
void det_sketch_add(uint64_t *bits, const uint8_t addr[16]);
uint64_t det_sketch_count(const uint64_t *bits);

struct det_trust;
struct det_scan_src;
struct det_pair;
struct det_port;
struct det_dns;
struct det_dns_dom;
struct det_arp_ip;
struct det_arp_mac;
struct det_supp;
struct psl_ctx_st;

struct pl_detect {
	struct pl_detect_cfg c;
	struct pl_sink *sink;
	uint64_t offset;
	struct pl_detect_actions act;
	uint64_t now;                   /* latest event or tick time */
	uint64_t count[PL_NOTE__COUNT];
	uint64_t bans, bans_refused, bans_dry;
	uint64_t limits, limits_failed, limits_dry;
	uint64_t limits_released;       /* taken back early: the evidence went away */
	uint64_t pins, pins_failed, pins_dry;
	uint64_t dropped[PL_DT__COUNT]; /* new keys refused: the table was full */
	uint64_t base_judged, base_hosts;       /* struct pl_detect_activity */
	uint64_t syn_answered;
	uint64_t udp_answered;

	struct det_supp *supp;
	unsigned nsupp;
	struct det_dst *dsts;
	unsigned ndsts;
	uint64_t flood_tick;            /* the previous tick (windows advance at ticks) */
	struct det_src *srcs;
	unsigned nsrcs;
	uint64_t rate_start;
	uint64_t base_start;
	struct det_trust *trust;        /* (source, destination) handshakes */
	unsigned ntrust;

	struct det_scan_src *scans;     /* detect_scan.c */
	struct det_pair *scan_pairs;
	struct det_port *scan_ports;
	unsigned nscans, nscan_pairs, nscan_ports;
	uint64_t scan_epochs;
	uint64_t scan_purged;           /* when windows that are over were last dropped */
	int scan_pairs_hot;             /* a pair reached the port threshold since the last tick */
	struct det_dns *dns;
	unsigned ndns;
	struct det_dns_dom *dns_doms;   /* domains, with how many sources ask under each */
	unsigned ndns_names;            /* in every det_dns together */
	struct psl_ctx_st *psl;         /* public suffix list (detect_dns.c) */
	struct det_arp_ip *arp_ips;
	struct det_arp_mac *arp_macs;
	unsigned narp;
};

/* A notice under construction. */
struct det_notice {
	enum pl_note note;
	uint64_t ts;                    /* event time */
	const char *uid;
	const uint8_t *src, *dst;       /* may be NULL */
	int port;                       /* -1: none */
	uint64_t n;
	char msg[512];
	char sub[256];
	const uint8_t *ban;             /* the source to ban, or NULL */
	uint64_t ban_ns;
	/* a destination limit (spoofed floods): limit_ns > 0 */
	uint64_t limit_ns;
	uint8_t limit_proto;            /* PL_DLIM_* */
	uint16_t limit_port;            /* 0: any */
	uint64_t limit_pps;
	/* an ARP pin: pin_ns > 0 */
	uint64_t pin_ns;
	const uint8_t *pin_ip;          /* 4 bytes */
	const uint8_t *pin_mac;
	uint32_t pin_ifindex;
	uint16_t pin_vlan;
	const char *evidence;           /* what the verdict rests on (floods), or NULL */
	const char *action;             /* one more action to list (a limit released) */
	const char *action_error;       /* ... and why it failed, if it did */
	int mitigated;                  /* out: the ban, limit or pin is in force */
	const char *src_mac;            /* ARP: the MAC that claims the address */
	uint64_t suppress_ns;           /* suppression for (note, src, dst) */
	int supp_by_dst;                /* suppress per (note, dst) only (floods) */
	const uint8_t *supp_key;        /* else, if set: per (note, supp_key) */
};

/* 1 if (note, src, dst) is suppressed at ts; else records it as raised. */
int det_suppressed(struct pl_detect *d, enum pl_note note, const uint8_t *src,
		   const uint8_t *dst, uint64_t ts, uint64_t for_ns);
/* Forgets that (note, NULL, dst) was raised: the next one is not suppressed. */
void det_unsuppress(struct pl_detect *d, enum pl_note note, const uint8_t *dst);
/* Writes the notice (unless suppressed) and mitigates. Returns 1 if written. */
int det_raise(struct pl_detect *d, struct det_notice *n);
void det_addr(const uint8_t *a, char *out, size_t len);
double det_secs(uint64_t ns);
static inline int det_is_v4(const uint8_t a[16])
{
	static const uint8_t pfx[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	return !memcmp(a, pfx, 12);
}
static inline uint64_t det_since(uint64_t now, uint64_t then)
{
	return now > then ? now - then : 0;
}

/* the modules */
void det_flood_flow_new(struct pl_detect *d, const struct pl_ev_flow *e);
void det_flood_delta(struct pl_detect *d, const struct pl_flow_key *k,
		     const struct pl_flow_delta *dl);
void det_flood_tick(struct pl_detect *d, uint64_t now);
void det_flood_free(struct pl_detect *d);
void det_scan_flow_new(struct pl_detect *d, const struct pl_ev_flow *e, const char *uid);
void det_scan_delta(struct pl_detect *d, const struct pl_flow_key *k,
		    const struct pl_flow_delta *dl);
void det_scan_tick(struct pl_detect *d, uint64_t now);
void det_scan_free(struct pl_detect *d);
void det_dns_init(struct pl_detect *d);
void det_dns_msg(struct pl_detect *d, uint64_t ts, const struct pl_flow_key *k,
		 const struct pl_dns *q, const char *uid);
void det_dns_tick(struct pl_detect *d, uint64_t now);
void det_dns_free(struct pl_detect *d);
/* src completed a handshake with dst (t: dst's state, if any) at ts */
void det_trust_seen(struct pl_detect *d, const uint8_t src[16], const uint8_t dst[16],
		    const struct det_dst *t, uint64_t ts);
/* t's limit went in: its trusted sources go with it */
void det_trust_push_all(struct pl_detect *d, const struct det_dst *t, uint64_t now);
void det_trust_expire(struct pl_detect *d, uint64_t now);
void det_trust_free(struct pl_detect *d);
void det_arp_event(struct pl_detect *d, const struct pl_ev_arp *e);
void det_arp_tick(struct pl_detect *d, uint64_t now);
void det_arp_free(struct pl_detect *d);

#endif
