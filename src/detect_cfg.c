/* SPDX-License-Identifier: BSD-3-Clause */
/* detect_cfg.c - the detection keys, their defaults and their checks. */
#include "detect_cfg.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum kt { K_BOOL, K_SECS, K_SECS0, K_NUM, K_U32 };

struct key {
	const char *name;
	enum kt t;
	size_t off;
	double min, max;                /* K_NUM, K_U32 */
	const char *def;                /* default, as written in a config file */
	const char *help;
};

#define O(m) offsetof(struct pl_detect_cfg, m)

static const struct key keys[] = {
	{ "detect", K_BOOL, O(enabled), 0, 0, "true", "run the detections" },
	{ "detect-dry-run", K_BOOL, O(dry_run), 0, 0, "false",
	  "alert only: never ban (notices say what would have been done)" },

	{ "syn-flood-window", K_SECS, O(syn_window_ns), 0, 0, "5", "SYN flood window, seconds" },
	{ "syn-flood-rate", K_NUM, O(syn_rate), 1, 1e9, "200",
	  "SYNs per second to one destination (flows opened by a bare SYN), over the window" },
	{ "syn-flood-unanswered", K_NUM, O(syn_unanswered), 0, 1, "0.8",
	  "share of those SYNs never followed by an ACK from their sender" },
	{ "syn-flood-ban", K_SECS0, O(syn_ban_ns), 0, 0, "600",
	  "ban the flood's source this long (0: alert only)" },
	{ "syn-flood-limit", K_SECS0, O(syn_limit_ns), 0, 0, "300",
	  "a spoofed SYN flood: limit the SYNs to its destination this long (0: alert only)" },
	{ "syn-flood-limit-pps", K_U32, O(syn_limit_pps), 1, 1e9, "100",
	  "... to this many SYNs per second" },
	{ "udp-flood-window", K_SECS, O(udp_window_ns), 0, 0, "5", "UDP flood window, seconds" },
	{ "udp-flood-rate", K_NUM, O(udp_rate), 1, 1e12, "2000",
	  "UDP packets per second to one destination, over the window" },
	{ "udp-flood-unanswered", K_NUM, O(udp_unanswered), 0, 1, "0.9",
	  "share of those packets the destination must leave unanswered (no datagram back "
	  "from the port) for a flood, when its answers are seen (--egress)" },
	{ "udp-flood-ban", K_SECS0, O(udp_ban_ns), 0, 0, "600", "ban time (0: alert only)" },
	{ "udp-flood-limit", K_SECS0, O(udp_limit_ns), 0, 0, "300",
	  "a spoofed UDP flood: destination limit time (0: alert only)" },
	{ "udp-flood-limit-pps", K_U32, O(udp_limit_pps), 1, 1e9, "1000",
	  "... UDP packets per second" },
	{ "icmp-flood-window", K_SECS, O(icmp_window_ns), 0, 0, "5", "ICMP flood window, seconds" },
	{ "icmp-flood-rate", K_NUM, O(icmp_rate), 1, 1e12, "500",
	  "ICMP/ICMPv6 packets per second to one destination, over the window" },
	{ "icmp-flood-unanswered", K_NUM, O(icmp_unanswered), 0, 1, "0.5",
	  "share of echo requests without an echo reply that makes a spoofed ICMP flood "
	  "harmful (limited), when the replies are seen (--egress)" },
	{ "icmp-flood-ban", K_SECS0, O(icmp_ban_ns), 0, 0, "600", "ban time (0: alert only)" },
	{ "icmp-flood-limit", K_SECS0, O(icmp_limit_ns), 0, 0, "300",
	  "a spoofed ICMP flood: destination limit time (0: alert only)" },
	{ "icmp-flood-limit-pps", K_U32, O(icmp_limit_pps), 1, 1e9, "250",
	  "... ICMP packets per second" },
	{ "flood-source-share", K_NUM, O(flood_share), 0.01, 1, "0.5",
	  "a flood's top source is banned if it sent at least this share of it; "
	  "below, the flood is spoofed or distributed" },
	{ "flood-spoofed-sources", K_U32, O(flood_spoofed), 2, 1 << 20, "100",
	  "... and if it came from at least this many distinct sources, its destination "
	  "is limited (fewer: alert only)" },
	{ "flood-limit-trust", K_SECS0, O(flood_trust_ns), 0, 0, "600",
	  "a source that completed a TCP handshake with a destination this recently is "
	  "not limited there (0: none is)" },

	{ "source-rate-window", K_SECS, O(src_window_ns), 0, 0, "10",
	  "per-source rate window, seconds" },
	{ "source-rate-pps", K_NUM, O(src_pps), 1, 1e12, "20000",
	  "a source above this many packets/s ..." },
	{ "source-rate-bps", K_NUM, O(src_bps), 1, 1e15, "50000000",
	  "... or this many bytes/s ..." },
	{ "source-rate-factor", K_NUM, O(src_factor), 1, 1e9, "10",
	  "... and this many times the median active source is an outlier" },
	{ "source-rate-ban", K_SECS0, O(src_ban_ns), 0, 0, "0", "ban time (0: alert only)" },

	{ "scan-window", K_SECS, O(scan_window_ns), 0, 0, "60", "scan window, seconds" },
	{ "scan-ports", K_U32, O(scan_ports), 2, 65536, "50",
	  "distinct destination ports of one host touched by one source" },
	{ "scan-hosts", K_U32, O(scan_hosts), 2, 1 << 24, "25",
	  "distinct destination hosts touched by one source" },
	{ "scan-ban", K_SECS0, O(scan_ban_ns), 0, 0, "3600", "ban time (0: alert only)" },
	{ "bad-flags-count", K_U32, O(bad_flags), 1, 1 << 24, "5",
	  "flows one source opens with TCP flags no stack sends (NULL, XMAS, SYN+FIN, "
	  "SYN+RST, FIN/PSH/URG without ACK), in the scan window" },
	{ "bad-flags-ban", K_SECS0, O(bad_flags_ban_ns), 0, 0, "3600", "ban time (0: alert only)" },

	{ "dns-window", K_SECS, O(dns_window_ns), 0, 0, "60", "DNS tunnel window, seconds" },
	{ "dns-label-len", K_U32, O(dns_label_len), 8, 64, "40",
	  "a query with a label this long is suspicious" },
	{ "dns-entropy", K_NUM, O(dns_entropy), 1, 8, "4.0",
	  "so is one whose subdomain part (16 bytes or more) has this many bits of "
	  "Shannon entropy per character" },
	{ "dns-suspicious", K_U32, O(dns_suspicious), 1, 1 << 24, "10",
	  "suspicious queries from one source under one domain (and at least a quarter "
	  "of its queries there): names carrying data, 3 points; also the least number "
	  "of queries or responses any other sign is judged on" },
	{ "dns-subdomains", K_U32, O(dns_subdomains), 2, 1 << 24, "40",
	  "unique names one source asks under one domain, fewer than 1 in 10 asked "
	  "again, over dns-sustain: 1 point" },
	{ "dns-odd-types", K_U32, O(dns_odd_types), 1, 1 << 24, "10",
	  "queries from one source under one domain of types NULL, ANY, or private use: "
	  "1 point" },
	{ "dns-answer-bytes", K_U32, O(dns_answer_bytes), 1, 65535, "100",
	  "responses (dns-suspicious of them, half of those seen) of a type that carries "
	  "data (NULL, TXT, CNAME, MX, SRV, private use) with this many bytes past the "
	  "question: data coming back, 3 points" },
	{ "dns-name-bytes", K_U32, O(dns_name_bytes), 1, 255, "48",
	  "mean length of the subdomain part of the names asked: 1 point" },
	{ "dns-sustain", K_SECS0, O(dns_sustain_ns), 0, 0, "10",
	  "the unique names' sign needs queries over this long (0: a burst will do)" },
	{ "dns-notice-score", K_U32, O(dns_notice_score), 1, 64, "4",
	  "points for a notice (a source no other host shares the domain with: 1 more)" },
	{ "dns-ban-score", K_U32, O(dns_ban_score), 1, 64, "6",
	  "points for a ban (below it the notice is informational)" },
	{ "dns-ban", K_SECS0, O(dns_ban_ns), 0, 0, "3600", "ban time (0: alert only)" },

	{ "arp-window", K_SECS, O(arp_window_ns), 0, 0, "10", "ARP window, seconds" },
	{ "arp-storm", K_U32, O(arp_storm), 2, 1 << 24, "20",
	  "gratuitous ARPs from one sender in the window" },
	{ "arp-pin", K_SECS0, O(arp_pin_ns), 0, 0, "600",
	  "when an address's MAC binding changes, drop ARP frames that claim it from "
	  "another MAC than the established one this long (0: alert only)" },

	{ "baseline-interval", K_SECS, O(base_interval_ns), 0, 0, "10",
	  "one baseline sample per host every this many seconds" },
	{ "baseline-warmup", K_SECS0, O(base_warmup_ns), 0, 0, "300",
	  "no baseline alert for a host until it has been learned this long" },
	{ "baseline-alpha", K_NUM, O(base_alpha), 0.001, 1, "0.1",
	  "EWMA weight of a new sample (mean and mean deviation)" },
	{ "baseline-deviations", K_NUM, O(base_k), 1, 1e6, "6",
	  "a sample this many mean deviations above the mean is an anomaly ..." },
	{ "baseline-min-pps", K_NUM, O(base_min_pps), 0, 1e12, "1000",
	  "... if it is also at least this many packets/s" },
	{ "baseline-ban", K_SECS0, O(base_ban_ns), 0, 0, "0", "ban time (0: alert only)" },
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static int set_one(struct pl_detect_cfg *c, const struct key *k, const char *v,
		   char *err, size_t errlen)
{
	char *p = (char *)c + k->off, *end;
	double d;

	switch (k->t) {
	case K_BOOL:
		if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "on") || !strcmp(v, "1"))
			*(int *)p = 1;
		else if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "off") ||
			 !strcmp(v, "0"))
			*(int *)p = 0;
		else {
			snprintf(err, errlen, "bad value '%s' for %s: want true or false", v, k->name);
			return -1;
		}
		return 0;
	case K_SECS:
	case K_SECS0:
		errno = 0;
		d = strtod(v, &end);
		if (errno || end == v || *end || !(d >= 0 && d <= 86400.0 * 365) ||
		    (k->t == K_SECS && d * 1e9 < 1e6)) {
			snprintf(err, errlen, "bad value '%s' for %s: want seconds%s", v, k->name,
				 k->t == K_SECS0 ? " (0 turns it off)" : ", at least 0.001");
			return -1;
		}
		*(uint64_t *)p = (uint64_t)(d * 1e9);
		return 0;
	case K_NUM:
	case K_U32:
		errno = 0;
		d = strtod(v, &end);
		if (errno || end == v || *end || !(d >= k->min && d <= k->max) ||
		    (k->t == K_U32 && d != floor(d))) {
			snprintf(err, errlen, "bad value '%s' for %s: want a%s number from %g to %g",
				 v, k->name, k->t == K_U32 ? " whole" : "", k->min, k->max);
			return -1;
		}
		if (k->t == K_U32)
			*(uint32_t *)p = (uint32_t)d;
		else
			*(double *)p = d;
		return 0;
	}
	return -1;
}

void pl_detect_cfg_defaults(struct pl_detect_cfg *c)
{
	char err[256];
	size_t i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < NKEYS; i++)
		set_one(c, &keys[i], keys[i].def, err, sizeof(err));
}

int pl_detect_cfg_set(struct pl_detect_cfg *c, const char *key, const char *value,
		      char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (!strcmp(keys[i].name, key))
			return set_one(c, &keys[i], value, err, errlen);
	return -2;
}

size_t pl_detect_cfg_nkeys(void)
{
	return NKEYS;
}

const char *pl_detect_cfg_key(size_t i)
{
	return i < NKEYS ? keys[i].name : NULL;
}

struct option *pl_detect_cfg_options(const struct option *base, int first_val)
{
	size_t n = 0, i;
	struct option *o;

	while (base[n].name)
		n++;
	o = calloc(n + NKEYS + 1, sizeof(*o));
	if (!o)
		return NULL;
	memcpy(o, base, n * sizeof(*o));
	for (i = 0; i < NKEYS; i++) {
		o[n + i].name = keys[i].name;
		o[n + i].has_arg = required_argument;
		o[n + i].val = first_val + (int)i;
	}
	return o;
}

void pl_detect_cfg_help(FILE *f)
{
	size_t i;

	fprintf(f, "detections (docs/detections.md; each a --KEY VALUE flag and a config key):\n");
	for (i = 0; i < NKEYS; i++) {
		/* each takes a value, a yes/no one too (--detect no): say which */
		static const char *const what[] = {
			[K_BOOL] = "yes|no", [K_SECS] = "SECS", [K_SECS0] = "SECS",
			[K_NUM] = "N", [K_U32] = "N",
		};
		char flag[64];

		snprintf(flag, sizeof(flag), "%s %s", keys[i].name, what[keys[i].t]);
		fprintf(f, "  --%-29s %s (default %s)\n", flag, keys[i].help, keys[i].def);
	}
}
