/* SPDX-License-Identifier: MIT */
/*
 * lstar_fuzz.h - for programs fuzzed with `lstar fuzz`.
 *
 * By default `lstar fuzz` takes its snapshot where the program first
 * reads its input, so that start-up runs once.  A program that does more
 * work before it reads (or reads its input with mmap) can mark the place
 * itself: each execution starts there, where the call returns 0.  Under
 * `lstar fuzz` a later call does nothing and returns 0 too; natively and
 * under `lstar run` the call does nothing and returns -ENOSYS.
 *
 *	#include "lstar_fuzz.h"
 *	int main(void)
 *	{
 *		setup_tables();
 *		lstar_fuzz_snapshot();
 *		return parse(read_input());
 *	}
 */
#ifndef LSTAR_FUZZ_H
#define LSTAR_FUZZ_H

/* The system call number: no Linux call has it, or ever will near it. */
#define LSTAR_FUZZ_SNAPSHOT_NR	0x4c53ULL

/* The fork-server descriptors `lstar fuzz` speaks AFL++'s protocol on:
 * control in, status out. */
#define LSTAR_FUZZ_CTL_FD	198
#define LSTAR_FUZZ_ST_FD	199

#ifndef __ASSEMBLER__
static inline long lstar_fuzz_snapshot(void)
{
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(LSTAR_FUZZ_SNAPSHOT_NR)
			 : "rcx", "r11", "memory");
	return ret;
}
#endif

#endif /* LSTAR_FUZZ_H */
