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

struct pl_capture {
	struct pcap *p;
	int linktype;
	uint64_t count;
	char err[512];
};

/* path "-" is standard input. 0, or -1 with c->err naming path. */
int pl_capture_open(struct pl_capture *c, const char *path);
/* The same from an open stream (pl_capture_open is fopen + this; the
 * fuzzer hands it a memory stream). fp is the capture's from here on,
 * closed by pl_capture_close or at once if this fails (never stdin). */
int pl_capture_fopen(struct pl_capture *c, FILE *fp, const char *name);
/* 1: a frame, 0: end of file, -1: damaged file (c->err says where). */
int pl_capture_next(struct pl_capture *c, struct pl_frame *f);
/* Byte offset reached in the file, for progress; -1 if unknown. */
long pl_capture_tell(struct pl_capture *c);
void pl_capture_close(struct pl_capture *c);

#endif
