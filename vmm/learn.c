/* SPDX-License-Identifier: MIT */
/*
 * learn.c - --learn: record what a trial run did, and write it out as a
 * policy that allows the calls its policy let it make, refuses the others
 * (docs/TRACE.md, "Learning a policy").  Arguments are narrowed only by
 * the conditions it writes, one argument per call at most: what else the
 * learning run's policy said of a call's arguments is not carried over,
 * and a comment says so where it applies.
 *
 * What is recorded, all of it in host memory of a fixed size (a run of
 * any length costs the same):
 *
 *  - per syscall number: how many calls the policy allowed (or logged),
 *    denied (and with which errno), killed, or lstar lacked (ENOSYS); and
 *    for the calls where one argument says something a reviewer can
 *    judge (write's descriptor, ioctl's request, openat's access mode,
 *    mprotect's protection, ...) up to LEARN_MAX_VALUES distinct values
 *    of it, for the allowed calls and for the refused ones;
 *  - per granted tree: the deepest directory that holds every name the
 *    program looked up below it, apart for reading and for changing.
 *
 * The policy written from it:
 *
 *    default deny errno ENOSYS
 *    path ro|rw DIR ...         one per tree and use, never wider than it
 *    allow NAME [if COND]       per syscall, grouped, with its count
 *    deny NAME errno E / kill   for what the learning run refused
 *
 * Why ENOSYS for the default: every call the run made has its own rule,
 * so the replay of the same run meets the default only for calls lstar
 * does not implement, which failed with ENOSYS in the learning run too;
 * and a program that takes a different path meets "this kernel lacks
 * that call", which libcs and runtimes fall back from gracefully.
 *
 * The output file is opened before lstar confines itself (afterwards it
 * can create nothing) and written once, at the end, with plain write().
 *
 * Every process of the sandbox records its own calls; a forked one adds
 * its record, as it ends, to one the processes share (struct
 * learn_shared, a MAP_SHARED mapping made with the file), which the first
 * process adds to its own before it writes the policy: the policy allows
 * what any process of the run did.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "names.h"
#include "vmm.h"

#define LEARN_MAX_VALUES 4	/* distinct values that still make a condition */
#define LEARN_COMMENT_COL 40	/* where a rule's "# N calls" starts */

/* Distinct values of one argument, with how often each came. */
struct learn_vals {
	uint64_t v[LEARN_MAX_VALUES];
	uint64_t count[LEARN_MAX_VALUES];
	uint8_t n;
	bool many;		/* more than LEARN_MAX_VALUES */
};

struct learn_sys {
	uint64_t allowed;	/* the policy let it run (allow or log) */
	uint64_t logged;	/* ... by a `log` rule */
	uint64_t denied;	/* failed by the policy with an errno */
	uint64_t killed;	/* ended the run (a `kill` rule) */
	uint64_t nosys;		/* allowed, but lstar lacks it */
	uint16_t err;		/* the denied calls' errno (the last one's) */
	bool errs_differ;	/* ... and they were not all the same */
	uint32_t refused_src;	/* the rule that refused it (the last) */
	bool narrowed;		/* allowed by a rule with conditions ... */
	uint32_t narrowed_src;	/* ... this one (the first) */
	struct learn_vals ok;	/* the telling argument, allowed calls */
	struct learn_vals bad;	/* ... refused calls */
};

/* What the program used below one granted tree. */
struct learn_cover {
	char *dir[2];		/* [0] read, [1] changed: the deepest common
				 * directory, or NULL when nothing */
	uint64_t names[2];	/* lookups recorded */
};

/* One place on the network the program connected to, sent to, listened
 * on or heard from (sys_net.c judged it), with how often. */
#define LEARN_MAX_NETS 32
struct learn_net {
	uint8_t op;		/* enum lstar_net_op */
	uint8_t proto;		/* LSTAR_NET_TCP or LSTAR_NET_UDP */
	uint8_t family;		/* 4 or 6; 0: the wildcard address (listen) */
	bool refused;
	uint8_t addr[16];
	uint16_t port;
	uint64_t count;
};

/* What the calls came to, in one process's record and in the shared one. */
struct learn_counts {
	uint64_t calls;
	uint64_t unnamed;		/* numbers x86-64 has no syscall for */
	bool oom;			/* a path could not be recorded */
	struct learn_sys sys[LSTAR_POLICY_NR];
	struct learn_net net[LEARN_MAX_NETS];
	uint8_t nnet;
	bool net_many;			/* more than LEARN_MAX_NETS places */
	bool dns;			/* a nameserver `net dns` gave was reached */
};

struct vmm_learn {
	int fd;				/* the output, opened before confinement */
	struct learn_shared *shared;	/* the forked processes' record */
	struct learn_counts n;
	struct learn_cover cover[VMM_MAX_TREES];
	/* At the end: the calls the written path rules allow by themselves. */
	bool implied[LSTAR_POLICY_NR];
};

/* The record the sandbox's processes share: what the forked ones did, as
 * they end (fixed size: no pointers into one process's memory). */
struct learn_shared {
	struct learn_counts n;
	struct {
		char dir[2][4096];	/* "" when nothing */
		uint64_t names[2];
	} cover[VMM_MAX_TREES];
};

/* --- which argument tells, and how rules are grouped ------------------------ */

/* --learn's sections, in the order it writes them; each syscall's is its
 * `group` in include/syscalls.def (OTHER for one not listed there). */
static const char *const group_title[POLICY_GROUP_MAX] = {
	[POLICY_GROUP_START] = "Start-up, signals' bookkeeping and exit",
	[POLICY_GROUP_MEMORY] = "Memory",
	[POLICY_GROUP_IO] = "Descriptors and I/O",
	[POLICY_GROUP_PATHS] = "Paths (which ones: the path rules above)",
	[POLICY_GROUP_TIME] = "Time",
	[POLICY_GROUP_OTHER] = "Process information and the rest",
};

static const uint8_t group_order[] = {
	POLICY_GROUP_START, POLICY_GROUP_MEMORY, POLICY_GROUP_IO,
	POLICY_GROUP_PATHS, POLICY_GROUP_TIME, POLICY_GROUP_OTHER,
};

static int group_of(int nr)
{
	const struct policy_sys_args *a = policy_sys_args(nr);

	return a ? a->group : POLICY_GROUP_OTHER;
}

/*
 * The argument that tells one use of a call from another, as the one
 * table of arguments (policy_sys_args, policy/names.c) names it, and
 * what of it a condition compares.
 */
struct learn_tell {
	int arg;		/* its index; -1: the call has none */
	int kind;		/* enum policy_arg */
	bool std_only;		/* a descriptor: a condition only when every
				 * value is 0, 1 or 2 (other numbers depend
				 * on what was opened before) */
	uint64_t mask;		/* compare (arg & mask); 0: the whole register */
	const char *mask_name;
};

static struct learn_tell tell_of(uint64_t nr)
{
	const struct policy_sys_args *a = policy_sys_args(nr);
	struct learn_tell t = { .arg = -1 };

	if (!a || !a->tell)
		return t;
	t.arg = a->tell - 1;
	t.kind = a->arg[t.arg];
	t.std_only = t.kind == POLICY_ARG_FD;
	/* Open flags: the access mode says whether it reads or writes; the
	 * other flags (O_CLOEXEC, O_LARGEFILE) differ between libcs. */
	if (t.kind == POLICY_ARG_OPEN) {
		t.mask = O_ACCMODE;
		t.mask_name = "O_ACCMODE";
	}
	return t;
}

/* --- recording ------------------------------------------------------------ */

static void vals_add(struct learn_vals *s, uint64_t v)
{
	for (uint8_t i = 0; i < s->n; i++) {
		if (s->v[i] == v) {
			s->count[i]++;
			return;
		}
	}
	if (s->n == LEARN_MAX_VALUES) {
		s->many = true;
		return;
	}
	s->v[s->n] = v;
	s->count[s->n++] = 1;
}

static bool vals_has(const struct learn_vals *s, uint64_t v)
{
	for (uint8_t i = 0; i < s->n; i++)
		if (s->v[i] == v)
			return true;
	return false;
}

/* Did a rule of syscall nr written at src, with conditions, decide?
 * (The learned policy keeps at most one argument's condition.) */
static bool rule_has_conds(const struct lstar_policy_table *t, uint64_t nr, uint32_t src)
{
	const struct lstar_policy_sys *sys = &t->sys[nr];

	for (uint32_t i = 0; i < sys->nrules; i++) {
		const struct lstar_policy_rule *r = &t->rules[sys->first_rule + i];

		if (r->src == src && r->ncond)
			return true;
	}
	return false;
}

static void learn_path(struct vmm *vmm, const char *abs, bool write);

void vmm_learn_call(struct vmm *vmm, const struct vmm_call *c)
{
	struct vmm_learn *L = vmm->obs.learn;
	struct learn_tell tell;
	struct learn_sys *s;
	uint64_t v = 0;

	if (!L)
		return;
	for (int i = 0; i < c->npaths; i++)
		learn_path(vmm, c->paths[i].abs, c->paths[i].write);
	if (c->lost_paths)
		L->n.oom = true;
	L->n.calls++;
	/* A number outside the table has no name a policy could use. */
	if (c->nr >= LSTAR_POLICY_NR || !lstar_policy_syscall_name(c->nr)) {
		L->n.unnamed++;
		return;
	}
	s = &L->n.sys[c->nr];
	tell = tell_of(c->nr);
	if (tell.arg >= 0) {
		/* The bits the kernel reads: what a rule compares. */
		v = c->args[tell.arg] & policy_arg_bits(tell.kind);
		if (tell.mask)
			v &= tell.mask;
	}
	if (c->kind == LSTAR_TRACE_NOSYS) {
		s->nosys++;
		return;
	}
	if (c->v.action == LSTAR_ACT_KILL || c->kind == LSTAR_TRACE_DENIED ||
	    c->v.action == LSTAR_ACT_ERRNO) {
		if (c->v.action == LSTAR_ACT_KILL) {
			s->killed++;
		} else {
			/* What the program got is the errno (the shim's record
			 * carries it in ret only). */
			uint16_t err = c->ret < 0 && c->ret >= -LSTAR_POLICY_MAX_ERRNO ?
				       (uint16_t)-c->ret : EPERM;

			if (s->denied && s->err != err)
				s->errs_differ = true;
			s->err = err;
			s->denied++;
		}
		s->refused_src = c->v.src;
		if (tell.arg >= 0)
			vals_add(&s->bad, v);
		return;
	}
	s->allowed++;
	if (c->v.action == LSTAR_ACT_LOG)
		s->logged++;
	if (!s->narrowed && rule_has_conds(vmm->proc.policy->table, c->nr, c->v.src)) {
		s->narrowed = true;
		s->narrowed_src = c->v.src;
	}
	if (tell.arg >= 0)
		vals_add(&s->ok, v);
}

/* Count one more use of a place in n's record. */
static void net_add(struct learn_counts *n, const struct learn_net *e)
{
	int i;

	for (i = 0; i < n->nnet; i++) {
		struct learn_net *k = &n->net[i];

		if (k->op == e->op && k->proto == e->proto && k->family == e->family &&
		    k->refused == e->refused && k->port == e->port &&
		    !memcmp(k->addr, e->addr, sizeof(k->addr)))
			break;
	}
	if (i == n->nnet) {
		if (n->nnet == LEARN_MAX_NETS) {
			n->net_many = true;
			return;
		}
		n->net[n->nnet] = *e;
		n->net[n->nnet++].count = 0;
	}
	n->net[i].count += e->count;
}

void vmm_learn_net(struct vmm *vmm, int op, int proto, int family, const uint8_t *addr,
		   uint16_t port, enum vmm_net_verdict verdict)
{
	struct vmm_learn *L = vmm->obs.learn;
	struct learn_net e = {
		.op = (uint8_t)op, .proto = (uint8_t)proto, .family = (uint8_t)family,
		.refused = verdict == VMM_NET_REFUSED, .port = port, .count = 1,
	};
	static const uint8_t zero[16];

	if (!L)
		return;
	if (verdict == VMM_NET_DNS) {	/* `net dns` says it: no rule of its own */
		L->n.dns = true;
		return;
	}
	/* An IPv4-mapped address is the IPv4 one, as rules judge it. */
	if (family == 6 && lstar_policy_net_mapped(addr)) {
		e.family = 4;
		addr += 12;
	}
	memcpy(e.addr, addr, e.family == 4 ? 4 : 16);
	/* Listening on every address: written as `net listen PORT`, the
	 * loopback form; the peers it heard from get rules of their own. */
	if (op == LSTAR_NET_LISTEN && verdict == VMM_NET_ALLOWED &&
	    !memcmp(e.addr, zero, e.family == 4 ? 4 : 16))
		e.family = 0;
	net_add(&L->n, &e);
}

/* Cut *dir back to the deepest directory that holds it and d as well. */
static void common_dir(char *dir, const char *d)
{
	while (!vmm_fs_tree_contains(dir, d)) {
		char *slash = strrchr(dir, '/');

		if (slash == dir)
			slash[1] = '\0';	/* "/x" -> "/" */
		else
			*slash = '\0';
	}
}

/* What a process used below a tree now includes dir (w: to change it). */
static void cover_add(struct vmm_learn *L, struct learn_cover *cv, int w, const char *dir)
{
	if (!cv->dir[w]) {
		if (!(cv->dir[w] = strdup(dir)))
			L->n.oom = true;
		return;
	}
	common_dir(cv->dir[w], dir);
}

static void learn_path(struct vmm *vmm, const char *abs, bool write)
{
	struct vmm_learn *L = vmm->obs.learn;
	const struct vmm_tree *t;
	struct learn_cover *cv;
	char dir[4096];
	char *slash;
	int ti, w;

	if (!L || abs[0] != '/' || strlen(abs) >= sizeof(dir))
		return;
	if (!(t = vmm_fs_tree_of(&vmm->proc, abs)))
		return;		/* outside every tree: nothing to grant */
	if (t->private)
		return;		/* --tmp's: no path rule grants it (the header
				 * says to give --tmp again) */
	ti = (int)(t - vmm->proc.trees);
	/*
	 * The directory that holds the name (a path rule grants directory
	 * trees), but never above the tree the learning run granted.  A
	 * change in a read-only tree was refused (EROFS): it counts as a
	 * read, so a learned rule is never wider than the learning run's.
	 */
	snprintf(dir, sizeof(dir), "%s", abs);
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	if (!vmm_fs_tree_contains(t->len ? t->path : "/", dir))
		snprintf(dir, sizeof(dir), "%s", t->len ? t->path : "/");
	w = write && t->writable;
	cv = &L->cover[ti];
	cv->names[w]++;
	cover_add(L, cv, w, dir);
}

/* --- open and close ------------------------------------------------------- */

/* Write len bytes of buf at offset off of fd; 0 or -errno. */
static int put_at(int fd, const char *buf, size_t len, off_t off)
{
	while (len) {
		ssize_t n = pwrite(fd, buf, len, off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		off += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * A learned policy's file begins with '!' until it is complete: the
 * policy language has no such line, so no tool takes a cut-short file
 * for a policy.  The last write of a run turns that byte into the '#'
 * of the policy's first comment: one byte, which cannot be half-written.
 */
static const char unfinished[] =
	"! lstar --learn: the run has not finished, or was cut short: this is not a policy\n";

int vmm_learn_open(struct vmm *vmm)
{
	struct vmm_learn *L;
	struct stat st = { 0 };

	if (!vmm->opt->learn_path)
		return 0;
	if (!(L = calloc(1, sizeof(*L))))
		return -ENOMEM;
	/*
	 * Created now (once lstar is confined it can create nothing), and
	 * marked unfinished until the policy is written whole at the end:
	 * a run cut short, even by SIGKILL, never leaves a file that
	 * `lstar-policy check` accepts.  Not emptied as it is opened but
	 * once the mark is written over its start, so that no moment
	 * leaves an empty file (which would pass as an empty policy).
	 */
	L->fd = vmm_output_open(vmm, vmm->opt->learn_path, false, 0644);
	if (L->fd < 0) {
		int err = L->fd;

		free(L);
		return err;
	}
	if (fstat(L->fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    put_at(L->fd, unfinished, strlen(unfinished), 0) < 0 ||
	    ftruncate(L->fd, (off_t)strlen(unfinished)) < 0) {
		int err = S_ISREG(st.st_mode) ? -errno : -EINVAL;

		close(L->fd);
		free(L);
		return err;
	}
	L->shared = mmap(NULL, sizeof(*L->shared), PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (L->shared == MAP_FAILED) {
		close(L->fd);
		free(L);
		return -ENOMEM;
	}
	vmm->obs.learn = L;
	return 0;
}

/* --- the sandbox's processes' records ----------------------------------------- */

static void vals_merge(struct learn_vals *to, const struct learn_vals *from)
{
	for (uint8_t i = 0; i < from->n && i < LEARN_MAX_VALUES; i++) {
		uint8_t k;

		for (k = 0; k < to->n && to->v[k] != from->v[i]; k++)
			;
		if (k == to->n) {
			if (to->n == LEARN_MAX_VALUES) {
				to->many = true;
				continue;
			}
			to->v[to->n] = from->v[i];
			to->count[to->n++] = 0;
		}
		to->count[k] += from->count[i];
	}
	to->many |= from->many;
}

static void sys_merge(struct learn_sys *to, const struct learn_sys *from)
{
	if (from->denied) {
		to->errs_differ |= from->errs_differ || (to->denied && to->err != from->err);
		to->err = from->err;
	}
	if (from->denied || from->killed)
		to->refused_src = from->refused_src;
	if (from->narrowed && !to->narrowed) {
		to->narrowed = true;
		to->narrowed_src = from->narrowed_src;
	}
	to->allowed += from->allowed;
	to->logged += from->logged;
	to->denied += from->denied;
	to->killed += from->killed;
	to->nosys += from->nosys;
	vals_merge(&to->ok, &from->ok);
	vals_merge(&to->bad, &from->bad);
}

static void counts_merge(struct learn_counts *to, const struct learn_counts *from)
{
	to->calls += from->calls;
	to->unnamed += from->unnamed;
	to->oom |= from->oom;
	for (int nr = 0; nr < LSTAR_POLICY_NR; nr++)
		sys_merge(&to->sys[nr], &from->sys[nr]);
	for (int i = 0; i < from->nnet; i++)
		net_add(to, &from->net[i]);
	to->net_many |= from->net_many;
	to->dns |= from->dns;
}

void vmm_learn_share(struct vmm *vmm)
{
	struct vmm_learn *L = vmm->obs.learn;
	struct learn_shared *S;

	if (!L || !(S = L->shared))
		return;
	vmm_procs_lock(vmm->procs);
	counts_merge(&S->n, &L->n);
	for (int t = 0; t < VMM_MAX_TREES; t++)
		for (int w = 0; w < 2; w++) {
			const char *d = L->cover[t].dir[w];

			S->cover[t].names[w] += L->cover[t].names[w];
			if (!d)
				continue;
			if (!S->cover[t].dir[w][0])
				snprintf(S->cover[t].dir[w], sizeof(S->cover[t].dir[w]), "%s", d);
			else
				common_dir(S->cover[t].dir[w], d);
		}
	vmm_procs_unlock(vmm->procs);
}

void vmm_learn_forked(struct vmm *vmm)
{
	struct vmm_learn *L = vmm->obs.learn;

	if (!L)
		return;
	memset(&L->n, 0, sizeof(L->n));
	for (int t = 0; t < VMM_MAX_TREES; t++)
		for (int w = 0; w < 2; w++) {
			free(L->cover[t].dir[w]);
			L->cover[t].dir[w] = NULL;
			L->cover[t].names[w] = 0;
		}
}

/* The first process, at the end: the others' record into its own. */
static void take_shared(struct vmm *vmm)
{
	struct vmm_learn *L = vmm->obs.learn;
	struct learn_shared *S = L->shared;

	if (!S)
		return;
	counts_merge(&L->n, &S->n);
	for (int t = 0; t < VMM_MAX_TREES; t++)
		for (int w = 0; w < 2; w++) {
			L->cover[t].names[w] += S->cover[t].names[w];
			if (S->cover[t].dir[w][0])
				cover_add(L, &L->cover[t], w, S->cover[t].dir[w]);
		}
}

void vmm_learn_close(struct vmm *vmm)
{
	struct vmm_learn *L = vmm->obs.learn;

	if (!L)
		return;
	for (int i = 0; i < VMM_MAX_TREES; i++) {
		free(L->cover[i].dir[0]);
		free(L->cover[i].dir[1]);
	}
	close(L->fd);
	if (L->shared)
		munmap(L->shared, sizeof(*L->shared));
	free(L);
	vmm->obs.learn = NULL;
}

/* --- writing the policy --------------------------------------------------- */

/* Text for a comment: control characters (a newline would end it) as '?'. */
static void put_comment_text(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, f);
}

/*
 * settle_dir - make dir (inside tree t) a directory a replay can grant:
 * it must exist and be reached without symlinks (the replay's grant takes
 * its real path, and guest paths are matched against that).  Walk up
 * until it is, at worst to the tree's root.
 */
static void settle_dir(const struct vmm_tree *t, char *dir)
{
	for (;;) {
		const char *rel = dir + t->len;
		char *slash;

		while (*rel == '/')
			rel++;
		if (!*rel)
			return;		/* the tree's root */
		if (vmm_fs_plain_dir(t, rel) && policy_quotable(dir))
			return;
		slash = strrchr(dir, '/');
		*slash = '\0';
		if (strlen(dir) < t->len || !*dir) {
			snprintf(dir, strlen(t->path) + 1, "%s", t->path);
			return;
		}
	}
}

/* One rule line and its comment, the comments lined up. */
static void put_rule(FILE *f, const char *rule, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void put_rule(FILE *f, const char *rule, const char *fmt, ...)
{
	int n = fprintf(f, "%s", rule);
	va_list ap;

	fprintf(f, "%*s# ", n < LEARN_COMMENT_COL ? LEARN_COMMENT_COL - n : 1, "");
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
}

/* "argN == V" or "(argN & MASK) == V", V as a name where one fits. */
static void spell_cond(char *buf, size_t len, const struct learn_tell *tell,
		       uint64_t v)
{
	char val[128];

	policy_arg_spell(v, tell->kind, val, sizeof(val));
	if (tell->mask)
		snprintf(buf, len, "(arg%d & %s) == %s", tell->arg,
			 tell->mask_name, val);
	else
		snprintf(buf, len, "arg%d == %s", tell->arg, val);
}

static const char *rule_text(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static const char *rule_text(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return buf;
}

static const char *plural(uint64_t n)
{
	return n == 1 ? "" : "s";
}

/* The refusal of syscall nr the learning run made: deny with its errno,
 * or kill; cond NULL for every call. */
static void put_refusal(FILE *f, const struct vmm *vmm, int nr,
			const struct learn_sys *s, const char *cond)
{
	const char *name = lstar_policy_syscall_name(nr);
	const char *ename = lstar_policy_errno_name(s->err);
	char rule[512], errbuf[16], where[256];

	lstar_policy_where(vmm->proc.policy, s->refused_src, where, sizeof(where));
	/* The compiler knows the names in its own table; any other errno
	 * is written as its number. */
	if (!ename || policy_errno_find(ename, strlen(ename)) < 0) {
		snprintf(errbuf, sizeof(errbuf), "%u", s->err);
		ename = errbuf;
	}
	if (s->killed && !s->denied)
		snprintf(rule, sizeof(rule), "kill %s%s%s", name,
			 cond ? " if " : "", cond ? cond : "");
	else
		snprintf(rule, sizeof(rule), "deny %s errno %s%s%s", name, ename,
			 cond ? " if " : "", cond ? cond : "");
	if (s->killed && !s->denied)
		put_rule(f, rule, "ended the learning run (%s)", where);
	else
		put_rule(f, rule, "%llu call%s denied during learning (%s)%s",
			 (unsigned long long)s->denied, plural(s->denied), where,
			 s->killed ? ", and one killed it" :
			 s->errs_differ ? ", not all with this errno" : "");
}

/*
 * The rules for one syscall the run used.  The last matching explicit
 * rule wins (a path line's implied allow decides only what none
 * matches), so a refusal for every call goes before the allow rules that
 * carve out the values that were allowed, and a refusal for some values
 * after an allow for every call: either way the replay meets what the
 * learning run met.
 */
static void put_syscall(FILE *f, const struct vmm *vmm, int nr,
			const struct learn_sys *s)
{
	const struct learn_tell tell = tell_of((uint64_t)nr);
	const char *name = lstar_policy_syscall_name(nr);
	const char *verb = s->logged == s->allowed ? "log" : "allow";
	uint64_t refused = s->denied + s->killed;
	bool cond_ok = tell.arg >= 0 && !s->ok.many;
	char rule[512], cond[256];

	for (uint8_t i = 0; cond_ok && tell.std_only && i < s->ok.n; i++)
		if (s->ok.v[i] > 2)
			cond_ok = false;
	if (!s->allowed) {
		put_refusal(f, vmm, nr, s, NULL);
		return;
	}
	if (s->narrowed) {
		char where[256];

		lstar_policy_where(vmm->proc.policy, s->narrowed_src, where, sizeof(where));
		/* The header's promise: narrowed only where noted. */
		fprintf(f, "# review: during learning, %s was allowed under conditions (", name);
		put_comment_text(f, where);
		fprintf(f, ");\n# they are not carried over: only the rules below narrow it\n");
	}
	if (refused && cond_ok) {
		put_refusal(f, vmm, nr, s, NULL);
		for (uint8_t i = 0; i < s->bad.n; i++)
			if (vals_has(&s->ok, s->bad.v[i]) || s->bad.many) {
				fprintf(f, "# review: some calls of %s refused during learning had "
					"the values allowed below\n", name);
				break;
			}
	} else if (cond_ok && vmm->obs.learn->implied[nr])
		/*
		 * A path rule above allows every call of it that no explicit
		 * rule matches (the implied allows are the policy's lowest
		 * layer): without this explicit refusal, a value the
		 * conditions below do not list would get that allow, and
		 * they would narrow nothing.
		 */
		put_rule(f, rule_text(rule, sizeof(rule), "deny %s errno ENOSYS", name),
			 "other values: as the default");
	if (cond_ok) {
		for (uint8_t i = 0; i < s->ok.n; i++) {
			spell_cond(cond, sizeof(cond), &tell, s->ok.v[i]);
			snprintf(rule, sizeof(rule), "%s %s if %s", verb, name, cond);
			put_rule(f, rule, "%llu call%s", (unsigned long long)s->ok.count[i],
				 plural(s->ok.count[i]));
		}
		return;
	}
	snprintf(rule, sizeof(rule), "%s %s", verb, name);
	put_rule(f, rule, "%llu call%s%s", (unsigned long long)s->allowed,
		 plural(s->allowed), s->logged && s->logged < s->allowed ?
		 ", some of them logged during learning" : "");
	if (!refused)
		return;
	if (tell.arg >= 0 && !s->bad.many) {
		bool disjoint = true;

		for (uint8_t i = 0; i < s->bad.n; i++)
			disjoint = disjoint && !vals_has(&s->ok, s->bad.v[i]);
		if (disjoint && !s->ok.many) {
			for (uint8_t i = 0; i < s->bad.n; i++) {
				spell_cond(cond, sizeof(cond), &tell, s->bad.v[i]);
				put_refusal(f, vmm, nr, s, cond);
			}
			return;
		}
	}
	fprintf(f, "# review: %llu call%s of %s %s refused during learning; the "
		"rule above\n# allows them too (their arguments were not told apart)\n",
		(unsigned long long)refused, plural(refused), name,
		refused == 1 ? "was" : "were");
}

/*
 * host_dir - the host's path of dir, a guest path inside tree t (a
 * cover's): what a replay's rule grants, and what nesting is judged on.
 */
static void host_dir(const struct vmm_tree *t, const char *dir, char *out, size_t len)
{
	const char *rest = dir + t->len;

	if (!strcmp(rest, "/"))
		rest = "";		/* the root of a tree seen at "/" */
	snprintf(out, len, "%s%s", strcmp(t->host, "/") || !*rest ? t->host : "", rest);
}

/* The covers, settled, and the read ones that a changed one holds
 * dropped (a read-only tree inside a writable one cannot be granted:
 * judged on the host's paths, as the VMM judges it). */
static void settle_covers(struct vmm *vmm)
{
	struct vmm_learn *L = vmm->obs.learn;

	for (int i = 0; i < vmm->proc.ntrees; i++)
		for (int w = 0; w < 2; w++)
			if (L->cover[i].dir[w])
				settle_dir(&vmm->proc.trees[i], L->cover[i].dir[w]);
	for (int i = 0; i < vmm->proc.ntrees; i++) {
		struct learn_cover *ro = &L->cover[i];
		char ro_host[4096];

		if (!ro->dir[0])
			continue;
		host_dir(&vmm->proc.trees[i], ro->dir[0], ro_host, sizeof(ro_host));
		for (int j = 0; j < vmm->proc.ntrees; j++) {
			struct learn_cover *rw = &L->cover[j];
			char rw_host[4096];

			if (!rw->dir[1])
				continue;
			host_dir(&vmm->proc.trees[j], rw->dir[1], rw_host, sizeof(rw_host));
			if (vmm_fs_tree_contains(rw_host, ro_host)) {
				rw->names[1] += ro->names[0];
				free(ro->dir[0]);
				ro->dir[0] = NULL;
				break;
			}
		}
	}
}

static void put_header(FILE *f, const struct vmm *vmm)
{
	const struct lstar_policy *p = vmm->proc.policy;
	const struct vmm_options *o = vmm->opt;

	fprintf(f, "# Learned by lstar %s (lstar run --learn) from one run of:\n#  ",
		LSTAR_VERSION);
	for (int i = 0; i < o->argc; i++) {
		fputc(' ', f);
		put_comment_text(f, o->argv[i]);
	}
	fprintf(f, "\n# under the policy:");
	for (uint32_t i = 0, shown = 0; i < p->nsources && shown < 8; i++) {
		bool seen = false;

		for (uint32_t j = 0; j < i && !seen; j++)
			seen = !strcmp(p->sources[j].file, p->sources[i].file);
		if (seen)
			continue;
		fprintf(f, "%s", shown++ ? ", " : " ");
		put_comment_text(f, p->sources[i].file);
	}
	fprintf(f, "\n# with the trees:");
	if (!vmm->proc.ntrees)
		fprintf(f, " none");
	for (int i = 0; i < vmm->proc.ntrees; i++) {
		const struct vmm_tree *t = &vmm->proc.trees[i];

		fprintf(f, " %s ", t->writable ? "rw" : "ro");
		if (!t->private && strcmp(t->host, t->path)) {
			put_comment_text(f, t->host);
			fprintf(f, " as ");
		}
		put_comment_text(f, t->path);
		if (t->private)
			fprintf(f, " (private: --tmp, --tmpfs)");
	}
	if (o->ntmpfs)
		fprintf(f, "\n# It had private directories (--tmp or --tmpfs), which no rule\n"
			"# here grants: give --tmp or --tmpfs again to replay it.");
	fprintf(f, "\n# It made %llu system call%s and ended with status %d.\n",
		(unsigned long long)vmm->obs.learn->n.calls, plural(vmm->obs.learn->n.calls),
		vmm->status);
	if (vmm->stopped_by == SIGALRM)
		fprintf(f, "# THE RUN WAS CUT SHORT by --timeout: what the program would\n"
			"# have done after that is not in this policy.\n");
	else if (vmm->stopped_by)
		fprintf(f, "# THE RUN WAS CUT SHORT by SIG%s: what the program would\n"
			"# have done after that is not in this policy.\n",
			sigabbrev_np(vmm->stopped_by));
	fprintf(f, "#\n");
	fprintf(f,
		"# This policy allows the calls that run was allowed to make, and\n"
		"# refuses the others.  Arguments are narrowed only where a rule below\n"
		"# says so (`if ...`, one argument per call at most): a rule without a\n"
		"# condition allows the call with any arguments, whatever the learning\n"
		"# run's policy said of them.  The directories are the deepest that\n"
		"# hold what the run used, inside the trees it was given.  Review it\n"
		"# before use.  Learn only from runs on inputs you trust: whatever the\n"
		"# program did in the run, this policy allows.\n\n");
	fprintf(f, "default deny errno ENOSYS        # calls the run never made: as if this kernel lacked them\n");
}

static void put_paths(FILE *f, const struct vmm *vmm)
{
	const struct vmm_learn *L = vmm->obs.learn;
	bool any = false;

	for (int i = 0; i < vmm->proc.ntrees; i++) {
		const struct vmm_tree *t = &vmm->proc.trees[i];

		for (int w = 1; w >= 0; w--) {
			const struct learn_cover *cv = &L->cover[i];
			char *rule, host[4096];
			size_t len;
			FILE *r;

			if (!cv->dir[w])
				continue;
			/* A mapped tree's directory is granted from its host
			 * path, shown where the learning run showed it. */
			host_dir(t, cv->dir[w], host, sizeof(host));
			if (!policy_quotable(cv->dir[w]) || !policy_quotable(host)) {
				fprintf(f, "# (a tree whose name the policy language cannot spell is left out)\n");
				continue;
			}
			if (!any)
				fprintf(f, "\n# Files: the directories that hold the names the program used.\n");
			any = true;
			if (!(r = open_memstream(&rule, &len)))
				continue;
			fprintf(r, "path %s ", w ? "rw" : "ro");
			policy_quote(r, host);		/* quotable: checked above */
			if (strcmp(host, cv->dir[w])) {
				fprintf(r, " as ");
				policy_quote(r, cv->dir[w]);
			}
			fclose(r);
			put_rule(f, rule, "%llu lookup%s%s", (unsigned long long)cv->names[w],
				 plural(cv->names[w]), w ? ", changing something" : "");
			free(rule);
		}
	}
	if (L->n.oom)
		fprintf(f, "# (lstar ran out of memory recording paths: some may be missing)\n");
}

/* "127.0.0.1:8080/tcp", "[::1]:53/udp", or "8080/tcp" for the wildcard
 * (the loopback form, vmm_learn_net). */
static void net_text(char *buf, size_t len, const struct learn_net *e)
{
	struct lstar_policy_net n = {
		.op = e->op, .protos = e->proto, .family = e->family,
		.prefix = e->family == 4 ? 32 : 128, .port_lo = e->port, .port_hi = e->port,
	};

	if (e->family == 0) {
		snprintf(buf, len, "%u/%s", e->port, e->proto == LSTAR_NET_TCP ? "tcp" : "udp");
		return;
	}
	memcpy(n.addr, e->addr, sizeof(n.addr));
	lstar_policy_net_text(&n, buf, len);
}

/*
 * The network: a `net` rule per place the program reached, listened on
 * or heard from, as narrow as the run (one address, one port, one
 * protocol); `net dns` when it reached a nameserver that way; the places
 * the learning run refused, as comments for the reviewer.
 */
static void put_nets(FILE *f, const struct vmm *vmm)
{
	const struct learn_counts *n = &vmm->obs.learn->n;
	const struct lstar_policy *p = vmm->proc.policy;
	bool any = false;
	char rule[128], where[64];

	for (int i = 0; i < n->nnet; i++) {
		const struct learn_net *e = &n->net[i];

		if (e->refused)
			continue;
		if (!any)
			fprintf(f, "\n# The network: the places the program reached or listened on.\n");
		any = true;
		net_text(where, sizeof(where), e);
		snprintf(rule, sizeof(rule), "net %s %s",
			 e->op == LSTAR_NET_CONNECT ? "connect" : "listen", where);
		put_rule(f, rule, "%llu time%s", (unsigned long long)e->count, plural(e->count));
	}
	if (n->dns && p->dns) {
		if (!any)
			fprintf(f, "\n# The network: name resolution.\n");
		any = true;
		if (p->dns_conf && policy_quotable(p->dns_conf)) {
			char *text;
			size_t len;
			FILE *r = open_memstream(&text, &len);

			if (r) {
				fputs("net dns ", r);
				policy_quote(r, p->dns_conf);
				fclose(r);
				put_rule(f, text, "the nameservers it names");
				free(text);
			}
		} else {
			put_rule(f, "net dns", "the host's nameservers");
		}
	}
	for (int i = 0; i < n->nnet; i++) {
		const struct learn_net *e = &n->net[i];

		if (!e->refused)
			continue;
		net_text(where, sizeof(where), e);
		fprintf(f, "# refused in the run: net %s %s (%llu time%s)\n",
			e->op == LSTAR_NET_CONNECT ? "connect" : "listen", where,
			(unsigned long long)e->count, plural(e->count));
	}
	if (n->net_many)
		fprintf(f, "# (more than %d places: the rest are left out)\n", LEARN_MAX_NETS);
}

/*
 * A timeout as a `limit time` the compiler reads back to the same timer:
 * whole microseconds (the timer's resolution, vm.c), at least one (the
 * language has no zero time limit), in seconds without trailing zeros:
 * "30s", "1.5s", "0.0002s".
 */
static void duration_text(char *buf, size_t len, double secs)
{
	unsigned long long us = (unsigned long long)(secs * 1e6 + 0.5);
	int n;

	if (us == 0)
		us = 1;
	if (us % 1000000 == 0) {
		snprintf(buf, len, "%llus", us / 1000000);
		return;
	}
	n = snprintf(buf, len, "%llu.%06llu", us / 1000000, us % 1000000);
	while (n > 0 && (size_t)n < len && buf[n - 1] == '0')
		n--;
	if (n > 0 && (size_t)n + 1 < len)
		snprintf(buf + n, len - (size_t)n, "s");
}

/* The learning run's limits: a replay gets no more than it had. */
static void put_limits(FILE *f, const struct vmm *vmm)
{
	const struct vmm_options *o = vmm->opt;
	char rule[64];

	fprintf(f, "\n# Limits: those of the learning run.\n");
	if (o->mem % (1ULL << 20) == 0)
		snprintf(rule, sizeof(rule), "limit memory %lluM",
			 (unsigned long long)(o->mem >> 20));
	else
		snprintf(rule, sizeof(rule), "limit memory %lluK",
			 (unsigned long long)(o->mem >> 10));
	put_rule(f, rule, "the most it may map");
	if (o->timeout > 0) {
		char secs[32];

		duration_text(secs, sizeof(secs), o->timeout);
		snprintf(rule, sizeof(rule), "limit time %s", secs);
		put_rule(f, rule, "wall-clock time");
	}
	if (vmm->proc.policy->files) {
		snprintf(rule, sizeof(rule), "limit files %d", vmm->proc.policy->files);
		put_rule(f, rule, "descriptors open at once");
	}
}

/*
 * implied_calls - which calls the rule in text (`path ro /`, `net dns`,
 * ...) allows by itself, asked of the compiler, so that this never falls
 * behind the language (docs/POLICY.md).  Adds them to L->implied.
 */
static void implied_calls(struct vmm_learn *L, const char *text)
{
	const struct lstar_policy_input in = { "--learn", text };
	struct lstar_policy p;

	if (lstar_policy_compile(&in, 1, &p, NULL))
		return;
	for (int nr = 0; nr < LSTAR_POLICY_NR; nr++)
		if (p.table->sys[nr].nrules)
			L->implied[nr] = true;
	lstar_policy_free(&p);
}

/*
 * A path rule allows the file calls below it without naming them; the
 * ones the run never made are refused again, as the default would: the
 * policy allows what the run did, not all a path rule could.  These are
 * explicit rules, so they win over the implied allows wherever they are
 * written (the implied allows decide only calls no explicit rule matches).
 */
static void put_unused_implied(FILE *f, const struct vmm *vmm)
{
	struct vmm_learn *L = vmm->obs.learn;
	bool any_path = false, any_rw = false;
	int col = 0;

	for (int i = 0; i < vmm->proc.ntrees; i++) {
		any_path |= L->cover[i].dir[0] || L->cover[i].dir[1];
		any_rw |= L->cover[i].dir[1] != NULL;
	}
	if (any_path)
		implied_calls(L, "path ro /\n");
	if (any_rw)
		implied_calls(L, "path rw /\n");
	for (int i = 0; i < L->n.nnet; i++)
		if (!L->n.net[i].refused) {
			implied_calls(L, "net connect 127.0.0.1:1\n");
			break;
		}
	if (L->n.dns && vmm->proc.policy->dns)
		implied_calls(L, "net dns\n");
	for (int nr = 0; nr < LSTAR_POLICY_NR; nr++) {
		const struct learn_sys *s = &L->n.sys[nr];

		if (!L->implied[nr] || s->allowed || s->denied || s->killed || s->nosys)
			continue;
		if (!col)
			fprintf(f, "\n# The path and net lines above allow these too; the run never made them.\n");
		if (col > 60) {
			fputs(" errno ENOSYS\n", f);
			col = 0;
		}
		if (!col)
			col = fprintf(f, "deny");
		col += fprintf(f, " %s", lstar_policy_syscall_name(nr));
	}
	if (col)
		fputs(" errno ENOSYS\n", f);
}

static void put_syscalls(FILE *f, const struct vmm *vmm)
{
	const struct vmm_learn *L = vmm->obs.learn;
	int col = 0;

	for (size_t g = 0; g < sizeof(group_order); g++) {
		bool any = false;

		for (int nr = 0; nr < LSTAR_POLICY_NR; nr++) {
			const struct learn_sys *s = &L->n.sys[nr];

			if (group_of(nr) != group_order[g] ||
			    !(s->allowed || s->denied || s->killed))
				continue;
			if (!any)
				fprintf(f, "\n# %s\n", group_title[group_order[g]]);
			any = true;
			put_syscall(f, vmm, nr, s);
		}
	}
	/* What lstar lacks needs no rule: the default gives the same ENOSYS. */
	for (int nr = 0; nr < LSTAR_POLICY_NR; nr++) {
		const struct learn_sys *s = &L->n.sys[nr];

		if (!s->nosys || s->allowed || s->denied || s->killed)
			continue;
		if (!col)
			col = fprintf(f, "\n# Not implemented by lstar (ENOSYS in the run; the default gives the same):\n#");
		if (col > 60) {
			fprintf(f, "\n#");
			col = 1;
		}
		col += fprintf(f, " %s (%llu)", lstar_policy_syscall_name(nr),
			       (unsigned long long)s->nosys);
	}
	if (col)
		fputc('\n', f);
	if (L->n.unnamed)
		fprintf(f, "\n# %llu call%s with numbers x86-64 has no system call for (no rule can\n"
			"# name them; the default refuses them)\n",
			(unsigned long long)L->n.unnamed, plural(L->n.unnamed));
}


int vmm_learn_finish(struct vmm *vmm)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int err, fd;

	if (!vmm->obs.learn)
		return 0;
	/* The whole policy in memory first: the file is written in one go. */
	if (!(f = open_memstream(&text, &len))) {
		vmm_learn_close(vmm);
		return -ENOMEM;
	}
	take_shared(vmm);
	settle_covers(vmm);
	put_header(f, vmm);
	put_paths(f, vmm);
	put_nets(f, vmm);
	put_limits(f, vmm);
	put_unused_implied(f, vmm);
	put_syscalls(f, vmm);
	if (fclose(f) != 0) {
		free(text);
		vmm_learn_close(vmm);
		return -ENOMEM;
	}
	/* All but the first byte, then the first: until that last write
	 * the file still begins with the unfinished mark. */
	fd = vmm->obs.learn->fd;
	if (len < 2 || text[0] != '#')
		err = -EINVAL;		/* put_header always opens with a comment */
	else if (!(err = put_at(fd, text + 1, len - 1, 1)) &&
		 !(err = ftruncate(fd, (off_t)len) < 0 || fdatasync(fd) < 0 ? -errno : 0))
		err = put_at(fd, "#", 1, 0);
	free(text);
	vmm_learn_close(vmm);
	return err;
}
