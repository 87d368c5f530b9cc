/* SPDX-License-Identifier: MIT */
/*
 * state.c - what lstar-oci keeps of a container between its commands,
 * and its log.
 *
 * Each container has a directory under --root, ROOT/ID (mode 0700), made
 * by `create` and removed by `delete`:
 *
 *   state.json   id, bundle, the sandbox's pid and its start time (a pid
 *                alone could be reused by then), creation time, annotations
 *   exec.fifo    there from `create` until `start`: the sandbox's process
 *                waits to open it for writing, `start` opens it to read
 *   exec.sock    the running sandbox's socket for `exec` (lstar run
 *                --exec-socket makes and removes it)
 *   lstar.policy the container's policy, written by bundle.c at create
 *   bundle.policy a copy of the annotation's policy file, when it names one
 *
 * The status is read from the world, never stored: the process gone (or
 * a zombie, or another process under its pid) is "stopped", the fifo
 * still there is "created", else "running".
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "oci.h"

/* --- the log ------------------------------------------------------------- */

static FILE *log_file;
static bool log_json;

void oci_log_open(const char *path, bool json)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);

	log_json = json;
	if (fd < 0 || !(log_file = fdopen(fd, "a"))) {
		fprintf(stderr, "lstar-oci: --log %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
	}
}

static void log_line(const char *level, const char *msg)
{
	char when[40];
	struct timespec ts;
	struct tm tm;

	if (!log_file)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (log_json) {
		fprintf(log_file, "{\"level\":\"%s\",\"msg\":", level);
		json_put_string(log_file, msg);
		fprintf(log_file, ",\"time\":\"%s\"}\n", when);
	} else {
		fprintf(log_file, "%s %s lstar-oci: %s\n", when, level, msg);
	}
	fflush(log_file);
}

/* A line of the log at level, and on stderr too when told. */
static void say(const char *level, bool on_stderr, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (on_stderr)
		fprintf(stderr, "lstar-oci: %s\n", msg);
	log_line(level, msg);
}

void oci_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say("error", true, fmt, ap);
	va_end(ap);
}

void oci_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say("info", false, fmt, ap);
	va_end(ap);
}

/* --- containers ------------------------------------------------------------ */

bool oci_id_valid(const char *id)
{
	size_t n = strlen(id);

	if (!n || n > OCI_ID_MAX || !strcmp(id, ".") || !strcmp(id, ".."))
		return false;
	for (const char *c = id; *c; c++)
		if (!isalnum((unsigned char)*c) && !strchr("_+-.", *c))
			return false;
	return true;
}

int oci_root_open(const char *root)
{
	char path[4096];
	int fd;

	/* Made with its parents, as runc makes it (containerd's shim names
	 * /run/containerd/runc/NAMESPACE): those 0711, the root itself 0700. */
	if (snprintf(path, sizeof(path), "%s", root) >= (int)sizeof(path)) {
		oci_error("--root %.64s...: too long", root);
		return -1;
	}
	for (char *c = path + 1; *c; c++) {
		if (*c != '/')
			continue;
		*c = '\0';
		if (mkdir(path, 0711) < 0 && errno != EEXIST) {
			oci_error("--root %s: %s: %s", root, path, strerror(errno));
			return -1;
		}
		*c = '/';
	}
	if (mkdir(root, 0700) < 0 && errno != EEXIST) {
		oci_error("--root %s: %s", root, strerror(errno));
		return -1;
	}
	if ((fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		oci_error("--root %s: %s", root, strerror(errno));
	return fd;
}

int oci_state_make(int rootfd, const char *id)
{
	int fd;

	if (mkdirat(rootfd, id, 0700) < 0) {
		oci_error("container %s: %s", id,
			  errno == EEXIST ? "exists already" : strerror(errno));
		return -1;
	}
	if ((fd = openat(rootfd, id, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		oci_error("container %s: %s", id, strerror(errno));
	return fd;
}

int oci_state_load(int rootfd, const char *id, struct oci_state *st)
{
	const struct json *bundle, *created, *ann;
	struct json *j;
	char err[256];
	uint64_t pid, start;

	*st = (struct oci_state){ .dirfd = -1 };
	if (!oci_id_valid(id)) {
		oci_error("\"%.64s\": not a container id", id);
		return -1;
	}
	if ((st->dirfd = openat(rootfd, id, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		oci_error("container %s: %s", id,
			  errno == ENOENT ? "does not exist" : strerror(errno));
		return -1;
	}
	snprintf(st->id, sizeof(st->id), "%s", id);
	if (!(j = json_load(st->dirfd, "state.json", err, sizeof(err)))) {
		oci_error("container %s: state.json: %s", id, err);
		return -1;
	}
	bundle = json_get(j, "bundle");
	created = json_get(j, "created");
	ann = json_get(j, "annotations");
	if (!bundle || bundle->type != JSON_STRING || !created || created->type != JSON_STRING ||
	    json_u64(json_get(j, "pid"), &pid) || pid > INT32_MAX ||
	    json_u64(json_get(j, "start"), &start)) {
		oci_error("container %s: state.json is not lstar-oci's", id);
		json_free(j);
		return -1;
	}
	st->bundle = strdup(bundle->text);
	snprintf(st->created, sizeof(st->created), "%s", created->text);
	st->pid = (pid_t)pid;
	st->start_time = start;
	if (ann && ann->type == JSON_OBJECT)
		st->annotations = json_take(ann);
	json_free(j);
	return st->bundle ? 0 : -1;
}

static void put_annotations(FILE *f, const struct json *ann)
{
	bool first = true;

	fputc('{', f);
	for (size_t i = 0; ann && i < ann->n; i++) {
		if (ann->item[i].type != JSON_STRING)
			continue;
		if (!first)
			fputc(',', f);
		first = false;
		json_put_string(f, ann->key[i]);
		fputc(':', f);
		json_put_string(f, ann->item[i].text);
	}
	fputc('}', f);
}

int oci_state_save(const struct oci_state *st)
{
	FILE *f;
	int fd;

	fd = openat(st->dirfd, "state.json.new", O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		oci_error("container %s: state.json: %s", st->id, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	fprintf(f, "{\"id\":");
	json_put_string(f, st->id);
	fprintf(f, ",\"bundle\":");
	json_put_string(f, st->bundle);
	fprintf(f, ",\"pid\":%d,\"start\":%llu,\"created\":", (int)st->pid,
		(unsigned long long)st->start_time);
	json_put_string(f, st->created);
	fprintf(f, ",\"annotations\":");
	put_annotations(f, st->annotations);
	fprintf(f, "}\n");
	if (fflush(f) || fsync(fileno(f)) || fclose(f) ||
	    renameat(st->dirfd, "state.json.new", st->dirfd, "state.json")) {
		oci_error("container %s: state.json: %s", st->id, strerror(errno));
		return -1;
	}
	return 0;
}

void oci_state_free(struct oci_state *st)
{
	free(st->bundle);
	json_free(st->annotations);
	if (st->dirfd >= 0)
		close(st->dirfd);
	*st = (struct oci_state){ .dirfd = -1 };
}

int oci_state_remove(int rootfd, const char *id)
{
	int fd = openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct dirent *e;
	DIR *d;

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		oci_error("container %s: %s", id, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
	if (unlinkat(rootfd, id, AT_REMOVEDIR) < 0) {
		oci_error("container %s: %s", id, strerror(errno));
		return -1;
	}
	return 0;
}

/* Field 3 (the state) and 22 (the start time) of /proc/PID/stat: after
 * the last ')', as the command name may hold anything. */
static int pid_stat(pid_t pid, char *state, uint64_t *start)
{
	char path[32], buf[1024], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (!(p = strrchr(buf, ')')) || p[1] != ' ')
		return -1;
	*state = p[2];
	p += 2;
	/* p is at field 3; field 22 is 19 fields on. */
	for (int f = 3; f < 22 && p; f++)
		if ((p = strchr(p, ' ')))
			p++;
	if (!p)
		return -1;
	*start = strtoull(p, NULL, 10);
	return 0;
}

uint64_t oci_pid_start_time(pid_t pid)
{
	uint64_t start;
	char state;

	return pid_stat(pid, &state, &start) ? 0 : start;
}

enum oci_status oci_status(const struct oci_state *st)
{
	uint64_t start;
	char state;

	if (st->pid <= 0)
		return OCI_CREATING;
	if (pid_stat(st->pid, &state, &start) || start != st->start_time ||
	    state == 'Z' || state == 'X')
		return OCI_STOPPED;
	if (faccessat(st->dirfd, "exec.fifo", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return OCI_CREATED;
	return OCI_RUNNING;
}

const char *oci_status_name(enum oci_status s)
{
	static const char *const names[] = {
		[OCI_CREATING] = "creating", [OCI_CREATED] = "created",
		[OCI_RUNNING] = "running", [OCI_STOPPED] = "stopped",
	};
	return names[s];
}

void oci_state_print(const struct oci_state *st, FILE *f)
{
	enum oci_status s = oci_status(st);

	fprintf(f, "{\n  \"ociVersion\": \"%s\",\n  \"id\": ", OCI_VERSION);
	json_put_string(f, st->id);
	fprintf(f, ",\n  \"status\": \"%s\",\n", oci_status_name(s));
	/* The spec requires the pid while the process is there, and runc
	 * reports 0 once it is gone. */
	fprintf(f, "  \"pid\": %d,\n  \"bundle\": ",
		s == OCI_CREATED || s == OCI_RUNNING ? (int)st->pid : 0);
	json_put_string(f, st->bundle);
	fprintf(f, ",\n  \"created\": ");
	json_put_string(f, st->created);
	fprintf(f, ",\n  \"annotations\": ");
	put_annotations(f, st->annotations);
	fprintf(f, "\n}\n");
}

int oci_pid_file(const char *path, pid_t pid)
{
	char tmp[4096];
	FILE *f;
	int fd;

	if (snprintf(tmp, sizeof(tmp), "%s.lstar-oci", path) >= (int)sizeof(tmp)) {
		oci_error("--pid-file %s: too long", path);
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		oci_error("--pid-file %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	fprintf(f, "%d", (int)pid);
	if (fclose(f) || rename(tmp, path)) {
		oci_error("--pid-file %s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}
