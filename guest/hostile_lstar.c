/* SPDX-License-Identifier: MIT */
/*
 * hostile_lstar.c - ring 3 jumps straight to the shim's syscall entry
 * (LSTAR_ENTRY_SYSCALL) with registers of its choosing, the way a PVM
 * `syscall` arrives there but with a forged return RIP (rcx), forged
 * RFLAGS (r11) or a forged stack pointer.  argv[1] names the case.
 *
 * On PVM (shared/PLATFORMS.md) the jump is a #PF at the LSTAR address,
 * which the shim takes as a syscall: the call runs, and the return must
 * be safe whatever rcx, r11 and rsp said.  On hardware KVM the entry is a
 * supervisor page: the jump is a plain #PF and SIGSEGV.
 *
 * Every mode prints "trying MODE" first.  What it prints after a return,
 * one fact a line:
 *   rax N            the syscall's result, decimal
 *   rcx label|0x..   rcx after the return (Linux: the return address)
 *   r11 ok|0x..      r11 after the return: ok when it is the r11 given or
 *                    the RFLAGS returned to (what SYSRET leaves)
 *   regs preserved   every other register as it was (else "regs changed")
 *   rsp 0x..         (only the rsp modes) the stack pointer returned to
 *   flags iopl N if N tf N nt N ac N vif N vip N
 *
 * Modes:
 *   getpid       rax 39, rcx = return label, r11 = IOPL 3 | IF; then `out`
 *   sysret       the same with r11 = IF only (the SYSRET path); exit 0
 *   noncanon     rcx = 0x0000800000000000 (non-canonical)
 *   noncanon_hi  rcx = 0x8000000000000000 (non-canonical)
 *   usertop      rcx = LSTAR_USER_TOP (canonical, above user space)
 *   kernel       rcx = 0xffffffff80200000 (shim text)
 *   tf           r11 = TF | IF (0x302); prints "step 0x.." first, the
 *                address one instruction past the return label, where a
 *                single-step trap after the return would stop
 *   flags        r11 = IOPL 3, NT, RF, VM, VIF, VIP, IF; then `out` (AC is
 *                a user flag, popf sets it too: left out, or printf's
 *                unaligned accesses would end the run with SIGBUS)
 *   badrsp       rsp = 0x0000800000000000, r11 = IF (SYSRET path)
 *   badrsp_iret  rsp = 0x0000800000000000, r11 = IOPL 3 | IF (IRET path)
 *   krsp         rsp = 0xffffffff80200000, r11 = IF
 *   krsp_iret    rsp = 0xffffffff80200000, r11 = IOPL 3 | IF
 *   exit         rax 231 (exit_group), rdi 42, rcx = 0
 *   bignr        rax 0xffffffff: -ENOSYS, and the program goes on
 *   hinr         rax 0x100000027: the low 32 bits count (getpid)
 *   entry_plus1  jump to LSTAR_ENTRY_SYSCALL + 1: not the entry
 *   fwd_MODE     MODE (one of getpid ... krsp_iret) with rax 72: fcntl
 *                of the pattern in rdi, a call the VMM answers (-EBADF),
 *                which on PVM the shim's register way makes when the
 *                registers allow it (shim-kernel/entry.S)
 *   wr_MODE      MODE with rax 1: write(1, "W\n", 2), forwarded the same
 *                way: the line shows the call was made once, whether the
 *                VMM made it or refused it to the shim's common way
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lstar_abi.h"
#include "x86.h"

#define RCX_LABEL	1UL	/* in.cx: the return label below */

/* Register images, in this order; fake_syscall() reads fake_in and fills
 * fake_out.  sp 0 leaves rsp alone. */
enum { AX, CX, R11, DI, SI, DX, R10, R8, R9, BX, BP, R12, R13, R14, R15, SP,
       FLAGS, LABEL, NREGS };

uint64_t fake_in[NREGS], fake_out[NREGS], fake_saved_rsp;
uint64_t fake_entry_addr = LSTAR_ENTRY_SYSCALL;

void fake_syscall(void);
extern const char fake_step[];

/* Load every register from fake_in, jump to the entry; at the return
 * label store every register to fake_out without touching the stack,
 * then restore rsp and read RFLAGS. */
__asm__(
	".text\n"
	".globl fake_syscall\n"
	".type fake_syscall, @function\n"
	"fake_syscall:\n\t"
	"push %rbx\n\tpush %rbp\n\tpush %r12\n\tpush %r13\n\tpush %r14\n\tpush %r15\n\t"
	"mov %rsp, fake_saved_rsp(%rip)\n\t"
	"lea 1f(%rip), %rax\n\t"
	"mov %rax, fake_out+8*17(%rip)\n\t"
	"mov fake_in+8*1(%rip), %rcx\n\t"
	"cmp $1, %rcx\n\t"
	"cmove %rax, %rcx\n\t"
	"mov fake_in+8*2(%rip), %r11\n\t"
	"mov fake_in+8*3(%rip), %rdi\n\t"
	"mov fake_in+8*4(%rip), %rsi\n\t"
	"mov fake_in+8*5(%rip), %rdx\n\t"
	"mov fake_in+8*6(%rip), %r10\n\t"
	"mov fake_in+8*7(%rip), %r8\n\t"
	"mov fake_in+8*8(%rip), %r9\n\t"
	"mov fake_in+8*9(%rip), %rbx\n\t"
	"mov fake_in+8*10(%rip), %rbp\n\t"
	"mov fake_in+8*11(%rip), %r12\n\t"
	"mov fake_in+8*12(%rip), %r13\n\t"
	"mov fake_in+8*13(%rip), %r14\n\t"
	"mov fake_in+8*14(%rip), %r15\n\t"
	"mov fake_in+8*15(%rip), %rax\n\t"
	"test %rax, %rax\n\t"
	"jz 2f\n\t"
	"mov %rax, %rsp\n"
	"2:\n\t"
	"mov fake_in+8*0(%rip), %rax\n\t"
	"jmp *fake_entry_addr(%rip)\n"
	"1:\n\t"
	"mov %rax, fake_out+8*0(%rip)\n"
	".globl fake_step\n"
	"fake_step:\n\t"			/* one instruction past the return */
	"mov %rcx, fake_out+8*1(%rip)\n\t"
	"mov %r11, fake_out+8*2(%rip)\n\t"
	"mov %rdi, fake_out+8*3(%rip)\n\t"
	"mov %rsi, fake_out+8*4(%rip)\n\t"
	"mov %rdx, fake_out+8*5(%rip)\n\t"
	"mov %r10, fake_out+8*6(%rip)\n\t"
	"mov %r8, fake_out+8*7(%rip)\n\t"
	"mov %r9, fake_out+8*8(%rip)\n\t"
	"mov %rbx, fake_out+8*9(%rip)\n\t"
	"mov %rbp, fake_out+8*10(%rip)\n\t"
	"mov %r12, fake_out+8*11(%rip)\n\t"
	"mov %r13, fake_out+8*12(%rip)\n\t"
	"mov %r14, fake_out+8*13(%rip)\n\t"
	"mov %r15, fake_out+8*14(%rip)\n\t"
	"mov %rsp, fake_out+8*15(%rip)\n\t"
	"mov fake_saved_rsp(%rip), %rsp\n\t"
	"pushfq\n\t"
	"pop %rax\n\t"
	"mov %rax, fake_out+8*16(%rip)\n\t"
	"pop %r15\n\tpop %r14\n\tpop %r13\n\tpop %r12\n\tpop %rbp\n\tpop %rbx\n\t"
	"ret\n"
	".size fake_syscall, . - fake_syscall\n");

static void report(void)
{
	const uint64_t *o = fake_out, *in = fake_in;
	uint64_t f = o[FLAGS];
	bool same = true;

	printf("rax %ld\n", (long)o[AX]);
	if (o[CX] == o[LABEL])
		printf("rcx label\n");
	else
		printf("rcx 0x%lx\n", (unsigned long)o[CX]);
	if (o[R11] == in[R11] || o[R11] == f)
		printf("r11 ok\n");
	else
		printf("r11 0x%lx\n", (unsigned long)o[R11]);
	for (int r = DI; r <= R15; r++)
		same &= o[r] == in[r];
	printf("regs %s\n", same ? "preserved" : "changed");
	if (in[SP])
		printf("rsp 0x%lx\n", (unsigned long)o[SP]);
	printf("flags iopl %lu if %lu tf %lu nt %lu ac %lu vif %lu vip %lu\n",
	       (f & X86_EFLAGS_IOPL) >> 12, (f & X86_EFLAGS_IF) >> 9,
	       (f & X86_EFLAGS_TF) >> 8, (f & X86_EFLAGS_NT) >> 14,
	       (f & X86_EFLAGS_AC) >> 18, (f & X86_EFLAGS_VIF) >> 19,
	       (f & X86_EFLAGS_VIP) >> 20);
	fflush(stdout);
}

static void try_out(void)
{
	printf("trying out\n");
	fflush(stdout);
	__asm__ volatile("outl %%eax, %%dx" : : "a"(LSTAR_HC_EXIT), "d"(LSTAR_HC_PORT) : "memory");
	printf("out succeeded\n");
}

int main(int argc, char **argv)
{
	const char *mode = argc == 2 ? argv[1] : "", *m = mode;
	bool then_out = false;

	/* Distinct patterns in every register the call must preserve. */
	for (int r = DI; r <= R15; r++)
		fake_in[r] = 0x0101010101010101ULL * (uint64_t)r;
	fake_in[AX] = 39;			/* getpid */
	fake_in[CX] = RCX_LABEL;
	fake_in[R11] = X86_EFLAGS_IF | 2;
	if (!strncmp(m, "fwd_", 4)) {
		fake_in[AX] = 72;		/* fcntl: the VMM's */
		m += 4;
	} else if (!strncmp(m, "wr_", 3)) {
		fake_in[AX] = 1;		/* write: the VMM's */
		fake_in[DI] = 1;
		fake_in[SI] = (uint64_t)"W\n";
		fake_in[DX] = 2;
		m += 3;
	}

	if (!strcmp(m, "getpid")) {
		fake_in[R11] |= X86_EFLAGS_IOPL;
		then_out = true;
	} else if (!strcmp(m, "sysret")) {
	} else if (!strcmp(m, "noncanon")) {
		fake_in[CX] = 0x0000800000000000ULL;
	} else if (!strcmp(m, "noncanon_hi")) {
		fake_in[CX] = 0x8000000000000000ULL;
	} else if (!strcmp(m, "usertop")) {
		fake_in[CX] = LSTAR_USER_TOP;
	} else if (!strcmp(m, "kernel")) {
		fake_in[CX] = 0xffffffff80200000ULL;
	} else if (!strcmp(m, "tf")) {
		fake_in[R11] |= X86_EFLAGS_TF;
	} else if (!strcmp(m, "flags")) {
		fake_in[R11] |= X86_EFLAGS_IOPL | X86_EFLAGS_NT | X86_EFLAGS_RF |
				X86_EFLAGS_VM | X86_EFLAGS_VIF | X86_EFLAGS_VIP;
		then_out = true;
	} else if (!strcmp(m, "badrsp")) {
		fake_in[SP] = 0x0000800000000000ULL;
	} else if (!strcmp(m, "badrsp_iret")) {
		fake_in[SP] = 0x0000800000000000ULL;
		fake_in[R11] |= X86_EFLAGS_IOPL;
	} else if (!strcmp(m, "krsp")) {
		fake_in[SP] = 0xffffffff80200000ULL;
	} else if (!strcmp(m, "krsp_iret")) {
		fake_in[SP] = 0xffffffff80200000ULL;
		fake_in[R11] |= X86_EFLAGS_IOPL;
	} else if (!strcmp(m, "exit")) {
		fake_in[AX] = 231;
		fake_in[DI] = 42;
		fake_in[CX] = 0;
	} else if (!strcmp(m, "bignr")) {
		fake_in[AX] = 0xffffffffULL;
	} else if (!strcmp(m, "hinr")) {
		fake_in[AX] = 0x100000027ULL;
	} else if (!strcmp(m, "entry_plus1")) {
		fake_entry_addr++;
	} else {
		fprintf(stderr, "hostile_lstar: unknown mode '%s'\n", m);
		return 2;
	}
	printf("trying %s\n", mode);
	if (!strcmp(m, "tf"))
		printf("step 0x%lx\n", (unsigned long)fake_step);
	fflush(stdout);
	fake_syscall();
	report();
	if (then_out)
		try_out();
	return 0;
}
