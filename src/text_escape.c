/* SPDX-License-Identifier: BSD-3-Clause */
/* text_escape.c - see text_escape.h. UTF-8 as Unicode's Table 3-7 gives
 * the well-formed byte sequences: anything else is escaped byte by byte,
 * and decoding starts again at the next byte. */
#include "text_escape.h"

#include <stdint.h>

/* Length of the well-formed UTF-8 character at s (n bytes left), with its
 * code point in *cp; 0 when the byte at s does not start one. */
static size_t utf8_char(const uint8_t *s, size_t n, uint32_t *cp)
{
	uint8_t b = s[0], lo = 0x80, hi = 0xbf;
	size_t len, i;
	uint32_t c;

	if (b < 0x80) {
		*cp = b;
		return 1;
	}
	if (b >= 0xc2 && b <= 0xdf) {
		len = 2;
		c = b & 0x1f;
	} else if (b >= 0xe0 && b <= 0xef) {
		len = 3;
		c = b & 0x0f;
		if (b == 0xe0)
			lo = 0xa0;      /* below: overlong */
		else if (b == 0xed)
			hi = 0x9f;      /* above: surrogates U+D800-U+DFFF */
	} else if (b >= 0xf0 && b <= 0xf4) {
		len = 4;
		c = b & 0x07;
		if (b == 0xf0)
			lo = 0x90;      /* below: overlong */
		else if (b == 0xf4)
			hi = 0x8f;      /* above: past U+10FFFF */
	} else {
		return 0;               /* continuation byte, C0/C1 overlong, F5-FF */
	}
	if (n < len)
		return 0;               /* cut short by the end of the text */
	for (i = 1; i < len; i++) {
		uint8_t t = s[i];

		if (t < (i == 1 ? lo : 0x80) || t > (i == 1 ? hi : 0xbf))
			return 0;
		c = c << 6 | (t & 0x3f);
	}
	*cp = c;
	return len;
}

/* Whether a well-formed character is still escaped on a terminal. */
static int term_unsafe(uint32_t c)
{
	return c < 0x20 || c == 0x7f || c == '\\' ||
	       (c >= 0x80 && c <= 0x9f) ||            /* C1: CSI, OSC, NEL ... */
	       (c >= 0x202a && c <= 0x202e) ||        /* LRE RLE PDF LRO RLO */
	       (c >= 0x2066 && c <= 0x2069);          /* LRI RLI FSI PDI */
}

/* The length of the next run at s: > 0 passes through, < 0 is that many
 * bytes to escape (one for invalid UTF-8, the whole character for one that
 * is valid but not wanted on a terminal). */
static long next_run(const uint8_t *s, size_t n, enum pl_esc_mode mode)
{
	uint32_t c;
	size_t len = utf8_char(s, n, &c);

	if (!len)
		return -1;
	if (mode == PL_ESC_TERM && term_unsafe(c))
		return -(long)len;
	return (long)len;
}

size_t pl_esc_clean_len(const char *s, size_t n, enum pl_esc_mode mode)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t i = 0;
	long r;

	while (i < n) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\') {
			i++;            /* ASCII text: the common case, no decoding */
			continue;
		}
		r = next_run(p + i, n - i, mode);
		if (r < 0)
			break;
		i += (size_t)r;
	}
	return i;
}

size_t pl_esc(char *out, size_t outlen, const char *s, size_t n, enum pl_esc_mode mode)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *p = (const uint8_t *)s;
	size_t i = 0, o = 0, k;
	long r;

	if (!outlen)
		return 0;
	while (i < n) {
		r = next_run(p + i, n - i, mode);
		if (r > 0) {
			if (o + (size_t)r >= outlen)
				break;
			for (k = 0; k < (size_t)r; k++)
				out[o++] = (char)p[i++];
			continue;
		}
		if (o + 4 * (size_t)-r >= outlen)
			break;
		for (k = 0; k < (size_t)-r; k++, i++) {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[p[i] >> 4];
			out[o++] = hex[p[i] & 15];
		}
	}
	out[o] = 0;
	return o;
}

void pl_esc_fput(FILE *f, const char *s, size_t n)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t i = 0, clean;
	long r;

	while (i < n) {
		clean = pl_esc_clean_len(s + i, n - i, PL_ESC_TERM);
		fwrite(p + i, 1, clean, f);
		i += clean;
		if (i == n)
			break;
		for (r = next_run(p + i, n - i, PL_ESC_TERM); r < 0; r++)
			fprintf(f, "\\x%02x", p[i++]);
	}
}
