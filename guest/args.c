/* SPDX-License-Identifier: MIT */
/*
 * args.c - prints what the program was started with: argc, argv, the
 * environment, a few auxv facts that must hold under lstar as natively,
 * then exits with the status named by its first argument (default 0).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>

extern char **environ;

int main(int argc, char **argv)
{
	unsigned long sp = (unsigned long)__builtin_frame_address(0);
	const unsigned char *rnd = (const unsigned char *)getauxval(AT_RANDOM);
	const char *platform = (const char *)getauxval(AT_PLATFORM);

	printf("argc=%d\n", argc);
	for (int i = 1; i < argc; i++)
		printf("argv[%d]=%s\n", i, argv[i]);
	for (char **e = environ; *e; e++)
		printf("env %s\n", *e);
	printf("pagesz=%lu\n", getauxval(AT_PAGESZ));
	printf("clktck=%lu\n", getauxval(AT_CLKTCK));
	printf("secure=%lu\n", getauxval(AT_SECURE));
	printf("platform=%s\n", platform ? platform : "(none)");
	printf("random=%s\n", rnd ? "present" : "absent");
	printf("execfn_is_argv0=%d\n",
	       strcmp((const char *)getauxval(AT_EXECFN), argv[0]) == 0);
	printf("entry_set=%d\n", getauxval(AT_ENTRY) != 0);
	printf("phdr_set=%d\n", getauxval(AT_PHDR) != 0);
	/* A dynamic program's interpreter is at AT_BASE; a static one has
	 * none (0).  The vDSO is there either way. */
	printf("base_set=%d\n", getauxval(AT_BASE) != 0);
	printf("vdso_set=%d\n", getauxval(AT_SYSINFO_EHDR) != 0);
	printf("stack_aligned=%d\n", (sp & 7) == 0);
	fflush(stdout);
	fprintf(stderr, "to stderr\n");
	return argc > 1 ? atoi(argv[1]) : 0;
}
