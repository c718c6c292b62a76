/* SPDX-License-Identifier: BSD-3-Clause */
/* check_known.h - the known differences of `pktlens check --strict`: frames
 * where our parser and tshark knowingly disagree, each named by an exact key
 * (file, frame, column, our value, tshark's value) and given a reason.
 *
 * File format: one row per line, six tab-separated fields
 *     file  frame  column  ours  tshark  reason
 * "column" is a column name of the truth files (ip_dst, sport, ...) or
 * "malformed" (ours: our reason name, tshark: its ws_error value); "ours"
 * and "tshark" are the compared values exactly as check prints them (may be
 * empty). Blank lines and lines starting with '#' are ignored. A row must
 * match a difference of the run: one that matches nothing is stale. */
#ifndef PL_CHECK_KNOWN_H
#define PL_CHECK_KNOWN_H
#include <stddef.h>

/* The pseudo-column of the verdict: we judge the frame malformed, tshark
 * flagged no error. */
#define PL_KNOWN_MALFORMED "malformed"

struct pl_known_row {
	char *file, *column, *ours, *tshark, *reason;
	unsigned long frame;
	unsigned line;          /* in the file, for messages */
	unsigned long hits;     /* differences it matched in this run */
};

struct pl_known {
	struct pl_known_row *rows;
	size_t n, cap;
	char *path;
};

/* Load PATH; on error fill err ("FILE:LINE: why") and return -1. An empty
 * list (no --known) is k zeroed. */
int pl_known_load(struct pl_known *k, const char *path, char *err, size_t errlen);
/* The row whose key is exactly this difference (its hit counted), or NULL. */
struct pl_known_row *pl_known_match(struct pl_known *k, const char *file, unsigned long frame,
				    const char *column, const char *ours, const char *tshark);
void pl_known_free(struct pl_known *k);
#endif
