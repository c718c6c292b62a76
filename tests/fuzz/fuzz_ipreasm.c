/* SPDX-License-Identifier: BSD-3-Clause */
/* fuzz_ipreasm.c - libFuzzer over the IP reassembly (src/ipreasm.c).
 *
 * The input is a sequence of fragments. Most are built from a few fuzzed
 * numbers (version, identification from a small set so that datagrams
 * collide, offset, length, MF, how much of it is captured, extension
 * headers), so that the fuzzer reaches overlaps, duplicates, timeouts and
 * evictions quickly; some are raw bytes, as hostile as they come. Memory
 * bounds are small, to evict often. Checked on every datagram that ends:
 * fragments in order and apart, the rebuilt bytes readable to their end
 * (ASan), lengths within bounds; at the end, nothing held. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ipreasm.h"

static uint64_t sink_sum;

static void on_end(void *ctx, enum pl_ipr_end why, const struct pl_ipdgram *d)
{
	uint32_t i;

	(void)ctx;
	if ((unsigned)why >= PL_IPR__ENDS)
		abort();
	for (i = 1; i < d->nfrags; i++)
		if (d->frags[i - 1].off + d->frags[i - 1].len > d->frags[i].off)
			abort();
	for (i = 0; i < d->nfrags; i++)
		if (d->frags[i].got > d->frags[i].len)
			abort();
	if (why == PL_IPR_COMPLETE && !d->pkt)
		abort();
	if (d->pkt) {
		if (d->pkt_seen > d->pkt_len || d->pkt_len > PL_IPR_MAX_PKT)
			abort();
		for (i = 0; i < d->pkt_seen; i++)
			sink_sum += d->pkt[i];
		if (why == PL_IPR_COMPLETE && d->version == 4 && d->pkt_len > 65535)
			abort();
	}
	for (i = 0; i < d->ndups; i++)
		sink_sum += d->dups[i].note.ts;
}

static uint8_t pkt[70000];

/* A fragment from 8 fuzzed bytes; returns its length. */
static uint32_t build(const uint8_t *in, uint32_t *cap)
{
	uint32_t off = ((uint32_t)in[2] << 8 | in[3]) & 0x1fff;  /* in 8-byte units */
	uint32_t len = (uint32_t)in[4] * 8 + (in[5] & 7);
	int v6 = in[0] & 1, mf = in[0] & 2, ext = in[0] & 4;
	uint32_t h, i;

	if (in[0] & 8)
		len = (uint32_t)in[4] << 8 | in[5];     /* sometimes big */
	if (v6) {
		h = 40 + (ext ? 16 : 0) + 8;
		if (h + len > sizeof(pkt))
			len = sizeof(pkt) - h;
		memset(pkt, 0, h);
		pkt[0] = 0x60;
		pkt[4] = (uint8_t)((h - 40 + len) >> 8);
		pkt[5] = (uint8_t)(h - 40 + len);
		pkt[6] = ext ? 0 : 44;
		pkt[8] = 0x20; pkt[23] = in[1] & 3;
		if (ext) {
			pkt[40] = 60;
			pkt[48] = 44;
		}
		pkt[h - 8] = 17;
		pkt[h - 6] = (uint8_t)(off >> 5);
		pkt[h - 5] = (uint8_t)((off << 3) | (mf ? 1 : 0));
		pkt[h - 1] = in[1] >> 4;
	} else {
		h = 20;
		if (h + len > 65535)
			len = 65535 - h;
		memset(pkt, 0, h);
		pkt[0] = 0x45;
		pkt[2] = (uint8_t)((h + len) >> 8);
		pkt[3] = (uint8_t)(h + len);
		pkt[5] = in[1] >> 4;                    /* 16 identifications */
		pkt[6] = (uint8_t)((mf ? 0x20 : 0) | off >> 8);
		pkt[7] = (uint8_t)off;
		pkt[9] = (in[1] & 8) ? 6 : 17;
		pkt[15] = in[1] & 3;                    /* 4 sources */
	}
	for (i = 0; i < len; i++)
		pkt[h + i] = (uint8_t)(off * 8 + i);
	*cap = h + len;
	if (in[6] & 0x80)                               /* captured in part */
		*cap = (h + len) * (in[6] & 0x7f) / 127;
	return h + len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pl_ipreasm_ops ops = { .ctx = NULL, .end = on_end };
	struct pl_ipreasm_cfg cfg = {
		.timeout_ns = 1000, .mem_max = 256 << 10, .src_mem_max = 96 << 10,
	};
	struct pl_ipreasm *r;
	uint64_t ts = 0;
	size_t at = 0;

	r = pl_ipreasm_new(&cfg, &ops);
	if (!r)
		return 0;
	while (at + 8 <= size) {
		struct pl_ipfrag f;
		const uint8_t *in = data + at;

		memset(&f, 0, sizeof(f));
		ts += in[7] & 0x3f;
		f.note.ts = ts;
		f.note.key.vlan = in[7] >> 7;
		f.unusable = (in[6] & 0x7f) == 0x55;
		if ((in[0] & 0xf0) == 0xf0) {           /* raw bytes */
			uint32_t n = in[1];

			at += 8;
			if (n > size - at)
				n = (uint32_t)(size - at);
			f.ip = data + at;
			f.cap = n;
			at += n;
		} else {
			build(in, &f.cap);
			f.ip = pkt;
			at += 8;
		}
		pl_ipreasm_add(r, &f);
		if (in[7] & 0x40)
			pl_ipreasm_expire(r, ts);
		if (pl_ipreasm_stats(r)->mem > cfg.mem_max)
			abort();
	}
	pl_ipreasm_flush(r);
	if (pl_ipreasm_stats(r)->mem || pl_ipreasm_stats(r)->pending)
		abort();
	pl_ipreasm_free(r);
	return 0;
}
