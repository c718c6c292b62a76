/* SPDX-License-Identifier: BSD-3-Clause */
/* cmd_rules.c - `pktlens rules` (check, load, add, del, list) and
 * `pktlens bans` (add, del, list) on a running daemon's maps. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>

#include "bans.h"
#include "policy_cli.h"
#include "policy_maps.h"
#include "records.h"
#include "rules.h"

static void rules_usage(FILE *o)
{
	fprintf(o,
"usage: pktlens rules check FILE\n"
"       pktlens rules load FILE    [--pin DIR | --prog-id N]\n"
"       pktlens rules add 'RULE'   [--pin DIR | --prog-id N]\n"
"       pktlens rules del N        [--pin DIR | --prog-id N]\n"
"       pktlens rules list         [--pin DIR | --prog-id N]\n"
"\n"
"Rules tell the XDP program of a running `pktlens run` what to do with the\n"
"packets of a source: let them pass (allow), drop them (deny), or drop what\n"
"exceeds a rate (ratelimit). A rule file has one rule per line; # starts a\n"
"comment. It is a regular file or '-' (standard input) of at most 256 MiB,\n"
"lines of at most 4096 characters; a rule that repeats an earlier one\n"
"exactly is an error naming both lines (docs/rules.md):\n"
"\n"
"  allow 10.0.0.0/8\n"
"  deny 192.0.2.0/24 proto tcp port 22\n"
"  deny 2001:db8::/32 dst 2001:db8:1::/48\n"
"  ratelimit 0.0.0.0/0 proto udp port 53 pps 1000\n"
"  ratelimit 198.51.100.7 bps 1M\n"
"  deny any port 6000-6010 vlan 100\n"
"\n"
"  ACTION SOURCE [dst PREFIX] [proto tcp|udp|icmp|icmp6|N] [port N|N-M]\n"
"                [vlan N] [pps N] [bps N]\n"
"\n"
"  SOURCE   a prefix, an address (a /32 or /128), or any. 0.0.0.0/0 is every\n"
"           IPv4 source, ::/0 every IPv6 source, any both\n"
"  dst      destination prefix; port: destination port(s), TCP or UDP;\n"
"           vlan: the outer 802.1Q tag\n"
"  pps/bps  ratelimit only: packets / BITS per second (k, M, G multiply by\n"
"           1000), for each source address apart; a burst of one second's\n"
"           worth passes\n"
"\n"
"Which rule decides: the most specific source prefix first; between equal\n"
"prefixes allow, then ratelimit, then deny; then file order. The first rule\n"
"whose conditions all match decides. No match: the packet passes (bans still\n"
"apply). A new set replaces the old one at once: no packet sees half of each.\n"
"\n"
"commands:\n"
"  check FILE  parse and compile FILE and say what it makes; loads nothing\n"
"              (no root needed)\n"
"  load FILE   make FILE the rule set ('-': standard input); a bad file is\n"
"              reported as FILE:LINE and changes nothing\n"
"  add RULE    append one rule to the running set (quote it, or give its words)\n"
"  del N       remove rule N, as `list` numbers them\n"
"  list        the running rules, with the packets each matched and dropped\n"
"              since it was loaded\n"
"\n"
"options:\n"
"  --pin DIR    the daemon's pin folder (`pktlens run --pin DIR`)\n"
"  --prog-id N  the daemon's XDP program (`bpftool prog show name pktlens_xdp`)\n"
"  without either, the one pktlens program attached in this network namespace\n"
"  is used (named on stderr); one in another namespace is never picked\n"
"\n"
"The source of the loaded set is kept in %s (PKTLENS_STATE_DIR).\n"
"docs/rules.md has the details. Needs root, or CAP_BPF and CAP_SYS_ADMIN.\n",
		pl_state_dir());
}

static void bans_usage(FILE *o)
{
	fprintf(o,
"usage: pktlens bans add ADDR [--ttl DURATION] [--pin DIR | --prog-id N]\n"
"       pktlens bans del ADDR                  [--pin DIR | --prog-id N]\n"
"       pktlens bans list                      [--pin DIR | --prog-id N]\n"
"\n"
"A ban drops every packet from one source address (IPv4 or IPv6; A/32 and\n"
"A/128 are the address), until it is removed or its time is up. The\n"
"unspecified address (0.0.0.0, ::), broadcast (255.255.255.255) and\n"
"multicast addresses are refused: never a packet's real source. Rules come first: a source that an allow rule\n"
"lets through cannot be banned (`bans add` refuses it), and a deny or\n"
"ratelimit rule acts before the ban is looked at. For a whole prefix, use a\n"
"deny rule (`pktlens rules add 'deny 192.0.2.0/24'`).\n"
"\n"
"commands:\n"
"  add ADDR    ban ADDR (again: its time starts anew)\n"
"  del ADDR    lift the ban\n"
"  list        bans: address, time left, packets dropped, who banned\n"
"\n"
"options:\n"
"  --ttl DURATION  how long: 90, 90s, 10m, 2h or 1d; default until removed\n"
"  --pin DIR       the daemon's pin folder (`pktlens run --pin DIR`)\n"
"  --prog-id N     the daemon's XDP program (`bpftool prog show name pktlens_xdp`)\n"
"  without either, the one pktlens program attached in this network namespace\n"
"  is used (named on stderr); one in another namespace is never picked\n"
"\n"
"Needs root, or CAP_BPF and CAP_SYS_ADMIN.\n");
}

static void print_summary(FILE *o, const struct pl_ruleset *rs)
{
	fprintf(o, "%u rule%s, %u source prefix%s (%u IPv4, %u IPv6), %u rule list%s of %u; ",
		rs->n_rules, rs->n_rules == 1 ? "" : "s", rs->n_prefixes,
		rs->n_prefixes == 1 ? "" : "es", rs->n_v4, rs->n_v6, rs->n_lists,
		rs->n_lists == 1 ? "" : "s", PL_RULE_LISTS_MAX);
	if (rs->shared)
		fprintf(o, "counters shared by rules alike but for the source (%u counters)",
			rs->n_ids);
	else
		fprintf(o, "a counter per rule");
}

static double secs_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* What is loaded now, per the kernel and the saved source. *old is
 * compiled when known (for counters); returns -1 on a hard error. */
struct current {
	struct pl_policy_cfg cfg;
	struct pl_saved_rules saved;
	int have_saved;         /* saved source matches the kernel's generation */
	int stale;              /* saved, but for another generation */
	struct pl_ruleset old;
	int have_old;
	char old_err[1024];     /* why the saved source does not compile */
};

static int read_current(const char *who, struct pl_policy_target *t, struct current *c)
{
	char err[1024] = "";
	uint32_t zero = 0;
	int r;

	memset(c, 0, sizeof(*c));
	if (bpf_map_lookup_elem(t->fds.policy, &zero, &c->cfg)) {
		fprintf(stderr, "pktlens %s: cannot read the policy config: %s\n", who,
			strerror(errno));
		return -1;
	}
	r = pl_state_read(t, &c->saved, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "pktlens %s: %s\n", who, err);
		return -1;
	}
	if (r == 0) {
		if (c->saved.generation == (uint64_t)c->cfg.generation)
			c->have_saved = 1;
		else
			c->stale = 1;
	}
	if (c->have_saved) {
		if (!pl_rules_parse(&c->old, c->saved.from, c->saved.text, c->saved.len,
				    c->old_err, sizeof(c->old_err)) &&
		    !pl_rules_compile(&c->old, c->old_err, sizeof(c->old_err)))
			c->have_old = 1;
	}
	return 0;
}

static void current_free(struct current *c)
{
	pl_saved_rules_free(&c->saved);
	pl_ruleset_free(&c->old);
}

/* Loads rs, saves text as its source; prints what happened. */
static int load_and_save(const char *who, struct pl_policy_target *t, struct current *c,
			 struct pl_ruleset *rs, const char *from, const struct timespec *t0)
{
	struct pl_load_result res;
	char err[1024] = "";
	int r;

	r = pl_rules_load(&t->fds, rs, c->have_old ? &c->old : NULL, &res, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "pktlens %s: %s; the rule set in force is unchanged\n", who, err);
		return 1;
	}
	if (r > 0)
		fprintf(stderr, "pktlens %s: warning: %s\n", who, err);
	if (pl_state_save(t, rs->text, rs->text_len, res.generation, from, err, sizeof(err)))
		fprintf(stderr, "pktlens %s: warning: the rules are loaded, but `rules list/add/del` will not know them: %s\n",
			who, err);
	printf("%s: ", t->where);
	print_summary(stdout, rs);
	printf("; generation %" PRIu64 ", %.3f s\n", res.generation, secs_since(t0));
	return 0;
}

static int rules_check(const char *file)
{
	struct pl_ruleset rs;
	struct timespec t0;
	char err[1024] = "";

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (pl_rules_parse_file(&rs, file, err, sizeof(err)) ||
	    pl_rules_compile(&rs, err, sizeof(err))) {
		fprintf(stderr, "pktlens rules check: %s\n", err);
		pl_ruleset_free(&rs);
		return 1;
	}
	printf("%s: ok: ", rs.name);
	print_summary(stdout, &rs);
	printf(" (%.3f s)\n", secs_since(&t0));
	pl_ruleset_free(&rs);
	return 0;
}

static int rules_load(const struct pl_cli_args *a, const char *file)
{
	struct pl_policy_target t;
	struct pl_ruleset rs;
	struct current c;
	struct timespec t0;
	char err[1024] = "", from[256];
	int lock, rc = 1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (pl_rules_parse_file(&rs, file, err, sizeof(err)) ||
	    pl_rules_compile(&rs, err, sizeof(err))) {
		fprintf(stderr, "pktlens rules load: %s; the rule set in force is unchanged\n", err);
		pl_ruleset_free(&rs);
		return 1;
	}
	if (pl_cli_open("rules load", a, &t, &lock)) {
		pl_ruleset_free(&rs);
		return 1;
	}
	if (!read_current("rules load", &t, &c)) {
		if (strcmp(file, "-")) {
			char *abs = realpath(file, NULL);

			snprintf(from, sizeof(from), "%s", abs ? abs : file);
			free(abs);
		} else {
			snprintf(from, sizeof(from), "<stdin>");
		}
		rc = load_and_save("rules load", &t, &c, &rs, from, &t0);
	}
	current_free(&c);
	pl_cli_close(&t, lock);
	pl_ruleset_free(&rs);
	return rc;
}

/* The saved source, to edit; 0 with *text (maybe empty), or 1 after an error. */
static int editable(const char *who, const struct current *c)
{
	if (c->have_saved)
		return 0;
	if (c->stale) {
		fprintf(stderr,
			"pktlens %s: the rule set in force (generation %" PRIu64 ") is not the one whose source was saved (generation %" PRIu64 ", from %s): it was loaded some other way. Load the whole set with `pktlens rules load FILE`\n",
			who, (uint64_t)c->cfg.generation, c->saved.generation, c->saved.from);
		return 1;
	}
	if (c->cfg.flags & PL_POL_RULES) {
		fprintf(stderr,
			"pktlens %s: rules are loaded (generation %" PRIu64 ") but their source was not saved in %s; load the whole set with `pktlens rules load FILE`\n",
			who, (uint64_t)c->cfg.generation, pl_state_dir());
		return 1;
	}
	return 0;                       /* nothing loaded: start from empty */
}

static int rules_add(const struct pl_cli_args *a, const char *rule)
{
	struct pl_policy_target t;
	struct pl_ruleset one, rs;
	struct current c;
	struct timespec t0;
	char err[1024] = "", txt[512], from[300];
	char *text = NULL;
	size_t base;
	int lock, rc = 1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(&rs, 0, sizeof(rs));
	if (strchr(rule, '\n')) {
		fprintf(stderr, "pktlens rules add: one rule, without newlines\n");
		return 2;
	}
	if (pl_rules_parse(&one, "rule", rule, strlen(rule), err, sizeof(err))) {
		fprintf(stderr, "pktlens rules add: %s\n", strncmp(err, "rule:1: ", 8) ? err : err + 8);
		return 1;
	}
	if (one.n_rules != 1) {
		fprintf(stderr, "pktlens rules add: '%s' is no rule (only a comment?)\n", rule);
		pl_ruleset_free(&one);
		return 1;
	}
	if (pl_cli_open("rules add", a, &t, &lock)) {
		pl_ruleset_free(&one);
		return 1;
	}
	if (read_current("rules add", &t, &c) || editable("rules add", &c))
		goto out;
	base = c.have_saved ? c.saved.len : 0;
	text = malloc(base + strlen(rule) + 3);
	if (!text) {
		fprintf(stderr, "pktlens rules add: out of memory\n");
		goto out;
	}
	if (base)
		memcpy(text, c.saved.text, base);
	if (base && text[base - 1] != '\n')
		text[base++] = '\n';
	memcpy(text + base, rule, strlen(rule));
	base += strlen(rule);
	text[base++] = '\n';
	snprintf(from, sizeof(from), "%s", c.have_saved ? c.saved.from : "pktlens rules add");
	if (pl_rules_parse(&rs, from, text, base, err, sizeof(err)) ||
	    pl_rules_compile(&rs, err, sizeof(err))) {
		fprintf(stderr, "pktlens rules add: with this rule: %s; the rule set in force is unchanged\n",
			err);
		goto out;
	}
	rc = load_and_save("rules add", &t, &c, &rs, from, &t0);
	if (!rc)
		printf("added rule %u: %s\n", rs.n_rules,
		       pl_rule_format(&rs.rules[rs.n_rules - 1], 1, txt, sizeof(txt)));
out:
	free(text);
	pl_ruleset_free(&rs);
	pl_ruleset_free(&one);
	current_free(&c);
	pl_cli_close(&t, lock);
	return rc;
}

static int rules_del(const struct pl_cli_args *a, const char *num)
{
	struct pl_policy_target t;
	struct pl_ruleset rs;
	struct current c;
	struct timespec t0;
	const struct pl_rule_def *d;
	char err[1024] = "", txt[512], *text = NULL, *end;
	unsigned long n;
	size_t cut;
	int lock, rc = 1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(&rs, 0, sizeof(rs));
	errno = 0;
	n = strtoul(num, &end, 10);
	if (!*num || *end || errno || !n || n > UINT32_MAX) {
		fprintf(stderr, "pktlens rules del: '%s': a rule number, as `pktlens rules list` shows\n",
			num);
		return 2;
	}
	if (pl_cli_open("rules del", a, &t, &lock))
		return 1;
	if (read_current("rules del", &t, &c) || editable("rules del", &c))
		goto out;
	if (c.have_saved && !c.have_old) {
		fprintf(stderr, "pktlens rules del: the saved source no longer compiles: %s\n",
			c.old_err);
		goto out;
	}
	if (!c.have_old || n > c.old.n_rules) {
		fprintf(stderr, "pktlens rules del: no rule %lu: the set has %u rule%s (`pktlens rules list`)\n",
			n, c.have_old ? c.old.n_rules : 0, c.have_old && c.old.n_rules == 1 ? "" : "s");
		goto out;
	}
	d = &c.old.rules[n - 1];
	pl_rule_format(d, 1, txt, sizeof(txt));
	text = malloc(c.saved.len + 1);
	if (!text) {
		fprintf(stderr, "pktlens rules del: out of memory\n");
		goto out;
	}
	cut = d->line_len + (d->line_off + d->line_len < c.saved.len ? 1 : 0);
	memcpy(text, c.saved.text, d->line_off);
	memcpy(text + d->line_off, c.saved.text + d->line_off + cut,
	       c.saved.len - d->line_off - cut);
	if (pl_rules_parse(&rs, c.saved.from, text, c.saved.len - cut, err, sizeof(err)) ||
	    pl_rules_compile(&rs, err, sizeof(err))) {
		fprintf(stderr, "pktlens rules del: without rule %lu: %s; the rule set in force is unchanged\n",
			n, err);
		goto out;
	}
	rc = load_and_save("rules del", &t, &c, &rs, c.saved.from, &t0);
	if (!rc)
		printf("removed rule %lu: %s\n", n, txt);
out:
	free(text);
	pl_ruleset_free(&rs);
	current_free(&c);
	pl_cli_close(&t, lock);
	return rc;
}

static int rules_list(const struct pl_cli_args *a)
{
	struct pl_policy_target t;
	struct pl_rule_stats *st;
	struct current c;
	char txt[512], when[64];
	uint32_t i;
	int lock, rc = 1;

	if (pl_cli_open("rules list", a, &t, &lock))
		return 1;
	if (read_current("rules list", &t, &c))
		goto out;
	if (!c.have_saved) {
		if (c.cfg.flags & PL_POL_RULES)
			fprintf(stderr, "pktlens rules list: %s has rules loaded (generation %" PRIu64 "), but their source %s; `pktlens rules load FILE` makes a set this command knows\n",
				t.where, (uint64_t)c.cfg.generation,
				c.stale ? "saved here is of another generation" : "was not saved here");
		else
			printf("%s: no rules loaded: every packet passes, but for bans\n", t.where);
		rc = c.cfg.flags & PL_POL_RULES ? 1 : 0;
		goto out;
	}
	if (!c.have_old) {
		fprintf(stderr, "pktlens rules list: the saved source no longer compiles: %s\n",
			c.old_err);
		goto out;
	}
	{
		time_t tt = (time_t)c.saved.loaded;
		struct tm tm;

		localtime_r(&tt, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	}
	printf("%s: generation %" PRIu64 ", loaded %s from %s\n", t.where, (uint64_t)c.cfg.generation, when,
	       c.saved.from);
	if (!c.old.n_rules) {
		printf("no rules: every packet passes, but for bans\n");
		rc = 0;
		goto out;
	}
	print_summary(stdout, &c.old);
	printf("\n%6s %6s %12s %12s  %s\n", "#", "LINE", "MATCHED", "DROPPED", "RULE");
	/* each counter read once: with shared counters, many rules use one */
	st = calloc((size_t)c.old.n_ids + 1, sizeof(*st));
	if (!st) {
		fprintf(stderr, "pktlens rules list: out of memory\n");
		goto out;
	}
	for (i = 1; i <= c.old.n_ids; i++)
		if (pl_rule_counter(&t.fds, i, &st[i]))
			memset(&st[i], 0, sizeof(st[i]));
	for (i = 0; i < c.old.n_rules; i++) {
		const struct pl_rule_stats *v = &st[c.old.ids[i]];

		printf("%6u %6u %12" PRIu64 "%s%12" PRIu64 "%s %s\n", i + 1, c.old.rules[i].line,
		       (uint64_t)v->matched, c.old.shared ? "*" : " ", (uint64_t)v->dropped,
		       c.old.shared ? "*" : " ",
		       pl_rule_format(&c.old.rules[i], 1, txt, sizeof(txt)));
	}
	free(st);
	if (c.old.shared)
		printf("* counted together for all rules alike but for their source (a set of %u rules or more, or with more than %u distinct rule lists, has no counter per rule)\n",
		       PL_RULE_IDS_MAX, PL_RULE_LISTS_MAX);
	rc = 0;
out:
	current_free(&c);
	pl_cli_close(&t, lock);
	return rc;
}

int cmd_rules(int argc, char **argv)
{
	struct pl_cli_args a;
	const char *sub;
	int e;

	e = pl_cli_args(argc, argv, "rules", 0, &a);
	if (e)
		return e;
	if (a.help) {
		rules_usage(stdout);
		return 0;
	}
	if (!a.n) {
		fprintf(stderr, "pktlens rules: which command? check, load, add, del or list\n\n");
		rules_usage(stderr);
		return 2;
	}
	sub = a.pos[0];
	if (!strcmp(sub, "check") || !strcmp(sub, "load")) {
		if (a.n != 2) {
			fprintf(stderr, "pktlens rules %s: give one FILE ('-': standard input)\n", sub);
			return 2;
		}
		if (!strcmp(sub, "check")) {
			if (a.pin || a.prog_id)
				fprintf(stderr, "pktlens rules check: --pin/--prog-id unused: check loads nothing\n");
			return rules_check(a.pos[1]);
		}
		return rules_load(&a, a.pos[1]);
	}
	if (!strcmp(sub, "add")) {
		char rule[4096];
		size_t o = 0;
		int i;

		if (a.n < 2) {
			fprintf(stderr, "pktlens rules add: give the rule, e.g. pktlens rules add 'deny 192.0.2.0/24 proto tcp port 22'\n");
			return 2;
		}
		for (i = 1; i < a.n; i++) {
			int k = snprintf(rule + o, sizeof(rule) - o, "%s%s", i > 1 ? " " : "", a.pos[i]);

			if (k < 0 || (size_t)k >= sizeof(rule) - o) {
				fprintf(stderr, "pktlens rules add: the rule is too long\n");
				return 2;
			}
			o += (size_t)k;
		}
		return rules_add(&a, rule);
	}
	if (!strcmp(sub, "del")) {
		if (a.n != 2) {
			fprintf(stderr, "pktlens rules del: give one rule number N, as `pktlens rules list` shows\n");
			return 2;
		}
		return rules_del(&a, a.pos[1]);
	}
	if (!strcmp(sub, "list")) {
		if (a.n != 1) {
			fprintf(stderr, "pktlens rules list: unexpected argument '%s'\n", a.pos[1]);
			return 2;
		}
		return rules_list(&a);
	}
	fprintf(stderr, "pktlens rules: unknown command '%s' (check, load, add, del or list; --help)\n",
		sub);
	return 2;
}

/* ---- bans --------------------------------------------------------------- */

struct ban_row {
	struct pl_ban_key k;
	struct pl_ban_val v;
};

static int ban_cmp(const void *a, const void *b)
{
	return memcmp(&((const struct ban_row *)a)->k, &((const struct ban_row *)b)->k,
		      sizeof(struct pl_ban_key));
}

static int bans_list(struct pl_policy_target *t)
{
	struct ban_row *rows = NULL;
	struct pl_ban_key k, next;
	size_t n = 0, cap = 0, i;
	uint64_t now = pl_mono_ns();
	char addr[INET6_ADDRSTRLEN], left[32], why[32];
	int more;

	more = !bpf_map_get_next_key(t->fds.bans, NULL, &k);
	while (more) {
		struct pl_ban_val v;

		more = !bpf_map_get_next_key(t->fds.bans, &k, &next);
		if (!bpf_map_lookup_elem(t->fds.bans, &k, &v)) {
			if (n == cap) {
				struct ban_row *nr = realloc(rows, (cap = cap ? cap * 2 : 64) * sizeof(*nr));

				if (!nr) {
					free(rows);
					fprintf(stderr, "pktlens bans list: out of memory\n");
					return 1;
				}
				rows = nr;
			}
			rows[n].k = k;
			rows[n++].v = v;
		}
		k = next;
	}
	if (!n) {
		printf("%s: no bans\n", t->where);
		free(rows);
		return 0;
	}
	qsort(rows, n, sizeof(*rows), ban_cmp);
	printf("%-40s %-10s %12s  %s\n", "ADDRESS", "EXPIRES IN", "DROPS", "REASON");
	for (i = 0; i < n; i++) {
		pl_addr_str(rows[i].k.addr, addr, sizeof(addr));
		pl_cli_left(rows[i].v.expires_ns, now, left, sizeof(left));
		if (rows[i].v.reason)
			snprintf(why, sizeof(why), "detection %u", rows[i].v.reason);
		else
			snprintf(why, sizeof(why), "by hand");
		printf("%-40s %-10s %12" PRIu64 "  %s\n", addr, left, (uint64_t)rows[i].v.drops, why);
	}
	free(rows);
	return 0;
}

int cmd_bans(int argc, char **argv)
{
	struct pl_policy_target t;
	struct pl_cli_args a;
	uint8_t addr[16] = { 0 };
	char err[1024] = "", s[INET6_ADDRSTRLEN], left[32];
	const char *sub;
	int e, lock, rc = 1;

	e = pl_cli_args(argc, argv, "bans", 1, &a);
	if (e)
		return e;
	if (a.help) {
		bans_usage(stdout);
		return 0;
	}
	if (!a.n) {
		fprintf(stderr, "pktlens bans: which command? add, del or list\n\n");
		bans_usage(stderr);
		return 2;
	}
	sub = a.pos[0];
	if (strcmp(sub, "add") && strcmp(sub, "del") && strcmp(sub, "list")) {
		fprintf(stderr, "pktlens bans: unknown command '%s' (add, del or list; --help)\n", sub);
		return 2;
	}
	if (!strcmp(sub, "list")) {
		if (a.n != 1) {
			fprintf(stderr, "pktlens bans list: unexpected argument '%s'\n", a.pos[1]);
			return 2;
		}
	} else {
		if (a.n != 2) {
			fprintf(stderr, "pktlens bans %s: give one address, e.g. pktlens bans %s 192.0.2.7\n",
				sub, sub);
			return 2;
		}
		if (!strcmp(sub, "add") ? pl_ban_addr_parse(a.pos[1], addr, err, sizeof(err)) :
		    pl_ban_addr_parse(a.pos[1], addr, err, sizeof(err)) &&
		    pl_addr_parse(a.pos[1], addr)) {
			/* del: any address a ban could be on (one made before this check) */
			fprintf(stderr, "pktlens bans %s: %s\n", sub, err);
			return 2;
		}
	}
	if (a.have_ttl && strcmp(sub, "add")) {
		fprintf(stderr, "pktlens bans %s: --ttl is for bans add\n", sub);
		return 2;
	}
	if (pl_cli_open(!strcmp(sub, "add") ? "bans add" : !strcmp(sub, "del") ? "bans del" :
			"bans list", &a, &t, &lock))
		return 1;
	pl_addr_str(addr, s, sizeof(s));
	if (!strcmp(sub, "list")) {
		rc = bans_list(&t);
	} else if (!strcmp(sub, "add")) {
		if (pl_ban_add(&t.fds, addr, a.ttl_ns, 0, err, sizeof(err))) {
			fprintf(stderr, "pktlens bans add: %s\n", err);
		} else {
			pl_cli_left(a.ttl_ns, 0, left, sizeof(left));
			if (a.ttl_ns)
				printf("banned %s for %s\n", s, left);
			else
				printf("banned %s until removed\n", s);
			rc = 0;
		}
	} else {
		if (pl_ban_del(&t.fds, addr, err, sizeof(err)))
			fprintf(stderr, "pktlens bans del: %s: %s\n", s, err);
		else {
			printf("ban on %s lifted\n", s);
			rc = 0;
		}
	}
	pl_cli_close(&t, lock);
	return rc;
}
