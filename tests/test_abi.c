/* SPDX-License-Identifier: MIT */
/*
 * test_abi.c - the contract between shim and VMM, and between the shim's
 * C and its assembly: pt_regs offsets as entry.S uses them (generated
 * asm-offsets.h) against the C layout, and the ABI's fixed layout.
 */
#include <stddef.h>
#include <stdint.h>

#include "lstar_abi.h"
#include "../shim-kernel/pt_regs.h"
#include "../shim-kernel/percpu.h"
#include "asm-offsets.h"
#include "tests.h"

START_TEST(pt_regs_offsets_match_asm)
{
	ck_assert_uint_eq(PTREGS_SIZE, sizeof(struct pt_regs));
	ck_assert_uint_eq(PTREGS_AX, offsetof(struct pt_regs, ax));
	ck_assert_uint_eq(PTREGS_ORIG_AX, offsetof(struct pt_regs, orig_ax));
	ck_assert_uint_eq(PTREGS_IP, offsetof(struct pt_regs, ip));
	ck_assert_uint_eq(PTREGS_CS, offsetof(struct pt_regs, cs));
	ck_assert_uint_eq(PTREGS_FLAGS, offsetof(struct pt_regs, flags));
	ck_assert_uint_eq(PTREGS_SP, offsetof(struct pt_regs, sp));
	ck_assert_uint_eq(PERCPU_TSS_RSP0, 4);	/* TSS.rsp0, Intel SDM */
	ck_assert_uint_eq(PERCPU_USER_RSP, offsetof(struct percpu, user_rsp_scratch));
}
END_TEST

/* Linux's order: the hardware frame last, r15 first (entry_64.S). */
START_TEST(pt_regs_is_linux_order)
{
	ck_assert_uint_eq(offsetof(struct pt_regs, r15), 0);
	ck_assert_uint_eq(offsetof(struct pt_regs, di), 14 * 8);
	ck_assert_uint_eq(offsetof(struct pt_regs, orig_ax), 15 * 8);
	ck_assert_uint_eq(offsetof(struct pt_regs, ss), 20 * 8);
	/* The exit hypercall carries the whole frame. */
	ck_assert_uint_eq(sizeof(((struct lstar_hc_exit *)0)->regs),
			  sizeof(struct pt_regs));
}
END_TEST

START_TEST(abi_layout)
{
	ck_assert_uint_eq(offsetof(struct lstar_hc, sys), 0);
	ck_assert_uint_eq(offsetof(struct lstar_hc_sys, ret), 56);
	ck_assert_uint_le(sizeof(struct lstar_boot_info), LSTAR_PAGE_SIZE);
	/* SYSRET's arithmetic: CS = STAR[63:48] + 16, SS = + 8. */
	ck_assert_uint_eq(LSTAR_USER32_CS + 16, LSTAR_USER_CS);
	ck_assert_uint_eq(LSTAR_USER32_CS + 8, LSTAR_USER_DS);
	ck_assert_uint_eq(LSTAR_KERNEL_CS + 8, LSTAR_KERNEL_DS);
	/* The pool begins where the shim region ends, 2 MiB aligned. */
	ck_assert_uint_eq(LSTAR_POOL_GPA % (2u << 20), 0);
	/* Every vCPU's hypercall block below the shim; the ports in range. */
	ck_assert_uint_le(LSTAR_HC_BLOCK_GPA(LSTAR_MAX_VCPUS), LSTAR_SHIM_GPA);
	ck_assert_uint_lt(LSTAR_HC_PORT + LSTAR_HC_MAX, 0x10000);
}
END_TEST

Suite *suite_abi(void)
{
	Suite *s = suite_create("abi");
	TCase *tc = tcase_create("layout");

	tcase_add_test(tc, pt_regs_offsets_match_asm);
	tcase_add_test(tc, pt_regs_is_linux_order);
	tcase_add_test(tc, abi_layout);
	suite_add_tcase(s, tc);
	return s;
}
