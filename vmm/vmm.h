/* SPDX-License-Identifier: MIT */
/*
 * vmm.h - the VMM's modules and what they share.
 *
 *   main.c     the `lstar` command: options, `run`, `doctor`
 *   vm.c       one run, as a list of named steps: program, process, VM
 *              and memory, shim and image, vCPU and stack, boot
 *              information, observers, confinement, then the vCPU loop
 *   mem.c      guest memory: range checks, page tables, guest-virtual
 *              access for hypercalls
 *   elf.c      reading and loading the program (libelf)
 *   stack.c    the initial stack: argv, envp, auxv
 *   vdso.c     the program's vDSO and the time page it reads
 *   cpu.c      the vCPU's initial state: long mode, CPUID, XCR0, FPU
 *   hcall.c    the hypercall handlers
 *   syscall.c  forwarded syscalls: decided again, dispatched, observed
 *   sys_io.c   read, write and friends: guest buffers, file mappings
 *   sys_fd.c   descriptors: close, dup, fcntl, ioctl, pipes, eventfd, sync
 *   sys_net.c  sockets: every address judged by the policy's `net` rules
 *   sys_time.c clocks and sleeping
 *   sys_thread.c futexes
 *   fpu.c      the FPU state in signal frames (through KVM)
 *   procs.c    the sandbox's processes: fork, the book they share, mail
 *   sys_proc.c wait4, waitid, process groups and sessions
 *   exec.c     execve: a new program in the same process
 *   fuzz.c     lstar fuzz: the snapshot, the reset, the fork-server protocol
 *   fuzz_corpus.c  lstar fuzz --corpus: the stand-alone driver
 *   block.c    host calls that may block, and the kick that ends them
 *   signal.c   signals sent to lstar, passed on to the program
 *   timer.c    the program's timers: alarm, setitimer, timer_create
 *   fdtable.c  the guest's descriptor table
 *   rlimit.c   the program's resource limits (and their three calls)
 *   identity.c who the program is told it is: --uid, --gid, --hostname
 *   fs.c       the granted trees (--ro, --rw) and the path calls
 *   dev.c      lstar's own devices and made-up files, answered by the VMM
 *   dns.c      net dns: the made-up resolv.conf and hosts, the nameservers
 *   confine.c  the VMM's own seccomp filter and capability drop
 *   trace.c    --trace, -v and `log` rules: one line per system call
 *   output.c   the files lstar writes itself: no links, not in --rw trees
 *   learn.c    --learn: what a run did, written out as a policy
 *   doctor.c   `lstar doctor`
 *
 * Functions return 0 or -errno unless their contract says otherwise; only
 * main() exits.
 */
#ifndef VMM_H
#define VMM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>

#include "compile.h"
#include "lstar_abi.h"
#include "lstar_limits.h"
#include "lstar_version.h"
#include "x86.h"

/* Exit statuses of lstar itself (docs/DECISIONS.md). */
#define LSTAR_EXIT_TIMEOUT	124	/* --timeout expired */
#define LSTAR_EXIT_FAILURE	125	/* lstar could not run the program */

/* --- guest memory (mem.c) ------------------------------------------------ */

struct vmm_mem {
	uint8_t *host;		/* host mapping of guest-physical 0 */
	uint64_t size;		/* bytes of guest-physical memory */
	uint64_t pool_next;	/* next pool page the VMM hands out */
	uint64_t pool_end;
	uint64_t pml4;		/* guest-physical root of the page tables */
	uint64_t free_stack;	/* the shim's free-page stack ... */
	uint64_t free_stack_slots; /* ... and its capacity, in entries */
	uint64_t table_counts;	/* uint16_t per pool page: entries in use */
	uint64_t *written;	/* lstar fuzz: a bit per page the VMM writes,
				 * or NULL (vmm_mem_mark) */
	/* The sandbox's System V segments (shm.c): guest-physical
	 * [shm_gpa, shm_gpa + shm_size) is host shm_host, a shared mapping
	 * every VMM of the sandbox inherits; shm_size 0: none. */
	uint8_t *shm_host;
	uint64_t shm_gpa, shm_size;
	/* The window of shared file mappings (fmap.c): guest-physical
	 * [map_gpa, map_gpa + map_size) is host map_host, where the VMM
	 * maps files MAP_SHARED (PROT_NONE where none is); 0: none. */
	uint8_t *map_host;
	uint64_t map_gpa, map_size;
};

/* vmm_mem_mark - the VMM writes [gpa, gpa + len) of guest memory itself
 * (KVM logs only the guest's writes): noted for lstar fuzz's reset. */
static inline void vmm_mem_mark(const struct vmm_mem *m, uint64_t gpa, uint64_t len)
{
	/* Pages of guest memory only: the segments are not restored. */
	if (!m->written || !len || gpa >= m->size || len > m->size - gpa)
		return;
	for (uint64_t p = gpa / LSTAR_PAGE_SIZE; p <= (gpa + len - 1) / LSTAR_PAGE_SIZE; p++)
		m->written[p / 64] |= 1ULL << (p % 64);
}


/*
 * vmm_mem_range_ok - is [gpa, gpa + len) inside guest memory?  Written so
 * that no sum can wrap: the guest chooses both numbers.
 */
static inline bool vmm_mem_range_ok(const struct vmm_mem *m, uint64_t gpa,
				    uint64_t len)
{
	return gpa <= m->size && len <= m->size - gpa;
}

/* vmm_mem_ptr - host address of [gpa, gpa + len), or NULL if outside. */
void *vmm_mem_ptr(const struct vmm_mem *m, uint64_t gpa, uint64_t len);

/* vmm_mem_frame - host address of the guest-physical page at gpa (page
 * aligned) that a user page-table entry may name: a page of guest memory
 * or of the segments' region; NULL otherwise. */
void *vmm_mem_frame(const struct vmm_mem *m, uint64_t gpa);

/* vmm_mem_map_init - reserve the window of shared file mappings, bytes
 * (a multiple of 2 MiB) right above the segments' region: PROT_NONE
 * until a file is mapped there.  Also catches SIGBUS for
 * vmm_mem_copy_*_user.  0 or -errno. */
int vmm_mem_map_init(struct vmm_mem *m, uint64_t bytes);

/* vmm_mem_shm_init - reserve the segments' region, bytes (a multiple of
 * 2 MiB) right above guest memory: shared with every VMM forked later,
 * lazily backed.  0 or -errno. */
int vmm_mem_shm_init(struct vmm_mem *m, uint64_t bytes);

/* vmm_mem_user_frame - the frame the leaf entry for user address gva
 * names, present or kept for PROT_NONE (LSTAR_PTE_BACKED); 0 when there
 * is none. */
uint64_t vmm_mem_user_frame(const struct vmm_mem *m, uint64_t gva);

/* vmm_mem_init - reserve guest memory: the fixed low 4 MiB plus a pool of
 * pool_bytes (a multiple of 2 MiB).  Lazily backed; 0 or -errno. */
int vmm_mem_init(struct vmm_mem *m, uint64_t pool_bytes);
void vmm_mem_destroy(struct vmm_mem *m);

/* vmm_mem_reserve_shim_books - take the shim's books from the bottom of
 * the pool, before anything else: the free-page stack (one 32-bit frame
 * number per pool page) and the page-table entry counts (16 bits per pool
 * page).  The pool never hands these pages out.  The host backs guest
 * memory in 4 KiB pages from here on, until vmm_mem_advise_huge. */
void vmm_mem_reserve_shim_books(struct vmm_mem *m);

/* vmm_mem_advise_huge - once the VMM has placed what it places before
 * boot: from the first 2 MiB line half a MiB above it, the host backs the
 * pool in 2 MiB pages where it can. */
void vmm_mem_advise_huge(struct vmm_mem *m);

/* vmm_mem_reset - empty guest memory for a new program (execve): every
 * page reads zero, the pool starts over.  0 or -errno. */
int vmm_mem_reset(struct vmm_mem *m);

/* vmm_mem_rezero - make the pool pages [gpa, gpa + len) read zero again,
 * for the shim to hand out anew: cleared in place where the host holds
 * them.  0, or -EINVAL for a range not of whole pages inside guest memory,
 * or -errno. */
int vmm_mem_rezero(struct vmm_mem *m, uint64_t gpa, uint64_t len);

/* The shim's page allocator's counts: clean and all entries of its free
 * stack, and the pool's next never-used page. */
struct vmm_mem_stack {
	uint64_t nclean, nfree, pool_next;
};

/* vmm_mem_release - LSTAR_HC_RELEASE: free the pool frames that entries
 * [first, first + count) of the leaf table at gpa leaf name, cleared, onto
 * the shim's free stack as clean pages (s's nclean and nfree, in and out).
 * The entries in use, or -errno with the stack and its counts unchanged
 * (some frames may have been cleared). */
long vmm_mem_release(struct vmm_mem *m, uint64_t leaf, uint32_t first,
		     uint32_t count, struct vmm_mem_stack *s);

/* vmm_mem_back - LSTAR_HC_BACK: back the empty entries [first, first +
 * count) of the leaf table at gpa leaf with zeroed frames (the free
 * stack's, then fresh ones) and flags.  How many were backed, from first
 * on (fewer when the pool runs out), or -errno with no entry and no count
 * changed (some dirty frames may have been cleared). */
long vmm_mem_back(struct vmm_mem *m, uint64_t leaf, uint32_t first, uint32_t count,
		  uint64_t flags, struct vmm_mem_stack *s);

/* vmm_mem_rezero_frames - vmm_mem_rezero for the frames pfn[0, n), each
 * a page of the pool (guest numbers: -EINVAL otherwise), coalesced into
 * runs.  0 or -errno. */
int vmm_mem_rezero_frames(struct vmm_mem *m, const uint32_t *pfn, uint64_t n);

/* vmm_mem_alloc - a zero page from the pool, or 0 when it is exhausted. */
uint64_t vmm_mem_alloc(struct vmm_mem *m);

/* vmm_mem_map - map the 4 KiB page at gva to gpa with PTE flags; the
 * intermediate tables get U only in the user half.  0, -ENOMEM, or
 * -EEXIST when gva is mapped already. */
int vmm_mem_map(struct vmm_mem *m, uint64_t gva, uint64_t gpa, uint64_t flags);

/* vmm_mem_reflag - give the page mapped at gva new PTE flags; 0 or
 * -ENOENT when nothing is mapped there. */
int vmm_mem_reflag(struct vmm_mem *m, uint64_t gva, uint64_t flags);

/* vmm_mem_map_direct - the direct map of the pool (2 MiB pages). */
int vmm_mem_map_direct(struct vmm_mem *m);

/*
 * vmm_mem_user_iov - translate the user range [gva, gva + len) into host
 * iovecs by walking the guest page tables: every page must be present and
 * user-accessible (and writable when write is set), exactly what ring 3
 * could touch.  Fills at most max entries (adjacent pages merge); returns
 * the number of bytes covered (possibly fewer than len), or -EFAULT when
 * not even the first byte is accessible.
 */
long vmm_mem_user_iov(const struct vmm_mem *m, uint64_t gva, uint64_t len,
		      bool write, struct iovec *iov, int max, int *niov);

/* vmm_mem_audit - do the user half's page tables agree with the shim's
 * books (entry counts, every frame in the pool and used once)?  0, or
 * -EINVAL with why filled in. */
int vmm_mem_audit(const struct vmm_mem *m, char *why, size_t len);

/* vmm_mem_user_bytes - bytes of the pool the program's user half holds:
 * its pages and their page tables, as the guest's tables say (sysinfo). */
uint64_t vmm_mem_user_bytes(const struct vmm_mem *m);

/* Copy between the host and user memory; 0 or -EFAULT (nothing partial
 * is reported: a fault anywhere fails the copy). */
int vmm_mem_copy_from_user(const struct vmm_mem *m, void *dst, uint64_t gva,
			   uint64_t len);
int vmm_mem_copy_to_user(const struct vmm_mem *m, uint64_t gva,
			 const void *src, uint64_t len);

/* --- the program's ELF image (elf.c) ------------------------------------- */

#define VMM_ELF_MAX_SEGMENTS 14

struct vmm_elf_segment {
	uint64_t vaddr, memsz;		/* before the load bias */
	uint64_t offset, filesz;
	uint32_t prot;			/* PROT_* */
};

struct vmm_elf {
	bool pie;			/* ET_DYN: loaded at a bias */
	char interp[4096];		/* PT_INTERP's path (PATH_MAX), or "" */
	uint64_t entry;			/* before the bias */
	uint64_t phdr_vaddr;		/* where the phdrs are in memory */
	uint16_t phnum, phentsize;
	bool exec_stack;		/* PT_GNU_STACK with PF_X */
	int nsegs;
	struct vmm_elf_segment segs[VMM_ELF_MAX_SEGMENTS];
	uint64_t lo, hi;		/* page-rounded extent of the segments */
};

/*
 * vmm_elf_parse - check that buf is an x86-64 executable lstar can run
 * and describe it in *out (a dynamic one's interpreter in out->interp).
 * On error returns -1 with a one-line reason in err (e.g. "bad PT_INTERP:
 * ...").  Does not keep buf.  vmm_elf_parse_fd - the same, for the file
 * fd of size bytes, whose headers it reads by offset (fd's own offset is
 * left alone: the descriptor may be shared).
 */
int vmm_elf_parse(const void *buf, size_t size, struct vmm_elf *out,
		  char *err, size_t errlen);
int vmm_elf_parse_fd(int fd, uint64_t size, struct vmm_elf *out, char *err, size_t errlen);

/*
 * vmm_elf_load - map the segments at bias into guest memory, with the
 * file's permissions, their bytes read from fd (as parsed from it) and
 * bss zero, and record them as boot VMAs.  0 or -errno: -ENODATA when the
 * file now ends before a segment does.  vmm_load_error (vm.c) - why it
 * failed, said for a person.
 */
int vmm_elf_load(struct vmm_mem *m, const struct vmm_elf *e, int fd,
		 uint64_t bias, struct lstar_boot_info *bi);
const char *vmm_load_error(int err);

/* --- the initial stack (stack.c) ----------------------------------------- */

struct vmm_stack_args {
	int argc;
	char *const *argv;
	int envc;
	char *const *envp;
	const char *execfn;		/* AT_EXECFN */
	uint64_t at_phdr, at_phnum, at_phent, at_entry;
	uint64_t at_base;		/* the interpreter's load address, or 0 */
	uint64_t hwcap, hwcap2;
	uint64_t sysinfo_ehdr;		/* AT_SYSINFO_EHDR (the vDSO); 0: none */
	uint8_t random[16];		/* AT_RANDOM bytes */
	uint32_t uid, gid;
};

/*
 * vmm_stack_build - lay out the initial stack as Linux does into buf, a
 * host copy of the size bytes just below gva top: strings at the top, then
 * auxv, envp, argv, argc, with the stack pointer 16-byte aligned at argc.
 * Returns the stack pointer (a guest address), or 0 if it does not fit.
 */
uint64_t vmm_stack_build(const struct vmm_stack_args *a, uint8_t *buf,
			 size_t size, uint64_t top);

/* The steps of a run, each timed for lstar doctor's account of start-up
 * (vmm_options.steps). */
enum vmm_step {
	VMM_STEP_PROGRAM,	/* read the program, compile the process's state */
	VMM_STEP_VM,		/* the VM, its memory and page tables */
	VMM_STEP_IMAGES,	/* the shim and the program loaded */
	VMM_STEP_VCPU,		/* the first vCPU, its CPUID, the stack, the vDSO */
	VMM_STEP_CONFINE,	/* boot information, observers, confinement */
	VMM_STEP_RUN,		/* the shim's boot and the program's run */
	VMM_STEP_TEARDOWN,	/* the VM and everything else let go */
	VMM_STEPS
};

struct vmm_steps {
	double took[VMM_STEPS];	/* seconds */
};

/* --- the VM --------------------------------------------------------------- */

/* One resource limit (rlimit.c). */
struct vmm_rlimit {
	uint64_t cur, max;
};

#define VMM_RLIM_NLIMITS 16	/* RLIM_NLIMITS */

#define VMM_MAX_TMPFS	8		/* --tmp's two and --tmpfs's */

struct vmm_options {
	const char *program;		/* path as given */
	int argc;			/* argv[0] is the program as given */
	char **argv;
	int envc;
	char **envp;			/* exactly the --env values */
	const char *cwd;		/* --cwd, or NULL: the caller's */
	uint64_t mem;			/* --mem, bytes */
	double timeout;			/* --timeout, seconds; 0: none */
	bool verbose;			/* -v */
	bool system;			/* --system: /usr read-only (a policy
					 * tree) and the host's top links */
	bool inside;			/* --inside: program is a guest path */
	bool quiet;			/* no report line (doctor) */
	bool probe_msr;			/* doctor: LSTAR_BOOT_PROBE_MSR */
	bool floor;			/* doctor: LSTAR_BOOT_FLOOR */
	uint64_t *floor_exits;		/* doctor: counts the floor probe's
					 * bare exits, with floor */
	struct vmm_steps *steps;	/* doctor: how long each step took */
	bool confine;			/* seccomp + capabilities before running */
	const struct lstar_policy *policy; /* compiled: -p (or the default
					 * profile) and --ro/--rw; its paths
					 * are the trees */
	bool trace;			/* --trace */
	const char *trace_path;		/* --trace=FILE; NULL: stderr */
	bool trace_json;		/* --trace-format=json */
	bool stats;			/* --stats */
	/* --tmp and --tmpfs: directories of the program's own, empty and
	 * writable, all in one tmpfs of tmp_size bytes (0: none). */
	uint64_t tmp_size;
	const char *tmpfs_dirs[VMM_MAX_TMPFS];	/* normalized guest paths */
	int ntmpfs;
	const char *learn_path;		/* --learn FILE, or NULL */
	const struct vmm_fuzz_options *fuzz; /* lstar fuzz, or NULL */
	const char *exec_socket;	/* --exec-socket PATH, or NULL */
	/* Who the program is told it is: --uid and --gid (when the *_set
	 * flag says given; else LSTAR_GUEST_UID and _GID), --hostname
	 * (NULL: LSTAR_GUEST_HOSTNAME).  Numbers only: they never change
	 * lstar's host identity, which only --host-user does
	 * (docs/DECISIONS.md). */
	bool uid_set, gid_set;
	uint32_t uid, gid;
	const char *hostname;
	/* --host-user UID:GID: the host identity every VMM of the sandbox
	 * takes, once what needs lstar's own is done (identity.c). */
	bool host_user_set;
	uint32_t host_uid, host_gid;
	/* --rlimit: resource r starts at rlimits[r] when bit r of
	 * rlimits_set is set (else at Linux's default, rlimit.c). */
	struct vmm_rlimit rlimits[VMM_RLIM_NLIMITS];
	uint32_t rlimits_set;
};

/* lstar fuzz (fuzz.c): where the input comes from. */
struct vmm_fuzz_options {
	bool stdin_input;		/* --stdin */
	const char *input_file;		/* --input-file PATH, or NULL */
	bool fork_server;		/* executions for a driver on 198/199;
					 * else one run, as afl-fuzz's tools
					 * (afl-showmap, afl-tmin) expect */
	int *killed_by;			/* out, one run: the signal that ended
					 * the program, or 0 */
};

/*
 * A tree of the host's file system granted to the guest (--ro, --rw),
 * seen by the program at path: its host path, or where it is mapped
 * (--ro SRC:DEST, `path ro SRC as DEST`).  Everything the program names
 * or is told is a guest path; host is for lstar alone (fs.c).
 */
struct vmm_tree {
	char *path;			/* where the program sees it: absolute,
					 * normalized, no trailing / */
	size_t len;			/* of path; 0 for "/" */
	char *host;			/* its canonical host path (SRC): what
					 * nesting is judged on, what --learn
					 * grants, what the host reads back of
					 * descriptors beneath it; for --tmp's,
					 * the tmpfs's own name ("/tmp") */
	int dirfd;			/* O_PATH descriptor of the tree's root
					 * (of the file itself, for a file) */
	bool writable;			/* --rw */
	bool file;			/* one regular file, not a directory:
					 * seen as a bind mount of it (fs.c) */
	bool private;			/* --tmp's /tmp or /dev/shm (tmpfs.c):
					 * dirfd a tmpfs of the run's own, on no
					 * host path */
};

/*
 * A symlink of the host's top directory that the program sees as the host
 * has it (--system's merged-/usr links: /lib64 -> usr/lib64), its target
 * read once when granted and lying in a tree.  A path through it is the
 * path through its target (fs.c).
 */
#define VMM_MAX_LINKS 8
struct vmm_link {
	char path[32];			/* absolute, normalized: "/lib64" */
	char target[256];		/* absolute, normalized: "/usr/lib64" */
};

/* An open file the VMM holds for the guest (fdtable.c). */
struct vmm_file {
	int host;			/* the host descriptor */
	int refs;			/* guest descriptors naming it */
	bool std;			/* lstar's own 0/1/2: never closed */
	char *path;			/* guest path when opened, for directories
					 * (or NULL); fs.c follows the directory
					 * itself (its host descriptor) */
	const struct vmm_tree *tree;	/* the grant it came from, or NULL */
	/* One of lstar's devices (dev.c), answered by the VMM alone: host
	 * is then the process's dev_fd, shared and never closed here. */
	uint8_t dev;			/* enum vmm_dev, or VMM_DEV_NONE */
	int flags;			/* a device's status flags (F_GETFL) */
	uint64_t pos;			/* /dev's listing: the next entry */
	struct vmm_sock *sock;		/* a socket's (sys_net.c), or NULL */
};

/*
 * What the VMM keeps of a socket (sys_net.c): what it was made as, and
 * for AF_UNIX the paths as the program named them, which getsockname and
 * getpeername show instead of the host's (lstar binds and connects
 * through /proc/self/fd).  Freed with its file.
 */
struct vmm_sock {
	int family;			/* AF_UNIX, AF_INET, AF_INET6 */
	int type;			/* SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET */
	char *name;			/* AF_UNIX: the path it is bound to, or NULL */
	char *peer;			/* AF_UNIX: the path it connected to, or NULL */
};

/* One guest descriptor. */
struct vmm_fd {
	struct vmm_file *file;		/* NULL: this number is free */
	bool cloexec;
};

#define VMM_MAX_TREES 64

/*
 * The vDSO and its time page (vdso.c).  The VMM keeps what it wrote in
 * the page, so that nothing it computes depends on what the guest may
 * have changed there.
 */
struct vmm_vdso {
	bool tsc;			/* the vDSO may use the TSC */
	bool attached;			/* the page is mapped where we put it */
	uint64_t ehdr;			/* guest address of the vDSO (AT_SYSINFO_EHDR) */
	uint64_t vvar_gva, vvar_gpa;	/* the time page */
	int64_t tsc_offset;		/* guest TSC - host TSC */
	uint64_t tsc_khz;		/* the guest TSC's nominal rate */
	uint64_t mult_nominal;		/* from tsc_khz */
	uint64_t cal_tsc, cal_mono;	/* the first anchor: the rate's baseline */
	struct lstar_vvar page;		/* what the page holds */
	uint64_t gate, gate_end;	/* the syscall gate (vdso/gate.S) */
};

struct vmm_learn;

/*
 * One run of lstar is four things, each in a struct of its own (the
 * layout is DESIGN-level: docs/LAYOUT.md):
 *
 *   struct vmm_vm        the machine: KVM's descriptors, guest memory,
 *                        the vDSO's time page (vm.c, mem.c, vdso.c)
 *   struct vmm_vcpu      one per vCPU: its descriptor, kvm_run, hypercall
 *                        block and the call it is answering (vm.c, hcall.c)
 *   struct vmm_process   the program: policy, descriptors, limits, trees,
 *                        working directory; what fork will copy and
 *                        execve replace (fdtable.c, rlimit.c, fs.c)
 *   struct vmm_observers what watches the calls: --trace, --learn
 *                        (trace.c, learn.c), told of each call when it
 *                        completes
 *
 * struct vmm holds them and how the run ends.
 */
struct vmm_call;
struct vmm_path_use;

/* A timed wait a signal interrupted, for restart_syscall: a sleep
 * (sys_time.c) or a futex wait (sys_thread.c), resumed until the same
 * deadline. */
enum vmm_restart_kind {
	VMM_RESTART_NONE,
	VMM_RESTART_SLEEP,
	VMM_RESTART_FUTEX,
};

struct vmm_restart {
	enum vmm_restart_kind kind;
	int clock;			/* clockid_t */
	struct timespec deadline;	/* absolute, on clock */
	uint64_t rem_gva;		/* SLEEP: where the time left goes, or 0 */
	uint64_t uaddr;			/* FUTEX: the word, its expected value, */
	uint32_t val, bitset;		/* the bitset and the op's flags */
	int flags;
};

/*
 * The program's timers (timer.c): POSIX timers by id, then ITIMER_REAL,
 * ITIMER_VIRTUAL and ITIMER_PROF.  fired[] counts the expiries the shim
 * has not taken yet; the host signal handler adds to it.
 */
#define VMM_MAX_TIMERS	256
#define VMM_TIMER_SLOTS	(VMM_MAX_TIMERS + 3)

struct vmm_timer {
	bool used;
	int host;			/* the host timer's id */
	int notify;			/* SIGEV_SIGNAL, SIGEV_NONE, ... */
	int signo;
	int tid;			/* SIGEV_THREAD_ID: the thread's */
	uint64_t value;			/* the sigevent's value */
	int32_t overrun;		/* the last expiry taken: timer_getoverrun */
};

struct vmm_timers {
	struct vmm_timer t[VMM_TIMER_SLOTS];
	int next_id;
	_Atomic uint32_t fired[VMM_TIMER_SLOTS];
	_Atomic bool any_fired;
};

struct kvm_cpuid2;

struct vmm_vm {
	int kvm_fd, fd;			/* /dev/kvm, the VM */
	enum lstar_platform platform;
	/* What every vCPU gets (cpu.c, from the first): its CPUID, XCR0,
	 * whether it has FSGSBASE, AT_HWCAP. */
	struct kvm_cpuid2 *cpuid;
	uint64_t xcr0, fsgsbase, hwcap;
	bool msr_filtered;		/* this VM has its MSR filter (cpu.c) */
	uint32_t sync_regs;		/* the KVM_SYNC_X86_* KVM keeps in
					 * kvm_run (KVM_CAP_SYNC_REGS) */
	unsigned int slots_used;	/* 1 << VMM_SLOT_*: given to KVM
					 * (vmm_vm_use_slot) */
	bool log_dirty;			/* KVM logs the pages the guest writes
					 * (lstar fuzz) */
	/* The shim's header, for the vCPUs made later (threads). */
	struct lstar_shim_header shim;
	struct vmm_mem mem;
	struct vmm_vdso vdso;		/* the vDSO's time page */
};

/* What a vCPU is doing (under vmm->lock; signal handlers read it). */
enum vmm_vcpu_state {
	VMM_VCPU_UNUSED,		/* never started */
	VMM_VCPU_RUNNING,		/* runs a thread of the program */
	VMM_VCPU_IDLE,			/* its thread exited: waits for another */
};

struct vmm_vcpu {
	struct vmm *vmm;		/* the run it belongs to */
	_Atomic int state;		/* enum vmm_vcpu_state */
	pthread_t thread;		/* its host thread (vCPU 0: lstar's own) */
	bool has_thread;		/* thread was created for it */
	pthread_cond_t wake;		/* idle, it waits here for a thread */
	_Atomic bool kicked;		/* LSTAR_HC_KICK: take the events */
	struct vmm_process *proc;	/* the process it runs */
	struct vmm_mem *mem;		/* the memory it runs in */
	int index;			/* 0 .. LSTAR_MAX_VCPUS - 1 */
	int tid;			/* the program's thread it runs */
	int host_tid;			/* the host thread that runs it */
	int fd;				/* KVM_CREATE_VCPU's */
	struct kvm_run *run;		/* mmap of fd */
	size_t run_size;
	lstar_gpa_t hc_gpa;		/* its hypercall block: LSTAR_HC_BLOCK_GPA(index) */
	struct vmm_call *call;		/* the call it is answering, or NULL */
	bool call_refused;		/* the policy answered the last call
					 * vmm_forward got: never run */
	bool event_injected;		/* LSTAR_VECTOR_EVENT is on its way in */
	int start;			/* LSTAR_START_*: what it starts at the
					 * shim's entry (vmm_cpu_setup) */
	bool cpuid_set;			/* KVM has its CPUID (cpu.c) */
	struct vmm_restart restart;	/* what restart_syscall resumes */
	uint64_t fpu_features;		/* XSAVE components in its frames; 0: FXSAVE */
	uint32_t fpu_size;		/* bytes of that image (512 for FXSAVE) */
	struct vmm_path_use *paths;	/* VMM_CALL_PATHS, for the call's record
					 * when an observer wants them (malloc'd
					 * on first use) */
};

/* One shmat of this process (shm.c): [start, end) maps segment id
 * (the book's entry slot). */
#define VMM_SHM_ATTACHES	256

struct vmm_shm_attach {
	uint64_t start, end;
	int32_t slot, id;
};

/* One shared file mapping of this process (fmap.c): user [start, end)
 * maps window [off, off + len). */
#define VMM_FILE_MAPS		1024

struct vmm_fmap {
	uint64_t start, end;
	uint64_t off, len;
	uint64_t seq;			/* newer mappings have larger ones */
};

/*
 * `net dns` (dns.c): the nameservers the program is shown and may reach,
 * and the made-up files' text, each in a sealed memfd that the files
 * dev.c opens hold as their host descriptor (shared, never closed but
 * with the process).
 */
#define VMM_DNS_MAX_SERVERS	3	/* the libcs' MAXNS: the rest go unused */

struct vmm_dns_server {
	uint8_t family;			/* 4 or 6 */
	uint8_t addr[16];		/* network order; IPv4 in addr[0..3] */
};

struct vmm_dns {
	bool on;			/* the policy's `net dns`, set up */
	int nservers;
	struct vmm_dns_server servers[VMM_DNS_MAX_SERVERS];
	int resolv_fd, hosts_fd;	/* /etc/resolv.conf, /etc/hosts; -1 */
	uint64_t resolv_size, hosts_size;
};

struct vmm_process {
	const struct lstar_policy *policy;	/* == opt->policy */
	/* Its shared file mappings, by window offset; fork copies them
	 * with the host's mappings, execve ends them. */
	struct vmm_fmap fmaps[VMM_FILE_MAPS];
	int nfmaps;
	uint64_t fmap_seq;
	/* Its System V attachments, which fork copies (and counts again in
	 * the book) and execve and exit end. */
	struct vmm_shm_attach shm_att[VMM_SHM_ATTACHES];
	int nshm_att;
	struct vmm_file std_files[3];	/* lstar's own 0, 1, 2 */
	struct vmm_fd fds[LSTAR_MAX_FDS];
	int max_fds;			/* `limit files`, at most LSTAR_MAX_FDS:
					 * the table's length */
	struct vmm_rlimit rlimits[VMM_RLIM_NLIMITS];	/* the program's */
	struct vmm_tree trees[VMM_MAX_TREES];	/* --ro, --rw */
	int ntrees;
	struct vmm_link links[VMM_MAX_LINKS];	/* --system's /bin, /lib ... */
	int nlinks;
	char cwd[4096];			/* the guest's working directory */
	int cwd_fd;			/* it, held (O_PATH), so that it follows
					 * the directory when it is renamed;
					 * -1 for a directory above the trees */
	uint32_t host_uid, host_gid;	/* who runs lstar: their files are
					 * the program's own (fs.c) */
	uint32_t uid, gid;		/* the ids the program sees as its own
					 * (--uid, --gid), which fork keeps */
	struct vmm_timers timers;	/* timer_create, setitimer, alarm */
	int exe_fd;			/* the program it runs (read-only), for
					 * execve of /proc/self/exe; -1: none */
	int dev_fd;			/* what a device's file holds on the host
					 * (dev.c): an empty sealed memfd; -1 */
	struct vmm_dns dns;		/* net dns: made-up files, nameservers */
};

struct vmm_observers {
	FILE *trace;			/* --trace's stream, or NULL */
	struct vmm_learn *learn;	/* --learn's record, or NULL */
	struct timespec t0;		/* CLOCK_MONOTONIC when the run began:
					 * a JSON trace line's "time" */
};

/*
 * The last call the policy refused (or lstar lacked) and how many calls
 * the VMM heard of since: a program that dies of a fault soon after is
 * told why in its report line (hcall.c), as a policy that refuses what
 * libc needs to start or end kills it that way.  The VMM hears of the
 * calls it answers and of the refused ones; the ones the shim answers
 * only with --trace or --learn.
 */
#define VMM_REFUSAL_WINDOW	8	/* calls heard of after it, at most */

struct vmm_refusal {
	bool any;
	bool nosys;			/* allowed, but lstar lacks it */
	uint64_t nr;
	struct lstar_policy_verdict v;
	unsigned since;			/* calls heard of since, saturating */
};

/*
 * The sandbox's processes (procs.c): the book every VMM of one sandbox
 * shares (a MAP_SHARED mapping made by the first, before confinement),
 * under its lock but for the atomic words.
 */
#define VMM_MAX_PROCS		LSTAR_MAX_PROCS
#define VMM_DEFAULT_PROCS	LSTAR_DEFAULT_PROCS
#define VMM_PID_MAX		4194304		/* Linux's pid_max at most */

enum vmm_proc_state {
	VMM_PROC_RUNNING = 1,
	VMM_PROC_ZOMBIE,		/* ended, not reaped yet */
};

struct vmm_proc {
	int32_t pid;			/* 0: a free entry */
	int32_t ppid, pgid, sid;
	int32_t host_pid;		/* its VMM */
	int32_t state;			/* enum vmm_proc_state */
	int32_t wstatus;		/* a zombie's, as wait4 reports it */
	int32_t exit_signal;		/* sent to the parent at the end; 0: none */
	uint32_t uid;			/* its uid (proc.uid): its exit signal's
					 * si_uid, sent when its VMM cannot */
	bool execed;			/* it ran execve (setpgid: EACCES) */
	bool reaps;			/* its children are reaped as they end */
	struct timeval utime, stime;	/* a zombie's rusage, its waited-for
					 * children's included */
	struct timeval cutime, cstime;	/* its waited-for children's */
	_Atomic uint32_t child_seq;	/* futex: a child of this one ended */
	_Atomic uint32_t mail_seq;	/* futex: mail came, or the sandbox ends */
	_Atomic uint32_t vfork_done;	/* futex: 1 once it exec'd or ended */
	int32_t tids[LSTAR_MAX_VCPUS];	/* its threads, by vCPU (0: none) */
	uint64_t mail;			/* signals other processes sent it ... */
	struct lstar_hc_event mail_ev[LSTAR_NSIG];	/* ... and each one's siginfo */
};

/*
 * A System V segment of the sandbox (shm.c), in the book: its pages are
 * [off, off + PAGE_ALIGN(size)) of the segments' region.  id 0: a free
 * entry.
 */
#define VMM_SHM_SEGS		128	/* segments at once (Linux: SHMMNI) */

struct vmm_shm_seg {
	int32_t id;			/* shmget's answer; 0: free */
	int32_t key;			/* IPC_PRIVATE (0) once removed */
	uint64_t off, size;		/* in the region; size as asked */
	uint32_t mode;			/* permissions, and SHM_DEST once removed */
	uint32_t uid, gid, cuid, cgid;
	int32_t cpid, lpid;		/* creator, last shmat/shmdt */
	int64_t nattch;			/* attachments in all processes */
	int64_t atime, dtime, ctime;
};

struct vmm_procs {
	pthread_mutex_t lock;		/* process-shared, robust */
	/* System V segments (shm.c) and the sequence that makes their ids. */
	struct vmm_shm_seg shm[VMM_SHM_SEGS];
	uint32_t shm_seq;
	int32_t next_pid;
	bool wrapped;			/* next_pid has started over */
	int32_t alive;			/* entries in use: running or zombies */
	int32_t limit;			/* `limit processes` */
	int32_t slots;			/* procs[] ever used: [0, slots), so that a
					 * look at the book touches only those */
	_Atomic uint32_t ended;		/* the first process ended */
	_Atomic uint32_t rule_killed;	/* a process broke a `kill` rule */
	struct vmm_proc procs[VMM_MAX_PROCS];
};

struct vmm {
	/* Held by a vCPU's thread while it answers a hypercall, so that the
	 * VMM's state (the process's books, the observers, the time page)
	 * has one writer at a time; let go while the call blocks in the
	 * host (vmm_block_begin, vmm_block_end). */
	pthread_mutex_t lock;
	pthread_cond_t idle;		/* a vCPU went idle */
	const struct vmm_options *opt;
	struct vmm_vm vm;
	struct vmm_vcpu vcpu[LSTAR_MAX_VCPUS];
	int nvcpus;
	struct vmm_process proc;
	struct vmm_observers obs;
	struct vmm_refusal refused;	/* the last call refused (syscall.c) */
	bool done;			/* the program ended */
	int stopped_by;			/* the signal that stopped the run
					 * (SIGALRM: --timeout), or 0 */
	int status;			/* lstar's exit status once done */
	int exit_code;			/* once done: exit's status, or ... */
	int killed_by;			/* ... the signal that ended it */
	/* The sandbox's processes (procs.c): the book, this process's
	 * entry in it, and the life line (a pipe whose write end only the
	 * first VMM holds).  A forked child's VMM is `child`; its process
	 * ends when the vCPU loop of `main`, the vCPU that forked, does. */
	struct vmm_procs *procs;
	struct vmm_proc *me;
	int lifeline[2];
	bool child;
	pthread_t watcher;		/* the first VMM's watcher (procs.c), */
	bool watching;			/* joined at the sandbox's end */
	struct vmm_vcpu *main;
	struct vmm_fuzz *fuzz;		/* lstar fuzz's state, or NULL */
	struct vmm_stats_state *stats;	/* --stats (stats.c), or NULL */
	/* The exec socket (spawn.c): the first VMM's listening socket until
	 * the spawner holds it (else -1); in a process started through it,
	 * the connection its status goes back on (else -1). */
	int exec_listen;
	int exec_conn;
	bool exec_bound;		/* the exec socket's file (st_dev and
					 * st_ino), which no program of the
					 * sandbox may connect to */
	uint64_t exec_dev, exec_ino;
	uint32_t starter_uid;		/* the euid lstar started with, before
					 * any --host-user: the one user the
					 * exec socket serves */
};

/* Platform detection (cpu.c): what kind of KVM this host offers. */
enum lstar_platform vmm_detect_platform(void);
const char *vmm_platform_name(enum lstar_platform p);

/* vm.c: sort and merge the boot VMAs as the shim keeps its map; false
 * when two overlap. */
bool vmm_order_boot_vmas(struct lstar_boot_info *bi);

/* vm.c: make KVM raise #UD for the other vendor's hypercall instruction
 * instead of rewriting it in guest memory; true when that took (never
 * on PVM, which patches regardless). */
bool vmm_disable_hypercall_patching(int kvm_fd, int vm_fd, enum lstar_platform platform);
/* vm.c: the registers KVM keeps in kvm_run (KVM_SYNC_X86_*, from
 * KVM_CAP_SYNC_REGS), or none under LSTAR_NO_SYNC_REGS: as on a KVM that
 * keeps none, every read and write an ioctl (the tests' way to reach
 * that path on a KVM that does). */
uint32_t vmm_kvm_sync_regs(int kvm_fd);

/* cpu.c: the vCPU's initial state. */
struct kvm_regs;
/* A vCPU's general registers after an exit, and back before the next
 * KVM_RUN: kvm_run's copy where KVM keeps one, else an ioctl each.
 * 0 or -errno. */
int vmm_cpu_get_regs(struct vmm_vcpu *cpu, struct kvm_regs *r);
int vmm_cpu_set_regs(struct vmm_vcpu *cpu, const struct kvm_regs *r);
int vmm_cpu_setup(struct vmm_vcpu *cpu, const struct lstar_shim_header *hdr,
		  uint64_t *hwcap, uint64_t *hwcap2);
/* cpu.c: the AT_HWCAP values the guest's CPUID reports. */

/*
 * vdso.c: map the embedded vDSO read+exec for ring 3 just below top and
 * its time page one page below that, record both as boot VMAs, decide
 * whether the vDSO may use the TSC (invariant, host clocksource `tsc`,
 * KVM_GET_TSC_KHZ, the guest's TSC offset) and write the first anchor.
 * Needs the vCPU.  Sets vmm->vm.vdso.ehdr (for AT_SYSINFO_EHDR).  0 or
 * -errno (-ENOMEM: the pool is full; -ENOEXEC: the image is unusable).
 */
int vmm_vdso_setup(struct vmm_vcpu *cpu, struct lstar_boot_info *bi, uint64_t top);

/*
 * vdso.c: re-anchor the time page on the host's clocks; the vCPU loop
 * calls it after each hypercall.  Stops for good once the program has
 * unmapped or replaced the page (its frame may then be someone else's).
 */
void vmm_vdso_update(struct vmm_vm *vm);

/*
 * vdso.c: write the process's ids into the time page and, on PVM, decide
 * which calls the syscall gate answers (from the policy's fast[], as the
 * shim will hold it) and say where the gate is in bi (0: nowhere).
 * Called with the rest of the boot page filled in.
 */
void vmm_vdso_gate(struct vmm_vm *vm, struct lstar_boot_info *bi,
		   const uint8_t fast[LSTAR_POLICY_NR]);

/* vdso.c: a forked child's pid into its time page (for the gate). */
void vmm_vdso_set_pid(struct vmm_vm *vm, int32_t pid);

/* The vDSO image embedded in the lstar binary (vdso_image.S). */
extern const uint8_t lstar_vdso_image[];
extern const uint8_t lstar_vdso_image_end[];

/* vm.c: a run with nothing built yet: no descriptor open, the process's
 * policy and owner set, each vCPU slot tied to the run. */
void vmm_init(struct vmm *vmm, const struct vmm_options *opt);

/* vm.c: run the program; returns lstar's exit status. */
int vmm_run(const struct vmm_options *opt);

/*
 * A program to start in the VM: the first, or one execve names.  Its file
 * is read when it is loaded, not before (elf.c), so the image holds it
 * open: the program's descriptor is borrowed (the process keeps it for
 * /proc/self/exe), the interpreter's is the image's own, -1 when there is
 * none (VMM_IMAGE_INIT; vmm_image_release closes it).
 */
struct vmm_image {
	const char *program;		/* as named: messages, AT_EXECFN */
	int fd;				/* the file (borrowed) */
	uint64_t size;			/* its size when checked */
	struct vmm_elf elf;		/* vmm_image_check's */
	/* A dynamic program's interpreter (vmm_image_interp's): its file
	 * (owned), its size and its ELF. */
	int interp_fd;
	uint64_t interp_size;
	struct vmm_elf interp_elf;
	int argc;
	char *const *argv;
	int envc;
	char *const *envp;
	int32_t pid, ppid;		/* the process's */
	uint64_t sig_blocked, sig_ignored; /* what the shim keeps (boot_info) */
};
#define VMM_IMAGE_INIT	{ .fd = -1, .interp_fd = -1 }

/* vm.c: vmm_image_check - can lstar run the file in img: its ELF parsed
 * into img->elf, or -ENOEXEC with the reason in why.  vmm_image_release -
 * close what img owns.  vmm_exec_image - execve's point of no return: the
 * VM emptied and img (its interpreter taken) started on cpu; 0 or -errno
 * (the process cannot go on). */
/* exec.c: lstar run --inside - the program named on the command line
 * (img->program, img->argv), found in the sandbox's own file system as
 * execve would find it (a bare name along its environment's PATH) and
 * checked into img, its argv as "#!" lines make it; its file left open in
 * *fd.  What img then points at is held in *hold until
 * vmm_exec_first_free.  0 or -errno. */
struct exec_req;
int vmm_exec_first(struct vmm_vcpu *cpu, struct vmm_image *img, int *fd, struct exec_req **hold);
void vmm_exec_first_free(struct exec_req *hold);
int vmm_image_check(struct vmm_image *img, char *why, size_t len);
void vmm_image_release(struct vmm_image *img);

/* vm.c: vmm_image_interp - a dynamic program's interpreter (img->elf.interp,
 * as the program names it), opened beneath the trees of cpu's process as
 * any guest path, kept open in img->interp_fd and checked: an ELF lstar
 * can run that needs no interpreter of its own.  0 (a static program:
 * nothing to do), or -errno with the reason in why: -ENOENT (no such file,
 * or outside every tree), -EACCES, -EISDIR, -ELIBBAD (not a usable ELF). */
int vmm_image_interp(struct vmm_vcpu *cpu, struct vmm_image *img, char *why, size_t len);
int vmm_exec_image(struct vmm_vcpu *cpu, struct vmm_image *img);

/* exec.c: LSTAR_HC_EXEC.  -errno when the call fails; LSTAR_EXEC_ALONE
 * when other threads must end first; VMM_EXEC_DONE when the process now
 * runs the new program (or was killed trying): the old hypercall block
 * is gone. */
#define VMM_EXEC_DONE	INT64_MIN	/* never a call's result */
int64_t vmm_exec(struct vmm_vcpu *cpu, const struct lstar_hc_exec *x);


/* vm.c: make vCPU index (KVM_CREATE_VCPU, its kvm_run); 0 or -errno.
 * vmm_vcpu_loop - run cpu until the run ends (on its own host thread).
 * vmm_run_over - has the program ended, or lstar been stopped? */
int vmm_vcpu_create(struct vmm *vmm, int index);
int vmm_vcpu_loop(struct vmm_vcpu *cpu);
bool vmm_run_over(const struct vmm *vmm);
/* vm.c: finish the hypercall cpu stopped at (its I/O completed, no guest
 * instruction run), so that the vCPU takes new registers as they are. */
void vmm_vcpu_settle(struct vmm_vcpu *cpu);

/*
 * thread.c: the program's threads, a vCPU each (under vmm->lock).
 * vmm_thread_clone - LSTAR_HC_CLONE; 0 or -errno.  vmm_thread_exit -
 * LSTAR_HC_THREAD_EXIT: returns once the vCPU has a thread again, or the
 * run is over.  vmm_thread_kick - LSTAR_HC_KICK.  vmm_threads_stop - the
 * run is over: every vCPU's host thread is told.  vmm_threads_join - wait
 * for them (lstar's main thread, unlocked).  vmm_vcpu_of_tid - the vCPU
 * running the program's thread tid, or NULL.
 */
int64_t vmm_thread_clone(struct vmm_vcpu *cpu, const struct lstar_hc_clone *hc);
void vmm_thread_exit(struct vmm_vcpu *cpu, const struct lstar_hc_thread_exit *hc);
void vmm_thread_kick(struct vmm_vcpu *cpu, const struct lstar_hc_kick *hc);
void vmm_threads_stop(struct vmm *vmm);
/* vmm_threads_alone - is cpu's thread the only one running (waiting for
 * the others to end, with wait)?  vmm_threads_exec - execve replaced the
 * program that cpu runs: the idle vCPUs start their next thread at the
 * shim's entry. */
bool vmm_threads_alone(struct vmm_vcpu *cpu, bool wait);
int vmm_threads_exec(struct vmm *vmm, struct vmm_vcpu *cpu);
void vmm_threads_join(struct vmm *vmm);
struct vmm_vcpu *vmm_vcpu_of_tid(struct vmm *vmm, int tid);

/*
 * procs.c: the sandbox's processes.  vmm_procs_create - the book, by the
 * first VMM before confinement; 0 or -errno.  vmm_procs_watch - start
 * this VMM's watcher.  vmm_procs_new_tid - LSTAR_HC_NEW_TID.  vmm_fork -
 * LSTAR_HC_FORK: in the parent the child's pid or -errno, in the child
 * 0 (live is the caller's block, where the child's pid goes).
 * vmm_procs_exit - this process ended (its wait status from exit_code
 * and killed_by).  vmm_procs_end - the first process ended: every other
 * VMM exits, and is reaped.  vmm_proc_of - the entry of pid, or NULL
 * (under the lock).  Mail: vmm_procs_mail queues a signal for a process
 * (under the lock); vmm_procs_take_mail adds this process's to e.
 */
int vmm_procs_create(struct vmm *vmm);
int vmm_procs_watch(struct vmm *vmm);
int64_t vmm_procs_new_tid(struct vmm *vmm);
/* vmm_procs_guest_pid - the sandbox's pid of the process whose VMM is
 * host_pid, or 0 (none of the sandbox's). */
int32_t vmm_procs_guest_pid(struct vmm *vmm, int32_t host_pid);
/* vmm_procs_reaps - LSTAR_HC_CHILDREN: this process's children are
 * reaped as they end (reaps) or become zombies. */
void vmm_procs_reaps(struct vmm *vmm, bool reaps);
int64_t vmm_fork(struct vmm_vcpu *cpu, const struct lstar_hc_fork *hc,
		 struct lstar_hc_fork *live);
void vmm_procs_exit(struct vmm *vmm);
/* vmm_wait_status - how the run ended, as wait4 reports it (an exit
 * code, or the signal that killed it): the parent's, and lstar fuzz's
 * driver's. */
int vmm_wait_status(const struct vmm *vmm);
void vmm_procs_end(struct vmm *vmm);
void vmm_procs_lock(struct vmm_procs *b);
void vmm_procs_unlock(struct vmm_procs *b);
struct vmm_proc *vmm_proc_of(struct vmm_procs *b, int32_t pid);
void vmm_procs_mail(struct vmm_procs *b, struct vmm_proc *to, const struct lstar_hc_event *ev);
void vmm_procs_take_mail(struct vmm *vmm, struct lstar_hc_events *e);
/* vmm_procs_thread - vCPU index now runs thread tid of this process (0:
 * none), for tgkill from the others. */
void vmm_procs_thread(struct vmm *vmm, int index, int32_t tid);
/* vmm_procs_rule_killed - this (forked) process broke a `kill` rule: the
 * first process's watcher ends the sandbox. */
void vmm_procs_rule_killed(struct vmm *vmm);
/* vm.c: end the run from outside the vCPU loops (the watcher), with
 * lstar's exit status. */
void vmm_stop_run(struct vmm *vmm, int status);
/* LSTAR_HC_SIGNAL: kill's targets among the other processes. */
int64_t vmm_procs_signal(struct vmm *vmm, const struct lstar_hc_signal *hc,
			 struct lstar_hc_signal *live);
bool vmm_procs_mail_waits(const struct vmm *vmm);
/*
 * procs.c, for a VMM that starts a new process: vmm_procs_drop_vm - let
 * go of the KVM objects of the VM this VMM was copied with (its vCPUs;
 * the VM's descriptor is replaced next).  vmm_procs_new_vm - a new VM at
 * the old one's descriptor number (which the filter names), over this
 * VMM's memory, with vCPU index.  vmm_procs_join - a process from
 * outside (spawn.c) enters the book: a fresh pid, init (1) its parent,
 * its own session and group; vmm->me is its entry.  0 or -errno (-EAGAIN:
 * `limit processes`; -ESRCH: the sandbox is ending).
 */
void vmm_procs_drop_vm(struct vmm *vmm);
int vmm_procs_new_vm(struct vmm *vmm, int index);
int vmm_procs_join(struct vmm *vmm);

/*
 * spawn.c: the exec socket (lstar run --exec-socket).  vmm_spawn_open -
 * the first VMM, before confinement: make the listening socket (mode
 * 0600; -EEXIST when the path exists) and the helper that removes it when
 * the sandbox ends.  vmm_spawn_start - confined, before any thread: fork
 * the spawner, which accepts connections and starts their processes.
 * vmm_spawn_forked - a forked child lets go of its parent's connection.
 * vmm_spawn_report - a process started through the socket ended: its
 * status goes back to the client.  All do nothing without --exec-socket.
 */
int vmm_spawn_open(struct vmm *vmm);
int vmm_spawn_start(struct vmm *vmm);

/*
 * spawn.c: the exec socket's address, for lstar run and lstar exec alike.
 * vmm_spawn_socket_dir - open path's directory (O_PATH; the caller
 * closes it), *name the last component of path: fd, or -errno (-EISDIR:
 * path ends in '/').  vmm_spawn_socket_addr - sa for path: path itself
 * when it fits sun_path, else /proc/self/fd/DIRFD/NAME (dirfd must stay
 * open until bind or connect): 0, or -ENAMETOOLONG when even that does
 * not fit.
 */
struct sockaddr_un;
int vmm_spawn_socket_dir(const char *path, const char **name);
int vmm_spawn_socket_addr(const char *path, int dirfd, const char *name, struct sockaddr_un *sa);
void vmm_spawn_forked(struct vmm *vmm);
void vmm_spawn_report(struct vmm *vmm);

/*
 * exec.c: start the program argv[0] (a guest path, looked up from the
 * working directory as execve looks it up) in this VMM's VM as a new
 * process's first program, with argv and envp (NULL-terminated host
 * strings, copied).  0, or -errno before anything changed (-ENOENT,
 * -EACCES, -ENOEXEC ...), with a word on stderr where one helps.
 */
int vmm_exec_spawn(struct vmm_vcpu *cpu, char *const argv[], char *const envp[]);

/* fs.c: chdir to a guest path (a host string): 0 or -errno. */
int vmm_fs_chdir(struct vmm_vcpu *cpu, const char *path);

/* exec_client.c: `lstar exec`: start argv in the sandbox listening at
 * socket_path, with envp (NULL-terminated) and cwd (NULL: the sandbox's
 * start directory); lstar exec's exit status. */
int vmm_exec_client(const char *socket_path, char *const argv[], char *const envp[],
		    const char *cwd);

/* vm.c: the end of a forked child's process, on its main vCPU's thread,
 * once its loop is over: stop its threads, tell the book, exit. */
_Noreturn void vmm_child_end(struct vmm *vmm);
/*
 * fuzz.c: lstar fuzz.  vmm_fuzz_open - check the run suits fuzzing and
 * start the sentinel (before confinement); 0 or -errno.  vmm_fuzz_point -
 * before hypercall nr of block gpa: answer it if it is the snapshot's
 * (the call it goes at, or the stop where it is taken and the first
 * execution starts): true; vmm->done if that failed.  vmm_fuzz_cut - has the driver
 * cut the execution short (it then ends: vmm->done)?  vmm_fuzz_next - the
 * execution ended: report it, wait for the next input and reset to the
 * snapshot, its hypercall answered (true), or the campaign is over
 * (false; vmm->status says how).
 */
int vmm_fuzz_open(struct vmm *vmm);
bool vmm_fuzz_point(struct vmm_vcpu *cpu, uint32_t nr, uint32_t gpa);
bool vmm_fuzz_cut(struct vmm_vcpu *cpu);
bool vmm_fuzz_next(struct vmm_vcpu *cpu);
/* vmm_shm_hcall - LSTAR_HC_SHM's LOOKUP, ATTACH, DETACH and UNMAPPED on
 * the copied block h; OUT fields go to live.  0 or -errno. */
int64_t vmm_shm_hcall(struct vmm_vcpu *cpu, const struct lstar_hc_shm *h,
		      struct lstar_hc_shm *live);

/* vmm_fmap_within - of len bytes mapped from offset off of a file of
 * size bytes, those in the whole pages that hold the file's bytes: a
 * touch past them is SIGBUS (lstar_hc_mmap.valid, shared or private). */
uint64_t vmm_fmap_within(uint64_t size, uint64_t off, uint64_t len);

/* vmm_fmap_shared - mmap(MAP_SHARED) of a file (a: the decided
 * arguments) at user [addr, addr + len): map it into the window and fill
 * live's gpa, valid and may_write.  0 or -errno. */
int64_t vmm_fmap_shared(struct vmm_vcpu *cpu, const uint64_t *a, uint64_t addr,
			uint64_t len, struct lstar_hc_mmap *live);

/* vmm_fmap_unmapped - [addr, addr + len) was unmapped: end the shared
 * file mappings there of which the page tables keep no page. */
void vmm_fmap_unmapped(struct vmm *vmm, uint64_t addr, uint64_t len);

/* vmm_fmap_fault - ring 3 touched user address addr, past the end its
 * shared file mapping's file had when it was mapped: the frame there if
 * the file now reaches it (the newest mapping that holds addr), else
 * -EFAULT.  0 or -errno; *gpa. */
int64_t vmm_fmap_fault(struct vmm *vmm, uint64_t addr, uint64_t *gpa);

/* vmm_mem_zero_user - zero [p, p + n), host memory vmm_mem_user_iov
 * gave (it may be a shared file's page that its file lost: -EFAULT, not
 * the host's SIGBUS).  0 or -EFAULT. */
int vmm_mem_zero_user(const struct vmm_mem *m, void *p, size_t n);

/* vmm_mem_window_probe - can the window's page at off be read (the file
 * reaches it)?  Never dies of the host's SIGBUS. */
bool vmm_mem_window_probe(const struct vmm_mem *m, uint64_t off);

/* vmm_fmap_reset - execve: every shared file mapping goes. */
void vmm_fmap_reset(struct vmm *vmm);

/* vmm_shm_fork - a fork is about to copy this process's attachments:
 * count them again (undo: -1, when the fork failed). */
void vmm_shm_fork(struct vmm *vmm, int undo);

/* vmm_shm_detach_all - the process's memory goes (execve, exit): end
 * all its attachments. */
void vmm_shm_detach_all(struct vmm *vmm);

/* vmm_fuzz_shm - LSTAR_HC_SHM: the coverage map's size, or where the
 * program attached it; 0 or -errno (EINVAL: not that segment). */
int64_t vmm_fuzz_shm(struct vmm_vcpu *cpu, const struct lstar_hc_shm *h,
		     struct lstar_hc_shm *live);
/* vmm_fuzz_note_call - c was answered (vmm_observe): kept for a crash
 * report. */
void vmm_fuzz_note_call(struct vmm_vcpu *cpu, const struct vmm_call *c);
/* vmm_fuzz_stop - the campaign is over: the sentinel ends.
 * vmm_fuzz_close - free what is left. */
void vmm_fuzz_stop(struct vmm *vmm);
/* vmm_fuzz_reraise - lstar fuzz ran the program once and signal sig, which
 * it does not catch itself (SIGSEGV, SIGABRT, SIGSYS ...), ended it: lstar
 * dies of it too (its core dump is off).  Returns for sig 0. */
void vmm_fuzz_reraise(int sig);
void vmm_fuzz_close(struct vmm *vmm);
/* fuzz.c: one four-byte word of the fork-server protocol from fd, within
 * seconds (<= 0: no limit); 0, -ETIMEDOUT, or -EPIPE when the other end
 * is gone.  Both ends read with it: the VMM and the corpus runner. */
int vmm_fuzz_read4(int fd, uint32_t *v, double seconds);
/*
 * The fork-server handshake's words, as AFL++ defines them.  The classic
 * hello is one word of options: FS_OPT_ENABLED, and FS_OPT_MAPSIZE with
 * the map's size in FS_OPT_SIZE_BITS.  AFL++ 4.20 and later open with
 * FS_NEW_MAGIC plus a version, which the driver answers inverted; then
 * comes a word of FS_NEW_OPT_* options, each one's value in their order
 * (FS_NEW_OPT_MAPSIZE: the size), and the opening word again.
 */
#define FS_OPT_ENABLED		0x80000001u
#define FS_OPT_MAPSIZE		0x40000000u
#define FS_OPT_SIZE_BITS	0x00fffffeu
#define FS_NEW_MAGIC		0x41464c00u	/* "AFL", then the version */
#define FS_NEW_VERSION		1u
#define FS_NEW_OPT_MAPSIZE	0x00000001u
/* Is word the newer handshake's opening (any version)? */
static inline bool vmm_fuzz_new_hello(uint32_t word)
{
	return word > FS_NEW_MAGIC && word <= FS_NEW_MAGIC + 0xff;
}
/* fuzz_corpus.c: lstar fuzz --corpus: run each input of the corpus in a
 * VMM started with opt, report each; lstar's exit status.  map: the
 * coverage map vmm_fuzz_coverage_map made, or NULL.
 * vmm_fuzz_coverage_map - a coverage map for a program built with
 * afl-clang-fast, its id put in __AFL_SHM_ID (before the program's
 * environment is made); NULL when none can be had. */
int vmm_fuzz_corpus(const struct vmm_options *opt, const char *corpus,
		    const char *crashes, double timeout, uint8_t *map);
uint8_t *vmm_fuzz_coverage_map(void);

/*
 * vm.c: give guest memory to KVM (a new VM over the same memory): slot 0,
 * and the slots of the regions above it the run has used.  Those are
 * given to KVM when first used (vmm_vm_use_slot: 0 or -errno), as most
 * runs use neither, and each costs KVM its books for 512 MiB at once
 * (~0.25 ms a run on PVM).
 */
enum { VMM_SLOT_MEMORY, VMM_SLOT_SHM, VMM_SLOT_WINDOW };
int vmm_vm_add_memory(struct vmm_vm *vm);
int vmm_vm_use_slot(struct vmm_vm *vm, unsigned int n);
/* vdso.c: the vCPU was made anew over the same memory (a forked child):
 * keep the time page's TSC in the new vCPU's terms. */
void vmm_vdso_rebase(struct vmm_vcpu *cpu);
/* signal.c: this VMM is a forked copy: kicks go to its own threads.
 * vmm_signal_kick_signal - the host signal a kick is (confine.c). */
void vmm_signal_forked(void);
int vmm_signal_kick_signal(void);

/* sys_thread.c: the host address of the futex word at gva (aligned, in a
 * present user page), or NULL with *err set. */
uint32_t *vmm_futex_word(struct vmm_vcpu *cpu, uint64_t gva, int *err);

/*
 * block.c: around a host call that may block (a read from a pipe, a futex
 * wait, a sleep): let the other vCPUs' calls in meanwhile.  What the call
 * uses must not go away while the lock is not held: a file is held
 * (vmm_fd_hold), guest pages are not reused while a vCPU is in a call.
 */
void vmm_block_begin(struct vmm_vcpu *cpu);
void vmm_block_end(struct vmm_vcpu *cpu);
/* Host call nr, made between the two above, that a kick ends at any
 * point: its result, -EINTR if kicked before or while it blocks. */
long vmm_block_call(struct vmm_vcpu *cpu, long nr, long a1, long a2, long a3, long a4,
		    long a5, long a6);
/*
 * The same, for a host call that touches no guest memory while it blocks
 * (its buffers are the VMM's own copies; a futex word, which the host only
 * reads as the wait starts): the vCPU is parked meanwhile (struct
 * lstar_hc's parked), so the shim reuses the pages other threads free
 * without waiting for this one (shim-kernel/mm.c's limbo).  Never around
 * a call that reads or writes guest memory: a page freed meanwhile may be
 * a page table by then.
 */
long vmm_block_call_parked(struct vmm_vcpu *cpu, long nr, long a1, long a2, long a3,
			   long a4, long a5, long a6);
/* Every signal handler that may kick a vCPU's thread calls this with the
 * context it interrupted (a ucontext_t): see block.c. */
void vmm_block_interrupt(void *context);
/* The stub's window, from the kick test to its `syscall` instruction, and
 * its -EINTR exit (for tests). */
extern const char vmm_block_window[], vmm_block_window_end[], vmm_block_cancelled[];

/* hcall.c: handle hypercall nr (an `out` to LSTAR_HC_PORT + nr) of
 * block gpa (its value), which must be the vCPU's own. */
void vmm_hcall(struct vmm_vcpu *cpu, uint32_t nr, uint32_t gpa);
/* The register way (LSTAR_FORWARD_PORT): vmm_forward_take reads the
 * registers into r and, if the call may be made, its number and
 * arguments into the vCPU's block for LSTAR_HC_SYSCALL (true), or points
 * the shim at its common way (false); vmm_forward_resume hands the
 * result back and says where the shim goes on. */
bool vmm_forward_take(struct vmm_vcpu *cpu, struct kvm_regs *r);
void vmm_forward_resume(struct vmm_vcpu *cpu, struct kvm_regs *r);

/*
 * fdtable.c: the guest's descriptors.  vmm_file_new makes a file with no
 * references (NULL on ENOMEM); installing it takes one, closing the last
 * descriptor that names it closes its host descriptor.
 */
void vmm_fd_init(struct vmm_process *proc);
struct vmm_file *vmm_file_new(int host, const char *path,
			      const struct vmm_tree *tree);
struct vmm_file *vmm_fd_get(const struct vmm_process *proc, uint64_t fd);
int vmm_fd_host(const struct vmm_process *proc, uint64_t fd); /* or -EBADF */
/* vmm_fd_hold - the file fd names, with a reference of the caller's, so
 * that it stays open while the call blocks unlocked (NULL: EBADF);
 * vmm_file_release drops it. */
struct vmm_file *vmm_fd_hold(const struct vmm_process *proc, uint64_t fd);
void vmm_file_release(struct vmm_file *f);
int vmm_fd_install(struct vmm_process *proc, struct vmm_file *f, uint64_t min,
		   bool cloexec);		/* lowest free >= min, or -EMFILE */
int vmm_fd_install_at(struct vmm_process *proc, struct vmm_file *f, uint64_t fd,
		      bool cloexec);		/* replaces what fd named */
int vmm_fd_close(struct vmm_process *proc, uint64_t fd);	/* 0 or -EBADF */
/* The same, but when it was the last reference the host descriptor is
 * left open in *host (set only then) for the caller to close. */
int vmm_fd_close_keep(struct vmm_process *proc, uint64_t fd, int *host);
/* vmm_fd_limit - how many descriptors the program may number: its
 * RLIMIT_NOFILE, at most the table's length.  A new descriptor is below
 * it; one the program names to dup2/dup3 must be (EBADF). */
uint64_t vmm_fd_limit(const struct vmm_process *proc);
void vmm_fd_close_all(struct vmm_process *proc);		/* the run is over */
void vmm_fd_close_on_exec(struct vmm_process *proc);		/* execve */

/*
 * rlimit.c: the program's resource limits.  vmm_rlimit_init sets Linux's
 * defaults, RLIMIT_NOFILE from the table's length (vmm_fd_init calls it).
 */
void vmm_rlimit_init(struct vmm_process *proc);
/*
 * vmm_rlimit_parse - one `--rlimit NAME=SOFT[:HARD]` into opt->rlimits:
 * NAME as prlimit(1) spells it or RLIMIT_NAME, in any case; SOFT and HARD
 * a size (lstar_policy_parse_size) or "unlimited"; HARD is SOFT when left
 * out.  0, or -EINVAL with why (len bytes) saying what was wrong.
 */
int vmm_rlimit_parse(const char *arg, struct vmm_options *opt, char *why, size_t len);
/*
 * vmm_rlimit_start - the limits the program starts with: --rlimit's over
 * the defaults vmm_rlimit_init set (after it, when the table's length is
 * known).  -EINVAL, said on stderr, for a nofile past the table.
 */
int vmm_rlimit_start(struct vmm_process *proc, const struct vmm_options *opt);

/*
 * identity.c: who the program is told it is.  vmm_identity_parse_id
 * reads a --uid or --gid value (decimal, 0 to 4294967294);
 * vmm_identity_check_hostname checks a --hostname (1 to
 * LSTAR_HOSTNAME_MAX bytes of RFC 1123 labels).  0, or -EINVAL with why
 * (len bytes) saying what was wrong.
 */
int vmm_identity_parse_id(const char *s, uint32_t *out, char *why, size_t len);
int vmm_identity_check_hostname(const char *name, char *why, size_t len);

/*
 * identity.c: --host-user.  vmm_identity_parse_host_user reads UID:GID
 * (each as vmm_identity_parse_id) into opt; 0, or -EINVAL with why.
 * vmm_identity_check_host_user: 0 when lstar can take that identity
 * (it is root, or it is that user and group already), else -EPERM with
 * why.  vmm_identity_become_host_user: with --host-user and lstar root,
 * become that user for good (no supplementary groups, real, effective
 * and saved ids alike); 0, or -errno, said on stderr.
 */
int vmm_identity_parse_host_user(const char *s, struct vmm_options *opt, char *why, size_t len);
int vmm_identity_check_host_user(const struct vmm_options *opt, char *why, size_t len);
int vmm_identity_become_host_user(const struct vmm_options *opt);

/*
 * fs.c: the granted trees.  vmm_fs_grant opens the host's path (before
 * confinement) as a tree the program sees at guest (NULL: at path);
 * -EXDEV when it would nest a read-only tree's host files inside a
 * writable one's, -EEXIST when another tree is at guest, -ENOTDIR for a
 * file at "/".  vmm_fs_grant_private takes --tmp's directory dirfd (its
 * own from then on) as the writable tree the program sees at path;
 * vmm_fs_set_cwd sets the program's working directory.
 */
int vmm_fs_grant(struct vmm_process *proc, const char *path, const char *guest,
		 bool writable);
int vmm_fs_grant_private(struct vmm_process *proc, const char *path, int dirfd);
int vmm_fs_set_cwd(struct vmm_process *proc, const char *path);
/* vmm_fs_system - --system's view of the host: /usr read-only (granted
 * already, as a policy tree), and the host's /bin, /lib, /lib64 and /sbin
 * as the host has them: a symlink into a tree is shown as that link, a
 * directory is granted read-only, a missing one stays missing.  0, or
 * -errno after saying why. */
int vmm_fs_system(struct vmm_process *proc);

/* vmm_fs_sees - does the absolute guest path lie in a tree (through the
 * process's links), so that a lookup of it would reach the host?  True
 * for a relative path (its base decides). */
bool vmm_fs_sees(const struct vmm_process *proc, const char *path);

/*
 * AF_UNIX socket paths (sys_net.c), resolved as the path calls resolve
 * theirs (the host string path, copied from the program already).
 * vmm_fs_unix_bind - the directory a socket named path is to be made in,
 * beneath a writable tree: its O_PATH descriptor, and the name to make
 * there in last (len bytes); or -errno as mknod would fail (EROFS,
 * ENOENT, EADDRINUSE for a name that exists).  vmm_fs_unix_node - the
 * socket path names, beneath a writable tree, the last link followed:
 * its O_PATH descriptor, or -errno (ECONNREFUSED: not a socket; EACCES:
 * beneath a read-only tree).
 */
int vmm_fs_unix_bind(struct vmm_vcpu *cpu, const char *path, char *last, size_t len);
int vmm_fs_unix_node(struct vmm_vcpu *cpu, const char *path);

/* vmm_fs_tree_of - the tree that holds the normalized guest path abs (the
 * longest that does), or NULL.  vmm_fs_tree_contains - does tree path
 * outer contain inner, or equal it?  vmm_fs_plain_dir - is rel a
 * directory beneath t, reached without a symlink? */
const struct vmm_tree *vmm_fs_tree_of(const struct vmm_process *proc,
				      const char *abs);
bool vmm_fs_tree_contains(const char *outer, const char *inner);
bool vmm_fs_plain_dir(const struct vmm_tree *t, const char *rel);
/* vmm_fs_open_exec - open the guest path (a host string) for execve:
 * beneath its tree, read-only, the last link followed unless nofollow;
 * the host descriptor or -errno. */
int vmm_fs_open_exec(struct vmm_vcpu *cpu, int dirfd, const char *path, bool nofollow);

/*
 * dev.c: lstar's own devices, in every run: /dev/null, zero, full,
 * random, urandom, tty, stdin, stdout, stderr, and /dev itself.  None is
 * the host's; the VMM answers each (docs/DECISIONS.md, "Devices").  With
 * `net dns`, the made-up files /etc/resolv.conf and /etc/hosts too
 * (dns.c makes their text), and /etc when no tree holds it.
 */
enum vmm_dev {
	VMM_DEV_NONE, VMM_DEV_NULL, VMM_DEV_ZERO, VMM_DEV_FULL, VMM_DEV_RANDOM,
	VMM_DEV_URANDOM, VMM_DEV_TTY, VMM_DEV_STDIN, VMM_DEV_STDOUT,
	VMM_DEV_STDERR, VMM_DEV_DIR,
	VMM_DEV_RESOLV_CONF, VMM_DEV_HOSTS,	/* read-only text (net dns) */
	VMM_DEV_ETC,				/* /etc, listing those two */
};
/* vmm_dev_is_dir - is dev one of the directories lstar makes up and
 * lists (/dev, /etc)?  vmm_dev_dir_path - that directory's path. */
static inline bool vmm_dev_is_dir(int dev)
{
	return dev == VMM_DEV_DIR || dev == VMM_DEV_ETC;
}
static inline const char *vmm_dev_dir_path(int dev)
{
	return dev == VMM_DEV_ETC ? "/etc" : "/dev";
}
/* vmm_dev_has_text - is dev a made-up file with text to read (a small
 * read-only regular file, read at the file's own pos)? */
static inline bool vmm_dev_has_text(int dev)
{
	return dev == VMM_DEV_RESOLV_CONF || dev == VMM_DEV_HOSTS;
}
/* vmm_dev_init - make the process's dev_fd (before confinement); 0 or
 * -errno. */
int vmm_dev_init(struct vmm_process *proc);
/* vmm_dev_of - which device or made-up file the normalized guest path
 * abs names for proc (VMM_DEV_NONE: none); -ENOTDIR for a path below
 * one. */
int vmm_dev_of(const struct vmm_process *proc, const char *abs);
/* vmm_dev_stat - what stat says of device dev (not a std one). */
void vmm_dev_stat(const struct vmm_process *proc, int dev, struct stat *st);
/* vmm_dev_open - open device dev with open's flags: a new file (no
 * reference yet) in *out, or -errno.  stdin, stdout, stderr give the
 * file the program's 0, 1, 2 name (ENOENT when closed); a made-up file
 * opened to be changed is EROFS. */
int vmm_dev_open(struct vmm_process *proc, int dev, uint64_t flags,
		 struct vmm_file **out);
/* vmm_dev_getdents - getdents64 of /dev's (or /etc's) listing into the
 * program's buffer at gva (count bytes); bytes written or -errno. */
int64_t vmm_dev_getdents(struct vmm_vcpu *cpu, struct vmm_file *f, uint64_t gva,
			 uint64_t count);
/* vmm_dev_readable, vmm_dev_writable - may f's open read (write)? */
bool vmm_dev_readable(const struct vmm_file *f);
bool vmm_dev_writable(const struct vmm_file *f);

/*
 * dns.c: `net dns`.  vmm_dns_init - when the policy has it, read its
 * FILE (or the host's /etc/resolv.conf) and make the files the program
 * is shown (before confinement); 0, or -errno after saying why (lstar
 * then refuses to run).  vmm_dns_close - let them go.
 */
int vmm_dns_init(struct vmm_process *proc);
void vmm_dns_close(struct vmm_process *proc);
/*
 * vmm_dns_build - from the len bytes of a resolv.conf at conf, keep in
 * dns the nameservers (the first VMM_DNS_MAX_SERVERS usable ones) and
 * write into text (cap bytes, NUL-terminated) the resolv.conf the
 * program is shown: those nameservers, the last search or domain line,
 * the options, each written anew from what was parsed.  *scoped counts
 * the scoped IPv6 nameservers left out.  Returns the text's length, or
 * -ENOSPC when cap is too small.
 */
int vmm_dns_build(const char *conf, size_t len, struct vmm_dns *dns, char *text,
		  size_t cap, int *scoped);
/*
 * vmm_dns_allows - may the program reach addr:port with proto
 * (LSTAR_NET_TCP or LSTAR_NET_UDP) because of `net dns`?  family 4
 * (addr: 4 bytes) or 6 (16), network order, an IPv4-mapped IPv6 address
 * judged as IPv4; port in host order.  True exactly when the policy has
 * `net dns` and addr is one of the nameservers the program was shown,
 * port 53, either protocol.
 */
bool vmm_dns_allows(const struct vmm_process *proc, int proto, int family,
		    const uint8_t *addr, uint16_t port);

/*
 * The system calls the VMM answers: vmm_sys_<name> for each
 * include/syscalls.def row whose `where` is VMM, VMM_WRITE or VMM_SIGMASK
 * (sys_io.c, sys_fd.c, sys_net.c, sys_time.c, fs.c, rlimit.c, ...), given the six arguments as the
 * kernel reads them.  A row without its function does not link; a
 * function without a row has no prototype, which -Wmissing-prototypes
 * makes a build error.
 */
#define VMM_HANDLER_SHIM(nm)
#define VMM_HANDLER_VMM(nm) int64_t vmm_sys_##nm(struct vmm_vcpu *cpu, const uint64_t *a);
#define VMM_HANDLER_VMM_WRITE(nm) VMM_HANDLER_VMM(nm)
#define VMM_HANDLER_VMM_SIGMASK(nm) VMM_HANDLER_VMM(nm)
#define VMM_HANDLER_NONE(nm)
#define SYSCALL(nm, w, g, p, t, r, a0, a1, a2, a3, a4, a5) VMM_HANDLER_##w(nm)
#include "syscalls.def"
#undef VMM_HANDLER_SHIM
#undef VMM_HANDLER_VMM
#undef VMM_HANDLER_VMM_WRITE
#undef VMM_HANDLER_VMM_SIGMASK
#undef VMM_HANDLER_NONE

/* A piece of user memory a call moves data to or from; also the layout
 * of the guest's struct iovec. */
struct vmm_seg {
	uint64_t base;
	uint64_t len;
};

/*
 * sys_net.c: read and readv of a socket whose datagrams are judged (a
 * UDP socket hears only from peers the rules name: it must not take them
 * the way a file is read).  vmm_net_filtered - is f such a socket (an
 * inet datagram one, connected or not)?
 * vmm_net_read - receive into the segments, checked already, as recv
 * with no flags.  Bytes or -errno.
 */
bool vmm_net_filtered(const struct vmm_file *f);
/* vmm_net_pending - FIONREAD of such a socket: the size of the next
 * datagram the program may hear (those before it from peers no rule
 * names are dropped), 0 when none waits, or -errno. */
int vmm_net_pending(struct vmm_vcpu *cpu, const struct vmm_file *f);
int64_t vmm_net_read(struct vmm_vcpu *cpu, const struct vmm_file *f, const struct vmm_seg *segs,
		     uint64_t nsegs);

/*
 * sys_io.c: fill the private file mapping the shim made at [addr, addr +
 * len) from the file and offset of mmap's arguments a: the file's bytes
 * on the fresh zero pages there, or with refill every byte of pages that
 * held something (zeros past the file's end).  0 or -errno; *valid is
 * how many of the len bytes lie in pages that hold the file's (len for
 * a device): the shim drops the pages past them, where a touch is SIGBUS.
 */
int64_t vmm_io_fill_mapping(struct vmm_vcpu *cpu, const uint64_t *a,
			    uint64_t addr, uint64_t len, bool refill, uint64_t *valid);

/*
 * syscall.c: run forwarded call nr on the VMM's copy of its arguments,
 * after deciding it again under the policy.  Returns the result for the
 * program (a policy kill ends the run: vmm->done).
 */
int64_t vmm_forward(struct vmm_vcpu *cpu, uint64_t nr, const uint64_t args[6]);
/* syscall.c: the parts of vmm_forward a call the shim hands over by a
 * hypercall of its own uses (execve).  vmm_call_decide - the policy's
 * verdict on c: true to run it, with a[] its arguments as the kernel
 * reads them; false with c->ret set.  vmm_call_complete - the observers
 * hear of it, and a kill rule ends the run. */
bool vmm_call_decide(struct vmm_vcpu *cpu, struct vmm_call *c, uint64_t a[6]);
void vmm_call_complete(struct vmm_vcpu *cpu, const struct vmm_call *c);
/* syscall.c: in the shim's copy of the policy, mark the way the shim's
 * PVM entry takes each call (policy.h's LSTAR_FAST_*): a call allowed
 * outright that the VMM answers, made at once; one whose handler reads
 * only arguments, run on half a frame, judged there if need be.  Not
 * while the VMM wants to hear of every call: those take the common way. */
void vmm_mark_fast_ways(uint8_t fast[LSTAR_POLICY_NR]);

/*
 * syscall.c: the program's mmap of a file (LSTAR_HC_MMAP_FILE): decided
 * under the policy on the program's own arguments, the shim's pages
 * filled from the file, the call traced with its address.  0 or -errno.
 */
int64_t vmm_mmap_file(struct vmm_vcpu *cpu, const struct lstar_hc_mmap *m,
		      struct lstar_hc_mmap *live);

/*
 * signal.c: the signals sent to lstar, passed on to the program.
 * vmm_signal_catch - install the handlers (before the run); 0 or -errno.
 * vmm_signal_kick_target - the run whose vCPUs a signal kicks (NULL:
 * none).  vmm_signal_pending - do signals wait for cpu's thread?
 * vmm_signal_inject - before KVM_RUN: interrupt the guest for them.
 * vmm_signal_take - hand them to the shim (LSTAR_HC_EVENTS).
 */
int vmm_signal_catch(void);
void vmm_signal_kick_target(struct vmm *vmm);
void vmm_signal_kick(void);	/* from a host signal handler */
/* vmm_signal_kick_vcpu - make cpu take LSTAR_VECTOR_EVENT, ending its
 * KVM_RUN or the host call it is blocked in (LSTAR_HC_KICK). */
void vmm_signal_kick_vcpu(struct vmm_vcpu *cpu);
bool vmm_signal_pending(const struct vmm_vcpu *cpu);
void vmm_signal_inject(struct vmm_vcpu *cpu);
int64_t vmm_signal_take(struct vmm_vcpu *cpu, struct lstar_hc_events *e);
/* vmm_signal_wait - LSTAR_HC_WAIT: sleep until events wait for cpu's
 * thread or *timeout_ns (-1: none) passes, leaving what is left of it;
 * 1 when events wait, else 0. */
int64_t vmm_signal_wait(struct vmm_vcpu *cpu, int64_t *timeout_ns);

/* sys_thread.c: restart_syscall of an interrupted timed futex wait. */
int64_t vmm_futex_restart(struct vmm_vcpu *cpu, const struct vmm_restart *r);

/*
 * timer.c: the program's timers.  vmm_timer_catch - install the handler
 * of their host signal (before the run); 0 or -errno.  vmm_timer_signal -
 * that signal.  vmm_timer_pending - have timers expired since the last
 * vmm_timer_take, which adds their signals to e?
 */
int vmm_timer_catch(struct vmm_process *proc);
int vmm_timer_signal(void);
bool vmm_timer_pending(const struct vmm_process *proc);
void vmm_timer_take(struct vmm_vcpu *cpu, struct lstar_hc_events *e);
/* vmm_timer_exec - execve: the POSIX timers go, the interval timers stay. */
void vmm_timer_exec(struct vmm_process *proc);
/* vmm_timer_stop - the run ends: every timer goes, and the handler stops
 * counting into proc. */
void vmm_timer_stop(struct vmm_process *proc);

/*
 * fpu.c: the vCPU's FPU state and a signal frame's FPU area
 * (LSTAR_HC_FPU); 0 or -errno.  vmm_fpu_frame_size - the bytes of that
 * area (boot_info.fpstate_size).
 */
int64_t vmm_fpu(struct vmm_vcpu *cpu, const struct lstar_hc_fpu *f);
uint32_t vmm_fpu_frame_size(const struct vmm_vcpu *cpu);

/*
 * The program broke a `kill` rule (in the shim, or in the VMM's own
 * check): end the run with status 128 + SIGSYS and say which call and
 * which rule (hcall.c).
 */
void vmm_policy_kill(struct vmm *vmm, uint64_t nr, uint32_t src);

/*
 * One system call, as the observers see it once it is answered: from the
 * shim (LSTAR_HC_TRACE, LSTAR_HC_EXIT) or from the VMM's own dispatch
 * (syscall.c).  The path calls add the paths they used (vmm_call_path).
 */
#define VMM_CALL_PATHS 4		/* rename: each name looked up, then changed */

/* A path a call used. */
struct vmm_path_use {
	char abs[4096];			/* normalized guest path */
	bool write;			/* it changed or created something there */
};

struct vmm_call {
	uint64_t nr;
	const uint64_t *args;		/* six */
	int64_t ret;			/* what the program got */
	struct lstar_policy_verdict v;	/* the policy's verdict */
	uint8_t kind;			/* enum lstar_trace_kind */
	bool forwarded;			/* answered by the VMM */
	bool noreturn;			/* it never returned (exit, a kill) */
	bool want_paths;		/* an observer wants the paths */
	bool lost_paths;		/* some could not be kept */
	int npaths;
	const struct vmm_path_use *paths; /* npaths of them: the vCPU's buffer */
	char note[200];			/* the handler's word on it, or "" */
	bool refused;			/* ... which says why it refused it */
	/* The socket address the handler copied and judged (sys_net.c),
	 * addr_len bytes of it (0: none): what --trace shows, not what
	 * guest memory holds by then. */
	uint8_t addr[128];
	int addr_len;
};

/*
 * vmm_call_note - the call cpu is answering has more to tell than the
 * policy's verdict: why the handler refused it (refused: an address no
 * `net` rule allows, a family or option lstar does not offer), or which
 * `net` rule let it through.  --trace shows the note after the call; -v
 * prints the call for a refusal.
 */
void vmm_call_note(struct vmm_vcpu *cpu, bool refused, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * vmm_call_path - the call cpu is answering used path abs (to change or
 * create something there: write).  Kept only when an observer wants it.
 */
void vmm_call_path(struct vmm_vcpu *cpu, const char *abs, bool write);

/*
 * stats.c, --stats: vmm_stats_open - the record, before confinement (0
 * or -errno); vmm_stats_call - count a call the observers hear of;
 * vmm_stats_forward_time - the VMM's time on forwarded call nr, from
 * since; vmm_stats_guest, vmm_stats_vmm - a KVM_RUN from run to its exit,
 * and the VMM's time from an exit to the next run; vmm_stats_forked -
 * a forked child's record starts empty; vmm_stats_share - a child's
 * record into the shared sum, at its end; vmm_stats_print - the summary
 * on stderr, by the first process at the end; vmm_stats_close.
 */
struct vmm_stats_state;
int vmm_stats_open(struct vmm *vmm);
void vmm_stats_call(struct vmm *vmm, const struct vmm_call *c);
void vmm_stats_forward_time(struct vmm *vmm, uint64_t nr, const struct timespec *since);
void vmm_stats_guest(struct vmm *vmm, bool hypercall, const struct timespec *run,
		     const struct timespec *exit);
void vmm_stats_vmm(struct vmm *vmm, const struct timespec *exit, const struct timespec *resume);
void vmm_stats_forked(struct vmm *vmm);
void vmm_stats_share(struct vmm *vmm);
void vmm_stats_print(struct vmm *vmm);
void vmm_stats_close(struct vmm *vmm);

/*
 * tmpfs.c: vmm_tmpfs_make - a tmpfs of size bytes for --tmp and --tmpfs,
 * on no host path, with the directories 0/ to ndirs-1/ (mode 1777): *root
 * its O_PATH descriptor.  0, or -errno with the reason in why.
 */
int vmm_tmpfs_make(uint64_t size, int ndirs, int *root, char *why, size_t len);

/* vmm_observe - tell the observers (trace, learn) of a completed call. */
void vmm_observe(struct vmm_vcpu *cpu, const struct vmm_call *c);

/* vmm_refusal_note - when a call was refused at most VMM_REFUSAL_WINDOW
 * calls ago, say which and by what rule in buf; false otherwise. */
bool vmm_refusal_note(const struct vmm *vmm, char *buf, size_t len);

/*
 * output.c: vmm_output_open - create a file lstar itself writes (with
 * mode), at path as the user gave it, emptied if truncate: no symbolic
 * link is followed in any component (-ELOOP), and with a vmm it may not
 * lie inside a tree that run's program can write (-EXDEV).  Returns the
 * descriptor or -errno.
 * vmm_output_dir - make (if it is not there) and open a directory lstar
 * writes into, following no link either; the descriptor or -errno.
 * vmm_output_error - the reason for such an error, in words.
 */
int vmm_output_open(const struct vmm *vmm, const char *path, bool truncate, mode_t mode);
int vmm_output_dir(const char *path);
const char *vmm_output_error(int err);

/* vmm_trace_open - open --trace=FILE (before confinement); 0 or -errno. */
int vmm_trace_open(struct vmm *vmm);
/* vmm_trace_call - print c if --trace, -v or a `log` rule wants it: to
 * the trace, or stderr. */
void vmm_trace_call(struct vmm_vcpu *cpu, const struct vmm_call *c);
/* The program ended: exit_group's line, or the call a kill rule ended. */
void vmm_trace_exit(struct vmm_vcpu *cpu, const struct lstar_hc_exit *e);
void vmm_trace_close(struct vmm *vmm);
/* vmm_trace_recall - c as a line of lstar fuzz's crash report, on stderr. */
void vmm_trace_recall(struct vmm_vcpu *cpu, const struct vmm_call *c);
/* The run was stopped (vmm->stopped_by): the trace's last line says so. */
void vmm_trace_stop(struct vmm *vmm);

/*
 * learn.c: --learn.  vmm_learn_open creates the output file (before
 * confinement: afterwards lstar cannot create files); vmm_learn_finish
 * writes the policy (after the run) and frees the record; 0 or -errno.
 */
int vmm_learn_open(struct vmm *vmm);
int vmm_learn_finish(struct vmm *vmm);
/* vmm_learn_call - record one call's outcome and the paths it used
 * (vmm_observe calls it for each call, the last one of a run included). */
void vmm_learn_call(struct vmm *vmm, const struct vmm_call *c);
/* How sys_net.c judged an address. */
enum vmm_net_verdict {
	VMM_NET_ALLOWED,		/* a `net` rule let it through */
	VMM_NET_DNS,			/* a nameserver `net dns` gave */
	VMM_NET_REFUSED,
};
/* vmm_learn_net - record one address sys_net.c judged: op (enum
 * lstar_net_op) and proto (LSTAR_NET_TCP, LSTAR_NET_UDP) as
 * lstar_policy_net_find takes them; a LISTEN on the wildcard address is
 * learned as the port alone. */
void vmm_learn_net(struct vmm *vmm, int op, int proto, int family, const uint8_t *addr,
		   uint16_t port, enum vmm_net_verdict verdict);
/* vmm_learn_close - drop the record and close the file without writing
 * a policy (a run that never started); harmless after vmm_learn_finish. */
void vmm_learn_close(struct vmm *vmm);
/* vmm_learn_share - a forked process ends: its record joins the one the
 * sandbox's processes share, which the first writes out. */
void vmm_learn_share(struct vmm *vmm);
/* vmm_learn_forked - a forked process starts a record of its own (its
 * parent's calls are the parent's to tell). */
void vmm_learn_forked(struct vmm *vmm);

/* The shim image embedded in the lstar binary (shim_image.S). */
extern const uint8_t lstar_shim_image[];
extern const uint8_t lstar_shim_image_end[];

/*
 * confine.c: after set-up, before the first KVM_RUN: no new privileges,
 * no capabilities, and a seccomp filter that kills lstar on any call the
 * vCPU loop and the forwarders do not need.  0 or -errno.
 */
int vmm_confine(const struct vmm *vmm);

/* doctor.c */
int vmm_doctor(void);

/* vmm_now - CLOCK_MONOTONIC in seconds, for the figures lstar reports. */
static inline double vmm_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Message helpers (vm.c): "lstar: " + text, to stderr. */
void vmm_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* VMM_H */
