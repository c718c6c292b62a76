/* SPDX-License-Identifier: BSD-3-Clause */
/* bpffs.h - the BPF filesystem that pins live on. A machine without systemd
 * has none mounted at /sys/fs/bpf; a command that pins there mounts one, as
 * bpftool and xdp-loader do. */
#ifndef PL_BPFFS_H
#define PL_BPFFS_H
#include <stddef.h>

#define PL_BPFFS_ROOT "/sys/fs/bpf"

/* 1 if PATH is on a BPF filesystem, 0 if not (or it cannot be read). */
int pl_bpffs_is(const char *path);

/* pl_bpffs_ensure: if DIR is PL_BPFFS_ROOT or below it and no BPF
 * filesystem is mounted there, mount one (mode 0700) and say so on stderr,
 * once per process, as "WHO: no BPF filesystem was mounted at /sys/fs/bpf;
 * mounted one". A DIR elsewhere is left alone: whether it is on a BPF
 * filesystem is for the caller to check. Returns 0 if nothing was needed or
 * the mount worked, -1 with ERR saying why not. */
int pl_bpffs_ensure(const char *dir, const char *who, char *err, size_t errlen);

/* 1 if PATH (absolute, or relative to the working folder) names
 * PL_BPFFS_ROOT or something below it, by its text: "//" and "/./" are
 * folded, a ".." makes it 0 (whatever it leads to). */
int pl_bpffs_under_root(const char *path);

#endif
