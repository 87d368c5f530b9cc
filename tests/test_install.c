/* SPDX-License-Identifier: MIT */
/*
 * test_install.c - lstar installed as a Unix tool: `make install` puts
 * exactly the expected files in place with sane modes and `make
 * uninstall` takes them all away again; the man pages (docs/man/) format
 * without a warning and document every option and command that --help
 * prints (and none it does not); the bash completion (tools/completion/)
 * offers those options, the stock profiles after -p, directories after
 * --cwd, files and directories after --ro, file names after --trace= and
 * commands after --.
 *
 * Needs make, groff (make deps installs groff-base) and bash; no KVM.
 */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests.h"

/* A small set of words (options, names), each once. */
struct words {
	char *w[128];
	int n;
};

static bool words_has(const struct words *s, const char *w)
{
	for (int i = 0; i < s->n; i++)
		if (!strcmp(s->w[i], w))
			return true;
	return false;
}

static void words_add(struct words *s, const char *w, size_t len)
{
	char *copy = strndup(w, len);

	ck_assert_ptr_nonnull(copy);
	if (words_has(s, copy)) {
		free(copy);
		return;
	}
	ck_assert_int_lt(s->n, 128);
	s->w[s->n++] = copy;
}

static void words_free(struct words *s)
{
	for (int i = 0; i < s->n; i++)
		free(s->w[i]);
	s->n = 0;
}

/* The environment the tools run in: only PATH, and a UTF-8 locale (as
 * man formats pages). */
static char *const *tool_env(void)
{
	static char path[4096];
	static char *env[] = { path, "LC_ALL=C.UTF-8", NULL };
	const char *p = getenv("PATH");

	snprintf(path, sizeof(path), "PATH=%s", p ? p : "/usr/local/bin:/usr/bin:/bin");
	return env;
}

/* Run argv (argv[0] found in PATH through /usr/bin/env) in cwd. */
static void run_tool(const char *const argv[], const char *cwd, struct run_result *r)
{
	const char *full[32] = { "/usr/bin/env" };
	int n = 1;

	for (int i = 0; argv[i]; i++)
		full[n++] = argv[i];
	full[n] = NULL;
	run_argv_in((char *const *)full, tool_env(), 60, cwd, NULL, r);
}

/* --- what --help says ----------------------------------------------------- */

/*
 * The options of a --help text: into opts, the leading options of each
 * option line ("  -p, --policy FILE", "  --trace[=FILE]"); into
 * usage_opts, every long option of the usage lines (from "usage:" to the
 * first blank line), and into cmds the word after the command's name
 * there ("lstar run ..."); either may be NULL.
 */
static void help_words(const char *help, const char *name, struct words *opts,
		       struct words *usage_opts, struct words *cmds)
{
	bool usage = false;

	for (const char *line = help; *line;) {
		const char *end = strchrnul(line, '\n'), *p;

		if (!strncmp(line, "usage:", 6))
			usage = true;
		else if (line == end)
			usage = false;
		if (usage) {
			const char *c = strstr(line, name);

			if (c && c < end && c[strlen(name)] == ' ') {
				c += strlen(name) + 1;
				if (*c >= 'a' && *c <= 'z' && cmds)
					words_add(cmds, c, strcspn(c, " \n"));
			}
			for (p = line; usage_opts && (p = strstr(p, "--")) && p < end; p += 2)
				if ((p == line || p[-1] == ' ' || p[-1] == '(' || p[-1] == '[' ||
				     p[-1] == '|') && p[2] >= 'a' && p[2] <= 'z')
					words_add(usage_opts, p, strspn(p, "-abcdefghijklmnopqrstuvwxyz"));
		} else if (opts && line[0] == ' ' && line[1] == ' ') {
			p = line + strspn(line, " ");
			while (*p == '-' && p < end) {
				size_t len = strspn(p, "-abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");

				words_add(opts, p, len);
				p += len;
				p += strcspn(p, ", \n");	/* [=FILE] */
				if (p[0] != ',')
					break;
				p += 2;
			}
		}
		line = *end ? end + 1 : end;
	}
}

/* The output of a command's --help (argv: the command, its words). */
static char *help_of(const char *const argv[])
{
	struct run_result r;
	char *out;

	run_argv((char *const *)argv, NULL, 30, &r);
	ck_assert_msg(r.status == 0, "%s %s: status %d: %s", argv[0], argv[1], r.status, r.err);
	out = r.out;
	r.out = NULL;
	run_result_free(&r);
	return out;
}

static char *lstar_help(void)
{
	const char *const argv[] = { lstar_path(), "--help", NULL };

	return help_of(argv);
}

static char *fuzz_help(void)
{
	const char *const argv[] = { lstar_path(), "fuzz", "--help", NULL };

	return help_of(argv);
}

static char *exec_help(void)
{
	const char *const argv[] = { lstar_path(), "exec", "--help", NULL };

	return help_of(argv);
}

static char *policy_help(void)
{
	const char *const argv[] = { lstar_policy_path(), "--help", NULL };

	return help_of(argv);
}

/* --- what a man page says --------------------------------------------------- */

/*
 * A man page's text without roff's escapes for fonts, dashes and
 * zero-width marks, so that "\fB\-\-policy\fR" reads "--policy".
 */
static char *man_text(const char *page)
{
	char path[512], *src, *out;
	size_t o = 0;

	snprintf(path, sizeof(path), "docs/man/%s", page);
	src = read_text(source_path(path));
	ck_assert_ptr_nonnull(src);
	out = malloc(strlen(src) + 1);
	ck_assert_ptr_nonnull(out);
	for (const char *p = src; *p; p++) {
		if (p[0] == '\\' && p[1] == 'f' && p[2]) {
			p += p[2] == '(' ? 4 : 2;
		} else if (p[0] == '\\' && (p[1] == '&' || p[1] == 'c')) {
			p++;
		} else if (p[0] == '\\' && (p[1] == '-' || p[1] == 'e')) {
			out[o++] = p[1] == '-' ? '-' : '\\';
			p++;
		} else {
			out[o++] = *p;
		}
	}
	out[o] = '\0';
	free(src);
	return out;
}

/* Does text hold word, not as part of a longer one (--trace, not --tracer)? */
static bool has_word(const char *text, const char *word)
{
	size_t len = strlen(word);

	for (const char *p = text; (p = strstr(p, word)); p++) {
		char before = p == text ? ' ' : p[-1], after = p[len];

		if (!strchr("abcdefghijklmnopqrstuvwxyz-_", before) &&
		    !strchr("abcdefghijklmnopqrstuvwxyz0123456789-_", after ? after : ' '))
			return true;
	}
	return false;
}

/* The tag lines of a page's .TP items (what the items define), joined. */
static char *man_tags(const char *text)
{
	size_t cap = strlen(text) + 1, n = 0;
	char *tags = malloc(cap);

	ck_assert_ptr_nonnull(tags);
	tags[0] = '\0';
	for (const char *p = text; (p = strstr(p, ".TP\n")); ) {
		const char *line = p + 4, *end = strchrnul(line, '\n');

		memcpy(tags + n, line, end - line);
		n += end - line;
		tags[n++] = '\n';
		tags[n] = '\0';
		p = end;
	}
	return tags;
}

/* Every long option a page names, into out. */
static void man_long_options(const char *text, struct words *out)
{
	for (const char *p = text; (p = strstr(p, "--")); p += 2)
		if (p[2] >= 'a' && p[2] <= 'z' && (p == text || !strchr("-abcdefghijklmnopqrstuvwxyz", p[-1])))
			words_add(out, p, strspn(p, "-abcdefghijklmnopqrstuvwxyz"));
}

/* The version a page's .TH line names ("lstar 0.1.0"). */
static void assert_page_version(const char *page, const char *text, const char *version)
{
	const char *th = strstr(text, ".TH ");

	ck_assert_msg(th != NULL, "%s: no .TH line", page);
	ck_assert_msg(strstr(th, version) != NULL && strstr(th, version) < strchrnul(th, '\n'),
		      "%s: its .TH line does not name %s (lstar --version)", page, version);
}

/* --- the stock profiles ------------------------------------------------------ */

/* The stock profiles' names (policy/profiles/NAME.policy). */
static void profile_names(struct words *out)
{
	DIR *d = opendir(source_path("policy/profiles"));
	struct dirent *e;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);

		if (len > 7 && !strcmp(e->d_name + len - 7, ".policy"))
			words_add(out, e->d_name, len - 7);
	}
	closedir(d);
	ck_assert_int_gt(out->n, 0);
}

/* --- make install, make uninstall --------------------------------------------- */

/* `make -s install|uninstall DESTDIR=dest PREFIX=/usr` in the source
 * tree, for the build the tests run (SAN=1 for build-san/). */
static void make_target(const char *target, const char *dest)
{
	char destdir[4096], lstar[4096], src[4096];
	const char *argv[12] = { "make", "-s", "-C", src, target, destdir, "PREFIX=/usr" };
	struct run_result r;

	snprintf(src, sizeof(src), "%s", source_path("Makefile"));
	*strrchr(src, '/') = '\0';
	snprintf(destdir, sizeof(destdir), "DESTDIR=%s", dest);
	snprintf(lstar, sizeof(lstar), "%s", lstar_path());
	if (!strcmp(basename(dirname(lstar)), "build-san"))
		argv[7] = "SAN=1";
	run_tool(argv, NULL, &r);
	ck_assert_msg(r.status == 0, "make %s: status %d: %s%s", target, r.status, r.out, r.err);
	run_result_free(&r);
}

/* What `make install PREFIX=/usr` puts in place, and its mode. */
struct installed {
	char path[256];
	mode_t mode;
	char source[256];	/* what it is a copy of: source tree, or NULL */
};

static int expected_files(struct installed *f)
{
	static const struct installed fixed[] = {
		{ "usr/bin/lstar", 0755, "" },
		{ "usr/bin/lstar-policy", 0755, "" },
		{ "usr/bin/lstar-oci", 0755, "" },
		{ "usr/share/man/man1/lstar.1", 0644, "docs/man/lstar.1" },
		{ "usr/share/man/man1/lstar-policy.1", 0644, "docs/man/lstar-policy.1" },
		{ "usr/share/man/man1/lstar-oci.1", 0644, "docs/man/lstar-oci.1" },
		{ "usr/share/man/man5/lstar-policy.5", 0644, "docs/man/lstar-policy.5" },
		{ "usr/share/bash-completion/completions/lstar", 0644, "tools/completion/lstar.bash" },
		{ "usr/share/bash-completion/completions/lstar-policy", 0644,
		  "tools/completion/lstar-policy.bash" },
	};
	struct words profiles = { .n = 0 };
	int n = 0;

	for (; n < (int)(sizeof(fixed) / sizeof(fixed[0])); n++)
		f[n] = fixed[n];
	profile_names(&profiles);
	for (int i = 0; i < profiles.n; i++, n++) {
		snprintf(f[n].path, sizeof(f[n].path), "usr/share/lstar/profiles/%s.policy", profiles.w[i]);
		f[n].mode = 0644;
		snprintf(f[n].source, sizeof(f[n].source), "policy/profiles/%s.policy", profiles.w[i]);
	}
	words_free(&profiles);
	return n;
}

/* Whether two files hold the same bytes. */
static bool same_file(const char *a, const char *b)
{
	FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
	bool same = fa && fb;
	int ca, cb;

	while (same && ((ca = getc(fa)) != EOF) | ((cb = getc(fb)) != EOF))
		same = ca == cb;
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	return same;
}

/* Each file (not directory) below the tree walked, for the checks. */
static struct {
	const char *root;
	char found[64][512];
	int n;
} walk;

static int walk_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	const char *rel = path + strlen(walk.root);

	(void)flag;
	(void)ftw;
	if (!*rel || walk.n >= 64)
		return 0;
	rel++;
	/* Files, and directories of lstar's own (share/lstar/...). */
	if (!S_ISDIR(st->st_mode))
		snprintf(walk.found[walk.n++], sizeof(walk.found[0]), "%s", rel);
	else if (strstr(rel, "lstar"))
		snprintf(walk.found[walk.n++], sizeof(walk.found[0]), "%s/", rel);
	return 0;
}

START_TEST(install_and_uninstall)
{
	char dest[] = "/tmp/lstar-install-XXXXXX", path[4096];
	struct installed want[64];
	int nwant = expected_files(want);
	struct run_result r;
	struct stat st;

	ck_assert_ptr_nonnull(mkdtemp(dest));
	make_target("install", dest);

	/* Every expected file, with its mode, a copy of what it installs. */
	for (int i = 0; i < nwant; i++) {
		ck_assert_int_lt(snprintf(path, sizeof(path), "%s/%s", dest, want[i].path),
				 (int)sizeof(path));
		ck_assert_msg(lstat(path, &st) == 0, "make install: no %s", want[i].path);
		ck_assert_msg(S_ISREG(st.st_mode), "%s: not a regular file", want[i].path);
		ck_assert_msg((st.st_mode & 07777) == want[i].mode, "%s: mode %04o, want %04o",
			      want[i].path, st.st_mode & 07777, want[i].mode);
		if (want[i].source[0])
			ck_assert_msg(same_file(path, source_path(want[i].source)),
				      "%s differs from %s", want[i].path, want[i].source);
	}
	snprintf(path, sizeof(path), "%s/usr/bin/lstar", dest);
	ck_assert_msg(same_file(path, lstar_path()), "the installed lstar is not %s", lstar_path());
	snprintf(path, sizeof(path), "%s/usr/bin/lstar-policy", dest);
	ck_assert_msg(same_file(path, lstar_policy_path()), "the installed lstar-policy is not %s",
		      lstar_policy_path());

	/* Nothing else: each file installed is one expected. */
	walk.root = dest;
	walk.n = 0;
	nftw(dest, walk_one, 16, FTW_PHYS);
	for (int i = 0; i < walk.n; i++) {
		bool known = walk.found[i][strlen(walk.found[i]) - 1] == '/';

		for (int j = 0; j < nwant && !known; j++)
			known = !strcmp(walk.found[i], want[j].path);
		ck_assert_msg(known, "make install put %s in place, which the test does not expect",
			      walk.found[i]);
	}

	/* The installed commands run. */
	for (int i = 0; i < 3; i++) {
		static const char *const cmds[] = { "lstar-policy", "lstar", "lstar-oci" };
		static const char *const says[] = { "lstar-policy check", "lstar ", "lstar-oci version" };
		const char *const argv[] = { path, i ? "--version" : "--help", NULL };

		snprintf(path, sizeof(path), "%s/usr/bin/%s", dest, cmds[i]);
		run_argv((char *const *)argv, NULL, 30, &r);
		ck_assert_msg(r.status == 0, "%s %s: status %d: %s", path, argv[1], r.status, r.err);
		ck_assert_ptr_nonnull(strstr(r.out, says[i]));
		run_result_free(&r);
	}

	/* make uninstall leaves no file and no directory of lstar's own. */
	make_target("uninstall", dest);
	walk.n = 0;
	nftw(dest, walk_one, 16, FTW_PHYS);
	for (int i = 0; i < walk.n; i++)
		ck_assert_msg(0, "make uninstall left %s behind", walk.found[i]);
	rm_rf(dest);
}
END_TEST

/* --- the man pages -------------------------------------------------------------- */

static const char *const pages[] = { "lstar.1", "lstar-policy.1", "lstar-policy.5", "lstar-oci.1" };

/* Each page formats for a terminal, as man does, without a warning. */
START_TEST(man_page_lints)
{
	char rel[128];
	const char *argv[] = { "groff", "-man", "-ww", "-z", "-Tutf8", rel, NULL };
	struct run_result r;

	snprintf(rel, sizeof(rel), "%s", source_path("docs/man"));
	strcat(rel, "/");
	strcat(rel, pages[_i]);
	run_tool(argv, NULL, &r);
	ck_assert_msg(r.status != 127, "groff not found (make deps installs groff-base): %s", r.err);
	ck_assert_msg(r.status == 0 && r.err_len == 0, "groff -man -ww %s: status %d: %s",
		      pages[_i], r.status, r.err);
	run_result_free(&r);
}
END_TEST

/*
 * lstar(1) defines, as an item, every option and command that lstar
 * --help and lstar fuzz --help print, and names no option they do not.
 */
START_TEST(lstar_man_agrees_with_help)
{
	char *help = lstar_help(), *fuzz = fuzz_help(), *exec = exec_help();
	char *text = man_text("lstar.1"), *tags = man_tags(text), version[64];
	struct words opts = { .n = 0 }, cmds = { .n = 0 }, named = { .n = 0 };
	struct run_result r;
	const char *const argv[] = { lstar_path(), "--version", NULL };

	help_words(help, "lstar", &opts, &opts, &cmds);
	help_words(fuzz, "lstar", &opts, &opts, &cmds);
	help_words(exec, "lstar", &opts, &opts, &cmds);
	ck_assert_msg(words_has(&opts, "--policy") && words_has(&opts, "-p") &&
		      words_has(&opts, "--stdin") && words_has(&cmds, "doctor") &&
		      words_has(&opts, "--socket") && words_has(&cmds, "exec"),
		      "the test no longer reads lstar --help right");
	for (int i = 0; i < opts.n; i++)
		ck_assert_msg(has_word(tags, opts.w[i]),
			      "lstar --help prints %s, which lstar.1 has no item for", opts.w[i]);
	for (int i = 0; i < cmds.n; i++)
		ck_assert_msg(strstr(tags, cmds.w[i]) && has_word(tags, cmds.w[i]),
			      "lstar --help names the command %s, which lstar.1 has no item for",
			      cmds.w[i]);
	man_long_options(text, &named);
	for (int i = 0; i < named.n; i++)
		ck_assert_msg(words_has(&opts, named.w[i]),
			      "lstar.1 names %s, which none of lstar --help, lstar fuzz --help "
			      "and lstar exec --help prints",
			      named.w[i]);

	/* The version the pages name is lstar's. */
	run_argv((char *const *)argv, NULL, 30, &r);
	ck_assert_int_eq(sscanf(r.out, "lstar %57s", version + 6), 1);
	memcpy(version, "lstar ", 6);
	for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		char *t = man_text(pages[i]);

		assert_page_version(pages[i], t, version);
		free(t);
	}
	run_result_free(&r);
	words_free(&opts);
	words_free(&cmds);
	words_free(&named);
	free(help);
	free(fuzz);
	free(exec);
	free(text);
	free(tags);
}
END_TEST

/*
 * lstar-policy(1) has an item for each command and option lstar-policy
 * --help prints; lstar-policy(5) one for each stock profile; neither
 * names an option that no --help prints.
 */
START_TEST(policy_man_agrees_with_help)
{
	char *help = policy_help(), *lhelp = lstar_help(), *fuzz = fuzz_help();
	char *text1 = man_text("lstar-policy.1"), *text5 = man_text("lstar-policy.5");
	char *tags1 = man_tags(text1), *tags5 = man_tags(text5);
	struct words opts = { .n = 0 }, cmds = { .n = 0 }, all = { .n = 0 },
		named = { .n = 0 }, profiles = { .n = 0 };

	help_words(help, "lstar-policy", &opts, &opts, &cmds);
	ck_assert_msg(words_has(&cmds, "check") && words_has(&cmds, "explain"),
		      "the test no longer reads lstar-policy --help right");
	/* lstar-policy --help's own option is in its usage text only as -h. */
	words_add(&opts, "--help", 6);
	for (int i = 0; i < opts.n; i++)
		ck_assert_msg(has_word(tags1, opts.w[i]),
			      "lstar-policy has %s, which lstar-policy.1 has no item for", opts.w[i]);
	for (int i = 0; i < cmds.n; i++)
		ck_assert_msg(has_word(tags1, cmds.w[i]),
			      "lstar-policy --help names the command %s, which lstar-policy.1 has no item for",
			      cmds.w[i]);
	profile_names(&profiles);
	for (int i = 0; i < profiles.n; i++) {
		ck_assert_msg(has_word(tags5, profiles.w[i]),
			      "lstar-policy.5 has no item for the stock profile %s", profiles.w[i]);
		ck_assert_msg(has_word(help, profiles.w[i]) && has_word(text1, profiles.w[i]),
			      "the stock profile %s is missing from lstar-policy --help or lstar-policy.1",
			      profiles.w[i]);
	}

	/* The options they mention (lstar run's, mostly) exist. */
	help_words(help, "lstar-policy", &all, &all, NULL);
	help_words(lhelp, "lstar", &all, &all, NULL);
	help_words(fuzz, "lstar", &all, &all, NULL);
	words_add(&all, "--help", 6);
	man_long_options(text1, &named);
	man_long_options(text5, &named);
	for (int i = 0; i < named.n; i++)
		ck_assert_msg(words_has(&all, named.w[i]),
			      "lstar-policy's pages name %s, which no --help prints", named.w[i]);
	words_free(&opts);
	words_free(&cmds);
	words_free(&all);
	words_free(&named);
	words_free(&profiles);
	free(help);
	free(lhelp);
	free(fuzz);
	free(text1);
	free(text5);
	free(tags1);
	free(tags5);
}
END_TEST

/* --- bash completion ---------------------------------------------------------------- */

/*
 * What the completion function offers for the command line words (the
 * cursor in the last one), with cwd as the working directory: one reply
 * per line in *out (free it).
 */
static char *complete(const char *script, const char *func, const char *const words[],
		      const char *cwd)
{
	char cmd[4096];
	size_t n;
	int cword = 0;
	struct run_result r;
	const char *argv[] = { "bash", "--norc", "--noprofile", "-c", cmd, NULL };
	char *out;

	n = snprintf(cmd, sizeof(cmd), "source '%s' || exit 3; COMP_WORDS=(", source_path(script));
	for (; words[cword]; cword++)
		n += snprintf(cmd + n, sizeof(cmd) - n, "'%s' ", words[cword]);
	snprintf(cmd + n, sizeof(cmd) - n,
		 "); COMP_CWORD=%d; %s || exit 4; printf '%%s\\n' \"${COMPREPLY[@]}\"",
		 cword - 1, func);
	run_tool(argv, cwd, &r);
	ck_assert_msg(r.status == 0 && r.err_len == 0, "%s: status %d: %s", cmd, r.status, r.err);
	out = r.out;
	r.out = NULL;
	run_result_free(&r);
	return out;
}

/* The replies of complete() as a set. */
static void replies(const char *out, struct words *s)
{
	for (const char *p = out; *p; ) {
		size_t len = strcspn(p, "\n");

		if (len)
			words_add(s, p, len);
		p += len + (p[len] == '\n');
	}
}

/*
 * `lstar run -<TAB>` and `lstar fuzz -<TAB>` offer exactly the options
 * their --help prints (fuzz refuses --rw, --tmp, --learn and --stats), and `lstar <TAB>`
 * the commands.
 */
START_TEST(completion_offers_the_options)
{
	char *help = lstar_help(), *fuzz = fuzz_help(), *out;
	struct words run_opts = { .n = 0 }, fuzz_opts = { .n = 0 }, cmds = { .n = 0 },
		got = { .n = 0 };
	const char *const run_words[] = { "lstar", "run", "-", NULL };
	const char *const fuzz_words[] = { "lstar", "fuzz", "-", NULL };
	const char *const first[] = { "lstar", "", NULL };

	/* The option lines of each --help: lstar --help's are run's. */
	help_words(help, "lstar", &run_opts, NULL, &cmds);
	ck_assert_ptr_nonnull(strstr(fuzz, "--rw, --tmp, --tmpfs and --learn are refused"));
	ck_assert_ptr_nonnull(strstr(fuzz, "--stats, --inside and --exec-socket are lstar run's alone"));
	for (int i = 0; i < run_opts.n; i++)
		if (strcmp(run_opts.w[i], "--rw") && strcmp(run_opts.w[i], "--learn") &&
		    strcmp(run_opts.w[i], "--stats") && strcmp(run_opts.w[i], "--tmp") &&
		    strcmp(run_opts.w[i], "--tmpfs") && strcmp(run_opts.w[i], "--inside") &&
		    strcmp(run_opts.w[i], "--exec-socket"))
			words_add(&fuzz_opts, run_opts.w[i], strlen(run_opts.w[i]));
	help_words(fuzz, "lstar", &fuzz_opts, NULL, NULL);
	words_add(&run_opts, "--help", 6);
	words_add(&fuzz_opts, "--help", 6);
	ck_assert_msg(words_has(&run_opts, "--trace") && words_has(&fuzz_opts, "--corpus"),
		      "the test no longer reads the option lines of --help");

	for (int k = 0; k < 2; k++) {
		struct words *want = k ? &fuzz_opts : &run_opts;

		out = complete("tools/completion/lstar.bash", "_lstar", k ? fuzz_words : run_words, NULL);
		replies(out, &got);
		for (int i = 0; i < want->n; i++)
			ck_assert_msg(words_has(&got, want->w[i]), "lstar %s -<TAB> does not offer %s",
				      k ? "fuzz" : "run", want->w[i]);
		for (int i = 0; i < got.n; i++)
			ck_assert_msg(words_has(want, got.w[i]) || !strcmp(got.w[i], "--") ||
				      !strcmp(got.w[i], "--trace="),
				      "lstar %s -<TAB> offers %s, which its --help does not print",
				      k ? "fuzz" : "run", got.w[i]);
		words_free(&got);
		free(out);
	}

	/* lstar exec has options of its own. */
	{
		const char *const exec_words[] = { "lstar", "exec", "-", NULL };
		char *exec = exec_help();
		struct words exec_opts = { .n = 0 };

		help_words(exec, "lstar", &exec_opts, NULL, NULL);
		words_add(&exec_opts, "--help", 6);
		ck_assert_msg(words_has(&exec_opts, "--socket"),
			      "the test no longer reads lstar exec --help");
		out = complete("tools/completion/lstar.bash", "_lstar", exec_words, NULL);
		replies(out, &got);
		for (int i = 0; i < exec_opts.n; i++)
			ck_assert_msg(words_has(&got, exec_opts.w[i]),
				      "lstar exec -<TAB> does not offer %s", exec_opts.w[i]);
		for (int i = 0; i < got.n; i++)
			ck_assert_msg(words_has(&exec_opts, got.w[i]) || !strcmp(got.w[i], "--"),
				      "lstar exec -<TAB> offers %s, which its --help does not print",
				      got.w[i]);
		words_free(&got);
		words_free(&exec_opts);
		free(exec);
		free(out);
	}

	out = complete("tools/completion/lstar.bash", "_lstar", first, NULL);
	replies(out, &got);
	for (int i = 0; i < cmds.n; i++)
		ck_assert_msg(words_has(&got, cmds.w[i]), "lstar <TAB> does not offer %s", cmds.w[i]);
	ck_assert(words_has(&got, "--help") && words_has(&got, "--version"));
	free(out);
	words_free(&got);
	words_free(&run_opts);
	words_free(&fuzz_opts);
	words_free(&cmds);
	free(help);
	free(fuzz);
}
END_TEST

/* What a command line completes to, in a directory that holds dir d/,
 * the policy file p.policy and the file f: "@" is each stock profile. */
static const struct {
	const char *script, *func;
	const char *words[8];
	const char *want[4];		/* each offered ("@": every profile) */
	const char *refuse[3];		/* none of these offered */
} completions[] = {
	{ "lstar", "_lstar", { "lstar", "run", "-p", "" }, { "@", "p.policy", "d" }, { "--ro" } },
	{ "lstar", "_lstar", { "lstar", "run", "--policy", "de" }, { "default" }, { "stdio" } },
	{ "lstar", "_lstar", { "lstar", "fuzz", "-p", "./" }, { "./p.policy" }, { "default" } },
	{ "lstar", "_lstar", { "lstar", "run", "--ro", "" }, { "d", "f", "p.policy" }, { "default" } },
	{ "lstar", "_lstar", { "lstar", "run", "--rw", "" }, { "d", "f" }, { "--ro" } },
	{ "lstar", "_lstar", { "lstar", "run", "--cwd", "" }, { "d" }, { "f" } },
	{ "lstar", "_lstar", { "lstar", "fuzz", "--corpus", "" }, { "d" }, { "f" } },
	{ "lstar", "_lstar", { "lstar", "run", "--trace=" }, { "--trace=f", "--trace=d" }, { "f" } },
	{ "lstar", "_lstar", { "lstar", "run", "--trace", "=", "p" }, { "p.policy" }, { NULL } },
	{ "lstar", "_lstar", { "lstar", "run", "--learn", "" }, { "f", "p.policy" }, { "default" } },
	{ "lstar", "_lstar", { "lstar", "run", "--ro", "d", "--", "bas" }, { "bash" }, { "f" } },
	{ "lstar", "_lstar", { "lstar", "run", "-v", "--", "bash", "" }, { "f" }, { "--ro" } },
	{ "lstar", "_lstar", { "lstar", "fuzz", "--r" }, { "--ro" }, { "--rw" } },
	{ "lstar", "_lstar", { "lstar", "run", "--rlimit", "no" }, { "nofile=" }, { "nproc=" } },
	{ "lstar", "_lstar", { "lstar", "run", "--uid", "5", "bas" }, { "bash" }, { "f" } },
	{ "lstar", "_lstar", { "lstar", "run", "--learn", "f", "bas" }, { "bash" }, { "f" } },
	{ "lstar", "_lstar", { "lstar", "run", "--hostname", "" }, { NULL }, { "f", "--ro" } },
	{ "lstar", "_lstar", { "lstar", "doctor", "" }, { NULL }, { "--ro", "f" } },
	{ "lstar-policy", "_lstar_policy", { "lstar-policy", "" }, { "check", "explain" }, { NULL } },
	{ "lstar-policy", "_lstar_policy", { "lstar-policy", "check", "f", "" },
	  { "@", "-", "p.policy" }, { NULL } },
	{ "lstar-policy", "_lstar_policy", { "lstar-policy", "explain", "co" }, { "compute" }, { NULL } },
	{ "lstar-policy", "_lstar_policy", { "lstar-policy", "explain", "x", "" }, { NULL },
	  { "default", "f" } },
};

START_TEST(completion_offers_values)
{
	char dir[] = "/tmp/lstar-complete-XXXXXX", path[4096], script[128], *out;
	struct words got = { .n = 0 }, profiles = { .n = 0 };
	const char *line = NULL;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/d", dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/f", dir);
	write_text(path, "");
	snprintf(path, sizeof(path), "%s/p.policy", dir);
	write_text(path, "use default\n");
	profile_names(&profiles);

	snprintf(script, sizeof(script), "tools/completion/%s.bash", completions[_i].script);
	out = complete(script, completions[_i].func, completions[_i].words, dir);
	replies(out, &got);
	for (int i = 0; i < 8 && completions[_i].words[i]; i++)
		line = completions[_i].words[i];
	for (int i = 0; i < 4 && completions[_i].want[i]; i++) {
		const char *w = completions[_i].want[i];

		if (!strcmp(w, "@"))
			for (int j = 0; j < profiles.n; j++)
				ck_assert_msg(words_has(&got, profiles.w[j]),
					      "case %d (\"%s\"): the profile %s is not offered; got:\n%s",
					      _i, line, profiles.w[j], out);
		else
			ck_assert_msg(words_has(&got, w), "case %d (\"%s\"): %s is not offered; got:\n%s",
				      _i, line, w, out);
	}
	for (int i = 0; i < 3 && completions[_i].refuse[i]; i++)
		ck_assert_msg(!words_has(&got, completions[_i].refuse[i]),
			      "case %d (\"%s\"): %s is offered; got:\n%s", _i, line,
			      completions[_i].refuse[i], out);
	free(out);
	words_free(&got);
	words_free(&profiles);
	rm_rf(dir);
}
END_TEST

Suite *suite_install(void)
{
	Suite *s = suite_create("install");
	TCase *tc = tcase_create("install");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, install_and_uninstall);
	tcase_add_loop_test(tc, man_page_lints, 0, sizeof(pages) / sizeof(pages[0]));
	tcase_add_test(tc, lstar_man_agrees_with_help);
	tcase_add_test(tc, policy_man_agrees_with_help);
	tcase_add_test(tc, completion_offers_the_options);
	tcase_add_loop_test(tc, completion_offers_values, 0,
			    sizeof(completions) / sizeof(completions[0]));
	suite_add_tcase(s, tc);
	return s;
}
