/* SPDX-License-Identifier: BSD-3-Clause */
/* pcap_frames.c - capture files in, Ethernet frames out.
 *
 * XDP sees Ethernet frames, so captures of other link types get a synthetic
 * Ethernet header: raw IP (101, 228, 229) gets zero MACs and the EtherType
 * from the IP version; Linux cooked captures (SLL 113, SLL2 276) keep their
 * protocol field as EtherType and the sender address as source MAC. The
 * parser then runs unchanged on every capture. */
#include "pcap_frames.h"

#include <pcap/pcap.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define LT_ETHERNET 1
#define LT_RAW 101
#define LT_SLL 113
#define LT_IPV4 228
#define LT_IPV6 229
#define LT_SLL2 276

int pl_capture_open(struct pl_capture *c, const char *path)
{
	FILE *fp;

	/* "-" is standard input, as libpcap's own open takes it */
	fp = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!fp) {
		memset(c, 0, sizeof(*c));
		snprintf(c->err, sizeof(c->err), "%s: %s", path, strerror(errno));
		return -1;
	}
	return pl_capture_fopen(c, fp, path);
}

int pl_capture_fopen(struct pl_capture *c, FILE *fp, const char *name)
{
	char eb[PCAP_ERRBUF_SIZE];

	memset(c, 0, sizeof(*c));
	c->p = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, eb);
	if (!c->p) {
		snprintf(c->err, sizeof(c->err), "%s: %s", name, eb);
		if (fp != stdin)        /* libpcap leaves it to us when it refuses */
			fclose(fp);
		return -1;
	}
	c->linktype = pcap_datalink(c->p);
	switch (c->linktype) {
	case DLT_EN10MB:
	case DLT_RAW:
	case LT_RAW:
	case LT_IPV4:
	case LT_IPV6:
	case DLT_LINUX_SLL:
	case LT_SLL2:
		return 0;
	default:
		snprintf(c->err, sizeof(c->err),
			 "%s: link type %d (%s) is not supported; supported: Ethernet, raw IP, Linux SLL/SLL2",
			 name, c->linktype, pcap_datalink_val_to_name(c->linktype) ?: "unknown");
		pcap_close(c->p);       /* closes fp (never stdin) */
		c->p = NULL;
		return -1;
	}
}

static void put_eth(uint8_t *d, const uint8_t *src_mac, uint16_t proto)
{
	memset(d, 0, 12);
	if (src_mac)
		memcpy(d + 6, src_mac, 6);
	d[12] = (uint8_t)(proto >> 8);
	d[13] = (uint8_t)proto;
}

#define SKIPPED 2               /* a record too short to hold its link header */

static int next_record(struct pl_capture *c, struct pl_frame *f)
{
	struct pcap_pkthdr *h;
	const uint8_t *b;
	uint32_t skip = 0, add = 0;
	uint64_t wire;
	FILE *fp = pcap_file(c->p);
	long record = fp ? ftell(fp) : -1L;     /* where the next record starts */
	int r = pcap_next_ex(c->p, &h, &b);

	if (r == PCAP_ERROR_BREAK)
		return 0;
	if (r != 1) {
		snprintf(c->err, sizeof(c->err),
			 "after packet %llu, the record at byte offset %ld is damaged: %s",
			 (unsigned long long)c->count, record, pcap_geterr(c->p));
		return -1;
	}
	c->count++;
	f->number = c->count;
	f->ts_ns = (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec;
	switch (c->linktype) {
	case DLT_EN10MB:
		break;
	case DLT_RAW:
	case LT_RAW:
	case LT_IPV4:
	case LT_IPV6:
		add = 14;
		put_eth(f->data, NULL, h->caplen && (b[0] >> 4) == 6 ? 0x86dd : 0x0800);
		break;
	case DLT_LINUX_SLL:
		if (h->caplen < 16)
			return SKIPPED;
		skip = 16;
		add = 14;
		put_eth(f->data, b + 6, (uint16_t)(b[14] << 8 | b[15]));
		break;
	case LT_SLL2:
		if (h->caplen < 20)
			return SKIPPED;
		skip = 20;
		add = 14;
		put_eth(f->data, b + 12, (uint16_t)(b[0] << 8 | b[1]));
		break;
	}
	f->caplen = h->caplen - skip;
	if (f->caplen + add > PL_FRAME_MAX)
		f->caplen = PL_FRAME_MAX - add;
	memcpy(f->data + add, b + skip, f->caplen);
	f->caplen += add;
	/* a damaged file may claim less than its cooked header, or nearly
	 * 4 GB: no wrap either way */
	wire = h->len > skip ? (uint64_t)h->len - skip + add : 0;
	f->wirelen = wire > UINT32_MAX ? UINT32_MAX : (uint32_t)wire;
	if (f->wirelen < f->caplen)
		f->wirelen = f->caplen;
	return 1;
}

/* A loop, not a call per skipped record: a file of a million short cooked
 * records would otherwise be a million frames deep on the stack. */
int pl_capture_next(struct pl_capture *c, struct pl_frame *f)
{
	int r;

	while ((r = next_record(c, f)) == SKIPPED)
		;
	return r;
}

void pl_capture_close(struct pl_capture *c)
{
	if (c->p)
		pcap_close(c->p);
	c->p = NULL;
}

long pl_capture_tell(struct pl_capture *c)
{
	FILE *f = c->p ? pcap_file(c->p) : NULL;

	return f ? ftell(f) : -1;
}
