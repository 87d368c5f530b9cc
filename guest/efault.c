/* SPDX-License-Identifier: MIT */
/*
 * efault.c - bad user pointers, checked the same natively and under
 * lstar: NULL-ish, kernel-half and non-canonical addresses, read-only
 * pages, buffers that run into an unmapped page, lengths that wrap, bad
 * iovec arrays.  Raw syscalls throughout (libc wrappers and the vDSO
 * would fault or check first).  Prints a line for each call that did
 * not return what Linux returns (for every call with -v), then a
 * summary; exits 1 if any did not.
 *
 * Run with stdin at /dev/null and stdout on a pipe, as the tests do.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

/* Unbuffered, so the lines interleave with what the calls write. */
#define PROBE_UNBUFFERED
#include "probe.h"

#define PG 4096UL
#define KTEXT	0xffffffff80200000UL	/* the kernel's text */
#define KDIRECT	0xffff888000000000UL	/* the kernel's direct map */
#define NONCANON 0x0000800000000000UL	/* first non-canonical address */

static void *map(size_t len, int prot)
{
	return mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

int main(int argc, char **argv)
{
	const long text = (long)(uintptr_t)&main;	/* mapped, read-only */
	unsigned char *p, *ro, *tail;
	struct iovec iov[2];
	struct timespec ts;
	long r;

	probe_init(argc, argv);
	/* Three pages: p, ending in a line of text (tail); then a hole;
	 * then ro, read-only.  Nothing is mapped after this, so nothing
	 * fills the hole.  Whatever a wrong answer writes is text. */
	p = map(3 * PG, PROT_READ | PROT_WRITE);
	tail = p + PG - 7;
	memcpy(tail, "abcdef\n", 7);
	munmap(p + PG, PG);
	ro = p + 2 * PG;
	mprotect(ro, PG, PROT_READ);

	say("-- write\n");
	check_ret("write(1, 8, 10)", sys(SYS_write, 1, 8, 10, 0, 0, 0), -EFAULT);
	check_ret("write(1, kernel text, 10)", sys(SYS_write, 1, KTEXT, 10, 0, 0, 0), -EFAULT);
	check_ret("write(1, kernel direct map, 8)",
		  sys(SYS_write, 1, KDIRECT, 8, 0, 0, 0), -EFAULT);
	check_ret("write(1, non-canonical, 8)", sys(SYS_write, 1, NONCANON, 8, 0, 0, 0), -EFAULT);
	check_ret("write(1, unmapped page, 8)",
		  sys(SYS_write, 1, (long)(p + PG), 8, 0, 0, 0), -EFAULT);
	check_ret("write(1, PROT_READ page, 0)", sys(SYS_write, 1, (long)ro, 0, 0, 0, 0), 0);
	/* A pipe takes a page's worth or nothing: no short write. */
	say("[");
	r = sys(SYS_write, 1, (long)(tail + 4), 6, 0, 0, 0);
	say("]\n");
	check_ret("write(1, 3 bytes before a hole, 6)", r, -EFAULT);
	/* The whole range is checked first: no partial write either. */
	check_ret("write(1, tail, SIZE_MAX)", sys(SYS_write, 1, (long)tail, -1L, 0, 0, 0), -EFAULT);
	check_ret("write(1, tail, 2^47)",
		  sys(SYS_write, 1, (long)tail, 1L << 47, 0, 0, 0), -EFAULT);
	check_ret("write(1, 8, 0)", sys(SYS_write, 1, 8, 0, 0, 0, 0), 0);
	check_ret("write(1, kernel text, 0)", sys(SYS_write, 1, KTEXT, 0, 0, 0, 0), -EFAULT);

	/*
	 * Not compared: read(0, <user address ring 3 cannot write>, n) on
	 * /dev/null is 0 natively (nothing is copied) and EFAULT under lstar,
	 * which checks the whole buffer before the host call
	 * (docs/DECISIONS.md).  Addresses outside user space agree.
	 */
	say("-- read (stdin is /dev/null)\n");
	check_ret("read(0, kernel text, 10)", sys(SYS_read, 0, KTEXT, 10, 0, 0, 0), -EFAULT);
	check_ret("read(0, tail, SIZE_MAX)", sys(SYS_read, 0, (long)tail, -1L, 0, 0, 0), -EFAULT);

	say("-- writev\n");
	check_ret("writev(1, iov=8, 2)", sys(SYS_writev, 1, 8, 2, 0, 0, 0), -EFAULT);
	check_ret("writev(1, iov=kernel, 1)", sys(SYS_writev, 1, KTEXT, 1, 0, 0, 0), -EFAULT);
	iov[0] = (struct iovec){ (void *)8, 4 };
	check_ret("writev(1, {8, 4})", sys(SYS_writev, 1, (long)iov, 1, 0, 0, 0), -EFAULT);
	iov[0] = (struct iovec){ (void *)KTEXT, 4 };
	check_ret("writev(1, {kernel, 4})", sys(SYS_writev, 1, (long)iov, 1, 0, 0, 0), -EFAULT);
	iov[0] = (struct iovec){ "good\n", 5 };
	iov[1] = (struct iovec){ (void *)KTEXT, 4 };
	check_ret("writev(1, {good, 5}, {kernel, 4})",
		  sys(SYS_writev, 1, (long)iov, 2, 0, 0, 0), -EFAULT);
	iov[1] = (struct iovec){ (void *)8, 4 };
	check_ret("writev(1, {good, 5}, {8, 4})",
		  sys(SYS_writev, 1, (long)iov, 2, 0, 0, 0), -EFAULT);
	iov[1] = (struct iovec){ (void *)p, -1L };
	check_ret("writev(1, {good, 5}, {p, SIZE_MAX})",
		  sys(SYS_writev, 1, (long)iov, 2, 0, 0, 0), -EINVAL);
	/* The array itself runs into the hole. */
	memcpy(p + PG - sizeof(struct iovec), &iov[0], sizeof(struct iovec));
	check_ret("writev(1, array across a hole, 2)",
		  sys(SYS_writev, 1, (long)(p + PG - sizeof(struct iovec)), 2, 0, 0, 0), -EFAULT);

	say("-- time\n");
	check_ret("clock_gettime(MONOTONIC, 1)",
		  sys(SYS_clock_gettime, CLOCK_MONOTONIC, 1, 0, 0, 0, 0), -EFAULT);
	check_ret("clock_gettime(MONOTONIC, read-only)",
		  sys(SYS_clock_gettime, CLOCK_MONOTONIC, (long)ro, 0, 0, 0, 0), -EFAULT);
	check_ret("clock_gettime(MONOTONIC, kernel)",
		  sys(SYS_clock_gettime, CLOCK_MONOTONIC, KDIRECT, 0, 0, 0, 0), -EFAULT);
	/* A buffer that ends at the last byte before the hole is whole;
	 * one that runs into it is refused (the page's last bytes are
	 * tail's: put back after). */
	check_ret("clock_gettime(MONOTONIC, the last 16 bytes before a hole)",
		  sys(SYS_clock_gettime, CLOCK_MONOTONIC, (long)(p + PG - 16), 0, 0, 0, 0), 0);
	check_ret("clock_gettime(MONOTONIC, 8 bytes before a hole)",
		  sys(SYS_clock_gettime, CLOCK_MONOTONIC, (long)(p + PG - 8), 0, 0, 0, 0), -EFAULT);
	check_ret("rt_sigprocmask(SIG_BLOCK, NULL, old=the last 8 bytes before a hole)",
		  sys(SYS_rt_sigprocmask, 0, 0, (long)(p + PG - 8), 8, 0, 0), 0);
	check_ret("rt_sigprocmask(SIG_BLOCK, NULL, old=4 bytes before a hole)",
		  sys(SYS_rt_sigprocmask, 0, 0, (long)(p + PG - 4), 8, 0, 0), -EFAULT);
	check_ret("rt_sigprocmask(SIG_BLOCK, set=4 bytes before a hole)",
		  sys(SYS_rt_sigprocmask, 0, (long)(p + PG - 4), 0, 8, 0, 0), -EFAULT);
	memcpy(tail, "abcdef\n", 7);
	check_ret("clock_getres(MONOTONIC, 8)",
		  sys(SYS_clock_getres, CLOCK_MONOTONIC, 8, 0, 0, 0, 0), -EFAULT);
	check_ret("gettimeofday(8, NULL)", sys(SYS_gettimeofday, 8, 0, 0, 0, 0, 0), -EFAULT);
	check_ret("gettimeofday(NULL, 8)", sys(SYS_gettimeofday, 0, 8, 0, 0, 0, 0), -EFAULT);
	check_ret("time(8)", sys(SYS_time, 8, 0, 0, 0, 0, 0), -EFAULT);
	check_ret("nanosleep(8, NULL)", sys(SYS_nanosleep, 8, 0, 0, 0, 0, 0), -EFAULT);
	ts = (struct timespec){ 0, 1000 };
	check_ret("nanosleep(&ts, rem=8)", sys(SYS_nanosleep, (long)&ts, 8, 0, 0, 0, 0), 0);
	check_ret("clock_nanosleep(MONOTONIC, 0, kernel, NULL)",
		  sys(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, KTEXT, 0, 0, 0), -EFAULT);

	say("-- getrandom\n");
	check_ret("getrandom(read-only page, 16)",
		  sys(SYS_getrandom, (long)ro, 16, 0, 0, 0, 0), -EFAULT);
	check_ret("getrandom(text, 16)", sys(SYS_getrandom, text, 16, 0, 0, 0, 0), -EFAULT);
	check_ret("getrandom(8, 16)", sys(SYS_getrandom, 8, 16, 0, 0, 0, 0), -EFAULT);
	check_ret("getrandom(kernel, 16)", sys(SYS_getrandom, KDIRECT, 16, 0, 0, 0, 0), -EFAULT);
	check_ret("getrandom(8 bytes before a hole, 16)",
		  sys(SYS_getrandom, (long)(p + PG - 8), 16, 0, 0, 0, 0), 8);
	check_ret("getrandom(NULL, 0)", sys(SYS_getrandom, 0, 0, 0, 0, 0, 0), 0);

	say("-- metadata and the shim's own calls\n");
	check_ret("fstat(1, 8)", sys(SYS_fstat, 1, 8, 0, 0, 0, 0), -EFAULT);
	check_ret("fstat(1, read-only)", sys(SYS_fstat, 1, (long)ro, 0, 0, 0, 0), -EFAULT);
	check_ret("newfstatat(1, path=8, buf, AT_EMPTY_PATH)",
		  sys(SYS_newfstatat, 1, 8, (long)p, 0x1000, 0, 0), -EFAULT);
	check_ret("ioctl(1, TIOCGWINSZ, 8) on a pipe",
		  sys(SYS_ioctl, 1, 0x5413, 8, 0, 0, 0), -ENOTTY);
	check_ret("uname(kernel)", sys(SYS_uname, 0xffffffff80000000UL, 0, 0, 0, 0, 0), -EFAULT);
	check_ret("uname(8)", sys(SYS_uname, 8, 0, 0, 0, 0, 0), -EFAULT);
	check_ret("uname(read-only)", sys(SYS_uname, (long)ro, 0, 0, 0, 0, 0), -EFAULT);
	check_ret("rt_sigaction(SIGUSR1, act=8)",
		  sys(SYS_rt_sigaction, 10, 8, 0, 8, 0, 0), -EFAULT);
	check_ret("rt_sigaction(SIGUSR1, NULL, old=8)",
		  sys(SYS_rt_sigaction, 10, 0, 8, 8, 0, 0), -EFAULT);
	check_ret("rt_sigprocmask(SIG_BLOCK, set=8)",
		  sys(SYS_rt_sigprocmask, 0, 8, 0, 8, 0, 0), -EFAULT);
	check_ret("rt_sigprocmask(SIG_BLOCK, NULL, old=kernel)",
		  sys(SYS_rt_sigprocmask, 0, 0, KTEXT, 8, 0, 0), -EFAULT);
	check_ret("sigaltstack(8, NULL)", sys(SYS_sigaltstack, 8, 0, 0, 0, 0, 0), -EFAULT);
	check_ret("sigaltstack(NULL, read-only)",
		  sys(SYS_sigaltstack, 0, (long)ro, 0, 0, 0, 0), -EFAULT);
	check_ret("prlimit64(0, NOFILE, NULL, 8)", sys(SYS_prlimit64, 0, 7, 0, 8, 0, 0), -EFAULT);
	check_ret("getrlimit(NOFILE, kernel)", sys(SYS_getrlimit, 7, KTEXT, 0, 0, 0, 0), -EFAULT);
	check_ret("setrlimit(NOFILE, 8)", sys(SYS_setrlimit, 7, 8, 0, 0, 0, 0), -EFAULT);

	return probe_summary("efault");
}
