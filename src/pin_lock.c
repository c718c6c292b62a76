/* SPDX-License-Identifier: BSD-3-Clause */
/* pin_lock.c - see pin_lock.h. flock cannot say who holds a lock;
 * /proc/locks can: one line per lock, "N: FLOCK ADVISORY WRITE PID
 * MAJ:MIN:INODE 0 EOF", device numbers in hex. */
#include "pin_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* The pid holding an flock on st's inode, 0 if none is found. */
static long holder(const struct stat *st)
{
	FILE *f = fopen("/proc/locks", "re");
	char line[256], type[16];
	unsigned maj, min;
	unsigned long ino;
	long pid, found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*d: %15s %*s %*s %ld %x:%x:%lu", type, &pid, &maj, &min,
			   &ino) == 5 && !strcmp(type, "FLOCK") && maj == major(st->st_dev) &&
		    min == minor(st->st_dev) && ino == (unsigned long)st->st_ino)
			found = pid;
	fclose(f);
	return found;
}

int pl_pin_lock(const char *dir, char *err, size_t errlen)
{
	struct stat st;
	long pid;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "cannot open pin folder %s: %s", dir, strerror(errno));
		return -1;
	}
	if (!flock(fd, LOCK_EX | LOCK_NB))
		return fd;
	if (errno != EWOULDBLOCK) {
		snprintf(err, errlen, "cannot lock pin folder %s: %s", dir, strerror(errno));
		close(fd);
		return -1;
	}
	pid = fstat(fd, &st) ? 0 : holder(&st);
	if (pid > 0)
		snprintf(err, errlen, "another pktlens (pid %ld) is running on pin folder %s; not started (stop it first: kill %ld)",
			 pid, dir, pid);
	else
		snprintf(err, errlen, "another pktlens is running on pin folder %s; not started (stop it first)",
			 dir);
	close(fd);
	return -1;
}
