/* SPDX-License-Identifier: MIT */
/*
 * sys_fd.c - the calls on descriptors themselves: close, dup and fcntl
 * on the guest's table (fdtable.c), pipes and eventfds, the terminal
 * queries, and truncating and syncing a file the guest holds.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "vmm.h"

/*
 * A socket's last close may wait (SO_LINGER with a timeout: until the
 * peer has taken what is unsent): the host descriptor is closed with the
 * VMM's lock let go, as the other waits are, so that the program's other
 * threads go on (the peer may be one of them).  A signal ends the wait,
 * and the descriptor is gone either way, as on Linux.
 */
int64_t vmm_sys_close(struct vmm_vcpu *cpu, const uint64_t *a)
{
	struct vmm_file *f = vmm_fd_get(cpu->proc, a[0]);
	int host = -1, r;

	if (!f || !f->sock)
		return vmm_fd_close(cpu->proc, a[0]);
	r = vmm_fd_close_keep(cpu->proc, a[0], &host);
	if (host >= 0) {
		vmm_block_begin(cpu);
		close(host);
		vmm_block_end(cpu);
	}
	return r;
}

int64_t vmm_sys_dup(struct vmm_vcpu *cpu, const uint64_t *a)
{
	struct vmm_file *f = vmm_fd_get(cpu->proc, a[0]);

	return f ? vmm_fd_install(cpu->proc, f, 0, false) : -EBADF;
}

int64_t vmm_sys_dup2(struct vmm_vcpu *cpu, const uint64_t *a)
{
	struct vmm_file *f = vmm_fd_get(cpu->proc, a[0]);

	if (!f)
		return -EBADF;
	if (a[0] == a[1])
		return (int64_t)a[1];
	return vmm_fd_install_at(cpu->proc, f, a[1], false);
}

int64_t vmm_sys_dup3(struct vmm_vcpu *cpu, const uint64_t *a)
{
	struct vmm_file *f = vmm_fd_get(cpu->proc, a[0]);

	if (a[2] & ~(uint64_t)O_CLOEXEC)
		return -EINVAL;
	if (!f)
		return -EBADF;
	if (a[0] == a[1])
		return -EINVAL;
	return vmm_fd_install_at(cpu->proc, f, a[1], a[2] & O_CLOEXEC);
}

/*
 * Advisory record locks (F_GETLK, F_SETLK, F_SETLKW and the OFD ones) are
 * the host's, on the host descriptor: each process of the sandbox is a
 * VMM of its own, so the host's owner of a POSIX lock is exactly the
 * guest's process, and an open file shared across a fork is shared on
 * the host too (OFD locks, flock).  A wait lets the VMM's lock go and
 * ends for a signal.  F_GETLK names the owner by its pid in the sandbox:
 * 0 for a host process outside it, as Linux shows one of another pid
 * namespace.
 */
static int64_t record_lock(struct vmm_vcpu *cpu, uint64_t fd, int cmd, uint64_t gva)
{
	struct flock fl;
	struct vmm_file *f;
	int64_t r;

	if (vmm_mem_copy_from_user(cpu->mem, &fl, gva, sizeof(fl)))
		return -EFAULT;
	if (!(f = vmm_fd_hold(cpu->proc, fd)))
		return -EBADF;
	if (cmd == F_SETLKW || cmd == F_OFD_SETLKW)
		r = vmm_block_call_parked(cpu, SYS_fcntl, f->host, cmd, (long)&fl, 0, 0, 0);
	else
		r = fcntl(f->host, cmd, &fl) < 0 ? -errno : 0;
	vmm_file_release(f);
	if (r < 0 || (cmd != F_GETLK && cmd != F_OFD_GETLK))
		return r;
	if (fl.l_type != F_UNLCK && fl.l_pid > 0)
		fl.l_pid = vmm_procs_guest_pid(cpu->vmm, fl.l_pid);
	return vmm_mem_copy_to_user(cpu->mem, gva, &fl, sizeof(fl));
}

int64_t vmm_sys_flock(struct vmm_vcpu *cpu, const uint64_t *a)
{
	int op = (int)a[1];
	struct vmm_file *f;
	int64_t r;

	if (!(f = vmm_fd_hold(cpu->proc, a[0])))
		return -EBADF;
	if (op & LOCK_NB)
		r = flock(f->host, op) < 0 ? -errno : 0;
	else
		r = vmm_block_call_parked(cpu, SYS_flock, f->host, op, 0, 0, 0, 0);
	vmm_file_release(f);
	return r;
}

int64_t vmm_sys_fcntl(struct vmm_vcpu *cpu, const uint64_t *a)
{
	struct vmm_file *f = vmm_fd_get(cpu->proc, a[0]);
	int fl;

	if (!f)
		return -EBADF;
	switch (a[1]) {
	case F_GETFD:
		return cpu->proc->fds[a[0]].cloexec ? FD_CLOEXEC : 0;
	case F_SETFD:
		cpu->proc->fds[a[0]].cloexec = a[2] & FD_CLOEXEC;
		return 0;
	case F_GETFL:
		if (f->dev)	/* kept by lstar: the host file is shared */
			return f->flags;
		fl = fcntl(f->host, F_GETFL);
		return fl < 0 ? -errno : fl;
	case F_SETFL:
		if (f->dev) {
			if ((int)a[2] & O_NOATIME)
				return -EPERM;	/* root's file */
			f->flags = (f->flags & ~(O_APPEND | O_NONBLOCK)) |
				   ((int)a[2] & (O_APPEND | O_NONBLOCK));
			return 0;
		}
		/* The status flags a program may change, as Linux's SETFL_MASK
		 * less O_DIRECT and O_ASYNC (no signals yet). */
		return fcntl(f->host, F_SETFL,
			     (int)a[2] & (O_APPEND | O_NONBLOCK | O_NOATIME)) < 0 ?
		       -errno : 0;
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		if (a[2] >= vmm_fd_limit(cpu->proc))
			return -EINVAL;
		return vmm_fd_install(cpu->proc, f, a[2], a[1] == F_DUPFD_CLOEXEC);
	case F_GETLK:
	case F_SETLK:
	case F_SETLKW:
	case F_OFD_GETLK:
	case F_OFD_SETLK:
	case F_OFD_SETLKW:
		return record_lock(cpu, a[0], (int)a[1], a[2]);
	default:
		return -EINVAL;
	}
}

int64_t vmm_sys_ioctl(struct vmm_vcpu *cpu, const uint64_t *a)
{
	int hfd = vmm_fd_host(cpu->proc, a[0]);
	uint8_t buf[64];	/* larger than either answer */
	size_t len;

	if (hfd < 0)
		return hfd;
	/* The descriptor's own flags, for any file as Linux's
	 * do_vfs_ioctl answers them: close-on-exec, and O_NONBLOCK as
	 * fcntl's F_SETFL sets it. */
	switch (a[1]) {
	case FIOCLEX:
	case FIONCLEX:
		cpu->proc->fds[a[0]].cloexec = a[1] == FIOCLEX;
		return 0;
	case FIONBIO: {
		struct vmm_file *f = vmm_fd_get(cpu->proc, a[0]);
		int on, fl;

		if (vmm_mem_copy_from_user(cpu->mem, &on, a[2], sizeof(on)))
			return -EFAULT;
		if (f->dev) {
			f->flags = on ? f->flags | O_NONBLOCK : f->flags & ~O_NONBLOCK;
			return 0;
		}
		if ((fl = fcntl(hfd, F_GETFL)) < 0 ||
		    fcntl(hfd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK) < 0)
			return -errno;
		return 0;
	}
	}
	/* lstar's devices take none (dev.c): ENOTTY, as Linux's null,
	 * zero and full answer; EINVAL, as random's ioctl answers what it
	 * does not know (its requests change the host's pool: none here). */
	switch (vmm_fd_get(cpu->proc, a[0])->dev) {
	case VMM_DEV_NONE:
		break;
	case VMM_DEV_RANDOM:
	case VMM_DEV_URANDOM:
		return -EINVAL;
	default:
		return -ENOTTY;
	}
	switch (a[1]) {
	case TCGETS:
		len = 36;	/* the kernel's struct termios */
		break;
	case TIOCGWINSZ:
		len = sizeof(struct winsize);
		break;
	case FIONREAD:
		len = sizeof(int);
		break;
	default:
		return -ENOTTY;
	}
	memset(buf, 0, sizeof(buf));
	/* A UDP socket's next datagram counts only if the program may
	 * hear it: its size would say something of a refused one. */
	if (a[1] == FIONREAD && vmm_net_filtered(vmm_fd_get(cpu->proc, a[0]))) {
		int n = vmm_net_pending(cpu, vmm_fd_get(cpu->proc, a[0]));

		if (n < 0)
			return n;
		memcpy(buf, &n, sizeof(n));
	} else if (ioctl(hfd, a[1], buf) < 0) {
		return -errno;
	}
	return vmm_mem_copy_to_user(cpu->mem, a[2], buf, len);
}

/* pipe2(fds, flags): a host pipe, both ends the guest's. */
int64_t vmm_sys_pipe2(struct vmm_vcpu *cpu, const uint64_t *a)
{
	struct vmm_file *ends[2] = { NULL, NULL };
	int host[2], gfd[2] = { -1, -1 };
	int32_t out[2];
	int64_t err = -ENOMEM;

	if (a[1] & ~(uint64_t)(O_CLOEXEC | O_NONBLOCK | O_DIRECT))
		return -EINVAL;
	if (pipe2(host, O_CLOEXEC | ((int)a[1] & (O_NONBLOCK | O_DIRECT))) < 0)
		return -errno;
	for (int i = 0; i < 2; i++)
		if (!(ends[i] = vmm_file_new(host[i], NULL, NULL)))
			goto out_close;
	for (int i = 0; i < 2; i++)
		if ((gfd[i] = vmm_fd_install(cpu->proc, ends[i], 0, a[1] & O_CLOEXEC)) < 0) {
			err = gfd[i];
			goto out_uninstall;
		}
	out[0] = gfd[0];
	out[1] = gfd[1];
	if (vmm_mem_copy_to_user(cpu->mem, a[0], out, sizeof(out))) {
		err = -EFAULT;
		goto out_uninstall;
	}
	return 0;

out_uninstall:
	/* Closing an installed end frees it and its host descriptor. */
	for (int i = 0; i < 2; i++) {
		if (gfd[i] >= 0) {
			vmm_fd_close(cpu->proc, gfd[i]);
			ends[i] = NULL;
			host[i] = -1;
		}
	}
out_close:
	for (int i = 0; i < 2; i++) {
		if (host[i] >= 0)
			close(host[i]);
		if (ends[i])
			free(ends[i]);
	}
	return err;
}

int64_t vmm_sys_pipe(struct vmm_vcpu *cpu, const uint64_t *a)
{
	const uint64_t args[6] = { a[0], 0 };

	return vmm_sys_pipe2(cpu, args);
}

/* eventfd2(initval, flags): a host eventfd, the guest's.  Its reads and
 * writes are sys_io.c's, its waits sys_poll.c's. */
int64_t vmm_sys_eventfd2(struct vmm_vcpu *cpu, const uint64_t *a)
{
	int flags = (int)a[1], host;
	struct vmm_file *f;
	int64_t fd;

	if (flags & ~(EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE))
		return -EINVAL;
	host = eventfd((unsigned int)a[0], EFD_CLOEXEC | (flags & (EFD_NONBLOCK | EFD_SEMAPHORE)));
	if (host < 0)
		return -errno;
	if (!(f = vmm_file_new(host, NULL, NULL))) {
		close(host);
		return -ENOMEM;
	}
	if ((fd = vmm_fd_install(cpu->proc, f, 0, flags & EFD_CLOEXEC)) < 0) {
		close(host);
		free(f);
	}
	return fd;
}

int64_t vmm_sys_eventfd(struct vmm_vcpu *cpu, const uint64_t *a)
{
	const uint64_t args[6] = { a[0], 0 };

	return vmm_sys_eventfd2(cpu, args);
}

int64_t vmm_sys_ftruncate(struct vmm_vcpu *cpu, const uint64_t *a)
{
	struct vmm_file *f = vmm_fd_get(cpu->proc, a[0]);

	if (!f)
		return -EBADF;
	if ((int64_t)a[1] < 0 || f->dev)	/* a device: not a regular file */
		return -EINVAL;
	return ftruncate(f->host, (off_t)a[1]) < 0 ? -errno : 0;
}

/* A device has nothing to sync: EINVAL, as Linux's null and zero; a
 * made-up file (dev.c) is a regular file that never changes: done. */
int64_t vmm_sys_fsync(struct vmm_vcpu *cpu, const uint64_t *a)
{
	struct vmm_file *f = vmm_fd_get(cpu->proc, a[0]);

	return !f ? -EBADF : vmm_dev_has_text(f->dev) ? 0 : f->dev ? -EINVAL :
	       fsync(f->host) < 0 ? -errno : 0;
}

int64_t vmm_sys_fdatasync(struct vmm_vcpu *cpu, const uint64_t *a)
{
	struct vmm_file *f = vmm_fd_get(cpu->proc, a[0]);

	return !f ? -EBADF : vmm_dev_has_text(f->dev) ? 0 : f->dev ? -EINVAL :
	       fdatasync(f->host) < 0 ? -errno : 0;
}
