/* SPDX-License-Identifier: MIT */
/*
 * net_server - an event-loop TCP server: non-blocking sockets, epoll
 * (level- or edge-triggered), accept4, reads until EAGAIN; or a plain
 * one that waits in accept and read, one client at a time.  Each client
 * sends a line and gets it back in capitals, then the server closes the
 * connection; after N clients it exits 0.  It prints only what is the
 * same in every run (tests/test_net.c compares a native run with one
 * under lstar): that it listens, where each client came from (the
 * address, not the port), how many it served.
 *
 *   net_server ADDR PORT N lt|et|bl  listen on ADDR:PORT (0: a port
 *                                    the kernel picks, printed first as
 *                                    "port P"), serve N clients: epoll
 *                                    level- or edge-triggered, or
 *                                    blocking calls
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "errname.h"

#define MAX_CLIENTS 64

/* A client's line so far. */
struct client {
	int fd;
	size_t len;
	char line[256];
};

static struct client clients[MAX_CLIENTS];
static int edge;

static void fail(const char *what)
{
	printf("%s: %s\n", what, errname(errno));
	exit(1);
}

static void show_peer(const struct sockaddr_storage *ss)
{
	char text[INET6_ADDRSTRLEN];
	const void *a = ss->ss_family == AF_INET
		? (const void *)&((const struct sockaddr_in *)ss)->sin_addr
		: (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr;

	printf("client from %s\n", inet_ntop(ss->ss_family, a, text, sizeof(text)));
}

/* Take every connection waiting: edge-triggered, the listener reports
 * them once, so stop only at EAGAIN. */
static void accept_all(int ep, int lfd)
{
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		int fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP | (edge ? EPOLLET : 0) };
		int i;

		if (fd < 0) {
			if (errno == EAGAIN)
				return;
			fail("accept4");
		}
		show_peer(&ss);
		for (i = 0; i < MAX_CLIENTS && clients[i].fd >= 0; i++)
			;
		if (i == MAX_CLIENTS) {
			printf("too many clients\n");
			exit(1);
		}
		clients[i].fd = fd;
		clients[i].len = 0;
		ev.data.u32 = i;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
			fail("epoll_ctl ADD client");
		if (!edge)
			return;
	}
}

/* Read what the client sent; once its line is whole, answer and close.
 * Returns 1 when the client was served, 0 when it is still writing, -1
 * when it went before its line was whole. */
static int serve(int ep, struct client *c)
{
	for (;;) {
		ssize_t n = read(c->fd, c->line + c->len, sizeof(c->line) - 1 - c->len);
		char *nl;

		if (n < 0) {
			if (errno == EAGAIN)
				return 0;
			fail("read");
		}
		c->len += n;
		nl = memchr(c->line, '\n', c->len);
		if (nl || n == 0 || c->len == sizeof(c->line) - 1) {
			int whole = nl != NULL;

			for (size_t i = 0; i < c->len; i++)
				c->line[i] = toupper((unsigned char)c->line[i]);
			if (whole && write(c->fd, c->line, nl + 1 - c->line) != nl + 1 - c->line)
				fail("write");
			if (epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL) < 0)
				fail("epoll_ctl DEL");
			if (close(c->fd) < 0)
				fail("close");
			c->fd = -1;
			return whole ? 1 : -1;
		}
		/* Level-triggered: one read a wakeup, the rest on the next. */
		if (!edge)
			return 0;
	}
}

/* One client at a time, each call waiting as long as it must. */
static int serve_blocking(int lfd, int want)
{
	for (int served = 0; served < want; served++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		int fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);
		struct client c = { .fd = fd };
		char *nl = NULL;

		if (fd < 0)
			fail("accept4");
		show_peer(&ss);
		while (!nl && c.len < sizeof(c.line) - 1) {
			ssize_t n = recv(fd, c.line + c.len, sizeof(c.line) - 1 - c.len, 0);

			if (n <= 0) {
				printf("a client went before its line was whole\n");
				break;
			}
			c.len += n;
			nl = memchr(c.line, '\n', c.len);
		}
		for (size_t i = 0; i < c.len; i++)
			c.line[i] = toupper((unsigned char)c.line[i]);
		if (nl && send(fd, c.line, nl + 1 - c.line, MSG_NOSIGNAL) != nl + 1 - c.line)
			fail("send");
		close(fd);
	}
	printf("served %d\n", want);
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *in = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	struct epoll_event ev = { .events = EPOLLIN };
	socklen_t len;
	int lfd, ep, one = 1, want, served = 0, early = 0, blocking;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc != 5 || (strcmp(argv[4], "lt") && strcmp(argv[4], "et") &&
			  strcmp(argv[4], "bl"))) {
		fprintf(stderr, "usage: net_server ADDR PORT N lt|et|bl\n");
		return 2;
	}
	want = atoi(argv[3]);
	edge = !strcmp(argv[4], "et");
	blocking = !strcmp(argv[4], "bl");
	if (inet_pton(AF_INET, argv[1], &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons(atoi(argv[2]));
		len = sizeof(*in);
	} else if (inet_pton(AF_INET6, argv[1], &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(atoi(argv[2]));
		len = sizeof(*in6);
	} else {
		fprintf(stderr, "net_server: %s: not an address\n", argv[1]);
		return 2;
	}
	for (int i = 0; i < MAX_CLIENTS; i++)
		clients[i].fd = -1;

	lfd = socket(ss.ss_family, SOCK_STREAM | (blocking ? 0 : SOCK_NONBLOCK) | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		fail("socket");
	if (setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		fail("SO_REUSEADDR");
	if (bind(lfd, (struct sockaddr *)&ss, len) < 0)
		fail("bind");
	if (listen(lfd, 16) < 0)
		fail("listen");
	if (!strcmp(argv[2], "0")) {
		len = sizeof(ss);
		if (getsockname(lfd, (struct sockaddr *)&ss, &len) < 0)
			fail("getsockname");
		printf("port %d\n", ntohs(ss.ss_family == AF_INET ? in->sin_port : in6->sin6_port));
	}
	if (blocking) {
		printf("listening\n");
		return serve_blocking(lfd, want);
	}
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		fail("epoll_create1");
	ev.events |= edge ? EPOLLET : 0;
	ev.data.u32 = MAX_CLIENTS;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) < 0)
		fail("epoll_ctl ADD listener");
	printf("listening\n");

	while (served < want) {
		struct epoll_event out[8];
		/* Clients come within seconds; a wait this long is a test gone
		 * wrong, which should end rather than hang. */
		int n = epoll_wait(ep, out, 8, 30000);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			fail("epoll_wait");
		}
		if (n == 0) {
			printf("no client for 30 s\n");
			return 1;
		}
		for (int i = 0; i < n; i++) {
			if (out[i].data.u32 == MAX_CLIENTS) {
				accept_all(ep, lfd);
			} else {
				int r = serve(ep, &clients[out[i].data.u32]);

				served += r > 0;
				early += r < 0;
			}
		}
	}
	if (early)
		printf("%d went before their line was whole\n", early);
	printf("served %d\n", served);
	close(ep);
	close(lfd);
	return 0;
}
