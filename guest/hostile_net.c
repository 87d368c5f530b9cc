/* SPDX-License-Identifier: MIT */
/*
 * hostile_net.c - sockets aimed at the VMM's checks (vmm/sys_net.c):
 * hostile address lengths and families, addresses in shim memory,
 * msghdrs with bad iovecs and control messages, options off the list,
 * abstract names, paths outside the trees; and the sockets that must
 * work (socketpair, a named AF_UNIX server and client, eventfd, UDP on
 * loopback).  One line per call: what it is, then the raw result as an
 * errno name ("ok" for 0, the number for a count).  Raw syscalls: no
 * libc wrapper checks first.  Exits 0 having tried everything.
 *
 *   hostile_net refuse           under a policy without `net` rules
 *   hostile_net named DIR RO     a server and client at DIR/s (DIR in an
 *                                rw tree), binds in RO (a read-only tree)
 *                                and outside every tree
 *   hostile_net connect PATH     connect to the AF_UNIX socket at PATH
 *   hostile_net hostpeer PATH    connect to a host server at PATH that
 *                                sends a descriptor (SCM_RIGHTS): it must
 *                                not arrive
 *   hostile_net inet             under `net connect 127.0.0.1:*`, `net
 *                                connect [::1]:1-65535/udp` and `net
 *                                listen 127.0.0.1:1024-65535` rules
 *   hostile_net wait             waits a signal ends or restarts, and a
 *                                conversation with a forked child
 *   hostile_net sigpipe[_msg]    a send to a closed peer: EPIPE with
 *                                MSG_NOSIGNAL, then death by SIGPIPE
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "errname.h"
#include "rawsys.h"

#include "lstar_abi.h"

#define SHIM_TEXT	(long)(LSTAR_KERNEL_BASE + LSTAR_SHIM_GPA)
#define UNMAPPED	0x10L

#define sys(nr, ...) sys_n(nr, __VA_ARGS__, 0, 0, 0, 0, 0, 0)
#define sys_n(nr, a, b, c, d, e, f, ...) \
	sys6(nr, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))

/* A call's result as the tests read it: "ok", a count, or the errno's
 * name (errname.h), its number for one no name is kept for. */
static const char *result(long r)
{
	static char buf[32];

	if (r == 0)
		return "ok";
	if (r < 0 && r >= -4095 && strcmp(errname((int)-r), "E?"))
		return errname((int)-r);
	if (r < 0)
		snprintf(buf, sizeof(buf), "errno %ld", -r);
	else
		snprintf(buf, sizeof(buf), "%ld", r);
	return buf;
}

#define SHOW(what, call) printf("%s: %s\n", what, result(call))

/* The kernel's struct user_msghdr, every field as wide as the ABI's. */
struct raw_msghdr {
	void *name;
	int namelen, pad1;
	void *iov;
	unsigned long iovlen;
	void *control;
	unsigned long controllen;
	int flags, pad2;
};

/* Addresses to name in a call (each call gets a fresh one). */
static struct sockaddr_un *un(const char *path)
{
	static struct sockaddr_un a[4];
	static int next;
	struct sockaddr_un *u = &a[next++ % 4];

	memset(u, 0, sizeof(*u));
	u->sun_family = AF_UNIX;
	memcpy(u->sun_path, path, strlen(path) < sizeof(u->sun_path) ? strlen(path) : sizeof(u->sun_path));
	return u;
}

static struct sockaddr_in *in4(int family, uint32_t addr, uint16_t port)
{
	static struct sockaddr_in a[4];
	static int next;
	struct sockaddr_in *i = &a[next++ % 4];

	memset(i, 0, sizeof(*i));
	i->sin_family = (sa_family_t)family;
	i->sin_addr.s_addr = htonl(addr);
	i->sin_port = htons(port);
	return i;
}

static struct sockaddr_in6 *in6(const uint8_t *addr, uint16_t port)
{
	static struct sockaddr_in6 a[4];
	static int next;
	struct sockaddr_in6 *i = &a[next++ % 4];

	memset(i, 0, sizeof(*i));
	i->sin6_family = AF_INET6;
	memcpy(&i->sin6_addr, addr, 16);
	i->sin6_port = htons(port);
	return i;
}

static int *ints(int a, int b)
{
	static int v[4][2];
	static int next;
	int *p = v[next++ % 4];

	p[0] = a;
	p[1] = b;
	return p;
}

/* Which descriptors are open, as a bit mask of 0..63. */
static unsigned long long open_fds(void)
{
	unsigned long long m = 0;

	for (int fd = 0; fd < 64; fd++)
		if (sys(SYS_fcntl, fd, F_GETFD) >= 0)
			m |= 1ULL << fd;
	return m;
}

static void families(void)
{
	SHOW("socket AF_INET stream", sys(SYS_socket, AF_INET, SOCK_STREAM, 0));
	SHOW("socket AF_INET6 dgram", sys(SYS_socket, AF_INET6, SOCK_DGRAM, 0));
	SHOW("socket AF_INET raw", sys(SYS_socket, AF_INET, SOCK_RAW, IPPROTO_ICMP));
	SHOW("socket AF_NETLINK", sys(SYS_socket, AF_NETLINK, SOCK_RAW, 0));
	SHOW("socket AF_PACKET", sys(SYS_socket, AF_PACKET, SOCK_RAW, 0));
	SHOW("socket AF_VSOCK", sys(SYS_socket, 40, SOCK_STREAM, 0));
	SHOW("socket family -1", sys(SYS_socket, -1, SOCK_STREAM, 0));
	SHOW("socket family 2^32+1", sys(SYS_socket, (1L << 32) | AF_UNIX, SOCK_STREAM, 0) >= 0 ?
	     0 : -1L);
	SHOW("socket AF_UNIX raw", sys(SYS_socket, AF_UNIX, SOCK_RAW, 0));
	SHOW("socket AF_UNIX packet", sys(SYS_socket, AF_UNIX, SOCK_PACKET, 0));
	SHOW("socket AF_UNIX type 99", sys(SYS_socket, AF_UNIX, 99, 0));
	SHOW("socket AF_UNIX bad flags", sys(SYS_socket, AF_UNIX, SOCK_STREAM | 0x10000, 0));
	SHOW("socket AF_UNIX protocol 7", sys(SYS_socket, AF_UNIX, SOCK_STREAM, 7));
	SHOW("socketpair AF_INET", sys(SYS_socketpair, AF_INET, SOCK_STREAM, 0, ints(0, 0)));
	SHOW("socketpair AF_NETLINK", sys(SYS_socketpair, AF_NETLINK, SOCK_DGRAM, 0,
					  ints(0, 0)));
	SHOW("socketpair into shim", sys(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, SHIM_TEXT));
	SHOW("connect on a pipe", sys(SYS_connect, 0, un("x"),
				      sizeof(struct sockaddr_un)));
	SHOW("connect on fd 999", sys(SYS_connect, 999, 0, 0));
}

/* Address lengths and places, on an AF_UNIX socket. */
static void addresses(void)
{
	struct sockaddr_un sun = *un("sock"), abstract = *un("");
	struct sockaddr_in sin = *in4(AF_INET, 0x7f000001, 80);
	char big[512];
	long s = sys(SYS_socket, AF_UNIX, SOCK_STREAM, 0), d = sys(SYS_socket, AF_UNIX, SOCK_DGRAM, 0);

	memcpy(abstract.sun_path + 1, "lstar-abs", 9);
	memset(big, 'a', sizeof(big));
	big[0] = AF_UNIX;
	big[1] = 0;
	SHOW("connect len 0", sys(SYS_connect, s, &sun, 0));
	SHOW("connect len 1", sys(SYS_connect, s, &sun, 1));
	SHOW("connect len 2", sys(SYS_connect, s, &sun, 2));
	SHOW("connect len 111", sys(SYS_connect, s, big, 111));
	SHOW("connect len 129", sys(SYS_connect, s, big, 129));
	SHOW("connect len 4096", sys(SYS_connect, s, big, 4096));
	SHOW("connect len -1", sys(SYS_connect, s, &sun, -1));
	SHOW("connect len 2^32+8", sys(SYS_connect, s, &sun, (1L << 32) | 8));
	SHOW("connect addr unmapped", sys(SYS_connect, s, UNMAPPED, sizeof(sun)));
	SHOW("connect addr shim", sys(SYS_connect, s, SHIM_TEXT, sizeof(sun)));
	SHOW("connect AF_INET to unix", sys(SYS_connect, s, &sin, sizeof(sin)));
	SHOW("connect abstract", sys(SYS_connect, s, &abstract, sizeof(abstract)));
	SHOW("bind abstract", sys(SYS_bind, s, &abstract, sizeof(abstract)));
	SHOW("bind autobind", sys(SYS_bind, d, &sun, sizeof(sa_family_t)));
	SHOW("bind outside trees", sys(SYS_bind, s, un("/lstar-none/s"),
				       sizeof(sun)));
	SHOW("connect outside trees", sys(SYS_connect, s,
					  un("/lstar-none/s"),
					  sizeof(sun)));
	SHOW("connect /dev/null", sys(SYS_connect, s, un("/dev/null"),
				      sizeof(sun)));
	SHOW("sendto abstract", sys(SYS_sendto, d, "x", 1, 0, &abstract, sizeof(abstract)));
	SHOW("sendto addr shim", sys(SYS_sendto, d, "x", 1, 0, SHIM_TEXT, sizeof(sun)));
	SHOW("sendto len -5", sys(SYS_sendto, d, "x", 1, 0, &sun, -5));
	SHOW("sendto buf shim", sys(SYS_sendto, d, SHIM_TEXT, 16, 0, &sun, sizeof(sun)));
	SHOW("getsockname into shim", sys(SYS_getsockname, s, SHIM_TEXT, ints(16, 0)));
	SHOW("getsockname len in shim", sys(SYS_getsockname, s, &sun, SHIM_TEXT));
	SHOW("getsockname len -1", sys(SYS_getsockname, s, &sun, ints(-1, 0)));
	SHOW("getpeername unconnected", sys(SYS_getpeername, s, &sun, ints(sizeof(sun), 0)));
	SHOW("accept not listening", sys(SYS_accept4, s, 0, 0, SOCK_NONBLOCK));
	SHOW("accept4 bad flags", sys(SYS_accept4, s, 0, 0, 0x40));
	sys(SYS_close, s);
	sys(SYS_close, d);
}

/* A socketpair's messages: hostile msghdrs, control messages, options. */
static void messages(void)
{
	int sv[2], fds[1] = { 0 };
	char buf[64], cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { buf, sizeof(buf) }, bad_iov = { (void *)SHIM_TEXT, 16 };
	struct iovec huge[2] = { { buf, 1 }, { buf, (size_t)-1 / 2 + 8 } };
	struct raw_msghdr m = { .iov = &iov, .iovlen = 1 };
	struct cmsghdr *c = (struct cmsghdr *)cbuf;
	struct timespec bad_ts = { 0, -1 };
	static char big_name[256] = { AF_UNIX };
	long r;

	SHOW("socketpair stream", sys(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, sv));
	/* Ordinary traffic first. */
	SHOW("send", sys(SYS_sendto, sv[0], "hello", 5, 0, 0, 0));
	r = sys(SYS_recvfrom, sv[1], buf, sizeof(buf), 0, 0, 0);
	printf("recv: %s %.*s\n", result(r), r > 0 ? (int)r : 0, buf);
	SHOW("send with flag 0x80000", sys(SYS_sendto, sv[0], "x", 1, 0x80000, 0, 0));
	SHOW("recv with MSG_ERRQUEUE", sys(SYS_recvfrom, sv[1], buf, 1, MSG_ERRQUEUE, 0, 0));
	SHOW("recv nothing waiting", sys(SYS_recvfrom, sv[1], buf, 1, MSG_DONTWAIT, 0, 0));
	SHOW("recv into shim", sys(SYS_recvfrom, sv[1], SHIM_TEXT, 16, MSG_DONTWAIT, 0, 0));
	SHOW("send on a pipe's end", sys(SYS_sendto, 1, "x", 1, 0, 0, 0));

	/* SCM_RIGHTS out of the sandbox: refused, whatever the length says. */
	c->cmsg_len = CMSG_LEN(sizeof(int));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	memcpy(CMSG_DATA(c), fds, sizeof(int));
	m.control = cbuf;
	m.controllen = sizeof(cbuf);
	SHOW("sendmsg SCM_RIGHTS", sys(SYS_sendmsg, sv[0], &m, 0));
	m.controllen = ~0UL;
	SHOW("sendmsg controllen huge", sys(SYS_sendmsg, sv[0], &m, 0));
	m.control = (void *)SHIM_TEXT;
	m.controllen = 64;
	SHOW("sendmsg control in shim", sys(SYS_sendmsg, sv[0], &m, 0));
	m.control = NULL;
	m.controllen = 0;

	/* The iovec array and its pieces. */
	m.iov = &bad_iov;
	SHOW("sendmsg iov base shim", sys(SYS_sendmsg, sv[0], &m, 0));
	m.iov = (void *)SHIM_TEXT;
	SHOW("sendmsg iov array in shim", sys(SYS_sendmsg, sv[0], &m, 0));
	m.iov = &iov;
	m.iovlen = 1025;
	SHOW("sendmsg iovlen 1025", sys(SYS_sendmsg, sv[0], &m, 0));
	m.iovlen = ~0UL;
	SHOW("sendmsg iovlen ~0", sys(SYS_sendmsg, sv[0], &m, 0));
	m.iov = huge;
	m.iovlen = 2;
	SHOW("sendmsg iov total > SSIZE_MAX", sys(SYS_sendmsg, sv[0], &m, 0));
	m.iov = &iov;
	m.iovlen = 1;
	m.namelen = -1;
	m.name = buf;
	SHOW("sendmsg namelen -1", sys(SYS_sendmsg, sv[0], &m, 0));
	m.namelen = 16;
	m.name = (void *)SHIM_TEXT;
	SHOW("sendmsg name in shim", sys(SYS_sendmsg, sv[0], &m, 0));
	m.namelen = 100000;		/* cut to a sockaddr_storage, as Linux */
	m.name = big_name;
	SHOW("sendmsg namelen 100000 on a stream", sys(SYS_sendmsg, sv[0], &m, 0));
	m.name = NULL;
	m.namelen = 0;
	SHOW("sendmsg msghdr in shim", sys(SYS_sendmsg, sv[0], SHIM_TEXT, 0));
	SHOW("recvmsg msghdr in shim", sys(SYS_recvmsg, sv[1], SHIM_TEXT, MSG_DONTWAIT));
	m.iov = &bad_iov;
	SHOW("recvmsg iov base shim", sys(SYS_recvmsg, sv[1], &m, MSG_DONTWAIT));
	m.iov = &iov;
	iov.iov_len = 5;
	SHOW("sendmsg", sys(SYS_sendmsg, sv[0], &m, 0));
	iov.iov_len = sizeof(buf);
	m.control = cbuf;
	m.controllen = sizeof(cbuf);
	m.flags = 0;
	r = sys(SYS_recvmsg, sv[1], &m, 0);
	printf("recvmsg: %s, controllen %lu, flags 0x%x\n", result(r), m.controllen, m.flags);
	m.control = NULL;
	m.controllen = 0;

	/* sendmmsg and recvmmsg: vlen past UIO_MAXIOV, the array unmapped. */
	{
		struct { struct raw_msghdr h; unsigned len, pad; } mm[2] = {
			{ .h = { .iov = &iov, .iovlen = 1 } }, { .h = { .iov = &iov, .iovlen = 1 } },
		};

		iov.iov_len = 3;
		SHOW("sendmmsg 2", sys(SYS_sendmmsg, sv[0], mm, 2, 0));
		printf("sendmmsg lengths: %u %u\n", mm[0].len, mm[1].len);
		iov.iov_len = sizeof(buf);
		SHOW("recvmmsg waitforone", sys(SYS_recvmmsg, sv[1], mm, 2, MSG_WAITFORONE, 0));
		SHOW("sendmmsg array in shim", sys(SYS_sendmmsg, sv[0], SHIM_TEXT, 2, 0));
		SHOW("recvmmsg timeout in shim", sys(SYS_recvmmsg, sv[1], mm, 2, MSG_DONTWAIT,
						     SHIM_TEXT));
		SHOW("recvmmsg timeout bad", sys(SYS_recvmmsg, sv[1], mm, 2, MSG_DONTWAIT,
						 &bad_ts));
		SHOW("recvmmsg vlen 2^32-1 nothing", sys(SYS_recvmmsg, sv[1], mm, 0xffffffffL,
							 MSG_DONTWAIT, 0));
	}

	/* Options: on the list or not, and hostile lengths. */
	{
		int one = 1, len = sizeof(int), type = 0;

		SHOW("setsockopt SO_REUSEADDR", sys(SYS_setsockopt, sv[0], SOL_SOCKET, SO_REUSEADDR,
						    &one, sizeof(one)));
		SHOW("setsockopt SO_BINDTODEVICE", sys(SYS_setsockopt, sv[0], SOL_SOCKET,
						       SO_BINDTODEVICE, "lo", 3));
		SHOW("setsockopt SO_MARK", sys(SYS_setsockopt, sv[0], SOL_SOCKET, SO_MARK, &one,
					       sizeof(one)));
		SHOW("setsockopt SO_PASSCRED", sys(SYS_setsockopt, sv[0], SOL_SOCKET, SO_PASSCRED,
						   &one, sizeof(one)));
		SHOW("setsockopt level 999", sys(SYS_setsockopt, sv[0], 999, 1, &one, sizeof(one)));
		SHOW("setsockopt optlen -1", sys(SYS_setsockopt, sv[0], SOL_SOCKET, SO_REUSEADDR,
						 &one, -1));
		SHOW("setsockopt optlen 1", sys(SYS_setsockopt, sv[0], SOL_SOCKET, SO_REUSEADDR,
						&one, 1));
		SHOW("setsockopt optlen 2^31-1", sys(SYS_setsockopt, sv[0], SOL_SOCKET,
						     SO_REUSEADDR, &one, 0x7fffffff));
		SHOW("setsockopt optval shim", sys(SYS_setsockopt, sv[0], SOL_SOCKET, SO_REUSEADDR,
						   SHIM_TEXT, sizeof(one)));
		SHOW("setsockopt SO_TYPE", sys(SYS_setsockopt, sv[0], SOL_SOCKET, SO_TYPE, &one,
					       sizeof(one)));
		r = sys(SYS_getsockopt, sv[0], SOL_SOCKET, SO_TYPE, &type, &len);
		printf("getsockopt SO_TYPE: %s %d len %d\n", result(r), type, len);
		SHOW("getsockopt SO_PEERCRED", sys(SYS_getsockopt, sv[0], SOL_SOCKET, SO_PEERCRED,
						   buf, &len));
		len = -1;
		SHOW("getsockopt optlen -1", sys(SYS_getsockopt, sv[0], SOL_SOCKET, SO_TYPE, &type,
						 &len));
		SHOW("getsockopt optlen in shim", sys(SYS_getsockopt, sv[0], SOL_SOCKET, SO_TYPE,
						      &type, SHIM_TEXT));
		len = 1000;
		r = sys(SYS_getsockopt, sv[0], SOL_SOCKET, SO_TYPE, buf, &len);
		printf("getsockopt optlen 1000: %s len %d\n", result(r), len);
		len = sizeof(int);
		SHOW("getsockopt optval in shim", sys(SYS_getsockopt, sv[0], SOL_SOCKET, SO_TYPE,
						      SHIM_TEXT, &len));
		SHOW("setsockopt on a pipe's end", sys(SYS_setsockopt, 1, SOL_SOCKET, SO_REUSEADDR,
						       &one, sizeof(one)));
	}

	/* The end of a conversation: shutdown, EPIPE without a signal. */
	SHOW("shutdown write", sys(SYS_shutdown, sv[0], SHUT_WR));
	SHOW("recv after shutdown", sys(SYS_recvfrom, sv[1], buf, sizeof(buf), 0, 0, 0));
	SHOW("send after shutdown nosignal", sys(SYS_sendto, sv[0], "x", 1, MSG_NOSIGNAL, 0, 0));
	SHOW("shutdown how 7", sys(SYS_shutdown, sv[0], 7));
	sys(SYS_close, sv[0]);
	sys(SYS_close, sv[1]);
}

static void eventfds(void)
{
	unsigned long long v = 0;
	long e = sys(SYS_eventfd2, 3, EFD_NONBLOCK | EFD_CLOEXEC);

	SHOW("eventfd2 bad flags", sys(SYS_eventfd2, 0, 0x4));
	SHOW("eventfd2", e >= 0 ? 0 : e);
	SHOW("eventfd write", sys(SYS_write, e, ints(4, 0), 8));
	SHOW("eventfd read", sys(SYS_read, e, &v, 8));
	printf("eventfd value: %llu\n", v);
	SHOW("eventfd read empty", sys(SYS_read, e, &v, 8));
	SHOW("eventfd read short", sys(SYS_read, e, &v, 4));
	SHOW("eventfd (old)", sys(SYS_eventfd, 0) >= 0 ? 0 : -1);
}

/* A named server and client in one process, in the rw tree dir. */
static int named(const char *dir, const char *ro)
{
	struct sockaddr_un a = *un(""), got;
	int len = sizeof(got);
	long srv = sys(SYS_socket, AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	long cli = sys(SYS_socket, AF_UNIX, SOCK_STREAM, 0), conn, r;
	char buf[16];

	snprintf(a.sun_path, sizeof(a.sun_path), "%s/s", dir);
	SHOW("bind", sys(SYS_bind, srv, &a, sizeof(a)));
	SHOW("bind again", sys(SYS_bind, cli, &a, sizeof(a)));
	SHOW("listen", sys(SYS_listen, srv, 4));
	SHOW("accept none yet", sys(SYS_accept4, srv, 0, 0, 0));
	SHOW("connect", sys(SYS_connect, cli, &a, sizeof(a)));
	conn = sys(SYS_accept4, srv, &got, &len, SOCK_CLOEXEC);
	printf("accept: %s, len %d, family %d\n", conn >= 0 ? "ok" : result(conn), len,
	       got.sun_family);
	memset(&got, 0, sizeof(got));
	len = sizeof(got);
	r = sys(SYS_getsockname, srv, &got, &len);
	printf("getsockname: %s %s %s\n", result(r), got.sun_path,
	       len == (int)(offsetof(struct sockaddr_un, sun_path) + strlen(a.sun_path) + 1) ?
	       "len ok" : "len wrong");
	memset(&got, 0, sizeof(got));
	len = sizeof(got);
	r = sys(SYS_getpeername, cli, &got, &len);
	printf("getpeername: %s %s\n", result(r), got.sun_path);
	memset(&got, 0, sizeof(got));
	len = 4;
	r = sys(SYS_getsockname, srv, &got, &len);
	printf("getsockname cut: %s len %d, path[0..1] %.2s\n", result(r), len, got.sun_path);
	SHOW("send", sys(SYS_sendto, cli, "ping", 4, 0, 0, 0));
	r = sys(SYS_recvfrom, conn, buf, sizeof(buf), 0, 0, 0);
	printf("recv: %s %.*s\n", result(r), r > 0 ? (int)r : 0, buf);
	SHOW("sendto with address on stream", sys(SYS_sendto, cli, "x", 1, 0, &a, sizeof(a)));
	sys(SYS_close, conn);
	sys(SYS_close, cli);
	sys(SYS_close, srv);

	/* Datagrams to a named socket. */
	srv = sys(SYS_socket, AF_UNIX, SOCK_DGRAM, 0);
	cli = sys(SYS_socket, AF_UNIX, SOCK_DGRAM, 0);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s/d", dir);
	SHOW("bind dgram", sys(SYS_bind, srv, &a, sizeof(a)));
	SHOW("sendto dgram", sys(SYS_sendto, cli, "dg", 2, 0, &a, sizeof(a)));
	len = sizeof(got);
	r = sys(SYS_recvfrom, srv, buf, sizeof(buf), 0, &got, &len);
	printf("recvfrom dgram: %s %.*s namelen %d\n", result(r), r > 0 ? (int)r : 0, buf, len);

	snprintf(a.sun_path, sizeof(a.sun_path), "%s/s", ro);
	SHOW("bind in read-only tree", sys(SYS_bind, cli, &a, sizeof(a)));
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", dir);
	SHOW("bind the tree's root", sys(SYS_bind, cli, &a, sizeof(a)));
	snprintf(a.sun_path, sizeof(a.sun_path), "%s/none/s", dir);
	SHOW("bind in a missing directory", sys(SYS_bind, cli, &a, sizeof(a)));
	SHOW("bind outside trees", sys(SYS_bind, cli, un("/lstar-x/s"),
				       sizeof(a)));
	return 0;
}

static int connect_to(const char *path)
{
	struct sockaddr_un a = *un("");
	long s = sys(SYS_socket, AF_UNIX, SOCK_STREAM, 0);

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	SHOW("connect", sys(SYS_connect, s, &a, sizeof(a)));
	return 0;
}

/* A host server sends "fd" with a descriptor: the data comes, the
 * descriptor does not, and no new descriptor is open. */
static int hostpeer(const char *path)
{
	struct sockaddr_un a = *un("");
	char buf[16], cbuf[256];
	struct iovec iov = { buf, sizeof(buf) };
	struct raw_msghdr m = { .iov = &iov, .iovlen = 1, .control = cbuf,
				.controllen = sizeof(cbuf) };
	long s = sys(SYS_socket, AF_UNIX, SOCK_STREAM, 0), r;
	unsigned long long before;

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	SHOW("connect", sys(SYS_connect, s, &a, sizeof(a)));
	before = open_fds();
	r = sys(SYS_recvmsg, s, &m, 0);
	printf("recvmsg: %s %.*s, controllen %lu, ctrunc %s\n", result(r), r > 0 ? (int)r : 0, buf,
	       m.controllen, m.flags & MSG_CTRUNC ? "yes" : "no");
	printf("new descriptors: %s\n", open_fds() == before ? "none" : "some");
	return 0;
}

/* Under `net connect 127.0.0.1:*` and `net listen 127.0.0.1:1024-65535`. */
static int inet(void)
{
	static const uint8_t v6_one[16] = { [15] = 1 }, v6_two[16] = { [15] = 2 };
	static const uint8_t v6_mapped[16] = { [10] = 0xff, [11] = 0xff, 10, 0, 0, 1 };
	struct sockaddr_in lo = *in4(AF_INET, 0x7f000001, 0), lo2 = *in4(AF_INET, 0x7f000002, 0);
	struct sockaddr_in far = *in4(AF_INET, 0x0a000001, 80);
	static const uint8_t v6_zero[16];
	struct sockaddr_in6 six = *in6(v6_zero, 80);
	struct sockaddr_in got;
	int len = sizeof(got);
	long t = sys(SYS_socket, AF_INET, SOCK_STREAM, 0), t6 = sys(SYS_socket, AF_INET6, SOCK_STREAM, 0);
	long a, b, c, srv, cli, conn, r;
	char buf[16];

	SHOW("socket AF_INET", t >= 0 ? 0 : t);
	SHOW("socket AF_INET6", t6 >= 0 ? 0 : t6);
	SHOW("socket AF_INET raw", sys(SYS_socket, AF_INET, SOCK_RAW, IPPROTO_ICMP));
	SHOW("socket AF_INET icmp", sys(SYS_socket, AF_INET, SOCK_DGRAM, IPPROTO_ICMP));
	SHOW("socket AF_INET seqpacket", sys(SYS_socket, AF_INET, SOCK_SEQPACKET, 0));
	SHOW("connect 10.0.0.1:80", sys(SYS_connect, t, &far, sizeof(far)));
	SHOW("connect len 15", sys(SYS_connect, t, &far, 15));
	SHOW("connect len 1", sys(SYS_connect, t, &far, 1));
	SHOW("connect AF_INET6 addr", sys(SYS_connect, t, &six, sizeof(six)));
	SHOW("connect AF_UNIX addr", sys(SYS_connect, t, un("x"), 110));
	SHOW("connect v6 len 23", sys(SYS_connect, t6, &six, 23));
	SHOW("connect v6 AF_INET addr", sys(SYS_connect, t6, &far, sizeof(far)));
	SHOW("connect v6 ::1:80", sys(SYS_connect, t6, in6(v6_one, 80), sizeof(six)));
	SHOW("connect v6 ::ffff:10.0.0.1", sys(SYS_connect, t6, in6(v6_mapped, 80), sizeof(six)));
	SHOW("bind 10.0.0.1:80", sys(SYS_bind, t, &far, sizeof(far)));
	/* The wildcard: on a port a `net listen` rule covers (one free
	 * now), and on one none does. */
	len = sizeof(got);
	a = sys(SYS_socket, AF_INET, SOCK_STREAM, 0);
	sys(SYS_bind, a, &lo, sizeof(lo));
	sys(SYS_getsockname, a, &got, &len);
	sys(SYS_close, a);
	SHOW("bind 0.0.0.0:free", sys(SYS_bind, t, in4(AF_INET, 0, ntohs(got.sin_port)),
				      sizeof(far)));
	a = sys(SYS_socket, AF_INET, SOCK_STREAM, 0);
	SHOW("bind 0.0.0.0:80", sys(SYS_bind, a, in4(AF_INET, 0, 80), sizeof(far)));
	sys(SYS_close, a);

	/* UDP to itself on loopback, and a sender the rules do not name. */
	a = sys(SYS_socket, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	b = sys(SYS_socket, AF_INET, SOCK_DGRAM, 0);
	c = sys(SYS_socket, AF_INET, SOCK_DGRAM, 0);
	SHOW("bind udp 127.0.0.1:0", sys(SYS_bind, a, &lo, sizeof(lo)));
	SHOW("bind udp 127.0.0.2:0", sys(SYS_bind, b, &lo2, sizeof(lo2)));
	SHOW("bind udp AF_UNSPEC any", sys(SYS_bind, c, in4(AF_UNSPEC, 0, 0),
					   sizeof(lo)));
	sys(SYS_getsockname, a, &got, &len);
	SHOW("sendto itself", sys(SYS_sendto, a, "self", 4, 0, &got, sizeof(got)));
	r = sys(SYS_recvfrom, a, buf, sizeof(buf), 0, 0, 0);
	printf("recvfrom itself: %s %.*s\n", result(r), r > 0 ? (int)r : 0, buf);
	SHOW("sendto from 127.0.0.2", sys(SYS_sendto, b, "far", 3, 0, &got, sizeof(got)));
	SHOW("recvfrom a refused peer", sys(SYS_recvfrom, a, buf, sizeof(buf), 0, 0, 0));
	SHOW("sendto from 127.0.0.2 again", sys(SYS_sendto, b, "far", 3, 0, &got, sizeof(got)));
	SHOW("read a refused peer", sys(SYS_read, a, buf, sizeof(buf)));
	SHOW("sendto 127.0.0.2", sys(SYS_sendto, a, "x", 1, 0, &lo2, sizeof(lo2)));
	SHOW("sendto AF_UNSPEC 10.0.0.1", sys(SYS_sendto, c, "x", 1, 0, in4(AF_UNSPEC, 0x0a000001, 80),
					       sizeof(lo)));
	SHOW("sendto 10.0.0.1", sys(SYS_sendto, c, "x", 1, 0, &far, sizeof(far)));
	SHOW("sendto from 127.0.0.1", sys(SYS_sendto, c, "near", 4, 0, &got, sizeof(got)));
	r = sys(SYS_recvfrom, a, buf, sizeof(buf), 0, 0, 0);
	printf("recvfrom 127.0.0.1: %s %.*s\n", result(r), r > 0 ? (int)r : 0, buf);

	/* The other ways a refused peer's datagram could come in: its size
	 * (FIONREAD), sendfile into a pipe, and the queue a connect leaves
	 * (Linux filters only what arrives after it). */
	{
		int pending = -1, p[2];
		struct sockaddr_in cgot;
		int clen = sizeof(cgot);

		SHOW("sendto from 127.0.0.2, for FIONREAD", sys(SYS_sendto, b, "far", 3, 0, &got,
								 sizeof(got)));
		r = sys(SYS_ioctl, a, FIONREAD, &pending);
		printf("FIONREAD of a refused peer's: %s, %d\n", result(r), pending);
		sys(SYS_pipe2, p, 0);
		SHOW("sendto from 127.0.0.2, for sendfile", sys(SYS_sendto, b, "far", 3, 0, &got,
								 sizeof(got)));
		SHOW("sendfile from a socket", sys(SYS_sendfile, p[1], a, 0, 64));
		sys(SYS_recvfrom, a, buf, sizeof(buf), 0, 0, 0);	/* dropped: EAGAIN */
		SHOW("sendto from 127.0.0.2, before connect", sys(SYS_sendto, b, "early", 5, 0, &got,
								   sizeof(got)));
		sys(SYS_getsockname, c, &cgot, &clen);
		cgot.sin_addr.s_addr = htonl(0x7f000001);
		SHOW("connect udp to 127.0.0.1", sys(SYS_connect, a, &cgot, sizeof(cgot)));
		SHOW("recvfrom what came before connect",
		     sys(SYS_recvfrom, a, buf, sizeof(buf), MSG_DONTWAIT, 0, 0));
	}

	/* IPv6 UDP to itself on ::1; a send of AF_UNSPEC from an IPv6
	 * socket has no address (Linux's rule), so it needs a peer. */
	{
		struct sockaddr_in6 me;
		int mlen = sizeof(me);
		long u = sys(SYS_socket, AF_INET6, SOCK_DGRAM, 0);

		SHOW("bind udp [::1]:0", sys(SYS_bind, u, in6(v6_one, 0), sizeof(six)));
		sys(SYS_getsockname, u, &me, &mlen);
		SHOW("sendto itself on ::1", sys(SYS_sendto, u, "six", 3, 0, &me, sizeof(me)));
		mlen = sizeof(me);
		r = sys(SYS_recvfrom, u, buf, sizeof(buf), MSG_DONTWAIT, &me, &mlen);
		printf("recvfrom itself on ::1: %s %.*s, namelen %d\n", result(r), r > 0 ? (int)r : 0,
		       buf, mlen);
		SHOW("sendto AF_UNSPEC from v6", sys(SYS_sendto, u, "x", 1, 0, in4(AF_UNSPEC, 0, 80),
						     sizeof(lo)));
		SHOW("sendto ::2 from v6", sys(SYS_sendto, u, "x", 1, 0, in6(v6_two, 53), sizeof(six)));
		SHOW("connect udp AF_UNSPEC", sys(SYS_connect, u, in4(AF_UNSPEC, 0, 0), sizeof(lo)));
	}

	/* TCP on loopback: a peer from 127.0.0.2 is closed, one from
	 * 127.0.0.1 accepted. */
	srv = sys(SYS_socket, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	SHOW("bind tcp 127.0.0.1:0", sys(SYS_bind, srv, &lo, sizeof(lo)));
	SHOW("listen", sys(SYS_listen, srv, 4));
	len = sizeof(got);
	sys(SYS_getsockname, srv, &got, &len);
	cli = sys(SYS_socket, AF_INET, SOCK_STREAM, 0);
	sys(SYS_bind, cli, &lo2, sizeof(lo2));
	SHOW("connect from 127.0.0.2", sys(SYS_connect, cli, &got, sizeof(got)));
	SHOW("accept a refused peer", sys(SYS_accept4, srv, 0, 0, 0));
	SHOW("read on the refused side", sys(SYS_read, cli, buf, sizeof(buf)));
	sys(SYS_close, cli);
	cli = sys(SYS_socket, AF_INET, SOCK_STREAM, 0);
	SHOW("connect from 127.0.0.1", sys(SYS_connect, cli, &got, sizeof(got)));
	len = sizeof(lo);
	conn = sys(SYS_accept4, srv, &lo, &len, 0);
	printf("accept: %s len %d\n", conn >= 0 ? "ok" : result(conn), len);
	SHOW("send", sys(SYS_sendto, cli, "tcp", 3, 0, 0, 0));
	r = sys(SYS_recvfrom, conn, buf, sizeof(buf), 0, 0, 0);
	printf("recv: %s %.*s\n", result(r), r > 0 ? (int)r : 0, buf);
	SHOW("sendto tcp with a refused address", sys(SYS_sendto, cli, "x", 1, 0, &far, sizeof(far)));
	return 0;
}

static volatile int handled;

static void on_alarm(int sig)
{
	(void)sig;
	handled++;
}

static void catch_alarm(int flags)
{
	struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = flags };

	sigaction(SIGALRM, &sa, NULL);
}

/* Waits in the host: ended by a signal (EINTR without SA_RESTART,
 * restarted with it), and woken by another process's send. */
static int waits(void)
{
	int sv[2];
	char buf[8];
	long r;
	pid_t pid;

	sys(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, sv);
	catch_alarm(0);
	alarm(1);
	SHOW("recv interrupted", sys(SYS_recvfrom, sv[0], buf, sizeof(buf), 0, 0, 0));
	printf("handler ran: %s\n", handled == 1 ? "yes" : "no");
	catch_alarm(SA_RESTART);
	if ((pid = fork()) == 0) {
		sleep(2);
		sys(SYS_sendto, sv[1], "late", 4, 0, 0, 0);
		_exit(0);
	}
	alarm(1);
	r = sys(SYS_recvfrom, sv[0], buf, sizeof(buf), 0, 0, 0);
	printf("recv restarted: %s %.*s, handler ran: %s\n", result(r), r > 0 ? (int)r : 0, buf,
	       handled == 2 ? "yes" : "no");
	waitpid(pid, NULL, 0);

	/* A conversation between two processes. */
	if ((pid = fork()) == 0) {
		r = sys(SYS_recvfrom, sv[1], buf, sizeof(buf), 0, 0, 0);
		sys(SYS_sendto, sv[1], r == 4 && !memcmp(buf, "ping", 4) ? "pong" : "what", 4, 0, 0, 0);
		_exit(0);
	}
	SHOW("send to the child", sys(SYS_sendto, sv[0], "ping", 4, 0, 0, 0));
	r = sys(SYS_recvfrom, sv[0], buf, 4, MSG_WAITALL, 0, 0);
	printf("the child answers: %s %.*s\n", result(r), r > 0 ? (int)r : 0, buf);
	waitpid(pid, NULL, 0);

	/* An event loop's wait: an eventfd and a socket in one epoll. */
	{
		struct epoll_event ev = { .events = EPOLLIN }, got[4];
		long ep = sys(SYS_epoll_create1, 0), e = sys(SYS_eventfd2, 0, 0);

		ev.data.u64 = 1;
		sys(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, e, &ev);
		ev.data.u64 = 2;
		sys(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, sv[0], &ev);
		SHOW("epoll nothing ready", sys(SYS_epoll_wait, ep, got, 4, 0));
		sys(SYS_write, e, ints(1, 0), 8);
		r = sys(SYS_epoll_wait, ep, got, 4, -1);
		printf("epoll eventfd: %s, data %llu\n", result(r), (unsigned long long)got[0].data.u64);
		sys(SYS_read, e, buf, 8);
		sys(SYS_sendto, sv[1], "e", 1, 0, 0, 0);
		r = sys(SYS_epoll_wait, ep, got, 4, -1);
		printf("epoll socket: %s, data %llu\n", result(r), (unsigned long long)got[0].data.u64);
	}
	return 0;
}

/* A send to a closed peer: EPIPE alone with MSG_NOSIGNAL, SIGPIPE
 * without it (which ends the program). */
static int sigpipe(bool msg)
{
	int sv[2];
	struct iovec iov = { "x", 1 };
	struct raw_msghdr m = { .iov = &iov, .iovlen = 1 };

	sys(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, sv);
	sys(SYS_close, sv[1]);
	SHOW("nosignal", msg ? sys(SYS_sendmsg, sv[0], &m, MSG_NOSIGNAL) :
			       sys(SYS_sendto, sv[0], "x", 1, MSG_NOSIGNAL, 0, 0));
	fflush(stdout);
	SHOW("signal", msg ? sys(SYS_sendmsg, sv[0], &m, 0) : sys(SYS_sendto, sv[0], "x", 1, 0, 0, 0));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "named"))
		return named(argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[1], "connect"))
		return connect_to(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "hostpeer"))
		return hostpeer(argv[2]);
	if (argc == 2 && !strcmp(argv[1], "inet"))
		return inet();
	if (argc == 2 && !strcmp(argv[1], "wait"))
		return waits();
	if (argc == 2 && !strcmp(argv[1], "sigpipe"))
		return sigpipe(false);
	if (argc == 2 && !strcmp(argv[1], "sigpipe_msg"))
		return sigpipe(true);
	if (argc != 2 || strcmp(argv[1], "refuse"))
		return 2;
	families();
	addresses();
	messages();
	eventfds();
	printf("still running\n");
	return 0;
}
