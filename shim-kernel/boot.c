/* SPDX-License-Identifier: MIT */
/*
 * boot.c - the shim's first and only boot step.  The VMM has already put
 * the vCPU in 64-bit mode on our page tables, GDT and TSS (see vmm/cpu.c);
 * shim_start() takes its copy of the boot information, finishes the CPU
 * state only the kernel should own (IDT, syscall MSRs, per-CPU area), sets
 * up memory management and drops to ring 3 at the program's entry.
 */
#include "shim.h"
#include "percpu.h"

struct lstar_boot_info boot_info;

#define KERNEL_STACK_SIZE	16384
#define IST_STACK_SIZE		4096
#define BOOT_STACK_SIZE		8192

static uint8_t kernel_stack[KERNEL_STACK_SIZE] __attribute__((aligned(16)));
static uint8_t ist_stacks[3][IST_STACK_SIZE] __attribute__((aligned(16)));
static uint8_t boot_stack[BOOT_STACK_SIZE] __attribute__((aligned(16)));

static struct percpu percpu_area;

/* Read by entry.S: whether `clac` may be executed. */
uint8_t smap_enabled;

/*
 * The GDT in the layout SYSCALL/SYSRET's selector arithmetic expects
 * (STAR[47:32] = 0x10, STAR[63:48] = 0x23), as Linux lays it out.  The
 * 32-bit user code slot (0x20) stays null: SYSRET to 64-bit mode never
 * reads it, and a ring-3 far transfer to 0x23 faults instead of leaving
 * 64-bit mode.  The TSS descriptor is filled in at boot.
 */
static uint64_t gdt[LSTAR_GDT_ENTRIES] __attribute__((aligned(16))) = {
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

noreturn void shim_start(void);

/* Read by the VMM before it loads anything (vmm/shim.c). */
const struct lstar_shim_header shim_header
	__attribute__((section(".lstar.header"), used)) = {
	.magic = LSTAR_SHIM_MAGIC,
	.abi_version = LSTAR_ABI_VERSION,
	.entry = (uint64_t)shim_start,
	.boot_stack_top = (uint64_t)(boot_stack + BOOT_STACK_SIZE),
	.gdt = (uint64_t)gdt,
	.tss = (uint64_t)&percpu_area.tss,
};

/* Syscall entry masks, as Linux's syscall_init(): every flag that could
 * change how the shim runs is cleared on entry. */
#define SYSCALL_MASK (X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF | \
		      X86_EFLAGS_ZF | X86_EFLAGS_SF | X86_EFLAGS_TF | \
		      X86_EFLAGS_IF | X86_EFLAGS_DF | X86_EFLAGS_OF | \
		      X86_EFLAGS_IOPL | X86_EFLAGS_NT | X86_EFLAGS_RF | \
		      X86_EFLAGS_AC | X86_EFLAGS_ID)

void ignore_sysret(void);

static void tss_init(void)
{
	struct x86_hw_tss *tss = &percpu_area.tss;
	uint64_t base = (uint64_t)tss;
	uint64_t limit = sizeof(*tss) - 1;

	tss->sp0 = (uint64_t)(kernel_stack + KERNEL_STACK_SIZE);
	tss->ist[0] = (uint64_t)(ist_stacks[0] + IST_STACK_SIZE); /* #DF */
	tss->ist[1] = (uint64_t)(ist_stacks[1] + IST_STACK_SIZE); /* NMI */
	tss->ist[2] = (uint64_t)(ist_stacks[2] + IST_STACK_SIZE); /* #MC */
	/* Past the limit: no I/O permission bitmap, so every ring-3 in/out
	 * faults (on PVM this, not IOPL, is what the hardware checks). */
	tss->io_bitmap_base = sizeof(*tss);

	/* Busy 64-bit TSS (type 0xb): the VMM loaded TR from it already. */
	gdt[LSTAR_TSS_SEL / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
				 (0x8bULL << 40) | (((limit >> 16) & 0xf) << 48) |
				 (((base >> 24) & 0xff) << 56);
	gdt[LSTAR_TSS_SEL / 8 + 1] = base >> 32;
}

static void syscall_msr_init(void)
{
	wrmsr(MSR_STAR, ((uint64_t)LSTAR_USER32_CS << 48) |
			((uint64_t)LSTAR_KERNEL_CS << 32));
	wrmsr(MSR_LSTAR, (uint64_t)entry_SYSCALL_64);
	wrmsr(MSR_CSTAR, (uint64_t)ignore_sysret);
	wrmsr(MSR_SYSCALL_MASK, SYSCALL_MASK);
	/* GS is the per-CPU area in the shim and the user's (0) in ring 3;
	 * return_to_user's swapgs trades them. */
	percpu_area.self = &percpu_area;
	wrmsr(MSR_GS_BASE, (uint64_t)&percpu_area);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
}

noreturn void shim_start(void)
{
	const struct lstar_boot_info *bi =
		(const void *)(LSTAR_KERNEL_BASE + LSTAR_BOOT_GPA);
	struct pt_regs *regs;

	boot_info = *bi;
	if (boot_info.magic != LSTAR_BOOT_MAGIC ||
	    boot_info.abi_version != LSTAR_ABI_VERSION)
		hc_exit(LSTAR_EXIT_PANIC, 0, NULL, 0, 0);

	{
		uint64_t cr4;

		asm volatile("mov %%cr4, %0" : "=r"(cr4));
		smap_enabled = !!(cr4 & X86_CR4_SMAP);
	}
	tss_init();
	idt_init();
	syscall_msr_init();
	if (boot_info.flags & LSTAR_BOOT_PROBE_MSR) {
		/* A PVM control MSR: with the VMM's filter this is a #GP and
		 * a shim panic; without, the run ends normally. */
		rdmsr(0x4b564d10);
		hc_exit(LSTAR_EXIT_NORMAL, 0, NULL, 0, 0);
	}
	mm_init();
	policy_init();

	/* The program's first frame, as Linux's start_thread(): every GPR
	 * zero, IF set, the stack at argc. */
	regs = (struct pt_regs *)(kernel_stack + KERNEL_STACK_SIZE) - 1;
	memset(regs, 0, sizeof(*regs));
	regs->ip = boot_info.entry;
	regs->cs = LSTAR_USER_CS;
	regs->flags = X86_EFLAGS_IF | X86_EFLAGS_FIXED;
	regs->sp = boot_info.stack_pointer;
	regs->ss = LSTAR_USER_DS;
	return_to_user(regs, false);
}
