/* SPDX-License-Identifier: BSD-3-Clause */
/* safe_file.c - see safe_file.h. */
#include "safe_file.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *user_name(uid_t uid, char *buf, size_t len)
{
	struct passwd *pw = getpwuid(uid);

	if (pw)
		snprintf(buf, len, "%s", pw->pw_name);
	else
		snprintf(buf, len, "uid %u", (unsigned)uid);
	return buf;
}

static int trusted_owner(uid_t uid)
{
	return uid == 0 || uid == geteuid();
}

/* "owned by NAME, mode 0777" of st */
static void describe(const struct stat *st, char *out, size_t len)
{
	char u[64];

	snprintf(out, len, "owned by %s, mode %04o", user_name(st->st_uid, u, sizeof(u)),
		 (unsigned)(st->st_mode & 07777));
}

int pl_safe_dir(const char *dir, mode_t mode, const char *what, char *err, size_t errlen)
{
	struct stat st;
	char d[160];
	int fd;

	if (strlen(dir) >= PATH_MAX) {
		snprintf(err, errlen, "%s name too long (%zu bytes; the limit is %d)", what,
			 strlen(dir), PATH_MAX - 1);
		return -1;
	}
	if (mkdir(dir, mode) && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s %s: %s", what, dir, strerror(errno));
		return -1;
	}
	/* The last component may be a link the admin made, not one a user
	 * planted (as fs.protected_symlinks reasons). */
	if (!lstat(dir, &st) && S_ISLNK(st.st_mode) && !trusted_owner(st.st_uid)) {
		describe(&st, d, sizeof(d));
		snprintf(err, errlen, "%s %s is a symbolic link %s: refused (give the folder it should point to, owned by root)",
			 what, dir, d);
		return -1;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s %s: %s", what, dir,
			 errno == ENOTDIR ? "not a folder" : strerror(errno));
		return -1;
	}
	/* what is checked is what was opened: the descriptor, not the name */
	if (fstat(fd, &st)) {
		snprintf(err, errlen, "cannot read %s %s: %s", what, dir, strerror(errno));
		close(fd);
		return -1;
	}
	if (!trusted_owner(st.st_uid) || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		describe(&st, d, sizeof(d));
		snprintf(err, errlen, "%s %s is %s: another user could replace the files pktlens writes there; refused (make it owned by root and not writable by group or others: chown root %s && chmod go-w %s)",
			 what, dir, d, dir, dir);
		close(fd);
		return -1;
	}
	return fd;
}

int pl_safe_open(int dirfd, const char *dir, const char *name, int flags, mode_t mode,
		 char *err, size_t errlen)
{
	struct stat st = { 0 };
	int fd, e;

	fd = openat(dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, mode);
	if (fd < 0) {
		e = errno;
		/* say what is there: a FIFO without a reader fails with ENXIO */
		if (!fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) && S_ISLNK(st.st_mode))
			snprintf(err, errlen, "cannot open %s/%s: it is a symbolic link (refused)",
				 dir, name);
		else if (e != ENOENT && !fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) &&
			 !S_ISREG(st.st_mode))
			snprintf(err, errlen, "cannot open %s/%s: not a regular file (refused)",
				 dir, name);
		else
			snprintf(err, errlen, "cannot open %s/%s: %s", dir, name, strerror(e));
		errno = e;
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_nlink > 1) {
		snprintf(err, errlen, "cannot open %s/%s: %s (refused)", dir, name,
			 !S_ISREG(st.st_mode) ? "not a regular file" : "it has other hard links");
		/* fstat failing leaves st as zeros: "not a regular file" */
		close(fd);
		errno = EPERM;
		return -1;
	}
	/* O_NONBLOCK was only against a FIFO put there; files do not need it */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

int pl_safe_writable(int dirfd, const char *dir, const char *what, char *err, size_t errlen)
{
	char name[64];
	int fd;

	snprintf(name, sizeof(name), ".pktlens-probe-%ld", (long)getpid());
	fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, "\n", 1) != 1) {
		snprintf(err, errlen, "%s %s is not writable: %s", what, dir, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlinkat(dirfd, name, 0);
		}
		return -1;
	}
	close(fd);
	unlinkat(dirfd, name, 0);
	return 0;
}
