/* SPDX-License-Identifier: MIT */
/*
 * parse.c - the statements: a rule and its conditions, `default`,
 * `path` (and the rules it implies), `limit`.  A statement is parsed
 * completely; only one without errors adds anything.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"

/*
 * parse_value - a value at toks[*i]: numbers and constant names joined by
 * '|'.  Sets *dirfd when it names AT_FDCWD.  0 (and *i past it) or -1.
 */
static int parse_value(struct compiler *c, const struct tok *toks, size_t n, size_t *i,
		       uint64_t *out, bool *dirfd, const char *what)
{
	char q[SHOW_BUF], hint[128];
	uint64_t v = 0;

	for (;;) {
		const struct tok *t = *i < n ? &toks[*i] : NULL;
		uint64_t term;

		if (!t || t->kind != TK_WORD) {
			policy_error(c, t ? t->col : (n ? (int)toks[n - 1].end + 1 : 1),
			      "a value is a number (1, 0x41) or a constant (O_RDONLY), "
			      "or several joined by '|'",
			      "expected %s", what);
			return -1;
		}
		if (policy_starts_number(t)) {
			if (policy_number_tok(c, t, &term) < 0)
				return -1;
		} else {
			const struct policy_const *k = policy_const_find(t->s, t->len);

			if (!k) {
				policy_error(c, t->col, policy_did_you_mean(hint, sizeof(hint), t->s, t->len,
							      policy_const_at, policy_nconsts, NULL),
				      "unknown constant '%s'", policy_show(q, sizeof(q), t->s, t->len));
				return -1;
			}
			term = k->value;
			if (k->cls == POLICY_CLS_DIRFD)
				*dirfd = true;
		}
		v |= term;
		(*i)++;
		if (*i < n && toks[*i].kind == TK_PIPE) {
			(*i)++;
			continue;
		}
		*out = v;
		return 0;
	}
}

/* argN at t into *arg.  0 or -1. */
static int parse_arg(struct compiler *c, const struct tok *t, uint8_t *arg)
{
	char q[SHOW_BUF];
	uint64_t n;

	if (t->kind != TK_WORD || t->len < 4 || memcmp(t->s, "arg", 3) != 0 ||
	    policy_parse_number(t->s + 3, t->len - 3, &n) < 0 || (t->len > 4 && t->s[3] == '0')) {
		policy_error(c, t->col, "a condition starts with arg0..arg5 or (argN & MASK)",
		      "expected an argument (arg0..arg5), got '%s'",
		      policy_show(q, sizeof(q), t->s, t->len));
		return -1;
	}
	if (n > 5) {
		policy_error(c, t->col, "arguments are arg0..arg5",
		      "no argument %s: a syscall has six", policy_show(q, sizeof(q), t->s, t->len));
		return -1;
	}
	*arg = (uint8_t)n;
	return 0;
}

/*
 * never_holds - why no register value can satisfy cond, or NULL when some
 * can.  ((x & mask) is at most mask, and compares unsigned.)
 */
static const char *never_holds(const struct lstar_policy_cond *k, char *buf, size_t size)
{
	/* A zero mask leaves 0 to compare, whatever the argument. */
	if (k->mask == 0) {
		uint64_t v = k->value;
		bool holds = k->op == LSTAR_CMP_EQ ? v == 0 : k->op == LSTAR_CMP_NE ? v != 0 :
			     k->op == LSTAR_CMP_LT ? 0 < v : k->op == LSTAR_CMP_LE ? true :
			     k->op == LSTAR_CMP_GT ? false : v == 0;

		return holds ? NULL : "the mask 0 leaves 0 to compare, whatever the argument";
	}
	switch (k->op) {
	case LSTAR_CMP_EQ:
		if (k->value & ~k->mask) {
			snprintf(buf, size, "0x%llx has bits outside the mask 0x%llx",
				 (unsigned long long)k->value, (unsigned long long)k->mask);
			return buf;
		}
		break;
	case LSTAR_CMP_LT:
		if (k->value == 0)
			return "arguments are unsigned: nothing is below 0";
		break;
	case LSTAR_CMP_GT:
		if (k->value >= k->mask) {
			snprintf(buf, size, "nothing is above 0x%llx", (unsigned long long)k->mask);
			return buf;
		}
		break;
	case LSTAR_CMP_GE:
		if (k->value > k->mask) {
			snprintf(buf, size, "nothing is above 0x%llx", (unsigned long long)k->mask);
			return buf;
		}
		break;
	}
	return NULL;
}

/*
 * parse_cond - one condition at toks[*i]: "argN OP VALUE" or
 * "(argN & MASK) OP VALUE".  0 (and *i past it) or -1.
 */
static int parse_cond(struct compiler *c, const struct tok *toks, size_t n, size_t *i,
		      struct lstar_policy_cond *out)
{
	const struct tok *t = *i < n ? &toks[*i] : NULL;
	int col = t ? t->col : (n ? (int)toks[n - 1].end + 1 : 1);
	bool dirfd = false, junk = false;
	char why[128];
	const char *never;

	memset(out, 0, sizeof(*out));
	out->mask = UINT64_MAX;
	if (!t) {
		policy_error(c, col, "for example: arg0 == 1, or (arg2 & O_ACCMODE) == O_RDONLY",
		      "expected a condition");
		return -1;
	}
	if (t->kind == TK_LPAREN) {
		(*i)++;
		if (*i >= n) {
			policy_error(c, col + 1, NULL, "expected an argument (arg0..arg5) after '('");
			return -1;
		}
		if (parse_arg(c, &toks[*i], &out->arg) < 0)
			return -1;
		(*i)++;
		if (*i >= n || toks[*i].kind != TK_AMP) {
			policy_error(c, *i < n ? toks[*i].col : (int)toks[n - 1].end + 1,
			      "inside parentheses an argument is masked: (arg2 & O_ACCMODE)",
			      "expected '&' after arg%u", out->arg);
			return -1;
		}
		(*i)++;
		if (parse_value(c, toks, n, i, &out->mask, &junk, "a mask after '&'") < 0)
			return -1;
		if (*i >= n || toks[*i].kind != TK_RPAREN) {
			policy_error(c, *i < n ? toks[*i].col : (int)toks[n - 1].end + 1, NULL,
			      "expected ')' after the mask");
			return -1;
		}
		(*i)++;
	} else if (parse_arg(c, t, &out->arg) < 0) {
		return -1;
	} else {
		(*i)++;
	}
	if (*i >= n || toks[*i].kind != TK_CMP) {
		policy_error(c, *i < n ? toks[*i].col : (int)toks[n - 1].end + 1, NULL,
		      "expected a comparison (==, !=, <, <=, >, >=) after arg%u", out->arg);
		return -1;
	}
	out->op = (uint8_t)toks[*i].op;
	(*i)++;
	if (parse_value(c, toks, n, i, &out->value, &dirfd, "a value to compare with") < 0)
		return -1;
	never = never_holds(out, why, sizeof(why));
	if (never) {
		policy_error(c, col, NULL, "this condition can never hold: %s", never);
		return -1;
	}
	(void)dirfd;
	return 0;
}

/* Is t a rule's action word?  Its action into *action. */
bool policy_is_action(const struct tok *t, uint8_t *action)
{
	static const struct { const char *word; uint8_t action; } words[] = {
		{ "allow", LSTAR_ACT_ALLOW }, { "deny", LSTAR_ACT_ERRNO },
		{ "kill", LSTAR_ACT_KILL }, { "log", LSTAR_ACT_LOG },
	};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (policy_is_word(t, words[i].word)) {
			*action = words[i].action;
			return true;
		}
	return false;
}

/* `errno NAME|NUMBER` with toks[*i] at NAME.  0 or -1. */
static int parse_errno(struct compiler *c, const struct tok *toks, size_t n, size_t *i,
		       uint16_t *err)
{
	const struct tok *t = *i < n ? &toks[*i] : NULL;
	char q[SHOW_BUF], hint[128];
	uint64_t v;
	int e;

	if (!t || t->kind != TK_WORD) {
		policy_error(c, t ? t->col : (int)toks[n - 1].end + 1, "for example: errno EACCES",
		      "expected an errno name or number after 'errno'");
		return -1;
	}
	if (policy_starts_number(t)) {
		if (policy_number_tok(c, t, &v) < 0)
			return -1;
		if (v == 0 || v > LSTAR_POLICY_MAX_ERRNO) {
			policy_error(c, t->col, NULL, "errno %s is out of range: 1..%d",
			      policy_show(q, sizeof(q), t->s, t->len), LSTAR_POLICY_MAX_ERRNO);
			return -1;
		}
		e = (int)v;
	} else if ((e = policy_errno_find(t->s, t->len)) < 0) {
		policy_error(c, t->col, policy_did_you_mean(hint, sizeof(hint), t->s, t->len,
					      policy_errno_at, policy_nerrnos(), NULL),
		      "unknown errno '%s'", policy_show(q, sizeof(q), t->s, t->len));
		return -1;
	}
	*err = (uint16_t)e;
	(*i)++;
	return 0;
}

/* The column just past the last token: where a missing word would go. */
int policy_end_col(const struct tok *toks, size_t n)
{
	return n ? (int)toks[n - 1].end + 1 : 1;
}

/* A syscall's name for a message: its name, or its number. */
static const char *syscall_label(uint64_t nr, char *buf, size_t len)
{
	const char *name = lstar_policy_syscall_name(nr);

	if (name)
		return name;
	snprintf(buf, len, "%llu", (unsigned long long)nr);
	return buf;
}

/* "allow|deny|kill|log SYSCALL... [errno E] [if COND [and COND]...]" */
void policy_stmt_rule(struct compiler *c, const struct tok *toks, size_t n,
		      const char *text, size_t text_len)
{
	struct lstar_policy_cond conds[MAX_RULE_CONDS];
	int nrs[LSTAR_POLICY_NR], cols[LSTAR_POLICY_NR], ccols[MAX_RULE_CONDS];
	struct lstar_policy_cond prev_wide[MAX_RULE_CONDS];
	size_t nnames = 0, ncond = 0, i = 1;
	bool bad = false, have_errno = false, have_if = false;
	uint8_t action = LSTAR_ACT_ALLOW;
	uint16_t err = 0, first;
	char q[SHOW_BUF], hint[128];
	int64_t src;

	policy_is_action(&toks[0], &action);
	/* The syscalls: every word up to `if`, `errno` or the end. */
	for (; i < n && toks[i].kind == TK_WORD && !policy_is_word(&toks[i], "if") &&
	       !policy_is_word(&toks[i], "errno"); i++) {
		const struct tok *t = &toks[i];
		char name[SHOW_MAX + 1];
		int nr = -1;
		bool again = false;

		if (policy_starts_number(t)) {
			uint64_t v;

			if (policy_number_tok(c, t, &v) < 0) {
				bad = true;
				continue;
			}
			if (v >= LSTAR_POLICY_NR) {
				policy_error(c, t->col, NULL, "syscall number %llu is out of range: 0..%d",
				      (unsigned long long)v, LSTAR_POLICY_NR - 1);
				bad = true;
				continue;
			}
			nr = (int)v;
		} else if (t->len <= SHOW_MAX) {
			memcpy(name, t->s, t->len);
			name[t->len] = '\0';
			nr = lstar_policy_syscall_number(name);
		}
		if (nr < 0 && t->len <= SHOW_MAX && policy_syscall_elsewhere(name)) {
			policy_error(c, t->col, "lstar runs x86-64 programs",
			      "'%s' is not an x86-64 syscall", policy_show(q, sizeof(q), t->s, t->len));
			bad = true;
			continue;
		}
		if (nr < 0) {
			policy_error(c, t->col, policy_did_you_mean(hint, sizeof(hint), t->s, t->len,
						      policy_syscall_at, LSTAR_POLICY_NR, NULL),
			      "unknown syscall '%s'", policy_show(q, sizeof(q), t->s, t->len));
			bad = true;
			continue;
		}
		for (size_t j = 0; j < nnames; j++)
			again |= nrs[j] == nr;
		if (again) {
			policy_warning(c, t->col, NULL, "'%s' is named twice on this line",
				policy_show(q, sizeof(q), t->s, t->len));
			continue;
		}
		nrs[nnames] = nr;
		cols[nnames++] = t->col;
	}
	if (nnames == 0 && !bad) {
		policy_error(c, i < n ? toks[i].col : policy_end_col(toks, n), "for example: allow read write",
		      "expected a syscall name after '%.*s'", (int)toks[0].len, toks[0].s);
		return;
	}
	/* Then `errno E` and `if CONDS`, each at most once, in either order. */
	while (i < n && !bad) {
		if (policy_is_word(&toks[i], "errno") && !have_errno) {
			if (action != LSTAR_ACT_ERRNO) {
				policy_error(c, toks[i].col, "only 'deny' fails a call with an errno",
				      "'errno' goes with 'deny', not '%.*s'",
				      (int)toks[0].len, toks[0].s);
				return;
			}
			i++;
			if (parse_errno(c, toks, n, &i, &err) < 0)
				return;
			have_errno = true;
		} else if (policy_is_word(&toks[i], "if") && !have_if) {
			i++;
			for (;;) {
				if (ncond == MAX_RULE_CONDS) {
					policy_error(c, i < n ? toks[i].col : policy_end_col(toks, n), NULL,
					      "too many conditions in one rule (at most %d)",
					      MAX_RULE_CONDS);
					return;
				}
				ccols[ncond] = i < n ? toks[i].col : policy_end_col(toks, n);
				if (parse_cond(c, toks, n, &i, &conds[ncond]) < 0)
					return;
				ncond++;
				if (i < n && policy_is_word(&toks[i], "and")) {
					i++;
					continue;
				}
				break;
			}
			have_if = true;
		} else {
			const char *or = policy_is_word(&toks[i], "or") ?
				"there is no 'or': write one rule per alternative" : NULL;

			policy_error(c, toks[i].col, or, "expected %s or the end of the line, got '%s'",
			      action == LSTAR_ACT_ERRNO ?
			      (have_if ? "'and', 'errno'" : "'if', 'errno'") :
			      (have_if ? "'and'" : "'if'"),
			      policy_show(q, sizeof(q), toks[i].s, toks[i].len));
			return;
		}
	}
	if (bad)
		return;
	if (action == LSTAR_ACT_ERRNO && !have_errno)
		err = EPERM;
	/* Each syscall compares only the bits its kernel reads (an int's
	 * low half, a mode's low 16 bits): a condition that cannot hold on
	 * them is an error, for that syscall. */
	for (size_t k = 0; k < nnames; k++) {
		for (size_t j = 0; j < ncond; j++) {
			struct lstar_policy_cond w = conds[j];
			uint64_t bits = policy_arg_bits(policy_arg_kind((uint64_t)nrs[k], w.arg));
			char why[128];
			const char *never;

			w.mask &= bits;
			if ((never = never_holds(&w, why, sizeof(why)))) {
				policy_error(c, ccols[j], bits == 0xffff ?
				      "a mode is compared on its low 16 bits, as the kernel reads it" :
				      "an int is compared on its low 32 bits, as the kernel reads it",
				      "this condition can never hold for %s: %s",
				      syscall_label((uint64_t)nrs[k], q, sizeof(q)), never);
				return;
			}
		}
	}
	/* Only now, with the whole line parsed: a bad line adds nothing.
	 * The rules of one line share its source, and its conditions where
	 * the syscalls read the same bits. */
	src = policy_add_source(c, text, text_len);
	if (src < 0)
		return;
	for (size_t k = 0; k < nnames; k++) {
		struct lstar_policy_cond wide[MAX_RULE_CONDS];
		struct rule r = {
			.nr = (uint16_t)nrs[k], .action = action, .err = err,
			.ncond = (uint16_t)ncond,
			.src = (uint32_t)src, .file = c->stack[c->depth - 1].file,
		};
		const char *name = lstar_policy_syscall_name((uint64_t)nrs[k]);
		char num[16];

		for (size_t j = 0; j < ncond; j++) {
			wide[j] = conds[j];
			wide[j].mask &= policy_arg_bits(policy_arg_kind((uint64_t)nrs[k],
									conds[j].arg));
		}
		if (k > 0 && !memcmp(wide, prev_wide, ncond * sizeof(wide[0]))) {
			r.first_cond = first;
		} else {
			if (policy_add_conds(c, wide, ncond, &first) < 0)
				return;
			r.first_cond = first;
			memcpy(prev_wide, wide, ncond * sizeof(wide[0]));
		}
		if (!name) {
			snprintf(num, sizeof(num), "%d", nrs[k]);
			name = num;
		}
		r.prev = c->last[r.nr];
		if (policy_add_rule(c, &r) < 0)
			return;
		c->last[r.nr] = (uint32_t)c->nrules;
		policy_check_repeat(c, c->nrules - 1, cols[k], name);
		policy_check_shadowed(c, c->nrules - 1, cols[k], name);
	}
}

/* "default allow|deny [errno E]|kill|log" */
void policy_stmt_default(struct compiler *c, const struct tok *toks, size_t n,
			 const char *text, size_t text_len)
{
	const struct frame *f = &c->stack[c->depth - 1];
	uint8_t action;
	uint16_t err = 0;
	size_t i = 2;
	char q[SHOW_BUF];
	int64_t src;

	if (n < 2 || !policy_is_action(&toks[1], &action)) {
		policy_error(c, n < 2 ? policy_end_col(toks, n) : toks[1].col, "for example: default deny errno ENOSYS",
		      "expected allow, deny, kill or log after 'default'");
		return;
	}
	if (i < n && policy_is_word(&toks[i], "errno")) {
		if (action != LSTAR_ACT_ERRNO) {
			policy_error(c, toks[i].col, "only 'deny' fails a call with an errno",
			      "'errno' goes with 'deny', not '%.*s'", (int)toks[1].len, toks[1].s);
			return;
		}
		i++;
		if (parse_errno(c, toks, n, &i, &err) < 0)
			return;
	}
	if (i < n) {
		policy_error(c, toks[i].col, policy_is_word(&toks[i], "if") ? "the default has no conditions" : NULL,
		      "expected the end of the line, got '%s'",
		      policy_show(q, sizeof(q), toks[i].s, toks[i].len));
		return;
	}
	if (action == LSTAR_ACT_ERRNO && err == 0)
		err = EPERM;
	if (c->dflt_file == (int64_t)f->file)
		policy_warning(c, toks[0].col, NULL, "default set again (line %d set it too): this one counts",
			c->srcs[c->dflt.src].line);
	if ((src = policy_add_source(c, text, text_len)) < 0)
		return;
	c->dflt = (struct lstar_policy_rule){ .action = action, .err = err, .src = (uint32_t)src };
	c->dflt_file = f->file;
}

char *policy_normalize_path(struct compiler *c, const struct tok *t)
{
	char q[SHOW_BUF];
	char *out;

	if (t->len == 0 || t->s[0] != '/') {
		policy_error(c, t->col, "a path rule names an absolute path, such as /usr/share/dict",
		      "path '%s' is not absolute", policy_show(q, sizeof(q), t->s, t->len));
		return NULL;
	}
	if (t->len > MAX_PATH_LEN) {
		policy_error(c, t->col, NULL, "path is too long (more than %d bytes)", MAX_PATH_LEN);
		return NULL;
	}
	if (memchr(t->s, '\0', t->len)) {
		policy_error(c, t->col, NULL, "NUL byte in path");
		return NULL;
	}
	if (!(out = malloc(t->len + 2))) {
		policy_error(c, t->col, NULL, "out of memory");
		return NULL;
	}
	if (policy_clean_path(t->s, t->len, true, out, t->len + 2)) {
		policy_error(c, t->col, "write the path it leads to, without '..'",
		      "'..' in path '%s'", policy_show(q, sizeof(q), t->s, t->len));
		free(out);
		return NULL;
	}
	return out;
}

/*
 * Two path lines that put something at the same place: the same tree
 * again is a duplicate (a warning, within one file); another one there
 * is an error, since the program could see only one of them (the VMM
 * refuses it too, but cannot say which line to fix).  A tree granted ro
 * and rw is the VMM's nesting refusal, said there.  0, or -1 after an
 * error.
 */
static int check_same_place(struct compiler *c, const struct tok *at,
			    const struct lstar_policy_path *p)
{
	const char *where = p->guest ? p->guest : p->path;
	uint32_t here = c->stack[c->depth - 1].file;
	char q[SHOW_BUF], q2[SHOW_BUF];

	for (size_t i = 0; i < c->npaths; i++) {
		const struct lstar_policy_path *o = &c->paths[i];
		const struct src *os = &c->srcs[o->src];

		if (strcmp(o->guest ? o->guest : o->path, where))
			continue;
		if (strcmp(o->path, p->path)) {
			char line[64];

			if (os->file == here)
				snprintf(line, sizeof(line), "line %d", os->line);
			else
				snprintf(line, sizeof(line), "%.40s:%d", c->files[os->file], os->line);
			policy_error(c, at->col, "two trees cannot be seen at one path; "
				     "map one of them elsewhere with 'as'",
				     "'%s' is where %s shows '%s' already",
				     policy_show(q, sizeof(q), where, strlen(where)), line,
				     policy_show(q2, sizeof(q2), o->path, strlen(o->path)));
			return -1;
		}
		if (o->writable == p->writable && os->file == here)
			policy_warning(c, at->col, NULL, "duplicate of line %d", os->line);
		break;
	}
	return 0;
}

/*
 * "path ro|rw PATH [as DEST]": the path, where the program sees it, and
 * the file syscalls it implies.
 */
void policy_stmt_path(struct compiler *c, const struct tok *toks, size_t n,
		      const char *text, size_t text_len)
{
	struct lstar_policy_path p;
	bool rw;
	char q[SHOW_BUF];
	int64_t src = 0;
	int err;

	if (n < 2 || !(policy_is_word(&toks[1], "ro") || policy_is_word(&toks[1], "rw"))) {
		policy_error(c, n < 2 ? policy_end_col(toks, n) : toks[1].col,
		      "for example: path ro /usr/share/dict", "expected 'ro' or 'rw' after 'path'");
		return;
	}
	rw = policy_is_word(&toks[1], "rw");
	if (n < 3 || (toks[2].kind != TK_WORD && toks[2].kind != TK_STRING)) {
		policy_error(c, n < 3 ? policy_end_col(toks, n) : toks[2].col,
		      "a path with spaces or punctuation goes in double quotes",
		      "expected a path after 'path %s'", rw ? "rw" : "ro");
		return;
	}
	if (n > 3 && !(toks[3].kind == TK_WORD && policy_is_word(&toks[3], "as"))) {
		policy_error(c, toks[3].col, "a path with spaces or punctuation goes in double "
			     "quotes; 'as DEST' shows the tree at DEST",
		      "expected the end of the line or 'as' after the path, got '%s'",
		      policy_show(q, sizeof(q), toks[3].s, toks[3].len));
		return;
	}
	if (n == 4 || (n > 4 && toks[4].kind != TK_WORD && toks[4].kind != TK_STRING)) {
		policy_error(c, n == 4 ? policy_end_col(toks, n) : toks[4].col,
			     "for example: path ro /srv/rootfs as /",
			     "expected the path the program sees the tree at after 'as'");
		return;
	}
	if (n > 5) {
		policy_error(c, toks[5].col, "a path with spaces or punctuation goes in double quotes",
		      "expected the end of the line after the path, got '%s'",
		      policy_show(q, sizeof(q), toks[5].s, toks[5].len));
		return;
	}
	if (n == 5 && (toks[4].len == 0 || toks[4].s[0] != '/')) {
		policy_error(c, toks[4].col, "the program sees the tree at an absolute path, "
			     "such as /data",
			     "path '%s' after 'as' is not absolute",
			     policy_show(q, sizeof(q), toks[4].s, toks[4].len));
		return;
	}
	p = (struct lstar_policy_path){ .writable = rw };
	if (!(p.path = policy_normalize_path(c, &toks[2])) ||
	    (n == 5 && !(p.guest = policy_normalize_path(c, &toks[4])))) {
		free(p.path);
		return;
	}
	/* "as" its own path is no mapping: said once, the same tree. */
	if (p.guest && !strcmp(p.guest, p.path)) {
		free(p.guest);
		p.guest = NULL;
	}
	err = check_same_place(c, &toks[n == 5 ? 4 : 2], &p);
	if (!err && (src = policy_add_source(c, text, text_len)) < 0)
		err = -1;
	if (!err && GROW(c, paths, npaths, paths_cap) < 0) {
		policy_error(c, 0, NULL, "out of memory");
		err = -1;
	}
	if (err) {
		free(p.path);
		free(p.guest);
		return;
	}
	p.src = (uint32_t)src;
	c->paths[c->npaths++] = p;
	/*
	 * The implied allows form the lowest layer of the policy: they decide
	 * only calls that no explicit rule matches, wherever the lines are.
	 * So a `path` line (or --ro, read after the file) never undoes a
	 * `deny` or `kill` written for a file syscall, and a tree's grant
	 * never widens what the policy says of calls in another tree.  One
	 * implied rule per syscall; the latest path line is its source.
	 */
	for (int nr = 0; nr < LSTAR_POLICY_NR; nr++) {
		const struct policy_sys_args *sa = policy_sys_args((uint64_t)nr);

		/* include/syscalls.def says which calls a path rule implies:
		 * RO for any (the tree's reading calls, and the changing ones,
		 * which are EROFS below a read-only tree), RW for writable
		 * ones (writing data through a descriptor). */
		if (!sa || !(sa->path == POLICY_PATH_RO || (rw && sa->path == POLICY_PATH_RW)))
			continue;
		if (policy_add_implied(c, nr, (uint32_t)src) < 0)
			return;
	}
}

int lstar_policy_parse_size(const char *s, size_t len, uint64_t *out)
{
	size_t i = 0;
	uint64_t v = 0;
	int shift = 0;

	while (i < len && s[i] >= '0' && s[i] <= '9') {
		unsigned d = (unsigned)(s[i++] - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (i == 0)
		return -1;
	if (i < len) {
		switch (s[i]) {
		case 'k': case 'K': shift = 10; break;
		case 'm': case 'M': shift = 20; break;
		case 'g': case 'G': shift = 30; break;
		case 'B': shift = -1; break;	/* bytes, said so */
		default: return -1;
		}
		i++;
		if (shift >= 0 && i < len && s[i] == 'i')
			i++;
		if (shift >= 0 && i < len && s[i] == 'B')
			i++;
		if (shift < 0)
			shift = 0;
	}
	if (i != len || v > (UINT64_MAX >> shift))
		return -1;
	*out = v << shift;
	return 0;
}

static int parse_duration(const char *s, size_t len, double *out)
{
	char buf[64];
	size_t i = 0, digits = 0;
	double scale = 1;

	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++, digits++;
	if (i < len && s[i] == '.') {
		i++;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++, digits++;
	}
	if (digits == 0 || i >= sizeof(buf))
		return -1;
	if (len - i == 2 && !memcmp(s + i, "ms", 2))
		scale = 1e-3;
	else if (len - i == 1 && s[i] == 's')
		scale = 1;
	else if (len - i == 1 && s[i] == 'm')
		scale = 60;
	else if (len - i == 1 && s[i] == 'h')
		scale = 3600;
	else if (len != i)
		return -1;
	/* Only digits and one '.' reach strtod: no locale, hex or inf. */
	memcpy(buf, s, i);
	buf[i] = '\0';
	*out = strtod(buf, NULL) * scale;
	return 0;
}

static const char *const limit_kinds[] = { "memory", "time", "files", "threads", "processes" };
#define NLIMIT_KINDS (sizeof(limit_kinds) / sizeof(limit_kinds[0]))

static const char *limit_kind_at(size_t i, void *ctx)
{
	(void)ctx;
	return limit_kinds[i];
}

/* "limit memory SIZE | time DURATION | files N | threads N | processes N" */
void policy_stmt_limit(struct compiler *c, const struct tok *toks, size_t n,
		       const char *text, size_t text_len)
{
	const char *const *kinds = limit_kinds;
	const struct frame *f = &c->stack[c->depth - 1];
	const struct tok *v;
	char q[SHOW_BUF], hint[128];
	int kind = -1;
	int64_t *file, src;
	uint32_t *srcp;
	uint64_t mem = 0, files = 0;
	double secs = 0;

	for (int k = 0; k < (int)NLIMIT_KINDS && n >= 2; k++)
		if (policy_is_word(&toks[1], kinds[k]))
			kind = k;
	if (kind < 0 && n < 2) {
		policy_error(c, policy_end_col(toks, n),
			     "limits are: memory SIZE, time DURATION, files N, threads N, processes N",
			     "expected memory, time, files, threads or processes after 'limit'");
		return;
	}
	if (kind < 0) {
		policy_did_you_mean(hint, sizeof(hint), toks[1].s, toks[1].len, limit_kind_at,
				    NLIMIT_KINDS, NULL);
		policy_error(c, toks[1].col,
			     *hint ? hint : "limits are: memory SIZE, time DURATION, files N, threads N, processes N",
		      "unknown limit '%s'", policy_show(q, sizeof(q), toks[1].s, toks[1].len));
		return;
	}
	if (n < 3 || toks[2].kind != TK_WORD) {
		policy_error(c, n < 3 ? policy_end_col(toks, n) : toks[2].col, NULL,
		      "expected a value after 'limit %s'", kinds[kind]);
		return;
	}
	v = &toks[2];
	if (n > 3) {
		policy_error(c, toks[3].col, NULL, "expected the end of the line, got '%s'",
		      policy_show(q, sizeof(q), toks[3].s, toks[3].len));
		return;
	}
	switch (kind) {
	case 0:
		if (lstar_policy_parse_size(v->s, v->len, &mem) < 0) {
			policy_error(c, v->col, "sizes are bytes, or a number with K, M or G (256M, 2G)",
			      "bad size '%s'", policy_show(q, sizeof(q), v->s, v->len));
			return;
		}
		if (mem < LSTAR_MEM_MIN || mem > LSTAR_MEM_MAX) {
			policy_error(c, v->col, NULL, "memory limit %s is out of range: %lluM..%lluG",
			      policy_show(q, sizeof(q), v->s, v->len), LSTAR_MEM_MIN >> 20,
			      LSTAR_MEM_MAX >> 30);
			return;
		}
		file = &c->mem_file;
		srcp = &c->mem_src;
		break;
	case 1:
		if (parse_duration(v->s, v->len, &secs) < 0) {
			policy_error(c, v->col, "durations are a number with ms, s, m or h (10s, 1.5m); "
			      "a bare number is seconds",
			      "bad duration '%s'", policy_show(q, sizeof(q), v->s, v->len));
			return;
		}
		if (!(secs > 0) || secs > LSTAR_LIMIT_TIME_MAX) {
			policy_error(c, v->col, NULL, "time limit %s is out of range: more than 0, "
			      "at most %.0fs", policy_show(q, sizeof(q), v->s, v->len),
			      (double)LSTAR_LIMIT_TIME_MAX);
			return;
		}
		file = &c->time_file;
		srcp = &c->time_src;
		break;
	default: {
		/* files, threads and processes: a count in a range. */
		uint64_t lo = kind == 2 ? LSTAR_LIMIT_FILES_MIN : 1;
		uint64_t hi = kind == 2 ? LSTAR_MAX_FDS :
			      kind == 3 ? LSTAR_MAX_THREADS : LSTAR_MAX_PROCS;

		if (!policy_starts_number(v)) {
			policy_error(c, v->col, NULL, "bad number '%s'", policy_show(q, sizeof(q), v->s, v->len));
			return;
		}
		if (policy_number_tok(c, v, &files) < 0)
			return;
		if (files < lo || files > hi) {
			policy_error(c, v->col, NULL, "%s limit %s is out of range: %llu..%llu",
				     kinds[kind], policy_show(q, sizeof(q), v->s, v->len),
				     (unsigned long long)lo, (unsigned long long)hi);
			return;
		}
		file = kind == 2 ? &c->files_file : kind == 3 ? &c->threads_file : &c->procs_file;
		srcp = kind == 2 ? &c->files_src : kind == 3 ? &c->threads_src : &c->procs_src;
		break;
	}
	}
	if (*file == (int64_t)f->file)
		policy_warning(c, toks[1].col, NULL, "%s limit set again (line %d set it too): this one counts",
			kinds[kind], c->srcs[*srcp].line);
	if ((src = policy_add_source(c, text, text_len)) < 0)
		return;
	*file = f->file;
	*srcp = (uint32_t)src;
	if (kind == 0)
		c->mem = mem;
	else if (kind == 1)
		c->time = secs;
	else if (kind == 2)
		c->nfiles_limit = (int)files;
	else if (kind == 3)
		c->nthreads_limit = (int)files;
	else
		c->nprocs_limit = (int)files;
}
