/* SPDX-License-Identifier: MIT */
/*
 * dev.c - lstar's own devices: /dev/null, /dev/zero, /dev/full,
 * /dev/random, /dev/urandom, /dev/tty, /dev/stdin, /dev/stdout,
 * /dev/stderr, and /dev, the read-only directory that lists them; and,
 * with `net dns`, the made-up files /etc/resolv.conf and /etc/hosts,
 * and /etc listing them when no tree holds it.
 *
 * They are there in every run, as on every Linux system, because they
 * show nothing of the host and reach nothing on it: the VMM answers
 * them itself and never opens the host's device nodes, not even when a
 * granted tree holds /dev.  Opening one is still a call the policy
 * judges.  What each does is Linux's (drivers/char/mem.c's semantics):
 * null reads end of file and swallows writes, zero and full read zeros,
 * full refuses writes with ENOSPC, random and urandom read the host's
 * getrandom; stat shows a character device with Linux's numbers.
 * /dev/tty is ENXIO to open (no controlling terminal), and /dev/stdin,
 * stdout and stderr give a new descriptor on the file the program's 0,
 * 1 and 2 name (docs/DECISIONS.md, "Devices").
 *
 * A device's file holds, as its host descriptor, the process's dev_fd:
 * an empty memfd sealed against every change, shared by all of them and
 * closed only with the process.  The handlers that know devices answer
 * them from the file's dev; a call that does not (poll, flock, close)
 * meets an empty file nobody can write, never a host device.
 *
 * A made-up file (vmm_dev_has_text) holds instead the sealed memfd
 * dns.c wrote its text into, shared by every open of it: the file's own
 * pos is its offset, and reads are positioned (sys_io.c), so that opens
 * do not move each other.  It is a small regular file, read-only:
 * opening it to write is EROFS, as on a read-only mount, and nothing
 * can change, remove or rename it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "vmm.h"

/* The kernel's O_LARGEFILE: always set on x86-64, F_GETFL shows it. */
#define KERNEL_O_LARGEFILE 0100000

static const struct dev {
	const char *name;
	uint8_t dev;
	uint8_t dir;			/* VMM_DEV_DIR (/dev) or VMM_DEV_ETC */
	uint8_t major, minor;		/* 0, 0: no node of its own */
	bool listed;			/* in its directory's listing */
} devs[] = {
	{ "null",	VMM_DEV_NULL,	 VMM_DEV_DIR, 1, 3, true },
	{ "zero",	VMM_DEV_ZERO,	 VMM_DEV_DIR, 1, 5, true },
	{ "full",	VMM_DEV_FULL,	 VMM_DEV_DIR, 1, 7, true },
	{ "random",	VMM_DEV_RANDOM,	 VMM_DEV_DIR, 1, 8, true },
	{ "urandom",	VMM_DEV_URANDOM, VMM_DEV_DIR, 1, 9, true },
	{ "tty",	VMM_DEV_TTY,	 VMM_DEV_DIR, 5, 0, true },
	/* Links to /proc/self/fd/N on Linux; here names that open the
	 * program's own 0, 1, 2, unlisted (no /proc to point at). */
	{ "stdin",	VMM_DEV_STDIN,	 VMM_DEV_DIR, 0, 0, false },
	{ "stdout",	VMM_DEV_STDOUT,	 VMM_DEV_DIR, 0, 0, false },
	{ "stderr",	VMM_DEV_STDERR,	 VMM_DEV_DIR, 0, 0, false },
	/* net dns (dns.c): there only when the policy says so. */
	{ "resolv.conf", VMM_DEV_RESOLV_CONF, VMM_DEV_ETC, 0, 0, true },
	{ "hosts",	VMM_DEV_HOSTS,	 VMM_DEV_ETC, 0, 0, true },
};
#define NDEVS (sizeof(devs) / sizeof(devs[0]))

/* Is the made-up directory dir (VMM_DEV_DIR, VMM_DEV_ETC) there for
 * proc?  /dev always; /etc with net dns. */
static bool dir_there(const struct vmm_process *proc, int dir)
{
	return dir == VMM_DEV_DIR || proc->dns.on;
}

int vmm_dev_init(struct vmm_process *proc)
{
	/* Empty, and sealed so that nothing (a handler that forgot a
	 * device) can ever write, grow or map it writably. */
	int fd = memfd_create("lstar-dev", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd < 0)
		return -errno;
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE |
		  F_SEAL_SEAL) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	proc->dev_fd = fd;
	return 0;
}

int vmm_dev_of(const struct vmm_process *proc, const char *abs)
{
	int dir;

	/* Both directories' paths are four bytes long. */
	if (!strncmp(abs, "/dev", 4))
		dir = VMM_DEV_DIR;
	else if (!strncmp(abs, "/etc", 4) && dir_there(proc, VMM_DEV_ETC))
		dir = VMM_DEV_ETC;
	else
		return VMM_DEV_NONE;
	if (!abs[4])
		return dir;
	if (abs[4] != '/')
		return VMM_DEV_NONE;
	for (size_t i = 0; i < NDEVS; i++) {
		size_t n = strlen(devs[i].name);

		if (devs[i].dir != dir || strncmp(abs + 5, devs[i].name, n))
			continue;
		if (!abs[5 + n])
			return devs[i].dev;
		if (abs[5 + n] == '/')
			return -ENOTDIR;	/* "/dev/null/x" */
	}
	return VMM_DEV_NONE;
}

static const struct dev *dev_entry(int dev)
{
	for (size_t i = 0; i < NDEVS; i++)
		if (devs[i].dev == dev)
			return &devs[i];
	return NULL;
}

void vmm_dev_stat(const struct vmm_process *proc, int dev, struct stat *st)
{
	const struct dev *d = dev_entry(dev);

	/* Root's on the host, so nobody's here (as lstar shows every owner
	 * but its user); devtmpfs's device number; no times. */
	memset(st, 0, sizeof(*st));
	if (vmm_dev_has_text(dev)) {
		/* A small read-only regular file, root's as /etc's are. */
		st->st_dev = makedev(0, 6);
		st->st_ino = 3 + (uint64_t)(d - devs);
		st->st_mode = S_IFREG | 0444;
		st->st_nlink = 1;
		st->st_uid = LSTAR_NOBODY;
		st->st_gid = LSTAR_NOBODY;
		st->st_size = (off_t)(dev == VMM_DEV_HOSTS ? proc->dns.hosts_size :
				      proc->dns.resolv_size);
		st->st_blksize = 4096;
		st->st_blocks = (st->st_size + 511) / 512;
		return;
	}
	st->st_dev = makedev(0, 6);
	st->st_ino = d ? 3 + (uint64_t)(d - devs) : 1;
	st->st_mode = S_IFCHR | 0666;
	st->st_nlink = 1;
	st->st_uid = LSTAR_NOBODY;
	st->st_gid = LSTAR_NOBODY;
	st->st_rdev = d ? makedev(d->major, d->minor) : 0;
	st->st_blksize = 4096;
}

bool vmm_dev_readable(const struct vmm_file *f)
{
	int acc = f->flags & O_ACCMODE;

	return !(f->flags & O_PATH) && (acc == O_RDONLY || acc == O_RDWR);
}

bool vmm_dev_writable(const struct vmm_file *f)
{
	int acc = f->flags & O_ACCMODE;

	return !(f->flags & O_PATH) && (acc == O_WRONLY || acc == O_RDWR);
}

int vmm_dev_open(struct vmm_process *proc, int dev, uint64_t flags,
		 struct vmm_file **out)
{
	struct vmm_file *f;

	if (dev >= VMM_DEV_STDIN && dev <= VMM_DEV_STDERR) {
		/* The file the program's descriptor names now: a new
		 * descriptor on it, as dup gives (docs/DECISIONS.md). */
		if (!(f = vmm_fd_get(proc, (uint64_t)(dev - VMM_DEV_STDIN))))
			return -ENOENT;
		if (flags & O_NOFOLLOW)
			return -ELOOP;		/* a symlink on Linux */
		if ((flags & O_DIRECTORY) && !f->path && !vmm_dev_is_dir(f->dev))
			return -ENOTDIR;
		*out = f;
		return 0;
	}
	if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
		return -EEXIST;
	if (vmm_dev_is_dir(dev)) {
		if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_CREAT))
			return -EISDIR;
	} else {
		if (flags & O_DIRECTORY)
			return -ENOTDIR;
		if (dev == VMM_DEV_TTY && !(flags & O_PATH))
			return -ENXIO;		/* no controlling terminal */
		/* A made-up file is on no writable file system. */
		if (vmm_dev_has_text(dev) && !(flags & O_PATH) &&
		    ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC)))
			return -EROFS;
		if (flags & O_NOATIME)
			return -EPERM;		/* root's file, not the program's */
	}
	if (!(f = vmm_file_new(dev == VMM_DEV_RESOLV_CONF ? proc->dns.resolv_fd :
			       dev == VMM_DEV_HOSTS ? proc->dns.hosts_fd : proc->dev_fd,
			       NULL, NULL)))
		return -ENOMEM;
	f->dev = (uint8_t)dev;
	/* What F_GETFL shows, as Linux keeps f_flags. */
	f->flags = (int)(flags & ~(uint64_t)(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC |
					    O_CLOEXEC)) | KERNEL_O_LARGEFILE;
	*out = f;
	return 0;
}

/* Linux's struct linux_dirent64, without its name. */
struct dirent_head {
	uint64_t ino;
	int64_t off;
	uint16_t reclen;
	uint8_t type;
} __attribute__((packed));

/*
 * Entry i of the listing of made-up directory dir (/dev or /etc): ".",
 * "..", its listed devices or files, then the first component of each
 * granted tree below it (once each, never one a device hides).  false
 * past the end.
 */
static bool dir_entry(const struct vmm_process *proc, int dir, uint64_t i, char *name,
		      size_t len, uint8_t *type, uint64_t *ino)
{
	const char *top = vmm_dev_dir_path(dir);	/* "/dev", "/etc" */
	uint64_t k = 0;

	if (i < 2) {
		snprintf(name, len, "%s", i ? ".." : ".");
		*type = DT_DIR;
		*ino = i ? 2 : 1;
		return true;
	}
	k = 2;
	for (size_t d = 0; d < NDEVS; d++) {
		if (!devs[d].listed || devs[d].dir != dir)
			continue;
		if (k++ == i) {
			snprintf(name, len, "%s", devs[d].name);
			*type = vmm_dev_has_text(devs[d].dev) ? DT_REG : DT_CHR;
			*ino = 3 + d;
			return true;
		}
	}
	for (int t = 0; t < proc->ntrees; t++) {
		const char *p = proc->trees[t].path, *end;
		char c[256];
		bool seen = false;

		if (strncmp(p, top, 4) || p[4] != '/')
			continue;
		end = strchrnul(p + 5, '/');
		if ((size_t)(end - (p + 5)) >= sizeof(c))
			continue;
		snprintf(c, sizeof(c), "%.*s", (int)(end - (p + 5)), p + 5);
		for (size_t d = 0; d < NDEVS && !seen; d++)
			seen = devs[d].dir == dir && !strcmp(devs[d].name, c);
		for (int u = 0; u < t && !seen; u++)
			seen = !strncmp(proc->trees[u].path, top, 4) &&
			       proc->trees[u].path[4] == '/' &&
			       !strncmp(proc->trees[u].path + 5, c, strlen(c)) &&
			       (proc->trees[u].path[5 + strlen(c)] == '/' ||
				!proc->trees[u].path[5 + strlen(c)]);
		if (seen)
			continue;
		if (k++ == i) {
			snprintf(name, len, "%s", c);
			*type = DT_UNKNOWN;
			*ino = 100 + (uint64_t)t;
			return true;
		}
	}
	return false;
}

int64_t vmm_dev_getdents(struct vmm_vcpu *cpu, struct vmm_file *f, uint64_t gva,
			 uint64_t count)
{
	char buf[4096], name[256];
	size_t used = 0;
	uint8_t type;
	uint64_t ino;

	if (!vmm_dev_is_dir(f->dev) || (f->flags & O_PATH))
		return vmm_dev_is_dir(f->dev) ? -EBADF : -ENOTDIR;
	if (count > sizeof(buf))
		count = sizeof(buf);
	while (dir_entry(cpu->proc, f->dev, f->pos, name, sizeof(name), &type, &ino)) {
		size_t n = strlen(name);
		size_t reclen = (sizeof(struct dirent_head) + n + 1 + 7) & ~(size_t)7;
		struct dirent_head h = {
			.ino = ino, .off = (int64_t)f->pos + 1,
			.reclen = (uint16_t)reclen, .type = type,
		};

		if (used + reclen > count)
			break;
		memset(buf + used, 0, reclen);
		memcpy(buf + used, &h, sizeof(h));
		memcpy(buf + used + sizeof(h), name, n);
		used += reclen;
		f->pos++;
	}
	/* Not even one entry fits: EINVAL, as Linux says. */
	if (!used && dir_entry(cpu->proc, f->dev, f->pos, name, sizeof(name), &type, &ino))
		return -EINVAL;
	return vmm_mem_copy_to_user(cpu->mem, gva, buf, used) ?: (int64_t)used;
}
