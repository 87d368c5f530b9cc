/* SPDX-License-Identifier: MIT */
/*
 * hostile_priv.c - ring 3 tries one privileged or I/O instruction, named
 * by argv[1].  Each must fault (#GP, or #UD where the CPU has no such
 * instruction for ring 3) and end the program; none may reach the shim's
 * state or the VMM.  "trying MODE" is printed before the attempt and
 * "MODE: not stopped" after it, should it ever get through.
 *
 * Modes: cli sti hlt in inb out outb ins outs wrmsr wrmsr_pvm rdmsr
 * rdcr3 wrcr3 wrcr0 wrcr4 lgdt lidt lldt ltr invlpg wbinvd invd swapgs
 * sysret iret_cs0 wrdr7 clts xsetbv monitor mwait rdpmc movss_kernel
 * movds_kernel vmcall vmmcall vmmcall_rw
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "lstar_abi.h"

static unsigned long rax_after;	/* for the instructions that might not fault */

static void do_cli(void) { __asm__ volatile("cli" ::: "memory"); }
static void do_sti(void) { __asm__ volatile("sti" ::: "memory"); }
static void do_hlt(void) { __asm__ volatile("hlt" ::: "memory"); }

static void do_in(void)
{
	uint32_t v;

	__asm__ volatile("inl %%dx, %%eax" : "=a"(v) : "d"(LSTAR_HC_PORT) : "memory");
	rax_after = v;
}

static void do_inb(void)
{
	uint8_t v;

	__asm__ volatile("inb $0x80, %%al" : "=a"(v) : : "memory");
	rax_after = v;
}

/* eax = LSTAR_HC_EXIT: a forged "exit" hypercall. */
static void do_out(void)
{
	__asm__ volatile("outl %%eax, %%dx" : : "a"(LSTAR_HC_EXIT), "d"(LSTAR_HC_PORT) : "memory");
}

static void do_outb(void)
{
	__asm__ volatile("outb %%al, %%dx" : : "a"(0), "d"(LSTAR_HC_PORT) : "memory");
}

static uint32_t iobuf[4] = { LSTAR_HC_EXIT, LSTAR_HC_EXIT, 0, 0 };

static void do_ins(void)
{
	void *p = iobuf;

	__asm__ volatile("insl" : "+D"(p) : "d"(LSTAR_HC_PORT) : "memory");
}

static void do_outs(void)
{
	const void *p = iobuf;

	__asm__ volatile("outsl" : "+S"(p) : "d"(LSTAR_HC_PORT) : "memory");
}

/* Point the syscall entry (MSR_LSTAR) at user memory. */
static void do_wrmsr(void)
{
	__asm__ volatile("wrmsr" : : "c"(0xc0000082), "a"(0x401000), "d"(0) : "memory");
}

/* The PVM switch that would make supervisor code native (PLATFORMS.md). */
static void do_wrmsr_pvm(void)
{
	__asm__ volatile("wrmsr" : : "c"(0x4b564d10), "a"(1), "d"(0) : "memory");
}

static void do_rdmsr(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0xc0000082) : "memory");
	rax_after = lo | (uint64_t)hi << 32;
}

static void do_rdcr3(void)
{
	unsigned long v;

	__asm__ volatile("mov %%cr3, %0" : "=r"(v) : : "memory");
	rax_after = v;
}

static void do_wrcr3(void)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(0UL) : "memory");
}

static void do_wrcr0(void)
{
	/* PE | PG only: write protection and alignment masking off. */
	__asm__ volatile("mov %0, %%cr0" : : "r"(0x80000001UL) : "memory");
}

static void do_wrcr4(void)
{
	/* PAE only: SMEP and SMAP off. */
	__asm__ volatile("mov %0, %%cr4" : : "r"(0x20UL) : "memory");
}

static struct {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed)) table = { 0xfff, 0x400000 };

static void do_lgdt(void) { __asm__ volatile("lgdt %0" : : "m"(table) : "memory"); }
static void do_lidt(void) { __asm__ volatile("lidt %0" : : "m"(table) : "memory"); }
static void do_lldt(void) { __asm__ volatile("lldt %w0" : : "r"(0) : "memory"); }
static void do_ltr(void) { __asm__ volatile("ltr %w0" : : "r"(LSTAR_TSS_SEL) : "memory"); }

static void do_invlpg(void)
{
	__asm__ volatile("invlpg (%0)" : : "r"(0xffffffff80200000UL) : "memory");
}

static void do_wbinvd(void) { __asm__ volatile("wbinvd" ::: "memory"); }
static void do_invd(void) { __asm__ volatile("invd" ::: "memory"); }
static void do_swapgs(void) { __asm__ volatile("swapgs" ::: "memory"); }

/* A ring-3 sysretq asking for IOPL 3 on the way "back". */
static void do_sysret(void)
{
	__asm__ volatile("lea 1f(%%rip), %%rcx\n\t"
			 "mov $0x3202, %%r11d\n\t"
			 "sysretq\n"
			 "1:"
			 : : : "rcx", "r11", "memory");
}

/* iretq to the kernel code segment: a return to ring 0. */
static void do_iret_cs0(void)
{
	__asm__ volatile("mov %%rsp, %%rax\n\t"
			 "and $-16, %%rsp\n\t"
			 "pushq $0\n\t"			/* ss: null, as ring 0 */
			 "pushq %%rax\n\t"		/* rsp */
			 "pushq $0x3002\n\t"		/* rflags: IOPL 3 */
			 "pushq %[cs]\n\t"		/* cs: kernel code */
			 "lea 1f(%%rip), %%rcx\n\t"
			 "pushq %%rcx\n\t"
			 "iretq\n"
			 "1:\n\t"
			 "mov %%rax, %%rsp"
			 : : [cs] "i"(LSTAR_KERNEL_CS) : "rax", "rcx", "memory");
}

static void do_wrdr7(void)
{
	__asm__ volatile("mov %0, %%dr7" : : "r"(0x3UL) : "memory");
}

static void do_clts(void) { __asm__ volatile("clts" ::: "memory"); }

static void do_xsetbv(void)
{
	__asm__ volatile("xsetbv" : : "c"(0), "a"(1), "d"(0) : "memory");
}

static char monitor_line[64];

static void do_monitor(void)
{
	__asm__ volatile("monitor" : : "a"(monitor_line), "c"(0), "d"(0) : "memory");
}

static void do_mwait(void) { __asm__ volatile("mwait" : : "a"(0), "c"(0) : "memory"); }

static void do_rdpmc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdpmc" : "=a"(lo), "=d"(hi) : "c"(0) : "memory");
	rax_after = lo | (uint64_t)hi << 32;
}

/* The kernel data segment as the stack or data segment. */
static void do_movss_kernel(void)
{
	__asm__ volatile("mov %w0, %%ss" : : "r"(LSTAR_KERNEL_DS) : "memory");
}

static void do_movds_kernel(void)
{
	__asm__ volatile("mov %w0, %%ds" : : "r"(LSTAR_KERNEL_DS) : "memory");
}

/* Hypercalls straight to the hypervisor, past the shim. */
static void do_vmcall(void)
{
	unsigned long rax = 9;	/* KVM_HC_CLOCK_PAIRING, any number will do */

	__asm__ volatile("vmcall" : "+a"(rax) : : "rbx", "rcx", "rdx", "rsi", "memory");
	rax_after = rax;
}

static void do_vmmcall(void)
{
	unsigned long rax = 9;

	__asm__ volatile("vmmcall" : "+a"(rax) : : "rbx", "rcx", "rdx", "rsi", "memory");
	rax_after = rax;
}

/*
 * vmmcall in a page the program may write and run: a hypervisor that
 * rewrites the instruction into its vendor's own (KVM on Intel, unless
 * its quirk is off) leaves vmcall there, and that vmcall's refusal
 * (rax -1) comes back; one that does not raises the #UD (SIGILL).  The
 * bytes after say which: how the tests tell whether this KVM patches.
 */
static void do_vmmcall_rw(void)
{
	static const uint8_t code[] = { 0x0f, 0x01, 0xd9, 0xc3 };	/* vmmcall; ret */
	uint8_t *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned long rax = 9;

	if (page == MAP_FAILED) {
		perror("mmap");
		return;
	}
	memcpy(page, code, sizeof(code));
	__asm__ volatile("call *%1" : "+a"(rax) : "r"(page)
			 : "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory");
	rax_after = rax;
	printf("vmmcall_rw: the instruction is now %02x %02x %02x\n", page[0], page[1], page[2]);
}

static const struct {
	const char *name;
	void (*fn)(void);
} modes[] = {
	{ "cli", do_cli }, { "sti", do_sti }, { "hlt", do_hlt },
	{ "in", do_in }, { "inb", do_inb }, { "out", do_out },
	{ "outb", do_outb }, { "ins", do_ins }, { "outs", do_outs },
	{ "wrmsr", do_wrmsr }, { "wrmsr_pvm", do_wrmsr_pvm },
	{ "rdmsr", do_rdmsr }, { "rdcr3", do_rdcr3 }, { "wrcr3", do_wrcr3 },
	{ "wrcr0", do_wrcr0 }, { "wrcr4", do_wrcr4 }, { "lgdt", do_lgdt },
	{ "lidt", do_lidt }, { "lldt", do_lldt }, { "ltr", do_ltr },
	{ "invlpg", do_invlpg }, { "wbinvd", do_wbinvd }, { "invd", do_invd },
	{ "swapgs", do_swapgs }, { "sysret", do_sysret },
	{ "iret_cs0", do_iret_cs0 }, { "wrdr7", do_wrdr7 },
	{ "clts", do_clts }, { "xsetbv", do_xsetbv }, { "monitor", do_monitor },
	{ "mwait", do_mwait }, { "rdpmc", do_rdpmc },
	{ "movss_kernel", do_movss_kernel }, { "movds_kernel", do_movds_kernel },
	{ "vmcall", do_vmcall },
	{ "vmmcall", do_vmmcall },
	{ "vmmcall_rw", do_vmmcall_rw },
};

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: hostile_priv MODE\n");
		return 2;
	}
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (strcmp(argv[1], modes[i].name))
			continue;
		printf("trying %s\n", modes[i].name);
		fflush(stdout);
		modes[i].fn();
		printf("%s: not stopped (rax 0x%lx)\n", modes[i].name, rax_after);
		return 0;
	}
	fprintf(stderr, "hostile_priv: unknown mode %s\n", argv[1]);
	return 2;
}
