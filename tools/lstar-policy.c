/* SPDX-License-Identifier: MIT */
/*
 * lstar-policy - check and explain lstar policies (docs/POLICY.md).
 *
 *   lstar-policy check FILE...   0 when every FILE compiles (warnings are
 *                                allowed), 1 when one does not
 *   lstar-policy explain FILE    the compiled policy as a table
 *
 * FILE is a path, a stock profile's name (default, stdio, ...) or "-" for
 * standard input.  Bad usage exits with 2.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compile.h"
#include "lstar_version.h"

#define MAX_STDIN	(1 << 20)	/* as the compiler's limit on a file */

static const char usage_text[] =
"usage: lstar-policy check [--] FILE...\n"
"       lstar-policy explain [--] FILE\n"
"       lstar-policy --help | --version\n"
"\n"
"  check    compile each FILE; print its errors and warnings, and warn of\n"
"           what it refuses that every program needs to start or end.\n"
"           Exit 0 when every FILE compiles (warnings allowed), 1 when\n"
"           one does not.\n"
"  explain  print what the compiled policy does: the default, each\n"
"           syscall's rules in the order they are tried, with their\n"
"           conditions and the FILE:LINE each came from, paths, net\n"
"           rules, limits.\n"
"\n"
"FILE is a policy file, a stock profile's name (";

static void usage(FILE *out)
{
	fputs(usage_text, out);
	for (const struct lstar_policy_profile *p = lstar_policy_profiles; p->name; p++)
		fprintf(out, "%s%s", p == lstar_policy_profiles ? "" : ", ", p->name);
	fputs(")\nor - for standard input.  The language: docs/POLICY.md.\n", out);
}

static int usage_error(const char *msg)
{
	fprintf(stderr, "lstar-policy: %s (see lstar-policy --help)\n", msg);
	return 2;
}

/* All of standard input, NUL-terminated, into *out (freed by the caller).
 * 0, or -errno; -EFBIG beyond MAX_STDIN or with a NUL byte in it. */
static int read_stdin(char **out)
{
	size_t n = 0;
	char *buf = malloc(MAX_STDIN + 2);

	if (!buf)
		return -ENOMEM;
	while (n <= MAX_STDIN) {
		size_t r = fread(buf + n, 1, MAX_STDIN + 1 - n, stdin);

		if (r == 0)
			break;
		n += r;
	}
	if (ferror(stdin) || n > MAX_STDIN) {
		free(buf);
		return ferror(stdin) ? -EIO : -EFBIG;
	}
	buf[n] = '\0';
	/* The compiler reads a C string: a NUL would end it early. */
	if (memchr(buf, '\0', n)) {
		free(buf);
		return -EILSEQ;
	}
	*out = buf;
	return 0;
}

/*
 * compile - compile one FILE (or "-") into *p, diagnostics on stderr.
 * Returns the number of errors.
 */
static int compile(const char *name, struct lstar_policy *p)
{
	struct lstar_policy_input in = { .name = name };
	char *text = NULL;
	int errors, r;

	if (!strcmp(name, "-")) {
		if ((r = read_stdin(&text)) < 0) {
			fprintf(stderr, "(stdin): error: %s\n",
				r == -EFBIG ? "more than 1 MiB" :
				r == -EILSEQ ? "a NUL byte in the policy" : strerror(-r));
			return 1;
		}
		in.name = "(stdin)";
		in.text = text;
	}
	errors = lstar_policy_compile(&in, 1, p, stderr);
	free(text);
	return errors;
}

/*
 * The FILEs of a command's arguments: --help (or -h) prints the usage
 * (returns 0 with *help set), "--" ends the options (a file named "-x"
 * comes after it), "-" is standard input, and any other "-..." is a
 * usage error (2).  *first is the index of the first FILE.
 */
static int files_of(int argc, char **argv, int *first, bool *help)
{
	int i = 0;

	*help = false;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		char msg[256];

		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			*help = true;
			return 0;
		}
		snprintf(msg, sizeof(msg), "unknown option '%s'", argv[i]);
		return usage_error(msg);
	}
	*first = i;
	return 0;
}

static int cmd_check(int argc, char **argv)
{
	int status = 0, first;
	bool help;

	if ((status = files_of(argc, argv, &first, &help)) || help)
		return status;
	argc -= first;
	argv += first;
	if (argc < 1)
		return usage_error("check: no FILE given");
	for (int i = 0; i < argc; i++) {
		struct lstar_policy p;

		if (compile(argv[i], &p) > 0) {
			status = 1;
			continue;
		}
		lstar_policy_check_startup(&p, argv[i], stderr);
		lstar_policy_free(&p);
	}
	return status;
}

static int cmd_explain(int argc, char **argv)
{
	struct lstar_policy p;
	int err, first;
	bool help;

	if ((err = files_of(argc, argv, &first, &help)) || help)
		return err;
	argc -= first;
	argv += first;
	if (argc != 1)
		return usage_error(argc ? "explain: one FILE at a time" : "explain: no FILE given");
	if (compile(argv[0], &p) > 0)
		return 1;
	lstar_policy_explain(&p, stdout);
	lstar_policy_free(&p);
	return fflush(stdout) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage_error("no command given");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("lstar-policy %s\n", LSTAR_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "check"))
		return cmd_check(argc - 2, argv + 2);
	if (!strcmp(argv[1], "explain"))
		return cmd_explain(argc - 2, argv + 2);
	fprintf(stderr, "lstar-policy: unknown command '%s' (see lstar-policy --help)\n", argv[1]);
	return 2;
}
