/* SPDX-License-Identifier: MIT */
/*
 * test_shared.c - memory the sandbox's processes share: System V
 * segments (guest/sysv_shm.c) and shared file mappings
 * (guest/shared_map.c), natively and under lstar, the hostile calls
 * against lstar's limits, the segments' privacy (the host's are not the
 * sandbox's, and one sandbox's are not the next one's), a read-only
 * tree's file, and a file that shrinks under its mapping.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/stat.h>
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

/* A directory of its own for each case, under /tmp. */
static char dir[64];

static void make_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/lstar-shared-XXXXXX");
	ck_assert(mkdtemp(dir));
}

static void remove_dir(void)
{
	rm_rf(dir);
}

/* Writes through the mapping and read(2), write(2) and the mapping, two
 * mappings, msync, a forked child, close, the EACCES and ENODEV cases,
 * SIGBUS past the end of the file. */
START_TEST(map_same_as_native)
{
	const char *const opts[] = { "--rw", dir, NULL };
	const char *const args[] = { dir, NULL };

	assert_same_as_native_with(opts, probe("shared_map", _i), args);
}
END_TEST

/* In --tmp's /dev/shm, where shm_open's files live: every check as
 * natively in a directory (map_same_as_native; the host may have no
 * /dev/shm of its own, as make check-hw's machine has not). */
START_TEST(map_in_dev_shm)
{
	const char *const opts[] = { "--tmp", NULL };
	const char *const args[] = { "/dev/shm", NULL };
	struct run_result r;

	run_lstar(opts, probe("shared_map", _i), args, &r);
	ck_assert_msg(r.status == 0 && !strcmp(r.out, "shared_map: 68 checks, 0 failed\n") && !*r.err,
		      "status %d\n--- stdout\n%s--- stderr\n%s", r.status, r.out, r.err);
	run_result_free(&r);
}
END_TEST

/* execve ends the old program's shared file mappings and attachments:
 * the segment counts none after it, the file keeps what was written. */
START_TEST(map_exec)
{
	const char *const opts[] = { "--rw", dir, NULL };
	const char *const args[] = { dir, "exec", NULL };

	assert_same_as_native_with(opts, probe("shared_map", _i), args);
}
END_TEST

/* Offsets and lengths that overflow, kernel addresses, more than the
 * window, mappings until they run out: clean errnos, and the page
 * tables whole at the end. */
START_TEST(map_hostile)
{
	const char *const opts[] = { "--rw", dir, "--mem", "16M", NULL };
	const char *const args[] = { dir, "hostile", NULL };
	struct run_result r;

	setenv("LSTAR_MM_AUDIT", "1", 1);
	run_lstar(opts, probe("shared_map", _i), args, &r);
	unsetenv("LSTAR_MM_AUDIT");
	ck_assert_msg(r.status == 0 && !strcmp(r.out, "shared_map hostile: 10 checks, 0 failed\n") &&
		      !*r.err, "status %d\n--- stdout\n%s--- stderr\n%s", r.status, r.out, r.err);
	run_result_free(&r);
}
END_TEST

/* A file of a --ro tree: no writable shared mapping of it. */
START_TEST(map_read_only_tree)
{
	const char *const opts[] = { "--ro", dir, NULL };
	const char *const args[] = { dir, "ro", NULL };
	char file[128];
	struct run_result r;

	snprintf(file, sizeof(file), "%s/shared_map.data", dir);
	write_text(file, "the host's\n");
	run_lstar(opts, probe("shared_map", _i), args, &r);
	ck_assert_msg(r.status == 0 && !strcmp(r.out, "shared_map ro: 3 checks, 0 failed\n"),
		      "status %d\n--- stdout\n%s--- stderr\n%s", r.status, r.out, r.err);
	run_result_free(&r);
	ck_assert_str_eq(read_text(file), "the host's\n");
}
END_TEST

/* The file shrinks under the mapping: calls into the lost pages are
 * EFAULT (lstar copies them with a way out), and the touch that follows
 * ends the program with SIGBUS, said on stderr, never lstar's crash. */
START_TEST(map_file_shrinks)
{
	const char *const opts[] = { "--rw", dir, NULL };
	const char *const args[] = { dir, "shrink", NULL };
	struct run_result r;

	run_lstar(opts, probe("shared_map", _i), args, &r);
	ck_assert_msg(r.status == 128 + 7 && !strcmp(r.out, "shared_map shrink: 6 checks, 0 failed\n") &&
		      strstr(r.err, "killed by SIGBUS: a page of a shared file mapping"),
		      "status %d\n--- stdout\n%s--- stderr\n%s", r.status, r.out, r.err);
	run_result_free(&r);
}
END_TEST

Suite *suite_shared(void)
{
	Suite *s = suite_create("shared");
	TCase *tc = tcase_create("sysv");
	TCase *tm = tcase_create("map");

	tcase_set_timeout(tm, 120);
	tcase_add_checked_fixture(tm, make_dir, remove_dir);
	tcase_add_loop_test(tm, map_same_as_native, 0, 2);
	tcase_add_loop_test(tm, map_exec, 0, 2);
	tcase_add_loop_test(tm, map_in_dev_shm, 0, 2);
	tcase_add_loop_test(tm, map_hostile, 0, 2);
	tcase_add_loop_test(tm, map_read_only_tree, 0, 2);
	tcase_add_loop_test(tm, map_file_shrinks, 0, 2);
	suite_add_tcase(s, tm);

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, sysv_same_as_native, 0, 2);
	tcase_add_loop_test(tc, sysv_hostile, 0, 4);
	tcase_add_test(tc, sysv_private_to_the_sandbox);
	suite_add_tcase(s, tc);
	return s;
}
