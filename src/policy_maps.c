/* SPDX-License-Identifier: BSD-3-Clause */
/* policy_maps.c - find a running pktlens' policy maps; keep the source of
 * the rule set loaded into them. */
#include "policy_maps.h"
#include "safe_file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define PROG_NAME "pktlens_xdp"

static const struct {
	const char *name;
	size_t off;             /* in struct pl_policy_fds */
	uint32_t type;
	uint32_t key_size, value_size;  /* 0: not checked */
} wanted[] = {
	{ "pl_policy", offsetof(struct pl_policy_fds, policy), BPF_MAP_TYPE_ARRAY,
	  4, sizeof(struct pl_policy_cfg) },
	{ "pl_bans", offsetof(struct pl_policy_fds, bans), BPF_MAP_TYPE_HASH,
	  sizeof(struct pl_ban_key), sizeof(struct pl_ban_val) },
	{ "pl_rule_tries", offsetof(struct pl_policy_fds, tries), BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4 },
	{ "pl_rule_lists", offsetof(struct pl_policy_fds, lists), BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4 },
	{ "pl_rule_stats", offsetof(struct pl_policy_fds, rule_stats), BPF_MAP_TYPE_PERCPU_ARRAY,
	  4, sizeof(struct pl_rule_stats) },
	{ "pl_rates", offsetof(struct pl_policy_fds, rates), BPF_MAP_TYPE_LRU_HASH,
	  sizeof(struct pl_rate_key), sizeof(struct pl_rate_val) },
	{ "pl_dst_limits", offsetof(struct pl_policy_fds, dlims), BPF_MAP_TYPE_HASH,
	  sizeof(struct pl_dlim_key), sizeof(struct pl_dlim_val) },
	{ "pl_dst_trust", offsetof(struct pl_policy_fds, trust), BPF_MAP_TYPE_LRU_HASH,
	  sizeof(struct pl_trust_key), sizeof(struct pl_trust_val) },
	{ "pl_arp_pins", offsetof(struct pl_policy_fds, pins), BPF_MAP_TYPE_HASH,
	  sizeof(struct pl_arp_pin_key), sizeof(struct pl_arp_pin_val) },
};
#define N_WANTED (sizeof(wanted) / sizeof(wanted[0]))

static int *fd_slot(struct pl_policy_fds *f, size_t i)
{
	return (int *)((char *)f + wanted[i].off);
}

void pl_policy_close(struct pl_policy_target *t)
{
	size_t i;

	for (i = 0; i < N_WANTED; i++)
		if (*fd_slot(&t->fds, i) >= 0)
			close(*fd_slot(&t->fds, i));
	for (i = 0; i < N_WANTED; i++)
		*fd_slot(&t->fds, i) = -1;
}

/* The map i of `wanted`, checked; fd is consumed. */
static int take_map(struct pl_policy_target *t, size_t i, int fd, char *err, size_t errlen)
{
	struct bpf_map_info info;
	uint32_t len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		snprintf(err, errlen, "%s: cannot read map %s: %s", t->where, wanted[i].name,
			 strerror(errno));
		close(fd);
		return -1;
	}
	if (info.type != wanted[i].type || info.key_size != wanted[i].key_size ||
	    info.value_size != wanted[i].value_size) {
		snprintf(err, errlen,
			 "%s: map %s is not shaped as this pktlens expects (type %u, key %u, value %u bytes; want %u, %u, %u): the daemon runs another version of pktlens",
			 t->where, wanted[i].name, info.type, info.key_size, info.value_size,
			 wanted[i].type, wanted[i].key_size, wanted[i].value_size);
		close(fd);
		return -1;
	}
	if (i == 0)
		t->policy_id = info.id;
	*fd_slot(&t->fds, i) = fd;
	return 0;
}

static int open_pinned(struct pl_policy_target *t, const char *dir, char *err, size_t errlen)
{
	char path[4096];
	size_t i;
	int fd;

	snprintf(t->where, sizeof(t->where), "pin folder %.250s", dir);
	for (i = 0; i < N_WANTED; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, wanted[i].name);
		fd = bpf_obj_get(path);
		if (fd < 0) {
			int e = errno;

			if (e == ENOENT)
				snprintf(err, errlen,
					 "no map pinned at %.300s: is %.300s the folder given to `pktlens run --pin`?",
					 path, dir);
			else
				snprintf(err, errlen, "cannot open %.300s: %s%s", path, strerror(e),
					 e == EPERM || e == EACCES ? " (run as root)" : "");
			return -1;
		}
		if (take_map(t, i, fd, err, errlen))
			return -1;
	}
	return 0;
}

/* Name and type of program id; 1 if it is pktlens' XDP program. */
static int is_pktlens(uint32_t id, int *fd_out)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id);

	if (fd < 0)
		return errno == EPERM || errno == EACCES ? -1 : 0;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len) || info.type != BPF_PROG_TYPE_XDP ||
	    strcmp(info.name, PROG_NAME)) {
		close(fd);
		return 0;
	}
	if (fd_out)
		*fd_out = fd;
	else
		close(fd);
	return 1;
}

static int open_prog(struct pl_policy_target *t, uint32_t id, char *err, size_t errlen)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info), ids[64], n, i;
	size_t w;
	int fd = -1, r;

	snprintf(t->where, sizeof(t->where), "program %u", id);
	r = is_pktlens(id, &fd);
	if (r <= 0) {
		if (r < 0)
			snprintf(err, errlen, "cannot open program %u: %s (run as root)", id,
				 strerror(errno));
		else
			snprintf(err, errlen, "program %u is not a loaded pktlens XDP program (%s); `bpftool prog show name %s` lists them",
				 id, errno == ENOENT ? "no such program" : "another program",
				 PROG_NAME);
		return -1;
	}
	memset(&info, 0, sizeof(info));
	info.nr_map_ids = 64;
	info.map_ids = (uint64_t)(uintptr_t)ids;
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		snprintf(err, errlen, "cannot read program %u: %s", id, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	t->prog_id = id;
	n = info.nr_map_ids < 64 ? info.nr_map_ids : 64;
	for (i = 0; i < n; i++) {
		struct bpf_map_info mi;
		uint32_t ml = sizeof(mi);
		int mfd = bpf_map_get_fd_by_id(ids[i]);

		if (mfd < 0)
			continue;
		memset(&mi, 0, sizeof(mi));
		if (bpf_obj_get_info_by_fd(mfd, &mi, &ml)) {
			close(mfd);
			continue;
		}
		for (w = 0; w < N_WANTED; w++)
			if (!strcmp(mi.name, wanted[w].name) && *fd_slot(&t->fds, w) < 0)
				break;
		if (w == N_WANTED) {
			close(mfd);
			continue;
		}
		if (take_map(t, w, mfd, err, errlen))
			return -1;
	}
	for (w = 0; w < N_WANTED; w++)
		if (*fd_slot(&t->fds, w) < 0) {
			snprintf(err, errlen, "program %u has no map %s: it comes from an older pktlens",
				 id, wanted[w].name);
			return -1;
		}
	return 0;
}

/* Where program prog_id is attached through an XDP link (how `pktlens
 * run` attaches): 0 if nowhere; else *ifindex of its first link, and
 * *here 1 if that interface is in this network namespace and runs it (a
 * link only tells an ifindex, which every namespace reuses). */
static int attached(uint32_t prog_id, int *ifindex, int *here)
{
	uint32_t id = 0;
	int found = 0;

	*here = 0;
	while (!bpf_link_get_next_id(id, &id)) {
		struct bpf_link_info li;
		uint32_t len = sizeof(li);
		int fd = bpf_link_get_fd_by_id(id);

		if (fd < 0)
			continue;
		memset(&li, 0, sizeof(li));
		if (!bpf_obj_get_info_by_fd(fd, &li, &len) && li.type == BPF_LINK_TYPE_XDP &&
		    li.prog_id == prog_id) {
			LIBBPF_OPTS(bpf_xdp_query_opts, q);

			if (!found)
				*ifindex = (int)li.xdp.ifindex;
			found = 1;
			if (!bpf_xdp_query((int)li.xdp.ifindex, 0, &q) &&
			    (q.prog_id == prog_id || q.drv_prog_id == prog_id ||
			     q.skb_prog_id == prog_id)) {
				*ifindex = (int)li.xdp.ifindex;
				*here = 1;
			}
		}
		close(fd);
		if (*here)
			break;
	}
	return found;
}

/* "program 42 on eth0" / "program 42 in another network namespace" */
static void describe_prog(uint32_t id, int ifindex, int here, char *out, size_t outlen)
{
	char name[IF_NAMESIZE] = "";

	if (here && if_indextoname((unsigned)ifindex, name))
		snprintf(out, outlen, "program %u on %s (this network namespace)", id, name);
	else
		snprintf(out, outlen, "program %u in another network namespace (ifindex %d there)",
			 id, ifindex);
}

/* The one pktlens program attached in this network namespace. A daemon
 * in another namespace is never picked silently: it is listed, as several
 * here are, for --prog-id or --pin to choose. */
static int find_prog(uint32_t *out, char *where, size_t wherelen, char *err, size_t errlen)
{
	uint32_t id = 0, found[16], live[16];
	int ifx[16], here[16];
	unsigned nf = 0, nl = 0, nh = 0, i, pick = 0;
	char d[128];
	size_t o;
	int r;

	errno = 0;
	while (!bpf_prog_get_next_id(id, &id)) {
		r = is_pktlens(id, NULL);
		if (r < 0) {
			snprintf(err, errlen, "cannot look at BPF programs: %s (run as root)",
				 strerror(errno));
			return -1;
		}
		if (r && nf < 16)
			found[nf++] = id;
	}
	if (errno == EPERM || errno == EACCES) {
		snprintf(err, errlen, "cannot list BPF programs: %s (run as root)", strerror(errno));
		return -1;
	}
	for (i = 0; i < nf; i++)
		if (attached(found[i], &ifx[nl], &here[nl])) {
			if (here[nl]) {
				nh++;
				pick = nl;
			}
			live[nl++] = found[i];
		}
	if (nh == 1) {
		*out = live[pick];
		describe_prog(live[pick], ifx[pick], 1, where, wherelen);
		return 0;
	}
	if (nl == 0) {
		o = (size_t)snprintf(err, errlen,
				     "no running pktlens: start `pktlens run`, or give --pin DIR (the folder of `pktlens run --pin DIR`)");
		if (nf && o < errlen) {
			o += (size_t)snprintf(err + o, errlen - o,
					      "; loaded but attached nowhere (tests, tools):");
			for (i = 0; i < nf && o < errlen; i++)
				o += (size_t)snprintf(err + o, errlen - o, " %u", found[i]);
			if (o < errlen)
				snprintf(err + o, errlen - o, " (--prog-id N picks one)");
		}
		return -1;
	}
	o = nh ? (size_t)snprintf(err, errlen, "%u pktlens programs are attached in this network namespace:", nh)
	       : (size_t)snprintf(err, errlen, "no pktlens is attached in this network namespace; elsewhere:");
	for (i = 0; i < nl && o < errlen; i++) {
		describe_prog(live[i], ifx[i], here[i], d, sizeof(d));
		o += (size_t)snprintf(err + o, errlen - o, "%s %s", i ? ";" : "", d);
	}
	if (o < errlen)
		snprintf(err + o, errlen - o,
			 ". Say which with --prog-id N or --pin DIR (`bpftool net` in a namespace shows what is attached there)");
	return -1;
}

int pl_policy_open(struct pl_policy_target *t, const char *pin_dir, uint32_t prog_id,
		   char *err, size_t errlen)
{
	char where[128] = "";
	size_t i;
	int rc;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < N_WANTED; i++)
		*fd_slot(&t->fds, i) = -1;
	if (pin_dir)
		rc = open_pinned(t, pin_dir, err, errlen);
	else if (prog_id)
		rc = open_prog(t, prog_id, err, errlen);
	else
		rc = find_prog(&prog_id, where, sizeof(where), err, errlen) ? -1 :
		     open_prog(t, prog_id, err, errlen);
	if (!rc && where[0])
		snprintf(t->where, sizeof(t->where), "%s", where);
	if (rc)
		pl_policy_close(t);
	return rc;
}

/* ---- saved rule source ----------------------------------------------- */

const char *pl_state_dir(void)
{
	const char *d = getenv("PKTLENS_STATE_DIR");

	return d && *d ? d : "/run/pktlens";
}

/* rules-ID.EXT, in the state folder */
static void state_name(const struct pl_policy_target *t, const char *ext, char *out, size_t outlen)
{
	snprintf(out, outlen, "rules-%u.%s", t->policy_id, ext);
}

/* The state folder, created and checked as safe_file.h says: root reads
 * and writes rule sources there, so no other user may swap them. */
static int state_dirfd(char *err, size_t errlen)
{
	int fd = pl_safe_dir(pl_state_dir(), PL_STATE_DIR_MODE, "state folder", err, errlen);
	size_t n;

	if (fd < 0 && (n = strlen(err)) < errlen)
		snprintf(err + n, errlen - n, " (PKTLENS_STATE_DIR names another folder)");
	return fd;
}

int pl_state_lock(const struct pl_policy_target *t, char *err, size_t errlen)
{
	char name[64];
	int fd, dfd = state_dirfd(err, errlen);

	if (dfd < 0)
		return -1;
	state_name(t, "lock", name, sizeof(name));
	fd = pl_safe_open(dfd, pl_state_dir(), name, O_RDWR | O_CREAT, PL_STATE_FILE_MODE,
			  err, errlen);
	close(dfd);
	if (fd < 0)
		return -1;
	while (flock(fd, LOCK_EX)) {
		if (errno != EINTR) {
			snprintf(err, errlen, "cannot lock %s/%s: %s", pl_state_dir(), name,
				 strerror(errno));
			close(fd);
			return -1;
		}
	}
	return fd;
}

void pl_state_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

void pl_saved_rules_free(struct pl_saved_rules *s)
{
	free(s->text);
	memset(s, 0, sizeof(*s));
}

#define HEADER "#pktlens-rules "

int pl_state_read(const struct pl_policy_target *t, struct pl_saved_rules *s,
		  char *err, size_t errlen)
{
	char path[4200], name[64];
	FILE *f;
	char *buf = NULL, *nl;
	size_t cap = 0, len = 0, n;
	unsigned long long gen, when;
	int k = 0, fd, dfd;

	memset(s, 0, sizeof(*s));
	state_name(t, "txt", name, sizeof(name));
	snprintf(path, sizeof(path), "%s/%s", pl_state_dir(), name);
	dfd = state_dirfd(err, errlen);
	if (dfd < 0)
		return -1;
	fd = pl_safe_open(dfd, pl_state_dir(), name, O_RDONLY, 0, err, errlen);
	close(dfd);
	if (fd < 0 && errno == ENOENT) {
		err[0] = 0;
		return 1;
	}
	if (fd < 0 || !(f = fdopen(fd, "r"))) {
		if (fd >= 0) {
			snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
			close(fd);
		}
		return -1;
	}
	for (;;) {
		if (len + 65536 > cap) {
			char *nb = realloc(buf, cap ? cap * 2 : 1 << 16);

			if (!nb) {
				snprintf(err, errlen, "out of memory");
				goto fail;
			}
			buf = nb;
			cap = cap ? cap * 2 : 1 << 16;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (!n)
			break;
	}
	fclose(f);
	f = NULL;
	buf[len] = 0;
	nl = memchr(buf, '\n', len);
	if (!nl || strncmp(buf, HEADER, strlen(HEADER)) ||
	    sscanf(buf + strlen(HEADER), "generation=%llu loaded=%llu from=%n", &gen, &when, &k) < 2 ||
	    !k) {
		snprintf(err, errlen, "%s is damaged (no header line); `pktlens rules load FILE` writes it anew",
			 path);
		goto fail;
	}
	*nl = 0;
	snprintf(s->from, sizeof(s->from), "%s", buf + strlen(HEADER) + k);
	s->generation = gen;
	s->loaded = when;
	s->len = len - (size_t)(nl + 1 - buf);
	s->text = malloc(s->len + 1);
	if (!s->text) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	memcpy(s->text, nl + 1, s->len);
	s->text[s->len] = 0;
	free(buf);
	return 0;
fail:
	if (f)
		fclose(f);
	free(buf);
	return -1;
}

/* rules-ID.* of pl_policy maps that are gone */
static void remove_stale(int dfd)
{
	int fd = dup(dfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((e = readdir(d))) {
		unsigned id;
		char ext[8];
		struct bpf_map_info mi;
		uint32_t ml = sizeof(mi);
		int mfd, gone;

		if (sscanf(e->d_name, "rules-%u.%7s", &id, ext) != 2 ||
		    (strcmp(ext, "txt") && strcmp(ext, "lock") && strcmp(ext, "tmp")))
			continue;
		mfd = bpf_map_get_fd_by_id(id);
		if (mfd < 0) {
			gone = errno == ENOENT;
		} else {
			memset(&mi, 0, sizeof(mi));
			gone = !bpf_obj_get_info_by_fd(mfd, &mi, &ml) && strcmp(mi.name, "pl_policy");
			close(mfd);
		}
		if (gone)
			unlinkat(dfd, e->d_name, 0);
	}
	closedir(d);
}

int pl_state_save(const struct pl_policy_target *t, const char *text, size_t len,
		  uint64_t generation, const char *from, char *err, size_t errlen)
{
	char name[64], tmp[64], src[256], *p;
	FILE *f;
	int bad, fd, dfd;

	snprintf(src, sizeof(src), "%s", from ? from : "-");
	for (p = src; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';       /* the header is one line */

	dfd = state_dirfd(err, errlen);
	if (dfd < 0)
		return -1;
	state_name(t, "txt", name, sizeof(name));
	state_name(t, "tmp", tmp, sizeof(tmp));
	remove_stale(dfd);
	fd = pl_safe_open(dfd, pl_state_dir(), tmp, O_WRONLY | O_CREAT | O_TRUNC,
			  PL_STATE_FILE_MODE, err, errlen);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		if (fd >= 0) {
			snprintf(err, errlen, "cannot write %s/%s: %s", pl_state_dir(), tmp,
				 strerror(errno));
			close(fd);
		}
		close(dfd);
		return -1;
	}
	fprintf(f, HEADER "generation=%" PRIu64 " loaded=%lld from=%s\n", generation,
		(long long)time(NULL), src);
	fwrite(text, 1, len, f);
	bad = ferror(f);
	if (fclose(f) || bad || renameat(dfd, tmp, dfd, name)) {
		snprintf(err, errlen, "cannot write %s/%s: %s", pl_state_dir(), name,
			 strerror(errno));
		unlinkat(dfd, tmp, 0);
		close(dfd);
		return -1;
	}
	close(dfd);
	return 0;
}
