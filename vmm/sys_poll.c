/* SPDX-License-Identifier: MIT */
/*
 * sys_poll.c - waiting on many descriptors: epoll, poll and select.
 *
 * A guest epoll instance is a host one, a descriptor in the guest's table
 * like any other.  epoll_ctl names guest descriptors, each translated to
 * the host descriptor behind it; the event's data is the program's own
 * and comes back as it gave it, so nothing of the host shows.  A wait
 * blocks the vCPU's thread in the host with the VMM's lock let go; a
 * signal for the program ends it with EINTR when a handler runs, and it
 * is restarted (with its whole timeout) when none does.
 *
 * poll, ppoll, select and pselect6 are the host's ppoll on the host
 * descriptors behind the guest's, each file held while the wait runs.
 *
 * The signal mask epoll_pwait, epoll_pwait2, ppoll and pselect6 carry is
 * the shim's: it swaps it in around the call the VMM answers.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
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
	n = (int)vmm_block_call_parked(cpu, SYS_epoll_wait, f->host, (long)ev, max, timeout_ms,
				       0, 0);
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

/* The signal mask of epoll_pwait, epoll_pwait2, ppoll and pselect6 is
 * the shim's, in place while the call waits (shim-kernel/syscall.c). */
int64_t vmm_sys_epoll_pwait(struct vmm_vcpu *cpu, const uint64_t *a)
{
	return wait_events(cpu, a[0], a[1], (int)a[2], (int)a[3]);
}

int64_t vmm_sys_epoll_pwait2(struct vmm_vcpu *cpu, const uint64_t *a)
{
	struct { int64_t sec, nsec; } ts;
	int ms = -1;

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

/* --- poll, ppoll, select, pselect6 ----------------------------------------------- */

/*
 * Wait on n descriptors: pfd[i].fd are guest descriptors (negative:
 * skipped), made host ones for the host's ppoll, each file held while the
 * lock is let go.  A guest descriptor not open answers POLLNVAL at once.
 * Fills the revents; returns how many have some, 0 when ts passes
 * (NULL: no limit), or -EINTR.
 */
static int64_t poll_fds(struct vmm_vcpu *cpu, struct pollfd *pfd, uint64_t n,
			const struct timespec *ts)
{
	struct vmm_file **held = calloc(n ? n : 1, sizeof(*held));
	struct pollfd *host = calloc(n ? n : 1, sizeof(*host));
	int64_t r = -ENOMEM, nval = 0;

	if (!held || !host)
		goto out;
	for (uint64_t i = 0; i < n; i++) {
		host[i] = (struct pollfd){ .fd = -1, .events = pfd[i].events };
		pfd[i].revents = 0;
		if (pfd[i].fd < 0)
			continue;
		if (!(held[i] = vmm_fd_hold(cpu->proc, (uint64_t)pfd[i].fd))) {
			pfd[i].revents = POLLNVAL;
			nval++;
			continue;
		}
		host[i].fd = held[i]->host;
	}
	/* A descriptor not open is an answer: no wait. */
	r = vmm_block_call_parked(cpu, SYS_ppoll, (long)host, (long)n,
			   (long)(nval ? &(struct timespec){ 0, 0 } : ts), 0, 8, 0);
	if (r >= 0) {
		r = nval;
		for (uint64_t i = 0; i < n; i++) {
			/* /dev/random is readable, not writable, once the
			 * host's generator is ready (Linux's random_poll);
			 * the other devices are both, as the host says. */
			if (host[i].fd >= 0 && held[i]->dev == VMM_DEV_RANDOM)
				host[i].revents &= (short)~(POLLOUT | POLLWRNORM);
			if (host[i].fd >= 0 && (pfd[i].revents = host[i].revents))
				r++;
		}
	}
out:
	for (uint64_t i = 0; held && i < n; i++)
		if (held[i])
			vmm_file_release(held[i]);
	free(held);
	free(host);
	return r;
}

/* A relative timeout from the program, or -EINVAL (-EFAULT). */
static int get_timeout(struct vmm_vcpu *cpu, uint64_t gva, bool timeval, struct timespec *ts)
{
	struct { int64_t sec, frac; } t;

	if (vmm_mem_copy_from_user(cpu->mem, &t, gva, sizeof(t)))
		return -EFAULT;
	if (t.sec < 0 || t.frac < 0 || t.frac >= (timeval ? 1000000 : 1000000000))
		return -EINVAL;
	ts->tv_sec = t.sec;
	ts->tv_nsec = timeval ? t.frac * 1000 : t.frac;
	return 0;
}

static int64_t do_poll(struct vmm_vcpu *cpu, uint64_t gva, uint64_t n,
		       const struct timespec *ts)
{
	struct pollfd *pfd;
	int64_t r;

	if (n > vmm_fd_limit(cpu->proc))
		return -EINVAL;
	if (!(pfd = calloc(n ? n : 1, sizeof(*pfd))))
		return -ENOMEM;
	if (vmm_mem_copy_from_user(cpu->mem, pfd, gva, n * sizeof(*pfd))) {
		free(pfd);
		return -EFAULT;
	}
	r = poll_fds(cpu, pfd, n, ts);
	if (r >= 0 && vmm_mem_copy_to_user(cpu->mem, gva, pfd, n * sizeof(*pfd)))
		r = -EFAULT;
	free(pfd);
	/* Restarted with the whole timeout when no handler runs. */
	return r == -EINTR ? -LSTAR_ERESTARTNOHAND : r;
}

int64_t vmm_sys_poll(struct vmm_vcpu *cpu, const uint64_t *a)
{
	int ms = (int)a[2];
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	return do_poll(cpu, a[0], a[1], ms < 0 ? NULL : &ts);
}

int64_t vmm_sys_ppoll(struct vmm_vcpu *cpu, const uint64_t *a)
{
	struct timespec ts;
	int err;

	if (a[2] && (err = get_timeout(cpu, a[2], false, &ts)))
		return err;
	return do_poll(cpu, a[0], a[1], a[2] ? &ts : NULL);
}

#define FDSET_WORDS(n)	(((n) + 63) / 64)

/*
 * select: the three sets become one pollfd per descriptor named in any of
 * them (a descriptor not open is EBADF), as Linux's do_select reads them;
 * the sets come back with the ready ones, and the timeout with what is
 * left of it.
 */
static int64_t do_select(struct vmm_vcpu *cpu, const uint64_t *a, struct timespec *ts)
{
	uint64_t nfds = (uint64_t)(int)a[0], words, *set[3] = { NULL, NULL, NULL };
	struct pollfd *pfd = NULL;
	int *which = NULL;
	int64_t r = -ENOMEM;
	uint64_t n = 0;
	struct timespec t0, t1;

	if ((int)a[0] < 0)
		return -EINVAL;
	if (nfds > vmm_fd_limit(cpu->proc))
		nfds = vmm_fd_limit(cpu->proc);
	words = FDSET_WORDS(nfds);
	for (int k = 0; k < 3; k++) {
		if (!(set[k] = calloc(words ? words : 1, 8)))
			goto out;
		if (a[1 + k] && vmm_mem_copy_from_user(cpu->mem, set[k], a[1 + k], words * 8)) {
			r = -EFAULT;
			goto out;
		}
	}
	if (!(pfd = calloc(nfds ? nfds : 1, sizeof(*pfd))) ||
	    !(which = calloc(nfds ? nfds : 1, sizeof(*which))))
		goto out;
	for (uint64_t fd = 0; fd < nfds; fd++) {
		short ev = 0;

		for (int k = 0; k < 3; k++)
			if (set[k][fd / 64] >> (fd % 64) & 1)
				ev |= k == 0 ? POLLIN : k == 1 ? POLLOUT : POLLPRI;
		if (!ev)
			continue;
		if (vmm_fd_host(cpu->proc, fd) < 0) {
			r = -EBADF;
			goto out;
		}
		pfd[n] = (struct pollfd){ .fd = (int)fd, .events = ev };
		which[n++] = (int)fd;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((r = poll_fds(cpu, pfd, n, ts)) < 0)
		goto out;
	for (int k = 0; k < 3; k++)
		memset(set[k], 0, words * 8);
	r = 0;
	for (uint64_t i = 0; i < n; i++) {
		short re = pfd[i].revents;
		uint64_t fd = (uint64_t)which[i];
		bool in = (pfd[i].events & POLLIN) && (re & (POLLIN | POLLHUP | POLLERR));
		bool out = (pfd[i].events & POLLOUT) && (re & (POLLOUT | POLLERR));
		bool ex = (pfd[i].events & POLLPRI) && (re & POLLPRI);

		set[0][fd / 64] |= (uint64_t)in << (fd % 64);
		set[1][fd / 64] |= (uint64_t)out << (fd % 64);
		set[2][fd / 64] |= (uint64_t)ex << (fd % 64);
		r += in + out + ex;
	}
	for (int k = 0; k < 3; k++)
		if (a[1 + k] && vmm_mem_copy_to_user(cpu->mem, a[1 + k], set[k], words * 8))
			r = -EFAULT;
	if (ts) {		/* what is left, as Linux writes back */
		int64_t left = 0;

		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (r > 0)
			left = (ts->tv_sec - (t1.tv_sec - t0.tv_sec)) * 1000000000LL +
			       (ts->tv_nsec - (t1.tv_nsec - t0.tv_nsec));
		if (left < 0)
			left = 0;
		ts->tv_sec = left / 1000000000LL;
		ts->tv_nsec = left % 1000000000LL;
	}
out:
	for (int k = 0; k < 3; k++)
		free(set[k]);
	free(pfd);
	free(which);
	return r == -EINTR ? -LSTAR_ERESTARTNOHAND : r;
}

/* select and pselect6: the timeout at a[4] is a timeval or a timespec,
 * read, then written back with what is left of it. */
static int64_t select_with_timeout(struct vmm_vcpu *cpu, const uint64_t *a, bool timeval)
{
	struct timespec ts;
	int64_t r;
	int err;

	if (a[4] && (err = get_timeout(cpu, a[4], timeval, &ts)))
		return err;
	r = do_select(cpu, a, a[4] ? &ts : NULL);
	if (a[4] && r >= 0) {
		int64_t left[2] = { ts.tv_sec, timeval ? ts.tv_nsec / 1000 : ts.tv_nsec };

		if (vmm_mem_copy_to_user(cpu->mem, a[4], left, sizeof(left)))
			return -EFAULT;
	}
	return r;
}

int64_t vmm_sys_select(struct vmm_vcpu *cpu, const uint64_t *a)
{
	return select_with_timeout(cpu, a, true);
}

/* Its signal mask is the shim's (see epoll_pwait). */
int64_t vmm_sys_pselect6(struct vmm_vcpu *cpu, const uint64_t *a)
{
	return select_with_timeout(cpu, a, false);
}
