/* SPDX-License-Identifier: BSD-3-Clause */
/* test_collector.c - the collector's building blocks, natively: settings
 * (options.c), TCP reassembly (reasm.c), record formatting (records.c),
 * the log writer (sink.c) and which pin folders are under /sys/fs/bpf
 * (bpffs.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


#include "bpffs.h"
#include "collector.h"
#include "options.h"
#include "textfile.h"
#include "reasm.h"
#include "records.h"
#include "sink.h"
#include "../common/packets.h"

/* ---- temporary folders and files ----------------------------------------- */

/* snprintf that fails the test rather than cut a path or message short */
__attribute__((format(printf, 3, 4)))
static char *fmt(char *out, size_t size, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(out, size, f, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size)
		fail_msg("'%s' does not fit in %zu bytes", f, size);
	return out;
}

struct tmp {
	char dir[PATH_MAX];
};

static int tmp_setup(void **state)
{
	struct tmp *t = calloc(1, sizeof(*t));
	const char *base = getenv("TMPDIR");

	if (!t)
		return -1;
	snprintf(t->dir, sizeof(t->dir), "%s/pktlens-unit-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(t->dir)) {
		free(t);
		return -1;
	}
	*state = t;
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st; (void)flag; (void)f;
	return remove(path);
}

static int tmp_teardown(void **state)
{
	struct tmp *t = *state;
	int rc = nftw(t->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);

	free(t);
	return rc;
}

/* TMP/NAME into out (PATH_MAX bytes); returns out. */
static char *tmp_path(void **state, const char *name, char *out)
{
	const struct tmp *t = *state;

	return fmt(out, PATH_MAX, "%s/%s", t->dir, name);
}

/* Writes `text` to TMP/NAME; returns the path in out. */
static char *tmp_file(void **state, const char *name, const char *text, char *out)
{
	FILE *f = fopen(tmp_path(state, name, out), "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	return out;
}

/* The whole file, NUL-terminated (free it), or NULL if it cannot be read. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s = NULL;
	size_t n = 0, cap = 0, got;

	if (!f)
		return NULL;
	do {
		if (n + 4096 + 1 > cap) {
			cap = (cap + 4096) * 2;
			s = realloc(s, cap);
			assert_non_null(s);
		}
		got = fread(s + n, 1, cap - n - 1, f);
		n += got;
	} while (got);
	fclose(f);
	s[n] = 0;
	return s;
}

static int exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* ---- options.c: pl_options_set ------------------------------------------- */

static char err[1024];

static void set_ok(struct pl_options *o, const char *key, const char *value)
{
	int rc;

	err[0] = 0;
	rc = pl_options_set(o, key, value, err, sizeof(err));
	if (rc)
		fail_msg("%s = '%s' rejected (%d): %s", key, value, rc, err);
}

/* A bad value is an error naming key and value, and changes nothing. */
static void set_bad(struct pl_options *o, const char *key, const char *value)
{
	static struct pl_options before;
	int rc;

	before = *o;
	err[0] = 0;
	rc = pl_options_set(o, key, value, err, sizeof(err));
	if (rc != -1)
		fail_msg("%s = '%s' gave %d, want -1 (bad value)", key, value, rc);
	if (!strstr(err, key) || !strstr(err, value) || !strstr(err, "bad value"))
		fail_msg("%s = '%s': error '%s' does not name key and value", key, value, err);
	if (memcmp(&before, o, sizeof(before)))
		fail_msg("%s = '%s' was rejected but changed the options", key, value);
}

static void test_opt_defaults(void **s)
{
	struct pl_options o;

	(void)s;
	memset(&o, 0xa5, sizeof(o));
	pl_options_defaults(&o);
	assert_int_equal(o.n_ifaces, 0);
	assert_null(o.log_dir);
	assert_null(o.pin_dir);
	assert_null(o.rules_file);
	assert_int_equal(o.rotate_bytes, 0);
	assert_int_equal(o.idle_timeout_ns, 60ull * 1000000000);
	assert_int_equal(o.active_timeout_ns, 1800ull * 1000000000);
	assert_int_equal(o.sweep_ns, 1000ull * 1000000);
	assert_int_equal(o.flows, 0);
	assert_int_equal(o.frags, 0);                   /* the loader's PL_DEFAULT_FRAGS */
	assert_int_equal(o.frag_tracking, 1);
	assert_int_equal(o.mode, PL_MODE_AUTO);
	assert_int_equal(o.summary_s, 0);
	assert_int_equal(o.frag_timeout_ns, 30ull * 1000000000);        /* Linux's ipfrag_time */
	assert_int_equal(o.frag_mem_bytes, 16384ull << 10);
	assert_int_equal(o.frag_src_bytes, 1024ull << 10);
	pl_options_free(&o);
}

static void test_opt_interface(void **s)
{
	struct pl_options o;
	char name[PL_MAX_IFACES][8];
	int i;

	(void)s;
	pl_options_defaults(&o);
	for (i = 0; i < PL_MAX_IFACES; i++) {
		snprintf(name[i], sizeof(name[i]), "eth%d", i);
		set_ok(&o, "interface", name[i]);
	}
	assert_int_equal(o.n_ifaces, PL_MAX_IFACES);
	assert_string_equal(o.ifaces[0], "eth0");
	assert_string_equal(o.ifaces[PL_MAX_IFACES - 1], "eth15");
	/* one more than fits is refused, not written past the array */
	assert_int_equal(pl_options_set(&o, "interface", "eth16", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too many interfaces"));
	assert_int_equal(o.n_ifaces, PL_MAX_IFACES);
	pl_options_free(&o);
}

static void test_opt_paths(void **s)
{
	struct pl_options o;

	(void)s;
	pl_options_defaults(&o);
	set_ok(&o, "log-dir", "/var/log/pktlens");
	set_ok(&o, "pin", "/sys/fs/bpf/pktlens");
	set_ok(&o, "rules", "/etc/pktlens.rules");
	assert_string_equal(o.log_dir, "/var/log/pktlens");
	assert_string_equal(o.pin_dir, "/sys/fs/bpf/pktlens");
	assert_string_equal(o.rules_file, "/etc/pktlens.rules");
	assert_int_equal(pl_options_set(&o, "rules", "", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "rules"));
	pl_options_free(&o);
}

static void test_opt_rotate_mb(void **s)
{
	struct pl_options o;

	(void)s;
	pl_options_defaults(&o);
	set_ok(&o, "rotate-mb", "16");
	assert_int_equal(o.rotate_bytes, 16ull << 20);
	set_ok(&o, "rotate-mb", "1048576");             /* the largest: 1 TiB */
	assert_int_equal(o.rotate_bytes, 1ull << 40);
	set_ok(&o, "rotate-mb", "0");                   /* never rotate */
	assert_int_equal(o.rotate_bytes, 0);
	set_bad(&o, "rotate-mb", "1048577");
	set_bad(&o, "rotate-mb", "-1");
	set_bad(&o, "rotate-mb", "-0");
	set_bad(&o, "rotate-mb", "16MB");
	set_bad(&o, "rotate-mb", "1.5");
	set_bad(&o, "rotate-mb", "junk");
	set_bad(&o, "rotate-mb", "");
	set_bad(&o, "rotate-mb", "18446744073709551617");  /* past 2^64 */
	pl_options_free(&o);
}

static void test_opt_timeouts(void **s)
{
	struct pl_options o;

	(void)s;
	pl_options_defaults(&o);
	set_ok(&o, "idle-timeout", "30");
	assert_int_equal(o.idle_timeout_ns, 30ull * 1000000000);
	set_ok(&o, "idle-timeout", "0.5");
	assert_int_equal(o.idle_timeout_ns, 500000000ull);
	set_ok(&o, "active-timeout", "3600");
	assert_int_equal(o.active_timeout_ns, 3600ull * 1000000000);
	set_ok(&o, "active-timeout", "0");              /* 0 turns it off */
	assert_int_equal(o.active_timeout_ns, 0);
	set_ok(&o, "active-timeout", "31536000");       /* a year, the most */
	assert_int_equal(o.active_timeout_ns, 31536000ull * 1000000000);
	set_ok(&o, "sweep-interval", "0.25");
	assert_int_equal(o.sweep_ns, 250000000ull);

	set_bad(&o, "idle-timeout", "0");               /* zero not allowed */
	set_bad(&o, "idle-timeout", "0.0");
	set_bad(&o, "idle-timeout", "-1");
	set_bad(&o, "idle-timeout", "-0.5");
	set_bad(&o, "idle-timeout", "10s");
	set_bad(&o, "idle-timeout", "junk");
	set_bad(&o, "idle-timeout", "");
	set_bad(&o, "idle-timeout", "inf");
	set_bad(&o, "active-timeout", "-1");
	set_bad(&o, "active-timeout", "31536001");
	set_bad(&o, "active-timeout", "1e300");
	set_bad(&o, "active-timeout", "x");
	set_bad(&o, "sweep-interval", "0");
	set_bad(&o, "sweep-interval", "-2");
	set_bad(&o, "sweep-interval", "1m");
	/* the message says what is wanted */
	set_bad(&o, "idle-timeout", "0");
	assert_non_null(strstr(err, "above 0"));
	set_bad(&o, "active-timeout", "-1");
	assert_non_null(strstr(err, "0 turns it off"));
	pl_options_free(&o);
}

/* "nan" passes every range check of parse_secs (all comparisons with NaN are
 * false), and a positive value under a nanosecond becomes 0 ns, which these
 * keys do not allow. */
static void test_opt_timeouts_not_a_number(void **s)
{
	struct pl_options o;

	(void)s;
	pl_options_defaults(&o);
	set_bad(&o, "idle-timeout", "nan");
	set_bad(&o, "active-timeout", "nan");
	set_bad(&o, "sweep-interval", "NaN");
	set_bad(&o, "idle-timeout", "1e-10");
	set_bad(&o, "sweep-interval", "0.0000000001");
	pl_options_free(&o);
}

static void test_opt_map_sizes(void **s)
{
	static const char *const keys[] = { "flows", "sources" };
	struct pl_options o;
	unsigned i;

	(void)s;
	pl_options_defaults(&o);
	for (i = 0; i < 2; i++) {
		uint32_t *field = i ? &o.sources : &o.flows;

		set_ok(&o, keys[i], "1024");            /* smallest */
		assert_int_equal(*field, 1024);
		set_ok(&o, keys[i], "67108864");        /* largest: 2^26 */
		assert_int_equal(*field, 1u << 26);
		set_ok(&o, keys[i], "262144");
		assert_int_equal(*field, 262144);
		set_bad(&o, keys[i], "1023");
		set_bad(&o, keys[i], "67108865");
		set_bad(&o, keys[i], "0");
		set_bad(&o, keys[i], "-5");
		set_bad(&o, keys[i], "-4294967295");    /* wraps to 1 in strtoull */
		set_bad(&o, keys[i], "4294968320");     /* 2^32 + 1024 */
		set_bad(&o, keys[i], "64k");
		set_bad(&o, keys[i], "0x1000");
		set_bad(&o, keys[i], "");
		assert_non_null(strstr(err, "from 1024 to 67108864"));
	}
	pl_options_free(&o);
}

/* frag-table-size and fragment-tracking (docs/config.md; the XDP program's
 * fragment table and its switch) */
static void test_opt_fragments(void **s)
{
	struct pl_options o;

	(void)s;
	pl_options_defaults(&o);
	set_ok(&o, "frag-table-size", "1024");
	assert_int_equal(o.frags, 1024);
	set_ok(&o, "frag-table-size", "16777216");      /* largest: 2^24 */
	assert_int_equal(o.frags, 1u << 24);
	set_bad(&o, "frag-table-size", "1023");
	set_bad(&o, "frag-table-size", "16777217");
	set_bad(&o, "frag-table-size", "0");
	set_bad(&o, "frag-table-size", "8k");
	assert_non_null(strstr(err, "from 1024 to 16777216"));
	set_ok(&o, "fragment-tracking", "false");
	assert_int_equal(o.frag_tracking, 0);
	set_ok(&o, "fragment-tracking", "yes");
	assert_int_equal(o.frag_tracking, 1);
	set_ok(&o, "fragment-tracking", "off");
	assert_int_equal(o.frag_tracking, 0);
	set_ok(&o, "fragment-tracking", "true");
	assert_int_equal(o.frag_tracking, 1);
	set_bad(&o, "fragment-tracking", "maybe");
	assert_non_null(strstr(err, "want yes or no"));
	set_bad(&o, "fragment-tracking", "");
}

/* The IP reassembly's bounds: a timeout, and KiB that hold at least one
 * datagram of the largest size. */
static void test_opt_frag(void **s)
{
	static const char *const keys[] = { "frag-mem-kb", "frag-src-kb" };
	struct pl_options o;
	unsigned i;

	(void)s;
	pl_options_defaults(&o);
	set_ok(&o, "frag-timeout", "2.5");
	assert_int_equal(o.frag_timeout_ns, 2500000000ull);
	set_bad(&o, "frag-timeout", "0");
	set_bad(&o, "frag-timeout", "-1");
	set_bad(&o, "frag-timeout", "soon");
	for (i = 0; i < 2; i++) {
		uint64_t *field = i ? &o.frag_src_bytes : &o.frag_mem_bytes;

		set_ok(&o, keys[i], "128");
		assert_int_equal(*field, 128ull << 10);
		set_ok(&o, keys[i], "4194304");         /* 4 GiB */
		assert_int_equal(*field, 4194304ull << 10);
		set_bad(&o, keys[i], "127");
		set_bad(&o, keys[i], "4194305");
		set_bad(&o, keys[i], "1M");
		assert_non_null(strstr(err, "from 128 to 4194304"));
	}
	pl_options_free(&o);
}

static void test_opt_ringbuf_mb(void **s)
{
	struct pl_options o;

	(void)s;
	pl_options_defaults(&o);
	set_ok(&o, "ringbuf-mb", "1");
	assert_int_equal(o.ringbuf, 1u << 20);
	set_ok(&o, "ringbuf-mb", "64");
	assert_int_equal(o.ringbuf, 64u << 20);
	set_ok(&o, "ringbuf-mb", "1024");
	assert_int_equal(o.ringbuf, 1024u << 20);
	set_bad(&o, "ringbuf-mb", "3");
	assert_non_null(strstr(err, "power of two"));
	set_bad(&o, "ringbuf-mb", "48");
	set_bad(&o, "ringbuf-mb", "1023");
	set_bad(&o, "ringbuf-mb", "0");
	set_bad(&o, "ringbuf-mb", "2048");
	set_bad(&o, "ringbuf-mb", "-4");
	set_bad(&o, "ringbuf-mb", "8M");
	set_bad(&o, "ringbuf-mb", "junk");
	pl_options_free(&o);
}

static void test_opt_mode(void **s)
{
	struct pl_options o;

	(void)s;
	pl_options_defaults(&o);
	set_ok(&o, "mode", "native");
	assert_int_equal(o.mode, PL_MODE_NATIVE);
	set_ok(&o, "mode", "generic");
	assert_int_equal(o.mode, PL_MODE_GENERIC);
	set_ok(&o, "mode", "auto");
	assert_int_equal(o.mode, PL_MODE_AUTO);
	set_bad(&o, "mode", "skb");
	assert_non_null(strstr(err, "auto, native or generic"));
	set_bad(&o, "mode", "Native");
	set_bad(&o, "mode", "");
	set_bad(&o, "mode", "-1");
	pl_options_free(&o);
}

static void test_opt_summary(void **s)
{
	struct pl_options o;

	(void)s;
	pl_options_defaults(&o);
	set_ok(&o, "summary", "10");
	assert_int_equal(o.summary_s, 10);
	set_ok(&o, "summary", "3600");
	assert_int_equal(o.summary_s, 3600);
	set_ok(&o, "summary", "0");                     /* no live summary */
	assert_int_equal(o.summary_s, 0);
	set_bad(&o, "summary", "3601");
	set_bad(&o, "summary", "-1");
	set_bad(&o, "summary", "5s");
	set_bad(&o, "summary", "junk");
	pl_options_free(&o);
}

static void test_opt_unknown_key(void **s)
{
	struct pl_options o, before;

	(void)s;
	pl_options_defaults(&o);
	before = o;
	assert_int_equal(pl_options_set(&o, "x", "1", err, sizeof(err)), -2);
	assert_string_equal(err, "unknown key 'x'");
	assert_int_equal(pl_options_set(&o, "Flows", "2048", err, sizeof(err)), -2);
	assert_string_equal(err, "unknown key 'Flows'");
	assert_int_equal(pl_options_set(&o, "", "1", err, sizeof(err)), -2);
	assert_memory_equal(&before, &o, sizeof(o));
}

/* A bare flag (no value): egress means yes; every other key refuses it
 * and changes nothing (found by fuzz_config: log-dir and the numbers read
 * through the NULL). */
static void test_opt_missing_value(void **s)
{
	static const char *const keys[] = { "interface", "log-dir", "rotate-mb", "idle-timeout",
					    "flows", "ringbuf-mb", "mode", "pin", "egress-hook",
					    "rules", "summary", "detect", "syn-flood-rate",
					    "scan-window", "x" };
	struct pl_options o, before;
	char want[128];
	size_t i;

	(void)s;
	pl_options_defaults(&o);
	before = o;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		err[0] = 0;
		assert_int_equal(pl_options_set(&o, keys[i], NULL, err, sizeof(err)), -1);
		fmt(want, sizeof(want), "'%s' needs a value", keys[i]);
		assert_string_equal(err, want);
	}
	assert_memory_equal(&before, &o, sizeof(o));
	assert_int_equal(pl_options_set(&o, "egress", NULL, err, sizeof(err)), 0);
	assert_int_equal(o.egress, 1);
}

static void test_opt_set_flag(void **s)
{
	static const struct option opts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "flows", required_argument, NULL, 1000 },
		{ NULL, 0, NULL, 0 },
	};
	struct pl_options o;

	(void)s;
	pl_options_defaults(&o);
	assert_int_equal(pl_options_set_flag(&o, opts, 'i', "eth3", err, sizeof(err)), 0);
	assert_int_equal(o.n_ifaces, 1);
	assert_string_equal(o.ifaces[0], "eth3");
	assert_int_equal(pl_options_set_flag(&o, opts, 1000, "4096", err, sizeof(err)), 0);
	assert_int_equal(o.flows, 4096);
	assert_int_equal(pl_options_set_flag(&o, opts, 1000, "12", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "flows"));
	assert_int_equal(pl_options_set_flag(&o, opts, 'z', "1", err, sizeof(err)), -1);
	pl_options_free(&o);
}

/* ---- options.c: pl_options_load ------------------------------------------ */

/* Loads TMP/NAME holding `text`; returns what pl_options_load returns. */
static int load(void **state, struct pl_options *o, const char *text, char *path)
{
	tmp_file(state, "pktlens.conf", text, path);
	pl_options_defaults(o);
	err[0] = 0;
	return pl_options_load(o, path, err, sizeof(err));
}

static void test_load_good(void **s)
{
	struct pl_options o;
	char path[PATH_MAX];

	if (load(s, &o,
		 "# pktlens settings\n"
		 "; the other comment style\n"
		 "\n"
		 "[pktlens]\n"
		 "interface = eth0\n"
		 "interface=eth1\n"
		 "log-dir = /var/log/pktlens   \n"
		 "rotate-mb = 16\n"
		 "idle-timeout = 30\n"
		 "# between settings\n"
		 "flows = 65536\n"
		 "ringbuf-mb = 8\n"
		 "mode = native\n", path))
		fail_msg("good file rejected: %s", err);
	assert_int_equal(o.n_ifaces, 2);
	assert_string_equal(o.ifaces[0], "eth0");
	assert_string_equal(o.ifaces[1], "eth1");
	assert_string_equal(o.log_dir, "/var/log/pktlens");
	assert_int_equal(o.rotate_bytes, 16ull << 20);
	assert_int_equal(o.idle_timeout_ns, 30ull * 1000000000);
	assert_int_equal(o.flows, 65536);
	assert_int_equal(o.ringbuf, 8u << 20);
	assert_int_equal(o.mode, PL_MODE_NATIVE);
	/* not in the file: defaults */
	assert_int_equal(o.active_timeout_ns, 1800ull * 1000000000);
	assert_int_equal(o.sources, 0);
	/* text values are kept in the options, not in the parser's line buffer */
	assert_int_equal(unlink(path), 0);
	assert_string_equal(o.ifaces[1], "eth1");
	assert_string_equal(o.log_dir, "/var/log/pktlens");
	pl_options_free(&o);
}

static void test_load_no_section(void **s)
{
	struct pl_options o;
	char path[PATH_MAX];

	if (load(s, &o, "flows = 2048\nsummary = 5\n", path))
		fail_msg("file without a section rejected: %s", err);
	assert_int_equal(o.flows, 2048);
	assert_int_equal(o.summary_s, 5);
	pl_options_free(&o);
}

/* An indented line is a setting like any other, or an error; inih (built
 * with INI_ALLOW_MULTILINE) takes it as more of the previous value. */
static void test_load_indented_line(void **s)
{
	struct pl_options o;
	char path[PATH_MAX];

	if (load(s, &o, "[pktlens]\nlog-dir = /var/log/pktlens\n  rotate-mb = 16\n", path)) {
		pl_options_free(&o);    /* refused: fine too, as long as it says so */
		return;
	}
	assert_string_equal(o.log_dir, "/var/log/pktlens");
	assert_int_equal(o.rotate_bytes, 16ull << 20);
	pl_options_free(&o);
}

/* Every setting once: twelve keys is not many for a config file. */
static void test_load_every_key(void **s)
{
	struct pl_options o;
	char path[PATH_MAX];

	if (load(s, &o,
		 "[pktlens]\n"
		 "interface = eth0\n"
		 "log-dir = /var/log/pktlens\n"
		 "rotate-mb = 16\n"
		 "idle-timeout = 30\n"
		 "active-timeout = 600\n"
		 "sweep-interval = 0.5\n"
		 "flows = 65536\n"
		 "sources = 32768\n"
		 "ringbuf-mb = 8\n"
		 "mode = generic\n"
		 "pin = /sys/fs/bpf/pktlens\n"
		 "rules = /etc/pktlens.rules\n"
		 "frag-timeout = 10\n"
		 "frag-mem-kb = 4096\n"
		 "frag-src-kb = 256\n"
		 "summary = 10\n", path))
		fail_msg("file setting every key rejected: %s", err);
	assert_string_equal(o.ifaces[0], "eth0");
	assert_string_equal(o.log_dir, "/var/log/pktlens");
	assert_int_equal(o.active_timeout_ns, 600ull * 1000000000);
	assert_int_equal(o.sweep_ns, 500000000ull);
	assert_int_equal(o.sources, 32768);
	assert_int_equal(o.mode, PL_MODE_GENERIC);
	assert_string_equal(o.pin_dir, "/sys/fs/bpf/pktlens");
	assert_string_equal(o.rules_file, "/etc/pktlens.rules");
	assert_int_equal(o.summary_s, 10);
	assert_int_equal(o.frag_timeout_ns, 10ull * 1000000000);
	assert_int_equal(o.frag_mem_bytes, 4096ull << 10);
	assert_int_equal(o.frag_src_bytes, 256ull << 10);
	pl_options_free(&o);
}

static void test_load_unknown_key(void **s)
{
	struct pl_options o;
	char path[PATH_MAX], want[PATH_MAX + 64];

	assert_int_equal(load(s, &o,
			      "# comment\n"
			      "[pktlens]\n"
			      "flows = 2048\n"
			      "\n"
			      "x = 1\n"
			      "sources = 2048\n", path), -1);
	fmt(want, sizeof(want), "%s:5: unknown key 'x'", path);
	assert_string_equal(err, want);
	pl_options_free(&o);
}

static void test_load_bad_value(void **s)
{
	struct pl_options o;
	char path[PATH_MAX], want[PATH_MAX + 64];

	assert_int_equal(load(s, &o,
			      "[pktlens]\n"
			      "; a comment\n"
			      "flows = 2048\n"
			      "ringbuf-mb = 3\n", path), -1);
	fmt(want, sizeof(want), "%s:4: bad value '3' for ringbuf-mb", path);
	if (strncmp(err, want, strlen(want)))
		fail_msg("got '%s', want it to start with '%s'", err, want);

	assert_int_equal(load(s, &o, "idle-timeout = -5\n", path), -1);
	fmt(want, sizeof(want), "%s:1: bad value '-5' for idle-timeout", path);
	if (strncmp(err, want, strlen(want)))
		fail_msg("got '%s', want it to start with '%s'", err, want);
	pl_options_free(&o);
}

static void test_load_first_error_only(void **s)
{
	struct pl_options o;
	char path[PATH_MAX], want[PATH_MAX + 64];

	assert_int_equal(load(s, &o, "flows = 1\nsources = 1\nbogus = 1\n", path), -1);
	fmt(want, sizeof(want), "%s:1: bad value '1' for flows", path);
	if (strncmp(err, want, strlen(want)))
		fail_msg("got '%s', want it to start with '%s'", err, want);
	pl_options_free(&o);
}

/* Named at the section's own line (libinih named the first setting under
 * it), even with no setting after it. */
static void test_load_unknown_section(void **s)
{
	struct pl_options o;
	char path[PATH_MAX], want[PATH_MAX + 64];

	assert_int_equal(load(s, &o, "[pktlens]\nflows = 2048\n[other]\nsources = 2048\n",
			      path), -1);
	fmt(want, sizeof(want), "%s:3: unknown section [other]", path);
	if (strncmp(err, want, strlen(want)))
		fail_msg("got '%s', want it to start with '%s'", err, want);
	pl_options_free(&o);
}

static void test_load_not_key_value(void **s)
{
	struct pl_options o;
	char path[PATH_MAX], want[PATH_MAX + 64];

	assert_int_equal(load(s, &o, "flows = 2048\njust some words\n", path), -1);
	fmt(want, sizeof(want), "%s:2: not a `key = value` line", path);
	assert_string_equal(err, want);
	pl_options_free(&o);
}

/* Loads len bytes of text as the file "t.conf" (pl_options_fload on a
 * memory stream: bytes fputs cannot write, like NUL). */
static int load_bytes(struct pl_options *o, const char *text, size_t len)
{
	FILE *f = fmemopen((void *)text, len, "r");
	int r;

	assert_non_null(f);
	pl_options_defaults(o);
	err[0] = 0;
	r = pl_options_fload(o, f, "t.conf", err, sizeof(err));
	fclose(f);
	return r;
}

/* libinih reads a line as a C string: what follows a NUL byte would be
 * dropped unseen (found by fuzz_config). Refused, as rule files do. */
static void test_load_nul_byte(void **s)
{
	static const char text[] = "flows = 2048\nlog-dir = /var/log\0/../../tmp\n";
	struct pl_options o;

	(void)s;
	assert_int_equal(load_bytes(&o, text, sizeof(text) - 1), -1);
	assert_string_equal(err, "t.conf:2: a NUL byte: not a text file");
	pl_options_free(&o);
}

/* libinih also splits `key: value` at the ':': with an '=' later in the
 * line, "interface:= eth0" set the interface "= eth0" (found by
 * fuzz_config). A ':' before the '=' is not `key = value`. */
static void test_load_colon(void **s)
{
	static const char text[] = "[pktlens]\ninterface:= eth0\n";
	static const char text2[] = "log-dir: /var/log/a=b\n";
	static const char ok[] = "log-dir = /var/log/a:b\n";
	struct pl_options o;

	(void)s;
	assert_int_equal(load_bytes(&o, text, sizeof(text) - 1), -1);
	assert_string_equal(err, "t.conf:2: not a `key = value` line");
	assert_int_equal(o.n_ifaces, 0);
	pl_options_free(&o);
	assert_int_equal(load_bytes(&o, text2, sizeof(text2) - 1), -1);
	assert_string_equal(err, "t.conf:1: not a `key = value` line");
	pl_options_free(&o);
	assert_int_equal(load_bytes(&o, ok, sizeof(ok) - 1), 0);
	assert_string_equal(o.log_dir, "/var/log/a:b");
	pl_options_free(&o);
}

/* libinih takes any isspace() byte for indentation: a line opened by \v or
 * \f continued the value above ("interface = eth0\n\vinterface = x" made
 * an interface named "interface = x"; found by fuzz_config). */
static void test_load_indented_vt_ff(void **s)
{
	static const char vt[] = "interface = eth0\n\vinterface = x\n";
	static const char ff[] = "\fflows = 2048\n";
	struct pl_options o;

	(void)s;
	assert_int_equal(load_bytes(&o, vt, sizeof(vt) - 1), -1);
	assert_string_equal(err, "t.conf:2: indented line: continuation lines are not supported");
	pl_options_free(&o);
	assert_int_equal(load_bytes(&o, ff, sizeof(ff) - 1), -1);
	assert_string_equal(err, "t.conf:1: indented line: continuation lines are not supported");
	pl_options_free(&o);
}

/* libinih read 199 bytes of a line at a time and took the rest for a new
 * line: a long log-dir value whose tail read "interface=evil0" added that
 * interface (found by fuzz_config). pktlens' own reader refuses a line
 * longer than PL_TEXT_LINE_MAX at its own number; the longest is fine. */
static void test_load_long_line(void **s)
{
	static char text[2 * PL_TEXT_LINE_MAX];
	char want[64];
	struct pl_options o;
	int n;

	(void)s;
	n = snprintf(text, sizeof(text), "flows = 2048\nlog-dir = /var/%0*dinterface=evil0\n",
		     PL_TEXT_LINE_MAX, 0);
	assert_int_equal(load_bytes(&o, text, (size_t)n), -1);
	fmt(want, sizeof(want), "t.conf:2: longer than %d characters", PL_TEXT_LINE_MAX);
	assert_string_equal(err, want);
	assert_int_equal(o.n_ifaces, 0);
	pl_options_free(&o);
	n = snprintf(text, sizeof(text), "log-dir = /%0*d\n", PL_TEXT_LINE_MAX - 11, 0);
	assert_int_equal(load_bytes(&o, text, (size_t)n), 0);
	assert_int_equal(strlen(o.log_dir), PL_TEXT_LINE_MAX - 10);
	pl_options_free(&o);
	n = snprintf(text, sizeof(text), "log-dir = /%0*d", PL_TEXT_LINE_MAX - 11, 0);
	assert_int_equal(load_bytes(&o, text, (size_t)n), 0);      /* no newline at the end */
	pl_options_free(&o);
}

/* A 5,000-character comment on line 3: libinih failed on a later line (it
 * cut the comment into pieces). The error names line 3, and nothing of the
 * comment's tail is read as a setting. */
static void test_load_long_comment(void **s)
{
	static char text[8192];
	struct pl_options o;
	int n;

	(void)s;
	n = snprintf(text, sizeof(text), "flows = 2048\n\n# %0*d detect-dry-run = false\nsummary = 5\n",
		     5000, 0);
	assert_int_equal(load_bytes(&o, text, (size_t)n), -1);
	assert_string_equal(err, "t.conf:3: longer than 4096 characters");
	pl_options_free(&o);
}

/* docs/config.md: a `#` or `;` after a blank starts a comment, also after a
 * value; one inside a word is part of the value; `\#` and `\;` write one
 * anywhere. */
static void test_load_inline_comment(void **s)
{
	static const char text[] =
		"interface = eth0   # the uplink\n"
		"interface = eth1\t; the other one\n"
		"log-dir = /var/log/a#b;c   # a and b\n"
		"pin = /sys/fs/bpf/x \\# y\\;z   ; escaped\n"
		"[pktlens]  # the section, with a comment\n";
	static const char bad[] = "summary = 7#\n";
	struct pl_options o;

	(void)s;
	if (load_bytes(&o, text, sizeof(text) - 1))
		fail_msg("inline comments refused: %s", err);
	assert_int_equal(o.n_ifaces, 2);
	assert_string_equal(o.ifaces[0], "eth0");
	assert_string_equal(o.ifaces[1], "eth1");
	assert_string_equal(o.log_dir, "/var/log/a#b;c");
	assert_string_equal(o.pin_dir, "/sys/fs/bpf/x # y;z");
	pl_options_free(&o);
	/* "7#" is the value: a '#' inside a word is no comment */
	assert_int_equal(load_bytes(&o, bad, sizeof(bad) - 1), -1);
	assert_string_equal(err, "t.conf:1: bad value '7#' for summary: want a whole number from 0 to 3600");
	pl_options_free(&o);
}

/* Only regular files: a folder, /dev/zero (an endless stream: libinih
 * spun forever on it) and a FIFO (open would wait for a writer) are
 * refused at once with what they are. */
static void test_load_not_regular(void **s)
{
	char path[PATH_MAX], want[PATH_MAX + 64];
	struct pl_options o;

	pl_options_defaults(&o);
	assert_int_equal(pl_options_load(&o, "/dev/zero", err, sizeof(err)), -1);
	assert_string_equal(err, "/dev/zero: not a regular file (a character device)");
	tmp_path(s, "", path);
	assert_int_equal(pl_options_load(&o, path, err, sizeof(err)), -1);
	fmt(want, sizeof(want), "%s: not a regular file (a folder)", path);
	assert_string_equal(err, want);
	tmp_path(s, "fifo.conf", path);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(pl_options_load(&o, path, err, sizeof(err)), -1);
	fmt(want, sizeof(want), "%s: not a regular file (a FIFO)", path);
	assert_string_equal(err, want);
	unlink(path);
	pl_options_free(&o);
}

/* A file larger than PL_CONFIG_MAX_BYTES is refused before it is parsed;
 * a stream (that has no size) is cut off when it passes the cap. */
static void test_load_size_cap(void **s)
{
	size_t len = PL_CONFIG_MAX_BYTES + 1;
	char *text = malloc(len);
	struct pl_options o;
	char want[64];

	(void)s;
	assert_non_null(text);
	memset(text, '\n', len);
	assert_int_equal(load_bytes(&o, text, len), -1);
	fmt(want, sizeof(want), "t.conf: larger than %u bytes", PL_CONFIG_MAX_BYTES);
	assert_string_equal(err, want);
	pl_options_free(&o);
	assert_int_equal(load_bytes(&o, text, len - 1), 0);
	pl_options_free(&o);
	free(text);
}

/* A line that is not `key = value`, then an unknown key further down: the
 * error must be the first one, with its own line number. */
static void test_load_error_line_matches_message(void **s)
{
	struct pl_options o;
	char path[PATH_MAX], want[PATH_MAX + 64];

	assert_int_equal(load(s, &o, "flows = 2048\njunk\n\nbogus = 1\n", path), -1);
	fmt(want, sizeof(want), "%s:2: not a `key = value` line", path);
	assert_string_equal(err, want);
	pl_options_free(&o);
}

static void test_load_missing_file(void **s)
{
	struct pl_options o;
	char path[PATH_MAX], want[PATH_MAX + 64];

	pl_options_defaults(&o);
	tmp_path(s, "no-such.conf", path);
	assert_int_equal(pl_options_load(&o, path, err, sizeof(err)), -1);
	fmt(want, sizeof(want), "%s: cannot open: No such file or directory", path);
	assert_string_equal(err, want);
	pl_options_free(&o);
}

/* ---- reasm.c ------------------------------------------------------------- */

static struct pl_reasm *reasm_new(void)
{
	struct pl_reasm *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	return r;
}

static void test_reasm_in_order(void **s)
{
	struct pl_reasm *r = reasm_new();

	(void)s;
	assert_int_equal(pl_reasm_add(r, 1000, (const uint8_t *)"abcd", 4), 4);
	assert_int_equal(pl_reasm_add(r, 1004, (const uint8_t *)"efgh", 4), 8);
	assert_int_equal(pl_reasm_add(r, 1008, (const uint8_t *)"ij", 2), 10);
	assert_memory_equal(r->buf, "abcdefghij", 10);
	assert_int_equal(r->segs, 3);
	free(r);
}

static void test_reasm_out_of_order(void **s)
{
	struct pl_reasm *r = reasm_new();

	(void)s;
	assert_int_equal(pl_reasm_add(r, 1000, (const uint8_t *)"abcd", 4), 4);
	assert_int_equal(pl_reasm_add(r, 1012, (const uint8_t *)"mnop", 4), 4);  /* gap */
	assert_int_equal(pl_reasm_add(r, 1008, (const uint8_t *)"ijkl", 4), 4);  /* gap */
	assert_int_equal(pl_reasm_add(r, 1004, (const uint8_t *)"efgh", 4), 16);
	assert_memory_equal(r->buf, "abcdefghijklmnop", 16);
	free(r);
}

static void test_reasm_overlap(void **s)
{
	struct pl_reasm *r = reasm_new();

	(void)s;
	assert_int_equal(pl_reasm_add(r, 500, (const uint8_t *)"0123456789", 10), 10);
	/* the same segment again (retransmission) */
	assert_int_equal(pl_reasm_add(r, 500, (const uint8_t *)"0123456789", 10), 10);
	/* one that overlaps the end and goes further */
	assert_int_equal(pl_reasm_add(r, 505, (const uint8_t *)"56789ABCDE", 10), 15);
	/* one wholly inside what is there */
	assert_int_equal(pl_reasm_add(r, 502, (const uint8_t *)"234", 3), 15);
	/* one that covers a gap and overlaps both sides of it */
	assert_int_equal(pl_reasm_add(r, 520, (const uint8_t *)"KLMN", 4), 15);
	assert_int_equal(pl_reasm_add(r, 513, (const uint8_t *)"DEFGHIJKL", 9), 24);
	assert_memory_equal(r->buf, "0123456789ABCDEFGHIJKLMN", 24);
	/* a segment wholly before the first one adds nothing */
	assert_int_equal(pl_reasm_add(r, 490, (const uint8_t *)"zzzz", 4), 24);
	assert_memory_equal(r->buf, "0123456789ABCDEFGHIJKLMN", 24);
	/* nor does an empty one */
	assert_int_equal(pl_reasm_add(r, 524, (const uint8_t *)"", 0), 24);
	free(r);
}

static void test_reasm_seq_wrap(void **s)
{
	struct pl_reasm *r = reasm_new();

	(void)s;
	/* 8 bytes before 2^32, then on from sequence number 0 */
	assert_int_equal(pl_reasm_add(r, 0xfffffff8u, (const uint8_t *)"abcdefgh", 8), 8);
	assert_int_equal(pl_reasm_add(r, 4, (const uint8_t *)"mnop", 4), 8);
	assert_int_equal(pl_reasm_add(r, 0, (const uint8_t *)"ijkl", 4), 16);
	assert_memory_equal(r->buf, "abcdefghijklmnop", 16);
	free(r);

	/* one segment across the wrap */
	r = reasm_new();
	assert_int_equal(pl_reasm_add(r, 0xfffffffeu, (const uint8_t *)"wxyz", 4), 4);
	assert_int_equal(pl_reasm_add(r, 2, (const uint8_t *)"12", 2), 6);
	assert_memory_equal(r->buf, "wxyz12", 6);
	free(r);
}

static void test_reasm_bounded(void **s)
{
	const uint32_t B = PL_REASM_BYTES, base = 0xfffff000u;
	struct pl_reasm *r = reasm_new();
	uint8_t *d = malloc(B + 4096);
	uint32_t i;

	(void)s;
	assert_non_null(d);
	for (i = 0; i < B + 4096; i++)
		d[i] = (uint8_t)(i * 7 + 1);
	/* a segment starting 10 bytes before the end: the rest is dropped */
	assert_int_equal(pl_reasm_add(r, base, d, 100), 100);
	assert_int_equal(pl_reasm_add(r, base + B - 10, d + B - 10, 4000), 100);
	/* one starting exactly at the end, and one far past it */
	assert_int_equal(pl_reasm_add(r, base + B, d, 4000), 100);
	assert_int_equal(pl_reasm_add(r, base + 3 * B, d, 4000), 100);
	/* fill the rest with one segment longer than the buffer */
	assert_int_equal(pl_reasm_add(r, base + 100, d + 100, B + 1000), B);
	assert_memory_equal(r->buf, d, B);
	/* a full buffer parses without reading past it */
	{
		struct pl_meta m;

		pl_reasm_parse(r, B, 40000, 80, &m);
		assert_int_equal(m.payload_len, B);
	}
	free(d);
	free(r);
}

static void reasm_parse(const struct pl_reasm *r, uint32_t len, uint16_t dport,
			struct pl_meta *m)
{
	memset(m, 0xee, sizeof(*m));
	pl_reasm_parse(r, len, 40000, dport, m);
	assert_int_equal(m->malformed, PL_MAL_NONE);
	assert_int_equal(m->l4_proto, 6);
	assert_int_equal(m->sport, 40000);
	assert_int_equal(m->dport, dport);
	assert_int_equal(m->payload_len, len);
}

static void assert_hello_done(const struct pl_meta *m)
{
	assert_int_equal(m->l7_kind, PL_L7_TLS);
	assert_true(m->l7.tls.flags & PL_TLS_COMPLETE);
	assert_true(m->l7.tls.flags & PL_TLS_HAS_SNI);
	assert_int_equal(m->l7.tls.sni_len, 9);
	assert_memory_equal(m->l7.tls.sni, "a.example", 9);
	assert_int_equal(m->l7.tls.n_versions, 2);
	assert_int_equal(m->l7.tls.versions[0], 0x0304);
}

static void test_reasm_tls_split(void **s)
{
	uint8_t ch[300];
	uint32_t n = tls_client_hello(ch), cuts[] = { 1, 5, 10, 11, 20, 43, 50, 60, 70, 0 };
	uint32_t seq = 0x10000000, i;
	struct pl_meta m;

	(void)s;
	cuts[9] = n - 1;
	for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		struct pl_reasm *r = reasm_new();
		uint32_t c = cuts[i];

		print_message("ClientHello of %u bytes cut at %u\n", n, c);
		assert_int_equal(pl_reasm_add(r, seq, ch, c), c);
		reasm_parse(r, c, 443, &m);
		assert_false(m.l7_kind == PL_L7_TLS && (m.l7.tls.flags & PL_TLS_COMPLETE));
		assert_int_equal(pl_reasm_add(r, seq + c, ch + c, n - c), n);
		reasm_parse(r, n, 443, &m);
		assert_hello_done(&m);
		free(r);
	}
}

static void test_reasm_tls_three_parts(void **s)
{
	uint8_t ch[300];
	uint32_t n = tls_client_hello(ch), seq = 0xffffffe0u;  /* wraps inside the hello */
	struct pl_reasm *r = reasm_new();
	struct pl_meta m;

	(void)s;
	assert_int_equal(pl_reasm_add(r, seq, ch, 20), 20);
	assert_int_equal(pl_reasm_add(r, seq + 50, ch + 50, n - 50), 20);
	reasm_parse(r, 20, 443, &m);
	assert_int_equal(m.l7_kind, PL_L7_TLS);
	assert_false(m.l7.tls.flags & PL_TLS_COMPLETE);
	assert_int_equal(pl_reasm_add(r, seq + 20, ch + 20, 30), n);
	reasm_parse(r, n, 443, &m);
	assert_hello_done(&m);
	free(r);
}

static void test_reasm_http_host_later(void **s)
{
	static const char a[] = "GET /index.html HTTP/1.1\r\nUser-Agent: t\r\n";
	static const char b[] = "Host: example.org\r\nAccept: */*\r\n\r\n";
	static const char c1[] = "GET / HTTP/1.1\r\nHost: exam", c2[] = "ple.org\r\n\r\n";
	struct pl_reasm *r = reasm_new();
	struct pl_meta m;
	uint32_t la = sizeof(a) - 1, lb = sizeof(b) - 1;

	(void)s;
	/* split before the Host header */
	assert_int_equal(pl_reasm_add(r, 7, (const uint8_t *)a, la), la);
	reasm_parse(r, la, 80, &m);
	assert_int_equal(m.l7_kind, PL_L7_HTTP);
	assert_false(m.l7.http.flags & PL_HTTP_HAS_HOST);
	assert_int_equal(pl_reasm_add(r, 7 + la, (const uint8_t *)b, lb), la + lb);
	reasm_parse(r, la + lb, 80, &m);
	assert_int_equal(m.l7_kind, PL_L7_HTTP);
	assert_int_equal(m.l7.http.method_len, 3);
	assert_memory_equal(m.l7.http.method, "GET", 3);
	assert_int_equal(m.l7.http.path_len, 11);
	assert_memory_equal(m.l7.http.path, "/index.html", 11);
	assert_true(m.l7.http.flags & PL_HTTP_HAS_HOST);
	assert_int_equal(m.l7.http.host_len, 11);
	assert_memory_equal(m.l7.http.host, "example.org", 11);
	free(r);

	/* split inside the Host value: no host until the rest is in */
	r = reasm_new();
	assert_int_equal(pl_reasm_add(r, 7, (const uint8_t *)c1, sizeof(c1) - 1), sizeof(c1) - 1);
	reasm_parse(r, sizeof(c1) - 1, 8080, &m);
	assert_int_equal(m.l7_kind, PL_L7_HTTP);
	assert_false(m.l7.http.flags & PL_HTTP_HAS_HOST);
	assert_int_equal(pl_reasm_add(r, 7 + sizeof(c1) - 1, (const uint8_t *)c2, sizeof(c2) - 1),
			 sizeof(c1) + sizeof(c2) - 2);
	reasm_parse(r, sizeof(c1) + sizeof(c2) - 2, 8080, &m);
	assert_true(m.l7.http.flags & PL_HTTP_HAS_HOST);
	assert_int_equal(m.l7.http.host_len, 11);
	assert_memory_equal(m.l7.http.host, "example.org", 11);
	free(r);
}

/* A Host past the kernel's window (PL_HTTP_HOST_SCAN bytes after at most
 * PL_HTTP_LINE_SCAN of request target): found by the collector's second
 * reading, which looks through all it put together; past that, flagged
 * PL_HTTP_HOST_WINDOW (the record's host_not_in_window). Before, such a
 * Host was lost without a word. */
static void test_reasm_http_host_past_window(void **s)
{
	static char req[PL_REASM_BYTES + 64];
	struct pl_reasm *r = reasm_new();
	struct pl_meta m;
	uint32_t n, off, seg;

	(void)s;
	/* a 1,000-byte request target, then Host: one 1,040-byte segment */
	n = (uint32_t)snprintf(req, sizeof(req), "GET /%0999d HTTP/1.1\r\nHost: far.example\r\n\r\n", 7);
	assert_int_equal(pl_reasm_add(r, 1, (const uint8_t *)req, n), n);
	reasm_parse(r, n, 80, &m);
	assert_int_equal(m.l7_kind, PL_L7_HTTP);
	assert_true(m.l7.http.flags & PL_HTTP_HAS_HOST);
	assert_false(m.l7.http.flags & PL_HTTP_HOST_WINDOW);
	assert_int_equal(m.l7.http.host_len, 11);
	assert_memory_equal(m.l7.http.host, "far.example", 11);
	assert_true(m.l7.http.flags & PL_HTTP_PATH_TRUNC);
	free(r);

	/* headers that fill all the collector reassembles, Host after them */
	r = reasm_new();
	n = (uint32_t)snprintf(req, sizeof(req), "GET / HTTP/1.1\r\n");
	while (n < PL_REASM_BYTES)
		n += (uint32_t)snprintf(req + n, sizeof(req) - n, "X-Pad: %054d\r\n", 0);
	n += (uint32_t)snprintf(req + n, sizeof(req) - n, "Host: late.example\r\n\r\n");
	for (off = 0; off < n; off += seg) {
		seg = n - off < PL_PAYLOAD_MAX ? n - off : PL_PAYLOAD_MAX;
		pl_reasm_add(r, 1 + off, (const uint8_t *)req + off, seg);
	}
	reasm_parse(r, PL_REASM_BYTES, 80, &m);
	assert_int_equal(m.l7_kind, PL_L7_HTTP);
	assert_false(m.l7.http.flags & PL_HTTP_HAS_HOST);
	assert_true(m.l7.http.flags & PL_HTTP_HOST_WINDOW);
	free(r);
}

/* ---- records.c ----------------------------------------------------------- */

static void addr_is(const char *in6, const char *want)
{
	uint8_t a[16];
	char out[INET6_ADDRSTRLEN];

	assert_int_equal(inet_pton(AF_INET6, in6, a), 1);
	memset(out, 'X', sizeof(out));
	pl_addr_str(a, out, sizeof(out));
	if (strcmp(out, want))
		fail_msg("pl_addr_str(%s) = '%s', want '%s'", in6, out, want);
}

static void test_addr_str(void **s)
{
	(void)s;
	/* IPv4, stored IPv4-mapped */
	addr_is("::ffff:10.0.0.1", "10.0.0.1");
	addr_is("::ffff:255.255.255.255", "255.255.255.255");
	addr_is("::ffff:0.0.0.0", "0.0.0.0");
	/* IPv6, RFC 5952: lower case, no leading zeros, longest zero run as :: */
	addr_is("2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1");
	addr_is("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1");    /* first of equal runs */
	addr_is("2001:db8:0:1:0:0:0:1", "2001:db8:0:1::1");      /* the longest run */
	addr_is("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"); /* one 0 stays */
	addr_is("fe80:0:0:0:abcd:ef01:2345:6789", "fe80::abcd:ef01:2345:6789");
	addr_is("::1", "::1");
	addr_is("::", "::");
	addr_is("2001:db8::", "2001:db8::");
	addr_is("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	/* mapped only with exactly ::ffff:0:0/96 */
	addr_is("::fffe:10.0.0.1", "::fffe:a00:1");
	addr_is("1::ffff:10.0.0.1", "1::ffff:a00:1");
}

static void test_rec_id(void **s)
{
	struct pl_flow_key k;
	struct json_object *o = pl_rec_new("conn");

	(void)s;
	memset(&k, 0, sizeof(k));
	assert_int_equal(inet_pton(AF_INET6, "::ffff:192.168.1.2", k.src), 1);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::53", k.dst), 1);
	k.sport = 54321;
	k.dport = 53;
	pl_rec_id(o, &k);
	assert_string_equal(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
			    "{\"_path\":\"conn\",\"id.orig_h\":\"192.168.1.2\",\"id.orig_p\":54321,"
			    "\"id.resp_h\":\"2001:db8::53\",\"id.resp_p\":53}");
	json_object_put(o);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Neighbouring seeds, then seeds one high bit apart. */
static uint64_t uid_seed(int i, int n)
{
	return i < n / 2 ? (uint64_t)i : (uint64_t)(i - n / 2) << 40 | 1ull << 63;
}

static void test_uid(void **s)
{
	enum { N = 20000 };
	static char u[N][PL_UID_LEN + 1];
	char again[PL_UID_LEN + 1];
	int i, j;

	(void)s;
	for (i = 0; i < N; i++) {
		memset(u[i], '?', sizeof(u[i]));
		pl_uid_make(uid_seed(i, N), u[i]);
		assert_int_equal(strlen(u[i]), PL_UID_LEN);
		assert_int_equal(u[i][0], 'C');
		for (j = 1; j < PL_UID_LEN; j++)
			if (!((u[i][j] >= '0' && u[i][j] <= '9') || (u[i][j] >= 'A' && u[i][j] <= 'Z') ||
			      (u[i][j] >= 'a' && u[i][j] <= 'z')))
				fail_msg("uid '%s' has '%c', not base62", u[i], u[i][j]);
	}
	/* every position takes every base62 digit somewhere: no dead digits */
	for (j = 1; j < PL_UID_LEN; j++) {
		char used[128] = { 0 };
		int distinct = 0;

		for (i = 0; i < N; i++)
			if (!used[(int)u[i][j]]) {
				used[(int)u[i][j]] = 1;
				distinct++;
			}
		if (distinct != 62)
			fail_msg("uid position %d takes %d digits, want 62", j, distinct);
	}
	pl_uid_make(uid_seed(12345, N), again);        /* the same seed, the same uid */
	assert_string_equal(again, u[12345]);
	qsort(u, N, sizeof(u[0]), cmp_str);
	for (i = 1; i < N; i++)
		if (!strcmp(u[i - 1], u[i]))
			fail_msg("two seeds gave the same uid %s", u[i]);
}

static void test_tls_version_name(void **s)
{
	struct pl_tls t;

	(void)s;
	memset(&t, 0, sizeof(t));
	t.hello_version = 0x0303;
	/* GREASE first, then 1.3 and 1.2, as browsers send them */
	t.n_versions = 3;
	t.versions[0] = 0x7a7a;
	t.versions[1] = 0x0304;
	t.versions[2] = 0x0303;
	assert_string_equal(pl_tls_version_name(&t), "TLSv13");
	/* the highest, wherever it is in the list */
	t.n_versions = 4;
	t.versions[0] = 0x0301;
	t.versions[1] = 0x0303;
	t.versions[2] = 0x0304;
	t.versions[3] = 0x0302;
	assert_string_equal(pl_tls_version_name(&t), "TLSv13");
	t.n_versions = 2;
	t.versions[0] = 0x0302;
	t.versions[1] = 0x0301;
	assert_string_equal(pl_tls_version_name(&t), "TLSv11");
	/* only GREASE and unknown drafts: the hello's own version */
	t.n_versions = 2;
	t.versions[0] = 0xfafa;
	t.versions[1] = 0x7f1c;                 /* TLS 1.3 draft 28 */
	assert_string_equal(pl_tls_version_name(&t), "TLSv12");
	/* no supported_versions at all */
	t.n_versions = 0;
	t.hello_version = 0x0301;
	assert_string_equal(pl_tls_version_name(&t), "TLSv10");
	t.hello_version = 0x0300;
	assert_string_equal(pl_tls_version_name(&t), "SSLv3");
	t.hello_version = 0x0305;
	assert_null(pl_tls_version_name(&t));
	/* a count past the array is not followed */
	t.n_versions = 200;
	memset(t.versions, 0, sizeof(t.versions));
	t.versions[PL_TLS_MAX_VERSIONS - 1] = 0x0304;
	assert_string_equal(pl_tls_version_name(&t), "TLSv13");
}

static void test_dns_names(void **s)
{
	(void)s;
	assert_string_equal(pl_dns_qtype_name(1), "A");
	assert_string_equal(pl_dns_qtype_name(28), "AAAA");
	assert_string_equal(pl_dns_qtype_name(12), "PTR");
	assert_string_equal(pl_dns_qtype_name(65), "HTTPS");
	assert_string_equal(pl_dns_qtype_name(255), "*");
	assert_string_equal(pl_dns_qtype_name(257), "CAA");
	assert_null(pl_dns_qtype_name(0));
	assert_null(pl_dns_qtype_name(54));
	assert_null(pl_dns_qtype_name(1000));
	assert_null(pl_dns_qtype_name(65535));

	assert_string_equal(pl_dns_rcode_name(0), "NOERROR");
	assert_string_equal(pl_dns_rcode_name(2), "SERVFAIL");
	assert_string_equal(pl_dns_rcode_name(3), "NXDOMAIN");
	assert_string_equal(pl_dns_rcode_name(5), "REFUSED");
	assert_string_equal(pl_dns_rcode_name(10), "NOTZONE");
	assert_null(pl_dns_rcode_name(11));
	assert_null(pl_dns_rcode_name(15));
	assert_null(pl_dns_rcode_name(255));

	assert_string_equal(pl_dns_qclass_name(1), "C_INTERNET");
	assert_string_equal(pl_dns_qclass_name(0x8001), "C_INTERNET");  /* mDNS QU bit */
	assert_string_equal(pl_dns_qclass_name(3), "C_CHAOS");
	assert_string_equal(pl_dns_qclass_name(4), "C_HESIOD");
	assert_string_equal(pl_dns_qclass_name(254), "C_NONE");
	assert_string_equal(pl_dns_qclass_name(255), "C_ANY");
	assert_null(pl_dns_qclass_name(0));
	assert_null(pl_dns_qclass_name(2));
	assert_null(pl_dns_qclass_name(0x8000));

	assert_string_equal(pl_proto_name(6), "tcp");
	assert_string_equal(pl_proto_name(17), "udp");
	assert_string_equal(pl_proto_name(1), "icmp");
	assert_string_equal(pl_proto_name(58), "icmp");
	assert_null(pl_proto_name(132));
}

/* pl_rec_ts(ns) alone in a record, as the JSON text a log line holds. */
static void ts_is(uint64_t ns, const char *want)
{
	struct json_object *o = pl_rec_new("conn"), *back;
	char line[128];

	pl_rec_ts(o, "ts", ns);
	fmt(line, sizeof(line), "{\"_path\":\"conn\",\"ts\":%s}", want);
	assert_string_equal(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							       JSON_C_TO_STRING_NOSLASHESCAPE), line);
	/* and it reads back as a number */
	back = json_tokener_parse(line);
	assert_non_null(back);
	assert_int_equal(json_object_get_type(json_object_object_get(back, "ts")), json_type_double);
	json_object_put(back);
	json_object_put(o);
}

static void test_rec_ts(void **s)
{
	struct json_object *o;

	(void)s;
	ts_is(1000001000ull, "1.000001");
	ts_is(1000001999ull, "1.000001");               /* cut, not rounded */
	ts_is(0, "0.000000");
	ts_is(999, "0.000000");
	ts_is(1500000000ull, "1.500000");
	ts_is(1700000000123456789ull, "1700000000.123456");
	ts_is(4102444800000000000ull, "4102444800.000000"); /* 2100-01-01 */
	ts_is(UINT64_MAX, "18446744073.709551");
	/* durations print the same way */
	o = json_object_new_object();
	pl_rec_secs(o, "duration", 2000500ull);
	assert_string_equal(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
			    "{\"duration\":0.002000}");
	json_object_put(o);
}

/* ---- sink.c -------------------------------------------------------------- */

static struct json_object *conn_rec(int n)
{
	struct json_object *o = pl_rec_new("conn");

	pl_rec_ts(o, "ts", 1700000000000000000ull + (uint64_t)n * 1000);
	pl_rec_u64(o, "n", (uint64_t)n);
	pl_rec_str(o, "proto", "tcp", 3);
	return o;
}

static int count_lines(const char *text)
{
	int n = 0;

	for (; *text; text++)
		n += *text == '\n';
	return n;
}

static void test_sink_files(void **s)
{
	struct pl_sink sink;
	char dir[PATH_MAX], path[PATH_MAX + 16];
	char *text, *line, *save;
	struct json_object *o;
	int i, n;

	tmp_path(s, "logs", dir);                       /* does not exist yet */
	if (pl_sink_open(&sink, dir, 0, err, sizeof(err)))
		fail_msg("pl_sink_open(%s): %s", dir, err);
	for (i = 0; i < 3; i++)
		assert_int_equal(pl_sink_write(&sink, "conn", conn_rec(i)), 0);
	for (i = 0; i < 2; i++) {
		o = pl_rec_new("dns");
		pl_rec_str(o, "query", "www.example.com/x", 17);
		assert_int_equal(pl_sink_write(&sink, "dns", o), 0);
	}
	pl_sink_close(&sink);

	fmt(path, sizeof(path), "%s/conn.log", dir);
	text = slurp(path);
	assert_non_null(text);
	assert_int_equal(count_lines(text), 3);
	assert_int_equal(text[strlen(text) - 1], '\n');
	for (n = 0, line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save), n++) {
		/* one whole object per line, "_path" first */
		if (strncmp(line, "{\"_path\":\"conn\",", 16))
			fail_msg("line '%s' does not start with \"_path\"", line);
		o = json_tokener_parse(line);
		assert_non_null(o);
		assert_int_equal(json_object_get_int(json_object_object_get(o, "n")), n);
		json_object_put(o);
	}
	free(text);
	assert_int_equal(n, 3);

	fmt(path, sizeof(path), "%s/dns.log", dir);
	text = slurp(path);
	assert_non_null(text);
	assert_string_equal(text, "{\"_path\":\"dns\",\"query\":\"www.example.com/x\"}\n"
				  "{\"_path\":\"dns\",\"query\":\"www.example.com/x\"}\n");
	free(text);
}

/* A record built without "_path" still says what it is. */
static void test_sink_adds_path(void **s)
{
	struct pl_sink sink;
	char dir[PATH_MAX], path[PATH_MAX + 16];
	struct json_object *o = json_object_new_object(), *back;
	char *text;

	tmp_path(s, "logs", dir);
	assert_int_equal(pl_sink_open(&sink, dir, 0, err, sizeof(err)), 0);
	json_object_object_add(o, "note", json_object_new_string("x"));
	assert_int_equal(pl_sink_write(&sink, "weird", o), 0);
	pl_sink_close(&sink);
	fmt(path, sizeof(path), "%s/weird.log", dir);
	text = slurp(path);
	assert_non_null(text);
	back = json_tokener_parse(text);
	assert_non_null(back);
	assert_string_equal(json_object_get_string(json_object_object_get(back, "_path")), "weird");
	json_object_put(back);
	free(text);
}

static void test_sink_rotation(void **s)
{
	enum { RECORDS = 200, ROTATE = 300 };
	struct pl_sink sink;
	char dir[PATH_MAX], path[PATH_MAX + 32];
	int seen[RECORDS] = { 0 }, i, last = -1, files = 0, total = 0;
	unsigned k;

	tmp_path(s, "logs", dir);
	assert_int_equal(pl_sink_open(&sink, dir, ROTATE, err, sizeof(err)), 0);
	for (i = 0; i < RECORDS; i++) {
		assert_int_equal(pl_sink_write(&sink, "conn", conn_rec(i)), 0);
		if (i % 20 == 0) {                      /* another kind in between */
			struct json_object *o = pl_rec_new("dns");

			assert_int_equal(pl_sink_write(&sink, "dns", o), 0);
		}
	}
	pl_sink_close(&sink);

	/* conn.1.log, conn.2.log, ... then conn.log: oldest first */
	for (k = 1;; k++) {
		char *text, *line, *save;
		struct stat st;
		int lines = 0;

		fmt(path, sizeof(path), "%s/conn.%u.log", dir, k);
		if (!exists(path)) {
			fmt(path, sizeof(path), "%s/conn.log", dir);
			if (!exists(path))
				fail_msg("no %s after %u rotated files", path, k - 1);
		}
		assert_int_equal(stat(path, &st), 0);
		text = slurp(path);
		assert_non_null(text);
		for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			struct json_object *o = json_tokener_parse(line);
			int n;

			if (!o)
				fail_msg("%s: not JSON: '%s'", path, line);
			n = json_object_get_int(json_object_object_get(o, "n"));
			json_object_put(o);
			assert_in_range(n, 0, RECORDS - 1);
			seen[n]++;
			if (n <= last)
				fail_msg("%s: record %d after record %d", path, n, last);
			last = n;
			lines++;
		}
		free(text);
		total += lines;
		files++;
		if (strstr(path, "/conn.log"))
			break;
		/* a rotated file reached the limit, and only just */
		if (st.st_size < ROTATE || st.st_size > ROTATE + 100)
			fail_msg("%s is %lld bytes, rotate at %d", path, (long long)st.st_size, ROTATE);
	}
	assert_true(files >= 3);
	assert_int_equal(total, RECORDS);
	for (i = 0; i < RECORDS; i++)
		if (seen[i] != 1)
			fail_msg("record %d found %d times", i, seen[i]);
	/* the small dns stream did not rotate */
	fmt(path, sizeof(path), "%s/dns.1.log", dir);
	assert_false(exists(path));
}

/* Records in all of TMP/logs/conn*.log. */
static int count_conn_records(const char *dir)
{
	char path[PATH_MAX + 32], *text;
	unsigned k;
	int total = 0;

	for (k = 0; k < 1000; k++) {
		if (k)
			fmt(path, sizeof(path), "%s/conn.%u.log", dir, k);
		else
			fmt(path, sizeof(path), "%s/conn.log", dir);
		text = slurp(path);
		if (!text)
			continue;
		total += count_lines(text);
		free(text);
	}
	return total;
}

/* pktlens started again on the same log folder (a restart, a second run of
 * `analyze`) keeps what the first run wrote. */
static void test_sink_second_run_keeps_logs(void **s)
{
	struct pl_sink sink;
	char dir[PATH_MAX];
	int run, i;

	tmp_path(s, "logs", dir);
	for (run = 0; run < 2; run++) {
		assert_int_equal(pl_sink_open(&sink, dir, 200, err, sizeof(err)), 0);
		for (i = 0; i < 10; i++)
			assert_int_equal(pl_sink_write(&sink, "conn", conn_rec(run * 10 + i)), 0);
		pl_sink_close(&sink);
		assert_int_equal(count_conn_records(dir), (run + 1) * 10);
	}
}

static void test_sink_dir_is_file(void **s)
{
	struct pl_sink sink;
	char path[PATH_MAX];

	tmp_file(s, "not-a-dir", "x\n", path);
	err[0] = 0;
	assert_int_equal(pl_sink_open(&sink, path, 0, err, sizeof(err)), -1);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "not a folder"));
}

static void test_sink_dir_cannot_create(void **s)
{
	struct pl_sink sink;
	char path[PATH_MAX];

	tmp_path(s, "no/such/parent", path);
	err[0] = 0;
	assert_int_equal(pl_sink_open(&sink, path, 0, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot create"));
	assert_non_null(strstr(err, path));
}

/* More kinds than the sink has room for: refused, and the record freed
 * (LeakSanitizer would say otherwise). */
static void test_sink_too_many_kinds(void **s)
{
	static const char *const kinds[PL_SINK_KINDS + 1] = {
		"conn", "dns", "http", "ssl", "weird", "k6", "k7", "k8", "k9" };
	struct pl_sink sink;
	char dir[PATH_MAX];
	int i;

	tmp_path(s, "logs", dir);
	assert_int_equal(pl_sink_open(&sink, dir, 0, err, sizeof(err)), 0);
	for (i = 0; i < PL_SINK_KINDS; i++)
		assert_int_equal(pl_sink_write(&sink, kinds[i], pl_rec_new(kinds[i])), 0);
	assert_int_equal(pl_sink_write(&sink, kinds[i], pl_rec_new(kinds[i])), -1);
	pl_sink_close(&sink);
}

/* ---- collector.c: events as the ring buffer hands them ------------------ */

/* The one record of `kind` in DIR/KIND.log, parsed (put it). */
static struct json_object *only_record(void **state, const char *kind)
{
	char path[PATH_MAX], name[32], *text, *nl;
	struct json_object *o;

	fmt(name, sizeof(name), "%s.log", kind);
	text = slurp(tmp_path(state, name, path));
	assert_non_null(text);
	nl = strchr(text, '\n');
	assert_non_null(nl);
	assert_string_equal(nl + 1, "");        /* one line */
	o = json_tokener_parse(text);
	assert_non_null(o);
	free(text);
	return o;
}

static size_t field_len(struct json_object *o, const char *name)
{
	struct json_object *v;

	assert_true(json_object_object_get_ex(o, name, &v));
	return (size_t)json_object_get_string_len(v);
}

static int field_true(struct json_object *o, const char *name)
{
	struct json_object *v;

	return json_object_object_get_ex(o, name, &v) && json_object_get_boolean(v);
}

/* One payload event (what the kernel sends for a DNS name longer than it
 * decodes: PL_EVP_L7_HERE) of len bytes of a wire-byte message through a
 * collector of its own; returns the one record of `kind` it logged, and
 * removes the logs. */
static struct json_object *dns_payload_record(void **state, const uint8_t *msg,
					      uint32_t len, uint32_t wire, uint8_t proto,
					      const char *kind)
{
	struct pl_collector_opts co = { .idle_timeout_ns = 1, .active_timeout_ns = 0 };
	struct pl_ev_payload *e = calloc(1, sizeof(*e));
	const struct tmp *t = *state;
	char path[PATH_MAX];
	struct json_object *o;
	struct pl_collector *c;
	struct pl_sink sink;

	assert_non_null(e);
	assert_int_equal(pl_sink_open(&sink, t->dir, 0, err, sizeof(err)), 0);
	c = pl_collector_new(&co, &sink, -1);
	assert_non_null(c);
	e->h.type = PL_EV_PAYLOAD;
	e->h.size = sizeof(*e);
	e->h.ts_ns = 1000;
	e->h.key.proto = proto;
	e->h.key.sport = 40000;
	e->h.key.dport = 53;
	e->l7_kind = PL_L7_DNS;
	e->l7_flags = PL_EVP_L7_HERE;
	if (proto == 6) {               /* the two-byte length first */
		e->data[0] = (uint8_t)(len >> 8);
		e->data[1] = (uint8_t)len;
		memcpy(e->data + 2, msg, len);
		len += 2;
	} else {
		memcpy(e->data, msg, len);
	}
	e->len = (uint16_t)len;
	e->payload_len = (uint16_t)(wire + (proto == 6 ? 2 : 0));
	pl_collector_on_event(c, e, sizeof(*e));
	pl_collector_sweep(c, 0, 1);
	pl_collector_free(c);
	pl_sink_close(&sink);
	free(e);
	o = only_record(state, kind);
	unlink(tmp_path(state, "dns.log", path));
	unlink(tmp_path(state, "weird.log", path));
	unlink(tmp_path(state, "conn.log", path));
	return o;
}

static void assert_query(struct json_object *o, const uint8_t *msg, int labels, int llen)
{
	char want[PL_DNS_NAME_BUF];
	int i, n = 0;

	for (i = 0; i < labels; i++) {
		if (i)
			want[n++] = '.';
		memset(want + n, 'a' + i % 26, (size_t)llen);
		n += llen;
	}
	(void)msg;
	assert_int_equal(field_len(o, "query"), n);
	assert_memory_equal(json_object_get_string(json_object_object_get(o, "query")), want, n);
	assert_false(field_true(o, "query_truncated"));
	assert_int_equal(json_object_get_int(json_object_object_get(o, "qtype")), 1);
}

/* DNS names to the protocol's limits (RFC 1035 2.3.4: 255 octets, 127
 * labels), read by the collector from the bytes the kernel sends: before,
 * a name of more than 32 labels was logged with no query. */
static void test_dns_long_names(void **state)
{
	uint8_t msg[600];
	struct json_object *o;
	uint32_t len;

	len = dns_long_query(msg, 127, 1);              /* 127 labels, 255 octets */
	assert_int_equal(len, 12 + 255 + 4);
	o = dns_payload_record(state, msg, len, len, 17, "dns");
	assert_query(o, msg, 127, 1);
	assert_int_equal(field_len(o, "query"), 253);
	json_object_put(o);
	len = dns_long_query(msg, 40, 5);               /* 40 labels, tunnel-like */
	o = dns_payload_record(state, msg, len, len, 17, "dns");
	assert_query(o, msg, 40, 5);
	json_object_put(o);
	o = dns_payload_record(state, msg, len, len, 6, "dns");      /* over TCP */
	assert_query(o, msg, 40, 5);
	json_object_put(o);
	/* 253 characters in 4 labels: the kernel reads those itself; a name
	 * of 128 labels is past 255 octets: malformed, a weird record */
	len = dns_long_query(msg, 128, 1);
	o = dns_payload_record(state, msg, len, len, 17, "weird");
	assert_string_equal(json_object_get_string(json_object_object_get(o, "name")),
			    "dns_name_too_long");
	json_object_put(o);
	/* a compression pointer in the question (here to itself: a loop) */
	len = dns_long_query(msg, 34, 1);
	msg[12 + 33 * 2] = 0xc0;
	msg[12 + 33 * 2 + 1] = 12 + 33 * 2;
	o = dns_payload_record(state, msg, len, len, 17, "weird");
	assert_string_equal(json_object_get_string(json_object_object_get(o, "name")),
			    "dns_bad_pointer");
	json_object_put(o);
	/* cut by the segment: what was read, flagged */
	len = dns_long_query(msg, 60, 1);
	o = dns_payload_record(state, msg, 12 + 45 * 2, len, 17, "dns");
	assert_true(field_true(o, "query_truncated"));
	assert_int_equal(field_len(o, "query"), 45 * 2 - 1);
	json_object_put(o);
}

/* L7 events whose lengths run past their buffers (the kernel never sends
 * them; the collector reads them as hostile input): each string is cut to
 * its buffer, not read past the event (found by fuzz_collector: qname_len,
 * method/host/path_len and sni_len were used as they came), and a kind
 * that does not exist makes no record (1 << kind was undefined past 31). */
static void test_l7_event_lengths(void **state)
{
	struct pl_collector_opts co = { .idle_timeout_ns = 1, .active_timeout_ns = 0 };
	struct pl_ev_l7 *e = calloc(1, sizeof(*e));
	struct json_object *o;
	struct pl_collector *c;
	struct pl_sink sink;
	const struct tmp *t = *state;

	assert_non_null(e);
	assert_int_equal(pl_sink_open(&sink, t->dir, 0, err, sizeof(err)), 0);
	c = pl_collector_new(&co, &sink, -1);   /* no flow table: events only */
	assert_non_null(c);
	e->h.type = PL_EV_L7;
	e->h.size = sizeof(*e);
	e->h.ts_ns = 1000;
	e->h.key.proto = 6;
	e->h.key.sport = 40000;
	e->h.key.dport = 80;
	e->kind = PL_L7_HTTP;
	e->l7.http.flags = PL_HTTP_HAS_HOST;
	e->l7.http.method_len = 255;
	e->l7.http.host_len = 255;
	e->l7.http.path_len = 0xffff;
	pl_collector_on_event(c, e, sizeof(*e));
	e->h.key.dport = 443;
	e->kind = PL_L7_TLS;
	memset(&e->l7, 'x', sizeof(e->l7));
	e->l7.tls.flags = PL_TLS_HAS_SNI | PL_TLS_COMPLETE;
	e->l7.tls.sni_len = 0xffff;
	e->l7.tls.n_versions = 255;
	pl_collector_on_event(c, e, sizeof(*e));
	e->h.key.proto = 17;
	e->h.key.dport = 53;
	e->kind = PL_L7_DNS;
	memset(&e->l7, 0, sizeof(e->l7));
	e->l7.dns.has_question = 1;
	e->l7.dns.qname_len = 0xffff;
	pl_collector_on_event(c, e, sizeof(*e));
	e->h.key.dport = 54;
	e->kind = 200;
	pl_collector_on_event(c, e, sizeof(*e));
	pl_collector_sweep(c, 0, 1);
	pl_collector_free(c);
	pl_sink_close(&sink);

	/* and every cut is flagged (docs/records.md, truncation) */
	o = only_record(state, "http");
	assert_int_equal(field_len(o, "method"), PL_HTTP_METHOD_MAX);
	assert_int_equal(field_len(o, "host"), PL_HTTP_HOST_MAX);
	assert_int_equal(field_len(o, "uri"), PL_HTTP_PATH_MAX);
	assert_true(field_true(o, "method_truncated"));
	assert_true(field_true(o, "host_truncated"));
	assert_true(field_true(o, "uri_truncated"));
	assert_true(field_true(o, "truncated"));
	json_object_put(o);
	o = only_record(state, "ssl");
	assert_int_equal(field_len(o, "server_name"), PL_SNI_MAX - 1);
	assert_true(field_true(o, "server_name_truncated"));
	assert_int_equal(json_object_array_length(json_object_object_get(o, "client_versions")),
			 PL_TLS_MAX_VERSIONS);
	assert_true(field_true(o, "client_versions_truncated"));
	json_object_put(o);
	o = only_record(state, "dns");          /* the kind-200 one made none */
	assert_int_equal(field_len(o, "query"), PL_DNS_NAME_MAX);
	assert_true(field_true(o, "query_truncated"));
	json_object_put(o);
	free(e);
}

/* ---- pin folders: which are under /sys/fs/bpf (bpffs.c) ----------------- */

/* Only these make `run --pin` mount a BPF filesystem; the text decides, so
 * "/sys/fs/bpfx" or a ".." that may lead anywhere must not. */
static void test_bpffs_under_root(void **state)
{
	char cwd[4096];

	(void)state;
	assert_int_equal(pl_bpffs_under_root("/sys/fs/bpf"), 1);
	assert_int_equal(pl_bpffs_under_root("/sys/fs/bpf/"), 1);
	assert_int_equal(pl_bpffs_under_root("/sys/fs/bpf/pktlens"), 1);
	assert_int_equal(pl_bpffs_under_root("//sys//fs/./bpf/a/./b/"), 1);
	assert_int_equal(pl_bpffs_under_root("/sys/fs/bpfx"), 0);
	assert_int_equal(pl_bpffs_under_root("/sys/fs/bp"), 0);
	assert_int_equal(pl_bpffs_under_root("/sys/fs"), 0);
	assert_int_equal(pl_bpffs_under_root("/"), 0);
	assert_int_equal(pl_bpffs_under_root("/tmp/sys/fs/bpf/x"), 0);
	assert_int_equal(pl_bpffs_under_root("/sys/fs/bpf/../../tmp/x"), 0);
	assert_int_equal(pl_bpffs_under_root("/sys/fs/bpf/a/.."), 0);
	/* relative: from the working folder */
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir("/sys/fs"), 0);
	assert_int_equal(pl_bpffs_under_root("bpf/pktlens"), 1);
	assert_int_equal(pl_bpffs_under_root("./bpf"), 1);
	assert_int_equal(pl_bpffs_under_root("cgroup"), 0);
	assert_int_equal(chdir("/tmp"), 0);
	assert_int_equal(pl_bpffs_under_root("bpf/pktlens"), 0);
	assert_int_equal(chdir(cwd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_opt_defaults),
		cmocka_unit_test(test_opt_interface),
		cmocka_unit_test(test_opt_paths),
		cmocka_unit_test(test_opt_rotate_mb),
		cmocka_unit_test(test_opt_timeouts),
		cmocka_unit_test(test_opt_timeouts_not_a_number),
		cmocka_unit_test(test_opt_map_sizes),
		cmocka_unit_test(test_opt_fragments),
		cmocka_unit_test(test_opt_frag),
		cmocka_unit_test(test_opt_ringbuf_mb),
		cmocka_unit_test(test_opt_mode),
		cmocka_unit_test(test_opt_summary),
		cmocka_unit_test(test_opt_unknown_key),
		cmocka_unit_test(test_opt_missing_value),
		cmocka_unit_test(test_opt_set_flag),
		cmocka_unit_test_setup_teardown(test_load_good, tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_load_no_section, tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_load_indented_line, tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_load_every_key, tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_load_unknown_key, tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_load_bad_value, tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_load_first_error_only, tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_load_unknown_section, tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_load_not_key_value, tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_load_error_line_matches_message, tmp_setup,
						tmp_teardown),
		cmocka_unit_test_setup_teardown(test_load_missing_file, tmp_setup, tmp_teardown),
		cmocka_unit_test(test_load_nul_byte),
		cmocka_unit_test(test_load_colon),
		cmocka_unit_test(test_load_indented_vt_ff),
		cmocka_unit_test(test_load_long_line),
		cmocka_unit_test(test_load_long_comment),
		cmocka_unit_test(test_load_inline_comment),
		cmocka_unit_test_setup_teardown(test_load_not_regular, tmp_setup, tmp_teardown),
		cmocka_unit_test(test_load_size_cap),
		cmocka_unit_test_setup_teardown(test_l7_event_lengths, tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_dns_long_names, tmp_setup, tmp_teardown),
		cmocka_unit_test(test_reasm_in_order),
		cmocka_unit_test(test_reasm_out_of_order),
		cmocka_unit_test(test_reasm_overlap),
		cmocka_unit_test(test_reasm_seq_wrap),
		cmocka_unit_test(test_reasm_bounded),
		cmocka_unit_test(test_reasm_tls_split),
		cmocka_unit_test(test_reasm_tls_three_parts),
		cmocka_unit_test(test_reasm_http_host_later),
		cmocka_unit_test(test_reasm_http_host_past_window),
		cmocka_unit_test(test_addr_str),
		cmocka_unit_test(test_rec_id),
		cmocka_unit_test(test_uid),
		cmocka_unit_test(test_tls_version_name),
		cmocka_unit_test(test_dns_names),
		cmocka_unit_test(test_rec_ts),
		cmocka_unit_test_setup_teardown(test_sink_files, tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_sink_adds_path, tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_sink_rotation, tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_sink_second_run_keeps_logs, tmp_setup,
						tmp_teardown),
		cmocka_unit_test_setup_teardown(test_sink_dir_is_file, tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_sink_dir_cannot_create, tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_sink_too_many_kinds, tmp_setup, tmp_teardown),
		cmocka_unit_test(test_bpffs_under_root),
	};

	return cmocka_run_group_tests_name("collector", tests, NULL, NULL);
}
