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
	/* Bounds of the collector's own tables (docs/bounds.md); 0: the default */
	uint32_t dns_pending_conn;      /* open DNS queries per connection */
	uint32_t dns_pending_max;       /* ...in all */
	uint32_t top_names_max;         /* names per top table (DNS, SNI, HTTP) */
	uint32_t talkers_max;           /* sources in the top-talker table */
	uint64_t reasm_mem_bytes;       /* TLS/HTTP records waiting for segments */
	uint64_t reasm_timeout_ns;      /* ...how long one waits at most */
	uint32_t weird_per_sec;         /* weird records per (name, source) a second */
	uint32_t weird_keys_max;        /* (name, source) pairs tracked a second */
	uint32_t conns_max;             /* connections held (0: twice the flow table) */
};

#define PL_COL_DNS_PENDING_CONN 256
#define PL_COL_DNS_PENDING_MAX  32768
#define PL_COL_TOP_NAMES_MAX    1024
#define PL_COL_TALKERS_MAX      4096
#define PL_COL_REASM_MEM        (32ull << 20)
#define PL_COL_REASM_TIMEOUT_NS (5ull * 1000000000ull)
#define PL_COL_WEIRD_PER_SEC    10
#define PL_COL_WEIRD_KEYS_MAX   4096
#define PL_COL_CONNS_MIN        65536   /* conns_max's default at least */

/* The top-name tables (the talkers' counters follow them in the stats). */
enum pl_top_kind { PL_TOP_DNS, PL_TOP_SNI, PL_TOP_HTTP, PL_TOP__COUNT };
#define PL_TOP_TALKERS PL_TOP__COUNT

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
	/* bounded tables: what they hold, and what they evicted or refused */
	uint64_t dns_pending;           /* open queries now */
	uint64_t dns_evicted_conn;      /* logged unanswered: their connection's limit */
	uint64_t dns_evicted_total;     /* ...the collector's limit */
	uint64_t dns_match_steps;       /* open queries compared with responses */
	uint64_t top_evicted[PL_TOP__COUNT + 1]; /* names, then talkers, that lost a slot */
	uint64_t top_max_err[PL_TOP__COUNT + 1]; /* a top count is over by at most this */
	uint64_t reasm_waiting;         /* records waiting for segments now */
	uint64_t reasm_evicted;         /* logged incomplete: the memory budget */
	uint64_t reasm_timed_out;       /* ...their segments did not come in time */
	uint64_t weird_logged;
	uint64_t weird_suppressed;      /* over the per-second budget (or no room to count) */
	uint64_t conns_evicted;         /* logged and closed early: conns_max reached */
};

struct pl_collector;

/* What an observer (the detections) is told, in event time: kernel clock
 * live, capture time offline. Any member may be NULL. */
struct pl_flow_delta {
	uint64_t pkts, bytes;           /* added since the flow's previous sweep */
	uint16_t flags_before, flags_now; /* union of the flow's TCP flags */
	uint64_t first_ns, last_ns;
	/* the flow's side of its connection: 0 the originator's (the SYN's
	 * sender, the query's), 1 the responder's (the SYN-ACK's, the answer's) */
	uint8_t dir;
	/* the host sent it (the TC egress program counted it, --egress) */
	uint8_t egress;
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
size_t pl_collector_top(const struct pl_collector *c, enum pl_top_kind k,
			const char **names, uint64_t *counts, size_t max);
/* Sources with the most bytes (as of the last sweep), most first. */
size_t pl_collector_talkers(const struct pl_collector *c, uint8_t (*addrs)[16],
			    uint64_t *pkts, uint64_t *bytes, size_t max);
/* Bytes one waiting TLS/HTTP record and one open DNS query take (for the
 * bounds table in docs/bounds.md and the memory benchmark). */
size_t pl_collector_reasm_entry_bytes(void);
size_t pl_collector_dns_entry_bytes(void);
void pl_collector_set_hooks(struct pl_collector *c, const struct pl_collector_hooks *h);
void pl_collector_free(struct pl_collector *c);

#endif
