/* SPDX-License-Identifier: MIT */
/*
 * net_udp - datagrams to a UDP echo server on 127.0.0.1 (the test's),
 * printing what came back and from whom (the server's port or another,
 * never the number), and errno names, so that a native run and one
 * under lstar compare as text (tests/test_net.c).
 *
 *   net_udp echo PORT          sendto and recvfrom on an unbound socket,
 *                              then connect, send and recv, sendmsg and
 *                              recvmsg
 *   net_udp stray PORT         ask the server to send a datagram from
 *                              another port before its answer; print
 *                              where the first one to arrive came from
 *                              (under lstar, a peer no rule names is
 *                              dropped: the server's answer comes first)
 *   net_udp send PORT          one sendto 127.0.0.1:PORT, its errno name
 *   net_udp mmsg PORT          three datagrams in one sendmmsg, the
 *                              answers by recvmmsg
 *   net_udp refused PORT OTHER what a policy naming only 127.0.0.1:PORT
 *                              refuses: sendto, sendmsg and connect to
 *                              other ports and addresses; then the named
 *                              one still answers (under lstar only: some
 *                              would leave the machine)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>

#include "errname.h"

static int server_port;

static socklen_t make_addr(struct sockaddr_storage *ss, const char *host, int port)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		return sizeof(*in);
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		return sizeof(*in6);
	}
	fprintf(stderr, "net_udp: %s: not an address\n", host);
	exit(2);
}

/* The server, or someone else: the only thing about a sender that is
 * the same in every run. */
static const char *who(const struct sockaddr_storage *ss, socklen_t len)
{
	const struct sockaddr_in *in = (const struct sockaddr_in *)ss;

	if (len != sizeof(*in) || in->sin_family != AF_INET)
		return "an address of another kind";
	if (in->sin_addr.s_addr != htonl(INADDR_LOOPBACK))
		return "another address";
	return ntohs(in->sin_port) == server_port ? "the server" : "another port";
}

/* Wait at most ten seconds for a datagram: a lost one fails the test
 * rather than hanging it. */
static int readable(int fd)
{
	int r = poll(&(struct pollfd){ fd, POLLIN, 0 }, 1, 10000);

	if (r != 1)
		printf("poll: %s\n", r < 0 ? errname(errno) : "nothing came in 10 s");
	return r == 1;
}

static void receive(const char *how, int fd)
{
	struct sockaddr_storage from;
	socklen_t len = sizeof(from);
	char buf[256];
	ssize_t n;

	if (!readable(fd))
		return;
	n = recvfrom(fd, buf, sizeof(buf) - 1, 0, (struct sockaddr *)&from, &len);
	if (n < 0) {
		printf("%s: %s\n", how, errname(errno));
		return;
	}
	buf[n] = '\0';
	printf("%s: \"%s\" from %s\n", how, buf, who(&from, len));
}

static int open_udp(int family)
{
	int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		printf("socket: %s\n", errname(errno));
		exit(1);
	}
	return fd;
}

static int echo(void)
{
	struct sockaddr_storage to;
	socklen_t len = make_addr(&to, "127.0.0.1", server_port);
	int fd = open_udp(AF_INET);
	struct iovec iov[2] = { { "send", 4 }, { "msg", 3 } };
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = 2 };
	char a[3], b[16];
	struct iovec riov[2] = { { a, sizeof(a) }, { b, sizeof(b) } };
	struct msghdr rm = { .msg_iov = riov, .msg_iovlen = 2 };
	ssize_t n;

	if (sendto(fd, "ping", 4, 0, (struct sockaddr *)&to, len) != 4)
		printf("sendto: %s\n", errname(errno));
	receive("recvfrom", fd);

	if (connect(fd, (struct sockaddr *)&to, len) < 0)
		printf("connect: %s\n", errname(errno));
	if (send(fd, "connected", 9, 0) != 9)
		printf("send: %s\n", errname(errno));
	receive("recvfrom, connected", fd);
	if (sendmsg(fd, &m, 0) != 7)
		printf("sendmsg: %s\n", errname(errno));
	if (readable(fd)) {
		n = recvmsg(fd, &rm, 0);
		if (n < 0)
			printf("recvmsg: %s\n", errname(errno));
		else
			printf("recvmsg: %zd bytes, \"%.3s\" then \"%.*s\", flags %x\n", n, a,
			       (int)(n > 3 ? n - 3 : 0), b, rm.msg_flags);
	}
	/* A datagram bigger than the buffer: the rest is cut, and said so. */
	if (send(fd, "a longer datagram", 17, 0) != 17)
		printf("send: %s\n", errname(errno));
	if (readable(fd)) {
		riov[1].iov_len = 4;
		rm.msg_flags = 0;
		n = recvmsg(fd, &rm, 0);
		printf("recvmsg, short buffer: %zd bytes, flags %s\n", n,
		       n < 0 ? errname(errno) : rm.msg_flags & MSG_TRUNC ? "MSG_TRUNC" : "none");
	}
	/* Nothing more comes: a receive timeout ends the wait. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &(struct timeval){ 0, 50000 },
		       sizeof(struct timeval)) < 0)
		printf("SO_RCVTIMEO: %s\n", errname(errno));
	printf("recv, nothing to come: %s\n",
	       errname(recv(fd, b, sizeof(b), 0) < 0 ? errno : 0));
	printf("recv MSG_DONTWAIT: %s\n",
	       errname(recv(fd, b, sizeof(b), MSG_DONTWAIT) < 0 ? errno : 0));
	close(fd);
	return 0;
}

static int stray(void)
{
	struct sockaddr_storage to;
	socklen_t len = make_addr(&to, "127.0.0.1", server_port);
	int fd = open_udp(AF_INET);

	if (sendto(fd, "stray", 5, 0, (struct sockaddr *)&to, len) != 5)
		printf("sendto: %s\n", errname(errno));
	receive("first", fd);
	close(fd);
	return 0;
}

static void try_sendto(int fd, const char *what, const char *host, int port)
{
	struct sockaddr_storage to;
	socklen_t len = make_addr(&to, host, port);

	printf("sendto %s: %s\n", what,
	       errname(sendto(fd, "x", 1, 0, (struct sockaddr *)&to, len) < 0 ? errno : 0));
}

static int refused(int other)
{
	struct sockaddr_storage to;
	socklen_t len;
	int fd = open_udp(AF_INET), fd6 = open_udp(AF_INET6), one = 1;
	struct iovec iov = { "x", 1 };
	struct msghdr m = { .msg_name = &to, .msg_iov = &iov, .msg_iovlen = 1 };

	if (setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) < 0)
		printf("SO_BROADCAST: %s\n", errname(errno));
	try_sendto(fd, "127.0.0.1, another port", "127.0.0.1", other);
	try_sendto(fd, "127.0.0.2, the named port", "127.0.0.2", server_port);
	try_sendto(fd, "10.0.0.1:53", "10.0.0.1", 53);
	try_sendto(fd, "192.0.2.1:53", "192.0.2.1", 53);
	try_sendto(fd, "255.255.255.255, the named port", "255.255.255.255", server_port);
	try_sendto(fd, "224.0.0.251:5353", "224.0.0.251", 5353);
	try_sendto(fd6, "[::1], the named port", "::1", server_port);
	try_sendto(fd6, "[ff02::1], the named port", "ff02::1", server_port);
	try_sendto(fd6, "[::ffff:127.0.0.1], another port", "::ffff:127.0.0.1", other);
	m.msg_namelen = make_addr(&to, "127.0.0.1", other);
	printf("sendmsg 127.0.0.1, another port: %s\n",
	       errname(sendmsg(fd, &m, 0) < 0 ? errno : 0));
	{
		/* Each datagram's address is judged: the first, refused, ends
		 * the call; after an allowed one, the count of those sent. */
		struct sockaddr_storage named;
		socklen_t nlen = make_addr(&named, "127.0.0.1", server_port);
		struct mmsghdr mm[2] = {
			{ .msg_hdr = { .msg_name = &to, .msg_namelen = m.msg_namelen,
				       .msg_iov = &iov, .msg_iovlen = 1 } },
			{ .msg_hdr = { .msg_name = &named, .msg_namelen = nlen,
				       .msg_iov = &iov, .msg_iovlen = 1 } },
		};
		int n = sendmmsg(fd, mm, 2, 0);

		printf("sendmmsg, another port first: %d %s\n", n, errname(n < 0 ? errno : 0));
		mm[0].msg_hdr.msg_name = &named;
		mm[0].msg_hdr.msg_namelen = nlen;
		mm[1].msg_hdr.msg_name = &to;
		mm[1].msg_hdr.msg_namelen = m.msg_namelen;
		n = sendmmsg(fd, mm, 2, 0);
		printf("sendmmsg, another port second: %d\n", n);
		/* The one that went is answered: take the answer away. */
		receive("its answer", fd);
	}
	len = make_addr(&to, "127.0.0.1", other);
	printf("connect 127.0.0.1, another port: %s\n",
	       errname(connect(fd, (struct sockaddr *)&to, len) < 0 ? errno : 0));
	/* The socket is as it was: the named port still answers. */
	len = make_addr(&to, "127.0.0.1", server_port);
	if (sendto(fd, "after", 5, 0, (struct sockaddr *)&to, len) != 5)
		printf("sendto the named port: %s\n", errname(errno));
	receive("recvfrom", fd);
	close(fd);
	close(fd6);
	return 0;
}

static int mmsg(void)
{
	struct sockaddr_storage to;
	socklen_t len = make_addr(&to, "127.0.0.1", server_port);
	int fd = open_udp(AF_INET), got = 0;
	static const char *const words[3] = { "one", "two", "three" };
	struct mmsghdr out[3], in[3];
	struct iovec oiov[3], iiov[3];
	char bufs[3][32];

	for (int i = 0; i < 3; i++) {
		oiov[i] = (struct iovec){ (void *)words[i], strlen(words[i]) };
		out[i] = (struct mmsghdr){ .msg_hdr = { .msg_name = &to, .msg_namelen = len,
						       .msg_iov = &oiov[i], .msg_iovlen = 1 } };
	}
	printf("sendmmsg: %d\n", sendmmsg(fd, out, 3, 0));
	for (int i = 0; i < 3; i++)
		printf("  %u bytes\n", out[i].msg_len);
	/* The answers come one by one: take what has come until all three. */
	while (got < 3 && readable(fd)) {
		int n;

		for (int i = 0; i < 3; i++) {
			iiov[i] = (struct iovec){ bufs[i], sizeof(bufs[i]) - 1 };
			in[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iiov[i],
							      .msg_iovlen = 1 } };
		}
		n = recvmmsg(fd, in, 3 - got, MSG_DONTWAIT, NULL);
		if (n < 0) {
			printf("recvmmsg: %s\n", errname(errno));
			break;
		}
		for (int i = 0; i < n; i++) {
			bufs[i][in[i].msg_len] = '\0';
			printf("recvmmsg: \"%s\"\n", bufs[i]);
		}
		got += n;
	}
	close(fd);
	return 0;
}

static int send_once(void)
{
	int fd = open_udp(AF_INET);

	try_sendto(fd, "the named port", "127.0.0.1", server_port);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc >= 3)
		server_port = atoi(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "echo"))
		return echo();
	if (argc == 3 && !strcmp(argv[1], "stray"))
		return stray();
	if (argc == 3 && !strcmp(argv[1], "mmsg"))
		return mmsg();
	if (argc == 3 && !strcmp(argv[1], "send"))
		return send_once();
	if (argc == 4 && !strcmp(argv[1], "refused"))
		return refused(atoi(argv[3]));
	fprintf(stderr, "usage: net_udp echo PORT | stray PORT | mmsg PORT | send PORT | "
		"refused PORT OTHER\n");
	return 2;
}
