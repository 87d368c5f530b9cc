/* SPDX-License-Identifier: MIT */
/*
 * runner.c - runs every Check suite.  The integration suites need a VM;
 * where /dev/kvm cannot create one they are not registered, and one line
 * says how many were left out and why.  So for the install suite, which
 * needs the source tree and make (`make check` has both; the check-hw
 * machine, which tests the KVM path, has neither).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "tests.h"

/* Can this machine create a KVM VM?  If not, why (for the message). */
static const char *kvm_unusable(void)
{
	static char why[128];
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC), vm;

	if (kvm < 0) {
		snprintf(why, sizeof(why), "/dev/kvm: %s", strerror(errno));
		return why;
	}
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0) {
		snprintf(why, sizeof(why), "KVM_CREATE_VM: %s", strerror(errno));
		close(kvm);
		return why;
	}
	close(vm);
	close(kvm);
	return NULL;
}

/* Is the whole source tree there, with make to build from it?  If not,
 * why (for the message). */
static const char *source_tree_missing(void)
{
	static char why[PATH_MAX + 64];
	const char *src = getenv("LSTAR_SRC");
	char makefile[PATH_MAX];

	snprintf(makefile, sizeof(makefile), "%s/Makefile", src ? src : ".");
	if (access(makefile, R_OK) != 0)
		snprintf(why, sizeof(why), "%s: %s (the machine has no source tree)", makefile,
			 strerror(errno));
	else if (access("/usr/bin/make", X_OK) != 0)
		snprintf(why, sizeof(why), "/usr/bin/make: %s", strerror(errno));
	else
		return NULL;
	return why;
}

int main(void)
{
	Suite *(*const unit[])(void) = { suite_abi, suite_entry, suite_elf, suite_stack, suite_mem, suite_cli, suite_confine, suite_policy, suite_shim_mm, suite_shim_lib, suite_syscalls, suite_block, suite_json };
	/* What needs the source tree and its tools (make install), which
	 * the check-hw machine does not have: it tests the KVM path. */
	Suite *(*const build[])(void) = { suite_install };
	const char *no_tree = source_tree_missing();
	Suite *(*const kvm[])(void) = { suite_run, suite_limits, suite_hostile, suite_vdso, suite_fs, suite_policy_run, suite_trace, suite_output, suite_load, suite_procs, suite_fuzz, suite_dynamic, suite_shared, suite_net, suite_dns, suite_exec, suite_oci };
	const char *why = kvm_unusable();
	SRunner *sr = srunner_create(NULL);
	int failed;

	printf("lstar tests: on %s\n", host_describe());
	for (size_t i = 0; i < sizeof(unit) / sizeof(unit[0]); i++)
		srunner_add_suite(sr, unit[i]());
	if (no_tree)
		printf("lstar tests: %zu source-tree suite not run: %s\n",
		       sizeof(build) / sizeof(build[0]), no_tree);
	else
		for (size_t i = 0; i < sizeof(build) / sizeof(build[0]); i++)
			srunner_add_suite(sr, build[i]());
	if (why)
		printf("lstar tests: %zu KVM suites not run: %s\n",
		       sizeof(kvm) / sizeof(kvm[0]), why);
	else
		for (size_t i = 0; i < sizeof(kvm) / sizeof(kvm[0]); i++)
			srunner_add_suite(sr, kvm[i]());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
