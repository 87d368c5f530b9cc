/* SPDX-License-Identifier: MIT */
/*
 * mm_stress - seeded random memory calls whose every result and every
 * page's state it prints, so that a native run and a run under lstar with
 * the same seed can be compared line by line.
 *
 *   mm_stress calls SEED N   N random mmap/munmap/mprotect/mremap/madvise/
 *                            brk calls inside an arena of its own (a third
 *                            of the mmaps are followed by a private mapping
 *                            of /dev/zero, a file's, over part of them)
 *   mm_stress huge           a 64 TiB PROT_NONE reservation: opened in
 *                            the middle, written, dropped whole
 *   mm_stress grow           a buffer grown by mremap to 64 MiB, as
 *                            realloc grows one
 *   mm_stress stack          the stack grows 4 MiB deep and back
 *
 * Addresses are printed relative to the arena (or the first break): the
 * layout differs between runs, the relations must not.  Pages are probed
 * through system calls (a pipe reads from and writes into them), never
 * by touching them, so a page that is not there is EFAULT, not a crash.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "errname.h"

#define PAGE		4096UL
#define SLOT_PAGES	64			/* 256 KiB */
#define NSLOTS		128
#define ARENA		(NSLOTS * SLOT_PAGES * PAGE)	/* 32 MiB */

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
	return rnd() % n;
}

static char *arena;
static int pr, pw;			/* the probing pipe's two ends */

/* A result: an errno name, or an address as an arena offset, or a number. */
static void result(const char *what, long r)
{
	if (r < 0 && r > -4096)
		printf("%s = %s\n", what, errname((int)-r));
	else if ((char *)r >= arena && (char *)r < arena + ARENA)
		printf("%s = arena+0x%lx\n", what, (unsigned long)((char *)r - arena));
	else
		printf("%s = %ld\n", what, r);
}

static long raw(long nr, long a, long b, long c, long d, long e)
{
	long r = syscall(nr, a, b, c, d, e, 0L);

	return r == -1 ? -errno : r;
}

/*
 * The state of the page at arena offset off: whether it reads, whether it
 * writes (the same 8 bytes go back), and the word at word w.
 */
static void probe(unsigned long off, unsigned w)
{
	char *p = arena + off + w * 8;
	uint64_t word = 0;
	long r = raw(SYS_write, pw, (long)p, 8, 0, 0), wr;

	if (r == 8 && raw(SYS_read, pr, (long)&word, 8, 0, 0) != 8)
		printf("pipe broke\n");
	if (raw(SYS_write, pw, (long)&word, 8, 0, 0) != 8)
		printf("pipe broke\n");
	wr = raw(SYS_read, pr, (long)p, 8, 0, 0);
	if (wr != 8 && raw(SYS_read, pr, (long)&word, 8, 0, 0) != 8)
		printf("pipe broke\n");
	printf("  page 0x%lx: %c%c", off, r == 8 ? 'r' : '-', wr == 8 ? 'w' : '-');
	if (r == 8)
		printf(" word %u = 0x%llx", w, (unsigned long long)word);
	printf("\n");
}

/* Where tags were written: a mapping made over one later must read zero
 * there (fresh_over_tags). */
#define MAX_TAGS 256

static struct tag_at {
	unsigned long off;
	unsigned w;
} tags[MAX_TAGS];
static int ntags;

/* Write a tag into the page at off (through the pipe: EFAULT if it is
 * not writable). */
static void tag(unsigned long off, unsigned w, uint64_t val)
{
	long r;

	if (ntags < MAX_TAGS)
		tags[ntags++] = (struct tag_at){ off, w };
	if (raw(SYS_write, pw, (long)&val, 8, 0, 0) != 8)
		printf("pipe broke\n");
	r = raw(SYS_read, pr, (long)(arena + off + w * 8), 8, 0, 0);
	if (r != 8 && raw(SYS_read, pr, (long)&val, 8, 0, 0) != 8)
		printf("pipe broke\n");
}

/* A mapping just made at [off, off + len), readable: the words tagged
 * there before read zero now (probe prints them). */
static void fresh_over_tags(unsigned long off, unsigned long len)
{
	for (int i = 0; i < ntags;)
		if (tags[i].off >= off && tags[i].off < off + len) {
			probe(tags[i].off, tags[i].w);
			tags[i] = tags[--ntags];
		} else {
			i++;
		}
}

static const int prots[] = {
	PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE, PROT_READ | PROT_WRITE,
	PROT_READ | PROT_EXEC,
};

/*
 * Regions one mmap made and nothing has touched since: mremap works on
 * those only.  What mremap does with a range that spans mappings changed
 * between Linux versions (6.17 moves several at once); lstar follows the
 * older rule, and this program compares with whatever kernel it runs on.
 */
#define MAX_REGIONS 64

static struct region {
	unsigned long off, len;
} regions[MAX_REGIONS];
static int nregions;

/* Whatever overlaps [off, off + len) is no longer one mmap's own. */
static void touched(unsigned long off, unsigned long len)
{
	for (int i = 0; i < nregions;)
		if (regions[i].off < off + len && off < regions[i].off + regions[i].len)
			regions[i] = regions[--nregions];
		else
			i++;
}

static void made(unsigned long off, unsigned long len)
{
	touched(off, len);
	if (nregions < MAX_REGIONS)
		regions[nregions++] = (struct region){ off, len };
}

/* An mmap of [off, off + len) with prot made: its result, the books of
 * what one mmap made, and the tags it must have wiped. */
static void mapped(const char *what, unsigned long off, unsigned long len, int prot, long r)
{
	result(what, r);
	touched(off, len);
	if (r < 0)
		return;
	made(off, len);
	if (prot & PROT_READ)
		fresh_over_tags(off, len);
}

/* A page range in the arena: mostly small, sometimes across slots. */
static void any_range(unsigned long *off, unsigned long *len)
{
	unsigned long pages = below(8) ? 1 + below(SLOT_PAGES) : 1 + below(4 * SLOT_PAGES);

	*off = below(NSLOTS * SLOT_PAGES) * PAGE;
	if (*off + pages * PAGE > ARENA)
		pages = (ARENA - *off) / PAGE;
	*len = pages * PAGE;
}

static int calls(uint64_t seed, long n)
{
	char what[128];
	char *brk0 = (char *)syscall(SYS_brk, 0), *brk_cur = brk0;
	int fds[2], zero = open("/dev/zero", O_RDONLY);

	rng = seed | 1;
	if (pipe(fds))
		return 1;
	pr = fds[0];
	pw = fds[1];
	arena = mmap(NULL, ARENA, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		     -1, 0);
	if (arena == MAP_FAILED)
		return 1;
	for (long i = 0; i < n; i++) {
		unsigned long off, len;
		int prot = prots[below(5)];
		long r;

		any_range(&off, &len);
		switch (below(7)) {
		case 0:
		case 1: {
			int file = zero >= 0 && below(3) == 0;
			int first = file ? PROT_READ | PROT_WRITE : prot;

			r = raw(SYS_mmap, (long)(arena + off), len, first,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1);
			snprintf(what, sizeof(what), "mmap(0x%lx, 0x%lx, %d)", off, len, first);
			mapped(what, off, len, first, r);
			for (unsigned long p = 0; r >= 0 && p < len; p += PAGE)
				if (below(file ? 2 : 4) == 0)
					tag(off + p, below(512), rnd());
			if (!file || r < 0)
				break;
			/* Then a file's private mapping over part of it, as
			 * ld.so lays a library's segments over its reservation:
			 * what the tags wrote must not show through. */
			{
				unsigned long sub = below(len / PAGE) * PAGE;
				unsigned long sub_len = (1 + below((len - sub) / PAGE)) * PAGE;

				r = raw(SYS_mmap, (long)(arena + off + sub), sub_len, prot,
					MAP_PRIVATE | MAP_FIXED, zero);
				snprintf(what, sizeof(what), "mmap(0x%lx, 0x%lx, %d, /dev/zero)",
					 off + sub, sub_len, prot);
				mapped(what, off + sub, sub_len, prot, r);
			}
			break;
		}
		case 2:
			r = raw(SYS_munmap, (long)(arena + off), len, 0, 0, 0);
			snprintf(what, sizeof(what), "munmap(0x%lx, 0x%lx)", off, len);
			result(what, r);
			touched(off, len);
			break;
		case 3:
			r = raw(SYS_mprotect, (long)(arena + off), len, prot, 0, 0);
			snprintf(what, sizeof(what), "mprotect(0x%lx, 0x%lx, %d)", off, len, prot);
			result(what, r);
			touched(off, len);
			break;
		case 4: {	/* a region moved to a slot, or resized in place */
			struct region g;
			unsigned long to = below(NSLOTS) * SLOT_PAGES * PAGE, new_len;
			int move = below(3) != 0;

			if (!nregions)
				break;
			g = regions[below(nregions)];
			new_len = below(2) ? (1 + below(g.len / PAGE)) * PAGE :
					     g.len + (1 + below(SLOT_PAGES)) * PAGE;
			if (move && to + new_len > ARENA)
				to = ARENA - new_len;
			/* Grown in place, it stays in the arena: what lies past
			 * the arena's end is the layout's, not the test's. */
			if (!move && g.off + new_len > ARENA)
				new_len = ARENA - g.off;
			r = raw(SYS_mremap, (long)(arena + g.off), g.len, new_len,
				move ? MREMAP_MAYMOVE | MREMAP_FIXED : 0, (long)(arena + to));
			snprintf(what, sizeof(what), "mremap(0x%lx, 0x%lx, 0x%lx, %s0x%lx)", g.off,
				 g.len, new_len, move ? "to " : "in place, ", to);
			result(what, r);
			if (move)
				touched(to, new_len);
			if (r < 0)
				break;
			touched(g.off, g.len);
			made((char *)r - arena, new_len);
			break;
		}
		case 5:
			r = raw(SYS_madvise, (long)(arena + off), len, MADV_DONTNEED, 0, 0);
			snprintf(what, sizeof(what), "madvise(0x%lx, 0x%lx, DONTNEED)", off, len);
			result(what, r);
			touched(off, len);
			break;
		default: {	/* the break, up or down */
			long want = (long)(brk0 + below(256) * PAGE + below(PAGE));
			char *now = (char *)syscall(SYS_brk, want);

			uintptr_t lo = ((uintptr_t)brk_cur + PAGE - 1) & ~(PAGE - 1);

			printf("brk(+0x%lx) = +0x%lx\n", (unsigned long)(want - (long)brk0),
			       (unsigned long)(now - brk0));
			/* Whole pages the break gained read zero; then they are
			 * dirtied, so that losing and regaining them shows. */
			for (char *p = (char *)lo; p + PAGE <= now; p += PAGE) {
				for (unsigned long w = 0; w < PAGE / 8; w++)
					if (((uint64_t *)p)[w])
						printf("  brk page +0x%lx is not zero\n",
						       (unsigned long)(p - brk0));
				p[below(PAGE)] = 1;
			}
			brk_cur = now;
			break;
		}
		}
		/* Two pages anywhere: what they are and what they hold. */
		for (int k = 0; k < 2; k++)
			probe(below(NSLOTS * SLOT_PAGES) * PAGE, below(512));
	}
	/* Every slot's first and last page, at the end. */
	for (unsigned long s = 0; s < NSLOTS; s++) {
		probe(s * SLOT_PAGES * PAGE, 0);
		probe((s + 1) * SLOT_PAGES * PAGE - PAGE, 511);
	}
	printf("done\n");
	return 0;
}

/* A huge reservation costs by what is mapped in it, not by its size. */
static int huge(void)
{
	size_t len = 64ULL << 40, mid = 32ULL << 40;
	char *p = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		       -1, 0);

	if (p == MAP_FAILED) {
		printf("mmap 64 TiB: %s\n", errname(errno));
		return 1;
	}
	printf("mmap 64 TiB: ok\n");
	printf("mprotect 1 MiB: %s\n",
	       mprotect(p + mid, 1 << 20, PROT_READ | PROT_WRITE) ? errname(errno) : "ok");
	memset(p + mid, 0x5a, 1 << 20);
	printf("written: %s\n", p[mid + 12345] == 0x5a ? "ok" : "wrong");
	printf("mprotect all PROT_NONE: %s\n", mprotect(p, len, PROT_NONE) ? errname(errno) : "ok");
	printf("madvise all DONTNEED: %s\n",
	       madvise(p, len, MADV_DONTNEED) ? errname(errno) : "ok");
	printf("munmap all: %s\n", munmap(p, len) ? errname(errno) : "ok");
	p = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	printf("again: %s\n", p == MAP_FAILED ? errname(errno) : "ok");
	printf("munmap again: %s\n", munmap(p, len) ? errname(errno) : "ok");
	return 0;
}

/*
 * A buffer grown by doubling with mremap(MAYMOVE), as realloc grows a
 * large block: each move lands just below the old place, so the old
 * block's first page table is also the new block's last one (the shim
 * once freed it half-way through the move, and panicked).
 */
static int grow(void)
{
	/* First the case itself, placed on purpose: a 1.5 MiB block whose
	 * first 16 pages end a page table's 2 MiB, moved to just below
	 * itself, twice its size.  Its first pages move into the table
	 * below; the shared table empties of source pages before the
	 * destination pages that belong in it come. */
	{
		size_t len = 1536 << 10, bad = 0;
		char *area = mmap(NULL, 32 << 20, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		uintptr_t b = ((uintptr_t)area + (16 << 20)) & ~(uintptr_t)((2 << 20) - 1);
		unsigned char *p = (unsigned char *)b - 16 * PAGE, *q;

		if (area == MAP_FAILED ||
		    mmap(p, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
			 -1, 0) != p)
			return 1;
		for (size_t i = 0; i < len; i += 512)
			p[i] = (unsigned char)(i >> 9);
		q = mremap(p, len, 2 * len, MREMAP_MAYMOVE | MREMAP_FIXED, p - 2 * len);
		if (q != p - 2 * len) {
			printf("mremap below itself: %s\n", errname(errno));
			return 1;
		}
		for (size_t i = 0; i < len; i += 512)
			bad += q[i] != (unsigned char)(i >> 9);
		for (size_t i = len; i < 2 * len; i += 512)
			bad += q[i] != 0;
		printf("moved below itself: %zu bytes wrong\n", bad);
		munmap(area, 32 << 20);
	}
	/* Six rounds, each shifted by a few pages: where the table
	 * boundaries fall depends on the (random) layout. */
	for (int round = 1; round <= 6; round++) {
		size_t len = 256 << 10, bad = 0;
		void *spacer = mmap(NULL, round * PAGE, PROT_READ,
				    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED || spacer == MAP_FAILED)
			return 1;
		for (size_t i = 0; i < len; i += 512)
			p[i] = (unsigned char)(i >> 9);
		for (; len < (16 << 20); len *= 2) {
			unsigned char *q = mremap(p, len, 2 * len, MREMAP_MAYMOVE);

			if (q == MAP_FAILED) {
				printf("mremap to %zu KiB: %s\n", len >> 9, errname(errno));
				return 1;
			}
			for (size_t i = 0; i < len; i += 512)
				bad += q[i] != (unsigned char)(i >> 9);
			for (size_t i = len; i < 2 * len; i += 512)
				bad += q[i] != 0;
			for (size_t i = len; i < 2 * len; i += 512)
				q[i] = (unsigned char)(i >> 9);
			p = q;
		}
		printf("round %d: grown to %zu KiB, %zu bytes wrong\n", round, len >> 10, bad);
		munmap(p, len);
		munmap(spacer, round * PAGE);
	}
	return 0;
}

/* Deep recursion: 4 MiB of stack frames, each checked on the way back. */
static unsigned long deep(unsigned long n)
{
	volatile char frame[4000];

	frame[0] = (char)n;
	frame[sizeof(frame) - 1] = (char)(n >> 8);
	if (n == 0)
		return 0;
	return deep(n - 1) + (frame[0] == (char)n && frame[sizeof(frame) - 1] == (char)(n >> 8));
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	if (argc == 4 && !strcmp(argv[1], "calls"))
		return calls(strtoull(argv[2], NULL, 0), strtol(argv[3], NULL, 0));
	if (argc == 2 && !strcmp(argv[1], "huge"))
		return huge();
	if (argc == 2 && !strcmp(argv[1], "grow"))
		return grow();
	if (argc == 2 && !strcmp(argv[1], "stack")) {
		printf("frames intact: %lu of 1000\n", deep(1000));
		return 0;
	}
	fprintf(stderr, "usage: mm_stress calls SEED N | huge | grow | stack\n");
	return 2;
}
