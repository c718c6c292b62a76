/* SPDX-License-Identifier: BSD-3-Clause */
/* sink.h - where records go: JSON lines on stdout, each object naming its
 * kind in "_path" (as Zeek's JSON streaming does), or one file per kind in a
 * log folder (conn.log, dns.log, ...), rotated by size. */
#ifndef PL_SINK_H
#define PL_SINK_H

#include <stdint.h>
#include <stdio.h>
#include <json-c/json.h>

#define PL_SINK_KINDS 8

struct pl_sink {
	const char *dir;                /* NULL: everything to stdout */
	uint64_t rotate_bytes;          /* 0: never rotate */
	struct {
		char name[16];
		FILE *f;
		uint64_t written;
		unsigned rotations;
	} kind[PL_SINK_KINDS];
	uint64_t records[PL_SINK_KINDS];
	int nkinds;
	int error;                      /* a write failed: reported once */
};

int pl_sink_open(struct pl_sink *s, const char *dir, uint64_t rotate_bytes,
		 char *err, size_t errlen);
/* Writes one record of `kind` (e.g. "conn") and releases it. */
int pl_sink_write(struct pl_sink *s, const char *kind, struct json_object *rec);
void pl_sink_flush(struct pl_sink *s);
void pl_sink_close(struct pl_sink *s);

#endif
