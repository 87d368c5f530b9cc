/* SPDX-License-Identifier: MIT */
/*
 * test_trace.c - `lstar run --trace`, -v, `log` rules and --learn
 * (docs/TRACE.md).
 *
 * 1. Golden: guest/trace_probe, after its start-up, makes fixed raw
 *    system calls under tests/trace/trace.policy; its trace from the
 *    "BEGIN" write on must equal tests/trace/probe.trace (addresses
 *    masked) for musl and glibc alike, and every line of the whole trace,
 *    start-up included, must have the documented shape.
 * 2. --trace=FILE writes the file and leaves the program's own stdout,
 *    stderr and status as they are; a `log` rule's line reaches stderr
 *    without --trace; -v shows the refused and missing calls and nothing
 *    else; a `kill` rule's call is the trace's last line, "= ?".
 * 3. Learning: guest/learn_probe copies a file from an --ro tree into an
 *    --rw tree under --learn; the learned policy passes `lstar-policy
 *    check`, replays the run with nothing but `-p` (same stdout, stderr,
 *    status, same file written), and refuses a different run: another
 *    file of the same tree, or a call the run never made.  A call the
 *    learning run's policy denied stays denied, with its errno.
 *
 * Each test that needs files makes its own directory under /tmp.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests.h"

#pragma GCC diagnostic ignored "-Wformat-truncation"

static const char *const libcs[] = { "musl", "glibc" };

static const char *probe(const char *name, int libc)
{
	static char buf[256];

	snprintf(buf, sizeof(buf), "%s.%s", name, libcs[libc]);
	return guest_path(buf);
}

/* The golden directory: tests/trace in the source tree. */
static const char *trace_dir(void)
{
	static char dir[PATH_MAX];

	if (!dir[0])
		snprintf(dir, sizeof(dir), "%s", source_path("tests/trace"));
	return dir;
}

/* An absolute path to build product p (LSTAR may be relative). */
static const char *abs_of(const char *p, char *buf)
{
	ck_assert_msg(realpath(p, buf) != NULL, "%s: %s", p, strerror(errno));
	return buf;
}

/* The whole file at path; a file that cannot be read fails the test. */
static char *must_slurp(const char *path)
{
	char *s = read_text(path);

	ck_assert_msg(s != NULL, "open %s: %s", path, strerror(errno));
	return s;
}

static void write_str(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");

	ck_assert_msg(f != NULL, "create %s: %s", path, strerror(errno));
	fputs(s, f);
	fclose(f);
}

/* Run lstar with argv (after "lstar run") in cwd. */
static void run_in(const char *cwd, const char *const argv[], struct run_result *r)
{
	const char *full[64];
	char lstar[PATH_MAX];
	int n = 0;

	full[n++] = abs_of(lstar_path(), lstar);
	full[n++] = "run";
	for (int i = 0; argv[i]; i++)
		full[n++] = argv[i];
	full[n] = NULL;
	ck_assert_int_lt(n, 64);
	run_argv_in((char *const *)full, NULL, 60, cwd, NULL, r);
}

/* Mask what varies between runs and builds: addresses (6 to 12 hex
 * digits: user space) become 0xADDR. */
static char *mask_addresses(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;

	ck_assert(out != NULL);
	while (*s) {
		size_t n = 0;

		if (s[0] == '0' && s[1] == 'x') {
			while (strchr("0123456789abcdef", s[2 + n]) && s[2 + n])
				n++;
			if (n >= 6 && n <= 12) {
				memcpy(o, "0xADDR", 6);
				o += 6;
				s += 2 + n;
				continue;
			}
		}
		*o++ = *s++;
	}
	*o = '\0';
	return out;
}

/* Does every line of trace have the documented shape: one line per
 * call, and the last one saying how the run ended? */
static void assert_trace_shape(const char *trace)
{
	regex_t re, last;
	const char *line = trace;
	int lines = 0;
	bool ended = false;

	ck_assert_int_eq(regcomp(&re,
		"^([a-z0-9_]+)\\(.*\\) = (\\?|-?[0-9]+|-E[A-Z0-9]+|0x[0-9a-f]+) "
		"(\\[(allowed|denied|killed|logged): [^]]+\\]|\\[not implemented\\]) "
		"\\((guest|vmm)\\)$", REG_EXTENDED | REG_NOSUB), 0);
	ck_assert_int_eq(regcomp(&last,
		"^\\+\\+\\+ (exited with [0-9]+|killed by SIG[A-Z]+|timed out|"
		"stopped: lstar got SIG[A-Z]+) \\+\\+\\+$", REG_EXTENDED | REG_NOSUB), 0);
	while (*line) {
		const char *end = strchr(line, '\n');
		char buf[8192];
		size_t n = end ? (size_t)(end - line) : strlen(line);

		ck_assert_uint_lt(n, sizeof(buf));
		memcpy(buf, line, n);
		buf[n] = '\0';
		ck_assert_msg(!ended, "a trace line after the last: '%s'", buf);
		ended = regexec(&last, buf, 0, NULL, 0) == 0;
		ck_assert_msg(ended || regexec(&re, buf, 0, NULL, 0) == 0,
			      "trace line of an unexpected shape: '%s'", buf);
		lines++;
		line += n + (end != NULL);
	}
	regfree(&re);
	regfree(&last);
	ck_assert_int_gt(lines, 0);
	ck_assert_msg(ended, "the trace does not say how the run ended");
}

/* --- --trace -------------------------------------------------------------- */

/* The probe's trace from its BEGIN on, masked, equals the golden file. */
START_TEST(test_golden)
{
	char out[] = "/tmp/lstar-trace-XXXXXX", file[PATH_MAX], golden[PATH_MAX];
	const char *argv[] = { "-p", "trace.policy", NULL, "--", probe("trace_probe", _i), NULL };
	struct run_result r;
	char *trace, *want, *got;
	const char *begin;

	ck_assert(mkdtemp(out) != NULL);
	snprintf(file, sizeof(file), "--trace=%s/trace", out);
	argv[2] = file;
	run_in(trace_dir(), argv, &r);
	ck_assert_msg(r.status == 3, "status %d, stderr:\n%s", r.status, r.err);
	ck_assert_str_eq(r.out, "BEGIN\nesc: \t\"\\\x01\xff\na\nbc\n");
	ck_assert_str_eq(r.err, "0123456789abcdef0123456789ABCDEF++++\n");
	snprintf(file, sizeof(file), "%s/trace", out);
	trace = must_slurp(file);
	assert_trace_shape(trace);
	begin = strstr(trace, "write(1, \"BEGIN\\n\", 6)");
	ck_assert_msg(begin != NULL, "no BEGIN in the trace:\n%s", trace);
	got = mask_addresses(begin);
	snprintf(golden, sizeof(golden), "%s/probe.trace", trace_dir());
	want = must_slurp(golden);
	ck_assert_msg(!strcmp(got, want), "%s: the trace differs from %s\n--- got\n%s--- want\n%s",
		      libcs[_i], golden, got, want);
	free(want);
	free(got);
	free(trace);
	run_result_free(&r);
	rm_rf(out);
}
END_TEST

/* --trace=FILE: the program's output and status are what they are
 * without it. */
START_TEST(test_trace_file_keeps_output)
{
	char dir[] = "/tmp/lstar-trace-XXXXXX", in[PATH_MAX], outf[PATH_MAX];
	char opt[PATH_MAX], tracef[PATH_MAX], ro[PATH_MAX], rw[PATH_MAX];
	struct run_result plain, traced;
	char *trace;

	ck_assert(mkdtemp(dir) != NULL);
	snprintf(ro, sizeof(ro), "%s/ro", dir);
	snprintf(rw, sizeof(rw), "%s/rw", dir);
	mkdir(ro, 0755);
	mkdir(rw, 0755);
	snprintf(in, sizeof(in), "%s/in.txt", ro);
	snprintf(outf, sizeof(outf), "%s/out.txt", rw);
	snprintf(tracef, sizeof(tracef), "%s/trace", dir);
	snprintf(opt, sizeof(opt), "--trace=%s", tracef);
	write_str(in, "some text\n");
	{
		const char *a[] = { "--ro", ro, "--rw", rw, "--",
				    probe("learn_probe", _i), "copy", in, outf, NULL };
		const char *b[] = { opt, "--ro", ro, "--rw", rw, "--",
				    probe("learn_probe", _i), "copy", in, outf, NULL };

		run_in(NULL, a, &plain);
		run_in(NULL, b, &traced);
	}
	ck_assert_msg(plain.status == 0, "status %d: %s%s", plain.status, plain.out, plain.err);
	ck_assert_int_eq(traced.status, plain.status);
	ck_assert_str_eq(traced.out, plain.out);
	ck_assert_str_eq(traced.err, plain.err);
	ck_assert_str_eq(plain.out, "copied 10 bytes\n");
	ck_assert_str_eq(plain.err, "learn_probe: done\n");
	trace = must_slurp(tracef);
	assert_trace_shape(trace);
	ck_assert_msg(strstr(trace, "\nexit_group(0) = ? [allowed: ") != NULL,
		      "no exit_group line:\n%s", trace);
	ck_assert_msg(strstr(trace, "in.txt\", O_RDONLY") != NULL,
		      "the open of in.txt is not decoded:\n%s", trace);
	free(trace);
	run_result_free(&plain);
	run_result_free(&traced);
	rm_rf(dir);
}
END_TEST

/* Lines of text s that contain needle. */
static int count_lines_with(const char *s, const char *needle)
{
	int n = 0;

	for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* A `log` rule's line reaches stderr without --trace, and only it. */
START_TEST(test_log_without_trace)
{
	const char *argv[] = { "-p", "trace.policy", "--", probe("trace_probe", _i), NULL };
	struct run_result r;

	run_in(trace_dir(), argv, &r);
	ck_assert_int_eq(r.status, 3);
	ck_assert_str_eq(r.err, "0123456789abcdef0123456789ABCDEF++++\n"
		"getppid() = 1 [logged: trace.policy:10] (guest)\n");
	run_result_free(&r);
}
END_TEST

/* -v: the refused and missing calls, on stderr, nothing allowed. */
START_TEST(test_verbose)
{
	const char *argv[] = { "-v", "-p", "trace.policy", "--", probe("trace_probe", _i), NULL };
	struct run_result r;

	run_in(trace_dir(), argv, &r);
	ck_assert_int_eq(r.status, 3);
	ck_assert_msg(strstr(r.err, "\nopenat(AT_FDCWD, \"/etc/passwd\", O_RDONLY|O_CLOEXEC) = "
			     "-EACCES [denied: trace.policy:8] (guest)\n") != NULL, "%s", r.err);
	ck_assert_msg(strstr(r.err, "\nsocket(AF_INET, SOCK_STREAM, 0) = -EAFNOSUPPORT "
			     "[denied: trace.policy:9] (guest)\n") != NULL, "%s", r.err);
	ck_assert_msg(strstr(r.err, "\nmknodat(AT_FDCWD, NULL, 0, 0) = -ENOSYS "
			     "[not implemented] (guest)\n") != NULL, "%s", r.err);
	ck_assert_msg(strstr(r.err, "\nsyscall_500(0x1, 0x2, 0x3, 0x4, 0x5, 0x6) = -ENOSYS "
			     "[denied: trace.policy:3] (guest)\n") != NULL, "%s", r.err);
	ck_assert_msg(count_lines_with(r.err, "[allowed:") == 0, "%s", r.err);
	run_result_free(&r);
}
END_TEST

/* A kill: the call's line, "= ? [killed: ...]", and then the end. */
START_TEST(test_kill)
{
	char dir[] = "/tmp/lstar-trace-XXXXXX", opt[PATH_MAX], file[PATH_MAX];
	const char *argv[] = { "-p", "trace.policy", opt, "--", probe("trace_probe", _i),
			       "kill", NULL };
	struct run_result r;
	char *trace;
	const char *last = "ptrace(0, 0, NULL, NULL) = ? [killed: trace.policy:11] (guest)\n"
			   "+++ killed by SIGSYS +++\n";

	ck_assert(mkdtemp(dir) != NULL);
	snprintf(file, sizeof(file), "%s/trace", dir);
	snprintf(opt, sizeof(opt), "--trace=%s", file);
	run_in(trace_dir(), argv, &r);
	ck_assert_int_eq(r.status, 159);
	ck_assert_str_eq(r.out, "BEGIN\n");
	trace = must_slurp(file);
	assert_trace_shape(trace);
	ck_assert_msg(strlen(trace) > strlen(last) &&
		      !strcmp(trace + strlen(trace) - strlen(last), last),
		      "the trace does not end with the kill:\n%s", trace);
	free(trace);
	run_result_free(&r);
	rm_rf(dir);
}
END_TEST

/* --- --trace-format=json -------------------------------------------------- */

/* Does jq's program prog, over the JSON lines of file (slurped into one
 * array), give true?  jq is a real JSON parser: a line that is not JSON
 * fails it too. */
static void assert_jq(const char *file, const char *prog, const char *what)
{
	char *argv[] = { "/usr/bin/jq", "-e", "-s", (char *)prog, (char *)file, NULL };
	struct run_result r;

	run_argv(argv, NULL, 30, &r);
	ck_assert_msg(r.status == 0 && !strcmp(r.out, "true\n"),
		      "%s: jq '%s' %s: status %d, out %s, err %s", what, prog, file,
		      r.status, r.out, r.err);
	run_result_free(&r);
}

/* "NAME RESULT VERDICT RULE WHERE" of each call line of a text trace:
 * what a JSON trace of the same run must say too.  A result is ?, -ENAME,
 * a number, or ADDR for an address (which differs from run to run). */
static char *text_projection(const char *trace)
{
	size_t cap = strlen(trace) + 1, len = 0;
	char *out = malloc(cap), line[8192];

	ck_assert(out != NULL);
	out[0] = '\0';
	for (const char *p = trace; *p;) {
		const char *end = strchr(p, '\n');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char *br, *eq, *paren, res[64], verdict[64], rule[256], where[16];

		ck_assert_uint_lt(n, sizeof(line));
		memcpy(line, p, n);
		line[n] = '\0';
		p += n + (end != NULL);
		if (!strncmp(line, "+++ ", 4))
			continue;
		paren = strchr(line, '(');
		br = strrchr(line, '[');
		ck_assert_msg(paren && br && br > line + 3, "a line: %s", line);
		*paren = '\0';
		br[-1] = '\0';
		eq = strstr(br - 32 > paren ? br - 32 : paren + 1, ") = ");
		while (eq && strstr(eq + 1, ") = "))
			eq = strstr(eq + 1, ") = ");
		ck_assert_msg(eq != NULL, "no result in: %s", line);
		snprintf(res, sizeof(res), "%s", eq + 4);
		if (res[0] == '?')
			strcpy(res, "?");
		else if (strtoll(res, NULL, 0) > 65535)
			strcpy(res, "ADDR");	/* an address: each run has its own */
		if (!strncmp(br, "[not implemented] (", 19)) {
			strcpy(verdict, "not implemented");
			strcpy(rule, "-");
			ck_assert_int_eq(sscanf(br + 19, "%15[a-z])", where), 1);
		} else {
			ck_assert_int_eq(sscanf(br, "[%63[a-z]: %255[^]]] (%15[a-z])", verdict, rule,
						where), 3);
		}
		len += (size_t)snprintf(out + len, cap - len, "%s %s %s %s %s\n", line, res,
					verdict, rule, where);
		ck_assert_uint_lt(len, cap);
	}
	return out;
}

/*
 * The probe traced as JSON: every line an object a JSON parser reads,
 * the same calls, results, verdicts and rules as the text trace of the
 * same run, and the values the documentation promises (strings with
 * their bytes, unreadable pointers as null, the end object).
 */
START_TEST(test_json)
{
	char dir[] = "/tmp/lstar-trace-XXXXXX", text[PATH_MAX], json[PATH_MAX];
	char topt[PATH_MAX + 16], jopt[PATH_MAX + 16];
	const char *a[] = { "-p", "trace.policy", topt, "--", probe("trace_probe", _i), NULL };
	const char *b[] = { "-p", "trace.policy", jopt, "--trace-format=json", "--",
			    probe("trace_probe", _i), NULL };
	static const struct { const char *what, *prog; } checks[] = {
		{ "bytes", "map(select(.syscall == \"write\"))[1].args[1] == "
			   "\"esc: \\t\\\"\\\\\\u0001\\u00ff\\n\"" },
		{ "an unreadable path", "map(select(.syscall == \"openat\"))[1] | "
			   ".args[1] == null and .regs[1] == \"0x1000\" and .error == \"EACCES\" "
			   "and .verdict == \"denied\" and .where == \"guest\"" },
		{ "a path and flags", "map(select(.syscall == \"openat\"))[0].args == "
			   "[\"AT_FDCWD\", \"/etc/passwd\", \"O_RDONLY|O_CLOEXEC\"]" },
		{ "a mode", "map(select(.syscall == \"open\"))[0].args[2] == \"0644\"" },
		{ "an iovec array", "map(select(.syscall == \"writev\"))[0].args[1] == "
			   "[{\"base\": \"a\\n\", \"len\": 2}, {\"base\": \"bc\\n\", \"len\": 3}]" },
		{ "a call lstar lacks", "map(select(.syscall == \"mknodat\"))[0] | "
			   ".verdict == \"not implemented\" and .rule == null and .result == -38" },
		{ "an unknown number", "map(select(.nr == 500))[0] | .syscall == null and "
			   ".args == [\"0x1\", \"0x2\", \"0x3\", \"0x4\", \"0x5\", \"0x6\"]" },
		{ "no return", "map(select(.syscall == \"exit_group\"))[0] | .result == null "
			   "and .args == [3]" },
		{ "the end", "last == {\"type\": \"end\", \"pid\": last.pid, \"time\": last.time, "
			   "\"how\": \"exited\", \"status\": 3}" },
		{ "the types", "all(.[]; (.pid | type) == \"number\" and (.time | type) == "
			   "\"number\") and all(.[] | select(.type == \"call\"); (.tid | type) == "
			   "\"number\" and (.regs | length) == 6)" },
		{ "time goes forward", "[.[].time] as $t | $t == ($t | sort)" },
	};
	struct run_result rt, rj, proj;
	char *trace, *want;

	ck_assert(mkdtemp(dir) != NULL);
	snprintf(text, sizeof(text), "%s/text", dir);
	snprintf(json, sizeof(json), "%s/json", dir);
	snprintf(topt, sizeof(topt), "--trace=%s", text);
	snprintf(jopt, sizeof(jopt), "--trace=%s", json);
	run_in(trace_dir(), a, &rt);
	run_in(trace_dir(), b, &rj);
	ck_assert_msg(rt.status == 3 && rj.status == 3, "status %d and %d:\n%s\n%s", rt.status,
		      rj.status, rt.err, rj.err);
	ck_assert_str_eq(rj.out, rt.out);
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++)
		assert_jq(json, checks[i].prog, checks[i].what);
	/* The same calls as the text trace, line by line. */
	{
		char *argv[] = { "/usr/bin/jq", "-r", "select(.type == \"call\") | "
				 "\"\\(.syscall // \"syscall_\\(.nr)\") \\(if .result == null then "
				 "\"?\" elif .error then \"-\\(.error)\" elif .result > 65535 then \"ADDR\" "
				 "else .result end) "
				 "\\(.verdict) \\(.rule // \"-\") \\(.where)\"", json, NULL };

		run_argv(argv, NULL, 30, &proj);
	}
	trace = must_slurp(text);
	want = text_projection(trace);
	ck_assert_msg(proj.status == 0 && !strcmp(proj.out, want),
		      "%s: the JSON trace says other than the text one\n--- json\n%s--- text\n%s%s",
		      libcs[_i], proj.out, want, proj.err);
	free(want);
	free(trace);
	run_result_free(&proj);
	run_result_free(&rt);
	run_result_free(&rj);
	rm_rf(dir);
}
END_TEST

/* --trace-format takes text or json, and nothing else. */
START_TEST(test_json_bad_format)
{
	const char *argv[] = { "--trace-format=xml", "--", probe("trace_probe", 0), NULL };
	struct run_result r;

	run_in(NULL, argv, &r);
	ck_assert_msg(r.status == 125 && strstr(r.err, "--trace-format xml: expected text or json"),
		      "status %d, stderr %s", r.status, r.err);
	run_result_free(&r);
}
END_TEST

/* --- --stats -------------------------------------------------------------- */

/* Per syscall name: calls, errors, answered in the guest, by the VMM. */
struct tally {
	char name[32];
	unsigned long long calls, errors, guest, vmm;
};

static struct tally *tally_of(struct tally *t, int *n, const char *name)
{
	for (int i = 0; i < *n; i++)
		if (!strcmp(t[i].name, name))
			return &t[i];
	ck_assert_int_lt(*n, 128);
	snprintf(t[*n].name, sizeof(t[0].name), "%s", name);
	return &t[(*n)++];
}

/* The tally of a text trace, line by line. */
static int tally_trace(const char *trace, struct tally *t)
{
	int n = 0;

	for (const char *p = trace; *p;) {
		const char *end = strchr(p, '\n'), *paren = strchr(p, '(');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char line[8192], name[32];
		struct tally *k;

		ck_assert_uint_lt(len, sizeof(line));
		memcpy(line, p, len);
		line[len] = '\0';
		p += len + (end != NULL);
		if (!strncmp(line, "+++ ", 4) || !paren)
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(strchr(line, '(') - line), line);
		k = tally_of(t, &n, name);
		k->calls++;
		k->errors += strstr(line, ") = -E") != NULL;
		k->guest += strstr(line, " (guest)") != NULL;
		k->vmm += strstr(line, " (vmm)") != NULL;
	}
	return n;
}

/* The tally --stats printed: its rows up to "total". */
static int tally_stats(const char *err, struct tally *t, unsigned long long *total)
{
	const char *p = strstr(err, "lstar: --stats: ");
	int n = 0;

	ck_assert_msg(p != NULL, "no --stats summary in:\n%s", err);
	p = strchr(p, '\n') + 1;
	p = strchr(p, '\n') + 1;		/* the heading */
	for (;;) {
		struct tally k;
		const char *end = strchr(p, '\n');
		char line[256], *last;

		ck_assert(end != NULL);
		snprintf(line, sizeof(line), "%.*s", (int)(end - p), p);
		p = end + 1;
		ck_assert_msg(sscanf(line, "%llu %llu %llu %llu", &k.calls, &k.errors, &k.guest,
				     &k.vmm) == 4, "a --stats row: '%s'", line);
		last = strrchr(line, ' ') + 1;
		if (!strcmp(last, "total")) {
			*total = k.calls;
			return n;
		}
		snprintf(k.name, sizeof(k.name), "%s", last);
		ck_assert_int_lt(n, 128);
		t[n++] = k;
	}
}

/*
 * --stats counts what --trace shows: run the probe with both, and each
 * syscall's calls, errors and where they were answered agree with the
 * trace's lines; the last line has the exits and the processes.
 */
START_TEST(test_stats)
{
	char dir[] = "/tmp/lstar-trace-XXXXXX", file[PATH_MAX], topt[PATH_MAX + 16];
	const char *argv[] = { "-p", "trace.policy", "--stats", topt, "--",
			       probe("trace_probe", _i), NULL };
	struct tally from_trace[128], from_stats[128];
	unsigned long long total = 0, lines = 0;
	struct run_result r;
	int nt, ns;
	char *trace;

	ck_assert(mkdtemp(dir) != NULL);
	snprintf(file, sizeof(file), "%s/trace", dir);
	snprintf(topt, sizeof(topt), "--trace=%s", file);
	run_in(trace_dir(), argv, &r);
	ck_assert_msg(r.status == 3, "status %d:\n%s", r.status, r.err);
	ck_assert_msg(strstr(r.err, "lstar: --stats: ") &&
		      strstr(r.err, " exited with 3 after ") && strstr(r.err, "\nprocesses 1; VM exits "),
		      "the summary's first and last lines:\n%s", r.err);
	trace = must_slurp(file);
	nt = tally_trace(trace, from_trace);
	ns = tally_stats(r.err, from_stats, &total);
	ck_assert_msg(nt == ns, "%d syscalls in the trace, %d in --stats:\n%s\n%s", nt, ns,
		      trace, r.err);
	for (int i = 0; i < ns; i++) {
		const struct tally *s = &from_stats[i];
		const struct tally *t = tally_of(from_trace, &nt, s->name);

		ck_assert_msg(nt == ns && s->calls == t->calls && s->errors == t->errors &&
			      s->guest == t->guest && s->vmm == t->vmm,
			      "%s: --stats says %llu calls, %llu errors, %llu guest, %llu vmm; "
			      "the trace %llu, %llu, %llu, %llu", s->name, s->calls, s->errors,
			      s->guest, s->vmm, t->calls, t->errors, t->guest, t->vmm);
		lines += s->calls;
	}
	ck_assert_uint_eq(total, lines);
	ck_assert_uint_gt(total, 20);
	free(trace);
	run_result_free(&r);
	rm_rf(dir);
}
END_TEST

/* The processes a program forks are counted too, once each. */
START_TEST(test_stats_processes)
{
	const char *argv[] = { "--stats", "--", probe("procs", _i), "pipe", NULL };
	struct run_result r;

	run_in(NULL, argv, &r);
	ck_assert_msg(r.status == 0 && strstr(r.err, "\nprocesses 2; "),
		      "status %d, stderr:\n%s", r.status, r.err);
	run_result_free(&r);
}
END_TEST

/* lstar fuzz has no use for it. */
START_TEST(test_stats_not_fuzz)
{
	char lstar[PATH_MAX];
	char *argv[] = { (char *)abs_of(lstar_path(), lstar), "fuzz", "--stats", "--stdin", "--",
			 (char *)probe("trace_probe", 0), NULL };
	struct run_result r;

	run_argv(argv, NULL, 30, &r);
	ck_assert_msg(r.status == 125 && strstr(r.err, "--stats is an option of lstar run"),
		      "status %d, stderr %s", r.status, r.err);
	run_result_free(&r);
}
END_TEST

/* --- --learn -------------------------------------------------------------- */

struct learn_fixture {
	char dir[64];
	char ro[PATH_MAX], rw[PATH_MAX];
	char in[PATH_MAX], other[PATH_MAX], out[PATH_MAX];
	char policy[PATH_MAX];
};

static void learn_fixture(struct learn_fixture *f)
{
	char p[PATH_MAX];

	snprintf(f->dir, sizeof(f->dir), "/tmp/lstar-learn-XXXXXX");
	ck_assert(mkdtemp(f->dir) != NULL);
	snprintf(f->ro, sizeof(f->ro), "%s/ro", f->dir);
	snprintf(f->rw, sizeof(f->rw), "%s/rw", f->dir);
	mkdir(f->ro, 0755);
	mkdir(f->rw, 0755);
	snprintf(p, sizeof(p), "%s/in", f->ro);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/other", f->ro);
	mkdir(p, 0755);
	snprintf(f->in, sizeof(f->in), "%s/in/data.txt", f->ro);
	snprintf(f->other, sizeof(f->other), "%s/other/secret.txt", f->ro);
	snprintf(f->out, sizeof(f->out), "%s/out.txt", f->rw);
	snprintf(f->policy, sizeof(f->policy), "%s/learned.policy", f->dir);
	write_str(f->in, "hello, world\n");
	write_str(f->other, "not for this program\n");
}

/* `lstar-policy check FILE` accepts the learned policy. */
static void assert_checks(const char *policy)
{
	const char *argv[] = { lstar_policy_path(), "check", policy, NULL };
	struct run_result r;

	run_argv((char *const *)argv, NULL, 60, &r);
	ck_assert_msg(r.status == 0, "lstar-policy check %s: status %d\n%s%s\n--- policy\n%s",
		      policy, r.status, r.out, r.err, must_slurp(policy));
	run_result_free(&r);
}

static void assert_same_run(const char *what, const struct run_result *a,
			    const struct run_result *b)
{
	ck_assert_msg(a->status == b->status && !strcmp(a->out, b->out) &&
		      !strcmp(a->err, b->err),
		      "%s: the runs differ\nlearning: status %d\n%s%s\nreplay: status %d\n%s%s",
		      what, a->status, a->out, a->err, b->status, b->out, b->err);
}

/*
 * The same with the trees mapped (--ro RO:/src, --rw RW:/dst): the
 * program names only the guest paths, and the learned policy grants the
 * host's directories `as` where the run saw them, so that it replays.
 */
START_TEST(test_learn_replay_mapped)
{
	struct learn_fixture f;
	struct run_result learn, replay;
	char *text, *copy, want[2 * PATH_MAX], ro_map[PATH_MAX + 8], rw_map[PATH_MAX + 8];

	learn_fixture(&f);
	snprintf(ro_map, sizeof(ro_map), "%s:/src", f.ro);
	snprintf(rw_map, sizeof(rw_map), "%s:/dst", f.rw);
	{
		const char *argv[] = { "--learn", f.policy, "--ro", ro_map, "--rw", rw_map, "--",
				       probe("learn_probe", _i), "copy", "/src/in/data.txt",
				       "/dst/out.txt", NULL };

		run_in(NULL, argv, &learn);
	}
	ck_assert_msg(learn.status == 0, "learning run: status %d\n%s%s", learn.status,
		      learn.out, learn.err);
	copy = must_slurp(f.out);
	ck_assert_str_eq(copy, "HELLO, WORLD\n");
	free(copy);
	assert_checks(f.policy);
	text = must_slurp(f.policy);
	snprintf(want, sizeof(want), "\npath ro %s/in as /src/in ", f.ro);
	ck_assert_msg(strstr(text, want) != NULL, "no '%s' in\n%s", want + 1, text);
	snprintf(want, sizeof(want), "\npath rw %s as /dst ", f.rw);
	ck_assert_msg(strstr(text, want) != NULL, "no '%s' in\n%s", want + 1, text);
	unlink(f.out);
	{
		const char *argv[] = { "-p", f.policy, "--", probe("learn_probe", _i), "copy",
				       "/src/in/data.txt", "/dst/out.txt", NULL };

		run_in(NULL, argv, &replay);
	}
	assert_same_run("replay", &learn, &replay);
	copy = must_slurp(f.out);
	ck_assert_str_eq(copy, "HELLO, WORLD\n");
	free(copy);
	free(text);
	run_result_free(&learn);
	run_result_free(&replay);
	rm_rf(f.dir);
}
END_TEST

/* Learn a copy, check the policy, replay it, refuse a different run. */
START_TEST(test_learn_replay)
{
	struct learn_fixture f;
	struct run_result learn, replay, r;
	char *text, *copy, want[PATH_MAX + 32];

	learn_fixture(&f);
	{
		const char *argv[] = { "--learn", f.policy, "--ro", f.ro, "--rw", f.rw, "--",
				       probe("learn_probe", _i), "copy", f.in, f.out, NULL };

		run_in(NULL, argv, &learn);
	}
	ck_assert_msg(learn.status == 0, "learning run: status %d\n%s%s", learn.status,
		      learn.out, learn.err);
	ck_assert_str_eq(learn.out, "copied 13 bytes\n");
	copy = must_slurp(f.out);
	ck_assert_str_eq(copy, "HELLO, WORLD\n");
	assert_checks(f.policy);

	/* Never wider than the learning run: the directory used, inside
	 * the tree it was given, read-only as it was used. */
	text = must_slurp(f.policy);
	snprintf(want, sizeof(want), "\npath ro %s/in ", f.ro);
	ck_assert_msg(strstr(text, want) != NULL, "no '%s' in\n%s", want + 1, text);
	snprintf(want, sizeof(want), "\npath rw %s ", f.rw);
	ck_assert_msg(strstr(text, want) != NULL, "no '%s' in\n%s", want + 1, text);
	ck_assert_msg(strstr(text, "\ndefault deny errno ENOSYS") != NULL, "%s", text);
	ck_assert_msg(strstr(text, "\nallow exit_group ") != NULL, "%s", text);
	ck_assert_msg(!strstr(text, "uname"), "%s", text);

	/* The same run with nothing but the policy: the same in every way. */
	unlink(f.out);
	{
		const char *argv[] = { "-p", f.policy, "--",
				       probe("learn_probe", _i), "copy", f.in, f.out, NULL };

		run_in(NULL, argv, &replay);
	}
	assert_same_run("replay", &learn, &replay);
	free(copy);
	copy = must_slurp(f.out);
	ck_assert_str_eq(copy, "HELLO, WORLD\n");

	/* Another file of the same tree: outside what was learned. */
	{
		const char *argv[] = { "-p", f.policy, "--",
				       probe("learn_probe", _i), "copy", f.other, f.out, NULL };

		run_in(NULL, argv, &r);
	}
	snprintf(want, sizeof(want), "open %s: ENOENT\n", f.other);
	ck_assert_int_eq(r.status, 1);
	ck_assert_str_eq(r.out, want);
	run_result_free(&r);

	/* A call the run never made: the default, ENOSYS ... */
	{
		const char *argv[] = { "-p", f.policy, "--",
				       probe("learn_probe", _i), "uname", f.in, f.out, NULL };

		run_in(NULL, argv, &r);
	}
	ck_assert_int_eq(r.status, 2);
	ck_assert_str_eq(r.out, "copied 13 bytes\nuname: ENOSYS\n");
	run_result_free(&r);
	/* ... where the learning run's own policy allowed it. */
	{
		const char *argv[] = { "--ro", f.ro, "--rw", f.rw, "--",
				       probe("learn_probe", _i), "uname", f.in, f.out, NULL };

		run_in(NULL, argv, &r);
	}
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, "copied 13 bytes\nuname: ok\n");
	run_result_free(&r);

	free(copy);
	free(text);
	run_result_free(&learn);
	run_result_free(&replay);
	rm_rf(f.dir);
}
END_TEST

/* A call the learning run's policy denied stays denied, with its errno;
 * the replay meets exactly what the learning run met. */
START_TEST(test_learn_keeps_denials)
{
	struct learn_fixture f;
	struct run_result learn, replay;
	char lp[PATH_MAX], *text;

	learn_fixture(&f);
	snprintf(lp, sizeof(lp), "%s/learn.policy", trace_dir());
	{
		const char *argv[] = { "-p", lp, "--learn", f.policy, "--ro", f.ro, "--rw", f.rw,
				       "--", probe("learn_probe", _i), "uname", f.in, f.out, NULL };

		run_in(NULL, argv, &learn);
	}
	ck_assert_msg(learn.status == 2, "learning run: status %d\n%s%s", learn.status,
		      learn.out, learn.err);
	ck_assert_str_eq(learn.out, "copied 13 bytes\nuname: EACCES\n");
	assert_checks(f.policy);
	text = must_slurp(f.policy);
	ck_assert_msg(strstr(text, "\ndeny uname errno EACCES ") != NULL, "%s", text);
	ck_assert_msg(strstr(text, "denied during learning (") != NULL, "%s", text);
	{
		const char *argv[] = { "-p", f.policy, "--",
				       probe("learn_probe", _i), "uname", f.in, f.out, NULL };

		run_in(NULL, argv, &replay);
	}
	assert_same_run("replay", &learn, &replay);
	free(text);
	run_result_free(&learn);
	run_result_free(&replay);
	rm_rf(f.dir);
}
END_TEST

/* --learn into a file lstar cannot create: refused before the run. */
START_TEST(test_learn_bad_file)
{
	const char *argv[] = { "--learn", "/nonexistent/dir/x.policy", "--",
			       probe("learn_probe", 0), "copy", "/a", "/b", NULL };
	struct run_result r;

	run_in(NULL, argv, &r);
	ck_assert_int_eq(r.status, 125);
	ck_assert_msg(strstr(r.err, "--learn /nonexistent/dir/x.policy: No such file") != NULL,
		      "%s", r.err);
	ck_assert_str_eq(r.out, "");
	run_result_free(&r);
}
END_TEST

Suite *suite_trace(void)
{
	Suite *s = suite_create("trace");
	TCase *tc = tcase_create("trace");
	TCase *lc = tcase_create("learn");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_golden, 0, 2);
	tcase_add_loop_test(tc, test_trace_file_keeps_output, 0, 2);
	tcase_add_loop_test(tc, test_log_without_trace, 0, 2);
	tcase_add_loop_test(tc, test_verbose, 0, 2);
	tcase_add_loop_test(tc, test_kill, 0, 2);
	tcase_add_loop_test(tc, test_json, 0, 2);
	tcase_add_test(tc, test_json_bad_format);
	tcase_add_loop_test(tc, test_stats, 0, 2);
	tcase_add_loop_test(tc, test_stats_processes, 0, 2);
	tcase_add_test(tc, test_stats_not_fuzz);
	suite_add_tcase(s, tc);
	tcase_set_timeout(lc, 120);
	tcase_add_loop_test(lc, test_learn_replay, 0, 2);
	tcase_add_loop_test(lc, test_learn_replay_mapped, 0, 2);
	tcase_add_loop_test(lc, test_learn_keeps_denials, 0, 2);
	tcase_add_test(lc, test_learn_bad_file);
	suite_add_tcase(s, lc);
	return s;
}
