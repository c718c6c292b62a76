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
#include <stdarg.h>
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

/* A record rejected: PL_CAP_WEIRD with its name and what was wrong. */
static int weird(struct pl_capture *c, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int weird(struct pl_capture *c, const char *name, const char *fmt, ...)
{
	va_list ap;

	c->weird++;
	c->weird_name = name;
	va_start(ap, fmt);
	vsnprintf(c->weird_addl, sizeof(c->weird_addl), fmt, ap);
	va_end(ap);
	return PL_CAP_WEIRD;
}

/* Seconds a 64-bit nanosecond clock holds (the year 2554). */
#define TS_MAX_S (UINT64_MAX / 1000000000ull - 1)

int pl_capture_read(struct pl_capture *c, struct pl_frame *f)
{
	struct pcap_pkthdr *h;
	const uint8_t *b;
	uint32_t skip = 0, add = 0;
	uint64_t wire;
	FILE *fp = pcap_file(c->p);
	long record = fp ? ftell(fp) : -1L;     /* where the next record starts */
	int r = pcap_next_ex(c->p, &h, &b);

	if (r == PCAP_ERROR_BREAK)
		return PL_CAP_END;
	if (r != 1) {
		snprintf(c->err, sizeof(c->err),
			 "after packet %llu, the record at byte offset %ld is damaged: %s",
			 (unsigned long long)c->count, record, pcap_geterr(c->p));
		return PL_CAP_ERROR;
	}
	c->count++;
	f->number = c->count;
	f->ts_ns = 0;
	/* pcapng's 64-bit timestamps in units of its choice, and a pcap's
	 * fraction field, can say more than a nanosecond clock holds: the
	 * product would wrap to some other time. (Nanosecond precision: the
	 * fraction is tv_usec, in ns, as libpcap scales it.) */
	if (h->ts.tv_sec < 0 || (uint64_t)h->ts.tv_sec > TS_MAX_S || h->ts.tv_usec < 0 ||
	    h->ts.tv_usec >= 1000000000)
		return weird(c, PL_CAP_W_BAD_TS,
			     "timestamp %lld s + %lld ns is out of range (0 to %llu s, under 1 s)",
			     (long long)h->ts.tv_sec, (long long)h->ts.tv_usec,
			     (unsigned long long)TS_MAX_S);
	f->ts_ns = (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec;
	if (h->caplen > h->len)
		return weird(c, PL_CAP_W_CAPLEN,
			     "captured length %u is more than the original length %u",
			     h->caplen, h->len);
	if (h->len > PL_WIRE_MAX)
		return weird(c, PL_CAP_W_LEN_ABSURD,
			     "original length %u is more than any packet's (%u)", h->len, PL_WIRE_MAX);
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
			return weird(c, PL_CAP_W_COOKED_SHORT,
				     "Linux cooked (SLL) record of %u bytes: its header takes 16",
				     h->caplen);
		skip = 16;
		add = 14;
		put_eth(f->data, b + 6, (uint16_t)(b[14] << 8 | b[15]));
		break;
	case LT_SLL2:
		if (h->caplen < 20)
			return weird(c, PL_CAP_W_COOKED_SHORT,
				     "Linux cooked (SLL2) record of %u bytes: its header takes 20",
				     h->caplen);
		skip = 20;
		add = 14;
		put_eth(f->data, b + 12, (uint16_t)(b[0] << 8 | b[1]));
		break;
	}
	if (h->caplen - skip + add < 14)
		return weird(c, PL_CAP_W_FRAME_SHORT,
			     "frame of %u bytes: an Ethernet header takes 14", h->caplen);
	f->caplen = h->caplen - skip;
	if (f->caplen + add > PL_FRAME_MAX)
		f->caplen = PL_FRAME_MAX - add;
	memcpy(f->data + add, b + skip, f->caplen);
	f->caplen += add;
	/* a damaged file may claim less than its cooked header: no wrap */
	wire = h->len > skip ? (uint64_t)h->len - skip + add : 0;
	f->wirelen = wire > UINT32_MAX ? UINT32_MAX : (uint32_t)wire;
	if (f->wirelen < f->caplen)
		f->wirelen = f->caplen;
	return PL_CAP_FRAME;
}

/* A loop, not a call per skipped record: a file of a million short cooked
 * records would otherwise be a million frames deep on the stack. */
int pl_capture_next(struct pl_capture *c, struct pl_frame *f)
{
	int r;

	while ((r = pl_capture_read(c, f)) == PL_CAP_WEIRD)
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
