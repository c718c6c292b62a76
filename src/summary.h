/* SPDX-License-Identifier: BSD-3-Clause */
/* summary.h - the human view: top talkers, protocols, DNS names, SNI, HTTP
 * hosts and malformed counts, printed as a small table. */
#ifndef PL_SUMMARY_H
#define PL_SUMMARY_H

#include <stdio.h>
#include "pl_abi.h"
#include "collector.h"

/* sources_fd: the per-source map for top talkers, or -1 to leave them out. */
void pl_summary_print(FILE *f, const struct pl_counters *c,
		      const struct pl_collector *col, const int *sources_fd);
/* One line: what the host sent (the egress counters). */
void pl_summary_print_egress(FILE *f, const struct pl_counters *e);

#endif
