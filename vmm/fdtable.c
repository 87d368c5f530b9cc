/* SPDX-License-Identifier: MIT */
/*
 * fdtable.c - the guest's descriptor table, owned by the VMM.
 *
 * A guest descriptor is an index into the process's fds; each entry points at a
 * struct vmm_file, which holds one host descriptor.  dup() makes two
 * entries point at one file (as two descriptors share one open file
 * description on Linux); the host descriptor closes with the last entry.
 * Numbers are handed out lowest-free first, as Linux does, and the guest
 * never learns a host number.  lstar's own standard streams back guest 0,
 * 1 and 2 at start and are never closed on the host.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "vmm.h"

struct vmm_file *vmm_file_new(int host, const char *path,
			      const struct vmm_tree *tree)
{
	struct vmm_file *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->host = host;
	f->tree = tree;
	if (path && !(f->path = strdup(path))) {
		free(f);
		return NULL;
	}
	return f;
}

/* Drop one reference; the last one closes the host descriptor, or hands
 * it to *keep (when not NULL) for the caller to close. */
static void file_drop(struct vmm_file *f, int *keep)
{
	if (--f->refs > 0 || f->std)
		return;
	if (f->dev)		/* a device's is the process's dev_fd */
		;
	else if (keep)
		*keep = f->host;
	else
		close(f->host);
	if (f->sock) {
		free(f->sock->name);
		free(f->sock->peer);
		free(f->sock);
	}
	free(f->path);
	free(f);
}

static void file_put(struct vmm_file *f)
{
	file_drop(f, NULL);
}

void vmm_fd_init(struct vmm_process *proc)
{
	/* `limit files`: the table is as long as the policy allows, and
	 * RLIMIT_NOFILE starts there. */
	proc->max_fds = proc->policy->files ? proc->policy->files : LSTAR_MAX_FDS;
	vmm_rlimit_init(proc);
	memset(proc->fds, 0, sizeof(proc->fds));
	for (int i = 0; i < 3; i++) {
		proc->std_files[i] = (struct vmm_file){ .host = i, .std = true };
		vmm_fd_install_at(proc, &proc->std_files[i], i, false);
	}
}

struct vmm_file *vmm_fd_get(const struct vmm_process *proc, uint64_t fd)
{
	if (fd >= (uint64_t)proc->max_fds)
		return NULL;
	return proc->fds[fd].file;
}

struct vmm_file *vmm_fd_hold(const struct vmm_process *proc, uint64_t fd)
{
	struct vmm_file *f = vmm_fd_get(proc, fd);

	if (f)
		f->refs++;
	return f;
}

void vmm_file_release(struct vmm_file *f)
{
	file_put(f);
}

int vmm_fd_host(const struct vmm_process *proc, uint64_t fd)
{
	struct vmm_file *f = vmm_fd_get(proc, fd);

	return f ? f->host : -EBADF;
}

uint64_t vmm_fd_limit(const struct vmm_process *proc)
{
	uint64_t soft = proc->rlimits[RLIMIT_NOFILE].cur;

	return soft < (uint64_t)proc->max_fds ? soft : (uint64_t)proc->max_fds;
}

int vmm_fd_install(struct vmm_process *proc, struct vmm_file *f, uint64_t min,
		   bool cloexec)
{
	for (uint64_t i = min; i < vmm_fd_limit(proc); i++)
		if (!proc->fds[i].file)
			return vmm_fd_install_at(proc, f, i, cloexec);
	return -EMFILE;
}

int vmm_fd_install_at(struct vmm_process *proc, struct vmm_file *f, uint64_t fd,
		      bool cloexec)
{
	/* Descriptors above a lowered limit stay usable; new ones not. */
	if (fd >= vmm_fd_limit(proc))
		return -EBADF;
	f->refs++;	/* first: f may be the file being replaced */
	if (proc->fds[fd].file)
		file_put(proc->fds[fd].file);
	proc->fds[fd] = (struct vmm_fd){ .file = f, .cloexec = cloexec };
	return (int)fd;
}

int vmm_fd_close(struct vmm_process *proc, uint64_t fd)
{
	return vmm_fd_close_keep(proc, fd, NULL);
}

int vmm_fd_close_keep(struct vmm_process *proc, uint64_t fd, int *host)
{
	struct vmm_file *f = vmm_fd_get(proc, fd);

	if (!f)
		return -EBADF;
	proc->fds[fd] = (struct vmm_fd){ 0 };
	file_drop(f, host);
	return 0;
}

void vmm_fd_close_on_exec(struct vmm_process *proc)
{
	for (uint64_t fd = 0; fd < LSTAR_MAX_FDS; fd++)
		if (proc->fds[fd].file && proc->fds[fd].cloexec)
			vmm_fd_close(proc, fd);
}

void vmm_fd_close_all(struct vmm_process *proc)
{
	for (uint64_t fd = 0; fd < LSTAR_MAX_FDS; fd++)
		if (proc->fds[fd].file)
			vmm_fd_close(proc, fd);
}
