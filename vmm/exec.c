/* SPDX-License-Identifier: MIT */
/*
 * exec.c - execve and execveat: a new program in the same process.
 *
 * The VMM copies the call's path, argv and envp out of guest memory,
 * opens the program beneath its tree as any other path (a file outside
 * every tree is ENOENT, one a walk would leave a tree by is EACCES),
 * checks it as Linux would (a regular file with an execute bit, else
 * EACCES), follows "#!" lines to an interpreter (four at most, as
 * Linux), parses the ELF and, for a dynamic one, finds and reads its
 * PT_INTERP interpreter beneath the trees too.  Only then, when nothing can fail but
 * memory, does it empty the VM and load the new program in it
 * (vmm_exec_image).  The process keeps its pid, descriptors without
 * O_CLOEXEC, working directory, blocked signals and ignored signals, its
 * interval timers and limits; POSIX timers go, as on Linux.
 *
 * "/proc/self/exe" is the program the process runs (busybox re-runs
 * itself by that name); no other /proc path exists in the sandbox.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vmm.h"

#define EXEC_PATH_MAX	4096		/* PATH_MAX */
#define EXEC_STRINGS_MAX (1 << 20)	/* argv and envp, bytes with NULs */
#define EXEC_MAX_SCRIPTS 4		/* "#!" within "#!": Linux's depth */
#define SCRIPT_LINE_MAX	256		/* Linux's BINPRM_BUF_SIZE */
#define SELF_EXE	"/proc/self/exe"

/* A vector of strings copied from the guest, or made here. */
struct strv {
	int n, cap;
	char **v;			/* n strings, then NULL */
	size_t bytes;			/* all of them, with their NULs */
};

static void strv_free(struct strv *s)
{
	for (int i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* Add str (taken; NULL: out of memory) at index at (the end: s->n). */
static int strv_insert(struct strv *s, int at, char *str)
{
	size_t len;

	if (!str)
		return -ENOMEM;
	len = strlen(str) + 1;
	if (s->bytes + len > EXEC_STRINGS_MAX) {
		free(str);
		return -E2BIG;
	}
	if (s->n + 2 > s->cap) {
		int cap = s->cap ? s->cap * 2 : 16;
		char **v = realloc(s->v, (size_t)cap * sizeof(*v));

		if (!v) {
			free(str);
			return -ENOMEM;
		}
		s->v = v;
		s->cap = cap;
	}
	memmove(&s->v[at + 1], &s->v[at], (size_t)(s->n - at) * sizeof(*s->v));
	s->v[at] = str;
	s->n++;
	s->v[s->n] = NULL;
	s->bytes += len;
	return 0;
}

/* The NUL-terminated guest string at gva, at most max bytes with its NUL
 * (-E2BIG past: for argv and envp, as Linux; -ENAMETOOLONG for a path). */
static char *get_string(struct vmm_vcpu *cpu, uint64_t gva, size_t max, int *err)
{
	char *buf = malloc(max);
	size_t n = 0;

	if (!buf) {
		*err = -ENOMEM;
		return NULL;
	}
	while (n < max) {
		size_t chunk = LSTAR_PAGE_SIZE - ((gva + n) & (LSTAR_PAGE_SIZE - 1));
		const char *nul;

		if (chunk > max - n)
			chunk = max - n;
		if (gva + n < gva || vmm_mem_copy_from_user(cpu->mem, buf + n, gva + n, chunk)) {
			free(buf);
			*err = -EFAULT;
			return NULL;
		}
		if ((nul = memchr(buf + n, '\0', chunk)))
			return buf;
		n += chunk;
	}
	free(buf);
	*err = -E2BIG;
	return NULL;
}

/* Copy the NULL-terminated vector of strings at gva (0: none). */
static int get_strv(struct vmm_vcpu *cpu, uint64_t gva, struct strv *s, size_t *total)
{
	for (uint64_t i = 0; gva; i++) {
		uint64_t p;
		char *str;
		int err = 0;

		if (vmm_mem_copy_from_user(cpu->mem, &p, gva + i * 8, sizeof(p)))
			return -EFAULT;
		if (!p)
			break;
		if (!(str = get_string(cpu, p, EXEC_STRINGS_MAX - *total, &err)))
			return err;
		*total += strlen(str) + 1;
		if ((err = strv_insert(s, s->n, str)))
			return err;
	}
	return 0;
}

/*
 * The program's file, opened read-only: "/proc/self/exe", the descriptor
 * itself (execveat with AT_EMPTY_PATH and ""), or a path beneath a tree.
 */
static int open_program(struct vmm_vcpu *cpu, int dirfd, const char *path, int flags)
{
	int host, fd;

	if (!strcmp(path, SELF_EXE)) {
		if ((host = cpu->proc->exe_fd) < 0)
			return -ENOENT;
	} else if (!*path && (flags & AT_EMPTY_PATH)) {
		if (dirfd == AT_FDCWD)
			return -EACCES;		/* the working directory */
		if ((host = vmm_fd_host(cpu->proc, (uint64_t)(unsigned int)dirfd)) < 0)
			return host;
		if (vmm_fd_get(cpu->proc, (uint64_t)(unsigned int)dirfd)->dev)
			return -EACCES;		/* a device: no regular file */
	} else {
		return vmm_fs_open_exec(cpu, dirfd, path, flags & AT_SYMLINK_NOFOLLOW);
	}
	fd = fcntl(host, F_DUPFD_CLOEXEC, 0);
	return fd < 0 ? -errno : fd;
}

/* Linux's checks of the file: a regular file with an execute bit.  0
 * and its size, or -errno. */
static int check_file(int fd, uint64_t *size)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode) || !S_ISREG(st.st_mode) || !(st.st_mode & 0111))
		return -EACCES;
	*size = (uint64_t)st.st_size;
	return 0;
}

/*
 * A "#!" line: the interpreter and its one optional argument (the rest of
 * the line, blanks trimmed), as Linux's binfmt_script reads them.  The
 * interpreter goes first in argv, then the argument, then the script as
 * execve named it, in place of argv[0].  0, -ENOEXEC (no interpreter).
 */
static int take_script(const char *file, size_t size, const char *path, struct strv *argv,
		       char **interp)
{
	char line[SCRIPT_LINE_MAX];
	size_t n = size < sizeof(line) - 1 ? size : sizeof(line) - 1;
	char *p, *end, *arg = NULL;
	int err;

	memcpy(line, file, n);
	line[n] = '\0';
	if ((end = strchr(line, '\n')))
		*end = '\0';
	for (p = line + 2; *p == ' ' || *p == '\t'; p++)
		;
	if (!*p)
		return -ENOEXEC;
	for (end = p; *end && *end != ' ' && *end != '\t'; end++)
		;
	if (*end) {
		*end++ = '\0';
		while (*end == ' ' || *end == '\t')
			end++;
		if (*end) {
			char *t = end + strlen(end);

			while (t > end && (t[-1] == ' ' || t[-1] == '\t'))
				*--t = '\0';
			arg = end;
		}
	}
	if (!(*interp = strdup(p)))
		return -ENOMEM;
	if (argv->n > 0) {		/* argv[0] gives way to the script's path */
		argv->bytes -= strlen(argv->v[0]) + 1;
		free(argv->v[0]);
		memmove(&argv->v[0], &argv->v[1], (size_t)argv->n * sizeof(*argv->v));
		argv->n--;
	}
	if ((err = strv_insert(argv, 0, strdup(path))) ||
	    (arg && (err = strv_insert(argv, 0, strdup(arg)))) ||
	    (err = strv_insert(argv, 0, strdup(p))))
		return err;
	return 0;
}

/* The request: what the program will be, found and read. */
struct exec_req {
	char *path;			/* the program as named last (argv's or an
					 * interpreter's) */
	struct strv argv, envp;
	struct vmm_image img;		/* its fd is fd's */
	int fd;				/* the program's file */
};

#define EXEC_REQ_INIT	{ .img = VMM_IMAGE_INIT, .fd = -1 }

static void req_free(struct exec_req *r)
{
	free(r->path);
	strv_free(&r->argv);
	strv_free(&r->envp);
	vmm_image_release(&r->img);
	if (r->fd >= 0)
		close(r->fd);
}

static int find_file(struct vmm_vcpu *cpu, int dirfd, int flags, struct exec_req *r);

/* Find, check and read the program named by the call's arguments a. */
static int find_program(struct vmm_vcpu *cpu, uint64_t nr, const uint64_t *a, struct exec_req *r)
{
	int dirfd = AT_FDCWD, flags = 0, err = 0;
	uint64_t path_gva = a[0], argv_gva = a[1], envp_gva = a[2];
	size_t total = 0;

	if (nr == SYS_execveat) {
		dirfd = (int)a[0];
		path_gva = a[1];
		argv_gva = a[2];
		envp_gva = a[3];
		flags = (int)a[4];
		if (flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
			return -EINVAL;
	}
	if (!(r->path = get_string(cpu, path_gva, EXEC_PATH_MAX, &err)))
		return err == -E2BIG ? -ENAMETOOLONG : err;
	if ((err = get_strv(cpu, argv_gva, &r->argv, &total)) ||
	    (err = get_strv(cpu, envp_gva, &r->envp, &total)))
		return err;
	return find_file(cpu, dirfd, flags, r);
}

/* Open and check r->path (from dirfd), following "#!" lines; for a
 * dynamic program, its interpreter too. */
static int find_file(struct vmm_vcpu *cpu, int dirfd, int flags, struct exec_req *r)
{
	char head[SCRIPT_LINE_MAX], why[512];
	ssize_t n = 0;
	int err;

	for (int depth = 0;; depth++) {
		char *interp = NULL;

		if ((r->fd = open_program(cpu, dirfd, r->path, flags)) < 0) {
			err = r->fd;
			r->fd = -1;
			return err;
		}
		if ((err = check_file(r->fd, &r->img.size)))
			return err;
		r->img.fd = r->fd;
		/* What the file is, told by its first bytes, as Linux's
		 * binfmt handlers are. */
		if ((n = pread(r->fd, head, sizeof(head), 0)) < 0)
			return -errno;
		if (n < 2 || memcmp(head, "#!", 2))
			break;
		if (depth == EXEC_MAX_SCRIPTS)
			return -ELOOP;
		if ((err = take_script(head, (size_t)n, r->path, &r->argv, &interp)))
			return err;
		/* The interpreter is looked up from the working directory,
		 * as the path it is, whatever execveat's arguments were. */
		free(r->path);
		r->path = interp;
		close(r->fd);
		r->fd = r->img.fd = -1;
		dirfd = AT_FDCWD;
		flags = 0;
	}
	if (vmm_image_check(&r->img, why, sizeof(why))) {
		/* A bad ELF is worth a word; any other file is just not a
		 * program (a shell then runs it as a script). */
		if (n >= 4 && !memcmp(head, "\177ELF", 4))
			vmm_err("%s: %s", r->path, why);
		return -ENOEXEC;
	}
	/* A dynamic program's interpreter, beneath the trees as any path:
	 * Linux's errors (ENOENT when it is missing, ELIBBAD when it is no
	 * interpreter), and a word on why. */
	if ((err = vmm_image_interp(cpu, &r->img, why, sizeof(why))))
		vmm_err("%s: %s", r->path, why);
	return err;
}

int64_t vmm_exec(struct vmm_vcpu *cpu, const struct lstar_hc_exec *x)
{
	struct vmm *vmm = cpu->vmm;
	uint64_t args[6] = { x->args[0], x->args[1], x->args[2], x->args[3], x->args[4], 0 };
	struct vmm_call c = { .nr = x->nr, .args = args };
	struct exec_req r = EXEC_REQ_INIT;
	uint64_t a[6];
	int err;

	if (x->nr != SYS_execve && x->nr != SYS_execveat)
		return -ENOSYS;		/* a shim that asks for nothing else */
	if (!vmm_call_decide(cpu, &c, a))
		goto done;
	cpu->call = &c;
	c.ret = find_program(cpu, x->nr, a, &r);
	cpu->call = NULL;
	if (c.ret)
		goto done;
	/* Good: the other threads end first (the shim tells them, then
	 * asks again), as Linux's de_thread.  The first ask is no call of
	 * the program's own: nothing is observed. */
	if (!vmm_threads_alone(cpu, x->alone)) {
		if (!x->alone) {
			req_free(&r);
			return LSTAR_EXEC_ALONE;
		}
		vmm_err("execve: the process's other threads did not end");
		c.ret = -EAGAIN;
		goto done;
	}

	/* The call succeeds: its record is made while its arguments can
	 * still be read. */
	c.ret = 0;
	vmm_call_complete(cpu, &c);
	vmm_fd_close_on_exec(cpu->proc);
	vmm_timer_exec(cpu->proc);
	if (cpu->proc->exe_fd >= 0)
		close(cpu->proc->exe_fd);
	cpu->proc->exe_fd = r.fd;
	r.fd = -1;
	if (vmm->procs) {
		vmm_procs_lock(vmm->procs);
		vmm->me->execed = true;
		/* An ignored SIGCHLD stays ignored; SA_NOCLDWAIT goes with the
		 * handler it came with. */
		vmm->me->reaps = x->sig_ignored & (1ULL << (SIGCHLD - 1));
		vmm_procs_unlock(vmm->procs);
		atomic_store(&vmm->me->vfork_done, 1);
		syscall(SYS_futex, &vmm->me->vfork_done, FUTEX_WAKE, INT32_MAX, NULL, NULL, 0);
	}
	r.img.program = r.path;
	r.img.argc = r.argv.n;
	r.img.argv = r.argv.v;
	r.img.envc = r.envp.n;
	r.img.envp = r.envp.v;
	r.img.pid = vmm->me ? vmm->me->pid : LSTAR_GUEST_PID;
	r.img.ppid = vmm->me ? vmm->me->ppid : LSTAR_GUEST_PPID;
	r.img.sig_blocked = x->sig_blocked;
	r.img.sig_ignored = x->sig_ignored;
	/* The thread that called is the process's only one, under its
	 * pid, as after Linux's de_thread. */
	vmm_procs_thread(vmm, cpu->index, r.img.pid);
	if ((err = vmm_exec_image(cpu, &r.img))) {
		/* Past the point of no return, as Linux: the process dies. */
		vmm_err("%s: cannot start after execve: %s", r.path, vmm_load_error(err));
		vmm->killed_by = SIGKILL;
		vmm->status = 128 + SIGKILL;
		vmm->done = true;
	}
	req_free(&r);
	return VMM_EXEC_DONE;
done:
	vmm_call_complete(cpu, &c);
	req_free(&r);
	return c.ret;
}

/* The PATH a bare program name is searched along when the environment
 * has none (execvp's, and what container images set). */
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/*
 * The program named argv[0] found as execvp finds it, for a program
 * started from outside the sandbox (lstar run --inside, lstar exec): a
 * name with a '/' from the working directory; a bare name in each
 * directory of envp's PATH in turn, on past the ones that lack it or deny
 * it (EACCES then, if one did), never past a file that is there but bad.
 * r->path, r->argv (as "#!" lines make it) and r->img are the one found;
 * r->envp is left as it is.
 */
static int find_along_path(struct vmm_vcpu *cpu, char *const argv[], char *const envp[],
			   struct exec_req *r)
{
	const char *path = DEFAULT_PATH, *name = argv[0];
	bool bare = !strchr(name, '/'), denied = false;
	int err = -ENOENT;

	for (int i = 0; envp[i]; i++)
		if (!strncmp(envp[i], "PATH=", 5))
			path = envp[i] + 5;
	for (const char *dir = path; dir;) {
		const char *end = strchrnul(dir, ':');

		/* Each try starts afresh: a "#!" line rewrote argv. */
		strv_free(&r->argv);
		free(r->path);
		vmm_image_release(&r->img);
		r->img = (struct vmm_image)VMM_IMAGE_INIT;
		r->path = NULL;
		if (r->fd >= 0)
			close(r->fd);
		r->fd = -1;
		for (int i = 0; argv[i]; i++)
			if ((err = strv_insert(&r->argv, r->argv.n, strdup(argv[i]))))
				return err;
		if (!bare)
			r->path = strdup(name);
		else if (asprintf(&r->path, "%.*s%s%s", (int)(end - dir), dir,
				  end > dir ? "/" : "", name) < 0)
			r->path = NULL;
		if (!r->path)
			return -ENOMEM;
		err = find_file(cpu, AT_FDCWD, 0, r);
		if (!bare || (err != -ENOENT && err != -ENOTDIR && err != -EACCES))
			break;
		denied |= err == -EACCES;
		dir = *end ? end + 1 : NULL;
	}
	return err == -ENOENT && denied ? -EACCES : err;
}

int vmm_exec_first(struct vmm_vcpu *cpu, struct vmm_image *img, int *fd, struct exec_req **hold)
{
	struct exec_req *r = calloc(1, sizeof(*r));
	int err;

	*hold = r;
	if (!r)
		return -ENOMEM;
	*r = (struct exec_req)EXEC_REQ_INIT;
	if ((err = find_along_path(cpu, img->argv, img->envp, r)))
		return err;
	img->program = r->path;
	img->fd = r->img.fd;
	img->size = r->img.size;
	img->elf = r->img.elf;
	img->interp_fd = r->img.interp_fd;
	img->interp_size = r->img.interp_size;
	img->interp_elf = r->img.interp_elf;
	img->argc = r->argv.n;
	img->argv = r->argv.v;
	r->img.interp_fd = -1;		/* img's now, closed with it */
	*fd = r->fd;			/* the caller's now: img borrows it */
	r->fd = -1;
	return 0;
}

void vmm_exec_first_free(struct exec_req *hold)
{
	if (hold)
		req_free(hold);
	free(hold);
}

int vmm_exec_spawn(struct vmm_vcpu *cpu, char *const argv[], char *const envp[])
{
	struct vmm *vmm = cpu->vmm;
	struct exec_req r = EXEC_REQ_INIT;
	int err = 0;

	/* The strings were checked against execve's limits already
	 * (spawn.c); strv_insert keeps to them again. */
	for (int i = 0; envp[i] && !err; i++)
		err = strv_insert(&r.envp, r.envp.n, strdup(envp[i]));
	if (!err && !r.envp.v && !(r.envp.v = calloc(1, sizeof(char *))))
		err = -ENOMEM;
	if (err || (err = find_along_path(cpu, argv, envp, &r)))
		goto out;
	if (cpu->proc->exe_fd >= 0)
		close(cpu->proc->exe_fd);
	cpu->proc->exe_fd = r.fd;
	r.fd = -1;
	r.img.program = r.path;
	r.img.argc = r.argv.n;
	r.img.argv = r.argv.v;
	r.img.envc = r.envp.n;
	r.img.envp = r.envp.v;
	r.img.pid = vmm->me->pid;
	r.img.ppid = vmm->me->ppid;
	if ((err = vmm_exec_image(cpu, &r.img)) == -ENOMEM)
		vmm_err("%s: does not fit in --mem", r.path);
out:
	req_free(&r);
	return err;
}
