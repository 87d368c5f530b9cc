/* SPDX-License-Identifier: MIT */
/*
 * policy_vectors.h - evaluator test vectors: a policy's text, and calls
 * (syscall number and six argument registers) with the verdict the policy
 * must give each and the line that must decide it.
 *
 * Header-only data (static const), so that any test can replay them: the
 * host suite (tests/test_policy.c) runs them through the host build of
 * policy/eval.c; a guest program can run the same calls against the
 * shim's build.  Compile each set's text as an input named "policy" (the
 * expected `where` strings assume that name).
 */
#ifndef LSTAR_POLICY_VECTORS_H
#define LSTAR_POLICY_VECTORS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>

#include "../policy/policy.h"

#define PV_MAX	UINT64_MAX
#define PV_4G	0x100000000ULL		/* 2^32: a value above any int */

struct policy_vector {
	const char *sys;		/* the syscall's name, for messages */
	uint64_t nr;			/* what the program puts in rax */
	uint64_t args[6];
	uint8_t action;			/* expected: enum lstar_policy_action */
	uint16_t err;			/* expected errno for LSTAR_ACT_ERRNO */
	const char *where;		/* expected FILE:LINE of the deciding rule */
};

struct policy_vector_set {
	const char *name;
	const char *policy;
	const struct policy_vector *v;
	size_t n;
};

#define PV_ALLOW	LSTAR_ACT_ALLOW, 0
#define PV_DENY(e)	LSTAR_ACT_ERRNO, (e)
#define PV_KILL		LSTAR_ACT_KILL, 0
#define PV_LOG		LSTAR_ACT_LOG, 0

/* The last matching rule wins; the default decides the rest, including
 * numbers outside the table. */
static const char pv_last_match_policy[] =
	"# the last matching line decides\n"	/* 1 */
	"default deny errno EACCES\n"		/* 2 */
	"allow write\n"				/* 3 */
	"deny write if arg0 == 2\n"		/* 4 */
	"kill write if arg0 == 3\n"		/* 5 */
	"log write if arg0 == 3 and arg2 > 100\n" /* 6 */
	"allow 511\n"				/* 7: a number, no name */
	"allow read\n"				/* 8 */
	"deny read\n";				/* 9: overrides line 8 */

static const struct policy_vector pv_last_match[] = {
	{ "write", SYS_write, { 1, 0, 10 }, PV_ALLOW, "policy:3" },
	{ "write", SYS_write, { 2, 0, 10 }, PV_DENY(1), "policy:4" },
	{ "write", SYS_write, { 3, 0, 100 }, PV_KILL, "policy:5" },
	{ "write", SYS_write, { 3, 0, 101 }, PV_LOG, "policy:6" },
	{ "write", SYS_write, { 3, 0, PV_MAX }, PV_LOG, "policy:6" },
	/* The descriptor is an int: its upper half is never looked at. */
	{ "write", SYS_write, { 3 | PV_4G, 0, 101 }, PV_LOG, "policy:6" },
	{ "write", SYS_write, { 2 | (PV_MAX << 32), 0, 0 }, PV_DENY(1), "policy:4" },
	{ "read", SYS_read, { 0 }, PV_DENY(1), "policy:9" },
	{ "close", SYS_close, { 0 }, PV_DENY(13), "policy:2" },
	{ "511", 511, { 0 }, PV_ALLOW, "policy:7" },
	{ "512", 512, { 0 }, PV_DENY(13), "policy:2" },
	{ "-1", PV_MAX, { 0 }, PV_DENY(13), "policy:2" },
	/* rax with garbage above the syscall number is not that syscall. */
	{ "write+4G", SYS_write | PV_4G, { 1 }, PV_DENY(13), "policy:2" },
};

/* Every comparison at its boundaries: unsigned 64-bit on the arguments
 * the kernel reads whole (sizes, offsets, addresses), unsigned 32-bit on
 * the ints (a descriptor, a command), and the built-in default (deny
 * EPERM) when no line sets one. */
static const char pv_compare_policy[] =
	"allow read if arg2 == 0\n"			/* 1 */
	"allow write if arg2 != 0x100000000\n"		/* 2 */
	"allow munmap if arg1 < 1\n"			/* 3 */
	"allow lseek if arg1 <= 0xffffffff\n"		/* 4 */
	"allow mprotect if arg1 > 0xfffffffe\n"		/* 5 */
	"allow pread64 if arg3 >= 0xffffffffffffffff\n"	/* 6 */
	"allow fsync if arg5 == 18446744073709551615\n"	/* 7 */
	"allow pipe if arg0 >= 0x100000001 and arg0 <= 0x100000002\n" /* 8 */
	"allow dup if arg0 > 0xfffffffe\n"		/* 9: an int */
	"allow close if arg0 <= 2\n";			/* 10: an int */

static const struct policy_vector pv_compare[] = {
	{ "read", SYS_read, { 0, 0, 0 }, PV_ALLOW, "policy:1" },
	{ "read", SYS_read, { 0, 0, 1 }, PV_DENY(1), "(built-in)" },
	{ "read", SYS_read, { 0, 0, PV_4G }, PV_DENY(1), "(built-in)" },
	{ "read", SYS_read, { 0, 0, PV_MAX }, PV_DENY(1), "(built-in)" },
	{ "write", SYS_write, { 0, 0, 0 }, PV_ALLOW, "policy:2" },
	{ "write", SYS_write, { 0, 0, PV_4G }, PV_DENY(1), "(built-in)" },
	{ "write", SYS_write, { 0, 0, PV_4G - 1 }, PV_ALLOW, "policy:2" },
	{ "write", SYS_write, { 0, 0, PV_4G + 1 }, PV_ALLOW, "policy:2" },
	{ "write", SYS_write, { 0, 0, PV_MAX }, PV_ALLOW, "policy:2" },
	{ "munmap", SYS_munmap, { 0, 0 }, PV_ALLOW, "policy:3" },
	{ "munmap", SYS_munmap, { 0, 1 }, PV_DENY(1), "(built-in)" },
	{ "munmap", SYS_munmap, { 0, PV_MAX }, PV_DENY(1), "(built-in)" },
	{ "lseek", SYS_lseek, { 0, 0 }, PV_ALLOW, "policy:4" },
	{ "lseek", SYS_lseek, { 0, PV_4G - 1 }, PV_ALLOW, "policy:4" },
	{ "lseek", SYS_lseek, { 0, PV_4G }, PV_DENY(1), "(built-in)" },
	{ "lseek", SYS_lseek, { 0, PV_MAX }, PV_DENY(1), "(built-in)" },
	{ "mprotect", SYS_mprotect, { 0, 0xfffffffe }, PV_DENY(1), "(built-in)" },
	{ "mprotect", SYS_mprotect, { 0, 0xffffffff }, PV_ALLOW, "policy:5" },
	{ "mprotect", SYS_mprotect, { 0, PV_MAX }, PV_ALLOW, "policy:5" },
	{ "mprotect", SYS_mprotect, { 0, 0 }, PV_DENY(1), "(built-in)" },
	{ "pread64", SYS_pread64, { 0, 0, 0, PV_MAX }, PV_ALLOW, "policy:6" },
	{ "pread64", SYS_pread64, { 0, 0, 0, PV_MAX - 1 }, PV_DENY(1), "(built-in)" },
	{ "fsync", SYS_fsync, { 0, 0, 0, 0, 0, PV_MAX }, PV_ALLOW, "policy:7" },
	{ "fsync", SYS_fsync, { PV_MAX, PV_MAX, PV_MAX, PV_MAX, PV_MAX, 0 }, PV_DENY(1), "(built-in)" },
	{ "pipe", SYS_pipe, { PV_4G }, PV_DENY(1), "(built-in)" },
	{ "pipe", SYS_pipe, { PV_4G + 1 }, PV_ALLOW, "policy:8" },
	{ "pipe", SYS_pipe, { PV_4G + 2 }, PV_ALLOW, "policy:8" },
	{ "pipe", SYS_pipe, { PV_4G + 3 }, PV_DENY(1), "(built-in)" },
	/* An int's low 32 bits, unsigned: -1 is above everything, and the
	 * upper half of the register never counts. */
	{ "dup", SYS_dup, { 0xfffffffe }, PV_DENY(1), "(built-in)" },
	{ "dup", SYS_dup, { 0xffffffff }, PV_ALLOW, "policy:9" },
	{ "dup", SYS_dup, { PV_MAX }, PV_ALLOW, "policy:9" },
	{ "dup", SYS_dup, { PV_4G | 0xfffffffe }, PV_DENY(1), "(built-in)" },
	{ "close", SYS_close, { 2 }, PV_ALLOW, "policy:10" },
	{ "close", SYS_close, { 3 }, PV_DENY(1), "(built-in)" },
	{ "close", SYS_close, { PV_4G | 2 }, PV_ALLOW, "policy:10" },
	{ "close", SYS_close, { PV_MAX }, PV_DENY(1), "(built-in)" },
};

/* Masks and constants by name. */
static const char pv_mask_policy[] =
	"default kill\n"						/* 1 */
	"allow openat if (arg2 & O_ACCMODE) == O_RDONLY\n"		/* 2 */
	"deny openat if (arg2 & O_CREAT) == O_CREAT errno EROFS\n"	/* 3 */
	"allow ioctl if arg1 == TCGETS\n"				/* 4 */
	"allow mmap if (arg2 & PROT_WRITE|PROT_EXEC) != PROT_WRITE|PROT_EXEC\n" /* 5 */
	"allow newfstatat if (arg3 & AT_EMPTY_PATH) == AT_EMPTY_PATH\n"	/* 6 */
	"allow fcntl if arg0 == AT_FDCWD\n"				/* 7 */
	"allow fchmod if (arg1 & 0o7000) == 0 and (arg1 & 0777) <= 0755\n"; /* 8 */

static const struct policy_vector pv_mask[] = {
	{ "openat", SYS_openat, { 0, 0, 00 }, PV_ALLOW, "policy:2" },
	/* musl adds O_LARGEFILE (0x8000): the mask keeps it out. */
	{ "openat", SYS_openat, { 0, 0, 0x8000 }, PV_ALLOW, "policy:2" },
	{ "openat", SYS_openat, { 0, 0, 01 }, PV_KILL, "policy:1" },
	{ "openat", SYS_openat, { 0, 0, 02 }, PV_KILL, "policy:1" },
	{ "openat", SYS_openat, { 0, 0, 0100 }, PV_DENY(30), "policy:3" },
	{ "openat", SYS_openat, { 0, 0, 0102 }, PV_DENY(30), "policy:3" },
	{ "ioctl", SYS_ioctl, { 1, 0x5401 }, PV_ALLOW, "policy:4" },
	{ "ioctl", SYS_ioctl, { 1, 0x5402 }, PV_KILL, "policy:1" },
	/* The request is an unsigned int: the upper half is not read. */
	{ "ioctl", SYS_ioctl, { 1, 0x5401 | PV_4G }, PV_ALLOW, "policy:4" },
	{ "mmap", SYS_mmap, { 0, 4096, 3 }, PV_ALLOW, "policy:5" },
	{ "mmap", SYS_mmap, { 0, 4096, 5 }, PV_ALLOW, "policy:5" },
	{ "mmap", SYS_mmap, { 0, 4096, 7 }, PV_KILL, "policy:1" },
	{ "mmap", SYS_mmap, { 0, 4096, 6 }, PV_KILL, "policy:1" },
	{ "newfstatat", SYS_newfstatat, { 1, 0, 0, 0x1000 }, PV_ALLOW, "policy:6" },
	{ "newfstatat", SYS_newfstatat, { 1, 0, 0, 0x1100 }, PV_ALLOW, "policy:6" },
	{ "newfstatat", SYS_newfstatat, { 1, 0, 0, 0 }, PV_KILL, "policy:1" },
	/* AT_FDCWD as glibc passes it and as musl does. */
	{ "fcntl", SYS_fcntl, { 0xffffff9cULL }, PV_ALLOW, "policy:7" },
	{ "fcntl", SYS_fcntl, { 0xffffffffffffff9cULL }, PV_ALLOW, "policy:7" },
	{ "fcntl", SYS_fcntl, { 0x9c }, PV_KILL, "policy:1" },
	{ "fchmod", SYS_fchmod, { 0, 0644 }, PV_ALLOW, "policy:8" },
	{ "fchmod", SYS_fchmod, { 0, 0755 }, PV_ALLOW, "policy:8" },
	{ "fchmod", SYS_fchmod, { 0, 0777 }, PV_KILL, "policy:1" },
	{ "fchmod", SYS_fchmod, { 0, 04755 }, PV_KILL, "policy:1" },
	/* A mode is the low 16 bits (umode_t): 0x10000 | 04755 is 04755. */
	{ "fchmod", SYS_fchmod, { 0, 0x10000 | 04755 }, PV_KILL, "policy:1" },
	{ "fchmod", SYS_fchmod, { 0, 0x10000 | 0644 }, PV_ALLOW, "policy:8" },
};

/* `use` a profile, then narrow and widen it. */
static const char pv_use_policy[] =
	"use stdio\n"					/* 1 */
	"deny write if arg0 == 2 errno EBADF\n"		/* 2: narrows stdio */
	"allow socket if arg0 == AF_UNIX\n"		/* 3: widens it */
	"default deny errno ENOSYS\n";			/* 4 */

static const struct policy_vector pv_use[] = {
	{ "write", SYS_write, { 1 }, PV_ALLOW, "stdio:5" },
	{ "write", SYS_write, { 2 }, PV_DENY(9), "policy:2" },
	{ "read", SYS_read, { 0 }, PV_ALLOW, "stdio:4" },
	{ "ioctl", SYS_ioctl, { 0, 0x5401 }, PV_ALLOW, "stdio:13" },
	{ "ioctl", SYS_ioctl, { 0, 0x5402 }, PV_DENY(38), "policy:4" },
	{ "socket", SYS_socket, { 1, 1 }, PV_ALLOW, "policy:3" },
	{ "socket", SYS_socket, { 2, 1 }, PV_DENY(38), "policy:4" },
	{ "openat", SYS_openat, { 0 }, PV_DENY(38), "policy:4" },
};

#define PV_SET(name) { #name, pv_##name##_policy, pv_##name, \
		       sizeof(pv_##name) / sizeof(pv_##name[0]) }

static const struct policy_vector_set policy_vector_sets[] = {
	PV_SET(last_match),
	PV_SET(compare),
	PV_SET(mask),
	PV_SET(use),
};

#define POLICY_NVECTOR_SETS	(sizeof(policy_vector_sets) / sizeof(policy_vector_sets[0]))

#endif /* LSTAR_POLICY_VECTORS_H */
