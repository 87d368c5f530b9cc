/* SPDX-License-Identifier: MIT */
/*
 * vdso.c - the program's vDSO and the time page behind it.
 *
 * The vDSO (vdso/vdso.c, embedded in lstar) answers clock_gettime,
 * gettimeofday and time in ring 3 from the time page (struct lstar_vvar)
 * and the TSC, kvmclock-style: the VMM anchors a guest TSC value to the
 * host's CLOCK_MONOTONIC and gives the offsets of the other clocks and
 * the TSC's rate; the vDSO adds the scaled TSC delta.  On PVM, where a
 * trap costs ~90-140 us, that is the difference between a program that
 * reads the clock often running at native speed or crawling.
 *
 * The page is re-anchored at start and after every hypercall, while the
 * vCPU is stopped (one thread, one vCPU: the seqcount is there for the
 * reader's sake and for a VMM that one day updates it from elsewhere).
 * A program that never exits to the VMM runs on the TSC alone, at the
 * rate measured so far; CLOCK_REALTIME steps of the host show at the
 * next re-anchor.
 *
 * On PVM the vDSO also holds the syscall gate (vdso/gate.S), where
 * MSR_LSTAR points: it answers getpid and the ids from the same page,
 * which the VMM writes with them (vmm_vdso_gate) before the program runs
 * and, for a forked child's pid, while the child waits in the fork.
 *
 * Both mappings are ordinary user pages the shim knows as boot VMAs, so
 * the program may munmap, mprotect or mremap them as Linux lets it.  Once
 * the time page's frame is no longer mapped where the VMM put it, the
 * frame may belong to the program's next mapping: the VMM then never
 * writes it again.  The check runs before every write, and a freed frame
 * can only come back into use after a rezeroing hypercall, which comes
 * through here first.
 */
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "vmm.h"

#define PAGE_SIZE	LSTAR_PAGE_SIZE
#define VDSO_MAX_PAGES	4		/* the image is ~3 KiB */
#define TSC_SHIFT	32		/* mult = ns per tick << 32 */
/* The measured rate may differ from the nominal one by this much at most
 * (NTP slews at most 500 ppm; a bigger gap means a bad measurement). */
#define RATE_SLACK_PPM	1000

/* The host's TSC, not read before earlier loads (as the vDSO reads it). */
static inline uint64_t rdtsc_ordered(void)
{
	uint32_t lo, hi;

	asm volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
	return ((uint64_t)hi << 32) | lo;
}

static inline int64_t ts_ns(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

/* ns for delta ticks, exactly as the vDSO computes them. */
static inline uint64_t scale(uint64_t delta, uint64_t mult, uint32_t shift)
{
	return (uint64_t)(((unsigned __int128)delta * mult) >> (shift & 63));
}

/* The syscall gate's [*start, *end) in the image (vdso/gate.S): its
 * symbol in .dynsym, a function inside the image.  0: found. */
static int find_gate(Elf *elf, size_t size, uint64_t *start, uint64_t *end)
{
	for (Elf_Scn *scn = NULL; (scn = elf_nextscn(elf, scn));) {
		Elf_Data *data;
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNSYM ||
		    !sh.sh_entsize || !(data = elf_getdata(scn, NULL)))
			continue;
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			const char *name;
			GElf_Sym sym;

			if (!gelf_getsym(data, (int)i, &sym) ||
			    !(name = elf_strptr(elf, sh.sh_link, sym.st_name)) ||
			    strcmp(name, "__lstar_syscall_gate"))
				continue;
			if (GELF_ST_TYPE(sym.st_info) != STT_FUNC || !sym.st_size ||
			    sym.st_value >= size || sym.st_size > size - sym.st_value)
				return -ENOEXEC;
			*start = sym.st_value;
			*end = sym.st_value + sym.st_size;
			return 0;
		}
	}
	return -ENOEXEC;
}

/*
 * Check the embedded image: an x86-64 ET_DYN with one read+exec PT_LOAD
 * that starts at file offset 0 and address 0 and has no bss, and a
 * dynamic section asking for no relocation and no library.  The build
 * made it so (vdso.lds.S); this catches a build that did not.  Sets
 * *size to the bytes to map (the whole file, section headers included,
 * as Linux maps its own vDSO) and [*gate, *gate_end) to the syscall
 * gate's place in it.
 */
static int check_image(const uint8_t *img, size_t size, size_t *map,
		       uint64_t *gate, uint64_t *gate_end)
{
	Elf *elf;
	GElf_Ehdr eh;
	size_t phnum;
	int loads = 0, err = -ENOEXEC;

	if (size < sizeof(Elf64_Ehdr) || size > VDSO_MAX_PAGES * PAGE_SIZE)
		return -ENOEXEC;
	elf_version(EV_CURRENT);
	if (!(elf = elf_memory((char *)img, size)))
		return -ENOEXEC;
	if (!gelf_getehdr(elf, &eh) || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_type != ET_DYN || eh.e_machine != EM_X86_64 ||
	    elf_getphdrnum(elf, &phnum))
		goto out;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph))
			goto out;
		if (ph.p_type == PT_LOAD) {
			if (ph.p_offset != 0 || ph.p_vaddr != 0 ||
			    ph.p_filesz != ph.p_memsz || ph.p_filesz > size ||
			    (ph.p_flags & PF_W) || !(ph.p_flags & PF_X))
				goto out;
			loads++;
		} else if (ph.p_type == PT_DYNAMIC) {
			if (ph.p_offset > size || ph.p_filesz > size - ph.p_offset)
				goto out;
			for (uint64_t off = 0; off + sizeof(Elf64_Dyn) <= ph.p_filesz;
			     off += sizeof(Elf64_Dyn)) {
				Elf64_Dyn d;

				memcpy(&d, img + ph.p_offset + off, sizeof(d));
				if (d.d_tag == DT_NULL)
					break;
				if (d.d_tag == DT_REL || d.d_tag == DT_RELA ||
				    d.d_tag == DT_JMPREL || d.d_tag == DT_TEXTREL ||
				    d.d_tag == DT_NEEDED || d.d_tag == 36 /* DT_RELR */)
					goto out;
			}
		} else if (ph.p_type == PT_TLS || ph.p_type == PT_INTERP) {
			goto out;
		}
	}
	if (loads != 1 || find_gate(elf, size, gate, gate_end))
		goto out;
	*map = size;
	err = 0;
out:
	elf_end(elf);
	return err;
}

/* Does the word w appear, space-separated, in the string s? */
static bool has_word(const char *s, const char *w)
{
	size_t n = strlen(w);

	for (const char *p = s; (p = strstr(p, w)); p += n)
		if ((p == s || p[-1] == ' ') &&
		    (p[n] == '\0' || p[n] == ' ' || p[n] == '\n'))
			return true;
	return false;
}

/*
 * Is the host's TSC one the guest may keep time by?  It must be
 * invariant (CPUID 0x80000007 EDX bit 8: constant rate, runs in every
 * C- and P-state), and the host kernel must not have given up on it: a
 * TSC Linux marked unstable leaves its list of clocksources.  Asked
 * once, at the first program's start: a later one (execve) is past
 * confinement, where sysfs cannot be read, and gets the same answer.
 */
static bool host_tsc_stable(void)
{
	static const char path[] =
		"/sys/devices/system/clocksource/clocksource0/available_clocksource";
	static int stable = -1;
	unsigned int a, b, c, d;
	char buf[256];
	ssize_t n;
	int fd;

	if (stable >= 0)
		return stable;
	stable = 0;
	if (!__get_cpuid(0x80000007, &a, &b, &c, &d) || !(d & (1u << 8)))
		return false;
	stable = 1;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return true;	/* no sysfs: the CPU's word stands */
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return true;
	buf[n] = '\0';
	stable = has_word(buf, "tsc");
	return stable;
}

/*
 * The guest's TSC minus the host's.  Hardware KVM starts a vCPU's TSC at
 * 0, through an offset; PVM runs ring 3 natively, on the host's own TSC
 * (measured: offset 0).  KVM reports the offset exactly where it can
 * (KVM_VCPU_TSC_OFFSET, Linux 5.16+); otherwise it is measured from
 * MSR_IA32_TSC read between two host reads, the narrowest of a few.
 * Assumes no TSC scaling: lstar never sets a TSC rate of its own.
 */
static int guest_tsc_offset(int vcpu_fd, int64_t *offset)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} msr;
	uint64_t best = UINT64_MAX;

#ifdef KVM_VCPU_TSC_CTRL
	{
		uint64_t off;
		struct kvm_device_attr attr = {
			.group = KVM_VCPU_TSC_CTRL,
			.attr = KVM_VCPU_TSC_OFFSET,
			.addr = (uint64_t)(uintptr_t)&off,
		};

		if (ioctl(vcpu_fd, KVM_GET_DEVICE_ATTR, &attr) == 0) {
			*offset = (int64_t)off;
			return 0;
		}
	}
#endif
	for (int i = 0; i < 5; i++) {
		uint64_t t0, t1;

		memset(&msr, 0, sizeof(msr));
		msr.hdr.nmsrs = 1;
		msr.e.index = MSR_IA32_TSC;
		t0 = rdtsc_ordered();
		if (ioctl(vcpu_fd, KVM_GET_MSRS, &msr) != 1)
			return -EIO;
		t1 = rdtsc_ordered();
		if (t1 - t0 < best) {
			best = t1 - t0;
			*offset = (int64_t)(msr.e.data - (t0 + (t1 - t0) / 2));
		}
	}
	return 0;
}

/* Decide whether the vDSO may use the TSC; if so, fill in its rate and
 * offset.  Any doubt means no: the vDSO then makes the system call. */
static bool tsc_usable(struct vmm_vcpu *cpu)
{
	struct vmm_vdso *v = &cpu->vmm->vm.vdso;
	int khz;

	if (!host_tsc_stable())
		return false;
	khz = ioctl(cpu->fd, KVM_GET_TSC_KHZ, 0);
	if (khz <= 0 || guest_tsc_offset(cpu->fd, &v->tsc_offset))
		return false;
	v->tsc_khz = (uint64_t)khz;
	v->mult_nominal = (uint64_t)(((unsigned __int128)1000000 << TSC_SHIFT) /
				     v->tsc_khz);
	return true;
}

/* Write next into the page: seq odd, the fields, seq even again. */
static void publish(struct vmm_vm *vm, const struct lstar_vvar *next)
{
	struct lstar_vvar *page = vmm_mem_ptr(&vm->mem, vm->vdso.vvar_gpa,
					      sizeof(*page));
	volatile uint32_t *seq = &page->seq;

	/* x86 keeps stores in order; the compiler must too. */
	*seq = vm->vdso.page.seq + 1;
	asm volatile("" ::: "memory");
	memcpy((uint8_t *)page + sizeof(page->seq),
	       (const uint8_t *)next + sizeof(next->seq),
	       sizeof(*next) - sizeof(next->seq));
	asm volatile("" ::: "memory");
	*seq = vm->vdso.page.seq + 2;
	vm->vdso.page = *next;
	vm->vdso.page.seq += 2;
}

/*
 * A new anchor: the guest TSC now, the host's clocks now, the rate
 * measured over everything since the first anchor.  CLOCK_MONOTONIC in
 * the page never goes back: if the guest, on the old anchor, is already
 * past the host's value, the anchor keeps the guest's (by at most what
 * the rate was off since the last anchor, well under a microsecond).
 */
static void anchor(struct vmm_vm *vm)
{
	struct vmm_vdso *v = &vm->vdso;
	struct lstar_vvar next = v->page;
	struct timespec m1, m2, real, boot, tai;
	uint64_t t0, t1, tsc, mono, mid;

	/* MONOTONIC between two TSC reads; the other clocks right after,
	 * each against the middle of two MONOTONIC reads around them. */
	t0 = rdtsc_ordered();
	clock_gettime(CLOCK_MONOTONIC, &m1);
	t1 = rdtsc_ordered();
	clock_gettime(CLOCK_REALTIME, &real);
	clock_gettime(CLOCK_BOOTTIME, &boot);
	clock_gettime(CLOCK_TAI, &tai);
	clock_gettime(CLOCK_MONOTONIC, &m2);
	tsc = t0 + (t1 - t0) / 2 + (uint64_t)v->tsc_offset;
	mono = (uint64_t)ts_ns(&m1);
	mid = mono + ((uint64_t)ts_ns(&m2) - mono) / 2;

	if (v->page.flags & LSTAR_VVAR_TSC) {
		uint64_t base = v->page.tsc_base, est;

		/* After a second the measured rate beats the nominal one
		 * (kHz-rounded) and follows the host's NTP adjustments. */
		if (tsc > v->cal_tsc && tsc - v->cal_tsc >= v->tsc_khz * 1000 &&
		    mono > v->cal_mono) {
			uint64_t mult = (uint64_t)(((unsigned __int128)(mono - v->cal_mono)
						    << TSC_SHIFT) / (tsc - v->cal_tsc));
			uint64_t slack = v->mult_nominal / (1000000 / RATE_SLACK_PPM);

			if (mult >= v->mult_nominal - slack &&
			    mult <= v->mult_nominal + slack)
				next.mult = mult;
		}
		est = v->page.mono_ns + scale(tsc > base ? tsc - base : 0,
					      v->page.mult, v->page.shift);
		if (est > mono)
			mono = est;
	} else {
		v->cal_tsc = tsc;
		v->cal_mono = mono;
		next.flags = LSTAR_VVAR_TSC;
		next.mult = v->mult_nominal;
		next.shift = TSC_SHIFT;
		next.tsc_hz = v->tsc_khz * 1000;
	}
	next.tsc_base = tsc;
	next.mono_ns = mono;
	next.realtime_off = ts_ns(&real) - (int64_t)mid;
	next.boottime_off = ts_ns(&boot) - (int64_t)mid;
	next.tai_off = ts_ns(&tai) - (int64_t)mid;
	publish(vm, &next);
}

/* Is the time page still mapped, by the program's page tables, at the
 * address and frame the VMM gave it? */
static bool still_attached(const struct vmm_vm *vm)
{
	struct iovec iov;
	int n;

	if (vmm_mem_user_iov(&vm->mem, vm->vdso.vvar_gva, PAGE_SIZE, false,
			     &iov, 1, &n) != PAGE_SIZE || n != 1)
		return false;
	return iov.iov_base == vm->mem.host + vm->vdso.vvar_gpa;
}

void vmm_vdso_update(struct vmm_vm *vm)
{
	if (!vm->vdso.tsc || !vm->vdso.attached)
		return;
	if (!still_attached(vm)) {
		vm->vdso.attached = false;	/* for good */
		return;
	}
	anchor(vm);
}

/* The page's pid, uid, gid and gate bits (written before the program
 * runs, or while it waits in a hypercall: see the top of this file). */
static void publish_ids(struct vmm_vm *vm, int32_t pid, uint32_t uid,
			uint32_t gid, uint32_t gate)
{
	struct lstar_vvar *page = vmm_mem_ptr(&vm->mem, vm->vdso.vvar_gpa,
					      sizeof(*page));

	if (!vm->vdso.attached || !still_attached(vm))
		return;
	page->pid = pid;
	page->uid = uid;
	page->gid = gid;
	page->gate = gate;
	vm->vdso.page.pid = pid;
	vm->vdso.page.uid = uid;
	vm->vdso.page.gid = gid;
	vm->vdso.page.gate = gate;
}

/*
 * The syscall gate (vdso/gate.S), on PVM: the calls it may answer are
 * those the policy allows outright (fast[], which is all zero when the
 * shim reports calls: place_policy) and that the shim would answer with
 * the ids alone.  With none, MSR_LSTAR points at the shim's entry as
 * before: a call through the gate would only pass by.
 */
void vmm_vdso_gate(struct vmm_vm *vm, struct lstar_boot_info *bi,
		   const uint8_t fast[LSTAR_POLICY_NR])
{
	uint32_t gate = 0;

	if (bi->platform == LSTAR_PLATFORM_PVM) {
		if (fast[SYS_getpid] & LSTAR_FAST_ALLOW)
			gate |= LSTAR_GATE_GETPID;
		if (fast[SYS_getuid] & fast[SYS_geteuid] & LSTAR_FAST_ALLOW)
			gate |= LSTAR_GATE_GETUID;
		if (fast[SYS_getgid] & fast[SYS_getegid] & LSTAR_FAST_ALLOW)
			gate |= LSTAR_GATE_GETGID;
	}
	publish_ids(vm, bi->pid, bi->uid, bi->gid, gate);
	bi->syscall_gate = gate ? vm->vdso.gate : 0;
	bi->syscall_gate_end = gate ? vm->vdso.gate_end : 0;
}

/* A forked child's pid, before it goes on (its VMM is in the fork
 * hypercall). */
void vmm_vdso_set_pid(struct vmm_vm *vm, int32_t pid)
{
	const struct lstar_vvar *p = &vm->vdso.page;

	publish_ids(vm, pid, p->uid, p->gid, p->gate);
}

/*
 * A forked child's new vCPU counts the TSC from another offset: move the
 * page's TSC numbers by the difference, so that time goes on from where
 * the parent left it.  Should the offset be unknown, the vDSO makes
 * system calls from now on.
 */
void vmm_vdso_rebase(struct vmm_vcpu *cpu)
{
	struct vmm_vm *vm = &cpu->vmm->vm;
	struct vmm_vdso *v = &vm->vdso;
	struct lstar_vvar next;
	int64_t off, d;

	if (!v->tsc || !v->attached)
		return;
	if (!still_attached(vm)) {
		v->attached = false;
		return;
	}
	next = v->page;
	if (guest_tsc_offset(cpu->fd, &off)) {
		next.flags &= ~LSTAR_VVAR_TSC;
		v->tsc = false;
		publish(vm, &next);
		return;
	}
	d = off - v->tsc_offset;
	v->tsc_offset = off;
	v->cal_tsc += (uint64_t)d;
	next.tsc_base += (uint64_t)d;
	publish(vm, &next);
	anchor(vm);
}

/* Map fresh pages over [gva, gva + len) with PTE flags and copy src
 * (len bytes, or zeros when src is NULL) into them; the gpa of the
 * first page in *first.  0 or -ENOMEM. */
static int map_copy(struct vmm_mem *m, uint64_t gva, const uint8_t *src,
		    size_t len, uint64_t flags, uint64_t *first)
{
	for (size_t off = 0; off < len; off += PAGE_SIZE) {
		uint64_t gpa = vmm_mem_alloc(m);
		size_t n = len - off < PAGE_SIZE ? len - off : PAGE_SIZE;

		if (!gpa || vmm_mem_map(m, gva + off, gpa, flags))
			return -ENOMEM;
		if (off == 0)
			*first = gpa;
		if (src)
			memcpy(vmm_mem_ptr(m, gpa, n), src + off, n);
	}
	return 0;
}

int vmm_vdso_setup(struct vmm_vcpu *cpu, struct lstar_boot_info *bi, uint64_t top)
{
	struct vmm_vm *vm = &cpu->vmm->vm;
	struct vmm_vdso *v = &vm->vdso;
	size_t size = lstar_vdso_image_end - lstar_vdso_image, map;
	uint64_t base, gpa, gate, gate_end;
	int npages, err;

	if ((err = check_image(lstar_vdso_image, size, &map, &gate, &gate_end)))
		return err;
	npages = (int)((map + PAGE_SIZE - 1) / PAGE_SIZE);
	base = top - (uint64_t)npages * PAGE_SIZE;
	memset(v, 0, sizeof(*v));
	v->ehdr = base;
	v->gate = base + gate;
	v->gate_end = base + gate_end;
	v->vvar_gva = base - LSTAR_VVAR_OFFSET;

	/* The time page: read-only for ring 3, never executable.  The
	 * image: read and execute for ring 3, never writable. */
	if (map_copy(&vm->mem, v->vvar_gva, NULL, PAGE_SIZE,
		     X86_PTE_U | X86_PTE_NX, &v->vvar_gpa) ||
	    map_copy(&vm->mem, base, lstar_vdso_image, map, X86_PTE_U, &gpa))
		return -ENOMEM;

	if (bi->nr_vmas + 2 > LSTAR_BOOT_MAX_VMAS)
		return -E2BIG;
	bi->vmas[bi->nr_vmas++] = (struct lstar_boot_vma){ v->vvar_gva,
		v->vvar_gva + PAGE_SIZE, PROT_READ, LSTAR_VMA_VDSO };
	bi->vmas[bi->nr_vmas++] = (struct lstar_boot_vma){ base,
		base + (uint64_t)npages * PAGE_SIZE, PROT_READ | PROT_EXEC,
		LSTAR_VMA_VDSO };

	/* Without a TSC to trust the page stays zero: every call traps. */
	v->attached = true;
	if ((v->tsc = tsc_usable(cpu)))
		anchor(vm);
	return 0;
}
