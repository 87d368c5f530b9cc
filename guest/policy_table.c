/* SPDX-License-Identifier: MIT */
/*
 * policy_table.c - tries to read or change the compiled policy table
 * from ring 3 (tests/test_policy_run.c): the table sits in the shim's
 * memory, reached only through the supervisor-only direct map.
 *
 *	policy_table none|read|write ADDR
 *
 * ADDR (hex) is the table's guest-virtual address, which the test
 * computes from the memory layout.  "none" touches nothing; "read" and
 * "write" must die with SIGSEGV before they print their second line.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)strtoull(argc > 2 ? argv[2] : "0",
									  NULL, 16);

	printf("mode %s\n", mode);
	fflush(stdout);
	if (!strcmp(mode, "read")) {
		uint64_t v = p[0];	/* the table's magic, were it readable */

		printf("read 0x%llx\n", (unsigned long long)v);
	} else if (!strcmp(mode, "write")) {
		p[0] = 0;		/* no magic: the shim would refuse it */
		p[1] = 0;
		printf("wrote\n");
	} else if (strcmp(mode, "none")) {
		return 2;
	}
	printf("alive\n");
	return 0;
}
