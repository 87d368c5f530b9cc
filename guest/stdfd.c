/* SPDX-License-Identifier: MIT */
/*
 * stdfd.c - the standard descriptors and what can be done with them:
 * fstat, dup/dup2/dup3, fcntl, close, ioctl, lseek, read/write and
 * readv/writev.  Run with stdin at /dev/null and stdout and stderr on
 * pipes (as the tests do).  Prints a line for each check that failed
 * (for every check with -v), then a summary; exits 1 if any failed.
 *
 * The dups write marker lines through the new descriptors, so where
 * their bytes land is part of the output.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <termios.h>
#include <unistd.h>

/* Unbuffered output: the lines must interleave with the raw writes. */
#define PROBE_UNBUFFERED
#include "probe.h"

static const char *type_name(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFREG: return "regular";
	case S_IFDIR: return "directory";
	case S_IFCHR: return "char-device";
	case S_IFBLK: return "block-device";
	case S_IFIFO: return "fifo";
	case S_IFSOCK: return "socket";
	case S_IFLNK: return "symlink";
	default: return "?";
	}
}

static void put(int fd, const char *s)
{
	long r = sys(SYS_write, fd, (long)s, (long)strlen(s), 0, 0, 0);

	if (r != (long)strlen(s))
		say("write to %d: %s\n", fd, r < 0 ? errname(errno) : "short");
}

static void test_fstat(void)
{
	for (int fd = 0; fd < 3; fd++) {
		struct stat st;
		char what[64];
		long r = sys(SYS_fstat, fd, (long)&st, 0, 0, 0, 0);

		snprintf(what, sizeof(what), "fstat(%d)", fd);
		check_ret(what, r, 0);
		say("  type %s\n", r == 0 ? type_name(st.st_mode) : "-");
		memset(&st, 0, sizeof(st));
		r = fstat(fd, &st);
		snprintf(what, sizeof(what), "libc fstat(%d)", fd);
		check_ret(what, r, 0);
		say("  type %s\n", r == 0 ? type_name(st.st_mode) : "-");
	}
#ifdef STATX_TYPE
	{
		struct statx stx;
		long r;

		errno = 0;
		r = syscall(SYS_statx, 1, "", AT_EMPTY_PATH, STATX_TYPE | STATX_MODE, &stx);
		check_ret("statx(1, \"\", AT_EMPTY_PATH)", r, 0);
		say("  type %s\n", r == 0 ? type_name(stx.stx_mode) : "-");
	}
#endif
	{
		struct stat st;

		errno = 0;
		check_ret("newfstatat(2, \"\", AT_EMPTY_PATH)",
			  syscall(SYS_newfstatat, 2, "", &st, AT_EMPTY_PATH), 0);
		say("  type %s\n", type_name(st.st_mode));
	}
	check_ret("fstat(99)", sys(SYS_fstat, 99, 0, 0, 0, 0, 0), -EBADF);
}

static void test_dup(void)
{
	long r;

	r = sys(SYS_dup, 1, 0, 0, 0, 0, 0);
	check_ret("dup(1)", r, 3);
	put(3, "written to fd 3 (dup of 1)\n");
	r = sys(SYS_dup2, 1, 10, 0, 0, 0, 0);
	check_ret("dup2(1, 10)", r, 10);
	put(10, "written to fd 10 (dup2 of 1)\n");
	check_ret("dup2(1, 1)", sys(SYS_dup2, 1, 1, 0, 0, 0, 0), 1);
	check_ret("dup2(99, 5)", sys(SYS_dup2, 99, 5, 0, 0, 0, 0), -EBADF);
	check_ret("dup2(1, -1)", sys(SYS_dup2, 1, -1, 0, 0, 0, 0), -EBADF);
	check_ret("dup(99)", sys(SYS_dup, 99, 0, 0, 0, 0, 0), -EBADF);
	check_ret("dup(-1)", sys(SYS_dup, -1, 0, 0, 0, 0, 0), -EBADF);

	/* Redirect 3 to stderr: dup2 over an open descriptor. */
	check_ret("dup2(2, 3)", sys(SYS_dup2, 2, 3, 0, 0, 0, 0), 3);
	put(3, "written to fd 3 (now stderr)\n");

	check_ret("dup3(1, 11, O_CLOEXEC)", sys(SYS_dup3, 1, 11, O_CLOEXEC, 0, 0, 0), 11);
	check_ret("  F_GETFD", sys(SYS_fcntl, 11, F_GETFD, 0, 0, 0, 0), FD_CLOEXEC);
	check_ret("  F_SETFD 0", sys(SYS_fcntl, 11, F_SETFD, 0, 0, 0, 0), 0);
	check_ret("  F_GETFD again", sys(SYS_fcntl, 11, F_GETFD, 0, 0, 0, 0), 0);
	check_ret("  F_SETFD FD_CLOEXEC", sys(SYS_fcntl, 11, F_SETFD, FD_CLOEXEC, 0, 0, 0), 0);
	check_ret("  F_GETFD once more", sys(SYS_fcntl, 11, F_GETFD, 0, 0, 0, 0), FD_CLOEXEC);
	check_ret("F_GETFD of a plain dup", sys(SYS_fcntl, 10, F_GETFD, 0, 0, 0, 0), 0);
	put(11, "written to fd 11 (dup3 of 1)\n");
	check_ret("dup3(1, 1, 0)", sys(SYS_dup3, 1, 1, 0, 0, 0, 0), -EINVAL);
	check_ret("dup3(1, 12, bad flag)", sys(SYS_dup3, 1, 12, O_NONBLOCK, 0, 0, 0), -EINVAL);
	check_ret("dup3(99, 12, 0)", sys(SYS_dup3, 99, 12, 0, 0, 0, 0), -EBADF);
	check_ret("dup2 clears FD_CLOEXEC", sys(SYS_dup2, 1, 11, 0, 0, 0, 0), 11);
	check_ret("  F_GETFD", sys(SYS_fcntl, 11, F_GETFD, 0, 0, 0, 0), 0);

	check_ret("F_DUPFD(1, 20)", sys(SYS_fcntl, 1, F_DUPFD, 20, 0, 0, 0), 20);
	check_ret("F_DUPFD(1, 20) again", sys(SYS_fcntl, 1, F_DUPFD, 20, 0, 0, 0), 21);
	check_ret("F_DUPFD_CLOEXEC(1, 20)", sys(SYS_fcntl, 1, F_DUPFD_CLOEXEC, 20, 0, 0, 0), 22);
	check_ret("  F_GETFD", sys(SYS_fcntl, 22, F_GETFD, 0, 0, 0, 0), FD_CLOEXEC);
	check_ret("F_DUPFD(1, 0) takes the lowest", sys(SYS_fcntl, 1, F_DUPFD, 0, 0, 0, 0), 4);
	put(21, "written to fd 21 (F_DUPFD of 1)\n");

	check_ret("close(10)", sys(SYS_close, 10, 0, 0, 0, 0, 0), 0);
	check_ret("write(10) after close", sys(SYS_write, 10, (long)"x", 1, 0, 0, 0), -EBADF);
	check_ret("close(10) again", sys(SYS_close, 10, 0, 0, 0, 0, 0), -EBADF);
	check_ret("write(99)", sys(SYS_write, 99, (long)"x", 1, 0, 0, 0), -EBADF);
	check_ret("write(-1)", sys(SYS_write, -1, (long)"x", 1, 0, 0, 0), -EBADF);
	check_ret("read(99)", sys(SYS_read, 99, (long)&r, 1, 0, 0, 0), -EBADF);
	check_ret("close(-1)", sys(SYS_close, -1, 0, 0, 0, 0, 0), -EBADF);
	check_ret("close(4)", sys(SYS_close, 4, 0, 0, 0, 0, 0), 0);
	check_ret("dup(1) reuses the lowest", sys(SYS_dup, 1, 0, 0, 0, 0, 0), 4);

	for (int fd = 3; fd < 30; fd++)
		close(fd);
}

/* Last: closing stdin frees 0 for the next dup. */
static void test_close_stdin(void)
{
	long r;

	check_ret("close(0)", sys(SYS_close, 0, 0, 0, 0, 0, 0), 0);
	check_ret("read(0) after close", sys(SYS_read, 0, (long)&r, 1, 0, 0, 0), -EBADF);
	check_ret("dup(1) takes 0", sys(SYS_dup, 1, 0, 0, 0, 0, 0), 0);
	put(0, "written to fd 0 (dup of 1)\n");
	check_ret("F_GETFL(0) & O_ACCMODE now",
		  sys(SYS_fcntl, 0, F_GETFL, 0, 0, 0, 0) & O_ACCMODE, O_WRONLY);
}

static void test_fcntl_ioctl(void)
{
	struct winsize ws;
	struct termios tio;
	long r;

	r = sys(SYS_fcntl, 1, F_GETFL, 0, 0, 0, 0);
	check_ret("F_GETFL(1) & O_ACCMODE", r < 0 ? r : (r & O_ACCMODE), O_WRONLY);
	r = sys(SYS_fcntl, 0, F_GETFL, 0, 0, 0, 0);
	check_ret("F_GETFL(0) & O_ACCMODE", r < 0 ? r : (r & O_ACCMODE), O_RDONLY);
	check_ret("fcntl(99, F_GETFL)", sys(SYS_fcntl, 99, F_GETFL, 0, 0, 0, 0), -EBADF);
	check_ret("fcntl(1, bad cmd)", sys(SYS_fcntl, 1, 12345, 0, 0, 0, 0), -EINVAL);
	check_ret("F_DUPFD min -1", sys(SYS_fcntl, 1, F_DUPFD, -1, 0, 0, 0), -EINVAL);

	/* On a pipe and on /dev/null: not terminals. */
	r = sys(SYS_ioctl, 1, TIOCGWINSZ, (long)&ws, 0, 0, 0);
	check_ret("ioctl(1, TIOCGWINSZ)", r, -ENOTTY);
	r = sys(SYS_ioctl, 0, TCGETS, (long)&tio, 0, 0, 0);
	check_ret("ioctl(0, TCGETS)", r, -ENOTTY);
	check("isatty(0..2) all 0", !isatty(0) && !isatty(1) && !isatty(2));
	check_ret("ioctl(99, TCGETS)", sys(SYS_ioctl, 99, TCGETS, (long)&tio, 0, 0, 0), -EBADF);

	/* A descriptor's flags through ioctl, as fcntl sets them: on a
	 * pipe, and on /dev/null (0) as on any file. */
	{
		int p[2], on = 1, off = 0;
		char c;

		check_ret("pipe2", sys(SYS_pipe2, (long)p, 0, 0, 0, 0, 0), 0);
		check_ret("ioctl(FIONBIO, 1)", sys(SYS_ioctl, p[0], FIONBIO, (long)&on, 0, 0, 0), 0);
		r = sys(SYS_fcntl, p[0], F_GETFL, 0, 0, 0, 0);
		check_ret("  F_GETFL has O_NONBLOCK", r < 0 ? r : !!(r & O_NONBLOCK), 1);
		check_ret("  read of an empty pipe", sys(SYS_read, p[0], (long)&c, 1, 0, 0, 0),
			  -EAGAIN);
		check_ret("ioctl(FIONBIO, 0)", sys(SYS_ioctl, p[0], FIONBIO, (long)&off, 0, 0, 0), 0);
		r = sys(SYS_fcntl, p[0], F_GETFL, 0, 0, 0, 0);
		check_ret("  F_GETFL has no O_NONBLOCK", r < 0 ? r : !!(r & O_NONBLOCK), 0);
		check_ret("ioctl(FIONBIO, bad pointer)", sys(SYS_ioctl, p[0], FIONBIO, 8, 0, 0, 0),
			  -EFAULT);
		check_ret("ioctl(FIOCLEX)", sys(SYS_ioctl, p[1], FIOCLEX, 0, 0, 0, 0), 0);
		check_ret("  F_GETFD", sys(SYS_fcntl, p[1], F_GETFD, 0, 0, 0, 0), FD_CLOEXEC);
		check_ret("ioctl(FIONCLEX)", sys(SYS_ioctl, p[1], FIONCLEX, 0, 0, 0, 0), 0);
		check_ret("  F_GETFD", sys(SYS_fcntl, p[1], F_GETFD, 0, 0, 0, 0), 0);
		check_ret("ioctl(0, FIONBIO, 1) on /dev/null",
			  sys(SYS_ioctl, 0, FIONBIO, (long)&on, 0, 0, 0), 0);
		r = sys(SYS_fcntl, 0, F_GETFL, 0, 0, 0, 0);
		check_ret("  F_GETFL has O_NONBLOCK", r < 0 ? r : !!(r & O_NONBLOCK), 1);
		sys(SYS_ioctl, 0, FIONBIO, (long)&off, 0, 0, 0);
		check_ret("ioctl(99, FIOCLEX)", sys(SYS_ioctl, 99, FIOCLEX, 0, 0, 0, 0), -EBADF);
		sys(SYS_close, p[0], 0, 0, 0, 0, 0);
		sys(SYS_close, p[1], 0, 0, 0, 0, 0);
	}

	check_ret("lseek(1, 0, SEEK_CUR) on a pipe",
		  sys(SYS_lseek, 1, 0, SEEK_CUR, 0, 0, 0), -ESPIPE);
	check_ret("lseek(0, 0, SEEK_CUR) on /dev/null", sys(SYS_lseek, 0, 0, SEEK_CUR, 0, 0, 0), 0);
	check_ret("lseek(0, 0, 99)", sys(SYS_lseek, 0, 0, 99, 0, 0, 0), -EINVAL);
	check_ret("lseek(99, 0, SEEK_SET)", sys(SYS_lseek, 99, 0, SEEK_SET, 0, 0, 0), -EBADF);
}

static void test_rw(void)
{
	char buf[64] = "untouched";
	struct iovec iov[6] = {
		{ "one ", 4 }, { NULL, 0 }, { "two ", 4 },
		{ (void *)"", 0 }, { "three", 5 }, { "\n", 1 },
	};
	struct iovec riov[3] = { { buf, 10 }, { NULL, 0 }, { buf + 10, 10 } };

	check_ret("writev 6 iovecs, 2 empty", sys(SYS_writev, 1, (long)iov, 6, 0, 0, 0), 14);
	check_ret("writev 0 iovecs", sys(SYS_writev, 1, (long)iov, 0, 0, 0, 0), 0);
	check_ret("writev only empty iovecs", sys(SYS_writev, 1, (long)&iov[1], 1, 0, 0, 0), 0);
	check_ret("writev 1025 iovecs", sys(SYS_writev, 1, (long)iov, 1025, 0, 0, 0), -EINVAL);
	check_ret("writev -1 iovecs", sys(SYS_writev, 1, (long)iov, -1, 0, 0, 0), -EINVAL);
	check_ret("writev(99)", sys(SYS_writev, 99, (long)iov, 1, 0, 0, 0), -EBADF);
	check_ret("write 0 bytes", sys(SYS_write, 1, (long)buf, 0, 0, 0, 0), 0);
	check_ret("write 0 bytes from NULL", sys(SYS_write, 1, 0, 0, 0, 0, 0), 0);
	check_ret("read(0) at EOF", sys(SYS_read, 0, (long)buf, sizeof(buf), 0, 0, 0), 0);
	check_ret("read(0) 0 bytes", sys(SYS_read, 0, (long)buf, 0, 0, 0, 0), 0);
	check_ret("readv(0) at EOF", sys(SYS_readv, 0, (long)riov, 3, 0, 0, 0), 0);
	check("buffer untouched", !strcmp(buf, "untouched"));
	check_ret("read(1), a write-only pipe end",
		  sys(SYS_read, 1, (long)buf, 1, 0, 0, 0), -EBADF);
	check_ret("write(0), read-only /dev/null",
		  sys(SYS_write, 0, (long)"x", 1, 0, 0, 0), -EBADF);
	/* The access mode is checked before the count. */
	check_ret("read(1, buf, 0), write-only pipe end",
		  sys(SYS_read, 1, (long)buf, 0, 0, 0, 0), -EBADF);
	check_ret("write(0, buf, 0), read-only /dev/null",
		  sys(SYS_write, 0, (long)buf, 0, 0, 0, 0), -EBADF);
	check_ret("readv(1, 0 iovecs), write-only",
		  sys(SYS_readv, 1, (long)riov, 0, 0, 0, 0), -EBADF);
	check_ret("write to stderr", sys(SYS_write, 2, (long)"stderr line\n", 12, 0, 0, 0), 12);
}

int main(int argc, char **argv)
{
	probe_init(argc, argv);
	/* Natively the test harness may leave descriptors above 2 open;
	 * close them so the numbers dup hands out are the same.  lstar has
	 * none (and no close_range: ENOSYS, ignored). */
	syscall(SYS_close_range, 3, ~0U, 0);
	test_fstat();
	test_dup();
	test_fcntl_ioctl();
	test_rw();
	test_close_stdin();
	return probe_summary("stdfd");
}
