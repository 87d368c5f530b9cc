/* SPDX-License-Identifier: MIT */
/*
 * net_client - a TCP client on the plain socket calls, printing what it
 * got and the errno names of what failed, nothing that differs between
 * runs (no ports), so that a native run and a run under lstar compare as
 * text (tests/test_net.c).
 *
 *   net_client echo ADDR PORT     connect to ADDR:PORT (an echo server),
 *                                 send four lines four ways (write,
 *                                 send, sendmsg with two iovecs, sendto
 *                                 without an address), print each line
 *                                 echoed, end the stream, see its end
 *   net_client refused PORT OTHER what the policy must refuse when it
 *                                 names 127.0.0.1:PORT alone: connect to
 *                                 every other kind of address, bind a
 *                                 named port; then connect to PORT
 *                                 through its v4-mapped IPv6 form, which
 *                                 the policy names (run only under lstar:
 *                                 natively some of these would leave the
 *                                 machine)
 *   net_client conns PORT N       N connections to 127.0.0.1:PORT, one
 *                                 line through each, closed
 *   net_client bulk ADDR PORT KIB KIB kibibytes through the echo server on
 *                                 a non-blocking socket, written and read
 *                                 as poll says it may (each side's
 *                                 buffers fill: EAGAIN, partial writes)
 *   net_client try ADDR PORT      connect, blocking and not (then poll
 *                                 and SO_ERROR): what a port nobody
 *                                 listens on answers (ECONNREFUSED, not
 *                                 lstar's EACCES), and one that listens
 *   net_client opts               each socket option servers and clients
 *                                 set (lstar's allow-list), set and read
 *                                 back on TCP and UDP sockets of both
 *                                 families: the host's values, as natively
 *   net_client self PORT          listen on 127.0.0.1:PORT; a thread
 *                                 waits in accept and read while the
 *                                 main thread connects and talks to it
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "errname.h"

/* An IPv4 or IPv6 address and a port, as connect takes it. */
struct addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

static int make_addr(struct addr *a, const char *host, int port)
{
	struct sockaddr_in *in = (struct sockaddr_in *)&a->ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&a->ss;

	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		a->len = sizeof(*in);
		return AF_INET;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		a->len = sizeof(*in6);
		return AF_INET6;
	}
	fprintf(stderr, "net_client: %s: not an address\n", host);
	exit(2);
}

/* No call may wait for ever: a test that goes wrong fails, never hangs. */
static void set_timeouts(int fd)
{
	struct timeval tv = { 10, 0 };

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)))
		printf("timeouts: %s\n", errname(errno));
}

/* Read up to and including a newline into buf (NUL-terminated); the
 * number of bytes, 0 at the end of the stream, -1 with errno. */
static ssize_t read_line(int fd, char *buf, size_t size,
			 ssize_t (*get)(int, char *, size_t))
{
	size_t n = 0;

	while (n + 1 < size) {
		ssize_t r = get(fd, buf + n, size - 1 - n);

		if (r <= 0) {
			if (r < 0)
				return -1;
			break;
		}
		n += r;
		if (memchr(buf, '\n', n))
			break;
	}
	buf[n] = '\0';
	return n;
}

static ssize_t get_read(int fd, char *buf, size_t size)
{
	return read(fd, buf, size);
}

static ssize_t get_recv(int fd, char *buf, size_t size)
{
	return recv(fd, buf, size, 0);
}

static ssize_t get_recvmsg(int fd, char *buf, size_t size)
{
	/* Two iovecs, the first short: the kernel fills them in order. */
	size_t first = size < 3 ? size : 3;
	struct iovec iov[2] = { { buf, first }, { buf + first, size - first } };
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = 2 };
	ssize_t r = recvmsg(fd, &m, 0);

	if (r >= 0 && m.msg_flags)
		printf("recvmsg flags %x\n", m.msg_flags);
	return r;
}

static ssize_t get_recvfrom(int fd, char *buf, size_t size)
{
	struct sockaddr_storage from;
	socklen_t len = sizeof(from);

	return recvfrom(fd, buf, size, 0, (struct sockaddr *)&from, &len);
}

static void show_line(const char *how, int fd, ssize_t (*get)(int, char *, size_t))
{
	char buf[256];
	ssize_t n = read_line(fd, buf, sizeof(buf), get);

	if (n < 0)
		printf("%s: %s\n", how, errname(errno));
	else
		printf("%s: %zd bytes: %s%s", how, n, buf, n && buf[n - 1] == '\n' ? "" : "\n");
}

/* What getsockname and getpeername say, without the ports. */
static void show_names(int fd, const struct addr *peer)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char text[INET6_ADDRSTRLEN];

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
		printf("getsockname: %s\n", errname(errno));
	} else {
		void *a = ss.ss_family == AF_INET
			? (void *)&((struct sockaddr_in *)&ss)->sin_addr
			: (void *)&((struct sockaddr_in6 *)&ss)->sin6_addr;

		printf("getsockname: %s\n", inet_ntop(ss.ss_family, a, text, sizeof(text)));
	}
	len = sizeof(ss);
	if (getpeername(fd, (struct sockaddr *)&ss, &len) < 0)
		printf("getpeername: %s\n", errname(errno));
	else
		printf("getpeername: %s\n", len == peer->len && !memcmp(&ss, &peer->ss, len)
		       ? "the server" : "another address");
}

static int echo(const char *host, int port)
{
	struct addr a;
	int family = make_addr(&a, host, port), fd, one = 1, err = -1, type = -1;
	socklen_t len = sizeof(err);
	char peek[4] = "";
	struct iovec iov[2] = { { "three, ", 7 }, { "sendmsg\n", 8 } };
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = 2 };

	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		printf("socket: %s\n", errname(errno));
		return 1;
	}
	set_timeouts(fd);
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)))
		printf("TCP_NODELAY: %s\n", errname(errno));
	if (connect(fd, (struct sockaddr *)&a.ss, a.len) < 0) {
		printf("connect: %s\n", errname(errno));
		return 1;
	}
	printf("connected\n");
	show_names(fd, &a);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		printf("SO_ERROR: %s\n", errname(errno));
	else
		printf("SO_ERROR: %s\n", errname(err));
	len = sizeof(type);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
		printf("SO_TYPE: %s\n", errname(errno));
	else
		printf("SO_TYPE: %s\n", type == SOCK_STREAM ? "SOCK_STREAM" : "another");

	if (write(fd, "one, write\n", 11) != 11)
		printf("write: %s\n", errname(errno));
	show_line("read", fd, get_read);
	if (send(fd, "two, send\n", 10, MSG_NOSIGNAL) != 10)
		printf("send: %s\n", errname(errno));
	/* Peek first: the bytes stay for the recv that follows. */
	if (poll(&(struct pollfd){ fd, POLLIN, 0 }, 1, 10000) != 1)
		printf("poll: not readable\n");
	if (recv(fd, peek, 3, MSG_PEEK) != 3)
		printf("recv MSG_PEEK: %s\n", errname(errno));
	else
		printf("peeked: %.3s\n", peek);
	show_line("recv", fd, get_recv);
	if (sendmsg(fd, &m, 0) != 15)
		printf("sendmsg: %s\n", errname(errno));
	show_line("recvmsg", fd, get_recvmsg);
	if (sendto(fd, "four, sendto\n", 13, 0, NULL, 0) != 13)
		printf("sendto: %s\n", errname(errno));
	show_line("recvfrom", fd, get_recvfrom);

	/* Our end of the stream: the echo server then closes its own. */
	if (shutdown(fd, SHUT_WR) < 0)
		printf("shutdown: %s\n", errname(errno));
	show_line("after shutdown", fd, get_read);
	if (close(fd) < 0)
		printf("close: %s\n", errname(errno));
	return 0;
}

/* Connect without waiting: what the policy refuses fails at once; what
 * it let through by mistake shows as EINPROGRESS (or the host's own
 * error) rather than a hang. */
static void try_connect(const char *what, const char *host, int port)
{
	struct addr a;
	int family = make_addr(&a, host, port);
	int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		printf("connect %s: socket: %s\n", what, errname(errno));
		return;
	}
	printf("connect %s: %s\n", what,
	       errname(connect(fd, (struct sockaddr *)&a.ss, a.len) < 0 ? errno : 0));
	close(fd);
}

static void try_bind(const char *what, const char *host, int port)
{
	struct addr a;
	int family = make_addr(&a, host, port);
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		printf("bind %s: socket: %s\n", what, errname(errno));
		return;
	}
	printf("bind %s: %s\n", what,
	       errname(bind(fd, (struct sockaddr *)&a.ss, a.len) < 0 ? errno : 0));
	close(fd);
}

static int refused(int port, int other)
{
	struct addr a;
	int fd;

	try_connect("127.0.0.1, another port", "127.0.0.1", other);
	try_connect("127.0.0.2, the named port", "127.0.0.2", port);
	try_connect("0.0.0.0, the named port", "0.0.0.0", port);
	try_connect("10.0.0.1:80", "10.0.0.1", 80);
	try_connect("192.0.2.1:80", "192.0.2.1", 80);
	try_connect("224.0.0.1, the named port", "224.0.0.1", port);
	try_connect("255.255.255.255, the named port", "255.255.255.255", port);
	try_connect("[::1], the named port", "::1", port);
	try_connect("[::], the named port", "::", port);
	try_connect("[::ffff:127.0.0.2], the named port", "::ffff:127.0.0.2", port);
	try_connect("[::ffff:127.0.0.1], another port", "::ffff:127.0.0.1", other);
	try_connect("[2001:db8::1]:80", "2001:db8::1", 80);
	/* Binding needs a listen rule, but an ephemeral port does not. */
	try_bind("127.0.0.1, the named port", "127.0.0.1", port);
	try_bind("0.0.0.0, another port", "0.0.0.0", other);
	try_bind("127.0.0.1:0", "127.0.0.1", 0);
	try_bind("0.0.0.0:0", "0.0.0.0", 0);
	try_bind("[::]:0", "::", 0);

	/* The refusals changed nothing: the named port, written as IPv6. */
	make_addr(&a, "::ffff:127.0.0.1", port);
	fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		printf("socket AF_INET6: %s\n", errname(errno));
		return 1;
	}
	set_timeouts(fd);
	printf("connect [::ffff:127.0.0.1], the named port: %s\n",
	       errname(connect(fd, (struct sockaddr *)&a.ss, a.len) < 0 ? errno : 0));
	if (write(fd, "still here\n", 11) != 11)
		printf("write: %s\n", errname(errno));
	show_line("read", fd, get_read);
	close(fd);
	return 0;
}

static int conns(int port, int n)
{
	struct addr a;

	make_addr(&a, "127.0.0.1", port);
	for (int i = 0; i < n; i++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		char buf[64];

		if (fd < 0 || connect(fd, (struct sockaddr *)&a.ss, a.len) < 0) {
			printf("connection %d: %s\n", i, errname(errno));
			return 1;
		}
		set_timeouts(fd);
		if (write(fd, "x\n", 2) != 2 || read_line(fd, buf, sizeof(buf), get_read) != 2) {
			printf("connection %d: %s\n", i, errname(errno));
			return 1;
		}
		close(fd);
	}
	printf("%d connections\n", n);
	return 0;
}

static int try(const char *host, int port)
{
	struct addr a;
	int family = make_addr(&a, host, port), fd, err = -1, ready;
	struct pollfd pf;
	socklen_t len = sizeof(err);

	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		printf("socket: %s\n", errname(errno));
		return 1;
	}
	set_timeouts(fd);
	printf("connect: %s\n",
	       errname(connect(fd, (struct sockaddr *)&a.ss, a.len) < 0 ? errno : 0));
	close(fd);

	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		printf("socket: %s\n", errname(errno));
		return 1;
	}
	printf("connect, non-blocking: %s\n",
	       errname(connect(fd, (struct sockaddr *)&a.ss, a.len) < 0 ? errno : 0));
	pf = (struct pollfd){ fd, POLLOUT, 0 };
	ready = poll(&pf, 1, 10000);
	printf("poll: %d, revents %x\n", ready, pf.revents);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		printf("SO_ERROR: %s\n", errname(errno));
	else
		printf("SO_ERROR: %s\n", errname(err));
	close(fd);
	return 0;
}

/* An option: its level, name and the int it is set to (-1: read only). */
struct opt {
	const char *name;
	int level, opt, value;
	int type;			/* SOCK_STREAM, SOCK_DGRAM, or 0: both */
	int family;			/* AF_INET, AF_INET6, or 0: both */
};

#define OPT(level, name, value, type, family) { #name, level, name, value, type, family }

static const struct opt opts_table[] = {
	OPT(SOL_SOCKET, SO_REUSEADDR, 1, 0, 0),
	OPT(SOL_SOCKET, SO_REUSEPORT, 1, 0, 0),
	OPT(SOL_SOCKET, SO_KEEPALIVE, 1, SOCK_STREAM, 0),
	OPT(SOL_SOCKET, SO_RCVBUF, 65536, 0, 0),
	OPT(SOL_SOCKET, SO_SNDBUF, 32768, 0, 0),
	OPT(SOL_SOCKET, SO_BROADCAST, 1, SOCK_DGRAM, AF_INET),
	OPT(SOL_SOCKET, SO_ERROR, -1, 0, 0),
	OPT(SOL_SOCKET, SO_TYPE, -1, 0, 0),
	OPT(SOL_SOCKET, SO_DOMAIN, -1, 0, 0),
	OPT(SOL_SOCKET, SO_PROTOCOL, -1, 0, 0),
	OPT(SOL_SOCKET, SO_ACCEPTCONN, -1, 0, 0),
	OPT(IPPROTO_TCP, TCP_NODELAY, 1, SOCK_STREAM, 0),
	OPT(IPPROTO_TCP, TCP_KEEPIDLE, 30, SOCK_STREAM, 0),
	OPT(IPPROTO_TCP, TCP_KEEPINTVL, 5, SOCK_STREAM, 0),
	OPT(IPPROTO_TCP, TCP_KEEPCNT, 3, SOCK_STREAM, 0),
	OPT(IPPROTO_TCP, TCP_CORK, 1, SOCK_STREAM, 0),
	OPT(IPPROTO_IP, IP_TTL, 17, 0, AF_INET),
	OPT(IPPROTO_IPV6, IPV6_V6ONLY, 1, 0, AF_INET6),
	OPT(IPPROTO_IPV6, IPV6_UNICAST_HOPS, 17, 0, AF_INET6),
};

static void show_opts(int family, int type)
{
	int fd = socket(family, type | SOCK_CLOEXEC, 0);
	struct linger lg = { 1, 3 }, lg_back = { 0, 0 };
	struct timeval tv = { 2, 500000 }, tv_back = { 0, 0 };
	socklen_t len;

	printf("%s %s:\n", family == AF_INET ? "AF_INET" : "AF_INET6",
	       type == SOCK_STREAM ? "SOCK_STREAM" : "SOCK_DGRAM");
	if (fd < 0) {
		printf("  socket: %s\n", errname(errno));
		return;
	}
	for (size_t i = 0; i < sizeof(opts_table) / sizeof(opts_table[0]); i++) {
		const struct opt *o = &opts_table[i];
		int v = -1;

		if ((o->type && o->type != type) || (o->family && o->family != family))
			continue;
		if (o->value >= 0 && setsockopt(fd, o->level, o->opt, &o->value, sizeof(int)) < 0) {
			printf("  set %s: %s\n", o->name, errname(errno));
			continue;
		}
		len = sizeof(v);
		if (getsockopt(fd, o->level, o->opt, &v, &len) < 0)
			printf("  get %s: %s\n", o->name, errname(errno));
		else
			printf("  %s: %d (%u bytes)\n", o->name, v, len);
	}
	/* The two that are not ints. */
	len = sizeof(lg_back);
	if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_LINGER, &lg_back, &len) < 0)
		printf("  SO_LINGER: %s\n", errname(errno));
	else
		printf("  SO_LINGER: on %d, %d s\n", lg_back.l_onoff, lg_back.l_linger);
	len = sizeof(tv_back);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv_back, &len) < 0)
		printf("  SO_RCVTIMEO: %s\n", errname(errno));
	else
		printf("  SO_RCVTIMEO: %ld.%06ld s\n", (long)tv_back.tv_sec, (long)tv_back.tv_usec);
	len = sizeof(tv_back);
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv_back, &len) < 0)
		printf("  SO_SNDTIMEO: %s\n", errname(errno));
	else
		printf("  SO_SNDTIMEO: %ld.%06ld s\n", (long)tv_back.tv_sec, (long)tv_back.tv_usec);
	close(fd);
}

static int opts(void)
{
	show_opts(AF_INET, SOCK_STREAM);
	show_opts(AF_INET, SOCK_DGRAM);
	show_opts(AF_INET6, SOCK_STREAM);
	show_opts(AF_INET6, SOCK_DGRAM);
	return 0;
}

/* The byte at offset i of the bulk stream: not a repeating short
 * pattern, so that a lost or repeated chunk shows. */
static unsigned char bulk_byte(uint64_t i)
{
	return (unsigned char)((i * 2654435761u) >> 13);
}

static int bulk(const char *host, int port, long kib)
{
	struct addr a;
	int family = make_addr(&a, host, port);
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	uint64_t total = (uint64_t)kib << 10, sent = 0, got = 0, bad = 0;
	static unsigned char out[256 << 10], in[64 << 10];

	if (fd < 0 || connect(fd, (struct sockaddr *)&a.ss, a.len) < 0) {
		printf("connect: %s\n", errname(errno));
		return 1;
	}
	if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0) {
		printf("O_NONBLOCK: %s\n", errname(errno));
		return 1;
	}
	while (got < total) {
		struct pollfd pf = { fd, POLLIN | (sent < total ? POLLOUT : 0), 0 };
		int r = poll(&pf, 1, 10000);

		if (r <= 0) {
			printf("poll: %s\n", r < 0 ? errname(errno) : "nothing for 10 s");
			return 1;
		}
		if (pf.revents & POLLOUT) {
			size_t len = total - sent < sizeof(out) ? total - sent : sizeof(out);
			ssize_t n;

			for (size_t i = 0; i < len; i++)
				out[i] = bulk_byte(sent + i);
			/* A full buffer (EAGAIN) waits for the next poll. */
			n = write(fd, out, len);
			if (n < 0 && errno != EAGAIN) {
				printf("write: %s\n", errname(errno));
				return 1;
			} else if (n > 0) {
				sent += n;
				if (sent == total && shutdown(fd, SHUT_WR) < 0)
					printf("shutdown: %s\n", errname(errno));
			}
		}
		if (pf.revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = read(fd, in, sizeof(in));

			if (n < 0 && errno != EAGAIN) {
				printf("read: %s\n", errname(errno));
				return 1;
			}
			if (n == 0) {
				printf("the stream ended early\n");
				break;
			}
			for (ssize_t i = 0; i < n; i++)
				bad += in[i] != bulk_byte(got + i);
			got += n > 0 ? n : 0;
		}
	}
	/* Not how often poll woke or a write found the buffer full: that
	 * depends on timing, and must not part the two runs' outputs. */
	printf("sent %llu KiB, got %llu KiB back, %llu bytes differ\n",
	       (unsigned long long)(sent >> 10), (unsigned long long)(got >> 10),
	       (unsigned long long)bad);
	close(fd);
	return 0;
}

/* The thread that waits in accept and read. */
static void *self_server(void *arg)
{
	int lfd = *(int *)arg, c;
	char buf[64];
	ssize_t n;

	c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0) {
		printf("accept4: %s\n", errname(errno));
		return NULL;
	}
	set_timeouts(c);
	n = read_line(c, buf, sizeof(buf), get_read);
	if (n <= 0) {
		printf("server read: %s\n", n < 0 ? errname(errno) : "end of stream");
	} else {
		for (ssize_t i = 0; i < n; i++)
			buf[i] = buf[i] >= 'a' && buf[i] <= 'z' ? buf[i] - 'a' + 'A' : buf[i];
		if (write(c, buf, n) != n)
			printf("server write: %s\n", errname(errno));
	}
	close(c);
	return NULL;
}

static int self(int port)
{
	struct addr a;
	int lfd, fd, one = 1;
	pthread_t t;

	make_addr(&a, "127.0.0.1", port);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(lfd, (struct sockaddr *)&a.ss, a.len) < 0 || listen(lfd, 1) < 0) {
		printf("listen: %s\n", errname(errno));
		return 1;
	}
	if (pthread_create(&t, NULL, self_server, &lfd)) {
		printf("pthread_create failed\n");
		return 1;
	}
	/* A moment, so that the thread is waiting in accept already. */
	nanosleep(&(struct timespec){ 0, 20 * 1000 * 1000 }, NULL);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a.ss, a.len) < 0) {
		printf("connect: %s\n", errname(errno));
		return 1;
	}
	set_timeouts(fd);
	printf("connected to my own listener\n");
	/* Another moment: the thread is then waiting in read. */
	nanosleep(&(struct timespec){ 0, 20 * 1000 * 1000 }, NULL);
	if (write(fd, "to myself\n", 10) != 10)
		printf("write: %s\n", errname(errno));
	show_line("read", fd, get_read);
	pthread_join(t, NULL);
	close(fd);
	close(lfd);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc == 4 && !strcmp(argv[1], "echo"))
		return echo(argv[2], atoi(argv[3]));
	if (argc == 4 && !strcmp(argv[1], "refused"))
		return refused(atoi(argv[2]), atoi(argv[3]));
	if (argc == 4 && !strcmp(argv[1], "conns"))
		return conns(atoi(argv[2]), atoi(argv[3]));
	if (argc == 5 && !strcmp(argv[1], "bulk"))
		return bulk(argv[2], atoi(argv[3]), atol(argv[4]));
	if (argc == 4 && !strcmp(argv[1], "try"))
		return try(argv[2], atoi(argv[3]));
	if (argc == 2 && !strcmp(argv[1], "opts"))
		return opts();
	if (argc == 3 && !strcmp(argv[1], "self"))
		return self(atoi(argv[2]));
	fprintf(stderr, "usage: net_client echo ADDR PORT | refused PORT OTHER | conns PORT N | "
		"bulk ADDR PORT KIB | try ADDR PORT | opts | self PORT\n");
	return 2;
}
