/* SPDX-License-Identifier: MIT */
/*
 * runner.c - runs every Check suite.  The integration suites need a VM;
 * where /dev/kvm cannot create one they are not registered, and one line
 * says how many were left out and why.
 */
#include <errno.h>
#include <fcntl.h>
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

int main(void)
{
	Suite *(*const unit[])(void) = { suite_abi, suite_entry, suite_elf, suite_stack, suite_mem, suite_cli, suite_confine, suite_policy, suite_shim_mm, suite_shim_lib, suite_syscalls, suite_block, suite_install };
	Suite *(*const kvm[])(void) = { suite_run, suite_limits, suite_hostile, suite_vdso, suite_fs, suite_policy_run, suite_trace, suite_output, suite_load, suite_procs, suite_fuzz, suite_shared };
	const char *why = kvm_unusable();
	SRunner *sr = srunner_create(NULL);
	int failed;

	printf("lstar tests: on %s\n", host_describe());
	for (size_t i = 0; i < sizeof(unit) / sizeof(unit[0]); i++)
		srunner_add_suite(sr, unit[i]());
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
