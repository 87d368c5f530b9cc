/* SPDX-License-Identifier: MIT */
/*
 * epoll - an event loop's calls on pipes, printed so that a native run
 * and a run under lstar compare line by line: readiness with the
 * program's own data back, edge and level triggering, timeouts, a wait
 * a signal handler ends (EINTR), and the errors (EBADF, EINVAL, EEXIST,
 * ENOENT, EFAULT, ELOOP-free self-add).
 *
 *   epoll
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include "errname.h"

static void show(const char *what, long r)
{
	if (r < 0)
		printf("%s: %s\n", what, errname(errno));
	else
		printf("%s: %ld\n", what, r);
}

static void on_alarm(int sig)
{
	(void)sig;
}

int main(void)
{
	struct epoll_event ev, out[4];
	struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = SA_RESTART };
	struct itimerval it = { { 0, 0 }, { 0, 20000 } };
	int p[2], q[2], ep;
	char buf[8];
	struct epoll_event *volatile bad = (void *)8;

	setvbuf(stdout, NULL, _IONBF, 0);
	pipe(p);
	pipe(q);
	ep = epoll_create1(EPOLL_CLOEXEC);
	show("epoll_create1", ep >= 0 ? 0 : -1);
	show("epoll_create1(bad flag)", epoll_create1(1));
	show("epoll_create(0)", syscall(SYS_epoll_create, 0));

	ev.events = EPOLLIN;
	ev.data.u64 = 0x1122334455667788ULL;
	show("add read end", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
	show("add it again", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
	show("add itself", epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev));
	show("delete what is not in", epoll_ctl(ep, EPOLL_CTL_DEL, q[0], NULL));
	show("add a bad descriptor", epoll_ctl(ep, EPOLL_CTL_ADD, 999, &ev));
	show("unreadable event", epoll_ctl(ep, EPOLL_CTL_ADD, q[0], (void *)8));
	show("unknown op", epoll_ctl(ep, 99, q[0], &ev));

	show("wait, nothing ready, 0 ms", epoll_wait(ep, out, 4, 0));
	show("wait, nothing ready, 20 ms", epoll_wait(ep, out, 4, 20));
	write(p[1], "x", 1);
	show("wait, one ready", epoll_wait(ep, out, 4, -1));
	printf("its data: %llx, events %x\n", (unsigned long long)out[0].data.u64, out[0].events);
	show("level-triggered: still ready", epoll_wait(ep, out, 4, 0));
	read(p[0], buf, 1);
	show("read: not ready", epoll_wait(ep, out, 4, 0));

	ev.events = EPOLLIN | EPOLLET;
	ev.data.u32 = 7;
	show("modify to edge-triggered", epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev));
	write(p[1], "yy", 2);
	show("edge: ready once", epoll_wait(ep, out, 4, 0));
	show("edge: not again", epoll_wait(ep, out, 4, 0));

	ev.events = EPOLLOUT;
	ev.data.u32 = 9;
	epoll_ctl(ep, EPOLL_CTL_ADD, q[1], &ev);
	show("write end ready to write", epoll_wait(ep, out, 4, 0));
	printf("its data: %u\n", out[0].data.u32);
	close(q[0]);
	show("reader gone", epoll_wait(ep, out, 4, 0));
	printf("events %x\n", out[0].events);
	show("delete", epoll_ctl(ep, EPOLL_CTL_DEL, q[1], NULL));

	show("maxevents 0", epoll_wait(ep, out, 0, 0));
	show("events at a bad address, none ready", epoll_wait(ep, bad, 4, 0));
	show("not an epoll", epoll_wait(p[0], out, 4, 0));
	show("bad descriptor", epoll_wait(999, out, 4, 0));

	/* A handler ends a wait with EINTR, SA_RESTART or not. */
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	read(p[0], buf, 2);
	show("wait, a handler runs", epoll_wait(ep, out, 4, 2000));
	close(ep);
	return 0;
}
