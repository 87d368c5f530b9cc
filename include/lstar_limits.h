/* SPDX-License-Identifier: MIT */
/*
 * lstar_limits.h - the limits the policy language, the VMM and the shim
 * agree on, written once.
 */
#ifndef LSTAR_LIMITS_H
#define LSTAR_LIMITS_H

/* The guest's descriptor table: `limit files` at most, RLIMIT_NOFILE's
 * default and hard limit. */
#define LSTAR_MAX_FDS		1024

/* Threads alive at once: `limit threads` at most, and the vCPUs a VM
 * is laid out for (lstar_abi.h's LSTAR_MAX_VCPUS). */
#define LSTAR_MAX_THREADS	256

/* Processes alive at once in one sandbox (zombies count until reaped):
 * `limit processes` at most, and the default. */
#define LSTAR_MAX_PROCS		1024
#define LSTAR_DEFAULT_PROCS	64

/* `limit memory` and --mem: the page pool's size. */
#define LSTAR_MEM_MIN		(16ULL << 20)
#define LSTAR_MEM_MAX		(64ULL << 30)

#endif /* LSTAR_LIMITS_H */
