/* SPDX-License-Identifier: MIT */
/* util.c - running programs for the integration tests. */
#include <errno.h>
#include <ftw.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests.h"

static void append(char **buf, size_t *len, size_t *cap, const char *p, size_t n)
{
	if (*len + n + 1 > *cap) {
		*cap = (*len + n + 1) * 2;
		*buf = realloc(*buf, *cap);
		ck_assert_ptr_nonnull(*buf);
	}
	memcpy(*buf + *len, p, n);
	*len += n;
	(*buf)[*len] = '\0';
}

void run_argv_in(char *const argv[], char *const env[], int timeout_s,
		 const char *cwd, const char *in, struct run_result *r)
{
	int outp[2], errp[2], wstatus;
	size_t ocap = 0, ecap = 0;
	struct timespec start, now;
	pid_t pid;
	bool killed = false;

	memset(r, 0, sizeof(*r));
	append(&r->out, &r->out_len, &ocap, "", 0);
	append(&r->err, &r->err_len, &ecap, "", 0);
	ck_assert_int_eq(pipe2(outp, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(errp, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		static char *const empty[] = { NULL };
		int fd = open(in ? in : "/dev/null", O_RDONLY);

		if (fd < 0 || (cwd && chdir(cwd) < 0)) {
			fprintf(stderr, "run: %s: %s\n", fd < 0 ? in : cwd,
				strerror(errno));
			_exit(127);
		}
		dup2(fd, 0);
		dup2(outp[1], 1);
		dup2(errp[1], 2);
		/* Only 0, 1 and 2 (Check keeps a file open): a native run and
		 * lstar then number descriptors alike. */
		close_range(3, ~0U, 0);
		execve(argv[0], argv, env ? env : empty);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(outp[1]);
	close(errp[1]);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (int open_fds = 2; open_fds > 0;) {
		struct pollfd p[2] = { { outp[0], POLLIN, 0 }, { errp[0], POLLIN, 0 } };
		char buf[65536];

		if (poll(p, 2, 200) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < 2; i++) {
			ssize_t n;

			if (!(p[i].revents & (POLLIN | POLLHUP)) || p[i].fd < 0)
				continue;
			n = read(p[i].fd, buf, sizeof(buf));
			if (n <= 0) {
				close(p[i].fd);
				if (i)
					errp[0] = -1;
				else
					outp[0] = -1;
				open_fds--;
			} else if (i) {
				append(&r->err, &r->err_len, &ecap, buf, n);
			} else {
				append(&r->out, &r->out_len, &ocap, buf, n);
			}
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (!killed && now.tv_sec - start.tv_sec > timeout_s) {
			kill(pid, SIGKILL);
			killed = true;
		}
	}
	waitpid(pid, &wstatus, 0);
	r->status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
}

void run_argv(char *const argv[], char *const env[], int timeout_s,
	      struct run_result *r)
{
	run_argv_in(argv, env, timeout_s, NULL, NULL, r);
}

void run_result_free(struct run_result *r)
{
	free(r->out);
	free(r->err);
	memset(r, 0, sizeof(*r));
}

const char *lstar_path(void)
{
	const char *p = getenv("LSTAR");

	return p ? p : "build/lstar";
}

char *read_text(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t cap = 0, n = 0, got;

	if (!f)
		return NULL;
	do {
		if (n + 4096 + 1 > cap) {
			cap = (n + 4096 + 1) * 2;
			buf = realloc(buf, cap);
			ck_assert_ptr_nonnull(buf);
		}
		got = fread(buf + n, 1, 4096, f);
		n += got;
	} while (got > 0);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

void write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t len = strlen(text);

	ck_assert_msg(fd >= 0, "create %s: %s", path, strerror(errno));
	ck_assert_msg(write(fd, text, len) == (ssize_t)len, "write %s", path);
	close(fd);
}

void write_policy(char *dir, char *path, size_t len, const char *text)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, len, "%s/p", dir);
	write_text(path, text);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void rm_rf(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

const char *lstar_policy_path(void)
{
	const char *p = getenv("LSTAR_POLICY");

	return p ? p : "build/lstar-policy";
}

const char *source_path(const char *rel)
{
	static char buf[4096];
	const char *src = getenv("LSTAR_SRC");
	char want[4096];

	snprintf(want, sizeof(want), "%s/%s", src ? src : ".", rel);
	ck_assert_msg(realpath(want, buf) != NULL,
		      "%s: %s (LSTAR_SRC names the source tree; make check sets it)",
		      want, strerror(errno));
	return buf;
}

const char *guest_path(const char *name)
{
	static char buf[4096];
	const char *dir = getenv("LSTAR_GUEST_DIR");

	snprintf(buf, sizeof(buf), "%s/%s", dir ? dir : "build/guest", name);
	return buf;
}

void run_lstar_in(const char *command, const char *const opts[], const char *prog,
		  const char *const args[], const char *in, int timeout_s,
		  struct run_result *r)
{
	const char *argv[128];
	int n = 0;

	argv[n++] = lstar_path();
	argv[n++] = command;
	for (int i = 0; opts && opts[i]; i++)
		argv[n++] = opts[i];
	argv[n++] = "--";
	argv[n++] = prog;
	for (int i = 0; args && args[i]; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	ck_assert_int_lt(n, 128);
	run_argv_in((char *const *)argv, NULL, timeout_s, NULL, in, r);
}

void run_lstar(const char *const opts[], const char *prog,
	       const char *const args[], struct run_result *r)
{
	run_lstar_in("run", opts, prog, args, NULL, 60, r);
}

/*
 * Where two outputs part: a pointer into a at the start of the first line
 * that differs from b's, after a few lines of context.
 */
static const char *where_they_part(const char *a, const char *b)
{
	const char *lines[4] = { a, a, a, a };
	size_t i = 0;

	for (; a[i] && a[i] == b[i]; i++)
		if (a[i] == '\n') {
			memmove(lines, lines + 1, 3 * sizeof(lines[0]));
			lines[3] = a + i + 1;
		}
	return lines[0];
}

void assert_same_as_native(const char *prog, const char *const args[])
{
	assert_same_as_native_with(NULL, prog, args);
}

void assert_same_as_native_with(const char *const opts[], const char *prog,
				const char *const args[])
{
	const char *argv[64];
	struct run_result native, boxed;
	char cmd[512] = "";
	int n = 0;

	argv[n++] = prog;
	for (int i = 0; args && args[i]; i++) {
		argv[n++] = args[i];
		snprintf(cmd + strlen(cmd), sizeof(cmd) - strlen(cmd), " %s", args[i]);
	}
	argv[n] = NULL;
	run_argv((char *const *)argv, NULL, 60, &native);
	run_lstar(opts, prog, args, &boxed);
	/* Long outputs are shown from a little before they part. */
	ck_assert_msg(native.status == boxed.status &&
		      !strcmp(native.out, boxed.out) &&
		      !strcmp(native.err, boxed.err),
		      "%s%s: native and lstar differ\n"
		      "native: status %d\n--- stdout\n%s--- stderr\n%s\n"
		      "lstar:  status %d\n--- stdout\n%s--- stderr\n%s\n",
		      prog, cmd, native.status, where_they_part(native.out, boxed.out),
		      native.err, boxed.status, where_they_part(boxed.out, native.out),
		      boxed.err);
	run_result_free(&native);
	run_result_free(&boxed);
}

pid_t spawn_to_files(const char *const argv[], const char *out, const char *err)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int in = open("/dev/null", O_RDONLY);

		if (o < 0 || e < 0 || in < 0)
			_exit(127);
		dup2(in, 0);
		dup2(o, 1);
		dup2(e, 2);
		close_range(3, ~0U, 0);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	return pid;
}

bool wait_for_text(const char *file, const char *needle, int timeout_s)
{
	for (int i = 0; i < timeout_s * 50; i++) {
		char *t = read_text(file);
		bool found = t && strstr(t, needle);

		free(t);
		if (found)
			return true;
		nanosleep(&(struct timespec){ 0, 20 * 1000 * 1000 }, NULL);
	}
	return false;
}

bool none_left(int timeout_ms)
{
	for (int waited = 0;; waited += 20) {
		pid_t r = waitpid(-1, NULL, WNOHANG);

		if (r < 0 && errno == ECHILD)
			return true;
		if (r > 0)
			continue;
		if (waited >= timeout_ms)
			return false;
		nanosleep(&(struct timespec){ 0, 20 * 1000 * 1000 }, NULL);
	}
}
