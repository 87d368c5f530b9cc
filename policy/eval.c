/* SPDX-License-Identifier: MIT */
/*
 * eval.c - the policy evaluator, built twice: freestanding into the shim
 * (where it decides before any VM exit) and into the VMM (where it
 * decides again, on the arguments the VMM copied, for every forwarded
 * call).  Neither build may trust a table it has not validated.
 */
#include "policy.h"

/*
 * eval_quick - the verdict on nr when no condition needs to be looked at:
 * no rules (the default), or a last rule without conditions (that rule).
 * 1 and *v set when it decided, 0 when the arguments are needed.
 */
static int eval_quick(const struct lstar_policy_table *t, uint32_t nr,
		      struct lstar_policy_verdict *v)
{
	const struct lstar_policy_sys *s = &t->sys[nr];
	const struct lstar_policy_rule *r = &t->dflt;

	if (s->nrules) {
		r = &t->rules[s->first_rule + s->nrules - 1];
		if (r->ncond)
			return 0;
	}
	*v = (struct lstar_policy_verdict){ .action = r->action, .err = r->err, .src = r->src };
	return 1;
}

int lstar_policy_validate(const void *buf, size_t size)
{
	const struct lstar_policy_table *t = buf;
	const struct lstar_policy_cond *conds;
	uint32_t next = 0;

	if (size < sizeof(*t) || ((uintptr_t)buf & 7) || t->magic != LSTAR_POLICY_MAGIC)
		return -1;
	if (t->nrules > LSTAR_POLICY_MAX_RULES || t->nconds > LSTAR_POLICY_MAX_CONDS ||
	    t->size != size || lstar_policy_table_size(t->nrules, t->nconds) != size)
		return -1;
	if (t->dflt.ncond != 0 || t->dflt.action >= LSTAR_ACT_MAX ||
	    (t->dflt.action == LSTAR_ACT_ERRNO &&
	     (t->dflt.err == 0 || t->dflt.err > LSTAR_POLICY_MAX_ERRNO)))
		return -1;
	/* Each syscall's rules follow the previous one's: no overlap, no gap,
	 * and together exactly rules[0, nrules). */
	for (uint32_t nr = 0; nr < LSTAR_POLICY_NR; nr++) {
		if (t->sys[nr].first_rule != next && t->sys[nr].nrules != 0)
			return -1;
		next += t->sys[nr].nrules;
		if (next > t->nrules)
			return -1;
	}
	if (next != t->nrules)
		return -1;
	for (uint32_t i = 0; i < t->nrules; i++) {
		const struct lstar_policy_rule *r = &t->rules[i];

		if (r->action >= LSTAR_ACT_MAX ||
		    (uint32_t)r->first_cond + r->ncond > t->nconds)
			return -1;
		if (r->action == LSTAR_ACT_ERRNO &&
		    (r->err == 0 || r->err > LSTAR_POLICY_MAX_ERRNO))
			return -1;
	}
	conds = lstar_policy_conds(t);
	for (uint32_t i = 0; i < t->nconds; i++)
		if (conds[i].arg > 5 || conds[i].op >= LSTAR_CMP_MAX)
			return -1;
	/* A hint may be missing (0), never wrong. */
	for (uint32_t nr = 0; nr < LSTAR_POLICY_NR; nr++) {
		struct lstar_policy_verdict v;

		if (t->fast[nr] > 1 ||
		    (t->fast[nr] && (!eval_quick(t, nr, &v) ||
				     v.action != LSTAR_ACT_ALLOW)))
			return -1;
	}
	return 0;
}

void lstar_policy_fast_hints(struct lstar_policy_table *t)
{
	for (uint32_t nr = 0; nr < LSTAR_POLICY_NR; nr++) {
		struct lstar_policy_verdict v;

		t->fast[nr] = eval_quick(t, nr, &v) &&
			      v.action == LSTAR_ACT_ALLOW;
	}
}

/*
 * The argument registers are read in place: args[index[n]] is argument n.
 * The host passes its array of six (index 0..5); the shim its saved frame
 * with the frame's slots, sparing a copy where every store is emulated.
 */
static int cond_holds(const struct lstar_policy_cond *c, const uint64_t *args,
		      const uint8_t index[6])
{
	uint64_t v = args[index[c->arg]] & c->mask;

	switch (c->op) {
	case LSTAR_CMP_EQ: return v == c->value;
	case LSTAR_CMP_NE: return v != c->value;
	case LSTAR_CMP_LT: return v < c->value;
	case LSTAR_CMP_LE: return v <= c->value;
	case LSTAR_CMP_GT: return v > c->value;
	case LSTAR_CMP_GE: return v >= c->value;
	}
	return 0;	/* unreachable in a validated table */
}

static struct lstar_policy_verdict verdict_of(const struct lstar_policy_rule *r)
{
	return (struct lstar_policy_verdict){ .action = r->action, .err = r->err, .src = r->src };
}

struct lstar_policy_verdict lstar_policy_eval_at(const struct lstar_policy_table *t,
					  uint64_t nr, const uint64_t *args,
					  const uint8_t index[6])
{
	const struct lstar_policy_cond *conds = lstar_policy_conds(t);
	const struct lstar_policy_sys *s;

	if (nr >= LSTAR_POLICY_NR)
		return verdict_of(&t->dflt);
	/* nr is the program's number: clamp it without a branch, so that
	 * not even a mispredicted bounds check indexes past sys[] (Linux's
	 * generic array_index_mask_nospec: all ones when nr < NR, else 0). */
	nr &= ~(int64_t)(nr | (LSTAR_POLICY_NR - 1 - nr)) >> 63;
	s = &t->sys[nr];
	/* The last matching rule wins: walk back from the end. */
	for (uint32_t i = s->nrules; i-- > 0;) {
		const struct lstar_policy_rule *r = &t->rules[s->first_rule + i];
		uint32_t c = 0;

		while (c < r->ncond && cond_holds(&conds[r->first_cond + c], args, index))
			c++;
		if (c == r->ncond)
			return verdict_of(r);
	}
	return verdict_of(&t->dflt);
}

struct lstar_policy_verdict lstar_policy_eval(const struct lstar_policy_table *t,
				       uint64_t nr, const uint64_t args[6])
{
	static const uint8_t in_order[6] = { 0, 1, 2, 3, 4, 5 };

	return lstar_policy_eval_at(t, nr, args, in_order);
}
