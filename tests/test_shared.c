/* SPDX-License-Identifier: MIT */
/*
 * test_shared.c - memory the sandbox's processes share: System V
 * segments (guest/sysv_shm.c), natively and under lstar, the hostile
 * calls against lstar's limits, and the segments' privacy (the host's
 * are not the sandbox's, and one sandbox's are not the next one's).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <unistd.h>

#include "tests.h"

static const char *const libcs[] = { "musl", "glibc" };

static const char *probe(const char *name, int libc)
{
	static char buf[256];

	snprintf(buf, sizeof(buf), "%s.%s", name, libcs[libc]);
	return guest_path(buf);
}

/* Segments: make, attach twice, see each other's writes, IPC_STAT and
 * IPC_RMID, keys, SHM_RDONLY, addresses, munmap, a forked child and a
 * shared futex between the two. */
START_TEST(sysv_same_as_native)
{
	assert_same_as_native(probe("sysv_shm", _i), NULL);
}
END_TEST

/* Huge and wrapping sizes, kernel addresses, bad buffers, the table,
 * the attachments and the region exhausted: clean errnos, the page
 * tables whole at the end (LSTAR_MM_AUDIT), with the smallest --mem and
 * the default. */
START_TEST(sysv_hostile)
{
	const char *const small[] = { "--mem", "16M", NULL };
	const char *const args[] = { "hostile", NULL };
	struct run_result r;

	setenv("LSTAR_MM_AUDIT", "1", 1);
	run_lstar(_i < 2 ? small : NULL, probe("sysv_shm", _i % 2), args, &r);
	unsetenv("LSTAR_MM_AUDIT");
	ck_assert_msg(r.status == 0 && strstr(r.out, "sysv_shm hostile: ") &&
		      strstr(r.out, " 0 failed\n") && !*r.err,
		      "status %d\n--- stdout\n%s--- stderr\n%s", r.status, r.out, r.err);
	run_result_free(&r);
}
END_TEST

/* A key the host uses is free in the sandbox, and a segment a sandbox
 * left behind is gone with it: the second run sees none either.  The
 * host's own segment is untouched. */
START_TEST(sysv_private_to_the_sandbox)
{
	key_t key = (key_t)(0x16000000 + (getpid() & 0xffffff));
	char keytext[32];
	const char *const args[] = { "private", keytext, NULL };
	struct shmid_ds ds;
	int host = shmget(key, 8192, IPC_CREAT | IPC_EXCL | 0600);
	char *p;

	ck_assert_int_ge(host, 0);
	p = shmat(host, NULL, 0);
	ck_assert(p != (void *)-1);
	strcpy(p, "the host's");
	snprintf(keytext, sizeof(keytext), "%d", (int)key);
	for (int round = 0; round < 2; round++) {
		struct run_result r;

		run_lstar(NULL, probe("sysv_shm", round), args, &r);
		ck_assert_msg(r.status == 0 && !strcmp(r.out, "sysv_shm private: 2 checks, 0 failed\n"),
			      "round %d: status %d\n--- stdout\n%s--- stderr\n%s", round,
			      r.status, r.out, r.err);
		run_result_free(&r);
	}
	ck_assert_int_eq(shmget(key, 0, 0), host);
	ck_assert_int_eq(shmctl(host, IPC_STAT, &ds), 0);
	ck_assert_uint_eq(ds.shm_segsz, 8192);
	ck_assert_uint_eq(ds.shm_nattch, 1);
	ck_assert_str_eq(p, "the host's");
	shmdt(p);
	shmctl(host, IPC_RMID, NULL);
}
END_TEST

Suite *suite_shared(void)
{
	Suite *s = suite_create("shared");
	TCase *tc = tcase_create("sysv");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, sysv_same_as_native, 0, 2);
	tcase_add_loop_test(tc, sysv_hostile, 0, 4);
	tcase_add_test(tc, sysv_private_to_the_sandbox);
	suite_add_tcase(s, tc);
	return s;
}
