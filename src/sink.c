/* SPDX-License-Identifier: BSD-3-Clause */
/* sink.c - JSON-lines output, one stream or one file per record kind. A
 * rotated file is renamed KIND.N.log (N counting up), so nothing is lost;
 * a new run appends to KIND.log and numbers on from the files it finds. */
#include "sink.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int pl_sink_open(struct pl_sink *s, const char *dir, uint64_t rotate_bytes,
		 char *err, size_t errlen)
{
	struct stat st;

	memset(s, 0, sizeof(*s));
	s->dir = dir;
	s->rotate_bytes = rotate_bytes;
	if (!dir)
		return 0;
	if (mkdir(dir, 0755) && errno != EEXIST) {
		snprintf(err, errlen, "cannot create log folder %s: %s", dir, strerror(errno));
		return -1;
	}
	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s is not a folder", dir);
		return -1;
	}
	return 0;
}

static int kind_slot(struct pl_sink *s, const char *kind)
{
	int i;

	for (i = 0; i < s->nkinds; i++)
		if (!strcmp(s->kind[i].name, kind))
			return i;
	if (s->nkinds == PL_SINK_KINDS)
		return -1;
	snprintf(s->kind[i].name, sizeof(s->kind[i].name), "%s", kind);
	s->nkinds++;
	if (s->dir) {                   /* rotated files of an earlier run stay */
		char path[4096];

		for (;;) {
			snprintf(path, sizeof(path), "%s/%s.%u.log", s->dir, kind,
				 s->kind[i].rotations + 1);
			if (access(path, F_OK))
				break;
			s->kind[i].rotations++;
		}
	}
	return i;
}

static FILE *kind_file(struct pl_sink *s, int i)
{
	char path[4096], old[4096];

	if (!s->dir)
		return stdout;
	if (s->kind[i].f && s->rotate_bytes && s->kind[i].written >= s->rotate_bytes) {
		fclose(s->kind[i].f);
		s->kind[i].f = NULL;
		snprintf(old, sizeof(old), "%s/%s.log", s->dir, s->kind[i].name);
		snprintf(path, sizeof(path), "%s/%s.%u.log", s->dir, s->kind[i].name,
			 ++s->kind[i].rotations);
		if (rename(old, path))
			fprintf(stderr, "pktlens: cannot rotate %s: %s\n", old, strerror(errno));
		s->kind[i].written = 0;
	}
	if (!s->kind[i].f) {
		snprintf(path, sizeof(path), "%s/%s.log", s->dir, s->kind[i].name);
		s->kind[i].f = fopen(path, "a");
		if (!s->kind[i].f && !s->error) {
			fprintf(stderr, "pktlens: cannot write %s: %s\n", path, strerror(errno));
			s->error = 1;
		}
		if (s->kind[i].f)       /* appending: rotation counts what is there */
			s->kind[i].written = (uint64_t)ftell(s->kind[i].f);
	}
	return s->kind[i].f;
}

int pl_sink_write(struct pl_sink *s, const char *kind, struct json_object *rec)
{
	int i = kind_slot(s, kind);
	const char *line;
	FILE *f;
	int n;

	if (i < 0) {
		json_object_put(rec);
		return -1;
	}
	if (!json_object_object_get_ex(rec, "_path", NULL))
		json_object_object_add(rec, "_path", json_object_new_string(kind));
	line = json_object_to_json_string_ext(rec, JSON_C_TO_STRING_PLAIN |
						   JSON_C_TO_STRING_NOSLASHESCAPE);
	f = kind_file(s, i);
	n = f ? fprintf(f, "%s\n", line) : -1;
	json_object_put(rec);
	if (n < 0) {
		if (!s->error)
			fprintf(stderr, "pktlens: writing %s records failed: %s\n", kind,
				strerror(errno));
		s->error = 1;
		return -1;
	}
	s->kind[i].written += (uint64_t)n;
	s->records[i]++;
	return 0;
}

void pl_sink_flush(struct pl_sink *s)
{
	int i;

	fflush(stdout);
	for (i = 0; i < s->nkinds; i++)
		if (s->kind[i].f)
			fflush(s->kind[i].f);
}

void pl_sink_close(struct pl_sink *s)
{
	int i;

	pl_sink_flush(s);
	for (i = 0; i < s->nkinds; i++)
		if (s->kind[i].f)
			fclose(s->kind[i].f);
	memset(s, 0, sizeof(*s));
}
