/* SPDX-License-Identifier: MIT */
/*
 * thread.c - the program's threads: clone and clone3 for a new thread,
 * exit of one thread, and how a thread starts on its vCPU.
 *
 * Each thread is a vCPU of its own (tasks[n] runs on vCPU n), run by a
 * host thread of the VMM: the host schedules them, the shim never
 * switches between threads.  clone picks a free slot, lays out the new
 * thread's first frame (the caller's registers, rax 0, the new stack and
 * TLS), and asks the VMM to start the vCPU (LSTAR_HC_CLONE), which gets
 * the caller's FPU state.  A thread that exits gives its vCPU back
 * (LSTAR_HC_THREAD_EXIT) and that vCPU waits in the VMM for the next
 * clone to need it.
 *
 * A clone without CLONE_THREAD is a new process (do_fork): the VMM copies
 * the whole VM (LSTAR_HC_FORK), and the copy's one vCPU comes back here,
 * in fork_child_start, to become the child.  A thread that would not
 * share the files and the working directory, or a process that would
 * share memory or anything else with its parent (but vfork's CLONE_VM,
 * see below), is ENOSYS: lstar keeps one of each per process.
 */
#include <linux/futex.h>
#include <linux/sched.h>
#include <linux/signal.h>
#include "shim.h"
#include "task.h"

struct task tasks[LSTAR_MAX_VCPUS];
unsigned int nr_threads, task_slots = 1;

/* What a thread must share with its creator, and what else clone may ask
 * for (CLONE_DETACHED is ignored, as Linux ignores it). */
#define CLONE_THREAD_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD)
#define CLONE_THREAD_MAY   (CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | \
			    CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | CLONE_DETACHED)
/* What a new process may ask: vfork's pair (the child gets a copy of the
 * memory all the same, see do_fork), the tid words, its TLS, its exit
 * signal (CSIGNAL). */
#define CLONE_FORK_MAY     (CLONE_VM | CLONE_VFORK | CLONE_SETTLS | CLONE_PARENT_SETTID | \
			    CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | CLONE_DETACHED)

struct task *task_by_tid(int tid)
{
	for (unsigned int i = 0; i < task_slots; i++)
		if (tid > 0 && tasks[i].tid == tid)
			return &tasks[i];
	return NULL;
}

noreturn void task_start(void)
{
	struct task *t = current();
	struct pt_regs *regs = (struct pt_regs *)this_cpu()->tss.sp0 - 1;

	/* Whatever this vCPU mapped for an earlier thread is stale. */
	tlb_sync(true);
	*regs = t->start_regs;
	wrmsr(MSR_FS_BASE, t->start_fs);
	wrmsr(MSR_KERNEL_GS_BASE, t->start_gs);
	return_to_user(regs, syscall_exit_to_user(regs));
}

/* The arguments of clone and clone3, as clone3 names them. */
struct clone_req {
	uint64_t flags;
	uint64_t stack;			/* the new stack pointer, or 0 */
	uint64_t parent_tid, child_tid;
	uint64_t tls;
};

/*
 * A new process.  The VMM copies the VM while this thread waits in
 * LSTAR_HC_FORK, so the copy must find the shim's books whole: the
 * process's and the memory's locks are held across it (the copy's are
 * let go in fork_child_start).  The child starts from this call's frame
 * with rax 0 (and the stack and TLS clone gave it).
 *
 * vfork and glibc's posix_spawn (CLONE_VM | CLONE_VFORK) get a copy of
 * the memory too, not the parent's own: a child that only execs or
 * exits cannot tell, and the parent waits for that as vfork's does
 * (docs/DECISIONS.md: what differs).
 */
static long do_fork(struct pt_regs *regs, const struct clone_req *req)
{
	uint64_t flags = req->flags;
	struct task *self = current();
	struct lstar_hc_fork *hc = &hc_block()->fork;
	long ret;

	if ((flags & CLONE_VM) && !(flags & CLONE_VFORK))
		return -ENOSYS;		/* a process sharing memory */
	spin_lock(&process_lock);
	self->start_regs = *regs;
	self->start_regs.ax = 0;
	if (req->stack)
		self->start_regs.sp = req->stack;
	self->start_fs = (flags & CLONE_SETTLS) ? req->tls : rdmsr(MSR_FS_BASE);
	self->start_gs = rdmsr(MSR_KERNEL_GS_BASE);
	self->fork_flags = flags;
	self->fork_child_tid = req->child_tid;
	mm_fork_lock();
	hc->vfork = !!(flags & CLONE_VFORK);
	hc->exit_signal = (int32_t)(flags & CSIGNAL);
	hcall(LSTAR_HC_FORK);
	ret = hc->ret;
	mm_fork_unlock();
	spin_unlock(&process_lock);
	if (ret > 0 && (flags & CLONE_PARENT_SETTID)) {
		int32_t pid = (int32_t)ret;

		copy_to_user(req->parent_tid, &pid, sizeof(pid));
	}
	return ret;
}

noreturn void fork_child_start(void)
{
	struct task *self = current();
	const struct lstar_hc_fork *hc = &hc_block()->fork;
	int32_t pid = hc->pid;

	/* The only thread of a new process: the others' slots are the
	 * parent's, and so is everything pending (Linux starts a child with
	 * nothing pending). */
	for (unsigned int i = 0; i < task_slots; i++)
		if (&tasks[i] != self)
			tasks[i].tid = 0;
	nr_threads = 1;
	process_pid = pid;
	self->tid = pid;
	self->sigpending = 0;
	self->waiting_for = 0;
	self->clear_child_tid = (self->fork_flags & CLONE_CHILD_CLEARTID) ?
				self->fork_child_tid : 0;
	signal_forked();
	mm_fork_unlock();
	spin_unlock(&process_lock);
	if (self->fork_flags & CLONE_CHILD_SETTID)
		copy_to_user(self->fork_child_tid, &pid, sizeof(pid));
	task_start();
}

static long do_clone(struct pt_regs *regs, const struct clone_req *req)
{
	uint64_t flags = req->flags;
	struct task *self = current(), *child = NULL;
	struct lstar_hc_clone *hc = &hc_block()->clone;
	int32_t tid;

	/* Linux's own rules first: a thread shares the signal handlers,
	 * which need the address space. */
	if (((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND)) ||
	    ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM)))
		return -EINVAL;
	if ((flags & CLONE_SETTLS) && req->tls >= LSTAR_USER_TOP)
		return -EPERM;
	if (!(flags & CLONE_THREAD)) {
		if (flags & ~(uint64_t)(CLONE_FORK_MAY | CSIGNAL))
			return -ENOSYS;
		return do_fork(regs, req);
	}
	/* A thread lstar cannot give what it asks. */
	if ((flags & CLONE_THREAD_FLAGS) != CLONE_THREAD_FLAGS ||
	    (flags & ~(uint64_t)(CLONE_THREAD_FLAGS | CLONE_THREAD_MAY | CSIGNAL)))
		return -ENOSYS;
	/* Its id, from the sandbox's pids. */
	hcall(LSTAR_HC_NEW_TID);
	if (hc_block()->new_tid.ret < 0)
		return hc_block()->new_tid.ret;
	tid = (int32_t)hc_block()->new_tid.ret;

	spin_lock(&process_lock);
	if (nr_threads < boot_info.max_threads)
		for (unsigned int i = 1; i < LSTAR_MAX_VCPUS && !child; i++)
			if (!tasks[i].tid)
				child = &tasks[i];
	if (!child) {
		spin_unlock(&process_lock);
		return -EAGAIN;		/* as Linux at RLIMIT_NPROC */
	}
	if ((unsigned int)(child - tasks) >= task_slots)
		task_slots = (unsigned int)(child - tasks) + 1;
	*child = (struct task){
		.tid = tid,
		.cpu = (unsigned int)(child - tasks),
		.pcpu = percpu_of((unsigned int)(child - tasks)),
		.sigblocked = self->sigblocked,
		.clear_child_tid = (flags & CLONE_CHILD_CLEARTID) ? req->child_tid : 0,
		.altstack.flags = SS_DISABLE,
		.start_regs = *regs,
		.start_fs = (flags & CLONE_SETTLS) ? req->tls : rdmsr(MSR_FS_BASE),
		.start_gs = rdmsr(MSR_KERNEL_GS_BASE),
	};
	child->start_regs.ax = 0;
	if (req->stack)
		child->start_regs.sp = req->stack;
	nr_threads++;
	spin_unlock(&process_lock);

	/* Both in the memory the threads share; a bad pointer is ignored,
	 * as Linux ignores it. */
	if (flags & CLONE_PARENT_SETTID)
		copy_to_user(req->parent_tid, &tid, sizeof(tid));
	if (flags & CLONE_CHILD_SETTID)
		copy_to_user(req->child_tid, &tid, sizeof(tid));

	hc->cpu = child->cpu;
	hc->tid = tid;
	hcall(LSTAR_HC_CLONE);
	if (hc->ret < 0) {
		long err = hc->ret;

		spin_lock(&process_lock);
		child->tid = 0;
		nr_threads--;
		spin_unlock(&process_lock);
		return err;
	}
	return tid;
}

noreturn void thread_zapped(void)
{
	struct task *t = current();
	struct lstar_hc_thread_exit *hc = &hc_block()->thread_exit;

	/* As Linux's de_thread: no robust list walked, no tid word
	 * cleared, the memory being replaced. */
	spin_lock(&process_lock);
	t->tid = 0;
	t->must_exit = false;
	t->sigpending = 0;
	nr_threads--;
	spin_unlock(&process_lock);
	hc->nwake = 0;
	hc->clear_tid = 0;
	hcall(LSTAR_HC_THREAD_EXIT);
	task_start();
}

/* clone(flags, stack, parent_tid, child_tid, tls): x86-64's order. */
long sys_clone(struct pt_regs *regs)
{
	struct clone_req req = {
		.flags = regs->di & 0xffffffffULL,	/* an unsigned long of which
							 * Linux reads 32 bits */
		.stack = regs->si, .parent_tid = regs->dx, .child_tid = regs->r10,
		.tls = regs->r8,
	};

	return do_clone(regs, &req);
}

long sys_fork(struct pt_regs *regs)
{
	const struct clone_req req = { .flags = SIGCHLD };

	return do_clone(regs, &req);
}

long sys_vfork(struct pt_regs *regs)
{
	const struct clone_req req = { .flags = CLONE_VM | CLONE_VFORK | SIGCHLD };

	return do_clone(regs, &req);
}

long sys_clone3(struct pt_regs *regs)
{
	struct clone_args args;
	struct clone_req req;
	long err;

	memset(&args, 0, sizeof(args));
	if (regs->si > 4096)
		return -E2BIG;
	if (regs->si < CLONE_ARGS_SIZE_VER0)
		return -EINVAL;
	if ((err = copy_from_user(&args, regs->di,
				  regs->si < sizeof(args) ? regs->si : sizeof(args))))
		return err;
	/* What lies past the struct lstar knows must be zero (E2BIG). */
	for (uint64_t off = sizeof(args); off < regs->si; off += 8) {
		uint64_t v = 0;

		if ((err = copy_from_user(&v, regs->di + off,
					  regs->si - off < 8 ? regs->si - off : 8)))
			return err;
		if (v)
			return -E2BIG;
	}
	/* A thread's exit signal must be none; set_tid and cgroups are for
	 * new processes. */
	if ((args.exit_signal && (args.flags & CLONE_THREAD)) || args.exit_signal > LSTAR_NSIG ||
	    args.set_tid || args.set_tid_size || (args.flags & CSIGNAL))
		return -EINVAL;
	if (!args.stack != !args.stack_size)
		return -EINVAL;
	req = (struct clone_req){
		.flags = args.flags | args.exit_signal,
		.stack = args.stack ? args.stack + args.stack_size : 0,
		.parent_tid = args.parent_tid, .child_tid = args.child_tid,
		.tls = args.tls,
	};
	return do_clone(regs, &req);
}

/* The robust futex list's head (set_robust_list) and an entry. */
struct robust_head {
	uint64_t next;			/* the first entry, or the head itself */
	int64_t futex_offset;		/* from an entry to its futex word */
	uint64_t pending;		/* an entry being taken or released */
};

#define ROBUST_LIST_LIMIT	2048	/* Linux's: a loop in the list ends */

/*
 * A robust futex at uaddr the dying thread tid may hold: if it does, mark
 * it FUTEX_OWNER_DIED (keeping FUTEX_WAITERS) and have one waiter woken,
 * as Linux's handle_futex_death; a pending one left at 0 is woken too.
 * False when the word cannot be read (the walk stops).
 */
static bool futex_death(uint64_t uaddr, int tid, bool pending,
			struct lstar_hc_thread_exit *hc)
{
	uint32_t val, cur;

	if (uaddr % 4 || copy_from_user(&val, uaddr, sizeof(val)))
		return false;
	for (int tries = 0; tries < 64; tries++) {
		if (pending && val == 0) {
			if (hc->nwake < LSTAR_HC_MAX_WAKES)
				hc->wake[hc->nwake++] = uaddr;
			return true;
		}
		if ((val & FUTEX_TID_MASK) != (uint32_t)tid)
			return true;
		if (user_cmpxchg32(uaddr, val, (val & FUTEX_WAITERS) | FUTEX_OWNER_DIED, &cur))
			return false;
		if (cur == val) {
			if ((val & FUTEX_WAITERS) && hc->nwake < LSTAR_HC_MAX_WAKES)
				hc->wake[hc->nwake++] = uaddr;
			return true;
		}
		val = cur;		/* changed under us: look again */
	}
	return true;
}

/* Walk the dying thread's robust list, as Linux's exit_robust_list: each
 * entry's futex, then the pending one (PI entries, low bit set, are not
 * lstar's: it has no PI futexes). */
static void exit_robust_list(const struct task *t, struct lstar_hc_thread_exit *hc)
{
	struct robust_head head;
	uint64_t entry;

	if (!t->robust_list || copy_from_user(&head, t->robust_list, sizeof(head)))
		return;
	entry = head.next;
	for (int n = 0; entry != t->robust_list && n < ROBUST_LIST_LIMIT; n++) {
		uint64_t next;

		if (copy_from_user(&next, entry & ~1ULL, sizeof(next)))
			return;
		if (entry != head.pending && !(entry & 1) &&
		    !futex_death(entry + (uint64_t)head.futex_offset, t->tid, false, hc))
			return;
		entry = next;
	}
	if (head.pending && !(head.pending & 1))
		futex_death(head.pending + (uint64_t)head.futex_offset, t->tid, true, hc);
}

/*
 * exit: one thread ends.  The robust futexes it holds are marked
 * FUTEX_OWNER_DIED and a waiter of each woken, its clear_child_tid word
 * is zeroed and one waiter on it woken (pthread_join's wait), as Linux's
 * exit does; the last thread's exit is the process's.
 */
long sys_exit(struct pt_regs *regs)
{
	struct task *t = current();
	struct lstar_hc_thread_exit *hc = &hc_block()->thread_exit;
	uint64_t ctid;
	const uint32_t zero = 0;

	spin_lock(&process_lock);
	if (nr_threads == 1) {
		spin_unlock(&process_lock);
		return sys_exit_group(regs);
	}
	nr_threads--;
	spin_unlock(&process_lock);
	/* The slot is still this thread's (its tid set): no clone takes it
	 * while the list is walked. */
	hc->nwake = 0;
	exit_robust_list(t, hc);
	spin_lock(&process_lock);
	ctid = t->clear_child_tid;
	t->tid = 0;
	t->sigpending = 0;
	spin_unlock(&process_lock);
	if (ctid && copy_to_user(ctid, &zero, sizeof(zero)))
		ctid = 0;
	hc->clear_tid = ctid;
	hcall(LSTAR_HC_THREAD_EXIT);
	/* Back: this vCPU runs a new thread, which clone put in its slot. */
	task_start();
}
