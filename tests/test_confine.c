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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
		if (vmm_fs_grant(&vmm->proc, tree_dir, false) || vmm_confine(vmm))
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
	suite_add_tcase(s, tc);
	return s;
}
