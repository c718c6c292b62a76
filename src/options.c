/* SPDX-License-Identifier: BSD-3-Clause */
/* options.c - one table of settings; command line and config file both go
 * through pl_options_set, so a value is checked the same way wherever it
 * comes from. The config file: `key = value` lines, `#` or `;` comments,
 * optionally under a [pktlens] section, read by pktlens' own line reader
 * (below). */
#include "options.h"
#include "textfile.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pl_options_defaults(struct pl_options *o)
{
	memset(o, 0, sizeof(*o));
	o->idle_timeout_ns = PL_DEFAULT_IDLE_S * 1000000000ull;
	o->active_timeout_ns = PL_DEFAULT_ACTIVE_S * 1000000000ull;
	o->tcp_close_ns = PL_DEFAULT_TCP_CLOSE_S * 1000000000ull;
	o->dns_idle_ns = PL_DEFAULT_DNS_IDLE_S * 1000000000ull;
	o->sweep_ns = PL_DEFAULT_SWEEP_MS * 1000000ull;
	o->frag_tracking = 1;
	o->frag_timeout_ns = PL_IPR_DEFAULT_TIMEOUT_S * 1000000000ull;
	o->frag_mem_bytes = (uint64_t)PL_IPR_DEFAULT_MEM_KB << 10;
	o->frag_src_bytes = (uint64_t)PL_IPR_DEFAULT_SRC_KB << 10;
	pl_detect_cfg_defaults(&o->detect);
}

void pl_options_free(struct pl_options *o)
{
	while (o->nowned > 0)
		free(o->owned[--o->nowned]);
}

int pl_parse_u32(const char *what, const char *s, uint32_t min, uint32_t max,
		 uint32_t *out, char *err, size_t errlen)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < min || v > max) {
		snprintf(err, errlen, "bad value '%s' for %s: want a whole number from %u to %u",
			 s, what, min, max);
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

static int parse_secs(const char *what, const char *s, int allow_zero, uint64_t *ns,
		      char *err, size_t errlen)
{
	double v;
	char *end;

	errno = 0;
	v = strtod(s, &end);
	/* written so that NaN fails too; below a nanosecond counts as zero */
	if (errno || end == s || *end || !(v >= 0 && v <= 86400.0 * 365) ||
	    (!allow_zero && v * 1e9 < 1)) {
		snprintf(err, errlen, "bad value '%s' for %s: want seconds%s", s, what,
			 allow_zero ? " (0 turns it off)" : " above 0");
		return -1;
	}
	*ns = (uint64_t)(v * 1e9);
	return 0;
}

/* yes/no and its spellings; a flag given without a value (--egress) is yes. */
static int parse_bool(const char *what, const char *v, int *out, char *err, size_t errlen)
{
	if (!v || !strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "on") ||
	    !strcmp(v, "1"))
		*out = 1;
	else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "off") ||
		 !strcmp(v, "0"))
		*out = 0;
	else {
		snprintf(err, errlen, "bad value '%s' for %s: want yes or no", v, what);
		return -1;
	}
	return 0;
}

/* A memory bound of the IP reassembly: room for one datagram of the
 * largest size (64 KiB and its bookkeeping) at least. */
static int parse_kb(const char *what, const char *s, uint64_t *bytes, char *err,
		    size_t errlen)
{
	uint32_t kb;

	if (pl_parse_u32(what, s, 128, 1u << 22, &kb, err, errlen))
		return -1;
	*bytes = (uint64_t)kb << 10;
	return 0;
}

/* Text values outlive the line they came from. */
static const char *keep(struct pl_options *o, const char *v, char *err, size_t errlen)
{
	char *c;

	if (o->nowned == (int)(sizeof(o->owned) / sizeof(o->owned[0]))) {
		snprintf(err, errlen, "too many text settings");
		return NULL;
	}
	c = strdup(v);
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	o->owned[o->nowned++] = c;
	return c;
}

int pl_options_set(struct pl_options *o, const char *key, const char *v,
		   char *err, size_t errlen)
{
	uint32_t u;

	/* only the yes/no flags may be given bare (--egress): they mean yes */
	if (!v && strcmp(key, "egress") && strcmp(key, "fragment-tracking")) {
		snprintf(err, errlen, "'%s' needs a value", key);
		return -1;
	}
	if (!strcmp(key, "interface")) {
		if (o->n_ifaces == PL_MAX_IFACES) {
			snprintf(err, errlen, "too many interfaces (at most %d)", PL_MAX_IFACES);
			return -1;
		}
		if (!(v = keep(o, v, err, errlen)))
			return -1;
		o->ifaces[o->n_ifaces++] = v;
	} else if (!strcmp(key, "log-dir")) {
		if (!(o->log_dir = keep(o, v, err, errlen)))
			return -1;
	} else if (!strcmp(key, "rotate-mb")) {
		if (pl_parse_u32(key, v, 0, 1u << 20, &u, err, errlen))
			return -1;
		o->rotate_bytes = (uint64_t)u << 20;
	} else if (!strcmp(key, "idle-timeout")) {
		return parse_secs(key, v, 0, &o->idle_timeout_ns, err, errlen);
	} else if (!strcmp(key, "active-timeout")) {
		return parse_secs(key, v, 1, &o->active_timeout_ns, err, errlen);
	} else if (!strcmp(key, "tcp-close-delay")) {
		return parse_secs(key, v, 1, &o->tcp_close_ns, err, errlen);
	} else if (!strcmp(key, "dns-idle-timeout")) {
		return parse_secs(key, v, 1, &o->dns_idle_ns, err, errlen);
	} else if (!strcmp(key, "sweep-interval")) {
		return parse_secs(key, v, 0, &o->sweep_ns, err, errlen);
	} else if (!strcmp(key, "frag-timeout")) {
		return parse_secs(key, v, 0, &o->frag_timeout_ns, err, errlen);
	} else if (!strcmp(key, "frag-mem-kb")) {
		return parse_kb(key, v, &o->frag_mem_bytes, err, errlen);
	} else if (!strcmp(key, "frag-src-kb")) {
		return parse_kb(key, v, &o->frag_src_bytes, err, errlen);
	} else if (!strcmp(key, "flows")) {
		return pl_parse_u32(key, v, 1024, 1u << 26, &o->flows, err, errlen);
	} else if (!strcmp(key, "sources")) {
		return pl_parse_u32(key, v, 1024, 1u << 26, &o->sources, err, errlen);
	} else if (!strcmp(key, "ringbuf-mb")) {
		if (pl_parse_u32(key, v, 1, 1024, &u, err, errlen))
			return -1;
		if (u & (u - 1)) {
			snprintf(err, errlen, "bad value '%s' for ringbuf-mb: want a power of two", v);
			return -1;
		}
		o->ringbuf = u << 20;
	} else if (!strcmp(key, "mode")) {
		if (!strcmp(v, "auto"))
			o->mode = PL_MODE_AUTO;
		else if (!strcmp(v, "native"))
			o->mode = PL_MODE_NATIVE;
		else if (!strcmp(v, "generic"))
			o->mode = PL_MODE_GENERIC;
		else {
			snprintf(err, errlen, "bad value '%s' for mode: want auto, native or generic", v);
			return -1;
		}
	} else if (!strcmp(key, "pin")) {
		if (!(o->pin_dir = keep(o, v, err, errlen)))
			return -1;
	} else if (!strcmp(key, "egress")) {
		return parse_bool(key, v, &o->egress, err, errlen);
	} else if (!strcmp(key, "frag-table-size")) {
		return pl_parse_u32(key, v, 1024, 1u << 24, &o->frags, err, errlen);
	} else if (!strcmp(key, "fragment-tracking")) {
		return parse_bool(key, v, &o->frag_tracking, err, errlen);
	} else if (!strcmp(key, "egress-hook")) {
		if (!strcmp(v, "auto"))
			o->egress_hook = PL_EGRESS_AUTO;
		else if (!strcmp(v, "tcx"))
			o->egress_hook = PL_EGRESS_TCX;
		else if (!strcmp(v, "clsact"))
			o->egress_hook = PL_EGRESS_CLSACT;
		else {
			snprintf(err, errlen, "bad value '%s' for egress-hook: want auto, tcx or clsact", v);
			return -1;
		}
	} else if (!strcmp(key, "rules")) {
		if (!*v) {
			snprintf(err, errlen, "bad value '' for rules: want a rule file");
			return -1;
		}
		if (!(o->rules_file = keep(o, v, err, errlen)))
			return -1;
	} else if (!strcmp(key, "summary")) {
		return pl_parse_u32(key, v, 0, 3600, &o->summary_s, err, errlen);
	} else {
		int r = pl_detect_cfg_set(&o->detect, key, v, err, errlen);

		if (r == -2)
			snprintf(err, errlen, "unknown key '%s'", key);
		return r;
	}
	return 0;
}

int pl_options_set_flag(struct pl_options *o, const struct option *opts, int c,
			const char *value, char *err, size_t errlen)
{
	for (; opts->name; opts++)
		if (opts->val == c)
			return pl_options_set(o, opts->name, value, err, errlen);
	snprintf(err, errlen, "unhandled option");
	return -1;
}

/* The option, of opts, named by the text from name up to '=' or its end. */
static const struct option *long_named(const struct option *opts, const char *name)
{
	size_t n = strcspn(name, "=");

	for (; opts->name; opts++)
		if (strlen(opts->name) == n && !strncmp(opts->name, name, n))
			return opts;
	return NULL;
}

/* Whether short option c is in shortopts and takes a value. */
static int short_takes_value(const char *shortopts, char c)
{
	const char *p = c && c != ':' ? strchr(shortopts, c) : NULL;

	return p && p[1] == ':';
}

int pl_options_dashes(int argc, char **argv, const char *shortopts,
		      const struct option *opts, char *err, size_t errlen)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const struct option *o;

		if (!strcmp(a, "--"))
			break;
		if (!strncmp(a, "--", 2)) {
			o = long_named(opts, a + 2);
			if (o && o->has_arg == required_argument && !strchr(a, '='))
				i++;            /* its value, whatever it looks like */
			continue;
		}
		if (a[0] != '-' || !a[1])
			continue;       /* an operand, or "-" (standard input) */
		if (!a[2]) {
			if (short_takes_value(shortopts, a[1]))
				i++;
			continue;
		}
		/* "-word": getopt reads single letters, so `-idle-timeout` would be
		 * -i with the value "dle-timeout" and `-flows` an unknown -f */
		o = long_named(opts, a + 1);
		if (o) {
			snprintf(err, errlen, "unknown option '%.64s': long options take two dashes (--%s)",
				 a, o->name);
			return -1;
		}
		if (!short_takes_value(shortopts, a[1])) {
			snprintf(err, errlen, "unknown option '%.64s'", a);
			return -1;
		}
		/* -iVALUE: a short option with its value attached */
	}
	return 0;
}

/* ---- the config file ----------------------------------------------------
 * Read with pktlens' own line reader (textfile.h: a regular file, at most
 * PL_CONFIG_MAX_BYTES, lines of at most PL_TEXT_LINE_MAX characters, no
 * NUL), then line by line, docs/config.md's format:
 *
 *   - blank lines and comment lines (`#` or `;` first, blanks before it
 *     allowed);
 *   - `[pktlens]` (a section of any other name is an error; blanks or a
 *     comment may follow the `]`);
 *   - `key = value`, starting at the first column: an indented setting is
 *     an error (INI readers would join it to the value above). A key with
 *     a ':' is not a key (INI readers split `key: value` there).
 *   - in a value, a `#` or `;` after a blank starts a comment; elsewhere
 *     (`a#b`) it is part of the value, and `\#`, `\;` write one anywhere.
 *     Trailing blanks are not part of a value.
 *
 * The first error stops the load, with the file and its line. */

static int blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* The value in place: escapes undone, comment and trailing blanks cut. */
static void config_value(char *v)
{
	char *r = v, *w = v;

	for (; *r; r++) {
		if (r[0] == '\\' && (r[1] == '#' || r[1] == ';')) {
			*w++ = *++r;
			continue;
		}
		if ((*r == '#' || *r == ';') && blank(r[-1]))   /* r[-1]: the line holds "k=" before v */
			break;
		*w++ = *r;
	}
	while (w > v && blank(w[-1]))
		w--;
	*w = 0;
}

static int config_line(struct pl_options *o, char *p, char *msg, size_t msglen)
{
	char *start = p, *eq, *k, *e;

	while (blank(*p))
		p++;
	if (!*p || *p == '#' || *p == ';')
		return 0;
	if (p != start) {
		snprintf(msg, msglen, "indented line: continuation lines are not supported");
		return -1;
	}
	if (*p == '[') {
		e = strchr(p, ']');
		if (e) {
			char *after = e + 1;

			while (blank(*after))
				after++;
			if (*after && *after != '#' && *after != ';')
				e = NULL;
		}
		if (!e) {
			snprintf(msg, msglen, "not a `[section]` line");
			return -1;
		}
		*e = 0;
		if (strcmp(p + 1, "pktlens")) {
			snprintf(msg, msglen, "unknown section [%.64s] (use [pktlens] or none)", p + 1);
			return -1;
		}
		return 0;
	}
	eq = strchr(p, '=');
	if (!eq || eq == p || memchr(p, ':', (size_t)(eq - p))) {
		snprintf(msg, msglen, "not a `key = value` line");
		return -1;
	}
	*eq = 0;
	k = p;
	for (e = eq; e > k && blank(e[-1]); e--)
		e[-1] = 0;
	p = eq + 1;
	while (blank(*p))
		p++;
	config_value(p);
	return pl_options_set(o, k, p, msg, msglen) ? -1 : 0;
}

static int config_parse(struct pl_options *o, struct pl_text *t, char *err, size_t errlen)
{
	char msg[512], *line;
	size_t n;
	int r;

	while ((r = pl_text_next(t, &line, &n, err, errlen)) == 1) {
		if (t->line == 1 && !strncmp(line, "\xef\xbb\xbf", 3))
			line += 3;      /* a UTF-8 byte order mark */
		if (config_line(o, line, msg, sizeof(msg))) {
			snprintf(err, errlen, "%s:%u: %s", t->name, t->line, msg);
			return -1;
		}
	}
	return r;
}

int pl_options_load(struct pl_options *o, const char *path, char *err, size_t errlen)
{
	struct pl_text t;
	int r;

	err[0] = 0;
	if (pl_text_read(&t, path, 0, PL_CONFIG_MAX_BYTES, err, errlen))
		return -1;
	r = config_parse(o, &t, err, errlen);
	pl_text_free(&t);
	return r;
}

int pl_options_fload(struct pl_options *o, FILE *f, const char *name, char *err,
		     size_t errlen)
{
	struct pl_text t;
	int r;

	err[0] = 0;
	rewind(f);
	if (pl_text_fread(&t, f, name, PL_CONFIG_MAX_BYTES, err, errlen))
		return -1;
	r = config_parse(o, &t, err, errlen);
	pl_text_free(&t);
	return r;
}
