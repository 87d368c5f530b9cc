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
 * limits are --mem and --timeout (docs/DECISIONS.md).
 */
#include <errno.h>
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
