/* SPDX-License-Identifier: BSD-3-Clause */
/* check_known.c - the known-differences list of `pktlens check --strict`
 * (format in check_known.h). The file is input like any other: every row is
 * checked whole, and a bad one stops the run with its line number rather
 * than excusing something it was not meant to. */
#include "check_known.h"

#include <errno.h>
#include <sys/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meta_fmt.h"

#define KNOWN_LINE_MAX 4096     /* a row is a key and one sentence */
#define KNOWN_ROWS_MAX 100000   /* far above any sane list; bounds memory */
#define KNOWN_FIELDS 6

static int column_ok(const char *c)
{
	return !strcmp(c, PL_KNOWN_MALFORMED) || pl_col_by_name(c) >= 0;
}

static int parse_frame(const char *s, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v == 0)
		return -1;
	*out = v;
	return 0;
}

static int add_row(struct pl_known *k, char **f, unsigned line, unsigned long frame)
{
	struct pl_known_row *r;

	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 32;
		void *p = realloc(k->rows, cap * sizeof(*k->rows));

		if (!p)
			return -1;
		k->rows = p;
		k->cap = cap;
	}
	r = &k->rows[k->n];
	memset(r, 0, sizeof(*r));
	r->file = strdup(f[0]);
	r->column = strdup(f[2]);
	r->ours = strdup(f[3]);
	r->tshark = strdup(f[4]);
	r->reason = strdup(f[5]);
	r->frame = frame;
	r->line = line;
	k->n++;         /* counted before the check so that free() sees it */
	if (!r->file || !r->column || !r->ours || !r->tshark || !r->reason)
		return -1;
	return 0;
}

static struct pl_known_row *find(struct pl_known *k, const char *file, unsigned long frame,
				 const char *column, const char *ours, const char *tshark)
{
	for (size_t i = 0; i < k->n; i++) {
		struct pl_known_row *r = &k->rows[i];

		if (r->frame == frame && !strcmp(r->file, file) && !strcmp(r->column, column) &&
		    !strcmp(r->ours, ours) && !strcmp(r->tshark, tshark))
			return r;
	}
	return NULL;
}

int pl_known_load(struct pl_known *k, const char *path, char *err, size_t errlen)
{
	char *buf = NULL;
	size_t bufcap = 0;
	unsigned line = 0;
	ssize_t got;
	FILE *fp;

	memset(k, 0, sizeof(*k));
	fp = fopen(path, "r");
	if (!fp) {
		snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	k->path = strdup(path);
	while ((got = getline(&buf, &bufcap, fp)) >= 0) {
		char *f[KNOWN_FIELDS], *p = buf;
		size_t len = (size_t)got;
		unsigned long frame;
		int n = 0;

		line++;
		if (len > KNOWN_LINE_MAX) {
			snprintf(err, errlen, "%s:%u: line longer than %d bytes", path, line,
				 KNOWN_LINE_MAX);
			goto fail;
		}
		if (strlen(buf) != len) {
			snprintf(err, errlen, "%s:%u: a NUL byte", path, line);
			goto fail;
		}
		if (len && buf[len - 1] == '\n')
			buf[--len] = 0;
		if (len && buf[len - 1] == '\r')
			buf[--len] = 0;
		if (!len || buf[0] == '#')
			continue;
		f[n++] = p;
		for (; *p; p++)
			if (*p == '\t') {
				if (n == KNOWN_FIELDS)
					break;
				*p = 0;
				f[n++] = p + 1;
			}
		if (n != KNOWN_FIELDS || *p) {
			snprintf(err, errlen, "%s:%u: want %d tab-separated fields (file, frame, "
				 "column, ours, tshark, reason), got %s", path, line, KNOWN_FIELDS,
				 n < KNOWN_FIELDS ? "fewer" : "more");
			goto fail;
		}
		if (!*f[0]) {
			snprintf(err, errlen, "%s:%u: no file name", path, line);
			goto fail;
		}
		if (parse_frame(f[1], &frame)) {
			snprintf(err, errlen, "%s:%u: frame '%s' is not a frame number (1, 2, ...)",
				 path, line, f[1]);
			goto fail;
		}
		if (!column_ok(f[2])) {
			snprintf(err, errlen, "%s:%u: no column '%s' (a truth file column, or %s)",
				 path, line, f[2], PL_KNOWN_MALFORMED);
			goto fail;
		}
		if (!*f[5]) {
			snprintf(err, errlen, "%s:%u: no reason", path, line);
			goto fail;
		}
		struct pl_known_row *dup = find(k, f[0], frame, f[2], f[3], f[4]);
		if (dup) {
			snprintf(err, errlen, "%s:%u: the same key as line %u", path, line, dup->line);
			goto fail;
		}
		if (k->n >= KNOWN_ROWS_MAX) {
			snprintf(err, errlen, "%s:%u: more than %d rows", path, line, KNOWN_ROWS_MAX);
			goto fail;
		}
		if (add_row(k, f, line, frame)) {
			snprintf(err, errlen, "%s:%u: out of memory", path, line);
			goto fail;
		}
	}
	if (ferror(fp)) {
		snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
		goto fail;
	}
	free(buf);
	fclose(fp);
	return 0;
fail:
	free(buf);
	fclose(fp);
	pl_known_free(k);
	return -1;
}

struct pl_known_row *pl_known_match(struct pl_known *k, const char *file, unsigned long frame,
				    const char *column, const char *ours, const char *tshark)
{
	struct pl_known_row *r = find(k, file, frame, column, ours, tshark);

	if (r)
		r->hits++;
	return r;
}

void pl_known_free(struct pl_known *k)
{
	for (size_t i = 0; i < k->n; i++) {
		free(k->rows[i].file);
		free(k->rows[i].column);
		free(k->rows[i].ours);
		free(k->rows[i].tshark);
		free(k->rows[i].reason);
	}
	free(k->rows);
	free(k->path);
	memset(k, 0, sizeof(*k));
}
