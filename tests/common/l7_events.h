/* SPDX-License-Identifier: BSD-3-Clause */
/* l7_events.h - kernel events made by hand for feeding the collector
 * directly (pl_collector_on_event), as the ring buffer would hand them:
 * IPv4 flow keys, DNS queries and answers, ClientHellos that announce more
 * than they send. Used by tests/unit/test_bounds.c and bench/mem_hostile.c,
 * which drive the collector's tables past their bounds (docs/bounds.md). */
#ifndef PL_TEST_L7_EVENTS_H
#define PL_TEST_L7_EVENTS_H

#include <string.h>
#include <arpa/inet.h>

#include "collector.h"

/* An IPv4 key (v4-mapped, as the kernel writes it); addresses host order. */
static inline void ev_key4(struct pl_flow_key *k, uint8_t proto, uint32_t src, uint16_t sport,
			   uint32_t dst, uint16_t dport)
{
	memset(k, 0, sizeof(*k));
	k->proto = proto;
	k->ip_version = 4;
	k->src[10] = k->src[11] = 0xff;
	k->dst[10] = k->dst[11] = 0xff;
	src = htonl(src);
	dst = htonl(dst);
	memcpy(k->src + 12, &src, 4);
	memcpy(k->dst + 12, &dst, 4);
	k->sport = sport;
	k->dport = dport;
}

/* A DNS query (qr 0: client -> server) or its answer (qr 1), type A. */
static inline void ev_dns(struct pl_collector *c, struct pl_ev_l7 *e, uint64_t ts,
			  uint32_t server, uint32_t client, uint16_t sport, int qr, uint16_t id,
			  const char *name)
{
	memset(e, 0, sizeof(*e));
	e->h.type = PL_EV_L7;
	e->h.size = sizeof(*e);
	e->h.ts_ns = ts;
	if (qr)
		ev_key4(&e->h.key, 17, server, 53, client, sport);
	else
		ev_key4(&e->h.key, 17, client, sport, server, 53);
	e->kind = PL_L7_DNS;
	e->l7.dns.id = id;
	e->l7.dns.qr = (uint8_t)qr;
	e->l7.dns.has_question = 1;
	e->l7.dns.qtype = 1;
	e->l7.dns.qclass = 1;
	e->l7.dns.qname_len = (uint16_t)strlen(name);
	memcpy(e->l7.dns.qname, name, e->l7.dns.qname_len);
	pl_collector_on_event(c, e, sizeof(*e));
}

/* A ClientHello from client:40000 to server:443 that announces 16000 bytes
 * and never sends the rest (spoofed sources, no handshake needed). */
static inline void ev_hello_incomplete(struct pl_collector *c, struct pl_ev_l7 *e, uint64_t ts,
				       uint32_t server, uint32_t client)
{
	memset(e, 0, sizeof(*e));
	e->h.type = PL_EV_L7;
	e->h.size = sizeof(*e);
	e->h.ts_ns = ts;
	ev_key4(&e->h.key, 6, client, 40000, server, 443);
	e->kind = PL_L7_TLS;
	e->l7.tls.hello_len = 16000;
	pl_collector_on_event(c, e, sizeof(*e));
}

#endif
