/* SPDX-License-Identifier: MIT */
/*
 * build.c - the rules before they are a table: their books (the
 * repeat and override warnings), then the table of policy.h, grouped by
 * syscall in source order, and the sources it names.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"

/* The same test on the same argument: the warnings' notion of "same". */
static bool cond_eq(const struct lstar_policy_cond *a, const struct lstar_policy_cond *b)
{
	return a->arg == b->arg && a->op == b->op && a->mask == b->mask && a->value == b->value;
}

/* Do rules a and b have the same conditions, in any order? */
static bool same_conds(const struct compiler *c, const struct rule *a, const struct rule *b)
{
	const struct lstar_policy_cond *ca, *cb;

	if (a->ncond != b->ncond)
		return false;
	if (!a->ncond)
		return true;	/* (a policy without conditions has no array) */
	ca = &c->conds[a->first_cond];
	cb = &c->conds[b->first_cond];
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
		const struct lstar_policy_cond *k = &c->conds[r->first_cond + i];
		uint64_t x = ((uint64_t)k->arg << 8 | k->op) ^ k->mask * 0xff51afd7ed558ccdULL ^
			     k->value * 0xc4ceb9fe1a85ec53ULL;

		h += x ^ (x >> 29);
	}
	return h ^ (h >> 32);
}

/*
 * The table of rules seen, at most half full so that probes stay short:
 * it starts small (a policy has tens of rules, and a table sized for the
 * most a policy may hold cost every run its page faults) and doubles.
 * False when there is no memory: only a warning is lost.
 */
static bool grow_seen(struct compiler *c)
{
	size_t cap = c->seen_cap ? 2 * c->seen_cap : 256;
	uint32_t *seen;

	if (2 * (c->seen_used + 1) <= c->seen_cap)
		return true;
	if (!(seen = calloc(cap, sizeof(*seen))))
		return false;
	for (size_t i = 0; i < c->seen_cap; i++) {
		size_t slot;

		if (!c->seen[i])
			continue;
		for (slot = rule_hash(c, &c->rules[c->seen[i] - 1]) & (cap - 1); seen[slot];
		     slot = (slot + 1) & (cap - 1))
			;
		seen[slot] = c->seen[i];
	}
	free(c->seen);
	c->seen = seen;
	c->seen_cap = cap;
	return true;
}

/*
 * check_repeat - warn when rule r (just added, index idx) repeats or
 * overrides an earlier rule of the same file with the same syscall and
 * conditions.  Rules of different files never warn: narrowing a profile
 * you `use` is the point of "the last match wins".
 */
void policy_check_repeat(struct compiler *c, size_t idx, int col, const char *sysname)
{
	const struct rule *r = &c->rules[idx];
	size_t mask, slot;

	if (!grow_seen(c))
		return;
	mask = c->seen_cap - 1;
	for (slot = rule_hash(c, r) & mask; c->seen[slot]; slot = (slot + 1) & mask) {
		const struct rule *old = &c->rules[c->seen[slot] - 1];
		char a[64], b[64];

		if (old->file != r->file || old->nr != r->nr || !same_conds(c, old, r))
			continue;
		if (old->action == r->action && old->err == r->err)
			policy_warning(c, col, NULL, "duplicate of line %d ('%s')",
				c->srcs[old->src].line, sysname);
		else
			policy_warning(c, col, "with the same conditions only the later line ever decides",
				"overrides line %d: '%s' was %s there, %s here",
				c->srcs[old->src].line, sysname,
				policy_verdict_text(old->action, old->err, a, sizeof(a)),
				policy_verdict_text(r->action, r->err, b, sizeof(b)));
		break;
	}
	c->seen_used += !c->seen[slot];
	c->seen[slot] = (uint32_t)idx + 1;
}

/*
 * check_shadowed - rule idx (just added) matches every call to its
 * syscall: warn of the earlier rules of the same file for it that have
 * conditions, which it leaves nothing to decide.  (Rules of other files,
 * a `use`d profile's, are overridden on purpose.)  The walk stops at an
 * earlier unconditional rule: what lies before it was reported then.
 */
void policy_check_shadowed(struct compiler *c, size_t idx, int col, const char *sysname)
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
		policy_warning(c, col, "put the narrower rule after the wider one",
			"line %d can never decide '%s': this rule, later, matches every call",
			c->srcs[old->src].line, sysname);
	}
}

/* Add one rule; 0, or -1 after reporting that the table is full. */
int policy_add_rule(struct compiler *c, const struct rule *r)
{
	if (c->nrules >= LSTAR_POLICY_MAX_RULES) {
		policy_error(c, 0, NULL, "too many rules: a policy holds at most %d",
		      LSTAR_POLICY_MAX_RULES);
		c->stopped = true;	/* every later rule would say the same */
		return -1;
	}
	if (GROW(c, rules, nrules, rules_cap) < 0) {
		policy_error(c, 0, NULL, "out of memory");
		return -1;
	}
	c->rules[c->nrules++] = *r;
	return 0;
}

int policy_add_implied(struct compiler *c, int nr, uint32_t src)
{
	struct rule r = {
		.nr = (uint16_t)nr, .action = LSTAR_ACT_ALLOW, .src = src,
		.file = c->stack[c->depth - 1].file, .implicit = true,
	};

	if (c->implied[nr]) {
		c->rules[c->implied[nr] - 1].src = src;
		return 0;
	}
	if (policy_add_rule(c, &r) < 0)
		return -1;
	c->implied[nr] = (uint32_t)c->nrules;
	return 0;
}

/* Copy n conditions into the policy; the index of the first in *first. */
int policy_add_conds(struct compiler *c, const struct lstar_policy_cond *k, size_t n,
		     uint16_t *first)
{
	if (n == 0) {
		*first = 0;
		return 0;
	}
	if (c->nconds + n > LSTAR_POLICY_MAX_CONDS) {
		policy_error(c, 0, NULL, "too many conditions: a policy holds at most %d",
		      LSTAR_POLICY_MAX_CONDS);
		c->stopped = true;
		return -1;
	}
	*first = (uint16_t)c->nconds;
	for (size_t i = 0; i < n; i++) {
		if (GROW(c, conds, nconds, conds_cap) < 0) {
			policy_error(c, 0, NULL, "out of memory");
			return -1;
		}
		c->conds[c->nconds++] = k[i];
	}
	return 0;
}

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
int policy_build(struct compiler *c, struct lstar_policy *out)
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
			t->rules[pos[r->nr]++] = (struct lstar_policy_rule){
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
	out->nets = c->nets;
	out->nnets = (int)c->nnets;
	c->nets = NULL;
	c->nnets = 0;
	out->dns = c->dns;
	out->dns_conf = c->dns_conf;
	out->dns_src = c->dns_src;
	c->dns_conf = NULL;
	out->mem = c->mem;
	out->time = c->time;
	out->files = c->nfiles_limit;
	out->threads = c->nthreads_limit;
	out->processes = c->nprocs_limit;
	out->mem_src = c->mem_src;
	out->time_src = c->time_src;
	out->files_src = c->files_src;
	out->threads_src = c->threads_src;
	out->processes_src = c->procs_src;
	return 0;
}
