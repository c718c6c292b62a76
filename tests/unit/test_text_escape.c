/* SPDX-License-Identifier: BSD-3-Clause */
/* test_text_escape.c - the escaping of text from the network
 * (src/text_escape.c) for records and for terminals: each class of byte,
 * the boundaries of each class, cut output buffers, and a record written
 * through json-c (src/records.c) as the sink writes it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "records.h"
#include "text_escape.h"

#define J PL_ESC_JSON
#define T PL_ESC_TERM

/* in (n bytes) escaped in mode must give want; and clean_len must say
 * whether anything was escaped. */
static void esc_is(const char *in, size_t n, enum pl_esc_mode mode, const char *want,
		   size_t want_len)
{
	char out[256];
	size_t len;

	assert_true(n * 4 < sizeof(out));
	memset(out, 'X', sizeof(out));
	len = pl_esc(out, sizeof(out), in, n, mode);
	if (len != want_len || memcmp(out, want, want_len) || out[len])
		fail_msg("%s escape of %zu bytes: got '%.*s' (%zu), want '%.*s' (%zu)",
			 mode == J ? "json" : "term", n, (int)len, out, len, (int)want_len,
			 want, want_len);
	/* clean exactly when the escape is the input itself */
	if ((pl_esc_clean_len(in, n, mode) == n) != (len == n && !memcmp(out, in, n)))
		fail_msg("clean_len %zu of %zu disagrees with the escape", pl_esc_clean_len(in, n, mode),
			 n);
}

/* Literal C strings: S(x) gives the bytes and their count (no final NUL). */
#define S(x) x, sizeof(x) - 1
#define SAME(x, mode) esc_is(S(x), mode, S(x))

static void test_ascii(void **st)
{
	(void)st;
	SAME("www.example.com", J);
	SAME("www.example.com", T);
	SAME("GET /a?b=c&d=\"e\" HTTP/1.1", T);
	SAME("", J);
	SAME("~", T);                   /* 0x7e: the last printable ASCII */
	SAME(" ", T);                   /* 0x20: the first */
	/* the backslash: itself in a record (json-c escapes it), \x5c on a terminal */
	SAME("a\\b", J);
	esc_is(S("a\\b"), T, S("a\\x5cb"));
}

/* C0 controls and DEL: through in a record (json-c writes them as \u00NN),
 * never raw on a terminal. */
static void test_controls(void **st)
{
	(void)st;
	SAME("\x1b[2J", J);
	esc_is(S("\x1b[2J"), T, S("\\x1b[2J"));
	esc_is(S("\x1b]0;title\x07"), T, S("\\x1b]0;title\\x07"));
	esc_is(S("a.com\r\nFORGED: line"), T, S("a.com\\x0d\\x0aFORGED: line"));
	esc_is(S("\t\x1f\x7f"), T, S("\\x09\\x1f\\x7f"));
	SAME("\x7f", J);
	/* an embedded NUL: kept in a record, \x00 on a terminal */
	esc_is("a\0b", 3, J, "a\0b", 3);
	esc_is("a\0b", 3, T, S("a\\x00b"));
}

/* Valid UTF-8 at every boundary of the sequence lengths and around the
 * surrogates: through unchanged in a record. */
static void test_utf8_valid(void **st)
{
	(void)st;
	SAME("\x7f", J);                        /* U+007F */
	SAME("\xc2\x80", J);                    /* U+0080 */
	SAME("\xc2\x9f", J);                    /* U+009F */
	SAME("\xc2\xa0", J);                    /* U+00A0 */
	SAME("caf\xc3\xa9.example", J);         /* é */
	SAME("\xdf\xbf", J);                    /* U+07FF: the last of two bytes */
	SAME("\xe0\xa0\x80", J);                /* U+0800: the first of three */
	SAME("\xed\x9f\xbf", J);                /* U+D7FF: before the surrogates */
	SAME("\xee\x80\x80", J);                /* U+E000: after them */
	SAME("\xef\xbf\xbf", J);                /* U+FFFF */
	SAME("\xf0\x90\x80\x80", J);            /* U+10000: the first of four */
	SAME("\xf4\x8f\xbf\xbf", J);            /* U+10FFFF: the last code point */
	SAME("xn--bcher-kva.\xe4\xbe\x8b\xe3\x81\x88", J);
	/* and on a terminal, printable characters likewise */
	SAME("\xc2\xa0\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xf4\x8f\xbf\xbf", T);
}

/* Invalid UTF-8: each byte as \xNN, in both modes, decoding again from the
 * next byte. */
static void test_utf8_invalid(void **st)
{
	int m;

	(void)st;
	for (m = J; m <= T; m++) {
		esc_is(S("\x80"), m, S("\\x80"));                       /* stray continuation */
		esc_is(S("a\xbf" "b"), m, S("a\\xbfb"));
		esc_is(S("\xc0\x80"), m, S("\\xc0\\x80"));              /* overlong NUL */
		esc_is(S("\xc1\xbf"), m, S("\\xc1\\xbf"));              /* overlong U+007F */
		esc_is(S("\xe0\x80\x80"), m, S("\\xe0\\x80\\x80"));     /* overlong, 3 bytes */
		esc_is(S("\xe0\x9f\xbf"), m, S("\\xe0\\x9f\\xbf"));     /* overlong U+07FF */
		esc_is(S("\xf0\x80\x80\x80"), m, S("\\xf0\\x80\\x80\\x80"));
		esc_is(S("\xf0\x8f\xbf\xbf"), m, S("\\xf0\\x8f\\xbf\\xbf"));   /* overlong U+FFFF */
		esc_is(S("\xed\xa0\x80"), m, S("\\xed\\xa0\\x80"));     /* U+D800 */
		esc_is(S("\xed\xbf\xbf"), m, S("\\xed\\xbf\\xbf"));     /* U+DFFF */
		esc_is(S("\xf4\x90\x80\x80"), m, S("\\xf4\\x90\\x80\\x80"));   /* U+110000 */
		esc_is(S("\xf5\x80\x80\x80"), m, S("\\xf5\\x80\\x80\\x80"));
		esc_is(S("\xfe\xff"), m, S("\\xfe\\xff"));
		/* cut short by the end of the text, and by a byte that does not continue */
		esc_is(S("a\xc3"), m, S("a\\xc3"));
		esc_is(S("a\xe2\x82"), m, S("a\\xe2\\x82"));
		esc_is(S("a\xf0\x9f\x98"), m, S("a\\xf0\\x9f\\x98"));
		esc_is(S("\xe2\x82" "A\xc3\xa9"), m, S("\\xe2\\x82" "A\xc3\xa9"));
		/* a valid character right after an invalid byte survives */
		esc_is(S("\xff\xe2\x82\xac"), m, S("\\xff\xe2\x82\xac"));
	}
}

/* On a terminal: C1 controls (U+0080-U+009F) and the bidi overrides and
 * isolates, each byte; their neighbours pass. */
static void test_term_unicode(void **st)
{
	(void)st;
	esc_is(S("\xc2\x80"), T, S("\\xc2\\x80"));              /* U+0080 */
	esc_is(S("\xc2\x9b" "2J"), T, S("\\xc2\\x9b" "2J"));   /* U+009B: CSI */
	esc_is(S("\xc2\x9f"), T, S("\\xc2\\x9f"));              /* U+009F */
	SAME("\xc2\xa0", T);                                    /* U+00A0 */
	SAME("\xe2\x80\xa9", T);                                /* U+2029 */
	esc_is(S("\xe2\x80\xaa"), T, S("\\xe2\\x80\\xaa"));     /* U+202A LRE */
	esc_is(S("\xe2\x80\xae"), T, S("\\xe2\\x80\\xae"));     /* U+202E RLO */
	SAME("\xe2\x80\xaf", T);                                /* U+202F */
	SAME("\xe2\x81\xa5", T);                                /* U+2065 */
	esc_is(S("\xe2\x81\xa6"), T, S("\\xe2\\x81\\xa6"));     /* U+2066 LRI */
	esc_is(S("\xe2\x81\xa9"), T, S("\\xe2\\x81\\xa9"));     /* U+2069 PDI */
	SAME("\xe2\x81\xaa", T);                                /* U+206A */
	/* all of them are valid UTF-8: a record keeps them */
	SAME("\xc2\x9b\xe2\x80\xae\xe2\x81\xa6", J);
}

/* A small buffer: as much as fits, never half an escape or character. */
static void test_cut(void **st)
{
	char out[8];

	(void)st;
	memset(out, 'X', sizeof(out));
	assert_int_equal(pl_esc(out, 0, "abc", 3, T), 0);
	assert_int_equal(out[0], 'X');
	assert_int_equal(pl_esc(out, 1, "abc", 3, T), 0);
	assert_string_equal(out, "");
	assert_int_equal(pl_esc(out, 6, "ab\x1b" "c", 4, T), 2);      /* \x1b does not fit */
	assert_string_equal(out, "ab");
	assert_int_equal(pl_esc(out, 7, "ab\x1b" "c", 4, T), 6);
	assert_string_equal(out, "ab\\x1b");
	assert_int_equal(pl_esc(out, 4, "a\xe2\x82\xac", 4, J), 1);   /* € does not fit */
	assert_string_equal(out, "a");
	assert_int_equal(pl_esc(out, 5, "a\xe2\x82\xac", 4, J), 4);
	assert_memory_equal(out, "a\xe2\x82\xac", 5);
	/* the worst case fits PL_ESC_SIZE */
	{
		char big[PL_ESC_SIZE(3)];

		assert_int_equal(pl_esc(big, sizeof(big), "\xff\xfe\xfd", 3, J), 12);
		assert_string_equal(big, "\\xff\\xfe\\xfd");
	}
}

/* pl_esc_fput: the same text as pl_esc, also for a long name whose
 * characters straddle any piece boundary. */
static void test_fput(void **st)
{
	char in[600], want[PL_ESC_SIZE(sizeof(in))], *got = NULL;
	size_t n = 0, wl, gl = 0;
	FILE *f;
	int i;

	(void)st;
	for (i = 0; n + 8 < sizeof(in); i++) {
		static const char *parts[] = { "a", "\xe2\x82\xac", "\x1b[", "\xc2\x9b", "\xff",
					       "\xf0\x9f\x98\x80", "\r\n", "\xe2\x80\xae" };
		const char *p = parts[i % 8];

		memcpy(in + n, p, strlen(p));
		n += strlen(p);
	}
	wl = pl_esc(want, sizeof(want), in, n, T);
	f = open_memstream(&got, &gl);
	assert_non_null(f);
	pl_esc_fput(f, in, n);
	fclose(f);
	assert_int_equal(gl, wl);
	assert_memory_equal(got, want, wl);
	for (i = 0; i < (int)gl; i++)
		assert_true((unsigned char)got[i] >= 0x20 && got[i] != 0x7f);
	free(got);
}

/* A record as the sink writes it: clean text exactly as before, invalid
 * bytes as "\\xNN", controls as json-c writes them; the line valid UTF-8. */
static void rec_is(const char *in, size_t n, const char *want)
{
	struct json_object *o = json_object_new_object();
	const char *line;

	pl_rec_str(o, "query", in, n);
	line = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
	if (strcmp(line, want))
		fail_msg("record %s, want %s", line, want);
	assert_int_equal(pl_esc_clean_len(line, strlen(line), J), strlen(line));
	json_object_put(o);
}

static void test_record(void **st)
{
	(void)st;
	rec_is(S("www.example.com"), "{\"query\":\"www.example.com\"}");
	rec_is(S("a\"b\\c/d"), "{\"query\":\"a\\\"b\\\\c/d\"}");
	rec_is("a\0b", 3, "{\"query\":\"a\\u0000b\"}");
	rec_is(S("\x1b[2J\r\n"), "{\"query\":\"\\u001b[2J\\r\\n\"}");
	rec_is(S("caf\xc3\xa9"), "{\"query\":\"caf\xc3\xa9\"}");
	rec_is(S("bad\xff\xc0\x80.com"), "{\"query\":\"bad\\\\xff\\\\xc0\\\\x80.com\"}");
	rec_is(S("cut\xe2\x82"), "{\"query\":\"cut\\\\xe2\\\\x82\"}");
	/* the NUL-terminated form (notice messages) does the same */
	{
		struct json_object *o = json_object_new_object();

		pl_rec_strz(o, "msg", "x\xed\xa0\x80y");
		assert_string_equal(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
				    "{\"msg\":\"x\\\\xed\\\\xa0\\\\x80y\"}");
		json_object_put(o);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ascii),
		cmocka_unit_test(test_controls),
		cmocka_unit_test(test_utf8_valid),
		cmocka_unit_test(test_utf8_invalid),
		cmocka_unit_test(test_term_unicode),
		cmocka_unit_test(test_cut),
		cmocka_unit_test(test_fput),
		cmocka_unit_test(test_record),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
