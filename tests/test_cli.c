/* SPDX-License-Identifier: MIT */
/*
 * test_cli.c - the `lstar` command's contract: --help and --version, every
 * bad option and bad program ends with status 125 and a message naming
 * the problem, and the run limits (--timeout: 124, --mem: ENOMEM).
 */
#include <elf.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lstar_abi.h"
#include "tests.h"

static void run_cmd(const char *const argv[], struct run_result *r)
{
	const char *full[32];
	int n = 0;

	full[n++] = lstar_path();
	for (int i = 0; argv[i]; i++)
		full[n++] = argv[i];
	full[n] = NULL;
	run_argv((char *const *)full, NULL, 60, r);
}

START_TEST(help_and_version)
{
	const char *const help[] = { "--help", NULL };
	const char *const version[] = { "--version", NULL };
	struct run_result r;

	run_cmd(help, &r);
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "usage: lstar run [options] -- PROGRAM"));
	ck_assert_ptr_nonnull(strstr(r.out, "--timeout"));
	ck_assert_ptr_nonnull(strstr(r.out, "--uid N"));
	ck_assert_ptr_nonnull(strstr(r.out, "--gid N"));
	ck_assert_ptr_nonnull(strstr(r.out, "--hostname NAME"));
	ck_assert_ptr_nonnull(strstr(r.out, "--rlimit NAME=SOFT[:HARD]"));
	run_result_free(&r);
	run_cmd(version, &r);
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "lstar "));
	run_result_free(&r);
}
END_TEST

/* Each bad command line: status 125, and stderr says what was wrong. */
static const struct {
	const char *argv[8];
	const char *message;
} bad_options[] = {
	{ { NULL }, "no command given" },
	{ { "frobnicate", NULL }, "unknown command 'frobnicate'" },
	{ { "run", NULL }, "no program given" },
	{ { "run", "--frob", "--", "x", NULL }, "unknown option '--frob'" },
	{ { "run", "--mem", "lots", "--", "x", NULL }, "--mem lots: expected a size" },
	{ { "run", "--mem", "1M", "--", "x", NULL }, "--mem 1M: must be between 16M and 64G" },
	{ { "run", "--timeout", "-1", "--", "x", NULL }, "--timeout -1: expected a positive number" },
	{ { "run", "--timeout", "soon", "--", "x", NULL }, "--timeout soon: expected a positive number" },
	{ { "run", "--env", "NOVALUE", "--", "x", NULL }, "--env NOVALUE: expected NAME=VALUE" },
	{ { "run", "--mem", NULL }, "--mem needs a value" },
	/* A relative --cwd is the host's; an absolute one the program's. */
	{ { "run", "--cwd", "nonexistent-lstar-dir", "--", "@ARGS", NULL }, "--cwd nonexistent-lstar-dir: No such file or directory" },
	{ { "run", "--cwd", "/nonexistent-lstar-dir", "--", "@ARGS", NULL }, "--cwd /nonexistent-lstar-dir: outside every tree the program sees" },
	{ { "run", "--cwd", "/tmp", "--", "@ARGS", NULL }, "--cwd /tmp: outside every tree the program sees (grant it with --ro or --rw)" },
	{ { "run", "--rw", "/dev/null", "--", "@ARGS", NULL }, "path rw /dev/null: one of lstar's own devices, there in every run without a grant (never the host's)" },
	{ { "run", "--ro", "/dev/urandom", "--", "@ARGS", NULL }, "path ro /dev/urandom: one of lstar's own devices" },
	{ { "run", "--cwd", "/dev/null", "--", "@ARGS", NULL }, "--cwd /dev/null: Not a directory" },
	{ { "run", "--net", "connect example.com:80", "--", "@ARGS", NULL }, "command line:1:13: error: 'example.com' is a host name, not an address" },
	{ { "run", "--net", "listen", "--", "@ARGS", NULL }, "command line:1:11: error: expected ADDR:PORT after 'net listen'" },
	{ { "run", "--net", "dns\nallow ptrace", "--", "@ARGS", NULL }, "--net: a rule is one line, without control characters" },
	{ { "run", "--net", NULL }, "--net needs a value" },
	{ { "run", "--uid", "abc", "--", "x", NULL }, "--uid abc: expected a number from 0 to 4294967294" },
	{ { "run", "--uid", "1K", "--", "x", NULL }, "--uid 1K: expected a number from 0 to 4294967294" },
	{ { "run", "--gid", "-5", "--", "x", NULL }, "--gid -5: expected a number from 0 to 4294967294" },
	{ { "run", "--uid", "4294967295", "--", "x", NULL }, "--uid 4294967295: 4294967295 is (uid_t)-1" },
	{ { "run", "--gid", "4294967296", "--", "x", NULL }, "--gid 4294967296: expected a number" },
	{ { "run", "--uid", NULL }, "--uid needs a value" },
	{ { "fuzz", "--gid", "x", "--stdin", "--", "x", NULL }, "--gid x: expected a number" },
	{ { "run", "--hostname", "", "--", "x", NULL }, "--hostname : 0 bytes; a host name has 1 to 64 bytes" },
	{ { "run", "--hostname", "h2345678901234567890123456789012345678901234567890123456789012345", "--", "x", NULL },
	  "65 bytes; a host name has 1 to 64 bytes" },
	{ { "run", "--hostname", "my_box", "--", "x", NULL }, "--hostname my_box: '_' is not allowed: letters, digits, '-' and '.' only" },
	{ { "run", "--hostname", "a b", "--", "x", NULL }, "--hostname a b: byte 0x20 is not allowed" },
	{ { "run", "--hostname", "box.", "--", "x", NULL }, "--hostname box.: an empty label" },
	{ { "run", "--hostname", "-box", "--", "x", NULL }, "--hostname -box: a label may not begin with '-'" },
	{ { "run", "--hostname", "box-.lan", "--", "x", NULL }, "--hostname box-.lan: a label may not end with '-'" },
	{ { "run", "--rlimit", "files=10", "--", "x", NULL }, "--rlimit files=10: no resource 'files' (cpu, fsize," },
	{ { "run", "--rlimit", "nofile", "--", "x", NULL }, "--rlimit nofile: expected NAME=SOFT[:HARD]" },
	{ { "run", "--rlimit", "core=lots", "--", "x", NULL }, "--rlimit core=lots: expected a number, such as 1024 or 8M, or unlimited" },
	{ { "run", "--rlimit", "core=1:", "--", "x", NULL }, "--rlimit core=1:: expected a number" },
	{ { "run", "--rlimit", "nofile=64:32", "--", "x", NULL }, "--rlimit nofile=64:32: the soft limit is above the hard one" },
	{ { "run", "--rlimit", "stack=unlimited:8M", "--", "x", NULL }, "the soft limit is above the hard one" },
	{ { "run", "--rlimit", "nofile=2000", "--", "@ARGS", NULL },
	  "--rlimit nofile: a hard limit of 2000, more than the 1024 descriptors lstar gives the program" },
	{ { "run", "-p", "@FILES8", "--rlimit", "nofile=4:9", "--", "@ARGS", NULL },
	  "--rlimit nofile: a hard limit of 9, more than the 8 descriptors" },
};

START_TEST(bad_option)
{
	struct run_result r;
	const char *argv[8];

	char files8[64] = "";

	memcpy(argv, bad_options[_i].argv, sizeof(argv));
	for (int i = 0; argv[i]; i++)
		if (!strcmp(argv[i], "@ARGS")) {
			argv[i] = guest_path("args.musl");
		} else if (!strcmp(argv[i], "@FILES8")) {
			/* A policy whose table holds 8 descriptors. */
			snprintf(files8, sizeof(files8), "/tmp/lstar-files8-%d.policy", (int)getpid());
			write_text(files8, "use default\nlimit files 8\n");
			argv[i] = files8;
		}
	run_cmd(argv, &r);
	if (*files8)
		unlink(files8);
	ck_assert_int_eq(r.status, 125);
	ck_assert_msg(strstr(r.err, bad_options[_i].message) != NULL,
		      "want \"%s\" in stderr, got: %s", bad_options[_i].message, r.err);
	run_result_free(&r);
}
END_TEST

/* Write a damaged copy of a real program; returns its path. */
static const char *damaged(const char *name, void (*patch)(char *buf, size_t *size))
{
	static char path[256];
	size_t size;
	char *buf;
	FILE *f = fopen(guest_path("args.musl"), "rb");
	int fd;

	ck_assert_ptr_nonnull(f);
	buf = malloc(8 << 20);
	size = fread(buf, 1, 8 << 20, f);
	fclose(f);
	patch(buf, &size);
	snprintf(path, sizeof(path), "/tmp/lstar-test-%d-%s", getpid(), name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, buf, size), (ssize_t)size);
	close(fd);
	free(buf);
	return path;
}

static void patch_script(char *buf, size_t *size)
{
	strcpy(buf, "#!/bin/sh\necho hi\n");
	*size = strlen(buf);
}

static void patch_truncate(char *buf, size_t *size)
{
	(void)buf;
	*size = 100;	/* inside the program headers */
}

static void patch_class32(char *buf, size_t *size)
{
	(void)size;
	buf[EI_CLASS] = ELFCLASS32;
}

static void patch_machine(char *buf, size_t *size)
{
	(void)size;
	((Elf64_Ehdr *)buf)->e_machine = EM_AARCH64;
}

static void patch_entry(char *buf, size_t *size)
{
	(void)size;
	((Elf64_Ehdr *)buf)->e_entry = 0x10;
}

/* Move the whole image to just below the top of user space. */
static void patch_near_top(char *buf, size_t *size)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)buf;
	const uint64_t delta = 0x7fffe0000000ULL - 0x400000ULL;

	(void)size;
	for (int i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr *ph = (Elf64_Phdr *)(buf + eh->e_phoff) + i;

		if (ph->p_vaddr) {
			ph->p_vaddr += delta;
			ph->p_paddr += delta;
		}
	}
	eh->e_entry += delta;
}

static const struct {
	const char *name;
	void (*patch)(char *, size_t *);
	const char *message;
} bad_programs[] = {
	{ "script", patch_script, "not an ELF file" },
	{ "truncated", patch_truncate, "truncated" },
	{ "class32", patch_class32, "not a 64-bit ELF file" },
	{ "aarch64", patch_machine, "not an x86-64 program" },
	{ "entry", patch_entry, "entry point 0x10 is outside the executable segments" },
	{ "near-top", patch_near_top, "into the stack's area" },
};

START_TEST(bad_program)
{
	const char *path = damaged(bad_programs[_i].name, bad_programs[_i].patch);
	struct run_result r;

	run_lstar(NULL, path, NULL, &r);
	unlink(path);
	ck_assert_int_eq(r.status, 125);
	ck_assert_msg(strstr(r.err, bad_programs[_i].message) != NULL,
		      "want \"%s\" in stderr, got: %s", bad_programs[_i].message, r.err);
	ck_assert_msg(strstr(r.err, path) != NULL, "message must name the file: %s", r.err);
	run_result_free(&r);
}
END_TEST

START_TEST(dynamic_program)
{
	struct run_result r;

	/* The host's own /bin/true is dynamically linked: without a tree
	 * that holds its interpreter, lstar says which and what grants it. */
	run_lstar(NULL, "/bin/true", NULL, &r);
	ck_assert_int_eq(r.status, 125);
	ck_assert_msg(strstr(r.err, "lstar: /bin/true: interpreter /lib") &&
		      strstr(r.err, "outside every tree the program sees") &&
		      strstr(r.err, "--system"), "stderr: %s", r.err);
	run_result_free(&r);
}
END_TEST

START_TEST(missing_program)
{
	struct run_result r;

	run_lstar(NULL, "/nonexistent/prog", NULL, &r);
	ck_assert_int_eq(r.status, 125);
	ck_assert_ptr_nonnull(strstr(r.err, "/nonexistent/prog: No such file or directory"));
	run_result_free(&r);
	run_lstar(NULL, "/tmp", NULL, &r);
	ck_assert_int_eq(r.status, 125);
	ck_assert_ptr_nonnull(strstr(r.err, "/tmp: Is a directory"));
	run_result_free(&r);
}
END_TEST

Suite *suite_cli(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("input");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, help_and_version);
	tcase_add_loop_test(tc, bad_option, 0, sizeof(bad_options) / sizeof(bad_options[0]));
	tcase_add_loop_test(tc, bad_program, 0, sizeof(bad_programs) / sizeof(bad_programs[0]));
	tcase_add_test(tc, dynamic_program);
	tcase_add_test(tc, missing_program);
	suite_add_tcase(s, tc);
	return s;
}

/* --- run limits (need KVM) ------------------------------------------------ */

START_TEST(timeout_stops_a_spinning_program)
{
	const char *const opts[] = { "--timeout", "0.5", NULL };
	const char *const args[] = { _i ? "sleep" : "spin", NULL };
	struct run_result r;

	run_lstar(opts, guest_path("limits.musl"), args, &r);
	ck_assert_int_eq(r.status, 124);
	ck_assert_msg(strstr(r.err, "timed out after 0.5 seconds") != NULL, "stderr: %s", r.err);
	run_result_free(&r);
}
END_TEST

START_TEST(mem_limit_gives_enomem)
{
	const char *const opts[] = { "--mem", "32M", NULL };
	const char *const args[] = { "alloc", NULL };
	struct run_result r;
	long mib;

	run_lstar(opts, guest_path(_i ? "limits.glibc" : "limits.musl"), args, &r);
	ck_assert_msg(r.status == 0, "status %d, stderr: %s", r.status, r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "stopped with ENOMEM after "));
	mib = atol(r.err);
	/* 32 MiB less the 8 MiB stack, the image and the page tables. */
	ck_assert_msg(mib >= 16 && mib < 32, "mapped %ld MiB under --mem 32M", mib);
	run_result_free(&r);
}
END_TEST

/* Page tables that empty are given back: 1500 mappings, each in a new
 * 1 GiB region and unmapped again, fit in --mem 16M (without the
 * freeing, the tables alone ran out after ~1000). */
START_TEST(page_tables_are_given_back)
{
	const char *const opts[] = { "--mem", "16M", NULL };
	const char *const args[] = { "tables", NULL };
	struct run_result r;

	run_lstar(opts, guest_path(_i ? "limits.glibc" : "limits.musl"), args, &r);
	ck_assert_msg(r.status == 0, "status %d, stderr: %s", r.status, r.err);
	ck_assert_str_eq(r.out, "mapped and unmapped 1500 times\n");
	run_result_free(&r);
}
END_TEST

START_TEST(env_is_exactly_what_is_given)
{
	const char *const opts[] = { "--env", "A=1", "--env", "B=two words", NULL };
	struct run_result r;

	setenv("LSTAR_SHOULD_NOT_LEAK", "1", 1);
	run_lstar(opts, guest_path("args.musl"), NULL, &r);
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "env A=1\nenv B=two words\npagesz"));
	ck_assert_ptr_null(strstr(r.out, "LSTAR_SHOULD_NOT_LEAK"));
	run_result_free(&r);
}
END_TEST

/* Read "Field:\tvalue" from /proc/PID/status into out. */
static bool proc_status_field(pid_t pid, const char *field, char *out, size_t len)
{
	char path[64], line[256];
	FILE *f;
	bool found = false;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (!(f = fopen(path, "r")))
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		size_t n = strlen(field);

		if (!strncmp(line, field, n) && line[n] == ':') {
			snprintf(out, len, "%s", line + n + 1 + strspn(line + n + 1, " \t"));
			out[strcspn(out, "\n")] = '\0';
			found = true;
		}
	}
	fclose(f);
	return found;
}

/* While the guest runs, lstar is under its seccomp filter, has no
 * capabilities and cannot gain privileges.  (A SAN=1 build keeps no
 * filter: the sanitizers' exit-time checks need more than it allows.) */
#ifdef LSTAR_SANITIZE
#define SECCOMP_EXPECTED "0"
#else
#define SECCOMP_EXPECTED "2"	/* SECCOMP_MODE_FILTER */
#endif

START_TEST(vmm_is_confined_while_running)
{
	const char *argv[] = { lstar_path(), "run", "--timeout", "5", "--",
			       guest_path("limits.musl"), "spin", NULL };
	char seccomp[64] = "", nnp[64] = "", capeff[64] = "";
	pid_t pid = fork();
	int status;

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	/* Wait until the guest spins: the filter is in place by then. */
	for (int i = 0; i < 50; i++) {
		usleep(100 * 1000);
		if (proc_status_field(pid, "Seccomp", seccomp, sizeof(seccomp)) &&
		    !strcmp(seccomp, SECCOMP_EXPECTED) && i >= 5)
			break;
	}
	proc_status_field(pid, "NoNewPrivs", nnp, sizeof(nnp));
	proc_status_field(pid, "CapEff", capeff, sizeof(capeff));
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	ck_assert_str_eq(seccomp, SECCOMP_EXPECTED);
	ck_assert_str_eq(nnp, "1");
	ck_assert_str_eq(capeff, "0000000000000000");
}
END_TEST

/* doctor says which KVM this is and measures both round trips, and the
 * floor beneath each.  The bare floor probe does far less than the
 * shim's answer to gettid (a few instructions against its entry,
 * dispatch and exit), so a floor above that call means the probe is not
 * the one answering.  The floor exit is not compared with the forwarded
 * call: on PVM the forwarded path is only a few emulated instructions
 * longer, within the machine's jitter, and on hardware KVM an exit's own
 * jitter swamps lstar's work.  doctor counts the floor exit's bare exits
 * instead, and fails when they are not one a call. */
START_TEST(doctor_reports_and_measures)
{
	const char *const argv[] = { "doctor", NULL };
	bool pvm = host_facts()->platform == LSTAR_PLATFORM_PVM;
	struct run_result r;
	const char *p;
	double us, floor, floor_exit;

	run_cmd(argv, &r);
	ck_assert_msg(r.status == 0, "status %d\n%s%s", r.status, r.out, r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "KVM_CREATE_VM ok"));
	ck_assert_ptr_nonnull(strstr(r.out, pvm ? "platform      PVM" :
					     "platform      hardware KVM"));
	ck_assert_ptr_nonnull(p = strstr(r.out, "floor         "));
	floor = atof(p + 14);
	ck_assert_ptr_nonnull(p = strstr(r.out, "floor exit    "));
	floor_exit = atof(p + 14);
	ck_assert_ptr_nonnull(p = strstr(r.out, "syscall       "));
	us = atof(p + 14);
	ck_assert_msg(us > 0 && us < 10000, "syscall cost %f us", us);
	ck_assert_msg(floor > 0 && floor <= us, "floor %f us, syscall %f us\n%s", floor, us, r.out);
	/* On PVM the gate answers getpid in ring 3: below the floor, which
	 * enters the shim; elsewhere there is no gate. */
	p = strstr(r.out, "gate          ");
	ck_assert_msg(pvm ? p && atof(p + 14) > 0 && atof(p + 14) < floor : !p,
		      "gate line, floor %f us\n%s", floor, r.out);
	ck_assert_ptr_nonnull(p = strstr(r.out, "VMM exit      "));
	us = atof(p + 14);
	ck_assert_msg(us > 0 && us < 10000, "VMM exit cost %f us", us);
	ck_assert_msg(floor_exit > 0, "floor exit %f us\n%s", floor_exit, r.out);
	/* The first-touch probes ran: touching 2048 fresh pages costs more
	 * than touching none, whoever mapped them. */
	ck_assert_ptr_nonnull(p = strstr(r.out, "first touch   "));
	ck_assert_msg(atof(p + 14) > 0, "%s", r.out);
	ck_assert_ptr_nonnull(p = strstr(p, "us a page the program maps, "));
	ck_assert_msg(atof(p + 28) > 0, "%s", r.out);
	ck_assert_ptr_nonnull(strstr(r.out, "verdict: ready"));
	/* A forbidden MSR read from the shim must have been refused, where
	 * KVM can filter MSRs (Linux 5.10 and later). */
	ck_assert_msg(strstr(r.out, kvm_has(KVM_CAP_X86_MSR_FILTER) ? "MSR filter    active" :
			     "MSR filter    NOT active") != NULL, "%s", r.out);
	run_result_free(&r);
}
END_TEST

/* readv from a pipe returns what the pipe holds, as Linux does: 4 bytes
 * now, and 4 more only once the program has answered; it must print
 * "got 4".  (Were lstar to wait for the whole buffer, nothing would come
 * within 30 s; then the rest is written and the answer is "got 8".) */
START_TEST(readv_returns_what_a_pipe_has)
{
	const char *argv[] = { lstar_path(), "run", "--", guest_path("readv.musl"), NULL };
	int in[2], out[2], status;
	char buf[64] = "";
	struct pollfd pfd;
	pid_t pid;
	ssize_t n;

	ck_assert_int_eq(pipe(in), 0);
	ck_assert_int_eq(pipe(out), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	signal(SIGPIPE, SIG_IGN);
	ck_assert_int_eq(write(in[1], "abcd", 4), 4);
	pfd = (struct pollfd){ .fd = out[0], .events = POLLIN };
	if (poll(&pfd, 1, 30000) == 0 && write(in[1], "more", 4) != 4)
		ck_abort_msg("the program neither answered nor took more input");
	n = read(out[0], buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(in[1]);
	waitpid(pid, &status, 0);
	close(out[0]);
	ck_assert_str_eq(buf, "got 4\n");
	ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

Suite *suite_limits(void)
{
	Suite *s = suite_create("limits");
	TCase *tc = tcase_create("run");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, timeout_stops_a_spinning_program, 0, 2);
	tcase_add_loop_test(tc, mem_limit_gives_enomem, 0, 2);
	tcase_add_loop_test(tc, page_tables_are_given_back, 0, 2);
	tcase_add_test(tc, env_is_exactly_what_is_given);
	tcase_add_test(tc, vmm_is_confined_while_running);
	tcase_add_test(tc, doctor_reports_and_measures);
	tcase_add_test(tc, readv_returns_what_a_pipe_has);
	suite_add_tcase(s, tc);
	return s;
}
