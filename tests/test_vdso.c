/* SPDX-License-Identifier: MIT */
/*
 * test_vdso.c - time without a trap.
 *
 * The vDSO image lstar embeds is a shared object both libcs can use
 * (read here with libelf).  Under lstar, every program finds it through
 * AT_SYSINFO_EHDR; clock_gettime, gettimeofday and time through musl and
 * glibc read the right time from it without one exit to the VMM (the
 * time page's seqcount, which the VMM bumps after each hypercall, proves
 * it from inside the guest: guest/vdso.c); the clocks agree with the
 * host's; the vDSO falls back to the system call when it must; the time
 * page is read-only for the program, and once the program unmaps it the
 * VMM never writes that frame again.  On PVM the vDSO's syscall gate
 * answers getpid and the ids in ring 3 as Linux would, and only where
 * the policy lets the shim answer them outright.
 */
#include <cpuid.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests.h"
#include "vmm.h"

static const char *const libcs[] = { "musl", "glibc" };

/* build/guest/NAME.LIBC: guest/vdso.c's probe, guest/gate.c's. */
static const char *probe(const char *name, int libc)
{
	static char buf[64];

	snprintf(buf, sizeof(buf), "%s.%s", name, libcs[libc]);
	return guest_path(buf);
}

/* Run guest/vdso.LIBC with opts and args (NULL-terminated lists). */
static void run_probe(const char *const opts[], int libc,
		      const char *const args[], struct run_result *r)
{
	run_lstar(opts, probe("vdso", libc), args, r);
}

static void assert_passed(const char *what, const struct run_result *r)
{
	ck_assert_msg(r->status == 0 && strstr(r->out, " 0 failed\n"),
		      "%s: status %d\n--- stdout\n%s--- stderr\n%s",
		      what, r->status, r->out, r->err);
}

/*
 * Should the vDSO use the TSC on this host?  The rule vmm/vdso.c follows:
 * an invariant TSC that the host kernel still lists as a clocksource.
 */
static bool host_tsc_usable(void)
{
	unsigned int a, b, c, d;
	char buf[256] = "";
	int fd;

	if (!__get_cpuid(0x80000007, &a, &b, &c, &d) || !(d & (1u << 8)))
		return false;
	fd = open("/sys/devices/system/clocksource/clocksource0/available_clocksource",
		  O_RDONLY);
	if (fd < 0)
		return true;
	if (read(fd, buf, sizeof(buf) - 1) < 0)
		buf[0] = '\0';
	close(fd);
	return strstr(buf, "tsc") != NULL;
}

/* --- the image ------------------------------------------------------------ */

/* The name of the version index ndx in the image's verdef section. */
static const char *version_name(Elf *elf, Elf_Scn *verdef, size_t strndx, int ndx)
{
	Elf_Data *data = elf_getdata(verdef, NULL);
	size_t off = 0;
	GElf_Verdef vd;
	GElf_Verdaux va;

	while (data && gelf_getverdef(data, (int)off, &vd)) {
		if (vd.vd_ndx == ndx && gelf_getverdaux(data, (int)(off + vd.vd_aux), &va))
			return elf_strptr(elf, strndx, va.vda_name);
		if (!vd.vd_next)
			break;
		off += vd.vd_next;
	}
	return NULL;
}

START_TEST(image_is_a_vdso)
{
	static const char *const names[] = {
		"__vdso_clock_gettime", "__vdso_gettimeofday", "__vdso_time",
		"__vdso_clock_getres", "__vdso_getcpu",
		"clock_gettime", "gettimeofday", "time", "clock_getres", "getcpu",
	};
	size_t size = lstar_vdso_image_end - lstar_vdso_image, phnum, strndx = 0;
	bool found[sizeof(names) / sizeof(names[0])] = { false };
	bool hash = false, gnu_hash = false, versym = false, verdef = false;
	bool soname = false;
	Elf_Scn *scn = NULL, *dynsym = NULL, *vsym = NULL, *vdef = NULL;
	int loads = 0;
	GElf_Ehdr eh;
	Elf *elf;

	ck_assert_uint_gt(size, 0);
	ck_assert_uint_le(size, 4 * LSTAR_PAGE_SIZE);
	elf_version(EV_CURRENT);
	elf = elf_memory((char *)lstar_vdso_image, size);
	ck_assert_ptr_nonnull(elf);
	ck_assert_ptr_nonnull(gelf_getehdr(elf, &eh));
	ck_assert_int_eq(eh.e_type, ET_DYN);
	ck_assert_int_eq(eh.e_machine, EM_X86_64);

	/* One read+exec PT_LOAD from the start of the file, no bss. */
	ck_assert_int_eq(elf_getphdrnum(elf, &phnum), 0);
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		ck_assert_ptr_nonnull(gelf_getphdr(elf, (int)i, &ph));
		ck_assert_int_ne(ph.p_type, PT_TLS);
		ck_assert_int_ne(ph.p_type, PT_INTERP);
		if (ph.p_type != PT_LOAD)
			continue;
		loads++;
		ck_assert_uint_eq(ph.p_offset, 0);
		ck_assert_uint_eq(ph.p_vaddr, 0);
		ck_assert_uint_eq(ph.p_filesz, ph.p_memsz);
		ck_assert_uint_eq(ph.p_flags, PF_R | PF_X);
	}
	ck_assert_int_eq(loads, 1);

	/* The dynamic tables the libcs read, and nothing to relocate. */
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;

		ck_assert_ptr_nonnull(gelf_getshdr(scn, &sh));
		switch (sh.sh_type) {
		case SHT_DYNSYM: dynsym = scn; strndx = sh.sh_link; break;
		case SHT_GNU_versym: vsym = scn; break;
		case SHT_GNU_verdef: vdef = scn; break;
		case SHT_REL: case SHT_RELA:
			ck_abort_msg("the vDSO has a relocation section");
			break;
		case SHT_DYNAMIC: {
			Elf_Data *d = elf_getdata(scn, NULL);
			GElf_Dyn dyn;

			for (int i = 0; d && gelf_getdyn(d, i, &dyn) && dyn.d_tag != DT_NULL; i++) {
				ck_assert_msg(dyn.d_tag != DT_REL && dyn.d_tag != DT_RELA &&
					      dyn.d_tag != DT_JMPREL && dyn.d_tag != DT_TEXTREL &&
					      dyn.d_tag != DT_NEEDED,
					      "dynamic tag %lld", (long long)dyn.d_tag);
				hash |= dyn.d_tag == DT_HASH;
				gnu_hash |= dyn.d_tag == DT_GNU_HASH;
				versym |= dyn.d_tag == DT_VERSYM;
				verdef |= dyn.d_tag == DT_VERDEF;
				if (dyn.d_tag == DT_SONAME)
					soname = !strcmp(elf_strptr(elf, sh.sh_link, dyn.d_un.d_val),
							 "linux-vdso.so.1");
			}
			break;
		}
		}
	}
	ck_assert_msg(hash && gnu_hash, "DT_HASH (musl) and DT_GNU_HASH (glibc)");
	ck_assert_msg(versym && verdef, "DT_VERSYM and DT_VERDEF");
	ck_assert_msg(soname, "DT_SONAME linux-vdso.so.1");
	ck_assert_ptr_nonnull(dynsym);
	ck_assert_ptr_nonnull(vsym);
	ck_assert_ptr_nonnull(vdef);

	/* Each function defined, in LINUX_2.6. */
	{
		Elf_Data *syms = elf_getdata(dynsym, NULL), *vers = elf_getdata(vsym, NULL);
		GElf_Sym sym;

		for (int i = 0; gelf_getsym(syms, i, &sym); i++) {
			const char *name = elf_strptr(elf, strndx, sym.st_name);
			GElf_Versym v;

			if (!name || sym.st_shndx == SHN_UNDEF ||
			    GELF_ST_TYPE(sym.st_info) != STT_FUNC)
				continue;
			ck_assert_ptr_nonnull(gelf_getversym(vers, i, &v));
			for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
				const char *ver;

				if (strcmp(name, names[k]))
					continue;
				ver = version_name(elf, vdef, strndx, v & 0x7fff);
				ck_assert_msg(ver && !strcmp(ver, "LINUX_2.6"),
					      "%s has version %s", name, ver ? ver : "(none)");
				found[k] = true;
			}
		}
	}
	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++)
		ck_assert_msg(found[k], "%s@LINUX_2.6 is missing", names[k]);
	elf_end(elf);
}
END_TEST

/* --- under lstar ------------------------------------------------------------ */

/* AT_SYSINFO_EHDR names it; the symbols resolve as musl resolves them. */
START_TEST(auxv_names_the_vdso)
{
	const char *const args[] = { "elf", NULL };
	struct run_result r;

	run_probe(NULL, _i, args, &r);
	assert_passed("vdso elf", &r);
	ck_assert_msg(strstr(r.out, "tsc 1\n") || !host_tsc_usable(),
		      "this host's TSC is usable, yet the vDSO may not use it:\n%s", r.out);
	run_result_free(&r);
}
END_TEST

/*
 * 100000 calls of each time function through libc and not one exit to
 * the VMM; forwarded calls, the coarse and the CPU-time clocks do exit.
 * Where the host's TSC is not usable every call is a system call, and
 * the probe then only checks that the answers are right: on a thousand
 * (under check-hw's emulation 800,000 system calls took a minute and a
 * half).
 */
START_TEST(no_trap)
{
	const char *const args[] = { "notrap", host_tsc_usable() ? "100000" : "1000", NULL };
	struct run_result r;

	run_probe(NULL, _i, args, &r);
	assert_passed("vdso notrap", &r);
	if (host_tsc_usable()) {
		ck_assert_msg(strstr(r.out, "tsc 1\n"), "the vDSO does not use the TSC:\n%s", r.out);
		ck_assert_msg(strstr(r.out, "exits clock_gettime(REALTIME) 0\n") &&
			      strstr(r.out, "exits clock_gettime(MONOTONIC) 0\n") &&
			      strstr(r.out, "exits gettimeofday 0\n") &&
			      strstr(r.out, "exits time 0\n") &&
			      strstr(r.out, "exits syscall 10\n"),
			      "exits to the VMM:\n%s", r.out);
	} else {
		printf("vdso: this host's TSC is not usable; the vDSO makes system calls\n");
	}
	run_result_free(&r);
}
END_TEST

static int64_t host_ns(clockid_t id)
{
	struct timespec t;

	clock_gettime(id, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* "NAME S.N" in out, in ns; fails the test if it is not there. */
static int64_t printed_ns(const char *out, const char *name)
{
	char key[32];
	const char *p;
	long long sec;
	long nsec;

	snprintf(key, sizeof(key), "%s ", name);
	p = strstr(out, key);
	ck_assert_msg(p && sscanf(p + strlen(key), "%lld.%ld", &sec, &nsec) == 2,
		      "no %s line in:\n%s", name, out);
	return sec * 1000000000 + nsec;
}

/*
 * The guest's REALTIME and MONOTONIC, read through the vDSO at the end of
 * a run, lie between the host's readings before and after the run (the
 * VMM's clocks are the host's): to the millisecond.  The probe itself
 * holds the vDSO against the forwarded call, and checks that neither
 * clock goes back over 400000 reads across re-anchors.
 */
START_TEST(agrees_with_host)
{
	/* Without the TSC every read is a system call, monotonic as the
	 * host's clock is: fewer (300000 took 22 s under check-hw). */
	const char *const args[] = { "agree", host_tsc_usable() ? "300000" : "3000", NULL };
	const int64_t tol = 1000000;
	int64_t real0, mono0, real1, mono1, real, mono;
	struct run_result r;

	real0 = host_ns(CLOCK_REALTIME);
	mono0 = host_ns(CLOCK_MONOTONIC);
	run_probe(NULL, _i, args, &r);
	mono1 = host_ns(CLOCK_MONOTONIC);
	real1 = host_ns(CLOCK_REALTIME);
	assert_passed("vdso agree", &r);
	real = printed_ns(r.out, "realtime");
	mono = printed_ns(r.out, "monotonic");
	ck_assert_msg(real >= real0 - tol && real <= real1 + tol,
		      "guest REALTIME %lld outside the host's [%lld, %lld]",
		      (long long)real, (long long)real0, (long long)real1);
	ck_assert_msg(mono >= mono0 - tol && mono <= mono1 + tol,
		      "guest MONOTONIC %lld outside the host's [%lld, %lld]",
		      (long long)mono, (long long)mono0, (long long)mono1);
	run_result_free(&r);
}
END_TEST

/* No TSC flag, or a writer stuck odd: the real call, the right time. */
START_TEST(falls_back_to_the_syscall)
{
	const char *const args[] = { "fallback", NULL };
	struct run_result r;

	run_probe(NULL, _i, args, &r);
	assert_passed("vdso fallback", &r);
	run_result_free(&r);
}
END_TEST

/*
 * The program unmaps its vDSO and time page, then takes every page of a
 * small guest, the freed frames included, and fills them: after more
 * exits to the VMM, not a byte has changed.
 */
START_TEST(unmapped_page_is_left_alone)
{
	const char *const opts[] = { "--mem", "32M", NULL };
	const char *const args[] = { "unmap", NULL };
	struct run_result r;

	run_probe(opts, _i, args, &r);
	assert_passed("vdso unmap", &r);
	run_result_free(&r);
}
END_TEST

/* The time page and the vDSO are read-only, the page not executable. */
static const char *const ro_modes[] = { "write-vvar", "write-vdso", "exec-vvar" };

START_TEST(read_only_for_the_program)
{
	const char *const args[] = { ro_modes[_i % 3], NULL };
	struct run_result r;

	run_probe(NULL, _i / 3, args, &r);
	ck_assert_msg(r.status == 139 && strstr(r.err, "killed by SIGSEGV") &&
		      !strstr(r.out, "wrote") && !strstr(r.out, "ran"),
		      "%s: status %d\n--- stdout\n%s--- stderr\n%s",
		      ro_modes[_i % 3], r.status, r.out, r.err);
	run_result_free(&r);
}
END_TEST

/* --- the syscall gate (vdso/gate.S) ---------------------------------------- */

static const char *const gate_modes[] = { "flags", "events", "events_shim", "fork" };
#define NGATE ((int)(sizeof(gate_modes) / sizeof(gate_modes[0])))

/*
 * The calls the gate answers, as Linux answers them: the same answers,
 * registers and RFLAGS (six patterns of the arithmetic flags and DF),
 * SIGALRMs reaching a loop of nothing but getpid, and a loop of calls the
 * gate sends on to the shim (events between its jump and the fault
 * there: traps.c's at_the_entry) without harm, and a forked child's own
 * pid.  _i is mode * 2 + libc.
 */
START_TEST(gate_as_native)
{
	const char *const args[] = { gate_modes[_i / 2], NULL };

	assert_same_as_native(probe("gate", _i % 2), args);
}
END_TEST

static const char *const gone_modes[] = { "unmap", "unmap_vvar", "noexec" };

/*
 * The program unmaps its vDSO and time page, the time page alone, or
 * makes the vDSO unexecutable: getpid and the ids still answer as before
 * (traps.c's gate_gone on PVM), as on Linux, where they never depended on
 * the vDSO.  Not compared with a native run: how much of its vDSO a Linux
 * kernel lets a program unmap differs (sealed system mappings, several
 * time pages), and with it the error the native run would print.
 */
START_TEST(gate_gone_answers_the_same)
{
	const char *mode = gone_modes[_i / 2];
	const char *const args[] = { mode, NULL };
	const char *ids = "getpid same, getuid same, getgid same, geteuid same, getegid same\n";
	char want[256];
	struct run_result r;

	snprintf(want, sizeof(want), "%s: %sagain: %s", mode, ids, ids);
	run_lstar(NULL, probe("gate", _i % 2), args, &r);
	ck_assert_msg(r.status == 0 && !strcmp(r.out, want) && !r.err[0],
		      "%s: status %d\n--- stdout\n%s--- stderr\n%s", mode, r.status, r.out, r.err);
	run_result_free(&r);
}
END_TEST

/*
 * Where the gate stands in the way of a `syscall` (PVM), and only where
 * the shim would answer the call outright: the program patches the gate
 * to answer getpid with 4242.  A rule on getpid, or --trace, takes the
 * gate out of the way; on hardware KVM it never is.
 */
START_TEST(gate_only_where_allowed)
{
	static const struct {
		const char *policy;	/* NULL: the default */
		bool trace;
		const char *gated, *shim;	/* getpid's answer */
	} cases[] = {
		{ NULL, false, "getpid 4242\n", "getpid 2\n" },
		{ NULL, true, "getpid 2\n", "getpid 2\n" },
		{ "use default\ndeny getpid errno EPERM\n", false, "getpid -1\n", "getpid -1\n" },
		{ "use default\ndeny getpid errno EPERM if arg5 == 0x5eed0000\n", false,
		  "getpid 2\n", "getpid 2\n" },
	};
	bool pvm = host_facts()->platform == LSTAR_PLATFORM_PVM;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char dir[] = "/tmp/lstar-gate-XXXXXX", pol[64], trace[80];
		const char *opts[5] = { NULL };
		const char *const args[] = { "patch", NULL };
		const char *want = pvm ? cases[i].gated : cases[i].shim;
		struct run_result r;
		int n = 0;

		write_policy(dir, pol, sizeof(pol), cases[i].policy ? cases[i].policy :
								       "use default\n");
		snprintf(trace, sizeof(trace), "--trace=%s/trace", dir);
		if (cases[i].policy) {
			opts[n++] = "-p";
			opts[n++] = pol;
		}
		if (cases[i].trace)
			opts[n++] = trace;
		run_lstar(opts, probe("gate", _i), args, &r);
		ck_assert_msg(r.status == 0 && !strcmp(r.out, want),
			      "case %zu: want %s status %d\n--- stdout\n%s--- stderr\n%s",
			      i, want, r.status, r.out, r.err);
		run_result_free(&r);
		rm_rf(dir);
	}
}
END_TEST

/* The vDSO replaced by a mapping with the program's own code where the
 * gate was: neither the process nor a child it forks takes it for the gate
 * (mm.c's vma_remove turns the gate off for good). */
START_TEST(gate_not_over_new_code)
{
	const char *const args[] = { "remap", NULL };
	struct run_result r;

	run_lstar(NULL, probe("gate", _i), args, &r);
	ck_assert_msg(r.status == 0 && !strcmp(r.out, "after the remap: getpid right\n"
						     "the child's getpid right\n"),
		      "status %d\n--- stdout\n%s--- stderr\n%s", r.status, r.out, r.err);
	run_result_free(&r);
}
END_TEST

/* A jump to where the gate was, with a return address whose `syscall`
 * would be non-canonical: the program's SIGSEGV, not a restarted call or
 * a shim fault. */
START_TEST(gate_gone_then_forged)
{
	const char *const args[] = { "forged", NULL };
	struct run_result r;

	run_lstar(NULL, probe("gate", _i), args, &r);
	ck_assert_msg(r.status == 139 && !strcmp(r.out, "jumping\n") &&
		      strstr(r.err, "killed by SIGSEGV: page fault (#PF)") &&
		      strstr(r.err, "instruction fetch, nothing mapped there"),
		      "status %d\n--- stdout\n%s--- stderr\n%s", r.status, r.out, r.err);
	run_result_free(&r);
}
END_TEST

Suite *suite_vdso(void)
{
	Suite *s = suite_create("vdso");
	TCase *image = tcase_create("image");
	TCase *run = tcase_create("run");
	TCase *gate = tcase_create("gate");

	tcase_add_test(image, image_is_a_vdso);
	suite_add_tcase(s, image);

	tcase_set_timeout(run, 60);
	tcase_add_loop_test(run, auxv_names_the_vdso, 0, 2);
	tcase_add_loop_test(run, no_trap, 0, 2);
	tcase_add_loop_test(run, agrees_with_host, 0, 2);
	tcase_add_loop_test(run, falls_back_to_the_syscall, 0, 2);
	tcase_add_loop_test(run, unmapped_page_is_left_alone, 0, 2);
	tcase_add_loop_test(run, read_only_for_the_program, 0, 6);
	suite_add_tcase(s, run);

	tcase_set_timeout(gate, 60);
	tcase_add_loop_test(gate, gate_as_native, 0, NGATE * 2);
	tcase_add_loop_test(gate, gate_gone_answers_the_same, 0, 6);
	tcase_add_loop_test(gate, gate_only_where_allowed, 0, 2);
	tcase_add_loop_test(gate, gate_gone_then_forged, 0, 2);
	tcase_add_loop_test(gate, gate_not_over_new_code, 0, 2);
	suite_add_tcase(s, gate);
	return s;
}
