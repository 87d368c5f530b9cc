/* SPDX-License-Identifier: MIT */
/*
 * vm.c - one run of one program, in a fixed order: read and check the
 * program, create the VM and its memory, load the shim and the program,
 * build the stack and the boot information, set up the vCPU, then run it
 * until the program ends, lstar gives up, or the timeout fires.
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "vmm.h"

#define PAGE_SIZE	LSTAR_PAGE_SIZE
#define STACK_SIZE	(8ULL << 20)	/* RLIMIT_STACK's default */
#define PROGRAM_MAX	(1ULL << 30)	/* the largest program file we read */
#define MMAP_MIN	0x10000ULL	/* Linux's default vm.mmap_min_addr */
/* The program's image must end below this: the top 1 GiB of user space
 * holds the randomized stack (up to 256 MiB + 8 MiB below the top), the
 * gap and the top of the mmap area. */
#define IMAGE_TOP	(LSTAR_USER_TOP - (1ULL << 30))

void vmm_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("lstar: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/*
 * The signal that stops the run: SIGALRM (--timeout), or SIGTERM, SIGINT
 * or SIGHUP sent to lstar.  The handler only records it and kicks the
 * vCPU out of KVM_RUN; a forwarded call blocked in the host returns EINTR
 * (no SA_RESTART).  The vCPU loop then ends the run, and lstar finishes
 * its trace and learned policy, saying the run was cut short.
 */
static volatile sig_atomic_t stop_signal;
static struct kvm_run *volatile running;

static void on_stop(int sig)
{
	if (!stop_signal)
		stop_signal = sig;
	if (running)
		running->immediate_exit = 1;
}

/* Stop on SIGTERM, SIGINT and SIGHUP from now on; 0 or -errno. */
static int catch_stop_signals(void)
{
	struct sigaction sa = { .sa_handler = on_stop };
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP };

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], &sa, NULL) < 0)
			return -errno;
	return 0;
}

static uint64_t random_u64(void)
{
	uint64_t v = 0;

	if (getrandom(&v, sizeof(v), 0) != sizeof(v))
		v = (uint64_t)getpid() * 0x9e3779b97f4a7c15ULL;
	return v;
}

/* Read the whole program file into memory (freed by the caller). */
static int read_program(const char *path, uint8_t **out, size_t *size)
{
	struct stat st;
	uint8_t *buf;
	size_t done = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		int err = S_ISDIR(st.st_mode) ? -EISDIR : -EACCES;

		close(fd);
		return err;
	}
	if ((uint64_t)st.st_size > PROGRAM_MAX) {
		close(fd);
		return -EFBIG;
	}
	buf = malloc(st.st_size ? st.st_size : 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (done < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + done, st.st_size - done);

		if (n <= 0) {
			free(buf);
			close(fd);
			return n < 0 ? -errno : -EIO;
		}
		done += n;
	}
	close(fd);
	*out = buf;
	*size = done;
	return 0;
}

/*
 * Load the embedded shim: check its header, copy its segments to their
 * physical addresses and map each with its own permissions, supervisor
 * only.  Also maps the boot page (read-only) and the hypercall page.
 */
static int load_shim(struct vmm *vm, struct lstar_shim_header *hdr)
{
	size_t size = lstar_shim_image_end - lstar_shim_image;
	Elf *elf;
	size_t phnum;
	int err = -ENOEXEC;
	bool have_header = false;

	elf_version(EV_CURRENT);
	elf = elf_memory((char *)lstar_shim_image, size);
	if (!elf || elf_getphdrnum(elf, &phnum))
		goto out;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		uint64_t pa;
		void *dst;

		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		pa = ph.p_paddr;
		if (pa < LSTAR_SHIM_GPA || pa > LSTAR_SHIM_LIMIT ||
		    ph.p_memsz > LSTAR_SHIM_LIMIT - pa || ph.p_filesz > ph.p_memsz ||
		    ph.p_offset > size || ph.p_filesz > size - ph.p_offset ||
		    ph.p_vaddr != LSTAR_KERNEL_BASE + pa || pa % PAGE_SIZE)
			goto out;
		if (!(dst = vmm_mem_ptr(&vm->mem, pa, ph.p_memsz)))
			goto out;
		memcpy(dst, lstar_shim_image + ph.p_offset, ph.p_filesz);
		/* W^X: the linker script gives each permission its pages. */
		if ((ph.p_flags & PF_W) && (ph.p_flags & PF_X))
			goto out;
		for (uint64_t off = 0; off < ph.p_memsz; off += PAGE_SIZE) {
			uint64_t flags = ((ph.p_flags & PF_W) ? X86_PTE_W : 0) |
					 ((ph.p_flags & PF_X) ? 0 : X86_PTE_NX);

			if ((err = vmm_mem_map(&vm->mem, ph.p_vaddr + off, pa + off, flags)))
				goto out;
		}
		/* The header opens the read-only segment. */
		if (!(ph.p_flags & (PF_W | PF_X)) && ph.p_filesz >= sizeof(*hdr)) {
			memcpy(hdr, dst, sizeof(*hdr));
			have_header = true;
		}
		err = -ENOEXEC;
	}
	if (!have_header || hdr->magic != LSTAR_SHIM_MAGIC ||
	    hdr->abi_version != LSTAR_ABI_VERSION)
		goto out;
	if ((err = vmm_mem_map(&vm->mem, LSTAR_KERNEL_BASE + LSTAR_BOOT_GPA,
			       LSTAR_BOOT_GPA, X86_PTE_NX)) ||
	    (err = vmm_mem_map(&vm->mem, LSTAR_KERNEL_BASE + LSTAR_HC_GPA,
			       LSTAR_HC_GPA, X86_PTE_W | X86_PTE_NX)))
		goto out;
	err = 0;
out:
	if (elf)
		elf_end(elf);
	return err;
}

/* The initial stack: 8 MiB below a randomized top, the strings and
 * vectors written at its top.  Records the stack VMA.  The mmap area
 * starts a random distance below it, with the vDSO at its top (its
 * address goes into the auxv). */
static int build_stack(struct vmm *vm, const struct vmm_stack_args *args_in,
		       bool exec, struct lstar_boot_info *bi)
{
	const size_t window = 256 * 1024;	/* argv + envp + auxv, at most */
	uint64_t high = LSTAR_USER_TOP - (random_u64() % 65536) * PAGE_SIZE;
	uint64_t low = high - STACK_SIZE, sp, top;
	uint64_t flags = X86_PTE_U | X86_PTE_W | (exec ? 0 : X86_PTE_NX);
	struct vmm_stack_args a = *args_in, *args = &a;
	uint8_t *buf;
	int err;

	for (uint64_t va = low; va < high; va += PAGE_SIZE) {
		uint64_t gpa = vmm_mem_alloc(&vm->mem);

		if (!gpa)
			return -ENOMEM;
		if ((err = vmm_mem_map(&vm->mem, va, gpa, flags)))
			return err;
	}
	bi->mmap_top = low - (1ULL << 20) - (random_u64() % 65536) * PAGE_SIZE;
	bi->mmap_min = MMAP_MIN;
	if ((err = vmm_vdso_setup(vm, bi, bi->mmap_top)))
		return err;
	a.sysinfo_ehdr = vm->vdso.ehdr;
	/* As Linux's arch_align_stack: a random offset below the top. */
	top = (high - (random_u64() % 8192)) & ~15ULL;
	if (!(buf = calloc(1, window)))
		return -ENOMEM;
	sp = vmm_stack_build(args, buf, window, top);
	if (!sp) {
		free(buf);
		return -E2BIG;
	}
	err = vmm_mem_copy_to_user(&vm->mem, sp, buf + window - (top - sp), top - sp);
	free(buf);
	if (err)
		return err;
	bi->stack_pointer = sp;
	if (bi->nr_vmas == LSTAR_BOOT_MAX_VMAS)
		return -E2BIG;
	bi->vmas[bi->nr_vmas++] = (struct lstar_boot_vma){ low, high,
		PROT_READ | PROT_WRITE | (exec ? PROT_EXEC : 0), LSTAR_VMA_STACK };
	return 0;
}

static int create_vm(struct vmm *vm)
{
	int ret;

	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0) {
		ret = -errno;
		vmm_err("cannot open /dev/kvm: %s (see `lstar doctor`)", strerror(errno));
		return ret;
	}
	if (ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		vmm_err("/dev/kvm speaks an unknown KVM API version");
		return -ENOTSUP;
	}
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0) {
		ret = -errno;
		vmm_err("KVM_CREATE_VM failed: %s (see `lstar doctor`)", strerror(errno));
		return ret;
	}
	vmm_disable_hypercall_patching(vm->kvm_fd, vm->vm_fd);
	return 0;
}

/*
 * By default KVM "fixes" the other CPU vendor's hypercall instruction
 * (vmmcall on Intel, vmcall on AMD) by writing the native one over it in
 * guest memory: a ring-3 vmmcall on an Intel host then ends in a #PF at
 * its own address (the write to read-only text), and in a writable code
 * page the program's bytes change behind its back.  With the quirk off
 * KVM raises #UD, which is what the CPU itself reports for the
 * instruction.  Kernels before 5.19 lack the switch; lstar runs there
 * with KVM's default.  Returns whether the patching is off.
 */
bool vmm_disable_hypercall_patching(int kvm_fd, int vm_fd)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_DISABLE_QUIRKS2,
		.args[0] = KVM_X86_QUIRK_FIX_HYPERCALL_INSN,
	};
	int quirks = ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_DISABLE_QUIRKS2);

	return quirks > 0 && (quirks & KVM_X86_QUIRK_FIX_HYPERCALL_INSN) &&
	       ioctl(vm_fd, KVM_ENABLE_CAP, &cap) == 0;
}

static int create_vcpu(struct vmm *vm)
{
	struct kvm_userspace_memory_region region = {
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = vm->mem.size,
		.userspace_addr = (uint64_t)vm->mem.host,
	};
	int size;

	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return -errno;
	vm->vcpu_fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, 0);
	if (vm->vcpu_fd < 0)
		return -errno;
	size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size <= 0)
		return -EINVAL;
	vm->run_size = size;
	vm->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       vm->vcpu_fd, 0);
	if (vm->run == MAP_FAILED) {
		vm->run = NULL;
		return -errno;
	}
	return 0;
}

static void destroy_vm(struct vmm *vm)
{
	vmm_fd_close_all(vm);
	for (int i = 0; i < vm->ntrees; i++) {
		close(vm->trees[i].dirfd);
		free(vm->trees[i].path);
	}
	if (vm->cwd_fd >= 0)
		close(vm->cwd_fd);
	if (vm->run)
		munmap(vm->run, vm->run_size);
	if (vm->vcpu_fd >= 0)
		close(vm->vcpu_fd);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	vmm_mem_destroy(&vm->mem);
}

static int start_timer(double seconds)
{
	struct sigaction sa = { .sa_handler = on_stop };
	struct itimerval it = { 0 };

	if (seconds <= 0)
		return 0;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a blocking forwarded call must return EINTR. */
	if (sigaction(SIGALRM, &sa, NULL) < 0)
		return -errno;
	it.it_value.tv_sec = (time_t)seconds;
	it.it_value.tv_usec = (suseconds_t)((seconds - (double)(time_t)seconds) * 1e6);
	if (it.it_value.tv_sec == 0 && it.it_value.tv_usec == 0)
		it.it_value.tv_usec = 1;
	return setitimer(ITIMER_REAL, &it, NULL) < 0 ? -errno : 0;
}


static const char *exit_reason_name(uint32_t r)
{
	switch (r) {
	case KVM_EXIT_HLT: return "the shim halted";
	case KVM_EXIT_MMIO: return "an access outside guest memory (MMIO)";
	case KVM_EXIT_FAIL_ENTRY: return "KVM could not enter the guest";
	case KVM_EXIT_INTERNAL_ERROR: return "KVM internal error (emulation failed)";
	case KVM_EXIT_IO: return "an I/O port the shim does not use";
	default: return "an unexpected exit";
	}
}

int vmm_vcpu_loop(struct vmm *vm)
{
	struct kvm_run *run = vm->run;

	running = run;
	while (!vm->done) {
		if (stop_signal)
			break;
		if (ioctl(vm->vcpu_fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				run->immediate_exit = 0;
				continue;
			}
			vmm_err("KVM_RUN failed: %s", strerror(errno));
			vm->status = LSTAR_EXIT_FAILURE;
			break;
		}
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			if (run->io.direction == KVM_EXIT_IO_OUT &&
			    run->io.port == LSTAR_HC_PORT && run->io.size == 4 &&
			    run->io.count == 1) {
				uint32_t nr;

				memcpy(&nr, (uint8_t *)run + run->io.data_offset, 4);
				vmm_hcall(vm, nr);
				/* The VMM runs anyway: re-anchor the time page. */
				vmm_vdso_update(vm);
				continue;
			}
			vmm_err("shim failure: %s (port 0x%x)", exit_reason_name(run->exit_reason),
				run->io.port);
			vm->status = LSTAR_EXIT_FAILURE;
			vm->done = true;
			break;
		case KVM_EXIT_SHUTDOWN:
			vmm_err("shim failure: the guest triple-faulted (KVM_EXIT_SHUTDOWN)");
			vm->status = LSTAR_EXIT_FAILURE;
			vm->done = true;
			break;
		case KVM_EXIT_FAIL_ENTRY:
			vmm_err("shim failure: %s (reason 0x%llx)", exit_reason_name(run->exit_reason),
				(unsigned long long)run->fail_entry.hardware_entry_failure_reason);
			vm->status = LSTAR_EXIT_FAILURE;
			vm->done = true;
			break;
		case KVM_EXIT_INTERNAL_ERROR:
			vmm_err("shim failure: %s (suberror %u)", exit_reason_name(run->exit_reason),
				run->internal.suberror);
			vm->status = LSTAR_EXIT_FAILURE;
			vm->done = true;
			break;
		default:
			vmm_err("shim failure: %s (KVM exit reason %u)",
				exit_reason_name(run->exit_reason), run->exit_reason);
			vm->status = LSTAR_EXIT_FAILURE;
			vm->done = true;
			break;
		}
	}
	running = NULL;
	if (stop_signal && !vm->done) {
		if (stop_signal == SIGALRM) {
			vmm_err("%s: timed out after %g seconds", vm->opt->program,
				vm->opt->timeout);
			vm->status = LSTAR_EXIT_TIMEOUT;
		} else {
			vmm_err("%s: stopped: lstar got SIG%s", vm->opt->program,
				sigabbrev_np(stop_signal));
			vm->status = 128 + stop_signal;
		}
		vm->stopped_by = stop_signal;
		vmm_trace_stop(vm);
	}
	return vm->status;
}

/* Copy the compiled policy into pool pages of its own; 0 or -ENOMEM. */
static int place_policy(struct vmm *vm, struct lstar_boot_info *bi)
{
	uint64_t size = vm->policy->table_size;
	uint64_t pages = (size + PAGE_SIZE - 1) / PAGE_SIZE;
	void *dst;

	if (pages > (vm->mem.pool_end - vm->mem.pool_next) / PAGE_SIZE)
		return -ENOMEM;
	bi->policy = vm->mem.pool_next;
	bi->policy_size = size;
	vm->mem.pool_next += pages * PAGE_SIZE;
	dst = vmm_mem_ptr(&vm->mem, bi->policy, size);
	if (!dst)
		return -ENOMEM;
	memcpy(dst, vm->policy->table, size);
	/* The shim reports calls (boot flags, set before): none may take
	 * the fast path, which reports nothing. */
	if (bi->flags & (LSTAR_BOOT_TRACE | LSTAR_BOOT_VERBOSE))
		memset(((struct lstar_policy_table *)dst)->fast, 0, LSTAR_POLICY_NR);
	return 0;
}


int vmm_run(const struct vmm_options *opt)
{
	struct vmm *vm;
	struct lstar_shim_header hdr;
	struct lstar_boot_info bi = { 0 };
	struct vmm_elf elf;
	struct vmm_stack_args args = { 0 };
	uint8_t *file = NULL;
	size_t size = 0;
	char why[256];
	uint64_t bias = 0, pool;
	int err, status = LSTAR_EXIT_FAILURE;

	if (!(vm = calloc(1, sizeof(*vm))))
		return LSTAR_EXIT_FAILURE;
	vm->opt = opt;
	vm->policy = opt->policy;
	/* Whose files are the program's own (fs.c): lstar's user's. */
	vm->host_uid = geteuid();
	vm->host_gid = getegid();
	vm->kvm_fd = vm->vm_fd = vm->vcpu_fd = -1;
	vm->cwd_fd = -1;

	/* 1. The program: read and check it before touching KVM. */
	if ((err = read_program(opt->program, &file, &size))) {
		vmm_err("%s: %s", opt->program, strerror(-err));
		goto out;
	}
	if (vmm_elf_parse(file, size, &elf, why, sizeof(why))) {
		vmm_err("%s: %s", opt->program, why);
		goto out;
	}
	if (!elf.pie && elf.hi > IMAGE_TOP) {
		vmm_err("%s: segments reach 0x%llx, into the stack's area (above 0x%llx)",
			opt->program, (unsigned long long)elf.hi,
			(unsigned long long)IMAGE_TOP);
		goto out;
	}
	/* The trees the program may see (the policy's path rules, --ro and
	 * --rw among them), opened now (never by path later), and its
	 * working directory. */
	for (int i = 0; i < vm->policy->npaths; i++) {
		const struct lstar_policy_path *p = &vm->policy->paths[i];
		char where[256];

		if ((err = vmm_fs_grant(vm, p->path, p->writable))) {
			char real[PATH_MAX];

			lstar_policy_where(vm->policy, p->src, where, sizeof(where));
			if (err == -ELOOP && realpath(p->path, real))
				vmm_err("%s: path %s %s: a component is a symlink; "
					"a policy names directories as they are (%s?)",
					where, p->writable ? "rw" : "ro", p->path, real);
			else
				vmm_err("%s: path %s %s: %s", where, p->writable ? "rw" : "ro",
					p->path, err == -EXDEV ?
					"a read-only tree cannot lie inside a writable one" :
					strerror(-err));
			goto out;
		}
	}
	if ((err = vmm_fs_set_cwd(vm, opt->cwd))) {
		if (opt->cwd && err == -EXDEV)
			vmm_err("--cwd %s: outside every tree the program sees "
				"(grant it with --ro or --rw)", opt->cwd);
		else if (opt->cwd)
			vmm_err("--cwd %s: %s", opt->cwd, strerror(-err));
		else
			vmm_err("cannot find the current directory: %s", strerror(-err));
		goto out;
	}

	/* 2. The VM and its memory: the fixed low 4 MiB, then the pool,
	 * which also holds the page tables and the free-page stack. */
	if (create_vm(vm))
		goto out;
	vm->platform = vmm_detect_platform();
	pool = opt->mem;
	if ((err = vmm_mem_init(&vm->mem, pool))) {
		vmm_err("cannot reserve %llu MiB of guest memory: %s",
			(unsigned long long)(pool >> 20), strerror(-err));
		goto out;
	}
	vmm_mem_reserve_shim_books(&vm->mem);
	/* The policy table, for the shim; the pool never hands out pages
	 * below pool_next, and the direct map is supervisor-only.  Which
	 * calls the shim reports decides what the table may say. */
	bi.flags = (opt->verbose ? LSTAR_BOOT_VERBOSE : 0) |
		   (opt->probe_msr ? LSTAR_BOOT_PROBE_MSR : 0) |
		   (opt->trace || opt->learn_path ? LSTAR_BOOT_TRACE : 0);
	if ((err = place_policy(vm, &bi)))
		goto out_nomem;

	/* 3. The shim, its mappings and the direct map of the pool. */
	if ((err = load_shim(vm, &hdr))) {
		vmm_err("the embedded shim image is unusable (%s)", strerror(-err));
		goto out;
	}
	if ((err = vmm_mem_map_direct(&vm->mem)))
		goto out_nomem;

	/* 4. The program's segments; static-PIE at a random base. */
	if (elf.pie)
		bias = 0x555555554000ULL + (random_u64() % (1ULL << 28)) * PAGE_SIZE;
	if ((err = vmm_elf_load(&vm->mem, &elf, file, bias, &bi))) {
		if (err == -ENOMEM)
			goto out_nomem;
		vmm_err("%s: cannot load: %s", opt->program, strerror(-err));
		goto out;
	}
	/* The break starts past the image, at a random page offset. */
	bi.brk_start = elf.hi + bias + (random_u64() % 8192) * PAGE_SIZE;

	/* 5. The vCPU (its CPUID decides AT_HWCAP), then the stack. */
	if ((err = create_vcpu(vm)) ||
	    (err = vmm_cpu_setup(vm, &hdr, &args.hwcap, &args.hwcap2))) {
		vmm_err("cannot set up the vCPU: %s", strerror(-err));
		goto out;
	}
	args.argc = opt->argc;
	args.argv = opt->argv;
	args.envc = opt->envc;
	args.envp = opt->envp;
	args.execfn = opt->program;
	args.at_phdr = elf.phdr_vaddr + bias;
	args.at_phnum = elf.phnum;
	args.at_phent = elf.phentsize;
	args.at_entry = elf.entry + bias;
	args.uid = LSTAR_GUEST_UID;
	args.gid = LSTAR_GUEST_GID;
	if (getrandom(args.random, sizeof(args.random), 0) != sizeof(args.random)) {
		vmm_err("getrandom: %s", strerror(errno));
		goto out;
	}
	if ((err = build_stack(vm, &args, elf.exec_stack, &bi))) {
		if (err == -ENOMEM)
			goto out_nomem;
		if (err == -ENOEXEC)
			vmm_err("the embedded vDSO image is unusable");
		else
			vmm_err("%s: arguments and environment do not fit the stack", opt->program);
		goto out;
	}

	/* 6. The boot information, last: it records where everything is. */
	bi.magic = LSTAR_BOOT_MAGIC;
	bi.abi_version = LSTAR_ABI_VERSION;
	bi.platform = vm->platform;
	bi.pool_start = LSTAR_POOL_GPA;
	bi.pool_end = vm->mem.pool_end;
	bi.pool_next = vm->mem.pool_next;
	bi.free_stack = vm->mem.free_stack;
	bi.free_stack_slots = vm->mem.free_stack_slots;
	bi.table_counts = vm->mem.table_counts;
	bi.pml4 = vm->mem.pml4;
	bi.entry = elf.entry + bias;
	memcpy(vmm_mem_ptr(&vm->mem, LSTAR_BOOT_GPA, sizeof(bi)), &bi, sizeof(bi));
	free(file);
	file = NULL;

	/* 7. Run.  A write to a closed pipe must come back as EPIPE for the
	 * shim to decide on, not kill lstar. */
	signal(SIGPIPE, SIG_IGN);
	vmm_fd_init(vm);
	if ((err = vmm_trace_open(vm))) {
		vmm_err("--trace=%s: %s", opt->trace_path, vmm_output_error(err));
		goto out;
	}
	if (opt->learn_path && (err = vmm_learn_open(vm))) {
		vmm_err("--learn %s: %s", opt->learn_path,
			err == -EINVAL ? "not a regular file" : vmm_output_error(err));
		goto out;
	}
	if ((err = start_timer(opt->timeout)) || (err = catch_stop_signals())) {
		vmm_err("cannot start the timer: %s", strerror(-err));
		goto out;
	}
	if (opt->confine && (err = vmm_confine(vm))) {
		vmm_err("cannot confine lstar itself: %s", strerror(-err));
		goto out;
	}
	status = vmm_vcpu_loop(vm);
	if (opt->learn_path && (err = vmm_learn_finish(vm))) {
		vmm_err("--learn %s: %s", opt->learn_path, strerror(-err));
		status = LSTAR_EXIT_FAILURE;
	}
	goto out;

out_nomem:
	vmm_err("%s: does not fit in --mem %llu MiB", opt->program,
		(unsigned long long)(opt->mem >> 20));
out:
	free(file);
	vmm_learn_close(vm);
	vmm_trace_close(vm);
	destroy_vm(vm);
	free(vm);
	return status;
}
