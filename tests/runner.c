/* SPDX-License-Identifier: MIT */
/*
 * runner.c - runs every Check suite.  The integration suites need a VM;
 * where /dev/kvm cannot create one they are not registered, and one line
 * says how many were left out and why.  So for the install suite, which
 * needs the source tree and make (`make check` has both; the check-hw
 * machine, which tests the KVM path, has neither).
 *
 * LSTAR_SUITES (names, separated by spaces or commas) runs only those
 * suites, LSTAR_SKIP_SUITES all but those: two runners given the same
 * list, one each way, run every suite exactly once between them (make
 * check-hw's two machines).  A name that is no suite's is an error,
 * so that a renamed suite cannot drop out of both unseen.
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

/* Each suite by its name, which is also the name it gives Check. */
struct named_suite {
	const char *name;
	Suite *(*make)(void);
};
#define SUITE(name) { #name, suite_##name }

static const struct named_suite unit[] = {
	SUITE(abi), SUITE(entry), SUITE(elf), SUITE(stack), SUITE(mem), SUITE(cli),
	SUITE(confine), SUITE(policy), SUITE(shim_mm), SUITE(shim_lib), SUITE(syscalls),
	SUITE(block), SUITE(json),
};
/* What needs the source tree and its tools (make install), which the
 * check-hw machine does not have: it tests the KVM path. */
static const struct named_suite build[] = { SUITE(install) };
static const struct named_suite kvm[] = {
	SUITE(run), SUITE(limits), SUITE(hostile), SUITE(vdso), SUITE(fs), SUITE(policy_run),
	SUITE(trace), SUITE(output), SUITE(load), SUITE(procs), SUITE(fuzz), SUITE(dynamic),
	SUITE(shared), SUITE(net), SUITE(dns), SUITE(exec), SUITE(oci),
};
#define NSUITES(a) (sizeof(a) / sizeof((a)[0]))

/* The name in list at p or after the separators there (spaces and
 * commas): its start, and its length in *n; NULL at the list's end. */
static const char *next_name(const char *p, size_t *n)
{
	p += strspn(p, " ,");
	*n = strcspn(p, " ,");
	return *n ? p : NULL;
}

/* Is name in list? */
static bool listed(const char *list, const char *name)
{
	size_t len = strlen(name), n;

	for (const char *p = list; (p = next_name(p, &n)); p += n)
		if (n == len && !strncmp(p, name, len))
			return true;
	return false;
}

static bool known(const char *name, size_t len)
{
	const struct named_suite *groups[] = { unit, build, kvm };
	const size_t sizes[] = { NSUITES(unit), NSUITES(build), NSUITES(kvm) };

	for (size_t g = 0; g < 3; g++)
		for (size_t i = 0; i < sizes[g]; i++)
			if (strlen(groups[g][i].name) == len && !strncmp(groups[g][i].name, name, len))
				return true;
	return false;
}

/* Every name in the environment variable var is a suite's; else say
 * which is not. */
static bool all_known(const char *var)
{
	const char *list = getenv(var);
	size_t n;

	for (const char *p = list ? list : ""; (p = next_name(p, &n)); p += n)
		if (!known(p, n)) {
			fprintf(stderr, "lstar tests: %s names no suite \"%.*s\"\n", var, (int)n, p);
			return false;
		}
	return true;
}

/* Should this run include the suite: LSTAR_SUITES and LSTAR_SKIP_SUITES. */
static bool selected(const char *name)
{
	const char *only = getenv("LSTAR_SUITES"), *skip = getenv("LSTAR_SKIP_SUITES");

	return (!only || listed(only, name)) && (!skip || !listed(skip, name));
}

static void add_suites(SRunner *sr, const struct named_suite *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (selected(s[i].name))
			srunner_add_suite(sr, s[i].make());
}

int main(void)
{
	const char *no_tree = source_tree_missing();
	const char *why = kvm_unusable();
	SRunner *sr;
	int failed;

	if (!all_known("LSTAR_SUITES") || !all_known("LSTAR_SKIP_SUITES"))
		return 2;
	sr = srunner_create(NULL);
	printf("lstar tests: on %s\n", host_describe());
	add_suites(sr, unit, NSUITES(unit));
	if (no_tree)
		printf("lstar tests: %zu source-tree suite not run: %s\n", NSUITES(build), no_tree);
	else
		add_suites(sr, build, NSUITES(build));
	if (why)
		printf("lstar tests: %zu KVM suites not run: %s\n", NSUITES(kvm), why);
	else
		add_suites(sr, kvm, NSUITES(kvm));
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
