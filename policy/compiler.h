/* SPDX-License-Identifier: MIT */
/*
 * compiler.h - what the parts of the policy compiler share (internal to
 * policy/; compile.h is the public side).
 *
 *   compile.c  the driver: inputs line by line, each line to its
 *              statement, the result
 *   lex.c      a line into tokens; numbers
 *   parse.c    the statements: rules and their conditions, default,
 *              path, limit
 *   parse_net.c  the `net` statement: addresses, ports, protocols, dns,
 *              and the socket calls it implies
 *   include.c  reading the inputs: files, stock profiles, `use`
 *   build.c    the rules' books (repeats, overrides) and the table
 *   diag.c     errors and warnings, FILE:LINE:COL with a hint
 *
 * Public names are lstar_policy_*; the compiler's own are policy_*.
 */
#ifndef POLICY_COMPILER_H
#define POLICY_COMPILER_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

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
#define MAX_NET_RULES	4096		/* `net` rules in a policy: the VMM
					 * reads them all for each address */
#define SHOW_MAX	64		/* bytes of a token quoted in a message */

#define SHOW_BUF	(SHOW_MAX * 4 + 8)	/* policy_show's buffer */

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
	int op;			/* TK_CMP: enum lstar_policy_cmp */
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
	bool implicit;		/* added by a `path` or `net` line */
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
	 * `path` or `net` line's), 0: none yet. */
	uint32_t implied[LSTAR_POLICY_NR];
	/* last[nr] - 1: the index of nr's latest explicit rule, 0: none. */
	uint32_t last[LSTAR_POLICY_NR];
	struct lstar_policy_cond *conds;
	size_t nconds, conds_cap;
	struct lstar_policy_path *paths;
	size_t npaths, paths_cap;
	struct lstar_policy_net *nets;
	size_t nnets, nets_cap;
	bool dns;
	char *dns_conf;		/* NULL: the host's /etc/resolv.conf */
	uint32_t dns_src;
	int64_t dns_file;	/* -1: no `net dns` yet */

	/* For the duplicate and override warnings: rule index + 1 of the
	 * latest rule per (file, syscall, conditions), open addressing. */
	uint32_t *seen;
	size_t seen_cap, seen_used;

	struct lstar_policy_rule dflt;
	int64_t dflt_file;	/* -1: the built-in default */

	uint64_t mem;
	double time;
	int nfiles_limit, nthreads_limit, nprocs_limit;
	uint32_t mem_src, time_src, files_src, threads_src, procs_src;
	int64_t mem_file, time_file, files_file, threads_file, procs_file; /* -1: not set */
};

/* --- diag.c ---------------------------------------------------------------- */

/* policy_show - s (len bytes) as a message may print it, into buf. */
const char *policy_show(char *buf, size_t size, const char *s, size_t len);
/* An error or warning at column col (0: the whole line) of the line
 * being read, with a hint (or NULL); an error about an input as a whole. */
void policy_error(struct compiler *c, int col, const char *hint, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void policy_warning(struct compiler *c, int col, const char *hint, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void policy_input_error(struct compiler *c, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A "did you mean" hint into buf, or an empty one. */
const char *policy_did_you_mean(char *buf, size_t size, const char *word, size_t len,
				const char *(*get)(size_t, void *), size_t count, void *ctx);

/* --- lex.c ----------------------------------------------------------------- */

int policy_tokenize(struct compiler *c, const char *line, size_t len, struct tok **toks, size_t *n, size_t *cap);
void policy_free_toks(struct tok *t, size_t n);
bool policy_is_word(const struct tok *t, const char *w);
int policy_parse_number(const char *s, size_t len, uint64_t *out);
bool policy_starts_number(const struct tok *t);
int policy_number_tok(struct compiler *c, const struct tok *t, uint64_t *out);

/* --- parse.c: one statement each; what has errors adds nothing ------------- */

void policy_stmt_rule(struct compiler *c, const struct tok *toks, size_t n, const char *text, size_t text_len);
void policy_stmt_default(struct compiler *c, const struct tok *toks, size_t n, const char *text, size_t text_len);
void policy_stmt_path(struct compiler *c, const struct tok *toks, size_t n, const char *text, size_t text_len);
void policy_stmt_limit(struct compiler *c, const struct tok *toks, size_t n, const char *text, size_t text_len);
/* policy_normalize_path - the absolute path at t as a new string without
 * "//", "/./" or a trailing "/"; NULL after reporting why not. */
char *policy_normalize_path(struct compiler *c, const struct tok *t);

/* --- parse_net.c ------------------------------------------------------------ */

void policy_stmt_net(struct compiler *c, const struct tok *toks, size_t n, const char *text, size_t text_len);
bool policy_is_action(const struct tok *t, uint8_t *action);
int policy_end_col(const struct tok *toks, size_t n);

/* --- include.c ------------------------------------------------------------- */

void policy_compile_input(struct compiler *c, const struct lstar_policy_input *in);
void policy_stmt_use(struct compiler *c, const struct tok *toks, size_t n);

/* --- build.c --------------------------------------------------------------- */

int policy_add_rule(struct compiler *c, const struct rule *r);
/* policy_add_implied - allow nr in the lowest layer (DECISIONS.md "A path
 * rule's allows are the lowest layer"), from source src of the line being
 * read: one implied rule per syscall, the latest line its source.  0 or -1. */
int policy_add_implied(struct compiler *c, int nr, uint32_t src);
int policy_add_conds(struct compiler *c, const struct lstar_policy_cond *k, size_t n, uint16_t *first);
void policy_check_repeat(struct compiler *c, size_t idx, int col, const char *sysname);
void policy_check_shadowed(struct compiler *c, size_t idx, int col, const char *sysname);
int policy_build(struct compiler *c, struct lstar_policy *out);

/* --- compile.c ------------------------------------------------------------- */

/* policy_grow - room for one more element in a growing array. */
int policy_grow(void **arr, size_t *cap, size_t n, size_t elem);
#define GROW(c, arr, n, cap) policy_grow((void **)&(c)->arr, &(c)->cap, (c)->n, sizeof(*(c)->arr))
int policy_add_file(struct compiler *c, const char *name, uint32_t *id);
int64_t policy_add_source(struct compiler *c, const char *text, size_t len);
void policy_compile_text(struct compiler *c, struct frame *f, const char *text, size_t len);

#endif /* POLICY_COMPILER_H */
