/* SPDX-License-Identifier: BSD-3-Clause */
/* cmd_run.c - `pktlens run -i IFACE...`: the daemon. Loads the XDP program
 * (and with --egress the TC egress program, egress.c, on the same maps),
 * loads the rule set of --rules into it, attaches it through BPF links (so
 * a killed daemon leaves nothing behind, unless --pin keeps it on purpose),
 * polls the ring buffer, sweeps the flow table, and on SIGINT/SIGTERM logs
 * every open connection and detaches. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bans.h"
#include "bpffs.h"
#include "mitigations.h"
#include "neigh.h"
#include "collector.h"
#include "counters.h"
#include "detect.h"
#include "egress.h"
#include "options.h"
#include "pin_lock.h"
#include "policy_maps.h"
#include "policy_skel.h"
#include "rules.h"
#include "summary.h"
#include "pktlens.skel.h"
#include "pktlens_tc.skel.h"

static volatile sig_atomic_t stop, reopen;

/* SIGHUP: reopen the log files by name (after logrotate renamed them), as
 * daemons do; SIGINT/SIGTERM: log what is open, flush, detach, exit. */
static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reopen = 1;
	else
		stop = 1;
}

static void usage(FILE *o)
{
	fprintf(o,
"usage: pktlens run -i IFACE [-i IFACE...] [OPTIONS]\n"
"\n"
"Attaches pktlens' XDP program to each interface and writes Zeek-style\n"
"records (conn, dns, http, ssl, weird) of what arrives (with --egress, of\n"
"what the host sends as well), until SIGINT or SIGTERM; then it logs every\n"
"open connection and detaches. SIGHUP reopens the log files (after\n"
"logrotate renamed them).\n"
"\n"
"options (each also a `key = value` line of a config file, key without --;\n"
"-i is `interface`):\n"
"  -i, --interface IFACE  interface to watch (repeatable)\n"
"  --config FILE          read options from FILE first (key = value lines,\n"
"                         # comments, also after a blank in a value, \\# for\n"
"                         a # in one; optional [pktlens] section; a regular\n"
"                         file, lines up to 4096 characters, at most 1 MiB:\n"
"                         docs/config.md); flags given here win\n"
"  --log-dir DIR          one file per record kind in DIR, else JSON lines on\n"
"                         stdout. DIR must be owned by root (or the user\n"
"                         running pktlens) and not writable by group or\n"
"                         others; it is created (0750) if missing, and must\n"
"                         be writable before anything is attached\n"
"  --rotate-mb N          start a new log file after N MiB (0: never)\n"
"  --mode MODE            auto (native XDP, else generic with a message),\n"
"                         native (fail without it) or generic. Default auto\n"
"  --idle-timeout SECS    log a connection idle this long (default %u)\n"
"  --active-timeout SECS  log a long connection every SECS (default %u; 0: never)\n"
"  --tcp-close-delay SECS log a TCP connection this long after FIN both ways\n"
"                         or a RST (default %u; 0: the idle timeout)\n"
"  --dns-idle-timeout SECS  idle timeout of DNS over UDP (default %u; 0: the\n"
"                         idle timeout)\n"
"  --sweep-interval SECS  how often the flow table is read (default %.1f)\n"
"  --frag-timeout SECS    give up on an IP datagram whose fragments have not\n"
"                         all come this long after its first (default %u)\n"
"  --frag-mem-kb N        KiB all datagrams in reassembly may hold (default %u)\n"
"  --frag-src-kb N        ...the datagrams of one source address (default %u)\n"
"  --flows N              kernel flow table entries (default %u)\n"
"  --sources N            kernel per-source table entries (default %u)\n"
"  --ringbuf-mb N         event ring buffer size, a power of two (default %u)\n"
"  --frag-table-size N    IP datagrams tracked while in fragments (default %u):\n"
"                         a later fragment gets its first's verdict and flow\n"
"  --fragment-tracking[=yes|no]  no: judge every fragment alone, as if\n"
"                         fragments carried no datagram; port rules can then\n"
"                         be bypassed by fragmenting (docs/rules.md,\n"
"                         Fragments). For measurement only. Default yes\n"
"  --egress[=yes|no]      also watch what the host sends on each interface\n"
"                         (a TC egress program on the same maps): conn\n"
"                         records of the host's own connections then count\n"
"                         both directions. Default no (it costs the host's\n"
"                         transmit path; docs/config.md, Egress)\n"
"  --egress-hook HOOK     auto (a tcx link on Linux 6.6+, else a clsact\n"
"                         filter, which a killed pktlens leaves attached\n"
"                         until the next run on the interface), tcx or\n"
"                         clsact. Default auto\n"
"  --rules FILE           load the rules in FILE (allow/deny/ratelimit; see\n"
"                         `pktlens rules --help`) before attaching, so that no\n"
"                         packet is judged without them. A bad file is an\n"
"                         error naming FILE:LINE, and nothing is attached.\n"
"                         With --pin they replace the rules the maps held\n"
"  --pin DIR              pin maps and links under DIR (in bpffs, e.g.\n"
"                         /sys/fs/bpf/pktlens): the program stays attached\n"
"                         after exit and a new daemon resumes from the maps.\n"
"                         One daemon per DIR: a second is refused.\n"
"                         Remove DIR to detach (a clsact egress filter\n"
"                         stays: see --egress-hook). A DIR under\n"
"                         /sys/fs/bpf where no bpffs is mounted: one is\n"
"                         mounted there first (as bpftool does)\n"
"  --summary SECS         print a summary to stderr every SECS (0: only at exit)\n"
"\n"
"  --KEY VALUE            any detection setting (below, and docs/detections.md)\n"
"\n"
"Needs root, or CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON.\n",
		PL_DEFAULT_IDLE_S, PL_DEFAULT_ACTIVE_S, PL_DEFAULT_TCP_CLOSE_S,
		PL_DEFAULT_DNS_IDLE_S, PL_DEFAULT_SWEEP_MS / 1000.0,
		PL_IPR_DEFAULT_TIMEOUT_S, PL_IPR_DEFAULT_MEM_KB, PL_IPR_DEFAULT_SRC_KB,
		PL_DEFAULT_FLOWS, PL_DEFAULT_SOURCES, PL_DEFAULT_RINGBUF >> 20, PL_DEFAULT_FRAGS);
	if (o == stdout) {
		fputc('\n', o);
		pl_detect_cfg_help(o);
	}
}

/* Detections ban and limit through the skeleton's policy maps. */
static int run_ban(void *ctx, const uint8_t addr[16], uint64_t ttl_ns, uint32_t reason,
		   char *err, size_t errlen)
{
	return pl_ban_add(ctx, addr, ttl_ns, reason, err, errlen);
}

static int run_limit(void *ctx, const uint8_t dst[16], uint8_t proto, uint16_t dport,
		     uint64_t pps, uint64_t ttl_ns, uint32_t reason, char *err, size_t errlen)
{
	struct pl_dlim_key k;

	pl_dlim_key_make(&k, dst, proto, dport);
	return pl_dlim_add(ctx, &k, pps, ttl_ns, reason, err, errlen);
}

static int run_unlimit(void *ctx, const uint8_t dst[16], uint8_t proto, uint16_t dport,
		       char *err, size_t errlen)
{
	struct pl_dlim_key k;

	pl_dlim_key_make(&k, dst, proto, dport);
	return pl_dlim_del(ctx, &k, err, errlen);
}

static void run_trust(void *ctx, const uint8_t src[16], const uint8_t dst[16], uint64_t ttl_ns)
{
	pl_trust_add(ctx, src, dst, pl_mono_ns() + ttl_ns);
}

/* The pin stops the lies to come; the host's neighbour entry may already
 * hold the one that raised the notice: put it back. */
static int run_pin(void *ctx, const uint8_t ip[4], uint32_t ifindex, uint16_t vlan,
		   const uint8_t mac[6], uint64_t ttl_ns, uint32_t reason, int *restored,
		   char *err, size_t errlen)
{
	struct pl_arp_pin_key k;

	memset(&k, 0, sizeof(k));
	memcpy(k.ip, ip, 4);
	k.ifindex = ifindex;
	k.vlan = vlan;
	if (pl_pin_add(ctx, &k, mac, ttl_ns, reason, err, errlen))
		return -1;
	/* untagged only: a VLAN's neighbours live on another interface */
	*restored = !vlan && pl_neigh_restore(ifindex, ip, mac) > 0;
	return 0;
}

static uint64_t mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* bpf_ktime_get_ns is CLOCK_MONOTONIC: this turns it into epoch time. */
static uint64_t epoch_offset(void)
{
	struct timespec r;

	clock_gettime(CLOCK_REALTIME, &r);
	return (uint64_t)r.tv_sec * 1000000000ull + (uint64_t)r.tv_nsec - mono_ns();
}

struct attachment {
	const char *ifname;
	int ifindex;
	int link_fd;
	const char *mode;
	char pinned[512];               /* link pinned by this run, "" if none */
};

/* Longest an event waits in the ring before the daemon reads it, unless the
 * ring fills faster: records and notices lag by at most this. */
#define EVENT_POLL_MS 20

/* Returns 1 if this run created the folder; *lock holds the folder's lock
 * (pin_lock.h) from before any pinned map is reused. */
static int pin_maps(struct pktlens_bpf *skel, const char *dir, int *lock, char *err,
		    size_t errlen)
{
	struct bpf_map *m;
	char path[4096];
	int created;

	/* under /sys/fs/bpf with nothing mounted there: mount it first */
	if (pl_bpffs_ensure(dir, "pktlens run", err, errlen))
		return -1;
	created = !mkdir(dir, 0700);
	if (!created && errno != EEXIST) {
		snprintf(err, errlen, "cannot create pin folder %s: %s (it must be on a BPF filesystem, e.g. under /sys/fs/bpf)",
			 dir, strerror(errno));
		return -1;
	}
	if (!pl_bpffs_is(dir)) {
		snprintf(err, errlen, "pin folder %s is not on a BPF filesystem (use a folder under /sys/fs/bpf)",
			 dir);
		if (created)
			rmdir(dir);
		return -1;
	}
	*lock = pl_pin_lock(dir, err, errlen);
	if (*lock < 0) {
		if (created)
			rmdir(dir);
		return -1;
	}
	bpf_object__for_each_map(m, skel->obj) {
		if (bpf_map__is_internal(m))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, bpf_map__name(m));
		bpf_map__set_pin_path(m, path); /* reused if there, pinned if not */
	}
	return created;
}

static int attach_one(struct pktlens_bpf *skel, const struct pl_options *o,
		      struct attachment *a, char *err, size_t errlen)
{
	int prog = bpf_program__fd(skel->progs.pktlens_xdp), e = 0;
	char path[512];
	LIBBPF_OPTS(bpf_link_create_opts, lo);

	a->link_fd = -1;
	a->ifindex = (int)if_nametoindex(a->ifname);
	if (!a->ifindex) {
		snprintf(err, errlen, "no interface named '%s' (in this network namespace)",
			 a->ifname);
		return -1;
	}
	if (o->pin_dir) {
		if ((size_t)snprintf(path, sizeof(path), "%s/link-%s", o->pin_dir, a->ifname) >=
		    sizeof(path)) {
			snprintf(err, errlen, "pin folder name too long");
			return -1;
		}
		a->link_fd = bpf_obj_get(path);
		if (a->link_fd >= 0) {
			a->mode = "pinned, resumed";
			return 0;
		}
	}
	if (o->mode != PL_MODE_GENERIC) {
		lo.flags = XDP_FLAGS_DRV_MODE;
		a->link_fd = bpf_link_create(prog, a->ifindex, BPF_XDP, &lo);
		e = errno;
		a->mode = "native";
		if (a->link_fd < 0 && o->mode == PL_MODE_NATIVE) {
			snprintf(err, errlen, "%s: native XDP attach failed: %s", a->ifname,
				 strerror(e));
			return -1;
		}
		if (a->link_fd < 0)
			fprintf(stderr, "pktlens: %s: native XDP not available (%s); using generic mode, which is slower\n",
				a->ifname, strerror(e));
	}
	if (a->link_fd < 0) {
		lo.flags = XDP_FLAGS_SKB_MODE;
		a->link_fd = bpf_link_create(prog, a->ifindex, BPF_XDP, &lo);
		a->mode = "generic";
		if (a->link_fd < 0) {
			e = errno;
			snprintf(err, errlen, "%s: cannot attach XDP: %s%s", a->ifname, strerror(e),
				 e == EBUSY || e == EEXIST ?
				 " (another XDP program is attached; detach it first)" : "");
			return -1;
		}
	}
	if (o->pin_dir) {
		if (bpf_obj_pin(a->link_fd, path)) {
			snprintf(err, errlen, "cannot pin the link at %.400s: %s", path,
				 strerror(errno));
			return -1;
		}
		snprintf(a->pinned, sizeof(a->pinned), "%s", path);
	}
	return 0;
}

static void print_egress(const struct pl_options *o, struct pktlens_bpf *skel)
{
	struct pl_counters e;

	if (o->egress &&
	    !pl_counters_read_slot(bpf_map__fd(skel->maps.pl_stats), PL_STATS_EGRESS, &e))
		pl_summary_print_egress(stderr, &e);
}

/* Without --egress: a pktlens egress filter on the interface (clsact, a
 * kernel without tcx) was left by a killed pktlens; it would go on counting
 * into maps no one reads, so it goes. One a --pin run left on purpose
 * stays, and so does a pinned egress link; both are named. */
static void stale_filter(const struct attachment *a, const char *pin_dir)
{
	uint32_t id = pl_egress_find_filter(a->ifindex);
	char path[512];

	/* A pinned egress link, from a run with --egress, goes on as pinned
	 * links do: until it is removed. */
	if (pin_dir && (size_t)snprintf(path, sizeof(path), "%s/link-egress-%s", pin_dir,
					a->ifname) < sizeof(path) && !access(path, F_OK))
		fprintf(stderr, "pktlens: %s: the egress link pinned at %s stays attached; remove it to detach\n",
			a->ifname, path);
	if (!id)
		return;
	if (pin_dir) {
		fprintf(stderr, "pktlens: %s: a pktlens egress filter (program %u) stays attached (--pin): " PL_EGRESS_TC_DEL_HINT "\n",
			a->ifname, id, a->ifname, a->ifname);
		return;
	}
	if (pl_egress_remove_filter(a->ifindex))
		fprintf(stderr, "pktlens: %s: cannot remove the egress filter (program %u) a killed pktlens left\n",
			a->ifname, id);
	else
		fprintf(stderr, "pktlens: %s: removed the egress filter (program %u) a killed pktlens left\n",
			a->ifname, id);
}

/* --rules: rs (compiled) becomes the rule set of the loaded, not yet
 * attached program. Its source is saved as `pktlens rules load` saves it,
 * so that `rules list/add/del` know it; with --pin, counters of rules that
 * were in the set the maps held carry over. Only the load itself can fail;
 * the rest warns. */
static int load_rules(const struct pl_policy_fds *f, const struct pl_ruleset *rs,
		      const char *path, char *err, size_t errlen)
{
	struct pl_policy_target t;
	struct pl_saved_rules saved;
	struct pl_ruleset old;
	struct pl_load_result res;
	struct pl_policy_cfg cfg;
	struct bpf_map_info mi;
	uint32_t ml = sizeof(mi), zero = 0;
	char werr[16384] = "", from[256], *abs;  /* the state folder named in full */
	int lock = -1, have_old = 0, r;

	memset(&t, 0, sizeof(t));
	memset(&old, 0, sizeof(old));
	memset(&mi, 0, sizeof(mi));
	t.fds = *f;
	if (bpf_obj_get_info_by_fd(f->policy, &mi, &ml))
		snprintf(werr, sizeof(werr), "cannot read map pl_policy: %s", strerror(errno));
	else
		t.policy_id = mi.id;
	if (t.policy_id)
		lock = pl_state_lock(&t, werr, sizeof(werr));
	if (lock >= 0 && !bpf_map_lookup_elem(f->policy, &zero, &cfg) &&
	    !pl_state_read(&t, &saved, werr, sizeof(werr))) {
		if (saved.generation == (uint64_t)cfg.generation &&
		    !pl_rules_parse(&old, saved.from, saved.text, saved.len, werr, sizeof(werr)) &&
		    !pl_rules_compile(&old, werr, sizeof(werr)))
			have_old = 1;
		pl_saved_rules_free(&saved);
		werr[0] = 0;    /* an old source that does not compile: counters start anew */
	}
	r = pl_rules_load(f, rs, have_old ? &old : NULL, &res, err, errlen);
	if (r > 0)
		fprintf(stderr, "pktlens run: warning: %s\n", err);
	if (r >= 0 && lock >= 0) {
		abs = realpath(path, NULL);
		snprintf(from, sizeof(from), "%s", abs ? abs : path);
		free(abs);
		if (pl_state_save(&t, rs->text, rs->text_len, res.generation, from, werr,
				  sizeof(werr)))
			lock = -2;      /* reported below */
	}
	if (r >= 0 && lock < 0)
		fprintf(stderr, "pktlens run: warning: the rules are loaded, but `pktlens rules list/add/del` will not know them: %s\n",
			werr);
	if (r >= 0)
		fprintf(stderr, "pktlens: %u rule%s loaded from %s\n", rs->n_rules,
			rs->n_rules == 1 ? "" : "s", rs->name);
	pl_state_unlock(lock);
	pl_ruleset_free(&old);
	return r < 0 ? -1 : 0;
}

static int load_options(int argc, char **argv, struct pl_options *o, const struct option *opts)
{
	char err[640];
	int c, i;

	pl_options_defaults(o);
	if (pl_options_dashes(argc, argv, "i:h", opts, err, sizeof(err))) {
		fprintf(stderr, "pktlens run: %s (--help lists them)\n", err);
		return 2;
	}
	/* the config file first, so that flags override it */
	for (i = 1; i < argc; i++) {
		const char *f = NULL;

		if (!strcmp(argv[i], "--config") && i + 1 < argc)
			f = argv[i + 1];
		else if (!strncmp(argv[i], "--config=", 9))
			f = argv[i] + 9;
		if (f && pl_options_load(o, f, err, sizeof(err))) {
			fprintf(stderr, "pktlens run: %s\n", err);
			return 2;
		}
	}
	while ((c = getopt_long(argc, argv, "i:h", opts, NULL)) != -1) {
		switch (c) {
		case 'h': usage(stdout); return -1;
		case 'C': break;        /* read above */
		case '?': usage(stderr); return 2;
		case 'i':
			c = 'I';        /* -i is --interface */
			/* fall through */
		default:
			if (pl_options_set_flag(o, opts, c, optarg, err, sizeof(err))) {
				fprintf(stderr, "pktlens run: %s\n", err);
				return 2;
			}
		}
	}
	if (optind < argc) {
		fprintf(stderr, "pktlens run: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (!o->n_ifaces) {
		fprintf(stderr, "pktlens run: give at least one interface with -i IFACE\n");
		usage(stderr);
		return 2;
	}
	return 0;
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "interface", required_argument, 0, 'I' },
		{ "config", required_argument, 0, 'C' },
		{ "log-dir", required_argument, 0, 'd' },
		{ "rotate-mb", required_argument, 0, 'r' },
		{ "mode", required_argument, 0, 'm' },
		{ "idle-timeout", required_argument, 0, 't' },
		{ "active-timeout", required_argument, 0, 'a' },
		{ "tcp-close-delay", required_argument, 0, 'c' },
		{ "dns-idle-timeout", required_argument, 0, 'n' },
		{ "frag-timeout", required_argument, 0, 0x900 },
		{ "frag-mem-kb", required_argument, 0, 0x901 },
		{ "frag-src-kb", required_argument, 0, 0x902 },
		{ "sweep-interval", required_argument, 0, 'w' },
		{ "flows", required_argument, 0, 'f' },
		{ "sources", required_argument, 0, 's' },
		{ "ringbuf-mb", required_argument, 0, 'b' },
		{ "frag-table-size", required_argument, 0, 'F' },
		{ "fragment-tracking", optional_argument, 0, 'T' },
		{ "pin", required_argument, 0, 'p' },
		{ "egress", optional_argument, 0, 'e' },
		{ "egress-hook", required_argument, 0, 'E' },
		{ "rules", required_argument, 0, 'R' },
		{ "summary", required_argument, 0, 'S' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	struct attachment at[PL_MAX_IFACES];
	struct pl_egress_att eg[PL_MAX_IFACES];
	struct pl_options o;
	struct pl_collector_opts co = { 0 };    /* 0: the defaults of what is not set */
	struct pl_collector *col = NULL;
	struct pktlens_bpf *skel = NULL;
	struct pktlens_tc_bpf *tc = NULL;
	struct ring_buffer *rb = NULL;
	struct option *all_opts;
	struct pl_detect *det = NULL;
	struct pl_policy_fds pfds;
	struct pl_ruleset rules;
	struct pl_counters cnt;
	struct pl_sink sink;
	struct sigaction sa;
	uint64_t next_sweep, next_summary = 0;
	char err[16384];        /* paths of PATH_MAX (safe_file.h names one thrice) and the errno text */
	int i, j, e, rc = 1, nat = 0, neg = 0, sources_fd, pin_created = 0, started = 0;
	int pin_lock = -1, attached = 0;

	memset(&sink, 0, sizeof(sink));
	memset(&rules, 0, sizeof(rules));
	all_opts = pl_detect_cfg_options(opts, 0x1000);
	e = all_opts ? load_options(argc, argv, &o, all_opts) : 1;
	free(all_opts);
	if (e) {
		pl_options_free(&o);
		return e < 0 ? 0 : e;
	}
	/* The rule file before anything touches the kernel: a bad one is a
	 * usage error, and nothing is loaded, attached or pinned. */
	if (o.rules_file && (pl_rules_parse_file(&rules, o.rules_file, err, sizeof(err)) ||
			     pl_rules_compile(&rules, err, sizeof(err)))) {
		fprintf(stderr, "pktlens run: %s; not started\n", err);
		pl_ruleset_free(&rules);
		pl_options_free(&o);
		return 2;
	}
	/* The same interface twice would be "busy" at its second attach, which
	 * reads as another program holding it. */
	for (i = 0; i < o.n_ifaces; i++)
		for (j = 0; j < i; j++)
			if (!strcmp(o.ifaces[i], o.ifaces[j]) ||
			    (if_nametoindex(o.ifaces[i]) &&
			     if_nametoindex(o.ifaces[i]) == if_nametoindex(o.ifaces[j]))) {
				fprintf(stderr, "pktlens run: interface %s is given twice%s%s; not started\n",
					o.ifaces[i], strcmp(o.ifaces[i], o.ifaces[j]) ? " (as " : "",
					strcmp(o.ifaces[i], o.ifaces[j]) ? o.ifaces[j] : "");
				pl_ruleset_free(&rules);
				pl_options_free(&o);
				return 2;
			}
	/* Signals from here on: a SIGHUP or SIGTERM while loading must not
	 * kill the daemon with nothing flushed or detached. No SA_RESTART:
	 * the poll returns at once. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* The log folder is checked (owner, mode, writable) before anything
	 * touches the kernel: a folder that cannot take the records is an
	 * error now, not records dropped later. */
	if (pl_sink_open(&sink, o.log_dir, o.rotate_bytes, err, sizeof(err))) {
		fprintf(stderr, "pktlens run: %s; not started\n", err);
		pl_ruleset_free(&rules);
		pl_options_free(&o);
		return 1;
	}
	if (geteuid() != 0 && access("/sys/fs/bpf", W_OK))
		fprintf(stderr, "pktlens run: not root: this needs CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON\n");

	skel = pktlens_bpf__open();
	if (!skel) {
		fprintf(stderr, "pktlens run: cannot open the BPF object: %s\n", strerror(errno));
		pl_sink_close(&sink);
		pl_ruleset_free(&rules);
		pl_options_free(&o);
		return 1;
	}
	skel->rodata->cfg_replay = 0;
	skel->rodata->cfg_l7_events = 1;
	if (o.flows)
		bpf_map__set_max_entries(skel->maps.pl_flows, o.flows);
	if (o.sources)
		bpf_map__set_max_entries(skel->maps.pl_sources, o.sources);
	if (o.ringbuf)
		bpf_map__set_max_entries(skel->maps.pl_events, o.ringbuf);
	if (o.frags)
		bpf_map__set_max_entries(skel->maps.pl_frags, o.frags);
	skel->rodata->cfg_frag_tracking = o.frag_tracking ? 1 : 0;
	/* woken early only when a quarter of the ring waits; else EVENT_POLL_MS */
	skel->rodata->cfg_wakeup_bytes = bpf_map__max_entries(skel->maps.pl_events) / 4;
	if (o.pin_dir && (pin_created = pin_maps(skel, o.pin_dir, &pin_lock, err, sizeof(err))) < 0) {
		pin_created = 0;
		fprintf(stderr, "pktlens run: %s\n", err);
		goto out;
	}
	e = pktlens_bpf__load(skel);
	if (e) {
		fprintf(stderr, "pktlens run: cannot load the XDP program: %s%s\n", strerror(-e),
			e == -EPERM ? " (run as root, or with CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON)" :
			o.pin_dir ? " (pinned maps from an older, different pktlens? remove the pin folder)" : "");
		goto out;
	}
	pl_policy_fds_of(skel, &pfds);
	/* the rules are in force before the first packet arrives */
	if (o.rules_file && load_rules(&pfds, &rules, o.rules_file, err, sizeof(err))) {
		fprintf(stderr, "pktlens run: cannot load the rules of %s: %s\n", o.rules_file, err);
		goto out;
	}
	for (i = 0; i < o.n_ifaces; i++, nat++) {
		memset(&at[i], 0, sizeof(at[i]));
		at[i].ifname = o.ifaces[i];
		if (attach_one(skel, &o, &at[i], err, sizeof(err))) {
			fprintf(stderr, "pktlens run: %s\n", err);
			nat = i + 1;    /* undo this one too */
			goto out;
		}
		attached++;
	}
	/* Egress after XDP: the XDP attach fails while another pktlens holds
	 * the interface, so what is found here was left by one that is gone. */
	if (o.egress) {
		tc = pl_egress_load(skel, err, sizeof(err));
		if (!tc) {
			fprintf(stderr, "pktlens run: %s\n", err);
			goto out;
		}
	}
	for (i = 0; i < nat; i++) {
		if (o.egress) {
			neg = i + 1;    /* undo this one too if it fails */
			if (pl_egress_attach(tc, at[i].ifname, at[i].ifindex, o.egress_hook,
					     o.pin_dir, &eg[i], err, sizeof(err))) {
				fprintf(stderr, "pktlens run: %s\n", err);
				goto out;
			}
		} else {
			stale_filter(&at[i], o.pin_dir);
		}
	}
	co.idle_timeout_ns = o.idle_timeout_ns;
	co.tcp_close_ns = o.tcp_close_ns;
	co.dns_idle_ns = o.dns_idle_ns;
	co.active_timeout_ns = o.active_timeout_ns;
	co.frag_timeout_ns = o.frag_timeout_ns;
	co.frag_mem_bytes = o.frag_mem_bytes;
	co.frag_src_mem_bytes = o.frag_src_bytes;
	co.clock_offset_ns = epoch_offset();
	col = pl_collector_new(&co, &sink, bpf_map__fd(skel->maps.pl_flows));
	rb = ring_buffer__new(bpf_map__fd(skel->maps.pl_events), pl_collector_on_event, col, NULL);
	if (col && o.detect.enabled) {
		struct pl_detect_actions act = { .ctx = &pfds, .ban = run_ban, .limit = run_limit,
						 .unlimit = run_unlimit, .trust = run_trust,
						 .pin = run_pin };
		struct pl_collector_hooks hk;

		/* with the host's own sending in view, its answers are evidence */
		o.detect.egress = o.egress;
		det = pl_detect_new(&o.detect, &sink, co.clock_offset_ns, &act);
		if (det) {
			pl_detect_hooks(det, &hk);
			pl_collector_set_hooks(col, &hk);
		}
	}
	if (!col || !rb || (o.detect.enabled && !det)) {
		fprintf(stderr, "pktlens run: cannot set up the collector: %s\n", strerror(errno));
		goto out;
	}
	for (i = 0; i < nat; i++) {
		if (i < neg && eg[i].link_id)
			fprintf(stderr, "pktlens: attached to %s (%s); egress: %s %u, program %u\n",
				at[i].ifname, at[i].mode, eg[i].how, eg[i].link_id, eg[i].prog_id);
		else if (i < neg)
			fprintf(stderr, "pktlens: attached to %s (%s); egress: %s pref %d handle 0x%x, program %u\n",
				at[i].ifname, at[i].mode, eg[i].how, PL_EGRESS_TC_PRIO,
				PL_EGRESS_TC_HANDLE, eg[i].prog_id);
		else
			fprintf(stderr, "pktlens: attached to %s (%s)\n", at[i].ifname, at[i].mode);
	}
	started = 1;

	sources_fd = bpf_map__fd(skel->maps.pl_sources);
	next_sweep = mono_ns() + o.sweep_ns;
	if (o.summary_s)
		next_summary = mono_ns() + o.summary_s * 1000000000ull;
	while (!stop) {
		uint64_t now;

		/* The kernel wakes us only for a filling ring (cfg_wakeup_bytes):
		 * what came in meanwhile is read when the wait times out. */
		e = ring_buffer__poll(rb, EVENT_POLL_MS);
		if (e >= 0 || e == -EINTR)
			e = ring_buffer__consume(rb);
		if (e < 0 && e != -EINTR) {
			fprintf(stderr, "pktlens run: reading events failed: %s\n", strerror(-e));
			break;
		}
		if (reopen) {
			reopen = 0;
			pl_sink_reopen(&sink);
			if (o.log_dir)
				fprintf(stderr, "pktlens: SIGHUP: log files in %s reopened\n", o.log_dir);
		}
		now = mono_ns();
		if (now >= next_sweep) {
			ring_buffer__consume(rb);       /* events before the counts */
			pl_collector_sweep(col, now, 0);
			if (det) {
				pl_bans_expire(&pfds);
				pl_limits_expire(&pfds);
			}
			pl_sink_flush(&sink);
			next_sweep = now + o.sweep_ns;
		}
		if (next_summary && now >= next_summary &&
		    !pl_counters_read(bpf_map__fd(skel->maps.pl_stats), &cnt)) {
			pl_summary_print(stderr, &cnt, col, &sources_fd);
			print_egress(&o, skel);
			if (det) {
				pl_detect_summary(det, stderr);
				pl_mitigation_print(stderr, &pfds, cnt.verdict[XDP_DROP]);
			}
			pl_sink_print_lost(&sink, stderr, "pktlens");
			next_summary = now + o.summary_s * 1000000000ull;
		}
	}
	/* stop: what is in the ring, then every open connection */
	ring_buffer__consume(rb);
	pl_collector_sweep(col, mono_ns(), 1);
	if (!pl_counters_read(bpf_map__fd(skel->maps.pl_stats), &cnt)) {
		pl_summary_print(stderr, &cnt, col, &sources_fd);
		print_egress(&o, skel);
		if (det) {
			pl_detect_summary(det, stderr);
			pl_mitigation_print(stderr, &pfds, cnt.verdict[XDP_DROP]);
		}
		if (cnt.events_lost)
			fprintf(stderr, "pktlens run: %llu events were lost (ring buffer full); raise --ringbuf-mb\n",
				(unsigned long long)cnt.events_lost);
	}
	pl_sink_flush(&sink);
	pl_sink_print_lost(&sink, stderr, "pktlens");
	if (sink.error)
		fprintf(stderr, "pktlens run: records were lost (see above); exit status 1\n");
	rc = sink.error ? 1 : 0;
out:
	/* A daemon that never started leaves nothing pinned that it pinned. */
	for (i = 0; i < nat && !started; i++)
		if (at[i].pinned[0])
			unlink(at[i].pinned);
	for (i = 0; i < neg; i++) {
		if (!started && eg[i].pinned[0])
			unlink(eg[i].pinned);
		pl_egress_detach(&eg[i], started && o.pin_dir);
	}
	if (!started && pin_created) {
		bpf_object__unpin_maps(skel->obj, NULL);
		rmdir(o.pin_dir);
	}
	for (i = 0; i < nat; i++)
		if (at[i].link_fd >= 0)
			close(at[i].link_fd);   /* detaches, unless pinned */
	if (attached && !o.pin_dir)
		fprintf(stderr, "pktlens: detached\n");
	for (i = 0; i < neg && started && o.pin_dir; i++)
		if (eg[i].how && !strcmp(eg[i].how, "clsact filter"))
			fprintf(stderr, "pktlens: %s: the egress clsact filter stays attached (--pin); removing %s does not detach it: " PL_EGRESS_TC_DEL_HINT "\n",
				at[i].ifname, o.pin_dir, at[i].ifname, at[i].ifname);
	ring_buffer__free(rb);
	pl_collector_free(col);
	pl_detect_free(det);
	pl_sink_close(&sink);
	pl_egress_free(tc);
	pktlens_bpf__destroy(skel);
	if (pin_lock >= 0)
		close(pin_lock);
	pl_ruleset_free(&rules);
	pl_options_free(&o);
	return rc;
}
