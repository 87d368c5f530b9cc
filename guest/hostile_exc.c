/* SPDX-License-Identifier: MIT */
/*
 * hostile_exc.c - ring 3 raises exceptions, and the program must end as
 * Linux would end it for each (the matching signal, 128+N), never as a
 * shim panic.  Some modes try to leave 64-bit mode or to steer the shim
 * through flags it might trust (DF, AC) or through the FS/GS bases.
 * "trying MODE" is printed first; what a mode prints after surviving is
 * noted with it.
 *
 *   ud2 int3 int3_cd icebp into     #UD, #BP (both encodings), #DB, #UD
 *   tf                              popf with TF: #DB after one instruction
 *   tf_syscall                      popf with TF, then a syscall (getpid):
 *                                   the single step ends at the syscall
 *   div0 divovf                     #DE: x / 0, INT64_MIN / -1
 *   wild                            a write to address 0x10
 *   nullstack                       rsp = 0, push
 *   noncanon_stack                  rsp = 0x0000800000000008, push: the
 *                                   write at 0x800000000000 is #SS
 *   noncanon_data                   a read at 0x0000800000000000 (#GP)
 *   noncanon_jmp                    jmp to 0x0000800000000000
 *   ac                              AC set, then an unaligned load (#AC)
 *   int1 int2 int4 int8 int13 int14 int18 int32 int128 int255
 *                                   `int $N` (0x80 is int128); only 3
 *                                   and 4 are gates ring 3 may use
 *   farjmp23 farcall23 farret23     far jmp/call/ret to selector 0x23,
 *                                   the 32-bit user code slot: prints
 *                                   "entered 32-bit mode" if it worked
 *   farjmp10 farjmp2b farjmp40      far jmp to the kernel code, the user
 *                                   data and the TSS selectors
 *   sysenter
 *   bignr                           syscall with rax 0xffffffff, 512,
 *                                   -1: prints each result (-38)
 *   df_syscall                      std, then syscalls that copy to and
 *                                   from user memory: "df ok" if each
 *                                   copied right
 *   ac_syscall                      AC set around the same syscalls
 *   gsbase fsbase                   wrgsbase/wrfsbase a shim address,
 *                                   then syscalls; "gsbase ok"
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>

#include "lstar_abi.h"

#define SHIM_TEXT (LSTAR_KERNEL_BASE + LSTAR_SHIM_GPA)

static long sys4(long nr, long a, long b, long c, long d)
{
	register long r10 __asm__("r10") = d;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10)
			 : "rcx", "r11", "memory");
	return ret;
}

/*
 * try_far(kind, sel) - far jmp (0), call (1) or ret (2) to sel:far_compat.
 * far_compat is 32-bit code that sets eax = 1 and far-jumps back to
 * 0x33:far_back; the stack is not touched in 32-bit mode.  Returns 1 if
 * 32-bit mode was entered.  The far jump back names far_back as an
 * absolute 32-bit address: this needs the non-PIE link of the Makefile's
 * -static (text below 4 GiB).
 */
int try_far(int kind, int sel);
__asm__(
	".text\n"
	".globl try_far\n"
	".type try_far, @function\n"
	"try_far:\n\t"
	"push %rbx\n\t"
	"mov %rsp, %rbx\n\t"
	"sub $64, %rsp\n\t"
	"and $-16, %rsp\n\t"
	"lea far_compat(%rip), %rax\n\t"
	"mov %eax, 32(%rsp)\n\t"
	"mov %si, 36(%rsp)\n\t"
	"xor %eax, %eax\n\t"
	"cmp $1, %edi\n\t"
	"je 1f\n\t"
	"cmp $2, %edi\n\t"
	"je 2f\n\t"
	"ljmpl *32(%rsp)\n"
	"1:\n\t"
	"lcalll *32(%rsp)\n\t"
	"jmp far_back\n"
	"2:\n\t"
	"movzwl %si, %esi\n\t"
	"pushq %rsi\n\t"
	"lea far_compat(%rip), %rax\n\t"
	"pushq %rax\n\t"
	"xor %eax, %eax\n\t"
	"lretq\n"
	"far_back:\n\t"
	"mov %rbx, %rsp\n\t"
	"pop %rbx\n\t"
	"ret\n"
	".code32\n"
	"far_compat:\n\t"
	"movl $1, %eax\n\t"
	"ljmp $0x33, $far_back\n"
	".code64\n"
	".size try_far, . - try_far\n");

static void set_ac(void)
{
	__asm__ volatile("sub $128, %%rsp\n\tpushfq\n\torq $0x40000, (%%rsp)\n\t"
			 "popfq\n\tadd $128, %%rsp" ::: "cc", "memory");
}

static void clear_ac(void)
{
	__asm__ volatile("sub $128, %%rsp\n\tpushfq\n\tandq $~0x40000, (%%rsp)\n\t"
			 "popfq\n\tadd $128, %%rsp" ::: "cc", "memory");
}

struct ksigaction {
	uint64_t handler, flags, restorer, mask;
};

/*
 * Syscalls that copy both ways through the shim (uname, rt_sigaction,
 * rt_sigprocmask) and through the VMM (write, clock_gettime), run between
 * set() and clear(), which the caller passes to change DF or AC.  All
 * results are checked only after clear(): libc may assume DF and AC 0.
 */
static int copy_syscalls(void (*set)(void), void (*clear)(void))
{
	static struct utsname u;
	static struct ksigaction act = { 0x1000, 0, 0, 0x5a5a }, old1, old2;
	static uint64_t mask_in = 1 << 9, mask_out;	/* SIGUSR1 */
	static struct { long s, ns; } ts;
	static const char msg[] = "copied\n";
	long r[7];

	memset(&old1, 0xff, sizeof(old1));
	set();
	r[0] = sys4(SYS_uname, (long)&u, 0, 0, 0);
	r[1] = sys4(SYS_rt_sigaction, SIGUSR2, (long)&act, (long)&old1, 8);
	r[2] = sys4(SYS_rt_sigaction, SIGUSR2, 0, (long)&old2, 8);
	r[3] = sys4(SYS_rt_sigprocmask, SIG_SETMASK, (long)&mask_in, 0, 8);
	r[4] = sys4(SYS_rt_sigprocmask, SIG_SETMASK, 0, (long)&mask_out, 8);
	r[5] = sys4(SYS_write, 1, (long)msg, sizeof(msg) - 1, 0);
	r[6] = sys4(SYS_clock_gettime, 1 /* CLOCK_MONOTONIC */, (long)&ts, 0, 0);
	clear();
	return r[0] == 0 && !strcmp(u.sysname, "Linux") && !strcmp(u.machine, "x86_64") &&
	       r[1] == 0 && old1.handler == 0 && old1.flags == 0 &&
	       r[2] == 0 && old2.handler == 0x1000 && old2.mask == 0x5a5a &&
	       r[3] == 0 && r[4] == 0 && mask_out == mask_in &&
	       r[5] == (long)sizeof(msg) - 1 && r[6] == 0 && ts.s + ts.ns > 0;
}

static void set_df(void) { __asm__ volatile("std" ::: "cc", "memory"); }
static void clear_df(void) { __asm__ volatile("cld" ::: "cc", "memory"); }

/* wrgsbase/wrfsbase a shim address around syscalls; put the old back. */
static int base_syscalls(int fs)
{
	uint64_t old, now;
	long pid, w;

	if (fs)
		__asm__ volatile("rdfsbase %0" : "=r"(old));
	else
		__asm__ volatile("rdgsbase %0" : "=r"(old));
	pid = 39;	/* getpid */
	if (fs)
		__asm__ volatile("wrfsbase %[shim]\n\t"
				 "syscall\n\t"
				 "rdfsbase %[now]\n\t"
				 "wrfsbase %[old]"
				 : "+a"(pid), [now] "=&r"(now)
				 : [old] "r"(old), [shim] "r"(SHIM_TEXT)
				 : "rcx", "r11", "memory");
	else
		__asm__ volatile("wrgsbase %[shim]\n\t"
				 "syscall\n\t"
				 "rdgsbase %[now]\n\t"
				 "wrgsbase %[old]"
				 : "+a"(pid), [now] "=&r"(now)
				 : [old] "r"(old), [shim] "r"(SHIM_TEXT)
				 : "rcx", "r11", "memory");
	w = sys4(SYS_write, 1, (long)"wrote\n", 6, 0);
	return pid > 0 && now == SHIM_TEXT && w == 6;
}

int main(int argc, char **argv)
{
	const char *m = argc == 2 ? argv[1] : "";
	static const struct { const char *name; int kind, sel; } fars[] = {
		{ "farjmp23", 0, LSTAR_USER32_CS }, { "farcall23", 1, LSTAR_USER32_CS },
		{ "farret23", 2, LSTAR_USER32_CS }, { "farjmp10", 0, LSTAR_KERNEL_CS },
		{ "farjmp2b", 0, LSTAR_USER_DS }, { "farjmp40", 0, LSTAR_TSS_SEL },
	};

	printf("trying %s\n", m);
	fflush(stdout);

	if (!strcmp(m, "ud2")) {
		__asm__ volatile("ud2");
	} else if (!strcmp(m, "int3")) {
		__asm__ volatile("int3");
	} else if (!strcmp(m, "int3_cd")) {
		__asm__ volatile(".byte 0xcd, 0x03");
	} else if (!strcmp(m, "icebp")) {
		__asm__ volatile(".byte 0xf1");
	} else if (!strcmp(m, "into")) {
		__asm__ volatile(".byte 0xce");
	} else if (!strcmp(m, "tf")) {
		__asm__ volatile("sub $128, %%rsp\n\tpushfq\n\torq $0x100, (%%rsp)\n\t"
				 "popfq\n\tnop\n\tnop\n\tadd $128, %%rsp" ::: "cc", "memory");
	} else if (!strcmp(m, "tf_syscall")) {
		long pid = 39;

		__asm__ volatile("sub $128, %%rsp\n\tpushfq\n\torq $0x100, (%%rsp)\n\t"
				 "popfq\n\tsyscall\n\tnop\n\tadd $128, %%rsp"
				 : "+a"(pid) : : "rcx", "r11", "cc", "memory");
		printf("getpid %ld\n", pid);
	} else if (!strcmp(m, "div0")) {
		long q;

		__asm__ volatile("cqto\n\tidivq %2" : "=a"(q) : "a"(1L), "r"(0L) : "rdx", "cc");
		printf("quotient %ld\n", q);
	} else if (!strcmp(m, "divovf")) {
		long q;

		__asm__ volatile("cqto\n\tidivq %2" : "=a"(q) : "a"(INT64_MIN), "r"(-1L) : "rdx", "cc");
		printf("quotient %ld\n", q);
	} else if (!strcmp(m, "wild")) {
		static volatile uintptr_t wild = 0x10;	/* hidden from -Warray-bounds */

		*(volatile int *)wild = 1;
	} else if (!strcmp(m, "nullstack")) {
		__asm__ volatile("mov %%rsp, %%rbx\n\txor %%esp, %%esp\n\tpushq $0\n\t"
				 "mov %%rbx, %%rsp" ::: "rbx", "memory");
	} else if (!strcmp(m, "noncanon_stack")) {
		__asm__ volatile("mov %%rsp, %%rbx\n\tmov %0, %%rsp\n\tpushq $0\n\t"
				 "mov %%rbx, %%rsp"
				 : : "r"(0x0000800000000008UL) : "rbx", "memory");
	} else if (!strcmp(m, "noncanon_data")) {
		printf("read %lu\n", *(volatile unsigned long *)0x0000800000000000UL);
	} else if (!strcmp(m, "noncanon_jmp")) {
		((void (*)(void))0x0000800000000000UL)();
	} else if (!strcmp(m, "ac")) {
		static char buf[16] __attribute__((aligned(16)));
		unsigned long v;

		set_ac();
		__asm__ volatile("mov 1(%1), %0" : "=r"(v) : "r"(buf) : "memory");
		clear_ac();
		printf("unaligned load %lu\n", v);
	} else if (!strncmp(m, "int", 3) && strlen(m) > 3 && m[3] >= '0' && m[3] <= '9') {
		int v = 0;

		sscanf(m + 3, "%d", &v);
		switch (v) {
#define INT_N(n) case n: __asm__ volatile("int $" #n ::: "memory"); break
		INT_N(1); INT_N(2); INT_N(4); INT_N(8); INT_N(13); INT_N(14);
		INT_N(18); INT_N(32); INT_N(128); INT_N(255);
		default:
			fprintf(stderr, "hostile_exc: no such vector %d\n", v);
			return 2;
		}
	} else if (!strcmp(m, "sysenter")) {
		__asm__ volatile("sysenter" ::: "rcx", "r11", "memory");
	} else if (!strcmp(m, "bignr")) {
		printf("0xffffffff: %ld\n", sys4(0xffffffffL, 0, 0, 0, 0));
		printf("512: %ld\n", sys4(512, 0, 0, 0, 0));
		printf("-1: %ld\n", sys4(-1L, 0, 0, 0, 0));
		return 0;
	} else if (!strcmp(m, "df_syscall")) {
		printf("df %s\n", copy_syscalls(set_df, clear_df) ? "ok" : "broken");
		return 0;
	} else if (!strcmp(m, "ac_syscall")) {
		printf("ac %s\n", copy_syscalls(set_ac, clear_ac) ? "ok" : "broken");
		return 0;
	} else if (!strcmp(m, "gsbase") || !strcmp(m, "fsbase")) {
		printf("%s %s\n", m, base_syscalls(m[0] == 'f') ? "ok" : "broken");
		return 0;
	} else {
		for (size_t i = 0; i < sizeof(fars) / sizeof(fars[0]); i++) {
			if (strcmp(m, fars[i].name))
				continue;
			if (try_far(fars[i].kind, fars[i].sel))
				printf("entered 32-bit mode\n");
			else
				printf("far transfer returned in 64-bit mode\n");
			return 0;
		}
		fprintf(stderr, "hostile_exc: unknown mode '%s'\n", m);
		return 2;
	}
	printf("%s: not stopped\n", m);
	return 0;
}
