/* SPDX-License-Identifier: MIT */
/*
 * futex - the futex operations' answers, printed so that a native run
 * and a run under lstar compare line by line: wakes with nobody waiting,
 * waits whose value differs, waits that time out on each clock, WAKE_OP's
 * update, the requeues' value check, and the errors (alignment, unmapped
 * words, bad timeouts, unknown operations), timed waits a signal
 * interrupts; then with real waiters (threads): CMP_REQUEUE and WAKE_OP
 * moving and waking them, an untimed wait a SA_RESTART handler
 * interrupts.  Then what made glibc abort before futexes existed under
 * lstar: iconv_open and a locked stdio stream.
 *
 *   futex           all of it
 */
#define _GNU_SOURCE
#include <errno.h>
#include <iconv.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "errname.h"

/* linux/futex.h's values (musl's headers lack it). */
#define FUTEX_WAIT		0
#define FUTEX_WAKE		1
#define FUTEX_REQUEUE		3
#define FUTEX_CMP_REQUEUE	4
#define FUTEX_WAKE_OP		5
#define FUTEX_WAIT_BITSET	9
#define FUTEX_WAKE_BITSET	10
#define FUTEX_PRIVATE_FLAG	128
#define FUTEX_CLOCK_REALTIME	256
#define FUTEX_WAIT_PRIVATE	(FUTEX_WAIT | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_PRIVATE	(FUTEX_WAKE | FUTEX_PRIVATE_FLAG)
#define FUTEX_REQUEUE_PRIVATE	(FUTEX_REQUEUE | FUTEX_PRIVATE_FLAG)
#define FUTEX_CMP_REQUEUE_PRIVATE (FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_OP_PRIVATE	(FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAIT_BITSET_PRIVATE (FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_BITSET_PRIVATE (FUTEX_WAKE_BITSET | FUTEX_PRIVATE_FLAG)
#define FUTEX_BITSET_MATCH_ANY	0xffffffff
#define FUTEX_OP_SET		0
#define FUTEX_OP_ADD		1
#define FUTEX_OP_CMP_EQ		0
#define FUTEX_OP_CMP_GT		4
#define FUTEX_OP(op, oparg, cmp, cmparg) \
	(((op & 0xf) << 28) | ((cmp & 0xf) << 24) | ((oparg & 0xfff) << 12) | (cmparg & 0xfff))

static long fx(void *uaddr, long op, long val, long a3, void *uaddr2, long val3)
{
	long r = syscall(SYS_futex, uaddr, op, val, a3, uaddr2, val3);

	return r < 0 ? -errno : r;
}

static void show(const char *what, long r)
{
	if (r < 0)
		printf("%s: %s\n", what, errname((int)-r));
	else
		printf("%s: %ld\n", what, r);
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* Words threads wait on, and how many are waiting. */
static uint32_t q1 __attribute__((aligned(4))), q2 __attribute__((aligned(4)));
static volatile int started, ended;

/* Wait on q1 until woken (directly, or after a requeue to q2). */
static void *waiter(void *arg)
{
	(void)arg;
	__atomic_add_fetch(&started, 1, __ATOMIC_SEQ_CST);
	fx(&q1, FUTEX_WAIT_PRIVATE, 0, 0, NULL, 0);
	__atomic_add_fetch(&ended, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void *restart_waiter(void *arg)
{
	long *r = arg;

	__atomic_add_fetch(&started, 1, __ATOMIC_SEQ_CST);
	*r = fx(&q2, FUTEX_WAIT_PRIVATE, 0, 0, NULL, 0);
	return NULL;
}

/*
 * The operations that move real waiters.  How many each call moves
 * depends on when the threads reach their waits, so the calls go on
 * until all have moved, and only the totals are shown.
 */
static void with_waiters(void)
{
	struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = SA_RESTART };
	pthread_t t[3], rt;
	long moved = 0, r, rr = 99;

	started = 0;
	for (int i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, waiter, NULL);
	while (started < 3)
		sched_yield();
	/* CMP_REQUEUE: wake one on q1, move the rest to q2 (q1 holds 0). */
	while (moved < 3 && (r = fx(&q1, FUTEX_CMP_REQUEUE_PRIVATE, 1, 2, &q2, 0)) >= 0)
		moved += r;
	printf("cmp_requeue with 3 waiters: %ld woken or moved\n", moved);
	/* WAKE_OP: q2 := 0, wake on q1 (nobody is left there), then on q2
	 * (those moved) since q2's old value 0 == 0; the ones woken at
	 * once are ending meanwhile. */
	while (ended < 3 && fx(&q1, FUTEX_WAKE_OP_PRIVATE, 1, 3, &q2,
			       FUTEX_OP(FUTEX_OP_SET, 0, FUTEX_OP_CMP_EQ, 0)) >= 0)
		sched_yield();
	printf("wake_op woke those moved: %s\n", ended == 3 ? "yes" : "no");
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	printf("all 3 waiters ended\n");

	/* An untimed wait a handler with SA_RESTART interrupts goes on
	 * waiting; the wake that follows ends it with 0. */
	sigaction(SIGUSR1, &sa, NULL);
	started = 0;
	q2 = 0;
	pthread_create(&rt, NULL, restart_waiter, &rr);
	while (!started)
		sched_yield();
	usleep(50000);
	pthread_kill(rt, SIGUSR1);
	usleep(50000);
	q2 = 1;
	while (fx(&q2, FUTEX_WAKE_PRIVATE, 1, 0, NULL, 0) == 0 && rr == 99)
		usleep(1000);
	pthread_join(rt, NULL);
	/* Woken (0), or (on a slow machine) restarted only after q2 became
	 * 1 (EAGAIN): either way not EINTR. */
	printf("untimed wait, a SA_RESTART handler ran, then woken: %s\n",
	       rr == 0 || rr == -EAGAIN ? "went on waiting" : errname((int)-rr));
}

int main(void)
{
	static uint32_t w[4] __attribute__((aligned(16)));
	struct timespec rel = { 0, 20 * 1000 * 1000 }, now, abs;
	struct timespec bad = { 0, 1000000000 };
	void *none = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	iconv_t cd;

	w[0] = 7;
	show("wake, nobody waits", fx(&w[0], FUTEX_WAKE, 1, 0, NULL, 0));
	show("wake private", fx(&w[0], FUTEX_WAKE_PRIVATE, 10, 0, NULL, 0));
	show("wait, value differs", fx(&w[0], FUTEX_WAIT, 8, 0, NULL, 0));
	show("wait private, value differs", fx(&w[0], FUTEX_WAIT_PRIVATE, 6, 0, NULL, 0));
	show("wait 20 ms", fx(&w[0], FUTEX_WAIT_PRIVATE, 7, (long)&rel, NULL, 0));
	clock_gettime(CLOCK_MONOTONIC, &now);
	abs = now;
	abs.tv_nsec += 10 * 1000 * 1000;
	if (abs.tv_nsec >= 1000000000) {
		abs.tv_sec++;
		abs.tv_nsec -= 1000000000;
	}
	show("wait_bitset until +10 ms (monotonic)",
	     fx(&w[0], FUTEX_WAIT_BITSET_PRIVATE, 7, (long)&abs, NULL, FUTEX_BITSET_MATCH_ANY));
	clock_gettime(CLOCK_REALTIME, &abs);
	abs.tv_sec -= 1;
	show("wait_bitset until a second ago (realtime)",
	     fx(&w[0], FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 7, (long)&abs, NULL,
		FUTEX_BITSET_MATCH_ANY));
	show("wait_bitset, bitset 0", fx(&w[0], FUTEX_WAIT_BITSET_PRIVATE, 7, 0, NULL, 0));
	show("wake_bitset", fx(&w[0], FUTEX_WAKE_BITSET_PRIVATE, 1, 0, NULL, 1));
	show("wait, timeout nsec too big", fx(&w[0], FUTEX_WAIT_PRIVATE, 7, (long)&bad, NULL, 0));
	show("wait, timeout unreadable", fx(&w[0], FUTEX_WAIT_PRIVATE, 7, 8, NULL, 0));

	w[1] = 5;
	/* WAKE_OP: w[1] = w[1] + 3, wake on w[0]; then on w[1] if old > 4. */
	show("wake_op add", fx(&w[0], FUTEX_WAKE_OP_PRIVATE, 1, 1, &w[1],
			       FUTEX_OP(FUTEX_OP_ADD, 3, FUTEX_OP_CMP_GT, 4)));
	printf("w[1] after wake_op: %u\n", w[1]);
	show("wake_op set", fx(&w[0], FUTEX_WAKE_OP, 1, 1, &w[1],
			       FUTEX_OP(FUTEX_OP_SET, 42, FUTEX_OP_CMP_EQ, 8)));
	printf("w[1] after wake_op: %u\n", w[1]);
	show("requeue", fx(&w[0], FUTEX_REQUEUE_PRIVATE, 1, 1, &w[1], 0));
	show("cmp_requeue, value differs", fx(&w[0], FUTEX_CMP_REQUEUE_PRIVATE, 1, 1, &w[1], 9));
	show("cmp_requeue, value matches", fx(&w[0], FUTEX_CMP_REQUEUE_PRIVATE, 1, 1, &w[1], 7));

	show("misaligned word", fx((char *)&w[0] + 1, FUTEX_WAKE, 1, 0, NULL, 0));
	show("unmapped word", fx((void *)8, FUTEX_WAIT, 0, 0, NULL, 0));
	show("PROT_NONE word", fx(none, FUTEX_WAIT, 0, 0, NULL, 0));
	/* A private wake never touches its word; a shared one must find it. */
	show("private wake, unmapped word", fx((void *)8, FUTEX_WAKE_PRIVATE, 1, 0, NULL, 0));
	show("private wake, PROT_NONE word", fx(none, FUTEX_WAKE_PRIVATE, 1, 0, NULL, 0));
	show("private wake_bitset 0, unmapped word",
	     fx((void *)8, FUTEX_WAKE_BITSET_PRIVATE, 1, 0, NULL, 0));
	show("shared wake, unmapped word", fx((void *)8, FUTEX_WAKE, 1, 0, NULL, 0));
	show("wake_op into PROT_NONE", fx(&w[0], FUTEX_WAKE_OP, 1, 1, none,
					  FUTEX_OP(FUTEX_OP_SET, 1, FUTEX_OP_CMP_EQ, 0)));
	show("unknown operation", fx(&w[0], 99, 0, 0, NULL, 0));

	/* A timed wait a signal interrupts: EINTR once a handler ran (even
	 * with SA_RESTART), resumed to its own deadline when none did. */
	{
		struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = SA_RESTART };
		struct itimerval it = { { 0, 0 }, { 0, 20000 } };
		struct itimerspec its = { { 0, 50000000 }, { 0, 50000000 } };
		struct timespec ten = { 10, 0 }, t300 = { 0, 300000000 };
		struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGWINCH };
		timer_t t;

		sigaction(SIGALRM, &sa, NULL);
		setitimer(ITIMER_REAL, &it, NULL);
		show("wait 10 s, a handler runs at 20 ms (SA_RESTART)",
		     fx(&w[0], FUTEX_WAIT_PRIVATE, 7, (long)&ten, NULL, 0));
		/* SIGWINCH's default is to ignore it: every 50 ms, the wait
		 * goes on; a wait restarted whole would never end. */
		timer_create(CLOCK_MONOTONIC, &sev, &t);
		timer_settime(t, 0, &its, NULL);
		show("wait 300 ms, an ignored signal every 50 ms",
		     fx(&w[0], FUTEX_WAIT_PRIVATE, 7, (long)&t300, NULL, 0));
		timer_delete(t);
	}

	with_waiters();

	/* glibc's iconv_open takes a lock a futex wakes; a FILE is locked. */
	cd = iconv_open("UTF-8", "ASCII");	/* built in: no gconv module to load */
	printf("iconv_open: %s\n", cd == (iconv_t)-1 ? errname(errno) : "ok");
	if (cd != (iconv_t)-1)
		iconv_close(cd);
	flockfile(stdout);
	printf("locked stdout\n");
	funlockfile(stdout);
	return 0;
}
