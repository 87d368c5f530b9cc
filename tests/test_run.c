/* SPDX-License-Identifier: MIT */
/*
 * test_run.c - differential tests: the same static program natively and
 * under lstar; stdout, stderr and exit status must match.  Every probe in
 * guest/ is built twice, with musl and with glibc.
 */
#include <stdio.h>
#include <string.h>

#include "tests.h"

static const char *const libcs[] = { "musl", "glibc" };

static const char *probe(const char *name, int libc)
{
	static char buf[256];

	snprintf(buf, sizeof(buf), "%s.%s", name, libcs[libc]);
	return guest_path(buf);
}

START_TEST(args_and_status)
{
	const char *const args[] = { "7", "two words", "", "ünïcode", NULL };

	assert_same_as_native(probe("args", _i), args);
}
END_TEST

START_TEST(exit_status_wraps)
{
	const char *const args[] = { "300", NULL };

	assert_same_as_native(probe("args", _i), args);
}
END_TEST

Suite *suite_run(void)
{
	Suite *s = suite_create("run");
	TCase *tc = tcase_create("differential");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, args_and_status, 0, 2);
	tcase_add_loop_test(tc, exit_status_wraps, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}
