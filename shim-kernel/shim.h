/* SPDX-License-Identifier: MIT */
/*
 * shim.h - what the parts of the shim kernel share: types, CPU helpers,
 * and the prototypes of each module (boot, traps, syscall, mm, hcall).
 *
 * The shim is freestanding: no libc, no SSE, no red zone.  It runs in guest
 * ring 0 (emulated on PVM, where every instruction costs ~360 ns, so hot
 * paths stay short) and trusts nothing ring 3 gives it.
 */
#ifndef SHIM_H
#define SHIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <asm-generic/errno.h>
#include <asm/unistd_64.h>

#include "lstar_abi.h"
#include "percpu.h"
#include "pt_regs.h"
#include "x86.h"

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define noreturn	__attribute__((noreturn))

#define PAGE_SIZE	((unsigned long)LSTAR_PAGE_SIZE)
#define PAGE_MASK	(~(PAGE_SIZE - 1))
#define PAGE_ALIGN(x)	(((x) + PAGE_SIZE - 1) & PAGE_MASK)

/*
 * The privileged instructions and the guest's fixed windows.  The host
 * build of the memory code (tests/test_shim_mm.c defines SHIM_HOST_TEST)
 * provides these itself, over a mapping of its own.
 */
#ifndef SHIM_HOST_TEST
/* Guest-physical gpa is at SHIM_DIRECT_MAP + gpa (the direct map). */
#define SHIM_DIRECT_MAP	LSTAR_DIRECT_MAP

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t val)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((uint32_t)val),
		     "d"((uint32_t)(val >> 32)) : "memory");
}

static inline uint64_t read_cr2(void)
{
	uint64_t v;

	asm volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline uint64_t read_cr3(void)
{
	uint64_t v;

	asm volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static inline void write_cr3(uint64_t v)
{
	asm volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

static inline void invlpg(uint64_t va)
{
	asm volatile("invlpg (%0)" : : "r"(va) : "memory");
}
#else
#define SHIM_DIRECT_MAP	((uint64_t)shim_test_ram)
extern uint8_t *shim_test_ram;
uint64_t read_cr3(void);
void write_cr3(uint64_t v);
void invlpg(uint64_t va);
#endif /* SHIM_HOST_TEST */

/*
 * array_index_nospec - clamp idx to [0, size) without a branch the CPU
 * could speculate past: mask is all ones when idx < size, else zero.
 */
static inline unsigned long array_index_nospec(unsigned long idx,
					       unsigned long size)
{
	unsigned long mask;

	asm volatile("cmp %1, %2; sbb %0, %0" : "=r"(mask)
		     : "g"(size), "r"(idx) : "cc");
	return idx & mask;
}

/* Library (lib.c). */
void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);

/*
 * What the VMM wrote at boot, read where it wrote it: the page is the
 * shim's alone, and after boot the VMM changes only ppid and fuzz_undo
 * there, which are read through boot_info_live.  Not copied: on PVM each
 * copied qword is an emulated store, and the copy cost ~130 us a start.
 */
#ifndef SHIM_HOST_TEST
#define boot_info (*(const struct lstar_boot_info *)(LSTAR_KERNEL_BASE + LSTAR_BOOT_GPA))
#else
extern struct lstar_boot_info boot_info;	/* the test's */
#endif
/* A field of the boot page the VMM changes while the program runs, as
 * it is now. */
#define boot_info_live(field) (((const volatile struct lstar_boot_info *)&boot_info)->field)

/*
 * Hypercalls (hcall.c).  Each CPU has its block (LSTAR_HC_BLOCK_GPA); a
 * hypercall is `out` of the block's guest-physical address to the port
 * LSTAR_HC_PORT + nr, so the VMM knows which block, and checks it is the
 * calling vCPU's.
 */
#ifndef SHIM_HOST_TEST
static inline struct lstar_hc *hc_block(void)
{
	return this_cpu_read(hc);
}

/* hcall - hand the block to the VMM; returns when the VMM resumes us. */
static inline void hcall(uint32_t nr)
{
	asm volatile("outl %0, %w1" : : "a"(this_cpu_read(hc_gpa)),
		     "d"((uint16_t)(LSTAR_HC_PORT + nr)) : "memory");
}
#else
struct lstar_hc *hc_block(void);
void hcall(uint32_t nr);
#endif


/*
 * The process's lock: it guards what the process's threads share, its
 * memory (mm.c) and its signal actions (signal.c).  One lock for now;
 * finer ones when threads show contention.  Not taken on the forwarding
 * path, which shares nothing in the shim.
 */
struct spinlock {
	uint32_t locked;
};

extern struct spinlock process_lock;

static inline void spin_lock(struct spinlock *l)
{
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			__builtin_ia32_pause();
}

static inline void spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

/* shim_saw_vmm_call - the VMM saw the system call being answered (it was
 * forwarded, or a hypercall the VMM traces was made for it): the VMM
 * traces it, the shim must not. */
#ifndef SHIM_HOST_TEST
static inline void shim_saw_vmm_call(void)
{
	this_cpu_write(vmm_saw_call, true);
}
#else
void shim_saw_vmm_call(void);
#endif

/* hc_exit - end the run: the VMM reports and never resumes the shim. */
noreturn void hc_exit(uint32_t kind, int32_t status,
		      const struct pt_regs *regs, uint64_t vector,
		      uint64_t fault_addr);

/* Traps (traps.c). */
/* percpu_of - vCPU cpu's per-CPU area (boot.c). */
struct percpu *percpu_of(unsigned int cpu);
/*
 * tlb_sync - flush this CPU's TLB if another CPU freed pages since it
 * last did (force: whatever it holds), and say it has (mm.c).  On every
 * entry from ring 3, before the shim touches a user address.
 */
void tlb_sync(bool force);
/*
 * tlb_leave_for_user - the last step before ring 3 (mm.c): say ring 3
 * runs here, then flush if another CPU changed the map meanwhile (it
 * either sees this CPU in ring 3 and waits for its flush, or this CPU
 * sees its flag).
 */
static inline void tlb_leave_for_user(void)
{
	__atomic_exchange_n(&this_cpu()->in_user, 1, __ATOMIC_SEQ_CST);
	if (__builtin_expect(this_cpu_read(tlb_stale), 0))
		tlb_sync(false);
}
void idt_load(void);
noreturn void force_sig_exit(struct pt_regs *regs, int sig, uint64_t vector,
			     uint64_t addr);

/* Syscalls (syscall.c). */
bool do_syscall_64(struct pt_regs *regs, int nr);
/* asm_pvm_pf's ways: the policy's hints (LSTAR_FAST_*: which way each
 * call takes), copied where an instruction reaches them by the number
 * alone, and where the register way ends when the shim has to act after
 * all (entry.S). */
extern uint8_t fast_ways[];
bool syscall_forwarded(struct pt_regs *regs, bool act);
/* The handlers, by number (syscall.c); entry.S's arguments way calls
 * them straight. */
typedef long (*sys_call_ptr_t)(struct pt_regs *regs);
extern const sys_call_ptr_t sys_call_table[];
/* The arguments way's policy verdict, and the handler's result; or, for
 * a verdict that needs the whole frame, this (no call returns it). */
#define SYSCALL_JUDGE_FULL	(-4096L)
long syscall_judge(struct pt_regs *regs);
bool syscall_exit_to_user(struct pt_regs *regs);
long sys_ni_syscall(struct pt_regs *regs);
void policy_init(void);		/* find boot_info's policy table */

/*
 * The calls the shim answers: sys_<name> for each include/syscalls.def
 * row whose `where` is SHIM, in process.c, signal.c and mm.c.  A row
 * without its function does not link; a function without a row has no
 * prototype, which -Wmissing-prototypes makes a build error.
 */
#define SHIM_HANDLER_SHIM(nm)		long sys_##nm(struct pt_regs *regs);
#define SHIM_HANDLER_VMM(nm)
#define SHIM_HANDLER_VMM_WRITE(nm)
#define SHIM_HANDLER_VMM_SIGMASK(nm)
#define SHIM_HANDLER_NONE(nm)
#define SYSCALL(nm, w, g, p, t, r, a0, a1, a2, a3, a4, a5) SHIM_HANDLER_##w(nm)
#include "syscalls.def"
#undef SHIM_HANDLER_SHIM
#undef SHIM_HANDLER_VMM
#undef SHIM_HANDLER_VMM_WRITE
#undef SHIM_HANDLER_VMM_SIGMASK
#undef SHIM_HANDLER_NONE

/*
 * Signals (signal.c).  signal_deliver - on the way back to ring 3, with
 * a signal ready (the per-CPU sig_work): the default action, or the
 * handler's frame.  force_sig_fault - the program faulted: queue sig
 * with Linux's si_code and si_addr for its handler, or end the program
 * when none may run.  sig_send_pipe - a write hit a pipe nobody reads.
 */
void signal_deliver(struct pt_regs *regs);
void force_sig_fault(struct pt_regs *regs, int sig, int code, uint64_t addr,
		     uint64_t vector, uint64_t error_code);
void sig_send_pipe(void);
/* signal_take_events - queue the signals from outside the guest that the
 * VMM holds for this thread (LSTAR_HC_EVENTS). */
void signal_take_events(void);
/* signal_forked - a forked child starts with nothing pending (under
 * process_lock).  signal_init - at boot: the signals the program that
 * called execve ignored stay ignored (boot_info.sig_ignored).
 * signal_ignored_set - those, for execve. */
void signal_forked(void);
/* signal_mask_for_call - ppoll, pselect6, epoll_pwait(2): the call's
 * signal mask (8 bytes at gva) in place of the thread's while it waits;
 * 0, 1 when a signal it lets in is already pending (both: in place), or
 * -errno (not).  signal_mask_after_call - the call returned ret: the
 * caller's mask back, now or once the signal is delivered. */
int signal_mask_for_call(uint64_t gva, uint64_t size);
void signal_mask_after_call(long ret);
/* fpu_call - ask the VMM (LSTAR_HC_FPU, enum lstar_fpu_op op) to save the
 * FPU state at fpstate and reset it for a handler, restore it from there,
 * reset it, or tell its status words; the VMM's answer. */
int64_t fpu_call(uint32_t op, uint64_t fpstate);
/* signal_zap_others - execve: every other thread ends, as soon as it
 * next leaves the shim for ring 3 (it is kicked there);
 * thread_zapped - that end (thread.c). */
void signal_zap_others(void);
noreturn void thread_zapped(void);
void signal_init(void);
uint64_t signal_ignored_set(void);

/* Memory (mm.c). */
void mm_init(void);
/* mm_fork_lock, mm_fork_unlock - hold the memory's books whole while the
 * VMM copies the VM for a fork (and let the copy's go in the child). */
void mm_fork_lock(void);
void mm_fork_unlock(void);
/* mm_fuzz_undo - lstar fuzz (LSTAR_START_UNDO): write back the page-table
 * entries changed since the snapshot, tell the VMM, and halt. */
noreturn void mm_fuzz_undo(void);
int copy_to_user(uint64_t dst, const void *src, size_t n);
int copy_from_user(void *dst, uint64_t src, size_t n);
/* mm_sigbus_at - is va a page of a file mapping (shared or private) past
 * its file's end (a fault there is SIGBUS)? */
bool mm_sigbus_at(uint64_t va, uint64_t error_code);
/* mm_fault_file - map the page of a shared file mapping at va if its
 * file has grown to reach it since; true: try the touch again. */
bool mm_fault_file(uint64_t va, uint64_t error_code);
/* user_cmpxchg32 - compare the aligned user word at uaddr with old and
 * store new if equal, atomically against ring 3 on any CPU; *cur gets
 * what was there.  0 or -EFAULT (not mapped writable). */
int user_cmpxchg32(uint64_t uaddr, uint32_t old, uint32_t new, uint32_t *cur);

/* Entry code (entry.S). */
void entry_SYSCALL_64(void);
void syscall_mask_init(bool gated);	/* boot.c */
extern bool syscall_gate_off;		/* traps.c */
void syscall_gate_turn_off(void);
noreturn void return_to_user(struct pt_regs *regs, bool sysret);
/* The IDTs, each IDT_SIZE bytes: idt_load picks one. */
#define IDT_SIZE	(256 * 16)
extern const char idt_native[IDT_SIZE], idt_pvm[IDT_SIZE], idt_pvm_floor[IDT_SIZE];
void asm_exc_240(void);		/* LSTAR_VECTOR_EVENT */
void asm_pvm_pf(void);			/* #PF on PVM: a syscall, or asm_exc_14 */
void pvm_forward_done(void);		/* ... the register way's three ends, */
void pvm_forward_act(void);		/* where the VMM resumes it */
void pvm_forward_refused(void);
void floor_syscall(void);		/* LSTAR_BOOT_FLOOR's LSTAR (hardware) */
void asm_floor_pf(void);		/* ... and its #PF (PVM) */

#endif /* SHIM_H */
