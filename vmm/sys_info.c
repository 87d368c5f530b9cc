/* SPDX-License-Identifier: MIT */
/*
 * sys_info.c - sysinfo: the sandbox's machine as the program sees it.
 *
 * The program's memory is what --mem (or `limit memory`) gives it, and
 * what it has not mapped of that is free; it has no swap, no shared or
 * buffer memory and no high memory.  The uptime is the host's
 * CLOCK_BOOTTIME, which the program's own clock_gettime shows too.  The
 * load averages are zero: the host's load is no part of the sandbox's
 * view.  procs counts the sandbox's processes (Linux counts the
 * machine's threads).
 */
#include <errno.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <time.h>

#include "vmm.h"

int64_t vmm_sys_sysinfo(struct vmm_vcpu *cpu, const uint64_t *a)
{
	struct vmm *vmm = cpu->vmm;
	uint64_t total = vmm->opt->mem, used = vmm_mem_user_bytes(cpu->mem);
	struct sysinfo si;
	struct timespec up;

	memset(&si, 0, sizeof(si));	/* padding included: it goes out */
	if (clock_gettime(CLOCK_BOOTTIME, &up) == 0)
		si.uptime = up.tv_sec;
	si.totalram = total;
	si.freeram = used < total ? total - used : 0;
	si.procs = 1;
	if (vmm->procs) {
		vmm_procs_lock(vmm->procs);
		si.procs = (unsigned short)vmm->procs->alive;
		vmm_procs_unlock(vmm->procs);
	}
	si.mem_unit = 1;
	return vmm_mem_copy_to_user(cpu->mem, a[0], &si, sizeof(si));
}
