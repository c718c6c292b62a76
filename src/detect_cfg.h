/* SPDX-License-Identifier: BSD-3-Clause */
/* detect_cfg.h - the detections' settings: one table of keys, each a config
 * file key and a long option of `run` and `analyze`, with its default,
 * bounds and meaning (docs/detections.md lists the same table). */
#ifndef PL_DETECT_CFG_H
#define PL_DETECT_CFG_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct pl_detect_cfg {
	int enabled;                    /* detect */
	int dry_run;                    /* detect-dry-run: alert only */
	/* not a key: `run --egress` is on, so the detections see what the
	 * host sends (its answers) and judge it apart from what it gets */
	int egress;

	/* floods toward one destination, counted per window */
	uint64_t syn_window_ns;
	double syn_rate;                /* SYNs/s (new flows opened by a bare SYN) */
	double syn_unanswered;          /* share of those never followed by an ACK */
	uint64_t syn_ban_ns;
	uint64_t syn_limit_ns;          /* spoofed: limit SYNs to the destination */
	uint32_t syn_limit_pps;
	uint64_t udp_window_ns;
	double udp_rate;                /* packets/s */
	double udp_unanswered;          /* share of them the destination did not answer */
	uint64_t udp_ban_ns;
	uint64_t udp_limit_ns;
	uint32_t udp_limit_pps;
	uint64_t icmp_window_ns;
	double icmp_rate;
	double icmp_unanswered;         /* share of echo requests without an echo reply */
	uint64_t icmp_ban_ns;
	uint64_t icmp_limit_ns;
	uint32_t icmp_limit_pps;
	double flood_share;             /* one source's share of a flood to ban it */
	uint32_t flood_spoofed;         /* distinct sources of a spoofed flood */
	uint64_t flood_trust_ns;        /* a handshake this recent: not limited */

	/* one source far above the others */
	uint64_t src_window_ns;
	double src_pps, src_bps;        /* floors: packets/s, bytes/s */
	double src_factor;              /* times the median active source */
	uint64_t src_ban_ns;

	/* scans */
	uint64_t scan_window_ns;
	uint32_t scan_ports;            /* distinct ports of one host */
	uint32_t scan_hosts;            /* distinct hosts */
	uint64_t scan_ban_ns;
	uint32_t bad_flags;             /* flows opened by a flag combination no stack sends */
	uint64_t bad_flags_ban_ns;

	/* DNS tunnels */
	uint64_t dns_window_ns;
	uint32_t dns_label_len;         /* a label this long is suspicious */
	double dns_entropy;             /* bits/char of the subdomain part */
	uint32_t dns_suspicious;        /* long/high-entropy queries under one domain */
	uint32_t dns_subdomains;        /* unique names under one domain */
	uint32_t dns_odd_types;         /* queries of unusual types under one domain */
	uint32_t dns_answer_bytes;      /* a response carrying this much back */
	uint32_t dns_name_bytes;        /* mean subdomain length of a tunnel's names */
	uint64_t dns_sustain_ns;        /* unique names over at least this long */
	uint32_t dns_notice_score;      /* evidence score for a notice */
	uint32_t dns_ban_score;         /* ... for a ban */
	uint64_t dns_ban_ns;

	/* ARP */
	uint64_t arp_window_ns;
	uint32_t arp_storm;             /* gratuitous ARPs from one sender */
	uint64_t arp_pin_ns;            /* pin the established binding when it changes */

	/* learned baseline per host */
	uint64_t base_interval_ns;
	uint64_t base_warmup_ns;
	double base_alpha;
	double base_k;                  /* deviations above the mean */
	double base_min_pps;            /* floor, packets/s over an interval */
	uint64_t base_ban_ns;
};

void pl_detect_cfg_defaults(struct pl_detect_cfg *c);
/* Returns 0, -1 for a bad value (err says why), -2 if key is not a
 * detection key. */
int pl_detect_cfg_set(struct pl_detect_cfg *c, const char *key, const char *value,
		      char *err, size_t errlen);
/* Number of detection keys and the i-th name (for long options). */
size_t pl_detect_cfg_nkeys(void);
const char *pl_detect_cfg_key(size_t i);
/* A copy of `base` (terminated by a zero entry) followed by one
 * required-argument option per detection key, with val first_val + i.
 * Free with free(). */
struct option *pl_detect_cfg_options(const struct option *base, int first_val);
/* The keys, their defaults and meanings, for --help. */
void pl_detect_cfg_help(FILE *f);

#endif
