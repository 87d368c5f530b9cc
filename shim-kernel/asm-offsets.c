/* SPDX-License-Identifier: MIT */
/*
 * asm-offsets.c - compiled to assembly only; the build turns each DEFINE
 * into a #define in asm-offsets.h, so entry.S uses C's offsets and never
 * types one twice (the kbuild technique).
 */
#include <stddef.h>
#include "lstar_abi.h"
#include "pt_regs.h"
#include "x86.h"
#include "percpu.h"
#include "policy.h"
#include "shim.h"

#define DEFINE(sym, val) \
	asm volatile("\n.ascii \"->" #sym " %c0\"" : : "i"(val))

void asm_offsets(void);

void asm_offsets(void)
{
	DEFINE(PTREGS_SIZE, sizeof(struct pt_regs));
	DEFINE(PTREGS_AX, offsetof(struct pt_regs, ax));
	DEFINE(PTREGS_ORIG_AX, offsetof(struct pt_regs, orig_ax));
	DEFINE(PTREGS_IP, offsetof(struct pt_regs, ip));
	DEFINE(PTREGS_CS, offsetof(struct pt_regs, cs));
	DEFINE(PTREGS_FLAGS, offsetof(struct pt_regs, flags));
	DEFINE(PTREGS_SP, offsetof(struct pt_regs, sp));
	/* Offsets from the stack pointer just after orig_ax was pushed. */
	DEFINE(IRET_CS_FROM_ORIG_AX,
	       offsetof(struct pt_regs, cs) - offsetof(struct pt_regs, orig_ax));
	DEFINE(IRET_SP_FROM_IP,
	       offsetof(struct pt_regs, sp) - offsetof(struct pt_regs, ip));
	DEFINE(PERCPU_TSS_RSP0, offsetof(struct percpu, tss) + offsetof(struct x86_hw_tss, sp0));
	DEFINE(PERCPU_USER_RSP, offsetof(struct percpu, user_rsp_scratch));
	DEFINE(HC_FLOOR_PORT, LSTAR_HC_PORT + LSTAR_HC_FLOOR);
	DEFINE(PF_INSTR, X86_PF_INSTR);
	/* asm_pvm_pf's ways. */
	DEFINE(NR_SYSCALLS, LSTAR_POLICY_NR);
	DEFINE(LSTAR_FAST_FORWARD, LSTAR_FAST_FORWARD);
	DEFINE(LSTAR_FAST_ARGS, LSTAR_FAST_ARGS);
	DEFINE(LSTAR_FAST_ALLOW, LSTAR_FAST_ALLOW);
	DEFINE(SYSCALL_JUDGE_FULL_NEG, -SYSCALL_JUDGE_FULL);
	/* ... and its arguments way: the half of the frame it leaves out. */
	DEFINE(PTREGS_R15, offsetof(struct pt_regs, r15));
	DEFINE(PTREGS_R14, offsetof(struct pt_regs, r14));
	DEFINE(PTREGS_R13, offsetof(struct pt_regs, r13));
	DEFINE(PTREGS_R12, offsetof(struct pt_regs, r12));
	DEFINE(PTREGS_BP, offsetof(struct pt_regs, bp));
	DEFINE(PTREGS_BX, offsetof(struct pt_regs, bx));
	DEFINE(PTREGS_CALLEE_SAVED, offsetof(struct pt_regs, r11));
	DEFINE(PERCPU_EXIT_WORK, offsetof(struct percpu, exit_work));
	DEFINE(PERCPU_TLB_STALE, offsetof(struct percpu, tlb_stale));
	DEFINE(PERCPU_IN_USER, offsetof(struct percpu, in_user));
	DEFINE(SYSRET_FLAGS_MASK, X86_SYSRET_FLAGS_MASK);
	DEFINE(SYSRET_FLAGS_WANT, X86_SYSRET_FLAGS_WANT);
	DEFINE(USER_TOP_LOW_PAGES, (LSTAR_USER_TOP & 0xffffffff) >> 12);
	DEFINE(USER_TOP_HIGH, (uint32_t)(LSTAR_USER_TOP >> 32));
}
