/* SPDX-License-Identifier: MIT */
/*
 * bundle.c - a bundle's config.json, read and judged, becomes the lstar
 * command line that runs it.
 *
 * The bundle is not trusted: every field lstar-oci reads is checked for
 * its type and range, paths for what they may name.  A field lstar can
 * honour is turned into the `lstar run` option that does; one it cannot
 * honour and that changes what the program sees (a uid's extra groups, a
 * umask, hooks, a mount type lstar has no answer for) is refused with the
 * field's name; one that only tightens what a kernel container would
 * allow (capabilities, seccomp, namespaces, AppArmor, cgroups) has its
 * answer in lstar's own confinement and is left, with a line in the log.
 * Unknown fields are ignored, as the runtime spec requires.  docs/OCI.md
 * has the whole table.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lstar_limits.h"
#include "names.h"
#include "oci.h"

/* --- a growing list of strings -------------------------------------------- */

int strv_add(struct strv *s, const char *str)
{
	char *copy = strdup(str);

	if (!copy)
		return -1;
	if (s->n + 2 > s->cap) {
		int cap = s->cap ? s->cap * 2 : 32;
		char **v = realloc(s->v, (size_t)cap * sizeof(*v));

		if (!v) {
			free(copy);
			return -1;
		}
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = copy;
	s->v[s->n] = NULL;
	return 0;
}

int strv_addf(struct strv *s, const char *fmt, ...)
{
	va_list ap;
	char *str;
	int n, err;

	va_start(ap, fmt);
	n = vasprintf(&str, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	err = strv_add(s, str);
	free(str);
	return err;
}

void strv_free(struct strv *s)
{
	for (int i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	*s = (struct strv){ 0 };
}

void oci_process_free(struct oci_process *p)
{
	strv_free(&p->args);
}

/* --- reading fields -------------------------------------------------------- */

/* A field of the given type, or NULL when absent; a field of another type
 * is an error (*bad set, logged). */
static const struct json *field(const struct json *obj, const char *name, const char *where,
				enum json_type type, bool *bad)
{
	const struct json *j = json_get(obj, name);

	if (!j || (j->type == JSON_NULL && type != JSON_NULL))
		return NULL;
	if (j->type != type) {
		oci_error("%s%s: %s, not %s", where, name, json_type_name(type),
			  json_type_name(j->type));
		*bad = true;
		return NULL;
	}
	return j;
}

static bool is_string_array(const struct json *j, const char *what)
{
	for (size_t i = 0; i < j->n; i++)
		if (j->item[i].type != JSON_STRING) {
			oci_error("%s[%zu]: a string, not %s", what, i,
				  json_type_name(j->item[i].type));
			return false;
		}
	return true;
}

/*
 * A path the program sees, normalized: absolute, no "." or ".." (a ".."
 * could only be taken lexically, and a bundle that writes one is either
 * confused or probing), no empty components.  0, or -1 logged.
 */
static int guest_path(const char *in, char *out, size_t len, const char *what)
{
	int err = policy_clean_path(in, strlen(in), false, out, len);

	if (err)
		oci_error(err == -EINVAL ? "%s \"%s\": not an absolute path" :
			  err == -ELOOP ? "%s \"%s\": holds \".\" or \"..\"" :
			  "%s \"%.64s...\": too long", what, in);
	return err ? -1 : 0;
}

/*
 * A host path the bundle names (the root, a bind mount's source, the
 * policy), opened O_PATH.  literal (the root, the policy): relative to
 * the bundle and beneath it, or absolute, and no component a symlink
 * (whoever can write the bundle could otherwise point the container's /
 * at any host directory).  Otherwise (a bind's source: the engine user's
 * own choice, `-v /host:/data`): absolute, resolved as the host resolves
 * it.  The descriptor, or -1 logged.
 */
static int open_host(const char *bundle, const char *in, bool literal, const char *what)
{
	struct open_how how = { .flags = O_PATH | O_CLOEXEC,
				.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS };
	int fd, dirfd = AT_FDCWD;

	if (!*in || (!literal && in[0] != '/')) {
		oci_error("%s \"%s\": %s", what, in, *in ? "a bind's source is an absolute host path" :
			  "an empty path");
		return -1;
	}
	if (!literal)
		how.resolve = 0;
	else if (in[0] != '/') {
		if ((dirfd = open(bundle, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
			oci_error("bundle %s: %s", bundle, strerror(errno));
			return -1;
		}
		how.resolve |= RESOLVE_BENEATH;
	}
	fd = (int)syscall(SYS_openat2, dirfd, in, &how, sizeof(how));
	if (fd < 0)
		oci_error("%s \"%s\": %s", what, in,
			  errno == ELOOP ? "a component is a symbolic link (name the directory itself)" :
			  errno == EXDEV ? "leads out of the bundle" : strerror(errno));
	if (dirfd >= 0)
		close(dirfd);
	return fd;
}

/* The path of what fd holds, as the host names it now (no symlink in it):
 * what the container's policy grants, literally.  0, or -1 logged. */
static int canonical(int fd, char *out, size_t len, const char *what)
{
	char self[32];
	ssize_t n;

	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	if ((n = readlink(self, out, len - 1)) <= 0 || (size_t)n == len - 1 || out[0] != '/') {
		oci_error("%s: cannot name it (%s)", what, n < 0 ? strerror(errno) : "too long");
		return -1;
	}
	out[n] = '\0';
	if (!policy_quotable(out)) {
		oci_error("%s: a path with a control character cannot be granted", what);
		return -1;
	}
	return 0;
}

/*
 * `path ro|rw HOST as DEST` in the container's policy: the tree at fd
 * (closed here), granted as the host names it when the container is made.
 * lstar opens it again by that name without following any symlink, so a
 * component swapped for a symlink between create and start fails the
 * start instead of granting what the link names.
 */
static int grant(FILE *pol, int fd, bool ro, const char *dest, const char *what)
{
	char host[4096];
	int err;

	if (fd < 0)
		return -1;	/* open_host said why */
	err = canonical(fd, host, sizeof(host), what);
	close(fd);
	if (err)
		return -1;
	if (!policy_quotable(dest)) {
		oci_error("%s: a destination with a control character", what);
		return -1;
	}
	fprintf(pol, "path %s ", ro ? "ro" : "rw");
	policy_quote(pol, host);
	fputs(" as ", pol);
	policy_quote(pol, dest);
	fputc('\n', pol);
	return 0;
}

/* --- process ---------------------------------------------------------------- */

/* The spec's rlimit types, Linux's: each becomes --rlimit TYPE=SOFT:HARD
 * (lstar takes the RLIMIT_ names as they are), "unlimited" for 2^64-1. */
static const char *const rlimit_names[] = {
	"RLIMIT_AS", "RLIMIT_CORE", "RLIMIT_CPU", "RLIMIT_DATA", "RLIMIT_FSIZE",
	"RLIMIT_LOCKS", "RLIMIT_MEMLOCK", "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_NOFILE",
	"RLIMIT_NPROC", "RLIMIT_RSS", "RLIMIT_RTPRIO", "RLIMIT_RTTIME", "RLIMIT_SIGPENDING",
	"RLIMIT_STACK",
};

static void put_limit(char *buf, size_t len, uint64_t v)
{
	if (v == UINT64_MAX)
		snprintf(buf, len, "unlimited");
	else
		snprintf(buf, len, "%llu", (unsigned long long)v);
}

static int rlimits(const struct json *list, struct strv *args)
{
	for (size_t i = 0; i < list->n; i++) {
		const struct json *r = &list->item[i], *type = json_get(r, "type");
		char soft_s[24], hard_s[24];
		uint64_t soft, hard;
		size_t k, nnames = sizeof(rlimit_names) / sizeof(rlimit_names[0]);

		if (r->type != JSON_OBJECT || !type || type->type != JSON_STRING) {
			oci_error("process.rlimits[%zu]: an object with a \"type\" string", i);
			return -1;
		}
		for (k = 0; k < nnames; k++)
			if (!strcmp(type->text, rlimit_names[k]))
				break;
		if (k == nnames) {
			oci_error("process.rlimits[%zu]: unknown type \"%.32s\"", i, type->text);
			return -1;
		}
		if (json_u64(json_get(r, "soft"), &soft) || json_u64(json_get(r, "hard"), &hard)) {
			oci_error("process.rlimits[%zu] (%s): \"soft\" and \"hard\" must be integers "
				  "from 0 to 18446744073709551615", i, type->text);
			return -1;
		}
		if (soft > hard) {
			oci_error("process.rlimits[%zu] (%s): soft %llu above hard %llu", i,
				  type->text, (unsigned long long)soft, (unsigned long long)hard);
			return -1;
		}
		/* Engines ask for a million descriptors; lstar's table has
		 * LSTAR_MAX_FDS (or the policy's `limit files`), and a program
		 * asking for more fails as it would at the hard limit.  At or
		 * past it, the table is the limit: lstar's own default. */
		if (!strcmp(type->text, "RLIMIT_NOFILE") && hard >= LSTAR_MAX_FDS) {
			oci_info("process.rlimits: RLIMIT_NOFILE %llu: lstar's descriptor table "
				 "instead (%d, or the policy's limit files)", (unsigned long long)hard,
				 LSTAR_MAX_FDS);
			continue;
		}
		put_limit(soft_s, sizeof(soft_s), soft);
		put_limit(hard_s, sizeof(hard_s), hard);
		if (strv_addf(args, "--rlimit=%s=%s:%s", type->text, soft_s, hard_s))
			return -1;
	}
	return 0;
}

static int user(const struct json *u, struct strv *args)
{
	const struct json *extra = json_get(u, "additionalGids");
	uint64_t uid = 0, gid = 0, umask_v = 022;
	bool bad = false;

	if (json_get(u, "uid") && json_u64(json_get(u, "uid"), &uid))
		bad = true;
	if (json_get(u, "gid") && json_u64(json_get(u, "gid"), &gid))
		bad = true;
	if (bad || uid >= UINT32_MAX || gid >= UINT32_MAX) {
		oci_error("process.user: uid and gid must be integers from 0 to 4294967294");
		return -1;
	}
	if (json_get(u, "username")) {
		oci_error("process.user.username: a Windows field, refused");
		return -1;
	}
	/* Supplementary groups: lstar's program has none (getgroups). */
	if (extra && extra->type == JSON_ARRAY) {
		for (size_t i = 0; i < extra->n; i++) {
			uint64_t g;

			if (json_u64(&extra->item[i], &g) || g != gid) {
				oci_error("process.user.additionalGids: lstar gives the program "
					  "no supplementary groups");
				return -1;
			}
		}
	} else if (extra && extra->type != JSON_NULL) {
		oci_error("process.user.additionalGids: an array of gids");
		return -1;
	}
	if (json_get(u, "umask") && (json_u64(json_get(u, "umask"), &umask_v) || umask_v != 022)) {
		oci_error("process.user.umask: lstar starts every program with umask 022; "
			  "the program may change its own");
		return -1;
	}
	if (strv_addf(args, "--uid=%llu", (unsigned long long)uid) ||
	    strv_addf(args, "--gid=%llu", (unsigned long long)gid))
		return -1;
	/* The program's rights on the host's files are that user's, as
	 * under runc: lstar, started as root, becomes it once it has made
	 * its VM.  (Not root: lstar-oci runs as the user it has.) */
	if (geteuid() == 0 && (uid || gid) &&
	    strv_addf(args, "--host-user=%llu:%llu", (unsigned long long)uid, (unsigned long long)gid))
		return -1;
	return 0;
}

/* What the runtime spec's process object says, as lstar options, and
 * then the program and its arguments: the end of the command line. */
static int process(const struct json *proc, struct oci_process *p, bool exec)
{
	const struct json *args, *env, *cwd, *u, *rl, *term, *size;
	struct strv *a = &p->args;
	char path[4096];
	bool bad = false;

	if (!proc || proc->type != JSON_OBJECT) {
		oci_error("process: missing, or not an object");
		return -1;
	}
	args = field(proc, "args", "process.", JSON_ARRAY, &bad);
	env = field(proc, "env", "process.", JSON_ARRAY, &bad);
	cwd = field(proc, "cwd", "process.", JSON_STRING, &bad);
	u = field(proc, "user", "process.", JSON_OBJECT, &bad);
	rl = field(proc, "rlimits", "process.", JSON_ARRAY, &bad);
	term = field(proc, "terminal", "process.", JSON_BOOL, &bad);
	size = field(proc, "consoleSize", "process.", JSON_OBJECT, &bad);
	if (bad)
		return -1;
	if (!args || !args->n || !is_string_array(args, "process.args") ||
	    !args->item[0].text[0]) {
		oci_error("process.args: the program and its arguments, at least the program");
		return -1;
	}
	if (json_get(proc, "commandLine")) {
		oci_error("process.commandLine: a Windows field, refused");
		return -1;
	}
	if (!cwd) {
		oci_error("process.cwd: required");
		return -1;
	}
	if (guest_path(cwd->text, path, sizeof(path), "process.cwd") ||
	    strv_addf(a, "--cwd=%s", path))
		return -1;
	if (env) {
		if (!is_string_array(env, "process.env"))
			return -1;
		for (size_t i = 0; i < env->n; i++) {
			const char *e = env->item[i].text;

			if (!strchr(e, '=') || e[0] == '=') {
				oci_error("process.env[%zu] \"%.64s\": not NAME=VALUE", i, e);
				return -1;
			}
			if (strv_addf(a, "--env=%s", e))
				return -1;
		}
	}
	/* exec's process joins a running sandbox: its ids and limits are
	 * the sandbox's (lstar exec takes none). */
	if (!exec && u && user(u, a))
		return -1;
	if (exec && (u || rl))
		oci_info("exec: process.user and process.rlimits are the container's");
	if (!exec && rl && rlimits(rl, a))
		return -1;
	if (term)
		p->terminal = term->boolean;
	if (size) {
		uint64_t h = 0, w = 0;

		if (json_u64(json_get(size, "height"), &h) || json_u64(json_get(size, "width"), &w) ||
		    h > 65535 || w > 65535) {
			oci_error("process.consoleSize: height and width from 0 to 65535");
			return -1;
		}
		p->rows = (unsigned short)h;
		p->cols = (unsigned short)w;
	}
	if (json_get(proc, "capabilities"))
		oci_info("process.capabilities: left; the program has no host privilege "
			 "in lstar, whatever it is granted inside");
	if (json_get(proc, "apparmorProfile") || json_get(proc, "selinuxLabel"))
		oci_info("process.apparmorProfile, selinuxLabel: left; lstar confines "
			 "itself (seccomp, Landlock)");
	if (json_get(proc, "oomScoreAdj"))
		oci_info("process.oomScoreAdj: left");
	/* Last, after "--": the program and its arguments, as the engine
	 * gave them (lstar finds a bare name along the PATH of --env). */
	if (strv_add(a, "--"))
		return -1;
	for (size_t i = 0; i < args->n; i++)
		if (strv_add(a, args->item[i].text))
			return -1;
	return 0;
}

/* --- mounts -------------------------------------------------------------- */

static bool has_option(const struct json *opts, const char *o)
{
	for (size_t i = 0; opts && i < opts->n; i++)
		if (opts->item[i].type == JSON_STRING && !strcmp(opts->item[i].text, o))
			return true;
	return false;
}

/* tmpfs's size= option in bytes, or 0 (none: lstar's default). */
static int tmpfs_size(const struct json *opts, uint64_t *size)
{
	*size = 0;
	for (size_t i = 0; opts && i < opts->n; i++) {
		const char *o = opts->item[i].text;
		char *end;

		if (strncmp(o, "size=", 5))
			continue;
		errno = 0;
		*size = strtoull(o + 5, &end, 10);
		switch (*end) {
		case 'k': case 'K': *size <<= 10; end++; break;
		case 'm': case 'M': *size <<= 20; end++; break;
		case 'g': case 'G': *size <<= 30; end++; break;
		}
		if (errno || *end || end == o + 5 || *size >> 40) {
			oci_error("mounts: tmpfs option \"%.32s\": a size in bytes, k, m or g", o);
			return -1;
		}
	}
	return 0;
}

/*
 * One mount: a bind becomes a tree of the container's policy (pol), a
 * tmpfs a private directory (--tmpfs DEST[:SIZE]); the kernel file
 * systems a container always has map onto what lstar shows anyway; the
 * rest is refused.
 */
static int mount_one(const char *bundle, const struct json *m, size_t i, struct strv *a,
		     FILE *pol)
{
	const struct json *dest = json_get(m, "destination"), *type = json_get(m, "type"),
			  *src = json_get(m, "source"), *opts = json_get(m, "options");
	char where[4096], what[48];
	const char *t;

	snprintf(what, sizeof(what), "mounts[%zu]", i);
	if (m->type != JSON_OBJECT || !dest || dest->type != JSON_STRING ||
	    (type && type->type != JSON_STRING) || (src && src->type != JSON_STRING) ||
	    (opts && (opts->type != JSON_ARRAY || !is_string_array(opts, what)))) {
		oci_error("%s: an object with a \"destination\" string, and \"type\", "
			  "\"source\" strings and \"options\" strings if any", what);
		return -1;
	}
	if (guest_path(dest->text, where, sizeof(where), what))
		return -1;
	t = type ? type->text : "";
	if (!strcmp(t, "bind") || has_option(opts, "bind") || has_option(opts, "rbind")) {
		bool ro = has_option(opts, "ro");

		if (!src) {
			oci_error("%s: a bind mount needs a source", what);
			return -1;
		}
		return grant(pol, open_host(bundle, src->text, false, what), ro, where, what);
	}
	if (!strcmp(t, "proc") && !strcmp(where, "/proc"))
		return 0;	/* lstar's own /proc answers */
	if (!strcmp(t, "tmpfs") && !strcmp(where, "/dev"))
		return 0;	/* lstar's own devices */
	if (!strcmp(t, "tmpfs")) {
		uint64_t size;

		if (tmpfs_size(opts, &size))
			return -1;
		if (!strcmp(where, "/") || strchr(where, ':')) {
			oci_error("%s: a tmpfs at %s: lstar-oci gives one below / at a path "
				  "without ':'", what, where);
			return -1;
		}
		if (has_option(opts, "tmpcopyup"))
			oci_info("%s: tmpfs at %s starts empty (tmpcopyup: the image's files "
				 "there are not copied)", what, where);
		return size ? strv_addf(a, "--tmpfs=%s:%lluB", where, (unsigned long long)size) :
			      strv_addf(a, "--tmpfs=%s", where);
	}
	if ((!strcmp(t, "sysfs") && !strcmp(where, "/sys")) ||
	    ((!strcmp(t, "cgroup") || !strcmp(t, "cgroup2")) && !strcmp(where, "/sys/fs/cgroup")) ||
	    (!strcmp(t, "mqueue") && !strcmp(where, "/dev/mqueue")) ||
	    (!strcmp(t, "devpts") && !strcmp(where, "/dev/pts"))) {
		oci_info("%s: %s at %s: not shown (lstar has none; the terminal is the host's)",
			 what, t, where);
		return 0;
	}
	oci_error("%s: a %s mount at %s: lstar-oci gives bind and tmpfs mounts, and lstar's "
		  "own /proc and /dev (docs/OCI.md)", what, *t ? t : "typeless", where);
	return -1;
}

static int mounts(const char *bundle, const struct json *list, struct strv *a, FILE *pol)
{
	for (size_t i = 0; list && i < list->n; i++)
		if (mount_one(bundle, &list->item[i], i, a, pol))
			return -1;
	return 0;
}

/* --- the whole config --------------------------------------------------------- */

/*
 * The annotation's policy, as the first line of the container's policy
 * (pol): `use NAME` for a stock profile, or `use` of a copy, taken now in
 * the container's directory, of a policy file in the bundle.  The
 * annotation may come from the image (podman copies an image's
 * annotations into the bundle), so a file must be the engine's, not the
 * image's: beneath the bundle without a symlink, outside root.path, a
 * regular file of lstar-oci's own user that no one else may write.  A
 * stock profile grants no host path.
 */
static int policy(const char *bundle, const char *root, const struct json *annotations,
		  int statefd, const char *state_dir, FILE *pol)
{
	const struct json *ann = json_get(annotations, OCI_POLICY_ANNOTATION);
	const char *name = ann ? ann->text : "default";
	char path[4096], copy[4096 + 32], buf[65536];
	struct stat st;
	size_t n = strlen(name), total = 0;
	ssize_t got;
	int fd, out, err = -1;

	if (ann && (ann->type != JSON_STRING || !ann->text[0])) {
		oci_error("annotations.%s: a stock profile's name or a file in the bundle",
			  OCI_POLICY_ANNOTATION);
		return -1;
	}
	if (!strchr(name, '/') && (n < 7 || strcmp(name + n - 7, ".policy"))) {
		/* A stock profile: lowercase letters, digits, '-' and '_'
		 * (no name of a file lstar-oci keeps beside the policy). */
		for (const char *c = name; *c; c++)
			if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-' || *c == '_')) {
				oci_error("annotations.%s \"%.64s\": not a stock profile's name",
					  OCI_POLICY_ANNOTATION, name);
				return -1;
			}
		fprintf(pol, "use %s\n", name);
		return 0;
	}
	if (name[0] == '/') {
		oci_error("annotations.%s \"%s\": a path inside the bundle, relative to it",
			  OCI_POLICY_ANNOTATION, name);
		return -1;
	}
	if ((fd = open_host(bundle, name, true, "annotations." OCI_POLICY_ANNOTATION)) < 0)
		return -1;
	if (canonical(fd, path, sizeof(path), "annotations." OCI_POLICY_ANNOTATION))
		goto out;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 022)) {
		oci_error("annotations.%s \"%s\": not a regular file of lstar-oci's user that "
			  "only it may write", OCI_POLICY_ANNOTATION, name);
		goto out;
	}
	n = strlen(root);
	if (!strncmp(path, root, n) && (path[n] == '/' || !strcmp(root, "/"))) {
		oci_error("annotations.%s \"%s\": lies in root.path, the image's files: an "
			  "image may not choose its own policy", OCI_POLICY_ANNOTATION, name);
		goto out;
	}
	/* A copy, read whole now: what the container runs under cannot be
	 * changed between create and start. */
	close(fd);
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    (out = openat(statefd, "bundle.policy", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
			  O_CLOEXEC, 0600)) < 0) {
		oci_error("annotations.%s \"%s\": %s", OCI_POLICY_ANNOTATION, name, strerror(errno));
		goto out;
	}
	while ((got = read(fd, buf, sizeof(buf))) > 0 && (total += (size_t)got) <= (1u << 20))
		if (write(out, buf, (size_t)got) != got)
			got = -1;
	close(out);
	if (got < 0 || total > (1u << 20)) {
		oci_error("annotations.%s \"%s\": %s", OCI_POLICY_ANNOTATION, name,
			  got < 0 ? strerror(errno) : "larger than a policy may be (1 MiB)");
		goto out;
	}
	snprintf(copy, sizeof(copy), "%s/bundle.policy", state_dir);
	fputs("use ", pol);
	policy_quote(pol, copy);
	fputc('\n', pol);
	err = 0;
out:
	if (fd >= 0)
		close(fd);
	return err;
}

static void left_alone(const struct json *cfg)
{
	static const char *const linux_fields[] = {
		"namespaces", "seccomp", "cgroupsPath", "sysctl", "maskedPaths",
		"readonlyPaths", "devices", "uidMappings", "gidMappings", "mountLabel",
	};
	const struct json *lx = json_get(cfg, "linux");

	for (size_t i = 0; i < sizeof(linux_fields) / sizeof(linux_fields[0]); i++)
		if (json_get(lx, linux_fields[i]))
			oci_info("linux.%s: left; the sandbox is a VM of its own", linux_fields[i]);
}

int oci_bundle_read(const char *bundle, const char *lstar, const char *state_dir, int statefd,
		    struct oci_process *p, struct json **annotations_out)
{
	const struct json *root, *rootpath, *ro, *ver, *ann, *host, *hooks, *lx, *mem;
	struct json *cfg;
	char err[256], path[4096], *text = NULL;
	struct strv *a = &p->args;
	size_t text_len = 0;
	bool bad = false;
	FILE *pol = NULL;
	int bfd, fd;

	*p = (struct oci_process){ 0 };
	if ((bfd = open(bundle, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
		oci_error("bundle %s: %s", bundle, strerror(errno));
		return -1;
	}
	cfg = json_load(bfd, "config.json", err, sizeof(err));
	close(bfd);
	if (!cfg) {
		oci_error("%s/config.json: %s", bundle, err);
		return -1;
	}
	if (cfg->type != JSON_OBJECT) {
		oci_error("%s/config.json: not a JSON object", bundle);
		goto bad;
	}
	ver = field(cfg, "ociVersion", "", JSON_STRING, &bad);
	root = field(cfg, "root", "", JSON_OBJECT, &bad);
	ann = field(cfg, "annotations", "", JSON_OBJECT, &bad);
	host = field(cfg, "hostname", "", JSON_STRING, &bad);
	hooks = field(cfg, "hooks", "", JSON_OBJECT, &bad);
	lx = field(cfg, "linux", "", JSON_OBJECT, &bad);
	if (bad)
		goto bad;
	if (!ver || strncmp(ver->text, "1.", 2)) {
		oci_error("ociVersion: lstar-oci reads version 1 of the runtime spec, not \"%s\"",
			  ver ? ver->text : "(none)");
		goto bad;
	}
	for (size_t i = 0; ann && i < ann->n; i++)
		if (ann->item[i].type != JSON_STRING) {
			oci_error("annotations.%s: a string", ann->key[i]);
			goto bad;
		}
	if (hooks && hooks->n) {
		oci_error("hooks: lstar-oci runs no hooks (each would run outside the sandbox)");
		goto bad;
	}
	rootpath = root ? field(root, "path", "root.", JSON_STRING, &bad) : NULL;
	ro = root ? field(root, "readonly", "root.", JSON_BOOL, &bad) : NULL;
	if (bad || !rootpath) {
		oci_error("root.path: required");
		goto bad;
	}
	/* lstar run's options: the container's policy first, so that the
	 * tmpfs mounts and the rest add to it as on any command line. */
	if (strv_add(a, lstar) || strv_add(a, "run") || strv_add(a, "--inside") ||
	    strv_addf(a, "--policy=%s/lstar.policy", state_dir))
		goto bad;
	/* That policy, made here and kept in the container's directory: the
	 * annotation's policy, then its trees as the host names them now. */
	if (!(pol = open_memstream(&text, &text_len)))
		goto bad;
	fprintf(pol, "# lstar-oci: the policy of the container made from %s/config.json\n", bundle);
	if ((fd = open_host(bundle, rootpath->text, true, "root.path")) < 0 ||
	    canonical(fd, path, sizeof(path), "root.path")) {
		if (fd >= 0)
			close(fd);
		goto bad;
	}
	if (policy(bundle, path, ann, statefd, state_dir, pol) ||
	    grant(pol, fd, ro && ro->boolean, "/", "root.path") ||
	    mounts(bundle, field(cfg, "mounts", "", JSON_ARRAY, &bad), a, pol) || bad)
		goto bad;
	if (fclose(pol)) {
		pol = NULL;
		goto bad;
	}
	pol = NULL;
	if ((fd = openat(statefd, "lstar.policy", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
			 O_CLOEXEC, 0600)) < 0 || write(fd, text, text_len) != (ssize_t)text_len) {
		oci_error("%s/lstar.policy: %s", state_dir, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto bad;
	}
	close(fd);
	if (host && host->text[0] && strv_addf(a, "--hostname=%s", host->text))
		goto bad;
	if ((mem = json_get(json_get(json_get(lx, "resources"), "memory"), "limit"))) {
		int64_t limit;

		if (json_i64(mem, &limit)) {
			oci_error("linux.resources.memory.limit: an integer");
			goto bad;
		}
		/* -1 (or 0) is no limit: lstar's default --mem then. */
		if (limit > 0 && (uint64_t)limit < LSTAR_MEM_MIN) {
			oci_error("linux.resources.memory.limit: %lld bytes; lstar needs at least %llu",
				  (long long)limit, (unsigned long long)LSTAR_MEM_MIN);
			goto bad;
		}
		if (limit > 0 && strv_addf(a, "--mem=%lluB", (unsigned long long)
					   ((uint64_t)limit > LSTAR_MEM_MAX ? LSTAR_MEM_MAX : (uint64_t)limit)))
			goto bad;
	}
	if (strv_addf(a, "--exec-socket=%s/exec.sock", state_dir))
		goto bad;
	if (process(json_get(cfg, "process"), p, false))
		goto bad;
	left_alone(cfg);
	/* Kept for `state`: taken out of cfg before it is freed. */
	if (annotations_out && ann)
		*annotations_out = json_take(ann);
	json_free(cfg);
	free(text);
	return 0;
bad:
	if (pol)
		fclose(pol);
	free(text);
	json_free(cfg);
	oci_process_free(p);
	return -1;
}

int oci_process_read(const char *path, const char *lstar, const char *exec_socket,
		     struct oci_process *p)
{
	char err[256];
	struct json *proc = json_load(AT_FDCWD, path, err, sizeof(err));
	int ret = -1;

	*p = (struct oci_process){ 0 };
	if (!proc) {
		oci_error("--process %s: %s", path, err);
		return -1;
	}
	if (!strv_add(&p->args, lstar) && !strv_add(&p->args, "exec") &&
	    !strv_addf(&p->args, "--socket=%s", exec_socket) &&
	    !process(proc, p, true))
		ret = 0;
	json_free(proc);
	if (ret)
		oci_process_free(p);
	return ret;
}
