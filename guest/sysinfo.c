/* SPDX-License-Identifier: MIT */
/*
 * sysinfo.c - the process-level calls the shim answers itself: syscall
 * numbers out of range, sched_yield, uname, resource limits, signal
 * dispositions and masks, the alternate signal stack.  Prints a line for
 * each check that failed (for every check with -v; never a pid or a
 * limit that depends on the host), then a summary; exits 1 if any check
 * failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "probe.h"

/* The raw syscall instruction: rax as given, all 64 bits. */
static long raw0(unsigned long nr)
{
	long ret;

	__asm__ volatile("syscall" : "=a"(ret) : "0"(nr) : "rcx", "r11", "memory");
	return ret;
}

static void test_numbers(void)
{
	static const struct { unsigned long nr; const char *name; } nos[] = {
		{ (unsigned long)-1, "syscall -1" },
		{ 512, "syscall 512" },
		{ 1000, "syscall 1000" },
		{ 0x7fffffff, "syscall 0x7fffffff" },
		{ 0x80000000UL, "syscall 0x80000000" },
		{ 0xffffffffUL, "syscall 0xffffffff" },
	};
	char what[64];
	long pid = getpid();

	for (size_t i = 0; i < sizeof(nos) / sizeof(nos[0]); i++) {
		snprintf(what, sizeof(what), "%s -> ENOSYS", nos[i].name);
		check(what, raw0(nos[i].nr) == -ENOSYS);
	}
	/* Linux reads the number from the low 32 bits of rax. */
	check("syscall (1<<32)|39 is getpid", raw0((1UL << 32) | SYS_getpid) == pid);
	check("syscall 0xffffffff00000027 is getpid", raw0(0xffffffff00000000UL | SYS_getpid) == pid);
	check("getpid stable", getpid() == pid && syscall(SYS_getpid) == pid);
	check("gettid == getpid (one thread)", syscall(SYS_gettid) == pid);
	check("getppid positive", getppid() > 0);
	check("geteuid == getuid", geteuid() == getuid());
	check("getegid == getgid", getegid() == getgid());
	/* The ids' other calls: the kernel's checks, whatever the ids. */
	{
		unsigned int id = ~0u;

		check_err("getresuid(ok, bad, ok)",
			  sys(SYS_getresuid, (long)&id, 8, (long)&id, 0, 0, 0), EFAULT);
		check("  the first written", id == getuid());
		check_err("getresgid(bad, ok, ok)",
			  sys(SYS_getresgid, 8, (long)&id, (long)&id, 0, 0, 0), EFAULT);
		check_err("getgroups(-1)", sys(SYS_getgroups, -1, (long)&id, 0, 0, 0, 0), EINVAL);
		check("getgroups(0, NULL) counts", sys(SYS_getgroups, 0, 0, 0, 0, 0, 0) >= 0);
		check_err("getgroups(64, bad)", sys(SYS_getgroups, 64, 8, 0, 0, 0, 0),
			  sys(SYS_getgroups, 0, 0, 0, 0, 0, 0) > 0 ? EFAULT : 0);
	}
	check_err("sched_yield", sys(SYS_sched_yield, 0, 0, 0, 0, 0, 0), 0);
}

static void test_uname(void)
{
	struct utsname u;

	check_err("uname", sys(SYS_uname, (long)&u, 0, 0, 0, 0, 0), 0);
	printf("  sysname %s\n", u.sysname);
	printf("  machine %s\n", u.machine);
	check("  release nonempty", u.release[0] != 0);
	check("  nodename nonempty", u.nodename[0] != 0);
}

static void test_rlimits(void)
{
	struct rlimit rl, rl2;
	struct { uint64_t cur, max; } old, new;
	long r;

	r = getrlimit(RLIMIT_STACK, &rl);
	check_err("getrlimit(STACK)", r, 0);
	check("  soft is 8 MiB", rl.rlim_cur == 8 << 20);
	check("  soft <= hard", rl.rlim_cur <= rl.rlim_max);
	r = getrlimit(RLIMIT_NOFILE, &rl);
	check_err("getrlimit(NOFILE)", r, 0);
	check("  soft >= 64, soft <= hard", rl.rlim_cur >= 64 && rl.rlim_cur <= rl.rlim_max);

	/* Lower the soft limit: every way of reading it agrees. */
	rl2 = rl;
	rl2.rlim_cur = 64;
	check_err("setrlimit(NOFILE, soft 64)", setrlimit(RLIMIT_NOFILE, &rl2), 0);
	r = getrlimit(RLIMIT_NOFILE, &rl2);
	check("  getrlimit shows 64, hard kept", r == 0 && rl2.rlim_cur == 64 &&
	      rl2.rlim_max == rl.rlim_max);
	r = sys(SYS_prlimit64, 0, RLIMIT_NOFILE, 0, (long)&old, 0, 0);
	check("  prlimit64(0) shows 64", r == 0 && old.cur == 64 && old.max == rl.rlim_max);
	r = sys(SYS_prlimit64, getpid(), RLIMIT_NOFILE, 0, (long)&old, 0, 0);
	check("  prlimit64(getpid()) shows 64", r == 0 && old.cur == 64);
	r = sys(SYS_getrlimit, RLIMIT_NOFILE, (long)&rl2, 0, 0, 0, 0);
	check("  raw getrlimit shows 64", r == 0 && rl2.rlim_cur == 64);
	/* Raise it back (soft up to hard needs no privilege), via prlimit64,
	 * reading the old value at the same time. */
	new.cur = 100;
	new.max = rl.rlim_max;
	r = sys(SYS_prlimit64, 0, RLIMIT_NOFILE, (long)&new, (long)&old, 0, 0);
	check("prlimit64 set 100, old is 64", r == 0 && old.cur == 64);
	getrlimit(RLIMIT_NOFILE, &rl2);
	check("  now 100", rl2.rlim_cur == 100);
	/* The soft limit is obeyed by every call that makes a descriptor;
	 * those above it stay usable. */
	{
		long fd, last = -1;

		rl2.rlim_cur = 20;
		check_err("setrlimit(NOFILE, soft 20)", setrlimit(RLIMIT_NOFILE, &rl2), 0);
		while ((fd = sys(SYS_dup, 0, 0, 0, 0, 0, 0)) >= 0)
			last = fd;
		check_err("  dup at the limit", fd, EMFILE);
		check("  the last descriptor is 19", last == 19);
		check_err("  dup2(0, 20)", sys(SYS_dup2, 0, 20, 0, 0, 0, 0), EBADF);
		check_err("  dup3(0, 20, 0)", sys(SYS_dup3, 0, 20, 0, 0, 0, 0), EBADF);
		check_err("  fcntl(0, F_DUPFD, 20)", sys(SYS_fcntl, 0, F_DUPFD, 20, 0, 0, 0),
			  EINVAL);
		check_err("  pipe2 at the limit", sys(SYS_pipe2, (long)&old, 0, 0, 0, 0, 0),
			  EMFILE);
		rl2.rlim_cur = 10;
		check_err("setrlimit(NOFILE, soft 10) with 19 open",
			  setrlimit(RLIMIT_NOFILE, &rl2), 0);
		check_err("  descriptor 15 still reads", sys(SYS_read, 15, (long)&old, 0, 0, 0, 0),
			  0);
		check_err("  close(15)", sys(SYS_close, 15, 0, 0, 0, 0, 0), 0);
		check_err("  dup2(0, 15) above the limit", sys(SYS_dup2, 0, 15, 0, 0, 0, 0),
			  EBADF);
		for (fd = 3; fd <= last; fd++)
			close((int)fd);
		rl2.rlim_cur = 100;
		check_err("setrlimit(NOFILE, soft 100)", setrlimit(RLIMIT_NOFILE, &rl2), 0);
	}
	rl2.rlim_cur = rl2.rlim_max;
	rl2.rlim_max = rl2.rlim_max == RLIM_INFINITY ? RLIM_INFINITY : rl2.rlim_max - 1;
	if (rl2.rlim_max != RLIM_INFINITY) {
		check_err("setrlimit soft > hard", setrlimit(RLIMIT_NOFILE, &rl2), EINVAL);
	} else {
		check("setrlimit soft > hard (skipped)", 1);
	}
	rl2.rlim_cur = 16;
	rl2.rlim_max = 8;
	errno = 0;
	check_err("setrlimit(CORE, 16 > 8)", setrlimit(RLIMIT_CORE, &rl2), EINVAL);
	check_err("getrlimit(100)", sys(SYS_getrlimit, 100, (long)&rl2, 0, 0, 0, 0), EINVAL);
	check_err("prlimit64(0, 100)", sys(SYS_prlimit64, 0, 100, 0, (long)&old, 0, 0), EINVAL);
	check_err("prlimit64(0, NOFILE, NULL, NULL)",
		  sys(SYS_prlimit64, 0, RLIMIT_NOFILE, 0, 0, 0, 0), 0);
	check_err("prlimit64(-1, NOFILE)",
		  sys(SYS_prlimit64, -1, RLIMIT_NOFILE, 0, (long)&old, 0, 0), ESRCH);
	rl2.rlim_cur = rl2.rlim_max = 1UL << 30;
	check_err("setrlimit(NOFILE, 2^30) above nr_open", setrlimit(RLIMIT_NOFILE, &rl2), EPERM);
	/* Lowering the hard limit is allowed to anyone, and sticks. */
	r = getrlimit(RLIMIT_CORE, &rl);
	rl.rlim_cur = 0;
	rl.rlim_max = 4096;
	check_err("setrlimit(CORE, 0/4096)", setrlimit(RLIMIT_CORE, &rl), 0);
	getrlimit(RLIMIT_CORE, &rl2);
	check("  reads back", rl2.rlim_cur == 0 && rl2.rlim_max == 4096);
}

static void handler(int sig)
{
	(void)sig;
}

static void handler2(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)si;
	(void)uc;
}

static int mask_is(const sigset_t *s, int sig)
{
	return sigismember(s, sig) == 1;
}

static void test_signals(void)
{
	struct sigaction sa, old;
	sigset_t set, cur;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR2);
	sigaddset(&sa.sa_mask, SIGKILL);
	check_err("sigaction(SIGUSR1, handler)", sigaction(SIGUSR1, &sa, NULL), 0);
	memset(&old, 0, sizeof(old));
	check_err("sigaction(SIGUSR1, NULL, &old)", sigaction(SIGUSR1, NULL, &old), 0);
	check("  handler read back", old.sa_handler == handler);
	check("  SA_RESTART kept", (old.sa_flags & SA_RESTART) != 0);
	check("  SA_SIGINFO clear", (old.sa_flags & SA_SIGINFO) == 0);
	check("  mask has SIGUSR2", mask_is(&old.sa_mask, SIGUSR2));
	check("  mask lost SIGKILL", !mask_is(&old.sa_mask, SIGKILL));
	check("  mask lacks SIGINT", !mask_is(&old.sa_mask, SIGINT));

	sa.sa_sigaction = handler2;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
	check_err("sigaction(SIGUSR1, SA_SIGINFO) swap", sigaction(SIGUSR1, &sa, &old), 0);
	check("  old was the first handler", old.sa_handler == handler);
	sigaction(SIGUSR1, NULL, &old);
	check("  new read back", old.sa_sigaction == handler2 &&
	      (old.sa_flags & (SA_SIGINFO | SA_ONSTACK | SA_NODEFER)) ==
	      (SA_SIGINFO | SA_ONSTACK | SA_NODEFER));
	sa.sa_handler = SIG_IGN;
	sa.sa_flags = 0;
	check_err("sigaction(SIGUSR2, SIG_IGN)", sigaction(SIGUSR2, &sa, NULL), 0);
	sigaction(SIGUSR2, NULL, &old);
	check("  reads SIG_IGN", old.sa_handler == SIG_IGN);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGUSR2, &sa, NULL);
	sigaction(SIGUSR2, NULL, &old);
	check("  back to SIG_DFL", old.sa_handler == SIG_DFL);
	sa.sa_handler = handler;
	check_err("sigaction(SIGKILL, handler)", sigaction(SIGKILL, &sa, NULL), EINVAL);
	check_err("sigaction(SIGSTOP, handler)", sigaction(SIGSTOP, &sa, NULL), EINVAL);
	check_err("sigaction(SIGKILL, NULL, &old)", sigaction(SIGKILL, NULL, &old), 0);
	check("  SIGKILL is SIG_DFL", old.sa_handler == SIG_DFL);
	check_err("rt_sigaction(0)", sys(SYS_rt_sigaction, 0, 0, (long)&old, 8, 0, 0), EINVAL);
	check_err("rt_sigaction(65)", sys(SYS_rt_sigaction, 65, 0, (long)&old, 8, 0, 0), EINVAL);
	check_err("rt_sigaction(64) read", sys(SYS_rt_sigaction, 64, 0, (long)&old, 8, 0, 0), 0);
	{
		/* Since Linux 5.11 flag bits it does not know read back as 0:
		 * SA_UNSUPPORTED (0x400) is how a program asks. */
		struct { uint64_t handler, flags, restorer, mask; } k = {
			(uintptr_t)handler, 0x04000000 | 0x400 | SA_RESTART,
			(uintptr_t)handler, 1 << (SIGINT - 1),
		}, kold;

		check_err("rt_sigaction(SIGUSR2, SA_UNSUPPORTED)",
			  sys(SYS_rt_sigaction, SIGUSR2, (long)&k, 0, 8, 0, 0), 0);
		memset(&kold, 0, sizeof(kold));
		sys(SYS_rt_sigaction, SIGUSR2, 0, (long)&kold, 8, 0, 0);
		check("  handler, restorer and mask read back", kold.handler == k.handler &&
		      kold.restorer == k.restorer && kold.mask == k.mask);
		check("  SA_RESTORER|SA_RESTART kept", (kold.flags & (0x04000000 | SA_RESTART)) ==
		      (0x04000000 | SA_RESTART));
		check("  SA_UNSUPPORTED reads back clear", !(kold.flags & 0x400));
		k.handler = (uintptr_t)SIG_DFL;
		k.flags = 0x04000000;
		sys(SYS_rt_sigaction, SIGUSR2, (long)&k, 0, 8, 0, 0);
	}
	check_err("rt_sigaction sigsetsize 4",
		  sys(SYS_rt_sigaction, SIGUSR1, 0, (long)&old, 4, 0, 0), EINVAL);

	/* The mask: start empty, block, read back, unblock. */
	sigemptyset(&set);
	check_err("sigprocmask(SETMASK, {})", sigprocmask(SIG_SETMASK, &set, NULL), 0);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	check_err("sigprocmask(BLOCK, {USR1, TERM})", sigprocmask(SIG_BLOCK, &set, NULL), 0);
	sigprocmask(SIG_BLOCK, NULL, &cur);
	check("  USR1 and TERM blocked, INT not", mask_is(&cur, SIGUSR1) && mask_is(&cur, SIGTERM) &&
	      !mask_is(&cur, SIGINT));
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	check_err("sigprocmask(UNBLOCK, {TERM})", sigprocmask(SIG_UNBLOCK, &set, &cur), 0);
	check("  old mask had TERM", mask_is(&cur, SIGTERM));
	sigprocmask(SIG_BLOCK, NULL, &cur);
	check("  now USR1 only", mask_is(&cur, SIGUSR1) && !mask_is(&cur, SIGTERM));
	sigemptyset(&set);
	sigaddset(&set, SIGKILL);
	sigaddset(&set, SIGSTOP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sigprocmask(SIG_BLOCK, NULL, &cur);
	check("  SIGKILL and SIGSTOP cannot be blocked", !mask_is(&cur, SIGKILL) &&
	      !mask_is(&cur, SIGSTOP));
	{
		uint64_t raw = 1ULL << (40 - 1), rawold = 0;

		check_err("rt_sigprocmask(SETMASK, {40})",
			  sys(SYS_rt_sigprocmask, SIG_SETMASK, (long)&raw, (long)&rawold, 8, 0, 0), 0);
		check("  old was {USR1}", rawold == 1ULL << (SIGUSR1 - 1));
		check_err("rt_sigprocmask(99, set)",
			  sys(SYS_rt_sigprocmask, 99, (long)&raw, 0, 8, 0, 0), EINVAL);
		check_err("rt_sigprocmask(99, NULL) (how unused)",
			  sys(SYS_rt_sigprocmask, 99, 0, (long)&rawold, 8, 0, 0), 0);
		check("  mask still {40}", rawold == 1ULL << (40 - 1));
		check_err("rt_sigprocmask sigsetsize 16",
			  sys(SYS_rt_sigprocmask, SIG_BLOCK, 0, (long)&rawold, 16, 0, 0), EINVAL);
		raw = 0;
		sys(SYS_rt_sigprocmask, SIG_SETMASK, (long)&raw, 0, 8, 0, 0);
	}
}

static void test_altstack(void)
{
	static char stack1[65536], stack2[1024];
	stack_t ss, old;

	memset(&old, 0x55, sizeof(old));
	check_err("sigaltstack(NULL, &old)", sigaltstack(NULL, &old), 0);
	check("  starts disabled", old.ss_flags == SS_DISABLE);
	ss.ss_sp = stack1;
	ss.ss_size = sizeof(stack1);
	ss.ss_flags = 0;
	check_err("sigaltstack(64 KiB)", sigaltstack(&ss, NULL), 0);
	memset(&old, 0, sizeof(old));
	sigaltstack(NULL, &old);
	check("  reads back sp, size, flags 0", old.ss_sp == stack1 &&
	      old.ss_size == sizeof(stack1) && old.ss_flags == 0);
	ss.ss_sp = stack2;
	ss.ss_size = sizeof(stack2);
	check_err("sigaltstack(1 KiB)", sigaltstack(&ss, NULL), ENOMEM);
	ss.ss_size = sizeof(stack1);
	ss.ss_flags = 0x1234;
	check_err("sigaltstack bad flags", sigaltstack(&ss, NULL), EINVAL);
	sigaltstack(NULL, &old);
	check("  unchanged after refusals", old.ss_sp == stack1 && old.ss_size == sizeof(stack1));
	ss.ss_flags = SS_DISABLE;
	check_err("sigaltstack(SS_DISABLE)", sigaltstack(&ss, &old), 0);
	check("  old was the 64 KiB stack", old.ss_sp == stack1);
	sigaltstack(NULL, &old);
	check("  disabled, sp and size cleared", old.ss_flags == SS_DISABLE &&
	      old.ss_sp == NULL && old.ss_size == 0);
}

int main(int argc, char **argv)
{
	probe_init(argc, argv);
	test_numbers();
	test_uname();
	test_rlimits();
	test_signals();
	test_altstack();
	return probe_summary("sysinfo");
}
