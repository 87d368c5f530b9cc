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
 * Two platforms (shared/PLATFORMS.md): on PVM (/sys/module/kvm_pvm) a jump
 * to the shim's syscall entry is a syscall, and some faults arrive as
 * other vectors than on hardware KVM; the tests say which result each
 * platform gives.
 */
#include <stdbool.h>
#include <cpuid.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "tests.h"

static const char *const libcs[] = { "musl", "glibc" };

static bool on_pvm(void)
{
	return access("/sys/module/kvm_pvm", F_OK) == 0;
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

START_TEST(privileged_instruction_faults)
{
	const char *mode = priv_modes[_i / 2];
	char out[64];
	struct expect e = { mode, 139, out, "SIGSEGV", "general protection (#GP)" };

	snprintf(out, sizeof(out), "trying %s\n", mode);
	expect_run("hostile_priv", _i % 2, &e, true);
}
END_TEST

/* monitor/mwait at CPL 3: #UD on the CPU (natively here too, SIGILL), but
 * PVM reports #GP; either way the program ends. */
START_TEST(monitor_mwait_fault)
{
	const char *mode = _i / 2 ? "mwait" : "monitor";
	char what[64], out[64];
	struct run_result r;

	snprintf(what, sizeof(what), "hostile_priv.%s %s", libcs[_i % 2], mode);
	snprintf(out, sizeof(out), "trying %s\n", mode);
	run_boxed(NULL, probe_path("hostile_priv", _i % 2), mode, &r);
	if (on_pvm()) {
		const struct expect e = { mode, 139, out, "SIGSEGV", "general protection (#GP)" };

		check_boxed(what, &r, &e);
	} else {
		assert_shim_intact(what, &r);
		ck_assert_msg(r.status == 132 || r.status == 139, "%s: status %d", what, r.status);
		ck_assert_str_eq(r.out, out);
	}
	run_result_free(&r);
}
END_TEST

/*
 * vmcall/vmmcall from ring 3 go to a hypervisor, never to the shim or the
 * VMM.  On this PVM host vmcall is a #GP and vmmcall comes back with rax
 * -1 (-KVM_EPERM: no hypercalls from CPL 3), exactly as natively on the
 * cloud VM that hosts PVM, so the answer may come from the hypervisor
 * below PVM.  Elsewhere KVM refuses the same way or the CPU faults (#UD,
 * #GP).  Either way only the program sees the answer.
 */
START_TEST(hypercall_instruction_refused)
{
	const char *mode = _i / 2 ? "vmmcall" : "vmcall";
	const char *prog = probe_path("hostile_priv", _i % 2);
	char what[64], trying[64], refused[128];
	struct run_result r;

	snprintf(what, sizeof(what), "hostile_priv.%s %s", libcs[_i % 2], mode);
	snprintf(trying, sizeof(trying), "trying %s\n", mode);
	snprintf(refused, sizeof(refused),
		 "trying %s\n%s: not stopped (rax 0xffffffffffffffff)\n", mode, mode);
	run_boxed(NULL, prog, mode, &r);
	assert_shim_intact(what, &r);
	if (on_pvm()) {
		const struct expect e = _i / 2 ?
			(struct expect){ mode, 0, refused, NULL, NULL } :
			(struct expect){ mode, 139, trying, "SIGSEGV", "general protection (#GP)" };

		check_boxed(what, &r, &e);
	} else if (r.status == 0) {
		ck_assert_str_eq(r.out, refused);
	} else {
		ck_assert_msg(r.status == 132 || r.status == 139, "%s: status %d", what, r.status);
		ck_assert_str_eq(r.out, trying);
	}
	run_result_free(&r);
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
	  "general protection (#GP) (rip 0xffffffff80100000)" },
	{ "flags", 139, "trying flags\n" RETURNED("2") FLAGS_CLEAN "trying out\n",
	  "SIGSEGV", "general protection (#GP)" },
	/* A stack pointer the shim never uses: it comes back as it was. */
	{ "badrsp", 0, "trying badrsp\n" RETURNED("2") "rsp 0x800000000000\n" FLAGS_CLEAN,
	  NULL, NULL },
	{ "badrsp_iret", 0,
	  "trying badrsp_iret\n" RETURNED("2") "rsp 0x800000000000\n" FLAGS_CLEAN, NULL, NULL },
	{ "krsp", 0, "trying krsp\n" RETURNED("2") "rsp 0xffffffff80100000\n" FLAGS_CLEAN,
	  NULL, NULL },
	{ "krsp_iret", 0,
	  "trying krsp_iret\n" RETURNED("2") "rsp 0xffffffff80100000\n" FLAGS_CLEAN, NULL, NULL },
	{ "exit", 42, "trying exit\n", NULL, NULL },
	{ "bignr", 0, "trying bignr\n" RETURNED("-38") FLAGS_CLEAN, NULL, NULL },
	{ "hinr", 0, "trying hinr\n" RETURNED("2") FLAGS_CLEAN, NULL, NULL },
	{ "entry_plus1", 139, "trying entry_plus1\n", "SIGSEGV", "page fault (#PF)" },
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
 * r11 = TF | IF: TF is a user flag and survives the return (by IRET: SYSRET
 * must not restore TF).  On PVM exactly one instruction at the return label
 * runs, then the single-step #DB ends the program at the address the probe
 * printed.  On hardware KVM the jump itself is the #PF.
 */
START_TEST(fake_syscall_entry_tf)
{
	const char *prog = probe_path("hostile_lstar", _i);
	unsigned long step = 0;
	char out[64], detail[64];
	struct run_result r;

	run_boxed(NULL, prog, "tf", &r);
	ck_assert_msg(sscanf(r.out, "trying tf\nstep 0x%lx\n", &step) == 1,
		      "stdout: %s", r.out);
	snprintf(out, sizeof(out), "trying tf\nstep 0x%lx\n", step);
	snprintf(detail, sizeof(detail), "debug trap (#DB) (rip 0x%lx)", step);
	{
		const struct expect e = on_pvm() ?
			(struct expect){ "tf", 133, out, "SIGTRAP", detail } :
			(struct expect){ "tf", 139, out, "SIGSEGV", "page fault (#PF)" };

		check_boxed("hostile_lstar tf", &r, &e);
	}
	run_result_free(&r);
}
END_TEST

/* --- 4. shim memory is out of reach --------------------------------------- */

static const struct expect kmem[] = {
	{ "r_text", 139, "trying r_text\n", "SIGSEGV", "(#PF) at address 0xffffffff80100000 " },
	{ "w_text", 139, "trying w_text\n", "SIGSEGV", "(#PF) at address 0xffffffff80100000 " },
	{ "x_text", 139, "trying x_text\n", "SIGSEGV", "(#PF) at address 0xffffffff80101000 " },
	{ "r_boot", 139, "trying r_boot\n", "SIGSEGV", "(#PF) at address 0xffffffff80001000 " },
	{ "w_boot", 139, "trying w_boot\n", "SIGSEGV", "(#PF) at address 0xffffffff80001000 " },
	{ "x_boot", 139, "trying x_boot\n", "SIGSEGV", "(#PF) at address 0xffffffff80001000 " },
	{ "r_hc", 139, "trying r_hc\n", "SIGSEGV", "(#PF) at address 0xffffffff80002000 " },
	{ "w_hc", 139, "trying w_hc\n", "SIGSEGV", "(#PF) at address 0xffffffff80002000 " },
	{ "x_hc", 139, "trying x_hc\n", "SIGSEGV", "(#PF) at address 0xffffffff80002000 " },
	{ "r_direct", 139, "trying r_direct\n", "SIGSEGV", "(#PF) at address 0xffff888000400000 " },
	{ "w_direct", 139, "trying w_direct\n", "SIGSEGV", "(#PF) at address 0xffff888000400000 " },
	{ "x_direct", 139, "trying x_direct\n", "SIGSEGV", "(#PF) at address 0xffff888000400000 " },
	{ "r_usertop", 139, "trying r_usertop\n", "SIGSEGV", "(#PF) at address 0x7ffffffff000 " },
	{ "w_usertop", 139, "trying w_usertop\n", "SIGSEGV", "(#PF) at address 0x7ffffffff000 " },
	{ "x_usertop", 139, "trying x_usertop\n", "SIGSEGV", "(#PF) at address 0x7ffffffff000 " },
};

START_TEST(shim_memory_unreachable)
{
	expect_run("hostile_kmem", _i % 2, &kmem[_i / 2], true);
}
END_TEST

/* A call to the entry with rcx 0: on PVM a syscall returning to 0. */
START_TEST(call_into_syscall_entry)
{
	const struct expect e = { "x_entry", 139, "trying x_entry\n", "SIGSEGV",
				  on_pvm() ? "page fault (#PF) at address 0x0 (rip 0x0)" :
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
	{ { TRYING("wild"), "SIGSEGV", "page fault (#PF) at address 0x10 " }, true, 0, NULL, NULL },
	{ { TRYING("nullstack"), "SIGSEGV", "(#PF) at address 0xfffffffffffffff8 " }, true,
	  0, NULL, NULL },
	{ { TRYING("noncanon_stack"), "SIGBUS", "stack fault (#SS)" }, true, 0, NULL, NULL },
	{ { TRYING("noncanon_data"), "SIGSEGV", GP }, true, 0, NULL, NULL },
	{ { TRYING("noncanon_jmp"), "SIGSEGV", GP }, true, 0, NULL, NULL },
	{ { TRYING("ac"), "SIGBUS", "alignment check (#AC)" }, true, 0, NULL, NULL },
	{ { TRYING("int4"), "SIGSEGV", "overflow (#OF)" }, true, 0, NULL, NULL },
	/* `int $N` through a DPL-0 gate or a missing one: #GP natively and
	 * on hardware KVM (SIGSEGV), #UD on PVM (SIGILL); never a run of the
	 * shim's handler for vector N. */
	{ { TRYING("int1"), "SIGILL", UD }, false, 139, "SIGSEGV", GP },
	{ { TRYING("int2"), "SIGILL", UD }, false, 139, "SIGSEGV", GP },
	{ { TRYING("int8"), "SIGILL", UD }, false, 139, "SIGSEGV", GP },
	{ { TRYING("int13"), "SIGILL", UD }, false, 139, "SIGSEGV", GP },
	{ { TRYING("int14"), "SIGILL", UD }, false, 139, "SIGSEGV", GP },
	{ { TRYING("int18"), "SIGILL", UD }, false, 139, "SIGSEGV", GP },
	{ { TRYING("int32"), "SIGILL", UD }, false, 139, "SIGSEGV", GP },
	{ { TRYING("int128"), "SIGILL", UD }, false, 139, "SIGSEGV", GP },
	{ { TRYING("int255"), "SIGILL", UD }, false, 139, "SIGSEGV", GP },
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
	char out[64];

	if (e.sig)
		e.status = status_of(e.sig);
	if (!on_pvm() && c->hw_status) {
		e.status = c->hw_status;
		e.sig = c->hw_sig;
		e.detail = c->hw_detail;
	}
	/* Without FSGSBASE (the host kernel's HWCAP2 bit 1) the instructions
	 * themselves are #UD, natively and in the sandbox. */
	if (strstr(e.mode, "sbase") && !(getauxval(AT_HWCAP2) & 2)) {
		snprintf(out, sizeof(out), "trying %s\n", e.mode);
		e = (struct expect){ e.mode, 132, out, "SIGILL", UD };
	}
	expect_run("hostile_exc", _i % 2, &e, c->native);
}
END_TEST

/* sysenter: #UD on AMD and on PVM, #GP on Intel (SYSENTER_CS is 0). */
START_TEST(sysenter_faults)
{
	const char *prog = probe_path("hostile_exc", _i);
	struct run_result r;

	run_boxed(NULL, prog, "sysenter", &r);
	assert_shim_intact("hostile_exc sysenter", &r);
	ck_assert_str_eq(r.out, "trying sysenter\n");
	if (on_pvm())
		ck_assert_int_eq(r.status, 132);
	else
		ck_assert_msg(r.status == 132 || r.status == 139, "status %d", r.status);
	ck_assert_msg(strstr(r.err, r.status == 132 ? "killed by SIGILL: " : "killed by SIGSEGV: "),
		      "stderr: %s", r.err);
	run_result_free(&r);
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
static bool cpu_has_umip(void)
{
	unsigned int a, b, c, d;

	__cpuid_count(7, 0, a, b, c, d);
	return c & (1u << 2);
}

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
	tcase_add_loop_test(tc, fake_syscall_entry_tf, 0, 2);
	tcase_add_loop_test(tc, shim_memory_unreachable, 0, 2 * NELEM(kmem));
	tcase_add_loop_test(tc, call_into_syscall_entry, 0, 2);
	tcase_add_loop_test(tc, shim_memory_syscalls, 0, 2);
	tcase_add_loop_test(tc, exception_signal, 0, 2 * NELEM(excs));
	tcase_add_loop_test(tc, sysenter_faults, 0, 2);
	tcase_add_loop_test(tc, syscall_arguments_refused, 0, 2);
	tcase_add_loop_test(tc, pool_exhaustion_recovers, 0, 2);
	/* Without UMIP the instructions cannot be hidden: say so, as the
	 * runner does for missing KVM, instead of registering a test. */
	if (cpu_has_umip())
		tcase_add_loop_test(tc, descriptor_tables_hidden, 0, 5);
	else
		printf("lstar tests: 5 UMIP tests not run: this CPU has no UMIP\n");
	suite_add_tcase(s, tc);
	return s;
}
