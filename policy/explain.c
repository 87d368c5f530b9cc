/* SPDX-License-Identifier: MIT */
/*
 * explain.c - a compiled policy as a table a person can read: the
 * default, then each syscall's rules in the order the evaluator tries
 * them, then the paths and the limits.  The output is deterministic
 * (syscalls sorted by name), so tests compare it with golden files.
 */
#include <asm/prctl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "compile.h"
#include "names.h"

static const char *const cmp_text[LSTAR_CMP_MAX] = { "==", "!=", "<", "<=", ">", ">=" };

/* The conditions of rule r as the language writes them, into a new
 * string (the caller frees it); NULL when out of memory. */
static char *conds_text(const struct lstar_policy_table *t, uint32_t nr,
			const struct lstar_policy_rule *r)
{
	const struct lstar_policy_cond *conds = lstar_policy_conds(t);
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	if (!f)
		return NULL;
	if (r->ncond == 0)
		fputs("-", f);
	for (uint16_t i = 0; i < r->ncond; i++) {
		const struct lstar_policy_cond *k = &conds[r->first_cond + i];
		/* Constants by name only where the argument means them:
		 * O_RDONLY in openat's flags, 0 in write's descriptor. */
		int kind = policy_arg_kind(nr, k->arg);
		char mask[256], value[256];

		policy_arg_spell(k->value, kind, value, sizeof(value));
		if (i)
			fputs(" and ", f);
		/* Only the bits the kernel reads are ever compared: that
		 * mask goes without saying. */
		if (k->mask == UINT64_MAX || k->mask == policy_arg_bits(kind)) {
			fprintf(f, "arg%u %s %s", k->arg, cmp_text[k->op], value);
			continue;
		}
		/* A mask is bits: hex unless a name fits. */
		if (policy_const_spell(k->mask, policy_arg_cls(kind), mask, sizeof(mask)) < 0)
			snprintf(mask, sizeof(mask), "0x%llx", (unsigned long long)k->mask);
		fprintf(f, "(arg%u & %s) %s %s", k->arg, mask, cmp_text[k->op], value);
	}
	if (fclose(f) != 0) {
		free(s);
		return NULL;
	}
	return s;
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
	const char *name = lstar_policy_syscall_name(nr);

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

/* "FILE:LINE", and for the rules a `path` or `net` line implies, that
 * line. */
static void where(const struct lstar_policy *p, uint32_t src, char *buf, size_t len)
{
	char w[200];

	lstar_policy_where(p, src, w, sizeof(w));
	if (src < p->nsources && (!strncmp(p->sources[src].text, "path ", 5) ||
				  !strncmp(p->sources[src].text, "net ", 4)))
		snprintf(buf, len, "%s (%s)", w, p->sources[src].text);
	else
		snprintf(buf, len, "%s", w);
}

/*
 * The `net` rules in source order (the last that matches an address is
 * the one -v and --trace name), and `net dns` with where its
 * nameservers come from.
 */
static void net_section(const struct lstar_policy *p, FILE *out)
{
	char w[256], rule[80];
	size_t wrule = 0;

	for (int i = 0; i < p->nnets; i++) {
		size_t l = strlen(lstar_policy_net_text(&p->nets[i], rule, sizeof(rule)));

		if (l > wrule)
			wrule = l;
	}
	fputs("\nNetwork (the VMM judges each address the program connects or sends to,\n"
	      "binds, or accepts a peer from against these; any other is EACCES):\n", out);
	if (p->nnets == 0 && !p->dns)
		fputs("  (none: no network; AF_INET and AF_INET6 sockets are EAFNOSUPPORT)\n", out);
	for (int i = 0; i < p->nnets; i++) {
		const struct lstar_policy_net *n = &p->nets[i];

		fprintf(out, "  %-7s  %-*s  (%s)\n",
			n->op == LSTAR_NET_CONNECT ? "connect" : "listen", (int)wrule,
			lstar_policy_net_text(n, rule, sizeof(rule)),
			lstar_policy_where(p, n->src, w, sizeof(w)));
	}
	if (p->dns)
		fprintf(out, "  dns      the nameservers of %s%s, port 53  (%s)\n",
			p->dns_conf ? p->dns_conf : "/etc/resolv.conf",
			p->dns_conf ? "" : " (the host's)",
			lstar_policy_where(p, p->dns_src, w, sizeof(w)));
}

/* One line of the limits: its value and where it was set, or unset. */
static void limit_line(FILE *out, const char *kind, const char *value,
		       const struct lstar_policy *p, uint32_t src)
{
	char w[256];

	if (value)
		fprintf(out, "  %-9s %s  (%s)\n", kind, value, lstar_policy_where(p, src, w, sizeof(w)));
	else
		fprintf(out, "  %-9s unset\n", kind);
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
		const struct lstar_policy_sys *s = &t->sys[order[i]];

		for (uint32_t j = s->nrules; j-- > 0;) {
			const struct lstar_policy_rule *r = &t->rules[s->first_rule + j];
			struct row *row = &rows[nrows++];

			snprintf(row->sys, sizeof(row->sys), "%s", sys_label(order[i], buf, sizeof(buf)));
			snprintf(row->verdict, sizeof(row->verdict), "%s",
				 policy_verdict_text(r->action, r->err, v, sizeof(v)));
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
	fprintf(out, "default: %s (%s)\n\n",
		policy_verdict_text(t->dflt.action, t->dflt.err, v, sizeof(v)),
		lstar_policy_where(p, t->dflt.src, w, sizeof(w)));
	fputs("Rules are listed per syscall in the order they are tried; the first\n"
	      "that matches decides.  That is the policy's last matching rule, but\n"
	      "the rules a `path` or `net` line implies come after all the others.\n"
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
		fprintf(out, "  %s  %s%s%s  (%s)\n", p->paths[i].writable ? "rw" : "ro",
			p->paths[i].path, p->paths[i].guest ? "  as " : "",
			p->paths[i].guest ? p->paths[i].guest : "",
			lstar_policy_where(p, p->paths[i].src, w, sizeof(w)));

	net_section(p, out);

	fputs("\nLimits (unset: lstar run's --mem, --timeout or its own defaults):\n", out);
	if (p->mem) {
		size_text(p->mem, size, sizeof(size));
		limit_line(out, "memory", size, p, p->mem_src);
	} else {
		limit_line(out, "memory", NULL, p, 0);
	}
	snprintf(size, sizeof(size), "%gs", p->time);
	limit_line(out, "time", p->time > 0 ? size : NULL, p, p->time_src);
	snprintf(size, sizeof(size), "%d", p->files);
	limit_line(out, "files", p->files ? size : NULL, p, p->files_src);
	snprintf(size, sizeof(size), "%d", p->threads);
	limit_line(out, "threads", p->threads ? size : NULL, p, p->threads_src);
	snprintf(size, sizeof(size), "%d", p->processes);
	limit_line(out, "processes", p->processes ? size : NULL, p, p->processes_src);
}

/* What every static libc program calls to start and to end, as musl and
 * glibc call it.  The heap needs brk or mmap, not both: mmap's entry
 * speaks for the two, and only when brk is refused too. */
static const struct startup_call {
	const char *name;
	uint32_t nr;
	uint64_t args[6];
	const char *why;
} startup_calls[] = {
	{ "arch_prctl", __NR_arch_prctl, { ARCH_SET_FS, 0x7f0000001000 },
	  "calls to set its thread pointer (musl halts without it)" },
	{ "set_tid_address", __NR_set_tid_address, { 0x7f0000001000 },
	  "calls at start-up, for its thread id" },
	{ "brk", __NR_brk, { 0 }, NULL },
	{ "brk and mmap", __NR_mmap, { 0, 4096, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, (uint64_t)-1, 0 },
	  "needs one of for its heap" },
	{ "exit_group", __NR_exit_group, { 0 }, "calls to end" },
};

static bool allowed(const struct lstar_policy_verdict v)
{
	return v.action == LSTAR_ACT_ALLOW || v.action == LSTAR_ACT_LOG;
}

int lstar_policy_check_startup(const struct lstar_policy *p, const char *name, FILE *out)
{
	const size_t n = sizeof(startup_calls) / sizeof(startup_calls[0]);
	bool brk_allowed = true;
	int warnings = 0;

	for (size_t i = 0; i < n; i++) {
		const struct startup_call *c = &startup_calls[i];
		struct lstar_policy_verdict v = lstar_policy_eval(p->table, c->nr, c->args);
		const struct lstar_policy_source *s = v.src < p->nsources ? &p->sources[v.src] : NULL;

		if (c->nr == __NR_brk) {
			brk_allowed = allowed(v);
			continue;
		}
		if (allowed(v) || (c->nr == __NR_mmap && brk_allowed))
			continue;
		if (s && s->line > 0)
			fprintf(out, "%s:%d: warning: refuses %s, which every static program %s\n",
				s->file, s->line, c->name, c->why);
		else
			fprintf(out, "%s: warning: its built-in default refuses %s, which every "
				"static program %s\n", name, c->name, c->why);
		warnings++;
	}
	if (warnings)
		fprintf(out, "  hint: `use compute` (or `use default`) allows what a program needs "
			"to start and end; rules after it narrow the rest\n");
	return warnings;
}
