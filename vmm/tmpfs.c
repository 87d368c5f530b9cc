/* SPDX-License-Identifier: MIT */
/*
 * tmpfs.c - `lstar run --tmp` and `--tmpfs`: a /tmp and a /dev/shm, and
 * other empty directories, of the program's own.
 *
 * All lie in one tmpfs made for the run, of the size --tmp gives: the
 * kernel keeps the limit (ENOSPC beyond it, as on any full tmpfs), the
 * files are in memory, and nothing of them is ever on the host's disk or
 * in its /tmp.  The tmpfs is mounted by a short-lived child in a mount
 * namespace of its own (and a user namespace of its own when lstar is
 * not root, mapping lstar's user to itself), which hands lstar a
 * descriptor of the tmpfs's root and exits.  The mount is then in no
 * namespace anyone can see; the descriptor keeps it alive, and lstar
 * reaches it only through that descriptor, as it reaches every tree.
 * When the last VMM of the sandbox exits, the descriptor goes and the
 * kernel frees the tmpfs with everything in it: removed at exit, whatever
 * becomes of lstar (SIGKILL included), with no cleaning up to do.
 *
 * Decisions: docs/DECISIONS.md, "A private /tmp".
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vmm.h"

/* Write text to the file at path (a /proc/self file of the child's). */
static int put(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -EIO;
}

/*
 * The child: namespaces, the tmpfs over its own view of /tmp, its ndirs
 * directories, and the root's descriptor sent on sock.  Its exit status
 * is the step that failed (0: sent), errno in the message.
 */
static _Noreturn void make_in_child(int sock, uint64_t size, int ndirs)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	char opts[64], map[64];
	struct msghdr msg = { 0 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl = { .h = { 0 } };
	struct iovec iov;
	int err = 0, root;
	char step;

	if (uid != 0) {
		/* Not root: a user namespace, lstar's user as itself. */
		step = 'u';
		if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
			goto fail;
		snprintf(map, sizeof(map), "%u %u 1\n", uid, uid);
		if ((err = put("/proc/self/setgroups", "deny")) ||
		    (err = put("/proc/self/uid_map", map)))
			goto fail_err;
		snprintf(map, sizeof(map), "%u %u 1\n", gid, gid);
		if ((err = put("/proc/self/gid_map", map)))
			goto fail_err;
	} else {
		step = 'n';
		if (unshare(CLONE_NEWNS) < 0)
			goto fail;
	}
	/* Nothing of this namespace's mounts goes back to the host's. */
	step = 'm';
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		goto fail;
	snprintf(opts, sizeof(opts), "size=%llu,mode=0700", (unsigned long long)size);
	if (mount("lstar-tmp", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0)
		goto fail;
	step = 'd';
	/* One directory per private place, 1777 as the host's /tmp and
	 * /dev/shm are: the program is lstar's user either way. */
	for (int i = 0; i < ndirs; i++) {
		char dir[32];

		snprintf(dir, sizeof(dir), "/tmp/%d", i);
		if (mkdir(dir, 01777) < 0 || chmod(dir, 01777) < 0)
			goto fail;
	}
	step = 's';
	if ((root = open("/tmp", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		goto fail;
	iov = (struct iovec){ &step, 1 };
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = ctl.buf;
	msg.msg_controllen = sizeof(ctl.buf);
	CMSG_FIRSTHDR(&msg)->cmsg_level = SOL_SOCKET;
	CMSG_FIRSTHDR(&msg)->cmsg_type = SCM_RIGHTS;
	CMSG_FIRSTHDR(&msg)->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(CMSG_FIRSTHDR(&msg)), &root, sizeof(int));
	if (sendmsg(sock, &msg, 0) < 0)
		goto fail;
	_exit(0);
fail:
	err = -errno;
fail_err:
	/* The step and the errno, for the parent's message. */
	{
		char why[2] = { step, (char)(-err > 127 ? 127 : -err) };

		if (write(sock, why, 2) < 0)
			_exit(1);
	}
	_exit(1);
}

int vmm_tmpfs_make(uint64_t size, int ndirs, int *root, char *why, size_t len)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl = { .h = { 0 } };
	char got[2] = { 0, 0 };
	struct iovec iov = { got, sizeof(got) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *c;
	int sv[2], ws;
	ssize_t n;
	pid_t pid;

	*root = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	fflush(NULL);
	if ((pid = fork()) < 0) {
		int err = -errno;

		close(sv[0]);
		close(sv[1]);
		return err;
	}
	if (pid == 0) {
		close(sv[0]);
		make_in_child(sv[1], size, ndirs);
	}
	close(sv[1]);
	n = recvmsg(sv[0], &msg, MSG_CMSG_CLOEXEC);
	close(sv[0]);
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	c = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL;
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
	    c->cmsg_len == CMSG_LEN(sizeof(int))) {
		memcpy(root, CMSG_DATA(c), sizeof(int));
		return 0;
	}
	/* What the child could not do, in words. */
	{
		int err = n == 2 ? got[1] : EIO;
		const char *what = got[0] == 'u' ? "a user namespace of its own" :
				   got[0] == 'n' ? "a mount namespace of its own" :
				   got[0] == 'm' ? "a tmpfs" :
				   got[0] == 'd' ? "the tmpfs's directories" : "the tmpfs";

		snprintf(why, len, "cannot make %s: %s%s", what, strerror(err),
			 got[0] == 'u' && (err == EPERM || err == ENOSPC) ?
			 " (this host does not let unprivileged users make user "
			 "namespaces: kernel.unprivileged_userns_clone, "
			 "user.max_user_namespaces, or an AppArmor restriction)" : "");
		return -err;
	}
}
