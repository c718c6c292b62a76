/* SPDX-License-Identifier: BSD-3-Clause */
/* mitigations.h - destination limits (with the sources they trust) and ARP
 * pins in the kernel's maps; shared by `pktlens limits` and the detections.
 * (Not limits.h: src/ is on the include path, <limits.h> must stay libc's.)
 * Like bans, each has an expiry on the kernel clock, is ignored by the XDP
 * program once expired, and is removed by pl_limits_expire, which also
 * keeps the policy flags to what is left so that the program looks up
 * nothing it need not. */
#ifndef PL_MITIGATIONS_H
#define PL_MITIGATIONS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "bans.h"

#define PL_DLIM_PPS_MAX 1000000000ull

/* proto: PL_DLIM_SYN, _UDP, _ICMP or _ICMP6; dport 0: any (ICMP: always 0). */
void pl_dlim_key_make(struct pl_dlim_key *k, const uint8_t dst[16], uint8_t proto,
		      uint16_t dport);
/* "SYN", "UDP", "ICMP", "ICMPv6" */
const char *pl_dlim_proto_name(uint8_t proto);

/* Limits what k names to pps packets/s (1..1e9), for ttl_ns (0: until
 * removed). Added again: the new rate and time, the counters and the
 * bucket kept. 0, or -1 with err. */
int pl_dlim_add(const struct pl_policy_fds *f, const struct pl_dlim_key *k, uint64_t pps,
		uint64_t ttl_ns, uint32_t reason, char *err, size_t errlen);
int pl_dlim_del(const struct pl_policy_fds *f, const struct pl_dlim_key *k, char *err,
		size_t errlen);
/* src proved real to dst (a completed handshake): dst's limits let it
 * through until the absolute kernel time `until` (0: never). */
int pl_trust_add(const struct pl_policy_fds *f, const uint8_t src[16], const uint8_t dst[16],
		 uint64_t until);

/* Only mac may claim k's address, for ttl_ns (0: until removed). Added
 * again: the new MAC and time, the counters kept. */
int pl_pin_add(const struct pl_policy_fds *f, const struct pl_arp_pin_key *k,
	       const uint8_t mac[6], uint64_t ttl_ns, uint32_t reason, char *err, size_t errlen);
int pl_pin_del(const struct pl_policy_fds *f, const struct pl_arp_pin_key *k, char *err,
	       size_t errlen);

/* Removes expired limits and pins (and, once no limit is left, every
 * trusted pair); returns how many limits and pins went. */
int pl_limits_expire(const struct pl_policy_fds *f);

/* What is in force and what it dropped, for summaries. */
struct pl_mitigation_sum {
	uint64_t bans, ban_drops;
	uint64_t dlims, dlim_drops;
	uint64_t pins, pin_drops;
};
void pl_mitigation_sum(const struct pl_policy_fds *f, struct pl_mitigation_sum *s);
/* One line: packets XDP dropped, and bans, limits and pins in force with
 * their drops. */
void pl_mitigation_print(FILE *out, const struct pl_policy_fds *f, uint64_t xdp_drops);

#endif
