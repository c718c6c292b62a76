/* SPDX-License-Identifier: BSD-3-Clause */
/* reasm.c - stream bytes by sequence number, then the same parser the
 * kernel runs, over a synthetic segment that holds all of them. */
#include "reasm.h"

#include <string.h>
#include "parse/pl_parse.h"

uint32_t pl_reasm_add(struct pl_reasm *r, uint32_t seq, const uint8_t *d, uint32_t len)
{
	uint32_t off, i, n;

	if (!r->started) {
		r->started = 1;
		r->base_seq = seq;
	}
	r->segs++;
	off = seq - r->base_seq;                /* wraps as TCP sequence numbers do */
	if (off < PL_REASM_BYTES) {
		n = len < PL_REASM_BYTES - off ? len : PL_REASM_BYTES - off;
		memcpy(r->buf + off, d, n);
		for (i = off; i < off + n; i++)
			r->have[i / 8] |= (uint8_t)(1u << (i % 8));
	}
	for (n = 0; n < PL_REASM_BYTES && (r->have[n / 8] & (1u << (n % 8))); n++)
		;
	return n;
}

void pl_reasm_parse(const struct pl_reasm *r, uint32_t len, uint16_t sport,
		    uint16_t dport, struct pl_meta *m)
{
	pl_parse_tcp_payload(r->buf, len, sport, dport, m);
}

void pl_parse_tcp_payload(const uint8_t *d, uint32_t len, uint16_t sport,
			  uint16_t dport, struct pl_meta *m)
{
	static uint8_t frame[14 + 20 + 20 + PL_REASM_BYTES];
	uint32_t tl;
	struct pl_pkt pk;
	uint8_t *ip = frame + 14, *tcp = ip + 20;

	if (len > PL_REASM_BYTES)
		len = PL_REASM_BYTES;
	tl = 20 + 20 + len;
	memset(frame, 0, 14 + 40);
	frame[12] = 0x08;                       /* IPv4 */
	ip[0] = 0x45;
	ip[2] = (uint8_t)(tl >> 8);
	ip[3] = (uint8_t)tl;
	ip[8] = 64;
	ip[9] = 6;
	tcp[0] = (uint8_t)(sport >> 8); tcp[1] = (uint8_t)sport;
	tcp[2] = (uint8_t)(dport >> 8); tcp[3] = (uint8_t)dport;
	tcp[12] = 5 << 4;
	tcp[13] = 0x18;
	memcpy(tcp + 20, d, len);
	pk.data = frame;
	pk.end = frame + 14 + tl;
	pk.pkt_len = 14 + tl;
	pl_parse_frame(&pk, m);
	/* The second reading goes as far as the bytes put together do, not
	 * only as far as the kernel's verifier budget lets it look: the rest of
	 * a long name, a Host past the kernel's window. */
	if (m->l7_kind == PL_L7_DNS && m->l7.dns.qname_more &&
	    pl_parse_dns(&pk, m, 1, PL_DNS_STEPS_MAX) < 0)
		m->l7_kind = PL_L7_NONE;        /* as the kernel's: no half-read record */
	else if (m->l7_kind == PL_L7_HTTP && (m->l7.http.flags & PL_HTTP_HOST_WINDOW))
		pl_parse_http_scan(&pk, m, PL_HTTP_HOST_SCAN_MAX);
}

int pl_parse_dns_payload(const uint8_t *d, uint32_t len, uint32_t wire, int tcp,
			 struct pl_meta *m)
{
	struct pl_pkt pk;

	if (wire < len)
		wire = len;
	if (wire > 0xffff)
		wire = 0xffff;
	memset(m, 0, sizeof(*m));
	pk.data = d;
	pk.end = d + len;
	pk.pkt_len = wire;
	m->payload_off = 0;
	m->payload_len = (uint16_t)len;
	m->udp_len = (uint16_t)(wire + 8 > 0xffff ? 0xffff : wire + 8);
	return pl_parse_dns(&pk, m, tcp, PL_DNS_STEPS_MAX);
}
