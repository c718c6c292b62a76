/* SPDX-License-Identifier: BSD-3-Clause */
/* rules.h - rule files: parse, compile to what the XDP program reads
 * (include/pl_policy.h), load atomically into a running program's maps.
 *
 * A rule file has one rule per line (docs/rules.md):
 *
 *   allow|deny|ratelimit SOURCE [dst PREFIX] [proto P] [port N|N-M] [vlan N]
 *                               [pps N] [bps N]      (ratelimit: one of them)
 *
 * Precedence: the most specific source prefix wins; at equal specificity
 * allow, then ratelimit, then deny; then file order. The first rule whose
 * conditions match decides; no match passes.
 *
 * Nothing here touches the kernel except pl_rules_load(). */
#ifndef PL_RULES_H
#define PL_RULES_H

#include <stddef.h>
#include <stdint.h>
#include "pl_policy.h"

/* A rule file larger than this is refused (a million rules take ~30 MB). */
#define PL_RULES_MAX_BYTES (256u << 20)

struct pl_policy_fds;

/* What a source prefix was written as: it matches only that family
 * (`any` matches both). */
enum pl_rule_family {
	PL_FAM_ANY = 0,
	PL_FAM_V4 = 4,
	PL_FAM_V6 = 6,
};

struct pl_rule_def {
	uint32_t line;          /* 1-based line of the source */
	uint32_t line_off;      /* the whole line in the source, no newline */
	uint32_t line_len;
	uint8_t action;         /* enum pl_action */
	uint8_t family;         /* enum pl_rule_family */
	uint8_t src_plen;       /* IPv4-mapped: an IPv4 /24 is 120 */
	uint8_t dst_plen;       /* 0: any destination */
	uint8_t dst_family;     /* PL_FAM_ANY when no dst */
	uint8_t proto;          /* 0: any */
	uint16_t vlan;          /* 0: any */
	uint16_t port_lo, port_hi;      /* both 0: any */
	uint8_t src[16];        /* IPv4-mapped, host bits zero */
	uint8_t dst[16];
	uint64_t pps;           /* packets per second, 0: none */
	uint64_t bps;           /* BITS per second, 0: none */
};

struct pl_ruleset {
	char *name;             /* file name, for messages */
	char *text;             /* the source as given (owned, NUL-terminated) */
	size_t text_len;
	struct pl_rule_def *rules;      /* rule N is rules[N - 1] */
	uint32_t n_rules;

	/* pl_rules_compile() */
	struct pl_lpm_key *keys;        /* trie entries, in order of first use */
	struct pl_lpm_val *vals;
	uint32_t n_prefixes;
	uint32_t n_v4, n_v6;            /* of them (IPv4-mapped or not) */
	struct pl_rule_list *lists;
	uint32_t n_lists;
	uint32_t *ids;                  /* per rule: its counter id, >= 1 */
	uint32_t *id_rule;              /* per id 1..n_ids: a rule index using it */
	uint32_t n_ids;
	int shared;     /* rules differing only in source share a counter */
	int compiled;
};

/* Parses text (len bytes, need not be NUL-terminated; copied). On a bad
 * line: -1 and err = "NAME:LINE: what is wrong"; an exact duplicate of an
 * earlier rule is one ("NAME:7: the same rule as line 3 ..."). */
int pl_rules_parse(struct pl_ruleset *rs, const char *name, const char *text, size_t len,
		   char *err, size_t errlen);
/* Reads a file ("-": stdin) and parses it: a regular file (or stdin) of
 * at most PL_RULES_MAX_BYTES, lines of at most PL_TEXT_LINE_MAX
 * characters (textfile.h). */
int pl_rules_parse_file(struct pl_ruleset *rs, const char *path, char *err, size_t errlen);
/* Builds trie entries, deduplicated rule lists and counter ids. -1 with
 * err naming the prefix or the limit that does not fit. */
int pl_rules_compile(struct pl_ruleset *rs, char *err, size_t errlen);
void pl_ruleset_free(struct pl_ruleset *rs);

/* The rule as text in canonical form ("deny 192.0.2.0/24 proto tcp port 22");
 * with_src 0 leaves the source out. Returns out. */
char *pl_rule_format(const struct pl_rule_def *r, int with_src, char *out, size_t outlen);
/* "192.0.2.0/24", "2001:db8::/32", "any", a bare address for /32 and /128 */
char *pl_prefix_format(const uint8_t addr[16], uint8_t mapped_plen, int family,
		       char *out, size_t outlen);
/* The counter id of rule index i (0-based) and the text that identifies
 * what it counts (the rule, or "*" + the rule without source when shared). */
char *pl_rules_counter_key(const struct pl_ruleset *rs, uint32_t id, char *out, size_t outlen);

struct pl_load_result {
	uint32_t slot;          /* rule-set slot now active */
	uint64_t generation;    /* pl_policy_cfg.generation now */
	double fill_s;          /* seconds spent filling the new maps */
	int batched;            /* the trie was filled with one batch call */
};

/* Makes rs (compiled) the active rule set: fresh maps, filled, put into the
 * idle slot, then pl_policy_cfg.active flips (flags |= PL_POL_RULES, or
 * cleared for an empty set; generation + 1); then the old slot is emptied.
 * Rule counters: a counter of `old` (the set being replaced, NULL if not
 * known) carries over to the new rule with the same text; the others start
 * at zero. On failure the running set is untouched. */
int pl_rules_load(const struct pl_policy_fds *f, const struct pl_ruleset *rs,
		  const struct pl_ruleset *old, struct pl_load_result *res,
		  char *err, size_t errlen);

/* matched/dropped of counter `id`, summed over CPUs. */
int pl_rule_counter(const struct pl_policy_fds *f, uint32_t id, struct pl_rule_stats *out);

#endif
