/* SPDX-License-Identifier: MIT */
/*
 * include.c - reading the inputs: policy files, the stock profiles and
 * what `use` names, with loops, depth and sizes bounded.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compiler.h"

/*
 * read_file - the whole of path into *buf (NUL-terminated, *len bytes;
 * the caller frees it) and its identity into *st.  0, or -errno; -EFBIG
 * beyond MAX_TEXT.
 */
static int read_file(const char *path, char **buf, size_t *len, struct stat *st)
{
	size_t n = 0;
	char *b;
	int fd, err = 0;

	/* O_NONBLOCK: a FIFO or a device must not hang the open; only a
	 * regular file is read. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, st) < 0)
		err = -errno;
	else if (S_ISDIR(st->st_mode))
		err = -EISDIR;
	else if (!S_ISREG(st->st_mode))
		err = -EFTYPE_NOT_REGULAR;
	if (err) {
		close(fd);
		return err;
	}
	/* One byte more than allowed, to tell "exactly 1 MiB" from "more". */
	if (!(b = malloc(MAX_TEXT + 2))) {
		close(fd);
		return -ENOMEM;
	}
	while (n <= MAX_TEXT) {
		ssize_t r = read(fd, b + n, MAX_TEXT + 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			break;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (!err && n > MAX_TEXT)
		err = -EFBIG;
	if (err) {
		free(b);
		return err;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

/* The reason read_file gave, as a message says it. */
static const char *read_error(int err)
{
	if (err == -EFBIG)
		return "file is too large (more than 1 MiB)";
	if (err == -EFTYPE_NOT_REGULAR)
		return "not a regular file";
	return strerror(-err);
}

/* The directory part of path ("/" for "/x"), or NULL when it has none:
 * relative `use` paths then start at the working directory. */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return NULL;
	return slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
}

/* The stock profile called name, or NULL. */
static const struct lstar_policy_profile *find_profile(const char *name)
{
	for (const struct lstar_policy_profile *p = lstar_policy_profiles; p->name; p++)
		if (!strcmp(p->name, name))
			return p;
	return NULL;
}

static const char *profile_at(size_t i, void *ctx)
{
	(void)ctx;
	return lstar_policy_profiles[i].name;
}

static size_t nprofiles(void)
{
	size_t n = 0;

	while (lstar_policy_profiles[n].name)
		n++;
	return n;
}

/*
 * enter - read text as the next frame of the use chain.  Reports a chain
 * that is too deep at column col of the current line.
 */
static void enter(struct compiler *c, struct frame *f, const char *text, size_t len, int col)
{
	/* The same file `use`d from many places is read each time: a few
	 * levels of that multiply, so the whole read is bounded too. */
	if (++c->files_read > MAX_USE_FILES) {
		policy_error(c, col, "is one file `use`d from many places? use it once",
		      "more than %d files read through 'use'", MAX_USE_FILES);
		c->stopped = true;
		return;
	}
	if (c->depth == MAX_USE_DEPTH) {
		policy_error(c, col, "a loop of profiles? otherwise flatten a few of them",
		      "'use' nested too deeply (more than %d files)", MAX_USE_DEPTH);
		return;
	}
	if (policy_add_file(c, f->name, &f->file) < 0) {
		policy_error(c, col, NULL, "out of memory");
		return;
	}
	policy_compile_text(c, f, text, len);
}

/* Report the use loop that starts at frame from and comes back to it. */
static void use_loop(struct compiler *c, int from, int col)
{
	char chain[MAX_USE_DEPTH * (SHOW_BUF + 4) + SHOW_BUF], q[SHOW_BUF];
	size_t o = 0;

	for (int i = from; i < c->depth; i++)
		o += (size_t)snprintf(chain + o, sizeof(chain) - o, "%s -> ",
				      policy_show(q, sizeof(q), c->stack[i].name, strlen(c->stack[i].name)));
	snprintf(chain + o, sizeof(chain) - o, "%s",
		 policy_show(q, sizeof(q), c->stack[from].name, strlen(c->stack[from].name)));
	policy_error(c, col, NULL, "use loop: %s", chain);
}

/* "use PROFILE" or "use PATH" (a path has a '/'). */
void policy_stmt_use(struct compiler *c, const struct tok *toks, size_t n)
{
	const struct frame *cur = &c->stack[c->depth - 1];
	const struct tok *t = n >= 2 ? &toks[1] : NULL;
	char q[SHOW_BUF], hint[256];
	struct frame f = { 0 };
	char *what, *path, *text = NULL, *dir = NULL;
	struct stat st;
	size_t len;
	int r;

	if (!t || (t->kind != TK_WORD && t->kind != TK_STRING)) {
		policy_error(c, t ? t->col : policy_end_col(toks, n), "for example: use stdio, or use ./base.policy",
		      "expected a profile name or a path after 'use'");
		return;
	}
	if (n > 2) {
		policy_error(c, toks[2].col, "use one file per line", "expected the end of the line, got '%s'",
		      policy_show(q, sizeof(q), toks[2].s, toks[2].len));
		return;
	}
	if (memchr(t->s, '\0', t->len) || !(what = strndup(t->s, t->len))) {
		policy_error(c, t->col, NULL, "bad name in 'use'");
		return;
	}
	if (!strchr(what, '/')) {
		/* A stock profile: its name never reaches the file system, so a
		 * file next to the policy cannot stand in for it. */
		const struct lstar_policy_profile *p = find_profile(what);

		if (!p) {
			const char *best = policy_suggest(what, strlen(what), profile_at,
							  nprofiles(), NULL);

			if (best)
				snprintf(hint, sizeof(hint), "did you mean '%s'?", best);
			else
				snprintf(hint, sizeof(hint), "a file is named by a path with a '/', "
					 "such as ./%s", policy_show(q, sizeof(q), what, strlen(what)));
			policy_error(c, t->col, hint, "no stock profile named '%s'",
			      policy_show(q, sizeof(q), what, strlen(what)));
			free(what);
			return;
		}
		for (int i = 0; i < c->depth; i++)
			if (!c->stack[i].is_file && !strcmp(c->stack[i].name, p->name)) {
				use_loop(c, i, t->col);
				free(what);
				return;
			}
		f.name = p->name;
		enter(c, &f, p->text, strlen(p->text), t->col);
		free(what);
		return;
	}
	/* A file: relative to the directory of the file that uses it
	 * (joined without a "./" in the middle, for readable messages). */
	if (what[0] == '/' || !cur->dir || !strcmp(cur->dir, ".")) {
		path = what;
		what = NULL;
	} else if (asprintf(&path, "%s/%s", cur->dir,
			    strncmp(what, "./", 2) ? what : what + 2) < 0) {
		policy_error(c, t->col, NULL, "out of memory");
		free(what);
		return;
	}
	free(what);
	r = read_file(path, &text, &len, &st);
	if (r < 0) {
		policy_error(c, t->col, NULL, "cannot read %s: %s", policy_show(q, sizeof(q), path, strlen(path)),
		      read_error(r));
		goto out;
	}
	for (int i = 0; i < c->depth; i++)
		if (c->stack[i].is_file && c->stack[i].dev == st.st_dev &&
		    c->stack[i].ino == st.st_ino) {
			use_loop(c, i, t->col);
			goto out;
		}
	dir = dir_of(path);
	f = (struct frame){ .name = path, .dir = dir, .is_file = true,
			    .dev = st.st_dev, .ino = st.st_ino };
	enter(c, &f, text, len, t->col);
out:
	free(dir);
	free(text);
	free(path);
}

/* One of the caller's inputs: text, a file, or a stock profile. */
void policy_compile_input(struct compiler *c, const struct lstar_policy_input *in)
{
	const char *name = in->name ? in->name : "(unnamed)";
	struct frame f = { .name = name };
	const struct lstar_policy_profile *p;
	char *text = NULL, *dir = NULL;
	struct stat st;
	size_t len;
	int r;

	if (in->text) {
		len = strnlen(in->text, MAX_TEXT + 1);
		if (len > MAX_TEXT) {
			policy_input_error(c, name, "policy is too large (more than 1 MiB)");
			return;
		}
		/* A text's relative `use` paths start where its name says. */
		f.dir = dir = dir_of(name);
		if (policy_add_file(c, name, &f.file) < 0)
			policy_input_error(c, name, "out of memory");
		else
			policy_compile_text(c, &f, in->text, len);
		free(dir);
		return;
	}
	/* A file first (compile.h): `lstar run -p stdio` with a file named
	 * stdio in the working directory means that file. */
	r = read_file(name, &text, &len, &st);
	if (r == -ENOENT && !strchr(name, '/') && (p = find_profile(name))) {
		if (policy_add_file(c, p->name, &f.file) < 0)
			policy_input_error(c, name, "out of memory");
		else
			policy_compile_text(c, &f, p->text, strlen(p->text));
		return;
	}
	if (r < 0) {
		policy_input_error(c, name, "cannot read: %s", read_error(r));
		return;
	}
	f.is_file = true;
	f.dev = st.st_dev;
	f.ino = st.st_ino;
	f.dir = dir = dir_of(name);
	if (policy_add_file(c, name, &f.file) < 0)
		policy_input_error(c, name, "out of memory");
	else
		policy_compile_text(c, &f, text, len);
	free(dir);
	free(text);
}
