/* SPDX-License-Identifier: MIT */
/*
 * test_procs.c - programs that start programs: fork, vfork, posix_spawn,
 * execve, wait, signals and groups between processes (guest/procs.c),
 * shells running scripts (busybox sh, bash-static), against the same
 * static programs natively; and what only a sandbox has: `limit
 * processes`, and nothing of the sandbox left on the host once lstar
 * ends, however it ends.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests.h"

static const char *const libcs[] = { "musl", "glibc" };

static const char *procs(int libc)
{
	static char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "procs.%s", libcs[libc]);
	return guest_path(buf);
}

/* The guest programs' directory, granted read-only: execve finds
 * /proc/self/exe's file there, and "/" is a directory above a tree. */
static const char *guest_dir(void)
{
	static char buf[PATH_MAX];

	ck_assert_ptr_nonnull(realpath(guest_path("."), buf));
	return buf;
}

static const char *const modes[] = {
	"pipe", "signaled", "many", "spawn", "exec", "sigchld", "waitid", "rusage", "groups",
	"exec-threads", "tgkill", "masked",
};
#define NMODES ((int)(sizeof(modes) / sizeof(modes[0])))

/* Each mode with each libc: _i is mode * 2 + libc. */
START_TEST(procs_as_native)
{
	const char *const opts[] = { "--ro", guest_dir(), "--timeout", "60", NULL };
	const char *const args[] = { modes[_i / 2], NULL };

	assert_same_as_native_with(opts, procs(_i % 2), args);
}
END_TEST

/* system() and popen() start /bin/sh -c, which --system shows as the
 * host has it (a dynamic dash on Debian): statuses and pipes as native. */
START_TEST(system_and_popen_as_native)
{
	const char *const opts[] = { "--system", "--timeout", "60", NULL };
	const char *const args[] = { "system", NULL };

	assert_same_as_native_with(opts, procs(_i), args);
}
END_TEST

/* Advisory locks between a parent and its child, in a writable tree. */
START_TEST(locks_as_native)
{
	char dir[] = "/tmp/lstar-locks-XXXXXX", file[64];
	const char *const opts[] = { "--rw", dir, "--timeout", "60", NULL };
	const char *const args[] = { "locks", file, NULL };

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/f", dir);
	assert_same_as_native_with(opts, procs(_i), args);
	rm_rf(dir);
}
END_TEST

/* What lstar cannot run it says so, and the caller gets ENOEXEC; a file
 * outside every tree does not exist; a policy may take execve away. */
START_TEST(exec_refused)
{
	char dir[] = "/tmp/lstar-noexec-XXXXXX", pol[64];
	const char *const usr_bin[] = { "--ro", "/usr/bin", NULL };
	const char *const no_exec[] = { "-p", pol, "--ro", "/usr/bin", NULL };
	const char *const dynamic[] = { "run", "/usr/bin/env", NULL };
	const char *const outside[] = { "run", "/usr/bin/busybox", NULL };
	struct run_result r;

	write_policy(dir, pol, sizeof(pol), "use default\ndeny execve execveat\n");
	run_lstar(no_exec, procs(_i), outside, &r);
	ck_assert_msg(r.status == 1 && !strcmp(r.out, "execv /usr/bin/busybox: EPERM\n"),
		      "denied: status %d\n--- stdout\n%s--- stderr\n%s", r.status, r.out, r.err);
	run_result_free(&r);
	rm_rf(dir);

	run_lstar(usr_bin, procs(_i), dynamic, &r);
	ck_assert_msg(r.status == 1 && !strcmp(r.out, "execv /usr/bin/env: ENOENT\n") &&
		      strstr(r.err, "lstar: /usr/bin/env: interpreter /lib") &&
		      strstr(r.err, "outside every tree the program sees"),
		      "dynamic: status %d\n--- stdout\n%s--- stderr\n%s", r.status, r.out, r.err);
	run_result_free(&r);
	run_lstar(NULL, procs(_i), outside, &r);
	ck_assert_msg(r.status == 1 && !strcmp(r.out, "execv /usr/bin/busybox: ENOENT\n"),
		      "outside: status %d\n--- stdout\n%s--- stderr\n%s", r.status, r.out, r.err);
	run_result_free(&r);
}
END_TEST

/*
 * Shell scripts: busybox sh and bash-static, run natively and under lstar
 * with /usr/bin granted (busybox's applets run as /proc/self/exe, bash
 * runs `busybox` found on its default PATH) and a working tree of files.
 */
#define BUSYBOX "/usr/bin/busybox"
#define BASH "/usr/bin/bash-static"

static const char *const scripts[] = {
	/* pipelines and command substitution */
	"echo a | tr a b; x=$(echo hi | tr h H); echo \"$x\"; echo $?",
	"seq 100 | sort -rn | head -3; seq 5 | (while read n; do echo \"n=$n\"; done) | tail -2",
	/* functions, subshells, $?, exit codes */
	"f() { echo \"f $1\"; return 3; }; f one; echo \"status $?\"; (exit 4); echo \"sub $?\";"
	" false || echo or; true && echo and",
	/* background jobs and wait */
	"(sleep 0.2; echo late) & (echo early) & wait; echo \"both done $?\"",
	/* (whether the shell says "Terminated" depends on when the kill
	 * lands, natively too: that stderr goes to a file not compared) */
	"{ sleep 5 & p=$!; kill $p; wait $p; echo \"killed: $?\"; } 2>job.err",
	/* trap, a signal between processes */
	"trap 'echo got USR1' USR1; (kill -USR1 $$); sleep 0.1; echo after",
	/* read loops, here-documents, redirections within the tree */
	"printf '1 a\\n2 b\\n3 c\\n' > list; while read n w; do echo \"$w$n\"; done < list;"
	" cat <<EOF | wc -l\none\ntwo\nEOF\n",
	/* find -exec, xargs with a command */
	"mkdir -p d/e; echo x > d/1.txt; echo y > d/e/2.txt; find d -name '*.txt' | sort;"
	" find d -name '*.txt' -exec cat {} \\; | sort; echo d/1.txt d/e/2.txt | xargs cat",
	/* a build driven by a script: files made, compared, removed */
	"for i in 1 2 3; do echo \"part $i\" > p$i.o; done; cat p*.o > all.out;"
	" cmp -s all.out all.out && echo same; wc -l < all.out; rm p*.o; ls",
};
#define NSCRIPTS ((int)(sizeof(scripts) / sizeof(scripts[0])))

/* Run shell -c script in a fresh working tree, natively or under lstar
 * (a shell gives a background job /dev/null: lstar's own, no grant).
 * busybox is told which applet: sh. */
static void run_script(const char *shell, const char *script, bool boxed, struct run_result *r)
{
	char dir[] = "/tmp/lstar-sh-XXXXXX";
	const char *const opts[] = { "--ro", "/usr/bin", "--rw", dir,
				     "--cwd", dir, "--timeout", "60", NULL };
	bool bb = !strcmp(shell, BUSYBOX);
	const char *const argv[] = { shell, bb ? "sh" : "-c", bb ? "-c" : script,
				     bb ? script : NULL, NULL };

	ck_assert_ptr_nonnull(mkdtemp(dir));
	if (boxed)
		run_lstar(opts, shell, argv + 1, r);
	else
		run_argv_in((char *const *)argv, NULL, 60, dir, NULL, r);
	rm_rf(dir);
}

static void assert_script(const char *shell, const char *script)
{
	struct run_result native, boxed;

	run_script(shell, script, false, &native);
	run_script(shell, script, true, &boxed);
	ck_assert_msg(native.status == boxed.status && !strcmp(native.out, boxed.out) &&
		      !strcmp(native.err, boxed.err),
		      "%s -c '%s': native and lstar differ\n"
		      "native: status %d\n--- stdout\n%s--- stderr\n%s\n"
		      "lstar:  status %d\n--- stdout\n%s--- stderr\n%s\n", shell, script,
		      native.status, native.out, native.err, boxed.status, boxed.out, boxed.err);
	run_result_free(&native);
	run_result_free(&boxed);
}

START_TEST(busybox_sh_scripts)
{
	assert_script(BUSYBOX, scripts[_i]);
}
END_TEST

/* bash runs busybox's applets by name: the default PATH finds it. */
START_TEST(bash_scripts)
{
	char script[2048];

	if (access(BASH, X_OK))
		ck_abort_msg(BASH " is missing: make deps installs bash-static");
	snprintf(script, sizeof(script),
		 "tr() { busybox tr \"$@\"; }; seq() { busybox seq \"$@\"; };"
		 " sort() { busybox sort \"$@\"; }; head() { busybox head \"$@\"; };"
		 " tail() { busybox tail \"$@\"; }; sleep() { busybox sleep \"$@\"; };"
		 " wc() { busybox wc \"$@\"; }; cat() { busybox cat \"$@\"; };"
		 " mkdir() { busybox mkdir \"$@\"; }; find() { busybox find \"$@\"; };"
		 " xargs() { busybox xargs \"$@\"; }; cmp() { busybox cmp \"$@\"; };"
		 " rm() { busybox rm \"$@\"; }; ls() { busybox ls \"$@\"; };"
		 " %s", scripts[_i]);
	assert_script(BASH, script);
}
END_TEST

/* A pipe whose reader is gone: the writer dies of SIGPIPE, as bash's
 * PIPESTATUS shows. */
START_TEST(sigpipe_between_processes)
{
	assert_script(BASH, "busybox yes | busybox head -2; echo \"${PIPESTATUS[@]}\"");
}
END_TEST

/* A `#!/usr/bin/busybox sh` script in the tree, run by name. */
START_TEST(hashbang_script)
{
	assert_script(BUSYBOX, "printf '#!/usr/bin/busybox sh\\necho \"script $1 $0\"\\nexit 6\\n'"
			       " > s.sh; chmod +x s.sh; ./s.sh arg; echo \"status $?\"");
}
END_TEST

/* --trace names each process but the first; --learn hears them all:
 * its policy runs the same pipeline again. */
START_TEST(trace_and_learn_all)
{
	char dir[] = "/tmp/lstar-learn-XXXXXX", pol[64], trace[64], arg[80];
	const char *const learn[] = { "--ro", "/usr/bin", "--learn", pol, arg, NULL };
	const char *const replay[] = { "-p", pol, NULL };
	const char *const args[] = { "sh", "-c",
				     "echo a | tr a b; x=$(/usr/bin/busybox uname -s); echo $x", NULL };
	struct run_result r;
	char *text;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(pol, sizeof(pol), "%s/learned.policy", dir);
	snprintf(trace, sizeof(trace), "%s/trace", dir);
	snprintf(arg, sizeof(arg), "--trace=%s", trace);
	run_lstar(learn, BUSYBOX, args, &r);
	ck_assert_msg(r.status == 0 && !strcmp(r.out, "b\nLinux\n"),
		      "learning: status %d\n--- stdout\n%s--- stderr\n%s", r.status, r.out, r.err);
	run_result_free(&r);
	ck_assert_ptr_nonnull(text = read_text(trace));
	ck_assert_msg(strstr(text, "[pid 3] ") && strstr(text, "[pid 4] ") &&
		      strstr(text, "clone(0x1200011"), "trace:\n%s", text);
	free(text);
	ck_assert_ptr_nonnull(text = read_text(pol));
	ck_assert_msg(strstr(text, "\nallow execve") && strstr(text, "\nallow wait4") &&
		      strstr(text, "\npath ro /usr/bin"), "learned:\n%s", text);
	free(text);
	run_lstar(replay, BUSYBOX, args, &r);
	ck_assert_msg(r.status == 0 && !strcmp(r.out, "b\nLinux\n") && !*r.err,
		      "replay: status %d\n--- stdout\n%s--- stderr\n%s", r.status, r.out, r.err);
	run_result_free(&r);
	rm_rf(dir);
}
END_TEST

/* A fork bomb under `limit processes 8`: fork fails with EAGAIN once 8
 * processes live, and nothing outlives the run. */
START_TEST(fork_bomb_limited)
{
	char dir[] = "/tmp/lstar-bomb-XXXXXX", pol[64];
	const char *const opts[] = { "-p", pol, "--timeout", "60", NULL };
	const char *const args[] = { "bomb", NULL };
	struct run_result r;

	ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	write_policy(dir, pol, sizeof(pol), "use default\nlimit processes 8\n");
	run_lstar(opts, procs(_i), args, &r);
	ck_assert_msg(r.status == 128 + SIGKILL &&
		      !strcmp(r.out, "fork failed with EAGAIN after 7 children\n") && !*r.err,
		      "status %d\n--- stdout\n%s--- stderr\n%s", r.status, r.out, r.err);
	run_result_free(&r);
	rm_rf(dir);
	ck_assert_msg(none_left(3000), "lstar's processes outlived it");
}
END_TEST

/* What ends a run ends every process of it: --timeout (124) with 10
 * processes waiting, and a `kill` rule broken by a child (159, the child
 * named), with nothing left on the host. */
START_TEST(sandbox_ended_by_rules)
{
	char dir[] = "/tmp/lstar-rule-XXXXXX", pol[64];
	const char *const timeout[] = { "--timeout", "2", NULL };
	const char *const killing[] = { "-p", pol, "--timeout", "60", NULL };
	const char *const tree[] = { "tree", "10", NULL };
	const char *const pipe_mode[] = { "pipe", NULL };
	struct run_result r;

	ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	run_lstar(timeout, procs(_i), tree, &r);
	ck_assert_msg(r.status == 124 && !strcmp(r.out, "ready\n") &&
		      strstr(r.err, "timed out after 2 seconds"),
		      "--timeout: status %d\n--- stdout\n%s--- stderr\n%s", r.status, r.out, r.err);
	run_result_free(&r);
	ck_assert_msg(none_left(3000), "--timeout: processes outlived lstar");

	write_policy(dir, pol, sizeof(pol), "use default\nkill getppid\n");
	run_lstar(killing, procs(_i), pipe_mode, &r);
	ck_assert_msg(r.status == 128 + SIGSYS &&
		      strstr(r.err, "(process 3): killed by SIGSYS: the policy kills getppid"),
		      "kill rule: status %d\n--- stdout\n%s--- stderr\n%s", r.status, r.out, r.err);
	run_result_free(&r);
	rm_rf(dir);
	ck_assert_msg(none_left(3000), "kill rule: processes outlived lstar");
}
END_TEST

/* lstar stopped from outside while 20 processes live: SIGTERM is the
 * first process's (143), SIGKILL ends lstar at once; either way every
 * process of the sandbox ends with it. */
START_TEST(tree_stopped_from_outside)
{
	static const int sigs[] = { SIGTERM, SIGKILL };
	char dir[] = "/tmp/lstar-tree-XXXXXX", out[64], err[64];
	const char *argv[] = { lstar_path(), "run", "--", procs(0), "tree", "20", NULL };
	pid_t pid;
	int ws;

	ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(out, sizeof(out), "%s/out", dir);
	snprintf(err, sizeof(err), "%s/err", dir);
	pid = spawn_to_files(argv, out, err);
	ck_assert_msg(wait_for_text(out, "ready\n", 60), "the 20 processes never started");
	kill(pid, sigs[_i]);
	ck_assert_int_eq(waitpid(pid, &ws, 0), pid);
	if (sigs[_i] == SIGTERM)
		ck_assert_msg(WIFEXITED(ws) && WEXITSTATUS(ws) == 143, "SIGTERM: wait status 0x%x", ws);
	else
		ck_assert_msg(WIFSIGNALED(ws) && WTERMSIG(ws) == SIGKILL, "SIGKILL: 0x%x", ws);
	ck_assert_msg(none_left(3000), "processes of the sandbox outlived lstar (%s)",
		      strsignal(sigs[_i]));
	rm_rf(dir);
}
END_TEST

Suite *suite_procs(void)
{
	Suite *s = suite_create("procs");
	TCase *tc = tcase_create("processes");

	tcase_set_timeout(tc, 180);
	tcase_add_loop_test(tc, procs_as_native, 0, NMODES * 2);
	tcase_add_loop_test(tc, system_and_popen_as_native, 0, 2);
	tcase_add_loop_test(tc, locks_as_native, 0, 2);
	tcase_add_loop_test(tc, exec_refused, 0, 2);
	tcase_add_loop_test(tc, busybox_sh_scripts, 0, NSCRIPTS);
	tcase_add_loop_test(tc, bash_scripts, 0, NSCRIPTS);
	tcase_add_test(tc, hashbang_script);
	tcase_add_test(tc, sigpipe_between_processes);
	tcase_add_test(tc, trace_and_learn_all);
	tcase_add_loop_test(tc, fork_bomb_limited, 0, 2);
	tcase_add_loop_test(tc, tree_stopped_from_outside, 0, 2);
	tcase_add_loop_test(tc, sandbox_ended_by_rules, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}
