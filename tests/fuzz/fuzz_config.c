/* SPDX-License-Identifier: BSD-3-Clause */
/* fuzz_config.c - libFuzzer over config files and single settings
 * (src/options.c on src/textfile.c, src/detect_cfg.c).
 *
 * The input is a config file, loaded by pl_options_fload from a memory
 * stream (pl_options_load is fopen + that). When the load succeeds, the
 * file is read again by a model of the documented format (docs/config.md:
 * `key = value` lines, `#` and `;` comment lines, `#` or `;` after a
 * blank starts a comment, `\#` and `\;` write one, an optional
 * [pktlens] section, lines of at most 4096 characters) and each setting
 * given to
 * pl_options_set: the two must agree on every option. A file that
 * pl_options_load accepts but that is not what the format says, or that
 * sets something else than its lines say, aborts.
 *
 * Then every line, split at its first '=' but not trimmed, goes to
 * pl_options_set as a single setting (as a command-line flag would), and
 * its key once more without a value (a flag given bare). */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

#define MAX_INPUT 8192

/* Documented format, line by line. Returns 0 and sets o, or -1 if the
 * file breaks the format or a setting is refused. */
static void rtrim(char *s)
{
	char *e = s + strlen(s);

	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static int model_load(struct pl_options *o, const char *text, size_t len)
{
	char err[512], line[MAX_INPUT + 1], val[MAX_INPUT + 1];
	size_t off = 0;
	int first = 1;

	while (off < len) {
		const char *nl = memchr(text + off, '\n', len - off);
		size_t n = nl ? (size_t)(nl - (text + off)) : len - off, i, w;
		char *start = line, *p, *e, *k;

		if (n > 4096)
			return -1;              /* the line limit */
		memcpy(line, text + off, n);
		line[n] = 0;
		off += n + (nl ? 1 : 0);
		if (memchr(line, 0, n))
			return -1;              /* not a text file */
		if (first && !strncmp(line, "\xef\xbb\xbf", 3))
			start += 3;             /* a UTF-8 byte order mark */
		first = 0;
		for (p = start; is_blank(*p); p++)
			;
		if (!*p || *p == '#' || *p == ';')
			continue;
		if (p != start)
			return -1;              /* indented: no continuation lines */
		if (*p == '[') {
			e = strchr(p, ']');
			if (!e)
				return -1;
			for (k = e + 1; is_blank(*k); k++)
				;
			if (*k && *k != '#' && *k != ';')
				return -1;      /* only a comment after the ']' */
			*e = 0;
			if (strcmp(p + 1, "pktlens"))
				return -1;      /* no other section */
			continue;
		}
		e = strchr(p, '=');
		if (!e || e == p || memchr(p, ':', (size_t)(e - p)))
			return -1;
		*e = 0;
		k = p;
		rtrim(k);
		/* the value: blanks skipped, escapes undone, up to a comment */
		for (p = e + 1; is_blank(*p); p++)
			;
		for (i = 0, w = 0; p[i]; i++) {
			if (p[i] == '\\' && (p[i + 1] == '#' || p[i + 1] == ';')) {
				val[w++] = p[++i];
				continue;
			}
			if ((p[i] == '#' || p[i] == ';') && is_blank(p[(ptrdiff_t)i - 1]))
				break;
			val[w++] = p[i];
		}
		while (w > 0 && is_blank(val[w - 1]))
			w--;
		val[w] = 0;
		if (pl_options_set(o, k, val, err, sizeof(err)))
			return -1;
	}
	return 0;
}

static int str_eq(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* Every option, the text ones by content. */
static int same_options(const struct pl_options *a, const struct pl_options *b)
{
	struct pl_options x = *a, y = *b;
	int i;

	if (a->n_ifaces != b->n_ifaces || !str_eq(a->log_dir, b->log_dir) ||
	    !str_eq(a->pin_dir, b->pin_dir) || !str_eq(a->rules_file, b->rules_file))
		return 0;
	for (i = 0; i < a->n_ifaces; i++)
		if (!str_eq(a->ifaces[i], b->ifaces[i]))
			return 0;
	memset(x.ifaces, 0, sizeof(x.ifaces));
	memset(y.ifaces, 0, sizeof(y.ifaces));
	x.log_dir = y.log_dir = x.pin_dir = y.pin_dir = x.rules_file = y.rules_file = NULL;
	memset(x.owned, 0, sizeof(x.owned));
	memset(y.owned, 0, sizeof(y.owned));
	x.nowned = y.nowned = 0;
	return !memcmp(&x, &y, sizeof(x));
}

static void set_check(struct pl_options *o, const char *k, const char *v)
{
	char err[512] = "";
	int r = pl_options_set(o, k, v, err, sizeof(err));

	if (r != 0 && r != -1 && r != -2)
		abort();
	if (r && !err[0])
		abort();                /* a refusal says why */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pl_options o, m;
	char err[512];
	char *text;
	size_t off;
	FILE *f;
	int r;

	if (size > MAX_INPUT)
		return 0;
	text = malloc(size + 1);
	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = 0;

	f = fmemopen(text, size, "r");
	if (!f)
		abort();
	pl_options_defaults(&o);
	r = pl_options_fload(&o, f, "fuzz.conf", err, sizeof(err));
	fclose(f);
	if (r && !err[0])
		abort();                /* a refusal says why */
	if (!r) {
		pl_options_defaults(&m);
		if (model_load(&m, text, size) || !same_options(&o, &m))
			abort();        /* accepted what the format does not say */
		pl_options_free(&m);
	}
	pl_options_free(&o);

	pl_options_defaults(&o);
	for (off = 0; off < size;) {
		char *nl = memchr(text + off, '\n', size - off), *line = text + off, *eq;

		if (nl)
			*nl = 0;
		off = nl ? (size_t)(nl - text) + 1 : size;
		eq = strchr(line, '=');
		if (eq) {
			*eq = 0;
			set_check(&o, line, eq + 1);
		}
		set_check(&o, line, NULL);
	}
	pl_options_free(&o);
	free(text);
	return 0;
}
