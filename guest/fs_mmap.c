/* SPDX-License-Identifier: MIT */
/*
 * fs_mmap.c - private file mappings: the file's bytes appear, the rest of
 * the last page is zero, a private write stays private, an offset works,
 * a write-only or bad descriptor is refused.  Compared with a native run.
 *   fs_mmap shared   MAP_SHARED of the read-only descriptor: it maps and
 *                    shows the file; PROT_WRITE is EACCES
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static const char *err(void *p)
{
	return p != MAP_FAILED ? "mapped" : errno == EBADF ? "EBADF" :
	       errno == EACCES ? "EACCES" : errno == ENODEV ? "ENODEV" :
	       errno == EINVAL ? "EINVAL" : errno == EOVERFLOW ? "EOVERFLOW" : "other";
}

int main(int argc, char **argv)
{
	int fd = open("hello.txt", O_RDONLY), wr;
	char *p, *q, *r, b;
	size_t size = (size_t)lseek(fd, 0, SEEK_END);

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
	printf("offset past the end: %s, first byte %d\n", err(r),
	       r == MAP_FAILED ? -1 : 0);	/* (touching it is SIGBUS natively) */
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
	return 0;
}
