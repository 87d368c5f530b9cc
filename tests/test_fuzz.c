/* SPDX-License-Identifier: MIT */
/*
 * test_fuzz.c - lstar fuzz: executions from one snapshot must each be the
 * program's run on that input alone.  A corpus run under lstar is
 * compared with the same program run natively once per input (its
 * output, and how each ended); the inputs are chosen to leave behind
 * what a bad reset would show (a counter, a descriptor, mappings, heap,
 * stack).  Then what only fuzzing has: timeouts, crashes saved, the
 * refusals, and afl-fuzz's own tools and fork server driving lstar.
 */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests.h"

static const char *const libcs[] = { "musl", "glibc" };

static const char *target(int libc)
{
	static char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "fuzz_target.%s", libcs[libc]);
	return guest_path(buf);
}

/* The inputs: each named for what it does (guest/fuzz_target.c). */
static const struct {
	const char *name, *data;
	size_t len;
} inputs[] = {
	{ "01-hello", "hello", 5 },
	{ "02-open", "OPEN", 4 },
	{ "03-after-open", "after", 5 },
	{ "04-mmap", "MMAP", 4 },
	{ "05-heap", "HEAP", 4 },
	{ "06-grow", "GROW", 4 },
	{ "07-crash", "CRSH", 4 },
	{ "08-exit", "EXIT\x07", 5 },
	{ "09-abort", "ABRT", 4 },
	{ "10-empty", "", 0 },
	{ "11-heap-again", "HEAP", 4 },
	{ "12-privileged", "PRIV", 4 },
	{ "13-kernel-memory", "KMEM", 4 },
	{ "14-last", "world", 5 },
};
#define NINPUTS ((int)(sizeof(inputs) / sizeof(inputs[0])))

static void make_corpus(const char *dir)
{
	char path[PATH_MAX];

	ck_assert_int_eq(mkdir(dir, 0755), 0);
	for (int i = 0; i < NINPUTS; i++) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", dir, inputs[i].name);
		ck_assert_ptr_nonnull(f = fopen(path, "w"));
		ck_assert_uint_eq(fwrite(inputs[i].data, 1, inputs[i].len, f), inputs[i].len);
		fclose(f);
	}
}

/* How one run ended, as lstar fuzz's report says it. */
static void ending(int status, char *buf, size_t len)
{
	if (status > 128)
		snprintf(buf, len, "killed by SIG%s", sigabbrev_np(status - 128));
	else
		snprintf(buf, len, "exit %d", status);
}

/*
 * Each input natively, one run each: the outputs one after the other,
 * and for each input the report line's start ("lstar: fuzz: NAME: exit
 * 0") into want_lines.
 */
static char *native_runs(const char *prog, const char *const args[], const char *dir,
			 bool by_path, char *want_lines, size_t len)
{
	size_t out_len = 0;
	char *out = calloc(1, 1);

	want_lines[0] = 0;
	for (int i = 0; i < NINPUTS; i++) {
		char path[PATH_MAX], end[64], *argv[8];
		struct run_result r;
		int n = 0;

		snprintf(path, sizeof(path), "%s/%s", dir, inputs[i].name);
		argv[n++] = (char *)prog;
		for (int k = 0; args && args[k]; k++)
			argv[n++] = (char *)args[k];
		if (by_path)
			argv[n++] = path;
		argv[n] = NULL;
		run_argv_in(argv, NULL, 30, NULL, by_path ? NULL : path, &r);
		out = realloc(out, out_len + r.out_len + 1);
		memcpy(out + out_len, r.out, r.out_len + 1);
		out_len += r.out_len;
		ending(r.status, end, sizeof(end));
		snprintf(want_lines + strlen(want_lines), len - strlen(want_lines),
			 "lstar: fuzz: %s: %s (", inputs[i].name, end);
		strcat(want_lines, "\n");
		run_result_free(&r);
	}
	return out;
}

/* Every expected report line (up to its time) is in err, in order. */
static void assert_reports(const char *err, const char *want_lines)
{
	const char *at = err, *line = want_lines;

	while (*line) {
		const char *nl = strchr(line, '\n');
		char one[256];

		snprintf(one, sizeof(one), "%.*s", (int)(nl - line), line);
		at = strstr(at, one);
		ck_assert_msg(at, "no report \"%s\" (in order) in:\n%s", one, err);
		line = nl + 1;
	}
}

static void run_fuzz(const char *const opts[], const char *prog, const char *const args[],
		     const char *stdin_file, struct run_result *r)
{
	run_lstar_in("fuzz", opts, prog, args, stdin_file, 120, r);
}

/*
 * The corpus run through lstar fuzz (opts, the program's arguments
 * fuzz_args) gives what each input gives natively, run alone (with args,
 * and by_path: the input's path as the last argument, else on standard
 * input): the same output, each input ending the same way.  *r is lstar
 * fuzz's run, for more checks.
 */
static void assert_fuzz_as_native(int libc, const char *const opts[], const char *const fuzz_args[],
				  const char *const args[], const char *corpus, bool by_path,
				  struct run_result *r)
{
	char want[4096];
	char *native = native_runs(target(libc), args, corpus, by_path, want, sizeof(want));

	run_fuzz(opts, target(libc), fuzz_args, NULL, r);
	ck_assert_msg(!strcmp(r->out, native), "outputs differ\n--- native\n%s--- lstar fuzz\n%s"
		      "--- stderr\n%s", native, r->out, r->err);
	assert_reports(r->err, want);
	free(native);
}

/* Every input of the corpus, one execution each from the snapshot, gives
 * what the program gives natively on that input alone; the crashes are
 * saved, byte for byte. */
START_TEST(corpus_as_native)
{
	char dir[] = "/tmp/lstar-fuzz-XXXXXX", corpus[256], crashes[256], path[PATH_MAX];
	const char *const opts[] = { "--stdin", "--corpus", corpus, "--crashes", crashes, NULL };
	struct run_result r;
	char *saved;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(corpus, sizeof(corpus), "%s/corpus", dir);
	snprintf(crashes, sizeof(crashes), "%s/crashes", dir);
	make_corpus(corpus);
	assert_fuzz_as_native(_i, opts, NULL, NULL, corpus, false, &r);
	ck_assert_msg(strstr(r.err, "lstar: fuzz: 14 inputs: 4 killed the program, 0 timed out\n"),
		      "summary:\n%s", r.err);
	/* A crash's report ends with the calls before it. */
	ck_assert_msg(strstr(r.err, "lstar: fuzz: the last 1 calls the VMM answered:\n"
			     "lstar: fuzz:   read(0, \"CRSH\", 4096) = 4"), "report:\n%s", r.err);
	ck_assert_int_eq(r.status, 1);
	snprintf(path, sizeof(path), "%s/07-crash", crashes);
	ck_assert_ptr_nonnull(saved = read_text(path));
	ck_assert_str_eq(saved, "CRSH");
	free(saved);
	snprintf(path, sizeof(path), "%s/01-hello", crashes);
	ck_assert_int_ne(access(path, F_OK), 0);
	run_result_free(&r);
	rm_rf(dir);
}
END_TEST

/* --input-file: the program opens the file itself; the driver writes each
 * input there (and the VMM follows a file made anew at the path). */
START_TEST(input_file_as_native)
{
	char dir[] = "/tmp/lstar-fuzz-XXXXXX", corpus[256], input[PATH_MAX];
	const char *const opts[] = { "--input-file", input, "--ro", dir, "--corpus", corpus, NULL };
	const char *const fuzz_args[] = { input, NULL };
	struct run_result r;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(corpus, sizeof(corpus), "%s/corpus", dir);
	snprintf(input, sizeof(input), "%s/input", dir);
	make_corpus(corpus);
	assert_fuzz_as_native(_i, opts, fuzz_args, NULL, corpus, true, &r);
	run_result_free(&r);
	rm_rf(dir);
}
END_TEST

/* The corpus on standard input, under lstar fuzz -v and natively, the
 * program given arg (both ways): as assert_fuzz_as_native; *r is lstar
 * fuzz's run. */
static void stdin_corpus_as_native(int libc, const char *arg, struct run_result *r)
{
	char dir[] = "/tmp/lstar-fuzz-XXXXXX", corpus[256];
	const char *const opts[] = { "--stdin", "--corpus", corpus, "-v", NULL };
	const char *const args[] = { arg, NULL };

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(corpus, sizeof(corpus), "%s/corpus", dir);
	make_corpus(corpus);
	assert_fuzz_as_native(libc, opts, args, args, corpus, false, r);
	rm_rf(dir);
}

/* The program marks the snapshot itself (lstar_fuzz_snapshot, which is
 * ENOSYS natively): executions start there. */
START_TEST(marked_snapshot_as_native)
{
	struct run_result r;

	stdin_corpus_as_native(_i, "--mark", &r);
	/* On every platform, executions start in ring 3 (test_fuzz's
	 * PRIV and KMEM inputs show it is ring 3 indeed). */
	ck_assert_msg(strstr(r.err, "lstar: fuzz: snapshot taken") &&
		      strstr(r.err, "; executions start in ring 3; the classic handshake\n"),
		      "%s", r.err);
	run_result_free(&r);
}
END_TEST

/* A program whose AFL++ runtime opens with the newer handshake (AFL++
 * 4.20 and later) makes lstar speak it too, and the corpus runner with
 * it: the same executions. */
START_TEST(newer_handshake_as_native)
{
	struct run_result r;

	stdin_corpus_as_native(_i, "--new-hello", &r);
	ck_assert_msg(strstr(r.err, "; AFL++ 4.20's handshake\n"), "%s", r.err);
	run_result_free(&r);
}
END_TEST

/* An input that never ends is cut short at --timeout; the next one runs
 * from a clean snapshot, and a timeout is not a crash. */
START_TEST(timeout_cuts_one_input)
{
	char dir[] = "/tmp/lstar-fuzz-XXXXXX", path[PATH_MAX];
	const char *const opts[] = { "--stdin", "--timeout", "1", "--corpus", dir, NULL };
	char *argv[] = { (char *)target(_i), NULL };
	struct run_result r, native;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/1-loop", dir);
	write_text(path, "LOOP");
	snprintf(path, sizeof(path), "%s/2-after", dir);
	write_text(path, "after");
	run_argv_in(argv, NULL, 30, NULL, path, &native);
	run_fuzz(opts, target(_i), NULL, NULL, &r);
	ck_assert_msg(strstr(r.err, "lstar: fuzz: 1-loop: timed out") &&
		      strstr(r.err, "lstar: fuzz: 2-after: exit 0") &&
		      strstr(r.err, "2 inputs: 0 killed the program, 1 timed out"),
		      "stderr:\n%s", r.err);
	ck_assert_str_eq(r.out, native.out);
	ck_assert_int_eq(r.status, 0);
	run_result_free(&native);
	run_result_free(&r);
	rm_rf(dir);
}
END_TEST

/* A `kill` rule ends the execution as SIGSYS, reported and saved as a
 * crash; the campaign goes on. */
START_TEST(kill_rule_is_a_crash)
{
	char dir[] = "/tmp/lstar-fuzz-XXXXXX", pol[PATH_MAX], corpus[256], path[PATH_MAX];
	const char *const opts[] = { "-p", pol, "--stdin", "--corpus", corpus, NULL };
	struct run_result r;

	write_policy(dir, pol, sizeof(pol), "use default\nkill dup\n");
	snprintf(corpus, sizeof(corpus), "%s/corpus", dir);
	ck_assert_int_eq(mkdir(corpus, 0755), 0);
	snprintf(path, sizeof(path), "%s/1-open", corpus);
	write_text(path, "OPEN");
	run_fuzz(opts, target(_i), NULL, NULL, &r);
	ck_assert_msg(strstr(r.err, "the policy kills dup") &&
		      strstr(r.err, "lstar: fuzz: 1-open: killed by SIGSYS"), "stderr:\n%s", r.err);
	ck_assert_int_eq(r.status, 1);
	run_result_free(&r);
	rm_rf(dir);
}
END_TEST

/* Run once (no fork server, no corpus): as lstar run, and a signal that
 * ends the program ends lstar too, as afl-fuzz's tools need to see. */
START_TEST(one_run_as_native)
{
	char dir[] = "/tmp/lstar-fuzz-XXXXXX", path[PATH_MAX];
	const char *const opts[] = { "--stdin", NULL };
	static const char *const data[] = { "hello", "CRSH", "EXIT\x05" };

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/in", dir);
	for (int i = 0; i < 3; i++) {
		char *argv[] = { (char *)target(_i), NULL };
		struct run_result native, r;

		write_text(path, data[i]);
		run_argv_in(argv, NULL, 30, NULL, path, &native);
		run_fuzz(opts, target(_i), NULL, path, &r);
		ck_assert_msg(r.status == native.status && !strcmp(r.out, native.out),
			      "%s: status %d, native %d\n--- out\n%s--- native\n%s--- err\n%s",
			      data[i], r.status, native.status, r.out, native.out, r.err);
		run_result_free(&native);
		run_result_free(&r);
	}
	rm_rf(dir);
}
END_TEST

/* What would outlive an execution is refused, with a reason. */
START_TEST(refusals)
{
	char dir[] = "/tmp/lstar-fuzz-XXXXXX", corpus[256], path[PATH_MAX];
	static const struct {
		const char *opts[8];
		const char *says;
	} cases[] = {
		{ { "--stdin", "--rw", "/tmp", "--corpus", NULL }, "is writable" },
		{ { "--stdin", "--learn", "/tmp/x.policy", "--corpus", NULL }, "--learn is for one run" },
		{ { "--corpus", NULL }, "give one of --stdin and --input-file" },
		{ { "--stdin", "--input-file", "/tmp/x", "--corpus", NULL }, "give one of --stdin" },
		{ { "--stdin", "--crashes", "/tmp/c", NULL }, "--crashes goes with --corpus" },
	};

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(corpus, sizeof(corpus), "%s/corpus", dir);
	make_corpus(corpus);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *opts[10];
		struct run_result r;
		int n = 0;

		for (int k = 0; cases[i].opts[k]; k++)
			opts[n++] = cases[i].opts[k];
		if (!strcmp(opts[n - 1], "--corpus"))
			opts[n++] = corpus;
		opts[n] = NULL;
		run_fuzz(opts, target(0), NULL, NULL, &r);
		ck_assert_msg(r.status == 125 && strstr(r.err, cases[i].says),
			      "case %zu: status %d\n%s", i, r.status, r.err);
		ck_assert_str_eq(r.out, "");
		run_result_free(&r);
	}
	/* An input file the program could not open: outside every tree. */
	{
		char input[300];
		const char *const opts[] = { "--input-file", input, "--corpus", corpus, NULL };
		struct run_result r;

		snprintf(input, sizeof(input), "%s/01-hello", corpus);
		run_fuzz(opts, target(0), NULL, NULL, &r);
		ck_assert_msg(r.status == 125 && strstr(r.err, "not in a tree the program sees"),
			      "status %d\n%s", r.status, r.err);
		run_result_free(&r);
	}
	/* A program that never reads its input: nothing to start from. */
	{
		const char *const opts[] = { "--stdin", "--corpus", corpus, NULL };
		const char *const args[] = { "one", NULL };
		struct run_result r;

		run_fuzz(opts, guest_path("args.musl"), args, NULL, &r);
		ck_assert_msg(r.status == 125 && strstr(r.err, "ended before it read its input"),
			      "status %d\n%s", r.status, r.err);
		run_result_free(&r);
	}
	/* Threads would outlive the snapshot: ENOSYS, said. */
	{
		const char *const opts[] = { "--stdin", "--corpus", corpus, NULL };
		struct run_result r;

		snprintf(path, sizeof(path), "%s", guest_path("threads.musl"));
		run_fuzz(opts, path, NULL, NULL, &r);
		ck_assert_msg(strstr(r.err, "a new thread is not supported while fuzzing (ENOSYS)"),
			      "status %d\n%s", r.status, r.err);
		run_result_free(&r);
	}
	rm_rf(dir);
}
END_TEST

/*
 * lstar fuzz writes its crashes directory and its input file as lstar run
 * writes a trace: following no symbolic link in any component, where an
 * earlier run with --rw may have planted one.  Each planted link is
 * refused and nothing is written where it points.
 */
START_TEST(planted_links_refused)
{
	char dir[] = "/tmp/lstar-fuzz-XXXXXX", corpus[256], outside[256], link[256];
	char crashes[300], input[300], victim[300];
	struct run_result r;
	char *text;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(corpus, sizeof(corpus), "%s/corpus", dir);
	snprintf(outside, sizeof(outside), "%s/outside", dir);
	snprintf(link, sizeof(link), "%s/planted", dir);
	snprintf(victim, sizeof(victim), "%s/victim", outside);
	make_corpus(corpus);
	ck_assert_int_eq(mkdir(outside, 0755), 0);
	ck_assert_int_eq(symlink(outside, link), 0);
	write_text(victim, "keep\n");

	/* --crashes through a linked directory, and --crashes a link. */
	for (int i = 0; i < 2; i++) {
		const char *const opts[] = { "--stdin", "--corpus", corpus, "--crashes", crashes, NULL };

		snprintf(crashes, sizeof(crashes), i ? "%s" : "%s/crashes", link);
		run_fuzz(opts, target(0), NULL, NULL, &r);
		ck_assert_msg(r.status == 125 && strstr(r.err, "is a symbolic link"),
			      "--crashes %s: status %d\n%s", crashes, r.status, r.err);
		run_result_free(&r);
	}
	/* --input-file through a linked directory, and --input-file a link. */
	for (int i = 0; i < 2; i++) {
		const char *const opts[] = { "--input-file", input, "--ro", dir, "--corpus", corpus,
					     NULL };

		if (i) {
			snprintf(input, sizeof(input), "%s/input", dir);
			ck_assert_int_eq(symlink(victim, input), 0);
		} else {
			snprintf(input, sizeof(input), "%s/input", link);
		}
		run_fuzz(opts, target(0), NULL, NULL, &r);
		ck_assert_msg(r.status == 125 && strstr(r.err, "is a symbolic link"),
			      "--input-file %s: status %d\n%s", input, r.status, r.err);
		run_result_free(&r);
	}
	/* Where the links point, nothing new and nothing changed. */
	snprintf(crashes, sizeof(crashes), "%s/crashes", outside);
	ck_assert_int_ne(access(crashes, F_OK), 0);
	snprintf(input, sizeof(input), "%s/input", outside);
	ck_assert_int_ne(access(input, F_OK), 0);
	ck_assert_ptr_nonnull(text = read_text(victim));
	ck_assert_str_eq(text, "keep\n");
	free(text);
	rm_rf(dir);
}
END_TEST

/*
 * Every host descriptor the VMM opens for a run is closed by its end
 * (LSTAR_FD_AUDIT, which tools/fuzz-boundary.sh checks after each run):
 * a run, a run whose processes pass pipes around, and a fuzzing
 * campaign.  The program file's descriptor was once left open.
 */
START_TEST(no_descriptor_left)
{
	char dir[] = "/tmp/lstar-fuzz-XXXXXX", corpus[256];
	char *const env[] = { "LSTAR_FD_AUDIT=1", NULL };
	char procs[PATH_MAX], gdir[PATH_MAX];
	struct run_result r;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(corpus, sizeof(corpus), "%s/corpus", dir);
	make_corpus(corpus);
	snprintf(procs, sizeof(procs), "%s", guest_path("procs.musl"));
	ck_assert_ptr_nonnull(realpath(guest_path("."), gdir));
	{
		char *argv[] = { (char *)lstar_path(), "run", "--ro", gdir, "--", procs, "pipe", NULL };

		run_argv(argv, env, 60, &r);
		ck_assert_msg(r.status == 0 && !strstr(r.err, "fd audit"), "run: %d\n%s", r.status, r.err);
		run_result_free(&r);
	}
	{
		char *argv[] = { (char *)lstar_path(), "fuzz", "--stdin", "--corpus", corpus, "--",
				 (char *)target(0), NULL };

		run_argv(argv, env, 60, &r);
		ck_assert_msg(r.status == 1 && !strstr(r.err, "fd audit"), "fuzz: %d\n%s", r.status, r.err);
		run_result_free(&r);
	}
	rm_rf(dir);
}
END_TEST

/* --- afl-fuzz's side ----------------------------------------------------------- */

#define AFL_FUZZ	"/usr/bin/afl-fuzz"
#define AFL_SHOWMAP	"/usr/bin/afl-showmap"

static const char *afl_example(void)
{
	static char buf[PATH_MAX];
	const char *g = getenv("LSTAR_GUEST_DIR");

	ck_assert_msg(access(AFL_FUZZ, X_OK) == 0 && access(AFL_SHOWMAP, X_OK) == 0,
		      "afl++ is not installed (make deps installs it)");
	snprintf(buf, sizeof(buf), "%s/../examples/fuzz_me.afl", g ? g : "build/guest");
	ck_assert_msg(access(buf, X_OK) == 0, "%s is missing (make examples)", buf);
	return buf;
}

static char *const afl_env[] = {
	"AFL_SKIP_BIN_CHECK=1", "AFL_NO_UI=1", "AFL_SKIP_CPUFREQ=1", "AFL_NO_AFFINITY=1",
	"AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1", "AFL_NO_AUTODICT=1", "AFL_QUIET=1",
	"PATH=/usr/bin:/bin", NULL,
};

/* afl-showmap sees under lstar fuzz the coverage it sees natively, and
 * the same crash. */
START_TEST(afl_showmap_as_native)
{
	static const char *const data[] = { "a\001x", "c\002yzb\000", "d\000" };
	char dir[] = "/tmp/lstar-fuzz-XXXXXX", in[PATH_MAX], m1[PATH_MAX], m2[PATH_MAX];
	const char *prog = afl_example();

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(in, sizeof(in), "%s/in", dir);
	snprintf(m1, sizeof(m1), "%s/native.map", dir);
	snprintf(m2, sizeof(m2), "%s/lstar.map", dir);
	for (int i = 0; i < 3; i++) {
		char *native[] = { AFL_SHOWMAP, "-q", "-o", m1, "--", (char *)prog, NULL };
		char *boxed[] = { AFL_SHOWMAP, "-q", "-o", m2, "--", (char *)lstar_path(), "fuzz",
				  "--stdin", "--", (char *)prog, NULL };
		struct run_result a, b;
		char *ma, *mb;
		FILE *f = fopen(in, "w");

		ck_assert_ptr_nonnull(f);
		fwrite(data[i], 1, strlen(data[i]) + (i > 0), f);
		fclose(f);
		run_argv_in(native, afl_env, 60, NULL, in, &a);
		run_argv_in(boxed, afl_env, 60, NULL, in, &b);
		ma = read_text(m1);
		mb = read_text(m2);
		ck_assert_msg(ma && mb && *ma && !strcmp(ma, mb) && a.status == b.status,
			      "input %d: status %d, native %d\n--- native map\n%s--- lstar's\n%s"
			      "--- stderr\n%s", i, b.status, a.status, ma, mb, b.err);
		free(ma);
		free(mb);
		run_result_free(&a);
		run_result_free(&b);
	}
	/* The third input crashed (afl-showmap's status 2), both ways. */
	rm_rf(dir);
}
END_TEST

/* lstar fuzz --corpus gives a program built with afl-clang-fast a
 * coverage map of its own, and says how many edges the corpus reached:
 * as many as afl-showmap finds natively over the same inputs. */
START_TEST(corpus_coverage_as_showmap)
{
	static const char *const data[] = { "a\001x", "c\002yzb\000", "b\001q", "zz" };
	char dir[] = "/tmp/lstar-fuzz-XXXXXX", corpus[256], map[256], in[PATH_MAX];
	const char *prog = afl_example();
	bool seen[65536] = { false };
	unsigned edges = 0, got = 0;
	struct run_result r;
	const char *p;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(corpus, sizeof(corpus), "%s/corpus", dir);
	snprintf(map, sizeof(map), "%s/native.map", dir);
	ck_assert_int_eq(mkdir(corpus, 0755), 0);
	for (int i = 0; i < 4; i++) {
		char *native[] = { AFL_SHOWMAP, "-q", "-o", map, "--", (char *)prog, NULL };
		char *text, *line;
		FILE *f;

		snprintf(in, sizeof(in), "%s/%d", corpus, i);
		ck_assert_ptr_nonnull(f = fopen(in, "w"));
		fwrite(data[i], 1, strlen(data[i]) + (i == 1), f);
		fclose(f);
		run_argv_in(native, afl_env, 60, NULL, in, &r);
		run_result_free(&r);
		ck_assert_ptr_nonnull(text = read_text(map));
		for (line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
			unsigned e = (unsigned)strtoul(line, NULL, 10);

			ck_assert_uint_lt(e, 65536);
			edges += !seen[e];
			seen[e] = true;
		}
		free(text);
	}
	ck_assert_uint_gt(edges, 0);
	{
		char *argv[] = { (char *)lstar_path(), "fuzz", "--stdin", "--corpus", corpus, "--",
				 (char *)prog, NULL };

		run_argv(argv, NULL, 60, &r);
	}
	p = strstr(r.err, "lstar: fuzz: 4 inputs: 0 killed the program, 0 timed out; ");
	ck_assert_msg(p && sscanf(p, "lstar: fuzz: 4 inputs: 0 killed the program, 0 timed out; "
				  "%u edges covered", &got) == 1 && got == edges,
		      "want %u edges (afl-showmap's), got:\n%s", edges, r.err);
	run_result_free(&r);
	rm_rf(dir);
}
END_TEST

/* On a terminal, one status line rewritten in place stands for the lines
 * of inputs that ended normally; a crash still has its line.  (script(1)
 * gives the run a terminal.) */
START_TEST(corpus_status_line)
{
	char dir[] = "/tmp/lstar-fuzz-XXXXXX", corpus[256], path[PATH_MAX], cmd[3 * PATH_MAX];
	const char *prog = afl_example();
	struct run_result r;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(corpus, sizeof(corpus), "%s/corpus", dir);
	ck_assert_int_eq(mkdir(corpus, 0755), 0);
	snprintf(path, sizeof(path), "%s/1-ok", corpus);
	write_text(path, "a\001x");
	snprintf(path, sizeof(path), "%s/2-crash", corpus);
	write_text(path, "d\001x");
	snprintf(path, sizeof(path), "%s/3-ok", corpus);
	write_text(path, "b\001x");
	snprintf(cmd, sizeof(cmd), "'%s' fuzz --stdin --corpus '%s' -- '%s' >/dev/null",
		 lstar_path(), corpus, prog);
	{
		char *argv[] = { "/usr/bin/script", "-qec", cmd, "/dev/null", NULL };

		run_argv(argv, NULL, 60, &r);
	}
	ck_assert_msg(r.status == 1 && strstr(r.out, "\r\033[Klstar: fuzz: 3/3 inputs, ") &&
		      strstr(r.out, "/s, 1 killed the program, 0 timed out, ") &&
		      strstr(r.out, "lstar: fuzz: 2-crash: killed by SIGSEGV") &&
		      !strstr(r.out, "lstar: fuzz: 1-ok:") && !strstr(r.out, "lstar: fuzz: 3-ok:") &&
		      strstr(r.out, "lstar: fuzz: 3 inputs: 1 killed the program, 0 timed out; "),
		      "status %d, the terminal's output:\n%s\n--- stderr\n%s", r.status, r.out,
		      r.err);
	run_result_free(&r);
	rm_rf(dir);
}
END_TEST

/* afl-fuzz drives lstar fuzz's fork server: it starts, runs its
 * executions and ends cleanly, with coverage (new paths) coming through. */
START_TEST(afl_fuzz_drives_the_fork_server)
{
	char dir[] = "/tmp/lstar-fuzz-XXXXXX", in[256], out[256], seed[PATH_MAX];
	char stats[PATH_MAX];
	const char *prog = afl_example();
	struct run_result r;
	char *text, *at;
	long execs, corpus;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(in, sizeof(in), "%s/in", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	ck_assert_int_eq(mkdir(in, 0755), 0);
	snprintf(seed, sizeof(seed), "%s/seed", in);
	write_text(seed, "a\001x");
	{
		char *argv[] = { AFL_FUZZ, "-i", in, "-o", out, "-E", "1500", "--",
				 (char *)lstar_path(), "fuzz", "--stdin", "--", (char *)prog, NULL };

		run_argv(argv, afl_env, 300, &r);
	}
	snprintf(stats, sizeof(stats), "%s/default/fuzzer_stats", out);
	text = read_text(stats);
	ck_assert_msg(r.status == 0 && text, "afl-fuzz: status %d\n%s\n%s", r.status, r.out, r.err);
	at = strstr(text, "execs_done");
	ck_assert_ptr_nonnull(at);
	execs = strtol(strchr(at, ':') + 1, NULL, 10);
	at = strstr(text, "corpus_count");
	ck_assert_ptr_nonnull(at);
	corpus = strtol(strchr(at, ':') + 1, NULL, 10);
	ck_assert_msg(execs >= 1500 && corpus > 1, "execs %ld, corpus %ld\n%s", execs, corpus, text);
	free(text);
	run_result_free(&r);
	rm_rf(dir);
}
END_TEST

Suite *suite_fuzz(void)
{
	Suite *s = suite_create("fuzz");
	TCase *tc = tcase_create("fuzz");

	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, corpus_as_native, 0, 2);
	tcase_add_loop_test(tc, input_file_as_native, 0, 2);
	tcase_add_loop_test(tc, marked_snapshot_as_native, 0, 2);
	tcase_add_test(tc, newer_handshake_as_native);
	tcase_add_loop_test(tc, timeout_cuts_one_input, 0, 2);
	tcase_add_loop_test(tc, kill_rule_is_a_crash, 0, 2);
	tcase_add_loop_test(tc, one_run_as_native, 0, 2);
	tcase_add_test(tc, refusals);
	tcase_add_test(tc, planted_links_refused);
	tcase_add_test(tc, no_descriptor_left);
	tcase_add_test(tc, afl_showmap_as_native);
	tcase_add_test(tc, corpus_coverage_as_showmap);
	tcase_add_test(tc, corpus_status_line);
	tcase_add_test(tc, afl_fuzz_drives_the_fork_server);
	suite_add_tcase(s, tc);
	return s;
}
