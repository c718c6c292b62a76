/* SPDX-License-Identifier: BSD-3-Clause */
/* egress.c - loading and attaching the TC egress program.
 *
 * The object shares the XDP object's maps (bpf_map__reuse_fd), so what the
 * host sends lands in the same flow table, counters (their egress slot),
 * fragment table and event ring as what it receives.
 *
 * Attaching: a tcx link (BPF_TCX_EGRESS, kernel 6.6+) behaves like the XDP
 * link: it dies with the process, so a SIGKILLed daemon leaves nothing, and
 * it can be pinned (--pin) to stay. Older kernels (Debian 12's 6.1) have
 * only clsact filters, which belong to the interface, not the process: a
 * SIGKILLed daemon leaves its filter attached. It sits at a fixed priority
 * and handle with a program of a known name, so the next `pktlens run` on
 * the interface finds it and replaces or removes it. libbpf 1.1 knows
 * nothing of tcx; the raw bpf_link_create with the UAPI value works. */
#include "egress.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "pktlens.skel.h"
#include "pktlens_tc.skel.h"

/* UAPI values (linux/bpf.h since 6.6) that libbpf 1.1's headers lack. They
 * are ABI: fixed once released. */
#define PL_BPF_TCX_EGRESS     47        /* enum bpf_attach_type */
#define PL_BPF_LINK_TYPE_TCX  11        /* enum bpf_link_type */
#define PL_BPF_F_BEFORE       (1U << 3) /* attach flag: ahead of ... */

struct pktlens_tc_bpf *pl_egress_load(struct pktlens_bpf *xdp, char *err, size_t errlen)
{
	struct pktlens_tc_bpf *s = pktlens_tc_bpf__open();
	struct { struct bpf_map *mine, *theirs; } share[5];
	size_t i;
	int e;

	if (!s) {
		snprintf(err, errlen, "cannot open the egress BPF object: %s", strerror(errno));
		return NULL;
	}
	share[0].mine = s->maps.pl_flows, share[0].theirs = xdp->maps.pl_flows;
	share[1].mine = s->maps.pl_sources, share[1].theirs = xdp->maps.pl_sources;
	share[2].mine = s->maps.pl_events, share[2].theirs = xdp->maps.pl_events;
	share[3].mine = s->maps.pl_stats, share[3].theirs = xdp->maps.pl_stats;
	share[4].mine = s->maps.pl_frags, share[4].theirs = xdp->maps.pl_frags;
	for (i = 0; i < sizeof(share) / sizeof(share[0]); i++) {
		e = bpf_map__reuse_fd(share[i].mine, bpf_map__fd(share[i].theirs));
		if (e) {
			snprintf(err, errlen, "egress program: cannot share map %s: %s",
				 bpf_map__name(share[i].mine), strerror(-e));
			pktlens_tc_bpf__destroy(s);
			return NULL;
		}
	}
	/* the same ring, woken the same way as the XDP side's events */
	s->rodata->cfg_wakeup_bytes = xdp->rodata->cfg_wakeup_bytes;
	/* fragments keyed as the XDP side keys them, or not at all */
	s->rodata->cfg_frag_tracking = xdp->rodata->cfg_frag_tracking;
	e = pktlens_tc_bpf__load(s);
	if (e) {
		snprintf(err, errlen, "cannot load the egress (TC) program: %s", strerror(-e));
		pktlens_tc_bpf__destroy(s);
		return NULL;
	}
	return s;
}

void pl_egress_free(struct pktlens_tc_bpf *skel)
{
	pktlens_tc_bpf__destroy(skel);
}

int pl_egress_prog_fd(struct pktlens_tc_bpf *skel)
{
	return bpf_program__fd(skel->progs.pktlens_egress);
}

/* ---- tcx ------------------------------------------------------------------ */

/* The link's id and program, and whether it is a live tcx link on ifindex
 * (a link whose interface went away stays pinned but attached to nothing). */
static int tcx_link_info(int fd, int ifindex, struct pl_egress_att *a)
{
	struct bpf_link_info info;
	uint32_t len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	a->link_id = info.id;
	a->prog_id = info.prog_id;
	/* The tcx member of the union starts with the ifindex, as xdp's does;
	 * libbpf 1.1's header only has the latter. */
	return info.type == PL_BPF_LINK_TYPE_TCX && (int)info.xdp.ifindex == ifindex;
}

static int attach_tcx(int prog, int ifindex, struct pl_egress_att *a)
{
	/* First in the chain: what pktlens sees does not depend on what the
	 * others do, and it passes every packet on to them (TCX_NEXT). */
	LIBBPF_OPTS(bpf_link_create_opts, lo, .flags = PL_BPF_F_BEFORE);

	a->link_fd = bpf_link_create(prog, ifindex, (enum bpf_attach_type)PL_BPF_TCX_EGRESS, &lo);
	if (a->link_fd < 0)
		return -errno;
	tcx_link_info(a->link_fd, ifindex, a);
	a->how = "tcx link";
	return 0;
}

/* ---- clsact ---------------------------------------------------------------- */

/* libbpf prints the kernel's netlink message for every failed tc request,
 * "Parent Qdisc doesn't exists" for a query on an interface without
 * clsact among them; errors that matter are reported here, with context. */
static int no_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

static uint32_t query_filter(int ifindex)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, o, .handle = PL_EGRESS_TC_HANDLE,
		    .priority = PL_EGRESS_TC_PRIO);
	libbpf_print_fn_t was = libbpf_set_print(no_print);
	int e = bpf_tc_query(&hook, &o);

	libbpf_set_print(was);
	return e ? 0 : o.prog_id;
}

static int prog_is_ours(uint32_t id)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id), ours = 0;

	if (fd < 0)
		return 0;
	memset(&info, 0, sizeof(info));
	if (!bpf_obj_get_info_by_fd(fd, &info, &len))
		ours = !strcmp(info.name, PL_EGRESS_PROG_NAME);
	close(fd);
	return ours;
}

uint32_t pl_egress_find_filter(int ifindex)
{
	uint32_t id = query_filter(ifindex);

	return id && prog_is_ours(id) ? id : 0;
}

int pl_egress_remove_filter(int ifindex)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, o, .handle = PL_EGRESS_TC_HANDLE,
		    .priority = PL_EGRESS_TC_PRIO);
	libbpf_print_fn_t was = libbpf_set_print(no_print);
	int e = bpf_tc_detach(&hook, &o);

	libbpf_set_print(was);
	return e;
}

static int attach_clsact(int prog, const char *ifname, int ifindex, struct pl_egress_att *a,
			 char *err, size_t errlen)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, o, .prog_fd = prog, .handle = PL_EGRESS_TC_HANDLE,
		    .priority = PL_EGRESS_TC_PRIO, .flags = BPF_TC_F_REPLACE);
	libbpf_print_fn_t was;
	uint32_t there;
	int e;

	/* The qdisc stays when pktlens goes: removing it would remove the
	 * other filters on it too. Empty, it costs nothing. */
	was = libbpf_set_print(no_print);
	e = bpf_tc_hook_create(&hook);
	libbpf_set_print(was);
	if (e && e != -EEXIST) {
		snprintf(err, errlen, "%s: cannot add a clsact qdisc for egress: %s", ifname,
			 strerror(-e));
		return -1;
	}
	there = query_filter(ifindex);
	if (there && !prog_is_ours(there)) {
		snprintf(err, errlen, "%s: the egress filter place pktlens uses (pref %d handle 0x%x) holds another program (id %u)",
			 ifname, PL_EGRESS_TC_PRIO, PL_EGRESS_TC_HANDLE, there);
		return -1;
	}
	if (there)
		fprintf(stderr, "pktlens: %s: replacing the pktlens egress filter a previous run left (program %u)\n",
			ifname, there);
	e = bpf_tc_attach(&hook, &o);
	if (e) {
		snprintf(err, errlen, "%s: cannot attach the egress filter (clsact, pref %d): %s%s",
			 ifname, PL_EGRESS_TC_PRIO, strerror(-e),
			 e == -EINVAL ? " (a filter of another kind or protocol holds that pref: see `tc filter show dev IF egress`)" : "");
		return -1;
	}
	a->clsact = 1;
	a->prog_id = o.prog_id;
	a->how = "clsact filter";
	return 0;
}

/* ---- either ----------------------------------------------------------------- */

int pl_egress_attach(struct pktlens_tc_bpf *skel, const char *ifname, int ifindex,
		     enum pl_egress_hook hook, const char *pin_dir,
		     struct pl_egress_att *a, char *err, size_t errlen)
{
	int prog = pl_egress_prog_fd(skel), e;
	char path[512];

	memset(a, 0, sizeof(*a));
	a->ifindex = ifindex;
	a->link_fd = -1;
	if (pin_dir && hook != PL_EGRESS_CLSACT) {
		if ((size_t)snprintf(path, sizeof(path), "%s/link-egress-%s", pin_dir, ifname) >=
		    sizeof(path)) {
			snprintf(err, errlen, "pin folder name too long");
			return -1;
		}
		a->link_fd = bpf_obj_get(path);
		if (a->link_fd >= 0) {
			if (tcx_link_info(a->link_fd, ifindex, a)) {
				a->how = "tcx link, pinned, resumed";
				return 0;
			}
			/* its interface is gone (same name, new interface) */
			close(a->link_fd);
			a->link_fd = -1;
			unlink(path);
		}
	}
	if (hook != PL_EGRESS_CLSACT) {
		e = attach_tcx(prog, ifindex, a);
		if (e && (hook == PL_EGRESS_TCX || (e != -EINVAL && e != -EOPNOTSUPP))) {
			snprintf(err, errlen, "%s: cannot attach the egress program (tcx link): %s%s",
				 ifname, strerror(-e),
				 e == -EINVAL ? " (tcx needs Linux 6.6 or later; egress-hook = clsact works before)" : "");
			return -1;
		}
		if (e)
			fprintf(stderr, "pktlens: %s: this kernel has no tcx links (Linux 6.6+): egress through a clsact filter, which a killed pktlens leaves attached (the next `pktlens run -i %s` removes it)\n",
				ifname, ifname);
		else if (pl_egress_find_filter(ifindex) && !pl_egress_remove_filter(ifindex))
			/* one a killed run left: both would count every packet */
			fprintf(stderr, "pktlens: %s: removed the egress clsact filter a previous run left\n",
				ifname);
	}
	if (a->link_fd < 0 && attach_clsact(prog, ifname, ifindex, a, err, errlen))
		return -1;
	if (pin_dir && a->link_fd >= 0) {
		if (bpf_obj_pin(a->link_fd, path)) {
			snprintf(err, errlen, "cannot pin the egress link at %.400s: %s", path,
				 strerror(errno));
			return -1;
		}
		snprintf(a->pinned, sizeof(a->pinned), "%s", path);
	}
	return 0;
}

void pl_egress_detach(struct pl_egress_att *a, int keep)
{
	if (a->link_fd >= 0)
		close(a->link_fd);      /* detaches, unless pinned */
	a->link_fd = -1;
	/* Only if the filter there is still the one this run attached. */
	if (a->clsact && !keep && query_filter(a->ifindex) == a->prog_id)
		pl_egress_remove_filter(a->ifindex);
	a->clsact = 0;
}
