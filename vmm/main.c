/* SPDX-License-Identifier: MIT */
/*
 * main.c - the `lstar` command.
 *
 *   lstar run [options] -- PROGRAM [ARGS...]
 *   lstar doctor
 *   lstar --help | --version
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "names.h"
#include "vmm.h"

#define DEFAULT_MEM	(512ULL << 20)
#define MIN_MEM		LSTAR_MEM_MIN
#define MAX_MEM		LSTAR_MEM_MAX

static const char usage_text[] =
"usage: lstar run [options] -- PROGRAM [ARGS...]\n"
"       lstar doctor\n"
"       lstar --help | --version\n"
"\n"
"Run PROGRAM, a static x86-64 Linux executable, in ring 3 of a fresh KVM\n"
"micro-VM.  Every system call it makes is caught by lstar's shim kernel and\n"
"either answered inside the VM or checked and forwarded to the host.\n"
"\n"
"run options:\n"
"  -p, --policy FILE  what the program may do: a policy file, or the name\n"
"                     of a stock profile (default, stdio, compute,\n"
"                     readonly); see docs/POLICY.md.  Without -p: the\n"
"                     default profile (stdio, memory, time, process\n"
"                     information, no file system).  The options below\n"
"                     add to the policy; --mem and --timeout override its\n"
"                     limits\n"
"  --env NAME=VALUE   add NAME=VALUE to the program's environment (repeat);\n"
"                     nothing is inherited from lstar's own environment\n"
"  --cwd DIR          start the program in DIR, which must lie in a tree it\n"
"                     sees (default: the current directory when it sees it,\n"
"                     else /)\n"
"  --mem SIZE         most memory the program may map, e.g. 64M, 2G\n"
"                     (default 512M, at least 16M); beyond it mmap and brk\n"
"                     fail with ENOMEM.  Host memory is used only as touched.\n"
"  --timeout SECONDS  stop the program after this much wall-clock time\n"
"  --ro PATH          PATH and everything below it are visible to the\n"
"                     program, read-only (repeat for more trees)\n"
"  --rw PATH          the same, readable and writable: create, rename,\n"
"                     remove, truncate below PATH\n"
"  -v, --verbose      one line on stderr per refused or unimplemented\n"
"                     system call (name, arguments)\n"
"  --trace[=FILE]     one line per system call (arguments, result, the\n"
"                     policy's verdict and the rule that decided) to\n"
"                     stderr, or to FILE; the last line says how the run\n"
"                     ended\n"
"  --learn FILE       a trial run: write to FILE a policy that allows what\n"
"                     the program did (its system calls, constant\n"
"                     arguments, the paths it used).  The run itself is\n"
"                     under -p's policy (default: the default profile)\n"
"                     with the trees given; run it on inputs you trust.\n"
"                     FILE (and --trace's) is never written through a\n"
"                     symbolic link, nor inside a --rw tree\n"
"\n"
"The program has its standard input, output and error, and sees only the\n"
"trees given with --ro and --rw or the policy's `path` rules, at their own\n"
"paths; with none, it has no file system at all (every path is ENOENT).\n"
"\n"
"Signals sent to lstar (SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2,\n"
"SIGWINCH) are passed on to the program, which handles them or dies of\n"
"them; --timeout and SIGKILL stop lstar whatever the program does.\n"
"\n"
"exit status: the program's own; 128+N when it dies as signal N would kill\n"
"it (159, SIGSYS, when a `kill` rule ends it); 124 when --timeout expires;\n"
"125 when lstar cannot run the program (bad option, a policy that does not\n"
"compile, bad ELF, no usable /dev/kvm, shim failure), with a reason on\n"
"stderr.\n"
"\n"
"doctor: check this machine's /dev/kvm, say which KVM it is, and measure\n"
"what a system call costs inside the sandbox.\n";

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("lstar: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputs(" (see lstar --help)\n", stderr);
	va_end(ap);
	return LSTAR_EXIT_FAILURE;
}

static int parse_seconds(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	if (errno || end == s || *end || !(*out > 0) || *out > 1e9)
		return -EINVAL;
	return 0;
}

/*
 * Each guest descriptor is a host descriptor of lstar's, next to a few of
 * its own: let lstar hold what the guest's table (LSTAR_MAX_FDS) can, as far
 * as the hard limit allows.
 */
static void raise_fd_limit(void)
{
	struct rlimit r;

	if (getrlimit(RLIMIT_NOFILE, &r) < 0)
		return;
	if (r.rlim_cur < LSTAR_MAX_FDS + 64) {
		r.rlim_cur = r.rlim_max < LSTAR_MAX_FDS + 64 ? r.rlim_max : LSTAR_MAX_FDS + 64;
		setrlimit(RLIMIT_NOFILE, &r);
	}
}

/*
 * --ro PATH / --rw PATH: a `path` line of the command line's policy input,
 * for the path as the host resolves it now (a relative PATH is relative
 * to lstar's working directory; a policy file's paths must be absolute).
 */
static int add_tree(FILE *out, const char *path, bool writable)
{
	char canon[PATH_MAX];

	if (!realpath(path, canon)) {
		fprintf(stderr, "lstar: --%s %s: %s\n", writable ? "rw" : "ro",
			path, strerror(errno));
		return -1;
	}
	if (!policy_quotable(canon)) {
		fprintf(stderr, "lstar: --%s %s: a path with a control character "
			"cannot be granted\n", writable ? "rw" : "ro", path);
		return -1;
	}
	fprintf(out, "path %s ", writable ? "rw" : "ro");
	policy_quote(out, canon);
	fputc('\n', out);
	return 0;
}

/*
 * The policy -p names (a file or a stock profile), and what the command
 * line adds to it: --ro and --rw as `path` lines of a second input.  0,
 * or -1 after saying why (the policy's own errors on stderr).
 */
static int compile_policy(const char *name, int ntrees, const char *const paths[],
			  const bool rw[], struct lstar_policy *out)
{
	char *trees = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&trees, &len);
	int err = 0;

	if (!m) {
		fprintf(stderr, "lstar: out of memory\n");
		return -1;
	}
	for (int i = 0; i < ntrees && !err; i++)
		err = add_tree(m, paths[i], rw[i]);
	if (fclose(m) && !err) {
		fprintf(stderr, "lstar: out of memory\n");
		err = -1;
	}
	if (!err) {
		const struct lstar_policy_input in[2] = {
			{ name, NULL },
			{ "command line", trees },
		};

		if (lstar_policy_compile(in, len ? 2 : 1, out, stderr)) {
			fprintf(stderr, "lstar: %s: the policy does not compile; "
				"the program was not run\n", name);
			err = -1;
		}
	}
	free(trees);
	return err;
}

static int cmd_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "env", required_argument, NULL, 'e' },
		{ "cwd", required_argument, NULL, 'C' },
		{ "mem", required_argument, NULL, 'm' },
		{ "timeout", required_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "ro", required_argument, NULL, 'r' },
		{ "rw", required_argument, NULL, 'w' },
		{ "policy", required_argument, NULL, 'p' },
		{ "trace", optional_argument, NULL, 'T' },
		{ "learn", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vmm_options opt = { .mem = 0, .confine = true };
	struct lstar_policy policy;
	char *envp[argc + 1];	/* --env values: at most one per argument */
	const char *policy_name = "default";
	const char *tree_paths[argc + 1];	/* --ro/--rw, in order */
	bool tree_rw[argc + 1];
	int ntrees = 0, c, status;

	opt.envp = envp;
	/* '+': options end at the first non-option (the program). */
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:vp:", longopts, NULL)) != -1) {
		switch (c) {
		case 'e':
			if (!strchr(optarg, '=') || optarg[0] == '=')
				return usage_error("--env %s: expected NAME=VALUE", optarg);
			envp[opt.envc++] = optarg;
			break;
		case 'C':
			opt.cwd = optarg;
			break;
		case 'm':
			if (lstar_policy_parse_size(optarg, strlen(optarg), &opt.mem) < 0)
				return usage_error("--mem %s: expected a size such as 64M or 2G", optarg);
			if (opt.mem < MIN_MEM || opt.mem > MAX_MEM)
				return usage_error("--mem %s: must be between 16M and 64G", optarg);
			break;
		case 't':
			if (parse_seconds(optarg, &opt.timeout) < 0)
				return usage_error("--timeout %s: expected a positive number of seconds", optarg);
			break;
		case 'v':
			opt.verbose = true;
			break;
		case 'r':
		case 'w':
			tree_paths[ntrees] = optarg;
			tree_rw[ntrees++] = c == 'w';
			break;
		case 'p':
			policy_name = optarg;
			break;
		case 'T':
			opt.trace = true;
			opt.trace_path = optarg;
			if (optarg && !*optarg)
				return usage_error("--trace=: expected a file name");
			break;
		case 'L':
			opt.learn_path = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case ':':
			return usage_error("%s needs a value", argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return usage_error("run: no program given");
	if (compile_policy(policy_name, ntrees, tree_paths, tree_rw, &policy))
		return LSTAR_EXIT_FAILURE;
	opt.policy = &policy;
	/* --mem and --timeout override the policy's limits. */
	if (!opt.mem)
		opt.mem = policy.mem ? policy.mem : DEFAULT_MEM;
	if (!opt.timeout)
		opt.timeout = policy.time;
	/* Round the pool up to whole 2 MiB pages (the direct map's unit). */
	opt.mem = (opt.mem + (2ULL << 20) - 1) & ~((2ULL << 20) - 1);
	/* Whatever lstar inherited beyond its standard streams is nothing
	 * the guest or a confused VMM should ever reach. */
	close_range(3, ~0U, 0);
	raise_fd_limit();
	opt.program = argv[optind];
	opt.argc = argc - optind;
	opt.argv = argv + optind;
	envp[opt.envc] = NULL;
	status = vmm_run(&opt);
	lstar_policy_free(&policy);
	return status;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage_error("no command given");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("lstar %s (shim ABI %d)\n", LSTAR_VERSION, LSTAR_ABI_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(argv[1], "doctor"))
		return vmm_doctor();
	return usage_error("unknown command '%s'", argv[1]);
}
