/* SPDX-License-Identifier: BSD-3-Clause */
/* bans.h - dynamic per-source drops with an expiry, in the kernel's
 * pl_bans map; shared by `pktlens bans` and the detections. A source that
 * the active rule set allows outright is never banned, and the program
 * checks allow rules before bans, so allowed traffic always passes. */
#ifndef PL_BANS_H
#define PL_BANS_H

#include <stddef.h>
#include <stdint.h>
#include "pl_policy.h"

struct pl_policy_fds {
	int policy;             /* pl_policy: cfg array */
	int bans;               /* pl_bans */
	int tries;              /* pl_rule_tries: array of LPM tries */
	int lists;              /* pl_rule_lists: array of rule-list arrays */
	int rule_stats;         /* pl_rule_stats */
	int rates;              /* pl_rates */
	int dlims;              /* pl_dst_limits (mitigations.h) */
	int trust;              /* pl_dst_trust */
	int pins;               /* pl_arp_pins */
};

/* Kernel clock (CLOCK_MONOTONIC), the one ban expiries are in. */
uint64_t pl_mono_ns(void);

/* ttl_ns 0: until removed. Returns 0, or -1 with err set (an allowed
 * source, a full table, a kernel error). */
int pl_ban_add(const struct pl_policy_fds *f, const uint8_t addr[16], uint64_t ttl_ns,
	       uint32_t reason, char *err, size_t errlen);
int pl_ban_del(const struct pl_policy_fds *f, const uint8_t addr[16], char *err, size_t errlen);
/* Removes expired bans; returns how many. */
int pl_bans_expire(const struct pl_policy_fds *f);
/* 1 if the active rule set allows every packet from addr (an allow rule
 * for its source with no other condition), else 0. */
int pl_source_allowed(const struct pl_policy_fds *f, const uint8_t addr[16]);
/* Sets or clears a PL_POL_* flag in the policy config. */
int pl_policy_set_flag(const struct pl_policy_fds *f, uint32_t flag, int on);
/* Parses an IPv4 or IPv6 address into the IPv4-mapped form. */
int pl_addr_parse(const char *s, uint8_t addr[16]);
/* Why addr may not be banned (unspecified, broadcast, multicast), or NULL. */
const char *pl_ban_refused(const uint8_t addr[16]);
/* An address to ban: A, A/32 or A/128; refused with why for a prefix, a
 * bad address, or one pl_ban_refused names. */
int pl_ban_addr_parse(const char *s, uint8_t addr[16], char *why, size_t whylen);

#endif
