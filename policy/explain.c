/* SPDX-License-Identifier: MIT */
/*
 * explain.c - a compiled policy as a table a person can read: the
 * default, then each syscall's rules in the order the evaluator tries
 * them, then the paths and the limits.  The output is deterministic
 * (syscalls sorted by name), so tests compare it with golden files.
 */
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "names.h"

/* Which arguments hold which kind of constant, so that explain can print
 * O_RDONLY for openat's flags but 0 for write's descriptor. */
static const struct {
	const char *sys;
	uint8_t arg;
	uint8_t cls;
} arg_cls[] = {
	{ "open", 1, POLICY_CLS_OPEN },
	{ "openat", 0, POLICY_CLS_DIRFD }, { "openat", 2, POLICY_CLS_OPEN },
	{ "newfstatat", 0, POLICY_CLS_DIRFD }, { "newfstatat", 3, POLICY_CLS_AT },
	{ "statx", 0, POLICY_CLS_DIRFD }, { "statx", 2, POLICY_CLS_AT },
	{ "access", 1, POLICY_CLS_ACCESS },
	{ "faccessat", 0, POLICY_CLS_DIRFD }, { "faccessat", 2, POLICY_CLS_ACCESS },
	{ "faccessat2", 0, POLICY_CLS_DIRFD }, { "faccessat2", 2, POLICY_CLS_ACCESS },
	{ "faccessat2", 3, POLICY_CLS_AT },
	{ "readlinkat", 0, POLICY_CLS_DIRFD }, { "mkdirat", 0, POLICY_CLS_DIRFD },
	{ "mknodat", 0, POLICY_CLS_DIRFD }, { "fchmodat", 0, POLICY_CLS_DIRFD },
	{ "fchownat", 0, POLICY_CLS_DIRFD }, { "fchownat", 4, POLICY_CLS_AT },
	{ "unlinkat", 0, POLICY_CLS_DIRFD }, { "unlinkat", 2, POLICY_CLS_AT },
	{ "linkat", 0, POLICY_CLS_DIRFD }, { "linkat", 2, POLICY_CLS_DIRFD },
	{ "linkat", 4, POLICY_CLS_AT },
	{ "renameat", 0, POLICY_CLS_DIRFD }, { "renameat", 2, POLICY_CLS_DIRFD },
	{ "renameat2", 0, POLICY_CLS_DIRFD }, { "renameat2", 2, POLICY_CLS_DIRFD },
	{ "symlinkat", 1, POLICY_CLS_DIRFD },
	{ "utimensat", 0, POLICY_CLS_DIRFD }, { "utimensat", 3, POLICY_CLS_AT },
	{ "pipe2", 1, POLICY_CLS_OPEN }, { "dup3", 2, POLICY_CLS_OPEN },
	{ "fcntl", 1, POLICY_CLS_FCNTL }, { "ioctl", 1, POLICY_CLS_IOCTL },
	{ "lseek", 2, POLICY_CLS_SEEK },
	{ "mmap", 2, POLICY_CLS_PROT }, { "mmap", 3, POLICY_CLS_MAP },
	{ "mprotect", 2, POLICY_CLS_PROT }, { "madvise", 2, POLICY_CLS_MADV },
	{ "socket", 0, POLICY_CLS_AF }, { "socket", 1, POLICY_CLS_SOCK },
	{ "socketpair", 0, POLICY_CLS_AF }, { "socketpair", 1, POLICY_CLS_SOCK },
	{ "accept4", 3, POLICY_CLS_SOCK },
	{ "clock_gettime", 0, POLICY_CLS_CLOCK }, { "clock_getres", 0, POLICY_CLS_CLOCK },
	{ "clock_nanosleep", 0, POLICY_CLS_CLOCK },
	{ "kill", 1, POLICY_CLS_SIG }, { "tkill", 1, POLICY_CLS_SIG },
	{ "tgkill", 2, POLICY_CLS_SIG }, { "rt_sigaction", 0, POLICY_CLS_SIG },
	{ "rt_sigprocmask", 0, POLICY_CLS_SIGHOW }, { "arch_prctl", 0, POLICY_CLS_ARCH },
};

static int class_of(uint32_t nr, uint8_t arg)
{
	const char *name = lstar_syscall_name(nr);

	for (size_t i = 0; name && i < sizeof(arg_cls) / sizeof(arg_cls[0]); i++)
		if (arg_cls[i].arg == arg && !strcmp(arg_cls[i].sys, name))
			return arg_cls[i].cls;
	return POLICY_CLS_NONE;
}

/* A value as a constant of class cls where one fits, else a number:
 * small ones in decimal, others in hex. */
static void spell(uint64_t v, int cls, char *buf, size_t len)
{
	if (policy_const_spell(v, cls, buf, len) == 0)
		return;
	if (v < 0x1000)
		snprintf(buf, len, "%llu", (unsigned long long)v);
	else
		snprintf(buf, len, "0x%llx", (unsigned long long)v);
}

static const char *const cmp_text[LSTAR_CMP_MAX] = { "==", "!=", "<", "<=", ">", ">=" };

/* The conditions of rule r as the language writes them, into a new
 * string (the caller frees it); NULL when out of memory. */
static char *conds_text(const struct lstar_policy_table *t, uint32_t nr,
			const struct lstar_pol_rule *r)
{
	const struct lstar_pol_cond *conds = lstar_policy_conds(t);
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	if (!f)
		return NULL;
	if (r->ncond == 0)
		fputs("-", f);
	for (uint16_t i = 0; i < r->ncond; i++) {
		const struct lstar_pol_cond *k = &conds[r->first_cond + i];
		int cls = class_of(nr, k->arg);
		char mask[256], value[256];

		spell(k->value, cls, value, sizeof(value));
		if (i)
			fputs(" and ", f);
		if (k->mask == UINT64_MAX) {
			fprintf(f, "arg%u %s %s", k->arg, cmp_text[k->op], value);
			continue;
		}
		/* A mask is bits: hex unless a name fits. */
		if (policy_const_spell(k->mask, cls, mask, sizeof(mask)) < 0)
			snprintf(mask, sizeof(mask), "0x%llx", (unsigned long long)k->mask);
		fprintf(f, "(arg%u & %s) %s %s", k->arg, mask, cmp_text[k->op], value);
	}
	if (fclose(f) != 0) {
		free(s);
		return NULL;
	}
	return s;
}

/* "allow", "deny EACCES", "kill", "log": a rule's verdict as a word. */
static void verdict(const struct lstar_pol_rule *r, char *buf, size_t len)
{
	const char *name;

	switch (r->action) {
	case LSTAR_ACT_ALLOW: snprintf(buf, len, "allow"); return;
	case LSTAR_ACT_KILL: snprintf(buf, len, "kill"); return;
	case LSTAR_ACT_LOG: snprintf(buf, len, "log"); return;
	}
	name = lstar_errno_name(r->err);
	if (name)
		snprintf(buf, len, "deny %s", name);
	else
		snprintf(buf, len, "deny %u", r->err);
}

/* One row of the rules table, kept until the column widths are known. */
struct row {
	char sys[64];
	char verdict[48];
	char *conds;
	char where[256];
};

/* A syscall's name, or its number when libseccomp has no name for it. */
static const char *sys_label(uint32_t nr, char *buf, size_t len)
{
	const char *name = lstar_syscall_name(nr);

	if (name)
		return name;
	snprintf(buf, len, "%u", nr);
	return buf;
}

/* qsort order of syscall numbers: by name, so the output reads like an
 * index and does not depend on numbering. */
static int by_name(const void *a, const void *b)
{
	char x[16], y[16];
	uint32_t p = *(const uint32_t *)a, q = *(const uint32_t *)b;

	return strcmp(sys_label(p, x, sizeof(x)), sys_label(q, y, sizeof(y)));
}

/* "FILE:LINE", and for the rules a `path` line implies, that line. */
static void where(const struct lstar_policy *p, uint32_t src, char *buf, size_t len)
{
	char w[200];

	lstar_policy_where(p, src, w, sizeof(w));
	if (src < p->nsources && !strncmp(p->sources[src].text, "path ", 5))
		snprintf(buf, len, "%s (%s)", w, p->sources[src].text);
	else
		snprintf(buf, len, "%s", w);
}

/* A byte count in the largest unit that says it exactly (256M, not
 * 268435456), as a policy would write it. */
static void size_text(uint64_t v, char *buf, size_t len)
{
	if (v && !(v & ((1ULL << 30) - 1)))
		snprintf(buf, len, "%lluG", (unsigned long long)(v >> 30));
	else if (v && !(v & ((1ULL << 20) - 1)))
		snprintf(buf, len, "%lluM", (unsigned long long)(v >> 20));
	else if (v && !(v & ((1ULL << 10) - 1)))
		snprintf(buf, len, "%lluK", (unsigned long long)(v >> 10));
	else
		snprintf(buf, len, "%llu", (unsigned long long)v);
}

void lstar_policy_explain(const struct lstar_policy *p, FILE *out)
{
	const struct lstar_policy_table *t = p->table;
	uint32_t order[LSTAR_POLICY_NR], nsys = 0;
	struct row *rows;
	size_t nrows = 0, wsys = 7, wverdict = 7, wconds = 10;
	char w[256], v[48], buf[16], size[32];

	if (!t)
		return;
	for (uint32_t nr = 0; nr < LSTAR_POLICY_NR; nr++)
		if (t->sys[nr].nrules)
			order[nsys++] = nr;
	qsort(order, nsys, sizeof(order[0]), by_name);
	rows = calloc(t->nrules ? t->nrules : 1, sizeof(*rows));
	if (!rows) {
		fprintf(out, "(out of memory)\n");
		return;
	}
	/* Each syscall's rules from the last to the first: the order the
	 * evaluator tries them in. */
	for (uint32_t i = 0; i < nsys; i++) {
		const struct lstar_pol_sys *s = &t->sys[order[i]];

		for (uint32_t j = s->nrules; j-- > 0;) {
			const struct lstar_pol_rule *r = &t->rules[s->first_rule + j];
			struct row *row = &rows[nrows++];

			snprintf(row->sys, sizeof(row->sys), "%s", sys_label(order[i], buf, sizeof(buf)));
			verdict(r, row->verdict, sizeof(row->verdict));
			row->conds = conds_text(t, order[i], r);
			where(p, r->src, row->where, sizeof(row->where));
			if (strlen(row->sys) > wsys)
				wsys = strlen(row->sys);
			if (strlen(row->verdict) > wverdict)
				wverdict = strlen(row->verdict);
			if (row->conds && strlen(row->conds) > wconds)
				wconds = strlen(row->conds);
		}
	}

	/* Every row was made (above) before any is printed: the column
	 * widths depend on the longest entry of each. */
	verdict(&t->dflt, v, sizeof(v));
	fprintf(out, "default: %s (%s)\n\n", v, lstar_policy_where(p, t->dflt.src, w, sizeof(w)));
	fputs("Rules are listed per syscall in the order they are tried: the first\n"
	      "that matches decides (it is the last matching line of the policy).\n"
	      "A call that no rule matches gets the default.\n\n", out);
	if (nrows == 0)
		fputs("(no rules)\n", out);
	else
		fprintf(out, "%-*s  %-*s  %-*s  %s\n", (int)wsys, "SYSCALL", (int)wverdict,
			"VERDICT", (int)wconds, "CONDITIONS", "FROM");
	for (size_t i = 0; i < nrows; i++) {
		fprintf(out, "%-*s  %-*s  %-*s  %s\n", (int)wsys, rows[i].sys, (int)wverdict,
			rows[i].verdict, (int)wconds, rows[i].conds ? rows[i].conds : "?",
			rows[i].where);
		free(rows[i].conds);
	}
	free(rows);

	fputs("\nPaths (the VMM resolves each path the program names beneath these;\n"
	      "a path outside all of them does not exist: ENOENT):\n", out);
	if (p->npaths == 0)
		fputs("  (none: the program has no file system)\n", out);
	for (int i = 0; i < p->npaths; i++)
		fprintf(out, "  %s  %s  (%s)\n", p->paths[i].writable ? "rw" : "ro", p->paths[i].path,
			lstar_policy_where(p, p->paths[i].src, w, sizeof(w)));

	fputs("\nLimits (unset: lstar run's --mem, --timeout or its own defaults):\n", out);
	if (p->mem) {
		size_text(p->mem, size, sizeof(size));
		fprintf(out, "  memory  %s  (%s)\n", size, lstar_policy_where(p, p->mem_src, w, sizeof(w)));
	} else {
		fputs("  memory  unset\n", out);
	}
	if (p->time > 0)
		fprintf(out, "  time    %gs  (%s)\n", p->time,
			lstar_policy_where(p, p->time_src, w, sizeof(w)));
	else
		fputs("  time    unset\n", out);
	if (p->files)
		fprintf(out, "  files   %d  (%s)\n", p->files,
			lstar_policy_where(p, p->files_src, w, sizeof(w)));
	else
		fputs("  files   unset\n", out);
}
