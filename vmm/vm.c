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
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include "vmm.h"

#define PAGE_SIZE	LSTAR_PAGE_SIZE
#define STACK_SIZE	(8ULL << 20)	/* RLIMIT_STACK's default */
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
 * The signal that stops the run: SIGALRM, --timeout's.  The handler only
 * records it and kicks the vCPU out of KVM_RUN; a forwarded call blocked
 * in the host returns EINTR (no SA_RESTART).  The vCPU loop then ends the
 * run, and lstar finishes its trace and learned policy, saying the run
 * was cut short.  (The signals a user sends lstar are the program's:
 * signal.c.)
 *
 * A signal handler is given no context: these two are how it reaches the
 * run, file-scope state as signal.c's is.  `running` is set while the
 * vCPUs run.
 */
static volatile sig_atomic_t stop_signal;
static struct vmm *volatile running;

static void on_stop(int sig, siginfo_t *si, void *uc)
{
	struct vmm *vmm = running;

	(void)si;
	if (!stop_signal)
		stop_signal = sig;
	if (vmm)
		for (int i = 0; i < vmm->nvcpus; i++)
			if (atomic_load(&vmm->vcpu[i].state) == VMM_VCPU_RUNNING)
				vmm_signal_kick_vcpu(&vmm->vcpu[i]);
	vmm_block_interrupt(uc);
}

void vmm_stop_run(struct vmm *vmm, int status)
{
	pthread_mutex_lock(&vmm->lock);
	if (!vmm->done) {
		vmm->status = status;
		vmm->done = true;
	}
	vmm_threads_stop(vmm);
	pthread_mutex_unlock(&vmm->lock);
}

bool vmm_run_over(const struct vmm *vmm)
{
	return vmm->done || stop_signal;
}

/* The host CPUs lstar may run on: its threads' vCPUs run there.  Asked
 * once, before confinement (a program execve starts gets the same). */
static uint32_t host_cpus(void)
{
	static uint32_t cpus;
	cpu_set_t set;
	int n;

	if (cpus)
		return cpus;
	if (sched_getaffinity(0, sizeof(set), &set) < 0 || (n = CPU_COUNT(&set)) < 1)
		n = 1;
	cpus = n > LSTAR_MAX_VCPUS ? LSTAR_MAX_VCPUS : (uint32_t)n;
	return cpus;
}

static uint64_t random_u64(void)
{
	uint64_t v = 0;

	if (getrandom(&v, sizeof(v), 0) != sizeof(v))
		v = (uint64_t)getpid() * 0x9e3779b97f4a7c15ULL;
	return v;
}

/* The file fd, which lstar will read a program from: its size, or
 * -errno (-EISDIR, -EACCES for any other file that is not regular). */
static int program_size(int fd, uint64_t *size)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return S_ISDIR(st.st_mode) ? -EISDIR : -EACCES;
	*size = (uint64_t)st.st_size;
	return 0;
}

/* Do gva and the same place in every other vCPU's area (stride bytes
 * apart) lie in the shim's region? */
static bool in_shim(uint64_t gva, uint64_t stride)
{
	const uint64_t lo = LSTAR_KERNEL_BASE + LSTAR_SHIM_GPA;
	const uint64_t hi = LSTAR_KERNEL_BASE + LSTAR_SHIM_LIMIT;

	return stride && stride < hi - lo && gva >= lo && gva < hi &&
	       (hi - gva) / stride >= LSTAR_MAX_VCPUS;
}

/*
 * Load the embedded shim: check its header, copy its segments to their
 * physical addresses and map each with its own permissions, supervisor
 * only.  Also maps the boot page (read-only) and every vCPU's hypercall
 * block.
 */
static int load_shim(struct vmm *vmm, struct lstar_shim_header *hdr)
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
		if (!(dst = vmm_mem_ptr(&vmm->vm.mem, pa, ph.p_memsz)))
			goto out;
		memcpy(dst, lstar_shim_image + ph.p_offset, ph.p_filesz);
		/* W^X: the linker script gives each permission its pages. */
		if ((ph.p_flags & PF_W) && (ph.p_flags & PF_X))
			goto out;
		for (uint64_t off = 0; off < ph.p_memsz; off += PAGE_SIZE) {
			uint64_t flags = ((ph.p_flags & PF_W) ? X86_PTE_W : 0) |
					 ((ph.p_flags & PF_X) ? 0 : X86_PTE_NX);

			if ((err = vmm_mem_map(&vmm->vm.mem, ph.p_vaddr + off, pa + off, flags)))
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
	/* Each vCPU's GDT, TSS and boot stack must lie in the image. */
	if (!in_shim(hdr->gdt, hdr->cpu_stride) || !in_shim(hdr->tss, hdr->cpu_stride) ||
	    !in_shim(hdr->boot_stack_top - 8, hdr->cpu_stride))
		goto out;
	/* ... and the register way's ends, in it too. */
	if (!in_shim(hdr->forward_done, 1) || !in_shim(hdr->forward_act, 1) ||
	    !in_shim(hdr->forward_refused, 1))
		goto out;
	if ((err = vmm_mem_map(&vmm->vm.mem, LSTAR_KERNEL_BASE + LSTAR_BOOT_GPA,
			       LSTAR_BOOT_GPA, X86_PTE_NX)))
		goto out;
	for (int i = 0; i < LSTAR_MAX_VCPUS; i++)
		if ((err = vmm_mem_map(&vmm->vm.mem,
				       LSTAR_KERNEL_BASE + LSTAR_HC_BLOCK_GPA(i),
				       LSTAR_HC_BLOCK_GPA(i), X86_PTE_W | X86_PTE_NX)))
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
static int build_stack(struct vmm_vcpu *cpu, const struct vmm_stack_args *args_in,
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
		uint64_t gpa = vmm_mem_alloc(cpu->mem);

		if (!gpa)
			return -ENOMEM;
		if ((err = vmm_mem_map(cpu->mem, va, gpa, flags)))
			return err;
	}
	bi->mmap_top = low - (1ULL << 20) - (random_u64() % 65536) * PAGE_SIZE;
	bi->mmap_min = MMAP_MIN;
	if ((err = vmm_vdso_setup(cpu, bi, bi->mmap_top)))
		return err;
	a.sysinfo_ehdr = cpu->vmm->vm.vdso.ehdr;
	/* The last of the pool the VMM takes: the pages the program maps
	 * come after. */
	vmm_mem_advise_huge(cpu->mem);
	/* As Linux's arch_align_stack: a random offset below the top. */
	top = (high - (random_u64() % 8192)) & ~15ULL;
	if (!(buf = calloc(1, window)))
		return -ENOMEM;
	sp = vmm_stack_build(args, buf, window, top);
	if (!sp) {
		free(buf);
		return -E2BIG;
	}
	err = vmm_mem_copy_to_user(cpu->mem, sp, buf + window - (top - sp), top - sp);
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

/* Open /dev/kvm and create the VM. */
static int create_vm(struct vmm_vm *vm)
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
	vm->fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->fd < 0) {
		ret = -errno;
		vmm_err("KVM_CREATE_VM failed: %s (see `lstar doctor`)", strerror(errno));
		return ret;
	}
	vm->platform = vmm_detect_platform();
	vmm_disable_hypercall_patching(vm->kvm_fd, vm->fd, vm->platform);
	vm->sync_regs = vmm_kvm_sync_regs(vm->kvm_fd);
	return 0;
}

uint32_t vmm_kvm_sync_regs(int kvm_fd)
{
	int ret = ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS);

	return ret > 0 && !getenv("LSTAR_NO_SYNC_REGS") ? (uint32_t)ret : 0;
}

/*
 * By default KVM "fixes" the other CPU vendor's hypercall instruction
 * (vmmcall on Intel, vmcall on AMD) by writing the native one over it in
 * guest memory: a ring-3 vmmcall on an Intel host then ends in a #PF at
 * its own address (the write to read-only text), and in a writable code
 * page the program's bytes change behind its back.  With the quirk off
 * KVM raises #UD, which is what the CPU itself reports for the
 * instruction.  Kernels before 5.19 lack the switch; lstar runs there
 * with KVM's default.  PVM accepts the switch and patches all the same
 * (seen on an Intel-hosted PVM, Linux 6.18: the #PF at the instruction's
 * own address with the quirk off).  Returns whether the patching is off.
 */
bool vmm_disable_hypercall_patching(int kvm_fd, int vm_fd, enum lstar_platform platform)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_DISABLE_QUIRKS2,
		.args[0] = KVM_X86_QUIRK_FIX_HYPERCALL_INSN,
	};
	int quirks = ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_DISABLE_QUIRKS2);
	bool off = quirks > 0 && (quirks & KVM_X86_QUIRK_FIX_HYPERCALL_INSN) &&
		   ioctl(vm_fd, KVM_ENABLE_CAP, &cap) == 0;

	return off && platform != LSTAR_PLATFORM_PVM;
}

/*
 * Give KVM guest-physical slot n: 0 is guest memory, from 0 up; 1 the
 * System V segments' region, shared by the sandbox's VMMs, right above
 * it; 2 the window of shared file mappings above that (neither logged:
 * lstar fuzz has none).
 */
static int add_slot(struct vmm_vm *vm, unsigned int n)
{
	const struct vmm_mem *m = &vm->mem;
	struct kvm_userspace_memory_region r = { .slot = n };

	switch (n) {
	case VMM_SLOT_MEMORY:
		r.memory_size = m->size;
		r.userspace_addr = (uint64_t)m->host;
		r.flags = vm->log_dirty ? KVM_MEM_LOG_DIRTY_PAGES : 0;
		break;
	case VMM_SLOT_SHM:
		r.guest_phys_addr = m->shm_gpa;
		r.memory_size = m->shm_size;
		r.userspace_addr = (uint64_t)m->shm_host;
		break;
	case VMM_SLOT_WINDOW:
		r.guest_phys_addr = m->map_gpa;
		r.memory_size = m->map_size;
		r.userspace_addr = (uint64_t)m->map_host;
		break;
	}
	if (!r.memory_size)
		return -ENOMEM;
	return ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r) < 0 ? -errno : 0;
}

int vmm_vm_add_memory(struct vmm_vm *vm)
{
	int err = add_slot(vm, VMM_SLOT_MEMORY);

	for (unsigned int n = VMM_SLOT_SHM; !err && n <= VMM_SLOT_WINDOW; n++)
		if (vm->slots_used & (1u << n))
			err = add_slot(vm, n);
	return err;
}

int vmm_vm_use_slot(struct vmm_vm *vm, unsigned int n)
{
	int err;

	if (vm->slots_used & (1u << n))
		return 0;
	if (!(err = add_slot(vm, n)))
		vm->slots_used |= 1u << n;
	return err;
}

int vmm_vcpu_create(struct vmm *vmm, int index)
{
	struct vmm_vcpu *cpu = &vmm->vcpu[index];
	int size;

	cpu->fd = ioctl(vmm->vm.fd, KVM_CREATE_VCPU, index);
	if (cpu->fd < 0)
		return -errno;
	if (vmm->nvcpus < index + 1)
		vmm->nvcpus = index + 1;
	size = ioctl(vmm->vm.kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size <= 0)
		return -EINVAL;
	cpu->run_size = size;
	cpu->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, cpu->fd, 0);
	if (cpu->run == MAP_FAILED) {
		cpu->run = NULL;
		return -errno;
	}
	return 0;
}

void vmm_vcpu_settle(struct vmm_vcpu *cpu)
{
	/* KVM finishes what the exit left pending before it looks at
	 * immediate_exit, and then runs nothing. */
	cpu->run->immediate_exit = 1;
	ioctl(cpu->fd, KVM_RUN, 0);
	cpu->run->immediate_exit = 0;
}

static void destroy_vcpu(struct vmm_vcpu *cpu)
{
	free(cpu->paths);
	if (cpu->run)
		munmap(cpu->run, cpu->run_size);
	if (cpu->fd >= 0)
		close(cpu->fd);
}

/* What the process holds: its descriptors, trees and working directory. */
static void destroy_process(struct vmm_process *proc)
{
	vmm_timer_stop(proc);
	vmm_fd_close_all(proc);
	for (int i = 0; i < proc->ntrees; i++) {
		close(proc->trees[i].dirfd);
		free(proc->trees[i].path);
		free(proc->trees[i].host);
	}
	if (proc->cwd_fd >= 0)
		close(proc->cwd_fd);
	if (proc->exe_fd >= 0)
		close(proc->exe_fd);
	if (proc->dev_fd >= 0)
		close(proc->dev_fd);
	vmm_dns_close(proc);
}

static void destroy_vm(struct vmm_vm *vm)
{
	free(vm->cpuid);
	if (vm->fd >= 0)
		close(vm->fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	vmm_mem_destroy(&vm->mem);
}

static int start_timer(double seconds)
{
	struct sigaction sa = { .sa_sigaction = on_stop, .sa_flags = SA_SIGINFO };
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

/* The shim failed in a way only KVM saw: say how, and end the run. */
static void shim_failure(struct vmm_vcpu *cpu)
{
	struct kvm_run *run = cpu->run;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		vmm_err("shim failure: %s (port 0x%x)", exit_reason_name(run->exit_reason),
			run->io.port);
		break;
	case KVM_EXIT_SHUTDOWN:
		vmm_err("shim failure: the guest triple-faulted (KVM_EXIT_SHUTDOWN)");
		break;
	case KVM_EXIT_FAIL_ENTRY:
		vmm_err("shim failure: %s (reason 0x%llx)", exit_reason_name(run->exit_reason),
			(unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		vmm_err("shim failure: %s (suberror %u)", exit_reason_name(run->exit_reason),
			run->internal.suberror);
		break;
	default:
		vmm_err("shim failure: %s (KVM exit reason %u)",
			exit_reason_name(run->exit_reason), run->exit_reason);
		break;
	}
	cpu->vmm->status = LSTAR_EXIT_FAILURE;
	cpu->vmm->done = true;
}

/* Is this exit one `out` of 32 bits to a port in [lo, hi)? */
static bool is_out(const struct kvm_run *run, uint16_t lo, uint16_t hi)
{
	return run->exit_reason == KVM_EXIT_IO &&
	       run->io.direction == KVM_EXIT_IO_OUT &&
	       run->io.port >= lo && run->io.port < hi &&
	       run->io.size == 4 && run->io.count == 1;
}

/* ... a hypercall, or the register way's call (vmm_forward_take)? */
static bool is_hypercall(const struct kvm_run *run)
{
	return is_out(run, LSTAR_HC_PORT, LSTAR_HC_PORT + LSTAR_HC_MAX);
}

static bool is_forward(const struct kvm_run *run)
{
	return is_out(run, LSTAR_FORWARD_PORT, LSTAR_FORWARD_PORT + 1);
}

/* Run hypercall nr of block gpa; false if the run ends (lstar fuzz). */
static bool hypercall(struct vmm_vcpu *cpu, uint32_t nr, uint32_t gpa)
{
	struct vmm *vmm = cpu->vmm;

	if (vmm->fuzz && vmm_fuzz_point(cpu, nr, gpa))
		return !vmm->done;
	pthread_mutex_lock(&vmm->lock);
	vmm_hcall(cpu, nr, gpa);
	/* The VMM runs anyway: re-anchor the time page. */
	vmm_vdso_update(&vmm->vm);
	/* The program ended here: the other vCPUs stop. */
	if (vmm->done)
		vmm_threads_stop(vmm);
	pthread_mutex_unlock(&vmm->lock);
	return true;
}

int vmm_vcpu_loop(struct vmm_vcpu *cpu)
{
	struct vmm *vmm = cpu->vmm;
	struct timespec t_run, t_exit = { 0 };
	struct kvm_run *run;

again:
	/* cpu->run is read anew each time: a fork's child has a new one. */
	while (!vmm->done && !stop_signal) {
		if (vmm->fuzz && vmm_fuzz_cut(cpu))
			break;
		run = cpu->run;
		/* The register way reads ring 3's registers from kvm_run. */
		if (vmm->vm.platform == LSTAR_PLATFORM_PVM)
			run->kvm_valid_regs = vmm->vm.sync_regs & KVM_SYNC_X86_REGS;
		vmm_signal_inject(cpu);
		if (vmm->stats) {
			clock_gettime(CLOCK_MONOTONIC, &t_run);
			if (t_exit.tv_sec)
				vmm_stats_vmm(vmm, &t_exit, &t_run);
		}
		if (ioctl(cpu->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				run->immediate_exit = 0;
				continue;
			}
			if (errno == EFAULT && vmm->vm.mem.map_size) {
				/* A page the guest had mapped is gone from
				 * the host: a shared file mapping's file
				 * shrank under it (Linux: SIGBUS, which the
				 * program could handle; here it ends it). */
				pthread_mutex_lock(&vmm->lock);
				vmm_err("%s: killed by SIGBUS: a page of a shared file mapping lies past the end of its file (the file shrank)",
					vmm->opt->program);
				vmm->killed_by = SIGBUS;
				vmm->status = 128 + SIGBUS;
				vmm->done = true;
				vmm_threads_stop(vmm);
				pthread_mutex_unlock(&vmm->lock);
				break;
			}
			vmm_err("KVM_RUN failed: %s", strerror(errno));
			vmm->status = LSTAR_EXIT_FAILURE;
			break;
		}
		if (vmm->stats) {
			clock_gettime(CLOCK_MONOTONIC, &t_exit);
			vmm_stats_guest(vmm, is_hypercall(run) || is_forward(run),
					&t_run, &t_exit);
		}
		if (run->exit_reason == KVM_EXIT_IRQ_WINDOW_OPEN)
			continue;	/* ring 3 takes interrupts: inject now */
		if (is_forward(run)) {
			struct kvm_regs regs;

			if (!vmm_forward_take(cpu, &regs))
				continue;
			if (!hypercall(cpu, LSTAR_HC_SYSCALL, (uint32_t)cpu->hc_gpa))
				break;
			vmm_forward_resume(cpu, &regs);
			continue;
		}
		if (is_hypercall(run)) {
			uint32_t gpa;

			memcpy(&gpa, (uint8_t *)run + run->io.data_offset, 4);
			/* The floor probe's exit: as bare as an exit can be. */
			if (run->io.port == LSTAR_HC_PORT + LSTAR_HC_FLOOR && vmm->opt->floor) {
				if (vmm->opt->floor_exits)
					__atomic_add_fetch(vmm->opt->floor_exits, 1,
							   __ATOMIC_RELAXED);
				continue;
			}
			if (!hypercall(cpu, run->io.port - LSTAR_HC_PORT, gpa))
				break;
			continue;
		}
		pthread_mutex_lock(&vmm->lock);
		shim_failure(cpu);
		vmm_threads_stop(vmm);
		pthread_mutex_unlock(&vmm->lock);
	}
	/* lstar fuzz: the next execution, from the snapshot. */
	if (vmm->fuzz && !stop_signal && vmm_fuzz_next(cpu))
		goto again;
	if (vmm->child && cpu == vmm->main)
		vmm_child_end(vmm);
	return vmm->status;
}

_Noreturn void vmm_child_end(struct vmm *vmm)
{
	pthread_mutex_lock(&vmm->lock);
	vmm_threads_stop(vmm);
	pthread_mutex_unlock(&vmm->lock);
	vmm_threads_join(vmm);
	fflush(NULL);
	vmm_learn_share(vmm);
	vmm_stats_share(vmm);
	/* As Linux's exit: the process's files go (their locks, a pipe's
	 * last writer) before its parent can learn that it ended. */
	vmm_fd_close_all(&vmm->proc);
	vmm_procs_exit(vmm);
	/* Started through the exec socket: the client learns how it ended,
	 * once the book says so. */
	vmm_spawn_report(vmm);
	_exit(0);
}

/* The run was cut short by --timeout: say so, in the status and in the
 * trace. */
static void stopped(struct vmm *vmm)
{
	if (stop_signal == SIGALRM) {
		vmm_err("%s: timed out after %g seconds", vmm->opt->program,
			vmm->opt->timeout);
		vmm->status = LSTAR_EXIT_TIMEOUT;
	} else {
		vmm_err("%s: stopped: lstar got SIG%s", vmm->opt->program,
			sigabbrev_np(stop_signal));
		vmm->status = 128 + stop_signal;
	}
	vmm->stopped_by = stop_signal;
	vmm_trace_stop(vmm);
}

/* Copy the compiled policy into pool pages of its own; 0 or -ENOMEM. */
static int place_policy(struct vmm *vmm, struct lstar_boot_info *bi)
{
	struct vmm_mem *m = &vmm->vm.mem;
	uint64_t size = vmm->proc.policy->table_size;
	uint64_t pages = (size + PAGE_SIZE - 1) / PAGE_SIZE;
	void *dst;

	if (pages > (m->pool_end - m->pool_next) / PAGE_SIZE)
		return -ENOMEM;
	bi->policy = m->pool_next;
	bi->policy_size = size;
	m->pool_next += pages * PAGE_SIZE;
	dst = vmm_mem_ptr(m, bi->policy, size);
	if (!dst)
		return -ENOMEM;
	memcpy(dst, vmm->proc.policy->table, size);
	/* The shim reports calls (boot flags, set before): none may take
	 * the fast path, which reports nothing. */
	if (bi->flags & (LSTAR_BOOT_TRACE | LSTAR_BOOT_VERBOSE))
		memset(((struct lstar_policy_table *)dst)->fast, 0, LSTAR_POLICY_NR);
	else
		vmm_mark_fast_ways(((struct lstar_policy_table *)dst)->fast);
	return 0;
}

/* What the steps of a run hand on to each other. */
struct boot {
	struct vmm_image img;		/* the program */
	struct vmm_vcpu *cpu;		/* where its first thread runs */
	bool exec;			/* execve's: the VM and vCPU are there */
	uint64_t bias;			/* a PIE's load address */
	uint64_t interp_base;		/* the interpreter's, or 0 */
	uint64_t entry;			/* where the program starts: its
					 * interpreter's entry, or its own */
	struct lstar_shim_header hdr;
	struct lstar_boot_info bi;
	struct exec_req *inside;	/* --inside: what img points at */
};

const char *vmm_load_error(int err)
{
	return err == -ENODATA ? "the file is shorter now than when it was checked" :
	       err == -ENOMEM ? "it does not fit in --mem" : strerror(-err);
}

/* -ENOMEM from a step that fills guest memory: the program does not fit
 * --mem.  Other errors the step reported itself. */
static int no_room(struct vmm *vmm, int err)
{
	if (err == -ENOMEM)
		vmm_err("%s: does not fit in --mem %llu MiB", vmm->opt->program,
			(unsigned long long)(vmm->opt->mem >> 20));
	return err;
}

/* 1. The program: opened and checked before KVM is touched. */
static int read_image(struct vmm *vmm, struct boot *b)
{
	const char *program = vmm->opt->program;
	char why[256];
	int err;

	/* The one open of the file: what is loaded is what /proc/self/exe
	 * runs. */
	if ((vmm->proc.exe_fd = b->img.fd = open(program, O_RDONLY | O_CLOEXEC)) < 0) {
		err = -errno;
		vmm_err("%s: %s", program, strerror(-err));
		return err;
	}
	if ((err = program_size(b->img.fd, &b->img.size))) {
		vmm_err("%s: %s", program, strerror(-err));
		return err;
	}
	if (vmm_image_check(&b->img, why, sizeof(why))) {
		vmm_err("%s: %s", program, why);
		return -ENOEXEC;
	}
	return 0;
}

int vmm_image_check(struct vmm_image *img, char *why, size_t len)
{
	if (vmm_elf_parse_fd(img->fd, img->size, &img->elf, why, len))
		return -ENOEXEC;
	if (!img->elf.pie && img->elf.hi > IMAGE_TOP) {
		snprintf(why, len, "segments reach 0x%llx, into the stack's area (above 0x%llx)",
			 (unsigned long long)img->elf.hi, (unsigned long long)IMAGE_TOP);
		return -ENOEXEC;
	}
	return 0;
}

int vmm_image_interp(struct vmm_vcpu *cpu, struct vmm_image *img, char *why, size_t len)
{
	const char *name = img->elf.interp;
	char inner[200];
	bool bad = true;
	int fd, err;

	if (!name[0])
		return 0;
	fd = vmm_fs_open_exec(cpu, AT_FDCWD, name, false);
	if (fd == -ENOENT && !vmm_fs_sees(cpu->proc, name)) {
		snprintf(why, len, "interpreter %s: outside every tree the program sees "
			 "(--system grants the host's, or --ro the directory that holds it)",
			 name);
		return fd;
	}
	if (fd < 0) {
		snprintf(why, len, "interpreter %s: %s", name, strerror(-fd));
		return fd;
	}
	if ((err = program_size(fd, &img->interp_size))) {
		close(fd);
		snprintf(why, len, "interpreter %s: %s", name,
			 err == -EACCES ? "not a regular file" : strerror(-err));
		return err;
	}
	/* Linux's ELIBBAD: a file that is no interpreter lstar can load.
	 * One that names an interpreter itself (itself, say) is refused
	 * as Linux refuses it: no chains. */
	if (vmm_elf_parse_fd(fd, img->interp_size, &img->interp_elf, inner, sizeof(inner)))
		snprintf(why, len, "interpreter %s: %s", name, inner);
	else if (img->interp_elf.interp[0])
		snprintf(why, len, "interpreter %s: names an interpreter itself (%s)",
			 name, img->interp_elf.interp);
	else if (!img->interp_elf.pie)
		snprintf(why, len, "interpreter %s: not position-independent (ELF type ET_EXEC)",
			 name);
	else
		bad = false;
	if (bad) {
		close(fd);
		return -ELIBBAD;
	}
	img->interp_fd = fd;
	return 0;
}

void vmm_image_release(struct vmm_image *img)
{
	if (img->interp_fd >= 0)
		close(img->interp_fd);
	img->interp_fd = -1;
}

/* 2. The process: the trees the program may see (the policy's path rules,
 * --ro and --rw among them), opened now (never by path later), and its
 * working directory. */
/* --tmp and --tmpfs: directories of the program's own (/tmp and /dev/shm
 * for --tmp), in one tmpfs made for the run (tmpfs.c). */
static int private_dirs(struct vmm_process *proc, const struct vmm_options *opt)
{
	char why[256];
	int root, err;

	if ((err = vmm_tmpfs_make(opt->tmp_size, opt->ntmpfs, &root, why, sizeof(why)))) {
		vmm_err("--tmp: %s", why);
		return err;
	}
	for (int i = 0; i < opt->ntmpfs && !err; i++) {
		const char *dir = opt->tmpfs_dirs[i];
		char name[16];
		int fd;

		snprintf(name, sizeof(name), "%d", i);
		fd = openat(root, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		err = fd < 0 ? -errno : vmm_fs_grant_private(proc, dir, fd);
		if (err == -EEXIST)
			vmm_err("--tmp: %s is granted already (--ro, --rw, a path rule or "
				"--tmpfs): a private one cannot be there too", dir);
		else if (err == -EXDEV)
			vmm_err("--tmp: a read-only tree lies inside %s, which --tmp makes "
				"the program's own", dir);
		else if (err)
			vmm_err("--tmp: %s: %s", dir, strerror(-err));
	}
	close(root);
	return err;
}

static int open_process(struct vmm *vmm)
{
	struct vmm_process *proc = &vmm->proc;
	const struct vmm_options *opt = vmm->opt;
	int err;

	for (int i = 0; i < proc->policy->npaths; i++) {
		const struct lstar_policy_path *p = &proc->policy->paths[i];
		char where[256];

		if ((err = vmm_fs_grant(proc, p->path, p->guest, p->writable))) {
			char real[PATH_MAX], rule[2 * PATH_MAX];

			lstar_policy_where(proc->policy, p->src, where, sizeof(where));
			snprintf(rule, sizeof(rule), "path %s %s%s%s", p->writable ? "rw" : "ro",
				 p->path, p->guest ? " as " : "", p->guest ? p->guest : "");
			if (err == -ELOOP && realpath(p->path, real))
				vmm_err("%s: %s: a component is a symlink; "
					"a policy names directories and files as they are (%s?)",
					where, rule, real);
			else if (err == -EINVAL)
				vmm_err("%s: %s: neither a directory nor a regular "
					"file", where, rule);
			else if (err == -ENOSYS)
				vmm_err("%s: %s: a file is granted through "
					"/proc/self/fd, and this host has no /proc", where, rule);
			else if (err == -ENODEV)
				vmm_err("%s: %s: one of lstar's own devices, there in "
					"every run without a grant (never the host's)", where, rule);
			else if (err == -EEXIST)
				vmm_err("%s: %s: another tree is seen at %s already; "
					"two trees cannot be at one path", where, rule,
					p->guest ? p->guest : p->path);
			else if (err == -ENOTDIR && p->guest)
				vmm_err("%s: %s: a file cannot be the program's /", where, rule);
			else
				vmm_err("%s: %s: %s", where, rule, err == -EXDEV ?
					"a read-only tree cannot lie inside a writable one "
					"(on the host, wherever the program sees them)" :
					strerror(-err));
			return err;
		}
	}
	if (opt->system && (err = vmm_fs_system(proc)))
		return err;
	if (opt->ntmpfs && (err = private_dirs(proc, opt)))
		return err;
	/* net dns: the host's resolv.conf is read now, while lstar may
	 * still open it; /etc may then be made up (the cwd's lookup). */
	if ((err = vmm_dns_init(proc)))
		return err;
	if ((err = vmm_fs_set_cwd(proc, opt->cwd))) {
		if (opt->cwd && err == -EXDEV)
			vmm_err("--cwd %s: outside every tree the program sees "
				"(grant it with --ro or --rw)", opt->cwd);
		else if (opt->cwd)
			vmm_err("--cwd %s: %s", opt->cwd, strerror(-err));
		else
			vmm_err("cannot find the current directory: %s", strerror(-err));
		return err;
	}
	/* The devices every run has (dev.c): their host side. */
	if ((err = vmm_dev_init(proc))) {
		vmm_err("cannot make the devices' file: %s", strerror(-err));
		return err;
	}
	vmm_fd_init(proc);
	if ((err = vmm_rlimit_start(proc, opt)))
		return err;
	return 0;
}

/* 2a. --inside: the program, found in the trees just opened (its
 * interpreter with it, as execve finds one). */
static int find_inside(struct vmm *vmm, struct boot *b)
{
	int err = vmm_exec_first(b->cpu, &b->img, &vmm->proc.exe_fd, &b->inside);

	if (err)
		vmm_err("%s: %s", vmm->opt->program, err == -ENOEXEC ?
			"not a program lstar can run (an ELF, or a #! line)" : strerror(-err));
	return err;
}

/* 2b. A dynamic program's interpreter, found beneath the trees as the
 * program itself would find it. */
static int open_interp(struct boot *b)
{
	char why[512];
	int err;

	if ((err = vmm_image_interp(b->cpu, &b->img, why, sizeof(why))))
		vmm_err("%s: %s", b->img.program, why);
	return err;
}

/* 3. The VM and its memory: the fixed low 18 MiB, then the pool, which
 * also holds the page tables, the shim's books and the policy table. */
static int build_vm(struct vmm *vmm, struct boot *b)
{
	const struct vmm_options *opt = vmm->opt;
	int err;

	if (b->exec) {
		/* The same VM and memory, emptied: every page reads zero.  The
		 * slot is given to KVM again, so that nothing it derived from
		 * the old page tables (shadow pages, where the MMU is not the
		 * hardware's) outlives them. */
		struct kvm_userspace_memory_region none = { .slot = 0 };

		/* The old program's attachments and shared file
		 * mappings go with its memory. */
		vmm_shm_detach_all(vmm);
		vmm_fmap_reset(vmm);
		if (ioctl(vmm->vm.fd, KVM_SET_USER_MEMORY_REGION, &none) < 0)
			return -errno;
		if ((err = vmm_mem_reset(&vmm->vm.mem)) || (err = vmm_vm_add_memory(&vmm->vm)))
			return err;
	} else {
		if ((err = create_vm(&vmm->vm)))
			return err;
		if ((err = vmm_mem_init(&vmm->vm.mem, opt->mem))) {
			vmm_err("cannot reserve %llu MiB of guest memory: %s",
				(unsigned long long)(opt->mem >> 20), strerror(-err));
			return err;
		}
		/* The segments' region, --mem bytes, made before any fork
		 * so that every process of the sandbox shares it; lstar
		 * fuzz has none (a segment would outlive an execution). */
		if (!opt->fuzz && ((err = vmm_mem_shm_init(&vmm->vm.mem, opt->mem)) ||
				   (err = vmm_mem_map_init(&vmm->vm.mem, opt->mem)))) {
			vmm_err("cannot reserve %llu MiB for shared memory: %s",
				(unsigned long long)(opt->mem >> 20), strerror(-err));
			return err;
		}
	}
	vmm_mem_reserve_shim_books(&vmm->vm.mem);
	if (!b->exec && (err = vmm_vm_add_memory(&vmm->vm))) {
		vmm_err("cannot give guest memory to KVM: %s", strerror(-err));
		return err;
	}
	/* Which calls the shim reports decides what the table may say. */
	b->bi.flags = (opt->verbose ? LSTAR_BOOT_VERBOSE : 0) |
		      (opt->probe_msr ? LSTAR_BOOT_PROBE_MSR : 0) |
		      (opt->floor ? LSTAR_BOOT_FLOOR : 0) |
		      (opt->trace || opt->learn_path || opt->stats ? LSTAR_BOOT_TRACE : 0) |
		      (opt->fuzz ? LSTAR_BOOT_FUZZ : 0);
	return no_room(vmm, place_policy(vmm, &b->bi));
}

/*
 * The interpreter, at a random page-aligned base in the 256 MiB below
 * IMAGE_TOP: under the stack and the mmap area's start, where Linux too
 * puts it (its mmap base), and above any program lstar runs but one that
 * reaches that high (then refused: they would overlap).  The program
 * starts there; AT_BASE tells it where.
 */
static int load_interp(struct vmm *vmm, struct boot *b)
{
	const struct vmm_elf *ie = &b->img.interp_elf;
	uint64_t span = ie->hi - ie->lo;	/* lo is 0: checked, ET_DYN */
	uint64_t lo = b->img.elf.lo + b->bias, hi = b->img.elf.hi + b->bias;
	int err;

	if (span > IMAGE_TOP / 2) {
		vmm_err("%s: interpreter %s: segments span an absurd 0x%llx bytes",
			b->img.program, b->img.elf.interp, (unsigned long long)span);
		return -ENOEXEC;
	}
	b->interp_base = IMAGE_TOP - span - (random_u64() % 65536) * PAGE_SIZE;
	if (b->interp_base < hi && lo < b->interp_base + span) {
		vmm_err("%s: the program reaches 0x%llx, where its interpreter %s goes",
			b->img.program, (unsigned long long)hi, b->img.elf.interp);
		return -ENOEXEC;
	}
	if ((err = vmm_elf_load(&vmm->vm.mem, ie, b->img.interp_fd, b->interp_base, &b->bi))) {
		if (err == -E2BIG)	/* the boot VMAs the shim takes */
			vmm_err("%s: with its interpreter %s, more than %d mappings to start with",
				b->img.program, b->img.elf.interp, LSTAR_BOOT_MAX_VMAS);
		else if (err != -ENOMEM)
			vmm_err("%s: cannot load its interpreter %s: %s", b->img.program,
				b->img.elf.interp, vmm_load_error(err));
		return no_room(vmm, err);
	}
	b->entry = ie->entry + b->interp_base;
	return 0;
}

/* 4. The shim, the direct map of the pool, and the program's segments
 * (a PIE at a random base), then its interpreter's if it is dynamic; the
 * break starts past the program's image, at a random page offset. */
static int load_images(struct vmm *vmm, struct boot *b)
{
	int err;

	if ((err = load_shim(vmm, &b->hdr))) {
		vmm_err("the embedded shim image is unusable (%s)", strerror(-err));
		return err;
	}
	if ((err = vmm_mem_map_direct(&vmm->vm.mem)))
		return no_room(vmm, err);
	if (b->img.elf.pie)
		b->bias = 0x555555554000ULL + (random_u64() % (1ULL << 28)) * PAGE_SIZE;
	if ((err = vmm_elf_load(&vmm->vm.mem, &b->img.elf, b->img.fd, b->bias, &b->bi))) {
		if (err != -ENOMEM)
			vmm_err("%s: cannot load: %s", b->img.program, vmm_load_error(err));
		return no_room(vmm, err);
	}
	b->bi.brk_start = b->img.elf.hi + b->bias + (random_u64() % 8192) * PAGE_SIZE;
	b->entry = b->img.elf.entry + b->bias;
	if (b->img.interp_fd >= 0 && (err = load_interp(vmm, b)))
		return err;
	vmm_image_release(&b->img);
	return 0;
}

/* 5. The first vCPU (its CPUID decides AT_HWCAP), the stack and the vDSO. */
static int start_cpu(struct vmm *vmm, struct boot *b)
{
	const struct vmm_image *img = &b->img;
	struct vmm_stack_args args = {
		.argc = img->argc, .argv = img->argv,
		.envc = img->envc, .envp = img->envp,
		.execfn = img->program,
		.at_phdr = img->elf.phdr_vaddr + b->bias,
		.at_phnum = img->elf.phnum, .at_phent = img->elf.phentsize,
		.at_entry = img->elf.entry + b->bias,
		.at_base = b->interp_base,
		.uid = vmm->proc.uid, .gid = vmm->proc.gid,
	};
	struct vmm_vcpu *cpu = b->cpu;
	int err;

	/* The program's first thread, run by the calling host thread
	 * (lstar's own, at the start). */
	cpu->tid = img->pid;
	cpu->host_tid = (int)syscall(SYS_gettid);
	cpu->thread = pthread_self();
	vmm->vm.shim = b->hdr;
	cpu->start = LSTAR_START_BOOT;
	if ((!b->exec && (err = vmm_vcpu_create(vmm, cpu->index))) ||
	    (err = vmm_cpu_setup(cpu, &b->hdr, &args.hwcap, &args.hwcap2))) {
		vmm_err("cannot set up the vCPU: %s", strerror(-err));
		return err;
	}
	if (getrandom(args.random, sizeof(args.random), 0) != sizeof(args.random)) {
		err = -errno;
		vmm_err("getrandom: %s", strerror(errno));
		return err;
	}
	if ((err = build_stack(cpu, &args, img->elf.exec_stack, &b->bi))) {
		if (err == -ENOEXEC)
			vmm_err("the embedded vDSO image is unusable");
		else if (err != -ENOMEM)
			vmm_err("%s: arguments and environment do not fit the stack",
				img->program);
		return no_room(vmm, err);
	}
	return 0;
}

/*
 * The boot VMAs as the shim keeps its map: by address, none overlapping,
 * neighbours with the same protection and kind merged.  The shim copies
 * them as they are (mm_init), so the sorting and merging, which would
 * cost it hundreds of emulated instructions per boot, happen here.
 * False when two overlap or one is empty (lstar built them wrong).
 */
bool vmm_order_boot_vmas(struct lstar_boot_info *bi)
{
	struct lstar_boot_vma *v = bi->vmas;
	uint32_t n = 0;

	for (uint32_t i = 1; i < bi->nr_vmas; i++) {
		struct lstar_boot_vma x = v[i];
		uint32_t j = i;

		for (; j > 0 && v[j - 1].start > x.start; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	for (uint32_t i = 0; i < bi->nr_vmas; i++) {
		struct lstar_boot_vma *last = n ? &v[n - 1] : NULL;

		if (v[i].start >= v[i].end || (last && v[i].start < last->end))
			return false;
		if (last && last->end == v[i].start && last->prot == v[i].prot &&
		    last->flags == v[i].flags)
			last->end = v[i].end;
		else
			v[n++] = v[i];
	}
	memset(&v[n], 0, (bi->nr_vmas - n) * sizeof(*v));
	bi->nr_vmas = n;
	return true;
}

/* 6. The boot information, last: it records where everything is. */
static int write_boot_info(struct vmm *vmm, struct boot *b)
{
	struct lstar_boot_info *bi = &b->bi;
	const struct vmm_mem *m = &vmm->vm.mem;

	bi->magic = LSTAR_BOOT_MAGIC;
	bi->abi_version = LSTAR_ABI_VERSION;
	bi->platform = vmm->vm.platform;
	bi->pool_start = LSTAR_POOL_GPA;
	bi->pool_end = m->pool_end;
	bi->shm_gpa = m->shm_gpa;
	bi->shm_size = m->shm_size;
	bi->map_gpa = m->map_gpa;
	bi->map_size = m->map_size;
	bi->pool_next = m->pool_next;
	bi->free_stack = m->free_stack;
	bi->free_stack_slots = m->free_stack_slots;
	bi->table_counts = m->table_counts;
	bi->pml4 = m->pml4;
	bi->entry = b->entry;
	bi->fpstate_size = vmm_fpu_frame_size(b->cpu);
	/* `limit threads`, else as many as there are vCPUs to have. */
	bi->max_threads = vmm->proc.policy->threads ? (uint32_t)vmm->proc.policy->threads :
						      LSTAR_MAX_VCPUS;
	bi->nr_cpus = host_cpus();
	bi->pid = b->img.pid;
	bi->ppid = b->img.ppid;
	bi->sig_blocked = b->img.sig_blocked;
	bi->sig_ignored = b->img.sig_ignored;
	bi->uid = vmm->proc.uid;
	bi->gid = vmm->proc.gid;
	/* NUL-padded: the shim hands uname all 65 bytes.  main.c checked
	 * the length. */
	memset(bi->nodename, 0, sizeof(bi->nodename));
	strncpy(bi->nodename, vmm->opt->hostname ? vmm->opt->hostname : LSTAR_GUEST_HOSTNAME,
		sizeof(bi->nodename) - 1);
	if (!vmm_order_boot_vmas(bi)) {
		vmm_err("%s: the program's mappings overlap", b->img.program);
		return -ENOEXEC;
	}
	vmm_vdso_gate(&vmm->vm, bi, ((const struct lstar_policy_table *)
				     vmm_mem_ptr(m, bi->policy, bi->policy_size))->fast);
	memcpy(vmm_mem_ptr(m, LSTAR_BOOT_GPA, sizeof(*bi)), bi, sizeof(*bi));
	return 0;
}

/* 7. The observers (--trace, --learn: their files are created now, as
 * nothing can be once lstar is confined), the timer and the signals that
 * stop a run.  A write to a closed pipe must come back as EPIPE for the
 * shim to decide on, not kill lstar. */
static int start_observers(struct vmm *vmm)
{
	const struct vmm_options *opt = vmm->opt;
	int err;

	signal(SIGPIPE, SIG_IGN);
	if ((err = vmm_trace_open(vmm))) {
		vmm_err("--trace=%s: %s", opt->trace_path, vmm_output_error(err));
		return err;
	}
	if ((err = vmm_stats_open(vmm))) {
		vmm_err("--stats: %s", strerror(-err));
		return err;
	}
	if (opt->learn_path && (err = vmm_learn_open(vmm))) {
		vmm_err("--learn %s: %s", opt->learn_path,
			err == -EINVAL ? "not a regular file" : vmm_output_error(err));
		return err;
	}
	if ((err = start_timer(opt->timeout)) || (err = vmm_signal_catch()) ||
	    (err = vmm_timer_catch(&vmm->proc))) {
		vmm_err("cannot start the timer: %s", strerror(-err));
		return err;
	}
	if ((err = vmm_procs_create(vmm))) {
		vmm_err("cannot start the process book: %s", strerror(-err));
		return err;
	}
	return 0;
}

/* 8. --host-user: the VMM becomes the container's user (identity.c),
 * after what needs root (/dev/kvm and the VM, the trees opened, the
 * tmpfs mounted, the exec socket bound and its remover forked, which
 * stays root to remove it from a directory of root's) and before it is
 * confined; every VMM forked later (processes, the spawner) is that user
 * too.  --trace's and --learn's files, opened already, stay lstar's own. */
static int become_host_user(struct vmm *vmm)
{
	return vmm_identity_become_host_user(vmm->opt);
}

/* 9. lstar boxes itself in (confine.c). */
static int confine(struct vmm *vmm)
{
	int err;

	if (vmm->opt->confine && (err = vmm_confine(vmm))) {
		vmm_err("cannot confine lstar itself: %s", strerror(-err));
		return err;
	}
	return 0;
}

/* 10. Run the program until it ends, lstar gives up, or a signal stops it;
 * then write what --learn learned. */
static int run_program(struct vmm *vmm)
{
	int err;

	running = vmm;
	atomic_store(&vmm->vcpu[0].state, VMM_VCPU_RUNNING);
	vmm_signal_kick_target(vmm);
	/* Confined already: threads inherit the filter and the rules only
	 * from the thread that made them. */
	if ((err = vmm_procs_watch(vmm))) {
		vmm_err("cannot start the process watcher: %s", strerror(-err));
		return LSTAR_EXIT_FAILURE;
	}
	vmm_vcpu_loop(&vmm->vcpu[0]);
	pthread_mutex_lock(&vmm->lock);
	vmm_threads_stop(vmm);
	pthread_mutex_unlock(&vmm->lock);
	vmm_threads_join(vmm);
	vmm_signal_kick_target(NULL);
	running = NULL;
	/* Another process broke a kill rule: that ends the sandbox (159),
	 * even when this first process ended of it before the watcher
	 * could stop the run.  The flag is set before the process's end
	 * can be seen by anyone, so a first process that saw it sees the
	 * flag too. */
	if (vmm->procs && atomic_load(&vmm->procs->rule_killed) && !vmm->fuzz) {
		vmm->status = 128 + SIGSYS;
		vmm->killed_by = SIGSYS;
	}
	vmm_fuzz_stop(vmm);
	if (getenv("LSTAR_MM_AUDIT")) {
		char why[160] = "";

		if (vmm_mem_audit(&vmm->vm.mem, why, sizeof(why)))
			vmm_err("mm audit: %s", why);
	}
	/* The sandbox's init ended: so do the other processes. */
	vmm_procs_end(vmm);
	if (stop_signal && !vmm->done)
		stopped(vmm);
	vmm_stats_print(vmm);
	if (vmm->opt->learn_path && (err = vmm_learn_finish(vmm))) {
		vmm_err("--learn %s: %s", vmm->opt->learn_path, strerror(-err));
		vmm->status = LSTAR_EXIT_FAILURE;
	}
	return vmm->status;
}

void vmm_init(struct vmm *vmm, const struct vmm_options *opt)
{
	memset(vmm, 0, sizeof(*vmm));
	pthread_mutex_init(&vmm->lock, NULL);
	pthread_cond_init(&vmm->idle, NULL);
	vmm->opt = opt;
	vmm->status = LSTAR_EXIT_FAILURE;
	vmm->vm.kvm_fd = vmm->vm.fd = -1;
	vmm->lifeline[0] = vmm->lifeline[1] = -1;
	vmm->exec_listen = vmm->exec_conn = -1;
	vmm->main = &vmm->vcpu[0];
	for (int i = 0; i < LSTAR_MAX_VCPUS; i++) {
		struct vmm_vcpu *cpu = &vmm->vcpu[i];

		cpu->vmm = vmm;
		pthread_cond_init(&cpu->wake, NULL);
		cpu->proc = &vmm->proc;
		cpu->mem = &vmm->vm.mem;
		cpu->index = i;
		cpu->fd = -1;
		cpu->hc_gpa = LSTAR_HC_BLOCK_GPA(i);
	}
	vmm->proc.policy = opt->policy;
	vmm->proc.cwd_fd = -1;
	vmm->proc.exe_fd = -1;
	vmm->proc.dev_fd = -1;
	vmm->proc.dns.resolv_fd = vmm->proc.dns.hosts_fd = -1;
	/* Whose files are the program's own (fs.c): the VMM's host user's
	 * (--host-user, else lstar's), shown
	 * as the ids the program is told are its own. */
	vmm->starter_uid = geteuid();
	vmm->proc.host_uid = opt->host_user_set ? opt->host_uid : geteuid();
	vmm->proc.host_gid = opt->host_user_set ? opt->host_gid : getegid();
	vmm->proc.uid = opt->uid_set ? opt->uid : LSTAR_GUEST_UID;
	vmm->proc.gid = opt->gid_set ? opt->gid : LSTAR_GUEST_GID;
}

/*
 * execve, past the point of no return: the program in img (whose file
 * and its interpreter's are taken) replaces the one in the VM.  The
 * memory is emptied and built again as for the first program; cpu starts it at the shim's entry, and
 * the vCPUs of threads that ended are set to start new ones there.  0,
 * or -errno when the process cannot go on.
 */
int vmm_exec_image(struct vmm_vcpu *cpu, struct vmm_image *img)
{
	struct vmm *vmm = cpu->vmm;
	struct boot *b = calloc(1, sizeof(*b));
	int err;

	if (!b) {
		vmm_image_release(img);
		return -ENOMEM;
	}
	b->img = *img;
	img->interp_fd = -1;
	b->cpu = cpu;
	b->exec = true;
	vmm_vcpu_settle(cpu);
	if ((err = build_vm(vmm, b)) || (err = load_images(vmm, b)) ||
	    (err = start_cpu(vmm, b)) || (err = write_boot_info(vmm, b)))
		goto out;
	err = vmm_threads_exec(vmm, cpu);
out:
	vmm_image_release(&b->img);
	free(b);
	return err;
}

/*
 * LSTAR_FD_AUDIT (tools/fuzz-boundary.sh): once the run is torn down,
 * every host descriptor lstar opened for it must be closed again; one
 * still open is a leak, said on stderr.  (lstar closes all but 0, 1 and
 * 2 before the run; lstar fuzz's fork-server pipes are its driver's.)
 */
static void audit_descriptors(void)
{
	char list[256] = "";
	size_t len = 0;

	if (!getenv("LSTAR_FD_AUDIT"))
		return;
	for (int fd = 3; fd < LSTAR_MAX_FDS + 64; fd++)
		if ((fd < 198 || fd > 199) && fcntl(fd, F_GETFD) >= 0 && len < sizeof(list) - 64) {
			char link[32], what[40] = "?";
			ssize_t n;

			snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
			if ((n = readlinkat(AT_FDCWD, link, what, sizeof(what) - 1)) > 0)
				what[n] = 0;
			len += (size_t)snprintf(list + len, sizeof(list) - len, " %d (%s)", fd, what);
		}
	if (len)
		vmm_err("fd audit: leaked host descriptors:%s", list);
}

/* The end of step s of a run, for lstar doctor's account; always 0, to
 * sit in a chain of steps. */
static int step_done(const struct vmm_options *opt, enum vmm_step s, double *since)
{
	double now;

	if (opt->steps) {
		now = vmm_now();
		opt->steps->took[s] = now - *since;
		*since = now;
	}
	return 0;
}

int vmm_run(const struct vmm_options *opt)
{
	struct vmm *vmm = malloc(sizeof(*vmm));
	struct boot *b = calloc(1, sizeof(*b));
	int status = LSTAR_EXIT_FAILURE;
	double t = opt->steps ? vmm_now() : 0;

	if (!vmm || !b)
		goto out;
	vmm_init(vmm, opt);
	b->img = (struct vmm_image){
		.program = opt->program, .fd = -1, .interp_fd = -1,
		.argc = opt->argc, .argv = opt->argv, .envc = opt->envc, .envp = opt->envp,
		.pid = LSTAR_GUEST_PID, .ppid = LSTAR_GUEST_PPID,
	};
	b->cpu = &vmm->vcpu[0];

	if ((opt->inside ? open_process(vmm) || find_inside(vmm, b) :
			   read_image(vmm, b) || open_process(vmm) || open_interp(b)) ||
	    step_done(opt, VMM_STEP_PROGRAM, &t) ||
	    build_vm(vmm, b) || step_done(opt, VMM_STEP_VM, &t) ||
	    load_images(vmm, b) || step_done(opt, VMM_STEP_IMAGES, &t) ||
	    start_cpu(vmm, b) || step_done(opt, VMM_STEP_VCPU, &t) ||
	    write_boot_info(vmm, b) || start_observers(vmm) || vmm_spawn_open(vmm) ||
	    vmm_fuzz_open(vmm) || become_host_user(vmm) || confine(vmm) || vmm_spawn_start(vmm) ||
	    step_done(opt, VMM_STEP_CONFINE, &t))
		goto out;
	status = run_program(vmm);
	step_done(opt, VMM_STEP_RUN, &t);
out:
	if (vmm) {
		vmm_fuzz_close(vmm);
		vmm_learn_close(vmm);
		vmm_trace_close(vmm);
		vmm_stats_close(vmm);
		for (int i = 0; i < LSTAR_MAX_VCPUS; i++)
			destroy_vcpu(&vmm->vcpu[i]);
		destroy_process(&vmm->proc);
		destroy_vm(&vmm->vm);
		for (int i = 0; i < 2; i++)
			if (vmm->lifeline[i] >= 0)
				close(vmm->lifeline[i]);
		if (vmm->exec_listen >= 0)
			close(vmm->exec_listen);
	}
	if (b) {
		vmm_image_release(&b->img);
		vmm_exec_first_free(b->inside);
	}
	free(b);
	free(vmm);
	audit_descriptors();
	step_done(opt, VMM_STEP_TEARDOWN, &t);
	return status;
}
