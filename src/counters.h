/* SPDX-License-Identifier: BSD-3-Clause */
/* counters.h - the per-CPU global counters, summed. */
#ifndef PL_COUNTERS_H
#define PL_COUNTERS_H

#include <stdint.h>
#include "pl_abi.h"

/* What arrived (the XDP program's slot). */
int pl_counters_read(int stats_fd, struct pl_counters *out);
/* One slot: PL_STATS_INGRESS or PL_STATS_EGRESS. */
int pl_counters_read_slot(int stats_fd, uint32_t slot, struct pl_counters *out);

#endif
