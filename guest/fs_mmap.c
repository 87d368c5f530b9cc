/* SPDX-License-Identifier: MIT */
/*
 * fs_mmap.c - private file mappings: the file's bytes appear, the rest of
 * the last page is zero, a private write stays private, an offset works,
 * a write-only or bad descriptor is refused; MAP_FIXED over pages that
 * hold something (the file's other pages, dirty anonymous memory, part
 * PROT_NONE) shows the new file's bytes and zeros past its end, nothing
 * of what was there.  Compared with a native run.
 *   fs_mmap shared   MAP_SHARED of the read-only descriptor: it maps and
 *                    shows the file; PROT_WRITE is EACCES
 *   fs_mmap fixed-failed  a MAP_FIXED file mapping of a descriptor that
 *                    is not open, over the program's own page: EBADF, and
 *                    under lstar the page is gone (Linux keeps it)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *err(void *p)
{
	return p != MAP_FAILED ? "mapped" : errno == EBADF ? "EBADF" :
	       errno == EACCES ? "EACCES" : errno == ENODEV ? "ENODEV" :
	       errno == EINVAL ? "EINVAL" : errno == EOVERFLOW ? "EOVERFLOW" : "other";
}

#define PG 4096

/* Page k of a mapping, by three bytes: its first, its 100th and its last. */
static void show(const char *what, const char *p, int pages)
{
	printf("%s:", what);
	for (int k = 0; k < pages; k++) {
		const char *q = p + k * PG;

		printf(" [%d %d %d]", q[0], q[100], q[PG - 1]);
	}
	printf("\n");
}

/* MAP_FIXED private file mappings over pages already mapped, as ld.so
 * lays a library's segments over its reservation of the whole file. */
static void fixed_over_mapped(void)
{
	int fd = open("pages.bin", O_RDWR | O_CREAT | O_TRUNC, 0644), zero;
	char page[PG], *r, *a;

	/* Three pages of 'a', 'b', 'c', then 100 bytes of 'd'. */
	for (int k = 0; k < 3; k++) {
		memset(page, 'a' + k, PG);
		write(fd, page, PG);
	}
	memset(page, 'd', 100);
	write(fd, page, 100);

	r = mmap(NULL, 4 * PG, PROT_READ, MAP_PRIVATE, fd, 0);
	show("reserved", r, 4);
	/* The file's pages 2 and 3 over its pages 1 and 2: the old bytes
	 * past the file's end ('c') must not show. */
	printf("fixed, exec: %s\n", err(mmap(r + PG, 2 * PG, PROT_READ | PROT_EXEC,
					     MAP_PRIVATE | MAP_FIXED, fd, 2 * PG)));
	show("after", r, 4);
	/* Writable over read-only, and a private write. */
	printf("fixed, writable: %s\n", err(mmap(r + 3 * PG, PG, PROT_READ | PROT_WRITE,
						 MAP_PRIVATE | MAP_FIXED, fd, 0)));
	r[3 * PG + 100] = 'W';
	pread(fd, page, 2, 0);
	show("written", r, 4);
	printf("file still: %c%c\n", page[0], page[1]);
	munmap(r, 4 * PG);

	/* Over dirty anonymous memory, one page of it PROT_NONE. */
	a = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(a, 'Z', 3 * PG);
	printf("over anonymous: %s\n", err(mmap(a, 2 * PG, PROT_READ, MAP_PRIVATE | MAP_FIXED,
						fd, 0)));
	show("anonymous", a, 3);
	mprotect(a + 2 * PG, PG, PROT_NONE);
	printf("over PROT_NONE: %s\n", err(mmap(a + PG, 2 * PG, PROT_READ,
						MAP_PRIVATE | MAP_FIXED, fd, PG)));
	show("none", a, 3);
	/* /dev/zero's private mapping over dirty pages: zeros. */
	zero = open("/dev/zero", O_RDONLY);
	mprotect(a, 3 * PG, PROT_READ | PROT_WRITE);
	memset(a, 'Y', 3 * PG);
	printf("/dev/zero over anonymous: %s\n",
	       err(zero < 0 ? MAP_FAILED : mmap(a, 2 * PG, PROT_READ, MAP_PRIVATE | MAP_FIXED,
						  zero, 0)));
	show("zero", a, 3);
	munmap(a, 3 * PG);
	close(zero);
	close(fd);
	unlink("pages.bin");
}

static sigjmp_buf touch_out;
static volatile int touch_code;

static void on_bus(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	touch_code = si->si_code;
	siglongjmp(touch_out, 1);
}

/* Read the byte at p (write it too if write): what happens, in words. */
static void touch(const char *what, volatile char *p, int write)
{
	struct sigaction sa = { .sa_sigaction = on_bus, .sa_flags = SA_SIGINFO };

	sigaction(SIGBUS, &sa, NULL);
	if (sigsetjmp(touch_out, 1))
		printf("%s: SIGBUS, %s\n", what, touch_code == BUS_ADRERR ? "BUS_ADRERR" : "?");
	else if (write)
		printf("%s: byte %d\n", what, (*p = 'w'));
	else
		printf("%s: byte %d\n", what, *p);
	signal(SIGBUS, SIG_DFL);	/* touch_out is gone with this frame */
}

/*
 * Pages wholly past the file's end, in a private mapping: SIGBUS to
 * touch, as on Linux, whatever the mapping's access becomes, in a forked
 * child too; the last page the file reaches reads zeros past its end.
 */
static void past_the_end(int fd)
{
	char *m = mmap(NULL, 3 * PG, PROT_READ, MAP_PRIVATE, fd, 0);
	char *w = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0), *a;
	pid_t pid;
	int ws;

	if (m == MAP_FAILED || w == MAP_FAILED)
		return;
	touch("3 pages of a small file, byte 0", m, 0);
	touch("  the end of its page", m + PG - 1, 0);
	touch("  the second page", m + PG, 0);
	touch("  the third page", m + 2 * PG + 7, 0);
	printf("  mprotect read-write: %d\n", mprotect(m, 3 * PG, PROT_READ | PROT_WRITE));
	touch("  the second page, written", m + PG, 1);
	touch("writable, byte 1, written", w + 1, 1);
	touch("  the second page, written", w + PG, 1);
	fflush(stdout);
	if ((pid = fork()) == 0) {
		touch("in a child: the third page", m + 2 * PG, 0);
		fflush(stdout);
		_exit(0);
	}
	waitpid(pid, &ws, 0);
	/* Made PROT_NONE, then opened: past the end it is SIGBUS all the
	 * same.  (What it holds within the file is not compared: lstar
	 * leaves a PROT_NONE file mapping empty, docs/DECISIONS.md.) */
	a = mmap(NULL, 2 * PG, PROT_NONE, MAP_PRIVATE, fd, 0);
	if (a == MAP_FAILED)
		return;
	printf("PROT_NONE, then read-write: %d\n", mprotect(a, 2 * PG, PROT_READ | PROT_WRITE));
	touch("  the second page", a + PG, 0);
	munmap(a, 2 * PG);
	/* Wholly past the end, grown by mremap: the new page too. */
	a = mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 4 * PG);
	if (a == MAP_FAILED)
		return;
	a = mremap(a, PG, 2 * PG, MREMAP_MAYMOVE);
	printf("past the end, grown by mremap: %s\n", err(a));
	if (a != MAP_FAILED) {
		touch("  the new page", a + PG, 0);
		munmap(a, 2 * PG);
	}
	/* The same over pages the program had (lstar keeps such pages and
	 * refills them: those past the end must go all the same). */
	a = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED)
		return;
	memset(a, 1, 2 * PG);
	printf("fixed over written pages: %s\n",
	       err(mmap(a, 2 * PG, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0)));
	touch("  byte 0", a, 0);
	touch("  the second page", a + PG, 0);
	munmap(a, 2 * PG);
	munmap(m, 3 * PG);
	munmap(w, 2 * PG);
}

int main(int argc, char **argv)
{
	int fd = open("hello.txt", O_RDONLY), wr;
	char *p, *q, *r, b;
	size_t size = (size_t)lseek(fd, 0, SEEK_END);

	if (argc > 1 && !strcmp(argv[1], "fixed-failed")) {
		int pfd[2];

		if (pipe(pfd))
			return 1;
		q = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		q[0] = 'Q';
		printf("fixed, bad descriptor: %s\n",
		       err(mmap(q, PG, PROT_READ, MAP_PRIVATE | MAP_FIXED, 99, 0)));
		printf("the old page: %s\n", write(pfd[1], q, 1) == 1 ? "mapped" :
		       errno == EFAULT ? "gone" : "?");
		printf("the next page: %s\n", write(pfd[1], q + PG, 1) == 1 ? "mapped" : "gone");
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "shared")) {
		p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
		printf("shared: %s", err(p));
		printf(p != MAP_FAILED ? ", %.*s" : "\n", (int)size, p);
		printf("shared writable: %s\n",
		       err(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)));
		return 0;
	}
	p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return 1;
	printf("contents: %.*s", (int)size, p);
	printf("zero after the end: %d\n", p[size] == 0 && p[4095] == 0);
	q = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	q[0] = 'X';
	pread(fd, &b, 1, 0);
	printf("private write: mapping %c, file %c\n", q[0], b);
	r = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 4096);
	printf("offset past the end: %s\n", err(r));
	if (r != MAP_FAILED)
		touch("  its first byte", r, 0);
	past_the_end(fd);
	printf("offset 2^62: %s\n",
	       err(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, (off_t)1 << 62)));
	printf("offset past the largest file: %s\n",
	       err(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, (off_t)-4096)));
	printf("unaligned offset: %s\n",
	       err(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 100)));
	printf("bad fd: %s\n", err(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 99, 0)));
	wr = open("hello.txt", O_WRONLY);
	if (wr >= 0)
		printf("write-only fd: %s\n",
		       err(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, wr, 0)));
	printf("munmap: %d\n", munmap(p, 4096));
	fixed_over_mapped();
	return 0;
}
