/* SPDX-License-Identifier: MIT */
/*
 * x86.h - architectural constants that the shim, the VMM and the tests
 * read: facts of the CPU (Intel SDM vol. 3, AMD APM vol. 2), not of lstar,
 * written once.
 */
#ifndef LSTAR_X86_H
#define LSTAR_X86_H

/* Page-fault error code bits (SDM 4.7, APM 8.4.2). */
#define X86_PF_PROT	0x01	/* 0: the page was not present */
#define X86_PF_WRITE	0x02
#define X86_PF_USER	0x04
#define X86_PF_RSVD	0x08	/* a reserved bit was set in an entry */
#define X86_PF_INSTR	0x10	/* an instruction fetch */
#define X86_PF_PK	0x20	/* a protection key forbade it */
#define X86_PF_SHSTK	0x40	/* a shadow-stack access */

/* RFLAGS bits, for assembly too (vdso/gate.S), where a suffix would not
 * do. */
#ifdef __ASSEMBLER__
#define X86_UL(x)	x
#else
#define X86_UL(x)	x##UL
#endif
#define X86_EFLAGS_CF	X86_UL(0x00000001)
#define X86_EFLAGS_FIXED X86_UL(0x00000002)
#define X86_EFLAGS_PF	X86_UL(0x00000004)
#define X86_EFLAGS_AF	X86_UL(0x00000010)
#define X86_EFLAGS_ZF	X86_UL(0x00000040)
#define X86_EFLAGS_SF	X86_UL(0x00000080)
#define X86_EFLAGS_TF	X86_UL(0x00000100)
#define X86_EFLAGS_IF	X86_UL(0x00000200)
#define X86_EFLAGS_DF	X86_UL(0x00000400)
#define X86_EFLAGS_OF	X86_UL(0x00000800)
#define X86_EFLAGS_IOPL	X86_UL(0x00003000)
#define X86_EFLAGS_NT	X86_UL(0x00004000)
#define X86_EFLAGS_RF	X86_UL(0x00010000)
#define X86_EFLAGS_VM	X86_UL(0x00020000)
#define X86_EFLAGS_AC	X86_UL(0x00040000)
#define X86_EFLAGS_VIF	X86_UL(0x00080000)
#define X86_EFLAGS_VIP	X86_UL(0x00100000)
#define X86_EFLAGS_ID	X86_UL(0x00200000)
/* The flags lstar never lets ring 3 have (IOPL above 0 would hand it `out`
 * to the VMM's ports and `cli`); IF it always has.  The shim's exit path
 * clears them (shim-kernel/sysret.h), and lstar fuzz checks a frame it
 * starts ring 3 on itself (vmm/fuzz.c). */
#define X86_EFLAGS_NOT_USER (X86_EFLAGS_IOPL | X86_EFLAGS_NT | X86_EFLAGS_RF | \
			     X86_EFLAGS_VM | X86_EFLAGS_VIF | X86_EFLAGS_VIP)
/* SYSRET gives ring 3 exactly the RFLAGS in r11 when these bits of r11
 * are IF and the fixed bit: the test the shim's short ways make on r11
 * alone (shim-kernel/entry.S), and the VMM for the register way. */
#define X86_SYSRET_FLAGS_MASK (X86_EFLAGS_NOT_USER | X86_EFLAGS_TF | \
			       X86_EFLAGS_IF | X86_EFLAGS_FIXED)
#define X86_SYSRET_FLAGS_WANT (X86_EFLAGS_IF | X86_EFLAGS_FIXED)

#ifndef __ASSEMBLER__
/* Exception vectors. */
enum {
	X86_TRAP_DE = 0, X86_TRAP_DB = 1, X86_TRAP_NMI = 2, X86_TRAP_BP = 3,
	X86_TRAP_OF = 4, X86_TRAP_BR = 5, X86_TRAP_UD = 6, X86_TRAP_NM = 7,
	X86_TRAP_DF = 8, X86_TRAP_TS = 10, X86_TRAP_NP = 11, X86_TRAP_SS = 12,
	X86_TRAP_GP = 13, X86_TRAP_PF = 14, X86_TRAP_MF = 16, X86_TRAP_AC = 17,
	X86_TRAP_MC = 18, X86_TRAP_XF = 19, X86_TRAP_CP = 21,
	NR_EXCEPTION_VECTORS = 32,
};
#endif

/* MSRs. */
#define MSR_IA32_TSC		0x00000010
#define MSR_EFER		0xc0000080
#define MSR_STAR		0xc0000081
#define MSR_LSTAR		0xc0000082
#define MSR_CSTAR		0xc0000083
#define MSR_SYSCALL_MASK	0xc0000084
#define MSR_FS_BASE		0xc0000100
#define MSR_GS_BASE		0xc0000101
#define MSR_KERNEL_GS_BASE	0xc0000102

/* Control registers and EFER. */
#define X86_CR0_PE		(1ULL << 0)
#define X86_CR0_MP		(1ULL << 1)
#define X86_CR0_ET		(1ULL << 4)
#define X86_CR0_NE		(1ULL << 5)
#define X86_CR0_WP		(1ULL << 16)
#define X86_CR0_AM		(1ULL << 18)
#define X86_CR0_PG		(1ULL << 31)
#define X86_CR4_PAE		(1ULL << 5)
#define X86_CR4_OSFXSR		(1ULL << 9)
#define X86_CR4_OSXMMEXCPT	(1ULL << 10)
#define X86_CR4_UMIP		(1ULL << 11)
#define X86_CR4_FSGSBASE	(1ULL << 16)
#define X86_CR4_OSXSAVE		(1ULL << 18)
#define X86_CR4_SMEP		(1ULL << 20)
#define X86_CR4_SMAP		(1ULL << 21)
#define X86_EFER_SCE		(1ULL << 0)
#define X86_EFER_LME		(1ULL << 8)
#define X86_EFER_LMA		(1ULL << 10)
#define X86_EFER_NXE		(1ULL << 11)

/*
 * Page-table entries (4-level paging, 4 KiB pages; PS at the PDE).  lstar
 * writes every entry accessed, and every writable leaf dirty, from the
 * start: nothing reads the bits, and where KVM's MMU is a shadow of the
 * guest's tables (PVM) it fills in an entry's neighbours with the one it
 * faults on only when they are so marked (and their host pages present),
 * and sets the bits itself otherwise, a fault at a time.
 */
#define X86_PTE_P		(1ULL << 0)
#define X86_PTE_W		(1ULL << 1)
#define X86_PTE_U		(1ULL << 2)
#define X86_PTE_A		(1ULL << 5)	/* accessed */
#define X86_PTE_D		(1ULL << 6)	/* dirty */
#define X86_PTE_PS		(1ULL << 7)
#define X86_PTE_NX		(1ULL << 63)
#define X86_PTE_ADDR		0x000ffffffffff000ULL

/* Four levels of 512-entry tables.  Each level's index is 9 bits of the
 * address (X86_PT_INDEX(va, shift)): the PML4's start at bit X86_PT_TOP,
 * each level's just under its parent's, the leaf table's at X86_PT_LEAF. */
#define X86_PT_TOP		39
#define X86_PT_LEAF		12
#define X86_PT_BITS		9
#define X86_PT_INDEX(va, shift)	(((va) >> (shift)) & 511)

#endif /* LSTAR_X86_H */
