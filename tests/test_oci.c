/* SPDX-License-Identifier: MIT */
/*
 * test_oci.c - lstar-oci, the OCI runtime: a bundle driven through its
 * commands as an engine drives it (create, state, start, kill, delete,
 * run), the state JSON held to the runtime spec's schema, every hostile
 * config.json refused with its field named and nothing left behind, and,
 * where podman is installed, podman running an image with lstar-oci.
 *
 * The test process is a subreaper, as conmon and containerd's shim are:
 * the container's process, orphaned when `create` exits, is reaped here
 * and its status read.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../oci/json.h"
#include "tests.h"

static const char *oci_path(void)
{
	static char path[PATH_MAX];
	const char *slash = strrchr(lstar_path(), '/');

	snprintf(path, sizeof(path), "%.*s/lstar-oci", slash ? (int)(slash - lstar_path()) : 1,
		 slash ? lstar_path() : ".");
	return path;
}

/* A scratch directory: a bundle with its rootfs (busybox and a few
 * links, a file of its own), and the runtime's --root. */
struct box {
	char dir[64];
	char bundle[128], rootfs[160], root[128];
};

static void copy_file(const char *from, const char *to, mode_t mode)
{
	char buf[65536];
	int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, mode);
	ssize_t n;

	ck_assert_msg(in >= 0 && out >= 0, "copy %s to %s: %s", from, to, strerror(errno));
	while ((n = read(in, buf, sizeof(buf))) > 0)
		ck_assert_int_eq(write(out, buf, (size_t)n), n);
	close(in);
	close(out);
}

static void make_box(struct box *b)
{
	static const char *const links[] = { "sh", "echo", "cat", "ls", "sleep", "id", "hostname", "uname" };
	char path[256];

	snprintf(b->dir, sizeof(b->dir), "/tmp/lstar-oci-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(b->dir));
	snprintf(b->bundle, sizeof(b->bundle), "%s/bundle", b->dir);
	snprintf(b->rootfs, sizeof(b->rootfs), "%s/rootfs", b->bundle);
	snprintf(b->root, sizeof(b->root), "%s/state", b->dir);
	ck_assert_int_eq(mkdir(b->bundle, 0755), 0);
	ck_assert_int_eq(mkdir(b->rootfs, 0755), 0);
	snprintf(path, sizeof(path), "%s/bin", b->rootfs);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/etc", b->rootfs);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/tmp", b->rootfs);
	ck_assert_int_eq(mkdir(path, 01777), 0);
	snprintf(path, sizeof(path), "%s/bin/busybox", b->rootfs);
	copy_file("/bin/busybox", path, 0755);
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		snprintf(path, sizeof(path), "%s/bin/%s", b->rootfs, links[i]);
		ck_assert_int_eq(symlink("busybox", path), 0);
	}
	snprintf(path, sizeof(path), "%s/etc/greeting", b->rootfs);
	write_text(path, "hello from the image\n");
}

/* config.json with args (a JSON array's inside) and extra mounts (JSON
 * objects, each followed by a comma, or ""). */
static void write_config(const struct box *b, const char *args, const char *mounts,
			 const char *extra_top)
{
	char path[256], *text;

	ck_assert_int_gt(asprintf(&text,
		"{\n"
		" \"ociVersion\": \"1.0.2-dev\",\n"
		" \"process\": {\n"
		"  \"user\": {\"uid\": 0, \"gid\": 0, \"umask\": 18},\n"
		"  \"args\": [%s],\n"
		"  \"env\": [\"PATH=/usr/sbin:/usr/bin:/sbin:/bin\", \"TERM=xterm\", \"HOSTNAME=box\"],\n"
		"  \"cwd\": \"/\",\n"
		"  \"capabilities\": {\"bounding\": [\"CAP_CHOWN\"]},\n"
		"  \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 1048576, \"soft\": 1048576}],\n"
		"  \"noNewPrivileges\": true\n"
		" },\n"
		" \"root\": {\"path\": \"rootfs\", \"readonly\": true},\n"
		" \"hostname\": \"box\",\n"
		" \"mounts\": [%s\n"
		"  {\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},\n"
		"  {\"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\","
		" \"options\": [\"nosuid\", \"mode=755\"]},\n"
		"  {\"destination\": \"/sys\", \"type\": \"sysfs\", \"source\": \"sysfs\","
		" \"options\": [\"ro\"]}\n"
		" ],\n"
		" \"annotations\": {\"org.example.note\": \"kept\"},\n"
		" \"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"mount\"}]}%s\n"
		"}\n", args, mounts, extra_top), 0);
	snprintf(path, sizeof(path), "%s/config.json", b->bundle);
	write_text(path, text);
	free(text);
}

/*
 * lstar-oci --root BOX/state ARGS..., its output in files: a container
 * made by `create` keeps create's standard streams (an engine's pipes),
 * so the end of create is its exit, not the end of its output.
 */
static void oci(const struct box *b, const char *const args[], struct run_result *r)
{
	const char *argv[40];
	char out[64], err[64];
	int n = 0, status;
	pid_t pid;

	argv[n++] = oci_path();
	argv[n++] = "--root";
	argv[n++] = b->root;
	for (int i = 0; args[i]; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	snprintf(out, sizeof(out), "/tmp/lstar-oci-test.%d.out", (int)getpid());
	snprintf(err, sizeof(err), "/tmp/lstar-oci-test.%d.err", (int)getpid());
	pid = spawn_to_files(argv, out, err);
	for (int i = 0; waitpid(pid, &status, WNOHANG) != pid; i++) {
		ck_assert_msg(i < 60 * 50, "lstar-oci %s: no end in 60 s", args[0]);
		usleep(20000);
	}
	*r = (struct run_result){
		.out = read_text(out), .err = read_text(err),
		.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
	};
	ck_assert(r->out && r->err);
	r->out_len = strlen(r->out);
	r->err_len = strlen(r->err);
	unlink(out);
	unlink(err);
}

static int oci_status(const struct box *b, const char *const args[])
{
	struct run_result r;
	int status;

	oci(b, args, &r);
	status = r.status;
	ck_assert_msg(status == 0, "lstar-oci %s: %d, stderr: %s", args[0], status, r.err);
	run_result_free(&r);
	return status;
}

/*
 * The state JSON, held to the runtime spec's state schema: ociVersion,
 * id, status (one of four) and bundle required and strings, pid a
 * positive integer while created or running, annotations strings.
 * Returns the status.
 */
static char *check_state(const struct box *b, const char *id, int *pid)
{
	static const char *const statuses[] = { "creating", "created", "running", "stopped" };
	const char *args[] = { "state", id, NULL };
	const struct json *j_pid, *ann;
	struct run_result r;
	struct json *j;
	char err[256], *status;
	bool known = false;
	uint64_t p = 0;

	oci(b, args, &r);
	ck_assert_msg(r.status == 0, "state: %s", r.err);
	j = json_parse(r.out, r.out_len, err, sizeof(err));
	ck_assert_msg(j && j->type == JSON_OBJECT, "state is no JSON object: %s (%s)", r.out, err);
	for (const char *const *k = (const char *const[]){ "ociVersion", "id", "status", "bundle", NULL };
	     *k; k++)
		ck_assert_msg(json_get(j, *k) && json_get(j, *k)->type == JSON_STRING,
			      "state: %s missing or no string: %s", *k, r.out);
	ck_assert_str_eq(json_get(j, "id")->text, id);
	ck_assert_str_eq(json_get(j, "bundle")->text, b->bundle);
	ck_assert(!strncmp(json_get(j, "ociVersion")->text, "1.", 2));
	status = strdup(json_get(j, "status")->text);
	for (size_t i = 0; i < 4; i++)
		known |= !strcmp(status, statuses[i]);
	ck_assert_msg(known, "state: status \"%s\"", status);
	j_pid = json_get(j, "pid");
	if (!strcmp(status, "created") || !strcmp(status, "running"))
		ck_assert_msg(j_pid && !json_u64(j_pid, &p) && p > 0 && p <= INT_MAX,
			      "state: %s without a pid: %s", status, r.out);
	ann = json_get(j, "annotations");
	ck_assert_msg(ann && ann->type == JSON_OBJECT, "state: annotations: %s", r.out);
	for (size_t i = 0; i < ann->n; i++)
		ck_assert_int_eq(ann->item[i].type, JSON_STRING);
	ck_assert_ptr_nonnull(json_get(ann, "org.example.note"));
	*pid = (int)p;
	json_free(j);
	run_result_free(&r);
	return status;
}

static bool container_dir_exists(const struct box *b, const char *id)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", b->root, id);
	return access(path, F_OK) == 0;
}

/* Wait for the orphaned container process (we are its subreaper). */
static int reap(pid_t pid)
{
	int status;

	for (int i = 0; i < 600; i++) {
		pid_t got = waitpid(pid, &status, WNOHANG);

		if (got == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		usleep(50000);
	}
	ck_abort_msg("container process %d did not end", (int)pid);
	return -1;
}

/* --- the command line ------------------------------------------------------- */

START_TEST(version_help_features)
{
	struct box b = { .root = "/tmp" };
	const char *version[] = { "--version", NULL }, *help[] = { "--help", NULL },
		   *features[] = { "features", NULL }, *bogus[] = { "frob", "x", NULL },
		   *pause[] = { "pause", "x", NULL };
	struct run_result r;
	struct json *j;
	char err[256];

	oci(&b, version, &r);
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "lstar-oci version "));
	ck_assert_ptr_nonnull(strstr(r.out, "spec: 1."));
	run_result_free(&r);
	oci(&b, help, &r);
	ck_assert_int_eq(r.status, 0);
	for (const char *const *w = (const char *const[]){ "create", "start", "state", "kill",
							    "delete", "exec", "--root", "--log",
							    "org.lstar.policy", NULL }; *w; w++)
		ck_assert_msg(strstr(r.out, *w), "--help does not say %s", *w);
	run_result_free(&r);
	oci(&b, features, &r);
	ck_assert_int_eq(r.status, 0);
	j = json_parse(r.out, r.out_len, err, sizeof(err));
	ck_assert_msg(j, "features: %s: %s", err, r.out);
	ck_assert_ptr_nonnull(json_get(j, "ociVersionMin"));
	ck_assert_ptr_nonnull(json_get(j, "ociVersionMax"));
	ck_assert_ptr_nonnull(json_get(json_get(j, "annotations"), "org.lstar.policy"));
	json_free(j);
	run_result_free(&r);
	oci(&b, bogus, &r);
	ck_assert_int_eq(r.status, 1);
	ck_assert_ptr_nonnull(strstr(r.err, "frob: unknown command"));
	run_result_free(&r);
	oci(&b, pause, &r);
	ck_assert_int_eq(r.status, 1);
	ck_assert_ptr_nonnull(strstr(r.err, "pause: not supported"));
	run_result_free(&r);
}
END_TEST

/* --- a container's life ------------------------------------------------------- */

/* create, state (created, its pid waiting), start, state (running), kill
 * TERM, state (stopped), delete: nothing left, and the status conmon
 * would read is the program's (143: SIGTERM). */
START_TEST(lifecycle)
{
	struct box b;
	const char *create[] = { "create", "--bundle", b.bundle, "--pid-file", NULL, "c1", NULL },
		   *start[] = { "start", "c1", NULL }, *kill_c[] = { "kill", "c1", "TERM", NULL },
		   *del[] = { "delete", "c1", NULL }, *again[] = { "start", "c1", NULL };
	char pid_file[256], *status, *text;
	struct run_result r;
	int pid, pid2;

	ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	make_box(&b);
	write_config(&b, "\"sleep\", \"30\"", "", "");
	snprintf(pid_file, sizeof(pid_file), "%s/pid", b.dir);
	create[4] = pid_file;
	oci_status(&b, create);
	status = check_state(&b, "c1", &pid);
	ck_assert_str_eq(status, "created");
	free(status);
	ck_assert_ptr_nonnull(text = read_text(pid_file));
	ck_assert_int_eq(atoi(text), pid);
	free(text);
	ck_assert_int_eq(kill(pid, 0), 0);
	oci_status(&b, start);
	status = check_state(&b, "c1", &pid2);
	ck_assert_str_eq(status, "running");
	ck_assert_int_eq(pid2, pid);
	free(status);
	oci(&b, again, &r);	/* started once only */
	ck_assert_int_eq(r.status, 1);
	ck_assert_ptr_nonnull(strstr(r.err, "is running, not created"));
	run_result_free(&r);
	/* A running container is deleted only with --force. */
	oci(&b, del, &r);
	ck_assert_int_eq(r.status, 1);
	ck_assert_ptr_nonnull(strstr(r.err, "is running"));
	run_result_free(&r);
	oci_status(&b, kill_c);
	ck_assert_int_eq(reap(pid), 128 + SIGTERM);
	status = check_state(&b, "c1", &pid2);
	ck_assert_str_eq(status, "stopped");
	free(status);
	oci_status(&b, del);
	ck_assert(!container_dir_exists(&b, "c1"));
	oci(&b, start, &r);
	ck_assert_int_eq(r.status, 1);
	ck_assert_ptr_nonnull(strstr(r.err, "does not exist"));
	run_result_free(&r);
	rm_rf(b.dir);
}
END_TEST

/* delete --force of a running container: the sandbox killed, its state
 * gone; a created one goes without --force. */
START_TEST(delete_force)
{
	struct box b;
	const char *create[] = { "create", "--bundle", b.bundle, "c2", NULL },
		   *start[] = { "start", "c2", NULL }, *del[] = { "delete", "c2", NULL },
		   *force[] = { "delete", "--force", "c2", NULL };
	char *status;
	int pid;

	ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	make_box(&b);
	write_config(&b, "\"sleep\", \"30\"", "", "");
	oci_status(&b, create);
	free(check_state(&b, "c2", &pid));
	oci_status(&b, del);	/* created: goes as it is */
	ck_assert_int_eq(reap(pid), 128 + SIGKILL);
	ck_assert(!container_dir_exists(&b, "c2"));
	oci_status(&b, create);
	oci_status(&b, start);
	status = check_state(&b, "c2", &pid);
	ck_assert_str_eq(status, "running");
	free(status);
	oci_status(&b, force);
	ck_assert_int_eq(reap(pid), 128 + SIGKILL);
	ck_assert(!container_dir_exists(&b, "c2"));
	rm_rf(b.dir);
}
END_TEST

/* run in the foreground: the program's output and status, files of the
 * image, the host's invisible, a read-write bind written through to
 * the host, the ids and hostname of config.json, an unknown field
 * ignored (as the spec requires); the state gone after. */
START_TEST(run_foreground)
{
	struct box b;
	const char *run[] = { "run", "--bundle", b.bundle, "c3", NULL };
	char vol[128], mount[512], path[256], *text;
	struct run_result r;

	make_box(&b);
	snprintf(vol, sizeof(vol), "%s/vol", b.dir);
	ck_assert_int_eq(mkdir(vol, 0755), 0);
	snprintf(mount, sizeof(mount),
		 "{\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"%s\","
		 " \"options\": [\"rbind\", \"rw\"]},", vol);
	write_config(&b, "\"sh\", \"-c\", \"cat /etc/greeting; id -u; hostname; "
		     "echo written > /data/out; cat /etc/passwd || echo no-passwd >&2; "
		     "ls /usr 2>/dev/null || echo no-usr; exit 7\"", mount,
		     ",\n \"org.example.unknown\": {\"deep\": [1, {\"x\": null}]}");
	oci(&b, run, &r);
	ck_assert_msg(r.status == 7, "status %d, stderr: %s", r.status, r.err);
	ck_assert_str_eq(r.out, "hello from the image\n0\nbox\nno-usr\n");
	ck_assert_ptr_nonnull(strstr(r.err, "no-passwd"));
	run_result_free(&r);
	snprintf(path, sizeof(path), "%s/out", vol);
	ck_assert_ptr_nonnull(text = read_text(path));
	ck_assert_str_eq(text, "written\n");
	free(text);
	ck_assert(!container_dir_exists(&b, "c3"));
	rm_rf(b.dir);
}
END_TEST

/* root.readonly: writing the image's files fails; a --log gets notes
 * of what was left (the sysfs mount, namespaces). */
START_TEST(readonly_root_and_log)
{
	struct box b;
	char log[128], *text;
	const char *run[] = { "--log", log, "--log-format", "json", "run", "--bundle", b.bundle,
			      "c4", NULL };
	struct run_result r;

	make_box(&b);
	snprintf(log, sizeof(log), "%s/log.json", b.dir);
	write_config(&b, "\"sh\", \"-c\", \"echo x > /etc/greeting\"", "", "");
	oci(&b, run, &r);
	ck_assert_int_ne(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.err, "Read-only file system"));
	run_result_free(&r);
	ck_assert_ptr_nonnull(text = read_text(log));
	ck_assert_ptr_nonnull(strstr(text, "{\"level\":\"info\",\"msg\":\"mounts[2]: sysfs at /sys"));
	ck_assert_ptr_nonnull(strstr(text, "linux.namespaces: left"));
	free(text);
	rm_rf(b.dir);
}
END_TEST

/* exec into a running container: the image's files, a status, a
 * process.json (args, env, cwd), --detach with its pid file; refused once
 * the container has stopped. */
START_TEST(exec_into_running)
{
	struct box b;
	char pid_file[256], process[256], *text;
	const char *create[] = { "run", "--detach", "--bundle", b.bundle, "c5", NULL },
		   *cat[] = { "exec", "c5", "cat", "/etc/greeting", NULL },
		   *status[] = { "exec", "c5", "sh", "-c", "exit 6", NULL },
		   *json[] = { "exec", "--process", process, "c5", NULL },
		   *detach[] = { "exec", "--detach", "--pid-file", pid_file, "c5", "sh", "-c",
				 "exit 9", NULL },
		   *kill_c[] = { "kill", "c5", "KILL", NULL }, *del[] = { "delete", "c5", NULL };
	struct run_result r;
	int pid;

	ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	make_box(&b);
	write_config(&b, "\"sleep\", \"30\"", "", "");
	snprintf(pid_file, sizeof(pid_file), "%s/exec.pid", b.dir);
	snprintf(process, sizeof(process), "%s/process.json", b.dir);
	write_text(process, "{\"args\": [\"sh\", \"-c\", \"echo $GREETING; pwd\"],"
			    " \"env\": [\"GREETING=hi there\", \"PATH=/bin\"], \"cwd\": \"/etc\","
			    " \"terminal\": false}");
	oci_status(&b, create);
	free(check_state(&b, "c5", &pid));
	oci(&b, cat, &r);
	ck_assert_msg(r.status == 0 && !strcmp(r.out, "hello from the image\n"), "exec cat: %d %s%s",
		      r.status, r.out, r.err);
	run_result_free(&r);
	oci(&b, status, &r);
	ck_assert_int_eq(r.status, 6);
	run_result_free(&r);
	oci(&b, json, &r);
	ck_assert_msg(r.status == 0 && !strcmp(r.out, "hi there\n/etc\n"), "exec --process: %d %s%s",
		      r.status, r.out, r.err);
	run_result_free(&r);
	oci_status(&b, detach);
	ck_assert_ptr_nonnull(text = read_text(pid_file));
	ck_assert_int_eq(reap(atoi(text)), 9);
	free(text);
	oci_status(&b, kill_c);
	ck_assert_int_eq(reap(pid), 128 + SIGKILL);
	oci(&b, cat, &r);
	ck_assert_int_eq(r.status, 1);
	ck_assert_ptr_nonnull(strstr(r.err, "is stopped, not running"));
	run_result_free(&r);
	oci_status(&b, del);
	rm_rf(b.dir);
}
END_TEST

/* The annotation org.lstar.policy names a policy file in the bundle: it
 * is the sandbox's policy (here: uname kills the program). */
START_TEST(policy_from_annotation)
{
	struct box b;
	const char *run[] = { "run", "--bundle", b.bundle, "c6", NULL };
	char path[256];
	struct run_result r;

	make_box(&b);
	snprintf(path, sizeof(path), "%s/policies", b.bundle);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/policies/box.policy", b.bundle);
	write_text(path, "use default\nkill uname\n");
	write_config(&b, "\"uname\", \"-n\"", "", "");
	/* write_config's annotations, with the policy added. */
	{
		char cfg[256], *text, *at;

		snprintf(cfg, sizeof(cfg), "%s/config.json", b.bundle);
		ck_assert_ptr_nonnull(text = read_text(cfg));
		ck_assert_ptr_nonnull(at = strstr(text, "\"org.example.note\""));
		static const char add[] = "\"org.lstar.policy\": \"policies/box.policy\", ";
		char *with;

		*at = '\0';
		ck_assert_int_gt(asprintf(&with, "%s%s\"%s", text, add, at + 1), 0);
		write_text(cfg, with);
		free(with);
		free(text);
	}
	oci(&b, run, &r);
	ck_assert_msg(r.status == 128 + SIGSYS && strstr(r.err, "the policy kills uname"),
		      "%d %s%s", r.status, r.out, r.err);
	run_result_free(&r);
	rm_rf(b.dir);
}
END_TEST

/*
 * Whoever writes the bundle swaps root.path for a symlink to / between
 * create and start: the container does not start (lstar grants the root
 * as named at create, following no symlink), and nothing of the host's
 * / is shown.
 */
START_TEST(root_swapped_after_create)
{
	struct box b;
	const char *create[] = { "create", "--bundle", b.bundle, "c7", NULL },
		   *start[] = { "start", "c7", NULL }, *del[] = { "delete", "--force", "c7", NULL };
	char real[256];
	struct run_result r;
	int pid;

	ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	make_box(&b);
	write_config(&b, "\"sh\", \"-c\", \"cat /etc/shadow /etc/greeting\"", "", "");
	oci_status(&b, create);
	free(check_state(&b, "c7", &pid));
	snprintf(real, sizeof(real), "%s.real", b.rootfs);
	ck_assert_int_eq(rename(b.rootfs, real), 0);
	ck_assert_int_eq(symlink("/", b.rootfs), 0);
	oci(&b, start, &r);
	run_result_free(&r);
	ck_assert_int_eq(reap(pid), 125);
	oci_status(&b, del);
	rm_rf(b.dir);
}
END_TEST

/* The policy an annotation names must be the engine's: not a file of
 * the image (in root.path), not one anyone else may write. */
START_TEST(policy_file_refusals)
{
	struct box b;
	const char *create[] = { "create", "--bundle", b.bundle, "c8", NULL };
	static const struct {
		const char *file;
		mode_t mode;
		const char *why;
	} bad[] = {
		{ "rootfs/etc/evil.policy", 0644, "lies in root.path" },
		{ "shared.policy", 0666, "only it may write" },
	};
	char path[256], *text, *at, *with;
	struct run_result r;

	make_box(&b);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", b.bundle, bad[i].file);
		write_text(path, "use default\npath rw /etc as /hostetc\n");
		ck_assert_int_eq(chmod(path, bad[i].mode), 0);
		write_config(&b, "\"ls\", \"/hostetc\"", "", "");
		snprintf(path, sizeof(path), "%s/config.json", b.bundle);
		ck_assert_ptr_nonnull(text = read_text(path));
		ck_assert_ptr_nonnull(at = strstr(text, "\"org.example.note\""));
		*at = '\0';
		ck_assert_int_gt(asprintf(&with, "%s\"org.lstar.policy\": \"%s\", \"%s", text,
					  bad[i].file, at + 1), 0);
		write_text(path, with);
		free(with);
		free(text);
		oci(&b, create, &r);
		ck_assert_msg(r.status == 1 && strstr(r.err, bad[i].why), "%s: %d %s", bad[i].file,
			      r.status, r.err);
		run_result_free(&r);
		ck_assert(!container_dir_exists(&b, "c8"));
	}
	rm_rf(b.dir);
}
END_TEST

/* The engine's working directory has nothing to say: a file there named
 * as a stock profile (default) is not the container's policy. */
START_TEST(cwd_has_no_say)
{
	struct box b;
	const char *run[] = { "run", "--bundle", b.bundle, "c9", NULL };
	char path[256];
	struct run_result r;

	make_box(&b);
	snprintf(path, sizeof(path), "%s/default", b.dir);
	write_text(path, "use compute\nuse stdio\npath rw /etc as /hostetc\n");
	write_config(&b, "\"sh\", \"-c\", \"ls /hostetc/passwd || echo not-there\"", "", "");
	ck_assert_int_eq(chdir(b.dir), 0);
	oci(&b, run, &r);
	ck_assert_msg(r.status == 0 && !strcmp(r.out, "not-there\n"), "%d %s%s", r.status, r.out, r.err);
	run_result_free(&r);
	ck_assert_int_eq(chdir("/"), 0);
	rm_rf(b.dir);
}
END_TEST

/* delete --force clears a container whose state a killed create never
 * wrote, and of one that is not there at all. */
START_TEST(delete_force_without_state)
{
	struct box b;
	const char *del[] = { "delete", "--force", "c10", NULL }, *plain[] = { "delete", "c10", NULL };
	char path[256];
	struct run_result r;

	make_box(&b);
	ck_assert_int_eq(mkdir(b.root, 0700), 0);
	snprintf(path, sizeof(path), "%s/c10", b.root);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	oci(&b, plain, &r);
	ck_assert_int_eq(r.status, 1);
	run_result_free(&r);
	oci_status(&b, del);
	ck_assert(!container_dir_exists(&b, "c10"));
	oci_status(&b, del);
	rm_rf(b.dir);
}
END_TEST

/* --- hostile bundles -------------------------------------------------------------- */

/* Each config.json is refused at create, the message names the field,
 * and no state is left behind. */
static const struct {
	const char *args, *mounts, *top;
	const char *raw;		/* the whole config.json instead */
	const char *why;
} hostile[] = {
	{ .raw = "{\"ociVersion\": \"1.0.2\", \"ociVersion\": \"1.0.2\"}", .why = "twice in one object" },
	{ .raw = "[]", .why = "not a JSON object" },
	{ .raw = "{\"ociVersion\": \"2.0.0\"}", .why = "ociVersion" },
	{ .raw = "{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"../../etc\"},"
		 " \"process\": {\"args\": [\"sh\"], \"cwd\": \"/\"}}", .why = "leads out of the bundle" },
	{ .raw = "{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"link\"},"
		 " \"process\": {\"args\": [\"sh\"], \"cwd\": \"/\"}}", .why = "symbolic link" },
	{ .raw = "{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": 7}}", .why = "root.path: a string" },
	{ .args = "", .why = "process.args" },
	{ .args = "\"sh\", 5", .why = "process.args[1]: a string" },
	{ .args = "\"sh\"", .top = ", \"hooks\": {\"prestart\": [{\"path\": \"/bin/true\"}]}",
	  .why = "hooks" },
	{ .args = "\"sh\"", .mounts = "{\"destination\": \"/a/../etc\", \"type\": \"bind\","
				      " \"source\": \"/tmp\"},", .why = "holds \".\" or \"..\"" },
	{ .args = "\"sh\"", .mounts = "{\"destination\": \"data\", \"type\": \"bind\","
				      " \"source\": \"/tmp\"},", .why = "not an absolute path" },
	{ .args = "\"sh\"", .mounts = "{\"destination\": \"/x\", \"type\": \"nfs\","
				      " \"source\": \"host:/x\"},", .why = "a nfs mount at /x" },
	{ .args = "\"sh\"", .mounts = "{\"destination\": \"/\", \"type\": \"tmpfs\","
				      " \"source\": \"tmpfs\"},", .why = "a tmpfs at /" },
	{ .args = "\"sh\"", .mounts = "{\"destination\": \"/x\", \"type\": \"bind\","
				      " \"source\": \"/no/such/dir\"},", .why = "No such file" },
	{ .args = "\"sh\"", .mounts = "{\"destination\": \"/a:b\", \"type\": \"tmpfs\"},",
	  .why = "a tmpfs at /a:b" },
	{ .args = "\"sh\"", .mounts = "{\"destination\": \"/x\", \"type\": \"bind\","
				      " \"source\": \"rootfs/etc\"},", .why = "absolute host path" },
	{ .args = "\"sh\"", .mounts = "{\"destination\": \"/t\", \"type\": \"tmpfs\","
				      " \"options\": [\"size=lots\"]},", .why = "tmpfs" },
	{ .raw = "{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"rootfs\"},"
		 " \"process\": {\"args\": [\"sh\"], \"cwd\": \"/\"},"
		 " \"annotations\": {\"org.lstar.policy\": \"/etc/shadow\"}}", .why = "relative to it" },
	{ .raw = "{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"rootfs\"},"
		 " \"process\": {\"args\": [\"sh\"], \"cwd\": \"/\"},"
		 " \"annotations\": {\"org.lstar.policy\": \"../x.policy\"}}",
	  .why = "leads out of the bundle" },
	{ .args = "\"sh\"", .top = ", \"process\": 1", .why = "twice in one object" },
};

START_TEST(hostile_bundle)
{
	struct box b;
	const char *create[] = { "create", "--bundle", b.bundle, "h", NULL };
	char path[256], link[256];
	struct run_result r;

	make_box(&b);
	snprintf(link, sizeof(link), "%s/link", b.bundle);
	ck_assert_int_eq(symlink("rootfs", link), 0);
	if (hostile[_i].raw) {
		snprintf(path, sizeof(path), "%s/config.json", b.bundle);
		write_text(path, hostile[_i].raw);
	} else {
		write_config(&b, hostile[_i].args, hostile[_i].mounts ? hostile[_i].mounts : "",
			     hostile[_i].top ? hostile[_i].top : "");
	}
	oci(&b, create, &r);
	ck_assert_msg(r.status == 1, "case %d: status %d, stderr: %s", _i, r.status, r.err);
	ck_assert_msg(strstr(r.err, hostile[_i].why), "case %d: \"%s\" does not say \"%s\"",
		      _i, r.err, hostile[_i].why);
	run_result_free(&r);
	ck_assert_msg(!container_dir_exists(&b, "h"), "case %d: state left behind", _i);
	rm_rf(b.dir);
}
END_TEST

/* Fields lstar cannot honour, refused by name: a umask, extra groups,
 * rlimits beyond reason, a terminal without a console socket. */
static const struct {
	const char *process_user, *rlimit;
	bool terminal;
	const char *why;
} refused_process[] = {
	{ .process_user = "{\"uid\": 0, \"gid\": 0, \"umask\": 63}", .why = "umask" },
	{ .process_user = "{\"uid\": 0, \"gid\": 0, \"additionalGids\": [10]}", .why = "additionalGids" },
	{ .process_user = "{\"uid\": -1, \"gid\": 0}", .why = "process.user: uid and gid" },
	{ .process_user = "{\"uid\": 4294967295, \"gid\": 0}", .why = "process.user: uid and gid" },
	{ .rlimit = "{\"type\": \"RLIMIT_STACK\", \"soft\": 10, \"hard\": 5}", .why = "soft 10 above hard 5" },
	{ .rlimit = "{\"type\": \"RLIMIT_STACK\", \"soft\": -1, \"hard\": 5}", .why = "must be integers" },
	{ .rlimit = "{\"type\": \"RLIMIT_STACK\", \"soft\": 1e3, \"hard\": 5}", .why = "must be integers" },
	{ .rlimit = "{\"type\": \"RLIMIT_NOFILE\", \"soft\": 18446744073709551616, \"hard\": 5}",
	  .why = "must be integers" },
	{ .rlimit = "{\"type\": \"RLIMIT_FROB\", \"soft\": 1, \"hard\": 1}", .why = "unknown type" },
	{ .terminal = true, .why = "--console-socket" },
};

START_TEST(refused_process_fields)
{
	struct box b;
	const char *create[] = { "create", "--bundle", b.bundle, "p", NULL };
	char path[256], *text;
	struct run_result r;

	make_box(&b);
	ck_assert_int_gt(asprintf(&text,
		"{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"rootfs\"},\n"
		" \"process\": {\"args\": [\"sh\"], \"cwd\": \"/\", \"user\": %s,\n"
		"  \"rlimits\": [%s], \"terminal\": %s}}\n",
		refused_process[_i].process_user ? refused_process[_i].process_user : "{\"uid\": 0, \"gid\": 0}",
		refused_process[_i].rlimit ? refused_process[_i].rlimit : "",
		refused_process[_i].terminal ? "true" : "false"), 0);
	snprintf(path, sizeof(path), "%s/config.json", b.bundle);
	write_text(path, text);
	free(text);
	oci(&b, create, &r);
	ck_assert_msg(r.status == 1, "case %d: status %d, stderr: %s", _i, r.status, r.err);
	ck_assert_msg(strstr(r.err, refused_process[_i].why), "case %d: \"%s\" does not say \"%s\"",
		      _i, r.err, refused_process[_i].why);
	run_result_free(&r);
	ck_assert(!container_dir_exists(&b, "p"));
	rm_rf(b.dir);
}
END_TEST

/* Container ids that could name another directory are refused. */
START_TEST(bad_ids)
{
	struct box b;
	static const char *const ids[] = { "..", ".", "a/b", "", "x y",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" };
	struct run_result r;

	make_box(&b);
	write_config(&b, "\"true\"", "", "");
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		const char *create[] = { "create", "--bundle", b.bundle, ids[i], NULL },
			   *state[] = { "state", ids[i], NULL };

		oci(&b, create, &r);
		ck_assert_msg(r.status == 1 && strstr(r.err, "container id"), "id \"%s\": %d %s",
			      ids[i], r.status, r.err);
		run_result_free(&r);
		oci(&b, state, &r);
		ck_assert_int_eq(r.status, 1);
		run_result_free(&r);
	}
	rm_rf(b.dir);
}
END_TEST

/* --- podman ------------------------------------------------------------------------ */

#define PODMAN		"/usr/bin/podman"
#define IMAGE		"localhost/lstar-oci-test:latest"

/* podman --runtime lstar-oci ARGS... (as root: podman's own storage). */
static void podman(const char *const args[], int timeout_s, struct run_result *r)
{
	const char *argv[48];
	int n = 0;

	argv[n++] = PODMAN;
	argv[n++] = "--runtime";
	argv[n++] = oci_path();
	for (int i = 0; args[i]; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	run_argv((char *const *)argv, (char *const[]){ "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
						       "HOME=/root", NULL }, timeout_s, r);
}

/* The image: the test rootfs, tarred and imported (podman keeps it
 * between runs; importing again only re-tags it). */
static void import_image(struct box *b)
{
	char tar[256], *cmd;
	struct run_result r;

	make_box(b);
	snprintf(tar, sizeof(tar), "%s/rootfs.tar", b->dir);
	ck_assert_int_gt(asprintf(&cmd, "tar -C %s -cf %s . && " PODMAN " import -q %s " IMAGE
				  " >/dev/null", b->rootfs, tar, tar), 0);
	run_argv((char *const[]){ "/bin/sh", "-c", cmd, NULL },
		 (char *const[]){ "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", NULL }, 120, &r);
	ck_assert_msg(r.status == 0, "podman import: %s", r.err);
	run_result_free(&r);
	free(cmd);
}

static void podman_run(const char *const run_args[], int want_status, const char *want_out,
		       const char *want_err)
{
	const char *args[40] = { "run", "--rm", "--network", "none", "--name", "lstar-oci-test" };
	const char *const rm[] = { "rm", "-f", "lstar-oci-test", NULL };
	struct run_result r;
	int n = 6;

	/* One left by an earlier run that was killed midway would hold the
	 * name. */
	podman(rm, 60, &r);
	run_result_free(&r);
	for (int i = 0; run_args[i]; i++)
		args[n++] = run_args[i];
	args[n] = NULL;
	podman(args, 120, &r);
	ck_assert_msg(r.status == want_status, "podman run %s...: status %d, not %d; stderr: %s",
		      run_args[0], r.status, want_status, r.err);
	if (want_out)
		ck_assert_msg(!strcmp(r.out, want_out), "podman run: stdout \"%s\", not \"%s\"",
			      r.out, want_out);
	if (want_err)
		ck_assert_msg(strstr(r.err, want_err), "podman run: stderr \"%s\" lacks \"%s\"",
			      r.err, want_err);
	run_result_free(&r);
}

/* What a user does first: echo, a file of the image, an exit status, a
 * volume, the host refused; then nothing is left, in podman or here. */
START_TEST(podman_runs_image)
{
	struct box b;
	char vol[160], volume[256], path[256], *text;
	const char *ps[] = { "ps", "-a", "--filter", "name=lstar-oci-test", "--format", "{{.Names}}", NULL };
	struct run_result r;

	import_image(&b);
	podman_run((const char *const[]){ IMAGE, "/bin/busybox", "echo", "hi", NULL }, 0, "hi\n", NULL);
	podman_run((const char *const[]){ IMAGE, "cat", "/etc/greeting", NULL }, 0,
		   "hello from the image\n", NULL);
	podman_run((const char *const[]){ IMAGE, "sh", "-c", "exit 3", NULL }, 3, "", NULL);
	snprintf(vol, sizeof(vol), "%s/vol", b.dir);
	ck_assert_int_eq(mkdir(vol, 0755), 0);
	snprintf(volume, sizeof(volume), "%s:/data", vol);
	podman_run((const char *const[]){ "-v", volume, IMAGE, "sh", "-c",
					  "echo from-container > /data/f; cat /data/f", NULL },
		   0, "from-container\n", NULL);
	snprintf(path, sizeof(path), "%s/f", vol);
	ck_assert_ptr_nonnull(text = read_text(path));
	ck_assert_str_eq(text, "from-container\n");
	free(text);
	/* A container user other than root has that user's rights on the
	 * host's files, as under runc: root's 0600 file unreadable, root's
	 * 0644 file unwritable. */
	snprintf(path, sizeof(path), "%s/root600", vol);
	write_text(path, "secret\n");
	ck_assert_int_eq(chmod(path, 0600), 0);
	podman_run((const char *const[]){ "--user", "1000:1000", "-v", volume, IMAGE, "sh", "-c",
					  "cat /data/root600 2>/dev/null || echo no-read; "
					  "(echo x > /data/f) 2>/dev/null || echo no-write; cat /data/f",
					  NULL }, 0, "no-read\nno-write\nfrom-container\n", NULL);
	/* The host's files are not the container's: /usr is not in the
	 * image, the host's /etc/shadow neither. */
	podman_run((const char *const[]){ IMAGE, "cat", "/etc/shadow", NULL }, 1, "",
		   "No such file or directory");
	podman_run((const char *const[]){ IMAGE, "ls", "/usr", NULL }, 1, "",
		   "No such file or directory");
	/* --read-only: the image cannot be written; podman's tmpfs mounts
	 * (/tmp, /run, /var/tmp) are lstar's private directories. */
	podman_run((const char *const[]){ "--read-only", IMAGE, "sh", "-c",
					  "touch /etc/x; echo t > /run/t && cat /run/t", NULL },
		   0, "t\n", "Read-only file system");
	/* -t: the program's stdio is a terminal (a pty on the host). */
	podman_run((const char *const[]){ "-t", IMAGE, "sh", "-c", "[ -t 0 ] && [ -t 1 ] && echo tty",
					  NULL }, 0, "tty\r\n", NULL);
	podman(ps, 60, &r);
	ck_assert_int_eq(r.status, 0);
	ck_assert_msg(!strcmp(r.out, ""), "podman ps -a: \"%s\" left", r.out);
	run_result_free(&r);
	rm_rf(b.dir);
}
END_TEST

/* podman exec runs a second program in a running container; podman stop
 * ends it within its timeout (SIGTERM reaches the program); rm leaves no
 * state. */
START_TEST(podman_stop_and_kill)
{
	struct box b;
	const char *run[] = { "run", "-d", "--network", "none", "--name", "lstar-oci-test-stop",
			      IMAGE, "sleep", "60", NULL },
		   *stop[] = { "stop", "-t", "10", "lstar-oci-test-stop", NULL },
		   *inspect[] = { "inspect", "--format", "{{.State.ExitCode}}", "lstar-oci-test-stop",
				  NULL },
		   *rm[] = { "rm", "-f", "lstar-oci-test-stop", NULL },
		   *exec[] = { "exec", "lstar-oci-test-stop", "cat", "/etc/greeting", NULL };
	struct run_result r;
	struct timespec t0, t1;
	char state[256];

	import_image(&b);
	podman(rm, 60, &r);
	run_result_free(&r);
	podman(run, 60, &r);
	ck_assert_msg(r.status == 0 && r.out_len > 12, "podman run -d: %s", r.err);
	snprintf(state, sizeof(state), "/run/lstar-oci/%.*s", (int)strcspn(r.out, "\n"), r.out);
	ck_assert_msg(access(state, F_OK) == 0, "no state at %s", state);
	run_result_free(&r);
	/* podman exec: a second program in the same sandbox. */
	podman(exec, 60, &r);
	ck_assert_msg(r.status == 0 && !strcmp(r.out, "hello from the image\n"), "podman exec: %d %s%s",
		      r.status, r.out, r.err);
	run_result_free(&r);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	podman(stop, 60, &r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert_msg(r.status == 0, "podman stop: %s", r.err);
	run_result_free(&r);
	/* SIGTERM ends busybox sleep at once: well before the 10 s after
	 * which podman would have sent SIGKILL. */
	ck_assert_msg(t1.tv_sec - t0.tv_sec < 8, "podman stop took %ld s", (long)(t1.tv_sec - t0.tv_sec));
	podman(inspect, 60, &r);
	ck_assert_msg(r.status == 0 && !strcmp(r.out, "143\n"), "exit code \"%s\" (%s)", r.out, r.err);
	run_result_free(&r);
	podman(rm, 60, &r);
	ck_assert_int_eq(r.status, 0);
	run_result_free(&r);
	ck_assert_msg(access(state, F_OK) != 0, "%s left behind", state);
	rm_rf(b.dir);
}
END_TEST

/* podman kill delivers the signal it names to the program: a USR1 trap
 * ends it with the status it chose. */
START_TEST(podman_kill_signal)
{
	struct box b;
	const char *run[] = { "run", "-d", "--network", "none", "--name", "lstar-oci-test-kill",
			      IMAGE, "sh", "-c", "trap 'exit 3' USR1; echo ready; "
			      "while :; do sleep 0.1; done", NULL },
		   *logs[] = { "logs", "lstar-oci-test-kill", NULL },
		   *kill_c[] = { "kill", "--signal", "USR1", "lstar-oci-test-kill", NULL },
		   *wait_c[] = { "wait", "lstar-oci-test-kill", NULL },
		   *rm[] = { "rm", "-f", "lstar-oci-test-kill", NULL };
	struct run_result r;
	bool ready = false;

	import_image(&b);
	podman(rm, 60, &r);
	run_result_free(&r);
	podman(run, 60, &r);
	ck_assert_msg(r.status == 0, "podman run -d: %s", r.err);
	run_result_free(&r);
	/* The trap is set once it says so. */
	for (int i = 0; i < 100 && !ready; i++) {
		podman(logs, 60, &r);
		ready = strstr(r.out, "ready") != NULL;
		run_result_free(&r);
		if (!ready)
			usleep(100000);
	}
	ck_assert_msg(ready, "the container never said ready");
	podman(kill_c, 60, &r);
	ck_assert_msg(r.status == 0, "podman kill: %s", r.err);
	run_result_free(&r);
	podman(wait_c, 60, &r);
	ck_assert_msg(r.status == 0 && !strcmp(r.out, "3\n"), "podman wait: %d \"%s\" %s", r.status,
		      r.out, r.err);
	run_result_free(&r);
	podman(rm, 60, &r);
	run_result_free(&r);
	rm_rf(b.dir);
}
END_TEST

/* --- containerd ------------------------------------------------------------------ */

#define CONTAINERD	"/usr/bin/containerd"
#define CTR		"/usr/bin/ctr"

/*
 * containerd's runc shim (io.containerd.runc.v2) with lstar-oci as its
 * runc, the way a Kubernetes RuntimeClass reaches it: a private
 * containerd (its own socket, root and state; no CRI plugin), ctr run on
 * the test's rootfs.  The program's output and status come back, and the
 * shim's --root holds nothing after.
 */
START_TEST(containerd_runs_rootfs)
{
	struct box b;
	char conf[192], sock[192], root[192], state[192], out[192], err[192], *text;
	const char *daemon[] = { CONTAINERD, "--config", conf, "--address", sock, "--root", root,
				 "--state", state, NULL };
	struct run_result r;
	pid_t pid;

	make_box(&b);
	snprintf(conf, sizeof(conf), "%s/containerd.toml", b.dir);
	snprintf(sock, sizeof(sock), "%s/containerd.sock", b.dir);
	snprintf(root, sizeof(root), "%s/containerd-root", b.dir);
	snprintf(state, sizeof(state), "%s/containerd-state", b.dir);
	snprintf(out, sizeof(out), "%s/containerd.out", b.dir);
	snprintf(err, sizeof(err), "%s/containerd.err", b.dir);
	write_text(conf, "version = 2\ndisabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n");
	pid = spawn_to_files(daemon, out, err);
	for (int i = 0; access(sock, F_OK) != 0; i++) {
		ck_assert_msg(i < 500, "containerd did not start: %s", (text = read_text(err)) ? text : "");
		usleep(20000);
	}
	for (int k = 0; k < 2; k++) {
		const char *argv[] = { CTR, "--address", sock, "run", "--rm", "--rootfs", "--runtime",
				       "io.containerd.runc.v2", "--runc-binary", oci_path(), b.rootfs,
				       k ? "lstar-oci-test-2" : "lstar-oci-test-1", "/bin/sh", "-c",
				       k ? "exit 5" : "cat /etc/greeting; hostname", NULL };

		run_argv((char *const *)argv, NULL, 120, &r);
		if (k == 0)
			ck_assert_msg(r.status == 0 && !strncmp(r.out, "hello from the image\n", 21),
				      "ctr run: %d %s%s", r.status, r.out, r.err);
		else
			ck_assert_msg(r.status == 5, "ctr run, exit 5: %d %s%s", r.status, r.out, r.err);
		run_result_free(&r);
	}
	ck_assert_msg(access("/run/containerd/runc/default/lstar-oci-test-1", F_OK) != 0 &&
		      access("/run/containerd/runc/default/lstar-oci-test-2", F_OK) != 0,
		      "the shim's runc --root kept a container");
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	rm_rf(b.dir);
}
END_TEST

Suite *suite_oci(void)
{
	Suite *s = suite_create("oci");
	TCase *cli = tcase_create("cli"), *life = tcase_create("life"),
	      *bad = tcase_create("hostile");

	tcase_add_test(cli, version_help_features);
	tcase_add_test(cli, bad_ids);
	tcase_set_timeout(life, 120);
	tcase_add_test(life, lifecycle);
	tcase_add_test(life, delete_force);
	tcase_add_test(life, run_foreground);
	tcase_add_test(life, readonly_root_and_log);
	tcase_add_test(life, exec_into_running);
	tcase_add_test(life, policy_from_annotation);
	tcase_add_test(life, root_swapped_after_create);
	tcase_add_test(life, cwd_has_no_say);
	tcase_add_test(life, delete_force_without_state);
	tcase_set_timeout(bad, 60);
	tcase_add_loop_test(bad, hostile_bundle, 0, sizeof(hostile) / sizeof(hostile[0]));
	tcase_add_test(bad, policy_file_refusals);
	tcase_add_loop_test(bad, refused_process_fields, 0,
			    sizeof(refused_process) / sizeof(refused_process[0]));
	if (access(PODMAN, X_OK) == 0) {
		TCase *pod = tcase_create("podman");

		tcase_set_timeout(pod, 300);
		tcase_add_test(pod, podman_runs_image);
		tcase_add_test(pod, podman_stop_and_kill);
		tcase_add_test(pod, podman_kill_signal);
		suite_add_tcase(s, pod);
	} else {
		printf("lstar tests: oci:podman not run: %s is not installed "
		       "(make deps installs it)\n", PODMAN);
	}
	if (access(CONTAINERD, X_OK) == 0 && access(CTR, X_OK) == 0) {
		TCase *ctd = tcase_create("containerd");

		tcase_set_timeout(ctd, 300);
		tcase_add_test(ctd, containerd_runs_rootfs);
		suite_add_tcase(s, ctd);
	} else {
		printf("lstar tests: oci:containerd not run: %s is not installed "
		       "(make deps installs it)\n", CONTAINERD);
	}
	suite_add_tcase(s, cli);
	suite_add_tcase(s, life);
	suite_add_tcase(s, bad);
	return s;
}
