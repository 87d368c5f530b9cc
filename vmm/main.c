/* SPDX-License-Identifier: MIT */
/*
 * main.c - the `lstar` command.
 *
 *   lstar run [options] -- PROGRAM [ARGS...]
 *   lstar exec --socket PATH [options] -- PROGRAM [ARGS...]
 *   lstar doctor
 *   lstar --help | --version
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lstar_fuzz.h"
#include "names.h"
#include "vmm.h"

#define DEFAULT_MEM	(512ULL << 20)
#define MIN_MEM		LSTAR_MEM_MIN
#define MAX_MEM		LSTAR_MEM_MAX
#define DEFAULT_TMP	(128ULL << 20)	/* --tmp's size */
#define MIN_TMP		(1ULL << 20)

static const char usage_text[] =
"usage: lstar run [options] -- PROGRAM [ARGS...]\n"
"       lstar exec --socket PATH [--env NAME=VALUE]... [--cwd DIR] -- PROGRAM [ARGS...]\n"
"       lstar fuzz [options] (--stdin | --input-file PATH) -- PROGRAM [ARGS...]\n"
"       lstar doctor\n"
"       lstar --help | --version\n"
"\n"
"Run PROGRAM, an x86-64 Linux executable (static, or dynamically linked with\n"
"its interpreter and libraries in the trees it sees), in ring 3 of a fresh\n"
"KVM micro-VM.  Every system call it makes is caught by lstar's shim kernel and\n"
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
"                     sees (an absolute DIR is the program's path: it may\n"
"                     lie in a mapped tree; default: the current directory\n"
"                     where it sees it, else /)\n"
"  --uid N            the user id the program sees as its own (getuid,\n"
"                     getresuid, the auxv, the owner stat shows for the\n"
"                     files of lstar's user), 0 to 4294967294, default\n"
"                     1000.  Only what it sees: lstar keeps its own\n"
"                     identity on the host (see --host-user), and uid 0\n"
"                     gives the program no privilege\n"
"  --gid N            the same for its group id, which is also its one\n"
"                     supplementary group (getgroups), default 1000\n"
"  --host-user UID:GID\n"
"                     who lstar is on the host once it has made the VM,\n"
"                     opened the trees and the socket, when it runs as\n"
"                     root (as under a container engine): the program's\n"
"                     file accesses are judged as that user's, with no\n"
"                     supplementary group, and its new files are owned by\n"
"                     it (and shown as --uid's).  Not root: only lstar's\n"
"                     own ids\n"
"  --hostname NAME    uname's nodename (default lstar): 1 to 64 bytes of\n"
"                     letters, digits, '-' and '.' (RFC 1123)\n"
"  --rlimit NAME=SOFT[:HARD]\n"
"                     a resource limit the program starts with (repeat):\n"
"                     NAME as prlimit(1) spells it (nofile, stack, core,\n"
"                     ...) or RLIMIT_NOFILE alike, SOFT and HARD a number\n"
"                     (K, M, G allowed) or unlimited, HARD SOFT if left\n"
"                     out.  getrlimit reads them back; lstar enforces\n"
"                     only nofile, at most the descriptor table (1024, or\n"
"                     the policy's `limit files`)\n"
"  --mem SIZE         most memory the program may map, e.g. 64M, 2G\n"
"                     (default 512M, at least 16M); beyond it mmap and brk\n"
"                     fail with ENOMEM.  Host memory is used only as touched.\n"
"  --timeout SECONDS  stop the program after this much wall-clock time\n"
"  --ro PATH          PATH and everything below it are visible to the\n"
"                     program, read-only (repeat for more trees); PATH\n"
"                     may be one regular file, then seen alone\n"
"  --ro SRC:DEST      the same, the program seeing SRC at DEST (absolute;\n"
"                     / makes SRC its root; a deeper tree shows inside a\n"
"                     shallower one).  The argument splits at its last\n"
"                     ':/'; a path holding ':/' is granted by a policy's\n"
"                     `path ro SRC as DEST` line\n"
"  --rw PATH, --rw SRC:DEST\n"
"                     the same, readable and writable: create, rename,\n"
"                     remove, truncate below PATH (a file: written in\n"
"                     place, never renamed, removed or replaced)\n"
"  --net RULE         a `net` line of the policy (repeat): connect\n"
"                     ADDR:PORT, listen ADDR:PORT, listen PORT (the\n"
"                     loopback addresses) or dns [FILE], such as\n"
"                     --net 'connect 127.0.0.1:8080/tcp' or --net dns;\n"
"                     without any, the program has no network\n"
"  --inside           PROGRAM is a path in the program's own file system\n"
"                     (the trees it sees, as execve inside the sandbox\n"
"                     finds it: symlinks, #! lines), not a host path; a\n"
"                     name without '/' is searched along --env PATH (or\n"
"                     /usr/local/sbin:...:/bin), so that a tree mapped at\n"
"                     / runs its own programs: --rw ROOTFS:/ --inside sh\n"
"  --system           the host's programs and libraries, read-only: /usr,\n"
"                     and /bin, /lib, /lib64, /sbin as the host has them\n"
"                     (merged-/usr symlinks into /usr); what a dynamically\n"
"                     linked program needs to start (of /etc, only\n"
"                     /etc/ld.so.cache)\n"
"  -v, --verbose      one line on stderr per refused or unimplemented\n"
"                     system call (name, arguments)\n"
"  --trace[=FILE]     one line per system call (arguments, result, the\n"
"                     policy's verdict and the rule that decided) to\n"
"                     stderr, or to FILE; the last line says how the run\n"
"                     ended\n"
"  --trace-format=FORMAT\n"
"                     text (the default: strace-like lines) or json (one\n"
"                     JSON object per line, docs/TRACE.md), for --trace,\n"
"                     -v and `log` rules alike\n"
"  --tmp[=SIZE]       an empty, writable /tmp and /dev/shm of the program's\n"
"                     own: a tmpfs of SIZE (default 128M) in memory, on no\n"
"                     host path, gone when the run ends\n"
"  --tmpfs DIR[:SIZE] the same at DIR (repeat; at most 8 in all): an empty,\n"
"                     writable directory of the program's own.  All of\n"
"                     them share one tmpfs, as large as the largest SIZE\n"
"                     given (default 128M)\n"
"  --stats            at the end, on stderr, a summary as strace -c gives:\n"
"                     calls and errors per system call, where each was\n"
"                     answered (guest or vmm) and the VMM's time on it,\n"
"                     VM exits, time in the guest and in the VMM, host\n"
"                     page faults (the shim reports every call, as for\n"
"                     --trace: the run is slower)\n"
"  --learn FILE       a trial run: write to FILE a policy that allows what\n"
"                     the program did (its system calls, constant\n"
"                     arguments, the paths it used).  The run itself is\n"
"                     under -p's policy (default: the default profile)\n"
"                     with the trees given; run it on inputs you trust.\n"
"                     FILE (and --trace's) is never written through a\n"
"                     symbolic link, nor inside a --rw tree\n"
"  --exec-socket PATH lstar exec may start more programs in this sandbox\n"
"                     through the socket PATH, which lstar makes (mode\n"
"                     0600; refused if PATH exists) and removes at the\n"
"                     end; without it, nothing can enter a running sandbox\n"
"\n"
"The program has its standard input, output and error, and sees only the\n"
"trees given with --ro and --rw or the policy's `path` rules, at their own\n"
"paths or where they are mapped, never told their host paths; with none,\n"
"no file system but /dev/null, /dev/zero, /dev/full,\n"
"/dev/random and /dev/urandom, which are in every run (lstar's own, never\n"
"the host's devices).\n"
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
"exec: start PROGRAM in the sandbox of `lstar run --exec-socket PATH`; see\n"
"lstar exec --help.\n"
"\n"
"fuzz: run PROGRAM once per input, each time from a snapshot taken where\n"
"it first reads its input; see lstar fuzz --help.\n"
"\n"
"doctor: check this machine's /dev/kvm, say which KVM it is, and measure\n"
"what a system call costs inside the sandbox.\n";

static const char fuzz_usage_text[] =
"usage: lstar fuzz [run options] (--stdin | --input-file PATH)\n"
"                  [--corpus DIR [--crashes DIR]] -- PROGRAM [ARGS...]\n"
"\n"
"Run PROGRAM once per input, fast: it starts once, lstar takes a snapshot\n"
"of the VM where it first reads its input (or where it calls\n"
"lstar_fuzz_snapshot(), include/lstar_fuzz.h), and each input then runs\n"
"from that snapshot, in the same VM, with the memory the last one changed\n"
"put back.  The program may not start threads or processes (ENOSYS).\n"
"\n"
"  --stdin            each input is the program's standard input\n"
"  --input-file PATH  each input is the file PATH, which the program opens\n"
"                     (grant its directory with --ro); lstar --corpus\n"
"                     writes each input there\n"
"  --corpus DIR       run each file in DIR once, in name order, and say on\n"
"                     stderr how each ended (exit status or signal, time);\n"
"                     on a terminal, a status line stands for the inputs\n"
"                     that ended normally.  A program built with\n"
"                     afl-clang-fast gets a coverage map: the edges the\n"
"                     corpus reached are counted\n"
"  --crashes DIR      copy there each input that killed the program (made\n"
"                     if missing)\n"
"  --timeout SECONDS  with --corpus: the most one input may take\n"
"\n"
"The run options are lstar run's (-p, --ro, --mem, --env, -v, --trace ...);\n"
"--rw, --tmp, --tmpfs and --learn are refused: what an input wrote would\n"
"outlive it; --stats, --inside and --exec-socket are lstar run's alone.\n"
"\n"
"Without --corpus, lstar fuzz is an AFL++ target: under afl-fuzz it speaks\n"
"the fork-server protocol on descriptors 198 and 199 (the handshake of the\n"
"AFL++ that built the program: the classic one, or 4.20's), each execution's\n"
"status as the program's own (a `kill` rule: SIGSYS), afl-fuzz's -t is the\n"
"time limit, and a program built with afl-clang-fast gets afl-fuzz's\n"
"coverage map (__AFL_SHM_ID, AFL_MAP_SIZE are passed on):\n"
"\n"
"  AFL_SKIP_BIN_CHECK=1 afl-fuzz -i in -o out -- lstar fuzz --stdin -- ./target\n"
"\n"
"Started by a tool without those descriptors (afl-showmap, afl-tmin), it\n"
"runs the program once, as lstar run does, and hands over the map.\n"
"\n"
"exit status: with --corpus, 0 when no input killed the program, 1 when one\n"
"did; under afl-fuzz, 0 once it is done; run once, the program's own, as\n"
"lstar run's; 125 when lstar cannot run the program, or it ends before\n"
"reading its input.\n";

static const char exec_usage_text[] =
"usage: lstar exec --socket PATH [--env NAME=VALUE]... [--cwd DIR] -- PROGRAM [ARGS...]\n"
"\n"
"Start PROGRAM as a new process of the sandbox that `lstar run --exec-socket\n"
"PATH` runs: under the same policy, seeing the same trees, with this\n"
"command's standard input, output and error as its own.  PROGRAM is a path\n"
"in the sandbox, found as execvp finds it (a name with a '/' from the\n"
"working directory, a bare name along --env PATH, or /usr/local/sbin:...:\n"
"/bin without one).  In the sandbox its parent is the init\n"
"(getppid() is 1, as for the first program), in a session of its own.\n"
"\n"
"  --socket PATH      the sandbox's exec socket\n"
"  --env NAME=VALUE   add NAME=VALUE to the program's environment (repeat);\n"
"                     nothing is inherited from lstar's own environment\n"
"  --cwd DIR          start the program in DIR, a directory in the sandbox\n"
"                     (default: the directory the sandbox's first program\n"
"                     started in)\n"
"\n"
"Signals sent to lstar exec (SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1,\n"
"SIGUSR2, SIGWINCH) are passed on to the program.  When the sandbox ends\n"
"(its first program exits), the program is killed with it.\n"
"\n"
"exit status: the program's own, as lstar run reports it (128+N when\n"
"signal N kills it); 137 when the sandbox ended first; 127 when PROGRAM\n"
"(or DIR) is not found, 126 when it cannot be run; 125 when lstar cannot\n"
"reach the sandbox or the sandbox refuses the request, with a reason on\n"
"stderr.\n";

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
 * split_tree - --ro/--rw's argument arg as its source, copied into src
 * (PATH_MAX bytes), and where it maps the tree: after its last ":/"
 * (DEST, absolute, within arg), or NULL when it holds none (the whole of
 * arg is the path, seen at its own place: "/a:b" has a colon in its
 * name).  -1 when a DEST has no source before it, or it is too long.
 */
static int split_tree(const char *arg, char *src, const char **dest)
{
	const char *d = NULL;
	size_t n;

	for (const char *c = strstr(arg, ":/"); c; c = strstr(c + 1, ":/"))
		d = c;
	n = d ? (size_t)(d - arg) : strlen(arg);
	*dest = d ? d + 1 : NULL;
	if ((d && n == 0) || n >= PATH_MAX)
		return -1;
	memcpy(src, arg, n);
	src[n] = '\0';
	return 0;
}

/*
 * --ro PATH / --rw PATH: a `path` line of the command line's policy input,
 * for the path as the host resolves it now (a relative PATH is relative
 * to lstar's working directory; a policy file's paths must be absolute).
 * --ro SRC:DEST: `path ro SRC as DEST`, SRC resolved so, DEST as written
 * (the parser normalizes it).
 */
static int add_tree(FILE *out, const char *arg, bool writable)
{
	const char *opt = writable ? "rw" : "ro", *dest;
	char canon[PATH_MAX], src[PATH_MAX];

	if (split_tree(arg, src, &dest) < 0) {
		fprintf(stderr, "lstar: --%s %s: %s\n", opt, arg, dest == arg + 1 ?
			"expected SRC:DEST, the host's path before the ':'" :
			strerror(ENAMETOOLONG));
		return -1;
	}
	/* DEST is lexical, never resolved: a ".." would say a place it
	 * does not name. */
	for (const char *c = dest; c && (c = strstr(c, "..")); c += 2)
		if (c[-1] == '/' && (c[2] == '/' || c[2] == '\0')) {
			fprintf(stderr, "lstar: --%s %s: '..' in DEST: write the path "
				"the program is to see the tree at without it\n", opt, arg);
			return -1;
		}
	if (!realpath(src, canon)) {
		fprintf(stderr, "lstar: --%s %s: %s\n", opt, arg, strerror(errno));
		return -1;
	}
	if (!policy_quotable(canon) || (dest && !policy_quotable(dest))) {
		fprintf(stderr, "lstar: --%s %s: a path with a control character "
			"cannot be granted\n", opt, arg);
		return -1;
	}
	fprintf(out, "path %s ", opt);
	policy_quote(out, canon);
	if (dest) {
		fputs(" as ", out);
		policy_quote(out, dest);
	}
	fputc('\n', out);
	return 0;
}

#define LD_CACHE "/etc/ld.so.cache"

/* Is the loader's cache a regular file of the host's, in no tree the
 * command line grants writable? */
static bool ld_cache_shown(int ntrees, const char *const paths[], const bool rw[])
{
	struct stat st;

	if (lstat(LD_CACHE, &st) < 0 || !S_ISREG(st.st_mode))
		return false;
	for (int i = 0; i < ntrees; i++) {
		char canon[PATH_MAX], src[PATH_MAX];
		const char *dest;

		/* A host file inside a host tree, wherever each is seen. */
		if (rw[i] && !split_tree(paths[i], src, &dest) && realpath(src, canon) &&
		    vmm_fs_tree_contains(canon, LD_CACHE))
			return false;
	}
	return true;
}

/*
 * --net RULE: a `net` line of the command line's policy input.  One
 * line: a newline in RULE would start a statement of its own.
 */
static int add_net(FILE *out, const char *rule)
{
	if (!policy_quotable(rule)) {
		fprintf(stderr, "lstar: --net: a rule is one line, without control characters\n");
		return -1;
	}
	fprintf(out, "net %s\n", rule);
	return 0;
}

/*
 * The policy -p names (a file or a stock profile), and what the command
 * line adds to it: --ro and --rw as `path` lines of a second input, then
 * --net as `net` lines.  0, or -1 after saying why (the policy's own
 * errors on stderr).
 */
static int compile_policy(const char *name, int ntrees, const char *const paths[],
			  const bool rw[], bool system, int nnets, const char *const nets[],
			  struct lstar_policy *out)
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
	/* --system: /usr as a tree of the policy's (the links to it are
	 * the VMM's, vmm_fs_system), and the dynamic loader's cache of where
	 * the libraries are, alone of /etc; not when a writable tree holds
	 * it already (a read-only file cannot lie inside one). */
	if (system && !err)
		err = add_tree(m, "/usr", false);
	if (system && !err && ld_cache_shown(ntrees, paths, rw))
		err = add_tree(m, LD_CACHE, false);
	for (int i = 0; i < nnets && !err; i++)
		err = add_net(m, nets[i]);
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

/* What `run` and `fuzz` were asked: the run options, and fuzz's own. */
struct command {
	struct vmm_options opt;
	const char *policy_name;
	int ntrees;
	const char **tree_paths;	/* --ro/--rw, in order */
	bool *tree_rw;
	int nnets;
	const char **nets;		/* --net, in order */
	/* fuzz */
	struct vmm_fuzz_options fuzz;
	const char *corpus, *crashes;
};

/* Options of both commands, then lstar fuzz's own (from OPT_STDIN on). */
enum { OPT_SYSTEM = 256, OPT_TRACE_FORMAT, OPT_STATS, OPT_TMP, OPT_TMPFS, OPT_NET, OPT_INSIDE,
       OPT_EXEC_SOCKET, OPT_UID, OPT_GID, OPT_HOST_USER, OPT_HOSTNAME, OPT_RLIMIT, OPT_STDIN,
       OPT_INPUT_FILE, OPT_CORPUS, OPT_CRASHES };

/*
 * --tmp[=SIZE] (/tmp and /dev/shm) and --tmpfs DIR[:SIZE]: dir is a
 * directory of the program's own, in the run's one tmpfs, which is as
 * large as the largest SIZE given (prepare: DEFAULT_TMP when none is).
 * size is --tmp's value (or NULL); --tmpfs's (tmpfs) is after dir's last
 * ':'.  0, or -1 said.
 */
static int add_private(struct vmm_options *opt, bool tmpfs, char *dir, const char *size)
{
	const char *what = tmpfs ? "--tmpfs" : "--tmp";
	char *colon = tmpfs ? strrchr(dir, ':') : NULL;
	uint64_t bytes = 0;
	char *out;
	int err;

	if (colon) {
		*colon = '\0';
		size = colon + 1;
	}
	if (size && (lstar_policy_parse_size(size, strlen(size), &bytes) < 0 || bytes < MIN_TMP)) {
		if (colon)
			fprintf(stderr, "lstar: --tmpfs %s:%s", dir, size);
		else
			fprintf(stderr, "lstar: --tmp=%s", size);
		fprintf(stderr, ": expected a size of at least 1M, such as 64M or 1G\n");
		return -1;
	}
	/* Where the program sees the directory, never resolved: no ".",
	 * no "..". */
	if (!(out = malloc(strlen(dir) + 2))) {
		fprintf(stderr, "lstar: %s: out of memory\n", what);
		return -1;
	}
	if ((err = policy_clean_path(dir, strlen(dir), false, out, strlen(dir) + 2)) ||
	    !strcmp(out, "/")) {
		fprintf(stderr, "lstar: --tmpfs %s: %s\n", dir,
			err == -EINVAL ? "expected an absolute path" :
			err ? "'.' or '..' in the path" : "a private directory cannot be the root");
		free(out);
		return -1;
	}
	if (bytes > opt->tmp_size)
		opt->tmp_size = bytes;
	for (int i = 0; i < opt->ntmpfs; i++)
		if (!strcmp(opt->tmpfs_dirs[i], out)) {
			free(out);	/* asked twice (--tmp twice): once */
			return 0;
		}
	if (opt->ntmpfs == VMM_MAX_TMPFS) {
		fprintf(stderr, "lstar: %s %s: at most %d private directories\n", what, out,
			VMM_MAX_TMPFS);
		free(out);
		return -1;
	}
	opt->tmpfs_dirs[opt->ntmpfs++] = out;
	return 0;
}

/*
 * The options of `run` (and of `fuzz`, with its own), up to the program;
 * 0, or lstar's exit status (after --help, or a message).
 */
static int parse_options(int argc, char **argv, struct command *cmd, bool fuzz)
{
	static const struct option longopts[] = {
		{ "env", required_argument, NULL, 'e' },
		{ "cwd", required_argument, NULL, 'C' },
		{ "uid", required_argument, NULL, OPT_UID },
		{ "gid", required_argument, NULL, OPT_GID },
		{ "host-user", required_argument, NULL, OPT_HOST_USER },
		{ "hostname", required_argument, NULL, OPT_HOSTNAME },
		{ "rlimit", required_argument, NULL, OPT_RLIMIT },
		{ "mem", required_argument, NULL, 'm' },
		{ "timeout", required_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "ro", required_argument, NULL, 'r' },
		{ "rw", required_argument, NULL, 'w' },
		{ "net", required_argument, NULL, OPT_NET },
		{ "system", no_argument, NULL, OPT_SYSTEM },
		{ "inside", no_argument, NULL, OPT_INSIDE },
		{ "policy", required_argument, NULL, 'p' },
		{ "trace", optional_argument, NULL, 'T' },
		{ "learn", required_argument, NULL, 'L' },
		{ "trace-format", required_argument, NULL, OPT_TRACE_FORMAT },
		{ "stats", no_argument, NULL, OPT_STATS },
		{ "tmp", optional_argument, NULL, OPT_TMP },
		{ "tmpfs", required_argument, NULL, OPT_TMPFS },
		{ "exec-socket", required_argument, NULL, OPT_EXEC_SOCKET },
		{ "help", no_argument, NULL, 'h' },
		{ "stdin", no_argument, NULL, OPT_STDIN },
		{ "input-file", required_argument, NULL, OPT_INPUT_FILE },
		{ "corpus", required_argument, NULL, OPT_CORPUS },
		{ "crashes", required_argument, NULL, OPT_CRASHES },
		{ NULL, 0, NULL, 0 },
	};
	struct vmm_options *opt = &cmd->opt;
	char why[256];
	int c;

	/* '+': options end at the first non-option (the program). */
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:vp:", longopts, NULL)) != -1) {
		if (c >= OPT_STDIN && !fuzz)
			return usage_error("run: %s is an option of lstar fuzz", argv[optind - 1]);
		switch (c) {
		case 'e':
			if (!strchr(optarg, '=') || optarg[0] == '=')
				return usage_error("--env %s: expected NAME=VALUE", optarg);
			opt->envp[opt->envc++] = optarg;
			break;
		case 'C':
			opt->cwd = optarg;
			break;
		case OPT_UID:
			if (vmm_identity_parse_id(optarg, &opt->uid, why, sizeof(why)))
				return usage_error("--uid %s: %s", optarg, why);
			opt->uid_set = true;
			break;
		case OPT_GID:
			if (vmm_identity_parse_id(optarg, &opt->gid, why, sizeof(why)))
				return usage_error("--gid %s: %s", optarg, why);
			opt->gid_set = true;
			break;
		case OPT_HOST_USER:
			if (vmm_identity_parse_host_user(optarg, opt, why, sizeof(why)))
				return usage_error("--host-user %s: %s", optarg, why);
			if (vmm_identity_check_host_user(opt, why, sizeof(why))) {
				fprintf(stderr, "lstar: --host-user %s: %s\n", optarg, why);
				return LSTAR_EXIT_FAILURE;
			}
			break;
		case OPT_HOSTNAME:
			if (vmm_identity_check_hostname(optarg, why, sizeof(why)))
				return usage_error("--hostname %s: %s", optarg, why);
			opt->hostname = optarg;
			break;
		case OPT_RLIMIT:
			if (vmm_rlimit_parse(optarg, opt, why, sizeof(why)))
				return usage_error("--rlimit %s: %s", optarg, why);
			break;
		case 'm':
			if (lstar_policy_parse_size(optarg, strlen(optarg), &opt->mem) < 0)
				return usage_error("--mem %s: expected a size such as 64M or 2G", optarg);
			if (opt->mem < MIN_MEM || opt->mem > MAX_MEM)
				return usage_error("--mem %s: must be between 16M and 64G", optarg);
			break;
		case 't':
			if (parse_seconds(optarg, &opt->timeout) < 0)
				return usage_error("--timeout %s: expected a positive number of seconds", optarg);
			break;
		case 'v':
			opt->verbose = true;
			break;
		case 'r':
		case 'w':
			cmd->tree_paths[cmd->ntrees] = optarg;
			cmd->tree_rw[cmd->ntrees++] = c == 'w';
			break;
		case OPT_NET:
			cmd->nets[cmd->nnets++] = optarg;
			break;
		case OPT_SYSTEM:
			opt->system = true;
			break;
		case OPT_INSIDE:
			if (fuzz)
				return usage_error("fuzz: --inside is an option of lstar run");
			opt->inside = true;
			break;
		case 'p':
			cmd->policy_name = optarg;
			break;
		case 'T':
			opt->trace = true;
			opt->trace_path = optarg;
			if (optarg && !*optarg)
				return usage_error("--trace=: expected a file name");
			break;
		case 'L':
			opt->learn_path = optarg;
			break;
		case OPT_TMP:
		case OPT_TMPFS:
			if (fuzz)
				return usage_error("fuzz: %s: what an input wrote would outlive it",
						   c == OPT_TMP ? "--tmp" : "--tmpfs");
			if (c == OPT_TMP ? add_private(opt, false, "/tmp", optarg) ||
					   add_private(opt, false, "/dev/shm", optarg) :
					   add_private(opt, true, optarg, NULL))
				return LSTAR_EXIT_FAILURE;
			break;
		case OPT_STATS:
			if (fuzz)
				return usage_error("fuzz: --stats is an option of lstar run");
			opt->stats = true;
			break;
		case OPT_TRACE_FORMAT:
			if (strcmp(optarg, "text") && strcmp(optarg, "json"))
				return usage_error("--trace-format %s: expected text or json", optarg);
			opt->trace_json = !strcmp(optarg, "json");
			break;
		case OPT_EXEC_SOCKET:
			if (fuzz)
				return usage_error("fuzz: --exec-socket is an option of lstar run");
			opt->exec_socket = optarg;
			break;
		case OPT_STDIN:
			cmd->fuzz.stdin_input = true;
			break;
		case OPT_INPUT_FILE:
			cmd->fuzz.input_file = optarg;
			break;
		case OPT_CORPUS:
			cmd->corpus = optarg;
			break;
		case OPT_CRASHES:
			cmd->crashes = optarg;
			break;
		case 'h':
			fputs(fuzz ? fuzz_usage_text : usage_text, stdout);
			return -1;
		case ':':
			return usage_error("%s needs a value", argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return usage_error("%s: no program given", fuzz ? "fuzz" : "run");
	return 0;
}

/* The policy and the program: what both commands do once the options are
 * read.  0, or lstar's exit status. */
static int prepare(int argc, char **argv, struct command *cmd, struct lstar_policy *policy)
{
	struct vmm_options *opt = &cmd->opt;

	if (compile_policy(cmd->policy_name, cmd->ntrees, cmd->tree_paths, cmd->tree_rw,
			   opt->system, cmd->nnets, cmd->nets, policy))
		return LSTAR_EXIT_FAILURE;
	opt->policy = policy;
	if (opt->ntmpfs && !opt->tmp_size)
		opt->tmp_size = DEFAULT_TMP;
	/* --mem and --timeout override the policy's limits. */
	if (!opt->mem)
		opt->mem = policy->mem ? policy->mem : DEFAULT_MEM;
	if (!opt->timeout)
		opt->timeout = policy->time;
	/* Round the pool up to whole 2 MiB pages (the direct map's unit). */
	opt->mem = (opt->mem + (2ULL << 20) - 1) & ~((2ULL << 20) - 1);
	raise_fd_limit();
	opt->program = argv[optind];
	opt->argc = argc - optind;
	opt->argv = argv + optind;
	opt->envp[opt->envc] = NULL;
	return 0;
}

static int cmd_run(int argc, char **argv)
{
	char *envp[argc + 1];	/* --env values: at most one per argument */
	const char *tree_paths[argc + 1], *nets[argc + 1];
	bool tree_rw[argc + 1];
	struct command cmd = {
		.opt = { .confine = true, .envp = envp },
		.policy_name = "default", .tree_paths = tree_paths, .tree_rw = tree_rw,
		.nets = nets,
	};
	struct lstar_policy policy;
	int status;

	if ((status = parse_options(argc, argv, &cmd, false)))
		return status < 0 ? 0 : status;
	/* Whatever lstar inherited beyond its standard streams is nothing
	 * the guest or a confused VMM should ever reach. */
	close_range(3, ~0U, 0);
	if ((status = prepare(argc, argv, &cmd, &policy)))
		return status;
	status = vmm_run(&cmd.opt);
	lstar_policy_free(&policy);
	return status;
}

/* lstar exec: a client of a sandbox's exec socket (exec_client.c). */
static int cmd_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "env", required_argument, NULL, 'e' },
		{ "cwd", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *envp[argc + 1];	/* --env values: at most one per argument */
	const char *socket_path = NULL, *cwd = NULL;
	int envc = 0, c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			socket_path = optarg;
			break;
		case 'e':
			if (!strchr(optarg, '=') || optarg[0] == '=')
				return usage_error("--env %s: expected NAME=VALUE", optarg);
			envp[envc++] = optarg;
			break;
		case 'C':
			if (!*optarg)
				return usage_error("--cwd: expected a directory");
			cwd = optarg;
			break;
		case 'h':
			fputs(exec_usage_text, stdout);
			return 0;
		case ':':
			return usage_error("%s needs a value", argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (!socket_path)
		return usage_error("exec: --socket PATH is needed");
	if (optind >= argc)
		return usage_error("exec: no program given");
	if (!*argv[optind])
		return usage_error("exec: the program's name is empty");
	envp[envc] = NULL;
	return vmm_exec_client(socket_path, argv + optind, envp, cwd);
}

/* Are descriptors 198 and 199 open: started by afl-fuzz? */
static bool under_afl(void)
{
	return fcntl(LSTAR_FUZZ_CTL_FD, F_GETFD) >= 0 && fcntl(LSTAR_FUZZ_ST_FD, F_GETFD) >= 0;
}

/* Under afl-fuzz, the program's runtime finds the coverage map (and its
 * size, when afl-fuzz was told one) in its environment, as natively. */
static void pass_afl_env(struct vmm_options *opt)
{
	static const char *const names[] = { "__AFL_SHM_ID", "AFL_MAP_SIZE" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *v = getenv(names[i]);
		char *kv;

		if (v && asprintf(&kv, "%s=%s", names[i], v) > 0)
			opt->envp[opt->envc++] = kv;
	}
}

static int cmd_fuzz(int argc, char **argv)
{
	char *envp[argc + 3];	/* --env values, and afl-fuzz's two */
	const char *tree_paths[argc + 1], *nets[argc + 1];
	bool tree_rw[argc + 1];
	struct command cmd = {
		.opt = { .confine = true, .envp = envp },
		.policy_name = "default", .tree_paths = tree_paths, .tree_rw = tree_rw,
		.nets = nets,
	};
	struct lstar_policy policy;
	bool afl = under_afl();
	uint8_t *map = NULL;
	double timeout;
	int killed_by = 0;
	int status;

	if ((status = parse_options(argc, argv, &cmd, true)))
		return status < 0 ? 0 : status;
	if (cmd.fuzz.stdin_input == !!cmd.fuzz.input_file)
		return usage_error("fuzz: give one of --stdin and --input-file PATH");
	if (cmd.crashes && !cmd.corpus)
		return usage_error("fuzz: --crashes goes with --corpus");
	if (afl && cmd.corpus)
		return usage_error("fuzz: --corpus runs without afl-fuzz");
	if (afl && cmd.opt.timeout)
		return usage_error("fuzz: --timeout: under afl-fuzz, its -t limits each execution");
	cmd.fuzz.fork_server = afl || cmd.corpus;
	if (cmd.opt.learn_path)
		return usage_error("fuzz: --learn is for one run (lstar run)");
	/* Beyond the standard streams, only the fork server's descriptors. */
	close_range(3, LSTAR_FUZZ_CTL_FD - 1, 0);
	close_range(afl ? LSTAR_FUZZ_ST_FD + 1 : LSTAR_FUZZ_CTL_FD, ~0U, 0);
	/* The driver's run, not afl-fuzz's: a coverage map of its own. */
	if (cmd.corpus)
		map = vmm_fuzz_coverage_map();
	pass_afl_env(&cmd.opt);
	if ((status = prepare(argc, argv, &cmd, &policy)))
		return status;
	cmd.fuzz.killed_by = &killed_by;
	cmd.opt.fuzz = &cmd.fuzz;
	/* With --corpus, the time limit is each execution's, kept by the
	 * driver. */
	timeout = cmd.opt.timeout;
	if (cmd.corpus)
		cmd.opt.timeout = 0;
	if (!cmd.corpus && !afl)
		setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, 0 });
	if (!cmd.corpus)
		status = vmm_run(&cmd.opt);
	if (!cmd.corpus && !afl)
		vmm_fuzz_reraise(killed_by);
	else
		status = vmm_fuzz_corpus(&cmd.opt, cmd.corpus, cmd.crashes, timeout, map);
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
	if (!strcmp(argv[1], "fuzz"))
		return cmd_fuzz(argc - 1, argv + 1);
	if (!strcmp(argv[1], "exec"))
		return cmd_exec(argc - 1, argv + 1);
	if (!strcmp(argv[1], "doctor"))
		return vmm_doctor();
	return usage_error("unknown command '%s'", argv[1]);
}
