/* SPDX-License-Identifier: BSD-3-Clause */
/* safe_file.h - the folders and files pktlens writes as root. A folder is
 * used only if another user cannot change what is in it (the checks
 * logrotate makes): owned by root or by the user pktlens runs as, not
 * writable by group or others, and not reached through a symbolic link
 * someone else owns. Files in it are opened relative to the checked folder
 * (so a folder renamed meanwhile is not followed) with O_NOFOLLOW and
 * O_CLOEXEC, regular files only, with an explicit mode. */
#ifndef PL_SAFE_FILE_H
#define PL_SAFE_FILE_H

#include <stddef.h>
#include <sys/types.h>

#define PL_LOG_DIR_MODE 0750
#define PL_LOG_FILE_MODE 0640
#define PL_STATE_DIR_MODE 0700
#define PL_STATE_FILE_MODE 0600

/* pl_safe_dir: opens folder DIR (created with MODE if missing) for files
 * to be opened in it; WHAT names it in errors ("log folder"). Returns an
 * O_DIRECTORY descriptor, or -1 with ERR naming the folder, its owner and
 * mode, and what to do. A name of PATH_MAX bytes or more is refused, not
 * cut. */
int pl_safe_dir(const char *dir, mode_t mode, const char *what, char *err, size_t errlen);

/* pl_safe_open: NAME (one component) in the folder DIRFD (named DIR in
 * errors), with FLAGS plus O_NOFOLLOW | O_CLOEXEC, created with MODE. A
 * symbolic link, anything but a regular file, or a file with other hard
 * links is refused. Returns the descriptor, or -1 with errno set and ERR. */
int pl_safe_open(int dirfd, const char *dir, const char *name, int flags, mode_t mode,
		 char *err, size_t errlen);

/* pl_safe_writable: 0 if a file can be created in DIRFD now (a probe file
 * created and removed), else -1 with ERR: a read-only or full folder is
 * found before anything depends on it. */
int pl_safe_writable(int dirfd, const char *dir, const char *what, char *err, size_t errlen);

#endif
