/* SPDX-License-Identifier: MIT */
/*
 * stats.c - `lstar run --stats`: where a run's calls and time went, as
 * `strace -c` sums them up, printed on stderr when the run is over:
 *
 *   lstar: --stats: ./prog exited with 0 after 0.123 s
 *      calls   errors    guest      vmm  vmm us/call  syscall
 *         12        0       12        0               mmap
 *          5        1        0        5         38.1  openat
 *        ...
 *        123        4       80       43         41.0  total
 *   processes 1; VM exits 210, 190 of them hypercalls; time in the guest
 *   80.2 ms, in the VMM 30.1 ms; host page faults 1234 (5 major)
 *
 * The counts are the VMM's own: with --stats the shim reports every call
 * it answers (LSTAR_BOOT_TRACE, as for --trace), and each one is counted
 * as the observers hear of it.  The times are the host's clock around
 * KVM_RUN (the guest: the program and the shim, with the trace reports
 * the counting costs) and around each hypercall's answer (the VMM).
 * Host page faults are the VMM process's (getrusage): the guest memory
 * it touched for the first time, and its own.
 *
 * A forked process counts its own calls and adds them to a record all
 * the sandbox's VMMs share (a MAP_SHARED mapping made before
 * confinement) when it ends; the first process prints the sum.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>

#include "vmm.h"

struct stats_call {
	uint64_t calls, errors, forwarded;
	uint64_t vmm_ns;		/* answering the forwarded ones */
};

struct vmm_stats {
	struct stats_call sys[LSTAR_POLICY_NR];
	uint64_t unnamed;		/* numbers beyond the table */
	uint64_t processes;
	_Atomic uint64_t exits, hypercalls, guest_ns, vmm_ns;
	uint64_t minflt, majflt;	/* host page faults, since the start */
};

/* This process's record and the shared one, and where rusage stood at
 * the start (or the fork). */
struct vmm_stats_state {
	struct vmm_stats own;
	struct vmm_stats *shared;
	struct rusage start;
	double t0;
};

static uint64_t ns_between(const struct timespec *a, const struct timespec *b)
{
	return (uint64_t)(b->tv_sec - a->tv_sec) * 1000000000ULL + (uint64_t)b->tv_nsec -
	       (uint64_t)a->tv_nsec;
}

int vmm_stats_open(struct vmm *vmm)
{
	struct vmm_stats_state *s;

	if (!vmm->opt->stats)
		return 0;
	if (!(s = calloc(1, sizeof(*s))))
		return -ENOMEM;
	s->shared = mmap(NULL, sizeof(*s->shared), PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (s->shared == MAP_FAILED) {
		int err = -errno;

		free(s);
		return err;
	}
	getrusage(RUSAGE_SELF, &s->start);
	s->t0 = vmm_now();
	s->own.processes = 1;
	vmm->stats = s;
	return 0;
}

void vmm_stats_close(struct vmm *vmm)
{
	struct vmm_stats_state *s = vmm->stats;

	if (!s)
		return;
	munmap(s->shared, sizeof(*s->shared));
	free(s);
	vmm->stats = NULL;
}

void vmm_stats_call(struct vmm *vmm, const struct vmm_call *c)
{
	struct vmm_stats *st = &vmm->stats->own;
	struct stats_call *k;

	if (c->nr >= LSTAR_POLICY_NR) {
		st->unnamed++;
		return;
	}
	k = &st->sys[c->nr];
	k->calls++;
	k->forwarded += c->forwarded;
	if (!c->noreturn && c->ret < 0 && c->ret >= -4095)
		k->errors++;
}

void vmm_stats_forward_time(struct vmm *vmm, uint64_t nr, const struct timespec *since)
{
	struct timespec now;

	if (!vmm->stats || nr >= LSTAR_POLICY_NR)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	vmm->stats->own.sys[nr].vmm_ns += ns_between(since, &now);
}

void vmm_stats_guest(struct vmm *vmm, bool hypercall, const struct timespec *run,
		     const struct timespec *exit)
{
	struct vmm_stats *st = &vmm->stats->own;

	st->exits++;
	st->hypercalls += hypercall;
	st->guest_ns += ns_between(run, exit);
}

void vmm_stats_vmm(struct vmm *vmm, const struct timespec *exit, const struct timespec *resume)
{
	vmm->stats->own.vmm_ns += ns_between(exit, resume);
}

/* The page faults since the start, into st. */
static void count_faults(struct vmm_stats_state *s)
{
	struct rusage now;

	getrusage(RUSAGE_SELF, &now);
	s->own.minflt = (uint64_t)(now.ru_minflt - s->start.ru_minflt);
	s->own.majflt = (uint64_t)(now.ru_majflt - s->start.ru_majflt);
}

void vmm_stats_forked(struct vmm *vmm)
{
	struct vmm_stats_state *s = vmm->stats;

	if (!s)
		return;
	memset(&s->own, 0, sizeof(s->own));
	s->own.processes = 1;
	/* A new process's rusage starts at zero. */
	memset(&s->start, 0, sizeof(s->start));
}

static void add(struct vmm_stats *to, const struct vmm_stats *from)
{
	for (int nr = 0; nr < LSTAR_POLICY_NR; nr++) {
		to->sys[nr].calls += from->sys[nr].calls;
		to->sys[nr].errors += from->sys[nr].errors;
		to->sys[nr].forwarded += from->sys[nr].forwarded;
		to->sys[nr].vmm_ns += from->sys[nr].vmm_ns;
	}
	to->unnamed += from->unnamed;
	to->processes += from->processes;
	to->exits += from->exits;
	to->hypercalls += from->hypercalls;
	to->guest_ns += from->guest_ns;
	to->vmm_ns += from->vmm_ns;
	to->minflt += from->minflt;
	to->majflt += from->majflt;
}

void vmm_stats_share(struct vmm *vmm)
{
	struct vmm_stats_state *s = vmm->stats;

	if (!s)
		return;
	count_faults(s);
	vmm_procs_lock(vmm->procs);
	add(s->shared, &s->own);
	vmm_procs_unlock(vmm->procs);
}

/* How the run ended, in words, for the first line. */
static void how_it_ended(const struct vmm *vmm, char *buf, size_t len)
{
	int sig = vmm->killed_by;

	if (vmm->stopped_by == SIGALRM)
		snprintf(buf, len, "timed out");
	else if (vmm->stopped_by)
		snprintf(buf, len, "was stopped (lstar got SIG%s)", sigabbrev_np(vmm->stopped_by));
	else if (sig >= 1 && sig <= 31)
		snprintf(buf, len, "was killed by SIG%s", sigabbrev_np(sig));
	else if (sig)
		snprintf(buf, len, "was killed by signal %d", sig);
	else
		snprintf(buf, len, "exited with %d", vmm->exit_code);
}

/* The rows, most calls first (then by number). */
static const struct vmm_stats *sorting;

static int by_calls(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	uint64_t cx = sorting->sys[x].calls, cy = sorting->sys[y].calls;

	return cx != cy ? (cx < cy ? 1 : -1) : x - y;
}

void vmm_stats_print(struct vmm *vmm)
{
	struct vmm_stats_state *s = vmm->stats;
	struct vmm_stats all = { .processes = 0 };
	struct stats_call total = { 0 };
	int rows[LSTAR_POLICY_NR], n = 0;
	char how[64];

	if (!s)
		return;
	count_faults(s);
	add(&all, &s->own);
	/* The other processes have ended (vmm_procs_end waited for them);
	 * one that had not, or was killed, is not in the sum. */
	vmm_procs_lock(vmm->procs);
	add(&all, s->shared);
	vmm_procs_unlock(vmm->procs);
	for (int nr = 0; nr < LSTAR_POLICY_NR; nr++)
		if (all.sys[nr].calls)
			rows[n++] = nr;
	sorting = &all;
	qsort(rows, (size_t)n, sizeof(rows[0]), by_calls);

	how_it_ended(vmm, how, sizeof(how));
	fprintf(stderr, "lstar: --stats: %s %s after %.3f s\n", vmm->opt->program, how,
		vmm_now() - s->t0);
	fprintf(stderr, "%10s %8s %8s %8s %12s  %s\n", "calls", "errors", "guest", "vmm",
		"vmm us/call", "syscall");
	for (int i = 0; i < n; i++) {
		const struct stats_call *k = &all.sys[rows[i]];
		const char *name = lstar_policy_syscall_name((uint64_t)rows[i]);
		char num[24];

		if (!name) {
			snprintf(num, sizeof(num), "syscall_%d", rows[i]);
			name = num;
		}
		if (k->forwarded)
			fprintf(stderr, "%10llu %8llu %8llu %8llu %12.1f  %s\n",
				(unsigned long long)k->calls, (unsigned long long)k->errors,
				(unsigned long long)(k->calls - k->forwarded),
				(unsigned long long)k->forwarded,
				(double)k->vmm_ns / 1e3 / (double)k->forwarded, name);
		else
			fprintf(stderr, "%10llu %8llu %8llu %8llu %12s  %s\n",
				(unsigned long long)k->calls, (unsigned long long)k->errors,
				(unsigned long long)k->calls, 0ULL, "", name);
		total.calls += k->calls;
		total.errors += k->errors;
		total.forwarded += k->forwarded;
		total.vmm_ns += k->vmm_ns;
	}
	if (all.unnamed)
		fprintf(stderr, "%10llu %8s %8s %8s %12s  %s\n", (unsigned long long)all.unnamed,
			"", "", "", "", "numbers beyond 511");
	fprintf(stderr, "%10llu %8llu %8llu %8llu %12s  total\n",
		(unsigned long long)(total.calls + all.unnamed), (unsigned long long)total.errors,
		(unsigned long long)(total.calls - total.forwarded),
		(unsigned long long)total.forwarded, "");
	if (total.forwarded)
		fprintf(stderr, "%10s %8s %8s %8s %12.1f  (forwarded calls)\n", "", "", "", "",
			(double)total.vmm_ns / 1e3 / (double)total.forwarded);
	fprintf(stderr, "processes %llu; VM exits %llu, %llu of them hypercalls; time in the "
		"guest %.1f ms, in the VMM %.1f ms; host page faults %llu (%llu major)\n",
		(unsigned long long)all.processes, (unsigned long long)all.exits,
		(unsigned long long)all.hypercalls, (double)all.guest_ns / 1e6,
		(double)all.vmm_ns / 1e6, (unsigned long long)all.minflt,
		(unsigned long long)all.majflt);
}
