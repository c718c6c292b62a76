/* SPDX-License-Identifier: BSD-3-Clause */
/* replay_clock.h - the clock of a capture being replayed (`analyze`).
 *
 * Offline, time is what the capture's timestamps say: the XDP program
 * keeps flows and token buckets on it, and the collector sweeps on it. One
 * packet dated years away must not become that clock: dated in 2038, it
 * pushed the next sweep to 2038, so no later packet ever reached it, the
 * flow table filled and a third of 400k connections were lost.
 *
 * A frame more than PL_CLOCK_WINDOW_NS from the clock, either way, is
 * judged by the frame after it (the reader looks one ahead):
 *   - if that one is not near it (back near the clock, elsewhere, or there
 *     is none), the frame is out of time: a weird record, run through the
 *     program at the clock's time, and the clock stays;
 *   - if that one is near it, the capture itself moved (files joined end
 *     to end, a capture paused for a day: two bundled captures do): the
 *     clock follows, and sweeps go on from the new time.
 * Frames within the window keep their own time, a little behind the clock
 * too (captures from several CPUs); the clock never goes back for them. */
#ifndef PL_REPLAY_CLOCK_H
#define PL_REPLAY_CLOCK_H

#include <stdint.h>

#define PL_CLOCK_WINDOW_NS (3600ull * 1000000000ull)    /* an hour either way */

struct pl_clock {
	uint64_t now;           /* the latest time of frames in time */
	int set;
	uint64_t out_of_time;   /* frames counted at the clock's time */
	uint64_t jumps;         /* times the clock followed the capture */
};

enum pl_clock_verdict {
	PL_CLOCK_IN_TIME,       /* *use = ts */
	PL_CLOCK_OUT_OF_TIME,   /* *use = the clock: a weird record */
	PL_CLOCK_JUMPED,        /* the clock is now ts (*use): sweep from there */
};

void pl_clock_init(struct pl_clock *c);
/* ts: this frame's time; next_ts: the next frame's, if have_next. */
enum pl_clock_verdict pl_clock_admit(struct pl_clock *c, uint64_t ts, int have_next,
				     uint64_t next_ts, uint64_t *use);

#endif
