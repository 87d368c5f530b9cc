/* SPDX-License-Identifier: MIT */
/*
 * mm.c - the program's memory: physical pages, page tables, mappings.
 *
 * Physical pages come from the pool (include/lstar_abi.h).  Pages never
 * handed out are zero (fresh host memory).  Freed pages go on a stack as
 * "dirty"; when no clean page is left, one hypercall asks the VMM to zero
 * all dirty ones at native speed (vmm_mem_rezero): on PVM the shim must
 * never clear a page itself (~512 emulated stores).  On PVM, long runs are
 * freed and backed by the VMM (BULK_MIN), which takes the stack's pages
 * before fresh ones: their host pages are present, and a touch of them
 * costs the platform less (docs/DECISIONS.md, "Memory").
 *
 * Mappings are a sorted array of VMAs; the page tables mirror them.  Pages
 * are backed when mapped (not on first touch), so the VMM can always walk
 * the tables to reach a syscall buffer, and --mem is a strict commit limit:
 * mapping more than the pool holds fails with ENOMEM, as Linux does with
 * overcommit disabled.  Untouched pages still cost the host nothing.
 *
 * With several threads, a call that unmaps or narrows is a shootdown
 * (others_stale): every other live CPU is flagged to flush its TLB before
 * it uses a user address again, and those in ring 3 are kicked and waited
 * for, so the change holds for all threads when the call returns.  A page
 * freed here may also be in use by a call another CPU is in the middle of
 * (the VMM reading into it, the shim copying): freed pages wait in limbo,
 * in batches stamped with the mm generation that freed them, until every
 * other live CPU has flushed since (tlb_sync, on each entry from ring 3:
 * that CPU then holds nothing from before) or is parked in a wait that
 * touches no guest memory; one that lags is kicked when the pages are
 * needed.
 */
#include <asm-generic/mman-common.h>
#include <linux/mman.h>
#include "shim.h"
#ifndef SHIM_HOST_TEST
#include "task.h"
#endif


#define PROT_ALL	(PROT_READ | PROT_WRITE | PROT_EXEC)
#define MAX_VMAS	4096

struct vma {
	uint64_t start;		/* page aligned */
	uint64_t end;		/* page aligned, exclusive */
	uint32_t prot;
	uint32_t flags;		/* LSTAR_VMA_*, VMA_BRK */
};

#define VMA_BRK		(1u << 8)
#define VMA_SHM		(1u << 9)	/* a System V attachment: the frames
					 * are the segment's, never the pool's */
#define VMA_NOWRITE	(1u << 10)	/* attached SHM_RDONLY, or a file
					 * not open for writing: mprotect
					 * may not make it writable */
#define VMA_FILE	(1u << 11)	/* a shared file mapping: the frames
					 * are the VMM's window's; a page
					 * past the file's end is SIGBUS */
#define VMA_PAST_EOF	(1u << 12)	/* the pages of a private file mapping
					 * past the file's end: none, and a
					 * touch is SIGBUS */

/* mm_init copies the VMM's boot VMAs as they are. */
_Static_assert(sizeof(struct vma) == sizeof(struct lstar_boot_vma) &&
	       __builtin_offsetof(struct vma, start) == __builtin_offsetof(struct lstar_boot_vma, start) &&
	       __builtin_offsetof(struct vma, end) == __builtin_offsetof(struct lstar_boot_vma, end) &&
	       __builtin_offsetof(struct vma, prot) == __builtin_offsetof(struct lstar_boot_vma, prot) &&
	       __builtin_offsetof(struct vma, flags) == __builtin_offsetof(struct lstar_boot_vma, flags),
	       "a boot VMA is a struct vma");
_Static_assert(MAX_VMAS >= LSTAR_BOOT_MAX_VMAS, "the boot VMAs fit the map");

static struct {
	/* Physical pages. */
	uint64_t pool_next, pool_end;
	uint32_t *free_pfns;		/* [0, nclean) zeroed, [nclean, nfree) dirty */
	uint16_t *table_counts;		/* per pool page: entries in use, if a table */
	bool tables_freed;		/* a table page went: flush everything */
	uint64_t nfree, nclean, free_slots;
	uint64_t pml4;
	/* Address space. */
	uint64_t brk_start, brk;
	uint64_t mmap_top, mmap_min;
	/* Attachments and shared file mappings unmapped by the running
	 * call, [lo, hi), which the VMM is told of once it ends
	 * (LSTAR_SHM_UNMAPPED). */
	uint64_t shm_gone_lo, shm_gone_hi;
	int nr_vmas;
	struct vma vmas[MAX_VMAS];
} mm;

/* The map, the page tables and the pages: every memory call, and every
 * walk of the tables by another CPU (copy_user). */
static struct spinlock mm_lock;

void mm_fork_lock(void)
{
	spin_lock(&mm_lock);
}

void mm_fork_unlock(void)
{
	spin_unlock(&mm_lock);
}

/* Bumped (under mm_lock) each time pages go to limbo; CPUs read it. */
static uint32_t mm_gen;

/* The direct map: guest-physical gpa is at SHIM_DIRECT_MAP + gpa. */
static inline void *phys_to_virt(uint64_t gpa)
{
	return (void *)(SHIM_DIRECT_MAP + gpa);
}

static inline uint64_t virt_to_phys(const void *p)
{
	return (uint64_t)p - SHIM_DIRECT_MAP;
}

/* --- physical pages ---------------------------------------------------- */

/* --- pages other CPUs may still use ------------------------------------- */

/* Limbo: a ring of frames, in batches by the generation that freed them.
 * Full (another CPU has not flushed for 64K frees), a freed frame is
 * dropped for good rather than reused early. */
#define LIMBO_MAX	65536
#define LIMBO_BATCHES	64

static struct {
	uint32_t pfn[LIMBO_MAX];
	uint64_t head, tail;		/* counters: [head, tail) are in it */
	struct {
		uint64_t end;		/* the batch is [previous end, end) */
		uint32_t gen;		/* 0 while its call runs */
	} batch[LIMBO_BATCHES];
	uint64_t bhead, btail;		/* counters into batch[] */
	bool open;			/* the newest batch is the running call's */
} limbo;

#ifndef SHIM_HOST_TEST
void tlb_sync(bool force)
{
	struct percpu *p = this_cpu();
	uint32_t gen;

	if (!force && !__atomic_load_n(&p->tlb_stale, __ATOMIC_RELAXED))
		return;
	__atomic_store_n(&p->tlb_stale, 0, __ATOMIC_RELAXED);
	gen = __atomic_load_n(&mm_gen, __ATOMIC_ACQUIRE);
	write_cr3(read_cr3());
	__atomic_store_n(&p->tlb_gen, gen, __ATOMIC_RELEASE);
}

/* Are other threads alive, whose CPUs may map what this one frees? */
static bool others_run(void)
{
	return __atomic_load_n(&nr_threads, __ATOMIC_RELAXED) > 1;
}
#else
/* The host test (tests/test_shim_mm.c) runs one thread. */
static bool others_run(void)
{
	return false;
}
#endif

/*
 * A shootdown: the other live CPUs flush before they use a user address
 * again, and those running ring 3 now are interrupted and waited for, so
 * that what this call unmapped or made stricter holds for every thread
 * when it returns, as on Linux.  A CPU in the shim or in the host flushes
 * on its way back to ring 3 (tlb_leave_for_user); one that never comes
 * to it is waited for a bounded time only (its freed pages still wait in
 * limbo).
 */
static void others_stale(void)
{
#ifndef SHIM_HOST_TEST
	uint32_t gen = __atomic_load_n(&mm_gen, __ATOMIC_SEQ_CST);

	for (unsigned int i = 0; i < task_slots; i++)
		if (tasks[i].tid && &tasks[i] != current())
			__atomic_exchange_n(&tasks[i].pcpu->tlb_stale, 1, __ATOMIC_SEQ_CST);
	for (unsigned int i = 0; i < task_slots; i++) {
		const struct percpu *p = tasks[i].pcpu;

		if (!tasks[i].tid || &tasks[i] == current() ||
		    !__atomic_load_n(&p->in_user, __ATOMIC_SEQ_CST))
			continue;
		hc_block()->kick.cpu = tasks[i].cpu;
		hcall(LSTAR_HC_KICK);
		for (int spin = 0; spin < 100000; spin++) {
			if (!__atomic_load_n(&p->in_user, __ATOMIC_SEQ_CST) ||
			    (int32_t)(__atomic_load_n(&p->tlb_gen, __ATOMIC_ACQUIRE) - gen) >= 0 ||
			    !tasks[i].tid)
				break;
			__builtin_ia32_pause();
		}
	}
#endif
}

/* Put frame pa in the running call's batch. */
static void limbo_add(uint64_t pa)
{
	if (limbo.tail - limbo.head == LIMBO_MAX)
		return;			/* full: the frame is not used again */
	if (!limbo.open) {
		if (limbo.btail - limbo.bhead == LIMBO_BATCHES)
			limbo.btail--;		/* merge into the newest */
		limbo.batch[limbo.btail++ % LIMBO_BATCHES].gen = 0;
		limbo.open = true;
	}
	limbo.pfn[limbo.tail++ % LIMBO_MAX] = (uint32_t)(pa >> 12);
	limbo.batch[(limbo.btail - 1) % LIMBO_BATCHES].end = limbo.tail;
}

/* The end of a call that changed mappings: stamp its batch. */
static void limbo_close(void)
{
	if (!limbo.open)
		return;
	limbo.open = false;
	limbo.batch[(limbo.btail - 1) % LIMBO_BATCHES].gen =
		__atomic_add_fetch(&mm_gen, 1, __ATOMIC_RELEASE);
}

/* The oldest generation some other live, unparked CPU has not flushed
 * past (how far limbo may be freed); kick those if asked. */
static uint32_t limbo_horizon(bool kick_laggards)
{
	uint32_t horizon = __atomic_load_n(&mm_gen, __ATOMIC_ACQUIRE);

#ifdef SHIM_HOST_TEST
	(void)kick_laggards;
#else
	for (unsigned int i = 0; i < task_slots; i++) {
		const struct percpu *p = tasks[i].pcpu;
		uint32_t seen;

		if (!tasks[i].tid || &tasks[i] == current() ||
		    __atomic_load_n(&p->hc->parked, __ATOMIC_ACQUIRE))
			continue;
		seen = __atomic_load_n(&p->tlb_gen, __ATOMIC_ACQUIRE);
		if ((int32_t)(seen - horizon) < 0) {
			horizon = seen;
			if (kick_laggards) {
				hc_block()->kick.cpu = tasks[i].cpu;
				hcall(LSTAR_HC_KICK);
			}
		}
	}
#endif
	return horizon;
}

/* Free the batches every other CPU is past, to the dirty pages (for the
 * VMM to rezero).  Returns how many pages came back. */
static uint64_t limbo_reclaim(bool kick_laggards)
{
	uint32_t horizon;
	uint64_t freed = 0;

	if (limbo.bhead == limbo.btail)
		return 0;
	horizon = limbo_horizon(kick_laggards);
	while (limbo.bhead != limbo.btail) {
		const __typeof__(limbo.batch[0]) *b = &limbo.batch[limbo.bhead % LIMBO_BATCHES];

		if (!b->gen || (int32_t)(b->gen - horizon) > 0)
			break;
		for (; limbo.head < b->end; limbo.head++, freed++)
			mm.free_pfns[mm.nfree++] = limbo.pfn[limbo.head % LIMBO_MAX];
		limbo.bhead++;
	}
	return freed;
}

/* When no page is left: limbo's, once the other CPUs are past them
 * (kicked for it, and waited for a while). */
static bool limbo_wait(void)
{
	for (int i = 0; i < 200 && limbo.bhead != limbo.btail; i++) {
		if (limbo_reclaim(i % 50 == 0))
			return true;
		for (int spin = 0; spin < 64; spin++)
			__builtin_ia32_pause();
	}
	return false;
}

static int rezero_free_pages(void)
{
	struct lstar_hc_zero *z = &hc_block()->zero;

	z->count = mm.nfree;
	hcall(LSTAR_HC_ZERO_PAGES);
	if (z->ret)
		return (int)z->ret;
	mm.nclean = mm.nfree;
	return 0;
}

/* page_alloc - one zeroed page, or 0 when the pool is exhausted. */
static uint64_t page_alloc(void)
{
	uint64_t pa;

	if (mm.nclean == 0 && mm.pool_next < mm.pool_end) {
		pa = mm.pool_next;
		mm.pool_next += PAGE_SIZE;
		return pa;
	}
	if (mm.nclean == 0 && mm.nfree == 0 && !limbo_reclaim(false) && !limbo_wait())
		return 0;
	if (mm.nclean == 0 && rezero_free_pages() < 0)
		return 0;
	pa = (uint64_t)mm.free_pfns[mm.nclean - 1] << 12;
	/* Keep [0, nclean) clean: the last dirty entry fills the hole. */
	mm.free_pfns[mm.nclean - 1] = mm.free_pfns[mm.nfree - 1];
	mm.nclean--;
	mm.nfree--;
	return pa;
}

/*
 * pages_available - could n more pages (and the page tables to map them)
 * be had?  Checked before a large mapping starts, so that a request that
 * cannot succeed fails at once instead of after backing page by page.
 */
static bool pages_available(uint64_t n)
{
	uint64_t have = (mm.pool_end - mm.pool_next) / PAGE_SIZE + mm.nfree +
			(limbo.tail - limbo.head);

	return n + n / 512 + 3 <= have;
}

static void page_free(uint64_t pa)
{
	if (others_run()) {
		limbo_add(pa);
		return;
	}
	if (unlikely(mm.nfree >= mm.free_slots))
		hc_exit(LSTAR_EXIT_PANIC, 0, NULL, 0, pa);
	mm.free_pfns[mm.nfree++] = (uint32_t)(pa >> 12);
}

/* --- page tables -------------------------------------------------------- */

/*
 * Every page-table page counts its entries in use (the VMM counted those
 * it made); when the last one goes, the page goes back to the pool, so a
 * program that maps and unmaps all over its address space does not run
 * out of memory in tables it no longer needs.  No table but the root is
 * ever left empty.
 */
static inline uint16_t *count_of(const uint64_t *table)
{
	return &mm.table_counts[(virt_to_phys(table) - LSTAR_POOL_GPA) >> 12];
}

/* The next 2 MiB boundary above va: where the next leaf table starts. */
static inline uint64_t next_leaf(uint64_t va)
{
	return (va | ((1ULL << 21) - 1)) + 1;
}

/* --- lstar fuzz: undoing the page-table writes of an execution ---------- */

/*
 * Once lstar fuzz has its snapshot (boot_info_live(fuzz_undo), in the boot
 * page), each page-table write is logged with the entry's old value;
 * LSTAR_START_UNDO writes them back, newest first.  The host must not
 * rewrite tables behind a shadow MMU (PVM's), so the tables are put back
 * here, by writes KVM sees.  A full log says so, and the VMM puts the
 * tables back its own, slower, way.
 */
#define UNDO_MAX	16384

static struct {
	uint64_t *entry;
	uint64_t old;
} undo_log[UNDO_MAX];
static uint32_t undo_len;
static bool undo_overflow;

#ifndef SHIM_HOST_TEST
static inline bool undo_logging(void)
{
	return boot_info_live(fuzz_undo);
}
#else
static inline bool undo_logging(void)
{
	return false;	/* the host test has no boot page */
}
#endif

static inline void pt_write(uint64_t *entry, uint64_t val)
{
	if (unlikely(undo_logging())) {
		if (undo_len < UNDO_MAX)
			undo_log[undo_len++] = (__typeof__(undo_log[0])){ entry, *entry };
		else
			undo_overflow = true;
	}
	*entry = val;
}

#ifndef SHIM_HOST_TEST
noreturn void mm_fuzz_undo(void)
{
	struct lstar_hc_undone *u = &hc_block()->undone;

	while (undo_len)
		*undo_log[undo_len - 1].entry = undo_log[undo_len - 1].old, undo_len--;
	write_cr3(read_cr3());
	u->complete = !undo_overflow;
	hcall(LSTAR_HC_UNDONE);
	for (;;)
		asm volatile("hlt");
}
#endif

/*
 * pt_lookup - the leaf table that maps user address va, or NULL when a
 * table on the way is absent.  *next is where the next lookup of a walk
 * over a range should start: past this leaf's 2 MiB, or past the whole
 * hole (up to 512 GiB), so a walk costs by what is mapped, never by the
 * size of the range it names (a 64 TiB PROT_NONE reservation has no
 * tables at all).
 */
static uint64_t *pt_lookup(uint64_t va, uint64_t *next)
{
	uint64_t *t = phys_to_virt(mm.pml4);

	for (int shift = X86_PT_TOP; shift > X86_PT_LEAF; shift -= X86_PT_BITS) {
		uint64_t e = t[X86_PT_INDEX(va, shift)];

		if (!(e & X86_PTE_P)) {
			*next = (va | ((1ULL << shift) - 1)) + 1;
			return NULL;
		}
		t = phys_to_virt(e & X86_PTE_ADDR);
	}
	*next = next_leaf(va);
	return t;
}

/*
 * pt_prune - free the tables on the way to va that hold no entry, from
 * the deepest up (never the root).  Returns whether any went.
 */
static bool pt_prune(uint64_t va)
{
	uint64_t *tables[4], *entries[3], *t = phys_to_virt(mm.pml4);
	int depth = 0;

	tables[0] = t;
	for (int shift = X86_PT_TOP; shift > X86_PT_LEAF; shift -= X86_PT_BITS) {
		uint64_t *e = &t[X86_PT_INDEX(va, shift)];

		if (!(*e & X86_PTE_P))
			break;
		entries[depth] = e;
		t = phys_to_virt(*e & X86_PTE_ADDR);
		tables[++depth] = t;
	}
	if (depth == 0 || *count_of(tables[depth]))
		return false;
	/* The paging-structure caches may hold the freed tables. */
	mm.tables_freed = true;
	do {
		page_free(virt_to_phys(tables[depth]));
		pt_write(entries[depth - 1], 0);
		depth--;
	} while (--(*count_of(tables[depth])) == 0 && depth > 0);
	return true;
}

/*
 * pt_leaf - the last-level table that maps user address va, creating the
 * tables on the way; NULL when out of pages (nothing half-made stays).
 */
static uint64_t *pt_leaf(uint64_t va)
{
	uint64_t *t = phys_to_virt(mm.pml4);

	for (int shift = X86_PT_TOP; shift > X86_PT_LEAF; shift -= X86_PT_BITS) {
		uint64_t *e = &t[X86_PT_INDEX(va, shift)];

		if (!(*e & X86_PTE_P)) {
			uint64_t pa = page_alloc();

			if (!pa) {
				pt_prune(va);
				return NULL;
			}
			/* Leaves decide access; the levels above allow it. */
			pt_write(e, pa | X86_PTE_P | X86_PTE_W | X86_PTE_U | X86_PTE_A);
			(*count_of(t))++;
		}
		t = phys_to_virt(*e & X86_PTE_ADDR);
	}
	return t;
}

/*
 * pte_set - a leaf PTE of table leaf changes to new: keep the table's
 * count, and when the last entry goes, free the table and every table
 * above that empties with it.  Returns whether leaf itself went.
 */
static bool pte_set(uint64_t *leaf, uint64_t *pte, uint64_t new, uint64_t va)
{
	bool was = *pte != 0;

	pt_write(pte, new);
	if (was == (new != 0))
		return false;
	if (new) {
		(*count_of(leaf))++;
		return false;
	}
	if (--(*count_of(leaf)))
		return false;
	return pt_prune(va);
}

/* Is the frame at pa the pool's?  A System V segment's frames and a
 * shared file mapping's (above the pool) are never freed into it. */
static inline bool pool_frame(uint64_t pa)
{
	return pa < mm.pool_end;
}

static inline uint64_t *pte_of(uint64_t *leaf, uint64_t va)
{
	return &leaf[X86_PT_INDEX(va, X86_PT_LEAF)];
}

static uint64_t prot_to_pte(uint32_t prot)
{
	uint64_t f;

	if (!(prot & PROT_ALL))
		return LSTAR_PTE_BACKED;
	f = X86_PTE_P | X86_PTE_U | X86_PTE_A;
	if (prot & PROT_WRITE)
		f |= X86_PTE_W | X86_PTE_D;
	if (!(prot & PROT_EXEC))
		f |= X86_PTE_NX;
	return f;
}

static void flush_range(uint64_t start, uint64_t end)
{
	/* Other CPUs may map what changed: a new generation, which they
	 * flush to before they use a user address again; what was freed
	 * waits for them. */
	if (limbo.open)
		limbo_close();
	else if (others_run())
		__atomic_add_fetch(&mm_gen, 1, __ATOMIC_SEQ_CST);
	if (others_run())
		others_stale();
	/* Freed table pages may sit in the paging-structure caches. */
	if (end - start > 32 * PAGE_SIZE || mm.tables_freed) {
		mm.tables_freed = false;
		write_cr3(read_cr3());
		return;
	}
	for (uint64_t va = start; va < end; va += PAGE_SIZE)
		invlpg(va);
}

/*
 * On PVM, the VMM frees and backs runs of at least BULK_MIN entries of a
 * table (LSTAR_HC_RELEASE, LSTAR_HC_BACK): one exit, worth ~110 emulated
 * instructions, against ~11 a page to free here and ~7 to back; and the
 * frames come back cleared, so no zeroing hypercall follows.  On hardware
 * KVM the loops here cost nanoseconds.
 */
#define BULK_MIN	16

/* The frames of n entries of leaf from first on, freed by the VMM; the
 * entries stay.  How many were in use, or -1 when the VMM refused (then
 * nothing was freed). */
static long release_frames(uint64_t *leaf, const uint64_t *first, uint64_t n)
{
	struct lstar_hc_release *r = &hc_block()->release;

	r->leaf = virt_to_phys(leaf);
	r->first = (uint32_t)(first - leaf);
	r->count = (uint32_t)n;
	r->nclean = mm.nclean;
	r->nfree = mm.nfree;
	hcall(LSTAR_HC_RELEASE);
	if (r->ret < 0 || (uint64_t)r->ret > n || r->nclean > r->nfree ||
	    r->nfree < mm.nfree || r->nfree > mm.free_slots)
		return -1;
	mm.nclean = r->nclean;
	mm.nfree = r->nfree;
	return r->ret;
}

/*
 * clear_run - clear the entries of one leaf table for [va, stop), and
 * free their pages if free_pages (mremap moves them instead): the common
 * case of unmap_pages in one pass, with the table's count kept once.
 * Only where nothing else needs to see each entry go (no other thread,
 * whose CPU would need a freed page in limbo; no lstar fuzz undo log)
 * and the free stack has room for a whole table; false when it did
 * nothing.  The leaf, and the tables above it that empty with it, go
 * when its last entry does.
 */
static bool clear_run(uint64_t *leaf, uint64_t va, uint64_t stop, bool free_pages)
{
	uint64_t *first = pte_of(leaf, va), *end = first + (stop - va) / PAGE_SIZE;
	long released = -1;
	uint16_t gone = 0;

	if (undo_logging() ||
	    (free_pages && (others_run() || mm.nfree + 512 > mm.free_slots)))
		return false;
	if (free_pages && end - first >= BULK_MIN &&
	    boot_info.platform == LSTAR_PLATFORM_PVM)
		released = release_frames(leaf, first, (uint64_t)(end - first));
	/* Read every entry, then clear them all with one string store:
	 * fewer emulated instructions a page than a store each (two loops,
	 * so that the one that frees tests nothing else, unrolled: its loop
	 * test is a third of its instructions). */
	if (released >= 0) {
		gone = (uint16_t)released;
	} else if (free_pages) {
		uint32_t *free_top = &mm.free_pfns[mm.nfree];

#pragma GCC unroll 4
		for (const uint64_t *pte = first; pte < end; pte++) {
			uint64_t e = *pte, pa = e & X86_PTE_ADDR;

			if (!e)
				continue;
			gone++;
			if ((e & (X86_PTE_P | LSTAR_PTE_BACKED)) && pool_frame(pa))
				*free_top++ = (uint32_t)(pa >> 12);
		}
		mm.nfree = (uint64_t)(free_top - mm.free_pfns);
	} else {
		for (const uint64_t *pte = first; pte < end; pte++)
			gone += *pte != 0;
	}
	memset(first, 0, (size_t)(end - first) * sizeof(*first));
	if (gone && !(*count_of(leaf) -= gone))
		pt_prune(va);
	return true;
}

static void unmap_pages(uint64_t start, uint64_t end)
{
	for (uint64_t va = start, stop; va < end; va = stop) {
		uint64_t *leaf = pt_lookup(va, &stop);

		if (stop > end)
			stop = end;
		if (!leaf || clear_run(leaf, va, stop, true))
			continue;
		for (; va < stop; va += PAGE_SIZE) {
			uint64_t *pte = pte_of(leaf, va);

			if ((*pte & (X86_PTE_P | LSTAR_PTE_BACKED)) &&
			    pool_frame(*pte & X86_PTE_ADDR))
				page_free(*pte & X86_PTE_ADDR);
			if (*pte && pte_set(leaf, pte, 0, va))
				break;		/* the leaf went: nothing left */
		}
	}
	flush_range(start, end);
}

/* The first n entries from pte on of leaf, all empty, backed by the VMM
 * with flags (LSTAR_HC_BACK): how many it backed, 0 when it refused. */
static uint64_t back_entries(uint64_t *leaf, const uint64_t *pte, uint64_t n,
			     uint64_t flags)
{
	struct lstar_hc_back *b = &hc_block()->back;

	b->leaf = virt_to_phys(leaf);
	b->first = (uint32_t)(pte - leaf);
	b->count = (uint32_t)n;
	b->flags = flags;
	b->nclean = mm.nclean;
	b->nfree = mm.nfree;
	b->pool_next = mm.pool_next;
	hcall(LSTAR_HC_BACK);
	if (b->ret <= 0 || (uint64_t)b->ret > n || b->nclean > b->nfree ||
	    b->nfree > mm.nfree || b->pool_next < mm.pool_next ||
	    b->pool_next > mm.pool_end)
		return 0;
	mm.nclean = b->nclean;
	mm.nfree = b->nfree;
	mm.pool_next = b->pool_next;
	*count_of(leaf) += (uint16_t)b->ret;
	return (uint64_t)b->ret;
}

/*
 * map_run - back the empty entries of one leaf table for [va, stop) with
 * zeroed pages, a run at a time: pages the pool never gave out are
 * consecutive, clean freed ones are taken from the top of the clean part
 * of the free stack at once, and the table's count is kept once.  A few
 * instructions per page instead of a page_alloc and a pte_set each
 * (every one emulated on PVM).  Returns the address it reached: stop,
 * or short of it when pages ran out.
 */
static uint64_t map_run(uint64_t *leaf, uint64_t va, uint64_t stop, uint64_t flags)
{
	uint64_t *pte = pte_of(leaf, va);
	uint64_t n = (stop - va) / PAGE_SIZE, done = 0;

	if (n >= BULK_MIN && boot_info.platform == LSTAR_PLATFORM_PVM &&
	    !undo_logging())
		done = back_entries(leaf, pte, n, flags);
	while (done < n) {
		uint64_t k = n - done, pa;

		if (unlikely(undo_logging())) {
			/* lstar fuzz logs each entry's old value */
			if (!(pa = page_alloc()))
				break;
			pt_write(&pte[done++], pa | flags);
			(*count_of(leaf))++;
			continue;
		}
		if (mm.nclean == 0 && mm.pool_next < mm.pool_end) {
			pa = mm.pool_next;
			if (k > (mm.pool_end - pa) / PAGE_SIZE)
				k = (mm.pool_end - pa) / PAGE_SIZE;
			mm.pool_next = pa + k * PAGE_SIZE;
			pa |= flags;
#pragma GCC unroll 4
			for (uint64_t *p = &pte[done], *e = p + k; p < e; p++, pa += PAGE_SIZE)
				*p = pa;
		} else if (mm.nclean) {
			uint32_t *run;
			uint64_t fill;

			if (k > mm.nclean)
				k = mm.nclean;
			run = &mm.free_pfns[mm.nclean - k];
			for (uint64_t i = 0; i < k; i++)
				pte[done + i] = ((uint64_t)run[i] << 12) | flags;
			/* Keep [0, nclean) clean: the last dirty entries (as
			 * many as there are, up to k) fill the hole; they lie
			 * above it, so nothing overlaps. */
			fill = mm.nfree - mm.nclean < k ? mm.nfree - mm.nclean : k;
			for (uint64_t i = 0; i < fill; i++)	/* mostly one */
				run[i] = mm.free_pfns[mm.nfree - fill + i];
			mm.nclean -= k;
			mm.nfree -= k;
		} else {
			/* Only dirty or limbo pages left: page_alloc has them
			 * zeroed, then the runs go on. */
			if (!(pa = page_alloc()))
				break;
			pte[done] = pa | flags;
			k = 1;
		}
		*count_of(leaf) += (uint16_t)k;
		done += k;
	}
	return va + done * PAGE_SIZE;
}

/* Back [start, end) with fresh zero pages; PROT_NONE stays unbacked.
 * On failure nothing stays mapped. */
static int map_pages(uint64_t start, uint64_t end, uint32_t prot)
{
	uint64_t flags = prot_to_pte(prot), va = start;

	if (!(flags & X86_PTE_P))
		return 0;
	if (!pages_available((end - start) / PAGE_SIZE))
		return -ENOMEM;
	while (va < end) {
		uint64_t *leaf = pt_leaf(va);
		uint64_t stop = next_leaf(va) < end ? next_leaf(va) : end;

		if (!leaf)
			goto out_unmap;
		if ((va = map_run(leaf, va, stop, flags)) < stop) {
			pt_prune(va);	/* the leaf may be new and empty */
			goto out_unmap;
		}
	}
	return 0;
out_unmap:
	unmap_pages(start, va);
	return -ENOMEM;
}

/*
 * Map [start, end) to the frames from pa on (a System V segment's or a
 * shared file mapping's, above the pool): only the page tables come from
 * the pool.  On failure nothing stays mapped.
 */
static int map_frames(uint64_t start, uint64_t end, uint64_t pa, uint32_t prot)
{
	uint64_t flags = prot_to_pte(prot), va = start;

	if (!pages_available((end - start) / PAGE_SIZE / 512 + 1))
		return -ENOMEM;
	while (va < end) {
		uint64_t *leaf = pt_leaf(va);
		uint64_t stop = next_leaf(va) < end ? next_leaf(va) : end;

		if (!leaf) {
			unmap_pages(start, va);
			return -ENOMEM;
		}
		for (; va < stop; va += PAGE_SIZE, pa += PAGE_SIZE)
			pte_set(leaf, pte_of(leaf, va), pa | flags, va);
	}
	return 0;
}

/*
 * Where the run of empty entries of leaf from va (whose entry is empty)
 * ends, at stop at the latest: one `repe scasq`, whose steps cost less
 * on PVM than a loop's eight emulated instructions a page.
 */
static uint64_t empty_until(const uint64_t *leaf, uint64_t va, uint64_t stop)
{
	const uint64_t *p = pte_of((uint64_t *)leaf, va);
	uint64_t n = (stop - va) / PAGE_SIZE, left = n;
	bool all;

	asm("repe scasq"
	    : "+D"(p), "+c"(left), "=@ccz"(all)
	    : "a"(0ULL), "m"(*(const uint64_t(*)[512])leaf));
	/* Stopped on a full entry: the one before p. */
	return va + (all ? n : n - left - 1) * PAGE_SIZE;
}

/*
 * Change the access of [start, end), backing pages that leave PROT_NONE.
 * Where nothing is mapped and nothing needs backing, no table is made.
 */
static int protect_pages(uint64_t start, uint64_t end, uint32_t prot, bool back)
{
	uint64_t flags = prot_to_pte(prot);
	int err = 0;

	for (uint64_t va = start, stop; va < end && !err; va = stop) {
		uint64_t *leaf = pt_lookup(va, &stop);

		if (!leaf) {
			if (!(flags & X86_PTE_P))
				continue;	/* unbacked and staying so */
			if (!(leaf = pt_leaf(va))) {
				err = -ENOMEM;
				break;
			}
			stop = next_leaf(va);
		}
		if (stop > end)
			stop = end;
		for (; va < stop; va += PAGE_SIZE) {
			uint64_t *pte = pte_of(leaf, va), pa = *pte & X86_PTE_ADDR;

			if (!(*pte & (X86_PTE_P | LSTAR_PTE_BACKED))) {
				/* A file's page past its end stays absent
				 * (a touch is SIGBUS). */
				if (!(flags & X86_PTE_P) || !back)
					continue;
				if (!*pte) {
					/* A run of empty entries (a thread's
					 * stack leaving PROT_NONE): backed as
					 * mmap backs, not page by page. */
					uint64_t run = empty_until(leaf, va, stop);

					if (map_run(leaf, va, run, flags) < run) {
						pt_prune(va);
						err = -ENOMEM;
						break;
					}
					va = run - PAGE_SIZE;
					continue;
				}
				if (!(pa = page_alloc())) {
					err = -ENOMEM;
					break;
				}
			}
			/* Full before and after: the leaf's count stays (and
			 * pte_set's call would cost more than the store, for
			 * each page of a RELRO region made read-only). */
			pt_write(pte, pa | flags);
		}
	}
	flush_range(start, end);
	return err;
}

/* --- user memory access -------------------------------------------------- */

/*
 * The leaf entry that maps user address va, or NULL where a table on the
 * way is absent: pt_lookup's walk without its bookkeeping for ranges,
 * unrolled (every user copy walks, and every instruction is emulated on
 * PVM).  User tables hold 4 KiB pages only.
 */
/* The entry for va in the table at physical address table, at the level
 * whose index starts at bit shift. */
#define PT_ENTRY(table, va, shift) \
	(((const uint64_t *)phys_to_virt(table))[X86_PT_INDEX(va, shift)])

static inline const uint64_t *pte_for(uint64_t va)
{
	uint64_t e = PT_ENTRY(mm.pml4, va, X86_PT_TOP);

	if (!(e & X86_PTE_P))
		return NULL;
	e = PT_ENTRY(e & X86_PTE_ADDR, va, X86_PT_TOP - X86_PT_BITS);
	if (!(e & X86_PTE_P))
		return NULL;
	e = PT_ENTRY(e & X86_PTE_ADDR, va, X86_PT_LEAF + X86_PT_BITS);
	if (!(e & X86_PTE_P))
		return NULL;
	return &PT_ENTRY(e & X86_PTE_ADDR, va, X86_PT_LEAF);
}

/* The shim's view of user address va, if ring 3 could access it so. */
static uint8_t *user_ptr(uint64_t va, bool write)
{
	const uint64_t *p = pte_for(va);
	uint64_t pte;

	if (!p)
		return NULL;
	pte = *p;
	if ((pte & (X86_PTE_P | X86_PTE_U)) != (X86_PTE_P | X86_PTE_U) ||
	    (write && !(pte & X86_PTE_W)))
		return NULL;
	return (uint8_t *)phys_to_virt(pte & X86_PTE_ADDR) + (va & (PAGE_SIZE - 1));
}

/*
 * copy_in_page - copy n bytes (1 or more) that all lie in uaddr's page, a
 * user page: the walk and the copy under the map's lock, so that no other
 * CPU frees the page meanwhile.  Almost every copy a call makes (a mask, a
 * timespec, a signal frame) is one of these: copy_to_user and
 * copy_from_user call it at once, without copy_user's loop (~50 emulated
 * instructions more on PVM).
 */
static int copy_in_page(uint64_t uaddr, void *buf, size_t n, bool to_user)
{
	uint8_t *p;

	spin_lock(&mm_lock);
	p = user_ptr(uaddr, to_user);
	if (p && to_user)
		memcpy(p, buf, n);
	else if (p)
		memcpy(buf, p, n);
	spin_unlock(&mm_lock);
	return p ? 0 : -EFAULT;
}

/* Any copy: a page at a time (out of line: the one-page copies the
 * wrappers below make at once would pay for its registers). */
static __attribute__((noinline)) int copy_user(uint64_t uaddr, void *buf, size_t n,
					       bool to_user)
{
	uint8_t *b = buf;

	if (uaddr >= LSTAR_USER_TOP || n > LSTAR_USER_TOP - uaddr)
		return -EFAULT;
	while (n) {
		size_t chunk = PAGE_SIZE - (uaddr & (PAGE_SIZE - 1));
		int err;

		if (chunk > n)
			chunk = n;
		if ((err = copy_in_page(uaddr, b, chunk, to_user)))
			return err;
		uaddr += chunk;
		b += chunk;
		n -= chunk;
	}
	return 0;
}

int user_cmpxchg32(uint64_t uaddr, uint32_t old, uint32_t new, uint32_t *cur)
{
	uint32_t *p;
	int err = 0;

	if (uaddr % 4 || uaddr >= LSTAR_USER_TOP)
		return -EFAULT;
	spin_lock(&mm_lock);
	if (!(p = (uint32_t *)user_ptr(uaddr, true)))
		err = -EFAULT;
	else {
		*cur = old;
		__atomic_compare_exchange_n(p, cur, new, false, __ATOMIC_SEQ_CST,
					    __ATOMIC_SEQ_CST);
	}
	spin_unlock(&mm_lock);
	return err;
}

/* Does [uaddr, uaddr + n), n >= 1, lie in one user page?  (n == 0 does
 * not: copy_user answers it without a walk.) */
static bool in_one_user_page(uint64_t uaddr, size_t n)
{
	return uaddr < LSTAR_USER_TOP && n - 1 < PAGE_SIZE - (uaddr & (PAGE_SIZE - 1));
}

/* Copy through the page tables, never by touching user addresses: a bad
 * pointer is -EFAULT, not a shim fault, and SMAP can stay on. */
int copy_to_user(uint64_t dst, const void *src, size_t n)
{
	if (in_one_user_page(dst, n))
		return copy_in_page(dst, (void *)src, n, true);
	return copy_user(dst, (void *)src, n, true);
}

int copy_from_user(void *dst, uint64_t src, size_t n)
{
	if (in_one_user_page(src, n))
		return copy_in_page(src, dst, n, false);
	return copy_user(src, dst, n, false);
}

/* --- VMAs ---------------------------------------------------------------- */

/* Index of the first VMA that ends above addr (nr_vmas if none). */
static int vma_first_above(uint64_t addr)
{
	int lo = 0, hi = mm.nr_vmas;

	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (mm.vmas[mid].end > addr)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static bool range_is_free(uint64_t start, uint64_t end)
{
	int i = vma_first_above(start);

	return i == mm.nr_vmas || mm.vmas[i].start >= end;
}

/* The end of the mapped run that starts at start, at most end (start
 * itself when nothing is mapped there). */
static uint64_t mapped_run_end(uint64_t start, uint64_t end)
{
	for (int i = vma_first_above(start); i < mm.nr_vmas && start < end; i++) {
		if (mm.vmas[i].start > start)
			break;
		start = mm.vmas[i].end;
	}
	return start < end ? start : end;
}

static bool range_is_mapped(uint64_t start, uint64_t end)
{
	return mapped_run_end(start, end) == end;
}

/*
 * Make addr a VMA boundary, given i, the first VMA that ends above it:
 * split that VMA if it straddles addr.  Returns the first VMA that ends
 * above addr now (i, or i + 1 after a split), or -ENOMEM.
 */
static int vma_split(int i, uint64_t addr)
{
	struct vma *v = &mm.vmas[i];

	if (i == mm.nr_vmas || v->start >= addr)
		return i;
	if (mm.nr_vmas == MAX_VMAS)
		return -ENOMEM;
	memmove(v + 1, v, (mm.nr_vmas - i) * sizeof(*v));
	mm.nr_vmas++;
	v->end = addr;
	v[1].start = addr;
	return i + 1;
}

static int vma_split_at(uint64_t addr)
{
	int i = vma_split(vma_first_above(addr), addr);

	return i < 0 ? i : 0;
}

/* Does v agree with a mapping of prot and flags, to merge with it? */
static inline bool vma_agrees(const struct vma *v, uint32_t prot, uint32_t flags)
{
	return v->prot == prot && v->flags == flags;
}

/* Merge touching, agreeing VMAs among entries lo..hi (clamped). */
static void vma_merge(int lo, int hi)
{
	int w, r;

	if (lo < 0)
		lo = 0;
	if (hi >= mm.nr_vmas)
		hi = mm.nr_vmas - 1;
	if (lo >= hi)
		return;
	for (w = lo, r = lo + 1; r <= hi; r++) {
		struct vma *a = &mm.vmas[w], *b = &mm.vmas[r];

		if (a->end == b->start && vma_agrees(a, b->prot, b->flags))
			a->end = b->end;
		else
			mm.vmas[++w] = *b;
	}
	if (w < hi) {
		memmove(&mm.vmas[w + 1], &mm.vmas[hi + 1],
			(mm.nr_vmas - hi - 1) * sizeof(mm.vmas[0]));
		mm.nr_vmas -= hi - w;
	}
}

/*
 * Record [start, end) as mapped; the range must be free.  A neighbour
 * that touches it and agrees grows over it instead (a heap that grows, a
 * mapping placed below the last one), and two such neighbours become
 * one: as many entries move as must (each moved qword is an emulated
 * step on PVM).
 */
static int vma_insert(uint64_t start, uint64_t end, uint32_t prot,
		      uint32_t flags)
{
	int i = vma_first_above(start);
	struct vma *below = i > 0 ? &mm.vmas[i - 1] : NULL;
	struct vma *above = i < mm.nr_vmas ? &mm.vmas[i] : NULL;
	bool joins_below = below && below->end == start && vma_agrees(below, prot, flags);
	bool joins_above = above && above->start == end && vma_agrees(above, prot, flags);

	if (joins_below && joins_above) {
		below->end = above->end;
		memmove(above, above + 1, (mm.nr_vmas - i - 1) * sizeof(*above));
		mm.nr_vmas--;
	} else if (joins_below) {
		below->end = end;
	} else if (joins_above) {
		above->start = start;
	} else {
		if (mm.nr_vmas == MAX_VMAS)
			return -ENOMEM;
		memmove(&mm.vmas[i + 1], &mm.vmas[i],
			(mm.nr_vmas - i) * sizeof(mm.vmas[0]));
		mm.nr_vmas++;
		mm.vmas[i] = (struct vma){ start, end, prot, flags };
	}
	return 0;
}

/* Unmap whatever lies in [start, end), page tables and VMAs: one search
 * for the first VMA, a walk from there to the last. */
static int vma_remove(uint64_t start, uint64_t end)
{
	int i, j;

	/* Nothing to unmap (mremap to the same size): no split either,
	 * which would leave two halves that should be one. */
	if (start >= end)
		return 0;
	i = vma_split(vma_first_above(start), start);
	if (i < 0)
		return i;
	for (j = i; j < mm.nr_vmas && mm.vmas[j].end <= end; j++)
		;
	if (j < mm.nr_vmas && mm.vmas[j].start < end && (j = vma_split(j, end)) < 0)
		return j;
	for (int k = i; k < j; k++) {
		/* The vDSO or its time page goes: what comes to its
		 * address must never be taken for the syscall gate. */
		if (mm.vmas[k].flags & LSTAR_VMA_VDSO)
			syscall_gate_turn_off();
		unmap_pages(mm.vmas[k].start, mm.vmas[k].end);
		if (mm.vmas[k].flags & (VMA_SHM | VMA_FILE)) {
			if (mm.shm_gone_hi == 0 || mm.vmas[k].start < mm.shm_gone_lo)
				mm.shm_gone_lo = mm.vmas[k].start;
			if (mm.vmas[k].end > mm.shm_gone_hi)
				mm.shm_gone_hi = mm.vmas[k].end;
		}
	}
	memmove(&mm.vmas[i], &mm.vmas[j], (mm.nr_vmas - j) * sizeof(mm.vmas[0]));
	mm.nr_vmas -= j - i;
	return 0;
}

/* Highest free range of len bytes in [mmap_min, mmap_top), or 0. */
static uint64_t find_gap(uint64_t len)
{
	uint64_t top = mm.mmap_top;

	for (int i = mm.nr_vmas - 1; i >= -1; i--) {
		uint64_t bottom = i >= 0 ? mm.vmas[i].end : mm.mmap_min;

		if (bottom < mm.mmap_min)
			bottom = mm.mmap_min;
		if (bottom <= top && top - bottom >= len)
			return top - len;
		if (i >= 0 && mm.vmas[i].start < top)
			top = mm.vmas[i].start;
	}
	return 0;
}

/* Reserve room for the splits one call may need, before changing anything. */
static inline bool vma_room(int n)
{
	return mm.nr_vmas + n <= MAX_VMAS;
}

/* Is [addr, addr + len) a page-aligned user range?  len is page aligned. */
static inline bool user_range_ok(uint64_t addr, uint64_t len)
{
	return !(addr & (PAGE_SIZE - 1)) && addr < LSTAR_USER_TOP &&
	       len <= LSTAR_USER_TOP - addr;
}

/* --- syscalls ------------------------------------------------------------ */

static long do_brk(struct pt_regs *regs)
{
	uint64_t want = regs->di;
	uint64_t old_end = PAGE_ALIGN(mm.brk), new_end;

	if (want < mm.brk_start || want > LSTAR_USER_TOP)
		return mm.brk;
	new_end = PAGE_ALIGN(want);
	if (new_end < old_end) {
		if (vma_remove(new_end, old_end) < 0)
			return mm.brk;
	} else if (new_end > old_end) {
		if (!range_is_free(old_end, new_end) || !vma_room(1) ||
		    map_pages(old_end, new_end, PROT_READ | PROT_WRITE) < 0)
			return mm.brk;
		vma_insert(old_end, new_end, PROT_READ | PROT_WRITE, VMA_BRK);
	}
	mm.brk = want;
	return mm.brk;
}

/*
 * Ask the VMM about a file mapping of the program's call (its own six
 * arguments, which the VMM judges again) at [addr, addr + len), the place
 * the shim chose (refill: over pages kept as they were, mmap_refill); the
 * VMM's answer is in the block returned.
 */
static struct lstar_hc_mmap *mmap_hcall(const struct pt_regs *regs, uint64_t addr,
					uint64_t len, bool refill)
{
	struct lstar_hc_mmap *m = &hc_block()->mmap;

	m->args[0] = regs->di;
	m->args[1] = regs->si;
	m->args[2] = regs->dx;
	m->args[3] = regs->r10;
	m->args[4] = regs->r8;
	m->args[5] = regs->r9;
	m->addr = addr;
	m->len = len;
	m->refill = refill;
	hcall(LSTAR_HC_MMAP_FILE);
	shim_saw_vmm_call();
	return m;
}

/*
 * A shared file mapping at [addr, addr + len) (free): the VMM maps the
 * file into its window and says where; the shim maps the pages that lie
 * within the file to those frames, and leaves the rest absent (a touch
 * there is SIGBUS, mm_sigbus_at).  On failure the VMM is told that the
 * range went, and forgets the mapping.
 */
static long mmap_shared_file(struct pt_regs *regs, uint64_t addr, uint64_t len, uint32_t prot)
{
	const struct lstar_hc_mmap *m = mmap_hcall(regs, addr, len, false);
	uint64_t gpa, valid;
	uint32_t vflags = VMA_FILE;
	int err;

	if (m->ret < 0)
		return m->ret;
	gpa = m->gpa;
	valid = m->valid;
	if (!m->may_write)
		vflags |= VMA_NOWRITE;
	/* The VMM's numbers, checked all the same: whole pages of the
	 * window, no more than the mapping. */
	if (gpa & (PAGE_SIZE - 1) || valid & (PAGE_SIZE - 1) || valid > len ||
	    gpa < boot_info.map_gpa || gpa - boot_info.map_gpa > boot_info.map_size ||
	    len > boot_info.map_size - (gpa - boot_info.map_gpa) ||
	    ((prot & PROT_WRITE) && (vflags & VMA_NOWRITE))) {
		err = -EINVAL;
		goto out_forget;
	}
	if ((err = map_frames(addr, addr + valid, gpa, prot)))
		goto out_forget;
	vma_insert(addr, addr + len, prot, vflags);
	return (long)addr;
out_forget:
	mm.shm_gone_lo = mm.shm_gone_hi ? (addr < mm.shm_gone_lo ? addr : mm.shm_gone_lo) : addr;
	if (addr + len > mm.shm_gone_hi)
		mm.shm_gone_hi = addr + len;
	return err;
}

/*
 * Of a private file mapping of len bytes, the VMM says how many (whole
 * pages) lie within the file; past them a touch is SIGBUS, as on Linux
 * (mm_sigbus_at), so no page may be there.  Its number is checked all
 * the same: anything but whole pages within the mapping keeps them all.
 */
static uint64_t within_file(uint64_t len, uint64_t valid)
{
	return valid > len || (valid & (PAGE_SIZE - 1)) ? len : valid;
}

/* The VMAs of a private file mapping at [addr, addr + len), filled by
 * the VMM, its pages past the file's end (within_file) dropped; room for
 * both VMAs was made (do_mmap's vma_room). */
static long past_eof(uint64_t addr, uint64_t len, uint64_t valid, uint32_t prot)
{
	valid = within_file(len, valid);
	if (valid < len) {
		unmap_pages(addr + valid, addr + len);
		vma_insert(addr + valid, addr + len, prot, VMA_PAST_EOF);
	}
	if (valid)
		vma_insert(addr, addr + valid, prot, 0);
	return (long)addr;
}

/*
 * May a MAP_FIXED private file mapping of [start, end) keep the pages
 * there (mmap_refill)?  When plain private VMAs, none PROT_NONE (whose
 * pages may be unbacked), map all of it: their pages are the pool's and
 * this process's alone.  Only while the process has one thread: another
 * CPU slow to take the shootdown could still write through its old
 * entry into the new mapping (the common way's freed pages wait in
 * limbo for it instead).  Not while lstar fuzz logs each entry's change.
 */
static bool refill_ok(uint64_t start, uint64_t end)
{
	uint64_t at = start;

	if (undo_logging() || others_run())
		return false;
	for (int i = vma_first_above(start); i < mm.nr_vmas && at < end; i++) {
		const struct vma *v = &mm.vmas[i];

		if (v->start > at || v->flags || !(v->prot & PROT_ALL))
			return false;
		at = v->end;
	}
	return at >= end;
}

/* The entries of leaf for [va, stop) take the access flags; false at the
 * first that is not present (the caller then unmaps the range). */
static bool reprotect_run(uint64_t *leaf, uint64_t va, uint64_t stop, uint64_t flags)
{
	uint64_t *pte = pte_of(leaf, va), *end = pte + (stop - va) / PAGE_SIZE;

	/* Unrolled: the loop's own test is a third of its instructions. */
#pragma GCC unroll 4
	for (; pte < end; pte++) {
		uint64_t e = *pte;

		if (!(e & X86_PTE_P))
			return false;
		*pte = (e & X86_PTE_ADDR) | flags;
	}
	return true;
}

#define MMAP_COMMON_WAY	1	/* mmap_refill: not here, the common way */

/*
 * mmap_refill - a MAP_FIXED private file mapping over plain private pages
 * (refill_ok), as ld.so maps a library's segments over its reservation
 * of the whole file: the pages stay, with the new access, and the VMM
 * writes every byte of them (the file's, zeros past its end) instead of
 * the shim freeing them and backing the range with fresh ones: ~20
 * emulated instructions a page fewer, and no pages for the VMM to
 * re-zero.  MMAP_COMMON_WAY when an entry is missing after all (the
 * common way unmaps the range, whatever changed here).
 */
static long mmap_refill(struct pt_regs *regs, uint64_t addr, uint64_t len, uint32_t prot)
{
	uint64_t end = addr + len, flags = prot_to_pte(prot), valid;
	const struct lstar_hc_mmap *m;
	int lo, hi;

	for (uint64_t va = addr, stop; va < end; va = stop) {
		uint64_t *leaf = pt_lookup(va, &stop);

		if (stop > end)
			stop = end;
		if (!leaf || !reprotect_run(leaf, va, stop, flags))
			return MMAP_COMMON_WAY;
	}
	flush_range(addr, end);
	m = mmap_hcall(regs, addr, len, true);
	if (m->ret < 0) {
		/* As the common way leaves it: the old mapping gone. */
		vma_remove(addr, end);
		return m->ret;
	}
	/* The VMAs: one, as vma_insert would leave it (do_mmap made room
	 * for the splits). */
	vma_split_at(addr);
	vma_split_at(end);
	lo = vma_first_above(addr);
	for (hi = lo; hi < mm.nr_vmas && mm.vmas[hi].start < end; hi++)
		mm.vmas[hi].prot = prot;
	vma_merge(lo - 1, hi);
	/* Past the file's end, no pages (past_eof). */
	valid = within_file(len, m->valid);
	if (valid < len) {
		vma_remove(addr + valid, end);
		vma_insert(addr + valid, end, prot, VMA_PAST_EOF);
	}
	return (long)addr;
}

static long do_mmap(struct pt_regs *regs)
{
	uint64_t addr = regs->di, len = regs->si, off = regs->r9;
	uint32_t prot = (uint32_t)regs->dx, flags = (uint32_t)regs->r10;
	uint32_t type = flags & MAP_TYPE;
	int err;

	bool file = !(flags & MAP_ANONYMOUS);

	if (prot & ~PROT_ALL)
		return -EINVAL;
	/* MAP_SHARED_VALIDATE is MAP_SHARED that refuses flags it does not
	 * know; lstar knows none it would ignore. */
	if (file && type == MAP_SHARED_VALIDATE)
		type = MAP_SHARED;
	if (type != MAP_PRIVATE && type != MAP_SHARED)
		return -EINVAL;
	if (off & (PAGE_SIZE - 1) || len == 0)
		return -EINVAL;
	if (len > LSTAR_USER_TOP)
		return -ENOMEM;
	len = PAGE_ALIGN(len);
	if (!vma_room(4))
		return -ENOMEM;

	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		if (addr & (PAGE_SIZE - 1))
			return -EINVAL;
		if (!user_range_ok(addr, len))
			return -ENOMEM;
		if (addr < mm.mmap_min)
			return -EPERM;
		if (!range_is_free(addr, addr + len)) {
			if (flags & MAP_FIXED_NOREPLACE)
				return -EEXIST;
			if (file && type == MAP_PRIVATE && (prot & PROT_ALL) &&
			    refill_ok(addr, addr + len)) {
				long ret = mmap_refill(regs, addr, len, prot);

				if (ret != MMAP_COMMON_WAY)
					return ret;
			}
			if ((err = vma_remove(addr, addr + len)))
				return err;
		}
	} else {
		/* A hint is taken when it fits as given. */
		addr = PAGE_ALIGN(addr);
		if (!addr || addr < mm.mmap_min || !user_range_ok(addr, len) ||
		    !range_is_free(addr, addr + len))
			addr = find_gap(len);
		if (!addr)
			return -ENOMEM;
	}
	if (file && type == MAP_SHARED)
		return mmap_shared_file(regs, addr, len, prot);
	/* A shared anonymous mapping is a private one (its pages are not
	 * shared with a forked child: docs/DECISIONS.md). */
	if ((err = map_pages(addr, addr + len, prot)))
		return err;
	/* A private file mapping: fresh pages, which the VMM fills from the
	 * file at native speed, deciding the policy again on the program's
	 * own arguments (a PROT_NONE mapping stays unbacked and empty, but
	 * the VMM still sees the call, to check the descriptor). */
	if (file) {
		const struct lstar_hc_mmap *m = mmap_hcall(regs, addr,
							   (prot & PROT_ALL) ? len : 0, false);

		if (m->ret < 0) {
			unmap_pages(addr, addr + len);
			return m->ret;
		}
		return past_eof(addr, len, m->valid, prot);
	}
	vma_insert(addr, addr + len, prot, 0);
	return (long)addr;
}

static long do_munmap(struct pt_regs *regs)
{
	uint64_t addr = regs->di, len = PAGE_ALIGN(regs->si);

	if (regs->si == 0 || regs->si > LSTAR_USER_TOP ||
	    !user_range_ok(addr, len))
		return -EINVAL;
	return vma_remove(addr, addr + len);
}

static long do_mprotect(struct pt_regs *regs)
{
	uint64_t start = regs->di, len = regs->si, end;
	uint32_t prot = (uint32_t)regs->dx;
	int err, lo, hi;
	bool within;

	/* prot is an unsigned long: Linux refuses any unknown bit in it. */
	if (regs->dx & ~(uint64_t)PROT_ALL)
		return -EINVAL;
	if (len > LSTAR_USER_TOP)
		return -ENOMEM;
	len = PAGE_ALIGN(len);
	if (start & (PAGE_SIZE - 1))
		return -EINVAL;
	if (!user_range_ok(start, len))
		return -ENOMEM;
	if (len == 0)
		return 0;
	/* As on Linux, the mapped run from start changes; a hole after it
	 * ends the call with ENOMEM (nothing changes if start is a hole).
	 * Most often one VMA holds the whole range (RELRO, a thread's
	 * stack), and then its bounds say so without a walk. */
	lo = vma_first_above(start);
	within = lo < mm.nr_vmas && mm.vmas[lo].start <= start && start + len <= mm.vmas[lo].end;
	end = within ? start + len : mapped_run_end(start, start + len);
	if (end == start)
		return -ENOMEM;
	if (!vma_room(2))
		return -ENOMEM;
	/* An attachment made SHM_RDONLY never becomes writable (Linux's
	 * VM_MAYWRITE): checked before anything changes. */
	if (prot & PROT_WRITE)
		for (int i = lo; i < mm.nr_vmas && mm.vmas[i].start < end; i++)
			if (mm.vmas[i].flags & VMA_NOWRITE)
				return -EACCES;
	/* Opening PROT_NONE pages backs them: fail before changing any. */
	if ((prot & PROT_ALL) && !pages_available((end - start) / PAGE_SIZE))
		return -ENOMEM;
	/* VMA lo holds start: split there, then at end, found without a
	 * search when the same VMA holds it. */
	if ((lo = vma_split(lo, start)) < 0)
		return lo;
	if (!within)
		err = vma_split_at(end);
	else if (end < mm.vmas[lo].end)
		err = vma_split(lo, end) < 0 ? -ENOMEM : 0;
	else
		err = 0;
	if (err)
		return err;
	for (hi = lo; hi < mm.nr_vmas && mm.vmas[hi].start < end; hi++) {
		if (!err)
			err = protect_pages(mm.vmas[hi].start, mm.vmas[hi].end, prot,
					    !(mm.vmas[hi].flags & (VMA_SHM | VMA_FILE | VMA_PAST_EOF)));
		mm.vmas[hi].prot = prot;
	}
	vma_merge(lo - 1, hi);
	return err ? err : end < start + len ? -ENOMEM : 0;
}

/*
 * Move the pages of [src, src + len) to dst (free), page tables only: the
 * frames travel, no byte is copied.  Every destination table is made
 * first, so the move cannot fail half-way; every entry is copied before
 * any is cleared, because clearing the last entry of a source table frees
 * it, and that table may be a destination table too.
 */
static int move_pages(uint64_t src, uint64_t dst, uint64_t len)
{
	uint64_t va, stop, d_end, *d = NULL;

	for (va = dst; va < dst + len; va = next_leaf(va)) {
		if (!pt_leaf(va)) {
			for (uint64_t made = dst; made < va; made = next_leaf(made))
				pt_prune(made);
			return -ENOMEM;
		}
	}
	/* Each entry to its place (the destination's table looked up once
	 * per table it has), then the source's cleared. */
	for (va = src, d_end = 0; va < src + len; va = stop) {
		uint64_t *s = pt_lookup(va, &stop);

		if (stop > src + len)
			stop = src + len;
		for (; s && va < stop; va += PAGE_SIZE) {
			uint64_t pte = *pte_of(s, va), to = dst + (va - src);

			if (!pte)
				continue;
			if (to >= d_end)
				d = pt_lookup(to, &d_end);
			pte_set(d, pte_of(d, to), pte, to);
		}
	}
	for (va = src; va < src + len; va = stop) {
		uint64_t *s = pt_lookup(va, &stop);

		if (stop > src + len)
			stop = src + len;
		if (s && clear_run(s, va, stop, false))
			continue;
		for (; s && va < stop; va += PAGE_SIZE) {
			uint64_t *pte = pte_of(s, va);

			if (*pte && pte_set(s, pte, 0, va))
				break;		/* the source leaf went */
		}
	}
	/* Destination tables the source had no page for. */
	for (va = dst; va < dst + len; va = next_leaf(va))
		pt_prune(va);
	flush_range(src, src + len);
	return 0;
}

/* The VMA that holds [start, start + len), or NULL (EFAULT for mremap). */
static const struct vma *vma_holding(uint64_t start, uint64_t len)
{
	int i = vma_first_above(start);

	if (i == mm.nr_vmas || mm.vmas[i].start > start ||
	    mm.vmas[i].end - start < len)
		return NULL;
	return &mm.vmas[i];
}

/*
 * mremap, in Linux's order (mm/mremap.c): the old address must be
 * mapped; a shrink just unmaps the tail (across VMAs, too); MREMAP_FIXED
 * unmaps the destination and the tail first; what is kept or grown must
 * lie in one VMA; growth happens in place when the VMA ends at the old
 * end and the space after it is free, else by moving.
 */
static long do_mremap(struct pt_regs *regs)
{
	uint64_t old = regs->di, old_len = PAGE_ALIGN(regs->si);
	uint64_t new_len = regs->dx, flags = regs->r10, new_addr = regs->r8;
	const struct vma *pv;
	struct vma v;
	int err;

	if (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP))
		return -EINVAL;
	if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE))
		return -EINVAL;
	if (flags & MREMAP_DONTUNMAP)
		return sys_ni_syscall(regs);
	if (old & (PAGE_SIZE - 1) || regs->si > LSTAR_USER_TOP ||
	    new_len > LSTAR_USER_TOP || new_len == 0 || old_len == 0)
		return -EINVAL;
	new_len = PAGE_ALIGN(new_len);
	if (!user_range_ok(old, old_len) || !(pv = vma_holding(old, PAGE_SIZE)))
		return -EFAULT;
	if (!vma_room(4))
		return -ENOMEM;
	/* An attachment or a shared file mapping may shrink (its tail
	 * unmapped); it neither grows nor moves, since its frames are the
	 * segment's or the file's, where the VMM keeps it (decided:
	 * docs/DECISIONS.md). */
	if ((pv->flags & (VMA_SHM | VMA_FILE)) && ((flags & MREMAP_FIXED) || new_len > old_len))
		return -EINVAL;

	if (flags & MREMAP_FIXED) {
		if (new_addr & (PAGE_SIZE - 1) || !user_range_ok(new_addr, new_len) ||
		    new_addr < mm.mmap_min)
			return -EINVAL;
		if (new_addr < old + old_len && old < new_addr + new_len)
			return -EINVAL;
		if ((err = vma_remove(new_addr, new_addr + new_len)))
			return err;
		if (old_len > new_len) {
			if ((err = vma_remove(old + new_len, old + old_len)))
				return err;
			old_len = new_len;
		}
		if (!(pv = vma_holding(old, old_len)))
			return -EFAULT;
	} else if (new_len <= old_len) {
		if ((err = vma_remove(old + new_len, old + old_len)))
			return err;
		return (long)old;
	} else if (pv->end - old < old_len) {
		return -EFAULT;			/* not in one VMA */
	} else if (pv->end == old + old_len && user_range_ok(old, new_len) &&
		   (pv + 1 == mm.vmas + mm.nr_vmas || pv[1].start >= old + new_len)) {
		/* Grow in place: the VMA that holds it just ends later (with
		 * no pages where it lies past its file's end). */
		int i = (int)(pv - mm.vmas);

		if (!(pv->flags & VMA_PAST_EOF) &&
		    (err = map_pages(old + old_len, old + new_len, pv->prot)))
			return err;
		mm.vmas[i].end = old + new_len;
		vma_merge(i, i + 1);
		return (long)old;
	} else if (!(flags & MREMAP_MAYMOVE)) {
		return -ENOMEM;
	} else if (!(new_addr = find_gap(new_len))) {
		return -ENOMEM;
	}

	/* Move: the frames travel, no byte is copied; old_len <= new_len. */
	v = *pv;
	if ((err = move_pages(old, new_addr, old_len)))
		return err;
	if (new_len > old_len && !(v.flags & VMA_PAST_EOF) &&
	    (err = map_pages(new_addr + old_len, new_addr + new_len, v.prot))) {
		move_pages(new_addr, old, old_len);
		return err;
	}
	vma_remove(old, old + old_len);
	vma_insert(new_addr, new_addr + new_len, v.prot, v.flags & ~VMA_BRK);
	return (long)new_addr;
}

static long do_madvise(struct pt_regs *regs)
{
	uint64_t start = regs->di, len = regs->si, end;

	if (start & (PAGE_SIZE - 1) || len > LSTAR_USER_TOP)
		return -EINVAL;
	len = PAGE_ALIGN(len);
	if (!user_range_ok(start, len))
		return -EINVAL;
	if (len == 0)
		return 0;
	end = start + len;
	/* As on Linux, what is mapped in the range is advised, and a hole
	 * anywhere makes the answer ENOMEM. */
	switch ((int)regs->dx) {	/* the advice is an int */
	case MADV_DONTNEED:
		/* Swap each backed page for a zero one: the old frame is
		 * rezeroed later by the VMM, in bulk. */
		for (uint64_t va = start, stop; va < end; va = stop) {
			uint64_t *leaf = pt_lookup(va, &stop);

			if (stop > end)
				stop = end;
			for (; leaf && va < stop; va += PAGE_SIZE) {
				uint64_t *pte = pte_of(leaf, va), pa;

				/* A segment's page keeps its contents, as
				 * Linux's shared memory does. */
				if (!(*pte & (X86_PTE_P | LSTAR_PTE_BACKED)) ||
				    !pool_frame(*pte & X86_PTE_ADDR))
					continue;
				/* Alone, the old page first: then a page is
				 * always to be had (it may be this one,
				 * rezeroed).  With other threads it goes to
				 * limbo, after the new one is had. */
				bool alone = !others_run();

				if (alone)
					page_free(*pte & X86_PTE_ADDR);
				if (!(pa = page_alloc())) {
					if (alone)
						mm.nfree--;	/* the VMM refused to zero */
					flush_range(start, end);
					return -ENOMEM;
				}
				if (!alone)
					page_free(*pte & X86_PTE_ADDR);
				pt_write(pte, (*pte & ~X86_PTE_ADDR) | pa);
			}
		}
		flush_range(start, end);
		return range_is_mapped(start, end) ? 0 : -ENOMEM;
	case MADV_NORMAL: case MADV_RANDOM: case MADV_SEQUENTIAL:
	case MADV_WILLNEED: case MADV_FREE: case MADV_DONTFORK:
	case MADV_DOFORK: case MADV_MERGEABLE: case MADV_UNMERGEABLE:
	case MADV_HUGEPAGE: case MADV_NOHUGEPAGE: case MADV_DONTDUMP:
	case MADV_DODUMP: case MADV_WIPEONFORK: case MADV_KEEPONFORK:
	case MADV_COLD: case MADV_PAGEOUT:
		/* Hints: nothing to do for memory that is always resident. */
		return range_is_mapped(start, end) ? 0 : -ENOMEM;
	default:
		return -EINVAL;
	}
}



/*
 * lstar fuzz's shmat(id, 0, 0): the one System V segment there is then,
 * the coverage map, which the VMM copies out to afl-fuzz after each
 * execution; fresh pages here.  Any other segment, address or flag is
 * EINVAL, as for a segment that does not exist.
 */
static long shmat_afl(struct pt_regs *regs)
{
	struct lstar_hc_shm *h = &hc_block()->shm;
	uint64_t addr, len;
	long err;

	if (regs->si || regs->dx)
		return -EINVAL;
	if (!vma_room(3))
		return -ENOMEM;
	h->op = LSTAR_SHM_AFL;
	h->id = (int32_t)regs->di;
	h->addr = 0;
	hcall(LSTAR_HC_SHM);
	if (h->ret < 0)
		return h->ret;
	len = PAGE_ALIGN(h->size);
	if (!len || len > (64ULL << 20) || !(addr = find_gap(len)))
		return -ENOMEM;
	if ((err = map_pages(addr, addr + len, PROT_READ | PROT_WRITE)))
		return err;
	h->op = LSTAR_SHM_AFL;
	h->id = (int32_t)regs->di;
	h->addr = addr;
	h->size = len;
	hcall(LSTAR_HC_SHM);
	if (h->ret < 0) {
		unmap_pages(addr, addr + len);
		return h->ret;
	}
	vma_insert(addr, addr + len, PROT_READ | PROT_WRITE, 0);
	return (long)addr;
}

#define SHM_RDONLY	010000
#define SHM_RND		020000
#define SHM_REMAP	040000
#define SHM_EXEC	0100000
#define SHMLBA		PAGE_SIZE

/*
 * shmat(id, addr, flags) of the sandbox's segments: the VMM says where
 * the segment's frames are (LOOKUP, which checks the id and the access
 * the flags ask for), the shim maps them, and the VMM counts the
 * attachment (ATTACH, which checks the segment is still that one).  As
 * Linux: addr 0 picks a place, SHM_RND rounds addr down, an unaligned
 * addr is EINVAL, and one that overlaps a mapping is EINVAL unless
 * SHM_REMAP.
 */
static long do_shmat(struct pt_regs *regs)
{
	struct lstar_hc_shm *h = &hc_block()->shm;
	uint64_t addr = regs->si, len, gpa;
	uint32_t flg = (uint32_t)regs->dx;	/* an int */
	uint32_t prot = PROT_READ, vflags = VMA_SHM;
	int32_t id = (int32_t)regs->di;
	long err;

	if (boot_info.flags & LSTAR_BOOT_FUZZ)
		return shmat_afl(regs);
	if ((int32_t)regs->di < 0)
		return -EINVAL;
	if (addr) {
		if (addr & (SHMLBA - 1)) {
			if (!(flg & SHM_RND))
				return -EINVAL;
			addr &= ~(uint64_t)(SHMLBA - 1);
		}
	} else if (flg & SHM_REMAP) {
		return -EINVAL;
	}
	if (!(flg & SHM_RDONLY))
		prot |= PROT_WRITE;
	else
		vflags |= VMA_NOWRITE;
	if (flg & SHM_EXEC)
		prot |= PROT_EXEC;
	if (!vma_room(3))
		return -ENOMEM;
	h->op = LSTAR_SHM_LOOKUP;
	h->id = id;
	h->flags = flg;
	hcall(LSTAR_HC_SHM);
	if (h->ret < 0)
		return h->ret;
	len = PAGE_ALIGN(h->size);
	gpa = h->gpa;
	/* The VMM's numbers, checked all the same: a segment lies in the
	 * region above the pool, whole pages of it. */
	if (!len || h->size > LSTAR_USER_TOP || gpa & (PAGE_SIZE - 1) ||
	    gpa < boot_info.shm_gpa || gpa - boot_info.shm_gpa > boot_info.shm_size ||
	    len > boot_info.shm_size - (gpa - boot_info.shm_gpa))
		return -EINVAL;
	if (addr) {
		if (!user_range_ok(addr, len) || addr < mm.mmap_min)
			return -EINVAL;
		if (!range_is_free(addr, addr + len)) {
			if (!(flg & SHM_REMAP))
				return -EINVAL;
			if ((err = vma_remove(addr, addr + len)))
				return err;
		}
	} else if (!(addr = find_gap(len))) {
		return -ENOMEM;
	}
	if ((err = map_frames(addr, addr + len, gpa, prot)))
		return err;
	h->op = LSTAR_SHM_ATTACH;
	h->id = id;
	h->addr = addr;
	h->size = len;
	h->gpa = gpa;
	hcall(LSTAR_HC_SHM);
	if (h->ret < 0) {
		unmap_pages(addr, addr + len);
		return h->ret;
	}
	vma_insert(addr, addr + len, prot, vflags);
	return (long)addr;
}

/*
 * shmdt(addr): the VMM ends the attachment that starts at addr and says
 * how long it was; what of it is still attached here is unmapped (not
 * what else the program mapped over part of it since).
 */
static long do_shmdt(struct pt_regs *regs)
{
	struct lstar_hc_shm *h = &hc_block()->shm;
	uint64_t addr = regs->di, end;

	if (boot_info.flags & LSTAR_BOOT_FUZZ)
		return -EINVAL;
	if (addr & (PAGE_SIZE - 1) || addr >= LSTAR_USER_TOP)
		return -EINVAL;
	h->op = LSTAR_SHM_DETACH;
	h->addr = addr;
	hcall(LSTAR_HC_SHM);
	if (h->ret < 0)
		return h->ret;
	if (h->size > LSTAR_USER_TOP - addr)
		return -EINVAL;
	end = addr + PAGE_ALIGN(h->size);
	for (;;) {
		int i = vma_first_above(addr);
		uint64_t lo, hi;

		while (i < mm.nr_vmas && mm.vmas[i].start < end && !(mm.vmas[i].flags & VMA_SHM))
			i++;
		if (i == mm.nr_vmas || mm.vmas[i].start >= end)
			break;
		lo = mm.vmas[i].start > addr ? mm.vmas[i].start : addr;
		hi = mm.vmas[i].end < end ? mm.vmas[i].end : end;
		if (vma_remove(lo, hi) < 0)
			break;
		addr = hi;
	}
	return 0;
}

/* The running call unmapped attachments: the VMM ends those with no page
 * left (it reads the page tables itself). */
static void shm_tell_unmapped(void)
{
	struct lstar_hc_shm *h = &hc_block()->shm;

	h->op = LSTAR_SHM_UNMAPPED;
	h->addr = mm.shm_gone_lo;
	h->size = mm.shm_gone_hi - mm.shm_gone_lo;
	mm.shm_gone_lo = mm.shm_gone_hi = 0;
	hcall(LSTAR_HC_SHM);
}

/*
 * mm_fault_file - ring 3 touched va, absent in a shared file mapping (past
 * the end of the file when it was mapped).  If the file reaches it now,
 * map the page and return true: the touch is tried again, as Linux
 * would just map it.  False otherwise (then SIGBUS, mm_sigbus_at).
 */
/* Would the mapping's protection allow the access (the #PF's error
 * code)?  If not, the fault is SIGSEGV, as on Linux, wherever the file
 * ends. */
static bool access_allowed(uint32_t prot, uint64_t error_code)
{
	if (error_code & X86_PF_INSTR)
		return prot & PROT_EXEC;
	if (error_code & X86_PF_WRITE)
		return prot & PROT_WRITE;
	return prot & PROT_ALL;
}

bool mm_fault_file(uint64_t va, uint64_t error_code)
{
	struct lstar_hc_shm *h = &hc_block()->shm;
	uint64_t page = va & ~(uint64_t)(PAGE_SIZE - 1), gpa;
	const uint64_t *pte;
	bool mapped = false;
	int i;

	spin_lock(&mm_lock);
	i = vma_first_above(va);
	if (i == mm.nr_vmas || mm.vmas[i].start > va || !(mm.vmas[i].flags & VMA_FILE) ||
	    !access_allowed(mm.vmas[i].prot, error_code) ||
	    ((pte = pte_for(va)) && (*pte & (X86_PTE_P | LSTAR_PTE_BACKED))))
		goto out;
	h->op = LSTAR_SHM_FAULT;
	h->addr = page;
	hcall(LSTAR_HC_SHM);
	gpa = h->gpa;
	/* The VMM's frame, checked: a page of the window. */
	if (h->ret < 0 || gpa & (PAGE_SIZE - 1) || gpa < boot_info.map_gpa ||
	    gpa - boot_info.map_gpa >= boot_info.map_size)
		goto out;
	mapped = map_frames(page, page + PAGE_SIZE, gpa, mm.vmas[i].prot) == 0;
out:
	spin_unlock(&mm_lock);
	return mapped;
}

/*
 * mm_sigbus_at - is user address va in a file mapping, shared or private,
 * on a page past the end of the file (absent)?  A fault there is SIGBUS,
 * as on Linux, not SIGSEGV.
 */
bool mm_sigbus_at(uint64_t va, uint64_t error_code)
{
	bool bus = false;
	int i;

	spin_lock(&mm_lock);
	i = vma_first_above(va);
	if (i < mm.nr_vmas && mm.vmas[i].start <= va &&
	    (mm.vmas[i].flags & (VMA_FILE | VMA_PAST_EOF)) &&
	    access_allowed(mm.vmas[i].prot, error_code)) {
		const uint64_t *pte = pte_for(va);

		bus = !pte || !(*pte & (X86_PTE_P | LSTAR_PTE_BACKED));
	}
	spin_unlock(&mm_lock);
	return bus;
}

/*
 * msync: the pages of a shared file mapping are the host's page cache
 * already, which read(2), write(2) and every other mapping see at once;
 * what is left is Linux's checks.
 */
static long do_msync(struct pt_regs *regs)
{
	uint64_t start = regs->di, len = regs->si;
	int flags = (int)regs->dx;

	if (flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC))
		return -EINVAL;
	if (start & (PAGE_SIZE - 1) || ((flags & MS_ASYNC) && (flags & MS_SYNC)))
		return -EINVAL;
	if (len > LSTAR_USER_TOP)
		return -ENOMEM;
	len = PAGE_ALIGN(len);
	if (!user_range_ok(start, len))
		return -ENOMEM;
	return range_is_mapped(start, start + len) ? 0 : -ENOMEM;
}

/*
 * The memory calls, each under mm_lock: the map and the page tables are
 * the process's, which its threads share.
 */
#define LOCKED(name)						\
	long sys_##name(struct pt_regs *regs)			\
	{							\
		long ret;					\
								\
		spin_lock(&mm_lock);				\
		ret = do_##name(regs);				\
		if (unlikely(mm.shm_gone_hi))			\
			shm_tell_unmapped();			\
		spin_unlock(&mm_lock);				\
		return ret;					\
	}

LOCKED(brk)
LOCKED(mmap)
LOCKED(munmap)
LOCKED(mprotect)
LOCKED(mremap)
LOCKED(madvise)
LOCKED(shmat)
LOCKED(shmdt)
LOCKED(msync)
void mm_init(void)
{
	const struct lstar_boot_info *bi = &boot_info;
	uint32_t n = bi->nr_vmas;

	mm.pml4 = bi->pml4;
	mm.pool_next = bi->pool_next;
	mm.pool_end = bi->pool_end;
	mm.free_pfns = phys_to_virt(bi->free_stack);
	mm.free_slots = bi->free_stack_slots;
	mm.table_counts = phys_to_virt(bi->table_counts);
	mm.brk_start = mm.brk = bi->brk_start;
	mm.mmap_top = bi->mmap_top;
	mm.mmap_min = bi->mmap_min;
	if (n > LSTAR_BOOT_MAX_VMAS)
		hc_exit(LSTAR_EXIT_PANIC, 0, NULL, 0, 0);
	/* Sorted, apart and merged by the VMM (vmm_order_boot_vmas). */
	memcpy(mm.vmas, bi->vmas, n * sizeof(mm.vmas[0]));
	mm.nr_vmas = (int)n;
}
