/* SPDX-License-Identifier: BSD-3-Clause */
/* prog_info.c PID - what the verifier did with each BPF program process PID
 * holds (its fds, from /proc/PID/fdinfo): one line per program,
 *     NAME verified_insns N xlated B jited B
 * verified_insns is the count the verifier holds against its limit of one
 * million instructions; `make test-kernels` reports it for 6.1 and the
 * host, so that a change that brings 6.1 near the limit shows before it
 * fails there. (Debian 12's bpftool 7.1 does not print it.) By process, not
 * by name: other pktlens processes on a shared host hold programs of the
 * same names. Exits 1 if it found none. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#define MAX_PROGS 64

static int print_prog(__u32 id)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id), ok;

	if (fd < 0)
		return 0;       /* gone meanwhile */
	memset(&info, 0, sizeof(info));
	ok = !bpf_obj_get_info_by_fd(fd, &info, &len);
	if (ok)
		printf("%s verified_insns %u xlated %u jited %u\n", info.name,
		       info.verified_insns, info.xlated_prog_len, info.jited_prog_len);
	close(fd);
	return ok;
}

int main(int argc, char **argv)
{
	__u32 seen[MAX_PROGS], id;
	char path[64], line[256];
	struct dirent *de;
	int n = 0, found = 0, i;
	DIR *d;

	if (argc != 2 || atoi(argv[1]) <= 0) {
		fprintf(stderr, "usage: prog_info PID\n");
		return 2;
	}
	snprintf(path, sizeof(path), "/proc/%d/fdinfo", atoi(argv[1]));
	d = opendir(path);
	if (!d) {
		perror(path);
		return 1;
	}
	while ((de = readdir(d))) {
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%.16s", atoi(argv[1]), de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			if (sscanf(line, "prog_id: %u", &id) != 1)
				continue;
			/* a program and the link holding it show the same id */
			for (i = 0; i < n && seen[i] != id; i++)
				;
			if (i == n && n < MAX_PROGS) {
				seen[n++] = id;
				found |= print_prog(id);
			}
		}
		fclose(f);
	}
	closedir(d);
	return found ? 0 : 1;
}
