/* SPDX-License-Identifier: MIT */
/*
 * test_policy.c - the policy language's host side: the compiler's
 * diagnostics and `explain` against golden files (tests/policy/), the
 * evaluator against the vectors of policy_vectors.h, lstar_policy_validate
 * against hostile tables, hostile policy text, and the lstar-policy tool.
 *
 * Golden files: tests/policy/errors/NAME.policy is compiled (from within
 * that directory, as "NAME.policy") and everything it reports must equal
 * NAME.expected; tests/policy/explain/NAME.policy, and each stock profile
 * as profile-NAME, must explain as NAME.expected.  After an intended
 * change, LSTAR_POLICY_REGEN=1 rewrites the .expected files: review the
 * diff before committing it.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compile.h"
#include "policy_vectors.h"
#include "lstar_version.h"
#include "tests.h"

/* --- finding the golden files --------------------------------------------- */

/* The golden files: tests/policy in the source tree. */
static const char *policy_dir(void)
{
	static char dir[PATH_MAX];

	if (!dir[0])
		snprintf(dir, sizeof(dir), "%s", source_path("tests/policy"));
	return dir;
}

static bool regen(void)
{
	const char *r = getenv("LSTAR_POLICY_REGEN");

	return r && *r == '1';
}

/* Compare got with the file expected; with LSTAR_POLICY_REGEN=1, write it.
 * Returns 0 when they match; prints both when not. */
static int golden(const char *expected, const char *got)
{
	char *want;
	int r;

	if (regen()) {
		FILE *f = fopen(expected, "w");

		ck_assert_msg(f != NULL, "%s: %s", expected, strerror(errno));
		fputs(got, f);
		fclose(f);
		return 0;
	}
	want = read_text(expected);
	if (!want) {
		fprintf(stderr, "%s: %s\n", expected, strerror(errno));
		return -1;
	}
	r = strcmp(want, got) != 0;
	if (r)
		fprintf(stderr, "--- %s (expected)\n%s--- (got)\n%s---\n", expected, want, got);
	free(want);
	return r ? -1 : 0;
}

/* Names NAME of the files NAME.policy directly in dir, sorted. */
static int list_policies(const char *dir, char ***names)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, alphasort), count = 0;

	ck_assert_msg(n >= 0, "%s: %s", dir, strerror(errno));
	*names = calloc((size_t)n + 1, sizeof(char *));
	for (int i = 0; i < n; i++) {
		size_t len = strlen(ents[i]->d_name);

		if (len > 7 && !strcmp(ents[i]->d_name + len - 7, ".policy"))
			(*names)[count++] = strndup(ents[i]->d_name, len - 7);
		free(ents[i]);
	}
	free(ents);
	return count;
}

static void free_names(char **names, int n)
{
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* Compile inputs in dir, collecting diagnostics and (when it compiles
 * and explain is set) the explanation into one string. */
static char *compile_in(const char *dir, const struct lstar_policy_input *in, int n,
			bool explain, int *errors)
{
	char cwd[PATH_MAX], *out = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&out, &len);
	struct lstar_policy p;

	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_int_eq(chdir(dir), 0);
	*errors = lstar_policy_compile(in, n, &p, m);
	ck_assert_int_eq(chdir(cwd), 0);
	if (*errors == 0) {
		if (explain)
			lstar_policy_explain(&p, m);
		lstar_policy_free(&p);
	} else {
		/* A failed compile leaves nothing behind. */
		ck_assert_ptr_null(p.table);
		ck_assert_ptr_null(p.sources);
		ck_assert_ptr_null(p.paths);
	}
	fclose(m);
	return out;
}

/* --- golden files ------------------------------------------------------------ */

START_TEST(golden_errors)
{
	char dir[PATH_MAX + 16], expected[PATH_MAX + 300], file[300];
	char **names;
	int n, failed = 0;

	snprintf(dir, sizeof(dir), "%s/errors", policy_dir());
	n = list_policies(dir, &names);
	ck_assert_msg(n >= 20, "only %d golden error files in %s", n, dir);
	for (int i = 0; i < n; i++) {
		struct lstar_policy_input in;
		int errors;
		char *got;

		snprintf(file, sizeof(file), "%s.policy", names[i]);
		in = (struct lstar_policy_input){ .name = file };
		got = compile_in(dir, &in, 1, false, &errors);
		snprintf(expected, sizeof(expected), "%s/%s.expected", dir, names[i]);
		if (golden(expected, got) < 0)
			failed++;
		/* Files named warn-* must compile; the others must not. */
		if (!strncmp(names[i], "warn-", 5) ? errors != 0 : errors == 0) {
			fprintf(stderr, "%s: %d errors\n", file, errors);
			failed++;
		}
		free(got);
	}
	free_names(names, n);
	ck_assert_msg(failed == 0, "%d golden error files differ (see above)", failed);
}
END_TEST

START_TEST(golden_explain)
{
	char dir[PATH_MAX + 16], expected[PATH_MAX + 300], file[300];
	char **names;
	int n, failed = 0, errors;
	char *got;

	snprintf(dir, sizeof(dir), "%s/explain", policy_dir());
	n = list_policies(dir, &names);
	ck_assert_int_ge(n, 1);
	for (int i = 0; i < n; i++) {
		struct lstar_policy_input in;

		snprintf(file, sizeof(file), "%s.policy", names[i]);
		in = (struct lstar_policy_input){ .name = file };
		got = compile_in(dir, &in, 1, true, &errors);
		ck_assert_msg(errors == 0, "%s: %s", file, got);
		snprintf(expected, sizeof(expected), "%s/%s.expected", dir, names[i]);
		failed += golden(expected, got) < 0;
		free(got);
	}
	free_names(names, n);
	/* Each stock profile, by name. */
	for (const struct lstar_policy_profile *p = lstar_policy_profiles; p->name; p++) {
		struct lstar_policy_input in = { .name = p->name };

		got = compile_in(dir, &in, 1, true, &errors);
		ck_assert_msg(errors == 0, "profile %s: %s", p->name, got);
		snprintf(expected, sizeof(expected), "%s/profile-%s.expected", dir, p->name);
		failed += golden(expected, got) < 0;
		free(got);
	}
	ck_assert_msg(failed == 0, "%d explanations differ (see above)", failed);
}
END_TEST

/* --- the evaluator ------------------------------------------------------------ */

START_TEST(vectors)
{
	const struct policy_vector_set *set = &policy_vector_sets[_i];
	struct lstar_policy_input in = { .name = "policy", .text = set->policy };
	struct lstar_policy p;
	char *diag = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&diag, &len);
	int errors = lstar_policy_compile(&in, 1, &p, m);

	fclose(m);
	ck_assert_msg(errors == 0, "set %s: %s", set->name, diag);
	free(diag);
	for (size_t i = 0; i < set->n; i++) {
		const struct policy_vector *v = &set->v[i];
		struct lstar_policy_verdict got = lstar_policy_eval(p.table, v->nr, v->args);
		/* The shim's way: the arguments read in place from a frame,
		 * scattered as the shim's struct pt_regs has them. */
		static const uint8_t slots[6] = { 14, 13, 12, 7, 9, 8 };
		uint64_t frame[21];
		struct lstar_policy_verdict at;
		char where[256];

		for (int k = 0; k < 21; k++)
			frame[k] = 0x5a5a5a5a5a5a5a5aULL ^ (uint64_t)k;
		for (int k = 0; k < 6; k++)
			frame[slots[k]] = v->args[k];
		at = lstar_policy_eval_at(p.table, v->nr, frame, slots);
		ck_assert_msg(at.action == got.action && at.err == got.err && at.src == got.src,
			      "set %s, vector %zu: eval_at differs from eval", set->name, i);

		if (v->nr < LSTAR_POLICY_NR && lstar_policy_syscall_name(v->nr))
			ck_assert_str_eq(lstar_policy_syscall_name(v->nr), v->sys);
		lstar_policy_where(&p, got.src, where, sizeof(where));
		ck_assert_msg(got.action == v->action && got.err == v->err &&
			      !strcmp(where, v->where),
			      "set %s, vector %zu (%s %#llx %#llx %#llx): got action %u errno %u "
			      "from %s, want action %u errno %u from %s", set->name, i, v->sys,
			      (unsigned long long)v->args[0], (unsigned long long)v->args[1],
			      (unsigned long long)v->args[2], got.action, got.err, where,
			      v->action, v->err, v->where);
	}
	lstar_policy_free(&p);
}
END_TEST

/* --- lstar_policy_validate ------------------------------------------------ */

/* A small valid table to break, 8-byte aligned. */
static struct lstar_policy_table *sample_table(size_t *size, struct lstar_policy *p)
{
	struct lstar_policy_input in = {
		.name = "sample",
		.text = "allow read write\nallow write if arg0 == 1 and arg1 < 3\n"
			"deny close errno EBADF\n",
	};
	struct lstar_policy_table *t;

	ck_assert_int_eq(lstar_policy_compile(&in, 1, p, NULL), 0);
	*size = p->table_size;
	t = aligned_alloc(8, (*size + 16 + 7) & ~(size_t)7);
	memcpy(t, p->table, *size);
	ck_assert_int_eq(lstar_policy_validate(t, *size), 0);
	/* The compiler's hints: read is allowed outright, the rest not. */
	ck_assert_int_eq(t->fast[SYS_read], 1);
	ck_assert_int_eq(t->fast[SYS_write], 0);
	ck_assert_int_eq(t->fast[SYS_close], 0);
	ck_assert_int_eq(t->fast[SYS_socket], 0);
	return t;
}

static struct lstar_policy_cond *conds_of(struct lstar_policy_table *t)
{
	return (struct lstar_policy_cond *)&t->rules[t->nrules];
}

/* Each breaks one thing; size may be changed too. */
static void break_magic(struct lstar_policy_table *t, size_t *s) { (void)s; t->magic ^= 1; }
static void break_size_field(struct lstar_policy_table *t, size_t *s) { (void)s; t->size += 8; }
static void break_size_short(struct lstar_policy_table *t, size_t *s) { (void)t; *s -= 8; }
static void break_size_tiny(struct lstar_policy_table *t, size_t *s) { (void)t; *s = 16; }
static void break_nrules(struct lstar_policy_table *t, size_t *s) { (void)s; t->nrules = 70000; }
static void break_nconds(struct lstar_policy_table *t, size_t *s) { (void)s; t->nconds++; }
static void break_overlap(struct lstar_policy_table *t, size_t *s)
{
	(void)s;
	/* write's group starts inside read's */
	t->sys[SYS_write].first_rule = t->sys[SYS_read].first_rule;
}
static void break_gap(struct lstar_policy_table *t, size_t *s)
{
	(void)s;
	t->sys[SYS_write].first_rule++;
}
static void break_count(struct lstar_policy_table *t, size_t *s)
{
	(void)s;
	t->sys[SYS_close].nrules++;	/* past the end of rules[] */
}
static void break_first_cond(struct lstar_policy_table *t, size_t *s)
{
	(void)s;
	t->rules[t->sys[SYS_write].first_rule + 1].first_cond = (uint16_t)t->nconds;
}
static void break_ncond(struct lstar_policy_table *t, size_t *s)
{
	(void)s;
	t->rules[t->sys[SYS_write].first_rule + 1].ncond = 0xffff;
}
static void break_arg(struct lstar_policy_table *t, size_t *s) { (void)s; conds_of(t)[0].arg = 6; }
static void break_op(struct lstar_policy_table *t, size_t *s) { (void)s; conds_of(t)[1].op = 6; }
static void break_action(struct lstar_policy_table *t, size_t *s) { (void)s; t->rules[0].action = 4; }
static void break_errno0(struct lstar_policy_table *t, size_t *s)
{
	(void)s;
	t->rules[t->sys[SYS_close].first_rule].err = 0;
}
static void break_errno4096(struct lstar_policy_table *t, size_t *s)
{
	(void)s;
	t->rules[t->sys[SYS_close].first_rule].err = 4096;
}
static void break_dflt_action(struct lstar_policy_table *t, size_t *s) { (void)s; t->dflt.action = 4; }
static void break_dflt_errno(struct lstar_policy_table *t, size_t *s) { (void)s; t->dflt.err = 0; }
static void break_dflt_cond(struct lstar_policy_table *t, size_t *s) { (void)s; t->dflt.ncond = 1; }

/* Fast-path hints that would let a call skip a rule. */
static void break_fast_cond(struct lstar_policy_table *t, size_t *s)
{
	(void)s;
	t->fast[SYS_write] = 1;		/* its last rule has conditions */
}
static void break_fast_deny(struct lstar_policy_table *t, size_t *s)
{
	(void)s;
	t->fast[SYS_close] = 1;		/* denied */
}
static void break_fast_default(struct lstar_policy_table *t, size_t *s)
{
	(void)s;
	t->fast[SYS_socket] = 1;	/* no rules: the default denies */
}
static void break_fast_value(struct lstar_policy_table *t, size_t *s)
{
	(void)s;
	t->fast[SYS_read] = 2;
}

static void (*const breakers[])(struct lstar_policy_table *, size_t *) = {
	break_fast_cond, break_fast_deny, break_fast_default, break_fast_value,
	break_magic, break_size_field, break_size_short, break_size_tiny, break_nrules,
	break_nconds, break_overlap, break_gap, break_count, break_first_cond, break_ncond,
	break_arg, break_op, break_action, break_errno0, break_errno4096,
	break_dflt_action, break_dflt_errno, break_dflt_cond,
};

START_TEST(validate_hostile)
{
	struct lstar_policy p;
	size_t size;
	struct lstar_policy_table *t = sample_table(&size, &p);

	breakers[_i](t, &size);
	ck_assert_int_eq(lstar_policy_validate(t, size), -1);
	free(t);
	lstar_policy_free(&p);
}
END_TEST

START_TEST(validate_misaligned)
{
	struct lstar_policy p;
	size_t size;
	struct lstar_policy_table *t = sample_table(&size, &p);
	char *odd = (char *)t + 4;

	memmove(odd, t, size);
	ck_assert_int_eq(lstar_policy_validate(odd, size), -1);
	free(t);
	lstar_policy_free(&p);
}
END_TEST

/* --- the compiler's results ------------------------------------------------- */

static int compile_text(const char *text, struct lstar_policy *p, char **diag)
{
	struct lstar_policy_input in = { .name = "t.policy", .text = text };
	size_t len = 0;
	FILE *m;
	int errors;

	if (!diag)
		return lstar_policy_compile(&in, 1, p, NULL);
	m = open_memstream(diag, &len);
	errors = lstar_policy_compile(&in, 1, p, m);
	fclose(m);
	return errors;
}

START_TEST(names)
{
	ck_assert_str_eq(lstar_policy_syscall_name(0), "read");
	ck_assert_str_eq(lstar_policy_syscall_name(SYS_openat), "openat");
	ck_assert_ptr_null(lstar_policy_syscall_name(LSTAR_POLICY_NR));
	ck_assert_ptr_null(lstar_policy_syscall_name(UINT64_MAX));
	ck_assert_int_eq(lstar_policy_syscall_number("newfstatat"), SYS_newfstatat);
	ck_assert_int_eq(lstar_policy_syscall_number("socketcall"), -1);	/* i386 only */
	ck_assert_int_eq(lstar_policy_syscall_number("nosuchcall"), -1);
	ck_assert_int_eq(lstar_policy_syscall_number(""), -1);
	ck_assert_str_eq(lstar_policy_errno_name(EACCES), "EACCES");
	ck_assert_str_eq(lstar_policy_errno_name(EAGAIN), "EAGAIN");
	ck_assert_str_eq(lstar_policy_errno_name(ENOSYS), "ENOSYS");
	ck_assert_ptr_null(lstar_policy_errno_name(0));
	ck_assert_ptr_null(lstar_policy_errno_name(-1));
}
END_TEST

/* A path line: normalized, and the file syscalls it implies come from it. */
START_TEST(paths)
{
	struct lstar_policy p;
	char *diag = NULL, w[64];
	struct lstar_policy_verdict v;
	const uint64_t args[6] = { 0 };

	ck_assert_int_eq(compile_text("default deny errno ENOENT\n"
				      "path ro //usr/./share//dict/\n"
				      "path rw \"/tmp/a \\\"b\\\\\"\n"
				      "path ro /\n", &p, &diag), 0);
	ck_assert_str_eq(diag, "");
	ck_assert_int_eq(p.npaths, 3);
	ck_assert_str_eq(p.paths[0].path, "/usr/share/dict");
	ck_assert(!p.paths[0].writable);
	ck_assert_str_eq(p.paths[1].path, "/tmp/a \"b\\");
	ck_assert(p.paths[1].writable);
	ck_assert_str_eq(p.paths[2].path, "/");
	ck_assert_str_eq(lstar_policy_where(&p, p.paths[1].src, w, sizeof(w)), "t.policy:3");
	ck_assert_str_eq(p.sources[p.paths[1].src].text, "path rw \"/tmp/a \\\"b\\\\\"");
	v = lstar_policy_eval(p.table, SYS_openat, args);
	ck_assert_int_eq(v.action, LSTAR_ACT_ALLOW);
	ck_assert_str_eq(lstar_policy_where(&p, v.src, w, sizeof(w)), "t.policy:4");
	/* Changes pass a read-only path too (the VMM says EROFS); only
	 * writing through a descriptor needs rw. */
	v = lstar_policy_eval(p.table, SYS_unlinkat, args);
	ck_assert_int_eq(v.action, LSTAR_ACT_ALLOW);
	ck_assert_str_eq(lstar_policy_where(&p, v.src, w, sizeof(w)), "t.policy:4");
	v = lstar_policy_eval(p.table, SYS_pwrite64, args);
	ck_assert_int_eq(v.action, LSTAR_ACT_ALLOW);
	ck_assert_str_eq(lstar_policy_where(&p, v.src, w, sizeof(w)), "t.policy:3");
	v = lstar_policy_eval(p.table, SYS_socket, args);
	ck_assert_int_eq(v.action, LSTAR_ACT_ERRNO);
	ck_assert_int_eq(v.err, ENOENT);
	lstar_policy_free(&p);
	free(diag);
}
END_TEST

/* "as DEST": where the program sees the tree, normalized like the path;
 * "as" the path itself is no mapping. */
START_TEST(paths_mapped)
{
	struct lstar_policy p;
	char *diag = NULL;

	ck_assert_int_eq(compile_text("path ro /srv/rootfs/ as //\n"
				      "path rw /srv/data as \"/data//./x/\"\n"
				      "path ro /etc/hosts as /etc/hosts\n", &p, &diag), 0);
	ck_assert_str_eq(diag, "");
	ck_assert_int_eq(p.npaths, 3);
	ck_assert_str_eq(p.paths[0].path, "/srv/rootfs");
	ck_assert_str_eq(p.paths[0].guest, "/");
	ck_assert_str_eq(p.paths[1].path, "/srv/data");
	ck_assert_str_eq(p.paths[1].guest, "/data/x");
	ck_assert(p.paths[1].writable);
	ck_assert_ptr_null(p.paths[2].guest);
	lstar_policy_free(&p);
	free(diag);
}
END_TEST

START_TEST(limits)
{
	struct lstar_policy p;
	char *diag = NULL, w[64];

	ck_assert_int_eq(compile_text("limit memory 256M\nlimit time 1.5m\nlimit files 64\n"
				      "limit memory 16MiB # the least\n", &p, &diag), 0);
	ck_assert_ptr_nonnull(strstr(diag, "t.policy:4:7: warning: memory limit set again"));
	ck_assert_uint_eq(p.mem, 16ULL << 20);
	ck_assert(p.time == 90.0);
	ck_assert_int_eq(p.files, 64);
	ck_assert_str_eq(lstar_policy_where(&p, p.mem_src, w, sizeof(w)), "t.policy:4");
	ck_assert_str_eq(p.sources[p.mem_src].text, "limit memory 16MiB");
	ck_assert_str_eq(lstar_policy_where(&p, p.time_src, w, sizeof(w)), "t.policy:2");
	lstar_policy_free(&p);
	free(diag);
	diag = NULL;
	/* None set: zero, and the default is the built-in deny EPERM. */
	ck_assert_int_eq(compile_text("", &p, &diag), 0);
	ck_assert_uint_eq(p.mem, 0);
	ck_assert(p.time == 0);
	ck_assert_int_eq(p.files, 0);
	ck_assert_int_eq(p.table->nrules, 0);
	ck_assert_int_eq(p.table->dflt.action, LSTAR_ACT_ERRNO);
	ck_assert_int_eq(p.table->dflt.err, EPERM);
	ck_assert_str_eq(lstar_policy_where(&p, p.table->dflt.src, w, sizeof(w)), "(built-in)");
	ck_assert_str_eq(lstar_policy_where(&p, 999, w, sizeof(w)), "?");
	lstar_policy_free(&p);
	free(diag);
}
END_TEST

/* SIZE, as `limit memory` and lstar run --mem share it. */
START_TEST(sizes)
{
	static const struct { const char *s; int ok; uint64_t v; } cases[] = {
		{ "0", 0, 0 }, { "4096", 0, 4096 }, { "16777216B", 0, 16 << 20 },
		{ "64K", 0, 64 << 10 }, { "64k", 0, 64 << 10 }, { "256M", 0, 256 << 20 },
		{ "256MiB", 0, 256 << 20 }, { "256Mi", 0, 256 << 20 },
		{ "256MB", 0, 256 << 20 }, { "2G", 0, 2ULL << 30 },
		{ "18446744073709551615", 0, UINT64_MAX },
		{ "18446744073709551616", -1, 0 }, { "17179869184G", -1, 0 },
		{ "", -1, 0 }, { "M", -1, 0 }, { "lots", -1, 0 }, { "12Q", -1, 0 },
		{ "256MX", -1, 0 }, { "64iB", -1, 0 }, { "64BB", -1, 0 }, { "-1", -1, 0 },
		{ " 64M", -1, 0 }, { "64M ", -1, 0 }, { "0x10", -1, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 12345;
		int r = lstar_policy_parse_size(cases[i].s, strlen(cases[i].s), &v);

		ck_assert_msg(r == cases[i].ok && (r || v == cases[i].v),
			      "size '%s': got %d, %llu", cases[i].s, r, (unsigned long long)v);
	}
}
END_TEST

/* Several inputs: a file, then the command line's paths, as lstar run
 * gives them.  The paths' implied allows decide what no explicit rule
 * does (openat under compute), never what one does (default's). */
START_TEST(inputs)
{
	const struct lstar_policy_input in[] = {
		{ .name = "compute" },
		{ .name = "command line", .text = "path ro \"/usr/share\"\npath rw \"/tmp/x y\"\n" },
	};
	const uint64_t args[6] = { 0 };
	struct lstar_policy p;
	struct lstar_policy_verdict v;
	char w[64];

	ck_assert_int_eq(lstar_policy_compile(in, 2, &p, NULL), 0);
	ck_assert_int_eq(p.npaths, 2);
	ck_assert_str_eq(p.paths[1].path, "/tmp/x y");
	v = lstar_policy_eval(p.table, SYS_openat, args);
	ck_assert_int_eq(v.action, LSTAR_ACT_ALLOW);
	ck_assert_str_eq(lstar_policy_where(&p, v.src, w, sizeof(w)), "command line:2");
	v = lstar_policy_eval(p.table, SYS_socket, args);
	ck_assert_int_eq(v.err, ENOSYS);
	lstar_policy_free(&p);
}
END_TEST

/* A path line, wherever it is, never undoes an explicit rule: not a
 * `deny` before it, not one of another tree's. */
START_TEST(implied_rules_lowest)
{
	const struct lstar_policy_input in[] = {
		{ .name = "t.policy", .text = "use default\npath rw /tmp/out\n"
					      "deny unlink unlinkat errno EPERM\n"
					      "kill truncate\npath ro /tmp/in\n" },
		{ .name = "command line", .text = "path ro \"/usr/share\"\n" },
	};
	const uint64_t args[6] = { 0 };
	struct lstar_policy p;
	struct lstar_policy_verdict v;
	char w[64];

	ck_assert_int_eq(lstar_policy_compile(in, 2, &p, NULL), 0);
	v = lstar_policy_eval(p.table, SYS_unlinkat, args);
	ck_assert_int_eq(v.action, LSTAR_ACT_ERRNO);
	ck_assert_int_eq(v.err, EPERM);
	ck_assert_str_eq(lstar_policy_where(&p, v.src, w, sizeof(w)), "t.policy:3");
	v = lstar_policy_eval(p.table, SYS_truncate, args);
	ck_assert_int_eq(v.action, LSTAR_ACT_KILL);
	/* pwrite64: only the rw path's implied rule names it */
	v = lstar_policy_eval(p.table, SYS_pwrite64, args);
	ck_assert_int_eq(v.action, LSTAR_ACT_ALLOW);
	ck_assert_int_eq(p.table->sys[SYS_pwrite64].nrules, 2);	/* stdio's + one implied */
	lstar_policy_free(&p);
}
END_TEST

/* --- net rules --------------------------------------------------------------- */

/* Every form a `net` line may take, as the compiler keeps it: how many
 * rules the line makes and each written back (lstar_policy_net_text). */
static const struct {
	const char *line;
	int op;			/* enum lstar_net_op of every rule */
	int nrules;
	const char *rule[2];
} net_forms[] = {
	{ "net connect 127.0.0.1:8080", LSTAR_NET_CONNECT, 1, { "127.0.0.1:8080" } },
	{ "net connect 10.0.0.0/8:443", LSTAR_NET_CONNECT, 1, { "10.0.0.0/8:443" } },
	{ "net connect 0.0.0.0/0:*", LSTAR_NET_CONNECT, 1, { "0.0.0.0/0:*" } },
	{ "net connect 192.168.1.128/25:22/tcp", LSTAR_NET_CONNECT, 1, { "192.168.1.128/25:22/tcp" } },
	{ "net connect 255.255.255.255:0", LSTAR_NET_CONNECT, 1, { "255.255.255.255:0" } },
	{ "net connect [::1]:5432", LSTAR_NET_CONNECT, 1, { "[::1]:5432" } },
	{ "net connect [2001:db8::/32]:443", LSTAR_NET_CONNECT, 1, { "[2001:db8::/32]:443" } },
	{ "net connect [::/0]:*", LSTAR_NET_CONNECT, 1, { "[::/0]:*" } },
	{ "net connect [2001:DB8:0:0::1]:80", LSTAR_NET_CONNECT, 1, { "[2001:db8::1]:80" } },
	/* An IPv4-mapped address is the IPv4 address it maps. */
	{ "net connect [::ffff:10.0.0.0/104]:80", LSTAR_NET_CONNECT, 1, { "10.0.0.0/8:80" } },
	{ "net connect [::ffff:127.0.0.1]:80", LSTAR_NET_CONNECT, 1, { "127.0.0.1:80" } },
	{ "net connect *:53/udp", LSTAR_NET_CONNECT, 1, { "*:53/udp" } },
	{ "net connect *:*", LSTAR_NET_CONNECT, 1, { "*:*" } },
	{ "net connect *:0-65535/tcp", LSTAR_NET_CONNECT, 1, { "*:*/tcp" } },
	{ "net connect 1.2.3.4:080", LSTAR_NET_CONNECT, 1, { "1.2.3.4:80" } },
	{ "net listen 127.0.0.1:8000-8099/tcp", LSTAR_NET_LISTEN, 1, { "127.0.0.1:8000-8099/tcp" } },
	{ "net listen 127.0.0.1:7-7", LSTAR_NET_LISTEN, 1, { "127.0.0.1:7" } },
	{ "net listen *:8080", LSTAR_NET_LISTEN, 1, { "*:8080" } },
	{ "net listen [fe80::/10]:0/udp", LSTAR_NET_LISTEN, 1, { "[fe80::/10]:0/udp" } },
	/* A port alone: the loopback addresses, both families. */
	{ "net listen 8080", LSTAR_NET_LISTEN, 2, { "127.0.0.0/8:8080", "[::1]:8080" } },
	{ "net listen 8000-8010/udp", LSTAR_NET_LISTEN, 2, { "127.0.0.0/8:8000-8010/udp", "[::1]:8000-8010/udp" } },
	{ "net listen *", LSTAR_NET_LISTEN, 2, { "127.0.0.0/8:*", "[::1]:*" } },
	{ "net listen */tcp  # a comment", LSTAR_NET_LISTEN, 2, { "127.0.0.0/8:*/tcp", "[::1]:*/tcp" } },
};

START_TEST(net_parse)
{
	struct lstar_policy p;
	char *diag = NULL, text[256], got[80], w[64];

	snprintf(text, sizeof(text), "default deny\n%s\n", net_forms[_i].line);
	ck_assert_msg(compile_text(text, &p, &diag) == 0, "%s: %s", net_forms[_i].line, diag);
	ck_assert_msg(!strstr(diag, "warning"), "%s: %s", net_forms[_i].line, diag);
	ck_assert_int_eq(p.nnets, net_forms[_i].nrules);
	for (int i = 0; i < p.nnets; i++) {
		ck_assert_str_eq(lstar_policy_net_text(&p.nets[i], got, sizeof(got)),
				 net_forms[_i].rule[i]);
		ck_assert_int_eq(p.nets[i].op, net_forms[_i].op);
		ck_assert_str_eq(lstar_policy_where(&p, p.nets[i].src, w, sizeof(w)), "t.policy:2");
	}
	ck_assert(!p.dns);
	lstar_policy_free(&p);
	free(diag);
}
END_TEST

/* The fields themselves, where the text could hide a mistake: the bytes
 * past an IPv4 address, '*' as family 0, the protocol masks. */
START_TEST(net_fields)
{
	static const uint8_t v4[16] = { 10 }, loop6[16] = { [15] = 1 }, zero[16] = { 0 };
	struct lstar_policy p;
	char *diag = NULL;

	ck_assert_int_eq(compile_text("net connect 10.0.0.0/8:443/tcp\n"
				      "net connect *:53/udp\n"
				      "net listen 8080\n"
				      "net connect [::ffff:10.0.0.0/104]:1-2\n", &p, &diag), 0);
	ck_assert_int_eq(p.nnets, 5);
	ck_assert_int_eq(p.nets[0].family, 4);
	ck_assert_int_eq(p.nets[0].prefix, 8);
	ck_assert_mem_eq(p.nets[0].addr, v4, 16);
	ck_assert_int_eq(p.nets[0].protos, LSTAR_NET_TCP);
	ck_assert_int_eq(p.nets[0].port_lo, 443);
	ck_assert_int_eq(p.nets[0].port_hi, 443);
	ck_assert_int_eq(p.nets[1].family, 0);
	ck_assert_int_eq(p.nets[1].prefix, 0);
	ck_assert_mem_eq(p.nets[1].addr, zero, 16);
	ck_assert_int_eq(p.nets[1].protos, LSTAR_NET_UDP);
	ck_assert_int_eq(p.nets[2].protos, LSTAR_NET_TCP | LSTAR_NET_UDP);
	ck_assert_int_eq(p.nets[2].family, 4);
	ck_assert_int_eq(p.nets[2].prefix, 8);
	ck_assert_int_eq(p.nets[2].addr[0], 127);
	ck_assert_int_eq(p.nets[3].family, 6);
	ck_assert_int_eq(p.nets[3].prefix, 128);
	ck_assert_mem_eq(p.nets[3].addr, loop6, 16);
	ck_assert_int_eq(p.nets[4].family, 4);
	ck_assert_int_eq(p.nets[4].prefix, 8);
	ck_assert_mem_eq(p.nets[4].addr, v4, 16);
	ck_assert_int_eq(p.nets[4].port_lo, 1);
	ck_assert_int_eq(p.nets[4].port_hi, 2);
	lstar_policy_free(&p);
	free(diag);
}
END_TEST

/* `net dns` and `net dns FILE`; the last wins, a repeat in one file is a
 * warning, one across inputs is not. */
START_TEST(net_dns)
{
	const struct lstar_policy_input in[] = {
		{ .name = "t.policy", .text = "net dns /etc/lstar//resolv.conf\n" },
		{ .name = "command line", .text = "net dns\n" },
	};
	struct lstar_policy p;
	char *diag = NULL, w[64];

	ck_assert_int_eq(compile_text("use stdio\nnet dns\n", &p, &diag), 0);
	ck_assert_str_eq(diag, "");
	ck_assert(p.dns);
	ck_assert_ptr_null(p.dns_conf);
	ck_assert_int_eq(p.nnets, 0);
	ck_assert_str_eq(lstar_policy_where(&p, p.dns_src, w, sizeof(w)), "t.policy:2");
	lstar_policy_free(&p);
	free(diag);
	diag = NULL;

	ck_assert_int_eq(compile_text("net dns\nnet dns \"/etc/my resolv.conf\"\n", &p, &diag), 0);
	ck_assert_str_eq(diag, "t.policy:2:5: warning: net dns set again (line 1 set it too): "
			 "this one counts\n");
	ck_assert_str_eq(p.dns_conf, "/etc/my resolv.conf");
	ck_assert_str_eq(lstar_policy_where(&p, p.dns_src, w, sizeof(w)), "t.policy:2");
	lstar_policy_free(&p);
	free(diag);

	ck_assert_int_eq(lstar_policy_compile(in, 1, &p, NULL), 0);
	ck_assert_str_eq(p.dns_conf, "/etc/lstar/resolv.conf");
	lstar_policy_free(&p);
	ck_assert_int_eq(lstar_policy_compile(in, 2, &p, NULL), 0);
	ck_assert(p.dns);
	ck_assert_ptr_null(p.dns_conf);
	ck_assert_str_eq(lstar_policy_where(&p, p.dns_src, w, sizeof(w)), "command line:1");
	lstar_policy_free(&p);
	/* Without any net line: no dns, no rules, no socket calls. */
	ck_assert_int_eq(compile_text("default deny\n", &p, NULL), 0);
	ck_assert(!p.dns);
	ck_assert_int_eq(p.table->sys[SYS_socket].nrules, 0);
	lstar_policy_free(&p);
}
END_TEST

/*
 * Judging an address: prefix edges, both families and IPv4-mapped
 * IPv6, port range edges, the protocol, the kind of rule, and the last
 * matching rule named.
 */
START_TEST(net_find)
{
	static const struct {
		int op, proto, family;
		const char *addr;
		uint16_t port;
		int line;		/* of the rule that lets it through; 0: none */
	} cases[] = {
		/* line 2: 10.0.0.0/8:443/tcp */
		{ LSTAR_NET_CONNECT, LSTAR_NET_TCP, 4, "10.0.0.0", 443, 2 },
		{ LSTAR_NET_CONNECT, LSTAR_NET_TCP, 4, "10.255.255.255", 443, 2 },
		{ LSTAR_NET_CONNECT, LSTAR_NET_TCP, 4, "9.255.255.255", 443, 0 },
		{ LSTAR_NET_CONNECT, LSTAR_NET_TCP, 4, "11.0.0.0", 443, 0 },
		{ LSTAR_NET_CONNECT, LSTAR_NET_UDP, 4, "10.1.1.1", 443, 0 },	/* /tcp only */
		{ LSTAR_NET_LISTEN, LSTAR_NET_TCP, 4, "10.1.1.1", 443, 0 },	/* connect only */
		{ LSTAR_NET_CONNECT, LSTAR_NET_TCP, 4, "10.1.1.1", 442, 0 },
		{ LSTAR_NET_CONNECT, LSTAR_NET_TCP, 4, "10.1.1.1", 444, 0 },
		/* IPv4-mapped IPv6 is judged as IPv4 */
		{ LSTAR_NET_CONNECT, LSTAR_NET_TCP, 6, "::ffff:10.9.8.7", 443, 2 },
		{ LSTAR_NET_CONNECT, LSTAR_NET_TCP, 6, "::ffff:11.9.8.7", 443, 0 },
		{ LSTAR_NET_CONNECT, LSTAR_NET_TCP, 6, "::10.9.8.7", 443, 0 },	/* not mapped */
		/* line 3: 12.0.0.0/7:80-81 (12 and 13) */
		{ LSTAR_NET_CONNECT, LSTAR_NET_UDP, 4, "12.0.0.1", 80, 3 },
		{ LSTAR_NET_CONNECT, LSTAR_NET_UDP, 4, "13.255.255.255", 81, 3 },
		{ LSTAR_NET_CONNECT, LSTAR_NET_UDP, 4, "14.0.0.0", 80, 0 },
		{ LSTAR_NET_CONNECT, LSTAR_NET_UDP, 4, "11.255.255.255", 80, 0 },
		{ LSTAR_NET_CONNECT, LSTAR_NET_UDP, 4, "12.0.0.1", 82, 0 },
		{ LSTAR_NET_CONNECT, LSTAR_NET_UDP, 4, "12.0.0.1", 79, 0 },
		/* line 4: 192.0.2.1:5000-5009 (a /32) */
		{ LSTAR_NET_CONNECT, LSTAR_NET_TCP, 4, "192.0.2.1", 5000, 4 },
		{ LSTAR_NET_CONNECT, LSTAR_NET_TCP, 4, "192.0.2.1", 5009, 4 },
		{ LSTAR_NET_CONNECT, LSTAR_NET_TCP, 4, "192.0.2.1", 5010, 0 },
		{ LSTAR_NET_CONNECT, LSTAR_NET_TCP, 4, "192.0.2.0", 5000, 0 },
		{ LSTAR_NET_CONNECT, LSTAR_NET_TCP, 4, "192.0.2.2", 5000, 0 },
		/* line 5: [2001:db8::/32]:443; line 6: [::1]:5432 (a /128) */
		{ LSTAR_NET_CONNECT, LSTAR_NET_TCP, 6, "2001:db8::", 443, 5 },
		{ LSTAR_NET_CONNECT, LSTAR_NET_TCP, 6, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 443, 5 },
		{ LSTAR_NET_CONNECT, LSTAR_NET_TCP, 6, "2001:db9::", 443, 0 },
		{ LSTAR_NET_CONNECT, LSTAR_NET_TCP, 6, "2001:db7:ffff::", 443, 0 },
		{ LSTAR_NET_CONNECT, LSTAR_NET_TCP, 4, "32.1.13.184", 443, 0 },	/* 2001:db8 as IPv4 */
		{ LSTAR_NET_CONNECT, LSTAR_NET_TCP, 6, "::1", 5432, 6 },
		{ LSTAR_NET_CONNECT, LSTAR_NET_TCP, 6, "::2", 5432, 0 },
		{ LSTAR_NET_CONNECT, LSTAR_NET_TCP, 6, "::", 5432, 0 },
		{ LSTAR_NET_CONNECT, LSTAR_NET_TCP, 4, "0.0.0.1", 5432, 0 },
		/* line 7: *:53/udp, both families; line 8: 0.0.0.0/0:7 IPv4 only;
		 * line 9: [::/0]:7 IPv6 only, not IPv4-mapped */
		{ LSTAR_NET_CONNECT, LSTAR_NET_UDP, 4, "8.8.8.8", 53, 7 },
		{ LSTAR_NET_CONNECT, LSTAR_NET_UDP, 6, "2001:4860::8888", 53, 7 },
		{ LSTAR_NET_CONNECT, LSTAR_NET_UDP, 6, "::ffff:8.8.8.8", 53, 7 },
		{ LSTAR_NET_CONNECT, LSTAR_NET_TCP, 4, "8.8.8.8", 53, 0 },
		{ LSTAR_NET_CONNECT, LSTAR_NET_TCP, 4, "255.255.255.255", 7, 8 },
		{ LSTAR_NET_CONNECT, LSTAR_NET_TCP, 6, "ffff::1", 7, 9 },
		{ LSTAR_NET_CONNECT, LSTAR_NET_TCP, 6, "::ffff:1.2.3.4", 7, 8 },
		/* line 10: listen 8080 (127.0.0.0/8 and ::1) */
		{ LSTAR_NET_LISTEN, LSTAR_NET_TCP, 4, "127.0.0.1", 8080, 10 },
		{ LSTAR_NET_LISTEN, LSTAR_NET_UDP, 4, "127.255.255.254", 8080, 10 },
		{ LSTAR_NET_LISTEN, LSTAR_NET_TCP, 6, "::1", 8080, 10 },
		{ LSTAR_NET_LISTEN, LSTAR_NET_TCP, 6, "::ffff:127.0.0.1", 8080, 10 },
		{ LSTAR_NET_LISTEN, LSTAR_NET_TCP, 4, "128.0.0.1", 8080, 0 },
		{ LSTAR_NET_LISTEN, LSTAR_NET_TCP, 4, "10.0.0.1", 8080, 0 },
		{ LSTAR_NET_LISTEN, LSTAR_NET_TCP, 6, "::2", 8080, 0 },
		{ LSTAR_NET_LISTEN, LSTAR_NET_TCP, 4, "127.0.0.1", 8081, 0 },
		{ LSTAR_NET_CONNECT, LSTAR_NET_TCP, 4, "127.0.0.1", 8080, 0 },
		/* lines 11 and 12 both let 127.0.0.1:9000 through: the last is named */
		{ LSTAR_NET_CONNECT, LSTAR_NET_TCP, 4, "127.0.0.1", 9000, 12 },
		{ LSTAR_NET_CONNECT, LSTAR_NET_TCP, 4, "127.0.0.2", 9000, 11 },
	};
	static const char text[] =
		"default deny\n"
		"net connect 10.0.0.0/8:443/tcp\n"
		"net connect 12.0.0.0/7:80-81\n"
		"net connect 192.0.2.1:5000-5009\n"
		"net connect [2001:db8::/32]:443\n"
		"net connect [::1]:5432\n"
		"net connect *:53/udp\n"
		"net connect 0.0.0.0/0:7\n"
		"net connect [::/0]:7\n"
		"net listen 8080\n"
		"net connect 127.0.0.0/8:9000\n"
		"net connect 127.0.0.1:9000/tcp\n";
	struct lstar_policy p;
	char *diag = NULL;

	ck_assert_int_eq(compile_text(text, &p, &diag), 0);
	ck_assert_str_eq(diag, "");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct lstar_policy_net *n;
		uint8_t addr[16];

		ck_assert(inet_pton(cases[i].family == 4 ? AF_INET : AF_INET6, cases[i].addr, addr) == 1);
		n = lstar_policy_net_find(&p, cases[i].op, cases[i].proto, cases[i].family, addr,
					  cases[i].port);
		ck_assert_msg(cases[i].line ? n && p.sources[n->src].line == cases[i].line : !n,
			      "%s %s:%u/%s: rule of line %d, want %d",
			      cases[i].op == LSTAR_NET_CONNECT ? "connect" : "listen", cases[i].addr,
			      cases[i].port, cases[i].proto == LSTAR_NET_TCP ? "tcp" : "udp",
			      n ? p.sources[n->src].line : 0, cases[i].line);
	}
	lstar_policy_free(&p);
	free(diag);
	/* No rule at all: nothing is let through. */
	ck_assert_int_eq(compile_text("use stdio\n", &p, NULL), 0);
	ck_assert_ptr_null(lstar_policy_net_find(&p, LSTAR_NET_CONNECT, LSTAR_NET_TCP, 4,
						 (const uint8_t *)"\x7f\0\0\1", 80));
	lstar_policy_free(&p);
	/* '*:*' lets anything through of its kind, both families. */
	ck_assert_int_eq(compile_text("net connect *:*\n", &p, NULL), 0);
	ck_assert_ptr_nonnull(lstar_policy_net_find(&p, LSTAR_NET_CONNECT, LSTAR_NET_UDP, 6,
						    (const uint8_t *)"\xfe\x80\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 0));
	ck_assert_ptr_nonnull(lstar_policy_net_find(&p, LSTAR_NET_CONNECT, LSTAR_NET_TCP, 4,
						    (const uint8_t *)"\1\2\3\4", 65535));
	ck_assert_ptr_null(lstar_policy_net_find(&p, LSTAR_NET_LISTEN, LSTAR_NET_TCP, 4,
						 (const uint8_t *)"\1\2\3\4", 65535));
	lstar_policy_free(&p);
}
END_TEST

/*
 * A net line allows the socket calls and the waits of an event loop as
 * the lowest layer: an explicit rule decides first, wherever it is, and a
 * net line after a `deny` does not undo it.  `net dns` adds the reads of
 * its made-up files; connect and listen do not.
 */
START_TEST(net_implied_lowest)
{
	const struct lstar_policy_input in[] = {
		{ .name = "t.policy", .text = "default deny errno ENOSYS\n"
					      "deny connect errno EPERM\n"
					      "net connect 127.0.0.1:80\n"
					      "kill bind\n" },
		{ .name = "command line", .text = "net listen 8080\n" },
	};
	static const int implied[] = {
		SYS_socket, SYS_socketpair, SYS_accept, SYS_accept4, SYS_listen,
		SYS_sendto, SYS_recvfrom, SYS_sendmsg, SYS_recvmsg, SYS_sendmmsg, SYS_recvmmsg,
		SYS_shutdown, SYS_getsockopt, SYS_setsockopt, SYS_getsockname, SYS_getpeername,
		SYS_poll, SYS_ppoll, SYS_select, SYS_pselect6, SYS_epoll_create, SYS_epoll_create1,
		SYS_epoll_ctl, SYS_epoll_wait, SYS_epoll_pwait, SYS_epoll_pwait2,
	};
	static const int dns_only[] = {
		SYS_open, SYS_openat, SYS_read, SYS_readv, SYS_close, SYS_fstat, SYS_newfstatat,
		SYS_lseek, SYS_fcntl,
	};
	const uint64_t args[6] = { 0 };
	struct lstar_policy p;
	struct lstar_policy_verdict v;
	char w[64];

	ck_assert_int_eq(lstar_policy_compile(in, 2, &p, NULL), 0);
	for (size_t i = 0; i < sizeof(implied) / sizeof(implied[0]); i++) {
		v = lstar_policy_eval(p.table, (uint64_t)implied[i], args);
		ck_assert_msg(v.action == LSTAR_ACT_ALLOW, "%s", lstar_policy_syscall_name(implied[i]));
		ck_assert_str_eq(lstar_policy_where(&p, v.src, w, sizeof(w)), "command line:1");
	}
	for (size_t i = 0; i < sizeof(dns_only) / sizeof(dns_only[0]); i++) {
		v = lstar_policy_eval(p.table, (uint64_t)dns_only[i], args);
		ck_assert_msg(v.action == LSTAR_ACT_ERRNO && v.err == ENOSYS, "%s",
			      lstar_policy_syscall_name(dns_only[i]));
	}
	v = lstar_policy_eval(p.table, SYS_connect, args);
	ck_assert_int_eq(v.action, LSTAR_ACT_ERRNO);
	ck_assert_int_eq(v.err, EPERM);
	ck_assert_str_eq(lstar_policy_where(&p, v.src, w, sizeof(w)), "t.policy:2");
	v = lstar_policy_eval(p.table, SYS_bind, args);
	ck_assert_int_eq(v.action, LSTAR_ACT_KILL);
	/* eventfd is stdio's, not a net line's */
	v = lstar_policy_eval(p.table, SYS_eventfd2, args);
	ck_assert_int_eq(v.err, ENOSYS);
	lstar_policy_free(&p);

	ck_assert_int_eq(compile_text("default deny errno ENOSYS\nnet dns\n", &p, NULL), 0);
	for (size_t i = 0; i < sizeof(dns_only) / sizeof(dns_only[0]); i++) {
		v = lstar_policy_eval(p.table, (uint64_t)dns_only[i], args);
		ck_assert_msg(v.action == LSTAR_ACT_ALLOW, "%s", lstar_policy_syscall_name(dns_only[i]));
		ck_assert_str_eq(lstar_policy_where(&p, v.src, w, sizeof(w)), "t.policy:2");
	}
	v = lstar_policy_eval(p.table, SYS_connect, args);
	ck_assert_int_eq(v.action, LSTAR_ACT_ALLOW);
	/* nothing that writes */
	v = lstar_policy_eval(p.table, SYS_write, args);
	ck_assert_int_eq(v.err, ENOSYS);
	lstar_policy_free(&p);
}
END_TEST

/* A bad net line adds nothing: no rule, no implied call, no dns. */
START_TEST(net_bad_adds_nothing)
{
	static const char *const lines[] = {
		"net connect example.com:80", "net connect 10.1.2.3/8:80", "net connect ::1:80",
		"net connect 1.2.3.4:65536", "net listen 9-8", "net connect *:1/icmp",
		"net dns resolv.conf", "net listen", "net connect 8080",
	};

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		struct lstar_policy_input in = { .name = "t.policy", .text = lines[i] };
		char *diag = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&diag, &len);
		struct lstar_policy p;

		ck_assert_int_eq(lstar_policy_compile(&in, 1, &p, m), 1);
		fclose(m);
		ck_assert_msg(strstr(diag, "t.policy:1:"), "%s: %s", lines[i], diag);
		ck_assert_ptr_null(p.nets);
		ck_assert(!p.dns);
		free(diag);
	}
}
END_TEST

/* --- hostile text ----------------------------------------------------------- */

START_TEST(hostile_nul)
{
	static const char text[] = "allow read\nallow wr\0ite\nallow close\n";
	FILE *f = tmpfile();
	char path[64], *diag = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&diag, &len);
	struct lstar_policy p;
	struct lstar_policy_input in = { .name = path };

	ck_assert_ptr_nonnull(f);
	fwrite(text, 1, sizeof(text) - 1, f);
	fflush(f);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fileno(f));
	ck_assert_int_eq(lstar_policy_compile(&in, 1, &p, m), 1);
	fclose(m);
	ck_assert_msg(strstr(diag, ":2:9: error: NUL byte in the line") != NULL, "%s", diag);
	free(diag);
	fclose(f);
}
END_TEST

START_TEST(hostile_long_line)
{
	size_t n = 1000000;
	char *text = malloc(n + 64), *diag = NULL;
	struct lstar_policy p;

	/* One word of a million bytes: reported, quoted short. */
	memcpy(text, "allow ", 6);
	memset(text + 6, 'x', n);
	strcpy(text + 6 + n, "\n");
	ck_assert_int_eq(compile_text(text, &p, &diag), 1);
	ck_assert_msg(strlen(diag) < 400, "%s", diag);
	ck_assert_ptr_nonnull(strstr(diag, "unknown syscall 'xxxx"));
	free(diag);
	diag = NULL;
	/* A million bytes of conditions: too many for one rule. */
	strcpy(text, "allow read if arg0 == 1");
	for (size_t o = strlen(text); o + 20 < n; o += 13) {
		memcpy(text + o, " and arg1 < 9", 13);
		text[o + 13] = '\0';
	}
	ck_assert_int_eq(compile_text(text, &p, &diag), 1);
	ck_assert_ptr_nonnull(strstr(diag, "too many conditions in one rule"));
	free(diag);
	diag = NULL;
	/* More than 1 MiB in all. */
	text = realloc(text, (2 << 20) + 1);
	memset(text, '#', 2 << 20);
	text[2 << 20] = '\0';
	ck_assert_int_eq(compile_text(text, &p, &diag), 1);
	ck_assert_str_eq(diag, "t.policy: error: policy is too large (more than 1 MiB)\n");
	free(diag);
	free(text);
}
END_TEST

/* Numbers at and past 64 bits, in every base (read's count is a size:
 * all 64 bits count). */
START_TEST(hostile_numbers)
{
	static const struct {
		const char *text;
		int errors;
	} cases[] = {
		{ "allow read if arg2 == 18446744073709551615", 0 },
		{ "allow read if arg2 == 18446744073709551616", 1 },
		{ "allow read if arg2 == 0xffffffffffffffff", 0 },
		{ "allow read if arg2 == 0x10000000000000000", 1 },
		{ "allow read if arg2 == 0o1777777777777777777777", 0 },
		{ "allow read if arg2 == 02000000000000000000000", 1 },
		{ "allow read if arg2 == 08", 1 },
		{ "allow read if arg2 == 0x", 1 },
		{ "allow read if arg2 == -1", 1 },
		/* read's descriptor is an int: 32 bits are all there is. */
		{ "allow read if arg0 == 0xffffffff", 0 },
		{ "allow read if arg0 == 0x100000000", 1 },
		{ "allow read if (arg0 & 0xffffffff00000000) != 0", 1 },
		{ "limit memory 99999999999999999999G", 1 },
		{ "limit memory 17179869184G", 1 },
		{ "limit time 1e9", 1 },
		{ "limit time 1000000000", 0 },
		{ "limit time 1000000001", 1 },
		{ "limit files 0x40", 0 },
		{ "deny read errno 0", 1 },
		{ "deny read errno 4095", 0 },
		{ "allow 512", 1 },
		{ "allow 99999999999999999999", 1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct lstar_policy p;
		char *diag = NULL;
		int errors = compile_text(cases[i].text, &p, &diag);

		ck_assert_msg(errors == cases[i].errors, "%s: %d errors: %s", cases[i].text,
			      errors, diag);
		if (!errors)
			lstar_policy_free(&p);
		free(diag);
	}
}
END_TEST

/* A chain of `use` deeper than the compiler follows, and files that use
 * themselves; then a file that is too large. */
START_TEST(hostile_use)
{
	char dir[] = "/tmp/lstar-policy-XXXXXX", path[64], *diag = NULL;
	struct lstar_policy_input in = { .name = path };
	struct lstar_policy p;
	size_t len = 0;
	FILE *m, *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	for (int i = 0; i < 40; i++) {
		snprintf(path, sizeof(path), "%s/%d.policy", dir, i);
		f = fopen(path, "w");
		fprintf(f, "use ./%d.policy\n", i + 1);
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/40.policy", dir);
	f = fopen(path, "w");
	fputs("use ./0.policy\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/0.policy", dir);
	m = open_memstream(&diag, &len);
	ck_assert_int_eq(lstar_policy_compile(&in, 1, &p, m), 1);
	fclose(m);
	ck_assert_msg(strstr(diag, "15.policy:1:5: error: 'use' nested too deeply (more than 16 files)"),
		      "%s", diag);
	free(diag);
	diag = NULL;
	/* 1 MiB and one byte: too large. */
	snprintf(path, sizeof(path), "%s/big.policy", dir);
	f = fopen(path, "w");
	for (int i = 0; i < (1 << 20) + 1; i++)
		fputc('\n', f);
	fclose(f);
	m = open_memstream(&diag, &len);
	ck_assert_int_eq(lstar_policy_compile(&in, 1, &p, m), 1);
	fclose(m);
	ck_assert_msg(strstr(diag, "big.policy: error: cannot read: file is too large (more than 1 MiB)"),
		      "%s", diag);
	free(diag);
	for (int i = 0; i <= 40; i++) {
		snprintf(path, sizeof(path), "%s/%d.policy", dir, i);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/big.policy", dir);
	unlink(path);
	rmdir(dir);
}
END_TEST

/* The table's limits: too many rules is an error, not a wrapped index;
 * after many errors the compiler stops. */
START_TEST(hostile_sizes)
{
	FILE *m;
	char *text = NULL, *diag = NULL;
	size_t len = 0;
	struct lstar_policy p;
	int errors;

	/* 1400 lines of 50 rules each: more than 65535. */
	m = open_memstream(&text, &len);
	for (int i = 0; i < 1400; i++) {
		fputs("allow", m);
		for (int k = 0; k < 50; k++)
			fprintf(m, " %s", lstar_policy_syscall_name((uint64_t)k));
		fprintf(m, " if arg0 == %d\n", i);
	}
	fclose(m);
	ck_assert_int_eq(compile_text(text, &p, &diag), 1);
	ck_assert_ptr_nonnull(strstr(diag, "error: too many rules: a policy holds at most 65535"));
	free(text);
	free(diag);
	text = diag = NULL;
	m = open_memstream(&text, &len);
	for (int i = 0; i < 1000; i++)
		fprintf(m, "allow nosuchcall%d\n", i);
	fclose(m);
	errors = compile_text(text, &p, &diag);
	ck_assert_int_eq(errors, 50);
	ck_assert_ptr_nonnull(strstr(diag, "too many errors (50); stopping\n"));
	free(text);
	free(diag);
}
END_TEST

/* The bound on net rules (the VMM reads them all for each address), and
 * address words of any length and content. */
START_TEST(hostile_net)
{
	static const char *const words[] = { "[", "[]", "[]:", "[:]:1", ":", "*:", "*:*/",
					     "/", "-", "1.2.3.4:-", "1.2.3.4/", "[::1/]:1",
					     "\xff\xfe:80", "1.2.3.4:80/\x01" };
	FILE *m;
	char *text = NULL, *diag = NULL;
	size_t len = 0;
	struct lstar_policy p;

	m = open_memstream(&text, &len);
	for (int i = 0; i < 4096; i++)
		fprintf(m, "net connect 10.0.%d.%d:80\n", i / 256, i % 256);
	fclose(m);
	ck_assert_int_eq(compile_text(text, &p, &diag), 0);
	ck_assert_int_eq(p.nnets, 4096);
	lstar_policy_free(&p);
	free(diag);
	diag = NULL;
	text = realloc(text, len + 64);
	strcat(text, "net listen 8080\n");
	ck_assert_int_eq(compile_text(text, &p, &diag), 1);
	ck_assert_str_eq(diag, "t.policy:4097: error: too many net rules: a policy holds at most 4096\n");
	free(diag);
	diag = NULL;
	/* A million bytes of one address: reported, quoted short. */
	text = realloc(text, 1000064);
	strcpy(text, "net connect ");
	memset(text + 12, '1', 1000000);
	strcpy(text + 1000012, ":80\n");
	ck_assert_int_eq(compile_text(text, &p, &diag), 1);
	ck_assert_msg(strlen(diag) < 500, "%s", diag);
	free(diag);
	text[12] = '[';
	diag = NULL;
	ck_assert_int_eq(compile_text(text, &p, &diag), 1);
	ck_assert_msg(strlen(diag) < 500, "%s", diag);
	free(diag);
	free(text);
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		char line[64];

		diag = NULL;
		snprintf(line, sizeof(line), "net listen %s\n", words[i]);
		ck_assert_msg(compile_text(line, &p, &diag) == 1, "%s: %s", words[i], diag);
		ck_assert_msg(strstr(diag, "t.policy:1:"), "%s: %s", words[i], diag);
		free(diag);
	}
}
END_TEST

/* --- lstar-policy ----------------------------------------------------------- */

static void run_tool(const char *const args[], const char *in, struct run_result *r)
{
	const char *argv[16];
	int n = 0;

	argv[n++] = lstar_policy_path();
	for (int i = 0; args[i]; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	run_argv_in((char *const *)argv, NULL, 60, NULL, in, r);
}

/*
 * `lstar-policy check` warns of what every static program needs to start
 * and end (arch_prctl, set_tid_address, brk or mmap, exit_group) when the
 * policy refuses it, at the line that refuses it, with one hint; a
 * policy that refuses only one of brk and mmap is not warned of.
 */
START_TEST(startup_refusals_warned)
{
	static const struct {
		const char *policy, *want;
	} cases[] = {
		{ "default deny\nuse stdio\n",
		  "(stdin):1: warning: refuses arch_prctl, which every static program calls to "
		  "set its thread pointer (musl halts without it)\n"
		  "(stdin):1: warning: refuses set_tid_address, which every static program calls "
		  "at start-up, for its thread id\n"
		  "(stdin):1: warning: refuses brk and mmap, which every static program needs one "
		  "of for its heap\n"
		  "(stdin):1: warning: refuses exit_group, which every static program calls to end\n"
		  "  hint: `use compute` (or `use default`) allows what a program needs to start "
		  "and end; rules after it narrow the rest\n" },
		{ "use default\n# TLS is not for you\ndeny arch_prctl\n",
		  "(stdin):3: warning: refuses arch_prctl, which every static program calls to "
		  "set its thread pointer (musl halts without it)\n"
		  "  hint: `use compute` (or `use default`) allows what a program needs to start "
		  "and end; rules after it narrow the rest\n" },
		{ "use default\ndeny brk\n", "" },
		{ "use default\ndeny brk\ndeny mmap if arg0 == 0\n",
		  "(stdin):3: warning: refuses brk and mmap, which every static program needs one "
		  "of for its heap\n"
		  "  hint: `use compute` (or `use default`) allows what a program needs to start "
		  "and end; rules after it narrow the rest\n" },
		{ "use compute\ndeny arch_prctl if arg0 == ARCH_SET_FS\n",
		  "(stdin):2: warning: refuses arch_prctl, which every static program calls to "
		  "set its thread pointer (musl halts without it)\n"
		  "  hint: `use compute` (or `use default`) allows what a program needs to start "
		  "and end; rules after it narrow the rest\n" },
	};

	char in[] = "/tmp/lstar-startup-XXXXXX";
	int fd = mkstemp(in);

	ck_assert_int_ge(fd, 0);
	close(fd);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct run_result r;

		write_text(in, cases[i].policy);	/* the tool's standard input */
		run_tool((const char *[]){ "check", "-", NULL }, in, &r);
		ck_assert_msg(r.status == 0, "case %zu: status %d\n%s", i, r.status, r.err);
		ck_assert_msg(!strcmp(r.err, cases[i].want), "policy:\n%s--- got\n%s--- want\n%s",
			      cases[i].policy, r.err, cases[i].want);
		run_result_free(&r);
	}
	unlink(in);
}
END_TEST

START_TEST(tool)
{
	char bad[PATH_MAX + 64], good[PATH_MAX + 64];
	struct run_result r;

	snprintf(bad, sizeof(bad), "%s/errors/unknown-syscall.policy", policy_dir());
	snprintf(good, sizeof(good), "%s/explain/sample.policy", policy_dir());
	run_tool((const char *[]){ "check", "default", "compute", "readonly", NULL }, NULL, &r);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_str_eq(r.out, "");
	ck_assert_str_eq(r.err, "");
	run_result_free(&r);
	/* A building block alone cannot start a program, and says so. */
	run_tool((const char *[]){ "check", "stdio", NULL }, NULL, &r);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_ptr_nonnull(strstr(r.err, "stdio: warning: its built-in default refuses arch_prctl"));
	run_result_free(&r);
	run_tool((const char *[]){ "check", good, bad, NULL }, NULL, &r);
	ck_assert_int_eq(r.status, 1);
	ck_assert_ptr_nonnull(strstr(r.err, "unknown-syscall.policy:"));
	ck_assert_ptr_nonnull(strstr(r.err, ": error: unknown syscall"));
	run_result_free(&r);
	run_tool((const char *[]){ "check", "/nonexistent/x.policy", NULL }, NULL, &r);
	ck_assert_int_eq(r.status, 1);
	ck_assert_str_eq(r.err, "/nonexistent/x.policy: error: cannot read: No such file or directory\n");
	run_result_free(&r);
	run_tool((const char *[]){ "check", "-", NULL }, good, &r);
	ck_assert_msg(r.status == 0, "%s", r.err);
	run_result_free(&r);
	run_tool((const char *[]){ "check", "-", NULL }, bad, &r);
	ck_assert_int_eq(r.status, 1);
	ck_assert_ptr_nonnull(strstr(r.err, "(stdin):"));
	run_result_free(&r);
	run_tool((const char *[]){ "explain", "default", NULL }, NULL, &r);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "default: deny ENOSYS"));
	ck_assert_ptr_nonnull(strstr(r.out, "\nwrite "));
	run_result_free(&r);
	run_tool((const char *[]){ "explain", bad, NULL }, NULL, &r);
	ck_assert_int_eq(r.status, 1);
	ck_assert_str_eq(r.out, "");
	run_result_free(&r);
	run_tool((const char *[]){ "--help", NULL }, NULL, &r);
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "usage: lstar-policy check [--] FILE..."));
	run_result_free(&r);
	/* --help after a command is the usage too, not a file. */
	run_tool((const char *[]){ "check", "--help", NULL }, NULL, &r);
	ck_assert_msg(r.status == 0 && strstr(r.out, "usage: lstar-policy check") && !r.err[0],
		      "check --help: status %d, out %s, err %s", r.status, r.out, r.err);
	run_result_free(&r);
	run_tool((const char *[]){ "--version", NULL }, NULL, &r);
	ck_assert_msg(r.status == 0 && !strcmp(r.out, "lstar-policy " LSTAR_VERSION "\n"),
		      "--version: status %d, out %s", r.status, r.out);
	run_result_free(&r);
	/* "--" ends the options: a file named "-x" after it. */
	{
		char dir[] = "/tmp/lstar-tool-XXXXXX", path[PATH_MAX];
		const char *argv[] = { lstar_policy_path(), "check", "--", "./-x", "-", NULL };

		ck_assert(mkdtemp(dir) != NULL);
		snprintf(path, sizeof(path), "%s/-x", dir);
		write_text(path, "use default\n");
		snprintf(path, sizeof(path), "%s/in", dir);
		write_text(path, "use stdio\nallow arch_prctl set_tid_address brk exit_group\n");
		run_argv_in((char *const *)argv, NULL, 60, dir, path, &r);
		ck_assert_msg(r.status == 0 && !r.err[0], "check -- ./-x -: status %d, err %s",
			      r.status, r.err);
		run_result_free(&r);
		rm_rf(dir);
	}
}
END_TEST

/* Bad usage: status 2 and a message. */
static const struct {
	const char *args[4];
	const char *message;
} tool_usage[] = {
	{ { NULL }, "lstar-policy: no command given" },
	{ { "check", NULL }, "lstar-policy: check: no FILE given" },
	{ { "explain", NULL }, "lstar-policy: explain: no FILE given" },
	{ { "explain", "a", "b", NULL }, "lstar-policy: explain: one FILE at a time" },
	{ { "frob", NULL }, "lstar-policy: unknown command 'frob'" },
	{ { "check", "--frob", "x", NULL }, "lstar-policy: unknown option '--frob'" },
	{ { "explain", "-q", NULL }, "lstar-policy: unknown option '-q'" },
};

START_TEST(tool_bad_usage)
{
	struct run_result r;

	run_tool(tool_usage[_i].args, NULL, &r);
	ck_assert_int_eq(r.status, 2);
	ck_assert_msg(strstr(r.err, tool_usage[_i].message) != NULL, "want \"%s\", got: %s",
		      tool_usage[_i].message, r.err);
	run_result_free(&r);
}
END_TEST

Suite *suite_policy(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("golden");

	tcase_add_test(tc, golden_errors);
	tcase_add_test(tc, golden_explain);
	suite_add_tcase(s, tc);

	tc = tcase_create("eval");
	tcase_add_loop_test(tc, vectors, 0, POLICY_NVECTOR_SETS);
	tcase_add_loop_test(tc, validate_hostile, 0, sizeof(breakers) / sizeof(breakers[0]));
	tcase_add_test(tc, validate_misaligned);
	suite_add_tcase(s, tc);

	tc = tcase_create("compile");
	tcase_add_test(tc, names);
	tcase_add_test(tc, paths);
	tcase_add_test(tc, paths_mapped);
	tcase_add_test(tc, limits);
	tcase_add_test(tc, inputs);
	tcase_add_test(tc, sizes);
	tcase_add_test(tc, implied_rules_lowest);
	suite_add_tcase(s, tc);

	tc = tcase_create("net");
	tcase_add_loop_test(tc, net_parse, 0, sizeof(net_forms) / sizeof(net_forms[0]));
	tcase_add_test(tc, net_fields);
	tcase_add_test(tc, net_dns);
	tcase_add_test(tc, net_find);
	tcase_add_test(tc, net_implied_lowest);
	tcase_add_test(tc, net_bad_adds_nothing);
	suite_add_tcase(s, tc);

	tc = tcase_create("hostile");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, hostile_nul);
	tcase_add_test(tc, hostile_long_line);
	tcase_add_test(tc, hostile_numbers);
	tcase_add_test(tc, hostile_use);
	tcase_add_test(tc, hostile_sizes);
	tcase_add_test(tc, hostile_net);
	suite_add_tcase(s, tc);

	tc = tcase_create("tool");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, tool);
	tcase_add_test(tc, startup_refusals_warned);
	tcase_add_loop_test(tc, tool_bad_usage, 0, sizeof(tool_usage) / sizeof(tool_usage[0]));
	suite_add_tcase(s, tc);
	return s;
}
