/* SPDX-License-Identifier: MIT */
/*
 * identity.c - who the program is told it is: the values of `lstar run
 * --uid` and `--gid`, checked before anything runs.
 *
 * They are only what the program sees (getuid, the auxv, stat's owners):
 * lstar's own host identity never changes for them, and uid 0 brings no
 * privilege (docs/DECISIONS.md).  The VMM keeps the ids in struct
 * vmm_process and hands them to the shim in the boot information.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vmm.h"

#define MAX_ID		4294967294u	/* (uid_t)-1 is no id: see below */

int vmm_identity_parse_id(const char *s, uint32_t *out, char *why, size_t len)
{
	uint64_t v;

	/* Decimal digits only: a size's K or M, or a sign, has no place in
	 * an id.  The size parser does the overflow-safe arithmetic. */
	if (!*s || s[strspn(s, "0123456789")] ||
	    lstar_policy_parse_size(s, strlen(s), &v) < 0 || v > UINT32_MAX) {
		snprintf(why, len, "expected a number from 0 to %u", MAX_ID);
		return -EINVAL;
	}
	/* 4294967295 is (uid_t)-1, which setresuid, chown and their kin
	 * read as "leave it unchanged": a program given it could not name
	 * itself to them. */
	if (v > MAX_ID) {
		snprintf(why, len, "%u is (uid_t)-1, which the kernel's calls read "
			 "as \"unchanged\", never an id; the most is %u", UINT32_MAX, MAX_ID);
		return -EINVAL;
	}
	*out = (uint32_t)v;
	return 0;
}
