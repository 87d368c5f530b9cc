/* SPDX-License-Identifier: MIT */
/*
 * timer.c - the program's timers: alarm, setitimer and getitimer, and the
 * POSIX timers (timer_create, timer_settime, timer_gettime,
 * timer_getoverrun, timer_delete).
 *
 * Each is a host POSIX timer on the clock Linux would use (ITIMER_REAL:
 * CLOCK_MONOTONIC; ITIMER_VIRTUAL and ITIMER_PROF: the process's CPU
 * clock, which here counts lstar's own work for the program too), which
 * expires as a signal (TIMER_SIGNAL) to the thread of the vCPU it belongs
 * to, carrying the timer's slot.  The handler counts the expiry and kicks
 * the vCPU; the shim takes it with the other events (LSTAR_HC_EVENTS) as
 * the signal Linux sends: SIGALRM, SIGVTALRM or SIGPROF with SI_KERNEL for
 * an interval timer, the sigevent's signal with SI_TIMER, the timer's id,
 * overrun and value for a POSIX timer.  Expiries the program has not
 * taken yet are one signal, the rest its overrun, as on Linux.
 *
 * A program has at most VMM_MAX_TIMERS POSIX timers (EAGAIN past them,
 * as Linux answers when it cannot queue another).  The alarm clocks
 * (CLOCK_REALTIME_ALARM, CLOCK_BOOTTIME_ALARM) wake a suspended host:
 * EPERM, as for a process without CAP_WAKE_ALARM.
 */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "vmm.h"

#define TIMER_SIGNAL	SIGRTMIN
#define NSEC		1000000000LL

/* The slots: POSIX timers by id, then the three interval timers. */
#define SLOT_ITIMER(which)	(VMM_MAX_TIMERS + (which))

/* The kernel's struct sigevent (64 bytes), with SIGEV_THREAD_ID's tid. */
struct k_sigevent {
	uint64_t value;
	int32_t signo;
	int32_t notify;
	int32_t tid;
	int32_t _pad[11];
};

_Static_assert(sizeof(struct k_sigevent) == 64, "sigevent");

/* The timers whose expiries the handler counts (the process's). */
static struct vmm_timers *_Atomic counted;

/* Handlers between their look at counted and their last touch of what
 * it pointed to: vmm_timer_stop waits for none to be left. */
static atomic_uint in_flight;

static void on_timer(int sig, siginfo_t *si, void *uc)
{
	struct vmm_timers *ts;
	unsigned int slot = (unsigned int)si->si_value.sival_int;
	uint32_t n = 1 + (si->si_overrun > 0 ? (uint32_t)si->si_overrun : 0);

	(void)sig;
	atomic_fetch_add(&in_flight, 1);
	ts = atomic_load(&counted);
	/* Only a host timer's, never one sent to lstar by hand. */
	if (si->si_code == SI_TIMER && ts && slot < VMM_TIMER_SLOTS) {
		atomic_fetch_add(&ts->fired[slot], n);
		atomic_store(&ts->any_fired, true);
		vmm_signal_kick();
		vmm_block_interrupt(uc);
	}
	atomic_fetch_sub(&in_flight, 1);
}

int vmm_timer_catch(struct vmm_process *proc)
{
	struct sigaction sa = { .sa_sigaction = on_timer, .sa_flags = SA_SIGINFO };

	atomic_store(&counted, &proc->timers);
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a forwarded call blocked in the host returns EINTR. */
	return sigaction(TIMER_SIGNAL, &sa, NULL) < 0 ? -errno : 0;
}

int vmm_timer_signal(void)
{
	return TIMER_SIGNAL;
}

bool vmm_timer_pending(const struct vmm_process *proc)
{
	return atomic_load(&proc->timers.any_fired);
}

void vmm_timer_take(struct vmm_vcpu *cpu, struct lstar_hc_events *e)
{
	static const int itimer_signal[] = { SIGALRM, SIGVTALRM, SIGPROF };
	struct vmm_timers *ts = &cpu->proc->timers;
	bool others = false;

	atomic_store(&ts->any_fired, false);
	for (int slot = 0; slot < VMM_TIMER_SLOTS; slot++) {
		struct vmm_timer *t = &ts->t[slot];
		uint32_t n;

		if (!atomic_load(&ts->fired[slot]))
			continue;
		/* A SIGEV_THREAD_ID timer's signal is its thread's. */
		if (t->used && t->notify == (SIGEV_SIGNAL | SIGEV_THREAD_ID) &&
		    t->tid != cpu->tid) {
			others = true;
			continue;
		}
		if (e->count == LSTAR_HC_MAX_EVENTS) {
			atomic_store(&ts->any_fired, true);	/* the next call's */
			return;
		}
		n = atomic_exchange(&ts->fired[slot], 0);
		if (!t->used || t->notify == SIGEV_NONE)
			continue;
		t->overrun = n - 1 > INT32_MAX ? INT32_MAX : (int32_t)(n - 1);
		if (slot >= VMM_MAX_TIMERS)
			e->ev[e->count++] = (struct lstar_hc_event){
				.signo = itimer_signal[slot - VMM_MAX_TIMERS], .code = SI_KERNEL,
			};
		else
			e->ev[e->count++] = (struct lstar_hc_event){
				.signo = t->signo, .code = SI_TIMER, .timerid = slot,
				.overrun = t->overrun, .value = t->value,
				.tid = t->notify == (SIGEV_SIGNAL | SIGEV_THREAD_ID) ? cpu->tid : 0,
			};
	}
	if (others)
		atomic_store(&ts->any_fired, true);
}

/* Make slot's host timer on clock, signalling cpu's thread (or not at
 * all: SIGEV_NONE).  0 or -errno. */
static int host_timer(struct vmm_vcpu *cpu, int slot, clockid_t clock, int notify)
{
	struct vmm_timer *t = &cpu->proc->timers.t[slot];
	struct k_sigevent sev = {
		.value = (uint64_t)slot, .signo = TIMER_SIGNAL,
		.notify = notify == SIGEV_NONE ? SIGEV_NONE : SIGEV_THREAD_ID,
		.tid = cpu->host_tid,
	};
	int id;

	if (syscall(SYS_timer_create, clock, &sev, &id) < 0)
		return -errno;
	t->host = id;
	t->used = true;
	atomic_store(&cpu->proc->timers.fired[slot], 0);
	return 0;
}

/* The timer id names, or NULL. */
static struct vmm_timer *timer_of(struct vmm_vcpu *cpu, uint64_t id)
{
	if (id >= VMM_MAX_TIMERS || !cpu->proc->timers.t[id].used)
		return NULL;
	return &cpu->proc->timers.t[id];
}

/* Copy and check a guest itimerspec: both halves valid timespecs. */
static int get_itimerspec(struct vmm_vcpu *cpu, uint64_t gva, struct itimerspec *its)
{
	int64_t v[4];

	if (vmm_mem_copy_from_user(cpu->mem, v, gva, sizeof(v)))
		return -EFAULT;
	for (int i = 0; i < 4; i += 2)
		if (v[i] < 0 || v[i + 1] < 0 || v[i + 1] >= NSEC)
			return -EINVAL;
	*its = (struct itimerspec){ { v[0], v[1] }, { v[2], v[3] } };
	return 0;
}

static int put_itimerspec(struct vmm_vcpu *cpu, uint64_t gva, const struct itimerspec *its)
{
	int64_t v[4] = { its->it_interval.tv_sec, its->it_interval.tv_nsec,
			 its->it_value.tv_sec, its->it_value.tv_nsec };

	return vmm_mem_copy_to_user(cpu->mem, gva, v, sizeof(v));
}

/* --- POSIX timers ------------------------------------------------------------ */

/* The clocks a timer may run on: Linux's, bar the alarm clocks (EPERM) and
 * other processes' CPU clocks (EINVAL); the host says EOPNOTSUPP for the
 * clocks without timers (the raw and coarse ones). */
static int timer_clock_ok(uint64_t clock)
{
	switch (clock) {
	case CLOCK_REALTIME_ALARM: case CLOCK_BOOTTIME_ALARM:
		return -EPERM;
	case CLOCK_REALTIME: case CLOCK_MONOTONIC: case CLOCK_PROCESS_CPUTIME_ID:
	case CLOCK_THREAD_CPUTIME_ID: case CLOCK_MONOTONIC_RAW:
	case CLOCK_REALTIME_COARSE: case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME: case CLOCK_TAI:
		return 0;
	default:
		return -EINVAL;
	}
}

int64_t vmm_sys_timer_create(struct vmm_vcpu *cpu, const uint64_t *a)
{
	struct vmm_timers *ts = &cpu->proc->timers;
	struct vmm_vcpu *target = cpu;
	struct k_sigevent sev;
	int err = timer_clock_ok(a[0]), id = -1;
	int32_t id32;

	if (err)
		return err;
	if (a[1]) {
		if (vmm_mem_copy_from_user(cpu->mem, &sev, a[1], sizeof(sev)))
			return -EFAULT;
		/* As Linux's good_sigevent: a thread of this process, a
		 * signal number, and one of the ways to be told. */
		switch (sev.notify) {
		case SIGEV_SIGNAL | SIGEV_THREAD_ID:
			if (!(target = vmm_vcpu_of_tid(cpu->vmm, sev.tid)))
				return -EINVAL;
			/* fall through */
		case SIGEV_SIGNAL:
		case SIGEV_THREAD:
			if (sev.signo <= 0 || sev.signo > LSTAR_NSIG)
				return -EINVAL;
			/* fall through */
		case SIGEV_NONE:
			break;
		default:
			return -EINVAL;
		}
	}
	/* Ids count up from 0 and wrap, as Linux hands them out. */
	for (int i = 0; i < VMM_MAX_TIMERS; i++) {
		int slot = (ts->next_id + i) % VMM_MAX_TIMERS;

		if (!ts->t[slot].used) {
			id = slot;
			break;
		}
	}
	if (id < 0)
		return -EAGAIN;
	if (!a[1])
		sev = (struct k_sigevent){ .value = (uint64_t)id, .signo = SIGALRM,
					   .notify = SIGEV_SIGNAL };
	if ((err = host_timer(target, id, (clockid_t)a[0], sev.notify)))
		return err;
	ts->t[id].tid = target->tid;
	ts->t[id].notify = sev.notify;
	ts->t[id].signo = sev.signo;
	ts->t[id].value = sev.value;
	ts->t[id].overrun = 0;
	ts->next_id = (id + 1) % VMM_MAX_TIMERS;
	id32 = id;
	if (vmm_mem_copy_to_user(cpu->mem, a[2], &id32, sizeof(id32))) {
		syscall(SYS_timer_delete, ts->t[id].host);
		ts->t[id].used = false;
		return -EFAULT;
	}
	return 0;
}

int64_t vmm_sys_timer_settime(struct vmm_vcpu *cpu, const uint64_t *a)
{
	struct vmm_timer *t = timer_of(cpu, (uint32_t)a[0]);
	struct itimerspec new, old;
	int err;

	if (!t || !a[2])
		return -EINVAL;
	if ((err = get_itimerspec(cpu, a[2], &new)))
		return err;
	/* Expiries of the old setting not yet taken are gone with it;
	 * before the new one is armed, which may expire at once. */
	atomic_store(&cpu->proc->timers.fired[t - cpu->proc->timers.t], 0);
	if (syscall(SYS_timer_settime, t->host, (int)(a[1] & TIMER_ABSTIME), &new, &old) < 0)
		return -errno;
	return a[3] ? put_itimerspec(cpu, a[3], &old) : 0;
}

int64_t vmm_sys_timer_gettime(struct vmm_vcpu *cpu, const uint64_t *a)
{
	struct vmm_timer *t = timer_of(cpu, (uint32_t)a[0]);
	struct itimerspec cur;

	if (!t)
		return -EINVAL;
	if (syscall(SYS_timer_gettime, t->host, &cur) < 0)
		return -errno;
	return put_itimerspec(cpu, a[1], &cur);
}

int64_t vmm_sys_timer_getoverrun(struct vmm_vcpu *cpu, const uint64_t *a)
{
	struct vmm_timer *t = timer_of(cpu, (uint32_t)a[0]);

	return t ? t->overrun : -EINVAL;
}

int64_t vmm_sys_timer_delete(struct vmm_vcpu *cpu, const uint64_t *a)
{
	struct vmm_timer *t = timer_of(cpu, (uint32_t)a[0]);

	if (!t)
		return -EINVAL;
	syscall(SYS_timer_delete, t->host);
	t->used = false;
	atomic_store(&cpu->proc->timers.fired[t - cpu->proc->timers.t], 0);
	return 0;
}

/* Delete the host timers of slots [0, n), and forget their expiries. */
static void delete_timers(struct vmm_timers *ts, int n)
{
	for (int i = 0; i < n; i++)
		if (ts->t[i].used) {
			syscall(SYS_timer_delete, ts->t[i].host);
			ts->t[i].used = false;
			atomic_store(&ts->fired[i], 0);
		}
}

void vmm_timer_exec(struct vmm_process *proc)
{
	delete_timers(&proc->timers, VMM_MAX_TIMERS);	/* the POSIX ones */
}

/*
 * The process's timers end with it, before its struct is freed: first the
 * handler stops counting into them (counted: an expiry queued before the
 * timer went still comes, to whichever thread is left, which may be the
 * one freeing them), then every host timer goes, the interval timers
 * too.  Before, a 1 ms interval timer still armed as a run ended could
 * land in freed memory and kill lstar with SIGSEGV.
 */
void vmm_timer_stop(struct vmm_process *proc)
{
	struct vmm_timers *ts = &proc->timers, *mine = ts;

	atomic_compare_exchange_strong(&counted, &mine, NULL);
	/* A handler on another thread may have read counted just before:
	 * the memory stays until it is done (a few instructions). */
	while (atomic_load(&in_flight))
		__builtin_ia32_pause();
	delete_timers(ts, VMM_TIMER_SLOTS);
}

/* --- interval timers --------------------------------------------------------- */

/* Set interval timer which (ITIMER_*) to *new, returning the old setting
 * in *old; the host timer is made on first use.  0 or -errno. */
static int set_itimer(struct vmm_vcpu *cpu, int which, const struct itimerspec *new,
		      struct itimerspec *old)
{
	static const clockid_t clock[] = {
		CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID, CLOCK_PROCESS_CPUTIME_ID,
	};
	struct vmm_timer *t = &cpu->proc->timers.t[SLOT_ITIMER(which)];
	int err;

	if (!t->used) {
		memset(old, 0, sizeof(*old));
		if (!new->it_value.tv_sec && !new->it_value.tv_nsec)
			return 0;	/* disarming what never ran */
		if ((err = host_timer(cpu, SLOT_ITIMER(which), clock[which], SIGEV_SIGNAL)))
			return err;
		t->notify = SIGEV_SIGNAL;
	}
	atomic_store(&cpu->proc->timers.fired[SLOT_ITIMER(which)], 0);
	if (syscall(SYS_timer_settime, t->host, 0, new, old) < 0)
		return -errno;
	return 0;
}

static int get_itimer(struct vmm_vcpu *cpu, int which, struct itimerspec *cur)
{
	struct vmm_timer *t = &cpu->proc->timers.t[SLOT_ITIMER(which)];

	memset(cur, 0, sizeof(*cur));
	if (t->used && syscall(SYS_timer_gettime, t->host, cur) < 0)
		return -errno;
	return 0;
}

/* An itimerval for the program: microseconds, truncated, as Linux's
 * ns_to_kernel_old_timeval; an armed timer about to expire reads 1 µs. */
static int put_itimerval(struct vmm_vcpu *cpu, uint64_t gva, const struct itimerspec *its)
{
	int64_t v[4] = { its->it_interval.tv_sec, its->it_interval.tv_nsec / 1000,
			 its->it_value.tv_sec, its->it_value.tv_nsec / 1000 };

	if (!v[2] && !v[3] && its->it_value.tv_nsec)
		v[3] = 1;
	return vmm_mem_copy_to_user(cpu->mem, gva, v, sizeof(v));
}

int64_t vmm_sys_setitimer(struct vmm_vcpu *cpu, const uint64_t *a)
{
	int which = (int)a[0];
	struct itimerspec new = { { 0, 0 }, { 0, 0 } }, old;
	int64_t v[4];
	int err;

	if (which < ITIMER_REAL || which > ITIMER_PROF)
		return -EINVAL;
	/* No new value disarms the timer, an old misfeature Linux keeps. */
	if (a[1]) {
		if (vmm_mem_copy_from_user(cpu->mem, v, a[1], sizeof(v)))
			return -EFAULT;
		for (int i = 0; i < 4; i += 2)
			if (v[i] < 0 || v[i + 1] < 0 || v[i + 1] >= 1000000)
				return -EINVAL;
		new = (struct itimerspec){ { v[0], v[1] * 1000 }, { v[2], v[3] * 1000 } };
	}
	if ((err = set_itimer(cpu, which, &new, &old)))
		return err;
	return a[2] ? put_itimerval(cpu, a[2], &old) : 0;
}

int64_t vmm_sys_getitimer(struct vmm_vcpu *cpu, const uint64_t *a)
{
	int which = (int)a[0];
	struct itimerspec cur;
	int err;

	if (which < ITIMER_REAL || which > ITIMER_PROF)
		return -EINVAL;
	if ((err = get_itimer(cpu, which, &cur)))
		return err;
	return put_itimerval(cpu, a[1], &cur);
}

/* alarm: ITIMER_REAL in whole seconds; the old one's time left, rounded
 * to the nearest second (at least 1 while it runs), as Linux rounds it. */
int64_t vmm_sys_alarm(struct vmm_vcpu *cpu, const uint64_t *a)
{
	struct itimerspec new = { { 0, 0 }, { (time_t)(uint32_t)a[0], 0 } }, old;
	int err;

	if ((err = set_itimer(cpu, ITIMER_REAL, &new, &old)))
		return err;
	if ((!old.it_value.tv_sec && old.it_value.tv_nsec) ||
	    old.it_value.tv_nsec >= NSEC / 2)
		old.it_value.tv_sec++;
	return old.it_value.tv_sec;
}
