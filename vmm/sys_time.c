/* SPDX-License-Identifier: MIT */
/*
 * sys_time.c - the clocks and sleeping.  Most reads of the clocks never
 * get here: the vDSO answers them in ring 3 (vdso.c); these are its
 * fallbacks, the clocks it does not serve, and the sleeps.
 */
#include <errno.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "vmm.h"

/* The clocks a program may read; CPU clocks of other processes are not. */
static bool clock_ok(uint64_t id)
{
	switch (id) {
	case CLOCK_REALTIME: case CLOCK_MONOTONIC: case CLOCK_PROCESS_CPUTIME_ID:
	case CLOCK_THREAD_CPUTIME_ID: case CLOCK_MONOTONIC_RAW:
	case CLOCK_REALTIME_COARSE: case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME: case CLOCK_TAI:
		return true;
	default:
		return false;
	}
}

int64_t vmm_sys_clock_gettime(struct vmm_vcpu *cpu, const uint64_t *a)
{
	struct timespec ts;

	if (!clock_ok(a[0]))
		return -EINVAL;
	if (clock_gettime((clockid_t)a[0], &ts) < 0)
		return -errno;
	return vmm_mem_copy_to_user(cpu->mem, a[1], &ts, sizeof(ts));
}

int64_t vmm_sys_clock_getres(struct vmm_vcpu *cpu, const uint64_t *a)
{
	struct timespec ts;

	if (!clock_ok(a[0]))
		return -EINVAL;
	if (clock_getres((clockid_t)a[0], &ts) < 0)
		return -errno;
	return a[1] ? vmm_mem_copy_to_user(cpu->mem, a[1], &ts, sizeof(ts)) : 0;
}

int64_t vmm_sys_gettimeofday(struct vmm_vcpu *cpu, const uint64_t *a)
{
	struct timespec ts;
	struct { int64_t sec, usec; } tv;
	struct { int32_t minuteswest, dsttime; } tz = { 0, 0 };
	int err;

	clock_gettime(CLOCK_REALTIME, &ts);
	tv.sec = ts.tv_sec;
	tv.usec = ts.tv_nsec / 1000;
	if (a[0] && (err = vmm_mem_copy_to_user(cpu->mem, a[0], &tv, sizeof(tv))))
		return err;
	if (a[1] && (err = vmm_mem_copy_to_user(cpu->mem, a[1], &tz, sizeof(tz))))
		return err;
	return 0;
}

int64_t vmm_sys_time(struct vmm_vcpu *cpu, const uint64_t *a)
{
	int64_t t = (int64_t)time(NULL);

	if (a[0] && vmm_mem_copy_to_user(cpu->mem, a[0], &t, sizeof(t)))
		return -EFAULT;
	return t;
}

/* Copy and check a guest timespec. */
static int get_timespec(struct vmm_vcpu *cpu, uint64_t gva, struct timespec *ts)
{
	struct { int64_t sec, nsec; } g;

	if (vmm_mem_copy_from_user(cpu->mem, &g, gva, sizeof(g)))
		return -EFAULT;
	if (g.sec < 0 || g.nsec < 0 || g.nsec >= 1000000000)
		return -EINVAL;
	ts->tv_sec = g.sec;
	ts->tv_nsec = g.nsec;
	return 0;
}

static void ts_add(struct timespec *t, const struct timespec *d)
{
	t->tv_sec += d->tv_sec;
	t->tv_nsec += d->tv_nsec;
	if (t->tv_nsec >= 1000000000) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000;
	}
}

/*
 * Sleep on clock until the absolute time deadline.  0 when it came, or
 * -errno; interrupted by a signal for the program: what is left goes to
 * rem_gva (if any) and into the vCPU's restart block, and the result is
 * LSTAR_ERESTART_RESTARTBLOCK: EINTR if a handler runs, else the shim
 * resumes the sleep through restart_syscall, as Linux's nanosleep does.
 */
static int64_t sleep_until(struct vmm_vcpu *cpu, clockid_t clock,
			   const struct timespec *deadline, uint64_t rem_gva)
{
	struct timespec now, rem = { 0, 0 };
	long r;

	r = -vmm_block_call_parked(cpu, SYS_clock_nanosleep, clock, TIMER_ABSTIME, (long)deadline,
				   0, 0, 0);
	if (r == 0)
		return 0;
	if (r != EINTR)
		return -r;
	if (rem_gva) {
		clock_gettime(clock, &now);
		if (now.tv_sec < deadline->tv_sec ||
		    (now.tv_sec == deadline->tv_sec && now.tv_nsec < deadline->tv_nsec)) {
			rem.tv_sec = deadline->tv_sec - now.tv_sec;
			rem.tv_nsec = deadline->tv_nsec - now.tv_nsec;
			if (rem.tv_nsec < 0) {
				rem.tv_sec--;
				rem.tv_nsec += 1000000000;
			}
		}
		if (vmm_mem_copy_to_user(cpu->mem, rem_gva, &rem, sizeof(rem)))
			return -EFAULT;
	}
	cpu->restart = (struct vmm_restart){ .kind = VMM_RESTART_SLEEP, .clock = clock,
					     .deadline = *deadline, .rem_gva = rem_gva };
	return -LSTAR_ERESTART_RESTARTBLOCK;
}

int64_t vmm_sys_nanosleep(struct vmm_vcpu *cpu, const uint64_t *a)
{
	struct timespec req, deadline;
	int err;

	if ((err = get_timespec(cpu, a[0], &req)))
		return err;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	ts_add(&deadline, &req);
	return sleep_until(cpu, CLOCK_MONOTONIC, &deadline, a[1]);
}

int64_t vmm_sys_clock_nanosleep(struct vmm_vcpu *cpu, const uint64_t *a)
{
	struct timespec req, deadline;
	clockid_t clock = (clockid_t)a[0];
	int err;

	if (!clock_ok(a[0]))
		return -EINVAL;
	if ((err = get_timespec(cpu, a[2], &req)))
		return err;
	/* Linux looks at TIMER_ABSTIME only and ignores other flag bits;
	 * the host decides the rest (EOPNOTSUPP for the thread CPU clock).
	 * An absolute sleep interrupted is simply run again. */
	if (a[1] & TIMER_ABSTIME) {
		long r;

		r = -vmm_block_call_parked(cpu, SYS_clock_nanosleep, clock, TIMER_ABSTIME,
					   (long)&req, 0, 0, 0);
		if (r == 0)
			return 0;
		return r == EINTR ? -LSTAR_ERESTARTNOHAND : -r;
	}
	if (clock_gettime(clock, &deadline) < 0)
		return -errno;
	ts_add(&deadline, &req);
	return sleep_until(cpu, clock, &deadline, a[3]);
}

/* restart_syscall: what is left of the timed wait a signal interrupted.
 * With none, EINTR, as Linux's do_no_restart_syscall answers. */
int64_t vmm_sys_restart_syscall(struct vmm_vcpu *cpu, const uint64_t *a)
{
	struct vmm_restart r = cpu->restart;

	(void)a;
	cpu->restart.kind = VMM_RESTART_NONE;
	switch (r.kind) {
	case VMM_RESTART_SLEEP:
		return sleep_until(cpu, r.clock, &r.deadline, r.rem_gva);
	case VMM_RESTART_FUTEX:
		return vmm_futex_restart(cpu, &r);
	default:
		return -EINTR;
	}
}
