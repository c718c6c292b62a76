/* SPDX-License-Identifier: BSD-3-Clause */
/* reasm.h - putting the first segments of a TCP stream back together, for
 * L7 records one segment does not hold (a ClientHello split by a large key
 * share, a request whose Host comes in the next segment). Bounded: at most
 * PL_REASM_BYTES from the first segment the kernel sent. */
#ifndef PL_REASM_H
#define PL_REASM_H

#include <stdint.h>
#include "pl_abi.h"

#define PL_REASM_BYTES (PL_REASM_SEGS * PL_PAYLOAD_MAX)

struct pl_reasm {
	uint32_t base_seq;
	int started;
	int segs;
	uint8_t buf[PL_REASM_BYTES];
	uint8_t have[PL_REASM_BYTES / 8];       /* one bit per byte received */
};

/* Adds a segment's bytes; returns the contiguous bytes from the start. */
uint32_t pl_reasm_add(struct pl_reasm *r, uint32_t seq, const uint8_t *d, uint32_t len);
/* Runs the parser over the first `len` reassembled bytes as the payload of
 * one TCP segment between sport and dport. */
void pl_reasm_parse(const struct pl_reasm *r, uint32_t len, uint16_t sport,
		    uint16_t dport, struct pl_meta *m);
/* The same over any bytes (at most PL_REASM_BYTES of them). */
void pl_parse_tcp_payload(const uint8_t *d, uint32_t len, uint16_t sport,
			  uint16_t dport, struct pl_meta *m);

/* The collector's second reading of the DNS message at the start of d (len
 * bytes seen of wire): names followed to the protocol's limits, 127 labels
 * (pl_dns.h, PL_DNS_STEPS_MAX). tcp: d starts with the two-byte length.
 * Returns -1 when malformed (m->malformed says why), else 0; m->l7_kind is
 * PL_L7_DNS when a message was read. */
int pl_parse_dns_payload(const uint8_t *d, uint32_t len, uint32_t wire, int tcp,
			 struct pl_meta *m);

#endif
