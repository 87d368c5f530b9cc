/* SPDX-License-Identifier: MIT */
/*
 * thread.c - the program's threads, as the VMM sees them: one vCPU each,
 * each vCPU run by a host thread of its own (vCPU 0 by lstar's main
 * thread).
 *
 * The shim picks the vCPU for a new thread and asks for it
 * (LSTAR_HC_CLONE): a vCPU never used is made now (lstar is confined by
 * then: its filter allows what this needs) and a host thread started for
 * it; one whose thread exited is idle in its LSTAR_HC_THREAD_EXIT and is
 * woken.  Either way it gets the caller's FPU state, as a new thread on
 * Linux does.  When the run ends every vCPU's thread is told
 * (vmm_threads_stop) and lstar's main thread joins them.
 *
 * Everything here runs under vmm->lock; an idle vCPU waits on its
 * condition variable, which lets the lock go.
 */
#include <errno.h>
#include <linux/futex.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "vmm.h"

struct vmm_vcpu *vmm_vcpu_of_tid(struct vmm *vmm, int tid)
{
	for (int i = 0; i < vmm->nvcpus; i++)
		if (atomic_load(&vmm->vcpu[i].state) == VMM_VCPU_RUNNING &&
		    vmm->vcpu[i].tid == tid)
			return &vmm->vcpu[i];
	return NULL;
}

/* A vCPU's host thread: its loop, until the run ends. */
static void *vcpu_thread(void *arg)
{
	struct vmm_vcpu *cpu = arg;

	cpu->host_tid = (int)syscall(SYS_gettid);
	vmm_vcpu_loop(cpu);
	return NULL;
}

/* The calling vCPU's FPU state, for the new thread's. */
static int copy_fpu(struct vmm_vcpu *from, struct vmm_vcpu *to)
{
	struct kvm_xsave xs;

	if (ioctl(from->fd, KVM_GET_XSAVE, &xs) < 0 || ioctl(to->fd, KVM_SET_XSAVE, &xs) < 0)
		return -errno;
	return 0;
}

/* Wait, with the lock let go, until cond is signalled or the run ends
 * (polled: --timeout's handler cannot signal a condition variable). */
static void wait_on(struct vmm *vmm, pthread_cond_t *cond)
{
	struct timespec at;

	clock_gettime(CLOCK_REALTIME, &at);
	at.tv_nsec += 50 * 1000 * 1000;
	if (at.tv_nsec >= 1000000000) {
		at.tv_sec++;
		at.tv_nsec -= 1000000000;
	}
	pthread_cond_timedwait(cond, &vmm->lock, &at);
}

int64_t vmm_thread_clone(struct vmm_vcpu *cpu, const struct lstar_hc_clone *hc)
{
	struct vmm *vmm = cpu->vmm;
	struct vmm_vcpu *child;
	uint64_t hwcap, hwcap2;
	int err;

	if (hc->cpu == 0 || hc->cpu >= LSTAR_MAX_VCPUS || hc->cpu == (uint32_t)cpu->index ||
	    hc->tid <= LSTAR_GUEST_PID)
		return -EINVAL;
	child = &vmm->vcpu[hc->cpu];
	/* Its last thread may still be on its way out. */
	while (atomic_load(&child->state) == VMM_VCPU_RUNNING && !vmm_run_over(vmm))
		wait_on(vmm, &vmm->idle);
	if (vmm_run_over(vmm))
		return -EAGAIN;
	if (atomic_load(&child->state) == VMM_VCPU_UNUSED) {
		child->start = LSTAR_START_THREAD;
		if ((err = vmm_vcpu_create(vmm, child->index)) ||
		    (err = vmm_cpu_setup(child, &vmm->vm.shim, &hwcap, &hwcap2)) ||
		    (err = copy_fpu(cpu, child))) {
			vmm_err("cannot start a vCPU for a thread: %s", strerror(-err));
			return -EAGAIN;
		}
		child->tid = hc->tid;
		vmm_procs_thread(vmm, child->index, hc->tid);
		atomic_store(&child->state, VMM_VCPU_RUNNING);
		if ((err = pthread_create(&child->thread, NULL, vcpu_thread, child))) {
			vmm_err("cannot start a thread for a vCPU: %s", strerror(err));
			atomic_store(&child->state, VMM_VCPU_UNUSED);
			return -EAGAIN;
		}
		child->has_thread = true;
		return 0;
	}
	if ((err = copy_fpu(cpu, child)))
		return -EAGAIN;
	child->tid = hc->tid;
	vmm_procs_thread(vmm, child->index, hc->tid);
	child->restart.kind = VMM_RESTART_NONE;
	atomic_store(&child->kicked, false);
	atomic_store(&child->state, VMM_VCPU_RUNNING);
	pthread_cond_signal(&child->wake);
	return 0;
}

void vmm_thread_exit(struct vmm_vcpu *cpu, const struct lstar_hc_thread_exit *hc)
{
	struct vmm *vmm = cpu->vmm;
	int err = 0;

	/* The robust futexes the thread died holding, then pthread_join's
	 * wake: one waiter on each word, as Linux wakes them (shared). */
	for (uint32_t i = 0; i < hc->nwake && i < LSTAR_HC_MAX_WAKES; i++) {
		uint32_t *word = vmm_futex_word(cpu, hc->wake[i], &err);

		if (word)
			syscall(SYS_futex, word, FUTEX_WAKE, 1, NULL, NULL, 0);
	}
	if (hc->clear_tid) {
		uint32_t *word = vmm_futex_word(cpu, hc->clear_tid, &err);

		if (word)
			syscall(SYS_futex, word, FUTEX_WAKE, 1, NULL, NULL, 0);
	}
	cpu->tid = 0;
	vmm_procs_thread(vmm, cpu->index, 0);
	/* It may get new registers (vmm_threads_exec). */
	vmm_vcpu_settle(cpu);
	atomic_store(&cpu->state, VMM_VCPU_IDLE);
	pthread_cond_broadcast(&vmm->idle);
	while (atomic_load(&cpu->state) == VMM_VCPU_IDLE && !vmm_run_over(vmm))
		wait_on(vmm, &cpu->wake);
}

bool vmm_threads_alone(struct vmm_vcpu *cpu, bool wait)
{
	struct vmm *vmm = cpu->vmm;

	for (int tries = 0;; tries++) {
		bool alone = true;

		for (int i = 0; i < vmm->nvcpus; i++)
			if (&vmm->vcpu[i] != cpu &&
			    atomic_load(&vmm->vcpu[i].state) == VMM_VCPU_RUNNING)
				alone = false;
		/* Told to end, a thread does within a kick's time; 5 s is
		 * a thread that cannot. */
		if (alone || !wait || tries == 100 || vmm_run_over(vmm))
			return alone;
		wait_on(vmm, &vmm->idle);
	}
}

int vmm_threads_exec(struct vmm *vmm, struct vmm_vcpu *cpu)
{
	uint64_t hwcap, hwcap2;
	int err;

	for (int i = 0; i < vmm->nvcpus; i++) {
		struct vmm_vcpu *c = &vmm->vcpu[i];

		if (c == cpu || atomic_load(&c->state) != VMM_VCPU_IDLE)
			continue;
		c->start = LSTAR_START_THREAD;
		if ((err = vmm_cpu_setup(c, &vmm->vm.shim, &hwcap, &hwcap2)))
			return err;
	}
	return 0;
}

void vmm_thread_kick(struct vmm_vcpu *cpu, const struct lstar_hc_kick *hc)
{
	struct vmm_vcpu *to;

	/* A vCPU that runs a thread, and not the caller; else nothing. */
	if (hc->cpu >= (uint32_t)cpu->vmm->nvcpus)
		return;
	to = &cpu->vmm->vcpu[hc->cpu];
	if (to != cpu && atomic_load(&to->state) == VMM_VCPU_RUNNING)
		vmm_signal_kick_vcpu(to);
}

void vmm_threads_stop(struct vmm *vmm)
{
	for (int i = 0; i < vmm->nvcpus; i++) {
		struct vmm_vcpu *cpu = &vmm->vcpu[i];

		if (atomic_load(&cpu->state) == VMM_VCPU_IDLE)
			pthread_cond_signal(&cpu->wake);
		else if (atomic_load(&cpu->state) == VMM_VCPU_RUNNING &&
			 !pthread_equal(cpu->thread, pthread_self()))
			vmm_signal_kick_vcpu(cpu);
	}
	pthread_cond_broadcast(&vmm->idle);
}

void vmm_threads_join(struct vmm *vmm)
{
	for (int i = 1; i < vmm->nvcpus; i++)
		if (vmm->vcpu[i].has_thread) {
			pthread_join(vmm->vcpu[i].thread, NULL);
			vmm->vcpu[i].has_thread = false;
		}
}
