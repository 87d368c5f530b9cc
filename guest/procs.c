/* SPDX-License-Identifier: MIT */
/*
 * procs - what programs that start programs do, printed so that a native
 * run and a run under lstar compare line by line: no pid is printed, only
 * how pids relate.
 *
 *   procs pipe      fork, a pipe from the child, waitpid, the exit code,
 *                   getppid in the child
 *   procs signaled  children killed by SIGSEGV, by abort, by a signal
 *                   sent to them: the statuses a parent sees
 *   procs many      20 children one after another, then 8 at once
 *   procs spawn     posix_spawn of this program (with a file action),
 *                   vfork and _exit, vfork and execve
 *   procs exec      execve: this program again (argv, envp and an open
 *                   descriptor carried over, an O_CLOEXEC one closed), a
 *                   path that does not exist, a directory (run under
 *                   lstar with a tree granted, so that "/" is one)
 *   procs sigchld   SIGCHLD to a handler, with the child's pid and code
 *   procs waitid    waitid with WNOHANG, WNOWAIT, and ECHILD
 *   procs rusage    getrusage of itself, its thread and its children,
 *                   wait4's rusage (times as bounds, not figures)
 *   procs groups    setpgid, getpgid, setsid, kill of a group
 *   procs bomb      fork until fork fails (under lstar's `limit
 *                   processes`), say after how many and with what
 *   procs tree N    N children that wait for ever, then "ready" (for a
 *                   test to stop lstar from outside)
 *   procs run PATH  execve PATH, say how it failed
 *   procs locks F   advisory locks on file F (made) between a parent and
 *                   a child: fcntl's POSIX and OFD locks, flock
 *   procs exec-threads  execve with three other threads running (one
 *                   spinning, one blocked reading a pipe, one in pause):
 *                   they end, the new program runs
 *   procs tgkill    tgkill of a thread of another process (not its first):
 *                   that thread's handler runs
 *   procs masked    ppoll, pselect6 and epoll_pwait with a signal mask
 *                   that lets in a signal the caller blocks: another
 *                   process's signal ends each wait (EINTR, the handler
 *                   ran) and the caller's mask is back after; and one
 *                   already pending ends it at once
 *   procs system    system() and popen() through /bin/sh (run under
 *                   lstar --system, where /bin/sh is the host's): the
 *                   statuses, and a command's output read and written
 *   procs child N   (run by the others) print a line, exit N
 *   procs execed    (run by exec) report what came over, exit 0
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "errname.h"

extern char **environ;

/* An address the compiler cannot see through. */
static volatile uintptr_t addr_8 = 8;

#define SELF "/proc/self/exe"

static const char *sig_name(int sig)
{
	static char buf[16];

	switch (sig) {
	case SIGSEGV: return "SEGV";
	case SIGABRT: return "ABRT";
	case SIGTERM: return "TERM";
	case SIGKILL: return "KILL";
	case SIGUSR2: return "USR2";
	}
	snprintf(buf, sizeof(buf), "%d", sig);
	return buf;
}

static void status_line(const char *what, int st)
{
	if (WIFEXITED(st))
		printf("%s: exited %d\n", what, WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		printf("%s: killed by SIG%s%s\n", what, sig_name(WTERMSIG(st)),
		       WCOREDUMP(st) ? " (core dumped)" : "");
	else
		printf("%s: status 0x%x\n", what, st);
}

static int wait_for(pid_t pid, const char *what)
{
	int st = 0;
	pid_t got = waitpid(pid, &st, 0);

	if (got != pid) {
		printf("%s: waitpid gave %s\n", what, got < 0 ? errname(errno) : "another pid");
		return -1;
	}
	status_line(what, st);
	return st;
}

static int pipe_mode(void)
{
	int p[2];
	char buf[64] = "";
	pid_t parent = getpid(), child;
	ssize_t n;

	if (pipe(p))
		return 1;
	child = fork();
	if (child == 0) {
		char line[64];

		close(p[0]);
		snprintf(line, sizeof(line), "from the child, ppid %s\n",
			 getppid() == parent ? "is the parent" : "is wrong");
		write(p[1], line, strlen(line));
		_exit(3);
	}
	close(p[1]);
	printf("fork: child pid %s\n", child > 0 && child != parent ? "new" : "wrong");
	while ((n = read(p[0], buf, sizeof(buf) - 1)) > 0) {
		buf[n] = '\0';
		printf("read: %s", buf);
	}
	printf("read: end of file\n");
	wait_for(child, "child");
	return 0;
}

static int signaled_mode(void)
{
	pid_t c;

	if ((c = fork()) == 0) {
		*(volatile int *)addr_8 = 1;
		_exit(0);
	}
	wait_for(c, "null pointer");
	if ((c = fork()) == 0)
		abort();
	wait_for(c, "abort");
	if ((c = fork()) == 0) {
		for (;;)
			pause();
	}
	kill(c, SIGTERM);
	wait_for(c, "SIGTERM");
	if ((c = fork()) == 0)
		_exit(300);
	wait_for(c, "exit 300");
	return 0;
}

static int many_mode(void)
{
	int sum = 0, p[2];
	pid_t kids[8];

	for (int i = 0; i < 20; i++) {
		pid_t c = fork();
		int st;

		if (c == 0)
			_exit(i);
		if (waitpid(c, &st, 0) == c && WIFEXITED(st))
			sum += WEXITSTATUS(st);
	}
	printf("20 in a row: exit codes sum to %d\n", sum);
	if (pipe(p))
		return 1;
	for (int i = 0; i < 8; i++) {
		if ((kids[i] = fork()) == 0) {
			char c = (char)('a' + i);

			write(p[1], &c, 1);
			_exit(10 + i);
		}
	}
	close(p[1]);
	sum = 0;
	for (int i = 0; i < 8; i++) {
		int st;
		pid_t got = wait(&st);

		for (int k = 0; k < 8; k++)
			if (got == kids[k] && WIFEXITED(st))
				sum += WEXITSTATUS(st);
	}
	{
		char buf[16];
		int n = 0;
		ssize_t r;

		while ((r = read(p[0], buf, sizeof(buf))) > 0)
			n += (int)r;
		printf("8 at once: exit codes sum to %d, %d bytes through the pipe\n", sum, n);
	}
	printf("then: wait gives %s\n", wait(NULL) < 0 ? errname(errno) : "a child");
	return 0;
}

static int spawn_mode(void)
{
	char *const argv[] = { "procs", "child", "7", NULL };
	posix_spawn_file_actions_t fa;
	pid_t c;
	int p[2], err, st = 0;
	char buf[128] = { 0 };
	ssize_t n;

	/* Said once the child is done: its own line comes first. */
	err = posix_spawn(&c, SELF, NULL, NULL, argv, environ);
	if (!err)
		waitpid(c, &st, 0);
	printf("posix_spawn: %s\n", err ? errname(err) : "ok");
	if (!err)
		status_line("spawned", st);

	/* Its output through a pipe, as popen would. */
	if (pipe(p))
		return 1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_addclose(&fa, p[0]);
	err = posix_spawn(&c, SELF, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	for (size_t got = 0; got < sizeof(buf) - 1; got += (size_t)n) {
		n = read(p[0], buf + got, sizeof(buf) - 1 - got);
		if (n <= 0) {
			buf[got] = '\0';
			break;
		}
	}
	printf("posix_spawn with dup2: %s, read \"%.*s\"\n", err ? errname(err) : "ok",
	       (int)strcspn(buf, "\n"), buf);
	close(p[0]);
	if (!err)
		wait_for(c, "spawned");

	if ((c = vfork()) == 0)
		_exit(4);
	wait_for(c, "vfork, _exit");
	if ((c = vfork()) == 0) {
		execv(SELF, argv);
		_exit(127);
	}
	wait_for(c, "vfork, execv");
	return 0;
}

static void on_usr2(int sig)
{
	(void)sig;
}

/* What execve left of sig's action: "ignored", "default" or "handled". */
static const char *disposition(int sig)
{
	struct sigaction sa;

	if (sigaction(sig, NULL, &sa))
		return errname(errno);
	return sa.sa_handler == SIG_IGN ? "ignored" : sa.sa_handler == SIG_DFL ? "default" : "handled";
}

static int exec_mode(void)
{
	char *const argv[] = { "procs", "execed", NULL };
	char *const envp[] = { "LSTAR_TEST=carried", NULL };
	int keep[2], gone[2];
	pid_t c;

	if (pipe(keep) || pipe2(gone, O_CLOEXEC))
		return 1;
	printf("execve of a missing file: %s\n",
	       execve("/no/such/program", argv, envp) < 0 ? errname(errno) : "ran");
	printf("execve of a directory: %s\n",
	       execve("/", argv, envp) < 0 ? errname(errno) : "ran");
	/* In a child, so that the parent can report: the descriptors
	 * numbered keep and gone come over as open and closed. */
	if ((c = fork()) == 0) {
		char k[16], g[16];
		char *const args[] = { "procs", "execed", "two words", k, g, NULL };

		snprintf(k, sizeof(k), "%d", keep[0]);
		snprintf(g, sizeof(g), "%d", gone[0]);
		/* Ignored signals stay ignored, handled ones go back to
		 * their default; SIGTERM was ignored, then is not. */
		signal(SIGUSR1, SIG_IGN);
		signal(SIGUSR2, on_usr2);
		signal(SIGTERM, SIG_IGN);
		signal(SIGTERM, SIG_DFL);
		execve(SELF, args, envp);
		printf("execve: %s\n", errname(errno));
		_exit(127);
	}
	wait_for(c, "execve");
	return 0;
}

static int execed_mode(int argc, char **argv)
{
	printf("execed: argv[2] \"%s\", environment %s\n", argc > 2 ? argv[2] : "",
	       getenv("LSTAR_TEST") ? getenv("LSTAR_TEST") : "(none)");
	if (argc > 4)
		printf("execed: descriptor %s, the O_CLOEXEC one %s\n",
		       fcntl(atoi(argv[3]), F_GETFD) >= 0 ? "kept" : "closed",
		       fcntl(atoi(argv[4]), F_GETFD) >= 0 ? "kept" : "closed");
	if (argc > 4) {
		printf("execed: SIGUSR1 %s, SIGUSR2 %s, SIGTERM %s\n", disposition(SIGUSR1),
		       disposition(SIGUSR2), disposition(SIGTERM));
		raise(SIGUSR1);		/* ignored: nothing happens */
	}
	return 0;
}

static volatile sig_atomic_t chld_code, chld_status, chld_from_child, chld_count;
static pid_t chld_expect;

static void on_chld(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	chld_code = si->si_code;
	chld_status = si->si_status;
	chld_from_child = si->si_pid == chld_expect;
	chld_count++;
}

static int sigchld_mode(void)
{
	struct sigaction sa;
	sigset_t block, old;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_chld;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGCHLD, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &old);
	if ((chld_expect = fork()) == 0)
		_exit(5);
	while (!chld_count)
		sigsuspend(&old);
	printf("SIGCHLD: code %s, status %d, from the child: %s\n",
	       chld_code == CLD_EXITED ? "CLD_EXITED" : "other", (int)chld_status,
	       chld_from_child ? "yes" : "no");
	wait_for(chld_expect, "child");
	chld_count = 0;
	if ((chld_expect = fork()) == 0) {
		for (;;)
			pause();
	}
	kill(chld_expect, SIGKILL);
	while (!chld_count)
		sigsuspend(&old);
	printf("SIGCHLD: code %s, status %d\n",
	       chld_code == CLD_KILLED ? "CLD_KILLED" : "other", (int)chld_status);
	wait_for(chld_expect, "child");
	/* Ignored, SIGCHLD leaves no zombie: a wait ends when the child
	 * does, with ECHILD; so with SA_NOCLDWAIT. */
	sigprocmask(SIG_SETMASK, &old, NULL);
	signal(SIGCHLD, SIG_IGN);
	if ((chld_expect = fork()) == 0)
		_exit(1);
	printf("SIGCHLD ignored: waitpid %s\n",
	       waitpid(chld_expect, NULL, 0) < 0 ? errname(errno) : "found a zombie");
	sa.sa_flags = SA_SIGINFO | SA_NOCLDWAIT;
	sigaction(SIGCHLD, &sa, NULL);
	if ((chld_expect = fork()) == 0)
		_exit(1);
	printf("SA_NOCLDWAIT: waitpid %s\n",
	       waitpid(chld_expect, NULL, 0) < 0 ? errname(errno) : "found a zombie");
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGCHLD, &sa, NULL);
	if ((chld_expect = fork()) == 0)
		_exit(1);
	printf("handled again: waitpid %s\n",
	       waitpid(chld_expect, NULL, 0) < 0 ? errname(errno) : "found a zombie");
	return 0;
}

static int waitid_mode(void)
{
	int p[2];
	siginfo_t si;
	pid_t c;
	char x = 0;
	int r;

	if (pipe(p))
		return 1;
	if ((c = fork()) == 0) {
		read(p[0], &x, 1);
		_exit(9);
	}
	/* Each call before the line that shows it: arguments have no order. */
	memset(&si, 0xff, sizeof(si));
	r = waitid(P_PID, (id_t)c, &si, WEXITED | WNOHANG);
	printf("WNOHANG while it runs: %d, si_pid %d, si_signo %d\n", r, si.si_pid, si.si_signo);
	write(p[1], "g", 1);
	r = waitid(P_PID, (id_t)c, &si, WEXITED | WNOWAIT);
	printf("WNOWAIT: %d, the child: %s, status %d\n", r, si.si_pid == c ? "yes" : "no",
	       si.si_status);
	r = waitid(P_ALL, 0, &si, WEXITED);
	printf("then: %d, the child: %s, code %s, status %d\n", r, si.si_pid == c ? "yes" : "no",
	       si.si_code == CLD_EXITED ? "CLD_EXITED" : "other", si.si_status);
	r = waitid(P_ALL, 0, &si, WEXITED);
	printf("again: %d %s\n", r, r < 0 ? errname(errno) : "");
	r = waitid(P_ALL, 0, &si, 0);
	printf("no options: %s\n", r < 0 ? errname(errno) : "ok");
	return 0;
}

static int groups_mode(void)
{
	int p[2], st;
	pid_t c, me = getpid();
	char x;

	if (pipe(p))
		return 1;
	if ((c = fork()) == 0) {
		printf("child: own group: %s\n", setpgid(0, 0) == 0 ? "ok" : errname(errno));
		printf("child: getpgrp is its pid: %s\n", getpgrp() == getpid() ? "yes" : "no");
		printf("child: setsid as group leader: %s\n",
		       setsid() < 0 ? errname(errno) : "ok");
		fflush(stdout);
		write(p[1], "r", 1);
		for (;;)
			pause();
	}
	read(p[0], &x, 1);
	printf("parent: child's group is the child: %s\n", getpgid(c) == c ? "yes" : "no");
	printf("parent: its own group unchanged: %s\n", getpgid(0) == getpgrp() ? "yes" : "no");
	printf("parent: getsid of child is ours: %s\n", getsid(c) == getsid(0) ? "yes" : "no");
	printf("parent: setpgid of a stranger: %s\n",
	       setpgid(me == 1 ? 2 : 1, 0) < 0 ? errname(errno) : "ok");
	printf("parent: kill of the child's group: %s\n",
	       kill(-c, SIGUSR2) == 0 ? "ok" : errname(errno));
	waitpid(c, &st, 0);
	status_line("child", st);
	printf("parent: kill of that group now: %s\n", kill(-c, 0) < 0 ? errname(errno) : "ok");
	if ((c = fork()) == 0) {
		pid_t sid = setsid();

		printf("child 2: setsid: %s", sid == getpid() ? "ok" : errname(errno));
		printf(", leads its session: %s, and its group: %s\n",
		       getsid(0) == getpid() ? "yes" : "no", getpgrp() == getpid() ? "yes" : "no");
		_exit(0);
	}
	wait_for(c, "child 2");
	return 0;
}

static int bomb_mode(void)
{
	int n = 0;

	for (;;) {
		pid_t c = fork();

		if (c == 0) {
			for (;;)
				pause();
		}
		if (c < 0)
			break;
		n++;
	}
	printf("fork failed with %s after %d children\n", errname(errno), n);
	kill(0, SIGKILL);	/* the group: the children and this one */
	return 0;
}

static int tree_mode(int n)
{
	for (int i = 0; i < n; i++) {
		pid_t c = fork();

		if (c == 0) {
			for (;;)
				pause();
		}
		if (c < 0) {
			printf("fork: %s\n", errname(errno));
			return 1;
		}
	}
	printf("ready\n");
	for (;;)
		pause();
}

static int gate[2];

static void *spin_thread(void *arg)
{
	(void)arg;
	for (;;)
		__asm__ volatile("" ::: "memory");
	return NULL;
}

static void *read_thread(void *arg)
{
	char c;

	(void)arg;
	read(gate[0], &c, 1);
	return NULL;
}

static void *pause_thread(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static int exec_threads_mode(void)
{
	char *const argv[] = { "procs", "execed", "after threads", NULL };
	char *const envp[] = { "LSTAR_TEST=threads", NULL };
	pthread_t t;

	if (pipe(gate) || pthread_create(&t, NULL, spin_thread, NULL) ||
	    pthread_create(&t, NULL, read_thread, NULL) ||
	    pthread_create(&t, NULL, pause_thread, NULL))
		return 1;
	usleep(100000);
	execve(SELF, argv, envp);
	printf("execve: %s\n", errname(errno));
	return 1;
}

static int told[2];

static void on_usr1_thread(int sig)
{
	char c = 'h';

	(void)sig;
	/* Which thread ran it: the worker says 'w', the main one 'm'. */
	c = gettid() == getpid() ? 'm' : 'w';
	write(told[1], &c, 1);
}

static void *worker(void *arg)
{
	pid_t tid = gettid();

	(void)arg;
	write(gate[1], &tid, sizeof(tid));
	for (;;)
		pause();
	return NULL;
}

static int tgkill_mode(void)
{
	pid_t c, tid = 0;
	char by = '?';

	if (pipe(gate) || pipe(told))
		return 1;
	if ((c = fork()) == 0) {
		sigset_t usr1;
		pthread_t t;

		signal(SIGUSR1, on_usr1_thread);
		pthread_create(&t, NULL, worker, NULL);
		/* Only the worker may take it. */
		sigemptyset(&usr1);
		sigaddset(&usr1, SIGUSR1);
		pthread_sigmask(SIG_BLOCK, &usr1, NULL);
		for (;;)
			pause();
	}
	read(gate[0], &tid, sizeof(tid));
	printf("tgkill of the child's second thread: %s\n",
	       syscall(SYS_tgkill, c, tid, SIGUSR1) ? errname(errno) : "ok");
	read(told[0], &by, 1);
	printf("handled by: %s\n", by == 'w' ? "that thread" : by == 'm' ? "the main thread" : "?");
	printf("tgkill of a thread id the child lacks: %s\n",
	       syscall(SYS_tgkill, c, tid + 1000, 0) ? errname(errno) : "ok");
	kill(c, SIGKILL);
	wait_for(c, "child");
	return 0;
}

static volatile sig_atomic_t usr1_seen;

static void on_usr1_count(int sig)
{
	(void)sig;
	usr1_seen++;
}

/* Wait on an empty pipe with every signal let in; which: 0 ppoll, 1
 * pselect6, 2 epoll_pwait. */
static int masked_wait(int which, int fd)
{
	sigset_t none;
	struct timespec five = { 5, 0 };

	sigemptyset(&none);
	if (which == 0) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		return ppoll(&p, 1, &five, &none);
	}
	if (which == 1) {
		fd_set r;

		FD_ZERO(&r);
		FD_SET(fd, &r);
		return pselect(fd + 1, &r, NULL, NULL, &five, &none);
	}
	{
		int ep = epoll_create1(0), n;
		struct epoll_event ev = { .events = EPOLLIN };

		epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
		n = epoll_pwait(ep, &ev, 1, 5000, &none);
		close(ep);
		return n;
	}
}

static int masked_mode(void)
{
	static const char *const names[] = { "ppoll", "pselect6", "epoll_pwait" };
	struct sigaction sa;
	sigset_t usr1, now;
	int p[2];

	if (pipe(p))
		return 1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1_count;
	sigaction(SIGUSR1, &sa, NULL);
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	for (int which = 0; which < 3; which++) {
		pid_t parent = getpid(), c;
		int r;

		usr1_seen = 0;
		if ((c = fork()) == 0) {
			usleep(100000);
			kill(parent, SIGUSR1);
			_exit(0);
		}
		r = masked_wait(which, p[0]);
		sigprocmask(SIG_BLOCK, NULL, &now);
		printf("%s: %s, handler ran %d, SIGUSR1 blocked after: %s\n", names[which],
		       r < 0 ? errname(errno) : "returned", (int)usr1_seen,
		       sigismember(&now, SIGUSR1) ? "yes" : "no");
		waitpid(c, NULL, 0);
		usr1_seen = 0;
		raise(SIGUSR1);		/* pending, blocked */
		r = masked_wait(which, p[0]);
		printf("%s with it pending: %s, handler ran %d\n", names[which],
		       r < 0 ? errname(errno) : "returned", (int)usr1_seen);
	}
	return 0;
}

static const char *lock_try(int fd, int cmd, short type)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10 };

	return fcntl(fd, cmd, &fl) < 0 ? errname(errno) : "ok";
}

static int locks_mode(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644), p[2], q[2];
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_len = 10 };
	pid_t parent = getpid(), c;
	char x;

	if (fd < 0 || pipe(p) || pipe(q))
		return 1;
	printf("parent: write lock: %s\n", lock_try(fd, F_SETLK, F_WRLCK));
	printf("parent: flock: %s\n", flock(fd, LOCK_EX) ? errname(errno) : "ok");
	if ((c = fork()) == 0) {
		int mine = open(path, O_RDWR);

		printf("child: write lock: %s\n", lock_try(mine, F_SETLK, F_WRLCK));
		fcntl(mine, F_GETLK, &fl);
		printf("child: F_GETLK: %s, held by the parent: %s\n",
		       fl.l_type == F_WRLCK ? "F_WRLCK" : "other", fl.l_pid == parent ? "yes" : "no");
		printf("child: flock on its own open: %s\n",
		       flock(mine, LOCK_EX | LOCK_NB) ? errname(errno) : "ok");
		write(p[1], "1", 1);
		read(q[0], &x, 1);
		/* The parent let go: the wait ends. */
		printf("child: waiting write lock: %s\n", lock_try(mine, F_SETLKW, F_WRLCK));
		printf("child: OFD lock on the same range: %s\n",
		       lock_try(open(path, O_RDWR), F_OFD_SETLK, F_WRLCK));
		_exit(0);
	}
	read(p[0], &x, 1);
	printf("parent: unlock: %s\n", lock_try(fd, F_SETLK, F_UNLCK));
	write(q[1], "1", 1);
	wait_for(c, "child");
	printf("parent: write lock again: %s\n", lock_try(fd, F_SETLK, F_WRLCK));
	return 0;
}

/* system() and popen(), as programs use them: /bin/sh -c COMMAND. */
static int system_mode(void)
{
	char line[128] = "";
	FILE *f;
	int st;

	st = system("echo from sh; exit 3");
	status_line("system exit 3", st);
	st = system("kill -TERM $$");
	status_line("system killed", st);
	printf("system(NULL): %s\n", system(NULL) ? "a shell" : "no shell");
	if (!(f = popen("echo read through a pipe; exit 4", "r")))
		return printf("popen r: %s\n", errname(errno)), 1;
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	printf("popen r: %s", line);
	status_line("pclose r", pclose(f));
	if (!(f = popen("read x; echo \"sh got $x\"", "w")))
		return printf("popen w: %s\n", errname(errno)), 1;
	fputs("written\n", f);
	status_line("pclose w", pclose(f));
	return 0;
}

/* Burn ms milliseconds of this thread's CPU time. */
static void spin_cpu(long ms)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	do
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < ms);
}

static long usage_us(const struct rusage *ru)
{
	return (ru->ru_utime.tv_sec + ru->ru_stime.tv_sec) * 1000000L +
	       ru->ru_utime.tv_usec + ru->ru_stime.tv_usec;
}

/* getrusage: its own time, its thread's, its waited-for children's. */
static int rusage_mode(void)
{
	struct rusage ru, child;
	pid_t pid;
	int ws;

	printf("children before any: %s\n",
	       getrusage(RUSAGE_CHILDREN, &ru) ? errname(errno) : usage_us(&ru) ? "some" : "none");
	spin_cpu(60);
	printf("self after 60 ms: %s\n", getrusage(RUSAGE_SELF, &ru) ? errname(errno) :
	       usage_us(&ru) >= 30000 ? "at least 30 ms" : "less");
	printf("thread: %s\n", getrusage(RUSAGE_THREAD, &ru) ? errname(errno) :
	       usage_us(&ru) >= 30000 ? "at least 30 ms" : "less");
	if ((pid = fork()) == 0) {
		spin_cpu(80);
		_exit(0);
	}
	printf("wait4: %s", wait4(pid, &ws, 0, &child) == pid ? "" : "failed");
	printf("the child's time %s\n", usage_us(&child) >= 40000 ? "at least 40 ms" : "less");
	printf("children after: %s\n", getrusage(RUSAGE_CHILDREN, &ru) ? errname(errno) :
	       usage_us(&ru) >= usage_us(&child) ? "at least the child's" : "less");
	printf("who 99: %s\n", syscall(SYS_getrusage, 99, &ru) ? errname(errno) : "0");
	printf("bad buffer: %s\n", syscall(SYS_getrusage, RUSAGE_SELF, 8L) ? errname(errno) : "0");
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "pipe";

	setvbuf(stdout, NULL, _IONBF, 0);
	if (!strcmp(mode, "pipe"))
		return pipe_mode();
	if (!strcmp(mode, "rusage"))
		return rusage_mode();
	if (!strcmp(mode, "signaled"))
		return signaled_mode();
	if (!strcmp(mode, "many"))
		return many_mode();
	if (!strcmp(mode, "spawn"))
		return spawn_mode();
	if (!strcmp(mode, "exec"))
		return exec_mode();
	if (!strcmp(mode, "system"))
		return system_mode();
	if (!strcmp(mode, "execed"))
		return execed_mode(argc, argv);
	if (!strcmp(mode, "sigchld"))
		return sigchld_mode();
	if (!strcmp(mode, "waitid"))
		return waitid_mode();
	if (!strcmp(mode, "groups"))
		return groups_mode();
	if (!strcmp(mode, "masked"))
		return masked_mode();
	if (!strcmp(mode, "tgkill"))
		return tgkill_mode();
	if (!strcmp(mode, "exec-threads"))
		return exec_threads_mode();
	if (!strcmp(mode, "bomb"))
		return bomb_mode();
	if (!strcmp(mode, "tree"))
		return tree_mode(argc > 2 ? atoi(argv[2]) : 1);
	if (!strcmp(mode, "locks") && argc > 2)
		return locks_mode(argv[2]);
	if (!strcmp(mode, "run") && argc > 2) {
		execv(argv[2], argv + 2);
		printf("execv %s: %s\n", argv[2], errname(errno));
		return 1;
	}
	if (!strcmp(mode, "child")) {
		printf("child: running\n");
		return argc > 2 ? atoi(argv[2]) : 0;
	}
	fprintf(stderr, "usage: procs pipe|signaled|many|spawn|exec|system|sigchld|waitid|"
		"groups|bomb|tree N|run PATH\n");
	return 2;
}
