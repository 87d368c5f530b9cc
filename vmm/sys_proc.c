/* SPDX-License-Identifier: MIT */
/*
 * sys_proc.c - the calls about the sandbox's processes that the book
 * answers (procs.c): waiting for children (wait4, waitid), process groups
 * and sessions.  Pids are the sandbox's own; no host pid is ever shown.
 *
 * A wait looks through the book for the caller's children that match,
 * reaps a zombie among them (its entry freed, its VMM's host process
 * reaped too), and otherwise sleeps on the caller's child_seq word, which
 * a child's end bumps, until one changes, a signal comes (the call is
 * restarted or fails with EINTR, as Linux's), or the run is over.  There
 * is no job control: stop signals are ignored (docs/DECISIONS.md), so
 * WUNTRACED and WCONTINUED never find anything to report.
 */
#include <errno.h>
#include <linux/futex.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vmm.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* Which children a wait names. */
struct wait_for {
	idtype_t type;			/* P_ALL, P_PID, P_PGID */
	int32_t id;
	int options;
};

static bool names(const struct vmm_proc *me, const struct vmm_proc *c, const struct wait_for *w)
{
	if (!c->pid || c->ppid != me->pid)
		return false;
	switch (w->type) {
	case P_PID:
		return c->pid == w->id;
	case P_PGID:
		return c->pgid == w->id;
	default:
		return true;
	}
}

/*
 * Wait as w says.  The child reaped (or, with WNOWAIT, only seen) goes to
 * *out and its pid is returned; 0 with WNOHANG when none has ended; or
 * -ECHILD, -EINTR.
 */
static int64_t wait_child(struct vmm_vcpu *cpu, const struct wait_for *w, struct vmm_proc *out)
{
	struct vmm *vmm = cpu->vmm;
	struct vmm_procs *b = vmm->procs;
	struct vmm_proc *me = vmm->me;
	bool interrupted = false;

	/* Interrupted, the books are looked at once more, as Linux's
	 * do_wait does: a child that ended with the signal's coming is
	 * reaped, and none left is ECHILD, before the call fails with
	 * EINTR. */
	for (;;) {
		uint32_t seen;
		bool any = false;
		pid_t host = 0;

		vmm_procs_lock(b);
		seen = atomic_load(&me->child_seq);
		for (int i = 0; i < b->slots; i++) {
			struct vmm_proc *c = &b->procs[i];

			if (!names(me, c, w))
				continue;
			any = true;
			if (c->state != VMM_PROC_ZOMBIE || !(w->options & WEXITED))
				continue;
			*out = *c;
			if (!(w->options & WNOWAIT)) {
				host = c->host_pid;
				c->pid = 0;
				b->alive--;
				/* Its time is its parent's children's now. */
				timeradd(&me->cutime, &c->utime, &me->cutime);
				timeradd(&me->cstime, &c->stime, &me->cstime);
			}
			break;
		}
		vmm_procs_unlock(b);
		if (out->pid) {
			/* Its VMM is on its way out, if not gone (and reaped
			 * by this VMM's watcher) already. */
			if (host > 0)
				waitpid(host, NULL, 0);
			return out->pid;
		}
		if (!any)
			return -ECHILD;
		if (w->options & WNOHANG)
			return 0;
		if (interrupted || vmm_run_over(vmm))
			return -EINTR;
		interrupted = vmm_block_call_parked(cpu, SYS_futex, (long)&me->child_seq,
						    FUTEX_WAIT, seen, 0, 0, 0) == -EINTR;
	}
}

static struct rusage rusage_of(const struct vmm_proc *c)
{
	struct rusage ru;

	memset(&ru, 0, sizeof(ru));
	ru.ru_utime = c->utime;
	ru.ru_stime = c->stime;
	return ru;
}

/* wait4(pid, wstatus, options, rusage) */
int64_t vmm_sys_wait4(struct vmm_vcpu *cpu, const uint64_t *a)
{
	int32_t pid = (int32_t)a[0];
	int options = (int)a[2];
	struct wait_for w = { .options = options | WEXITED };
	struct vmm_proc c = { 0 };
	int64_t r;

	if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL))
		return -EINVAL;
	if (pid == INT32_MIN)
		return -ESRCH;		/* -INT_MIN overflows, as Linux says */
	if (pid > 0) {
		w.type = P_PID;
		w.id = pid;
	} else if (pid == 0) {
		w.type = P_PGID;
		w.id = cpu->vmm->me->pgid;
	} else if (pid < -1) {
		w.type = P_PGID;
		w.id = -pid;
	} else {
		w.type = P_ALL;
	}
	if ((r = wait_child(cpu, &w, &c)) <= 0)
		return r;
	if (a[1] && vmm_mem_copy_to_user(cpu->mem, a[1], &c.wstatus, sizeof(c.wstatus)))
		return -EFAULT;
	if (a[3]) {
		struct rusage ru = rusage_of(&c);

		if (vmm_mem_copy_to_user(cpu->mem, a[3], &ru, sizeof(ru)))
			return -EFAULT;
	}
	return r;
}

/*
 * getrusage(who, usage): the CPU time of the process (its VMM's, the
 * vCPUs' threads and the VMM's own work for it), of the calling thread
 * (its vCPU's host thread), or of the children it waited for (and
 * theirs), as Linux counts RUSAGE_CHILDREN.  Only the times: the other
 * fields would be the host's figures for lstar, and are 0.
 */
int64_t vmm_sys_getrusage(struct vmm_vcpu *cpu, const uint64_t *a)
{
	struct rusage host, ru;

	memset(&ru, 0, sizeof(ru));
	switch ((int)a[0]) {
	case RUSAGE_SELF:
	case RUSAGE_THREAD:
		if (getrusage((int)a[0], &host) < 0)
			return -errno;
		ru.ru_utime = host.ru_utime;
		ru.ru_stime = host.ru_stime;
		break;
	case RUSAGE_CHILDREN:
		if (!cpu->vmm->me)
			break;
		vmm_procs_lock(cpu->vmm->procs);
		ru.ru_utime = cpu->vmm->me->cutime;
		ru.ru_stime = cpu->vmm->me->cstime;
		vmm_procs_unlock(cpu->vmm->procs);
		break;
	default:
		return -EINVAL;
	}
	return vmm_mem_copy_to_user(cpu->mem, a[1], &ru, sizeof(ru)) ? -EFAULT : 0;
}

/* waitid(idtype, id, infop, options, rusage) */
int64_t vmm_sys_waitid(struct vmm_vcpu *cpu, const uint64_t *a)
{
	int type = (int)a[0];
	int options = (int)a[3];
	struct wait_for w = { .type = (idtype_t)type, .id = (int32_t)a[1], .options = options };
	struct vmm_proc c = { 0 };
	siginfo_t si;
	int64_t r;

	if (options & ~(WNOHANG | WNOWAIT | WEXITED | WSTOPPED | WCONTINUED |
			__WNOTHREAD | __WCLONE | __WALL))
		return -EINVAL;
	if (!(options & (WEXITED | WSTOPPED | WCONTINUED)))
		return -EINVAL;
	switch (type) {
	case P_ALL:
		break;
	case P_PID:
		if (w.id <= 0)
			return -EINVAL;
		break;
	case P_PGID:
		if (w.id < 0)
			return -EINVAL;
		if (w.id == 0)
			w.id = cpu->vmm->me->pgid;
		break;
	case P_PIDFD:
		return -EINVAL;		/* pidfd_open is not lstar's */
	default:
		return -EINVAL;
	}
	if ((r = wait_child(cpu, &w, &c)) < 0)
		return r;
	memset(&si, 0, sizeof(si));
	if (r > 0) {
		si.si_signo = SIGCHLD;
		si.si_pid = c.pid;
		si.si_uid = cpu->proc->uid;
		if (WIFEXITED(c.wstatus)) {
			si.si_code = CLD_EXITED;
			si.si_status = WEXITSTATUS(c.wstatus);
		} else {
			si.si_code = CLD_KILLED;
			si.si_status = WTERMSIG(c.wstatus);
		}
	}
	/* With WNOHANG and nobody ended, Linux zeroes the siginfo. */
	if (a[2] && vmm_mem_copy_to_user(cpu->mem, a[2], &si, sizeof(si)))
		return -EFAULT;
	if (a[4]) {
		struct rusage ru = rusage_of(&c);

		if (vmm_mem_copy_to_user(cpu->mem, a[4], &ru, sizeof(ru)))
			return -EFAULT;
	}
	return 0;
}

/* --- groups and sessions ------------------------------------------------------ */

/* The group (or with sid, the session) of process pid: 0 is the caller,
 * otherwise a process of the sandbox, a zombie too; -ESRCH if none. */
static int64_t group_of(struct vmm *vmm, int32_t pid, bool sid)
{
	struct vmm_proc *p;
	int64_t r;

	vmm_procs_lock(vmm->procs);
	p = pid == 0 ? vmm->me : vmm_proc_of(vmm->procs, pid);
	r = !p ? -ESRCH : sid ? p->sid : p->pgid;
	vmm_procs_unlock(vmm->procs);
	return r;
}

int64_t vmm_sys_getpgid(struct vmm_vcpu *cpu, const uint64_t *a)
{
	return group_of(cpu->vmm, (int32_t)a[0], false);
}

int64_t vmm_sys_getpgrp(struct vmm_vcpu *cpu, const uint64_t *a)
{
	(void)a;
	return group_of(cpu->vmm, 0, false);
}

int64_t vmm_sys_getsid(struct vmm_vcpu *cpu, const uint64_t *a)
{
	return group_of(cpu->vmm, (int32_t)a[0], true);
}

/* Is any process of the sandbox in group pgid (of session sid, if set)? */
static bool group_exists(struct vmm_procs *b, int32_t pgid, int32_t sid)
{
	for (int i = 0; i < b->slots; i++)
		if (b->procs[i].pid && b->procs[i].pgid == pgid &&
		    (!sid || b->procs[i].sid == sid))
			return true;
	return false;
}

/* setsid: a new session and group, led by the caller, unless it leads a
 * group already (EPERM), as Linux's. */
int64_t vmm_sys_setsid(struct vmm_vcpu *cpu, const uint64_t *a)
{
	struct vmm *vmm = cpu->vmm;
	struct vmm_proc *me = vmm->me;
	int64_t r;

	(void)a;
	vmm_procs_lock(vmm->procs);
	if (group_exists(vmm->procs, me->pid, 0)) {
		r = -EPERM;
	} else {
		me->sid = me->pgid = me->pid;
		r = me->pid;
	}
	vmm_procs_unlock(vmm->procs);
	return r;
}

/*
 * setpgid(pid, pgid), Linux's rules: pid is the caller or a child of its
 * (ESRCH), in the caller's session (EPERM) and not past execve (EACCES);
 * a session leader cannot move (EPERM); the group is pid's own or one
 * that exists in the session (EPERM).
 */
int64_t vmm_sys_setpgid(struct vmm_vcpu *cpu, const uint64_t *a)
{
	struct vmm *vmm = cpu->vmm;
	struct vmm_proc *me = vmm->me, *p;
	int32_t pid = (int32_t)a[0], pgid = (int32_t)a[1];
	int64_t r = 0;

	if (pgid < 0)
		return -EINVAL;
	vmm_procs_lock(vmm->procs);
	p = pid == 0 ? me : vmm_proc_of(vmm->procs, pid);
	if (!pgid && p)
		pgid = p->pid;
	if (!p || (p != me && p->ppid != me->pid))
		r = -ESRCH;
	else if (p != me && p->sid != me->sid)
		r = -EPERM;
	else if (p != me && p->execed)
		r = -EACCES;
	else if (p->sid == p->pid)
		r = -EPERM;
	else if (pgid != p->pid && !group_exists(vmm->procs, pgid, me->sid))
		r = -EPERM;
	else
		p->pgid = pgid;
	vmm_procs_unlock(vmm->procs);
	return r;
}
