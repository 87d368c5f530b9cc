/* SPDX-License-Identifier: MIT */
/*
 * gate.c - the calls the syscall gate answers (vdso/gate.S), against
 * Linux: the same answers, the same registers and RFLAGS afterwards,
 * events still reaching a program that makes nothing but such calls,
 * and the same answers once the program has unmapped or changed the
 * vDSO or the time page the gate lives in and reads.  argv[1] names the
 * mode; each prints what Linux and lstar must agree on.
 *
 *   flags       getpid, getuid, geteuid, getgid, getegid, gettid (the
 *               shim's) and fcntl(1, F_GETFD) (the VMM's), each with
 *               RFLAGS set to six patterns of the arithmetic flags and DF:
 *               RFLAGS, r11 and rcx afterwards and every other register
 *   events      an interval timer's SIGALRMs arrive while the program
 *               calls getpid in a loop
 *   events_shim 1500 of them while it calls fcntl(1, F_GETFD), which goes
 *               through the gate to the shim: every answer right
 *   unmap       getpid, getuid and getgid after munmap of the vDSO and the
 *               time pages below it
 *   unmap_vvar  the same after munmap of the time pages only
 *   noexec      the same after mprotect(PROT_READ) of the vDSO
 *   fork        getpid in a child is the pid fork gave the parent
 *   patch       (lstar only) the time page made writable and the pid the
 *               gate answers with made 4242: prints what getpid answers,
 *               4242 where the gate answers it
 *   remap       (lstar only) the vDSO and time page replaced by a mapping
 *               with code answering 4242 where the gate was: getpid
 *               right, and in a forked child too
 *   forged      (lstar only) the vDSO unmapped, a jump to where the gate
 *               was with rcx 2 past the first non-canonical address:
 *               SIGSEGV, the shim unshaken
 */
#include <elf.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE	4096UL

/* Register images for one raw syscall: loaded, then stored after. */
enum { R_AX, R_BX, R_CX, R_DX, R_SI, R_DI, R_BP, R_R8, R_R9, R_R10, R_R11,
       R_R12, R_R13, R_R14, R_R15, R_FLAGS, NREGS };

static uint64_t in[NREGS], out[NREGS];

/* Load every register from in[] (RFLAGS with popfq, on the stack below
 * the frame the compiler knows: the asm says it uses no red zone), make
 * the call, store every register and RFLAGS to out[]. */
static __attribute__((noinline)) void raw_syscall(void)
{
	__asm__ volatile(
		"pushq %%rbp\n\t"
		"pushq %%rbx\n\t"
		"pushq %%r12\n\t"
		"pushq %%r13\n\t"
		"pushq %%r14\n\t"
		"pushq %%r15\n\t"
		"pushq %[in]\n\t"
		"pushq %[out]\n\t"
		"movq %[in], %%rax\n\t"
		"pushq 15*8(%%rax)\n\t"		/* RFLAGS */
		"movq 1*8(%%rax), %%rbx\n\t"
		"movq 2*8(%%rax), %%rcx\n\t"
		"movq 3*8(%%rax), %%rdx\n\t"
		"movq 4*8(%%rax), %%rsi\n\t"
		"movq 5*8(%%rax), %%rdi\n\t"
		"movq 6*8(%%rax), %%rbp\n\t"
		"movq 7*8(%%rax), %%r8\n\t"
		"movq 8*8(%%rax), %%r9\n\t"
		"movq 9*8(%%rax), %%r10\n\t"
		"movq 10*8(%%rax), %%r11\n\t"
		"movq 11*8(%%rax), %%r12\n\t"
		"movq 12*8(%%rax), %%r13\n\t"
		"movq 13*8(%%rax), %%r14\n\t"
		"movq 14*8(%%rax), %%r15\n\t"
		"movq 0*8(%%rax), %%rax\n\t"
		"popfq\n\t"
		"syscall\n\t"
		"pushfq\n\t"
		"pushq %%rax\n\t"
		"movq 16(%%rsp), %%rax\n\t"	/* out */
		"popq 0*8(%%rax)\n\t"
		"popq 15*8(%%rax)\n\t"
		"cld\n\t"
		"movq %%rbx, 1*8(%%rax)\n\t"
		"movq %%rcx, 2*8(%%rax)\n\t"
		"movq %%rdx, 3*8(%%rax)\n\t"
		"movq %%rsi, 4*8(%%rax)\n\t"
		"movq %%rdi, 5*8(%%rax)\n\t"
		"movq %%rbp, 6*8(%%rax)\n\t"
		"movq %%r8, 7*8(%%rax)\n\t"
		"movq %%r9, 8*8(%%rax)\n\t"
		"movq %%r10, 9*8(%%rax)\n\t"
		"movq %%r11, 10*8(%%rax)\n\t"
		"movq %%r12, 11*8(%%rax)\n\t"
		"movq %%r13, 12*8(%%rax)\n\t"
		"movq %%r14, 13*8(%%rax)\n\t"
		"movq %%r15, 14*8(%%rax)\n\t"
		"addq $16, %%rsp\n\t"
		"popq %%r15\n\t"
		"popq %%r14\n\t"
		"popq %%r13\n\t"
		"popq %%r12\n\t"
		"popq %%rbx\n\t"
		"popq %%rbp\n\t"
		: : [in] "r"(in), [out] "r"(out)
		: "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11",
		  "memory", "cc");
}

/* The address right after raw_syscall's `syscall`: where rcx points. */
static uint64_t after_syscall(void)
{
	const uint8_t *p = (const uint8_t *)raw_syscall;

	for (int i = 0; i < 512; i++)
		if (p[i] == 0x0f && p[i + 1] == 0x05)
			return (uint64_t)(p + i + 2);
	return 0;
}

static int flags_mode(void)
{
	static const struct { const char *name; long nr, a0, a1; } calls[] = {
		{ "getpid", SYS_getpid, 0, 0 }, { "getuid", SYS_getuid, 0, 0 },
		{ "geteuid", SYS_geteuid, 0, 0 }, { "getgid", SYS_getgid, 0, 0 },
		{ "getegid", SYS_getegid, 0, 0 }, { "gettid", SYS_gettid, 0, 0 },
		{ "fcntl", SYS_fcntl, 1, F_GETFD },
	};
	/* IF and the fixed bit, with: nothing; CF; ZF PF; SF AF; OF; DF
	 * with all of the arithmetic ones. */
	static const uint64_t patterns[] = { 0x202, 0x203, 0x246, 0x292, 0xa02, 0xed7 };
	uint64_t rcx_want = after_syscall();

	for (size_t c = 0; c < sizeof(calls) / sizeof(calls[0]); c++) {
		long want = syscall(calls[c].nr, calls[c].a0, calls[c].a1);

		for (size_t f = 0; f < sizeof(patterns) / sizeof(patterns[0]); f++) {
			bool regs_ok = true;

			for (int r = 0; r < NREGS; r++)
				in[r] = 0x1111111111111111ULL * (uint64_t)(r + 1);
			in[R_AX] = (uint64_t)calls[c].nr;
			in[R_DI] = (uint64_t)calls[c].a0;
			in[R_SI] = (uint64_t)calls[c].a1;
			in[R_FLAGS] = patterns[f];
			raw_syscall();
			for (int r = 0; r < NREGS; r++)
				if (r != R_AX && r != R_CX && r != R_R11 && r != R_FLAGS &&
				    out[r] != in[r])
					regs_ok = false;
			printf("%s flags %#lx: answer %s, rflags %#lx, r11 %#lx, rcx %s, "
			       "regs %s\n", calls[c].name, (unsigned long)patterns[f],
			       (long)out[R_AX] == want ? "as before" : "DIFFERENT",
			       (unsigned long)(out[R_FLAGS] & 0xfd5),
			       (unsigned long)(out[R_R11] & 0xfd5),
			       out[R_CX] == rcx_want ? "the return address" : "DIFFERENT",
			       regs_ok ? "kept" : "CHANGED");
		}
	}
	return 0;
}

static volatile sig_atomic_t ticks, ticks_wanted;

/* The last one wanted stops the timer: where taking a signal costs more
 * than its interval (on PVM, about 1 ms on an Intel host and 2 on an AMD
 * one), the handler would otherwise run back to back for good and the
 * program never get back to its loop, as on Linux with a slow handler. */
static void on_alarm(int sig)
{
	static const struct itimerval off;

	(void)sig;
	if (++ticks == ticks_wanted)
		setitimer(ITIMER_REAL, &off, NULL);
}

/* SIGALRMs every 2 ms (about what taking one costs on the slower PVM
 * hosts, so that the program still runs between them) while the program
 * makes nothing but one call (nr), want of them: all arrive, and none
 * upsets a call. */
static int events_mode(long nr, int want)
{
	struct itimerval it = { { 0, 2000 }, { 0, 2000 } };
	struct timespec t0, t;
	long calls = 0, wrong = 0, answer = syscall(nr, 1, F_GETFD);

	ticks_wanted = want;
	signal(SIGALRM, on_alarm);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ticks = 0;		/* those that come while it calls */
	setitimer(ITIMER_REAL, &it, NULL);
	do {
		/* Only the call between clock reads, and the clock is the
		 * vDSO's: nothing else enters the shim. */
		for (int i = 0; i < 20 && ticks < want; i++, calls++)
			if (syscall(nr, 1, F_GETFD) != answer)
				wrong++;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (ticks < want && t.tv_sec - t0.tv_sec < 20);
	printf("%s, %s\n", ticks >= want && calls > 0 ? "the SIGALRMs arrived" : "SIGALRMs MISSING",
	       wrong ? "SOME ANSWERS WRONG" : "every answer right");
	return 0;
}

/* The vDSO's mapped size, from its program headers. */
static uint64_t vdso_size(uint64_t base)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)base;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(base + eh->e_phoff);

	for (int i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD)
			return (ph[i].p_vaddr + ph[i].p_memsz + PAGE - 1) & ~(PAGE - 1);
	return PAGE;
}

/* Where the time pages below the vDSO start: Linux's [vvar] mappings (as
 * /proc/self/maps names them), else lstar's one page. */
static uint64_t vvar_start(uint64_t base)
{
	FILE *f = fopen("/proc/self/maps", "r");
	uint64_t start = base - PAGE, lo, hi;
	char line[256];

	if (!f)
		return start;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "[vvar") && sscanf(line, "%lx-%lx", &lo, &hi) == 2 &&
		    lo < start)
			start = lo;
	fclose(f);
	return start;
}

static void ids(const char *when, long pid0, long uid0, long gid0)
{
	printf("%s: getpid %s, getuid %s, getgid %s, geteuid %s, getegid %s\n", when,
	       syscall(SYS_getpid) == pid0 ? "same" : "DIFFERENT",
	       syscall(SYS_getuid) == uid0 ? "same" : "DIFFERENT",
	       syscall(SYS_getgid) == gid0 ? "same" : "DIFFERENT",
	       syscall(SYS_geteuid) == uid0 ? "same" : "DIFFERENT",
	       syscall(SYS_getegid) == gid0 ? "same" : "DIFFERENT");
}

static int change_mode(const char *mode)
{
	uint64_t base = getauxval(AT_SYSINFO_EHDR);
	long pid0 = syscall(SYS_getpid), uid0 = syscall(SYS_getuid);
	long gid0 = syscall(SYS_getgid);
	uint64_t vvar;
	int err = 0;

	if (!base) {
		printf("no vDSO\n");
		return 1;
	}
	vvar = vvar_start(base);
	fflush(stdout);
	/* From here on the libc must not use the vDSO (no clock calls). */
	if (!strcmp(mode, "unmap"))
		err = munmap((void *)vvar, base - vvar + vdso_size(base));
	else if (!strcmp(mode, "unmap_vvar"))
		err = munmap((void *)vvar, base - vvar);
	else
		err = mprotect((void *)base, vdso_size(base), PROT_READ);
	if (err) {
		perror(mode);
		return 1;
	}
	ids(mode, pid0, uid0, gid0);
	ids("again", pid0, uid0, gid0);
	return 0;
}

static int fork_mode(void)
{
	int fds[2], status;
	long child_pid = 0;
	pid_t pid;

	if (pipe(fds))
		return 1;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		long me = syscall(SYS_getpid);

		if (write(fds[1], &me, sizeof(me)) != sizeof(me))
			_exit(1);
		_exit(0);
	}
	if (pid < 0 || read(fds[0], &child_pid, sizeof(child_pid)) != sizeof(child_pid) ||
	    waitpid(pid, &status, 0) != pid)
		return 1;
	printf("child's getpid %s fork's answer; parent's getpid %s\n",
	       child_pid == pid ? "is" : "IS NOT",
	       syscall(SYS_getpid) == getpid() && getpid() != pid ? "its own" : "WRONG");
	return 0;
}

/* The vDSO's symbol `name`, from its dynamic symbol table. */
static uint64_t vdso_sym(uint64_t base, const char *name)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)base;
	const Elf64_Shdr *sh = (const Elf64_Shdr *)(base + eh->e_shoff);

	for (int i = 0; i < eh->e_shnum; i++) {
		const Elf64_Sym *sym = (const Elf64_Sym *)(base + sh[i].sh_offset);
		const char *str = (const char *)(base + sh[sh[i].sh_link].sh_offset);

		if (sh[i].sh_type != SHT_DYNSYM)
			continue;
		for (uint64_t n = 0; n < sh[i].sh_size / sizeof(*sym); n++)
			if (!strcmp(str + sym[n].st_name, name))
				return base + sym[n].st_value;
	}
	return 0;
}

static int patch_mode(void)
{
	uint64_t base = getauxval(AT_SYSINFO_EHDR);
	volatile int32_t *pid;

	if (!base || !vdso_sym(base, "__lstar_syscall_gate")) {
		printf("no gate\n");
		return 1;
	}
	/* lstar's time page: one page below the vDSO, the pid at 72 */
	if (mprotect((void *)(base - PAGE), PAGE, PROT_READ | PROT_WRITE)) {
		perror("mprotect");
		return 1;
	}
	pid = (volatile int32_t *)(base - PAGE + 72);
	*pid = 4242;
	printf("getpid %ld\n", syscall(SYS_getpid));
	return 0;
}

/* The vDSO and time page replaced (MAP_FIXED) by a mapping holding, at the
 * gate's old address, code of the program's that answers getpid with 4242
 * (any other call there is a SIGILL): no call of this process or of a child
 * it forks may run it (the shim never takes that page for the gate
 * again). */
static int remap_mode(void)
{
	/* cmp $39, %eax; jne 1f; mov $4242, %eax; jmp *%rcx; 1: ud2 */
	static const uint8_t code[] = { 0x83, 0xf8, 0x27, 0x75, 0x07, 0xb8, 0x92, 0x10,
					0, 0, 0xff, 0xe1, 0x0f, 0x0b };
	uint64_t base = getauxval(AT_SYSINFO_EHDR), gate, vvar, size;
	long pid = syscall(SYS_getpid), child_pid = 0;
	int fds[2], status;
	pid_t c;

	if (!base || !(gate = vdso_sym(base, "__lstar_syscall_gate"))) {
		printf("no gate\n");
		return 1;
	}
	vvar = vvar_start(base);
	size = base - vvar + vdso_size(base);
	/* One call replaces them: no call comes through the gate's address
	 * while nothing is mapped there. */
	if (pipe(fds) || mmap((void *)vvar, size, PROT_READ | PROT_WRITE | PROT_EXEC,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != (void *)vvar)
		return 1;
	memcpy((void *)gate, code, sizeof(code));
	printf("after the remap: getpid %s\n", syscall(SYS_getpid) == pid ? "right" : "WRONG");
	fflush(stdout);
	c = fork();
	if (c == 0) {
		long me = syscall(SYS_getpid);

		_exit(write(fds[1], &me, sizeof(me)) == sizeof(me) ? 0 : 1);
	}
	if (c < 0 || read(fds[0], &child_pid, sizeof(child_pid)) != sizeof(child_pid) ||
	    waitpid(c, &status, 0) != c)
		return 1;
	printf("the child's getpid %s\n", child_pid == c ? "right" : "WRONG");
	return 0;
}

/* Jump to the gate's address, its vDSO unmapped, with rcx such that its
 * `syscall` would lie at the first non-canonical address: a SIGSEGV, as
 * for any jump to an unmapped page, never a restart there. */
static int forged_mode(void)
{
	uint64_t base = getauxval(AT_SYSINFO_EHDR), gate;

	if (!base || !(gate = vdso_sym(base, "__lstar_syscall_gate"))) {
		printf("no gate\n");
		return 1;
	}
	printf("jumping\n");
	/* No call between the munmap and the jump: this CPU's MSR_LSTAR
	 * still points at the gate. */
	if (munmap((void *)base, vdso_size(base)))
		return 1;
	__asm__ volatile("jmp *%0" : : "r"(gate), "a"(SYS_getpid), "c"(0x800000000002ULL)
			 : "memory");
	printf("came back\n");
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		return 2;
	if (!strcmp(argv[1], "flags"))
		return flags_mode();
	if (!strcmp(argv[1], "events"))
		return events_mode(SYS_getpid, 5);
	if (!strcmp(argv[1], "events_shim"))
		return events_mode(SYS_fcntl, 1500);
	if (!strcmp(argv[1], "unmap") || !strcmp(argv[1], "unmap_vvar") ||
	    !strcmp(argv[1], "noexec"))
		return change_mode(argv[1]);
	if (!strcmp(argv[1], "fork"))
		return fork_mode();
	if (!strcmp(argv[1], "patch"))
		return patch_mode();
	if (!strcmp(argv[1], "forged"))
		return forged_mode();
	if (!strcmp(argv[1], "remap"))
		return remap_mode();
	return 2;
}
