/* SPDX-License-Identifier: MIT */
/*
 * task.h - a thread of the program, as the shim keeps it: what is its
 * own and not the process's.  The running CPU's is current().
 */
#ifndef SHIM_TASK_H
#define SHIM_TASK_H

#include <asm-generic/siginfo.h>
#include "shim.h"

struct task {
	int tid;
	uint64_t clear_child_tid;	/* set_tid_address */
	uint64_t robust_list;		/* set_robust_list */
	uint64_t sigblocked;		/* the signals it blocks */
	uint64_t saved_sigmask;		/* rt_sigsuspend's caller's mask, ... */
	bool restore_sigmask;		/* ... back once a signal is delivered */
	uint64_t sigpending;		/* the signals waiting for it ... */
	siginfo_t pending_info[64];	/* ... and each one's siginfo */
	uint64_t trapno, error_code, cr2; /* the fault being signalled */
	struct {			/* sigaltstack */
		uint64_t sp;
		int32_t flags;		/* SS_AUTODISARM, or SS_DISABLE */
		int32_t _pad;
		uint64_t size;		/* 0: none */
	} altstack;
};

static inline struct task *current(void)
{
	return this_cpu_read(current);
}

#endif /* SHIM_TASK_H */
