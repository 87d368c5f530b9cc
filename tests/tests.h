/* SPDX-License-Identifier: MIT */
/*
 * tests.h - lstar's Check suites and the helpers they share.
 *
 * One suite per module; runner.c adds them all.  Suites that need a
 * working /dev/kvm are registered only when a VM can be created; the
 * runner then prints how many were left out and why (Check has no skip).
 */
#ifndef LSTAR_TESTS_H
#define LSTAR_TESTS_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Unit suites (no KVM needed). */
Suite *suite_abi(void);
Suite *suite_elf(void);
Suite *suite_stack(void);
Suite *suite_mem(void);
Suite *suite_cli(void);
Suite *suite_entry(void);
Suite *suite_confine(void);
Suite *suite_policy(void);
Suite *suite_shim_mm(void);
Suite *suite_syscalls(void);
Suite *suite_shim_lib(void);
Suite *suite_block(void);
Suite *suite_install(void);
Suite *suite_json(void);

/* Integration suites (need /dev/kvm). */
Suite *suite_run(void);
Suite *suite_hostile(void);
Suite *suite_limits(void);
Suite *suite_vdso(void);
Suite *suite_fs(void);
Suite *suite_trace(void);
Suite *suite_policy_run(void);
Suite *suite_output(void);
Suite *suite_load(void);
Suite *suite_procs(void);
Suite *suite_fuzz(void);
Suite *suite_dynamic(void);
Suite *suite_shared(void);
Suite *suite_net(void);
Suite *suite_dns(void);
Suite *suite_exec(void);
Suite *suite_oci(void);

/*
 * host_facts - what the tests can observe of this machine (host.c), for
 * the expectations that differ between machines.  host_describe - the
 * same, in words (the runner prints it first).
 */
struct host_facts {
	int platform;			/* enum lstar_platform, as lstar detects it */
	bool intel;			/* the CPU's vendor */
	bool amd;
	bool tcg;			/* QEMU's emulator: `make check-hw` */
	bool la57;			/* 5-level paging: user space above 2^47 */
	bool hypercall_patching;	/* KVM rewrites the other vendor's
					 * vmcall/vmmcall in guest memory */
	bool umip;			/* ring 3 under lstar cannot read the
					 * descriptor-table registers */
	bool xsave;			/* lstar's guest has XSAVE: signal
					 * frames hold an XSAVE image */
};
const struct host_facts *host_facts(void);
const char *host_describe(void);
/* kvm_has - does /dev/kvm offer capability cap (KVM_CAP_*)? */
bool kvm_has(long cap);

/* What guest/fs_escape `moved` prints when a test moves its directory
 * out of the tree (test_fs.c, test_policy_run.c). */
extern const char want_dir_moved_out[];

/* The result of running a command to completion. */
struct run_result {
	char *out;		/* captured stdout, NUL-terminated */
	size_t out_len;
	char *err;		/* captured stderr, NUL-terminated */
	size_t err_len;
	int status;		/* exit status, or 128+N if killed by signal N */
};

/*
 * run_argv - run argv[0] (a path) with argv and an empty environment plus
 * env (NULL-terminated, may be NULL), stdin from /dev/null, capturing
 * stdout and stderr; kill it after timeout_s seconds (status 137 then).
 */
void run_argv(char *const argv[], char *const env[], int timeout_s,
	      struct run_result *r);

/* run_argv_in - the same, in directory cwd (NULL: the test's) with stdin
 * from the file in (NULL: /dev/null). */
void run_argv_in(char *const argv[], char *const env[], int timeout_s,
		 const char *cwd, const char *in, struct run_result *r);
void run_result_free(struct run_result *r);

/* Paths of build products, from the environment make check sets. */
const char *lstar_path(void);		/* build/lstar */
const char *lstar_policy_path(void);	/* build/lstar-policy */
const char *guest_path(const char *name); /* build/guest/NAME (static buffer) */

/* read_text - the whole of the file at path, NUL-terminated (free it), or
 * NULL when it cannot be opened.  write_text - path := text (created or
 * truncated, 0644), failing the test when it cannot.  rm_rf - remove a
 * tree, as rm -rf. */
char *read_text(const char *path);
void write_text(const char *path, const char *text);
/* write_policy - make directory dir (a mkdtemp template) and the policy
 * text in it as dir/p, whose path goes to path (len bytes). */
void write_policy(char *dir, char *path, size_t len, const char *text);
void rm_rf(const char *path);

/* none_left - reap what is left of lstar's processes: with the test
 * process their subreaper (PR_SET_CHILD_SUBREAPER), every VMM lstar
 * started comes to it once lstar is gone.  True when none is left
 * running after timeout_ms. */
bool none_left(int timeout_ms);

/* source_path - the absolute path of rel in the source tree (LSTAR_SRC,
 * else the working directory), in a static buffer; fails the test when
 * it does not exist. */
const char *source_path(const char *rel);

/*
 * run_lstar - `lstar run [opts...] -- prog args...`; opts and args are
 * NULL-terminated lists (either may be NULL).
 */
void run_lstar(const char *const opts[], const char *prog,
	       const char *const args[], struct run_result *r);
/* run_lstar_in - `lstar COMMAND [opts...] -- prog args...` with stdin
 * from the file in (NULL: /dev/null), killed after timeout_s. */
void run_lstar_in(const char *command, const char *const opts[], const char *prog,
		  const char *const args[], const char *in, int timeout_s,
		  struct run_result *r);

/*
 * assert_same_as_native - run prog with args natively and under lstar;
 * fail the test unless stdout, stderr and exit status all match.
 */
void assert_same_as_native(const char *prog, const char *const args[]);
/* ... with lstar's options opts (NULL-terminated; NULL for none). */
void assert_same_as_native_with(const char *const opts[], const char *prog,
				const char *const args[]);

/*
 * spawn_to_files - start argv[0] (a path) with stdin at /dev/null and
 * stdout and stderr into the files out and err; returns the pid.
 * wait_for_text - wait until file holds needle (true), at most
 * timeout_s seconds (false).
 */
pid_t spawn_to_files(const char *const argv[], const char *out, const char *err);
bool wait_for_text(const char *file, const char *needle, int timeout_s);

#endif /* LSTAR_TESTS_H */
