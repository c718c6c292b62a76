/* SPDX-License-Identifier: BSD-3-Clause */
/* options.h - settings of `run` and `analyze`. The same names work as long
 * options and as keys of a config file (`key = value`), so there is one
 * list to learn and one place that checks values. */
#ifndef PL_OPTIONS_H
#define PL_OPTIONS_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "detect_cfg.h"
#include "egress.h"
#include "ipreasm.h"

#define PL_DEFAULT_IDLE_S    60
#define PL_DEFAULT_ACTIVE_S  1800
#define PL_DEFAULT_TCP_CLOSE_S 5      /* Zeek's tcp_close_delay */
#define PL_DEFAULT_DNS_IDLE_S  10     /* Zeek's dns_session_timeout */
#define PL_DEFAULT_SWEEP_MS  1000
#define PL_ANALYZE_FLOWS     262144
#define PL_MAX_IFACES        16
/* A config file larger than this is refused: a few hundred settings fit in
 * a few KiB; this only stops an endless or huge file from being read. */
#define PL_CONFIG_MAX_BYTES  (1u << 20)

enum pl_xdp_mode { PL_MODE_AUTO, PL_MODE_NATIVE, PL_MODE_GENERIC };

struct pl_options {
	const char *ifaces[PL_MAX_IFACES];
	int n_ifaces;
	const char *log_dir;
	uint64_t rotate_bytes;
	uint64_t idle_timeout_ns;
	uint64_t active_timeout_ns;
	uint64_t tcp_close_ns, dns_idle_ns;
	uint64_t sweep_ns;
	uint64_t frag_timeout_ns;       /* IP reassembly (ipreasm.h) */
	uint64_t frag_mem_bytes, frag_src_bytes;
	uint32_t flows, sources, ringbuf;
	uint32_t frags;                 /* fragment table entries; 0: PL_DEFAULT_FRAGS */
	int frag_tracking;              /* 1 (default): fragments get their datagram's
					 * verdict and flow; 0: judged alone (measurement) */
	enum pl_xdp_mode mode;
	const char *pin_dir;
	int egress;                     /* also watch what the host sends (TC egress) */
	enum pl_egress_hook egress_hook;
	const char *rules_file;         /* `run`: rule set loaded before attaching */
	unsigned summary_s;             /* 0: no live summary */
	struct pl_detect_cfg detect;    /* detections: their own keys (detect_cfg.c) */
	char *owned[PL_MAX_IFACES + 8]; /* copies of text values, freed by pl_options_free */
	int nowned;
};

void pl_options_defaults(struct pl_options *o);
void pl_options_free(struct pl_options *o);
/* Sets one option by name; err gets "bad value ..." or "unknown key ...".
 * value NULL is a flag given bare (`--egress`): only egress takes that,
 * any other key is refused ("needs a value"), not read through NULL.
 * Returns 0, or -1 for a bad value, -2 for an unknown name. */
int pl_options_set(struct pl_options *o, const char *key, const char *value,
		   char *err, size_t errlen);
/* Before getopt_long: a word with one dash and more than one letter
 * ("-flows", "-idle-timeout") that getopt would read as letters (an
 * option that does not exist, or -i with the value "dle-timeout") is
 * refused naming the word as typed, and the long option it looks like.
 * Values of options that take one are skipped. 0, or -1 with err. */
int pl_options_dashes(int argc, char **argv, const char *shortopts,
		      const struct option *opts, char *err, size_t errlen);
/* For getopt_long: sets the option whose val is c. */
int pl_options_set_flag(struct pl_options *o, const struct option *opts, int c,
			const char *value, char *err, size_t errlen);
/* Reads a config file (a regular file of at most PL_CONFIG_MAX_BYTES,
 * lines of at most PL_TEXT_LINE_MAX characters); errors name the file,
 * line and key: "FILE:LINE: unknown key 'x'". options.c has the format. */
int pl_options_load(struct pl_options *o, const char *path, char *err, size_t errlen);
/* The same from an open stream (read from its start; name is for messages). */
int pl_options_fload(struct pl_options *o, FILE *f, const char *name, char *err,
		     size_t errlen);
int pl_parse_u32(const char *what, const char *s, uint32_t min, uint32_t max,
		 uint32_t *out, char *err, size_t errlen);

#endif
