/* SPDX-License-Identifier: MIT */
/*
 * x86.h - architectural constants that both the shim and the VMM read:
 * facts of the CPU (Intel SDM vol. 3, AMD APM vol. 2), not of lstar.
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

#endif /* LSTAR_X86_H */
