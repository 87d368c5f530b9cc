/* SPDX-License-Identifier: MIT */
/*
 * test_mem.c - guest memory: range checks at their overflow edges, the
 * pool and page tables, and user access through tables built here (and
 * then damaged by hand, as a hostile shim could): only what ring 3 could
 * touch is reachable, and never a host byte outside guest memory.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tests.h"
#include "vmm.h"

#define PAGE	4096ULL
#define POOL	(2ULL << 20)

/* Where the test maps things (user addresses, one 2 MiB table each). */
#define RW	0x10000000ULL		/* user, writable */
#define RO	(RW + PAGE)		/* user, read-only */
#define SUP	(RW + 2 * PAGE)		/* supervisor, writable */
#define HOLE	(RW + 3 * PAGE)		/* never mapped */
#define RUN	0x20000000ULL		/* a run of pages (adjacency) */
#define LAST	(LSTAR_USER_TOP - PAGE)	/* the highest user page */

#define UFLAGS_RW	(X86_PTE_U | X86_PTE_W | X86_PTE_NX)
#define UFLAGS_RO	(X86_PTE_U | X86_PTE_NX)

static struct vmm_mem m;
static uint64_t rw_gpa, ro_gpa, sup_gpa, last_gpa;

/* A fresh pool page mapped at gva, filled with fill. */
static uint64_t map_new(uint64_t gva, uint64_t flags, int fill)
{
	uint64_t gpa = vmm_mem_alloc(&m);

	ck_assert_uint_ne(gpa, 0);
	ck_assert_int_eq(vmm_mem_map(&m, gva, gpa, flags), 0);
	memset(vmm_mem_ptr(&m, gpa, PAGE), fill, PAGE);
	return gpa;
}

static void setup(void)
{
	ck_assert_int_eq(vmm_mem_init(&m, POOL), 0);
	rw_gpa = map_new(RW, UFLAGS_RW, 0x11);
	ro_gpa = map_new(RO, UFLAGS_RO, 0x22);
	sup_gpa = map_new(SUP, X86_PTE_W | X86_PTE_NX, 0x33);
	last_gpa = map_new(LAST, UFLAGS_RW, 0x44);
}

static void teardown(void)
{
	vmm_mem_destroy(&m);
}

/* The entry for gva in the table at level shift (39 PML4 .. 12 PT). */
static uint64_t *entry(uint64_t gva, int shift)
{
	uint64_t table = m.pml4;

	for (int s = 39;; s -= 9) {
		uint64_t *t = vmm_mem_ptr(&m, table, PAGE);

		ck_assert_ptr_nonnull(t);
		if (s == shift)
			return &t[(gva >> s) & 511];
		ck_assert(t[(gva >> s) & 511] & X86_PTE_P);
		table = t[(gva >> s) & 511] & X86_PTE_ADDR;
	}
}

/* Every iovec lies inside guest memory; returns the bytes they cover. */
static uint64_t iov_inside(const struct iovec *iov, int n)
{
	uint64_t sum = 0;

	for (int i = 0; i < n; i++) {
		uint8_t *b = iov[i].iov_base;

		ck_assert_msg(b >= m.host && b <= m.host + m.size &&
			      iov[i].iov_len <= (uint64_t)(m.host + m.size - b),
			      "iovec %d outside guest memory", i);
		sum += iov[i].iov_len;
	}
	return sum;
}

/* vmm_mem_user_iov, checking what every call must keep. */
static long user_iov(uint64_t gva, uint64_t len, bool write,
		     struct iovec *iov, int max, int *n)
{
	long got;

	*n = -1;
	got = vmm_mem_user_iov(&m, gva, len, write, iov, max, n);
	ck_assert_int_ge(*n, 0);
	ck_assert_int_le(*n, max);
	if (got < 0) {
		ck_assert_int_eq(got, -EFAULT);
		ck_assert_int_eq(*n, 0);
	} else {
		ck_assert_uint_le(got, len);
		ck_assert_uint_eq(iov_inside(iov, *n), got);
	}
	return got;
}

/* Neither read nor write of one byte at gva, by any way in. */
static void unreachable(uint64_t gva)
{
	struct iovec iov[2];
	uint8_t b = 0x5a;
	int n;

	ck_assert_int_eq(user_iov(gva, 1, false, iov, 2, &n), -EFAULT);
	ck_assert_int_eq(user_iov(gva, 1, true, iov, 2, &n), -EFAULT);
	ck_assert_int_eq(vmm_mem_copy_from_user(&m, &b, gva, 1), -EFAULT);
	ck_assert_int_eq(vmm_mem_copy_to_user(&m, gva, &b, 1), -EFAULT);
}

/* --- guest-physical ranges and the pool ------------------------------------ */

/* The table that holds gva's entry at level shift, in memory a. */
static uint64_t pte_table_of(struct vmm_mem *a, uint64_t gva, int shift)
{
	uint64_t t = a->pml4;

	for (int s = 39; s > shift; s -= 9)
		t = ((uint64_t *)vmm_mem_ptr(a, t, PAGE))[(gva >> s) & 511] & X86_PTE_ADDR;
	return t;
}

/*
 * vmm_mem_audit (LSTAR_MM_AUDIT, tools/fuzz-boundary.sh): tables the VMM
 * made agree with their counts; a count off by one, a page mapped twice,
 * a table loop and a frame outside the pool are each named.
 */
START_TEST(audit_finds_what_is_wrong)
{
	struct vmm_mem a;
	char why[160];
	uint64_t p1, p2, *pte, *pde;
	uint16_t *count;

	ck_assert_int_eq(vmm_mem_init(&a, POOL), 0);
	vmm_mem_reserve_shim_books(&a);
	p1 = vmm_mem_alloc(&a);
	p2 = vmm_mem_alloc(&a);
	ck_assert_int_eq(vmm_mem_map(&a, RW, p1, UFLAGS_RW), 0);
	ck_assert_int_eq(vmm_mem_map(&a, RW + PAGE, p2, UFLAGS_RW), 0);
	why[0] = 0;
	ck_assert_msg(vmm_mem_audit(&a, why, sizeof(why)) == 0, "%s", why);

	/* The same page at two addresses. */
	pte = vmm_mem_ptr(&a, pte_table_of(&a, RW, 12), PAGE);
	count = vmm_mem_ptr(&a, a.table_counts + ((pte_table_of(&a, RW, 12) - LSTAR_POOL_GPA) >> 12) * 2, 2);
	pte[((RW >> 12) & 511) + 1] = pte[(RW >> 12) & 511];
	why[0] = 0;
	ck_assert_int_eq(vmm_mem_audit(&a, why, sizeof(why)), -EINVAL);
	ck_assert_msg(strstr(why, "used twice"), "%s", why);
	pte[((RW >> 12) & 511) + 1] = p2 | X86_PTE_P | UFLAGS_RW;

	/* A count that says one more. */
	(*count)++;
	why[0] = 0;
	ck_assert_int_eq(vmm_mem_audit(&a, why, sizeof(why)), -EINVAL);
	ck_assert_msg(strstr(why, "holds 2 entries, its count says 3"), "%s", why);
	(*count)--;

	/* A frame outside the pool. */
	pte[((RW >> 12) & 511) + 2] = 0x1000 | X86_PTE_P | X86_PTE_U;
	(*count)++;
	why[0] = 0;
	ck_assert_int_eq(vmm_mem_audit(&a, why, sizeof(why)), -EINVAL);
	ck_assert_msg(strstr(why, "outside the pool"), "%s", why);
	pte[((RW >> 12) & 511) + 2] = 0;
	(*count)--;

	/* A table that leads back to itself. */
	pde = vmm_mem_ptr(&a, pte_table_of(&a, RW, 21), PAGE);
	pde[((RW >> 21) & 511) + 1] = pte_table_of(&a, RW, 21) | X86_PTE_P | X86_PTE_W | X86_PTE_U;
	why[0] = 0;
	ck_assert_int_eq(vmm_mem_audit(&a, why, sizeof(why)), -EINVAL);
	vmm_mem_destroy(&a);
}
END_TEST

START_TEST(range_edges)
{
	struct vmm_mem m = { .size = 1ULL << 30 };

	ck_assert(vmm_mem_range_ok(&m, 0, m.size));
	ck_assert(vmm_mem_range_ok(&m, m.size, 0));
	ck_assert(!vmm_mem_range_ok(&m, m.size, 1));
	ck_assert(!vmm_mem_range_ok(&m, 1, m.size));
	ck_assert(!vmm_mem_range_ok(&m, UINT64_MAX, 2));	/* would wrap */
	ck_assert(!vmm_mem_range_ok(&m, 4096, UINT64_MAX));
	ck_assert(!vmm_mem_range_ok(&m, m.size + 1, 0));
}
END_TEST

START_TEST(ptr_edges)
{
	ck_assert_ptr_eq(vmm_mem_ptr(&m, 0, m.size), m.host);
	ck_assert_ptr_eq(vmm_mem_ptr(&m, m.size - PAGE, PAGE),
			 m.host + m.size - PAGE);
	ck_assert_ptr_null(vmm_mem_ptr(&m, m.size - PAGE + 1, PAGE));
	ck_assert_ptr_null(vmm_mem_ptr(&m, m.size, 1));
	ck_assert_ptr_null(vmm_mem_ptr(&m, UINT64_MAX - 1, 4));
	ck_assert_ptr_null(vmm_mem_ptr(&m, PAGE, UINT64_MAX));
}
END_TEST

START_TEST(init_refuses_bad_sizes)
{
	static const uint64_t bad[] = {
		0, 4096, POOL - 1, POOL + 4096, 3ULL << 19, (1ULL << 40) + POOL,
		UINT64_MAX & ~(POOL - 1),
	};
	struct vmm_mem b;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&b, 0xff, sizeof(b));
		ck_assert_int_eq(vmm_mem_init(&b, bad[i]), -EINVAL);
		ck_assert_ptr_null(b.host);
	}
}
END_TEST

/* The pool hands out distinct zero pages above the fixed low memory,
 * then 0; mapping then fails with -ENOMEM. */
START_TEST(pool_exhaustion)
{
	struct vmm_mem p;
	uint64_t gpa, prev = 0, n = 0;

	ck_assert_int_eq(vmm_mem_init(&p, POOL), 0);
	ck_assert_uint_eq(p.size, LSTAR_POOL_GPA + POOL);
	while ((gpa = vmm_mem_alloc(&p))) {
		const uint8_t *q = vmm_mem_ptr(&p, gpa, PAGE);

		ck_assert_uint_ge(gpa, LSTAR_POOL_GPA);
		ck_assert_uint_eq(gpa % PAGE, 0);
		ck_assert_ptr_nonnull(q);
		ck_assert(q[0] == 0 && q[PAGE - 1] == 0);
		if (n)
			ck_assert_uint_gt(gpa, prev);
		prev = gpa;
		n++;
	}
	ck_assert_uint_eq(n, POOL / PAGE);
	ck_assert_uint_eq(vmm_mem_alloc(&p), 0);
	ck_assert_int_eq(vmm_mem_map(&p, RW, LSTAR_POOL_GPA, UFLAGS_RW), -ENOMEM);
	vmm_mem_destroy(&p);
	ck_assert_ptr_null(p.host);
}
END_TEST

/* The huge-page advice on the host mapping holding p, as its VmFlags say
 * whatever the host's THP setting: 'h' (MADV_HUGEPAGE: "hg"), 'n'
 * (MADV_NOHUGEPAGE: "nh") or 0. */
static char huge_advice(const void *p)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	bool in = false;
	char advice = 0;

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;

		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2)
			in = lo <= (uintptr_t)p && (uintptr_t)p < hi;
		else if (in && !strncmp(line, "VmFlags:", 8))
			advice = strstr(line, " hg") ? 'h' : strstr(line, " nh") ? 'n' : 0;
	}
	fclose(f);
	return advice;
}

/* The pool is advised against huge pages from the shim's books on (for
 * hosts whose THP is on for everything), while the VMM places the
 * program, its 8 MiB stack and the vDSO; then, from the first 2 MiB
 * line at least 512 KiB past what it placed, advised huge.  A program's
 * first pages, right after the stack, are small ones: were the line
 * drawn before the stack, they would not be. */
START_TEST(pool_huge_past_small_part)
{
	struct vmm_mem p;
	uint64_t top, placed;

	ck_assert_int_eq(vmm_mem_init(&p, 64ULL << 20), 0);
	vmm_mem_reserve_shim_books(&p);
	top = p.size - (2ULL << 20);
	ck_assert_int_eq(huge_advice(p.host + p.pool_next + (12ULL << 20)), 'n');
	ck_assert_int_eq(huge_advice(p.host + top), 'n');
	for (int i = 0; i < 9 << 8; i++)	/* 9 MiB: a program and its stack */
		ck_assert_uint_ne(vmm_mem_alloc(&p), 0);
	placed = p.pool_next;
	vmm_mem_advise_huge(&p);
	ck_assert_int_eq(huge_advice(p.host), 'n');
	ck_assert_int_eq(huge_advice(p.host + p.free_stack), 'n');
	ck_assert_int_eq(huge_advice(p.host + placed - PAGE), 'n');
	ck_assert_int_eq(huge_advice(p.host + placed), 'n');
	ck_assert_int_eq(huge_advice(p.host + placed + (256ULL << 10)), 'n');
	ck_assert_int_eq(huge_advice(p.host + placed + (3ULL << 20)), 'h');
	ck_assert_int_eq(huge_advice(p.host + top), 'h');
	vmm_mem_destroy(&p);
}
END_TEST

/* A 4 MiB pool with the shim's books, as RELEASE and BACK find it: an
 * empty leaf table at *leaf (*t its entries), a frame at *frame whose
 * bytes (*data) are all 0x5a, and the free stack's slots (*stack). */
static void books_pool(struct vmm_mem *p, uint64_t *leaf, uint64_t **t, uint64_t *frame,
		       uint8_t **data, uint32_t **stack)
{
	ck_assert_int_eq(vmm_mem_init(p, 4ULL << 20), 0);
	vmm_mem_reserve_shim_books(p);
	*leaf = vmm_mem_alloc(p);
	*frame = vmm_mem_alloc(p);
	*t = vmm_mem_ptr(p, *leaf, PAGE);
	*data = vmm_mem_ptr(p, *frame, PAGE);
	memset(*data, 0x5a, PAGE);
	*stack = vmm_mem_ptr(p, p->free_stack, p->free_stack_slots * 4);
}

/*
 * LSTAR_HC_RELEASE's numbers are the guest's: each one out of range is
 * refused with nothing changed.  In range, the pool frames the entries
 * name come back cleared onto the clean part of the free stack, the dirty
 * part moves up, and the entries stay for the shim to clear.
 */
START_TEST(release_checks_every_number)
{
	struct vmm_mem p;
	struct vmm_mem_stack s;
	uint64_t leaf, frame, *t;
	uint32_t *stack;
	uint8_t *data;

	books_pool(&p, &leaf, &t, &frame, &data, &stack);
	t[5] = frame | X86_PTE_P | X86_PTE_W | X86_PTE_U;
	t[6] = (LSTAR_POOL_GPA - PAGE) | X86_PTE_P | X86_PTE_U;	/* below the pool */
	t[7] = p.size | X86_PTE_P | X86_PTE_U;			/* past it */
	stack[0] = 111;		/* clean */
	stack[1] = 222;		/* dirty */

	const struct {
		uint64_t leaf;
		uint32_t first, count;
		uint64_t nclean, nfree;
	} bad[] = {
		{ leaf + 8, 0, 8, 1, 2 },		/* not a page */
		{ p.size, 0, 8, 1, 2 },			/* outside guest memory */
		{ ~(uint64_t)(PAGE - 1), 0, 8, 1, 2 },
		{ leaf, 513, 0, 1, 2 },			/* past the table */
		{ leaf, 500, 13, 1, 2 },
		{ leaf, 1, UINT32_MAX, 1, 2 },
		{ leaf, 0, 8, 3, 2 },			/* more clean than all */
		{ leaf, 0, 8, 1, p.free_stack_slots + 1 },	/* past the stack */
		{ leaf, 0, 8, 1, p.free_stack_slots - 4 },	/* no room for 8 */
		{ leaf, 0, 8, UINT64_MAX, UINT64_MAX },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		s = (struct vmm_mem_stack){ bad[i].nclean, bad[i].nfree, 0 };
		ck_assert_int_eq(vmm_mem_release(&p, bad[i].leaf, bad[i].first, bad[i].count,
						 &s), -EINVAL);
		ck_assert_uint_eq(s.nclean, bad[i].nclean);
		ck_assert_uint_eq(s.nfree, bad[i].nfree);
		ck_assert(stack[0] == 111 && stack[1] == 222 && data[0] == 0x5a);
	}
	/* Its clearing takes whole pages inside guest memory only. */
	ck_assert_int_eq(vmm_mem_rezero(&p, frame + 8, PAGE), -EINVAL);
	ck_assert_int_eq(vmm_mem_rezero(&p, frame, PAGE + 8), -EINVAL);
	ck_assert_int_eq(vmm_mem_rezero(&p, frame, 8), -EINVAL);
	ck_assert_int_eq(vmm_mem_rezero(&p, p.size, PAGE), -EINVAL);
	ck_assert_int_eq(vmm_mem_rezero(&p, p.size - PAGE, 2 * PAGE), -EINVAL);
	ck_assert_int_eq(vmm_mem_rezero(&p, frame, ~(uint64_t)(PAGE - 1)), -EINVAL);
	ck_assert(data[0] == 0x5a && data[PAGE - 1] == 0x5a);
	/* A list of frames (the zeroing hypercall's): pool pages only. */
	{
		uint8_t *below = vmm_mem_ptr(&p, LSTAR_POOL_GPA - PAGE, PAGE);
		const uint32_t out[] = { (uint32_t)((LSTAR_POOL_GPA - PAGE) / PAGE) };
		const uint32_t past[] = { (uint32_t)(p.size / PAGE) };

		below[0] = 0x77;
		ck_assert_int_eq(vmm_mem_rezero_frames(&p, out, 1), -EINVAL);
		ck_assert_int_eq(vmm_mem_rezero_frames(&p, past, 1), -EINVAL);
		ck_assert_uint_eq(below[0], 0x77);
	}

	s = (struct vmm_mem_stack){ 1, 2, 0 };
	ck_assert_int_eq(vmm_mem_release(&p, leaf, 0, 8, &s), 3);
	ck_assert_uint_eq(s.nclean, 2);
	ck_assert_uint_eq(s.nfree, 3);
	ck_assert_uint_eq(stack[0], 111);
	ck_assert_uint_eq(stack[1], frame / PAGE);
	ck_assert_uint_eq(stack[2], 222);
	for (unsigned i = 0; i < PAGE; i++)
		ck_assert_uint_eq(data[i], 0);
	ck_assert_uint_eq(t[5], frame | X86_PTE_P | X86_PTE_W | X86_PTE_U);
	vmm_mem_destroy(&p);
}
END_TEST

/*
 * LSTAR_HC_BACK's numbers are the guest's too, and it writes a page table:
 * only empty entries, only with pool frames, only as present user
 * entries.  In range, it takes the free stack's top pages (dirty ones
 * cleared), then fresh ones.
 */
START_TEST(back_checks_every_number)
{
	const uint64_t flags = X86_PTE_P | X86_PTE_U | X86_PTE_W | X86_PTE_A | X86_PTE_D;
	struct vmm_mem p;
	uint64_t leaf, clean, dirty, *t, before[512];
	struct vmm_mem_stack s;
	uint32_t *stack;
	uint8_t *data;

	books_pool(&p, &leaf, &t, &dirty, &data, &stack);
	clean = vmm_mem_alloc(&p);
	t[9] = LSTAR_POOL_GPA | flags;		/* in use */
	stack[0] = (uint32_t)(clean / PAGE);
	stack[1] = (uint32_t)(dirty / PAGE);
	memcpy(before, t, sizeof(before));

	const struct {
		uint64_t leaf;
		uint32_t first, count;
		uint64_t flags;
		struct vmm_mem_stack s;
	} bad[] = {
		{ leaf + 8, 0, 4, flags, { 1, 2, p.pool_next } },	/* not a page */
		{ p.size, 0, 4, flags, { 1, 2, p.pool_next } },	/* outside */
		{ leaf, 513, 0, flags, { 1, 2, p.pool_next } },		/* past the table */
		{ leaf, 510, 4, flags, { 1, 2, p.pool_next } },
		{ leaf, 0, UINT32_MAX, flags, { 1, 2, p.pool_next } },
		{ leaf, 8, 4, flags, { 1, 2, p.pool_next } },		/* over an entry */
		{ leaf, 0, 4, flags | LSTAR_POOL_GPA, { 1, 2, p.pool_next } },	/* a frame */
		{ leaf, 0, 4, flags | X86_PTE_PS, { 1, 2, p.pool_next } },
		{ leaf, 0, 4, flags & ~X86_PTE_P, { 1, 2, p.pool_next } },
		{ leaf, 0, 4, flags & ~X86_PTE_U, { 1, 2, p.pool_next } },	/* the shim's */
		{ leaf, 0, 4, flags, { 3, 2, p.pool_next } },		/* more clean than all */
		{ leaf, 0, 4, flags, { 1, p.free_stack_slots + 1, p.pool_next } },
		{ leaf, 0, 4, flags, { 1, 2, p.pool_next + 8 } },	/* not a page */
		{ leaf, 0, 4, flags, { 1, 2, LSTAR_POOL_GPA - PAGE } },	/* below the pool */
		{ leaf, 0, 4, flags, { 1, 2, p.pool_end + PAGE } },	/* past it */
		{ leaf, 0, 4, flags, { 0, 3, p.pool_next } },		/* a frame outside */
	};
	stack[2] = (uint32_t)(p.size / PAGE);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		s = bad[i].s;
		ck_assert_int_lt(vmm_mem_back(&p, bad[i].leaf, bad[i].first, bad[i].count,
					      bad[i].flags, &s), 0);
		ck_assert_mem_eq(&s, &bad[i].s, sizeof(s));
		ck_assert_mem_eq(t, before, sizeof(before));
		ck_assert(data[0] == 0x5a);
	}

	s = (struct vmm_mem_stack){ 1, 2, p.pool_next };
	ck_assert_int_eq(vmm_mem_back(&p, leaf, 0, 4, flags, &s), 4);
	ck_assert_uint_eq(t[0], dirty | flags);
	ck_assert_uint_eq(t[1], clean | flags);
	ck_assert_uint_eq(t[2], p.pool_next | flags);
	ck_assert_uint_eq(t[3], (p.pool_next + PAGE) | flags);
	ck_assert_uint_eq(t[9], before[9]);
	ck_assert(s.nclean == 0 && s.nfree == 0 && s.pool_next == p.pool_next + 2 * PAGE);
	for (unsigned i = 0; i < PAGE; i++)
		ck_assert_uint_eq(data[i], 0);
	vmm_mem_destroy(&p);
}
END_TEST

/* Intermediate tables are user-accessible only in the user half; every
 * entry is marked accessed, and writable leaves dirty (include/x86.h). */
START_TEST(map_sets_user_only_below_top)
{
	uint64_t kva = LSTAR_KERNEL_BASE + LSTAR_SHIM_GPA;

	map_new(kva, X86_PTE_W, 0);
	for (int shift = X86_PT_TOP; shift > X86_PT_LEAF; shift -= X86_PT_BITS) {
		ck_assert(*entry(RW, shift) & X86_PTE_U);
		ck_assert(*entry(RW, shift) & X86_PTE_W);
		ck_assert(!(*entry(kva, shift) & X86_PTE_U));
		ck_assert(*entry(RW, shift) & X86_PTE_A);
		ck_assert(*entry(kva, shift) & X86_PTE_A);
	}
	ck_assert_uint_eq(*entry(RW, 12), rw_gpa | UFLAGS_RW | X86_PTE_P |
					  X86_PTE_A | X86_PTE_D);
	ck_assert_uint_eq(*entry(kva, 12), (*entry(kva, 12) & X86_PTE_ADDR) |
					   X86_PTE_W | X86_PTE_P | X86_PTE_A | X86_PTE_D);
}
END_TEST

/* Mapping again goes through the tables already there, whatever bits
 * beyond the address (NX, ignored ones) their entries carry. */
START_TEST(map_reuses_tables)
{
	uint64_t *pde = entry(RW, 21), pt = *pde & X86_PTE_ADDR;
	uint64_t next = m.pool_next;

	*pde |= X86_PTE_NX | (0x7fULL << 52);
	map_new(RW + 10 * PAGE, UFLAGS_RW, 0);
	ck_assert_uint_eq(m.pool_next, next + PAGE);	/* the page, no table */
	ck_assert_ptr_eq(entry(RW + 10 * PAGE, 12),
			 (uint64_t *)vmm_mem_ptr(&m, pt, PAGE) +
			 ((RW >> 12) & 511) + 10);
}
END_TEST

/* --- user access ------------------------------------------------------------ */

START_TEST(rw_page_reads_and_writes)
{
	struct iovec iov[2];
	uint8_t in[100], out[100];
	int n;

	for (int w = 0; w < 2; w++) {
		ck_assert_int_eq(user_iov(RW, PAGE, w, iov, 2, &n), PAGE);
		ck_assert_int_eq(n, 1);
		ck_assert_ptr_eq(iov[0].iov_base, m.host + rw_gpa);
		ck_assert_uint_eq(iov[0].iov_len, PAGE);
		ck_assert_int_eq(user_iov(RW + 100, 50, w, iov, 2, &n), 50);
		ck_assert_int_eq(n, 1);
		ck_assert_ptr_eq(iov[0].iov_base, m.host + rw_gpa + 100);
		ck_assert_uint_eq(iov[0].iov_len, 50);
	}
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = i * 7;
	ck_assert_int_eq(vmm_mem_copy_to_user(&m, RW + 3000, in, sizeof(in)), 0);
	ck_assert_mem_eq(m.host + rw_gpa + 3000, in, sizeof(in));
	ck_assert_int_eq(m.host[rw_gpa + 2999], 0x11);	/* neighbours untouched */
	ck_assert_int_eq(m.host[rw_gpa + 3100], 0x11);
	ck_assert_int_eq(vmm_mem_copy_from_user(&m, out, RW + 3000, sizeof(out)), 0);
	ck_assert_mem_eq(out, in, sizeof(in));
	/* Nothing to copy is no fault, wherever. */
	ck_assert_int_eq(user_iov(HOLE, 0, true, iov, 2, &n), 0);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(vmm_mem_copy_to_user(&m, HOLE, in, 0), 0);
	ck_assert_int_eq(vmm_mem_copy_from_user(&m, out, UINT64_MAX, 0), 0);
}
END_TEST

START_TEST(ro_page_reads_only)
{
	struct iovec iov[2];
	uint8_t b = 0x99, out[PAGE];
	int n;

	ck_assert_int_eq(user_iov(RO, PAGE, false, iov, 2, &n), PAGE);
	ck_assert_ptr_eq(iov[0].iov_base, m.host + ro_gpa);
	ck_assert_int_eq(vmm_mem_copy_from_user(&m, out, RO, PAGE), 0);
	ck_assert_int_eq(out[0], 0x22);
	ck_assert_int_eq(out[PAGE - 1], 0x22);
	ck_assert_int_eq(user_iov(RO, 1, true, iov, 2, &n), -EFAULT);
	ck_assert_int_eq(user_iov(RO + PAGE - 1, 1, true, iov, 2, &n), -EFAULT);
	ck_assert_int_eq(vmm_mem_copy_to_user(&m, RO + 10, &b, 1), -EFAULT);
	ck_assert_int_eq(m.host[ro_gpa + 10], 0x22);
}
END_TEST

START_TEST(supervisor_page_refused)
{
	uint64_t gva = RUN + 64 * PAGE;

	unreachable(SUP);
	unreachable(SUP + PAGE - 1);
	ck_assert_int_eq(m.host[sup_gpa], 0x33);
	/* A user leaf under a table entry without U is no better. */
	for (int shift = X86_PT_TOP; shift > X86_PT_LEAF; shift -= X86_PT_BITS) {
		map_new(gva, UFLAGS_RW, 0);
		*entry(gva, shift) &= ~X86_PTE_U;
		unreachable(gva);
		*entry(gva, shift) |= X86_PTE_U;
		gva += 1ULL << shift;	/* fresh tables below this level */
	}
}
END_TEST

/* A user write needs W at every level, as the CPU requires: a page whose
 * PTE says RW under a read-only directory entry is read-only. */
START_TEST(write_needs_w_at_every_level)
{
	static const int shifts[] = { 39, 30, 21 };
	struct iovec iov[2];
	uint8_t b = 0;
	int n;

	*entry(RW, shifts[_i]) &= ~X86_PTE_W;
	ck_assert_int_eq(user_iov(RW, 8, true, iov, 2, &n), -EFAULT);
	ck_assert_int_eq(vmm_mem_copy_to_user(&m, RW, &b, 1), -EFAULT);
	ck_assert_int_eq(user_iov(RW, 8, false, iov, 2, &n), 8);
}
END_TEST

START_TEST(unmapped_refused)
{
	unreachable(HOLE);
	unreachable(0);
	unreachable(PAGE);
	unreachable(0x7f0000000000ULL);		/* no tables at all there */
	unreachable(LAST - PAGE);
	/* Not present, though every other bit says yes. */
	map_new(HOLE + PAGE, UFLAGS_RW, 0);
	*entry(HOLE + PAGE, 12) &= ~X86_PTE_P;
	unreachable(HOLE + PAGE);
}
END_TEST

/*
 * At and above LSTAR_USER_TOP nothing is user memory, even where the
 * tables say U all the way down (a non-canonical address aliases the
 * kernel half's entries).
 */
static const uint64_t kernel_gvas[] = {
	LSTAR_USER_TOP, LSTAR_USER_TOP + 0x123, 0x800000000000ULL,
	0xffff800000000000ULL, LSTAR_DIRECT_MAP + LSTAR_POOL_GPA,
	0xffffffff80200000ULL, UINT64_MAX & ~(PAGE - 1), UINT64_MAX,
};

START_TEST(kernel_half_refused)
{
	uint64_t gva = kernel_gvas[_i];
	struct iovec iov[2];
	int n;

	map_new(gva & ~(PAGE - 1), UFLAGS_RW, 0x55);
	for (int shift = X86_PT_TOP; shift >= X86_PT_LEAF; shift -= X86_PT_BITS)
		*entry(gva, shift) |= X86_PTE_U | X86_PTE_W;
	unreachable(gva);
	ck_assert_int_eq(user_iov(gva, 0, false, iov, 2, &n), 0);
	/* The top user page is fine, and a range stops where it ends. */
	ck_assert_int_eq(user_iov(LAST, PAGE, true, iov, 2, &n), PAGE);
	ck_assert_int_eq(user_iov(LAST + 16, 2 * PAGE, true, iov, 2, &n),
			 PAGE - 16);
}
END_TEST

/* The direct map is the kernel's, whatever the pool holds. */
START_TEST(direct_map_refused)
{
	ck_assert_int_eq(vmm_mem_map_direct(&m), 0);
	unreachable(LSTAR_DIRECT_MAP + rw_gpa);
	unreachable(LSTAR_DIRECT_MAP + LSTAR_POOL_GPA);
}
END_TEST

/* A range that runs off the mapped pages: the covered prefix counts,
 * copies fail as a whole. */
START_TEST(short_range)
{
	struct iovec iov[4];
	uint8_t buf[2 * PAGE] = { 0 };
	int n;

	/* RW, RO, SUP, HOLE: reading stops at SUP, writing at RO. */
	ck_assert_int_eq(user_iov(RW + 4000, 200, false, iov, 4, &n), 200);
	ck_assert_int_eq(user_iov(RW + 4000, 200, true, iov, 4, &n), 96);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(user_iov(RW + 4000, 3 * PAGE, false, iov, 4, &n),
			 96 + PAGE);
	ck_assert_int_eq(vmm_mem_copy_from_user(&m, buf, RW + 4000, PAGE + 97),
			 -EFAULT);
	ck_assert_int_eq(vmm_mem_copy_from_user(&m, buf, RW + 4000, PAGE + 96), 0);
	ck_assert_int_eq(buf[0], 0x11);
	ck_assert_int_eq(buf[95], 0x11);
	ck_assert_int_eq(buf[96], 0x22);
	ck_assert_int_eq(buf[PAGE + 95], 0x22);
	/* Whatever happened to the writable part, the rest is untouched. */
	ck_assert_int_eq(vmm_mem_copy_to_user(&m, RW + 4000, buf, 200), -EFAULT);
	ck_assert_int_eq(m.host[ro_gpa], 0x22);
}
END_TEST

/* A range that wraps around 2^64: never more than the user pages
 * before the top, and no copy. */
START_TEST(wrapping_range)
{
	static uint8_t buf[2 * PAGE];
	struct iovec iov[4];
	int n;

	ck_assert_int_eq(user_iov(LAST, UINT64_MAX, false, iov, 4, &n), PAGE);
	ck_assert_int_eq(user_iov(LAST + 8, 0 - (LAST + 8) + 16, true, iov, 4, &n),
			 PAGE - 8);
	ck_assert_int_eq(user_iov(RW, 0 - RW + PAGE, false, iov, 4, &n), 2 * PAGE);
	ck_assert_int_eq(vmm_mem_copy_from_user(&m, buf, LAST + 8,
						0 - (LAST + 8) + 16), -EFAULT);
	ck_assert_int_eq(vmm_mem_copy_to_user(&m, LAST, buf, UINT64_MAX), -EFAULT);
	unreachable(UINT64_MAX - 7);
	ck_assert_int_eq(user_iov(UINT64_MAX - 7, 16, false, iov, 4, &n), -EFAULT);
}
END_TEST

/* Pages adjacent in guest-physical memory share one iovec; others
 * start a new one; max entries bound it, the count says how far. */
START_TEST(adjacent_pages_merge)
{
	uint64_t a = vmm_mem_alloc(&m), a2 = vmm_mem_alloc(&m);
	uint64_t gap = vmm_mem_alloc(&m);
	uint64_t b = vmm_mem_alloc(&m), b2 = vmm_mem_alloc(&m);
	struct iovec iov[4];
	int n;

	(void)gap;
	ck_assert_uint_eq(a2, a + PAGE);
	ck_assert_uint_eq(b2, b + PAGE);
	ck_assert_int_eq(vmm_mem_map(&m, RUN, a, UFLAGS_RW), 0);
	ck_assert_int_eq(vmm_mem_map(&m, RUN + PAGE, a2, UFLAGS_RW), 0);
	ck_assert_int_eq(vmm_mem_map(&m, RUN + 2 * PAGE, b, UFLAGS_RW), 0);
	ck_assert_int_eq(vmm_mem_map(&m, RUN + 3 * PAGE, b2, UFLAGS_RW), 0);
	/* Same frames, backwards: never adjacent in the right order. */
	ck_assert_int_eq(vmm_mem_map(&m, RUN + 4 * PAGE, a2, UFLAGS_RW), 0);
	ck_assert_int_eq(vmm_mem_map(&m, RUN + 5 * PAGE, a, UFLAGS_RW), 0);

	ck_assert_int_eq(user_iov(RUN + 100, 4 * PAGE - 200, true, iov, 4, &n),
			 4 * PAGE - 200);
	ck_assert_int_eq(n, 2);
	ck_assert_ptr_eq(iov[0].iov_base, m.host + a + 100);
	ck_assert_uint_eq(iov[0].iov_len, 2 * PAGE - 100);
	ck_assert_ptr_eq(iov[1].iov_base, m.host + b);
	ck_assert_uint_eq(iov[1].iov_len, 2 * PAGE - 100);

	/* One entry: as far as it goes. */
	ck_assert_int_eq(user_iov(RUN + 100, 4 * PAGE, true, iov, 1, &n),
			 2 * PAGE - 100);
	ck_assert_int_eq(n, 1);

	ck_assert_int_eq(user_iov(RUN + 4 * PAGE, 2 * PAGE, false, iov, 4, &n),
			 2 * PAGE);
	ck_assert_int_eq(n, 2);
	ck_assert_ptr_eq(iov[0].iov_base, m.host + a2);
	ck_assert_ptr_eq(iov[1].iov_base, m.host + a);
	/* b2 then a2 (RUN + 3, + 4 pages): not adjacent either. */
	ck_assert_int_eq(user_iov(RUN + 3 * PAGE, 2 * PAGE, false, iov, 4, &n),
			 2 * PAGE);
	ck_assert_int_eq(n, 2);
}
END_TEST

/*
 * Scattered pages: max entries honoured for every max; copies longer
 * than the copy loop's own iovec array still move every byte to and
 * from the right frames.
 */
#define SCATTER 20

START_TEST(scattered_pages)
{
	static uint8_t in[SCATTER * PAGE], out[SCATTER * PAGE];
	uint64_t gpa[SCATTER], base = RUN + 0x100000;
	struct iovec iov[SCATTER];
	int n;

	for (int i = 0; i < SCATTER; i++) {
		gpa[i] = map_new(base + i * PAGE, UFLAGS_RW, 0);
		vmm_mem_alloc(&m);	/* a gap after each */
	}
	for (int max = 1; max <= SCATTER; max++) {
		ck_assert_int_eq(user_iov(base + 1, SCATTER * PAGE - 1, false,
					  iov, max, &n), max * PAGE - 1);
		ck_assert_int_eq(n, max);
		for (int i = 0; i < n; i++)
			ck_assert_ptr_eq(iov[i].iov_base,
					 m.host + gpa[i] + (i == 0));
	}
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = i * 31 + (i >> 12);
	ck_assert_int_eq(vmm_mem_copy_to_user(&m, base + 5, in, sizeof(in) - 5), 0);
	for (int i = 0; i < SCATTER; i++) {
		uint64_t skip = i == 0 ? 5 : 0;

		ck_assert_mem_eq(m.host + gpa[i] + skip,
				 in + i * PAGE - (i ? 5 : 0), PAGE - skip);
	}
	ck_assert_int_eq(vmm_mem_copy_from_user(&m, out, base + 5, sizeof(out) - 5), 0);
	ck_assert_mem_eq(out, in, sizeof(out) - 5);
}
END_TEST

/*
 * Hostile tables: entries damaged as a shim could.  Each case rewrites
 * the entry for HOSTILE at one level; the result must be -EFAULT, never
 * a pointer outside guest memory.
 */
#define HOSTILE (RUN + 0x200000)

struct hostile {
	const char *what;
	int shift;		/* the level damaged */
	uint64_t addr;		/* new address bits, if set_addr */
	bool set_addr;
	uint64_t set, clear;	/* flag bits */
};

static const struct hostile hostiles[] = {
	{ "leaf at the end of memory", 12, LSTAR_POOL_GPA + POOL, true, 0, 0 },
	{ "leaf far outside", 12, 0x000ffffffffff000ULL, true, 0, 0 },
	{ "leaf at 1 TiB", 12, 1ULL << 40, true, 0, 0 },
	{ "PDE outside", 21, LSTAR_POOL_GPA + POOL, true, 0, 0 },
	{ "PDPTE outside", 30, 0x000ffffffffff000ULL, true, 0, 0 },
	{ "PML4E outside", 39, LSTAR_POOL_GPA + 2 * POOL, true, 0, 0 },
	{ "PDE huge", 21, 0, false, X86_PTE_PS, 0 },
	{ "PDPTE huge", 30, 0, false, X86_PTE_PS, 0 },
	{ "PML4E PS", 39, 0, false, X86_PTE_PS, 0 },
	{ "PDE huge at 0", 21, 0, true, X86_PTE_PS, 0 },
	{ "PDE not present", 21, 0, false, 0, X86_PTE_P },
	{ "PML4E not present", 39, 0, false, 0, X86_PTE_P },
};

START_TEST(hostile_tables)
{
	const struct hostile *h = &hostiles[_i];
	uint64_t *e;

	map_new(HOSTILE, UFLAGS_RW, 0x66);
	e = entry(HOSTILE, h->shift);
	if (h->set_addr)
		*e = (*e & ~X86_PTE_ADDR) | h->addr;
	*e = (*e | h->set) & ~h->clear;
	unreachable(HOSTILE);
	unreachable(HOSTILE + PAGE - 1);
}
END_TEST

/* The other way round: the last page of memory is a valid frame, and
 * bits above the address (ignored, protection keys) are not address. */
START_TEST(hostile_but_inside)
{
	struct iovec iov[2];
	uint64_t *e;
	int n;

	map_new(HOSTILE, UFLAGS_RW, 0);
	e = entry(HOSTILE, 12);
	*e = (*e & ~X86_PTE_ADDR) | (m.size - PAGE);
	ck_assert_int_eq(user_iov(HOSTILE, PAGE, true, iov, 2, &n), PAGE);
	ck_assert_ptr_eq(iov[0].iov_base, m.host + m.size - PAGE);
	*e = (*e & ~X86_PTE_ADDR) | rw_gpa | (0x7ffULL << 52);
	ck_assert_int_eq(user_iov(HOSTILE, PAGE, true, iov, 2, &n), PAGE);
	ck_assert_ptr_eq(iov[0].iov_base, m.host + rw_gpa);
	/* A root outside memory reaches nothing. */
	m.pml4 = m.size;
	unreachable(RW);
	m.pml4 = UINT64_MAX & ~(PAGE - 1);
	unreachable(RW);
}
END_TEST

Suite *suite_mem(void)
{
	Suite *s = suite_create("mem");
	TCase *tc = tcase_create("range");
	TCase *tu = tcase_create("user");

	tcase_add_test(tc, range_edges);
	tcase_add_test(tc, init_refuses_bad_sizes);
	tcase_add_test(tc, pool_exhaustion);
	tcase_add_test(tc, pool_huge_past_small_part);
	tcase_add_test(tc, release_checks_every_number);
	tcase_add_test(tc, back_checks_every_number);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(tu, setup, teardown);
	tcase_add_test(tu, ptr_edges);
	tcase_add_test(tu, map_sets_user_only_below_top);
	tcase_add_test(tu, map_reuses_tables);
	tcase_add_test(tu, rw_page_reads_and_writes);
	tcase_add_test(tu, ro_page_reads_only);
	tcase_add_test(tu, supervisor_page_refused);
	tcase_add_loop_test(tu, write_needs_w_at_every_level, 0, 3);
	tcase_add_test(tu, unmapped_refused);
	tcase_add_loop_test(tu, kernel_half_refused, 0,
			    sizeof(kernel_gvas) / sizeof(kernel_gvas[0]));
	tcase_add_test(tu, direct_map_refused);
	tcase_add_test(tu, short_range);
	tcase_add_test(tu, wrapping_range);
	tcase_add_test(tu, audit_finds_what_is_wrong);
	tcase_add_test(tu, adjacent_pages_merge);
	tcase_add_test(tu, scattered_pages);
	tcase_add_loop_test(tu, hostile_tables, 0,
			    sizeof(hostiles) / sizeof(hostiles[0]));
	tcase_add_test(tu, hostile_but_inside);
	suite_add_tcase(s, tu);
	return s;
}
