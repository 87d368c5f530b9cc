/* SPDX-License-Identifier: MIT */
/*
 * syscall.c - the system calls the shim forwards: decided again, run,
 * observed.
 *
 * The VMM decides on its own copy of the arguments, whatever the shim
 * said: a call the policy refuses is not run here, and a call that is
 * not in the table (include/syscalls.def's VMM rows) is refused however
 * it arrives.  The handler, vmm_sys_<name>, gets the arguments as the
 * kernel reads them; once it returns, the observers (trace, learn) are
 * told of the call.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "names.h"
#include "vmm.h"

typedef int64_t (*vmm_sys_fn)(struct vmm_vcpu *cpu, const uint64_t *a);

#define ENTRY_SHIM(nm)
#define ENTRY_VMM(nm)		[SYS_##nm] = vmm_sys_##nm,
#define ENTRY_VMM_WRITE(nm)	ENTRY_VMM(nm)
#define ENTRY_VMM_SIGMASK(nm)	ENTRY_VMM(nm)
#define ENTRY_NONE(nm)
#define SYSCALL(nm, w, g, p, t, r, a0, a1, a2, a3, a4, a5) ENTRY_##w(nm)

static const vmm_sys_fn sys_table[LSTAR_POLICY_NR] = {
#include "syscalls.def"
};

#undef ENTRY_SHIM
#undef ENTRY_VMM
#undef ENTRY_VMM_WRITE
#undef ENTRY_VMM_SIGMASK
#undef ENTRY_NONE

void vmm_mark_fast_ways(uint8_t fast[LSTAR_POLICY_NR])
{
	/* The calls the shim hands over as they are, and those whose
	 * handler reads only the arguments: a forwarded call's (the shim's
	 * sys_forward*), a VMM_SIGMASK row's, a SHIM_ARGS row's. */
#define ENTRY_SHIM(nm)
#define ENTRY_VMM(nm)		[SYS_##nm] = LSTAR_FAST_FORWARD | LSTAR_FAST_ARGS,
#define ENTRY_VMM_WRITE(nm)	ENTRY_VMM(nm)
#define ENTRY_VMM_SIGMASK(nm)	[SYS_##nm] = LSTAR_FAST_ARGS,
#define ENTRY_NONE(nm)
#define SYSCALL(nm, w, g, p, t, r, a0, a1, a2, a3, a4, a5) ENTRY_##w(nm)
#define SHIM_ARGS(nm)		[SYS_##nm] = LSTAR_FAST_ARGS,
	static const uint8_t way[LSTAR_POLICY_NR] = {
#include "syscalls.def"
	};
#undef ENTRY_SHIM
#undef ENTRY_VMM
#undef ENTRY_VMM_WRITE
#undef ENTRY_VMM_SIGMASK
#undef ENTRY_NONE

	for (unsigned int nr = 0; nr < LSTAR_POLICY_NR; nr++) {
		if (!way[nr])
			continue;
		/* A call the VMM answers is judged there too (vmm_forward),
		 * on any verdict: the shim hands it over as it is, a rule
		 * on its arguments or not. */
		if (way[nr] & LSTAR_FAST_FORWARD)
			fast[nr] = (fast[nr] ? LSTAR_FAST_ALLOW : 0) | LSTAR_FAST_FORWARD;
		else if (!fast[nr])		/* judged on half a frame */
			fast[nr] = LSTAR_FAST_ARGS;
		else
			fast[nr] = LSTAR_FAST_ALLOW | LSTAR_FAST_ARGS;
	}
}

void vmm_call_path(struct vmm_vcpu *cpu, const char *abs, bool write)
{
	struct vmm_call *c = cpu->call;

	if (!c || !c->want_paths)
		return;
	if (c->npaths == VMM_CALL_PATHS ||
	    (!cpu->paths && !(cpu->paths = malloc(VMM_CALL_PATHS * sizeof(*cpu->paths))))) {
		c->lost_paths = true;
		return;
	}
	snprintf(cpu->paths[c->npaths].abs, sizeof(cpu->paths[0].abs), "%s", abs);
	cpu->paths[c->npaths++].write = write;
	c->paths = cpu->paths;
}

void vmm_call_note(struct vmm_vcpu *cpu, bool refused, const char *fmt, ...)
{
	struct vmm_call *c = cpu->call;
	va_list ap;

	/* A refusal stays told: a datagram dropped before the one the
	 * call took, a peer closed before the one it accepted. */
	if (!c || (c->refused && !refused))
		return;
	c->refused = refused;
	va_start(ap, fmt);
	vsnprintf(c->note, sizeof(c->note), fmt, ap);
	va_end(ap);
}

/* Keep the last refusal, and count the calls after it.  A refusal with
 * ENOSYS ("as if this kernel lacked it") is one libcs fall back from:
 * it explains no death (the shim does not tell of it without -v). */
static void note_refusal(struct vmm *vmm, const struct vmm_call *c)
{
	struct vmm_refusal *r = &vmm->refused;

	if (c->kind == LSTAR_TRACE_GUEST || c->noreturn ||
	    (c->kind == LSTAR_TRACE_DENIED && c->v.action == LSTAR_ACT_ERRNO &&
	     c->v.err == ENOSYS)) {
		if (r->since < UINT_MAX)
			r->since++;
		return;
	}
	*r = (struct vmm_refusal){
		.any = true, .nosys = c->kind == LSTAR_TRACE_NOSYS, .nr = c->nr, .v = c->v,
	};
}

bool vmm_refusal_note(const struct vmm *vmm, char *buf, size_t len)
{
	const struct vmm_refusal *r = &vmm->refused;
	const char *name = lstar_policy_syscall_name(r->nr);
	char num[32], where[256];

	if (!r->any || r->since > VMM_REFUSAL_WINDOW)
		return false;
	if (!name) {
		snprintf(num, sizeof(num), "system call %llu", (unsigned long long)r->nr);
		name = num;
	}
	if (r->nosys) {
		snprintf(buf, len, "%s failed with ENOSYS just before: lstar does not "
			 "implement it", name);
	} else {
		lstar_policy_where(vmm->proc.policy, r->v.src, where, sizeof(where));
		snprintf(buf, len, "the policy refused %s just before (%s)", name, where);
	}
	return true;
}

void vmm_observe(struct vmm_vcpu *cpu, const struct vmm_call *c)
{
	note_refusal(cpu->vmm, c);
	if (cpu->vmm->stats)
		vmm_stats_call(cpu->vmm, c);
	vmm_learn_call(cpu->vmm, c);
	vmm_trace_call(cpu, c);
	if (cpu->vmm->fuzz)
		vmm_fuzz_note_call(cpu, c);
}

/* The call is over: the observers hear of it, and a kill rule it broke
 * ends the run. */
void vmm_call_complete(struct vmm_vcpu *cpu, const struct vmm_call *c)
{
	vmm_observe(cpu, c);
	if (c->v.action == LSTAR_ACT_KILL)
		vmm_policy_kill(cpu->vmm, c->nr, c->v.src);
}

/*
 * decide - the VMM's verdict on call c (its number and the program's own
 * arguments).  True when it is to run, with a[] its arguments as the
 * kernel reads them: an int's low 32 bits, a mode's low 16
 * (policy_arg_bits), which are the values the policy judged; the upper
 * half of an int is garbage the program may put there, as on Linux.
 * False when it is refused: c->ret holds what the program gets.
 */
bool vmm_call_decide(struct vmm_vcpu *cpu, struct vmm_call *c, uint64_t a[6])
{
	c->v = lstar_policy_eval(cpu->proc->policy->table, c->nr, c->args);
	c->forwarded = true;
	c->kind = LSTAR_TRACE_GUEST;
	c->want_paths = cpu->vmm->obs.learn != NULL;
	switch (c->v.action) {
	case LSTAR_ACT_KILL:
		/* The shim should have ended the program already. */
		c->ret = -ENOSYS;
		c->kind = LSTAR_TRACE_DENIED;
		c->noreturn = true;
		return false;
	case LSTAR_ACT_ERRNO:
		c->ret = -(int64_t)c->v.err;
		c->kind = LSTAR_TRACE_DENIED;
		return false;
	default:
		for (int i = 0; i < 6; i++)
			a[i] = c->args[i] & policy_arg_bits(policy_arg_kind(c->nr, i));
		return true;
	}
}

int64_t vmm_forward(struct vmm_vcpu *cpu, uint64_t nr, const uint64_t args[6])
{
	struct vmm_call c = { .nr = nr, .args = args };
	uint64_t a[6];

	cpu->call_refused = !vmm_call_decide(cpu, &c, a);
	if (!cpu->call_refused) {
		if (nr >= LSTAR_POLICY_NR || !sys_table[nr]) {
			/* The shim never forwards these: it is broken or hostile. */
			c.ret = -ENOSYS;
			c.kind = LSTAR_TRACE_NOSYS;
		} else {
			cpu->call = &c;
			c.ret = sys_table[nr](cpu, a);
			cpu->call = NULL;
			/* A host call interrupted for a signal: the shim
			 * restarts it, or fails it with EINTR when a handler
			 * runs without SA_RESTART, as Linux does.  Not
			 * restart_syscall's own EINTR (nothing to go on
			 * with): restarting that would loop for ever. */
			if (c.ret == -EINTR && nr != SYS_restart_syscall)
				c.ret = -LSTAR_ERESTARTSYS;
		}
	}
	vmm_call_complete(cpu, &c);
	return c.ret;
}

int64_t vmm_mmap_file(struct vmm_vcpu *cpu, const struct lstar_hc_mmap *m,
		      struct lstar_hc_mmap *live)
{
	/* The policy, again, on the program's own call: the address the
	 * shim chose is no argument of it. */
	struct vmm_call c = { .nr = SYS_mmap, .args = m->args };
	uint64_t a[6];

	if (vmm_call_decide(cpu, &c, a)) {
		c.ret = (a[3] & MAP_TYPE) == MAP_PRIVATE ?
			vmm_io_fill_mapping(cpu, a, m->addr, m->len, m->refill, &live->valid) :
			vmm_fmap_shared(cpu, a, m->addr, m->len, live);
		/* What the program got: the address, or the error. */
		if (c.ret == 0)
			c.ret = (int64_t)m->addr;
	}
	vmm_call_complete(cpu, &c);
	return c.ret < 0 ? c.ret : 0;
}
