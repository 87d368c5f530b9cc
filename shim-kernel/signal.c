/* SPDX-License-Identifier: MIT */
/*
 * signal.c - the program's signal books: the process's actions (under
 * process_lock) and each thread's blocked mask and alternate stack (its
 * struct task).  Recorded for the day delivery exists (a later issue);
 * today they decide only what a write to a broken pipe does.
 */
#include <linux/signal.h>
#include "shim.h"

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

static struct k_sigaction sigactions[NSIG_MAX];	/* under process_lock */


/* sig_default_unblocked - would sig take its default action now: no
 * handler set, and not blocked? */
bool sig_default_unblocked(int sig)
{
	bool dfl;

	spin_lock(&process_lock);
	dfl = sigactions[sig - 1].handler == (uint64_t)SIG_DFL;
	spin_unlock(&process_lock);
	return dfl && !(current()->sigblocked & (1ULL << (sig - 1)));
}

static long do_sigaction(struct pt_regs *regs)
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

long sys_rt_sigaction(struct pt_regs *regs)
{
	long ret;

	spin_lock(&process_lock);
	ret = do_sigaction(regs);
	spin_unlock(&process_lock);
	return ret;
}

long sys_rt_sigprocmask(struct pt_regs *regs)
{
	struct task *t = current();
	uint64_t set = 0, old = t->sigblocked;
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
			t->sigblocked |= set;
			break;
		case SIG_UNBLOCK:
			t->sigblocked &= ~set;
			break;
		case SIG_SETMASK:
			t->sigblocked = set;
			break;
		default:
			return -EINVAL;
		}
	}
	if (regs->dx) {
		err = copy_to_user(regs->dx, &old, sizeof(old));
		if (err) {
			t->sigblocked = old;
			return err;
		}
	}
	return 0;
}

#define MINSIGSTKSZ_LINUX 2048

long sys_sigaltstack(struct pt_regs *regs)
{
	struct task *t = current();
	__typeof__(t->altstack) new, old = t->altstack;
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
		t->altstack = new;
	return 0;
}
