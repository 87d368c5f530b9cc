/* SPDX-License-Identifier: MIT */
/*
 * vdso.c - the program's vDSO: clock_gettime, gettimeofday, time,
 * clock_getres and getcpu without a trap.
 *
 * A small position-independent shared object (linux-vdso.so.1) that the
 * VMM maps into every program, read and execute for ring 3, and names in
 * AT_SYSINFO_EHDR.  Static glibc and musl find these functions by name
 * and version (LINUX_2.6), as they find Linux's own vDSO.  Each reads
 * the time page the VMM keeps current (struct lstar_vvar, one page
 * below this image) and the TSC, and never leaves ring 3: on PVM a trap
 * costs ~90-140 us, a call here a few tens of ns.
 *
 * What the page cannot answer goes to the real `syscall` instruction,
 * through the shim and the VMM as any system call: the coarse clocks,
 * MONOTONIC_RAW, the CPU-time clocks, unknown clocks, a page without
 * LSTAR_VVAR_TSC, and a time before 1970.
 *
 * Built freestanding: no libc, no SSE, no writable data, no relocations
 * (vdso.lds.S asserts the last two; the VMM checks them again).  This is
 * ring-3 code in the program's own address space, so it trusts nothing
 * and guards nothing: a program that breaks its vDSO breaks only itself.
 */
#include <stdint.h>

#include "lstar_abi.h"

/* Kernel ABI types, as x86-64 Linux passes them. */
struct vdso_timespec {
	int64_t tv_sec;
	int64_t tv_nsec;
};

struct vdso_timeval {
	int64_t tv_sec;
	int64_t tv_usec;
};

struct vdso_timezone {
	int32_t tz_minuteswest;
	int32_t tz_dsttime;
};

#define CLOCK_REALTIME		0
#define CLOCK_MONOTONIC		1
#define CLOCK_BOOTTIME		7
#define CLOCK_TAI		11

#define NR_gettimeofday		96
#define NR_time			201
#define NR_clock_gettime	228
#define NR_clock_getres		229

#define NSEC_PER_SEC		1000000000LL

/* A writer that stays odd this many reads is not there: use the call. */
#define SEQ_RETRIES		10000

/*
 * The time page, LSTAR_VVAR_OFFSET below our ELF header: the linker
 * script defines the symbol, hidden, so that every access is
 * RIP-relative and the image needs no relocation.
 */
extern const volatile struct lstar_vvar lstar_vvar_page
	__attribute__((visibility("hidden")));

/* The exported functions: prototypes for -Wmissing-prototypes. */
int __vdso_clock_gettime(int clock, struct vdso_timespec *ts);
int __vdso_gettimeofday(struct vdso_timeval *tv, struct vdso_timezone *tz);
int64_t __vdso_time(int64_t *t);
int __vdso_clock_getres(int clock, struct vdso_timespec *res);
int __vdso_getcpu(unsigned int *cpu, unsigned int *node, void *unused);

static inline long syscall2(long nr, long a, long b)
{
	long ret;

	asm volatile("syscall"
		     : "=a"(ret)
		     : "a"(nr), "D"(a), "S"(b)
		     : "rcx", "r11", "memory");
	return ret;
}

/* The TSC, not read before the loads above it (Linux's rdtsc_ordered). */
static inline uint64_t rdtsc_ordered(void)
{
	uint32_t lo, hi;

	asm volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
	return ((uint64_t)hi << 32) | lo;
}

static inline void barrier(void)
{
	asm volatile("" ::: "memory");
}

/* Does the time page serve this clock? */
static inline int page_serves(int clock)
{
	switch (clock) {
	case CLOCK_REALTIME: case CLOCK_MONOTONIC:
	case CLOCK_BOOTTIME: case CLOCK_TAI:
		return 1;
	default:
		return 0;
	}
}

/*
 * read_ns - clock (one the page serves) in ns from the time page
 * and the TSC.  Returns 0 with *ns set, or -1 when the page cannot
 * answer: no TSC, a writer that never finishes, a time before 1970.
 */
static int read_ns(int clock, int64_t *ns)
{
	const volatile struct lstar_vvar *v = &lstar_vvar_page;

	for (int tries = 0; tries < SEQ_RETRIES; tries++) {
		uint32_t seq = v->seq, shift;
		uint64_t base, mult, mono, tsc, delta;
		int64_t off, t;

		if (seq & 1) {
			asm volatile("pause");
			continue;
		}
		barrier();
		if (!(v->flags & LSTAR_VVAR_TSC))
			return -1;
		base = v->tsc_base;
		mult = v->mult;
		shift = v->shift & 63;
		mono = v->mono_ns;
		switch (clock) {
		case CLOCK_REALTIME:	off = v->realtime_off; break;
		case CLOCK_BOOTTIME:	off = v->boottime_off; break;
		case CLOCK_TAI:		off = v->tai_off; break;
		default:		off = 0; break;
		}
		tsc = rdtsc_ordered();
		barrier();
		if (v->seq != seq)
			continue;
		/* A TSC a hair behind the anchor (another CPU) is the anchor. */
		delta = tsc > base ? tsc - base : 0;
		t = (int64_t)(mono + (uint64_t)(((unsigned __int128)delta * mult) >> shift));
		t += off;
		if (t < 0)
			return -1;
		*ns = t;
		return 0;
	}
	return -1;
}

int __vdso_clock_gettime(int clock, struct vdso_timespec *ts)
{
	int64_t ns;

	if (page_serves(clock) && read_ns(clock, &ns) == 0) {
		ts->tv_sec = ns / NSEC_PER_SEC;
		ts->tv_nsec = ns % NSEC_PER_SEC;
		return 0;
	}
	return (int)syscall2(NR_clock_gettime, clock, (long)ts);
}

int __vdso_gettimeofday(struct vdso_timeval *tv, struct vdso_timezone *tz)
{
	int64_t ns;

	if (tv) {
		if (read_ns(CLOCK_REALTIME, &ns))
			return (int)syscall2(NR_gettimeofday, (long)tv, (long)tz);
		tv->tv_sec = ns / NSEC_PER_SEC;
		tv->tv_usec = ns % NSEC_PER_SEC / 1000;
	}
	if (tz) {
		/* lstar's guest time zone is UTC (vmm/sys_time.c says the same). */
		tz->tz_minuteswest = 0;
		tz->tz_dsttime = 0;
	}
	return 0;
}

int64_t __vdso_time(int64_t *t)
{
	int64_t ns, sec;

	if (read_ns(CLOCK_REALTIME, &ns))
		return syscall2(NR_time, (long)t, 0);
	sec = ns / NSEC_PER_SEC;
	if (t)
		*t = sec;
	return sec;
}

int __vdso_clock_getres(int clock, struct vdso_timespec *res)
{
	/* The clocks this page serves count in ns, as Linux's hres clocks. */
	if (page_serves(clock) &&
	    (lstar_vvar_page.flags & LSTAR_VVAR_TSC)) {
		if (res) {
			res->tv_sec = 0;
			res->tv_nsec = 1;
		}
		return 0;
	}
	return (int)syscall2(NR_clock_getres, clock, (long)res);
}

/* CPU 0 in NUMA node 0, for every thread, as the shim's getcpu says. */
int __vdso_getcpu(unsigned int *cpu, unsigned int *node, void *unused)
{
	(void)unused;
	if (cpu)
		*cpu = 0;
	if (node)
		*node = 0;
	return 0;
}

/* Linux's vDSO exports each function under its plain name too. */
int clock_gettime(int, struct vdso_timespec *)
	__attribute__((weak, alias("__vdso_clock_gettime")));
int gettimeofday(struct vdso_timeval *, struct vdso_timezone *)
	__attribute__((weak, alias("__vdso_gettimeofday")));
int64_t time(int64_t *) __attribute__((weak, alias("__vdso_time")));
int clock_getres(int, struct vdso_timespec *)
	__attribute__((weak, alias("__vdso_clock_getres")));
int getcpu(unsigned int *, unsigned int *, void *)
	__attribute__((weak, alias("__vdso_getcpu")));

/*
 * The note Linux's vDSO carries (type 0, name "Linux"): the kernel
 * version, 6.1.0, the release lstar's uname reports.
 */
static const struct {
	uint32_t namesz, descsz, type;
	char name[8];
	uint32_t version;
} linux_note __attribute__((section(".note.Linux"), aligned(4), used)) = {
	6, 4, 0, "Linux", (6 << 16) | (1 << 8) | 0,
};
