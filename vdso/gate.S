/* SPDX-License-Identifier: MIT */
/*
 * gate.S - the syscall gate: where a ring-3 `syscall` lands on PVM.
 *
 * On PVM a `syscall` in ring 3 does not enter the guest's supervisor: it
 * sets rcx (the return RIP) and r11 (RFLAGS), masks RFLAGS by SFMASK and
 * jumps to MSR_LSTAR, still in ring 3 (../shared/PLATFORMS.md).  Only a
 * fault there reaches the shim, and that fault costs as much again as the
 * jump.  So the shim points MSR_LSTAR here, and the gate answers the
 * calls whose answer is a constant of the process, from the time page
 * (struct lstar_vvar: its pid, uid and gid, and which of these calls the
 * gate may answer, LSTAR_GATE_*).  Every other call, and each of these
 * the gate may not answer, goes on to LSTAR_ENTRY_SYSCALL, a shim page
 * ring 3 cannot execute: its #PF is the shim's syscall entry, with rax,
 * rcx, r11 and every argument as the `syscall` left them.
 *
 * A call answered here leaves what SYSRET would: rax the answer, rcx and
 * r11 as the `syscall` set them, every other register as it was, and
 * RFLAGS as r11 says.  The `syscall` cleared what SFMASK names in the
 * live RFLAGS (on PVM all of Linux's mask but IF); the gate writes back
 * DF, OF and, with SAHF, SF ZF AF PF CF.  It cannot write TF, NT, AC or
 * ID in ring 3 without the stack, which it never touches (the red zone,
 * and stacks too small for a frame): a call made with one of them set
 * goes to the shim.
 *
 * This is ring-3 code in the program's own address space: it trusts
 * nothing and guards nothing.  What it answers, the program could read
 * from the time page itself; a program that jumps into the middle of it
 * hurts only itself.  One that unmaps its vDSO or time page, or takes
 * their read or execute away, as Linux lets it, loses the gate: the shim
 * then takes its calls the long way (traps.c's syscall_gate_turn_off and
 * gate_gone), except one a thread is in the middle of answering at that
 * moment, which faults as a Linux vDSO function would.
 */
#include "lstar_abi.h"
#include "x86.h"

#define NR_getpid	39
#define NR_getuid	102
#define NR_getgid	104
#define NR_geteuid	107
#define NR_getegid	108

	.hidden	lstar_vvar_page

	.text
	.globl	__lstar_syscall_gate
	.type	__lstar_syscall_gate, @function
	.balign	16
__lstar_syscall_gate:
	cmpq	$NR_getpid, %rax
	je	.Lgetpid
	cmpq	$NR_getuid, %rax
	je	.Lgetuid
	cmpq	$NR_geteuid, %rax
	je	.Lgetuid
	cmpq	$NR_getgid, %rax
	je	.Lgetgid
	cmpq	$NR_getegid, %rax
	je	.Lgetgid
.Lshim:
	jmp	*.Lentry(%rip)

/* May the gate answer (\bit), and can it give back the RFLAGS in r11? */
.macro MAY_ANSWER bit
	testl	$\bit, lstar_vvar_page + LSTAR_VVAR_GATE(%rip)
	jz	.Lshim
	testl	$(X86_EFLAGS_TF | X86_EFLAGS_NT | X86_EFLAGS_AC | X86_EFLAGS_ID), %r11d
	jnz	.Lshim
.endm

.Lgetpid:
	MAY_ANSWER LSTAR_GATE_GETPID
	jmp	.Lanswer_pid
.Lgetuid:
	MAY_ANSWER LSTAR_GATE_GETUID
	jmp	.Lanswer_uid
.Lgetgid:
	MAY_ANSWER LSTAR_GATE_GETGID
	jmp	.Lanswer_gid
	/*
	 * Up to here rax is still the call's number: a fault in this part
	 * (the vDSO or the time page unmapped) is where the shim starts
	 * the call again, through its own entry (traps.c's gate_gone).
	 */
	.size	__lstar_syscall_gate, . - __lstar_syscall_gate

/* Give back RFLAGS as r11 has them, then rax = the 32-bit field at vvar
 * offset \field (\load: sign-extended as a pid is, zero-extended as an id
 * is) and return. */
.macro ANSWER field, load, reg
	/* DF */
	testl	$X86_EFLAGS_DF, %r11d
	jz	1f
	std
1:	/* OF (bit 11): a number added to itself overflows when its sign
	 * bit is set */
	movq	%r11, %rax
	shrq	$11, %rax
	shlq	$63, %rax
	addq	%rax, %rax
	/* SF ZF AF PF CF: SAHF loads them from ah, r11's low byte shifted
	 * up by LEAs, which leave RFLAGS alone (as MOV does below) */
	leaq	(, %r11, 8), %rax
	leaq	(, %rax, 8), %rax
	leaq	(, %rax, 4), %rax
	sahf
	\load	lstar_vvar_page + \field(%rip), \reg
	jmp	*%rcx
.endm

.Lanswer_pid:
	ANSWER	LSTAR_VVAR_PID, movslq, %rax
.Lanswer_uid:
	ANSWER	LSTAR_VVAR_UID, movl, %eax
.Lanswer_gid:
	ANSWER	LSTAR_VVAR_GID, movl, %eax

	.section .rodata
	.balign	8
.Lentry:
	.quad	LSTAR_ENTRY_SYSCALL

	.section .note.GNU-stack, "", @progbits
