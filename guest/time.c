/* SPDX-License-Identifier: MIT */
/*
 * time.c - clocks, sleeps and randomness: monotonic order, agreement
 * between the ways of reading the wall clock, sleep durations, the
 * resolution, the error cases, getrandom.  Prints a line for each check
 * that failed (for every check with -v; never a time or a random byte),
 * then a summary; exits 1 if any check failed.
 *
 * Both the libc functions (which may use the vDSO natively) and the raw
 * syscalls are checked.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"

#ifndef CLOCK_TAI
#define CLOCK_TAI 11
#endif
#define GRND_NONBLOCK	0x1
#define GRND_RANDOM	0x2
#define GRND_INSECURE	0x4

static int64_t ns(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

static int64_t mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return ns(&t);
}

static void test_clocks(void)
{
	static const struct { clockid_t id; const char *name; } clocks[] = {
		{ CLOCK_REALTIME, "REALTIME" },
		{ CLOCK_MONOTONIC, "MONOTONIC" },
		{ CLOCK_PROCESS_CPUTIME_ID, "PROCESS_CPUTIME_ID" },
		{ CLOCK_THREAD_CPUTIME_ID, "THREAD_CPUTIME_ID" },
		{ CLOCK_MONOTONIC_RAW, "MONOTONIC_RAW" },
		{ CLOCK_REALTIME_COARSE, "REALTIME_COARSE" },
		{ CLOCK_MONOTONIC_COARSE, "MONOTONIC_COARSE" },
		{ CLOCK_BOOTTIME, "BOOTTIME" },
		{ CLOCK_TAI, "TAI" },
	};
	struct timespec a, b, res;
	struct timeval tv;
	char what[80];
	int ok = 1;
	time_t t, t2;

	for (size_t i = 0; i < sizeof(clocks) / sizeof(clocks[0]); i++) {
		long r = sys(SYS_clock_gettime, clocks[i].id, (long)&a, 0, 0, 0, 0);

		snprintf(what, sizeof(what), "clock_gettime(%s)", clocks[i].name);
		check_err(what, r, 0);
		snprintf(what, sizeof(what), "  nsec in range");
		check(what, r != 0 || (a.tv_nsec >= 0 && a.tv_nsec < 1000000000));
		r = sys(SYS_clock_getres, clocks[i].id, (long)&res, 0, 0, 0, 0);
		snprintf(what, sizeof(what), "clock_getres(%s)", clocks[i].name);
		check_err(what, r, 0);
		snprintf(what, sizeof(what), "  resolution at most 10 ms");
		check(what, r != 0 || (res.tv_sec == 0 && res.tv_nsec > 0 &&
				       res.tv_nsec <= 10000000));
	}

	/* Monotonic never goes back, through libc and the raw call. */
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < 100; i++) {
		if (i & 1)
			clock_gettime(CLOCK_MONOTONIC, &b);
		else
			syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &b);
		if (ns(&b) < ns(&a))
			ok = 0;
		a = b;
	}
	check("MONOTONIC non-decreasing over 100 reads", ok);

	/* The wall clock, four ways, agrees to within a second. */
	clock_gettime(CLOCK_REALTIME, &a);
	t = time(NULL);
	t2 = (time_t)syscall(SYS_time, NULL);
	gettimeofday(&tv, NULL);
	/* time() reads the coarse clock, a tick behind at most. */
	check("time() within 1 s of REALTIME", t - a.tv_sec >= -1 && t - a.tv_sec <= 1);
	check("SYS_time within 1 s of REALTIME", t2 - a.tv_sec >= -1 && t2 - a.tv_sec <= 1);
	check("gettimeofday within 1 s of REALTIME",
	      tv.tv_sec - a.tv_sec >= 0 && tv.tv_sec - a.tv_sec <= 1 &&
	      tv.tv_usec >= 0 && tv.tv_usec < 1000000);
	check("REALTIME after 2020", a.tv_sec > 1577836800);
	t = 0;
	t2 = (time_t)syscall(SYS_time, &t);
	check("SYS_time stores what it returns", t == t2);
	{
		struct { int minuteswest, dsttime; } tz = { 99, 99 };

		check_err("gettimeofday with timezone",
			  sys(SYS_gettimeofday, (long)&tv, (long)&tz, 0, 0, 0, 0), 0);
		/* lstar says UTC; natively it is the host's (obsolete)
		 * sys_tz, which a host keeping its RTC in local time sets. */
		check("  timezone filled in", tz.minuteswest >= -14 * 60 &&
		      tz.minuteswest <= 12 * 60 && (tz.dsttime == 0 || tz.dsttime == 1));
		check_err("gettimeofday(NULL, NULL)", sys(SYS_gettimeofday, 0, 0, 0, 0, 0, 0), 0);
	}
	check_err("clock_getres(MONOTONIC, NULL)",
		  sys(SYS_clock_getres, CLOCK_MONOTONIC, 0, 0, 0, 0, 0), 0);

	check_err("clock_gettime(100)", sys(SYS_clock_gettime, 100, (long)&a, 0, 0, 0, 0), EINVAL);
	check_err("clock_getres(100)", sys(SYS_clock_getres, 100, (long)&a, 0, 0, 0, 0), EINVAL);
	errno = 0;
	check_err("libc clock_gettime(100)", clock_gettime(100, &a), EINVAL);
}

static void test_sleep(void)
{
	struct timespec req = { 0, 10000000 }, rem = { 9, 9 }, abs;
	int64_t t0, t1;
	long r;

	t0 = mono_ns();
	r = nanosleep(&req, &rem);
	t1 = mono_ns();
	check("nanosleep(10 ms) returns 0", r == 0);
	check("nanosleep(10 ms) took >= 10 ms", t1 - t0 >= 10000000);
	check("nanosleep(10 ms) took < 2 s", t1 - t0 < 2000000000);
	/* With no sleep to go on with: EINTR at once, never a restart. */
	check_err("restart_syscall with nothing to restart",
		  sys(SYS_restart_syscall, 0, 0, 0, 0, 0, 0), EINTR);

	req.tv_nsec = 5000000;
	t0 = mono_ns();
	r = sys(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, (long)&req, (long)&rem, 0, 0);
	t1 = mono_ns();
	check_err("clock_nanosleep relative 5 ms", r, 0);
	check("  took >= 5 ms", t1 - t0 >= 5000000);

	clock_gettime(CLOCK_MONOTONIC, &abs);
	abs.tv_nsec += 5000000;
	if (abs.tv_nsec >= 1000000000) {
		abs.tv_sec++;
		abs.tv_nsec -= 1000000000;
	}
	r = sys(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, (long)&abs, 0, 0, 0);
	t1 = mono_ns();
	check_err("clock_nanosleep TIMER_ABSTIME +5 ms", r, 0);
	check("  woke at or after the deadline", t1 >= ns(&abs));
	abs.tv_sec -= 10;
	t0 = mono_ns();
	r = sys(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, (long)&abs, 0, 0, 0);
	t1 = mono_ns();
	check_err("clock_nanosleep TIMER_ABSTIME in the past", r, 0);
	check("  returned at once", t1 - t0 < 1000000000);
	clock_gettime(CLOCK_REALTIME, &abs);
	abs.tv_nsec = 0;
	r = sys(SYS_clock_nanosleep, CLOCK_REALTIME, TIMER_ABSTIME, (long)&abs, 0, 0, 0);
	check_err("clock_nanosleep REALTIME abstime (past)", r, 0);
	r = clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL);
	check("libc clock_nanosleep returns 0", r == 0);

	req.tv_sec = 0;
	req.tv_nsec = 1000;
	/* Linux looks at TIMER_ABSTIME only and ignores the other bits. */
	check_err("clock_nanosleep unknown flag bit", sys(SYS_clock_nanosleep, CLOCK_MONOTONIC,
		  2, (long)&req, 0, 0, 0), 0);
	req.tv_nsec = 1000000000;
	check_err("nanosleep tv_nsec = 1e9", sys(SYS_nanosleep, (long)&req, 0, 0, 0, 0, 0), EINVAL);
	req.tv_nsec = -1;
	check_err("nanosleep tv_nsec = -1", sys(SYS_nanosleep, (long)&req, 0, 0, 0, 0, 0), EINVAL);
	req.tv_sec = -1;
	req.tv_nsec = 0;
	check_err("nanosleep tv_sec = -1", sys(SYS_nanosleep, (long)&req, 0, 0, 0, 0, 0), EINVAL);
	req.tv_sec = 0;
	req.tv_nsec = 0;
	check_err("nanosleep zero", sys(SYS_nanosleep, (long)&req, 0, 0, 0, 0, 0), 0);
	check_err("nanosleep NULL", sys(SYS_nanosleep, 0, 0, 0, 0, 0, 0), EFAULT);
	req.tv_nsec = 1000000000;
	check_err("clock_nanosleep tv_nsec = 1e9", sys(SYS_clock_nanosleep, CLOCK_MONOTONIC,
		  0, (long)&req, 0, 0, 0), EINVAL);
	req.tv_nsec = 1000;
	check_err("clock_nanosleep bad clock",
		  sys(SYS_clock_nanosleep, 100, 0, (long)&req, 0, 0, 0), EINVAL);
	/* Linux: the thread CPU clock cannot be slept on (EOPNOTSUPP). */
	check_err("clock_nanosleep THREAD_CPUTIME", sys(SYS_clock_nanosleep,
		  CLOCK_THREAD_CPUTIME_ID, 0, (long)&req, 0, 0, 0), EOPNOTSUPP);
	errno = 0;
	r = clock_nanosleep(100, 0, &req, NULL);
	check("libc clock_nanosleep(100) returns EINVAL", r == EINVAL);
}

static int all_zero(const unsigned char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

static void test_random(void)
{
	unsigned char a[64], b[64];
	unsigned char *big;
	long r;

	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	r = sys(SYS_getrandom, (long)a, sizeof(a), 0, 0, 0, 0);
	check("getrandom 64 bytes", r == 64);
	check("  not all zero", !all_zero(a, sizeof(a)));
	r = sys(SYS_getrandom, (long)b, sizeof(b), GRND_NONBLOCK, 0, 0, 0);
	check("getrandom GRND_NONBLOCK", r == 64);
	check("  differs from the first", memcmp(a, b, sizeof(a)) != 0);
	r = sys(SYS_getrandom, (long)b, 16, GRND_RANDOM, 0, 0, 0);
	check("getrandom GRND_RANDOM", r == 16);
	r = sys(SYS_getrandom, (long)b, 16, GRND_INSECURE, 0, 0, 0);
	check("getrandom GRND_INSECURE", r == 16);
	check_err("getrandom 0 bytes", sys(SYS_getrandom, (long)b, 0, 0, 0, 0, 0), 0);
	/* The flags are an unsigned int: the upper half is not read. */
	r = sys(SYS_getrandom, (long)b, 16, (1L << 32) | GRND_NONBLOCK, 0, 0, 0);
	check("getrandom flags with garbage above", r == 16);
	check_err("getrandom bad flags", sys(SYS_getrandom, (long)b, 16, 0x100, 0, 0, 0), EINVAL);
	/* The two pools are exclusive: Linux refuses both at once. */
	check_err("getrandom GRND_RANDOM|GRND_INSECURE",
		  sys(SYS_getrandom, (long)b, 16, GRND_RANDOM | GRND_INSECURE, 0, 0, 0), EINVAL);

	/* A large request spanning pages. */
	big = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	r = sys(SYS_getrandom, (long)big, 1 << 20, 0, 0, 0, 0);
	check("getrandom 1 MiB", r == 1 << 20);
	check("  last page filled", !all_zero(big + (1 << 20) - 4096, 4096));
	munmap(big, 1 << 20);
}

int main(int argc, char **argv)
{
	probe_init(argc, argv);
	test_clocks();
	test_sleep();
	test_random();
	return probe_summary("time");
}
