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
 *
 * seccomp cannot see paths, so the file system gets its own fence:
 * a Landlock ruleset lets lstar itself open nothing but what lies beneath
 * the granted trees (read-only ones for reading), whatever path string a
 * confused VMM would pass.  Descriptors already open (/dev/kvm, the
 * standard streams) are not affected.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <linux/landlock.h>
#include <cap-ng.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
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
	err |= ALLOW(sendfile, 0);
	err |= ALLOW(copy_file_range, 0);
	err |= ALLOW(pipe2, 0);
	err |= ALLOW(symlinkat, 0);
	err |= ALLOW(linkat, 0);
	/* chmod and utimensat go through /proc/self/fd/N of an O_PATH
	 * descriptor opened beneath a tree (fs.c) */
	err |= ALLOW(chmod, 0);
	err |= ALLOW(fchmod, 0);
	err |= ALLOW(utimensat, 0);
	err |= ALLOW(fstatfs, 0);
	/* the guest's umask is the VMM's own (it creates the files) */
	err |= ALLOW(umask, 0);
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

#ifndef LANDLOCK_ACCESS_FS_TRUNCATE	/* Linux 6.2, Landlock ABI 3 */
#define LANDLOCK_ACCESS_FS_TRUNCATE	(1ULL << 14)
#endif

#define LL_READ		(LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define LL_WRITE	(LANDLOCK_ACCESS_FS_WRITE_FILE | \
			 LANDLOCK_ACCESS_FS_REMOVE_DIR | \
			 LANDLOCK_ACCESS_FS_REMOVE_FILE | \
			 LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG | \
			 LANDLOCK_ACCESS_FS_MAKE_SYM | LANDLOCK_ACCESS_FS_MAKE_FIFO | \
			 LANDLOCK_ACCESS_FS_MAKE_SOCK)
#define LL_NEVER	(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_MAKE_CHAR | \
			 LANDLOCK_ACCESS_FS_MAKE_BLOCK)

/*
 * Landlock: everything this kernel's Landlock can handle is handled, so
 * denied unless a rule allows it; each tree allows reading beneath it,
 * and writing for --rw.  Without Landlock (older kernels, or disabled)
 * lstar goes on with fs.c's checks alone (`lstar doctor` tells).  0 or
 * -errno.
 */
static int landlock(const struct vmm *vm)
{
	struct landlock_ruleset_attr attr = { 0 };
	uint64_t rw_extra = 0;
	int abi, rs, err = 0;

	abi = (int)syscall(SYS_landlock_create_ruleset, NULL, 0,
			   LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 1)
		return 0;
	attr.handled_access_fs = LL_READ | LL_WRITE | LL_NEVER;
	if (abi >= 2)	/* renames and links across directories */
		rw_extra |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		rw_extra |= LANDLOCK_ACCESS_FS_TRUNCATE;
	attr.handled_access_fs |= rw_extra;
	rs = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (rs < 0)
		return -errno;
	for (int i = 0; i < vm->ntrees && !err; i++) {
		struct landlock_path_beneath_attr rule = {
			.allowed_access = LL_READ |
				(vm->trees[i].writable ? LL_WRITE | rw_extra : 0),
			.parent_fd = vm->trees[i].dirfd,
		};

		if (syscall(SYS_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH,
			    &rule, 0) < 0)
			err = -errno;
	}
	if (!err && syscall(SYS_landlock_restrict_self, rs, 0) < 0)
		err = -errno;
	close(rs);
	return err;
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
	/* ASan and LSan need clone, ptrace and /proc at exit: a sanitizer
	 * build keeps the capability drop and skips Landlock and the filter. */
	(void)vm;
	(void)add_rules;
	(void)landlock;
	(void)ctx;
	(void)err;
	return 0;
#else
	if ((err = landlock(vm)))
		return err;
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
