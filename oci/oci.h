/* SPDX-License-Identifier: MIT */
/*
 * oci.h - lstar-oci: the OCI runtime command line (runc's and runsc's) over
 * `lstar run`.  A container is one lstar sandbox; docs/OCI.md says what a
 * bundle's config.json becomes.
 *
 *   main.c     the command line: global options, the commands
 *   bundle.c   config.json read and judged, turned into lstar's arguments
 *   state.c    the containers' state under --root, and the log
 *   json.c     the JSON reader and writer
 */
#ifndef LSTAR_OCI_H
#define LSTAR_OCI_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "json.h"

#define OCI_VERSION	"1.0.2"		/* the runtime spec's version lstar-oci
					 * implements (what `state` reports) */
#define OCI_ID_MAX	128		/* a container id's length */
#define OCI_POLICY_ANNOTATION	"org.lstar.policy"

/* --- the log (state.c) --------------------------------------------------- */

/* The error is printed on stderr and, with --log, appended to the log
 * (as text, or as runc's JSON lines with --log-format json, which
 * containerd's shim reads back). */
void oci_log_open(const char *path, bool json);
void oci_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A line only the log gets (what was not applied, and why). */
void oci_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* --- a growing list of strings ------------------------------------------- */

struct strv {
	char **v;			/* NULL-terminated */
	int n, cap;
};

int strv_add(struct strv *s, const char *str);
int strv_addf(struct strv *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strv_free(struct strv *s);

/* --- the bundle (bundle.c) ----------------------------------------------- */

struct oci_process {
	struct strv args;		/* lstar's command line, from "lstar" on */
	bool terminal;			/* process.terminal: a pty on fds 0-2 */
	unsigned short rows, cols;	/* process.consoleSize, or 0 */
};

/*
 * Read bundle_dir's config.json and turn it into an lstar command line in
 * p->args (`lstar run ...`), with the container's policy written to
 * state_dir/lstar.policy (statefd is that directory) and its exec socket
 * at state_dir/exec.sock.  oci_process_read: exec's process.json at
 * process_path, with only its "process" part, as `lstar exec ...` on
 * exec_socket.  0, or -1 with the reason logged.
 */
int oci_bundle_read(const char *bundle_dir, const char *lstar, const char *state_dir,
		    int statefd, struct oci_process *p, struct json **annotations);
int oci_process_read(const char *process_path, const char *lstar, const char *exec_socket,
		     struct oci_process *p);
void oci_process_free(struct oci_process *p);

/* --- state (state.c) ----------------------------------------------------- */

enum oci_status { OCI_CREATING, OCI_CREATED, OCI_RUNNING, OCI_STOPPED };

struct oci_state {
	char id[OCI_ID_MAX + 1];
	char *bundle;			/* absolute */
	pid_t pid;			/* the sandbox's lstar, or 0 */
	uint64_t start_time;		/* its start, in clock ticks after boot
					 * (/proc/PID/stat): tells a pid reused */
	char created[40];		/* RFC 3339, UTC */
	struct json *annotations;	/* config.json's, or NULL */
	int dirfd;			/* the container's directory under --root */
};

/* A name runc would accept: letters, digits, '_', '+', '-', '.', not "."
 * nor "..", at most OCI_ID_MAX bytes. */
bool oci_id_valid(const char *id);
/* The directory --root names, made if missing (mode 0700). -1 logged. */
int oci_root_open(const char *root);
/* A new container's directory, or -1 logged (EEXIST: "exists already"). */
int oci_state_make(int rootfd, const char *id);
int oci_state_load(int rootfd, const char *id, struct oci_state *st);
int oci_state_save(const struct oci_state *st);
void oci_state_free(struct oci_state *st);
/* Remove the container's directory and what it holds. */
int oci_state_remove(int rootfd, const char *id);
enum oci_status oci_status(const struct oci_state *st);
const char *oci_status_name(enum oci_status s);
/* The start time of pid (field 22 of /proc/PID/stat), or 0. */
uint64_t oci_pid_start_time(pid_t pid);
/* The OCI state JSON of st, as `state` prints it. */
void oci_state_print(const struct oci_state *st, FILE *f);
/* Write pid to path atomically (a temporary file, then rename). */
int oci_pid_file(const char *path, pid_t pid);

#endif
