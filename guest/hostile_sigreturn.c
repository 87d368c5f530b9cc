/* SPDX-License-Identifier: MIT */
/*
 * hostile_sigreturn - a SIGUSR1 handler rewrites its own frame before it
 * returns, as an attacker would: what rt_sigreturn then does must be what
 * Linux does (the status and output are compared with a native run).
 *
 *   hostile_sigreturn MODE, MODE one of
 *     rip-noncanonical  RIP 0x0000800000000000             -> SIGSEGV
 *     rip-kernel        RIP 0xffffffff80000000             -> SIGSEGV
 *     cs-kernel         CS 0x10 (kernel code)              -> SIGSEGV
 *     ss-kernel         SS 0x18 (kernel data)              -> SIGSEGV
 *     flags             IOPL 3, NT, AC set: only AC stays, the program
 *                       goes on
 *     tf                TF set                             -> SIGTRAP
 *     xstate-bv         a component XCR0 lacks in XSTATE_BV -> SIGSEGV
 *     xcomp             XCOMP_BV set (compacted)           -> SIGSEGV
 *                       (both only where frames hold an XSAVE image:
 *                       else "no XSAVE state in the frame")
 *     mxcsr             a reserved MXCSR bit               -> SIGSEGV
 *     fpstate-bad       fpstate pointing at unmapped memory -> SIGSEGV
 *     mask              a mask with SIGKILL and SIGSTOP: they stay
 *                       unblockable, the rest is taken
 *     xmm               an XMM register changed in the frame: the
 *                       program goes on with the new value
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

static const char *mode;
static volatile int no_xstate;		/* the frame has FXSAVE's area only */

#define FX_MXCSR	24
#define FX_XMM0		160
#define XSTATE_BV	512
#define XCOMP_BV	520

static void on_usr1(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	greg_t *g = uc->uc_mcontext.gregs;
	uint8_t *fp = (uint8_t *)uc->uc_mcontext.fpregs;
	/* CS, GS, FS and SS share one greg slot (REG_CSGSFS). */
	uint16_t *sel = (uint16_t *)&g[REG_CSGSFS];

	(void)sig;
	(void)si;
	if (!strcmp(mode, "rip-noncanonical"))
		g[REG_RIP] = (greg_t)0x0000800000000000ULL;
	else if (!strcmp(mode, "rip-kernel"))
		g[REG_RIP] = (greg_t)0xffffffff80000000ULL;
	else if (!strcmp(mode, "cs-kernel"))
		sel[0] = 0x10;
	else if (!strcmp(mode, "ss-kernel"))
		sel[3] = 0x18;
	else if (!strcmp(mode, "flags"))
		g[REG_EFL] |= (3 << 12) | (1 << 14) | (1 << 18);
	else if (!strcmp(mode, "tf"))
		g[REG_EFL] |= 1 << 8;
	else if (!strcmp(mode, "xstate-bv") || !strcmp(mode, "xcomp")) {
		/* Only in an XSAVE image (UC_FP_XSTATE): past FXSAVE's 512
		 * bytes there is nothing of the frame's to change. */
		if (!(uc->uc_flags & 1))
			no_xstate = 1;
		else if (!strcmp(mode, "xstate-bv"))
			fp[XSTATE_BV + 7] |= 0x40;	/* bit 62: no CPU has it */
		else
			fp[XCOMP_BV + 7] |= 0x80;
	}
	else if (!strcmp(mode, "mxcsr"))
		fp[FX_MXCSR + 3] |= 0x80;
	else if (!strcmp(mode, "fpstate-bad"))
		uc->uc_mcontext.fpregs = (void *)0x1000;
	else if (!strcmp(mode, "mask"))
		memset(&uc->uc_sigmask, 0xff, 8);
	else if (!strcmp(mode, "xmm"))
		memset(fp + FX_XMM0, 0x5a, 16);
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	unsigned long flags;
	sigset_t now;

	if (argc < 2) {
		fprintf(stderr, "usage: hostile_sigreturn MODE\n");
		return 2;
	}
	mode = argv[1];
	setvbuf(stdout, NULL, _IONBF, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_usr1;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR1, &sa, NULL);
	printf("raising\n");
	if (!strcmp(mode, "xmm")) {
		/* The signal is delivered as tgkill returns; xmm0 is live
		 * across the system call, the frame's copy is what comes back. */
		long pid = getpid(), nr = 234 /* SYS_tgkill */;
		uint8_t x[16];

		asm volatile("pxor %%xmm0, %%xmm0; syscall; movdqu %%xmm0, %0"
			     : "=m"(x), "+a"(nr) : "D"(pid), "S"(pid), "d"(SIGUSR1)
			     : "xmm0", "rcx", "r11", "memory");
		printf("xmm0 after: %02x %02x\n", x[0], x[15]);
		return 0;
	}
	raise(SIGUSR1);
	if (no_xstate) {
		printf("no XSAVE state in the frame\n");
		return 0;
	}
	asm volatile("pushf; pop %0" : "=r"(flags));
	printf("back: IOPL %lu, NT %lu, AC %lu\n", (flags >> 12) & 3, (flags >> 14) & 1,
	       (flags >> 18) & 1);
	asm volatile("pushf; andq $~(1 << 18), (%%rsp); popf" : : : "cc");
	sigprocmask(SIG_BLOCK, NULL, &now);
	printf("blocked: SIGUSR1 %d, SIGKILL %d, SIGSTOP %d, SIGTERM %d\n",
	       sigismember(&now, SIGUSR1), sigismember(&now, SIGKILL),
	       sigismember(&now, SIGSTOP), sigismember(&now, SIGTERM));
	return 0;
}
