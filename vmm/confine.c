/* SPDX-License-Identifier: MIT */
/*
 * confine.c - the VMM boxes itself in before it runs any guest code.
 *
 * Once the VM is built, lstar needs very little of the host: KVM_RUN on
 * its vCPU, the forwarded calls on descriptors it already holds, time,
 * randomness, and memory for itself.  Everything else is refused by a
 * seccomp filter that kills the whole process, so that a VMM bug the
 * guest manages to exploit is still boxed in.  Capabilities are dropped
 * (lstar may run as root to reach /dev/kvm) and no exec can regain them.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <cap-ng.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ioctl.h>

#include "vmm.h"

#define ALLOW(call, ...) \
	seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(call), __VA_ARGS__)

static int add_rules(scmp_filter_ctx ctx, int vcpu_fd)
{
	int err = 0;

	/* Each allowed call, and why lstar needs it after set-up: */
	/* the vCPU loop runs the guest: KVM_RUN on this vCPU, nothing else */
	err |= ALLOW(ioctl, 2, SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)vcpu_fd),
		     SCMP_A1(SCMP_CMP_EQ, KVM_RUN));
	/* forwarded ioctls: the two terminal queries of forward.c */
	err |= ALLOW(ioctl, 1, SCMP_A1(SCMP_CMP_EQ, TCGETS));
	err |= ALLOW(ioctl, 1, SCMP_A1(SCMP_CMP_EQ, TIOCGWINSZ));
	/* forwarded I/O and descriptor queries on the guest's streams */
	err |= ALLOW(read, 0);
	err |= ALLOW(write, 0);		/* also lstar's own reports */
	err |= ALLOW(readv, 0);
	err |= ALLOW(writev, 0);
	err |= ALLOW(lseek, 0);
	err |= ALLOW(fstat, 0);
	err |= ALLOW(newfstatat, 0);	/* glibc's fstat */
	err |= ALLOW(statx, 0);
	err |= ALLOW(fcntl, 0);
	/* the file system (fs.c): every open is openat2 beneath a granted
	 * tree's descriptor, every change an *at() call on a directory
	 * opened that way */
	err |= ALLOW(openat2, 0);
	err |= ALLOW(getdents64, 0);
	err |= ALLOW(readlinkat, 0);
	err |= ALLOW(faccessat2, 0);
	err |= ALLOW(mkdirat, 0);
	err |= ALLOW(unlinkat, 0);
	err |= ALLOW(renameat2, 0);
	err |= ALLOW(ftruncate, 0);
	err |= ALLOW(fsync, 0);
	err |= ALLOW(fdatasync, 0);
	err |= ALLOW(pread64, 0);
	err |= ALLOW(pwrite64, 0);
	err |= ALLOW(preadv, 0);
	err |= ALLOW(pwritev, 0);
	err |= ALLOW(pipe2, 0);
	err |= ALLOW(symlinkat, 0);
	err |= ALLOW(linkat, 0);
	/* chmod and utimensat go through /proc/self/fd/N of an O_PATH
	 * descriptor opened beneath a tree (fs.c) */
	err |= ALLOW(chmod, 0);
	err |= ALLOW(fchmod, 0);
	err |= ALLOW(utimensat, 0);
	err |= ALLOW(fstatfs, 0);
	err |= ALLOW(ioctl, 1, SCMP_A1(SCMP_CMP_EQ, FIONREAD));
	/* forwarded time and randomness */
	err |= ALLOW(clock_gettime, 0);
	err |= ALLOW(clock_getres, 0);
	err |= ALLOW(clock_nanosleep, 0);
	err |= ALLOW(nanosleep, 0);
	err |= ALLOW(gettimeofday, 0);
	err |= ALLOW(time, 0);
	err |= ALLOW(getrandom, 0);
	/* rezeroing freed guest pages (MADV_DONTNEED), and malloc's own */
	err |= ALLOW(madvise, 0);
	/* lstar's heap (iovec copies): never executable memory */
	err |= ALLOW(brk, 0);
	err |= ALLOW(mmap, 1, SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	err |= ALLOW(mprotect, 1, SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	err |= ALLOW(munmap, 0);
	/* tearing the VM down: closing its descriptors */
	err |= ALLOW(close, 0);
	/* the --timeout signal handler returns; a sleep stopped and
	 * continued (Ctrl-Z, fg) restarts */
	err |= ALLOW(rt_sigreturn, 0);
	err |= ALLOW(restart_syscall, 0);
	/* the end */
	err |= ALLOW(exit_group, 0);
	err |= ALLOW(exit, 0);
	return err ? -EINVAL : 0;
}

int vmm_confine(const struct vmm *vm)
{
	scmp_filter_ctx ctx;
	int err;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	if (capng_have_capabilities(CAPNG_SELECT_CAPS) != CAPNG_NONE) {
		capng_clear(CAPNG_SELECT_BOTH);
		/* The bounding set needs CAP_SETPCAP; the capability sets
		 * themselves can always be emptied. */
		if (capng_apply(CAPNG_SELECT_BOTH) < 0 &&
		    capng_apply(CAPNG_SELECT_CAPS) < 0)
			return -EPERM;
	}
#ifdef LSTAR_SANITIZE
	/* ASan and LSan need clone, ptrace and more at exit: a sanitizer
	 * build keeps the capability drop and skips the filter. */
	(void)vm;
	(void)add_rules;
	(void)ctx;
	(void)err;
	return 0;
#else
	ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (!ctx)
		return -ENOMEM;
	err = add_rules(ctx, vm->vcpu_fd);
	if (!err)
		err = seccomp_load(ctx);
	seccomp_release(ctx);
	return err;
#endif
}
