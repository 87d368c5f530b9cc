/* SPDX-License-Identifier: MIT */
/*
 * struct pt_regs - the register frame every entry into the shim builds on
 * its kernel stack, in Linux's field order (arch/x86/include/asm/ptrace.h),
 * so that the entry code reads like entry_64.S.  The hardware (or the
 * syscall stub) pushes ss .. ip, the stub pushes orig_ax and the rest.
 *
 * The asm never types an offset: asm-offsets.c turns offsetof() into
 * asm-offsets.h at build time.
 */
#ifndef SHIM_PT_REGS_H
#define SHIM_PT_REGS_H

struct pt_regs {
	/* Callee-saved registers, pushed last. */
	unsigned long r15;
	unsigned long r14;
	unsigned long r13;
	unsigned long r12;
	unsigned long bp;
	unsigned long bx;
	/* Caller-saved registers and syscall arguments. */
	unsigned long r11;
	unsigned long r10;
	unsigned long r9;
	unsigned long r8;
	unsigned long ax;
	unsigned long cx;
	unsigned long dx;
	unsigned long si;
	unsigned long di;
	/* Syscall number on a syscall, the error code (or -1) on a trap. */
	unsigned long orig_ax;
	/* The interrupt frame: pushed by the CPU, or built by the stub. */
	unsigned long ip;
	unsigned long cs;
	unsigned long flags;
	unsigned long sp;
	unsigned long ss;
};

#define PT_REGS_WORDS 21

_Static_assert(sizeof(struct pt_regs) == PT_REGS_WORDS * 8, "pt_regs is 21 words");

static inline int user_mode(const struct pt_regs *regs)
{
	return (regs->cs & 3) == 3;
}

#endif /* SHIM_PT_REGS_H */
