/* SPDX-License-Identifier: MIT */
/*
 * shared_map.c - mmap(MAP_SHARED) of files, checked the same natively and
 * under lstar: writes through the mapping seen by read(2) and the other
 * way, msync, two mappings of one file, a parent and its forked child
 * sharing one, a mapping kept after its descriptor is closed, the
 * EACCES and ENODEV cases, and SIGBUS past the end of the file.  Works in
 * the directory given as its argument (which must be writable).  Prints a
 * line for each check that failed (every check with -v; never an
 * address), then a summary; exits 1 if any check failed.
 *
 * "shared_map DIR hostile" makes the calls a hostile program would
 * (offsets and lengths that overflow, a huge mapping, mappings until
 * they run out): each must end in a clean errno, and the run in a
 * summary.  Those are lstar's own limits, not compared with native.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"

#define PG 4096L

static char path[512];

static long xmmap(long addr, long len, long prot, long flags, long fd, long off)
{
	return sys(SYS_mmap, addr, len, prot, flags, fd, off);
}

static int file_says(int fd, long off, const char *want)
{
	char buf[64] = "";
	size_t n = strlen(want);

	return pread(fd, buf, n, off) == (ssize_t)n && !memcmp(buf, want, n);
}

static sigjmp_buf bus_env;
static volatile int bus_sig, bus_code;

static void on_bus(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	bus_sig = sig;
	bus_code = si->si_code;
	siglongjmp(bus_env, 1);
}

/* Touch the byte at p (a read, or a write of c); the signal it raised. */
static int touch(volatile char *p, int write)
{
	bus_sig = 0;
	if (!sigsetjmp(bus_env, 1)) {
		if (write)
			*p = 'w';
		else
			(void)*p;
	}
	return bus_sig;
}

static void coherence(void)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600), fd2, status = -1;
	char *p, *q;
	pid_t pid;

	check("open a new file", fd >= 0);
	check_ret("ftruncate to 3 pages", ftruncate(fd, 3 * PG), 0);
	p = (char *)xmmap(0, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	check("mmap MAP_SHARED", (long)p > 0);
	check("a new file maps zero", p[0] == 0 && p[3 * PG - 1] == 0);
	strcpy(p, "through the mapping");
	check("read(2) sees a write through the mapping", file_says(fd, 0, "through the mapping"));
	check_ret("pwrite", pwrite(fd, "through write", 13, PG), 13);
	check("the mapping sees write(2)", !memcmp(p + PG, "through write", 13));
	check_ret("msync MS_SYNC", sys(SYS_msync, (long)p, 3 * PG, MS_SYNC, 0, 0, 0), 0);
	check_ret("msync MS_ASYNC of a part", sys(SYS_msync, (long)p + PG, 10, MS_ASYNC, 0, 0, 0), 0);
	check_err("msync ASYNC|SYNC", sys(SYS_msync, (long)p, PG, MS_ASYNC | MS_SYNC, 0, 0, 0), EINVAL);
	check_err("msync unaligned", sys(SYS_msync, (long)p + 1, PG, MS_SYNC, 0, 0, 0), EINVAL);
	check_err("msync bad flags", sys(SYS_msync, (long)p, PG, 0x100, 0, 0, 0), EINVAL);

	/* A second mapping of the second page. */
	q = (char *)xmmap(0, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, PG);
	check("a second mapping", (long)q > 0 && q != p + PG);
	check("shows the same page", !memcmp(q, "through write", 13));
	strcpy(q + 100, "through the second");
	check("the first sees the second's write", !strcmp(p + PG + 100, "through the second"));
	check_ret("munmap the second", sys(SYS_munmap, (long)q, PG, 0, 0, 0, 0), 0);
	check("the first keeps it", !strcmp(p + PG + 100, "through the second"));
	check_err("msync of what is gone", sys(SYS_msync, (long)q, PG, MS_SYNC, 0, 0, 0), ENOMEM);

	/* A forked child shares the mapping. */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int bad = strcmp(p, "through the mapping") != 0;

		strcpy(p + 2 * PG, "from the child");
		bad |= pwrite(fd, "child's write", 13, 2 * PG + 100) != 13;
		_exit(bad);
	}
	check("fork", pid > 0);
	check("the child saw the mapping",
	      waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	check("the parent sees the child's store", !strcmp(p + 2 * PG, "from the child"));
	check("and the child's write(2)", !memcmp(p + 2 * PG + 100, "child's write", 13));

	/* The mapping outlives its descriptor. */
	check_ret("close", close(fd), 0);
	strcpy(p + 200, "after close");
	fd2 = open(path, O_RDONLY);
	check("the file has it", file_says(fd2, 200, "after close"));
	check_ret("mprotect PROT_READ", sys(SYS_mprotect, (long)p, PG, PROT_READ, 0, 0, 0), 0);
	check("read-only now", touch(p, 1) == SIGSEGV);
	check_ret("mprotect back", sys(SYS_mprotect, (long)p, PG, PROT_READ | PROT_WRITE, 0, 0, 0), 0);
	check_ret("munmap", sys(SYS_munmap, (long)p, 3 * PG, 0, 0, 0, 0), 0);
	check("the file keeps it all", file_says(fd2, 0, "through the mapping") &&
	      file_says(fd2, PG + 100, "through the second") &&
	      file_says(fd2, 2 * PG, "from the child"));
	close(fd2);
}

static void refusals(const char *dir)
{
	int ro = open(path, O_RDONLY), wo = open(path, O_WRONLY), ap = open(path, O_RDWR | O_APPEND);
	int d = open(dir, O_RDONLY | O_DIRECTORY), pfd[2] = { -1, -1 };
	char *p;

	check_err("PROT_WRITE of a read-only descriptor",
		  xmmap(0, PG, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0), EACCES);
	p = (char *)xmmap(0, PG, PROT_READ, MAP_SHARED, ro, 0);
	check("PROT_READ of it", (long)p > 0);
	check("reads the file", !strcmp(p, "through the mapping"));
	check_err("mprotect it writable", sys(SYS_mprotect, (long)p, PG, PROT_READ | PROT_WRITE, 0, 0, 0),
		  EACCES);
	check_ret("munmap", sys(SYS_munmap, (long)p, PG, 0, 0, 0, 0), 0);
	check_ret("MAP_PRIVATE PROT_WRITE of it",
		  xmmap(0, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0) > 0, 1);
	check_err("a write-only descriptor", xmmap(0, PG, PROT_READ, MAP_SHARED, wo, 0), EACCES);
	check("PROT_WRITE of an O_APPEND one",
	      xmmap(0, PG, PROT_READ | PROT_WRITE, MAP_SHARED, ap, 0) > 0);
	check_err("a directory", xmmap(0, PG, PROT_READ, MAP_SHARED, d, 0), ENODEV);
	check_ret("pipe", pipe(pfd), 0);
	check_err("a pipe", xmmap(0, PG, PROT_READ, MAP_SHARED, pfd[0], 0), ENODEV);
	check_err("a closed descriptor", xmmap(0, PG, PROT_READ, MAP_SHARED, 999, 0), EBADF);
	check_err("an unaligned offset", xmmap(0, PG, PROT_READ, MAP_SHARED, ro, 100), EINVAL);
	check_err("an offset past 2^63",
		  xmmap(0, 2 * PG, PROT_READ, MAP_SHARED, ro, 0x7ffffffffffff000L), EOVERFLOW);
	check_err("length 0", xmmap(0, 0, PROT_READ, MAP_SHARED, ro, 0), EINVAL);
	check_err("a length that wraps", xmmap(0, -PG, PROT_READ, MAP_SHARED, ro, 0), ENOMEM);
	close(ro);
	close(wo);
	close(ap);
	close(d);
	close(pfd[0]);
	close(pfd[1]);
}

static void past_the_end(void)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	struct stat st;
	char *p;

	check_ret("ftruncate to a page and 10 bytes", ftruncate(fd, PG + 10), 0);
	p = (char *)xmmap(0, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	check("mmap 3 pages of it", (long)p > 0);
	check("the last page within the file", touch(p + PG + 100, 0) == 0);
	check("reads zero past the end", p[PG + 100] == 0);
	check("takes a write past the end", touch(p + PG + 100, 1) == 0);
	check_ret("which the file does not grow by", (fstat(fd, &st), st.st_size), PG + 10);
	check("a page wholly past the end: SIGBUS", touch(p + 2 * PG, 0) == SIGBUS);
	check("BUS_ADRERR", bus_code == BUS_ADRERR);
	check("a write there too", touch(p + 2 * PG + 5, 1) == SIGBUS);
	check_ret("the file grows to 3 pages", ftruncate(fd, 3 * PG), 0);
	check("the page is there now", touch(p + 2 * PG + 5, 1) == 0);
	check("and in the file", file_says(fd, 2 * PG + 5, "w"));
	check_ret("the file shrinks to 2 pages", ftruncate(fd, 2 * PG), 0);
	check_ret("munmap", sys(SYS_munmap, (long)p, 3 * PG, 0, 0, 0, 0), 0);
	p = (char *)xmmap(0, PG, PROT_READ, MAP_SHARED, fd, 4 * PG);
	check("a mapping wholly past the end", (long)p > 0);
	check("SIGBUS at once", touch(p, 0) == SIGBUS);
	check("a PROT_NONE one", (p = (char *)xmmap(0, PG, PROT_NONE, MAP_SHARED, fd, 0)) != MAP_FAILED);
	check("SIGSEGV there", touch(p, 0) == SIGSEGV);
	{
		char *r = (char *)xmmap(0, PG, PROT_READ, MAP_SHARED, fd, 8 * PG);

		check("a read-only one past the end", (long)r > 0);
		check("a write there: SIGSEGV, not SIGBUS", touch(r, 1) == SIGSEGV);
		check("a read there: SIGBUS", touch(r, 0) == SIGBUS);
	}
	check_ret("mprotect it readable", sys(SYS_mprotect, (long)p, PG, PROT_READ, 0, 0, 0), 0);
	check("it is the file", touch(p, 0) == 0 && p[0] == 0);
	close(fd);
}

static void hostile(void)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600), n;
	long p;

	check_ret("ftruncate", ftruncate(fd, PG), 0);
	/* lstar's devices have no shared mapping (Linux would give shared
	 * anonymous memory for /dev/zero). */
	n = open("/dev/zero", O_RDWR);
	check_err("MAP_SHARED of /dev/zero", xmmap(0, PG, PROT_READ, MAP_SHARED, n, 0), ENODEV);
	close(n);
	check_err("offset ~0 & ~4095", xmmap(0, PG, PROT_READ, MAP_SHARED, fd, -PG), EOVERFLOW);
	check_err("offset + length past 2^63",
		  xmmap(0, 1L << 40, PROT_READ, MAP_SHARED, fd, 0x7fffff0000000000L), EOVERFLOW);
	check_err("length 2^62", xmmap(0, 1L << 62, PROT_READ, MAP_SHARED, fd, 0), ENOMEM);
	check_err("MAP_FIXED in the kernel half",
		  xmmap(0xffff888000000000L, PG, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0), ENOMEM);
	/* A mapping larger than the window, then mappings until they run
	 * out: ENOMEM, and the program goes on. */
	check_err("1 TiB of it", xmmap(0, 1L << 40, PROT_READ, MAP_SHARED, fd, 0), ENOMEM);
	for (n = 0; n < 5000; n++)
		if ((p = xmmap(0, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) < 0)
			break;
	check("mappings run out", n < 5000);
	check("with ENOMEM", errno == ENOMEM);
	p = xmmap(0, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check("anonymous memory still maps", p > 0);
	close(fd);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_sigaction = on_bus, .sa_flags = SA_SIGINFO };

	probe_init(argc, argv);
	/* touch() tells the signal a touch raised. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	if (argc < 2) {
		fprintf(stderr, "usage: shared_map DIR [hostile]\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/shared_map.data", argv[1]);
	if (argc > 2 && !strcmp(argv[argc - 1], "shrink")) {
		/* The file shrinks under a mapping: calls that use its
		 * pages fail with EFAULT, a touch is SIGBUS (this one dies
		 * of it, natively and under lstar). */
		int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		char *p;
		int r;

		r = ftruncate(fd, 2 * PG);
		p = (char *)xmmap(0, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		check("mmap", r == 0 && (long)p > 0);
		p[0] = 'x';
		check_ret("ftruncate to 0", ftruncate(fd, 0), 0);
		check_err("fstat into the lost page", sys(SYS_fstat, fd, (long)p, 0, 0, 0, 0), EFAULT);
		check_err("clock_gettime into it", sys(SYS_clock_gettime, CLOCK_REALTIME, (long)p, 0, 0, 0, 0),
			  EFAULT);
		check_err("write(2) from it", sys(SYS_write, fd, (long)p, 10, 0, 0, 0), EFAULT);
		r = open("/dev/zero", O_RDONLY);
		check_err("read(2) of /dev/zero into it", sys(SYS_read, r, (long)p, 10, 0, 0, 0), EFAULT);
		unlink(path);
		probe_summary("shared_map shrink");
		fflush(stdout);
		signal(SIGBUS, SIG_DFL);
		return p[PG] == 'x' ? 3 : 4;
	}
	if (argc > 2 && !strcmp(argv[argc - 1], "exec")) {
		/* A shared file mapping and a System V attachment, then
		 * execve: both go with the old program. */
		int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		long id = sys(SYS_shmget, 0, PG, 0600, 0, 0, 0);
		char idtext[32], *p, *q;
		char *const nargv[] = { argv[0], argv[1], idtext, "after", NULL };
		int r = ftruncate(fd, PG);

		p = (char *)xmmap(0, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		q = (char *)sys(SYS_shmat, id, 0, 0, 0, 0, 0);
		check("mapped and attached", r == 0 && (long)p > 0 && (long)q > 0 && id >= 0);
		strcpy(p, "before exec");
		snprintf(idtext, sizeof(idtext), "%ld", id);
		fflush(stdout);
		execv("/proc/self/exe", nargv);
		check("execv", 0);
		return probe_summary("shared_map exec");
	}
	if (argc > 3 && !strcmp(argv[argc - 1], "after")) {
		long id = strtol(argv[argc - 2], NULL, 0);
		int fd = open(path, O_RDONLY);
		struct shmid_ds ds;
		char *p;

		check("after execve: the file has the write", file_says(fd, 0, "before exec"));
		check_ret("the segment has no attachment",
			  sys(SYS_shmctl, id, IPC_STAT, (long)&ds, 0, 0, 0) == 0 ? (long)ds.shm_nattch : -1, 0);
		check_ret("IPC_RMID", sys(SYS_shmctl, id, IPC_RMID, 0, 0, 0, 0), 0);
		p = (char *)xmmap(0, PG, PROT_READ, MAP_SHARED, fd, 0);
		check("mapped again", (long)p > 0 && !strcmp(p, "before exec"));
		unlink(path);
		return probe_summary("shared_map exec");
	}
	if (argc > 2 && !strcmp(argv[argc - 1], "ro")) {
		/* DIR/shared_map.data exists, in a tree lstar grants --ro. */
		int fd = open(path, O_RDONLY);

		check_err("open it O_RDWR", open(path, O_RDWR), EROFS);
		check_err("PROT_WRITE MAP_SHARED of it",
			  xmmap(0, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), EACCES);
		check("PROT_READ MAP_SHARED of it", xmmap(0, PG, PROT_READ, MAP_SHARED, fd, 0) > 0);
		return probe_summary("shared_map ro");
	}
	if (argc > 2 && !strcmp(argv[argc - 1], "hostile")) {
		hostile();
		unlink(path);
		return probe_summary("shared_map hostile");
	}
	coherence();
	refusals(argv[1]);
	past_the_end();
	unlink(path);
	return probe_summary("shared_map");
}
