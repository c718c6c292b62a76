/* SPDX-License-Identifier: BSD-3-Clause */
/* cmd_check.c - `pktlens check`: every frame of every capture through the
 * native parser and through the real XDP program (BPF_PROG_TEST_RUN), the
 * two compared byte for byte, and both against tshark's truth files
 * (DIR/truth/NAME.tsv, made by tshark-truth.sh).
 *
 * Conventions of the comparison (how two dissectors that are both right can
 * be compared at all; nothing here excuses a single frame):
 *  - a frame we judge malformed has no field from the failing layer up; the
 *    layers below it are compared, and the verdict agrees when tshark flags
 *    the frame too (ws_error);
 *  - MACs only for Ethernet captures: for raw IP and SLL ours are the
 *    synthetic header pcap_frames.c builds, tshark shows none;
 *  - the L7 columns of segments tshark marks as retransmissions: it does not
 *    dissect them (tcp.no_subdissector_on_error), we parse every frame;
 *  - the TLS columns of a segment that completes a ClientHello begun in an
 *    earlier segment of its flow (where we saw the start and no end): tshark
 *    reassembles, the per-frame parser cannot (the collector does);
 *  - only the first DNS message of a segment and its first question are
 *    read: the first of tshark's values is compared;
 *  - an HTTP path longer than we keep is a prefix of tshark's (flagged);
 *  - a capture damaged part-way agrees when tshark stopped at the same
 *    frame (its truth file ends with "# tshark-error").
 * Everything else that differs is a disagreement. With --strict a capture
 * fails on one that is not listed, by exact key, in the --known file
 * (check_known.h), on a listed one that did not occur, when the two parsers
 * differ, when a test run fails, or when the capture or its truth cannot be
 * read. One line per capture, "ok   NAME figures" or "FAIL NAME: why" and
 * the details indented, then "N passed, N failed". */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse/pl_parse.h"
#include "check_known.h"
#include "meta_fmt.h"
#include "names.h"
#include "pcap_frames.h"
#include "replay.h"
#include "text_escape.h"

#define NCOL 40
#define TRUTH_COLS 38           /* tshark-truth v1 */
#define COL_WS_ERROR 35         /* 0-based indexes of the columns not in pl_col */
#define COL_RETRANS 36
#define COL_TLS_CH (PL_COL_TLS_CH - 1)
#define DETAILS_SHOWN 40        /* indented lines under a FAIL */
#define DETAILS_KEPT 1000
#define CH_PENDING 64           /* flows with a ClientHello begun, per capture */
#define LINKTYPE_ETHERNET 1

struct totals {
	unsigned long frames, fields, agree, bpf_same, files_ok, files_bad;
};

/* What one capture came to. The counters are the reasons it fails. */
struct result {
	unsigned long frames, fields, agree, same, known;
	unsigned long tshark_diffs, bpf_diffs, run_fails, stale;
	unsigned long weird;    /* records no frame can be made of (pcap_frames.h) */
	const char *read_err;   /* the capture could not be read (to the end) */
	const char *truth_err;  /* the truth file is missing or out of step */
	int damaged_as_tshark;  /* stopped where tshark stopped */
	char *details[DETAILS_KEPT];
	unsigned long n_details;
	char errbuf[2][4608];     /* room for a path and a message */
};

/* Layers, innermost last: a malformed frame is compared below its failing
 * layer only. */
enum layer { LAY_ETH = 1, LAY_VLAN, LAY_NET, LAY_L4, LAY_L7, LAY_ALL };

static enum layer col_layer(int c)
{
	switch (c) {
	case PL_COL_ETH_SRC: case PL_COL_ETH_DST:
		return LAY_ETH;
	case PL_COL_VLAN_IDS:
		return LAY_VLAN;
	case PL_COL_SPORT: case PL_COL_DPORT: case PL_COL_TCP_FLAGS: case PL_COL_TCP_SEQ:
	case PL_COL_TCP_ACK: case PL_COL_TCP_WIN: case PL_COL_ICMP_TYPE: case PL_COL_ICMP_CODE:
		return LAY_L4;
	case PL_COL_DNS_QNAME: case PL_COL_DNS_QTYPE: case PL_COL_DNS_RCODE: case PL_COL_DNS_RESP:
	case PL_COL_TLS_SNI: case PL_COL_TLS_CH: case PL_COL_TLS_VERSIONS:
	case PL_COL_HTTP_METHOD: case PL_COL_HTTP_HOST: case PL_COL_HTTP_URI:
		return LAY_L7;
	default:        /* ARP and IP */
		return LAY_NET;
	}
}

/* No default: a new reason does not build until its layer is decided. */
static enum layer fail_layer(enum pl_malformed why)
{
	switch (why) {
	case PL_MAL_NONE:
	case PL_MAL__COUNT:
		return LAY_ALL;
	case PL_MAL_ETH_TRUNCATED:
		return LAY_ETH;
	case PL_MAL_VLAN_TRUNCATED: case PL_MAL_VLAN_TOO_MANY:
		return LAY_VLAN;
	case PL_MAL_ARP_TRUNCATED:
	case PL_MAL_IPV4_TRUNCATED: case PL_MAL_IPV4_BAD_VERSION: case PL_MAL_IPV4_BAD_IHL:
	case PL_MAL_IPV4_OPTS_TRUNCATED: case PL_MAL_IPV4_LEN_LT_HDR:
	case PL_MAL_IPV4_LEN_GT_FRAME: case PL_MAL_IPV4_BAD_OPTION:
	case PL_MAL_IPV4_FRAG_OVERFLOW: case PL_MAL_IPV6_TRUNCATED:
	case PL_MAL_IPV6_BAD_VERSION: case PL_MAL_IPV6_LEN_GT_FRAME:
	case PL_MAL_IPV6_EXT_TRUNCATED: case PL_MAL_IPV6_EXT_CHAIN_TOO_LONG:
	case PL_MAL_IPV6_HBH_NOT_FIRST: case PL_MAL_IPV6_FRAG_BAD_LEN:
	case PL_MAL_IPV6_FRAG_TRUNCATED:
	/* judgements on a fragment as a whole: the IP layer's */
	case PL_MAL_IPV4_FRAG_TINY: case PL_MAL_IPV4_FRAG_OFFSET_ONE:
	case PL_MAL_IPV6_FRAG_TINY: case PL_MAL_FRAG_HDR_OVERLAP:
		return LAY_NET;
	case PL_MAL_TCP_TRUNCATED: case PL_MAL_TCP_BAD_DOFF: case PL_MAL_UDP_TRUNCATED:
	case PL_MAL_UDP_BAD_LEN: case PL_MAL_ICMP_TRUNCATED:
		return LAY_L4;
	case PL_MAL_DNS_TRUNCATED: case PL_MAL_DNS_LABEL_OVERFLOW: case PL_MAL_DNS_NAME_TOO_LONG:
	case PL_MAL_DNS_BAD_LABEL_TYPE: case PL_MAL_DNS_BAD_POINTER: case PL_MAL_TLS_BAD_RECORD:
	case PL_MAL_TLS_BAD_HELLO: case PL_MAL_TLS_BAD_SNI:
		return LAY_L7;
	}
	return LAY_ETH;         /* out-of-range value: compare nothing */
}

static __attribute__((format(printf, 2, 3))) void detail(struct result *res, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (res->n_details++ >= DETAILS_KEPT)
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	res->details[res->n_details - 1] = s;
}

static void result_free(struct result *res)
{
	unsigned long n = res->n_details < DETAILS_KEPT ? res->n_details : DETAILS_KEPT;

	for (unsigned long i = 0; i < n; i++)
		free(res->details[i]);
}

static int split(char *line, char **col)
{
	int n = 0;

	col[n++] = line;
	for (char *p = line; *p && n < NCOL; p++)
		if (*p == '\t') {
			*p = 0;
			col[n++] = p + 1;
		}
	for (int i = n; i < NCOL; i++)
		col[i] = (char *)"";
	return n;
}

static const char *first(const char *s, char *buf, size_t n)
{
	const char *c = strchr(s, ',');
	size_t l = c ? (size_t)(c - s) : strlen(s);

	if (l >= n)
		l = n - 1;
	memcpy(buf, s, l);
	buf[l] = 0;
	return buf;
}

/* ---- the truth file ------------------------------------------------------ */

struct truth {
	FILE *f;
	char line[65536];
	int tshark_error;       /* it ends with "# tshark-error: ..." */
	unsigned long frames;   /* frame lines read */
};

/* The header must be tshark-truth v1's, with the columns pl_col names. */
static const char *truth_open(struct truth *t, const char *path, char *err, size_t errlen)
{
	char want[1024] = "#frame";
	int c;

	memset(t, 0, sizeof(*t));
	t->f = fopen(path, "r");
	if (!t->f) {
		snprintf(err, errlen, "no truth file %s: %s", path, strerror(errno));
		return err;
	}
	for (c = PL_COL_ETH_SRC; c <= PL_COL__LAST; c++)
		snprintf(want + strlen(want), sizeof(want) - strlen(want), "\t%s", pl_col_name(c));
	if (!fgets(t->line, sizeof(t->line), t->f) || strncmp(t->line, "# tshark-truth v1;", 18) ||
	    !fgets(t->line, sizeof(t->line), t->f) || strncmp(t->line, want, strlen(want)) ||
	    t->line[strlen(want)] != '\t') {
		snprintf(err, errlen, "%s is not a tshark-truth v1 file with the usual columns", path);
		return err;
	}
	return NULL;
}

/* The next frame's line, split into col; 1, or 0 at the end, -1 if a line
 * does not fit. */
static int truth_next(struct truth *t, char **col)
{
	size_t l;

	for (;;) {
		if (!fgets(t->line, sizeof(t->line), t->f))
			return 0;
		l = strlen(t->line);
		if (l && t->line[l - 1] == '\n')
			t->line[--l] = 0;
		else if (!feof(t->f))
			return -1;
		if (!strncmp(t->line, "# tshark-error:", 15))
			t->tshark_error = 1;
		if (t->line[0] != '#')
			break;
	}
	t->frames++;
	split(t->line, col);
	return 1;
}

/* ---- one frame ------------------------------------------------------------ */

/* Flows where we saw a ClientHello begin and not end (a ring: an old entry
 * is forgotten, which can only make check stricter). */
struct ch_flows {
	struct { __u8 src[16], dst[16]; __u16 sport, dport; int open; } f[CH_PENDING];
	unsigned n;
};

static int ch_find(const struct ch_flows *p, const struct pl_meta *m)
{
	unsigned n = p->n < CH_PENDING ? p->n : CH_PENDING;

	for (unsigned i = 0; i < n; i++)
		if (p->f[i].open && p->f[i].sport == m->sport && p->f[i].dport == m->dport &&
		    !memcmp(p->f[i].src, m->src, 16) && !memcmp(p->f[i].dst, m->dst, 16))
			return (int)i;
	return -1;
}

static void ch_note(struct ch_flows *p, const struct pl_meta *m)
{
	unsigned i;

	if (m->l7_kind != PL_L7_TLS || (m->l7.tls.flags & PL_TLS_COMPLETE) || ch_find(p, m) >= 0)
		return;
	i = p->n++ % CH_PENDING;
	memcpy(p->f[i].src, m->src, 16);
	memcpy(p->f[i].dst, m->dst, 16);
	p->f[i].sport = m->sport;
	p->f[i].dport = m->dport;
	p->f[i].open = 1;
}

struct frame_ctx {
	const char *name;
	int linktype;
	struct pl_known *known;
	struct ch_flows ch;
	struct result *res;
};

static void disagree(struct frame_ctx *x, unsigned long frame, const char *column,
		     const char *ours, const char *tv)
{
	struct result *res = x->res;

	if (pl_known_match(x->known, x->name, frame, column, ours, tv)) {
		res->known++;
		return;
	}
	res->tshark_diffs++;
	detail(res, "frame %lu %s: ours '%s' tshark '%s'", frame, column, ours, tv);
}

static int is_tls_col(int c)
{
	return c == PL_COL_TLS_SNI || c == PL_COL_TLS_CH || c == PL_COL_TLS_VERSIONS;
}

/* Our parse of one frame against its truth line. */
static void compare_tshark(struct frame_ctx *x, const struct pl_frame *f, const struct pl_meta *nm,
			   char **col)
{
	struct result *res = x->res;
	char ours[1024], tb[1024];
	int retrans = !strcmp(col[COL_RETRANS], "1");
	int ch_cont = 0;
	enum layer below = fail_layer((enum pl_malformed)nm->malformed);

	if (!strcmp(col[COL_TLS_CH], "1") &&
	    !(nm->l7_kind == PL_L7_TLS && (nm->l7.tls.flags & PL_TLS_COMPLETE))) {
		int i = ch_find(&x->ch, nm);

		if (i >= 0 && (nm->flags & PL_F_L4)) {
			ch_cont = 1;
			x->ch.f[i].open = 0;    /* completed here */
		}
	}
	if (nm->flags & PL_F_L4)
		ch_note(&x->ch, nm);
	if (nm->malformed) {
		res->fields++;
		if (!strcmp(col[COL_WS_ERROR], "1"))
			res->agree++;
		else
			disagree(x, f->number, PL_KNOWN_MALFORMED, pl_malformed_name(nm->malformed),
				 col[COL_WS_ERROR]);
	}
	for (int c = PL_COL_ETH_SRC; c <= PL_COL__LAST; c++) {
		const char *tv = col[c - 1];

		if (col_layer(c) >= below)
			continue;
		if (col_layer(c) == LAY_ETH && x->linktype != LINKTYPE_ETHERNET)
			continue;
		if (col_layer(c) == LAY_L7 && retrans)
			continue;
		if (is_tls_col(c) && ch_cont)
			continue;
		if (c == PL_COL_DNS_QNAME || c == PL_COL_DNS_QTYPE || c == PL_COL_DNS_RCODE)
			tv = first(tv, tb, sizeof(tb));
		pl_meta_column(nm, c, ours, sizeof(ours));
		res->fields++;
		if (!strcmp(ours, tv))
			res->agree++;
		else if (c == PL_COL_HTTP_URI && nm->l7_kind == PL_L7_HTTP &&
			 (nm->l7.http.flags & PL_HTTP_PATH_TRUNC) && !strncmp(ours, tv, strlen(ours)))
			res->agree++;
		else
			disagree(x, f->number, pl_col_name(c), ours, tv);
	}
}

/* ---- one capture ----------------------------------------------------------- */

static void check_file(struct pl_replay *rp, const char *dir, const char *name,
		       struct pl_known *known, struct result *res)
{
	static struct frame_ctx x;
	static struct pl_frame f;
	char path[4096], tpath[4096], *col[NCOL];
	struct pl_capture cap;
	struct pl_meta nm, bm;
	struct truth t;
	int r, tr, verdict;

	memset(&x, 0, sizeof(x));
	x.name = name;
	x.known = known;
	x.res = res;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tpath, sizeof(tpath), "%s/truth/%.*s.tsv", dir, (int)(strlen(name) - 5), name);
	res->truth_err = truth_open(&t, tpath, res->errbuf[0], sizeof(res->errbuf[0]));
	if (pl_capture_open(&cap, path)) {
		snprintf(res->errbuf[1], sizeof(res->errbuf[1]), "%s", cap.err);
		res->read_err = res->errbuf[1];
		goto out;
	}
	x.linktype = cap.linktype;
	while ((r = pl_capture_read(&cap, &f)) == PL_CAP_FRAME || r == PL_CAP_WEIRD) {
		struct pl_pkt pk;
		uint32_t len = f.caplen > PL_REPLAY_MAX_FRAME ? PL_REPLAY_MAX_FRAME : f.caplen;
		int e;

		if (r == PL_CAP_WEIRD) {
			/* not a frame: nothing to parse, but tshark has a line for it */
			res->frames++;
			res->weird++;
			detail(res, "frame %llu: %s: %s", (unsigned long long)f.number,
			       cap.weird_name, cap.weird_addl);
			goto truth;
		}
		pk.data = f.data;
		pk.end = f.data + len;
		pk.pkt_len = f.wirelen;
		pl_parse_frame(&pk, &nm);
		e = pl_replay_run(rp, f.data, f.caplen, f.wirelen, f.ts_ns, &verdict, &bm);
		res->frames++;
		pl_meta_canon(&nm);
		if (e) {
			res->run_fails++;
			detail(res, "frame %llu: test run failed: %s", (unsigned long long)f.number,
			       strerror(e < 0 ? -e : e));
		} else {
			pl_meta_canon(&bm);
			if (!memcmp(&nm, &bm, sizeof(nm))) {
				res->same++;
			} else {
				size_t at = 0;

				while (((uint8_t *)&nm)[at] == ((uint8_t *)&bm)[at])
					at++;
				res->bpf_diffs++;
				detail(res, "frame %llu: native and BPF parsers differ from byte %zu of pl_meta",
				       (unsigned long long)f.number, at);
			}
		}
truth:
		if (res->truth_err)
			continue;
		tr = truth_next(&t, col);
		if (tr <= 0 || strtoull(col[0], NULL, 10) != f.number) {
			if (tr < 0)
				snprintf(res->errbuf[0], sizeof(res->errbuf[0]),
					 "truth line for frame %lu too long", res->frames);
			else if (tr == 0)
				snprintf(res->errbuf[0], sizeof(res->errbuf[0]),
					 "truth file ends before frame %lu", res->frames);
			else
				snprintf(res->errbuf[0], sizeof(res->errbuf[0]),
					 "truth line %lu is for frame '%.32s', not %lu", t.frames,
					 col[0], res->frames);
			res->truth_err = res->errbuf[0];
			continue;
		}
		if (r == PL_CAP_WEIRD)
			continue;
		compare_tshark(&x, &f, &nm, col);
	}
	if (!res->truth_err) {
		tr = truth_next(&t, col);
		if (tr != 0) {
			snprintf(res->errbuf[0], sizeof(res->errbuf[0]),
				 "truth file has frames beyond the capture's %lu", res->frames);
			res->truth_err = res->errbuf[0];
		}
	}
	if (r < 0) {
		/* Damaged part-way: fine where tshark also stopped here. */
		if (!res->truth_err && t.tshark_error) {
			res->damaged_as_tshark = 1;
		} else {
			snprintf(res->errbuf[1], sizeof(res->errbuf[1]), "%s", cap.err);
			res->read_err = res->errbuf[1];
		}
	} else if (!res->truth_err && t.tshark_error) {
		snprintf(res->errbuf[1], sizeof(res->errbuf[1]),
			 "read to the end where tshark stopped with an error");
		res->read_err = res->errbuf[1];
	}
	pl_capture_close(&cap);
out:
	if (t.f)
		fclose(t.f);
}

/* Listed rows of this capture that matched nothing in its run. */
static void stale_rows(struct pl_known *k, const char *name, struct result *res)
{
	for (size_t i = 0; i < k->n; i++) {
		struct pl_known_row *r = &k->rows[i];

		if (r->hits || strcmp(r->file, name))
			continue;
		res->stale++;
		detail(res, "known difference not seen (%s:%u): frame %lu %s: ours '%s' tshark '%s'",
		       k->path, r->line, r->frame, r->column, r->ours, r->tshark);
	}
}

static int result_failed(const struct result *res)
{
	return res->tshark_diffs || res->bpf_diffs || res->run_fails || res->stale ||
	       res->read_err || res->truth_err;
}

static void print_figures(const struct result *res)
{
	printf("frames %5lu  fields %6lu  agree %6lu (%6.2f%%)  bpf==native %5lu/%lu", res->frames,
	       res->fields, res->agree, res->fields ? 100.0 * res->agree / res->fields : 100.0,
	       res->same, res->frames);
	if (res->known)
		printf("  known %lu", res->known);
	if (res->weird)
		printf("  not frames %lu (weird capture_*)", res->weird);
	if (res->damaged_as_tshark)
		printf("  (damaged after frame %lu, as tshark read it)", res->frames);
}

static void print_why(const struct result *res)
{
	const char *sep = "";

#define S(n) ((n) == 1 ? "" : "s")
#define WHY(cond, ...) do { if (cond) { printf("%s", sep); printf(__VA_ARGS__); sep = "; "; } } while (0)
	WHY(res->read_err, "capture: %s", res->read_err);
	WHY(res->truth_err, "%s", res->truth_err);
	WHY(res->run_fails, "test run failed on %lu frame%s", res->run_fails, S(res->run_fails));
	WHY(res->bpf_diffs, "BPF and native parsers differ on %lu frame%s", res->bpf_diffs,
	    S(res->bpf_diffs));
	WHY(res->tshark_diffs, "%lu field%s differ%s from tshark, not listed", res->tshark_diffs,
	    S(res->tshark_diffs), res->tshark_diffs == 1 ? "s" : "");
	WHY(res->stale, "%lu listed difference%s not seen", res->stale, S(res->stale));
#undef WHY
#undef S
}

static void print_details(const struct result *res, unsigned long max)
{
	unsigned long n = res->n_details < DETAILS_KEPT ? res->n_details : DETAILS_KEPT;

	if (n > max)
		n = max;
	/* a detail quotes the capture's names (ours and tshark's): escaped as
	 * all text from the network on a terminal (text_escape.h) */
	for (unsigned long i = 0; i < n; i++) {
		const char *d = res->details[i] ? res->details[i] : "(out of memory)";

		fputs("     ", stdout);
		pl_esc_fput(stdout, d, strlen(d));
		putchar('\n');
	}
	if (res->n_details > n)
		printf("     ... and %lu more\n", res->n_details - n);
}

static void report(const char *name, const struct result *res, int strict, int verbose)
{
	if (!strict) {          /* the plain report: figures, details on -v */
		if (verbose)
			print_details(res, DETAILS_KEPT);
		printf("%-34s ", name);
		print_figures(res);
		printf("\n");
		return;
	}
	if (!result_failed(res)) {
		printf("ok   %-34s ", name);
		print_figures(res);
		printf("\n");
		return;
	}
	printf("FAIL %s: ", name);
	print_why(res);
	printf(" (");
	print_figures(res);
	printf(")\n");
	print_details(res, verbose ? DETAILS_KEPT : DETAILS_SHOWN);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int usage(FILE *out, int rc)
{
	fprintf(out,
		"usage: pktlens check [--pcaps DIR] [--strict] [--known FILE] [-v]\n"
		"  Runs every DIR/*.pcap (default ../shared/pcaps) through the native parser\n"
		"  and the XDP program (BPF_PROG_TEST_RUN), compares the two byte for byte and\n"
		"  both with tshark's per-frame truth in DIR/truth/NAME.tsv.\n"
		"  Without --strict: the figures of each capture (-v: what differs); exit 0.\n"
		"  --strict   one line per capture, 'ok   NAME figures' or 'FAIL NAME: why'\n"
		"             with what differs indented, then 'N passed, N failed'; exit 1\n"
		"             if any failed. A capture fails when a field differs from\n"
		"             tshark and --known does not list it, a listed difference does\n"
		"             not occur, the two parsers differ, a test run fails, or the\n"
		"             capture or its truth cannot be read (a capture damaged part-way\n"
		"             passes if tshark stopped at the same frame).\n"
		"  --known FILE  the accepted differences, one a line, tab-separated: file,\n"
		"             frame, column (a truth column, or 'malformed': our reason vs\n"
		"             tshark's ws_error), our value, tshark's value (exactly as the\n"
		"             details print them), and a reason.\n"
		"  -v         every difference, not only the first %d.\n"
		"  Conventions, not differences: a frame we call malformed is compared below\n"
		"  the layer that failed, and agrees when tshark flags an error too; MACs only\n"
		"  in Ethernet captures; no L7 column of a segment tshark marks as a\n"
		"  retransmission (it does not dissect those); no TLS column of a segment\n"
		"  that completes a ClientHello begun earlier in its flow (tshark\n"
		"  reassembles, the per-frame parser cannot); the first DNS message and\n"
		"  question of a segment; an HTTP path we cut is a prefix of tshark's.\n",
		DETAILS_SHOWN);
	return rc;
}

int cmd_check(int argc, char **argv)
{
	const char *dir = "../shared/pcaps", *known_path = NULL;
	int verbose = 0, strict = 0, n = 0, rc = 0;
	char *names[1024], err[1024];
	struct pl_known known = { 0 };
	struct totals t = { 0 };
	struct pl_replay rp;
	struct dirent *de;
	DIR *d;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--pcaps") && i + 1 < argc)
			dir = argv[++i];
		else if (!strcmp(argv[i], "--known") && i + 1 < argc)
			known_path = argv[++i];
		else if (!strcmp(argv[i], "-v"))
			verbose = 1;
		else if (!strcmp(argv[i], "--strict"))
			strict = 1;
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return usage(stdout, 0);
		else
			return usage(stderr, 2);
	}
	if (known_path && pl_known_load(&known, known_path, err, sizeof(err))) {
		fprintf(stderr, "pktlens check: %s\n", err);
		return 1;
	}
	d = opendir(dir);
	if (!d) {
		fprintf(stderr, "pktlens check: cannot open '%s': %s\n", dir, strerror(errno));
		pl_known_free(&known);
		return 1;
	}
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);

		if (l <= 5 || strcmp(de->d_name + l - 5, ".pcap"))
			continue;
		if (n == 1024) {
			fprintf(stderr, "pktlens check: more than 1024 captures in '%s'\n", dir);
			rc = 1;
			break;
		}
		if (!(names[n] = strdup(de->d_name))) {
			rc = 1;
			break;
		}
		n++;
	}
	closedir(d);
	qsort(names, (size_t)n, sizeof(names[0]), cmp_str);
	if (rc || pl_replay_open(&rp, err, sizeof(err))) {
		if (!rc)
			fprintf(stderr, "pktlens check: %s\n", err);
		for (int i = 0; i < n; i++)
			free(names[i]);
		pl_known_free(&known);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		static struct result res;

		memset(&res, 0, sizeof(res));
		check_file(&rp, dir, names[i], &known, &res);
		stale_rows(&known, names[i], &res);
		report(names[i], &res, strict, verbose);
		if (result_failed(&res))
			t.files_bad++;
		else
			t.files_ok++;
		t.frames += res.frames;
		t.fields += res.fields;
		t.agree += res.agree;
		t.bpf_same += res.same;
		result_free(&res);
	}
	pl_replay_close(&rp);
	/* A row for a capture that is not in DIR can never be seen. */
	for (size_t i = 0; i < known.n; i++) {
		const char *key[1] = { known.rows[i].file };

		if (bsearch(key, names, (size_t)n, sizeof(names[0]), cmp_str))
			continue;
		t.files_bad++;
		if (strict)
			printf("FAIL %s: line %u names %s, not a capture in %s\n", known.path,
			       known.rows[i].line, known.rows[i].file, dir);
	}
	for (int i = 0; i < n; i++)
		free(names[i]);
	pl_known_free(&known);
	printf("\n%d captures, %lu frames: tshark agreement %lu/%lu fields (%.2f%%), "
	       "BPF and native parser identical on %lu/%lu frames\n",
	       n, t.frames, t.agree, t.fields, t.fields ? 100.0 * t.agree / t.fields : 100.0,
	       t.bpf_same, t.frames);
	if (strict) {
		printf("%lu passed, %lu failed\n", t.files_ok, t.files_bad);
		rc = t.files_bad ? 1 : 0;
	}
	return rc;
}
