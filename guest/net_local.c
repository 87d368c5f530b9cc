/* SPDX-License-Identifier: MIT */
/*
 * net_local - the sockets a program has without any `net` rule, and
 * waiting on them: socketpair in its three types, a child on the other
 * end, named AF_UNIX sockets in a directory, poll and select (and ppoll,
 * pselect) over sockets and pipes.  Prints errno names and what it read,
 * so that a native run and a run under lstar compare as text
 * (tests/test_net.c).
 *
 *   net_local nonet      the families a policy without `net` refuses
 *                        (compared with lstar's documented answers: a
 *                        root test runner's own socket calls succeed)
 *   net_local pair       socketpairs, a child, poll and select
 *   net_local unix DIR   a listening socket DIR/sock, a child connects
 *   net_local abstract   an abstract name (lstar refuses it: EACCES)
 *   net_local connect PATH
 *                        connect to the stream socket PATH and say how
 *                        it went (the sandbox's exec socket: EACCES)
 *   net_local intr       a read waiting on a socket, a signal handler
 *                        runs: EINTR without SA_RESTART; with it, the
 *                        read goes on and gets what comes after
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/time.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "errname.h"

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

static void show(const char *what, long r)
{
	if (r < 0)
		printf("%s: %s\n", what, errname(errno));
	else
		printf("%s: %ld\n", what, r);
}

static void try_socket(const char *what, int family, int type, int proto)
{
	int fd = socket(family, type | SOCK_CLOEXEC, proto);

	printf("socket %s: %s\n", what, errname(fd < 0 ? errno : 0));
	if (fd >= 0)
		close(fd);
}

static int nonet(void)
{
	int sv[2];

	try_socket("AF_INET, SOCK_STREAM", AF_INET, SOCK_STREAM, 0);
	try_socket("AF_INET, SOCK_DGRAM", AF_INET, SOCK_DGRAM, 0);
	try_socket("AF_INET6, SOCK_STREAM", AF_INET6, SOCK_STREAM, 0);
	try_socket("AF_INET6, SOCK_DGRAM", AF_INET6, SOCK_DGRAM, 0);
	try_socket("AF_INET, SOCK_RAW", AF_INET, SOCK_RAW, IPPROTO_ICMP);
	try_socket("AF_NETLINK", AF_NETLINK, SOCK_RAW, 0);
	try_socket("AF_PACKET", AF_PACKET, SOCK_RAW, 0);
	try_socket("AF_VSOCK", AF_VSOCK, SOCK_STREAM, 0);
	/* What still works: a socket pair, and an unnamed AF_UNIX socket. */
	show("socketpair AF_UNIX", socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	if (write(sv[0], "there", 5) != 5 || write(sv[1], "back", 4) != 4)
		printf("write: %s\n", errname(errno));
	else {
		char a[8] = "", b[8] = "";

		show("read one way", read(sv[1], a, sizeof(a) - 1));
		show("read the other", read(sv[0], b, sizeof(b) - 1));
		printf("%s, %s\n", a, b);
	}
	try_socket("AF_UNIX, SOCK_STREAM", AF_UNIX, SOCK_STREAM, 0);
	return 0;
}

/* One round of poll over a socket pair's ends and a pipe's, and select
 * over the same, printing who is ready for what. */
static void wait_both(const char *when, int s0, int s1, int p0, int p1, int ms)
{
	struct pollfd pf[4] = { { s0, POLLIN | POLLOUT, 0 }, { s1, POLLIN | POLLRDHUP, 0 },
				{ p0, POLLIN, 0 }, { p1, POLLOUT, 0 } };
	struct timeval tv = { 0, ms * 1000 };
	fd_set r, w;
	int n, max = 0;

	n = poll(pf, 4, ms);
	printf("%s: poll %d:", when, n);
	for (int i = 0; i < 4; i++)
		printf(" %x", pf[i].revents);
	printf("\n");
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(s0, &r);
	FD_SET(s1, &r);
	FD_SET(p0, &r);
	FD_SET(s0, &w);
	FD_SET(p1, &w);
	for (int i = 0; i < 4; i++)
		max = pf[i].fd > max ? pf[i].fd : max;
	n = select(max + 1, &r, &w, NULL, &tv);
	printf("%s: select %d: read %d%d%d write %d%d\n", when, n, FD_ISSET(s0, &r),
	       FD_ISSET(s1, &r), FD_ISSET(p0, &r), FD_ISSET(s0, &w), FD_ISSET(p1, &w));
}

static int pair(void)
{
	int sv[2], dg[2], sp[2], p[2], st, type = 0;
	socklen_t len = sizeof(type);
	char buf[64];
	pid_t child;
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	sigset_t none;
	fd_set r;

	show("socketpair SOCK_STREAM", socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	show("socketpair SOCK_DGRAM", socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, dg));
	show("socketpair SOCK_SEQPACKET",
	     socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp));
	show("pipe", pipe2(p, O_CLOEXEC));
	show("getsockopt SO_TYPE", getsockopt(dg[0], SOL_SOCKET, SO_TYPE, &type, &len));
	printf("SO_TYPE %s\n", type == SOCK_DGRAM ? "SOCK_DGRAM" : "another");

	wait_both("nothing written", sv[0], sv[1], p[0], p[1], 0);
	wait_both("nothing written, 20 ms", sv[0], sv[1], p[0], p[1], 20);
	show("send", send(sv[0], "abc", 3, 0));
	show("write to the pipe", write(p[1], "p", 1));
	wait_both("written", sv[0], sv[1], p[0], p[1], 0);
	show("recv MSG_PEEK", recv(sv[1], buf, 2, MSG_PEEK));
	show("recv", recv(sv[1], buf, sizeof(buf), 0));
	show("recv MSG_DONTWAIT, empty", recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT));
	show("read the pipe", read(p[0], buf, 1));

	/* Datagrams keep their edges; a sequenced packet too, and a short
	 * buffer cuts one. */
	show("send 2 bytes", send(dg[0], "12", 2, 0));
	show("send 3 bytes", send(dg[0], "345", 3, 0));
	show("recv", recv(dg[1], buf, sizeof(buf), 0));
	show("recv", recv(dg[1], buf, sizeof(buf), 0));
	show("seqpacket send", send(sp[0], "packet", 6, 0));
	{
		struct iovec iov = { buf, 3 };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

		show("seqpacket recvmsg, 3 of 6", recvmsg(sp[1], &m, 0));
		printf("MSG_TRUNC %s\n", m.msg_flags & MSG_TRUNC ? "set" : "not set");
	}

	/* A child on the other end: it answers, then goes. */
	child = fork();
	if (child == 0) {
		ssize_t n = read(sv[1], buf, sizeof(buf));

		if (n <= 0 || write(sv[1], "from the child", 14) != 14)
			_exit(1);
		_exit(0);
	}
	close(sv[1]);
	show("write to the child", write(sv[0], "hi", 2));
	FD_ZERO(&r);
	FD_SET(sv[0], &r);
	show("pselect for its answer",
	     pselect(sv[0] + 1, &r, NULL, NULL, &(struct timespec){ 10, 0 }, NULL));
	show("read its answer", read(sv[0], buf, sizeof(buf)));
	waitpid(child, &st, 0);
	printf("child exited %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	sigemptyset(&none);
	{
		struct pollfd pf = { sv[0], POLLIN | POLLRDHUP, 0 };

		show("ppoll after it went", ppoll(&pf, 1, &ts, &none));
		printf("revents %x\n", pf.revents);
	}
	show("read at the end", read(sv[0], buf, sizeof(buf)));
	signal(SIGPIPE, SIG_IGN);
	show("write with nobody there", write(sv[0], "x", 1));
	show("shutdown", shutdown(sp[0], SHUT_WR));
	show("recv after shutdown", recv(sp[1], buf, sizeof(buf), 0));
	return 0;
}

static int unix_named(const char *dir)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int lfd, fd, st;
	char buf[64];
	pid_t child;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/sock", dir);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	show("socket", lfd < 0 ? -1 : 0);
	show("bind", bind(lfd, (struct sockaddr *)&sa, sizeof(sa)));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	show("bind again", bind(fd, (struct sockaddr *)&sa, sizeof(sa)));
	close(fd);
	show("listen", listen(lfd, 4));
	child = fork();
	if (child == 0) {
		int c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (c < 0 || connect(c, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
		    write(c, "named", 5) != 5 || read(c, buf, sizeof(buf)) <= 0)
			_exit(1);
		_exit(0);
	}
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	show("accept4", fd < 0 ? -1 : 0);
	show("read", read(fd, buf, sizeof(buf)));
	show("write", write(fd, "ok", 2));
	waitpid(child, &st, 0);
	printf("child exited %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	show("unlink", unlink(sa.sun_path));
	return 0;
}

static int abstract(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t len = offsetof(struct sockaddr_un, sun_path) + 1 + 10;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memcpy(sa.sun_path, "\0lstar-test", 11);
	show("bind abstract", bind(fd, (struct sockaddr *)&sa, len));
	show("connect abstract", connect(fd, (struct sockaddr *)&sa, len));
	return 0;
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	show("connect", connect(fd, (struct sockaddr *)&sa, sizeof(sa)));
	return 0;
}

static int wake[2];

/* The handler tells the child to write: what the read gets then can
 * only come after the signal. */
static void on_alarm(int sig)
{
	(void)sig;
	if (write(wake[1], "w", 1) != 1)
		_exit(3);
}

static int intr(void)
{
	/* Long enough that the read is waiting when the timer fires, even
	 * on a loaded machine: a signal before it would end nothing. */
	struct itimerval it = { { 0, 0 }, { 0, 100000 } };
	struct sigaction sa = { .sa_handler = on_alarm };
	int sv[2], st;
	char buf[16];
	pid_t child;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 || pipe(wake) < 0) {
		printf("socketpair: %s\n", errname(errno));
		return 1;
	}
	/* The child writes once for each wake-up. */
	child = fork();
	if (child == 0) {
		for (int i = 0; i < 2; i++)
			if (read(wake[0], buf, 1) != 1 || write(sv[1], "after", 5) != 5)
				_exit(1);
		_exit(0);
	}
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	show("read, a handler without SA_RESTART", read(sv[0], buf, sizeof(buf)));
	show("read what came after", read(sv[0], buf, sizeof(buf)));
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	show("recv, a handler with SA_RESTART", recv(sv[0], buf, sizeof(buf), 0));
	waitpid(child, &st, 0);
	printf("child exited %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc == 2 && !strcmp(argv[1], "nonet"))
		return nonet();
	if (argc == 2 && !strcmp(argv[1], "pair"))
		return pair();
	if (argc == 3 && !strcmp(argv[1], "unix"))
		return unix_named(argv[2]);
	if (argc == 2 && !strcmp(argv[1], "abstract"))
		return abstract();
	if (argc == 2 && !strcmp(argv[1], "intr"))
		return intr();
	if (argc == 3 && !strcmp(argv[1], "connect"))
		return connect_to(argv[2]);
	fprintf(stderr, "usage: net_local nonet | pair | unix DIR | abstract | intr | "
		"connect PATH\n");
	return 2;
}
