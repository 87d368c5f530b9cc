/* SPDX-License-Identifier: MIT */
/*
 * timers - timers that end as signals, and waiting for signals, printed
 * so a native run and a run under lstar compare line by line.  Only what
 * does not depend on the machine's speed is printed: whether a timer is
 * armed, not how much of it is left.
 *
 *   timers all      alarm's time left, setitimer/getitimer and their
 *                   errors, alarm + pause, an interval timer waited for
 *                   with sigsuspend (and the mask it puts back), POSIX
 *                   timers (SIGEV_SIGNAL with a value, SIGEV_THREAD_ID,
 *                   SIGEV_NONE, overruns, bad ids and clocks), and
 *                   rt_sigtimedwait (a signal taken, EAGAIN, EINVAL,
 *                   EINTR for a handler that ran)
 *   timers default  ITIMER_REAL with no handler: SIGALRM ends it (142)
 *   timers latency  how long after a timer's expiry its handler runs, in
 *                   a program spinning in ring 3 and in one sleeping in
 *                   sigsuspend: median and worst of 50 each, in us (not
 *                   compared: it is the machine's figure)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "errname.h"

#ifndef sigev_notify_thread_id		/* glibc before 2.41 does not name it */
#define sigev_notify_thread_id _sigev_un._tid
#endif

static volatile int alarms, last_code;

static void on_alarm(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	alarms++;
	last_code = si->si_code;
}

static const char *code_name(int code)
{
	switch (code) {
	case SI_USER: return "SI_USER";
	case SI_TKILL: return "SI_TKILL";
	case SI_KERNEL: return "SI_KERNEL";
	case SI_TIMER: return "SI_TIMER";
	default: return "?";
	}
}

static void handle(int sig, int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_alarm;
	sa.sa_flags = SA_SIGINFO | flags;
	sigaction(sig, &sa, NULL);
}

/* An itimerval of value ms, no interval. */
static struct itimerval ms(long value, long interval)
{
	struct itimerval it = {
		{ interval / 1000, interval % 1000 * 1000 },
		{ value / 1000, value % 1000 * 1000 },
	};
	return it;
}

static void block(int sig, int how)
{
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, sig);
	sigprocmask(how, &s, NULL);
}

static void interval_timers(void)
{
	struct itimerval it = ms(5000, 0), old, cur;
	unsigned left;

	alarm(10);
	left = alarm(0);
	printf("alarm: %u seconds were left\n", left);

	setitimer(ITIMER_REAL, &it, NULL);
	getitimer(ITIMER_REAL, &cur);
	printf("getitimer: armed %d, under 5 s %d\n", cur.it_value.tv_sec || cur.it_value.tv_usec,
	       cur.it_value.tv_sec < 5);
	it = ms(0, 0);
	setitimer(ITIMER_REAL, &it, &old);
	getitimer(ITIMER_REAL, &cur);
	printf("disarmed: it was armed %d, now %ld.%06ld\n", old.it_value.tv_sec > 0,
	       (long)cur.it_value.tv_sec, (long)cur.it_value.tv_usec);
	it = ms(10, 0);
	it.it_value.tv_usec = 1000000;
	printf("setitimer usec 1000000: %s\n", setitimer(ITIMER_REAL, &it, NULL) ? errname(errno) : "ok");
	printf("setitimer which 3: %s\n",
	       syscall(SYS_setitimer, 3, &it, NULL) ? errname(errno) : "ok");
	printf("getitimer which -1: %s\n",
	       syscall(SYS_getitimer, -1, &cur) ? errname(errno) : "ok");

	/* alarm + pause: the handler runs, pause fails with EINTR. */
	handle(SIGALRM, 0);
	it = ms(20, 0);
	setitimer(ITIMER_REAL, &it, NULL);
	errno = 0;
	pause();
	printf("pause: %s after %d SIGALRM (%s)\n", errname(errno), alarms, code_name(last_code));

	/* An interval timer, waited for with sigsuspend while blocked. */
	alarms = 0;
	block(SIGALRM, SIG_BLOCK);
	it = ms(5, 5);
	setitimer(ITIMER_REAL, &it, NULL);
	while (alarms < 5) {
		sigset_t none;

		sigemptyset(&none);
		sigsuspend(&none);
	}
	it = ms(0, 0);
	setitimer(ITIMER_REAL, &it, NULL);
	{
		sigset_t now;

		sigprocmask(SIG_BLOCK, NULL, &now);
		printf("sigsuspend: %d alarms, SIGALRM blocked again %d\n", alarms,
		       sigismember(&now, SIGALRM));
	}
	block(SIGALRM, SIG_UNBLOCK);
}

/* Wait for sig (blocked) for up to 2 s; its siginfo in *si. */
static int take(int sig, siginfo_t *si)
{
	struct timespec two = { 2, 0 };
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, sig);
	return sigtimedwait(&s, si, &two);
}

static void posix_timers(void)
{
	struct itimerspec its = { { 0, 0 }, { 0, 20 * 1000000 } }, cur;
	struct sigevent sev;
	timer_t t, t2;
	siginfo_t si;
	int sig;

	block(SIGUSR1, SIG_BLOCK);
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGUSR1;
	sev.sigev_value.sival_int = 42;
	if (timer_create(CLOCK_MONOTONIC, &sev, &t)) {
		printf("timer_create: %s\n", errname(errno));
		return;
	}
	timer_settime(t, 0, &its, NULL);
	sig = take(SIGUSR1, &si);
	printf("timer: %s, %s, value %d, its own id %d, overrun %d\n",
	       sig == SIGUSR1 ? "SIGUSR1" : errname(errno), code_name(si.si_code),
	       si.si_value.sival_int, si.si_timerid == (int)(intptr_t)t, si.si_overrun);
	timer_gettime(t, &cur);
	printf("after it expired: %ld.%09ld\n", (long)cur.it_value.tv_sec,
	       (long)cur.it_value.tv_nsec);

	/* Armed for a time already past: it expires at once. */
	clock_gettime(CLOCK_MONOTONIC, &its.it_value);
	its.it_value.tv_sec -= 1;
	timer_settime(t, TIMER_ABSTIME, &its, NULL);
	sig = take(SIGUSR1, &si);
	printf("armed in the past: %s\n", sig == SIGUSR1 ? "SIGUSR1" : errname(errno));

	/* Expiries while the signal waits become its overrun. */
	its = (struct itimerspec){ { 0, 1000000 }, { 0, 1000000 } };
	timer_settime(t, 0, &its, NULL);
	usleep(30000);
	sig = take(SIGUSR1, &si);
	printf("overrun: %s, overrun > 0 %d\n", sig == SIGUSR1 ? "SIGUSR1" : errname(errno),
	       si.si_overrun > 0);
	its = (struct itimerspec){ { 0, 0 }, { 0, 0 } };
	timer_settime(t, 0, &its, NULL);
	{
		struct timespec none = { 0, 0 };
		sigset_t usr1;

		sigemptyset(&usr1);
		sigaddset(&usr1, SIGUSR1);
		while (sigtimedwait(&usr1, NULL, &none) > 0)
			;
	}
	timer_delete(t);
	printf("deleted twice: %s\n",
	       syscall(SYS_timer_delete, (int)(intptr_t)t) ? errname(errno) : "ok");

	/* SIGEV_THREAD_ID: to this thread; another thread id is EINVAL. */
	block(SIGUSR2, SIG_BLOCK);
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIGUSR2;
	sev.sigev_notify_thread_id = gettid() + 1000;
	printf("SIGEV_THREAD_ID, another tid: %s\n",
	       timer_create(CLOCK_MONOTONIC, &sev, &t2) ? errname(errno) : "ok");
	sev.sigev_notify_thread_id = gettid();
	timer_create(CLOCK_MONOTONIC, &sev, &t2);
	its = (struct itimerspec){ { 0, 0 }, { 0, 10 * 1000000 } };
	timer_settime(t2, 0, &its, NULL);
	sig = take(SIGUSR2, &si);
	printf("SIGEV_THREAD_ID: %s, %s\n", sig == SIGUSR2 ? "SIGUSR2" : errname(errno),
	       code_name(si.si_code));
	timer_delete(t2);

	/* SIGEV_NONE: it runs, and says nothing. */
	sev.sigev_notify = SIGEV_NONE;
	timer_create(CLOCK_REALTIME, &sev, &t2);
	its = (struct itimerspec){ { 0, 0 }, { 5, 0 } };
	timer_settime(t2, 0, &its, NULL);
	timer_gettime(t2, &cur);
	printf("SIGEV_NONE: armed %d\n", cur.it_value.tv_sec > 0 || cur.it_value.tv_nsec > 0);
	timer_delete(t2);

	/* What the kernel refuses. */
	printf("clock 99: %s\n", syscall(SYS_timer_create, 99, NULL, &t2) ? errname(errno) : "ok");
	printf("bad signal: %s\n", (sev.sigev_notify = SIGEV_SIGNAL, sev.sigev_signo = 65,
				     syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, &t2)) ?
	       errname(errno) : "ok");
	/* Past the last id lstar keeps (its interval timers follow), and
	 * negative. */
	for (int i = 0; i < 4; i++) {
		static const long ids[] = { 256, 257, -1, 12345 };

		printf("settime of id %ld: %s\n", ids[i],
		       syscall(SYS_timer_settime, ids[i], 0, &its, NULL) ? errname(errno) : "ok");
	}
	printf("create, sigevent unreadable: %s\n",
	       syscall(SYS_timer_create, CLOCK_MONOTONIC, (void *)16, &t2) ? errname(errno) : "ok");
	printf("getoverrun of id 12345: %s\n",
	       syscall(SYS_timer_getoverrun, 12345) < 0 ? errname(errno) : "ok");
	block(SIGUSR1, SIG_UNBLOCK);
	block(SIGUSR2, SIG_UNBLOCK);
}

static void timed_waits(void)
{
	struct timespec zero = { 0, 0 }, short_ = { 0, 20 * 1000000 }, bad = { 0, 1000000000 };
	struct itimerval it;
	siginfo_t si;
	sigset_t s;
	int sig;

	block(SIGUSR2, SIG_BLOCK);
	sigemptyset(&s);
	sigaddset(&s, SIGUSR2);
	sig = sigtimedwait(&s, &si, &zero);
	printf("sigtimedwait, nothing, no wait: %s\n", sig < 0 ? errname(errno) : "a signal");
	sig = sigtimedwait(&s, &si, &short_);
	printf("sigtimedwait, nothing, 20 ms: %s\n", sig < 0 ? errname(errno) : "a signal");
	sig = sigtimedwait(&s, &si, &bad);
	printf("sigtimedwait, nsec 1e9: %s\n", sig < 0 ? errname(errno) : "a signal");
	raise(SIGUSR2);
	sig = sigtimedwait(&s, &si, &zero);
	printf("sigtimedwait, raised: %s, %s\n", sig == SIGUSR2 ? "SIGUSR2" : errname(errno),
	       code_name(si.si_code));
	/* Another signal, handled, ends the wait with EINTR. */
	alarms = 0;
	handle(SIGALRM, SA_RESTART);
	it = ms(20, 0);
	setitimer(ITIMER_REAL, &it, NULL);
	sig = (int)syscall(SYS_rt_sigtimedwait, &s, &si, NULL, 8);	/* musl's retries EINTR */
	printf("sigwaitinfo, SIGALRM handled meanwhile: %s, %d alarms\n",
	       sig < 0 ? errname(errno) : "a signal", alarms);
	block(SIGUSR2, SIG_UNBLOCK);
}

static volatile int64_t handled_at;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void on_timer(int sig)
{
	(void)sig;
	handled_at = now_ns();
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* The handler's delay after 50 expiries, each 2 ms ahead, the program
 * spinning (or sleeping in sigsuspend) meanwhile. */
static void latency(const char *how, int sleep)
{
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };
	int64_t lat[50];
	sigset_t none;
	timer_t t;

	signal(SIGUSR1, on_timer);
	sigemptyset(&none);
	block(SIGUSR1, sleep ? SIG_BLOCK : SIG_UNBLOCK);
	timer_create(CLOCK_MONOTONIC, &sev, &t);
	for (int i = 0; i < 50; i++) {
		int64_t at = now_ns() + 2000000;
		struct itimerspec its = { { 0, 0 }, { at / 1000000000, at % 1000000000 } };

		handled_at = 0;
		timer_settime(t, TIMER_ABSTIME, &its, NULL);
		while (!handled_at)
			if (sleep)
				sigsuspend(&none);
		lat[i] = handled_at - at;
	}
	timer_delete(t);
	block(SIGUSR1, SIG_UNBLOCK);
	qsort(lat, 50, sizeof(lat[0]), cmp64);
	printf("latency %s: median %lld us, worst %lld us\n", how,
	       (long long)(lat[25] / 1000), (long long)(lat[49] / 1000));
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc > 1 && !strcmp(argv[1], "latency")) {
		latency("spinning", 0);
		latency("sleeping", 1);
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "default")) {
		struct itimerval it = ms(10, 0);

		printf("waiting for SIGALRM\n");
		setitimer(ITIMER_REAL, &it, NULL);
		for (;;)
			pause();
	}
	interval_timers();
	posix_timers();
	timed_waits();
	printf("done\n");
	return 0;
}
