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
}
