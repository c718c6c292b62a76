/* SPDX-License-Identifier: BSD-3-Clause */
/* seen_events.h - what the BPF tests read from the ring buffer: the first
 * SEEN_MAX events of a run kept whole (every event type fits), all of them
 * counted. One copy for test_bpf, test_egress and test_fragments. */
#ifndef PL_TEST_SEEN_EVENTS_H
#define PL_TEST_SEEN_EVENTS_H

#include <stdint.h>
#include <string.h>
#include "pl_abi.h"

#define SEEN_MAX 16

static struct {
	int n;                          /* events handed over, kept or not */
	uint16_t type[SEEN_MAX];
	union {                         /* aligned as the events are */
		struct pl_ev_payload payload;
		struct pl_ev_fragment fragment;
		uint8_t b[sizeof(struct pl_ev_payload) > sizeof(struct pl_ev_fragment) ?
			  sizeof(struct pl_ev_payload) : sizeof(struct pl_ev_fragment)];
	} data[SEEN_MAX];
} seen;

static inline void seen_reset(void)
{
	memset(&seen, 0, sizeof(seen));
}

/* A ring_buffer_sample_fn's body: keeps a copy of the event. */
static inline void seen_add(const void *data, size_t size)
{
	const struct pl_event_hdr *h = data;

	if (seen.n < SEEN_MAX && size <= sizeof(seen.data[0])) {
		seen.type[seen.n] = h->type;
		memcpy(seen.data[seen.n].b, data, size);
	}
	seen.n++;
}

static inline int count_type(uint16_t type)
{
	int i, n = 0;

	for (i = 0; i < seen.n && i < SEEN_MAX; i++)
		n += seen.type[i] == type;
	return n;
}

static inline const void *first_of(uint16_t type)
{
	int i;

	for (i = 0; i < seen.n && i < SEEN_MAX; i++)
		if (seen.type[i] == type)
			return seen.data[i].b;
	return NULL;
}

#endif
