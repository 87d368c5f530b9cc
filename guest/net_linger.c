/* SPDX-License-Identifier: MIT */
/*
 * net_linger.c - a close that lingers must not stop the program's other
 * threads.  The main thread fills a loopback connection nobody reads yet,
 * sets SO_LINGER (10 s) and closes it: the close waits until the peer
 * has taken the data.  A second thread, a moment later, accepts that
 * peer and reads everything, which is what ends the wait.  If the close
 * held up the other thread, the linger would run out first and the
 * reader would lose the data to a reset.
 *
 * Prints whether the reader got in while the close waited, whether it
 * got everything, and how the close ended; the same
 * natively and under lstar (with `net listen 127.0.0.1:*` and `net
 * connect 127.0.0.1:*`).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "errname.h"

static int listener;
static long got;
static volatile int closing;	/* the main thread is in close */
static int heard_while_closing;

static void *reader(void *unused)
{
	struct timespec pause = { 0, 300 * 1000000L };	/* until the close waits */
	char buf[65536];
	ssize_t n;
	int c;

	(void)unused;
	nanosleep(&pause, NULL);
	if ((c = accept(listener, NULL, NULL)) < 0)
		return NULL;
	heard_while_closing = closing;
	while ((n = read(c, buf, sizeof(buf))) > 0)
		got += n;
	if (n < 0)
		printf("reader: %s\n", errname(errno));
	close(c);
	return NULL;
}

int main(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	struct linger lg = { 1, 10 };
	int small = 4096, fd, fl;
	long sent = 0;
	char chunk[4096];
	pthread_t t;
	ssize_t n;

	memset(chunk, 'x', sizeof(chunk));
	listener = socket(AF_INET, SOCK_STREAM, 0);
	/* Small buffers both ways: the peer's window fills, and what is
	 * written past it stays unsent, which is what a close lingers on. */
	if (listener < 0 || setsockopt(listener, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)) ||
	    bind(listener, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(listener, 1) || getsockname(listener, (struct sockaddr *)&sa, &len) ||
	    (fd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)) ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		printf("setup: %s\n", errname(errno));
		return 1;
	}
	/* Fill what the connection holds unread, then some goes unsent. */
	fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	while ((n = write(fd, chunk, sizeof(chunk))) > 0)
		sent += n;
	fcntl(fd, F_SETFL, fl);
	closing = 1;
	if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) ||
	    pthread_create(&t, NULL, reader, NULL)) {
		printf("setup: %s\n", errname(errno));
		return 1;
	}
	n = close(fd);
	closing = 0;
	printf("close: %s\n", n ? errname(errno) : "0");
	pthread_join(t, NULL);
	printf("the reader accepted while the close waited: %s\n",
	       heard_while_closing ? "yes" : "no");
	printf("the reader got all that was sent: %s\n", got == sent ? "yes" : "no");
	return 0;
}
