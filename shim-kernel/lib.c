/* SPDX-License-Identifier: MIT */
/*
 * lib.c - the few C library routines the compiler may call.
 *
 * String instructions, not loops: on PVM every shim instruction is
 * emulated, and `rep movsq` moves eight bytes per emulated step where a
 * byte loop spends four instructions on one (4 KiB: ~0.5 ms against
 * ~17 ms, measured).  Bulk data is still the VMM's to move; these copy
 * structures and shift the VMA array.  The direction flag is clear in the
 * shim (SYSCALL's mask and every exception entry clear it); memmove sets
 * it for a backward copy and clears it again.
 *
 * tests/test_shim_lib.c runs these on the host against the C library.
 */
#include "shim.h"

void *memset(void *dst, int c, size_t n)
{
	uint64_t q = 0x0101010101010101ULL * (unsigned char)c;
	void *d = dst;
	size_t nq = n / 8, nb = n % 8;

	asm volatile("rep stosq" : "+D"(d), "+c"(nq) : "a"(q) : "memory");
	asm volatile("rep stosb" : "+D"(d), "+c"(nb) : "a"(q) : "memory");
	return dst;
}

void *memcpy(void *dst, const void *src, size_t n)
{
	void *d = dst;
	const void *s = src;
	size_t nq = n / 8, nb = n % 8;

	asm volatile("rep movsq" : "+D"(d), "+S"(s), "+c"(nq) : : "memory");
	asm volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(nb) : : "memory");
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	const unsigned char *s = src;
	unsigned char *d = dst;
	size_t nq = n / 8, nb = n % 8;

	if (d <= s || d >= s + n)
		return memcpy(dst, src, n);
	/* Overlapping with dst above src: from the end down, the odd bytes
	 * first, then the quadwords. */
	if (nb) {
		unsigned char *de = d + n - 1;
		const unsigned char *se = s + n - 1;

		asm volatile("std; rep movsb; cld"
			     : "+D"(de), "+S"(se), "+c"(nb) : : "memory", "cc");
	}
	if (nq) {
		unsigned char *dq = d + (nq - 1) * 8;
		const unsigned char *sq = s + (nq - 1) * 8;

		asm volatile("std; rep movsq; cld"
			     : "+D"(dq), "+S"(sq), "+c"(nq) : : "memory", "cc");
	}
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}
