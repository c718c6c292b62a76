/* SPDX-License-Identifier: BSD-3-Clause */
/* fuzz_parser.c - libFuzzer over the shared parser (ASan + UBSan). The first
 * byte picks how much of the input counts as "captured", so the snapped
 * paths are fuzzed as well. Only the captured bytes are allocated, exactly:
 * a read at or past `end` is outside the allocation and ASan reports it
 * (with the whole input allocated, reads between `end` and the input's end
 * would go unseen). Also checked: an L7 record only ever comes from a
 * packet pl_l7_wanted accepts (the egress program pulls the payload in only
 * for those). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse/pl_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pl_meta m;
	struct pl_pkt pk;
	uint8_t *copy;
	size_t cut;

	if (size < 1 || size > 65535)
		return 0;
	cut = data[0] & 1 ? size - 1 : (size - 1) * data[0] / 255;
	/* malloc(0) is a valid pointer with no byte ASan lets anyone read */
	copy = malloc(cut);
	if (!copy)
		abort();
	memcpy(copy, data + 1, cut);
	pk.data = copy;
	pk.end = copy + cut;
	pk.pkt_len = (uint32_t)(size - 1);
	pl_parse_frame(&pk, &m);
	if (m.l7_kind != PL_L7_NONE &&
	    (!m.payload_len || !pl_l7_wanted(&m, copy[m.payload_off])))
		abort();        /* pl_l7_wanted and pl_parse_l7 disagree */
	free(copy);
	return 0;
}
