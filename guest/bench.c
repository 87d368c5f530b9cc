/* SPDX-License-Identifier: MIT */
/*
 * bench.c - workloads for `make bench` (tools/bench.sh):
 *   bench getpid N    N calls answered in the guest (on PVM by the syscall
 *                     gate, in ring 3)
 *   bench gettid N    N calls the shim answers
 *   bench write N     N one-byte writes to stdout (forwarded to the VMM)
 *   bench compute N   N rounds of pure computation (no syscalls)
 *   bench touch MIB   touch MIB mebibytes of fresh heap, one byte a page
 *   bench churn N     N rounds of malloc(1 MiB), a byte a page touched,
 *                     free (a heap that grows and shrinks)
 *   bench clock N     N clock_gettime(CLOCK_MONOTONIC) calls through libc
 *                     (the vDSO where there is one)
 *   bench signal N    N signals raised and handled (tkill, the frame, the
 *                     handler, rt_sigreturn)
 *   bench futex N     N FUTEX_WAKE calls that find no waiter
 *   bench threads N   N threads created and joined, one after another
 *   bench pingpong N  N wake-ups each way between two threads that take
 *                     turns on a futex word
 *   bench map N       N one-page mmap+write+munmap
 *   bench mapshared N the same while another thread runs (its TLB must
 *                     be flushed before a freed page is reused)
 *   bench mapfile N FILE        N one-page mmap+write+munmap of FILE's
 *                               first page, MAP_PRIVATE
 *   bench mapfileshared N FILE  the same, MAP_SHARED
 *   bench netserve              the peer of the network workloads, run
 *                               natively beside them: listens on
 *                               127.0.0.1, prints its port, then serves
 *                               one connection after another for ever
 *   bench rtt PORT N            N one-byte round trips on one TCP
 *                               connection to the peer on PORT
 *   bench connect PORT N        N connections, each one byte there and
 *                               back, then closed
 *   bench send PORT MIB         MIB mebibytes to the peer, which counts
 *                               them and says how many it got
 *   bench recv PORT MIB         MIB mebibytes from the peer
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#define FUTEX_WAIT_PRIVATE 128	/* FUTEX_WAIT | FUTEX_PRIVATE_FLAG */
#define FUTEX_WAKE_PRIVATE 129	/* FUTEX_WAKE | FUTEX_PRIVATE_FLAG */

static volatile long handled;
static int turn;

static void *nothing(void *arg)
{
	return arg;
}

/* Wait until the word is mine (want), then hand it over (next). */
static void take_turn(int want, int next)
{
	while (__atomic_load_n(&turn, __ATOMIC_ACQUIRE) != want)
		syscall(SYS_futex, &turn, FUTEX_WAIT_PRIVATE, 1 - want, NULL, NULL, 0);
	__atomic_store_n(&turn, next, __ATOMIC_RELEASE);
	syscall(SYS_futex, &turn, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static volatile int spinning = 1;

static void *spinner(void *arg)
{
	(void)arg;
	while (spinning)
		__asm__ volatile("" ::: "memory");
	return NULL;
}

static int map_unmap(long n)
{
	for (long i = 0; i < n; i++) {
		char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			       -1, 0);

		if (p == MAP_FAILED)
			return 1;
		p[0] = 1;
		munmap(p, 4096);
	}
	return 0;
}

static int map_file(long n, const char *path, int type)
{
	int fd = open(path, O_RDWR);

	if (fd < 0)
		return 1;
	for (long i = 0; i < n; i++) {
		char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, type, fd, 0);

		if (p == MAP_FAILED)
			return 1;
		p[0] = 1;
		munmap(p, 4096);
	}
	return 0;
}

static void *ponger(void *arg)
{
	long n = (long)arg;

	for (long i = 0; i < n; i++)
		take_turn(1, 0);
	return NULL;
}

/*
 * The network workloads.  A connection starts with one byte that says
 * what the peer does: 'e' echo every byte until the end of the stream,
 * 's' swallow it all then answer with the count (8 bytes), 'g' followed
 * by a 4-byte count of MiB: send that many, then close.
 */
#define NET_CHUNK (64 << 10)

/* Each says why it failed: make bench prints it below the table. */
static int write_all(int fd, const void *buf, size_t len)
{
	for (size_t done = 0; done < len;) {
		ssize_t n = write(fd, (const char *)buf + done, len - done);

		if (n <= 0) {
			perror("bench: write");
			return -1;
		}
		done += n;
	}
	return 0;
}

static int read_all(int fd, void *buf, size_t len)
{
	for (size_t done = 0; done < len;) {
		ssize_t n = read(fd, (char *)buf + done, len - done);

		if (n <= 0) {
			if (n == 0)
				fprintf(stderr, "bench: read: the stream ended early\n");
			else
				perror("bench: read");
			return -1;
		}
		done += n;
	}
	return 0;
}

static void net_serve_one(int c, char *buf)
{
	char op;
	uint32_t mib;
	uint64_t total = 0;
	ssize_t n;

	if (read_all(c, &op, 1) < 0)
		return;
	if (op == 'e') {
		while ((n = read(c, buf, NET_CHUNK)) > 0)
			if (write_all(c, buf, n) < 0)
				return;
	} else if (op == 's') {
		while ((n = read(c, buf, NET_CHUNK)) > 0)
			total += n;
		write_all(c, &total, sizeof(total));
	} else if (op == 'g' && read_all(c, &mib, sizeof(mib)) == 0) {
		memset(buf, 'g', NET_CHUNK);
		for (uint64_t i = 0; i < (uint64_t)mib << 20; i += NET_CHUNK)
			if (write_all(c, buf, NET_CHUNK) < 0)
				return;
	}
}

static int net_serve(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
	char *buf = malloc(NET_CHUNK);

	if (fd < 0 || !buf || bind(fd, (struct sockaddr *)&a, len) < 0 || listen(fd, 64) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		return 1;
	printf("%d\n", ntohs(a.sin_port));
	fflush(stdout);
	/* One at a time: the workloads make one connection at a time, and
	 * a peer that forks would measure its fork too. */
	for (;;) {
		int c = accept(fd, NULL, NULL);

		if (c < 0)
			continue;
		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		net_serve_one(c, buf);
		close(c);
	}
}

/* A connection to the peer on 127.0.0.1:port, its first byte op sent. */
static int net_open(int port, char op)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0 ||
	    write_all(fd, &op, 1) < 0) {
		perror("bench: 127.0.0.1");
		exit(1);
	}
	return fd;
}

static int net_rtt(int port, long n)
{
	int fd = net_open(port, 'e');
	char b = 'x';

	for (long i = 0; i < n; i++)
		if (write_all(fd, &b, 1) < 0 || read_all(fd, &b, 1) < 0)
			return 1;
	return close(fd) < 0;
}

static int net_connect(int port, long n)
{
	for (long i = 0; i < n; i++) {
		int fd = net_open(port, 'e');
		char b = 'x';

		if (write_all(fd, &b, 1) < 0 || read_all(fd, &b, 1) < 0 || close(fd) < 0)
			return 1;
	}
	return 0;
}

static int net_send(int port, long mib)
{
	int fd = net_open(port, 's');
	char *buf = malloc(NET_CHUNK);
	uint64_t got;

	if (!buf)
		return 1;
	memset(buf, 's', NET_CHUNK);
	for (long i = 0; i < mib << 20; i += NET_CHUNK)
		if (write_all(fd, buf, NET_CHUNK) < 0)
			return 1;
	/* The peer answers once it has seen the end: then all arrived. */
	if (shutdown(fd, SHUT_WR) < 0 || read_all(fd, &got, sizeof(got)) < 0)
		return 1;
	if (got != (uint64_t)mib << 20) {
		fprintf(stderr, "bench: the peer got %llu bytes\n", (unsigned long long)got);
		return 1;
	}
	return close(fd) < 0;
}

static int net_recv(int port, long mib)
{
	int fd = net_open(port, 'g');
	uint32_t n = mib;
	char *buf = malloc(NET_CHUNK);
	uint64_t total = 0;
	ssize_t r;

	if (!buf || write_all(fd, &n, sizeof(n)) < 0)
		return 1;
	while ((r = read(fd, buf, NET_CHUNK)) > 0)
		total += r;
	if (r < 0 || total != (uint64_t)mib << 20) {
		fprintf(stderr, "bench: received %llu bytes: %s\n", (unsigned long long)total,
			r < 0 ? strerror(errno) : "not all");
		return 1;
	}
	return close(fd) < 0;
}

static void on_usr1(int sig)
{
	(void)sig;
	handled++;
}

int main(int argc, char **argv)
{
	long n = argc > 2 ? atol(argv[2]) : 1000;
	uint64_t h = 1469598103934665603ULL;

	if (argc < 2)
		return 2;
	if (!strcmp(argv[1], "getpid")) {
		for (long i = 0; i < n; i++)
			syscall(SYS_getpid);
	} else if (!strcmp(argv[1], "gettid")) {
		for (long i = 0; i < n; i++)
			syscall(SYS_gettid);
	} else if (!strcmp(argv[1], "write")) {
		for (long i = 0; i < n; i++)
			if (write(1, "x", 1) != 1)
				return 1;
	} else if (!strcmp(argv[1], "compute")) {
		for (long i = 0; i < n * 1000000; i++)
			h = (h ^ (uint64_t)i) * 1099511628211ULL;
		printf("%llx\n", (unsigned long long)h);
	} else if (!strcmp(argv[1], "touch")) {
		char *p = malloc((size_t)n << 20);

		if (!p)
			return 1;
		for (long i = 0; i < n << 20; i += 4096)
			p[i] = 1;
		printf("%d\n", p[4096]);
	} else if (!strcmp(argv[1], "churn")) {
		for (long r = 0; r < n; r++) {
			volatile char *p = malloc(1 << 20);

			if (!p)
				return 1;
			for (long i = 0; i < 1 << 20; i += 4096)
				p[i] = (char)r;
			h += (uint64_t)p[4096];
			free((void *)p);
		}
		printf("%llx\n", (unsigned long long)h);
	} else if (!strcmp(argv[1], "clock")) {
		struct timespec ts;
		int64_t sum = 0;

		for (long i = 0; i < n; i++) {
			if (clock_gettime(CLOCK_MONOTONIC, &ts))
				return 1;
			sum += ts.tv_nsec & 1;
		}
		printf("%lld\n", (long long)(sum >= 0));
	} else if (!strcmp(argv[1], "signal")) {
		signal(SIGUSR1, on_usr1);
		for (long i = 0; i < n; i++)
			raise(SIGUSR1);
		if (handled != n)
			return 1;
	} else if (!strcmp(argv[1], "futex")) {
		static int word;

		for (long i = 0; i < n; i++)
			if (syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0) != 0)
				return 1;
	} else if (!strcmp(argv[1], "threads")) {
		for (long i = 0; i < n; i++) {
			pthread_t t;

			if (pthread_create(&t, NULL, nothing, NULL) || pthread_join(t, NULL))
				return 1;
		}
	} else if (!strcmp(argv[1], "pingpong")) {
		pthread_t t;

		if (pthread_create(&t, NULL, ponger, (void *)n))
			return 1;
		for (long i = 0; i < n; i++)
			take_turn(0, 1);
		pthread_join(t, NULL);
	} else if (!strcmp(argv[1], "map")) {
		return map_unmap(n);
	} else if (!strcmp(argv[1], "mapshared")) {
		pthread_t t;
		int r;

		if (pthread_create(&t, NULL, spinner, NULL))
			return 1;
		r = map_unmap(n);
		spinning = 0;
		pthread_join(t, NULL);
		return r;
	} else if (!strcmp(argv[1], "mapfile") && argc > 3) {
		return map_file(n, argv[3], MAP_PRIVATE);
	} else if (!strcmp(argv[1], "mapfileshared") && argc > 3) {
		return map_file(n, argv[3], MAP_SHARED);
	} else if (!strcmp(argv[1], "netserve")) {
		return net_serve();
	} else if (!strcmp(argv[1], "rtt") && argc > 3) {
		return net_rtt(atoi(argv[2]), atol(argv[3]));
	} else if (!strcmp(argv[1], "connect") && argc > 3) {
		return net_connect(atoi(argv[2]), atol(argv[3]));
	} else if (!strcmp(argv[1], "send") && argc > 3) {
		return net_send(atoi(argv[2]), atol(argv[3]));
	} else if (!strcmp(argv[1], "recv") && argc > 3) {
		return net_recv(atoi(argv[2]), atol(argv[3]));
	} else if (!strcmp(argv[1], "fork")) {
		/* fork, the child exits at once, the parent waits */
		for (long i = 0; i < n; i++) {
			pid_t c = fork();
			int st;

			if (c == 0)
				_exit(0);
			if (c < 0 || waitpid(c, &st, 0) != c || st)
				return 1;
		}
	} else if (!strcmp(argv[1], "spawn")) {
		/* fork, the child execs busybox true, the parent waits */
		for (long i = 0; i < n; i++) {
			pid_t c = fork();
			int st;

			if (c == 0) {
				execl("/usr/bin/busybox", "true", (char *)NULL);
				_exit(127);
			}
			if (c < 0 || waitpid(c, &st, 0) != c || st)
				return 1;
		}
	} else {
		return 2;
	}
	return 0;
}
