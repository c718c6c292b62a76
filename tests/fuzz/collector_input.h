/* SPDX-License-Identifier: BSD-3-Clause */
/* collector_input.h - how fuzz_collector reads its input, shared with the
 * seed generator (gen_events.c).
 *
 * Byte 0 sets the scene (FZC_* bits). Then records, each
 *
 *   op (1 byte) | len (2 bytes, little-endian) | len bytes
 *
 * and a record cut by the end of the input gets what is left. The op's
 * low three bits say what the bytes are (FZC_OP_*). */
#ifndef PL_FUZZ_COLLECTOR_INPUT_H
#define PL_FUZZ_COLLECTOR_INPUT_H

/* byte 0 */
#define FZC_DETECT      0x01    /* detections hooked in, as run and analyze do */
#define FZC_LOW         0x02    /* ... with thresholds of 1 or 2: they fire */
#define FZC_ACTIONS     0x04    /* ... with ban/limit/pin/trust (run), else NULL (analyze) */
#define FZC_ACT_FAIL    0x08    /* ... which refuse, as a full map would */
#define FZC_DRY_RUN     0x10    /* detect-dry-run */
#define FZC_SHORT       0x20    /* timeouts of a second: sweeps close connections */

enum fzc_op {
	/* the bytes are an event as the ring buffer hands it over: any size,
	 * cut short or oversized, header and all */
	FZC_OP_RAW = 0,
	/* byte 0 is an event type; the event is that type's exact size, with
	 * type and size set, and the rest of the bytes laid over it from its
	 * flags field on (zeros where they run out) */
	FZC_OP_EVENT = 1,
	/* a flow table entry as the kernel writes it: a struct pl_flow_key,
	 * then struct pl_flow_val per CPU (zeros where the bytes run out) */
	FZC_OP_FLOW = 2,
	FZC_OP_FLOW_DEL = 3,    /* a struct pl_flow_key: the entry goes (LRU) */
	FZC_OP_SWEEP = 4,       /* 8 bytes: now, for pl_collector_sweep(c, now, 0) */
	FZC_OP_SINCE = 5,       /* 8 bytes: pl_collector_changed_since */
	FZC_OP_COUNTERS = 6,    /* a struct pl_counters, for the summary at the end */
	FZC_OP_EVENT2 = 7,      /* as FZC_OP_EVENT */
};

#endif
