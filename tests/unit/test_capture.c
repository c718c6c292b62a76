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
#include "replay_clock.h"

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
	assert_int_equal(c.weird, n_short);     /* each one a weird record */
	assert_string_equal(c.weird_name, PL_CAP_W_COOKED_SHORT);
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

/* A record whose original length is below its cooked header (a damaged
 * or hostile file): once an unsigned wrap to 4 GB that conn records
 * counted as bytes. It says more was captured than sent: a weird record. */
static void test_cooked_len_below_header(void **s)
{
	struct pl_capture c;
	uint8_t rec[64];
	struct gen g;
	uint32_t full;

	(void)s;
	gen_open(&g, LT_SLL2);
	full = cooked_ipv4(LT_SLL2, rec);
	gen_record(&g, 1, rec, full, 1);        /* len 1 < 20 < caplen */
	gen_record(&g, 2, rec, full, 0);        /* len 0 */
	gen_record(&g, 3, rec, full, full);
	gen_close(&g);
	assert_int_equal(pl_capture_open(&c, g.path), 0);
	unlink(g.path);
	assert_int_equal(pl_capture_read(&c, &frame), PL_CAP_WEIRD);
	assert_string_equal(c.weird_name, PL_CAP_W_CAPLEN);
	assert_string_equal(c.weird_addl, "captured length 40 is more than the original length 1");
	assert_int_equal(frame.number, 1);
	assert_int_equal(frame.ts_ns, 1000000000ull);
	assert_int_equal(pl_capture_read(&c, &frame), PL_CAP_WEIRD);
	assert_int_equal(pl_capture_read(&c, &frame), PL_CAP_FRAME);
	assert_int_equal(frame.wirelen, 14 + 20);
	assert_int_equal(frame.number, 3);
	assert_int_equal(pl_capture_read(&c, &frame), PL_CAP_END);
	pl_capture_close(&c);
}

/* Ethernet frames, n bytes each, from a template. */
static void eth_record(struct gen *g, uint32_t ts, uint32_t usec, uint32_t caplen, uint32_t len)
{
	uint8_t f[64] = { 0 };

	f[12] = 0x08;
	le32(g->f, ts);
	le32(g->f, usec);
	le32(g->f, caplen);
	le32(g->f, len);
	assert_int_equal(fwrite(f, 1, caplen, g->f), caplen);
}

/* A frame shorter than an Ethernet header once made BPF_PROG_TEST_RUN
 * fail and `analyze` stop, every record lost: a weird record, then the
 * next frame. */
static void test_frame_short(void **s)
{
	struct pl_capture c;
	struct gen g;

	(void)s;
	gen_open(&g, 1);
	eth_record(&g, 1, 0, 60, 60);
	eth_record(&g, 1, 5, 13, 13);
	eth_record(&g, 1, 9, 0, 0);
	eth_record(&g, 2, 0, 14, 14);           /* the shortest frame there is */
	gen_close(&g);
	assert_int_equal(pl_capture_open(&c, g.path), 0);
	unlink(g.path);
	assert_int_equal(pl_capture_read(&c, &frame), PL_CAP_FRAME);
	assert_int_equal(pl_capture_read(&c, &frame), PL_CAP_WEIRD);
	assert_string_equal(c.weird_name, PL_CAP_W_FRAME_SHORT);
	assert_string_equal(c.weird_addl, "frame of 13 bytes: an Ethernet header takes 14");
	assert_int_equal(frame.number, 2);
	assert_int_equal(frame.ts_ns, 1000005000ull);
	assert_int_equal(pl_capture_read(&c, &frame), PL_CAP_WEIRD);
	assert_int_equal(pl_capture_read(&c, &frame), PL_CAP_FRAME);
	assert_int_equal(frame.caplen, 14);
	assert_int_equal(frame.number, 4);
	assert_int_equal(pl_capture_read(&c, &frame), PL_CAP_END);
	assert_int_equal(c.weird, 2);
	pl_capture_close(&c);
}

/* A microsecond fraction of 2e6 (libpcap scales it to 2e9 ns): the
 * timestamp once wrapped into some other time. The last microsecond of a
 * second is fine. */
static void test_bad_timestamp(void **s)
{
	struct pl_capture c;
	struct gen g;

	(void)s;
	gen_open(&g, 1);
	eth_record(&g, 7, 999999, 60, 60);
	eth_record(&g, 7, 2000000, 60, 60);
	eth_record(&g, 8, 0, 60, 60);
	gen_close(&g);
	assert_int_equal(pl_capture_open(&c, g.path), 0);
	unlink(g.path);
	assert_int_equal(pl_capture_read(&c, &frame), PL_CAP_FRAME);
	assert_int_equal(frame.ts_ns, 7999999000ull);
	assert_int_equal(pl_capture_read(&c, &frame), PL_CAP_WEIRD);
	assert_string_equal(c.weird_name, PL_CAP_W_BAD_TS);
	assert_int_equal(frame.ts_ns, 0);       /* no time to give */
	assert_int_equal(pl_capture_read(&c, &frame), PL_CAP_FRAME);
	assert_int_equal(frame.ts_ns, 8000000000ull);
	pl_capture_close(&c);
}

/* Lengths wrapped by whatever wrote the file: more captured than sent, and
 * an original length near 4 GB. The largest believed length is fine. */
static void test_wrapped_lengths(void **s)
{
	struct pl_capture c;
	struct gen g;

	(void)s;
	gen_open(&g, 1);
	eth_record(&g, 1, 0, 60, 40);
	eth_record(&g, 1, 1, 60, 0xFFFFFFF0u);
	eth_record(&g, 1, 2, 60, PL_WIRE_MAX);
	gen_close(&g);
	assert_int_equal(pl_capture_open(&c, g.path), 0);
	unlink(g.path);
	assert_int_equal(pl_capture_read(&c, &frame), PL_CAP_WEIRD);
	assert_string_equal(c.weird_name, PL_CAP_W_CAPLEN);
	assert_int_equal(pl_capture_read(&c, &frame), PL_CAP_WEIRD);
	assert_string_equal(c.weird_name, PL_CAP_W_LEN_ABSURD);
	assert_int_equal(pl_capture_read(&c, &frame), PL_CAP_FRAME);
	assert_int_equal(frame.wirelen, PL_WIRE_MAX);
	assert_int_equal(pl_capture_read(&c, &frame), PL_CAP_END);
	pl_capture_close(&c);
}

/* ---- replay_clock.c ------------------------------------------------------- */

#define S_ (1000000000ull)
#define T26 (1767225600ull * S_)
#define T38 (2147483000ull * S_)

/* One packet dated 2038 among packets of 2026: out of time, counted at the
 * clock's time; the clock stays, so sweeps go on (it once became the
 * clock and no sweep ran for the rest of the capture). */
static void test_clock_stray(void **s)
{
	struct pl_clock k;
	uint64_t use;

	(void)s;
	pl_clock_init(&k);
	assert_int_equal(pl_clock_admit(&k, T26, 1, T26 + S_, &use), PL_CLOCK_IN_TIME);
	assert_int_equal(pl_clock_admit(&k, T26 + S_, 1, T38, &use), PL_CLOCK_IN_TIME);
	assert_int_equal(pl_clock_admit(&k, T38, 1, T26 + 2 * S_, &use), PL_CLOCK_OUT_OF_TIME);
	assert_int_equal(use, T26 + S_);
	assert_int_equal(k.now, T26 + S_);
	assert_int_equal(pl_clock_admit(&k, T26 + 2 * S_, 0, 0, &use), PL_CLOCK_IN_TIME);
	assert_int_equal(use, T26 + 2 * S_);
	/* the last packet far away, with nothing after it: stray too */
	assert_int_equal(pl_clock_admit(&k, 1000 * S_, 0, 0, &use), PL_CLOCK_OUT_OF_TIME);
	assert_int_equal(k.out_of_time, 2);
	assert_int_equal(k.jumps, 0);
}

/* A frame a little behind the clock keeps its time (several CPUs); an
 * hour is the window, either way. */
static void test_clock_window(void **s)
{
	struct pl_clock k;
	uint64_t use;

	(void)s;
	pl_clock_init(&k);
	assert_int_equal(pl_clock_admit(&k, T26, 0, 0, &use), PL_CLOCK_IN_TIME);
	assert_int_equal(pl_clock_admit(&k, T26 - 5 * S_, 0, 0, &use), PL_CLOCK_IN_TIME);
	assert_int_equal(use, T26 - 5 * S_);
	assert_int_equal(k.now, T26);           /* never back for it */
	assert_int_equal(pl_clock_admit(&k, T26 + PL_CLOCK_WINDOW_NS, 0, 0, &use),
			 PL_CLOCK_IN_TIME);
	assert_int_equal(pl_clock_admit(&k, T26 + 2 * PL_CLOCK_WINDOW_NS + 1, 0, 0, &use),
			 PL_CLOCK_OUT_OF_TIME);
}

/* Captures joined end to end (two bundled captures are): two frames in a
 * row that agree on a far time move the clock, forward or back. A stray
 * first frame costs one jump back, not the capture. */
static void test_clock_jump(void **s)
{
	struct pl_clock k;
	uint64_t use;

	(void)s;
	pl_clock_init(&k);
	assert_int_equal(pl_clock_admit(&k, T26, 1, T26 + 86400 * S_, &use), PL_CLOCK_IN_TIME);
	assert_int_equal(pl_clock_admit(&k, T26 + 86400 * S_, 1, T26 + 86401 * S_, &use),
			 PL_CLOCK_JUMPED);
	assert_int_equal(use, T26 + 86400 * S_);
	assert_int_equal(k.now, T26 + 86400 * S_);
	assert_int_equal(pl_clock_admit(&k, T26 + 86401 * S_, 0, 0, &use), PL_CLOCK_IN_TIME);

	pl_clock_init(&k);
	assert_int_equal(pl_clock_admit(&k, T38, 1, T26, &use), PL_CLOCK_IN_TIME);
	assert_int_equal(pl_clock_admit(&k, T26, 1, T26 + S_, &use), PL_CLOCK_JUMPED);
	assert_int_equal(k.now, T26);
	assert_int_equal(k.jumps, 1);
	assert_int_equal(k.out_of_time, 0);
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
		cmocka_unit_test(test_frame_short),
		cmocka_unit_test(test_bad_timestamp),
		cmocka_unit_test(test_wrapped_lengths),
		cmocka_unit_test(test_clock_stray),
		cmocka_unit_test(test_clock_window),
		cmocka_unit_test(test_clock_jump),
		cmocka_unit_test(test_fopen_refused),
		cmocka_unit_test(test_open_missing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
