/* SPDX-License-Identifier: BSD-3-Clause */
/* summary.c - a terminal summary from the kernel counters, the per-source
 * table and the collector's name counts. */
#include "summary.h"

#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "names.h"
#include "records.h"
#include "text_escape.h"

#define TOP 5

struct starter {
	uint8_t addr[16];
	uint64_t flows, syn_flows;
};

/* Ties in address order: the table is walked in its random hash order,
 * and the same counts must print the same way every run. */
static int by_flows(const void *a, const void *b)
{
	const struct starter *x = a, *y = b;

	return x->flows < y->flows ? 1 : x->flows > y->flows ? -1 :
	       memcmp(x->addr, y->addr, sizeof(x->addr));
}

/* From the kernel's per-source table: who starts the most flows (a scanner
 * or a flood source stands out here before its bytes do). */
static void top_starters(FILE *f, int fd)
{
	struct starter best[TOP + 1];
	struct pl_src_key k, next;
	struct pl_src_val *v;
	int ncpu = libbpf_num_possible_cpus(), n = 0, i, more;
	char s[64];

	v = calloc((size_t)ncpu, sizeof(*v));
	if (!v)
		return;
	more = !bpf_map_get_next_key(fd, NULL, &k);
	while (more) {
		more = !bpf_map_get_next_key(fd, &k, &next);
		if (!bpf_map_lookup_elem(fd, &k, v)) {
			struct starter t = { .flows = 0 };

			memcpy(t.addr, k.addr, 16);
			for (i = 0; i < ncpu; i++) {
				t.flows += v[i].flows;
				t.syn_flows += v[i].syn_flows;
			}
			/* one spare slot: sort it in, keep the best TOP */
			best[n] = t;
			qsort(best, (size_t)n + 1, sizeof(best[0]), by_flows);
			if (n < TOP)
				n++;
		}
		k = next;
	}
	free(v);
	fprintf(f, "  most flows started:");
	for (i = 0; i < n; i++) {
		pl_addr_str(best[i].addr, s, sizeof(s));
		fprintf(f, "%s %s %llu (%llu with SYN)", i ? "," : "", s,
			(unsigned long long)best[i].flows, (unsigned long long)best[i].syn_flows);
	}
	fprintf(f, "%s\n", n ? "" : " none yet");
}

static void top_talkers(FILE *f, const struct pl_collector *col)
{
	uint8_t addrs[TOP][16];
	uint64_t pkts[TOP], bytes[TOP];
	size_t n = pl_collector_talkers(col, addrs, pkts, bytes, TOP), i;
	char s[64];

	fprintf(f, "  top talkers:");
	for (i = 0; i < n; i++) {
		pl_addr_str(addrs[i], s, sizeof(s));
		fprintf(f, "%s %s %llu pkts %llu B", i ? "," : "", s,
			(unsigned long long)pkts[i], (unsigned long long)bytes[i]);
	}
	fprintf(f, "%s\n", n ? "" : " none yet");
}

static void top_names(FILE *f, const struct pl_collector *col, enum pl_top_kind k,
		      const char *title)
{
	const char *names[TOP];
	uint64_t counts[TOP];
	size_t n = pl_collector_top(col, k, names, counts, TOP), i;

	fprintf(f, "  %s:", title);
	for (i = 0; i < n; i++) {
		/* names from the network: their escape sequences, CR and LF
		 * must not reach the terminal or the journal (text_escape.h) */
		fputs(i ? ", " : " ", f);
		if (names[i][0])
			pl_esc_fput(f, names[i], strlen(names[i]));
		else
			fputs("<root>", f);
		fprintf(f, " (%llu)", (unsigned long long)counts[i]);
	}
	fprintf(f, "%s\n", n ? "" : " none yet");
}

/* The collector's bounded tables (docs/bounds.md), when one of them had to
 * evict or refuse: the top lists above are then approximate (Space-Saving:
 * a count is over the truth by at most the figure given). */
static void bounds_line(FILE *f, const struct pl_collector_stats *st)
{
	uint64_t top = 0, err = 0;
	unsigned i;

	for (i = 0; i <= PL_TOP__COUNT; i++) {
		top += st->top_evicted[i];
		if (st->top_max_err[i] > err)
			err = st->top_max_err[i];
	}
	if (!top && !st->dns_evicted_conn && !st->dns_evicted_total && !st->reasm_evicted &&
	    !st->reasm_timed_out && !st->weird_suppressed && !st->conns_evicted)
		return;
	if (top)
		fprintf(f, "  top lists approximate: evicted dns names %llu, tls sni %llu, "
			"http hosts %llu, talkers %llu (a count is over by at most %llu)\n",
			(unsigned long long)st->top_evicted[PL_TOP_DNS],
			(unsigned long long)st->top_evicted[PL_TOP_SNI],
			(unsigned long long)st->top_evicted[PL_TOP_HTTP],
			(unsigned long long)st->top_evicted[PL_TOP_TALKERS],
			(unsigned long long)err);
	fprintf(f, "  bounded: dns queries open %llu, logged unanswered at the limit %llu "
		"(per connection) + %llu (in all); tls/http waiting %llu, ended early %llu "
		"(memory) + %llu (timeout); weird logged %llu, suppressed %llu; connections closed early "
		"at the limit %llu\n",
		(unsigned long long)st->dns_pending, (unsigned long long)st->dns_evicted_conn,
		(unsigned long long)st->dns_evicted_total, (unsigned long long)st->reasm_waiting,
		(unsigned long long)st->reasm_evicted, (unsigned long long)st->reasm_timed_out,
		(unsigned long long)st->weird_logged, (unsigned long long)st->weird_suppressed,
		(unsigned long long)st->conns_evicted);
}

void pl_summary_print(FILE *f, const struct pl_counters *c,
		      const struct pl_collector *col, const int *sources_fd)
{
	static const struct { int proto; const char *name; } protos[] = {
		{ 6, "tcp" }, { 17, "udp" }, { 1, "icmp" }, { 58, "icmp6" },
	};
	const struct pl_collector_stats *st = pl_collector_stats(col);
	uint64_t other = c->ethertype[PL_ETHC_IPV4] + c->ethertype[PL_ETHC_IPV6], mal = 0;
	unsigned i;
	int n = 0;

	fprintf(f, "pktlens: %llu packets, %llu bytes; ipv4 %llu, ipv6 %llu, arp %llu; "
		"conns logged %llu, open %llu; events lost %llu\n",
		(unsigned long long)c->packets, (unsigned long long)c->bytes,
		(unsigned long long)c->ethertype[PL_ETHC_IPV4],
		(unsigned long long)c->ethertype[PL_ETHC_IPV6],
		(unsigned long long)c->ethertype[PL_ETHC_ARP],
		(unsigned long long)st->conns_logged, (unsigned long long)st->conns_open,
		(unsigned long long)c->events_lost);
	fprintf(f, "  protocols:");
	for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		fprintf(f, " %s %llu", protos[i].name,
			(unsigned long long)c->l4_proto[protos[i].proto]);
		other -= c->l4_proto[protos[i].proto];
	}
	fprintf(f, " other-ip %llu\n", (unsigned long long)other);
	top_talkers(f, col);
	if (sources_fd)
		top_starters(f, *sources_fd);
	top_names(f, col, PL_TOP_DNS, "dns names");
	top_names(f, col, PL_TOP_SNI, "tls sni");
	top_names(f, col, PL_TOP_HTTP, "http hosts");
	bounds_line(f, st);
	for (i = 1; i < PL_MAL__COUNT; i++)
		mal += c->malformed[i];
	fprintf(f, "  malformed: %llu", (unsigned long long)mal);
	for (i = 1; i < PL_MAL__COUNT; i++)
		if (c->malformed[i])
			fprintf(f, "%s %s %llu", n++ ? "," : " (", pl_malformed_name(i),
				(unsigned long long)c->malformed[i]);
	fprintf(f, "%s\n", n ? ")" : "");
	/* what XDP judged (bpf/frag.h), then what the collector rebuilt (ipreasm.c) */
	if (c->fragments)
		fprintf(f, "  fragments: %llu (first tracked %llu, later found %llu, orphans %llu, "
			"dropped %llu, not tracked: table full %llu)\n",
			(unsigned long long)c->fragments, (unsigned long long)c->frag_firsts,
			(unsigned long long)c->frag_found, (unsigned long long)c->frag_orphans,
			(unsigned long long)c->frag_drops, (unsigned long long)c->frag_table_fail);
	if (st->frag.fragments)
		fprintf(f, "  ip reassembly: %llu fragments; datagrams reassembled %llu, timed out %llu, "
			"overlapping %llu, evicted %llu, oversize %llu, inconsistent %llu; "
			"fragments duplicate %llu, refused %llu, discarded %llu, cut %llu; "
			"%llu B held at most\n",
			(unsigned long long)st->frag.fragments,
			(unsigned long long)st->frag.ends[PL_IPR_COMPLETE],
			(unsigned long long)st->frag.ends[PL_IPR_TIMEOUT],
			(unsigned long long)st->frag.ends[PL_IPR_OVERLAP],
			(unsigned long long)st->frag.ends[PL_IPR_EVICTED],
			(unsigned long long)st->frag.ends[PL_IPR_OVERSIZE],
			(unsigned long long)st->frag.ends[PL_IPR_INCONSISTENT],
			(unsigned long long)st->frag.duplicates, (unsigned long long)st->frag.bad,
			(unsigned long long)st->frag.discarded, (unsigned long long)st->frag.cut,
			(unsigned long long)st->frag.mem_peak);
}

void pl_summary_print_egress(FILE *f, const struct pl_counters *e)
{
	uint64_t mal = 0;
	unsigned i;

	for (i = 1; i < PL_MAL__COUNT; i++)
		mal += e->malformed[i];
	fprintf(f, "  sent (egress): %llu packets, %llu bytes; ipv4 %llu, ipv6 %llu, arp %llu; "
		"tcp %llu udp %llu icmp %llu icmp6 %llu; malformed %llu\n",
		(unsigned long long)e->packets, (unsigned long long)e->bytes,
		(unsigned long long)e->ethertype[PL_ETHC_IPV4],
		(unsigned long long)e->ethertype[PL_ETHC_IPV6],
		(unsigned long long)e->ethertype[PL_ETHC_ARP],
		(unsigned long long)e->l4_proto[6], (unsigned long long)e->l4_proto[17],
		(unsigned long long)e->l4_proto[1], (unsigned long long)e->l4_proto[58],
		(unsigned long long)mal);
}
