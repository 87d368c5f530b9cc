/* SPDX-License-Identifier: MIT */
/*
 * confine.c - the VMM boxes itself in before it runs any guest code.
 *
 * Once the VM is built, lstar needs very little of the host: KVM_RUN on
 * its vCPUs, the host calls that answer the program's (each row of
 * include/syscalls.def names its own), and memory and output for itself.
 * Everything else is refused by a seccomp filter that kills the whole
 * process, so that a VMM bug the guest manages to exploit is still boxed
 * in.  Capabilities are dropped
 * (lstar may run as root to reach /dev/kvm) and no exec can regain them.
 *
 * seccomp cannot see paths, so the file system gets its own fence:
 * a Landlock ruleset lets lstar itself open nothing but what lies beneath
 * the granted trees (read-only ones for reading), whatever path string a
 * confused VMM would pass.  Descriptors already open (/dev/kvm, the
 * standard streams) are not affected.
 *
 * The exec socket (--exec-socket, spawn.c) needs no rule of its own: it
 * is made before confinement, and accepting on it, reading a request
 * with its descriptors, checking the peer (SO_PEERCRED) and answering
 * are accept4, recvmsg, read, getsockopt, setsockopt and write, which
 * the program's own socket calls need already; its processes are forks.
 * Removing it at the end is left to a helper forked before confinement.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <linux/landlock.h>
#include <cap-ng.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sched.h>
#include <sys/socket.h>

#include "vmm.h"

#define ALLOW(call, ...) \
	seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(call), __VA_ARGS__)

/*
 * Sockets: the family is the fence.  AF_UNIX always (socketpair, and
 * named sockets beneath the trees, sys_net.c); AF_INET and AF_INET6 only
 * when the policy has a `net` rule, so that a VMM with no network to give
 * can make no network socket whatever goes wrong in it.  Every other
 * socket call acts on a socket made here.
 */
static bool has_net(const struct lstar_policy *p)
{
	return p && (p->nnets || p->dns);
}

static int allow_sockets(scmp_filter_ctx ctx, const struct lstar_policy *p)
{
	int err = ALLOW(socketpair, 1, SCMP_A0(SCMP_CMP_EQ, AF_UNIX));

	err |= ALLOW(socket, 1, SCMP_A0(SCMP_CMP_EQ, AF_UNIX));
	if (has_net(p)) {
		err |= ALLOW(socket, 1, SCMP_A0(SCMP_CMP_EQ, AF_INET));
		err |= ALLOW(socket, 1, SCMP_A0(SCMP_CMP_EQ, AF_INET6));
	}
	return err;
}

/* The host calls that answer the program's calls: include/syscalls.def's
 * HOST rows, each call once (a rule add costs microseconds, and the rows
 * name openat2 thirty times); socket and socketpair by family. */
static int allow_answers(scmp_filter_ctx ctx, const struct lstar_policy *p)
{
	static const int calls[] = {
#define HOST(name, hostcall)	SCMP_SYS(hostcall),
#include "syscalls.def"
	};
	bool added[LSTAR_POLICY_NR] = { false };
	int err = 0;

	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		if (calls[i] < 0 || calls[i] >= LSTAR_POLICY_NR)
			return -EINVAL;
		if (added[calls[i]])
			continue;
		added[calls[i]] = true;
		if (calls[i] != SCMP_SYS(socket) && calls[i] != SCMP_SYS(socketpair))
			err |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, calls[i], 0);
	}
	if (added[SCMP_SYS(socket)] || added[SCMP_SYS(socketpair)])
		err |= allow_sockets(ctx, p);
#define HOST_IOCTL(name, req)	err |= ALLOW(ioctl, 1, SCMP_A1(SCMP_CMP_EQ, req));
#include "syscalls.def"
	return err;
}

/* lstar fuzz (fuzz.c): the vCPU's state read and put back whole, KVM's
 * log of the pages the guest wrote, the input file opened anew onto its
 * descriptor (--input-file: afl-fuzz makes a new file each time), and
 * the sentinel's host process (fork, allowed for all) waited for. */
static int allow_fuzz(scmp_filter_ctx ctx, const struct vmm *vmm)
{
	static const unsigned long vcpu_ioctls[] = {
		KVM_GET_VCPU_EVENTS, KVM_SET_VCPU_EVENTS, KVM_SET_MSRS,
	};
	int err = 0;

	for (size_t i = 0; i < sizeof(vcpu_ioctls) / sizeof(vcpu_ioctls[0]); i++)
		err |= ALLOW(ioctl, 1, SCMP_A1(SCMP_CMP_EQ, vcpu_ioctls[i]));
	err |= ALLOW(ioctl, 2, SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)vmm->vm.fd),
		     SCMP_A1(SCMP_CMP_EQ, KVM_GET_DIRTY_LOG));
	err |= ALLOW(dup3, 0);
	err |= ALLOW(ppoll, 0);
	return err;
}

/* What lstar needs for itself once the program runs, and why. */
static int allow_own(scmp_filter_ctx ctx, const struct vmm *vmm)
{
	int err = 0;

	/* the vCPU loops run the guest (KVM_RUN); a signal frame's FPU
	 * state (fpu.c) is read and written through KVM, and signals
	 * interrupt the guest (signal.c).  The program's threads get vCPUs
	 * made now (thread.c), so these name no descriptor: a vCPU request
	 * on any other descriptor lstar holds is ENOTTY.  The register way
	 * (hcall.c) reads and writes ring 3's registers with KVM_GET_REGS
	 * and KVM_SET_REGS where KVM keeps no copy in kvm_run. */
	static const unsigned long vcpu_ioctls[] = {
		KVM_RUN, KVM_GET_XSAVE, KVM_SET_XSAVE, KVM_INTERRUPT,
		KVM_SET_CPUID2, KVM_GET_SREGS, KVM_SET_SREGS, KVM_SET_XCRS,
		KVM_SET_FPU, KVM_GET_REGS, KVM_SET_REGS, KVM_GET_MSRS,
		KVM_GET_DEVICE_ATTR, KVM_GET_TSC_KHZ,
	};

	for (size_t i = 0; i < sizeof(vcpu_ioctls) / sizeof(vcpu_ioctls[0]); i++)
		err |= ALLOW(ioctl, 1, SCMP_A1(SCMP_CMP_EQ, vcpu_ioctls[i]));
	err |= ALLOW(ioctl, 2, SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)vmm->vm.fd),
		     SCMP_A1(SCMP_CMP_EQ, KVM_CREATE_VCPU));
	err |= ALLOW(ioctl, 2, SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)vmm->vm.kvm_fd),
		     SCMP_A1(SCMP_CMP_EQ, KVM_GET_VCPU_MMAP_SIZE));
	/* a forked process's VMM makes a new VM (procs.c) over the copied
	 * memory, at the old one's descriptor number (dup2), and its vCPU
	 * counts the TSC from an offset the time page must learn (vdso.c;
	 * the vCPU requests above) */
	err |= ALLOW(ioctl, 2, SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)vmm->vm.kvm_fd),
		     SCMP_A1(SCMP_CMP_EQ, KVM_CREATE_VM));
	err |= ALLOW(ioctl, 2, SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)vmm->vm.kvm_fd),
		     SCMP_A1(SCMP_CMP_EQ, KVM_CHECK_EXTENSION));
	err |= ALLOW(ioctl, 2, SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)vmm->vm.fd),
		     SCMP_A1(SCMP_CMP_EQ, KVM_ENABLE_CAP));
	err |= ALLOW(ioctl, 2, SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)vmm->vm.fd),
		     SCMP_A1(SCMP_CMP_EQ, KVM_SET_USER_MEMORY_REGION));
	err |= ALLOW(ioctl, 2, SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)vmm->vm.fd),
		     SCMP_A1(SCMP_CMP_EQ, KVM_X86_SET_MSR_FILTER));
	err |= ALLOW(dup2, 1, SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)vmm->vm.fd));
	if (vmm->fuzz)
		err |= allow_fuzz(ctx, vmm);
	/* fork itself (glibc's: a new process with its exit signal, never
	 * sharing anything) and the parent reaping its VMMs (the rusage a
	 * process leaves for wait4 is getrusage's row in syscalls.def) */
	err |= ALLOW(clone, 1, SCMP_A0(SCMP_CMP_MASKED_EQ,
				       ~(scmp_datum_t)(CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID),
				       SIGCHLD));
	err |= ALLOW(wait4, 0);
	err |= ALLOW(getpid, 0);
	/* a host thread per vCPU (pthread_create: a thread, never a new
	 * process; glibc falls back from clone3, whose flags a filter cannot
	 * see), and the kick that interrupts one */
	err |= ALLOW(clone, 1, SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD | CLONE_VM,
				       CLONE_THREAD | CLONE_VM));
	err |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	/* glibc's first pthread_create installs its own two handlers
	 * (cancellation, setxid: 32 and 33) */
	err |= ALLOW(rt_sigaction, 1, SCMP_A0(SCMP_CMP_EQ, 32));
	err |= ALLOW(rt_sigaction, 1, SCMP_A0(SCMP_CMP_EQ, 33));
	err |= ALLOW(set_robust_list, 0);
	err |= ALLOW(rseq, 0);
	err |= ALLOW(gettid, 0);
	err |= ALLOW(tgkill, 1, SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid()));
	/* a forked VMM's pid is not known now: its kicks, SIGURG, which a
	 * thread that does not expect it ignores */
	err |= ALLOW(tgkill, 1, SCMP_A2(SCMP_CMP_EQ, (scmp_datum_t)vmm_signal_kick_signal()));
	/* lstar's reports and the trace */
	err |= ALLOW(write, 0);
	/* --learn's file, written in place at the end; the directories it
	 * grants are checked beneath their trees */
	err |= ALLOW(pwrite64, 0);
	err |= ALLOW(ftruncate, 0);
	err |= ALLOW(fdatasync, 0);
	err |= ALLOW(openat2, 0);
	/* the time page's anchors (vdso.c), when the host's vDSO cannot */
	err |= ALLOW(clock_gettime, 0);
	/* rezeroing freed guest pages (MADV_DONTNEED where the host holds
	 * none, which mincore tells), huge-page advice, and malloc's own */
	err |= ALLOW(madvise, 0);
	err |= ALLOW(mincore, 0);
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
	return err;
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

/* Landlock's network rules (Linux 6.7, ABI 4), which this system's
 * headers may predate: the ruleset attribute grew a field for them. */
#define LL_NET_BIND_TCP		(1ULL << 0)
#define LL_NET_CONNECT_TCP	(1ULL << 1)
#define LL_RULE_NET_PORT	2
struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
};
struct ll_net_port_attr {
	uint64_t allowed_access;
	uint64_t port;
};

/* Past this many ports, a rule's range is not spelled out to Landlock
 * port by port (`*:*` would be 65,536 rules): that right is then left to
 * the VMM's own checks alone, and to the seccomp filter. */
#define LL_MAX_PORTS	1024

static int ll_allow_port(int rs, uint64_t access, unsigned port)
{
	struct ll_net_port_attr rule = { .allowed_access = access, .port = port };

	return syscall(SYS_landlock_add_rule, rs, LL_RULE_NET_PORT, &rule, 0) < 0 ?
	       -errno : 0;
}

/* The TCP rights of the policy's `net` rules, as Landlock port rules: the
 * VMM itself can bind and connect only where the policy lets the
 * program (a fence for a VMM gone wrong: the addresses are checked in
 * sys_net.c).  Ephemeral ports (bind to port 0) when the policy has any
 * net rule; port 53 for `net dns`.  *handled loses a right whose ports
 * are too many to name.  0 or -errno. */
static int ll_net_rules(int rs, const struct lstar_policy *p, uint64_t handled)
{
	int err = 0;

	for (int i = 0; p && i < p->nnets && !err; i++) {
		const struct lstar_policy_net *n = &p->nets[i];
		uint64_t access = n->op == LSTAR_NET_LISTEN ? LL_NET_BIND_TCP :
							       LL_NET_CONNECT_TCP;

		if (!(n->protos & LSTAR_NET_TCP) || !(handled & access))
			continue;
		for (unsigned port = n->port_lo; port <= n->port_hi && !err; port++)
			err = ll_allow_port(rs, access, port);
	}
	if (!err && has_net(p) && (handled & LL_NET_BIND_TCP))
		err = ll_allow_port(rs, LL_NET_BIND_TCP, 0);
	if (!err && p && p->dns && (handled & LL_NET_CONNECT_TCP))
		err = ll_allow_port(rs, LL_NET_CONNECT_TCP, 53);
	return err;
}

/* The TCP rights Landlock can fence for policy p: both, less one whose
 * rules name more than LL_MAX_PORTS ports. */
static uint64_t ll_net_handled(const struct lstar_policy *p)
{
	unsigned ports[2] = { 0, 0 };	/* bind, connect */
	uint64_t handled = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;

	for (int i = 0; p && i < p->nnets; i++) {
		const struct lstar_policy_net *n = &p->nets[i];

		if (n->protos & LSTAR_NET_TCP)
			ports[n->op == LSTAR_NET_CONNECT] += n->port_hi - n->port_lo + 1u;
	}
	if (ports[0] > LL_MAX_PORTS)
		handled &= ~LL_NET_BIND_TCP;
	if (ports[1] > LL_MAX_PORTS)
		handled &= ~LL_NET_CONNECT_TCP;
	return handled;
}

/*
 * Landlock: everything this kernel's Landlock can handle is handled, so
 * denied unless a rule allows it; each tree allows reading beneath it,
 * and writing for --rw; TCP ports as the `net` rules grant them.  Without
 * Landlock (older kernels, or disabled) lstar goes on with fs.c's and
 * sys_net.c's checks alone (`lstar doctor` tells).  0 or -errno.
 */
static int landlock(const struct vmm *vmm)
{
	struct ll_ruleset_attr attr = { 0 };
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
	if (abi >= 4)
		attr.handled_access_net = ll_net_handled(vmm->proc.policy);
	rs = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (rs < 0)
		return -errno;
	if (attr.handled_access_net)
		err = ll_net_rules(rs, vmm->proc.policy, attr.handled_access_net);
	for (int i = 0; i < vmm->proc.ntrees && !err; i++) {
		const struct vmm_tree *t = &vmm->proc.trees[i];
		struct landlock_path_beneath_attr rule = {
			.allowed_access = LL_READ |
				(t->writable ? LL_WRITE | rw_extra : 0),
			.parent_fd = t->dirfd,
		};

		/* A file granted alone: reading it (and writing and
		 * truncating it for rw), nothing a directory has. */
		if (t->file)
			rule.allowed_access = LANDLOCK_ACCESS_FS_READ_FILE |
				(t->writable ? LANDLOCK_ACCESS_FS_WRITE_FILE |
				 (rw_extra & LANDLOCK_ACCESS_FS_TRUNCATE) : 0);

		if (syscall(SYS_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH,
			    &rule, 0) < 0)
			err = -errno;
	}
	if (!err && syscall(SYS_landlock_restrict_self, rs, 0) < 0)
		err = -errno;
	close(rs);
	return err;
}

int vmm_confine(const struct vmm *vmm)
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
	(void)vmm;
	(void)allow_answers;
	(void)allow_own;
	(void)landlock;
	(void)ctx;
	(void)err;
	return 0;
#else
	if ((err = landlock(vmm)))
		return err;
	ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (!ctx)
		return -ENOMEM;
	err = allow_answers(ctx, vmm->proc.policy) || allow_own(ctx, vmm) ? -EINVAL : 0;
	if (!err)
		err = seccomp_load(ctx);
	seccomp_release(ctx);
	return err;
#endif
}
