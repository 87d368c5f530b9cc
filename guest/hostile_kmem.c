/* SPDX-License-Identifier: MIT */
/*
 * hostile_kmem.c - ring 3 reaches for the shim's memory.
 *
 *   hostile_kmem {r|w|x}_{text|boot|hc|direct|usertop}
 *       read, write or execute at the shim's text (0xffffffff80200000),
 *       the boot information (0xffffffff80001000), the hypercall block
 *       (0xffffffff80002000), the direct map of the page pool
 *       (0xffff888001200000, the page tables live there) or the first
 *       byte above user space (0x7ffffffff000).  Every one is a #PF and
 *       SIGSEGV (139), natively too.  "trying MODE" comes first; after a
 *       read that got through, the value read.  x_text executes one page
 *       into the shim's text: its first byte may be the syscall entry
 *       (LSTAR_ENTRY_SYSCALL), which on PVM is the syscall itself.
 *
 *   hostile_kmem x_entry
 *       call LSTAR_ENTRY_SYSCALL with rax 39 (getpid) and rcx 0.  On PVM
 *       that is a syscall whose return address is 0: SIGSEGV at rip 0.  On
 *       hardware KVM a #PF at the entry: SIGSEGV as well.
 *
 *   hostile_kmem syscalls
 *       mmap (MAP_FIXED, MAP_FIXED_NOREPLACE and a plain hint), mprotect,
 *       munmap, mremap and madvise on those addresses, and on ranges that
 *       start in user space and end above it.  One line per call with the
 *       raw result as an errno name ("ok" for 0, "user" for an address
 *       below the user top); the lines must equal native Linux's.  Raw
 *       syscalls, so no libc wrapper checks anything first.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "rawsys.h"

#include "lstar_abi.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

static const struct {
	const char *name;
	uint64_t addr;
} targets[] = {
	{ "text", LSTAR_KERNEL_BASE + LSTAR_SHIM_GPA },
	{ "boot", LSTAR_KERNEL_BASE + LSTAR_BOOT_GPA },
	{ "hc", LSTAR_KERNEL_BASE + LSTAR_HC_GPA },
	{ "direct", LSTAR_DIRECT_MAP + LSTAR_POOL_GPA },
	{ "usertop", LSTAR_USER_TOP },
};

#define NTARGETS (sizeof(targets) / sizeof(targets[0]))


static const char *result(long r)
{
	static char buf[32];

	switch (r) {
	case 0: return "ok";
	case -1: return "EPERM";
	case -12: return "ENOMEM";
	case -13: return "EACCES";
	case -14: return "EFAULT";
	case -17: return "EEXIST";
	case -22: return "EINVAL";
	case -38: return "ENOSYS";
	}
	if (r > 0 && (uint64_t)r < LSTAR_USER_TOP)
		return "user";
	snprintf(buf, sizeof(buf), "%ld", r);
	return buf;
}

static void syscalls(void)
{
	const long rw = PROT_READ | PROT_WRITE, rwx = rw | PROT_EXEC;
	const long anon = MAP_PRIVATE | MAP_ANONYMOUS;
	long mine, ret;

	for (size_t i = 0; i < NTARGETS; i++) {
		long a = (long)targets[i].addr;
		const char *n = targets[i].name;

		printf("mmap fixed %s: %s\n", n,
		       result(sys6(SYS_mmap, a, 4096, rwx, anon | MAP_FIXED, -1, 0)));
		printf("mmap noreplace %s: %s\n", n,
		       result(sys6(SYS_mmap, a, 4096, rwx, anon | MAP_FIXED_NOREPLACE, -1, 0)));
		printf("mmap hint %s: %s\n", n,
		       result(sys6(SYS_mmap, a, 4096, rw, anon, -1, 0)));
		printf("mprotect %s: %s\n", n, result(sys6(SYS_mprotect, a, 4096, rwx, 0, 0, 0)));
		printf("munmap %s: %s\n", n, result(sys6(SYS_munmap, a, 4096, 0, 0, 0, 0)));
		printf("mremap %s: %s\n", n,
		       result(sys6(SYS_mremap, a, 4096, 8192, MREMAP_MAYMOVE, 0, 0)));
	}

	/* Ranges that start in user space and end above it. */
	printf("mmap fixed across top: %s\n",
	       result(sys6(SYS_mmap, LSTAR_USER_TOP - 4096, 8192, rw, anon | MAP_FIXED, -1, 0)));
	printf("munmap across top: %s\n",
	       result(sys6(SYS_munmap, LSTAR_USER_TOP - 4096, 8192, 0, 0, 0, 0)));
	printf("munmap to the end: %s\n",
	       result(sys6(SYS_munmap, 0x10000, -0x10000L, 0, 0, 0, 0)));
	printf("mmap fixed wraps: %s\n",
	       result(sys6(SYS_mmap, 0x10000000, -0x10000000L, rw, anon | MAP_FIXED, -1, 0)));

	/* One mapping of our own, moved or grown into the shim. */
	mine = sys6(SYS_mmap, 0, 4096, rw, anon, -1, 0);
	printf("mmap mine: %s\n", result(mine));
	printf("mremap mine to text: %s\n",
	       result(sys6(SYS_mremap, mine, 4096, 4096, MREMAP_MAYMOVE | MREMAP_FIXED,
			   (long)targets[0].addr, 0)));
	printf("mremap mine to direct: %s\n",
	       result(sys6(SYS_mremap, mine, 4096, 4096, MREMAP_MAYMOVE | MREMAP_FIXED,
			   (long)targets[3].addr, 0)));
	/* Refused either way; Linux 6.1 says ENOMEM, later kernels EINVAL. */
	ret = sys6(SYS_mremap, mine, 4096, -4096L, MREMAP_MAYMOVE, 0, 0);
	printf("mremap mine huge: %s\n",
	       ret == -ENOMEM || ret == -EINVAL ? "refused" : result(ret));
	printf("mremap mine still there: %s\n",
	       result(sys6(SYS_mprotect, mine, 4096, PROT_READ, 0, 0, 0)));
}

int main(int argc, char **argv)
{
	const char *m = argc == 2 ? argv[1] : "";

	if (!strcmp(m, "syscalls")) {
		syscalls();
		return 0;
	}
	if (!strcmp(m, "x_entry")) {
		printf("trying %s\n", m);
		fflush(stdout);
		__asm__ volatile("xor %%ecx, %%ecx\n\t"
				 "call *%[entry]"
				 : : "a"(39), [entry] "r"((uint64_t)LSTAR_ENTRY_SYSCALL)
				 : "rcx", "r11", "memory");
		printf("call returned\n");
		return 0;
	}
	for (size_t i = 0; i < NTARGETS; i++) {
		volatile uint64_t *p = (volatile uint64_t *)targets[i].addr;

		if (strlen(m) < 3 || m[1] != '_' || strcmp(m + 2, targets[i].name))
			continue;
		printf("trying %s\n", m);
		fflush(stdout);
		switch (m[0]) {
		case 'r':
			printf("read 0x%llx\n", (unsigned long long)*p);
			return 0;
		case 'w':
			*p = 0;
			printf("write succeeded\n");
			return 0;
		case 'x':
			if (i == 0)	/* past the entry (see above) */
				p = (volatile uint64_t *)(targets[i].addr + 4096);
			((void (*)(void))p)();
			printf("call returned\n");
			return 0;
		}
	}
	fprintf(stderr, "hostile_kmem: unknown mode '%s'\n", m);
	return 2;
}
