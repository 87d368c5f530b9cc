/* SPDX-License-Identifier: MIT */
/*
 * policy.h - a compiled policy: the table the shim and the VMM both
 * consult, and the one evaluator they share (policy/eval.c).
 *
 * Freestanding: this header and eval.c use nothing but <stdint.h> and
 * <stddef.h>, so the same source builds into the shim (guest ring 0) and
 * into the VMM and the tools (host).
 *
 * The table, one contiguous block of table->size bytes:
 *
 *   struct lstar_policy_table   header, the default rule, one
 *                               struct lstar_policy_sys per syscall number
 *                               and the fast-path hints
 *   struct lstar_policy_rule[nrules]   every rule, grouped by syscall, each
 *                                   group in the order of the source
 *   struct lstar_policy_cond[nconds]   the conditions the rules point at
 *
 * Evaluation of syscall nr with arguments args[6]: the rules of nr are
 * tried from the last to the first (the last matching rule wins, as in
 * pf); a rule matches when every one of its conditions holds; the first
 * match found decides.  When none does, the default rule decides.  A
 * number outside the table (>= LSTAR_POLICY_NR, or negative as a 32-bit
 * value) has no rules: the default decides it too.
 *
 * A condition holds when ((args[arg] & mask) OP value) is true, compared
 * as unsigned 64-bit numbers.  The compiler folds into mask the bits the
 * kernel reads of that argument (the low 32 of an int, policy/names.c),
 * so garbage in an int's upper half is ignored here exactly as the
 * kernel and lstar's handlers ignore it.
 */
#ifndef LSTAR_POLICY_H
#define LSTAR_POLICY_H

#include <stddef.h>
#include <stdint.h>

#define LSTAR_POLICY_MAGIC	0x594349504c525453ULL	/* "STRLPICY" */
#define LSTAR_POLICY_NR		512	/* syscall numbers the table covers */
/* In the shim's copy of fast[], bits for the way its PVM entry takes
 * each call (the VMM sets them: vmm_mark_fast_ways). */
#define LSTAR_FAST_ALLOW	1	/* allowed outright (the hint itself) */
#define LSTAR_FAST_FORWARD	2	/* the VMM answers it as it is, and
					 * judges it by the policy itself:
					 * handed over at once */
#define LSTAR_FAST_ARGS		4	/* its handler reads only arguments: run
					 * on half a frame, the policy judged
					 * there first unless ALLOW */
#define LSTAR_POLICY_MAX_RULES	65535
#define LSTAR_POLICY_MAX_CONDS	65535
#define LSTAR_POLICY_MAX_ERRNO	4095	/* as Linux's MAX_ERRNO */

/* What a rule does with a call it matches. */
enum lstar_policy_action {
	LSTAR_ACT_ALLOW = 0,	/* run it */
	LSTAR_ACT_ERRNO = 1,	/* fail it with -err, without running it */
	LSTAR_ACT_KILL = 2,	/* end the program as SIGSYS would (159) */
	LSTAR_ACT_LOG = 3,	/* run it, and write a line to the trace */
	LSTAR_ACT_MAX
};

/* How a condition compares. */
enum lstar_policy_cmp {
	LSTAR_CMP_EQ = 0,
	LSTAR_CMP_NE = 1,
	LSTAR_CMP_LT = 2,
	LSTAR_CMP_LE = 3,
	LSTAR_CMP_GT = 4,
	LSTAR_CMP_GE = 5,
	LSTAR_CMP_MAX
};

/* (args[arg] & mask) OP value; mask is ~0 when the rule names none. */
struct lstar_policy_cond {
	uint8_t arg;			/* 0..5 */
	uint8_t op;			/* enum lstar_policy_cmp */
	uint8_t _pad[6];
	uint64_t mask;
	uint64_t value;
};

/* One rule: an action, taken when all of its conditions hold. */
struct lstar_policy_rule {
	uint8_t action;			/* enum lstar_policy_action */
	uint8_t _pad0;
	uint16_t err;			/* LSTAR_ACT_ERRNO: 1..LSTAR_POLICY_MAX_ERRNO */
	uint16_t first_cond;		/* conds[first_cond, first_cond + ncond) */
	uint16_t ncond;			/* 0: the rule always matches */
	uint32_t src;			/* where it was written: an index the
					 * host's source table turns into
					 * FILE:LINE; opaque to the shim */
	uint32_t _pad1;
};

/* The rules of one syscall number: rules[first_rule, first_rule + nrules). */
struct lstar_policy_sys {
	uint16_t first_rule;
	uint16_t nrules;
};

struct lstar_policy_table {
	uint64_t magic;			/* LSTAR_POLICY_MAGIC */
	uint32_t size;			/* bytes of the whole block */
	uint32_t nrules;
	uint32_t nconds;
	uint32_t _pad0;
	struct lstar_policy_rule dflt;	/* decides what no rule matches;
					 * has no conditions */
	struct lstar_policy_sys sys[LSTAR_POLICY_NR];
	/*
	 * fast[nr] is 1 when nr is allowed whatever its arguments (its last
	 * rule is an `allow` without conditions, or it has no rules and the
	 * default allows), else 0.  A hint for the shim's hot path, which
	 * then looks at nothing else: one load where each shim instruction
	 * costs ~360 ns (PVM).  The VMM clears them all when it wants every
	 * call reported (--trace, --learn, -v), and in the shim's copy
	 * marks the way the shim's PVM entry takes each (LSTAR_FAST_*:
	 * entry.S).
	 */
	uint8_t fast[LSTAR_POLICY_NR];
	struct lstar_policy_rule rules[];	/* then the conditions */
};

/* The decision on one call. */
struct lstar_policy_verdict {
	uint8_t action;			/* enum lstar_policy_action */
	uint16_t err;			/* for LSTAR_ACT_ERRNO */
	uint32_t src;			/* the deciding rule's src */
};

/* The decision rule r makes. */
static inline struct lstar_policy_verdict
lstar_policy_verdict_of(const struct lstar_policy_rule *r)
{
	return (struct lstar_policy_verdict){ .action = r->action, .err = r->err, .src = r->src };
}

/* lstar_policy_fast_hints - fill t->fast[] from the rules (the
 * compiler does, after building the table). */
void lstar_policy_fast_hints(struct lstar_policy_table *t);

/* Bytes a table with nrules rules and nconds conditions takes. */
static inline size_t lstar_policy_table_size(uint32_t nrules, uint32_t nconds)
{
	return sizeof(struct lstar_policy_table) +
	       (size_t)nrules * sizeof(struct lstar_policy_rule) +
	       (size_t)nconds * sizeof(struct lstar_policy_cond);
}

/* The conditions array of a (validated) table. */
static inline const struct lstar_policy_cond *
lstar_policy_conds(const struct lstar_policy_table *t)
{
	return (const struct lstar_policy_cond *)&t->rules[t->nrules];
}

/*
 * lstar_policy_validate - is the size bytes at buf a table that
 * lstar_policy_eval can walk without ever reading outside it?  Checks the
 * magic, the size, every index and count, every action, errno, argument
 * number and comparison.  0 when it is, -1 when not.  The shim validates
 * the table the VMM gave it once at boot; the VMM validates what it
 * compiled before using it.
 */
int lstar_policy_validate(const void *buf, size_t size);

/*
 * lstar_policy_eval - the verdict on syscall nr (rax as the program set
 * it, sign-extended from 32 bits or not: any value is fine) with the six
 * argument registers args, under the validated table t.
 */
struct lstar_policy_verdict lstar_policy_eval(const struct lstar_policy_table *t,
				       uint64_t nr, const uint64_t args[6]);

/*
 * lstar_policy_eval_at - the same, reading argument n at args[index[n]]
 * (each index[n] a valid index of args): the shim passes its saved
 * register frame as it is.
 */
struct lstar_policy_verdict lstar_policy_eval_at(const struct lstar_policy_table *t,
					  uint64_t nr, const uint64_t *args,
					  const uint8_t index[6]);

/* lstar_policy_match_at - the rule behind lstar_policy_eval_at's verdict
 * (&t->dflt when no rule matches). */
const struct lstar_policy_rule *lstar_policy_match_at(const struct lstar_policy_table *t,
						      uint64_t nr, const uint64_t *args,
						      const uint8_t index[6]);

/*
 * lstar_policy_match_nr - the same, for an nr below LSTAR_POLICY_NR that
 * the caller has clamped against speculation: the evaluator itself,
 * inline for the shim's hot path, where each instruction is emulated
 * (PVM) and a call, its argument moves and a returned verdict cost ~20.
 * The last of nr's rules whose conditions all hold decides; the default
 * when none does.  Argument n is args[index[n]].
 */
static inline const struct lstar_policy_rule *
lstar_policy_match_nr(const struct lstar_policy_table *t, uint32_t nr,
		      const uint64_t *args, const uint8_t index[6])
{
	const struct lstar_policy_cond *conds = lstar_policy_conds(t);
	const struct lstar_policy_rule *first = &t->rules[t->sys[nr].first_rule];
	const struct lstar_policy_rule *r = first + t->sys[nr].nrules;

	while (r != first) {
		const struct lstar_policy_cond *c, *end;

		r--;
		c = &conds[r->first_cond];
		for (end = c + r->ncond; c != end; c++) {
			uint64_t v = args[index[c->arg]] & c->mask;

			/* Each case leaves the rule when its condition does
			 * not hold; & 7 spares the jump table a bounds test
			 * (6 and 7 are not in a validated table). */
			switch (c->op & 7) {
			case LSTAR_CMP_EQ: if (v != c->value) goto next; break;
			case LSTAR_CMP_NE: if (v == c->value) goto next; break;
			case LSTAR_CMP_LT: if (v >= c->value) goto next; break;
			case LSTAR_CMP_LE: if (v > c->value) goto next; break;
			case LSTAR_CMP_GT: if (v <= c->value) goto next; break;
			case LSTAR_CMP_GE: if (v < c->value) goto next; break;
			default: goto next;
			}
		}
		return r;
next:		;
	}
	return &t->dflt;
}

#endif /* LSTAR_POLICY_H */
