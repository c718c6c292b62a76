/* SPDX-License-Identifier: BSD-3-Clause */
/* test_capture.c - the capture reader (src/pcap_frames.c) on generated
 * files: what it makes of each link type's records, the records it skips,
 * and the errors it gives. cmocka, under ASan and UBSan. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pcap_frames.h"

#define LT_SLL  113
#define LT_SLL2 276

static struct pl_frame frame;   /* 64 KiB: not on the stack */

/* A classic pcap file (microsecond timestamps, little-endian) being written. */
struct gen {
	char path[4096];
	FILE *f;
};

static void le32(FILE *f, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };

	assert_int_equal(fwrite(b, 1, 4, f), 4);
}

static void gen_open(struct gen *g, uint32_t linktype)
{
	const char *tmp = getenv("TMPDIR");
	int fd;

	snprintf(g->path, sizeof(g->path), "%s/pl-test-capture-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	fd = mkstemp(g->path);
	assert_true(fd >= 0);
	g->f = fdopen(fd, "wb");
	assert_non_null(g->f);
	le32(g->f, 0xa1b2c3d4);
	le32(g->f, 2 | 4u << 16);       /* version 2.4 */
	le32(g->f, 0);                  /* thiszone */
	le32(g->f, 0);                  /* sigfigs */
	le32(g->f, 65535);              /* snaplen */
	le32(g->f, linktype);
}

static void gen_record(struct gen *g, uint32_t ts, const void *data, uint32_t caplen,
		       uint32_t len)
{
	le32(g->f, ts);
	le32(g->f, 0);
	le32(g->f, caplen);
	le32(g->f, len);
	if (caplen)
		assert_int_equal(fwrite(data, 1, caplen, g->f), caplen);
}

static void gen_close(struct gen *g)
{
	assert_int_equal(fclose(g->f), 0);
}

/* A cooked header (SLL: 16 bytes, SLL2: 20) for an IPv4 packet from
 * 02:00:00:00:00:01, then 20 bytes of IPv4 header. */
static uint32_t cooked_ipv4(uint32_t linktype, uint8_t *out)
{
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 1 };
	uint32_t n = linktype == LT_SLL ? 16 : 20;

	memset(out, 0, n + 20);
	if (linktype == LT_SLL) {
		out[5] = 6;                     /* address length */
		memcpy(out + 6, mac, 6);
		out[14] = 0x08;                 /* protocol: IPv4 */
	} else {
		out[0] = 0x08;                  /* protocol: IPv4 */
		out[11] = 6;
		memcpy(out + 12, mac, 6);
	}
	out[n] = 0x45;
	out[n + 3] = 20;                        /* total length */
	return n + 20;
}

/* A million records too short to hold the cooked header are skipped one
 * after the other (in a loop: one call each overflowed the stack), and the
 * frame after them is read with its number in the file. */
static void short_records(uint32_t linktype)
{
	const uint32_t n_short = 1000000;
	struct pl_capture c;
	uint8_t rec[64];
	struct gen g;
	uint32_t i, full;

	gen_open(&g, linktype);
	for (i = 0; i < n_short; i++)
		gen_record(&g, 1, rec, i % 3 ? 0 : (linktype == LT_SLL ? 15 : 19), 60);
	full = cooked_ipv4(linktype, rec);
	gen_record(&g, 2, rec, full, full);
	gen_close(&g);

	assert_int_equal(pl_capture_open(&c, g.path), 0);
	unlink(g.path);                 /* open: gone from TMPDIR even if this fails */
	assert_int_equal(pl_capture_next(&c, &frame), 1);
	assert_int_equal(frame.number, n_short + 1);
	assert_int_equal(frame.caplen, 14 + 20);
	assert_int_equal(frame.wirelen, 14 + 20);
	assert_int_equal(frame.data[6], 2);     /* the sender's MAC as source */
	assert_int_equal(frame.data[11], 1);
	assert_int_equal(frame.data[12], 0x08); /* the protocol as EtherType */
	assert_int_equal(frame.data[14], 0x45);
	assert_int_equal(pl_capture_next(&c, &frame), 0);
	pl_capture_close(&c);
}

static void test_sll_million_short_records(void **s)
{
	(void)s;
	short_records(LT_SLL);
}

static void test_sll2_million_short_records(void **s)
{
	(void)s;
	short_records(LT_SLL2);
}

/* A record whose original length is below its cooked header's (a damaged
 * or hostile file): the frame's original length is what was captured, not
 * an unsigned wrap to 4 GB (which conn records would count as bytes). */
static void test_cooked_len_below_header(void **s)
{
	struct pl_capture c;
	uint8_t rec[64];
	struct gen g;
	uint32_t full;

	(void)s;
	gen_open(&g, LT_SLL);
	full = cooked_ipv4(LT_SLL, rec);
	gen_record(&g, 1, rec, full, 1);        /* len 1 < 16 < caplen */
	gen_record(&g, 2, rec, full, 0);        /* len 0 */
	gen_close(&g);
	assert_int_equal(pl_capture_open(&c, g.path), 0);
	unlink(g.path);
	assert_int_equal(pl_capture_next(&c, &frame), 1);
	assert_int_equal(frame.caplen, 14 + 20);
	assert_int_equal(frame.wirelen, 14 + 20);
	assert_int_equal(pl_capture_next(&c, &frame), 1);
	assert_int_equal(frame.wirelen, 14 + 20);
	assert_int_equal(pl_capture_next(&c, &frame), 0);
	pl_capture_close(&c);
}

/* A stream that is no capture is refused with the name given, and closed
 * (a FILE left open would be a leak LeakSanitizer reports). */
static void test_fopen_refused(void **s)
{
	static char text[] = "not a capture file, only text\n";
	struct pl_capture c;
	FILE *f = fmemopen(text, sizeof(text) - 1, "rb");

	(void)s;
	assert_non_null(f);
	assert_int_equal(pl_capture_fopen(&c, f, "notes.txt"), -1);
	assert_non_null(strstr(c.err, "notes.txt: "));
	assert_null(c.p);
}

/* A missing file: its name and the errno text, once. */
static void test_open_missing(void **s)
{
	struct pl_capture c;

	(void)s;
	assert_int_equal(pl_capture_open(&c, "/nonexistent/pl.pcap"), -1);
	assert_string_equal(c.err, "/nonexistent/pl.pcap: No such file or directory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sll_million_short_records),
		cmocka_unit_test(test_sll2_million_short_records),
		cmocka_unit_test(test_cooked_len_below_header),
		cmocka_unit_test(test_fopen_refused),
		cmocka_unit_test(test_open_missing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
