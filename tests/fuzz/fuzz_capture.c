/* SPDX-License-Identifier: BSD-3-Clause */
/* fuzz_capture.c - libFuzzer over capture files (pcap and pcapng) read by
 * the real reader: src/pcap_frames.c on libpcap, through the same
 * pl_capture_fopen that pl_capture_open uses for a file on disk, here on a
 * memory stream of the input. Every frame is checked against what the
 * reader promises (caplen within PL_FRAME_MAX, wirelen >= caplen, frame
 * numbers counting up) and handed to the parser, as analyze and check do.
 *
 * The stack is limited to STACK_LIMIT and built with stack-depth coverage,
 * so that libFuzzer keeps inputs that reach deeper: a recursion whose depth
 * grows with the input (one call per record) then shows as a stack
 * overflow with a few thousand bytes, where the usual 8 MB would need a
 * file of megabytes, which libFuzzer never writes. */
#include <sys/resource.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcap_frames.h"
#include "parse/pl_parse.h"

#define STACK_LIMIT (128 * 1024)
#define MAX_FRAMES 100000       /* a 1 MB input holds fewer records than this */

static struct pl_frame frame;   /* 64 KiB: not on the stack */
static struct pl_meta meta;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct rlimit rl;

	(void)argc;
	(void)argv;
	if (getrlimit(RLIMIT_STACK, &rl))
		abort();
	if (rl.rlim_max == RLIM_INFINITY || rl.rlim_max > STACK_LIMIT)
		rl.rlim_cur = STACK_LIMIT;
	if (setrlimit(RLIMIT_STACK, &rl))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size);    /* malloc(0): a pointer, no byte */
	struct pl_capture c;
	uint64_t prev = 0, n = 0;
	FILE *fp;
	int r;

	if (!buf)
		abort();
	memcpy(buf, data, size);
	fp = fmemopen(buf, size, "rb");
	if (!fp)
		abort();
	if (pl_capture_fopen(&c, fp, "fuzz")) {
		if (!c.err[0])
			abort();        /* a refusal always says why */
		free(buf);
		return 0;
	}
	while ((r = pl_capture_next(&c, &frame)) == 1) {
		struct pl_pkt pk = { frame.data, frame.data + frame.caplen, frame.wirelen };

		if (frame.caplen > PL_FRAME_MAX || frame.wirelen < frame.caplen ||
		    frame.number <= prev || ++n > MAX_FRAMES)
			abort();
		prev = frame.number;
		pl_parse_frame(&pk, &meta);
		(void)pl_capture_tell(&c);
	}
	if (r == -1 && !c.err[0])
		abort();                /* a damaged file always says where */
	pl_capture_close(&c);
	free(buf);
	return 0;
}
