/* SPDX-License-Identifier: BSD-3-Clause */
/* neigh.h - the host's neighbour table, for ARP pins. */
#ifndef PL_NEIGH_H
#define PL_NEIGH_H

#include <stdint.h>

/* If the host's neighbour entry for ip on ifindex holds a MAC other than
 * mac (and is not a static one), makes it mac. 1 if it did, 0 if there
 * was nothing to do, -1 on error (errno). */
int pl_neigh_restore(uint32_t ifindex, const uint8_t ip[4], const uint8_t mac[6]);

#endif
