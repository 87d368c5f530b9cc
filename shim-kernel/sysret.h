/* SPDX-License-Identifier: MIT */
/*
 * sysret.h - the decisions of the exit path, as pure functions so that
 * the host's unit tests run exactly the code the shim runs.
 *
 * SYSRET restores RIP from RCX and RFLAGS from R11 and loads fixed CS/SS;
 * it is only equivalent to IRET on the saved frame when the frame already
 * looks like what SYSRET would produce.  A non-canonical RCX makes SYSRET
 * fault in ring 0 on Intel CPUs (CVE-2012-0217), so RIP must be a user
 * address below the top of user space (Linux's TASK_SIZE_MAX test).
 */
#ifndef SHIM_SYSRET_H
#define SHIM_SYSRET_H

#include <stdbool.h>

#include "lstar_abi.h"
#include "pt_regs.h"
#include "x86.h"

/*
 * user_flags - the RFLAGS ring 3 may have: IOPL 0 (no in/out, no cli), NT,
 * RF, VM, VIF and VIP clear, IF set, the fixed bit set; the arithmetic
 * flags, DF, TF, AC and ID are the program's own.
 */
static inline unsigned long user_flags(unsigned long flags)
{
	return (flags & ~X86_EFLAGS_NOT_USER) | X86_EFLAGS_IF | X86_EFLAGS_FIXED;
}

/* Can ring 3 resume at ip at all?  (Otherwise the program must die.) */
static inline bool user_ip_ok(unsigned long ip)
{
	return ip < LSTAR_USER_TOP;
}

/*
 * sysret_is_safe - may SYSRET restore this (sanitized) frame?  Linux's
 * checks from do_syscall_64(): rcx == ip, r11 == flags, ip a user address,
 * no RF or TF (SYSRET cannot restore RF; TF would trap in the shim), and
 * the user selectors SYSRET loads.
 */
static inline bool sysret_is_safe(const struct pt_regs *regs)
{
	return regs->cx == regs->ip && regs->r11 == regs->flags &&
	       user_ip_ok(regs->ip) &&
	       !(regs->flags & (X86_EFLAGS_RF | X86_EFLAGS_TF)) &&
	       regs->cs == LSTAR_USER_CS && regs->ss == LSTAR_USER_DS;
}

#endif /* SHIM_SYSRET_H */
