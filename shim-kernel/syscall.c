/* SPDX-License-Identifier: MIT */
/*
 * syscall.c - do_syscall_64(), the syscall table, the calls the shim
 * answers itself, and the exit checks that choose SYSRET or IRET.
 *
 * The table comes from include/syscalls.def, one entry per row:
 *   SHIM       sys_<name>, answered in the guest (process.c, signal.c,
 *              mm.c), without leaving it
 *   VMM        sys_forward: handed to the VMM, which decides again on its
 *              own copy of the arguments and runs it on the host
 *   VMM_WRITE  sys_forward_write: the same, and EPIPE raises SIGPIPE
 *              (not for a send with MSG_NOSIGNAL)
 * and sys_ni_syscall for everything else: -ENOSYS, and a line with -v.
 */
#include <asm-generic/signal.h>
#include "policy.h"
#include "lstar_fuzz.h"
#include "shim.h"
#include "sysret.h"
#include "task.h"

#define NR_syscalls 512
_Static_assert(__NR_faccessat2 < NR_syscalls, "table covers the x86-64 calls");


/* The compiled policy (policy/policy.h). */
static const struct lstar_policy_table *policy;
uint8_t fast_ways[LSTAR_POLICY_NR];	/* its fast[], for entry.S */

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
	memcpy(fast_ways, t->fast, sizeof(fast_ways));
}

/*
 * Tell the VMM about a call the shim answered itself, for the trace, -v
 * or a `log` rule.  The block is the VMM's to print; nothing in it comes
 * back.
 */
static void trace_call(unsigned long nr, const uint64_t args[6],
		       struct lstar_policy_verdict v, uint8_t kind, long ret)
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

/* Out of line: the events the VMM holds, and a signal to deliver; or,
 * at lstar fuzz's snapshot, a stop on the way out (its result is 0
 * until the VMM gives each execution's). */
static __attribute__((noinline, cold)) long interrupted_call(long ret)
{
	if (ret == -LSTAR_FUZZ_STOP) {
		this_cpu_write(fuzz_stop, 1);
		return 0;
	}
	signal_take_events();
	this_cpu_write(sig_work, 1);
	return ret;
}

/* What a forwarded call's result asks of the shim.  Interrupted for a
 * signal from outside the guest: take it now, and let the exit path
 * restart the call or fail it with EINTR. */
static inline long forwarded(long ret)
{
	if (unlikely(lstar_interrupted(ret)))
		ret = interrupted_call(ret);
	return ret;
}

/* Hand the call to the VMM.  The VMM copies the block before it reads it
 * and decides again whether the call is allowed.  (On PVM most forwarded
 * calls never get here: asm_pvm_pf's register way makes them.) */
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
	return forwarded(s->ret);
}

/*
 * Where a row of include/syscalls.def has an argument of a kind, read
 * from the row itself: ARG_AT(IS_<KIND>, a0, ..., a5) is the position of
 * its first argument of that kind, 0 to 5, or 6 for none.  IS_<KIND>(k)
 * is 1 for that kind's token and 0 for any other.
 */
#define PROBE_SECOND(a, b, ...)	b
#define PROBE(...)		PROBE_SECOND(__VA_ARGS__, 0, ~)
#define IS_SIGSET(k)		PROBE(IS_SIGSET_##k)
#define IS_SIGSET_SIGSET	~, 1
#define IS_SIGSEL(k)		PROBE(IS_SIGSEL_##k)
#define IS_SIGSEL_SIGSEL	~, 1
#define IS_MSG(k)		PROBE(IS_MSG_##k)
#define IS_MSG_MSG		~, 1
#define ARG_AT(is, a0, a1, a2, a3, a4, a5)					\
	(is(a0) ? 0 : is(a1) ? 1 : is(a2) ? 2 : is(a3) ? 3 : is(a4) ? 4 : is(a5) ? 5 : 6)

/* Argument i (0-5) of the call in regs. */
static uint64_t call_arg(const struct pt_regs *regs, unsigned int i)
{
	switch (i) {
	case 0: return regs->di;
	case 1: return regs->si;
	case 2: return regs->dx;
	case 3: return regs->r10;
	case 4: return regs->r8;
	default: return regs->r9;
	}
}

/* The signal mask a waiting call carries (the VMM_SIGMASK rows: its
 * SIGSET argument and the size after it, or pselect6's SIGSEL pair): its
 * address and size, or 0 (-EFAULT: unreadable). */
static long call_mask(const struct pt_regs *regs, uint64_t *size)
{
	struct { uint64_t ss, len; } sel;
	unsigned int at, pair;

	switch (regs->orig_ax) {
#define MASK_ROW_VMM_SIGMASK(nm, a0, a1, a2, a3, a4, a5)				\
	case __NR_##nm: {								\
		_Static_assert(ARG_AT(IS_SIGSET, a0, a1, a2, a3, a4, a5) < 5 ||		\
			       ARG_AT(IS_SIGSEL, a0, a1, a2, a3, a4, a5) < 6,		\
			       #nm ": a VMM_SIGMASK row names its mask");		\
		at = ARG_AT(IS_SIGSET, a0, a1, a2, a3, a4, a5);				\
		pair = ARG_AT(IS_SIGSEL, a0, a1, a2, a3, a4, a5);			\
		break;									\
	}
#define MASK_ROW_SHIM(...)
#define MASK_ROW_VMM(...)
#define MASK_ROW_VMM_WRITE(...)
#define MASK_ROW_NONE(...)
#define SYSCALL(nm, w, g, p, t, r, a0, a1, a2, a3, a4, a5) MASK_ROW_##w(nm, a0, a1, a2, a3, a4, a5)
#include "syscalls.def"
#undef MASK_ROW_VMM_SIGMASK
#undef MASK_ROW_SHIM
#undef MASK_ROW_VMM
#undef MASK_ROW_VMM_WRITE
#undef MASK_ROW_NONE
	default:
		return 0;
	}
	if (pair < 6) {
		if (!call_arg(regs, pair))
			return 0;
		if (copy_from_user(&sel, call_arg(regs, pair), sizeof(sel)))
			return -EFAULT;
		*size = sel.len;
		return (long)sel.ss;
	}
	*size = call_arg(regs, at + 1);
	return (long)call_arg(regs, at);
}

/* A forwarded call that waits under the signal mask it carries (the
 * VMM_SIGMASK rows): the thread's mask while it waits. */
static long sys_forward_sigmask(struct pt_regs *regs)
{
	uint64_t size = 0;
	long mask = call_mask(regs, &size), ret;

	if (mask < 0)
		return mask;
	if (mask && (ret = signal_mask_for_call((uint64_t)mask, size))) {
		if (ret < 0)
			return ret;
		ret = -LSTAR_ERESTARTNOHAND;
		signal_mask_after_call(ret);
		return ret;
	}
	ret = sys_forward(regs);
	if (mask)
		signal_mask_after_call(ret);
	return ret;
}

/*
 * write and writev: a write to a pipe nobody reads raises SIGPIPE, on the
 * way back to ring 3 (its default action ends the program, quietly); the
 * call fails with EPIPE, which a program that handles or ignores SIGPIPE
 * sees.  Out of line: the common path keeps no frame.
 */
static __attribute__((noinline, cold)) long broken_pipe(void)
{
	sig_send_pipe();
	return -EPIPE;
}

/* MSG_NOSIGNAL, Linux's include/linux/socket.h (no uapi header has it). */
#define SHIM_MSG_NOSIGNAL	0x4000

/* A send that asked for no SIGPIPE (MSG_NOSIGNAL in its MSG argument, as
 * Linux reads it from each call's own): EPIPE alone. */
static bool quiet_send(const struct pt_regs *regs)
{
	unsigned int at;

	switch (regs->orig_ax) {
#define SEND_ROW_VMM_WRITE(nm, a0, a1, a2, a3, a4, a5)					\
	case __NR_##nm:									\
		at = ARG_AT(IS_MSG, a0, a1, a2, a3, a4, a5);				\
		break;
#define SEND_ROW_SHIM(...)
#define SEND_ROW_VMM(...)
#define SEND_ROW_VMM_SIGMASK(...)
#define SEND_ROW_NONE(...)
#define SYSCALL(nm, w, g, p, t, r, a0, a1, a2, a3, a4, a5) SEND_ROW_##w(nm, a0, a1, a2, a3, a4, a5)
#include "syscalls.def"
#undef SEND_ROW_VMM_WRITE
#undef SEND_ROW_SHIM
#undef SEND_ROW_VMM
#undef SEND_ROW_VMM_SIGMASK
#undef SEND_ROW_NONE
	default:
		return false;
	}
	return at < 6 && (call_arg(regs, at) & SHIM_MSG_NOSIGNAL);
}

/* A write's result: EPIPE raises SIGPIPE too, unless a send said not to. */
static inline long written(const struct pt_regs *regs, long ret)
{
	return unlikely(ret == -EPIPE) && !quiet_send(regs) ? broken_pipe() : ret;
}

static long sys_forward_write(struct pt_regs *regs)
{
	return written(regs, sys_forward(regs));
}

#define ENTRY_SHIM(nm)		[__NR_##nm] = sys_##nm,
#define ENTRY_VMM(nm)		[__NR_##nm] = sys_forward,
#define ENTRY_VMM_WRITE(nm)	[__NR_##nm] = sys_forward_write,
#define ENTRY_VMM_SIGMASK(nm)	[__NR_##nm] = sys_forward_sigmask,
#define ENTRY_NONE(nm)
#define SYSCALL(nm, w, g, p, t, r, a0, a1, a2, a3, a4, a5) ENTRY_##w(nm)

const sys_call_ptr_t sys_call_table[NR_syscalls] = {
	[0 ... NR_syscalls - 1] = sys_ni_syscall,
#include "syscalls.def"
};

#undef ENTRY_SHIM
#undef ENTRY_VMM
#undef ENTRY_VMM_WRITE
#undef ENTRY_VMM_SIGMASK
#undef ENTRY_NONE

/*
 * Make the frame fit to return to ring 3 and say whether SYSRET may do
 * it (true) or IRET must (false).  Whatever the exit instruction, ring 3
 * gets sanitized RFLAGS and the 64-bit user selectors back; a RIP ring 3
 * could never resume at is SIGSEGV.  The checks themselves are in
 * sysret.h, where the host tests them.
 */
static inline bool leave_for_user(struct pt_regs *regs)
{
	tlb_leave_for_user();
	regs->flags = user_flags(regs->flags);
	regs->cs = LSTAR_USER_CS;
	regs->ss = LSTAR_USER_DS;
	if (unlikely(!user_ip_ok(regs->ip))) {
		/* What Linux's IRET to such a RIP ends in: SIGSEGV, which a
		 * handler may catch (its frame keeps the RIP it cannot use). */
		force_sig_fault(regs, SIGSEGV, SI_KERNEL, 0, X86_TRAP_GP, 0);
		signal_deliver(regs);
		regs->flags = user_flags(regs->flags);
		if (!user_ip_ok(regs->ip))
			force_sig_exit(regs, SIGSEGV, X86_TRAP_GP, regs->ip);
	}
	return sysret_is_safe(regs);
}

/*
 * lstar fuzz's stop before ring 3 (LSTAR_HC_AT_USER): the VMM takes its
 * snapshot here and gives each execution the call's result, in rax.
 */
static void fuzz_stop_at(struct pt_regs *regs, bool final)
{
	struct lstar_hc_at_user *a = &hc_block()->at_user;

	memcpy(a->regs, regs, sizeof(a->regs));
	a->final = final;
	hcall(LSTAR_HC_AT_USER);
	regs->ax = a->regs[LSTAR_REG_RAX];
}

/* The way out with work to do: a signal to deliver, a fuzz stop. */
static __attribute__((noinline, cold)) bool exit_with_work(struct pt_regs *regs)
{
	bool stop = this_cpu_read(fuzz_stop), sysret;

	this_cpu_write(fuzz_stop, 0);
	if (stop && this_cpu_read(sig_work)) {
		/* The signal's frame holds the call's result: stop first. */
		fuzz_stop_at(regs, false);
		stop = false;
	}
	if (this_cpu_read(sig_work))
		signal_deliver(regs);
	sysret = leave_for_user(regs);
	if (stop)
		fuzz_stop_at(regs, true);
	return sysret;
}

/*
 * syscall_exit_to_user - deliver a signal that is ready, then make the
 * frame fit for ring 3 (leave_for_user): SYSRET (true) or IRET (false).
 */
bool syscall_exit_to_user(struct pt_regs *regs)
{
	if (unlikely(this_cpu_read(exit_work)))
		return exit_with_work(regs);
	return leave_for_user(regs);
}

/* The syscall argument registers' slots in the frame, in order: the
 * evaluator reads them in place (every copy costs, on PVM). */
static const uint8_t arg_slots[6] = {
	__builtin_offsetof(struct pt_regs, di) / 8,
	__builtin_offsetof(struct pt_regs, si) / 8,
	__builtin_offsetof(struct pt_regs, dx) / 8,
	__builtin_offsetof(struct pt_regs, r10) / 8,
	__builtin_offsetof(struct pt_regs, r8) / 8,
	__builtin_offsetof(struct pt_regs, r9) / 8,
};

/*
 * The last refusal the VMM was told of.  Without --trace or -v it hears
 * of a refused (or missing) call only when that differs from the last
 * one told, by number or rule: enough for the report of a program that
 * dies just after one ("the policy refused arch_prctl just before"),
 * while a loop refused on one call costs one exit, not one per turn.
 * A refusal with ENOSYS is not told: the policy says "as if this kernel
 * lacked it", which libcs expect and fall back from (the default
 * profile's rseq), so it explains no death.  Threads may race on the
 * pair: that costs an exit too many or too few, never a wrong record
 * (the record is the call's own).  lstar fuzz's executions tell nothing.
 */
static unsigned long told_nr = ~0UL;
static uint32_t told_src;

static bool refusal_untold(unsigned long nr, struct lstar_policy_verdict v)
{
	return !(boot_info.flags & LSTAR_BOOT_FUZZ) &&
	       !(v.action == LSTAR_ACT_ERRNO && v.err == ENOSYS) &&
	       (__atomic_load_n(&told_nr, __ATOMIC_RELAXED) != nr ||
		__atomic_load_n(&told_src, __ATOMIC_RELAXED) != v.src);
}

static void refusal_told(unsigned long nr, struct lstar_policy_verdict v)
{
	__atomic_store_n(&told_nr, nr, __ATOMIC_RELAXED);
	__atomic_store_n(&told_src, v.src, __ATOMIC_RELAXED);
}

/* Tell the VMM of a refused (or missing) call, as the trace record it
 * would get with -v: the arguments are still the program's. */
static void tell_refusal(const struct pt_regs *regs, unsigned long nr,
			 struct lstar_policy_verdict v, uint8_t kind, long ret)
{
	uint64_t args[6];

	for (int i = 0; i < 6; i++)
		args[i] = ((const uint64_t *)regs)[arg_slots[i]];
	refusal_told(nr, v);
	trace_call(nr, args, v, kind, ret);
}

/*
 * A call lstar lacks.  The fast path comes here without syscall_slow's
 * record: the VMM hears of it as of a refusal (once in a row), so that a
 * program that dies without it is told why.  With --trace or -v,
 * syscall_slow reports it.
 */
long sys_ni_syscall(struct pt_regs *regs)
{
	unsigned long nr = (unsigned int)regs->orig_ax;
	struct lstar_policy_verdict v;

	if ((boot_info.flags & (LSTAR_BOOT_TRACE | LSTAR_BOOT_VERBOSE)) || nr >= NR_syscalls)
		return -ENOSYS;
	nr = array_index_nospec(nr, NR_syscalls);
	v = lstar_policy_eval_at(policy, nr, (const uint64_t *)regs, arg_slots);
	if (v.action == LSTAR_ACT_ALLOW && refusal_untold(nr, v))
		tell_refusal(regs, nr, v, LSTAR_TRACE_NOSYS, -ENOSYS);
	return -ENOSYS;
}

/*
 * syscall_judge - entry.S's arguments way, for a call the policy decides
 * by its arguments: the verdict, on the half frame (the arguments are
 * all in it); allowed, the handler runs there; denied with an errno,
 * that is the result.  Any other verdict (log, kill, a refusal the VMM
 * is to hear of) needs the whole frame: SYSCALL_JUDGE_FULL, and nothing
 * has happened yet.  (No call is
 * judged here while the VMM wants to hear of calls: vmm_mark_fast_ways.)
 */
long syscall_judge(struct pt_regs *regs)
{
	unsigned long nr = array_index_nospec(regs->orig_ax, NR_syscalls);
	const struct lstar_policy_rule *r = lstar_policy_match_nr(policy, (uint32_t)nr,
						(const uint64_t *)regs, arg_slots);

	if (likely(r->action == LSTAR_ACT_ALLOW))
		return sys_call_table[nr](regs);
	if (r->action == LSTAR_ACT_ERRNO &&
	    !refusal_untold(nr, lstar_policy_verdict_of(r)))
		return -(long)r->err;
	return SYSCALL_JUDGE_FULL;
}

/*
 * syscall_forwarded - asm_pvm_pf's register way made the call (the VMM
 * wrote its number into the block) and then found that the shim has to
 * act: on the result (act: an interruption, lstar fuzz's stop, EPIPE from
 * a write, as the VMM decided) or only on the way out (a signal, a TLB
 * flush; the result is ring 3's as it is, an errno a rule chose
 * included).  The frame is complete now, its ax the result; finish as
 * sys_forward and do_syscall_64 would have.
 */
bool syscall_forwarded(struct pt_regs *regs, bool act)
{
	unsigned long nr = hc_block()->sys.nr;

	if (nr >= NR_syscalls)		/* the VMM wrote what the shim checked */
		hc_exit(LSTAR_EXIT_PANIC, 0, regs, 0, nr);
	nr = array_index_nospec(nr, NR_syscalls);
	regs->orig_ax = nr;
	if (act) {
		regs->ax = forwarded((long)regs->ax);
		if (sys_call_table[nr] == sys_forward_write)
			regs->ax = written(regs, (long)regs->ax);
	}
	return syscall_exit_to_user(regs);
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
	struct lstar_policy_verdict v = lstar_policy_eval_at(policy, nr,
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
		/* Not there, or not for these arguments (a clone that would
		 * make a process): -v says so. */
		if (handler == sys_ni_syscall || (long)regs->ax == -ENOSYS)
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
	else if (kind != LSTAR_TRACE_GUEST && refusal_untold(nr, v))
		/* No handler that fails with ENOSYS changed its arguments. */
		tell_refusal(regs, nr, v, kind, regs->ax);
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
	this_cpu_write(in_user, 0);
	if (unlikely(this_cpu_read(tlb_stale)))
		tlb_sync(false);
	if (likely(unr < NR_syscalls)) {
		unr = array_index_nospec(unr, NR_syscalls);
		if (likely(policy->fast[unr] & LSTAR_FAST_ALLOW))
			regs->ax = sys_call_table[unr](regs);
		else
			syscall_slow(regs, unr, sys_call_table[unr]);
	} else if (unr == LSTAR_FUZZ_SNAPSHOT_NR && (boot_info.flags & LSTAR_BOOT_FUZZ)) {
		regs->ax = sys_forward(regs);	/* where lstar fuzz's executions start */
	} else {
		syscall_slow(regs, unr, sys_ni_syscall);
	}
	return syscall_exit_to_user(regs);
}
