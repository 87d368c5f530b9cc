/* SPDX-License-Identifier: MIT */
/*
 * test_entry.c - the exit path's decisions (shim-kernel/sysret.h), the
 * same code the shim runs: every frame that must not leave by SYSRET is
 * refused, and ring 3 never gets privileged RFLAGS back.
 */
#include <stdint.h>
#include <string.h>

#include "lstar_abi.h"
#include "../shim-kernel/sysret.h"
#include "tests.h"

#define GOOD_IP		0x401000UL
#define GOOD_FLAGS	(X86_EFLAGS_IF | X86_EFLAGS_FIXED)

static struct pt_regs good_frame(void)
{
	struct pt_regs r;

	memset(&r, 0, sizeof(r));
	r.ip = r.cx = GOOD_IP;
	r.flags = r.r11 = GOOD_FLAGS;
	r.cs = LSTAR_USER_CS;
	r.ss = LSTAR_USER_DS;
	return r;
}

START_TEST(good_frame_takes_sysret)
{
	struct pt_regs r = good_frame();

	ck_assert(sysret_is_safe(&r));
}
END_TEST

/* Frames that must leave by IRET (or not at all). */
static const struct {
	const char *what;
	unsigned long ip, cx, flags, r11, cs;
} unsafe[] = {
	{ "rcx differs from rip", GOOD_IP, GOOD_IP + 1, GOOD_FLAGS, GOOD_FLAGS, LSTAR_USER_CS },
	{ "r11 differs from rflags", GOOD_IP, GOOD_IP, GOOD_FLAGS, GOOD_FLAGS | 1, LSTAR_USER_CS },
	{ "non-canonical rip (CVE-2012-0217)", 0x0000800000000000UL, 0x0000800000000000UL, GOOD_FLAGS, GOOD_FLAGS, LSTAR_USER_CS },
	{ "last user page", LSTAR_USER_TOP, LSTAR_USER_TOP, GOOD_FLAGS, GOOD_FLAGS, LSTAR_USER_CS },
	{ "kernel rip", 0xffffffff80200000UL, 0xffffffff80200000UL, GOOD_FLAGS, GOOD_FLAGS, LSTAR_USER_CS },
	{ "TF set", GOOD_IP, GOOD_IP, GOOD_FLAGS | X86_EFLAGS_TF, GOOD_FLAGS | X86_EFLAGS_TF, LSTAR_USER_CS },
	{ "RF set", GOOD_IP, GOOD_IP, GOOD_FLAGS | X86_EFLAGS_RF, GOOD_FLAGS | X86_EFLAGS_RF, LSTAR_USER_CS },
	{ "32-bit code selector", GOOD_IP, GOOD_IP, GOOD_FLAGS, GOOD_FLAGS, LSTAR_USER32_CS },
};

START_TEST(unsafe_frame_takes_iret)
{
	struct pt_regs r = good_frame();

	r.ip = unsafe[_i].ip;
	r.cx = unsafe[_i].cx;
	r.flags = unsafe[_i].flags;
	r.r11 = unsafe[_i].r11;
	r.cs = unsafe[_i].cs;
	ck_assert_msg(!sysret_is_safe(&r), "%s: SYSRET allowed", unsafe[_i].what);
}
END_TEST

START_TEST(user_ip_bounds)
{
	ck_assert(user_ip_ok(0));
	ck_assert(user_ip_ok(LSTAR_USER_TOP - 1));
	ck_assert(!user_ip_ok(LSTAR_USER_TOP));
	ck_assert(!user_ip_ok(0x0000800000000000UL));
	ck_assert(!user_ip_ok(~0UL));
}
END_TEST

/* Whatever ring 3 (or a jump to LSTAR with a forged r11) asks for, the
 * flags it gets back are unprivileged. */
START_TEST(flags_are_sanitized)
{
	const unsigned long hostile[] = {
		0, ~0UL, X86_EFLAGS_IOPL, X86_EFLAGS_IOPL | X86_EFLAGS_IF, X86_EFLAGS_NT,
		X86_EFLAGS_VM | X86_EFLAGS_VIF | X86_EFLAGS_VIP, X86_EFLAGS_RF, 0x3202, 0x246,
	};

	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		unsigned long f = user_flags(hostile[i]);

		ck_assert_uint_eq(f & X86_EFLAGS_IOPL, 0);
		ck_assert_uint_eq(f & (X86_EFLAGS_NT | X86_EFLAGS_RF | X86_EFLAGS_VM |
				       X86_EFLAGS_VIF | X86_EFLAGS_VIP), 0);
		ck_assert_uint_eq(f & (X86_EFLAGS_IF | X86_EFLAGS_FIXED),
				  X86_EFLAGS_IF | X86_EFLAGS_FIXED);
		ck_assert_uint_eq(user_flags(f), f);	/* idempotent */
	}
	/* The program's own flags survive. */
	ck_assert_uint_eq(user_flags(0x246), 0x246);
}
END_TEST

Suite *suite_entry(void)
{
	Suite *s = suite_create("entry");
	TCase *tc = tcase_create("exit-path");

	tcase_add_test(tc, good_frame_takes_sysret);
	tcase_add_loop_test(tc, unsafe_frame_takes_iret, 0, sizeof(unsafe) / sizeof(unsafe[0]));
	tcase_add_test(tc, user_ip_bounds);
	tcase_add_test(tc, flags_are_sanitized);
	suite_add_tcase(s, tc);
	return s;
}
