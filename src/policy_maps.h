/* SPDX-License-Identifier: BSD-3-Clause */
/* policy_maps.h - the policy maps of a running pktlens, for `pktlens rules`
 * and `pktlens bans`: through a pin folder (`pktlens run --pin DIR`), a
 * program id, or by finding the one attached XDP program named pktlens_xdp.
 *
 * Also where a loaded rule set's source is kept, so that `rules list`,
 * `add` and `del` can show and edit it: STATE_DIR/rules-ID.txt, STATE_DIR
 * being $PKTLENS_STATE_DIR or /run/pktlens and ID the kernel's id of the
 * daemon's pl_policy map (the same for as long as those maps live, also
 * across daemon restarts with --pin). Files of maps that are gone are
 * removed on the next save. */
#ifndef PL_POLICY_MAPS_H
#define PL_POLICY_MAPS_H

#include <stddef.h>
#include <stdint.h>
#include "bans.h"

struct pl_policy_target {
	struct pl_policy_fds fds;
	uint32_t prog_id;       /* 0 when found through a pin folder */
	uint32_t policy_id;     /* kernel id of the pl_policy map */
	char where[300];        /* "program 42" or "pin folder DIR", for messages */
};

/* pin_dir or prog_id (0: search). -1 with err explaining what to do. */
int pl_policy_open(struct pl_policy_target *t, const char *pin_dir, uint32_t prog_id,
		   char *err, size_t errlen);
void pl_policy_close(struct pl_policy_target *t);

struct pl_saved_rules {
	char *text;             /* the source as loaded (NULL if none saved) */
	size_t len;
	uint64_t generation;    /* pl_policy_cfg.generation it was loaded as */
	uint64_t loaded;        /* epoch seconds */
	char from[256];         /* the file it came from, or what did it */
};

const char *pl_state_dir(void);
/* Exclusive lock serialising rule and ban changes on one daemon; returns
 * an fd for pl_state_unlock, or -1 with err. */
int pl_state_lock(const struct pl_policy_target *t, char *err, size_t errlen);
void pl_state_unlock(int fd);
/* 0 and *s filled, 1 if nothing is saved, -1 with err. */
int pl_state_read(const struct pl_policy_target *t, struct pl_saved_rules *s,
		  char *err, size_t errlen);
int pl_state_save(const struct pl_policy_target *t, const char *text, size_t len,
		  uint64_t generation, const char *from, char *err, size_t errlen);
void pl_saved_rules_free(struct pl_saved_rules *s);

#endif
