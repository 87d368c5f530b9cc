/* SPDX-License-Identifier: MIT */
/*
 * trace_probe.c - system calls for the --trace golden test
 * (tests/test_trace.c, tests/trace/probe.trace).
 *
 * After libc's start-up (which differs between musl and glibc) it writes
 * "BEGIN\n" and from there makes only raw system calls with fixed
 * arguments, so that the trace from that line on is the same for both
 * libcs: every argument kind --trace decodes, every verdict of
 * tests/trace/trace.policy, results in the guest and in the VMM, and
 * pointers that fault.  Addresses (its buffers, mmap's result) are the
 * only things that vary; the test masks them.  It ends with exit_group(3).
 *
 *   trace_probe          the sequence above
 *   trace_probe kill     a call the policy kills (ptrace)
 */
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "rawsys.h"

#define BAD_PTR 0x1000L		/* never mapped: the first page stays empty */

static char buf[64];
static int fds[2];
static struct { const void *base; unsigned long len; } iov[2] = {
	{ "a\n", 2 }, { "bc\n", 3 },
};

static long say(int fd, const char *s, unsigned long n)
{
	return sys6(SYS_write, fd, (long)s, (long)n, 0, 0, 0);
}

int main(int argc, char **argv)
{
	long p;

	say(1, "BEGIN\n", 6);
	if (argc > 1 && !strcmp(argv[1], "kill")) {
		sys6(SYS_ptrace, 0, 0, 0, 0, 0, 0);
		say(1, "not killed\n", 11);
		return 1;
	}
	/* Data: escapes, a long write cut at 32 bytes, a buffer that faults. */
	say(1, "esc: \t\"\\\x01\xff\n", 11);
	say(2, "0123456789abcdef0123456789ABCDEF++++\n", 37);
	say(1, (const char *)BAD_PTR, 5);
	/* Paths: denied in the guest, one that faults, a flag set with mode. */
	sys6(SYS_openat, AT_FDCWD, (long)"/etc/passwd", O_RDONLY | O_CLOEXEC, 0, 0, 0);
	sys6(SYS_openat, AT_FDCWD, BAD_PTR, O_RDONLY, 0, 0, 0);
	sys6(SYS_open, (long)"/tmp/x\n", O_WRONLY | O_CREAT | O_TRUNC, 0644, 0, 0, 0);
	/* Answered in the guest; logged; allowed but missing. */
	sys6(SYS_getpid, 0, 0, 0, 0, 0, 0);
	sys6(SYS_getppid, 0, 0, 0, 0, 0, 0);
	sys6(SYS_mknodat, AT_FDCWD, 0, 0, 0, 0, 0);	/* allowed, not implemented */
	/* Memory: the result is an address. */
	p = sys6(SYS_mmap, 0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	sys6(SYS_mprotect, p, 4096, PROT_READ, 0, 0, 0);
	sys6(SYS_munmap, p, 8192, 0, 0, 0, 0);
	/* Descriptors: a pipe, a read shows what it got. */
	sys6(SYS_pipe2, (long)fds, O_CLOEXEC, 0, 0, 0, 0);
	say(fds[1], "ping", 4);
	sys6(SYS_read, fds[0], (long)buf, sizeof(buf), 0, 0, 0);
	sys6(SYS_close, fds[0], 0, 0, 0, 0, 0);
	sys6(SYS_close, fds[1], 0, 0, 0, 0, 0);
	sys6(SYS_close, (long)0xffffffff00000003UL, 0, 0, 0, 0, 0);	/* fd 3 (closed) to the kernel, and in the trace */
	sys6(SYS_read, 0, (long)buf, 16, 0, 0, 0);
	sys6(SYS_ioctl, 1, TCGETS, (long)buf, 0, 0, 0);
	sys6(SYS_fcntl, 1, F_GETFD, 0, 0, 0, 0);
	sys6(SYS_lseek, 0, 0, SEEK_CUR, 0, 0, 0);
	sys6(SYS_clock_gettime, CLOCK_MONOTONIC, (long)buf, 0, 0, 0, 0);
	sys6(SYS_writev, 1, (long)iov, 2, 0, 0, 0);
	sys6(SYS_rt_sigprocmask, SIG_BLOCK, 0, 0, 8, 0, 0);
	/* Refused: by a rule with its errno, by the default, a number x86-64
	 * does not have. */
	sys6(SYS_socket, AF_INET, SOCK_STREAM, 0, 0, 0, 0);
	sys6(SYS_uname, (long)buf, 0, 0, 0, 0, 0);
	sys6(500, 1, 2, 3, 4, 5, 6);
	sys6(SYS_exit_group, 3, 0, 0, 0, 0, 0);
	return 0;
}
