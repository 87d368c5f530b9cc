/* SPDX-License-Identifier: MIT */
/*
 * exec_client.c - `lstar exec`: start a program in a running sandbox
 * through its exec socket (spawn.c is the other end; the protocol is
 * include/lstar_exec.h).
 *
 * The client hands the sandbox its own standard input, output and error,
 * so that the program reads and writes them directly; it then only waits
 * for the program's status, passing on to it the signals lstar run would
 * pass on to the first program.  Each of those signals is caught and
 * blocked but while the client sleeps in ppoll, so that one arriving at
 * any moment is sent, once.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "lstar_exec.h"
#include "vmm.h"

/* The signals lstar run passes on (signal.c), passed on here too. */
static const int passed_on[] = { LSTAR_SIGNALS_PASSED_ON };

/* Caught and not yet sent, bit n - 1 for signal n. */
static _Atomic uint64_t caught;

static void on_signal(int sig)
{
	atomic_fetch_or(&caught, 1ULL << (sig - 1));
}

/* A connection to the socket at path (any length: as the sandbox bound
 * it, through its directory when too long for sun_path); fd or -errno. */
static int connect_to(const char *path)
{
	struct sockaddr_un sa;
	const char *name;
	int fd, dirfd, err;

	if ((dirfd = vmm_spawn_socket_dir(path, &name)) < 0)
		return dirfd;
	if ((err = vmm_spawn_socket_addr(path, dirfd, name, &sa)))
		goto out_dir;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		err = -errno;
		goto out_dir;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = -errno;
		close(fd);
		goto out_dir;
	}
	close(dirfd);
	return fd;
out_dir:
	close(dirfd);
	return err;
}

static int write_full(int fd, const void *buf, size_t len)
{
	for (size_t done = 0; done < len;) {
		ssize_t n = send(fd, (const char *)buf + done, len - done, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		done += (size_t)n;
	}
	return 0;
}

/* The request: the header with descriptors 0, 1 and 2, then the
 * strings.  0 or -errno (-E2BIG: past execve's limits). */
static int send_request(int fd, char *const argv[], char *const envp[], const char *cwd)
{
	struct lstar_exec_request h = {
		.magic = LSTAR_EXEC_MAGIC, .version = LSTAR_EXEC_VERSION,
		.cwd_len = cwd ? (uint32_t)strlen(cwd) + 1 : 0,
	};
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(3 * sizeof(int))];
	} ctl;
	struct iovec iov = { .iov_base = &h, .iov_len = sizeof(h) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *c;
	const int std[3] = { 0, 1, 2 };
	size_t total = 0;
	char *strings, *at;
	int err;

	if (cwd && strlen(cwd) + 1 > LSTAR_EXEC_CWD_MAX)
		return -ENAMETOOLONG;
	for (h.argc = 0; argv[h.argc]; h.argc++) {
		if (strlen(argv[h.argc]) + 1 > LSTAR_EXEC_STRING_MAX)
			return -E2BIG;
		total += strlen(argv[h.argc]) + 1;
	}
	for (h.envc = 0; envp[h.envc]; h.envc++) {
		if (strlen(envp[h.envc]) + 1 > LSTAR_EXEC_STRING_MAX)
			return -E2BIG;
		total += strlen(envp[h.envc]) + 1;
	}
	if (total > LSTAR_EXEC_STRINGS_MAX)
		return -E2BIG;
	h.strings_len = (uint32_t)total + h.cwd_len;
	if (!(strings = malloc(h.strings_len)))
		return -ENOMEM;
	at = strings;
	if (cwd)
		at = stpcpy(at, cwd) + 1;
	for (uint32_t i = 0; i < h.argc; i++)
		at = stpcpy(at, argv[i]) + 1;
	for (uint32_t i = 0; i < h.envc; i++)
		at = stpcpy(at, envp[i]) + 1;
	memset(ctl.buf, 0, sizeof(ctl.buf));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(std));
	memcpy(CMSG_DATA(c), std, sizeof(std));
	while (sendmsg(fd, &msg, MSG_NOSIGNAL) < 0)
		if (errno != EINTR) {
			free(strings);
			return -errno;
		}
	err = write_full(fd, strings, h.strings_len);
	free(strings);
	return err;
}

/* Send the caught signals on (a closed connection: nobody to send to). */
static void send_signals(int fd)
{
	uint64_t set = atomic_exchange(&caught, 0);

	while (set) {
		struct lstar_exec_msg m = {
			.magic = LSTAR_EXEC_MAGIC, .version = LSTAR_EXEC_VERSION,
			.kind = LSTAR_EXEC_SIGNAL, .value = __builtin_ctzll(set) + 1,
		};

		write_full(fd, &m, sizeof(m));
		set &= set - 1;
	}
}

/* The next message, whole: 0, or -EPIPE when the connection closed
 * (a message cut short counts as closed). */
static int read_msg(int fd, struct lstar_exec_msg *m, sigset_t *wait_mask)
{
	size_t got = 0;

	while (got < sizeof(*m)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (ppoll(&p, 1, NULL, wait_mask) < 0) {
			if (errno != EINTR)
				return -errno;
			send_signals(fd);
			continue;
		}
		n = read(fd, (char *)m + got, sizeof(*m) - got);
		if (n == 0)
			return -EPIPE;
		if (n < 0 && errno != EINTR && errno != EAGAIN)
			return -errno;
		if (n > 0)
			got += (size_t)n;
	}
	if (m->magic != LSTAR_EXEC_MAGIC || m->version != LSTAR_EXEC_VERSION)
		return -EPROTO;
	return 0;
}

int vmm_exec_client(const char *socket_path, char *const argv[], char *const envp[],
		    const char *cwd)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, wait_mask;
	struct lstar_exec_msg m;
	bool started = false;
	int fd, err;

	/* Caught from now on, and sent once the process runs. */
	sigemptyset(&block);
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(passed_on) / sizeof(passed_on[0]); i++) {
		sigaction(passed_on[i], &sa, NULL);
		sigaddset(&block, passed_on[i]);
	}
	sigprocmask(SIG_BLOCK, &block, &wait_mask);
	for (size_t i = 0; i < sizeof(passed_on) / sizeof(passed_on[0]); i++)
		sigdelset(&wait_mask, passed_on[i]);
	signal(SIGPIPE, SIG_IGN);

	/* A standard stream lstar exec was started without is the
	 * program's /dev/null (the host's: lstar exec is not confined). */
	for (int i = 0; i < 3; i++)
		if (fcntl(i, F_GETFD) < 0 && open("/dev/null", O_RDWR) != i) {
			fprintf(stderr, "lstar exec: cannot open /dev/null\n");
			return LSTAR_EXIT_FAILURE;
		}
	if ((fd = connect_to(socket_path)) < 0) {
		fprintf(stderr, "lstar exec: %s: %s%s\n", socket_path, strerror(-fd),
			fd == -ENOENT || fd == -ECONNREFUSED ?
			" (no sandbox listens there: lstar run --exec-socket)" : "");
		return LSTAR_EXIT_FAILURE;
	}
	if ((err = send_request(fd, argv, envp, cwd))) {
		fprintf(stderr, "lstar exec: %s: %s\n", argv[0],
			err == -E2BIG ? "arguments and environment past execve's limits" :
			strerror(-err));
		close(fd);
		return LSTAR_EXIT_FAILURE;
	}
	for (;;) {
		if ((err = read_msg(fd, &m, &wait_mask))) {
			close(fd);
			if (err == -EPIPE && started) {
				/* The sandbox ended, and the process with it. */
				fprintf(stderr, "lstar exec: %s: killed: the sandbox ended\n",
					argv[0]);
				return LSTAR_EXEC_ENDED_STATUS;
			}
			fprintf(stderr, "lstar exec: %s: %s\n", socket_path,
				err == -EPIPE ? "the sandbox closed the connection" :
				err == -EPROTO ? "the sandbox speaks another protocol" :
				strerror(-err));
			return LSTAR_EXIT_FAILURE;
		}
		switch (m.kind) {
		case LSTAR_EXEC_STARTED:
			started = true;
			/* Signals caught before it ran are its own now. */
			send_signals(fd);
			break;
		case LSTAR_EXEC_REFUSED:
			m.text[sizeof(m.text) - 1] = '\0';
			fprintf(stderr, "lstar exec: %s\n", m.text);
			close(fd);
			return m.aux >= 1 && m.aux <= 255 ? m.aux : LSTAR_EXIT_FAILURE;
		case LSTAR_EXEC_EXITED:
			close(fd);
			return m.value >= 0 && m.value <= 255 ? m.value : LSTAR_EXIT_FAILURE;
		default:
			break;		/* a later version's news */
		}
	}
}
