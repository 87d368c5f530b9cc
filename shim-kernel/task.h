/* SPDX-License-Identifier: MIT */
/*
 * task.h - a thread of the program, as the shim keeps it: what is its
 * own and not the process's.  The running CPU's is current().
 */
#ifndef SHIM_TASK_H
#define SHIM_TASK_H

#include <asm-generic/siginfo.h>
#include "shim.h"

/*
 * Small on purpose: starting a thread clears its slot, and on PVM each
 * cleared qword is an emulated store (~0.8 us).  What only a set bit
 * gives meaning to (a pending signal's siginfo) lives elsewhere.
 */
struct task {
	int tid;			/* 0: the slot is free */
	unsigned int cpu;		/* the vCPU that runs it, for good */
	struct percpu *pcpu;		/* that vCPU's per-CPU area */
	uint64_t clear_child_tid;	/* set_tid_address */
	uint64_t robust_list;		/* set_robust_list */
	uint64_t sigblocked;		/* the signals it blocks */
	uint64_t saved_sigmask;		/* rt_sigsuspend's caller's mask, ... */
	bool restore_sigmask;		/* ... back once a signal is delivered */
	uint64_t waiting_for;		/* rt_sigtimedwait's set, while it waits */
	uint64_t sigpending;		/* the signals waiting for it (each
					 * one's siginfo: signal.c) */
	uint64_t trapno, error_code, cr2; /* the fault being signalled */
	struct {			/* sigaltstack */
		uint64_t sp;
		int32_t flags;		/* SS_AUTODISARM, or SS_DISABLE */
		int32_t _pad;
		uint64_t size;		/* 0: none */
	} altstack;
	/* How a new thread starts (clone): its frame, TLS and GS bases. */
	struct pt_regs start_regs;
	uint64_t start_fs, start_gs;
	bool must_exit;			/* another thread's execve ends this one */
	/* A fork's clone flags and child_tid, for the child (do_fork). */
	uint64_t fork_flags, fork_child_tid;
};

/*
 * The program's threads: one per vCPU, tasks[n] on vCPU n for as long as
 * it lives (lstar schedules nothing: the host schedules the vCPUs).  The
 * slots and the counts are under process_lock.
 */
extern struct task tasks[LSTAR_MAX_VCPUS];
extern unsigned int nr_threads;
extern unsigned int task_slots;		/* tasks[] ever used: [0, task_slots) */

/* Who the process is (boot_info's at boot; a forked child's own).  Its
 * parent is the boot page's, which the VMM keeps (sys_getppid). */
extern int process_pid;

/* The thread with tid, or NULL (under process_lock). */
struct task *task_by_tid(int tid);

/* Start current() on this vCPU from its start_regs (thread.c). */
noreturn void task_start(void);
/* This vCPU is a forked child's only one: become the process the fork
 * made, then go on as current() (thread.c). */
noreturn void fork_child_start(void);

static inline struct task *current(void)
{
	return this_cpu_read(current);
}

#endif /* SHIM_TASK_H */
