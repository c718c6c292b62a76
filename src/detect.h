/* SPDX-License-Identifier: BSD-3-Clause */
/* detect.h - detections over what the collector sees (new flows, per-flow
 * counts at each sweep, DNS messages, ARP packets), in event time, so that
 * `analyze` of a capture runs them as `run` does live. Each raises Zeek-style
 * `notice` records through the records' sink, at most one per attack, source
 * and window, counts them per note, and may ban the source in the kernel
 * (see docs/detections.md for every detection, its keys and defaults). */
#ifndef PL_DETECT_H
#define PL_DETECT_H

#include <stdint.h>
#include <stdio.h>

#include "collector.h"
#include "detect_cfg.h"
#include "sink.h"

/* What a notice can make happen. NULL offline (analyze): every mitigation
 * is then reported as a dry run. ttl_ns > 0; reason is the note's id
 * (enum pl_note + 1). Each returns 0, or -1 with err. */
struct pl_detect_actions {
	void *ctx;
	int (*ban)(void *ctx, const uint8_t addr[16], uint64_t ttl_ns, uint32_t reason,
		   char *err, size_t errlen);
	/* caps what `proto` names (PL_DLIM_*, pl_policy.h) toward dst, on
	 * dport (0: any), at pps packets/s */
	int (*limit)(void *ctx, const uint8_t dst[16], uint8_t proto, uint16_t dport,
		     uint64_t pps, uint64_t ttl_ns, uint32_t reason, char *err, size_t errlen);
	/* takes back a limit that limit() put in: its evidence went away */
	int (*unlimit)(void *ctx, const uint8_t dst[16], uint8_t proto, uint16_t dport,
		       char *err, size_t errlen);
	/* src completed a handshake with dst: dst's limits let it through */
	void (*trust)(void *ctx, const uint8_t src[16], const uint8_t dst[16], uint64_t ttl_ns);
	/* only mac may claim ip in ARP frames on (ifindex, vlan); *restored
	 * is set if the host's neighbour entry for ip, which held another
	 * MAC, was put back to mac */
	int (*pin)(void *ctx, const uint8_t ip[4], uint32_t ifindex, uint16_t vlan,
		   const uint8_t mac[6], uint64_t ttl_ns, uint32_t reason, int *restored,
		   char *err, size_t errlen);
};

enum pl_note {
	PL_NOTE_SYN_FLOOD,
	PL_NOTE_UDP_FLOOD,
	PL_NOTE_ICMP_FLOOD,
	PL_NOTE_SOURCE_RATE,
	PL_NOTE_PORT_SCAN,
	PL_NOTE_ADDRESS_SCAN,
	PL_NOTE_BAD_FLAGS,
	PL_NOTE_DNS_TUNNEL,
	PL_NOTE_ARP_CHANGED,
	PL_NOTE_ARP_STORM,
	PL_NOTE_BASELINE,
	PL_NOTE_LIMIT_RELEASED,         /* a destination limit taken back early */
	PL_NOTE__COUNT
};

const char *pl_note_name(enum pl_note n);      /* "Scan::Port_Scan", ... */

struct pl_detect;

/* clock_offset_ns turns event times into epoch times (0 offline). */
struct pl_detect *pl_detect_new(const struct pl_detect_cfg *cfg, struct pl_sink *sink,
				uint64_t clock_offset_ns, const struct pl_detect_actions *act);
/* The collector hooks that feed d. */
void pl_detect_hooks(struct pl_detect *d, struct pl_collector_hooks *h);
uint64_t pl_detect_count(const struct pl_detect *d, enum pl_note n);
uint64_t pl_detect_total(const struct pl_detect *d);
/* The detections' tables, each bounded (docs/detections.md#limits). */
enum pl_detect_table {
	PL_DT_DESTINATIONS,             /* floods */
	PL_DT_SOURCES,                  /* source rates, baseline */
	PL_DT_TRUST,                    /* completed handshakes (destination limits) */
	PL_DT_SCAN_SOURCES,
	PL_DT_SCAN_PAIRS,               /* (source, host) */
	PL_DT_SCAN_PROBES,              /* (source, host, port) */
	PL_DT_DNS,                      /* (source, registrable domain) */
	PL_DT_ARP,                      /* bindings and MACs */
	PL_DT_DNS_NAMES,                /* names per (source, domain), all together */
	PL_DT_SUPPRESS,                 /* notices raised, for suppression */
	PL_DT__COUNT
};

/* What the detections judged, beyond what they raised: a run without
 * notices says by these whether its traffic reached the thresholds at all,
 * and whether a full table left new keys unwatched. */
struct pl_detect_activity {
	uint64_t sources, destinations; /* tracked now (rates, baseline; floods) */
	/* baseline samples compared with their host's learned rates (past the
	 * warm-up, at least baseline-min-pps), and the hosts they came from */
	uint64_t base_samples, base_hosts;
	/* windows in which the SYNs to one destination reached syn-flood-rate
	 * and no notice came, as too many of them were answered */
	uint64_t syn_answered;
	/* UDP windows at udp-flood-rate whose destination answered too much
	 * of it to call it a flood (its answers seen: --egress, or a capture
	 * of both directions) */
	uint64_t udp_answered;
	uint64_t untracked;             /* new keys refused, all tables */
	uint64_t untracked_in[PL_DT__COUNT];    /* ... per table */
};
const char *pl_detect_table_name(enum pl_detect_table t);     /* "scan pairs", ... */
void pl_detect_activity(const struct pl_detect *d, struct pl_detect_activity *a);
/* Two lines: notices per note; bans, destination limits and ARP pins done,
 * refused or failed, and dry-run; then the activity above. */
void pl_detect_summary(const struct pl_detect *d, FILE *f);
void pl_detect_free(struct pl_detect *d);

#endif
