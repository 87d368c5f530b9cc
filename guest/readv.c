/* SPDX-License-Identifier: MIT */
/*
 * readv.c - one readv(0, {4 bytes, 100 bytes}) and how much it got.
 * From a pipe that holds 4 bytes now and more later, Linux returns the 4
 * at once; a readv that waited to fill the second piece would get more.
 */
#include <stdio.h>
#include <sys/uio.h>

int main(void)
{
	char a[4], b[100];
	struct iovec v[2] = { { a, sizeof(a) }, { b, sizeof(b) } };

	printf("got %zd\n", readv(0, v, 2));
	return 0;
}
