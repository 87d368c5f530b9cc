/* SPDX-License-Identifier: MIT */
/*
 * threads - what pthread programs do, printed so that a native run and a
 * run under lstar compare line by line (nothing here depends on which
 * thread runs first).
 *
 *   threads basic    a counter four threads raise under a mutex, a
 *                    condition variable ping-pong, __thread values per
 *                    thread, 64 threads created and joined, detached
 *                    threads, a barrier, cancellation, a thread that
 *                    exits while others run, gettid distinct per thread
 *   threads signals  a signal sent to one thread (pthread_kill) runs its
 *                    handler there; a process signal (kill) is taken by
 *                    the thread that does not block it; sigwait in one
 *                    thread
 *   threads memory   threads mapping, touching and unmapping memory at
 *                    once, each checking what it wrote
 *   threads files    threads making, using and closing pipes at once
 *   threads race     memory unmapped by one thread while others' reads
 *                    and writes use it: each call works or is EFAULT
 *   threads robust   a thread dies holding a robust mutex: EOWNERDEAD
 *   threads unmap    a page one thread unmaps while another reads it in
 *                    a loop: the reader's next read faults
 *   threads limit    up to 16 threads alive at once, and the error past
 *                    a limit (lstar's `limit threads`)
 *   threads exit     exit_group from a thread while others spin
 *                    (status 7)
 *   threads spin [call]  three threads spin and the main thread blocks
 *                    reading a pipe, for ever (with call: after
 *                    getppid, for a policy to kill it)
 *   threads main-exit the main thread leaves with pthread_exit, the last
 *                    thread's return ends the process (status 0)
 *   threads parked [N]  a thread waits on a futex while the main thread
 *                    maps, touches and unmaps 1 MiB N times (default 128):
 *                    under a small --mem the pages it frees come back
 *                    for reuse without waking the waiter (lstar --stats
 *                    shows its futex calls)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static long counter;
static __thread long mine = 100;

static void *add(void *arg)
{
	for (int i = 0; i < 2000; i++) {
		pthread_mutex_lock(&lock);
		counter++;
		pthread_mutex_unlock(&lock);
	}
	mine += (long)(intptr_t)arg;
	return (void *)(intptr_t)mine;
}

static int turn, rounds;

static void *pong(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	while (rounds < 100) {
		while (turn != 1)
			pthread_cond_wait(&cond, &lock);
		rounds++;
		turn = 0;
		pthread_cond_signal(&cond);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

static void *tid_of(void *arg)
{
	*(pid_t *)arg = gettid();
	return NULL;
}

static volatile int detached_done;

static void *detached(void *arg)
{
	(void)arg;
	__atomic_add_fetch(&detached_done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static pthread_barrier_t barrier;
static volatile int past_barrier;

static void *at_barrier(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&barrier);
	__atomic_add_fetch(&past_barrier, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void *cancelled(void *arg)
{
	(void)arg;
	for (;;)
		pause();		/* a cancellation point */
	return NULL;
}

static void *exits_early(void *arg)
{
	(void)arg;
	pthread_exit((void *)42);
}

static void basic(void)
{
	pthread_t t[64];
	pthread_attr_t small;
	pid_t tids[64];
	void *ret;
	long sum = 0;
	int distinct = 1;

	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, add, (void *)(intptr_t)i);
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], &ret);
		sum += (long)(intptr_t)ret;
	}
	printf("counter %ld, thread values %ld, main's still %ld\n", counter, sum, mine);

	pthread_create(&t[0], NULL, pong, NULL);
	pthread_mutex_lock(&lock);
	while (rounds < 100) {
		turn = 1;
		pthread_cond_signal(&cond);
		while (turn != 0 && rounds < 100)
			pthread_cond_wait(&cond, &lock);
	}
	pthread_mutex_unlock(&lock);
	pthread_join(t[0], NULL);
	printf("ping-pong: %d rounds\n", rounds);

	/* Small stacks: lstar commits what a thread maps, and 64 of
	 * glibc's 8 MiB stacks are its whole default --mem. */
	pthread_attr_init(&small);
	pthread_attr_setstacksize(&small, 256 * 1024);
	for (int i = 0; i < 64; i++)
		if (pthread_create(&t[i], &small, tid_of, &tids[i])) {
			printf("create %d failed\n", i);
			return;
		}
	pthread_attr_destroy(&small);
	for (int i = 0; i < 64; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < 64; i++)
		for (int j = 0; j < i; j++)
			if (tids[i] == tids[j] || tids[i] == getpid())
				distinct = 0;
	printf("64 threads joined, tids distinct %d\n", distinct);

	for (int i = 0; i < 8; i++) {
		pthread_attr_t a;

		pthread_attr_init(&a);
		pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
		pthread_create(&t[i], &a, detached, NULL);
		pthread_attr_destroy(&a);
	}
	while (__atomic_load_n(&detached_done, __ATOMIC_SEQ_CST) < 8)
		sched_yield();
	printf("8 detached threads ran\n");

	pthread_barrier_init(&barrier, NULL, 5);
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, at_barrier, NULL);
	pthread_barrier_wait(&barrier);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	printf("barrier: %d past\n", past_barrier);

	pthread_create(&t[0], NULL, cancelled, NULL);
	pthread_cancel(t[0]);
	pthread_join(t[0], &ret);
	printf("cancelled: %d\n", ret == PTHREAD_CANCELED);

	pthread_create(&t[0], NULL, exits_early, NULL);
	pthread_join(t[0], &ret);
	printf("pthread_exit value %ld\n", (long)(intptr_t)ret);

	/* The CPUs the threads may run on: the machine's; a mask naming
	 * none of them is refused. */
	{
		cpu_set_t set, none;

		CPU_ZERO(&none);
		sched_getaffinity(0, sizeof(set), &set);
		printf("affinity: every CPU %d, set back %d, none %s, another tid %s\n",
		       CPU_COUNT(&set) == sysconf(_SC_NPROCESSORS_ONLN),
		       sched_setaffinity(0, sizeof(set), &set),
		       sched_setaffinity(0, sizeof(none), &none) ? strerror(errno) : "ok",
		       sched_getaffinity(gettid() + 5000, sizeof(set), &set) ? strerror(errno) :
									      "ok");
	}
}

/* --- signals ---------------------------------------------------------------- */

static volatile pid_t handled_on;
static volatile int go;

static void on_usr1(int sig)
{
	(void)sig;
	handled_on = gettid();
}

static void *waits_for_usr1(void *arg)
{
	*(pid_t *)arg = gettid();
	while (!handled_on)
		sched_yield();
	return NULL;
}

static void *unblocked(void *arg)
{
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &s, NULL);
	*(pid_t *)arg = gettid();
	__atomic_store_n(&go, 1, __ATOMIC_SEQ_CST);
	while (!handled_on)
		sched_yield();
	return NULL;
}

static void *sigwaiter(void *arg)
{
	sigset_t s;
	int sig = 0;

	(void)arg;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR2);
	sigwait(&s, &sig);
	return (void *)(intptr_t)sig;
}

static void signals(void)
{
	pthread_t t;
	pid_t tid = 0;
	sigset_t s;
	void *ret;

	signal(SIGUSR1, on_usr1);
	pthread_create(&t, NULL, waits_for_usr1, &tid);
	while (!__atomic_load_n(&tid, __ATOMIC_SEQ_CST))
		sched_yield();
	pthread_kill(t, SIGUSR1);
	pthread_join(t, NULL);
	printf("pthread_kill: handled on that thread %d\n", handled_on == tid);

	/* Blocked here, unblocked in the thread: kill() goes to it. */
	handled_on = 0;
	tid = 0;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	sigaddset(&s, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &s, NULL);
	pthread_create(&t, NULL, unblocked, &tid);
	while (!__atomic_load_n(&go, __ATOMIC_SEQ_CST))
		sched_yield();
	kill(getpid(), SIGUSR1);
	pthread_join(t, NULL);
	printf("kill: taken by the thread that does not block it %d\n", handled_on == tid);

	pthread_create(&t, NULL, sigwaiter, NULL);
	kill(getpid(), SIGUSR2);
	pthread_join(t, &ret);
	printf("sigwait in a thread: %s\n", (intptr_t)ret == SIGUSR2 ? "SIGUSR2" : "?");
}

/* --- memory ------------------------------------------------------------------- */

static void *churn(void *arg)
{
	long id = (long)(intptr_t)arg, bad = 0;

	for (int round = 0; round < 200; round++) {
		size_t len = (size_t)(1 + (round + id) % 8) * 4096;
		unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			return (void *)-1L;
		for (size_t i = 0; i < len; i += 512)
			if (p[i])
				bad++;		/* fresh memory is zero */
		memset(p, (int)(id + 1), len);
		for (size_t i = 0; i < len; i += 512)
			if (p[i] != (unsigned char)(id + 1))
				bad++;
		munmap(p, len);
	}
	return (void *)(intptr_t)bad;
}

static void memory(void)
{
	pthread_t t[4];
	long bad = 0;
	void *ret;

	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, churn, (void *)(intptr_t)i);
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], &ret);
		bad += (long)(intptr_t)ret;
	}
	printf("4 threads mapped and unmapped 800 times: %ld bad bytes\n", bad);
}

/* --- descriptors ---------------------------------------------------------------- */

/* Pipes made, written, read through a dup and closed, by four threads at
 * once: the VMM's descriptor table under concurrent calls. */
static void *pipes(void *arg)
{
	long id = (long)(intptr_t)arg, bad = 0;

	for (int round = 0; round < 200; round++) {
		char out[16], in[16] = { 0 };
		int p[2], d;

		if (pipe(p))
			return (void *)-1L;
		snprintf(out, sizeof(out), "t%ld r%d", id, round);
		if (write(p[1], out, strlen(out) + 1) != (ssize_t)strlen(out) + 1)
			bad++;
		if ((d = dup(p[0])) < 0 || read(d, in, sizeof(in)) != (ssize_t)strlen(out) + 1 ||
		    strcmp(in, out))
			bad++;
		close(d);
		close(p[0]);
		close(p[1]);
	}
	return (void *)(intptr_t)bad;
}

static void files(void)
{
	pthread_t t[4];
	long bad = 0;
	void *ret;
	int fd;

	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, pipes, (void *)(intptr_t)i);
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], &ret);
		bad += (long)(intptr_t)ret;
	}
	/* Every descriptor came back: the next is the lowest free. */
	fd = dup(0);
	printf("4 threads, 800 pipes: %ld bad, next descriptor %d\n", bad, fd);
}

/*
 * The process's file state from several threads at once: one moves the
 * working directory between a and b (each holding a file f that says
 * which) and back, two open f relative to it and ask for it, and one
 * makes and removes directories in it.  Every answer must be one the
 * directory could have given at some moment: f says "a" or "b" (or is
 * not there, in the parent), getcwd is the parent, a or b.
 */
static char top[4096];
static volatile int moving = 1;

static void *mover(void *arg)
{
	(void)arg;
	for (int i = 0; i < 150; i++) {
		chdir(i % 2 ? "b" : "a");
		chdir("..");
	}
	moving = 0;
	return NULL;
}

static void *looker(void *arg)
{
	long bad = 0;
	size_t n = strlen(top);

	(void)arg;
	while (moving) {
		char buf[4096];
		int fd = open("f", O_RDONLY | O_CLOEXEC);

		if (fd >= 0) {
			ssize_t r = read(fd, buf, sizeof(buf));

			bad += r != 2 || (memcmp(buf, "a\n", 2) && memcmp(buf, "b\n", 2));
			close(fd);
		} else {
			bad += errno != ENOENT;
		}
		if (!getcwd(buf, sizeof(buf)))
			bad++;
		else
			bad += strncmp(buf, top, n) ||
			       (buf[n] && strcmp(buf + n, "/a") && strcmp(buf + n, "/b"));
	}
	return (void *)(intptr_t)bad;
}

static void *maker(void *arg)
{
	long bad = 0;

	(void)arg;
	for (int i = 0; moving; i++) {
		char name[32];

		snprintf(name, sizeof(name), "d%d", i % 8);
		/* In whichever directory is the cwd now: made, then gone. */
		if (mkdir(name, 0755) == 0 && rmdir(name) != 0 && errno != ENOENT)
			bad++;
	}
	return (void *)(intptr_t)bad;
}

static void cwd_shared(void)
{
	pthread_t t[4];
	long bad = 0;
	void *ret;
	FILE *f;

	getcwd(top, sizeof(top));
	mkdir("a", 0755);
	mkdir("b", 0755);
	if ((f = fopen("a/f", "w")))
		fputs("a\n", f), fclose(f);
	if ((f = fopen("b/f", "w")))
		fputs("b\n", f), fclose(f);
	pthread_create(&t[0], NULL, mover, NULL);
	pthread_create(&t[1], NULL, looker, NULL);
	pthread_create(&t[2], NULL, looker, NULL);
	pthread_create(&t[3], NULL, maker, NULL);
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], &ret);
		bad += (long)(intptr_t)ret;
	}
	getcwd(top + strlen(top) + 1, sizeof(top) - strlen(top) - 1);
	printf("cwd moved 300 times under 3 threads: %ld bad, back where it began: %s\n", bad,
	       strcmp(top, top + strlen(top) + 1) ? "no" : "yes");
}

/* --- races ----------------------------------------------------------------------- */

/* One thread maps and unmaps a window over and over while others read
 * into it from a pipe and write from it: each call either works or is
 * EFAULT, and a page freed under a call is never anyone else's. */
static char *volatile window;
static volatile int racing = 1;

static void *remapper(void *arg)
{
	(void)arg;
	for (int i = 0; i < 400; i++) {
		char *p = mmap(NULL, 16 * 4096, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		window = p;
		memset(p, 'w', 16 * 4096);
		munmap(p, 16 * 4096);
	}
	racing = 0;
	return NULL;
}

static void *user(void *arg)
{
	int *pp = arg;
	long odd = 0;

	while (racing) {
		char *w = window;
		ssize_t r;

		if (!w)
			continue;
		r = write(pp[1], w, 4096);
		if (r < 0 && errno != EFAULT && errno != EAGAIN)
			odd++;
		r = read(pp[0], w + 4096, 4096);
		if (r < 0 && errno != EFAULT && errno != EAGAIN)
			odd++;
	}
	return (void *)(intptr_t)odd;
}

static void race(void)
{
	pthread_t m, u[2];
	int pp[2][2];
	long odd = 0;
	void *ret;

	for (int i = 0; i < 2; i++) {
		pipe(pp[i]);
		fcntl(pp[i][0], F_SETFL, O_NONBLOCK);
		fcntl(pp[i][1], F_SETFL, O_NONBLOCK);
	}
	pthread_create(&m, NULL, remapper, NULL);
	for (int i = 0; i < 2; i++)
		pthread_create(&u[i], NULL, user, pp[i]);
	pthread_join(m, NULL);
	for (int i = 0; i < 2; i++) {
		pthread_join(u[i], &ret);
		odd += (long)(intptr_t)ret;
	}
	printf("race: unmapped under calls, only EFAULT or EAGAIN %d\n", odd == 0);
}

/* --- robust mutexes ---------------------------------------------------------------- */

static pthread_mutex_t robust;

static void *dies_holding(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&robust);
	return NULL;			/* the thread ends, the mutex held */
}

/* A thread dies holding a robust mutex: the next locker gets EOWNERDEAD,
 * makes it consistent, and it works again. */
static void robust_mutex(void)
{
	pthread_mutexattr_t a;
	pthread_t t;
	int r;

	pthread_mutexattr_init(&a);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(&robust, &a);
	pthread_create(&t, NULL, dies_holding, NULL);
	pthread_join(t, NULL);
	r = pthread_mutex_lock(&robust);
	printf("robust mutex after its owner died: %s\n", r == EOWNERDEAD ? "EOWNERDEAD" :
	       r ? strerror(r) : "locked");
	if (r == EOWNERDEAD)
		pthread_mutex_consistent(&robust);
	pthread_mutex_unlock(&robust);
	r = pthread_mutex_lock(&robust);
	printf("and then: %s\n", r ? strerror(r) : "locked");
	pthread_mutex_unlock(&robust);
}

/* --- what another thread unmapped --------------------------------------------------- */

static volatile int *shared_page;
static volatile int unmapped, reading;
static sigjmp_buf fault_jb;

static void on_segv(int sig)
{
	(void)sig;
	siglongjmp(fault_jb, 1);
}

/* Read the page until told it is gone, then once more: that read must
 * fault, as on Linux, where munmap returns only once no CPU maps it. */
static void *reader(void *arg)
{
	long sum = 0;

	(void)arg;
	if (sigsetjmp(fault_jb, 1))
		return (void *)1;	/* faulted: the unmap was seen */
	while (!unmapped) {
		sum += *shared_page;
		reading = 1;
	}
	sum += *shared_page;
	return (void *)(intptr_t)(sum < 0 ? 3 : 2);	/* read an unmapped page */
}

static void unmap_seen(void)
{
	pthread_t t;
	void *ret;

	signal(SIGSEGV, on_segv);
	shared_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	*shared_page = 1;
	pthread_create(&t, NULL, reader, NULL);
	while (!reading)
		sched_yield();
	munmap((void *)shared_page, 4096);
	unmapped = 1;
	pthread_join(t, &ret);
	printf("a page another thread unmapped: %s\n",
	       (intptr_t)ret == 1 ? "faults at once" : "still readable");
}

/* --- limits ---------------------------------------------------------------------- */

static pthread_mutex_t hold_lock = PTHREAD_MUTEX_INITIALIZER;

static void *held(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&hold_lock);
	pthread_mutex_unlock(&hold_lock);
	return NULL;
}

/* Threads that stay alive until released, as many as may be: how many
 * came, and what the next pthread_create said. */
static void limit(void)
{
	pthread_t t[16];
	pthread_attr_t small;
	int n = 0, err = 0;

	pthread_attr_init(&small);
	pthread_attr_setstacksize(&small, 64 * 1024);
	pthread_mutex_lock(&hold_lock);
	while (n < 16 && !(err = pthread_create(&t[n], &small, held, NULL)))
		n++;
	pthread_mutex_unlock(&hold_lock);
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	printf("threads alive besides main: %d, then %s\n", n, err ? strerror(err) : "no error");
}

/* --- ends ----------------------------------------------------------------------- */

static int parked_word;

static void *parked_waiter(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&parked_word, __ATOMIC_ACQUIRE))
		syscall(SYS_futex, &parked_word, 128 /* FUTEX_WAIT_PRIVATE */, 0, NULL);
	return NULL;
}

static void parked(int n)
{
	pthread_attr_t a;
	pthread_t t;
	int err;

	/* A small stack: glibc's default 8 MiB would not fit a small --mem. */
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, 1 << 16);
	if ((err = pthread_create(&t, &a, parked_waiter, NULL))) {
		printf("parked: pthread_create: %s\n", strerror(err));
		return;
	}
	usleep(20000);		/* it waits: a wait touches no guest memory */
	for (int i = 0; i < n; i++) {
		char *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			printf("parked: mmap %d: %s\n", i, strerror(errno));
			break;
		}
		for (int j = 0; j < 256; j++)
			p[j << 12] = (char)j;
		munmap(p, 1 << 20);
	}
	__atomic_store_n(&parked_word, 1, __ATOMIC_RELEASE);
	syscall(SYS_futex, &parked_word, 129 /* FUTEX_WAKE_PRIVATE */, 1);
	pthread_join(t, NULL);
	printf("parked: done\n");
}

static void *spin(void *arg)
{
	(void)arg;
	for (;;)
		__asm__ volatile("" ::: "memory");
	return NULL;
}

static void *ends_all(void *arg)
{
	(void)arg;
	printf("exiting from a thread\n");
	fflush(stdout);
	exit(7);
}

static void *last_one(void *arg)
{
	(void)arg;
	usleep(20000);
	printf("the last thread returns\n");
	return NULL;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "basic";
	pthread_t t;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (!strcmp(mode, "basic"))
		basic();
	else if (!strcmp(mode, "signals"))
		signals();
	else if (!strcmp(mode, "memory"))
		memory();
	else if (!strcmp(mode, "files"))
		files();
	else if (!strcmp(mode, "cwd"))
		cwd_shared();
	else if (!strcmp(mode, "race"))
		race();
	else if (!strcmp(mode, "limit"))
		limit();
	else if (!strcmp(mode, "robust"))
		robust_mutex();
	else if (!strcmp(mode, "unmap"))
		unmap_seen();
	else if (!strcmp(mode, "exit")) {
		for (int i = 0; i < 3; i++)
			pthread_create(&t, NULL, spin, NULL);
		pthread_create(&t, NULL, ends_all, NULL);
		for (;;)
			pause();
	} else if (!strcmp(mode, "spin")) {
		/* Threads that never end, one blocked in the host: only
		 * something from outside (a timeout, a kill rule) ends it. */
		int p[2];
		char c;

		for (int i = 0; i < 3; i++)
			pthread_create(&t, NULL, spin, NULL);
		pipe(p);
		printf("spinning\n");
		if (argc > 2)
			getppid();	/* a call a `kill` rule may name */
		read(p[0], &c, 1);
	} else if (!strcmp(mode, "parked")) {
		parked(argc > 2 ? atoi(argv[2]) : 128);
	} else if (!strcmp(mode, "main-exit")) {
		pthread_create(&t, NULL, last_one, NULL);
		pthread_exit(NULL);
	} else {
		fprintf(stderr, "usage: threads basic|signals|memory|files|cwd|race|robust|unmap|limit|exit|spin|main-exit|parked [N]\n");
		return 2;
	}
	return 0;
}
