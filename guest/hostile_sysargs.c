/* SPDX-License-Identifier: MIT */
/*
 * hostile_sysargs.c - syscall arguments aimed at the shim and the VMM:
 * shim addresses as buffers, lengths near 2^64, a program break in the
 * kernel half, an FS base in the shim.  Every call must fail as it fails
 * on Linux and the program must go on; it prints one line per call (the
 * raw result as an errno name, "ok" for 0) and exits 0.  The output must
 * equal native Linux's.  Raw syscalls: no libc wrapper checks first.
 *
 * The calls the shim answers (brk, mm calls, arch_prctl, signal state,
 * uname, rlimits) check pointers through its page tables; the forwarded
 * ones (read, write, readv, writev, getrandom, clock_gettime, fstat,
 * newfstatat, nanosleep, gettimeofday, time) are checked by the VMM.
 *
 * hostile_sysargs exhaust (run with a small --mem): map 1 MiB pieces
 * until the pool runs out, unmap them all, map them again (the freed
 * pages must come back through the VMM's re-zeroing), and check that
 * every page reads zero.  Prints "exhausted: yes", "again: same",
 * "zero: yes"; the run must end normally, whatever the pool size.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include "rawsys.h"

#include "lstar_abi.h"

#define SHIM_TEXT	(long)(LSTAR_KERNEL_BASE + LSTAR_SHIM_GPA)
#define BOOT_INFO	(long)(LSTAR_KERNEL_BASE + LSTAR_BOOT_GPA)
#define HC_BLOCK	(long)(LSTAR_KERNEL_BASE + LSTAR_HC_GPA)
#define DIRECT_MAP	(long)(LSTAR_DIRECT_MAP + LSTAR_POOL_GPA)
#define NONCANON	0x0000800000000000L

/* <asm/prctl.h>, which musl-gcc cannot see. */
#define ARCH_SET_GS	0x1001
#define ARCH_SET_FS	0x1002
#define ARCH_GET_FS	0x1003
#define ARCH_GET_GS	0x1004


#define sys(nr, ...) sys_n(nr, __VA_ARGS__, 0, 0, 0, 0, 0, 0)
#define sys_n(nr, a, b, c, d, e, f, ...) \
	sys6(nr, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))

static const char *result(long r)
{
	static char buf[32];

	switch (r) {
	case 0: return "ok";
	case -1: return "EPERM";
	case -9: return "EBADF";
	case -12: return "ENOMEM";
	case -14: return "EFAULT";
	case -22: return "EINVAL";
	case -25: return "ENOTTY";
	case -38: return "ENOSYS";
	}
	snprintf(buf, sizeof(buf), "%ld", r);
	return buf;
}

#define SHOW(what, call) printf("%s: %s\n", what, result(call))

static void brk_calls(void)
{
	long cur = sys(SYS_brk, 0);
	static const struct { const char *name; long addr; } bad[] = {
		{ "shim text", SHIM_TEXT }, { "direct map", DIRECT_MAP },
		{ "~0", -1L }, { "non-canonical", NONCANON },
		{ "below the start", 0x1000 },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		printf("brk %s: %s\n", bad[i].name,
		       sys(SYS_brk, bad[i].addr) == cur ? "unchanged" : "moved");
	printf("brk after: %s\n", sys(SYS_brk, 0) == cur ? "unchanged" : "moved");
}

static void mm_calls(long mine)
{
	const long rw = PROT_READ | PROT_WRITE, anon = MAP_PRIVATE | MAP_ANONYMOUS;

	SHOW("mmap len ~0", sys(SYS_mmap, 0, -1L, rw, anon, -1, 0));
	SHOW("mmap len 2^64-4096", sys(SYS_mmap, 0, -4096L, rw, anon, -1, 0));
	SHOW("mmap len 2^63", sys(SYS_mmap, 0, INT64_MIN, rw, anon, -1, 0));
	SHOW("mmap len 2^47", sys(SYS_mmap, 0, 1L << 47, rw, anon, -1, 0));
	SHOW("mmap fixed len ~0", sys(SYS_mmap, 0x10000000, -1L, rw, anon | MAP_FIXED, -1, 0));
	SHOW("mprotect len ~0", sys(SYS_mprotect, mine, -1L, PROT_READ));
	SHOW("munmap len ~0", sys(SYS_munmap, mine, -1L));
	SHOW("madvise len ~0", sys(SYS_madvise, mine, -1L, MADV_DONTNEED));
	SHOW("mremap shim text", sys(SYS_mremap, SHIM_TEXT, 4096, 4096, 0));
	SHOW("mremap shim text maymove", sys(SYS_mremap, SHIM_TEXT, 4096, 8192, MREMAP_MAYMOVE));
	SHOW("mremap direct map", sys(SYS_mremap, DIRECT_MAP, 1L << 21, 1L << 21, MREMAP_MAYMOVE));
	SHOW("mremap hc block", sys(SYS_mremap, HC_BLOCK, 4096, 4096, 0));
	SHOW("mremap mine len ~0", sys(SYS_mremap, mine, 4096, -1L, MREMAP_MAYMOVE));
	SHOW("mremap mine old len ~0", sys(SYS_mremap, mine, -1L, 4096, 0));
	SHOW("mine still mapped", sys(SYS_mprotect, mine, 4096, rw));
}

static void prctl_calls(void)
{
	SHOW("arch_prctl SET_FS shim", sys(SYS_arch_prctl, ARCH_SET_FS, SHIM_TEXT));
	SHOW("arch_prctl SET_FS non-canonical", sys(SYS_arch_prctl, ARCH_SET_FS, NONCANON));
	SHOW("arch_prctl SET_FS user top", sys(SYS_arch_prctl, ARCH_SET_FS, LSTAR_USER_TOP));
	SHOW("arch_prctl SET_GS shim", sys(SYS_arch_prctl, ARCH_SET_GS, SHIM_TEXT));
	SHOW("arch_prctl SET_GS direct map", sys(SYS_arch_prctl, ARCH_SET_GS, DIRECT_MAP));
	SHOW("arch_prctl GET_FS into shim", sys(SYS_arch_prctl, ARCH_GET_FS, SHIM_TEXT));
	SHOW("arch_prctl GET_GS into boot info", sys(SYS_arch_prctl, ARCH_GET_GS, BOOT_INFO));
	/* printf after this uses TLS: FS must still be ours. */
}

static void signal_calls(long ro)
{
	static struct { long handler, flags, restorer, mask; } act;

	SHOW("rt_sigaction act shim", sys(SYS_rt_sigaction, SIGUSR1, SHIM_TEXT, 0, 8));
	SHOW("rt_sigaction act 0x10", sys(SYS_rt_sigaction, SIGUSR1, 0x10, 0, 8));
	SHOW("rt_sigaction act non-canonical", sys(SYS_rt_sigaction, SIGUSR1, NONCANON, 0, 8));
	SHOW("rt_sigaction oldact hc block", sys(SYS_rt_sigaction, SIGUSR1, 0, HC_BLOCK, 8));
	SHOW("rt_sigaction oldact read-only", sys(SYS_rt_sigaction, SIGUSR1, 0, ro, 8));
	SHOW("rt_sigaction sigsetsize 16", sys(SYS_rt_sigaction, SIGUSR1, &act, 0, 16));
	SHOW("rt_sigaction signal 65", sys(SYS_rt_sigaction, 65, &act, 0, 8));
	SHOW("rt_sigaction signal -1", sys(SYS_rt_sigaction, -1L, &act, 0, 8));
	SHOW("rt_sigprocmask set shim", sys(SYS_rt_sigprocmask, SIG_BLOCK, SHIM_TEXT, 0, 8));
	SHOW("rt_sigprocmask old direct map", sys(SYS_rt_sigprocmask, SIG_BLOCK, 0, DIRECT_MAP, 8));
	SHOW("sigaltstack new shim", sys(SYS_sigaltstack, SHIM_TEXT, 0));
	SHOW("sigaltstack old boot info", sys(SYS_sigaltstack, 0, BOOT_INFO));
}

static void misc_calls(long ro)
{
	SHOW("uname shim", sys(SYS_uname, SHIM_TEXT));
	SHOW("uname boot info", sys(SYS_uname, BOOT_INFO));
	SHOW("uname read-only", sys(SYS_uname, ro));
	SHOW("prlimit64 new shim", sys(SYS_prlimit64, 0, RLIMIT_NOFILE, SHIM_TEXT, 0));
	SHOW("prlimit64 old hc block", sys(SYS_prlimit64, 0, RLIMIT_NOFILE, 0, HC_BLOCK));
	SHOW("prlimit64 resource ~0", sys(SYS_prlimit64, 0, -1L, 0, 0));
	SHOW("getrlimit into direct map", sys(SYS_getrlimit, RLIMIT_STACK, DIRECT_MAP));
	SHOW("setrlimit from shim", sys(SYS_setrlimit, RLIMIT_STACK, SHIM_TEXT));
}

static void forwarded_calls(long ro)
{
	struct { long base, len; } iov[2] = { { SHIM_TEXT, 16 }, { HC_BLOCK, 16 } };
	char buf[128];

	SHOW("write from shim", sys(SYS_write, 1, SHIM_TEXT, 16));
	SHOW("write from boot info", sys(SYS_write, 1, BOOT_INFO, 16));
	SHOW("write from hc block", sys(SYS_write, 1, HC_BLOCK, 16));
	SHOW("write from direct map", sys(SYS_write, 1, DIRECT_MAP, 16));
	SHOW("write from non-canonical", sys(SYS_write, 1, NONCANON, 16));
	SHOW("write from user top", sys(SYS_write, 1, LSTAR_USER_TOP, 16));
	SHOW("read into shim", sys(SYS_read, 0, SHIM_TEXT, 16));
	SHOW("read into hc block", sys(SYS_read, 0, HC_BLOCK, 16));
	SHOW("read into direct map", sys(SYS_read, 0, DIRECT_MAP, 16));
	SHOW("writev from shim", sys(SYS_writev, 1, iov, 2));
	SHOW("writev iovec array in shim", sys(SYS_writev, 1, SHIM_TEXT, 1));
	SHOW("readv into shim", sys(SYS_readv, 0, iov, 2));
	SHOW("readv iovec array in hc block", sys(SYS_readv, 0, HC_BLOCK, 1));
	SHOW("getrandom into shim", sys(SYS_getrandom, SHIM_TEXT, 16, 0));
	SHOW("getrandom into direct map", sys(SYS_getrandom, DIRECT_MAP, 16, 0));
	SHOW("getrandom into read-only", sys(SYS_getrandom, ro, 16, 0));
	SHOW("clock_gettime into shim", sys(SYS_clock_gettime, 1, SHIM_TEXT));
	SHOW("clock_gettime into read-only", sys(SYS_clock_gettime, 1, ro));
	SHOW("clock_getres into boot info", sys(SYS_clock_getres, 1, BOOT_INFO));
	SHOW("fstat into shim", sys(SYS_fstat, 1, SHIM_TEXT));
	SHOW("newfstatat into hc block", sys(SYS_newfstatat, 1, "", HC_BLOCK, AT_EMPTY_PATH));
	SHOW("newfstatat path in shim", sys(SYS_newfstatat, 1, SHIM_TEXT, buf, AT_EMPTY_PATH));
	SHOW("nanosleep from shim", sys(SYS_nanosleep, SHIM_TEXT, 0));
	SHOW("gettimeofday into shim", sys(SYS_gettimeofday, SHIM_TEXT, 0));
	SHOW("time into shim", sys(SYS_time, SHIM_TEXT));
}

#define PIECE	(1L << 20)
#define PIECES	1024

static int exhaust(void)
{
	const long rw = PROT_READ | PROT_WRITE, anon = MAP_PRIVATE | MAP_ANONYMOUS;
	static long piece[PIECES];
	int n = 0, again = 0, zero = 1;

	while (n < PIECES && (piece[n] = sys(SYS_mmap, 0, PIECE, rw, anon, -1, 0)) > 0) {
		((volatile char *)piece[n])[0] = 1;	/* dirty a page of each */
		n++;
	}
	printf("exhausted: %s\n", n > 0 && n < PIECES && piece[n] == -12 ? "yes" : "no");
	for (int i = 0; i < n; i++)
		if (sys(SYS_munmap, piece[i], PIECE))
			printf("munmap %d failed\n", i);
	while (again < n && (piece[again] = sys(SYS_mmap, 0, PIECE, rw, anon, -1, 0)) > 0)
		again++;
	printf("again: %s\n", again == n ? "same" : "fewer");
	for (int i = 0; i < again; i++)
		for (long off = 0; off < PIECE; off += 4096)
			zero &= ((volatile char *)piece[i])[off] == 0;
	printf("zero: %s\n", zero ? "yes" : "no");
	return 0;
}

int main(int argc, char **argv)
{
	const long rw = PROT_READ | PROT_WRITE, anon = MAP_PRIVATE | MAP_ANONYMOUS;
	long mine, ro;

	if (argc == 2 && !strcmp(argv[1], "exhaust"))
		return exhaust();
	mine = sys(SYS_mmap, 0, 4096, rw, anon, -1, 0);
	ro = sys(SYS_mmap, 0, 4096, PROT_READ, anon, -1, 0);

	if (mine < 0 || ro < 0) {
		printf("mmap failed: %ld %ld\n", mine, ro);
		return 1;
	}
	brk_calls();
	mm_calls(mine);
	prctl_calls();
	signal_calls(ro);
	misc_calls(ro);
	forwarded_calls(ro);
	printf("still running\n");
	return 0;
}
