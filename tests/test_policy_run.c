/* SPDX-License-Identifier: MIT */
/*
 * test_policy_run.c - policies enforced on running programs (issue 5,
 * "Tests: Integration" and the shim's half of the evaluator tests).
 *
 * Every policy is written to a file in a fresh directory at test time and
 * given with -p; the programs are guest/policy_sys (makes the calls its
 * arguments name and prints how each ended), guest/policy_vectors (the
 * shim's evaluator, table-driven), guest/policy_table (reaches for the
 * compiled table from ring 3), guest/limits and guest/fs_escape.
 *
 *  1. Each action (allow, deny, deny errno, kill, log) seen by a program,
 *     for a call the shim answers (getppid) and a forwarded one (write,
 *     openat).
 *  2. Argument rules: ==, the register's upper half, masks, `and`, every
 *     comparison; a rule narrowing what a `path` line allowed.
 *  3. The shim's evaluator against the host build of the same evaluator:
 *     hundreds of (rax, args) vectors on getpid under a policy whose every
 *     rule fails it with its own errno.
 *  4. The VMM's evaluator alone: vmm_forward on a hand-built struct vmm
 *     refuses what the policy refuses, whatever a shim forwarded.
 *  5. `path` lines of a policy file: use below the tree, nothing outside,
 *     and every escape of guest/fs_escape refused as with --ro/--rw.
 *  6. The compiled table is out of ring 3's reach.
 *  7. `limit files|memory|time`, and --mem overriding the policy's.
 *  8. A policy that does not compile: 125, FILE:LINE:COL, nothing ran.
 *  9. -p NAME of a stock profile; --ro adds to a -p policy.
 * 10. The default profile: no file system, unnamed calls ENOSYS.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "compile.h"
#include "policy_vectors.h"
#include "tests.h"
#include "vmm.h"

#pragma GCC diagnostic ignored "-Wformat-truncation"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *const libcs[] = { "musl", "glibc" };

static const char *probe(const char *name, int libc)
{
	static char buf[256];

	snprintf(buf, sizeof(buf), "%s.%s", name, libcs[libc]);
	return guest_path(buf);
}

/* --- fixtures: one directory per test ---------------------------------------- */

static void fresh_dir(char *out)
{
	snprintf(out, PATH_MAX, "/tmp/lstar-prun-XXXXXX");
	ck_assert_msg(mkdtemp(out) != NULL, "mkdtemp: %s", strerror(errno));
}

/* dir/name := text; the path in out (PATH_MAX). */
static const char *put_file(char *out, const char *dir, const char *name, const char *text)
{
	snprintf(out, PATH_MAX, "%s/%s", dir, name);
	write_text(out, text);
	return out;
}

/* --- running ------------------------------------------------------------------- */

/*
 * run_p - `lstar run [-p policy] OPTS... -- prog ARGS...`; policy NULL:
 * no -p.  opts and args NULL-terminated (either may be NULL).
 */
static void run_p(const char *policy, const char *const opts[], const char *prog,
		  const char *const args[], struct run_result *r)
{
	const char *all[64];
	int n = 0;

	if (policy) {
		all[n++] = "-p";
		all[n++] = policy;
	}
	for (int i = 0; opts && opts[i]; i++)
		all[n++] = opts[i];
	all[n] = NULL;
	ck_assert_int_lt(n, 64);
	run_lstar(all, prog, args, r);
}

/* The whole of a run, for a failure message. */
#define RUN_FMT "status %d\n--- stdout\n%.1500s--- stderr\n%.1500s"
#define RUN_ARGS(r) (r).status, (r).out, (r).err

/* A run must have ended with status and printed exactly out, and nothing
 * on stderr unless err_ok. */
static void expect_run(const char *what, const struct run_result *r, int status,
		       const char *out, bool err_ok)
{
	ck_assert_msg(r->status == status && !strcmp(r->out, out) && (err_ok || !r->err[0]),
		      "%s: want status %d and stdout\n%s\ngot " RUN_FMT, what, status, out,
		      RUN_ARGS(*r));
}

/* A policy file in dir (text as given); its path in out. */
static const char *policy_file(char *out, const char *dir, const char *name, const char *text)
{
	return put_file(out, dir, name, text);
}

/* Run guest/policy_sys (libc) under the policy text with opts and the
 * calls; the policy file is dir/p.policy. */
static void run_sys(const char *dir, const char *text, const char *const opts[], int libc,
		    const char *const calls[], struct run_result *r)
{
	char pol[PATH_MAX];

	policy_file(pol, dir, "p.policy", text);
	run_p(pol, opts, probe("policy_sys", libc), calls, r);
}

/* --- 1. each action ------------------------------------------------------------ */

/*
 * getppid is answered in the guest; write and openat are forwarded (and
 * decided again by the VMM).  The probe reports with writev, which every
 * policy here allows.
 */
START_TEST(actions_allow_deny)
{
	static const struct {
		const char *policy;
		const char *out;
		bool warns;	/* the compiler warns of an overridden line */
	} cases[] = {
		{ "use default\nallow getppid write\n",
		  "getppid: 1\ndata\nwrite: 5\nopenat: ENOENT\n", false },
		{ "use default\ndeny getppid write openat errno EACCES\n",
		  "getppid: EACCES\nwrite: EACCES\nopenat: EACCES\n", false },
		{ "use default\ndeny getppid write openat\n",
		  "getppid: EPERM\nwrite: EPERM\nopenat: EPERM\n", false },
		/* the last rule wins: deny, then allow again */
		{ "use default\ndeny getppid write errno EACCES\nallow getppid write\n",
		  "getppid: 1\ndata\nwrite: 5\nopenat: ENOENT\n", true },
	};
	const char *const calls[] = { "getppid", "write,1,@buf,5", "openat,-100,@/etc/passwd,0",
				      NULL };
	char dir[PATH_MAX];

	fresh_dir(dir);
	for (size_t i = 0; i < NELEM(cases); i++) {
		struct run_result r;
		char what[256];

		run_sys(dir, cases[i].policy, NULL, _i, calls, &r);
		snprintf(what, sizeof(what), "policy_sys.%s under\n%s", libcs[_i], cases[i].policy);
		expect_run(what, &r, 0, cases[i].out, cases[i].warns);
		ck_assert_msg(!cases[i].warns || (strstr(r.err, "p.policy:3:7: warning: overrides "
							     "line 2") && !strstr(r.err, "error")),
			      "%s: want a warning at 3:7; got\n%s", what, r.err);
		run_result_free(&r);
	}
	rm_rf(dir);
}
END_TEST

/*
 * `kill X`: status 159 at the call, nothing after it ran, and stderr
 * names the call and the rule's FILE:LINE - for a call answered in the
 * guest and for a forwarded one.
 */
START_TEST(actions_kill)
{
	static const struct {
		const char *policy;
		const char *sys;
	} cases[] = {
		{ "use default\n# line 2\nkill getppid\n", "getppid" },
		{ "use default\n# line 2\nkill write\n", "write" },
		{ "use default\n# line 2\nkill openat\n", "openat" },
		/* a call no handler exists for: still the policy's kill */
		{ "use default\n# line 2\nkill ptrace\n", "ptrace" },
	};
	char dir[PATH_MAX], pol[PATH_MAX], want[PATH_MAX + 64];

	fresh_dir(dir);
	for (size_t i = 0; i < NELEM(cases); i++) {
		const char *calls[] = { "getpid", NULL, "getuid", NULL };
		char call[64];
		struct run_result r;

		if (!strcmp(cases[i].sys, "write"))
			snprintf(call, sizeof(call), "write,1,@buf,5");
		else if (!strcmp(cases[i].sys, "openat"))
			snprintf(call, sizeof(call), "openat,-100,@/etc/passwd,0");
		else
			snprintf(call, sizeof(call), "%s", cases[i].sys);
		calls[1] = call;
		run_sys(dir, cases[i].policy, NULL, _i, calls, &r);
		snprintf(pol, sizeof(pol), "%s/p.policy", dir);
		snprintf(want, sizeof(want), "%s:3", pol);
		ck_assert_msg(r.status == 159 && !strcmp(r.out, "getpid: 2\n") &&
			      strstr(r.err, "SIGSYS") && strstr(r.err, cases[i].sys) &&
			      strstr(r.err, want),
			      "kill %s (%s): want status 159, stdout \"getpid: 2\", stderr naming "
			      "%s and %s; got " RUN_FMT, cases[i].sys, libcs[_i], cases[i].sys,
			      want, RUN_ARGS(r));
		run_result_free(&r);
	}
	rm_rf(dir);
}
END_TEST

/* The line of text that starts with prefix (at a line's start), copied
 * into buf; "" if none. */
static const char *line_of(const char *text, const char *prefix, char *buf, size_t len)
{
	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (!strncmp(p, prefix, strlen(prefix))) {
			snprintf(buf, len, "%.*s", (int)strcspn(p, "\n"), p);
			return buf;
		}
	}
	buf[0] = '\0';
	return buf;
}

/* `log X`: the call runs as allowed, and stderr has one line naming it
 * with the rule's FILE:LINE and where it was answered. */
START_TEST(actions_log)
{
	const char *const calls[] = { "getppid", "write,1,@buf,5", NULL };
	char dir[PATH_MAX], pol[PATH_MAX], want[PATH_MAX + 64], line[PATH_MAX + 256];
	struct run_result r;

	fresh_dir(dir);
	run_sys(dir, "use default\nlog getppid\nlog write\n", NULL, _i, calls, &r);
	snprintf(pol, sizeof(pol), "%s/p.policy", dir);
	expect_run("log getppid write", &r, 0, "getppid: 1\ndata\nwrite: 5\n", true);
	snprintf(want, sizeof(want), "getppid() = 1 [logged: %s:2] (guest)", pol);
	ck_assert_msg(!strcmp(line_of(r.err, "getppid(", line, sizeof(line)), want),
		      "log getppid: want the line\n%s\nin\n%s", want, r.err);
	snprintf(want, sizeof(want), " = 5 [logged: %s:3] (vmm)", pol);
	line_of(r.err, "write(1, ", line, sizeof(line));
	ck_assert_msg(strlen(line) > strlen(want) &&
		      !strcmp(line + strlen(line) - strlen(want), want),
		      "log write: want a line write(1, ...%s in\n%s", want, r.err);
	/* the report's writev is allowed, not logged */
	ck_assert_msg(!strstr(r.err, "writev("), "writev was logged:\n%s", r.err);
	run_result_free(&r);
	rm_rf(dir);
}
END_TEST

/* --- 2. argument rules ----------------------------------------------------------- */

/*
 * `default deny` with start-up from compute and the report's writev:
 * write only to fd 1 (an int: its low 32 bits), and the comparisons
 * on getppid and getpid, which the shim answers.
 */
static const char args_policy[] =
	"use compute\n"						/* 1 */
	"default deny\n"					/* 2 */
	"allow writev\n"					/* 3 */
	"allow write if arg0 == 1\n"				/* 4 */
	"deny write errno E2BIG if arg0 == 1 and arg2 > 100\n"	/* 5 */
	"allow getppid if arg0 != 7\n"				/* 6 */
	"deny getppid errno ERANGE if arg0 < 3\n"		/* 7 */
	"deny getppid errno ENOTTY if arg1 >= 2 and arg1 <= 3\n"	/* 8 */
	"allow getpid if arg0 >= 0x100000000\n"			/* 9 */
	"deny getpid errno ESPIPE if (arg0 & 0xf0) == 0x30\n"	/* 10 */
	"deny getppid errno EBUSY if arg0 == 9 and arg1 > 5\n"	/* 11 */
	/* Errnos the shim acts on when a call returns them (SIGPIPE, a
	 * restart): a refusal's are the program's as they are. */
	"deny write errno EPIPE if arg0 == 3\n"			/* 12 */
	"deny write errno 512 if arg0 == 4\n";			/* 13 */

START_TEST(argument_rules)
{
	static const struct {
		const char *call, *out;
	} cases[] = {
		{ "write,1,@buf,5", "data\nwrite: 5\n" },
		{ "write,2,@buf,5", "write: EPERM\n" },
		/* fd 1 in the low half, garbage above: fd 1, as the kernel
		 * reads an int, for the policy and the write alike */
		{ "write,0x100000001,@buf,5", "data\nwrite: 5\n" },
		{ "write,0xffffffff00000001,@buf,5", "data\nwrite: 5\n" },
		{ "write,0x100000002,@buf,5", "write: EPERM\n" },
		{ "write,1,@buf,101", "write: E2BIG\n" },
		{ "write,1,@buf,0xffffffffffffffff", "write: E2BIG\n" },
		{ "write,3,@buf,5", "write: EPIPE\n" },
		{ "write,4,@buf,5", "write: E?\n" },
		{ "getppid,7", "getppid: EPERM\n" },		/* != fails: default */
		{ "getppid,8", "getppid: 1\n" },		/* != */
		{ "getppid,2", "getppid: ERANGE\n" },		/* < */
		{ "getppid,3", "getppid: 1\n" },		/* not < */
		{ "getppid,0", "getppid: ERANGE\n" },
		{ "getppid,8,1", "getppid: 1\n" },		/* >= fails */
		{ "getppid,8,2", "getppid: ENOTTY\n" },		/* >= and <= */
		{ "getppid,8,3", "getppid: ENOTTY\n" },
		{ "getppid,8,4", "getppid: 1\n" },		/* <= fails */
		{ "getppid,2,3", "getppid: ENOTTY\n" },		/* last wins */
		{ "getpid,0x35", "getpid: ESPIPE\n" },		/* mask */
		{ "getpid,0xff35", "getpid: ESPIPE\n" },
		{ "getpid,0x45", "getpid: EPERM\n" },
		{ "getpid,0x100000000", "getpid: 2\n" },	/* >= */
		{ "getpid,0xffffffff", "getpid: EPERM\n" },
		{ "getpid,0x100000035", "getpid: ESPIPE\n" },	/* last wins */
		{ "getppid,9,6", "getppid: EBUSY\n" },		/* == and > */
		{ "getppid,9,5", "getppid: 1\n" },
		{ "getppid,0x109,6", "getppid: 1\n" },
		{ "getppid,9,0xffffffffffffffff", "getppid: EBUSY\n" },
	};
	const char *calls[NELEM(cases) + 1];
	char dir[PATH_MAX], want[4096] = "";
	struct run_result r;

	for (size_t i = 0; i < NELEM(cases); i++) {
		calls[i] = cases[i].call;
		strcat(want, cases[i].out);
	}
	calls[NELEM(cases)] = NULL;
	fresh_dir(dir);
	run_sys(dir, args_policy, NULL, _i, calls, &r);
	expect_run("argument rules", &r, 0, want, false);
	run_result_free(&r);
	rm_rf(dir);
}
END_TEST

/*
 * An errno a rule gives a forwarded call is the program's as it is, also
 * when the call comes back through the shim's way out with work on it:
 * a thread that maps and unmaps pages keeps asking the writer's CPU to
 * flush its TLB.  EPIPE raises no SIGPIPE, 512 (ERESTARTSYS's number)
 * restarts nothing, 517 (lstar fuzz's stop) stops nothing, as with
 * seccomp's errno on Linux.
 */
START_TEST(refusals_on_the_way_out)
{
	static const char policy[] =
		"use compute\n"
		"allow writev\n"
		"deny write errno EPIPE if arg0 == 3\n"
		"deny write errno 512 if arg0 == 4\n"
		"deny write errno 517 if arg0 == 5\n";
	static const char *const calls[] = {
		"churn", "2000*write,3,@buf,5", "500*write,4,@buf,5", "500*write,5,@buf,5", NULL,
	};
	static const char *const lines[] = { "write: EPIPE\n", "write: E?\n", "write: E?\n" };
	static const int counts[] = { 2000, 500, 500 };
	char dir[PATH_MAX], *want = malloc(64 * 3000), *w = want;
	struct run_result r;

	ck_assert_ptr_nonnull(want);
	for (int k = 0; k < 3; k++)
		for (int i = 0; i < counts[k]; i++)
			w = stpcpy(w, lines[k]);
	fresh_dir(dir);
	run_sys(dir, policy, NULL, _i, calls, &r);
	ck_assert_msg(r.status == 0 && !strcmp(r.out, want) && !r.err[0],
		      "2000 writes refused with EPIPE, 500 with 512, 500 with 517: got " RUN_FMT,
		      RUN_ARGS(r));
	run_result_free(&r);
	free(want);
	rm_rf(dir);
}
END_TEST

/*
 * A `path rw` line allows openat unconditionally at its line; a rule
 * after it narrows that to read-only opens.  Without the narrowing the
 * same O_WRONLY open works (so the test can tell).
 */
START_TEST(argument_mask_after_path)
{
	char dir[PATH_MAX], tree[PATH_MAX], f[PATH_MAX], text[3 * PATH_MAX];
	char c_ro[PATH_MAX + 32], c_wo[PATH_MAX + 32], c_rw[PATH_MAX + 32], c_ro8[PATH_MAX + 32];
	const char *const calls[] = { c_ro, c_wo, c_rw, c_ro8, NULL };
	struct run_result r;

	fresh_dir(dir);
	snprintf(tree, sizeof(tree), "%s/tree", dir);
	ck_assert_int_eq(mkdir(tree, 0755), 0);
	put_file(f, tree, "f.txt", "inside\n");
	snprintf(c_ro, sizeof(c_ro), "openat,-100,@%s,0", f);
	snprintf(c_wo, sizeof(c_wo), "openat,-100,@%s,1", f);
	snprintf(c_rw, sizeof(c_rw), "openat,-100,@%s,2", f);
	snprintf(c_ro8, sizeof(c_ro8), "openat,-100,@%s,0x8000", f);	/* O_LARGEFILE */

	snprintf(text, sizeof(text),
		 "use default\n"
		 "path rw %s\n"
		 "deny openat\n"
		 "allow openat if (arg2 & O_ACCMODE) == O_RDONLY\n", tree);
	run_sys(dir, text, NULL, _i, calls, &r);
	expect_run("openat narrowed to O_RDONLY", &r, 0,
		   "openat: 3\nopenat: EPERM\nopenat: EPERM\nopenat: 4\n", false);
	run_result_free(&r);

	snprintf(text, sizeof(text), "use default\npath rw %s\n", tree);
	run_sys(dir, text, NULL, _i, calls, &r);
	expect_run("openat, path rw alone", &r, 0,
		   "openat: 3\nopenat: 4\nopenat: 5\nopenat: 6\n", false);
	run_result_free(&r);
	rm_rf(dir);
}
END_TEST

/*
 * An int argument is judged as it is used: its low 32 bits, which is
 * all the kernel (and lstar's handlers) read of it.  Directory 3 with
 * garbage in the upper half is directory 3, for the policy (which
 * refuses it here) and for the call (which, allowed, acts on it): every
 * *at call, each descriptor argument.
 */
START_TEST(int_arguments_judged_as_used)
{
	static const char *const at_calls[] = {
		"openat,0x100000003,@f,0",
		"newfstatat,0x100000003,@f,@stat,0",
		"statx,0x100000003,@f,0,0x7ff,@stat",
		"faccessat,0x100000003,@f,0",
		"faccessat2,0x100000003,@f,0,0",
		"readlinkat,0x100000003,@l,@buf,100",
		"mkdirat,0x100000003,@m,0755",
		"unlinkat,0x100000003,@m,0x200",
		"fchmodat,0x100000003,@f,0644",
		"utimensat,0x100000003,@f,0,0",
		"symlinkat,@f,0xffffffff00000003,@l2",
		"linkat,0x100000003,@f,0x100000003,@h,0",
		"renameat,0x100000003,@h,0xffffffff00000003,@h2",
		"renameat2,0x100000003,@h2,0x100000003,@h3,0",
		"dup3,0x100000003,0x100000009,0",
		/* and one the shim answers itself */
		"arch_prctl,0x100001003,@buf",
	};
	const char *const refused =
		"openat: EACCES\nnewfstatat: EACCES\nstatx: EACCES\nfaccessat: EACCES\n"
		"faccessat2: EACCES\nreadlinkat: EACCES\nmkdirat: EACCES\nunlinkat: EACCES\n"
		"fchmodat: EACCES\nutimensat: EACCES\nsymlinkat: EACCES\nlinkat: EACCES\n"
		"renameat: EACCES\nrenameat2: EACCES\ndup3: EACCES\narch_prctl: EACCES\n";
	const char *const done =
		"openat: 4\nnewfstatat: 0\nstatx: 0\nfaccessat: 0\nfaccessat2: 0\n"
		"readlinkat: 1\nmkdirat: 0\nunlinkat: 0\nfchmodat: 0\nutimensat: 0\n"
		"symlinkat: 0\nlinkat: 0\nrenameat: 0\nrenameat2: 0\ndup3: 9\n"
		"arch_prctl: 0\n";
	char dir[PATH_MAX], tree[PATH_MAX], f[PATH_MAX], text[3 * PATH_MAX];
	char open_tree[PATH_MAX + 32], want[1024], trace_opt[PATH_MAX + 16], *trace;
	const char *calls[32];
	struct run_result r;
	int n = 0;

	fresh_dir(dir);
	snprintf(tree, sizeof(tree), "%s/tree", dir);
	ck_assert_int_eq(mkdir(tree, 0755), 0);
	put_file(f, tree, "f", "inside\n");
	snprintf(f, sizeof(f), "%s/l", tree);
	ck_assert_int_eq(symlink("f", f), 0);
	/* The tree as directory 3, then every call through it. */
	snprintf(open_tree, sizeof(open_tree), "openat,-100,@%s,0x10000", tree);
	calls[n++] = open_tree;
	for (size_t i = 0; i < NELEM(at_calls); i++)
		calls[n++] = at_calls[i];
	calls[n] = NULL;

	snprintf(text, sizeof(text),
		 "use default\n"
		 "path rw %s\n"
		 "allow dup3\n"
		 "deny openat newfstatat statx faccessat faccessat2 readlinkat mkdirat unlinkat"
		 " fchmodat utimensat renameat renameat2 linkat dup3 errno EACCES if arg0 == 3\n"
		 "deny symlinkat errno EACCES if arg1 == 3\n"
		 "deny arch_prctl errno EACCES if arg0 == ARCH_GET_FS\n", tree);
	run_sys(dir, text, (const char *const[]){ "--cwd", tree, NULL }, _i, calls, &r);
	snprintf(want, sizeof(want), "openat: 3\n%s", refused);
	expect_run("dirfd 3 with garbage above, refused", &r, 0, want, false);
	run_result_free(&r);

	/* Allowed, and traced as used: the trace shows directory 3. */
	snprintf(text, sizeof(text), "use default\npath rw %s\nallow dup3\n", tree);
	snprintf(trace_opt, sizeof(trace_opt), "--trace=%s/trace", dir);
	run_sys(dir, text, (const char *const[]){ "--cwd", tree, trace_opt, NULL }, _i,
		calls, &r);
	snprintf(want, sizeof(want), "openat: 3\n%s", done);
	expect_run("dirfd 3 with garbage above, allowed", &r, 0, want, false);
	run_result_free(&r);
	snprintf(f, sizeof(f), "%s/trace", dir);
	trace = read_text(f);
	ck_assert_ptr_nonnull(trace);
	ck_assert_msg(strstr(trace, "\nopenat(3, \"f\", O_RDONLY) = 4") &&
		      strstr(trace, "\ndup3(3, 9, 0) = 9") &&
		      strstr(trace, "\nsymlinkat(\"f\", 3, \"l2\") = 0") &&
		      !strstr(trace, "0x100000003") && !strstr(trace, "0xffffffff00000003"),
		      "the trace shows an int as the kernel reads it:\n%.3000s", trace);
	free(trace);
	rm_rf(dir);
}
END_TEST

/*
 * A file mapping is decided on the program's own call, in the shim and in
 * the VMM alike, and traced once as the program made it: a rule on the
 * address hint (0 here) cannot see the address the shim chose.
 */
START_TEST(file_mmap_decided_once)
{
	char dir[PATH_MAX], tree[PATH_MAX], f[PATH_MAX], text[3 * PATH_MAX];
	char open_f[PATH_MAX + 32], trace_opt[PATH_MAX + 16], trace_file[PATH_MAX];
	const char *const calls[] = { open_f, "mmap,0,4096,1,2,3,0", "mmap,0,4096,0,2,3,0",
				      "mmap,0x10000000,4096,1,2,3,0", NULL };
	const char *const opts[] = { trace_opt, NULL };
	struct run_result r;
	char *trace, *line;
	int mmaps = 0;

	fresh_dir(dir);
	snprintf(tree, sizeof(tree), "%s/tree", dir);
	ck_assert_int_eq(mkdir(tree, 0755), 0);
	put_file(f, tree, "f", "file contents\n");
	snprintf(open_f, sizeof(open_f), "openat,-100,@%s,0", f);
	snprintf(trace_file, sizeof(trace_file), "%s/trace", dir);
	snprintf(trace_opt, sizeof(trace_opt), "--trace=%s", trace_file);
	snprintf(text, sizeof(text),
		 "use default\n"
		 "path ro %s\n"
		 "deny mmap errno EACCES\n"
		 "allow mmap if arg0 == 0\n", tree);
	run_sys(dir, text, opts, _i, calls, &r);
	/* With a hint of 0: mapped (a file, readable or PROT_NONE); with
	 * another hint: refused, by the same rule in the shim. */
	expect_run("file mmap, hint 0 allowed", &r, 0,
		   "openat: 3\nmmap: ptr\nmmap: ptr\nmmap: EACCES\n", false);
	ck_assert_ptr_nonnull(trace = read_text(trace_file));
	for (line = trace; (line = strstr(line, "\nmmap(")); line++)
		if (strstr(line, ", 3, 0) = ")) {
			mmaps++;
			ck_assert_msg(!strncmp(line, "\nmmap(NULL, 4096, ", strlen("\nmmap(NULL, 4096, ")) ||
				      !strncmp(line, "\nmmap(0x10000000, 4096, ",
					       strlen("\nmmap(0x10000000, 4096, ")),
				      "a file mmap traced with an address the program did not "
				      "pass:\n%.200s", line + 1);
		}
	ck_assert_msg(mmaps == 3, "%d file mmaps traced, want 3:\n%s", mmaps, trace);
	free(trace);
	run_result_free(&r);
	rm_rf(dir);
}
END_TEST

/* --- 3. the shim's evaluator, table-driven ----------------------------------------- */

/*
 * Every rule is on getpid (the shim answers it: 2, whatever the
 * arguments) and, but for two allows, fails it with an errno of its own,
 * so that the result names the rule that decided.  arg5 selects a group
 * of rules; arg0..arg4 are what the group compares.
 */
static const uint64_t bounds[] = {
	0, 1, 2, 0xfffffffe, 0xffffffff, 0x100000000, 0x100000001,
	0x7fffffffffffffff, 0x8000000000000000, 0x8000000000000001,
	0xfffffffffffffffe, 0xffffffffffffffff,
};
static const uint64_t cmp_values[] = { 0, 1, 0x100000000, 0x8000000000000000, UINT64_MAX };
static const char *const cmp_ops[] = { "==", "!=", "<", "<=", ">", ">=" };

#define VEC_ERR_BASE	100	/* group g, rule k: errno VEC_ERR_BASE + ... */

/* The policy as text, in buf; its groups are numbered from 1 in arg5. */
static void vectors_policy(char *buf, size_t len)
{
	size_t n = 0;
	int err = VEC_ERR_BASE, group = 1;

	n += snprintf(buf + n, len - n,
		      "use default\n"
		      "default deny errno 99\n"		/* anything else: 99 */
		      "deny getpid errno 98\n");	/* getpid with no group */
	/* Each comparison at each boundary, on arg0: groups 1..30. */
	for (size_t op = 0; op < NELEM(cmp_ops); op++) {
		for (size_t v = 0; v < NELEM(cmp_values); v++, group++) {
			/* never true (the compiler refuses): skip, keep numbering */
			if ((op == 2 && cmp_values[v] == 0) ||
			    (op == 4 && cmp_values[v] == UINT64_MAX))
				continue;
			n += snprintf(buf + n, len - n,
				      "deny getpid errno %d if arg5 == %d and arg0 %s 0x%llx\n",
				      err++, group, cmp_ops[op], (unsigned long long)cmp_values[v]);
		}
	}
	/* Masks, on arg1 (group 31), arg2 (32), arg3 (33). */
	n += snprintf(buf + n, len - n,
		      "deny getpid errno %d if arg5 == 31 and (arg1 & 0xff00) == 0x1200\n"
		      "deny getpid errno %d if arg5 == 32 and (arg2 & 0xffffffff00000000) == 0x100000000\n"
		      "deny getpid errno %d if arg5 == 33 and (arg3 & 1) != 0\n"
		      "deny getpid errno %d if arg5 == 33 and (arg3 & 0x8000000000000000) > 0\n",
		      err, err + 1, err + 2, err + 3);
	err += 4;
	/* The last match wins (group 34): broad first, narrower later. */
	n += snprintf(buf + n, len - n,
		      "deny getpid errno %d if arg5 == 34\n"
		      "deny getpid errno %d if arg5 == 34 and arg0 > 10\n"
		      "deny getpid errno %d if arg5 == 34 and arg0 > 20\n"
		      "allow getpid if arg5 == 34 and arg0 == 15\n"
		      "deny getpid errno %d if arg5 == 34 and arg0 >= 30 and arg0 <= 40\n"
		      "allow getpid if arg5 == 34 and arg0 == 35\n",
		      err, err + 1, err + 2, err + 3);
	err += 4;
	/* `and` across every argument (group 35). */
	n += snprintf(buf + n, len - n,
		      "deny getpid errno %d if arg5 == 35 and arg0 == 1 and arg1 == 2 and "
		      "arg2 == 3 and arg3 == 4 and arg4 == 5\n"
		      "deny getpid errno %d if arg5 == 35 and arg4 >= 0x8000000000000000\n",
		      err, err + 1);
	err += 2;
	/* The whole arg5 register: a group number with garbage above it. */
	n += snprintf(buf + n, len - n,
		      "deny getpid errno %d if arg5 == 0x100000001\n", err++);
	ck_assert_int_lt(n, len);
}

struct vec {
	uint64_t rax, a[6];
};

static struct vec *vecs;
static size_t nvecs, capvecs;

static void vec_add(uint64_t rax, const uint64_t a[6])
{
	if (nvecs == capvecs) {
		capvecs = capvecs ? capvecs * 2 : 256;
		vecs = realloc(vecs, capvecs * sizeof(*vecs));
		ck_assert_ptr_nonnull(vecs);
	}
	vecs[nvecs].rax = rax;
	memcpy(vecs[nvecs].a, a, sizeof(vecs[nvecs].a));
	nvecs++;
}

static void vectors_build(void)
{
	nvecs = 0;
	/* groups 1..30: every boundary value in arg0 */
	for (uint64_t g = 1; g <= 30; g++)
		for (size_t b = 0; b < NELEM(bounds); b++)
			vec_add(SYS_getpid, (uint64_t[6]){ bounds[b], 0, 0, 0, 0, g });
	/* masks */
	for (size_t b = 0; b < NELEM(bounds); b++) {
		vec_add(SYS_getpid, (uint64_t[6]){ 0, bounds[b], 0, 0, 0, 31 });
		vec_add(SYS_getpid, (uint64_t[6]){ 0, 0, bounds[b], 0, 0, 32 });
		vec_add(SYS_getpid, (uint64_t[6]){ 0, 0, 0, bounds[b], 0, 33 });
	}
	vec_add(SYS_getpid, (uint64_t[6]){ 0, 0x1200, 0, 0, 0, 31 });
	vec_add(SYS_getpid, (uint64_t[6]){ 0, 0xffff12ff, 0, 0, 0, 31 });
	vec_add(SYS_getpid, (uint64_t[6]){ 0, 0x1300, 0, 0, 0, 31 });
	vec_add(SYS_getpid, (uint64_t[6]){ 0, 0, 0x1ffffffff, 0, 0, 32 });
	vec_add(SYS_getpid, (uint64_t[6]){ 0, 0, 0x300000000, 0, 0, 32 });
	/* last match wins */
	for (uint64_t x = 0; x <= 45; x++)
		vec_add(SYS_getpid, (uint64_t[6]){ x, 0, 0, 0, 0, 34 });
	vec_add(SYS_getpid, (uint64_t[6]){ UINT64_MAX, 0, 0, 0, 0, 34 });
	/* and */
	vec_add(SYS_getpid, (uint64_t[6]){ 1, 2, 3, 4, 5, 35 });
	vec_add(SYS_getpid, (uint64_t[6]){ 1, 2, 3, 4, 6, 35 });
	vec_add(SYS_getpid, (uint64_t[6]){ 0, 2, 3, 4, 5, 35 });
	vec_add(SYS_getpid, (uint64_t[6]){ 1, 2, 3, 0x100000004, 5, 35 });
	vec_add(SYS_getpid, (uint64_t[6]){ 1, 2, 3, 4, 0x8000000000000005, 35 });
	vec_add(SYS_getpid, (uint64_t[6]){ 1, 2, 3, 4, 0x7fffffffffffffff, 35 });
	/* the upper half of arg5 */
	vec_add(SYS_getpid, (uint64_t[6]){ 0, 0, 0, 0, 0, 0x100000001 });
	vec_add(SYS_getpid, (uint64_t[6]){ 0, 0, 0, 0, 0, 0x100000000 });
	vec_add(SYS_getpid, (uint64_t[6]){ 0, 0, 0, 0, 0, 1 });
	/* numbers outside the table, and rax with garbage above eax */
	vec_add(600, (uint64_t[6]){ 0 });
	vec_add(512, (uint64_t[6]){ 0 });
	vec_add(511, (uint64_t[6]){ 0 });
	vec_add(UINT64_MAX, (uint64_t[6]){ 0 });
	vec_add(0x80000000, (uint64_t[6]){ 0 });
	vec_add(0x100000000ULL | SYS_getpid, (uint64_t[6]){ 1, 0, 0, 0, 0, 1 });
	vec_add(0xffffffff00000000ULL | SYS_getpid, (uint64_t[6]){ 0, 0, 0, 0, 0, 34 });
	/* other calls the shim answers: the profile's rules, no conditions */
	vec_add(SYS_getppid, (uint64_t[6]){ 0 });
	vec_add(SYS_getuid, (uint64_t[6]){ 0 });
	/* The argument registers of tests/policy_vectors.h, at getpid. */
	for (size_t s = 0; s < POLICY_NVECTOR_SETS; s++)
		for (size_t i = 0; i < policy_vector_sets[s].n; i++)
			vec_add(SYS_getpid, policy_vector_sets[s].v[i].args);
}

/* What the program must get for v under the host build of the
 * evaluator: the call's own answer when allowed, else -errno. */
static int64_t vector_expect(const struct lstar_policy *p, const struct vec *v)
{
	/* The shim takes the number from eax, sign-extended, as Linux does. */
	uint64_t nr = (uint64_t)(int64_t)(int32_t)v->rax;
	struct lstar_policy_verdict vd = lstar_policy_eval(p->table, nr, v->a);

	switch (vd.action) {
	case LSTAR_ACT_ALLOW:
	case LSTAR_ACT_LOG:
		if (nr == SYS_getpid)
			return 2;
		if (nr == SYS_getppid)
			return 1;
		if (nr == SYS_getuid)
			return 1000;
		return -ENOSYS;		/* no handler */
	case LSTAR_ACT_ERRNO:
		return -(int64_t)vd.err;
	default:
		ck_abort_msg("vector policy has a kill rule");
		return 0;
	}
}

START_TEST(shim_evaluator_vectors)
{
	static char text[64 * 1024];
	char dir[PATH_MAX], pol[PATH_MAX], **args, *line;
	struct lstar_policy p;
	struct lstar_policy_input in;
	struct run_result r;
	size_t bad = 0, decided[512] = { 0 }, ndistinct = 0;
	char report[4096] = "";
	size_t rn = 0;

	vectors_policy(text, sizeof(text));
	fresh_dir(dir);
	policy_file(pol, dir, "vectors.policy", text);
	in = (struct lstar_policy_input){ pol, NULL };
	ck_assert_msg(lstar_policy_compile(&in, 1, &p, stderr) == 0,
		      "the vector policy does not compile:\n%s", text);
	vectors_build();

	args = calloc(nvecs + 1, sizeof(*args));
	ck_assert_ptr_nonnull(args);
	for (size_t i = 0; i < nvecs; i++) {
		ck_assert_int_ge(asprintf(&args[i], "%llx,%llx,%llx,%llx,%llx,%llx,%llx",
					  (unsigned long long)vecs[i].rax,
					  (unsigned long long)vecs[i].a[0],
					  (unsigned long long)vecs[i].a[1],
					  (unsigned long long)vecs[i].a[2],
					  (unsigned long long)vecs[i].a[3],
					  (unsigned long long)vecs[i].a[4],
					  (unsigned long long)vecs[i].a[5]), 0);
	}
	{
		/* more arguments than run_lstar takes */
		char **argv = calloc(nvecs + 8, sizeof(*argv));
		int n = 0;

		ck_assert_ptr_nonnull(argv);
		argv[n++] = (char *)lstar_path();
		argv[n++] = "run";
		argv[n++] = "-p";
		argv[n++] = pol;
		argv[n++] = "--";
		argv[n++] = (char *)probe("policy_vectors", _i);
		for (size_t i = 0; i < nvecs; i++)
			argv[n++] = args[i];
		argv[n] = NULL;
		run_argv(argv, NULL, 60, &r);
		free(argv);
	}
	ck_assert_msg(r.status == 0 && !r.err[0], "policy_vectors: " RUN_FMT, RUN_ARGS(r));
	line = r.out;
	for (size_t i = 0; i < nvecs; i++) {
		int64_t want = vector_expect(&p, &vecs[i]), got;
		char *end;

		ck_assert_msg(line && *line, "policy_vectors printed %zu lines for %zu vectors",
			      i, nvecs);
		got = (int64_t)strtoull(line, &end, 16);
		ck_assert_msg(*end == '\n', "policy_vectors: bad line %zu: %.40s", i, line);
		line = end + 1;
		if (want < 0 && want > -512 && !decided[-want]++)
			ndistinct++;
		if (got != want) {
			if (bad++ < 20)
				rn += snprintf(report + rn, sizeof(report) - rn,
					       "rax 0x%llx args 0x%llx 0x%llx 0x%llx 0x%llx "
					       "0x%llx 0x%llx: shim %lld, host %lld\n",
					       (unsigned long long)vecs[i].rax,
					       (unsigned long long)vecs[i].a[0],
					       (unsigned long long)vecs[i].a[1],
					       (unsigned long long)vecs[i].a[2],
					       (unsigned long long)vecs[i].a[3],
					       (unsigned long long)vecs[i].a[4],
					       (unsigned long long)vecs[i].a[5],
					       (long long)got, (long long)want);
		}
	}
	ck_assert_msg(!*line, "policy_vectors printed more lines than vectors");
	ck_assert_msg(bad == 0, "%zu of %zu vectors: the shim and the host evaluator differ\n%s",
		      bad, nvecs, report);
	/* The vectors reach most rules: a table that decided everything
	 * alike would pass the comparison above. */
	ck_assert_msg(ndistinct >= 40, "only %zu distinct rules decided", ndistinct);
	for (size_t i = 0; i < nvecs; i++)
		free(args[i]);
	free(args);
	run_result_free(&r);
	lstar_policy_free(&p);
	rm_rf(dir);
}
END_TEST

/* --- 4. the VMM's evaluator, on its own ------------------------------------------ */

/* Compile text (named "vmm.policy") into *p; fail the test otherwise. */
static void compile_text(const char *text, struct lstar_policy *p)
{
	struct lstar_policy_input in = { "vmm.policy", text };

	ck_assert_msg(lstar_policy_compile(&in, 1, p, stderr) == 0, "does not compile:\n%s",
		      text);
}

/* A VMM with no VM: enough for vmm_forward's policy check and the
 * descriptor table (as test_confine.c builds one). */
static struct vmm *vmm_bare(const struct vmm_options *opt, const struct lstar_policy *p)
{
	struct vmm_options *o = malloc(sizeof(*o));
	struct vmm *vm = malloc(sizeof(*vm));

	ck_assert_ptr_nonnull(o);
	ck_assert_ptr_nonnull(vm);
	*o = *opt;
	o->policy = p;
	vmm_init(vm, o);
	vmm_fd_init(&vm->proc);
	return vm;
}

static void vmm_bare_free(struct vmm *vm)
{
	free((void *)vm->opt);
	free(vm);
}

/* Bytes waiting in the pipe's read end fd (drained). */
static ssize_t pipe_drain(int fd)
{
	char buf[4096];
	ssize_t n, total = 0;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		total += n;
	return total;
}

/*
 * A hypercall names its block; the VMM takes only the calling vCPU's own
 * (another's may be in use by that vCPU), whatever the call.
 */
START_TEST(hypercall_block_is_the_vcpus_own)
{
	struct vmm_options opt = { .program = "guest", .quiet = true };
	struct lstar_policy allow;
	static const uint32_t wrong[] = {
		LSTAR_HC_BLOCK_GPA(1), LSTAR_HC_GPA - LSTAR_PAGE_SIZE, LSTAR_HC_GPA + 8, 0,
		0xffffffff,
	};
	int saved = dup(2), null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	struct vmm *vm;

	/* The refusals' "shim failure" lines are expected here: out of the
	 * log, where check-hw looks for real ones. */
	ck_assert_int_ge(null, 0);
	ck_assert_int_eq(dup2(null, 2), 2);
	compile_text("use default\n", &allow);
	for (size_t i = 0; i < NELEM(wrong); i++) {
		vm = vmm_bare(&opt, &allow);
		vmm_hcall(&vm->vcpu[0], LSTAR_HC_SYSCALL, wrong[i]);
		ck_assert_msg(vm->done && vm->status == 125,
			      "block 0x%x taken from vCPU 0", wrong[i]);
		vmm_bare_free(vm);
	}
	vm = vmm_bare(&opt, &allow);
	vmm_hcall(&vm->vcpu[1], LSTAR_HC_EXIT, LSTAR_HC_BLOCK_GPA(0));
	ck_assert_msg(vm->done && vm->status == 125, "vCPU 0's block taken from vCPU 1");
	vmm_bare_free(vm);
	lstar_policy_free(&allow);
	dup2(saved, 2);
	close(saved);
	close(null);
}
END_TEST

/*
 * The VMM decides again on what the shim forwards: a shim that forwarded
 * a denied write (broken, or taken over by the program) gets the policy's
 * errno back and nothing is written; a kill rule ends the run.  Guest fd
 * 1 is the test's fd 1, here a pipe.
 */
START_TEST(vmm_decides_again)
{
	struct vmm_options opt = { .program = "guest", .quiet = true };
	struct lstar_policy allow, deny, deny_if, kill;
	uint64_t a1[6] = { 1, 0, 0 }, a2[6] = { 2, 0, 0 }, ahi[6] = { 0x100000001, 0, 0 };
	/* a buffer the VMM would have to translate: it must not get that far */
	uint64_t abuf[6] = { 1, 0x400000, 5 };
	int pfd[2], saved = dup(1);
	struct vmm *vm;

	ck_assert_int_eq(pipe2(pfd, O_NONBLOCK | O_CLOEXEC), 0);
	ck_assert_int_eq(dup2(pfd[1], 1), 1);
	compile_text("use default\n", &allow);
	compile_text("use default\ndeny write errno E2BIG\n", &deny);
	compile_text("use default\ndeny write errno E2BIG if arg0 == 1\n", &deny_if);
	compile_text("use default\nkill write\n", &kill);

	/* allowed: a zero-length write reaches the host and returns 0 */
	vm = vmm_bare(&opt, &allow);
	ck_assert_int_eq(vmm_forward(&vm->vcpu[0], SYS_write, a1), 0);
	ck_assert(!vm->done);
	vmm_bare_free(vm);

	vm = vmm_bare(&opt, &deny);
	ck_assert_int_eq(vmm_forward(&vm->vcpu[0], SYS_write, a1), -E2BIG);
	ck_assert_int_eq(vmm_forward(&vm->vcpu[0], SYS_write, abuf), -E2BIG);
	ck_assert_int_eq(vmm_forward(&vm->vcpu[0], SYS_write, a2), -E2BIG);
	ck_assert_int_eq(pipe_drain(pfd[0]), 0);
	ck_assert(!vm->done);
	vmm_bare_free(vm);

	/* on the VMM's own copy of the arguments, the int's 32 bits */
	vm = vmm_bare(&opt, &deny_if);
	ck_assert_int_eq(vmm_forward(&vm->vcpu[0], SYS_write, a1), -E2BIG);
	ck_assert_int_eq(vmm_forward(&vm->vcpu[0], SYS_write, abuf), -E2BIG);
	ck_assert_int_eq(vmm_forward(&vm->vcpu[0], SYS_write, a2), 0);
	ck_assert_int_eq(vmm_forward(&vm->vcpu[0], SYS_write, ahi), -E2BIG);
	ck_assert_int_eq(pipe_drain(pfd[0]), 0);
	vmm_bare_free(vm);

	vm = vmm_bare(&opt, &kill);
	vmm_forward(&vm->vcpu[0], SYS_write, abuf);
	ck_assert_msg(vm->done && vm->status == 159,
		      "kill write in the VMM: done %d, status %d", vm->done, vm->status);
	ck_assert_int_eq(pipe_drain(pfd[0]), 0);
	vmm_bare_free(vm);

	dup2(saved, 1);
	close(saved);
	close(pfd[0]);
	close(pfd[1]);
	lstar_policy_free(&allow);
	lstar_policy_free(&deny);
	lstar_policy_free(&deny_if);
	lstar_policy_free(&kill);
}
END_TEST

/* --- 5. path rules from a policy file --------------------------------------------- */

/*
 * `path ro DIR` with no --ro: below DIR readable, outside ENOENT, writes
 * EROFS; `path rw DIR`: create, rename, unlink.  The canary next to the
 * tree is unchanged.
 */
START_TEST(paths_from_policy)
{
	char dir[PATH_MAX], tree[PATH_MAX], f[PATH_MAX], canary[PATH_MAX], text[2 * PATH_MAX];
	char c[8][PATH_MAX + 64], *s;
	const char *calls[9];
	struct run_result r;
	struct stat st0, st1;

	fresh_dir(dir);
	snprintf(tree, sizeof(tree), "%s/tree", dir);
	ck_assert_int_eq(mkdir(tree, 0755), 0);
	put_file(f, tree, "f.txt", "inside\n");
	put_file(canary, dir, "canary.txt", "canary\n");
	ck_assert_int_eq(stat(canary, &st0), 0);

	/* ro */
	snprintf(c[0], sizeof(c[0]), "openat,-100,@%s,0", f);
	snprintf(c[1], sizeof(c[1]), "read,3,@buf,100");
	snprintf(c[2], sizeof(c[2]), "openat,-100,@%s,0", canary);
	snprintf(c[3], sizeof(c[3]), "openat,-100,@%s/../canary.txt,0", tree);
	snprintf(c[4], sizeof(c[4]), "openat,-100,@%s,1", f);
	snprintf(c[5], sizeof(c[5]), "mkdir,@%s/d,0755", tree);
	snprintf(c[6], sizeof(c[6]), "unlink,@%s", f);
	snprintf(c[7], sizeof(c[7]), "openat,-100,@%s/new.txt,0x41,0644", tree);
	for (int i = 0; i < 8; i++)
		calls[i] = c[i];
	calls[8] = NULL;
	snprintf(text, sizeof(text), "use default\npath ro %s\n", tree);
	run_sys(dir, text, NULL, _i, calls, &r);
	expect_run("path ro", &r, 0,
		   "openat: 3\nread: 7\nopenat: ENOENT\nopenat: ENOENT\nopenat: EROFS\n"
		   "mkdir: EROFS\nunlink: EROFS\nopenat: EROFS\n", false);
	run_result_free(&r);

	/* rw */
	snprintf(c[0], sizeof(c[0]), "openat,-100,@%s/new.txt,0x41,0644", tree);
	snprintf(c[1], sizeof(c[1]), "write,3,@buf,5");
	snprintf(c[2], sizeof(c[2]), "mkdir,@%s/d,0755", tree);
	snprintf(c[3], sizeof(c[3]), "rename,@%s/new.txt,@%s/d/moved.txt", tree, tree);
	snprintf(c[4], sizeof(c[4]), "unlink,@%s", f);
	snprintf(c[5], sizeof(c[5]), "openat,-100,@%s,1", canary);
	snprintf(c[6], sizeof(c[6]), "unlink,@%s", canary);
	snprintf(c[7], sizeof(c[7]), "rename,@%s/d/moved.txt,@%s/stolen.txt", tree, dir);
	snprintf(text, sizeof(text), "use default\npath rw %s\n", tree);
	run_sys(dir, text, NULL, _i, calls, &r);
	expect_run("path rw", &r, 0,
		   "openat: 3\nwrite: 5\nmkdir: 0\nrename: 0\nunlink: 0\nopenat: ENOENT\n"
		   "unlink: ENOENT\nrename: ENOENT\n", false);
	run_result_free(&r);
	snprintf(f, sizeof(f), "%s/d/moved.txt", tree);
	s = read_text(f);
	ck_assert_msg(s && !strcmp(s, "data\n"), "tree/d/moved.txt: %s", s ? s : "(missing)");
	free(s);
	snprintf(f, sizeof(f), "%s/f.txt", tree);
	ck_assert_int_ne(access(f, F_OK), 0);
	s = read_text(canary);
	ck_assert_msg(s && !strcmp(s, "canary\n"), "the canary changed");
	free(s);
	ck_assert_int_eq(stat(canary, &st1), 0);
	ck_assert(st0.st_mtim.tv_sec == st1.st_mtim.tv_sec &&
		  st0.st_mtim.tv_nsec == st1.st_mtim.tv_nsec &&
		  st0.st_ctim.tv_nsec == st1.st_ctim.tv_nsec);
	snprintf(f, sizeof(f), "%s/stolen.txt", dir);
	ck_assert_int_ne(access(f, F_OK), 0);
	rm_rf(dir);
}
END_TEST

/*
 * The layout guest/fs_escape expects (as tests/test_fs.c builds it):
 * ROOT/tree (granted), ROOT/tree2, ROOT/outside/canary.txt and the
 * symlinks in and out of the tree.
 */
static void link_at(const char *dir, const char *name, const char *target)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ck_assert_msg(symlink(target, path) == 0, "symlink %s: %s", path, strerror(errno));
}

static void escape_layout(char *root, const char *suite_canary)
{
	char tree[PATH_MAX], path[PATH_MAX], target[PATH_MAX + 64];

	fresh_dir(root);
	snprintf(tree, sizeof(tree), "%s/tree", root);
	ck_assert_int_eq(mkdir(tree, 0755), 0);
	snprintf(path, sizeof(path), "%s/tree2", root);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/outside", root);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	put_file(path, root, "outside/canary.txt", "outside: must not change\n");
	put_file(path, root, "tree2/t2.txt", "tree two\n");
	put_file(path, tree, "file.txt", "inside\n");
	snprintf(path, sizeof(path), "%s/sub", tree);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	put_file(path, tree, "sub/inner.txt", "inner\n");
	link_at(tree, "abs_passwd", "/etc/passwd");
	snprintf(target, sizeof(target), "%s/outside/canary.txt", root);
	link_at(tree, "abs_canary", target);
	link_at(tree, "abs_suite", suite_canary);
	snprintf(target, sizeof(target), "%s/tree/file.txt", root);
	link_at(tree, "abs_inside", target);
	snprintf(target, sizeof(target), "%s/outside", root);
	link_at(tree, "abs_dir", target);
	link_at(tree, "rel_canary", "../outside/canary.txt");
	link_at(tree, "rel_etc", "../../../../../../../../etc");
	link_at(tree, "rel_dir", "../outside");
	link_at(tree, "sub/deep_out", "../../outside/canary.txt");
	link_at(tree, "sub/ok", "../file.txt");
	link_at(tree, "chain1", "chain2");
	link_at(tree, "chain2", "sub/chain3");
	link_at(tree, "sub/chain3", "../../outside");
	link_at(tree, "chain_in1", "chain_in2");
	link_at(tree, "chain_in2", "file.txt");
	link_at(tree, "dangle_out", "../outside/created.txt");
	snprintf(target, sizeof(target), "%s/outside/created2.txt", root);
	link_at(tree, "dangle_abs", target);
	link_at(tree, "self_loop", "self_loop");
	link_at(tree, "proc_root", "/proc/self/root");
	link_at(tree, "up_root", "..");
	link_at(tree, "dotdot_in_target", "sub/../../outside/canary.txt");
}

/* Run fs_escape MODE ROOT with cwd ROOT/tree, the tree granted by policy
 * (a file with `path ro|rw ROOT/tree`) or on the command line. */
static void escape_run(const char *root, int libc, const char *mode, bool rw, bool by_policy,
		       bool proc, struct run_result *r)
{
	char tree[PATH_MAX], pol[PATH_MAX], text[2 * PATH_MAX];
	const char *args[] = { mode, root, NULL };
	const char *opts[8];
	int n = 0;

	snprintf(tree, sizeof(tree), "%s/tree", root);
	if (by_policy) {
		snprintf(text, sizeof(text), "use default\npath %s %s\n%s", rw ? "rw" : "ro", tree,
			 proc ? "path ro /proc\n" : "");
		snprintf(pol, sizeof(pol), "%s.policy", root);
		write_text(pol, text);
		opts[n++] = "-p";
		opts[n++] = pol;
	} else {
		opts[n++] = rw ? "--rw" : "--ro";
		opts[n++] = tree;
		if (proc) {
			opts[n++] = "--ro";
			opts[n++] = "/proc";
		}
	}
	opts[n++] = "--cwd";
	opts[n++] = tree;
	opts[n] = NULL;
	run_lstar(opts, probe("fs_escape", libc), args, r);
}

/* Lines the escapes must print: checked whatever the command line does. */
static const char *const escape_musts[] = {
	"open ../outside/canary.txt: ENOENT\n",
	"open ROOT/tree/../outside/canary.txt: ENOENT\n",
	"openat(rootfd, ../outside/canary.txt): ENOENT\n",
	"open abs_passwd (-> /etc/passwd): EACCES\n",
	"open abs_canary (-> ROOT/outside/canary.txt): EACCES\n",
	"open abs_suite (-> the suite's canary): EACCES\n",
	"open rel_canary (-> ../outside/canary.txt): EACCES\n",
	"open rel_dir/canary.txt (rel_dir -> ../outside): EACCES\n",
	"open chain1/canary.txt (chain1 -> chain2 -> sub/chain3 -> ../../outside): EACCES\n",
	"open proc_root/etc/passwd (proc_root -> /proc/self/root): EACCES\n",
	"open abs_inside (-> ROOT/tree/file.txt): ok\n",
	"open file.txt O_WRONLY: EROFS\n",
	"unlink file.txt: EROFS\n",
	"open abs_canary O_WRONLY|O_TRUNC: EACCES\n",
	"rename file.txt ../outside/stolen: ENOENT\n",
	"rename file.txt rel_dir/stolen: EACCES\n",
	"open /proc/self/root/etc/passwd: ENOENT\n",
	"open /proc/self/root/etc/passwd: EACCES\n",
};

/* Which of escape_musts each mode prints (the rest it must not). */
static const struct {
	const char *mode;
	bool rw, proc;
	const char *musts;	/* indices into escape_musts, as letters a.. */
} escapes[] = {
	{ "dotdot", false, false, "abc" },
	{ "symlinks", false, false, "defghijk" },
	{ "rofs", false, false, "lm" },
	{ "rw_tricks", true, false, "nop" },
	{ "proc", true, false, "q" },
	{ "proc", true, true, "r" },
};

/*
 * Every trick of guest/fs_escape (".." out, absolute and relative
 * symlinks out, chains, /proc/self/root, writes through them) under a
 * tree a policy file grants: the same answers as under --ro/--rw (whose
 * every line test_fs.c asserts), certain lines exactly, and nothing
 * outside changed.
 */
START_TEST(paths_escapes)
{
	const int mode = _i / 2, libc = _i % 2;
	char root[PATH_MAX], root2[PATH_MAX], base[PATH_MAX], suite_canary[PATH_MAX];
	char path[PATH_MAX], *s;
	struct run_result by_pol, by_cli;

	fresh_dir(base);
	put_file(suite_canary, base, "canary.txt", "the suite's canary\n");
	escape_layout(root, suite_canary);
	escape_layout(root2, suite_canary);
	escape_run(root, libc, escapes[mode].mode, escapes[mode].rw, true, escapes[mode].proc,
		   &by_pol);
	escape_run(root2, libc, escapes[mode].mode, escapes[mode].rw, false, escapes[mode].proc,
		   &by_cli);
	ck_assert_msg(by_pol.status == 0 && !by_pol.err[0] && by_pol.out[0],
		      "fs_escape %s under a policy: " RUN_FMT, escapes[mode].mode,
		      RUN_ARGS(by_pol));
	ck_assert_msg(!strcmp(by_pol.out, by_cli.out),
		      "fs_escape.%s %s: a policy's path line and the command line differ\n"
		      "--- policy\n%.1800s--- command line\n%.1800s", libcs[libc],
		      escapes[mode].mode, by_pol.out, by_cli.out);
	for (const char *m = escapes[mode].musts; *m; m++)
		ck_assert_msg(strstr(by_pol.out, escape_musts[*m - 'a']),
			      "fs_escape.%s %s under a policy: no line\n%s--- got\n%.3000s",
			      libcs[libc], escapes[mode].mode, escape_musts[*m - 'a'], by_pol.out);
	/* Nothing outside changed, in either run. */
	for (int k = 0; k < 2; k++) {
		snprintf(path, sizeof(path), "%s/outside/canary.txt", k ? root2 : root);
		s = read_text(path);
		ck_assert_msg(s && !strcmp(s, "outside: must not change\n"), "%s changed", path);
		free(s);
		snprintf(path, sizeof(path), "%s/outside/created.txt", k ? root2 : root);
		ck_assert_int_ne(access(path, F_OK), 0);
		snprintf(path, sizeof(path), "%s/outside/created2.txt", k ? root2 : root);
		ck_assert_int_ne(access(path, F_OK), 0);
	}
	s = read_text(suite_canary);
	ck_assert_msg(s && !strcmp(s, "the suite's canary\n"), "the suite's canary changed");
	free(s);
	run_result_free(&by_pol);
	run_result_free(&by_cli);
	rm_rf(root);
	rm_rf(root2);
	snprintf(path, sizeof(path), "%s.policy", root);
	unlink(path);
	rm_rf(base);
}
END_TEST


/*
 * A directory of a policy-granted tree moved out while the program holds
 * it: nothing through the descriptor reaches the moved directory.
 */
START_TEST(paths_dir_moved_out)
{
	char root[PATH_MAX], base[PATH_MAX], canary[PATH_MAX], path[PATH_MAX], moved[PATH_MAX];
	char out[PATH_MAX], pol[PATH_MAX], text[2 * PATH_MAX], tree[PATH_MAX], *s;
	int status = 0, i;
	pid_t pid;

	fresh_dir(base);
	put_file(canary, base, "canary.txt", "c\n");
	escape_layout(root, canary);
	snprintf(tree, sizeof(tree), "%s/tree", root);
	snprintf(path, sizeof(path), "%s/sub_m", tree);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	put_file(path, tree, "sub_m/secret.txt", "secret\n");
	snprintf(text, sizeof(text), "use default\npath rw %s\n", tree);
	policy_file(pol, base, "p.policy", text);
	snprintf(out, sizeof(out), "%s/out", base);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int nul = open("/dev/null", O_RDONLY);

		dup2(nul, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		close_range(3, ~0U, 0);
		execl(lstar_path(), lstar_path(), "run", "-p", pol, "--cwd", tree, "--",
		      probe("fs_escape", _i), "moved", root, (char *)NULL);
		_exit(127);
	}
	snprintf(path, sizeof(path), "%s/ready", tree);
	for (i = 0; i < 2000 && access(path, F_OK) < 0; i++)
		usleep(10000);
	snprintf(path, sizeof(path), "%s/sub_m", tree);
	snprintf(moved, sizeof(moved), "%s/outside/sub_m", root);
	ck_assert_int_eq(rename(path, moved), 0);
	snprintf(path, sizeof(path), "%s/go", tree);
	write_text(path, "");
	for (i = 0; i < 3000 && waitpid(pid, &status, WNOHANG) == 0; i++)
		usleep(10000);
	if (i == 3000) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	s = read_text(out);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0 && s &&
		      !strcmp(s, want_dir_moved_out),
		      "fs_escape.%s moved: status 0x%x\n--- output\n%s--- expected\n%s",
		      libcs[_i], status, s ? s : "(none)", want_dir_moved_out);
	free(s);
	snprintf(path, sizeof(path), "%s/secret.txt", moved);
	s = read_text(path);
	ck_assert_msg(s && !strcmp(s, "secret\n"), "secret.txt changed");
	free(s);
	snprintf(path, sizeof(path), "%s/new.txt", moved);
	ck_assert_int_ne(access(path, F_OK), 0);
	snprintf(path, sizeof(path), "%s/m", moved);
	ck_assert_int_ne(access(path, F_OK), 0);
	snprintf(path, sizeof(path), "%s/here.txt", moved);
	ck_assert_int_ne(access(path, F_OK), 0);
	rm_rf(root);
	rm_rf(base);
}
END_TEST

/* --- 6. the table is out of ring 3's reach ------------------------------------------ */

/*
 * vmm/vm.c places the table at the pool's start, past the free-page
 * stack (4 bytes a page) and the page-table counts (2 bytes a page):
 * reached only through the supervisor-only direct map.
 */
START_TEST(table_unreachable)
{
	const uint64_t pool = 64ULL << 20, slots = pool / 4096;
	const uint64_t gpa = LSTAR_POOL_GPA + ((slots * 4 + 4095) & ~4095ULL) +
			     ((slots * 2 + 4095) & ~4095ULL);
	const char *const opts[] = { "--mem", "64M", NULL };
	static const struct {
		const char *mode, *out;
		int status;
	} cases[] = {
		{ "none", "mode none\nalive\n", 0 },
		{ "read", "mode read\n", 139 },
		{ "write", "mode write\n", 139 },
	};
	char addr[32];

	snprintf(addr, sizeof(addr), "%llx", (unsigned long long)(LSTAR_DIRECT_MAP + gpa));
	for (size_t i = 0; i < NELEM(cases); i++) {
		const char *const args[] = { cases[i].mode, addr, NULL };
		struct run_result r;

		run_p(NULL, opts, probe("policy_table", _i), args, &r);
		ck_assert_msg(r.status == cases[i].status && !strcmp(r.out, cases[i].out) &&
			      (cases[i].status == 0 ? !r.err[0] : !!strstr(r.err, "SIGSEGV")),
			      "policy_table %s at 0x%s: want status %d, stdout\n%s\ngot " RUN_FMT,
			      cases[i].mode, addr, cases[i].status, cases[i].out, RUN_ARGS(r));
		run_result_free(&r);
	}
}
END_TEST

/* --- 7. limits ----------------------------------------------------------------------- */

/* `limit files 8`: 0..7, stdin, stdout and stderr counted; without it 8. */
START_TEST(limit_files)
{
	const char *const calls[] = { "6*dup,1", "close,5", "dup,1", "dup,1", NULL };
	char dir[PATH_MAX];
	struct run_result r;

	fresh_dir(dir);
	run_sys(dir, "use default\nlimit files 8\n", NULL, _i, calls, &r);
	expect_run("limit files 8", &r, 0,
		   "dup: 3\ndup: 4\ndup: 5\ndup: 6\ndup: 7\ndup: EMFILE\nclose: 0\ndup: 5\n"
		   "dup: EMFILE\n", false);
	run_result_free(&r);
	run_sys(dir, "use default\n", NULL, _i, calls, &r);
	expect_run("no limit", &r, 0,
		   "dup: 3\ndup: 4\ndup: 5\ndup: 6\ndup: 7\ndup: 8\nclose: 0\ndup: 5\ndup: 9\n",
		   false);
	run_result_free(&r);
	/* getrlimit(RLIMIT_NOFILE) says what the table holds */
	{
		const char *const nofile[] = { "nofile", NULL };
		char pol[PATH_MAX];

		policy_file(pol, dir, "p.policy", "use default\nlimit files 8\n");
		run_p(pol, NULL, probe("limits", _i), nofile, &r);
		expect_run("limit files 8: RLIMIT_NOFILE", &r, 0, "nofile 8 8\n", false);
		run_result_free(&r);
		run_p(NULL, NULL, probe("limits", _i), nofile, &r);
		expect_run("no limit: RLIMIT_NOFILE", &r, 0, "nofile 1024 1024\n", false);
		run_result_free(&r);
	}
	rm_rf(dir);
}
END_TEST

/* `limit memory 32M`: a 64 MiB mapping fails, a 1 MiB one works; --mem
 * on the command line overrides the policy. */
START_TEST(limit_memory)
{
	const char *const calls[] = { "mmap,0,0x4000000,3,0x22,-1,0", "mmap,0,0x100000,3,0x22,-1,0",
				      NULL };
	const char *const more[] = { "--mem", "128M", NULL };
	char dir[PATH_MAX];
	struct run_result r;

	fresh_dir(dir);
	run_sys(dir, "use default\nlimit memory 32M\n", NULL, _i, calls, &r);
	expect_run("limit memory 32M", &r, 0, "mmap: ENOMEM\nmmap: ptr\n", false);
	run_result_free(&r);
	run_sys(dir, "use default\nlimit memory 32M\n", more, _i, calls, &r);
	expect_run("limit memory 32M, --mem 128M", &r, 0, "mmap: ptr\nmmap: ptr\n", false);
	run_result_free(&r);
	rm_rf(dir);
}
END_TEST

/* `limit time 1s` on a program that spins forever: 124 after about 1 s;
 * --timeout overrides it. */
START_TEST(limit_time)
{
	const char *const args[] = { _i ? "sleep" : "spin", NULL };
	const char *const longer[] = { "--timeout", "2", NULL };
	char dir[PATH_MAX], pol[PATH_MAX];
	struct timespec t0, t1;
	struct run_result r;
	double s;

	fresh_dir(dir);
	policy_file(pol, dir, "p.policy", "use default\nlimit time 1s\n");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	run_p(pol, NULL, probe("limits", 0), args, &r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	ck_assert_msg(r.status == 124 && s >= 0.9 && s < 4,
		      "limit time 1s, %s: %.2f s; " RUN_FMT, args[0], s, RUN_ARGS(r));
	run_result_free(&r);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	run_p(pol, longer, probe("limits", 0), args, &r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	ck_assert_msg(r.status == 124 && s >= 1.9 && s < 5,
		      "limit time 1s, --timeout 2, %s: %.2f s; " RUN_FMT, args[0], s, RUN_ARGS(r));
	run_result_free(&r);
	rm_rf(dir);
}
END_TEST

/* Limits out of range or malformed are errors at their line. */
START_TEST(limit_errors)
{
	static const char *const bad[] = {
		"limit files 2", "limit files 1025", "limit files 0", "limit files -1",
		"limit files many", "limit memory 1K", "limit memory 15M", "limit memory 65G",
		"limit memory 32Q", "limit memory", "limit time 0s", "limit time -1s",
		"limit time 2000000000s", "limit time soon", "limit speed 1", "limit",
		"limit files 8 9",
	};
	char dir[PATH_MAX], pol[PATH_MAX], text[256], want[PATH_MAX + 16];
	const char *const calls[] = { "getppid", NULL };

	fresh_dir(dir);
	for (size_t i = 0; i < NELEM(bad); i++) {
		struct run_result r;

		snprintf(text, sizeof(text), "use default\n%s\n", bad[i]);
		run_sys(dir, text, NULL, 0, calls, &r);
		snprintf(pol, sizeof(pol), "%s/p.policy", dir);
		snprintf(want, sizeof(want), "%s:2:", pol);
		ck_assert_msg(r.status == 125 && !r.out[0] && strstr(r.err, want) &&
			      strstr(r.err, "error"),
			      "'%s' must not compile (want status 125, an error at %s); got "
			      RUN_FMT, bad[i], want, RUN_ARGS(r));
		run_result_free(&r);
	}
	rm_rf(dir);
}
END_TEST

/* --- 8. a policy that does not compile --------------------------------------------- */

/*
 * lstar exits 125, prints each error as FILE:LINE:COL, and does not run
 * the program: the file it would have made in its --rw tree is absent.
 */
START_TEST(policy_does_not_compile)
{
	static const char text[] =
		"use default\n"				/* 1 */
		"allow getppid\n"			/* 2 */
		"allow bogus_call\n"			/* 3: col 7 */
		"deny write errno ENOTANERRNO\n"	/* 4: col 18 */
		"allow write if arg9 == 1\n";		/* 5: col 16 */
	char dir[PATH_MAX], tree[PATH_MAX], pol[PATH_MAX], made[PATH_MAX], want[PATH_MAX + 32];
	char call[PATH_MAX + 32];
	const char *const calls[] = { call, "getppid", NULL };
	const char *opts[] = { "--rw", tree, NULL };
	struct run_result r;
	static const char *const at[] = { ":3:7:", ":4:18:", ":5:16:" };

	fresh_dir(dir);
	snprintf(tree, sizeof(tree), "%s/tree", dir);
	ck_assert_int_eq(mkdir(tree, 0755), 0);
	snprintf(made, sizeof(made), "%s/made", tree);
	snprintf(call, sizeof(call), "mkdir,@%s,0755", made);
	/* the same run works with a policy that compiles */
	run_sys(dir, "use default\n", opts, _i, calls, &r);
	expect_run("the good policy", &r, 0, "mkdir: 0\ngetppid: 1\n", false);
	run_result_free(&r);
	ck_assert_int_eq(rmdir(made), 0);

	run_sys(dir, text, opts, _i, calls, &r);
	snprintf(pol, sizeof(pol), "%s/p.policy", dir);
	ck_assert_msg(r.status == 125 && !r.out[0], "a bad policy: " RUN_FMT, RUN_ARGS(r));
	for (size_t i = 0; i < NELEM(at); i++) {
		snprintf(want, sizeof(want), "%s%s error", pol, at[i]);
		ck_assert_msg(strstr(r.err, want), "no \"%s\" in\n%s", want, r.err);
	}
	ck_assert_msg(access(made, F_OK) != 0, "the program ran: %s exists", made);
	run_result_free(&r);
	rm_rf(dir);
}
END_TEST

/* --- 9. stock profiles by name; the command line adds to -p ------------------------ */

START_TEST(stock_profiles)
{
	const char *const calls[] = { "getppid", "write,1,@buf,5", "socket,2,1,0",
				      "openat,-100,@/etc/passwd,0", NULL };
	char dir[PATH_MAX], tree[PATH_MAX], f[PATH_MAX], call[PATH_MAX + 32];
	const char *const one[] = { call, NULL };
	const char *const ro[] = { "--ro", tree, NULL };
	struct run_result none, dflt, r;

	run_p(NULL, NULL, probe("policy_sys", _i), calls, &none);
	run_p("default", NULL, probe("policy_sys", _i), calls, &dflt);
	expect_run("no -p", &none, 0, "getppid: 1\ndata\nwrite: 5\nsocket: EAFNOSUPPORT\n"
		   "openat: ENOENT\n",
		   false);
	expect_run("-p default", &dflt, 0, none.out, false);
	run_result_free(&none);
	run_result_free(&dflt);

	/* compute: the probe's write and its report (writev) fail ENOSYS;
	 * -v shows them, with the profile's line */
	{
		const char *const v[] = { "-p", "compute", "-v", NULL };

		run_lstar(v, probe("policy_sys", _i), calls, &r);
		ck_assert_msg(r.status == 0 && !r.out[0] && strstr(r.err, "write(1") &&
			      strstr(r.err, "= -ENOSYS [denied: compute:") &&
			      strstr(r.err, "writev(1"),
			      "-p compute: write and writev must fail ENOSYS; " RUN_FMT,
			      RUN_ARGS(r));
		run_result_free(&r);
	}

	/* --ro adds a tree to -p default, -p FILE, and -p compute */
	fresh_dir(dir);
	snprintf(tree, sizeof(tree), "%s/tree", dir);
	ck_assert_int_eq(mkdir(tree, 0755), 0);
	put_file(f, tree, "f.txt", "inside\n");
	snprintf(call, sizeof(call), "openat,-100,@%s,0", f);
	run_p("default", ro, probe("policy_sys", _i), one, &r);
	expect_run("-p default --ro", &r, 0, "openat: 3\n", false);
	run_result_free(&r);
	run_p("default", NULL, probe("policy_sys", _i), one, &r);
	expect_run("-p default", &r, 0, "openat: ENOENT\n", false);
	run_result_free(&r);
	{
		char pol[PATH_MAX];

		policy_file(pol, dir, "p.policy", "use default\ndeny getppid\n");
		run_p(pol, ro, probe("policy_sys", _i), one, &r);
		expect_run("-p FILE --ro", &r, 0, "openat: 3\n", false);
		run_result_free(&r);
	}
	/* -p compute --ro: the tree's openat is allowed (-v is silent on
	 * it), without --ro it fails ENOSYS */
	{
		const char *const v_ro[] = { "-p", "compute", "--ro", tree, "-v", NULL };
		const char *const v[] = { "-p", "compute", "-v", NULL };

		run_lstar(v_ro, probe("policy_sys", _i), one, &r);
		ck_assert_msg(r.status == 0 && !r.out[0] && !strstr(r.err, "openat(") &&
			      strstr(r.err, "writev("),
			      "-p compute --ro: openat must be allowed; " RUN_FMT, RUN_ARGS(r));
		run_result_free(&r);
		run_lstar(v, probe("policy_sys", _i), one, &r);
		ck_assert_msg(r.status == 0 && strstr(r.err, "openat(") &&
			      strstr(r.err, "= -ENOSYS [denied: compute:"),
			      "-p compute: openat must fail ENOSYS; " RUN_FMT, RUN_ARGS(r));
		run_result_free(&r);
	}
	rm_rf(dir);
}
END_TEST

/*
 * --net adds a `net` line after -p's policy: the socket calls it implies
 * leave the guest (the VMM then judges the address), where -p compute
 * alone refuses them.  (-v shows refusals; the probe's own report, a
 * writev, is refused under compute either way, which shows -v spoke.)
 */
START_TEST(net_option)
{
	const char *const calls[] = { "socket,2,1,0", NULL };
	const char *const with[] = { "-p", "compute", "-v", "--net", "connect 127.0.0.1:9/tcp", NULL };
	const char *const without[] = { "-p", "compute", "-v", NULL };
	struct run_result r;

	run_lstar(without, probe("policy_sys", _i), calls, &r);
	ck_assert_msg(r.status == 0 && strstr(r.err, "socket(AF_INET, SOCK_STREAM, 0) = -ENOSYS "
					      "[denied: compute:") && strstr(r.err, "writev("),
		      "-p compute: socket must be refused; " RUN_FMT, RUN_ARGS(r));
	run_result_free(&r);
	run_lstar(with, probe("policy_sys", _i), calls, &r);
	ck_assert_msg(r.status == 0 && !strstr(r.err, "socket(AF_INET, SOCK_STREAM, 0) = -ENOSYS "
					       "[denied") && strstr(r.err, "writev("),
		      "-p compute --net: socket must leave the guest; " RUN_FMT, RUN_ARGS(r));
	run_result_free(&r);
}
END_TEST

/*
 * A `path` line never undoes an explicit rule: `deny unlink` holds in a
 * writable tree even when --ro grants another tree afterwards (whose
 * implied allows name unlink too).
 */
START_TEST(paths_keep_denials)
{
	char dir[PATH_MAX], out[PATH_MAX], in[PATH_MAX], f[PATH_MAX], text[3 * PATH_MAX];
	char call[PATH_MAX + 16];
	const char *const calls[] = { call, NULL };
	const char *const ro[] = { "--ro", in, NULL };
	struct run_result r;
	struct stat st;

	fresh_dir(dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	snprintf(in, sizeof(in), "%s/in", dir);
	ck_assert_int_eq(mkdir(out, 0755), 0);
	ck_assert_int_eq(mkdir(in, 0755), 0);
	put_file(f, out, "precious", "keep me\n");
	snprintf(call, sizeof(call), "unlink,@%s", f);
	snprintf(text, sizeof(text), "use default\npath rw %s\ndeny unlink unlinkat\n", out);
	run_sys(dir, text, NULL, _i, calls, &r);
	expect_run("deny unlink", &r, 0, "unlink: EPERM\n", false);
	run_result_free(&r);
	run_sys(dir, text, ro, _i, calls, &r);
	expect_run("deny unlink, then --ro elsewhere", &r, 0, "unlink: EPERM\n", false);
	run_result_free(&r);
	ck_assert_msg(stat(f, &st) == 0, "the file was removed");
	/* the control: without the deny the same call removes it */
	snprintf(text, sizeof(text), "use default\npath rw %s\n", out);
	run_sys(dir, text, ro, _i, calls, &r);
	expect_run("no deny", &r, 0, "unlink: 0\n", false);
	run_result_free(&r);
	ck_assert_msg(stat(f, &st) < 0, "the control run did not remove the file");
	rm_rf(dir);
}
END_TEST

/*
 * A policy's path is taken literally: a symlink in it (one an earlier
 * run could have planted in a tree it could write) is refused before the
 * program runs, not followed to wherever it points.
 */
START_TEST(paths_no_symlinks)
{
	char dir[PATH_MAX], link[PATH_MAX], text[2 * PATH_MAX], pol[PATH_MAX];
	const char *const calls[] = { "openat,-100,@/etc/hostname,0", NULL };
	struct run_result r;

	fresh_dir(dir);
	snprintf(link, sizeof(link), "%s/data", dir);
	ck_assert_int_eq(symlink("/etc", link), 0);
	snprintf(text, sizeof(text), "use default\npath ro %s\n", link);
	policy_file(pol, dir, "p.policy", text);
	run_p(pol, NULL, probe("policy_sys", _i), calls, &r);
	ck_assert_msg(r.status == 125 && !r.out[0] &&
		      strstr(r.err, "p.policy:2: path ro ") &&
		      strstr(r.err, "a component is a symlink"),
		      "a symlinked policy path: " RUN_FMT, RUN_ARGS(r));
	run_result_free(&r);
	rm_rf(dir);
}
END_TEST

/* The README's walk-through: examples/hello.policy runs examples/hello,
 * and kills a program that needs more (glibc's start-up calls rseq). */
START_TEST(example_hello)
{
	char pol[PATH_MAX], hello[PATH_MAX];
	const char *const args[] = { "world", NULL };
	const char *const popts[] = { "-p", pol, NULL };
	struct run_result r;

	snprintf(pol, sizeof(pol), "%s", source_path("examples/hello.policy"));
	snprintf(hello, sizeof(hello), "%s", guest_path("../examples/hello"));
	run_lstar(popts, hello, args, &r);
	const char *want = "hello, world\nI am pid 2, uid 1000, on Linux ";

	ck_assert_msg(r.status == 0 && !strncmp(r.out, want, strlen(want)) && !r.err[0],
		      "hello under its policy: " RUN_FMT, RUN_ARGS(r));
	run_result_free(&r);
	run_lstar(popts, guest_path("args.glibc"), args, &r);
	ck_assert_msg(r.status == 159 && !r.out[0] &&
		      strstr(r.err, "killed by SIGSYS: the policy kills rseq (") &&
		      strstr(r.err, "hello.policy:8)"),
		      "a glibc program under hello.policy: " RUN_FMT, RUN_ARGS(r));
	run_result_free(&r);
}
END_TEST

/* --- 10. the default profile ----------------------------------------------------------- */

START_TEST(default_profile)
{
	char dir[PATH_MAX], f[PATH_MAX], c1[PATH_MAX + 32], c2[PATH_MAX + 32], c3[PATH_MAX + 32];
	const char *const calls[] = { c1, c2, c3, "socket,2,1,0", "ptrace,0,0,0,0",
				      "getppid", "getuid", "uname,@buf", NULL };
	struct run_result r;

	fresh_dir(dir);
	put_file(f, dir, "f.txt", "x\n");
	snprintf(c1, sizeof(c1), "openat,-100,@%s,0", f);
	snprintf(c2, sizeof(c2), "mkdir,@%s/d,0755", dir);
	snprintf(c3, sizeof(c3), "unlink,@%s", f);
	run_p(NULL, NULL, probe("policy_sys", _i), calls, &r);
	expect_run("the default profile", &r, 0,
		   "openat: ENOENT\nmkdir: ENOENT\nunlink: ENOENT\nsocket: EAFNOSUPPORT\n"
		   "ptrace: ENOSYS\ngetppid: 1\ngetuid: 1000\nuname: 0\n", false);
	run_result_free(&r);
	ck_assert_int_eq(access(f, F_OK), 0);
	snprintf(f, sizeof(f), "%s/d", dir);
	ck_assert_int_ne(access(f, F_OK), 0);
	rm_rf(dir);
}
END_TEST

/*
 * A program that dies of a fault just after a refusal is told which call
 * was refused and by what rule (or that lstar lacks it) in its report
 * line; one that dies long after, or with nothing refused, is not.
 */
START_TEST(refusal_named_at_death)
{
	static const struct {
		const char *policy;
		const char *calls[4];
		const char *note;	/* after the policy file's path; NULL: none */
	} cases[] = {
		{ "use default\ndeny uname\n", { "uname,@buf", "crash" },
		  ":2)" },
		/* A call the policy allows and lstar lacks. */
		{ "use default\nallow ptrace\n", { "ptrace,0,0,0,0", "crash" },
		  "ptrace failed with ENOSYS just before: lstar does not implement it" },
		/* Refused, then 12 reports (writev) heard of: long ago. */
		{ "use default\ndeny uname\n", { "uname,@buf", "12*getppid", "crash" }, NULL },
		{ "use default\n", { "getppid", "crash" }, NULL },
	};
	char dir[PATH_MAX], pol[PATH_MAX], want[PATH_MAX + 128];
	struct run_result r;

	fresh_dir(dir);
	for (size_t i = 0; i < NELEM(cases); i++) {
		run_sys(dir, cases[i].policy, NULL, _i, cases[i].calls, &r);
		snprintf(pol, sizeof(pol), "%s/p.policy", dir);
		if (cases[i].note && cases[i].note[0] == ':')
			snprintf(want, sizeof(want), "; the policy refused uname just before (%s%s\n",
				 pol, cases[i].note);
		else if (cases[i].note)
			snprintf(want, sizeof(want), "; %s\n", cases[i].note);
		ck_assert_msg(r.status == 139 && strstr(r.err, "killed by SIGSEGV: page fault"),
			      "case %zu: want a SIGSEGV report; got " RUN_FMT, i, RUN_ARGS(r));
		ck_assert_msg(cases[i].note ? strstr(r.err, want) != NULL :
			      !strstr(r.err, "refused") && !strstr(r.err, "ENOSYS just"),
			      "case %zu (%s): want %s; got " RUN_FMT, i, libcs[_i],
			      cases[i].note ? want : "no note", RUN_ARGS(r));
		run_result_free(&r);
	}

	/* The case the note is for: libc's start-up or exit refused. */
	policy_file(pol, dir, "p.policy", "default deny\nuse stdio\n");
	run_p(pol, NULL, probe("args", _i), NULL, &r);
	snprintf(want, sizeof(want), "; the policy refused %s just before (%s:1)\n",
		 _i == 0 ? "arch_prctl" : "exit_group", pol);
	ck_assert_msg(r.status == 139 && strstr(r.err, want),
		      "args.%s under default deny + stdio: want %s; got " RUN_FMT, libcs[_i],
		      want, RUN_ARGS(r));
	run_result_free(&r);
	rm_rf(dir);
}
END_TEST

Suite *suite_policy_run(void)
{
	Suite *s = suite_create("policy_run");
	TCase *act = tcase_create("actions");
	TCase *eval = tcase_create("evaluators");
	TCase *paths = tcase_create("paths");
	TCase *lim = tcase_create("limits");
	TCase *cli = tcase_create("profiles");

	tcase_set_timeout(act, 60);
	tcase_add_loop_test(act, actions_allow_deny, 0, 2);
	tcase_add_loop_test(act, actions_kill, 0, 2);
	tcase_add_loop_test(act, actions_log, 0, 2);
	tcase_add_loop_test(act, argument_rules, 0, 2);
	tcase_add_loop_test(act, refusals_on_the_way_out, 0, 2);
	tcase_add_loop_test(act, argument_mask_after_path, 0, 2);
	tcase_add_loop_test(act, int_arguments_judged_as_used, 0, 2);
	tcase_add_loop_test(act, file_mmap_decided_once, 0, 2);
	suite_add_tcase(s, act);

	tcase_set_timeout(eval, 60);
	tcase_add_loop_test(eval, shim_evaluator_vectors, 0, 2);
	tcase_add_test(eval, vmm_decides_again);
	tcase_add_test(eval, hypercall_block_is_the_vcpus_own);
	tcase_add_loop_test(eval, table_unreachable, 0, 2);
	suite_add_tcase(s, eval);

	tcase_set_timeout(paths, 60);
	tcase_add_loop_test(paths, paths_from_policy, 0, 2);
	tcase_add_loop_test(paths, paths_escapes, 0, 2 * (int)NELEM(escapes));
	tcase_add_loop_test(paths, paths_dir_moved_out, 0, 2);
	tcase_add_loop_test(paths, paths_keep_denials, 0, 2);
	tcase_add_loop_test(paths, paths_no_symlinks, 0, 2);
	suite_add_tcase(s, paths);

	tcase_set_timeout(lim, 60);
	tcase_add_loop_test(lim, limit_files, 0, 2);
	tcase_add_loop_test(lim, limit_memory, 0, 2);
	tcase_add_loop_test(lim, limit_time, 0, 2);
	tcase_add_test(lim, limit_errors);
	suite_add_tcase(s, lim);

	tcase_set_timeout(cli, 60);
	tcase_add_loop_test(cli, policy_does_not_compile, 0, 2);
	tcase_add_loop_test(cli, stock_profiles, 0, 2);
	tcase_add_loop_test(cli, net_option, 0, 2);
	tcase_add_test(cli, example_hello);
	tcase_add_loop_test(cli, default_profile, 0, 2);
	tcase_add_loop_test(cli, refusal_named_at_death, 0, 2);
	suite_add_tcase(s, cli);
	return s;
}
