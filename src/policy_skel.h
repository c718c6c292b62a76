/* SPDX-License-Identifier: BSD-3-Clause */
/* policy_skel.h - the policy maps of a loaded pktlens object, for whoever
 * holds its skeleton (the daemon, the policy tests and benchmark); the CLI,
 * which has no skeleton, finds them by program id (policy_maps.c). */
#ifndef PL_POLICY_SKEL_H
#define PL_POLICY_SKEL_H

#include "bans.h"
#include "pktlens.skel.h"

static inline void pl_policy_fds_of(const struct pktlens_bpf *skel, struct pl_policy_fds *f)
{
	f->policy = bpf_map__fd(skel->maps.pl_policy);
	f->bans = bpf_map__fd(skel->maps.pl_bans);
	f->tries = bpf_map__fd(skel->maps.pl_rule_tries);
	f->lists = bpf_map__fd(skel->maps.pl_rule_lists);
	f->rule_stats = bpf_map__fd(skel->maps.pl_rule_stats);
	f->rates = bpf_map__fd(skel->maps.pl_rates);
	f->dlims = bpf_map__fd(skel->maps.pl_dst_limits);
	f->trust = bpf_map__fd(skel->maps.pl_dst_trust);
	f->pins = bpf_map__fd(skel->maps.pl_arp_pins);
}

#endif /* PL_POLICY_SKEL_H */
