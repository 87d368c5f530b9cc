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
	size_t o = 0;
	const char *p = in;

	if (in[0] != '/') {
		oci_error("%s \"%s\": not an absolute path", what, in);
		return -1;
	}
	while (*p) {
		const char *c;
		size_t n;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		for (c = p; *p && *p != '/'; p++)
			;
		n = (size_t)(p - c);
		if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.')) {
			oci_error("%s \"%s\": holds \".\" or \"..\"", what, in);
			return -1;
		}
		if (o + 1 + n + 1 > len) {
			oci_error("%s \"%.64s...\": too long", what, in);
			return -1;
		}
		out[o++] = '/';
		memcpy(out + o, c, n);
		o += n;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	return 0;
}

/*
 * A host path the bundle names (the root, a bind mount's source, the
 * policy): absolute as it is, or relative to the bundle.  It must exist.
 * The root and the policy must lie beneath the bundle when relative, and
 * no component of theirs may be a symlink (whoever can write the bundle
 * could otherwise point the container's / at any host directory); bind
 * sources are the engine user's own choice (`-v /host:/data`) and are
 * resolved as `lstar run --rw` resolves its paths.
 */
static int host_path(const char *bundle, const char *in, bool literal, char *out, size_t len,
		     const char *what)
{
	struct open_how how = { .flags = O_PATH | O_CLOEXEC,
				.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS };
	int n, fd;

	if (!*in) {
		oci_error("%s: an empty path", what);
		return -1;
	}
	n = in[0] == '/' ? snprintf(out, len, "%s", in) : snprintf(out, len, "%s/%s", bundle, in);
	if (n < 0 || (size_t)n >= len) {
		oci_error("%s \"%.64s...\": too long", what, in);
		return -1;
	}
	if (!literal) {
		struct stat st;

		if (stat(out, &st) == 0)
			return 0;
		oci_error("%s \"%s\": %s", what, in, strerror(errno));
		return -1;
	}
	if (in[0] != '/') {
		int bfd = open(bundle, O_PATH | O_DIRECTORY | O_CLOEXEC);

		how.resolve |= RESOLVE_BENEATH;
		fd = bfd < 0 ? -1 : (int)syscall(SYS_openat2, bfd, in, &how, sizeof(how));
		if (bfd >= 0)
			close(bfd);
	} else {
		fd = (int)syscall(SYS_openat2, AT_FDCWD, out, &how, sizeof(how));
	}
	if (fd < 0) {
		oci_error("%s \"%s\": %s", what, in,
			  errno == ELOOP ? "a component is a symbolic link (name the directory itself)" :
			  errno == EXDEV ? "leads out of the bundle" : strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

/* What lstar's command line cannot carry: a colon before a slash in a
 * tree's source, any colon in its destination (--rw SRC:DEST splits at
 * the last ":/"). */
static bool fits_tree_option(const char *src, const char *dest, const char *what)
{
	if (strstr(src, ":/") || strchr(dest, ':')) {
		oci_error("%s %s:%s: lstar-oci cannot pass a path with \":/\" in its source "
			  "or ':' in its destination", what, src, dest);
		return false;
	}
	return true;
}

/* --- process ---------------------------------------------------------------- */

/* RLIMIT_NAME -> --rlimit name=SOFT:HARD, "unlimited" for 2^64-1. */
static const char *const rlimit_names[] = {
	"AS", "CORE", "CPU", "DATA", "FSIZE", "LOCKS", "MEMLOCK", "MSGQUEUE", "NICE",
	"NOFILE", "NPROC", "RSS", "RTPRIO", "RTTIME", "SIGPENDING", "STACK",
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
		char lower[16], soft_s[24], hard_s[24];
		uint64_t soft, hard;
		size_t k, nnames = sizeof(rlimit_names) / sizeof(rlimit_names[0]);

		if (r->type != JSON_OBJECT || !type || type->type != JSON_STRING) {
			oci_error("process.rlimits[%zu]: an object with a \"type\" string", i);
			return -1;
		}
		for (k = 0; k < nnames; k++)
			if (!strncmp(type->text, "RLIMIT_", 7) && !strcmp(type->text + 7, rlimit_names[k]))
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
		 * LSTAR_MAX_FDS, and a program asking for more would fail as
		 * it would at the hard limit. */
		if (!strcmp(rlimit_names[k], "NOFILE") && hard > LSTAR_MAX_FDS) {
			oci_info("process.rlimits: RLIMIT_NOFILE %llu lowered to %d, the size "
				 "of lstar's descriptor table", (unsigned long long)hard, LSTAR_MAX_FDS);
			hard = LSTAR_MAX_FDS;
			if (soft > hard)
				soft = hard;
		}
		for (size_t c = 0; c < sizeof(lower); c++)
			if (!(lower[c] = (char)(rlimit_names[k][c] ? rlimit_names[k][c] | 0x20 : 0)))
				break;
		put_limit(soft_s, sizeof(soft_s), soft);
		put_limit(hard_s, sizeof(hard_s), hard);
		if (strv_addf(args, "--rlimit=%s=%s:%s", lower, soft_s, hard_s))
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
	return strv_addf(args, "--uid=%llu", (unsigned long long)uid) ||
	       strv_addf(args, "--gid=%llu", (unsigned long long)gid) ? -1 : 0;
}

/* What the runtime spec's process object says, as lstar options; the
 * program and its arguments come last, after "--". */
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
	return 0;
}

/* args go after "--": the program and its arguments, as the engine gave
 * them (lstar run --inside finds a bare name in the PATH of --env). */
static int program(const struct json *proc, struct strv *a)
{
	const struct json *args = json_get(proc, "args");

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
 * One mount: a bind becomes a tree (--ro/--rw SRC:DEST), a tmpfs a
 * private directory (--tmpfs DEST[:SIZE]); the kernel file systems a
 * container always has map onto what lstar shows anyway; the rest is
 * refused.
 */
static int mount_one(const char *bundle, const struct json *m, size_t i, struct strv *a)
{
	const struct json *dest = json_get(m, "destination"), *type = json_get(m, "type"),
			  *src = json_get(m, "source"), *opts = json_get(m, "options");
	char where[4096], from[4096], what[48];
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
		if (host_path(bundle, src->text, false, from, sizeof(from), what) ||
		    !fits_tree_option(from, where, what))
			return -1;
		return strv_addf(a, "--%s=%s:%s", ro ? "ro" : "rw", from, where);
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

static int mounts(const char *bundle, const struct json *list, struct strv *a)
{
	for (size_t i = 0; list && i < list->n; i++)
		if (mount_one(bundle, &list->item[i], i, a))
			return -1;
	return 0;
}

/* --- the whole config --------------------------------------------------------- */

/* The annotation's policy: a stock profile's name, or a file in the
 * bundle (a name with a '/' or ending in ".policy"). */
static int policy(const char *bundle, const struct json *annotations, struct strv *a)
{
	const struct json *pol = json_get(annotations, OCI_POLICY_ANNOTATION);
	char path[4096];
	size_t n;

	if (!pol)
		return strv_add(a, "--policy=default");
	if (pol->type != JSON_STRING || !pol->text[0]) {
		oci_error("annotations.%s: a stock profile's name or a file in the bundle",
			  OCI_POLICY_ANNOTATION);
		return -1;
	}
	n = strlen(pol->text);
	if (!strchr(pol->text, '/') && (n < 7 || strcmp(pol->text + n - 7, ".policy")))
		return strv_addf(a, "--policy=%s", pol->text);
	if (pol->text[0] == '/') {
		oci_error("annotations.%s \"%s\": a path inside the bundle, relative to it",
			  OCI_POLICY_ANNOTATION, pol->text);
		return -1;
	}
	if (host_path(bundle, pol->text, true, path, sizeof(path), "annotations." OCI_POLICY_ANNOTATION))
		return -1;
	return strv_addf(a, "--policy=%s", path);
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

int oci_bundle_read(const char *bundle, const char *lstar, const char *exec_socket,
		    struct oci_process *p, struct json **annotations_out)
{
	const struct json *root, *rootpath, *ro, *ver, *ann, *host, *hooks, *lx, *mem;
	struct json *cfg;
	char err[256], path[4096];
	struct strv *a = &p->args;
	bool bad = false;
	int bfd;

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
	if (host_path(bundle, rootpath->text, true, path, sizeof(path), "root.path") ||
	    !fits_tree_option(path, "/", "root.path"))
		goto bad;
	if (strv_add(a, lstar) || strv_add(a, "run") || strv_add(a, "--inside") ||
	    policy(bundle, ann, a) ||
	    strv_addf(a, "--%s=%s:/", ro && ro->boolean ? "ro" : "rw", path))
		goto bad;
	if (mounts(bundle, field(cfg, "mounts", "", JSON_ARRAY, &bad), a) || bad)
		goto bad;
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
	if (exec_socket && strv_addf(a, "--exec-socket=%s", exec_socket))
		goto bad;
	if (process(json_get(cfg, "process"), p, false) || program(json_get(cfg, "process"), a))
		goto bad;
	left_alone(cfg);
	if (annotations_out && ann) {
		/* Kept for `state`: detached from cfg before it is freed. */
		struct json *copy = malloc(sizeof(*copy));

		if (copy) {
			*copy = *ann;
			*(struct json *)ann = (struct json){ .type = JSON_NULL };
		}
		*annotations_out = copy;
	}
	json_free(cfg);
	return 0;
bad:
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
	    !process(proc, p, true) && !program(proc, &p->args))
		ret = 0;
	json_free(proc);
	if (ret)
		oci_process_free(p);
	return ret;
}
