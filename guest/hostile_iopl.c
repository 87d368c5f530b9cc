/* SPDX-License-Identifier: MIT */
/*
 * hostile_iopl.c - ring 3 asks for IOPL 3 with popf (and for IF clear),
 * reads RFLAGS back with pushf and prints IOPL and IF, then tries an `out`
 * to the VMM's port.  At CPL 3 popf leaves IOPL and IF alone, so this
 * prints "iopl 0" and "if 1" and the `out` kills the program with SIGSEGV
 * (139), natively and under lstar alike.
 */
#include <stdio.h>

#include "lstar_abi.h"
#include "x86.h"

int main(void)
{
	unsigned long flags;

	/* Below the red zone: the pushes must not overwrite the compiler's. */
	__asm__ volatile("sub $128, %%rsp\n\t"
			 "pushfq\n\t"
			 "orq %[iopl], (%%rsp)\n\t"
			 "andq %[noif], (%%rsp)\n\t"
			 "popfq\n\t"
			 "pushfq\n\t"
			 "popq %[flags]\n\t"
			 "add $128, %%rsp"
			 : [flags] "=r"(flags)
			 : [iopl] "i"(X86_EFLAGS_IOPL), [noif] "i"(~X86_EFLAGS_IF)
			 : "cc", "memory");
	printf("iopl %lu\n", (flags & X86_EFLAGS_IOPL) >> 12);
	printf("if %lu\n", (flags & X86_EFLAGS_IF) >> 9);
	printf("trying out\n");
	fflush(stdout);
	__asm__ volatile("outl %%eax, %%dx" : : "a"(LSTAR_HC_EXIT), "d"(LSTAR_HC_PORT) : "memory");
	printf("out succeeded\n");
	return 0;
}
