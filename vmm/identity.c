/* SPDX-License-Identifier: MIT */
/*
 * identity.c - who the program is told it is: the values of `lstar run
 * --uid`, `--gid` and `--hostname`, checked before anything runs.
 *
 * They are only what the program sees (getuid, the auxv, stat's owners,
 * uname): lstar's own host identity never changes for them, and uid 0
 * brings no privilege (docs/DECISIONS.md).  The VMM keeps the ids in
 * struct vmm_process and hands them, with the host name, to the shim in
 * the boot information.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vmm.h"

#define MAX_ID		4294967294u	/* (uid_t)-1 is no id: see below */
#define MAX_LABEL	63		/* RFC 1123: one label of a name */

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

int vmm_identity_check_hostname(const char *name, char *why, size_t len)
{
	size_t n = strlen(name), label = 0;

	if (n == 0 || n > LSTAR_HOSTNAME_MAX) {
		snprintf(why, len, "%zu bytes; a host name has 1 to %d bytes", n, LSTAR_HOSTNAME_MAX);
		return -EINVAL;
	}
	/* RFC 1123's names: dot-separated labels of letters, digits and
	 * '-', none empty, none longer than 63 bytes, none beginning or
	 * ending with '-'.  What a resolver or a shell prompt may meet. */
	for (size_t i = 0; i <= n; i++) {
		char c = name[i];

		if (c == '.' || c == '\0') {
			if (label == 0) {
				snprintf(why, len, "an empty label (a name is labels "
					 "joined by single dots)");
				return -EINVAL;
			}
			if (name[i - 1] == '-') {
				snprintf(why, len, "a label may not end with '-'");
				return -EINVAL;
			}
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-')) {
			if (c > ' ' && c < 0x7f)
				snprintf(why, len, "'%c' is not allowed: letters, digits, "
					 "'-' and '.' only (RFC 1123)", c);
			else
				snprintf(why, len, "byte 0x%02x is not allowed: letters, "
					 "digits, '-' and '.' only (RFC 1123)", (unsigned char)c);
			return -EINVAL;
		}
		if (label == 0 && c == '-') {
			snprintf(why, len, "a label may not begin with '-'");
			return -EINVAL;
		}
		if (++label > MAX_LABEL) {
			snprintf(why, len, "a label longer than %d bytes", MAX_LABEL);
			return -EINVAL;
		}
	}
	return 0;
}
