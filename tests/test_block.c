/* SPDX-License-Identifier: MIT */
/*
 * test_block.c - a kick ends a blocking host call wherever it lands:
 * before the call (the flag is seen), while it blocks (EINTR), and in the
 * window between the two (the handler moves the thread to the stub's
 * EINTR exit); and never drops what a call that ran has done.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "tests.h"
#include "vmm.h"

static struct vmm vmm;
static struct vmm_vcpu *const cpu = &vmm.vcpu[0];
static int p[2];

static void setup(void)
{
	ck_assert_int_eq(pthread_mutex_init(&vmm.lock, NULL), 0);
	cpu->vmm = &vmm;
	cpu->host_tid = (int)syscall(SYS_gettid);
	atomic_store(&cpu->kicked, false);
	ck_assert_int_eq(vmm_signal_catch(), 0);
	ck_assert_int_eq(pipe(p), 0);
	/* vmm_block_call is made holding the lock, as a hypercall is. */
	pthread_mutex_lock(&vmm.lock);
}

static void teardown(void)
{
	pthread_mutex_unlock(&vmm.lock);
	close(p[0]);
	close(p[1]);
}

static long read_pipe(char *c)
{
	return vmm_block_call(cpu, SYS_read, p[0], (long)c, 1, 0, 0, 0);
}

/* Kicked before the call: -EINTR at once, the pipe left alone. */
START_TEST(kicked_before)
{
	char c = 0;

	atomic_store(&cpu->kicked, true);
	ck_assert_int_eq(write(p[1], "x", 1), 1);
	ck_assert_int_eq(read_pipe(&c), -EINTR);
	ck_assert_int_eq(c, 0);
	atomic_store(&cpu->kicked, false);
	ck_assert_int_eq(read_pipe(&c), 1);
	ck_assert_int_eq(c, 'x');
}
END_TEST

static void *kick_later(void *arg)
{
	(void)arg;
	nanosleep(&(struct timespec){ 0, 50 * 1000 * 1000 }, NULL);
	vmm_signal_kick_vcpu(cpu);
	return NULL;
}

/* Kicked while the call blocks: -EINTR, and the lock is held again. */
START_TEST(kicked_while_blocked)
{
	pthread_t t;
	char c;

	ck_assert_int_eq(pthread_create(&t, NULL, kick_later, NULL), 0);
	ck_assert_int_eq(read_pipe(&c), -EINTR);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert_int_eq(pthread_mutex_trylock(&vmm.lock), EBUSY);
}
END_TEST

/* Where a handler finds a thread decides whether it moves it. */
START_TEST(window_moved_past)
{
	ucontext_t uc;
	const struct {
		uintptr_t at;
		bool moved;
	} cases[] = {
		{ (uintptr_t)vmm_block_window, true },		/* before the test */
		{ (uintptr_t)vmm_block_window_end, true },	/* at `syscall` */
		{ (uintptr_t)vmm_block_window_end + 2, false },	/* the call ran */
		{ (uintptr_t)vmm_block_window - 1, false },	/* setting up */
		{ (uintptr_t)vmm_block_cancelled, false },
		{ (uintptr_t)read_pipe, false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&uc, 0, sizeof(uc));
		uc.uc_mcontext.gregs[REG_RIP] = (greg_t)cases[i].at;
		vmm_block_interrupt(&uc);
		ck_assert_msg((uintptr_t)uc.uc_mcontext.gregs[REG_RIP] ==
			      (cases[i].moved ? (uintptr_t)vmm_block_cancelled : cases[i].at),
			      "case %zu: rip %#lx", i, (unsigned long)uc.uc_mcontext.gregs[REG_RIP]);
	}
	/* `syscall` is two bytes, right after the window's end label. */
	ck_assert_int_eq((unsigned char)vmm_block_window_end[0], 0x0f);
	ck_assert_int_eq((unsigned char)vmm_block_window_end[1], 0x05);
}
END_TEST

/* Not kicked: the call's own result, data and all. */
START_TEST(not_kicked)
{
	char c = 0;

	ck_assert_int_eq(write(p[1], "y", 1), 1);
	ck_assert_int_eq(read_pipe(&c), 1);
	ck_assert_int_eq(c, 'y');
	ck_assert_int_eq(vmm_block_call(cpu, SYS_read, -1, (long)&c, 1, 0, 0, 0), -EBADF);
}
END_TEST

Suite *suite_block(void)
{
	Suite *s = suite_create("block");
	TCase *tc = tcase_create("kicks");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, kicked_before);
	tcase_add_test(tc, kicked_while_blocked);
	tcase_add_test(tc, window_moved_past);
	tcase_add_test(tc, not_kicked);
	suite_add_tcase(s, tc);
	return s;
}
