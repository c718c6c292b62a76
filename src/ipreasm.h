/* SPDX-License-Identifier: BSD-3-Clause */
/* ipreasm.h - IP datagrams put back together from their fragments: IPv4
 * (RFC 791, the hole bookkeeping of RFC 815) and IPv6 (RFC 8200), for the
 * collector, which reads the whole datagram's ports and L7 (the kernel saw
 * one fragment at a time).
 *
 * A datagram is keyed by source, destination, identification, version,
 * interface and VLAN tags, and for IPv4 the protocol (RFC 791). IPv6 leaves
 * the next header out, as RFC 8200 section 4.5 and Linux do: only the first
 * fragment's counts, and a sender cannot split a datagram by varying it.
 *
 * Overlaps are judged as Linux judges them since 4.19 (inet_frag_queue_insert,
 * shared by IPv4 and IPv6): a fragment lying wholly inside a run of
 * fragments already received is a duplicate and ignored, first copy wins
 * whatever its bytes; any other overlap discards the datagram. IPv6 goes one
 * step further, as RFC 5722 asks: the fragments of a discarded datagram
 * that are still to come are discarded too, until its timeout. (Linux
 * starts a new queue with them, which only times out; IPv4 does that here
 * as well, since its 16-bit identifications are reused soon enough that a
 * later datagram may take the same one.)
 *
 * Also as Linux: a non-last IPv4 fragment is cut to a multiple of 8 bytes,
 * a non-last IPv6 fragment that is not one is refused, an empty fragment
 * or fragments that disagree on where the datagram ends discard it, and so
 * does a datagram longer than 65535 bytes (IPv6: payload length).
 *
 * A fragment whose bytes were not all captured (cap short of its length: a
 * snapped capture, or the kernel's PL_FRAG_DATA_MAX) still counts for the
 * bookkeeping; its datagram completes, and says how many of its bytes from
 * the start are really there (pkt_seen), as a snapped packet would.
 *
 * Memory is bounded per source address and in total; what does not fit
 * evicts the oldest datagrams (of the source, then of all), and, failing
 * that, the datagram the fragment was for. Time is the caller's (event
 * time: capture time offline): a datagram ends `timeout` after its first
 * fragment came, as in Linux (ipfrag_time, 30 s).
 *
 * Everything that ends a datagram, complete or not, goes to one callback;
 * everything that is dropped is counted. */
#ifndef PL_IPREASM_H
#define PL_IPREASM_H

#include <stddef.h>
#include <stdint.h>
#include "pl_abi.h"

#define PL_IPR_DEFAULT_TIMEOUT_S 30     /* Linux's ipfrag_time */
#define PL_IPR_DEFAULT_MEM_KB    16384  /* all datagrams in reassembly */
#define PL_IPR_DEFAULT_SRC_KB    1024   /* ...of one source address */
#define PL_IPR_MAX_PKT           (40 + 65535)   /* largest rebuilt datagram */

/* How a datagram's reassembly ended; the name is that of its weird record. */
#define PL_IPR_ENDS(X)                                                            \
	X(COMPLETE, "frag_complete", "datagram reassembled")                      \
	X(TIMEOUT, "frag_timeout", "fragments of a datagram that did not complete in time (or before pktlens stopped)") \
	X(EVICTED, "frag_evicted", "datagram in reassembly dropped to stay within the memory bounds") \
	X(OVERLAP, "frag_overlap", "overlapping fragments: the datagram is discarded (RFC 5722; Linux since 4.19)") \
	X(OVERSIZE, "frag_oversize", "fragments of a datagram longer than 65535 bytes") \
	X(INCONSISTENT, "frag_inconsistent", "fragments that disagree on where the datagram ends, or an empty one")

enum pl_ipr_end {
#define PL_IPR_ENUM(id, name, doc) PL_IPR_##id,
	PL_IPR_ENDS(PL_IPR_ENUM)
#undef PL_IPR_ENUM
	PL_IPR__ENDS
};

/* A datagram with cut fragments: its weird record. */
#define PL_IPR_CUT_NAME "frag_cut"
#define PL_IPR_CUT_TEXT "fragment not captured whole: the datagram's bytes from the first missing one are not seen"

const char *pl_ipr_end_name(enum pl_ipr_end e);
const char *pl_ipr_end_text(enum pl_ipr_end e);

/* What the kernel made of one fragment: kept with it and handed back, for
 * the caller to move its counts once the datagram's ports are known. */
struct pl_ipfrag_note {
	struct pl_flow_key key;         /* the flow it was counted in */
	uint64_t ts;                    /* event time */
	uint32_t wire_len;
	uint32_t evflags;               /* PL_EVH_* */
	uint16_t ip_len;                /* its IP total length */
	uint16_t payload;               /* L4 payload bytes it added to the flow */
	uint8_t ttl;
	uint8_t pad[7];
};

struct pl_ipfrag {
	const uint8_t *ip;              /* the IP packet from its first byte */
	uint32_t cap;                   /* bytes at ip */
	int unusable;                   /* its IP layer is malformed: count, drop */
	struct pl_ipfrag_note note;     /* key: also interface and VLANs of the datagram */
};

/* One fragment of a datagram, in offset order. */
struct pl_ipfrag_rec {
	uint32_t off, len;              /* where its payload goes, and how long it is */
	uint32_t got;                   /* bytes of it captured (< len: cut) */
	uint8_t run_head;               /* starts a run (Linux's fragrun) */
	uint8_t pad[3];
	struct pl_ipfrag_note note;
};

struct pl_ipdgram {
	uint8_t version;
	uint8_t proto;                  /* IPv4 protocol; IPv6 the first fragment's next
					 * header (0 without it) */
	uint8_t have_first;
	uint8_t cut;                    /* a fragment was not captured whole */
	uint32_t id;
	const uint8_t *src, *dst;       /* 16 bytes each, IPv4 as ::ffff:a.b.c.d */
	uint64_t first_ts, last_ts;
	const struct pl_ipfrag_rec *frags; /* accepted fragments, by offset */
	uint32_t nfrags;
	/* duplicates it ignored: packets of the datagram all the same, whose
	 * counts go where its fragments' go (as far as memory allowed keeping
	 * their notes) */
	const struct pl_ipfrag_rec *dups;
	uint32_t ndups;
	/* the fragment that ended it (overlap, oversize, inconsistent, or one
	 * that did not fit in memory), not among frags; else NULL */
	const struct pl_ipfrag_note *trigger;
	/* COMPLETE: the rebuilt datagram (IPv4: the first fragment's header with
	 * MF and offset cleared, lengths and checksum fixed; IPv6: the fragment
	 * header taken out, the next header before it fixed), pkt_len bytes of
	 * which the first pkt_seen are what was captured.
	 * Otherwise, with have_first: the first fragment alone, as it came. */
	const uint8_t *pkt;
	uint32_t pkt_len, pkt_seen;
};

struct pl_ipreasm_ops {
	void *ctx;
	/* Called once per datagram that ends, however it ends. Must not call
	 * back into the reassembly; d lives until it returns. */
	void (*end)(void *ctx, enum pl_ipr_end why, const struct pl_ipdgram *d);
};

struct pl_ipreasm_cfg {
	uint64_t timeout_ns;
	uint64_t mem_max;               /* bytes, all datagrams */
	uint64_t src_mem_max;           /* bytes, the datagrams of one source */
};

struct pl_ipreasm_stats {
	uint64_t fragments;             /* given to pl_ipreasm_add */
	uint64_t ends[PL_IPR__ENDS];    /* datagrams, by how they ended */
	uint64_t frags_lost;            /* fragments of datagrams that did not complete */
	uint64_t duplicates;            /* ignored: inside data already received
					 * (their notes are kept for the caller) */
	uint64_t bad;                   /* refused: unreadable header, impossible lengths,
					 * malformed IP layer */
	uint64_t discarded;             /* of an IPv6 datagram already discarded (RFC 5722) */
	uint64_t cut;                   /* not captured whole (counted, kept) */
	uint64_t pending;               /* datagrams in reassembly now */
	uint64_t mem, mem_peak;         /* bytes held */
};

enum pl_ipr_add {
	PL_IPR_ADDED,                   /* kept (the datagram may have completed) */
	PL_IPR_DUP,                     /* a duplicate, ignored */
	PL_IPR_REFUSED,                 /* bad, or of a discarded datagram */
	PL_IPR_ENDED,                   /* it ended its datagram (see the callback) */
};

struct pl_ipreasm;

void pl_ipreasm_cfg_defaults(struct pl_ipreasm_cfg *cfg);
struct pl_ipreasm *pl_ipreasm_new(const struct pl_ipreasm_cfg *cfg,
				  const struct pl_ipreasm_ops *ops);
enum pl_ipr_add pl_ipreasm_add(struct pl_ipreasm *r, const struct pl_ipfrag *f);
/* Ends (TIMEOUT) the datagrams whose first fragment came `timeout` or more
 * before now, oldest first. */
void pl_ipreasm_expire(struct pl_ipreasm *r, uint64_t now);
/* Ends every datagram in reassembly (TIMEOUT): nothing more will come. */
void pl_ipreasm_flush(struct pl_ipreasm *r);
const struct pl_ipreasm_stats *pl_ipreasm_stats(const struct pl_ipreasm *r);
/* Frees it all; no callbacks. */
void pl_ipreasm_free(struct pl_ipreasm *r);

#endif
