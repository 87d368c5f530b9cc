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
 *
 * And --host-user UID:GID, who the VMM is on the host: when lstar runs
 * as root (lstar-oci under a container engine), the host judges the
 * program's file accesses as the VMM's, so a VMM still root would give a
 * container's uid 1000 root's rights on its binds.  The VMM becomes that
 * user once what only root may do is done (DECISIONS.md, "The host user").
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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

int vmm_identity_parse_host_user(const char *s, struct vmm_options *opt, char *why, size_t len)
{
	const char *colon = strchr(s, ':');
	char uid[16];

	if (!colon || (size_t)(colon - s) >= sizeof(uid)) {
		snprintf(why, len, "expected UID:GID, two numbers from 0 to %u", MAX_ID);
		return -EINVAL;
	}
	memcpy(uid, s, (size_t)(colon - s));
	uid[colon - s] = '\0';
	if (vmm_identity_parse_id(uid, &opt->host_uid, why, len) ||
	    vmm_identity_parse_id(colon + 1, &opt->host_gid, why, len))
		return -EINVAL;
	opt->host_user_set = true;
	return 0;
}

int vmm_identity_check_host_user(const struct vmm_options *opt, char *why, size_t len)
{
	uid_t r, e, s;
	gid_t rg, eg, sg;

	if (!opt->host_user_set || geteuid() == 0)
		return 0;
	/* Not root: no other identity can be taken, and one that is lstar's
	 * already needs no change (setgroups would need CAP_SETGID). */
	if (getresuid(&r, &e, &s) == 0 && getresgid(&rg, &eg, &sg) == 0 &&
	    r == opt->host_uid && e == r && s == r &&
	    rg == opt->host_gid && eg == rg && sg == rg)
		return 0;
	snprintf(why, len, "lstar runs as uid %u gid %u, not root: it can be no other user",
		 (unsigned)geteuid(), (unsigned)getegid());
	return -EPERM;
}

int vmm_identity_become_host_user(const struct vmm_options *opt)
{
	gid_t g = opt->host_gid;
	uid_t u = opt->host_uid;
	uid_t r, e, s;

	if (!opt->host_user_set || geteuid() != 0)
		return 0;	/* not root: checked to be that user already */
	/* Groups and gid first: once the uid is not 0, neither can change.
	 * No supplementary group: root's would still open root's group's
	 * files.  Changing all three uids from 0 clears every capability
	 * (no SECBIT_KEEP_CAPS), and leaves the VMM not dumpable: a host
	 * process of that user cannot ptrace it (it holds /dev/kvm). */
	if (setgroups(0, NULL) < 0 || setresgid(g, g, g) < 0 || setresuid(u, u, u) < 0) {
		int err = -errno;

		vmm_err("--host-user %u:%u: %s", (unsigned)u, (unsigned)g, strerror(errno));
		return err;
	}
	/* A half-done change must never go unnoticed. */
	if (getresuid(&r, &e, &s) < 0 || r != u || e != u || s != u || getegid() != g) {
		vmm_err("--host-user %u:%u: the identity did not change", (unsigned)u, (unsigned)g);
		return -EPERM;
	}
	return 0;
}
