/* SPDX-License-Identifier: BSD-3-Clause */
/* egress.h - the TC egress program (bpf/pktlens_tc.bpf.c): loaded with the
 * XDP object's maps, attached to an interface's egress through a tcx link
 * (kernel 6.6 and later) or, before that, a clsact filter. */
#ifndef PL_EGRESS_H
#define PL_EGRESS_H

#include <stddef.h>
#include <stdint.h>

struct pktlens_bpf;
struct pktlens_tc_bpf;

enum pl_egress_hook {
	PL_EGRESS_AUTO,         /* tcx where the kernel has it, else clsact */
	PL_EGRESS_TCX,
	PL_EGRESS_CLSACT,
};

/* The clsact filter's place: egress hook, this priority and handle. A
 * filter there whose program is named PL_EGRESS_PROG_NAME is pktlens'. */
#define PL_EGRESS_TC_PRIO   1
#define PL_EGRESS_TC_HANDLE 0x706c      /* "pl" */
#define PL_EGRESS_PROG_NAME "pktlens_egress"
/* How to remove it by hand; takes the interface name twice. */
#define PL_EGRESS_TC_DEL_HINT "`pktlens run -i %s` without --pin removes it, " \
	"as does `tc filter del dev %s egress protocol all pref 1 handle 0x706c bpf`"

struct pl_egress_att {
	int ifindex;
	int link_fd;            /* tcx link, -1 if none */
	int clsact;             /* our clsact filter is attached */
	uint32_t link_id;       /* tcx link id, 0 if none */
	uint32_t prog_id;       /* the program that runs there */
	const char *how;        /* for the start-up message */
	char pinned[512];       /* link pinned by this run, "" if none */
};

/* Opens and loads the egress object; its flow, source, event and counter
 * maps are those of the loaded XDP object. NULL with err set on failure. */
struct pktlens_tc_bpf *pl_egress_load(struct pktlens_bpf *xdp, char *err, size_t errlen);
void pl_egress_free(struct pktlens_tc_bpf *skel);
int pl_egress_prog_fd(struct pktlens_tc_bpf *skel);

/* Attaches to ifindex's egress. With pin_dir, a tcx link is pinned there
 * as link-egress-IFNAME, and one already pinned there is resumed. */
int pl_egress_attach(struct pktlens_tc_bpf *skel, const char *ifname, int ifindex,
		     enum pl_egress_hook hook, const char *pin_dir,
		     struct pl_egress_att *a, char *err, size_t errlen);
/* Detaches, unless keep (--pin: a pinned link or the clsact filter stays). */
void pl_egress_detach(struct pl_egress_att *a, int keep);

/* A pktlens clsact filter on ifindex's egress, which only a killed pktlens
 * leaves (or one run with --pin on a kernel without tcx): its program id,
 * or 0 if there is none. */
uint32_t pl_egress_find_filter(int ifindex);
/* Removes it; 0 or a negative errno. */
int pl_egress_remove_filter(int ifindex);

#endif
