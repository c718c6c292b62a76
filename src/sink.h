/* SPDX-License-Identifier: BSD-3-Clause */
/* sink.h - where records go: JSON lines on stdout, each object naming its
 * kind in "_path" (as Zeek's JSON streaming does), or one file per kind in a
 * log folder (conn.log, dns.log, ...), rotated by size.
 *
 * The log folder is checked as safe_file.h says and probed for writing when
 * the sink opens, before anything depends on it. Files hold whole lines
 * only: records are buffered as whole lines, and a write that fails part way
 * is cut back to the last whole line. A record that cannot be written is
 * counted as lost (pl_sink_lost), the failure reported once per episode (and
 * its end when writing works again); the commands exit 1 if any was. */
#ifndef PL_SINK_H
#define PL_SINK_H

#include <stdint.h>
#include <stdio.h>
#include <json-c/json.h>

#define PL_SINK_KINDS 8
#define PL_SINK_BUF (64 * 1024)         /* buffered bytes of one kind */

struct pl_sink {
	const char *dir;                /* NULL: everything to stdout */
	int dirfd;                      /* the checked log folder, -1 if none */
	uint64_t rotate_bytes;          /* 0: never rotate */
	struct {
		char name[16];
		int fd;                 /* -1: not open (opened at the next record) */
		uint64_t written;       /* bytes in the file, with those buffered */
		unsigned rotations;
		char *buf;              /* whole lines not yet written */
		size_t len, cap;
		int failing;            /* in a failure episode: reported once */
		uint64_t lost;          /* records of this kind lost */
		uint64_t lost_reported; /* lost when the episode began */
	} kind[PL_SINK_KINDS];
	uint64_t records[PL_SINK_KINDS];
	int nkinds;
	int opened;                     /* by pl_sink_open: a zeroed sink closes as a no-op */
	int error;                      /* a record was lost: the exit status says so */
	int failing;                    /* stdout failed: reported once */
	uint64_t lost;                  /* records not written (write errors) */
};

int pl_sink_open(struct pl_sink *s, const char *dir, uint64_t rotate_bytes,
		 char *err, size_t errlen);
/* Writes one record of `kind` (e.g. "conn") and releases it. */
int pl_sink_write(struct pl_sink *s, const char *kind, struct json_object *rec);
void pl_sink_flush(struct pl_sink *s);
/* Writes what is buffered and closes the files: the next record of each
 * kind opens KIND.log by name again (SIGHUP, after logrotate renamed it). */
void pl_sink_reopen(struct pl_sink *s);
/* Records lost to write errors so far. */
static inline uint64_t pl_sink_lost(const struct pl_sink *s) { return s->lost; }
/* "WHO: records lost to write errors: N" on O, if any were. */
void pl_sink_print_lost(const struct pl_sink *s, FILE *o, const char *who);
void pl_sink_close(struct pl_sink *s);

#endif
