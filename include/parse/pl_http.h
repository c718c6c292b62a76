/* SPDX-License-Identifier: BSD-3-Clause */
/* pl_http.h - HTTP/1.x request line and Host header (RFC 9112 3, RFC 9110 7.2).
 *
 * A segment is a request when it starts with a known method token followed
 * by a space or the end of the line, wherever the port (tshark's port
 * tables decide differently; the method list is what keeps SMTP's "MAIL" or
 * IRC from passing as HTTP). The request target is the second token of the
 * line, cut at PL_HTTP_PATH_MAX - 1 bytes; Host is searched for in the next
 * PL_HTTP_HOST_SCAN bytes of this segment (after at most PL_HTTP_LINE_SCAN
 * bytes of request target). When the header block is not read to its end
 * there (PL_HTTP_HOST_WINDOW), the kernel sends the first segments to the
 * collector, whose second reading searches all the bytes it put together
 * (PL_HTTP_HOST_SCAN_MAX) — as far as a byte-per-turn loop would cost the
 * verifier ~20 instructions a byte, so the kernel's window stays short.
 *
 * Each loop carries nothing but its offset from one turn to the next, so the
 * verifier sees one state per turn.
 */
#ifndef PL_HTTP_H
#define PL_HTTP_H

#include "pl_cursor.h"

#define PL_HTTP_HOST_SCAN 512
#define PL_HTTP_HOST_SCAN_MAX 8192 /* the collector's: past all it reassembles */
#define PL_HTTP_LINE_SCAN 320   /* request line bytes looked at for its end */

#define PL_W3(a, b, c) ((__u64)(a) << 16 | (__u64)(b) << 8 | (c))
#define PL_W4(a, b, c, d) (PL_W3(a, b, c) << 8 | (d))
#define PL_W5(a, b, c, d, e) (PL_W4(a, b, c, d) << 8 | (e))
#define PL_W6(a, b, c, d, e, f) (PL_W5(a, b, c, d, e) << 8 | (f))
#define PL_W7(a, b, c, d, e, f, g) (PL_W6(a, b, c, d, e, f) << 8 | (g))
#define PL_W8(a, b, c, d, e, f, g, h) (PL_W7(a, b, c, d, e, f, g) << 8 | (h))

/* Methods of RFC 9110, PATCH (RFC 5789), WebDAV (RFC 4918) and CCM_POST
 * (as tshark knows it), packed big-endian into a word. */
PL_INLINE int pl_http_known_method(__u64 w)
{
	switch (w) {
	case PL_W3('G', 'E', 'T'):
	case PL_W3('P', 'U', 'T'):
	case PL_W4('P', 'O', 'S', 'T'):
	case PL_W4('H', 'E', 'A', 'D'):
	case PL_W4('C', 'O', 'P', 'Y'):
	case PL_W4('M', 'O', 'V', 'E'):
	case PL_W4('L', 'O', 'C', 'K'):
	case PL_W5('P', 'A', 'T', 'C', 'H'):
	case PL_W5('T', 'R', 'A', 'C', 'E'):
	case PL_W5('M', 'K', 'C', 'O', 'L'):
	case PL_W6('D', 'E', 'L', 'E', 'T', 'E'):
	case PL_W6('U', 'N', 'L', 'O', 'C', 'K'):
	case PL_W6('S', 'E', 'A', 'R', 'C', 'H'):
	case PL_W6('R', 'E', 'P', 'O', 'R', 'T'):
	case PL_W7('O', 'P', 'T', 'I', 'O', 'N', 'S'):
	case PL_W7('C', 'O', 'N', 'N', 'E', 'C', 'T'):
	case PL_W8('P', 'R', 'O', 'P', 'F', 'I', 'N', 'D'):
	case PL_W8('C', 'C', 'M', '_', 'P', 'O', 'S', 'T'):
		return 1;
	default:
		return 0;
	}
}

PL_INLINE int pl_http_host(const struct pl_pkt *pk, struct pl_meta *m, __u32 o,
			   __u32 end, __u32 scan)
{
	struct pl_http *h = &m->l7.http;
	__u32 i, n = 0;
	const __u8 *p;

	/* find "\nHost:" (any case) */
	for (i = 0; i < scan; i++, o++) {
		if (o + 6 > end || !(p = pl_at(pk, o, 6))) {
			h->flags |= PL_HTTP_HOST_WINDOW;        /* bytes ran out */
			return 0;
		}
		if (p[0] == '\n' && (p[1] | 0x20) == 'h' && (p[2] | 0x20) == 'o' &&
		    (p[3] | 0x20) == 's' && (p[4] | 0x20) == 't' && p[5] == ':')
			break;
		if (p[0] == '\n' && (p[1] == '\r' || p[1] == '\n'))
			return 0;       /* end of the header block */
	}
	if (i == scan) {
		h->flags |= PL_HTTP_HOST_WINDOW;                /* window ran out */
		return 0;
	}
	o += 6;
	for (i = 0; i < 16; i++, o++) { /* optional whitespace */
		p = pl_at(pk, o, 1);
		if (!p || o >= end || (p[0] != ' ' && p[0] != '\t'))
			break;
	}
	for (i = 0; i < PL_HTTP_HOST_MAX; i++, o++) {
		p = pl_at(pk, o, 1);
		if (!p || o >= end)
			return 0;       /* value runs on into the next segment */
		if (p[0] == '\r' || p[0] == '\n')
			break;
		if (n < PL_HTTP_HOST_MAX - 1)
			h->host[n++ & (PL_HTTP_HOST_MAX - 1)] = (char)p[0];
		else
			h->flags |= PL_HTTP_HOST_TRUNC;
	}
	/* trailing whitespace is not part of the value */
	while (n > 0 && n < PL_HTTP_HOST_MAX &&
	       (h->host[(n - 1) & (PL_HTTP_HOST_MAX - 1)] == ' ' ||
		h->host[(n - 1) & (PL_HTTP_HOST_MAX - 1)] == '\t'))
		n--;
	h->host_len = (__u8)n;
	h->flags |= PL_HTTP_HAS_HOST;
	return 0;
}

/* Its own subprogram: the verifier then checks the header scan once, not
 * once for each place the request-line scan may end. */
PL_SUBPROG(pl_sub_http_host, pl_http_host(pk, m, a, b, PL_HTTP_HOST_SCAN))

/* scan: PL_HTTP_HOST_SCAN (the kernel's, a constant there), or natively
 * PL_HTTP_HOST_SCAN_MAX for the collector's second reading. */
PL_INLINE int pl_parse_http_scan(const struct pl_pkt *pk, struct pl_meta *m,
				 __u32 scan)
{
	struct pl_http *h = &m->l7.http;
	__u32 o = m->payload_off, end = o + m->payload_len, i, n = 0;
	__u64 w = 0;
	const __u8 *p;

	/* method: 3 to 8 capitals or '_', then SP, CR or LF */
	for (i = 0; i < 9; i++) {
		p = pl_at(pk, o + i, 1);
		if (!p || o + i >= end)
			return 0;
		if (p[0] == ' ' || p[0] == '\r' || p[0] == '\n')
			break;
		if (!((p[0] >= 'A' && p[0] <= 'Z') || p[0] == '_'))
			return 0;
		w = w << 8 | p[0];
	}
	if (i < 3 || i > 8 || !pl_http_known_method(w))
		return 0;
	m->l7_kind = PL_L7_HTTP;
	h->flags = 0;
	h->host_len = 0;
	h->method_len = (__u8)i;
	for (n = 0; n < 8; n++)         /* unpack the word again */
		h->method[n] = (char)(n < i ? w >> (8 * (i - 1 - n)) : 0);
	o += i;

	/* request target: from after the first space to the next SP/CR/LF */
	p = pl_at(pk, o, 1);
	if (p && o < end && p[0] == ' ')
		o++;
	for (n = 0, i = 0; i < PL_HTTP_LINE_SCAN; i++, o++) {
		p = pl_at(pk, o, 1);
		if (!p || o >= end)
			break;
		if (p[0] == ' ' || p[0] == '\r' || p[0] == '\n')
			break;
		if (n < PL_HTTP_PATH_MAX - 1)
			h->path[n++ & (PL_HTTP_PATH_MAX - 1)] = (char)p[0];
		else
			h->flags |= PL_HTTP_PATH_TRUNC;
	}
	h->path_len = (__u16)n;
	/* the rest of the request line, then the headers */
	if (scan == PL_HTTP_HOST_SCAN)
		return PL_CALL(pl_sub_http_host, pk, m, o, end);
	return pl_http_host(pk, m, o, end, scan);       /* natively only */
}

PL_SUBPROG(pl_sub_http, pl_parse_http_scan(pk, m, PL_HTTP_HOST_SCAN))

#endif /* PL_HTTP_H */
