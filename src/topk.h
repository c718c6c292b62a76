/* SPDX-License-Identifier: BSD-3-Clause */
/* topk.h - the heaviest keys of an unbounded stream in a fixed number of
 * slots (Space-Saving, Metwally et al. 2005: the Misra-Gries family the
 * detections' det_hh belongs to, but with a hash and a min-heap so that a
 * table of thousands of slots costs O(log k) per item, not O(k)).
 *
 * A key not in the table takes the slot of the lightest one, starting at
 * that one's count: counts never fall below the truth and are over it by
 * at most `err` (the count the slot had when it was taken). Any key with
 * more than total / cap of the weight is in the table. Memory: at most cap
 * slots of sizeof(slot) + key_max + 1 bytes, allocated as they fill. */
#ifndef PL_TOPK_H
#define PL_TOPK_H

#include <stddef.h>
#include <stdint.h>

struct pl_topk;

struct pl_topk_item {
	const uint8_t *key;             /* NUL-terminated after len bytes */
	size_t len;
	uint64_t count;                 /* >= the true weight */
	uint64_t err;                   /* count - err <= the true weight */
	uint64_t aux;                   /* a second sum (e.g. packets beside bytes) */
};

struct pl_topk *pl_topk_new(size_t cap, size_t key_max);
/* Adds w (and aux) to key (cut at key_max bytes). Returns 1 if a slot was
 * taken from another key, 0 if not, -1 out of memory (nothing counted). */
int pl_topk_add(struct pl_topk *t, const void *key, size_t len, uint64_t w, uint64_t aux);
/* Up to max heaviest, heaviest first (ties by key bytes). The keys are valid
 * until the next add. */
size_t pl_topk_top(struct pl_topk *t, struct pl_topk_item *out, size_t max);
size_t pl_topk_size(const struct pl_topk *t);
uint64_t pl_topk_evicted(const struct pl_topk *t);      /* keys that lost their slot */
uint64_t pl_topk_max_err(const struct pl_topk *t);      /* largest err of any slot taken */
/* Bytes one slot takes (for docs/bounds.md and the benchmark). */
size_t pl_topk_slot_bytes(size_t key_max);
void pl_topk_free(struct pl_topk *t);

#endif
