/* SPDX-License-Identifier: MIT */
/*
 * tls.c - thread-local storage and the FS/GS bases: initialised and
 * zero-initialised __thread variables, their layout against the thread
 * pointer, arch_prctl get/set, and values surviving syscalls.  Prints a
 * line for each check that failed (for every check with -v; never an
 * address), then a summary; exits 1 if any check failed.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"

/* <asm/prctl.h>, which musl-gcc does not see. */
#define ARCH_SET_GS	0x1001
#define ARCH_SET_FS	0x1002
#define ARCH_GET_FS	0x1003
#define ARCH_GET_GS	0x1004

static __thread int tl_init = 42;
static __thread long tl_array[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static __thread int tl_zero;
static __thread char tl_buf[200];
static __thread double tl_double = 2.5;
static __thread char tl_aligned[16] __attribute__((aligned(64))) = "aligned";

static uintptr_t fs_self(void)
{
	uintptr_t v;

	__asm__ volatile("mov %%fs:0, %0" : "=r"(v));
	return v;
}

/* arch_prctl without libc between the calls (a wrong FS would break it). */
static long raw_arch_prctl(long code, unsigned long addr)
{
	long ret;

	__asm__ volatile("syscall" : "=a"(ret)
			 : "0"((long)SYS_arch_prctl), "D"(code), "S"(addr)
			 : "rcx", "r11", "memory");
	return ret;
}

static int all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

int main(int argc, char **argv)
{
	uintptr_t fs = 0, gs = 1, tp = fs_self(), saved;
	static uintptr_t fake_tcb[4] __attribute__((aligned(64)));
	struct timespec ts = { 0, 1000 };
	long r;
	int ok;

	probe_init(argc, argv);
	check("initialised int", tl_init == 42);
	ok = 1;
	for (int i = 0; i < 8; i++)
		ok &= tl_array[i] == i + 1;
	check("initialised array", ok);
	check("initialised double", tl_double == 2.5);
	check("zero-initialised int", tl_zero == 0);
	check("zero-initialised buffer", all_zero(tl_buf, sizeof(tl_buf)));
	check("aligned variable value", !strcmp(tl_aligned, "aligned"));
	check("aligned variable alignment", ((uintptr_t)tl_aligned & 63) == 0);
	check("addresses distinct",
	      (void *)&tl_init != (void *)&tl_zero && (void *)&tl_init != (void *)tl_array &&
	      (void *)tl_buf != (void *)&tl_zero && (void *)&tl_double != (void *)tl_aligned);

	/* x86-64 TLS variant II: the block sits just below the thread pointer,
	 * whose first word points to itself. */
	check("%fs:0 is nonzero", tp != 0);
	r = syscall(SYS_arch_prctl, ARCH_GET_FS, &fs);
	check("ARCH_GET_FS returns 0", r == 0);
	check("ARCH_GET_FS equals %fs:0", fs == tp);
	check("variables below the thread pointer",
	      (uintptr_t)&tl_init < tp && (uintptr_t)&tl_zero < tp &&
	      (uintptr_t)(tl_buf + sizeof(tl_buf)) <= tp &&
	      tp - (uintptr_t)&tl_init < 4096);
	r = syscall(SYS_arch_prctl, ARCH_GET_GS, &gs);
	check("ARCH_GET_GS returns 0", r == 0);
	check("GS base starts at 0", gs == 0);
	errno = 0;
	r = syscall(SYS_arch_prctl, 0x1234, &fs);
	check("arch_prctl bad code -> EINVAL", r == -1 && errno == EINVAL);
	errno = 0;
	r = syscall(SYS_arch_prctl, ARCH_GET_FS, (void *)8);
	check("ARCH_GET_FS to bad pointer -> EFAULT", r == -1 && errno == EFAULT);

	/* Writes persist across syscalls of every kind. */
	tl_init = 7;
	tl_zero = -1;
	memset(tl_buf, 'x', sizeof(tl_buf));
	tl_array[7] = 99;
	fflush(stdout);
	getpid();
	nanosleep(&ts, NULL);
	write(1, "", 0);
	syscall(SYS_sched_yield);
	syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
	check("values survive syscalls",
	      tl_init == 7 && tl_zero == -1 && tl_buf[199] == 'x' && tl_array[7] == 99);
	check("%fs:0 unchanged", fs_self() == tp);

	/* Switch FS to a fake TCB and back, with no libc in between. */
	fake_tcb[0] = (uintptr_t)fake_tcb;
	fake_tcb[1] = 0x1234;
	saved = tp;
	r = raw_arch_prctl(ARCH_SET_FS, (uintptr_t)fake_tcb);
	fs = fs_self();
	raw_arch_prctl(ARCH_SET_FS, saved);
	check("ARCH_SET_FS returns 0", r == 0);
	check("%fs:0 follows ARCH_SET_FS", fs == (uintptr_t)fake_tcb);
	check("%fs:0 restored", fs_self() == tp);
	check("TLS readable after restore", tl_init == 7);
	r = raw_arch_prctl(ARCH_SET_FS, 0xffff800000000000UL);
	check("ARCH_SET_FS kernel address -> EPERM", r == -EPERM);
	check("FS unchanged after refusal", fs_self() == tp);
	r = raw_arch_prctl(ARCH_SET_GS, (uintptr_t)fake_tcb);
	gs = 0;
	syscall(SYS_arch_prctl, ARCH_GET_GS, &gs);
	check("ARCH_SET_GS then ARCH_GET_GS", r == 0 && gs == (uintptr_t)fake_tcb);
	raw_arch_prctl(ARCH_SET_GS, 0);
	gs = 1;
	syscall(SYS_arch_prctl, ARCH_GET_GS, &gs);
	check("GS base back to 0", gs == 0);

	/* Where the kernel advertises FSGSBASE, ring 3 may read the bases. */
	if (getauxval(AT_HWCAP2) & 2) {
		static volatile uintptr_t got_fs;
		uintptr_t v;

		__asm__ volatile("rdfsbase %0" : "=r"(v));
		ok = v == tp;
		__asm__ volatile("rdgsbase %0" : "=r"(v));
		ok &= v == 0;
		fake_tcb[0] = (uintptr_t)fake_tcb;
		__asm__ volatile("wrfsbase %0" : : "r"((uintptr_t)fake_tcb) : "memory");
		raw_arch_prctl(ARCH_GET_FS, (uintptr_t)&got_fs);
		v = fs_self();	/* after a syscall: still the written base */
		__asm__ volatile("wrfsbase %0" : : "r"(tp) : "memory");
		ok &= v == (uintptr_t)fake_tcb && fs_self() == tp &&
		      got_fs == (uintptr_t)fake_tcb;
		fs = 0;
		syscall(SYS_arch_prctl, ARCH_GET_FS, &fs);
		ok &= fs == tp;
	} else {
		ok = 1;
	}
	check("FSGSBASE instructions work if advertised", ok);

	return probe_summary("tls");
}
