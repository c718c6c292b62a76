/* SPDX-License-Identifier: BSD-3-Clause */
/* policy_cli.c - options, durations and the daemon's maps for the policy
 * commands (rules, bans, limits). */
#include "policy_cli.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pl_cli_duration(const char *s, uint64_t *ns)
{
	char *end;
	double v;
	double mul = 1;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno || v <= 0 || v != v)
		return -1;
	if (!strcmp(end, "") || !strcmp(end, "s"))
		mul = 1;
	else if (!strcmp(end, "m"))
		mul = 60;
	else if (!strcmp(end, "h"))
		mul = 3600;
	else if (!strcmp(end, "d"))
		mul = 86400;
	else
		return -1;
	v *= mul;
	if (v > 100.0 * 365 * 86400)
		return -1;
	*ns = (uint64_t)(v * 1e9);
	return *ns ? 0 : -1;
}

/* Returns 0, or 2 after printing a usage error. */
int pl_cli_args(int argc, char **argv, const char *who, int ttl_ok, struct pl_cli_args *a)
{
	static const struct option opts[] = {
		{ "pin", required_argument, 0, 'p' },
		{ "prog-id", required_argument, 0, 'P' },
		{ "ttl", required_argument, 0, 't' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	int c;

	memset(a, 0, sizeof(*a));
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			a->help = 1;
			break;
		case 'p':
			a->pin = optarg;
			break;
		case 'P': {
			char *end;
			unsigned long v;

			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (!*optarg || *end || errno || !v || v > UINT32_MAX) {
				fprintf(stderr, "pktlens %s: --prog-id '%s': a program id (a positive number)\n",
					who, optarg);
				return 2;
			}
			a->prog_id = (uint32_t)v;
			break;
		}
		case 't':
			if (!ttl_ok) {
				fprintf(stderr, "pktlens %s: --ttl is for `pktlens bans add`, `limits add` and `limits pin`\n", who);
				return 2;
			}
			if (pl_cli_duration(optarg, &a->ttl_ns)) {
				fprintf(stderr, "pktlens %s: --ttl '%s': a duration like 90, 90s, 10m, 2h or 1d\n",
					who, optarg);
				return 2;
			}
			a->have_ttl = 1;
			break;
		default:
			if (optopt)
				fprintf(stderr, "pktlens %s: option -%c %s\n", who, optopt,
					strchr("pPt", optopt) ? "needs a value" : "is unknown");
			else
				fprintf(stderr, "pktlens %s: unknown option or missing value: '%s' (--help lists them)\n",
					who, argv[optind - 1]);
			return 2;
		}
	}
	if (a->pin && a->prog_id) {
		fprintf(stderr, "pktlens %s: give --pin or --prog-id, not both\n", who);
		return 2;
	}
	a->n = argc - optind;
	a->pos = argv + optind;
	return 0;
}

int pl_cli_open(const char *who, const struct pl_cli_args *a, struct pl_policy_target *t,
		int *lock)
{
	char err[16384] = "";   /* a state folder of PATH_MAX, named in full */

	if (pl_policy_open(t, a->pin, a->prog_id, err, sizeof(err))) {
		fprintf(stderr, "pktlens %s: %s\n", who, err);
		return -1;
	}
	/* found by looking, not named: say which daemon this talks to */
	if (!a->pin && !a->prog_id)
		fprintf(stderr, "pktlens %s: using %s\n", who, t->where);
	*lock = pl_state_lock(t, err, sizeof(err));
	if (*lock < 0) {
		fprintf(stderr, "pktlens %s: %s\n", who, err);
		pl_policy_close(t);
		return -1;
	}
	return 0;
}

void pl_cli_close(struct pl_policy_target *t, int lock)
{
	pl_state_unlock(lock);
	pl_policy_close(t);
}

void pl_cli_left(uint64_t expires, uint64_t now, char *out, size_t outlen)
{
	uint64_t s;

	if (!expires) {
		snprintf(out, outlen, "never");
		return;
	}
	if (expires <= now) {
		snprintf(out, outlen, "expired");
		return;
	}
	s = (expires - now + 999999999ull) / 1000000000ull;
	if (s < 120)
		snprintf(out, outlen, "%" PRIu64 "s", s);
	else if (s < 7200)
		snprintf(out, outlen, "%" PRIu64 "m%02" PRIu64 "s", s / 60, s % 60);
	else if (s < 172800)
		snprintf(out, outlen, "%" PRIu64 "h%02" PRIu64 "m", s / 3600, s % 3600 / 60);
	else
		snprintf(out, outlen, "%" PRIu64 "d%02" PRIu64 "h", s / 86400, s % 86400 / 3600);
}
