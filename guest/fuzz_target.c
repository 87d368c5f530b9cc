/* SPDX-License-Identifier: MIT */
/*
 * fuzz_target - a program to fuzz, for `lstar fuzz`'s tests: it reads one
 * input (standard input, or the file argv[1]) and says what it made of
 * it, including what an execution that did not start from a clean
 * snapshot would show: how many times main's work ran (a counter in
 * .bss), what the last input was (.data), the next free descriptor and
 * whether a fresh mapping reads zero.  The first four bytes pick a
 * behaviour:
 *
 *   CRSH  a write through a null pointer (SIGSEGV)
 *   ABRT  abort() (SIGABRT)
 *   LOOP  spin forever (for timeouts)
 *   EXIT  exit with the fifth byte as status
 *   OPEN  leave a descriptor open (a dup of standard output)
 *   MMAP  map, dirty and keep 1 MiB at a fixed address (the page tables
 *         change); every run says whether that address is mapped
 *   HEAP  malloc and keep 256 KiB (the break, or a mapping, grows)
 *   GROW  recurse 64 KiB deeper into the stack
 *   PRIV  run `hlt`, which ring 3 may not (SIGSEGV)
 *   KMEM  read the shim's first byte, which ring 3 may not (SIGSEGV):
 *         an execution that lstar starts in ring 3 itself is no more
 *         privileged than one the shim returns to
 *   DIRT  write one byte in each of the N pages (N in decimal after it,
 *         at most 4096) of a 16 MiB array and exit at once (no probes:
 *         the page tables stay as they are): what a reset costs
 *         (make bench)
 *
 * With "--mark" first, it calls lstar_fuzz_snapshot() before it reads.
 * With "--new-hello", it first says hello on descriptor 199 as the
 * runtime of AFL++ 4.20 and later does (the newer handshake's opening,
 * "AFL" and version 1), which fails here as it would in such a program
 * run without afl-fuzz: lstar fuzz then speaks that handshake.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "lstar_fuzz.h"

static int runs;			/* .bss */
static char last[16] = "none";		/* .data */
static volatile uint32_t sink;
static volatile char pages[4096][4096];	/* .bss: DIRT's */

/* Where MMAP maps its megabyte. */
#define FIXED	((void *)0x300000000000UL)

static uint32_t grow(int depth)
{
	volatile char frame[1024];

	frame[0] = (char)depth;
	if (depth > 0)
		return grow(depth - 1) + frame[0];
	return frame[0];
}

int main(int argc, char **argv)
{
	char buf[4097];
	const char *path = NULL;
	uint32_t sum = 0;
	ssize_t n;
	int fd = 0, probe;
	char *map;

	for (; argc > 1 && !strncmp(argv[1], "--", 2); argc--, argv++) {
		if (!strcmp(argv[1], "--mark")) {
			lstar_fuzz_snapshot();
		} else if (!strcmp(argv[1], "--new-hello")) {
			uint32_t hello = 0x41464c01;

			if (write(199, &hello, 4) == 4)
				return 3;	/* a driver is there: not for us */
		}
	}
	if (argc > 1)
		path = argv[1];
	if (path && (fd = open(path, O_RDONLY)) < 0) {
		perror(path);
		return 2;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0) {
		perror("read");
		return 2;
	}
	buf[n] = 0;
	if (path)
		close(fd);
	runs++;
	for (ssize_t i = 0; i < n; i++)
		sum = sum * 31 + (uint8_t)buf[i];
	if (n >= 4 && !memcmp(buf, "CRSH", 4))
		*(volatile int *)(uintptr_t)(sum & 0) = 1;
	if (n >= 4 && !memcmp(buf, "ABRT", 4))
		abort();
	if (n >= 4 && !memcmp(buf, "LOOP", 4))
		for (;;)
			sink++;
	if (n >= 5 && !memcmp(buf, "EXIT", 4))
		exit((uint8_t)buf[4]);
	if (n >= 4 && !memcmp(buf, "OPEN", 4))
		dup(1);
	if (n >= 4 && !memcmp(buf, "MMAP", 4)) {
		map = mmap(FIXED, 1 << 20, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (map != MAP_FAILED)
			memset(map, 'm', 1 << 20);
	}
	if (n >= 4 && !memcmp(buf, "HEAP", 4))
		memset(malloc(256 << 10), 'h', 256 << 10);
	if (n >= 4 && !memcmp(buf, "GROW", 4))
		sink = grow(64);
	if (n >= 4 && !memcmp(buf, "PRIV", 4))
		__asm__ volatile("hlt");
	if (n >= 4 && !memcmp(buf, "KMEM", 4))
		sink = *(volatile uint8_t *)0xffffffff80000000UL;
	if (n >= 5 && !memcmp(buf, "DIRT", 4)) {
		long count = strtol(buf + 4, NULL, 10);

		for (long i = 0; i < count && i < 4096; i++)
			pages[i][i % 4096] = (char)n;
		return 0;
	}
	/* A fresh mapping reads zero, whatever an earlier execution left. */
	map = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	probe = dup(2);
	printf("run %d, %zd bytes, sum %08x, last %s, next fd %d, fresh page %s, fixed %s\n",
	       runs, n, sum, last, probe,
	       map != MAP_FAILED && !map[0] && !map[4097] ? "zero" : "DIRTY",
	       uname(FIXED) == 0 ? "mapped" : errno == EFAULT ? "unmapped" : "?");
	if (map != MAP_FAILED)
		map[0] = map[4097] = 'x';
	snprintf(last, sizeof(last), "%.8s", n > 0 ? buf : "");
	for (char *c = last; *c; c++)
		if (*c < ' ' || *c > '~')
			*c = '.';
	return 0;
}
