/* SPDX-License-Identifier: BSD-3-Clause */
/* textfile.h - the one reader of the text files pktlens is told to read
 * (config files, rule files): a regular file (or standard input where a
 * command takes "-"), read whole up to a size cap, then handed out line by
 * line with real line numbers, each line checked against a length limit
 * and for NUL bytes. Whatever the caller makes of a line, the file has
 * already been read within bounds: /dev/zero, a FIFO or a folder never
 * reach a parser, and an error names FILE:LINE. */
#ifndef PL_TEXTFILE_H
#define PL_TEXTFILE_H

#include <stddef.h>
#include <stdio.h>

/* Longest line, newline not counted: far beyond any setting or rule, far
 * below what would make one line a memory problem. */
#define PL_TEXT_LINE_MAX 4096

struct pl_text {
	char *name;             /* for messages: the path, or "<stdin>" */
	char *buf;              /* the whole file, NUL-terminated (owned) */
	size_t len;
	size_t off;             /* where the next line starts */
	unsigned line;          /* number of the line last handed out */
};

/* Reads path whole: a regular file ("-": standard input, which may be a
 * pipe, when allow_stdin), at most max_bytes. Opening does not block (a
 * FIFO is refused, not waited on). 0, or -1 with err: "PATH: not a regular
 * file (a folder)", "PATH: larger than N bytes", "PATH: cannot open: ...". */
int pl_text_read(struct pl_text *t, const char *path, int allow_stdin, size_t max_bytes,
		 char *err, size_t errlen);
/* The same from an open stream (the caller's to close), e.g. a memory
 * stream in the fuzzers; name is for messages. */
int pl_text_fread(struct pl_text *t, FILE *f, const char *name, size_t max_bytes,
		  char *err, size_t errlen);
/* The same from memory (copied). */
int pl_text_mem(struct pl_text *t, const char *name, const char *text, size_t len,
		char *err, size_t errlen);
/* Next line, without its newline, NUL-terminated in place: 1 with *line
 * and *n set, 0 at the end, -1 with err "NAME:LINE: ..." for a NUL byte
 * or a line longer than PL_TEXT_LINE_MAX. t->line is its number. */
int pl_text_next(struct pl_text *t, char **line, size_t *n, char *err, size_t errlen);
void pl_text_free(struct pl_text *t);

#endif
