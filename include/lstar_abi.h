/* SPDX-License-Identifier: MIT */
/*
 * lstar_abi.h - the one contract between the shim kernel (guest ring 0)
 * and the VMM (host).  Nothing else crosses the boundary.
 *
 * Every field is fixed width with explicit padding; sizes and offsets are
 * asserted at the bottom.  A guest address is a number (lstar_gpa_t for
 * guest-physical, lstar_gva_t for guest-virtual), never a host pointer.
 *
 * Guest-physical memory (one KVM memory slot, starting at 0):
 *
 *   0x00000000 +--------------------------+
 *              | unused (null page)       |
 *   0x00001000 +--------------------------+ LSTAR_BOOT_GPA
 *              | struct lstar_boot_info   |  written by the VMM, read-only
 *              |                          |  for the shim after boot
 *   0x00002000 +--------------------------+ LSTAR_HC_GPA
 *              | struct lstar_hc, one     |  hypercall blocks (shim <-> VMM),
 *              | page per vCPU            |  LSTAR_HC_BLOCK_GPA(cpu)
 *   0x00102000 +--------------------------+
 *              | unused                   |
 *   0x00200000 +--------------------------+ LSTAR_SHIM_GPA
 *              | shim image: text, rodata,|  loaded from the embedded ELF,
 *              | data, bss (per vCPU: its |  W^X per segment; the bss of
 *              | stacks, GDT, TSS, per-CPU|  vCPUs never started is never
 *              | area, thread; the IDT)   |  touched, and costs the host
 *              |                          |  nothing
 *   0x01200000 +--------------------------+ LSTAR_POOL_GPA
 *              | free-page stack, table   |  the VMM's, at load time: the
 *              | counts, the compiled     |  pool never hands these out
 *              | policy (boot_info.policy)|
 *              +--------------------------+
 *              | page pool: page tables,  |  handed out page by page; the
 *              | program memory (--mem    |  VMM uses the bottom at load
 *              | bytes)                   |  time, the shim owns the rest
 *   pool_end   +--------------------------+ boot_info.shm_gpa
 *              | System V segments: one   |  a host mapping all the
 *              | region the sandbox's     |  sandbox's VMMs share (a slot
 *              | processes share (--mem   |  of its own); the shim maps
 *              | bytes; none under fuzz)  |  its frames into user space
 *              +--------------------------+ boot_info.map_gpa
 *              | shared file mappings: a  |  the VMM maps each file
 *              | window of --mem bytes    |  MAP_SHARED there (slot 2);
 *              | (none under fuzz)        |  the host's page cache is
 *              |                          |  the pages
 *              +--------------------------+
 *
 * Guest-virtual memory (one address space, 4-level paging):
 *
 *   0x0000000000000000 .. 0x00007fffffffffff   user (ring 3): the program,
 *                                              its heap, mmaps and stack;
 *                                              the vDSO and its time page
 *                                              (vvar, just below the vDSO)
 *                                              at the top of the mmap area
 *   0xffff888000000000 + gpa                   direct map of the page pool
 *                                              and the segments, supervisor,
 *                                              NX (LSTAR_DIRECT_MAP)
 *   0xffffffff80000000 + gpa                   the low 18 MiB: boot info,
 *                                              hypercall block, shim image,
 *                                              supervisor (LSTAR_KERNEL_BASE)
 *
 * Hypercalls: the shim fills its vCPU's struct lstar_hc and executes
 * `outl %eax, %dx` with eax = the block's guest-physical address and dx =
 * LSTAR_HC_PORT + the call number (LSTAR_HC_*).  The VMM checks that the
 * block is the calling vCPU's, copies it into host memory before it looks
 * at any field, runs the call and writes only the OUT fields back.  Ring 3 cannot reach the
 * port: user RFLAGS.IOPL is 0 and the TSS has no I/O permission bitmap.
 */
#ifndef LSTAR_ABI_H
#define LSTAR_ABI_H

#ifndef __ASSEMBLER__
#include <stdint.h>
#endif
#include "lstar_limits.h"

#define LSTAR_ABI_VERSION	19
#define LSTAR_SHIM_MAGIC	0x4d4948535241544cULL	/* "LTARSHIM", little-endian */
#define LSTAR_BOOT_MAGIC	0x544f4f4252415453ULL	/* "STARBOOT" */

#define LSTAR_PAGE_SIZE		4096

/* The time page (struct lstar_vvar) lies this far below the vDSO's ELF
 * header; the vDSO's linker script places its symbol there too. */
#define LSTAR_VVAR_OFFSET	LSTAR_PAGE_SIZE

/* Guest-physical layout. */
#define LSTAR_BOOT_GPA		0x1000
#define LSTAR_HC_GPA		0x2000		/* vCPU 0's hypercall block */
#define LSTAR_HC_BLOCK_GPA(cpu)	(LSTAR_HC_GPA + (uint64_t)(cpu) * LSTAR_PAGE_SIZE)
#define LSTAR_SHIM_GPA		0x200000
#define LSTAR_SHIM_LIMIT	0x1200000	/* shim image must end below */
#define LSTAR_POOL_GPA		LSTAR_SHIM_LIMIT

/* Guest-virtual layout. */
#define LSTAR_KERNEL_BASE	0xffffffff80000000ULL
#define LSTAR_DIRECT_MAP	0xffff888000000000ULL
#define LSTAR_USER_TOP		0x00007ffffffff000ULL	/* first byte above user space */

/* Segment selectors: Linux's layout, which SYSRET's arithmetic requires. */
#define LSTAR_KERNEL_CS		0x10
#define LSTAR_KERNEL_DS		0x18
#define LSTAR_USER32_CS		0x23	/* STAR[63:48]; never a usable segment */
#define LSTAR_USER_DS		0x2b
#define LSTAR_USER_CS		0x33
#define LSTAR_TSS_SEL		0x40

/* Who the program is (docs/DECISIONS.md): its pid, uid and gid, which the
 * shim answers and the auxv carries; files the host user running lstar owns
 * show as its own, every other owner as LSTAR_NOBODY.  The uid, the gid
 * and the host name are the run's (lstar run --uid, --gid, --hostname:
 * boot_info.uid, gid, nodename); these are the defaults. */
#define LSTAR_GUEST_PID		2	/* alone in its VM, under an init */
#define LSTAR_GUEST_PPID	1
#define LSTAR_GUEST_UID		1000
#define LSTAR_GUEST_GID		1000
#define LSTAR_NOBODY		65534	/* Linux's overflowuid/overflowgid */
#define LSTAR_GUEST_HOSTNAME	"lstar"
#define LSTAR_HOSTNAME_MAX	64	/* bytes, Linux's __NEW_UTS_LEN */

/* Signals are numbered 1 to LSTAR_NSIG, as Linux's _NSIG on x86-64: one
 * bit each in a 64-bit set. */
#define LSTAR_NSIG		64

/* The most vCPUs (threads alive at once) one VM has; their hypercall
 * blocks and the shim's per-CPU areas are laid out for this many. */
#define LSTAR_MAX_VCPUS		LSTAR_MAX_THREADS

/*
 * What a forwarded call the VMM had to interrupt for a signal returns
 * (Linux's kernel-internal codes, never seen by the program): the shim
 * restarts the call, or fails it with EINTR, by the signal's handler and
 * its SA_RESTART, as Linux does.  RESTARTBLOCK: the call resumes through
 * restart_syscall with what is left of it (a sleep's time).
 */
#define LSTAR_ERESTARTSYS	512	/* restart unless a handler ran without SA_RESTART */
#define LSTAR_ERESTARTNOINTR	513	/* restart always */
#define LSTAR_ERESTARTNOHAND	514	/* restart unless a handler ran */
#define LSTAR_ERESTART_RESTARTBLOCK 516	/* the same, through restart_syscall */
/* lstar fuzz's answer to the call where its snapshot goes (the input's
 * first read, or LSTAR_FUZZ_SNAPSHOT): not answered yet; stop on the
 * way back to ring 3 (LSTAR_HC_AT_USER), where each execution's answer
 * comes.  The call's result is 0 until then. */
#define LSTAR_FUZZ_STOP		517

/* The vector the VMM injects (KVM_INTERRUPT) into a vCPU running ring 3
 * when a signal from outside the guest waits for it (a timer, a signal
 * sent to lstar): the shim then takes them (LSTAR_HC_EVENTS). */
#define LSTAR_VECTOR_EVENT	0xf0

/* RSI at the shim's entry (RDI is the vCPU's index): what the vCPU
 * starts. */
#define LSTAR_START_BOOT	0	/* a program's first thread (boot_info) */
#define LSTAR_START_FORK	1	/* a forked child's only thread */
#define LSTAR_START_THREAD	2	/* a new thread, in its slot (LSTAR_HC_CLONE) */
#define LSTAR_START_UNDO	3	/* lstar fuzz: undo the page-table writes
					 * since the snapshot (LSTAR_HC_UNDONE) */

/* A software bit of the shim's user page-table entries: the entry is not
 * present (PROT_NONE) but keeps its frame, which the VMM's audit
 * (LSTAR_MM_AUDIT) counts as the shim does. */
#define LSTAR_PTE_BACKED	(1ULL << 9)

/*
 * The floor probes: with LSTAR_BOOT_FLOOR (set only by `lstar doctor`,
 * for its own loop program), a system call of number LSTAR_FLOOR_NR is
 * answered by a stub that only enters the shim and returns, and
 * LSTAR_FLOOR_NR + 1 by one that also makes one bare exit to the VMM
 * (LSTAR_HC_FLOOR), which the VMM resumes at once: what a call costs on
 * this platform with none of lstar's own work in it.
 */
#define LSTAR_FLOOR_NR		0x4c46

/*
 * The syscall gate (PVM only; docs/DECISIONS.md, "The syscall gate"): a
 * ring-3 `syscall` on PVM does not change privilege, it jumps to LSTAR
 * in ring 3, and only a fault there reaches the shim.  So MSR_LSTAR
 * points at __lstar_syscall_gate in the vDSO, which answers the calls
 * whose answer is a constant of the process the program may read anyway
 * (the bits in struct lstar_vvar's gate, set where the policy allows the
 * call outright and nothing reports calls) and sends every other call
 * on to LSTAR_ENTRY_SYSCALL, whose #PF is the shim's syscall entry.  The
 * vvar fields it reads, for the assembly:
 */
#define LSTAR_GATE_GETPID	(1u << 0)
#define LSTAR_GATE_GETUID	(1u << 1)	/* getuid and geteuid */
#define LSTAR_GATE_GETGID	(1u << 2)	/* getgid and getegid */
#define LSTAR_VVAR_PID		72
#define LSTAR_VVAR_UID		76
#define LSTAR_VVAR_GID		80
#define LSTAR_VVAR_GATE		84

/* The I/O ports of the hypercalls: LSTAR_HC_PORT + the call number. */
#define LSTAR_HC_PORT		0x0510

/*
 * The register way (PVM): the shim's syscall entry hands a call the VMM
 * answers over as it is, for the VMM to judge by the policy and make:
 * `outl %eax, $LSTAR_FORWARD_PORT` with every register as ring 3's
 * SYSCALL left it (rax the number, rdi, rsi, rdx, r10, r8, r9 the
 * arguments, rcx and r11 SYSRET's RIP and RFLAGS).  The VMM reads them
 * from KVM, fills the vCPU's hc.sys from them and makes the call as
 * LSTAR_HC_SYSCALL, then resumes the shim with rax the result at one of
 * the shim header's forward_* addresses.  An 8-bit port, so that the
 * `out` needs no register but rax.
 */
#define LSTAR_FORWARD_PORT	0x51

#ifndef __ASSEMBLER__

typedef uint64_t lstar_gpa_t;	/* guest-physical address */
typedef uint64_t lstar_gva_t;	/* guest-virtual address */

/* Is a forwarded call's result one of the codes above, the shim's to act
 * on and never the program's (an interruption, lstar fuzz's stop)? */
static inline int lstar_interrupted(int64_t ret)
{
	return ret <= -LSTAR_ERESTARTSYS && ret >= -LSTAR_FUZZ_STOP;
}

/* Hypercall numbers (the port of the `out`, less LSTAR_HC_PORT). */
enum lstar_hc_nr {
	LSTAR_HC_SYSCALL = 1,	/* forward a syscall: hc.sys */
	LSTAR_HC_EXIT = 2,	/* the program ended: hc.exit */
	LSTAR_HC_TRACE = 3,	/* a call the shim decided: hc.trace */
	LSTAR_HC_ZERO_PAGES = 4, /* re-zero freed pages: hc.zero */
	LSTAR_HC_MMAP_FILE = 5,	/* fill a private file mapping: hc.mmap */
	LSTAR_HC_FPU = 6,	/* the FPU state and a signal frame: hc.fpu */
	LSTAR_HC_EVENTS = 7,	/* signals from outside the guest: hc.events */
	LSTAR_HC_WAIT = 8,	/* sleep until events come: hc.wait */
	LSTAR_HC_CLONE = 9,	/* start a vCPU for a new thread: hc.clone */
	LSTAR_HC_THREAD_EXIT = 10, /* this vCPU's thread ended: hc.thread_exit */
	LSTAR_HC_KICK = 11,	/* interrupt another vCPU: hc.kick */
	LSTAR_HC_FORK = 12,	/* a new process, a copy of this one: hc.fork */
	LSTAR_HC_NEW_TID = 13,	/* a thread id from the sandbox's pids: hc.new_tid */
	LSTAR_HC_EXEC = 14,	/* replace the program: hc.exec */
	LSTAR_HC_SIGNAL = 15,	/* signal other processes: hc.signal */
	LSTAR_HC_CHILDREN = 16,	/* how the children end: hc.children */
	LSTAR_HC_UNDONE = 17,	/* lstar fuzz: the page tables are undone: hc.undone */
	LSTAR_HC_SHM = 18,	/* shmat of the coverage map: hc.shm */
	LSTAR_HC_AT_USER = 19,	/* lstar fuzz: the frame ring 3 gets: hc.at_user */
	LSTAR_HC_FLOOR = 20,	/* the floor probe's exit: nothing to do */
	LSTAR_HC_RELEASE = 21,	/* free a leaf table's frames: hc.release */
	LSTAR_HC_BACK = 22,	/* back a leaf table's empty entries: hc.back */
	LSTAR_HC_MAX
};

/* Platforms the VMM can detect; the shim picks its syscall entry by it. */
enum lstar_platform {
	LSTAR_PLATFORM_UNKNOWN = 0,
	LSTAR_PLATFORM_VMX = 1,	/* hardware KVM, Intel */
	LSTAR_PLATFORM_SVM = 2,	/* hardware KVM, AMD */
	LSTAR_PLATFORM_PVM = 3,	/* kvm_pvm: ring-3 syscall faults at LSTAR */
};

/* Boot flags. */
#define LSTAR_BOOT_VERBOSE	(1u << 0)	/* log refused syscalls */
#define LSTAR_BOOT_PROBE_MSR	(1u << 1)	/* doctor: read an MSR the
						 * VMM's filter forbids; the
						 * #GP proves the filter */
#define LSTAR_BOOT_TRACE	(1u << 2)	/* --trace, --learn: report every
						 * call answered in the guest */
#define LSTAR_BOOT_FUZZ		(1u << 3)	/* lstar fuzz: forward the
						 * program's LSTAR_FUZZ_SNAPSHOT
						 * (lstar_fuzz.h) */
#define LSTAR_BOOT_FLOOR	(1u << 4)	/* doctor: the floor probes
						 * (LSTAR_FLOOR_NR) */

/* One mapping the VMM made before boot (the ELF image, the stack). */
struct lstar_boot_vma {
	lstar_gva_t start;		/* page aligned */
	lstar_gva_t end;		/* page aligned, exclusive */
	uint32_t prot;			/* PROT_READ | PROT_WRITE | PROT_EXEC */
	uint32_t flags;			/* LSTAR_VMA_* */
};

#define LSTAR_VMA_IMAGE		(1u << 0)	/* from the ELF file */
#define LSTAR_VMA_STACK		(1u << 1)	/* the initial stack */
#define LSTAR_VMA_VDSO		(1u << 2)	/* the vDSO and its time page */
#define LSTAR_BOOT_MAX_VMAS	16

/*
 * Written by the VMM at LSTAR_BOOT_GPA before the first instruction of the
 * shim runs.  The shim reads it in place; the page is supervisor-only, so
 * ring 3 can neither read nor change it.
 */
struct lstar_boot_info {
	uint64_t magic;			/* LSTAR_BOOT_MAGIC */
	uint32_t abi_version;		/* LSTAR_ABI_VERSION */
	uint32_t platform;		/* enum lstar_platform */
	uint32_t flags;			/* LSTAR_BOOT_* */
	uint32_t nr_vmas;		/* entries used in vmas[] */
	/* Page pool (guest-physical), see the map above. */
	lstar_gpa_t pool_start;		/* first pool page */
	lstar_gpa_t pool_end;		/* one past the last pool page */
	lstar_gpa_t pool_next;		/* first page the VMM left unused */
	lstar_gpa_t free_stack;		/* pages for the free-page stack */
	uint64_t free_stack_slots;	/* its capacity, in 32-bit entries */
	lstar_gpa_t pml4;		/* root of the page tables (CR3) */
	/* The program. */
	lstar_gva_t entry;		/* first user RIP */
	lstar_gva_t stack_pointer;	/* initial user RSP (at argc) */
	lstar_gva_t brk_start;		/* initial program break */
	lstar_gva_t mmap_top;		/* mmaps are placed below this */
	lstar_gva_t mmap_min;		/* ... and at or above this */
	lstar_gpa_t table_counts;	/* one uint16_t per pool page: the
					 * entries in use of each page-table
					 * page (filled in for the VMM's) */
	/* The compiled policy (policy/policy.h), in the pool below
	 * pool_next: supervisor-only, reached through the direct map. */
	lstar_gpa_t policy;
	uint64_t policy_size;		/* bytes */
	/* Bytes of a signal frame's FPU area: the XSAVE image of the
	 * features the program sees and its closing magic (LSTAR_HC_FPU
	 * fills it); 0: no FPU state in frames. */
	uint32_t fpstate_size;
	/* The most threads the program may have at once (`limit threads`,
	 * at most LSTAR_MAX_VCPUS): clone is EAGAIN past it. */
	uint32_t max_threads;
	/* The CPUs the program's threads run on (sched_getaffinity): the
	 * host's that lstar may use, at most LSTAR_MAX_VCPUS. */
	uint32_t nr_cpus;
	/* Who the process is: its pid in the sandbox and its parent's (which
	 * the VMM keeps up to date here: the shim's getppid reads it). */
	int32_t pid, ppid;
	/* lstar fuzz: set by the VMM (in this page, live) once the snapshot
	 * is taken: the shim logs each page-table write from then on, so
	 * that LSTAR_START_UNDO can write the old values back. */
	uint32_t fuzz_undo;
	/* What survives execve of the signals (the first program: none
	 * blocked, none ignored): the calling thread's blocked set and the
	 * signals the process ignores, bit n - 1 for signal n. */
	uint64_t sig_blocked, sig_ignored;
	/* The sandbox's System V segments (LSTAR_HC_SHM): guest-physical
	 * [shm_gpa, shm_gpa + shm_size), above the pool and in the direct
	 * map; size 0: none (lstar fuzz). */
	lstar_gpa_t shm_gpa;
	uint64_t shm_size;
	/* The window of shared file mappings (LSTAR_HC_MMAP_FILE with
	 * MAP_SHARED): guest-physical [map_gpa, map_gpa + map_size), right
	 * above the segments, in the direct map; size 0: none. */
	lstar_gpa_t map_gpa;
	uint64_t map_size;
	/* Who the program is told it is (the same in every process of the
	 * sandbox): getuid and geteuid, getgid and getegid, its one
	 * supplementary group (the gid), and uname's nodename, NUL-padded. */
	uint32_t uid, gid;
	char nodename[LSTAR_HOSTNAME_MAX + 1];
	uint8_t _pad0[7];
	/* PVM: the syscall gate in the vDSO, [start, end), where MSR_LSTAR
	 * points; 0: none (hardware KVM, or no call it may answer). */
	lstar_gva_t syscall_gate, syscall_gate_end;
	struct lstar_boot_vma vmas[LSTAR_BOOT_MAX_VMAS];
};

/* LSTAR_HC_SYSCALL */
struct lstar_hc_sys {
	/* IN */
	uint64_t nr;			/* Linux x86-64 syscall number */
	uint64_t args[6];
	/* OUT */
	int64_t ret;			/* result or -errno */
};

/* What a trace record says of the call (struct lstar_hc_trace). */
enum lstar_trace_kind {
	LSTAR_TRACE_GUEST = 0,		/* allowed, answered in the guest */
	LSTAR_TRACE_DENIED = 1,		/* the policy failed it with -errno */
	LSTAR_TRACE_NOSYS = 2,		/* allowed, but lstar lacks it: -ENOSYS */
};

/*
 * LSTAR_HC_TRACE: a call the shim answered without forwarding it, sent
 * when the boot flags ask for a trace (LSTAR_BOOT_TRACE: all of them;
 * LSTAR_BOOT_VERBOSE: denied and missing ones) or the deciding rule is a
 * `log` rule.  Forwarded calls are traced by the VMM itself, on its own
 * verdict.  Nothing in it is trusted beyond printing it.
 */
struct lstar_hc_trace {
	/* IN */
	uint64_t nr;
	uint64_t args[6];
	int64_t ret;			/* what the program gets */
	uint32_t src;			/* the deciding rule's src */
	uint8_t action;			/* its enum lstar_policy_action */
	uint8_t kind;			/* enum lstar_trace_kind */
	uint16_t _pad0;
};

/* Why the program ended. */
enum lstar_exit_kind {
	LSTAR_EXIT_NORMAL = 0,		/* exit/exit_group: status */
	LSTAR_EXIT_SIGNAL = 1,		/* killed as signal `signo` would */
	LSTAR_EXIT_PANIC = 2,		/* the shim itself faulted */
};

/* hc_exit.vector of a program the policy killed (a `kill` rule):
 * fault_addr is the rule's src, regs[] the frame of the call (the low
 * 32 bits of orig_rax its number, as dispatched).  For every exit of a
 * frame, error_code repeats orig_rax. */
#define LSTAR_EXIT_VECTOR_POLICY 256

/* hc_exit.vector of a program ended by a signal it was sent (kill, tgkill,
 * a broken pipe) whose default action terminates: no fault to report. */
#define LSTAR_EXIT_VECTOR_SENT	257

/* Indices of struct lstar_hc_exit's regs[]: the shim's struct pt_regs,
 * in its order (shim-kernel/pt_regs.h asserts it). */
enum lstar_exit_reg {
	LSTAR_REG_R15, LSTAR_REG_R14, LSTAR_REG_R13, LSTAR_REG_R12,
	LSTAR_REG_RBP, LSTAR_REG_RBX, LSTAR_REG_R11, LSTAR_REG_R10,
	LSTAR_REG_R9, LSTAR_REG_R8, LSTAR_REG_RAX, LSTAR_REG_RCX,
	LSTAR_REG_RDX, LSTAR_REG_RSI, LSTAR_REG_RDI, LSTAR_REG_ORIG_RAX,
	LSTAR_REG_RIP, LSTAR_REG_CS, LSTAR_REG_RFLAGS, LSTAR_REG_RSP,
	LSTAR_REG_SS, LSTAR_NR_REGS
};

/* LSTAR_HC_EXIT */
struct lstar_hc_exit {
	/* IN */
	uint32_t kind;			/* enum lstar_exit_kind */
	int32_t status;			/* exit status, or the signal number */
	uint64_t vector;		/* exception vector, for the report */
	uint64_t error_code;
	uint64_t fault_addr;		/* CR2 for page faults */
	uint64_t regs[LSTAR_NR_REGS];	/* struct pt_regs, for the report */
};

/* LSTAR_HC_ZERO_PAGES: the pages at entries [0, count) of the free stack. */
struct lstar_hc_zero {
	/* IN */
	uint64_t count;
	/* OUT */
	int64_t ret;			/* 0 or -errno */
};

/*
 * LSTAR_HC_RELEASE: the entries [first, first + count) of the leaf table
 * at guest-physical leaf are being unmapped.  The VMM clears the pool
 * frames they name and puts them on the free stack as clean pages, at
 * [nclean, ...), moving the dirty ones above them.  The entries stay:
 * the shim clears them, as writes KVM sees.
 */
struct lstar_hc_release {
	/* IN */
	uint64_t leaf;
	uint32_t first, count;
	/* IN and OUT: the free stack's clean and total counts */
	uint64_t nclean, nfree;
	/* OUT */
	int64_t ret;			/* entries in use, or -errno */
};

/*
 * LSTAR_HC_BACK: back the entries [first, first + count) of the leaf table
 * at guest-physical leaf, all empty, with zeroed pool frames and the
 * entry flags flags: frames from the free stack's top first (the dirty
 * ones, cleared, then clean ones), then fresh ones from pool_next.  The
 * VMM writes the entries: empty ones becoming present need nothing from
 * KVM's shadow of the table (there is nothing of them to keep).
 */
struct lstar_hc_back {
	/* IN */
	uint64_t leaf;
	uint32_t first, count;
	uint64_t flags;
	/* IN and OUT: the free stack's counts, the pool's next fresh page */
	uint64_t nclean, nfree, pool_next;
	/* OUT */
	int64_t ret;			/* entries backed, from first on, or -errno */
};

/*
 * LSTAR_HC_MMAP_FILE: the program's mmap of a file; the VMM decides the
 * policy on the program's own arguments and traces the call (with addr
 * as its result).
 *   MAP_PRIVATE  the shim has mapped [addr, addr + len) with fresh zero
 *                pages (len 0: a PROT_NONE mapping, left empty), which
 *                the VMM fills from the file, and says how many bytes
 *                of the mapping (args[1]) lie in pages holding the
 *                file's (valid): the shim drops the pages past, where a
 *                touch is SIGBUS as on Linux.  On failure the shim
 *                unmaps them again.
 *   MAP_SHARED   [addr, addr + len) is free and mapped to nothing yet
 *                (len is the whole mapping, PROT_NONE too): the VMM maps
 *                the file MAP_SHARED into the window (boot_info.map_gpa)
 *                and says where (gpa, len bytes), how many bytes of it
 *                lie within the file (valid: the shim maps those pages;
 *                a touch past them is SIGBUS) and whether the mapping
 *                may ever be writable (the descriptor's access).  The
 *                VMM keeps the mapping until no page of it is left
 *                (LSTAR_SHM_UNMAPPED).
 */
struct lstar_hc_mmap {
	/* IN */
	uint64_t args[6];		/* the program's call, as it made it */
	lstar_gva_t addr;		/* where the shim put it, page aligned */
	uint64_t len;			/* bytes mapped there, page aligned */
	/* OUT */
	int64_t ret;			/* 0, or -errno for the program */
	lstar_gpa_t gpa;		/* MAP_SHARED: the frames, in the window */
	uint64_t valid;			/* ... of which within the file, bytes */
	uint32_t may_write;		/* ... and whether writable */
	/* IN: MAP_PRIVATE over pages that hold something already (a
	 * MAP_FIXED over the program's own private pages, which the shim
	 * keeps): every byte is written, zeros past the file's end,
	 * instead of the file's bytes alone on fresh zero pages. */
	uint32_t refill;
};

/*
 * LSTAR_HC_FPU: the calling vCPU's FPU state and a signal frame's FPU
 * area at addr (a user address, boot_info.fpstate_size bytes, 64-byte
 * aligned), in Linux's format: the XSAVE image (or FXSAVE's 512 bytes
 * where there is no XSAVE), its software bytes saying which, and the
 * closing FP_XSTATE_MAGIC2.
 *   SAVE     write the state there, then reset it for the handler
 *   RESTORE  load it from there; -EINVAL for an image XRSTOR would
 *            fault on, -EFAULT for memory ring 3 could not access
 *   INIT     reset it (a frame without an FPU area)
 *   STATUS   nothing at addr: ret is the x87 status word | its control
 *            word << 16 | MXCSR << 32, which say what a floating-point
 *            exception was (SIGFPE's si_code)
 */
enum lstar_fpu_op {
	LSTAR_FPU_SAVE = 1,
	LSTAR_FPU_RESTORE = 2,
	LSTAR_FPU_INIT = 3,
	LSTAR_FPU_STATUS = 4,
};

struct lstar_hc_fpu {
	/* IN */
	uint32_t op;			/* enum lstar_fpu_op */
	uint32_t _pad0;
	lstar_gva_t addr;
	/* OUT */
	int64_t ret;			/* 0 or -errno; STATUS: the status bits */
};

/*
 * LSTAR_HC_EVENTS: the signals from outside the guest waiting for the
 * calling vCPU's thread, as siginfo's fields: up to LSTAR_HC_MAX_EVENTS
 * at a time (ask again while count is that).  code is the si_code (SI_USER
 * for a signal sent to lstar, SI_TIMER for a POSIX timer, SI_KERNEL for
 * the interval timer).  Taking them clears them.
 */
#define LSTAR_HC_MAX_EVENTS	12

struct lstar_hc_event {
	int32_t signo;
	int32_t code;
	int32_t pid;			/* SI_USER: the sender (0: outside) */
	uint32_t uid;
	int32_t timerid;		/* SI_TIMER */
	int32_t overrun;
	uint64_t value;			/* SI_TIMER: the sigevent's value */
	int32_t tid;			/* 0: for the process; else for its thread
					 * tid only (a timer's SIGEV_THREAD_ID, a
					 * tgkill from another process) */
	int32_t status;			/* SIGCHLD: the child's exit code or
					 * signal (si_status) */
};

struct lstar_hc_events {
	/* OUT */
	uint32_t count;
	uint32_t _pad0;
	struct lstar_hc_event ev[LSTAR_HC_MAX_EVENTS];
};

/*
 * LSTAR_HC_WAIT: the calling vCPU's thread sleeps in the host until
 * events wait for it (LSTAR_HC_EVENTS) or timeout_ns passes, for pause,
 * rt_sigsuspend and rt_sigtimedwait.  timeout_ns is IN and OUT: at most
 * that long (-1: no limit), and what is left of it on return, so that the
 * shim waits again with the same block after events it did not want.
 */
struct lstar_hc_wait {
	/* IN, OUT */
	int64_t timeout_ns;
	/* OUT */
	int64_t ret;			/* 1: events wait, 0: time is up */
};

/*
 * LSTAR_HC_CLONE: start vCPU cpu (1 .. LSTAR_MAX_VCPUS - 1, one the shim
 * has free) for the program's new thread tid, with the calling vCPU's FPU
 * state: a vCPU made now starts at the shim's entry with its index, one
 * that ran a thread before returns from its LSTAR_HC_THREAD_EXIT.
 */
struct lstar_hc_clone {
	/* IN */
	uint32_t cpu;
	int32_t tid;
	/* OUT */
	int64_t ret;			/* 0, or -EAGAIN: no vCPU to be had */
};

/*
 * LSTAR_HC_THREAD_EXIT: the calling vCPU's thread ended (not the last
 * one).  The VMM wakes one waiter on each of the robust futexes in wake
 * and on the futex word at clear_tid (the shim has zeroed it), then keeps
 * the vCPU until LSTAR_HC_CLONE gives it a thread again, and only then
 * returns.
 */
#define LSTAR_HC_MAX_WAKES	32

struct lstar_hc_thread_exit {
	/* IN */
	lstar_gva_t clear_tid;		/* 0: none */
	/* Robust futexes the thread held, marked FUTEX_OWNER_DIED by the
	 * shim: one waiter woken on each. */
	uint32_t nwake;
	uint32_t _pad;
	lstar_gva_t wake[LSTAR_HC_MAX_WAKES];
};

/* LSTAR_HC_KICK: make vCPU cpu take LSTAR_VECTOR_EVENT as soon as ring 3
 * runs there, and end a host call it is blocked in (a signal for its
 * thread, a flush of its TLB). */
struct lstar_hc_kick {
	/* IN */
	uint32_t cpu;
	uint32_t _pad;
};

/*
 * LSTAR_HC_FORK: a new process, a copy of the caller's (fork, vfork, and
 * clone without CLONE_THREAD).  The VMM copies itself, the guest's memory
 * with it (copy on write), and in the copy starts a new VM with one vCPU
 * of the caller's index, which enters the shim with RSI =
 * LSTAR_START_FORK: the shim there finds this block as the caller left it
 * and pid filled in, and goes back to ring 3 from the calling thread's
 * start_regs.  The caller gets ret; with vfork set, only once the child
 * has replaced its program or ended.
 */

struct lstar_hc_fork {
	/* IN */
	uint32_t vfork;			/* the caller waits for exec or exit */
	int32_t exit_signal;		/* sent to the parent when it ends */
	/* OUT */
	int32_t pid;			/* the child's (in the child too) */
	uint32_t _pad;
	int64_t ret;			/* the child's pid, or -errno */
};

/* LSTAR_HC_NEW_TID: a new thread's id, from the pids of the whole
 * sandbox (a thread id is never another process's pid). */
struct lstar_hc_new_tid {
	/* OUT */
	int64_t ret;			/* the id, or -EAGAIN */
};

/*
 * LSTAR_HC_EXEC: execve(path, argv, envp) or execveat(dirfd, path, argv,
 * envp, flags) of the calling thread.  The VMM resolves and checks the
 * program; on success it replaces the VM and never resumes this one (the
 * new program starts with the process's pid, descriptors, working
 * directory and what is given here).  When the program is good but other
 * threads run, ret is LSTAR_EXEC_ALONE: the shim ends them and asks
 * again with alone set, and the VMM waits for their vCPUs.
 */
#define LSTAR_EXEC_ALONE	1

struct lstar_hc_exec {
	/* IN */
	uint64_t nr;			/* __NR_execve or __NR_execveat */
	uint64_t args[5];		/* the call's arguments */
	uint64_t sig_blocked;		/* the thread's blocked signals */
	uint64_t sig_ignored;		/* the signals the process ignores */
	uint64_t alone;			/* the other threads were told to end */
	/* OUT */
	int64_t ret;			/* -errno: the call failed */
};

/*
 * LSTAR_HC_SIGNAL: kill(pid, sig) as Linux reads pid (> 0 one process, 0
 * the caller's group, -1 every process but the caller, < -1 group -pid),
 * for the sandbox's other processes: the VMM sends sig (0: none, the
 * check alone) with si_code code to each.  The shim delivers it to its
 * own process itself when self says the caller is among the targets.
 */
struct lstar_hc_signal {
	/* IN */
	int32_t pid;
	int32_t sig;
	int32_t code;			/* SI_USER (kill) or SI_TKILL (tgkill) */
	int32_t tid;			/* tgkill: the thread of process pid; 0: kill */
	/* OUT */
	uint32_t self;			/* the caller's process is a target */
	uint32_t _pad;
	int64_t ret;			/* 0, or -ESRCH: nobody */
};

/* LSTAR_HC_CHILDREN: the process's children are reaped as they end
 * (SIGCHLD ignored, or SA_NOCLDWAIT) or become zombies for wait. */
struct lstar_hc_children {
	/* IN */
	uint32_t reap;
	uint32_t _pad;
};

/* LSTAR_HC_UNDONE: the shim, started with LSTAR_START_UNDO, wrote back
 * every page-table entry it changed since the snapshot (complete), or
 * could not (its log overflowed: the VMM puts the tables back itself). */
struct lstar_hc_undone {
	/* IN */
	uint32_t complete;
	uint32_t _pad;
};

/*
 * LSTAR_HC_SHM: System V shared memory, by op.
 *
 * The sandbox's segments lie in one region of guest-physical memory that
 * every process's VM has at the same place (boot_info.shm_gpa, shm_size:
 * a host mapping all the sandbox's VMMs share, so a page written by one
 * process is the page every other one reads).  The shim maps a segment's
 * frames itself; the VMM keeps the segments and each process's
 * attachments.
 *   AFL       lstar fuzz's coverage map: with addr 0, the VMM says how big
 *             afl-fuzz's segment id is (or -EINVAL); the shim maps that
 *             many fresh pages and asks again with their address, which
 *             the VMM keeps, to copy the map out after each execution.
 *   LOOKUP    may segment id be attached with shmat's flags?  OUT: its
 *             frames (gpa, in the shared region) and size.
 *   ATTACH    the shim mapped segment id's frames (gpa, size) at addr: the
 *             VMM checks it is still that segment and counts the
 *             attachment; on failure the shim unmaps them again.
 *   DETACH    shmdt(addr): the VMM ends the attachment that starts at
 *             addr and says its size, which the shim then unmaps.
 *   FAULT     ring 3 touched addr, in a shared file mapping, on a page
 *             past the end of the file when it was mapped: is it within
 *             the file now (the file grew)?  OUT: its frame (gpa), or
 *             -EFAULT: still past the end (SIGBUS).
 *   UNMAPPED  [addr, addr + size) held attachments or shared file
 *             mappings and was unmapped (or mapped over): the VMM ends
 *             every one of them of which no page is left (it reads the
 *             page tables itself).
 */
enum lstar_shm_op {
	LSTAR_SHM_AFL = 0,
	LSTAR_SHM_LOOKUP = 1,
	LSTAR_SHM_ATTACH = 2,
	LSTAR_SHM_DETACH = 3,
	LSTAR_SHM_UNMAPPED = 4,
	LSTAR_SHM_FAULT = 5,
};

struct lstar_hc_shm {
	/* IN */
	int32_t id;
	uint32_t op;			/* enum lstar_shm_op */
	lstar_gva_t addr;
	uint32_t flags;			/* LOOKUP: shmat's shmflg */
	uint32_t _pad;
	/* IN (AFL, ATTACH, UNMAPPED), OUT (AFL, LOOKUP, DETACH) */
	uint64_t size;
	lstar_gpa_t gpa;		/* IN (ATTACH), OUT (LOOKUP, FAULT) */
	/* OUT */
	int64_t ret;			/* 0 or -errno */
};

/*
 * LSTAR_HC_AT_USER: lstar fuzz's stop on the way back to ring 3 from the
 * call it answered with LSTAR_FUZZ_STOP, where the snapshot is taken.
 * final: regs is exactly what ring 3 resumes with (after any signal's
 * frame, sanitized), so the VMM may start each execution in ring 3
 * itself; 0: a signal is still to be delivered, and every execution
 * resumes the shim here.  Either way regs[LSTAR_REG_RAX] comes back as
 * the call's result, which the shim takes.
 */
struct lstar_hc_at_user {
	/* IN */
	uint64_t regs[LSTAR_NR_REGS];	/* struct pt_regs */
	uint32_t final;
	uint32_t _pad;
	/* OUT: regs[LSTAR_REG_RAX] */
};

/* A vCPU's hypercall block, at LSTAR_HC_BLOCK_GPA(cpu). */
struct lstar_hc {
	union {
		struct lstar_hc_sys sys;
		struct lstar_hc_exit exit;
		struct lstar_hc_zero zero;
		struct lstar_hc_trace trace;
		struct lstar_hc_mmap mmap;
		struct lstar_hc_fpu fpu;
		struct lstar_hc_events events;
		struct lstar_hc_wait wait;
		struct lstar_hc_clone clone;
		struct lstar_hc_thread_exit thread_exit;
		struct lstar_hc_kick kick;
		struct lstar_hc_fork fork;
		struct lstar_hc_new_tid new_tid;
		struct lstar_hc_exec exec;
		struct lstar_hc_signal signal;
		struct lstar_hc_children children;
		struct lstar_hc_undone undone;
		struct lstar_hc_shm shm;
		struct lstar_hc_at_user at_user;
		struct lstar_hc_release release;
		struct lstar_hc_back back;
		uint8_t _size[512];
	};
	/*
	 * Set by the VMM while this vCPU's thread blocks in a host call that
	 * touches no guest memory meanwhile (vmm_block_call_parked: a futex
	 * wait, wait4's, poll's, a sleep, accept): pages the other CPUs
	 * free need not wait in the shim's limbo for this one
	 * (shim-kernel/mm.c).  Only across the blocking call itself, never
	 * while the VMM copies arguments in or results out.  Its own word:
	 * the call's block above is in use meanwhile, and the call may
	 * have come by the register way.
	 */
	uint8_t parked;
	uint8_t _pad[63];
};

/*
 * The time page ("vvar"): one user page, read-only for ring 3, directly
 * below the vDSO (AT_SYSINFO_EHDR - LSTAR_VVAR_OFFSET).  The VMM writes
 * it; the vDSO (vdso/vdso.c) reads it and answers clock_gettime,
 * gettimeofday and time without leaving ring 3, kvmclock-style:
 *
 *   CLOCK_MONOTONIC = mono_ns + ((tsc - tsc_base) * mult) >> shift
 *   CLOCK_REALTIME  = CLOCK_MONOTONIC + realtime_off   (BOOTTIME, TAI alike)
 *
 * where tsc is the guest's `rdtsc`, the product is 128 bits wide (no
 * overflow for centuries) and a tsc below tsc_base counts as tsc_base.
 * The VMM re-anchors the page (a fresh tsc_base, mono_ns and offsets from
 * the host's clocks) at start and after every hypercall, and never moves
 * CLOCK_MONOTONIC back.  Between re-anchors the TSC alone carries time.
 *
 * Seqcount: seq is odd while the VMM writes.  A reader takes seq, reads
 * the fields, and retries if seq was odd or has changed.  Without
 * LSTAR_VVAR_TSC in flags the vDSO makes the real system call instead.
 */
struct lstar_vvar {
	uint32_t seq;			/* odd while the VMM writes */
	uint32_t flags;			/* LSTAR_VVAR_* */
	uint64_t tsc_base;		/* guest TSC at the anchor */
	uint64_t mult;			/* ns per TSC tick, times 2^shift */
	uint32_t shift;
	uint32_t _pad0;
	uint64_t mono_ns;		/* CLOCK_MONOTONIC at tsc_base, ns */
	int64_t realtime_off;		/* CLOCK_REALTIME - CLOCK_MONOTONIC, ns */
	int64_t boottime_off;		/* CLOCK_BOOTTIME - CLOCK_MONOTONIC, ns */
	int64_t tai_off;		/* CLOCK_TAI - CLOCK_MONOTONIC, ns */
	uint64_t tsc_hz;		/* the TSC's nominal rate (for tools) */
	/* Outside the seqcount: the process's ids and the calls the
	 * syscall gate may answer with them (LSTAR_GATE_*), written
	 * before the program runs (at boot, execve and, for the pid, in
	 * a forked child before it goes on), each field alone, and again
	 * with the same values at each re-anchor. */
	int32_t pid;
	uint32_t uid, gid;
	uint32_t gate;
};

#define LSTAR_VVAR_TSC		(1u << 0)	/* the vDSO may use the TSC */

/*
 * The first bytes of the shim image's .lstar.header section.  The VMM checks
 * the magic and the ABI version before it loads anything.
 */
struct lstar_shim_header {
	uint64_t magic;			/* LSTAR_SHIM_MAGIC */
	uint32_t abi_version;		/* LSTAR_ABI_VERSION */
	uint32_t _pad0;
	lstar_gva_t entry;		/* shim boot entry (64-bit, CPL 0, RDI
					 * = the vCPU's index) */
	/* vCPU 0's; vCPU n's are n * cpu_stride bytes further */
	lstar_gva_t boot_stack_top;	/* RSP at entry */
	lstar_gva_t gdt;		/* GDT base, LSTAR_GDT_ENTRIES entries */
	lstar_gva_t tss;		/* the TSS the VMM loads into TR */
	uint64_t cpu_stride;		/* bytes from one vCPU's area to the next */
	/* Where the VMM resumes the register way (LSTAR_FORWARD_PORT): */
	lstar_gva_t forward_done;	/* the call was made: rax its result */
	lstar_gva_t forward_act;	/* ... and the shim acts on the result */
	lstar_gva_t forward_refused;	/* not made: SYSRET cannot restore
					 * rcx and r11; the common way */
};

#define LSTAR_GDT_ENTRIES	10	/* null .. TSS (two slots) */

_Static_assert(sizeof(struct lstar_boot_vma) == 24, "boot vma layout");
_Static_assert(sizeof(struct lstar_boot_info) == 688, "boot info layout");
_Static_assert(sizeof(struct lstar_hc_fpu) == 24, "hc_fpu layout");
_Static_assert(sizeof(struct lstar_hc_release) == 40, "hc_release layout");
_Static_assert(sizeof(struct lstar_hc_back) == 56, "hc_back layout");
_Static_assert(sizeof(struct lstar_hc_events) == 8 + 12 * 40, "hc_events layout");
_Static_assert(sizeof(struct lstar_hc_clone) == 16, "hc_clone layout");
_Static_assert(sizeof(struct lstar_hc_fork) == 24, "hc_fork layout");
_Static_assert(sizeof(struct lstar_hc_exec) == 80, "hc_exec layout");
_Static_assert(sizeof(struct lstar_hc_signal) == 32, "hc_signal layout");
_Static_assert(sizeof(struct lstar_hc_shm) == 48, "hc_shm layout");
_Static_assert(sizeof(struct lstar_boot_info) <= LSTAR_PAGE_SIZE, "boot info fits a page");
_Static_assert(sizeof(struct lstar_hc_sys) == 64, "hc_sys layout");
_Static_assert(sizeof(struct lstar_hc_exit) == 200, "hc_exit layout");
_Static_assert(sizeof(struct lstar_hc_trace) == 72, "hc_trace layout");
_Static_assert(sizeof(struct lstar_hc_mmap) == 96, "hc_mmap layout");
_Static_assert(sizeof(struct lstar_hc) == 576, "hc layout");
_Static_assert(sizeof(struct lstar_hc) <= LSTAR_PAGE_SIZE, "hc fits a page");
_Static_assert(sizeof(struct lstar_shim_header) == 80, "shim header layout");
_Static_assert(sizeof(struct lstar_vvar) == 88, "vvar layout");
_Static_assert(__builtin_offsetof(struct lstar_vvar, pid) == LSTAR_VVAR_PID &&
	       __builtin_offsetof(struct lstar_vvar, uid) == LSTAR_VVAR_UID &&
	       __builtin_offsetof(struct lstar_vvar, gid) == LSTAR_VVAR_GID &&
	       __builtin_offsetof(struct lstar_vvar, gate) == LSTAR_VVAR_GATE, "vvar layout");
_Static_assert(__builtin_offsetof(struct lstar_vvar, mono_ns) == 32, "vvar layout");
_Static_assert(sizeof(struct lstar_vvar) <= LSTAR_PAGE_SIZE, "vvar fits a page");

#endif /* !__ASSEMBLER__ */
#endif /* LSTAR_ABI_H */
