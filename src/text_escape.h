/* SPDX-License-Identifier: BSD-3-Clause */
/* text_escape.h - text from the network made safe for a record or a terminal.
 *
 * Names, hosts, paths and the like come from strangers: any bytes at all.
 * Two uses, one rule set, each byte that is not let through becomes the
 * four characters `\xNN` (lowercase hex, as Zeek writes them):
 *
 *  PL_ESC_JSON  for a JSON string. Valid UTF-8 passes through unchanged
 *               (json-c then escapes quotes, backslashes and C0 controls,
 *               NUL included, as JSON requires); every byte of invalid
 *               UTF-8 (a stray continuation byte, an overlong form, a
 *               surrogate, a code point above U+10FFFF, a sequence cut
 *               short) becomes `\xNN`, so the record is valid UTF-8. The
 *               JSON writer escapes that backslash: the line holds "\\xNN".
 *  PL_ESC_TERM  for a terminal or the journal: as above, and also every C0
 *               control (NUL to 0x1f: ESC, CR, LF, BEL ...), DEL, the C1
 *               controls U+0080-U+009F, the bidi overrides and isolates
 *               U+202A-U+202E and U+2066-U+2069, and the backslash itself
 *               (so every `\x` on a terminal is one of ours), each byte
 *               as `\xNN`. What comes out is printable and one line.
 */
#ifndef PL_TEXT_ESCAPE_H
#define PL_TEXT_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

enum pl_esc_mode { PL_ESC_JSON, PL_ESC_TERM };

/* The most bytes the escape of n bytes takes: 4 per byte, and the NUL. */
#define PL_ESC_SIZE(n) ((n) * 4 + 1)

/* How many of the n bytes at s pass through unchanged in `mode`: n when
 * nothing needs escaping (then a caller can use s as it is). */
size_t pl_esc_clean_len(const char *s, size_t n, enum pl_esc_mode mode);

/* Escape n bytes of s into out (room for outlen bytes, NUL included): as
 * much as fits, never half an escape or half a character. Returns the
 * length written (without the NUL; in PL_ESC_JSON a NUL of the input is
 * kept, so use the length, not strlen). */
size_t pl_esc(char *out, size_t outlen, const char *s, size_t n, enum pl_esc_mode mode);

/* Write the PL_ESC_TERM escape of n bytes of s to f. */
void pl_esc_fput(FILE *f, const char *s, size_t n);

#endif
