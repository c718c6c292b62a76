/* SPDX-License-Identifier: BSD-3-Clause */
/* collector.h - the one place where kernel events and flow-table sweeps turn
 * into records. `run` feeds it from a live ring buffer, `analyze` from the
 * same program driven by a capture: the same code makes the same records. */
#ifndef PL_COLLECTOR_H
#define PL_COLLECTOR_H

#include <stddef.h>
#include <stdint.h>
#include "pl_abi.h"
#include "ipreasm.h"
#include "sink.h"

struct pl_collector_opts {
	uint64_t idle_timeout_ns;       /* a connection quiet this long is logged */
	uint64_t active_timeout_ns;     /* a longer one is logged every so often */
	uint64_t tcp_close_ns;          /* idle after FIN both ways or RST (0: idle_timeout) */
	uint64_t dns_idle_ns;           /* idle timeout of DNS over UDP (0: idle_timeout) */
	uint64_t clock_offset_ns;       /* added to kernel times to get epoch time */
	/* IP reassembly (ipreasm.h); 0: its default */
	uint64_t frag_timeout_ns;
	uint64_t frag_mem_bytes, frag_src_mem_bytes;
};

/* What the terminal summary shows. */
struct pl_collector_stats {
	uint64_t events[8];             /* per enum pl_event_type */
	uint64_t conns_logged;
	uint64_t conns_open;
	uint64_t reasm_done, reasm_gave_up;
	uint64_t unpaired;              /* flows that found no room in a connection */
	struct pl_ipreasm_stats frag;   /* IP reassembly, as of the last event or sweep */
	uint64_t frag_moved;            /* fragments moved to their datagram's connection */
	uint64_t frag_move_late;        /* ...not: their connection was logged already */
};

struct pl_collector;

/* What an observer (the detections) is told, in event time: kernel clock
 * live, capture time offline. Any member may be NULL. */
struct pl_flow_delta {
	uint64_t pkts, bytes;           /* added since the flow's previous sweep */
	uint16_t flags_before, flags_now; /* union of the flow's TCP flags */
	uint64_t first_ns, last_ns;
};

struct pl_collector_hooks {
	void *ctx;
	/* a new kernel flow (first packet's flags in e->tcp_flags); uid of its connection */
	void (*on_flow_new)(void *ctx, const struct pl_ev_flow *e, const char *uid);
	/* every DNS message, query or response */
	void (*on_dns)(void *ctx, uint64_t ts, const struct pl_flow_key *k,
		       const struct pl_dns *d, const char *uid);
	void (*on_arp)(void *ctx, const struct pl_ev_arp *e);
	/* per flow at each sweep (and when its connection closes), if it grew */
	void (*on_flow_delta)(void *ctx, const struct pl_flow_key *k,
			      const struct pl_flow_delta *d);
	/* after each sweep; now is the sweep's time (0 for the final one offline) */
	void (*on_tick)(void *ctx, uint64_t now);
};

struct pl_collector *pl_collector_new(const struct pl_collector_opts *o,
				      struct pl_sink *sink, int flows_map_fd);
/* A ring-buffer callback (ring_buffer_sample_fn); ctx is the collector. */
int pl_collector_on_event(void *ctx, void *data, size_t size);
/* Reads the flow table; logs connections idle or active too long at `now`
 * (kernel clock). `final` logs and removes every connection. */
int pl_collector_sweep(struct pl_collector *c, uint64_t now, int final);
/* Every packet counted since the previous sweep carried a clock >= ts (a
 * capture's timestamps can go backwards): the next sweep re-reads only flows
 * seen since then. Without it, a sweep assumes the kernel's live clock. */
void pl_collector_changed_since(struct pl_collector *c, uint64_t ts);
/* A weird record about no packet the kernel saw: the capture reader's and
 * the replay clock's (source "capture"); ts is kernel clock as events'. */
void pl_collector_weird(struct pl_collector *c, uint64_t ts, const char *name,
			const char *addl, const char *source);
const struct pl_collector_stats *pl_collector_stats(const struct pl_collector *c);
/* Top names seen (DNS queries, SNI, HTTP hosts) for the summary. */
enum pl_top_kind { PL_TOP_DNS, PL_TOP_SNI, PL_TOP_HTTP, PL_TOP__COUNT };
size_t pl_collector_top(const struct pl_collector *c, enum pl_top_kind k,
			const char **names, uint64_t *counts, size_t max);
/* Sources with the most bytes (as of the last sweep), most first. */
size_t pl_collector_talkers(const struct pl_collector *c, uint8_t (*addrs)[16],
			    uint64_t *pkts, uint64_t *bytes, size_t max);
void pl_collector_set_hooks(struct pl_collector *c, const struct pl_collector_hooks *h);
void pl_collector_free(struct pl_collector *c);

#endif
