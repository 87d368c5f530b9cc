/* SPDX-License-Identifier: MIT */
/*
 * policy_vectors.c - the shim's policy evaluator, table-driven
 * (tests/test_policy_run.c).
 *
 *	policy_vectors VECTOR...
 *
 * A VECTOR is seven hexadecimal numbers joined by commas: the value of
 * rax (the syscall number, all 64 bits as given) and the six argument
 * registers.  Each is made with the raw `syscall` instruction and its
 * result, the raw rax that came back, is printed as 16 hex digits, one
 * line per vector in order, all in one write at the end.  The test
 * aims them at a call the shim answers itself (getpid: 2 whatever its
 * arguments) under a policy whose every rule fails it with a distinct
 * errno, so each result names the rule that decided.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "rawsys.h"

static char out[1 << 20];

int main(int argc, char **argv)
{
	static const char hex[] = "0123456789abcdef";
	size_t len = 0;

	for (int i = 1; i < argc; i++) {
		uint64_t v[7] = { 0 };
		char *p = argv[i];
		uint64_t r;

		for (int k = 0; k < 7 && *p; k++) {
			v[k] = strtoull(p, &p, 16);
			if (*p == ',')
				p++;
		}
		r = (uint64_t)sys6((long)v[0], (long)v[1], (long)v[2], (long)v[3],
				   (long)v[4], (long)v[5], (long)v[6]);
		if (len + 17 > sizeof(out))
			break;
		for (int s = 60; s >= 0; s -= 4)
			out[len++] = hex[(r >> s) & 15];
		out[len++] = '\n';
	}
	for (size_t off = 0; off < len;) {
		long n = sys6(SYS_write, 1, (long)(out + off), (long)(len - off), 0, 0, 0);

		if (n <= 0)
			return 1;
		off += (size_t)n;
	}
	return 0;
}
