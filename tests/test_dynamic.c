/* SPDX-License-Identifier: MIT */
/*
 * test_dynamic.c - the host's own dynamically linked programs under
 * lstar --system: coreutils, grep, sed, awk and python3 give the same
 * stdout, stderr and exit status as natively; and the refusals of a
 * dynamic program whose interpreter lstar cannot or will not load, each
 * with a message that names it.
 */
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "tests.h"

/* A directory of inputs, granted read-only beside --system. */
static char dir[] = "/tmp/lstar-dyn-XXXXXX";
static char words[64], missing[64];

static void make_inputs(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(words, sizeof(words), "%s/words", dir);
	snprintf(missing, sizeof(missing), "%s/missing", dir);
	write_text(words, "pear 3\napple 12\nfig 1\nbanana 7\napple 2\n"
			  "cherry 30\nkiwi 4\n");
}

/* One program and its arguments; "@" stands for the words file, "!"
 * for a file that does not exist, "%" for the directory. */
struct host_run {
	const char *prog;
	const char *args[8];
};

static const struct host_run host_runs[] = {
	/* Named through --system's /bin link, as a user types them. */
	{ "/bin/true", { NULL } },
	{ "/bin/ls", { "-a", "-1", "/usr/bin", NULL } },
	/* tools/check-hw.sh copies these /usr/bin programs into its
	 * machine, whose /bin is busybox's. */
	{ "/usr/bin/false", { NULL } },
	{ "/usr/bin/ls", { "%", NULL } },
	{ "/usr/bin/ls", { "!", NULL } },
	{ "/usr/bin/cat", { "@", NULL } },
	{ "/usr/bin/wc", { "@", NULL } },
	{ "/usr/bin/wc", { "-l", "-c", "@", "!", NULL } },
	{ "/usr/bin/sort", { "@", NULL } },
	{ "/usr/bin/sort", { "-k2", "-n", "-r", "@", NULL } },
	{ "/usr/bin/head", { "-n", "3", "@", NULL } },
	{ "/usr/bin/grep", { "-n", "an", "@", NULL } },
	{ "/usr/bin/grep", { "-c", "zzz", "@", NULL } },
	{ "/usr/bin/grep", { "x", "!", NULL } },
	{ "/usr/bin/sed", { "-e", "s/a/A/g", "-e", "3d", "@", NULL } },
	{ "/usr/bin/mawk", { "{ s += $2 } END { print NR, s }", "@", NULL } },
	/* dash forks and starts dynamic programs itself (execve). */
	{ "/usr/bin/dash", { "-c", "/usr/bin/ls /usr/share | /usr/bin/grep -c o; "
			     "/usr/bin/cat @ | /usr/bin/wc -l; "
			     "/usr/bin/head -n 2 @ | /usr/bin/sed s/e/E/; "
			     "/usr/bin/wc -c !; echo $?", NULL } },
	/* sort sizes its buffer by sysinfo: with none it needs a /tmp. */
	{ "/usr/bin/dash", { "-c", "/usr/bin/ls -a /usr/bin | /usr/bin/sort -r | /usr/bin/head -n 4",
			     NULL } },
	{ "/usr/bin/python3", { "-c", "print(2**100)", NULL } },
	{ "/usr/bin/python3", { "-c", "import json, sys; print(json.dumps(sys.argv)); sys.exit(3)",
				"a", "b", NULL } },
	{ "/usr/bin/python3", { "-c", "import os; print(sorted(open('@').read().split()))", NULL } },
};

#define NHOST_RUNS ((int)(sizeof(host_runs) / sizeof(host_runs[0])))

/* s with "@", "!" and "%" put in (in a buffer of its own, to free). */
static char *expand(const char *s)
{
	char *out = malloc(strlen(s) * 64 + 1), *o = out;

	ck_assert_ptr_nonnull(out);
	for (; *s; s++) {
		const char *with = *s == '@' ? words : *s == '!' ? missing : *s == '%' ? dir : NULL;

		if (with)
			o = stpcpy(o, with);
		else
			*o++ = *s;
	}
	*o = '\0';
	return out;
}

START_TEST(host_programs)
{
	const struct host_run *h = &host_runs[_i];
	const char *opts[] = { "--system", "--ro", dir, NULL };
	char *args[8] = { NULL };

	if (access(h->prog, X_OK)) {
		/* make deps installs what the table runs. */
		ck_abort_msg("%s is not installed: run make deps", h->prog);
	}
	for (int i = 0; h->args[i]; i++)
		args[i] = expand(h->args[i]);
	assert_same_as_native_with(opts, h->prog, (const char *const *)args);
	for (int i = 0; args[i]; i++)
		free(args[i]);
}
END_TEST

/* lstar's own args.c built dynamically, as a PIE (ET_DYN) and not
 * (ET_EXEC): argv, exit status and the auxv facts (AT_BASE set, the vDSO,
 * AT_ENTRY, AT_PHDR, AT_EXECFN, AT_SECURE 0 ...) as natively. */
START_TEST(own_dynamic_programs)
{
	static const char *const names[] = { "args.dyn", "args.dynexec" };
	char guest_dir[4096], *slash;
	const char *opts[] = { "--system", "--ro", guest_dir, NULL };
	const char *args[] = { "7", "two words", "", NULL };

	snprintf(guest_dir, sizeof(guest_dir), "%s", guest_path(names[_i]));
	slash = strrchr(guest_dir, '/');
	ck_assert_ptr_nonnull(slash);
	*slash = '\0';
	assert_same_as_native_with(opts, guest_path(names[_i]), args);
}
END_TEST

/* --system shows /bin, /lib, /lib64 as the host has them (merged-/usr
 * links, or directories): what a path through them names is what it
 * names natively; and of /etc only the loader's cache is shown (/etc a
 * bare directory above it, which cannot be listed). */
START_TEST(system_links)
{
	const char *opts[] = { "--system", NULL };
	const char *args[] = { "-c", "import os\n"
			       "for d in ('/bin', '/lib', '/lib64', '/sbin'):\n"
			       "    print(d, os.path.isdir(d), os.path.isdir(d + '/.') and "
			       "sorted(os.listdir(d))[:20])\n"
			       "print(os.path.isfile('/lib64/ld-linux-x86-64.so.2'))\n", NULL };
	const char *etc[] = { "-c", "import os\n"
			      "print(os.path.exists('/etc/ld.so.cache'), os.path.exists('/etc/passwd'))\n"
			      "try:\n    os.listdir('/etc')\nexcept OSError as e:\n"
			      "    print(type(e).__name__)\n",
			      NULL };
	struct run_result r;

	assert_same_as_native_with(opts, "/usr/bin/python3", args);
	run_lstar(opts, "/usr/bin/python3", etc, &r);
	/* A host without the cache (the check-hw machine): no /etc at all. */
	ck_assert_msg(r.status == 0 && !strcmp(r.out, access("/etc/ld.so.cache", R_OK) == 0 ?
					       "True False\nPermissionError\n" :
					       "False False\nFileNotFoundError\n"),
		      "status %d\n--- stdout\n%s--- stderr\n%s", r.status, r.out, r.err);
	run_result_free(&r);
}
END_TEST

/* sysinfo: the sandbox's memory (--mem, and less free once python3 has
 * mapped its own), an uptime, its one process, no swap. */
START_TEST(sysinfo_memory)
{
	const char *opts[] = { "--system", "--mem", "64M", NULL };
	const char *args[] = { "-c", "import ctypes, struct\n"
			       "b = ctypes.create_string_buffer(112)\n"
			       "r = ctypes.CDLL(None).sysinfo(b)\n"
			       "up, l1, l2, l3, total, free, shared, buffer, tswap, fswap, procs, "
			       "th, fh, unit = struct.unpack('l3L6LH2xLLI4x', b.raw)\n"
			       "print(r, up > 0, (l1, l2, l3), total, 0 < free < total - (4 << 20), "
			       "shared, buffer, tswap, fswap, procs, th, fh, unit)\n", NULL };
	struct run_result r;

	run_lstar(opts, "/usr/bin/python3", args, &r);
	ck_assert_msg(r.status == 0 &&
		      !strcmp(r.out, "0 True (0, 0, 0) 67108864 True 0 0 0 0 1 0 0 1\n"),
		      "status %d\n--- stdout\n%s--- stderr\n%s", r.status, r.out, r.err);
	run_result_free(&r);
}
END_TEST

/*
 * Extended attributes: the user.* ones read as natively (whether or not
 * the host's /tmp keeps them), through a path, a symlink's own (none)
 * and a descriptor; the others are not shown.  And `ls -l` (which asks
 * for ACLs and security labels) says nothing but the listing.
 */
START_TEST(xattrs)
{
	const char *opts[] = { "--system", "--ro", dir, NULL };
	char link[96], *script;
	const char *args[4] = { "-c", NULL, NULL, NULL };
	const char *ls[] = { "-l", dir, NULL };
	struct run_result r;

	snprintf(link, sizeof(link), "%s/link", dir);
	ck_assert_int_eq(symlink(words, link), 0);
	/* No error if the host's file system keeps none: the same then. */
	setxattr(words, "user.colour", "green", 5, 0);
	ck_assert_int_gt(asprintf(&script,
		"import os, errno\n"
		"def t(f):\n"
		"    try: print(f())\n"
		"    except OSError as e: print(errno.errorcode[e.errno])\n"
		"t(lambda: os.getxattr('%s', 'user.colour'))\n"
		"t(lambda: os.getxattr('%s', 'user.colour'))\n"
		"t(lambda: os.getxattr('%s', 'user.colour', follow_symlinks=False))\n"
		"t(lambda: os.getxattr('%s', 'user.none'))\n"
		"t(lambda: [n for n in os.listxattr('%s') if n.startswith('user.')])\n"
		"t(lambda: os.listxattr('%s', follow_symlinks=False))\n"
		"fd = os.open('%s', os.O_RDONLY)\n"
		"t(lambda: os.getxattr(fd, 'user.colour'))\n"
		"t(lambda: os.getxattr('%s', 'x' * 300))\n",
		words, link, link, words, words, link, words, words), 0);
	args[1] = script;
	assert_same_as_native_with(opts, "/usr/bin/python3", args);
	free(script);

	args[1] = "import os, errno\n"
		  "for n in ('system.posix_acl_access', 'security.selinux', 'trusted.x'):\n"
		  "    try: os.getxattr('/usr/bin/python3', n); print(n, 'read')\n"
		  "    except OSError as e: print(n, errno.errorcode[e.errno])\n"
		  "print([n for n in os.listxattr('/usr/bin') if not n.startswith('user.')])\n";
	run_lstar(opts, "/usr/bin/python3", args, &r);
	ck_assert_msg(r.status == 0 && !strcmp(r.out, "system.posix_acl_access ENOTSUP\n"
		      "security.selinux ENOTSUP\ntrusted.x ENOTSUP\n[]\n"),
		      "status %d\n--- stdout\n%s--- stderr\n%s", r.status, r.out, r.err);
	run_result_free(&r);

	run_lstar(opts, "/usr/bin/ls", ls, &r);
	ck_assert_msg(r.status == 0 && !*r.err && strstr(r.out, "words"),
		      "status %d\n--- stdout\n%s--- stderr\n%s", r.status, r.out, r.err);
	run_result_free(&r);
}
END_TEST

/* Without --system, and with only /usr granted (the interpreter's path
 * goes through /lib64, which is then no tree), lstar says which
 * interpreter it cannot reach and what grants it. */
START_TEST(interp_outside_trees)
{
	const char *only_usr[] = { "--ro", "/usr", NULL };
	struct run_result r;

	run_lstar(only_usr, "/bin/true", NULL, &r);
	ck_assert_msg(r.status == 125 &&
		      strstr(r.err, "lstar: /bin/true: interpreter /lib64/ld-linux-x86-64.so.2: "
			     "outside every tree the program sees (--system grants"),
		      "status %d\n--- stderr\n%s", r.status, r.err);
	run_result_free(&r);
}
END_TEST

/*
 * --system shows the loader's cache and nothing else of /etc: ld.so opens
 * it (one lookup a library), /etc/passwd is missing and /etc cannot be
 * listed.
 */
START_TEST(ld_cache_alone)
{
	char trace[4096 + 16], file[4096];
	const char *sys[] = { "--system", trace, NULL };
	const char *const cat[] = { "/etc/passwd", NULL };
	const char *const ls[] = { "/etc", NULL };
	const char *const dirs[] = { "/usr", NULL };
	struct run_result r;
	char *text;

	snprintf(file, sizeof(file), "%s/trace", dir);
	snprintf(trace, sizeof(trace), "--trace=%s", file);
	/* (ls: the check-hw machine has the dynamic suite's programs.) */
	run_lstar(sys, "/usr/bin/ls", dirs, &r);
	ck_assert_msg(r.status == 0, "ls /usr: status %d\n%s", r.status, r.err);
	run_result_free(&r);
	ck_assert_ptr_nonnull(text = read_text(file));
	/* A host without the cache (the check-hw machine) shows none. */
	ck_assert_msg(strstr(text, access("/etc/ld.so.cache", R_OK) == 0 ?
			     "openat(AT_FDCWD, \"/etc/ld.so.cache\", O_RDONLY|O_CLOEXEC) = 3 " :
			     "openat(AT_FDCWD, \"/etc/ld.so.cache\", O_RDONLY|O_CLOEXEC) = -ENOENT "),
		      "ld.so and the cache:\n%s", text);
	free(text);
	sys[1] = NULL;
	run_lstar(sys, "/usr/bin/cat", cat, &r);
	ck_assert_msg(r.status == 1 && strstr(r.err, "/etc/passwd: No such file or directory"),
		      "cat /etc/passwd: status %d\n%s", r.status, r.err);
	run_result_free(&r);
	run_lstar(sys, "/usr/bin/ls", ls, &r);
	ck_assert_msg(r.status == 2 && !r.out[0] && strstr(r.err, "'/etc'"),
		      "ls /etc: status %d\n%s%s", r.status, r.out, r.err);
	run_result_free(&r);
}
END_TEST

/*
 * A copy of guest/args.musl whose PT_GNU_STACK header is now a PT_INTERP
 * naming interp (its NUL included), at path.
 */
static void make_dynamic(const char *path, const char *interp)
{
	FILE *in = fopen(guest_path("args.musl"), "rb");
	size_t cap = 1 << 22, size, n = strlen(interp) + 1;
	unsigned char *buf = malloc(cap + n);
	Elf64_Ehdr *eh;
	int fd, found = 0;

	ck_assert_ptr_nonnull(in);
	ck_assert_ptr_nonnull(buf);
	size = fread(buf, 1, cap, in);
	fclose(in);
	ck_assert_uint_lt(size, cap);
	memcpy(buf + size, interp, n);
	eh = (Elf64_Ehdr *)buf;
	for (int i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr *ph = (Elf64_Phdr *)(buf + eh->e_phoff) + i;

		if (ph->p_type == PT_GNU_STACK) {
			*ph = (Elf64_Phdr){ .p_type = PT_INTERP, .p_flags = PF_R,
					    .p_offset = size, .p_filesz = n, .p_memsz = n,
					    .p_align = 1 };
			found = 1;
		}
	}
	ck_assert(found);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, buf, size + n), (ssize_t)(size + n));
	close(fd);
	free(buf);
}

/* Interpreters that are no interpreter: each refused with its name and
 * the reason, before the program runs. */
struct bad_interp {
	const char *name;	/* in the directory; "" for the directory */
	const char *why;
};

static const struct bad_interp bad_interps[] = {
	{ "text", "interpreter %s/text: not an ELF file" },
	{ "", "interpreter %s: Is a directory" },
	{ "prog", "interpreter %s/prog: names an interpreter itself" },
	{ "nothere", "interpreter %s/nothere: No such file or directory" },
	{ "static", "interpreter %s/static: not position-independent" },
};

START_TEST(bad_interpreters)
{
	const struct bad_interp *b = &bad_interps[_i];
	const char *opts[] = { "--ro", dir, NULL };
	char prog[96], interp[96], text[96], want[256];
	struct run_result r;
	FILE *f;

	snprintf(prog, sizeof(prog), "%s/prog", dir);
	snprintf(interp, sizeof(interp), "%s%s%s", dir, *b->name ? "/" : "", b->name);
	snprintf(text, sizeof(text), "%s/text", dir);
	write_text(text, "#!/bin/sh\necho not an interpreter\n");
	if (!strcmp(b->name, "static")) {	/* a static ET_EXEC */
		char cmd[256];

		snprintf(cmd, sizeof(cmd), "cp %s %s/static", guest_path("args.musl"), dir);
		ck_assert_int_eq(system(cmd), 0);
	}
	make_dynamic(prog, interp);
	f = fopen(prog, "rb");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	run_lstar(opts, prog, NULL, &r);
	snprintf(want, sizeof(want), b->why, dir);
	ck_assert_msg(r.status == 125 && strstr(r.err, want) && strstr(r.err, prog),
		      "want \"%s\"; status %d\n--- stderr\n%s", want, r.status, r.err);
	run_result_free(&r);
}
END_TEST

/* The hostile names the parser refuses, seen end to end; a missing
 * interpreter where the program sees the directory. */
START_TEST(bad_interp_names)
{
	char prog[96], longname[5000];
	const char *opts[] = { "--system", NULL };
	struct run_result r;

	snprintf(prog, sizeof(prog), "%s/long", dir);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[0] = '/';
	longname[sizeof(longname) - 1] = '\0';
	make_dynamic(prog, longname);
	run_lstar(opts, prog, NULL, &r);
	ck_assert_msg(r.status == 125 && strstr(r.err, "bad PT_INTERP") &&
		      strstr(r.err, "5000 bytes"), "status %d\n--- stderr\n%s", r.status, r.err);
	run_result_free(&r);

	/* Missing beneath --system's /lib64: there is such a directory, so
	 * the file is what is missing. */
	make_dynamic(prog, "/lib64/ld-lstar-none.so.1");
	run_lstar(opts, prog, NULL, &r);
	ck_assert_msg(r.status == 125 &&
		      strstr(r.err, "interpreter /lib64/ld-lstar-none.so.1: No such file or directory"),
		      "status %d\n--- stderr\n%s", r.status, r.err);
	run_result_free(&r);
}
END_TEST

static void setup(void)
{
	make_inputs();
}

static void teardown(void)
{
	rm_rf(dir);
	strcpy(dir, "/tmp/lstar-dyn-XXXXXX");
}

Suite *suite_dynamic(void)
{
	Suite *s = suite_create("dynamic");
	TCase *tc = tcase_create("host");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, host_programs, 0, NHOST_RUNS);
	tcase_add_loop_test(tc, own_dynamic_programs, 0, 2);
	tcase_add_test(tc, system_links);
	tcase_add_test(tc, xattrs);
	tcase_add_test(tc, sysinfo_memory);
	tcase_add_test(tc, interp_outside_trees);
	tcase_add_test(tc, ld_cache_alone);
	tcase_add_loop_test(tc, bad_interpreters, 0,
			    (int)(sizeof(bad_interps) / sizeof(bad_interps[0])));
	tcase_add_test(tc, bad_interp_names);
	suite_add_tcase(s, tc);
	return s;
}
