/* SPDX-License-Identifier: MIT */
/*
 * probe.h - the check framework the differential probes in guest/ share.
 *
 * A probe is one static program, run natively and under lstar, whose
 * output and exit status the tests compare.  It makes checks, each
 * reported on one line: a failed check always, every check with -v.  At
 * the end comes one summary line, "NAME: N checks, M failed", and the
 * exit status is 1 if any check failed.  Nothing printed may depend on
 * the run (an address, a pid, a time), or the two runs would differ.
 *
 * How a probe uses it:
 *
 *	#include "probe.h"
 *
 *	int main(int argc, char **argv)
 *	{
 *		probe_init(argc, argv);
 *		check("getpid positive", getpid() > 0);
 *		check_err("close(-1)", sys(SYS_close, -1, 0, 0, 0, 0, 0), EBADF);
 *		check_ret("dup(1)", sys(SYS_dup, 1, 0, 0, 0, 0, 0), 3);
 *		return probe_summary("example");
 *	}
 *
 * Lines go to stdout through stdio, buffered, unless the probe defines
 * PROBE_UNBUFFERED before the #include: then each line is one write(2)
 * to fd 1 at once, for probes whose own raw writes must interleave with
 * the report.  A probe that mixes its own output with the report uses
 * say() (or, buffered, stdio on stdout) to keep the order.
 *
 * Everything here is static: each probe is a single-file program and
 * takes what it uses.  The functions are static inline only so that the
 * ones a probe does not use raise no warning.
 */
#ifndef LSTAR_GUEST_PROBE_H
#define LSTAR_GUEST_PROBE_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "errname.h"

/* The width of the name column in a check's line. */
#define PROBE_COL 52

static int checks, failures;	/* made so far; of those, failed */
static int verbose;		/* -v: a line for every check, not just failures */

/*
 * probe_init - read the command line: -v as the first argument turns on
 * a line for every check.  Call first in main.
 */
static inline void probe_init(int argc, char **argv)
{
	verbose = argc > 1 && !strcmp(argv[1], "-v");
}


/*
 * say - print to stdout, printf-style.  With PROBE_UNBUFFERED the text
 * (at most 255 bytes of it) goes out in one write to fd 1 before say
 * returns, and a write that fails or falls short adds to failures (not
 * to checks), so the probe exits 1; without it, say is vprintf.
 */
static inline void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void say(const char *fmt, ...)
{
	va_list ap;
#ifdef PROBE_UNBUFFERED
	char buf[256];
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	if (write(1, buf, n) != n)
		failures++;
#else
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
#endif
}

/*
 * check - count a check, passed if ok is nonzero, failed if it is 0;
 * print "what ok" (with -v) or "what FAIL".
 */
static inline void check(const char *what, int ok)
{
	checks++;
	if (!ok)
		failures++;
	if (!ok || verbose)
		say("%-*s %s\n", PROBE_COL, what, ok ? "ok" : "FAIL");
}

/*
 * check_err - check how a call ended against want, an errno (0 for
 * success): ret < 0 means it failed with errno, anything else that it
 * succeeded.  ret comes from sys() or from a libc call that returns -1
 * and sets errno.  Prints the errno name got ("0" for success; with -v),
 * or "got FAIL, want WANT".
 */
static inline void check_err(const char *what, long ret, int want)
{
	int got = ret < 0 ? errno : 0;

	checks++;
	if (got != want)
		failures++;
	if (got != want || verbose)
		say("%-*s %s%s%s\n", PROBE_COL, what, errname(got),
		    got == want ? "" : " FAIL, want ", got == want ? "" : errname(want));
}

/*
 * check_ret - check a call's result against want, a value >= 0 or
 * -errno: ret < 0 means it failed with errno (as from sys()), anything
 * else is the value it returned.  Prints the value or errno name got
 * (with -v), or "got FAIL, want WANT"; so only for values that are the
 * same in every run (a descriptor number, a byte count; never an
 * address).
 */
static inline void check_ret(const char *what, long ret, long want)
{
	char got[32], exp[32];
	int ok;

	if (ret < 0)
		snprintf(got, sizeof(got), "%s", errname(errno));
	else
		snprintf(got, sizeof(got), "%ld", ret);
	if (want < 0)
		snprintf(exp, sizeof(exp), "%s", errname((int)-want));
	else
		snprintf(exp, sizeof(exp), "%ld", want);
	ok = !strcmp(got, exp);
	checks++;
	if (!ok)
		failures++;
	if (!ok || verbose)
		say("%-*s %s%s%s\n", PROBE_COL, what, got, ok ? "" : " FAIL, want ",
		    ok ? "" : exp);
}

/*
 * sys - syscall(2) with errno cleared first: system call nr with six
 * arguments (0 for those it does not take); its result, or -1 with errno
 * set.  Nothing in libc checks or converts the arguments.
 */
static inline long sys(long nr, long a, long b, long c, long d, long e, long f)
{
	errno = 0;
	return syscall(nr, a, b, c, d, e, f);
}

/*
 * probe_summary - print "name: N checks, M failed" and return the exit
 * status main returns: 1 if any check failed, else 0.
 */
static inline int probe_summary(const char *name)
{
	say("%s: %d checks, %d failed\n", name, checks, failures);
	return failures != 0;
}

#endif /* LSTAR_GUEST_PROBE_H */
