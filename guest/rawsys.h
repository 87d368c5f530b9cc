/* SPDX-License-Identifier: MIT */
/*
 * rawsys.h - a system call without libc in the way: the raw `syscall`
 * instruction, the result as the kernel gives it (-errno on failure), for
 * the hostile programs that must see exactly what crosses the boundary.
 */
#ifndef LSTAR_GUEST_RAWSYS_H
#define LSTAR_GUEST_RAWSYS_H

static inline long sys6(long nr, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d, r8 __asm__("r8") = e, r9 __asm__("r9") = f;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

#endif /* LSTAR_GUEST_RAWSYS_H */
