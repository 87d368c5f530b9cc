/* SPDX-License-Identifier: MIT */
/*
 * hello.c - the first program to run under lstar:
 *
 *   make && build/lstar run -- build/examples/hello world
 *
 * It prints its arguments and what it can see of its world: the identity
 * lstar gives it, the kernel it thinks it runs on, and the time.
 */
#include <stdio.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct utsname u;
	struct timespec ts;

	printf("hello%s", argc > 1 ? "," : "\n");
	for (int i = 1; i < argc; i++)
		printf(" %s%s", argv[i], i + 1 < argc ? "" : "\n");
	uname(&u);
	clock_gettime(CLOCK_REALTIME, &ts);
	printf("I am pid %d, uid %d, on %s %s (%s), at %lld s since 1970\n",
	       (int)getpid(), (int)getuid(), u.sysname, u.release, u.nodename,
	       (long long)ts.tv_sec);
	return 0;
}
