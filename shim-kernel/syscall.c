/* SPDX-License-Identifier: MIT */
/*
 * syscall.c - do_syscall_64(), the syscall table, the calls the shim
 * answers itself, and the exit checks that choose SYSRET or IRET.
 *
 * Three kinds of entries in sys_call_table:
 *   sys_<name>      answered here, without leaving the guest
 *   sys_forward     handed to the VMM, which checks it again on its own
 *                   copy of the arguments and runs it on the host
 *   sys_ni_syscall  everything else: -ENOSYS, and a line with -v
 */
#include <asm/prctl.h>
#include <asm-generic/resource.h>
#include <asm-generic/signal.h>
#include <linux/utsname.h>
#include "policy.h"
#include "shim.h"
#include "sysret.h"

#define NR_syscalls 512
_Static_assert(__NR_faccessat2 < NR_syscalls, "table covers the x86-64 calls");

typedef long (*sys_call_ptr_t)(struct pt_regs *regs);

/* The compiled policy (policy/policy.h). */
static const struct lstar_policy_table *policy;

void policy_init(void)
{
	const struct lstar_policy_table *t =
		(const void *)(SHIM_DIRECT_MAP + boot_info.policy);

	/*
	 * The VMM compiled the table and validated it before boot; it lies
	 * below pool_next, where the page pool never hands pages out.  Only
	 * its place and header are checked again here: a full walk costs
	 * milliseconds of emulated instructions on PVM, and would guard
	 * against nothing but a VMM bug (the VMM decides forwarded calls on
	 * its own copy anyway).
	 */
	if (boot_info.policy < boot_info.pool_start ||
	    boot_info.policy > boot_info.pool_next ||
	    boot_info.policy_size > boot_info.pool_next - boot_info.policy ||
	    boot_info.policy_size < sizeof(*t) ||
	    t->magic != LSTAR_POLICY_MAGIC || t->size != boot_info.policy_size)
		hc_exit(LSTAR_EXIT_PANIC, 0, NULL, 0, 0);
	policy = t;
}

/*
 * Tell the VMM about a call the shim answered itself, for the trace, -v
 * or a `log` rule.  The block is the VMM's to print; nothing in it comes
 * back.
 */
static void trace_call(unsigned long nr, const uint64_t args[6],
		       struct lstar_verdict v, uint8_t kind, long ret)
{
	struct lstar_hc_trace *t = &hc_block()->trace;

	/* What the policy decided on: the number as dispatched, and the
	 * arguments as they were before the handler ran. */
	t->nr = nr;
	memcpy(t->args, args, sizeof(t->args));
	t->ret = ret;
	t->src = v.src;
	t->action = v.action;
	t->kind = kind;
	hcall(LSTAR_HC_TRACE);
}

long sys_ni_syscall(struct pt_regs *regs)
{
	(void)regs;
	return -ENOSYS;
}

/* Signal state: recorded for the day delivery exists (a later issue). */
struct k_sigaction {
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	uint64_t mask;
};

#define NSIG_MAX 64
#define SIGMASK_UNBLOCKABLE ((1ULL << (SIGKILL - 1)) | (1ULL << (SIGSTOP - 1)))

/* The sa_flags x86-64 Linux keeps (UAPI_SA_FLAGS). */
#define SA_KNOWN_FLAGS (SA_NOCLDSTOP | SA_NOCLDWAIT | SA_SIGINFO | \
			SA_ONSTACK | SA_RESTART | SA_NODEFER | SA_RESETHAND | \
			0x04000000 /* SA_RESTORER */)

static struct k_sigaction sigactions[NSIG_MAX];
static uint64_t sigblocked;

/* Hand the call to the VMM.  The VMM copies the block before it reads it
 * and decides again whether the call is allowed. */
static long sys_forward(struct pt_regs *regs)
{
	struct lstar_hc_sys *s = &hc_block()->sys;

	s->nr = (uint32_t)regs->orig_ax;	/* what do_syscall_64 dispatched on */
	s->args[0] = regs->di;
	s->args[1] = regs->si;
	s->args[2] = regs->dx;
	s->args[3] = regs->r10;
	s->args[4] = regs->r8;
	s->args[5] = regs->r9;
	hcall(LSTAR_HC_SYSCALL);
	shim_saw_vmm_call();
	return s->ret;
}

/*
 * write and writev: a write to a pipe nobody reads raises SIGPIPE, whose
 * default action ends the program.  Until signals are delivered: end it
 * when the action is the default and the signal is not blocked; otherwise
 * the call fails with EPIPE, as it does on Linux after a handler returns.
 */
static long sys_forward_write(struct pt_regs *regs)
{
	long ret = sys_forward(regs);

	if (unlikely(ret == -EPIPE) &&
	    sigactions[SIGPIPE - 1].handler == (uint64_t)SIG_DFL &&
	    !(sigblocked & (1ULL << (SIGPIPE - 1))))
		force_sig_exit(regs, SIGPIPE, ~0ULL, 0);
	return ret;
}

static long sys_exit_group(struct pt_regs *regs)
{
	/* Only the low 8 bits reach a parent, as on Linux.  The frame
	 * goes along for the trace (exit or exit_group, and its argument). */
	hc_exit(LSTAR_EXIT_NORMAL, (int)(regs->di & 0xff), regs, 0, 0);
}

static long sys_getpid(struct pt_regs *regs)
{
	(void)regs;
	return LSTAR_GUEST_PID;
}

static long sys_getppid(struct pt_regs *regs)
{
	(void)regs;
	return LSTAR_GUEST_PPID;
}

static long sys_getuid(struct pt_regs *regs)
{
	(void)regs;
	return LSTAR_GUEST_UID;
}

static long sys_getgid(struct pt_regs *regs)
{
	(void)regs;
	return LSTAR_GUEST_GID;
}

static long sys_zero(struct pt_regs *regs)
{
	(void)regs;
	return 0;
}

/* One vCPU: always CPU 0 on node 0, as the vDSO's __vdso_getcpu says. */
static long sys_getcpu(struct pt_regs *regs)
{
	const uint32_t zero = 0;
	long err;

	if (regs->di && (err = copy_to_user(regs->di, &zero, sizeof(zero))))
		return err;
	if (regs->si && (err = copy_to_user(regs->si, &zero, sizeof(zero))))
		return err;
	return 0;
}

static uint64_t clear_child_tid;

static long sys_set_tid_address(struct pt_regs *regs)
{
	clear_child_tid = regs->di;	/* kept for when threads exist */
	return LSTAR_GUEST_PID;
}

static uint64_t robust_list_head;

static long sys_set_robust_list(struct pt_regs *regs)
{
	if (regs->si != 24)	/* sizeof(struct robust_list_head) */
		return -EINVAL;
	robust_list_head = regs->di;
	return 0;
}

static long sys_arch_prctl(struct pt_regs *regs)
{
	uint64_t addr = regs->si, val;

	/* The option is an int: the upper half of the register is not read
	 * (the policy judged the same 32 bits). */
	switch ((int)regs->di) {
	case ARCH_SET_FS:
		if (addr >= LSTAR_USER_TOP)
			return -EPERM;
		wrmsr(MSR_FS_BASE, addr);
		return 0;
	case ARCH_SET_GS:
		if (addr >= LSTAR_USER_TOP)
			return -EPERM;
		/* The user's GS base sits in KERNEL_GS_BASE until swapgs. */
		wrmsr(MSR_KERNEL_GS_BASE, addr);
		return 0;
	case ARCH_GET_FS:
		/* The MSR, not a remembered value: ring 3 may wrfsbase. */
		val = rdmsr(MSR_FS_BASE);
		return copy_to_user(addr, &val, sizeof(val));
	case ARCH_GET_GS:
		val = rdmsr(MSR_KERNEL_GS_BASE);
		return copy_to_user(addr, &val, sizeof(val));
	default:
		return -EINVAL;
	}
}

/* uname: fixed, documented in docs/DECISIONS.md. */
static long sys_uname(struct pt_regs *regs)
{
	static const struct new_utsname uts = {
		.sysname = "Linux",
		.nodename = "lstar",
		.release = "6.1.0-lstar",
		.version = "#1 SMP lstar",
		.machine = "x86_64",
		.domainname = "(none)",
	};

	return copy_to_user(regs->di, &uts, sizeof(uts));
}

static long sys_rt_sigaction(struct pt_regs *regs)
{
	int sig = (int)regs->di;	/* an int, as Linux reads it */
	struct k_sigaction new, *k;
	long err;

	if (regs->r10 != sizeof(uint64_t) || sig < 1 || sig > NSIG_MAX)
		return -EINVAL;
	k = &sigactions[array_index_nospec(sig - 1, NSIG_MAX)];
	if (regs->si) {
		if (sig == SIGKILL || sig == SIGSTOP)
			return -EINVAL;
		err = copy_from_user(&new, regs->si, sizeof(new));
		if (err)
			return err;
		new.mask &= ~SIGMASK_UNBLOCKABLE;
		/* Unknown bits read back as 0 (Linux 5.11+): programs probe
		 * for flag support with SA_UNSUPPORTED this way. */
		new.flags &= SA_KNOWN_FLAGS;
	}
	if (regs->dx) {
		err = copy_to_user(regs->dx, k, sizeof(*k));
		if (err)
			return err;
	}
	if (regs->si)
		*k = new;
	return 0;
}

static long sys_rt_sigprocmask(struct pt_regs *regs)
{
	uint64_t set = 0, old = sigblocked;
	long err;

	if (regs->r10 != sizeof(uint64_t))
		return -EINVAL;
	if (regs->si) {
		err = copy_from_user(&set, regs->si, sizeof(set));
		if (err)
			return err;
		set &= ~SIGMASK_UNBLOCKABLE;
		switch ((int)regs->di) {
		case SIG_BLOCK:
			sigblocked |= set;
			break;
		case SIG_UNBLOCK:
			sigblocked &= ~set;
			break;
		case SIG_SETMASK:
			sigblocked = set;
			break;
		default:
			return -EINVAL;
		}
	}
	if (regs->dx) {
		err = copy_to_user(regs->dx, &old, sizeof(old));
		if (err) {
			sigblocked = old;
			return err;
		}
	}
	return 0;
}

struct user_stack_t {
	uint64_t sp;
	int32_t flags;
	int32_t _pad;
	uint64_t size;
};

#define SS_ONSTACK	1
#define SS_DISABLE	2
#define SS_AUTODISARM	(1U << 31)
#define MINSIGSTKSZ_LINUX 2048

static struct user_stack_t altstack = { .flags = SS_DISABLE };

static long sys_sigaltstack(struct pt_regs *regs)
{
	struct user_stack_t new, old = altstack;
	long err;

	if (regs->di) {
		err = copy_from_user(&new, regs->di, sizeof(new));
		if (err)
			return err;
		if (new.flags & ~(SS_DISABLE | SS_ONSTACK | (int32_t)SS_AUTODISARM))
			return -EINVAL;
		if (new.flags & SS_DISABLE) {
			new.sp = 0;
			new.size = 0;
		} else if (new.size < MINSIGSTKSZ_LINUX) {
			return -ENOMEM;
		}
	}
	if (regs->si) {
		old._pad = 0;
		err = copy_to_user(regs->si, &old, sizeof(old));
		if (err)
			return err;
	}
	if (regs->di)
		altstack = new;
	return 0;
}

static const sys_call_ptr_t sys_call_table[NR_syscalls] = {
	[0 ... NR_syscalls - 1] = sys_ni_syscall,

	/* Answered in the guest. */
	[__NR_brk] = sys_brk,
	[__NR_mmap] = sys_mmap,
	[__NR_munmap] = sys_munmap,
	[__NR_mprotect] = sys_mprotect,
	[__NR_mremap] = sys_mremap,
	[__NR_madvise] = sys_madvise,
	[__NR_arch_prctl] = sys_arch_prctl,
	[__NR_set_tid_address] = sys_set_tid_address,
	[__NR_set_robust_list] = sys_set_robust_list,
	[__NR_getpid] = sys_getpid,
	[__NR_gettid] = sys_getpid,
	[__NR_getppid] = sys_getppid,
	[__NR_getuid] = sys_getuid,
	[__NR_geteuid] = sys_getuid,
	[__NR_getgid] = sys_getgid,
	[__NR_getegid] = sys_getgid,
	[__NR_uname] = sys_uname,
	[__NR_sched_yield] = sys_zero,
	[__NR_getcpu] = sys_getcpu,
	[__NR_rt_sigaction] = sys_rt_sigaction,
	[__NR_rt_sigprocmask] = sys_rt_sigprocmask,
	[__NR_sigaltstack] = sys_sigaltstack,
	[__NR_exit] = sys_exit_group,		/* one thread: the same */
	[__NR_exit_group] = sys_exit_group,

	/* Forwarded to the VMM (vmm/forward.c decides again). */
	[__NR_read] = sys_forward,
	[__NR_write] = sys_forward_write,
	[__NR_readv] = sys_forward,
	[__NR_writev] = sys_forward_write,
	[__NR_lseek] = sys_forward,
	[__NR_fstat] = sys_forward,
	[__NR_newfstatat] = sys_forward,
	[__NR_statx] = sys_forward,
	[__NR_close] = sys_forward,
	[__NR_dup] = sys_forward,
	[__NR_dup2] = sys_forward,
	[__NR_dup3] = sys_forward,
	[__NR_fcntl] = sys_forward,
	[__NR_ioctl] = sys_forward,
	[__NR_clock_gettime] = sys_forward,
	[__NR_clock_getres] = sys_forward,
	[__NR_clock_nanosleep] = sys_forward,
	[__NR_gettimeofday] = sys_forward,
	[__NR_time] = sys_forward,
	[__NR_nanosleep] = sys_forward,
	[__NR_getrandom] = sys_forward,
	[__NR_pread64] = sys_forward,
	[__NR_pwrite64] = sys_forward_write,
	[__NR_ftruncate] = sys_forward,
	[__NR_fsync] = sys_forward,
	[__NR_fdatasync] = sys_forward,
	[__NR_pipe] = sys_forward,
	[__NR_pipe2] = sys_forward,
	[__NR_umask] = sys_forward,
	[__NR_preadv] = sys_forward,
	[__NR_pwritev] = sys_forward_write,
	[__NR_sendfile] = sys_forward_write,
	[__NR_copy_file_range] = sys_forward,
	/* The process's limits: the VMM's, with its descriptor table. */
	[__NR_prlimit64] = sys_forward,
	[__NR_getrlimit] = sys_forward,
	[__NR_setrlimit] = sys_forward,
	/* Path calls: the VMM resolves them beneath the granted trees. */
	[__NR_open] = sys_forward,
	[__NR_creat] = sys_forward,
	[__NR_openat] = sys_forward,
	[__NR_stat] = sys_forward,
	[__NR_lstat] = sys_forward,
	[__NR_access] = sys_forward,
	[__NR_faccessat] = sys_forward,
	[__NR_faccessat2] = sys_forward,
	[__NR_readlink] = sys_forward,
	[__NR_readlinkat] = sys_forward,
	[__NR_getdents64] = sys_forward,
	[__NR_getcwd] = sys_forward,
	[__NR_chdir] = sys_forward,
	[__NR_fchdir] = sys_forward,
	[__NR_mkdir] = sys_forward,
	[__NR_mkdirat] = sys_forward,
	[__NR_unlink] = sys_forward,
	[__NR_rmdir] = sys_forward,
	[__NR_unlinkat] = sys_forward,
	[__NR_rename] = sys_forward,
	[__NR_renameat] = sys_forward,
	[__NR_renameat2] = sys_forward,
	[__NR_truncate] = sys_forward,
	[__NR_symlink] = sys_forward,
	[__NR_symlinkat] = sys_forward,
	[__NR_link] = sys_forward,
	[__NR_linkat] = sys_forward,
	[__NR_chmod] = sys_forward,
	[__NR_fchmodat] = sys_forward,
	[__NR_fchmod] = sys_forward,
	[__NR_utimensat] = sys_forward,
	[__NR_statfs] = sys_forward,
	[__NR_fstatfs] = sys_forward,
};

/*
 * syscall_exit_to_user - make the frame fit to return to ring 3 and say
 * whether SYSRET may do it (true) or IRET must (false).  Whatever the exit
 * instruction, ring 3 gets sanitized RFLAGS and the 64-bit user selectors
 * back; a frame whose ip ring 3 could never resume at ends the program.
 * The checks themselves are in sysret.h, where the host tests them.
 */
bool syscall_exit_to_user(struct pt_regs *regs)
{
	regs->flags = user_flags(regs->flags);
	regs->cs = LSTAR_USER_CS;
	regs->ss = LSTAR_USER_DS;
	if (unlikely(!user_ip_ok(regs->ip)))
		force_sig_exit(regs, SIGSEGV, X86_TRAP_GP, regs->ip);
	return sysret_is_safe(regs);
}

/*
 * A call the table's fast-path hint does not simply allow (or any call,
 * while the VMM wants to hear of them: --trace, --learn, -v): the
 * policy's verdict on the arguments, its other actions and the trace
 * record.  Out of line: do_syscall_64's common path stays short, which
 * matters where every shim instruction is emulated (PVM).
 */
static __attribute__((noinline)) void syscall_slow(struct pt_regs *regs,
						   unsigned long nr,
						   sys_call_ptr_t handler)
{
	/* The syscall argument registers' slots in the frame, in order:
	 * the evaluator reads them in place (every copy costs, on PVM). */
	static const uint8_t arg_slots[6] = {
		__builtin_offsetof(struct pt_regs, di) / 8,
		__builtin_offsetof(struct pt_regs, si) / 8,
		__builtin_offsetof(struct pt_regs, dx) / 8,
		__builtin_offsetof(struct pt_regs, r10) / 8,
		__builtin_offsetof(struct pt_regs, r8) / 8,
		__builtin_offsetof(struct pt_regs, r9) / 8,
	};
	struct lstar_verdict v = lstar_policy_eval_at(policy, nr,
						      (const uint64_t *)regs, arg_slots);
	bool tell = (boot_info.flags & (LSTAR_BOOT_TRACE | LSTAR_BOOT_VERBOSE)) ||
		    v.action == LSTAR_ACT_LOG;
	uint8_t kind = LSTAR_TRACE_GUEST;
	uint64_t args[6];

	/* For the trace: the arguments as the policy saw them, before the
	 * handler runs. */
	if (tell)
		for (int i = 0; i < 6; i++)
			args[i] = ((const uint64_t *)regs)[arg_slots[i]];
	switch (v.action) {
	case LSTAR_ACT_ALLOW:
	case LSTAR_ACT_LOG:
		this_cpu()->vmm_saw_call = false;
		regs->ax = handler(regs);
		if (handler == sys_ni_syscall)
			kind = LSTAR_TRACE_NOSYS;
		else if (this_cpu()->vmm_saw_call)
			return;		/* the VMM traced it, on its own verdict */
		break;
	case LSTAR_ACT_KILL:
		hc_exit(LSTAR_EXIT_SIGNAL, SIGSYS, regs, LSTAR_EXIT_VECTOR_POLICY,
			v.src);
	default:
		regs->ax = -(long)v.err;
		kind = LSTAR_TRACE_DENIED;
		break;
	}
	if (tell && ((boot_info.flags & LSTAR_BOOT_TRACE) || v.action == LSTAR_ACT_LOG ||
		     kind != LSTAR_TRACE_GUEST))
		trace_call(nr, args, v, kind, regs->ax);
}

/*
 * do_syscall_64 - run syscall nr for the frame in regs (ax is -ENOSYS).
 * nr is the low 32 bits of rax, sign-extended, as Linux takes it; it is
 * bounds-checked and clamped before it indexes the table, so not even a
 * speculative load can go past its end.
 *
 * The policy decides first: a denied call never leaves the guest (the VMM
 * decides again on what it forwards).  Most calls are allowed whatever
 * their arguments, which the table's fast-path hint says in one load; the
 * rest are evaluated out of line.
 */
bool do_syscall_64(struct pt_regs *regs, int nr)
{
	unsigned long unr = (unsigned int)nr;

	_Static_assert(LSTAR_POLICY_NR == NR_syscalls, "one table size");
	if (likely(unr < NR_syscalls)) {
		unr = array_index_nospec(unr, NR_syscalls);
		if (likely(policy->fast[unr]))
			regs->ax = sys_call_table[unr](regs);
		else
			syscall_slow(regs, unr, sys_call_table[unr]);
	} else {
		syscall_slow(regs, unr, sys_ni_syscall);
	}
	return syscall_exit_to_user(regs);
}
