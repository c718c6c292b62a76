/* SPDX-License-Identifier: BSD-3-Clause */
/* pl_dns.h - DNS message header and first question (RFC 1035 4.1, RFC 7766
 * for the two-byte length prefix over TCP).
 *
 * Only the first question is read; its name cannot be compressed.
 *
 * Names are followed to the protocol's limits (RFC 1035 2.3.4: 255 octets,
 * so at most 127 labels) by the native parser's second reading in the
 * collector (PL_DNS_STEPS_MAX). The kernel takes PL_DNS_STEPS steps: each
 * costs the verifier about 2,000 instructions, and 128 of them do not fit
 * its budget. A longer name keeps the labels read and is flagged
 * `qname_more`; the kernel then sends the segment's bytes instead of the
 * record, and the collector reads the whole name from them.
 */
#ifndef PL_DNS_H
#define PL_DNS_H

#include "pl_cursor.h"

#define PL_DNS_STEPS 32      /* kernel: a label or the root a step, 31 labels (budget) */
#define PL_DNS_STEPS_MAX 128 /* 127 labels and the root: the protocol's limit */

/* The message is declared to occupy [msg, msg_end). Running out of bytes
 * before msg_end means the rest is elsewhere (a later TCP segment, a later
 * fragment, beyond a capture's snap length): incomplete, not malformed.
 * Needing bytes past msg_end is malformed. */
PL_INLINE int pl_dns_fail(const struct pl_pkt *pk, struct pl_meta *m, __u32 off,
			  __u32 msg_end, enum pl_malformed why)
{
	if (off < msg_end) {
		if (off >= pl_visible(pk) && pl_visible(pk) < pk->pkt_len)
			m->flags |= PL_F_SNAPPED;
		return 1;
	}
	return pl_fail(m, why);
}

/* The name runs on beyond the bytes seen (pl_dns_fail's incomplete case):
 * the labels read are kept and flagged, as for a name longer than decoded;
 * the question is not read. Needing bytes past msg_end is malformed (-1). */
PL_INLINE int pl_dns_partial(const struct pl_pkt *pk, struct pl_meta *m, __u32 off,
			     __u32 msg_end, enum pl_malformed why)
{
	if (pl_dns_fail(pk, m, off, msg_end, why) < 0)
		return -1;
	m->l7.dns.qname_more = 1;
	return 0;
}

/* Copy one label of `len` (1..63) bytes at packet offset src to text
 * position t: whole 8-byte words first, then the last len % 8 bytes taken
 * from the word that ends with the label (the length byte and the header
 * always lie before it), stored as a whole word too. Bytes written past the
 * label are overwritten by the next one or lie past qname_len. No branch
 * depends on the label's bytes, so the verifier's work per label is small.
 * Returns 0, or 1 when the label is not all visible. */
PL_INLINE int pl_dns_copy_label(const struct pl_pkt *pk, char *q, __u64 t,
				__u32 src, __u32 len)
{
	__u32 full = len & ~7u, rem = len & 7u;
	const __u8 *p;
	__u64 w;
	int j;

	for (j = 0; j < 8; j++) {
		if ((__u32)j * 8 >= full)
			break;
		p = pl_at(pk, src + j * 8, 8);
		if (!p)
			return 1;
		pl_copy(q + t + j * 8, p, 8);
	}
	if (!rem)
		return 0;
	p = pl_at(pk, src + len - 8, 8);
	if (!p)
		return 1;
	pl_copy(&w, p, 8);
	/* the label's last rem bytes first, then bytes past the text end */
	w = PL_WORD_SKIP(w, 8 - rem);
	pl_copy(q + t + full, &w, 8);
	return 0;
}

/* Decode the first question's name at `s` into d->qname and return the
 * offset just after it (where QTYPE starts), 0 if incomplete, -1 if
 * malformed. One turn per label; the offsets carried between turns are
 * clamped (PL_CLAMP) so that the verifier's work stays linear. */
PL_INLINE int pl_dns_name(const struct pl_pkt *pk, struct pl_meta *m, __u32 s,
			  __u32 msg_end, int steps)
{
	struct pl_dns *d = &m->l7.dns;
	__u64 o = s, t;
	__u32 len;
	int i;

	d->qname_len = 0;
	for (i = 0; i < steps; i++) {
		const __u8 *p;

		/* Offset and text length come back from memory the verifier
		 * does not track and are clamped, so every turn starts from the
		 * same state whatever the labels before, and its work stays
		 * linear in the number of labels. */
		PL_CLAMP(o);
		t = d->qname_len;
		PL_CLAMP_TO(t, PL_DNS_NAME_MAX);
		if (o >= msg_end)
			return pl_dns_partial(pk, m, o, msg_end, PL_MAL_DNS_LABEL_OVERFLOW);
		p = pl_at(pk, o, 1);
		if (!p)
			return pl_dns_partial(pk, m, o, msg_end, PL_MAL_DNS_LABEL_OVERFLOW);
		len = p[0];
		if (len == 0)                   /* root label: the name ends */
			return (int)(o + 1);
		/* The first question's name starts right after the header, so a
		 * compression pointer there can only point into the header or
		 * forwards: never valid (RFC 1035 4.1.4). */
		if ((len & 0xc0) == 0xc0)
			return pl_fail(m, PL_MAL_DNS_BAD_POINTER);
		if (len & 0xc0)                 /* 01, 10: reserved (RFC 6891 6.1.1) */
			return pl_fail(m, PL_MAL_DNS_BAD_LABEL_TYPE);
		len &= 0x3f;    /* a no-op that tells the verifier len <= 63 */
		if (o + 1 + len > msg_end)
			return pl_fail(m, PL_MAL_DNS_LABEL_OVERFLOW);
		/* 253 characters of text are 255 octets on the wire */
		if (t + (t ? 1 : 0) + len > PL_DNS_NAME_MAX)
			return pl_fail(m, PL_MAL_DNS_NAME_TOO_LONG);
		if (t)
			d->qname[t++] = '.';
		if (pl_dns_copy_label(pk, d->qname, t, o + 1, len))
			return pl_dns_partial(pk, m, o + len, msg_end,
					      PL_MAL_DNS_LABEL_OVERFLOW);
		d->qname_len = (__u16)(t + len);
		o += 1 + len;
	}
	/* More labels than decoded: sound as far as read. The labels read are
	 * kept (qname_len) and flagged; the question is not complete. With
	 * PL_DNS_STEPS_MAX steps this is not reached: 127 labels fill the 253
	 * characters, and one more fails PL_MAL_DNS_NAME_TOO_LONG above. */
	d->qname_more = 1;
	return 0;
}

PL_INLINE int pl_parse_dns_msg(const struct pl_pkt *pk, struct pl_meta *m,
			       __u32 msg, __u32 msg_end, int steps)
{
	struct pl_dns *d = &m->l7.dns;
	const __u8 *h = pl_at(pk, msg, 12);
	const __u8 *q;
	int after;

	if (msg + 12 > msg_end)
		return pl_fail(m, PL_MAL_DNS_TRUNCATED);
	if (!h)
		return pl_dns_fail(pk, m, msg, msg_end, PL_MAL_DNS_TRUNCATED);
	m->l7_kind = PL_L7_DNS;
	d->msg_len = (__u16)(msg_end - msg);
	d->id = pl_be16(h);
	d->flags = pl_be16(h + 2);
	d->qr = (__u8)(d->flags >> 15);
	d->opcode = (__u8)((d->flags >> 11) & 0x0f);
	d->rcode = (__u8)(d->flags & 0x0f);
	d->qdcount = pl_be16(h + 4);
	d->ancount = pl_be16(h + 6);
	d->nscount = pl_be16(h + 8);
	d->arcount = pl_be16(h + 10);
	d->qname_len = 0;
	d->qname_more = 0;
	d->has_question = 0;
	d->qtype = 0;
	d->qclass = 0;
	if (d->qdcount == 0)
		return 0;

	after = pl_dns_name(pk, m, msg + 12, msg_end, steps);
	if (after <= 0)
		return after;
	if ((__u32)after + 4 > msg_end)
		return pl_fail(m, PL_MAL_DNS_TRUNCATED);
	q = pl_at(pk, (__u32)after, 4);
	if (!q)
		return pl_dns_fail(pk, m, (__u32)after, msg_end, PL_MAL_DNS_TRUNCATED);
	d->qtype = pl_be16(q);
	d->qclass = pl_be16(q + 2);
	d->has_question = 1;
	return 0;
}

/* DNS over UDP: the payload is the message. Over TCP: a two-byte length, then
 * the message; a segment that does not start with a plausible length is
 * not parsed (it continues an earlier message). */
PL_INLINE int pl_parse_dns(const struct pl_pkt *pk, struct pl_meta *m, int tcp,
			   int steps)
{
	__u32 msg = m->payload_off, end;
	const __u8 *l;

	if (m->payload_len == 0)
		return 0;
	if (tcp) {
		l = pl_at(pk, msg, 2);
		if (!l || m->payload_len < 2 + 12 || pl_be16(l) < 12)
			return 0;
		end = msg + 2 + pl_be16(l);
		/* pipelined queries: userspace reads the ones after the first */
		m->l7.dns.more_msgs = 2 + pl_be16(l) < m->payload_len;
		msg += 2;
	} else {
		end = msg + m->udp_len - 8;     /* udp_len >= 8 checked by UDP */
	}
	if (!tcp)
		m->l7.dns.more_msgs = 0;
	m->l7.dns.tcp = (__u8)tcp;
	return pl_parse_dns_msg(pk, m, msg, end, steps);
}

PL_SUBPROG(pl_sub_dns, pl_parse_dns(pk, m, (int)a, PL_DNS_STEPS))

#endif /* PL_DNS_H */
