/* SPDX-License-Identifier: MIT */
/*
 * entry.S - every way into the shim and the one way out, in the shape of
 * Linux's arch/x86/entry/entry_64.S.  Assembly builds the pt_regs frame,
 * clears what ring 3 left in registers and calls C; C decides.
 *
 * Ways in:
 *   entry_SYSCALL_64  hardware KVM: a ring-3 `syscall` lands here at CPL 0
 *   asm_pvm_pf        PVM: a ring-3 `syscall` arrives as vector 14 (#PF at
 *                     the LSTAR address), made the same syscall frame here
 *   asm_exc_<vector>  the 32 exception vectors (and every other #PF)
 * Way out:
 *   return_to_user    SYSRET when C says the frame is safe, IRET otherwise
 */
#include "asm-offsets.h"
#include "lstar_abi.h"

#define ENOSYS 38

/* Push the general-purpose registers into pt_regs (ax from \rax), then
 * zero the ones C does not load before use, so that no ring-3 value can
 * steer speculation inside the shim.  rax (syscall number), rdi and rsp
 * are set by the caller.  As Linux's PUSH_AND_CLEAR_REGS.  clear=0 skips
 * the zeroing where the shim runs emulated (PVM: nothing it runs is
 * speculated, and each instruction costs most of a microsecond). */
.macro PUSH_AND_CLEAR_REGS rax=%rax clear=1
	PUSH_CALLER_REGS rax=\rax
	pushq	%rbx			/* pt_regs->bx */
	pushq	%rbp			/* pt_regs->bp */
	pushq	%r12			/* pt_regs->r12 */
	pushq	%r13			/* pt_regs->r13 */
	pushq	%r14			/* pt_regs->r14 */
	pushq	%r15			/* pt_regs->r15 */
	.if \clear
	xorl	%esi, %esi		/* clear ring-3 values ... */
	xorl	%edx, %edx
	xorl	%ecx, %ecx
	xorl	%r8d, %r8d
	xorl	%r9d, %r9d
	xorl	%r10d, %r10d
	xorl	%r11d, %r11d
	xorl	%ebx, %ebx
	xorl	%ebp, %ebp
	xorl	%r12d, %r12d
	xorl	%r13d, %r13d
	xorl	%r14d, %r14d
	xorl	%r15d, %r15d		/* ... all but rax and rdi */
	.endif
.endm

/* The half of pt_regs a C function may clobber (the SysV caller-saved
 * registers), pushed: enough for a handler that reads only arguments. */
.macro PUSH_CALLER_REGS rax=%rax
	pushq	%rdi			/* pt_regs->di */
	pushq	%rsi			/* pt_regs->si */
	pushq	%rdx			/* pt_regs->dx */
	pushq	%rcx			/* pt_regs->cx */
	pushq	\rax			/* pt_regs->ax */
	pushq	%r8			/* pt_regs->r8 */
	pushq	%r9			/* pt_regs->r9 */
	pushq	%r10			/* pt_regs->r10 */
	pushq	%r11			/* pt_regs->r11 */
.endm

.macro POP_CALLER_REGS
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rax
	popq	%rcx
	popq	%rdx
	popq	%rsi
	popq	%rdi
.endm

/* The callee-saved half of pt_regs, stored into the room the arguments
 * way left for it (the registers still hold ring 3's values: C kept
 * them). */
.macro COMPLETE_FRAME
	movq	%rbx, PTREGS_BX(%rsp)
	movq	%rbp, PTREGS_BP(%rsp)
	movq	%r12, PTREGS_R12(%rsp)
	movq	%r13, PTREGS_R13(%rsp)
	movq	%r14, PTREGS_R14(%rsp)
	movq	%r15, PTREGS_R15(%rsp)
.endm

/* The short ways' last step before SYSRET, as syscall_exit_to_user and
 * tlb_leave_for_user: jump to \work if a signal or lstar fuzz's stop
 * waits; else say ring 3 runs here (in_user was 0: the locked `or` makes
 * it 1 and orders it before the load, as the xchg in C), then jump to
 * \work if another CPU asked for a TLB flush meanwhile. */
.macro LEAVE_UNLESS_WORK work
	cmpw	$0, %gs:PERCPU_EXIT_WORK
	jne	\work
	lock orb $1, %gs:PERCPU_IN_USER
	cmpb	$0, %gs:PERCPU_TLB_STALE
	jne	\work
.endm

/* The register way's frame, after its call: pt_regs->ax the result. */
.macro FORWARDED_FRAME
	movq	%rcx, 8(%rsp)			/* pt_regs->ip */
	movq	%r11, 24(%rsp)			/* pt_regs->flags */
	cld
	PUSH_AND_CLEAR_REGS clear=0
	CLEAR_AC
.endm

/* With SMAP on, ring 3's RFLAGS.AC would let the shim touch user pages by
 * mistake; an exception does not clear it (SYSCALL does, through SFMASK).
 * `clac` exists only where SMAP does, hence the flag test. */
.macro CLEAR_AC
	testb	$1, smap_enabled(%rip)
	jz	.Lclac_done_\@
	clac
.Lclac_done_\@:
.endm

/* Restore the general-purpose registers from pt_regs; rsp ends at orig_ax. */
.macro POP_REGS
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbp
	popq	%rbx
	POP_CALLER_REGS
.endm

	.section .text.entry, "ax"

/*
 * entry_SYSCALL_64 - the LSTAR target (hardware KVM).
 *
 * In:  CPL 0, rax = syscall number, rdi rsi rdx r10 r8 r9 = arguments,
 *      rcx = user RIP to return to, r11 = user RFLAGS (SFMASK already
 *      cleared IF, TF, DF, AC, NT ... in RFLAGS), rsp = USER stack,
 *      GS base = user's.  Interrupts are off; nothing is trusted.
 * Out: never returns here; leaves through return_to_user.
 */
	.globl	entry_SYSCALL_64
	.type	entry_SYSCALL_64, @function
	.balign	64
entry_SYSCALL_64:
	swapgs					/* GS -> per-CPU area */
	movq	%rsp, %gs:PERCPU_USER_RSP	/* park the user stack */
	movq	%gs:PERCPU_TSS_RSP0, %rsp	/* kernel stack = TSS.rsp0 */

	pushq	$LSTAR_USER_DS			/* pt_regs->ss */
	pushq	%gs:PERCPU_USER_RSP		/* pt_regs->sp */
	pushq	%r11				/* pt_regs->flags */
	pushq	$LSTAR_USER_CS			/* pt_regs->cs */
	pushq	%rcx				/* pt_regs->ip */
	pushq	%rax				/* pt_regs->orig_ax */
	PUSH_AND_CLEAR_REGS rax=$-ENOSYS	/* result pre-set to -ENOSYS */

	movq	%rsp, %rdi			/* arg 1: regs */
	movslq	%eax, %rsi			/* arg 2: nr, sign-extended low 32 bits */
	call	do_syscall_64			/* al = SYSRET is safe */
	movq	%rsp, %rdi
	movzbl	%al, %esi
	jmp	return_to_user
	.size	entry_SYSCALL_64, . - entry_SYSCALL_64

/*
 * return_to_user - leave the shim for ring 3 (never returns).
 *
 * In:  rdi = the pt_regs to restore (on this CPU's kernel stack), sil =
 *      nonzero when syscall_exit_to_user() found the frame safe for SYSRET
 *      (rcx == ip, r11 == flags, ip below the user top, no RF/TF, user
 *      CS/SS); otherwise IRET restores the frame as it is.  C sanitized
 *      the frame's RFLAGS either way.  GS base is the per-CPU area.
 */
	.globl	return_to_user
	.type	return_to_user, @function
return_to_user:
	movq	%rdi, %rsp
	testb	%sil, %sil
	jz	.Liret
	POP_REGS				/* rcx = ip, r11 = flags */
	addq	$8, %rsp			/* skip orig_ax; rsp -> ip */
	movq	IRET_SP_FROM_IP(%rsp), %rsp	/* user stack */
	swapgs					/* GS -> user's */
	sysretq
.Liret:
	POP_REGS
	addq	$8, %rsp			/* skip orig_ax; rsp -> iret frame */
	swapgs					/* GS -> user's */
	iretq
	.size	return_to_user, . - return_to_user

/*
 * ignore_sysret - the CSTAR target.  Ring 3 has no 32-bit code segment,
 * so a compat-mode `syscall` cannot happen; if it ever does, it fails
 * with -ENOSYS and changes nothing (Linux does the same without IA32).
 */
	.globl	ignore_sysret
	.type	ignore_sysret, @function
ignore_sysret:
	movl	$-ENOSYS, %eax
	sysretl
	.size	ignore_sysret, . - ignore_sysret

/*
 * asm_pvm_pf - vector 14 on PVM, where a ring-3 `syscall` arrives as an
 * instruction-fetch #PF at the LSTAR address, still at CPL 3
 * (shared/PLATFORMS.md).  Every shim instruction is emulated here, so
 * the test is the fewest that decide it: from ring 3, at the LSTAR
 * address, a fetch.  Any other fault is asm_exc_14's.  (On hardware KVM
 * the same jump is only a bad jump: only idt_pvm holds this gate.)
 *
 * Three ways on from there, chosen by the call's LSTAR_FAST_* bits in
 * fast_ways[] (the policy's fast[], which the VMM sets:
 * vmm_mark_fast_ways):
 *  - the register way: a call the VMM answers goes to it as it is, in
 *    the registers SYSCALL left (one `out`, no frame, no line of C), to
 *    be judged there by the policy, rules on its arguments or not (the
 *    VMM judges every forwarded call anyway: vmm_forward).  The VMM reads
 *    them, makes the call and resumes the shim at one of the header's
 *    forward_* addresses: pvm_forward_done (rax the result: SYSRET back),
 *    pvm_forward_act (the shim acts on the result: EPIPE, an
 *    interruption, lstar fuzz's stop) or pvm_forward_refused (SYSRET
 *    would not give ring 3 what the common way gives: the call was not
 *    made; the common way makes it);
 *  - the arguments way: a call whose handler reads only its arguments
 *    runs on the caller-saved half of the frame, judged there first
 *    (syscall_judge) if the policy looks at the arguments;
 *  - the common way: the fault becomes the frame entry_SYSCALL_64 builds,
 *    in place (the error code's slot is orig_ax, the return RIP comes
 *    from rcx and the RFLAGS from r11, both checked and sanitized on the
 *    way out), and do_syscall_64 runs.
 * The two short ways are taken only where SYSRET gives ring 3 exactly
 * what the common way would: rcx a user address, r11 flags ring 3 may
 * have (sysret.h's tests, made on rcx and r11: ring 3 can jump to the
 * LSTAR address with any values; the VMM makes them for the register
 * way).  Work on the way out (a signal, a TLB flush) completes the frame
 * and finishes in C.  The arguments way parks rdx in the error code's
 * slot while it needs a register; nothing else of ring 3's changes but
 * rax, rcx and r11, as SYSCALL and SYSRET define.
 *
 * In:  error code, rip, cs, rflags, rsp, ss on TSS.rsp0; ring 3's GS.
 */
	.globl	asm_pvm_pf
	.type	asm_pvm_pf, @function
	.balign	16
asm_pvm_pf:
	testb	$3, 16(%rsp)			/* cs: from ring 3? */
	jz	asm_exc_14
	cmpq	$entry_SYSCALL_64, 8(%rsp)	/* rip: the LSTAR address? */
	jne	asm_exc_14
	testb	$PF_INSTR, (%rsp)		/* an instruction fetch? */
	jz	asm_exc_14
	swapgs					/* GS -> per-CPU area */
	movb	$0, %gs:PERCPU_IN_USER		/* not in ring 3 (mm.c's shootdowns) */
	cmpq	$NR_SYSCALLS, %rax		/* the whole of rax: orig_ax stays it */
	jae	.Lsyscall_frame
	testb	$LSTAR_FAST_FORWARD, fast_ways(%rax)
	jz	.Lother_ways
	outl	%eax, $LSTAR_FORWARD_PORT	/* the VMM resumes at one of: */

	.globl	pvm_forward_done
pvm_forward_done:				/* rax = the result */
	LEAVE_UNLESS_WORK .Lforward_work
	movq	32(%rsp), %rsp			/* the user stack */
	swapgs					/* GS -> user's */
	sysretq

	/*
	 * The call was made (rax its result), and the shim acts on the
	 * result (act 1: the VMM said so), or only on the way out (act 0:
	 * work came meanwhile; the result, perhaps an errno a rule chose,
	 * goes to ring 3 as it is).
	 */
	.globl	pvm_forward_act
pvm_forward_act:
	FORWARDED_FRAME
	movl	$1, %esi			/* arg 2: act */
	jmp	1f
.Lforward_work:
	FORWARDED_FRAME
	xorl	%esi, %esi
1:	movq	%rsp, %rdi			/* arg 1: regs */
	call	syscall_forwarded		/* al = SYSRET is safe */
	movq	%rsp, %rdi
	movzbl	%al, %esi
	jmp	return_to_user

.Lother_ways:
	cmpq	.Luser_top(%rip), %rcx		/* SYSRET's RIP: a user address */
	jae	.Lsyscall_frame
	movq	%rdx, (%rsp)			/* park rdx */
	movl	%r11d, %edx			/* SYSRET's RFLAGS: ring 3's own */
	andl	$SYSRET_FLAGS_MASK, %edx
	cmpl	$SYSRET_FLAGS_WANT, %edx
	jne	.Lrestore_rdx
	testb	$LSTAR_FAST_ARGS, fast_ways(%rax)
	jz	.Lrestore_rdx

	/*
	 * The arguments way: the handler's frame is the caller-saved half
	 * of pt_regs (the rest is room, unwritten: the handler reads only
	 * arguments, and C keeps rbx, rbp, r12-r15 as they are).
	 */
.Largs_way:
	cmpb	$0, %gs:PERCPU_TLB_STALE	/* a flush first: the common way */
	jne	.Lrestore_rdx
	movq	(%rsp), %rdx			/* rdx back */
	movq	%rax, (%rsp)			/* pt_regs->orig_ax */
	movq	%rcx, 8(%rsp)			/* pt_regs->ip */
	movq	%r11, 24(%rsp)			/* pt_regs->flags */
	cld
	PUSH_CALLER_REGS rax=$-ENOSYS
	subq	$PTREGS_CALLEE_SAVED, %rsp
	CLEAR_AC
	movq	%rsp, %rdi			/* arg 1: regs */
	testb	$LSTAR_FAST_ALLOW, fast_ways(%rax)
	jz	.Largs_judge
	call	*sys_call_table(, %rax, 8)
.Largs_result:
	movq	%rax, PTREGS_AX(%rsp)
	LEAVE_UNLESS_WORK .Largs_frame
	addq	$PTREGS_CALLEE_SAVED, %rsp
	POP_CALLER_REGS				/* rcx = ip, r11 = flags */
	movq	32(%rsp), %rsp			/* the user stack */
	swapgs
	sysretq

	/* A call the policy decides by its arguments. */
.Largs_judge:
	call	syscall_judge
	cmpq	$-SYSCALL_JUDGE_FULL_NEG, %rax
	jne	.Largs_result
	COMPLETE_FRAME				/* a verdict for the slow way */
	movq	%rsp, %rdi			/* arg 1: regs */
	movq	PTREGS_ORIG_AX(%rsp), %rsi	/* arg 2: nr */
	call	do_syscall_64			/* al = SYSRET is safe */
	movq	%rsp, %rdi
	movzbl	%al, %esi
	jmp	return_to_user

	/* Work after all: the frame's other half, then the common exit. */
.Largs_frame:
	COMPLETE_FRAME
	movq	%rsp, %rdi
	call	syscall_exit_to_user		/* al = SYSRET is safe */
	movq	%rsp, %rdi
	movzbl	%al, %esi
	jmp	return_to_user

.Lrestore_rdx:
	movq	(%rsp), %rdx
	.globl	pvm_forward_refused
pvm_forward_refused:
.Lsyscall_frame:
	movq	%rax, (%rsp)			/* pt_regs->orig_ax */
	movq	%rcx, 8(%rsp)			/* pt_regs->ip */
	movq	%r11, 24(%rsp)			/* pt_regs->flags */
	cld					/* SYSCALL's SFMASK would have */
	PUSH_AND_CLEAR_REGS rax=$-ENOSYS clear=0 /* result pre-set to -ENOSYS */
	CLEAR_AC				/* ... and cleared AC */
	movq	%rsp, %rdi			/* arg 1: regs */
	movslq	%eax, %rsi			/* arg 2: nr, as entry_SYSCALL_64 */
	call	do_syscall_64			/* al = SYSRET is safe */
	movq	%rsp, %rdi
	movzbl	%al, %esi
	jmp	return_to_user
	.size	asm_pvm_pf, . - asm_pvm_pf

	.section .rodata
	.balign	8
.Luser_top:
	.long	USER_TOP_LOW_PAGES << 12, USER_TOP_HIGH
	.previous

/*
 * The floor probes (LSTAR_BOOT_FLOOR, lstar doctor's own loop program
 * only): a call of LSTAR_FLOOR_NR returns at once, LSTAR_FLOOR_NR + 1
 * after one bare exit to the VMM; every other call, and every other
 * fault, takes the shim's own way in.  They measure the platform, so
 * they do nothing else: they trust the loop program's registers (rcx is
 * the address after its `syscall`) and clobber rax and rdx.
 */
.macro FLOOR_EXIT
	movl	$LSTAR_HC_GPA, %eax		/* vCPU 0's block */
	movw	$HC_FLOOR_PORT, %dx
	outl	%eax, %dx
.endm

/* floor_syscall - the LSTAR target with the probes (hardware KVM). */
	.globl	floor_syscall
	.type	floor_syscall, @function
floor_syscall:
	cmpl	$LSTAR_FLOOR_NR, %eax
	je	1f
	cmpl	$LSTAR_FLOOR_NR + 1, %eax
	jne	entry_SYSCALL_64
	FLOOR_EXIT
1:	sysretq
	.size	floor_syscall, . - floor_syscall

/* asm_floor_pf - vector 14 with the probes (PVM, where a `syscall` is a
 * #PF at the LSTAR address): error code, rip, cs, rflags, rsp, ss. */
	.globl	asm_floor_pf
	.type	asm_floor_pf, @function
asm_floor_pf:
	cmpl	$LSTAR_FLOOR_NR, %eax
	je	1f
	cmpl	$LSTAR_FLOOR_NR + 1, %eax
	jne	asm_pvm_pf
	FLOOR_EXIT
1:	movq	%rcx, 8(%rsp)			/* resume after the syscall */
	addq	$8, %rsp			/* the error code */
	iretq
	.size	asm_floor_pf, . - asm_floor_pf

/*
 * Exception stubs, one per vector from one macro.
 *
 * In:  the CPU pushed ss, rsp, rflags, cs, rip and, for some vectors, an
 *      error code, on TSS.rsp0 (from ring 3) or on the current or IST
 *      stack (from ring 0).
 * Out: exc_dispatch() returns only to resume ring 3 (a signal's handler,
 *      or the program after the VMM's event); every other exception ends
 *      the run from C.
 *
 * swapgs is decided by the CS of the interrupted frame, never by the GS
 * base found on entry: ring 3 can write its own GS base (wrgsbase).
 */
.macro idtentry vector, has_error_code
	.balign	16
asm_exc_\vector:
	.if \has_error_code == 0
	pushq	$-1				/* pt_regs->orig_ax: no error code */
	.endif
	cld					/* C expects DF clear */
	testb	$3, IRET_CS_FROM_ORIG_AX(%rsp)	/* from ring 3? */
	jz	1f
	swapgs
1:	PUSH_AND_CLEAR_REGS
	CLEAR_AC
	movq	%rsp, %rdi			/* arg 1: regs */
	movl	$\vector, %esi			/* arg 2: vector */
	call	exc_dispatch			/* al = SYSRET is safe */
	movq	%rsp, %rdi
	movzbl	%al, %esi
	jmp	return_to_user
.endm

/* Vectors that push an error code: #DF, #TS, #NP, #SS, #GP, #PF, #AC,
 * #CP, #VC, #SX (8, 10-14, 17, 21, 29, 30). */
idtentry 0, 0
idtentry 1, 0
idtentry 2, 0
idtentry 3, 0
idtentry 4, 0
idtentry 5, 0
idtentry 6, 0
idtentry 7, 0
idtentry 8, 1
idtentry 9, 0
idtentry 10, 1
idtentry 11, 1
idtentry 12, 1
idtentry 13, 1
idtentry 14, 1
idtentry 15, 0
idtentry 16, 0
idtentry 17, 1
idtentry 18, 0
idtentry 19, 0
idtentry 20, 0
idtentry 21, 1
idtentry 22, 0
idtentry 23, 0
idtentry 24, 0
idtentry 25, 0
idtentry 26, 0
idtentry 27, 0
idtentry 28, 0
idtentry 29, 1
idtentry 30, 1
idtentry 31, 0

/* LSTAR_VECTOR_EVENT: the VMM's interrupt, taken in ring 3 only. */
idtentry 240, 0
	.globl	asm_exc_240

/*
 * The IDTs, read-only and complete at link time: nothing in the shim can
 * rewrite a gate, and no boot spends instructions building one (each is
 * emulated on PVM).  One table per way a #PF is taken: idt_native (every
 * vector its stub), idt_pvm (#PF is asm_pvm_pf, where PVM's syscalls
 * arrive) and idt_pvm_floor (lstar doctor's probes first); idt_load
 * picks.  A gate splits its target into 16+16+32 bits, which only the
 * linker knows: the stubs all lie in .text.entry, which opens at the
 * shim's first address (shim.lds asserts it, and that the section ends
 * within 64 KiB), so a target's low half is its distance from
 * entry_SYSCALL_64 and the upper bits are the linker's IDT_OFFSET_MID
 * and IDT_OFFSET_HIGH.
 */
#define GATE_DPL0	0x8e		/* present, DPL 0, 64-bit interrupt gate */
#define GATE_DPL3	0xee		/* the same, reachable by `int3`/`into` */

.macro GATE target, type=GATE_DPL0, ist=0
	.word	\target - entry_SYSCALL_64	/* offset 15:0 */
	.word	LSTAR_KERNEL_CS
	.byte	\ist
	.byte	\type
	.word	IDT_OFFSET_MID			/* offset 31:16 */
	.long	IDT_OFFSET_HIGH			/* offset 63:32 */
	.long	0
.endm

/* int3 and into are instructions ring 3 may execute, as on Linux; every
 * other vector is hardware-raised only (so `int $N` from ring 3 is a
 * #GP).  #DF, NMI and #MC never run on a stack that might be bad (IST
 * 1-3).  Vectors 32-239 and 241-255 are not present. */
.macro IDT name, pf
	.balign	4096
	.globl	\name
\name:
	.irp v, 0,1
	GATE	asm_exc_\v
	.endr
	GATE	asm_exc_2, ist=2
	GATE	asm_exc_3, GATE_DPL3
	GATE	asm_exc_4, GATE_DPL3
	.irp v, 5,6,7
	GATE	asm_exc_\v
	.endr
	GATE	asm_exc_8, ist=1
	.irp v, 9,10,11,12,13
	GATE	asm_exc_\v
	.endr
	GATE	\pf
	.irp v, 15,16,17
	GATE	asm_exc_\v
	.endr
	GATE	asm_exc_18, ist=3
	.irp v, 19,20,21,22,23,24,25,26,27,28,29,30,31
	GATE	asm_exc_\v
	.endr
	.fill	(LSTAR_VECTOR_EVENT - 32) * 2, 8, 0
	GATE	asm_exc_240			/* the VMM's event: DPL 0, as a #GP from ring 3 */
	.fill	(255 - LSTAR_VECTOR_EVENT) * 2, 8, 0
	.size	\name, . - \name
	.if	. - \name != 4096
	.error	"an IDT is 256 gates of 16 bytes"
	.endif
.endm

	.section .rodata
	IDT	idt_native, asm_exc_14
	IDT	idt_pvm, asm_pvm_pf
	IDT	idt_pvm_floor, asm_floor_pf
