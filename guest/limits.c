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
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>

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
	}
	return 2;
}
