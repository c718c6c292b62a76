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

/* What a notice can make happen. ban is NULL offline (analyze): every
 * mitigation is then reported as a dry run. */
struct pl_detect_actions {
	void *ctx;
	/* ttl_ns > 0; reason is the note's id (enum pl_note + 1) */
	int (*ban)(void *ctx, const uint8_t addr[16], uint64_t ttl_ns, uint32_t reason,
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
/* One line: notices per note, bans done / refused / dry-run. */
void pl_detect_summary(const struct pl_detect *d, FILE *f);
void pl_detect_free(struct pl_detect *d);

#endif
