/* SPDX-License-Identifier: MIT */
/*
 * process.c - the calls about the process itself that the shim answers:
 * exit_group, its identities, uname, getcpu, the thread's TLS base and its
 * futex and robust-list books.
 */
#include <asm/prctl.h>
#include <linux/utsname.h>
#include "shim.h"
#include "task.h"

long sys_exit_group(struct pt_regs *regs)
{
	/* Only the low 8 bits reach a parent, as on Linux.  The frame
	 * goes along for the trace (exit or exit_group, and its argument). */
	hc_exit(LSTAR_EXIT_NORMAL, (int)(regs->di & 0xff), regs, 0, 0);
}

int process_pid;

long sys_getpid(struct pt_regs *regs)
{
	(void)regs;
	return process_pid;
}

/* The parent as the VMM last wrote it in the boot page: it becomes 1
 * when the parent ends, as the sandbox's init takes the orphan. */
long sys_getppid(struct pt_regs *regs)
{
	(void)regs;
	return boot_info_live(ppid);
}

/* The ids are the run's (--uid, --gid), as the VMM wrote them at boot:
 * real, effective and saved alike, since nothing changes them (setuid
 * and its kin are not lstar's: docs/DECISIONS.md). */
long sys_getuid(struct pt_regs *regs)
{
	(void)regs;
	return boot_info.uid;
}

long sys_getgid(struct pt_regs *regs)
{
	(void)regs;
	return boot_info.gid;
}

long sys_geteuid(struct pt_regs *regs)
{
	return sys_getuid(regs);
}

long sys_getegid(struct pt_regs *regs)
{
	return sys_getgid(regs);
}

/* Three copies of one id, written in the kernel's order: a bad second
 * pointer fails the call with the first already written, as on Linux. */
static long put_res_ids(const struct pt_regs *regs, uint32_t id)
{
	long err;

	if ((err = copy_to_user(regs->di, &id, sizeof(id))) ||
	    (err = copy_to_user(regs->si, &id, sizeof(id))))
		return err;
	return copy_to_user(regs->dx, &id, sizeof(id));
}

long sys_getresuid(struct pt_regs *regs)
{
	return put_res_ids(regs, boot_info.uid);
}

long sys_getresgid(struct pt_regs *regs)
{
	return put_res_ids(regs, boot_info.gid);
}

/*
 * getgroups(size, list): one supplementary group, the program's own gid,
 * as a login shell's list holds the user's primary group.  Linux's
 * answers: size 0 asks only how many; a negative size, or one too small
 * for the list, is EINVAL.
 */
long sys_getgroups(struct pt_regs *regs)
{
	int size = (int)regs->di;
	uint32_t gid = boot_info.gid;
	long err;

	if (size < 0)
		return -EINVAL;
	if (size == 0)
		return 1;
	if ((err = copy_to_user(regs->si, &gid, sizeof(gid))))
		return err;
	return 1;
}

long sys_gettid(struct pt_regs *regs)
{
	(void)regs;
	return current()->tid;
}

/* CPU 0 on node 0 for every thread, as the vDSO's __vdso_getcpu says:
 * in every thread's affinity mask (docs/DECISIONS.md, the vDSO). */
long sys_getcpu(struct pt_regs *regs)
{
	const uint32_t zero = 0;
	long err;

	if (regs->di && (err = copy_to_user(regs->di, &zero, sizeof(zero))))
		return err;
	if (regs->si && (err = copy_to_user(regs->si, &zero, sizeof(zero))))
		return err;
	return 0;
}

/* pid names one of the program's threads (0: the caller)?  -ESRCH if
 * not. */
static long thread_named(int pid)
{
	long err = 0;

	if (pid == 0)
		return 0;
	spin_lock(&process_lock);
	if (pid < 0 || !task_by_tid(pid))
		err = -ESRCH;
	spin_unlock(&process_lock);
	return err;
}

/* The bytes of a CPU mask as the kernel keeps it: whole longs. */
static uint32_t cpumask_bytes(void)
{
	return (boot_info.nr_cpus + 63) / 64 * 8;
}

/*
 * The program's threads run on the host's CPUs lstar may use (each
 * thread a vCPU, which the host schedules): that is the mask every
 * thread has, and the one sched_setaffinity is checked against (it must
 * name one of them); lstar does not pin vCPUs, so a narrower mask is
 * accepted and not applied.
 */
long sys_sched_getaffinity(struct pt_regs *regs)
{
	uint32_t len = (uint32_t)regs->si, n = cpumask_bytes();
	uint8_t mask[LSTAR_MAX_VCPUS / 8];
	long err;

	if ((uint64_t)len * 8 < boot_info.nr_cpus || (len & 7))
		return -EINVAL;
	if ((err = thread_named((int)regs->di)))
		return err;
	memset(mask, 0, sizeof(mask));
	for (uint32_t cpu = 0; cpu < boot_info.nr_cpus && cpu < LSTAR_MAX_VCPUS; cpu++)
		mask[cpu / 8] |= (uint8_t)(1u << (cpu % 8));
	if (n > sizeof(mask))
		n = sizeof(mask);
	if (n > len)
		n = len;
	if ((err = copy_to_user(regs->dx, mask, n)))
		return err;
	return n;
}

long sys_sched_setaffinity(struct pt_regs *regs)
{
	uint32_t len = (uint32_t)regs->si, n = cpumask_bytes();
	uint8_t mask[LSTAR_MAX_VCPUS / 8];
	bool any = false;
	long err;

	memset(mask, 0, sizeof(mask));
	if (n > sizeof(mask))
		n = sizeof(mask);
	if (n > len)
		n = len;
	if ((err = copy_from_user(mask, regs->dx, n)))
		return err;
	if ((err = thread_named((int)regs->di)))
		return err;
	for (uint32_t cpu = 0; cpu < boot_info.nr_cpus && cpu / 8 < n; cpu++)
		any |= (mask[cpu / 8] >> (cpu % 8)) & 1;
	return any ? 0 : -EINVAL;
}

long sys_set_tid_address(struct pt_regs *regs)
{
	struct task *t = current();

	t->clear_child_tid = regs->di;	/* kept for when threads exist */
	return t->tid;
}

long sys_set_robust_list(struct pt_regs *regs)
{
	if (regs->si != 24)	/* sizeof(struct robust_list_head) */
		return -EINVAL;
	current()->robust_list = regs->di;
	return 0;
}

/* get_robust_list(pid, head, len): a thread's list head as it set it
 * (pid 0: the caller's); musl asks at start whether robust mutexes work. */
long sys_get_robust_list(struct pt_regs *regs)
{
	int pid = (int)regs->di;
	uint64_t head, len = 24;
	struct task *t = current();
	long err;

	if (pid) {
		spin_lock(&process_lock);
		t = task_by_tid(pid);
		head = t ? t->robust_list : 0;
		spin_unlock(&process_lock);
		if (!t)
			return -ESRCH;
	} else {
		head = t->robust_list;
	}
	if ((err = copy_to_user(regs->si, &head, sizeof(head))))
		return err;
	return copy_to_user(regs->dx, &len, sizeof(len));
}

long sys_arch_prctl(struct pt_regs *regs)
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

/*
 * execve and execveat: the VMM finds, checks and loads the new program
 * (LSTAR_HC_EXEC) and, once it has, starts it in place of this one; only
 * a failure comes back here.  What survives into the new program from
 * the shim's books goes along: this thread's blocked signals and the
 * signals the process ignores.  Other threads end first, as Linux's
 * de_thread ends them, once the VMM has found the program good: they are
 * told, and the VMM waits for their vCPUs.
 */
static void exec_block(struct lstar_hc_exec *hc, const struct pt_regs *regs, uint64_t nr,
		       bool alone)
{
	hc->nr = nr;
	hc->args[0] = regs->di;
	hc->args[1] = regs->si;
	hc->args[2] = regs->dx;
	hc->args[3] = regs->r10;
	hc->args[4] = regs->r8;
	hc->sig_blocked = current()->sigblocked;
	hc->sig_ignored = signal_ignored_set();
	hc->alone = alone;
}

static long do_exec(struct pt_regs *regs, uint64_t nr)
{
	struct lstar_hc_exec *hc = &hc_block()->exec;

	shim_saw_vmm_call();
	exec_block(hc, regs, nr, false);
	hcall(LSTAR_HC_EXEC);
	if (hc->ret == LSTAR_EXEC_ALONE) {
		signal_zap_others();	/* uses this CPU's block: fill it again */
		exec_block(hc, regs, nr, true);
		hcall(LSTAR_HC_EXEC);
	}
	return hc->ret;
}

long sys_execve(struct pt_regs *regs)
{
	return do_exec(regs, __NR_execve);
}

long sys_execveat(struct pt_regs *regs)
{
	return do_exec(regs, __NR_execveat);
}

/* uname: fixed but for the nodename, the run's (--hostname);
 * documented in docs/DECISIONS.md. */
long sys_uname(struct pt_regs *regs)
{
	static const struct new_utsname uts = {
		.sysname = "Linux",
		.release = "6.1.0-lstar",
		.version = "#1 SMP lstar",
		.machine = "x86_64",
		.domainname = "(none)",
	};
	long err;

	_Static_assert(sizeof(uts.nodename) == sizeof(boot_info.nodename),
		       "boot_info.nodename is uname's");
	/* Two copies straight to the program's buffer, none through a
	 * scratch struct: on PVM each byte the shim moves is emulated. */
	if ((err = copy_to_user(regs->di, &uts, sizeof(uts))))
		return err;
	return copy_to_user(regs->di + __builtin_offsetof(struct new_utsname, nodename),
			    boot_info.nodename, sizeof(uts.nodename));
}
