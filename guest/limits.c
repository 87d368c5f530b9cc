/* SPDX-License-Identifier: MIT */
/*
 * limits.c - a program that runs into lstar's limits:
 *   limits spin        loop forever without a syscall (--timeout)
 *   limits sleep       sleep for an hour in one nanosleep (--timeout)
 *   limits alloc       map 1 MiB chunks until ENOMEM (--mem), then use
 *                      what it got and exit 0
 *   limits tables      map and unmap one page at 1500 addresses 1 GiB
 *                      apart: each needs page tables of its own, which
 *                      must be given back (or --mem runs out)
 *   limits nofile      print RLIMIT_NOFILE (`limit files`)
 *   limits fill FILE   write FILE in 64 KiB pieces until a write fails
 *                      (a full file system: ENOSPC), say when and how
 *   limits fds         dup(0) until it fails: how many, and the errno
 *   limits pipefull    fill a pipe nobody reads, then block writing to it
 *   limits job N       one sandboxed job among many: write a file of its
 *                      own (./job.data), read it back, print its checksum;
 *                      jobs end differently by N (status N % 8, a crash
 *                      when N % 4 == 3, a spin for --timeout when N % 8 == 5)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (!strcmp(mode, "spin")) {
		for (volatile unsigned long i = 0;; i++)
			;
	} else if (!strcmp(mode, "sleep")) {
		struct timespec ts = { 3600, 0 };

		nanosleep(&ts, NULL);
		return 1;
	} else if (!strcmp(mode, "tables")) {
		int i;

		for (i = 0; i < 1500; i++) {
			char *want = (char *)0x100000000000UL + ((unsigned long)i << 30);
			char *p = mmap(want, 4096, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);

			if (p == MAP_FAILED)
				break;
			p[0] = 1;
			munmap(p, 4096);
		}
		printf("mapped and unmapped %d times\n", i);
		return 0;
	} else if (!strcmp(mode, "nofile")) {
		struct rlimit r;

		if (getrlimit(RLIMIT_NOFILE, &r) < 0)
			return 1;
		printf("nofile %llu %llu\n", (unsigned long long)r.rlim_cur,
		       (unsigned long long)r.rlim_max);
		return 0;
	} else if (!strcmp(mode, "alloc")) {
		long mib = 0;

		for (;; mib++) {
			char *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (p == MAP_FAILED) {
				printf("stopped with %s after %ld MiB\n",
				       errno == ENOMEM ? "ENOMEM" : "another error", mib);
				break;
			}
			p[0] = p[(1 << 20) - 1] = 1;
		}
		/* Still alive and able to use the heap. */
		printf("malloc after: %s\n", mib > 0 ? "ok" : "nothing mapped");
		fprintf(stderr, "%ld\n", mib);
		return 0;
	} else if (!strcmp(mode, "fill") && argc > 2) {
		static char buf[65536];
		int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
		long long total = 0;
		ssize_t n;

		if (fd < 0)
			return 1;
		memset(buf, 'x', sizeof(buf));
		while ((n = write(fd, buf, sizeof(buf))) > 0)
			total += n;
		printf("write failed with %s after %s bytes\n",
		       n == 0 ? "0" : errno == ENOSPC ? "ENOSPC" : errno == EFBIG ? "EFBIG" :
		       "another error", total > 0 ? "some" : "no");
		printf("close: %s\n", close(fd) ? "failed" : "ok");
		printf("unlink: %s\n", unlink(argv[2]) ? "failed" : "ok");
		return 0;
	} else if (!strcmp(mode, "fds")) {
		int fd, n = 0;

		while ((fd = dup(0)) >= 0)
			n = fd;
		printf("dup failed with %s; the last descriptor was %d\n",
		       errno == EMFILE ? "EMFILE" : "another error", n);
		return 0;
	} else if (!strcmp(mode, "pipefull")) {
		int p[2];
		long long total = 0;
		ssize_t n;
		char buf[4096] = { 0 };

		if (pipe2(p, O_NONBLOCK))
			return 1;
		while ((n = write(p[1], buf, sizeof(buf))) > 0)
			total += n;
		printf("the pipe holds %lld bytes; now a blocking write\n", total);
		fflush(stdout);
		fcntl(p[1], F_SETFL, 0);
		n = write(p[1], buf, sizeof(buf));	/* never returns */
		printf("write returned %zd\n", n);
		return 1;
	} else if (!strcmp(mode, "job") && argc > 2) {
		int n = atoi(argv[2]), fd;
		unsigned long sum = 0;
		static unsigned char data[256 << 10];

		for (size_t i = 0; i < sizeof(data); i++)
			data[i] = (unsigned char)(i * 31 + n * 7);
		fd = open("job.data", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || write(fd, data, sizeof(data)) != (ssize_t)sizeof(data) || close(fd))
			return 100;
		memset(data, 0, sizeof(data));
		fd = open("job.data", O_RDONLY);
		if (fd < 0 || read(fd, data, sizeof(data)) != (ssize_t)sizeof(data))
			return 101;
		close(fd);
		for (size_t i = 0; i < sizeof(data); i++)
			sum = sum * 131 + data[i];
		printf("job %d: sum %lx\n", n, sum);
		fflush(stdout);
		if (n % 4 == 3) {
			static volatile uintptr_t wild = 16;	/* hidden from -Warray-bounds */

			*(volatile int *)wild = n;	/* SIGSEGV, 139 */
		}
		if (n % 8 == 5)
			for (;;)
				;			/* --timeout: 124 */
		return n % 8;
	}
	return 2;
}
