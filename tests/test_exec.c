/* SPDX-License-Identifier: MIT */
/*
 * test_exec.c - programs started in a running sandbox: `lstar run
 * --exec-socket PATH` and `lstar exec` (vmm/spawn.c, vmm/exec_client.c,
 * include/lstar_exec.h).  The sandbox's first program is busybox's cat
 * reading a pipe the test holds, so that the test decides when the
 * sandbox ends; then it shows a file an exec'd process wrote, as the
 * processes of one sandbox share its trees.  Hand-made clients send what
 * lstar exec never would, and the sandbox must refuse it and go on.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lstar_exec.h"
#include "tests.h"

#define BUSYBOX "/usr/bin/busybox"

/* A running sandbox: lstar run's pid, the write end of its first
 * program's stdin, and its files in a directory of the test's own. */
struct sandbox {
	char dir[64];			/* also its --rw tree and --cwd */
	const char *host_user;		/* --host-user's value, or NULL */
	const char *sock_dir;		/* a directory made in dir for the
					 * socket, or NULL: dir itself */
	char sock[320];
	char out[96], err[96];
	pid_t pid;
	int stdin_w;
};

static void sleep_ms(int ms)
{
	nanosleep(&(struct timespec){ ms / 1000, (ms % 1000) * 1000000L }, NULL);
}

/*
 * Start `lstar run [--exec-socket DIR/s] --ro /usr/bin --rw DIR --cwd DIR
 * [-p DIR/p] -- busybox sh -c 'cat >/dev/null; cat DIR/written; echo
 * init-done'`, with the policy text policy (NULL: the default profile),
 * and wait for its socket.  With shell false, the first program is
 * busybox cat alone: one process, which starts no other.
 */
static void sandbox_start_with(struct sandbox *s, bool with_socket, const char *policy,
			       bool shell)
{
	char pol[128];

	char script[256];
	int p[2];

	snprintf(s->dir, sizeof(s->dir), "/tmp/lstar-exec-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(s->dir));
	/* Another host user must be able to enter the tree. */
	if (s->host_user)
		ck_assert_int_eq(chmod(s->dir, 0755), 0);
	snprintf(s->sock, sizeof(s->sock), "%s/s", s->dir);
	if (s->sock_dir) {
		snprintf(s->sock, sizeof(s->sock), "%s/%s", s->dir, s->sock_dir);
		ck_assert_int_eq(mkdir(s->sock, 0700), 0);
		strcat(s->sock, "/s");
	}
	snprintf(s->out, sizeof(s->out), "%s/out", s->dir);
	snprintf(s->err, sizeof(s->err), "%s/err", s->dir);
	snprintf(pol, sizeof(pol), "%s/p", s->dir);
	if (policy)
		write_text(pol, policy);
	snprintf(script, sizeof(script),
		 BUSYBOX " cat >/dev/null; " BUSYBOX " cat %s/written 2>/dev/null; "
		 "echo init-done", s->dir);
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	s->pid = fork();
	ck_assert_int_ge(s->pid, 0);
	if (s->pid == 0) {
		const char *argv[24] = {
			lstar_path(), "run", "--ro", "/usr/bin", "--rw", s->dir, "--cwd", s->dir,
			"--timeout", "60", "--exec-socket", s->sock, "-p", pol, "--",
			BUSYBOX, "sh", "-c", script, NULL,
		};
		int o = open(s->out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int e = open(s->err, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (!shell) {
			argv[16] = "cat";
			argv[17] = NULL;
		}
		if (!policy)
			memmove(&argv[12], &argv[14], 6 * sizeof(char *));
		if (!with_socket)
			memmove(&argv[10], &argv[12], 8 * sizeof(char *));
		if (s->host_user) {
			memmove(&argv[4], &argv[2], 18 * sizeof(char *));
			argv[2] = "--host-user";
			argv[3] = s->host_user;
		}
		if (o < 0 || e < 0 || dup2(p[0], 0) < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
			_exit(127);
		close_range(3, ~0U, 0);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(p[0]);
	s->stdin_w = p[1];
	for (int i = 0; with_socket && i < 500; i++) {
		struct stat st;

		if (stat(s->sock, &st) == 0)
			return;
		sleep_ms(20);
	}
	ck_assert_msg(!with_socket, "the exec socket never appeared: %s", read_text(s->err));
}

static void sandbox_start(struct sandbox *s, bool with_socket)
{
	s->host_user = NULL;
	s->sock_dir = NULL;
	sandbox_start_with(s, with_socket, NULL, true);
}

/* End the sandbox (its first program's stdin closes) and wait for lstar;
 * its exit status. */
static int sandbox_end(struct sandbox *s)
{
	int ws;

	close(s->stdin_w);
	ck_assert_int_eq(waitpid(s->pid, &ws, 0), s->pid);
	return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}

static void sandbox_free(struct sandbox *s)
{
	rm_rf(s->dir);
}

/* `lstar exec --socket SOCK [opts...] -- args...`, stdin /dev/null. */
static void run_exec(const char *sock, const char *const opts[], const char *const args[],
		     struct run_result *r)
{
	const char *argv[64] = { lstar_path(), "exec", "--socket", sock };
	int n = 4;

	for (int i = 0; opts && opts[i]; i++)
		argv[n++] = opts[i];
	argv[n++] = "--";
	for (int i = 0; args[i]; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	run_argv((char *const *)argv, NULL, 60, r);
}

/* lstar exec's output, status and stderr are the program's. */
START_TEST(output_and_status)
{
	static const struct {
		const char *script, *out, *err;
		int status;
	} cases[] = {
		{ "echo hello", "hello\n", "", 0 },
		{ "echo out; echo err >&2; exit 3", "out\n", "err\n", 3 },
		/* Its children's ends are not its own (they let go of the
		 * connection as they fork). */
		{ BUSYBOX " echo a b | " BUSYBOX " wc -w; exit 5", "2\n", "", 5 },
		{ "kill -USR1 $$", "", "", 128 + SIGUSR1 },
		{ "kill -SEGV $$", "", NULL, 128 + SIGSEGV },
	};
	struct sandbox s;
	struct run_result r;

	sandbox_start(&s, true);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *const args[] = { BUSYBOX, "sh", "-c", cases[i].script, NULL };

		run_exec(s.sock, NULL, args, &r);
		ck_assert_msg(r.status == cases[i].status && !strcmp(r.out, cases[i].out) &&
			      (!cases[i].err || !strcmp(r.err, cases[i].err)),
			      "%s: status %d (want %d), out '%s', err '%s'", cases[i].script,
			      r.status, cases[i].status, r.out, r.err);
		run_result_free(&r);
	}
	ck_assert_int_eq(sandbox_end(&s), 0);
	sandbox_free(&s);
}
END_TEST

/* Exactly the environment given; the sandbox's start directory, or
 * --cwd's. */
START_TEST(env_and_cwd)
{
	const char *const env_opts[] = { "--env", "A=1", "--env", "B=two words", NULL };
	const char *const cwd_opts[] = { "--cwd", "/usr/bin", NULL };
	const char *const env[] = { BUSYBOX, "env", NULL };
	const char *const pwd[] = { BUSYBOX, "pwd", NULL };
	char want[128];
	struct sandbox s;
	struct run_result r;

	sandbox_start(&s, true);
	run_exec(s.sock, env_opts, env, &r);
	ck_assert_msg(r.status == 0 && !strcmp(r.out, "A=1\nB=two words\n"),
		      "env: status %d, '%s' %s", r.status, r.out, r.err);
	run_result_free(&r);
	run_exec(s.sock, NULL, env, &r);
	ck_assert_msg(r.status == 0 && !strcmp(r.out, ""), "no --env: '%s'", r.out);
	run_result_free(&r);

	run_exec(s.sock, NULL, pwd, &r);
	snprintf(want, sizeof(want), "%s\n", s.dir);
	ck_assert_msg(r.status == 0 && !strcmp(r.out, want), "pwd: '%s', want '%s'", r.out, want);
	run_result_free(&r);
	run_exec(s.sock, cwd_opts, pwd, &r);
	ck_assert_msg(r.status == 0 && !strcmp(r.out, "/usr/bin\n"), "--cwd: '%s' %s", r.out, r.err);
	run_result_free(&r);
	ck_assert_int_eq(sandbox_end(&s), 0);
	sandbox_free(&s);
}
END_TEST

/* The processes share the trees: the first program shows what an exec'd
 * one wrote.  Each exec'd process is a process of its own, under the
 * sandbox's init (1), never the first program's pid (2). */
START_TEST(shares_trees_and_pids)
{
	const char *const write[] = { BUSYBOX, "sh", "-c", "echo from-exec > written", NULL };
	const char *const ids[] = { BUSYBOX, "sh", "-c", "echo $$ $PPID", NULL };
	struct sandbox s;
	struct run_result r;
	int pid[2], ppid;
	char *out;

	sandbox_start(&s, true);
	run_exec(s.sock, NULL, write, &r);
	ck_assert_msg(r.status == 0, "write: %d %s", r.status, r.err);
	run_result_free(&r);
	for (int i = 0; i < 2; i++) {
		run_exec(s.sock, NULL, ids, &r);
		ck_assert_msg(r.status == 0 && sscanf(r.out, "%d %d", &pid[i], &ppid) == 2,
			      "ids: %d '%s' %s", r.status, r.out, r.err);
		ck_assert_msg(ppid == 1 && pid[i] > 2, "pid %d, ppid %d", pid[i], ppid);
		run_result_free(&r);
	}
	ck_assert_int_ne(pid[0], pid[1]);
	ck_assert_int_eq(sandbox_end(&s), 0);
	out = read_text(s.out);
	ck_assert_msg(out && !strcmp(out, "from-exec\ninit-done\n"), "the first program said '%s'",
		      out);
	free(out);
	sandbox_free(&s);
}
END_TEST

/* Start `lstar exec` in the background, stdout and stderr into files;
 * wait until the program says it is ready. */
static pid_t exec_in_background(const struct sandbox *s, const char *script, const char *out,
				const char *err)
{
	const char *const argv[] = { lstar_path(), "exec", "--socket", s->sock, "--",
				     BUSYBOX, "sh", "-c", script, NULL };
	pid_t pid = spawn_to_files(argv, out, err);

	ck_assert_msg(wait_for_text(out, "ready\n", 30), "the exec'd program never started: %s",
		      read_text(err));
	return pid;
}

static int wait_status(pid_t pid)
{
	int ws;

	ck_assert_int_eq(waitpid(pid, &ws, 0), pid);
	return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}

/* Signals sent to lstar exec are the program's: handled (a trap), or
 * its end (SIGTERM's default: 143). */
START_TEST(signals_passed_on)
{
	struct sandbox s;
	char out[128], err[128], *text;
	pid_t pid;
	int status;

	sandbox_start(&s, true);
	snprintf(out, sizeof(out), "%s/exec.out", s.dir);
	snprintf(err, sizeof(err), "%s/exec.err", s.dir);
	pid = exec_in_background(&s, "trap 'echo got-usr1; exit 7' USR1; echo ready; "
				 "while :; do " BUSYBOX " sleep 0.05; done", out, err);
	kill(pid, SIGUSR1);
	status = wait_status(pid);
	text = read_text(out);
	ck_assert_msg(status == 7 && !strcmp(text, "ready\ngot-usr1\n"), "USR1: %d '%s' %s",
		      status, text, read_text(err));
	free(text);

	/* New files: the old one says "ready" already. */
	snprintf(out, sizeof(out), "%s/exec2.out", s.dir);
	pid = exec_in_background(&s, "echo ready; exec " BUSYBOX " sleep 30", out, err);
	kill(pid, SIGTERM);
	ck_assert_int_eq(wait_status(pid), 128 + SIGTERM);
	ck_assert_int_eq(sandbox_end(&s), 0);
	sandbox_free(&s);
}
END_TEST

/* The sandbox ends when its first program does: an exec'd process is
 * killed with it, and lstar exec says so (137); the socket is gone. */
START_TEST(ends_with_the_sandbox)
{
	struct sandbox s;
	char out[128], err[128], *text;
	struct stat st;
	pid_t pid;

	sandbox_start(&s, true);
	ck_assert_int_eq(stat(s.sock, &st), 0);
	ck_assert_msg(S_ISSOCK(st.st_mode) && (st.st_mode & 07777) == 0600 &&
		      st.st_uid == geteuid(), "the socket: mode %o uid %d", st.st_mode, st.st_uid);
	snprintf(out, sizeof(out), "%s/exec.out", s.dir);
	snprintf(err, sizeof(err), "%s/exec.err", s.dir);
	pid = exec_in_background(&s, "echo ready; exec " BUSYBOX " sleep 30", out, err);
	ck_assert_int_eq(sandbox_end(&s), 0);
	ck_assert_int_eq(wait_status(pid), LSTAR_EXEC_ENDED_STATUS);
	text = read_text(err);
	ck_assert_msg(strstr(text, "the sandbox ended"), "lstar exec said '%s'", text);
	free(text);
	ck_assert_msg(lstat(s.sock, &st) < 0 && errno == ENOENT, "the socket outlived the sandbox");
	sandbox_free(&s);
}
END_TEST

/* No socket there: lstar exec says so (125).  A path that exists: lstar
 * run refuses it (125) and leaves it be.  Without --exec-socket the
 * sandbox holds no socket at all. */
START_TEST(socket_absent_or_taken)
{
	const char *const args[] = { BUSYBOX, "true", NULL };
	char dir[] = "/tmp/lstar-exec-XXXXXX", path[64], fdpath[64], link[64];
	const char *const argv[] = { lstar_path(), "run", "--exec-socket", path, "--",
				     BUSYBOX, "true", NULL };
	struct sandbox s;
	struct run_result r;
	struct stat st;
	char *text;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s", dir);
	run_exec(path, NULL, args, &r);
	ck_assert_msg(r.status == 125 && strstr(r.err, "no sandbox listens there"),
		      "absent: %d %s", r.status, r.err);
	run_result_free(&r);

	write_text(path, "mine\n");
	run_argv((char *const *)argv, NULL, 60, &r);
	ck_assert_msg(r.status == 125 && strstr(r.err, "exists already"), "taken: %d %s",
		      r.status, r.err);
	run_result_free(&r);
	text = read_text(path);
	ck_assert_msg(text && !strcmp(text, "mine\n"), "the file in the way was changed");
	free(text);
	rm_rf(dir);

	sandbox_start(&s, false);
	sleep_ms(300);		/* confined and running */
	for (int fd = 0; fd < 1024; fd++) {
		ssize_t n;

		snprintf(fdpath, sizeof(fdpath), "/proc/%d/fd/%d", s.pid, fd);
		if ((n = readlink(fdpath, link, sizeof(link) - 1)) < 0)
			continue;
		link[n] = '\0';
		ck_assert_msg(strncmp(link, "socket:", 7), "without --exec-socket, fd %d is %s",
			      fd, link);
	}
	ck_assert_int_eq(sandbox_end(&s), 0);
	ck_assert_msg(stat(s.sock, &st) < 0, "a socket without --exec-socket");
	sandbox_free(&s);
}
END_TEST

/* Not found: 127; found but no program: 126; both with a reason. */
START_TEST(not_found_or_not_runnable)
{
	static const struct {
		const char *prog, *cwd;
		int status;
	} cases[] = {
		{ "/usr/bin/no-such-program", NULL, 127 },
		{ "/etc/passwd", NULL, 127 },		/* outside every tree */
		{ "/usr/bin", NULL, 126 },
		{ BUSYBOX, "/no/such/dir", 127 },
	};
	struct sandbox s;
	struct run_result r;

	sandbox_start(&s, true);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *const args[] = { cases[i].prog, "true", NULL };
		const char *const opts[] = { "--cwd", cases[i].cwd, NULL };

		run_exec(s.sock, cases[i].cwd ? opts : NULL, args, &r);
		ck_assert_msg(r.status == cases[i].status && strstr(r.err, "lstar exec: "),
			      "%s: %d %s", cases[i].prog, r.status, r.err);
		run_result_free(&r);
	}
	ck_assert_int_eq(sandbox_end(&s), 0);
	sandbox_free(&s);
}
END_TEST

/* --- hand-made clients ------------------------------------------------------ */

/* Connect, send payload with nfds descriptors (copies of /dev/null) on
 * its first byte, then extra bytes; the sandbox's answer (kind 0: the
 * connection closed without one). */
static struct lstar_exec_msg raw_request(const char *sock, const void *payload, size_t len,
					 int nfds, const void *extra, size_t extra_len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(8 * sizeof(int))];
	} ctl;
	struct iovec iov = { .iov_base = (void *)payload, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct lstar_exec_msg m = { 0 };
	int fds[8], fd;
	size_t got = 0;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	for (int i = 0; i < nfds; i++)
		ck_assert_int_ge(fds[i] = open("/dev/null", O_RDWR | O_CLOEXEC), 0);
	if (nfds) {
		struct cmsghdr *c;

		memset(&ctl, 0, sizeof(ctl));
		msg.msg_control = ctl.buf;
		msg.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
	}
	if (len)
		ck_assert_int_eq(sendmsg(fd, &msg, MSG_NOSIGNAL), (ssize_t)len);
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
	if (extra_len)
		(void)!send(fd, extra, extra_len, MSG_NOSIGNAL);
	shutdown(fd, SHUT_WR);
	while (got < sizeof(m)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		ck_assert_msg(poll(&p, 1, 30000) == 1, "the sandbox never answered");
		if ((n = read(fd, (char *)&m + got, sizeof(m) - got)) <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (got < sizeof(m))
		memset(&m, 0, sizeof(m));
	return m;
}

static struct lstar_exec_request good_header(uint32_t strings_len)
{
	return (struct lstar_exec_request){
		.magic = LSTAR_EXEC_MAGIC, .version = LSTAR_EXEC_VERSION,
		.argc = 2, .strings_len = strings_len,
	};
}

/* Garbage, wrong counts of descriptors, lengths past execve's limits,
 * strings without their NULs, an old or new version, a silent client:
 * each is refused, and the sandbox goes on (a proper request then runs). */
START_TEST(malformed_requests_refused)
{
	static const char strings[] = BUSYBOX "\0true";
	const char *const args[] = { BUSYBOX, "echo", "still here", NULL };
	struct lstar_exec_request h, *big;
	struct lstar_exec_msg m;
	char garbage[64], *text;
	struct sandbox s;
	struct run_result r;
	size_t big_len;

	sandbox_start(&s, true);
	memset(garbage, 0x41, sizeof(garbage));
	m = raw_request(s.sock, garbage, sizeof(garbage), 3, NULL, 0);
	ck_assert_msg(m.kind == LSTAR_EXEC_REFUSED && strstr(m.text, "not an lstar exec request"),
		      "garbage: kind %d '%s'", m.kind, m.text);

	h = good_header(sizeof(strings));
	for (int nfds = 0; nfds <= 5; nfds += 5) {
		m = raw_request(s.sock, &h, sizeof(h), nfds, strings, sizeof(strings));
		ck_assert_msg(m.kind == LSTAR_EXEC_REFUSED && strstr(m.text, "exactly 3"),
			      "%d descriptors: kind %d '%s'", nfds, m.kind, m.text);
	}
	m = raw_request(s.sock, &h, sizeof(h), 3, strings, sizeof(strings));
	ck_assert_msg(m.kind == LSTAR_EXEC_STARTED, "the good request: kind %d '%s'", m.kind, m.text);

	/* Past the strings' limit; counts past the bytes; no NUL. */
	h = good_header(LSTAR_EXEC_STRINGS_MAX + LSTAR_EXEC_CWD_MAX + 1);
	m = raw_request(s.sock, &h, sizeof(h), 3, NULL, 0);
	ck_assert_msg(m.kind == LSTAR_EXEC_REFUSED && m.value == E2BIG, "too long: %d '%s'",
		      m.kind, m.text);
	h = good_header(sizeof(strings));
	h.argc = 0xffffffff;
	h.envc = 0xffffffff;
	m = raw_request(s.sock, &h, sizeof(h), 3, strings, sizeof(strings));
	ck_assert_msg(m.kind == LSTAR_EXEC_REFUSED && m.value == E2BIG, "counts: %d '%s'",
		      m.kind, m.text);
	h = good_header(sizeof(strings) - 1);
	m = raw_request(s.sock, &h, sizeof(h), 3, strings, sizeof(strings) - 1);
	ck_assert_msg(m.kind == LSTAR_EXEC_REFUSED && strstr(m.text, "no string"),
		      "no NUL: %d '%s'", m.kind, m.text);
	h = good_header(sizeof(strings));
	h.version = LSTAR_EXEC_VERSION + 1;
	m = raw_request(s.sock, &h, sizeof(h), 3, strings, sizeof(strings));
	ck_assert_msg(m.kind == LSTAR_EXEC_REFUSED && m.value == EPROTO, "version: %d '%s'",
		      m.kind, m.text);
	/* The header cut short, and nothing at all. */
	m = raw_request(s.sock, &h, 10, 3, NULL, 0);
	ck_assert_msg(m.kind == LSTAR_EXEC_REFUSED, "short: %d '%s'", m.kind, m.text);
	m = raw_request(s.sock, NULL, 0, 0, NULL, 0);
	ck_assert_msg(m.kind == LSTAR_EXEC_REFUSED || m.kind == 0, "silent: %d", m.kind);

	/* One argument longer than Linux's MAX_ARG_STRLEN. */
	big_len = sizeof(*big) + sizeof(BUSYBOX) + LSTAR_EXEC_STRING_MAX + 1;
	ck_assert_ptr_nonnull(big = calloc(1, big_len));
	*big = good_header((uint32_t)(big_len - sizeof(*big)));
	memcpy(big + 1, BUSYBOX, sizeof(BUSYBOX));
	memset((char *)(big + 1) + sizeof(BUSYBOX), 'x', LSTAR_EXEC_STRING_MAX);
	m = raw_request(s.sock, big, sizeof(*big), 3, big + 1, big_len - sizeof(*big));
	ck_assert_msg(m.kind == LSTAR_EXEC_REFUSED && m.value == E2BIG, "long argument: %d '%s'",
		      m.kind, m.text);
	free(big);

	run_exec(s.sock, NULL, args, &r);
	ck_assert_msg(r.status == 0 && !strcmp(r.out, "still here\n"), "after: %d '%s' %s",
		      r.status, r.out, r.err);
	run_result_free(&r);
	ck_assert_int_eq(sandbox_end(&s), 0);
	text = read_text(s.out);
	ck_assert_msg(!strcmp(text, "init-done\n"), "the first program: '%s' %s",
		      text, read_text(s.err));
	free(text);
	sandbox_free(&s);
}
END_TEST

/* An exec'd process counts in `limit processes`: past it, refused. */
START_TEST(limit_processes_counts_them)
{
	const char *const args[] = { BUSYBOX, "true", NULL };
	struct sandbox s = { .host_user = NULL };
	struct run_result r;

	/* The first program, alone, is as many as the policy allows. */
	sandbox_start_with(&s, true, "use default\nlimit processes 1\n", false);
	run_exec(s.sock, NULL, args, &r);
	ck_assert_msg(r.status == 125 && strstr(r.err, "as many processes as its policy allows"),
		      "%d %s", r.status, r.err);
	run_result_free(&r);
	ck_assert_int_eq(sandbox_end(&s), 0);
	sandbox_free(&s);
}
END_TEST

/* Another user cannot connect: the socket is 0600 (root's tests only). */
START_TEST(other_users_kept_out)
{
	struct sandbox s;
	pid_t pid;

	if (geteuid() != 0)
		return;		/* no other user to be */
	sandbox_start(&s, true);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		int fd;

		snprintf(sa.sun_path, sizeof(sa.sun_path), "%.*s", (int)sizeof(sa.sun_path) - 1, s.sock);
		if (setgid(65534) || setuid(65534))
			_exit(2);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		_exit(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno == EACCES ? 0 : 1);
	}
	ck_assert_msg(wait_status(pid) == 0, "nobody could connect to the exec socket");
	ck_assert_int_eq(sandbox_end(&s), 0);
	sandbox_free(&s);
}
END_TEST

/* A sandbox started with --host-user (as lstar-oci's, as root): lstar
 * exec, run by the user who started it, still enters, and the exec'd
 * process is judged on the host as the host user: root's file closed,
 * its new file the host user's. */
START_TEST(host_user_applies)
{
	const char *const script[] = {
		BUSYBOX, "sh", "-c",
		"echo x 2>/dev/null > r644; echo w644=$?; echo hi > pub/made; echo made=$?", NULL,
	};
	char path[PATH_MAX], *text;
	struct sandbox s = { .host_user = "1000:1000" };
	struct run_result r;
	struct stat st;

	if (geteuid() != 0)
		return;		/* only root has another user to become */
	sandbox_start_with(&s, true, NULL, true);
	snprintf(path, sizeof(path), "%s/r644", s.dir);
	write_text(path, "root's\n");
	ck_assert_int_eq(chmod(path, 0644), 0);
	snprintf(path, sizeof(path), "%s/pub", s.dir);
	ck_assert_int_eq(mkdir(path, 0777), 0);
	ck_assert_int_eq(chmod(path, 01777), 0);
	run_exec(s.sock, NULL, script, &r);
	ck_assert_msg(r.status == 0 && !strcmp(r.out, "w644=1\nmade=0\n"), "%d '%s' %s",
		      r.status, r.out, r.err);
	run_result_free(&r);
	snprintf(path, sizeof(path), "%s/pub/made", s.dir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_msg(st.st_uid == 1000 && st.st_gid == 1000, "made by %u:%u", st.st_uid,
		      st.st_gid);
	snprintf(path, sizeof(path), "%s/r644", s.dir);
	text = read_text(path);
	ck_assert_str_eq(text, "root's\n");
	free(text);
	ck_assert_int_eq(sandbox_end(&s), 0);
	sandbox_free(&s);
}
END_TEST

/* A socket path past sun_path's 107 bytes (lstar-oci's state directory
 * with a long container id) works for lstar run and lstar exec alike:
 * both reach it through its directory. */
START_TEST(long_socket_path)
{
	char name[201];
	const char *const args[] = { BUSYBOX, "echo", "far", NULL };
	struct sandbox s = { .host_user = NULL, .sock_dir = name };
	struct run_result r;

	memset(name, 'd', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	sandbox_start_with(&s, true, NULL, true);
	ck_assert_uint_gt(strlen(s.sock), 200);
	run_exec(s.sock, NULL, args, &r);
	ck_assert_msg(r.status == 0 && !strcmp(r.out, "far\n"), "%d '%s' %s", r.status, r.out,
		      r.err);
	run_result_free(&r);
	ck_assert_int_eq(sandbox_end(&s), 0);
	sandbox_free(&s);
}
END_TEST

/* A program of the sandbox cannot connect to the sandbox's own exec
 * socket, though it lies in a tree it may write (nor through a link to
 * it): EACCES.  Only lstar exec, from the host, reaches it. */
START_TEST(guest_kept_from_socket)
{
	char prog[PATH_MAX], policy[PATH_MAX + 32], link_path[128], *slash;
	const char *args[] = { prog, "connect", NULL, NULL };
	struct sandbox s;
	struct run_result r;

	/* The probe where it was built, a tree of the policy's. */
	snprintf(prog, sizeof(prog), "%s", guest_path("net_local.musl"));
	ck_assert_ptr_nonnull(slash = strrchr(prog, '/'));
	snprintf(policy, sizeof(policy), "use default\npath ro %.*s\n", (int)(slash - prog), prog);
	s.host_user = NULL;
	s.sock_dir = NULL;
	sandbox_start_with(&s, true, policy, true);
	snprintf(link_path, sizeof(link_path), "%s/s2", s.dir);
	ck_assert_int_eq(link(s.sock, link_path), 0);
	for (int i = 0; i < 2; i++) {
		args[2] = i ? link_path : s.sock;
		run_exec(s.sock, NULL, args, &r);
		ck_assert_msg(r.status == 0 && !strcmp(r.out, "connect: EACCES\n"), "%s: %d '%s' %s",
			      args[2], r.status, r.out, r.err);
		run_result_free(&r);
	}
	ck_assert_int_eq(sandbox_end(&s), 0);
	sandbox_free(&s);
}
END_TEST

/* How many processes descend from pid (read from /proc's parent links). */
static int descendants(pid_t pid)
{
	static pid_t ppid_of[1 << 22];
	DIR *d = opendir("/proc");
	struct dirent *e;
	pid_t pids[4096];
	int n = 0, count = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) && n < 4096) {
		char path[64], *text, *paren;
		int p = atoi(e->d_name), pp;

		if (p <= 0 || p >= (1 << 22))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", p);
		if (!(text = read_text(path)))
			continue;
		/* The name may hold spaces and parentheses: after the last ')'. */
		if ((paren = strrchr(text, ')')) && sscanf(paren + 1, " %*c %d", &pp) == 1) {
			ppid_of[p] = pp;
			pids[n++] = p;
		}
		free(text);
	}
	closedir(d);
	for (int i = 0; i < n; i++)
		for (pid_t up = ppid_of[pids[i]]; up > 1 && up < (1 << 22); up = ppid_of[up])
			if (up == pid) {
				count++;
				break;
			}
	for (int i = 0; i < n; i++)
		ppid_of[pids[i]] = 0;
	return count;
}

/* Connections that say nothing (from the sandbox's own user, who may
 * connect) hold at most 16 host processes at once, each until it
 * gives up; the rest are refused at once.  Then lstar exec works. */
START_TEST(connection_flood_capped)
{
	enum { FLOOD = 48, CAP = 16 };
	const char *const args[] = { BUSYBOX, "echo", "after", NULL };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fds[FLOOD], before, most = 0, refused = 0;
	struct sandbox s;
	struct run_result r;

	/* Its first program is cat, which starts no process: a shell's
	 * fork of its own, late under an emulator, would count as the
	 * flood's. */
	s.host_user = NULL;
	s.sock_dir = NULL;
	sandbox_start_with(&s, true, NULL, false);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%.*s", (int)sizeof(sa.sun_path) - 1, s.sock);
	sleep_ms(200);
	before = descendants(s.pid);
	for (int i = 0; i < FLOOD; i++) {
		fds[i] = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		ck_assert_int_ge(fds[i], 0);
		/* A full backlog: wait for the spawner to take some. */
		for (int t = 0; connect(fds[i], (struct sockaddr *)&sa, sizeof(sa)) < 0; t++) {
			ck_assert_msg(errno == EAGAIN && t < 500, "connect %d: %s", i,
				      strerror(errno));
			sleep_ms(10);
		}
	}
	for (int t = 0; t < 10; t++) {
		int now = descendants(s.pid) - before;

		most = now > most ? now : most;
		sleep_ms(50);
	}
	ck_assert_msg(most <= CAP, "%d host processes for %d silent connections (cap %d)",
		      most, FLOOD, CAP);
	for (int i = 0; i < FLOOD; i++) {
		struct lstar_exec_msg m;

		if (read(fds[i], &m, sizeof(m)) == (ssize_t)sizeof(m) &&
		    m.kind == LSTAR_EXEC_REFUSED)
			refused++;
		close(fds[i]);
	}
	ck_assert_msg(refused >= FLOOD - CAP, "only %d refused", refused);
	sleep_ms(300);
	run_exec(s.sock, NULL, args, &r);
	ck_assert_msg(r.status == 0 && !strcmp(r.out, "after\n"), "%d '%s' %s", r.status, r.out,
		      r.err);
	run_result_free(&r);
	ck_assert_int_eq(sandbox_end(&s), 0);
	sandbox_free(&s);
}
END_TEST

Suite *suite_exec(void)
{
	Suite *s = suite_create("exec");
	TCase *tc = tcase_create("exec");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, output_and_status);
	tcase_add_test(tc, env_and_cwd);
	tcase_add_test(tc, shares_trees_and_pids);
	tcase_add_test(tc, signals_passed_on);
	tcase_add_test(tc, ends_with_the_sandbox);
	tcase_add_test(tc, socket_absent_or_taken);
	tcase_add_test(tc, not_found_or_not_runnable);
	tcase_add_test(tc, malformed_requests_refused);
	tcase_add_test(tc, limit_processes_counts_them);
	tcase_add_test(tc, other_users_kept_out);
	tcase_add_test(tc, host_user_applies);
	tcase_add_test(tc, long_socket_path);
	tcase_add_test(tc, guest_kept_from_socket);
	tcase_add_test(tc, connection_flood_capped);
	suite_add_tcase(s, tc);
	return s;
}
