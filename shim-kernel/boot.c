/* SPDX-License-Identifier: MIT */
/*
 * boot.c - the shim's first and only boot step.  The VMM has already put
 * the vCPU in 64-bit mode on our page tables and on its CPU's GDT, TSS
 * and boot stack (see vmm/cpu.c); shim_start() points GS at its CPU's
 * area, takes its copy of the boot information, finishes the CPU state
 * only the kernel should own (IDT, syscall MSRs), sets up memory
 * management and drops to ring 3 at the program's entry.
 */
#include <linux/signal.h>
#include "shim.h"
#include "task.h"
#include "percpu.h"

struct spinlock process_lock;

#define KERNEL_STACK_SIZE	16384
#define IST_STACK_SIZE		4096
#define BOOT_STACK_SIZE		8192

/*
 * What each CPU has of its own: its per-CPU area (the TSS first), its GDT
 * (the TSS descriptor's busy bit is per CPU) and its stacks.  The VMM
 * starts vCPU n on cpus[n]'s GDT, TSS and boot stack (the header gives
 * cpus[0]'s and the stride).
 */
struct cpu_area {
	struct percpu percpu;
	uint64_t gdt[LSTAR_GDT_ENTRIES] __attribute__((aligned(16)));
	uint8_t kernel_stack[KERNEL_STACK_SIZE] __attribute__((aligned(16)));
	uint8_t ist_stacks[3][IST_STACK_SIZE] __attribute__((aligned(16)));
	uint8_t boot_stack[BOOT_STACK_SIZE] __attribute__((aligned(16)));
} __attribute__((aligned(4096)));

static struct cpu_area cpus[LSTAR_MAX_VCPUS];

struct percpu *percpu_of(unsigned int cpu)
{
	return &cpus[cpu].percpu;
}


/* Read by entry.S: whether `clac` may be executed. */
uint8_t smap_enabled;

/*
 * The GDT in the layout SYSCALL/SYSRET's selector arithmetic expects
 * (STAR[47:32] = 0x10, STAR[63:48] = 0x23), as Linux lays it out.  The
 * 32-bit user code slot (0x20) stays null: SYSRET to 64-bit mode never
 * reads it, and a ring-3 far transfer to 0x23 faults instead of leaving
 * 64-bit mode.  Each CPU's copy gets its TSS descriptor at boot.
 */
static const uint64_t gdt_template[LSTAR_GDT_ENTRIES] = {
	[0] = 0,			/* null */
	[1] = 0,			/* 0x08: unused */
	[2] = 0x00af9b000000ffffULL,	/* 0x10: kernel code, 64-bit, DPL 0 */
	[3] = 0x00cf93000000ffffULL,	/* 0x18: kernel data, DPL 0 */
	[4] = 0,			/* 0x20: user32 code, deliberately absent */
	[5] = 0x00cff3000000ffffULL,	/* 0x28: user data, DPL 3 */
	[6] = 0x00affb000000ffffULL,	/* 0x30: user code, 64-bit, DPL 3 */
	[7] = 0,			/* 0x38: unused */
	/* [8], [9]: the 16-byte TSS descriptor at LSTAR_TSS_SEL */
};

noreturn void shim_start(uint64_t cpu, uint64_t how);

/* Read by the VMM before it loads anything (vmm/vm.c). */
const struct lstar_shim_header shim_header
	__attribute__((section(".lstar.header"), used)) = {
	.magic = LSTAR_SHIM_MAGIC,
	.abi_version = LSTAR_ABI_VERSION,
	.entry = (uint64_t)shim_start,
	.boot_stack_top = (uint64_t)(cpus[0].boot_stack + BOOT_STACK_SIZE),
	.gdt = (uint64_t)cpus[0].gdt,
	.tss = (uint64_t)&cpus[0].percpu.tss,
	.cpu_stride = sizeof(struct cpu_area),
	.forward_done = (uint64_t)pvm_forward_done,
	.forward_act = (uint64_t)pvm_forward_act,
	.forward_refused = (uint64_t)pvm_forward_refused,
};

/* Syscall entry masks, as Linux's syscall_init(): every flag that could
 * change how the shim runs is cleared on entry. */
#define SYSCALL_MASK (X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF | \
		      X86_EFLAGS_ZF | X86_EFLAGS_SF | X86_EFLAGS_TF | \
		      X86_EFLAGS_IF | X86_EFLAGS_DF | X86_EFLAGS_OF | \
		      X86_EFLAGS_IOPL | X86_EFLAGS_NT | X86_EFLAGS_RF | \
		      X86_EFLAGS_AC | X86_EFLAGS_ID)

void ignore_sysret(void);

static void tss_init(struct cpu_area *c)
{
	struct x86_hw_tss *tss = &c->percpu.tss;
	uint64_t base = (uint64_t)tss;
	uint64_t limit = sizeof(*tss) - 1;

	tss->sp0 = (uint64_t)(c->kernel_stack + KERNEL_STACK_SIZE);
	tss->ist[0] = (uint64_t)(c->ist_stacks[0] + IST_STACK_SIZE); /* #DF */
	tss->ist[1] = (uint64_t)(c->ist_stacks[1] + IST_STACK_SIZE); /* NMI */
	tss->ist[2] = (uint64_t)(c->ist_stacks[2] + IST_STACK_SIZE); /* #MC */
	/* Past the limit: no I/O permission bitmap, so every ring-3 in/out
	 * faults (on PVM this, not IOPL, is what the hardware checks). */
	tss->io_bitmap_base = sizeof(*tss);

	/* Busy 64-bit TSS (type 0xb): the VMM loaded TR from it already. */
	memcpy(c->gdt, gdt_template, sizeof(c->gdt));
	c->gdt[LSTAR_TSS_SEL / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
				    (0x8bULL << 40) | (((limit >> 16) & 0xf) << 48) |
				    (((base >> 24) & 0xff) << 56);
	c->gdt[LSTAR_TSS_SEL / 8 + 1] = base >> 32;
}

/* SFMASK for a CPU whose MSR_LSTAR is the syscall gate (gated) or not. */
void syscall_mask_init(bool gated)
{
	wrmsr(MSR_SYSCALL_MASK, gated ? SYSCALL_MASK & ~X86_EFLAGS_IF : SYSCALL_MASK);
}

/*
 * Where a ring-3 `syscall` goes.  Hardware KVM: entry_SYSCALL_64, or lstar
 * doctor's floor probe.  PVM: the syscall gate in the vDSO when the VMM
 * placed one (include/lstar_abi.h; on PVM the probe is the #PF's gate:
 * idt_load), which runs in ring 3 and sends what it does not answer on to
 * entry_SYSCALL_64.  Then SFMASK must leave IF alone: PVM applies it to
 * the ring-3 RFLAGS the gate runs with, and without IF no event would
 * reach ring 3 again after a call the gate answers (traps.c's
 * at_the_entry takes the one event that can come between the gate's
 * jump and its fault).  Without the gate IF goes, as on hardware KVM:
 * the fault comes at once.  The shim's own entries run with IF clear all
 * the same (interrupt gates).
 */
static void syscall_msr_init(void)
{
	bool pvm = boot_info.platform == LSTAR_PLATFORM_PVM;
	bool gated = pvm && boot_info.syscall_gate &&
		     !__atomic_load_n(&syscall_gate_off, __ATOMIC_RELAXED);

	wrmsr(MSR_STAR, ((uint64_t)LSTAR_USER32_CS << 48) |
			((uint64_t)LSTAR_KERNEL_CS << 32));
	if (gated)
		wrmsr(MSR_LSTAR, boot_info.syscall_gate);
	else if (!pvm && (boot_info.flags & LSTAR_BOOT_FLOOR))
		wrmsr(MSR_LSTAR, (uint64_t)floor_syscall);
	else
		wrmsr(MSR_LSTAR, (uint64_t)entry_SYSCALL_64);
	wrmsr(MSR_CSTAR, (uint64_t)ignore_sysret);
	syscall_mask_init(gated);
}

/*
 * GS is the per-CPU area in the shim and the user's (0) in ring 3;
 * return_to_user's swapgs trades them.  First thing at boot: hc_exit
 * needs it.
 */
static void percpu_init(struct cpu_area *c, unsigned int cpu)
{
	struct percpu *p = &c->percpu;

	p->self = p;
	p->cpu = cpu;
	p->hc_gpa = (uint32_t)LSTAR_HC_BLOCK_GPA(cpu);
	p->hc = (struct lstar_hc *)(LSTAR_KERNEL_BASE + LSTAR_HC_BLOCK_GPA(cpu));
	/* A forked child's memory is its parent's, where another thread may
	 * have been parked on this slot's CPU: this CPU waits in no call. */
	__atomic_store_n(&p->hc->parked, 0, __ATOMIC_RELEASE);
	p->current = &tasks[cpu];
	tasks[cpu].cpu = cpu;
	tasks[cpu].pcpu = p;
	wrmsr(MSR_GS_BASE, (uint64_t)p);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
}

/* Another vCPU, started for a new thread (LSTAR_HC_CLONE) or as a
 * forked child's (LSTAR_HC_FORK): its own area and descriptor tables,
 * the shared IDT and syscall entry, then the thread in its slot. */
static noreturn void secondary_start(unsigned int cpu, bool forked)
{
	struct cpu_area *c = &cpus[cpu];

	percpu_init(c, cpu);
	tss_init(c);
	idt_load();
	syscall_msr_init();
	if (forked)
		fork_child_start();
	task_start();
}

noreturn void shim_start(uint64_t cpu, uint64_t how)
{
	struct cpu_area *c;
	struct pt_regs *regs;

	/* Without an area of its own a vCPU cannot even report: halt,
	 * which the VMM reports. */
	if (cpu >= LSTAR_MAX_VCPUS)
		for (;;)
			asm volatile("hlt");
	if (how == LSTAR_START_UNDO) {
		/* lstar fuzz, between executions: the area is set up (the
		 * VMM started us on the snapshot's CPU state), GS is not. */
		wrmsr(MSR_GS_BASE, (uint64_t)&cpus[cpu].percpu);
		mm_fuzz_undo();
	}
	if (how != LSTAR_START_BOOT)
		secondary_start((unsigned int)cpu, how == LSTAR_START_FORK);
	c = &cpus[cpu];
	percpu_init(c, cpu);
	if (boot_info.magic != LSTAR_BOOT_MAGIC ||
	    boot_info.abi_version != LSTAR_ABI_VERSION || boot_info.pid <= 0 ||
	    boot_info.syscall_gate > boot_info.syscall_gate_end ||
	    boot_info.syscall_gate_end > LSTAR_USER_TOP)
		hc_exit(LSTAR_EXIT_PANIC, 0, NULL, 0, 0);
	process_pid = boot_info.pid;
	/* The first thread, on this vCPU: 0 at the start, the caller's
	 * after execve. */
	tasks[cpu] = (struct task){
		.tid = process_pid, .cpu = (unsigned int)cpu, .pcpu = &c->percpu,
		.sigblocked = boot_info.sig_blocked, .altstack.flags = SS_DISABLE,
	};
	nr_threads = 1;
	task_slots = (unsigned int)cpu + 1;

	{
		uint64_t cr4;

		asm volatile("mov %%cr4, %0" : "=r"(cr4));
		smap_enabled = !!(cr4 & X86_CR4_SMAP);
	}
	tss_init(c);
	idt_load();
	syscall_msr_init();
	if (boot_info.flags & LSTAR_BOOT_PROBE_MSR) {
		/* A PVM control MSR: with the VMM's filter this is a #GP and
		 * a shim panic; without, the run ends normally. */
		rdmsr(0x4b564d10);
		hc_exit(LSTAR_EXIT_NORMAL, 0, NULL, 0, 0);
	}
	mm_init();
	policy_init();
	signal_init();

	/* The program's first frame, as Linux's start_thread(): every GPR
	 * zero, IF set, the stack at argc. */
	regs = (struct pt_regs *)(c->kernel_stack + KERNEL_STACK_SIZE) - 1;
	memset(regs, 0, sizeof(*regs));
	regs->ip = boot_info.entry;
	regs->cs = LSTAR_USER_CS;
	regs->flags = X86_EFLAGS_IF | X86_EFLAGS_FIXED;
	regs->sp = boot_info.stack_pointer;
	regs->ss = LSTAR_USER_DS;
	return_to_user(regs, false);
}
