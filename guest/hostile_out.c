/* SPDX-License-Identifier: MIT */
/*
 * hostile_out.c - ring 3 tries to issue a hypercall itself: an `out` to
 * the VMM's port.  IOPL is 0 and the TSS has no I/O bitmap, so this must
 * be a #GP that kills the program with SIGSEGV (139), never reach the VMM.
 */
#include <stdio.h>

int main(void)
{
	printf("trying out\n");
	fflush(stdout);
	/* eax = 2 would be LSTAR_HC_EXIT: a forged "exit 0". */
	__asm__ volatile("outl %%eax, %%dx" : : "a"(2), "d"(0x510));
	printf("out succeeded\n");
	return 0;
}
