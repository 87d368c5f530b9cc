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
	*v = lstar_policy_verdict_of(r);
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

const struct lstar_policy_rule *lstar_policy_match_at(const struct lstar_policy_table *t,
						      uint64_t nr, const uint64_t *args,
						      const uint8_t index[6])
{
	uint64_t keep;

	if (nr >= LSTAR_POLICY_NR)
		return &t->dflt;
	/* nr is the program's number: clamp it without a branch, so that
	 * not even a mispredicted bounds check indexes past sys[] (Linux's
	 * generic array_index_mask_nospec: all ones when nr < NR, else 0;
	 * hidden from the compiler, which would otherwise drop it after the
	 * test above). */
	keep = ~(uint64_t)((int64_t)(nr | (LSTAR_POLICY_NR - 1 - nr)) >> 63);
	__asm__("" : "+r"(keep));
	return lstar_policy_match_nr(t, (uint32_t)(nr & keep), args, index);
}

struct lstar_policy_verdict lstar_policy_eval_at(const struct lstar_policy_table *t,
					  uint64_t nr, const uint64_t *args,
					  const uint8_t index[6])
{
	return lstar_policy_verdict_of(lstar_policy_match_at(t, nr, args, index));
}

struct lstar_policy_verdict lstar_policy_eval(const struct lstar_policy_table *t,
				       uint64_t nr, const uint64_t args[6])
{
	static const uint8_t in_order[6] = { 0, 1, 2, 3, 4, 5 };

	return lstar_policy_eval_at(t, nr, args, in_order);
}
