/* SPDX-License-Identifier: MIT */
/* test_mem.c - guest-physical range checks at their overflow edges. */
#include <stdint.h>

#include "tests.h"
#include "vmm.h"

START_TEST(range_edges)
{
	struct vmm_mem m = { .size = 1ULL << 30 };

	ck_assert(vmm_mem_range_ok(&m, 0, m.size));
	ck_assert(vmm_mem_range_ok(&m, m.size, 0));
	ck_assert(!vmm_mem_range_ok(&m, m.size, 1));
	ck_assert(!vmm_mem_range_ok(&m, 1, m.size));
	ck_assert(!vmm_mem_range_ok(&m, UINT64_MAX, 2));	/* would wrap */
	ck_assert(!vmm_mem_range_ok(&m, 4096, UINT64_MAX));
	ck_assert(!vmm_mem_range_ok(&m, m.size + 1, 0));
}
END_TEST

Suite *suite_mem(void)
{
	Suite *s = suite_create("mem");
	TCase *tc = tcase_create("range");

	tcase_add_test(tc, range_edges);
	suite_add_tcase(s, tc);
	return s;
}
