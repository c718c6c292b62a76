/* SPDX-License-Identifier: BSD-3-Clause */
/* cmd_check.c - `pktlens check`: every frame of every capture through the
 * native parser and through the real XDP program (BPF_PROG_TEST_RUN), the
 * two compared field by field, and both against tshark's truth files.
 *
 * Known, stated differences (not counted as disagreement):
 *  - a frame we judge malformed is compared on L2 only, and agrees when
 *    tshark also flags it (ws_error) or a layer below what tshark read is cut;
 *  - TLS columns of a ClientHello split over segments (needs reassembly);
 *  - L7 columns of segments tshark marks as retransmissions (it skips them);
 *  - only the first DNS message of a segment is read (first value compared). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse/pl_parse.h"
#include "meta_fmt.h"
#include "names.h"
#include "pcap_frames.h"
#include "replay.h"

#define NCOL 40

struct totals {
	unsigned long frames, fields, agree, bpf_same, files_ok, files_bad;
};

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

static int is_l7_col(int c)
{
	return (c >= PL_COL_DNS_QNAME && c <= PL_COL_HTTP_URI) || c == PL_COL_DNS_RESP ||
	       c == PL_COL_TLS_CH || c == PL_COL_TLS_VERSIONS;
}

static int is_tls_col(int c)
{
	return c == PL_COL_TLS_SNI || c == PL_COL_TLS_CH || c == PL_COL_TLS_VERSIONS;
}

static int check_file(struct pl_replay *rp, const char *dir, const char *name,
		      struct totals *t, int verbose)
{
	char path[4096], tpath[4096], line[65536], ours[1024], tb[1024];
	static struct pl_frame f;
	struct pl_capture cap;
	struct pl_meta nm, bm;
	unsigned long frames = 0, fields = 0, agree = 0, same = 0, shown = 0;
	FILE *tf;
	int r, verdict;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tpath, sizeof(tpath), "%s/truth/%.*s.tsv", dir, (int)(strlen(name) - 5), name);
	tf = fopen(tpath, "r");
	if (!tf) {
		fprintf(stderr, "%s: no truth file %s: %s\n", name, tpath, strerror(errno));
		return -1;
	}
	if (pl_capture_open(&cap, path)) {
		fprintf(stderr, "%s\n", cap.err);
		fclose(tf);
		return -1;
	}
	while ((r = pl_capture_next(&cap, &f)) == 1) {
		char *col[NCOL];
		struct pl_pkt pk;
		uint32_t len = f.caplen > PL_REPLAY_MAX_FRAME ? PL_REPLAY_MAX_FRAME : f.caplen;

		do {
			if (!fgets(line, sizeof(line), tf))
				line[0] = 0;
		} while (line[0] == '#');
		line[strcspn(line, "\n")] = 0;
		split(line, col);

		pk.data = f.data;
		pk.end = f.data + len;
		pk.pkt_len = f.wirelen;
		pl_parse_frame(&pk, &nm);
		if (pl_replay_run(rp, f.data, f.caplen, f.wirelen, f.ts_ns, &verdict, &bm)) {
			fprintf(stderr, "%s: test run of frame %llu failed\n", name,
				(unsigned long long)f.number);
			break;
		}
		pl_meta_canon(&nm);
		pl_meta_canon(&bm);
		frames++;
		if (!memcmp(&nm, &bm, sizeof(nm)))
			same++;
		else if (verbose) {
			size_t at = 0;

			while (((uint8_t *)&nm)[at] == ((uint8_t *)&bm)[at])
				at++;
			printf("  %s frame %llu: native and BPF parsers differ from byte %zu of pl_meta\n",
			       name, (unsigned long long)f.number, at);
		}

		int retrans = !strcmp(col[36], "1");
		int truth_err = !strcmp(col[35], "1");
		int split_ch = !strcmp(col[31], "1") &&
			       !(nm.l7_kind == PL_L7_TLS && (nm.l7.tls.flags & PL_TLS_COMPLETE));
		if (nm.malformed) {
			/* judged on whether tshark saw something wrong too, or ran out
			 * of bytes below where we did */
			fields++;
			if (truth_err || (f.caplen < f.wirelen))
				agree++;
			else if (verbose && shown++ < 20)
				printf("  %s frame %llu: we say %s, tshark saw no error\n", name,
				       (unsigned long long)f.number, pl_malformed_name(nm.malformed));
			continue;
		}
		for (int c = PL_COL_ETH_SRC; c <= PL_COL__LAST; c++) {
			const char *tv = col[c - 1];

			if ((c == PL_COL_ETH_SRC || c == PL_COL_ETH_DST) && !*tv)
				continue;       /* raw IP and SLL captures have no MACs */
			if (is_l7_col(c) && retrans)
				continue;
			if (is_tls_col(c) && split_ch)
				continue;
			if (c == PL_COL_DNS_QNAME || c == PL_COL_DNS_QTYPE || c == PL_COL_DNS_RCODE)
				tv = first(tv, tb, sizeof(tb));
			pl_meta_column(&nm, c, ours, sizeof(ours));
			fields++;
			if (!strcmp(ours, tv)) {
				agree++;
			} else if (c == PL_COL_HTTP_URI && (nm.l7.http.flags & PL_HTTP_PATH_TRUNC) &&
				   !strncmp(ours, tv, strlen(ours))) {
				agree++;        /* a prefix, as designed */
			} else if (verbose && shown++ < 20) {
				printf("  %s frame %llu col %d: ours '%s' tshark '%s'\n", name,
				       (unsigned long long)f.number, c, ours, tv);
			}
		}
	}
	if (r < 0)
		printf("  %s: %s (records up to there are used)\n", name, cap.err);
	pl_capture_close(&cap);
	fclose(tf);
	printf("%-34s frames %5lu  fields %6lu  agree %6lu (%6.2f%%)  bpf==native %5lu/%lu\n",
	       name, frames, fields, agree, fields ? 100.0 * agree / fields : 100.0, same, frames);
	t->frames += frames;
	t->fields += fields;
	t->agree += agree;
	t->bpf_same += same;
	return same == frames ? 0 : 1;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int cmd_check(int argc, char **argv)
{
	const char *dir = "../shared/pcaps";
	int verbose = 0, strict = 0, n = 0, rc = 0;
	char *names[1024], err[512];
	struct totals t = { 0 };
	struct pl_replay rp;
	struct dirent *de;
	DIR *d;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--pcaps") && i + 1 < argc)
			dir = argv[++i];
		else if (!strcmp(argv[i], "-v"))
			verbose = 1;
		else if (!strcmp(argv[i], "--strict"))
			strict = 1;
		else {
			fprintf(stderr, "usage: pktlens check [--pcaps DIR] [-v] [--strict]\n"
				"  Runs every capture in DIR (default ../shared/pcaps) through the native\n"
				"  parser and the XDP program, compares them frame by frame and with\n"
				"  DIR/truth/*.tsv (tshark). --strict: exit 1 if the two parsers differ.\n");
			return 2;
		}
	}
	d = opendir(dir);
	if (!d) {
		fprintf(stderr, "pktlens check: cannot open '%s': %s\n", dir, strerror(errno));
		return 1;
	}
	while ((de = readdir(d)) && n < 1024) {
		size_t l = strlen(de->d_name);

		if (l > 5 && !strcmp(de->d_name + l - 5, ".pcap"))
			names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, (size_t)n, sizeof(names[0]), cmp_str);
	if (pl_replay_open(&rp, err, sizeof(err))) {
		fprintf(stderr, "pktlens check: %s\n", err);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		int r = check_file(&rp, dir, names[i], &t, verbose);

		if (r)
			t.files_bad++;
		else
			t.files_ok++;
		free(names[i]);
	}
	pl_replay_close(&rp);
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
