/* SPDX-License-Identifier: MIT */
/*
 * learn_probe.c - a program to learn a policy from (tests/test_trace.c).
 *
 *   learn_probe copy IN OUT    read the file IN, write it upper-cased to
 *                              the new file OUT, say so on stdout and
 *                              stderr; exit 0
 *   learn_probe uname IN OUT   the same, then uname(), a call `copy`
 *                              never makes: exit 2 if it fails
 *
 * A failure is printed with its errno name (never a number) and ends the
 * program with status 1.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "errname.h"

static int fail(const char *what, const char *path)
{
	printf("%s %s: %s\n", what, path, errname(errno));
	return 1;
}

int main(int argc, char **argv)
{
	char buf[4096];
	struct utsname u;
	ssize_t n;
	int in, out;

	if (argc != 4 || (strcmp(argv[1], "copy") && strcmp(argv[1], "uname"))) {
		fprintf(stderr, "usage: learn_probe copy|uname IN OUT\n");
		return 64;
	}
	if ((in = open(argv[2], O_RDONLY | O_CLOEXEC)) < 0)
		return fail("open", argv[2]);
	if ((n = read(in, buf, sizeof(buf))) < 0)
		return fail("read", argv[2]);
	close(in);
	for (ssize_t i = 0; i < n; i++)
		buf[i] = (char)toupper((unsigned char)buf[i]);
	if ((out = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
		return fail("create", argv[3]);
	if (write(out, buf, (size_t)n) != n)
		return fail("write", argv[3]);
	close(out);
	printf("copied %zd bytes\n", n);
	fflush(stdout);
	fprintf(stderr, "learn_probe: done\n");
	if (!strcmp(argv[1], "uname")) {
		if (uname(&u) < 0) {
			printf("uname: %s\n", errname(errno));
			return 2;
		}
		printf("uname: ok\n");
	}
	return 0;
}
