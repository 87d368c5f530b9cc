/* SPDX-License-Identifier: MIT */
/*
 * names.h - the names the policy language knows, private to policy/:
 * constants (O_RDONLY, TCGETS, ...), errno names, and the "did you mean"
 * search the compiler's messages use.  The public lookups (syscall and
 * errno names) are in compile.h.
 */
#ifndef LSTAR_POLICY_NAMES_H
#define LSTAR_POLICY_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * What a constant means, so that explain can name a value only where the
 * syscall's argument has that meaning (0 is O_RDONLY in openat's flags,
 * but not in write's descriptor).
 */
enum policy_cls {
	POLICY_CLS_NONE = 0,
	POLICY_CLS_OPEN,	/* O_* open flags */
	POLICY_CLS_AT,		/* AT_* flags */
	POLICY_CLS_DIRFD,	/* AT_FDCWD */
	POLICY_CLS_FCNTL,	/* F_* fcntl commands */
	POLICY_CLS_FD,		/* FD_CLOEXEC */
	POLICY_CLS_PROT,	/* PROT_* */
	POLICY_CLS_MAP,		/* MAP_* */
	POLICY_CLS_MADV,	/* MADV_* */
	POLICY_CLS_AF,		/* AF_* address families */
	POLICY_CLS_SOCK,	/* SOCK_* types and flags */
	POLICY_CLS_CLOCK,	/* CLOCK_* */
	POLICY_CLS_IOCTL,	/* ioctl requests */
	POLICY_CLS_SIG,		/* SIG* signal numbers */
	POLICY_CLS_SIGHOW,	/* SIG_BLOCK, ... */
	POLICY_CLS_ARCH,	/* ARCH_* arch_prctl codes */
	POLICY_CLS_SEEK,	/* SEEK_* */
	POLICY_CLS_ACCESS,	/* F_OK, R_OK, W_OK, X_OK */
};

/* One named constant.  A flag may be combined with others of its class
 * by `|`; explain spells a combination of flags that way. */
struct policy_const {
	const char *name;
	uint64_t value;
	uint8_t cls;		/* enum policy_cls */
	uint8_t flag;		/* a bit (or bits) that combines with `|` */
};

extern const struct policy_const policy_consts[];
extern const size_t policy_nconsts;

/* The constant called name (len bytes, not NUL-terminated), or NULL. */
const struct policy_const *policy_const_find(const char *name, size_t len);

/*
 * policy_const_spell - write value as constants of class cls into buf
 * (len bytes, always NUL-terminated): one name when one has exactly this
 * value, or for flag classes the flags joined by "|" when they make up
 * the value exactly.  Returns 0 when it could, -1 when no spelling fits
 * (buf is then empty).
 */
int policy_const_spell(uint64_t value, int cls, char *buf, size_t len);

/* Is name a syscall of another architecture, not of x86-64 (socketcall)? */
bool policy_syscall_elsewhere(const char *name);

/* The errno called name (len bytes), or -1. */
int policy_errno_find(const char *name, size_t len);

/*
 * policy_suggest - the candidate closest to word (len bytes) by edit
 * distance (insertions, deletions, substitutions and swaps of two
 * neighbours), when it is close enough to be a likely typo; else NULL.
 * candidates: count names, read through get(i, ctx), any of which may be
 * NULL.  Case is ignored.
 */
const char *policy_suggest(const char *word, size_t len,
			   const char *(*get)(size_t i, void *ctx),
			   size_t count, void *ctx);

/* get() functions for policy_suggest over the tables above. */
const char *policy_const_at(size_t i, void *ctx);
const char *policy_errno_at(size_t i, void *ctx);
const char *policy_syscall_at(size_t i, void *ctx);
size_t policy_nerrnos(void);

#endif /* LSTAR_POLICY_NAMES_H */
