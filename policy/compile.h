/* SPDX-License-Identifier: MIT */
/*
 * compile.h - the policy language's host side: reading policy files,
 * reporting mistakes as FILE:LINE:COL, compiling to the table policy.h
 * describes, and explaining a compiled policy.  docs/POLICY.md is the
 * language's reference.
 *
 * Used by `lstar run` (vmm/main.c) and by `lstar-policy` (tools/).
 */
#ifndef LSTAR_POLICY_COMPILE_H
#define LSTAR_POLICY_COMPILE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "lstar_limits.h"
#include "policy.h"

/* Bounds of the `limit` values (with include/lstar_limits.h's; vmm/main.c
 * shares them with --mem and --timeout). */
#define LSTAR_LIMIT_TIME_MAX	1e9		/* seconds */
#define LSTAR_LIMIT_FILES_MIN	3		/* stdin, stdout, stderr */

/* Where a rule, path or limit was written: sources[src] of the policy. */
struct lstar_policy_source {
	const char *file;		/* as the user named it, or a profile's
					 * name ("stdio"), or "command line" */
	int line;			/* 1-based; 0 for the built-in fallback */
	const char *text;		/* the line itself, trimmed, no comment */
};

/* A `path ro|rw PATH [as DEST]` rule, in source order. */
struct lstar_policy_path {
	char *path;			/* absolute, as written (normalized:
					 * no "//", "." or trailing "/"): the
					 * host's directory or file */
	char *guest;			/* where the program sees it (DEST,
					 * normalized alike), or NULL: at path */
	bool writable;			/* rw */
	uint32_t src;
};

/*
 * A `net connect|listen ADDR:PORT[/PROTO]` rule (docs/POLICY.md "net"),
 * in source order.  The VMM judges each address a program names against
 * them (vmm/sys_net.c); the shim never sees them.
 */
enum lstar_net_op {
	LSTAR_NET_CONNECT = 1,		/* connect, sendto/sendmsg to ADDR */
	LSTAR_NET_LISTEN = 2,		/* bind ADDR, listen, accept from it */
};
#define LSTAR_NET_TCP	1		/* protos: SOCK_STREAM */
#define LSTAR_NET_UDP	2		/* SOCK_DGRAM */

struct lstar_policy_net {
	uint8_t op;			/* enum lstar_net_op */
	uint8_t protos;			/* LSTAR_NET_TCP | LSTAR_NET_UDP */
	uint8_t family;			/* 4, 6, or 0: any address of both ('*') */
	uint8_t prefix;			/* leading bits of addr that must match:
					 * 0..32 (4) or 0..128 (6) */
	uint8_t addr[16];		/* network order; IPv4 in addr[0..3] */
	uint16_t port_lo, port_hi;	/* host order, inclusive; 0-65535 for '*' */
	uint32_t src;
};

/* A compiled policy.  Everything in it is owned by it. */
struct lstar_policy {
	struct lstar_policy_table *table;	/* validated; 8-byte aligned */
	size_t table_size;
	struct lstar_policy_source *sources;
	uint32_t nsources;
	struct lstar_policy_path *paths;
	int npaths;
	struct lstar_policy_net *nets;	/* `net connect|listen` */
	int nnets;
	/* `net dns [FILE]`: the program sees a resolv.conf made from FILE's
	 * nameserver, search and options lines (dns_conf; NULL: the host's
	 * /etc/resolv.conf) and an /etc/hosts naming localhost, and may reach
	 * those nameservers on port 53. */
	bool dns;
	char *dns_conf;
	uint32_t dns_src;
	/* `limit` lines; 0 when the policy sets none. */
	uint64_t mem;			/* bytes */
	double time;			/* seconds */
	int files;			/* descriptors open at once */
	int threads;			/* threads alive at once */
	int processes;			/* processes alive at once */
	uint32_t mem_src, time_src, files_src, threads_src, processes_src;
};

/*
 * One piece of policy text to compile.  Inputs are read in order, as if
 * each `use`d the previous ones' rules before its own: the last matching
 * rule across all of them wins.  With text NULL, name is a file to read
 * or, when no such file exists and name has no '/', a stock profile
 * (policy/profiles/NAME.policy, built into the binary).
 */
struct lstar_policy_input {
	const char *name;
	const char *text;
};

/*
 * lstar_policy_compile - compile the n inputs into *out.  Every error and
 * warning goes to diag (NULL: nowhere) as "FILE:LINE:COL: error: ..."
 * or "...: warning: ...", with a "  hint: ..." line where one helps.
 * Returns the number of errors: 0 means *out is complete and must be
 * released with lstar_policy_free(); otherwise *out is empty.
 */
int lstar_policy_compile(const struct lstar_policy_input *in, int n,
			 struct lstar_policy *out, FILE *diag);

void lstar_policy_free(struct lstar_policy *p);

/* lstar_policy_where - "FILE:LINE" of source src into buf (always
 * NUL-terminated; "?" for an index out of range); returns buf. */
const char *lstar_policy_where(const struct lstar_policy *p, uint32_t src,
			       char *buf, size_t len);

/*
 * lstar_policy_explain - the compiled policy as a table a person can read:
 * the default, each syscall that has rules with its verdicts, conditions
 * (constants by name where one fits) and the FILE:LINE each came from, the
 * paths, the net rules and the limits.
 */
void lstar_policy_explain(const struct lstar_policy *p, FILE *out);

/*
 * lstar_policy_check_startup - warn on out, as "NAME:LINE: warning: ...",
 * of each call that every static libc program makes to start or to end
 * (arch_prctl, set_tid_address, brk or mmap, exit_group, with the
 * arguments musl and glibc pass) which the policy refuses, naming the
 * line that refuses it and the stock profile that allows it.  name is
 * what the user called the policy.  Returns how many warnings.
 */
int lstar_policy_check_startup(const struct lstar_policy *p, const char *name, FILE *out);

/*
 * lstar_policy_parse_size - SIZE, as `limit memory` and `lstar run --mem` take
 * it: decimal digits with an optional K, M or G (powers of two; "Mi",
 * "MiB" and "MB" say the same) or B.  The len bytes at s, all of them;
 * 0 and *out, or -1 (also when the value does not fit 64 bits).
 */
int lstar_policy_parse_size(const char *s, size_t len, uint64_t *out);

/* The stock profiles built into the binary (policy/profiles/). */
struct lstar_policy_profile {
	const char *name;		/* "default", "stdio", ... */
	const char *text;
};
extern const struct lstar_policy_profile lstar_policy_profiles[];	/* ends with { NULL } */

/*
 * lstar_policy_net_find - the last `net` rule of kind op (enum
 * lstar_net_op) that lets proto (LSTAR_NET_TCP or LSTAR_NET_UDP) reach
 * addr:port, or NULL when none does.  family is 4 (addr: 4 bytes,
 * network order) or 6 (16 bytes); an IPv4-mapped IPv6 address
 * (::ffff:a.b.c.d) is judged as the IPv4 address it maps.  `net dns`
 * rules are not seen here (the VMM adds its nameservers itself).
 */
const struct lstar_policy_net *lstar_policy_net_find(const struct lstar_policy *p, int op,
						     int proto, int family,
						     const uint8_t *addr, uint16_t port);

/* lstar_policy_net_mapped - is the IPv6 address addr (16 bytes) an
 * IPv4-mapped one, ::ffff:a.b.c.d, the IPv4 address in its last 4? */
bool lstar_policy_net_mapped(const uint8_t *addr);

/*
 * lstar_policy_net_text - rule n's address, port and protocol as a
 * policy writes them ("127.0.0.1:8080/tcp", "10.0.0.0/8:443",
 * "[::1]:5432", "*:*"), into buf (len bytes, always NUL-terminated);
 * returns buf.  For explain, --trace and -v, and --learn.
 */
const char *lstar_policy_net_text(const struct lstar_policy_net *n, char *buf, size_t len);

/* Names of syscalls and constants, for the compiler, explain and trace. */
const char *lstar_policy_syscall_name(uint64_t nr);	/* NULL when unknown */
int lstar_policy_syscall_number(const char *name);	/* -1 when unknown */
const char *lstar_policy_errno_name(int err);		/* "EACCES", or NULL */

#endif /* LSTAR_POLICY_COMPILE_H */
