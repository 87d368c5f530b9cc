/* SPDX-License-Identifier: MIT */
/*
 * test_load.c - lstar under load and faults: many sandboxes at once, a
 * full file system, exhausted descriptors, a pipe nobody reads, lstar
 * killed in the middle.  Every run ends with its own answer, lstar stays
 * responsive to --timeout and to signals, and nothing is left behind on
 * the host: no process, no descriptor, no file but what the program made.
 *
 * `make check` runs these at a size that fits its time; `make stress`
 * (LSTAR_STRESS=1) runs the sixteen at once many more times.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests.h"

#define JOBS 16

/* How many entries of path have names that start with prefix, or (NULL)
 * that do not start with a dot. */
static int count_entries(const char *path, const char *prefix)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += prefix ? !strncmp(e->d_name, prefix, strlen(prefix)) : e->d_name[0] != '.';
	closedir(d);
	return n;
}

static int count_dir(const char *path)
{
	return count_entries(path, NULL);
}

/* What lstar could leave behind in path: entries named "lstar..." (other
 * programs' may come and go). */
static int count_lstar(const char *path)
{
	return count_entries(path, "lstar");
}

/* What each job must print and how it must end (guest/limits.c `job`). */
static int job_status(int n)
{
	return n % 4 == 3 ? 139 : n % 8 == 5 ? 124 : n % 8;
}

/* The checksum `limits job N` prints, computed here the same way. */
static unsigned long job_sum(int n)
{
	unsigned long sum = 0;

	for (size_t i = 0; i < (256 << 10); i++)
		sum = sum * 131 + (unsigned char)(i * 31 + n * 7);
	return sum;
}


static int open_fds(void)
{
	return count_dir("/proc/self/fd");
}

/*
 * Sixteen sandboxes at once on two cores, each writing and reading a file
 * in a --rw tree of its own, ending in different ways: a status, a
 * crash, a timeout.  Each must end with its own status and output, its
 * tree must hold exactly its own file, and afterwards no child process is
 * left and the test holds no more descriptors than before.
 */
START_TEST(sixteen_at_once)
{
	const char *stress = getenv("LSTAR_STRESS");
	int rounds = stress && *stress == '1' ? 20 : 1;
	char base[] = "/tmp/lstar-load-XXXXXX";
	int fds_before = open_fds(), shm_before = count_lstar("/dev/shm");

	/* Every VMM lstar starts comes here if it outlives lstar. */
	ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	ck_assert_ptr_nonnull(mkdtemp(base));
	for (int round = 0; round < rounds; round++) {
		pid_t pids[JOBS];
		char dirs[JOBS][64];

		for (int n = 0; n < JOBS; n++) {
			char num[16], out[96], err[96], prog[4096];
			const char *argv[] = { lstar_path(), "run", "--rw", dirs[n], "--cwd",
					       dirs[n], "--timeout", "3", "--", prog, "job", num,
					       NULL };

			snprintf(prog, sizeof(prog), "%s",
				 guest_path(n % 2 ? "limits.glibc" : "limits.musl"));
			snprintf(dirs[n], sizeof(dirs[n]), "%s/job%d", base, n);
			ck_assert_int_eq(mkdir(dirs[n], 0755), 0);
			snprintf(num, sizeof(num), "%d", n);
			snprintf(out, sizeof(out), "%s/out%d", base, n);
			snprintf(err, sizeof(err), "%s/err%d", base, n);
			pids[n] = spawn_to_files(argv, out, err);
		}
		for (int n = 0; n < JOBS; n++) {
			char path[96], want[64], *text;
			int status;

			ck_assert_int_eq(waitpid(pids[n], &status, 0), pids[n]);
			ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == job_status(n),
				      "round %d, job %d: wait status 0x%x, want exit %d", round, n,
				      status, job_status(n));
			snprintf(path, sizeof(path), "%s/out%d", base, n);
			ck_assert_ptr_nonnull(text = read_text(path));
			snprintf(want, sizeof(want), "job %d: sum %lx\n", n, job_sum(n));
			ck_assert_msg(!strcmp(text, want), "round %d, job %d printed:\n%s", round,
				      n, text);
			free(text);
			/* The tree holds the job's own file, and only it. */
			ck_assert_int_eq(count_dir(dirs[n]), 1);
			rm_rf(dirs[n]);
		}
	}
	/* Nothing left on the host: no process, descriptor or shared memory. */
	ck_assert_msg(none_left(3000), "lstar's processes outlived it");
	ck_assert_int_eq(open_fds(), fds_before);
	ck_assert_int_eq(count_lstar("/dev/shm"), shm_before);
	rm_rf(base);
}
END_TEST

/* A pipe nobody reads: the program blocks in a write, and --timeout
 * still stops it (124), and SIGTERM sent to lstar still reaches it (its
 * default action: 143), in good time. */
START_TEST(blocked_writer_stays_stoppable)
{
	char base[] = "/tmp/lstar-load-XXXXXX", out[64], err[64];
	const char *argv[] = { lstar_path(), "run", "--timeout", "2", "--",
			       guest_path("limits.musl"), "pipefull", NULL };
	struct timespec t0, t1;
	char *text;
	int status;
	pid_t pid;

	ck_assert_ptr_nonnull(mkdtemp(base));
	snprintf(out, sizeof(out), "%s/out", base);
	snprintf(err, sizeof(err), "%s/err", base);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = spawn_to_files(argv, out, err);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 124, "status 0x%x", status);
	ck_assert_msg(t1.tv_sec - t0.tv_sec < 30, "--timeout 2 took %lds", (long)(t1.tv_sec - t0.tv_sec));
	ck_assert_ptr_nonnull(text = read_text(out));
	ck_assert_str_eq(text, "the pipe holds 65536 bytes; now a blocking write\n");
	free(text);

	/* Without a timeout: SIGTERM once it is blocked. */
	argv[2] = "-v";
	argv[3] = "-v";
	pid = spawn_to_files(argv, out, err);
	for (int i = 0; i < 500; i++) {
		struct timespec ms = { 0, 20 * 1000 * 1000 };

		text = read_text(out);
		if (text && *text) {
			free(text);
			break;
		}
		free(text);
		nanosleep(&ms, NULL);
	}
	nanosleep(&(struct timespec){ 0, 200 * 1000 * 1000 }, NULL);
	kill(pid, SIGTERM);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 128 + SIGTERM,
		      "status 0x%x", status);
	ck_assert_ptr_nonnull(text = read_text(err));
	ck_assert_msg(!strstr(text, "failure"), "%s", text);
	free(text);
	rm_rf(base);
}
END_TEST

/* All descriptors used: dup says EMFILE at the table's end, as Linux
 * says at RLIMIT_NOFILE. */
START_TEST(descriptors_run_out)
{
	const char *const opts[] = { NULL };
	const char *const args[] = { "fds", NULL };
	struct run_result r;

	run_lstar(opts, guest_path("limits.musl"), args, &r);
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, "dup failed with EMFILE; the last descriptor was 1023\n");
	run_result_free(&r);
}
END_TEST

/*
 * A file system that fills up: write says ENOSPC, as natively, and the
 * program goes on (closes and removes its file).  A small tmpfs of our
 * own needs root; without it, this says so and is not run.
 */
START_TEST(file_system_full)
{
	char base[] = "/tmp/lstar-load-XXXXXX", file[96];
	const char *const opts[] = { "--rw", base, NULL };
	const char *const args[] = { "fill", file, NULL };
	const char *const want = "write failed with ENOSPC after some bytes\n"
				 "close: ok\nunlink: ok\n";
	struct run_result r, n;

	ck_assert_ptr_nonnull(mkdtemp(base));
	ck_assert_msg(mount("lstar-test", base, "tmpfs", MS_NOSUID | MS_NODEV, "size=256k") == 0,
		      "mount tmpfs: %s", strerror(errno));
	snprintf(file, sizeof(file), "%s/big", base);
	run_lstar(opts, guest_path("limits.musl"), args, &r);
	ck_assert_msg(r.status == 0 && !strcmp(r.out, want), "status %d\n%s%s", r.status,
		      r.out, r.err);
	{
		const char *argv[] = { guest_path("limits.musl"), "fill", file, NULL };

		run_argv((char *const *)argv, NULL, 60, &n);
	}
	ck_assert_msg(n.status == 0 && !strcmp(n.out, want), "natively: status %d\n%s",
		      n.status, n.out);
	ck_assert_int_eq(count_dir(base), 0);
	run_result_free(&r);
	run_result_free(&n);
	ck_assert_int_eq(umount(base), 0);
	rmdir(base);
}
END_TEST

/*
 * lstar killed outright in the middle of a run: the program's files are
 * what it made, nothing else appears, and no process is left.
 */
START_TEST(killed_in_the_middle)
{
	char base[] = "/tmp/lstar-load-XXXXXX", out[64], err[64];
	const char *argv[] = { lstar_path(), "run", "--rw", base, "--cwd", base, "--",
			       guest_path("limits.musl"), "job", "5", NULL };
	struct timespec ms = { 0, 20 * 1000 * 1000 };
	char *text = NULL;
	int status;
	pid_t pid;

	ck_assert_ptr_nonnull(mkdtemp(base));
	snprintf(out, sizeof(out), "/tmp/lstar-load-out-%d", getpid());
	snprintf(err, sizeof(err), "/tmp/lstar-load-err-%d", getpid());
	pid = spawn_to_files(argv, out, err);
	/* Job 5 writes its file, prints its sum and spins. */
	for (int i = 0; i < 1000 && !(text && *text); i++) {
		free(text);
		nanosleep(&ms, NULL);
		text = read_text(out);
	}
	ck_assert_msg(text && *text, "the job never got going");
	free(text);
	kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	ck_assert_int_eq(count_dir(base), 1);		/* job.data, nothing more */
	ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1);
	unlink(out);
	unlink(err);
	rm_rf(base);
}
END_TEST

Suite *suite_load(void)
{
	Suite *s = suite_create("load");
	TCase *tc = tcase_create("load");
	const char *stress = getenv("LSTAR_STRESS");

	tcase_set_timeout(tc, stress && *stress == '1' ? 1200 : 120);
	tcase_add_test(tc, sixteen_at_once);
	tcase_add_test(tc, blocked_writer_stays_stoppable);
	tcase_add_test(tc, descriptors_run_out);
	tcase_add_test(tc, killed_in_the_middle);
	/* A tmpfs of its own needs root: say so instead of registering. */
	if (geteuid() == 0)
		tcase_add_test(tc, file_system_full);
	else
		printf("lstar tests: 1 load test not run: a full file system needs root\n");
	suite_add_tcase(s, tc);
	return s;
}
