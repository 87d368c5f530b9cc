/* SPDX-License-Identifier: MIT */
/*
 * sys_thread.c - what threads wait on: futexes.
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

int64_t vmm_sys_futex(struct vmm_vcpu *cpu, const uint64_t *a)
{
	int op = (int)a[1], cmd = op & FUTEX_CMD_MASK, err = 0;
	uint32_t *uaddr, *uaddr2 = NULL;
	struct timespec ts, *timeout = NULL;
	uint64_t arg3 = a[3];
	long r;

	switch (cmd) {
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET:
		/* A timeout: relative for WAIT, absolute for WAIT_BITSET;
		 * the host checks its values and its clock. */
		if (a[3]) {
			struct { int64_t sec, nsec; } g;

			if (vmm_mem_copy_from_user(cpu->mem, &g, a[3], sizeof(g)))
				return -EFAULT;
			ts.tv_sec = g.sec;
			ts.tv_nsec = g.nsec;
			timeout = &ts;
		}
		arg3 = (uint64_t)(uintptr_t)timeout;
		break;
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
	if (!(uaddr = futex_word(cpu, a[0], false, &err)))
		return err;
	r = syscall(SYS_futex, uaddr, op, (uint32_t)a[2], arg3, uaddr2, (uint32_t)a[5]);
	return r < 0 ? -errno : r;
}
