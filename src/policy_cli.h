/* SPDX-License-Identifier: BSD-3-Clause */
/* policy_cli.h - what `pktlens rules`, `bans` and `limits` share: their
 * options (--pin, --prog-id, --ttl, --help), durations, opening the
 * running daemon's maps under the state lock, and how time left is shown. */
#ifndef PL_POLICY_CLI_H
#define PL_POLICY_CLI_H

#include <stddef.h>
#include <stdint.h>
#include "policy_maps.h"

struct pl_cli_args {
	const char *pin;
	uint32_t prog_id;
	uint64_t ttl_ns;
	int have_ttl;
	int help;
	int n;                  /* positional words, after the options */
	char **pos;
};

/* 90, 90s, 10m, 2h, 1d; 0 or -1. */
int pl_cli_duration(const char *s, uint64_t *ns);
/* who: "rules", "bans", ...; ttl_ok: --ttl is accepted. Returns 0, or 2
 * after printing a usage error. */
int pl_cli_args(int argc, char **argv, const char *who, int ttl_ok, struct pl_cli_args *a);
/* The daemon's maps, locked against other commands; -1 after printing why. */
int pl_cli_open(const char *who, const struct pl_cli_args *a, struct pl_policy_target *t,
		int *lock);
void pl_cli_close(struct pl_policy_target *t, int lock);
/* "never", "expired", "42s", "3m05s", "2h10m", "3d04h" */
void pl_cli_left(uint64_t expires, uint64_t now, char *out, size_t outlen);

#endif
