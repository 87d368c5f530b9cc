/* SPDX-License-Identifier: MIT */
/*
 * compile.c - the policy compiler: policy text in, the table of policy.h
 * out, and every mistake reported as FILE:LINE:COL with a hint where one
 * helps.  docs/POLICY.md is the language's reference.
 *
 * The compiler reads each input line by line.  A line is cut into tokens,
 * its statement is parsed completely, and only a statement without errors
 * adds anything: rules, conditions, a path, a limit, the default.  Rules
 * are kept in source order (a `use` expands in place); when everything
 * is read they are grouped by syscall number, each group keeping that
 * order, which is all the evaluator needs for "the last match wins".
 *
 * Policy text is untrusted input: lines may be of any length and hold any
 * byte, numbers may overflow, `use` may loop.  Every size is checked
 * against the table's limits before it is used.
 *
 * This file is the driver; compiler.h lists the other parts (lexer,
 * statements, inputs, table, messages) and what they share.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"

/* Make room for one more element of size elem in *arr (count n, capacity
 * *cap).  0, or -1 when out of memory (then *arr is unchanged). */
int policy_grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	p = reallocarray(*arr, ncap, elem);
	if (!p)
		return -1;
	*arr = p;
	*cap = ncap;
	return 0;
}


int policy_add_file(struct compiler *c, const char *name, uint32_t *id)
{
	char *copy = strdup(name);

	if (!copy || GROW(c, files, nfiles, files_cap) < 0) {
		free(copy);
		return -1;
	}
	*id = (uint32_t)c->nfiles;
	c->files[c->nfiles++] = copy;
	return 0;
}

/* A source entry for the statement being read (text: its trimmed text).
 * Returns its index, or -1 when out of memory (reported). */
int64_t policy_add_source(struct compiler *c, const char *text, size_t len)
{
	const struct frame *f = &c->stack[c->depth - 1];
	char *copy;

	if (c->nsrcs >= UINT32_MAX || GROW(c, srcs, nsrcs, srcs_cap) < 0 ||
	    !(copy = strndup(text, len))) {
		policy_error(c, 0, NULL, "out of memory");
		return -1;
	}
	c->srcs[c->nsrcs] = (struct src){ .file = f->file, .line = f->line, .text = copy };
	return (int64_t)c->nsrcs++;
}

static const char *const keywords[] = {
	"default", "use", "allow", "deny", "kill", "log", "path", "limit", "net",
};

static const char *keyword_at(size_t i, void *ctx)
{
	(void)ctx;
	return keywords[i];
}

/* One line: cut it into tokens and carry out its statement. */
static void compile_line(struct compiler *c, const char *line, size_t len,
			 struct tok **toks, size_t *cap)
{
	const char *text;
	size_t n = 0, text_len;
	uint8_t action;
	char q[SHOW_BUF], hint[128];

	if (policy_tokenize(c, line, len, toks, &n, cap) < 0)
		goto out;
	if (n == 0)
		goto out;
	/* The statement as sources record it: no comment, no outer blanks. */
	text = line + (*toks)[0].col - 1;
	text_len = (*toks)[n - 1].end - (size_t)((*toks)[0].col - 1);
	if (policy_is_word(&(*toks)[0], "default"))
		policy_stmt_default(c, *toks, n, text, text_len);
	else if (policy_is_word(&(*toks)[0], "use"))
		policy_stmt_use(c, *toks, n);
	else if (policy_is_action(&(*toks)[0], &action))
		policy_stmt_rule(c, *toks, n, text, text_len);
	else if (policy_is_word(&(*toks)[0], "path"))
		policy_stmt_path(c, *toks, n, text, text_len);
	else if (policy_is_word(&(*toks)[0], "limit"))
		policy_stmt_limit(c, *toks, n, text, text_len);
	else if (policy_is_word(&(*toks)[0], "net"))
		policy_stmt_net(c, *toks, n, text, text_len);
	else {
		policy_did_you_mean(hint, sizeof(hint), (*toks)[0].s, (*toks)[0].len, keyword_at,
			     sizeof(keywords) / sizeof(keywords[0]), NULL);
		policy_error(c, (*toks)[0].col,
		      *hint ? hint : "statements are: default, use, allow, deny, kill, log, path, limit, net",
		      "unknown statement '%s'", policy_show(q, sizeof(q), (*toks)[0].s, (*toks)[0].len));
	}
out:
	policy_free_toks(*toks, n);
}

/* Read text (len bytes) as frame f, pushed for the time it takes. */
void policy_compile_text(struct compiler *c, struct frame *f, const char *text, size_t len)
{
	struct tok *toks = NULL;
	size_t cap = 0, off = 0;

	c->stack[c->depth++] = *f;
	/* Line by line, each statement complete in itself: an error in one
	 * line never hides the next line's mistakes. */
	while (off < len && !c->stopped) {
		const char *line = text + off;
		const char *nl = memchr(line, '\n', len - off);
		size_t line_len = nl ? (size_t)(nl - line) : len - off;

		c->stack[c->depth - 1].line++;
		compile_line(c, line, line_len, &toks, &cap);
		off += line_len + 1;
	}
	free(toks);
	c->depth--;
}

int lstar_policy_compile(const struct lstar_policy_input *in, int n,
			 struct lstar_policy *out, FILE *diag)
{
	struct compiler c = {
		.diag = diag,
		.dflt = { .action = LSTAR_ACT_ERRNO, .err = EPERM, .src = 0 },
		.dflt_file = -1, .mem_file = -1, .time_file = -1, .files_file = -1,
		.threads_file = -1,
		.procs_file = -1, .dns_file = -1,
	};
	uint32_t builtin;

	memset(out, 0, sizeof(*out));
	/* sources[0]: where the default comes from when no line sets one. */
	if (policy_add_file(&c, "(built-in)", &builtin) < 0 || GROW(&c, srcs, nsrcs, srcs_cap) < 0 ||
	    !(c.srcs[0].text = strdup("default deny"))) {
		policy_input_error(&c, "policy", "out of memory");
		goto out;
	}
	c.srcs[0].file = builtin;
	c.srcs[0].line = 0;
	c.nsrcs = 1;
	for (int i = 0; i < n && !c.stopped; i++)
		policy_compile_input(&c, &in[i]);
	if (c.errors)
		goto out;
	if (policy_build(&c, out) < 0) {
		policy_input_error(&c, "policy", "out of memory");
		goto out;
	}
	/* The table is what the shim will trust: never hand out one that
	 * does not validate, whatever bug made it. */
	if (lstar_policy_validate(out->table, out->table_size) < 0)
		policy_input_error(&c, "policy", "internal error: the compiled table does not validate");
out:
	if (c.errors)
		lstar_policy_free(out);
	for (size_t i = 0; i < c.nfiles; i++)
		free(c.files[i]);
	for (size_t i = 0; i < c.nsrcs; i++)
		free(c.srcs[i].text);
	for (size_t i = 0; i < c.npaths; i++) {
		free(c.paths[i].path);
		free(c.paths[i].guest);
	}
	free(c.files);
	free(c.srcs);
	free(c.rules);
	free(c.conds);
	free(c.paths);
	free(c.nets);
	free(c.dns_conf);
	free(c.seen);
	return c.errors;
}

void lstar_policy_free(struct lstar_policy *p)
{
	free(p->table);
	free(p->sources);	/* and the strings after the array */
	for (int i = 0; i < p->npaths; i++) {
		free(p->paths[i].path);
		free(p->paths[i].guest);
	}
	free(p->paths);
	free(p->nets);
	free(p->dns_conf);
	memset(p, 0, sizeof(*p));
}

const char *lstar_policy_where(const struct lstar_policy *p, uint32_t src,
			       char *buf, size_t len)
{
	if (len == 0)
		return buf;
	if (!p || src >= p->nsources)
		snprintf(buf, len, "?");
	else if (p->sources[src].line == 0)
		snprintf(buf, len, "%s", p->sources[src].file);
	else
		snprintf(buf, len, "%s:%d", p->sources[src].file, p->sources[src].line);
	return buf;
}
