/* SPDX-License-Identifier: MIT */
/*
 * test_fs.c - the file system the program sees: the trees granted with
 * --ro and --rw, and nothing else (docs/DECISIONS.md, "Paths").
 *
 * 1. Differential tests over fixture trees.  Each test builds a fixture
 *    tree (files, subdirectories, symlinks that stay inside, optionally a
 *    64 MiB file) in a fresh directory and runs the same static program
 *    natively, with the fixture as working directory, and under lstar
 *    with `--ro FIXTURE --cwd FIXTURE`; stdout, stderr and status must
 *    match.  A program that changes the tree runs on two identical
 *    copies, natively on one and under `--rw` on the other, and the two
 *    trees must then match too (names, types, modes, link counts, sizes,
 *    contents, link targets; not times).  The programs: guest/fs_io
 *    (musl and glibc) and busybox applets.
 * 2. Confinement: guest/fs_escape tries every way out of its tree (".."
 *    past the root, absolute and relative symlinks out, chains, magic
 *    links, directory fds, the directories above the tree, writes to a
 *    --ro tree, renames between trees, nested grants, a directory moved
 *    out while the program holds it, ".." while the host renames) and the
 *    test asserts its exact output; what lies outside the trees must be
 *    unchanged afterwards.
 * 3. Without --ro/--rw there is no file system at all: ENOENT.
 *
 * Every fixture of a test case lives in one directory made before the
 * case's first test, next to a canary file no test grants (though some
 * fixtures hold symlinks to it); the last test of each case checks that
 * the canary is unchanged (content, mtime, ctime) and that nothing but
 * the tests' own directories appeared next to it.
 *
 * Busybox applets run directly (busybox `sh -c` needs fork).  Applets
 * that print user or group names (`ls -l`, `stat`) are run with numeric
 * ids: lstar does not show /etc/passwd.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests.h"

/* Paths here are a few dozen bytes under /tmp; PATH_MAX buffers hold them
 * with room to spare, whatever GCC supposes of "%s/%s" into PATH_MAX. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

#define BUSYBOX "/bin/busybox"
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *const libcs[] = { "musl", "glibc" };

static const char *probe(const char *name, int libc)
{
	static char buf[256];

	snprintf(buf, sizeof(buf), "%s.%s", name, libcs[libc]);
	return guest_path(buf);
}

/* --- files ----------------------------------------------------------------- */

static void write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	ck_assert_msg(fd >= 0, "create %s: %s", path, strerror(errno));
	ck_assert_msg(write(fd, data, len) == (ssize_t)len, "write %s", path);
	close(fd);
}

static void write_str(const char *dir, const char *name, const char *s)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	write_text(path, s);
}

static void make_dir(const char *dir, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ck_assert_msg(mkdir(path, 0755) == 0, "mkdir %s: %s", path, strerror(errno));
}

static void make_link(const char *dir, const char *name, const char *target)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ck_assert_msg(symlink(target, path) == 0, "symlink %s: %s", path, strerror(errno));
}

/* --- the canary and the directory every fixture of a case lives in ---------- */

static char base[PATH_MAX];		/* /tmp/lstar-fs-XXXXXX */
static char canary[PATH_MAX];		/* base/canary/canary.txt */
static const char canary_text[] = "the canary: nothing may touch this file\n";
static struct stat canary_st;

/* Unchecked fixture: runs once in the runner before a case's first test. */
static void base_setup(void)
{
	char dir[PATH_MAX];
	struct timespec times[2] = { { 1000000000, 0 }, { 1000000000, 0 } };

	snprintf(base, sizeof(base), "/tmp/lstar-fs-XXXXXX");
	if (!mkdtemp(base)) {
		perror("mkdtemp");
		abort();
	}
	snprintf(dir, sizeof(dir), "%s/canary", base);
	snprintf(canary, sizeof(canary), "%s/canary.txt", dir);
	if (mkdir(dir, 0755) < 0) {
		perror("mkdir canary");
		abort();
	}
	write_file(canary, canary_text, strlen(canary_text));
	utimensat(AT_FDCWD, canary, times, 0);
	if (stat(canary, &canary_st) < 0) {
		perror("stat canary");
		abort();
	}
}

static void base_teardown(void)
{
	rm_rf(base);
}

/* The names in dir, sorted, one per line. */
static char *dir_names(const char *dir)
{
	struct dirent **list;
	char *out = calloc(1, 1);
	size_t len = 0;
	int n = scandir(dir, &list, NULL, alphasort);

	ck_assert_ptr_nonnull(out);
	for (int i = 0; i < n; i++) {
		const char *name = list[i]->d_name;

		if (strcmp(name, ".") && strcmp(name, "..")) {
			out = realloc(out, len + strlen(name) + 2);
			ck_assert_ptr_nonnull(out);
			len += sprintf(out + len, "%s\n", name);
		}
		free(list[i]);
	}
	free(list);
	return n < 0 ? (free(out), strdup("(cannot list)\n")) : out;
}

static void assert_canary_intact(void)
{
	char dir[PATH_MAX], *text, *names;
	struct stat st;

	ck_assert_msg(stat(canary, &st) == 0, "canary %s: %s", canary, strerror(errno));
	text = read_text(canary);
	ck_assert_msg(text && !strcmp(text, canary_text), "the canary's content changed");
	free(text);
	ck_assert_msg(st.st_mtim.tv_sec == canary_st.st_mtim.tv_sec &&
		      st.st_mtim.tv_nsec == canary_st.st_mtim.tv_nsec &&
		      st.st_ctim.tv_sec == canary_st.st_ctim.tv_sec &&
		      st.st_ctim.tv_nsec == canary_st.st_ctim.tv_nsec &&
		      st.st_mode == canary_st.st_mode && st.st_ino == canary_st.st_ino,
		      "the canary's mtime, ctime, mode or inode changed");
	snprintf(dir, sizeof(dir), "%s/canary", base);
	names = dir_names(dir);
	ck_assert_msg(!strcmp(names, "canary.txt\n"), "next to the canary:\n%s", names);
	free(names);
}

/*
 * The last test of every case: the canary is intact, and base holds
 * nothing but it and the tests' own directories (ro-*, rw-*, esc-*: a
 * test that fails leaves its directory, as Check's forked test exits at
 * once; base_teardown removes them).
 */
START_TEST(canary_unchanged)
{
	char *names = dir_names(base);

	assert_canary_intact();
	for (char *line = names; *line; line = strchr(line, '\n') + 1)
		ck_assert_msg(!strncmp(line, "canary\n", 7) || !strncmp(line, "ro-", 3) ||
			      !strncmp(line, "rw-", 3) || !strncmp(line, "esc-", 4),
			      "something no test made is in %s:\n%s", base, names);
	free(names);
}
END_TEST

/* A fresh directory for one test, in base. */
static void fresh_dir(char *out, const char *what)
{
	snprintf(out, PATH_MAX, "%s/%s-XXXXXX", base, what);
	ck_assert_msg(mkdtemp(out) != NULL, "mkdtemp: %s", strerror(errno));
}

/* --- fixtures ---------------------------------------------------------------- */

enum { FX_BIG = 1, FX_MANY = 2 };

#define BIG_SIZE	(64 << 20)
#define FIXED_TIME	1600000000	/* every fixture entry's mtime and atime */

/* 64 MiB of a pattern no two MiB of which are alike, written 1 MiB at a time. */
static void write_big(const char *path)
{
	static uint64_t chunk[(1 << 20) / 8];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	uint64_t x = 0x9e3779b97f4a7c15ULL;

	ck_assert_msg(fd >= 0, "create %s: %s", path, strerror(errno));
	for (int mib = 0; mib < BIG_SIZE >> 20; mib++) {
		for (size_t i = 0; i < NELEM(chunk); i++) {
			x ^= x << 13;	/* xorshift64 */
			x ^= x >> 7;
			x ^= x << 17;
			chunk[i] = x;
		}
		ck_assert(write(fd, chunk, sizeof(chunk)) == (ssize_t)sizeof(chunk));
	}
	close(fd);
}

static int set_time(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	struct timespec t[2] = { { FIXED_TIME, 0 }, { FIXED_TIME, 0 } };

	(void)st;
	(void)flag;
	(void)ftw;
	utimensat(AT_FDCWD, path, t, AT_SYMLINK_NOFOLLOW);
	return 0;
}

/*
 * The fixture tree in dir (which exists):
 *
 *	hello.txt lines.txt words.txt dups.txt data.bin empty
 *	link -> lines.txt	dlink -> sub	dangle -> dangle-target.txt
 *	sub/a.txt  sub/up -> ../hello.txt  sub/deep/{b.txt,c.txt}
 *	big.bin (FX_BIG: 64 MiB)  many/f000..f299 (FX_MANY)
 *
 * Every entry gets the same fixed times, so that two copies list alike.
 */
static void make_fixture(const char *dir, int flags)
{
	char buf[4096], path[PATH_MAX];
	unsigned char bytes[256];
	size_t n = 0;

	write_str(dir, "hello.txt", "hello, world\nsecond line\nthird line, the last\n");
	for (int i = 0; i < 40; i++)
		n += snprintf(buf + n, sizeof(buf) - n, "%d,name%02d,%d,%c\n", i, (i * 7) % 40,
			      (i * 37) % 101, 'a' + i % 4);
	write_str(dir, "lines.txt", buf);
	write_str(dir, "words.txt", "pear\napple\nfig\napple\nbanana\nfig\nkiwi\napple\n");
	write_str(dir, "dups.txt", "apple\napple\nbanana\ncherry\ncherry\ncherry\ndate\n");
	for (int i = 0; i < 256; i++)
		bytes[i] = (unsigned char)i;
	snprintf(path, sizeof(path), "%s/data.bin", dir);
	write_file(path, bytes, sizeof(bytes));
	write_str(dir, "empty", "");
	make_link(dir, "link", "lines.txt");
	make_link(dir, "dlink", "sub");
	make_link(dir, "dangle", "dangle-target.txt");
	make_dir(dir, "sub");
	write_str(dir, "sub/a.txt", "file a\nhello from sub\n");
	make_link(dir, "sub/up", "../hello.txt");
	make_dir(dir, "sub/deep");
	write_str(dir, "sub/deep/b.txt", "bee\nhello deep\n");
	write_str(dir, "sub/deep/c.txt", "sea\n");
	if (flags & FX_BIG) {
		snprintf(path, sizeof(path), "%s/big.bin", dir);
		write_big(path);
	}
	if (flags & FX_MANY) {
		make_dir(dir, "many");
		for (int i = 0; i < 300; i++) {
			snprintf(buf, sizeof(buf), "many/f%03d-with-a-longer-name", i);
			write_str(dir, buf, "");
		}
	}
	nftw(dir, set_time, 16, FTW_DEPTH | FTW_PHYS);
}

/* A read-only fixture: one tree, native and lstar share it. */
static void ro_fixture(char *dir, int flags)
{
	fresh_dir(dir, "ro");
	make_fixture(dir, flags);
}

/* Two identical copies, dir/a (native) and dir/b (lstar). */
struct rw_fixture {
	char dir[PATH_MAX], a[PATH_MAX], b[PATH_MAX];
};

static void rw_fixture(struct rw_fixture *f, int flags)
{
	fresh_dir(f->dir, "rw");
	snprintf(f->a, sizeof(f->a), "%s/a", f->dir);
	snprintf(f->b, sizeof(f->b), "%s/b", f->dir);
	ck_assert(mkdir(f->a, 0755) == 0 && mkdir(f->b, 0755) == 0);
	make_fixture(f->a, flags);
	make_fixture(f->b, flags);
}

/* --- a tree, as text: what must match between two copies --------------------- */

struct entry {
	char *line;
};

static struct entry *tree_entries;
static size_t tree_n, tree_cap;
static size_t tree_root_len;

static uint64_t fnv_file(const char *path)
{
	static char buf[1 << 16];
	uint64_t h = 1469598103934665603ULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < n; i++)
			h = (h ^ (uint8_t)buf[i]) * 1099511628211ULL;
	close(fd);
	return h;
}

static int list_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	char line[PATH_MAX + 256], target[PATH_MAX];
	const char *rel = path + tree_root_len;
	ssize_t n;

	(void)flag;
	(void)ftw;
	if (*rel == '/')
		rel++;
	if (!*rel)
		rel = ".";
	if (S_ISLNK(st->st_mode)) {
		n = readlink(path, target, sizeof(target) - 1);
		target[n < 0 ? 0 : n] = '\0';
		snprintf(line, sizeof(line), "%s link -> %s", rel, target);
	} else if (S_ISDIR(st->st_mode)) {
		snprintf(line, sizeof(line), "%s dir %04o", rel,
			 (unsigned)(st->st_mode & 07777));
	} else if (S_ISREG(st->st_mode)) {
		snprintf(line, sizeof(line), "%s file %04o nlink %ld size %lld fnv %016llx",
			 rel, (unsigned)(st->st_mode & 07777), (long)st->st_nlink,
			 (long long)st->st_size, (unsigned long long)fnv_file(path));
	} else {
		snprintf(line, sizeof(line), "%s other %o", rel, (unsigned)st->st_mode);
	}
	if (tree_n == tree_cap) {
		tree_cap = tree_cap ? tree_cap * 2 : 64;
		tree_entries = realloc(tree_entries, tree_cap * sizeof(*tree_entries));
		ck_assert_ptr_nonnull(tree_entries);
	}
	tree_entries[tree_n++].line = strdup(line);
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->line, ((const struct entry *)b)->line);
}

/* Every entry below dir, sorted, one per line (caller frees). */
static char *tree_text(const char *dir)
{
	char *out;
	size_t len = 0, cap = 1;

	tree_n = 0;
	tree_root_len = strlen(dir);
	nftw(dir, list_one, 16, FTW_PHYS);
	qsort(tree_entries, tree_n, sizeof(*tree_entries), cmp_entry);
	for (size_t i = 0; i < tree_n; i++)
		cap += strlen(tree_entries[i].line) + 1;
	out = malloc(cap);
	ck_assert_ptr_nonnull(out);
	out[0] = '\0';
	for (size_t i = 0; i < tree_n; i++) {
		len += sprintf(out + len, "%s\n", tree_entries[i].line);
		free(tree_entries[i].line);
	}
	return out;
}


/* --- running ----------------------------------------------------------------- */

/* run_in - a program in directory cwd, stdin from the file in (or
 * /dev/null), only descriptors 0-2 open. */
static void run_in(char *const argv[], const char *cwd, const char *in,
		   struct run_result *r)
{
	run_argv_in(argv, NULL, 60, cwd, in, r);
}

/*
 * argv for `lstar run OPTS -- PROG ARGS` (boxed) or `PROG ARGS`; an
 * argument "@..." becomes the fixture's path followed by the rest.
 */
struct cmd {
	char *argv[64];
	char store[64][PATH_MAX];
	int n;
};

static void cmd_add(struct cmd *c, const char *arg, const char *fixture)
{
	ck_assert_int_lt(c->n, 63);
	if (arg[0] == '@' && fixture)
		snprintf(c->store[c->n], PATH_MAX, "%s%s", fixture, arg + 1);
	else
		snprintf(c->store[c->n], PATH_MAX, "%s", arg);
	c->argv[c->n] = c->store[c->n];
	c->argv[++c->n] = NULL;
}

static void build_cmd(struct cmd *c, const char *const opts[], const char *prog,
		      const char *const args[], const char *fixture)
{
	c->n = 0;
	if (opts) {
		cmd_add(c, lstar_path(), NULL);
		cmd_add(c, "run", NULL);
		for (int i = 0; opts[i]; i++)
			cmd_add(c, opts[i], fixture);
		cmd_add(c, "--", NULL);
	}
	cmd_add(c, prog, NULL);
	for (int i = 0; args && args[i]; i++)
		cmd_add(c, args[i], fixture);
}

static char *describe(const char *prog, const char *const args[])
{
	static char buf[1024];
	size_t n = snprintf(buf, sizeof(buf), "%s", prog);

	for (int i = 0; args && args[i] && n < sizeof(buf); i++)
		n += snprintf(buf + n, sizeof(buf) - n, " '%s'", args[i]);
	return buf;
}

static bool same_result(const struct run_result *a, const struct run_result *b)
{
	return a->status == b->status && a->out_len == b->out_len &&
	       !memcmp(a->out, b->out, a->out_len) && !strcmp(a->err, b->err);
}

/*
 * `ls -l` lines name owners by number, and those differ by design: the
 * native run is whoever runs the tests (root, in CI), the program under
 * lstar is uid 1000 and sees its runner's files as its own (test
 * identity_as_the_program checks that).  In such lines the owner and
 * group columns become "U G", and the spacing one blank.
 */
static void mask_owners(struct run_result *r)
{
	char *out = malloc(r->out_len + 1), *o = out;
	const char *line = r->out;

	ck_assert_ptr_nonnull(out);
	while (*line) {
		const char *end = strchrnul(line, '\n');
		bool ls = end - line > 11 && strchr("-dlcbps", line[0]) &&
			  strspn(line + 1, "rwxsStT-") >= 9;

		if (!ls) {
			memcpy(o, line, end - line);
			o += end - line;
		} else {
			for (int field = 0; line < end; field++) {
				size_t n = strcspn(line, " \n");

				if (field)
					*o++ = ' ';
				if (field == 2 || field == 3) {
					*o++ = field == 2 ? 'U' : 'G';
				} else {
					memcpy(o, line, n);
					o += n;
				}
				line += n;
				while (*line == ' ')
					line++;
			}
		}
		line = end;
		if (*line == '\n')
			*o++ = *line++;
	}
	*o = '\0';
	free(r->out);
	r->out = out;
	r->out_len = (size_t)(o - out);
}

/*
 * Check's messages hold at most 4 KiB: a failure names the first line
 * where the two stdouts differ and shows the rest in brief, and the
 * whole of both runs goes to the runner's stderr.
 *
 * line_len - the length of the line at s, at most 300.
 */
static int line_len(const char *s)
{
	int n = (int)(strchrnul(s, '\n') - s);

	return n > 300 ? 300 : n;
}

/* "line N:" and that line of a and of b, named na and nb. */
static const char *first_diff(const char *a, const char *b, const char *na, const char *nb,
			      char *buf, size_t len)
{
	const char *la = a, *lb = b;
	int line = 1;

	for (; *a && *a == *b; a++, b++) {
		if (*a == '\n') {
			line++;
			la = a + 1;
			lb = b + 1;
		}
	}
	snprintf(buf, len, "line %d:\n  %-9s %.*s\n  %-9s %.*s", line,
		 na, line_len(la), la, nb, line_len(lb), lb);
	return buf;
}

static void assert_same(const char *what, struct run_result *native,
			struct run_result *boxed)
{
	char at[800];

	mask_owners(native);
	mask_owners(boxed);
	if (same_result(native, boxed))
		return;
	fprintf(stderr, "=== %s: native and lstar differ\n"
		"native: status %d\n--- stdout\n%s--- stderr\n%s\n"
		"lstar:  status %d\n--- stdout\n%s--- stderr\n%s\n===\n",
		what, native->status, native->out, native->err,
		boxed->status, boxed->out, boxed->err);
	ck_abort_msg("%.600s: native and lstar differ (the runner's stderr has both runs)\n"
		     "status: native %d, lstar %d\nstdout differs at %s\n"
		     "stderr native:\n%.700s\nstderr lstar:\n%.700s",
		     what, native->status, boxed->status,
		     first_diff(native->out, boxed->out, "native:", "lstar:", at, sizeof(at)),
		     native->err, boxed->err);
}

/*
 * diff_ro - prog ARGS natively in fixture and under `lstar run --ro
 * fixture --cwd fixture`; stdin from fixture/in (NULL: /dev/null).
 */
static void diff_ro(const char *fixture, const char *prog, const char *const args[],
		    const char *in)
{
	const char *const opts[] = { "--ro", "@", "--cwd", "@", NULL };
	char inpath[PATH_MAX];
	struct run_result native, boxed;
	struct cmd c;

	snprintf(inpath, sizeof(inpath), "%s/%s", fixture, in ? in : "");
	build_cmd(&c, NULL, prog, args, fixture);
	run_in(c.argv, fixture, in ? inpath : NULL, &native);
	build_cmd(&c, opts, prog, args, fixture);
	run_in(c.argv, NULL, in ? inpath : NULL, &boxed);
	assert_same(describe(prog, args), &native, &boxed);
	run_result_free(&native);
	run_result_free(&boxed);
}

/*
 * diff_rw - prog ARGS natively in f->a and under `lstar run --rw f->b
 * --cwd f->b`, then the two trees must match.
 */
static void diff_rw(const struct rw_fixture *f, const char *prog,
		    const char *const args[], const char *in)
{
	const char *const opts[] = { "--rw", "@", "--cwd", "@", NULL };
	char inpath[PATH_MAX], *ta, *tb;
	struct run_result native, boxed;
	struct cmd c;

	snprintf(inpath, sizeof(inpath), "%s/%s", f->a, in ? in : "");
	build_cmd(&c, NULL, prog, args, f->a);
	run_in(c.argv, f->a, in ? inpath : NULL, &native);
	snprintf(inpath, sizeof(inpath), "%s/%s", f->b, in ? in : "");
	build_cmd(&c, opts, prog, args, f->b);
	run_in(c.argv, NULL, in ? inpath : NULL, &boxed);
	assert_same(describe(prog, args), &native, &boxed);
	run_result_free(&native);
	run_result_free(&boxed);
	ta = tree_text(f->a);
	tb = tree_text(f->b);
	if (strcmp(ta, tb)) {
		char at[800];

		fprintf(stderr,
			"=== %s: the trees differ afterwards\n--- native\n%s--- lstar\n%s===\n",
			describe(prog, args), ta, tb);
		ck_abort_msg("%.600s: the trees differ afterwards, at %s",
			     describe(prog, args),
			     first_diff(ta, tb, "native:", "lstar:", at, sizeof(at)));
	}
	free(ta);
	free(tb);
}

/*
 * The file probes, each natively and under lstar (musl, then glibc):
 * file I/O with lseek/pread/fstat, writes, path corner cases that a
 * lexical normalizer could get wrong, the data-moving calls (sendfile,
 * copy_file_range, preadv, pwritev) and private file mappings.
 */
static const struct {
	const char *probe;
	const char *mode;	/* argv[1], or NULL */
	bool rw;		/* --rw on two copies, else --ro */
} io_cases[] = {
	{ "fs_io", "read", false },
	{ "fs_io", "write", true },
	{ "fs_io", "paths", false },
	{ "fs_io", "paths_rw", true },
	{ "fs_io", "follow", true },
	{ "fs_io", "dev", false },
	{ "fs_copy", NULL, true },
	{ "fs_mmap", NULL, true },
};

START_TEST(io_probes)
{
	const char *const args[] = { io_cases[_i / 2].mode, NULL };
	const char *prog = probe(io_cases[_i / 2].probe, _i % 2);

	if (io_cases[_i / 2].rw) {
		struct rw_fixture f;

		rw_fixture(&f, 0);
		diff_rw(&f, prog, args[0] ? args : NULL, NULL);
		rm_rf(f.dir);
	} else {
		char fx[PATH_MAX];

		ro_fixture(fx, 0);
		diff_ro(fx, prog, args[0] ? args : NULL, NULL);
		rm_rf(fx);
	}
}
END_TEST

/* Absolute symlinks that point back into the tree work as natively:
 * lstar follows them itself (vmm/fs.c, expand_link). */
START_TEST(absolute_symlinks_inside)
{
	const char *const cat[] = { "cat", "abs_hello", "abs_sub/a.txt", "abs_sub/up", NULL };
	const char *const ls[] = { "ls", "-ln", "abs_sub/", NULL };
	const char *const stat[] = { "stat", "-L", "-c", "%n %s %F", "abs_hello", "abs_sub", NULL };
	char fx[PATH_MAX], target[PATH_MAX + 16], link[PATH_MAX + 16];

	ro_fixture(fx, 0);
	snprintf(target, sizeof(target), "%s/hello.txt", fx);
	snprintf(link, sizeof(link), "%s/abs_hello", fx);
	ck_assert_int_eq(symlink(target, link), 0);
	snprintf(target, sizeof(target), "%s/sub", fx);
	snprintf(link, sizeof(link), "%s/abs_sub", fx);
	ck_assert_int_eq(symlink(target, link), 0);
	diff_ro(fx, "/bin/busybox", cat, NULL);
	diff_ro(fx, "/bin/busybox", ls, NULL);
	diff_ro(fx, "/bin/busybox", stat, NULL);
	rm_rf(fx);
}
END_TEST

/* fs_mmap MODE (libc libc) in a --ro fixture, its working directory:
 * what lstar's run prints is want, and it exits 0. */
static void fs_mmap_says(int libc, const char *mode, const char *want)
{
	const char *const args[] = { mode, NULL };
	char fx[PATH_MAX];
	const char *opts[] = { "--ro", fx, "--cwd", fx, NULL };
	struct run_result r;

	ro_fixture(fx, 0);
	run_lstar(opts, probe("fs_mmap", libc), args, &r);
	ck_assert_str_eq(r.out, want);
	ck_assert_int_eq(r.status, 0);
	run_result_free(&r);
	rm_rf(fx);
}

/* A shared file mapping of a --ro tree's file maps read-only: its
 * bytes show, PROT_WRITE is EACCES (docs/DECISIONS.md). */
START_TEST(mmap_shared_read_only)
{
	fs_mmap_says(_i, "shared", "shared: mapped, hello, world\nsecond line\n"
				   "third line, the last\nshared writable: EACCES\n");
}
END_TEST

/*
 * A MAP_FIXED file mapping that fails (here a descriptor not open) over
 * the program's own pages leaves the range unmapped, whichever way the
 * shim took (over private pages it keeps them for the VMM to refill, and
 * must drop them when the VMM refuses); Linux checks the descriptor
 * first and keeps the old page (docs/DECISIONS.md).
 */
START_TEST(mmap_fixed_failed)
{
	fs_mmap_says(_i, "fixed-failed", "fixed, bad descriptor: EBADF\nthe old page: gone\n"
					 "the next page: mapped\n");
}
END_TEST

/*
 * Who owns what, as the program sees it: files of the user running lstar
 * are the program's own (uid and gid 1000, as getuid says), in stat,
 * statx and fstat alike, and access() follows the owner's mode bits; any
 * other owner is nobody (65534), and access() follows the "other" bits.
 * (A file of another owner needs root to make: without it, that part is
 * not run, and says so.)
 */
START_TEST(identity_as_the_program)
{
	char dir[PATH_MAX], path[PATH_MAX + 16], cwd[PATH_MAX + 8];
	const char *const opts[] = { "--rw", dir, cwd, NULL };
	const char *args[8] = { "ids", "hello", "private", NULL };
	char want[1024];
	struct run_result r;
	bool root = geteuid() == 0;
	FILE *f;

	snprintf(dir, sizeof(dir), "/tmp/lstar-ids-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(cwd, sizeof(cwd), "--cwd=%s", dir);
	snprintf(path, sizeof(path), "%s/hello", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fclose(f);
	snprintf(path, sizeof(path), "%s/private", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fclose(f);
	ck_assert_int_eq(chmod(path, 0600), 0);
	snprintf(want, sizeof(want),
		 "getuid 1000 getgid 1000\n"
		 "hello: stat 1000:1000 statx 1000:1000 fstat 1000:1000 access r ok w ok\n"
		 "private: stat 1000:1000 statx 1000:1000 fstat 1000:1000 access r ok w ok\n");
	if (root) {
		snprintf(path, sizeof(path), "%s/theirs", dir);
		ck_assert_ptr_nonnull(f = fopen(path, "w"));
		fclose(f);
		ck_assert_int_eq(chown(path, 4242, 4242), 0);
		ck_assert_int_eq(chmod(path, 0644), 0);
		args[3] = "theirs";
		strcat(want, "theirs: stat 65534:65534 statx 65534:65534 fstat 65534:65534 "
		       "access r ok w EACCES\n");
	} else {
		printf("lstar tests: identity_as_the_program: a file of another owner "
		       "needs root; that part not run\n");
	}
	run_lstar(opts, probe("fs_io", _i), args, &r);
	ck_assert_msg(r.status == 0 && !strcmp(r.out, want),
		      "status %d\n--- stdout\n%s--- expected\n%s--- stderr\n%s", r.status,
		      r.out, want, r.err);
	run_result_free(&r);
	rm_rf(dir);
}
END_TEST

/* getdents64 through a 128-byte buffer, of the tree's root, subdirectories,
 * a symlink to one and a directory of 300 entries. */
START_TEST(io_list)
{
	static const char *const dirs[] = { ".", "sub", "sub/deep", "dlink", "many", "@/sub" };
	char fx[PATH_MAX];

	ro_fixture(fx, FX_MANY);
	for (size_t i = 0; i < NELEM(dirs); i++) {
		const char *const args[] = { "list", dirs[i], NULL };

		diff_ro(fx, probe("fs_io", _i), args, NULL);
	}
	rm_rf(fx);
}
END_TEST

/* The 64 MiB file: read in 64 KiB chunks by both libcs, and by busybox. */
START_TEST(big_file_read)
{
	static const char *const bb[][12] = {
		{ "sha256sum", "big.bin", NULL },
		{ "tail", "-c", "40", "big.bin", NULL },
		{ "od", "-A", "d", "-t", "x1", "-j", "33554400", "-N", "64", "big.bin", NULL },
		{ "head", "-c", "100000", "big.bin", NULL },
		{ "ls", "-ln", "big.bin", NULL },
		{ "du", "-k", "big.bin", NULL },
		{ "stat", "-c", "%n %s %b", "big.bin", NULL },
	};
	const char *const args[] = { "big", NULL };
	char fx[PATH_MAX];

	ro_fixture(fx, FX_BIG);
	diff_ro(fx, probe("fs_io", 1), args, NULL);
	for (size_t i = 0; i < NELEM(bb); i++)
		diff_ro(fx, BUSYBOX, bb[i], NULL);
	diff_ro(fx, probe("fs_io", 0), args, NULL);
	rm_rf(fx);
}
END_TEST

/* The 64 MiB file copied, moved, truncated in a --rw tree. */
START_TEST(big_file_write)
{
	static const char *const steps[][8] = {
		{ "cp", "big.bin", "big2.bin", NULL },
		{ "mv", "big2.bin", "sub/big3.bin", NULL },
		{ "truncate", "-s", "40000000", "sub/big3.bin", NULL },
		{ "dd", "if=big.bin", "of=part.bin", "bs=65536", "skip=100", "count=50",
		  "status=none", NULL },
		{ "rm", "big.bin", NULL },
	};
	struct rw_fixture f;

	rw_fixture(&f, FX_BIG);
	for (size_t i = 0; i < NELEM(steps); i++)
		diff_rw(&f, BUSYBOX, steps[i], NULL);
	rm_rf(f.dir);
}
END_TEST

struct bb_case {
	const char *in;		/* stdin: a fixture file, or NULL */
	const char *args[14];	/* the applet and its arguments */
};

/*
 * lstar's devices (vmm/dev.c) against the host's, through busybox: they
 * read and write as the host's do, also through a symlink in the tree
 * that points at one.
 */
static const struct bb_case bb_dev[] = {
	{ NULL, { "od", "-An", "-tx1", "-N8", "/dev/zero", NULL } },
	{ NULL, { "od", "-An", "-tx1", "-N8", "/dev/full", NULL } },
	{ NULL, { "dd", "if=/dev/zero", "of=/dev/null", "bs=4096", "count=10", NULL } },
	{ NULL, { "dd", "if=/dev/urandom", "of=/dev/null", "bs=1000", "count=3", NULL } },
	{ NULL, { "dd", "if=/dev/random", "of=/dev/null", "bs=10", "count=2", NULL } },
	{ NULL, { "dd", "if=/dev/zero", "of=/dev/full", "count=1", NULL } },
	{ NULL, { "wc", "-c", "/dev/null", NULL } },
	{ NULL, { "cat", "/dev/null", "hello.txt", NULL } },
	{ NULL, { "cat", "devnull", NULL } },
	{ NULL, { "cmp", "-n", "4096", "/dev/zero", "/dev/full", NULL } },
	{ NULL, { "stat", "-c", "%n %F %t %T %a %s %h", "/dev/null", "/dev/zero",
		  "/dev/full", "/dev/random", "/dev/urandom", NULL } },
	{ NULL, { "stat", "-L", "-c", "%n %F %t %T", "devnull", NULL } },
	{ NULL, { "test", "-c", "/dev/null", NULL } },
	{ "hello.txt", { "tee", "/dev/null", NULL } },
	{ "hello.txt", { "tee", "/dev/full", NULL } },
	{ NULL, { "sh", "-c", "echo hi > /dev/null; head -c 8 /dev/zero | od -An -tx1; "
		  "echo x > /dev/full; echo $?; head -c 16 /dev/urandom | wc -c", NULL } },
};

START_TEST(busybox_devices)
{
	char fx[PATH_MAX], link[PATH_MAX + 16];

	ro_fixture(fx, 0);
	snprintf(link, sizeof(link), "%s/devnull", fx);
	ck_assert_int_eq(symlink("/dev/null", link), 0);
	diff_ro(fx, BUSYBOX, bb_dev[_i].args, bb_dev[_i].in);
	rm_rf(fx);
}
END_TEST

/*
 * The devices stay lstar's when a tree holds /dev: --ro /dev does not
 * make /dev/null read-only (the host's node is never opened), and the
 * listing of /dev is then the tree's.  With a tree below /dev, /dev's
 * made-up listing names it.  --learn grants no tree for a device.
 */
START_TEST(devices_over_a_tree)
{
	const char *const sh[] = { "sh", "-c", "echo x > /dev/null && echo null ok; "
				   "echo y > /dev/full || echo full refused", NULL };
	const char *const ro_dev[] = { "--ro", "/dev", NULL };
	const char *const ls[] = { "ls", "/dev", NULL };
	char dir[PATH_MAX], sub[PATH_MAX + 16], pol[PATH_MAX + 16];
	const char *below[] = { "--ro", sub, NULL };
	const char *learn[] = { "--learn", pol, "--ro", "/dev", NULL };
	const char *const cat[] = { "cat", "/dev/null", NULL };
	struct run_result r;
	char *text;

	run_lstar(ro_dev, BUSYBOX, sh, &r);
	ck_assert_msg(r.status == 0 && !strcmp(r.out, "null ok\nfull refused\n"),
		      "--ro /dev: status %d\n%s%s", r.status, r.out, r.err);
	run_result_free(&r);
	/* A tree below /dev, where the host may not have one: a bind of a
	 * tree of ours is not possible without privileges, so the test
	 * grants the host's /dev/shm when there is one. */
	snprintf(dir, sizeof(dir), "/tmp/lstar-dev-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(pol, sizeof(pol), "%s/learned.policy", dir);
	if (access("/dev/shm", F_OK) == 0) {
		snprintf(sub, sizeof(sub), "/dev/shm");
		run_lstar(below, BUSYBOX, ls, &r);
		ck_assert_msg(r.status == 0 &&
			      !strcmp(r.out, "full\nnull\nrandom\nshm\ntty\nurandom\nzero\n"),
			      "ls /dev with --ro /dev/shm: status %d\n%s%s", r.status, r.out, r.err);
		run_result_free(&r);
	}
	run_lstar(learn, BUSYBOX, cat, &r);
	ck_assert_msg(r.status == 0, "--learn: status %d\n%s", r.status, r.err);
	run_result_free(&r);
	text = read_text(pol);
	ck_assert_msg(text && !strstr(text, "\npath ") && strstr(text, "openat"),
		      "the learned policy grants a path for a device:\n%s", text);
	free(text);
	rm_rf(dir);
}
END_TEST

/* --- 1. differential: busybox applets ---------------------------------------- */

/* Applets that only read: on one fixture, --ro. */
static const struct bb_case bb_ro[] = {
	{ NULL, { "sha256sum", "hello.txt", "lines.txt", "data.bin", "empty", "link", NULL } },
	{ NULL, { "sha256sum", "missing", "hello.txt", NULL } },
	{ NULL, { "md5sum", "hello.txt", "lines.txt", "data.bin", "sub/up", NULL } },
	{ NULL, { "wc", "hello.txt", "lines.txt", "empty", "data.bin", NULL } },
	{ NULL, { "wc", "-l", "lines.txt", NULL } },
	{ NULL, { "wc", "-c", "sub", NULL } },
	{ NULL, { "sort", "lines.txt", NULL } },
	{ NULL, { "sort", "-t,", "-k3,3n", "-k1,1n", "lines.txt", NULL } },
	{ NULL, { "sort", "-r", "-u", "words.txt", NULL } },
	{ NULL, { "sort", "missing", NULL } },
	{ NULL, { "uniq", "dups.txt", NULL } },
	{ NULL, { "uniq", "-c", "dups.txt", NULL } },
	{ NULL, { "uniq", "-d", "dups.txt", NULL } },
	{ NULL, { "cut", "-d,", "-f2,4", "lines.txt", NULL } },
	{ NULL, { "cut", "-c1-5", "hello.txt", "sub/a.txt", NULL } },
	{ NULL, { "grep", "-n", "name1", "lines.txt", NULL } },
	{ NULL, { "grep", "-c", ",a$", "lines.txt", NULL } },
	{ NULL, { "grep", "-r", "hello", ".", NULL } },
	{ NULL, { "grep", "-rl", "e", "sub", NULL } },
	{ NULL, { "grep", "-i", "HELLO", "hello.txt", "link", "sub/up", NULL } },
	{ NULL, { "grep", "nomatch", "hello.txt", NULL } },
	{ NULL, { "grep", "x", "missing", NULL } },
	{ NULL, { "sed", "-n", "2,4p", "lines.txt", NULL } },
	{ NULL, { "sed", "s/l/L/g;2d", "hello.txt", NULL } },
	{ NULL, { "sed", "-n", "$=", "lines.txt", "hello.txt", NULL } },
	{ NULL, { "awk", "-F,", "{ s += $3 } END { print s, NR }", "lines.txt", NULL } },
	{ NULL, { "awk", "-F,", "$4 == \"b\" { print $2 }", "lines.txt", NULL } },
	{ NULL, { "awk", "{ print FILENAME, FNR, $1 }", "hello.txt", "sub/a.txt", NULL } },
	{ NULL, { "awk", "BEGIN { while ((getline l < \"sub/deep/b.txt\") > 0) print l }",
		  NULL } },
	{ NULL, { "head", "-n", "3", "lines.txt", NULL } },
	{ NULL, { "head", "-n", "2", "hello.txt", "sub/a.txt", NULL } },
	{ NULL, { "head", "-c", "20", "data.bin", NULL } },
	{ NULL, { "tail", "-n", "3", "lines.txt", NULL } },
	{ NULL, { "tail", "-c", "20", "hello.txt", NULL } },
	{ NULL, { "tail", "-n", "+38", "lines.txt", NULL } },
	{ NULL, { "od", "-A", "x", "-t", "x1z", "data.bin", NULL } },
	{ NULL, { "od", "-c", "hello.txt", NULL } },
	{ "hello.txt", { "tr", "a-z", "A-Z", NULL } },
	{ "lines.txt", { "tr", "-d", "0-9", NULL } },
	{ "hello.txt", { "tr", "-s", "l", NULL } },
	{ NULL, { "ls", NULL } },
	{ NULL, { "ls", "-1", "sub", NULL } },
	{ NULL, { "ls", "-ln", "sub", NULL } },
	{ NULL, { "ls", "-lnR", "sub", NULL } },
	{ NULL, { "ls", "-lan", "sub", NULL } },
	{ NULL, { "ls", "-ln", "link", "dlink", "hello.txt", "empty", NULL } },
	{ NULL, { "ls", "-lnL", "link", NULL } },
	{ NULL, { "ls", "-d", "sub", "sub/deep", NULL } },
	{ NULL, { "ls", "-ln", "@/sub/deep", NULL } },
	{ NULL, { "ls", "-i", "sub", NULL } },
	{ NULL, { "ls", "missing", NULL } },
	{ NULL, { "find", ".", NULL } },
	{ NULL, { "find", ".", "-type", "f", NULL } },
	{ NULL, { "find", ".", "-type", "l", NULL } },
	{ NULL, { "find", ".", "-name", "*.txt", NULL } },
	{ NULL, { "find", "-L", "sub", "-type", "f", NULL } },
	{ NULL, { "find", "@/sub", NULL } },
	{ NULL, { "find", "missing", NULL } },
	{ NULL, { "du", "-a", "sub", NULL } },
	{ NULL, { "du", "-s", ".", NULL } },
	{ NULL, { "du", "-k", "hello.txt", "lines.txt", NULL } },
	{ NULL, { "stat", "-c", "%n %s %a %F %h %Y %i", "hello.txt", "sub", "link", "empty",
		  NULL } },
	{ NULL, { "stat", "-L", "-c", "%n %s %F", "link", "dlink", NULL } },
	{ NULL, { "stat", "-c", "%n %F", "missing", NULL } },
	{ NULL, { "cat", "missing", NULL } },
	{ NULL, { "cat", "hello.txt", "sub/a.txt", "sub/up", "dlink/deep/b.txt", NULL } },
	{ NULL, { "cat", "sub", NULL } },
	{ NULL, { "cat", "@/hello.txt", NULL } },
	{ NULL, { "cmp", "hello.txt", "sub/up", NULL } },
	{ NULL, { "cmp", "hello.txt", "lines.txt", NULL } },
	{ NULL, { "diff", "hello.txt", "sub/a.txt", NULL } },
	{ NULL, { "readlink", "link", NULL } },
	{ NULL, { "readlink", "-f", "sub/up", NULL } },
	{ NULL, { "realpath", "dlink/deep", NULL } },
	{ NULL, { "pwd", NULL } },
	{ NULL, { "test", "-d", "dlink", NULL } },
	{ NULL, { "test", "-e", "missing", NULL } },
	{ NULL, { "xxd", "-l", "48", "data.bin", NULL } },
	{ NULL, { "stat", "-f", "-c", "%n %T %b", "hello.txt", NULL } },
};

START_TEST(busybox_ro)
{
	char fx[PATH_MAX];

	ro_fixture(fx, 0);
	diff_ro(fx, BUSYBOX, bb_ro[_i].args, bb_ro[_i].in);
	rm_rf(fx);
}
END_TEST

/* Applets that change the tree: two copies, --rw, the trees compared. */
static const struct bb_case bb_rw[] = {
	{ NULL, { "cp", "hello.txt", "copy.txt", NULL } },
	{ NULL, { "cp", "hello.txt", "lines.txt", "sub", NULL } },
	{ NULL, { "cp", "link", "linkcopy", NULL } },
	{ NULL, { "cp", "hello.txt", "lines.txt", NULL } },
	{ NULL, { "cp", "missing", "x", NULL } },
	{ NULL, { "cp", "sub", "x", NULL } },
	{ NULL, { "cp", "hello.txt", "nodir/x", NULL } },
	{ NULL, { "mv", "hello.txt", "sub/moved.txt", NULL } },
	{ NULL, { "mv", "sub", "sub2", NULL } },
	{ NULL, { "mv", "link", "dlink", "sub/deep", NULL } },
	{ NULL, { "mv", "hello.txt", "lines.txt", NULL } },
	{ NULL, { "mv", "-n", "hello.txt", "lines.txt", NULL } },
	{ NULL, { "mv", "missing", "x", NULL } },
	{ NULL, { "mv", "sub", "sub/deep", NULL } },
	{ NULL, { "rm", "hello.txt", "empty", NULL } },
	{ NULL, { "rm", "-r", "sub", NULL } },
	{ NULL, { "rm", "link", "dlink", NULL } },
	{ NULL, { "rm", "missing", NULL } },
	{ NULL, { "rm", "-f", "missing", NULL } },
	{ NULL, { "rm", "sub", NULL } },
	{ NULL, { "rmdir", "sub/deep", NULL } },
	{ NULL, { "mkdir", "newdir", NULL } },
	{ NULL, { "mkdir", "-p", "a/b/c", NULL } },
	{ NULL, { "mkdir", "-p", "@/p/q", NULL } },
	{ NULL, { "mkdir", "sub", NULL } },
	{ NULL, { "mkdir", "nodir/x", NULL } },
	{ NULL, { "sort", "-o", "sorted.txt", "lines.txt", NULL } },
	{ "lines.txt", { "tee", "t1.txt", "sub/t2.txt", NULL } },
	{ NULL, { "sed", "-n", "w out.txt", "hello.txt", NULL } },
	{ NULL, { "awk", "{ print $1 > \"awk.out\" }", "hello.txt", NULL } },
	{ NULL, { "dd", "if=lines.txt", "of=dd.out", "bs=7", "count=3", "status=none", NULL } },
	{ NULL, { "truncate", "-s", "5", "hello.txt", NULL } },
	{ NULL, { "unlink", "empty", NULL } },
	{ "hello.txt", { "dd", "of=sub/from-stdin", "status=none", NULL } },
	{ NULL, { "ln", "-s", "hello.txt", "newlink", NULL } },
	{ NULL, { "ln", "-s", "../lines.txt", "sub/rel", NULL } },
	{ NULL, { "ln", "hello.txt", "hard", NULL } },
	{ NULL, { "ln", "-sf", "sub", "link", NULL } },
	{ NULL, { "chmod", "600", "hello.txt", NULL } },
	{ NULL, { "chmod", "-R", "go-rwx", "sub", NULL } },
	{ NULL, { "touch", "new.txt", "hello.txt", NULL } },
	{ NULL, { "mkdir", "-m", "700", "private", NULL } },
	{ NULL, { "cp", "-r", "sub", "subcopy", NULL } },
	{ NULL, { "sed", "-i", "s/line/LINE/", "hello.txt", NULL } },
	{ NULL, { "install", "-m", "640", "hello.txt", "sub/installed", NULL } },
};

START_TEST(busybox_rw)
{
	struct rw_fixture f;

	rw_fixture(&f, 0);
	diff_rw(&f, BUSYBOX, bb_rw[_i].args, bb_rw[_i].in);
	rm_rf(f.dir);
}
END_TEST

/* Several applets in a row on the same copies. */
START_TEST(busybox_rw_sequence)
{
	static const char *const steps[][8] = {
		{ "mkdir", "-p", "work/in", "work/out", NULL },
		{ "cp", "lines.txt", "hello.txt", "work/in", NULL },
		{ "sort", "-t,", "-k3,3n", "-o", "work/out/sorted", "work/in/lines.txt", NULL },
		{ "mv", "work/in/hello.txt", "work/out", NULL },
		{ "rm", "-r", "work/in", NULL },
		{ "find", "work", NULL },
		{ "ls", "-1R", "work", NULL },
		{ "sha256sum", "work/out/sorted", "work/out/hello.txt", NULL },
		{ "rm", "-r", "sub", "link", "dlink", NULL },
		{ "ls", NULL },
	};
	struct rw_fixture f;

	rw_fixture(&f, 0);
	for (size_t i = 0; i < NELEM(steps); i++)
		diff_rw(&f, BUSYBOX, steps[i], NULL);
	rm_rf(f.dir);
}
END_TEST

/* --- 2. confinement: guest/fs_escape ---------------------------------------- */

/*
 * The layout fs_escape expects, in a fresh ROOT:
 *
 *	ROOT/tree/		file.txt sub/inner.txt and the symlinks below
 *	ROOT/tree2/		t2.txt
 *	ROOT/outside/		canary.txt (never granted)
 *
 * Returns nothing; root is filled in.
 */
static void escape_layout(char *root)
{
	char tree[PATH_MAX], path[PATH_MAX], target[PATH_MAX * 2];
	struct timespec t[2] = { { FIXED_TIME, 0 }, { FIXED_TIME, 0 } };

	fresh_dir(root, "esc");
	snprintf(tree, sizeof(tree), "%s/tree", root);
	make_dir(root, "tree");
	make_dir(root, "tree2");
	make_dir(root, "outside");
	write_str(root, "outside/canary.txt", "outside: must not change\n");
	write_str(root, "tree2/t2.txt", "tree two\n");
	write_str(tree, "file.txt", "inside\n");
	make_dir(tree, "sub");
	write_str(tree, "sub/inner.txt", "inner\n");
	make_link(tree, "abs_passwd", "/etc/passwd");
	snprintf(target, sizeof(target), "%s/outside/canary.txt", root);
	make_link(tree, "abs_canary", target);
	make_link(tree, "abs_suite", canary);
	snprintf(target, sizeof(target), "%s/tree/file.txt", root);
	make_link(tree, "abs_inside", target);
	snprintf(target, sizeof(target), "%s/outside", root);
	make_link(tree, "abs_dir", target);
	make_link(tree, "rel_canary", "../outside/canary.txt");
	make_link(tree, "rel_etc", "../../../../../../../../etc");
	make_link(tree, "rel_dir", "../outside");
	make_link(tree, "sub/deep_out", "../../outside/canary.txt");
	make_link(tree, "sub/ok", "../file.txt");
	make_link(tree, "chain1", "chain2");
	make_link(tree, "chain2", "sub/chain3");
	make_link(tree, "sub/chain3", "../../outside");
	make_link(tree, "chain_in1", "chain_in2");
	make_link(tree, "chain_in2", "file.txt");
	make_link(tree, "dangle_out", "../outside/created.txt");
	snprintf(target, sizeof(target), "%s/outside/created2.txt", root);
	make_link(tree, "dangle_abs", target);
	make_link(tree, "self_loop", "self_loop");
	make_link(tree, "proc_root", "/proc/self/root");
	make_link(tree, "up_root", "..");
	make_link(tree, "dotdot_in_target", "sub/../../outside/canary.txt");
	snprintf(path, sizeof(path), "%s/outside/canary.txt", root);
	utimensat(AT_FDCWD, path, t, 0);
	snprintf(path, sizeof(path), "%s/outside", root);
	utimensat(AT_FDCWD, path, t, 0);
}

/* What must not change outside the trees: ROOT's and outside's listings,
 * the local canary's content, mtime and ctime (and the suite's canary). */
struct outside_state {
	char *root_names, *outside_names, *tree2;
	struct stat st;
};

static void outside_snapshot(const char *root, struct outside_state *s)
{
	char path[PATH_MAX];

	s->root_names = dir_names(root);
	snprintf(path, sizeof(path), "%s/outside", root);
	s->outside_names = tree_text(path);
	snprintf(path, sizeof(path), "%s/outside/canary.txt", root);
	ck_assert_int_eq(stat(path, &s->st), 0);
	snprintf(path, sizeof(path), "%s/tree2", root);
	s->tree2 = tree_text(path);
}

/* Nothing outside changed; with tree2_too, tree2 (not granted) neither. */
static void outside_unchanged(const char *what, const char *root,
			      struct outside_state *before, bool tree2_too)
{
	struct outside_state now;

	outside_snapshot(root, &now);
	ck_assert_msg(!strcmp(before->root_names, now.root_names),
		      "%s: ROOT changed\n--- before\n%s--- after\n%s", what,
		      before->root_names, now.root_names);
	ck_assert_msg(!strcmp(before->outside_names, now.outside_names),
		      "%s: ROOT/outside changed\n--- before\n%s--- after\n%s", what,
		      before->outside_names, now.outside_names);
	ck_assert_msg(now.st.st_mtim.tv_sec == before->st.st_mtim.tv_sec &&
		      now.st.st_mtim.tv_nsec == before->st.st_mtim.tv_nsec &&
		      now.st.st_ctim.tv_sec == before->st.st_ctim.tv_sec &&
		      now.st.st_ctim.tv_nsec == before->st.st_ctim.tv_nsec,
		      "%s: the canary's mtime or ctime changed", what);
	ck_assert_msg(!tree2_too || !strcmp(before->tree2, now.tree2),
		      "%s: ROOT/tree2 changed\n--- before\n%s--- after\n%s", what,
		      before->tree2, now.tree2);
	assert_canary_intact();
	free(now.root_names);
	free(now.outside_names);
	free(now.tree2);
	free(before->root_names);
	free(before->outside_names);
	free(before->tree2);
}

/*
 * Run fs_escape MODE ROOT under lstar with opts (where "@" is ROOT) and
 * cwd ROOT/tree, and check its exact stdout, an empty stderr, status 0.
 * escape_run_at tells the program another ROOT: guest_root, where the
 * options map the trees (or "@").
 */
static void escape_run_at(const char *root, int libc, const char *mode,
			  const char *const opts[], const char *guest_root, const char *want)
{
	const char *const args[] = { mode, guest_root, NULL };
	char what[256];
	struct run_result r;
	struct cmd c;

	snprintf(what, sizeof(what), "fs_escape.%s %s", libcs[libc], mode);
	build_cmd(&c, opts, probe("fs_escape", libc), args, root);
	run_in(c.argv, NULL, NULL, &r);
	if (r.status != 0 || strcmp(r.out, want) || r.err[0]) {
		char at[800];

		fprintf(stderr, "=== %s\n--- stdout\n%s--- expected\n%s--- stderr\n%s===\n",
			what, r.out, want, r.err);
		ck_abort_msg("%s: status %d; stdout differs from the expected at %s\n"
			     "--- stderr\n%.1000s", what, r.status,
			     first_diff(r.out, want, "got:", "expected:", at, sizeof(at)),
			     r.err);
	}
	run_result_free(&r);
}

static void escape_run(const char *root, int libc, const char *mode,
		       const char *const opts[], const char *want)
{
	escape_run_at(root, libc, mode, opts, "@", want);
}

static const char want_dotdot[] =
	"open ../outside/canary.txt: ENOENT\n"
	"open ../../etc/passwd: ENOENT\n"
	"open ../../../../../../../../../../etc/passwd: ENOENT\n"
	"open ROOT/tree/../../../../../../etc/passwd: ENOENT\n"
	"open ROOT/tree/../outside/canary.txt: ENOENT\n"
	"open /../../etc/passwd: ENOENT\n"
	"open /etc/passwd: ENOENT\n"
	"open sub/../../outside/canary.txt: ENOENT\n"
	"open ./sub/./../.././outside/canary.txt: ENOENT\n"
	"open ROOT/outside/canary.txt: ENOENT\n"
	"stat /etc/passwd: ENOENT\n"
	"lstat /etc/passwd: ENOENT\n"
	"stat ../outside/canary.txt: ENOENT\n"
	"stat ../outside: ENOENT\n"
	"access ../outside/canary.txt: ENOENT\n"
	"readlink /etc/passwd: ENOENT\n"
	"stat ..: ok dir 0555\n"
	"stat /: ok dir 0555\n"
	"stat ../..: ok dir 0555\n"
	"open .. O_RDONLY: EACCES\n"
	"open .. O_DIRECTORY: EACCES\n"
	"open .. O_PATH: EACCES\n"
	"open .. O_WRONLY: EISDIR\n"
	"open / O_RDONLY: EACCES\n"
	"open ROOT: EACCES\n"
	"getdents64 /: EACCES\n"
	"getdents64 ..: EACCES\n"
	"getdents64 ../..: EACCES\n"
	"getdents64 . (the tree, allowed): ok\n"
	"mkdir ..: EEXIST\n"
	"mkdir /: EEXIST\n"
	"mkdir ../newdir: ENOENT\n"
	"mkdir /newdir: ENOENT\n"
	"rmdir ..: EROFS\n"
	"rmdir ../outside: ENOENT\n"
	"unlink ../outside/canary.txt: ENOENT\n"
	"truncate ../outside/canary.txt: ENOENT\n"
	"creat ../outside/new.txt: ENOENT\n"
	"open ../new.txt O_CREAT: ENOENT\n"
	"open . O_DIRECTORY: ok\n"
	"openat(rootfd, ..): EACCES\n"
	"openat(rootfd, ../outside/canary.txt): ENOENT\n"
	"openat(rootfd, ../../etc/passwd): ENOENT\n"
	"openat(rootfd, ../tree/file.txt) (back inside): ok\n"
	"fstatat(rootfd, ../outside/canary.txt): ENOENT\n"
	"readlinkat(rootfd, ../outside/canary.txt): ENOENT\n"
	"faccessat(rootfd, ../outside): ENOENT\n"
	"mkdirat(rootfd, ../outside/m): ENOENT\n"
	"unlinkat(rootfd, ../outside/canary.txt): ENOENT\n"
	"openat(rootfd, ../outside/new.txt, O_CREAT): ENOENT\n"
	"fchdir(rootfd): ok\n"
	"chdir ..: ok\n"
	"  getcwd is ROOT: yes\n"
	"  open outside/canary.txt: ENOENT\n"
	"  open tree/file.txt: ok\n"
	"  stat outside: ENOENT\n"
	"  open . (ROOT): EACCES\n"
	"  chdir outside: ENOENT\n"
	"chdir ../../../../..: ok\n"
	"  open etc/passwd: ENOENT\n"
	"  open .: EACCES\n"
	"fchdir(rootfd) again: ok\n"
	"  getcwd is ROOT/tree: yes\n"
	"  open file.txt: ok\n";

/* ".." past the tree's root, by path and from a directory fd; the
 * directories above the tree; chdir("..") then open. */
START_TEST(escape_dotdot)
{
	const char *const ro[] = { "--ro", "@/tree", "--cwd", "@/tree", NULL };
	const char *const rw[] = { "--rw", "@/tree", "--cwd", "@/tree", NULL };
	char root[PATH_MAX];
	struct outside_state s;

	escape_layout(root);
	outside_snapshot(root, &s);
	escape_run(root, _i, "dotdot", ro, want_dotdot);
	escape_run(root, _i, "dotdot", rw, want_dotdot);
	outside_unchanged("dotdot", root, &s, true);
	rm_rf(root);
}
END_TEST

static const char want_symlinks[] =
	"open abs_passwd (-> /etc/passwd): EACCES\n"
	"open abs_canary (-> ROOT/outside/canary.txt): EACCES\n"
	"open abs_suite (-> the suite's canary): EACCES\n"
	"open abs_inside (-> ROOT/tree/file.txt): ok\n"	/* inside: followed */
	"open abs_dir/canary.txt (abs_dir -> ROOT/outside): EACCES\n"
	"open rel_canary (-> ../outside/canary.txt): EACCES\n"
	"open rel_etc/passwd (rel_etc -> ../../../../../../../../etc): EACCES\n"
	"open rel_dir/canary.txt (rel_dir -> ../outside): EACCES\n"
	"open sub/deep_out (-> ../../outside/canary.txt): EACCES\n"
	"open chain1/canary.txt (chain1 -> chain2 -> sub/chain3 -> ../../outside): EACCES\n"
	"open up_root/outside/canary.txt (up_root -> ..): EACCES\n"
	"open up_root: EACCES\n"
	"open dotdot_in_target (-> sub/../../outside/canary.txt): EACCES\n"
	"open proc_root/etc/passwd (proc_root -> /proc/self/root): EACCES\n"
	"open self_loop: ELOOP\n"
	"open ROOT/tree/rel_canary: EACCES\n"
	"open rel_dir O_DIRECTORY: EACCES\n"
	"open rel_dir O_PATH: EACCES\n"
	"getdents64 rel_dir: EACCES\n"
	"getdents64 abs_dir: EACCES\n"
	"stat abs_passwd: EACCES\n"
	"stat rel_canary: EACCES\n"
	"stat chain1: EACCES\n"
	"stat up_root: EACCES\n"
	"stat rel_dir/canary.txt: EACCES\n"
	"lstat rel_dir/canary.txt: EACCES\n"
	"access rel_canary: EACCES\n"
	"access abs_canary: EACCES\n"
	"access rel_dir/canary.txt: EACCES\n"
	"readlink rel_dir/canary.txt: EACCES\n"
	"statx abs_canary: EACCES\n"
	"chdir rel_dir: EACCES\n"
	"chdir abs_dir: EACCES\n"
	"chdir up_root: EACCES\n"
	"  getcwd still ROOT/tree: yes\n"
	"lstat abs_canary: ok link 0777\n"
	"readlink abs_passwd: ok /etc/passwd\n"
	"open abs_passwd O_PATH|O_NOFOLLOW: ok\n"
	"  openat(it, etc/passwd): ENOTDIR\n"
	"  fstat it: ok\n"
	"  is a link: 1\n"
	"open sub/ok (-> ../file.txt): ok\n"
	"open chain_in1 (-> chain_in2 -> file.txt): ok\n"
	"openat(sub, ../rel_canary): EACCES\n"
	"openat(sub, deep_out): EACCES\n"
	"openat(sub, ok): ok\n";

/* Symlinks out of the tree: absolute, relative, chains, to "..", with
 * ".." in the target, to a magic link; the links themselves are visible. */
START_TEST(escape_symlinks)
{
	const char *const ro[] = { "--ro", "@/tree", "--cwd", "@/tree", NULL };
	const char *const rw[] = { "--rw", "@/tree", "--cwd", "@/tree", NULL };
	char root[PATH_MAX];
	struct outside_state s;

	escape_layout(root);
	outside_snapshot(root, &s);
	escape_run(root, _i, "symlinks", ro, want_symlinks);
	escape_run(root, _i, "symlinks", rw, want_symlinks);
	outside_unchanged("symlinks", root, &s, true);
	rm_rf(root);
}
END_TEST

static const char want_rw_tricks[] =
	"open abs_canary O_WRONLY|O_TRUNC: EACCES\n"
	"open rel_canary O_WRONLY|O_APPEND: EACCES\n"
	"open rel_canary O_RDWR: EACCES\n"
	"open abs_suite O_RDWR: EACCES\n"
	"open chain1/canary.txt O_WRONLY: EACCES\n"
	"creat dangle_out (-> ../outside/created.txt): EACCES\n"
	"open dangle_abs (-> ROOT/outside/created2.txt) O_CREAT: EACCES\n"
	"open rel_dir/new.txt O_CREAT: EACCES\n"
	"open abs_dir/new.txt O_CREAT: EACCES\n"
	"open ../outside/new.txt O_CREAT: ENOENT\n"
	"truncate rel_canary: EACCES\n"
	"truncate abs_canary: EACCES\n"
	"truncate rel_dir/canary.txt: EACCES\n"
	"truncate ../outside/canary.txt: ENOENT\n"
	"mkdir rel_dir/m: EACCES\n"
	"mkdir abs_dir/m: EACCES\n"
	"mkdir chain1/m: EACCES\n"
	"mkdir up_root/m: EACCES\n"
	"mkdir ../outside/m: ENOENT\n"
	"rename file.txt rel_dir/stolen: EACCES\n"
	"rename file.txt abs_dir/stolen: EACCES\n"
	"rename file.txt ../outside/stolen: ENOENT\n"
	"rename sub ../sub_out: ENOENT\n"
	"rename rel_dir/canary.txt got.txt: EACCES\n"
	"rename ../outside/canary.txt got.txt: ENOENT\n"
	"renameat2 EXCHANGE file.txt rel_dir/canary.txt: EACCES\n"
	"unlink rel_dir/canary.txt: EACCES\n"
	"unlink abs_dir/canary.txt: EACCES\n"
	"unlink ../outside/canary.txt: ENOENT\n"
	"rmdir rel_dir (a symlink): ENOTDIR\n"
	"rmdir rel_dir/ (a symlink): ENOTDIR\n"
	"unlinkat rel_dir/. AT_REMOVEDIR: EINVAL\n"	/* any "x/." */
	"symlink /etc/passwd newlink: ok\n"
	"  open newlink: EACCES\n"
	"symlink ../outside newdir: ok\n"
	"  open newdir/canary.txt O_WRONLY: EACCES\n"
	"  mkdir newdir/m: EACCES\n"
	"link ../outside/canary.txt hard: ENOENT\n"
	"link rel_canary hard: ok\n"
	"  open hard: EACCES\n"
	"linkat rel_canary hard AT_SYMLINK_FOLLOW: EPERM\n"
	"symlink x ../outside/l: ENOENT\n"
	"symlink x rel_dir/l: EACCES\n"
	"link file.txt rel_dir/hard: EACCES\n"
	"link file.txt ../outside/hard: ENOENT\n"
	"chmod rel_canary: EACCES\n"
	"chmod abs_dir/canary.txt: EACCES\n"
	"fchmodat(AT_FDCWD, rel_canary): EACCES\n"
	"utimensat abs_canary: EACCES\n"
	"utimensat rel_dir/canary.txt: EACCES\n"
	"utimensat abs_canary AT_SYMLINK_NOFOLLOW: ok\n"
	"utimensat rel_canary AT_SYMLINK_NOFOLLOW: ok\n"
	"mknod ../outside/fifo: ENOSYS\n"
	"mkdirat(rootfd, ../outside/m): ENOENT\n"
	"openat(rootfd, ../outside/new.txt, O_CREAT): ENOENT\n"
	"renameat(rootfd, file.txt, rootfd, ../outside/stolen): ENOENT\n"
	"unlinkat(rootfd, ../outside/canary.txt): ENOENT\n"
	"rename . x: EBUSY\n"
	"rename ROOT/tree ROOT/tree_moved: EBUSY\n"
	"rename ROOT/tree ROOT/outside/tree: EBUSY\n"
	"rmdir ROOT/tree: EBUSY\n"
	"rmdir .: EINVAL\n"	/* as Linux: "." */
	"rename rel_canary renamed_link: ok\n"
	"  open renamed_link: EACCES\n"
	"unlink renamed_link: ok\n"
	"rename file.txt sub/file.txt (allowed): ok\n";

/* Writes, creations, renames, removals through every trick, in a --rw
 * tree: none reaches outside. */
START_TEST(escape_rw_tricks)
{
	const char *const rw[] = { "--rw", "@/tree", "--cwd", "@/tree", NULL };
	char root[PATH_MAX];
	struct outside_state s;

	escape_layout(root);
	outside_snapshot(root, &s);
	escape_run(root, _i, "rw_tricks", rw, want_rw_tricks);
	outside_unchanged("rw_tricks", root, &s, true);
	rm_rf(root);
}
END_TEST

static const char want_rofs[] =
	"open file.txt O_WRONLY: EROFS\n"
	"open file.txt O_RDWR: EROFS\n"
	"open file.txt O_WRONLY|O_APPEND: EROFS\n"
	"open file.txt O_RDONLY|O_TRUNC: EROFS\n"
	"open new.txt O_CREAT|O_WRONLY: EROFS\n"
	"open new.txt O_CREAT|O_RDONLY: EROFS\n"
	"open file.txt O_CREAT|O_EXCL: EEXIST\n"
	"open sub/ok O_CREAT|O_EXCL (a symlink: there): EEXIST\n"
	"open file.txt O_CREAT|O_RDONLY (exists: opens): ok\n"
	"open sub/new.txt O_CREAT|O_WRONLY: EROFS\n"
	"creat file.txt: EROFS\n"
	"creat new.txt: EROFS\n"
	"open file.txt O_RDONLY: ok\n"
	"  write: EBADF\n"
	"  pwrite64: EBADF\n"
	"  ftruncate: EINVAL\n"
	"  fcntl F_SETFL O_APPEND: ok\n"
	"  write after O_APPEND: EBADF\n"
	"  read: ok\n"
	"  fchmod: EROFS\n"
	"  futimens: EROFS\n"
	"truncate file.txt: EROFS\n"
	"truncate through sub/ok: EROFS\n"
	"mkdir newdir: EROFS\n"
	"mkdir sub/newdir: EROFS\n"
	"mkdir sub (there): EEXIST\n"
	"rmdir sub: EROFS\n"
	"unlink file.txt: EROFS\n"
	"unlink sub/ok (a symlink): EROFS\n"
	"unlinkat sub AT_REMOVEDIR: EROFS\n"
	"rename file.txt moved.txt: EROFS\n"
	"rename file.txt sub/file.txt: EROFS\n"
	"renameat2 EXCHANGE file.txt sub/inner.txt: EROFS\n"
	"access file.txt W_OK: EROFS\n"
	"access file.txt R_OK: ok\n"
	"faccessat2 sub W_OK: EROFS\n"
	"symlink x newlink: EROFS\n"
	"symlink x file.txt (there): EEXIST\n"
	"link file.txt newlink: EROFS\n"
	"link file.txt sub/inner.txt (there): EEXIST\n"
	"chmod file.txt: EROFS\n"
	"open . O_DIRECTORY: ok\n"
	"openat(rootfd, new.txt, O_CREAT): EROFS\n"
	"openat(rootfd, file.txt, O_WRONLY): EROFS\n"
	"mkdirat(rootfd, newdir): EROFS\n"
	"unlinkat(rootfd, file.txt): EROFS\n"
	"renameat(rootfd, file.txt, rootfd, x): EROFS\n"
	"chdir sub: ok\n"
	"  creat x: EROFS\n"
	"  unlink ../file.txt: EROFS\n"
	"  rmdir .: EROFS\n"
	"rename ROOT/tree x: EROFS\n"
	"mkdir ROOT/tree (the tree's root): EEXIST\n";

/* Every change to a --ro tree is EROFS, but for a name to make that is
 * there already: EEXIST, as Linux answers (mkdir -p counts on it); the
 * tree is unchanged after. */
START_TEST(escape_rofs)
{
	const char *const ro[] = { "--ro", "@/tree", "--cwd", "@/tree", NULL };
	char root[PATH_MAX], tree[PATH_MAX], *before, *after;
	struct outside_state s;

	escape_layout(root);
	outside_snapshot(root, &s);
	snprintf(tree, sizeof(tree), "%s/tree", root);
	before = tree_text(tree);
	escape_run(root, _i, "rofs", ro, want_rofs);
	after = tree_text(tree);
	ck_assert_msg(!strcmp(before, after),
		      "the --ro tree changed\n--- before\n%s--- after\n%s",
		      before, after);
	free(before);
	free(after);
	outside_unchanged("rofs", root, &s, true);
	rm_rf(root);
}
END_TEST

static const char want_exdev[] =
	"open ROOT/tree2/t2.txt: ok\n"
	"rename file.txt ROOT/tree2/x: EXDEV\n"
	"rename ROOT/tree2/t2.txt got.txt: EXDEV\n"
	"rename sub ROOT/tree2/sub: EXDEV\n"
	"renameat2 EXCHANGE file.txt ROOT/tree2/t2.txt: EXDEV\n"
	"rename file.txt ../tree2/x: EXDEV\n"
	"rename ROOT/tree2 tree2_here: EBUSY\n"
	"link ROOT/tree2/t2.txt hard: EXDEV\n"
	"link file.txt ROOT/tree2/hard: EXDEV\n"
	"symlink ../tree/file.txt ROOT/tree2/sl: ok\n"
	"  open ROOT/tree2/sl: ok\n"	/* into the other granted tree */
	"rename file.txt renamed.txt (same tree): ok\n"
	"creat ROOT/tree2/made.txt: ok\n";

static const char want_exdev_ro[] =
	"open ROOT/tree2/t2.txt: ok\n"
	"rename file.txt ROOT/tree2/x: EROFS\n"
	"rename ROOT/tree2/t2.txt got.txt: EROFS\n"
	"rename sub ROOT/tree2/sub: EROFS\n"
	"renameat2 EXCHANGE file.txt ROOT/tree2/t2.txt: EROFS\n"
	"rename file.txt ../tree2/x: EROFS\n"
	"rename ROOT/tree2 tree2_here: EROFS\n"
	"link ROOT/tree2/t2.txt hard: EXDEV\n"	/* as Linux: another mount */
	"link file.txt ROOT/tree2/hard: EROFS\n"
	"symlink ../tree/file.txt ROOT/tree2/sl: EROFS\n"
	"  open ROOT/tree2/sl: ENOENT\n"
	"rename file.txt renamed.txt (same tree): ok\n"
	"creat ROOT/tree2/made.txt: EROFS\n";

/* Renames between two --rw trees are EXDEV; with the second --ro, EROFS. */
START_TEST(escape_exdev)
{
	const char *const rw2[] = { "--rw", "@/tree", "--rw", "@/tree2", "--cwd", "@/tree", NULL };
	const char *const ro2[] = { "--rw", "@/tree", "--ro", "@/tree2", "--cwd", "@/tree", NULL };
	char root[PATH_MAX], path[PATH_MAX], path2[PATH_MAX], *names;
	struct outside_state s;

	escape_layout(root);
	outside_snapshot(root, &s);
	escape_run(root, _i, "exdev", ro2, want_exdev_ro);
	/* Undo the one rename that worked, for the second run. */
	snprintf(path, sizeof(path), "%s/tree/renamed.txt", root);
	snprintf(path2, sizeof(path2), "%s/tree/file.txt", root);
	ck_assert_int_eq(rename(path, path2), 0);
	escape_run(root, _i, "exdev", rw2, want_exdev);
	snprintf(path, sizeof(path), "%s/tree2", root);
	names = dir_names(path);
	ck_assert_msg(!strcmp(names, "made.txt\nsl\nt2.txt\n"), "tree2 holds:\n%s", names);
	free(names);
	outside_unchanged("exdev", root, &s, false);
	rm_rf(root);
}
END_TEST

static const char want_proc_ungranted[] =
	"open /proc/self/root/etc/passwd: ENOENT\n"
	"open /proc/self/root/ROOT/outside/canary.txt: ENOENT\n"
	"open /proc/self/cwd/file.txt: ENOENT\n"
	"open /proc/self/cwd/../outside/canary.txt: ENOENT\n"
	"open /proc/thread-self/root/etc/passwd: ENOENT\n"
	"open /proc/1/root/etc/passwd: ENOENT\n"
	"open /proc/self/fd/0: ENOENT\n"
	"open /proc/self/fd/3/etc/passwd: ENOENT\n"
	"open /proc/self/exe: ENOENT\n"
	"open /proc/self/mem O_RDWR: ENOENT\n"
	"stat /proc/self/root: ENOENT\n"
	"stat /proc/self/root/etc/passwd: ENOENT\n"
	"access /proc/self/root/etc/passwd: ENOENT\n"
	"chdir /proc/self/root: ENOENT\n"
	"  getcwd still ROOT/tree: yes\n"
	"readlink /proc/self/cwd: ENOENT\n"
	"readlink /proc/self/fd/0: ENOENT\n"
	"open proc_root/etc/passwd (a symlink in the tree): EACCES\n"
	"open /dev/null: ok\n";

/* DECISIONS.md: a magic link such as /proc/self/root is EACCES. */
static const char want_proc_granted[] =
	"open /proc/self/root/etc/passwd: EACCES\n"
	"open /proc/self/root/ROOT/outside/canary.txt: EACCES\n"
	"open /proc/self/cwd/file.txt: EACCES\n"
	"open /proc/self/cwd/../outside/canary.txt: ENOENT\n"
	"open /proc/thread-self/root/etc/passwd: EACCES\n"
	"open /proc/1/root/etc/passwd: EACCES\n"
	"open /proc/self/fd/0: EACCES\n"
	"open /proc/self/fd/3/etc/passwd: EACCES\n"
	"open /proc/self/exe: EACCES\n"
	"open /proc/self/mem O_RDWR: EROFS\n"
	"stat /proc/self/root: EACCES\n"
	"stat /proc/self/root/etc/passwd: EACCES\n"
	"access /proc/self/root/etc/passwd: EACCES\n"
	"chdir /proc/self/root: EACCES\n"
	"  getcwd still ROOT/tree: yes\n"
	"readlink /proc/self/cwd: EACCES\n"
	"readlink /proc/self/fd/0: EACCES\n"
	"open proc_root/etc/passwd (a symlink in the tree): EACCES\n"
	"open /dev/null: ok\n";

/* /proc/self/root and the other magic links: ENOENT when /proc is not
 * granted; refused even when it is (--ro /proc). */
START_TEST(escape_proc)
{
	const char *const plain[] = { "--rw", "@/tree", "--cwd", "@/tree", NULL };
	const char *const proc[] = { "--rw", "@/tree", "--ro", "/proc", "--cwd", "@/tree", NULL };
	char root[PATH_MAX];
	struct outside_state s;

	escape_layout(root);
	outside_snapshot(root, &s);
	escape_run(root, _i, "proc", plain, want_proc_ungranted);
	escape_run(root, _i, "proc", proc, want_proc_granted);
	outside_unchanged("proc", root, &s, true);
	rm_rf(root);
}
END_TEST

static const char want_nofs[] =
	"open /etc/passwd: ENOENT\n"
	"open /: EACCES\n"
	"open .: EACCES\n"
	"open /tmp O_DIRECTORY: ENOENT\n"
	"open ROOT/outside/canary.txt: ENOENT\n"
	"open /dev/null: ok\n"
	"open /dev/kvm: ENOENT\n"
	"open /dev/mem: ENOENT\n"
	"open /dev/sda: ENOENT\n"
	"open /dev/shm O_DIRECTORY: ENOENT\n"
	"open /dev/tty: ENXIO\n"
	"open /dev/../etc/passwd: ENOENT\n"
	"open /dev/null/../../etc/passwd: ENOENT\n"
	"open /dev/full O_WRONLY|O_CREAT|O_TRUNC: ok\n"
	"unlink /dev/null: EROFS\n"
	"rename /dev/null /dev/y: EROFS\n"
	"chmod /dev/null: EROFS\n"
	"open /proc/self/root/etc/passwd: ENOENT\n"
	"open new.txt O_CREAT: ENOENT\n"
	"open /tmp/new.txt O_CREAT: ENOENT\n"
	"openat(AT_FDCWD, x): ENOENT\n"
	"creat /tmp/x: ENOENT\n"
	"stat /: ok dir 0555\n"
	"stat .: ok dir 0555\n"
	"stat /etc/passwd: ENOENT\n"
	"lstat /: ok dir 0555\n"
	"newfstatat(AT_FDCWD, /etc): ENOENT\n"
	"newfstatat(AT_FDCWD, \"\", AT_EMPTY_PATH): ok\n"
	"fstat(0): ok\n"
	"statx /: ok\n"
	"access /: ok\n"
	"access /etc/passwd: ENOENT\n"
	"faccessat2 .: ok\n"
	"readlink /proc/self/exe: ENOENT\n"
	"readlinkat(AT_FDCWD, /bin): ENOENT\n"
	"getdents64(0) (stdin, not a directory): ENOTDIR\n"
	"getdents64(5) (no such fd): EBADF\n"
	"mkdir /tmp/d: ENOENT\n"
	"mkdir /: EEXIST\n"
	"rmdir /tmp: ENOENT\n"
	"unlink ROOT/outside/canary.txt: ENOENT\n"
	"rename ROOT/outside/canary.txt ROOT/x: ENOENT\n"
	"truncate ROOT/outside/canary.txt: ENOENT\n"
	"chdir /: ok\n"
	"chdir ROOT: ENOENT\n"
	"chdir .: ok\n"
	"getcwd is /: yes\n"
	"symlink x y: ENOENT\n"
	"write(1) still works: ok\n";

/*
 * Files granted alone (--rw tree/file.txt, --ro tree2/t2.txt, and --rw
 * tree/sub beside the file): the program sees each file at its path and
 * nothing else of its directory, and each is a bind mount of that one
 * file: not renamed, removed, replaced or linked (EBUSY, EXDEV, EEXIST
 * as Linux answers for a mount point), written in place when --rw,
 * never when --ro (docs/DECISIONS.md, "Single files").
 */
static const char want_file[] =
	"read tree/file.txt: \"inside\\n\"\n"
	"stat tree/file.txt: ok file 0644\n"
	"lstat tree/file.txt: ok file 0644\n"
	"open tree/abs_passwd (a sibling): ENOENT\n"
	"lstat tree/abs_inside (a sibling): ENOENT\n"
	"open tree/file.txt/../abs_canary: ENOENT\n"
	"open tree/file.txt/.: ENOTDIR\n"
	"open tree/file.txt/: ENOTDIR\n"
	"open tree/file.txt/x: ENOTDIR\n"
	"open tree/file.txt/.. O_DIRECTORY: EACCES\n"
	"open tree O_PATH: EACCES\n"
	"stat tree: ok dir 0555\n"
	"list tree: EACCES\n"
	"statfs tree/file.txt: ok\n"
	"  getdents64 on it: ENOTDIR\n"
	"  openat(it, x): ENOTDIR\n"
	"  fchdir to it: ENOTDIR\n"
	"chdir tree: ok\n"
	"  open file.txt: ok\n"
	"  open abs_passwd: ENOENT\n"
	"  open ../outside/canary.txt: ENOENT\n"
	"  open . O_DIRECTORY: EACCES\n"
	"chdir tree/file.txt: ENOTDIR\n"
	"chdir /: ok\n"
	"symlink ../abs_passwd sub/l1: ok\n"
	"  open sub/l1: EACCES\n"
	"symlink ../file.txt sub/l2: ok\n"
	"  read sub/l2: \"inside\\n\"\n"
	"symlink .. sub/l3: ok\n"
	"  open sub/l3/abs_passwd: EACCES\n"
	"  open sub/l3/file.txt: ok\n"
	"rename sub/inner.txt over file.txt: EBUSY\n"
	"rename file.txt sub/moved: EBUSY\n"
	"rename sub/l1 over file.txt (a symlink): EBUSY\n"
	"renameat2 RENAME_EXCHANGE sub/inner.txt file.txt: EBUSY\n"
	"unlink file.txt: EBUSY\n"
	"rmdir file.txt: ENOTDIR\n"
	"link file.txt sub/hard: EXDEV\n"
	"link sub/inner.txt file.txt: EEXIST\n"
	"symlink x file.txt: EEXIST\n"
	"mkdir file.txt: EEXIST\n"
	"mkdir tree/new: ENOENT\n"
	"open tree/new.txt O_CREAT: ENOENT\n"
	"open file.txt O_CREAT|O_EXCL: EEXIST\n"
	"open file.txt O_DIRECTORY: ENOTDIR\n"
	"open file.txt O_NOFOLLOW: ok\n"
	"open file.txt O_WRONLY|O_TRUNC: ok\n"
	"  write new: ok\n"
	"open file.txt O_APPEND: ok\n"
	"  write more: ok\n"
	"read tree/file.txt: \"new\\nmore\\n\"\n"
	"truncate file.txt 8: ok\n"
	"chmod file.txt 0600: ok\n"
	"stat tree/file.txt: ok file 0600\n"
	"read tree/file.txt: \"new\\nmore\"\n"
	"read tree2/t2.txt: \"tree two\\n\"\n"
	"open tree2/t2.txt O_WRONLY: EROFS\n"
	"open tree2/t2.txt O_RDWR: EROFS\n"
	"open tree2/t2.txt O_CREAT: ok\n"
	"open tree2/t2.txt O_RDONLY|O_TRUNC: EROFS\n"
	"truncate tree2/t2.txt: EROFS\n"
	"chmod tree2/t2.txt: EROFS\n"
	"utimensat tree2/t2.txt: EROFS\n"
	"unlink tree2/t2.txt: EBUSY\n"
	"rename tree2/t2.txt tree2/x: EBUSY\n"
	"access tree2/t2.txt W_OK: EROFS\n"
	"access tree2/t2.txt R_OK: ok\n"
	"  write through an O_RDONLY descriptor: EBADF\n"
	"  ftruncate: EINVAL\n"
	"  fchmod: EROFS\n"
	"read tree2/t2.txt: \"tree two\\n\"\n";

START_TEST(escape_file)
{
	const char *const opts[] = { "--rw", "@/tree/file.txt", "--ro", "@/tree2/t2.txt",
				     "--rw", "@/tree/sub", NULL };
	char root[PATH_MAX], path[PATH_MAX + 32], *names, *text;
	struct outside_state s;
	struct stat st;

	escape_layout(root);
	outside_snapshot(root, &s);
	escape_run(root, _i, "file", opts, want_file);
	/* The file changed in place; its directory only where --rw sub is. */
	snprintf(path, sizeof(path), "%s/tree/file.txt", root);
	text = read_text(path);
	ck_assert_msg(text && !strcmp(text, "new\nmore"), "file.txt: %s", text);
	free(text);
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert_msg(S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0600 && st.st_nlink == 1,
		      "file.txt: mode %o, %ld links", st.st_mode, (long)st.st_nlink);
	snprintf(path, sizeof(path), "%s/tree", root);
	names = dir_names(path);
	ck_assert_msg(strstr(names, "abs_passwd\n") && strstr(names, "file.txt\n") &&
		      !strstr(names, "new"), "tree:\n%s", names);
	free(names);
	snprintf(path, sizeof(path), "%s/tree/sub/inner.txt", root);
	ck_assert_msg(access(path, F_OK) == 0, "sub/inner.txt is gone");
	outside_unchanged("file", root, &s, true);
	rm_rf(root);
}
END_TEST

/*
 * What a file grant may not be: a device node, FIFO or socket of the
 * host; a read-only file inside a writable tree; the file lstar writes
 * --learn or --trace to, when the program may write it.  And busybox
 * sees the granted file as natively, its directory not at all.
 */
START_TEST(file_grant_refusals)
{
	char dir[] = "/tmp/lstar-fgrant-XXXXXX", in[64], out[64], fifo[64], want[256];
	char pdir[] = "/tmp/lstar-fpol-XXXXXX", policy[PATH_MAX], link[64], ptext[256];
	const char *const by_policy[] = { "-p", policy, NULL };
	const char *const fifo_opts[] = { "--ro", fifo, NULL };
	const char *const nested[] = { "--rw", dir, "--ro", in, NULL };
	const char *const learn[] = { "--rw", out, "--learn", out, NULL };
	const char *const grant[] = { "--ro", in, NULL };
	const char *const cat[] = { "cat", in, NULL };
	const char *const ls[] = { "ls", dir, NULL };
	const char *const t[] = { "true", NULL };
	struct run_result r;
	char *text;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(in, sizeof(in), "%s/in.txt", dir);
	snprintf(out, sizeof(out), "%s/out.txt", dir);
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	write_text(in, "input\n");
	write_text(out, "output\n");
	ck_assert_int_eq(mkfifo(fifo, 0644), 0);
	run_lstar(fifo_opts, BUSYBOX, t, &r);
	snprintf(want, sizeof(want), "path ro %s: neither a directory nor a regular file", fifo);
	ck_assert_msg(r.status == 125 && strstr(r.err, want), "fifo: %d %s", r.status, r.err);
	run_result_free(&r);
	run_lstar(nested, BUSYBOX, t, &r);
	ck_assert_msg(r.status == 125 && strstr(r.err, "a read-only tree cannot lie inside a "
						 "writable one"), "nested: %d %s", r.status, r.err);
	run_result_free(&r);
	run_lstar(learn, BUSYBOX, t, &r);
	ck_assert_msg(r.status == 125 && strstr(r.err, "inside a tree the program may write"),
		      "--learn into the granted file: %d %s", r.status, r.err);
	run_result_free(&r);
	text = read_text(out);
	ck_assert_msg(text && !strcmp(text, "output\n"), "out.txt: %s", text);
	free(text);
	run_lstar(grant, BUSYBOX, cat, &r);
	ck_assert_msg(r.status == 0 && !strcmp(r.out, "input\n"), "cat: %d %s%s", r.status,
		      r.out, r.err);
	run_result_free(&r);
	/* A policy's file, as its directories, is taken literally. */
	snprintf(link, sizeof(link), "%s/link", dir);
	ck_assert_int_eq(symlink(in, link), 0);
	snprintf(ptext, sizeof(ptext), "use default\npath ro %s\n", link);
	write_policy(pdir, policy, sizeof(policy), ptext);
	run_lstar(by_policy, BUSYBOX, t, &r);
	ck_assert_msg(r.status == 125 && strstr(r.err, "a component is a symlink"),
		      "path ro LINK: %d %s", r.status, r.err);
	run_result_free(&r);
	rm_rf(pdir);
	run_lstar(grant, BUSYBOX, ls, &r);
	snprintf(want, sizeof(want), "ls: can't open '%s': Permission denied\n", dir);
	ck_assert_msg(r.status == 1 && !strcmp(r.err, want), "ls: %d %s", r.status, r.err);
	run_result_free(&r);
	rm_rf(dir);
}
END_TEST

/*
 * The host replaces a granted file while the program runs (round 0:
 * another file renamed over it; round 1: a symlink to the canary outside
 * the trees): the program still has the file it was granted, as a bind
 * mount keeps its file, and nothing it does reaches the new one.
 */
START_TEST(file_grant_host_swap)
{
	char root[PATH_MAX], script[4 * PATH_MAX], t2[PATH_MAX + 32], path[PATH_MAX + 32];
	char tree[PATH_MAX + 32], evil[PATH_MAX + 32], *text;
	const char *opts[] = { "--rw", tree, "--rw", t2, "--timeout", "30", NULL };
	const char *args[] = { "sh", "-c", script, NULL };
	struct outside_state s;
	struct run_result r;
	struct cmd c;
	int status = 0, i, out[2];
	pid_t pid;

	escape_layout(root);
	snprintf(tree, sizeof(tree), "%s/tree", root);
	snprintf(t2, sizeof(t2), "%s/tree2/t2.txt", root);
	snprintf(script, sizeof(script),
		 "touch %s/ready; while [ ! -e %s/go ]; do usleep 20000; done; "
		 "cat %s; echo appended >> %s; cat %s", tree, tree, t2, t2, t2);
	build_cmd(&c, opts, BUSYBOX, args, root);
	ck_assert_int_eq(pipe(out), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY);

		dup2(nul, 0);
		dup2(out[1], 1);
		dup2(out[1], 2);
		close_range(3, ~0U, 0);
		execv(c.argv[0], c.argv);
		_exit(127);
	}
	close(out[1]);
	snprintf(path, sizeof(path), "%s/ready", tree);
	for (i = 0; i < 2000 && access(path, F_OK) < 0; i++)
		usleep(10000);
	if (_i == 0) {
		snprintf(evil, sizeof(evil), "%s/tree2/evil", root);
		write_file(evil, "evil\n", 5);
		ck_assert_int_eq(rename(evil, t2), 0);
	} else {
		ck_assert_int_eq(unlink(t2), 0);
		ck_assert_int_eq(symlink(canary, t2), 0);
	}
	outside_snapshot(root, &s);	/* what the host made is what stays */
	snprintf(path, sizeof(path), "%s/go", tree);
	write_file(path, "", 0);
	memset(&r, 0, sizeof(r));
	r.out = calloc(1, 4096);
	for (ssize_t n; (n = read(out[0], r.out + r.out_len, 4095 - r.out_len)) > 0;)
		r.out_len += (size_t)n;
	close(out[0]);
	waitpid(pid, &status, 0);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
		      !strcmp(r.out, "tree two\ntree two\nappended\n"),
		      "round %d: status 0x%x\n%s", _i, status, r.out);
	free(r.out);
	if (_i == 0) {
		text = read_text(t2);
		ck_assert_msg(text && !strcmp(text, "evil\n"), "the new t2.txt: %s", text);
		free(text);
	}
	outside_unchanged("swap", root, &s, true);
	rm_rf(root);
}
END_TEST

/* 3. No --ro, no --rw: no file system but lstar's devices (the program
 * starts at "/", a bare directory lstar makes up that holds /dev; none
 * of the host's device nodes is there). */
START_TEST(no_file_system)
{
	const char *const none[] = { NULL };
	char root[PATH_MAX];
	struct outside_state s;

	escape_layout(root);
	outside_snapshot(root, &s);
	escape_run(root, _i, "nofs", none, want_nofs);
	outside_unchanged("nofs", root, &s, true);
	rm_rf(root);
}
END_TEST

/* And busybox, with no tree: every path is missing but "/" (bare, not to
 * be listed) and lstar's devices. */
START_TEST(no_file_system_busybox)
{
	static const char *const cases[][6] = {
		{ "cat", "/etc/passwd", NULL },
		{ "ls", "/", NULL },
		{ "ls", NULL },
		{ "stat", "-c", "%n", "/", NULL },
		{ "find", "/tmp", NULL },
		{ "mkdir", "/tmp/lstar-should-not-exist", NULL },
		{ "pwd", NULL },
		{ "cat", "/dev/null", NULL },
		{ "ls", "/dev", NULL },
	};
	static const char *const want_err[] = {
		"cat: can't open '/etc/passwd': No such file or directory\n",
		"ls: can't open '/': Permission denied\n",
		"ls: can't open '.': Permission denied\n",
		"",
		"find: /tmp: No such file or directory\n",
		"mkdir: can't create directory '/tmp/lstar-should-not-exist': No such file or directory\n",
		"",
		"",
		"",
	};
	static const char *const want_out[] = {
		"", "", "", "/\n", "", "", "/\n", "",
		"full\nnull\nrandom\ntty\nurandom\nzero\n",
	};
	const char *const none[] = { NULL };

	for (size_t i = 0; i < NELEM(cases); i++) {
		struct run_result r;
		struct cmd c;
		bool ok_status;

		build_cmd(&c, none, BUSYBOX, cases[i], NULL);
		run_in(c.argv, NULL, NULL, &r);
		ok_status = want_err[i][0] ? r.status == 1 : r.status == 0;
		ck_assert_msg(ok_status && !strcmp(r.err, want_err[i]) &&
			      !strcmp(r.out, want_out[i]),
			      "busybox %s: status %d\n--- stdout\n%s--- stderr\n%s--- expected stderr\n%s",
			      cases[i][0], r.status, r.out, r.err, want_err[i]);
		run_result_free(&r);
	}
	ck_assert_msg(access("/tmp/lstar-should-not-exist", F_OK) < 0,
		      "mkdir reached the host");
}
END_TEST

/*
 * Nested grants.  A --ro tree inside a --rw one cannot stay read-only (the
 * program could rename a directory above it, or reach it through a
 * symlink of its own), so lstar refuses to start, in either order.  A
 * --rw tree inside a --ro one is fine: nothing done through it may change
 * the read-only tree around it.
 */
static const char want_nested[] =
	"open w/own.txt O_WRONLY: ok\n"
	"open file.txt O_WRONLY: EROFS\n"
	"open w/../file.txt O_WRONLY: EROFS\n"
	"open w/up (-> ../file.txt) O_RDONLY: ok\n"	/* into the --ro tree */
	"open w/up O_WRONLY: EROFS\n"	/* ... which stays read-only */
	"truncate w/up: EROFS\n"
	"rename w/own.txt moved.txt: EROFS\n"
	"rename file.txt w/stolen.txt: EROFS\n"
	"link file.txt w/hard: EXDEV\n"	/* as Linux: another mount */
	"link w/own.txt hard: EROFS\n"
	"symlink ../file.txt w/l2: ok\n"
	"  open w/l2 O_WRONLY: EROFS\n"
	"  chmod w/l2: EROFS\n"
	"  unlink w/l2: ok\n"
	"chmod file.txt: EROFS\n"
	"utimensat w/up: EROFS\n"
	"rename w w2 (the tree's root): EBUSY\n"
	"rmdir w: EBUSY\n"
	"mkdir w/d: ok\n"
	"rename w/d d (out into the --ro tree): EROFS\n"
	"rmdir w/d: ok\n"
	"chdir w: ok\n"
	"  open ../file.txt O_WRONLY: EROFS\n"
	"  creat ../new.txt: EROFS\n"
	"  rename own.txt ../own.txt: EROFS\n";

START_TEST(escape_nested)
{
	const char *const ro_in_rw[][8] = {
		{ "--rw", "@/tree", "--ro", "@/tree/w", NULL },
		{ "--ro", "@/tree/w", "--rw", "@/tree", NULL },
		{ "--ro", "@/tree", "--rw", "@/tree", NULL },
	};
	const char *const rw_in_ro[] = { "--ro", "@/tree", "--rw", "@/tree/w", "--cwd", "@/tree",
					 NULL };
	const char *const args[] = { "nested", "@", NULL };
	char root[PATH_MAX], tree[PATH_MAX], *before, *after;
	struct outside_state s;

	escape_layout(root);
	snprintf(tree, sizeof(tree), "%s/tree", root);
	make_dir(tree, "w");
	write_str(tree, "w/own.txt", "writable\n");
	make_link(tree, "w/up", "../file.txt");
	outside_snapshot(root, &s);
	before = tree_text(tree);
	for (size_t i = 0; i < NELEM(ro_in_rw); i++) {
		struct run_result r;
		struct cmd c;

		build_cmd(&c, ro_in_rw[i], probe("fs_escape", _i), args, root);
		run_in(c.argv, NULL, NULL, &r);
		ck_assert_msg(r.status == 125 && r.out[0] == '\0' &&
			      strstr(r.err,
				     "a read-only tree cannot lie inside a writable one"),
			      "%s %s %s %s: status %d\n--- stdout\n%.1000s--- stderr\n%.1000s",
			      ro_in_rw[i][0], ro_in_rw[i][1], ro_in_rw[i][2], ro_in_rw[i][3],
			      r.status, r.out, r.err);
		run_result_free(&r);
	}
	after = tree_text(tree);
	ck_assert_msg(!strcmp(before, after),
		      "the tree changed though lstar refused to start");
	free(after);
	escape_run(root, _i, "nested", rw_in_ro, want_nested);
	/* Only w/own.txt may have changed (opened for writing: not even that). */
	after = tree_text(tree);
	ck_assert_msg(!strcmp(before, after),
		      "the trees changed\n--- before\n%.1500s--- after\n%.1500s",
		      before, after);
	free(before);
	free(after);
	outside_unchanged("nested", root, &s, true);
	rm_rf(root);
}
END_TEST

/*
 * The escape probes again with the trees mapped elsewhere (--ro
 * ROOT/tree:/m/tree): the program's ROOT is /m, a path that holds
 * nothing on the host.  Every answer is the one at the host path ("..",
 * relative and absolute links out, renames and links across trees,
 * /proc's magic links, nesting), except where it must differ: an
 * absolute link to the tree's own host path (abs_inside) leads nowhere
 * the program sees, since links are followed in the program's /.
 */
static const struct mapped_escape {
	const char *mode;
	const char *opts[10];
	const char *want;
	const char *line, *as;		/* want's line that differs, and how */
} mapped_escapes[] = {
	{ .mode = "dotdot", .opts = { "--ro", "@/tree:/m/tree", "--cwd", "/m/tree" },
	  .want = want_dotdot },
	{ .mode = "dotdot", .opts = { "--rw", "@/tree:/m/tree", "--cwd", "/m/tree" },
	  .want = want_dotdot },
	{ .mode = "symlinks", .opts = { "--ro", "@/tree:/m/tree", "--cwd", "/m/tree" },
	  .want = want_symlinks,
	  .line = "open abs_inside (-> ROOT/tree/file.txt): ok\n",
	  .as = "open abs_inside (-> ROOT/tree/file.txt): EACCES\n" },
	{ .mode = "symlinks", .opts = { "--rw", "@/tree:/m/tree", "--cwd", "/m/tree" },
	  .want = want_symlinks,
	  .line = "open abs_inside (-> ROOT/tree/file.txt): ok\n",
	  .as = "open abs_inside (-> ROOT/tree/file.txt): EACCES\n" },
	{ .mode = "rw_tricks", .opts = { "--rw", "@/tree:/m/tree", "--cwd", "/m/tree" },
	  .want = want_rw_tricks },
	{ .mode = "rofs", .opts = { "--ro", "@/tree:/m/tree", "--cwd", "/m/tree" },
	  .want = want_rofs },
	{ .mode = "exdev", .opts = { "--rw", "@/tree:/m/tree", "--ro", "@/tree2:/m/tree2", "--cwd", "/m/tree" },
	  .want = want_exdev_ro },
	{ .mode = "exdev", .opts = { "--rw", "@/tree:/m/tree", "--rw", "@/tree2:/m/tree2", "--cwd", "/m/tree" },
	  .want = want_exdev },
	{ .mode = "proc", .opts = { "--rw", "@/tree:/m/tree", "--cwd", "/m/tree" },
	  .want = want_proc_ungranted },
	{ .mode = "proc", .opts = { "--rw", "@/tree:/m/tree", "--ro", "/proc", "--cwd", "/m/tree" },
	  .want = want_proc_granted },
	{ .mode = "nested", .opts = { "--ro", "@/tree:/m/tree", "--rw", "@/tree/w:/m/tree/w", "--cwd", "/m/tree" },
	  .want = want_nested },
};

START_TEST(escape_mapped)
{
	const struct mapped_escape *e = &mapped_escapes[_i / 2];
	char root[PATH_MAX], tree[PATH_MAX], want[8192];
	struct outside_state s;
	const char *at;

	escape_layout(root);
	snprintf(tree, sizeof(tree), "%s/tree", root);
	if (!strcmp(e->mode, "nested")) {	/* escape_nested's layout */
		make_dir(tree, "w");
		write_str(tree, "w/own.txt", "writable\n");
		make_link(tree, "w/up", "../file.txt");
	}
	outside_snapshot(root, &s);
	ck_assert_uint_lt(strlen(e->want), sizeof(want));
	snprintf(want, sizeof(want), "%s", e->want);
	if (e->line) {
		ck_assert_ptr_nonnull(at = strstr(e->want, e->line));
		snprintf(want + (at - e->want), sizeof(want) - (at - e->want), "%s%s",
			 e->as, at + strlen(e->line));
	}
	escape_run_at(root, _i % 2, e->mode, e->opts, "/m", want);
	outside_unchanged(e->mode, root, &s, strcmp(e->mode, "exdev") != 0);
	rm_rf(root);
}
END_TEST

/* --- 3. mapped trees: --ro SRC:DEST --------------------------------------------- */

/*
 * The layout of the mapped-tree tests, in a fresh ROOT:
 *
 *	ROOT/rootfs/	a container's root: bin/busybox and links to it
 *			(sh, ls, cat), etc/x, etc/abs -> /etc/x
 *	ROOT/data/	f, sub/, etclink -> /etc, up -> ../../outside
 *	ROOT/outside/	canary.txt (never granted)
 *	ROOT/a:/b/c/	a directory whose path holds ":/"
 */
static void mapped_layout(char *root)
{
	char path[PATH_MAX], rootfs[PATH_MAX];
	char *bb;
	FILE *f;
	size_t n;

	fresh_dir(root, "map");
	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", root);
	make_dir(root, "rootfs");
	make_dir(rootfs, "bin");
	make_dir(rootfs, "etc");
	ck_assert_ptr_nonnull(f = fopen(BUSYBOX, "rb"));
	ck_assert_ptr_nonnull(bb = malloc(8 << 20));
	n = fread(bb, 1, 8 << 20, f);
	ck_assert(n > 0 && n < (8 << 20));
	fclose(f);
	snprintf(path, sizeof(path), "%s/bin/busybox", rootfs);
	write_file(path, bb, n);
	free(bb);
	ck_assert_int_eq(chmod(path, 0755), 0);
	make_link(rootfs, "bin/sh", "busybox");
	make_link(rootfs, "bin/ls", "busybox");
	make_link(rootfs, "bin/cat", "busybox");
	write_str(rootfs, "etc/x", "x of the rootfs\n");
	make_link(rootfs, "etc/abs", "/etc/x");
	make_dir(root, "data");
	write_str(root, "data/f", "data f\n");
	make_dir(root, "data/sub");
	make_link(root, "data/etclink", "/etc");
	make_link(root, "data/up", "../../outside");
	make_dir(root, "outside");
	write_str(root, "outside/canary.txt", "outside: must not change\n");
	make_dir(root, "a:");
	make_dir(root, "a:/b");
	make_dir(root, "a:/b/c");
	write_str(root, "a:/b/c/in.txt", "in.txt\n");
}

/* busybox sh -c script under lstar with opts ("@" is ROOT). */
static void mapped_sh(const char *root, const char *const opts[], const char *script,
		      struct run_result *r)
{
	const char *const args[] = { "sh", "-c", script, NULL };
	struct cmd c;

	build_cmd(&c, opts, BUSYBOX, args, root);
	run_in(c.argv, NULL, NULL, r);
}

static void mapped_expect(const char *root, const char *const opts[], const char *script,
			  int status, const char *out, const char *err_has)
{
	struct run_result r;

	mapped_sh(root, opts, script, &r);
	ck_assert_msg(r.status == status && (!out || !strcmp(r.out, out)) &&
		      (err_has ? strstr(r.err, err_has) != NULL : !r.err[0]),
		      "%s\n%s: status %d (want %d)\n--- stdout\n%s--- want\n%s--- stderr\n%s",
		      opts[1], script, r.status, status, r.out, out ? out : "(any)", r.err);
	/* Nothing the program is told names the host's path. */
	ck_assert_msg(!strstr(r.out, root), "the host path %s shows:\n%s", root, r.out);
	run_result_free(&r);
}

/* A tree read and listed where it is mapped; getcwd, chdir and ".." in
 * it speak the program's paths; its links are followed in the program's
 * / (etclink -> /etc is no tree here: EACCES, never the host's /etc). */
START_TEST(mapped_read)
{
	const char *const ro[] = { "--ro", "@/data:/srv/d", "--cwd", "/srv/d/sub", NULL };
	const char *const rel[] = { "--ro", "@/data:/srv/d/", "--cwd", "sub", NULL };
	char root[PATH_MAX];

	mapped_layout(root);
	mapped_expect(root, ro, "pwd; ls /srv/d; cat /srv/d/f; cd ..; pwd; cat f; "
		      "cd /srv/d/sub/../sub && pwd; readlink /srv/d/etclink; "
		      "cat /srv/d/etclink/passwd || echo refused; ls /srv/d/up || echo up refused; "
		      "cat /srv/d/../../outside/canary.txt || echo outside refused; ls /srv || echo srv",
		      0, "/srv/d/sub\netclink\nf\nsub\nup\ndata f\n/srv/d\ndata f\n/srv/d/sub\n"
		      "/etc\nrefused\nup refused\noutside refused\nsrv\n", "Permission denied");
	/* lstar's own directory, and a relative --cwd, are the host's, seen
	 * where the tree shows them. */
	{
		const char *const args[] = { "pwd", NULL };
		const char *const plain[] = { "--ro", "@/data:/srv/d", NULL };
		char cwd[PATH_MAX + 16];
		struct run_result r;
		struct cmd c;

		snprintf(cwd, sizeof(cwd), "%s/data", root);
		build_cmd(&c, rel, BUSYBOX, args, root);
		run_in(c.argv, cwd, NULL, &r);
		ck_assert_msg(r.status == 0 && !strcmp(r.out, "/srv/d/sub\n"),
			      "--cwd sub: status %d\n%s%s", r.status, r.out, r.err);
		run_result_free(&r);
		build_cmd(&c, plain, BUSYBOX, args, root);
		run_in(c.argv, cwd, NULL, &r);
		ck_assert_msg(r.status == 0 && !strcmp(r.out, "/srv/d\n"),
			      "no --cwd: status %d\n%s%s", r.status, r.out, r.err);
		run_result_free(&r);
	}
	/* --trace shows the program's paths, never the host's. */
	{
		const char *const traced[] = { "--ro", "@/data:/srv/d", "--trace", NULL };
		struct run_result r;

		mapped_sh(root, traced, "cd /srv/d/sub && cat ../f && pwd", &r);
		ck_assert_msg(r.status == 0 && !strcmp(r.out, "data f\n/srv/d/sub\n") &&
			      strstr(r.err, "chdir(\"/srv/d/sub\")") &&
			      strstr(r.err, "\"../f\"") && !strstr(r.err, root),
			      "--trace: status %d\n%s%.3000s", r.status, r.out, r.err);
		run_result_free(&r);
	}
	rm_rf(root);
}
END_TEST

/* A writable mapped tree: what the program writes at DEST is on the host
 * at SRC. */
START_TEST(mapped_write)
{
	const char *const rw[] = { "--rw", "@/data:/out", NULL };
	char root[PATH_MAX], path[PATH_MAX + 32], *text;

	mapped_layout(root);
	mapped_expect(root, rw, "echo written > /out/new && mkdir /out/d && "
		      "mv /out/new /out/d/moved && cd /out/d && pwd && cat moved", 0,
		      "/out/d\nwritten\n", NULL);
	snprintf(path, sizeof(path), "%s/data/d/moved", root);
	text = read_text(path);
	ck_assert_msg(text && !strcmp(text, "written\n"), "ROOT/data/d/moved: %s", text);
	free(text);
	rm_rf(root);
}
END_TEST

/* A container's root: ROOT/rootfs at /, its busybox run by its own path,
 * its absolute links resolved in it, a deeper tree inside it, and
 * lstar's devices there as in every run. */
START_TEST(mapped_rootfs)
{
	const char *const root_only[] = { "--ro", "@/rootfs:/", NULL };
	const char *const with_data[] = { "--ro", "@/rootfs:/", "--rw", "@/data:/data", NULL };
	const char *const deeper[] = { "--ro", "@/rootfs:/", "--ro", "@/data:/srv/d", NULL };
	char root[PATH_MAX];

	mapped_layout(root);
	mapped_expect(root, root_only, "echo hi; ls /bin; cat /etc/x; cat /etc/abs; "
		      "exec /bin/cat /etc/x", 0,
		      "hi\nbusybox\ncat\nls\nsh\nx of the rootfs\nx of the rootfs\n"
		      "x of the rootfs\n", NULL);
	/* /srv is not in the rootfs: made up above the tree at /srv/d,
	 * as the directories above any tree are. */
	mapped_expect(root, deeper, "cd /srv && pwd && cat d/f && stat -c %a /srv && "
		      "cd / && cd srv/d && pwd; ls /srv || echo not listed", 0,
		      "/srv\ndata f\n555\n/srv/d\nnot listed\n", "can't open '/srv'");
	mapped_expect(root, with_data, "cat /data/etclink/x; echo > /dev/null; "
		      "cat /data/etclink/passwd || echo no host passwd; cd /data/sub && pwd", 0,
		      "x of the rootfs\nno host passwd\n/data/sub\n", "No such file");
	rm_rf(root);
}
END_TEST

/* One file mapped alone: seen at DEST, its directory made up. */
START_TEST(mapped_file)
{
	const char *const file[] = { "--ro", "@/data/f:/etc/hosts", NULL };
	char root[PATH_MAX];

	mapped_layout(root);
	mapped_expect(root, file, "cat /etc/hosts; ls /etc || echo not listed; "
		      "echo x > /etc/hosts || echo read-only", 0,
		      "data f\nnot listed\nread-only\n", "can't open '/etc'");
	rm_rf(root);
}
END_TEST

/*
 * Nesting is judged on the host's paths: a read-only tree whose files lie
 * inside a writable tree's is refused wherever each is seen, and one seen
 * inside a writable tree's DEST but lying elsewhere on the host is fine
 * (a container's read-only bind in its read-write root).  Two trees at
 * one DEST are refused; so is a DEST with "..".
 */
START_TEST(mapped_refusals)
{
	const char *const nested[] = { "--rw", "@/data:/a", "--ro", "@/data/sub:/b", NULL };
	const char *const disjoint[] = { "--rw", "@/data:/", "--ro", "@/rootfs:/data/sub", NULL };
	const char *const twice[] = { "--ro", "@/data:/x", "--ro", "@/rootfs:/x", NULL };
	const char *const dotdot[] = { "--ro", "@/data:/x/../y", NULL };
	const char *const no_src[] = { "--ro", ":/x", NULL };
	const char *const file_root[] = { "--ro", "@/data/f:/", NULL };
	char root[PATH_MAX];

	mapped_layout(root);
	mapped_expect(root, nested, "true", 125, "",
		      "a read-only tree cannot lie inside a writable one");
	mapped_expect(root, disjoint, "cat /data/sub/bin/sh >/dev/null && echo ok; "
		      "echo x > /data/sub/etc/x || echo ro", 0, "ok\nro\n", "Read-only");
	mapped_expect(root, twice, "true", 125, "", "'/x' is where line 1 shows");
	mapped_expect(root, dotdot, "true", 125, "", "'..' in DEST");
	mapped_expect(root, no_src, "true", 125, "", "expected SRC:DEST");
	mapped_expect(root, file_root, "true", 125, "", "a file cannot be the program's /");
	rm_rf(root);
}
END_TEST

/* The argument splits at its last ":/": "ROOT/a:/b/c:/m" is ROOT/a:/b/c
 * seen at /m; "ROOT/a:" (no ":/") is a path with a colon, seen there. */
START_TEST(mapped_colon_split)
{
	const char *const split[] = { "--ro", "@/a:/b/c:/m", NULL };
	const char *const colon[] = { "--ro", "@/a:", NULL };
	char root[PATH_MAX], script[PATH_MAX + 64];

	mapped_layout(root);
	mapped_expect(root, split, "cat /m/in.txt", 0, "in.txt\n", NULL);
	snprintf(script, sizeof(script), "cat '%s/a:/b/c/in.txt'", root);
	mapped_expect(root, colon, script, 0, "in.txt\n", NULL);
	rm_rf(root);
}
END_TEST

/*
 * A directory moved out of the tree while the program holds a descriptor
 * of it.  The guest cannot race the check itself (one thread, and every
 * ".." is gone from a path before the host resolves it); what a racer on
 * the host could do is move a directory between two calls.  The program
 * opens tree/sub_m, says so (creates tree/ready) and waits for tree/go;
 * meanwhile the test moves sub_m to ROOT/outside/sub_m (then, in the
 * second round, also puts a symlink to it in its place).  Every later
 * call through the descriptor or a working directory inside it must stay
 * in the tree.
 */
/*
 * The descriptor is the directory, wherever it went: out of the trees it
 * no longer exists for the program (ENOENT), whatever now lies at its
 * old path (round 2's symlink changes nothing), and fchdir to it fails
 * the same way, leaving the program where it was (ROOT/tree).
 */
const char want_dir_moved_out[] =
	"open sub_m O_DIRECTORY: ok\n"
	"open sub_m/secret.txt: ok\n"
	"creat ready: ok\n"
	"the test moved sub_m: yes\n"
	"openat(sub_m, secret.txt): ENOENT\n"
	"openat(sub_m, new.txt, O_CREAT): ENOENT\n"
	"openat(sub_m, ../canary.txt): ENOENT\n"
	"mkdirat(sub_m, m): ENOENT\n"
	"unlinkat(sub_m, secret.txt): ENOENT\n"
	"renameat(sub_m, secret.txt, AT_FDCWD, got.txt): ENOENT\n"
	"fchdir(sub_m): ENOENT\n"
	"  open secret.txt: ENOENT\n"
	"  creat here.txt: ok\n"
	"  chdir ..: ok\n"
	"  getcwd is ROOT/tree: no\n"
	"read the file opened before: ok secret\n"
	"fstat(sub_m): ok\n";

static const char *const want_moved[] = { want_dir_moved_out, want_dir_moved_out };

START_TEST(escape_dir_moved_out)
{
	/* Rounds 4-7: the same with the tree mapped at /m/tree, where the
	 * moved directory's host path must not lead anywhere either. */
	const int round = (_i / 2) % 2, libc = _i % 2, mapped = _i / 4;
	const char *const args[] = { "moved", mapped ? "/m" : "@", NULL };
	const char *const plain[] = { "--rw", "@/tree", "--cwd", "@/tree", NULL };
	const char *const map[] = { "--rw", "@/tree:/m/tree", "--cwd", "/m/tree", NULL };
	const char *const *opts = mapped ? map : plain;
	char root[PATH_MAX], path[PATH_MAX], moved[PATH_MAX], out[PATH_MAX], *text, *names, *before;
	struct cmd c;
	int status = 0, i;
	pid_t pid;

	escape_layout(root);
	make_dir(root, "tree/sub_m");
	write_str(root, "tree/sub_m/secret.txt", "secret\n");
	snprintf(path, sizeof(path), "%s/tree/sub_m", root);
	before = tree_text(path);
	snprintf(out, sizeof(out), "%s/out", root);
	build_cmd(&c, opts, probe("fs_escape", libc), args, root);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int nul = open("/dev/null", O_RDONLY);

		dup2(nul, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		close_range(3, ~0U, 0);
		execv(c.argv[0], c.argv);
		_exit(127);
	}
	/* Wait for the program to hold sub_m, then move it out. */
	snprintf(path, sizeof(path), "%s/tree/ready", root);
	for (i = 0; i < 2000 && access(path, F_OK) < 0; i++)
		usleep(10000);
	snprintf(path, sizeof(path), "%s/tree/sub_m", root);
	snprintf(moved, sizeof(moved), "%s/outside/sub_m", root);
	ck_assert_int_eq(rename(path, moved), 0);
	if (round == 1)
		ck_assert_int_eq(symlink("../outside/sub_m", path), 0);
	snprintf(path, sizeof(path), "%s/tree/go", root);
	write_file(path, "", 0);
	for (i = 0; i < 3000 && waitpid(pid, &status, WNOHANG) == 0; i++)
		usleep(10000);
	if (i == 3000) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	text = read_text(out);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0 && text &&
		      !strcmp(text, want_moved[round]),
		      "fs_escape.%s moved (round %d): status 0x%x\n--- output\n%s--- expected\n%s",
		      libcs[libc], round, status, text ? text : "(none)", want_moved[round]);
	free(text);
	/* Nothing was made, changed or removed in the moved directory. */
	names = tree_text(moved);
	ck_assert_msg(!strcmp(names, before), "the moved directory changed:\n--- before\n%s"
		      "--- after\n%s", before, names);
	free(names);
	free(before);
	snprintf(path, sizeof(path), "%s/secret.txt", moved);
	text = read_text(path);
	ck_assert_msg(text && !strcmp(text, "secret\n"), "secret.txt changed");
	free(text);
	assert_canary_intact();
	rm_rf(root);
}
END_TEST

/*
 * ".." inside the tree (a symlink sub/ok -> ../file.txt) while something
 * on the host renames files: natively every open works.  openat2 with
 * RESOLVE_BENEATH answers EAGAIN when a rename anywhere on the system
 * raced with a ".." step (it cannot prove the walk stayed beneath); the
 * program must not see that.  A child of the test renames a file to and
 * fro, in a directory of its own, during the whole run.
 */
static const char want_dotdot_race[] =
	"open sub/ok (-> ../file.txt) x1000: ok 1000\n"
	"stat sub/ok x1000: ok 1000\n"
	"open sub/inner.txt x500: ok 500\n";

START_TEST(dotdot_while_host_renames)
{
	const char *const opts[] = { "--ro", "@/tree", "--cwd", "@/tree", NULL };
	char root[PATH_MAX], a[PATH_MAX], b[PATH_MAX];
	struct outside_state s;
	pid_t renamer;

	escape_layout(root);
	make_dir(root, "racer");
	snprintf(a, sizeof(a), "%s/racer/a", root);
	snprintf(b, sizeof(b), "%s/racer/b", root);
	write_file(a, "", 0);
	outside_snapshot(root, &s);
	renamer = fork();
	ck_assert_int_ge(renamer, 0);
	if (renamer == 0) {
		/* Ends with the test, even one that fails; at most 60 s anyway. */
		time_t end = time(NULL) + 60;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		while (time(NULL) < end) {
			for (int i = 0; i < 1000; i++) {
				rename(a, b);
				rename(b, a);
			}
		}
		_exit(0);
	}
	{
		const char *const args[] = { "dotdot_race", "@", NULL };
		char tree[PATH_MAX];
		struct run_result r;
		struct cmd c;

		snprintf(tree, sizeof(tree), "%s/tree", root);
		build_cmd(&c, NULL, probe("fs_escape", _i), args, root);
		run_in(c.argv, tree, NULL, &r);
		/* natively first: the same calls all work there */
		ck_assert_msg(r.status == 0 && !strcmp(r.out, want_dotdot_race),
			      "natively: status %d\n%.1000s", r.status, r.out);
		run_result_free(&r);
	}
	escape_run(root, _i, "dotdot_race", opts, want_dotdot_race);
	kill(renamer, SIGKILL);
	waitpid(renamer, NULL, 0);
	if (access(a, F_OK) < 0)
		rename(b, a);
	outside_unchanged("dotdot_race", root, &s, true);
	rm_rf(root);
}
END_TEST

/*
 * The descriptor table holds 1024 (docs/DECISIONS.md): 1021 files after
 * 0, 1 and 2, then EMFILE; also when lstar itself may have only 1024
 * descriptors (a common default soft limit), since it holds a host
 * descriptor for each of the program's and some of its own.
 */
static const char want_emfile[] =
	"opened 1021, the last as 1023, then EMFILE\n"
	"close 500: ok\n"
	"open again: 500\n"
	"dup: EMFILE\n";

START_TEST(descriptor_limit)
{
	const char *const opts[] = { "--ro", "@/tree", "--cwd", "@/tree", NULL };
	struct rlimit old, low;
	char root[PATH_MAX];

	escape_layout(root);
	escape_run(root, _i, "emfile", opts, want_emfile);
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &old), 0);
	low = (struct rlimit){ old.rlim_max < 1024 ? old.rlim_max : 1024, old.rlim_max };
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
	escape_run(root, _i, "emfile", opts, want_emfile);
	setrlimit(RLIMIT_NOFILE, &old);
	rm_rf(root);
}
END_TEST

/* --- --tmp: a private /tmp and /dev/shm -------------------------------------- */

/*
 * --tmp gives an empty, writable /tmp and /dev/shm (mode 1777) that the
 * program and its children share (mktemp's mkstemp works there), that
 * the host never sees, and that
 * the next run does not find; lstar's working directory in the host's
 * /tmp is not one the program sees.
 */
START_TEST(tmp_private)
{
	char name[64], host[PATH_MAX], script[512];
	const char *const opts[] = { "--tmp", NULL };
	const char *args[] = { "sh", "-c", script, NULL };
	struct run_result r;

	snprintf(name, sizeof(name), "lstar-tmp-test-%d", (int)getpid());
	snprintf(host, sizeof(host), "/tmp/%s", name);
	snprintf(script, sizeof(script),
		 "pwd; ls -a /tmp /dev/shm; echo hi > /tmp/%s; (echo child > /dev/shm/s) & wait; "
		 "cat /tmp/%s /dev/shm/s; stat -c '%%a %%F' /tmp /dev/shm; ln -s /etc/passwd /tmp/l; "
		 "cat /tmp/l || echo refused; f=$(mktemp) && echo made > $f && cat $f && rm $f",
		 name, name);
	run_lstar(opts, BUSYBOX, args, &r);
	ck_assert_msg(r.status == 0 && !strcmp(r.out, "/\n/dev/shm:\n.\n..\n\n/tmp:\n.\n..\n"
						     "hi\nchild\n1777 directory\n1777 directory\n"
						     "refused\nmade\n"),
		      "status %d\n--- stdout\n%s--- stderr\n%s", r.status, r.out, r.err);
	run_result_free(&r);
	ck_assert_msg(access(host, F_OK) != 0, "%s appeared on the host", host);
	/* The next run's /tmp is empty again. */
	snprintf(script, sizeof(script), "ls -a /tmp");
	run_lstar(opts, BUSYBOX, args, &r);
	ck_assert_msg(r.status == 0 && !strcmp(r.out, ".\n..\n"), "a second run's /tmp:\n%s%s",
		      r.out, r.err);
	run_result_free(&r);
}
END_TEST

/* --tmp=SIZE is a limit: a write beyond it fails with ENOSPC, as on a
 * full tmpfs, and what fit is there. */
START_TEST(tmp_size)
{
	const char *const opts[] = { "--tmp=1M", NULL };
	const char *const args[] = { "sh", "-c", "head -c 2000000 /dev/zero | dd of=/tmp/big "
				     "bs=4096 2>/dev/null; echo $?; wc -c < /tmp/big; rm /tmp/big; "
				     "head -c 500000 /dev/zero > /tmp/ok; wc -c < /tmp/ok", NULL };
	struct run_result r;

	run_lstar(opts, BUSYBOX, args, &r);
	ck_assert_msg(r.status == 0 && !strcmp(r.out, "1\n1048576\n500000\n"),
		      "status %d\n--- stdout\n%s--- stderr\n%s", r.status, r.out, r.err);
	run_result_free(&r);
}
END_TEST

/* --tmpfs DIR[:SIZE]: more directories of the program's own, beside
 * --tmp's, in the one tmpfs (its size the largest asked): each empty,
 * 1777, writable where the tree around it is not, gone with the run. */
START_TEST(tmpfs_dirs)
{
	const char *const opts[] = { "--tmp", "--tmpfs", "/run", "--tmpfs", "/var/cache//x/:2M",
				     NULL };
	const char *const args[] = { "sh", "-c", "for d in /run /var/cache/x /tmp; do "
				     "stat -c '%a %F' $d; ls -A $d; echo in-$d > $d/f; cat $d/f; done; "
				     "head -c 3000000 /dev/zero > /run/big 2>/dev/null; echo $?; "
				     "[ $(wc -c < /run/big) -le 2097152 ] && echo within",
				     NULL };
	const char *const bad[][3] = {
		{ "--tmpfs", "run", "expected an absolute path" },
		{ "--tmpfs", "/a/../b", "'.' or '..' in the path" },
		{ "--tmpfs", "/", "cannot be the root" },
		{ "--tmpfs", "/x:lots", "--tmpfs /x:lots: expected a size" },
	};
	struct run_result r;

	run_lstar(opts, BUSYBOX, args, &r);
	ck_assert_msg(r.status == 0 && !strcmp(r.out, "1777 directory\nin-/run\n"
						     "1777 directory\nin-/var/cache/x\n"
						     "1777 directory\nin-/tmp\n1\nwithin\n"),
		      "status %d\n--- stdout\n%s--- stderr\n%s", r.status, r.out, r.err);
	run_result_free(&r);
	for (size_t i = 0; i < NELEM(bad); i++) {
		const char *const o[] = { bad[i][0], bad[i][1], NULL };

		run_lstar(o, BUSYBOX, args, &r);
		ck_assert_msg(r.status == 125 && strstr(r.err, bad[i][2]), "%s %s: %d %s",
			      bad[i][0], bad[i][1], r.status, r.err);
		run_result_free(&r);
	}
}
END_TEST

/* What --tmp refuses, with a reason: a bad size, a /tmp granted already
 * or a read-only tree inside it, lstar fuzz; and --learn grants no path
 * for it (its header says to give --tmp again). */
START_TEST(tmp_refusals)
{
	char dir[] = "/tmp/lstar-tmp-XXXXXX", pol[PATH_MAX], polopt[PATH_MAX + 16];
	const char *const cat[] = { "sh", "-c", "echo x > /tmp/f; cat /tmp/f", NULL };
	static const struct {
		const char *opts[4];
		const char *message;
	} bad[] = {
		{ { "--tmp=0", NULL }, "--tmp=0: expected a size of at least 1M" },
		{ { "--tmp=lots", NULL }, "--tmp=lots: expected a size" },
		{ { "--tmp", "--rw", "/tmp", NULL }, "--tmp: /tmp is granted already" },
		{ { "--tmp", "--ro", "@", NULL }, "--tmp: a read-only tree lies inside /tmp" },
	};
	struct run_result r;
	char *text;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	for (size_t i = 0; i < NELEM(bad); i++) {
		const char *opts[4];

		for (int k = 0; k < 4; k++)
			opts[k] = bad[i].opts[k] && !strcmp(bad[i].opts[k], "@") ? dir : bad[i].opts[k];
		run_lstar(opts, BUSYBOX, cat, &r);
		ck_assert_msg(r.status == 125 && strstr(r.err, bad[i].message),
			      "case %zu: want status 125 and \"%s\", got %d: %s", i,
			      bad[i].message, r.status, r.err);
		run_result_free(&r);
	}
	{
		const char *const opts[] = { "--tmp", "--stdin", NULL };

		run_lstar_in("fuzz", opts, BUSYBOX, cat, NULL, 60, &r);
		ck_assert_msg(r.status == 125 && strstr(r.err, "fuzz: --tmp"), "fuzz --tmp: %d %s",
			      r.status, r.err);
		run_result_free(&r);
	}
	snprintf(pol, sizeof(pol), "%s/learned.policy", dir);
	snprintf(polopt, sizeof(polopt), "%s", pol);
	{
		const char *const opts[] = { "--tmp", "--learn", polopt, NULL };

		run_lstar(opts, BUSYBOX, cat, &r);
	}
	ck_assert_msg(r.status == 0 && !strcmp(r.out, "x\n"), "--learn --tmp: %d %s%s", r.status,
		      r.out, r.err);
	run_result_free(&r);
	text = read_text(pol);
	ck_assert_msg(text && !strstr(text, "\npath ") && strstr(text, "give --tmp or --tmpfs again"),
		      "the learned policy:\n%s", text);
	free(text);
	/* Started in a directory of the host's /tmp: not one the program's
	 * /tmp has, so it starts at / (as outside every tree). */
	{
		char lstar[PATH_MAX];
		char *const argv[] = { realpath(lstar_path(), lstar), "run", "--tmp", "--", BUSYBOX,
				       "pwd", NULL };

		ck_assert_ptr_nonnull(argv[0]);
		run_argv_in(argv, NULL, 60, dir, NULL, &r);
		ck_assert_msg(r.status == 0 && !strcmp(r.out, "/\n"), "pwd from %s: %d %s%s", dir,
			      r.status, r.out, r.err);
		run_result_free(&r);
	}
	rm_rf(dir);
}
END_TEST

/* --- --host-user: the host judges the program as that user ------------------ */

/* The script run in the tree at /s: each step's outcome on a line. */
static const char host_user_script[] =
	"cd /s; "
	"echo x 2>/dev/null > r644; echo w644=$?; "
	"cat r600 >/dev/null 2>&1; echo r600=$?; "
	"cat u600 >/dev/null && echo more >> u600; echo u600=$?; "
	"touch rdir/new 2>/dev/null; echo rdir=$?; "
	"touch pub/new; echo pub=$?; "
	"mkdir udir/sub; echo udir=$?; "
	"ls -ln u600";

/* A tree of root's and uid 1000's files (as a container's bind would
 * hold), mode 0755 so that uid 1000 may enter it. */
static void host_user_tree(char *dir, size_t len)
{
	char path[PATH_MAX];

	snprintf(dir, len, "/tmp/lstar-hostuser-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(chmod(dir, 0755), 0);
	snprintf(path, sizeof(path), "%s/r644", dir);
	write_text(path, "root's\n");
	ck_assert_int_eq(chmod(path, 0644), 0);
	snprintf(path, sizeof(path), "%s/r600", dir);
	write_text(path, "root's secret\n");
	ck_assert_int_eq(chmod(path, 0600), 0);
	snprintf(path, sizeof(path), "%s/u600", dir);
	write_text(path, "1000's\n");
	ck_assert_int_eq(chmod(path, 0600), 0);
	ck_assert_int_eq(chown(path, 1000, 1000), 0);
	snprintf(path, sizeof(path), "%s/rdir", dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/pub", dir);
	ck_assert_int_eq(mkdir(path, 0777), 0);
	ck_assert_int_eq(chmod(path, 01777), 0);
	snprintf(path, sizeof(path), "%s/udir", dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	ck_assert_int_eq(chown(path, 1000, 1000), 0);
}

/* With --host-user 1000:1000, root's files are as closed to the program
 * as to uid 1000 (the shell's commands are forked processes: their VMMs
 * too), its own are open, and what it makes is 1000's.  Without it,
 * lstar's user (root) judges: the old way.  _i: with, without. */
START_TEST(host_user_rights)
{
	bool as_user = _i == 0;
	char dir[64], tree[128], path[PATH_MAX];
	const char *const opts[] = {
		"--rw", tree, "--uid", "1000", "--gid", "1000",
		as_user ? "--host-user" : NULL, "1000:1000", NULL,
	};
	const char *const args[] = { "sh", "-c", host_user_script, NULL };
	struct run_result r;
	struct stat st;

	if (geteuid() != 0)
		return;		/* only root has another user to become */
	host_user_tree(dir, sizeof(dir));
	snprintf(tree, sizeof(tree), "%s:/s", dir);
	run_lstar(opts, "/usr/bin/busybox", args, &r);
	ck_assert_msg(r.status == 0, "status %d\n%s%s", r.status, r.out, r.err);
	if (as_user) {
		ck_assert_msg(strstr(r.out, "w644=1\nr600=1\nu600=0\nrdir=1\npub=0\nudir=0\n"),
			      "%s%s", r.out, r.err);
		/* The file of the host user is the program's own. */
		ck_assert_msg(strstr(r.out, " 1000     1000 "), "%s", r.out);
		snprintf(path, sizeof(path), "%s/r644", dir);
		ck_assert_str_eq(read_text(path), "root's\n");
		snprintf(path, sizeof(path), "%s/pub/new", dir);
		ck_assert_int_eq(stat(path, &st), 0);
		ck_assert_msg(st.st_uid == 1000 && st.st_gid == 1000, "pub/new is %u:%u",
			      st.st_uid, st.st_gid);
		snprintf(path, sizeof(path), "%s/udir/sub", dir);
		ck_assert_int_eq(stat(path, &st), 0);
		ck_assert_int_eq(st.st_uid, 1000);
		snprintf(path, sizeof(path), "%s/u600", dir);
		ck_assert_str_eq(read_text(path), "1000's\nmore\n");
	} else {
		/* lstar's root (without capabilities) writes root's files. */
		ck_assert_msg(strstr(r.out, "w644=0\nr600=0\n"), "%s%s", r.out, r.err);
		snprintf(path, sizeof(path), "%s/r644", dir);
		ck_assert_str_eq(read_text(path), "x\n");
	}
	run_result_free(&r);
	rm_rf(dir);
}
END_TEST

/* --tmp's directories (1777) take the host user's files; an exec'd
 * program is judged as the host user too (the exec suite's). */
START_TEST(host_user_tmp)
{
	const char *const opts[] = { "--tmp", "--host-user", "1000:1000", NULL };
	const char *const args[] = {
		"sh", "-c", "echo hi > /tmp/f && mkdir /tmp/d && cat /tmp/f && ls -ln /tmp", NULL,
	};
	struct run_result r;

	if (geteuid() != 0)
		return;
	run_lstar(opts, "/usr/bin/busybox", args, &r);
	ck_assert_msg(r.status == 0 && strstr(r.out, "hi\n"), "status %d\n%s%s", r.status,
		      r.out, r.err);
	/* Owned by the host user: shown as the program's own (1000). */
	ck_assert_msg(strstr(r.out, " 1000     1000 "), "%s", r.out);
	run_result_free(&r);
}
END_TEST

/* Values checked; a user that is not root can be no other. */
START_TEST(host_user_refusals)
{
	static const char *const bad[] = { "1000", "x:1", "1:", "4294967295:0", "0:-1" };
	const char *const args[] = { "true", NULL };
	struct run_result r;
	char dir[64], err[128];
	int ws;
	pid_t pid;

	for (size_t i = 0; i < NELEM(bad); i++) {
		const char *const opts[] = { "--host-user", bad[i], NULL };

		run_lstar(opts, "/usr/bin/busybox", args, &r);
		ck_assert_msg(r.status == 125 && strstr(r.err, "--host-user"), "%s: %d %s",
			      bad[i], r.status, r.err);
		run_result_free(&r);
	}
	if (geteuid() != 0)
		return;
	snprintf(dir, sizeof(dir), "/tmp/lstar-hostuser-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(chmod(dir, 0777), 0);
	snprintf(err, sizeof(err), "%s/err", dir);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd;

		if (setgroups(0, NULL) || setgid(65534) || setuid(65534) ||
		    (fd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0 || dup2(fd, 2) < 0)
			_exit(2);
		execl(lstar_path(), lstar_path(), "run", "--host-user", "1000:1000", "--",
		      "/usr/bin/busybox", "true", (char *)NULL);
		_exit(3);
	}
	ck_assert_int_eq(waitpid(pid, &ws, 0), pid);
	ck_assert_msg(WIFEXITED(ws) && WEXITSTATUS(ws) == 125 &&
		      strstr(read_text(err), "not root"), "%d %s", ws, read_text(err));
	rm_rf(dir);
}
END_TEST

Suite *suite_fs(void)
{
	Suite *s = suite_create("fs");
	TCase *diff = tcase_create("differential");
	TCase *conf = tcase_create("confinement");
	TCase *tc_tmp, *tc_map, *tc_host;

	tcase_set_timeout(diff, 120);
	tcase_add_unchecked_fixture(diff, base_setup, base_teardown);
	tcase_add_loop_test(diff, io_probes, 0, 2 * (int)(sizeof(io_cases) / sizeof(io_cases[0])));
	tcase_add_loop_test(diff, identity_as_the_program, 0, 2);
	tcase_add_test(diff, absolute_symlinks_inside);
	tcase_add_loop_test(diff, mmap_shared_read_only, 0, 2);
	tcase_add_loop_test(diff, mmap_fixed_failed, 0, 2);
	tcase_add_loop_test(diff, io_list, 0, 2);
	tcase_add_test(diff, big_file_read);
	tcase_add_test(diff, big_file_write);
	tcase_add_loop_test(diff, busybox_ro, 0, NELEM(bb_ro));
	tcase_add_loop_test(diff, busybox_devices, 0, NELEM(bb_dev));
	tcase_add_test(diff, devices_over_a_tree);
	tcase_add_loop_test(diff, busybox_rw, 0, NELEM(bb_rw));
	tcase_add_test(diff, busybox_rw_sequence);
	tcase_add_test(diff, canary_unchanged);	/* last */
	suite_add_tcase(s, diff);

	tc_map = tcase_create("mapped");
	/* Each test runs a shell of a dozen commands: a few seconds under
	 * make check-hw's emulation, near Check's default of 4. */
	tcase_set_timeout(tc_map, 120);
	tcase_add_unchecked_fixture(tc_map, base_setup, base_teardown);
	tcase_add_test(tc_map, mapped_read);
	tcase_add_test(tc_map, mapped_write);
	tcase_add_test(tc_map, mapped_rootfs);
	tcase_add_test(tc_map, mapped_file);
	tcase_add_test(tc_map, mapped_refusals);
	tcase_add_test(tc_map, mapped_colon_split);
	tcase_add_test(tc_map, canary_unchanged);	/* last */
	suite_add_tcase(s, tc_map);
	tc_tmp = tcase_create("tmp");
	tcase_set_timeout(tc_tmp, 120);
	tcase_add_test(tc_tmp, tmp_private);
	tcase_add_test(tc_tmp, tmp_size);
	tcase_add_test(tc_tmp, tmpfs_dirs);
	tcase_add_test(tc_tmp, tmp_refusals);
	suite_add_tcase(s, tc_tmp);
	tc_host = tcase_create("host_user");
	tcase_set_timeout(tc_host, 120);
	tcase_add_loop_test(tc_host, host_user_rights, 0, 2);
	tcase_add_test(tc_host, host_user_tmp);
	tcase_add_test(tc_host, host_user_refusals);
	suite_add_tcase(s, tc_host);

	tcase_set_timeout(conf, 120);
	tcase_add_unchecked_fixture(conf, base_setup, base_teardown);
	tcase_add_loop_test(conf, escape_dotdot, 0, 2);
	tcase_add_loop_test(conf, escape_symlinks, 0, 2);
	tcase_add_loop_test(conf, escape_rw_tricks, 0, 2);
	tcase_add_loop_test(conf, escape_rofs, 0, 2);
	tcase_add_loop_test(conf, escape_exdev, 0, 2);
	tcase_add_loop_test(conf, escape_proc, 0, 2);
	tcase_add_loop_test(conf, escape_nested, 0, 2);
	tcase_add_loop_test(conf, escape_mapped, 0, 2 * (int)NELEM(mapped_escapes));
	tcase_add_loop_test(conf, escape_dir_moved_out, 0, 8);
	tcase_add_loop_test(conf, dotdot_while_host_renames, 0, 2);
	tcase_add_loop_test(conf, descriptor_limit, 0, 2);
	tcase_add_loop_test(conf, escape_file, 0, 2);
	tcase_add_test(conf, file_grant_refusals);
	tcase_add_loop_test(conf, file_grant_host_swap, 0, 2);
	tcase_add_loop_test(conf, no_file_system, 0, 2);
	tcase_add_test(conf, no_file_system_busybox);
	tcase_add_test(conf, canary_unchanged);	/* last */
	suite_add_tcase(s, conf);
	return s;
}
