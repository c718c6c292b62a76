/* SPDX-License-Identifier: BSD-3-Clause */
/* bpffs.c - mount a BPF filesystem at /sys/fs/bpf when a pin needs one
 * there and none is mounted (a machine without systemd, a fresh container).
 * bpftool and xdp-loader do the same: statfs's magic says whether one is
 * there, mount(2) puts one there. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "bpffs.h"

#define BPF_FS_MAGIC_NUMBER 0xcafe4a11  /* statfs f_type of bpffs (linux/magic.h) */

int pl_bpffs_is(const char *path)
{
	struct statfs fs;

	return !statfs(path, &fs) && (unsigned long)fs.f_type == BPF_FS_MAGIC_NUMBER;
}

int pl_bpffs_under_root(const char *path)
{
	static const char root[] = PL_BPFFS_ROOT;
	char abs[4096], norm[4096];
	size_t n = 0, i;

	if (path[0] == '/') {
		if ((size_t)snprintf(abs, sizeof(abs), "%s", path) >= sizeof(abs))
			return 0;
	} else {
		char cwd[2048];

		if (!getcwd(cwd, sizeof(cwd)) ||
		    (size_t)snprintf(abs, sizeof(abs), "%s/%s", cwd, path) >= sizeof(abs))
			return 0;
	}
	/* component by component: "" and "." go, ".." is refused */
	for (i = 0; abs[i]; ) {
		size_t c;

		while (abs[i] == '/')
			i++;
		for (c = i; abs[c] && abs[c] != '/'; c++)
			;
		if (c - i == 2 && abs[i] == '.' && abs[i + 1] == '.')
			return 0;
		if (c > i && !(c - i == 1 && abs[i] == '.')) {
			norm[n++] = '/';
			memcpy(norm + n, abs + i, c - i);
			n += c - i;
		}
		i = c;
	}
	norm[n] = 0;
	if (!n)
		return 0;
	return !strncmp(norm, root, sizeof(root) - 1) &&
	       (norm[sizeof(root) - 1] == '/' || !norm[sizeof(root) - 1]);
}

int pl_bpffs_ensure(const char *dir, const char *who, char *err, size_t errlen)
{
	static int said;

	if (!pl_bpffs_under_root(dir) || pl_bpffs_is(PL_BPFFS_ROOT))
		return 0;
	/* mode 0700: pins are for root, as bpftool and systemd mount it */
	if (mount("bpf", PL_BPFFS_ROOT, "bpf", 0, "mode=0700")) {
		int e = errno;

		snprintf(err, errlen, "no BPF filesystem is mounted at %s, and mounting one failed: %s%s",
			 PL_BPFFS_ROOT, strerror(e),
			 e == EPERM ? " (run as root, or mount it: mount -t bpf bpf " PL_BPFFS_ROOT ")" :
			 e == ENOENT ? " (is sysfs mounted at /sys?)" : "");
		return -1;
	}
	if (!pl_bpffs_is(PL_BPFFS_ROOT)) {
		snprintf(err, errlen, "mounted a BPF filesystem at %s, but statfs does not show one there",
			 PL_BPFFS_ROOT);
		return -1;
	}
	if (!said++)
		fprintf(stderr, "%s: no BPF filesystem was mounted at %s; mounted one\n", who,
			PL_BPFFS_ROOT);
	return 0;
}
