/* SPDX-License-Identifier: MIT */
/*
 * sys_poll.c - waiting on many descriptors: epoll.
 *
 * A guest epoll instance is a host one, a descriptor in the guest's table
 * like any other.  epoll_ctl names guest descriptors, each translated to
 * the host descriptor behind it; the event's data is the program's own
 * and comes back as it gave it, so nothing of the host shows.  A wait
 * blocks the vCPU's thread in the host with the VMM's lock let go; a
 * signal for the program ends it with EINTR when a handler runs, and it
 * is restarted (with its whole timeout) when none does.
 *
 * epoll_pwait and epoll_pwait2 with a signal mask are ENOSYS for now (the
 * mask is the shim's to swap, around a call the VMM answers).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "vmm.h"

/* Most events one wait returns, as Linux's EP_MAX_EVENTS. */
#define MAX_EVENTS	(INT_MAX / (int)sizeof(struct epoll_event))

static int64_t create(struct vmm_vcpu *cpu, bool cloexec)
{
	struct vmm_file *f;
	int host = epoll_create1(EPOLL_CLOEXEC), fd;

	if (host < 0)
		return -errno;
	if (!(f = vmm_file_new(host, NULL, NULL))) {
		close(host);
		return -ENOMEM;
	}
	if ((fd = vmm_fd_install(cpu->proc, f, 0, cloexec)) < 0) {
		close(host);
		free(f);
	}
	return fd;
}

int64_t vmm_sys_epoll_create(struct vmm_vcpu *cpu, const uint64_t *a)
{
	return (int)a[0] <= 0 ? -EINVAL : create(cpu, false);
}

int64_t vmm_sys_epoll_create1(struct vmm_vcpu *cpu, const uint64_t *a)
{
	if ((int)a[0] & ~EPOLL_CLOEXEC)
		return -EINVAL;
	return create(cpu, (int)a[0] & EPOLL_CLOEXEC);
}

int64_t vmm_sys_epoll_ctl(struct vmm_vcpu *cpu, const uint64_t *a)
{
	int ep = vmm_fd_host(cpu->proc, a[0]), fd = vmm_fd_host(cpu->proc, a[2]);
	int op = (int)a[1];
	struct epoll_event ev = { 0 };

	/* As Linux reads them: the event first (not for a delete). */
	if (op != EPOLL_CTL_DEL &&
	    vmm_mem_copy_from_user(cpu->mem, &ev, a[3], sizeof(ev)))
		return -EFAULT;
	if (ep < 0 || fd < 0)
		return -EBADF;
	/* Guest descriptors that are one host descriptor are one file:
	 * the same-file check Linux makes is the host's. */
	return epoll_ctl(ep, op, fd, &ev) < 0 ? -errno : 0;
}

/* Wait on guest epoll epfd for up to max events into the program's array
 * at gva, timeout_ms (-1: for ever). */
static int64_t wait_events(struct vmm_vcpu *cpu, uint64_t epfd, uint64_t gva, int max,
			   int timeout_ms)
{
	struct vmm_file *f;
	struct epoll_event *ev;
	int64_t n;

	if (max <= 0 || max > MAX_EVENTS)
		return -EINVAL;
	if (gva >= LSTAR_USER_TOP || (uint64_t)max * sizeof(*ev) > LSTAR_USER_TOP - gva)
		return -EFAULT;
	if (!(f = vmm_fd_hold(cpu->proc, epfd)))
		return -EBADF;
	if (!(ev = calloc((size_t)max, sizeof(*ev)))) {
		vmm_file_release(f);
		return -ENOMEM;
	}
	n = (int)vmm_block_call(cpu, SYS_epoll_wait, f->host, (long)ev, max, timeout_ms, 0, 0);
	if (n == -EINTR)
		n = -LSTAR_ERESTARTNOHAND;
	if (n > 0 && vmm_mem_copy_to_user(cpu->mem, gva, ev, (size_t)n * sizeof(*ev)))
		n = -EFAULT;
	free(ev);
	vmm_file_release(f);
	return n;
}

int64_t vmm_sys_epoll_wait(struct vmm_vcpu *cpu, const uint64_t *a)
{
	return wait_events(cpu, a[0], a[1], (int)a[2], (int)a[3]);
}

int64_t vmm_sys_epoll_pwait(struct vmm_vcpu *cpu, const uint64_t *a)
{
	if (a[4])
		return -ENOSYS;		/* a signal mask: not yet */
	return wait_events(cpu, a[0], a[1], (int)a[2], (int)a[3]);
}

int64_t vmm_sys_epoll_pwait2(struct vmm_vcpu *cpu, const uint64_t *a)
{
	struct { int64_t sec, nsec; } ts;
	int ms = -1;

	if (a[4])
		return -ENOSYS;		/* a signal mask: not yet */
	if (a[3]) {
		if (vmm_mem_copy_from_user(cpu->mem, &ts, a[3], sizeof(ts)))
			return -EFAULT;
		if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= 1000000000)
			return -EINVAL;
		/* Rounded up to the millisecond host epoll_wait counts in. */
		ms = ts.sec > INT_MAX / 1000 - 1 ? INT_MAX :
		     (int)(ts.sec * 1000 + (ts.nsec + 999999) / 1000000);
	}
	return wait_events(cpu, a[0], a[1], (int)a[2], ms);
}
