/* SPDX-License-Identifier: MIT */
/*
 * The per-CPU area: one per vCPU (boot.c), GS points at it while the shim
 * runs (KERNEL_GS_BASE holds it while ring 3 runs; `swapgs` on every
 * entry from and exit to ring 3 trades the two).  It begins with the TSS,
 * so the syscall stub loads its stack straight from TSS.rsp0, as Linux's
 * does.
 */
#ifndef SHIM_PERCPU_H
#define SHIM_PERCPU_H

#include <stdbool.h>
#include <stdint.h>

/* The 64-bit TSS (Intel SDM vol. 3, 8.7). */
struct x86_hw_tss {
	uint32_t reserved1;
	uint64_t sp0;		/* stack for entries from ring 3 */
	uint64_t sp1;
	uint64_t sp2;
	uint64_t reserved2;
	uint64_t ist[7];	/* IST1..IST7: #DF, NMI, #MC stacks */
	uint32_t reserved3;
	uint32_t reserved4;
	uint16_t reserved5;
	uint16_t io_bitmap_base; /* at or past the limit: no I/O bitmap */
} __attribute__((packed));

_Static_assert(sizeof(struct x86_hw_tss) == 104, "TSS is 104 bytes");

struct task;
struct lstar_hc;

struct percpu {
	struct x86_hw_tss tss;
	uint64_t user_rsp_scratch;	/* user RSP between SYSCALL and the push */
	struct percpu *self;		/* this area's address: this_cpu() */
	struct task *current;		/* the thread this CPU runs */
	struct lstar_hc *hc;		/* this CPU's hypercall block ... */
	uint32_t hc_gpa;		/* ... and its guest-physical address,
					 * which each hypercall passes */
	uint32_t cpu;			/* this CPU's index */
	/* Work for the way back to ring 3, read as one word there. */
	union {
		struct {
			uint8_t sig_work;	/* current has a signal to deliver */
			/* lstar fuzz: stop before ring 3 (LSTAR_HC_AT_USER) */
			uint8_t fuzz_stop;
		};
		uint16_t exit_work;
	};
	/* Another CPU freed pages this one's TLB may still map: flush it
	 * (tlb_sync) before the shim or ring 3 uses a user address. */
	uint8_t tlb_stale;
	/* Ring 3 runs here (set on the way out, cleared on the way in): a
	 * CPU that shrinks the map waits for such a CPU to flush. */
	uint8_t in_user;
	uint32_t tlb_gen;		/* the mm generation its TLB has seen */
	/* The system call being answered: whether the VMM saw it (it
	 * forwarded it, or a hypercall the VMM traces was made for it), in
	 * which case the VMM traces it and the shim does not. */
	bool vmm_saw_call;
} __attribute__((aligned(64)));

/* this_cpu_read - one field of the running CPU's area, in one load. */
#define this_cpu_read(field) ({						\
	__typeof__(((struct percpu *)0)->field) v__;			\
	asm volatile("mov %%gs:%c1, %0" : "=r"(v__)			\
		     : "i"(__builtin_offsetof(struct percpu, field)));	\
	v__;								\
})

/* this_cpu_write - set one field of the running CPU's area, in one store. */
#define this_cpu_write(field, val) do {					\
	__typeof__(((struct percpu *)0)->field) v__ = (val);		\
	asm volatile("mov %0, %%gs:%c1" : : "r"(v__),			\
		     "i"(__builtin_offsetof(struct percpu, field)) : "memory"); \
} while (0)

/* this_cpu - the per-CPU area of the CPU running the shim (GS holds it). */
static inline struct percpu *this_cpu(void)
{
	return this_cpu_read(self);
}

#endif /* SHIM_PERCPU_H */
