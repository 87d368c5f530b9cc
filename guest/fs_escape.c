/* SPDX-License-Identifier: MIT */
/*
 * fs_escape.c - a hostile program: tries every way out of the trees it
 * was given (tests/test_fs.c, which builds the layout and asserts the
 * exact output).
 *
 *	fs_escape MODE ROOT
 *
 * ROOT is the directory that holds the layout the test built:
 *
 *	ROOT/tree/	the granted tree (the working directory): file.txt,
 *			sub/inner.txt and symlinks, in and out
 *	ROOT/tree2/	a second tree (t2.txt), granted in some modes
 *	ROOT/outside/	never granted: canary.txt
 *
 * MODE is one of: dotdot (".." past the tree's root, by path and from a
 * directory fd; the directories above the tree), symlinks (absolute,
 * relative, chained, magic), rw_tricks (writes, creations, renames,
 * links, chmod, utimensat through all of those), rofs (changing a --ro
 * tree), exdev (two trees), proc (/proc/self/... magic links), nofs (no
 * tree at all), nested (a --rw tree inside a --ro one), moved (a
 * directory fd held while the test moves the directory out), dotdot_race
 * (".." in a symlink while the host renames), emfile (the fd table).
 *
 * One line per attempt, "what: result", where result is "ok" or the
 * errno name; nothing printed depends on ROOT or on the run.  Exit status
 * 0; the test decides what each line must say.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "errname.h"

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

static const char *root;	/* r < 0: failed with errno; else ok. */
static void res(const char *what, long r)
{
	printf("%s: %s\n", what, r < 0 ? errname(errno) : "ok");
}

static long sys(long nr, long a, long b, long c, long d, long e)
{
	errno = 0;
	return syscall(nr, a, b, c, d, e, 0);
}

/* The same for calls on a path; on a path and a number; on two paths. */
static long s1(long nr, const char *path)
{
	return sys(nr, (long)path, 0, 0, 0, 0);
}

static long s2(long nr, const char *path, long b)
{
	return sys(nr, (long)path, b, 0, 0, 0);
}

static long s2p(long nr, const char *from, const char *to)
{
	return sys(nr, (long)from, (long)to, 0, 0, 0);
}

/* ROOT/rel, in a static buffer (one of four, used round-robin). */
static const char *at_root(const char *rel)
{
	static char bufs[4][4096];
	static int next;
	char *b = bufs[next++ % 4];

	snprintf(b, 4096, "%s/%s", root, rel);
	return b;
}

/* A mode only with O_CREAT, as libcs pass it. */
static long mode_for(int flags)
{
	return (flags & O_CREAT) ? 0644 : 0;
}

/* Open path with flags; ok (and closed) or the errno. */
static void try_open(const char *what, const char *path, int flags)
{
	long fd = sys(SYS_open, (long)path, flags, mode_for(flags), 0, 0);

	res(what, fd);
	if (fd >= 0)
		close((int)fd);
}

static void try_openat(const char *what, int dirfd, const char *path, int flags)
{
	long fd = sys(SYS_openat, dirfd, (long)path, flags, mode_for(flags), 0);

	res(what, fd);
	if (fd >= 0)
		close((int)fd);
}

/* stat: "ok dir 0555" etc., or the errno. */
static void try_stat(const char *what, const char *path, bool follow)
{
	struct stat st;
	long r = sys(follow ? SYS_stat : SYS_lstat, (long)path, (long)&st, 0, 0, 0);

	if (r < 0) {
		res(what, r);
		return;
	}
	printf("%s: ok %s %04o\n", what, S_ISDIR(st.st_mode) ? "dir" : S_ISREG(st.st_mode) ?
	       "file" : S_ISLNK(st.st_mode) ? "link" : "other", (unsigned)(st.st_mode & 07777));
}

/* Does getcwd give ROOT/rel? */
static void cwd_is(const char *what, const char *rel)
{
	char buf[4096];
	long r = sys(SYS_getcwd, (long)buf, sizeof(buf), 0, 0, 0);

	if (r < 0)
		res(what, r);
	else if (strcmp(buf, rel ? at_root(rel) : root))
		printf("%s: no\n", what);
	else
		printf("%s: yes\n", what);
}

/* List a directory through getdents64: "ok" or the errno at open or read. */
static void try_list(const char *what, const char *path)
{
	char buf[4096] __attribute__((aligned(8)));
	long fd = sys(SYS_open, (long)path, O_RDONLY | O_DIRECTORY, 0, 0, 0), n;

	if (fd < 0) {
		res(what, fd);
		return;
	}
	n = sys(SYS_getdents64, fd, (long)buf, sizeof(buf), 0, 0);
	res(what, n);
	close((int)fd);
}

/* --- dotdot: ".." past the tree's root, from paths and directory fds ------- */

static void mode_dotdot(void)
{
	int rootfd;

	try_open("open ../outside/canary.txt", "../outside/canary.txt", O_RDONLY);
	try_open("open ../../etc/passwd", "../../etc/passwd", O_RDONLY);
	try_open("open ../../../../../../../../../../etc/passwd",
		 "../../../../../../../../../../etc/passwd", O_RDONLY);
	try_open("open ROOT/tree/../../../../../../etc/passwd",
		 at_root("tree/../../../../../../etc/passwd"), O_RDONLY);
	try_open("open ROOT/tree/../outside/canary.txt", at_root("tree/../outside/canary.txt"),
		 O_RDONLY);
	try_open("open /../../etc/passwd", "/../../etc/passwd", O_RDONLY);
	try_open("open /etc/passwd", "/etc/passwd", O_RDONLY);
	try_open("open sub/../../outside/canary.txt", "sub/../../outside/canary.txt",
		 O_RDONLY);
	try_open("open ./sub/./../.././outside/canary.txt",
		 "./sub/./../.././outside/canary.txt", O_RDONLY);
	try_open("open ROOT/outside/canary.txt", at_root("outside/canary.txt"), O_RDONLY);
	try_stat("stat /etc/passwd", "/etc/passwd", true);
	try_stat("lstat /etc/passwd", "/etc/passwd", false);
	try_stat("stat ../outside/canary.txt", "../outside/canary.txt", true);
	try_stat("stat ../outside", "../outside", true);
	res("access ../outside/canary.txt", s2(SYS_access, "../outside/canary.txt", R_OK));
	{
		char buf[64];

		res("readlink /etc/passwd", sys(SYS_readlink, (long)"/etc/passwd", (long)buf,
						sizeof(buf), 0, 0));
	}
	/* The directories above the tree: there, but bare and closed. */
	try_stat("stat ..", "..", true);
	try_stat("stat /", "/", true);
	try_stat("stat ../..", "../..", true);
	try_open("open .. O_RDONLY", "..", O_RDONLY);
	try_open("open .. O_DIRECTORY", "..", O_RDONLY | O_DIRECTORY);
	try_open("open .. O_PATH", "..", O_PATH);
	try_open("open .. O_WRONLY", "..", O_WRONLY);
	try_open("open / O_RDONLY", "/", O_RDONLY);
	try_open("open ROOT", root, O_RDONLY | O_DIRECTORY);
	try_list("getdents64 /", "/");
	try_list("getdents64 ..", "..");
	try_list("getdents64 ../..", "../..");
	try_list("getdents64 . (the tree, allowed)", ".");
	res("mkdir ..", s2(SYS_mkdir, "..", 0755));
	res("mkdir /", s2(SYS_mkdir, "/", 0755));
	res("mkdir ../newdir", s2(SYS_mkdir, "../newdir", 0755));
	res("mkdir /newdir", s2(SYS_mkdir, "/newdir", 0755));
	res("rmdir ..", s1(SYS_rmdir, ".."));
	res("rmdir ../outside", s1(SYS_rmdir, "../outside"));
	res("unlink ../outside/canary.txt", s1(SYS_unlink, "../outside/canary.txt"));
	res("truncate ../outside/canary.txt", s1(SYS_truncate, "../outside/canary.txt"));
	res("creat ../outside/new.txt", s2(SYS_creat, "../outside/new.txt", 0644));
	try_open("open ../new.txt O_CREAT", "../new.txt", O_WRONLY | O_CREAT);

	/* A directory fd of the tree's root, then "..". */
	rootfd = (int)sys(SYS_open, (long)".", O_RDONLY | O_DIRECTORY, 0, 0, 0);
	res("open . O_DIRECTORY", rootfd);
	try_openat("openat(rootfd, ..)", rootfd, "..", O_RDONLY);
	try_openat("openat(rootfd, ../outside/canary.txt)", rootfd, "../outside/canary.txt",
		   O_RDONLY);
	try_openat("openat(rootfd, ../../etc/passwd)", rootfd, "../../etc/passwd", O_RDONLY);
	try_openat("openat(rootfd, ../tree/file.txt) (back inside)", rootfd,
		   "../tree/file.txt", O_RDONLY);
	{
		struct stat st;
		char buf[64];

		res("fstatat(rootfd, ../outside/canary.txt)",
		    sys(SYS_newfstatat, rootfd, (long)"../outside/canary.txt", (long)&st,
			0, 0));
		res("readlinkat(rootfd, ../outside/canary.txt)",
		    sys(SYS_readlinkat, rootfd, (long)"../outside/canary.txt", (long)buf,
			sizeof(buf), 0));
		res("faccessat(rootfd, ../outside)", sys(SYS_faccessat, rootfd,
							 (long)"../outside", R_OK, 0, 0));
		res("mkdirat(rootfd, ../outside/m)", sys(SYS_mkdirat, rootfd,
							 (long)"../outside/m", 0755, 0, 0));
		res("unlinkat(rootfd, ../outside/canary.txt)",
		    sys(SYS_unlinkat, rootfd, (long)"../outside/canary.txt", 0, 0, 0));
		try_openat("openat(rootfd, ../outside/new.txt, O_CREAT)", rootfd,
			   "../outside/new.txt",
			   O_WRONLY | O_CREAT);
	}
	res("fchdir(rootfd)", sys(SYS_fchdir, rootfd, 0, 0, 0, 0));
	res("chdir ..", s1(SYS_chdir, ".."));
	cwd_is("  getcwd is ROOT", NULL);
	try_open("  open outside/canary.txt", "outside/canary.txt", O_RDONLY);
	try_open("  open tree/file.txt", "tree/file.txt", O_RDONLY);
	try_stat("  stat outside", "outside", true);
	try_open("  open . (ROOT)", ".", O_RDONLY);
	res("  chdir outside", s1(SYS_chdir, "outside"));
	res("chdir ../../../../..", s1(SYS_chdir, "../../../../.."));
	try_open("  open etc/passwd", "etc/passwd", O_RDONLY);
	try_open("  open .", ".", O_RDONLY);
	res("fchdir(rootfd) again", sys(SYS_fchdir, rootfd, 0, 0, 0, 0));
	cwd_is("  getcwd is ROOT/tree", "tree");
	try_open("  open file.txt", "file.txt", O_RDONLY);
	close(rootfd);
}

/* --- symlinks: absolute, relative out, chains, loops ------------------------ */

static void mode_symlinks(void)
{
	char buf[4096];
	long fd, n;

	try_open("open abs_passwd (-> /etc/passwd)", "abs_passwd", O_RDONLY);
	try_open("open abs_canary (-> ROOT/outside/canary.txt)", "abs_canary", O_RDONLY);
	try_open("open abs_suite (-> the suite's canary)", "abs_suite", O_RDONLY);
	try_open("open abs_inside (-> ROOT/tree/file.txt)", "abs_inside", O_RDONLY);
	try_open("open abs_dir/canary.txt (abs_dir -> ROOT/outside)", "abs_dir/canary.txt",
		 O_RDONLY);
	try_open("open rel_canary (-> ../outside/canary.txt)", "rel_canary", O_RDONLY);
	try_open("open rel_etc/passwd (rel_etc -> ../../../../../../../../etc)",
		 "rel_etc/passwd", O_RDONLY);
	try_open("open rel_dir/canary.txt (rel_dir -> ../outside)", "rel_dir/canary.txt",
		 O_RDONLY);
	try_open("open sub/deep_out (-> ../../outside/canary.txt)", "sub/deep_out", O_RDONLY);
	try_open("open chain1/canary.txt (chain1 -> chain2 -> sub/chain3 -> ../../outside)",
		 "chain1/canary.txt", O_RDONLY);
	try_open("open up_root/outside/canary.txt (up_root -> ..)",
		 "up_root/outside/canary.txt", O_RDONLY);
	try_open("open up_root", "up_root", O_RDONLY);
	try_open("open dotdot_in_target (-> sub/../../outside/canary.txt)", "dotdot_in_target",
		 O_RDONLY);
	try_open("open proc_root/etc/passwd (proc_root -> /proc/self/root)",
		 "proc_root/etc/passwd", O_RDONLY);
	try_open("open self_loop", "self_loop", O_RDONLY);
	try_open("open ROOT/tree/rel_canary", at_root("tree/rel_canary"), O_RDONLY);
	try_open("open rel_dir O_DIRECTORY", "rel_dir", O_RDONLY | O_DIRECTORY);
	try_open("open rel_dir O_PATH", "rel_dir", O_PATH);
	try_list("getdents64 rel_dir", "rel_dir");
	try_list("getdents64 abs_dir", "abs_dir");
	try_stat("stat abs_passwd", "abs_passwd", true);
	try_stat("stat rel_canary", "rel_canary", true);
	try_stat("stat chain1", "chain1", true);
	try_stat("stat up_root", "up_root", true);
	try_stat("stat rel_dir/canary.txt", "rel_dir/canary.txt", true);
	try_stat("lstat rel_dir/canary.txt", "rel_dir/canary.txt", false);
	res("access rel_canary", s2(SYS_access, "rel_canary", R_OK));
	res("access abs_canary", s2(SYS_access, "abs_canary", F_OK));
	res("access rel_dir/canary.txt", s2(SYS_access, "rel_dir/canary.txt", F_OK));
	res("readlink rel_dir/canary.txt", sys(SYS_readlink, (long)"rel_dir/canary.txt",
					       (long)buf, 64, 0, 0));
	{
		uint64_t stx[32];	/* struct statx: 256 bytes */

		res("statx abs_canary", sys(SYS_statx, AT_FDCWD, (long)"abs_canary", 0, 0x7ff,
					    (long)stx));
	}
	res("chdir rel_dir", s1(SYS_chdir, "rel_dir"));
	res("chdir abs_dir", s1(SYS_chdir, "abs_dir"));
	res("chdir up_root", s1(SYS_chdir, "up_root"));
	cwd_is("  getcwd still ROOT/tree", "tree");

	/* The links themselves are in the tree: lstat and readlink see them. */
	try_stat("lstat abs_canary", "abs_canary", false);
	n = sys(SYS_readlink, (long)"abs_passwd", (long)buf, sizeof(buf), 0, 0);
	printf("readlink abs_passwd: %s %.*s\n", n < 0 ? errname(errno) : "ok",
	       n < 0 ? 0 : (int)n, buf);
	fd = sys(SYS_open, (long)"abs_passwd", O_PATH | O_NOFOLLOW, 0, 0, 0);
	res("open abs_passwd O_PATH|O_NOFOLLOW", fd);
	try_openat("  openat(it, etc/passwd)", (int)fd, "etc/passwd", O_RDONLY);
	{
		struct stat st;

		res("  fstat it", sys(SYS_fstat, fd, (long)&st, 0, 0, 0));
		printf("  is a link: %d\n", S_ISLNK(st.st_mode));
	}
	close((int)fd);

	/* Links that stay inside work. */
	try_open("open sub/ok (-> ../file.txt)", "sub/ok", O_RDONLY);
	try_open("open chain_in1 (-> chain_in2 -> file.txt)", "chain_in1", O_RDONLY);
	fd = sys(SYS_open, (long)"sub", O_RDONLY | O_DIRECTORY, 0, 0, 0);
	try_openat("openat(sub, ../rel_canary)", (int)fd, "../rel_canary", O_RDONLY);
	try_openat("openat(sub, deep_out)", (int)fd, "deep_out", O_RDONLY);
	try_openat("openat(sub, ok)", (int)fd, "ok", O_RDONLY);
	close((int)fd);
}

/* --- writes through the tricks, in a --rw tree ------------------------------ */

static void mode_rw_tricks(void)
{
	int rootfd;

	try_open("open abs_canary O_WRONLY|O_TRUNC", "abs_canary", O_WRONLY | O_TRUNC);
	try_open("open rel_canary O_WRONLY|O_APPEND", "rel_canary", O_WRONLY | O_APPEND);
	try_open("open rel_canary O_RDWR", "rel_canary", O_RDWR);
	try_open("open abs_suite O_RDWR", "abs_suite", O_RDWR);
	try_open("open chain1/canary.txt O_WRONLY", "chain1/canary.txt", O_WRONLY);
	res("creat dangle_out (-> ../outside/created.txt)", s2(SYS_creat, "dangle_out", 0644));
	try_open("open dangle_abs (-> ROOT/outside/created2.txt) O_CREAT", "dangle_abs",
		 O_WRONLY | O_CREAT);
	try_open("open rel_dir/new.txt O_CREAT", "rel_dir/new.txt", O_WRONLY | O_CREAT);
	try_open("open abs_dir/new.txt O_CREAT", "abs_dir/new.txt", O_WRONLY | O_CREAT);
	try_open("open ../outside/new.txt O_CREAT", "../outside/new.txt", O_WRONLY | O_CREAT);
	res("truncate rel_canary", s1(SYS_truncate, "rel_canary"));
	res("truncate abs_canary", s1(SYS_truncate, "abs_canary"));
	res("truncate rel_dir/canary.txt", s1(SYS_truncate, "rel_dir/canary.txt"));
	res("truncate ../outside/canary.txt", s1(SYS_truncate, "../outside/canary.txt"));
	res("mkdir rel_dir/m", s2(SYS_mkdir, "rel_dir/m", 0755));
	res("mkdir abs_dir/m", s2(SYS_mkdir, "abs_dir/m", 0755));
	res("mkdir chain1/m", s2(SYS_mkdir, "chain1/m", 0755));
	res("mkdir up_root/m", s2(SYS_mkdir, "up_root/m", 0755));
	res("mkdir ../outside/m", s2(SYS_mkdir, "../outside/m", 0755));
	res("rename file.txt rel_dir/stolen", s2p(SYS_rename, "file.txt", "rel_dir/stolen"));
	res("rename file.txt abs_dir/stolen", s2p(SYS_rename, "file.txt", "abs_dir/stolen"));
	res("rename file.txt ../outside/stolen",
	    s2p(SYS_rename, "file.txt", "../outside/stolen"));
	res("rename sub ../sub_out", s2p(SYS_rename, "sub", "../sub_out"));
	res("rename rel_dir/canary.txt got.txt", s2p(SYS_rename, "rel_dir/canary.txt",
						     "got.txt"));
	res("rename ../outside/canary.txt got.txt",
	    s2p(SYS_rename, "../outside/canary.txt", "got.txt"));
	res("renameat2 EXCHANGE file.txt rel_dir/canary.txt",
	    sys(SYS_renameat2, AT_FDCWD, (long)"file.txt", AT_FDCWD,
		(long)"rel_dir/canary.txt",
		RENAME_EXCHANGE));
	res("unlink rel_dir/canary.txt", s1(SYS_unlink, "rel_dir/canary.txt"));
	res("unlink abs_dir/canary.txt", s1(SYS_unlink, "abs_dir/canary.txt"));
	res("unlink ../outside/canary.txt", s1(SYS_unlink, "../outside/canary.txt"));
	res("rmdir rel_dir (a symlink)", s1(SYS_rmdir, "rel_dir"));
	res("rmdir rel_dir/ (a symlink)", s1(SYS_rmdir, "rel_dir/"));
	res("unlinkat rel_dir/. AT_REMOVEDIR",
	    sys(SYS_unlinkat, AT_FDCWD, (long)"rel_dir/.", AT_REMOVEDIR, 0, 0));
	/* Links the program makes are confined as the test's own. */
	res("symlink /etc/passwd newlink", s2p(SYS_symlink, "/etc/passwd", "newlink"));
	try_open("  open newlink", "newlink", O_RDONLY);
	res("symlink ../outside newdir", s2p(SYS_symlink, "../outside", "newdir"));
	try_open("  open newdir/canary.txt O_WRONLY", "newdir/canary.txt", O_WRONLY);
	res("  mkdir newdir/m", s2(SYS_mkdir, "newdir/m", 0755));
	res("link ../outside/canary.txt hard", s2p(SYS_link, "../outside/canary.txt", "hard"));
	res("link rel_canary hard", s2p(SYS_link, "rel_canary", "hard"));
	try_open("  open hard", "hard", O_RDONLY);
	res("linkat rel_canary hard AT_SYMLINK_FOLLOW",
	    sys(SYS_linkat, AT_FDCWD, (long)"rel_canary", AT_FDCWD, (long)"hard",
		AT_SYMLINK_FOLLOW));
	res("symlink x ../outside/l", s2p(SYS_symlink, "x", "../outside/l"));
	res("symlink x rel_dir/l", s2p(SYS_symlink, "x", "rel_dir/l"));
	res("link file.txt rel_dir/hard", s2p(SYS_link, "file.txt", "rel_dir/hard"));
	res("link file.txt ../outside/hard", s2p(SYS_link, "file.txt", "../outside/hard"));
	res("chmod rel_canary", s2(SYS_chmod, "rel_canary", 0777));
	res("chmod abs_dir/canary.txt", s2(SYS_chmod, "abs_dir/canary.txt", 0777));
	res("fchmodat(AT_FDCWD, rel_canary)", sys(SYS_fchmodat, AT_FDCWD, (long)"rel_canary",
						  0777, 0, 0));
	res("utimensat abs_canary", sys(SYS_utimensat, AT_FDCWD, (long)"abs_canary", 0, 0, 0));
	res("utimensat rel_dir/canary.txt", sys(SYS_utimensat, AT_FDCWD,
						(long)"rel_dir/canary.txt", 0, 0, 0));
	/* The link's own times, not its target's (the test checks the canary). */
	res("utimensat abs_canary AT_SYMLINK_NOFOLLOW",
	    sys(SYS_utimensat, AT_FDCWD, (long)"abs_canary", 0, AT_SYMLINK_NOFOLLOW, 0));
	res("utimensat rel_canary AT_SYMLINK_NOFOLLOW",
	    sys(SYS_utimensat, AT_FDCWD, (long)"rel_canary", 0, AT_SYMLINK_NOFOLLOW, 0));
	res("mknod ../outside/fifo", s2(SYS_mknod, "../outside/fifo", S_IFIFO | 0644));

	rootfd = (int)sys(SYS_open, (long)".", O_RDONLY | O_DIRECTORY, 0, 0, 0);
	res("mkdirat(rootfd, ../outside/m)", sys(SYS_mkdirat, rootfd, (long)"../outside/m",
						 0755, 0, 0));
	try_openat("openat(rootfd, ../outside/new.txt, O_CREAT)", rootfd, "../outside/new.txt",
		   O_WRONLY | O_CREAT);
	res("renameat(rootfd, file.txt, rootfd, ../outside/stolen)",
	    sys(SYS_renameat, rootfd, (long)"file.txt", rootfd, (long)"../outside/stolen", 0));
	res("unlinkat(rootfd, ../outside/canary.txt)",
	    sys(SYS_unlinkat, rootfd, (long)"../outside/canary.txt", 0, 0, 0));
	close(rootfd);
	/* The tree's own root cannot be moved or removed. */
	res("rename . x", s2p(SYS_rename, ".", "x"));
	res("rename ROOT/tree ROOT/tree_moved", s2p(SYS_rename, at_root("tree"),
						    at_root("tree_moved")));
	res("rename ROOT/tree ROOT/outside/tree", s2p(SYS_rename, at_root("tree"),
						      at_root("outside/tree")));
	res("rmdir ROOT/tree", s1(SYS_rmdir, at_root("tree")));
	res("rmdir .", s1(SYS_rmdir, "."));
	/* The symlinks themselves may be renamed and removed: they are in the tree. */
	res("rename rel_canary renamed_link", s2p(SYS_rename, "rel_canary", "renamed_link"));
	try_open("  open renamed_link", "renamed_link", O_RDONLY);
	res("unlink renamed_link", s1(SYS_unlink, "renamed_link"));
	res("rename file.txt sub/file.txt (allowed)", s2p(SYS_rename, "file.txt",
							  "sub/file.txt"));
}

/* --- rofs: changing a --ro tree ---------------------------------------------- */

static void mode_rofs(void)
{
	char buf[8];
	long fd;
	int rootfd;

	try_open("open file.txt O_WRONLY", "file.txt", O_WRONLY);
	try_open("open file.txt O_RDWR", "file.txt", O_RDWR);
	try_open("open file.txt O_WRONLY|O_APPEND", "file.txt", O_WRONLY | O_APPEND);
	try_open("open file.txt O_RDONLY|O_TRUNC", "file.txt", O_RDONLY | O_TRUNC);
	try_open("open new.txt O_CREAT|O_WRONLY", "new.txt", O_WRONLY | O_CREAT);
	try_open("open new.txt O_CREAT|O_RDONLY", "new.txt", O_RDONLY | O_CREAT);
	try_open("open file.txt O_CREAT|O_EXCL", "file.txt", O_WRONLY | O_CREAT | O_EXCL);
	try_open("open sub/ok O_CREAT|O_EXCL (a symlink: there)", "sub/ok",
		 O_WRONLY | O_CREAT | O_EXCL);
	try_open("open file.txt O_CREAT|O_RDONLY (exists: opens)", "file.txt",
		 O_RDONLY | O_CREAT);
	try_open("open sub/new.txt O_CREAT|O_WRONLY", "sub/new.txt", O_WRONLY | O_CREAT);
	res("creat file.txt", s2(SYS_creat, "file.txt", 0644));
	res("creat new.txt", s2(SYS_creat, "new.txt", 0644));
	fd = s2(SYS_open, "file.txt", O_RDONLY);
	res("open file.txt O_RDONLY", fd);
	res("  write", sys(SYS_write, fd, (long)"x", 1, 0, 0));
	res("  pwrite64", sys(SYS_pwrite64, fd, (long)"x", 1, 0, 0));
	res("  ftruncate", sys(SYS_ftruncate, fd, 0, 0, 0, 0));
	res("  fcntl F_SETFL O_APPEND", sys(SYS_fcntl, fd, F_SETFL, O_APPEND, 0, 0));
	res("  write after O_APPEND", sys(SYS_write, fd, (long)"x", 1, 0, 0));
	res("  read", sys(SYS_read, fd, (long)buf, sizeof(buf), 0, 0));
	res("  fchmod", sys(SYS_fchmod, fd, 0777, 0, 0, 0));
	res("  futimens", sys(SYS_utimensat, fd, 0, 0, 0, 0));
	close((int)fd);
	res("truncate file.txt", s1(SYS_truncate, "file.txt"));
	res("truncate through sub/ok", s1(SYS_truncate, "sub/ok"));
	res("mkdir newdir", s2(SYS_mkdir, "newdir", 0755));
	res("mkdir sub/newdir", s2(SYS_mkdir, "sub/newdir", 0755));
	res("mkdir sub (there)", s2(SYS_mkdir, "sub", 0755));
	res("rmdir sub", s1(SYS_rmdir, "sub"));
	res("unlink file.txt", s1(SYS_unlink, "file.txt"));
	res("unlink sub/ok (a symlink)", s1(SYS_unlink, "sub/ok"));
	res("unlinkat sub AT_REMOVEDIR", sys(SYS_unlinkat, AT_FDCWD, (long)"sub", AT_REMOVEDIR,
					     0, 0));
	res("rename file.txt moved.txt", s2p(SYS_rename, "file.txt", "moved.txt"));
	res("rename file.txt sub/file.txt", s2p(SYS_rename, "file.txt", "sub/file.txt"));
	res("renameat2 EXCHANGE file.txt sub/inner.txt",
	    sys(SYS_renameat2, AT_FDCWD, (long)"file.txt", AT_FDCWD, (long)"sub/inner.txt",
		RENAME_EXCHANGE));
	res("access file.txt W_OK", s2(SYS_access, "file.txt", W_OK));
	res("access file.txt R_OK", s2(SYS_access, "file.txt", R_OK));
	res("faccessat2 sub W_OK", sys(SYS_faccessat2, AT_FDCWD, (long)"sub", W_OK, 0, 0));
	res("symlink x newlink", s2p(SYS_symlink, "x", "newlink"));
	res("symlink x file.txt (there)", s2p(SYS_symlink, "x", "file.txt"));
	res("link file.txt newlink", s2p(SYS_link, "file.txt", "newlink"));
	res("link file.txt sub/inner.txt (there)", s2p(SYS_link, "file.txt", "sub/inner.txt"));
	res("chmod file.txt", s2(SYS_chmod, "file.txt", 0777));
	rootfd = (int)sys(SYS_open, (long)".", O_RDONLY | O_DIRECTORY, 0, 0, 0);
	res("open . O_DIRECTORY", rootfd);
	try_openat("openat(rootfd, new.txt, O_CREAT)", rootfd, "new.txt", O_WRONLY | O_CREAT);
	try_openat("openat(rootfd, file.txt, O_WRONLY)", rootfd, "file.txt", O_WRONLY);
	res("mkdirat(rootfd, newdir)", sys(SYS_mkdirat, rootfd, (long)"newdir", 0755, 0, 0));
	res("unlinkat(rootfd, file.txt)",
	    sys(SYS_unlinkat, rootfd, (long)"file.txt", 0, 0, 0));
	res("renameat(rootfd, file.txt, rootfd, x)",
	    sys(SYS_renameat, rootfd, (long)"file.txt", rootfd, (long)"x", 0));
	close(rootfd);
	res("chdir sub", s1(SYS_chdir, "sub"));
	res("  creat x", s2(SYS_creat, "x", 0644));
	res("  unlink ../file.txt", s1(SYS_unlink, "../file.txt"));
	res("  rmdir .", s1(SYS_rmdir, "."));
	res("rename ROOT/tree x", s2p(SYS_rename, at_root("tree"), "x"));
	res("mkdir ROOT/tree (the tree's root)", s2(SYS_mkdir, at_root("tree"), 0755));
}

/* --- exdev: renames between two trees ---------------------------------------- */

static void mode_exdev(void)
{
	try_open("open ROOT/tree2/t2.txt", at_root("tree2/t2.txt"), O_RDONLY);
	res("rename file.txt ROOT/tree2/x", s2p(SYS_rename, "file.txt", at_root("tree2/x")));
	res("rename ROOT/tree2/t2.txt got.txt", s2p(SYS_rename, at_root("tree2/t2.txt"),
						    "got.txt"));
	res("rename sub ROOT/tree2/sub", s2p(SYS_rename, "sub", at_root("tree2/sub")));
	res("renameat2 EXCHANGE file.txt ROOT/tree2/t2.txt",
	    sys(SYS_renameat2, AT_FDCWD, (long)"file.txt", AT_FDCWD,
		(long)at_root("tree2/t2.txt"), RENAME_EXCHANGE));
	res("rename file.txt ../tree2/x", s2p(SYS_rename, "file.txt", "../tree2/x"));
	res("rename ROOT/tree2 tree2_here", s2p(SYS_rename, at_root("tree2"), "tree2_here"));
	res("link ROOT/tree2/t2.txt hard", s2p(SYS_link, at_root("tree2/t2.txt"), "hard"));
	res("link file.txt ROOT/tree2/hard", s2p(SYS_link, "file.txt", at_root("tree2/hard")));
	res("symlink ../tree/file.txt ROOT/tree2/sl",
	    s2p(SYS_symlink, "../tree/file.txt", at_root("tree2/sl")));
	try_open("  open ROOT/tree2/sl", at_root("tree2/sl"), O_RDONLY);
	res("rename file.txt renamed.txt (same tree)", s2p(SYS_rename, "file.txt",
							   "renamed.txt"));
	res("creat ROOT/tree2/made.txt", s2(SYS_creat, at_root("tree2/made.txt"), 0644));
}

/* --- proc: /proc/self/... magic links --------------------------------------- */

static void mode_proc(void)
{
	char buf[256];

	try_open("open /proc/self/root/etc/passwd", "/proc/self/root/etc/passwd", O_RDONLY);
	try_open("open /proc/self/root/ROOT/outside/canary.txt",
		 (snprintf(buf, sizeof(buf), "/proc/self/root%s",
			   at_root("outside/canary.txt")), buf), O_RDONLY);
	try_open("open /proc/self/cwd/file.txt", "/proc/self/cwd/file.txt", O_RDONLY);
	try_open("open /proc/self/cwd/../outside/canary.txt",
		 "/proc/self/cwd/../outside/canary.txt", O_RDONLY);
	try_open("open /proc/thread-self/root/etc/passwd", "/proc/thread-self/root/etc/passwd",
		 O_RDONLY);
	try_open("open /proc/1/root/etc/passwd", "/proc/1/root/etc/passwd", O_RDONLY);
	try_open("open /proc/self/fd/0", "/proc/self/fd/0", O_RDONLY);
	try_open("open /proc/self/fd/3/etc/passwd", "/proc/self/fd/3/etc/passwd", O_RDONLY);
	try_open("open /proc/self/exe", "/proc/self/exe", O_RDONLY);
	try_open("open /proc/self/mem O_RDWR", "/proc/self/mem", O_RDWR);
	try_stat("stat /proc/self/root", "/proc/self/root", true);
	try_stat("stat /proc/self/root/etc/passwd", "/proc/self/root/etc/passwd", true);
	res("access /proc/self/root/etc/passwd", s2(SYS_access, "/proc/self/root/etc/passwd",
						    F_OK));
	res("chdir /proc/self/root", s1(SYS_chdir, "/proc/self/root"));
	cwd_is("  getcwd still ROOT/tree", "tree");
	/* What the links say would be the VMM's host paths. */
	res("readlink /proc/self/cwd", sys(SYS_readlink, (long)"/proc/self/cwd", (long)buf,
					  sizeof(buf), 0, 0));
	res("readlink /proc/self/fd/0", sys(SYS_readlink, (long)"/proc/self/fd/0", (long)buf,
					   sizeof(buf), 0, 0));
	try_open("open proc_root/etc/passwd (a symlink in the tree)", "proc_root/etc/passwd",
		 O_RDONLY);
	try_open("open /dev/null", "/dev/null", O_RDONLY);
}

/* --- nofs: no tree at all ---------------------------------------------------- */

static void mode_nofs(void)
{
	char buf[256] __attribute__((aligned(8)));
	struct stat st;

	try_open("open /etc/passwd", "/etc/passwd", O_RDONLY);
	try_open("open /", "/", O_RDONLY);
	try_open("open .", ".", O_RDONLY);
	try_open("open /tmp O_DIRECTORY", "/tmp", O_RDONLY | O_DIRECTORY);
	try_open("open ROOT/outside/canary.txt", at_root("outside/canary.txt"), O_RDONLY);
	try_open("open /dev/null", "/dev/null", O_RDONLY);
	/* Only lstar's devices: none of the host's nodes is there. */
	try_open("open /dev/kvm", "/dev/kvm", O_RDWR);
	try_open("open /dev/mem", "/dev/mem", O_RDONLY);
	try_open("open /dev/sda", "/dev/sda", O_RDONLY);
	try_open("open /dev/shm O_DIRECTORY", "/dev/shm", O_RDONLY | O_DIRECTORY);
	try_open("open /dev/tty", "/dev/tty", O_RDWR);
	try_open("open /dev/../etc/passwd", "/dev/../etc/passwd", O_RDONLY);
	try_open("open /dev/null/../../etc/passwd", "/dev/null/../../etc/passwd", O_RDONLY);
	try_open("open /dev/full O_WRONLY|O_CREAT|O_TRUNC", "/dev/full",
		 O_WRONLY | O_CREAT | O_TRUNC);
	res("unlink /dev/null", s1(SYS_unlink, "/dev/null"));
	res("rename /dev/null /dev/y", s2p(SYS_rename, "/dev/null", "/dev/y"));
	res("chmod /dev/null", s2(SYS_chmod, "/dev/null", 0777));
	try_open("open /proc/self/root/etc/passwd", "/proc/self/root/etc/passwd", O_RDONLY);
	try_open("open new.txt O_CREAT", "new.txt", O_WRONLY | O_CREAT);
	try_open("open /tmp/new.txt O_CREAT", "/tmp/new.txt", O_WRONLY | O_CREAT);
	try_openat("openat(AT_FDCWD, x)", AT_FDCWD, "x", O_RDONLY);
	res("creat /tmp/x", s2(SYS_creat, "/tmp/x", 0644));
	try_stat("stat /", "/", true);
	try_stat("stat .", ".", true);
	try_stat("stat /etc/passwd", "/etc/passwd", true);
	try_stat("lstat /", "/", false);
	res("newfstatat(AT_FDCWD, /etc)", sys(SYS_newfstatat, AT_FDCWD, (long)"/etc",
					      (long)&st, 0, 0));
	res("newfstatat(AT_FDCWD, \"\", AT_EMPTY_PATH)",
	    sys(SYS_newfstatat, AT_FDCWD, (long)"", (long)&st, AT_EMPTY_PATH, 0));
	res("fstat(0)", sys(SYS_fstat, 0, (long)&st, 0, 0, 0));
	{
		uint64_t stx[32];	/* struct statx: 256 bytes */

		res("statx /", sys(SYS_statx, AT_FDCWD, (long)"/", 0, 0x7ff, (long)stx));
	}
	res("access /", s2(SYS_access, "/", F_OK));
	res("access /etc/passwd", s2(SYS_access, "/etc/passwd", R_OK));
	res("faccessat2 .", sys(SYS_faccessat2, AT_FDCWD, (long)".", F_OK, 0, 0));
	res("readlink /proc/self/exe", sys(SYS_readlink, (long)"/proc/self/exe", (long)buf,
					   sizeof(buf), 0, 0));
	res("readlinkat(AT_FDCWD, /bin)", sys(SYS_readlinkat, AT_FDCWD, (long)"/bin",
					      (long)buf, sizeof(buf), 0));
	res("getdents64(0) (stdin, not a directory)", sys(SYS_getdents64, 0, (long)buf,
							  sizeof(buf), 0, 0));
	res("getdents64(5) (no such fd)",
	    sys(SYS_getdents64, 5, (long)buf, sizeof(buf), 0, 0));
	res("mkdir /tmp/d", s2(SYS_mkdir, "/tmp/d", 0755));
	res("mkdir /", s2(SYS_mkdir, "/", 0755));
	res("rmdir /tmp", s1(SYS_rmdir, "/tmp"));
	res("unlink ROOT/outside/canary.txt", s1(SYS_unlink, at_root("outside/canary.txt")));
	res("rename ROOT/outside/canary.txt ROOT/x",
	    s2p(SYS_rename, at_root("outside/canary.txt"), at_root("x")));
	res("truncate ROOT/outside/canary.txt", s1(SYS_truncate,
						   at_root("outside/canary.txt")));
	res("chdir /", s1(SYS_chdir, "/"));
	res("chdir ROOT", s1(SYS_chdir, root));
	res("chdir .", s1(SYS_chdir, "."));
	{
		/* Started outside every tree: the program is at "/". */
		char cwd[4096];
		long r = sys(SYS_getcwd, (long)cwd, sizeof(cwd), 0, 0, 0);

		if (r < 0)
			res("getcwd is /", r);
		else
			printf("getcwd is /: %s\n", strcmp(cwd, "/") ? "no" : "yes");
	}
	res("symlink x y", s2p(SYS_symlink, "x", "y"));
	res("write(1) still works", write(1, "", 0));
}

/* --- nested: a --rw tree inside a --ro tree -------------------------------- */

/*
 * --ro ROOT/tree --rw ROOT/tree/w: w/own.txt, w/up -> ../file.txt.  The
 * writable tree must give no way to change the read-only one around it.
 * (The other way round, a --ro tree inside a --rw one, is refused when
 * lstar starts: the test checks that.)
 */
static void mode_nested(void)
{
	try_open("open w/own.txt O_WRONLY", "w/own.txt", O_WRONLY);
	try_open("open file.txt O_WRONLY", "file.txt", O_WRONLY);
	try_open("open w/../file.txt O_WRONLY", "w/../file.txt", O_WRONLY);
	try_open("open w/up (-> ../file.txt) O_RDONLY", "w/up", O_RDONLY);
	try_open("open w/up O_WRONLY", "w/up", O_WRONLY);
	res("truncate w/up", s1(SYS_truncate, "w/up"));
	res("rename w/own.txt moved.txt", s2p(SYS_rename, "w/own.txt", "moved.txt"));
	res("rename file.txt w/stolen.txt", s2p(SYS_rename, "file.txt", "w/stolen.txt"));
	res("link file.txt w/hard", s2p(SYS_link, "file.txt", "w/hard"));
	res("link w/own.txt hard", s2p(SYS_link, "w/own.txt", "hard"));
	res("symlink ../file.txt w/l2", s2p(SYS_symlink, "../file.txt", "w/l2"));
	try_open("  open w/l2 O_WRONLY", "w/l2", O_WRONLY);
	res("  chmod w/l2", s2(SYS_chmod, "w/l2", 0600));
	res("  unlink w/l2", s1(SYS_unlink, "w/l2"));
	res("chmod file.txt", s2(SYS_chmod, "file.txt", 0600));
	res("utimensat w/up", sys(SYS_utimensat, AT_FDCWD, (long)"w/up", 0, 0, 0));
	res("rename w w2 (the tree's root)", s2p(SYS_rename, "w", "w2"));
	res("rmdir w", s1(SYS_rmdir, "w"));
	res("mkdir w/d", s2(SYS_mkdir, "w/d", 0755));
	res("rename w/d d (out into the --ro tree)", s2p(SYS_rename, "w/d", "d"));
	res("rmdir w/d", s1(SYS_rmdir, "w/d"));
	res("chdir w", s1(SYS_chdir, "w"));
	try_open("  open ../file.txt O_WRONLY", "../file.txt", O_WRONLY);
	res("  creat ../new.txt", s2(SYS_creat, "../new.txt", 0644));
	res("  rename own.txt ../own.txt", s2p(SYS_rename, "own.txt", "../own.txt"));
}

/* --- moved: a directory fd held while the test moves the directory out ------- */

static void mode_moved(void)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	char buf[4096] __attribute__((aligned(8)));
	struct stat st;
	long dfd, fd, r;
	int i;

	dfd = sys(SYS_open, (long)"sub_m", O_RDONLY | O_DIRECTORY, 0, 0, 0);
	res("open sub_m O_DIRECTORY", dfd);
	fd = s2(SYS_open, "sub_m/secret.txt", O_RDONLY);
	res("open sub_m/secret.txt", fd);
	fflush(stdout);
	res("creat ready", s2(SYS_creat, "ready", 0644));
	for (i = 0; i < 1000 && sys(SYS_stat, (long)"go", (long)&st, 0, 0, 0) < 0; i++)
		nanosleep(&ts, NULL);
	printf("the test moved sub_m: %s\n", i < 1000 ? "yes" : "timed out");
	try_openat("openat(sub_m, secret.txt)", (int)dfd, "secret.txt", O_RDONLY);
	try_openat("openat(sub_m, new.txt, O_CREAT)", (int)dfd, "new.txt", O_WRONLY | O_CREAT);
	try_openat("openat(sub_m, ../canary.txt)", (int)dfd, "../canary.txt", O_RDONLY);
	res("mkdirat(sub_m, m)", sys(SYS_mkdirat, dfd, (long)"m", 0755, 0, 0));
	res("unlinkat(sub_m, secret.txt)",
	    sys(SYS_unlinkat, dfd, (long)"secret.txt", 0, 0, 0));
	res("renameat(sub_m, secret.txt, AT_FDCWD, got.txt)",
	    sys(SYS_renameat, dfd, (long)"secret.txt", AT_FDCWD, (long)"got.txt", 0));
	res("fchdir(sub_m)", sys(SYS_fchdir, dfd, 0, 0, 0, 0));
	try_open("  open secret.txt", "secret.txt", O_RDONLY);
	res("  creat here.txt", s2(SYS_creat, "here.txt", 0644));
	res("  chdir ..", s1(SYS_chdir, ".."));
	cwd_is("  getcwd is ROOT/tree", "tree");
	/* What was open stays open, as on Linux. */
	r = sys(SYS_read, fd, (long)buf, sizeof(buf), 0, 0);
	printf("read the file opened before: %s %.*s", r < 0 ? errname(errno) : "ok",
	       r < 0 ? 0 : (int)r, buf);
	res("fstat(sub_m)", sys(SYS_fstat, dfd, (long)&st, 0, 0, 0));
}

/* --- dotdot_race: ".." in a symlink inside the tree, while the host renames -- */

/* Count how each of n calls ended: "what xN: ok N" or "ok A, EAGAIN B". */
static void tally(const char *what, int n, long (*call)(void))
{
	int counts[256] = { 0 };

	for (int i = 0; i < n; i++) {
		long r = call();
		int e = r < 0 ? errno : 0;

		counts[e < 256 ? e : 255]++;
	}
	printf("%s x%d:", what, n);
	for (int e = 0, first = 1; e < 256; e++) {
		if (counts[e]) {
			printf("%s %s %d", first ? "" : ",", e ? errname(e) : "ok", counts[e]);
			first = 0;
		}
	}
	printf("\n");
}

static long open_sub_ok(void)
{
	long fd = s2(SYS_open, "sub/ok", O_RDONLY);

	if (fd >= 0)
		close((int)fd);
	return fd;
}

static long stat_sub_ok(void)
{
	struct stat st;

	return sys(SYS_stat, (long)"sub/ok", (long)&st, 0, 0, 0);
}

static long open_sub_file(void)
{
	long fd = s2(SYS_open, "sub/inner.txt", O_RDONLY);

	if (fd >= 0)
		close((int)fd);
	return fd;
}

/*
 * sub/ok -> ../file.txt stays in the tree, so every open must work, as
 * it does natively, even while something on the host renames files
 * (openat2 with RESOLVE_BENEATH may then say EAGAIN: "retry").
 */
static void mode_dotdot_race(void)
{
	tally("open sub/ok (-> ../file.txt)", 1000, open_sub_ok);
	tally("stat sub/ok", 1000, stat_sub_ok);
	tally("open sub/inner.txt", 500, open_sub_file);
}

/* --- emfile: the descriptor table's limit ----------------------------------- */

/* Open file.txt until it fails: 1021 opens (3..1023), then EMFILE. */
static void mode_emfile(void)
{
	long fd, last = -1;
	int n = 0;

	while ((fd = s1(SYS_open, "file.txt")) >= 0) {
		last = fd;
		n++;
	}
	printf("opened %d, the last as %ld, then %s\n", n, last, errname(errno));
	res("close 500", sys(SYS_close, 500, 0, 0, 0, 0));
	fd = s1(SYS_open, "file.txt");
	printf("open again: %ld\n", fd);
	res("dup", sys(SYS_dup, 3, 0, 0, 0, 0));
}

/* --- file: files granted alone (--rw tree/file.txt, --ro tree2/t2.txt,
 * --rw tree/sub), as bind mounts of the one file -------------------------- */

/* Read the whole (small) file at path: its text, or the errno. */
static void show_text(const char *what, const char *path)
{
	char buf[256];
	long fd = s2(SYS_open, path, O_RDONLY), n;

	if (fd < 0) {
		res(what, fd);
		return;
	}
	n = sys(SYS_read, fd, (long)buf, sizeof(buf) - 1, 0, 0);
	close((int)fd);
	if (n < 0) {
		res(what, n);
		return;
	}
	buf[n] = '\0';
	printf("%s: \"", what);
	for (long i = 0; i < n; i++)
		printf(buf[i] == '\n' ? "\\n" : "%c", buf[i]);
	printf("\"\n");
}

static void mode_file(void)
{
	const char *f = at_root("tree/file.txt");
	char ff[4096], t2[4096], buf[64] __attribute__((aligned(8)));
	struct statfs sfs;
	long fd;

	snprintf(ff, sizeof(ff), "%s", f);
	snprintf(t2, sizeof(t2), "%s", at_root("tree2/t2.txt"));
	/* The file, and nothing else of its directory. */
	show_text("read tree/file.txt", ff);
	try_stat("stat tree/file.txt", ff, true);
	try_stat("lstat tree/file.txt", ff, false);
	try_open("open tree/abs_passwd (a sibling)", at_root("tree/abs_passwd"), O_RDONLY);
	try_stat("lstat tree/abs_inside (a sibling)", at_root("tree/abs_inside"), false);
	try_open("open tree/file.txt/../abs_canary", at_root("tree/file.txt/../abs_canary"),
		 O_RDONLY);
	try_open("open tree/file.txt/.", at_root("tree/file.txt/."), O_RDONLY);
	try_open("open tree/file.txt/", at_root("tree/file.txt/"), O_RDONLY);
	try_open("open tree/file.txt/x", at_root("tree/file.txt/x"), O_RDONLY);
	try_open("open tree/file.txt/.. O_DIRECTORY", at_root("tree/file.txt/.."),
		 O_RDONLY | O_DIRECTORY);
	try_open("open tree O_PATH", at_root("tree"), O_PATH);
	try_stat("stat tree", at_root("tree"), true);
	try_list("list tree", at_root("tree"));
	res("statfs tree/file.txt", sys(SYS_statfs, (long)ff, (long)&sfs, 0, 0, 0));
	fd = s2(SYS_open, ff, O_RDONLY);
	res("  getdents64 on it", sys(SYS_getdents64, fd, (long)buf, sizeof(buf), 0, 0));
	try_openat("  openat(it, x)", (int)fd, "x", O_RDONLY);
	res("  fchdir to it", sys(SYS_fchdir, fd, 0, 0, 0, 0));
	close((int)fd);
	res("chdir tree", s1(SYS_chdir, at_root("tree")));
	try_open("  open file.txt", "file.txt", O_RDONLY);
	try_open("  open abs_passwd", "abs_passwd", O_RDONLY);
	try_open("  open ../outside/canary.txt", "../outside/canary.txt", O_RDONLY);
	try_open("  open . O_DIRECTORY", ".", O_RDONLY | O_DIRECTORY);
	res("chdir tree/file.txt", s1(SYS_chdir, ff));
	res("chdir /", s1(SYS_chdir, "/"));
	/* Symlinks made in the writable tree next to it. */
	res("symlink ../abs_passwd sub/l1", s2p(SYS_symlink, "../abs_passwd",
						 at_root("tree/sub/l1")));
	try_open("  open sub/l1", at_root("tree/sub/l1"), O_RDONLY);
	res("symlink ../file.txt sub/l2", s2p(SYS_symlink, "../file.txt", at_root("tree/sub/l2")));
	show_text("  read sub/l2", at_root("tree/sub/l2"));
	res("symlink .. sub/l3", s2p(SYS_symlink, "..", at_root("tree/sub/l3")));
	try_open("  open sub/l3/abs_passwd", at_root("tree/sub/l3/abs_passwd"), O_RDONLY);
	try_open("  open sub/l3/file.txt", at_root("tree/sub/l3/file.txt"), O_RDONLY);
	/* What a bind mount of the one file refuses. */
	res("rename sub/inner.txt over file.txt",
	    s2p(SYS_rename, at_root("tree/sub/inner.txt"), ff));
	res("rename file.txt sub/moved", s2p(SYS_rename, ff, at_root("tree/sub/moved")));
	res("rename sub/l1 over file.txt (a symlink)", s2p(SYS_rename, at_root("tree/sub/l1"), ff));
	res("renameat2 RENAME_EXCHANGE sub/inner.txt file.txt",
	    sys(SYS_renameat2, AT_FDCWD, (long)at_root("tree/sub/inner.txt"), AT_FDCWD,
		(long)ff, RENAME_EXCHANGE));
	res("unlink file.txt", s1(SYS_unlink, ff));
	res("rmdir file.txt", s1(SYS_rmdir, ff));
	res("link file.txt sub/hard", s2p(SYS_link, ff, at_root("tree/sub/hard")));
	res("link sub/inner.txt file.txt", s2p(SYS_link, at_root("tree/sub/inner.txt"), ff));
	res("symlink x file.txt", s2p(SYS_symlink, "x", ff));
	res("mkdir file.txt", s2(SYS_mkdir, ff, 0755));
	res("mkdir tree/new", s2(SYS_mkdir, at_root("tree/new"), 0755));
	try_open("open tree/new.txt O_CREAT", at_root("tree/new.txt"), O_WRONLY | O_CREAT);
	try_open("open file.txt O_CREAT|O_EXCL", ff, O_WRONLY | O_CREAT | O_EXCL);
	try_open("open file.txt O_DIRECTORY", ff, O_RDONLY | O_DIRECTORY);
	try_open("open file.txt O_NOFOLLOW", ff, O_RDONLY | O_NOFOLLOW);
	/* Writable in place. */
	fd = s2(SYS_open, ff, O_WRONLY | O_TRUNC);
	res("open file.txt O_WRONLY|O_TRUNC", fd);
	res("  write new", sys(SYS_write, fd, (long)"new\n", 4, 0, 0));
	close((int)fd);
	fd = s2(SYS_open, ff, O_WRONLY | O_APPEND);
	res("open file.txt O_APPEND", fd);
	res("  write more", sys(SYS_write, fd, (long)"more\n", 5, 0, 0));
	close((int)fd);
	show_text("read tree/file.txt", ff);
	res("truncate file.txt 8", s2(SYS_truncate, ff, 8));
	res("chmod file.txt 0600", s2(SYS_chmod, ff, 0600));
	try_stat("stat tree/file.txt", ff, true);
	show_text("read tree/file.txt", ff);
	/* Read-only: nothing changes it. */
	show_text("read tree2/t2.txt", t2);
	try_open("open tree2/t2.txt O_WRONLY", t2, O_WRONLY);
	try_open("open tree2/t2.txt O_RDWR", t2, O_RDWR);
	try_open("open tree2/t2.txt O_CREAT", t2, O_RDONLY | O_CREAT);
	try_open("open tree2/t2.txt O_RDONLY|O_TRUNC", t2, O_RDONLY | O_TRUNC);
	res("truncate tree2/t2.txt", s2(SYS_truncate, t2, 0));
	res("chmod tree2/t2.txt", s2(SYS_chmod, t2, 0777));
	res("utimensat tree2/t2.txt", sys(SYS_utimensat, AT_FDCWD, (long)t2, 0, 0, 0));
	res("unlink tree2/t2.txt", s1(SYS_unlink, t2));
	res("rename tree2/t2.txt tree2/x", s2p(SYS_rename, t2, at_root("tree2/x")));
	res("access tree2/t2.txt W_OK", s2(SYS_access, t2, W_OK));
	res("access tree2/t2.txt R_OK", s2(SYS_access, t2, R_OK));
	fd = s2(SYS_open, t2, O_RDONLY);
	res("  write through an O_RDONLY descriptor", sys(SYS_write, fd, (long)"x", 1, 0, 0));
	res("  ftruncate", sys(SYS_ftruncate, fd, 0, 0, 0, 0));
	res("  fchmod", sys(SYS_fchmod, fd, 0777, 0, 0, 0));
	close((int)fd);
	show_text("read tree2/t2.txt", t2);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	root = argc > 2 ? argv[2] : "/nonexistent";
	if (!strcmp(mode, "dotdot"))
		mode_dotdot();
	else if (!strcmp(mode, "symlinks"))
		mode_symlinks();
	else if (!strcmp(mode, "rw_tricks"))
		mode_rw_tricks();
	else if (!strcmp(mode, "rofs"))
		mode_rofs();
	else if (!strcmp(mode, "exdev"))
		mode_exdev();
	else if (!strcmp(mode, "proc"))
		mode_proc();
	else if (!strcmp(mode, "nofs"))
		mode_nofs();
	else if (!strcmp(mode, "file"))
		mode_file();
	else if (!strcmp(mode, "nested"))
		mode_nested();
	else if (!strcmp(mode, "moved"))
		mode_moved();
	else if (!strcmp(mode, "emfile"))
		mode_emfile();
	else if (!strcmp(mode, "dotdot_race"))
		mode_dotdot_race();
	else {
		fprintf(stderr, "usage: fs_escape MODE ROOT\n");
		return 2;
	}
	return 0;
}
