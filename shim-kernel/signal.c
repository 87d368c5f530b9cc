/* SPDX-License-Identifier: MIT */
/*
 * signal.c - signals, as Linux's kernel/signal.c and arch/x86/kernel/
 * signal.c keep and deliver them, cut to one process.
 *
 * The books, all under process_lock (other CPUs send): the process's
 * actions and its pending set (kill, signals from outside, timers not
 * aimed at a thread); each thread's blocked mask, pending set with one
 * siginfo per signal, and alternate stack (its struct task).  A signal is
 * queued to a thread by tgkill and tkill, a write to a broken pipe or a
 * fault (traps.c), to the process by kill and the events from outside;
 * the thread that will take it is woken (LSTAR_HC_KICK interrupts its
 * vCPU).  It is delivered on the way back to ring 3 (signal_deliver,
 * from syscall_exit_to_user): the default action, or an rt_sigframe on
 * the user or alternate stack laid out exactly as Linux lays it out, with
 * the FPU state the VMM saves into it (LSTAR_HC_FPU: the shim cannot
 * execute XSAVE on PVM) and the handler started on it.  rt_sigreturn
 * takes the frame back; everything in it is the program's and is checked
 * as hostile: the exit path forces user selectors, sanitizes RFLAGS and
 * refuses a RIP ring 3 cannot resume at, and the VMM refuses an FPU image
 * XRSTOR would fault on.
 *
 * Default actions: terminate for most, ignore for SIGCHLD, SIGURG,
 * SIGWINCH and SIGCONT; the stop signals are ignored too (lstar has no
 * job control: docs/DECISIONS.md).  A program killed by a signal it was
 * sent ends silently with 128 + N, as under a shell that does not
 * comment; one killed by a fault is reported (traps.c).
 */
#include <asm/sigcontext.h>
#include <asm-generic/siginfo.h>
#include <linux/signal.h>
#include "shim.h"
#include "task.h"

/* asm/ucontext.h's flags (the header itself needs libc's types). */
#define UC_FP_XSTATE		0x1
#define UC_SIGCONTEXT_SS	0x2
#define UC_STRICT_RESTORE_SS	0x4

#define sigmask(sig)	(1ULL << ((sig) - 1))
#define SIGMASK_UNBLOCKABLE (sigmask(SIGKILL) | sigmask(SIGSTOP))
#define SIG_DEFAULT_IGNORE (sigmask(SIGCHLD) | sigmask(SIGURG) | sigmask(SIGWINCH) | \
			    sigmask(SIGCONT) | sigmask(SIGSTOP) | sigmask(SIGTSTP) | \
			    sigmask(SIGTTIN) | sigmask(SIGTTOU))

/* The sa_flags x86-64 Linux keeps (UAPI_SA_FLAGS). */
#define SA_RESTORER_LINUX 0x04000000
#define SA_KNOWN_FLAGS (SA_NOCLDSTOP | SA_NOCLDWAIT | SA_SIGINFO | \
			SA_ONSTACK | SA_RESTART | SA_NODEFER | SA_RESETHAND | \
			SA_RESTORER_LINUX)

/* The flags rt_sigreturn may restore (Linux's FIX_EFLAGS); the exit path
 * sanitizes the rest. */
#define FIX_EFLAGS (X86_EFLAGS_AC | X86_EFLAGS_OF | X86_EFLAGS_DF | X86_EFLAGS_TF | \
		    X86_EFLAGS_SF | X86_EFLAGS_ZF | X86_EFLAGS_AF | X86_EFLAGS_PF | \
		    X86_EFLAGS_CF | X86_EFLAGS_RF)

#define MINSIGSTKSZ_LINUX 2048

struct k_sigaction {
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	uint64_t mask;
};

static struct k_sigaction sigactions[LSTAR_NSIG];	/* under process_lock */
/* The signals whose handler is SIG_IGN, kept with sigactions[] by
 * handler_set (what execve hands on, without a walk of all 64). */
static uint64_t sigs_ignored;			/* under process_lock */

/* The kernel's struct ucontext and x86-64 struct rt_sigframe. */
struct user_ucontext {
	uint64_t uc_flags;
	uint64_t uc_link;
	struct {
		uint64_t ss_sp;
		int32_t ss_flags;
		int32_t _pad;
		uint64_t ss_size;
	} uc_stack;
	struct sigcontext_64 uc_mcontext;
	uint64_t uc_sigmask;
};

struct rt_sigframe {
	uint64_t pretcode;		/* the restorer: the handler returns to it */
	struct user_ucontext uc;
	siginfo_t info;
};

_Static_assert(__builtin_offsetof(struct rt_sigframe, uc.uc_mcontext) == 48, "sigframe");
_Static_assert(__builtin_offsetof(struct rt_sigframe, info) == 312, "sigframe");
_Static_assert(sizeof(struct rt_sigframe) == 440, "sigframe");
_Static_assert(sizeof(siginfo_t) == 128, "siginfo");

/* --- the books ------------------------------------------------------------- */

/*
 * The process's pending signals (kill, signals from outside, timers not
 * aimed at a thread): whichever thread does not block one takes it.  These
 * and every thread's own books are under process_lock: other CPUs send.
 */
static uint64_t shared_pending;
static siginfo_t shared_info[LSTAR_NSIG];
/* Each thread's, by its slot: an entry means something only while its
 * signal's bit is in the task's sigpending, so a new thread need not
 * clear its 8 KiB. */
static siginfo_t pending_info[LSTAR_MAX_VCPUS][LSTAR_NSIG];

/* Has t a signal to deliver? */
static bool signal_ready(const struct task *t)
{
	return t->must_exit || ((t->sigpending | shared_pending) & ~t->sigblocked) != 0;
}

/* Keep the answer where t's CPU's exit path reads it in one load
 * (written from the sender's CPU too). */
static void recalc_sigpending(struct task *t)
{
	__atomic_store_n(&t->pcpu->sig_work, (uint8_t)signal_ready(t), __ATOMIC_RELAXED);
}

void signal_zap_others(void)
{
	struct task *self = current();
	unsigned int cpus[LSTAR_MAX_VCPUS], n = 0;

	spin_lock(&process_lock);
	for (unsigned int i = 0; i < task_slots; i++)
		if (tasks[i].tid && &tasks[i] != self) {
			tasks[i].must_exit = true;
			recalc_sigpending(&tasks[i]);
			cpus[n++] = tasks[i].cpu;
		}
	spin_unlock(&process_lock);
	for (unsigned int i = 0; i < n; i++) {
		hc_block()->kick.cpu = cpus[i];
		hcall(LSTAR_HC_KICK);
	}
}

/* Note the new handler of sigactions[i] (signal i + 1, i below
 * LSTAR_NSIG) in sigs_ignored, after every change of it. */
static void handler_set(unsigned int i)
{
	if (sigactions[i].handler == (uint64_t)SIG_IGN)
		sigs_ignored |= 1ULL << i;
	else
		sigs_ignored &= ~(1ULL << i);
}

static void set_blocked(struct task *t, uint64_t mask)
{
	spin_lock(&process_lock);
	t->sigblocked = mask & ~SIGMASK_UNBLOCKABLE;
	recalc_sigpending(t);
	spin_unlock(&process_lock);
}

/* Would sig be dropped on arrival at t: not blocked, and its action is to
 * ignore it (as Linux's sig_ignored; a blocked one waits, as its action
 * may change before it is unblocked)?  Under process_lock. */
static bool ignored(const struct task *t, int sig)
{
	const struct k_sigaction *ka = &sigactions[sig - 1];

	if (t->sigblocked & sigmask(sig))
		return false;
	return ka->handler == (uint64_t)SIG_IGN ||
	       (ka->handler == (uint64_t)SIG_DFL && (sigmask(sig) & SIG_DEFAULT_IGNORE));
}

/*
 * Add sig with info to a pending set.  A standard signal already pending
 * is not queued twice (its first siginfo stays), as on Linux; a timer's
 * expiry while its own signal waits is counted in that signal's overrun.
 * False when nothing new is pending.
 */
static bool queue(uint64_t *set, siginfo_t *infos, int sig, const siginfo_t *info)
{
	siginfo_t *p = &infos[sig - 1];

	if (*set & sigmask(sig)) {
		if (info->si_code == SI_TIMER && p->si_code == SI_TIMER &&
		    p->si_tid == info->si_tid) {
			int64_t sum = (int64_t)p->si_overrun + 1 + info->si_overrun;

			p->si_overrun = sum > INT32_MAX ? INT32_MAX : (int32_t)sum;
		}
		return false;
	}
	*p = *info;
	*set |= sigmask(sig);
	return true;
}

/* Interrupt t's CPU, so that it delivers what it now has pending: at its
 * next return to ring 3, or at once if it runs there or waits. */
static void kick(const struct task *t)
{
	struct lstar_hc_kick *k = &hc_block()->kick;

	k->cpu = t->cpu;
	hcall(LSTAR_HC_KICK);
}

/* Does t take sig now: it does not block it, or waits for it in
 * rt_sigtimedwait? */
static bool wants(const struct task *t, int sig)
{
	return !(t->sigblocked & sigmask(sig)) || (t->waiting_for & sigmask(sig));
}

/* Queue sig to thread t (a fault, tgkill, a broken pipe). */
static void send_signal(struct task *t, int sig, const siginfo_t *info)
{
	bool wake = false;

	spin_lock(&process_lock);
	if (t->tid && !ignored(t, sig) && queue(&t->sigpending, pending_info[t->cpu], sig, info)) {
		recalc_sigpending(t);
		wake = wants(t, sig) && t != current();
	}
	spin_unlock(&process_lock);
	if (wake)
		kick(t);
}

/* Queue sig to the process, and wake the thread that will take it: this
 * one unless it blocks sig, else the first that does not (as Linux's
 * complete_signal picks).  If every thread blocks it, it waits for one
 * that unblocks it. */
static void send_process(int sig, const siginfo_t *info)
{
	struct task *self = current(), *to = NULL;

	spin_lock(&process_lock);
	if (!ignored(self, sig) && queue(&shared_pending, shared_info, sig, info)) {
		if (wants(self, sig))
			to = self;
		for (unsigned int i = 0; !to && i < task_slots; i++)
			if (tasks[i].tid && wants(&tasks[i], sig))
				to = &tasks[i];
		if (to)
			recalc_sigpending(to);
	}
	spin_unlock(&process_lock);
	if (to && to != self)
		kick(to);
}

/* What sig's action is now. */
static struct k_sigaction action_of(int sig)
{
	struct k_sigaction ka;

	spin_lock(&process_lock);
	ka = sigactions[sig - 1];
	spin_unlock(&process_lock);
	return ka;
}

/* The siginfo of a signal the program sends (kill, tgkill, tkill, a
 * broken pipe). */
static siginfo_t sent_info(int sig, int code)
{
	siginfo_t info;

	memset(&info, 0, sizeof(info));
	info.si_signo = sig;
	info.si_code = code;
	info.si_pid = process_pid;
	info.si_uid = boot_info.uid;
	return info;
}

int signal_mask_for_call(uint64_t gva, uint64_t size)
{
	struct task *t = current();
	uint64_t mask;
	int err;

	if (size != sizeof(mask))
		return -EINVAL;
	if ((err = copy_from_user(&mask, gva, sizeof(mask))))
		return err;
	t->saved_sigmask = t->sigblocked;
	t->restore_sigmask = true;
	set_blocked(t, mask);
	/* A signal the mask lets in is already here: no wait. */
	return signal_ready(t) ? 1 : 0;
}

void signal_mask_after_call(long ret)
{
	struct task *t = current();

	/* Interrupted, the exit path delivers under the call's mask and
	 * puts the caller's back (a handler's frame holds it). */
	if (ret <= -LSTAR_ERESTARTSYS && ret >= -LSTAR_ERESTART_RESTARTBLOCK) {
		this_cpu_write(sig_work, 1);
		return;
	}
	t->restore_sigmask = false;
	set_blocked(t, t->saved_sigmask);
}

void signal_forked(void)
{
	shared_pending = 0;
}

void signal_init(void)
{
	if (!boot_info.sig_ignored)
		return;		/* the first program: every emulated step counts */
	for (int sig = 1; sig <= LSTAR_NSIG; sig++)
		if (boot_info.sig_ignored & sigmask(sig) & ~SIGMASK_UNBLOCKABLE) {
			sigactions[sig - 1].handler = (uint64_t)SIG_IGN;
			handler_set((unsigned int)sig - 1);
		}
}

uint64_t signal_ignored_set(void)
{
	return __atomic_load_n(&sigs_ignored, __ATOMIC_RELAXED);
}

void sig_send_pipe(void)
{
	siginfo_t info = sent_info(SIGPIPE, SI_USER);

	send_signal(current(), SIGPIPE, &info);
}

void force_sig_fault(struct pt_regs *regs, int sig, int code, uint64_t addr,
		     uint64_t vector, uint64_t error_code)
{
	struct task *t = current();
	struct k_sigaction ka = action_of(sig);
	siginfo_t info;

	/*
	 * As Linux's force_sig_fault: a fault signal that is blocked or
	 * ignored cannot be, and a handler that faults again (its own signal
	 * blocked) is not run again: the default action, which for every
	 * fault signal ends the program (reported, with the fault).
	 */
	if ((t->sigblocked & sigmask(sig)) || ka.handler == (uint64_t)SIG_IGN ||
	    ka.handler == (uint64_t)SIG_DFL)
		force_sig_exit(regs, sig, vector, addr);
	memset(&info, 0, sizeof(info));
	info.si_signo = sig;
	info.si_code = code;
	info.si_addr = (void *)addr;
	t->trapno = vector;
	t->error_code = error_code;
	t->cr2 = vector == X86_TRAP_PF ? addr : 0;
	/* A fault goes first: drop an older queued one of the same signal. */
	spin_lock(&process_lock);
	t->sigpending &= ~sigmask(sig);
	spin_unlock(&process_lock);
	send_signal(t, sig, &info);
}

/* --- delivery -------------------------------------------------------------- */

static bool on_altstack(const struct task *t, uint64_t sp)
{
	return t->altstack.size && sp > t->altstack.sp &&
	       sp - t->altstack.sp <= t->altstack.size;
}

/* sigaltstack's ss_flags for a thread whose stack pointer is sp. */
static int32_t altstack_flags(const struct task *t, uint64_t sp)
{
	if (!t->altstack.size)
		return SS_DISABLE;
	return (on_altstack(t, sp) ? SS_ONSTACK : 0) | (t->altstack.flags & (int32_t)SS_AUTODISARM);
}

int64_t fpu_call(uint32_t op, uint64_t fpstate)
{
	struct lstar_hc_fpu *f = &hc_block()->fpu;

	f->op = op;
	f->addr = fpstate;
	hcall(LSTAR_HC_FPU);
	return f->ret;
}

/*
 * Build sig's frame for handler ka and point regs at the handler, as
 * Linux's setup_rt_frame: below the red zone (or at the top of the
 * alternate stack), the FPU area 64-byte aligned, the frame below it so
 * that the handler starts as if called (rsp + 8 16-byte aligned).
 * 0, or -EFAULT when the stack cannot take it.
 */
static int setup_rt_frame(struct pt_regs *regs, int sig, const struct k_sigaction *ka,
			  const siginfo_t *info)
{
	struct task *t = current();
	uint64_t sp = regs->sp - 128, fpstate = 0, frame_addr;
	/* The mask rt_sigreturn puts back: rt_sigsuspend's caller's. */
	uint64_t mask = t->restore_sigmask ? t->saved_sigmask : t->sigblocked;
	struct rt_sigframe frame;
	bool to_altstack = (ka->flags & SA_ONSTACK) && t->altstack.size &&
			   !on_altstack(t, regs->sp);

	if (!(ka->flags & SA_RESTORER_LINUX))
		return -EFAULT;		/* x86-64 has no default restorer */
	if (to_altstack)
		sp = t->altstack.sp + t->altstack.size;
	if (boot_info.fpstate_size) {
		sp = (sp - boot_info.fpstate_size) & ~63ULL;
		fpstate = sp;
	}
	frame_addr = ((sp - sizeof(frame)) & ~15ULL) - 8;

	memset(&frame, 0, sizeof(frame));
	frame.pretcode = ka->restorer;
	frame.uc.uc_flags = UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS |
			    (boot_info.fpstate_size > 512 ? UC_FP_XSTATE : 0);
	frame.uc.uc_stack.ss_sp = t->altstack.sp;
	frame.uc.uc_stack.ss_flags = altstack_flags(t, regs->sp);
	frame.uc.uc_stack.ss_size = t->altstack.size;
	frame.uc.uc_mcontext = (struct sigcontext_64){
		.r8 = regs->r8, .r9 = regs->r9, .r10 = regs->r10, .r11 = regs->r11,
		.r12 = regs->r12, .r13 = regs->r13, .r14 = regs->r14, .r15 = regs->r15,
		.di = regs->di, .si = regs->si, .bp = regs->bp, .bx = regs->bx,
		.dx = regs->dx, .ax = regs->ax, .cx = regs->cx, .sp = regs->sp,
		.ip = regs->ip, .flags = regs->flags, .cs = LSTAR_USER_CS,
		.ss = LSTAR_USER_DS, .err = t->error_code, .trapno = t->trapno,
		.oldmask = mask, .cr2 = t->cr2, .fpstate = fpstate,
	};
	frame.uc.uc_sigmask = mask;
	frame.info = *info;
	if (copy_to_user(frame_addr, &frame, sizeof(frame)))
		return -EFAULT;
	if (fpstate && fpu_call(LSTAR_FPU_SAVE, fpstate))
		return -EFAULT;

	regs->di = (uint64_t)sig;
	regs->si = frame_addr + __builtin_offsetof(struct rt_sigframe, info);
	regs->dx = frame_addr + __builtin_offsetof(struct rt_sigframe, uc);
	regs->ax = 0;
	regs->sp = frame_addr;
	regs->ip = ka->handler;
	regs->flags &= ~(X86_EFLAGS_DF | X86_EFLAGS_RF | X86_EFLAGS_TF);
	regs->cs = LSTAR_USER_CS;
	regs->ss = LSTAR_USER_DS;
	if (to_altstack && (t->altstack.flags & (int32_t)SS_AUTODISARM))
		t->altstack.sp = t->altstack.size = 0;
	return 0;
}

/* The lowest signal of want pending for t, taken off its pending set (its
 * own first, then the process's), or 0. */
static int dequeue_from(struct task *t, uint64_t want, siginfo_t *info)
{
	uint64_t *set = &t->sigpending;
	siginfo_t *infos = pending_info[t->cpu];
	int sig = 0;

	spin_lock(&process_lock);
	if (!(*set & want)) {
		set = &shared_pending;
		infos = shared_info;
	}
	if (*set & want) {
		sig = __builtin_ctzll(*set & want) + 1;
		*info = infos[sig - 1];
		*set &= ~sigmask(sig);
	}
	recalc_sigpending(t);
	spin_unlock(&process_lock);
	return sig;
}

/* The lowest deliverable signal, taken off the pending sets, or 0. */
static int dequeue(struct task *t, siginfo_t *info)
{
	return dequeue_from(t, ~t->sigblocked, info);
}

/* Was the system call that regs return from interrupted (an ERESTART
 * code in ax)? */
static bool interrupted(const struct pt_regs *regs)
{
	long ret = (long)regs->ax;

	return (long)regs->orig_ax >= 0 && ret <= -LSTAR_ERESTARTSYS &&
	       ret >= -LSTAR_ERESTART_RESTARTBLOCK;
}

/*
 * The interrupted call's fate, as Linux's handle_signal and
 * arch_do_signal_or_restart decide it: EINTR when a handler runs (unless
 * SA_RESTART allows a restartable call again), else run it again (the
 * syscall instruction is the two bytes before ip), or resume it through
 * restart_syscall.
 */
static void restart_or_eintr(struct pt_regs *regs, const struct k_sigaction *ka)
{
	long code = -(long)regs->ax;

	if (ka && (code == LSTAR_ERESTARTNOHAND || code == LSTAR_ERESTART_RESTARTBLOCK ||
		   (code == LSTAR_ERESTARTSYS && !(ka->flags & SA_RESTART)))) {
		regs->ax = -EINTR;
		return;
	}
	regs->ax = code == LSTAR_ERESTART_RESTARTBLOCK ? __NR_restart_syscall : regs->orig_ax;
	regs->ip -= 2;
}

void signal_deliver(struct pt_regs *regs)
{
	struct task *t = current();
	bool restart = interrupted(regs);
	siginfo_t info;
	int sig;

	if (t->must_exit)
		thread_zapped();
	while ((sig = dequeue(t, &info))) {
		struct k_sigaction ka = action_of(sig);

		if (ka.handler == (uint64_t)SIG_IGN)
			continue;
		if (ka.handler == (uint64_t)SIG_DFL) {
			if (sigmask(sig) & SIG_DEFAULT_IGNORE)
				continue;
			hc_exit(LSTAR_EXIT_SIGNAL, sig, regs, LSTAR_EXIT_VECTOR_SENT, 0);
		}
		if (restart) {
			restart_or_eintr(regs, &ka);
			restart = false;
		}
		if (setup_rt_frame(regs, sig, &ka, &info)) {
			/* As Linux's signal_setup_done failing: SIGSEGV, which
			 * ends the program if it was SIGSEGV's own handler. */
			if (sig == SIGSEGV) {
				spin_lock(&process_lock);
				sigactions[SIGSEGV - 1].handler = (uint64_t)SIG_DFL;
				handler_set(SIGSEGV - 1);
				spin_unlock(&process_lock);
			}
			force_sig_fault(regs, SIGSEGV, SI_KERNEL, 0, X86_TRAP_GP, 0);
			continue;
		}
		if (ka.flags & SA_RESETHAND) {
			spin_lock(&process_lock);
			sigactions[sig - 1].handler = (uint64_t)SIG_DFL;
			sigactions[sig - 1].flags &= ~(uint64_t)SA_SIGINFO;
			handler_set((unsigned int)sig - 1);
			spin_unlock(&process_lock);
		}
		t->restore_sigmask = false;	/* the frame holds it */
		set_blocked(t, t->sigblocked | ka.mask |
			       ((ka.flags & SA_NODEFER) ? 0 : sigmask(sig)));
		/* A fault's details belong to its own frame only. */
		t->trapno = t->error_code = t->cr2 = 0;
		/* set_blocked said whether another is ready: most often
		 * not, and then no dequeue needs to find nothing.  One that
		 * comes after this read kicks this CPU, which delivers it. */
		if (!this_cpu_read(sig_work))
			break;
	}
	/* Nothing ran a handler: the call goes on, under its caller's mask. */
	if (restart)
		restart_or_eintr(regs, NULL);
	if (t->restore_sigmask) {
		t->restore_sigmask = false;
		set_blocked(t, t->saved_sigmask);
	}
}

void signal_take_events(void)
{
	const struct lstar_hc_events *e = &hc_block()->events;
	uint32_t n;

	do {
		hcall(LSTAR_HC_EVENTS);
		n = e->count < LSTAR_HC_MAX_EVENTS ? e->count : LSTAR_HC_MAX_EVENTS;
		for (uint32_t i = 0; i < n; i++) {
			struct lstar_hc_event ev = e->ev[i];	/* read once */
			siginfo_t info;

			if (ev.signo < 1 || ev.signo > LSTAR_NSIG)
				continue;
			memset(&info, 0, sizeof(info));
			info.si_signo = ev.signo;
			info.si_code = ev.code;
			if (ev.code == SI_TIMER) {
				info.si_tid = ev.timerid;
				info.si_overrun = ev.overrun;
				info.si_value.sival_ptr = (void *)ev.value;
			} else {
				info.si_pid = ev.pid;
				info.si_uid = ev.uid;
				/* A child's end: its exit code or signal. */
				if (ev.code > 0)
					info.si_status = ev.status;
			}
			if (ev.tid) {
				struct task *t;

				spin_lock(&process_lock);
				t = task_by_tid(ev.tid);
				spin_unlock(&process_lock);
				if (t)		/* else it has ended: dropped */
					send_signal(t, ev.signo, &info);
			} else {
				send_process(ev.signo, &info);
			}
		}
	} while (n == LSTAR_HC_MAX_EVENTS);
}

long sys_rt_sigreturn(struct pt_regs *regs)
{
	struct task *t = current();
	struct user_ucontext uc;
	const struct sigcontext_64 *sc = &uc.uc_mcontext;
	uint64_t frame_addr = regs->sp - 8;	/* the handler's ret took pretcode */
	bool bad_selectors;

	if (copy_from_user(&uc, frame_addr + __builtin_offsetof(struct rt_sigframe, uc),
			   sizeof(uc)))
		goto badframe;
	regs->r8 = sc->r8; regs->r9 = sc->r9; regs->r10 = sc->r10; regs->r11 = sc->r11;
	regs->r12 = sc->r12; regs->r13 = sc->r13; regs->r14 = sc->r14; regs->r15 = sc->r15;
	regs->di = sc->di; regs->si = sc->si; regs->bp = sc->bp; regs->bx = sc->bx;
	regs->dx = sc->dx; regs->ax = sc->ax; regs->cx = sc->cx; regs->sp = sc->sp;
	regs->ip = sc->ip;
	regs->flags = (regs->flags & ~FIX_EFLAGS) | (sc->flags & FIX_EFLAGS);
	regs->cs = LSTAR_USER_CS;
	regs->ss = LSTAR_USER_DS;
	regs->orig_ax = -1;		/* no system call to restart */
	if (fpu_call(sc->fpstate ? LSTAR_FPU_RESTORE : LSTAR_FPU_INIT, sc->fpstate))
		goto badframe;
	/* Linux returns to the frame's selectors (with RPL 3): anything but
	 * the 64-bit user code and data segments faults the IRET, which is
	 * SIGSEGV.  lstar returns with its own selectors, and so raises the
	 * SIGSEGV itself. */
	bad_selectors = (sc->cs | 3) != LSTAR_USER_CS || (sc->ss | 3) != LSTAR_USER_DS;
	set_blocked(t, uc.uc_sigmask);
	/* The alternate stack as the frame says, when it may change: any
	 * error but a fault is ignored, as Linux's restore_altstack does. */
	if (!on_altstack(t, regs->sp)) {
		if (uc.uc_stack.ss_flags & SS_DISABLE) {
			t->altstack.sp = t->altstack.size = 0;
			t->altstack.flags = SS_DISABLE;
		} else if (uc.uc_stack.ss_size >= MINSIGSTKSZ_LINUX &&
			   !(uc.uc_stack.ss_flags & ~(SS_ONSTACK | (int32_t)SS_AUTODISARM))) {
			t->altstack.sp = uc.uc_stack.ss_sp;
			t->altstack.size = uc.uc_stack.ss_size;
			t->altstack.flags = uc.uc_stack.ss_flags & (int32_t)SS_AUTODISARM;
		}
	}
	if (bad_selectors)
		force_sig_fault(regs, SIGSEGV, SI_KERNEL, 0, X86_TRAP_GP, 0);
	return (long)regs->ax;

badframe:
	force_sig_fault(regs, SIGSEGV, SI_KERNEL, 0, X86_TRAP_GP, 0);
	return (long)regs->ax;
}

/* --- the calls ------------------------------------------------------------- */

static long do_sigaction(struct pt_regs *regs)
{
	int sig = (int)regs->di;	/* an int, as Linux reads it */
	struct k_sigaction new, *k;
	unsigned int i;
	long err;

	if (regs->r10 != sizeof(uint64_t) || sig < 1 || sig > LSTAR_NSIG)
		return -EINVAL;
	i = (unsigned int)array_index_nospec((unsigned long)sig - 1, LSTAR_NSIG);
	k = &sigactions[i];
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
	if (regs->si) {
		*k = new;
		handler_set(i);
	}
	return 0;
}

long sys_rt_sigaction(struct pt_regs *regs)
{
	int sig = (int)regs->di;
	long ret;

	spin_lock(&process_lock);
	ret = do_sigaction(regs);
	spin_unlock(&process_lock);
	/* A signal now ignored is discarded if pending, as on Linux. */
	if (!ret && regs->si) {
		struct k_sigaction ka = action_of(sig);

		/* Whether the children are reaped as they end is the VMM's
		 * to know (the book): SIGCHLD ignored, or SA_NOCLDWAIT. */
		if (sig == SIGCHLD) {
			hc_block()->children.reap = ka.handler == (uint64_t)SIG_IGN ||
						    (ka.flags & SA_NOCLDWAIT);
			hcall(LSTAR_HC_CHILDREN);
		}
		if (ka.handler == (uint64_t)SIG_IGN ||
		    (ka.handler == (uint64_t)SIG_DFL && (sigmask(sig) & SIG_DEFAULT_IGNORE))) {
			spin_lock(&process_lock);
			shared_pending &= ~sigmask(sig);
			for (unsigned int i = 0; i < task_slots; i++)
				if (tasks[i].tid) {
					tasks[i].sigpending &= ~sigmask(sig);
					recalc_sigpending(&tasks[i]);
				}
			spin_unlock(&process_lock);
		}
	}
	return ret;
}

long sys_rt_sigprocmask(struct pt_regs *regs)
{
	struct task *t = current();
	uint64_t set = 0, old = t->sigblocked, next = old;
	long err;

	if (regs->r10 != sizeof(uint64_t))
		return -EINVAL;
	if (regs->si) {
		err = copy_from_user(&set, regs->si, sizeof(set));
		if (err)
			return err;
		switch ((int)regs->di) {
		case SIG_BLOCK:
			next = old | set;
			break;
		case SIG_UNBLOCK:
			next = old & ~set;
			break;
		case SIG_SETMASK:
			next = set;
			break;
		default:
			return -EINVAL;
		}
	}
	if (regs->dx) {
		err = copy_to_user(regs->dx, &old, sizeof(old));
		if (err)
			return err;
	}
	set_blocked(t, next);
	return 0;
}

long sys_rt_sigpending(struct pt_regs *regs)
{
	struct task *t = current();
	uint64_t set = (t->sigpending | shared_pending) & t->sigblocked;

	if (regs->si > sizeof(uint64_t))
		return -EINVAL;
	return copy_to_user(regs->di, &set, regs->si);
}

long sys_sigaltstack(struct pt_regs *regs)
{
	struct task *t = current();
	__typeof__(t->altstack) new;
	struct {
		uint64_t sp;
		int32_t flags;
		int32_t _pad;
		uint64_t size;
	} old = { t->altstack.sp, altstack_flags(t, regs->sp), 0, t->altstack.size };
	long err;

	if (regs->di) {
		err = copy_from_user(&new, regs->di, sizeof(new));
		if (err)
			return err;
		if (on_altstack(t, regs->sp))
			return -EPERM;
		if (new.flags & ~(SS_DISABLE | SS_ONSTACK | (int32_t)SS_AUTODISARM))
			return -EINVAL;
		if (new.flags & SS_DISABLE) {
			new.sp = 0;
			new.size = 0;
		} else if (new.size < MINSIGSTKSZ_LINUX) {
			return -ENOMEM;
		}
		new.flags &= (int32_t)SS_AUTODISARM;
	}
	if (regs->si) {
		err = copy_to_user(regs->si, &old, sizeof(old));
		if (err)
			return err;
	}
	if (regs->di)
		t->altstack = new;
	return 0;
}

/* --- waiting for signals --------------------------------------------------- */

/*
 * Sleep in the host until events come from outside the guest (a signal
 * sent to lstar, a timer) or *timeout_ns passes (-1: no limit; what is
 * left is written back), and queue what came.  False once time is up.
 */
static bool wait_events(int64_t *timeout_ns)
{
	struct lstar_hc_wait *w = &hc_block()->wait;
	int64_t left;
	bool came;

	w->timeout_ns = *timeout_ns;
	hcall(LSTAR_HC_WAIT);
	left = w->timeout_ns;
	came = w->ret == 1;
	if (*timeout_ns >= 0)
		*timeout_ns = left < 0 ? 0 : left < *timeout_ns ? left : *timeout_ns;
	if (came)
		signal_take_events();
	return came || *timeout_ns != 0;
}

/* pause and rt_sigsuspend end when a signal is delivered: EINTR once a
 * handler ran, else (the signal was ignored by then) they sleep again. */
static long sleep_for_signal(const struct task *t)
{
	int64_t forever = -1;

	while (!signal_ready(t))
		wait_events(&forever);
	return -LSTAR_ERESTARTNOHAND;
}

long sys_pause(struct pt_regs *regs)
{
	(void)regs;
	return sleep_for_signal(current());
}

long sys_rt_sigsuspend(struct pt_regs *regs)
{
	struct task *t = current();
	uint64_t mask;
	long err;

	if (regs->si != sizeof(uint64_t))
		return -EINVAL;
	if ((err = copy_from_user(&mask, regs->di, sizeof(mask))))
		return err;
	t->saved_sigmask = t->sigblocked;
	t->restore_sigmask = true;
	set_blocked(t, mask);
	return sleep_for_signal(t);
}

/*
 * rt_sigtimedwait: take a signal of the set, waiting for one as long as
 * the timeout says (none: for ever; zero: not at all).  EAGAIN when time
 * is up, EINTR when another signal is to be delivered first.
 */
long sys_rt_sigtimedwait(struct pt_regs *regs)
{
	struct task *t = current();
	struct { int64_t sec, nsec; } ts;
	int64_t timeout = -1;
	uint64_t set;
	siginfo_t info;
	long err;
	int sig;

	if (regs->r10 != sizeof(uint64_t))
		return -EINVAL;
	if ((err = copy_from_user(&set, regs->di, sizeof(set))))
		return err;
	set &= ~SIGMASK_UNBLOCKABLE;
	if (regs->dx) {
		if ((err = copy_from_user(&ts, regs->dx, sizeof(ts))))
			return err;
		if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= 1000000000)
			return -EINVAL;
		timeout = ts.sec > INT64_MAX / 1000000000 - 1 ? -1 :
			  ts.sec * 1000000000 + ts.nsec;
	}
	while (!(sig = dequeue_from(t, set, &info))) {
		bool more;

		if (signal_ready(t))
			return -EINTR;
		if (timeout == 0)
			return -EAGAIN;
		/* A signal of the set sent now wakes this thread. */
		__atomic_store_n(&t->waiting_for, set, __ATOMIC_SEQ_CST);
		sig = dequeue_from(t, set, &info);
		more = sig || wait_events(&timeout);
		__atomic_store_n(&t->waiting_for, 0, __ATOMIC_SEQ_CST);
		if (sig)
			break;
		if (!more) {
			if ((sig = dequeue_from(t, set, &info)))
				break;
			return -EAGAIN;
		}
	}
	if (regs->si && (err = copy_to_user(regs->si, &info, sizeof(info))))
		return err;
	return sig;
}

/* --- sending ----------------------------------------------------------------- */

/* The number is a signal (or 0, the check alone)?  -EINVAL if not. */
static int check_sig(int sig)
{
	return sig < 0 || sig > LSTAR_NSIG ? -EINVAL : 0;
}

/*
 * Signal the sandbox's other processes as kill(pid, ...) names them
 * (LSTAR_HC_SIGNAL: the VMM sends to them); true when the caller's own
 * process is among them too, for the caller to send itself.  0 or -ESRCH.
 */
static long send_others(int pid, int sig, int code, int tid, bool *self)
{
	struct lstar_hc_signal *hc = &hc_block()->signal;

	hc->pid = pid;
	hc->sig = sig;
	hc->code = code;
	hc->tid = tid;
	hcall(LSTAR_HC_SIGNAL);
	*self = hc->self;
	return hc->ret;
}

/*
 * kill: the caller's own pid is answered here; any other (0 and -pgid
 * name groups, -1 everyone but the caller) goes to the VMM, which keeps
 * the sandbox's processes.  No pid outside the sandbox exists.
 */
long sys_kill(struct pt_regs *regs)
{
	int pid = (int)regs->di, sig = (int)regs->si;
	bool self = pid == process_pid;
	int err = check_sig(sig);

	if (err)
		return err;
	if (pid == INT32_MIN)
		return -ESRCH;
	if (!self && (err = send_others(pid, sig, SI_USER, 0, &self)))
		return err;
	if (self && sig) {
		siginfo_t info = sent_info(sig, SI_USER);

		send_process(sig, &info);
	}
	return 0;
}

/* Send sig to thread tid of this process (tgkill, tkill): ESRCH if none. */
static long send_to_thread(int tid, int sig)
{
	siginfo_t info = sent_info(sig, SI_TKILL);
	struct task *t;

	spin_lock(&process_lock);
	t = task_by_tid(tid);
	spin_unlock(&process_lock);
	if (!t)
		return -ESRCH;
	if (sig)
		send_signal(t, sig, &info);
	return 0;
}

long sys_tgkill(struct pt_regs *regs)
{
	int tgid = (int)regs->di, tid = (int)regs->si, sig = (int)regs->dx;
	int err = check_sig(sig);

	bool self;

	if (err || tgid <= 0 || tid <= 0)
		return -EINVAL;
	if (tgid == process_pid)
		return send_to_thread(tid, sig);
	/* Another process's thread: its shim finds it. */
	return send_others(tgid, sig, SI_TKILL, tid, &self);
}

long sys_tkill(struct pt_regs *regs)
{
	int tid = (int)regs->di, sig = (int)regs->si;
	int err = check_sig(sig);

	bool self;

	if (err || tid <= 0)
		return -EINVAL;
	if (!send_to_thread(tid, sig))
		return 0;
	/* Another process's main thread, whose tid is its pid (another
	 * process's other threads are reached by tgkill, which names the
	 * process). */
	return send_others(tid, sig, SI_TKILL, tid, &self);
}
