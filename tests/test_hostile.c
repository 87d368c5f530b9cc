/* SPDX-License-Identifier: MIT */
/*
 * test_hostile.c - guest programs that try to get past a check of the
 * boundary; each test is that check's proof.
 */
#include <stdio.h>
#include <string.h>

#include "tests.h"

START_TEST(ring3_out_is_a_fault)
{
	struct run_result r;

	run_lstar(NULL, guest_path("hostile_out.musl"), NULL, &r);
	ck_assert_str_eq(r.out, "trying out\n");
	ck_assert_int_eq(r.status, 139);
	ck_assert_msg(strstr(r.err, "SIGSEGV") != NULL, "stderr: %s", r.err);
	run_result_free(&r);
}
END_TEST

Suite *suite_hostile(void)
{
	Suite *s = suite_create("hostile");
	TCase *tc = tcase_create("boundary");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, ring3_out_is_a_fault);
	suite_add_tcase(s, tc);
	return s;
}
