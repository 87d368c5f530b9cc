/* SPDX-License-Identifier: MIT */
/* test_stack.c - the initial stack as Linux lays it out. */
#include <elf.h>
#include <stdint.h>
#include <string.h>

#include "tests.h"
#include "vmm.h"

#define TOP 0x7ffffff00000ULL

static uint64_t word(const uint8_t *buf, size_t size, uint64_t addr)
{
	uint64_t v;

	memcpy(&v, buf + size - (TOP - addr), 8);
	return v;
}

START_TEST(layout_argc_argv_envp_auxv)
{
	static uint8_t buf[8192];
	char *argv[] = { "prog", "a", NULL };
	char *envp[] = { "X=1", NULL };
	struct vmm_stack_args a = { .argc = 2, .argv = argv, .envc = 1,
		.envp = envp, .execfn = "prog", .at_phdr = 0x400040,
		.at_phnum = 5, .at_phent = 56, .at_entry = 0x401000 };
	uint64_t sp = vmm_stack_build(&a, buf, sizeof(buf), TOP), p;

	ck_assert_uint_ne(sp, 0);
	ck_assert_uint_eq(sp % 16, 0);
	ck_assert_uint_eq(word(buf, sizeof(buf), sp), 2);
	p = word(buf, sizeof(buf), sp + 8);
	ck_assert_str_eq((char *)buf + sizeof(buf) - (TOP - p), "prog");
	ck_assert_uint_eq(word(buf, sizeof(buf), sp + 24), 0);	/* argv NULL */
	p = word(buf, sizeof(buf), sp + 32);
	ck_assert_str_eq((char *)buf + sizeof(buf) - (TOP - p), "X=1");
	ck_assert_uint_eq(word(buf, sizeof(buf), sp + 40), 0);	/* envp NULL */
	/* auxv follows; its first entry is AT_HWCAP. */
	ck_assert_uint_eq(word(buf, sizeof(buf), sp + 48), AT_HWCAP);
}
END_TEST

START_TEST(too_big_is_refused)
{
	static uint8_t buf[256];
	char big[300];
	char *argv[] = { big, NULL };
	struct vmm_stack_args a = { .argc = 1, .argv = argv, .execfn = "p" };

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_uint_eq(vmm_stack_build(&a, buf, sizeof(buf), TOP), 0);
}
END_TEST

Suite *suite_stack(void)
{
	Suite *s = suite_create("stack");
	TCase *tc = tcase_create("build");

	tcase_add_test(tc, layout_argc_argv_envp_auxv);
	tcase_add_test(tc, too_big_is_refused);
	suite_add_tcase(s, tc);
	return s;
}
