/* SPDX-License-Identifier: MIT */
/*
 * test_hostile.c - guest programs that try to get past a check of the
 * boundary; each test is that check's proof.
 *
 * Every run must end as stated: exact status, exact stdout, and on stderr
 * lstar's "killed by SIG..." line naming the expected signal (or nothing).
 * No run may end in a shim panic or shim failure (125): a hostile program
 * may kill itself, never the shim.  Where Linux gives the same answer, the
 * same binary also runs natively and must end the same way.
 *
 * The platforms (shared/PLATFORMS.md) answer some of these differently:
 * on PVM a jump to the shim's syscall entry is a syscall, and some
 * faults arrive as other vectors than on hardware KVM; a few answers
 * follow the CPU's vendor; QEMU's emulator (`make check-hw`) does not
 * model a few corners of x86.  Each test decides its expectation from
 * what it observes of the machine (host.c) and writes every platform's
 * answer down side by side (docs/DECISIONS.md, "What differs on PVM").
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/auxv.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lstar_abi.h"
#include "tests.h"

static const char *const libcs[] = { "musl", "glibc" };

static bool on_pvm(void)
{
	return host_facts()->platform == LSTAR_PLATFORM_PVM;
}

/* What one run must give. */
struct expect {
	const char *mode;	/* argv[1], or NULL for none */
	int status;
	const char *out;	/* exact stdout */
	const char *sig;	/* "SIGSEGV"...: lstar's stderr line; NULL: no stderr */
	const char *detail;	/* a further piece of that line, or NULL */
};

static const char *probe_path(const char *name, int libc)
{
	static char buf[256];

	snprintf(buf, sizeof(buf), "%s.%s", name, libcs[libc]);
	return guest_path(buf);
}

static void run_boxed(const char *const opts[], const char *prog,
		      const char *mode, struct run_result *r)
{
	const char *const args[] = { mode, NULL };

	run_lstar(opts, prog, mode ? args : NULL, r);
}

static void run_native(const char *prog, const char *mode, struct run_result *r)
{
	const char *argv[] = { prog, mode, NULL };

	run_argv((char *const *)argv, NULL, 60, r);
}

/* The shim must never break, whatever the program did. */
static void assert_shim_intact(const char *what, const struct run_result *r)
{
	ck_assert_msg(!strstr(r->err, "shim panic") && !strstr(r->err, "shim failure") &&
		      r->status != 125,
		      "%s: the program broke the shim (status %d)\n--- stdout\n%s--- stderr\n%s",
		      what, r->status, r->out, r->err);
}

static void check_boxed(const char *what, const struct run_result *r,
			const struct expect *e)
{
	char want[64];

	assert_shim_intact(what, r);
	ck_assert_msg(r->status == e->status && !strcmp(r->out, e->out),
		      "%s: status %d, expected %d\n--- stdout\n%s--- expected\n%s"
		      "--- stderr\n%s", what, r->status, e->status, r->out, e->out, r->err);
	if (!e->sig) {
		ck_assert_msg(r->err[0] == '\0', "%s: unexpected stderr:\n%s", what, r->err);
		return;
	}
	snprintf(want, sizeof(want), "killed by %s: ", e->sig);
	ck_assert_msg(strstr(r->err, want) != NULL,
		      "%s: stderr does not say \"%s\":\n%s", what, want, r->err);
	ck_assert_msg(!e->detail || strstr(r->err, e->detail) != NULL,
		      "%s: stderr does not say \"%s\":\n%s", what, e->detail, r->err);
}

/* Natively the same binary must end with the same status and stdout. */
static void check_native(const char *what, const char *prog, const struct expect *e)
{
	struct run_result n;

	run_native(prog, e->mode, &n);
	ck_assert_msg(n.status == e->status && !strcmp(n.out, e->out),
		      "%s natively: status %d, expected %d (as under lstar)\n"
		      "--- stdout\n%s--- expected\n%s", what, n.status, e->status,
		      n.out, e->out);
	run_result_free(&n);
}

/* Run prog MODE under lstar, check it against e and, if native, natively. */
static void expect_run(const char *name, int libc, const struct expect *e,
		       bool native)
{
	const char *prog = probe_path(name, libc);
	char what[256];
	struct run_result r;

	snprintf(what, sizeof(what), "%s.%s %s", name, libcs[libc], e->mode ? e->mode : "");
	run_boxed(NULL, prog, e->mode, &r);
	check_boxed(what, &r, e);
	run_result_free(&r);
	if (native)
		check_native(what, probe_path(name, libc), e);
}

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* --- 1. ring 3 cannot do privileged or I/O things ------------------------- */

START_TEST(ring3_out_is_a_fault)
{
	const struct expect e = { NULL, 139, "trying out\n", "SIGSEGV",
				  "general protection (#GP)" };

	expect_run("hostile_out", _i, &e, true);
}
END_TEST

/* hostile_priv MODE: each a #GP (SIGSEGV) on both platforms and natively. */
static const char *const priv_modes[] = {
	"cli", "sti", "hlt", "in", "inb", "out", "outb", "ins", "outs",
	"wrmsr", "wrmsr_pvm", "rdmsr", "rdcr3", "wrcr3", "wrcr0", "wrcr4",
	"lgdt", "lidt", "lldt", "ltr", "invlpg", "wbinvd", "invd", "swapgs",
	"sysret", "iret_cs0", "wrdr7", "clts", "xsetbv", "rdpmc",
	"movss_kernel", "movds_kernel",
};

/*
 * QEMU's emulator (make check-hw) does not model a few corners of x86;
 * these replace the hardware's answer when the tests run under it
 * (docs/HARDWARE-TESTS.md).  Where the same program run natively in the
 * emulated machine can show it, it shows the same, so the answer is the
 * emulator's, not lstar's.
 */
static const struct tcg_answer {
	struct expect e;
	bool native;		/* a native run ends the same way */
} tcg_answers[] = {
	/* ICEBP (0xf1) is a #UD, not a #DB. */
	{ { "icebp", 132, "trying icebp\n", "SIGILL", "invalid opcode (#UD)" }, true },
	/* A non-canonical stack access is a #GP, not a #SS. */
	{ { "noncanon_stack", 139, "trying noncanon_stack\n", "SIGSEGV",
	    "general protection (#GP)" }, true },
	/* No alignment checking at all: the load just happens. */
	{ { "ac", 0, "trying ac\nunaligned load 0\nac: not stopped\n", NULL, NULL }, true },
	/* With CR4.SMAP on, a ring-3 lretq/iretq reads its frame from the
	 * user stack as a supervisor access: a #PF before the #GP.  Linux
	 * in the emulated machine finds the page present and retries the
	 * iretq forever; 0x23 is its 32-bit code segment, so its far
	 * return succeeds. */
	{ { "farret23", 139, "trying farret23\n", "SIGSEGV", "page fault (#PF)" }, false },
	{ { "iret_cs0", 139, "trying iret_cs0\n", "SIGSEGV", "page fault (#PF)" }, false },
};

/* The emulator's answer for mode when running under it, else NULL. */
static const struct tcg_answer *tcg_answer(const char *mode)
{
	if (host_facts()->tcg && mode)
		for (size_t i = 0; i < NELEM(tcg_answers); i++)
			if (!strcmp(mode, tcg_answers[i].e.mode))
				return &tcg_answers[i];
	return NULL;
}

/* Run prog MODE as expect_run does, with the emulator's answer where it
 * has its own. */
static void expect_run_here(const char *name, int libc, const struct expect *e,
			    bool native)
{
	const struct tcg_answer *t = tcg_answer(e->mode);

	expect_run(name, libc, t ? &t->e : e, t ? t->native && native : native);
}

START_TEST(privileged_instruction_faults)
{
	const char *mode = priv_modes[_i / 2];
	char out[64];
	struct expect e = { mode, 139, out, "SIGSEGV", "general protection (#GP)" };

	snprintf(out, sizeof(out), "trying %s\n", mode);
	expect_run_here("hostile_priv", _i % 2, &e, true);
}
END_TEST

/*
 * monitor/mwait at CPL 3 are a #UD on the CPU (Intel SDM and AMD APM
 * alike: the privilege check comes first), natively SIGILL; on hardware
 * KVM and under QEMU the same.  PVM reports #GP, on Intel and AMD hosts
 * alike.  Either way the program ends.
 */
START_TEST(monitor_mwait_fault)
{
	const char *mode = _i / 2 ? "mwait" : "monitor";
	char out[64];
	const struct expect pvm = { mode, 139, out, "SIGSEGV", "general protection (#GP)" };
	const struct expect cpu = { mode, 132, out, "SIGILL", "invalid opcode (#UD)" };

	snprintf(out, sizeof(out), "trying %s\n", mode);
	expect_run("hostile_priv", _i % 2, on_pvm() ? &pvm : &cpu, false);
}
END_TEST

/*
 * vmcall/vmmcall from ring 3 go to the hypervisor, never to the shim or
 * the VMM, and only the program sees the answer.  Which one is the CPU's
 * own follows the vendor, on PVM as on hardware KVM (and under QEMU, an
 * AMD CPU):
 *   - the vendor's own (vmcall on Intel, vmmcall on AMD) reaches KVM's
 *     hypercall path, which refuses a call from CPL 3 with rax =
 *     -KVM_EPERM (-1): the program goes on;
 *   - the other vendor's is a #UD that KVM's instruction emulator takes.
 *     On AMD it refuses vmcall at CPL 3 as privileged: #GP, SIGSEGV.  On
 *     Intel, vmmcall ends as the #UD it is (SIGILL) once lstar has
 *     turned off KVM's rewriting of it (vm.c); where KVM lacks that
 *     switch (before 5.19), or ignores it (PVM), the rewrite's write
 *     into the program's read-only text is a #PF at the instruction's
 *     own address.
 */
START_TEST(hypercall_instruction_refused)
{
	const struct host_facts *h = host_facts();
	const char *mode = _i / 2 ? "vmmcall" : "vmcall";
	bool own = h->intel ? !strcmp(mode, "vmcall") : !strcmp(mode, "vmmcall");
	char trying[64], refused[128], rewrite[160];
	struct expect e;

	ck_assert_msg(h->intel || h->amd, "a CPU of neither vendor: %s", host_describe());
	/* What the CPU said, then what the hypervisor made of it. */
	snprintf(rewrite, sizeof(rewrite), "invalid opcode (#UD) for %s, which the "
		 "hypervisor turned into a page fault (#PF)", mode);
	snprintf(trying, sizeof(trying), "trying %s\n", mode);
	snprintf(refused, sizeof(refused),
		 "trying %s\n%s: not stopped (rax 0xffffffffffffffff)\n", mode, mode);
	if (own)
		e = (struct expect){ mode, 0, refused, NULL, NULL };
	else if (h->amd)
		e = (struct expect){ mode, 139, trying, "SIGSEGV", "general protection (#GP)" };
	else if (!h->hypercall_patching)
		e = (struct expect){ mode, 132, trying, "SIGILL", "invalid opcode (#UD)" };
	else
		e = (struct expect){ mode, 139, trying, "SIGSEGV", rewrite };
	expect_run("hostile_priv", _i % 2, &e, false);
}
END_TEST

/* --- 2. IOPL stays 0 ----------------------------------------------------- */

START_TEST(popf_cannot_raise_iopl)
{
	const struct expect e = { NULL, 139, "iopl 0\nif 1\ntrying out\n", "SIGSEGV",
				  "general protection (#GP)" };

	expect_run("hostile_iopl", _i, &e, true);
}
END_TEST

/* --- 3. a jump to the syscall entry with forged registers ----------------- */

#define FLAGS_CLEAN "flags iopl 0 if 1 tf 0 nt 0 ac 0 vif 0 vip 0\n"
#define RETURNED(rax) "rax " rax "\nrcx label\nr11 ok\nregs preserved\n"

/* On PVM: the jump is a syscall, and its return is made safe. */
static const struct expect fake_entry_pvm[] = {
	{ "getpid", 139, "trying getpid\n" RETURNED("2") FLAGS_CLEAN "trying out\n",
	  "SIGSEGV", "general protection (#GP)" },
	{ "sysret", 0, "trying sysret\n" RETURNED("2") FLAGS_CLEAN, NULL, NULL },
	{ "noncanon", 139, "trying noncanon\n", "SIGSEGV",
	  "general protection (#GP) (rip 0x800000000000)" },
	{ "noncanon_hi", 139, "trying noncanon_hi\n", "SIGSEGV",
	  "general protection (#GP) (rip 0x8000000000000000)" },
	{ "usertop", 139, "trying usertop\n", "SIGSEGV",
	  "general protection (#GP) (rip 0x7ffffffff000)" },
	{ "kernel", 139, "trying kernel\n", "SIGSEGV",
	  "general protection (#GP) (rip 0xffffffff80200000)" },
	{ "flags", 139, "trying flags\n" RETURNED("2") FLAGS_CLEAN "trying out\n",
	  "SIGSEGV", "general protection (#GP)" },
	/* A stack pointer the shim never uses: it comes back as it was. */
	{ "badrsp", 0, "trying badrsp\n" RETURNED("2") "rsp 0x800000000000\n" FLAGS_CLEAN,
	  NULL, NULL },
	{ "badrsp_iret", 0,
	  "trying badrsp_iret\n" RETURNED("2") "rsp 0x800000000000\n" FLAGS_CLEAN, NULL, NULL },
	{ "krsp", 0, "trying krsp\n" RETURNED("2") "rsp 0xffffffff80200000\n" FLAGS_CLEAN,
	  NULL, NULL },
	{ "krsp_iret", 0,
	  "trying krsp_iret\n" RETURNED("2") "rsp 0xffffffff80200000\n" FLAGS_CLEAN, NULL, NULL },
	{ "exit", 42, "trying exit\n", NULL, NULL },
	{ "bignr", 0, "trying bignr\n" RETURNED("-38") FLAGS_CLEAN, NULL, NULL },
	{ "hinr", 0, "trying hinr\n" RETURNED("2") FLAGS_CLEAN, NULL, NULL },
	{ "entry_plus1", 139, "trying entry_plus1\n", "SIGSEGV", "page fault (#PF)" },
	/* The same with a call the VMM answers (fcntl of a bad descriptor):
	 * where rcx and r11 allow SYSRET the shim's register way makes it,
	 * and everything but rax, rcx and r11 must come back as it was. */
	{ "fwd_getpid", 139, "trying fwd_getpid\n" RETURNED("-9") FLAGS_CLEAN "trying out\n",
	  "SIGSEGV", "general protection (#GP)" },
	{ "fwd_sysret", 0, "trying fwd_sysret\n" RETURNED("-9") FLAGS_CLEAN, NULL, NULL },
	{ "fwd_noncanon", 139, "trying fwd_noncanon\n", "SIGSEGV",
	  "general protection (#GP) (rip 0x800000000000)" },
	{ "fwd_usertop", 139, "trying fwd_usertop\n", "SIGSEGV",
	  "general protection (#GP) (rip 0x7ffffffff000)" },
	{ "fwd_kernel", 139, "trying fwd_kernel\n", "SIGSEGV",
	  "general protection (#GP) (rip 0xffffffff80200000)" },
	{ "fwd_flags", 139, "trying fwd_flags\n" RETURNED("-9") FLAGS_CLEAN "trying out\n",
	  "SIGSEGV", "general protection (#GP)" },
	{ "fwd_badrsp", 0,
	  "trying fwd_badrsp\n" RETURNED("-9") "rsp 0x800000000000\n" FLAGS_CLEAN, NULL, NULL },
	{ "fwd_krsp", 0,
	  "trying fwd_krsp\n" RETURNED("-9") "rsp 0xffffffff80200000\n" FLAGS_CLEAN, NULL, NULL },
	{ "fwd_krsp_iret", 0,
	  "trying fwd_krsp_iret\n" RETURNED("-9") "rsp 0xffffffff80200000\n" FLAGS_CLEAN,
	  NULL, NULL },
	/* A write shows the call made exactly once: by the VMM (SYSRET
	 * allowed), or by the common way after the VMM refused it (IOPL in
	 * r11, or rcx beyond user space: the return then faults). */
	{ "wr_sysret", 0, "trying wr_sysret\nW\n" RETURNED("2") FLAGS_CLEAN, NULL, NULL },
	{ "wr_getpid", 139, "trying wr_getpid\nW\n" RETURNED("2") FLAGS_CLEAN "trying out\n",
	  "SIGSEGV", "general protection (#GP)" },
	{ "wr_noncanon", 139, "trying wr_noncanon\nW\n", "SIGSEGV",
	  "general protection (#GP) (rip 0x800000000000)" },
};

START_TEST(fake_syscall_entry)
{
	const struct expect *p = &fake_entry_pvm[_i / 2];
	char out[64];
	/* On hardware KVM the entry is a supervisor page: a plain #PF. */
	struct expect hw = { p->mode, 139, out, "SIGSEGV", "page fault (#PF) at address 0xffffffff" };

	snprintf(out, sizeof(out), "trying %s\n", p->mode);
	expect_run("hostile_lstar", _i % 2, on_pvm() ? p : &hw, false);
}
END_TEST

/*
 * The register way where KVM keeps no registers in kvm_run: the VMM
 * reads and writes them with KVM_GET_REGS and KVM_SET_REGS, which its
 * confinement must allow (LSTAR_NO_SYNC_REGS makes a KVM that keeps
 * them look like one that does not).  The same answers, and the forged
 * calls made once.
 */
START_TEST(fake_syscall_entry_no_sync_regs)
{
	static const char *const modes[] = { "wr_sysret", "wr_getpid", "wr_noncanon",
					     "fwd_sysret", "fwd_flags" };
	const char *mode = modes[_i / 2];
	const struct expect *p = NULL;
	char out[64];
	struct expect hw = { mode, 139, out, "SIGSEGV", "page fault (#PF) at address 0xffffffff" };

	for (size_t k = 0; k < NELEM(fake_entry_pvm); k++)
		if (!strcmp(fake_entry_pvm[k].mode, mode))
			p = &fake_entry_pvm[k];
	ck_assert_ptr_nonnull(p);
	snprintf(out, sizeof(out), "trying %s\n", mode);
	ck_assert_int_eq(setenv("LSTAR_NO_SYNC_REGS", "1", 1), 0);
	expect_run("hostile_lstar", _i % 2, on_pvm() ? p : &hw, false);
	unsetenv("LSTAR_NO_SYNC_REGS");
}
END_TEST

/*
 * r11 = TF | IF: TF is a user flag and survives the return (by IRET: SYSRET
 * must not restore TF).  On PVM exactly one instruction at the return label
 * runs, then the single-step #DB ends the program at the address the probe
 * printed.  On hardware KVM the jump itself is the #PF.
 */
START_TEST(fake_syscall_entry_tf)
{
	const char *prog = probe_path("hostile_lstar", _i % 2);
	const char *mode = _i / 2 ? "fwd_tf" : "tf";	/* getpid, or a forwarded call */
	unsigned long step = 0;
	char out[64], detail[64], want[64];
	struct run_result r;

	run_boxed(NULL, prog, mode, &r);
	snprintf(want, sizeof(want), "trying %s\nstep 0x%%lx\n", mode);
	ck_assert_msg(sscanf(r.out, want, &step) == 1, "stdout: %s", r.out);
	snprintf(out, sizeof(out), "trying %s\nstep 0x%lx\n", mode, step);
	snprintf(detail, sizeof(detail), "debug trap (#DB) (rip 0x%lx)", step);
	{
		const struct expect e = on_pvm() ?
			(struct expect){ mode, 133, out, "SIGTRAP", detail } :
			(struct expect){ mode, 139, out, "SIGSEGV", "page fault (#PF)" };

		check_boxed("hostile_lstar tf", &r, &e);
	}
	run_result_free(&r);
}
END_TEST

/* --- 4. shim memory is out of reach --------------------------------------- */

/* A ring-3 access to address a that must be a #PF: R read, W write,
 * X instruction fetch. */
#define R "read"
#define W "write"
#define X "instruction fetch"
#define KMEM(m, a, how) { m, 139, "trying " m "\n", "SIGSEGV", "(#PF) at address " a ": " how }

static const struct expect kmem[] = {
	KMEM("r_text", "0xffffffff80200000", R),
	KMEM("w_text", "0xffffffff80200000", W),
	KMEM("x_text", "0xffffffff80201000", X),
	KMEM("r_boot", "0xffffffff80001000", R),
	KMEM("w_boot", "0xffffffff80001000", W),
	KMEM("x_boot", "0xffffffff80001000", X),
	KMEM("r_hc", "0xffffffff80002000", R),
	KMEM("w_hc", "0xffffffff80002000", W),
	KMEM("x_hc", "0xffffffff80002000", X),
	KMEM("r_direct", "0xffff888001200000", R),
	KMEM("w_direct", "0xffff888001200000", W),
	KMEM("x_direct", "0xffff888001200000", X),
	KMEM("r_usertop", "0x7ffffffff000", R),
	KMEM("w_usertop", "0x7ffffffff000", W),
	KMEM("x_usertop", "0x7ffffffff000", X),
};
#undef R
#undef W
#undef X
#undef KMEM

START_TEST(shim_memory_unreachable)
{
	expect_run("hostile_kmem", _i % 2, &kmem[_i / 2], true);
}
END_TEST

/* A call to the entry with rcx 0: on PVM a syscall returning to 0. */
START_TEST(call_into_syscall_entry)
{
	const struct expect e = { "x_entry", 139, "trying x_entry\n", "SIGSEGV",
				  on_pvm() ? "page fault (#PF) at address 0x0: instruction fetch" :
					     "page fault (#PF) at address 0xffffffff" };

	expect_run("hostile_kmem", _i, &e, false);
}
END_TEST

/*
 * same_as_native_with - run prog [arg] under lstar and natively: both must
 * exit 0 with the same stdout, lstar with nothing on stderr and its shim
 * intact, and stdout must hold each of the n lines in must.
 */
static void same_as_native_with(const char *prog, const char *arg,
				const char *what, const char *const must[], size_t n)
{
	struct run_result r, nat;

	run_boxed(NULL, prog, arg, &r);
	run_native(prog, arg, &nat);
	assert_shim_intact(what, &r);
	/* With 5-level paging the host's user space reaches 2^56: native
	 * runs map (and set bases) where lstar's 4-level guest cannot, so
	 * only lstar's answers are checked there. */
	if (host_facts()->la57) {
		nat.status = 0;
		free(nat.out);
		nat.out = strdup(r.out);
	}
	ck_assert_msg(r.status == 0 && nat.status == 0 && !strcmp(r.out, nat.out) && !r.err[0],
		      "lstar (status %d) and native (status %d) differ\n"
		      "--- lstar\n%s--- native\n%s--- lstar stderr\n%s",
		      r.status, nat.status, r.out, nat.out, r.err);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(strstr(r.out, must[i]) != NULL, "missing: %s--- stdout\n%s",
			      must[i], r.out);
	run_result_free(&r);
	run_result_free(&nat);
}

/* mmap/mprotect/munmap/mremap at shim addresses: as native Linux fails. */
START_TEST(shim_memory_syscalls)
{
	const char *prog = probe_path("hostile_kmem", _i);
	const char *const must[] = {
		"mmap fixed text: ENOMEM\n", "mmap fixed boot: ENOMEM\n",
		"mmap fixed hc: ENOMEM\n", "mmap fixed direct: ENOMEM\n",
		"mmap fixed usertop: ENOMEM\n", "mmap hint text: user\n",
		"mprotect text: ENOMEM\n", "munmap direct: EINVAL\n",
		"mremap hc: EFAULT\n", "mmap fixed across top: ENOMEM\n",
		"mremap mine to text: EINVAL\n", "mremap mine still there: ok\n",
	};
	same_as_native_with(prog, "syscalls", "hostile_kmem syscalls", must, NELEM(must));
}
END_TEST

/* --- 5. exceptions map to the right signal --------------------------------- */

struct exc_case {
	struct expect e;	/* PVM; hardware KVM too unless hw_* say otherwise */
	bool native;		/* native Linux ends the same way */
	int hw_status;		/* 0: as on PVM */
	const char *hw_sig, *hw_detail;
};

#define TRYING(m) m, 0, "trying " m "\n"	/* status: from the signal */
#define GP "general protection (#GP)"
#define UD "invalid opcode (#UD)"

static const struct exc_case excs[] = {
	{ { TRYING("ud2"), "SIGILL", UD }, true, 0, NULL, NULL },
	{ { TRYING("int3"), "SIGTRAP", "breakpoint (#BP)" }, true, 0, NULL, NULL },
	{ { TRYING("int3_cd"), "SIGTRAP", "breakpoint (#BP)" }, true, 0, NULL, NULL },
	{ { TRYING("icebp"), "SIGTRAP", "debug trap (#DB)" }, true, 0, NULL, NULL },
	{ { TRYING("into"), "SIGILL", UD }, true, 0, NULL, NULL },
	{ { TRYING("tf"), "SIGTRAP", "debug trap (#DB)" }, true, 0, NULL, NULL },
	{ { TRYING("tf_syscall"), "SIGTRAP", "debug trap (#DB)" }, true, 0, NULL, NULL },
	{ { TRYING("div0"), "SIGFPE", "divide error (#DE)" }, true, 0, NULL, NULL },
	{ { TRYING("divovf"), "SIGFPE", "divide error (#DE)" }, true, 0, NULL, NULL },
	{ { TRYING("wild"), "SIGSEGV", "page fault (#PF) at address 0x10: write, nothing mapped" },
	  true, 0, NULL, NULL },
	{ { TRYING("nullstack"), "SIGSEGV", "(#PF) at address 0xfffffffffffffff8: write" }, true,
	  0, NULL, NULL },
	{ { TRYING("noncanon_stack"), "SIGBUS", "stack fault (#SS)" }, true, 0, NULL, NULL },
	{ { TRYING("noncanon_data"), "SIGSEGV", GP }, true, 0, NULL, NULL },
	{ { TRYING("noncanon_jmp"), "SIGSEGV", GP }, true, 0, NULL, NULL },
	{ { TRYING("ac"), "SIGBUS", "alignment check (#AC)" }, true, 0, NULL, NULL },
	{ { TRYING("int4"), "SIGSEGV", "overflow (#OF)" }, true, 0, NULL, NULL },
	/* `int $N` through a DPL-0 gate or a missing one: #GP, SIGSEGV, on
	 * every platform (PVM reports a #UD, which the shim recognizes) and
	 * natively but for `int $0x80`, a 32-bit system call there; never
	 * a run of the shim's handler for vector N. */
	{ { TRYING("int1"), "SIGSEGV", GP }, true, 0, NULL, NULL },
	{ { TRYING("int2"), "SIGSEGV", GP }, true, 0, NULL, NULL },
	{ { TRYING("int8"), "SIGSEGV", GP }, true, 0, NULL, NULL },
	{ { TRYING("int13"), "SIGSEGV", GP }, true, 0, NULL, NULL },
	{ { TRYING("int14"), "SIGSEGV", GP }, true, 0, NULL, NULL },
	{ { TRYING("int18"), "SIGSEGV", GP }, true, 0, NULL, NULL },
	{ { TRYING("int32"), "SIGSEGV", GP }, true, 0, NULL, NULL },
	{ { TRYING("int128"), "SIGSEGV", GP }, false, 0, NULL, NULL },
	{ { TRYING("int255"), "SIGSEGV", GP }, true, 0, NULL, NULL },
	/* Selector 0x23 is a null slot in the shim's GDT: no 32-bit mode.
	 * PVM reports far jmp/call to it as #UD, far ret as #GP.  (Natively
	 * 0x23 is Linux's 32-bit user code and the jump works.) */
	{ { TRYING("farjmp23"), "SIGILL", UD }, false, 139, "SIGSEGV", GP },
	{ { TRYING("farcall23"), "SIGILL", UD }, false, 139, "SIGSEGV", GP },
	{ { TRYING("farret23"), "SIGSEGV", GP }, false, 0, NULL, NULL },
	{ { TRYING("farjmp10"), "SIGSEGV", GP }, true, 0, NULL, NULL },
	{ { TRYING("farjmp2b"), "SIGSEGV", GP }, true, 0, NULL, NULL },
	{ { TRYING("farjmp40"), "SIGILL", UD }, false, 139, "SIGSEGV", GP },
	/* Results the program goes on after. */
	{ { "bignr", 0, "trying bignr\n0xffffffff: -38\n512: -38\n-1: -38\n", NULL, NULL },
	  true, 0, NULL, NULL },
	{ { "df_syscall", 0, "trying df_syscall\ncopied\ndf ok\n", NULL, NULL }, true,
	  0, NULL, NULL },
	{ { "ac_syscall", 0, "trying ac_syscall\ncopied\nac ok\n", NULL, NULL }, true,
	  0, NULL, NULL },
	{ { "gsbase", 0, "trying gsbase\nwrote\ngsbase ok\n", NULL, NULL }, true, 0, NULL, NULL },
	{ { "fsbase", 0, "trying fsbase\nwrote\nfsbase ok\n", NULL, NULL }, true, 0, NULL, NULL },
};

/* Signal numbers, for the statuses above. */
static int status_of(const char *sig)
{
	static const struct { const char *name; int nr; } sigs[] = {
		{ "SIGILL", 4 }, { "SIGTRAP", 5 }, { "SIGBUS", 7 }, { "SIGFPE", 8 },
		{ "SIGSEGV", 11 },
	};

	for (size_t i = 0; i < NELEM(sigs); i++)
		if (!strcmp(sig, sigs[i].name))
			return 128 + sigs[i].nr;
	return -1;
}

START_TEST(exception_signal)
{
	const struct exc_case *c = &excs[_i / 2];
	struct expect e = c->e;
	bool native = c->native;
	char out[64];

	if (e.sig)
		e.status = status_of(e.sig);
	if (!on_pvm() && c->hw_status) {
		e.status = c->hw_status;
		e.sig = c->hw_sig;
		e.detail = c->hw_detail;
	}
	/* With 5-level paging these addresses are canonical for the CPU:
	 * natively a #PF, and under PVM (whose guest runs on the host's
	 * paging) a #PF as well; lstar's 4-level guest on hardware KVM
	 * still says #GP/#SS. */
	if (host_facts()->la57 && !strncmp(e.mode, "noncanon_", 9)) {
		native = false;
		if (on_pvm()) {
			e.status = 139;
			e.sig = "SIGSEGV";
			e.detail = "page fault (#PF)";
		}
	}
	/* Without FSGSBASE (the host kernel's HWCAP2 bit 1) the instructions
	 * themselves are #UD, natively and in the sandbox. */
	if (strstr(e.mode, "sbase") && !(getauxval(AT_HWCAP2) & 2)) {
		snprintf(out, sizeof(out), "trying %s\n", e.mode);
		e = (struct expect){ e.mode, 132, out, "SIGILL", UD };
	}
	expect_run_here("hostile_exc", _i % 2, &e, native);
}
END_TEST

/*
 * sysenter in 64-bit mode: a #UD on AMD CPUs (hardware SVM, QEMU's AMD
 * model) and on PVM whatever the host's vendor; on Intel it is valid but
 * faults with #GP(0) while SYSENTER_CS is 0, as lstar leaves it (VMX).
 */
START_TEST(sysenter_faults)
{
	const struct expect ud = { "sysenter", 132, "trying sysenter\n", "SIGILL",
				   "invalid opcode (#UD)" };
	const struct expect gp = { "sysenter", 139, "trying sysenter\n", "SIGSEGV",
				   "general protection (#GP)" };

	expect_run("hostile_exc", _i,
		   host_facts()->platform == LSTAR_PLATFORM_VMX ? &gp : &ud, false);
}
END_TEST

/* --- 6. syscall arguments cannot hurt the shim ------------------------------ */

START_TEST(syscall_arguments_refused)
{
	const char *prog = probe_path("hostile_sysargs", _i);
	const char *const must[] = {
		"brk shim text: unchanged\n", "brk ~0: unchanged\n",
		"mmap len ~0: ENOMEM\n", "mmap len 2^64-4096: ENOMEM\n",
		"mremap shim text maymove: EFAULT\n", "mine still mapped: ok\n",
		"arch_prctl SET_FS shim: EPERM\n", "arch_prctl SET_GS shim: EPERM\n",
		"rt_sigaction act shim: EFAULT\n", "rt_sigaction act 0x10: EFAULT\n",
		"write from shim: EFAULT\n", "read into shim: EFAULT\n",
		"readv into shim: EFAULT\n", "getrandom into shim: EFAULT\n",
		"still running\n",
	};
	same_as_native_with(prog, NULL, "hostile_sysargs", must, NELEM(must));
}
END_TEST

/* Map until the pool is empty, free it all, map it again: no panic, and
 * the pages come back zeroed. */
START_TEST(pool_exhaustion_recovers)
{
	const char *const opts[] = { "--mem", "16M", NULL };
	const struct expect e = { "exhaust", 0, "exhausted: yes\nagain: same\nzero: yes\n",
				  NULL, NULL };
	struct run_result r;

	run_boxed(opts, probe_path("hostile_sysargs", _i), "exhaust", &r);
	check_boxed("hostile_sysargs exhaust", &r, &e);
	run_result_free(&r);
}
END_TEST

/* UMIP: the descriptor-table registers are the shim's business. */
static const char *const umip_modes[] = { "sgdt", "sidt", "sldt", "str", "smsw" };

START_TEST(descriptor_tables_hidden)
{
	const char *const args[] = { umip_modes[_i], NULL };
	char want[16];
	struct run_result r;

	run_lstar(NULL, guest_path("hostile_umip.musl"), args, &r);
	snprintf(want, sizeof(want), "%s\n", umip_modes[_i]);
	ck_assert_str_eq(r.out, want);
	ck_assert_int_eq(r.status, 139);
	ck_assert_ptr_nonnull(strstr(r.err, "SIGSEGV"));
	ck_assert_ptr_null(strstr(r.err, "shim"));
	run_result_free(&r);
}
END_TEST

/* --- 7. sockets: every address judged, nothing of the host let through ---- */

/* Run hostile_net (libc) with opts after -p POLICY: status 0, stdout
 * holding every line of must, stderr every piece of notes (-v's lines). */
static void run_net(int libc, const char *policy_text, const char *const opts[],
		    const char *const args[], const char *const *must, size_t nmust,
		    const char *const *notes, size_t nnotes)
{
	char dir[] = "/tmp/lstar-net-XXXXXX", pol[64];
	const char *all[16] = { "-p", pol, "-v" };
	size_t n = 3;
	struct run_result r;

	write_policy(dir, pol, sizeof(pol), policy_text);
	for (size_t i = 0; opts && opts[i] && n < 15; i++)
		all[n++] = opts[i];
	all[n] = NULL;
	run_lstar(all, probe_path("hostile_net", libc), args, &r);
	assert_shim_intact("hostile_net", &r);
	ck_assert_msg(r.status == 0, "hostile_net %s: status %d\n--- stdout\n%s--- stderr\n%s",
		      args[0], r.status, r.out, r.err);
	for (size_t i = 0; i < nmust; i++)
		ck_assert_msg(strstr(r.out, must[i]) != NULL, "hostile_net %s: missing \"%s\"\n"
			      "--- stdout\n%s--- stderr\n%s", args[0], must[i], r.out, r.err);
	for (size_t i = 0; i < nnotes; i++)
		ck_assert_msg(strstr(r.err, notes[i]) != NULL, "hostile_net %s: -v does not say "
			      "\"%s\"\n--- stderr\n%s", args[0], notes[i], r.err);
	run_result_free(&r);
	rm_rf(dir);
}

/* Without a `net` rule: no inet socket at all; and every hostile length,
 * family, msghdr, control message and option on AF_UNIX sockets. */
START_TEST(net_refusals)
{
	const char *const args[] = { "refuse", NULL };
	const char *const must[] = {
		"socket AF_INET stream: EAFNOSUPPORT\n", "socket AF_INET6 dgram: EAFNOSUPPORT\n",
		"socket AF_INET raw: EAFNOSUPPORT\n", "socket AF_NETLINK: EAFNOSUPPORT\n",
		"socket AF_PACKET: EAFNOSUPPORT\n", "socket AF_VSOCK: EAFNOSUPPORT\n",
		"socket family -1: EAFNOSUPPORT\n", "socket family 2^32+1: ok\n",
		"socket AF_UNIX raw: EPERM\n", "socket AF_UNIX packet: EPERM\n",
		"socket AF_UNIX type 99: EINVAL\n", "socket AF_UNIX bad flags: EINVAL\n",
		"socket AF_UNIX protocol 7: EPROTONOSUPPORT\n",
		"socketpair AF_INET: EAFNOSUPPORT\n", "socketpair AF_NETLINK: EAFNOSUPPORT\n",
		"socketpair into shim: EFAULT\n", "connect on a pipe: ENOTSOCK\n",
		"connect on fd 999: EBADF\n",
		"connect len 0: EINVAL\n", "connect len 1: EINVAL\n", "connect len 2: EINVAL\n",
		"connect len 111: EINVAL\n", "connect len 129: EINVAL\n",
		"connect len 4096: EINVAL\n", "connect len -1: EINVAL\n",
		"connect len 2^32+8: ENOENT\n", "connect addr unmapped: EFAULT\n",
		"connect addr shim: EFAULT\n", "connect AF_INET to unix: EINVAL\n",
		"connect abstract: EACCES\n", "bind abstract: EACCES\n", "bind autobind: EACCES\n",
		"bind outside trees: ENOENT\n", "connect outside trees: ENOENT\n",
		"connect /dev/null: ECONNREFUSED\n", "sendto abstract: EACCES\n",
		"sendto addr shim: EFAULT\n", "sendto len -5: EINVAL\n", "sendto buf shim: EFAULT\n",
		"getsockname into shim: EFAULT\n", "getsockname len in shim: EFAULT\n",
		"getsockname len -1: EINVAL\n", "getpeername unconnected: ENOTCONN\n",
		"accept not listening: EINVAL\n", "accept4 bad flags: EINVAL\n",
		"socketpair stream: ok\n", "send: 5\n", "recv: 5 hello\n",
		"send with flag 0x80000: EINVAL\n", "recv with MSG_ERRQUEUE: EINVAL\n",
		"recv nothing waiting: EAGAIN\n", "recv into shim: EFAULT\n",
		"send on a pipe's end: ENOTSOCK\n",
		"sendmsg SCM_RIGHTS: EPERM\n", "sendmsg controllen huge: EPERM\n",
		"sendmsg control in shim: EPERM\n", "sendmsg iov base shim: EFAULT\n",
		"sendmsg iov array in shim: EFAULT\n", "sendmsg iovlen 1025: EMSGSIZE\n",
		"sendmsg iovlen ~0: EMSGSIZE\n", "sendmsg iov total > SSIZE_MAX: EINVAL\n",
		"sendmsg namelen -1: EINVAL\n", "sendmsg name in shim: EFAULT\n",
		"sendmsg namelen 100000 on a stream: EISCONN\n",
		"getsockopt optlen 1000: ok len 4\n",
		"sendmsg msghdr in shim: EFAULT\n", "recvmsg msghdr in shim: EFAULT\n",
		"recvmsg iov base shim: EFAULT\n", "sendmsg: 5\n",
		"recvmsg: 5, controllen 0, flags 0x0\n", "sendmmsg 2: 2\n",
		"sendmmsg lengths: 3 3\n", "recvmmsg waitforone: 1\n",
		"sendmmsg array in shim: EFAULT\n", "recvmmsg timeout in shim: EFAULT\n",
		"recvmmsg timeout bad: EINVAL\n", "recvmmsg vlen 2^32-1 nothing: EAGAIN\n",
		"setsockopt SO_REUSEADDR: ok\n", "setsockopt SO_BINDTODEVICE: ENOPROTOOPT\n",
		"setsockopt SO_MARK: ENOPROTOOPT\n", "setsockopt SO_PASSCRED: ENOPROTOOPT\n",
		"setsockopt level 999: ENOPROTOOPT\n", "setsockopt optlen -1: EINVAL\n",
		"setsockopt optlen 1: EINVAL\n", "setsockopt optlen 2^31-1: ok\n",
		"setsockopt optval shim: EFAULT\n", "setsockopt SO_TYPE: ENOPROTOOPT\n",
		"getsockopt SO_TYPE: ok 1 len 4\n", "getsockopt SO_PEERCRED: ENOPROTOOPT\n",
		"getsockopt optlen -1: EINVAL\n", "getsockopt optlen in shim: EFAULT\n",
		"getsockopt optval in shim: EFAULT\n", "setsockopt on a pipe's end: ENOTSOCK\n",
		"shutdown write: ok\n", "recv after shutdown: ok\n",
		"send after shutdown nosignal: EPIPE\n", "shutdown how 7: EINVAL\n",
		"eventfd2 bad flags: EINVAL\n", "eventfd2: ok\n", "eventfd write: 8\n",
		"eventfd read: 8\n", "eventfd value: 7\n", "eventfd read empty: EAGAIN\n",
		"eventfd read short: EINVAL\n", "eventfd (old): ok\n", "still running\n",
	};
	const char *const notes[] = {
		"socket(AF_INET, SOCK_STREAM, 0) = -EAFNOSUPPORT",
		"AF_INET: no net rule, no network",
		"address family 16: lstar offers AF_UNIX, AF_INET and AF_INET6",
		"raw sockets: refused",
		"abstract AF_UNIX names are the host's: refused",
		"autobind: abstract AF_UNIX names are the host's",
		"control messages (SCM_RIGHTS, SCM_CREDENTIALS): refused",
		"setting SOL_SOCKET 1, option 25: not on lstar's list",
		"reading SOL_SOCKET 1, option 17: not on lstar's list",
		"sendto flags 0x80000: not offered",
		"{AF_UNIX, \"\\x00lstar-abs",
	};

	run_net(_i, "use default\n", NULL, args, must, NELEM(must), notes, NELEM(notes));
}
END_TEST

/* The same refusals as JSON lines: the note and the address as fields. */
START_TEST(net_trace_json)
{
	const char *const opts[] = { "--trace-format=json", NULL }, *const args[] = { "refuse", NULL };
	const char *const must[] = { "still running\n" };
	const char *const notes[] = {
		"\"note\":\"abstract AF_UNIX names are the host's: refused\"",
		"\"args\":[4, {\"family\":\"AF_UNIX\",\"path\":\"\\u0000lstar-abs",
		"\"note\":\"AF_INET: no net rule, no network\"",
	};

	run_net(_i, "use default\n", opts, args, must, NELEM(must), notes, NELEM(notes));
}
END_TEST

/* A socket is a path: made only in an rw tree, reached only in a tree,
 * and named to the program by its own path, never lstar's or the host's;
 * the same with the trees mapped at /m/rw and /m/ro (odd rounds). */
START_TEST(net_unix_named)
{
	const bool mapped = _i / 2;
	char dir[] = "/tmp/lstar-net-XXXXXX", rw[64], ro[64], sock[80];
	char rw_opt[80], ro_opt[80];
	const char *const must[] = {
		"bind: ok\n", "bind again: EADDRINUSE\n", "listen: ok\n",
		"accept none yet: EAGAIN\n", "connect: ok\n", "accept: ok, len 2, family 1\n",
		"len ok\n", "send: 4\n", "recv: 4 ping\n", "sendto with address on stream: EISCONN\n",
		"bind dgram: ok\n", "sendto dgram: 2\n", "recvfrom dgram: 2 dg namelen 0\n",
		"bind in read-only tree: EROFS\n", "bind the tree's root: EADDRINUSE\n",
		"bind in a missing directory: ENOENT\n", "bind outside trees: ENOENT\n",
	};
	char got_name[128], got_peer[128];
	const char *const *mp = must;
	struct stat st;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(rw, sizeof(rw), "%s/rw", dir);
	snprintf(ro, sizeof(ro), "%s/ro", dir);
	ck_assert_int_eq(mkdir(rw, 0755), 0);
	ck_assert_int_eq(mkdir(ro, 0755), 0);
	snprintf(rw_opt, sizeof(rw_opt), mapped ? "%s:/m/rw" : "%s", rw);
	snprintf(ro_opt, sizeof(ro_opt), mapped ? "%s:/m/ro" : "%s", ro);
	snprintf(got_name, sizeof(got_name), "getsockname: ok %s/s len ok\n", mapped ? "/m/rw" : rw);
	snprintf(got_peer, sizeof(got_peer), "getpeername: ok %s/s\n", mapped ? "/m/rw" : rw);
	{
		const char *const opts[] = { "--rw", rw_opt, "--ro", ro_opt, NULL };
		const char *const args[] = { "named", mapped ? "/m/rw" : rw, mapped ? "/m/ro" : ro,
					     NULL };
		const char *const all[] = {
			mp[0], mp[1], mp[2], mp[3], mp[4], mp[5], got_name, got_peer, mp[6],
			mp[7], mp[8], mp[9], mp[10], mp[11], mp[12], mp[13], mp[14], mp[15], mp[16],
			"getsockname cut: ok len ",
		};

		run_net(_i % 2, "use default\n", opts, args, all, NELEM(all), NULL, 0);
	}
	/* On the host: the sockets where the program named them, and
	 * nothing in the read-only tree. */
	snprintf(sock, sizeof(sock), "%s/s", rw);
	ck_assert_msg(stat(sock, &st) == 0 && S_ISSOCK(st.st_mode), "no socket at %s", sock);
	snprintf(sock, sizeof(sock), "%s/s", ro);
	ck_assert_msg(stat(sock, &st) < 0, "a socket was made in the read-only tree");
	rm_rf(dir);
}
END_TEST

/* A host AF_UNIX server at dir/s: listening, and (send_fd) sending one
 * message with a descriptor to the first peer.  Its pid. */
static pid_t host_unix_server(const char *path, bool send_fd)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	pid_t pid;

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	ck_assert_int_ge(s, 0);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(s, 4), 0);
	if ((pid = fork()) == 0) {
		char cbuf[CMSG_SPACE(sizeof(int))] = { 0 }, c;
		struct iovec iov = { "fd", 2 };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
				    .msg_controllen = sizeof(cbuf) };
		struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
		int conn, fd = open("/dev/null", O_RDONLY);

		alarm(60);
		if (!send_fd)
			pause();
		conn = accept(s, NULL, NULL);
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		memcpy(CMSG_DATA(cm), &fd, sizeof(fd));
		sendmsg(conn, &m, 0);
		(void)!read(conn, &c, 1);	/* until the program is done */
		_exit(0);
	}
	close(s);
	return pid;
}

static void host_server_end(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* A host socket outside every tree cannot be reached, nor one beneath a
 * read-only tree (a host daemon's: connecting is writing to it); beneath
 * a writable tree it can, by the path the program sees it at (mapped:
 * /m/s, and its host path is then nowhere). */
START_TEST(net_unix_host_socket)
{
	char dir[] = "/tmp/lstar-net-XXXXXX", path[64], map[80];
	const char *const args[] = { "connect", path, NULL };
	const char *const mapped_args[] = { "connect", "/m/s", NULL };
	const char *const refused[] = { "connect: ENOENT\n" }, *const reached[] = { "connect: ok\n" };
	const char *const denied[] = { "connect: EACCES\n" };
	const char *const ro[] = { "--ro", dir, NULL }, *const rw[] = { "--rw", dir, NULL };
	const char *const ro_map[] = { "--ro", map, NULL }, *const rw_map[] = { "--rw", map, NULL };
	pid_t pid;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s", dir);
	snprintf(map, sizeof(map), "%s:/m", dir);
	pid = host_unix_server(path, false);
	run_net(_i, "use default\n", NULL, args, refused, 1, NULL, 0);
	run_net(_i, "use default\n", ro, args, denied, 1, NULL, 0);
	run_net(_i, "use default\n", rw, args, reached, 1, NULL, 0);
	run_net(_i, "use default\n", ro_map, mapped_args, denied, 1, NULL, 0);
	run_net(_i, "use default\n", rw_map, mapped_args, reached, 1, NULL, 0);
	run_net(_i, "use default\n", rw_map, args, refused, 1, NULL, 0);
	host_server_end(pid);
	rm_rf(dir);
}
END_TEST

/* SCM_RIGHTS from a host peer: the data comes, the descriptor does not
 * (closed in the VMM), and the program is told MSG_CTRUNC. */
START_TEST(net_scm_rights_dropped)
{
	char dir[] = "/tmp/lstar-net-XXXXXX", path[64];
	const char *const args[] = { "hostpeer", path, NULL };
	const char *const must[] = {
		"connect: ok\n", "recvmsg: 2 fd, controllen 0, ctrunc yes\n",
		"new descriptors: none\n",
	};
	const char *const opts[] = { "--rw", dir, NULL };
	pid_t pid;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s", dir);
	pid = host_unix_server(path, true);
	run_net(_i, "use default\n", opts, args, must, NELEM(must), NULL, 0);
	host_server_end(pid);
	rm_rf(dir);
}
END_TEST

/* Waits in the host end for a signal (EINTR, or restarted with
 * SA_RESTART) and for another process's send: as natively. */
START_TEST(net_waits)
{
	char dir[] = "/tmp/lstar-net-XXXXXX", pol[64];
	const char *const opts[] = { "-p", pol, NULL }, *const args[] = { "wait", NULL };
	const char *prog = probe_path("hostile_net", _i);
	const char *const want = "recv interrupted: EINTR\nhandler ran: yes\n"
				 "recv restarted: 4 late, handler ran: yes\n"
				 "send to the child: 4\nthe child answers: 4 pong\n"
				 "epoll nothing ready: ok\nepoll eventfd: 1, data 1\n"
				 "epoll socket: 1, data 2\n";
	struct run_result r, n;

	write_policy(dir, pol, sizeof(pol), "use default\n");
	run_lstar(opts, prog, args, &r);
	run_native(prog, "wait", &n);
	assert_shim_intact("hostile_net wait", &r);
	ck_assert_msg(r.status == 0 && !strcmp(r.out, want), "hostile_net wait: status %d\n"
		      "--- stdout\n%s--- stderr\n%s", r.status, r.out, r.err);
	ck_assert_msg(n.status == 0 && !strcmp(n.out, want), "natively: status %d\n%s",
		      n.status, n.out);
	run_result_free(&r);
	run_result_free(&n);
	rm_rf(dir);
}
END_TEST

/* A send to a closed peer raises SIGPIPE unless MSG_NOSIGNAL says not
 * to (sendto, then sendmsg), without -v so that PVM's short way runs. */
START_TEST(net_sigpipe)
{
	char dir[] = "/tmp/lstar-net-XXXXXX", pol[64];
	const char *mode = _i / 2 ? "sigpipe_msg" : "sigpipe";
	const char *const opts[] = { "-p", pol, NULL }, *const args[] = { mode, NULL };
	const char *prog = probe_path("hostile_net", _i % 2);
	struct run_result r, n;

	write_policy(dir, pol, sizeof(pol), "use default\n");
	run_lstar(opts, prog, args, &r);
	run_native(prog, mode, &n);
	assert_shim_intact(mode, &r);
	ck_assert_msg(r.status == 128 + SIGPIPE && !strcmp(r.out, "nosignal: EPIPE\n"),
		      "%s: status %d\n--- stdout\n%s--- stderr\n%s", mode, r.status, r.out, r.err);
	ck_assert_msg(n.status == r.status && !strcmp(n.out, r.out), "%s natively: status %d\n%s",
		      mode, n.status, n.out);
	run_result_free(&r);
	run_result_free(&n);
	rm_rf(dir);
}
END_TEST

/* Under `net` rules: inet sockets, each address judged (connect, bind,
 * sendto; accepted peers, datagrams an unconnected socket receives),
 * and UDP and TCP on loopback between the program's own sockets. */
START_TEST(net_inet)
{
	const char *const opts[] = { "--trace", NULL }, *const args[] = { "inet", NULL };
	const char *const must[] = {
		"socket AF_INET: ok\n", "socket AF_INET6: ok\n", "socket AF_INET raw: EPERM\n",
		"socket AF_INET icmp: EPROTONOSUPPORT\n", "socket AF_INET seqpacket: ESOCKTNOSUPPORT\n",
		"connect 10.0.0.1:80: EACCES\n", "connect len 15: EINVAL\n", "connect len 1: EINVAL\n",
		"connect AF_INET6 addr: EAFNOSUPPORT\n", "connect AF_UNIX addr: EAFNOSUPPORT\n",
		"connect v6 len 23: EINVAL\n", "connect v6 AF_INET addr: EINVAL\n",
		"connect v6 ::1:80: EACCES\n", "connect v6 ::ffff:10.0.0.1: EACCES\n",
		"bind 10.0.0.1:80: EACCES\n", "bind 0.0.0.0:free: ok\n", "bind 0.0.0.0:80: EACCES\n",
		"bind udp 127.0.0.1:0: ok\n", "bind udp 127.0.0.2:0: ok\n",
		"bind udp AF_UNSPEC any: ok\n", "sendto itself: 4\n", "recvfrom itself: 4 self\n",
		"sendto from 127.0.0.2: 3\n", "recvfrom a refused peer: EAGAIN\n",
		"sendto from 127.0.0.2 again: 3\n", "read a refused peer: EAGAIN\n",
		"sendto 127.0.0.2: EACCES\n", "sendto AF_UNSPEC 10.0.0.1: EACCES\n",
		"sendto 10.0.0.1: EACCES\n", "sendto from 127.0.0.1: 4\n",
		"recvfrom 127.0.0.1: 4 near\n",
		"sendto from 127.0.0.2, for FIONREAD: 3\n", "FIONREAD of a refused peer's: ok, 0\n",
		"sendto from 127.0.0.2, for sendfile: 3\n", "sendfile from a socket: EINVAL\n",
		"sendto from 127.0.0.2, before connect: 5\n", "connect udp to 127.0.0.1: ok\n",
		"recvfrom what came before connect: EAGAIN\n",
		"bind udp [::1]:0: ok\n",
		"sendto itself on ::1: 3\n", "recvfrom itself on ::1: 3 six, namelen 28\n",
		"sendto AF_UNSPEC from v6: EDESTADDRREQ\n", "sendto ::2 from v6: EACCES\n",
		"connect udp AF_UNSPEC: ok\n", "bind tcp 127.0.0.1:0: ok\n", "listen: ok\n",
		"connect from 127.0.0.2: ok\n", "accept a refused peer: EAGAIN\n",
		"read on the refused side: ECONNRESET\n", "connect from 127.0.0.1: ok\n",
		"accept: ok len 16\n", "send: 3\n", "recv: 3 tcp\n",
		"sendto tcp with a refused address: 1\n",
	};
	const char *const notes[] = {
		"connect to 10.0.0.1:80/tcp refused: no net connect rule names it",
		"connect to [::1]:80/tcp refused", "connect to [::ffff:10.0.0.1]:80/tcp refused",
		"bind 10.0.0.1:80/tcp refused: no net listen rule names it",
		"bind 0.0.0.0:80/tcp refused", "/udp refused: no net connect rule names it",
		"a datagram from 127.0.0.2:", "send to 10.0.0.1:80/udp refused",
		"peer 127.0.0.2:", "refused and closed", "send to [::2]:53/udp refused",
		/* --trace: the rule that let one through, the addresses. */
		"/udp allowed by /tmp/lstar-net-", "a datagram from 127.0.0.1:",
		"connect(3, {AF_INET, 10.0.0.1:80}, 16) = -EACCES",
		"{AF_INET6, [::ffff:10.0.0.1]:80}, 28) = -EACCES",
	};

	run_net(_i, "use default\nnet connect 127.0.0.1:*\nnet connect [::1]:1-65535/udp\n"
		"net listen 127.0.0.1:1024-65535\n",
		opts, args, must, NELEM(must), notes, NELEM(notes));
}
END_TEST

Suite *suite_hostile(void)
{
	Suite *s = suite_create("hostile");
	TCase *tc = tcase_create("boundary");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, ring3_out_is_a_fault, 0, 2);
	tcase_add_loop_test(tc, privileged_instruction_faults, 0, 2 * NELEM(priv_modes));
	tcase_add_loop_test(tc, monitor_mwait_fault, 0, 4);
	tcase_add_loop_test(tc, hypercall_instruction_refused, 0, 4);
	tcase_add_loop_test(tc, popf_cannot_raise_iopl, 0, 2);
	tcase_add_loop_test(tc, fake_syscall_entry, 0, 2 * NELEM(fake_entry_pvm));
	tcase_add_loop_test(tc, fake_syscall_entry_no_sync_regs, 0, 10);
	tcase_add_loop_test(tc, fake_syscall_entry_tf, 0, 4);
	tcase_add_loop_test(tc, shim_memory_unreachable, 0, 2 * NELEM(kmem));
	tcase_add_loop_test(tc, call_into_syscall_entry, 0, 2);
	tcase_add_loop_test(tc, shim_memory_syscalls, 0, 2);
	tcase_add_loop_test(tc, exception_signal, 0, 2 * NELEM(excs));
	tcase_add_loop_test(tc, sysenter_faults, 0, 2);
	tcase_add_loop_test(tc, syscall_arguments_refused, 0, 2);
	tcase_add_loop_test(tc, pool_exhaustion_recovers, 0, 2);
	/* Without UMIP the instructions cannot be hidden: say so, as the
	 * runner does for missing KVM, instead of registering a test. */
	if (host_facts()->umip)
		tcase_add_loop_test(tc, descriptor_tables_hidden, 0, 5);
	else
		printf("lstar tests: 5 UMIP tests not run: no UMIP for the program here\n");
	suite_add_tcase(s, tc);

	tc = tcase_create("net");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, net_refusals, 0, 2);
	tcase_add_loop_test(tc, net_trace_json, 0, 2);
	tcase_add_loop_test(tc, net_unix_named, 0, 4);
	tcase_add_loop_test(tc, net_unix_host_socket, 0, 2);
	tcase_add_loop_test(tc, net_scm_rights_dropped, 0, 2);
	tcase_add_loop_test(tc, net_waits, 0, 2);
	tcase_add_loop_test(tc, net_sigpipe, 0, 4);
	tcase_add_loop_test(tc, net_inet, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}
