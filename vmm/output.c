/* SPDX-License-Identifier: MIT */
/*
 * output.c - the files lstar itself writes (--trace=FILE, --learn FILE).
 *
 * lstar usually runs as root, and the program it runs may have written
 * anything into its --rw trees, in this run or an earlier one: a link
 * named like the next run's trace file, pointing at /etc/shadow.  So a
 * file lstar writes is opened without following any symbolic link in any
 * component of its path, and never inside a tree the program may write
 * (where the program could rewrite or replace lstar's words with its own).
 * Both are refused with a message that says so (docs/DECISIONS.md).
 * lstar fuzz's own files (its input file, its crashes directory) are
 * made the same way; a fuzzing run has no writable tree of its own, but
 * an earlier run may have planted links.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vmm.h"

static int openat2_path(int dirfd, const char *path, uint64_t flags, uint64_t mode)
{
	struct open_how how = {
		.flags = flags,
		.mode = mode,
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	int fd;

	do
		fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	while (fd < 0 && errno == EAGAIN);
	return fd < 0 ? -errno : fd;
}

/* Is the directory dirfd, or one above it, the root of a tree the
 * program may write?  Compared by device and inode, so that another
 * path to the same directory (a bind mount) is caught as well. */
static bool in_writable_tree(const struct vmm *vmm, int dirfd)
{
	struct stat st, up;
	int fd = dup(dirfd);
	bool inside = false;

	while (fd >= 0 && !inside && fstat(fd, &st) == 0) {
		int parent;

		for (int i = 0; i < vmm->proc.ntrees && !inside; i++) {
			struct stat root;

			inside = vmm->proc.trees[i].writable &&
				 fstat(vmm->proc.trees[i].dirfd, &root) == 0 &&
				 root.st_dev == st.st_dev && root.st_ino == st.st_ino;
		}
		parent = openat(fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		close(fd);
		fd = parent;
		/* "/" is its own parent: the walk is over. */
		if (fd >= 0 && fstat(fd, &up) == 0 && up.st_dev == st.st_dev &&
		    up.st_ino == st.st_ino)
			break;
	}
	if (fd >= 0)
		close(fd);
	return inside;
}

/* Is name in dirfd a file granted alone for writing (--rw FILE), by any
 * of its names (device and inode)? */
static bool is_writable_file(const struct vmm *vmm, int dirfd, const char *name)
{
	struct stat st, t;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return false;
	for (int i = 0; i < vmm->proc.ntrees; i++)
		if (vmm->proc.trees[i].file && vmm->proc.trees[i].writable &&
		    fstat(vmm->proc.trees[i].dirfd, &t) == 0 &&
		    t.st_dev == st.st_dev && t.st_ino == st.st_ino)
			return true;
	return false;
}

/* The directory part of path, opened O_PATH without following a link in
 * any component; *name is set to the last component, which must be a
 * name (not "", "." or ".."). */
static int open_parent(const char *path, const char **name)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');

	if (!slash) {
		snprintf(dir, sizeof(dir), ".");
		*name = path;
	} else if ((size_t)(slash - path) >= sizeof(dir)) {
		return -ENAMETOOLONG;
	} else {
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
		if (!dir[0])
			snprintf(dir, sizeof(dir), "/");
		*name = slash + 1;
	}
	if (!**name || !strcmp(*name, ".") || !strcmp(*name, ".."))
		return -EISDIR;
	return openat2_path(AT_FDCWD, dir, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
}

int vmm_output_open(const struct vmm *vmm, const char *path, bool truncate, mode_t mode)
{
	const char *name;
	int dirfd, fd;

	dirfd = open_parent(path, &name);
	if (dirfd < 0)
		return dirfd;
	if (vmm && (in_writable_tree(vmm, dirfd) || is_writable_file(vmm, dirfd, name))) {
		close(dirfd);
		return -EXDEV;
	}
	fd = openat2_path(dirfd, name,
			  O_WRONLY | O_CREAT | (truncate ? O_TRUNC : 0) | O_NOFOLLOW | O_CLOEXEC, mode);
	close(dirfd);
	return fd;
}

int vmm_output_dir(const char *path)
{
	char trimmed[4096];
	size_t len = strlen(path);
	const char *name;
	int dirfd, fd;

	/* "out/" is "out". */
	while (len > 1 && path[len - 1] == '/')
		len--;
	if (len >= sizeof(trimmed))
		return -ENAMETOOLONG;
	snprintf(trimmed, sizeof(trimmed), "%.*s", (int)len, path);
	dirfd = open_parent(trimmed, &name);
	if (dirfd == -EISDIR)	/* "/", "." or "..": there already */
		return openat2_path(AT_FDCWD, trimmed, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	if (dirfd < 0)
		return dirfd;
	if (mkdirat(dirfd, name, 0755) < 0 && errno != EEXIST) {
		fd = -errno;
	} else {
		fd = openat2_path(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	}
	close(dirfd);
	return fd;
}

const char *vmm_output_error(int err)
{
	switch (err) {
	case -ELOOP:
		return "a component of the path is a symbolic link; lstar writes its "
		       "own files only through real directories";
	case -EXDEV:
		return "inside a tree the program may write (--rw), where it could "
		       "change or replace lstar's output; write it elsewhere";
	default:
		return strerror(-err);
	}
}
