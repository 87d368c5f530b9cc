/* SPDX-License-Identifier: MIT */
/*
 * test_net.c - the network under policy (docs/DECISIONS.md "Network"),
 * on loopback only: the test starts every peer itself, on 127.0.0.1 or
 * ::1 and a port the kernel picks, so that runs in parallel never meet.
 *
 * The same static programs (guest/net_*.c, both libcs) run natively and
 * under lstar against the same host peers, and their outputs must match:
 * a client of a host echo server (the send and receive calls, many
 * connections, 4 MiB through a socket poll drives, one connection shared
 * by a child and a program it starts), servers that host clients use
 * (epoll level- and edge-triggered, blocking calls; IPv4 and IPv6), UDP
 * to a host echo server, socket options, socket pairs and named AF_UNIX
 * sockets with poll and select, and signals that end a wait.  What only
 * lstar does is compared with its documented answers: EACCES for every
 * address no rule names (never run natively: some would leave the
 * machine), no AF_INET without a rule, a datagram from a peer no rule
 * names dropped, an accepted peer no rule names reset before the program
 * sees it.  A machine without a reachable loopback (or without IPv6) runs
 * what it can and says what it left out.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests.h"

static const char *const libcs[] = { "musl", "glibc" };

static const char *probe(const char *name, int libc)
{
	static char buf[4][256];
	static int next;
	char *b = buf[next++ % 4];

	snprintf(b, sizeof(buf[0]), "%s.%s", name, libcs[libc]);
	return strcpy(b, guest_path(b));
}

/* An IPv4 or IPv6 loopback-style address text and a port, as a sockaddr. */
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
	ck_assert_int_eq(inet_pton(AF_INET6, host, &in6->sin6_addr), 1);
	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons(port);
	return sizeof(*in6);
}

static int port_of(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	return ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
					     : ((struct sockaddr_in6 *)&ss)->sin6_port);
}

/* A socket of type on host, port 0: the kernel picks the port. */
static int bound_socket(const char *host, int type)
{
	struct sockaddr_storage ss;
	socklen_t len = make_addr(&ss, host, 0);
	int fd = socket(ss.ss_family, type | SOCK_CLOEXEC, 0), one = 1;

	ck_assert_msg(fd >= 0, "socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	ck_assert_msg(bind(fd, (struct sockaddr *)&ss, len) == 0, "bind %s:0: %s", host,
		      strerror(errno));
	return fd;
}

/* A port free on host just now, for a program that binds a named port
 * (a policy must name it before the program runs). */
static int free_port(const char *host)
{
	int fd = bound_socket(host, SOCK_STREAM), port = port_of(fd);

	close(fd);
	return port;
}

/*
 * A peer on the host, in a thread of its own: a TCP echo server (each
 * connection in turn: what comes in goes back until the client ends its
 * stream) or a UDP one (each datagram back in capitals; for "stray", a
 * datagram from a second socket, another port, goes first).  It stops
 * when stop is written to, and never waits long for a client.
 */
struct peer {
	int fd;
	int stray_fd;			/* UDP: the other port's socket */
	int port;
	int stop[2];
	pthread_t thread;
};

/* Wait for fd or the stop pipe: 1 when fd is ready, 0 when stopped or
 * after timeout_ms. */
static int peer_wait(struct peer *p, int fd, int timeout_ms)
{
	struct pollfd pf[2] = { { fd, POLLIN, 0 }, { p->stop[0], POLLIN, 0 } };

	if (poll(pf, 2, timeout_ms) <= 0 || pf[1].revents)
		return 0;
	return 1;
}

static void echo_connection(struct peer *p, int c)
{
	char buf[65536];

	while (peer_wait(p, c, 10000)) {
		ssize_t n = read(c, buf, sizeof(buf)), done = 0;

		if (n <= 0)
			break;
		while (done < n) {
			ssize_t w = write(c, buf + done, n - done);

			if (w <= 0)
				return;
			done += w;
		}
	}
}

static void *tcp_echo(void *arg)
{
	struct peer *p = arg;

	while (peer_wait(p, p->fd, 60000)) {
		int c = accept4(p->fd, NULL, NULL, SOCK_CLOEXEC);

		if (c < 0)
			continue;
		echo_connection(p, c);
		close(c);
	}
	return NULL;
}

static void *udp_echo(void *arg)
{
	struct peer *p = arg;

	while (peer_wait(p, p->fd, 60000)) {
		struct sockaddr_storage from;
		socklen_t len = sizeof(from);
		char buf[256];
		ssize_t n = recvfrom(p->fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len);

		if (n < 0)
			continue;
		if (n == 5 && !memcmp(buf, "stray", 5))
			sendto(p->stray_fd, "intruder", 8, 0, (struct sockaddr *)&from, len);
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] >= 'a' && buf[i] <= 'z')
				buf[i] -= 'a' - 'A';
		sendto(p->fd, buf, n, 0, (struct sockaddr *)&from, len);
	}
	return NULL;
}

static void peer_start(struct peer *p, const char *host, int type)
{
	memset(p, 0, sizeof(*p));
	ck_assert_int_eq(pipe2(p->stop, O_CLOEXEC), 0);
	p->fd = bound_socket(host, type);
	p->port = port_of(p->fd);
	p->stray_fd = -1;
	if (type == SOCK_STREAM) {
		ck_assert_int_eq(listen(p->fd, 16), 0);
		ck_assert_int_eq(pthread_create(&p->thread, NULL, tcp_echo, p), 0);
	} else {
		p->stray_fd = bound_socket(host, SOCK_DGRAM);
		ck_assert_int_eq(pthread_create(&p->thread, NULL, udp_echo, p), 0);
	}
}

static void peer_stop(struct peer *p)
{
	ck_assert_int_eq(write(p->stop[1], "", 1), 1);
	pthread_join(p->thread, NULL);
	close(p->fd);
	if (p->stray_fd >= 0)
		close(p->stray_fd);
	close(p->stop[0]);
	close(p->stop[1]);
}

/*
 * Run prog with args natively and under lstar with opts; both must exit
 * 0 and print the same, and the native run must print want (so that two
 * runs that fail alike, a peer that never answered, do not pass).
 */
static void same_as_native(const char *const opts[], const char *prog,
			   const char *const args[], const char *want)
{
	const char *argv[32];
	struct run_result native, boxed;
	int n = 0;

	argv[n++] = prog;
	for (int i = 0; args[i]; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	run_argv((char *const *)argv, NULL, 60, &native);
	ck_assert_msg(native.status == 0 && strstr(native.out, want) && !*native.err,
		      "%s %s natively: status %d, no \"%s\"\n--- stdout\n%s--- stderr\n%s",
		      prog, args[0], native.status, want, native.out, native.err);
	run_lstar(opts, prog, args, &boxed);
	ck_assert_msg(native.status == boxed.status && !strcmp(native.out, boxed.out) &&
		      !strcmp(native.err, boxed.err),
		      "%s %s: native and lstar differ\nnative: status %d\n--- stdout\n%s"
		      "--- stderr\n%s\nlstar:  status %d\n--- stdout\n%s--- stderr\n%s",
		      prog, args[0], native.status, native.out, native.err, boxed.status,
		      boxed.out, boxed.err);
	run_result_free(&native);
	run_result_free(&boxed);
}

/* Run prog under lstar with opts: it must exit status and print
 * exactly want. */
static void boxed_prints(const char *const opts[], const char *prog,
			 const char *const args[], int status, const char *want)
{
	struct run_result r;

	run_lstar(opts, prog, args, &r);
	ck_assert_msg(r.status == status && !strcmp(r.out, want),
		      "%s %s under lstar: status %d\n--- stdout\n%s--- want\n%s--- stderr\n%s",
		      prog, args[0], r.status, r.out, want, r.err);
	run_result_free(&r);
}

static const char want_echo[] =
	"connected\n"
	"getsockname: %s\n"
	"getpeername: the server\n"
	"SO_ERROR: 0\n"
	"SO_TYPE: SOCK_STREAM\n"
	"read: 11 bytes: one, write\n"
	"peeked: two\n"
	"recv: 10 bytes: two, send\n"
	"recvmsg: 15 bytes: three, sendmsg\n"
	"recvfrom: 13 bytes: four, sendto\n"
	"after shutdown: 0 bytes: \n";

/* The client of a host echo server, allowed by `--net` or by a policy
 * file's `net connect`: _i is libc * 2 + (policy file or not). */
START_TEST(client_as_native)
{
	struct peer p;
	char port[16], rule[64], dir[] = "/tmp/lstar-net-XXXXXX", policy[64], want[512];
	const char *const args[] = { "echo", "127.0.0.1", port, NULL };
	const char *const net[] = { "--net", rule, "--timeout", "30", NULL };
	const char *const file[] = { "-p", policy, "--timeout", "30", NULL };

	peer_start(&p, "127.0.0.1", SOCK_STREAM);
	snprintf(port, sizeof(port), "%d", p.port);
	snprintf(rule, sizeof(rule), "connect 127.0.0.1:%d", p.port);
	snprintf(want, sizeof(want), want_echo, "127.0.0.1");
	if (_i % 2) {
		char text[128];

		snprintf(text, sizeof(text), "use default\nnet connect 127.0.0.1:%d\n", p.port);
		write_policy(dir, policy, sizeof(policy), text);
	}
	same_as_native(_i % 2 ? file : net, probe("net_client", _i / 2), args, want);
	peer_stop(&p);
	if (_i % 2)
		rm_rf(dir);
}
END_TEST

/* Twenty connections one after another, each with a line and closed:
 * lstar's descriptors and host sockets come and go cleanly. */
START_TEST(client_many_connections)
{
	struct peer p;
	char port[16], rule[64];
	const char *const args[] = { "conns", port, "20", NULL };
	const char *const opts[] = { "--net", rule, "--timeout", "30", NULL };

	peer_start(&p, "127.0.0.1", SOCK_STREAM);
	snprintf(port, sizeof(port), "%d", p.port);
	snprintf(rule, sizeof(rule), "connect 127.0.0.1:%d/tcp", p.port);
	same_as_native(opts, probe("net_client", _i), args, "20 connections\n");
	peer_stop(&p);
}
END_TEST

/* Every other address, a policy naming 127.0.0.1:PORT alone: EACCES
 * for each, before any packet; a bind of a named port needs a listen
 * rule, an ephemeral one does not; the named port still works, written
 * as a v4-mapped IPv6 address. */
START_TEST(client_refused)
{
	struct peer p;
	char port[16], other[16], rule[64];
	const char *const args[] = { "refused", port, other, NULL };
	const char *const opts[] = { "--net", rule, "--timeout", "30", NULL };

	peer_start(&p, "127.0.0.1", SOCK_STREAM);
	snprintf(port, sizeof(port), "%d", p.port);
	snprintf(other, sizeof(other), "%d", free_port("127.0.0.1"));
	snprintf(rule, sizeof(rule), "connect 127.0.0.1:%d", p.port);
	boxed_prints(opts, probe("net_client", _i), args, 0,
		     "connect 127.0.0.1, another port: EACCES\n"
		     "connect 127.0.0.2, the named port: EACCES\n"
		     "connect 0.0.0.0, the named port: EACCES\n"
		     "connect 10.0.0.1:80: EACCES\n"
		     "connect 192.0.2.1:80: EACCES\n"
		     "connect 224.0.0.1, the named port: EACCES\n"
		     "connect 255.255.255.255, the named port: EACCES\n"
		     "connect [::1], the named port: EACCES\n"
		     "connect [::], the named port: EACCES\n"
		     "connect [::ffff:127.0.0.2], the named port: EACCES\n"
		     "connect [::ffff:127.0.0.1], another port: EACCES\n"
		     "connect [2001:db8::1]:80: EACCES\n"
		     "bind 127.0.0.1, the named port: EACCES\n"
		     "bind 0.0.0.0, another port: EACCES\n"
		     "bind 127.0.0.1:0: 0\n"
		     "bind 0.0.0.0:0: 0\n"
		     "bind [::]:0: 0\n"
		     "connect [::ffff:127.0.0.1], the named port: 0\n"
		     "read: 11 bytes: still here\n");
	peer_stop(&p);
}
END_TEST

/* -v names each refused address and port, and says it was refused. */
START_TEST(refusals_said)
{
	struct peer p;
	char port[16], other[16], rule[64];
	const char *const args[] = { "refused", port, other, NULL };
	const char *const opts[] = { "-v", "--net", rule, "--timeout", "30", NULL };
	const char *const addrs[] = { "127.0.0.1:%s", "127.0.0.2:%s", "10.0.0.1:80", "[::1]:%s",
				      "[::ffff:127.0.0.2]:%s", "[2001:db8::1]:80" };
	struct run_result r;

	peer_start(&p, "127.0.0.1", SOCK_STREAM);
	snprintf(port, sizeof(port), "%d", p.port);
	snprintf(other, sizeof(other), "%d", free_port("127.0.0.1"));
	snprintf(rule, sizeof(rule), "connect 127.0.0.1:%d", p.port);
	run_lstar(opts, probe("net_client", 0), args, &r);
	ck_assert_msg(r.status == 0, "status %d\n--- stderr\n%s", r.status, r.err);
	for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		char want[64];
		const char *at, *eol;

		snprintf(want, sizeof(want), addrs[i], i ? port : other);
		at = strstr(r.err, want);
		eol = at ? strchrnul(at, '\n') : NULL;
		ck_assert_msg(at && memmem(at, eol - at, "refused", 7),
			      "-v does not say %s was refused\n--- stderr\n%s", want, r.err);
	}
	run_result_free(&r);
	peer_stop(&p);
}
END_TEST

/*
 * --learn: the place the run reached becomes a `net connect` rule as
 * narrow as the run (that address, that port, TCP), the places its
 * policy refused become comments, and the learned policy replays the
 * run: the same output, the same refusals.
 */
START_TEST(learned_as_used)
{
	struct peer p;
	char port[16], other[16], rule[64], learned[64], dir[] = "/tmp/lstar-net-XXXXXX";
	char want[64], *text;
	const char *const args[] = { "refused", port, other, NULL };
	const char *const learn[] = { "--learn", learned, "--trace", "--net", rule,
				      "--timeout", "30", NULL };
	const char *const replay[] = { "-p", learned, "--timeout", "30", NULL };
	struct run_result first, again;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(learned, sizeof(learned), "%s/learned.policy", dir);
	peer_start(&p, "127.0.0.1", SOCK_STREAM);
	snprintf(port, sizeof(port), "%d", p.port);
	snprintf(other, sizeof(other), "%d", free_port("127.0.0.1"));
	snprintf(rule, sizeof(rule), "connect 127.0.0.1:%d", p.port);
	run_lstar(learn, probe("net_client", _i), args, &first);
	ck_assert_msg(first.status == 0, "learning run: status %d\n--- stderr\n%s",
		      first.status, first.err);
	/* ... and the trace spells a socket's type, then its flags. */
	ck_assert_msg(strstr(first.err, "socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, 0) = "),
		      "--- stderr\n%s", first.err);
	text = read_text(learned);
	snprintf(want, sizeof(want), "\nnet connect 127.0.0.1:%d/tcp ", p.port);
	ck_assert_msg(strstr(text, want), "no \"%s\" in the learned policy:\n%s", want + 1, text);
	ck_assert_msg(strstr(text, "\n# refused in the run: net connect 10.0.0.1:80/tcp"),
		      "the refused place is not shown:\n%s", text);
	snprintf(want, sizeof(want), "\n# refused in the run: net listen 127.0.0.1:%d/tcp", p.port);
	ck_assert_msg(strstr(text, want), "the refused bind is not shown:\n%s", text);
	/* Ephemeral binds need no rule of their own. */
	ck_assert_msg(!strstr(text, ":0/"), "an ephemeral port was learned:\n%s", text);
	run_lstar(replay, probe("net_client", _i), args, &again);
	ck_assert_msg(again.status == first.status && !strcmp(again.out, first.out),
		      "the replay differs\n--- learning run\n%s--- replay (status %d)\n%s"
		      "--- stderr\n%s--- policy\n%s", first.out, again.status, again.out,
		      again.err, text);
	free(text);
	run_result_free(&first);
	run_result_free(&again);
	peer_stop(&p);
	rm_rf(dir);
}
END_TEST

/*
 * --trace shows the address a call was judged on, the VMM's copy: a
 * program whose other thread keeps changing the address in its memory
 * must not get a line that shows one address and a verdict on another.
 */
START_TEST(trace_shows_the_judged_address)
{
	char port[16], rule[64], trace[80], dir[] = "/tmp/lstar-net-XXXXXX", *text, *line;
	const char *const args[] = { port, NULL };
	const char *const opts[] = { "--net", rule, trace, "--timeout", "60", NULL };
	struct run_result r;
	int connects = 0;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(trace, sizeof(trace), "--trace=%s/trace", dir);
	snprintf(port, sizeof(port), "%d", free_port("127.0.0.1"));
	snprintf(rule, sizeof(rule), "connect 127.0.0.1:%s/udp", port);
	run_lstar(opts, probe("net_trace_race", _i), args, &r);
	ck_assert_msg(r.status == 0 && !strcmp(r.out, "300 connects\n"),
		      "status %d\n--- stdout\n%s--- stderr\n%s", r.status, r.out, r.err);
	text = read_text(trace + strlen("--trace="));
	for (line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		char shown[32] = "", judged[32] = "";

		if (strncmp(line, "connect(", 8))
			continue;
		connects++;
		sscanf(line, "connect(%*d, {AF_INET, %31[0-9.:]}", shown);
		if (strstr(line, "connect to "))
			sscanf(strstr(line, "connect to "), "connect to %31[0-9.:]", judged);
		ck_assert_msg(shown[0] && !strcmp(shown, judged),
			      "the trace shows %s, the call was judged on %s:\n%s", shown, judged,
			      line);
	}
	ck_assert_int_eq(connects, 300);
	free(text);
	run_result_free(&r);
	rm_rf(dir);
}
END_TEST

/* A close that lingers (SO_LINGER, data unsent) waits without stopping
 * the program's other threads: one of them is the peer that ends it. */
START_TEST(lingering_close_as_native)
{
	const char *const args[] = { "linger", NULL };
	const char *const opts[] = { "--net", "listen 127.0.0.1:*", "--net", "connect 127.0.0.1:*",
				     "--timeout", "60", NULL };

	same_as_native(opts, probe("net_linger", _i), args,
		       "the reader accepted while the close waited: yes\n"
		       "the reader got all that was sent: yes\n");
}
END_TEST

/* Four MiB through the echo server on a non-blocking socket that poll
 * drives: both ways' buffers fill, writes are partial, as natively. */
START_TEST(client_bulk)
{
	struct peer p;
	char port[16], rule[64];
	const char *const args[] = { "bulk", "127.0.0.1", port, "4096", NULL };
	const char *const opts[] = { "--net", rule, "--timeout", "60", NULL };

	peer_start(&p, "127.0.0.1", SOCK_STREAM);
	snprintf(port, sizeof(port), "%d", p.port);
	snprintf(rule, sizeof(rule), "connect 127.0.0.1:%d", p.port);
	same_as_native(opts, probe("net_client", _i), args,
		       "sent 4096 KiB, got 4096 KiB back, 0 bytes differ\n");
	peer_stop(&p);
}
END_TEST

/* One connection through a dup, a forked child and a program started
 * with execve (which keeps it, and closes the FD_CLOEXEC one), and
 * FIONREAD, as natively: lstar copies the host socket with the
 * process. */
START_TEST(client_shared_by_processes)
{
	struct peer p;
	char port[16], rule[64], dir[4096];
	const char *const args[] = { "share", port, NULL };
	const char *const opts[] = { "--ro", dir, "--net", rule, "--timeout", "30", NULL };

	ck_assert_ptr_nonnull(realpath(guest_path("."), dir));
	peer_start(&p, "127.0.0.1", SOCK_STREAM);
	snprintf(port, sizeof(port), "%d", p.port);
	snprintf(rule, sizeof(rule), "connect 127.0.0.1:%d", p.port);
	same_as_native(opts, probe("net_client", _i), args,
		       "FIONREAD: 8\n"
		       "read: 8 bytes: pending\n"
		       "through the dup: 4 bytes: dup\n"
		       "the child: 6 bytes: child\n"
		       "the parent, after: 7 bytes: parent\n"
		       "the close-on-exec one: EBADF\n"
		       "after execve: 5 bytes: exec\n"
		       "the program it started exited 0\n"
		       "the parent, at the end: 4 bytes: end\n");
	peer_stop(&p);
}
END_TEST

/* getaddrinfo of a numeric address and port needs no resolver and no
 * /etc (which lstar does not show): the same address, as natively. */
START_TEST(client_numeric_getaddrinfo)
{
	struct peer p;
	char port[16], rule[64];
	const char *const args[] = { "gai", "127.0.0.1", port, NULL };
	const char *const opts[] = { "--net", rule, "--timeout", "30", NULL };

	peer_start(&p, "127.0.0.1", SOCK_STREAM);
	snprintf(port, sizeof(port), "%d", p.port);
	snprintf(rule, sizeof(rule), "connect 127.0.0.1:%d/tcp", p.port);
	same_as_native(opts, probe("net_client", _i), args,
		       "AF_INET, protocol 6:\nread: 9 bytes: resolved\n");
	peer_stop(&p);
}
END_TEST

/* A program that is its own server: a thread waits in accept, then in
 * read, while the main thread connects; two rules, one of each kind. */
START_TEST(client_and_server_in_one)
{
	char port[16], listen_rule[64], connect_rule[64];
	const char *const args[] = { "self", port, NULL };
	const char *const opts[] = { "--net", listen_rule, "--net", connect_rule,
				     "--timeout", "30", NULL };
	int n = free_port("127.0.0.1");

	snprintf(port, sizeof(port), "%d", n);
	snprintf(listen_rule, sizeof(listen_rule), "listen 127.0.0.1:%d", n);
	snprintf(connect_rule, sizeof(connect_rule), "connect 127.0.0.1:%d", n);
	same_as_native(opts, probe("net_client", _i), args,
		       "connected to my own listener\nread: 10 bytes: TO MYSELF\n");
}
END_TEST

/* A port the policy names where nobody listens answers as natively,
 * ECONNREFUSED (not lstar's EACCES), and one that listens connects,
 * blocking and not: _i is libc * 2 + (the listening port or not). */
START_TEST(connect_outcomes)
{
	struct peer p;
	char port[16], rule[64];
	const char *const args[] = { "try", "127.0.0.1", port, NULL };
	const char *const opts[] = { "--net", rule, "--timeout", "30", NULL };
	int n;

	peer_start(&p, "127.0.0.1", SOCK_STREAM);
	n = _i % 2 ? p.port : free_port("127.0.0.1");
	snprintf(port, sizeof(port), "%d", n);
	snprintf(rule, sizeof(rule), "connect 127.0.0.1:%d", n);
	same_as_native(opts, probe("net_client", _i / 2), args,
		       _i % 2 ? "connect: 0\nconnect, non-blocking: EINPROGRESS\n"
			        "poll: 1, revents 4\nSO_ERROR: 0\n"
			      : "connect: ECONNREFUSED\nconnect, non-blocking: EINPROGRESS\n"
			        "poll: 1, revents 1c\nSO_ERROR: ECONNREFUSED\n");
	peer_stop(&p);
}
END_TEST

/* The socket options of lstar's allow-list, set and read back on TCP
 * and UDP sockets of both families: the host's values, as natively. */
START_TEST(options_as_native)
{
	const char *const args[] = { "opts", NULL };
	const char *const opts[] = { "--net", "connect 127.0.0.1:9", NULL };

	same_as_native(opts, probe("net_client", _i), args, "  SO_SNDTIMEO: 2.500000 s\n");
}
END_TEST

/* A policy file's range of addresses and of ports: the echo server's
 * port, inside both, connects as natively; a port past the range is
 * refused. */
START_TEST(client_policy_ranges)
{
	struct peer p;
	char port[16], past[16], dir[] = "/tmp/lstar-net-XXXXXX", policy[64], text[128];
	const char *const args[] = { "try", "127.0.0.1", port, NULL };
	const char *const refused[] = { "conns", past, "1", NULL };
	const char *const opts[] = { "-p", policy, "--timeout", "30", NULL };

	peer_start(&p, "127.0.0.1", SOCK_STREAM);
	snprintf(port, sizeof(port), "%d", p.port);
	snprintf(past, sizeof(past), "%d", p.port + 2);
	snprintf(text, sizeof(text), "use default\nnet connect 127.0.0.0/8:%d-%d/tcp\n",
		 p.port - 1, p.port + 1);
	write_policy(dir, policy, sizeof(policy), text);
	same_as_native(opts, probe("net_client", _i), args,
		       "connect: 0\nconnect, non-blocking: EINPROGRESS\n"
		       "poll: 1, revents 4\nSO_ERROR: 0\n");
	boxed_prints(opts, probe("net_client", _i), refused, 1, "connection 0: EACCES\n");
	peer_stop(&p);
	rm_rf(dir);
}
END_TEST

/*
 * A client on the host of the server under test: connect (from src when
 * not NULL), send line (in two writes when split), read the answer.
 */
struct host_client {
	const char *addr, *src;
	int port;
	bool split;
	char line[64];
	char reply[128];		/* what came back, NUL-terminated */
	int error;			/* errno of the failure that ended it, or 0 */
	pthread_t thread;
};

static void *host_client_run(void *arg)
{
	struct host_client *c = arg;
	struct sockaddr_storage ss;
	socklen_t len = make_addr(&ss, c->addr, c->port);
	struct timeval tv = { 10, 0 };
	size_t n = 0, half = c->split ? strlen(c->line) / 2 : strlen(c->line);
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	c->reply[0] = '\0';
	c->error = 0;
	if (fd < 0)
		goto out_error;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (c->src) {
		struct sockaddr_storage from;
		socklen_t flen = make_addr(&from, c->src, 0);

		if (bind(fd, (struct sockaddr *)&from, flen) < 0)
			goto out_error;
	}
	if (connect(fd, (struct sockaddr *)&ss, len) < 0 ||
	    write(fd, c->line, half) != (ssize_t)half)
		goto out_error;
	if (c->split) {
		/* The rest a moment later: the server sees the line in two
		 * reads and must keep the first part. */
		nanosleep(&(struct timespec){ 0, 50 * 1000 * 1000 }, NULL);
		if (write(fd, c->line + half, strlen(c->line) - half) < 0)
			goto out_error;
	}
	while (n + 1 < sizeof(c->reply) && !memchr(c->reply, '\n', n)) {
		struct pollfd pf = { fd, POLLIN, 0 };
		ssize_t r;

		if (poll(&pf, 1, 10000) != 1) {
			errno = ETIMEDOUT;
			goto out_error;
		}
		r = read(fd, c->reply + n, sizeof(c->reply) - 1 - n);
		if (r < 0)
			goto out_error;
		if (r == 0)
			break;
		n += r;
		c->reply[n] = '\0';
	}
	close(fd);
	return NULL;
out_error:
	c->error = errno;
	if (fd >= 0)
		close(fd);
	return NULL;
}

static void host_client_start(struct host_client *c)
{
	ck_assert_int_eq(pthread_create(&c->thread, NULL, host_client_run, c), 0);
}

/* A program run natively or under lstar with its output in files, for
 * the server tests: the test must talk to it while it runs. */
struct background {
	char dir[32];
	char out[64], err[64];
	pid_t pid;
};

static void background_start(struct background *b, const char *const opts[],
			     const char *prog, const char *const args[])
{
	const char *argv[32];
	int n = 0;

	snprintf(b->dir, sizeof(b->dir), "/tmp/lstar-net-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(b->dir));
	snprintf(b->out, sizeof(b->out), "%s/out", b->dir);
	snprintf(b->err, sizeof(b->err), "%s/err", b->dir);
	if (opts) {
		argv[n++] = lstar_path();
		argv[n++] = "run";
		for (int i = 0; opts[i]; i++)
			argv[n++] = opts[i];
		argv[n++] = "--";
	}
	argv[n++] = prog;
	for (int i = 0; args[i]; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	b->pid = spawn_to_files(argv, b->out, b->err);
	/* Until it listens, at most 30 s; a server that ends first is
	 * reported at once. */
	for (int i = 0; i < 1500; i++) {
		char *out = read_text(b->out), *err;
		bool listening = out && strstr(out, "listening\n");
		int ws;

		if (listening) {
			free(out);
			return;
		}
		if (waitpid(b->pid, &ws, WNOHANG) == b->pid || i == 1499) {
			if (i == 1499) {
				kill(b->pid, SIGKILL);
				waitpid(b->pid, &ws, 0);
			}
			free(out);
			out = read_text(b->out);
			err = read_text(b->err);
			ck_abort_msg("%s: the server never listened (wait status 0x%x)\n"
				     "--- stdout\n%s--- stderr\n%s", opts ? "lstar" : "native", ws,
				     out, err);
		}
		free(out);
		nanosleep(&(struct timespec){ 0, 20 * 1000 * 1000 }, NULL);
	}
}

/* Wait for it to end (killed after 40 s), its output in r. */
static void background_finish(struct background *b, struct run_result *r)
{
	int ws = 0;

	memset(r, 0, sizeof(*r));
	for (int i = 0; i < 4000 && waitpid(b->pid, &ws, WNOHANG) == 0; i++)
		nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
	if (waitpid(b->pid, &ws, WNOHANG) == 0) {
		kill(b->pid, SIGKILL);
		waitpid(b->pid, &ws, 0);
	}
	r->status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	r->out = read_text(b->out);
	r->err = read_text(b->err);
	ck_assert(r->out && r->err);
	rm_rf(b->dir);
}

/*
 * The server (guest/net_server) on host:PORT in mode, natively or under
 * lstar with opts, serving n host clients at once that connect to
 * client:PORT (the second writing its line in two parts); each must get
 * its line back in capitals.  The server's output goes to r.
 */
static void serve(const char *const opts[], const char *prog, const char *host,
		  const char *client, int port, const char *mode, int n, struct run_result *r)
{
	char port_text[16], n_text[16];
	const char *const args[] = { host, port_text, n_text, mode, NULL };
	struct background b;
	struct host_client c[16];

	ck_assert_int_le(n, 16);
	snprintf(port_text, sizeof(port_text), "%d", port);
	snprintf(n_text, sizeof(n_text), "%d", n);
	background_start(&b, opts, prog, args);
	for (int i = 0; i < n; i++) {
		/* From client too: a connection to 127.0.0.2 would come from
		 * 127.0.0.1 otherwise. */
		c[i] = (struct host_client){ .addr = client, .src = client, .port = port,
					     .split = i == 1 };
		snprintf(c[i].line, sizeof(c[i].line), "line %d from the host\n", i);
		host_client_start(&c[i]);
	}
	for (int i = 0; i < n; i++)
		pthread_join(c[i].thread, NULL);
	background_finish(&b, r);
	for (int i = 0; i < n; i++) {
		char want[64];

		snprintf(want, sizeof(want), "LINE %d FROM THE HOST\n", i);
		ck_assert_msg(!c[i].error && !strcmp(c[i].reply, want),
			      "%s: client %d: %s, got \"%s\"\n--- server's stdout\n%s"
			      "--- stderr\n%s", opts ? "lstar" : "native", i,
			      strerror(c[i].error), c[i].reply, r->out, r->err);
	}
}

/* The same server natively and under lstar with the rule rule_form
 * (a format naming the port) and n clients: the same output, every
 * client answered. */
static void server_as_native(int libc, const char *host, const char *client,
			     const char *rule_form, const char *mode, int n)
{
	const char *prog = probe("net_server", libc);
	char rule[64], want[1024];
	const char *const opts[] = { "--net", rule, "--timeout", "40", NULL };
	struct run_result native, boxed;
	int port;

	serve(NULL, prog, host, client, free_port(host), mode, n, &native);
	port = free_port(host);
	snprintf(rule, sizeof(rule), rule_form, port);
	serve(opts, prog, host, client, port, mode, n, &boxed);
	snprintf(want, sizeof(want), "listening\n");
	for (int i = 0; i < n; i++)
		snprintf(want + strlen(want), sizeof(want) - strlen(want), "client from %s\n",
			 client);
	snprintf(want + strlen(want), sizeof(want) - strlen(want), "served %d\n", n);
	ck_assert_msg(native.status == 0 && !strcmp(native.out, want),
		      "native: status %d\n--- stdout\n%s--- stderr\n%s", native.status,
		      native.out, native.err);
	ck_assert_msg(boxed.status == native.status && !strcmp(boxed.out, native.out) &&
		      !strcmp(boxed.err, native.err),
		      "native and lstar differ\nnative: status %d\n--- stdout\n%s--- stderr\n%s\n"
		      "lstar:  status %d\n--- stdout\n%s--- stderr\n%s", native.status,
		      native.out, native.err, boxed.status, boxed.out, boxed.err);
	run_result_free(&native);
	run_result_free(&boxed);
}

/* epoll level- and edge-triggered, and blocking calls: _i is libc * 3
 * + mode. */
START_TEST(server_as_native_ipv4)
{
	static const char *const modes[] = { "lt", "et", "bl" };

	server_as_native(_i / 3, "127.0.0.1", "127.0.0.1", "listen 127.0.0.1:%d", modes[_i % 3], 3);
}
END_TEST

/* Sixteen clients at once: accept4 until EAGAIN takes several. */
START_TEST(server_many_clients)
{
	server_as_native(_i, "127.0.0.1", "127.0.0.1", "listen 127.0.0.1:%d", "et", 16);
}
END_TEST

/* `net listen PORT` is loopback's: a server on the wildcard hears a
 * client from 127.0.0.1. */
START_TEST(server_loopback_rule)
{
	server_as_native(_i, "0.0.0.0", "127.0.0.1", "listen %d", "lt", 3);
}
END_TEST

/* `net listen *:PORT/tcp` hears any peer: one from 127.0.0.2 is served
 * by a server on the wildcard. */
START_TEST(server_any_peer)
{
	server_as_native(_i, "0.0.0.0", "127.0.0.2", "listen *:%d/tcp", "et", 3);
}
END_TEST

/* [::1], named as such or as loopback's (`net listen PORT`): _i is
 * libc * 2 + rule form. */
START_TEST(server_as_native_ipv6)
{
	server_as_native(_i / 2, "::1", "::1", _i % 2 ? "listen %d" : "listen [::1]:%d", "et", 3);
}
END_TEST

/* lstar stopped from outside while the server waits in accept (epoll
 * or a blocking call): SIGTERM is the program's, and it dies of it
 * (143); nothing listens on its port afterwards. */
START_TEST(server_stopped_while_waiting)
{
	char port_text[16], rule[64];
	const char *const opts[] = { "--net", rule, "--timeout", "40", NULL };
	const char *const args[] = { "127.0.0.1", port_text, "1", _i % 2 ? "bl" : "et", NULL };
	struct sockaddr_storage ss;
	socklen_t len;
	struct background b;
	struct run_result r;
	int port = free_port("127.0.0.1"), fd;

	snprintf(port_text, sizeof(port_text), "%d", port);
	snprintf(rule, sizeof(rule), "listen 127.0.0.1:%d", port);
	background_start(&b, opts, probe("net_server", _i / 2), args);
	ck_assert_int_eq(kill(b.pid, SIGTERM), 0);
	background_finish(&b, &r);
	ck_assert_msg(r.status == 128 + SIGTERM && !strcmp(r.out, "listening\n"),
		      "status %d\n--- stdout\n%s--- stderr\n%s", r.status, r.out, r.err);
	run_result_free(&r);
	len = make_addr(&ss, "127.0.0.1", port);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_msg(connect(fd, (struct sockaddr *)&ss, len) < 0 && errno == ECONNREFUSED,
		      "the port still listens after lstar ended: %s", strerror(errno));
	close(fd);
}
END_TEST

/*
 * `net listen 127.0.0.2:PORT`, the server on the wildcard: a client from
 * 127.0.0.1 is an accepted peer no rule names, closed by lstar at once
 * (it sees its connection end without an answer) and never shown to the
 * server; one from 127.0.0.2 is served.
 */
START_TEST(server_refuses_peer)
{
	const char *prog = probe("net_server", _i);
	char rule[64], port_text[16];
	const char *const opts[] = { "--net", rule, "--timeout", "40", NULL };
	const char *const args[] = { "0.0.0.0", port_text, "1", "et", NULL };
	int port = free_port("0.0.0.0");
	struct host_client refused = { .addr = "127.0.0.1", .src = "127.0.0.1", .port = port,
				       .line = "from 127.0.0.1\n" };
	struct host_client allowed = { .addr = "127.0.0.2", .src = "127.0.0.2", .port = port,
				       .line = "from 127.0.0.2\n" };
	struct background b;
	struct run_result r;

	snprintf(port_text, sizeof(port_text), "%d", port);
	snprintf(rule, sizeof(rule), "listen 127.0.0.2:%d", port);
	background_start(&b, opts, prog, args);
	host_client_start(&refused);
	pthread_join(refused.thread, NULL);
	host_client_start(&allowed);
	pthread_join(allowed.thread, NULL);
	background_finish(&b, &r);
	ck_assert_msg(!strchr(refused.reply, '\n') &&
		      (refused.error == 0 || refused.error == ECONNRESET || refused.error == EPIPE),
		      "the refused peer: %s, got \"%s\" (want the connection ended, no answer)\n"
		      "--- server's stdout\n%s--- stderr\n%s", strerror(refused.error),
		      refused.reply, r.out, r.err);
	ck_assert_msg(!allowed.error && !strcmp(allowed.reply, "FROM 127.0.0.2\n"),
		      "the allowed peer: %s, got \"%s\"\n--- server's stdout\n%s--- stderr\n%s",
		      strerror(allowed.error), allowed.reply, r.out, r.err);
	ck_assert_msg(r.status == 0 &&
		      !strcmp(r.out, "listening\nclient from 127.0.0.2\nserved 1\n"),
		      "status %d\n--- stdout\n%s--- stderr\n%s", r.status, r.out, r.err);
	run_result_free(&r);
}
END_TEST

/* UDP to a host echo server, `net connect 127.0.0.1:PORT/udp`: sendto,
 * connect, send, sendmsg, recvmsg and a datagram cut short, as natively. */
START_TEST(udp_as_native)
{
	struct peer p;
	char port[16], rule[64];
	const char *const args[] = { "echo", port, NULL };
	const char *const opts[] = { "--net", rule, "--timeout", "30", NULL };

	peer_start(&p, "127.0.0.1", SOCK_DGRAM);
	snprintf(port, sizeof(port), "%d", p.port);
	snprintf(rule, sizeof(rule), "connect 127.0.0.1:%d/udp", p.port);
	same_as_native(opts, probe("net_udp", _i), args,
		       "recvfrom: \"PING\" from the server\n"
		       "recvfrom, connected: \"CONNECTED\" from the server\n"
		       "recvmsg: 7 bytes, \"SEN\" then \"DMSG\", flags 0\n"
		       "recvmsg, short buffer: 7 bytes, flags MSG_TRUNC\n"
		       "recv, nothing to come: EAGAIN\n"
		       "recv MSG_DONTWAIT: EAGAIN\n");
	peer_stop(&p);
}
END_TEST

/* Three datagrams in one sendmmsg, the answers by recvmmsg. */
START_TEST(udp_mmsg_as_native)
{
	struct peer p;
	char port[16], rule[64];
	const char *const args[] = { "mmsg", port, NULL };
	const char *const opts[] = { "--net", rule, "--timeout", "30", NULL };

	peer_start(&p, "127.0.0.1", SOCK_DGRAM);
	snprintf(port, sizeof(port), "%d", p.port);
	snprintf(rule, sizeof(rule), "connect 127.0.0.1:%d/udp", p.port);
	same_as_native(opts, probe("net_udp", _i), args,
		       "sendmmsg: 3\n  3 bytes\n  3 bytes\n  5 bytes\n"
		       "recvmmsg: \"ONE\"\nrecvmmsg: \"TWO\"\nrecvmmsg: \"THREE\"\n");
	peer_stop(&p);
}
END_TEST

/* A datagram from a port no rule names, sent before the server's
 * answer: natively it arrives first; under lstar it is dropped and the
 * answer is the first the program receives. */
START_TEST(udp_stray_dropped)
{
	struct peer p;
	char port[16], rule[64];
	const char *const args[] = { "stray", port, NULL };
	const char *const opts[] = { "--net", rule, "--timeout", "30", NULL };
	const char *argv[] = { probe("net_udp", _i), "stray", port, NULL };
	struct run_result r;

	peer_start(&p, "127.0.0.1", SOCK_DGRAM);
	snprintf(port, sizeof(port), "%d", p.port);
	snprintf(rule, sizeof(rule), "connect 127.0.0.1:%d", p.port);
	run_argv((char *const *)argv, NULL, 30, &r);
	ck_assert_msg(r.status == 0 && !strcmp(r.out, "first: \"intruder\" from another port\n"),
		      "natively (the stray must come first): status %d\n--- stdout\n%s"
		      "--- stderr\n%s",
		      r.status, r.out, r.err);
	run_result_free(&r);
	boxed_prints(opts, argv[0], args, 0, "first: \"STRAY\" from the server\n");
	peer_stop(&p);
}
END_TEST

/* sendto, sendmsg and connect to what the policy does not name. */
START_TEST(udp_refused)
{
	struct peer p;
	char port[16], other[16], rule[64];
	const char *const args[] = { "refused", port, other, NULL };
	const char *const opts[] = { "--net", rule, "--timeout", "30", NULL };

	peer_start(&p, "127.0.0.1", SOCK_DGRAM);
	snprintf(port, sizeof(port), "%d", p.port);
	snprintf(other, sizeof(other), "%d", free_port("127.0.0.1"));
	snprintf(rule, sizeof(rule), "connect 127.0.0.1:%d/udp", p.port);
	boxed_prints(opts, probe("net_udp", _i), args, 0,
		     "sendto 127.0.0.1, another port: EACCES\n"
		     "sendto 127.0.0.2, the named port: EACCES\n"
		     "sendto 10.0.0.1:53: EACCES\n"
		     "sendto 192.0.2.1:53: EACCES\n"
		     "sendto 255.255.255.255, the named port: EACCES\n"
		     "sendto 224.0.0.251:5353: EACCES\n"
		     "sendto [::1], the named port: EACCES\n"
		     "sendto [ff02::1], the named port: EACCES\n"
		     "sendto [::ffff:127.0.0.1], another port: EACCES\n"
		     "sendmsg 127.0.0.1, another port: EACCES\n"
		     "sendmmsg, another port first: -1 EACCES\n"
		     "sendmmsg, another port second: 1\n"
		     "its answer: \"X\" from the server\n"
		     "connect 127.0.0.1, another port: EACCES\n"
		     "recvfrom: \"AFTER\" from the server\n");
	peer_stop(&p);
}
END_TEST

/* A `/udp` rule is not a TCP one, and a `/tcp` rule not a UDP one. */
START_TEST(protocol_refused)
{
	char port[16], rule[64];
	const char *const tcp[] = { "conns", port, "1", NULL };
	const char *const udp[] = { "send", port, NULL };
	const char *const opts[] = { "--net", rule, "--timeout", "30", NULL };
	int n = free_port("127.0.0.1");

	snprintf(port, sizeof(port), "%d", n);
	snprintf(rule, sizeof(rule), "connect 127.0.0.1:%d/udp", n);
	boxed_prints(opts, probe("net_client", _i), tcp, 1, "connection 0: EACCES\n");
	snprintf(rule, sizeof(rule), "connect 127.0.0.1:%d/tcp", n);
	boxed_prints(opts, probe("net_udp", _i), udp, 0, "sendto the named port: EACCES\n");
}
END_TEST

/* No `net` rule: no AF_INET or AF_INET6 socket, no other family but
 * AF_UNIX; a socket pair still works both ways. */
START_TEST(no_net_by_default)
{
	const char *const args[] = { "nonet", NULL };

	boxed_prints(NULL, probe("net_local", _i), args, 0,
		     "socket AF_INET, SOCK_STREAM: EAFNOSUPPORT\n"
		     "socket AF_INET, SOCK_DGRAM: EAFNOSUPPORT\n"
		     "socket AF_INET6, SOCK_STREAM: EAFNOSUPPORT\n"
		     "socket AF_INET6, SOCK_DGRAM: EAFNOSUPPORT\n"
		     "socket AF_INET, SOCK_RAW: EAFNOSUPPORT\n"
		     "socket AF_NETLINK: EAFNOSUPPORT\n"
		     "socket AF_PACKET: EAFNOSUPPORT\n"
		     "socket AF_VSOCK: EAFNOSUPPORT\n"
		     "socketpair AF_UNIX: 0\n"
		     "read one way: 5\n"
		     "read the other: 4\n"
		     "there, back\n"
		     "socket AF_UNIX, SOCK_STREAM: 0\n");
}
END_TEST

/* With a `net` rule, the other families stay refused and a raw socket
 * is EPERM, as for a user without CAP_NET_RAW. */
START_TEST(other_families_with_net)
{
	const char *const args[] = { "nonet", NULL };
	const char *const opts[] = { "--net", "connect 127.0.0.1:9/tcp", NULL };

	boxed_prints(opts, probe("net_local", _i), args, 0,
		     "socket AF_INET, SOCK_STREAM: 0\n"
		     "socket AF_INET, SOCK_DGRAM: 0\n"
		     "socket AF_INET6, SOCK_STREAM: 0\n"
		     "socket AF_INET6, SOCK_DGRAM: 0\n"
		     "socket AF_INET, SOCK_RAW: EPERM\n"
		     "socket AF_NETLINK: EAFNOSUPPORT\n"
		     "socket AF_PACKET: EAFNOSUPPORT\n"
		     "socket AF_VSOCK: EAFNOSUPPORT\n"
		     "socketpair AF_UNIX: 0\n"
		     "read one way: 5\n"
		     "read the other: 4\n"
		     "there, back\n"
		     "socket AF_UNIX, SOCK_STREAM: 0\n");
}
END_TEST

/* Socket pairs of each type, a child at the other end, poll, select,
 * ppoll and pselect over sockets and pipes: as natively, without a net
 * rule (_i / 2 == 0) and with one. */
START_TEST(pairs_as_native)
{
	const char *const args[] = { "pair", NULL };
	const char *const net[] = { "--net", "connect 127.0.0.1:9/tcp", NULL };

	same_as_native(_i / 2 ? net : NULL, probe("net_local", _i % 2), args,
		       "recv after shutdown: 0\n");
}
END_TEST

/* A read waiting on a socket ends with EINTR when a handler runs,
 * or goes on under SA_RESTART, as natively. */
START_TEST(signal_ends_wait)
{
	const char *const args[] = { "intr", NULL };
	const char *const opts[] = { "--timeout", "30", NULL };

	same_as_native(opts, probe("net_local", _i), args,
		       "read, a handler without SA_RESTART: EINTR\n"
		       "read what came after: 5\n"
		       "recv, a handler with SA_RESTART: 5\n");
}
END_TEST

/* A named AF_UNIX socket beneath an rw tree: bind, listen, a child
 * connects, accept4; as natively. */
START_TEST(unix_named_as_native)
{
	char dir[] = "/tmp/lstar-net-XXXXXX";
	const char *const args[] = { "unix", dir, NULL };
	const char *const opts[] = { "--rw", dir, "--timeout", "30", NULL };

	ck_assert_ptr_nonnull(mkdtemp(dir));
	same_as_native(opts, probe("net_local", _i), args, "unlink: 0\n");
	rm_rf(dir);
}
END_TEST

/* An abstract name is the host's namespace: EACCES. */
START_TEST(unix_abstract_refused)
{
	const char *const args[] = { "abstract", NULL };

	boxed_prints(NULL, probe("net_local", _i), args, 0,
		     "bind abstract: EACCES\nconnect abstract: EACCES\n");
}
END_TEST

/* Can the tests listen on host (127.0.0.1 or ::1) here and connect to
 * themselves?  NULL when they can, else why not (a machine whose
 * loopback is down: 127.0.0.1 can then be bound but not reached; one
 * without IPv6). */
static const char *no_loopback(const char *host)
{
	static char why[2][128];
	bool six = strchr(host, ':') != NULL;
	char *w = why[six];
	struct sockaddr_in in = { .sin_family = AF_INET };
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };
	struct sockaddr *sa = six ? (struct sockaddr *)&in6 : (struct sockaddr *)&in;
	socklen_t len = six ? sizeof(in6) : sizeof(in);
	const char *failed = NULL;
	int lfd, fd = -1;

	/* Not make_addr: Check's asserts work only inside a test. */
	inet_pton(sa->sa_family, host, six ? (void *)&in6.sin6_addr : (void *)&in.sin_addr);
	lfd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		failed = "socket";
	else if (bind(lfd, sa, len) < 0)
		failed = "bind";
	else if (listen(lfd, 1) < 0 || getsockname(lfd, sa, &len) < 0)
		failed = "listen";
	else if ((fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
		failed = "socket";
	else if (connect(fd, sa, len) < 0 && errno != EINPROGRESS)
		failed = "connect";
	else if (poll(&(struct pollfd){ lfd, POLLIN, 0 }, 1, 2000) != 1)
		failed = "accept", errno = ETIMEDOUT;
	if (failed)
		snprintf(w, sizeof(why[0]), "%s %s: %s", failed, host, strerror(errno));
	if (fd >= 0)
		close(fd);
	if (lfd >= 0)
		close(lfd);
	return failed ? w : NULL;
}

/* The client over IPv6 loopback, `net connect [::1]:PORT`. */
START_TEST(client_as_native_ipv6)
{
	struct peer p;
	char port[16], rule[64], want[512];
	const char *const args[] = { "echo", "::1", port, NULL };
	const char *const opts[] = { "--net", rule, "--timeout", "30", NULL };

	peer_start(&p, "::1", SOCK_STREAM);
	snprintf(port, sizeof(port), "%d", p.port);
	snprintf(rule, sizeof(rule), "connect [::1]:%d", p.port);
	snprintf(want, sizeof(want), want_echo, "::1");
	same_as_native(opts, probe("net_client", _i), args, want);
	peer_stop(&p);
}
END_TEST

Suite *suite_net(void)
{
	Suite *s = suite_create("net");
	TCase *tc = tcase_create("tcp");
	TCase *tu = tcase_create("udp");
	TCase *tl = tcase_create("local");
	TCase *t6 = tcase_create("ipv6");
	const char *no_ipv4 = no_loopback("127.0.0.1");
	const char *no_ipv6 = no_loopback("::1");

	/* Without a loopback the host peers cannot listen: say so, as for
	 * every test a machine cannot run. */
	if (no_ipv4) {
		printf("lstar tests: net's tcp and udp cases not run: no IPv4 loopback here (%s)\n",
		       no_ipv4);
	} else {
		tcase_set_timeout(tc, 120);
		tcase_add_loop_test(tc, client_as_native, 0, 4);
		tcase_add_loop_test(tc, client_many_connections, 0, 2);
		tcase_add_loop_test(tc, client_refused, 0, 2);
		tcase_add_loop_test(tc, server_as_native_ipv4, 0, 6);
		tcase_add_loop_test(tc, server_many_clients, 0, 2);
		tcase_add_loop_test(tc, server_loopback_rule, 0, 2);
		tcase_add_loop_test(tc, server_any_peer, 0, 2);
		tcase_add_loop_test(tc, client_policy_ranges, 0, 2);
		tcase_add_loop_test(tc, client_bulk, 0, 2);
		tcase_add_loop_test(tc, client_shared_by_processes, 0, 2);
		tcase_add_loop_test(tc, client_numeric_getaddrinfo, 0, 2);
		tcase_add_loop_test(tc, client_and_server_in_one, 0, 2);
		tcase_add_test(tc, refusals_said);
		tcase_add_loop_test(tc, learned_as_used, 0, 2);
		tcase_add_loop_test(tc, trace_shows_the_judged_address, 0, 2);
		tcase_add_loop_test(tc, lingering_close_as_native, 0, 2);
		tcase_add_loop_test(tc, connect_outcomes, 0, 4);
		tcase_add_loop_test(tc, server_refuses_peer, 0, 2);
		tcase_add_loop_test(tc, server_stopped_while_waiting, 0, 4);
		suite_add_tcase(s, tc);

		tcase_set_timeout(tu, 120);
		tcase_add_loop_test(tu, udp_as_native, 0, 2);
		tcase_add_loop_test(tu, udp_mmsg_as_native, 0, 2);
		tcase_add_loop_test(tu, udp_stray_dropped, 0, 2);
		tcase_add_loop_test(tu, udp_refused, 0, 2);
		tcase_add_loop_test(tu, protocol_refused, 0, 2);
		suite_add_tcase(s, tu);
	}

	tcase_set_timeout(tl, 120);
	tcase_add_loop_test(tl, no_net_by_default, 0, 2);
	tcase_add_loop_test(tl, other_families_with_net, 0, 2);
	tcase_add_loop_test(tl, options_as_native, 0, 2);
	tcase_add_loop_test(tl, pairs_as_native, 0, 4);
	tcase_add_loop_test(tl, signal_ends_wait, 0, 2);
	tcase_add_loop_test(tl, unix_named_as_native, 0, 2);
	tcase_add_loop_test(tl, unix_abstract_refused, 0, 2);
	suite_add_tcase(s, tl);

	if (no_ipv6) {
		printf("lstar tests: net's ipv6 cases not run: no IPv6 loopback here (%s)\n",
		       no_ipv6);
	} else {
		tcase_set_timeout(t6, 120);
		tcase_add_loop_test(t6, client_as_native_ipv6, 0, 2);
		tcase_add_loop_test(t6, server_as_native_ipv6, 0, 4);
		suite_add_tcase(s, t6);
	}
	return s;
}
