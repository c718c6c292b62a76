/* SPDX-License-Identifier: BSD-3-Clause */
/* sink.c - JSON-lines output, one stream or one file per record kind. A
 * rotated file is renamed KIND.N.log (N counting up), so nothing is lost;
 * a new run appends to KIND.log and numbers on from the files it finds.
 * Files are written in whole lines (sink.h): a full disk leaves no half
 * record for a reader to choke on, and every record it cost is counted. */
#include "sink.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safe_file.h"

int pl_sink_open(struct pl_sink *s, const char *dir, uint64_t rotate_bytes,
		 char *err, size_t errlen)
{
	int i;

	memset(s, 0, sizeof(*s));
	s->dirfd = -1;
	for (i = 0; i < PL_SINK_KINDS; i++)
		s->kind[i].fd = -1;
	s->opened = 1;
	s->dir = dir;
	s->rotate_bytes = rotate_bytes;
	if (!dir)
		return 0;
	s->dirfd = pl_safe_dir(dir, PL_LOG_DIR_MODE, "log folder", err, errlen);
	if (s->dirfd < 0)
		return -1;
	/* a read-only or full folder is an error now, not records lost later */
	if (pl_safe_writable(s->dirfd, dir, "log folder", err, errlen)) {
		close(s->dirfd);
		s->dirfd = -1;
		return -1;
	}
	return 0;
}

static int kind_slot(struct pl_sink *s, const char *kind)
{
	char name[64];
	int i;

	for (i = 0; i < s->nkinds; i++)
		if (!strcmp(s->kind[i].name, kind))
			return i;
	if (s->nkinds == PL_SINK_KINDS || strlen(kind) >= sizeof(s->kind[i].name))
		return -1;
	snprintf(s->kind[i].name, sizeof(s->kind[i].name), "%s", kind);
	s->nkinds++;
	if (s->dirfd >= 0) {            /* rotated files of an earlier run stay */
		for (;;) {
			snprintf(name, sizeof(name), "%s.%u.log", kind, s->kind[i].rotations + 1);
			if (faccessat(s->dirfd, name, F_OK, AT_SYMLINK_NOFOLLOW))
				break;
			s->kind[i].rotations++;
		}
	}
	return i;
}

static uint64_t count_lines(const char *p, size_t n)
{
	uint64_t c = 0;
	const char *e = p + n;

	while (p < e && (p = memchr(p, '\n', (size_t)(e - p)))) {
		c++;
		p++;
	}
	return c;
}

/* Records of kind i are lost: count them, and say so once per episode
 * (from the first loss to the next write of that kind that works). */
static void lose(struct pl_sink *s, int i, uint64_t n, const char *why)
{
	if (!n)
		return;
	s->lost += n;
	s->kind[i].lost += n;
	s->error = 1;
	if (s->kind[i].failing)
		return;
	s->kind[i].failing = 1;
	s->kind[i].lost_reported = s->kind[i].lost - n;
	fprintf(stderr, "pktlens: %s: %s records are being lost (counted; said again when writing works)\n",
		why, s->kind[i].name);
}

static void recovered(struct pl_sink *s, int i)
{
	if (!s->kind[i].failing)
		return;
	s->kind[i].failing = 0;
	fprintf(stderr, "pktlens: writing %s records to %s works again; %llu were lost meanwhile\n",
		s->kind[i].name, s->dir ? s->dir : "stdout",
		(unsigned long long)(s->kind[i].lost - s->kind[i].lost_reported));
}

/* Writes kind i's buffer. Whatever does not make it is cut back to the
 * last whole line, and the records it held are counted lost. */
static void flush_kind(struct pl_sink *s, int i)
{
	char why[4600];
	size_t done = 0, keep;
	struct stat st;
	ssize_t n = 0;
	int e = 0;

	if (!s->kind[i].len)
		return;
	if (s->kind[i].fd < 0) {
		s->kind[i].len = 0;
		return;                 /* counted when the open failed */
	}
	if (fstat(s->kind[i].fd, &st))
		st.st_size = -1;
	while (done < s->kind[i].len) {
		n = write(s->kind[i].fd, s->kind[i].buf + done, s->kind[i].len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			e = n < 0 ? errno : ENOSPC;
			break;
		}
		done += (size_t)n;
	}
	if (done == s->kind[i].len) {
		s->kind[i].len = 0;
		recovered(s, i);
		return;
	}
	/* what was written up to the last newline stays; the rest goes */
	for (keep = done; keep && s->kind[i].buf[keep - 1] != '\n'; keep--)
		;
	if (keep < done && st.st_size >= 0)
		if (ftruncate(s->kind[i].fd, st.st_size + (off_t)keep))
			e = errno;      /* reported below: the cut failed too */
	s->kind[i].written -= s->kind[i].len - keep;
	snprintf(why, sizeof(why), "cannot write %s/%s.log: %s", s->dir, s->kind[i].name,
		 strerror(e));
	lose(s, i, count_lines(s->kind[i].buf + keep, s->kind[i].len - keep), why);
	s->kind[i].len = 0;
}

static void close_kind(struct pl_sink *s, int i)
{
	flush_kind(s, i);
	if (s->kind[i].fd >= 0)
		close(s->kind[i].fd);
	s->kind[i].fd = -1;
}

/* Kind i's file, rotated if it is due; -1 with WHY if it cannot be opened. */
static int kind_file(struct pl_sink *s, int i, char *why, size_t whylen)
{
	char path[64], old[64];
	struct stat st;

	if (s->kind[i].fd >= 0 && s->rotate_bytes && s->kind[i].written >= s->rotate_bytes) {
		close_kind(s, i);
		snprintf(old, sizeof(old), "%s.log", s->kind[i].name);
		snprintf(path, sizeof(path), "%s.%u.log", s->kind[i].name,
			 ++s->kind[i].rotations);
		if (renameat(s->dirfd, old, s->dirfd, path))
			fprintf(stderr, "pktlens: cannot rotate %s/%s: %s\n", s->dir, old,
				strerror(errno));
		s->kind[i].written = 0;
	}
	if (s->kind[i].fd < 0) {
		snprintf(path, sizeof(path), "%s.log", s->kind[i].name);
		s->kind[i].fd = pl_safe_open(s->dirfd, s->dir, path,
					     O_WRONLY | O_APPEND | O_CREAT, PL_LOG_FILE_MODE,
					     why, whylen);
		if (s->kind[i].fd < 0)
			return -1;
		/* appending: rotation counts what is there */
		s->kind[i].written = fstat(s->kind[i].fd, &st) ? 0 : (uint64_t)st.st_size;
	}
	if (!s->kind[i].buf) {
		s->kind[i].buf = malloc(PL_SINK_BUF);
		s->kind[i].cap = s->kind[i].buf ? PL_SINK_BUF : 0;
	}
	return s->kind[i].fd;
}

/* One line of kind i into its buffer, written when the buffer is full. */
static int put_line(struct pl_sink *s, int i, const char *line, size_t n)
{
	char why[4600];

	if (s->dirfd < 0) {
		if (fwrite(line, 1, n, stdout) != n || fputc('\n', stdout) == EOF) {
			lose(s, i, 1, strerror(errno));
			return -1;
		}
		return 0;
	}
	if (kind_file(s, i, why, sizeof(why)) < 0) {
		lose(s, i, 1, why);
		return -1;
	}
	if (s->kind[i].len + n + 1 > s->kind[i].cap)
		flush_kind(s, i);
	if (n + 1 > s->kind[i].cap) {   /* a record larger than the buffer */
		char *nb = realloc(s->kind[i].buf, n + 1);

		if (!nb) {
			lose(s, i, 1, "out of memory");
			return -1;
		}
		s->kind[i].buf = nb;
		s->kind[i].cap = n + 1;
	}
	memcpy(s->kind[i].buf + s->kind[i].len, line, n);
	s->kind[i].buf[s->kind[i].len + n] = '\n';
	s->kind[i].len += n + 1;
	s->kind[i].written += n + 1;
	return 0;
}

int pl_sink_write(struct pl_sink *s, const char *kind, struct json_object *rec)
{
	int i = kind_slot(s, kind), r;
	const char *line;

	if (i < 0) {
		json_object_put(rec);
		return -1;
	}
	if (!json_object_object_get_ex(rec, "_path", NULL))
		json_object_object_add(rec, "_path", json_object_new_string(kind));
	line = json_object_to_json_string_ext(rec, JSON_C_TO_STRING_PLAIN |
						   JSON_C_TO_STRING_NOSLASHESCAPE);
	r = put_line(s, i, line, strlen(line));
	json_object_put(rec);
	if (r)
		return -1;
	s->records[i]++;
	return 0;
}

void pl_sink_flush(struct pl_sink *s)
{
	int i;

	if (s->dirfd < 0) {
		if (fflush(stdout) && !s->failing) {
			s->error = 1;
			s->failing = 1;
			fprintf(stderr, "pktlens: writing records to stdout failed: %s\n",
				strerror(errno));
		}
		return;
	}
	for (i = 0; i < s->nkinds; i++)
		flush_kind(s, i);
}

void pl_sink_reopen(struct pl_sink *s)
{
	int i;

	for (i = 0; i < s->nkinds; i++)
		close_kind(s, i);
}

void pl_sink_print_lost(const struct pl_sink *s, FILE *o, const char *who)
{
	if (s->lost)
		fprintf(o, "%s: records lost to write errors: %llu (not in the logs)\n", who,
			(unsigned long long)s->lost);
}

void pl_sink_close(struct pl_sink *s)
{
	int i;

	if (!s->opened)
		return;
	pl_sink_flush(s);
	for (i = 0; i < s->nkinds; i++) {
		if (s->kind[i].fd >= 0)
			close(s->kind[i].fd);
		free(s->kind[i].buf);
	}
	if (s->dirfd >= 0)
		close(s->dirfd);
	memset(s, 0, sizeof(*s));
}
