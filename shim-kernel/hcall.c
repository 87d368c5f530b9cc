/* SPDX-License-Identifier: MIT */
/*
 * hcall.c - the guest side of the hypercalls that end the run.  The
 * forwarding of syscalls lives in syscall.c (it is on the hot path).
 */
#include "shim.h"

noreturn void hc_exit(uint32_t kind, int32_t status,
		      const struct pt_regs *regs, uint64_t vector,
		      uint64_t fault_addr)
{
	struct lstar_hc_exit *e = &hc_block()->exit;

	e->kind = kind;
	e->status = status;
	e->vector = vector;
	e->fault_addr = fault_addr;
	e->error_code = regs ? regs->orig_ax : 0;
	if (regs)
		memcpy(e->regs, regs, sizeof(e->regs));
	_Static_assert(sizeof(e->regs) == sizeof(*regs), "exit regs");
	_Static_assert(__builtin_offsetof(struct pt_regs, orig_ax) ==
		       LSTAR_REG_ORIG_RAX * 8, "exit regs: enum lstar_exit_reg");
	_Static_assert(__builtin_offsetof(struct pt_regs, di) == LSTAR_REG_RDI * 8 &&
		       __builtin_offsetof(struct pt_regs, r10) == LSTAR_REG_R10 * 8 &&
		       __builtin_offsetof(struct pt_regs, ip) == LSTAR_REG_RIP * 8 &&
		       __builtin_offsetof(struct pt_regs, ss) == LSTAR_REG_SS * 8,
		       "exit regs: enum lstar_exit_reg");
	for (;;) {
		/* The VMM never resumes an exit; should it, ask again. */
		hcall(LSTAR_HC_EXIT);
	}
}
