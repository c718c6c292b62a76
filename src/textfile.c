/* SPDX-License-Identifier: BSD-3-Clause */
/* textfile.c - config and rule files in: bounded, regular, line by line
 * (textfile.h says why). */
#include "textfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *kind(mode_t m)
{
	if (S_ISDIR(m))
		return "a folder";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a file";
}

/* Reads f to its end into t->buf, refusing more than max bytes: the cap
 * is checked while reading, so an endless stream stops at max + 1. */
int pl_text_fread(struct pl_text *t, FILE *f, const char *name, size_t max,
		  char *err, size_t errlen)
{
	size_t cap = 0;

	memset(t, 0, sizeof(*t));
	t->name = strdup(name);
	if (!t->name)
		goto oom;
	for (;;) {
		size_t n;

		if (t->len == cap) {
			size_t nc = cap ? cap * 2 : 4096;
			char *nb;

			if (nc > max + 1)
				nc = max + 1;
			if (nc <= cap) {        /* read max + 1 bytes: too large */
				snprintf(err, errlen, "%s: larger than %zu bytes", name, max);
				goto fail;
			}
			nb = realloc(t->buf, nc + 1);
			if (!nb)
				goto oom;
			t->buf = nb;
			cap = nc;
		}
		n = fread(t->buf + t->len, 1, cap - t->len, f);
		t->len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: cannot read: %s", name, strerror(errno ? errno : EIO));
		goto fail;
	}
	if (t->len > max) {
		snprintf(err, errlen, "%s: larger than %zu bytes", name, max);
		goto fail;
	}
	if (!t->buf && !(t->buf = malloc(1)))
		goto oom;
	t->buf[t->len] = 0;
	return 0;
oom:
	snprintf(err, errlen, "%s: out of memory", name);
fail:
	pl_text_free(t);
	return -1;
}

int pl_text_read(struct pl_text *t, const char *path, int allow_stdin, size_t max,
		 char *err, size_t errlen)
{
	struct stat st;
	FILE *f;
	int fd, r;

	memset(t, 0, sizeof(*t));
	if (allow_stdin && !strcmp(path, "-"))
		return pl_text_fread(t, stdin, "<stdin>", max, err, errlen);
	/* O_NONBLOCK: a FIFO must not hang us before fstat can refuse it */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st)) {
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file (%s)", path, kind(st.st_mode));
		close(fd);
		return -1;
	}
	if ((unsigned long long)st.st_size > max) {
		snprintf(err, errlen, "%s: larger than %zu bytes", path, max);
		close(fd);
		return -1;
	}
	if (fcntl(fd, F_SETFL, 0) || !(f = fdopen(fd, "r"))) {
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	r = pl_text_fread(t, f, path, max, err, errlen);   /* it may grow meanwhile */
	fclose(f);
	return r;
}

int pl_text_mem(struct pl_text *t, const char *name, const char *text, size_t len,
		char *err, size_t errlen)
{
	memset(t, 0, sizeof(*t));
	t->name = strdup(name);
	t->buf = malloc(len + 1);
	if (!t->name || !t->buf) {
		snprintf(err, errlen, "%s: out of memory", name);
		pl_text_free(t);
		return -1;
	}
	memcpy(t->buf, text, len);
	t->buf[len] = 0;
	t->len = len;
	return 0;
}

int pl_text_next(struct pl_text *t, char **line, size_t *n, char *err, size_t errlen)
{
	char *s, *nl;
	size_t len;

	if (t->off >= t->len)
		return 0;
	s = t->buf + t->off;
	nl = memchr(s, '\n', t->len - t->off);
	len = nl ? (size_t)(nl - s) : t->len - t->off;
	t->off += len + (nl ? 1 : 0);
	t->line++;
	if (memchr(s, 0, len)) {
		snprintf(err, errlen, "%s:%u: a NUL byte: not a text file", t->name, t->line);
		return -1;
	}
	if (len > PL_TEXT_LINE_MAX) {
		snprintf(err, errlen, "%s:%u: longer than %d characters", t->name, t->line,
			 PL_TEXT_LINE_MAX);
		return -1;
	}
	s[len] = 0;
	*line = s;
	*n = len;
	return 1;
}

void pl_text_free(struct pl_text *t)
{
	free(t->name);
	free(t->buf);
	memset(t, 0, sizeof(*t));
}
