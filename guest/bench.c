/* SPDX-License-Identifier: MIT */
/*
 * bench.c - workloads for `make bench` (tools/bench.sh):
 *   bench getpid N    N calls the shim answers in the guest
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
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
