/* SPDX-License-Identifier: MIT */
/*
 * host.c - what the tests can observe of the machine they run on.
 *
 * Some answers differ between the machines lstar runs on: the platform
 * (PVM, hardware SVM or VMX, QEMU's emulator under `make check-hw`), the
 * CPU vendor, 5-level paging.  A test decides its expectation from these
 * observations, never from the machine it was written on; each platform's
 * answer is written next to the others in the test and in
 * docs/DECISIONS.md, "What differs on PVM".
 */
#include <cpuid.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tests.h"
#include "vmm.h"

/* The hypervisor's CPUID signature (leaf 0x40000000), if any. */
static void hypervisor_signature(char sig[13])
{
	unsigned int a, b, c, d;

	memset(sig, 0, 13);
	__cpuid(1, a, b, c, d);
	if (!(c & (1u << 31)))
		return;
	__cpuid(0x40000000, a, b, c, d);
	memcpy(sig, &b, 4);
	memcpy(sig + 4, &c, 4);
	memcpy(sig + 8, &d, 4);
}

/*
 * Does KVM here rewrite the other vendor's hypercall instruction in guest
 * memory?  Seen, on Intel-hosted PVM, which takes lstar's request not to
 * (vm.c) and may rewrite all the same: a program under lstar runs vmmcall
 * from a page it may write (guest/hostile_priv.c, vmmcall_rw), and the
 * bytes after say whether vmcall was written over it.  Elsewhere asked
 * as lstar asks it, on a VM of our own, so that a VMX KVM that offers the
 * switch is expected to honour it (the test then sees whether lstar
 * asked): AMD's KVM refuses vmcall from ring 3 before any rewrite.
 */
static bool kvm_patches_hypercalls(bool intel)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC), vm;
	bool off = false;

	if (intel && vmm_detect_platform() == LSTAR_PLATFORM_PVM) {
		/* Not run_argv: this runs before any test, outside Check's. */
		char cmd[8192], line[128];
		bool patched = false;
		FILE *p;

		if (kvm >= 0)
			close(kvm);
		snprintf(cmd, sizeof(cmd),
			 "timeout 30 '%s' run -- '%s' vmmcall_rw 2>/dev/null </dev/null",
			 lstar_path(), guest_path("hostile_priv.musl"));
		if (!(p = popen(cmd, "r")))
			return true;
		while (fgets(line, sizeof(line), p))
			patched |= !strcmp(line, "vmmcall_rw: the instruction is now 0f 01 c1\n");
		pclose(p);
		return patched;
	}
	if (kvm < 0)
		return true;
	if ((vm = ioctl(kvm, KVM_CREATE_VM, 0)) >= 0) {
		off = vmm_disable_hypercall_patching(kvm, vm, vmm_detect_platform());
		close(vm);
	}
	close(kvm);
	return !off;
}

/* 5-level paging: the kernel gives user space above 2^47 on request. */
static bool user_space_la57(void)
{
	void *hi = (void *)(1UL << 47);
	void *p = mmap(hi, 4096, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	if (p == MAP_FAILED)
		return false;
	munmap(p, 4096);
	return p == hi;
}

/* Register reg (0 eax .. 3 edx) of CPUID leaf fn, index idx, as KVM offers
 * it to its guests (KVM_GET_SUPPORTED_CPUID); 0 where it does not say. */
static unsigned int kvm_cpuid(unsigned int fn, unsigned int idx, int reg)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + 256 * sizeof(c->entries[0]));
	unsigned int v = 0;

	if (kvm >= 0 && c) {
		c->nent = 256;
		if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, c) == 0)
			for (unsigned i = 0; i < c->nent; i++)
				if (c->entries[i].function == fn && c->entries[i].index == idx) {
					const struct kvm_cpuid_entry2 *e = &c->entries[i];

					v = reg == 0 ? e->eax : reg == 1 ? e->ebx :
					    reg == 2 ? e->ecx : e->edx;
				}
	}
	free(c);
	if (kvm >= 0)
		close(kvm);
	return v;
}

const struct host_facts *host_facts(void)
{
	static struct host_facts h;
	static bool known;
	unsigned int a, b, c, d;
	char sig[13];

	if (known)
		return &h;
	h.platform = vmm_detect_platform();
	__cpuid(0, a, b, c, d);
	h.intel = b == 0x756e6547;			/* "Genu"ineIntel */
	h.amd = b == 0x68747541 || b == 0x6f677948;	/* "Auth"enticAMD, "Hygo"nGenuine */
	hypervisor_signature(sig);
	h.tcg = !strcmp(sig, "TCGTCGTCGTCG");
	h.la57 = user_space_la57();
	h.hypercall_patching = kvm_patches_hypercalls(h.intel);
	/* On PVM ring 3 runs under the host's own CR4, where Linux turns
	 * UMIP on whenever the CPU has it; on hardware KVM, under lstar's. */
	__cpuid_count(7, 0, a, b, c, d);
	/* ... and KVM offers UMIP (7.0 ECX[2], which it may emulate): lstar
	 * turns it on by that (cpu.c). */
	h.umip = h.platform == LSTAR_PLATFORM_PVM ? (c & (1u << 2)) != 0 :
		 (kvm_cpuid(7, 0, 2) & (1u << 2)) != 0;
	/* XSAVE (1 ECX[26]) as KVM offers it, which lstar's guest gets. */
	h.xsave = (kvm_cpuid(1, 0, 2) & (1u << 26)) != 0;
	known = true;
	return &h;
}

bool kvm_has(long cap)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	bool has = kvm >= 0 && ioctl(kvm, KVM_CHECK_EXTENSION, cap) > 0;

	if (kvm >= 0)
		close(kvm);
	return has;
}

const char *host_describe(void)
{
	const struct host_facts *h = host_facts();
	static char buf[160];

	snprintf(buf, sizeof(buf), "%s, %s CPU%s%s%s%s", vmm_platform_name(h->platform),
		 h->intel ? "Intel" : h->amd ? "AMD" : "unknown",
		 h->tcg ? ", emulated by QEMU (TCG)" : "",
		 h->la57 ? ", 5-level paging" : "",
		 h->hypercall_patching ? ", KVM rewrites vmcall/vmmcall" : "",
		 h->xsave ? "" : ", no XSAVE");
	return buf;
}
