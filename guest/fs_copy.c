/* SPDX-License-Identifier: MIT */
/*
 * fs_copy.c - the calls that move file data without the program touching
 * it, and the positioned vector calls: sendfile, copy_file_range,
 * preadv, pwritev, each with its offsets, run in a writable tree and
 * compared with a native run (tests/test_fs.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/uio.h>
#include <unistd.h>

int main(void)
{
	int in = open("hello.txt", O_RDONLY);
	int out = open("copy.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	off_t off = 7;
	loff_t off_in = 0, off_out = 40;
	char a[5], b[8], buf[128];
	struct iovec v[2] = { { a, sizeof(a) }, { b, sizeof(b) } };
	ssize_t r;

	if (in < 0 || out < 0)
		return 1;
	r = sendfile(out, in, &off, 12);
	printf("sendfile: %zd, offset now %ld\n", r, (long)off);
	r = sendfile(out, in, NULL, 5);	/* from the file's own offset: 0 */
	printf("sendfile (file offset): %zd, lseek %ld\n", r, (long)lseek(in, 0, SEEK_CUR));
	r = copy_file_range(in, &off_in, out, &off_out, 20, 0);
	printf("copy_file_range: %zd, offsets %ld %ld\n", r, (long)off_in, (long)off_out);
	r = copy_file_range(in, NULL, out, NULL, 4, 1);
	printf("copy_file_range flags 1: %s\n", r < 0 && errno == EINVAL ? "EINVAL" : "?");
	r = preadv(in, v, 2, 3);
	printf("preadv: %zd \"%.5s\" \"%.8s\", lseek %ld\n", r, a, b,
	       (long)lseek(in, 0, SEEK_CUR));
	r = pwritev(out, v, 2, 100);
	printf("pwritev: %zd\n", r);
	r = preadv(in, v, 2, -1);
	printf("preadv at -1: %s\n", r < 0 && errno == EINVAL ? "EINVAL" : "?");
	r = sendfile(out, 99, NULL, 1);
	printf("sendfile from 99: %s\n", r < 0 && errno == EBADF ? "EBADF" : "?");
	close(out);
	out = open("copy.txt", O_RDONLY);
	r = read(out, buf, sizeof(buf));
	printf("copy.txt has %zd bytes\n", r);
	for (ssize_t i = 0; i < r; i++)
		putchar(buf[i] ? buf[i] : '.');
	putchar('\n');
	return 0;
}
