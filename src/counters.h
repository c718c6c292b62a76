/* SPDX-License-Identifier: BSD-3-Clause */
/* counters.h - the per-CPU global counters, summed. */
#ifndef PL_COUNTERS_H
#define PL_COUNTERS_H

#include "pl_abi.h"

int pl_counters_read(int stats_fd, struct pl_counters *out);

#endif
