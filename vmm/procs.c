/* SPDX-License-Identifier: MIT */
/*
 * procs.c - the sandbox's processes: one VMM each, and the book they
 * share.
 *
 * A program that forks gets a new process the way lstar can give one: the
 * VMM forks itself (vmm_fork), so that the host copies the guest's memory
 * on write, and the copy builds a new VM over it with one vCPU, which
 * starts in the shim as the child (LSTAR_START_FORK).  KVM's objects do
 * not survive a host fork; memory does.  Every VMM of a sandbox is thus a
 * host descendant of the first, confined as it was (the filter and the
 * Landlock rules are inherited), and each runs one guest process.
 *
 * What the processes must agree on lives in one shared mapping made
 * before confinement, the book (struct vmm_procs): who is alive, each
 * one's pid, parent, group and session, a finished one's wait status
 * until its parent reaps it, and the signals sent to each by the others
 * (its mail).  Pids and thread ids come from one counter in it, so that
 * no two of them meet.  The book's lock is a robust process-shared
 * mutex: a VMM killed while holding it does not stall the others.
 *
 * Each VMM has a watcher thread that sleeps on its entry's mail word: a
 * signal from another process, or the end of the sandbox.  The first
 * process is the sandbox's init: when it ends, the book says so and every
 * other VMM exits at once (as the processes of a pid namespace are killed
 * when its init dies).  Should the first VMM die without a word (SIGKILL),
 * a second thread in each of the others, which waits for the pipe only
 * the first holds a write end of to close, ends it then.  The first VMM
 * is the host's subreaper for all of them and reaps them all before it
 * exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <linux/kvm.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vmm.h"

/* --- the book ------------------------------------------------------------------ */

void vmm_procs_lock(struct vmm_procs *b)
{
	/* The owner died holding it: what it wrote is whole or harmless
	 * (each change is a few stores), so the book goes on. */
	if (pthread_mutex_lock(&b->lock) == EOWNERDEAD)
		pthread_mutex_consistent(&b->lock);
}

void vmm_procs_unlock(struct vmm_procs *b)
{
	pthread_mutex_unlock(&b->lock);
}

static void futex_wake_all(_Atomic uint32_t *word)
{
	syscall(SYS_futex, word, FUTEX_WAKE, INT32_MAX, NULL, NULL, 0);
}

struct vmm_proc *vmm_proc_of(struct vmm_procs *b, int32_t pid)
{
	if (pid <= 0)
		return NULL;
	for (int i = 0; i < b->slots; i++)
		if (b->procs[i].pid == pid)
			return &b->procs[i];
	return NULL;
}

static bool has_thread(const struct vmm_proc *p, int32_t tid);

/* A fresh id, never a live process's pid nor a live thread's id (under
 * the lock).  Ids run up to Linux's pid_max and start over above the
 * first's; until they have, every id is fresh. */
static int32_t new_id(struct vmm_procs *b)
{
	for (int tries = 0; tries < VMM_PID_MAX; tries++) {
		int32_t id = b->next_pid++;
		bool used = b->wrapped && vmm_proc_of(b, id);

		if (b->next_pid >= VMM_PID_MAX) {
			b->next_pid = LSTAR_GUEST_PID + 1;
			b->wrapped = true;
		}
		for (int i = 0; b->wrapped && i < b->slots && !used; i++)
			used = b->procs[i].pid && has_thread(&b->procs[i], id);
		if (!used)
			return id;
	}
	return -EAGAIN;
}

int vmm_procs_create(struct vmm *vmm)
{
	struct vmm_procs *b;
	pthread_mutexattr_t a;
	int p[2];

	b = mmap(NULL, sizeof(*b), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (b == MAP_FAILED)
		return -errno;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(&b->lock, &a);
	pthread_mutexattr_destroy(&a);
	b->next_pid = LSTAR_GUEST_PID + 1;
	b->limit = vmm->proc.policy->processes ? vmm->proc.policy->processes :
						 VMM_DEFAULT_PROCS;
	b->procs[0] = (struct vmm_proc){
		/* In the group and session of the init above it, as a
		 * program a service manager starts. */
		.pid = LSTAR_GUEST_PID, .ppid = LSTAR_GUEST_PPID,
		.pgid = LSTAR_GUEST_PPID, .sid = LSTAR_GUEST_PPID,
		.host_pid = getpid(), .state = VMM_PROC_RUNNING,
		.uid = vmm->proc.uid,
	};
	b->procs[0].tids[0] = LSTAR_GUEST_PID;
	b->alive = 1;
	b->slots = 1;
	/* The sandbox's life line: only this VMM keeps the write end. */
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0) {
		munmap(b, sizeof(*b));
		return -errno;
	}
	vmm->procs = b;
	vmm->me = &b->procs[0];
	vmm->lifeline[0] = p[0];
	vmm->lifeline[1] = p[1];
	/* Orphans come to lstar itself, which reaps them. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	return 0;
}

int32_t vmm_procs_guest_pid(struct vmm *vmm, int32_t host_pid)
{
	int32_t pid = 0;

	if (!vmm->procs)
		return 0;
	vmm_procs_lock(vmm->procs);
	for (int i = 0; i < vmm->procs->slots; i++)
		if (vmm->procs->procs[i].pid && vmm->procs->procs[i].host_pid == host_pid)
			pid = vmm->procs->procs[i].pid;
	vmm_procs_unlock(vmm->procs);
	return pid;
}

void vmm_procs_thread(struct vmm *vmm, int index, int32_t tid)
{
	if (!vmm->procs || index < 0 || index >= LSTAR_MAX_VCPUS)
		return;
	vmm_procs_lock(vmm->procs);
	vmm->me->tids[index] = tid;
	vmm_procs_unlock(vmm->procs);
}

void vmm_procs_rule_killed(struct vmm *vmm)
{
	struct vmm_procs *b = vmm->procs;

	if (!b || !vmm->child)
		return;
	atomic_store(&b->rule_killed, 1);
	atomic_fetch_add(&b->procs[0].mail_seq, 1);
	futex_wake_all(&b->procs[0].mail_seq);
}

void vmm_procs_reaps(struct vmm *vmm, bool reaps)
{
	vmm_procs_lock(vmm->procs);
	vmm->me->reaps = reaps;
	vmm_procs_unlock(vmm->procs);
}

int64_t vmm_procs_new_tid(struct vmm *vmm)
{
	int32_t id;

	vmm_procs_lock(vmm->procs);
	id = new_id(vmm->procs);
	vmm_procs_unlock(vmm->procs);
	return id;
}

static void proc_ended(struct vmm_procs *b, struct vmm_proc *p, int wstatus);

/*
 * Reap the host processes of VMMs that are gone (this VMM's children, and
 * every orphan for the first VMM, their subreaper).  One that died
 * without saying so in the book (a bug of lstar's own, the host's OOM
 * killer) ends its process as SIGKILL would, and is reported.
 */
static void reap_hosts(struct vmm *vmm)
{
	int ws;
	pid_t host;

	while ((host = waitpid(-1, &ws, WNOHANG)) > 0) {
		struct vmm_procs *b = vmm->procs;

		vmm_procs_lock(b);
		for (int i = 0; i < b->slots; i++) {
			struct vmm_proc *p = &b->procs[i];

			if (!p->pid || p->host_pid != host || p->state != VMM_PROC_RUNNING)
				continue;
			/* Once the sandbox is ending, the VMMs exit without a
			 * word (as SIGKILL ends their processes): no news. */
			if (!atomic_load(&b->ended) && WIFSIGNALED(ws))
				vmm_err("process %d: its VMM was killed by SIG%s", p->pid,
					sigabbrev_np(WTERMSIG(ws)) ?: "?");
			else if (!atomic_load(&b->ended))
				vmm_err("process %d: its VMM exited with %d", p->pid,
					WEXITSTATUS(ws));
			proc_ended(b, p, SIGKILL);
		}
		vmm_procs_unlock(b);
	}
}

/* The parent's pid the shim answers getppid with: kept in the boot page
 * (the parent of an orphan is the sandbox's init, 1). */
static void publish_ppid(struct vmm *vmm)
{
	struct lstar_boot_info *bi = vmm_mem_ptr(&vmm->vm.mem, LSTAR_BOOT_GPA, sizeof(*bi));
	int32_t ppid = __atomic_load_n(&vmm->me->ppid, __ATOMIC_RELAXED);

	if (bi && __atomic_load_n(&bi->ppid, __ATOMIC_RELAXED) != ppid)
		__atomic_store_n(&bi->ppid, ppid, __ATOMIC_RELAXED);
}

/* --- mail: signals between processes --------------------------------------------- */

void vmm_procs_mail(struct vmm_procs *b, struct vmm_proc *to, const struct lstar_hc_event *ev)
{
	int sig = ev->signo;

	if (sig < 1 || sig > LSTAR_NSIG || to->state != VMM_PROC_RUNNING)
		return;
	/* A standard signal already pending keeps its first siginfo. */
	if (!(to->mail & (1ULL << (sig - 1))))
		to->mail_ev[sig - 1] = *ev;
	to->mail |= 1ULL << (sig - 1);
	atomic_fetch_add(&to->mail_seq, 1);
	futex_wake_all(&to->mail_seq);
	(void)b;
}

/* Does process p run thread tid (under the lock)? */
static bool has_thread(const struct vmm_proc *p, int32_t tid)
{
	for (int i = 0; i < LSTAR_MAX_VCPUS; i++)
		if (p->tids[i] == tid)
			return true;
	return false;
}

int64_t vmm_procs_signal(struct vmm *vmm, const struct lstar_hc_signal *hc,
			 struct lstar_hc_signal *live)
{
	struct vmm_procs *b = vmm->procs;
	struct vmm_proc *me = vmm->me;
	struct lstar_hc_event ev = {
		.signo = hc->sig, .code = hc->code == SI_TKILL ? SI_TKILL : SI_USER,
		.pid = me->pid, .uid = vmm->proc.uid, .tid = hc->tid,
	};
	int32_t pid = hc->pid;
	bool found = false, self = false;

	/* A thread is named within one process (its shim finds it, or
	 * drops the signal: the thread has ended). */
	if (hc->sig < 0 || hc->sig > LSTAR_NSIG || pid == INT32_MIN || hc->tid < 0 ||
	    (hc->tid && pid <= 0))
		return -EINVAL;
	vmm_procs_lock(b);
	for (int i = 0; i < b->slots; i++) {
		struct vmm_proc *p = &b->procs[i];
		bool named = pid > 0 ? p->pid == pid :
			     pid == 0 ? p->pgid == me->pgid :
			     pid == -1 ? p != me : p->pgid == -pid;

		if (!p->pid || !named || (hc->tid && !has_thread(p, hc->tid)))
			continue;
		found = true;		/* a zombie too: nothing happens to it */
		if (p == me)
			self = true;
		else if (hc->sig && p->state == VMM_PROC_RUNNING)
			vmm_procs_mail(b, p, &ev);
	}
	vmm_procs_unlock(b);
	live->self = self;
	return found ? 0 : -ESRCH;
}

void vmm_procs_take_mail(struct vmm *vmm, struct lstar_hc_events *e)
{
	struct vmm_proc *me = vmm->me;

	if (!vmm->procs)
		return;
	vmm_procs_lock(vmm->procs);
	while (me->mail && e->count < LSTAR_HC_MAX_EVENTS) {
		int sig = __builtin_ctzll(me->mail) + 1;

		e->ev[e->count++] = me->mail_ev[sig - 1];
		me->mail &= ~(1ULL << (sig - 1));
	}
	vmm_procs_unlock(vmm->procs);
}

bool vmm_procs_mail_waits(const struct vmm *vmm)
{
	return vmm->me && __atomic_load_n(&vmm->me->mail, __ATOMIC_RELAXED) != 0;
}

/*
 * The watcher: sleeps on this process's mail word.  Mail kicks a vCPU
 * (which takes it with the other events); the sandbox's end ends this
 * VMM at once.  Every second, and whenever it wakes, it also reaps VMMs
 * that are gone and checks that the first VMM still is.
 */
static void *watch(void *arg)
{
	struct vmm *vmm = arg;
	struct vmm_proc *me = vmm->me;

	for (;;) {
		uint32_t seen = atomic_load(&me->mail_seq);
		struct timespec second = { 1, 0 };
		char c;

		if (vmm->child && (atomic_load(&vmm->procs->ended) ||
				   read(vmm->lifeline[0], &c, 1) == 0))
			_exit(128 + SIGKILL);
		/* Ending, the others' VMMs go without a word. */
		if (atomic_load(&vmm->procs->ended))
			return NULL;
		/* Another process broke a kill rule: the first ends the run
		 * (the process said which rule). */
		if (!vmm->child && atomic_load(&vmm->procs->rule_killed)) {
			vmm_stop_run(vmm, 128 + SIGSYS);
			return NULL;
		}
		reap_hosts(vmm);
		publish_ppid(vmm);
		if (vmm_procs_mail_waits(vmm))
			vmm_signal_kick();
		syscall(SYS_futex, &me->mail_seq, FUTEX_WAIT, seen, &second, NULL, 0);
	}
	return NULL;
}

/* A forked VMM's second thread: the first VMM's death ends this one. */
static void *hold_lifeline(void *arg)
{
	struct vmm *vmm = arg;
	struct pollfd p = { .fd = vmm->lifeline[0], .events = POLLIN };

	for (;;) {
		char c;

		if (ppoll(&p, 1, NULL, NULL) < 0 && errno == EINTR)
			continue;
		if (read(vmm->lifeline[0], &c, 1) == 0)
			_exit(128 + SIGKILL);
	}
	return NULL;
}

int vmm_procs_watch(struct vmm *vmm)
{
	pthread_t t;
	int err;

	if ((err = pthread_create(&t, NULL, watch, vmm)))
		return -err;
	/* The first VMM's watcher reads the book and vmm until it sees the
	 * end: vmm_procs_end waits for it before either goes (lstar doctor
	 * starts one run after another in the same process).  A forked
	 * VMM's ends with its _exit. */
	if (vmm->child) {
		pthread_detach(t);
	} else {
		vmm->watcher = t;
		vmm->watching = true;
	}
	if (vmm->child) {
		if ((err = pthread_create(&t, NULL, hold_lifeline, vmm)))
			return -err;
		pthread_detach(t);
	}
	return 0;
}

/* --- the end of a process --------------------------------------------------------- */

/* Linux's wait status of how the run ended. */
int vmm_wait_status(const struct vmm *vmm)
{
	if (vmm->killed_by)
		return vmm->killed_by & 0x7f;
	return (vmm->exit_code & 0xff) << 8;
}

/*
 * Process me ended: its entry becomes a zombie for its parent to reap
 * (or is freed at once when nobody will: its parent is the sandbox's
 * init, or gone), its children are the init's now, and its parent gets
 * its exit signal.  Under the book's lock.
 */
static void proc_ended(struct vmm_procs *b, struct vmm_proc *me, int wstatus)
{
	struct vmm_proc *parent = vmm_proc_of(b, me->ppid);
	int32_t pid = me->pid;

	for (int i = 0; i < b->slots; i++)
		if (b->procs[i].pid && b->procs[i].ppid == me->pid) {
			b->procs[i].ppid = LSTAR_GUEST_PPID;
			if (b->procs[i].state == VMM_PROC_ZOMBIE) {
				b->procs[i].pid = 0;
				b->alive--;
			} else {
				/* Its watcher tells its shim (getppid). */
				atomic_fetch_add(&b->procs[i].mail_seq, 1);
				futex_wake_all(&b->procs[i].mail_seq);
			}
		}
	me->wstatus = wstatus;
	me->state = VMM_PROC_ZOMBIE;
	atomic_store(&me->vfork_done, 1);
	futex_wake_all(&me->vfork_done);
	if (!parent || parent->state != VMM_PROC_RUNNING) {
		me->pid = 0;
		b->alive--;
		return;
	}
	/* A parent that ignores SIGCHLD (or asked SA_NOCLDWAIT) keeps no
	 * zombie: a wait for this child now finds none. */
	if (parent->reaps) {
		me->pid = 0;
		b->alive--;
	}
	if (me->exit_signal) {
		struct lstar_hc_event ev = {
			.signo = me->exit_signal, .pid = pid, .uid = me->uid,
		};

		if (WIFEXITED(wstatus)) {
			ev.code = CLD_EXITED;
			ev.status = WEXITSTATUS(wstatus);
		} else {
			ev.code = CLD_KILLED;
			ev.status = WTERMSIG(wstatus);
		}
		vmm_procs_mail(b, parent, &ev);
	}
	atomic_fetch_add(&parent->child_seq, 1);
	futex_wake_all(&parent->child_seq);
}

void vmm_procs_exit(struct vmm *vmm)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	vmm_shm_detach_all(vmm);
	vmm_procs_lock(vmm->procs);
	/* What its parent's wait and RUSAGE_CHILDREN see: its own time and
	 * that of the children it waited for, as Linux counts it. */
	timeradd(&ru.ru_utime, &vmm->me->cutime, &vmm->me->utime);
	timeradd(&ru.ru_stime, &vmm->me->cstime, &vmm->me->stime);
	proc_ended(vmm->procs, vmm->me, vmm_wait_status(vmm));
	vmm_procs_unlock(vmm->procs);
}

void vmm_procs_end(struct vmm *vmm)
{
	struct vmm_procs *b = vmm->procs;
	struct timespec until, now;

	if (!b)
		return;
	vmm_procs_lock(b);
	atomic_store(&b->ended, 1);
	for (int i = 0; i < b->slots; i++)
		if (b->procs[i].pid) {
			atomic_fetch_add(&b->procs[i].mail_seq, 1);
			futex_wake_all(&b->procs[i].mail_seq);
		}
	vmm_procs_unlock(b);
	if (vmm->watching) {
		/* Its own entry may be free already (the first process's
		 * end frees it): woken here, it sees the end and returns. */
		atomic_fetch_add(&vmm->me->mail_seq, 1);
		futex_wake_all(&vmm->me->mail_seq);
		pthread_join(vmm->watcher, NULL);
		vmm->watching = false;
	}
	close(vmm->lifeline[1]);
	vmm->lifeline[1] = -1;
	/* Each VMM exits as its watcher wakes: wait for them all, a few
	 * seconds at most (one stopped by SIGSTOP would never come). */
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += 5;
	for (;;) {
		pid_t r = waitpid(-1, NULL, WNOHANG);

		if (r < 0)
			break;		/* ECHILD: none left */
		if (r > 0)
			continue;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > until.tv_sec ||
		    (now.tv_sec == until.tv_sec && now.tv_nsec >= until.tv_nsec))
			break;
		nanosleep(&(struct timespec){ 0, 2 * 1000 * 1000 }, NULL);
	}
}

/* --- fork -------------------------------------------------------------------------- */

void vmm_procs_drop_vm(struct vmm *vmm)
{
	for (int i = 0; i < LSTAR_MAX_VCPUS; i++) {
		struct vmm_vcpu *c = &vmm->vcpu[i];

		if (c->run)
			munmap(c->run, c->run_size);
		if (c->fd >= 0)
			close(c->fd);
		c->run = NULL;
		c->fd = -1;
		c->cpuid_set = false;
		c->has_thread = false;
		c->tid = 0;
		c->restart.kind = VMM_RESTART_NONE;
		atomic_store(&c->kicked, false);
		atomic_store(&c->state, VMM_VCPU_UNUSED);
	}
	vmm->nvcpus = 0;
	/* Timers are not inherited (the host's were not either). */
	memset(&vmm->proc.timers, 0, sizeof(vmm->proc.timers));
}

int vmm_procs_new_vm(struct vmm *vmm, int index)
{
	int fd, err;

	if ((fd = ioctl(vmm->vm.kvm_fd, KVM_CREATE_VM, 0)) < 0)
		return -errno;
	if (dup2(fd, vmm->vm.fd) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	close(fd);
	vmm->vm.msr_filtered = false;
	vmm_disable_hypercall_patching(vmm->vm.kvm_fd, vmm->vm.fd, vmm->vm.platform);
	if ((err = vmm_vm_add_memory(&vmm->vm)))
		return err;
	return vmm_vcpu_create(vmm, index);
}

/*
 * The copy becomes the child: the parent's KVM objects are dropped (the
 * host copied the descriptors, not the machines), and a new VM over the
 * same (now copied) memory gets one vCPU of the forking one's index,
 * with its FPU state, entering the shim as the forked child.  The new VM
 * takes the old one's descriptor number, which the seccomp filter names.
 */
static int become_child(struct vmm_vcpu *cpu, struct vmm_proc *me, const struct kvm_xsave *xs)
{
	struct vmm *vmm = cpu->vmm;
	uint64_t hwcap, hwcap2;
	int err;

	vmm->child = true;
	vmm->me = me;
	vmm->main = cpu;
	vmm_signal_forked();
	vmm_learn_forked(vmm);
	vmm_stats_forked(vmm);
	if (vmm->lifeline[1] >= 0) {
		close(vmm->lifeline[1]);
		vmm->lifeline[1] = -1;
	}
	/* A process started through the exec socket reports its own end
	 * there (spawn.c); its children do not. */
	vmm_spawn_forked(vmm);
	vmm_procs_drop_vm(vmm);
	if ((err = vmm_procs_new_vm(vmm, cpu->index)))
		return err;
	cpu->start = LSTAR_START_FORK;
	if ((err = vmm_cpu_setup(cpu, &vmm->vm.shim, &hwcap, &hwcap2)))
		return err;
	if (ioctl(cpu->fd, KVM_SET_XSAVE, xs) < 0)
		return -errno;
	vmm_vdso_rebase(cpu);
	publish_ppid(vmm);
	cpu->tid = me->pid;
	cpu->host_tid = (int)syscall(SYS_gettid);
	cpu->thread = pthread_self();
	atomic_store(&cpu->state, VMM_VCPU_RUNNING);
	return vmm_procs_watch(vmm);
}

/* A free entry of the book, within the slots looked at (under the lock);
 * NULL when the book is full. */
static struct vmm_proc *free_entry(struct vmm_procs *b)
{
	for (int i = 0; i < VMM_MAX_PROCS; i++)
		if (!b->procs[i].pid) {
			if (i + 1 > b->slots)
				b->slots = i + 1;
			return &b->procs[i];
		}
	return NULL;
}

/* Wait until the vfork child execs or ends (or this run is over). */
static void vfork_wait(struct vmm_vcpu *cpu, struct vmm_proc *child, int32_t pid)
{
	while (!vmm_run_over(cpu->vmm)) {
		if (child->pid != pid || atomic_load(&child->vfork_done))
			return;
		vmm_block_call_parked(cpu, SYS_futex, (long)&child->vfork_done, FUTEX_WAIT, 0, 0,
				      0, 0);
	}
}

int64_t vmm_fork(struct vmm_vcpu *cpu, const struct lstar_hc_fork *hc, struct lstar_hc_fork *live)
{
	struct vmm *vmm = cpu->vmm;
	struct vmm_procs *b = vmm->procs;
	struct vmm_proc *child = NULL;
	struct kvm_xsave *xs;
	int32_t pid;
	pid_t host;
	int err;

	if (hc->exit_signal < 0 || hc->exit_signal > LSTAR_NSIG)
		return -EINVAL;
	if (!(xs = malloc(sizeof(*xs))))
		return -ENOMEM;
	if (ioctl(cpu->fd, KVM_GET_XSAVE, xs) < 0) {
		free(xs);
		return -EAGAIN;
	}
	vmm_procs_lock(b);
	child = free_entry(b);
	if (!child || b->alive >= b->limit || (pid = new_id(b)) < 0) {
		vmm_procs_unlock(b);
		free(xs);
		if (vmm->opt->verbose)
			vmm_err("fork: the sandbox has %d processes, its limit", b->alive);
		return -EAGAIN;		/* as Linux at RLIMIT_NPROC */
	}
	*child = (struct vmm_proc){
		.pid = pid, .ppid = vmm->me->pid, .pgid = vmm->me->pgid, .sid = vmm->me->sid,
		.state = VMM_PROC_RUNNING, .exit_signal = hc->exit_signal,
		.uid = vmm->me->uid,		/* its ids are its parent's */
		.reaps = vmm->me->reaps,	/* the shim's dispositions come along */
	};
	child->tids[cpu->index] = pid;	/* its one thread */
	b->alive++;
	vmm_procs_unlock(b);

	/* What lstar's streams hold is the parent's to write, once; the
	 * child's copies of the attachments count as the parent's do. */
	fflush(NULL);
	vmm_shm_fork(vmm, 0);
	host = fork();
	if (host == 0) {
		if ((err = become_child(cpu, child, xs))) {
			vmm_err("cannot start the forked process %d: %s", pid, strerror(-err));
			vmm->killed_by = SIGKILL;
			vmm_procs_exit(vmm);
			_exit(LSTAR_EXIT_FAILURE);
		}
		free(xs);
		vmm_vdso_set_pid(&vmm->vm, pid);
		live->pid = pid;
		return 0;
	}
	free(xs);
	vmm_procs_lock(b);
	if (host < 0) {
		err = errno;
		child->pid = 0;
		b->alive--;
	} else {
		child->host_pid = host;
	}
	vmm_procs_unlock(b);
	if (host < 0) {
		vmm_shm_fork(vmm, 1);
		vmm_err("fork: %s", strerror(err));
		return -EAGAIN;
	}
	if (hc->vfork)
		vfork_wait(cpu, child, pid);
	return pid;
}

/* --- a process from outside (spawn.c) ----------------------------------------------- */

/*
 * This VMM's process joins the book as a process of its own: a fresh
 * pid, the sandbox's init (1) as its parent, as a pid namespace gives a
 * process that entered it from outside, and a session and group of its
 * own (neither the first program's group signals nor its own reach the
 * other).  It sends no exit signal: no process of the sandbox waits for
 * it; its status goes back to whoever started it.
 */
int vmm_procs_join(struct vmm *vmm)
{
	struct vmm_procs *b = vmm->procs;
	struct vmm_proc *p;
	int32_t pid;

	vmm_procs_lock(b);
	if (atomic_load(&b->ended)) {
		vmm_procs_unlock(b);
		return -ESRCH;
	}
	p = free_entry(b);
	if (!p || b->alive >= b->limit || (pid = new_id(b)) < 0) {
		vmm_procs_unlock(b);
		return -EAGAIN;		/* `limit processes`, as fork */
	}
	*p = (struct vmm_proc){
		.pid = pid, .ppid = LSTAR_GUEST_PPID, .pgid = pid, .sid = pid,
		.host_pid = getpid(), .state = VMM_PROC_RUNNING,
	};
	p->tids[0] = pid;
	b->alive++;
	vmm_procs_unlock(b);
	vmm->child = true;
	vmm->me = p;
	vmm->main = &vmm->vcpu[0];
	return 0;
}
