/* SPDX-License-Identifier: MIT */
/*
 * sys_thread.c - what threads wait on, futexes, and sched_yield.
 *
 * A guest futex is the host's futex on the same word: the VMM translates
 * the guest address to where the word lies in its own mapping of guest
 * memory and makes the host call there.  Every vCPU thread of a run is a
 * thread of this one host process, so a private futex means the same
 * word to all of them, and the host kernel provides Linux's semantics
 * exactly (the value check, EAGAIN, ETIMEDOUT, EINTR, the bitsets, the
 * requeues, WAKE_OP's atomic update); a waiter blocks its vCPU's thread
 * in the host and costs no CPU.  The translation takes what ring 3 could
 * touch: a word in a present user page, writable where the operation
 * writes (WAKE_OP's second word).
 *
 * The PI operations and FUTEX_FD are ENOSYS, as they are on kernels
 * built without them.
 */
#include <errno.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "vmm.h"

/* The host address of the futex word at gva (4-byte aligned, in a present
 * user page, writable if write), or NULL with *err set. */
static uint32_t *futex_word(struct vmm_vcpu *cpu, uint64_t gva, bool write, int *err)
{
	struct iovec iov;
	int n;

	if (gva % 4) {
		*err = -EINVAL;
		return NULL;
	}
	if (gva > LSTAR_USER_TOP - 4 ||
	    vmm_mem_user_iov(cpu->mem, gva, 4, write, &iov, 1, &n) != 4) {
		*err = -EFAULT;
		return NULL;
	}
	return iov.iov_base;
}

/*
 * Wait on the word at uaddr while it holds val, until woken (one of
 * bitset's wakes) or the absolute deadline on the clock flags name (NULL:
 * none).  Interrupted by a signal for the program: with a deadline, the
 * vCPU's restart block keeps it and the call resumes through
 * restart_syscall (EINTR if a handler runs), as Linux's futex_wait does;
 * without, it is restarted or fails with EINTR by SA_RESTART.
 */
static int64_t futex_wait(struct vmm_vcpu *cpu, uint64_t uaddr, int flags, uint32_t val,
			  const struct timespec *deadline, uint32_t bitset)
{
	int err = 0;
	uint32_t *word = futex_word(cpu, uaddr, false, &err);

	if (!word)
		return err;
	err = -(int)vmm_block_call_parked(cpu, SYS_futex, (long)word, FUTEX_WAIT_BITSET | flags,
					  val, (long)deadline, 0, bitset);
	if (err != EINTR || !deadline)
		return -err;
	cpu->restart = (struct vmm_restart){
		.kind = VMM_RESTART_FUTEX, .deadline = *deadline, .uaddr = uaddr,
		.val = val, .bitset = bitset, .flags = flags,
	};
	return -LSTAR_ERESTART_RESTARTBLOCK;
}

uint32_t *vmm_futex_word(struct vmm_vcpu *cpu, uint64_t gva, int *err)
{
	return futex_word(cpu, gva, false, err);
}

int64_t vmm_futex_restart(struct vmm_vcpu *cpu, const struct vmm_restart *r)
{
	return futex_wait(cpu, r->uaddr, r->flags, r->val, &r->deadline, r->bitset);
}

/*
 * WAIT and WAIT_BITSET, as Linux's futex_init_timeout reads them: WAIT's
 * timeout is relative to CLOCK_MONOTONIC (FUTEX_CLOCK_REALTIME is ENOSYS
 * with it), WAIT_BITSET's absolute on the clock the op names; either must
 * be a valid timespec.  Both become one absolute wait.
 */
static int64_t futex_wait_op(struct vmm_vcpu *cpu, const uint64_t *a)
{
	int op = (int)a[1], cmd = op & FUTEX_CMD_MASK;
	int flags = op & (FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
	uint32_t bitset = cmd == FUTEX_WAIT ? FUTEX_BITSET_MATCH_ANY : (uint32_t)a[5];
	struct timespec deadline;
	struct { int64_t sec, nsec; } g;

	/* In Linux's order: the timeout, the clock, the bitset, the word. */
	if (a[3]) {
		if (vmm_mem_copy_from_user(cpu->mem, &g, a[3], sizeof(g)))
			return -EFAULT;
		if (g.sec < 0 || g.nsec < 0 || g.nsec >= 1000000000)
			return -EINVAL;
	}
	if (cmd == FUTEX_WAIT && (op & FUTEX_CLOCK_REALTIME))
		return -ENOSYS;
	if (!bitset)
		return -EINVAL;
	if (!a[3])
		return futex_wait(cpu, a[0], flags, (uint32_t)a[2], NULL, bitset);
	deadline.tv_sec = g.sec;
	deadline.tv_nsec = g.nsec;
	if (cmd == FUTEX_WAIT) {
		struct timespec now;

		clock_gettime(CLOCK_MONOTONIC, &now);
		deadline.tv_sec = g.sec > INT64_MAX / 2 ? INT64_MAX / 2 : g.sec + now.tv_sec;
		deadline.tv_nsec += now.tv_nsec;
		if (deadline.tv_nsec >= 1000000000) {
			deadline.tv_sec++;
			deadline.tv_nsec -= 1000000000;
		}
	}
	return futex_wait(cpu, a[0], flags, (uint32_t)a[2], &deadline, bitset);
}

/* Each thread is a host thread: the host's scheduler is the one to
 * yield to (a thread spinning on sched_yield lets the others run), and
 * it yields without the VMM's lock, which the others may need. */
int64_t vmm_sys_sched_yield(struct vmm_vcpu *cpu, const uint64_t *a)
{
	(void)a;
	vmm_block_begin(cpu);
	sched_yield();
	vmm_block_end(cpu);
	return 0;
}

int64_t vmm_sys_futex(struct vmm_vcpu *cpu, const uint64_t *a)
{
	int op = (int)a[1], cmd = op & FUTEX_CMD_MASK, err = 0;
	uint32_t *uaddr, *uaddr2 = NULL;
	uint64_t arg3 = a[3];
	long r;

	switch (cmd) {
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET:
		return futex_wait_op(cpu, a);
	case FUTEX_WAKE:
	case FUTEX_WAKE_BITSET:
		break;
	case FUTEX_REQUEUE:
	case FUTEX_CMP_REQUEUE:
	case FUTEX_WAKE_OP:
		/* arg3 is a count (val2), the second word is arg4. */
		if (!(uaddr2 = futex_word(cpu, a[4], cmd == FUTEX_WAKE_OP, &err)))
			return err;
		break;
	default:
		return -ENOSYS;
	}
	if (!(uaddr = futex_word(cpu, a[0], false, &err))) {
		/* A private wake names its word by address alone and never
		 * touches it, as Linux's does: nothing mapped there, nobody
		 * waits there, 0 woken (a zero bitset is still EINVAL). */
		if (err == -EFAULT && (op & FUTEX_PRIVATE_FLAG) && !(op & FUTEX_CLOCK_REALTIME) &&
		    a[0] < LSTAR_USER_TOP && (cmd == FUTEX_WAKE || cmd == FUTEX_WAKE_BITSET))
			return cmd == FUTEX_WAKE_BITSET && !(uint32_t)a[5] ? -EINVAL : 0;
		return err;
	}
	r = syscall(SYS_futex, uaddr, op, (uint32_t)a[2], arg3, uaddr2, (uint32_t)a[5]);
	return r < 0 ? -errno : r;
}
