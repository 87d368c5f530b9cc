/* SPDX-License-Identifier: MIT */
/*
 * doctor.c - `lstar doctor`: can lstar run here, on which kind of KVM,
 * and what does a system call cost inside the sandbox on this machine?
 *
 * The costs are measured, not quoted: doctor builds a tiny static program
 * in memory (a loop around one `syscall`), runs it under lstar with 0 and
 * with N iterations, and reports the difference per call, for a call the
 * shim answers itself (gettid) and for one it forwards to the VMM
 * (fcntl F_GETFD), each the fastest of three runs after a warm-up, and
 * on PVM for one the syscall gate answers in ring 3 (getpid).  Beside
 * them, the floor: the same loop around calls the shim's floor probes
 * answer (LSTAR_BOOT_FLOOR: a bare entry and return, and the same with
 * one bare exit to the VMM), what the platform itself charges; the
 * ratios say how much of a call is lstar's own work.  The same for the
 * first touch of a page: pages the program maps (the shim backs them)
 * against pages the VMM mapped before boot, whose first touch costs only
 * what the platform charges for one page.  Below 1x where the platform
 * fills in several pages at one fault (PVM: docs/DECISIONS.md, "Memory"),
 * which the pages the program maps are prepared for.
 */
#include <cpuid.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/kvm.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "vmm.h"

#define LOOP_VADDR	0x400000ULL
#define LOOPS_MIN	2000
#define LOOPS_MAX	2000000

/*
 * The loop program's code (x86-64), at LOOP_VADDR + sizeof headers:
 *
 *	mov	$N, %r12d		41 bc NN NN NN NN
 *   1:	test	%r12, %r12		4d 85 e4
 *	jz	2f			74 16
 *	mov	$NR, %eax		b8 NR NR NR NR
 *	mov	$1, %edi		bf 01 00 00 00
 *	mov	$1, %esi		be 01 00 00 00   (F_GETFD for fcntl)
 *	syscall				0f 05
 *	dec	%r12			49 ff cc
 *	jmp	1b			eb e5
 *   2:	xor	%edi, %edi		31 ff
 *	mov	$231, %eax		b8 e7 00 00 00   (exit_group)
 *	syscall				0f 05
 *	ud2				0f 0b
 */
static const uint8_t loop_code[] = {
	0x41, 0xbc, 0, 0, 0, 0,
	0x4d, 0x85, 0xe4,
	0x74, 0x16,
	0xb8, 0, 0, 0, 0,
	0xbf, 0x01, 0, 0, 0,
	0xbe, 0x01, 0, 0, 0,
	0x0f, 0x05,
	0x49, 0xff, 0xcc,
	0xeb, 0xe5,
	0x31, 0xff,
	0xb8, 0xe7, 0, 0, 0,
	0x0f, 0x05,
	0x0f, 0x0b,
};

struct loop_image {
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	uint8_t code[sizeof(loop_code)];
};

/* A static executable's ELF header, its program headers right after it
 * and its entry at code_off, all loaded at LOOP_VADDR; and its first
 * PT_LOAD, the image itself (size bytes), read and executed. */
static void elf_start(Elf64_Ehdr *eh, Elf64_Phdr *text, size_t code_off, uint16_t phnum,
		      size_t size)
{
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_entry = LOOP_VADDR + code_off;
	eh->e_phoff = sizeof(*eh);
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phnum = phnum;
	*text = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_X,
		.p_vaddr = LOOP_VADDR, .p_paddr = LOOP_VADDR,
		.p_filesz = size, .p_memsz = size, .p_align = LSTAR_PAGE_SIZE };
}

/* The program image in a memfd, which lstar then runs by its
 * /proc/self/fd path; the fd or -errno. */
static int image_fd(const void *img, size_t size)
{
	int fd = memfd_create("lstar-doctor", MFD_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (write(fd, img, size) != (ssize_t)size) {
		close(fd);
		return -EIO;
	}
	return fd;
}

/* Write the loop program to a memfd; returns the fd or -errno. */
static int make_loop(uint32_t iterations, uint32_t nr)
{
	struct loop_image img = { 0 };

	_Static_assert(offsetof(struct loop_image, ph) == sizeof(Elf64_Ehdr), "headers");
	elf_start(&img.eh, &img.ph, offsetof(struct loop_image, code), 1, sizeof(img));
	memcpy(img.code, loop_code, sizeof(loop_code));
	memcpy(img.code + 2, &iterations, 4);
	memcpy(img.code + 12, &nr, 4);
	return image_fd(&img, sizeof(img));
}

/*
 * The touch program: touch each of N pages once, then exit 0.  Either
 * the pages are its bss, which the VMM maps before boot (TOUCH_BSS: the
 * platform's own first-touch cost), or it maps them itself with mmap
 * first (TOUCH_MMAP: the shim backs them; mmap of 0 pages fails, and
 * nothing is touched):
 *
 *	mov	$TOUCH_BSS_VADDR, %eax	b8 00 10 40 00
 * or
 *	mov	$9, %eax		b8 09 00 00 00   (mmap)
 *	xor	%edi, %edi		31 ff
 *	mov	$LEN, %esi		be LL LL LL LL
 *	mov	$3, %edx		ba 03 00 00 00   (PROT_READ | PROT_WRITE)
 *	mov	$0x22, %r10d		41 ba 22 00 00 00 (MAP_PRIVATE | MAP_ANONYMOUS)
 *	mov	$-1, %r8		49 c7 c0 ff ff ff ff
 *	xor	%r9d, %r9d		45 31 c9
 *	syscall				0f 05
 * then
 *	mov	$N, %ecx		b9 NN NN NN NN
 *	test	%ecx, %ecx		85 c9
 *	jz	2f			74 0d
 *   1:	movb	$1, (%rax)		c6 00 01
 *	add	$4096, %rax		48 05 00 10 00 00
 *	dec	%ecx			ff c9
 *	jnz	1b			75 f3
 *   2:	xor	%edi, %edi		31 ff
 *	mov	$231, %eax		b8 e7 00 00 00   (exit_group)
 *	syscall				0f 05
 *	ud2				0f 0b
 */
#define TOUCH_BSS_VADDR	(LOOP_VADDR + LSTAR_PAGE_SIZE)
#define TOUCH_PAGES	2048

static const uint8_t touch_bss[] = { 0xb8, 0x00, 0x10, 0x40, 0x00 };
static const uint8_t touch_mmap[] = {
	0xb8, 0x09, 0, 0, 0,
	0x31, 0xff,
	0xbe, 0, 0, 0, 0,
	0xba, 0x03, 0, 0, 0,
	0x41, 0xba, 0x22, 0, 0, 0,
	0x49, 0xc7, 0xc0, 0xff, 0xff, 0xff, 0xff,
	0x45, 0x31, 0xc9,
	0x0f, 0x05,
};
static const uint8_t touch_loop[] = {
	0xb9, 0, 0, 0, 0,
	0x85, 0xc9,
	0x74, 0x0d,
	0xc6, 0x00, 0x01,
	0x48, 0x05, 0x00, 0x10, 0, 0,
	0xff, 0xc9,
	0x75, 0xf3,
	0x31, 0xff,
	0xb8, 0xe7, 0, 0, 0,
	0x0f, 0x05,
	0x0f, 0x0b,
};

struct touch_image {
	Elf64_Ehdr eh;
	Elf64_Phdr ph[2];
	uint8_t code[sizeof(touch_mmap) + sizeof(touch_loop)];
};

_Static_assert(sizeof(struct touch_image) <= LSTAR_PAGE_SIZE, "the code fits its page");
_Static_assert(TOUCH_BSS_VADDR == 0x401000, "touch_bss's address");

/* Write the touch program (bss: its own TOUCH_PAGES pages of bss, touched
 * or not; else mmap'd, all or none) to a memfd; the fd or -errno. */
static int make_touch(bool bss, uint32_t pages)
{
	struct touch_image img = { 0 };
	uint32_t len = pages * LSTAR_PAGE_SIZE, at = 0;

	_Static_assert(offsetof(struct touch_image, ph) == sizeof(Elf64_Ehdr), "headers");
	elf_start(&img.eh, &img.ph[0], offsetof(struct touch_image, code), bss ? 2 : 1,
		  sizeof(img));
	img.ph[1] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_W,
		.p_vaddr = TOUCH_BSS_VADDR, .p_paddr = TOUCH_BSS_VADDR,
		.p_memsz = (uint64_t)TOUCH_PAGES * LSTAR_PAGE_SIZE, .p_align = LSTAR_PAGE_SIZE };
	if (bss) {
		memcpy(img.code, touch_bss, sizeof(touch_bss));
		at = sizeof(touch_bss);
	} else {
		memcpy(img.code, touch_mmap, sizeof(touch_mmap));
		memcpy(img.code + 8, &len, 4);
		at = sizeof(touch_mmap);
	}
	memcpy(img.code + at, touch_loop, sizeof(touch_loop));
	memcpy(img.code + at + 1, &pages, 4);
	return image_fd(&img, sizeof(img));
}

/* The policy the loop program runs under: the default profile, the one
 * a user gets without -p (compiled once). */
static const struct lstar_policy *default_policy(void)
{
	static struct lstar_policy policy;
	static bool compiled;
	const struct lstar_policy_input in = { "default", NULL };

	if (!compiled && lstar_policy_compile(&in, 1, &policy, stderr))
		return NULL;
	compiled = true;
	return &policy;
}

/* How the shim runs the loop program: as any program, probing the MSR
 * filter instead (LSTAR_BOOT_PROBE_MSR), or with the floor probes
 * (LSTAR_BOOT_FLOOR). */
enum loop_kind { LOOP_PLAIN, LOOP_PROBE_MSR, LOOP_FLOOR };

/*
 * Run the program in memfd fd (closed here; -errno: it could not be
 * made) once, with guest memory mem, as kind says; seconds taken, or -1
 * when it did not exit 0.  steps, if given, gets each step's time.
 */
static double run_image(int fd, uint64_t mem, enum loop_kind kind, struct vmm_steps *steps,
			uint64_t *floor_exits)
{
	char path[64];
	char *argv[] = { "probe", NULL };
	struct vmm_options opt = { .argc = 1, .argv = argv, .envp = NULL,
				   .mem = mem, .timeout = 60, .quiet = true,
				   .probe_msr = kind == LOOP_PROBE_MSR,
				   .floor = kind == LOOP_FLOOR, .floor_exits = floor_exits,
				   .steps = steps };
	int status;
	double t;

	if (fd < 0)
		return -1;
	if (!(opt.policy = default_policy())) {
		close(fd);
		return -1;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	opt.program = path;
	t = vmm_now();
	status = vmm_run(&opt);
	t = vmm_now() - t;
	close(fd);
	return status == 0 ? t : -1;
}

/*
 * Run the loop program once: run_image's answer.  A floor probe's run
 * must have been answered by the probes, or its figure measures
 * something else: N calls of LSTAR_FLOOR_NR + 1 make N bare exits, and
 * N of LSTAR_FLOOR_NR none.  Counted, not inferred from the times: the
 * forwarded call costs only a few emulated instructions more than the
 * floor exit, within the machine's jitter.
 */
static double run_loop(uint32_t iterations, uint32_t nr, enum loop_kind kind,
		       struct vmm_steps *steps)
{
	uint64_t exits = 0, want = nr == LSTAR_FLOOR_NR + 1 ? iterations : 0;
	double t = run_image(make_loop(iterations, nr), 16ULL << 20, kind, steps, &exits);

	if (t >= 0 && kind == LOOP_FLOOR && exits != want) {
		printf("  floor probe   FAILED: %u calls of %#x made %llu bare exits, not %llu:\n"
		       "                the shim's probes did not answer them\n",
		       iterations, nr, (unsigned long long)exits, (unsigned long long)want);
		return -1;
	}
	return t;
}

/* Run the touch program once (bss or mmap, touching pages of them). */
static double run_touch(bool bss, uint32_t pages)
{
	return run_image(make_touch(bss, pages), 64ULL << 20, LOOP_PLAIN, NULL, NULL);
}

/*
 * The first touch of a page, in seconds: of one the VMM mapped before
 * boot (*platform: what the hypervisor charges for a page alone) and of
 * one the program mapped (*mapped: the shim's backing and its share of a
 * fault, which may fill in its neighbours too).  Each the
 * difference between touching TOUCH_PAGES pages and none, the fastest of
 * three rounds, the two kinds interleaved.  -1 on error.
 */
static int measure_touch(double *platform, double *mapped)
{
	double best[2][2] = { { -1, -1 }, { -1, -1 } };

	for (int round = 0; round < 3; round++)
		for (int bss = 0; bss < 2; bss++)
			for (int touch = 0; touch < 2; touch++) {
				double t = run_touch(bss, touch ? TOUCH_PAGES : 0);

				if (t < 0)
					return -1;
				if (best[bss][touch] < 0 || t < best[bss][touch])
					best[bss][touch] = t;
			}
	*platform = (best[1][1] - best[1][0]) / TOUCH_PAGES;
	*mapped = (best[0][1] - best[0][0]) / TOUCH_PAGES;
	return 0;
}

/* A call to measure: its number, how the shim runs it, how many calls
 * make a run long enough, and the fastest run so far. */
struct probe {
	uint32_t nr;
	enum loop_kind kind;
	uint32_t n;
	double best;
};

/*
 * Measure each probe's round trip, given t0, the time of an empty run
 * (the fastest of three): the loop grows tenfold until the calls take
 * longer than the start-up itself, so that start-up jitter cannot swamp
 * them (a call costs ~100 us on PVM but well under 1 us on hardware
 * KVM); then two more rounds, the probes interleaved so that a change in
 * the machine's load touches them alike, and the fastest of each.  The
 * round trip, in seconds, replaces best; -1 on error.
 */
static int measure(struct probe *p, int np, double t0)
{
	for (int i = 0; i < np; i++) {
		for (p[i].n = LOOPS_MIN;; p[i].n *= 10) {
			p[i].best = run_loop(p[i].n, p[i].nr, p[i].kind, NULL);
			if (p[i].best < 0)
				return -1;
			if (p[i].best - t0 > t0 || p[i].n >= LOOPS_MAX)
				break;
		}
	}
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < np; i++) {
			double t = run_loop(p[i].n, p[i].nr, p[i].kind, NULL);

			if (t < 0)
				return -1;
			if (t < p[i].best)
				p[i].best = t;
		}
	}
	for (int i = 0; i < np; i++)
		p[i].best = (p[i].best > t0 ? p[i].best - t0 : 0) / p[i].n;
	return 0;
}

static void cpu_brand(char *out, size_t len)
{
	unsigned int r[12];

	snprintf(out, len, "unknown");
	if (!__get_cpuid(0x80000000, &r[0], &r[1], &r[2], &r[3]) || r[0] < 0x80000004)
		return;
	for (unsigned i = 0; i < 3; i++)
		__get_cpuid(0x80000002 + i, &r[4 * i], &r[4 * i + 1],
			    &r[4 * i + 2], &r[4 * i + 3]);
	memcpy(out, r, len < 48 ? len : 48);
	out[len - 1] = '\0';
	if (len > 48)
		out[48] = '\0';
}

static bool running_in_vm(void)
{
	unsigned int a, b, c, d;

	return __get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 31));
}

int vmm_doctor(void)
{
	struct stat st;
	struct utsname un;
	enum lstar_platform platform;
	char brand[64];
	int kvm, vm, problems = 0;
	uint32_t sync_regs;
	double t0, local, fwd, gate, floor, floor_exit, touch_platform, touch_mapped;
	struct vmm_steps steps = { { 0 } };
	struct probe probes[] = {
		{ LSTAR_FLOOR_NR, LOOP_FLOOR, 0, 0 },
		{ LSTAR_FLOOR_NR + 1, LOOP_FLOOR, 0, 0 },
		{ SYS_gettid, LOOP_PLAIN, 0, 0 },
		{ SYS_fcntl, LOOP_PLAIN, 0, 0 },	/* fcntl(1, F_GETFD) */
		{ SYS_getpid, LOOP_PLAIN, 0, 0 },	/* PVM: the gate's */
	};
	int nprobes;

	uname(&un);
	cpu_brand(brand, sizeof(brand));
	printf("lstar %s doctor\n", LSTAR_VERSION);
	printf("  kernel        %s %s\n", un.sysname, un.release);
	printf("  cpu           %s\n", brand);

	/* /dev/kvm: there, and ours to open? */
	if (stat("/dev/kvm", &st) < 0) {
		printf("  /dev/kvm      MISSING: %s\n", strerror(errno));
		printf("                load kvm_intel or kvm_amd (or kvm_pvm), or enable\n"
		       "                nested virtualization for this VM\n");
		return 1;
	}
	{
		struct group *g = getgrgid(st.st_gid);
		struct passwd *p = getpwuid(st.st_uid);

		printf("  /dev/kvm      present, mode %04o, owner %s, group %s\n",
		       st.st_mode & 07777, p ? p->pw_name : "?", g ? g->gr_name : "?");
	}
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0) {
		printf("  access        NO: %s\n", strerror(errno));
		printf("                add yourself to the device's group, e.g.\n"
		       "                sudo usermod -aG kvm $USER (then log in again)\n");
		return 1;
	}
	printf("  access        read/write ok\n");
	if (ioctl(kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		printf("  KVM API       unexpected version\n");
		close(kvm);
		return 1;
	}
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0) {
		printf("  KVM_CREATE_VM FAILED: %s\n", strerror(errno));
		close(kvm);
		return 1;
	}
	printf("  KVM_CREATE_VM ok\n");
	platform = vmm_detect_platform();
	if (vmm_disable_hypercall_patching(kvm, vm, platform))
		printf("  hypercalls    KVM leaves the program's vmcall/vmmcall bytes alone:\n"
		       "                the other vendor's instruction just faults\n");
	else
		printf("  hypercalls    KVM rewrites the other vendor's vmcall/vmmcall in\n"
		       "                guest memory (no KVM_CAP_DISABLE_QUIRKS2, or PVM):\n"
		       "                such an instruction ends in a #PF at its own address\n");
	sync_regs = vmm_kvm_sync_regs(kvm);
	close(vm);
	close(kvm);

	printf("  platform      %s\n", vmm_platform_name(platform));
	switch (platform) {
	case LSTAR_PLATFORM_PVM:
		printf("                the shim runs emulated (~360 ns an instruction) and a\n"
		       "                ring-3 syscall reaches it as a page fault; every switch\n"
		       "                between the program and the shim costs tens of us\n");
		/* The register way (docs/DECISIONS.md): where KVM keeps no
		 * registers in kvm_run, two ioctls more each forwarded call. */
		if (sync_regs & KVM_SYNC_X86_REGS)
			printf("                forwarded calls go to the VMM in their registers,\n"
			       "                read from kvm_run (KVM_CAP_SYNC_REGS)\n");
		else
			printf("                forwarded calls go to the VMM in their registers, read\n"
			       "                with KVM_GET_REGS (two ioctls more a call)\n");
		break;
	case LSTAR_PLATFORM_VMX:
	case LSTAR_PLATFORM_SVM:
		printf("                the shim runs natively in guest ring 0; a syscall it\n"
		       "                answers itself costs well under a microsecond\n");
		if (running_in_vm())
			printf("                this host is itself a VM: nested virtualization,\n"
			       "                so each exit to lstar's VMM costs several times more\n");
		break;
	default:
		printf("                unknown: lstar will try the hardware entry path\n");
		problems++;
		break;
	}

	/* The MSR filter: the shim tries a forbidden MSR; a run that ends
	 * normally means the read went through. */
	if (run_loop(0, 39, LOOP_PROBE_MSR, NULL) < 0)
		printf("  MSR filter    active: the shim can touch only the syscall and\n"
		       "                segment-base MSRs\n");
	else
		printf("  MSR filter    NOT active (KVM lacks KVM_CAP_X86_MSR_FILTER): a\n"
		       "                taken-over shim could write any MSR KVM allows\n");

	/* Landlock fences lstar's own file access (vmm/confine.c). */
	{
		long abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
				   1U /* LANDLOCK_CREATE_RULESET_VERSION */);

		if (abi > 0)
			printf("  landlock      ABI %ld: lstar confines its own file access%s\n", abi,
			       abi >= 4 ? " and TCP ports" : "");
		else
			printf("  landlock      not available: lstar relies on its path checks\n"
			       "                alone (enable CONFIG_SECURITY_LANDLOCK, lsm=landlock)\n");
	}

	/* Measure: an empty run, then N calls of each kind: the floor
	 * probes (the platform's own cost, lstar's work left out), one the
	 * shim answers (gettid), one it forwards (fcntl(1, F_GETFD)) and on
	 * PVM one the syscall gate answers (getpid).  One
	 * run first to warm up: the first VM of a process pays for page
	 * faults and caches the others do not. */
	run_loop(0, 39, LOOP_PLAIN, NULL);
	t0 = -1;
	for (int i = 0; i < 3; i++) {	/* the fastest of three */
		struct vmm_steps s;
		double t = run_loop(0, 39, LOOP_PLAIN, &s);

		if (t < 0) {
			t0 = -1;
			break;
		}
		if (t0 < 0 || t < t0) {
			t0 = t;
			steps = s;
		}
	}
	nprobes = platform == LSTAR_PLATFORM_PVM ? 5 : 4;
	if (t0 < 0 || measure(probes, nprobes, t0) ||
	    measure_touch(&touch_platform, &touch_mapped)) {
		printf("  test run      FAILED: lstar could not run its own test program\n");
		return 1;
	}
	floor = probes[0].best;
	floor_exit = probes[1].best;
	local = probes[2].best;
	fwd = probes[3].best;
	gate = probes[4].best;
	printf("  start-up      %.1f ms for an empty program (VM set-up and boot)\n",
	       t0 * 1e3);
	printf("  steps         program %.2f, VM %.2f, images %.2f, vCPU %.2f,\n"
	       "                confinement %.2f, boot and run %.2f, teardown %.2f ms\n",
	       steps.took[VMM_STEP_PROGRAM] * 1e3, steps.took[VMM_STEP_VM] * 1e3,
	       steps.took[VMM_STEP_IMAGES] * 1e3, steps.took[VMM_STEP_VCPU] * 1e3,
	       steps.took[VMM_STEP_CONFINE] * 1e3, steps.took[VMM_STEP_RUN] * 1e3,
	       steps.took[VMM_STEP_TEARDOWN] * 1e3);
	printf("  floor         %.2f us round trip: a bare entry and return, the platform's own\n",
	       floor * 1e6);
	printf("  floor exit    %.2f us round trip: the same with one bare exit to the VMM\n",
	       floor_exit * 1e6);
	if (nprobes == 5)
		printf("  gate          %.2f us round trip, answered in ring 3 by the syscall gate\n"
		       "                (getpid): %.2fx the floor, what a syscall alone costs here\n",
		       gate * 1e6, floor > 0 ? gate / floor : 0);
	printf("  syscall       %.2f us round trip, answered inside the guest (gettid): "
	       "%.2fx the floor\n", local * 1e6, floor > 0 ? local / floor : 0);
	printf("  VMM exit      %.2f us round trip, forwarded to the VMM (fcntl): "
	       "%.2fx the floor exit\n", fwd * 1e6, floor_exit > 0 ? fwd / floor_exit : 0);
	printf("  first touch   %.2f us a page the program maps, %.2f us one mapped\n"
	       "                before boot (the platform's own, a page a fault): %.2fx\n",
	       touch_mapped * 1e6, touch_platform * 1e6,
	       touch_platform > 0 ? touch_mapped / touch_platform : 0);
	printf("  native        a syscall on this host costs about 0.1 us\n");
	if (problems) {
		printf("verdict: lstar may not work here (see above)\n");
		return 1;
	}
	printf("verdict: ready\n");
	return 0;
}
