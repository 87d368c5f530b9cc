/* SPDX-License-Identifier: MIT */
/*
 * block.c - host calls that may block, and the kick that ends them.
 *
 * A vCPU's thread that makes a host call which may block (a read from a
 * pipe, a futex wait, a sleep) must not sleep through a kick: a signal for
 * the program, --timeout, the end of the run.  The kick sets cpu->kicked
 * and then signals the thread (signal.c), so it can land at three points:
 *
 *   before the call starts        the stub below sees cpu->kicked set
 *   while the call blocks         the host call returns EINTR
 *   between the two               the handler moves the thread past the
 *                                 call, as if it had returned EINTR
 *
 * The third is the one a flag test alone cannot close: the window between
 * testing the flag and the `syscall` instruction.  The stub marks that
 * window with two labels, and every handler that may kick a thread (its
 * own or another's) calls vmm_block_interrupt with the context it
 * interrupted: a thread stopped inside the window resumes at the stub's
 * EINTR exit instead.  Once `syscall` has run the call's result stands,
 * whatever it is, so no data a call moved is ever dropped.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <ucontext.h>

#include "vmm.h"

/*
 * long block_syscall(const _Atomic bool *kicked, long nr, long a1, ..., long a6)
 *
 * The host call nr, or -EINTR without making it when *kicked is set.
 */
long block_syscall(const _Atomic bool *kicked, long nr, long a1, long a2, long a3, long a4,
		   long a5, long a6);

__asm__(
	".text\n"
	".globl block_syscall, vmm_block_window, vmm_block_window_end, vmm_block_cancelled\n"
	".hidden block_syscall, vmm_block_window, vmm_block_window_end, vmm_block_cancelled\n"
	".type block_syscall, @function\n"
	"block_syscall:\n"
	"	movq	%rdi, %r11\n"		/* kicked */
	"	movq	%rsi, %rax\n"		/* nr */
	"	movq	%rdx, %rdi\n"		/* a1 */
	"	movq	%rcx, %rsi\n"		/* a2 */
	"	movq	%r8, %rdx\n"		/* a3 */
	"	movq	%r9, %r10\n"		/* a4 */
	"	movq	8(%rsp), %r8\n"		/* a5 */
	"	movq	16(%rsp), %r9\n"	/* a6 */
	"vmm_block_window:\n"
	"	cmpb	$0, (%r11)\n"
	"	jne	vmm_block_cancelled\n"
	"vmm_block_window_end:\n"
	"	syscall\n"
	"	ret\n"
	"vmm_block_cancelled:\n"
	"	movq	$-4, %rax\n"		/* -EINTR */
	"	ret\n"
	".size block_syscall, . - block_syscall\n");

_Static_assert(EINTR == 4, "vmm_block_cancelled returns -EINTR");

void vmm_block_interrupt(void *context)
{
	ucontext_t *uc = context;
	greg_t *rip = &uc->uc_mcontext.gregs[REG_RIP];

	/* vmm_block_window_end is the `syscall` itself: stopped there, the
	 * call has not been made (or the host backed up to restart it). */
	if ((uintptr_t)*rip >= (uintptr_t)vmm_block_window &&
	    (uintptr_t)*rip <= (uintptr_t)vmm_block_window_end)
		*rip = (greg_t)(uintptr_t)vmm_block_cancelled;
}

void vmm_block_begin(struct vmm_vcpu *cpu)
{
	pthread_mutex_unlock(&cpu->vmm->lock);
}

void vmm_block_end(struct vmm_vcpu *cpu)
{
	pthread_mutex_lock(&cpu->vmm->lock);
}

long vmm_block_call(struct vmm_vcpu *cpu, long nr, long a1, long a2, long a3, long a4,
		    long a5, long a6)
{
	long r;

	vmm_block_begin(cpu);
	r = block_syscall(&cpu->kicked, nr, a1, a2, a3, a4, a5, a6);
	vmm_block_end(cpu);
	return r;
}

long vmm_block_call_parked(struct vmm_vcpu *cpu, long nr, long a1, long a2, long a3,
			   long a4, long a5, long a6)
{
	struct lstar_hc *hc = vmm_mem_ptr(cpu->mem, cpu->hc_gpa, sizeof(*hc));
	long r;

	if (hc)
		__atomic_store_n(&hc->parked, 1, __ATOMIC_RELEASE);
	r = vmm_block_call(cpu, nr, a1, a2, a3, a4, a5, a6);
	/* Before this thread walks the guest's tables again: a shim that
	 * frees a page clears its entry, then reads this word (a locked
	 * instruction between); with a full fence here, either it sees 0
	 * and waits for this vCPU, or the walk sees the entry gone. */
	if (hc)
		__atomic_store_n(&hc->parked, 0, __ATOMIC_SEQ_CST);
	return r;
}
