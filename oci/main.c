/* SPDX-License-Identifier: MIT */
/*
 * main.c - lstar-oci's command line: runc's, for what podman (through
 * conmon) and containerd's runc shim call.
 *
 * A container's process is `lstar run` itself: `create` forks a child
 * that waits on the container's exec.fifo, `start` lets it go, and it
 * execs lstar with the options bundle.c made of config.json.  Its pid is
 * the container's pid: conmon (a subreaper) reaps it and reads the
 * program's status from it, `kill` signals it (lstar passes SIGTERM and
 * the like on to the program; SIGKILL ends the sandbox, every process in
 * it), and the sandbox is confined as any `lstar run` is.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "lstar_exec.h"
#include "lstar_version.h"
#include "oci.h"

#define DEFAULT_ROOT	"/run/lstar-oci"

static const char usage_text[] =
"usage: lstar-oci [global options] COMMAND [options] ID ...\n"
"\n"
"An OCI runtime: podman, Docker, containerd (and so Kubernetes) run each\n"
"container as an lstar sandbox, a KVM micro-VM whose shim kernel checks\n"
"every system call against a policy.  docs/OCI.md tells how to set up\n"
"each engine and what a bundle's config.json becomes.\n"
"\n"
"commands:\n"
"  create [--bundle DIR] [--pid-file FILE] [--console-socket SOCKET] ID\n"
"                     make the container from DIR/config.json (default:\n"
"                     the current directory); its process waits for start\n"
"  start ID           run the created container's program\n"
"  run [--bundle DIR] [--pid-file FILE] [--console-socket SOCKET]\n"
"      [--detach] ID  create and start; without --detach, wait for the\n"
"                     program, delete the container, exit with its status\n"
"  state ID           the container's state, as the OCI runtime spec's JSON\n"
"  kill ID [SIGNAL]   send SIGNAL (default SIGTERM; a name or a number)\n"
"  delete [--force] ID\n"
"                     remove a stopped container; --force kills it first\n"
"  exec [--process FILE] [--detach] [--pid-file FILE] [--tty]\n"
"       [--console-socket SOCKET] [--cwd DIR] [--env NAME=VALUE] ID [ARGS]\n"
"                     run another program in the running container\n"
"  features           what this runtime supports, as JSON\n"
"  list               the containers under --root\n"
"\n"
"global options:\n"
"  --root DIR         where container state lives (default " DEFAULT_ROOT ",\n"
"                     or $XDG_RUNTIME_DIR/lstar-oci for another user)\n"
"  --log FILE         append errors and notes to FILE\n"
"  --log-format text|json\n"
"                     the log's lines (json: runc's, which containerd reads)\n"
"  --systemd-cgroup, --debug, --rootless VALUE\n"
"                     accepted for compatibility; lstar-oci manages no\n"
"                     cgroups (the sandbox's limits are lstar's)\n"
"  -v, --version      the versions of lstar-oci and of the spec\n"
"  -h, --help         this text\n"
"\n"
"The policy is the annotation org.lstar.policy: a stock profile's name\n"
"(default, compute, stdio, readonly) or a policy file in the bundle;\n"
"default: default.\n"
"\n"
"exit status: 0 on success, 1 on an error (said on stderr and in --log);\n"
"run and exec without --detach: the program's status, as lstar run's.\n";

struct ctx {
	const char *root;
	char lstar[PATH_MAX];		/* the lstar beside this program */
	int rootfd;
};

/* --- small helpers --------------------------------------------------------- */

static int usage_error(const char *fmt, const char *arg)
{
	char msg[256];

	snprintf(msg, sizeof(msg), fmt, arg);
	oci_error("%s (lstar-oci --help)", msg);
	return 1;
}

static int find_lstar(struct ctx *c)
{
	char self[PATH_MAX], *slash;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0) {
		oci_error("cannot find lstar-oci's own path: %s", strerror(errno));
		return -1;
	}
	self[n] = '\0';
	slash = strrchr(self, '/');
	*slash = '\0';
	if (snprintf(c->lstar, sizeof(c->lstar), "%s/lstar", self) >= (int)sizeof(c->lstar) ||
	    access(c->lstar, X_OK)) {
		oci_error("%s/lstar: lstar-oci runs the lstar installed beside it: %s", self,
			  strerror(errno));
		return -1;
	}
	return 0;
}

static int parse_signal(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);

	if (!*end && end != s)
		return n > 0 && n < NSIG ? (int)n : -1;
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (int sig = 1; sig < NSIG; sig++) {
		const char *name = sigabbrev_np(sig);

		if (name && !strcasecmp(name, s))
			return sig;
	}
	return -1;
}

/* --preserve-fds N (socket activation): only 0, lstar gives the program
 * its standard streams alone.  0, or 1 said. */
static int preserve_fds(const char *n)
{
	return strcmp(n, "0") ? usage_error("--preserve-fds %s: lstar gives the program its "
					    "stdio only", n) : 0;
}

/* Hand the pty's master to the engine's console socket, as runc does:
 * the descriptor in SCM_RIGHTS, the terminal's name as the message. */
static int send_console(const char *socket_path, int master, const char *name)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char control[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = (void *)name, .iov_len = strlen(name) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = control, .msg_controllen = sizeof(control) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	int s, err = 0;

	if (strlen(socket_path) >= sizeof(sa.sun_path)) {
		oci_error("--console-socket %s: too long", socket_path);
		return -1;
	}
	strcpy(sa.sun_path, socket_path);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &master, sizeof(int));
	if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 || sendmsg(s, &msg, 0) < 0)
		err = -errno;
	if (s >= 0)
		close(s);
	if (err)
		oci_error("--console-socket %s: %s", socket_path, strerror(-err));
	return err ? -1 : 0;
}

/* A pty for a terminal process: the master goes to the engine, the
 * program's 0, 1, 2 will be the slave (opened in the child). */
static int make_pty(const struct oci_process *p, const char *console, char *slave, size_t len)
{
	struct winsize ws = { .ws_row = p->rows, .ws_col = p->cols };
	int master;

	if (!console) {
		oci_error("process.terminal is true: the engine must pass --console-socket");
		return -1;
	}
	if ((master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0 || grantpt(master) ||
	    unlockpt(master) || ptsname_r(master, slave, len)) {
		oci_error("a terminal for the container: %s", strerror(errno));
		if (master >= 0)
			close(master);
		return -1;
	}
	if (p->rows && p->cols)
		ioctl(master, TIOCSWINSZ, &ws);
	if (send_console(console, master, slave)) {
		close(master);
		return -1;
	}
	close(master);
	return 0;
}

/* In the child: the terminal as its controlling one and as 0, 1, 2. */
static void take_terminal(const char *slave)
{
	int fd = open(slave, O_RDWR | O_NOCTTY);

	if (fd < 0 || ioctl(fd, TIOCSCTTY, 0) < 0 ||
	    dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0) {
		fprintf(stderr, "lstar-oci: the container's terminal %s: %s\n", slave, strerror(errno));
		_exit(1);
	}
	if (fd > 2)
		close(fd);
}

/* The child that becomes the container's (or exec's) lstar: a session of
 * its own, the terminal if any, no descriptor of ours but 0-2; with a
 * fifo, it waits for `start` first. */
static void become(const struct oci_process *p, const char *slave, const char *fifo)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setsid();
	/* Every path lstar is given is absolute: the engine's working
	 * directory (a user's, for podman) has nothing to say. */
	if (chdir("/") < 0)
		_exit(1);
	if (slave)
		take_terminal(slave);
	syscall(SYS_close_range, 3, ~0U, 0);
	if (fifo) {
		int fd = open(fifo, O_WRONLY | O_CLOEXEC);

		if (fd < 0 || write(fd, "0", 1) != 1)
			_exit(1);	/* deleted before start */
		close(fd);
	}
	execv(p->args.v[0], p->args.v);
	fprintf(stderr, "lstar-oci: %s: %s\n", p->args.v[0], strerror(errno));
	_exit(127);
}

static void now_rfc3339(char *out, size_t len)
{
	struct timespec ts;
	struct tm tm;
	char frac[16];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(out, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(frac, sizeof(frac), ".%09ldZ", ts.tv_nsec);
	strncat(out, frac, len - strlen(out) - 1);
}

/* The program's status as lstar run reports one: its code, 128+N for a
 * signal. */
static int exit_code(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static pid_t forward_to;

static void forward(int sig)
{
	if (forward_to > 0)
		kill(forward_to, sig);
}

/* Wait for pid, passing on the signals lstar run passes on. */
static int wait_for(pid_t pid)
{
	static const int sigs[] = { LSTAR_SIGNALS_PASSED_ON };
	struct sigaction sa = { .sa_handler = forward, .sa_flags = SA_RESTART };
	int status;

	forward_to = pid;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 1;
	return exit_code(status);
}

/* --- the commands ---------------------------------------------------------- */

struct create_opts {
	const char *bundle, *pid_file, *console;
	bool detach;
};

static int parse_create(int argc, char **argv, struct create_opts *o, bool run, const char **id)
{
	static const struct option longs[] = {
		{ "bundle", required_argument, NULL, 'b' },
		{ "pid-file", required_argument, NULL, 'p' },
		{ "console-socket", required_argument, NULL, 'c' },
		{ "detach", no_argument, NULL, 'd' },
		{ "no-pivot", no_argument, NULL, 'P' },
		{ "no-new-keyring", no_argument, NULL, 'K' },
		{ "preserve-fds", required_argument, NULL, 'f' },
		{ "keep", no_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "+b:d", longs, NULL)) != -1) {
		switch (ch) {
		case 'b': o->bundle = optarg; break;
		case 'p': o->pid_file = optarg; break;
		case 'c': o->console = optarg; break;
		case 'd':
			if (!run)
				return usage_error("%s: --detach is run's", argv[0]);
			o->detach = true;
			break;
		case 'P': case 'K': case 'k': break;	/* no pivot_root, keyring: none here */
		case 'f':
			if (preserve_fds(optarg))
				return 1;
			break;
		default:
			return usage_error("%s: bad option", argv[0]);
		}
	}
	if (optind != argc - 1)
		return usage_error("%s: one container id expected", argv[0]);
	*id = argv[optind];
	return 0;
}

static int cmd_create(struct ctx *c, int argc, char **argv, bool run)
{
	struct create_opts o = { .bundle = "." };
	struct oci_state st = { .dirfd = -1 };
	struct oci_process p = { 0 };
	struct json *annotations = NULL;
	char bundle[PATH_MAX], root[PATH_MAX], dir[PATH_MAX + OCI_ID_MAX + 2],
	     fifo[PATH_MAX + OCI_ID_MAX + 32];
	char slave[64] = "";
	const char *id = NULL;
	bool started = run;
	pid_t pid;
	int ret = 1;

	if (parse_create(argc, argv, &o, run, &id))
		return 1;
	if (!oci_id_valid(id))
		return usage_error("\"%.64s\": a container id is letters, digits, '_', '+', '-', '.'", id);
	if (!realpath(o.bundle, bundle)) {
		oci_error("--bundle %s: %s", o.bundle, strerror(errno));
		return 1;
	}
	if (!realpath(c->root, root) || find_lstar(c))
		return 1;
	snprintf(dir, sizeof(dir), "%s/%s", root, id);
	snprintf(fifo, sizeof(fifo), "%s/exec.fifo", dir);
	if ((st.dirfd = oci_state_make(c->rootfd, id)) < 0)
		return 1;
	if (oci_bundle_read(bundle, c->lstar, dir, st.dirfd, &p, &annotations))
		goto fail;
	if (!started && mkfifo(fifo, 0600) < 0) {
		oci_error("%s: %s", fifo, strerror(errno));
		goto fail;
	}
	if (p.terminal && make_pty(&p, o.console, slave, sizeof(slave)))
		goto fail;
	if ((pid = fork()) < 0) {
		oci_error("fork: %s", strerror(errno));
		goto fail;
	}
	if (pid == 0)
		become(&p, p.terminal ? slave : NULL, started ? NULL : fifo);
	snprintf(st.id, sizeof(st.id), "%s", id);
	st.bundle = strdup(bundle);
	st.pid = pid;
	st.start_time = oci_pid_start_time(pid);
	st.annotations = annotations;
	annotations = NULL;
	now_rfc3339(st.created, sizeof(st.created));
	if (!st.bundle || oci_state_save(&st) || (o.pid_file && oci_pid_file(o.pid_file, pid))) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		goto fail;
	}
	ret = 0;
	if (run && !o.detach) {
		ret = wait_for(pid);
		oci_state_remove(c->rootfd, id);
	}
	oci_state_free(&st);
	oci_process_free(&p);
	return ret;
fail:
	oci_state_free(&st);
	oci_process_free(&p);
	json_free(annotations);
	oci_state_remove(c->rootfd, id);
	return 1;
}

/* Commands that take one id and nothing else (start, state). */
static int one_id(int argc, char **argv, const char **id)
{
	if (argc != 2 || argv[1][0] == '-')
		return usage_error("%s: one container id expected", argv[0]);
	*id = argv[1];
	return 0;
}

static int cmd_start(struct ctx *c, int argc, char **argv)
{
	struct oci_state st;
	enum oci_status s;
	const char *id = NULL;
	char b;
	int fd, ret = 1;

	if (one_id(argc, argv, &id) || oci_state_load(c->rootfd, id, &st))
		return 1;
	if ((s = oci_status(&st)) != OCI_CREATED) {
		oci_error("container %s is %s, not created", id, oci_status_name(s));
		goto out;
	}
	if ((fd = openat(st.dirfd, "exec.fifo", O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
		oci_error("container %s: exec.fifo: %s", id, strerror(errno));
		goto out;
	}
	/* The child opens its end once ours is open, then writes: wait for
	 * that byte while it lives. */
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (poll(&pfd, 1, 100) > 0 && read(fd, &b, 1) == 1) {
			ret = 0;
			break;
		}
		if (oci_status(&st) == OCI_STOPPED) {
			oci_error("container %s ended before it started", id);
			break;
		}
	}
	close(fd);
	unlinkat(st.dirfd, "exec.fifo", 0);
out:
	oci_state_free(&st);
	return ret;
}

static int cmd_state(struct ctx *c, int argc, char **argv)
{
	struct oci_state st;
	const char *id = NULL;

	if (one_id(argc, argv, &id) || oci_state_load(c->rootfd, id, &st))
		return 1;
	oci_state_print(&st, stdout);
	oci_state_free(&st);
	return fflush(stdout) ? 1 : 0;
}

static int cmd_kill(struct ctx *c, int argc, char **argv)
{
	static const struct option longs[] = {
		{ "all", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	struct oci_state st;
	enum oci_status s;
	int ch, sig = SIGTERM, ret = 1;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "+a", longs, NULL)) != -1)
		if (ch != 'a')	/* --all: the sandbox is one process tree */
			return usage_error("%s: bad option", argv[0]);
	if (optind == argc || argc - optind > 2)
		return usage_error("%s: ID [SIGNAL] expected", argv[0]);
	if (argc - optind == 2 && (sig = parse_signal(argv[optind + 1])) < 0)
		return usage_error("%s: no such signal", argv[optind + 1]);
	if (oci_state_load(c->rootfd, argv[optind], &st))
		return 1;
	if ((s = oci_status(&st)) != OCI_CREATED && s != OCI_RUNNING)
		oci_error("container %s is %s", st.id, oci_status_name(s));
	else if (kill(st.pid, sig) < 0)
		oci_error("container %s: kill: %s", st.id, strerror(errno));
	else
		ret = 0;
	oci_state_free(&st);
	return ret;
}

static int cmd_delete(struct ctx *c, int argc, char **argv)
{
	static const struct option longs[] = {
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct oci_state st;
	enum oci_status s;
	bool force = false;
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "+f", longs, NULL)) != -1) {
		if (ch != 'f')
			return usage_error("%s: bad option", argv[0]);
		force = true;
	}
	if (optind != argc - 1)
		return usage_error("%s: one container id expected", argv[0]);
	/* --force of what is not there is done, as runc's: an engine
	 * cleaning up after a failed create asks it. */
	if (force && oci_id_valid(argv[optind]) &&
	    faccessat(c->rootfd, argv[optind], F_OK, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT)
		return 0;
	if (oci_state_load(c->rootfd, argv[optind], &st)) {
		/* A create killed before it saved its state leaves a directory
		 * without one, and nothing running: --force clears it. */
		oci_state_free(&st);
		if (force && oci_id_valid(argv[optind]) &&
		    faccessat(c->rootfd, argv[optind], F_OK, AT_SYMLINK_NOFOLLOW) == 0)
			return oci_state_remove(c->rootfd, argv[optind]) ? 1 : 0;
		return 1;
	}
	s = oci_status(&st);
	if (s == OCI_RUNNING && !force) {
		oci_error("container %s is running: stop it, or delete --force", st.id);
		oci_state_free(&st);
		return 1;
	}
	/* A created one waits for start and has done nothing: it goes
	 * without --force, as runc's.  SIGKILL ends every process of the
	 * sandbox (lstar's init takes them along). */
	if (s == OCI_CREATED || s == OCI_RUNNING) {
		kill(st.pid, SIGKILL);
		for (int i = 0; i < 1000 && oci_status(&st) != OCI_STOPPED; i++)
			usleep(10000);
	}
	oci_state_free(&st);
	return oci_state_remove(c->rootfd, argv[optind]) ? 1 : 0;
}

static int cmd_exec(struct ctx *c, int argc, char **argv)
{
	static const struct option longs[] = {
		{ "process", required_argument, NULL, 'p' },
		{ "detach", no_argument, NULL, 'd' },
		{ "pid-file", required_argument, NULL, 'P' },
		{ "console-socket", required_argument, NULL, 'c' },
		{ "tty", no_argument, NULL, 't' },
		{ "cwd", required_argument, NULL, 'w' },
		{ "env", required_argument, NULL, 'e' },
		{ "user", required_argument, NULL, 'u' },
		{ "preserve-fds", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	const char *process = NULL, *pid_file = NULL, *console = NULL, *cwd = "/";
	struct strv env = { 0 };
	struct oci_process p = { 0 };
	struct oci_state st = { .dirfd = -1 };
	char root[PATH_MAX], sock[PATH_MAX + OCI_ID_MAX + 32], slave[64] = "";
	bool detach = false, tty = false;
	enum oci_status s;
	int ch, ret = 1;
	pid_t pid;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "+p:dtw:e:u:", longs, NULL)) != -1) {
		switch (ch) {
		case 'p': process = optarg; break;
		case 'd': detach = true; break;
		case 'P': pid_file = optarg; break;
		case 'c': console = optarg; break;
		case 't': tty = true; break;
		case 'w': cwd = optarg; break;
		case 'e':
			if (strv_add(&env, optarg))
				return 1;
			break;
		case 'u':
			oci_error("exec --user %s: the process has the container's ids", optarg);
			return 1;
		case 'f':
			if (preserve_fds(optarg))
				return 1;
			break;
		default:
			return usage_error("%s: bad option", argv[0]);
		}
	}
	if (optind == argc || (!process && optind == argc - 1))
		return usage_error("%s: ID and a program (or --process FILE) expected", argv[0]);
	if (oci_state_load(c->rootfd, argv[optind], &st))
		goto out;
	if ((s = oci_status(&st)) != OCI_RUNNING) {
		oci_error("container %s is %s, not running", st.id, oci_status_name(s));
		goto out;
	}
	if (!realpath(c->root, root) || find_lstar(c))
		goto out;
	snprintf(sock, sizeof(sock), "%s/%s/exec.sock", root, st.id);
	/* A container just started may still be booting its VM: its
	 * sandbox makes the socket before the program runs.  Wait for it
	 * while the container lives. */
	for (int i = 0; faccessat(st.dirfd, "exec.sock", F_OK, AT_SYMLINK_NOFOLLOW) < 0; i++) {
		if (i == 3000 || oci_status(&st) != OCI_RUNNING) {
			oci_error("container %s: its sandbox takes no exec (no %s)", st.id, sock);
			goto out;
		}
		usleep(10000);
	}
	if (process) {
		if (oci_process_read(process, c->lstar, sock, &p))
			goto out;
	} else {
		if (strv_add(&p.args, c->lstar) || strv_add(&p.args, "exec") ||
		    strv_addf(&p.args, "--socket=%s", sock) || strv_addf(&p.args, "--cwd=%s", cwd))
			goto out;
		for (int i = 0; i < env.n; i++)
			if (strv_addf(&p.args, "--env=%s", env.v[i]))
				goto out;
		if (strv_add(&p.args, "--"))
			goto out;
		for (int i = optind + 1; i < argc; i++)
			if (strv_add(&p.args, argv[i]))
				goto out;
		p.terminal = tty;
	}
	if (p.terminal && make_pty(&p, console, slave, sizeof(slave)))
		goto out;
	if ((pid = fork()) < 0) {
		oci_error("fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0)
		become(&p, p.terminal ? slave : NULL, NULL);
	if (pid_file && oci_pid_file(pid_file, pid)) {
		kill(pid, SIGKILL);
		goto out;
	}
	ret = detach ? 0 : wait_for(pid);
out:
	strv_free(&env);
	oci_process_free(&p);
	oci_state_free(&st);
	return ret;
}

static int cmd_list(struct ctx *c)
{
	int fd = openat(c->rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *e;
	DIR *d;

	if (fd < 0 || !(d = fdopendir(fd))) {
		oci_error("--root %s: %s", c->root, strerror(errno));
		return 1;
	}
	printf("%-24s %-8s %-8s %s\n", "ID", "PID", "STATUS", "BUNDLE");
	while ((e = readdir(d))) {
		struct oci_state st;
		enum oci_status s;

		if (!oci_id_valid(e->d_name) || oci_state_load(c->rootfd, e->d_name, &st))
			continue;
		s = oci_status(&st);
		printf("%-24s %-8d %-8s %s\n", st.id,
		       s == OCI_STOPPED ? 0 : (int)st.pid, oci_status_name(s), st.bundle);
		oci_state_free(&st);
	}
	closedir(d);
	return 0;
}

static int cmd_features(void)
{
	printf("{\n"
	       "  \"ociVersionMin\": \"1.0.0\",\n"
	       "  \"ociVersionMax\": \"%s\",\n"
	       "  \"hooks\": [],\n"
	       "  \"mountOptions\": [\"bind\", \"rbind\", \"ro\", \"rw\"],\n"
	       "  \"linux\": {\n"
	       "    \"namespaces\": [],\n"
	       "    \"capabilities\": [],\n"
	       "    \"cgroup\": { \"v1\": false, \"v2\": false, \"systemd\": false, "
	       "\"systemdUser\": false },\n"
	       "    \"seccomp\": { \"enabled\": false },\n"
	       "    \"apparmor\": { \"enabled\": false },\n"
	       "    \"selinux\": { \"enabled\": false }\n"
	       "  },\n"
	       "  \"annotations\": {\n"
	       "    \"org.lstar.version\": \"%s\",\n"
	       "    \"" OCI_POLICY_ANNOTATION "\": \"a stock profile's name or a policy "
	       "file in the bundle\"\n"
	       "  }\n"
	       "}\n", OCI_VERSION, LSTAR_VERSION);
	return fflush(stdout) ? 1 : 0;
}

/* --- global options and dispatch --------------------------------------------- */

int main(int argc, char **argv)
{
	static char root_buf[PATH_MAX];
	struct ctx c = { .rootfd = -1 };
	const char *log = NULL, *cmd;
	bool log_json = false;
	int i, ret;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i], *eq = strchr(a, '=');
		size_t n = eq ? (size_t)(eq - a) : strlen(a);
		const char *val = eq ? eq + 1 : i + 1 < argc ? argv[i + 1] : NULL;
		bool takes = false;

#define IS(name) (n == strlen(name) && !strncmp(a, name, n))
		if (IS("-h") || IS("--help")) {
			fputs(usage_text, stdout);
			return 0;
		}
		if (IS("-v") || IS("--version")) {
			printf("lstar-oci version %s\nspec: %s\n", LSTAR_VERSION, OCI_VERSION);
			return 0;
		}
		if (IS("--root") || IS("--log") || IS("--log-format") || IS("--rootless") ||
		    IS("--criu") || IS("--cgroup-manager")) {
			takes = true;
			if (!val)
				return usage_error("%s: needs a value", a);
			if (IS("--root"))
				c.root = val;
			else if (IS("--log"))
				log = val;
			else if (IS("--log-format")) {
				if (strcmp(val, "text") && strcmp(val, "json"))
					return usage_error("--log-format %s: text or json", val);
				log_json = !strcmp(val, "json");
			}
		} else if (!IS("--systemd-cgroup") && !IS("--debug")) {
			return usage_error("%s: unknown global option", a);
		}
#undef IS
		if (takes && !eq)
			i++;
	}
	if (log)
		oci_log_open(log, log_json);
	if (i == argc)
		return usage_error("%s", "no command given");
	cmd = argv[i];
	argc -= i;
	argv += i;
	if (!strcmp(cmd, "features"))
		return cmd_features();
	if (!c.root) {
		const char *xdg = getenv("XDG_RUNTIME_DIR");

		c.root = DEFAULT_ROOT;
		if (geteuid() != 0 && xdg && xdg[0] == '/') {
			snprintf(root_buf, sizeof(root_buf), "%s/lstar-oci", xdg);
			c.root = root_buf;
		}
	}
	if ((c.rootfd = oci_root_open(c.root)) < 0)
		return 1;
	if (!strcmp(cmd, "create"))
		ret = cmd_create(&c, argc, argv, false);
	else if (!strcmp(cmd, "run"))
		ret = cmd_create(&c, argc, argv, true);
	else if (!strcmp(cmd, "start"))
		ret = cmd_start(&c, argc, argv);
	else if (!strcmp(cmd, "state"))
		ret = cmd_state(&c, argc, argv);
	else if (!strcmp(cmd, "kill"))
		ret = cmd_kill(&c, argc, argv);
	else if (!strcmp(cmd, "delete"))
		ret = cmd_delete(&c, argc, argv);
	else if (!strcmp(cmd, "exec"))
		ret = cmd_exec(&c, argc, argv);
	else if (!strcmp(cmd, "list"))
		ret = cmd_list(&c);
	else if (!strcmp(cmd, "pause") || !strcmp(cmd, "resume") || !strcmp(cmd, "update") ||
		 !strcmp(cmd, "checkpoint") || !strcmp(cmd, "restore") || !strcmp(cmd, "ps") ||
		 !strcmp(cmd, "events"))
		ret = (oci_error("%s: not supported by lstar-oci (docs/OCI.md)", cmd), 1);
	else
		ret = usage_error("%s: unknown command", cmd);
	close(c.rootfd);
	return ret;
}
