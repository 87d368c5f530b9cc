/* SPDX-License-Identifier: MIT */
/*
 * signals - what a single-threaded program sees of signals, printed so a
 * native run and a run under lstar compare line by line.
 *
 *   signals handlers   handlers for signals it sends itself (raise, kill,
 *                      tgkill) and for faults (SIGSEGV both ways, SIGFPE,
 *                      SIGILL, SIGTRAP), with SA_SIGINFO's fields, the
 *                      frame's context (changed by a handler to skip an
 *                      instruction), masks and pending sets, deferral and
 *                      SA_NODEFER, the alternate stack, the FPU state
 *                      kept across a handler that uses it, SIGPIPE, and
 *                      kill's and tgkill's errors
 *   signals abort      abort(): SIGABRT's default action (134)
 *   signals default    a signal with no handler (SIGUSR1: 138)
 *   signals ignored    SIGUSR1 ignored, then its default restored (138)
 *   signals resethand  SA_RESETHAND: the second one is the default's
 *   signals segv       a NULL write, no handler (139)
 *   signals segv-again a SIGSEGV handler that faults itself (139)
 *   signals pipe       a write to a closed pipe, no handler (141)
 *   signals badframe   a handler whose stack cannot hold the frame (139)
 *   signals outside    signals sent from outside (the test drives it: it
 *                      sends the next one when a line says "ready ..."):
 *                      a busy loop interrupted, a sleep cut short (EINTR,
 *                      with the time left), a read restarted by
 *                      SA_RESTART and then one cut short, and SIGINT's
 *                      default action (130)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "errname.h"

/* Addresses the compiler cannot see through. */
static volatile uintptr_t addr_0x10 = 0x10, addr_0x20 = 0x20;

static sigjmp_buf jb;
static volatile int hits, nested, depth;
static volatile uintptr_t stack_seen;
static char altstack[65536] __attribute__((aligned(16)));

static const char *code_name(int sig, int code)
{
	static char buf[16];

	switch (code) {
	case SI_USER: return "SI_USER";
	case SI_TKILL: return "SI_TKILL";
	case SI_KERNEL: return "SI_KERNEL";
	}
	if (sig == SIGSEGV && code == SEGV_MAPERR) return "SEGV_MAPERR";
	if (sig == SIGSEGV && code == SEGV_ACCERR) return "SEGV_ACCERR";
	if (sig == SIGFPE && code == FPE_INTDIV) return "FPE_INTDIV";
	if (sig == SIGFPE && code == FPE_FLTDIV) return "FPE_FLTDIV";
	if (sig == SIGFPE && code == FPE_FLTOVF) return "FPE_FLTOVF";
	if (sig == SIGFPE && code == FPE_FLTINV) return "FPE_FLTINV";
	if (sig == SIGILL && code == ILL_ILLOPN) return "ILL_ILLOPN";
	if (sig == SIGTRAP && code == TRAP_BRKPT) return "TRAP_BRKPT";
	snprintf(buf, sizeof(buf), "code %d", code);
	return buf;
}

/* A handler for signals the program sends itself: who sent it. */
static void on_sent(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	hits++;
	printf("  handler: %s, %s, from pid %s, uid %s\n", strsignal(sig),
	       code_name(sig, si->si_code), si->si_pid == getpid() ? "self" : "other",
	       si->si_uid == getuid() ? "own" : "other");
}

/* A fault's handler: what it was and where, then back out. */
static void on_fault(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;

	hits++;
	printf("  handler: %s, %s, addr %s\n", strsignal(sig), code_name(sig, si->si_code),
	       si->si_addr == (void *)uc->uc_mcontext.gregs[REG_RIP] ? "= rip" :
	       si->si_addr ? "the address" : "0");
	siglongjmp(jb, 1);
}

/* SIGILL from ud2: skip the instruction through the frame's context. */
static void on_ill(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;

	hits++;
	printf("  handler: %s, %s; skipping the ud2\n", strsignal(sig), code_name(sig, si->si_code));
	uc->uc_mcontext.gregs[REG_RIP] += 2;
}

/* The first call raises its own signal: deferred to after it returns,
 * or (SA_NODEFER) run inside it. */
static volatile int calls;

static void on_nested(int sig)
{
	if (depth)
		nested++;
	depth++;
	if (++calls == 1) {
		raise(sig);
		printf("  first handler: raised again, nested %d\n", nested);
	}
	depth--;
}

static void on_alt(int sig)
{
	char here;

	(void)sig;
	stack_seen = (uintptr_t)&here;
}

/* Uses the FPU heavily: the interrupted code's state must survive it. */
static void on_fpu(int sig)
{
	volatile double x = 1.0;

	(void)sig;
	for (int i = 0; i < 100; i++)
		x = x * 1.0000001 + 0.5;
	hits += x > 0;
}

static void set(int sig, void (*fn)(int, siginfo_t *, void *), int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO | flags;
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL))
		printf("sigaction %d: %s\n", sig, errname(errno));
}

static void set_plain(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static void show(const char *what, long r)
{
	printf("%s: %s\n", what, r < 0 ? errname(errno) : "0");
}

static int handlers(void)
{
	volatile int zero = 0;
	sigset_t s, old;
	char *ro;
	int fds[2];

	setvbuf(stdout, NULL, _IONBF, 0);
	printf("raise SIGUSR1\n");
	set(SIGUSR1, on_sent, 0);
	raise(SIGUSR1);
	printf("kill SIGUSR2\n");
	set(SIGUSR2, on_sent, 0);
	kill(getpid(), SIGUSR2);
	printf("tgkill SIGUSR1\n");
	syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR1);

	printf("NULL write\n");
	set(SIGSEGV, on_fault, 0);
	if (!sigsetjmp(jb, 1))
		*(volatile int *)addr_0x10 = 1;
	printf("write to a read-only page\n");
	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!sigsetjmp(jb, 1))
		*(volatile char *)ro = 1;
	printf("jump to an unmapped address\n");
	if (!sigsetjmp(jb, 1))
		((void (*)(void))addr_0x20)();
	printf("divide by zero\n");
	set(SIGFPE, on_fault, 0);
	if (!sigsetjmp(jb, 1)) {
		int q = 7, d = zero;

		asm volatile("cltd; idivl %2" : "+a"(q) : "d"(0), "r"(d));
		printf("%d\n", q);
	}
	/* Floating-point exceptions, unmasked: si_code says which. */
	for (volatile int i = 0; i < 3; i++) {
		static const char *const what[] = {
			"SSE divide by zero", "SSE overflow", "x87 divide by zero",
		};
		/* MXCSR with ZM (bit 9) or OM (bit 10) clear; an x87 control
		 * word with ZM (bit 2) clear. */
		unsigned int mxcsr = i == 0 ? 0x1d80 : 0x1b80;
		unsigned short cw = 0x37b;

		printf("%s\n", what[i]);
		if (!sigsetjmp(jb, 1)) {
			volatile double x = i == 0 ? 1.0 : 1e308, y = i == 0 ? 0.0 : 1e308;

			if (i < 2) {
				asm volatile("ldmxcsr %0" : : "m"(mxcsr));
				x = i == 0 ? x / y : x * y;
			} else {
				asm volatile("fldcw %0; fld1; fldz; fdivrp; fwait; fstp %%st(0)"
					     : : "m"(cw));
			}
			printf("  not stopped: %g\n", x);
		}
		mxcsr = 0x1f80;
		cw = 0x37f;
		asm volatile("ldmxcsr %0; fnclex; fldcw %1" : : "m"(mxcsr), "m"(cw));
	}
	printf("int3\n");
	set(SIGTRAP, on_fault, 0);
	if (!sigsetjmp(jb, 1))
		asm volatile("int3");
	printf("ud2, skipped by the handler\n");
	set(SIGILL, on_ill, 0);
	asm volatile("ud2");
	printf("  after the ud2\n");
	printf("handlers ran: %d\n", hits);

	printf("blocked SIGUSR1, raised\n");
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	sigprocmask(SIG_BLOCK, &s, &old);
	raise(SIGUSR1);
	sigpending(&s);
	printf("  pending: SIGUSR1 %d, SIGUSR2 %d\n", sigismember(&s, SIGUSR1),
	       sigismember(&s, SIGUSR2));
	printf("  unblocking\n");
	sigprocmask(SIG_SETMASK, &old, NULL);
	printf("  unblocked\n");

	printf("a handler raising its own signal\n");
	set_plain(SIGUSR2, on_nested, 0);
	raise(SIGUSR2);
	printf("  after: nested %d, calls %d\n", nested, calls);
	printf("the same with SA_NODEFER\n");
	nested = calls = 0;
	set_plain(SIGUSR2, on_nested, SA_NODEFER);
	raise(SIGUSR2);
	printf("  after: nested %d, calls %d\n", nested, calls);

	printf("alternate stack\n");
	{
		stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) }, got;

		sigaltstack(&ss, NULL);
		set_plain(SIGUSR1, on_alt, SA_ONSTACK);
		raise(SIGUSR1);
		printf("  handler on it: %d\n", stack_seen >= (uintptr_t)altstack &&
		       stack_seen < (uintptr_t)altstack + sizeof(altstack));
		set_plain(SIGUSR1, on_alt, 0);
		raise(SIGUSR1);
		printf("  without SA_ONSTACK, on it: %d\n", stack_seen >= (uintptr_t)altstack &&
		       stack_seen < (uintptr_t)altstack + sizeof(altstack));
		sigaltstack(NULL, &got);
		printf("  sigaltstack: size %zu, flags %d\n", got.ss_size, got.ss_flags);
	}

	printf("the FPU across a handler\n");
	{
		volatile double a = 3.25, b = 1.5;
		double before = a * b;

		set_plain(SIGUSR1, on_fpu, 0);
		raise(SIGUSR1);
		printf("  %s\n", a * b == before && a == 3.25 ? "kept" : "changed");
	}

	printf("SIGPIPE with a handler\n");
	set(SIGPIPE, on_sent, 0);
	pipe(fds);
	close(fds[0]);
	show("  write", write(fds[1], "x", 1));
	printf("SIGPIPE ignored\n");
	signal(SIGPIPE, SIG_IGN);
	show("  write", write(fds[1], "x", 1));

	printf("errors\n");
	show("  kill(another pid, 0)", kill(999999, 0));
	show("  kill(self, 0)", kill(getpid(), 0));
	show("  kill(self, 65)", kill(getpid(), 65));
	show("  tgkill(self, another tid, 0)", syscall(SYS_tgkill, getpid(), 999999, 0));
	show("  tgkill(0, tid, 0)", syscall(SYS_tgkill, 0, syscall(SYS_gettid), 0));
	show("  sigaction(SIGKILL)", sigaction(SIGKILL, &(struct sigaction){ 0 }, NULL));
	return 0;
}

/* A SIGSEGV handler that faults too: blocked in its own handler, the
 * second SIGSEGV takes the default action. */
static void on_segv_again(int sig)
{
	(void)sig;
	printf("handler faulting\n");
	*(volatile int *)addr_0x20 = 1;
}

static volatile sig_atomic_t got;

static void on_outside(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	got = sig;
	printf("  handler: %s, %s, from %s\n", strsignal(sig), code_name(sig, si->si_code),
	       si->si_pid != getpid() ? "outside" : "itself");
}

static int outside(void)
{
	struct timespec t = { 30, 0 }, rem = { 0, 0 };
	char c;
	int fds[2];
	long r;

	set(SIGUSR1, on_outside, 0);
	set(SIGUSR2, on_outside, SA_RESTART);
	set(SIGTERM, on_outside, 0);
	printf("ready: spinning\n");
	while (!got)
		;
	printf("spin interrupted by %s\n", strsignal(got));
	got = 0;
	printf("ready: sleeping\n");
	r = nanosleep(&t, &rem);
	printf("sleep: %s, time left %s\n", r ? errname(errno) : "0",
	       rem.tv_sec > 0 && rem.tv_sec < 30 ? "between 0 and 30 s" : "wrong");
	pipe(fds);
	printf("ready: reading\n");
	r = read(fds[0], &c, 1);
	printf("read: %s\n", r < 0 ? errname(errno) : "data");
	printf("ready: end\n");
	for (;;)
		pause();
	return 0;
}

static void on_usr1_once(int sig)
{
	(void)sig;
	printf("handler ran once\n");
}

int main(int argc, char **argv)
{
	const char *m = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IONBF, 0);
	if (!strcmp(m, "handlers"))
		return handlers();
	if (!strcmp(m, "outside"))
		return outside();
	if (!strcmp(m, "abort")) {
		abort();
	} else if (!strcmp(m, "default")) {
		raise(SIGUSR1);
	} else if (!strcmp(m, "ignored")) {
		signal(SIGUSR1, SIG_IGN);
		raise(SIGUSR1);
		printf("ignored\n");
		signal(SIGUSR1, SIG_DFL);
		raise(SIGUSR1);
	} else if (!strcmp(m, "resethand")) {
		set_plain(SIGUSR1, on_usr1_once, SA_RESETHAND);
		raise(SIGUSR1);
		raise(SIGUSR1);
	} else if (!strcmp(m, "segv")) {
		*(volatile int *)addr_0x10 = 1;
	} else if (!strcmp(m, "segv-again")) {
		set_plain(SIGSEGV, on_segv_again, 0);
		*(volatile int *)addr_0x10 = 1;
	} else if (!strcmp(m, "pipe")) {
		int fds[2];

		pipe(fds);
		close(fds[0]);
		write(fds[1], "x", 1);
	} else if (!strcmp(m, "badframe")) {
		stack_t ss = { .ss_sp = (void *)0x1000, .ss_size = 65536 };

		sigaltstack(&ss, NULL);
		set_plain(SIGUSR1, on_usr1_once, SA_ONSTACK);
		raise(SIGUSR1);
	} else {
		fprintf(stderr, "usage: signals handlers|outside|abort|default|ignored|"
			"resethand|segv|segv-again|pipe|badframe\n");
		return 2;
	}
	printf("still here\n");
	return 0;
}
