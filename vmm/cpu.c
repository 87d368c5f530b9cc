/* SPDX-License-Identifier: MIT */
/*
 * cpu.c - which KVM this is, and the vCPU's state at the shim's first
 * instruction: 64-bit mode on the shim's page tables, GDT and TSS, a
 * filtered CPUID, XCR0 matching it, a clean FPU.
 */
#include <cpuid.h>
#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vmm.h"


/* XCR0 components lstar enables when KVM offers them: x87, SSE, AVX and
 * AVX-512 state.  AMX needs a per-process permission and is left out. */
#define XCR0_WANTED	0xe7ULL

enum lstar_platform vmm_detect_platform(void)
{
	unsigned int a, b, c, d;

	if (access("/sys/module/kvm_pvm", F_OK) == 0)
		return LSTAR_PLATFORM_PVM;
	if (access("/sys/module/kvm_intel", F_OK) == 0)
		return LSTAR_PLATFORM_VMX;
	if (access("/sys/module/kvm_amd", F_OK) == 0)
		return LSTAR_PLATFORM_SVM;
	/* Built-in modules do not always show: fall back on the vendor. */
	if (__get_cpuid(0, &a, &b, &c, &d)) {
		if (b == 0x756e6547)		/* "Genu"ineIntel */
			return LSTAR_PLATFORM_VMX;
		if (b == 0x68747541)		/* "Auth"enticAMD */
			return LSTAR_PLATFORM_SVM;
	}
	return LSTAR_PLATFORM_UNKNOWN;
}

const char *vmm_platform_name(enum lstar_platform p)
{
	switch (p) {
	case LSTAR_PLATFORM_VMX:
		return "hardware KVM (Intel VMX)";
	case LSTAR_PLATFORM_SVM:
		return "hardware KVM (AMD SVM)";
	case LSTAR_PLATFORM_PVM:
		return "PVM (kvm_pvm, paravirtualized)";
	default:
		return "unknown";
	}
}

static struct kvm_cpuid2 *supported_cpuid(int kvm_fd)
{
	for (int n = 64; n <= 4096; n *= 2) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));

		if (!c)
			return NULL;
		c->nent = n;
		if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0)
			return c;
		free(c);
		if (errno != E2BIG)
			return NULL;
	}
	return NULL;
}

/* The bytes of an XSAVE image (standard format) of the components in
 * xcr0: the legacy area and the header, then each component at its offset
 * (CPUID leaf 0xD). */
static uint32_t xsave_size(const struct kvm_cpuid2 *c, uint64_t xcr0)
{
	uint32_t size = 512 + 64;

	for (uint32_t i = 0; i < c->nent; i++) {
		const struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function == 0xd && e->index >= 2 && e->index < 64 &&
		    (xcr0 & (1ULL << e->index)) && e->ebx + e->eax > size)
			size = e->ebx + e->eax;
	}
	return size;
}

/*
 * The guest's CPUID: what KVM supports, minus what a sandboxed program has
 * no use for: no VMX/SVM (no nesting from inside), no hypervisor bit and
 * no hypervisor leaves, XSAVE components limited to XCR0_WANTED.
 */
static uint64_t filter_cpuid(struct kvm_cpuid2 *c, uint64_t *hwcap,
			     uint64_t *fsgsbase)
{
	uint64_t xcr0 = 0;
	uint32_t w = 0;

	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function >= 0x40000000 && e->function <= 0x400000ff)
			continue;	/* drop hypervisor leaves */
		switch (e->function) {
		case 1:
			e->ecx &= ~(1u << 5);	/* VMX */
			e->ecx &= ~(1u << 31);	/* hypervisor present */
			*hwcap = e->edx;
			break;
		case 7:
			if (e->index == 0) {
				*fsgsbase = e->ebx & 1;
				e->edx &= ~((1u << 22) | (1u << 24) | (1u << 25)); /* AMX */
			}
			break;
		case 0xd:
			if (e->index == 0) {
				xcr0 = (((uint64_t)e->edx << 32) | e->eax) & XCR0_WANTED;
				e->eax = (uint32_t)xcr0;
				e->edx = (uint32_t)(xcr0 >> 32);
			}
			break;
		case 0x80000001:
			e->ecx &= ~(1u << 2);	/* SVM */
			break;
		}
		c->entries[w++] = *e;
	}
	c->nent = w;
	return xcr0;
}

/*
 * The MSRs the guest may touch at all: EFER..SFMASK (the syscall MSRs)
 * and FS_BASE, GS_BASE, KERNEL_GS_BASE, which the shim reads and writes.
 * Everything else is a #GP in the guest, so that even a shim taken over
 * by the program cannot reach KVM's paravirtual MSRs (on PVM, 0x4b564d10
 * turns off user/supervisor isolation) or any other.  Returns 0, or
 * -ENOTSUP where KVM has no MSR filter (lstar then goes on without).
 */
static int msr_filter(struct vmm_vm *vm)
{
	uint8_t allow_all = 0xff;	/* one bit per MSR: 1 allows; KVM copies it */
	struct kvm_msr_filter f = {
		.flags = KVM_MSR_FILTER_DEFAULT_DENY,
		.ranges = {
			{ .flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE,
			  .base = MSR_EFER, .nmsrs = 5, .bitmap = &allow_all },
			{ .flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE,
			  .base = MSR_FS_BASE, .nmsrs = 3, .bitmap = &allow_all },
		},
	};

	if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_X86_MSR_FILTER) <= 0)
		return -ENOTSUP;
	return ioctl(vm->fd, KVM_X86_SET_MSR_FILTER, &f) < 0 ? -errno : 0;
}

int vmm_cpu_get_regs(struct vmm_vcpu *cpu, struct kvm_regs *r)
{
	if (cpu->run->kvm_valid_regs & KVM_SYNC_X86_REGS) {
		*r = cpu->run->s.regs.regs;
		return 0;
	}
	return ioctl(cpu->fd, KVM_GET_REGS, r) < 0 ? -errno : 0;
}

int vmm_cpu_set_regs(struct vmm_vcpu *cpu, const struct kvm_regs *r)
{
	if (cpu->vmm->vm.sync_regs & KVM_SYNC_X86_REGS) {
		cpu->run->s.regs.regs = *r;
		cpu->run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
		return 0;
	}
	return ioctl(cpu->fd, KVM_SET_REGS, r) < 0 ? -errno : 0;
}

int vmm_cpu_setup(struct vmm_vcpu *cpu, const struct lstar_shim_header *hdr,
		  uint64_t *hwcap, uint64_t *hwcap2)
{
	struct kvm_cpuid2 *cpuid;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_fpu fpu;
	uint64_t xcr0, fsgsbase = 0;
	uint32_t ecx1 = 0, ebx7 = 0, ecx7 = 0;
	uint64_t stride = (uint64_t)cpu->index * hdr->cpu_stride;
	int err = 0;

	*hwcap = 0;
	/* The first vCPU of a VM gives it its MSR filter; the first of the
	 * run decides the CPUID every vCPU gets, kept for the threads'
	 * vCPUs and forked VMs, which are made once lstar is confined. */
	if (!cpu->vmm->vm.msr_filtered) {
		if ((err = msr_filter(&cpu->vmm->vm)) && err != -ENOTSUP)
			return err;
		err = 0;
		cpu->vmm->vm.msr_filtered = true;
	}
	if (!cpu->vmm->vm.cpuid) {
		if (!(cpuid = supported_cpuid(cpu->vmm->vm.kvm_fd)))
			return -errno ? -errno : -ENOMEM;
		cpu->vmm->vm.xcr0 = filter_cpuid(cpuid, &cpu->vmm->vm.hwcap,
						 &cpu->vmm->vm.fsgsbase);
		cpu->vmm->vm.cpuid = cpuid;
	}
	if (!(cpuid = cpu->vmm->vm.cpuid))
		return -EINVAL;
	*hwcap = cpu->vmm->vm.hwcap;
	xcr0 = cpu->vmm->vm.xcr0;
	fsgsbase = cpu->vmm->vm.fsgsbase;
	for (uint32_t i = 0; i < cpuid->nent; i++) {
		if (cpuid->entries[i].function == 1)
			ecx1 = cpuid->entries[i].ecx;
		if (cpuid->entries[i].function == 7 && cpuid->entries[i].index == 0) {
			ebx7 = cpuid->entries[i].ebx;
			ecx7 = cpuid->entries[i].ecx;
		}
	}
	/* Once only: KVM refuses a CPUID set again after the vCPU ran
	 * (execve starts the new program on the same vCPU). */
	if (!cpu->cpuid_set && ioctl(cpu->fd, KVM_SET_CPUID2, cpuid) < 0)
		err = -errno;
	cpu->cpuid_set = !err;
	/* The FPU state a signal frame holds: the XSAVE image of the
	 * components the program sees, or FXSAVE's where there is no XSAVE. */
	cpu->fpu_features = (ecx1 & (1u << 26)) ? xcr0 : 0;
	cpu->fpu_size = cpu->fpu_features ? xsave_size(cpuid, xcr0) : 512;
	if (err)
		return err;

	if (ioctl(cpu->fd, KVM_GET_SREGS, &sregs) < 0)
		return -errno;
	sregs.cs = (struct kvm_segment){ .base = 0, .limit = 0xffffffff,
		.selector = LSTAR_KERNEL_CS, .type = 11, .present = 1,
		.dpl = 0, .db = 0, .s = 1, .l = 1, .g = 1 };
	sregs.ds = (struct kvm_segment){ .base = 0, .limit = 0xffffffff,
		.selector = LSTAR_KERNEL_DS, .type = 3, .present = 1,
		.dpl = 0, .db = 1, .s = 1, .l = 0, .g = 1 };
	sregs.es = sregs.ss = sregs.fs = sregs.gs = sregs.ds;
	/* This vCPU's TSS and GDT (the shim's area for it, load_shim checked
	 * that each lies in the image). */
	sregs.tr = (struct kvm_segment){ .base = hdr->tss + stride, .limit = 103,
		.selector = LSTAR_TSS_SEL, .type = 11, .present = 1 };
	sregs.gdt.base = hdr->gdt + stride;
	sregs.gdt.limit = LSTAR_GDT_ENTRIES * 8 - 1;
	sregs.idt.base = 0;	/* the shim loads its own */
	sregs.idt.limit = 0;
	sregs.cr0 = X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE | X86_CR0_WP | X86_CR0_AM | X86_CR0_PG;
	sregs.cr3 = cpu->mem->pml4;
	sregs.cr4 = X86_CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	if (ecx1 & (1u << 26))
		sregs.cr4 |= X86_CR4_OSXSAVE;
	if (fsgsbase)
		sregs.cr4 |= X86_CR4_FSGSBASE;
	/* The shim never touches user memory through user addresses. */
	if (ebx7 & (1u << 7))
		sregs.cr4 |= X86_CR4_SMEP;
	if (ebx7 & (1u << 20))
		sregs.cr4 |= X86_CR4_SMAP;
	/* Ring 3 has no business reading the descriptor-table registers. */
	if (ecx7 & (1u << 2))
		sregs.cr4 |= X86_CR4_UMIP;
	sregs.efer = X86_EFER_SCE | X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE;
	if (ioctl(cpu->fd, KVM_SET_SREGS, &sregs) < 0)
		return -errno;

	if ((sregs.cr4 & X86_CR4_OSXSAVE) && xcr0) {
		struct kvm_xcrs xcrs = { .nr_xcrs = 1 };

		xcrs.xcrs[0].xcr = 0;
		xcrs.xcrs[0].value = xcr0;
		if (ioctl(cpu->fd, KVM_SET_XCRS, &xcrs) < 0)
			return -errno;
	}

	/* The FPU as a new Linux process finds it. */
	memset(&fpu, 0, sizeof(fpu));
	fpu.fcw = 0x37f;
	fpu.mxcsr = 0x1f80;
	if (ioctl(cpu->fd, KVM_SET_FPU, &fpu) < 0)
		return -errno;

	memset(&regs, 0, sizeof(regs));
	regs.rip = hdr->entry;
	regs.rsp = hdr->boot_stack_top + stride;
	regs.rdi = (uint64_t)cpu->index;
	regs.rsi = (uint64_t)cpu->start;
	regs.rflags = X86_EFLAGS_FIXED;
	if (ioctl(cpu->fd, KVM_SET_REGS, &regs) < 0)
		return -errno;

	/* HWCAP2_FSGSBASE: ring 3 may use {rd,wr}{fs,gs}base. */
	*hwcap2 = (sregs.cr4 & X86_CR4_FSGSBASE) ? 2 : 0;
	return 0;
}
