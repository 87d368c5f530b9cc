/* SPDX-License-Identifier: MIT */
/*
 * lstar_exec.h - the exec socket: how `lstar exec` (or lstar-oci, or any
 * client of the host user's) starts a program in a running sandbox
 * (`lstar run --exec-socket PATH`).
 *
 * An AF_UNIX stream connection to PATH carries, in this order:
 *
 *   client -> sandbox  struct lstar_exec_request, with exactly three
 *                      descriptors (SCM_RIGHTS) on its first byte: the
 *                      program's standard input, output and error;
 *                      then strings_len bytes: the working directory
 *                      (cwd_len bytes with its NUL; none when cwd_len is
 *                      0), argc arguments and envc environment strings,
 *                      each NUL-terminated.  argv[0] names the program,
 *                      found in the sandbox as execvp finds it (a bare
 *                      name along the PATH of the environment sent).
 *   sandbox -> client  struct lstar_exec_msg: STARTED (the process runs)
 *                      or REFUSED (it does not, and why); after STARTED,
 *                      EXITED once it ends.  The connection closing
 *                      after STARTED with no EXITED: the process was
 *                      killed with the sandbox (its first program ended).
 *   client -> sandbox  after STARTED, any number of SIGNAL messages:
 *                      each sends the process that signal, as a signal
 *                      sent to `lstar run` is sent to the first program.
 *
 * Every field is in the host's byte order (client and sandbox share the
 * host).  The sandbox checks every length against the limits below and
 * refuses a request that breaks one, or that has any other number of
 * descriptors than three, without harm to the sandbox.
 */
#ifndef LSTAR_EXEC_H
#define LSTAR_EXEC_H

#include <signal.h>
#include <stdint.h>

/* The signals passed on to the program: by lstar run to its first
 * program, by lstar exec (as SIGNAL messages) to the one it started, by
 * lstar-oci run and exec to the lstar they wait for.  Any other signal
 * keeps its default action on lstar itself. */
#define LSTAR_SIGNALS_PASSED_ON	SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH

#define LSTAR_EXEC_MAGIC	0x5845534cU	/* "LSEX" */
#define LSTAR_EXEC_VERSION	1

/* execve's limits, as lstar's own execve keeps them (vmm/exec.c): all
 * the strings together, and one string (Linux's MAX_ARG_STRLEN). */
#define LSTAR_EXEC_STRINGS_MAX	(1U << 20)
#define LSTAR_EXEC_STRING_MAX	(32U * 4096)
#define LSTAR_EXEC_CWD_MAX	4096U		/* PATH_MAX, with the NUL */

struct lstar_exec_request {
	uint32_t magic;			/* LSTAR_EXEC_MAGIC */
	uint16_t version;		/* LSTAR_EXEC_VERSION */
	uint16_t flags;			/* 0: none defined */
	uint32_t argc;			/* at least 1 */
	uint32_t envc;
	uint32_t cwd_len;		/* 0: the sandbox's start directory */
	uint32_t strings_len;		/* the bytes that follow */
};
_Static_assert(sizeof(struct lstar_exec_request) == 24, "request layout");

enum lstar_exec_kind {
	LSTAR_EXEC_STARTED = 1,		/* value: its pid in the sandbox;
					 * aux: its VMM's host pid */
	LSTAR_EXEC_REFUSED = 2,		/* value: an errno; text: why */
	LSTAR_EXEC_EXITED = 3,		/* value: the status lstar run would
					 * exit with (code, 128+N for signal
					 * N); aux: the wait status */
	LSTAR_EXEC_SIGNAL = 4,		/* client -> sandbox; value: 1..64 */
};

struct lstar_exec_msg {
	uint32_t magic;			/* LSTAR_EXEC_MAGIC */
	uint16_t version;		/* LSTAR_EXEC_VERSION */
	uint16_t kind;			/* enum lstar_exec_kind */
	int32_t value;
	int32_t aux;
	char text[112];			/* REFUSED: NUL-terminated; else zeros */
};
_Static_assert(sizeof(struct lstar_exec_msg) == 128, "message layout");

/* What lstar exec exits with when the sandbox ended first: as if the
 * process had been killed by SIGKILL, as a pid namespace's init takes
 * the others with it. */
#define LSTAR_EXEC_ENDED_STATUS	(128 + 9)

#endif /* LSTAR_EXEC_H */
