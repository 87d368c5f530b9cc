/* SPDX-License-Identifier: MIT */
/*
 * fs.c - the file system the guest sees: only the trees granted with
 * --ro and --rw, each at its host path or where it is mapped (--ro
 * SRC:DEST, `path ro SRC as DEST`), and nothing else.
 *
 * Every path is copied out of guest memory once, made absolute against
 * the guest's working directory (or a directory descriptor's path), and
 * normalized lexically ("." and ".." and repeated slashes go).  The
 * longest granted tree that contains it is chosen, and the rest of the
 * path is resolved by the host kernel beneath that tree's directory
 * descriptor with openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS): no
 * "..", absolute symlink, magic link or directory renamed in the middle
 * of the walk can leave the tree.  Nothing outside the trees is opened,
 * created, changed or even stat'ed.
 *
 * A symlink the host cannot follow beneath its tree (an absolute one, or
 * one into another granted tree) lstar follows itself: settle() splices
 * its target into the path and looks it up again.
 *
 * Every path the program names or is told is a guest path: a tree's
 * path is where the program sees it, and its host path (t->host) is
 * never shown.  What the host reads back of a descriptor (a directory's
 * path, for getcwd) is turned into the guest's through the tree it lies
 * beneath (guest_dir_path).
 *
 * A tree may be one regular file (--ro FILE): its descriptor is the file
 * itself, nothing lies below it, and each use opens that very file again
 * (reopen_file), as a bind mount of the file shows it.
 *
 * Decisions (docs/DECISIONS.md): a path outside every tree does not exist
 * (ENOENT); a walk that tries to leave the trees is EACCES; changing a
 * read-only tree is EROFS.  lstar's devices and /dev (dev.c) are there
 * whatever the trees: lookup answers FS_DEVICE for them, and no host
 * file is looked at.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "vmm.h"

#define GUEST_PATH_MAX	PATH_MAX	/* with its NUL, as Linux's */

/* A guest path, resolved to a tree. */
struct fs_path {
	char abs[GUEST_PATH_MAX];	/* normalized absolute guest path */
	const char *rel;		/* within abs: path below the tree, or "." */
	const struct vmm_tree *tree;
	/*
	 * What normalizing took away and Linux looks at: a trailing slash,
	 * or a last component "." or "..", makes the path name a directory
	 * (so "file/" is ENOTDIR and "dlink/" follows the link), and "." and
	 * ".." cannot be created, removed or renamed.  walk is rel with a
	 * trailing slash when it must name a directory: what the calls that
	 * resolve the whole path hand to the host.
	 */
	enum { LAST_NORM, LAST_DOT, LAST_DOTDOT } last;
	bool must_dir;
	char walk[GUEST_PATH_MAX + 1];
	int dev;			/* one of lstar's devices (dev.c), or 0 */
};

/*
 * lookup's answer for a path that names one of lstar's devices (p->dev
 * says which; p->tree is NULL): each caller answers it from dev.c, never
 * from the host.  A caller that forgot would return it: "no such
 * device", an error, never a host file.
 */
#define FS_DEVICE (-ENODEV)

/* --- the trees ------------------------------------------------------------ */

bool vmm_fs_tree_contains(const char *outer, const char *inner)
{
	size_t n = strcmp(outer, "/") ? strlen(outer) : 0;

	return !strncmp(outer, inner, n) && (inner[n] == '/' || inner[n] == '\0');
}

/*
 * A read-only tree inside a writable one cannot stay read-only: the guest
 * could rename a directory above it, or follow a symlink it made, and
 * reach its files through the writable tree.  Such grants are refused
 * (-EXDEV, reported by the caller); the other way round is fine.  What
 * lies inside what is a question about the host's files, so it is asked
 * of the host paths: a read-only tree mapped inside a writable one's
 * DEST (a container's read-only bind in its read-write root) is fine when
 * its files lie elsewhere on the host, and one mapped anywhere is refused
 * when its files lie inside a writable tree's (docs/DECISIONS.md,
 * "Mapped trees").  --tmp's trees are on no host path.
 */
static int check_nesting(struct vmm_process *proc, const char *host, bool writable)
{
	for (int i = 0; i < proc->ntrees; i++) {
		const struct vmm_tree *t = &proc->trees[i];

		if (t->writable != writable && !t->private &&
		    vmm_fs_tree_contains(writable ? host : t->host,
				  writable ? t->host : host))
			return -EXDEV;
	}
	return 0;
}

/*
 * A file granted alone (--ro FILE, path rw FILE) is held as an O_PATH
 * descriptor of the file itself, taken at start, and every use opens
 * that very file again through the VMM's /proc/self/fd (as chmod does
 * below): never by its path, so that neither the program nor the host
 * renaming another file, or a symlink, over the name reaches anything
 * else; the program sees it as a bind mount of the file it was at start
 * (docs/DECISIONS.md, "Single files").  flags as open's; O_CREAT opens
 * the file that is there, O_EXCL is EEXIST, O_DIRECTORY ENOTDIR.
 */
static int reopen_file(const struct vmm_tree *t, uint64_t flags)
{
	struct open_how how = { 0 };
	char self[64];
	int fd;

	if ((flags & O_CREAT) && (flags & O_EXCL))
		return -EEXIST;
	if (flags & O_DIRECTORY)
		return -ENOTDIR;
	/* The link is the VMM's own (a magic one): followed, by design. */
	how.flags = (flags & ~(uint64_t)(O_CREAT | O_EXCL | O_NOFOLLOW)) | O_CLOEXEC;
	snprintf(self, sizeof(self), "/proc/self/fd/%d", t->dirfd);
	fd = (int)syscall(SYS_openat2, AT_FDCWD, self, &how, sizeof(how));
	return fd < 0 ? -errno : fd;
}

int vmm_fs_grant(struct vmm_process *proc, const char *path, const char *guest,
		 bool writable)
{
	/*
	 * Taken literally: no component may be a symlink.  A policy says
	 * which directory or file it grants; a link planted by an earlier
	 * run (in a tree it could write) must not turn that into another
	 * one.  The command line's paths come here already resolved
	 * (cpu/main.c).
	 */
	struct open_how how = {
		/* (No O_NOFOLLOW: with it a last symlink would be opened
		 * itself, not refused by RESOLVE_NO_SYMLINKS.) */
		.flags = O_PATH | O_CLOEXEC,
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	struct vmm_tree *t;
	struct stat st;
	int fd, err;

	if (!guest)
		guest = path;
	if (proc->ntrees == VMM_MAX_TREES)
		return -E2BIG;
	if (path[0] != '/' || guest[0] != '/')
		return -EINVAL;
	/* lstar's devices are there anyway, and never the host's: a grant
	 * of one would only look as if it opened the host's node. */
	if (vmm_dev_of(proc, guest) != VMM_DEV_NONE && !vmm_dev_is_dir(vmm_dev_of(proc, guest)))
		return -ENODEV;
	if ((err = check_nesting(proc, path, writable)))
		return err;
	/* One tree at a place: the program could see only one of two.  The
	 * same grant again (--system's /usr and --ro /usr) is that tree. */
	for (int i = 0; i < proc->ntrees; i++) {
		const struct vmm_tree *o = &proc->trees[i];

		if (strcmp(o->path, guest))
			continue;
		return !o->private && !strcmp(o->host, path) && o->writable == writable ?
		       0 : -EEXIST;
	}
	fd = (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
	if (fd < 0)
		return -errno;
	/* A directory, or one regular file; a device node, FIFO or socket
	 * of the host is never the program's (-EINVAL, said by the caller).
	 * A file is no root: "/" holds /dev (-ENOTDIR). */
	err = fstat(fd, &st) < 0 ? -errno :
	      !S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode) ? -EINVAL :
	      S_ISREG(st.st_mode) && !strcmp(guest, "/") ? -ENOTDIR : 0;
	if (err) {
		close(fd);
		return err;
	}
	t = &proc->trees[proc->ntrees++];
	*t = (struct vmm_tree){
		.path = strdup(guest), .len = strcmp(guest, "/") ? strlen(guest) : 0,
		.host = strdup(path), .dirfd = fd, .writable = writable,
		.file = S_ISREG(st.st_mode),
	};
	if (!t->path || !t->host)
		return -ENOMEM;
	/* A file is opened through /proc/self/fd: it must work now. */
	if (t->file && (fd = reopen_file(t, O_PATH)) < 0)
		return fd == -ENOENT ? -ENOSYS : fd;
	if (t->file)
		close(fd);
	return 0;
}

static int normalize(char *out, const char *base, const char *path);

int vmm_fs_system(struct vmm_process *proc)
{
	static const char *const tops[] = { "/bin", "/lib", "/lib64", "/sbin" };

	for (size_t i = 0; i < sizeof(tops) / sizeof(tops[0]); i++) {
		char target[256], abs[GUEST_PATH_MAX], real[PATH_MAX];
		const struct vmm_tree *t;
		struct vmm_link *l;
		struct stat st;
		ssize_t n;
		int err;

		if (lstat(tops[i], &st) < 0)
			continue;		/* not on this host: not shown */
		if (S_ISDIR(st.st_mode)) {	/* no merged /usr: a tree */
			/* (Not over a tree the user put there, nor inside a
			 * writable one of theirs.) */
			if ((err = vmm_fs_grant(proc, tops[i], NULL, false)) &&
			    err != -EXDEV && err != -EEXIST) {
				vmm_err("--system: %s: %s", tops[i], strerror(-err));
				return err;
			}
			continue;
		}
		if (!S_ISLNK(st.st_mode) ||
		    (n = readlink(tops[i], target, sizeof(target) - 1)) <= 0)
			continue;
		target[n] = '\0';
		/* Shown only when it leads into a tree that shows the host's
		 * directory there, as the host resolves it now, and normalized
		 * as a guest path would be: "usr/lib" or "/usr/lib", never out
		 * of the trees. */
		if (!realpath(tops[i], real) || !(t = vmm_fs_tree_of(proc, real)) ||
		    t->private || strcmp(t->host, t->path) ||
		    normalize(abs, target[0] == '/' ? NULL : "/", target) ||
		    strcmp(abs, real) || strlen(abs) >= sizeof(l->target) ||
		    proc->nlinks == VMM_MAX_LINKS)
			continue;
		l = &proc->links[proc->nlinks++];
		snprintf(l->path, sizeof(l->path), "%s", tops[i]);
		snprintf(l->target, sizeof(l->target), "%s", abs);
	}
	return 0;
}

static int real_path(int fd, char *out, size_t len);

int vmm_fs_grant_private(struct vmm_process *proc, const char *path, int dirfd)
{
	struct vmm_tree *t;
	int err = 0;

	if (proc->ntrees == VMM_MAX_TREES)
		err = -E2BIG;
	/* Over a tree granted at the same path, or over a read-only one
	 * inside it, it would hide what the grant says is there (the guest
	 * paths: the private tree's files are on no host path). */
	for (int i = 0; !err && i < proc->ntrees; i++)
		if (!strcmp(proc->trees[i].path, path))
			err = -EEXIST;
		else if (!proc->trees[i].writable &&
			 vmm_fs_tree_contains(path, proc->trees[i].path))
			err = -EXDEV;
	if (err) {
		close(dirfd);
		return err;
	}
	t = &proc->trees[proc->ntrees++];
	*t = (struct vmm_tree){
		.path = strdup(path), .len = strlen(path), .dirfd = dirfd,
		.writable = true, .private = true,
	};
	/* Its host path is what the host reads back of its descriptors: a
	 * path in the tmpfs, mounted nowhere now ("/shm"). */
	if (!t->path || !(t->host = malloc(PATH_MAX)))
		return -ENOMEM;
	return real_path(dirfd, t->host, PATH_MAX);
}

/* The host's path of a descriptor we hold, as the host reads it back
 * (/proc/self/fd/N): symlinks on the way resolved, as getcwd() after
 * chdir() through a symlink shows.  A host path: guest_dir_path turns it
 * into the program's.  0 or -errno. */
static int real_path(int fd, char *out, size_t len)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlinkat(AT_FDCWD, link, out, len - 1);	/* (readlinkat: what the filter allows) */
	if (n < 0)
		return -errno;
	out[n] = '\0';
	return 0;
}

/*
 * The program's path of host path host (real_path's) when it lies
 * beneath tree t: t's guest path, then the rest.  -ENOENT when it does
 * not, -ENAMETOOLONG.
 */
static int guest_of_host(const struct vmm_tree *t, const char *host, char *out, size_t len)
{
	const char *rest = host + (strcmp(t->host, "/") ? strlen(t->host) : 0);

	if (!vmm_fs_tree_contains(t->host, host))
		return -ENOENT;
	if ((size_t)snprintf(out, len, "%s%s", t->len ? t->path : "", rest) >= len)
		return -ENAMETOOLONG;
	if (!*out)
		snprintf(out, len, "/");
	return 0;
}

/*
 * guest_path_of - the program's path of the directory at host path host,
 * into out (len): through the tree it was reached in (hint, or NULL), or,
 * when it does not lie there (the host has moved it since), through the
 * tree whose host path holds it (the longest; --tmp's trees only as the
 * hint, as their host paths are the tmpfs's own).  -ENOENT when no tree
 * holds it: it is not there for the program.
 */
static int guest_path_of(const struct vmm_process *proc, const struct vmm_tree *hint,
			 const char *host, char *out, size_t len)
{
	const struct vmm_tree *best = NULL;
	int err;

	if (hint && (err = guest_of_host(hint, host, out, len)) != -ENOENT)
		return err;
	for (int i = 0; i < proc->ntrees; i++) {
		const struct vmm_tree *t = &proc->trees[i];

		if (!t->private && !t->file && vmm_fs_tree_contains(t->host, host) &&
		    (!best || strlen(t->host) > strlen(best->host)))
			best = t;
	}
	return best ? guest_of_host(best, host, out, len) : -ENOENT;
}

/* guest_dir_path - guest_path_of the directory fd we hold (the working
 * directory, a directory descriptor), its host path read now. */
static int guest_dir_path(const struct vmm_process *proc, const struct vmm_tree *hint,
			  int fd, char *out, size_t len)
{
	char host[PATH_MAX];
	int err = real_path(fd, host, sizeof(host));

	return err ? err : guest_path_of(proc, hint, host, out, len);
}

/* --- paths ---------------------------------------------------------------- */

/*
 * Copy the NUL-terminated path at gva into buf (GUEST_PATH_MAX bytes).
 * Reads page by page so that a path ending just before an unmapped page
 * is fine.  -EFAULT, -ENAMETOOLONG, or -ENOENT for "".
 */
static int get_path(struct vmm_vcpu *cpu, uint64_t gva, char *buf)
{
	for (size_t n = 0; n < GUEST_PATH_MAX;) {
		size_t chunk = LSTAR_PAGE_SIZE - ((gva + n) & (LSTAR_PAGE_SIZE - 1));
		const char *nul;

		if (chunk > GUEST_PATH_MAX - n)
			chunk = GUEST_PATH_MAX - n;
		if (vmm_mem_copy_from_user(cpu->mem, buf + n, gva + n, chunk))
			return -EFAULT;
		if ((nul = memchr(buf + n, '\0', chunk)))
			return nul == buf ? -ENOENT : 0;
		n += chunk;
	}
	return -ENAMETOOLONG;
}

/* Append component c (len n) to the normalized path out (length *len). */
static int push_component(char *out, size_t *len, const char *c, size_t n)
{
	if (n == 0 || (n == 1 && c[0] == '.'))
		return 0;
	if (n == 2 && c[0] == '.' && c[1] == '.') {
		while (*len > 0 && out[*len - 1] != '/')
			(*len)--;
		if (*len > 0)
			(*len)--;	/* the slash; "/.." is "/" */
		out[*len] = '\0';
		return 0;
	}
	if (*len + 1 + n >= GUEST_PATH_MAX)
		return -ENAMETOOLONG;
	out[(*len)++] = '/';
	memcpy(out + *len, c, n);
	*len += n;
	out[*len] = '\0';
	return 0;
}

static int normalize(char *out, const char *base, const char *path)
{
	size_t len = 0;
	int err;

	out[0] = '\0';
	for (int part = 0; part < 2; part++) {
		const char *s = part ? path : base;

		while (s && *s) {
			const char *end = strchrnul(s, '/');

			if ((err = push_component(out, &len, s, end - s)))
				return err;
			s = *end ? end + 1 : end;
		}
	}
	if (len == 0)
		strcpy(out, "/");
	return 0;
}

/* Record what the path's end says (see struct fs_path). */
static void classify_last(const char *path, struct fs_path *p)
{
	size_t n = strlen(path), len;
	const char *last;

	p->must_dir = n > 0 && path[n - 1] == '/';
	while (n > 1 && path[n - 1] == '/')
		n--;
	for (last = path + n; last > path && last[-1] != '/'; last--)
		;
	len = path + n - last;
	p->last = len == 1 && last[0] == '.' ? LAST_DOT :
		  len == 2 && last[0] == '.' && last[1] == '.' ? LAST_DOTDOT :
		  LAST_NORM;
	if (p->last != LAST_NORM)
		p->must_dir = true;
}

const struct vmm_tree *vmm_fs_tree_of(const struct vmm_process *proc,
				      const char *abs)
{
	const struct vmm_tree *best = NULL;

	for (int i = 0; i < proc->ntrees; i++) {
		const struct vmm_tree *t = &proc->trees[i];

		if (strncmp(abs, t->path, t->len) ||
		    (abs[t->len] != '/' && abs[t->len] != '\0'))
			continue;
		if (!best || t->len >= best->len)
			best = t;
	}
	return best;
}

/*
 * A path through one of the process's links is the path through its
 * target: "/lib64/ld.so" is "/usr/lib64/ld.so".  The target was read
 * when the link was granted, so a host link changed since changes
 * nothing here.  0, or -ENAMETOOLONG.
 */
static int through_links(const struct vmm_process *proc, char *abs)
{
	for (int i = 0; i < proc->nlinks; i++) {
		const struct vmm_link *l = &proc->links[i];
		size_t n = strlen(l->path), tn = strlen(l->target);
		const char *rest = abs + n;

		if (strncmp(abs, l->path, n) || (*rest != '/' && *rest != '\0'))
			continue;
		if (tn + strlen(rest) >= GUEST_PATH_MAX)
			return -ENAMETOOLONG;
		memmove(abs + tn, rest, strlen(rest) + 1);
		memcpy(abs, l->target, tn);
		return 0;	/* targets hold no link: one step is all */
	}
	return 0;
}

bool vmm_fs_sees(const struct vmm_process *proc, const char *path)
{
	char abs[GUEST_PATH_MAX];

	if (path[0] != '/')
		return true;	/* from the working directory: it may */
	return !normalize(abs, NULL, path) && !through_links(proc, abs) &&
	       vmm_fs_tree_of(proc, abs);
}

/*
 * lookup - resolve guest path (already copied) against dirfd to a tree.
 * -ENOENT when no tree holds it, -EBADF/-ENOTDIR for a bad dirfd.
 */
static int base_dir(struct vmm_process *proc, int dirfd, char *out);

static int lookup(struct vmm_process *proc, int dirfd, const char *path, struct fs_path *p)
{
	char base_buf[GUEST_PATH_MAX];
	const char *base = NULL;
	int err;

	if (path[0] != '/') {
		if ((err = base_dir(proc, dirfd, p->abs))) {
			/* No path made (a base that is gone): the callers
			 * that ask whether it lies above a tree get no. */
			p->abs[0] = '\0';
			return err;
		}
		base = strcpy(base_buf, p->abs);
	}
	if ((err = normalize(p->abs, base, path)) || (err = through_links(proc, p->abs)))
		return err;
	p->tree = vmm_fs_tree_of(proc, p->abs);
	classify_last(path, p);
	/* The devices and made-up files are lstar's, whatever tree holds
	 * /dev or /etc; /dev and /etc themselves are the tree's when one
	 * holds them (the host's listing, then). */
	if ((p->dev = vmm_dev_of(proc, p->abs)) < 0)
		return p->dev;		/* "/dev/null/x" */
	if (vmm_dev_is_dir(p->dev) && p->tree)
		p->dev = VMM_DEV_NONE;
	if (p->dev) {
		if (p->must_dir && !vmm_dev_is_dir(p->dev))
			return -ENOTDIR;	/* "/dev/null/" */
		p->tree = NULL;
		return FS_DEVICE;
	}
	if (!p->tree)
		return -ENOENT;
	p->rel = p->abs + p->tree->len;
	while (*p->rel == '/')
		p->rel++;
	if (!*p->rel)
		p->rel = ".";
	/* A file granted alone has nothing below it: "FILE/x", "FILE/" and
	 * "FILE/." are ENOTDIR, as Linux says of a path through a file.
	 * ("FILE/.." is FILE's directory, lexically: made up, bare.) */
	if (p->tree->file && (strcmp(p->rel, ".") || p->must_dir))
		return -ENOTDIR;
	/* "x/." keeps its dot: it must exist ("x/" may be created). */
	snprintf(p->walk, sizeof(p->walk), "%s%s", p->rel,
		 p->last == LAST_DOT ? "/." : p->must_dir ? "/" : "");
	return 0;
}

/*
 * Is the normalized path abs a directory above some granted tree ("/" and
 * "/tmp" when /tmp/work is granted)?  Such a directory exists for the
 * guest, as a bare read-only directory lstar makes up: it lets path walks
 * and `mkdir -p` reach the tree without telling the guest anything about
 * the host's directory (lstar never looks at it).
 */
static bool is_tree_ancestor(struct vmm_process *proc, const char *abs)
{
	size_t n = strcmp(abs, "/") ? strlen(abs) : 0;

	if (abs[0] != '/')
		return false;	/* no path (lookup found no base) */
	if (n == 0)
		return true;	/* "/": it holds /dev, in every run */

	for (int i = 0; i < proc->ntrees; i++) {
		const struct vmm_tree *t = &proc->trees[i];

		if (t->len > n && !strncmp(t->path, abs, n) && t->path[n] == '/')
			return true;
	}
	return false;
}

/*
 * Who owns a file, for the program: the host user running lstar is the
 * program (its files show as the program's own uid and gid); every other
 * owner is nobody, as an unmapped id reads in a user namespace.  stat,
 * statx and access all see the same (docs/DECISIONS.md).
 */
static uint32_t guest_uid(struct vmm_process *proc, uint32_t uid)
{
	return uid == proc->host_uid ? proc->uid : LSTAR_NOBODY;
}

static uint32_t guest_gid(struct vmm_process *proc, uint32_t gid)
{
	return gid == proc->host_gid ? proc->gid : LSTAR_NOBODY;
}

static void guest_ids(struct vmm_process *proc, struct stat *st)
{
	st->st_uid = guest_uid(proc, st->st_uid);
	st->st_gid = guest_gid(proc, st->st_gid);
}

static void guest_statx_ids(struct vmm_process *proc, struct statx *stx)
{
	stx->stx_uid = guest_uid(proc, stx->stx_uid);
	stx->stx_gid = guest_gid(proc, stx->stx_gid);
}

/* What stat says of such an ancestor: nobody's, read-only, no history. */
static void ancestor_stat(const char *abs, struct stat *st)
{
	uint64_t h = 1469598103934665603ULL;

	for (const char *c = abs; *c; c++)
		h = (h ^ (uint8_t)*c) * 1099511628211ULL;
	memset(st, 0, sizeof(*st));
	st->st_ino = h | 1;
	st->st_uid = LSTAR_NOBODY;
	st->st_gid = LSTAR_NOBODY;
	st->st_mode = S_IFDIR | 0555;
	st->st_nlink = 2;
	st->st_size = 4096;
	st->st_blksize = 4096;
}

/* Copy the path at gva and look it up. */
/* Whether a path's last component is followed when it is a symlink. */
enum follow {
	NOFOLLOW = 0,	/* not followed, unless the path ends in "/" */
	FOLLOW = 1,	/* followed */
	NEVER = 2,	/* never: the calls that remove or rename a name */
};

static int settle(struct vmm_process *proc, struct fs_path *p, enum follow follow);

/*
 * get_lookup - copy the path at gva, look it up, and settle it (follow the
 * symlinks the host cannot follow beneath the tree; the last one as follow
 * says).  After it, p->tree is the tree the call acts in.
 */
static int lookup_settled(struct vmm_vcpu *cpu, int dirfd, const char *path,
			  struct fs_path *p, enum follow follow_last);

static int get_lookup(struct vmm_vcpu *cpu, int dirfd, uint64_t gva,
		      struct fs_path *p, enum follow follow_last)
{
	char path[GUEST_PATH_MAX];
	int err = get_path(cpu, gva, path);

	return err ? err : lookup_settled(cpu, dirfd, path, p, follow_last);
}

static bool missing_ancestor(struct vmm_process *proc, const struct fs_path *p);

/* get_lookup's work on a path copied already (a socket's, sys_net.c). */
static int lookup_settled(struct vmm_vcpu *cpu, int dirfd, const char *path,
			  struct fs_path *p, enum follow follow_last)
{
	int err;

	if ((err = lookup(cpu->proc, dirfd, path, p)) == -ENOENT &&
	    is_tree_ancestor(cpu->proc, p->abs))
		err = -EISDIR;	/* an ancestor: callers that care say so */
	/* /dev (and /etc with net dns) is a directory lstar makes up, as
	 * the ancestors are (open alone lists it: p->dev says so). */
	if (err == FS_DEVICE && vmm_dev_is_dir(p->dev))
		err = -EISDIR;
	if (!err)
		err = settle(cpu->proc, p, follow_last);
	if (!err && missing_ancestor(cpu->proc, p))
		err = -EISDIR;
	if (!err)
		vmm_call_path(cpu, p->abs, false);
	return err;
}

/* openat2 beneath the tree; a walk that tries to leave it is EACCES. */
static int open_beneath(const struct vmm_tree *t, const char *rel,
			uint64_t flags, uint64_t mode)
{
	struct open_how how = {
		.flags = flags | O_CLOEXEC,
		/* open() ignores mode without O_CREAT; openat2 refuses it. */
		.mode = (flags & O_CREAT) ? mode : 0,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	int fd;

	if (t->file)		/* rel is "." (lookup): the file itself */
		return reopen_file(t, flags);
	/* RESOLVE_BENEATH answers EAGAIN when a rename elsewhere on the
	 * host races a ".." step; the kernel asks callers to retry. */
	for (int tries = 0; tries < 64; tries++) {
		fd = (int)syscall(SYS_openat2, t->dirfd, rel, &how, sizeof(how));
		if (fd >= 0 || errno != EAGAIN)
			break;
	}
	if (fd >= 0)
		return fd;
	if (errno == ELOOP) {
		/* A magic link, or a real loop?  Scoped lookups refuse magic
		 * links with EXDEV, loops still give ELOOP. */
		how.resolve = RESOLVE_BENEATH;
		fd = (int)syscall(SYS_openat2, t->dirfd, rel, &how, sizeof(how));
		if (fd >= 0) {
			close(fd);
			return -EACCES;
		}
		return errno == ELOOP ? -ELOOP : -EACCES;
	}
	return errno == EXDEV ? -EACCES : -errno;
}

/*
 * Is p, found in a tree, a directory above a deeper tree that its own
 * tree lacks (a rootfs mapped at / without the /srv of a tree mapped at
 * /srv/data)?  It is then made up, as the directories above any tree
 * are: a mapped tree needs no mount point in the tree it shows in.
 */
static bool missing_ancestor(struct vmm_process *proc, const struct fs_path *p)
{
	int fd;

	if (!strcmp(p->rel, ".") || !is_tree_ancestor(proc, p->abs))
		return false;
	if ((fd = open_beneath(p->tree, p->walk, O_PATH, 0)) >= 0)
		close(fd);
	return fd == -ENOENT;
}

bool vmm_fs_plain_dir(const struct vmm_tree *t, const char *rel)
{
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, t->dirfd, rel, &how, sizeof(how));

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/*
 * Symlinks the host cannot follow beneath a tree: an absolute one (even
 * when it points back into the same tree), or a relative one that leaves
 * its tree for another granted tree.  lstar follows such a link itself:
 * it reads the link, splices its target into the path and looks the
 * result up again, which picks the tree it now lies in (or none: the
 * walk left the trees, EACCES).  The host still resolves every step
 * beneath a tree's descriptor, so this never reaches outside the trees;
 * and callers decide what the call may do (read-only or not) on the tree
 * the path settles in.
 *
 * expand_link - rewrite p past the first such link among its components
 * (the last one only with follow_last).  1 if p changed, 0 if there was
 * nothing to follow, or -errno.
 */
static int expand_link(struct vmm_process *proc, struct fs_path *p, bool follow_last)
{
	char prefix[GUEST_PATH_MAX], target[GUEST_PATH_MAX];
	char linkdir[2 * GUEST_PATH_MAX], next[4 * GUEST_PATH_MAX + 8];
	const char *rel = p->rel;
	size_t n = strlen(rel), off;
	struct fs_path q;
	bool root;
	int err;

	if (!strcmp(rel, "."))
		return 0;
	for (size_t i = 0, j; i < n; i = j + 1) {
		struct statfs sfs;
		struct stat st;
		ssize_t tn;
		int fd, ok;

		for (j = i; j < n && rel[j] != '/'; j++)
			;
		if (j >= n && !follow_last)
			return 0;
		memcpy(prefix, rel, j);
		prefix[j] = '\0';
		if ((fd = open_beneath(p->tree, prefix, O_PATH | O_NOFOLLOW, 0)) < 0)
			return 0;	/* the call itself will say why */
		if (fstat(fd, &st) < 0 || !S_ISLNK(st.st_mode)) {
			close(fd);
			continue;
		}
		/* A link the host follows beneath the tree needs no help, and
		 * /proc's magic links stay refused (their text is no path). */
		if (fstatfs(fd, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC) {
			close(fd);
			return 0;
		}
		if ((ok = open_beneath(p->tree, prefix, O_PATH, 0)) != -EACCES) {
			close(fd);
			if (ok >= 0)
				close(ok);
			continue;
		}
		tn = readlinkat(fd, "", target, sizeof(target) - 1);
		close(fd);
		if (tn < 0)
			return -errno;
		target[tn] = '\0';
		/* The directory holding the link, as a guest path. */
		snprintf(linkdir, sizeof(linkdir), "%s/%s",
			 p->tree->len ? p->tree->path : "", prefix);
		*strrchr(linkdir, '/') = '\0';
		snprintf(next, sizeof(next), "%s%s%s%s%s",
			 target[0] == '/' ? "" : linkdir, target[0] == '/' ? "" : "/",
			 target, rel + j,
			 p->last == LAST_DOT ? "/." : p->must_dir ? "/" : "");
		if (strlen(next) >= GUEST_PATH_MAX)
			return -ENAMETOOLONG;
		if ((err = lookup(proc, AT_FDCWD, next, &q))) {
			/* A link to a device (/etc/x -> /dev/null) or a
			 * made-up file leads to lstar's; any other way out of
			 * the trees, EACCES. */
			if (err == FS_DEVICE && !vmm_dev_is_dir(q.dev)) {
				*p = q;
				return FS_DEVICE;
			}
			return err == -ENOTDIR ? err : -EACCES;
		}
		/* rel is "." or points into abs: keep it pointing into p's. */
		root = !strcmp(q.rel, ".");
		off = root ? 0 : (size_t)(q.rel - q.abs);
		*p = q;
		p->rel = root ? "." : p->abs + off;
		return 1;
	}
	return 0;
}

/* settle - expand such links until none is left (40 at most, as Linux). */
static int settle(struct vmm_process *proc, struct fs_path *p, enum follow follow)
{
	/* "link/" follows the link, except for removing or renaming it. */
	bool follow_last = follow == FOLLOW || (follow == NOFOLLOW && p->must_dir);
	int fd;

	fd = open_beneath(p->tree, p->walk, O_PATH | (follow_last ? 0 : O_NOFOLLOW), 0);
	if (fd >= 0) {		/* the common case: the host can walk it */
		close(fd);
		return 0;
	}
	for (int hops = 0; hops < 40; hops++) {
		int r = expand_link(proc, p, follow_last);

		if (r <= 0)
			return r;
	}
	return -ELOOP;
}

/*
 * The directory that holds p's last component, opened beneath the tree,
 * and that component: for the calls that act on a name (unlink, mkdir,
 * rename, readlink, lstat).  The tree's root itself has no such name.
 */
static int open_parent(const struct fs_path *p, const char **last)
{
	const char *slash = strrchr(p->rel, '/');
	char parent[GUEST_PATH_MAX];

	if (!strcmp(p->rel, "."))
		return -EBUSY;
	if (!slash) {
		*last = p->rel;
		return open_beneath(p->tree, ".", O_PATH | O_DIRECTORY, 0);
	}
	memcpy(parent, p->rel, slash - p->rel);
	parent[slash - p->rel] = '\0';
	*last = slash + 1;
	return open_beneath(p->tree, parent, O_PATH | O_DIRECTORY, 0);
}

static int64_t result(long r)
{
	return r < 0 ? -errno : r;
}

/* --- the working directory and directory descriptors ------------------------ */

/*
 * The program's working directory, and each directory descriptor, is a
 * directory lstar holds (a host descriptor), not a path: when the
 * directory is renamed, relative paths follow it, as on Linux.  Its path
 * is read back from the host when needed.  A directory above the trees
 * (made up by lstar, see is_tree_ancestor) is only a path.
 */

/* Make fd (a directory inside a tree, or -1 with path abs for one above
 * the trees) the working directory. */
static void set_cwd(struct vmm_process *proc, int fd, const char *abs)
{
	if (proc->cwd_fd >= 0)
		close(proc->cwd_fd);
	proc->cwd_fd = fd;
	snprintf(proc->cwd, sizeof(proc->cwd), "%s", abs);
}

/*
 * base_dir - the path, now, of the directory a relative path starts from
 * (dirfd, or AT_FDCWD for the working directory), into out (PATH_MAX).
 * -EBADF or -ENOTDIR for a bad dirfd; -ENOENT when the directory has been
 * removed, or has left every tree (the host moved it): it is not there
 * for the program any more.
 */
static int base_dir(struct vmm_process *proc, int dirfd, char *out)
{
	const struct vmm_tree *tree;
	struct fs_path p;
	struct stat st;
	int hfd, err;

	if (dirfd == AT_FDCWD) {
		if (proc->cwd_fd < 0) {
			snprintf(out, PATH_MAX, "%s", proc->cwd);
			return 0;
		}
		hfd = proc->cwd_fd;
		/* The tree it was reached in: its path as last read lies
		 * there (a rename never leaves a tree). */
		tree = vmm_fs_tree_of(proc, proc->cwd);
	} else {
		struct vmm_file *f = vmm_fd_get(proc, (uint64_t)dirfd);

		if (dirfd < 0 || !f)
			return -EBADF;
		if (vmm_dev_is_dir(f->dev)) {
			snprintf(out, PATH_MAX, "%s", vmm_dev_dir_path(f->dev));
			return 0;
		}
		if (!f->path)
			return -ENOTDIR;
		hfd = f->host;
		tree = f->tree;
	}
	if (fstat(hfd, &st) < 0)
		return -errno;
	if (st.st_nlink == 0)
		return -ENOENT;		/* removed, as Linux says of it */
	if ((err = guest_dir_path(proc, tree, hfd, out, PATH_MAX)))
		return err;
	if ((err = lookup(proc, AT_FDCWD, out, &p)))
		return err;
	if (dirfd == AT_FDCWD)
		snprintf(proc->cwd, sizeof(proc->cwd), "%s", out);
	return 0;
}

/*
 * The first working directory: path (--cwd), which must lie in a tree or
 * above one (-EXDEV otherwise); without --cwd, lstar's own directory
 * when the program can see it, else "/" (docs/DECISIONS.md).  An
 * absolute --cwd is a guest path, resolved as the program's are (it may
 * lie in a mapped tree); a relative one, and lstar's own directory, are
 * the host's, seen where the tree that holds them shows them.  With no
 * tree at all, "/" is a bare directory holding /dev (dev.c).
 */
int vmm_fs_set_cwd(struct vmm_process *proc, const char *path)
{
	char host[PATH_MAX], canon[GUEST_PATH_MAX];
	struct fs_path p;
	int err, fd;

	if (path && path[0] == '/') {
		err = normalize(canon, NULL, path);
	} else if (!realpath(path ? path : ".", host)) {
		return -errno;
	} else if ((err = guest_path_of(proc, NULL, host, canon, sizeof(canon))) == -ENOENT &&
		   is_tree_ancestor(proc, host) && !vmm_fs_tree_of(proc, host)) {
		/* Above the trees, where they show it: a made-up directory.
		 * (lstar's own directory in the host's /tmp is not one in the
		 * program's private /tmp: guest_path_of passes --tmp's by.) */
		snprintf(canon, sizeof(canon), "%s", host);
		err = 0;
	}
	if (err == -ENOENT && !path) {
		snprintf(canon, sizeof(canon), "/");
		err = 0;
	} else if (err == -ENOENT && path[0] != '/') {
		return -EXDEV;			/* outside every tree */
	}
	if (err)
		return err;
	if (!(err = lookup(proc, AT_FDCWD, canon, &p)))
		err = settle(proc, &p, FOLLOW);
	if (!err && missing_ancestor(proc, &p))
		err = -ENOENT;		/* made up: only a path, below */
	if (err == FS_DEVICE)	/* /dev is only a path; a device no directory */
		err = vmm_dev_is_dir(p.dev) ? -ENOENT : -ENOTDIR;
	if (err == -ENOENT && !is_tree_ancestor(proc, p.abs) &&
	    !vmm_dev_is_dir(vmm_dev_of(proc, p.abs))) {
		if (path)
			return -EXDEV;		/* outside every tree */
		snprintf(canon, sizeof(canon), "/");
		err = lookup(proc, AT_FDCWD, canon, &p);	/* "/" may be a tree */
	}
	if (err == -ENOENT) {
		set_cwd(proc, -1, p.abs);
		return 0;
	}
	if (err)
		return err;
	if ((fd = open_beneath(p.tree, p.walk, O_PATH | O_DIRECTORY, 0)) < 0)
		return fd;
	/* Its path as getcwd will say it, symlinks resolved. */
	if ((err = guest_dir_path(proc, p.tree, fd, canon, sizeof(canon)))) {
		close(fd);
		return err;
	}
	set_cwd(proc, fd, canon);
	return 0;
}

/* --- open, stat, access ---------------------------------------------------- */

/* Does the normalized path abs name something in /dev, or in /etc with
 * net dns, as lstar makes them up (no tree holds it)?  A name created
 * there is EROFS, as in a read-only directory. */
static bool in_made_up_dir(const struct vmm_process *proc, const char *abs)
{
	const char *slash = strrchr(abs, '/');
	char dir[GUEST_PATH_MAX];

	if (!slash || slash == abs)
		return false;
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - abs), abs);
	return vmm_dev_is_dir(vmm_dev_of(proc, dir)) && !vmm_fs_tree_of(proc, dir);
}

/* Is p's last name there in its tree (a symlink, dangling or not, is)?
 * What Linux looks at before a read-only mount when a name is to be
 * made: EEXIST if so, EROFS only if not. */
static bool name_is_there(const struct fs_path *p)
{
	int fd = open_beneath(p->tree, p->walk, O_PATH | O_NOFOLLOW, 0);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* The kernel's O_LARGEFILE: musl passes it, glibc's headers define it 0. */
#define KERNEL_O_LARGEFILE 0100000
#define OPEN_FLAGS_KNOWN (O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | \
			  O_APPEND | O_NONBLOCK | O_DSYNC | O_SYNC | O_DIRECTORY | \
			  O_NOFOLLOW | O_CLOEXEC | KERNEL_O_LARGEFILE | O_NOATIME | \
			  O_PATH)
#define OPEN_FLAGS_WRITE (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND)

/* Open one of lstar's devices (dev.c), or /dev's listing: nothing of the
 * host is opened, and no path is recorded (--learn grants no tree for
 * it; the open itself is a call the policy judged). */
static int64_t open_device(struct vmm_vcpu *cpu, int dev, uint64_t flags)
{
	struct vmm_file *f;
	int err = vmm_dev_open(cpu->proc, dev, flags, &f), gfd;

	if (err)
		return err;
	gfd = vmm_fd_install(cpu->proc, f, 0, flags & O_CLOEXEC);
	if (gfd < 0 && f->refs == 0)	/* EMFILE: nothing holds a new f */
		free(f);
	return gfd;
}

static int64_t do_open(struct vmm_vcpu *cpu, int dirfd, uint64_t gva, uint64_t flags,
		       uint64_t mode)
{
	struct fs_path p;
	struct vmm_file *f;
	struct stat st;
	int err, fd, gfd;

	if (flags & ~(uint64_t)OPEN_FLAGS_KNOWN)
		return -EINVAL;	/* O_TMPFILE and friends: not in a sandbox */
	flags &= ~(uint64_t)KERNEL_O_LARGEFILE;	/* always so on x86-64 */
	err = get_lookup(cpu, dirfd, gva, &p, (flags & O_NOFOLLOW) ? NOFOLLOW : FOLLOW);
	if (err == FS_DEVICE || (err == -EISDIR && vmm_dev_is_dir(p.dev)))
		return open_device(cpu, p.dev, flags);
	if (err == -ENOENT && (flags & O_CREAT) && in_made_up_dir(cpu->proc, p.abs))
		return -EROFS;	/* a new file in /dev or /etc */
	if (err == -EISDIR)
		/* An ancestor of a tree: there, but not to be listed. */
		return (flags & OPEN_FLAGS_WRITE) ? -EISDIR : -EACCES;
	if (err)
		return err;
	if (flags & OPEN_FLAGS_WRITE)
		vmm_call_path(cpu, p.abs, true);
	if (!p.tree->writable && (flags & OPEN_FLAGS_WRITE)) {
		struct stat dst;

		/* As Linux: O_CREAT | O_EXCL of a name that is there is
		 * EEXIST. */
		if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL) && !p.must_dir)
			return name_is_there(&p) ? -EEXIST : -EROFS;
		/* A directory opened for writing is EISDIR before the file
		 * system's read-only-ness counts. */
		if ((fd = open_beneath(p.tree, p.walk, O_PATH, 0)) >= 0) {
			bool dir = fstat(fd, &dst) == 0 && S_ISDIR(dst.st_mode);

			close(fd);
			if (dir && (flags & O_ACCMODE) != O_RDONLY)
				return -EISDIR;
		}
		/* O_CREAT of a file that exists only opens it. */
		if (flags & (OPEN_FLAGS_WRITE & ~O_CREAT))
			return -EROFS;
		fd = open_beneath(p.tree, p.walk, flags & ~(uint64_t)O_CREAT, 0);
		if (fd == -ENOENT)
			return -EROFS;
	} else {
		fd = open_beneath(p.tree, p.walk, flags, mode & 0777);
	}
	if (fd < 0)
		return fd;
	/* Directories keep their path: *at() calls and fchdir use it. */
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode) &&
	    guest_dir_path(cpu->proc, p.tree, fd, p.abs, sizeof(p.abs)) == 0)
		f = vmm_file_new(fd, p.abs, p.tree);
	else
		f = vmm_file_new(fd, NULL, p.tree);
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	gfd = vmm_fd_install(cpu->proc, f, 0, flags & O_CLOEXEC);
	if (gfd < 0) {		/* EMFILE: nothing holds f */
		close(fd);
		free(f->path);
		free(f);
	}
	return gfd;
}

int vmm_fs_open_exec(struct vmm_vcpu *cpu, int dirfd, const char *path, bool nofollow)
{
	struct fs_path *p = malloc(sizeof(*p));
	int err;

	if (!p)
		return -ENOMEM;
	if (!*path)
		err = -ENOENT;
	else if ((err = lookup(cpu->proc, dirfd, path, p)) == -ENOENT &&
		 is_tree_ancestor(cpu->proc, p->abs))
		err = -EACCES;	/* a directory, and not one to run */
	if (!err)
		err = settle(cpu->proc, p, nofollow ? NOFOLLOW : FOLLOW);
	if (err == FS_DEVICE)
		err = -EACCES;	/* no regular file: Linux's answer */
	if (!err) {
		vmm_call_path(cpu, p->abs, false);
		err = open_beneath(p->tree, p->walk, O_RDONLY | (nofollow ? O_NOFOLLOW : 0), 0);
	}
	free(p);
	return err;
}

int64_t vmm_sys_open(struct vmm_vcpu *cpu, const uint64_t *a)
{
	return do_open(cpu, AT_FDCWD, a[0], a[1], a[2]);
}

int64_t vmm_sys_creat(struct vmm_vcpu *cpu, const uint64_t *a)
{
	return do_open(cpu, AT_FDCWD, a[0], O_CREAT | O_WRONLY | O_TRUNC, a[1]);
}

int64_t vmm_sys_openat(struct vmm_vcpu *cpu, const uint64_t *a)
{
	return do_open(cpu, (int)a[0], a[1], a[2], a[3]);
}

static int stat_cwd(struct vmm_process *proc, struct stat *st)
{
	struct fs_path p;
	int err = lookup(proc, AT_FDCWD, ".", &p), fd;

	if ((err == -ENOENT && is_tree_ancestor(proc, p.abs)) ||
	    (err == FS_DEVICE && vmm_dev_is_dir(p.dev))) {
		ancestor_stat(p.abs, st);	/* only a path, as stat says */
		return 0;
	}
	if (err)
		return err;
	if ((fd = open_beneath(p.tree, p.walk, O_PATH, 0)) < 0)
		return fd;
	err = fstat(fd, st) < 0 ? -errno : 0;
	close(fd);
	return err;
}

/* What fstat says of the file f: a device's or /dev's made up, any
 * other the host's with the program's owners. */
static int file_stat(struct vmm_process *proc, const struct vmm_file *f,
		     struct stat *st)
{
	if (vmm_dev_is_dir(f->dev)) {
		ancestor_stat(vmm_dev_dir_path(f->dev), st);
	} else if (f->dev) {
		vmm_dev_stat(proc, f->dev, st);
	} else {
		if (fstat(f->host, st) < 0)
			return -errno;
		guest_ids(proc, st);
	}
	return 0;
}

/* What stat says of device dev: /dev/stdin and its kin follow the
 * program's descriptor, as the links they are on Linux do. */
static int device_stat(struct vmm_process *proc, int dev, struct stat *st)
{
	struct vmm_file *f;

	if (dev < VMM_DEV_STDIN || dev > VMM_DEV_STDERR) {
		vmm_dev_stat(proc, dev, st);
		return 0;
	}
	if (!(f = vmm_fd_get(proc, (uint64_t)(dev - VMM_DEV_STDIN))))
		return -ENOENT;
	return file_stat(proc, f, st);
}

/* A statx made up from a made-up stat (the basic fields). */
static void stat_to_statx(const struct stat *st, struct statx *stx)
{
	memset(stx, 0, sizeof(*stx));
	stx->stx_mask = STATX_BASIC_STATS;
	stx->stx_uid = st->st_uid;
	stx->stx_gid = st->st_gid;
	stx->stx_mode = (uint16_t)st->st_mode;
	stx->stx_ino = st->st_ino;
	stx->stx_nlink = (uint32_t)st->st_nlink;
	stx->stx_size = (uint64_t)st->st_size;
	stx->stx_blksize = (uint32_t)st->st_blksize;
	stx->stx_rdev_major = major(st->st_rdev);
	stx->stx_rdev_minor = minor(st->st_rdev);
	stx->stx_dev_major = major(st->st_dev);
	stx->stx_dev_minor = minor(st->st_dev);
}

/* stat the path (following a final symlink unless nofollow) into st. */
static int stat_path(struct vmm_vcpu *cpu, int dirfd, uint64_t gva, bool nofollow,
		     struct stat *st)
{
	struct fs_path p;
	const char *last;
	int err, fd;

	err = get_lookup(cpu, dirfd, gva, &p, nofollow ? NOFOLLOW : FOLLOW);
	if (err == -EISDIR) {
		ancestor_stat(p.abs, st);
		return 0;
	}
	if (err == FS_DEVICE)
		return device_stat(cpu->proc, p.dev, st);
	if (err)
		return err;
	if (nofollow && !p.must_dir && strcmp(p.rel, ".")) {
		if ((fd = open_parent(&p, &last)) < 0)
			return fd;
		err = fstatat(fd, last, st, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
	} else {
		if ((fd = open_beneath(p.tree, p.walk, O_PATH, 0)) < 0)
			return fd;
		err = fstat(fd, st) < 0 ? -errno : 0;
	}
	close(fd);
	if (!err)
		guest_ids(cpu->proc, st);
	return err;
}

static int64_t stat_out(struct vmm_vcpu *cpu, int err, const struct stat *st,
			uint64_t dst)
{
	return err ? err : vmm_mem_copy_to_user(cpu->mem, dst, st, sizeof(*st));
}

int64_t vmm_sys_stat(struct vmm_vcpu *cpu, const uint64_t *a)
{
	struct stat st;

	return stat_out(cpu, stat_path(cpu, AT_FDCWD, a[0], false, &st), &st, a[1]);
}

int64_t vmm_sys_lstat(struct vmm_vcpu *cpu, const uint64_t *a)
{
	struct stat st;

	return stat_out(cpu, stat_path(cpu, AT_FDCWD, a[0], true, &st), &st, a[1]);
}

/* newfstatat(dirfd, path, buf, flags) on a path. */
static int64_t stat_at_path(struct vmm_vcpu *cpu, const uint64_t *a)
{
	struct stat st;

	if (a[3] & ~(uint64_t)(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH))
		return -EINVAL;
	return stat_out(cpu, stat_path(cpu, (int)a[0], a[1],
				      a[3] & AT_SYMLINK_NOFOLLOW, &st), &st, a[2]);
}

/* statx(dirfd, path, flags, mask, buf) on a path. */
static int64_t statx_at_path(struct vmm_vcpu *cpu, const uint64_t *a)
{
	struct fs_path p;
	struct statx stx;
	const char *last;
	int err, fd;

	err = get_lookup(cpu, (int)a[0], a[1], &p,
			 (a[2] & AT_SYMLINK_NOFOLLOW) ? NOFOLLOW : FOLLOW);
	if (err == -EISDIR || err == FS_DEVICE) {
		struct stat st;

		if (err == -EISDIR)
			ancestor_stat(p.abs, &st);
		else if ((err = device_stat(cpu->proc, p.dev, &st)))
			return err;
		stat_to_statx(&st, &stx);
		return vmm_mem_copy_to_user(cpu->mem, a[4], &stx, sizeof(stx));
	}
	if (err)
		return err;
	if ((a[2] & AT_SYMLINK_NOFOLLOW) && !p.must_dir && strcmp(p.rel, ".")) {
		if ((fd = open_parent(&p, &last)) < 0)
			return fd;
		err = statx(fd, last, AT_SYMLINK_NOFOLLOW |
			    ((int)a[2] & AT_STATX_SYNC_TYPE), (unsigned)a[3], &stx);
	} else {
		if ((fd = open_beneath(p.tree, p.walk, O_PATH, 0)) < 0)
			return fd;
		err = statx(fd, "", AT_EMPTY_PATH | ((int)a[2] & AT_STATX_SYNC_TYPE),
			    (unsigned)a[3], &stx);
	}
	err = err < 0 ? -errno : 0;
	close(fd);
	if (err)
		return err;
	guest_statx_ids(cpu->proc, &stx);
	return vmm_mem_copy_to_user(cpu->mem, a[4], &stx, sizeof(stx));
}

static int64_t stat_to_user(struct vmm_vcpu *cpu, uint64_t fd, uint64_t dst)
{
	struct vmm_file *f = vmm_fd_get(cpu->proc, fd);
	struct stat st;
	int err;

	if (!f)
		return -EBADF;
	if ((err = file_stat(cpu->proc, f, &st)))
		return err;
	return vmm_mem_copy_to_user(cpu->mem, dst, &st, sizeof(st));
}

int64_t vmm_sys_fstat(struct vmm_vcpu *cpu, const uint64_t *a)
{
	return stat_to_user(cpu, a[0], a[1]);
}

/* Is the guest string at gva empty?  -EFAULT if unreadable. */
static int empty_path(struct vmm_vcpu *cpu, uint64_t gva)
{
	char c;

	if (vmm_mem_copy_from_user(cpu->mem, &c, gva, 1))
		return -EFAULT;
	return c == '\0';
}

/* newfstatat(fd, "", buf, AT_EMPTY_PATH) is how libcs spell fstat(fd);
 * with a path it is a path call. */
int64_t vmm_sys_newfstatat(struct vmm_vcpu *cpu, const uint64_t *a)
{
	int empty;

	if (!(a[3] & AT_EMPTY_PATH) || (empty = empty_path(cpu, a[1])) == 0)
		return stat_at_path(cpu, a);
	if (empty < 0)
		return empty;
	if ((int)a[0] == AT_FDCWD) {
		struct stat st;
		int err = stat_cwd(cpu->proc, &st);

		if (err)
			return err;
		guest_ids(cpu->proc, &st);
		return vmm_mem_copy_to_user(cpu->mem, a[2], &st, sizeof(st));
	}
	return stat_to_user(cpu, a[0], a[2]);
}

int64_t vmm_sys_statx(struct vmm_vcpu *cpu, const uint64_t *a)
{
	struct statx stx;
	struct vmm_file *f;
	int empty;

	if (a[2] & ~(uint64_t)(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW |
			       AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE))
		return -EINVAL;
	if (!(a[2] & AT_EMPTY_PATH) || (empty = empty_path(cpu, a[1])) == 0)
		return statx_at_path(cpu, a);
	if (empty < 0)
		return empty;
	if (!(f = vmm_fd_get(cpu->proc, a[0])))
		return -EBADF;
	if (f->dev) {		/* made up: the basic fields */
		struct stat st;

		file_stat(cpu->proc, f, &st);
		stat_to_statx(&st, &stx);
		return vmm_mem_copy_to_user(cpu->mem, a[4], &stx, sizeof(stx));
	}
	if (statx(f->host, "", (int)a[2], (unsigned)a[3], &stx) < 0)
		return -errno;
	guest_statx_ids(cpu->proc, &stx);
	return vmm_mem_copy_to_user(cpu->mem, a[4], &stx, sizeof(stx));
}

/* umask: the VMM creates the guest's files, so its umask is the guest's
 * (inherited from lstar's caller, as a program's would be). */
int64_t vmm_sys_umask(struct vmm_vcpu *cpu, const uint64_t *a)
{
	(void)cpu;
	return umask((mode_t)a[0] & 0777);
}

static int64_t do_access(struct vmm_vcpu *cpu, int dirfd, uint64_t gva,
			 uint64_t mode, uint64_t flags)
{
	struct fs_path p;
	int err, fd;

	if (mode & ~(uint64_t)(R_OK | W_OK | X_OK))
		return -EINVAL;
	if (flags & ~(uint64_t)(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	err = get_lookup(cpu, dirfd, gva, &p,
			 (flags & AT_SYMLINK_NOFOLLOW) ? NOFOLLOW : FOLLOW);
	if (err == -EISDIR)
		return (mode & W_OK) ? -EROFS : 0;
	if (err == FS_DEVICE) {	/* rw-rw-rw-, as Linux's; made-up files r--r--r-- */
		struct stat st;

		if ((err = device_stat(cpu->proc, p.dev, &st)))
			return err;
		if ((mode & W_OK) && !(st.st_mode & 0222))
			return -EROFS;	/* on no writable file system */
		return (mode & X_OK) && !(st.st_mode & 0111) ? -EACCES : 0;
	}
	if (err)
		return err;
	if ((fd = open_beneath(p.tree, p.walk, O_PATH |
			       ((flags & AT_SYMLINK_NOFOLLOW) ? O_NOFOLLOW : 0), 0)) < 0)
		return fd;
	/* What lstar itself may do there, then what the program may: a
	 * read-only tree first (as Linux checks a read-only mount first),
	 * then the mode bits of the class the program is in for this file,
	 * by the owner stat shows it (guest_uid). */
	err = syscall(SYS_faccessat2, fd, "", (int)mode,
		      AT_EMPTY_PATH | ((int)flags & AT_EACCESS)) < 0 ? -errno : 0;
	if (!err && (mode & W_OK) && !p.tree->writable)
		err = -EROFS;
	if (!err && mode) {
		struct stat st;
		unsigned int bits;

		if (fstat(fd, &st) < 0) {
			err = -errno;
		} else {
			bits = st.st_uid == cpu->proc->host_uid ? (st.st_mode >> 6) & 7 :
			       st.st_gid == cpu->proc->host_gid ? (st.st_mode >> 3) & 7 :
			       st.st_mode & 7;
			if ((mode & bits) != mode)
				err = -EACCES;
		}
	}
	close(fd);
	return err;
}

int64_t vmm_sys_access(struct vmm_vcpu *cpu, const uint64_t *a)
{
	return do_access(cpu, AT_FDCWD, a[0], a[1], 0);
}

int64_t vmm_sys_faccessat(struct vmm_vcpu *cpu, const uint64_t *a)
{
	return do_access(cpu, (int)a[0], a[1], a[2], 0);
}

int64_t vmm_sys_faccessat2(struct vmm_vcpu *cpu, const uint64_t *a)
{
	return do_access(cpu, (int)a[0], a[1], a[2], a[3]);
}

static int64_t do_readlink(struct vmm_vcpu *cpu, int dirfd, uint64_t gva,
			   uint64_t buf, int size)
{
	char target[GUEST_PATH_MAX];
	struct fs_path p;
	const char *last;
	ssize_t n;
	int err, fd;

	if (size <= 0)
		return -EINVAL;
	if ((err = get_lookup(cpu, dirfd, gva, &p, NOFOLLOW)))
		return err == -EISDIR || err == FS_DEVICE ? -EINVAL : err; /* no link */
	if (p.must_dir) {	/* "link/" names what the link points at */
		if ((fd = open_beneath(p.tree, p.walk, O_PATH, 0)) < 0)
			return fd;
		close(fd);
		return -EINVAL;
	}
	if ((fd = open_parent(&p, &last)) < 0)
		return fd == -EBUSY ? -EINVAL : fd;	/* a tree's root is no link */
	n = readlinkat(fd, last, target, sizeof(target));
	err = n < 0 ? -errno : 0;
	/* A magic link of a granted /proc (cwd, exe, fd/N) tells the VMM's
	 * own host paths and descriptors: refused as following it is.  Its
	 * plain links ("self" -> "1234") are relative names. */
	if (!err && (target[0] == '/' || memchr(target, ':', n))) {
		struct statfs sfs;

		if (fstatfs(fd, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC)
			err = -EACCES;
	}
	close(fd);
	if (err)
		return err;
	if (n > size)
		n = (ssize_t)size;
	return vmm_mem_copy_to_user(cpu->mem, buf, target, n) ?: n;
}

int64_t vmm_sys_readlink(struct vmm_vcpu *cpu, const uint64_t *a)
{
	return do_readlink(cpu, AT_FDCWD, a[0], a[1], (int)a[2]);
}

int64_t vmm_sys_readlinkat(struct vmm_vcpu *cpu, const uint64_t *a)
{
	return do_readlink(cpu, (int)a[0], a[1], a[2], (int)a[3]);
}

/* --- directories ----------------------------------------------------------- */

int64_t vmm_sys_getdents64(struct vmm_vcpu *cpu, const uint64_t *a)
{
	struct vmm_file *f = vmm_fd_get(cpu->proc, a[0]);
	uint64_t count = a[2] < 65536 ? a[2] : 65536;
	char buf[65536];
	long n;

	if (!f)
		return -EBADF;
	/* The count is an unsigned int, kept in an int: above INT_MAX no
	 * entry fits, EINVAL as on Linux. */
	if (a[2] > INT_MAX)
		return -EINVAL;
	if (f->dev)		/* /dev's listing, made up; a device: ENOTDIR */
		return vmm_dev_getdents(cpu, f, a[1], count);
	n = syscall(SYS_getdents64, f->host, buf, count);
	if (n < 0)
		return -errno;
	return vmm_mem_copy_to_user(cpu->mem, a[1], buf, n) ?: n;
}

int64_t vmm_sys_getcwd(struct vmm_vcpu *cpu, const uint64_t *a)
{
	char cwd[GUEST_PATH_MAX];
	size_t len;
	int err;

	/* Removed, or moved out of the trees by the host: not reachable,
	 * ENOENT as Linux says for a removed working directory. */
	if ((err = base_dir(cpu->proc, AT_FDCWD, cwd)))
		return err;
	len = strlen(cwd) + 1;
	if (a[1] < len)
		return -ERANGE;
	return vmm_mem_copy_to_user(cpu->mem, a[0], cwd, len) ?: (int64_t)len;
}

int64_t vmm_sys_chdir(struct vmm_vcpu *cpu, const uint64_t *a)
{
	char path[GUEST_PATH_MAX];
	int err = get_path(cpu, a[0], path);

	return err ? err : vmm_fs_chdir(cpu, path);
}

int vmm_fs_chdir(struct vmm_vcpu *cpu, const char *path)
{
	struct fs_path p;
	int err, fd;

	err = lookup_settled(cpu, AT_FDCWD, path, &p, FOLLOW);
	if (err == -EISDIR) {	/* an ancestor of a tree, or /dev: only a path */
		set_cwd(cpu->proc, -1, vmm_dev_is_dir(p.dev) ? vmm_dev_dir_path(p.dev) : p.abs);
		return 0;
	}
	if (err == FS_DEVICE)
		return -ENOTDIR;
	if (err)
		return err;
	if ((fd = open_beneath(p.tree, p.walk, O_PATH | O_DIRECTORY, 0)) < 0)
		return fd;
	if ((err = guest_dir_path(cpu->proc, p.tree, fd, p.abs, sizeof(p.abs)))) {
		close(fd);
		return err;
	}
	set_cwd(cpu->proc, fd, p.abs);
	return 0;
}

int64_t vmm_sys_fchdir(struct vmm_vcpu *cpu, const uint64_t *a)
{
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	char path[GUEST_PATH_MAX];
	struct vmm_file *f = vmm_fd_get(cpu->proc, a[0]);
	int err, fd;

	if (!f)
		return -EBADF;
	if ((err = base_dir(cpu->proc, (int)a[0], path)))
		return err;
	if (vmm_dev_is_dir(f->dev)) {	/* /dev, /etc: only a path */
		set_cwd(cpu->proc, -1, path);
		return 0;
	}
	/* A descriptor of its own for the working directory: the guest
	 * may close the one it passed. */
	if ((fd = (int)syscall(SYS_openat2, f->host, ".", &how, sizeof(how))) < 0)
		return -errno;
	set_cwd(cpu->proc, fd, path);
	return 0;
}

/* --- changes (only in writable trees) --------------------------------------- */

/*
 * Look up a path whose last component is to be created (create), removed
 * or renamed: its parent directory opened beneath a writable tree.  In a
 * read-only tree a name to create that is there already is EEXIST, not
 * EROFS, as Linux's filename_create answers (mkdir -p counts on it);
 * removing or renaming is EROFS first, as Linux checks the mount first.
 */
static int lookup_for_change(struct vmm_vcpu *cpu, int dirfd, uint64_t gva,
			     struct fs_path *p, const char **last, bool create)
{
	int err = get_lookup(cpu, dirfd, gva, p, NEVER);

	if (err == FS_DEVICE)	/* a name in /dev, which is read-only */
		err = -EISDIR;
	if (err == -ENOENT && in_made_up_dir(cpu->proc, p->abs))
		return -EROFS;	/* a new name there */
	if (err)
		return err;
	vmm_call_path(cpu, p->abs, true);
	/* A file granted alone is a mount point: it cannot be removed,
	 * renamed or replaced, read-only or not (EBUSY, or what each call
	 * makes of it). */
	if (p->tree->file)
		return -EBUSY;
	if (!p->tree->writable)
		return create && name_is_there(p) ? -EEXIST : -EROFS;
	return open_parent(p, last);
}

/*
 * AF_UNIX sockets' paths (sys_net.c): the socket is made, or found, as a
 * file is, beneath its tree; the host is then handed the descriptor of
 * the directory or of the socket itself, never the path again.
 */
int vmm_fs_unix_bind(struct vmm_vcpu *cpu, const char *path, char *name, size_t len)
{
	struct fs_path p;
	const char *last;
	int fd, err;

	/* As mknod: nothing followed at the end, the parent writable. */
	if ((err = lookup_settled(cpu, AT_FDCWD, path, &p, NEVER)) == FS_DEVICE)
		return -EADDRINUSE;
	if (err)
		return err == -EISDIR ? -EADDRINUSE : err;
	vmm_call_path(cpu, p.abs, true);
	if (p.tree->file || !strcmp(p.rel, "."))
		return -EADDRINUSE;	/* a tree's root exists */
	if (!p.tree->writable)
		return -EROFS;
	if (p.last != LAST_NORM || p.must_dir)
		return -EADDRINUSE;	/* "x/." and "x/" name what exists */
	if ((fd = open_parent(&p, &last)) < 0)
		return fd;
	if (strlen(last) >= len) {
		close(fd);
		return -ENAMETOOLONG;
	}
	strcpy(name, last);
	return fd;
}

int vmm_fs_unix_node(struct vmm_vcpu *cpu, const char *path)
{
	struct fs_path p;
	struct stat st;
	int fd, err;

	/* lstar's devices, and the directories it makes up, are no sockets. */
	if ((err = lookup_settled(cpu, AT_FDCWD, path, &p, FOLLOW)) == FS_DEVICE ||
	    err == -EISDIR)
		return -ECONNREFUSED;
	if (err)
		return err;
	if ((fd = open_beneath(p.tree, p.walk, O_PATH, 0)) < 0)
		return fd;
	if (fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode)) {
		close(fd);
		return -ECONNREFUSED;
	}
	/* The sandbox's own exec socket, in a tree it sees (its directory
	 * bound in, or a link to it): lstar exec's, never the program's,
	 * whose connections would each hold host processes of the spawner
	 * while it reads them. */
	if (cpu->vmm->exec_bound && st.st_dev == cpu->vmm->exec_dev &&
	    st.st_ino == cpu->vmm->exec_ino) {
		close(fd);
		vmm_call_note(cpu, true, "%s: the sandbox's exec socket: refused", path);
		return -EACCES;
	}
	/* Connecting is writing to it (Linux asks for write permission):
	 * beneath a read-only tree only the host's daemons have sockets,
	 * and a program that reads a tree must not talk to them. */
	if (!p.tree->writable) {
		close(fd);
		return -EACCES;
	}
	return fd;
}

/*
 * For the calls that remove or rename a name: "." and ".." cannot be
 * (dot_err says with which errno), and a trailing slash requires the
 * name to be a directory.  0, or the errno Linux gives.
 */
static int check_removable(const struct fs_path *p, int dot_err, int dotdot_err)
{
	const char *last;
	struct stat st;
	int fd, err;

	if (p->last == LAST_DOT)
		return dot_err;
	if (p->last == LAST_DOTDOT)
		return dotdot_err;
	if (!p->must_dir)
		return 0;
	/* The name itself, not what a symlink there points at. */
	if ((fd = open_parent(p, &last)) < 0)
		return fd;
	err = fstatat(fd, last, &st, AT_SYMLINK_NOFOLLOW) < 0 ? -errno :
	      S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
	close(fd);
	return err;
}

static int64_t do_mkdir(struct vmm_vcpu *cpu, int dirfd, uint64_t gva, uint64_t mode)
{
	struct fs_path p;
	const char *last;
	int fd = lookup_for_change(cpu, dirfd, gva, &p, &last, true);
	int64_t r;

	if (fd < 0)	/* a tree's root or an ancestor exists already */
		return fd == -EBUSY || fd == -EISDIR ? -EEXIST : fd;
	if (p.last != LAST_NORM) {	/* "x/." exists if x does */
		int d = open_beneath(p.tree, p.walk, O_PATH, 0);

		close(fd);
		if (d < 0)
			return d;
		close(d);
		return -EEXIST;
	}
	r = result(mkdirat(fd, last, (mode_t)mode & 0777));
	close(fd);
	return r;
}

int64_t vmm_sys_mkdir(struct vmm_vcpu *cpu, const uint64_t *a)
{
	return do_mkdir(cpu, AT_FDCWD, a[0], a[1]);
}

int64_t vmm_sys_mkdirat(struct vmm_vcpu *cpu, const uint64_t *a)
{
	return do_mkdir(cpu, (int)a[0], a[1], a[2]);
}

static int64_t do_unlink(struct vmm_vcpu *cpu, int dirfd, uint64_t gva, uint64_t flags)
{
	struct fs_path p;
	const char *last;
	int fd;
	int64_t r;

	if (flags & ~(uint64_t)AT_REMOVEDIR)
		return -EINVAL;
	fd = lookup_for_change(cpu, dirfd, gva, &p, &last, false);
	if (fd == -EBUSY && p.tree->file)	/* a file granted alone */
		return (flags & AT_REMOVEDIR) ? -ENOTDIR : -EBUSY;
	if (fd < 0 && !(fd == -EBUSY && p.last != LAST_NORM))
		return fd == -EISDIR ? -EROFS : fd;
	/* rmdir("x/.") is EINVAL and rmdir("x/..") ENOTEMPTY; unlink of
	 * either EISDIR (Linux's do_rmdir and do_unlinkat). */
	r = (flags & AT_REMOVEDIR) ? check_removable(&p, -EINVAL, -ENOTEMPTY) :
				     check_removable(&p, -EISDIR, -EISDIR);
	if (!r && fd >= 0)
		r = result(unlinkat(fd, last, (int)flags));
	if (fd >= 0)
		close(fd);
	return r;
}

int64_t vmm_sys_unlink(struct vmm_vcpu *cpu, const uint64_t *a)
{
	return do_unlink(cpu, AT_FDCWD, a[0], 0);
}

int64_t vmm_sys_rmdir(struct vmm_vcpu *cpu, const uint64_t *a)
{
	return do_unlink(cpu, AT_FDCWD, a[0], AT_REMOVEDIR);
}

int64_t vmm_sys_unlinkat(struct vmm_vcpu *cpu, const uint64_t *a)
{
	return do_unlink(cpu, (int)a[0], a[1], a[2]);
}

static int64_t do_rename(struct vmm_vcpu *cpu, int olddir, uint64_t oldp, int newdir,
			 uint64_t newp, uint64_t flags)
{
	struct fs_path from, to;
	const char *from_last, *to_last;
	int from_fd, to_fd;
	int64_t r;

	if (flags & ~(uint64_t)(RENAME_NOREPLACE | RENAME_EXCHANGE))
		return -EINVAL;
	if ((from_fd = lookup_for_change(cpu, olddir, oldp, &from, &from_last, false)) < 0)
		return from_fd == -EISDIR ? -EROFS : from_fd;
	if ((to_fd = lookup_for_change(cpu, newdir, newp, &to, &to_last, false)) < 0) {
		close(from_fd);
		return to_fd == -EISDIR ? -EROFS : to_fd;
	}
	r = from.tree != to.tree ? -EXDEV : check_removable(&from, -EBUSY, -EBUSY);
	if (!r && to.last != LAST_NORM)
		r = -EBUSY;
	if (!r)
		r = result(syscall(SYS_renameat2, from_fd, from_last, to_fd, to_last,
				   (unsigned)flags));
	close(from_fd);
	close(to_fd);
	return r;
}

int64_t vmm_sys_rename(struct vmm_vcpu *cpu, const uint64_t *a)
{
	return do_rename(cpu, AT_FDCWD, a[0], AT_FDCWD, a[1], 0);
}

int64_t vmm_sys_renameat(struct vmm_vcpu *cpu, const uint64_t *a)
{
	return do_rename(cpu, (int)a[0], a[1], (int)a[2], a[3], 0);
}

int64_t vmm_sys_renameat2(struct vmm_vcpu *cpu, const uint64_t *a)
{
	return do_rename(cpu, (int)a[0], a[1], (int)a[2], a[3], a[4]);
}

int64_t vmm_sys_truncate(struct vmm_vcpu *cpu, const uint64_t *a)
{
	struct fs_path p;
	int err, fd;
	int64_t r;

	if ((int64_t)a[1] < 0)
		return -EINVAL;
	/* A device is no regular file; a made-up file is read-only. */
	if ((err = get_lookup(cpu, AT_FDCWD, a[0], &p, FOLLOW)))
		return err != FS_DEVICE ? err : vmm_dev_has_text(p.dev) ? -EROFS : -EINVAL;
	vmm_call_path(cpu, p.abs, true);
	if (!p.tree->writable)
		return -EROFS;
	/* O_NONBLOCK: a FIFO must not block the VMM (it then fails EINVAL). */
	if ((fd = open_beneath(p.tree, p.walk, O_WRONLY | O_NONBLOCK, 0)) < 0)
		return fd;
	r = result(ftruncate(fd, (off_t)a[1]));
	close(fd);
	return r;
}

/* --- links, modes, times, file systems --------------------------------------- */

/* symlink(target, path): the link is made in a writable tree; its target
 * is only text, resolved (beneath a tree) when someone follows it. */
static int64_t do_symlink(struct vmm_vcpu *cpu, uint64_t target_gva, int dirfd,
			  uint64_t gva)
{
	char target[GUEST_PATH_MAX];
	struct fs_path p;
	const char *last;
	int err = get_path(cpu, target_gva, target), fd;
	int64_t r;

	if (err)
		return err;
	if ((fd = lookup_for_change(cpu, dirfd, gva, &p, &last, true)) < 0)
		return fd == -EISDIR || fd == -EBUSY ? -EEXIST : fd;
	r = result(symlinkat(target, fd, last));
	close(fd);
	return r;
}

int64_t vmm_sys_symlink(struct vmm_vcpu *cpu, const uint64_t *a)
{
	return do_symlink(cpu, a[0], AT_FDCWD, a[1]);
}

int64_t vmm_sys_symlinkat(struct vmm_vcpu *cpu, const uint64_t *a)
{
	return do_symlink(cpu, a[0], (int)a[1], a[2]);
}

/*
 * link(old, new): both ends in the same writable tree.  AT_SYMLINK_FOLLOW
 * is refused: the host would follow a symlink with no tree around it.
 */
static int64_t do_link(struct vmm_vcpu *cpu, int olddir, uint64_t oldp, int newdir,
		       uint64_t newp, uint64_t flags)
{
	struct fs_path from, to;
	const char *from_last, *to_last;
	int from_fd, to_fd;
	int64_t r;

	if (flags & ~(uint64_t)AT_SYMLINK_FOLLOW)
		return -EINVAL;
	if (flags & AT_SYMLINK_FOLLOW)
		return -EPERM;	/* docs/DECISIONS.md */
	/* A file granted alone is a mount of its own: a link to it from
	 * elsewhere crosses mounts (EXDEV); its name exists (EEXIST). */
	from_fd = lookup_for_change(cpu, olddir, oldp, &from, &from_last, false);
	if (from_fd < 0 && from_fd != -EROFS)
		return from_fd == -EISDIR ? -EPERM :
		       from_fd == -EBUSY && from.tree->file ? -EXDEV : from_fd;
	/* An old name in a read-only tree: the new name speaks first, as
	 * on Linux (EEXIST, EROFS, or EXDEV from a writable tree). */
	if ((to_fd = lookup_for_change(cpu, newdir, newp, &to, &to_last, true)) < 0) {
		if (from_fd >= 0)
			close(from_fd);
		return to_fd == -EISDIR || (to_fd == -EBUSY && to.tree->file) ?
		       -EEXIST : to_fd;
	}
	r = from_fd < 0 || from.tree != to.tree ? -EXDEV :
	    result(linkat(from_fd, from_last, to_fd, to_last, 0));
	if (from_fd >= 0)
		close(from_fd);
	close(to_fd);
	return r;
}

int64_t vmm_sys_link(struct vmm_vcpu *cpu, const uint64_t *a)
{
	return do_link(cpu, AT_FDCWD, a[0], AT_FDCWD, a[1], 0);
}

int64_t vmm_sys_linkat(struct vmm_vcpu *cpu, const uint64_t *a)
{
	return do_link(cpu, (int)a[0], a[1], (int)a[2], a[3], a[4]);
}

/*
 * The host path of an O_PATH descriptor we hold: /proc/self/fd/N.  chmod
 * and utimensat through it act on exactly the file openat2 found beneath
 * the tree, whatever happens to the path meanwhile.
 */
static void fd_path(int fd, char *buf, size_t len)
{
	snprintf(buf, len, "/proc/self/fd/%d", fd);
}

/* --- extended attributes: read ---------------------------------------------- */

#define XATTR_NAME_LEN	255		/* Linux's XATTR_NAME_MAX */
#define XATTR_VALUE_MAX	65536		/* XATTR_SIZE_MAX and XATTR_LIST_MAX */
#define XATTR_SHOWN	"user."

/*
 * The program reads the extended attributes of the user namespace
 * ("user.*") as the host has them; the others (system.* with its ACLs,
 * which hold host user ids; security.*; trusted.*) are not shown: reading
 * one is EOPNOTSUPP, as on a file system without them, and lists leave
 * them out.  Setting or removing any is not done (ENOSYS).
 */
static bool xattr_shown(const char *name)
{
	return !strncmp(name, XATTR_SHOWN, strlen(XATTR_SHOWN));
}

/* The attribute's name at gva: -ERANGE when empty or too long, as Linux. */
static int get_xattr_name(struct vmm_vcpu *cpu, uint64_t gva, char *name)
{
	for (size_t n = 0; n < XATTR_NAME_LEN + 1;) {
		size_t chunk = LSTAR_PAGE_SIZE - ((gva + n) & (LSTAR_PAGE_SIZE - 1));
		const char *nul;

		if (chunk > XATTR_NAME_LEN + 1 - n)
			chunk = XATTR_NAME_LEN + 1 - n;
		if (gva + n < gva || vmm_mem_copy_from_user(cpu->mem, name + n, gva + n, chunk))
			return -EFAULT;
		if ((nul = memchr(name + n, '\0', chunk)))
			return nul == name ? -ERANGE : 0;
		n += chunk;
	}
	return -ERANGE;
}

/*
 * getxattr (name) or listxattr (name NULL) of the host file hfd: itself,
 * or with by_path the file an O_PATH descriptor holds, asked through
 * /proc/self/fd (that very file, a symlink included, as fchmodat's way
 * below).  At most size bytes to the program's buf (size 0: how many
 * there are).
 */
static int64_t xattr_read(struct vmm_vcpu *cpu, int hfd, bool by_path, const char *name,
			  uint64_t buf, uint64_t size)
{
	char path[64], *val;
	ssize_t n;
	size_t kept = 0;
	int64_t ret;

	if (name && !xattr_shown(name))
		return -EOPNOTSUPP;
	if (size > XATTR_VALUE_MAX)	/* as Linux */
		size = XATTR_VALUE_MAX;
	/* A list is filtered: read whole, then measured. */
	if (!(val = malloc(XATTR_VALUE_MAX)))
		return -ENOMEM;
	fd_path(hfd, path, sizeof(path));
	if (name)
		n = by_path ? getxattr(path, name, val, size) : fgetxattr(hfd, name, val, size);
	else
		n = by_path ? listxattr(path, val, XATTR_VALUE_MAX) :
			      flistxattr(hfd, val, XATTR_VALUE_MAX);
	if (n < 0) {
		ret = -errno;
		goto out;
	}
	if (!name) {
		for (size_t at = 0; at < (size_t)n;) {
			size_t len = strnlen(val + at, (size_t)n - at);

			if (at + len < (size_t)n && xattr_shown(val + at)) {
				memmove(val + kept, val + at, len + 1);
				kept += len + 1;
			}
			at += len + 1;
		}
		n = (ssize_t)kept;
		if (size && (size_t)n > size) {
			ret = -ERANGE;
			goto out;
		}
	}
	ret = n;
	if (size && n > 0 && vmm_mem_copy_to_user(cpu->mem, buf, val, (uint64_t)n))
		ret = -EFAULT;
out:
	free(val);
	return ret;
}

/* The path variants: the file opened O_PATH beneath its tree. */
static int64_t path_xattr(struct vmm_vcpu *cpu, const uint64_t *a, bool list, bool nofollow)
{
	char name[XATTR_NAME_LEN + 1];
	struct fs_path p;
	int64_t ret;
	int err, fd;

	if (!list && (err = get_xattr_name(cpu, a[1], name)))
		return err;
	err = get_lookup(cpu, AT_FDCWD, a[0], &p, nofollow ? NOFOLLOW : FOLLOW);
	/* An ancestor, a device or a file lstar makes up has none. */
	if (err == -EISDIR || err == FS_DEVICE)
		return list ? 0 : xattr_shown(name) ? -ENODATA : -EOPNOTSUPP;
	if (err)
		return err;
	if ((fd = open_beneath(p.tree, p.walk, O_PATH | (nofollow ? O_NOFOLLOW : 0), 0)) < 0)
		return fd;
	ret = xattr_read(cpu, fd, true, list ? NULL : name, a[list ? 1 : 2], a[list ? 2 : 3]);
	close(fd);
	return ret;
}

int64_t vmm_sys_getxattr(struct vmm_vcpu *cpu, const uint64_t *a)
{
	return path_xattr(cpu, a, false, false);
}

int64_t vmm_sys_lgetxattr(struct vmm_vcpu *cpu, const uint64_t *a)
{
	return path_xattr(cpu, a, false, true);
}

int64_t vmm_sys_listxattr(struct vmm_vcpu *cpu, const uint64_t *a)
{
	return path_xattr(cpu, a, true, false);
}

int64_t vmm_sys_llistxattr(struct vmm_vcpu *cpu, const uint64_t *a)
{
	return path_xattr(cpu, a, true, true);
}

/* The descriptor variants: the host descriptor itself (an O_PATH one is
 * EBADF, as on Linux). */
int64_t vmm_sys_fgetxattr(struct vmm_vcpu *cpu, const uint64_t *a)
{
	struct vmm_file *f = vmm_fd_get(cpu->proc, a[0]);
	char name[XATTR_NAME_LEN + 1];
	int err;

	if (!f)
		return -EBADF;
	if ((err = get_xattr_name(cpu, a[1], name)))
		return err;
	return xattr_read(cpu, f->host, false, name, a[2], a[3]);
}

int64_t vmm_sys_flistxattr(struct vmm_vcpu *cpu, const uint64_t *a)
{
	struct vmm_file *f = vmm_fd_get(cpu->proc, a[0]);

	if (!f)
		return -EBADF;
	return xattr_read(cpu, f->host, false, NULL, a[1], a[2]);
}

/* Open path p for a metadata change: writable tree, O_PATH, beneath. */
static int open_for_meta(struct vmm_vcpu *cpu, int dirfd, uint64_t gva, bool nofollow)
{
	struct fs_path p;
	int err = get_lookup(cpu, dirfd, gva, &p, nofollow ? NOFOLLOW : FOLLOW);

	if (err)
		return err == -EISDIR || err == FS_DEVICE ? -EROFS : err;
	vmm_call_path(cpu, p.abs, true);
	if (!p.tree->writable)
		return -EROFS;
	return open_beneath(p.tree, p.walk, O_PATH | (nofollow ? O_NOFOLLOW : 0), 0);
}

static int64_t do_chmod(struct vmm_vcpu *cpu, int dirfd, uint64_t gva, uint64_t mode,
			uint64_t flags)
{
	char path[64];
	int fd;
	int64_t r;

	if (flags & ~(uint64_t)AT_SYMLINK_NOFOLLOW)
		return -EINVAL;
	if (flags & AT_SYMLINK_NOFOLLOW)
		return -EOPNOTSUPP;	/* Linux cannot chmod a symlink either */
	if ((fd = open_for_meta(cpu, dirfd, gva, false)) < 0)
		return fd;
	fd_path(fd, path, sizeof(path));
	r = result(chmod(path, (mode_t)mode & 0777));
	close(fd);
	return r;
}

int64_t vmm_sys_chmod(struct vmm_vcpu *cpu, const uint64_t *a)
{
	return do_chmod(cpu, AT_FDCWD, a[0], a[1], 0);
}

int64_t vmm_sys_fchmodat(struct vmm_vcpu *cpu, const uint64_t *a)
{
	return do_chmod(cpu, (int)a[0], a[1], a[2], 0);
}

int64_t vmm_sys_fchmod(struct vmm_vcpu *cpu, const uint64_t *a)
{
	struct vmm_file *f = vmm_fd_get(cpu->proc, a[0]);

	if (!f)
		return -EBADF;
	if (f->tree && !f->tree->writable)
		return -EROFS;
	if (f->std || f->dev)
		return -EPERM;	/* lstar's own streams and devices (root's) */
	return result(fchmod(f->host, (mode_t)a[1] & 0777));
}

/* utimensat(dirfd, path, times, flags); a NULL path is futimens(dirfd). */
int64_t vmm_sys_utimensat(struct vmm_vcpu *cpu, const uint64_t *a)
{
	struct timespec ts[2];
	const struct timespec *times = NULL;
	char path[64];
	int fd;
	int64_t r;

	if (a[3] & ~(uint64_t)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (a[2]) {
		if (vmm_mem_copy_from_user(cpu->mem, ts, a[2], sizeof(ts)))
			return -EFAULT;
		times = ts;
	}
	if (!a[1]) {
		struct vmm_file *f = vmm_fd_get(cpu->proc, a[0]);

		/* No path names the descriptor itself; with AT_FDCWD there
		 * is none: Linux reads the path, and it is NULL. */
		if ((int)a[0] == AT_FDCWD)
			return -EFAULT;
		if (!f)
			return -EBADF;
		if (f->std || (f->tree && !f->tree->writable))
			return -EROFS;
		if (f->dev)
			return -EPERM;	/* root's, not the program's */
		return result(futimens(f->host, times));
	}
	if ((fd = open_for_meta(cpu, (int)a[0], a[1], a[3] & AT_SYMLINK_NOFOLLOW)) < 0)
		return fd == -ELOOP ? -EOPNOTSUPP : fd;
	fd_path(fd, path, sizeof(path));
	r = result(utimensat(AT_FDCWD, path, times, 0));
	close(fd);
	return r;
}

/* What statfs says of /dev and its devices: a read-only devtmpfs with
 * nothing in it to count. */
static void dev_statfs(struct statfs *sf)
{
	memset(sf, 0, sizeof(*sf));
	sf->f_type = TMPFS_MAGIC;
	sf->f_bsize = 4096;
	sf->f_frsize = 4096;
	sf->f_namelen = 255;
	sf->f_flags = ST_RDONLY | ST_NOSUID | ST_NOEXEC;
}

int64_t vmm_sys_statfs(struct vmm_vcpu *cpu, const uint64_t *a)
{
	struct fs_path p;
	struct statfs sf;
	int err, fd;

	if ((err = get_lookup(cpu, AT_FDCWD, a[0], &p, FOLLOW))) {
		if (err == FS_DEVICE || (err == -EISDIR && vmm_dev_is_dir(p.dev))) {
			dev_statfs(&sf);
			return vmm_mem_copy_to_user(cpu->mem, a[1], &sf, sizeof(sf));
		}
		return err == -EISDIR ? -EACCES : err;
	}
	if ((fd = open_beneath(p.tree, p.walk, O_PATH, 0)) < 0)
		return fd;
	err = fstatfs(fd, &sf) < 0 ? -errno : 0;
	close(fd);
	if (!err && !p.tree->writable)
		sf.f_flags |= ST_RDONLY;
	return err ? err : vmm_mem_copy_to_user(cpu->mem, a[1], &sf, sizeof(sf));
}

int64_t vmm_sys_fstatfs(struct vmm_vcpu *cpu, const uint64_t *a)
{
	struct vmm_file *f = vmm_fd_get(cpu->proc, a[0]);
	struct statfs sf;

	if (!f)
		return -EBADF;
	if (f->dev) {
		dev_statfs(&sf);
		return vmm_mem_copy_to_user(cpu->mem, a[1], &sf, sizeof(sf));
	}
	if (fstatfs(f->host, &sf) < 0)
		return -errno;
	if (f->tree && !f->tree->writable)
		sf.f_flags |= ST_RDONLY;
	return vmm_mem_copy_to_user(cpu->mem, a[1], &sf, sizeof(sf));
}
