/* SPDX-License-Identifier: MIT */
/*
 * fs_io.c - file I/O in a fixture tree, run natively and under lstar
 * (tests/test_fs.c builds the tree and compares the two runs).
 *
 *	fs_io read	open/read/lseek/pread/readv/fstat/stat/readlink/access/
 *			chdir/fchdir/openat/getdents64 on the fixture, changing
 *			nothing (run with --ro)
 *	fs_io write	create/write/pwrite/ftruncate/truncate/rename/renameat2/
 *			mkdir/rmdir/unlink/fsync (run with --rw, on a copy)
 *	fs_io big	the 64 MiB big.bin: read in 64 KiB chunks and hashed,
 *			pread at its edges, lseek past its end
 *	fs_io list DIR	the names and types getdents64 gives for DIR, sorted,
 *			read through a small buffer (many calls)
 *	fs_io paths	path corner cases: a trailing slash or "/." after
 *			a file or a symlink, a directory opened for writing,
 *			the working directory after chdir through a symlink.
 *			(Not "a/.." where a is a file, missing or a symlink:
 *			lstar documents that it normalizes those lexically,
 *			docs/DECISIONS.md.)
 *	fs_io paths_rw	the same for rmdir/unlink/rename/mkdir/creat of
 *			"x/." and "x/" (on a copy)
 *	fs_io dev	the devices every system has (/dev/null, zero, full,
 *			random, urandom, stdin): read, write and their vector
 *			and positioned kinds, fstat and stat, lseek, poll,
 *			fcntl, ioctl, fsync, ftruncate, mmap, dup, what a
 *			device path cannot be (lstar answers them itself)
 *
 * One line per call: what was done and what came back, a value or an
 * errno name.  Nothing printed depends on the run or on where the
 * fixture is (no inode numbers, times or absolute paths), so that a copy
 * of the fixture elsewhere gives the same output.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#include "errname.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#define RENAME_EXCHANGE (1 << 1)
#endif

/* The kernel's struct statx, as far as these probes look (musl may not
 * declare it). */
struct kstatx {
	uint32_t mask, blksize;
	uint64_t attributes;
	uint32_t nlink, uid, gid;
	uint16_t mode, pad;
	uint64_t ino, size, blocks, attributes_mask;
	uint8_t rest[256 - 64];
};

#define KSTATX_BASIC_STATS 0x7ffU

/* Print "what: value" or "what: ENAME" (r < 0: failed with errno). */
static long show(const char *what, long r)
{
	if (r < 0)
		printf("%s: %s\n", what, errname(errno));
	else
		printf("%s: %ld\n", what, r);
	return r;
}

static long sys(long nr, long a, long b, long c, long d, long e)
{
	errno = 0;
	return syscall(nr, a, b, c, d, e, 0);
}

/* Print bytes, escaping what is not printable. */
static void show_bytes(const char *what, const char *buf, long n)
{
	printf("%s: ", what);
	if (n < 0) {
		printf("%s\n", errname(errno));
		return;
	}
	printf("%ld \"", n);
	for (long i = 0; i < n; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"')
			putchar(c);
		else
			printf("\\x%02x", c);
	}
	printf("\"\n");
}

/* What stat says, less what differs between two copies of a tree. */
static void show_stat(const char *what, long r, const struct stat *st)
{
	const char *type;

	if (r < 0) {
		printf("%s: %s\n", what, errname(errno));
		return;
	}
	type = S_ISREG(st->st_mode) ? "file" : S_ISDIR(st->st_mode) ? "dir" :
	       S_ISLNK(st->st_mode) ? "link" : S_ISCHR(st->st_mode) ? "chr" :
	       S_ISFIFO(st->st_mode) ? "fifo" : "other";
	/* The owner as the program's own or not: natively the program is
	 * whoever runs the test, under lstar uid 1000; either way its own
	 * files are its own. */
	printf("%s: %s %04o size %lld nlink %ld owner %s group %s\n", what, type,
	       (unsigned)(st->st_mode & 07777),
	       S_ISDIR(st->st_mode) ? -1LL : (long long)st->st_size,
	       S_ISDIR(st->st_mode) ? -1L : (long)st->st_nlink,
	       st->st_uid == geteuid() ? "mine" : "other",
	       st->st_gid == getegid() ? "mine" : "other");
}

static void do_stat(const char *what, const char *path)
{
	struct stat st;
	long r;

	errno = 0;
	r = stat(path, &st);
	show_stat(what, r, &st);
}

static void do_lstat(const char *what, const char *path)
{
	struct stat st;
	long r;

	errno = 0;
	r = lstat(path, &st);
	show_stat(what, r, &st);
}

static void do_fstat(const char *what, int fd)
{
	struct stat st;
	long r;

	errno = 0;
	r = fstat(fd, &st);
	show_stat(what, r, &st);
}

/* The whole file at path, printed. */
static void show_file(const char *what, const char *path)
{
	char buf[512];
	int fd = open(path, O_RDONLY);
	long n;

	if (fd < 0) {
		printf("%s: %s\n", what, errname(errno));
		return;
	}
	n = read(fd, buf, sizeof(buf));
	show_bytes(what, buf, n);
	close(fd);
}

static long xopen(const char *path, int flags)
{
	errno = 0;
	return open(path, flags, 0644);	/* the libc passes the mode only with O_CREAT */
}

/* --- read: nothing changes ------------------------------------------------ */

static int mode_read(void)
{
	char buf[256], buf2[16], cwd[4096];
	struct iovec iov[2];
	struct stat st;
	int fd, fd2, sub, deep, root;
	long r;

	fd = show("open hello.txt", xopen("hello.txt", O_RDONLY));
	do_fstat("fstat hello.txt", fd);
	show_bytes("read 5", buf, read(fd, buf, 5));
	show("lseek cur", lseek(fd, 0, SEEK_CUR));
	show("lseek end-6", lseek(fd, -6, SEEK_END));
	show_bytes("read rest", buf, read(fd, buf, sizeof(buf)));
	show_bytes("read at eof", buf, read(fd, buf, sizeof(buf)));
	show("lseek set 1000", lseek(fd, 1000, SEEK_SET));
	show_bytes("read past eof", buf, read(fd, buf, sizeof(buf)));
	errno = 0;
	show("lseek set -1", lseek(fd, -1, SEEK_SET));
	show("lseek whence 9", sys(SYS_lseek, fd, 0, 9, 0, 0));
	show("lseek data 0", lseek(fd, 0, SEEK_DATA));
	show("lseek hole 0", lseek(fd, 0, SEEK_HOLE));
	show("lseek data past end", lseek(fd, 4096, SEEK_DATA));
	show("lseek set 2", lseek(fd, 2, SEEK_SET));
	show_bytes("pread 4 at 7", buf, pread(fd, buf, 4, 7));
	show_bytes("pread past end", buf, pread(fd, buf, 4, 100000));
	show("pread at -1", sys(SYS_pread64, fd, (long)buf, 4, -1, 0));
	show("offset after pread", lseek(fd, 0, SEEK_CUR));
	iov[0] = (struct iovec){ buf, 3 };
	iov[1] = (struct iovec){ buf2, 4 };
	r = readv(fd, iov, 2);
	show("readv 3+4", r);
	show_bytes("  first", buf, 3);
	show_bytes("  second", buf2, 4);
	show("write to read-only fd", write(fd, "x", 1));
	show("pwrite to read-only fd", pwrite(fd, "x", 1, 0));
	show("ftruncate read-only fd", ftruncate(fd, 0));
	show("fcntl getfl accmode", fcntl(fd, F_GETFL) & O_ACCMODE);
	show("fcntl getfd", fcntl(fd, F_GETFD));
	fd2 = show("open lines.txt cloexec", xopen("lines.txt", O_RDONLY | O_CLOEXEC));
	show("fcntl getfd cloexec", fcntl(fd2, F_GETFD));
	show("dup", dup(fd2));
	show("close first", close(fd));
	show("reopen gets lowest", xopen("hello.txt", O_RDONLY));
	show("close again", close(3));
	show("close twice", close(3));
	show("open O_CREAT on existing, read-only", xopen("hello.txt", O_RDONLY | O_CREAT));
	close(3);

	/* What open refuses. */
	show("open missing", xopen("missing.txt", O_RDONLY));
	show("open missing dir", xopen("nodir/x", O_RDONLY));
	show("open file as dir", xopen("hello.txt/x", O_RDONLY));
	show("open O_DIRECTORY file", xopen("hello.txt", O_RDONLY | O_DIRECTORY));
	show("open empty path", xopen("", O_RDONLY));
	show("open bad pointer", sys(SYS_open, 16, O_RDONLY, 0, 0, 0));
	/* Linux ignores the mode without O_CREAT (raw callers pass junk). */
	fd = show("open O_RDONLY with mode 0644", sys(SYS_open, (long)"hello.txt", O_RDONLY,
						      0644, 0, 0));
	close(fd);
	fd = show("openat O_RDONLY with mode 0777", sys(SYS_openat, AT_FDCWD,
							(long)"hello.txt", O_RDONLY, 0777, 0));
	close(fd);
	fd = show("open sub", xopen("sub", O_RDONLY));
	show("read a directory", read(fd, buf, sizeof(buf)));
	do_fstat("fstat sub", fd);
	close(fd);
	show("open O_NOFOLLOW symlink", xopen("link", O_RDONLY | O_NOFOLLOW));
	fd = show("open O_PATH|O_NOFOLLOW symlink", xopen("link", O_PATH | O_NOFOLLOW));
	do_fstat("fstat O_PATH symlink", fd);
	show("read O_PATH", read(fd, buf, 1));
	close(fd);
	fd = show("open O_PATH file", xopen("hello.txt", O_PATH));
	do_fstat("fstat O_PATH file", fd);
	close(fd);
	memset(buf, 'a', sizeof(buf) - 1);
	buf[sizeof(buf) - 1] = '\0';
	show("open 255-byte name", xopen(buf, O_RDONLY));
	{
		static char longname[300];

		memset(longname, 'b', sizeof(longname) - 1);
		show("open 299-byte name", xopen(longname, O_RDONLY));
	}
	{
		static char longpath[5000];

		for (int i = 0; i + 2 < (int)sizeof(longpath) - 1; i += 2)
			memcpy(longpath + i, "./", 2);
		show("open 5000-byte path", xopen(longpath, O_RDONLY));
	}

	/* Paths that stay in the tree. */
	show_file("read ./hello.txt", "./hello.txt");
	show_file("read sub/../hello.txt", "sub/../hello.txt");
	show_file("read sub//a.txt", "sub//a.txt");
	show_file("read through link", "link");
	show_file("read sub/up (../hello.txt)", "sub/up");
	show_file("read dlink/a.txt", "dlink/a.txt");
	show_file("read dlink/deep/b.txt", "dlink/deep/b.txt");
	show_file("read empty", "empty");
	show_file("read data.bin", "data.bin");

	/* stat family. */
	do_stat("stat hello.txt", "hello.txt");
	do_stat("stat link", "link");
	do_lstat("lstat link", "link");
	do_lstat("lstat hello.txt", "hello.txt");
	do_stat("stat sub/up", "sub/up");
	do_lstat("lstat sub/up", "sub/up");
	do_stat("stat dlink", "dlink");
	do_lstat("lstat dlink", "dlink");
	do_stat("stat .", ".");
	do_stat("stat sub", "sub");
	do_stat("stat missing", "missing");
	do_stat("stat empty path", "");
	do_lstat("lstat missing", "missing");
	errno = 0;
	r = fstatat(AT_FDCWD, "link", &st, AT_SYMLINK_NOFOLLOW);
	show_stat("fstatat link nofollow", r, &st);
	errno = 0;
	r = fstatat(AT_FDCWD, "link", &st, 0);
	show_stat("fstatat link", r, &st);
	errno = 0;
	r = fstatat(AT_FDCWD, "hello.txt", &st, 0x40000);
	show_stat("fstatat bad flag", r, &st);
	{
		struct kstatx stx;

		r = sys(SYS_statx, AT_FDCWD, (long)"hello.txt", 0, KSTATX_BASIC_STATS,
			(long)&stx);
		printf("statx hello.txt: %s size %llu mode %04o\n", errname(r < 0 ? errno : 0),
		       r < 0 ? 0ULL : (unsigned long long)stx.size,
		       r < 0 ? 0 : stx.mode & 07777);
		r = sys(SYS_statx, AT_FDCWD, (long)"link", AT_SYMLINK_NOFOLLOW,
			KSTATX_BASIC_STATS,
			(long)&stx);
		printf("statx link nofollow: %s size %llu link %d\n", errname(r < 0 ? errno : 0),
		       r < 0 ? 0ULL : (unsigned long long)stx.size,
		       r < 0 ? 0 : S_ISLNK(stx.mode));
		r = sys(SYS_statx, AT_FDCWD, (long)"missing", 0, KSTATX_BASIC_STATS,
			(long)&stx);
		printf("statx missing: %s\n", errname(r < 0 ? errno : 0));
	}

	/* readlink and access. */
	r = show("readlink link", readlink("link", buf, sizeof(buf)));
	show_bytes("  target", buf, r);
	r = show("readlink link, 3 bytes", readlink("link", buf, 3));
	show_bytes("  target", buf, r);
	show("readlink file", readlink("hello.txt", buf, sizeof(buf)));
	show("readlink missing", readlink("missing", buf, sizeof(buf)));
	show("readlink size 0", sys(SYS_readlink, (long)"link", (long)buf, 0, 0, 0));
	show("readlink .", readlink(".", buf, sizeof(buf)));
	show("access R_OK", access("hello.txt", R_OK));
	show("access F_OK missing", access("missing", F_OK));
	show("access X_OK file", access("hello.txt", X_OK));
	show("access bad mode", sys(SYS_access, (long)"hello.txt", 0100, 0, 0, 0));
	show("faccessat link nofollow",
	     sys(SYS_faccessat2, AT_FDCWD, (long)"link", R_OK, AT_SYMLINK_NOFOLLOW, 0));

	/* Directories: chdir, fchdir, openat, fstatat with a directory fd. */
	errno = 0;
	root = show("open . O_DIRECTORY", xopen(".", O_RDONLY | O_DIRECTORY));
	sub = show("open sub O_DIRECTORY", xopen("sub", O_RDONLY | O_DIRECTORY));
	deep = show("openat sub deep", sys(SYS_openat, sub, (long)"deep",
					   O_RDONLY | O_DIRECTORY, 0, 0));
	fd = show("openat sub a.txt", sys(SYS_openat, sub, (long)"a.txt", O_RDONLY, 0, 0));
	show_bytes("  read", buf, read(fd, buf, sizeof(buf)));
	close(fd);
	fd = show("openat deep ../a.txt",
		  sys(SYS_openat, deep, (long)"../a.txt", O_RDONLY, 0, 0));
	close(fd);
	fd = show("openat sub absolute", sys(SYS_openat, sub, (long)"/nonexistent-lstar-path",
					     O_RDONLY, 0, 0));
	errno = 0;
	r = fstatat(sub, "a.txt", &st, 0);
	show_stat("fstatat sub a.txt", r, &st);
	errno = 0;
	r = fstatat(sub, "", &st, AT_EMPTY_PATH);
	show_stat("fstatat sub empty path", r, &st);
	fd = xopen("hello.txt", O_RDONLY);
	show("openat file dirfd", sys(SYS_openat, fd, (long)"x", O_RDONLY, 0, 0));
	errno = 0;
	r = fstatat(fd, "", &st, AT_EMPTY_PATH);
	show_stat("fstatat file empty path", r, &st);
	close(fd);
	show("openat bad dirfd", sys(SYS_openat, 99, (long)"x", O_RDONLY, 0, 0));
	show("openat bad dirfd absolute", sys(SYS_openat, 99, (long)"/x", O_RDONLY, 0, 0));
	show("chdir sub", chdir("sub"));
	show_file("  read a.txt", "a.txt");
	show_file("  read ../hello.txt", "../hello.txt");
	show("  getcwd ends in /sub", getcwd(cwd, sizeof(cwd)) ?
	     (long)(strlen(cwd) >= 4 && !strcmp(cwd + strlen(cwd) - 4, "/sub")) : -1);
	show("chdir deep", chdir("deep"));
	show_file("  read b.txt", "b.txt");
	show("chdir ../..", chdir("../.."));
	show_file("  read hello.txt", "hello.txt");
	show("fchdir deep", fchdir(deep));
	show_file("  read c.txt", "c.txt");
	show("fchdir root", fchdir(root));
	show_file("  read hello.txt", "hello.txt");
	show("chdir file", chdir("hello.txt"));
	show("chdir missing", chdir("missing"));
	fd = xopen("hello.txt", O_RDONLY);
	show("fchdir file", fchdir(fd));
	close(fd);
	show("fchdir bad", fchdir(77));
	show("getcwd size 1", sys(SYS_getcwd, (long)cwd, 1, 0, 0, 0));
	close(deep);
	close(sub);
	close(root);
	return 0;
}

/* --- write: on a copy of the fixture --------------------------------------- */

static int mode_write(void)
{
	char buf[256];
	struct stat st;
	int fd, fd2, dir;

	fd = show("creat new.txt", creat("new.txt", 0644));
	show("write abc", write(fd, "abc", 3));
	do_fstat("fstat", fd);
	show("pwrite at 10", pwrite(fd, "XYZ", 3, 10));
	do_fstat("fstat after pwrite", fd);
	show("offset", lseek(fd, 0, SEEK_CUR));
	show("read write-only fd", read(fd, buf, 1));
	show("ftruncate 5", ftruncate(fd, 5));
	do_fstat("fstat after ftruncate", fd);
	show("ftruncate -1", ftruncate(fd, -1));
	show("fsync", fsync(fd));
	show("fdatasync", fdatasync(fd));
	show("fcntl getfl accmode", fcntl(fd, F_GETFL) & O_ACCMODE);
	close(fd);
	show_file("new.txt", "new.txt");
	fd = show("open O_APPEND", xopen("new.txt", O_WRONLY | O_APPEND));
	show("fcntl getfl append", !!(fcntl(fd, F_GETFL) & O_APPEND));
	show("write", write(fd, "++", 2));
	show("pwrite at 0 appends", pwrite(fd, "--", 2, 0));
	show("offset", lseek(fd, 0, SEEK_CUR));
	show("setfl no append", fcntl(fd, F_SETFL, 0));
	show("lseek 0", lseek(fd, 0, SEEK_SET));
	show("write at 0", write(fd, "A", 1));
	close(fd);
	show_file("new.txt", "new.txt");
	fd = show("open O_RDWR", xopen("new.txt", O_RDWR));
	show("lseek end", lseek(fd, 0, SEEK_END));
	show("write", write(fd, "!", 1));
	show("pread all", pread(fd, buf, sizeof(buf), 0));
	show_bytes("  got", buf, 10);
	show("lseek 2 past end", lseek(fd, 2, SEEK_END));
	show("write after hole", write(fd, "h", 1));
	close(fd);
	show_file("new.txt", "new.txt");
	fd = show("open O_TRUNC", xopen("new.txt", O_RDWR | O_TRUNC));
	do_fstat("fstat after O_TRUNC", fd);
	show("write", write(fd, "fresh\n", 6));
	close(fd);
	show("O_CREAT|O_EXCL existing", xopen("new.txt", O_WRONLY | O_CREAT | O_EXCL));
	fd = show("O_CREAT|O_EXCL new", xopen("excl.txt", O_WRONLY | O_CREAT | O_EXCL));
	show("write", write(fd, "e\n", 2));
	close(fd);
	fd = show("O_CREAT through dangling symlink", xopen("dangle", O_WRONLY | O_CREAT));
	show("write", write(fd, "via dangle\n", 11));
	close(fd);
	show_file("dangle-target.txt", "dangle-target.txt");
	show("O_CREAT in missing dir", xopen("nodir/f", O_WRONLY | O_CREAT));
	show("O_CREAT under a file", xopen("hello.txt/f", O_WRONLY | O_CREAT));
	show("O_CREAT a directory name", xopen("sub", O_WRONLY | O_CREAT));

	/* Directories. */
	show("mkdir d1", mkdir("d1", 0755));
	show("mkdir d1 again", mkdir("d1", 0755));
	show("mkdir nodir/d", mkdir("nodir/d", 0755));
	show("mkdir hello.txt/d", mkdir("hello.txt/d", 0755));
	show("mkdir 0700", mkdir("d700", 0700));
	do_stat("stat d700", "d700");
	dir = xopen("d1", O_RDONLY | O_DIRECTORY);
	show("mkdirat d1 inner", sys(SYS_mkdirat, dir, (long)"inner", 0755, 0, 0));
	fd = show("openat d1 O_CREAT", sys(SYS_openat, dir, (long)"f.txt", O_WRONLY | O_CREAT,
					   0600, 0));
	show("write", write(fd, "in d1\n", 6));
	close(fd);
	do_stat("stat d1/f.txt", "d1/f.txt");
	show("rmdir non-empty", rmdir("d1"));
	show("unlink a directory", unlink("d1"));
	show("rmdir a file", rmdir("hello.txt"));
	show("rmdir missing", rmdir("missing"));
	show("unlinkat dir without AT_REMOVEDIR",
	     sys(SYS_unlinkat, dir, (long)"inner", 0, 0, 0));
	show("unlinkat dir AT_REMOVEDIR", sys(SYS_unlinkat, dir, (long)"inner", AT_REMOVEDIR,
					      0, 0));
	show("unlinkat bad flags", sys(SYS_unlinkat, dir, (long)"f.txt", 1, 0, 0));
	close(dir);

	/* Renames. */
	show("rename new.txt d1/moved.txt", rename("new.txt", "d1/moved.txt"));
	show("rename missing", rename("missing", "x"));
	show("rename into missing dir", rename("excl.txt", "nodir/x"));
	show("rename dir into itself", rename("d1", "d1/inner2"));
	show("rename file over dir", rename("excl.txt", "d700"));
	show("rename dir over file", rename("d700", "excl.txt"));
	show("rename dir over non-empty dir", rename("d700", "d1"));
	show("renameat2 NOREPLACE onto existing",
	     sys(SYS_renameat2, AT_FDCWD, (long)"excl.txt", AT_FDCWD, (long)"hello.txt",
		 RENAME_NOREPLACE));
	show("renameat2 EXCHANGE", sys(SYS_renameat2, AT_FDCWD, (long)"excl.txt", AT_FDCWD,
					(long)"sub/a.txt", RENAME_EXCHANGE));
	show("renameat2 bad flags", sys(SYS_renameat2, AT_FDCWD, (long)"excl.txt", AT_FDCWD,
					 (long)"y", 0x100));
	show_file("excl.txt", "excl.txt");
	show_file("sub/a.txt", "sub/a.txt");
	show("rename dir", rename("d700", "sub/d700"));
	show("rename symlink", rename("link", "link2"));
	do_lstat("lstat link2", "link2");
	show_file("read link2", "link2");
	show("rename onto itself", rename("excl.txt", "excl.txt"));
	show("rename file over file", rename("excl.txt", "empty"));

	/* Unlink. */
	fd = xopen("d1/moved.txt", O_RDONLY);
	show("unlink open file", unlink("d1/moved.txt"));
	show_bytes("  read it still", buf, read(fd, buf, sizeof(buf)));
	do_fstat("  fstat it", fd);
	close(fd);
	show("unlink missing", unlink("d1/moved.txt"));
	show("unlink symlink to dir", unlink("dlink"));
	do_stat("  stat sub still", "sub");
	show("unlink d1/f.txt", unlink("d1/f.txt"));
	show("rmdir d1", rmdir("d1"));

	/* truncate by path. */
	show("truncate hello.txt 5", truncate("hello.txt", 5));
	show_file("hello.txt", "hello.txt");
	show("truncate through link2", truncate("link2", 3));
	show_file("lines.txt", "lines.txt");
	show("truncate missing", truncate("missing", 0));
	show("truncate a directory", truncate("sub", 0));
	show("truncate -1", truncate("hello.txt", -1));
	show("truncate to grow", truncate("empty", 8));
	do_stat("stat empty", "empty");
	show("access W_OK", access("hello.txt", W_OK));

	/* Relative paths after chdir, and a file created there. */
	show("chdir sub/deep", chdir("sub/deep"));
	fd2 = show("creat ../../top.txt", creat("../../top.txt", 0600));
	show("write", write(fd2, "top\n", 4));
	close(fd2);
	fd2 = show("creat here.txt", creat("here.txt", 0640));
	close(fd2);
	show("chdir back", chdir("../.."));
	do_stat("stat top.txt", "top.txt");
	do_stat("stat sub/deep/here.txt", "sub/deep/here.txt");
	errno = 0;
	show("fstatat after all", fstatat(AT_FDCWD, "sub/deep/here.txt", &st, 0));
	return 0;
}

/* --- big: the 64 MiB file --------------------------------------------------- */

static int mode_big(void)
{
	static char buf[65536];
	uint64_t h = 1469598103934665603ULL, total = 0;
	long calls = 0, n;
	int fd = show("open big.bin", xopen("big.bin", O_RDONLY));

	do_fstat("fstat big.bin", fd);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (long i = 0; i < n; i++)
			h = (h ^ (uint8_t)buf[i]) * 1099511628211ULL;
		total += n;
		calls++;
	}
	show("last read", n);
	printf("read %llu bytes in %ld reads, fnv1a %016llx\n",
	       (unsigned long long)total, calls, (unsigned long long)h);
	show_bytes("pread 8 at 0", buf, pread(fd, buf, 8, 0));
	show_bytes("pread 8 at 1M-4", buf, pread(fd, buf, 8, (1 << 20) - 4));
	show_bytes("pread 8 at 32M+3", buf, pread(fd, buf, 8, (32 << 20) + 3));
	show_bytes("pread 8 at 64M-5", buf, pread(fd, buf, 8, (64 << 20) - 5));
	show_bytes("pread 8 at 64M", buf, pread(fd, buf, 8, 64 << 20));
	show("lseek end", lseek(fd, 0, SEEK_END));
	show("lseek 1G", lseek(fd, 1L << 30, SEEK_SET));
	show_bytes("read at 1G", buf, read(fd, buf, 8));
	show("lseek -3 end", lseek(fd, -3, SEEK_END));
	show_bytes("read last", buf, read(fd, buf, sizeof(buf)));
	/* One read far larger than the chunk size. */
	{
		char *large = malloc(8 << 20);

		show("lseek 60M", lseek(fd, 60 << 20, SEEK_SET));
		n = show("read 8 MiB at 60M", read(fd, large, 8 << 20));
		h = 1469598103934665603ULL;
		for (long i = 0; i < n; i++)
			h = (h ^ (uint8_t)large[i]) * 1099511628211ULL;
		printf("  fnv1a %016llx\n", (unsigned long long)h);
		free(large);
	}
	close(fd);
	return 0;
}

/* --- list: getdents64 -------------------------------------------------------- */

struct dent {
	char name[256];
	unsigned char type;
};

static int cmp_dent(const void *a, const void *b)
{
	return strcmp(((const struct dent *)a)->name, ((const struct dent *)b)->name);
}

static int mode_list(const char *dir)
{
	static struct dent ents[1024];
	char buf[128] __attribute__((aligned(8)));
	int fd = show("open", xopen(dir, O_RDONLY | O_DIRECTORY));
	int n = 0;
	long got, calls = 0;

	if (fd < 0)
		return 0;
	while ((got = sys(SYS_getdents64, fd, (long)buf, sizeof(buf), 0, 0)) > 0) {
		calls++;
		for (long off = 0; off < got && n < 1024;) {
			struct {
				uint64_t ino;
				int64_t off;
				unsigned short reclen;
				unsigned char type;
				char name[];
			} *d = (void *)(buf + off);

			snprintf(ents[n].name, sizeof(ents[n].name), "%s", d->name);
			ents[n++].type = d->type;
			off += d->reclen;
		}
	}
	show("last getdents64", got);
	show("getdents64 buffer too small", sys(SYS_getdents64, fd, (long)buf, 8, 0, 0));
	qsort(ents, n, sizeof(ents[0]), cmp_dent);
	printf("%d entries in more than one call: %d\n", n, calls > 1);
	for (int i = 0; i < n; i++)
		printf("  %s %s\n",
		       ents[i].type == DT_DIR ? "d" : ents[i].type == DT_REG ? "f" :
		       ents[i].type == DT_LNK ? "l" : "?", ents[i].name);
	show("lseek 0", lseek(fd, 0, SEEK_SET));
	got = sys(SYS_getdents64, fd, (long)buf, sizeof(buf), 0, 0);
	show("getdents64 again after rewind > 0", got > 0);
	close(fd);
	{
		DIR *d = opendir(dir);
		int count = 0;

		if (!d) {
			printf("opendir: %s\n", errname(errno));
			return 0;
		}
		while (readdir(d))
			count++;
		printf("readdir: %d entries\n", count);
		closedir(d);
	}
	show("getdents64 on a file fd", ({
		int f = xopen("hello.txt", O_RDONLY);
		long r2 = sys(SYS_getdents64, f, (long)buf, sizeof(buf), 0, 0);
		int e = errno;

		close(f);
		errno = e;
		r2;
	}));
	show("getdents64 on a bad fd", sys(SYS_getdents64, 99, (long)buf, sizeof(buf), 0, 0));
	return 0;
}

/* --- paths: corner cases of path resolution ---------------------------------- */

static int mode_paths(void)
{
	char buf[256];
	struct stat st;

	/* Hostile but legal arguments: Linux's answers. */
	show("utimensat(AT_FDCWD, NULL)", sys(SYS_utimensat, AT_FDCWD, 0, 0, 0, 0));
	{
		long d = xopen(".", O_RDONLY | O_DIRECTORY);

		show("getdents64 count 2^31", sys(SYS_getdents64, d, (long)buf, 0x80000000L, 0, 0));
		/* An unsigned int: the upper half of the register is not read. */
		show("getdents64 count 2^32 + 24 (too small)",
		     sys(SYS_getdents64, d, (long)buf, 0x100000018L, 0, 0));
		show("getdents64 count 2^32 + 256",
		     sys(SYS_getdents64, d, (long)buf, 0x100000100L, 0, 0) > 0);
		show("open O_RDONLY with garbage above the flags",
		     sys(SYS_openat, AT_FDCWD, (long)"hello.txt", 0x100000000L, 0, 0) >= 0);
		/* readlink's size is an int, poll's count an unsigned int. */
		show("readlink size 2^32 + 4", sys(SYS_readlink, (long)"link", (long)buf,
						   0x100000004L, 0, 0));
		show("readlink size 2^32 - 1 (-1)", sys(SYS_readlink, (long)"link", (long)buf,
							0xffffffffL, 0, 0));
		show("readlinkat size 2^32 + 4", sys(SYS_readlinkat, AT_FDCWD, (long)"link",
						     (long)buf, 0x100000004L, 0));
		{
			struct pollfd pfd = { .fd = (int)d, .events = POLLIN };

			show("poll count 2^32 + 1", sys(SYS_poll, (long)&pfd, 0x100000001L, 0, 0, 0));
			show("ppoll count 2^32 + 1", sys(SYS_ppoll, (long)&pfd, 0x100000001L,
							 (long)&(struct timespec){ 0, 0 }, 0, 8));
		}
		close((int)d);
	}
	show("open hello.txt/ (trailing slash on a file)", xopen("hello.txt/", O_RDONLY));
	show("open hello.txt/.", xopen("hello.txt/.", O_RDONLY));
	show("open sub/ (a directory: fine)", xopen("sub/", O_RDONLY));
	show("open link/ (symlink to a file)", xopen("link/", O_RDONLY));
	errno = 0;
	show("stat hello.txt/", stat("hello.txt/", &st));
	errno = 0;
	show("lstat dlink/ (follows)", lstat("dlink/", &st) < 0 ? -1 : S_ISDIR(st.st_mode));
	show("readlink dlink/", readlink("dlink/", buf, sizeof(buf)));
	show("access hello.txt/", access("hello.txt/", F_OK));
	/* A directory cannot be opened for writing, read-only file system or not. */
	show("open sub O_WRONLY", xopen("sub", O_WRONLY));
	show("open . O_RDWR", xopen(".", O_RDWR));
	show("chdir dlink", chdir("dlink"));
	show("  getcwd ends in /sub", getcwd(buf, sizeof(buf)) ?
	     (long)(strlen(buf) >= 4 && !strcmp(buf + strlen(buf) - 4, "/sub")) : -1);
	show("chdir ..", chdir(".."));
	return 0;
}

/* The same for calls that change the tree (on a copy); each on its own
 * names, so that one difference does not bring on the next. */
static int mode_paths_rw(void)
{
	struct stat st;
	int fd;

	mkdir("d1", 0755);
	show("rmdir d1/.", rmdir("d1/."));
	show("rmdir d1/..", rmdir("d1/.."));
	mkdir("d2", 0755);
	show("unlinkat d2/. AT_REMOVEDIR", sys(SYS_unlinkat, AT_FDCWD, (long)"d2/.",
					       AT_REMOVEDIR, 0, 0));
	mkdir("d3", 0755);
	show("rename d3/. d3b", rename("d3/.", "d3b"));
	mkdir("d4", 0755);
	show("rename empty d4/.", rename("empty", "d4/."));
	show("mkdir newdir/.", mkdir("newdir/.", 0755));
	show("mkdir words.txt/.", mkdir("words.txt/.", 0755));
	show("unlink dups.txt/", unlink("dups.txt/"));
	show("unlink link/", unlink("link/"));
	show("rename data.bin/ moved.bin", rename("data.bin/", "moved.bin"));
	show("creat new.txt/", creat("new.txt/", 0644));
	show("open new2.txt/. O_CREAT", xopen("new2.txt/.", O_WRONLY | O_CREAT));
	show("truncate lines.txt/", truncate("lines.txt/", 1));
	mkdir("d5", 0755);
	show("chdir d5", chdir("d5"));
	show("  rmdir .", rmdir("."));
	errno = 0;
	show("  stat .", stat(".", &st));
	show("chdir ..", chdir(".."));
	show("rmdir . (the tree's root)", rmdir("."));
	fd = xopen("sub", O_RDONLY | O_DIRECTORY);
	show("unlinkat(sub, ., AT_REMOVEDIR)", sys(SYS_unlinkat, fd, (long)".", AT_REMOVEDIR,
						   0, 0));
	close(fd);
	return 0;
}

/*
 * follow: a directory held by a descriptor, or as the working directory,
 * is the directory itself: renamed, it takes its files along, and a new
 * directory at the old name is another one.
 */
static int mode_follow(void)
{
	char cwd[4096];
	int fd, f;

	show("mkdir a", mkdir("a", 0755));
	fd = xopen("a", O_RDONLY | O_DIRECTORY);
	show("rename a b", rename("a", "b"));
	show("mkdir a again", mkdir("a", 0755));
	f = openat(fd, "f", O_WRONLY | O_CREAT, 0644);
	show("openat(the directory held, f, O_CREAT)", f < 0 ? -1 : 0);
	if (f >= 0)
		close(f);
	show("  b/f is there", access("b/f", F_OK));
	show("  a/f is not", access("a/f", F_OK) == 0 ? 0 : -2);
	show("mkdirat(the directory held, m)", mkdirat(fd, "m", 0755));
	show("  b/m is there", access("b/m", F_OK));
	close(fd);

	show("chdir b", chdir("b"));
	show("rename ../b ../c", rename("../b", "../c"));
	f = open("g", O_WRONLY | O_CREAT, 0644);
	show("creat g in the working directory", f < 0 ? -1 : 0);
	if (f >= 0)
		close(f);
	printf("getcwd ends in /c: %s\n",
	       getcwd(cwd, sizeof(cwd)) && strlen(cwd) >= 2 &&
	       !strcmp(cwd + strlen(cwd) - 2, "/c") ? "yes" : "no");
	show("chdir ..", chdir(".."));
	show("  c/g is there", access("c/g", F_OK));
	show("rmdir c/m", rmdir("c/m"));

	/* The working directory removed: gone, as Linux says. */
	show("mkdir gone", mkdir("gone", 0755));
	show("chdir gone", chdir("gone"));
	show("rmdir ../gone", rmdir("../gone"));
	printf("getcwd after rmdir: %s\n", getcwd(cwd, sizeof(cwd)) ? "a path" :
	       errname(errno));
	show("creat x there", open("x", O_WRONLY | O_CREAT, 0644) < 0 ? -1 : 0);
	return 0;
}

/* ids FILE...: who owns each file as the program sees it, and what
 * access() says it may do there. */
static int mode_ids(int n, char **files)
{
	printf("getuid %u getgid %u\n", (unsigned)getuid(), (unsigned)getgid());
	for (int i = 0; i < n; i++) {
		struct stat st;
		struct kstatx stx;
		int fd = open(files[i], O_RDONLY | O_PATH);

		if (stat(files[i], &st) < 0 ||
		    sys(SYS_statx, AT_FDCWD, (long)files[i], 0, KSTATX_BASIC_STATS,
			(long)&stx) < 0) {
			printf("%s: %s\n", files[i], errname(errno));
			continue;
		}
		printf("%s: stat %u:%u statx %u:%u", files[i], (unsigned)st.st_uid,
		       (unsigned)st.st_gid, stx.uid, stx.gid);
		if (fd >= 0 && fstat(fd, &st) == 0)
			printf(" fstat %u:%u", (unsigned)st.st_uid, (unsigned)st.st_gid);
		printf(" access r %s w %s\n",
		       access(files[i], R_OK) ? errname(errno) : "ok",
		       access(files[i], W_OK) ? errname(errno) : "ok");
		if (fd >= 0)
			close(fd);
	}
	return 0;
}

/* --- dev: the devices ------------------------------------------------------- */

/* A device as stat shows it, less its owner (root natively, nobody under
 * lstar) and times. */
static void show_dev_stat(const char *what, long r, const struct stat *st)
{
	if (r < 0) {
		printf("%s: %s\n", what, errname(errno));
		return;
	}
	printf("%s: %s %04o rdev %u:%u size %lld nlink %ld\n", what,
	       S_ISCHR(st->st_mode) ? "chr" : S_ISREG(st->st_mode) ? "file" : "other",
	       (unsigned)(st->st_mode & 07777), major(st->st_rdev), minor(st->st_rdev),
	       (long long)st->st_size, (long)st->st_nlink);
}

/* Every byte of buf zero?  (How a read of /dev/zero is shown.) */
static const char *zeros(const char *buf, long n)
{
	for (long i = 0; i < n; i++)
		if (buf[i])
			return "not all zero";
	return "all zero";
}

static int mode_dev(void)
{
	static const char *const devs[] = {
		"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom",
	};
	char buf[8192], line[128], *m;
	struct iovec iov[3];
	struct stat st;
	long r;
	int fd, fd2;

	for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
		const char *d = devs[i];
		struct pollfd pfd;

		snprintf(line, sizeof(line), "stat %s", d);
		errno = 0;
		r = stat(d, &st);
		show_dev_stat(line, r, &st);
		snprintf(line, sizeof(line), "open %s O_RDWR", d);
		if ((fd = (int)show(line, xopen(d, O_RDWR | O_CLOEXEC))) < 0)
			continue;
		errno = 0;
		r = fstat(fd, &st);
		show_dev_stat("  fstat", r, &st);
		memset(buf, 0x55, sizeof(buf));
		errno = 0;
		r = read(fd, buf, sizeof(buf));
		if (r >= 0)
			printf("  read 8192: %ld, %s\n", r, i >= 3 ? "random" : zeros(buf, r));
		else
			show("  read 8192", r);
		show("  read 0", (errno = 0, read(fd, buf, 0)));
		memset(buf, 0x55, sizeof(buf));
		errno = 0;
		r = pread(fd, buf, 100, 12345);
		if (r >= 0)
			printf("  pread 100 at 12345: %ld, %s\n", r, i >= 3 ? "random" : zeros(buf, r));
		else
			show("  pread 100 at 12345", r);
		iov[0] = (struct iovec){ buf, 10 };
		iov[1] = (struct iovec){ buf + 10, 0 };
		iov[2] = (struct iovec){ buf + 20, 30 };
		memset(buf, 0x55, sizeof(buf));
		errno = 0;
		r = readv(fd, iov, 3);
		if (r >= 0)
			printf("  readv 10+0+30: %ld, %s\n", r, i >= 3 ? "random" :
			       buf[10] == 0x55 && !strcmp(zeros(buf, 10), zeros(buf + 20, 30)) ?
			       zeros(buf, 10) : "wrong pieces");
		else
			show("  readv 10+0+30", r);
		show("  write 5", (errno = 0, write(fd, "hello", 5)));
		show("  write 0", (errno = 0, write(fd, "", 0)));
		show("  pwrite 5 at 7", (errno = 0, pwrite(fd, "hello", 5, 7)));
		show("  writev 10+0+30", (errno = 0, writev(fd, iov, 3)));
		show("  lseek 100 SEEK_SET", (errno = 0, lseek(fd, 100, SEEK_SET)));
		show("  lseek 0 SEEK_END", (errno = 0, lseek(fd, 0, SEEK_END)));
		show("  lseek 5 SEEK_CUR", (errno = 0, lseek(fd, 5, SEEK_CUR)));
		pfd = (struct pollfd){ .fd = fd, .events = POLLIN | POLLOUT };
		r = show("  poll", (errno = 0, poll(&pfd, 1, 0)));
		if (r >= 0)
			printf("  revents: %#x\n", (unsigned)pfd.revents);
		show("  fcntl F_GETFL & ~O_LARGEFILE", (errno = 0,
		     fcntl(fd, F_GETFL) & ~(long)0100000));
		show("  fcntl F_SETFL O_NONBLOCK", (errno = 0, fcntl(fd, F_SETFL, O_NONBLOCK)));
		show("  fcntl F_GETFL & O_NONBLOCK", (errno = 0, fcntl(fd, F_GETFL) & O_NONBLOCK));
		show("  fcntl F_GETFD", (errno = 0, fcntl(fd, F_GETFD)));
		show("  ioctl FIONREAD", (errno = 0, ioctl(fd, FIONREAD, &r)));
		show("  ioctl TCGETS", (errno = 0, ioctl(fd, TCGETS, buf)));
		show("  fsync", (errno = 0, fsync(fd)));
		show("  ftruncate 0", (errno = 0, ftruncate(fd, 0)));
		show("  getdents64", sys(SYS_getdents64, fd, (long)buf, sizeof(buf), 0, 0));
		errno = 0;
		m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
		if (m == MAP_FAILED) {
			printf("  mmap MAP_PRIVATE: %s\n", errname(errno));
		} else {
			printf("  mmap MAP_PRIVATE: ok, %s\n", zeros(m, 8192));
			m[0] = 1;
			munmap(m, 8192);
		}
		fd2 = (int)show("  dup", (errno = 0, dup(fd)));
		if (fd2 >= 0) {
			errno = 0;
			r = fstat(fd2, &st);
			show_dev_stat("  fstat dup", r, &st);
			close(fd2);
		}
		show("  close", (errno = 0, close(fd)));
	}
	/* Zeros and entropy land only where ring 3 may write. */
	fd = (int)xopen("/dev/zero", O_RDONLY);
	show("read /dev/zero into kernel space", sys(SYS_read, fd, (long)0xffff888000000000UL,
						    4096, 0, 0));
	m = mmap(NULL, 8192, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	show("read /dev/zero into a read-only page", sys(SYS_read, fd, (long)m, 4096, 0, 0));
	close(fd);
	fd = (int)xopen("/dev/urandom", O_RDONLY);
	show("read /dev/urandom into a read-only page", sys(SYS_read, fd, (long)m, 4096, 0, 0));
	show("pread /dev/urandom past user space", sys(SYS_pread64, fd, (long)0x7ffffffff000UL,
						       0x2000, 0, 0));
	close(fd);
	munmap(m, 8192);
	/* One way only: the other is EBADF. */
	fd = (int)show("open /dev/null O_WRONLY", xopen("/dev/null", O_WRONLY));
	show("  read", (errno = 0, read(fd, buf, 10)));
	show("  write", (errno = 0, write(fd, "x", 1)));
	close(fd);
	fd = (int)show("open /dev/zero O_RDONLY", xopen("/dev/zero", O_RDONLY));
	show("  write", (errno = 0, write(fd, "x", 1)));
	show("  read 0", (errno = 0, read(fd, buf, 0)));
	close(fd);
	fd = (int)show("open /dev/full O_WRONLY|O_APPEND", xopen("/dev/full", O_WRONLY | O_APPEND));
	show("  fcntl F_GETFL & ~O_LARGEFILE", (errno = 0, fcntl(fd, F_GETFL) & ~(long)0100000));
	show("  write 0", (errno = 0, write(fd, "", 0)));
	close(fd);
	/* What a device's path cannot be. */
	show("open /dev/null O_CREAT", xopen("/dev/null", O_WRONLY | O_CREAT));
	show("open /dev/null O_CREAT|O_EXCL", xopen("/dev/null", O_WRONLY | O_CREAT | O_EXCL));
	show("open /dev/null O_DIRECTORY", xopen("/dev/null", O_RDONLY | O_DIRECTORY));
	show("open /dev/null/", xopen("/dev/null/", O_RDONLY));
	show("open /dev/null/.", xopen("/dev/null/.", O_RDONLY));
	show("open /dev/null/x", xopen("/dev/null/x", O_RDONLY));
	show("open /dev/../dev/./zero", xopen("/dev/../dev/./zero", O_RDONLY));
	show("truncate /dev/null", (errno = 0, truncate("/dev/null", 0)));
	show("readlink /dev/null", (errno = 0, readlink("/dev/null", buf, sizeof(buf))));
	show("access /dev/null R_OK|W_OK", (errno = 0, access("/dev/null", R_OK | W_OK)));
	show("access /dev/null X_OK", (errno = 0, access("/dev/null", X_OK)));
	show("chdir /dev/null", (errno = 0, chdir("/dev/null")));
	show("mkdir /dev/null", (errno = 0, mkdir("/dev/null", 0755)));
	show("symlink x /dev/zero", (errno = 0, symlink("x", "/dev/zero")));
	errno = 0;
	r = stat("/dev", &st);
	printf("stat /dev: %s\n", r < 0 ? errname(errno) : S_ISDIR(st.st_mode) ? "dir" : "not dir");
	/* /dev/stdin opens what descriptor 0 names. */
	fd = (int)show("open /dev/stdin", xopen("/dev/stdin", O_RDONLY));
	if (fd >= 0) {
		show("  read", (errno = 0, read(fd, buf, 10)));
		close(fd);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (!strcmp(mode, "read"))
		return mode_read();
	if (!strcmp(mode, "write"))
		return mode_write();
	if (!strcmp(mode, "big"))
		return mode_big();
	if (!strcmp(mode, "list") && argc > 2)
		return mode_list(argv[2]);
	if (!strcmp(mode, "paths"))
		return mode_paths();
	if (!strcmp(mode, "paths_rw"))
		return mode_paths_rw();
	if (!strcmp(mode, "follow"))
		return mode_follow();
	if (!strcmp(mode, "dev"))
		return mode_dev();
	if (!strcmp(mode, "ids"))
		return mode_ids(argc - 2, argv + 2);
	fprintf(stderr, "usage: fs_io read|write|big|list DIR|paths|paths_rw|follow|ids FILE...\n");
	return 2;
}
