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
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compile.h"
#include "names.h"

#define MAX_TEXT	(1 << 20)	/* bytes of one policy file */
#define MAX_USE_DEPTH	16		/* files open at once through `use` */
#define MAX_USE_FILES	256		/* files read through `use`, in all */
#define MAX_WARNINGS	50		/* then say no more of them */
#define EFTYPE_NOT_REGULAR 1000		/* read_file: a FIFO, device, socket */
#define MAX_RULE_CONDS	64		/* conditions joined by `and` */
#define MAX_ERRORS	50		/* then stop: the rest is likely noise */
#define MAX_PATH_LEN	4096		/* PATH_MAX */
#define SHOW_MAX	64		/* bytes of a token quoted in a message */

/* --- tokens -------------------------------------------------------------- */

enum tok_kind {
	TK_WORD,	/* a name, number, path: anything up to a separator */
	TK_STRING,	/* "double-quoted", escapes \" and \\ decoded */
	TK_LPAREN,
	TK_RPAREN,
	TK_AMP,
	TK_PIPE,
	TK_CMP,		/* == != < <= > >=, op in tok.op */
};

struct tok {
	enum tok_kind kind;
	int col;		/* 1-based byte column */
	const char *s;		/* the word, or the decoded string */
	size_t len;
	size_t end;		/* offset just past the token in the line */
	int op;			/* TK_CMP: enum lstar_cmp */
	char *str;		/* TK_STRING: owns s */
};

/* --- the compiler's state ------------------------------------------------ */

/* One input being read: a frame of the `use` chain. */
struct frame {
	const char *name;	/* as diagnostics show it */
	const char *dir;	/* where its relative `use` paths start; NULL: cwd */
	bool is_file;		/* else a profile or text given by the caller */
	dev_t dev;		/* is_file: its identity, for loop detection */
	ino_t ino;
	uint32_t file;		/* index in compiler.files */
	int line;		/* the line being read */
};

/* A rule before the table is built: in source order, for one syscall. */
struct rule {
	uint16_t nr;
	uint8_t action;
	uint16_t err;
	uint16_t first_cond;
	uint16_t ncond;
	uint32_t src;
	uint32_t file;		/* the file instance it was written in */
	bool implicit;		/* added by a `path` line */
	uint32_t prev;		/* index + 1 of the explicit rule before it
				 * for the same syscall, 0: none */
};

/* A source entry before the result is packed. */
struct src {
	uint32_t file;
	int line;
	char *text;
};

struct compiler {
	FILE *diag;
	int errors;
	bool stopped;		/* MAX_ERRORS reached: read no further */
	int files_read;		/* through `use`, for MAX_USE_FILES */
	int warnings;		/* reported so far, for MAX_WARNINGS */

	struct frame stack[MAX_USE_DEPTH];
	int depth;

	char **files;		/* display name of each file instance */
	size_t nfiles, files_cap;
	struct src *srcs;
	size_t nsrcs, srcs_cap;
	struct rule *rules;
	size_t nrules, rules_cap;
	/* implied[nr] - 1: the index in rules of nr's one implied allow (a
	 * `path` line's), 0: none yet. */
	uint32_t implied[LSTAR_POLICY_NR];
	/* last[nr] - 1: the index of nr's latest explicit rule, 0: none. */
	uint32_t last[LSTAR_POLICY_NR];
	struct lstar_pol_cond *conds;
	size_t nconds, conds_cap;
	struct lstar_policy_path *paths;
	size_t npaths, paths_cap;

	/* For the duplicate and override warnings: rule index + 1 of the
	 * latest rule per (file, syscall, conditions), open addressing. */
	uint32_t *seen;
	size_t seen_cap;

	struct lstar_pol_rule dflt;
	int64_t dflt_file;	/* -1: the built-in default */

	uint64_t mem;
	double time;
	int nfiles_limit;
	uint32_t mem_src, time_src, files_src;
	int64_t mem_file, time_file, files_file;	/* -1: not set */
};

/* --- diagnostics ----------------------------------------------------------- */

/*
 * show - s (len bytes) as a message may print it: at most SHOW_MAX bytes,
 * bytes outside printable ASCII as \xNN, "..." when cut.  A policy file
 * may hold anything, and a terminal should not receive it raw.
 */
static const char *show(char *buf, size_t size, const char *s, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len && o + 8 < size; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (i == SHOW_MAX) {
			o += (size_t)snprintf(buf + o, size - o, "...");
			break;
		}
		if (ch >= 0x20 && ch < 0x7f)
			buf[o++] = (char)ch;
		else
			o += (size_t)snprintf(buf + o, size - o, "\\x%02x", ch);
	}
	buf[o] = '\0';
	return buf;
}

#define SHOW_BUF	(SHOW_MAX * 4 + 8)

static void vreport(struct compiler *c, const char *level, int col,
		    const char *hint, const char *fmt, va_list ap)
{
	const struct frame *f = &c->stack[c->depth - 1];

	if (!c->diag)
		return;
	if (col > 0)
		fprintf(c->diag, "%s:%d:%d: %s: ", f->name, f->line, col, level);
	else
		fprintf(c->diag, "%s:%d: %s: ", f->name, f->line, level);
	vfprintf(c->diag, fmt, ap);
	fputc('\n', c->diag);
	if (hint && *hint)
		fprintf(c->diag, "  hint: %s\n", hint);
	/* The chain of `use` lines that led here, innermost first. */
	for (int i = c->depth - 2; i >= 0; i--)
		fprintf(c->diag, "%s:%d: note: used from here\n",
			c->stack[i].name, c->stack[i].line);
}

static void error(struct compiler *c, int col, const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void warning(struct compiler *c, int col, const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* An error at column col (0: the whole line) of the line being read. */
static void error(struct compiler *c, int col, const char *hint, const char *fmt, ...)
{
	va_list ap;

	if (c->stopped)
		return;
	va_start(ap, fmt);
	vreport(c, "error", col, hint, fmt, ap);
	va_end(ap);
	if (++c->errors >= MAX_ERRORS) {
		c->stopped = true;
		if (c->diag)
			fprintf(c->diag, "too many errors (%d); stopping\n", c->errors);
	}
}

static void warning(struct compiler *c, int col, const char *hint, const char *fmt, ...)
{
	va_list ap;

	if (c->stopped || c->warnings > MAX_WARNINGS)
		return;
	if (++c->warnings > MAX_WARNINGS) {
		if (c->diag)
			fprintf(c->diag, "too many warnings (%d); no more are shown\n",
				MAX_WARNINGS);
		return;
	}
	va_start(ap, fmt);
	vreport(c, "warning", col, hint, fmt, ap);
	va_end(ap);
}

/* An error about an input as a whole, before any line of it is read. */
static void input_error(struct compiler *c, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void input_error(struct compiler *c, const char *name, const char *fmt, ...)
{
	char q[SHOW_BUF];
	va_list ap;

	c->errors++;
	if (!c->diag)
		return;
	fprintf(c->diag, "%s: error: ", show(q, sizeof(q), name, strlen(name)));
	va_start(ap, fmt);
	vfprintf(c->diag, fmt, ap);
	va_end(ap);
	fputc('\n', c->diag);
}

/* A "did you mean" hint into buf, or an empty one. */
static const char *did_you_mean(char *buf, size_t size, const char *word, size_t len,
				const char *(*get)(size_t, void *), size_t count, void *ctx)
{
	const char *best = policy_suggest(word, len, get, count, ctx);

	if (best)
		snprintf(buf, size, "did you mean '%s'?", best);
	else
		buf[0] = '\0';
	return buf;
}

/* --- growing arrays -------------------------------------------------------- */

/* Make room for one more element of size elem in *arr (count n, capacity
 * *cap).  0, or -1 when out of memory (then *arr is unchanged). */
static int grow(void **arr, size_t *cap, size_t n, size_t elem)
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

#define GROW(c, arr, n, cap) grow((void **)&(c)->arr, &(c)->cap, (c)->n, sizeof(*(c)->arr))

static int add_file(struct compiler *c, const char *name, uint32_t *id)
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
static int64_t add_source(struct compiler *c, const char *text, size_t len)
{
	const struct frame *f = &c->stack[c->depth - 1];
	char *copy;

	if (c->nsrcs >= UINT32_MAX || GROW(c, srcs, nsrcs, srcs_cap) < 0 ||
	    !(copy = strndup(text, len))) {
		error(c, 0, NULL, "out of memory");
		return -1;
	}
	c->srcs[c->nsrcs] = (struct src){ .file = f->file, .line = f->line, .text = copy };
	return (int64_t)c->nsrcs++;
}

/* --- tokens ---------------------------------------------------------------- */

static void free_toks(struct tok *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(t[i].str);
}

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f';
}

/* Bytes that end a word: whitespace and the language's punctuation. */
static bool ends_word(char ch)
{
	return is_space(ch) || strchr("#\"()&|=!<>", ch) != NULL;
}

/*
 * tokenize - cut line (len bytes, no '\n') into *toks (*n of them; the
 * caller frees them with free_toks and free).  A '#' outside a string
 * ends the line.  Returns 0, or -1 after reporting an error.
 */
static int tokenize(struct compiler *c, const char *line, size_t len,
		    struct tok **toks, size_t *n, size_t *cap)
{
	size_t i = 0;

	*n = 0;
	while (i < len) {
		unsigned char ch = (unsigned char)line[i];
		struct tok t = { .col = (int)(i + 1) };

		if (ch == '#')
			break;
		if (is_space((char)ch)) {
			i++;
			continue;
		}
		if (ch == '\0') {
			error(c, t.col, NULL, "NUL byte in the line");
			return -1;
		}
		if (ch < 0x20 || ch == 0x7f) {
			error(c, t.col, NULL, "unexpected control character 0x%02x", ch);
			return -1;
		}
		if (ch == '"') {
			size_t j = i + 1, o = 0;
			char *s = malloc(len - i);	/* the decoded text is shorter */

			if (!s) {
				error(c, t.col, NULL, "out of memory");
				return -1;
			}
			while (j < len && line[j] != '"') {
				if (line[j] == '\\') {
					if (j + 1 < len && (line[j + 1] == '"' || line[j + 1] == '\\')) {
						s[o++] = line[j + 1];
						j += 2;
						continue;
					}
					error(c, (int)j + 1, "in a string, only \\\" and \\\\ are escapes",
					      "unknown escape in string");
					free(s);
					return -1;
				}
				if (line[j] == '\0' || (unsigned char)line[j] < 0x20) {
					error(c, (int)j + 1, NULL, "control character in string");
					free(s);
					return -1;
				}
				s[o++] = line[j++];
			}
			if (j == len) {
				error(c, t.col, "end it with '\"' on the same line",
				      "string is not closed");
				free(s);
				return -1;
			}
			s[o] = '\0';
			t.kind = TK_STRING;
			t.s = t.str = s;
			t.len = o;
			i = j + 1;
		} else if (strchr("()&|", ch)) {
			t.kind = ch == '(' ? TK_LPAREN : ch == ')' ? TK_RPAREN :
				 ch == '&' ? TK_AMP : TK_PIPE;
			t.s = line + i;
			t.len = 1;
			i++;
		} else if (strchr("=!<>", ch)) {
			bool eq = i + 1 < len && line[i + 1] == '=';

			if (ch == '!' && i == 0 && c->stack[c->depth - 1].line == 1) {
				/* lstar --learn's mark on a file it has not
				 * finished writing (vmm/learn.c). */
				error(c, t.col, "the learning run was cut short; run it again",
				      "an unfinished `lstar run --learn` output, not a policy");
				return -1;
			}
			if ((ch == '=' || ch == '!') && !eq) {
				error(c, t.col, "comparisons are ==, !=, <, <=, > and >=",
				      "'%c' alone is not a comparison", ch);
				return -1;
			}
			t.kind = TK_CMP;
			t.s = line + i;
			t.len = eq ? 2 : 1;
			t.op = ch == '=' ? LSTAR_CMP_EQ : ch == '!' ? LSTAR_CMP_NE :
			       ch == '<' ? (eq ? LSTAR_CMP_LE : LSTAR_CMP_LT) :
					   (eq ? LSTAR_CMP_GE : LSTAR_CMP_GT);
			i += t.len;
		} else {
			size_t j = i;

			while (j < len && !ends_word(line[j]) && line[j] != '\0' &&
			       (unsigned char)line[j] >= 0x20 && line[j] != 0x7f)
				j++;
			t.kind = TK_WORD;
			t.s = line + i;
			t.len = j - i;
			i = j;
		}
		t.end = i;
		if (grow((void **)toks, cap, *n, sizeof(**toks)) < 0) {
			free(t.str);
			error(c, t.col, NULL, "out of memory");
			return -1;
		}
		(*toks)[(*n)++] = t;
	}
	return 0;
}

/* Is t the word w?  (Keywords are case-sensitive, as syscall names are.) */
static bool is_word(const struct tok *t, const char *w)
{
	return t->kind == TK_WORD && t->len == strlen(w) && !memcmp(t->s, w, t->len);
}

/* --- numbers ---------------------------------------------------------------- */

/*
 * parse_number - s (len bytes) as an unsigned 64-bit number: decimal,
 * 0x hexadecimal, or octal written 0o17 or, as in C and the kernel's
 * headers, 017.  0, -EINVAL for a malformed number, -ERANGE for one that
 * does not fit in 64 bits.
 */
static int parse_number(const char *s, size_t len, uint64_t *out)
{
	unsigned base = 10;
	size_t i = 0;
	uint64_t v = 0;

	if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	} else if (len >= 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'O')) {
		base = 8;
		i = 2;
	} else if (len >= 2 && s[0] == '0') {
		base = 8;
		i = 1;
	}
	if (i == len)
		return -EINVAL;
	for (; i < len; i++) {
		char ch = s[i];
		unsigned d;

		if (ch >= '0' && ch <= '9')
			d = (unsigned)(ch - '0');
		else if (ch >= 'a' && ch <= 'f')
			d = (unsigned)(ch - 'a') + 10;
		else if (ch >= 'A' && ch <= 'F')
			d = (unsigned)(ch - 'A') + 10;
		else
			return -EINVAL;
		if (d >= base)
			return -EINVAL;
		if (v > (UINT64_MAX - d) / base)
			return -ERANGE;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

/* Does t look like a number (and so is not a name)?  A sign counts, so
 * that "-1" is reported as a negative number, not an unknown constant. */
static bool starts_number(const struct tok *t)
{
	return t->kind == TK_WORD && t->len > 0 &&
	       ((t->s[0] >= '0' && t->s[0] <= '9') || t->s[0] == '-' || t->s[0] == '+');
}

/* A number token, reported when bad.  0 or -1. */
static int number_tok(struct compiler *c, const struct tok *t, uint64_t *out)
{
	char q[SHOW_BUF];
	int r;

	if (t->s[0] == '-') {
		error(c, t->col, "values are unsigned; an int argument is compared on its low "
		      "32 bits, so -100 is 0xffffff9c (AT_FDCWD)",
		      "negative number '%s'", show(q, sizeof(q), t->s, t->len));
		return -1;
	}
	r = parse_number(t->s, t->len, out);
	if (r == -ERANGE)
		error(c, t->col, NULL, "number '%s' is too large (at most 0xffffffffffffffff)",
		      show(q, sizeof(q), t->s, t->len));
	else if (r < 0)
		error(c, t->col, "numbers are decimal (42), hexadecimal (0x2a) or octal (0o52 or 052)",
		      "bad number '%s'", show(q, sizeof(q), t->s, t->len));
	return r < 0 ? -1 : 0;
}

/* --- conditions ------------------------------------------------------------- */

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
			error(c, t ? t->col : (n ? (int)toks[n - 1].end + 1 : 1),
			      "a value is a number (1, 0x41) or a constant (O_RDONLY), "
			      "or several joined by '|'",
			      "expected %s", what);
			return -1;
		}
		if (starts_number(t)) {
			if (number_tok(c, t, &term) < 0)
				return -1;
		} else {
			const struct policy_const *k = policy_const_find(t->s, t->len);

			if (!k) {
				error(c, t->col, did_you_mean(hint, sizeof(hint), t->s, t->len,
							      policy_const_at, policy_nconsts, NULL),
				      "unknown constant '%s'", show(q, sizeof(q), t->s, t->len));
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
	    parse_number(t->s + 3, t->len - 3, &n) < 0 || (t->len > 4 && t->s[3] == '0')) {
		error(c, t->col, "a condition starts with arg0..arg5 or (argN & MASK)",
		      "expected an argument (arg0..arg5), got '%s'",
		      show(q, sizeof(q), t->s, t->len));
		return -1;
	}
	if (n > 5) {
		error(c, t->col, "arguments are arg0..arg5",
		      "no argument %s: a syscall has six", show(q, sizeof(q), t->s, t->len));
		return -1;
	}
	*arg = (uint8_t)n;
	return 0;
}

/*
 * never_holds - why no register value can satisfy cond, or NULL when some
 * can.  ((x & mask) is at most mask, and compares unsigned.)
 */
static const char *never_holds(const struct lstar_pol_cond *k, char *buf, size_t size)
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
		      struct lstar_pol_cond *out)
{
	const struct tok *t = *i < n ? &toks[*i] : NULL;
	int col = t ? t->col : (n ? (int)toks[n - 1].end + 1 : 1);
	bool dirfd = false, junk = false;
	char why[128];
	const char *never;

	memset(out, 0, sizeof(*out));
	out->mask = UINT64_MAX;
	if (!t) {
		error(c, col, "for example: arg0 == 1, or (arg2 & O_ACCMODE) == O_RDONLY",
		      "expected a condition");
		return -1;
	}
	if (t->kind == TK_LPAREN) {
		(*i)++;
		if (*i >= n) {
			error(c, col + 1, NULL, "expected an argument (arg0..arg5) after '('");
			return -1;
		}
		if (parse_arg(c, &toks[*i], &out->arg) < 0)
			return -1;
		(*i)++;
		if (*i >= n || toks[*i].kind != TK_AMP) {
			error(c, *i < n ? toks[*i].col : (int)toks[n - 1].end + 1,
			      "inside parentheses an argument is masked: (arg2 & O_ACCMODE)",
			      "expected '&' after arg%u", out->arg);
			return -1;
		}
		(*i)++;
		if (parse_value(c, toks, n, i, &out->mask, &junk, "a mask after '&'") < 0)
			return -1;
		if (*i >= n || toks[*i].kind != TK_RPAREN) {
			error(c, *i < n ? toks[*i].col : (int)toks[n - 1].end + 1, NULL,
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
		error(c, *i < n ? toks[*i].col : (int)toks[n - 1].end + 1, NULL,
		      "expected a comparison (==, !=, <, <=, >, >=) after arg%u", out->arg);
		return -1;
	}
	out->op = (uint8_t)toks[*i].op;
	(*i)++;
	if (parse_value(c, toks, n, i, &out->value, &dirfd, "a value to compare with") < 0)
		return -1;
	never = never_holds(out, why, sizeof(why));
	if (never) {
		error(c, col, NULL, "this condition can never hold: %s", never);
		return -1;
	}
	(void)dirfd;
	return 0;
}

/* --- rules ---------------------------------------------------------------- */


/* The same test on the same argument: the warnings' notion of "same". */
static bool cond_eq(const struct lstar_pol_cond *a, const struct lstar_pol_cond *b)
{
	return a->arg == b->arg && a->op == b->op && a->mask == b->mask && a->value == b->value;
}

/* Do rules a and b have the same conditions, in any order? */
static bool same_conds(const struct compiler *c, const struct rule *a, const struct rule *b)
{
	const struct lstar_pol_cond *ca = &c->conds[a->first_cond];
	const struct lstar_pol_cond *cb = &c->conds[b->first_cond];

	if (a->ncond != b->ncond)
		return false;
	for (int pass = 0; pass < 2; pass++) {
		for (uint16_t i = 0; i < a->ncond; i++) {
			bool found = false;

			for (uint16_t j = 0; j < b->ncond && !found; j++)
				found = cond_eq(pass ? &cb[i] : &ca[i], pass ? &ca[j] : &cb[j]);
			if (!found)
				return false;
		}
	}
	return true;
}

/* A hash of what makes two rules the same: file, syscall and the set of
 * conditions (summed, so that their order does not count). */
static uint64_t rule_hash(const struct compiler *c, const struct rule *r)
{
	uint64_t h = ((uint64_t)r->file << 16 | r->nr) * 0x9e3779b97f4a7c15ULL;

	for (uint16_t i = 0; i < r->ncond; i++) {
		const struct lstar_pol_cond *k = &c->conds[r->first_cond + i];
		uint64_t x = ((uint64_t)k->arg << 8 | k->op) ^ k->mask * 0xff51afd7ed558ccdULL ^
			     k->value * 0xc4ceb9fe1a85ec53ULL;

		h += x ^ (x >> 29);
	}
	return h ^ (h >> 32);
}

/*
 * check_repeat - warn when rule r (just added, index idx) repeats or
 * overrides an earlier rule of the same file with the same syscall and
 * conditions.  Rules of different files never warn: narrowing a profile
 * you `use` is the point of "the last match wins".
 */
static void check_repeat(struct compiler *c, size_t idx, int col, const char *sysname)
{
	const struct rule *r = &c->rules[idx];
	size_t mask, slot;

	if (!c->seen) {
		/* Twice the most rules a table holds: probes stay short. */
		c->seen_cap = 2 * (LSTAR_POLICY_MAX_RULES + 1);
		c->seen = calloc(c->seen_cap, sizeof(*c->seen));
		if (!c->seen)
			return;		/* only a warning is lost */
	}
	mask = c->seen_cap - 1;
	for (slot = rule_hash(c, r) & mask; c->seen[slot]; slot = (slot + 1) & mask) {
		const struct rule *old = &c->rules[c->seen[slot] - 1];
		char a[64], b[64];

		if (old->file != r->file || old->nr != r->nr || !same_conds(c, old, r))
			continue;
		if (old->action == r->action && old->err == r->err)
			warning(c, col, NULL, "duplicate of line %d ('%s')",
				c->srcs[old->src].line, sysname);
		else
			warning(c, col, "with the same conditions only the later line ever decides",
				"overrides line %d: '%s' was %s there, %s here",
				c->srcs[old->src].line, sysname,
				policy_verdict_text(old->action, old->err, a, sizeof(a)),
				policy_verdict_text(r->action, r->err, b, sizeof(b)));
		break;
	}
	c->seen[slot] = (uint32_t)idx + 1;
}

/*
 * check_shadowed - rule idx (just added) matches every call to its
 * syscall: warn of the earlier rules of the same file for it that have
 * conditions, which it leaves nothing to decide.  (Rules of other files,
 * a `use`d profile's, are overridden on purpose.)  The walk stops at an
 * earlier unconditional rule: what lies before it was reported then.
 */
static void check_shadowed(struct compiler *c, size_t idx, int col, const char *sysname)
{
	const struct rule *r = &c->rules[idx];

	if (r->ncond)
		return;
	for (uint32_t o = r->prev; o; o = c->rules[o - 1].prev) {
		const struct rule *old = &c->rules[o - 1];

		if (old->file != r->file)
			continue;
		if (!old->ncond)
			break;
		warning(c, col, "put the narrower rule after the wider one",
			"line %d can never decide '%s': this rule, later, matches every call",
			c->srcs[old->src].line, sysname);
	}
}

/* Add one rule; 0, or -1 after reporting that the table is full. */
static int add_rule(struct compiler *c, const struct rule *r)
{
	if (c->nrules >= LSTAR_POLICY_MAX_RULES) {
		error(c, 0, NULL, "too many rules: a policy holds at most %d",
		      LSTAR_POLICY_MAX_RULES);
		c->stopped = true;	/* every later rule would say the same */
		return -1;
	}
	if (GROW(c, rules, nrules, rules_cap) < 0) {
		error(c, 0, NULL, "out of memory");
		return -1;
	}
	c->rules[c->nrules++] = *r;
	return 0;
}

/* Copy n conditions into the policy; the index of the first in *first. */
static int add_conds(struct compiler *c, const struct lstar_pol_cond *k, size_t n,
		     uint16_t *first)
{
	if (n == 0) {
		*first = 0;
		return 0;
	}
	if (c->nconds + n > LSTAR_POLICY_MAX_CONDS) {
		error(c, 0, NULL, "too many conditions: a policy holds at most %d",
		      LSTAR_POLICY_MAX_CONDS);
		c->stopped = true;
		return -1;
	}
	*first = (uint16_t)c->nconds;
	for (size_t i = 0; i < n; i++) {
		if (GROW(c, conds, nconds, conds_cap) < 0) {
			error(c, 0, NULL, "out of memory");
			return -1;
		}
		c->conds[c->nconds++] = k[i];
	}
	return 0;
}

/* Is t a rule's action word?  Its action into *action. */
static bool is_action(const struct tok *t, uint8_t *action)
{
	static const struct { const char *word; uint8_t action; } words[] = {
		{ "allow", LSTAR_ACT_ALLOW }, { "deny", LSTAR_ACT_ERRNO },
		{ "kill", LSTAR_ACT_KILL }, { "log", LSTAR_ACT_LOG },
	};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (is_word(t, words[i].word)) {
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
		error(c, t ? t->col : (int)toks[n - 1].end + 1, "for example: errno EACCES",
		      "expected an errno name or number after 'errno'");
		return -1;
	}
	if (starts_number(t)) {
		if (number_tok(c, t, &v) < 0)
			return -1;
		if (v == 0 || v > LSTAR_POLICY_MAX_ERRNO) {
			error(c, t->col, NULL, "errno %s is out of range: 1..%d",
			      show(q, sizeof(q), t->s, t->len), LSTAR_POLICY_MAX_ERRNO);
			return -1;
		}
		e = (int)v;
	} else if ((e = policy_errno_find(t->s, t->len)) < 0) {
		error(c, t->col, did_you_mean(hint, sizeof(hint), t->s, t->len,
					      policy_errno_at, policy_nerrnos(), NULL),
		      "unknown errno '%s'", show(q, sizeof(q), t->s, t->len));
		return -1;
	}
	*err = (uint16_t)e;
	(*i)++;
	return 0;
}

/* The column just past the last token: where a missing word would go. */
static int end_col(const struct tok *toks, size_t n)
{
	return n ? (int)toks[n - 1].end + 1 : 1;
}

/* A syscall's name for a message: its name, or its number. */
static const char *syscall_label(uint64_t nr, char *buf, size_t len)
{
	const char *name = lstar_syscall_name(nr);

	if (name)
		return name;
	snprintf(buf, len, "%llu", (unsigned long long)nr);
	return buf;
}

/* "allow|deny|kill|log SYSCALL... [errno E] [if COND [and COND]...]" */
static void stmt_rule(struct compiler *c, const struct tok *toks, size_t n,
		      const char *text, size_t text_len)
{
	struct lstar_pol_cond conds[MAX_RULE_CONDS];
	int nrs[LSTAR_POLICY_NR], cols[LSTAR_POLICY_NR], ccols[MAX_RULE_CONDS];
	struct lstar_pol_cond prev_wide[MAX_RULE_CONDS];
	size_t nnames = 0, ncond = 0, i = 1;
	bool bad = false, have_errno = false, have_if = false;
	uint8_t action = LSTAR_ACT_ALLOW;
	uint16_t err = 0, first;
	char q[SHOW_BUF], hint[128];
	int64_t src;

	is_action(&toks[0], &action);
	/* The syscalls: every word up to `if`, `errno` or the end. */
	for (; i < n && toks[i].kind == TK_WORD && !is_word(&toks[i], "if") &&
	       !is_word(&toks[i], "errno"); i++) {
		const struct tok *t = &toks[i];
		char name[SHOW_MAX + 1];
		int nr = -1;
		bool again = false;

		if (starts_number(t)) {
			uint64_t v;

			if (number_tok(c, t, &v) < 0) {
				bad = true;
				continue;
			}
			if (v >= LSTAR_POLICY_NR) {
				error(c, t->col, NULL, "syscall number %llu is out of range: 0..%d",
				      (unsigned long long)v, LSTAR_POLICY_NR - 1);
				bad = true;
				continue;
			}
			nr = (int)v;
		} else if (t->len <= SHOW_MAX) {
			memcpy(name, t->s, t->len);
			name[t->len] = '\0';
			nr = lstar_syscall_number(name);
		}
		if (nr < 0 && t->len <= SHOW_MAX && policy_syscall_elsewhere(name)) {
			error(c, t->col, "lstar runs x86-64 programs",
			      "'%s' is not an x86-64 syscall", show(q, sizeof(q), t->s, t->len));
			bad = true;
			continue;
		}
		if (nr < 0) {
			error(c, t->col, did_you_mean(hint, sizeof(hint), t->s, t->len,
						      policy_syscall_at, LSTAR_POLICY_NR, NULL),
			      "unknown syscall '%s'", show(q, sizeof(q), t->s, t->len));
			bad = true;
			continue;
		}
		for (size_t j = 0; j < nnames; j++)
			again |= nrs[j] == nr;
		if (again) {
			warning(c, t->col, NULL, "'%s' is named twice on this line",
				show(q, sizeof(q), t->s, t->len));
			continue;
		}
		nrs[nnames] = nr;
		cols[nnames++] = t->col;
	}
	if (nnames == 0 && !bad) {
		error(c, i < n ? toks[i].col : end_col(toks, n), "for example: allow read write",
		      "expected a syscall name after '%.*s'", (int)toks[0].len, toks[0].s);
		return;
	}
	/* Then `errno E` and `if CONDS`, each at most once, in either order. */
	while (i < n && !bad) {
		if (is_word(&toks[i], "errno") && !have_errno) {
			if (action != LSTAR_ACT_ERRNO) {
				error(c, toks[i].col, "only 'deny' fails a call with an errno",
				      "'errno' goes with 'deny', not '%.*s'",
				      (int)toks[0].len, toks[0].s);
				return;
			}
			i++;
			if (parse_errno(c, toks, n, &i, &err) < 0)
				return;
			have_errno = true;
		} else if (is_word(&toks[i], "if") && !have_if) {
			i++;
			for (;;) {
				if (ncond == MAX_RULE_CONDS) {
					error(c, i < n ? toks[i].col : end_col(toks, n), NULL,
					      "too many conditions in one rule (at most %d)",
					      MAX_RULE_CONDS);
					return;
				}
				ccols[ncond] = i < n ? toks[i].col : end_col(toks, n);
				if (parse_cond(c, toks, n, &i, &conds[ncond]) < 0)
					return;
				ncond++;
				if (i < n && is_word(&toks[i], "and")) {
					i++;
					continue;
				}
				break;
			}
			have_if = true;
		} else {
			const char *or = is_word(&toks[i], "or") ?
				"there is no 'or': write one rule per alternative" : NULL;

			error(c, toks[i].col, or, "expected %s or the end of the line, got '%s'",
			      action == LSTAR_ACT_ERRNO ?
			      (have_if ? "'and', 'errno'" : "'if', 'errno'") :
			      (have_if ? "'and'" : "'if'"),
			      show(q, sizeof(q), toks[i].s, toks[i].len));
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
			struct lstar_pol_cond w = conds[j];
			uint64_t bits = policy_arg_bits(policy_arg_kind((uint64_t)nrs[k], w.arg));
			char why[128];
			const char *never;

			w.mask &= bits;
			if ((never = never_holds(&w, why, sizeof(why)))) {
				error(c, ccols[j], bits == 0xffff ?
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
	src = add_source(c, text, text_len);
	if (src < 0)
		return;
	for (size_t k = 0; k < nnames; k++) {
		struct lstar_pol_cond wide[MAX_RULE_CONDS];
		struct rule r = {
			.nr = (uint16_t)nrs[k], .action = action, .err = err,
			.ncond = (uint16_t)ncond,
			.src = (uint32_t)src, .file = c->stack[c->depth - 1].file,
		};
		const char *name = lstar_syscall_name((uint64_t)nrs[k]);
		char num[16];

		for (size_t j = 0; j < ncond; j++) {
			wide[j] = conds[j];
			wide[j].mask &= policy_arg_bits(policy_arg_kind((uint64_t)nrs[k],
									conds[j].arg));
		}
		if (k > 0 && !memcmp(wide, prev_wide, ncond * sizeof(wide[0]))) {
			r.first_cond = first;
		} else {
			if (add_conds(c, wide, ncond, &first) < 0)
				return;
			r.first_cond = first;
			memcpy(prev_wide, wide, ncond * sizeof(wide[0]));
		}
		if (!name) {
			snprintf(num, sizeof(num), "%d", nrs[k]);
			name = num;
		}
		r.prev = c->last[r.nr];
		if (add_rule(c, &r) < 0)
			return;
		c->last[r.nr] = (uint32_t)c->nrules;
		check_repeat(c, c->nrules - 1, cols[k], name);
		check_shadowed(c, c->nrules - 1, cols[k], name);
	}
}

/* "default allow|deny [errno E]|kill|log" */
static void stmt_default(struct compiler *c, const struct tok *toks, size_t n,
			 const char *text, size_t text_len)
{
	const struct frame *f = &c->stack[c->depth - 1];
	uint8_t action;
	uint16_t err = 0;
	size_t i = 2;
	char q[SHOW_BUF];
	int64_t src;

	if (n < 2 || !is_action(&toks[1], &action)) {
		error(c, n < 2 ? end_col(toks, n) : toks[1].col, "for example: default deny errno ENOSYS",
		      "expected allow, deny, kill or log after 'default'");
		return;
	}
	if (i < n && is_word(&toks[i], "errno")) {
		if (action != LSTAR_ACT_ERRNO) {
			error(c, toks[i].col, "only 'deny' fails a call with an errno",
			      "'errno' goes with 'deny', not '%.*s'", (int)toks[1].len, toks[1].s);
			return;
		}
		i++;
		if (parse_errno(c, toks, n, &i, &err) < 0)
			return;
	}
	if (i < n) {
		error(c, toks[i].col, is_word(&toks[i], "if") ? "the default has no conditions" : NULL,
		      "expected the end of the line, got '%s'",
		      show(q, sizeof(q), toks[i].s, toks[i].len));
		return;
	}
	if (action == LSTAR_ACT_ERRNO && err == 0)
		err = EPERM;
	if (c->dflt_file == (int64_t)f->file)
		warning(c, toks[0].col, NULL, "default set again (line %d set it too): this one counts",
			c->srcs[c->dflt.src].line);
	if ((src = add_source(c, text, text_len)) < 0)
		return;
	c->dflt = (struct lstar_pol_rule){ .action = action, .err = err, .src = (uint32_t)src };
	c->dflt_file = f->file;
}

/*
 * normalize_path - path (len bytes) written absolute, into a new string
 * without "//", "/./" or a trailing "/".  NULL after reporting why not.
 */
static char *normalize_path(struct compiler *c, const struct tok *t)
{
	char q[SHOW_BUF];
	char *out;
	size_t o = 0, i = 0;

	if (t->len == 0 || t->s[0] != '/') {
		error(c, t->col, "a path rule names an absolute path, such as /usr/share/dict",
		      "path '%s' is not absolute", show(q, sizeof(q), t->s, t->len));
		return NULL;
	}
	if (t->len > MAX_PATH_LEN) {
		error(c, t->col, NULL, "path is too long (more than %d bytes)", MAX_PATH_LEN);
		return NULL;
	}
	if (memchr(t->s, '\0', t->len)) {
		error(c, t->col, NULL, "NUL byte in path");
		return NULL;
	}
	if (!(out = malloc(t->len + 2))) {
		error(c, t->col, NULL, "out of memory");
		return NULL;
	}
	while (i < t->len) {
		size_t start, clen;

		while (i < t->len && t->s[i] == '/')
			i++;
		start = i;
		while (i < t->len && t->s[i] != '/')
			i++;
		clen = i - start;
		if (clen == 0 || (clen == 1 && t->s[start] == '.'))
			continue;
		if (clen == 2 && t->s[start] == '.' && t->s[start + 1] == '.') {
			error(c, t->col, "write the path it leads to, without '..'",
			      "'..' in path '%s'", show(q, sizeof(q), t->s, t->len));
			free(out);
			return NULL;
		}
		out[o++] = '/';
		memcpy(out + o, t->s + start, clen);
		o += clen;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	return out;
}

/* "path ro|rw PATH": the path, and the file syscalls it implies. */
static void stmt_path(struct compiler *c, const struct tok *toks, size_t n,
		      const char *text, size_t text_len)
{
	bool rw;
	char q[SHOW_BUF];
	char *path;
	int64_t src;

	if (n < 2 || !(is_word(&toks[1], "ro") || is_word(&toks[1], "rw"))) {
		error(c, n < 2 ? end_col(toks, n) : toks[1].col,
		      "for example: path ro /usr/share/dict", "expected 'ro' or 'rw' after 'path'");
		return;
	}
	rw = is_word(&toks[1], "rw");
	if (n < 3 || (toks[2].kind != TK_WORD && toks[2].kind != TK_STRING)) {
		error(c, n < 3 ? end_col(toks, n) : toks[2].col,
		      "a path with spaces or punctuation goes in double quotes",
		      "expected a path after 'path %s'", rw ? "rw" : "ro");
		return;
	}
	if (n > 3) {
		error(c, toks[3].col, "a path with spaces or punctuation goes in double quotes",
		      "expected the end of the line after the path, got '%s'",
		      show(q, sizeof(q), toks[3].s, toks[3].len));
		return;
	}
	if (!(path = normalize_path(c, &toks[2])))
		return;
	if ((src = add_source(c, text, text_len)) < 0 ||
	    GROW(c, paths, npaths, paths_cap) < 0) {
		if (src >= 0)
			error(c, 0, NULL, "out of memory");
		free(path);
		return;
	}
	c->paths[c->npaths++] = (struct lstar_policy_path){
		.path = path, .writable = rw, .src = (uint32_t)src,
	};
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
		struct rule r = {
			.nr = (uint16_t)nr, .action = LSTAR_ACT_ALLOW, .src = (uint32_t)src,
			.file = c->stack[c->depth - 1].file, .implicit = true,
		};

		/* include/syscalls.def says which calls a path rule implies:
		 * RO for any (the tree's reading calls, and the changing ones,
		 * which are EROFS below a read-only tree), RW for writable
		 * ones (writing data through a descriptor). */
		if (!sa || !(sa->path == POLICY_PATH_RO || (rw && sa->path == POLICY_PATH_RW)))
			continue;
		if (c->implied[nr]) {
			c->rules[c->implied[nr] - 1].src = (uint32_t)src;
			continue;
		}
		if (add_rule(c, &r) < 0)
			return;
		c->implied[nr] = (uint32_t)c->nrules;
	}
}

/* --- limits -------------------------------------------------------------- */

int lstar_parse_size(const char *s, size_t len, uint64_t *out)
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

static const char *const limit_kinds[] = { "memory", "time", "files" };

static const char *limit_kind_at(size_t i, void *ctx)
{
	(void)ctx;
	return limit_kinds[i];
}

/* "limit memory SIZE | time DURATION | files N" */
static void stmt_limit(struct compiler *c, const struct tok *toks, size_t n,
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

	for (int k = 0; k < 3 && n >= 2; k++)
		if (is_word(&toks[1], kinds[k]))
			kind = k;
	if (kind < 0 && n < 2) {
		error(c, end_col(toks, n), "limits are: memory SIZE, time DURATION, files N",
		      "expected memory, time or files after 'limit'");
		return;
	}
	if (kind < 0) {
		did_you_mean(hint, sizeof(hint), toks[1].s, toks[1].len, limit_kind_at, 3, NULL);
		error(c, toks[1].col, *hint ? hint : "limits are: memory SIZE, time DURATION, files N",
		      "unknown limit '%s'", show(q, sizeof(q), toks[1].s, toks[1].len));
		return;
	}
	if (n < 3 || toks[2].kind != TK_WORD) {
		error(c, n < 3 ? end_col(toks, n) : toks[2].col, NULL,
		      "expected a value after 'limit %s'", kinds[kind]);
		return;
	}
	v = &toks[2];
	if (n > 3) {
		error(c, toks[3].col, NULL, "expected the end of the line, got '%s'",
		      show(q, sizeof(q), toks[3].s, toks[3].len));
		return;
	}
	switch (kind) {
	case 0:
		if (lstar_parse_size(v->s, v->len, &mem) < 0) {
			error(c, v->col, "sizes are bytes, or a number with K, M or G (256M, 2G)",
			      "bad size '%s'", show(q, sizeof(q), v->s, v->len));
			return;
		}
		if (mem < LSTAR_MEM_MIN || mem > LSTAR_MEM_MAX) {
			error(c, v->col, NULL, "memory limit %s is out of range: %lluM..%lluG",
			      show(q, sizeof(q), v->s, v->len), LSTAR_MEM_MIN >> 20,
			      LSTAR_MEM_MAX >> 30);
			return;
		}
		file = &c->mem_file;
		srcp = &c->mem_src;
		break;
	case 1:
		if (parse_duration(v->s, v->len, &secs) < 0) {
			error(c, v->col, "durations are a number with ms, s, m or h (10s, 1.5m); "
			      "a bare number is seconds",
			      "bad duration '%s'", show(q, sizeof(q), v->s, v->len));
			return;
		}
		if (!(secs > 0) || secs > LSTAR_LIMIT_TIME_MAX) {
			error(c, v->col, NULL, "time limit %s is out of range: more than 0, "
			      "at most %.0fs", show(q, sizeof(q), v->s, v->len),
			      (double)LSTAR_LIMIT_TIME_MAX);
			return;
		}
		file = &c->time_file;
		srcp = &c->time_src;
		break;
	default:
		if (!starts_number(v)) {
			error(c, v->col, NULL, "bad number '%s'", show(q, sizeof(q), v->s, v->len));
			return;
		}
		if (number_tok(c, v, &files) < 0)
			return;
		if (files < LSTAR_LIMIT_FILES_MIN || files > LSTAR_MAX_FDS) {
			error(c, v->col, NULL, "files limit %s is out of range: %d..%d",
			      show(q, sizeof(q), v->s, v->len), LSTAR_LIMIT_FILES_MIN,
			      LSTAR_MAX_FDS);
			return;
		}
		file = &c->files_file;
		srcp = &c->files_src;
		break;
	}
	if (*file == (int64_t)f->file)
		warning(c, toks[1].col, NULL, "%s limit set again (line %d set it too): this one counts",
			kinds[kind], c->srcs[*srcp].line);
	if ((src = add_source(c, text, text_len)) < 0)
		return;
	*file = f->file;
	*srcp = (uint32_t)src;
	if (kind == 0)
		c->mem = mem;
	else if (kind == 1)
		c->time = secs;
	else
		c->nfiles_limit = (int)files;
}

/* --- use ------------------------------------------------------------------- */

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
static const struct lstar_profile *find_profile(const char *name)
{
	for (const struct lstar_profile *p = lstar_profiles; p->name; p++)
		if (!strcmp(p->name, name))
			return p;
	return NULL;
}

static const char *profile_at(size_t i, void *ctx)
{
	(void)ctx;
	return lstar_profiles[i].name;
}

static size_t nprofiles(void)
{
	size_t n = 0;

	while (lstar_profiles[n].name)
		n++;
	return n;
}

static void compile_text(struct compiler *c, struct frame *f, const char *text, size_t len);

/*
 * enter - read text as the next frame of the use chain.  Reports a chain
 * that is too deep at column col of the current line.
 */
static void enter(struct compiler *c, struct frame *f, const char *text, size_t len, int col)
{
	/* The same file `use`d from many places is read each time: a few
	 * levels of that multiply, so the whole read is bounded too. */
	if (++c->files_read > MAX_USE_FILES) {
		error(c, col, "is one file `use`d from many places? use it once",
		      "more than %d files read through 'use'", MAX_USE_FILES);
		c->stopped = true;
		return;
	}
	if (c->depth == MAX_USE_DEPTH) {
		error(c, col, "a loop of profiles? otherwise flatten a few of them",
		      "'use' nested too deeply (more than %d files)", MAX_USE_DEPTH);
		return;
	}
	if (add_file(c, f->name, &f->file) < 0) {
		error(c, col, NULL, "out of memory");
		return;
	}
	compile_text(c, f, text, len);
}

/* Report the use loop that starts at frame from and comes back to it. */
static void use_loop(struct compiler *c, int from, int col)
{
	char chain[MAX_USE_DEPTH * (SHOW_BUF + 4) + SHOW_BUF], q[SHOW_BUF];
	size_t o = 0;

	for (int i = from; i < c->depth; i++)
		o += (size_t)snprintf(chain + o, sizeof(chain) - o, "%s -> ",
				      show(q, sizeof(q), c->stack[i].name, strlen(c->stack[i].name)));
	snprintf(chain + o, sizeof(chain) - o, "%s",
		 show(q, sizeof(q), c->stack[from].name, strlen(c->stack[from].name)));
	error(c, col, NULL, "use loop: %s", chain);
}

/* "use PROFILE" or "use PATH" (a path has a '/'). */
static void stmt_use(struct compiler *c, const struct tok *toks, size_t n)
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
		error(c, t ? t->col : end_col(toks, n), "for example: use stdio, or use ./base.policy",
		      "expected a profile name or a path after 'use'");
		return;
	}
	if (n > 2) {
		error(c, toks[2].col, "use one file per line", "expected the end of the line, got '%s'",
		      show(q, sizeof(q), toks[2].s, toks[2].len));
		return;
	}
	if (memchr(t->s, '\0', t->len) || !(what = strndup(t->s, t->len))) {
		error(c, t->col, NULL, "bad name in 'use'");
		return;
	}
	if (!strchr(what, '/')) {
		/* A stock profile: its name never reaches the file system, so a
		 * file next to the policy cannot stand in for it. */
		const struct lstar_profile *p = find_profile(what);

		if (!p) {
			const char *best = policy_suggest(what, strlen(what), profile_at,
							  nprofiles(), NULL);

			if (best)
				snprintf(hint, sizeof(hint), "did you mean '%s'?", best);
			else
				snprintf(hint, sizeof(hint), "a file is named by a path with a '/', "
					 "such as ./%s", show(q, sizeof(q), what, strlen(what)));
			error(c, t->col, hint, "no stock profile named '%s'",
			      show(q, sizeof(q), what, strlen(what)));
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
		error(c, t->col, NULL, "out of memory");
		free(what);
		return;
	}
	free(what);
	r = read_file(path, &text, &len, &st);
	if (r < 0) {
		error(c, t->col, NULL, "cannot read %s: %s", show(q, sizeof(q), path, strlen(path)),
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

/* --- lines ------------------------------------------------------------------ */

static const char *const keywords[] = {
	"default", "use", "allow", "deny", "kill", "log", "path", "limit",
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

	if (tokenize(c, line, len, toks, &n, cap) < 0)
		goto out;
	if (n == 0)
		goto out;
	/* The statement as sources record it: no comment, no outer blanks. */
	text = line + (*toks)[0].col - 1;
	text_len = (*toks)[n - 1].end - (size_t)((*toks)[0].col - 1);
	if (is_word(&(*toks)[0], "default"))
		stmt_default(c, *toks, n, text, text_len);
	else if (is_word(&(*toks)[0], "use"))
		stmt_use(c, *toks, n);
	else if (is_action(&(*toks)[0], &action))
		stmt_rule(c, *toks, n, text, text_len);
	else if (is_word(&(*toks)[0], "path"))
		stmt_path(c, *toks, n, text, text_len);
	else if (is_word(&(*toks)[0], "limit"))
		stmt_limit(c, *toks, n, text, text_len);
	else {
		did_you_mean(hint, sizeof(hint), (*toks)[0].s, (*toks)[0].len, keyword_at,
			     sizeof(keywords) / sizeof(keywords[0]), NULL);
		error(c, (*toks)[0].col,
		      *hint ? hint : "statements are: default, use, allow, deny, kill, log, path, limit",
		      "unknown statement '%s'", show(q, sizeof(q), (*toks)[0].s, (*toks)[0].len));
	}
out:
	free_toks(*toks, n);
}

/* Read text (len bytes) as frame f, pushed for the time it takes. */
static void compile_text(struct compiler *c, struct frame *f, const char *text, size_t len)
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

/* One of the caller's inputs: text, a file, or a stock profile. */
static void compile_input(struct compiler *c, const struct lstar_policy_input *in)
{
	const char *name = in->name ? in->name : "(unnamed)";
	struct frame f = { .name = name };
	const struct lstar_profile *p;
	char *text = NULL, *dir = NULL;
	struct stat st;
	size_t len;
	int r;

	if (in->text) {
		len = strnlen(in->text, MAX_TEXT + 1);
		if (len > MAX_TEXT) {
			input_error(c, name, "policy is too large (more than 1 MiB)");
			return;
		}
		/* A text's relative `use` paths start where its name says. */
		f.dir = dir = dir_of(name);
		if (add_file(c, name, &f.file) < 0)
			input_error(c, name, "out of memory");
		else
			compile_text(c, &f, in->text, len);
		free(dir);
		return;
	}
	/* A file first (compile.h): `lstar run -p stdio` with a file named
	 * stdio in the working directory means that file. */
	r = read_file(name, &text, &len, &st);
	if (r == -ENOENT && !strchr(name, '/') && (p = find_profile(name))) {
		if (add_file(c, p->name, &f.file) < 0)
			input_error(c, name, "out of memory");
		else
			compile_text(c, &f, p->text, strlen(p->text));
		return;
	}
	if (r < 0) {
		input_error(c, name, "cannot read: %s", read_error(r));
		return;
	}
	f.is_file = true;
	f.dev = st.st_dev;
	f.ino = st.st_ino;
	f.dir = dir = dir_of(name);
	if (add_file(c, name, &f.file) < 0)
		input_error(c, name, "out of memory");
	else
		compile_text(c, &f, text, len);
	free(dir);
	free(text);
}

/* --- the result ----------------------------------------------------------- */

/* The sources as one block: the array, then the strings it points at. */
static int pack_sources(struct compiler *c, struct lstar_policy *out)
{
	size_t size = c->nsrcs * sizeof(struct lstar_policy_source), o;
	const char **names;
	char *strs;

	for (size_t i = 0; i < c->nfiles; i++)
		size += strlen(c->files[i]) + 1;
	for (size_t i = 0; i < c->nsrcs; i++)
		size += strlen(c->srcs[i].text) + 1;
	if (!(out->sources = malloc(size)))
		return -1;
	if (!(names = calloc(c->nfiles, sizeof(*names)))) {
		free(out->sources);
		out->sources = NULL;
		return -1;
	}
	strs = (char *)(out->sources + c->nsrcs);
	o = 0;
	for (size_t i = 0; i < c->nfiles; i++) {
		names[i] = strcpy(strs + o, c->files[i]);
		o += strlen(c->files[i]) + 1;
	}
	for (size_t i = 0; i < c->nsrcs; i++) {
		out->sources[i] = (struct lstar_policy_source){
			.file = names[c->srcs[i].file], .line = c->srcs[i].line,
			.text = strcpy(strs + o, c->srcs[i].text),
		};
		o += strlen(c->srcs[i].text) + 1;
	}
	out->nsources = (uint32_t)c->nsrcs;
	free(names);
	return 0;
}

/*
 * build - the table from the rules: grouped by syscall number, each group
 * with its implied rule (a `path` line's) first, then the explicit ones in
 * source order (a stable counting sort).  The evaluator tries a group from
 * its end: explicit rules, last written first, then the implied one.
 */
static int build(struct compiler *c, struct lstar_policy *out)
{
	size_t size = lstar_policy_table_size((uint32_t)c->nrules, (uint32_t)c->nconds);
	uint32_t pos[LSTAR_POLICY_NR] = { 0 }, next = 0;
	struct lstar_policy_table *t;

	/* calloc: the padding is zero, and malloc's alignment is at least
	 * the 8 bytes the table needs. */
	if (!(t = calloc(1, size)))
		return -1;
	t->magic = LSTAR_POLICY_MAGIC;
	t->size = (uint32_t)size;
	t->nrules = (uint32_t)c->nrules;
	t->nconds = (uint32_t)c->nconds;
	t->dflt = c->dflt;
	for (size_t i = 0; i < c->nrules; i++)
		t->sys[c->rules[i].nr].nrules++;
	for (uint32_t nr = 0; nr < LSTAR_POLICY_NR; nr++) {
		t->sys[nr].first_rule = (uint16_t)next;
		pos[nr] = next;
		next += t->sys[nr].nrules;
	}
	for (int implicit = 1; implicit >= 0; implicit--) {
		for (size_t i = 0; i < c->nrules; i++) {
			const struct rule *r = &c->rules[i];

			if (r->implicit != implicit)
				continue;
			t->rules[pos[r->nr]++] = (struct lstar_pol_rule){
				.action = r->action, .err = r->err,
				.first_cond = r->first_cond, .ncond = r->ncond,
				.src = r->src,
			};
		}
	}
	if (c->nconds)
		memcpy((void *)lstar_policy_conds(t), c->conds, c->nconds * sizeof(*c->conds));
	lstar_policy_fast_hints(t);
	out->table = t;
	out->table_size = size;
	if (pack_sources(c, out) < 0)
		return -1;
	out->paths = c->paths;
	out->npaths = (int)c->npaths;
	c->paths = NULL;
	c->npaths = 0;
	out->mem = c->mem;
	out->time = c->time;
	out->files = c->nfiles_limit;
	out->mem_src = c->mem_src;
	out->time_src = c->time_src;
	out->files_src = c->files_src;
	return 0;
}

int lstar_policy_compile(const struct lstar_policy_input *in, int n,
			 struct lstar_policy *out, FILE *diag)
{
	struct compiler c = {
		.diag = diag,
		.dflt = { .action = LSTAR_ACT_ERRNO, .err = EPERM, .src = 0 },
		.dflt_file = -1, .mem_file = -1, .time_file = -1, .files_file = -1,
	};
	uint32_t builtin;

	memset(out, 0, sizeof(*out));
	/* sources[0]: where the default comes from when no line sets one. */
	if (add_file(&c, "(built-in)", &builtin) < 0 || GROW(&c, srcs, nsrcs, srcs_cap) < 0 ||
	    !(c.srcs[0].text = strdup("default deny"))) {
		input_error(&c, "policy", "out of memory");
		goto out;
	}
	c.srcs[0].file = builtin;
	c.srcs[0].line = 0;
	c.nsrcs = 1;
	for (int i = 0; i < n && !c.stopped; i++)
		compile_input(&c, &in[i]);
	if (c.errors)
		goto out;
	if (build(&c, out) < 0) {
		input_error(&c, "policy", "out of memory");
		goto out;
	}
	/* The table is what the shim will trust: never hand out one that
	 * does not validate, whatever bug made it. */
	if (lstar_policy_validate(out->table, out->table_size) < 0)
		input_error(&c, "policy", "internal error: the compiled table does not validate");
out:
	if (c.errors)
		lstar_policy_free(out);
	for (size_t i = 0; i < c.nfiles; i++)
		free(c.files[i]);
	for (size_t i = 0; i < c.nsrcs; i++)
		free(c.srcs[i].text);
	for (size_t i = 0; i < c.npaths; i++)
		free(c.paths[i].path);
	free(c.files);
	free(c.srcs);
	free(c.rules);
	free(c.conds);
	free(c.paths);
	free(c.seen);
	return c.errors;
}

void lstar_policy_free(struct lstar_policy *p)
{
	free(p->table);
	free(p->sources);	/* and the strings after the array */
	for (int i = 0; i < p->npaths; i++)
		free(p->paths[i].path);
	free(p->paths);
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
