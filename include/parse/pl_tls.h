/* SPDX-License-Identifier: BSD-3-Clause */
/* pl_tls.h - TLS record header and ClientHello (RFC 8446 4.1.2, RFC 5246
 * 7.4.1.2): legacy versions, server_name (RFC 6066 3) and supported_versions.
 *
 * Only the bytes of this segment are read. A ClientHello longer than the
 * segment (post-quantum key shares make that common) yields what the segment
 * holds, without PL_TLS_COMPLETE; putting segments together is the
 * collector's job.
 */
#ifndef PL_TLS_H
#define PL_TLS_H

#include "pl_cursor.h"

#define PL_TLS_MAX_EXT 32               /* extensions walked in one hello */
#define PL_TLS_MAX_RECORD (16384 + 2048) /* TLSCiphertext bound, RFC 5246 6.2.3 */
#define PL_TLS_EXT_SNI 0
#define PL_TLS_EXT_SUPPORTED_VERSIONS 43

/* Bytes [off, off + n) are needed and the hello says they lie before `lim`:
 * 0 when visible, 1 when only the segment is short (incomplete), -1 when the
 * hello's own lengths are inconsistent. */
PL_INLINE int pl_tls_need(const struct pl_meta *m, __u32 off, __u32 n, __u32 lim)
{
	if (off + n > lim)
		return -1;
	if (off + n > (__u32)m->payload_off + m->payload_len)
		return 1;
	return 0;
}

PL_INLINE int pl_tls_sni(const struct pl_pkt *pk, struct pl_meta *m, __u32 d,
			 __u32 lim)
{
	struct pl_tls *t = &m->l7.tls;
	const __u8 *h;
	__u32 list, nlen;
	int r = pl_tls_need(m, d, 5, lim);

	if (r)
		return r < 0 ? pl_fail(m, PL_MAL_TLS_BAD_SNI) : 1;
	h = pl_at(pk, d, 5);
	if (!h)
		return 1;
	list = pl_be16(h);
	nlen = pl_be16(h + 3);
	if (list + 2 > lim - d || nlen + 3 > list || h[2] != 0 /* host_name */)
		return pl_fail(m, PL_MAL_TLS_BAD_SNI);
	r = pl_tls_need(m, d + 5, nlen, lim);
	if (r)
		return r < 0 ? pl_fail(m, PL_MAL_TLS_BAD_SNI) : 1;
	if (nlen > PL_SNI_MAX - 1) {
		t->flags |= PL_TLS_SNI_TRUNC;
		nlen = PL_SNI_MAX - 1;
	}
	if (nlen && pl_copy_words(pk, t->sni, d + 5, nlen))
		return 1;
	t->sni_len = (__u16)nlen;
	t->flags |= PL_TLS_HAS_SNI;
	return 0;
}

PL_INLINE int pl_tls_versions(const struct pl_pkt *pk, struct pl_meta *m, __u32 d,
			      __u32 elen)
{
	struct pl_tls *t = &m->l7.tls;
	const __u8 *h = pl_at(pk, d, 1);
	__u32 n, j;

	if (!h || pl_tls_need(m, d, elen, d + elen))
		return 1;
	if (elen < 1 || h[0] + 1u > elen || (h[0] & 1))
		return pl_fail(m, PL_MAL_TLS_BAD_HELLO);
	n = h[0] / 2;
	t->flags |= PL_TLS_HAS_VERSIONS;
	for (j = 0; j < PL_TLS_MAX_VERSIONS && j < n; j++) {
		const __u8 *v = pl_at(pk, d + 1 + 2 * j, 2);

		if (!v)
			return 1;
		t->versions[j & (PL_TLS_MAX_VERSIONS - 1)] = pl_be16(v);
		t->n_versions = (__u8)(j + 1);
	}
	return 0;
}

/* Skip a vector whose length prefix is `lbytes` (1 or 2) wide. */
PL_INLINE int pl_tls_skip_vec(const struct pl_pkt *pk, const struct pl_meta *m,
			      __u32 *o, __u32 lbytes, __u32 lim)
{
	const __u8 *h;
	int r = pl_tls_need(m, *o, lbytes, lim);

	if (r)
		return r;
	h = pl_at(pk, *o, lbytes);       /* a constant once inlined */
	if (!h)
		return 1;
	*o += lbytes + (lbytes == 1 ? h[0] : pl_be16(h));
	return *o > lim ? -1 : 0;
}

PL_INLINE int pl_parse_tls(const struct pl_pkt *pk, struct pl_meta *m)
{
	struct pl_tls *t = &m->l7.tls;
	__u32 p = m->payload_off, seg_end = p + m->payload_len;
	__u32 rec_end, hello_end, lim, o, ext_end;
	const __u8 *h = pl_at(pk, p, 11);
	int i, r;

	/* handshake record, TLS 1.x record version, ClientHello */
	if (!h || m->payload_len < 11 || h[0] != 22 || h[1] != 3 || h[2] > 4 ||
	    h[5] != 1)
		return 0;
	m->l7_kind = PL_L7_TLS;
	t->flags = 0;
	t->n_versions = 0;
	t->sni_len = 0;
	t->record_version = pl_be16(h + 1);
	t->hello_len = pl_be24(h + 6);
	t->hello_version = pl_be16(h + 9);
	if (pl_be16(h + 3) > PL_TLS_MAX_RECORD || pl_be16(h + 3) < 4)
		return pl_fail(m, PL_MAL_TLS_BAD_RECORD);
	rec_end = p + 5 + pl_be16(h + 3);
	hello_end = p + 9 + t->hello_len;
	/* A hello spread over several records continues after another record
	 * header: read only the first record's part of it. */
	lim = hello_end < rec_end ? hello_end : rec_end;
	if (hello_end <= rec_end && hello_end <= seg_end)
		t->flags |= PL_TLS_COMPLETE;

	o = p + 9 + 2 + 32;             /* past legacy_version and random */
	r = pl_tls_need(m, o, 0, lim);
	if (!r)
		r = pl_tls_skip_vec(pk, m, &o, 1, lim);         /* session id */
	if (!r)
		r = pl_tls_skip_vec(pk, m, &o, 2, lim);         /* cipher suites */
	if (!r)
		r = pl_tls_skip_vec(pk, m, &o, 1, lim);         /* compression */
	if (r)
		goto out;
	if (o == lim)                   /* no extensions at all */
		return 0;
	r = pl_tls_need(m, o, 2, lim);
	if (r)
		goto out;
	h = pl_at(pk, o, 2);
	if (!h)
		return 0;
	ext_end = o + 2 + pl_be16(h);
	if (ext_end > lim) {
		r = -1;                 /* malformed, or continued in a later record */
		if (hello_end <= rec_end)
			goto out;
		ext_end = lim;
	}
	o += 2;
	for (i = 0; i < PL_TLS_MAX_EXT && o < ext_end; i++) {
		__u32 type, elen;

		r = pl_tls_need(m, o, 4, ext_end);
		if (r)
			goto out;
		h = pl_at(pk, o, 4);
		if (!h)
			return 0;
		type = pl_be16(h);
		elen = pl_be16(h + 2);
		if (o + 4 + elen > ext_end) {
			r = -1;
			goto out;
		}
		if (type == PL_TLS_EXT_SNI)
			r = pl_tls_sni(pk, m, o + 4, o + 4 + elen);
		else if (type == PL_TLS_EXT_SUPPORTED_VERSIONS)
			r = pl_tls_versions(pk, m, o + 4, elen);
		if (r < 0)
			return -1;
		o += 4 + elen;
	}
	return 0;
out:
	/* Past the first record of a hello spread over several is not an
	 * inconsistency, only the end of what this record shows. */
	if (r < 0 && hello_end <= rec_end)
		return pl_fail(m, PL_MAL_TLS_BAD_HELLO);
	return 0;
}

PL_SUBPROG(pl_sub_tls, pl_parse_tls(pk, m))

#endif /* PL_TLS_H */
