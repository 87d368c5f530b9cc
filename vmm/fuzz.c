/* SPDX-License-Identifier: MIT */
/*
 * fuzz.c - `lstar fuzz`, the VMM's side: one snapshot, then an execution
 * per input, each from the snapshot, in the same VM.
 *
 * The snapshot goes where the program first reads its input (a read of
 * standard input, or of --input-file), or where it asks with
 * LSTAR_FUZZ_SNAPSHOT (include/lstar_fuzz.h).  That call is not answered
 * then: the shim is told to stop on its way back to ring 3
 * (LSTAR_FUZZ_STOP, then LSTAR_HC_AT_USER with the frame ring 3 gets),
 * and the snapshot is taken there: the vCPU's state, the pages of guest
 * memory in use, and the process's descriptors, file offsets, working
 * directory and limits.  Each execution makes the call then, with its
 * input behind the descriptor, and starts the vCPU in ring 3 itself with
 * the result in rax: on PVM, where every switch between ring 3, the shim
 * and the VMM costs tens of microseconds, the way back through the shim
 * was a fifth of an execution.  An execution ends as a run would (exit,
 * a fatal signal, a `kill` rule) or is cut short (the driver killed the
 * sentinel: a timeout); the reset puts everything back.
 *
 * Memory is put back without a fault per page where it can be
 * (docs/DECISIONS.md, "Fuzzing"): KVM logs the pages the guest writes
 * (manual protect: a page once logged stays writable and logged, so a
 * page an execution writes costs one write-protect fault for the whole
 * campaign), the VMM logs the pages it writes itself (vmm_mem_mark), and
 * each reset compares the logged pages with the snapshot and copies back
 * those that differ.  Page tables are the exception: the host must not
 * rewrite them behind KVM's shadow MMU, so a reset that finds a table
 * changed (beyond the accessed and dirty bits) first has the shim write
 * back the entries it logged (LSTAR_START_UNDO); only if that fails does
 * the VMM copy the tables back and give the memory slot to KVM again,
 * which drops everything KVM derived from the old tables.
 *
 * The driver is AFL++'s fork-server protocol on descriptors 198 (control,
 * in) and 199 (status, out): afl-fuzz itself, or lstar's stand-alone
 * corpus runner (fuzz_corpus.c).  Each execution is announced with the
 * pid of the sentinel, a small host process that stands for it: killing
 * the sentinel (afl-fuzz's timeout) cuts the execution short.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <linux/openat2.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lstar_fuzz.h"
#include "vmm.h"

#define PAGE_SIZE	LSTAR_PAGE_SIZE
#define PAGE_ZERO	UINT32_MAX	/* a snapshot page that was all zero */

/* A page-table entry's accessed and dirty bits, which KVM sets (in the
 * guest's tables, where the MMU is a shadow) as the guest runs. */
#define PTE_AD		(X86_PTE_A | X86_PTE_D)

/* The calls a crash report recalls: the last ones the VMM answered. */
#define RECENT_CALLS	8

struct recent_call {
	struct vmm_call c;
	uint64_t args[6];
};

/* What an execution was cut short by. */
enum { CUT_NONE, CUT_KILLED };

struct fuzz_cpu {
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_xsave xsave;
	struct kvm_vcpu_events events;
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[1];
	} msrs;
};

struct fuzz_file {
	struct vmm_file *file;		/* the snapshot's reference */
	bool cloexec;
	off_t offset;			/* -1: not seekable */
};

struct vmm_fuzz {
	const struct vmm_fuzz_options *opt;
	bool snapped;
	/* The call the snapshot goes at, answered LSTAR_FUZZ_STOP: its stop
	 * on the way back to ring 3 (LSTAR_HC_AT_USER) comes next. */
	bool asked;
	struct lstar_hc_sys call;	/* that call, made for each execution */
	/* The vCPU at the stop, in the shim (the page-table undo starts
	 * there too); and as ring 3 is about to run, where executions start
	 * when the stop's frame is final (user_entry). */
	struct fuzz_cpu cpu, user;
	bool user_entry;
	/* Memory: pages [0, snap_pages) as they were (slot[] indexes copy,
	 * or PAGE_ZERO); every page at or above is zero in the snapshot. */
	uint64_t npages, snap_pages;
	uint32_t *slot;
	uint8_t *copy;
	uint64_t ncopy;
	uint64_t *tables;		/* bitmap: page-table pages at the snapshot */
	uint64_t *log;			/* KVM's dirty log */
	uint64_t *written;		/* the VMM's (vmm->vm.mem.written) */
	bool manual;			/* KVM keeps logged pages writable */
	bool sync_regs;			/* KVM takes SYNC_REGS from kvm_run */
	/* The process. */
	struct fuzz_file fds[LSTAR_MAX_FDS];
	struct vmm_rlimit rlimits[VMM_RLIM_NLIMITS];
	char cwd[4096];
	int cwd_fd;
	dev_t input_dev;		/* --input-file, as opened */
	ino_t input_ino;
	/* The driver and the sentinel. */
	pid_t sentinel;
	uint64_t sentinel_gen;		/* which one: the watcher's check */
	int sentinel_dead;		/* read end: EOF once it is gone */
	int sentinel_life;		/* write end: it ends when lstar does */
	_Atomic int cut;
	timer_t undo_timer;		/* kicks a shim that does not come back
					 * from LSTAR_START_UNDO */
	bool has_undo_timer;
	pthread_t watcher;		/* watch_sentinel */
	bool has_watcher;
	bool stopping;			/* the watcher ends (under lock) */
	pthread_mutex_t lock;		/* sentinel_dead against the watcher */
	pthread_cond_t changed;
	/* afl-fuzz's coverage map: the host's segment, and the program's
	 * copy of it (LSTAR_HC_SHM), copied out after each execution. */
	int afl_shm_id;			/* -1: none */
	uint8_t *afl_map;
	uint64_t afl_map_size;
	uint64_t map_gva, map_len;	/* 0: not attached */
	uint32_t target_hello;		/* what the program's AFL++ runtime
					 * would have said (note_target_hello) */
	/* The execution's last calls, for a crash report. */
	struct recent_call recent[RECENT_CALLS];
	unsigned nrecent;
	/* Figures (-v). */
	uint64_t executions, full_resets, undos, restored;
	double reset_s;
};

/* One run (no fork server) that a signal ended: lstar ends the same way
 * once it is done, as afl-fuzz's tools tell a crash. */
void vmm_fuzz_reraise(int sig)
{
	if (sig <= 0 || sig >= 32)
		return;
#ifdef LSTAR_SANITIZE
	/* The sanitizers catch SIGSEGV and friends; the filter that would
	 * refuse this is off in their build (confine.c). */
	signal(sig, SIG_DFL);
#endif
	syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), sig);
}

static inline bool test_bit(const uint64_t *map, uint64_t n)
{
	return map[n / 64] >> (n % 64) & 1;
}

static inline void set_bit(uint64_t *map, uint64_t n)
{
	map[n / 64] |= 1ULL << (n % 64);
}

/* --- the driver's protocol ------------------------------------------------ */

static int write4(int fd, uint32_t v)
{
	ssize_t n;

	do
		n = write(fd, &v, 4);
	while (n < 0 && errno == EINTR);
	return n == 4 ? 0 : -EPIPE;
}

int vmm_fuzz_read4(int fd, uint32_t *v, double seconds)
{
	double end = vmm_now() + seconds;
	size_t got = 0;

	while (got < 4) {
		ssize_t n;

		if (seconds > 0) {
			struct pollfd p = { .fd = fd, .events = POLLIN };
			double left = end - vmm_now();
			struct timespec ts = { 0 };
			int r;

			if (left > 0) {
				ts.tv_sec = (time_t)left;
				ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
			}
			r = ppoll(&p, 1, &ts, NULL);
			if (r < 0 && errno == EINTR)
				continue;
			if (r == 0)
				return -ETIMEDOUT;
		}
		n = read(fd, (char *)v + got, 4 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EPIPE;
		got += (size_t)n;
	}
	return 0;
}

/* --- the sentinel ----------------------------------------------------------- */

/*
 * A host process that stands for the execution: the driver kills it when
 * an execution takes too long.  It holds the write end of sentinel_dead
 * (which reads EOF once it is gone) and waits on the read end of a pipe
 * whose write end only the VMM holds, so that it ends with lstar.
 */
static int sentinel_start(struct vmm_fuzz *f)
{
	int dead[2], life[2];
	pid_t pid;

	if (pipe2(dead, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(life, O_CLOEXEC) < 0) {
		close(dead[0]);
		close(dead[1]);
		return -errno;
	}
	pid = fork();
	if (pid == 0) {
		char c;

		/* Async-signal-safe calls only: the VMM has threads. */
		close(life[1]);
		while (read(life[0], &c, 1) != 0)
			;
		_exit(0);
	}
	close(dead[1]);
	close(life[0]);
	if (pid < 0) {
		close(dead[0]);
		close(life[1]);
		return -EAGAIN;
	}
	pthread_mutex_lock(&f->lock);
	if (f->sentinel_dead >= 0)
		close(f->sentinel_dead);
	if (f->sentinel_life >= 0)
		close(f->sentinel_life);
	if (f->sentinel > 0)
		waitpid(f->sentinel, NULL, WNOHANG);
	f->sentinel = pid;
	f->sentinel_gen++;
	f->sentinel_dead = dead[0];
	f->sentinel_life = life[1];
	pthread_cond_broadcast(&f->changed);
	pthread_mutex_unlock(&f->lock);
	return 0;
}

/* Is the sentinel gone (killed by the driver)?  Then a new one stands
 * for the next execution. */
static bool sentinel_gone(struct vmm_fuzz *f)
{
	struct pollfd p = { .fd = f->sentinel_dead, .events = POLLIN };

	return ppoll(&p, 1, &(struct timespec){ 0 }, NULL) > 0;
}

/* The watcher: cuts the running execution short when the sentinel dies. */
static void *watch_sentinel(void *arg)
{
	struct vmm *vmm = arg;
	struct vmm_fuzz *f = vmm->fuzz;

	for (;;) {
		struct pollfd p = { .events = POLLIN };
		uint64_t gen;

		pthread_mutex_lock(&f->lock);
		while (atomic_load(&f->cut) != CUT_NONE && !f->stopping)
			pthread_cond_wait(&f->changed, &f->lock);
		p.fd = f->sentinel_dead;
		gen = f->sentinel_gen;
		pthread_mutex_unlock(&f->lock);
		if (f->stopping)
			break;
		if (ppoll(&p, 1, NULL, NULL) <= 0)
			continue;
		pthread_mutex_lock(&f->lock);
		if (!f->stopping && gen == f->sentinel_gen && atomic_load(&f->cut) == CUT_NONE) {
			atomic_store(&f->cut, CUT_KILLED);
			vmm_signal_kick_vcpu(&vmm->vcpu[0]);
		}
		pthread_mutex_unlock(&f->lock);
	}
	return NULL;
}

/* --- the crash report ------------------------------------------------------ */

void vmm_fuzz_note_call(struct vmm_vcpu *cpu, const struct vmm_call *c)
{
	struct vmm_fuzz *f = cpu->vmm->fuzz;
	struct recent_call *r = &f->recent[f->nrecent++ % RECENT_CALLS];

	r->c = *c;
	memcpy(r->args, c->args, sizeof(r->args));
	r->c.args = r->args;
	r->c.npaths = 0;
	r->c.paths = NULL;
}

/* A signal ended the execution (not the driver's cut): after lstar's line
 * on how it died (hcall.c), the last calls the VMM answered, oldest
 * first.  Calls the shim answers itself reach the VMM only under
 * --trace. */
static void crash_report(struct vmm_vcpu *cpu)
{
	struct vmm_fuzz *f = cpu->vmm->fuzz;
	unsigned n = f->nrecent < RECENT_CALLS ? f->nrecent : RECENT_CALLS;

	if (!cpu->vmm->killed_by || atomic_load(&f->cut) != CUT_NONE || !n)
		return;
	vmm_err("fuzz: the last %u calls the VMM answered:", n);
	for (unsigned i = f->nrecent - n; i != f->nrecent; i++)
		vmm_trace_recall(cpu, &f->recent[i % RECENT_CALLS].c);
}

/* --- afl-fuzz's coverage map -------------------------------------------------- */

int64_t vmm_fuzz_shm(struct vmm_vcpu *cpu, const struct lstar_hc_shm *h,
		     struct lstar_hc_shm *live)
{
	struct vmm_fuzz *f = cpu->vmm->fuzz;

	if (!f || f->afl_shm_id < 0 || h->id != f->afl_shm_id)
		return -EINVAL;
	if (!h->addr) {
		live->size = f->afl_map_size;
		return 0;
	}
	if (h->addr % LSTAR_PAGE_SIZE || h->size > f->afl_map_size + LSTAR_PAGE_SIZE ||
	    h->addr >= LSTAR_USER_TOP || h->size > LSTAR_USER_TOP - h->addr)
		return -EINVAL;
	f->map_gva = h->addr;
	f->map_len = h->size < f->afl_map_size ? h->size : f->afl_map_size;
	return 0;
}

/* The execution's coverage, to afl-fuzz (which cleared its map): what
 * the program covered from its start to the snapshot (as natively, where
 * the fork server starts before main), and from there on this input. */
static void map_out(struct vmm_fuzz *f, const struct vmm_mem *m)
{
	if (f->map_len)
		vmm_mem_copy_from_user(m, f->afl_map, f->map_gva, f->map_len);
}

/* --- the snapshot -------------------------------------------------------------- */

/*
 * Walk the page tables from table (at level, 3 = the PML4), marking each
 * table page in f->tables and raising *hi past every page they use: the
 * tables, and the user half's pages.  A table seen before is not walked
 * again (the tables are guest memory: they may loop).
 */
static void walk_tables(struct vmm_fuzz *f, const struct vmm_mem *m, uint64_t table,
			int level, bool user, uint64_t *hi)
{
	const uint64_t *t = vmm_mem_ptr(m, table, PAGE_SIZE);
	uint64_t page = table / PAGE_SIZE;

	if (!t || test_bit(f->tables, page))
		return;
	set_bit(f->tables, page);
	if (page + 1 > *hi)
		*hi = page + 1;
	for (int i = 0; i < 512; i++) {
		uint64_t e = t[i], next = e & X86_PTE_ADDR;

		if (!(e & X86_PTE_P) || next >= m->size)
			continue;
		if (level == 3)
			user = i < 256;
		if (level > 0 && !(e & X86_PTE_PS)) {
			walk_tables(f, m, next, level - 1, user, hi);
		} else if (user && level == 0 && next / PAGE_SIZE + 1 > *hi) {
			*hi = next / PAGE_SIZE + 1;
		}
	}
}

static bool page_is_zero(const uint8_t *p)
{
	static const uint8_t zero[PAGE_SIZE];

	return !memcmp(p, zero, PAGE_SIZE);
}

/* Guest memory as it is: the pages below the highest one in use. */
static int snapshot_memory(struct vmm_fuzz *f, struct vmm_vm *vm)
{
	struct vmm_mem *m = &vm->mem;
	uint64_t hi = m->pool_next / PAGE_SIZE, ncopy = 0;
	struct kvm_enable_cap manual = {
		.cap = KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2,
		.args[0] = KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE,
	};
	int err;

	walk_tables(f, m, m->pml4, 3, false, &hi);
	f->snap_pages = hi < f->npages ? hi : f->npages;
	if (!(f->slot = malloc(f->snap_pages * sizeof(*f->slot))))
		return -ENOMEM;
	for (uint64_t p = 0; p < f->snap_pages; p++)
		if (!page_is_zero(m->host + p * PAGE_SIZE))
			ncopy++;
	if (ncopy && !(f->copy = malloc(ncopy * PAGE_SIZE)))
		return -ENOMEM;
	ncopy = 0;
	for (uint64_t p = 0; p < f->snap_pages; p++) {
		const uint8_t *src = m->host + p * PAGE_SIZE;

		if (page_is_zero(src)) {
			f->slot[p] = PAGE_ZERO;
			continue;
		}
		f->slot[p] = (uint32_t)ncopy;
		memcpy(f->copy + ncopy++ * PAGE_SIZE, src, PAGE_SIZE);
	}
	f->ncopy = ncopy;
	/* From here on, KVM logs what the guest writes. */
	f->manual = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2) > 0 &&
		    ioctl(vm->fd, KVM_ENABLE_CAP, &manual) == 0;
	vm->log_dirty = true;
	if ((err = vmm_vm_add_memory(vm)))
		return err;
	m->written = f->written;
	return 0;
}

/*
 * The vCPU's state, as a reset puts it back: registers, segment and
 * control registers, pending events, the XSAVE image and the kernel GS
 * base.  (XCR0 is set once, at boot: neither the shim nor ring 3 changes
 * it.)
 */
static int get_cpu(const struct vmm_vcpu *cpu, struct fuzz_cpu *s)
{
	s->msrs.hdr.nmsrs = 1;
	s->msrs.e[0].index = MSR_KERNEL_GS_BASE;
	if (ioctl(cpu->fd, KVM_GET_REGS, &s->regs) < 0 ||
	    ioctl(cpu->fd, KVM_GET_SREGS, &s->sregs) < 0 ||
	    ioctl(cpu->fd, KVM_GET_XSAVE, &s->xsave) < 0 ||
	    ioctl(cpu->fd, KVM_GET_VCPU_EVENTS, &s->events) < 0 ||
	    ioctl(cpu->fd, KVM_GET_MSRS, &s->msrs) != 1)
		return -errno ? -errno : -EIO;
	return 0;
}

/* What KVM takes from kvm_run at the next KVM_RUN (KVM_CAP_SYNC_REGS):
 * three requests fewer per reset, each a round trip into KVM (several
 * microseconds on PVM). */
#define SYNC_REGS	(KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS | KVM_SYNC_X86_EVENTS)

/* Put s back on the vCPU, with regs (s's own, or another entry's). */
static int set_cpu(const struct vmm_vcpu *cpu, const struct fuzz_cpu *s,
		   const struct kvm_regs *regs, bool sync)
{
	if (sync) {
		cpu->run->s.regs.regs = *regs;
		cpu->run->s.regs.sregs = s->sregs;
		cpu->run->s.regs.events = s->events;
		cpu->run->kvm_dirty_regs = SYNC_REGS;
	} else {
		/* Registers the register way left for the next KVM_RUN
		 * (vmm_cpu_set_regs) must not win over these. */
		cpu->run->kvm_dirty_regs = 0;
		if (ioctl(cpu->fd, KVM_SET_SREGS, &s->sregs) < 0 ||
		    ioctl(cpu->fd, KVM_SET_REGS, regs) < 0 ||
		    ioctl(cpu->fd, KVM_SET_VCPU_EVENTS, &s->events) < 0)
			return -errno;
	}
	if (ioctl(cpu->fd, KVM_SET_XSAVE, &s->xsave) < 0 ||
	    ioctl(cpu->fd, KVM_SET_MSRS, &s->msrs) != 1)
		return -errno ? -errno : -EIO;
	return 0;
}

/* Is file the program's input? */
static bool is_input(struct vmm_fuzz *f, const struct vmm_process *proc,
		     const struct vmm_file *file)
{
	struct stat st;

	if (!file)
		return false;
	if (!f->opt->input_file)
		return file == &proc->std_files[0];
	return fstat(file->host, &st) == 0 && st.st_dev == f->input_dev &&
	       st.st_ino == f->input_ino;
}

/* The process's descriptors (each file held by the snapshot too), their
 * offsets, its working directory and limits. */
static int snapshot_process(struct vmm_fuzz *f, struct vmm_process *proc)
{
	for (int i = 0; i < proc->max_fds; i++) {
		struct vmm_file *file = proc->fds[i].file;

		f->fds[i] = (struct fuzz_file){ .file = file, .offset = -1 };
		if (!file)
			continue;
		file->refs++;
		f->fds[i].cloexec = proc->fds[i].cloexec;
		/* What the program reads goes back to where it was; lstar's
		 * own streams go on (each execution's output follows the
		 * last one's, as natively), but for the input. */
		if (!file->std || is_input(f, proc, file))
			f->fds[i].offset = lseek(file->host, 0, SEEK_CUR);
	}
	memcpy(f->rlimits, proc->rlimits, sizeof(f->rlimits));
	memcpy(f->cwd, proc->cwd, sizeof(f->cwd));
	f->cwd_fd = proc->cwd_fd >= 0 ? fcntl(proc->cwd_fd, F_DUPFD_CLOEXEC, 0) : -1;
	if (proc->cwd_fd >= 0 && f->cwd_fd < 0)
		return -errno;
	return 0;
}

/* Is the forwarded call sys where the snapshot goes: the first read of
 * the input, or the program's own LSTAR_FUZZ_SNAPSHOT? */
static bool snapshot_point(struct vmm_vcpu *cpu, const struct lstar_hc_sys *sys)
{
	switch (sys->nr) {
	case LSTAR_FUZZ_SNAPSHOT_NR:
		return true;
#define READS_DATA(name) case __NR_##name:
#include "syscalls.def"
		return is_input(cpu->vmm->fuzz, cpu->proc, vmm_fd_get(cpu->proc, sys->args[0]));
	default:
		return false;
	}
}

static void end_campaign(struct vmm *vmm, const char *why, int err)
{
	vmm_err("fuzz: %s: %s", why, strerror(-err));
	vmm->status = LSTAR_EXIT_FAILURE;
	vmm->done = true;
}

/*
 * An AFL++-instrumented program says hello to its fork server on
 * descriptor 199, which it does not have here (EBADF: it then runs as a
 * plain program).  Its word tells the size of its coverage map, which
 * afl-fuzz should hear: noted, for lstar's own hello.
 */
static void note_target_hello(struct vmm_fuzz *f, const struct vmm_mem *m,
			      const struct lstar_hc_sys *sys)
{
	uint32_t word;

	if (sys->nr == SYS_write && (uint32_t)sys->args[0] == LSTAR_FUZZ_ST_FD && sys->args[2] == 4 &&
	    !vmm_mem_copy_from_user(m, &word, sys->args[1], 4))
		f->target_hello = word;
}

/*
 * lstar's hello to the driver, in the handshake the program's AFL++
 * runtime opened with: the newer one (AFL++ 4.20 on) with the size of
 * afl-fuzz's own map, if lstar attached one; or the classic word with
 * the map size the program said.  Nothing else the runtime may have
 * offered (a dictionary, test cases in shared memory) is offered.
 */
static int say_hello(const struct vmm_fuzz *f)
{
	const uint32_t magic = FS_NEW_MAGIC + FS_NEW_VERSION;
	uint32_t reply;

	if (!vmm_fuzz_new_hello(f->target_hello)) {
		uint32_t word = 0;

		if ((f->target_hello & FS_OPT_ENABLED) == FS_OPT_ENABLED &&
		    (f->target_hello & FS_OPT_MAPSIZE))
			word = FS_OPT_ENABLED | FS_OPT_MAPSIZE | (f->target_hello & FS_OPT_SIZE_BITS);
		return write4(LSTAR_FUZZ_ST_FD, word);
	}
	if (write4(LSTAR_FUZZ_ST_FD, magic) || vmm_fuzz_read4(LSTAR_FUZZ_CTL_FD, &reply, 0))
		return -EPIPE;
	if (reply != ~magic) {
		vmm_err("fuzz: the driver answered the handshake with %#x, not %#x: "
			"an afl-fuzz older than the program's AFL++ runtime?", reply, ~magic);
		return -EPROTO;
	}
	/* The program's own size went unsaid (its runtime stopped at the
	 * opening); afl-fuzz's is its segment's, less the few bytes it adds
	 * to a map of the default size: its maps are multiples of 64. */
	if (f->afl_map_size >= 64 && f->afl_map_size <= UINT32_MAX) {
		if (write4(LSTAR_FUZZ_ST_FD, FS_NEW_OPT_MAPSIZE) ||
		    write4(LSTAR_FUZZ_ST_FD, (uint32_t)(f->afl_map_size & ~63ULL)))
			return -EPIPE;
	} else if (write4(LSTAR_FUZZ_ST_FD, 0)) {
		return -EPIPE;
	}
	return write4(LSTAR_FUZZ_ST_FD, magic);
}

/*
 * The vCPU as ring 3 resumes from the stop (what return_to_user's SYSRET
 * or IRET makes of it): the frame's registers, the user selectors, the
 * GS bases swapped.  false if the frame is not one ring 3 may have (the
 * shim sanitized it: only a broken one could fail this): executions
 * then resume the shim at the stop.
 */
static bool user_state(const struct fuzz_cpu *k, const uint64_t *r, struct fuzz_cpu *u)
{
	if (r[LSTAR_REG_RIP] >= LSTAR_USER_TOP || r[LSTAR_REG_CS] != LSTAR_USER_CS ||
	    r[LSTAR_REG_SS] != LSTAR_USER_DS || (r[LSTAR_REG_RFLAGS] & X86_EFLAGS_NOT_USER) ||
	    !(r[LSTAR_REG_RFLAGS] & X86_EFLAGS_IF))
		return false;
	*u = *k;
	u->regs = (struct kvm_regs){
		.rax = r[LSTAR_REG_RAX], .rbx = r[LSTAR_REG_RBX], .rcx = r[LSTAR_REG_RCX],
		.rdx = r[LSTAR_REG_RDX], .rsi = r[LSTAR_REG_RSI], .rdi = r[LSTAR_REG_RDI],
		.rsp = r[LSTAR_REG_RSP], .rbp = r[LSTAR_REG_RBP],
		.r8 = r[LSTAR_REG_R8], .r9 = r[LSTAR_REG_R9], .r10 = r[LSTAR_REG_R10],
		.r11 = r[LSTAR_REG_R11], .r12 = r[LSTAR_REG_R12], .r13 = r[LSTAR_REG_R13],
		.r14 = r[LSTAR_REG_R14], .r15 = r[LSTAR_REG_R15],
		.rip = r[LSTAR_REG_RIP], .rflags = r[LSTAR_REG_RFLAGS],
	};
	/* SYSRET's selectors (STAR); DS, ES, FS and GS keep theirs, as it
	 * leaves them. */
	u->sregs.cs = (struct kvm_segment){
		.selector = LSTAR_USER_CS, .limit = 0xffffffff, .type = 11,
		.present = 1, .dpl = 3, .s = 1, .l = 1, .g = 1,
	};
	u->sregs.ss = (struct kvm_segment){
		.selector = LSTAR_USER_DS, .limit = 0xffffffff, .type = 3,
		.present = 1, .dpl = 3, .db = 1, .s = 1, .g = 1,
	};
	u->sregs.gs.base = k->msrs.e[0].data;	/* swapgs */
	u->msrs.e[0].data = k->sregs.gs.base;
	return true;
}

/* Take the snapshot at the stop (LSTAR_HC_AT_USER), say hello to the
 * driver, and wait for its first input. */
static void take_snapshot(struct vmm_vcpu *cpu, const struct lstar_hc_at_user *at)
{
	struct vmm *vmm = cpu->vmm;
	struct vmm_fuzz *f = vmm->fuzz;
	struct lstar_boot_info *bi;
	uint32_t go;
	int err;

	vmm_vcpu_settle(cpu);
	/* From the snapshot on, the shim logs its page-table writes (the
	 * snapshot has the flag set: so does every execution). */
	bi = vmm_mem_ptr(&vmm->vm.mem, LSTAR_BOOT_GPA, sizeof(*bi));
	__atomic_store_n(&bi->fuzz_undo, 1, __ATOMIC_RELAXED);
	if ((err = get_cpu(cpu, &f->cpu)) || (err = snapshot_memory(f, &vmm->vm)) ||
	    (err = snapshot_process(f, &vmm->proc)))
		return end_campaign(vmm, "cannot take the snapshot", err);
	f->user_entry = at->final && user_state(&f->cpu, at->regs, &f->user);
	f->snapped = true;
	f->sync_regs = (vmm->vm.sync_regs & SYNC_REGS) == SYNC_REGS;
	if (vmm->opt->verbose)
		vmm_err("fuzz: snapshot taken: %llu pages below the highest in use, %llu of them copied; "
			"executions start in %s; %s handshake",
			(unsigned long long)f->snap_pages, (unsigned long long)f->ncopy,
			f->user_entry ? "ring 3" : "the shim",
			vmm_fuzz_new_hello(f->target_hello) ? "AFL++ 4.20's" : "the classic");
	if ((err = say_hello(f)) == -EPROTO) {
		f->snapped = false;
		return end_campaign(vmm, "no handshake with the driver", err);
	}
	if (err || vmm_fuzz_read4(LSTAR_FUZZ_CTL_FD, &go, 0) ||
	    write4(LSTAR_FUZZ_ST_FD, (uint32_t)f->sentinel)) {
		vmm->done = true;	/* the driver went away before the first */
		vmm->status = 0;
		f->snapped = false;
		return;
	}
	f->executions = 1;
}

/*
 * Start an execution from the snapshot: the snapshot's call made now,
 * with this input behind its descriptor, and its result handed to the
 * program in ring 3 (or to the shim at its stop, which returns it).
 */
static int start_execution(struct vmm_vcpu *cpu)
{
	struct vmm *vmm = cpu->vmm;
	struct vmm_fuzz *f = vmm->fuzz;
	struct lstar_hc *live = vmm_mem_ptr(cpu->mem, cpu->hc_gpa, sizeof(*live));
	struct kvm_regs regs;
	int64_t ret;

	if (!live)
		return -EFAULT;
	memcpy(&live->sys, &f->call, sizeof(f->call));
	pthread_mutex_lock(&vmm->lock);
	vmm_hcall(cpu, LSTAR_HC_SYSCALL, cpu->hc_gpa);
	vmm_vdso_update(&vmm->vm);
	pthread_mutex_unlock(&vmm->lock);
	memcpy(&ret, &live->sys.ret, sizeof(ret));
	/* Only a call a host signal interrupted says "restart", which a
	 * read of the input (a file) never is: no internal code leaks. */
	if (lstar_interrupted(ret))
		ret = -EINTR;
	if (!f->user_entry) {
		memcpy(&live->at_user.regs[LSTAR_REG_RAX], &ret, sizeof(ret));
		return set_cpu(cpu, &f->cpu, &f->cpu.regs, f->sync_regs);
	}
	regs = f->user.regs;
	regs.rax = (uint64_t)ret;
	return set_cpu(cpu, &f->user, &regs, f->sync_regs);
}

bool vmm_fuzz_point(struct vmm_vcpu *cpu, uint32_t nr, uint32_t gpa)
{
	struct vmm_fuzz *f = cpu->vmm->fuzz;
	struct lstar_hc *live;
	struct lstar_hc_at_user at;
	struct lstar_hc_sys sys;
	int err;

	if (f->snapped || !f->opt->fork_server || gpa != cpu->hc_gpa ||
	    !(live = vmm_mem_ptr(cpu->mem, gpa, sizeof(*live))))
		return false;
	if (f->asked) {
		if (nr != LSTAR_HC_AT_USER)
			return false;
		memcpy(&at, &live->at_user, sizeof(at));
		take_snapshot(cpu, &at);
		if (!cpu->vmm->done && (err = start_execution(cpu)))
			end_campaign(cpu->vmm, "cannot start the first execution", err);
		return true;
	}
	if (nr != LSTAR_HC_SYSCALL)
		return false;
	/* One copy of the block, read as the VMM reads any: the guest may
	 * change it meanwhile. */
	memcpy(&sys, &live->sys, sizeof(sys));
	note_target_hello(f, cpu->mem, &sys);
	if (!snapshot_point(cpu, &sys))
		return false;
	f->call = sys;
	live->sys.ret = -LSTAR_FUZZ_STOP;
	f->asked = true;
	return true;
}

/* --- the reset ---------------------------------------------------------------- */

/* The snapshot's copy of page p, or NULL: it was zero. */
static const uint8_t *snapshot_page(const struct vmm_fuzz *f, uint64_t p)
{
	return p < f->snap_pages && f->slot[p] != PAGE_ZERO ?
	       f->copy + (uint64_t)f->slot[p] * PAGE_SIZE : NULL;
}

/* Is page p one of the snapshot's page tables, changed beyond the
 * accessed and dirty bits KVM sets? */
static bool table_changed(const struct vmm_fuzz *f, const struct vmm_mem *m, uint64_t p)
{
	const uint64_t *now = (const uint64_t *)(m->host + p * PAGE_SIZE);
	const uint64_t *was = (const uint64_t *)snapshot_page(f, p);

	if (p >= f->snap_pages || !test_bit(f->tables, p))
		return false;
	for (int i = 0; i < 512; i++)
		if ((now[i] ^ (was ? was[i] : 0)) & ~PTE_AD)
			return true;
	return false;
}

/* The pages written since the last reset: KVM's log, the VMM's own, and
 * the two the VMM writes without noting it (the boot page, the hypercall
 * block), into f->log. */
static int dirty_pages(struct vmm_fuzz *f, struct vmm_vm *vm)
{
	struct kvm_dirty_log log = { .slot = 0, .dirty_bitmap = f->log };
	uint64_t words = (f->npages + 63) / 64;

	if (ioctl(vm->fd, KVM_GET_DIRTY_LOG, &log) < 0)
		return -errno;
	set_bit(f->log, LSTAR_BOOT_GPA / PAGE_SIZE);
	set_bit(f->log, LSTAR_HC_BLOCK_GPA(0) / PAGE_SIZE);
	for (uint64_t w = 0; w < words; w++) {
		f->log[w] |= f->written[w];
		f->written[w] = 0;
	}
	return 0;
}

/* Does any written page table differ from the snapshot? */
static bool tables_differ(const struct vmm_fuzz *f, const struct vmm_mem *m)
{
	for (uint64_t w = 0; w < (f->npages + 63) / 64; w++)
		for (uint64_t bits = f->log[w] & f->tables[w]; bits; bits &= bits - 1)
			if (table_changed(f, m, w * 64 + (uint64_t)__builtin_ctzll(bits)))
				return true;
	return false;
}

/*
 * Have the shim write back the page-table entries it changed since the
 * snapshot (LSTAR_START_UNDO): the vCPU enters the shim afresh on the
 * snapshot's CPU state, and stops at LSTAR_HC_UNDONE.  0 when the shim
 * says it undid them all; else the VMM puts the tables back itself.
 */
static int run_undo(struct vmm_vcpu *cpu)
{
	struct vmm_fuzz *f = cpu->vmm->fuzz;
	const struct lstar_shim_header *hdr = &cpu->vmm->vm.shim;
	struct kvm_regs regs = {
		.rip = hdr->entry,
		.rsp = hdr->boot_stack_top,	/* vCPU 0's */
		.rdi = 0,
		.rsi = LSTAR_START_UNDO,
		.rflags = X86_EFLAGS_FIXED,
	};
	struct kvm_run *run = cpu->run;
	struct lstar_hc_undone u;
	const struct lstar_hc *live;
	uint32_t gpa;
	int err;

	if (!f->has_undo_timer)
		return -ENOSYS;
	if ((err = set_cpu(cpu, &f->cpu, &regs, f->sync_regs)))
		return err;
	/* A shim that does not come back (a taken-over one may loop) is
	 * kicked out after a second: the VMM then puts the tables back. */
	timer_settime(f->undo_timer, 0, &(struct itimerspec){ .it_value.tv_sec = 1 }, NULL);
	do
		err = ioctl(cpu->fd, KVM_RUN, 0);
	while (err < 0 && errno == EAGAIN);
	timer_settime(f->undo_timer, 0, &(struct itimerspec){ 0 }, NULL);
	run->immediate_exit = 0;
	if (err < 0 || run->exit_reason != KVM_EXIT_IO ||
	    run->io.port != LSTAR_HC_PORT + LSTAR_HC_UNDONE || run->io.size != 4)
		return -EIO;
	memcpy(&gpa, (uint8_t *)run + run->io.data_offset, 4);
	if (gpa != cpu->hc_gpa || !(live = vmm_mem_ptr(cpu->mem, gpa, sizeof(*live))))
		return -EIO;
	memcpy(&u, &live->undone, sizeof(u));
	vmm_vcpu_settle(cpu);
	return u.complete ? 0 : -ENOSPC;
}

/*
 * Put guest memory back: every page written since the last reset that
 * differs from the snapshot is copied back (or zeroed).  Page tables the
 * execution changed are first written back by the shim (run_undo); if
 * that fails they are copied back too, and the slot is given to KVM
 * again, which drops everything it made of the old tables.
 */
static int reset_memory(struct vmm_vcpu *cpu)
{
	struct vmm_fuzz *f = cpu->vmm->fuzz;
	struct vmm_vm *vm = &cpu->vmm->vm;
	struct vmm_mem *m = &vm->mem;
	bool by_host = false;
	int err;

	if ((err = dirty_pages(f, vm)))
		return err;
	if (tables_differ(f, m)) {
		/* The shim's writes are logged too: take the log again. */
		f->undos++;
		by_host = run_undo(cpu) < 0 || (err = dirty_pages(f, vm)) || tables_differ(f, m);
		if (err)
			return err;
	}
	for (uint64_t w = 0; w < (f->npages + 63) / 64; w++) {
		for (uint64_t bits = f->log[w]; bits; bits &= bits - 1) {
			uint64_t p = w * 64 + (uint64_t)__builtin_ctzll(bits);
			uint8_t *now = m->host + p * PAGE_SIZE;
			const uint8_t *was = snapshot_page(f, p);
			bool table = p < f->snap_pages && test_bit(f->tables, p);

			/* A table keeps KVM's accessed and dirty bits: only
			 * the host's way puts it back. */
			if (table && !by_host)
				continue;
			if (was ? !memcmp(now, was, PAGE_SIZE) : page_is_zero(now))
				continue;
			if (was)
				memcpy(now, was, PAGE_SIZE);
			else
				memset(now, 0, PAGE_SIZE);
			f->restored++;
		}
	}
	if (!by_host)
		return 0;
	f->full_resets++;
	{
		struct kvm_userspace_memory_region none = { .slot = 0 };

		if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &none) < 0)
			return -errno;
	}
	return vmm_vm_add_memory(vm);
}

/* Put the process's descriptors, offsets, directory and limits back. */
static int reset_process(struct vmm_fuzz *f, struct vmm_process *proc)
{
	int err;

	for (int i = 0; i < proc->max_fds; i++) {
		const struct fuzz_file *s = &f->fds[i];

		if (proc->fds[i].file != s->file) {
			if (proc->fds[i].file)
				vmm_fd_close(proc, i);
			if (s->file && (err = vmm_fd_install_at(proc, s->file, i, s->cloexec)) < 0)
				return err;
		}
		proc->fds[i].cloexec = s->cloexec;
		if (s->file && s->offset >= 0)
			lseek(s->file->host, s->offset, SEEK_SET);
	}
	memcpy(proc->rlimits, f->rlimits, sizeof(f->rlimits));
	memcpy(proc->cwd, f->cwd, sizeof(f->cwd));
	if (proc->cwd_fd >= 0)
		close(proc->cwd_fd);
	proc->cwd_fd = f->cwd_fd >= 0 ? fcntl(f->cwd_fd, F_DUPFD_CLOEXEC, 0) : -1;
	if (f->cwd_fd >= 0 && proc->cwd_fd < 0)
		return -errno;
	return 0;
}

/*
 * --input-file: the driver may have put the next input in a new file at
 * the same path (afl-fuzz removes and creates it): each descriptor the
 * snapshot holds on the input is pointed at the file there now.
 */
static int reopen_input(struct vmm_fuzz *f, struct vmm_process *proc)
{
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW };
	struct stat st;
	int fd;

	if (!f->opt->input_file)
		return 0;
	if ((fd = (int)syscall(SYS_openat2, AT_FDCWD, f->opt->input_file, &how, sizeof(how))) < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || (st.st_dev == f->input_dev && st.st_ino == f->input_ino)) {
		close(fd);
		return 0;
	}
	for (int i = 0; i < proc->max_fds; i++) {
		struct vmm_file *file = f->fds[i].file;
		struct stat was;

		if (!file || fstat(file->host, &was) < 0 || was.st_dev != f->input_dev ||
		    was.st_ino != f->input_ino)
			continue;
		if (dup3(fd, file->host, O_CLOEXEC) < 0) {
			close(fd);
			return -errno;
		}
		if (f->fds[i].offset >= 0)
			lseek(file->host, f->fds[i].offset, SEEK_SET);
	}
	close(fd);
	f->input_dev = st.st_dev;
	f->input_ino = st.st_ino;
	return 0;
}

/* Everything back as at the snapshot, the next execution started. */
static int reset(struct vmm_vcpu *cpu)
{
	struct vmm *vmm = cpu->vmm;
	struct vmm_fuzz *f = vmm->fuzz;
	int err;

	if ((err = reset_memory(cpu)) || (err = reset_process(f, &vmm->proc)) ||
	    (err = reopen_input(f, &vmm->proc)))
		return err;
	cpu->kicked = false;
	cpu->event_injected = false;
	cpu->restart.kind = VMM_RESTART_NONE;
	cpu->run->request_interrupt_window = 0;
	vmm->done = false;
	vmm->status = LSTAR_EXIT_FAILURE;
	vmm->exit_code = 0;
	vmm->killed_by = 0;
	return 0;
}

bool vmm_fuzz_cut(struct vmm_vcpu *cpu)
{
	struct vmm *vmm = cpu->vmm;
	struct vmm_fuzz *f = vmm->fuzz;

	if (atomic_load(&f->cut) == CUT_NONE)
		return false;
	vmm->done = true;
	vmm->killed_by = SIGKILL;
	return true;
}

bool vmm_fuzz_next(struct vmm_vcpu *cpu)
{
	struct vmm *vmm = cpu->vmm;
	struct vmm_fuzz *f = vmm->fuzz;
	double t0;
	uint32_t go;
	int err;

	crash_report(cpu);
	f->nrecent = 0;
	if (!f->opt->fork_server) {
		map_out(f, &vmm->vm.mem);	/* one run, as afl-showmap's */
		if (f->opt->killed_by)
			*f->opt->killed_by = vmm->killed_by;
		return false;
	}
	if (!f->snapped) {
		if (vmm->status != LSTAR_EXIT_FAILURE)
			vmm_err("fuzz: %s ended before it read its input: nothing to "
				"start executions from (see `lstar fuzz --help`)",
				vmm->opt->program);
		vmm->status = LSTAR_EXIT_FAILURE;
		return false;
	}
	if (vmm->status == LSTAR_EXIT_FAILURE && !vmm->killed_by)
		return false;	/* lstar itself failed (a shim panic) */
	map_out(f, &vmm->vm.mem);
	if (write4(LSTAR_FUZZ_ST_FD, (uint32_t)vmm_wait_status(vmm)) ||
	    vmm_fuzz_read4(LSTAR_FUZZ_CTL_FD, &go, 0))
		goto over;
	/* A sentinel killed until now (the driver's timer ran out as the
	 * execution ended, too late to cut it) is not the next one's. */
	if (atomic_load(&f->cut) != CUT_NONE || sentinel_gone(f)) {
		if ((err = sentinel_start(f))) {
			end_campaign(vmm, "cannot start the sentinel", err);
			return false;
		}
		atomic_store(&f->cut, CUT_NONE);
		pthread_mutex_lock(&f->lock);
		pthread_cond_broadcast(&f->changed);
		pthread_mutex_unlock(&f->lock);
	}
	t0 = vmm_now();
	if ((err = reset(cpu)) || (err = start_execution(cpu))) {
		end_campaign(vmm, "cannot reset the guest", err);
		return false;
	}
	f->reset_s += vmm_now() - t0;
	if (write4(LSTAR_FUZZ_ST_FD, (uint32_t)f->sentinel))
		goto over;
	f->executions++;
	return true;
over:
	/* The driver is gone: the campaign ended as it should. */
	vmm->status = 0;
	if (vmm->opt->verbose)
		vmm_err("fuzz: %llu executions; resets: %.1f us each, %.1f pages put back, "
			"%llu undid page tables, %llu put them back from the host (%s log)",
			(unsigned long long)f->executions,
			f->executions > 1 ? f->reset_s * 1e6 / (double)(f->executions - 1) : 0.0,
			f->executions > 1 ? (double)f->restored / (double)(f->executions - 1) : 0.0,
			(unsigned long long)f->undos, (unsigned long long)f->full_resets,
			f->manual ? "manual-protect" : "plain");
	return false;
}

/* --- before the program runs ----------------------------------------------------- */

/* Under afl-fuzz: its coverage map (__AFL_SHM_ID), attached now. */
static int attach_afl_map(struct vmm_fuzz *f)
{
	const char *id = getenv("__AFL_SHM_ID");
	struct shmid_ds ds;
	char *end;
	long v;

	f->afl_shm_id = -1;
	if (!id)
		return 0;
	errno = 0;
	v = strtol(id, &end, 10);
	if (errno || end == id || *end || v < 0 || v > INT32_MAX) {
		vmm_err("fuzz: __AFL_SHM_ID=%s: not a segment id", id);
		return -EINVAL;
	}
	if (shmctl((int)v, IPC_STAT, &ds) < 0 ||
	    (f->afl_map = shmat((int)v, NULL, 0)) == (void *)-1) {
		int err = -errno;

		vmm_err("fuzz: cannot attach afl-fuzz's map (__AFL_SHM_ID=%s): %s", id,
			strerror(errno));
		f->afl_map = NULL;
		return err;
	}
	f->afl_shm_id = (int)v;
	f->afl_map_size = ds.shm_segsz;
	return 0;
}

static bool fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

int vmm_fuzz_open(struct vmm *vmm)
{
	const struct vmm_options *opt = vmm->opt;
	struct vmm_fuzz *f;
	int err;

	if (!opt->fuzz)
		return 0;
	if (opt->fuzz->fork_server && (!fd_open(LSTAR_FUZZ_CTL_FD) || !fd_open(LSTAR_FUZZ_ST_FD))) {
		vmm_err("fuzz: no fork-server descriptors (%d, %d): lstar fuzz runs "
			"under afl-fuzz, or with --corpus DIR", LSTAR_FUZZ_CTL_FD,
			LSTAR_FUZZ_ST_FD);
		return -EBADF;
	}
	for (int i = 0; i < vmm->proc.ntrees; i++)
		if (vmm->proc.trees[i].writable) {
			vmm_err("fuzz: %s is writable: what an execution writes there "
				"would not be undone (grant it with --ro)",
				vmm->proc.trees[i].private ? vmm->proc.trees[i].path :
				vmm->proc.trees[i].host);
			return -EINVAL;
		}
	if (opt->learn_path) {
		vmm_err("fuzz: --learn is for one run (lstar run)");
		return -EINVAL;
	}
	if (!(f = calloc(1, sizeof(*f))))
		return -ENOMEM;
	vmm->fuzz = f;
	f->opt = opt->fuzz;
	f->sentinel_dead = f->sentinel_life = f->cwd_fd = -1;
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->changed, NULL);
	f->npages = vmm->vm.mem.size / PAGE_SIZE;
	if (!(f->tables = calloc((f->npages + 63) / 64, 8)) ||
	    !(f->log = calloc((f->npages + 63) / 64, 8)) ||
	    !(f->written = calloc((f->npages + 63) / 64, 8)))
		return -ENOMEM;
	if (f->opt->input_file) {
		char canon[PATH_MAX];
		struct stat st;

		if (!realpath(f->opt->input_file, canon) || stat(canon, &st) < 0) {
			err = -errno;
			vmm_err("fuzz: --input-file %s: %s", f->opt->input_file, strerror(errno));
			return err;
		}
		/* The program opens it, and the VMM opens it anew each time
		 * the driver makes a new file there: beneath a tree. */
		if (!vmm_fs_tree_of(&vmm->proc, canon)) {
			vmm_err("fuzz: --input-file %s: not in a tree the program sees "
				"(grant its directory with --ro)", f->opt->input_file);
			return -EACCES;
		}
		f->input_dev = st.st_dev;
		f->input_ino = st.st_ino;
	}
	if ((err = attach_afl_map(f)))
		return err;
	if (!f->opt->fork_server)
		return 0;
	{
		struct sigevent ev = {
			.sigev_notify = SIGEV_THREAD_ID,
			.sigev_signo = vmm_signal_kick_signal(),
			._sigev_un._tid = (int)syscall(SYS_gettid),	/* vCPU 0's */
		};

		f->has_undo_timer = timer_create(CLOCK_MONOTONIC, &ev, &f->undo_timer) == 0;
	}
	if ((err = sentinel_start(f)))
		return err;
	if ((err = pthread_create(&f->watcher, NULL, watch_sentinel, vmm)))
		return -err;
	f->has_watcher = true;
	return 0;
}

void vmm_fuzz_stop(struct vmm *vmm)
{
	struct vmm_fuzz *f = vmm->fuzz;

	if (!f)
		return;
	/* The sentinel ends with its pipe (the sandbox's end waits for
	 * every child of lstar's), and with it the watcher's wait. */
	pthread_mutex_lock(&f->lock);
	f->stopping = true;
	pthread_cond_broadcast(&f->changed);
	if (f->sentinel_life >= 0)
		close(f->sentinel_life);
	f->sentinel_life = -1;
	pthread_mutex_unlock(&f->lock);
	if (f->has_watcher)
		pthread_join(f->watcher, NULL);
	f->has_watcher = false;
	if (f->sentinel > 0)
		waitpid(f->sentinel, NULL, 0);
	f->sentinel = 0;
}

void vmm_fuzz_close(struct vmm *vmm)
{
	struct vmm_fuzz *f = vmm->fuzz;

	if (!f)
		return;
	vmm_fuzz_stop(vmm);
	vmm->vm.mem.written = NULL;
	for (int i = 0; i < LSTAR_MAX_FDS; i++)
		if (f->fds[i].file)
			vmm_file_release(f->fds[i].file);
	if (f->sentinel_dead >= 0)
		close(f->sentinel_dead);
	if (f->cwd_fd >= 0)
		close(f->cwd_fd);
	if (f->has_undo_timer)
		timer_delete(f->undo_timer);
	/* afl-fuzz's map stays attached until lstar exits (the filter
	 * has no shmdt). */
	free(f->slot);
	free(f->copy);
	free(f->tables);
	free(f->log);
	free(f->written);
	free(f);
	vmm->fuzz = NULL;
}
