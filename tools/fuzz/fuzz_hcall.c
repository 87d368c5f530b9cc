/* SPDX-License-Identifier: MIT */
/*
 * fuzz_hcall.c - the VMM's hypercall decoder on anything a taken-over
 * shim could write: vmm_hcall with any call number and block address, and
 * any block contents (libFuzzer, ASan, UBSan; make fuzz-parsers).
 *
 * The input is the call number, a choice of block address (the vCPU's
 * own, another vCPU's, outside memory), the block's 512 bytes, and a page
 * of guest memory the block's pointers may name.  The calls run are those
 * that act on nothing but the VMM's books and guest memory: a forwarded
 * system call (under a policy that refuses everything, so that the
 * decision and the argument cutting run and no host call does), the end
 * of the program, a trace record, rezeroing pages, freeing and backing a
 * leaf table's frames, a file mapping (refused too), the coverage map,
 * and numbers no call has.  The others (threads,
 * processes, waits, signals) need a running VM and are covered by the
 * hostile probes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct vmm *vmm;
static struct vmm_options opt = { .program = "fuzz", .quiet = true };
static struct lstar_policy policy;

static void setup(void)
{
	const struct lstar_policy_input in = { "fuzz", "default deny errno EPERM\n" };

	if (lstar_policy_compile(&in, 1, &policy, stderr) || !(vmm = malloc(sizeof(*vmm))))
		abort();
	opt.policy = &policy;
	vmm_init(vmm, &opt);
	if (vmm_mem_init(&vmm->vm.mem, 2ULL << 20))
		abort();
	vmm_mem_reserve_shim_books(&vmm->vm.mem);
	vmm_fd_init(&vmm->proc);
	vmm->vm.mem.pml4 = LSTAR_POOL_GPA + (1ULL << 20);
}

/* Guest memory at gpa: the next len bytes of the input, zero past its end. */
static void fill(uint64_t gpa, const uint8_t **data, size_t *size, size_t len)
{
	uint8_t *dst = vmm_mem_ptr(&vmm->vm.mem, gpa, len);
	size_t n = *size < len ? *size : len;

	memset(dst, 0, len);
	memcpy(dst, *data, n);
	*data += n;
	*size -= n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t calls[] = {
		LSTAR_HC_SYSCALL, LSTAR_HC_EXIT, LSTAR_HC_TRACE, LSTAR_HC_ZERO_PAGES,
		LSTAR_HC_MMAP_FILE, LSTAR_HC_SHM, LSTAR_HC_UNDONE, LSTAR_HC_MAX, 0, 0xffffffffu,
		LSTAR_HC_RELEASE, LSTAR_HC_BACK,
	};
	struct vmm_vcpu *cpu;
	struct lstar_hc *block;
	uint32_t nr, gpa;

	if (!vmm)
		setup();
	if (size < 2 + sizeof(struct lstar_hc))
		return 0;
	cpu = &vmm->vcpu[0];
	nr = calls[data[0] % (sizeof(calls) / sizeof(calls[0]))];
	switch (data[1] % 4) {
	case 0:
	case 1:
		gpa = (uint32_t)cpu->hc_gpa;
		break;
	case 2:
		gpa = (uint32_t)LSTAR_HC_BLOCK_GPA(1);
		break;
	default:
		gpa = 0xfffff000u;
		break;
	}
	block = vmm_mem_ptr(&vmm->vm.mem, cpu->hc_gpa, sizeof(*block));
	memcpy(block, data + 2, sizeof(*block));
	/* The rest: the free-page stack's first page (what rezeroing
	 * reads, and releasing writes), then the page tables' root and what
	 * they map (a released leaf may be one of them), as the
	 * block's pointers may lead there. */
	data += 2 + sizeof(*block);
	size -= 2 + sizeof(*block);
	fill(vmm->vm.mem.free_stack, &data, &size, LSTAR_PAGE_SIZE);
	fill(vmm->vm.mem.pml4, &data, &size, 4 * LSTAR_PAGE_SIZE);
	vmm_hcall(cpu, nr, gpa);
	vmm->done = false;
	vmm->status = LSTAR_EXIT_FAILURE;
	return 0;
}
