/* SPDX-License-Identifier: BSD-3-Clause */
/* counters.c - one slot per CPU in the kernel (no atomics on the packet
 * path); added up here when someone looks. */
#include "counters.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

int pl_counters_read(int stats_fd, struct pl_counters *out)
{
	return pl_counters_read_slot(stats_fd, PL_STATS_INGRESS, out);
}

int pl_counters_read_slot(int stats_fd, uint32_t slot, struct pl_counters *out)
{
	int ncpu = libbpf_num_possible_cpus(), c;
	size_t i, n = sizeof(*out) / sizeof(uint64_t);
	struct pl_counters *v;

	if (ncpu < 1)
		return -EINVAL;
	v = calloc((size_t)ncpu, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(stats_fd, &slot, v)) {
		free(v);
		return -errno;
	}
	memset(out, 0, sizeof(*out));
	for (c = 0; c < ncpu; c++)
		for (i = 0; i < n; i++)
			((uint64_t *)out)[i] += ((uint64_t *)&v[c])[i];
	free(v);
	return 0;
}
