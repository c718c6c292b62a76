/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* bench_live.h - shared by the injector's XDP program (bench_count.bpf.c)
 * and its loader (live.c): the frame templates it sends. */
#ifndef BENCH_LIVE_H
#define BENCH_LIVE_H

#define BL_FRAME_MAX 256        /* every template fits; the run trims to len */
#define BL_MIN_LEN   60
#define BL_MIX       16         /* flow f sends template f % BL_MIX */
#define BL_CLIENTS   4096       /* flow f comes from 10.1.x.y, x.y = f % BL_CLIENTS */
#define BL_LAG_PS    (1000ull * 1000 * 1000)   /* 1 ms late: restart the schedule */

enum bl_kind { BL_TCP = 1, BL_DNS = 2, BL_HTTP = 3 };

struct bl_tmpl {
	__u32 len;              /* frame bytes */
	__u32 kind;             /* enum bl_kind */
	__u32 payload;          /* TCP payload bytes: seq advances by this each round */
	__u32 pad;
	__u8 data[BL_FRAME_MAX];
};

#endif
