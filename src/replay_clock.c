/* SPDX-License-Identifier: BSD-3-Clause */
/* replay_clock.c - a capture's clock that survives stray timestamps
 * (replay_clock.h says why and how). */
#include "replay_clock.h"

#include <string.h>

void pl_clock_init(struct pl_clock *c)
{
	memset(c, 0, sizeof(*c));
}

static int near(uint64_t a, uint64_t b)
{
	return (a > b ? a - b : b - a) <= PL_CLOCK_WINDOW_NS;
}

enum pl_clock_verdict pl_clock_admit(struct pl_clock *c, uint64_t ts, int have_next,
				     uint64_t next_ts, uint64_t *use)
{
	/* the first frame sets the clock: if it is the stray one, the second
	 * frame's own judgement moves the clock back (a jump, no loss) */
	if (!c->set || near(ts, c->now)) {
		if (!c->set || ts > c->now)
			c->now = ts;
		c->set = 1;
		*use = ts;
		return PL_CLOCK_IN_TIME;
	}
	if (have_next && near(next_ts, ts)) {
		c->now = ts;
		c->jumps++;
		*use = ts;
		return PL_CLOCK_JUMPED;
	}
	c->out_of_time++;
	*use = c->now;
	return PL_CLOCK_OUT_OF_TIME;
}
