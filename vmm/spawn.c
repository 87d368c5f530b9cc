/* SPDX-License-Identifier: MIT */
/*
 * spawn.c - the exec socket: a program started in a running sandbox
 * (lstar run --exec-socket PATH; the client is lstar exec, exec_client.c;
 * what they say to each other is include/lstar_exec.h).
 *
 * A new process of the sandbox needs a VMM of its own that is confined
 * as the first is and shares the book (procs.c).  Forking the first VMM
 * once it runs would copy a process of many threads, whose locks (the
 * VMM's, malloc's) another thread may hold at that instant; so the
 * first VMM forks the one process that starts the others before it has
 * any thread: once it has made its VM, compiled the policy, opened the
 * trees, made the book and confined itself, and before the program's
 * first instruction.  That process, the spawner, holds the listening
 * socket and does nothing but accept: for each connection from lstar's
 * user, while fewer than SPAWN_PENDING_MAX are being read, it forks a
 * reader, which reads the request (a hostile request ends only it),
 * forks again and ends, so that the process's VMM is an orphan taken in
 * by the first VMM, the sandbox's subreaper, as every other VMM of the
 * sandbox is its child or orphan (reap_hosts in procs.c then notices its
 * death as any other's).  That VMM joins the book, makes a new VM over
 * its own copy of the memory and loads the program as execve does: a
 * clean process, whose descriptors are only the three the client sent
 * (the VMM's own 0, 1 and 2, as lstar run's are the first program's).
 *
 * Nothing is added to the seccomp filter: accept4, recvmsg, getsockopt,
 * setsockopt and sendmsg answer the program's socket calls already,
 * fork and KVM_CREATE_VM its forks (confine.c).  The socket itself is
 * made before confinement, mode 0600; the peer's uid must be the one
 * lstar started as (before any --host-user), and no program of the
 * sandbox may connect to it (fs.c).  Landlock forbids a confined VMM to
 * remove it, so a helper forked before confinement, which holds nothing
 * but the sandbox's life line and the socket's directory, removes it
 * when the life line closes: when the first VMM ends, however it ends.  It is forked before
 * --host-user takes effect and keeps lstar's identity: the socket is
 * made by lstar's user, in a directory that may be only root's.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lstar_exec.h"
#include "vmm.h"

/* How long a client has to send its request once connected. */
#define SPAWN_REQUEST_SECONDS	10
/* How many connections may be read at once (each by a process). */
#define SPAWN_PENDING_MAX	16

/* --- the socket and its removal --------------------------------------------- */

/*
 * The helper that removes the socket: it waits for the life line (whose
 * write end only the first VMM holds) to close, and removes the name
 * only if it still is the socket lstar made (not a file someone put in
 * its place since).
 */
static _Noreturn void remove_at_end(int lifeline, int dirfd, const char *name,
				    const struct stat *made)
{
	struct pollfd p = { .fd = lifeline, .events = POLLIN };
	struct stat st;
	char c;

	/* A terminal's ^C is the program's, not this helper's. */
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_IGN);
	for (;;) {
		ssize_t n;

		poll(&p, 1, -1);
		n = read(lifeline, &c, 1);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			break;
	}
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISSOCK(st.st_mode) &&
	    st.st_dev == made->st_dev && st.st_ino == made->st_ino)
		unlinkat(dirfd, name, 0);
	_exit(0);
}

int vmm_spawn_socket_dir(const char *path, const char **name)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd;

	if (!slash) {
		*name = path;
		snprintf(dir, sizeof(dir), ".");
	} else {
		*name = slash + 1;
		/* "/s": the root */
		snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	}
	if (!**name)
		return -EISDIR;
	if (strlen(path) >= sizeof(dir))
		return -ENAMETOOLONG;
	fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int vmm_spawn_socket_addr(const char *path, int dirfd, const char *name, struct sockaddr_un *sa)
{
	int n;

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) < sizeof(sa->sun_path)) {
		strcpy(sa->sun_path, path);
		return 0;
	}
	/* Too long for sun_path (lstar-oci's state directory with a long
	 * container id): the same socket through the directory already
	 * open, which the kernel resolves as any path. */
	n = snprintf(sa->sun_path, sizeof(sa->sun_path), "/proc/self/fd/%d/%s", dirfd, name);
	return n < 0 || (size_t)n >= sizeof(sa->sun_path) ? -ENAMETOOLONG : 0;
}

/* The temporary name tmp, beside name in path's directory, as an address
 * (through the directory when the path would be too long). */
static int tmp_addr(const char *path, const char *name, int dirfd, const char *tmp,
		    struct sockaddr_un *sa)
{
	char full[PATH_MAX];

	if (snprintf(full, sizeof(full), "%.*s%s", (int)(name - path), path, tmp) >= (int)sizeof(full))
		return -ENAMETOOLONG;
	return vmm_spawn_socket_addr(full, dirfd, tmp, sa);
}

int vmm_spawn_open(struct vmm *vmm)
{
	const char *path = vmm->opt->exec_socket;
	struct sockaddr_un sa;
	char tmp[32];
	const char *name;
	struct stat made;
	int fd, dirfd, err;
	mode_t old;
	pid_t pid;

	if (!path)
		return 0;
	if ((dirfd = vmm_spawn_socket_dir(path, &name)) < 0) {
		if (dirfd == -EISDIR)
			vmm_err("--exec-socket %s: names a directory", path);
		else
			vmm_err("--exec-socket %s: its directory: %s", path, strerror(-dirfd));
		return dirfd;
	}
	/* Bound under a name of its own, listening, and only then renamed
	 * to PATH (never over a file there): whoever sees PATH can connect
	 * at once, with no moment when it exists but refuses. */
	snprintf(tmp, sizeof(tmp), ".lstar-exec-%d", (int)getpid());
	if ((err = vmm_spawn_socket_addr(path, dirfd, name, &sa)) ||
	    (err = tmp_addr(path, name, dirfd, tmp, &sa))) {
		vmm_err("--exec-socket %s: the name %s is too long (a socket's path, "
			"reached through its directory, has at most %zu bytes)", path, name,
			sizeof(sa.sun_path) - 1);
		goto out_dir;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0) {
		err = -errno;
		vmm_err("--exec-socket %s: %s", path, strerror(errno));
		goto out_dir;
	}
	/* Made 0600 from the start: there is no moment when another user
	 * could connect. */
	old = umask(0177);
	unlinkat(dirfd, tmp, 0);	/* a crashed run's, of this very pid */
	err = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? -errno : 0;
	umask(old);
	if (err) {
		vmm_err("--exec-socket %s: %s", path, strerror(-err));
		goto out_sock;
	}
	if ((err = listen(fd, 16) < 0 ? -errno : 0) ||
	    (err = renameat2(dirfd, tmp, dirfd, name, RENAME_NOREPLACE) < 0 ? -errno : 0)) {
		unlinkat(dirfd, tmp, 0);
		if (err == -EEXIST)
			vmm_err("--exec-socket %s: exists already (another sandbox's, or "
				"left behind: remove it first)", path);
		else
			vmm_err("--exec-socket %s: %s", path, strerror(-err));
		goto out_sock;
	}
	if ((err = fstatat(dirfd, name, &made, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0))
		goto out_made;
	vmm->exec_bound = true;
	vmm->exec_dev = made.st_dev;
	vmm->exec_ino = made.st_ino;
	/* The remover: forked now, while the first VMM has one thread and
	 * may still remove files (it is not confined). */
	fflush(NULL);
	if ((pid = fork()) < 0) {
		err = -errno;
		goto out_made;
	}
	if (pid == 0) {
		int keep[2] = { vmm->lifeline[0], dirfd };

		if (keep[0] > keep[1]) {
			keep[0] = dirfd;
			keep[1] = vmm->lifeline[0];
		}
		close_range(0, keep[0] - 1, 0);
		close_range(keep[0] + 1, keep[1] - 1, 0);
		close_range(keep[1] + 1, ~0U, 0);
		remove_at_end(vmm->lifeline[0], dirfd, name, &made);
	}
	close(dirfd);
	vmm->exec_listen = fd;
	return 0;

out_made:
	vmm_err("--exec-socket %s: %s", path, strerror(-err));
	unlinkat(dirfd, name, 0);
out_sock:
	close(fd);
out_dir:
	close(dirfd);
	return err;
}

/* --- one process, started from a connection ------------------------------------ */

/* What a connection asked for, checked (kept for the VMM's life). */
struct spawn_req {
	char *strings;			/* the request's strings, which these
					 * point into */
	const char *cwd;		/* NULL: the sandbox's start directory */
	char **argv, **envp;		/* NULL-terminated */
};

static void send_msg(int conn, uint16_t kind, int32_t value, int32_t aux, const char *text)
{
	struct lstar_exec_msg m = {
		.magic = LSTAR_EXEC_MAGIC, .version = LSTAR_EXEC_VERSION,
		.kind = kind, .value = value, .aux = aux,
	};

	if (text)
		snprintf(m.text, sizeof(m.text), "%s", text);
	/* A client that has gone: nothing to tell (SIGPIPE is ignored; write,
	 * as the filter allows for lstar's reports). */
	(void)!write(conn, &m, sizeof(m));
}

/* The request cannot be served: say why (err, and lstar exec's status)
 * and end this VMM.  A process that joined the book leaves it. */
static _Noreturn void refuse(struct vmm *vmm, int err, int status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static _Noreturn void refuse(struct vmm *vmm, int err, int status, const char *fmt, ...)
{
	char why[112];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	send_msg(vmm->exec_conn, LSTAR_EXEC_REFUSED, -err, status, why);
	if (vmm->child) {
		vmm->exit_code = status;
		vmm_procs_exit(vmm);
	}
	_exit(0);
}

/* Read exactly len bytes (the socket's receive timeout bounds each
 * wait); 0, or -errno (-EPIPE: the connection closed first). */
static int read_full(int fd, void *buf, size_t len)
{
	for (size_t got = 0; got < len;) {
		ssize_t n = read(fd, (char *)buf + got, len - got);

		if (n == 0)
			return -EPIPE;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		got += (size_t)n;
	}
	return 0;
}

/*
 * The header and its descriptors.  Descriptors 0, 1 and 2 are closed
 * first, so that the three the kernel installs (lowest free first, in
 * order) are the VMM's 0, 1 and 2: the program's standard streams, as
 * lstar's own are in lstar run, with no dup the filter would have to
 * allow.  Any other count is refused, every descriptor received closed.
 */
static void read_header(struct vmm *vmm, struct lstar_exec_request *h)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(8 * sizeof(int))];
	} ctl;
	struct iovec iov = { .iov_base = h, .iov_len = sizeof(*h) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	int fds[8], nfds = 0, err;
	ssize_t n;

	close(0);
	close(1);
	close(2);
	do
		n = recvmsg(vmm->exec_conn, &msg, 0);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		refuse(vmm, n < 0 ? -errno : -EPIPE, LSTAR_EXIT_FAILURE, "no request");
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		size_t len;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
		    c->cmsg_len < CMSG_LEN(0))
			continue;
		len = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < len && nfds < 8; i++)
			memcpy(&fds[nfds++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
	}
	if ((msg.msg_flags & MSG_CTRUNC) || nfds != 3 || fds[0] != 0 || fds[1] != 1 ||
	    fds[2] != 2) {
		for (int i = 0; i < nfds; i++)
			close(fds[i]);
		refuse(vmm, -EINVAL, LSTAR_EXIT_FAILURE,
		       "a request comes with exactly 3 descriptors (stdin, stdout, stderr)%s",
		       msg.msg_flags & MSG_CTRUNC ? "; it had more than 8" : "");
	}
	/* The header may come in parts; the rest carries no descriptor (a
	 * read drops any that come along). */
	if ((size_t)n < sizeof(*h) &&
	    (err = read_full(vmm->exec_conn, (char *)h + n, sizeof(*h) - (size_t)n)))
		refuse(vmm, err, LSTAR_EXIT_FAILURE, "the request ended early");
}

/* The next NUL-terminated string of at most max bytes (with its NUL) in
 * [*at, end), or NULL. */
static char *next_string(char **at, const char *end, size_t max)
{
	char *s = *at, *nul;
	size_t room = (size_t)(end - s);

	if (!(nul = memchr(s, '\0', room < max ? room : max)))
		return NULL;
	*at = nul + 1;
	return s;
}

/* The whole request, every length checked before it is used. */
static void read_request(struct vmm *vmm, struct spawn_req *r)
{
	struct lstar_exec_request h;
	struct timeval tv = { SPAWN_REQUEST_SECONDS, 0 };
	char *at, *end;
	int err;

	/* A client that connects and says nothing ties up only this VMM,
	 * and only so long. */
	setsockopt(vmm->exec_conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	read_header(vmm, &h);
	if (h.magic != LSTAR_EXEC_MAGIC)
		refuse(vmm, -EPROTO, LSTAR_EXIT_FAILURE, "not an lstar exec request");
	if (h.version != LSTAR_EXEC_VERSION || h.flags)
		refuse(vmm, -EPROTO, LSTAR_EXIT_FAILURE,
		       "request version %u flags %#x: this lstar speaks version %d",
		       h.version, h.flags, LSTAR_EXEC_VERSION);
	/* Each string has its NUL: argc + envc strings take as many bytes
	 * at least (64 bits: no wrap). */
	if (h.argc < 1 || h.cwd_len > LSTAR_EXEC_CWD_MAX || h.cwd_len == 1 ||
	    h.strings_len > LSTAR_EXEC_STRINGS_MAX + LSTAR_EXEC_CWD_MAX ||
	    (uint64_t)h.argc + h.envc + h.cwd_len > h.strings_len ||
	    h.strings_len - h.cwd_len > LSTAR_EXEC_STRINGS_MAX)
		refuse(vmm, -E2BIG, LSTAR_EXIT_FAILURE,
		       "bad lengths (argc %u, envc %u, cwd %u, strings %u bytes; at most %u)",
		       h.argc, h.envc, h.cwd_len, h.strings_len, LSTAR_EXEC_STRINGS_MAX);
	r->strings = malloc(h.strings_len ? h.strings_len : 1);
	r->argv = calloc((size_t)h.argc + 1, sizeof(char *));
	r->envp = calloc((size_t)h.envc + 1, sizeof(char *));
	if (!r->strings || !r->argv || !r->envp)
		refuse(vmm, -ENOMEM, LSTAR_EXIT_FAILURE, "out of memory");
	if ((err = read_full(vmm->exec_conn, r->strings, h.strings_len)))
		refuse(vmm, err, LSTAR_EXIT_FAILURE, "the request ended early");
	at = r->strings;
	end = r->strings + h.strings_len;
	if (h.cwd_len) {
		if (at[h.cwd_len - 1] != '\0' || strlen(at) != h.cwd_len - 1)
			refuse(vmm, -EINVAL, LSTAR_EXIT_FAILURE, "the working directory is no string");
		r->cwd = at;
		at += h.cwd_len;
	}
	for (uint32_t i = 0; i < h.argc; i++)
		if (!(r->argv[i] = next_string(&at, end, LSTAR_EXEC_STRING_MAX)))
			refuse(vmm, -E2BIG, LSTAR_EXIT_FAILURE,
			       "argument %u is no string of at most %u bytes", i,
			       LSTAR_EXEC_STRING_MAX);
	for (uint32_t i = 0; i < h.envc; i++) {
		if (!(r->envp[i] = next_string(&at, end, LSTAR_EXEC_STRING_MAX)))
			refuse(vmm, -E2BIG, LSTAR_EXIT_FAILURE,
			       "environment string %u is no string of at most %u bytes", i,
			       LSTAR_EXEC_STRING_MAX);
		if (r->envp[i][0] == '=' || !strchr(r->envp[i], '='))
			refuse(vmm, -EINVAL, LSTAR_EXIT_FAILURE,
			       "environment string %u is not NAME=VALUE", i);
	}
	if (at != end)
		refuse(vmm, -EINVAL, LSTAR_EXIT_FAILURE, "%zu bytes past the strings",
		       (size_t)(end - at));
	if (!r->argv[0][0])
		refuse(vmm, -ENOENT, 127, "no program named");
}

/* The client's messages once the process runs: signals for it, sent as
 * from outside the sandbox (pid 0, as a signal to lstar run is).  The
 * connection closing, or anything else on it, ends only this listening:
 * the process goes on. */
static void *take_signals(void *arg)
{
	struct vmm *vmm = arg;
	struct lstar_exec_msg m;

	while (read_full(vmm->exec_conn, &m, sizeof(m)) == 0) {
		struct lstar_hc_event ev = {
			.signo = m.value, .code = SI_USER, .pid = 0, .uid = LSTAR_NOBODY,
		};

		if (m.magic != LSTAR_EXEC_MAGIC || m.version != LSTAR_EXEC_VERSION ||
		    m.kind != LSTAR_EXEC_SIGNAL || m.value < 1 || m.value > LSTAR_NSIG)
			break;
		vmm_procs_lock(vmm->procs);
		vmm_procs_mail(vmm->procs, vmm->me, &ev);
		vmm_procs_unlock(vmm->procs);
	}
	return NULL;
}

/* lstar exec's status for a program that could not start. */
static int start_status(int err)
{
	if (err == -ENOENT || err == -ENOTDIR)
		return 127;		/* as a shell: not found */
	if (err == -EACCES || err == -ENOEXEC || err == -ELIBBAD || err == -EISDIR)
		return 126;		/* found, cannot be run */
	return LSTAR_EXIT_FAILURE;
}

/* The VMM of a new process, for the request r read from its connection
 * (vmm->exec_conn): never returns. */
static _Noreturn void spawned(struct vmm *vmm, struct spawn_req r)
{
	struct timeval none = { 0, 0 };
	struct vmm_options *opt;
	struct vmm_vcpu *cpu = &vmm->vcpu[0];
	int conn = vmm->exec_conn;
	pthread_t t;
	int err;

	/* Its own name in lstar's messages. */
	if (!(opt = malloc(sizeof(*opt))))
		refuse(vmm, -ENOMEM, LSTAR_EXIT_FAILURE, "out of memory");
	*opt = *vmm->opt;
	opt->program = r.argv[0];
	vmm->opt = opt;
	if ((err = vmm_procs_join(vmm)))
		refuse(vmm, err, err == -ESRCH ? LSTAR_EXEC_ENDED_STATUS : LSTAR_EXIT_FAILURE,
		       err == -ESRCH ? "the sandbox is ending" :
		       "the sandbox has as many processes as its policy allows");
	vmm_signal_forked();
	vmm_learn_forked(vmm);
	vmm_stats_forked(vmm);
	if ((err = vmm_procs_new_vm(vmm, cpu->index)))
		refuse(vmm, err, LSTAR_EXIT_FAILURE, "cannot make a VM: %s", strerror(-err));
	if (r.cwd && (err = vmm_fs_chdir(cpu, r.cwd)))
		refuse(vmm, err, start_status(err), "--cwd %s: %s", r.cwd, strerror(-err));
	if ((err = vmm_exec_spawn(cpu, r.argv, r.envp)))
		refuse(vmm, err, start_status(err), "%s: %s", r.argv[0], strerror(-err));
	/* Running: signals from the client may come whenever they like. */
	setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof(none));
	vmm_signal_kick_target(vmm);
	atomic_store(&cpu->state, VMM_VCPU_RUNNING);
	if ((err = vmm_procs_watch(vmm)) || (err = -pthread_create(&t, NULL, take_signals, vmm))) {
		vmm_err("%s: cannot start: %s", r.argv[0], strerror(-err));
		vmm->killed_by = SIGKILL;
		vmm_procs_exit(vmm);
		_exit(0);	/* the client sees no status: 137 */
	}
	pthread_detach(t);
	send_msg(conn, LSTAR_EXEC_STARTED, vmm->me->pid, getpid(), NULL);
	vmm_vcpu_loop(cpu);
	vmm_child_end(vmm);	/* the loop's own end calls it already */
}

/* --- the spawner ---------------------------------------------------------------- */

/* The reader of one connection: the request read and checked (a client
 * that says nothing, or something wrong, ends here, SPAWN_REQUEST_SECONDS
 * at most), then forked once more and left: the first VMM takes the new
 * VMM in, as it does every other. */
static _Noreturn void read_and_start(struct vmm *vmm, int conn)
{
	struct spawn_req r = { 0 };
	pid_t pid;

	close(vmm->exec_listen);
	vmm->exec_listen = -1;
	vmm->exec_conn = conn;
	read_request(vmm, &r);
	if ((pid = fork()) == 0)
		spawned(vmm, r);
	if (pid < 0)
		refuse(vmm, -errno, LSTAR_EXIT_FAILURE, "cannot start a VMM: %s", strerror(errno));
	_exit(0);
}

/* Tell a connection it will not be served, and close it (the spawner's
 * own refusals, before any fork). */
static void refuse_conn(int conn, int err, const char *why)
{
	send_msg(conn, LSTAR_EXEC_REFUSED, -err, LSTAR_EXIT_FAILURE, why);
	close(conn);
}

/*
 * The spawner: accepts, and for each connection forks a reader.  What it
 * can judge without waiting on the client it judges first, so that a
 * refused peer costs no process: the peer's uid, and how many readers
 * are waiting on their clients already (at most SPAWN_PENDING_MAX; each
 * ends within SPAWN_REQUEST_SECONDS).  A flood of connections that say
 * nothing holds as many host processes, no more.
 */
static _Noreturn void spawner(struct vmm *vmm)
{
	struct pollfd p[2] = {
		{ .fd = vmm->exec_listen, .events = POLLIN },
		{ .fd = vmm->lifeline[0], .events = POLLIN },
	};
	/* While readers run, a turn every so often to reap them. */
	const struct timespec reap_every = { 0, 50 * 1000 * 1000 };
	int pending = 0;

	close(vmm->lifeline[1]);
	vmm->lifeline[1] = -1;
	/* The first program's VM is not this process's: its vCPU goes, and
	 * the copy of its memory (each new process loads its own). */
	vmm_procs_drop_vm(vmm);
	vmm_mem_reset(&vmm->vm.mem);
	for (;;) {
		struct ucred cred;
		socklen_t len = sizeof(cred);
		pid_t pid;
		int conn;
		char c;

		while (pending > 0 && waitpid(-1, NULL, WNOHANG) > 0)
			pending--;
		if (atomic_load(&vmm->procs->ended))
			_exit(0);
		if (ppoll(p, 2, pending ? &reap_every : NULL, NULL) <= 0)
			continue;
		/* The life line closed: the sandbox ended. */
		if (p[1].revents && read(vmm->lifeline[0], &c, 1) == 0)
			_exit(0);
		if (!(p[0].revents & POLLIN))
			continue;
		if ((conn = accept4(vmm->exec_listen, NULL, NULL, SOCK_CLOEXEC)) < 0)
			continue;
		/* Mode 0600 is the guard; the peer's uid says it held.  The
		 * user who started lstar, which --host-user does not change:
		 * lstar-oci, root, runs lstar exec for a container of uid 1000. */
		if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ||
		    cred.uid != vmm->starter_uid) {
			refuse_conn(conn, -EPERM, "only the sandbox's own user may start programs in it");
			continue;
		}
		if (pending >= SPAWN_PENDING_MAX) {
			refuse_conn(conn, -EAGAIN, "too many requests are being read at once: "
				    "try again");
			continue;
		}
		pid = fork();
		if (pid == 0)
			read_and_start(vmm, conn);
		if (pid < 0)
			refuse_conn(conn, -errno, "cannot start a VMM");
		else
			close(conn);
		pending += pid > 0;
	}
}

int vmm_spawn_start(struct vmm *vmm)
{
	pid_t pid;

	if (vmm->exec_listen < 0)
		return 0;
	fflush(NULL);
	if ((pid = fork()) < 0) {
		vmm_err("--exec-socket: cannot start the spawner: %s", strerror(errno));
		return -errno;
	}
	if (pid == 0)
		spawner(vmm);
	/* Only the spawner accepts. */
	close(vmm->exec_listen);
	vmm->exec_listen = -1;
	return 0;
}

void vmm_spawn_forked(struct vmm *vmm)
{
	if (vmm->exec_conn >= 0)
		close(vmm->exec_conn);
	vmm->exec_conn = -1;
}

void vmm_spawn_report(struct vmm *vmm)
{
	if (vmm->exec_conn < 0)
		return;
	send_msg(vmm->exec_conn, LSTAR_EXEC_EXITED, vmm->done ? vmm->status : LSTAR_EXIT_FAILURE,
		 vmm_wait_status(vmm), NULL);
}
