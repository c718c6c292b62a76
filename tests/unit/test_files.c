/* SPDX-License-Identifier: BSD-3-Clause */
/* test_files.c - what pktlens writes, on a real file system: the folder and
 * file checks of src/safe_file.c, and the sink (src/sink.c) writing whole
 * lines through a short write (RLIMIT_FSIZE stops a write part way, as a
 * full disk does), counting what it lost, and reopening files by name
 * (SIGHUP). cmocka, under ASan and UBSan. A read-only folder is in
 * tests/integration/hostile_files.sh: root writes to a folder of mode 0555
 * anyway, so it takes a read-only mount. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safe_file.h"
#include "sink.h"

struct dir {
	char path[256];
};

static int dir_setup(void **state)
{
	static struct dir d;
	const char *tmp = getenv("TMPDIR");

	snprintf(d.path, sizeof(d.path), "%s/pktlens-files.XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(d.path))
		return -1;
	*state = &d;
	return 0;
}

static int dir_teardown(void **state)
{
	struct dir *d = *state;
	char cmd[512];

	chmod(d->path, 0700);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->path);
	return system(cmd) ? -1 : 0;
}

static void sub(const struct dir *d, const char *name, char *out, size_t len)
{
	snprintf(out, len, "%s/%s", d->path, name);
}

static void folder_modes(void **state)
{
	struct dir *d = *state;
	char err[8192];
	int fd;

	assert_int_equal(chmod(d->path, 0770), 0);
	assert_int_equal(pl_safe_dir(d->path, 0750, "log folder", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "mode 0770"));
	assert_non_null(strstr(err, "chmod go-w"));
	assert_int_equal(chmod(d->path, 0702), 0);
	assert_int_equal(pl_safe_dir(d->path, 0750, "log folder", err, sizeof(err)), -1);
	assert_int_equal(chmod(d->path, 0755), 0);
	fd = pl_safe_dir(d->path, 0750, "log folder", err, sizeof(err));
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(chmod(d->path, 0700), 0);
}

static void folder_created_with_mode(void **state)
{
	struct dir *d = *state;
	char p[512], err[8192];
	struct stat st;
	mode_t um = umask(0);
	int fd;

	sub(d, "logs", p, sizeof(p));
	fd = pl_safe_dir(p, PL_LOG_DIR_MODE, "log folder", err, sizeof(err));
	umask(um);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_mode & 07777, PL_LOG_DIR_MODE);
	close(fd);
}

static void folder_name_too_long(void **state)
{
	char *p = malloc(5000), err[8192];

	(void)state;
	assert_non_null(p);
	memset(p, 'x', 4999);
	p[0] = '/';
	p[4999] = 0;
	assert_int_equal(pl_safe_dir(p, 0750, "log folder", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "name too long (4999 bytes"));
	free(p);
}

/* A link, a FIFO and a second hard link are refused; the link's target is
 * untouched. */
static void files_refused(void **state)
{
	struct dir *d = *state;
	char p[512], t[512], err[8192];
	int dfd, fd;
	struct stat st;
	mode_t um;

	dfd = pl_safe_dir(d->path, 0750, "log folder", err, sizeof(err));
	assert_true(dfd >= 0);
	sub(d, "target", t, sizeof(t));
	fd = open(t, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	close(fd);
	sub(d, "conn.log", p, sizeof(p));
	assert_int_equal(symlink(t, p), 0);
	assert_int_equal(pl_safe_open(dfd, d->path, "conn.log", O_WRONLY | O_APPEND | O_CREAT,
				      0640, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "symbolic link"));
	assert_int_equal(stat(t, &st), 0);
	assert_int_equal(st.st_size, 0);

	sub(d, "dns.log", p, sizeof(p));
	assert_int_equal(mkfifo(p, 0600), 0);
	assert_int_equal(pl_safe_open(dfd, d->path, "dns.log", O_WRONLY | O_APPEND | O_CREAT,
				      0640, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a regular file"));

	sub(d, "http.log", p, sizeof(p));
	assert_int_equal(link(t, p), 0);
	assert_int_equal(pl_safe_open(dfd, d->path, "http.log", O_WRONLY | O_APPEND | O_CREAT,
				      0640, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "hard links"));

	fd = pl_safe_open(dfd, d->path, "ssl.log", O_WRONLY | O_APPEND | O_CREAT, 0640, err,
			  sizeof(err));
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	um = umask(0);
	umask(um);
	assert_int_equal(st.st_mode & 0777, 0640 & ~um);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
	close(dfd);
}

static struct json_object *rec(int n)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "n", json_object_new_int(n));
	json_object_object_add(o, "pad", json_object_new_string(
		"0123456789012345678901234567890123456789012345678901234567890123456789"));
	return o;
}

/* checks every line of path is a whole record; returns how many */
static int whole_lines(const char *path)
{
	char line[256];
	FILE *f = fopen(path, "r");
	int n = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		size_t l = strlen(line);

		assert_true(l > 0 && line[l - 1] == '\n');
		assert_true(line[0] == '{' && line[l - 2] == '}');
		n++;
	}
	fclose(f);
	return n;
}

/* A write stopped part way (the file size limit, as a full disk) leaves
 * whole lines only; the records it cost are counted, and it is an error. */
static void short_write_whole_lines(void **state)
{
	struct dir *d = *state;
	struct pl_sink s;
	struct rlimit old, lim;
	char err[8192], p[512];
	int i, lines;

	assert_int_equal(pl_sink_open(&s, d->path, 0, err, sizeof(err)), 0);
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 1000;    /* a partial record at byte 1000 */
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	for (i = 0; i < 100; i++)
		pl_sink_write(&s, "conn", rec(i));
	pl_sink_flush(&s);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	sub(d, "conn.log", p, sizeof(p));
	lines = whole_lines(p);
	assert_true(lines > 0 && lines < 100);
	assert_int_equal(pl_sink_lost(&s), 100 - lines);
	assert_int_equal(s.error, 1);
	/* it works again: the next records are whole too */
	pl_sink_write(&s, "conn", rec(100));
	pl_sink_flush(&s);
	assert_int_equal(whole_lines(p), lines + 1);
	pl_sink_close(&s);
}

/* SIGHUP: after the file is renamed, a reopen starts a new one by name. */
static void reopen_by_name(void **state)
{
	struct dir *d = *state;
	struct pl_sink s;
	char err[8192], p[512], q[512];
	struct stat st;

	assert_int_equal(pl_sink_open(&s, d->path, 0, err, sizeof(err)), 0);
	pl_sink_write(&s, "dns", rec(1));
	pl_sink_write(&s, "dns", rec(2));
	sub(d, "dns.log", p, sizeof(p));
	sub(d, "dns.log.1", q, sizeof(q));
	pl_sink_flush(&s);
	assert_int_equal(rename(p, q), 0);
	pl_sink_reopen(&s);
	pl_sink_write(&s, "dns", rec(3));
	pl_sink_close(&s);
	assert_int_equal(whole_lines(q), 2);
	assert_int_equal(whole_lines(p), 1);
	assert_int_equal(stat(p, &st), 0);
	{
		mode_t um = umask(0);

		umask(um);
		assert_int_equal(st.st_mode & 0777, PL_LOG_FILE_MODE & ~um);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(folder_modes, dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(folder_created_with_mode, dir_setup, dir_teardown),
		cmocka_unit_test(folder_name_too_long),
		cmocka_unit_test_setup_teardown(files_refused, dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(short_write_whole_lines, dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(reopen_by_name, dir_setup, dir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
