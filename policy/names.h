/* SPDX-License-Identifier: MIT */
/*
 * names.h - the names the policy language knows: constants (O_RDONLY,
 * TCGETS, ...), errno names, the "did you mean" search the compiler's
 * messages use, what each syscall argument means, and how the language
 * spells values, verdicts and strings.  Host-only (names.c asks
 * libseccomp); used by policy/ and by the VMM's --trace and --learn
 * (vmm/trace.c, vmm/learn.c).  The public lookups (syscall and errno
 * names) are in compile.h.
 */
#ifndef LSTAR_POLICY_NAMES_H
#define LSTAR_POLICY_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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
	POLICY_CLS_FUTEX,	/* FUTEX_* operations and flags */
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

/*
 * What one syscall argument is.  The one table of it (policy_sys_args)
 * serves --trace (how to show the argument), explain (which constants
 * name a value in a condition) and --learn (which argument tells one use
 * of a call from another).
 */
enum policy_arg {
	POLICY_ARG_NUM = 0,	/* a number nothing more is known of */
	POLICY_ARG_PTR,		/* an address in the program's memory */
	POLICY_ARG_INT,		/* an int: the kernel reads the low 32 bits */
	POLICY_ARG_FD,		/* a descriptor (an int) */
	POLICY_ARG_DIRFD,	/* a descriptor or AT_FDCWD */
	POLICY_ARG_SIZE,	/* a size or a count: unsigned */
	POLICY_ARG_OFF,		/* a file offset: signed 64-bit */
	POLICY_ARG_MODE,	/* a file mode */
	POLICY_ARG_PATH,	/* a NUL-terminated path */
	POLICY_ARG_WBUF,	/* bytes the call writes; the count is the next argument */
	POLICY_ARG_RBUF,	/* a buffer the call fills: as many bytes as it returns */
	POLICY_ARG_WIOV,	/* an iovec array the call writes from; count next */
	POLICY_ARG_RIOV,	/* an iovec array the call reads into; count next */
	POLICY_ARG_OPEN,	/* open flags: an access mode and O_* flags */
	POLICY_ARG_OFLAGS,	/* O_* flags without an access mode (pipe2, dup3) */
	POLICY_ARG_AT,		/* AT_* flags */
	POLICY_ARG_ACCESS,	/* F_OK, or R_OK|W_OK|X_OK */
	POLICY_ARG_PROT,	/* PROT_* */
	POLICY_ARG_MAP,		/* MAP_* flags */
	POLICY_ARG_MADV,	/* MADV_* advice */
	POLICY_ARG_IOCTL,	/* an ioctl request */
	POLICY_ARG_FCNTL,	/* an fcntl command */
	POLICY_ARG_SEEK,	/* lseek's whence */
	POLICY_ARG_CLOCK,	/* a clock id */
	POLICY_ARG_SIG,		/* a signal number */
	POLICY_ARG_SIGHOW,	/* SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK */
	POLICY_ARG_ARCH,	/* an arch_prctl code */
	POLICY_ARG_AF,		/* an address family */
	POLICY_ARG_SOCK,	/* a socket type and SOCK_* flags */
	POLICY_ARG_FLAGS,	/* an int's worth of flags with no names here */
	POLICY_ARG_UINT,	/* an unsigned int: a count the kernel reads as 32 bits */
	POLICY_ARG_FUTEX,	/* a futex operation and its flags */
	POLICY_ARG_SOCKADDR,	/* a socket address the call reads; its length next */
	POLICY_ARG_SIGSET,	/* a signal mask the call waits under; its size next */
	POLICY_ARG_SIGSEL,	/* pselect6's: the address of a {mask, size} pair */
	POLICY_ARG_MSG,		/* MSG_* flags of a send or a receive */
	POLICY_ARG_MAX
};

/* Who answers a syscall (include/syscalls.def's `where`). */
enum policy_where {
	POLICY_WHERE_NONE = 0,		/* nobody: ENOSYS */
	POLICY_WHERE_SHIM,		/* the shim */
	POLICY_WHERE_VMM,		/* the VMM, forwarded */
	POLICY_WHERE_VMM_WRITE,		/* the same; EPIPE raises SIGPIPE */
	POLICY_WHERE_VMM_SIGMASK,	/* the same, under a signal mask the
					 * call carries (the shim sets it) */
};

/* --learn's sections (include/syscalls.def's `group`). */
enum policy_group {
	POLICY_GROUP_OTHER = 0, POLICY_GROUP_START, POLICY_GROUP_MEMORY,
	POLICY_GROUP_IO, POLICY_GROUP_PATHS, POLICY_GROUP_TIME, POLICY_GROUP_MAX
};

/* What a `path` rule implies for a syscall (syscalls.def's `path`). */
enum policy_path {
	POLICY_PATH_NOPATH = 0,		/* nothing */
	POLICY_PATH_RO,			/* any path rule allows it */
	POLICY_PATH_RW,			/* a `path rw` rule allows it */
};

/* One syscall, as include/syscalls.def describes it. */
struct policy_sys_args {
	uint8_t listed;		/* set in every entry: tells one from a gap */
	uint8_t nargs;		/* how many it takes */
	uint8_t ret_addr;	/* its result is an address (mmap, brk) */
	uint8_t tell;		/* 1 + the argument whose value tells one use
				 * from another (write's descriptor, ioctl's
				 * request, mprotect's protection); 0: none */
	uint8_t arg[6];		/* enum policy_arg, nargs of them */
	uint8_t where;		/* enum policy_where */
	uint8_t group;		/* enum policy_group */
	uint8_t path;		/* enum policy_path */
};

/*
 * policy_sys_args - what x86-64 syscall nr is: the calls lstar implements
 * and a few common ones it refuses, from include/syscalls.def.  NULL for
 * any other number (its arguments are six POLICY_ARG_NUM, nobody answers
 * it).  Points into a static table.
 */
const struct policy_sys_args *policy_sys_args(uint64_t nr);

/* The kind (enum policy_arg) of argument arg of syscall nr:
 * POLICY_ARG_NUM when the table does not know it. */
int policy_arg_kind(uint64_t nr, unsigned int arg);

/*
 * policy_arg_bits - the bits of the register the kernel reads for an
 * argument of kind kind (enum policy_arg), as its C type in the kernel's
 * syscall definition says: 0xffffffff for an int or unsigned int (a
 * descriptor, flags, a command: the upper half is never looked at),
 * 0xffff for a mode (umode_t), all 64 bits otherwise.  A policy compares
 * only these bits, so it judges the value the call acts on.
 */
uint64_t policy_arg_bits(int kind);

/* The class of constants (enum policy_cls) that name the values of an
 * argument of kind kind (enum policy_arg); POLICY_CLS_NONE when none do. */
int policy_arg_cls(int kind);

/*
 * policy_arg_spell - value v of an argument of kind kind (enum policy_arg)
 * as a policy would write it, into buf (len bytes, always NUL-terminated):
 * a constant, or flags joined by "|", where the kind's constants make it
 * up exactly; else a number, decimal below 0x1000 and hex from there (a
 * descriptor is 3, a request or a bit mask 0x5401).  O_* flags without an
 * access mode (pipe2, dup3) spell 0 as "0", never O_RDONLY.
 */
void policy_arg_spell(uint64_t v, int kind, char *buf, size_t len);

/*
 * policy_verdict_text - a rule's verdict as a word or two, as explain's
 * table and the compiler's warnings show it: "allow", "kill", "log",
 * "deny EACCES" (an errno without a name: "deny 4095").  action is a
 * LSTAR_ACT_*, err the errno of LSTAR_ACT_ERRNO.  Returns a string
 * constant, or buf (len bytes) when the text needs one.
 */
const char *policy_verdict_text(uint8_t action, uint16_t err, char *buf, size_t len);

/* Can the policy language spell s, quoted if need be?  (No control
 * characters: a string token cannot hold them.) */
bool policy_quotable(const char *s);

/*
 * policy_quote - write s to out as one token of the policy language: as
 * is when it is made of letters, digits and "/._-+" only, else in double
 * quotes with '"' and '\\' escaped (the language's only escapes).  For a
 * path of a `path` line, whatever its bytes.  Returns 0, or -EINVAL (and
 * writes nothing) when !policy_quotable(s).
 */
int policy_quote(FILE *out, const char *s);

/*
 * policy_clean_path - the absolute path s (len bytes) written to out (at
 * least len + 2 bytes for any s; outlen bytes) without empty components
 * and with no trailing '/': "/" for the root.  A ".." component is
 * refused (it could be taken only lexically: a path that holds one is
 * confused or probing), and so is a "." one unless dot_ok (then it is
 * left out).  0, -EINVAL (not absolute), -ELOOP (a refused component) or
 * -ENAMETOOLONG (out too short).  The policy's path lines, lstar run
 * --tmpfs and lstar-oci's destinations.
 */
int policy_clean_path(const char *s, size_t len, bool dot_ok, char *out, size_t outlen);

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
