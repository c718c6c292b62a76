/* SPDX-License-Identifier: BSD-3-Clause */
/* cmd_demo.c - `pktlens demo`: the real daemon on a private veth pair, fed
 * with the bundled captures, touching no real interface.
 *
 * Two network namespaces joined by a veth pair (no addresses, IPv6 off, so
 * the only frames on the wire are the replayed ones); `pktlens run` attached
 * to the end in namespace b, printing its live summary; every capture
 * replayed by tcpreplay from namespace a at a fixed rate; then SIGINT to the
 * daemon, which prints a final summary and flushes its logs.
 *
 * Everything created (namespaces, with their veth ends, and a temporary
 * folder of converted captures) is removed on every way out: normal end,
 * error, Ctrl-C, SIGTERM or SIGHUP. Signal handlers only set a flag; the
 * waits poll it, and cleanup runs from the normal control flow, where it may
 * fork and wait. Children run in their own process group, so a Ctrl-C from
 * the terminal reaches only the demo, which then stops them in order (and
 * `ip netns del` during cleanup cannot be interrupted half-way). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "options.h"
#include "pcap_frames.h"
#include "text_escape.h"

#define DEMO_MTU_MIN 9000
#define DEMO_MTU_MAX 65535      /* veth's largest; XDP copes via xdp.frags */
#define DEMO_MAX_SECS 50        /* replay faster than --pps if needed to fit */
#define DEMO_MAX_CAPS 512
#define ATTACH_MS 60000         /* BPF load, verifier, attach */
#define EXIT_MS 30000           /* final summary and flush after SIGINT */

struct cap {
	char name[NAME_MAX + 1];
	char path[PATH_MAX + NAME_MAX + 2]; /* what tcpreplay sends: as is or converted */
	unsigned long packets;
};

struct demo {
	char ns[2][64];         /* namespaces a (sender) and b (daemon) */
	char veth[2][IF_NAMESIZE];
	int ns_made[2];         /* what exists, so cleanup is idempotent */
	char tmp[PATH_MAX];     /* converted captures; "" when none/removed */
	pid_t daemon, replay;
	struct cap *caps;
	int ncaps;
};

static volatile sig_atomic_t stop_sig;

static void on_signal(int sig)
{
	stop_sig = sig;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* A child in its own process group (see the top), with the daemon's
 * fate tied to ours if we are killed without a chance to clean up. */
static pid_t spawn(char *const argv[], const char *out_path, int die_with_parent)
{
	pid_t parent = getpid(), pid = fork();

	if (pid != 0)
		return pid;
	setpgid(0, 0);
	if (die_with_parent && (prctl(PR_SET_PDEATHSIG, SIGINT) || getppid() != parent))
		_exit(127);
	if (out_path) {
		int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);

		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(127);
	}
	execvp(argv[0], argv);
	fprintf(stderr, "pktlens demo: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Waits for pid at most ms (forever if < 0); gives up early on a stop
 * signal unless uninterruptible. Returns the exit status (128+N for a
 * signal), -1 on timeout or stop. */
static int wait_child(pid_t pid, long ms, int uninterruptible)
{
	int st;

	for (long t = 0; ms < 0 || t <= ms; t += 20) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		if (r < 0 && errno != EINTR)
			return -1;
		if (stop_sig && !uninterruptible)
			return -1;
		sleep_ms(20);
	}
	return -1;
}

/* Short plumbing commands (ip ...): run to completion, no shell involved. */
static int run(char *const argv[])
{
	pid_t pid = spawn(argv, NULL, 0);

	if (pid < 0)
		return -1;
	return wait_child(pid, -1, 1);
}

/* Ends a child: sig, a bounded wait, then SIGKILL. */
static void stop_child(pid_t *pid, int sig, long ms)
{
	if (*pid <= 0)
		return;
	kill(*pid, sig);
	if (wait_child(*pid, ms, 1) < 0) {
		kill(*pid, SIGKILL);
		waitpid(*pid, NULL, 0);
	}
	*pid = 0;
}

static void cleanup(struct demo *d)
{
	stop_child(&d->replay, SIGTERM, 2000);
	stop_child(&d->daemon, SIGINT, EXIT_MS);
	for (int i = 0; i < 2; i++) {
		char *del[] = { "ip", "netns", "del", d->ns[i], NULL };

		/* Deleting the namespace deletes the veth end inside it. */
		if (d->ns_made[i] && run(del) != 0)
			fprintf(stderr, "pktlens demo: could not delete namespace %s; "
				"remove it with: ip netns del %s\n", d->ns[i], d->ns[i]);
		d->ns_made[i] = 0;
	}
	if (d->tmp[0]) {
		DIR *dir = opendir(d->tmp);
		struct dirent *e;
		char p[PATH_MAX + NAME_MAX + 2];

		while (dir && (e = readdir(dir)))
			if (e->d_name[0] != '.') {
				snprintf(p, sizeof(p), "%s/%s", d->tmp, e->d_name);
				unlink(p);
			}
		if (dir)
			closedir(dir);
		rmdir(d->tmp);
		d->tmp[0] = 0;
	}
}

/* A demo that died without cleaning up (killed with SIGKILL, or a crash)
 * leaves TMPDIR/pktlens-demo-PID-XXXXXX: such a folder of ours, whose PID
 * is gone, is removed by the next demo. Only the files in it (the demo
 * makes no subfolders), by unlinkat in the folder: links are not followed. */
static void remove_stale_tmp(const char *tmpdir)
{
	DIR *dir = opendir(tmpdir);
	struct dirent *e;

	while (dir && (e = readdir(dir))) {
		char rest[NAME_MAX + 1];
		struct stat st;
		struct dirent *f;
		DIR *sub;
		int pid, n = 0, fd;

		if (sscanf(e->d_name, "pktlens-demo-%d-%255s%n", &pid, rest, &n) != 2 ||
		    e->d_name[n] || strlen(rest) != 6 || pid <= 0 ||
		    !kill(pid, 0) || errno != ESRCH)
			continue;
		fd = openat(dirfd(dir), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (fstat(fd, &st) || st.st_uid != geteuid() || !(sub = fdopendir(fd))) {
			close(fd);
			continue;
		}
		while ((f = readdir(sub)))
			if (strcmp(f->d_name, ".") && strcmp(f->d_name, ".."))
				unlinkat(fd, f->d_name, 0);
		closedir(sub);
		if (!unlinkat(dirfd(dir), e->d_name, AT_REMOVEDIR))
			fprintf(stderr, "pktlens demo: removed %s/%s, left by a demo (pid %d) that did not finish\n",
				tmpdir, e->d_name, pid);
	}
	if (dir)
		closedir(dir);
}

#define LINKTYPE_ETHERNET 1
#define PCAP_MAX_LEN 262144     /* libpcap's (and tcpreplay's) largest record */

/* A classic pcap file with nanosecond timestamps, written by hand: libpcap
 * stays inside pcap_frames.c (its bpf.h clashes with libbpf's). */
static int put_u32s(FILE *f, const uint32_t *v, size_t n)
{
	return fwrite(v, sizeof(*v), n, f) == n ? 0 : -1;
}

/* Counts a capture's frames and its largest frame (for the MTU). A capture
 * that is not Ethernet cannot go onto a veth as it is: it is rewritten into
 * d->tmp with the synthetic Ethernet header the offline analyzer also uses
 * (src/pcap_frames.c), so live and offline see the same frames. tcprewrite
 * is not used for this: Debian 12's 4.4.3 mangles Linux SLL, aborts on raw
 * IPv6 and has no plugin for link types 228/229. */
static int scan(struct demo *d, struct cap *c, const char *in, unsigned *maxlen)
{
	static struct pl_frame f;       /* 64 KiB: not on the stack */
	/* magic (nanosecond), version 2.4, zone, sigfigs, snaplen, link type */
	static const uint32_t file_hdr[6] = { 0xa1b23c4d, 2 | 4u << 16, 0, 0,
					      PCAP_MAX_LEN, LINKTYPE_ETHERNET };
	struct pl_capture pc;
	FILE *out = NULL;
	int r, err = 0;

	snprintf(c->path, sizeof(c->path), "%s", in);
	if (pl_capture_open(&pc, in)) {
		fprintf(stderr, "pktlens demo: skipping %s\n", pc.err);
		return -1;
	}
	if (pc.linktype != LINKTYPE_ETHERNET) {
		snprintf(c->path, sizeof(c->path), "%s/%s", d->tmp, c->name);
		/* in our own mkdtemp folder; O_EXCL|O_NOFOLLOW all the same, as
		 * everything pktlens writes as root */
		int fd = open(c->path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

		out = fd >= 0 ? fdopen(fd, "wb") : NULL;
		if (!out && fd >= 0)
			close(fd);
		err = !out || put_u32s(out, file_hdr, 6);
	}
	while (!err && (r = pl_capture_next(&pc, &f)) == 1) {
		c->packets++;
		if (f.caplen > *maxlen)
			*maxlen = f.caplen;
		if (out) {
			uint32_t h[4] = { (uint32_t)(f.ts_ns / 1000000000u),
					  (uint32_t)(f.ts_ns % 1000000000u), f.caplen,
					  /* tcpreplay refuses longer "original" lengths */
					  f.wirelen > PCAP_MAX_LEN ? PCAP_MAX_LEN : f.wirelen };

			err = put_u32s(out, h, 4) || fwrite(f.data, 1, f.caplen, out) != f.caplen;
		}
	}
	/* A damaged file is replayed up to the damage, as analyze reads it. */
	if (!err && r < 0)
		fprintf(stderr, "pktlens demo: %s is damaged (%s): replaying the %lu frames "
			"before the damage\n", c->name, pc.err, c->packets);
	if (out && fclose(out))
		err = 1;
	pl_capture_close(&pc);
	if (err)
		fprintf(stderr, "pktlens demo: cannot write %s: %s\n", c->path, strerror(errno));
	return err ? -1 : 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct cap *)a)->name, ((const struct cap *)b)->name);
}

static int load_captures(struct demo *d, const char *dir, unsigned *maxlen)
{
	DIR *dh = opendir(dir);
	struct dirent *e;
	char in[PATH_MAX + NAME_MAX + 2];

	if (!dh) {
		fprintf(stderr, "pktlens demo: cannot open %s: %s (name a folder of captures "
			"with --pcaps DIR)\n", dir, strerror(errno));
		return -1;
	}
	d->caps = calloc(DEMO_MAX_CAPS, sizeof(*d->caps));
	while (d->caps && (e = readdir(dh)) && d->ncaps < DEMO_MAX_CAPS) {
		size_t n = strlen(e->d_name);

		if ((n > 5 && !strcmp(e->d_name + n - 5, ".pcap")) ||
		    (n > 7 && !strcmp(e->d_name + n - 7, ".pcapng")))
			snprintf(d->caps[d->ncaps++].name, NAME_MAX + 1, "%s", e->d_name);
	}
	closedir(dh);
	if (!d->caps || !d->ncaps) {
		fprintf(stderr, "pktlens demo: no *.pcap files in %s\n", dir);
		return -1;
	}
	qsort(d->caps, d->ncaps, sizeof(*d->caps), by_name);
	for (int i = 0; i < d->ncaps; i++) {
		snprintf(in, sizeof(in), "%s/%s", dir, d->caps[i].name);
		if (scan(d, &d->caps[i], in, maxlen))
			d->caps[i].packets = 0;         /* skipped */
	}
	return 0;
}

/* In a child: enter namespace ns (its /run/netns handle). */
static int enter_ns(const char *ns)
{
	char p[PATH_MAX];
	int fd;

	snprintf(p, sizeof(p), "/run/netns/%s", ns);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	return fd < 0 || setns(fd, CLONE_NEWNET) ? -1 : 0;
}

/* /proc/sys/net is per network namespace of the process that opens it, so
 * a child that entered ns writes that namespace's setting: no shell, no
 * dependency on sysctl(8). A kernel without IPv6 needs nothing. */
static int disable_ipv6(const char *ns, const char *ifname)
{
	pid_t pid = fork();

	if (pid == 0) {
		char p[PATH_MAX];
		int fd;

		if (enter_ns(ns))
			_exit(1);
		snprintf(p, sizeof(p), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", ifname);
		fd = open(p, O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			_exit(errno == ENOENT && access("/proc/sys/net/ipv6", F_OK) ? 0 : 1);
		_exit(write(fd, "1\n", 2) == 2 ? 0 : 1);
	}
	return pid < 0 ? -1 : wait_child(pid, -1, 1);
}

/* Whether an XDP program is attached to ifname in ns: the daemon's own
 * wording may change, the kernel's answer does not. */
static int xdp_attached(const char *ns, const char *ifname)
{
	pid_t pid = fork();

	if (pid == 0) {
		__u32 id = 0;
		unsigned idx;

		libbpf_set_print(NULL);
		if (enter_ns(ns) || !(idx = if_nametoindex(ifname)))
			_exit(1);
		_exit(!bpf_xdp_query_id((int)idx, 0, &id) && id ? 0 : 1);
	}
	return pid > 0 && wait_child(pid, -1, 1) == 0;
}

static int setup_net(struct demo *d, unsigned mtu)
{
	char m[16];
	char *add_a[] = { "ip", "netns", "add", d->ns[0], NULL };
	char *add_b[] = { "ip", "netns", "add", d->ns[1], NULL };
	/* Both ends are created inside their namespaces: never in the host's. */
	char *veth[] = { "ip", "link", "add", "name", d->veth[0], "netns", d->ns[0], "type", "veth",
			 "peer", "name", d->veth[1], "netns", d->ns[1], NULL };

	snprintf(m, sizeof(m), "%u", mtu);
	if (run(add_a))
		return -1;
	d->ns_made[0] = 1;
	if (run(add_b))
		return -1;
	d->ns_made[1] = 1;
	if (run(veth))
		return -1;
	for (int i = 0; i < 2; i++) {
		char *up[] = { "ip", "-n", d->ns[i], "link", "set", d->veth[i], "mtu", m, "up", NULL };

		/* Before "up": no link-local address, no RS/MLD/DAD frames. */
		if (disable_ipv6(d->ns[i], d->veth[i]) || run(up))
			return -1;
	}
	return 0;
}

/* Counts the *.log files in dir; prints each with its records if show. */
static int count_logs(const char *dir, int show)
{
	DIR *dh = opendir(dir);
	struct dirent *e;
	char p[PATH_MAX + NAME_MAX + 2];
	int n = 0;

	while (dh && (e = readdir(dh))) {
		size_t len = strlen(e->d_name);
		unsigned long lines = 0;
		FILE *f;
		int ch;

		if (e->d_name[0] == '.' || len < 5 || strcmp(e->d_name + len - 4, ".log"))
			continue;
		n++;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		if (!show || !(f = fopen(p, "r")))
			continue;
		while ((ch = getc(f)) != EOF)
			lines += ch == '\n';
		fclose(f);
		printf("  %-12s %lu records\n", e->d_name, lines);
	}
	if (dh)
		closedir(dh);
	return n;
}

static void print_logs(const char *dir, int had_logs)
{
	printf("\nlogs in %s%s:\n", dir, had_logs ? " (with earlier runs' records)" : "");
	if (!count_logs(dir, 1))
		printf("  none\n");
}

static void usage(FILE *o)
{
	fprintf(o,
"usage: pktlens demo [--pcaps DIR] [--log-dir DIR] [--pps N] [--summary SECS]\n"
"\n"
"Runs the real daemon on a private virtual link and replays real captures\n"
"into it, so you can watch pktlens work without touching any real interface.\n"
"\n"
"  1. creates two network namespaces, pktlens-demo-<pid>-a and -b, joined by\n"
"     a veth pair (pkdemo<pid>a / pkdemo<pid>b): no addresses, IPv6 off, so\n"
"     the only frames on the link are the replayed ones; MTU 9000, or more if\n"
"     a capture has a larger frame;\n"
"  2. starts `pktlens run -i pkdemo<pid>b --log-dir DIR --summary SECS` in\n"
"     namespace b (this same binary); it prints a summary table every SECS;\n"
"  3. replays every *.pcap of the capture folder, in name order, with\n"
"     tcpreplay from namespace a at N packets/s (faster if needed to finish\n"
"     within about %d s). Captures that are not Ethernet (raw IP, Linux SLL)\n"
"     get the same synthetic Ethernet header `pktlens analyze` gives them,\n"
"     written to a temporary folder first;\n"
"  4. stops the daemon with SIGINT (it prints a final summary and writes its\n"
"     logs) and says where the logs are;\n"
"  5. removes the namespaces, the veth pair and the temporary files, also on\n"
"     an error, Ctrl-C or SIGTERM. The logs stay.\n"
"\n"
"options:\n"
"  --pcaps DIR      captures to replay (default ../shared/pcaps if it exists,\n"
"                   else /usr/share/pktlens/pcaps)\n"
"  --log-dir DIR    where the daemon writes its logs (default ./pktlens-demo-logs)\n"
"  --pps N          replay rate in packets per second (default 200)\n"
"  --summary SECS   the daemon's summary interval (default 2)\n"
"  -h, --help       this text\n"
"\n"
"Needs root (namespaces, XDP), ip (iproute2) and tcpreplay.\n", DEMO_MAX_SECS);
}

static int find_in_path(const char *tool)
{
	const char *path = getenv("PATH");
	char p[PATH_MAX];

	for (const char *s = path ? path : "/usr/sbin:/usr/bin:/sbin:/bin"; *s;) {
		size_t n = strcspn(s, ":");

		snprintf(p, sizeof(p), "%.*s/%s", (int)n, s, tool);
		if (n && !access(p, X_OK))
			return 1;
		s += n + (s[n] == ':');
	}
	return 0;
}

/* Starts `pktlens run` in namespace b and waits until its XDP program is on
 * the veth. Its stderr stays the terminal's, so its summary table shows as
 * it would for a person running it. */
static int start_daemon(struct demo *d, char *exe, char *logdir, unsigned long summary)
{
	char summ[16];
	char *argv[] = { "ip", "netns", "exec", d->ns[1], exe, "run", "-i", d->veth[1],
			 "--log-dir", logdir, "--summary", summ, NULL };

	snprintf(summ, sizeof(summ), "%lu", summary);
	d->daemon = spawn(argv, NULL, 1);
	if (d->daemon < 0) {
		perror("pktlens demo: fork");
		d->daemon = 0;
		return -1;
	}
	for (long t = 0; !xdp_attached(d->ns[1], d->veth[1]); t += 100) {
		int st = wait_child(d->daemon, 100, 0);

		if (st >= 0) {
			fprintf(stderr, "pktlens demo: `pktlens run` exited (status %d) before "
				"attaching to %s\n", st, d->veth[1]);
			d->daemon = 0;
			return -1;
		}
		if (stop_sig)
			return -1;
		if (t >= ATTACH_MS) {
			fprintf(stderr, "pktlens demo: `pktlens run` did not attach within %d s\n",
				ATTACH_MS / 1000);
			return -1;
		}
	}
	return 0;
}

/* Every capture in turn from namespace a; returns -1 if the daemon died. */
static int replay_all(struct demo *d, unsigned long total, unsigned long pps)
{
	char rate[32], outp[PATH_MAX + 16];

	printf("pktlens demo: replaying %d captures, %lu packets at %lu packets/s\n",
	       d->ncaps, total, pps);
	fflush(stdout);
	snprintf(rate, sizeof(rate), "--pps=%lu", pps);
	/* tcpreplay's own report would break up the daemon's table. */
	snprintf(outp, sizeof(outp), "%s/tcpreplay.out", d->tmp);
	for (int i = 0; i < d->ncaps && !stop_sig; i++) {
		struct cap *c = &d->caps[i];
		char *argv[] = { "ip", "netns", "exec", d->ns[0], "tcpreplay", "-q", "-i",
				 d->veth[0], rate, c->path, NULL };
		char shown[PL_ESC_SIZE(NAME_MAX)];
		int st = wait_child(d->daemon, 0, 0);

		if (st >= 0) {
			fprintf(stderr, "pktlens demo: `pktlens run` exited (status %d) during "
				"the replay\n", st);
			d->daemon = 0;
			return -1;
		}
		if (!c->packets)
			continue;
		/* a file name from elsewhere: no escape sequence of its own (text_escape.h) */
		pl_esc(shown, sizeof(shown), c->name, strlen(c->name), PL_ESC_TERM);
		printf("  [%2d/%d] %-36s %6lu packets\n", i + 1, d->ncaps, shown, c->packets);
		fflush(stdout);
		d->replay = spawn(argv, outp, 0);
		if (d->replay < 0) {
			d->replay = 0;
			return -1;
		}
		st = wait_child(d->replay, (long)(c->packets / pps + 30) * 1000, 0);
		if (st < 0) {
			stop_child(&d->replay, SIGTERM, 2000);
			if (!stop_sig)
				fprintf(stderr, "pktlens demo: tcpreplay %s timed out\n", c->name);
		} else {
			d->replay = 0;
			if (st)
				fprintf(stderr, "pktlens demo: tcpreplay %s: exit status %d\n",
					c->name, st);
		}
	}
	return 0;
}

/* SIGINT: the daemon prints its final summary and writes every record. */
static int stop_daemon(struct demo *d)
{
	int st;

	kill(d->daemon, SIGINT);
	st = wait_child(d->daemon, EXIT_MS, 1);
	if (st < 0) {
		fprintf(stderr, "pktlens demo: `pktlens run` did not exit within %d s "
			"of SIGINT; killed\n", EXIT_MS / 1000);
		stop_child(&d->daemon, SIGKILL, 1000);
		return -1;
	}
	d->daemon = 0;
	if (st)
		fprintf(stderr, "pktlens demo: `pktlens run` exited with status %d\n", st);
	return st ? -1 : 0;
}

struct demo_opts {
	const char *pcaps, *logdir;
	unsigned long pps, summary;
};

/* Returns -1 to go on, else the exit code. */
static int parse_opts(int argc, char **argv, struct demo_opts *o)
{
	static const struct option opts[] = {
		{ "pcaps", required_argument, NULL, 'p' },
		{ "log-dir", required_argument, NULL, 'l' },
		{ "pps", required_argument, NULL, 'r' },
		{ "summary", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	char err[160];
	int c;

	*o = (struct demo_opts){ NULL, "pktlens-demo-logs", 200, 2 };
	if (pl_options_dashes(argc, argv, "h", opts, err, sizeof(err))) {
		fprintf(stderr, "pktlens demo: %s (--help lists them)\n", err);
		return 2;
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		unsigned long *v = c == 'r' ? &o->pps : c == 's' ? &o->summary : NULL;
		char *end;

		switch (c) {
		case 'p': o->pcaps = optarg; break;
		case 'l': o->logdir = optarg; break;
		case 'r': case 's': break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
		if (v && ((*v = strtoul(optarg, &end, 10)) == 0 || *end)) {
			fprintf(stderr, "pktlens demo: --%s needs a positive number\n",
				c == 'r' ? "pps" : "summary");
			return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	if (!o->pcaps) {
		struct stat st;

		o->pcaps = !stat("../shared/pcaps", &st) && S_ISDIR(st.st_mode) ?
			"../shared/pcaps" : "/usr/share/pktlens/pcaps";
	}
	return -1;
}

int cmd_demo(int argc, char **argv)
{
	struct demo_opts o;
	struct demo d = { 0 };
	struct sigaction sa = { .sa_handler = on_signal };
	char exe[PATH_MAX], logdir[PATH_MAX];
	unsigned long total = 0, pps;
	unsigned maxlen = 0, mtu;
	int rc = parse_opts(argc, argv, &o), started = 0, had_logs;
	ssize_t n;

	if (rc >= 0)
		return rc;
	rc = 1;
	if (geteuid() != 0) {
		fprintf(stderr, "pktlens demo: needs root: it creates network namespaces and "
			"attaches an XDP program (try: sudo pktlens demo)\n");
		return 1;
	}
	for (const char *const *t = (const char *const[]){ "ip", "tcpreplay", NULL }; *t; t++)
		if (!find_in_path(*t)) {
			fprintf(stderr, "pktlens demo: %s not found in PATH (Debian package %s; "
				"scripts/install-deps.sh installs it)\n",
				*t, !strcmp(*t, "ip") ? "iproute2" : "tcpreplay");
			return 1;
		}
	/* The daemon is this binary; `ip netns exec` needs its real path. */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0) {
		perror("pktlens demo: /proc/self/exe");
		return 1;
	}
	exe[n] = 0;
	if ((mkdir(o.logdir, 0755) && errno != EEXIST) || !realpath(o.logdir, logdir)) {
		fprintf(stderr, "pktlens demo: log folder %s: %s\n", o.logdir, strerror(errno));
		return 1;
	}
	had_logs = count_logs(logdir, 0);
	if (had_logs)
		printf("pktlens demo: %s already has logs; the new records are appended\n", logdir);

	/* From here on every way out goes through cleanup(). No SA_RESTART: a
	 * signal must cut short the sleeps of the wait loops. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	snprintf(d.ns[0], sizeof(d.ns[0]), "pktlens-demo-%d-a", (int)getpid());
	snprintf(d.ns[1], sizeof(d.ns[1]), "pktlens-demo-%d-b", (int)getpid());
	/* Interface names have 15 characters at most: shorter than the ns'. */
	snprintf(d.veth[0], sizeof(d.veth[0]), "pkdemo%da", (int)getpid());
	snprintf(d.veth[1], sizeof(d.veth[1]), "pkdemo%db", (int)getpid());
	remove_stale_tmp(getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	/* the pid in the name: remove_stale_tmp finds what a dead demo left */
	snprintf(d.tmp, sizeof(d.tmp), "%s/pktlens-demo-%d-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
	if (!mkdtemp(d.tmp)) {
		fprintf(stderr, "pktlens demo: temporary folder %s: %s\n", d.tmp, strerror(errno));
		d.tmp[0] = 0;
		goto out;
	}
	if (load_captures(&d, o.pcaps, &maxlen) || stop_sig)
		goto out;
	for (int i = 0; i < d.ncaps; i++)
		total += d.caps[i].packets;
	pps = total / o.pps > DEMO_MAX_SECS ? total / DEMO_MAX_SECS + 1 : o.pps;
	/* A frame of up to MTU + 14 bytes (+4 for a VLAN tag) passes a veth. */
	mtu = maxlen > DEMO_MTU_MIN ? maxlen : DEMO_MTU_MIN;
	if (mtu > DEMO_MTU_MAX)
		mtu = DEMO_MTU_MAX;

	if (setup_net(&d, mtu)) {
		fprintf(stderr, "pktlens demo: cannot create the namespaces and veth pair\n");
		goto out;
	}
	printf("pktlens demo: namespaces %s, %s; veth %s -> %s (MTU %u)\n",
	       d.ns[0], d.ns[1], d.veth[0], d.veth[1], mtu);
	fflush(stdout);
	if (start_daemon(&d, exe, logdir, o.summary))
		goto out;
	started = 1;
	if (replay_all(&d, total, pps) || stop_sig)
		goto out;
	/* One more summary tick with the last frames, then the final one. */
	for (unsigned long t = 0; t < (o.summary + 1) * 10 && !stop_sig; t++)
		sleep_ms(100);
	if (!stop_sig && !stop_daemon(&d))
		rc = 0;
out:
	if (stop_sig)
		fprintf(stderr, "\npktlens demo: %s, cleaning up\n", strsignal(stop_sig));
	cleanup(&d);            /* stops the daemon first: its logs are complete */
	if (started)
		print_logs(logdir, had_logs);
	free(d.caps);
	return stop_sig ? 128 + stop_sig : rc;
}
