/* SPDX-License-Identifier: MIT */
/*
 * mem.c - guest memory as the VMM sees it.
 *
 * Guest-physical memory is one anonymous MAP_NORESERVE mapping: the host
 * backs a page only when someone touches it, so a 512 MiB guest that uses
 * 2 MiB costs about 2 MiB.  Every address the guest supplies is a number
 * checked against the mapping before the host dereferences anything.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm.h"

#define PAGE_SIZE	LSTAR_PAGE_SIZE
#define HUGE_SIZE	(2ULL << 20)

void *vmm_mem_ptr(const struct vmm_mem *m, uint64_t gpa, uint64_t len)
{
	if (!vmm_mem_range_ok(m, gpa, len))
		return NULL;
	return m->host + gpa;
}

void *vmm_mem_frame(const struct vmm_mem *m, uint64_t gpa)
{
	if (vmm_mem_range_ok(m, gpa, PAGE_SIZE))
		return m->host + gpa;
	/* No sum can wrap: shm_gpa + shm_size is the VMM's own, small. */
	if (m->shm_size && gpa >= m->shm_gpa && gpa - m->shm_gpa < m->shm_size)
		return m->shm_host + (gpa - m->shm_gpa);
	if (m->map_size && gpa >= m->map_gpa && gpa - m->map_gpa < m->map_size)
		return m->map_host + (gpa - m->map_gpa);
	return NULL;
}

/* Is host address p in the window of shared file mappings? */
static bool in_window(const struct vmm_mem *m, const void *p)
{
	return m->map_size && (const uint8_t *)p >= m->map_host &&
	       (uint64_t)((const uint8_t *)p - m->map_host) < m->map_size;
}

/*
 * A page of a shared file mapping whose file shrank under it is SIGBUS
 * to touch, for the VMM as for anyone: a copy from or to the window runs
 * with a way out, and the program's call gets EFAULT (as the host's
 * calls do with such a page) instead of lstar dying.
 */
/* volatile: the compiler must not drop the store around memcpy, which
 * it knows cannot read it. */
static __thread sigjmp_buf *volatile bus_out;

static void on_bus(int sig, siginfo_t *si, void *uc)
{
	static const char msg[] = "lstar: internal error: SIGBUS outside a copy of guest memory\n";

	(void)sig;
	(void)si;
	(void)uc;
	if (bus_out)
		siglongjmp(*bus_out, 1);
	/* A bug of lstar's: it ends (the filter allows no new handler). */
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(LSTAR_EXIT_FAILURE);
	_exit(LSTAR_EXIT_FAILURE);
}

/* Copy n bytes from src to dst, or set them to zero when src is NULL,
 * with a way out of SIGBUS: -EFAULT. */
static int guarded_copy(void *dst, const void *src, size_t n)
{
	sigjmp_buf env;

	if (sigsetjmp(env, 1)) {
		bus_out = NULL;
		return -EFAULT;
	}
	bus_out = &env;
	if (src)
		memcpy(dst, src, n);
	else
		memset(dst, 0, n);
	bus_out = NULL;
	return 0;
}

int vmm_mem_zero_user(const struct vmm_mem *m, void *p, size_t n)
{
	if (in_window(m, p))
		return guarded_copy(p, NULL, n);
	memset(p, 0, n);
	return 0;
}

bool vmm_mem_window_probe(const struct vmm_mem *m, uint64_t off)
{
	uint8_t byte;

	return off < m->map_size && guarded_copy(&byte, m->map_host + off, 1) == 0;
}

int vmm_mem_map_init(struct vmm_mem *m, uint64_t bytes)
{
	struct sigaction sa = { .sa_sigaction = on_bus, .sa_flags = SA_SIGINFO };
	void *p;

	if (!bytes || bytes % HUGE_SIZE || bytes > (1ULL << 40))
		return -EINVAL;
	/* Nothing there until a file is mapped: a touch of an empty part
	 * (only a taken-over shim could) fails in KVM, not in a page. */
	p = mmap(NULL, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGBUS, &sa, NULL) < 0) {
		munmap(p, bytes);
		return -errno;
	}
	m->map_host = p;
	m->map_gpa = m->shm_gpa + m->shm_size;
	m->map_size = bytes;
	return 0;
}

int vmm_mem_shm_init(struct vmm_mem *m, uint64_t bytes)
{
	void *p;

	if (!bytes || bytes % HUGE_SIZE || bytes > (1ULL << 40))
		return -EINVAL;
	/* Shared: a forked VMM's guest sees the very pages.  Never
	 * executable for the VMM (the filter refuses PROT_EXEC anyway). */
	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	m->shm_host = p;
	m->shm_gpa = m->size;
	m->shm_size = bytes;
	return 0;
}

int vmm_mem_init(struct vmm_mem *m, uint64_t pool_bytes)
{
	void *p;

	memset(m, 0, sizeof(*m));
	if (pool_bytes == 0 || pool_bytes % HUGE_SIZE ||
	    pool_bytes > (1ULL << 40))
		return -EINVAL;
	m->size = LSTAR_POOL_GPA + pool_bytes;
	p = mmap(NULL, m->size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	m->host = p;
	m->pool_next = LSTAR_POOL_GPA;
	m->pool_end = m->size;
	return 0;
}

/*
 * The pool from the first 2 MiB line POOL_SMALL past what the VMM
 * placed before boot (the shim's books, the program's images, its 8 MiB
 * stack, the vDSO) is backed by the host in 2 MiB pages where it can
 * (transparent huge pages): a page the program maps there is then backed
 * on the host before its first touch, so the shadow MMU fills its
 * neighbours in with it (include/x86.h), eight faults in one
 * (docs/PERFORMANCE.md).  Below, a first touch would clear 2 MiB where a
 * small program uses a few pages: the books and the stack are touched
 * sparsely, and a program's first pages (its heap's start, its first
 * mappings) are few, held by the half MiB to 2.5 MiB of small pages left
 * above the vDSO.  Otherwise every exec would pay.  The pool is handed
 * out from the bottom up, and long mappings take freed pages before
 * fresh ones, so only a program that maps more reaches the huge part.
 * Advice only: where the host has no huge page at hand, or THP is off,
 * pages stay 4 KiB; where THP is on for everything, all of guest memory
 * is advised against it until the VMM has placed what it places
 * (vmm_mem_reserve_shim_books).
 */
#define POOL_SMALL	(512ULL << 10)

void vmm_mem_advise_huge(struct vmm_mem *m)
{
	uintptr_t from = (uintptr_t)m->host + m->pool_next + POOL_SMALL;
	uintptr_t to = (uintptr_t)m->host + m->size;

	from = (from + HUGE_SIZE - 1) & ~(uintptr_t)(HUGE_SIZE - 1);
	if (from < to)
		madvise((void *)from, to - from, MADV_HUGEPAGE);
}

void vmm_mem_reserve_shim_books(struct vmm_mem *m)
{
	uint64_t pages = (m->pool_end - m->pool_next) / PAGE_SIZE;

	m->free_stack_slots = pages;
	m->free_stack = m->pool_next;
	m->pool_next += (pages * 4 + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
	m->table_counts = m->pool_next;
	m->pool_next += (pages * 2 + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
	madvise(m->host, m->size, MADV_NOHUGEPAGE);	/* until vmm_mem_advise_huge */
}

/*
 * Freed pages are cleared where the host holds them, so that they stay
 * backed: the program's next touch of one costs only the shadow MMU's
 * fill, which takes eight neighbours at once (include/x86.h), instead of
 * a host fault and a fill for each page.  The others (never touched, or
 * swapped out) are dropped, which zeroes them at no cost.  So the host
 * keeps what the program once touched until it ends: at most --mem.
 */
int vmm_mem_rezero(struct vmm_mem *m, uint64_t gpa, uint64_t len)
{
	uint8_t *host = m->host + gpa;
	unsigned char held[256];

	if ((gpa | len) % PAGE_SIZE || !vmm_mem_range_ok(m, gpa, len))
		return -EINVAL;
	for (uint64_t off = 0; off < len;) {
		uint64_t n = (len - off) / PAGE_SIZE, run;

		if (n > sizeof(held))
			n = sizeof(held);
		if (mincore(host + off, n * PAGE_SIZE, held) < 0)
			return -errno;
		for (uint64_t i = 0; i < n; i += run) {
			uint8_t *at = host + off + i * PAGE_SIZE;

			for (run = 1; i + run < n && (held[i + run] & 1) == (held[i] & 1); run++)
				;
			if (held[i] & 1)
				memset(at, 0, run * PAGE_SIZE);
			else if (madvise(at, run * PAGE_SIZE, MADV_DONTNEED) < 0)
				return -errno;
			vmm_mem_mark(m, gpa + off + i * PAGE_SIZE, run * PAGE_SIZE);
		}
		off += n * PAGE_SIZE;
	}
	return 0;
}

/*
 * Rezero the frames pfn[0, n), coalescing runs of consecutive ones,
 * upwards (as pages are unmapped) or downwards (as they are taken from
 * the top of the free stack).  Each must be a page of the pool.
 */
int vmm_mem_rezero_frames(struct vmm_mem *m, const uint32_t *pfn, uint64_t n)
{
	for (uint64_t i = 0, run; i < n; i += run) {
		int64_t step = i + 1 < n && pfn[i + 1] + 1 == (uint64_t)pfn[i] ? -1 : 1;
		uint64_t low;
		int err;

		for (run = 1; i + run < n &&
			      (int64_t)pfn[i + run] == (int64_t)pfn[i] + step * (int64_t)run; run++)
			;
		low = step < 0 ? pfn[i] - (run - 1) : pfn[i];
		if (low * PAGE_SIZE < LSTAR_POOL_GPA)
			return -EINVAL;
		if ((err = vmm_mem_rezero(m, low * PAGE_SIZE, run * PAGE_SIZE)))
			return err;
	}
	return 0;
}

/*
 * The leaf table at gpa leaf, with [first, first + count) inside it, and
 * the shim's free stack, its counts in s consistent: NULL where any of
 * them is out of range (the guest's numbers, for LSTAR_HC_RELEASE and
 * LSTAR_HC_BACK).
 */
static uint32_t *leaf_and_stack(struct vmm_mem *m, uint64_t leaf, uint32_t first,
				uint32_t count, const struct vmm_mem_stack *s,
				uint64_t **table)
{
	if (leaf % PAGE_SIZE || first > 512 || count > 512 - first ||
	    s->nclean > s->nfree || s->nfree > m->free_stack_slots ||
	    !(*table = vmm_mem_ptr(m, leaf, PAGE_SIZE)))
		return NULL;
	return vmm_mem_ptr(m, m->free_stack, m->free_stack_slots * 4);
}

/*
 * The shim's munmap of many pages, at native speed: reading the entries
 * and stacking each frame would cost it ~11 emulated instructions a page.
 * Every number is the guest's: the table must be a page of guest memory,
 * the run inside it, the counts inside the stack, the frames inside the
 * pool; the entries are read once.  What the frames held is the guest's
 * own, and so are the stack's entries: a wrong value there hurts only the
 * guest.
 */
long vmm_mem_release(struct vmm_mem *m, uint64_t leaf, uint32_t first,
		     uint32_t count, struct vmm_mem_stack *s)
{
	uint64_t entries[512], clean = s->nclean, total = s->nfree, n = 0, *table;
	uint32_t frames[512], *stack;
	long used = 0;
	int err;

	if (!(stack = leaf_and_stack(m, leaf, first, count, s, &table)) ||
	    count > m->free_stack_slots - total)
		return -EINVAL;
	memcpy(entries, table + first, count * sizeof(*entries));
	for (uint32_t i = 0; i < count; i++) {
		uint64_t pa = entries[i] & X86_PTE_ADDR;

		if (!entries[i])
			continue;
		used++;
		if ((entries[i] & (X86_PTE_P | LSTAR_PTE_BACKED)) &&
		    pa >= LSTAR_POOL_GPA && pa < m->pool_end)
			frames[n++] = (uint32_t)(pa / PAGE_SIZE);
	}
	if ((err = vmm_mem_rezero_frames(m, frames, n)))
		return err;
	memmove(stack + clean + n, stack + clean, (total - clean) * sizeof(*stack));
	memcpy(stack + clean, frames, n * sizeof(*stack));
	vmm_mem_mark(m, m->free_stack + clean * 4, (total + n - clean) * 4);
	s->nclean = clean + n;
	s->nfree = total + n;
	return used;
}

/*
 * The shim's mmap of many pages, at native speed (~7 emulated
 * instructions a page in the shim).  Only empty entries are written: an
 * entry that becomes present needs nothing from KVM, whose shadow of the
 * table holds nothing for it (no fault has found it present); an entry
 * that changed or went would (the shim writes those itself).  Every
 * number is the guest's, checked as in vmm_mem_release; the flags must
 * make a present user entry and name no frame.
 */
long vmm_mem_back(struct vmm_mem *m, uint64_t leaf, uint32_t first, uint32_t count,
		  uint64_t flags, struct vmm_mem_stack *s)
{
	uint64_t clean = s->nclean, total = s->nfree, next = s->pool_next, take, n = 0;
	uint64_t *table;
	uint32_t frames[512] = { 0 }, *stack;	/* zeroed for the compiler only */
	int err;

	if (!(stack = leaf_and_stack(m, leaf, first, count, s, &table)) ||
	    (flags & (X86_PTE_ADDR | X86_PTE_PS)) ||
	    (flags & (X86_PTE_P | X86_PTE_U)) != (X86_PTE_P | X86_PTE_U) ||
	    next % PAGE_SIZE || next < LSTAR_POOL_GPA || next > m->pool_end)
		return -EINVAL;
	for (uint32_t i = 0; i < count; i++)
		if (table[first + i])
			return -EEXIST;
	/* The stack's top pages, clean ones first: dirty ones are cleared
	 * here (what the zeroing hypercall would do later). */
	take = total < count ? total : count;
	for (uint64_t i = 0; i < take; i++) {
		uint32_t pfn = stack[total - 1 - i];

		if ((uint64_t)pfn * PAGE_SIZE < LSTAR_POOL_GPA ||
		    (uint64_t)pfn * PAGE_SIZE >= m->pool_end)
			return -EINVAL;
		frames[n++] = pfn;
	}
	/* Dirty pages lie above the clean ones: the first taken. */
	if ((err = vmm_mem_rezero_frames(m, frames, take < total - clean ? take : total - clean)))
		return err;
	while (n < count && next < m->pool_end) {
		frames[n++] = (uint32_t)(next / PAGE_SIZE);
		next += PAGE_SIZE;
	}
	for (uint64_t i = 0; i < n; i++)
		table[first + i] = (uint64_t)frames[i] * PAGE_SIZE | flags;
	vmm_mem_mark(m, leaf, PAGE_SIZE);
	s->nfree = total - take;
	s->nclean = clean < s->nfree ? clean : s->nfree;
	s->pool_next = next;
	return (long)n;
}

int vmm_mem_reset(struct vmm_mem *m)
{
	struct vmm_mem keep = *m;
	uint8_t *host = m->host, *shm_host = m->shm_host;
	uint64_t size = m->size, shm_gpa = m->shm_gpa, shm_size = m->shm_size;

	if (madvise(host, size, MADV_DONTNEED) < 0)
		return -errno;
	/* The segments are the sandbox's, not the program's: they stay. */
	memset(m, 0, sizeof(*m));
	m->host = host;
	m->size = size;
	m->shm_host = shm_host;
	m->shm_gpa = shm_gpa;
	m->shm_size = shm_size;
	/* The window too (emptied by vmm_fmap_reset). */
	m->map_host = keep.map_host;
	m->map_gpa = keep.map_gpa;
	m->map_size = keep.map_size;
	m->pool_next = LSTAR_POOL_GPA;
	m->pool_end = size;
	return 0;
}

void vmm_mem_destroy(struct vmm_mem *m)
{
	if (m->host)
		munmap(m->host, m->size);
	if (m->shm_host)
		munmap(m->shm_host, m->shm_size);
	if (m->map_host)
		munmap(m->map_host, m->map_size);
	m->map_host = NULL;
	m->map_size = 0;
	m->host = NULL;
	m->shm_host = NULL;
	m->shm_size = 0;
}

uint64_t vmm_mem_alloc(struct vmm_mem *m)
{
	uint64_t gpa = m->pool_next;

	if (gpa >= m->pool_end)
		return 0;
	m->pool_next += PAGE_SIZE;
	return gpa;	/* never touched before: zero */
}

/* The entry for gva at the level whose index starts at bit shift, in the
 * table at gpa; creates the next table when create is set. */
static uint64_t *table_entry(struct vmm_mem *m, uint64_t table, uint64_t gva,
			     int shift)
{
	uint64_t *t = vmm_mem_ptr(m, table, PAGE_SIZE);

	return t ? &t[X86_PT_INDEX(gva, shift)] : NULL;
}

/* One more entry in use in the page-table page at gpa (for the shim, which
 * frees a table page when its last entry goes). */
static void count_entry(struct vmm_mem *m, uint64_t table)
{
	uint16_t *c;

	if (!m->table_counts || table < LSTAR_POOL_GPA)
		return;
	c = vmm_mem_ptr(m, m->table_counts + ((table - LSTAR_POOL_GPA) >> 12) * 2, 2);
	if (c)
		(*c)++;
}

static int walk_create(struct vmm_mem *m, uint64_t gva, int stop_shift,
		       uint64_t **out)
{
	uint64_t table = m->pml4;
	bool user = gva < LSTAR_USER_TOP;

	for (int shift = X86_PT_TOP;; shift -= X86_PT_BITS) {
		uint64_t *e = table_entry(m, table, gva, shift);

		if (!e)
			return -EFAULT;
		if (shift == stop_shift) {
			*out = e;
			return 0;
		}
		if (!(*e & X86_PTE_P)) {
			uint64_t next = vmm_mem_alloc(m);

			if (!next)
				return -ENOMEM;
			*e = next | X86_PTE_P | X86_PTE_W | X86_PTE_A | (user ? X86_PTE_U : 0);
			count_entry(m, table);
		}
		table = *e & X86_PTE_ADDR;
	}
}

/* A leaf entry's flags: present, and marked accessed (and dirty where
 * writable) from the start, as the shim marks its own (include/x86.h). */
static uint64_t leaf_flags(uint64_t flags)
{
	return flags | X86_PTE_P | X86_PTE_A | ((flags & X86_PTE_W) ? X86_PTE_D : 0);
}

int vmm_mem_map(struct vmm_mem *m, uint64_t gva, uint64_t gpa, uint64_t flags)
{
	uint64_t *pte;
	int err;

	if (!m->pml4 && !(m->pml4 = vmm_mem_alloc(m)))
		return -ENOMEM;
	if ((err = walk_create(m, gva, 12, &pte)))
		return err;
	if (*pte & X86_PTE_P)
		return -EEXIST;	/* two things at one address: a loader bug */
	*pte = gpa | leaf_flags(flags);
	count_entry(m, ((uint64_t)pte - (uint64_t)m->host) & ~(uint64_t)(PAGE_SIZE - 1));
	return 0;
}

int vmm_mem_reflag(struct vmm_mem *m, uint64_t gva, uint64_t flags)
{
	uint64_t *pte;
	int err;

	if ((err = walk_create(m, gva, 12, &pte)))
		return err;
	if (!(*pte & X86_PTE_P))
		return -ENOENT;
	*pte = (*pte & X86_PTE_ADDR) | leaf_flags(flags);
	return 0;
}

int vmm_mem_map_direct(struct vmm_mem *m)
{
	/* The pool, and the segments right above it (the shim reaches a
	 * segment's words for futexes and signal frames as any page's). */
	uint64_t end = m->map_size ? m->map_gpa + m->map_size :
		       m->shm_size ? m->shm_gpa + m->shm_size : m->pool_end;

	for (uint64_t gpa = LSTAR_POOL_GPA; gpa < end; gpa += HUGE_SIZE) {
		uint64_t *pde;
		int err;

		if (!m->pml4 && !(m->pml4 = vmm_mem_alloc(m)))
			return -ENOMEM;
		if ((err = walk_create(m, LSTAR_DIRECT_MAP + gpa, 21, &pde)))
			return err;
		*pde = gpa | X86_PTE_P | X86_PTE_W | X86_PTE_A | X86_PTE_D | X86_PTE_PS | X86_PTE_NX;
	}
	return 0;
}

/*
 * user_page - the guest-physical page behind user address gva, as ring 3
 * would reach it: each level present and user, and for a write each level
 * writable too (x86 needs W at every level for a user write).  The tables
 * are guest memory (a hostile shim may have written them), so every table
 * address is range-checked again.
 */
static int user_page(const struct vmm_mem *m, uint64_t gva, bool write,
		     uint64_t *gpa)
{
	uint64_t need = X86_PTE_P | X86_PTE_U | (write ? X86_PTE_W : 0);
	uint64_t table = m->pml4;

	if (gva >= LSTAR_USER_TOP)
		return -EFAULT;
	for (int shift = X86_PT_TOP; shift >= X86_PT_LEAF; shift -= X86_PT_BITS) {
		const uint64_t *t = vmm_mem_ptr(m, table, PAGE_SIZE);
		uint64_t e;

		if (!t)
			return -EFAULT;
		e = t[X86_PT_INDEX(gva, shift)];
		if ((e & need) != need)
			return -EFAULT;
		if (shift > X86_PT_LEAF && (e & X86_PTE_PS))
			return -EFAULT;	/* the shim maps user memory in 4 KiB */
		table = e & X86_PTE_ADDR;
	}
	if (!vmm_mem_frame(m, table))
		return -EFAULT;
	if (write)
		vmm_mem_mark(m, table, PAGE_SIZE);
	*gpa = table;
	return 0;
}

uint64_t vmm_mem_user_frame(const struct vmm_mem *m, uint64_t gva)
{
	uint64_t table = m->pml4, e = 0;

	if (gva >= LSTAR_USER_TOP)
		return 0;
	for (int shift = X86_PT_TOP; shift >= X86_PT_LEAF; shift -= X86_PT_BITS) {
		const uint64_t *t = vmm_mem_ptr(m, table, PAGE_SIZE);

		if (!t)
			return 0;
		e = t[X86_PT_INDEX(gva, shift)];
		if (shift > X86_PT_LEAF && (!(e & X86_PTE_P) || (e & X86_PTE_PS)))
			return 0;
		table = e & X86_PTE_ADDR;
	}
	return (e & (X86_PTE_P | LSTAR_PTE_BACKED)) ? table : 0;
}

long vmm_mem_user_iov(const struct vmm_mem *m, uint64_t gva, uint64_t len,
		      bool write, struct iovec *iov, int max, int *niov)
{
	uint64_t done = 0;
	int n = 0;

	while (done < len) {
		uint64_t va = gva + done, gpa;
		uint64_t chunk = PAGE_SIZE - (va & (PAGE_SIZE - 1));

		if (va < gva || user_page(m, va, write, &gpa))
			break;	/* wrapped, or not accessible */
		uint8_t *host = (uint8_t *)vmm_mem_frame(m, gpa) + (va & (PAGE_SIZE - 1));

		if (chunk > len - done)
			chunk = len - done;
		if (n > 0 && (uint8_t *)iov[n - 1].iov_base + iov[n - 1].iov_len == host) {
			iov[n - 1].iov_len += chunk;
		} else {
			if (n == max)
				break;
			iov[n].iov_base = host;
			iov[n].iov_len = chunk;
			n++;
		}
		done += chunk;
	}
	*niov = n;
	if (done == 0 && len > 0)
		return -EFAULT;
	return (long)done;
}

static int copy_user(const struct vmm_mem *m, uint64_t gva, void *buf,
		     uint64_t len, bool to_user)
{
	struct iovec iov[8];
	uint8_t *b = buf;

	while (len) {
		int n;
		long got = vmm_mem_user_iov(m, gva, len, to_user, iov, 8, &n);

		if (got <= 0)
			return -EFAULT;
		for (int i = 0; i < n; i++) {
			if (in_window(m, iov[i].iov_base)) {
				if (guarded_copy(to_user ? iov[i].iov_base : b,
						 to_user ? b : iov[i].iov_base, iov[i].iov_len))
					return -EFAULT;
			} else if (to_user) {
				memcpy(iov[i].iov_base, b, iov[i].iov_len);
			} else {
				memcpy(b, iov[i].iov_base, iov[i].iov_len);
			}
			b += iov[i].iov_len;
		}
		gva += got;
		len -= got;
	}
	return 0;
}

int vmm_mem_copy_from_user(const struct vmm_mem *m, void *dst, uint64_t gva,
			   uint64_t len)
{
	return copy_user(m, gva, dst, len, false);
}

int vmm_mem_copy_to_user(const struct vmm_mem *m, uint64_t gva,
			 const void *src, uint64_t len)
{
	return copy_user(m, gva, (void *)src, len, true);
}

/*
 * The user half's page tables against the shim's books, for
 * LSTAR_MM_AUDIT (tools/fuzz-boundary.sh): each table below the root
 * holds as many entries as its count says, every frame (a table, or a
 * page mapped or kept for PROT_NONE) lies in the pool, and none is used
 * twice.  A walk that finds a table again (a loop) is a finding too.
 */
struct audit {
	const struct vmm_mem *m;
	uint8_t *seen;			/* per pool page */
	char *why;
	size_t len;
};

static bool audit_frame(struct audit *a, uint64_t gpa, const char *what)
{
	uint64_t page;

	/* A segment's or a shared file's frame may be mapped at several
	 * places. */
	if (((a->m->shm_size && gpa >= a->m->shm_gpa && gpa - a->m->shm_gpa < a->m->shm_size) ||
	     (a->m->map_size && gpa >= a->m->map_gpa && gpa - a->m->map_gpa < a->m->map_size)) &&
	    !(gpa % PAGE_SIZE))
		return true;
	if (gpa < LSTAR_POOL_GPA || gpa >= a->m->size || gpa % PAGE_SIZE) {
		snprintf(a->why, a->len, "%s 0x%llx outside the pool", what,
			 (unsigned long long)gpa);
		return false;
	}
	page = (gpa - LSTAR_POOL_GPA) / PAGE_SIZE;
	if (a->seen[page]) {
		snprintf(a->why, a->len, "%s 0x%llx used twice", what, (unsigned long long)gpa);
		return false;
	}
	a->seen[page] = 1;
	return true;
}

static bool audit_table(struct audit *a, uint64_t table, int level)
{
	const uint64_t *t = vmm_mem_ptr(a->m, table, PAGE_SIZE);
	const uint16_t *count;
	unsigned used = 0;

	if (!t || !audit_frame(a, table, "table"))
		return false;
	count = vmm_mem_ptr(a->m, a->m->table_counts + ((table - LSTAR_POOL_GPA) >> 12) * 2, 2);
	for (int i = 0; i < 512; i++) {
		uint64_t e = t[i];

		if (!e)
			continue;
		used++;
		if (level > 0 ? !(e & X86_PTE_P) || (e & X86_PTE_PS) : !(e & (X86_PTE_P | LSTAR_PTE_BACKED))) {
			snprintf(a->why, a->len, "entry %d of table 0x%llx (level %d) is 0x%llx", i,
				 (unsigned long long)table, level, (unsigned long long)e);
			return false;
		}
		if (level > 0 ? !audit_table(a, e & X86_PTE_ADDR, level - 1) :
				!audit_frame(a, e & X86_PTE_ADDR, "page"))
			return false;
	}
	if (!count || *count != used) {
		snprintf(a->why, a->len, "table 0x%llx (level %d) holds %u entries, its count says %u",
			 (unsigned long long)table, level, used, count ? *count : 0);
		return false;
	}
	return true;
}

int vmm_mem_audit(const struct vmm_mem *m, char *why, size_t len)
{
	const uint64_t *root = vmm_mem_ptr(m, m->pml4, PAGE_SIZE);
	struct audit a = { .m = m, .why = why, .len = len };
	bool ok = true;

	if (!root || !m->table_counts)
		return 0;
	if (!(a.seen = calloc((m->size - LSTAR_POOL_GPA) / PAGE_SIZE, 1))) {
		snprintf(why, len, "out of memory");
		return -ENOMEM;
	}
	for (int i = 0; i < 256 && ok; i++)
		if (root[i])
			ok = (root[i] & X86_PTE_P) && audit_table(&a, root[i] & X86_PTE_ADDR, 2);
	free(a.seen);
	if (!ok && !why[0])
		snprintf(why, len, "a root entry is not present");
	return ok ? 0 : -EINVAL;
}

/*
 * What the program's user half holds, for sysinfo: each frame of the pool
 * that a user page-table entry or a table below the root names, counted
 * once.  The tables are the shim's (guest memory): a frame outside the
 * pool, a huge entry or a table met again is not followed, so a wrong or
 * hostile book gives a wrong number, never a long walk.
 */
struct user_count {
	const struct vmm_mem *m;
	uint8_t *seen;			/* a bit per pool page */
	uint64_t pages;
};

static bool count_frame(struct user_count *c, uint64_t gpa)
{
	uint64_t page;

	if (gpa < LSTAR_POOL_GPA || gpa >= c->m->size)
		return false;
	page = (gpa - LSTAR_POOL_GPA) / PAGE_SIZE;
	if (c->seen[page / 8] & (1u << (page % 8)))
		return false;
	c->seen[page / 8] |= 1u << (page % 8);
	c->pages++;
	return true;
}

static void count_table(struct user_count *c, uint64_t table, int level)
{
	const uint64_t *t = vmm_mem_ptr(c->m, table, PAGE_SIZE);

	if (!t || !count_frame(c, table))
		return;
	for (int i = 0; i < 512; i++) {
		uint64_t e = t[i];

		if (level > 0 && (e & X86_PTE_P) && !(e & X86_PTE_PS))
			count_table(c, e & X86_PTE_ADDR, level - 1);
		else if (level == 0 && (e & (X86_PTE_P | LSTAR_PTE_BACKED)))
			count_frame(c, e & X86_PTE_ADDR);
	}
}

uint64_t vmm_mem_user_bytes(const struct vmm_mem *m)
{
	const uint64_t *root = vmm_mem_ptr(m, m->pml4, PAGE_SIZE);
	struct user_count c = { .m = m };

	if (!root || m->size <= LSTAR_POOL_GPA ||
	    !(c.seen = calloc((m->size - LSTAR_POOL_GPA) / PAGE_SIZE / 8 + 1, 1)))
		return 0;
	for (int i = 0; i < 256; i++)
		if (root[i] & X86_PTE_P)
			count_table(&c, root[i] & X86_PTE_ADDR, 2);
	free(c.seen);
	return c.pages * PAGE_SIZE;
}
