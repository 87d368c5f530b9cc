/* SPDX-License-Identifier: MIT */
/*
 * traps.c - the IDT and what each exception means.
 *
 * From ring 3 an exception is the signal Linux would send, with its
 * si_code and si_addr: the program's handler runs, or (none, blocked or
 * ignored) the program ends and the VMM reports the signal, RIP and
 * fault address and exits 128+N.  From ring 0 it is a shim bug:
 * a "shim panic" with the registers.  One exception is not an exception:
 * on PVM a ring-3 `syscall` arrives as a #PF at the LSTAR address.
 */
#include <asm-generic/signal.h>
#include <asm-generic/siginfo.h>
#include "shim.h"

/*
 * Point this CPU at its IDT: entry.S lays the three out, read-only; the
 * one that fits the platform is chosen here.  On PVM a syscall is a #PF
 * (asm_pvm_pf), and lstar doctor's floor probe comes first.
 */
void idt_load(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = { IDT_SIZE - 1, (uint64_t)idt_native };

	if (boot_info.platform == LSTAR_PLATFORM_PVM)
		idtr.base = boot_info.flags & LSTAR_BOOT_FLOOR ? (uint64_t)idt_pvm_floor :
								 (uint64_t)idt_pvm;
	asm volatile("lidt %0" : : "m"(idtr));
}

/* The signal Linux sends for an exception raised in ring 3, with its
 * si_code and si_addr (arch/x86/kernel/traps.c, fault.c). */
struct fault_signal {
	int sig;
	int code;
	uint64_t addr;
};

/*
 * SIGFPE's si_code for an x87 (#MF) or SSE (#XM) exception: the first, in
 * Linux's order, of the exceptions flagged and not masked, read from the
 * x87 status and control words or from MXCSR (flags in bits 0-5, masks in
 * the control word's bits 0-5 or MXCSR's 7-12: invalid, denormal, divide
 * by zero, overflow, underflow, precision).  The VMM reads them: the
 * shim's own instructions never touch the FPU.
 */
static int fpe_code(unsigned long vector)
{
	int64_t ret = fpu_call(LSTAR_FPU_STATUS, 0);
	uint64_t st = (uint64_t)ret;
	unsigned int err;

	if (ret < 0)
		return FPE_FLTINV;
	if (vector == X86_TRAP_XF)
		err = (unsigned int)(st >> 32) & ~((unsigned int)(st >> 39)) & 0x3f;
	else
		err = (unsigned int)st & ~((unsigned int)(st >> 16)) & 0x3f;
	if (err & 0x01)
		return FPE_FLTINV;
	if (err & 0x04)
		return FPE_FLTDIV;
	if (err & 0x08)
		return FPE_FLTOVF;
	if (err & 0x12)
		return FPE_FLTUND;
	if (err & 0x20)
		return FPE_FLTRES;
	return FPE_FLTINV;
}

static struct fault_signal signal_for(const struct pt_regs *regs, unsigned long vector,
				      uint64_t cr2)
{
	switch (vector) {
	case X86_TRAP_PF:
		/* A file mapping's page past the end of its file. */
		if (!(regs->orig_ax & X86_PF_PROT) && mm_sigbus_at(cr2, regs->orig_ax))
			return (struct fault_signal){ SIGBUS, BUS_ADRERR, cr2 };
		return (struct fault_signal){ SIGSEGV,
			(regs->orig_ax & X86_PF_PROT) ? SEGV_ACCERR : SEGV_MAPERR, cr2 };
	case X86_TRAP_DE:
		return (struct fault_signal){ SIGFPE, FPE_INTDIV, regs->ip };
	case X86_TRAP_MF:
	case X86_TRAP_XF:
		return (struct fault_signal){ SIGFPE, fpe_code(vector), regs->ip };
	case X86_TRAP_UD:
		return (struct fault_signal){ SIGILL, ILL_ILLOPN, regs->ip };
	case X86_TRAP_DB:
		return (struct fault_signal){ SIGTRAP, TRAP_TRACE, regs->ip };
	case X86_TRAP_BP:
		return (struct fault_signal){ SIGTRAP, SI_KERNEL, 0 };
	case X86_TRAP_AC:
		return (struct fault_signal){ SIGBUS, BUS_ADRALN, 0 };
	case X86_TRAP_NP:
	case X86_TRAP_SS:
		return (struct fault_signal){ SIGBUS, SI_KERNEL, 0 };
	default:	/* #OF, #BR, #GP, #TS, #CP, ... */
		return (struct fault_signal){ SIGSEGV, SI_KERNEL, 0 };
	}
}

noreturn void force_sig_exit(struct pt_regs *regs, int sig, uint64_t vector,
			     uint64_t addr)
{
	hc_exit(LSTAR_EXIT_SIGNAL, sig, regs, vector, addr);
}

/*
 * `int $N` through a gate ring 3 may not use (every vector but 3 and 4,
 * `int $0x80` among them) is a #GP on the CPU, and so SIGSEGV on Linux
 * and on hardware KVM; PVM delivers it as a #UD.  Only then, the shim
 * reads the faulting instruction (through its page tables, never by
 * touching user memory): `int imm8` is 0xcd imm8, and becomes the #GP it
 * is.  (lstar has no 32-bit system calls: `int $0x80` is refused too.)
 */
static bool is_pvm_int_n(const struct pt_regs *regs)
{
	uint8_t insn[2];

	return boot_info.platform == LSTAR_PLATFORM_PVM &&
	       copy_from_user(insn, regs->ip, sizeof(insn)) == 0 && insn[0] == 0xcd;
}

/*
 * The program unmapped its vDSO or time page (munmap, mremap, MAP_FIXED
 * over them: mm.c's vma_remove), or a CPU found its gate gone (an
 * mprotect that took a page's read or execute away): from now on
 * no CPU of the process, and no thread or child it starts, sends a
 * `syscall` through the gate, whose address may hold the program's own
 * code or data next.  This CPU switches now; each other one at its next
 * event or fault in the gate (a thread that maps new code there while
 * another is making calls races with itself).
 */
bool syscall_gate_off;

void syscall_gate_turn_off(void)
{
	if (!boot_info.syscall_gate)
		return;
	__atomic_store_n(&syscall_gate_off, true, __ATOMIC_RELAXED);
	if (rdmsr(MSR_LSTAR) != (uint64_t)entry_SYSCALL_64) {
		wrmsr(MSR_LSTAR, (uint64_t)entry_SYSCALL_64);
		syscall_mask_init(false);
	}
}

/* Resume ring 3 at its `syscall` again, two bytes before the return
 * address in rcx, with the RFLAGS it made the call with (r11; sanitized
 * on the way out).  False, with regs as they were, when rcx is no user
 * address. */
static bool back_to_the_syscall(struct pt_regs *regs)
{
	if (regs->cx < 2 || regs->cx - 2 >= LSTAR_USER_TOP)
		return false;
	regs->ip = regs->cx - 2;
	regs->flags = regs->r11;
	regs->orig_ax = -1;		/* no system call to restart */
	return true;
}

/*
 * gate_gone - a fault inside the syscall gate (vdso/gate.S) this CPU's
 * MSR_LSTAR still points at, in the part where rax is still the call's
 * number: the program unmapped or changed its vDSO or time page, as
 * Linux lets it.  Its system calls then go straight to the shim's entry,
 * from this CPU on (each CPU finds out so for itself), and the call
 * starts again at its `syscall`, which rcx says where to find.  Anything
 * else, or a return address that is no user address, is the fault it
 * looks like.
 */
static bool gate_gone(struct pt_regs *regs)
{
	if (!boot_info.syscall_gate || regs->ip < boot_info.syscall_gate ||
	    regs->ip >= boot_info.syscall_gate_end ||
	    rdmsr(MSR_LSTAR) != boot_info.syscall_gate || !back_to_the_syscall(regs))
		return false;
	syscall_gate_turn_off();
	return true;
}

/*
 * at_the_entry - the VMM's event came as ring 3 stood at the shim's entry,
 * between the syscall gate's jump there and the fault that jump makes
 * (the gate runs with IF set: boot.c).  Ring 3 cannot be resumed at a
 * shim address (an IRET there is a #GP), so it resumes at the gate
 * instead, whose registers are still the call's: the gate sends the call
 * on again, after the event's signal if one comes.  With the gate off
 * meanwhile, it starts again at its `syscall` instead, which now goes to
 * the entry at once.  (Ring 3 that jumps to the entry itself, with the
 * gate in MSR_LSTAR, is sent the same way.)  Then, with the gate off,
 * this CPU switches.
 */
static void at_the_entry(struct pt_regs *regs)
{
	bool off = __atomic_load_n(&syscall_gate_off, __ATOMIC_RELAXED);

	if (regs->ip == (uint64_t)entry_SYSCALL_64 && boot_info.syscall_gate &&
	    rdmsr(MSR_LSTAR) == boot_info.syscall_gate) {
		if (!off)
			regs->ip = boot_info.syscall_gate;
		else
			back_to_the_syscall(regs);
	}
	if (off)
		syscall_gate_turn_off();	/* this CPU's turn */
}

/*
 * exc_dispatch - called by every exception stub with the frame it built.
 * Returns only to resume ring 3 (a signal's handler, or the program after
 * an event);
 * the result says whether SYSRET is safe, as do_syscall_64()'s does.
 */
bool exc_dispatch(struct pt_regs *regs, unsigned long vector);

bool exc_dispatch(struct pt_regs *regs, unsigned long vector)
{
	uint64_t cr2 = 0;

	/* (A PVM syscall, a #PF too, never gets here: asm_pvm_pf.) */
	if (vector == X86_TRAP_PF)
		cr2 = read_cr2();

	if (user_mode(regs)) {
		this_cpu_write(in_user, 0);
		tlb_sync(false);
	}
	/* Signals from outside the guest wait, or another CPU kicked this
	 * one: take them, deliver on the way back (the interrupt comes only
	 * while ring 3 runs). */
	if (vector == LSTAR_VECTOR_EVENT && user_mode(regs)) {
		at_the_entry(regs);
		signal_take_events();
		return syscall_exit_to_user(regs);
	}

	if (!user_mode(regs) || vector == X86_TRAP_NMI ||
	    vector == X86_TRAP_DF || vector == X86_TRAP_MC)
		hc_exit(LSTAR_EXIT_PANIC, 0, regs, vector, cr2);

	if (vector == X86_TRAP_UD && is_pvm_int_n(regs))
		vector = X86_TRAP_GP;
	if (vector == X86_TRAP_PF && gate_gone(regs))
		return syscall_exit_to_user(regs);
	/* A shared file mapping's page past the end its file had when it
	 * was mapped, which the file reaches now: mapped, tried again. */
	if (vector == X86_TRAP_PF && !(regs->orig_ax & X86_PF_PROT) &&
	    mm_fault_file(cr2, regs->orig_ax)) {
		regs->orig_ax = -1;
		return syscall_exit_to_user(regs);
	}
	{
		struct fault_signal f = signal_for(regs, vector, cr2);

		/* regs->orig_ax holds the error code (or -1). */
		force_sig_fault(regs, f.sig, f.code, f.addr, vector,
				regs->orig_ax == ~0ULL ? 0 : regs->orig_ax);
	}
	regs->orig_ax = -1;		/* no system call to restart */
	return syscall_exit_to_user(regs);
}
