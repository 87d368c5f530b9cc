/* SPDX-License-Identifier: MIT */
/*
 * test_output.c - the files lstar writes itself (--trace=FILE, --learn
 * FILE): never through a link the program planted, never inside a tree
 * the program may write, and never left looking complete when the run
 * was cut short.
 *
 * The links are planted the way a hostile program would: by busybox `ln`
 * running under lstar with --rw, in an earlier run.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests.h"

static char base[64];	/* per test: base/rw (the program's), base/out */
static char rw[80], out[80], victim[96];

static void setup(void)
{
	snprintf(base, sizeof(base), "/tmp/lstar-output-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(base));
	snprintf(rw, sizeof(rw), "%s/rw", base);
	snprintf(out, sizeof(out), "%s/out", base);
	snprintf(victim, sizeof(victim), "%s/victim", out);
	ck_assert_int_eq(mkdir(rw, 0755), 0);
	ck_assert_int_eq(mkdir(out, 0755), 0);
	{
		FILE *f = fopen(victim, "w");

		ck_assert_ptr_nonnull(f);
		fputs("precious\n", f);
		fclose(f);
	}
}

static void teardown(void)
{
	rm_rf(base);
}

/* Run `lstar run OPTS... -- PROG ARGS...` (NULL-terminated lists). */
static void lstar(const char *const opts[], const char *const prog[],
		  struct run_result *r)
{
	const char *argv[32];
	int n = 0;

	argv[n++] = lstar_path();
	argv[n++] = "run";
	for (int i = 0; opts[i]; i++)
		argv[n++] = opts[i];
	argv[n++] = "--";
	for (int i = 0; prog[i]; i++)
		argv[n++] = prog[i];
	argv[n] = NULL;
	run_argv((char *const *)argv, NULL, 60, r);
}

/* The program plants a symbolic link in its --rw tree. */
static void plant(const char *target, const char *name)
{
	char link[160];
	const char *const opts[] = { "--rw", rw, NULL };
	const char *const prog[] = { "/bin/busybox", "ln", "-s", target, link, NULL };
	struct run_result r;

	snprintf(link, sizeof(link), "%s/%s", rw, name);
	lstar(opts, prog, &r);
	ck_assert_msg(r.status == 0, "planting %s: status %d\n%s", link, r.status, r.err);
	run_result_free(&r);
}

static void victim_intact(void)
{
	char *text = read_text(victim);

	ck_assert_ptr_nonnull(text);
	ck_assert_str_eq(text, "precious\n");
	free(text);
}

/* Each way of naming an output file that must be refused, for --trace=
 * and --learn alike; the run must not start (status 125, no output). */
static const struct refusal {
	const char *planted_name, *planted_target;	/* or NULL */
	const char *path;	/* %s: the rw tree */
	bool grant_rw;		/* the run gets --rw on the tree */
	const char *why;
} refusals[] = {
	/* A link where the file should be, pointing outside every tree. */
	{ "trace.log", "../out/victim", "%s/trace.log", false, "symbolic link" },
	/* A link for a directory on the way. */
	{ "sub", "../out", "%s/sub/victim", false, "symbolic link" },
	{ "sub", "../out", "%s/sub/new.log", false, "symbolic link" },
	/* Inside the tree the program writes in this very run. */
	{ NULL, NULL, "%s/trace.log", true, "may write (--rw)" },
	{ NULL, NULL, "%s/../rw/./trace.log", true, "may write (--rw)" },
};

START_TEST(output_refused)
{
	const struct refusal *c = &refusals[_i / 2];
	bool learn = _i % 2;
	char path[256], opt[280];
	const char *opts[6] = { NULL };
	const char *const prog[] = { "/bin/busybox", "echo", "ran", NULL };
	struct run_result r;
	int n = 0;

	if (c->planted_name)
		plant(c->planted_target, c->planted_name);
	snprintf(path, sizeof(path), c->path, rw);
	if (learn) {
		opts[n++] = "--learn";
		opts[n++] = path;
	} else {
		snprintf(opt, sizeof(opt), "--trace=%s", path);
		opts[n++] = opt;
	}
	if (c->grant_rw) {
		opts[n++] = "--rw";
		opts[n++] = rw;
	}
	lstar(opts, prog, &r);
	ck_assert_msg(r.status == 125 && strstr(r.err, c->why) && !r.out[0],
		      "%s %s: status %d\n--- stdout\n%s--- stderr\n%s",
		      learn ? "--learn" : "--trace=", path, r.status, r.out, r.err);
	run_result_free(&r);
	victim_intact();
	snprintf(path, sizeof(path), "%s/new.log", out);
	ck_assert_msg(access(path, F_OK) != 0, "%s was created", path);
	snprintf(path, sizeof(path), "%s/trace.log", rw);
	if (c->grant_rw)
		ck_assert_msg(access(path, F_OK) != 0, "%s was created", path);
}
END_TEST

/* A read-only tree is no one's to change: the output may lie there. */
START_TEST(output_in_read_only_tree)
{
	char opt[160], file[128];
	const char *const opts[] = { "--ro", out, opt, NULL };
	const char *const prog[] = { "/bin/busybox", "echo", "ran", NULL };
	struct run_result r;
	char *trace;

	snprintf(file, sizeof(file), "%s/trace.log", out);
	snprintf(opt, sizeof(opt), "--trace=%s", file);
	lstar(opts, prog, &r);
	ck_assert_msg(r.status == 0, "status %d\n%s", r.status, r.err);
	ck_assert_ptr_nonnull(trace = read_text(file));
	ck_assert_ptr_nonnull(strstr(trace, "+++ exited with 0 +++\n"));
	free(trace);
	run_result_free(&r);
}
END_TEST

/* Is a thread of process pid in host system call nr now (as
 * /proc/PID/task/TID/syscall tells)? */
static bool in_host_call(pid_t pid, long nr)
{
	char path[64];
	struct dirent *e;
	bool in = false;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	if (!(d = opendir(path)))
		return false;
	while (!in && (e = readdir(d))) {
		char file[384], *text;

		if (e->d_name[0] == '.')
			continue;
		snprintf(file, sizeof(file), "%s/%s/syscall", path, e->d_name);
		if ((text = read_text(file)))
			in = strtol(text, NULL, 10) == nr;
		free(text);
	}
	closedir(d);
	return in;
}

/* Start lstar with a program that sleeps, wait until the sleep is under
 * way (the program's nanosleep is the VMM's clock_nanosleep on the host,
 * seen in /proc: the trace shows a forwarded call only when it returns),
 * then send sig; returns lstar's wait status. */
static int cut_short(int sig, const char *trace_file, const char *learn_file)
{
	char opt[160];
	const char *argv[] = { lstar_path(), "run", opt, "--learn", learn_file, "--",
			       "/bin/busybox", "sleep", "30", NULL };
	struct timespec pause = { 0, 20 * 1000 * 1000 };
	int status;
	pid_t pid;

	snprintf(opt, sizeof(opt), "--trace=%s", trace_file);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	for (int i = 0; i < 1000 && !in_host_call(pid, SYS_clock_nanosleep); i++)
		nanosleep(&pause, NULL);
	kill(pid, sig);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return status;
}

static int policy_check(const char *file, struct run_result *r)
{
	const char *argv[] = { lstar_policy_path(), "check", file, NULL };

	run_argv((char *const *)argv, NULL, 60, r);
	return r->status;
}

/* SIGTERM, SIGINT, SIGHUP sent to lstar are the program's: busybox sleep
 * takes their default action and dies of them (128 + N), the trace ends
 * saying so, and the learned policy is whole. */
START_TEST(signal_reaches_program)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP };
	int sig = sigs[_i];
	char trace_file[128], learn_file[128], line[64];
	struct run_result r;
	char *trace, *policy;
	int status;

	snprintf(trace_file, sizeof(trace_file), "%s/trace.log", out);
	snprintf(learn_file, sizeof(learn_file), "%s/learned.policy", out);
	status = cut_short(sig, trace_file, learn_file);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 128 + sig,
		      "lstar's wait status 0x%x", status);
	ck_assert_ptr_nonnull(trace = read_text(trace_file));
	snprintf(line, sizeof(line), "\n+++ killed by SIG%s +++\n", sigabbrev_np(sig));
	ck_assert_msg(strstr(trace, line), "the trace does not end so:\n%s", trace);
	ck_assert_msg(strstr(trace, "nanosleep(") && strstr(trace, "? ERESTART_RESTARTBLOCK"),
		      "the sleep was not interrupted:\n%s", trace);
	ck_assert_ptr_nonnull(policy = read_text(learn_file));
	ck_assert_msg(!strstr(policy, "CUT SHORT"), "%s", policy);
	ck_assert_msg(policy_check(learn_file, &r) == 0, "%s", r.err);
	free(trace);
	free(policy);
	run_result_free(&r);
}
END_TEST

/* SIGKILL: nothing can be written; the learned policy's file still says
 * it is unfinished, and no tool takes it for a policy.  What an earlier
 * run left in the file is gone: the mark is written over its start and
 * the rest cut off (the file is never emptied on the way, which would
 * pass for an empty policy). */
START_TEST(killed_outright)
{
	char trace_file[128], learn_file[128];
	struct run_result r;
	char *trace, *policy;
	int status;

	snprintf(trace_file, sizeof(trace_file), "%s/trace.log", out);
	snprintf(learn_file, sizeof(learn_file), "%s/learned.policy", out);
	write_text(learn_file, "# an earlier run's policy, longer than the mark that replaces it\n"
		   "default allow\n"
		   "# ......................................................................\n");
	status = cut_short(SIGKILL, trace_file, learn_file);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	ck_assert_ptr_nonnull(trace = read_text(trace_file));
	ck_assert_msg(!strstr(trace, "+++"), "a killed lstar ended its trace:\n%s", trace);
	ck_assert_ptr_nonnull(policy = read_text(learn_file));
	ck_assert_msg(policy[0] == '!' && strchr(policy, '\n')[1] == '\0', "%s", policy);
	ck_assert_int_eq(policy_check(learn_file, &r), 1);
	ck_assert_msg(strstr(r.err, ":1:1: error: an unfinished `lstar run --learn` output"),
		      "%s", r.err);
	free(trace);
	free(policy);
	run_result_free(&r);
}
END_TEST

Suite *suite_output(void)
{
	Suite *s = suite_create("output");
	TCase *tc = tcase_create("output");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, output_refused, 0, 2 * (int)(sizeof(refusals) / sizeof(refusals[0])));
	tcase_add_test(tc, output_in_read_only_tree);
	tcase_add_loop_test(tc, signal_reaches_program, 0, 3);
	tcase_add_test(tc, killed_outright);
	suite_add_tcase(s, tc);
	return s;
}
