/* SPDX-License-Identifier: MIT */
/*
 * policy_sys.c - makes the system calls its arguments name, one after
 * another, and prints how each ended (tests/test_policy_run.c, which
 * writes a policy and checks what the program saw under it).
 *
 *	policy_sys CALL...
 *
 * A CALL is "[N*]NAME,A0,A1,..." with up to six arguments, each a number
 * (strtoull base 0, "-" allowed: "-100" is AT_FDCWD as musl passes it),
 * "@buf" (a 4 KiB buffer that holds "data\n"), "@stat" (another 4 KiB
 * buffer, for a struct stat) or "@PATH" (the string PATH, e.g.
 * "@/tmp/x/f.txt").  NAME is a syscall name from the table below or a
 * number.  N* repeats the call N times.  The CALL "crash" writes to
 * address 0 (a fault, SIGSEGV); the CALL "churn" starts a thread that
 * maps, touches and unmaps a page until the program ends, so that the
 * calls after it keep finding their CPU asked to flush its TLB (the
 * shim's way out with work on it).  Each call prints
 * "NAME: RESULT" where RESULT is the number it returned (0..65535),
 * "ptr" (a larger value: an address), or the errno name.
 *
 * Calls are made with the raw `syscall` instruction (rawsys.h): no libc
 * wrapper changes an argument.  The report goes out with writev(1), so
 * that a policy may refuse write(2) and the program can still say so.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "errname.h"
#include "rawsys.h"

static const struct {
	const char *name;
	long nr;
} names[] = {
	{ "read", SYS_read }, { "write", SYS_write }, { "openat", SYS_openat },
	{ "open", SYS_open }, { "close", SYS_close }, { "dup", SYS_dup },
	{ "getpid", SYS_getpid }, { "getppid", SYS_getppid }, { "gettid", SYS_gettid },
	{ "uname", SYS_uname }, { "socket", SYS_socket }, { "mmap", SYS_mmap },
	{ "munmap", SYS_munmap }, { "getrandom", SYS_getrandom },
	{ "mkdir", SYS_mkdir }, { "unlink", SYS_unlink }, { "rename", SYS_rename },
	{ "nanosleep", SYS_nanosleep }, { "pipe2", SYS_pipe2 },
	{ "getuid", SYS_getuid }, { "ptrace", SYS_ptrace }, { "lseek", SYS_lseek },
	{ "fstat", SYS_fstat }, { "getcwd", SYS_getcwd },
	{ "newfstatat", SYS_newfstatat }, { "statx", SYS_statx },
	{ "faccessat", SYS_faccessat }, { "faccessat2", SYS_faccessat2 },
	{ "readlinkat", SYS_readlinkat }, { "mkdirat", SYS_mkdirat },
	{ "unlinkat", SYS_unlinkat }, { "renameat", SYS_renameat },
	{ "renameat2", SYS_renameat2 }, { "symlinkat", SYS_symlinkat },
	{ "linkat", SYS_linkat }, { "fchmodat", SYS_fchmodat },
	{ "utimensat", SYS_utimensat }, { "dup3", SYS_dup3 },
	{ "arch_prctl", SYS_arch_prctl }, { "rt_sigprocmask", SYS_rt_sigprocmask },
};

static char buf[4096] = "data\n";
static char statbuf[4096];

/* Report through writev(1): one line, whole. */
static void report(const char *name, size_t len, long r)
{
	char num[32];
	const char *res = num;
	struct iovec iov[4];

	if (r < 0 && r >= -4095)
		res = errname((int)-r);
	else if ((unsigned long)r > 65535)
		res = "ptr";
	else {
		/* by hand: stdio writes with write(2), which a policy may refuse */
		char tmp[32];
		int n = 0, k = 0;
		unsigned long v = (unsigned long)r;

		do
			tmp[n++] = (char)('0' + v % 10);
		while ((v /= 10));
		while (n)
			num[k++] = tmp[--n];
		num[k] = '\0';
	}
	iov[0] = (struct iovec){ (void *)name, len };
	iov[1] = (struct iovec){ ": ", 2 };
	iov[2] = (struct iovec){ (void *)res, strlen(res) };
	iov[3] = (struct iovec){ "\n", 1 };
	sys6(SYS_writev, 1, (long)iov, 4, 0, 0, 0);
}

static long parse_arg(const char *s)
{
	if (!strcmp(s, "@buf"))
		return (long)buf;
	if (!strcmp(s, "@stat"))
		return (long)statbuf;
	if (s[0] == '@')
		return (long)(s + 1);
	if (s[0] == '-')
		return strtoll(s, NULL, 0);
	return (long)strtoull(s, NULL, 0);
}

static void *churn(void *unused)
{
	(void)unused;
	for (;;) {
		long p = sys6(SYS_mmap, 0, 4096, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p < 0 && p > -4096)
			continue;
		*(volatile char *)p = 1;
		sys6(SYS_munmap, p, 4096, 0, 0, 0, 0);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		char *call = argv[i], *rest, *tok;
		long a[6] = { 0 }, nr = -1, times = 1, r;
		size_t namelen;
		int n = 0;

		/* "N*": repeat */
		if (call[0] >= '1' && call[0] <= '9' && strchr(call, '*') &&
		    strspn(call, "0123456789") == (size_t)(strchr(call, '*') - call)) {
			times = strtol(call, NULL, 10);
			call = strchr(call, '*') + 1;
		}
		if (!strcmp(call, "crash"))
			*(volatile int *)0 = 0;
		if (!strcmp(call, "churn")) {
			pthread_t t;

			if (pthread_create(&t, NULL, churn, NULL))
				abort();
			continue;
		}
		namelen = strcspn(call, ",");
		for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++)
			if (strlen(names[k].name) == namelen &&
			    !strncmp(names[k].name, call, namelen))
				nr = names[k].nr;
		if (nr < 0)
			nr = strtol(call, NULL, 0);
		/* The arguments: cut at the commas (a "@PATH" points into argv). */
		rest = call[namelen] ? call + namelen + 1 : NULL;
		while (rest && n < 6 && (tok = strsep(&rest, ",")))
			a[n++] = parse_arg(tok);
		for (long t = 0; t < times; t++) {
			r = sys6(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
			report(call, namelen, r);
		}
	}
	return 0;
}
