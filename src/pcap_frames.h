/* SPDX-License-Identifier: BSD-3-Clause */
/* pcap_frames.h - read pcap/pcapng files as Ethernet frames. */
#ifndef PL_PCAP_FRAMES_H
#define PL_PCAP_FRAMES_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#define PL_FRAME_MAX 65600

struct pl_frame {
	uint64_t ts_ns;
	uint32_t caplen;        /* bytes in data (with any synthetic header) */
	uint32_t wirelen;       /* original length, same adjustment */
	uint64_t number;        /* 1-based frame number */
	uint8_t data[PL_FRAME_MAX];
};

/* libpcap stays inside pcap_frames.c: its bpf.h clashes with libbpf's. */
struct pcap;

/* A record no frame can be made of is a weird record (records.md), named
 * here; the run goes on with the next one. */
#define PL_CAP_W_COOKED_SHORT "capture_cooked_short"   /* SLL < 16, SLL2 < 20 bytes */
#define PL_CAP_W_FRAME_SHORT  "capture_frame_short"    /* < 14 bytes: no Ethernet header */
#define PL_CAP_W_BAD_TS       "capture_bad_timestamp"  /* beyond a 64-bit ns clock */
#define PL_CAP_W_CAPLEN       "capture_caplen_over_len" /* more captured than sent */
#define PL_CAP_W_LEN_ABSURD   "capture_len_absurd"     /* original length > PL_WIRE_MAX */

/* The longest original length believed: beyond the largest GSO/BIG TCP
 * packet (512 KiB) a capture can show; a length like 4294967290 is a
 * wrapped subtraction in whatever wrote the file. */
#define PL_WIRE_MAX (1u << 20)

struct pl_capture {
	struct pcap *p;
	int linktype;
	uint64_t count;         /* records read, frames and weird ones */
	uint64_t weird;         /* records rejected (pl_capture_next skips them) */
	const char *weird_name; /* of the last record rejected: PL_CAP_W_* */
	char weird_addl[192];   /* ... and what was wrong with it */
	char err[512];
};

/* pl_capture_read's results */
enum { PL_CAP_ERROR = -1, PL_CAP_END = 0, PL_CAP_FRAME = 1, PL_CAP_WEIRD = 2 };

/* path "-" is standard input. 0, or -1 with c->err naming path. */
int pl_capture_open(struct pl_capture *c, const char *path);
/* The same from an open stream (pl_capture_open is fopen + this; the
 * fuzzer hands it a memory stream). fp is the capture's from here on,
 * closed by pl_capture_close or at once if this fails (never stdin). */
int pl_capture_fopen(struct pl_capture *c, FILE *fp, const char *name);
/* PL_CAP_FRAME: a frame in f. PL_CAP_WEIRD: a record no frame can be made
 * of (c->weird_name, c->weird_addl; f->number set, f->ts_ns too unless the
 * timestamp was what was wrong, then 0); read on. PL_CAP_END: end of file.
 * PL_CAP_ERROR: damaged file (c->err says where); nothing more to read. */
int pl_capture_read(struct pl_capture *c, struct pl_frame *f);
/* The same, skipping weird records (counted in c->weird): 1, 0 or -1. */
int pl_capture_next(struct pl_capture *c, struct pl_frame *f);
/* Byte offset reached in the file, for progress; -1 if unknown. */
long pl_capture_tell(struct pl_capture *c);
void pl_capture_close(struct pl_capture *c);

#endif
