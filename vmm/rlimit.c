/* SPDX-License-Identifier: MIT */
/*
 * rlimit.c - the program's resource limits: getrlimit, setrlimit and
 * prlimit64 on its own process.
 *
 * Linux's defaults for a fresh login, except RLIMIT_NOFILE, which is the
 * descriptor table's length (`limit files`, at most LSTAR_MAX_FDS).  The
 * program may lower any limit and raise a soft one up to its hard one;
 * raising a hard one needs a privilege it does not have.  RLIMIT_NOFILE's
 * soft limit is obeyed by every call that makes a descriptor (fdtable.c);
 * the others are recorded and read back, not enforced: lstar's enforced
 * limits are --mem and --timeout (docs/DECISIONS.md).  `lstar run
 * --rlimit` sets where they start, soft and hard, under the same rules:
 * no nofile past the table.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>

#include "vmm.h"

#define RLIM_INF	(~0ULL)

/* struct rlimit64, as the three calls pass it. */
struct guest_rlimit {
	uint64_t cur;
	uint64_t max;
};

_Static_assert(VMM_RLIM_NLIMITS == RLIM_NLIMITS, "one limit per resource");

void vmm_rlimit_init(struct vmm_process *proc)
{
	static const struct vmm_rlimit defaults[RLIM_NLIMITS] = {
		[RLIMIT_CPU] = { RLIM_INF, RLIM_INF },
		[RLIMIT_FSIZE] = { RLIM_INF, RLIM_INF },
		[RLIMIT_DATA] = { RLIM_INF, RLIM_INF },
		[RLIMIT_STACK] = { 8 << 20, RLIM_INF },
		[RLIMIT_CORE] = { 0, RLIM_INF },
		[RLIMIT_RSS] = { RLIM_INF, RLIM_INF },
		[RLIMIT_NPROC] = { 1024, 1024 },
		[RLIMIT_MEMLOCK] = { 8 << 20, 8 << 20 },
		[RLIMIT_AS] = { RLIM_INF, RLIM_INF },
		[RLIMIT_LOCKS] = { RLIM_INF, RLIM_INF },
		[RLIMIT_SIGPENDING] = { 1024, 1024 },
		[RLIMIT_MSGQUEUE] = { 819200, 819200 },
		[RLIMIT_NICE] = { 0, 0 },
		[RLIMIT_RTPRIO] = { 0, 0 },
		[RLIMIT_RTTIME] = { RLIM_INF, RLIM_INF },
	};

	for (int i = 0; i < RLIM_NLIMITS; i++)
		proc->rlimits[i] = defaults[i];
	proc->rlimits[RLIMIT_NOFILE] = (struct vmm_rlimit){ proc->max_fds, proc->max_fds };
}

/* The resources as prlimit(1) names them: each RLIMIT_ name's tail, in
 * lower case. */
static const char *const names[RLIM_NLIMITS] = {
	[RLIMIT_CPU] = "cpu", [RLIMIT_FSIZE] = "fsize", [RLIMIT_DATA] = "data",
	[RLIMIT_STACK] = "stack", [RLIMIT_CORE] = "core", [RLIMIT_RSS] = "rss",
	[RLIMIT_NPROC] = "nproc", [RLIMIT_NOFILE] = "nofile",
	[RLIMIT_MEMLOCK] = "memlock", [RLIMIT_AS] = "as", [RLIMIT_LOCKS] = "locks",
	[RLIMIT_SIGPENDING] = "sigpending", [RLIMIT_MSGQUEUE] = "msgqueue",
	[RLIMIT_NICE] = "nice", [RLIMIT_RTPRIO] = "rtprio", [RLIMIT_RTTIME] = "rttime",
};

/* NAME or RLIMIT_NAME, in any case (len bytes): the resource, or -1. */
static int resource_named(const char *s, size_t len)
{
	if (len > 7 && !strncasecmp(s, "rlimit_", 7)) {
		s += 7;
		len -= 7;
	}
	for (int r = 0; r < RLIM_NLIMITS; r++)
		if (strlen(names[r]) == len && !strncasecmp(s, names[r], len))
			return r;
	return -1;
}

/* A limit's value: "unlimited" (prlimit(1)'s word for RLIM_INFINITY)
 * or a size, such as 1024 or 8M. */
static int parse_value(const char *s, size_t len, uint64_t *out)
{
	if (len == 9 && !strncmp(s, "unlimited", 9)) {
		*out = RLIM_INF;
		return 0;
	}
	return lstar_policy_parse_size(s, len, out) < 0 ? -EINVAL : 0;
}

int vmm_rlimit_parse(const char *arg, struct vmm_options *opt, char *why, size_t len)
{
	const char *eq = strchr(arg, '='), *val, *colon;
	struct vmm_rlimit l;
	int r;

	if (!eq || eq == arg) {
		snprintf(why, len, "expected NAME=SOFT[:HARD], such as nofile=256 or "
			 "core=0:unlimited");
		return -EINVAL;
	}
	if ((r = resource_named(arg, (size_t)(eq - arg))) < 0) {
		char list[160] = "";

		for (int i = 0; i < RLIM_NLIMITS; i++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
				 i ? ", " : "", names[i]);
		snprintf(why, len, "no resource '%.*s' (%s, or their RLIMIT_ names)",
			 (int)(eq - arg), arg, list);
		return -EINVAL;
	}
	val = eq + 1;
	colon = strchr(val, ':');
	if (parse_value(val, colon ? (size_t)(colon - val) : strlen(val), &l.cur) ||
	    (colon && parse_value(colon + 1, strlen(colon + 1), &l.max))) {
		snprintf(why, len, "expected a number, such as 1024 or 8M, or unlimited "
			 "for each of SOFT and HARD");
		return -EINVAL;
	}
	if (!colon)
		l.max = l.cur;
	if (l.cur > l.max) {
		snprintf(why, len, "the soft limit is above the hard one");
		return -EINVAL;
	}
	opt->rlimits[r] = l;
	opt->rlimits_set |= 1u << r;
	return 0;
}

int vmm_rlimit_start(struct vmm_process *proc, const struct vmm_options *opt)
{
	const struct vmm_rlimit *nofile = &opt->rlimits[RLIMIT_NOFILE];

	/* The descriptor table is as long as it is: a hard nofile past it
	 * would promise descriptors lstar cannot give (and a soft one, which
	 * lies below, is what the table obeys). */
	if ((opt->rlimits_set & (1u << RLIMIT_NOFILE)) && nofile->max > (uint64_t)proc->max_fds) {
		char asked[24] = "unlimited";

		if (nofile->max != RLIM_INF)
			snprintf(asked, sizeof(asked), "%llu", (unsigned long long)nofile->max);
		vmm_err("--rlimit nofile: a hard limit of %s, more than the %d descriptors lstar "
			"gives the program (at most %d, or the policy's `limit files`)", asked,
			proc->max_fds, LSTAR_MAX_FDS);
		return -EINVAL;
	}
	for (int r = 0; r < RLIM_NLIMITS; r++)
		if (opt->rlimits_set & (1u << r))
			proc->rlimits[r] = opt->rlimits[r];
	return 0;
}

/* Read (old) and set (new) one resource; either guest pointer may be 0. */
static int64_t do_prlimit(struct vmm_vcpu *cpu, uint64_t resource, uint64_t new_gva,
			  uint64_t old_gva)
{
	struct guest_rlimit new, old;
	struct vmm_rlimit *l;
	int err;

	if (resource >= RLIM_NLIMITS)
		return -EINVAL;
	l = &cpu->proc->rlimits[resource];
	if (new_gva) {
		/* Copied once: every check and the store read the copy. */
		if ((err = vmm_mem_copy_from_user(cpu->mem, &new, new_gva, sizeof(new))))
			return err;
		if (new.cur > new.max)
			return -EINVAL;
		if (new.max > l->max)
			return -EPERM;		/* no privilege to raise it */
	}
	if (old_gva) {
		old = (struct guest_rlimit){ l->cur, l->max };
		if ((err = vmm_mem_copy_to_user(cpu->mem, old_gva, &old, sizeof(old))))
			return err;
	}
	if (new_gva)
		*l = (struct vmm_rlimit){ new.cur, new.max };
	return 0;
}

/* The calls' arguments are as the kernel reads them (vmm_forward): the
 * pid and the resource are 32-bit. */
int64_t vmm_sys_prlimit64(struct vmm_vcpu *cpu, const uint64_t *a)
{
	if (a[0] != 0 && (int)a[0] != LSTAR_GUEST_PID)
		return -ESRCH;
	return do_prlimit(cpu, a[1], a[2], a[3]);
}

int64_t vmm_sys_getrlimit(struct vmm_vcpu *cpu, const uint64_t *a)
{
	return do_prlimit(cpu, a[0], 0, a[1]);
}

int64_t vmm_sys_setrlimit(struct vmm_vcpu *cpu, const uint64_t *a)
{
	return do_prlimit(cpu, a[0], a[1], 0);
}
