/* SPDX-License-Identifier: MIT */
/*
 * signal.c - signals from outside the guest, on their way to the program.
 *
 * The signals a user sends lstar (SIGTERM, SIGINT, SIGHUP, SIGQUIT,
 * SIGUSR1, SIGUSR2, SIGWINCH) are the program's: lstar passes them on,
 * and the program's disposition decides (its default action ends it with
 * 128 + N, as it would end outside lstar).  SIGALRM is lstar's own
 * --timeout, which stops the run whatever the program does, and SIGKILL
 * stops lstar.  lstar's own terminal stop (SIGTSTP) stops the whole VM.
 *
 * A host signal handler has no context: it records the signal in the one
 * file-scope set below and kicks the vCPU out of KVM_RUN (a forwarded
 * call blocked in the host returns EINTR, and the program's call is then
 * restarted or fails with EINTR, as the shim decides).  The vCPU loop
 * sees the set non-empty and interrupts the guest with LSTAR_VECTOR_EVENT
 * as soon as ring 3 runs with interrupts on; the shim's handler takes the
 * signals (LSTAR_HC_EVENTS) and delivers them.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lstar_exec.h"
#include "vmm.h"

/* Signals sent to lstar for the program, bit n - 1 for signal n. */
static _Atomic uint64_t outside;
/* The run whose vCPUs a signal kicks (set while it runs), and lstar's
 * pid, for tgkill. */
static struct vmm *_Atomic kick_vmm;
static pid_t host_pid;

/* The kick: a signal to a vCPU's host thread whose handler does nothing,
 * but whose arrival ends KVM_RUN or the host call the thread is in.
 * SIGURG, whose default action is to ignore it: the filter lets every
 * VMM of a sandbox (their pids are not known when it is made) send it to
 * any thread, and one sent anywhere else does nothing. */
#define KICK_SIGNAL	SIGURG

static void on_kick(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)si;
	vmm_block_interrupt(uc);
}

static const int passed_on[] = { LSTAR_SIGNALS_PASSED_ON };

void vmm_signal_kick_vcpu(struct vmm_vcpu *cpu)
{
	atomic_store(&cpu->kicked, true);
	if (cpu->run)
		cpu->run->immediate_exit = 1;
	syscall(SYS_tgkill, host_pid, cpu->host_tid, KICK_SIGNAL);
}

void vmm_signal_kick(void)
{
	struct vmm *vmm = atomic_load(&kick_vmm);

	if (!vmm)
		return;
	/* A vCPU that runs a thread of the program: the shim passes the
	 * signal on to one that can take it. */
	for (int i = 0; i < vmm->nvcpus; i++)
		if (atomic_load(&vmm->vcpu[i].state) == VMM_VCPU_RUNNING) {
			vmm_signal_kick_vcpu(&vmm->vcpu[i]);
			return;
		}
}

static void on_outside(int sig, siginfo_t *si, void *uc)
{
	(void)si;
	atomic_fetch_or(&outside, 1ULL << (sig - 1));
	vmm_signal_kick();
	vmm_block_interrupt(uc);
}

int vmm_signal_catch(void)
{
	struct sigaction sa = { .sa_sigaction = on_outside, .sa_flags = SA_SIGINFO };
	struct sigaction kick = { .sa_sigaction = on_kick, .sa_flags = SA_SIGINFO };

	host_pid = getpid();
	sigemptyset(&sa.sa_mask);
	sigemptyset(&kick.sa_mask);
	/* No SA_RESTART: a forwarded call blocked in the host returns EINTR. */
	for (size_t i = 0; i < sizeof(passed_on) / sizeof(passed_on[0]); i++)
		if (sigaction(passed_on[i], &sa, NULL) < 0)
			return -errno;
	return sigaction(KICK_SIGNAL, &kick, NULL) < 0 ? -errno : 0;
}

void vmm_signal_forked(void)
{
	host_pid = getpid();
	/* Signals sent to the parent's lstar are the parent's, as Linux's
	 * fork leaves pending signals behind. */
	atomic_store(&outside, 0);
}

int vmm_signal_kick_signal(void)
{
	return KICK_SIGNAL;
}

void vmm_signal_kick_target(struct vmm *vmm)
{
	atomic_store(&kick_vmm, vmm);
}

bool vmm_signal_pending(const struct vmm_vcpu *cpu)
{
	return atomic_load(&outside) != 0 || vmm_timer_pending(cpu->proc) ||
	       atomic_load(&cpu->kicked) || vmm_procs_mail_waits(cpu->vmm);
}

int64_t vmm_signal_take(struct vmm_vcpu *cpu, struct lstar_hc_events *e)
{
	uint64_t set = atomic_load(&outside), taken = 0;

	memset(e, 0, sizeof(*e));
	while (set && e->count < LSTAR_HC_MAX_EVENTS) {
		int sig = __builtin_ctzll(set) + 1;

		/* From outside the program's pid and user namespaces, as
		 * Linux reports such a sender: pid 0, the overflow uid. */
		e->ev[e->count++] = (struct lstar_hc_event){
			.signo = sig, .code = SI_USER, .pid = 0, .uid = LSTAR_NOBODY,
		};
		taken |= 1ULL << (sig - 1);
		set &= set - 1;
	}
	atomic_fetch_and(&outside, ~taken);
	atomic_store(&cpu->kicked, false);
	vmm_procs_take_mail(cpu->vmm, e);
	vmm_timer_take(cpu, e);
	cpu->event_injected = false;
	return 0;
}

/*
 * LSTAR_HC_WAIT.  The signals that bring events are blocked while the
 * books are looked at, then let in by ppoll as it starts to sleep, so
 * that one coming in between still wakes it.  --timeout's SIGALRM is
 * never blocked: it ends the sleep, and the vCPU loop then the run.
 */
int64_t vmm_signal_wait(struct vmm_vcpu *cpu, int64_t *timeout_ns)
{
	struct timespec t0, t1, ts;
	sigset_t wake, old;
	int64_t spent;

	sigemptyset(&wake);
	for (size_t i = 0; i < sizeof(passed_on) / sizeof(passed_on[0]); i++)
		sigaddset(&wake, passed_on[i]);
	sigaddset(&wake, vmm_timer_signal());
	sigaddset(&wake, KICK_SIGNAL);
	pthread_sigmask(SIG_BLOCK, &wake, &old);
	if (vmm_signal_pending(cpu) || *timeout_ns == 0)
		goto out;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ts.tv_sec = *timeout_ns / 1000000000;
	ts.tv_nsec = *timeout_ns % 1000000000;
	vmm_block_begin(cpu);
	ppoll(NULL, 0, *timeout_ns < 0 ? NULL : &ts, &old);
	vmm_block_end(cpu);
	if (*timeout_ns > 0) {
		clock_gettime(CLOCK_MONOTONIC, &t1);
		spent = (t1.tv_sec - t0.tv_sec) * 1000000000 + (t1.tv_nsec - t0.tv_nsec);
		*timeout_ns = spent >= *timeout_ns ? 0 : *timeout_ns - spent;
	}
out:
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return vmm_signal_pending(cpu);
}

/*
 * Before the vCPU runs again: if signals wait, interrupt the guest, now
 * when ring 3 runs with interrupts on, else as soon as it does (an
 * interrupt window).  Once per batch: the shim takes them all.
 */
void vmm_signal_inject(struct vmm_vcpu *cpu)
{
	struct kvm_run *run = cpu->run;

	if (!vmm_signal_pending(cpu) || cpu->event_injected) {
		run->request_interrupt_window = 0;
		return;
	}
	if (run->ready_for_interrupt_injection && run->if_flag) {
		struct kvm_interrupt irq = { .irq = LSTAR_VECTOR_EVENT };

		if (ioctl(cpu->fd, KVM_INTERRUPT, &irq) == 0) {
			cpu->event_injected = true;
			run->request_interrupt_window = 0;
			return;
		}
	}
	run->request_interrupt_window = 1;
}
