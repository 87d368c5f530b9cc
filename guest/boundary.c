/* SPDX-License-Identifier: MIT */
/*
 * boundary - lstar's own boundary, fuzzed from inside the sandbox (make
 * fuzz-boundary, tools/fuzz-boundary.sh).
 *
 *   boundary SEED COUNT DIR
 *
 * makes COUNT system calls generated from SEED: numbers across the whole
 * table and beyond it; arguments from pools of what tends to break a
 * kernel: pointers into every region (its own buffers and their edges, a
 * guard page, nothing, the shim's memory, the direct map, non-canonical
 * addresses), lengths at and across page and 2^31/2^32 edges, every flag
 * bit, descriptors open, closed and made up, paths with "..", symbolic
 * links out of DIR (the granted trees DIR/ro and DIR/rw), long components.
 * The program itself may die of what it asks for (it unmaps its own
 * stack, sends itself SIGKILL): that ends the run, which is not a
 * finding.  What the harness looks at is lstar: its status, its stderr,
 * the files outside the trees.
 *
 * Calls that would only end or stall the run are left out: exit and
 * exit_group, pause and the signal waits, rt_sigreturn, and the calls
 * that start processes or programs (each run is one process).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static uint64_t state;

static uint64_t next(void)	/* splitmix64 */
{
	uint64_t z = (state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t below(uint64_t n)
{
	return n ? next() % n : 0;
}

static uint8_t *buf;		/* 64 KiB read-write, then a guard page */
#define BUF_SIZE	(64 << 10)
static char paths[16][5200];
static int npaths;

static long raw(long nr, long a, long b, long c, long d, long e, long f)
{
	long ret;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

static uint64_t pointer(void)
{
	static const uint64_t fixed[] = {
		0, 1, 0x1000, 0x10000,
		0x00007ffffffff000ULL, 0x00007fffffffffffULL,	/* top of user space */
		0x0000800000000000ULL, 0x8000000000000000ULL,	/* non-canonical */
		0xffff800000000000ULL, 0xffff888000000000ULL,	/* the direct map */
		0xffff888001201000ULL, 0xffffffff80000000ULL,	/* boot page */
		0xffffffff80201000ULL, 0xffffffff80400000ULL,	/* the shim */
		0xffffffffffffffffULL, 0xfffffffffffff000ULL,
	};

	switch (below(6)) {
	case 0:
		return fixed[below(sizeof(fixed) / sizeof(fixed[0]))];
	case 1:		/* at or across the guard page */
		return (uint64_t)(buf + BUF_SIZE - below(64));
	case 2:
		return (uint64_t)paths[below((uint64_t)npaths)];
	case 3:
		return (uint64_t)&state;	/* .bss */
	default:
		return (uint64_t)(buf + below(BUF_SIZE));
	}
}

static uint64_t length(void)
{
	static const uint64_t fixed[] = {
		0, 1, 2, 8, 16, 4095, 4096, 4097, 8192, 65536,
		0x7fffffffULL, 0x80000000ULL, 0xffffffffULL, 0x100000000ULL,
		0x100000001ULL, 0x7fffffffffffffffULL, 0xffffffffffffffffULL,
	};

	return below(3) ? fixed[below(sizeof(fixed) / sizeof(fixed[0]))] : below(1 << 20);
}

static uint64_t number(void)
{
	switch (below(6)) {
	case 0:
		return below(16);
	case 1:
		return (uint64_t)-1 - below(4);
	case 2:
		return 1ULL << below(64);	/* one flag bit */
	case 3:
		return next() & next();		/* a few bits */
	case 4:
		return (uint32_t)next() | (next() << 32);
	default:
		return below(1100);		/* descriptors, signals, ids */
	}
}

static uint64_t argument(void)
{
	switch (below(4)) {
	case 0:
		return pointer();
	case 1:
		return length();
	default:
		return number();
	}
}

static int left_out(long nr)
{
	switch (nr) {
	case SYS_exit: case SYS_exit_group: case SYS_pause: case SYS_rt_sigsuspend:
	case SYS_rt_sigtimedwait: case SYS_rt_sigreturn: case SYS_clone: case SYS_fork:
	case SYS_vfork: case SYS_execve: case SYS_execveat: case SYS_clone3:
	case SYS_wait4: case SYS_waitid:
		return 1;
	default:
		return 0;
	}
}

static void add_path(const char *fmt, const char *dir)
{
	snprintf(paths[npaths++], sizeof(paths[0]), fmt, dir);
}

int main(int argc, char **argv)
{
	uint64_t count;
	const char *dir;

	if (argc != 4) {
		fprintf(stderr, "usage: boundary SEED COUNT DIR\n");
		return 2;
	}
	state = strtoull(argv[1], NULL, 0);
	count = strtoull(argv[2], NULL, 0);
	dir = argv[3];
	buf = mmap(NULL, BUF_SIZE + 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return 2;
	mprotect(buf + BUF_SIZE, 4096, PROT_NONE);
	add_path("%s/ro", dir);
	add_path("%s/ro/file", dir);
	add_path("%s/rw/new", dir);
	add_path("%s/rw/../outside/secret", dir);
	add_path("%s/rw/link", dir);		/* the program plants it */
	add_path("%s/rw/link/secret", dir);
	add_path("%s/rw/dir/../../outside", dir);
	add_path("/proc/self/root%s/outside/secret", dir);
	add_path("/proc/self/exe", dir);
	add_path("%s/../../../../../..", dir);
	add_path("/", dir);
	add_path("..", dir);
	memset(paths[npaths], 'a', 300);	/* a component past NAME_MAX */
	npaths++;
	memset(paths[npaths], '/', 4200);	/* a path past PATH_MAX */
	npaths++;
	snprintf(paths[npaths++], sizeof(paths[0]), "%s/rw/%.250s", dir, paths[12]);
	add_path("", dir);
	symlink("../outside", paths[4]);
	for (uint64_t i = 0; i < count; i++) {
		long nr;
		uint64_t a[6];

		if (below(10) == 0)
			nr = below(8) ? (long)below(600) : (long)next();
		else
			nr = (long)below(460);
		if (left_out(nr))
			continue;
		for (int k = 0; k < 6; k++)
			a[k] = argument();
		/* Fresh bytes in the buffer now and then: structures the
		 * kernel reads come out of it. */
		if (below(8) == 0)
			for (int k = 0; k < 64; k++)
				((uint64_t *)buf)[below(BUF_SIZE / 8)] = next();
		raw(nr, (long)a[0], (long)a[1], (long)a[2], (long)a[3], (long)a[4], (long)a[5]);
	}
	return 0;
}
