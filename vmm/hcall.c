/* SPDX-License-Identifier: MIT */
/*
 * hcall.c - the VMM side of the hypercalls: a table of small handlers.
 *
 * Each vCPU's block (LSTAR_HC_BLOCK_GPA) is guest memory: the shim (which
 * ring 3 may have taken over) can change it at any time.  Each handler works on a
 * copy taken once, checks the copy, and writes back only its OUT fields.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <linux/kvm.h>

#include "lstar_fuzz.h"
#include "vmm.h"
#include "x86.h"

static const char *const pt_regs_names[LSTAR_NR_REGS] = {
	"r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8",
	"rax", "rcx", "rdx", "rsi", "rdi", "orig_rax", "rip", "cs", "rflags",
	"rsp", "ss",
};


static const char *vector_name(uint64_t v)
{
	static const char *const names[NR_EXCEPTION_VECTORS] = {
		[X86_TRAP_DE] = "divide error (#DE)", [X86_TRAP_DB] = "debug trap (#DB)",
		[X86_TRAP_NMI] = "NMI", [X86_TRAP_BP] = "breakpoint (#BP)",
		[X86_TRAP_OF] = "overflow (#OF)", [X86_TRAP_BR] = "bound range (#BR)",
		[X86_TRAP_UD] = "invalid opcode (#UD)",
		[X86_TRAP_NM] = "device not available (#NM)",
		[X86_TRAP_DF] = "double fault (#DF)", [X86_TRAP_TS] = "invalid TSS (#TS)",
		[X86_TRAP_NP] = "segment not present (#NP)",
		[X86_TRAP_SS] = "stack fault (#SS)",
		[X86_TRAP_GP] = "general protection (#GP)",
		[X86_TRAP_PF] = "page fault (#PF)", [X86_TRAP_MF] = "x87 error (#MF)",
		[X86_TRAP_AC] = "alignment check (#AC)",
		[X86_TRAP_MC] = "machine check (#MC)", [X86_TRAP_XF] = "SIMD error (#XM)",
		[X86_TRAP_CP] = "control protection (#CP)",
	};

	return v < NR_EXCEPTION_VECTORS && names[v] ? names[v] : "exception";
}

/*
 * What the error code of a ring-3 page fault says, in words: the access
 * and why it failed, then the instruction.  A data access at the very
 * address of the faulting instruction is no ordinary wild pointer (it is
 * what a hypervisor rewriting the instruction would cause): it is named.
 */
static const char *page_fault_reason(const struct lstar_hc_exit *e, char *buf,
				     size_t len)
{
	uint64_t ec = e->error_code, rip = e->regs[LSTAR_REG_RIP];
	const char *access = (ec & X86_PF_INSTR) ? "instruction fetch" :
			     (ec & X86_PF_SHSTK) ? "shadow-stack access" :
			     (ec & X86_PF_WRITE) ? "write" : "read";
	const char *cause = !(ec & X86_PF_PROT) ? "nothing mapped there" :
			    (ec & X86_PF_RSVD) ? "reserved bit in a page-table entry" :
			    (ec & X86_PF_PK) ? "protection key" :
			    (ec & X86_PF_INSTR) ? "page not executable" :
			    (ec & X86_PF_WRITE) ? "page not writable" :
			    "page not accessible";

	snprintf(buf, len, "%s, %s (error code 0x%llx, rip 0x%llx%s)", access,
		 cause, (unsigned long long)ec, (unsigned long long)rip,
		 e->fault_addr == rip && !(ec & X86_PF_INSTR) ?
		 ", the faulting instruction's own address" : "");
	return buf;
}

/*
 * The hypercall instruction (vmcall or vmmcall) at the program's rip, when
 * its page fault is a write to the instruction itself: the CPU's #UD for
 * the other vendor's instruction, which a hypervisor that rewrites it in
 * place into its own (KVM does, where the switch for it is missing or
 * ignored, as on PVM) turns into a write fault on read-only text.  NULL
 * for any other fault.
 */
static const char *rewritten_hypercall(const struct vmm_vcpu *cpu, const struct lstar_hc_exit *e)
{
	uint64_t rip = e->regs[LSTAR_REG_RIP];
	uint8_t insn[3];

	if (e->fault_addr != rip || (e->error_code & (X86_PF_WRITE | X86_PF_INSTR)) != X86_PF_WRITE ||
	    vmm_mem_copy_from_user(cpu->mem, insn, rip, sizeof(insn)) ||
	    insn[0] != 0x0f || insn[1] != 0x01)
		return NULL;
	return insn[2] == 0xd9 ? "vmmcall" : insn[2] == 0xc1 ? "vmcall" : NULL;
}

void vmm_policy_kill(struct vmm *vmm, uint64_t nr, uint32_t src)
{
	const char *name = lstar_policy_syscall_name(nr);
	char where[256];

	char who[32] = "";

	vmm->done = true;
	vmm->status = 128 + SIGSYS;
	vmm->killed_by = SIGSYS;
	if (!vmm->opt->quiet) {
		if (vmm->child)
			snprintf(who, sizeof(who), " (process %d)", vmm->me->pid);
		lstar_policy_where(vmm->proc.policy, src, where, sizeof(where));
		if (name)
			vmm_err("%s%s: killed by SIGSYS: the policy kills %s (%s)",
				vmm->opt->program, who, name, where);
		else
			vmm_err("%s%s: killed by SIGSYS: the policy kills system call %llu (%s)",
				vmm->opt->program, who, (unsigned long long)nr, where);
	}
	/* A kill rule ends the whole sandbox, whichever process broke it:
	 * said first, as the end comes at once. */
	vmm_procs_rule_killed(vmm);
}

static void hc_exit(struct vmm_vcpu *cpu, const struct lstar_hc *hc)
{
	struct vmm *vmm = cpu->vmm;
	const struct lstar_hc_exit *e = &hc->exit;

	/* A forked process's end is its parent's to report (a shell says
	 * "Segmentation fault" itself, or nothing): lstar speaks for the
	 * first process and those lstar exec started (spawn.c), and for the
	 * others with -v. */
	bool quiet = vmm->opt->quiet ||
		     (vmm->child && vmm->exec_conn < 0 && !vmm->opt->verbose);
	char note[320] = "";
	const char *insn;

	vmm->done = true;
	/* Until said otherwise, as a process the VMM cannot go on with. */
	vmm->killed_by = SIGKILL;
	vmm_trace_exit(cpu, e);
	switch (e->kind) {
	case LSTAR_EXIT_NORMAL:
		vmm->status = e->status & 0xff;
		vmm->exit_code = e->status & 0xff;
		vmm->killed_by = 0;
		return;
	case LSTAR_EXIT_SIGNAL:
		if (e->status < 1 || e->status > LSTAR_NSIG)
			break;
		vmm->status = 128 + e->status;
		vmm->killed_by = e->status;
		/* A signal the program was sent (by itself, or from
		 * outside): no fault to report, as a shell says nothing. */
		if (e->vector == LSTAR_EXIT_VECTOR_SENT)
			return;
		if (e->vector == LSTAR_EXIT_VECTOR_POLICY) {
			/* A kill rule; the shim's word for which one, checked
			 * against the VMM's own sources when printed. */
			vmm_policy_kill(vmm, (uint32_t)e->regs[LSTAR_REG_ORIG_RAX],
					(uint32_t)e->fault_addr);
			return;
		}
		/* A fault: one of the named signals.  A shell says nothing
		 * of SIGPIPE either. */
		if (e->status > 31)
			break;
		if (e->status == SIGPIPE || quiet)
			return;
		/* A program that a refusal just before killed (libc halts
		 * when arch_prctl is refused) is told which. */
		if (vmm_refusal_note(vmm, note + 2, sizeof(note) - 2))
			memcpy(note, "; ", 2);
		if (e->vector == X86_TRAP_PF && (insn = rewritten_hypercall(cpu, e))) {
			vmm_err("%s: killed by SIG%s: invalid opcode (#UD) for %s, which the "
				"hypervisor turned into a page fault (#PF) as it rewrote the "
				"instruction in place (a write to read-only text at the "
				"instruction's own address: error code 0x%llx, rip 0x%llx)%s",
				vmm->opt->program, sigabbrev_np(e->status),
				insn, (unsigned long long)e->error_code,
				(unsigned long long)e->regs[LSTAR_REG_RIP], note);
		} else if (e->vector == X86_TRAP_PF) {
			char why[96];

			vmm_err("%s: killed by SIG%s: %s at address 0x%llx: %s%s",
				vmm->opt->program, sigabbrev_np(e->status),
				vector_name(e->vector),
				(unsigned long long)e->fault_addr,
				page_fault_reason(e, why, sizeof(why)), note);
		} else {
			vmm_err("%s: killed by SIG%s: %s (rip 0x%llx)%s",
				vmm->opt->program, sigabbrev_np(e->status),
				vector_name(e->vector),
				(unsigned long long)e->regs[LSTAR_REG_RIP], note);
		}
		return;
	case LSTAR_EXIT_PANIC:
		vmm->status = LSTAR_EXIT_FAILURE;
		if (vmm->opt->quiet)
			return;
		vmm_err("shim panic: %s, error code 0x%llx, cr2 0x%llx",
			vector_name(e->vector), (unsigned long long)e->error_code,
			(unsigned long long)e->fault_addr);
		for (int i = 0; i < LSTAR_NR_REGS; i++)
			fprintf(stderr, "  %-8s 0x%016llx%s", pt_regs_names[i],
				(unsigned long long)e->regs[i], i % 3 == 2 ? "\n" : "");
		vmm->status = LSTAR_EXIT_FAILURE;
		return;
	}
	vmm_err("shim failure: malformed exit hypercall (kind %u, status %d)",
		e->kind, e->status);
	vmm->status = LSTAR_EXIT_FAILURE;
}

static void hc_syscall(struct vmm_vcpu *cpu, struct lstar_hc *hc, struct lstar_hc *live)
{
	struct timespec t0;
	int64_t ret;

	/* The program's mark for lstar fuzz (the shim forwards it only
	 * then): the snapshot is there, or was taken elsewhere. */
	if (hc->sys.nr == LSTAR_FUZZ_SNAPSHOT_NR) {
		live->sys.ret = cpu->vmm->fuzz ? 0 : -ENOSYS;
		return;
	}
	/* --stats: the VMM's time on it, blocking included. */
	if (cpu->vmm->stats)
		clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = vmm_forward(cpu, hc->sys.nr, hc->sys.args);
	if (cpu->vmm->stats)
		vmm_stats_forward_time(cpu->vmm, hc->sys.nr, &t0);
	live->sys.ret = ret;
}

/*
 * A call the shim answered or refused itself, for the trace and --learn.
 * The verdict printed and learned from is the VMM's own, on the record's
 * number and arguments: a record whose verdict disagrees is not one a
 * sound shim makes, and ends the run (a learned policy must never be
 * wider than the policy it was learned under).
 */
static void hc_trace(struct vmm_vcpu *cpu, struct lstar_hc *hc, struct lstar_hc *live)
{
	const struct lstar_hc_trace *t = &hc->trace;
	struct vmm_call c = {
		.nr = t->nr, .args = t->args, .ret = t->ret, .kind = t->kind,
		.v = lstar_policy_eval(cpu->proc->policy->table, t->nr, t->args),
	};

	(void)live;
	if (t->kind > LSTAR_TRACE_NOSYS || t->action != c.v.action) {
		vmm_err("shim failure: a trace record disagrees with the policy "
			"(syscall %llu)", (unsigned long long)t->nr);
		cpu->vmm->status = LSTAR_EXIT_FAILURE;
		cpu->vmm->done = true;
		return;
	}
	vmm_observe(cpu, &c);
}

/*
 * Zero the pages the shim lists in its free-page stack (entries
 * [0, count)), in place (vmm_mem_rezero).  The stack's place and size are
 * the VMM's own numbers.
 */
static void hc_zero_pages(struct vmm_vcpu *cpu, struct lstar_hc *hc,
			  struct lstar_hc *live)
{
	uint64_t count = hc->zero.count;
	const uint32_t *guest;
	uint32_t *pfns;

	live->zero.ret = -EINVAL;
	if (count > cpu->mem->free_stack_slots)
		return;
	guest = vmm_mem_ptr(cpu->mem, cpu->mem->free_stack, count * 4);
	if (!guest || !(pfns = malloc(count * 4 + 1)))
		return;
	/* Copy once: every check and use below reads the copy. */
	memcpy(pfns, guest, count * 4);
	if (!vmm_mem_rezero_frames(cpu->mem, pfns, count))
		live->zero.ret = 0;
	free(pfns);
}

static void hc_release(struct vmm_vcpu *cpu, struct lstar_hc *hc, struct lstar_hc *live)
{
	struct vmm_mem_stack s = { hc->release.nclean, hc->release.nfree, 0 };
	long ret = vmm_mem_release(cpu->mem, hc->release.leaf, hc->release.first,
				   hc->release.count, &s);

	live->release.nclean = s.nclean;
	live->release.nfree = s.nfree;
	live->release.ret = ret;
}

static void hc_back(struct vmm_vcpu *cpu, struct lstar_hc *hc, struct lstar_hc *live)
{
	struct vmm_mem_stack s = { hc->back.nclean, hc->back.nfree, hc->back.pool_next };
	long ret = vmm_mem_back(cpu->mem, hc->back.leaf, hc->back.first, hc->back.count,
				hc->back.flags, &s);

	live->back.nclean = s.nclean;
	live->back.nfree = s.nfree;
	live->back.pool_next = s.pool_next;
	live->back.ret = ret;
}

static void hc_mmap_file(struct vmm_vcpu *cpu, struct lstar_hc *hc, struct lstar_hc *live)
{
	live->mmap.ret = vmm_mmap_file(cpu, &hc->mmap, &live->mmap);
}

static void hc_fpu(struct vmm_vcpu *cpu, struct lstar_hc *hc, struct lstar_hc *live)
{
	live->fpu.ret = vmm_fpu(cpu, &hc->fpu);
}

static void hc_events(struct vmm_vcpu *cpu, struct lstar_hc *hc, struct lstar_hc *live)
{
	(void)hc;
	vmm_signal_take(cpu, &live->events);
}

static void hc_wait(struct vmm_vcpu *cpu, struct lstar_hc *hc, struct lstar_hc *live)
{
	int64_t timeout = hc->wait.timeout_ns < 0 ? -1 : hc->wait.timeout_ns;

	live->wait.ret = vmm_signal_wait(cpu, &timeout);
	live->wait.timeout_ns = timeout;
}

static void hc_clone(struct vmm_vcpu *cpu, struct lstar_hc *hc, struct lstar_hc *live)
{
	live->clone.ret = vmm_thread_clone(cpu, &hc->clone);
}

static void hc_thread_exit(struct vmm_vcpu *cpu, struct lstar_hc *hc, struct lstar_hc *live)
{
	(void)live;
	vmm_thread_exit(cpu, &hc->thread_exit);
}

static void hc_kick(struct vmm_vcpu *cpu, struct lstar_hc *hc, struct lstar_hc *live)
{
	(void)live;
	vmm_thread_kick(cpu, &hc->kick);
}

static void hc_fork(struct vmm_vcpu *cpu, struct lstar_hc *hc, struct lstar_hc *live)
{
	live->fork.ret = vmm_fork(cpu, &hc->fork, &live->fork);
}

static void hc_new_tid(struct vmm_vcpu *cpu, struct lstar_hc *hc, struct lstar_hc *live)
{
	(void)hc;
	live->new_tid.ret = vmm_procs_new_tid(cpu->vmm);
}

static void hc_exec(struct vmm_vcpu *cpu, struct lstar_hc *hc, struct lstar_hc *live)
{
	int64_t ret = vmm_exec(cpu, &hc->exec);

	/* Done: the block belongs to the new program's memory now. */
	if (ret != VMM_EXEC_DONE)
		live->exec.ret = ret;
}

static void hc_signal(struct vmm_vcpu *cpu, struct lstar_hc *hc, struct lstar_hc *live)
{
	live->signal.ret = vmm_procs_signal(cpu->vmm, &hc->signal, &live->signal);
}

static void hc_children(struct vmm_vcpu *cpu, struct lstar_hc *hc, struct lstar_hc *live)
{
	(void)live;
	vmm_procs_reaps(cpu->vmm, hc->children.reap != 0);
}

static void hc_shm(struct vmm_vcpu *cpu, struct lstar_hc *hc, struct lstar_hc *live)
{
	live->shm.ret = hc->shm.op == LSTAR_SHM_AFL ?
			vmm_fuzz_shm(cpu, &hc->shm, &live->shm) :
			vmm_shm_hcall(cpu, &hc->shm, &live->shm);
}

typedef void (*hc_handler)(struct vmm_vcpu *cpu, struct lstar_hc *copy,
			   struct lstar_hc *live);

static void hc_exit_handler(struct vmm_vcpu *cpu, struct lstar_hc *hc,
			    struct lstar_hc *live)
{
	(void)live;
	hc_exit(cpu, hc);
}

static const hc_handler hc_table[LSTAR_HC_MAX] = {
	[LSTAR_HC_SYSCALL] = hc_syscall,
	[LSTAR_HC_EXIT] = hc_exit_handler,
	[LSTAR_HC_TRACE] = hc_trace,
	[LSTAR_HC_ZERO_PAGES] = hc_zero_pages,
	[LSTAR_HC_RELEASE] = hc_release,
	[LSTAR_HC_BACK] = hc_back,
	[LSTAR_HC_MMAP_FILE] = hc_mmap_file,
	[LSTAR_HC_FPU] = hc_fpu,
	[LSTAR_HC_EVENTS] = hc_events,
	[LSTAR_HC_WAIT] = hc_wait,
	[LSTAR_HC_CLONE] = hc_clone,
	[LSTAR_HC_THREAD_EXIT] = hc_thread_exit,
	[LSTAR_HC_KICK] = hc_kick,
	[LSTAR_HC_FORK] = hc_fork,
	[LSTAR_HC_NEW_TID] = hc_new_tid,
	[LSTAR_HC_EXEC] = hc_exec,
	[LSTAR_HC_SIGNAL] = hc_signal,
	[LSTAR_HC_CHILDREN] = hc_children,
	[LSTAR_HC_SHM] = hc_shm,
};

/*
 * lstar fuzz resets one process of one thread: a thread, a child process
 * or a new program would outlive the snapshot.  Such a call fails with
 * ENOSYS (docs/DECISIONS.md, "Fuzzing"), said once.
 */
static bool fuzz_refuses(struct vmm_vcpu *cpu, uint32_t nr, struct lstar_hc *live)
{
	static bool said;
	const char *what;

	switch (nr) {
	case LSTAR_HC_CLONE:
		live->clone.ret = -ENOSYS;
		what = "a new thread";
		break;
	case LSTAR_HC_FORK:
		live->fork.ret = -ENOSYS;
		what = "a new process";
		break;
	case LSTAR_HC_EXEC:
		live->exec.ret = -ENOSYS;
		what = "execve";
		break;
	default:
		return false;
	}
	if (!said)
		vmm_err("fuzz: %s: %s is not supported while fuzzing (ENOSYS)",
			cpu->vmm->opt->program, what);
	said = true;
	return true;
}

/* The shim is broken (or taken over): end the run. */
static void hc_failure(struct vmm_vcpu *cpu)
{
	cpu->vmm->status = LSTAR_EXIT_FAILURE;
	cpu->vmm->done = true;
}

void vmm_hcall(struct vmm_vcpu *cpu, uint32_t nr, uint32_t gpa)
{
	struct lstar_hc *live;
	struct lstar_hc copy;

	/* The vCPU's own block, and no other: another vCPU's is in use. */
	if (gpa != cpu->hc_gpa ||
	    !(live = vmm_mem_ptr(cpu->mem, gpa, sizeof(*live)))) {
		vmm_err("shim failure: vCPU %d passed hypercall block 0x%x, not its own",
			cpu->index, gpa);
		hc_failure(cpu);
		return;
	}
	if (nr >= LSTAR_HC_MAX || !hc_table[nr]) {
		vmm_err("shim failure: unknown hypercall %u", nr);
		hc_failure(cpu);
		return;
	}
	if (cpu->vmm->fuzz && fuzz_refuses(cpu, nr, live))
		return;
	/* Copy before validating: the guest could change the block while
	 * we look at it. */
	memcpy(&copy, live, sizeof(copy));
	hc_table[nr](cpu, &copy, live);
}

/*
 * The register way (PVM: shim-kernel/entry.S, asm_pvm_pf).  The shim
 * hands over a call the VMM answers, whatever the policy says of it, in
 * ring 3's registers as SYSCALL left them: one `out`
 * where filling the block took a dozen emulated instructions.  The call
 * is made as LSTAR_HC_SYSCALL is, from the block filled here, and so
 * judged by the policy again (vmm_forward).  What asm_pvm_pf would test
 * itself is tested here instead: the shim resumes at forward_refused,
 * the call not made, if SYSRET could not give ring 3 back the rcx and
 * r11 it has (ring 3 can jump to the LSTAR address with any; the common
 * way sanitizes them and returns by IRET); at forward_act if the result
 * is one the shim acts on (never an errno the policy answered with,
 * which the program gets as it is); at forward_done otherwise.
 */
bool vmm_forward_take(struct vmm_vcpu *cpu, struct kvm_regs *r)
{
	struct lstar_hc_sys *sys = vmm_mem_ptr(cpu->mem, cpu->hc_gpa, sizeof(*sys));
	int err = vmm_cpu_get_regs(cpu, r);

	if (err) {
		vmm_err("shim failure: cannot read the registers of a forwarded call: %s",
			strerror(-err));
		hc_failure(cpu);
		return false;
	}
	if (!sys || r->rcx >= LSTAR_USER_TOP ||
	    (r->r11 & X86_SYSRET_FLAGS_MASK) != X86_SYSRET_FLAGS_WANT) {
		r->rip = cpu->vmm->vm.shim.forward_refused;
		if ((err = vmm_cpu_set_regs(cpu, r))) {
			vmm_err("shim failure: cannot resume a refused call: %s",
				strerror(-err));
			hc_failure(cpu);
		}
		return false;
	}
	cpu->call_refused = false;
	sys->nr = r->rax;
	sys->args[0] = r->rdi;
	sys->args[1] = r->rsi;
	sys->args[2] = r->rdx;
	sys->args[3] = r->r10;
	sys->args[4] = r->r8;
	sys->args[5] = r->r9;
	return true;
}

void vmm_forward_resume(struct vmm_vcpu *cpu, struct kvm_regs *r)
{
	/* The block vmm_forward_take found, and filled. */
	const struct lstar_hc_sys *sys = vmm_mem_ptr(cpu->mem, cpu->hc_gpa, sizeof(*sys));
	int64_t ret = sys->ret;
	/* The results the shim acts on: EPIPE (SIGPIPE), and an interrupted
	 * call up to lstar fuzz's stop (restarted, or EINTR); not an errno
	 * the policy answered with, which the program gets as it is. */
	bool act = !cpu->call_refused && (ret == -EPIPE || lstar_interrupted(ret));
	int err;

	r->rax = (uint64_t)ret;
	r->rip = act ? cpu->vmm->vm.shim.forward_act : cpu->vmm->vm.shim.forward_done;
	if ((err = vmm_cpu_set_regs(cpu, r))) {
		vmm_err("shim failure: cannot resume a forwarded call: %s", strerror(-err));
		hc_failure(cpu);
	}
}
