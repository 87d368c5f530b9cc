/* SPDX-License-Identifier: MIT */
/*
 * fpu.c - the program's FPU state in its signal frames (LSTAR_HC_FPU).
 *
 * The shim cannot save the state itself (PVM does not emulate XSAVE), so
 * the VMM does, through KVM: KVM_GET_XSAVE gives the vCPU's state in the
 * standard XSAVE format, which is the format of Linux's signal frames.
 * The frame's area gets the image of the components the program sees,
 * the software bytes that say so (struct _fpx_sw_bytes, FP_XSTATE_MAGIC1)
 * and FP_XSTATE_MAGIC2 after it; a CPU without XSAVE gets FXSAVE's 512
 * bytes alone, as Linux gives it.
 *
 * On the way back (rt_sigreturn) the area is the program's to have
 * written anything into: it is copied once, checked the way XRSTOR
 * checks it (MXCSR's reserved bits, the header's reserved bytes, the
 * compacted form, components the program cannot have) and only then
 * given to KVM, which checks again.  A bad image is -EINVAL: the shim
 * answers it with SIGSEGV, as Linux does.
 */
#include <asm/sigcontext.h>
#include <errno.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>

#include "vmm.h"

#define LEGACY_SIZE	512
#define HEADER_SIZE	64
#define SW_BYTES_AT	464		/* struct _fpx_sw_bytes in the legacy area */
#define FCW_AT		0
#define FSW_AT		2
#define MXCSR_AT	24
#define XSTATE_BV_AT	512
#define XCOMP_BV_AT	520
#define XFEATURES_X87_SSE 3ULL

/* What the program's handler starts with: Linux's initial FPU state. */
static void init_image(struct kvm_xsave *xs)
{
	uint8_t *b = (uint8_t *)xs->region;
	uint16_t fcw = 0x37f;
	uint32_t mxcsr = 0x1f80;

	memset(xs, 0, sizeof(*xs));
	memcpy(b, &fcw, sizeof(fcw));
	memcpy(b + MXCSR_AT, &mxcsr, sizeof(mxcsr));
}

static int fpu_save(struct vmm_vcpu *cpu, uint64_t addr)
{
	struct kvm_xsave xs;
	uint8_t *b = (uint8_t *)xs.region;
	uint32_t size = cpu->fpu_size;
	int err;

	if (ioctl(cpu->fd, KVM_GET_XSAVE, &xs) < 0)
		return -errno;
	if (cpu->fpu_features) {
		struct _fpx_sw_bytes sw = {
			.magic1 = FP_XSTATE_MAGIC1,
			.extended_size = size + FP_XSTATE_MAGIC2_SIZE,
			.xfeatures = cpu->fpu_features,
			.xstate_size = size,
		};
		uint32_t magic2 = FP_XSTATE_MAGIC2;
		uint64_t bv;

		memcpy(b + SW_BYTES_AT, &sw, sizeof(sw));
		memcpy(&bv, b + XSTATE_BV_AT, sizeof(bv));
		bv &= cpu->fpu_features;
		memcpy(b + XSTATE_BV_AT, &bv, sizeof(bv));
		if ((err = vmm_mem_copy_to_user(cpu->mem, addr + size, &magic2,
						sizeof(magic2))))
			return err;
	} else {
		memset(b + SW_BYTES_AT, 0, LEGACY_SIZE - SW_BYTES_AT);
	}
	if ((err = vmm_mem_copy_to_user(cpu->mem, addr, b, size)))
		return err;
	init_image(&xs);
	return ioctl(cpu->fd, KVM_SET_XSAVE, &xs) < 0 ? -errno : 0;
}

static int fpu_restore(struct vmm_vcpu *cpu, uint64_t addr)
{
	struct kvm_xsave xs;
	uint8_t *b = (uint8_t *)xs.region;
	struct _fpx_sw_bytes sw;
	uint64_t bv = XFEATURES_X87_SSE, xcomp;
	uint32_t mxcsr, magic2 = 0;
	bool xstate = false;

	memset(&xs, 0, sizeof(xs));
	if (vmm_mem_copy_from_user(cpu->mem, b, addr, LEGACY_SIZE))
		return -EFAULT;
	memcpy(&sw, b + SW_BYTES_AT, sizeof(sw));
	/* The extended state only where the software bytes and the closing
	 * magic both say it is there, as Linux checks (else: FXSAVE's). */
	if (cpu->fpu_features && sw.magic1 == FP_XSTATE_MAGIC1 &&
	    sw.xstate_size >= LEGACY_SIZE + HEADER_SIZE && sw.xstate_size <= cpu->fpu_size &&
	    sw.extended_size == sw.xstate_size + FP_XSTATE_MAGIC2_SIZE) {
		if (vmm_mem_copy_from_user(cpu->mem, &magic2, addr + sw.xstate_size,
					   sizeof(magic2)))
			return -EFAULT;
		xstate = magic2 == FP_XSTATE_MAGIC2;
	}
	if (xstate) {
		if (vmm_mem_copy_from_user(cpu->mem, b + LEGACY_SIZE, addr + LEGACY_SIZE,
					   sw.xstate_size - LEGACY_SIZE))
			return -EFAULT;
		memcpy(&bv, b + XSTATE_BV_AT, sizeof(bv));
		memcpy(&xcomp, b + XCOMP_BV_AT, sizeof(xcomp));
		/* XRSTOR's #GP: a compacted image, reserved header bytes. */
		if (xcomp)
			return -EINVAL;
		for (int i = XCOMP_BV_AT + 8; i < LEGACY_SIZE + HEADER_SIZE; i++)
			if (b[i])
				return -EINVAL;
		/* XRSTOR's #GP: a component the program does not have.  The
		 * rest: what the frame says it holds. */
		if (bv & ~cpu->fpu_features)
			return -EINVAL;
		bv &= sw.xfeatures;
	}
	memset(b + SW_BYTES_AT, 0, LEGACY_SIZE - SW_BYTES_AT);
	memcpy(&mxcsr, b + MXCSR_AT, sizeof(mxcsr));
	if (mxcsr & 0xffff0000)
		return -EINVAL;		/* reserved MXCSR bits: #GP */
	memcpy(b + XSTATE_BV_AT, &bv, sizeof(bv));
	return ioctl(cpu->fd, KVM_SET_XSAVE, &xs) < 0 ? -EINVAL : 0;
}

int64_t vmm_fpu(struct vmm_vcpu *cpu, const struct lstar_hc_fpu *f)
{
	struct kvm_xsave xs;

	if (f->op == LSTAR_FPU_INIT) {
		init_image(&xs);
		return ioctl(cpu->fd, KVM_SET_XSAVE, &xs) < 0 ? -errno : 0;
	}
	if (f->op == LSTAR_FPU_STATUS) {
		const uint8_t *b = (const uint8_t *)xs.region;
		uint16_t fcw, fsw;
		uint32_t mxcsr;

		if (ioctl(cpu->fd, KVM_GET_XSAVE, &xs) < 0)
			return -errno;
		memcpy(&fcw, b + FCW_AT, sizeof(fcw));
		memcpy(&fsw, b + FSW_AT, sizeof(fsw));
		memcpy(&mxcsr, b + MXCSR_AT, sizeof(mxcsr));
		return (int64_t)(fsw | (uint32_t)fcw << 16 | (uint64_t)mxcsr << 32);
	}
	/* A user address, 64-byte aligned, as the shim lays frames out. */
	if (f->addr % 64 || f->addr >= LSTAR_USER_TOP)
		return -EFAULT;
	switch (f->op) {
	case LSTAR_FPU_SAVE:
		return fpu_save(cpu, f->addr);
	case LSTAR_FPU_RESTORE:
		return fpu_restore(cpu, f->addr);
	default:
		return -EINVAL;
	}
}

uint32_t vmm_fpu_frame_size(const struct vmm_vcpu *cpu)
{
	return cpu->fpu_features ? cpu->fpu_size + FP_XSTATE_MAGIC2_SIZE : cpu->fpu_size;
}
