/* SPDX-License-Identifier: MIT */
/*
 * test_shim_mm.c - the shim's memory code (shim-kernel/mm.c) on the host,
 * over guest memory set up by the VMM's own code (vmm/mem.c), under
 * thousands of random brk/mmap/munmap/mremap/mprotect/madvise calls.
 *
 * After every call:
 *   - the VMA list is sorted, aligned and disjoint, and no two VMAs that
 *     touch agree (they would be one);
 *   - every user page-table entry lies in a VMA and says what the VMA's
 *     protection says (every page of an accessible VMA is present: the
 *     shim backs memory when it maps it);
 *   - every table's entry count matches its entries, and no table but the
 *     root is empty;
 *   - every pool page has exactly one owner: a table, a mapped frame, the
 *     free list, the VMM's books, or never handed out (no leak, no frame
 *     mapped twice, none both mapped and free);
 *   - words written into pages are still there, or moved with them, and
 *     new mappings read zero.
 *
 * Each run takes its layout and calls from a fresh seed, printed when a
 * case fails; LSTAR_MM_SEED=N repeats a run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "tests.h"
#include "vmm.h"

/* The memory code itself, built for the host (shim-kernel/shim.h). */
#define SHIM_HOST_TEST
#include "../shim-kernel/mm.c"

#define POOL		(32ULL << 20)	/* 8192 pages: ENOMEM comes often */
#define NPOOL		(POOL / PAGE_SIZE)
#define MAX_TAGS	512

/* --- what the shim needs from its surroundings ----------------------------- */

uint8_t *shim_test_ram;
struct lstar_boot_info boot_info;
struct spinlock process_lock;
static struct vmm vm;			/* the VMM, for the zeroing hypercall */
static uint64_t seed;
static const char *step;		/* the call being checked, for messages */

uint64_t read_cr3(void)
{
	return vm.vm.mem.pml4;
}

void write_cr3(uint64_t v)
{
	(void)v;
}

void invlpg(uint64_t va)
{
	(void)va;
}

/* The block lives where the VMM reads it: the real handlers run. */
struct lstar_hc *hc_block(void)
{
	return vmm_mem_ptr(&vm.vm.mem, LSTAR_HC_GPA, sizeof(struct lstar_hc));
}

void hcall(uint32_t nr)
{
	ck_assert_msg(nr == LSTAR_HC_ZERO_PAGES || nr == LSTAR_HC_RELEASE ||
		      nr == LSTAR_HC_BACK,
		      "seed %llu, %s: hypercall %u",
		      (unsigned long long)seed, step, nr);
	vmm_hcall(&vm.vcpu[0], nr, LSTAR_HC_BLOCK_GPA(0));
}

noreturn void hc_exit(uint32_t kind, int32_t status, const struct pt_regs *regs,
		      uint64_t vector, uint64_t fault_addr)
{
	(void)regs;
	ck_abort_msg("seed %llu, %s: the shim ended the run (kind %u, status %d, "
		     "vector %llu, address 0x%llx)", (unsigned long long)seed, step,
		     kind, status, (unsigned long long)vector,
		     (unsigned long long)fault_addr);
	abort();
}

void shim_saw_vmm_call(void)
{
}

/* No syscall gate on the host: its vDSO VMAs going is nothing to it. */
void syscall_gate_turn_off(void)
{
}

long sys_ni_syscall(struct pt_regs *regs)
{
	(void)regs;
	return -ENOSYS;
}

/* --- randomness ------------------------------------------------------------ */

static uint64_t rng;

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static uint64_t pick_seed(int i)
{
	const char *env = getenv("LSTAR_MM_SEED");
	uint64_t s;

	if (env && *env)
		return strtoull(env, NULL, 0) + i;
	if (getrandom(&s, sizeof(s), 0) != sizeof(s))
		s = (uint64_t)time(NULL) * 7919 + i;
	return s;
}

/* --- the machine the shim boots on ------------------------------------------ */

static uint64_t stack_low, stack_high;

/* Map n fresh pool pages at va as the VMM does before boot. */
static void vmm_map_pages(uint64_t va, uint64_t n, uint64_t flags)
{
	for (uint64_t i = 0; i < n; i++) {
		uint64_t gpa = vmm_mem_alloc(&vm.vm.mem);

		ck_assert_uint_ne(gpa, 0);
		ck_assert_int_eq(vmm_mem_map(&vm.vm.mem, va + i * PAGE_SIZE, gpa, flags), 0);
	}
}

static void add_boot_vma(uint64_t start, uint64_t end, uint32_t prot,
			 uint32_t flags, uint64_t pte)
{
	vmm_map_pages(start, (end - start) / PAGE_SIZE, pte);
	boot_info.vmas[boot_info.nr_vmas++] =
		(struct lstar_boot_vma){ start, end, prot, flags };
}

/* A crash in the code under test: say which seed and call, then die as
 * Check expects (it reports the signal). */
static void on_crash(int sig)
{
	char line[256];
	int n = snprintf(line, sizeof(line), "test_shim_mm: seed %llu, in %s: signal %d\n",
			 (unsigned long long)seed, step, sig);

	if (write(2, line, n) < 0)
		_exit(128 + sig);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* A layout like vm.c's, placed by the seed. */
static void boot(void)
{
	uint64_t image = 0x400000 + below(1 << 16) * PAGE_SIZE;

	signal(SIGSEGV, on_crash);
	signal(SIGBUS, on_crash);
	static const struct vmm_options opt = { .program = "mm" };

	vmm_init(&vm, &opt);
	memset(&boot_info, 0, sizeof(boot_info));
	ck_assert_int_eq(vmm_mem_init(&vm.vm.mem, POOL), 0);
	vmm_mem_reserve_shim_books(&vm.vm.mem);
	shim_test_ram = vm.vm.mem.host;
	/* The kernel half: a shim page and the direct map. */
	ck_assert_int_eq(vmm_mem_map(&vm.vm.mem, LSTAR_KERNEL_BASE + LSTAR_HC_GPA,
				     LSTAR_HC_GPA, X86_PTE_W | X86_PTE_NX), 0);
	ck_assert_int_eq(vmm_mem_map_direct(&vm.vm.mem), 0);
	/* The program: text, data, a stack, a vDSO. */
	add_boot_vma(image, image + 4 * PAGE_SIZE, PROT_READ | PROT_EXEC,
		     LSTAR_VMA_IMAGE, X86_PTE_U);
	add_boot_vma(image + 4 * PAGE_SIZE, image + 7 * PAGE_SIZE,
		     PROT_READ | PROT_WRITE, LSTAR_VMA_IMAGE,
		     X86_PTE_U | X86_PTE_W | X86_PTE_NX);
	stack_high = LSTAR_USER_TOP - below(65536) * PAGE_SIZE;
	stack_low = stack_high - 32 * PAGE_SIZE;
	add_boot_vma(stack_low, stack_high, PROT_READ | PROT_WRITE, LSTAR_VMA_STACK,
		     X86_PTE_U | X86_PTE_W | X86_PTE_NX);
	boot_info.mmap_top = stack_low - (1ULL << 20) - below(65536) * PAGE_SIZE;
	add_boot_vma(boot_info.mmap_top, boot_info.mmap_top + 2 * PAGE_SIZE,
		     PROT_READ | PROT_EXEC, LSTAR_VMA_VDSO, X86_PTE_U);
	boot_info.mmap_min = 0x10000;
	boot_info.brk_start = image + 7 * PAGE_SIZE + below(8192) * PAGE_SIZE;
	boot_info.pml4 = vm.vm.mem.pml4;
	boot_info.pool_start = LSTAR_POOL_GPA;
	boot_info.pool_next = vm.vm.mem.pool_next;
	boot_info.pool_end = vm.vm.mem.pool_end;
	boot_info.free_stack = vm.vm.mem.free_stack;
	boot_info.free_stack_slots = vm.vm.mem.free_stack_slots;
	boot_info.table_counts = vm.vm.mem.table_counts;
	/* Half the runs as on PVM, where the VMM frees and backs long runs
	 * of entries (LSTAR_HC_RELEASE, LSTAR_HC_BACK); the others do it all
	 * in the shim. */
	boot_info.platform = below(2) ? LSTAR_PLATFORM_PVM : LSTAR_PLATFORM_SVM;
	step = "mm_init";
	ck_assert(vmm_order_boot_vmas(&boot_info));	/* as lstar boots */
	mm_init();
}

static void teardown(void)
{
	vmm_mem_destroy(&vm.vm.mem);
}

/* --- the checks -------------------------------------------------------------- */

enum owner { FREE_OF_OWNER, O_BOOKS, O_ROOT, O_KTABLE, O_TABLE, O_FRAME,
	     O_FREE, O_UNTOUCHED };

static const char *const owner_names[] = {
	"nobody", "the VMM's books", "the root", "a kernel-half table",
	"a user table", "a mapped frame", "the free list", "never handed out",
};

static uint8_t owners[NPOOL];

#define FAIL(...) ck_abort_msg("seed %llu, after %s: " FIRST(__VA_ARGS__), \
			       (unsigned long long)seed, step REST(__VA_ARGS__))
#define FIRST(f, ...) f
#define REST(f, ...) , ##__VA_ARGS__

static void own(uint64_t gpa, enum owner o)
{
	uint64_t i;

	if (gpa < LSTAR_POOL_GPA || gpa >= vm.vm.mem.pool_end || gpa % PAGE_SIZE)
		FAIL("page 0x%llx (%s) is outside the pool", (unsigned long long)gpa,
		     owner_names[o]);
	i = (gpa - LSTAR_POOL_GPA) / PAGE_SIZE;
	if (owners[i])
		FAIL("page 0x%llx is both %s and %s", (unsigned long long)gpa,
		     owner_names[owners[i]], owner_names[o]);
	owners[i] = o;
}

static const struct vma *vma_at(uint64_t va)
{
	int i = vma_first_above(va);

	return i < mm.nr_vmas && mm.vmas[i].start <= va ? &mm.vmas[i] : NULL;
}

/* The PTE a page of VMA v may have (PROT_NONE: 0 or a kept frame). */
static bool pte_agrees(const struct vma *v, uint64_t pte)
{
	uint64_t flags = pte & ~X86_PTE_ADDR;

	if (!(v->prot & PROT_ALL))
		return pte == 0 || flags == LSTAR_PTE_BACKED;
	return flags == prot_to_pte(v->prot);
}

static uint16_t table_count(uint64_t gpa)
{
	return mm.table_counts[(gpa - LSTAR_POOL_GPA) >> 12];
}

static uint64_t mapped_pages;

/* Walk a user table at level shift (39 = the root) covering base. */
static void walk_user(uint64_t gpa, int shift, uint64_t base)
{
	const uint64_t *t = phys_to_virt(gpa);
	unsigned used = 0, n = shift == 39 ? 256 : 512;

	for (unsigned i = 0; i < n; i++) {
		uint64_t e = t[i], va = base + ((uint64_t)i << shift);

		if (!e)
			continue;
		used++;
		if (shift > X86_PT_LEAF) {
			if ((e & ~X86_PTE_ADDR) != (X86_PTE_P | X86_PTE_W | X86_PTE_U | X86_PTE_A))
				FAIL("table entry 0x%llx for 0x%llx has flags 0x%llx",
				     (unsigned long long)e, (unsigned long long)va,
				     (unsigned long long)(e & ~X86_PTE_ADDR));
			own(e & X86_PTE_ADDR, O_TABLE);
			walk_user(e & X86_PTE_ADDR, shift - 9, va);
			continue;
		}
		{
			const struct vma *v = vma_at(va);

			if (!v)
				FAIL("0x%llx is mapped (pte 0x%llx) outside every VMA",
				     (unsigned long long)va, (unsigned long long)e);
			if (!pte_agrees(v, e))
				FAIL("0x%llx: pte 0x%llx for a VMA of prot %u",
				     (unsigned long long)va, (unsigned long long)e, v->prot);
			own(e & X86_PTE_ADDR, O_FRAME);
			mapped_pages++;
		}
	}
	if (shift == 39)
		return;			/* the root also counts kernel entries */
	if (used == 0)
		FAIL("an empty table (level %d) at 0x%llx stays", shift,
		     (unsigned long long)base);
	if (table_count(gpa) != used)
		FAIL("the table for 0x%llx (level %d) counts %u entries, holds %u",
		     (unsigned long long)base, shift, table_count(gpa), used);
}

/* The kernel half: tables down to the 2 MiB direct map. */
static void walk_kernel(uint64_t gpa, int shift)
{
	const uint64_t *t = phys_to_virt(gpa);

	for (unsigned i = shift == 39 ? 256 : 0; i < 512; i++) {
		uint64_t e = t[i];

		if (!(e & X86_PTE_P) || shift == X86_PT_LEAF || (e & X86_PTE_PS))
			continue;
		own(e & X86_PTE_ADDR, O_KTABLE);
		walk_kernel(e & X86_PTE_ADDR, shift - 9);
	}
}

static void check_tables(void)
{
	const uint64_t *root = phys_to_virt(mm.pml4);
	unsigned root_used = 0;

	memset(owners, 0, sizeof(owners));
	mapped_pages = 0;
	for (int i = 0; i < mm.nr_vmas; i++) {
		const struct vma *v = &mm.vmas[i];

		if (v->start >= v->end || v->start % PAGE_SIZE || v->end % PAGE_SIZE ||
		    v->end > LSTAR_USER_TOP || (i && mm.vmas[i - 1].end > v->start))
			FAIL("VMA %d [0x%llx, 0x%llx) is out of order or shape", i,
			     (unsigned long long)v->start, (unsigned long long)v->end);
		if (i && mm.vmas[i - 1].end == v->start && mm.vmas[i - 1].prot == v->prot &&
		    mm.vmas[i - 1].flags == v->flags)
			FAIL("VMAs %d and %d touch at 0x%llx and agree: they should be one",
			     i - 1, i, (unsigned long long)v->start);
	}
	own(mm.pml4, O_ROOT);
	for (uint64_t p = vm.vm.mem.free_stack;
	     p < vm.vm.mem.table_counts + PAGE_ALIGN(vm.vm.mem.free_stack_slots * 2); p += PAGE_SIZE)
		own(p, O_BOOKS);
	walk_kernel(mm.pml4, 39);
	walk_user(mm.pml4, 39, 0);
	for (int i = 0; i < 512; i++)
		root_used += root[i] != 0;
	if (table_count(mm.pml4) != root_used)
		FAIL("the root counts %u entries, holds %u", table_count(mm.pml4), root_used);
	for (uint64_t i = 0; i < mm.nfree; i++)
		own((uint64_t)mm.free_pfns[i] << 12, O_FREE);
	for (uint64_t p = mm.pool_next; p < mm.pool_end; p += PAGE_SIZE)
		own(p, O_UNTOUCHED);
	for (uint64_t i = 0; i < NPOOL; i++)
		if (!owners[i])
			FAIL("pool page 0x%llx has leaked (no owner)",
			     (unsigned long long)(LSTAR_POOL_GPA + i * PAGE_SIZE));
	/* Accessible VMAs are backed throughout. */
	{
		uint64_t want = 0;

		for (int i = 0; i < mm.nr_vmas; i++)
			if (mm.vmas[i].prot & PROT_ALL)
				want += (mm.vmas[i].end - mm.vmas[i].start) / PAGE_SIZE;
		if (mapped_pages < want)
			FAIL("%llu pages mapped, the accessible VMAs need %llu",
			     (unsigned long long)mapped_pages, (unsigned long long)want);
	}
}

/* --- words written into pages ------------------------------------------------- */

struct tag {
	uint64_t va;		/* page */
	unsigned word;		/* which word of it */
	uint64_t val;
};

static struct tag tags[MAX_TAGS];
static int ntags;

/* Word w of the page mapped at va, or NULL when no frame is there. */
static uint64_t *word_of(uint64_t va, unsigned w)
{
	uint64_t next, *leaf = pt_lookup(va, &next), pte;

	if (!leaf || !((pte = *pte_of(leaf, va)) & (X86_PTE_P | LSTAR_PTE_BACKED)))
		return NULL;
	return (uint64_t *)phys_to_virt(pte & X86_PTE_ADDR) + w;
}

/* Tag the page at va (if it has a frame and no tag yet). */
static void tag(uint64_t va)
{
	uint64_t *w;

	for (int i = 0; i < ntags; i++)
		if (tags[i].va == va)
			return;
	if (ntags == MAX_TAGS)
		return;
	tags[ntags] = (struct tag){ va, (unsigned)below(512), rnd() | 1 };
	if ((w = word_of(va, tags[ntags].word)))
		*w = tags[ntags++].val;
}

static void drop_tags(uint64_t start, uint64_t end)
{
	for (int i = 0; i < ntags;)
		if (tags[i].va >= start && tags[i].va < end)
			tags[i] = tags[--ntags];
		else
			i++;
}

static void move_tags(uint64_t start, uint64_t end, uint64_t to)
{
	for (int i = 0; i < ntags; i++)
		if (tags[i].va >= start && tags[i].va < end)
			tags[i].va = tags[i].va - start + to;
}

static void check_tags(void)
{
	for (int i = 0; i < ntags; i++) {
		uint64_t *w = word_of(tags[i].va, tags[i].word);

		if (!w)
			FAIL("the page at 0x%llx (tagged) is gone",
			     (unsigned long long)tags[i].va);
		if (*w != tags[i].val)
			FAIL("the page at 0x%llx holds 0x%llx, was tagged 0x%llx",
			     (unsigned long long)tags[i].va, (unsigned long long)*w,
			     (unsigned long long)tags[i].val);
	}
}

/* New pages read zero (every word); then some get a tag. */
static void fresh(uint64_t start, uint64_t end)
{
	for (uint64_t va = start; va < end; va += PAGE_SIZE) {
		const uint64_t *w = word_of(va, 0);

		for (unsigned i = 0; w && i < PAGE_SIZE / 8; i++)
			if (w[i])
				FAIL("new page 0x%llx reads 0x%llx at word %u, not zero",
				     (unsigned long long)va, (unsigned long long)w[i], i);
		if (below(4) == 0)
			tag(va);
	}
}

/* The first pages of a new range of len bytes (at most 64: ranges may be
 * huge reservations). */
static void fresh_some(uint64_t start, uint64_t len)
{
	len = PAGE_ALIGN(len);
	fresh(start, start + (len < (64 << 12) ? len : (64 << 12)));
}

/* --- the calls ------------------------------------------------------------------ */

static char what[160];

static long call(long (*fn)(struct pt_regs *), const char *name, uint64_t a,
		 uint64_t b, uint64_t c, uint64_t d, uint64_t e, uint64_t f)
{
	struct pt_regs r = { .di = a, .si = b, .dx = c, .r10 = d, .r8 = e, .r9 = f };
	long ret;

	snprintf(what, sizeof(what), "%s(0x%llx, 0x%llx, 0x%llx, 0x%llx, 0x%llx)", name,
		 (unsigned long long)a, (unsigned long long)b, (unsigned long long)c,
		 (unsigned long long)d, (unsigned long long)e);
	step = what;
	ret = fn(&r);
	snprintf(what + strlen(what), sizeof(what) - strlen(what), " = %ld", ret);
	return ret;
}

/* An address where things happen: near the top of the mmap area mostly,
 * sometimes near the break or anywhere. */
static uint64_t any_addr(void)
{
	switch (below(8)) {
	case 0:
		return boot_info.brk_start + below(1024) * PAGE_SIZE;
	case 1:
		return below(LSTAR_USER_TOP / PAGE_SIZE) * PAGE_SIZE;
	default:
		return boot_info.mmap_top - below(16384) * PAGE_SIZE;
	}
}

static uint64_t any_len(void)
{
	switch (below(16)) {
	case 0:
		return below(2048) * PAGE_SIZE + below(2) * below(PAGE_SIZE);
	case 1:
		return (1ULL << 40) >> below(12);	/* huge */
	default:
		return (1 + below(64)) * PAGE_SIZE;
	}
}

static uint32_t any_prot(void)
{
	static const uint32_t prots[] = {
		PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE,
		PROT_READ | PROT_WRITE, PROT_READ | PROT_EXEC,
	};

	return prots[below(5)];
}

/* The last region mmap placed itself: grown as realloc grows a block. */
static uint64_t last_addr, last_len;

static void one_call(void)
{
	uint64_t a = any_addr(), len = any_len();
	uint32_t prot = any_prot();
	long r;

	switch (below(8)) {
	case 0: {		/* mmap: hint, fixed, or no-replace */
		static const uint32_t kinds[] = { 0, MAP_FIXED, MAP_FIXED_NOREPLACE, 0 };
		uint32_t kind = kinds[below(4)];
		uint64_t hint = below(3) ? a : 0;

		if (len > (1ULL << 32))
			prot = PROT_NONE;	/* a reservation */
		a = hint;
		r = call(sys_mmap, "mmap", hint, len, prot,
			 MAP_PRIVATE | MAP_ANONYMOUS | kind | (prot ? 0 : MAP_NORESERVE), -1, 0);
		if (r < 0 && kind == MAP_FIXED)
			drop_tags(a, a + PAGE_ALIGN(len));	/* may be gone */
		if (r >= 0) {
			drop_tags(r, r + PAGE_ALIGN(len));
			fresh_some(r, len);
			if (!kind && prot && len < (1 << 24)) {
				last_addr = r;
				last_len = PAGE_ALIGN(len);
			}
		}
		break;
	}
	case 7:			/* realloc: twice the size, moving if need be */
		if (!last_len)
			break;
		r = call(sys_mremap, "mremap", last_addr, last_len, 2 * last_len,
			 MREMAP_MAYMOVE, 0, 0);
		if (r < 0) {
			last_len = 0;
			break;
		}
		if ((uint64_t)r != last_addr) {
			drop_tags(r, r + 2 * last_len);
			move_tags(last_addr, last_addr + last_len, r);
		}
		fresh(r + last_len, r + 2 * last_len);
		last_addr = r;
		last_len = last_len < (1 << 22) ? 2 * last_len : 0;
		break;
	case 1:
		r = call(sys_munmap, "munmap", a, len, 0, 0, 0, 0);
		if (r == 0)
			drop_tags(a, a + PAGE_ALIGN(len));
		break;
	case 2:
		call(sys_mprotect, "mprotect", a, len, prot, 0, 0, 0);
		break;
	case 3: {		/* mremap: of a VMA we have, mostly */
		uint64_t old = a, old_len = len, new_len;
		uint64_t flags = below(4) ? MREMAP_MAYMOVE : 0, to = 0;

		if (mm.nr_vmas && below(4)) {
			const struct vma *v = &mm.vmas[below(mm.nr_vmas)];
			uint64_t pages = (v->end - v->start) / PAGE_SIZE;

			old = v->start + below(pages) * PAGE_SIZE;
			old_len = (1 + below((v->end - old) / PAGE_SIZE)) * PAGE_SIZE;
		}
		/* Growing (by moving, mostly) is where tables are shared. */
		new_len = below(3) ? old_len * (2 + below(3)) : any_len() % (1ULL << 24);
		if (!new_len || new_len > (1ULL << 26))
			new_len = PAGE_SIZE;
		if (flags && below(3) == 0) {
			flags |= MREMAP_FIXED;
			to = any_addr();
		}
		r = call(sys_mremap, "mremap", old, old_len, new_len, flags, to, 0);
		if (r < 0 && (flags & MREMAP_FIXED)) {
			/* As on Linux, the destination and the tail may be
			 * gone even though the move failed. */
			drop_tags(to, to + PAGE_ALIGN(new_len));
			if (PAGE_ALIGN(old_len) > PAGE_ALIGN(new_len))
				drop_tags(old + PAGE_ALIGN(new_len), old + PAGE_ALIGN(old_len));
		}
		if (r < 0)
			break;
		new_len = PAGE_ALIGN(new_len);
		old_len = PAGE_ALIGN(old_len);
		if ((uint64_t)r == old) {
			if (new_len < old_len)
				drop_tags(old + new_len, old + old_len);
			else
				fresh(old + old_len, old + new_len);
		} else {
			uint64_t keep = old_len < new_len ? old_len : new_len;

			drop_tags(r, r + new_len);
			drop_tags(old + keep, old + old_len);
			move_tags(old, old + keep, r);
			fresh(r + keep, r + new_len);
		}
		break;
	}
	case 4: {		/* DONTNEED zeroes what it names */
		bool dontneed = below(2);

		r = call(sys_madvise, "madvise", a, len,
			 dontneed ? MADV_DONTNEED : MADV_WILLNEED, 0, 0, 0);
		if (dontneed && (r == 0 || r == -ENOMEM)) {	/* a hole: the rest is done */
			drop_tags(a, a + PAGE_ALIGN(len));
			fresh_some(a, len);
		}
		break;
	}
	case 5: {
		uint64_t old_end = PAGE_ALIGN(mm.brk);
		uint64_t want = below(4) ? boot_info.brk_start + below(2048) * PAGE_SIZE +
				below(PAGE_SIZE) : any_addr();

		r = call(sys_brk, "brk", want, 0, 0, 0, 0, 0);
		if (PAGE_ALIGN((uint64_t)r) < old_end)
			drop_tags(PAGE_ALIGN((uint64_t)r), old_end);
		else
			fresh(old_end, PAGE_ALIGN((uint64_t)r));
		break;
	}
	default:		/* touch what is there */
		if (mm.nr_vmas) {
			const struct vma *v = &mm.vmas[below(mm.nr_vmas)];

			step = "tagging";
			for (uint64_t va = v->start; va < v->end && va < v->start + (8 << 12);
			     va += PAGE_SIZE)
				tag(va);
		}
		break;
	}
}

/* Thousands of random calls, everything checked after each one. */
START_TEST(random_calls_keep_tables_true)
{
	seed = pick_seed(_i);
	rng = seed | 1;
	ntags = 0;
	last_len = 0;
	boot();
	check_tables();
	for (int i = 0; i < 2500; i++) {
		one_call();
		check_tables();
		check_tags();
	}
	teardown();
}
END_TEST

/*
 * The case that once made the shim panic: mremap moving a region to just
 * below itself, so that a source leaf table is also a destination table
 * that must outlive the source's last page.
 */
START_TEST(mremap_down_into_shared_leaf)
{
	uint64_t a, b, c;

	seed = 0;
	rng = 1;
	ntags = 0;
	boot();
	/* Fill the top of the mmap area so the moves go just below. */
	for (uint64_t len = 65 << 12; len < (1 << 22); len *= 2) {
		a = call(sys_mmap, "mmap", 0, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ck_assert_int_gt((long)a, 0);
		fresh(a, a + len);
		b = call(sys_mremap, "mremap", a, len, 2 * len, MREMAP_MAYMOVE, 0, 0);
		ck_assert_int_gt((long)b, 0);
		move_tags(a, a + len, b);
		fresh(b + len, b + 2 * len);
		check_tables();
		check_tags();
		c = call(sys_munmap, "munmap", b, 2 * len, 0, 0, 0, 0);
		ck_assert_int_eq((long)c, 0);
		drop_tags(b, b + 2 * len);
		check_tables();
	}
	teardown();
}
END_TEST

/* A 64 TiB PROT_NONE reservation costs nothing to make, change or drop. */
START_TEST(huge_reservation_costs_by_what_is_mapped)
{
	uint64_t len = 64ULL << 40, a;

	seed = 0;
	rng = 1;
	ntags = 0;
	boot();
	a = call(sys_mmap, "mmap", 0, len, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ck_assert_int_gt((long)a, 0);
	ck_assert_int_eq(call(sys_mprotect, "mprotect", a + (1ULL << 40), 1 << 20,
			      PROT_READ | PROT_WRITE, 0, 0, 0), 0);
	fresh(a + (1ULL << 40), a + (1ULL << 40) + (1 << 20));
	check_tables();
	check_tags();
	ck_assert_int_eq(call(sys_mprotect, "mprotect", a, len, PROT_NONE, 0, 0, 0), 0);
	ck_assert_int_eq(call(sys_madvise, "madvise", a, len, MADV_DONTNEED, 0, 0, 0), 0);
	drop_tags(a, a + len);
	check_tables();
	ck_assert_int_eq(call(sys_munmap, "munmap", a, len, 0, 0, 0, 0), 0);
	check_tables();
	teardown();
}
END_TEST

/*
 * On PVM, a long mapping takes the pages a program freed before fresh
 * ones (LSTAR_HC_BACK), dirty ones cleared; a long unmap hands its pages
 * back cleared in place (LSTAR_HC_RELEASE): their host pages stay.
 */
START_TEST(freed_pages_used_again_first)
{
	uint64_t len = 64 * PAGE_SIZE, few = (BULK_MIN / 2) * PAGE_SIZE, a, next;

	seed = 0;
	rng = 1;
	ntags = 0;
	boot();
	boot_info.platform = LSTAR_PLATFORM_PVM;
	a = call(sys_mmap, "mmap", 0, few, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_int_gt((long)a, 0);
	for (uint64_t va = a; va < a + few; va += PAGE_SIZE)
		*word_of(va, 7) = va;
	ck_assert_int_eq(call(sys_munmap, "munmap", a, few, 0, 0, 0, 0), 0);
	ck_assert_uint_eq(mm.nfree, BULK_MIN / 2);
	ck_assert_uint_eq(mm.nclean, 0);

	a = call(sys_mmap, "mmap", 0, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_int_gt((long)a, 0);
	ck_assert_uint_eq(mm.nfree, 0);		/* the dirty ones, taken */
	fresh(a, a + len);			/* and cleared */
	for (uint64_t va = a; va < a + len; va += PAGE_SIZE)
		*word_of(va, 7) = va;
	ck_assert_int_eq(call(sys_munmap, "munmap", a, len, 0, 0, 0, 0), 0);
	drop_tags(a, a + len);
	ck_assert_uint_ge(mm.nclean, 64);
	next = mm.pool_next;
	a = call(sys_mmap, "mmap", 0, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_int_gt((long)a, 0);
	ck_assert_uint_eq(mm.pool_next, next);
	for (uint64_t va = a; va < a + len; va += PAGE_SIZE) {
		unsigned char held = 0;

		ck_assert_int_eq(mincore(word_of(va, 0), PAGE_SIZE, &held), 0);
		ck_assert_msg(held & 1, "0x%llx: its page went back to the host",
			      (unsigned long long)va);
	}
	fresh(a, a + len);
	check_tables();
	check_tags();
	teardown();
}
END_TEST

Suite *suite_shim_mm(void)
{
	Suite *s = suite_create("shim_mm");
	TCase *tc = tcase_create("mm");

	tcase_set_timeout(tc, 120);
	/* `make stress` (LSTAR_STRESS=1): ten times the seeds. */
	tcase_add_loop_test(tc, random_calls_keep_tables_true, 0,
			    getenv("LSTAR_STRESS") && !strcmp(getenv("LSTAR_STRESS"), "1") ? 40 : 4);
	tcase_add_test(tc, mremap_down_into_shared_leaf);
	tcase_add_test(tc, huge_reservation_costs_by_what_is_mapped);
	tcase_add_test(tc, freed_pages_used_again_first);
	suite_add_tcase(s, tc);
	return s;
}
