/* SPDX-License-Identifier: BSD-3-Clause */
/* topk.c - Space-Saving: a hash from key to slot, and a min-heap of the
 * slots by count whose root is the one a new key takes. */
#include "topk.h"

#include <stdlib.h>
#include <string.h>
#include <uthash.h>

struct slot {
	UT_hash_handle hh;
	uint64_t count, err, aux;
	size_t heap;                    /* index in t->heap */
	size_t len;
	uint8_t key[];                  /* key_max + 1 */
};

struct pl_topk {
	size_t cap, key_max, n;
	struct slot *hash;
	struct slot **heap;
	struct slot **sorted;           /* pl_topk_top's scratch */
	uint64_t evicted, max_err;
};

size_t pl_topk_slot_bytes(size_t key_max)
{
	/* the slot, its key, its heap and sort pointers, uthash's bucket share */
	return sizeof(struct slot) + key_max + 1 + 2 * sizeof(void *) + 16;
}

struct pl_topk *pl_topk_new(size_t cap, size_t key_max)
{
	struct pl_topk *t = calloc(1, sizeof(*t));

	if (!t || !cap)
		goto fail;
	t->cap = cap;
	t->key_max = key_max;
	t->heap = calloc(cap, sizeof(*t->heap));
	t->sorted = calloc(cap, sizeof(*t->sorted));
	if (!t->heap || !t->sorted)
		goto fail;
	return t;
fail:
	if (t) {
		free(t->heap);
		free(t->sorted);
	}
	free(t);
	return NULL;
}

static void heap_swap(struct pl_topk *t, size_t a, size_t b)
{
	struct slot *x = t->heap[a];

	t->heap[a] = t->heap[b];
	t->heap[b] = x;
	t->heap[a]->heap = a;
	t->heap[b]->heap = b;
}

/* A slot's count only grows: it can only sink. */
static void heap_down(struct pl_topk *t, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < t->n && t->heap[l]->count < t->heap[m]->count)
			m = l;
		if (r < t->n && t->heap[r]->count < t->heap[m]->count)
			m = r;
		if (m == i)
			return;
		heap_swap(t, i, m);
		i = m;
	}
}

static void heap_up(struct pl_topk *t, size_t i)
{
	while (i && t->heap[(i - 1) / 2]->count > t->heap[i]->count) {
		heap_swap(t, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

int pl_topk_add(struct pl_topk *t, const void *key, size_t len, uint64_t w, uint64_t aux)
{
	struct slot *s;
	int took = 0;

	if (len > t->key_max)
		len = t->key_max;
	HASH_FIND(hh, t->hash, key, len, s);
	if (!s) {
		if (t->n < t->cap) {
			s = calloc(1, sizeof(*s) + t->key_max + 1);
			if (!s)
				return -1;
			s->heap = t->n;
			t->heap[t->n++] = s;
			heap_up(t, s->heap);    /* count 0: to the root */
		} else {
			s = t->heap[0];         /* the lightest gives its slot */
			HASH_DEL(t->hash, s);
			s->err = s->count;
			s->aux = 0;
			if (s->err > t->max_err)
				t->max_err = s->err;
			t->evicted++;
			took = 1;
		}
		memcpy(s->key, key, len);
		s->key[len] = 0;
		s->len = len;
		HASH_ADD(hh, t->hash, key[0], len, s);
	}
	s->count += w;
	s->aux += aux;
	heap_down(t, s->heap);
	return took;
}

static int by_count(const void *a, const void *b)
{
	const struct slot *x = *(struct slot *const *)a, *y = *(struct slot *const *)b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	c = memcmp(x->key, y->key, n);
	return c ? c : x->len < y->len ? -1 : x->len > y->len;
}

size_t pl_topk_top(struct pl_topk *t, struct pl_topk_item *out, size_t max)
{
	size_t i;

	memcpy(t->sorted, t->heap, t->n * sizeof(*t->sorted));
	qsort(t->sorted, t->n, sizeof(*t->sorted), by_count);
	for (i = 0; i < t->n && i < max; i++) {
		const struct slot *s = t->sorted[i];

		out[i] = (struct pl_topk_item){ .key = s->key, .len = s->len, .count = s->count,
						.err = s->err, .aux = s->aux };
	}
	return i;
}

size_t pl_topk_size(const struct pl_topk *t)
{
	return t->n;
}

uint64_t pl_topk_evicted(const struct pl_topk *t)
{
	return t->evicted;
}

uint64_t pl_topk_max_err(const struct pl_topk *t)
{
	return t->max_err;
}

void pl_topk_free(struct pl_topk *t)
{
	size_t i;

	if (!t)
		return;
	HASH_CLEAR(hh, t->hash);
	for (i = 0; i < t->n; i++)
		free(t->heap[i]);
	free(t->heap);
	free(t->sorted);
	free(t);
}
