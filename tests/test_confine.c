/* SPDX-License-Identifier: MIT */
/*
 * test_confine.c - the VMM's own confinement (vmm/confine.c), exercised in
 * a child process: after vmm_confine(), lstar itself can open what lies
 * beneath a granted tree and nothing else, whatever path it is given.
 * That is the fence behind fs.c's path checks, for a VMM that goes wrong.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests.h"
#include "vmm.h"

/* What the child found, as its exit status. */
enum { OK = 0, OUTSIDE_OPENED = 1, INSIDE_REFUSED = 2, SETUP_FAILED = 3 };

static int open2(const char *path)
{
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC };

	return (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
}

START_TEST(vmm_opens_only_beneath_its_trees)
{
	char dir[64] = "/tmp/lstar-confine-XXXXXX", inside[96], outside[96];
	char tree_dir[80];
	int status, fd;
	pid_t pid;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(inside, sizeof(inside), "%s/tree/in", dir);
	snprintf(outside, sizeof(outside), "%s/out", dir);
	snprintf(tree_dir, sizeof(tree_dir), "%s/tree", dir);
	ck_assert_int_eq(mkdir(tree_dir, 0755), 0);
	ck_assert_int_ge(fd = open(inside, O_CREAT | O_WRONLY, 0644), 0);
	close(fd);
	ck_assert_int_ge(fd = open(outside, O_CREAT | O_WRONLY, 0644), 0);
	close(fd);

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		static const struct vmm_options opt = { .program = "confine" };
		struct vmm *vmm = malloc(sizeof(*vmm));

		if (!vmm)
			_exit(SETUP_FAILED);
		vmm_init(vmm, &opt);
		if (vmm_fs_grant(&vmm->proc, tree_dir, NULL, false) || vmm_confine(vmm))
			_exit(SETUP_FAILED);
		/* Only calls the filter allows from here on: openat2, _exit. */
#ifndef LSTAR_SANITIZE
		if (open2(outside) >= 0 || open2("/etc/passwd") >= 0)
			_exit(OUTSIDE_OPENED);
#endif
		if (open2(inside) < 0)
			_exit(INSIDE_REFUSED);
		_exit(OK);
	}
	waitpid(pid, &status, 0);
	unlink(inside);
	unlink(outside);
	rmdir(tree_dir);
	rmdir(dir);
	ck_assert_msg(WIFEXITED(status), "the confined child died (signal %d)",
		      WTERMSIG(status));
	ck_assert_msg(WEXITSTATUS(status) != OUTSIDE_OPENED,
		      "confined lstar opened a file outside its trees");
	ck_assert_msg(WEXITSTATUS(status) != INSIDE_REFUSED,
		      "confined lstar could not open a file in its tree");
	ck_assert_int_eq(WEXITSTATUS(status), OK);
}
END_TEST

/*
 * The network fence.  Without a `net` rule the filter lets lstar make
 * AF_UNIX sockets and kills it for an AF_INET one; with `net connect
 * 127.0.0.1:A/tcp`, Landlock (ABI 4 and later) lets it connect to port A
 * and not to B, bind an ephemeral port and not a named one.  Each child
 * reports what it found as its exit status.
 */
enum { NET_OK = 0, UNIX_REFUSED = 10, INET_REFUSED, CONNECT_A_FAILED, CONNECT_B_PASSED,
       BIND_0_FAILED, BIND_NAMED_PASSED, NET_SETUP_FAILED };

static pid_t confined_child(const struct lstar_policy *pol)
{
	pid_t pid = fork();

	if (pid == 0) {
		static const struct vmm_options opt = { .program = "confine" };
		struct vmm *vmm = malloc(sizeof(*vmm));

		if (!vmm)
			_exit(NET_SETUP_FAILED);
		vmm_init(vmm, &opt);
		vmm->proc.policy = pol;
		if (vmm_confine(vmm))
			_exit(NET_SETUP_FAILED);
	}
	return pid;
}

START_TEST(vmm_without_net_rules_makes_no_inet_socket)
{
	static const struct lstar_policy pol = { 0 };
	int status;
	pid_t pid = confined_child(&pol);

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (socket(AF_UNIX, SOCK_STREAM, 0) < 0)
			_exit(UNIX_REFUSED);
		socket(AF_INET, SOCK_STREAM, 0);	/* killed here */
		_exit(NET_OK);
	}
	waitpid(pid, &status, 0);
#ifdef LSTAR_SANITIZE
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == NET_OK, "status %#x", status);
#else
	ck_assert_msg(!WIFEXITED(status) || WEXITSTATUS(status) != UNIX_REFUSED,
		      "confined lstar could not make an AF_UNIX socket");
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS,
		      "confined lstar without a net rule made an AF_INET socket (status %#x)",
		      status);
#endif
}
END_TEST

#ifndef LSTAR_SANITIZE
static int tcp_socket(void)
{
	return socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
}

static int bind_loopback(int fd, unsigned port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	return bind(fd, (struct sockaddr *)&sa, sizeof(sa));
}

static int connect_loopback(int fd, unsigned port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	return connect(fd, (struct sockaddr *)&sa, sizeof(sa));
}

/* A listening socket on 127.0.0.1 at a port the kernel picks. */
static int listener(unsigned *port)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = tcp_socket();

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind_loopback(fd, 0), 0);
	ck_assert_int_eq(listen(fd, 4), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

START_TEST(vmm_reaches_only_the_tcp_ports_its_policy_grants)
{
	unsigned a, b, c;
	int la = listener(&a), lb = listener(&b), lc = listener(&c), status;
	struct lstar_policy_net rule = {
		.op = LSTAR_NET_CONNECT, .protos = LSTAR_NET_TCP, .family = 4,
		.prefix = 32, .addr = { 127, 0, 0, 1 }, .port_lo = (uint16_t)a,
		.port_hi = (uint16_t)a,
	};
	struct lstar_policy pol = { .nets = &rule, .nnets = 1 };
	pid_t pid;

	close(lc);	/* c: a port free to bind, which no rule names */
	pid = confined_child(&pol);
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd = tcp_socket();

		if (fd < 0)
			_exit(INET_REFUSED);
		if (connect_loopback(fd, a) < 0)
			_exit(CONNECT_A_FAILED);
		if ((fd = tcp_socket()) < 0)
			_exit(INET_REFUSED);
		if (connect_loopback(fd, b) == 0 || errno != EACCES)
			_exit(CONNECT_B_PASSED);
		if ((fd = tcp_socket()) < 0 || bind_loopback(fd, 0) < 0)
			_exit(BIND_0_FAILED);
		if ((fd = tcp_socket()) < 0)
			_exit(INET_REFUSED);
		if (bind_loopback(fd, c) == 0 || errno != EACCES)
			_exit(BIND_NAMED_PASSED);
		_exit(NET_OK);
	}
	waitpid(pid, &status, 0);
	close(la);
	close(lb);
	ck_assert_msg(WIFEXITED(status), "the confined child died (signal %d)",
		      WTERMSIG(status));
	ck_assert_msg(WEXITSTATUS(status) != CONNECT_B_PASSED,
		      "confined lstar connected to a TCP port no rule grants");
	ck_assert_msg(WEXITSTATUS(status) != BIND_NAMED_PASSED,
		      "confined lstar bound a TCP port no rule grants");
	ck_assert_int_eq(WEXITSTATUS(status), NET_OK);
}
END_TEST
#endif /* LSTAR_SANITIZE: lstar is not confined there */

Suite *suite_confine(void)
{
	Suite *s = suite_create("confine");
	TCase *tc = tcase_create("vmm");

	/* Without Landlock (Linux before 5.13, or not in lsm=) lstar's path
	 * checks stand alone and there is no fence to test: say so. */
	if (syscall(SYS_landlock_create_ruleset, NULL, 0, 1U /* VERSION */) > 0)
		tcase_add_test(tc, vmm_opens_only_beneath_its_trees);
	else
		printf("lstar tests: 1 confine test not run: no Landlock here\n");
	tcase_add_test(tc, vmm_without_net_rules_makes_no_inet_socket);
#ifndef LSTAR_SANITIZE
	/* Landlock's network rules came with its ABI 4 (Linux 6.7). */
	if (syscall(SYS_landlock_create_ruleset, NULL, 0, 1U /* VERSION */) >= 4)
		tcase_add_test(tc, vmm_reaches_only_the_tcp_ports_its_policy_grants);
	else
		printf("lstar tests: 1 confine test not run: Landlock here has no network rules (ABI < 4)\n");
#endif
	suite_add_tcase(s, tc);
	return s;
}
