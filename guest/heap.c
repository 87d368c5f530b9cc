/* SPDX-License-Identifier: MIT */
/*
 * heap.c - the program's memory, checked the same natively and under
 * lstar: malloc/realloc/calloc, brk, anonymous mmap and its edges
 * (MAP_FIXED, MAP_FIXED_NOREPLACE, hints), mprotect, partial munmap,
 * mremap, madvise, and the error cases.  Prints a line for each check
 * that failed (for every check with -v; never an address), then a
 * summary; exits 1 if any check failed.
 *
 * A page's accessibility is probed with getrandom(): EFAULT when ring 3
 * could not write it, without taking a fault.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "probe.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x03
#endif
#ifndef MREMAP_MAYMOVE
#define MREMAP_MAYMOVE 1
#endif
#ifndef MREMAP_FIXED
#define MREMAP_FIXED 2
#endif

#define PG 4096UL

static void *xmmap(void *addr, size_t len, int prot, int flags)
{
	errno = 0;
	return (void *)sys(SYS_mmap, (long)addr, (long)len, prot, flags, -1, 0);
}

/* Can ring 3 write the page at p?  getrandom answers without a fault. */
static int writable(void *p)
{
	long r = sys(SYS_getrandom, (long)p, 1, 0, 0, 0, 0);

	return r == 1;
}

static int all_bytes(const void *p, int c, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != (unsigned char)c)
			return 0;
	return 1;
}

static void test_brk(void)
{
	uintptr_t cur = sys(SYS_brk, 0, 0, 0, 0, 0, 0), r;

	check("brk(0) nonzero", cur != 0);
	r = sys(SYS_brk, cur + 64 * 1024, 0, 0, 0, 0, 0);
	check("brk grow 64 KiB", r == cur + 64 * 1024);
	check("brk(0) after grow", sys(SYS_brk, 0, 0, 0, 0, 0, 0) == (long)(cur + 64 * 1024));
	/* New break memory is zero and writable. */
	check("brk memory zero", all_bytes((void *)cur, 0, 32 * 1024));
	memset((void *)cur, 0x5a, 64 * 1024);
	check("brk memory holds data", all_bytes((void *)cur, 0x5a, 64 * 1024));
	r = sys(SYS_brk, cur + 100, 0, 0, 0, 0, 0);
	check("brk shrink to unaligned", r == cur + 100);
	check("brk(0) returns it as set", sys(SYS_brk, 0, 0, 0, 0, 0, 0) == (long)(cur + 100));
	r = sys(SYS_brk, cur, 0, 0, 0, 0, 0);
	check("brk back to start", r == cur);
	check("brk below start refused", sys(SYS_brk, 4096, 0, 0, 0, 0, 0) == (long)cur);
	check("brk beyond user space refused",
	      sys(SYS_brk, (long)0xffff800000000000UL, 0, 0, 0, 0, 0) == (long)cur);
	check("brk(0) consistent", sys(SYS_brk, 0, 0, 0, 0, 0, 0) == (long)cur);
	/* Regrow: the old contents are gone. */
	r = sys(SYS_brk, cur + 2 * PG, 0, 0, 0, 0, 0);
	check("brk regrow", r == cur + 2 * PG);
	check("brk regrown page zero",
	      all_bytes((void *)((cur + PG - 1) & ~(PG - 1)), 0, PG));
	sys(SYS_brk, cur, 0, 0, 0, 0, 0);
}

static void test_sbrk(void)
{
	void *a = sbrk(0), *b;

	check("sbrk(0) == brk(0)", (long)a == sys(SYS_brk, 0, 0, 0, 0, 0, 0));
	errno = 0;
	b = sbrk(8192);
	/* musl's sbrk refuses any nonzero increment (ENOMEM); glibc grows. */
	if (b == (void *)-1) {
		check_err("sbrk(8192)", -1, ENOMEM);
		return;
	}
	check("sbrk(8192) returns old break", b == a);
	memset(b, 1, 8192);
	check("sbrk(0) after grow", sbrk(0) == (char *)a + 8192);
	check("sbrk(-8192) returns grown break", sbrk(-8192) == (char *)a + 8192);
	check("sbrk(0) after shrink", sbrk(0) == a);
}

static void test_malloc(void)
{
	enum { N = 500 };
	unsigned char *p[N], *big, *r;
	volatile size_t huge = (size_t)1 << 62;	/* hidden from -Walloc-size */
	int ok = 1;

	for (int i = 0; i < N; i++) {
		size_t n = 1 + (i * 37) % 700;

		p[i] = malloc(n);
		if (!p[i]) {
			ok = 0;
			break;
		}
		memset(p[i], i & 0xff, n);
	}
	check("malloc 500 small blocks", ok);
	for (int i = 0; ok && i < N; i++)
		ok = all_bytes(p[i], i & 0xff, 1 + (i * 37) % 700);
	check("small blocks keep their bytes", ok);
	for (int i = 0; i < N; i += 2)
		free(p[i]);
	for (int i = 1; ok && i < N; i += 2)
		ok = all_bytes(p[i], i & 0xff, 1 + (i * 37) % 700);
	check("survivors intact after frees", ok);
	for (int i = 1; i < N; i += 2)
		free(p[i]);

	big = malloc(10 << 20);
	check("malloc 10 MiB", big != NULL);
	if (big) {
		memset(big, 0xc3, 10 << 20);
		check("10 MiB filled", big[0] == 0xc3 && big[(10 << 20) - 1] == 0xc3 &&
		      all_bytes(big + (5 << 20), 0xc3, 4096));
		free(big);
	}

	r = NULL;
	ok = 1;
	for (size_t n = 16; n <= (1 << 20); n *= 2) {
		unsigned char *q = realloc(r, n);

		if (!q) {
			ok = 0;
			break;
		}
		if (r && !all_bytes(q, 0x77, n / 2))
			ok = 0;
		r = q;
		memset(r, 0x77, n);
	}
	check("realloc 16 B -> 1 MiB keeps contents", ok);
	r = realloc(r, 100);
	check("realloc shrink keeps contents", r && all_bytes(r, 0x77, 100));
	free(r);

	/* calloc after dirty frees must still hand out zeroes. */
	for (int i = 0; i < 8; i++) {
		unsigned char *d = malloc(4096);

		memset(d, 0xee, 4096);
		free(d);
	}
	r = calloc(1000, 4);
	check("calloc small zeroed", r && all_bytes(r, 0, 4000));
	free(r);
	r = calloc(3, 1 << 20);
	check("calloc 3 MiB zeroed", r && all_bytes(r, 0, 3 << 20));
	free(r);
	errno = 0;
	r = calloc(huge, 16);
	check("calloc overflow fails", r == NULL && errno == ENOMEM);
	errno = 0;
	r = malloc(huge);
	check("malloc 4 EiB fails", r == NULL && errno == ENOMEM);
}

static void test_mmap(void)
{
	unsigned char *p, *q, *r;
	long ret;

	/* Private and shared anonymous mappings. */
	p = xmmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	check("mmap private", p != MAP_FAILED);
	check("mmap private zero", all_bytes(p, 0, 3 * PG));
	memset(p, 0xaa, 3 * PG);
	check("mmap private holds data", all_bytes(p, 0xaa, 3 * PG));
	q = xmmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS);
	check("mmap shared", q != MAP_FAILED);
	memset(q, 0x3c, 2 * PG);
	check("mmap shared holds data", all_bytes(q, 0x3c, 2 * PG));
	check_err("munmap shared", sys(SYS_munmap, (long)q, 2 * PG, 0, 0, 0, 0), 0);
	check("unmapped page not writable", !writable(q));

	/* MAP_FIXED over the middle page replaces it with zeroes. */
	r = xmmap(p + PG, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
	check("MAP_FIXED over mapping at that address", r == p + PG);
	check("MAP_FIXED page zero", all_bytes(p + PG, 0, PG));
	check("MAP_FIXED neighbours kept", all_bytes(p, 0xaa, PG) && all_bytes(p + 2 * PG, 0xaa, PG));
	r = xmmap(p, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE);
	check_err("MAP_FIXED_NOREPLACE occupied", r == MAP_FAILED ? -1 : 0, EEXIST);
	check("NOREPLACE left contents", all_bytes(p, 0xaa, PG));
	check_err("MAP_FIXED unaligned", (long)xmmap(p + 1, PG, PROT_READ,
		  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED), EINVAL);

	/* mprotect read-only and back. */
	check_err("mprotect PROT_READ", sys(SYS_mprotect, (long)p, 3 * PG, PROT_READ, 0, 0, 0), 0);
	check("read-only page readable", all_bytes(p, 0xaa, PG));
	check("read-only page not writable", !writable(p));
	check_err("mprotect back to RW", sys(SYS_mprotect, (long)p, 3 * PG,
					     PROT_READ | PROT_WRITE, 0, 0, 0), 0);
	check("page writable again", writable(p + 2 * PG));
	memset(p + PG, 0x5c, PG);
	check_err("mprotect PROT_NONE middle", sys(SYS_mprotect, (long)(p + PG), PG, PROT_NONE, 0, 0, 0), 0);
	check("PROT_NONE page not writable", !writable(p + PG));
	check_err("mprotect middle back", sys(SYS_mprotect, (long)(p + PG), PG,
					      PROT_READ | PROT_WRITE, 0, 0, 0), 0);
	check("PROT_NONE round trip keeps data", all_bytes(p + PG, 0x5c, PG));
	check_err("mprotect unaligned", sys(SYS_mprotect, (long)(p + 1), PG, PROT_READ, 0, 0, 0), EINVAL);
	check_err("mprotect bad prot", sys(SYS_mprotect, (long)p, PG, 0x100, 0, 0, 0), EINVAL);
	check_err("mprotect len 0", sys(SYS_mprotect, (long)p, 0, PROT_READ, 0, 0, 0), 0);

	/* munmap of the middle splits the mapping. */
	memset(p, 0x11, 3 * PG);
	check_err("munmap middle page", sys(SYS_munmap, (long)(p + PG), PG, 0, 0, 0, 0), 0);
	check("middle page gone", !writable(p + PG));
	check("left part usable", all_bytes(p, 0x11, PG) && writable(p));
	check("right part usable", all_bytes(p + 2 * PG, 0x11, PG) && writable(p + 2 * PG));
	check_err("mprotect over the hole", sys(SYS_mprotect, (long)p, 3 * PG, PROT_READ, 0, 0, 0), ENOMEM);
	check_err("munmap over the hole", sys(SYS_munmap, (long)p, 3 * PG, 0, 0, 0, 0), 0);
	check("all three pages gone", !writable(p) && !writable(p + 2 * PG));
	check_err("mprotect unmapped range", sys(SYS_mprotect, (long)p, PG, PROT_READ, 0, 0, 0), ENOMEM);
	check_err("munmap unmapped range", sys(SYS_munmap, (long)p, PG, 0, 0, 0, 0), 0);

	/* A hint at a free address is taken as given. */
	r = xmmap(p, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	check("mmap hint at free range taken", r == p);
	if (r != MAP_FAILED)
		sys(SYS_munmap, (long)r, 2 * PG, 0, 0, 0, 0);
	r = xmmap((void *)(p + 5), PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS);
	check("mmap unaligned hint still maps", r != MAP_FAILED && ((uintptr_t)r & (PG - 1)) == 0);
	if (r != MAP_FAILED)
		sys(SYS_munmap, (long)r, PG, 0, 0, 0, 0);
	/* An odd length maps whole pages. */
	r = xmmap(NULL, 100, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	check("mmap 100 bytes gives a page", r != MAP_FAILED && writable(r + PG - 1));
	check_err("munmap unaligned length", sys(SYS_munmap, (long)r, 100, 0, 0, 0, 0), 0);
	check("whole page gone", !writable(r));

	/* Error cases. */
	ret = (long)xmmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS);
	check_err("mmap len 0", ret, EINVAL);
	/* All of user space: no room, whatever the host's overcommit
	 * policy (64 TiB would pass natively with overcommit_memory=1). */
	ret = (long)xmmap(NULL, (size_t)1 << 47, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	check_err("mmap 128 TiB", ret, ENOMEM);
	ret = (long)xmmap(NULL, (size_t)-PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS);
	check_err("mmap len near 2^64", ret, ENOMEM);
	ret = (long)xmmap(NULL, PG, PROT_READ, MAP_ANONYMOUS);
	check_err("mmap without PRIVATE/SHARED", ret, EINVAL);
	ret = (long)xmmap(NULL, PG, PROT_READ, 4 | MAP_ANONYMOUS);
	check_err("mmap bad map type 4", ret, EINVAL);
	ret = (long)xmmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED_VALIDATE | MAP_ANONYMOUS);
	/* Linux validates file mappings only: anonymous ones take
	 * MAP_SHARED or MAP_PRIVATE. */
	check_err("mmap anonymous MAP_SHARED_VALIDATE", ret, EINVAL);
	if (ret > 0)
		sys(SYS_munmap, ret, PG, 0, 0, 0, 0);
	ret = (long)sys(SYS_mmap, 0, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 100);
	check_err("mmap unaligned offset", ret, EINVAL);
	ret = (long)xmmap((void *)0xffff800000000000UL, PG, PROT_READ,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
	check_err("mmap MAP_FIXED kernel address", ret, ENOMEM);
	check_err("munmap unaligned", sys(SYS_munmap, (long)p + 1, PG, 0, 0, 0, 0), EINVAL);
	check_err("munmap len 0", sys(SYS_munmap, (long)p, 0, 0, 0, 0, 0), EINVAL);
	check_err("munmap kernel address", sys(SYS_munmap, (long)0xffff800000000000UL, PG,
					       0, 0, 0, 0), EINVAL);
}

static void test_mremap(void)
{
	unsigned char *p, *r;

	/* Grow in place when the next pages are free. */
	p = xmmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	memset(p, 0x42, 2 * PG);
	sys(SYS_munmap, (long)(p + 2 * PG), 2 * PG, 0, 0, 0, 0);
	r = (void *)sys(SYS_mremap, (long)p, 2 * PG, 4 * PG, 0, 0, 0);
	check("mremap grow in place", r == p);
	check("grown: old contents kept", all_bytes(p, 0x42, 2 * PG));
	check("grown: new part zero", all_bytes(p + 2 * PG, 0, 2 * PG) && writable(p + 3 * PG));

	/* Shrink: same address, the tail goes away. */
	r = (void *)sys(SYS_mremap, (long)p, 4 * PG, PG, 0, 0, 0);
	check("mremap shrink", r == p);
	check("shrunk: contents kept", all_bytes(p, 0x42, PG));
	check("shrunk: tail gone", !writable(p + PG) && !writable(p + 3 * PG));

	/* Grow with a neighbour in the way: only with MREMAP_MAYMOVE. */
	r = xmmap(p + PG, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
	check("neighbour mapped", r == p + PG);
	memset(r, 0x99, PG);
	r = (void *)sys(SYS_mremap, (long)p, PG, 8 * PG, 0, 0, 0);
	check_err("mremap grow blocked, no MAYMOVE", (long)r, ENOMEM);
	r = (void *)sys(SYS_mremap, (long)p, PG, 64 * PG, MREMAP_MAYMOVE, 0, 0);
	check("mremap MAYMOVE succeeds", r != MAP_FAILED);
	check("mremap moved", r != p);
	check("moved: contents kept", all_bytes(r, 0x42, PG));
	check("moved: rest zero", all_bytes(r + PG, 0, 63 * PG));
	check("moved: old page gone", !writable(p));
	check("moved: neighbour untouched", all_bytes(p + PG, 0x99, PG));
	sys(SYS_munmap, (long)r, 64 * PG, 0, 0, 0, 0);
	sys(SYS_munmap, (long)(p + PG), PG, 0, 0, 0, 0);

	check_err("mremap unmapped", sys(SYS_mremap, (long)p, PG, 2 * PG, MREMAP_MAYMOVE, 0, 0), EFAULT);
	check_err("mremap unaligned", sys(SYS_mremap, (long)p + 1, PG, 2 * PG, 0, 0, 0), EINVAL);
	check_err("mremap new_len 0", sys(SYS_mremap, (long)p, PG, 0, 0, 0, 0), EINVAL);
	check_err("mremap bad flags", sys(SYS_mremap, (long)p, PG, PG, 0x80, 0, 0), EINVAL);
}

static void test_more(void)
{
	unsigned char *p, *r;
	long ret;

	/* PROT_NONE first, access later: zero pages. */
	p = xmmap(NULL, 2 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS);
	check("mmap PROT_NONE", p != MAP_FAILED);
	check("PROT_NONE not writable", !writable(p));
	check_err("mprotect PROT_NONE -> RW", sys(SYS_mprotect, (long)p, 2 * PG,
						  PROT_READ | PROT_WRITE, 0, 0, 0), 0);
	check("now zero and writable", all_bytes(p, 0, 2 * PG) && writable(p + PG));
	check_err("mprotect add PROT_EXEC", sys(SYS_mprotect, (long)p, PG,
						PROT_READ | PROT_WRITE | PROT_EXEC, 0, 0, 0), 0);

	/* The two halves now differ in protection: two mappings.  mremap
	 * cannot span them; munmap can. */
	ret = sys(SYS_mremap, (long)p, 2 * PG, 4 * PG, MREMAP_MAYMOVE, 0, 0);
	check_err("mremap across two mappings", ret, EFAULT);
	check_err("munmap across two mappings", sys(SYS_munmap, (long)p, 2 * PG, 0, 0, 0, 0), 0);
	check("both gone", !writable(p) && !writable(p + PG));

	/* MAP_FIXED_NOREPLACE on a free range maps there. */
	r = xmmap(p, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE);
	check("MAP_FIXED_NOREPLACE free range", r == p);
	memset(p, 0x21, PG);

	/* MREMAP_FIXED moves to a chosen address, replacing what is there. */
	r = xmmap(NULL, 8 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	memset(r, 0x7e, 8 * PG);
	ret = sys(SYS_mremap, (long)p, PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED,
		  (long)(r + 2 * PG), 0);
	check("MREMAP_FIXED to chosen address", ret == (long)(r + 2 * PG));
	check("MREMAP_FIXED contents moved", all_bytes(r + 2 * PG, 0x21, PG));
	check("MREMAP_FIXED new part zero", all_bytes(r + 3 * PG, 0, PG));
	check("MREMAP_FIXED neighbours kept", all_bytes(r, 0x7e, 2 * PG) &&
	      all_bytes(r + 4 * PG, 0x7e, 4 * PG));
	check("MREMAP_FIXED old place gone", !writable(p));
	ret = sys(SYS_mremap, (long)(r + 2 * PG), PG, PG, MREMAP_FIXED, (long)p, 0);
	check_err("MREMAP_FIXED without MAYMOVE", ret, EINVAL);
	ret = sys(SYS_mremap, (long)r, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED,
		  (long)(r + PG), 0);
	check_err("MREMAP_FIXED overlapping", ret, EINVAL);
	sys(SYS_munmap, (long)r, 8 * PG, 0, 0, 0, 0);

	/* A read-only mapping stays read-only when it grows. */
	p = xmmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS);
	r = (void *)sys(SYS_mremap, (long)p, PG, 16 * PG, MREMAP_MAYMOVE, 0, 0);
	check("mremap read-only grow", r != MAP_FAILED);
	check("grown part read-only", all_bytes(r, 0, 16 * PG) && !writable(r + 15 * PG));
	sys(SYS_munmap, (long)r, 16 * PG, 0, 0, 0, 0);

	/* Flags that change nothing here are accepted. */
	p = xmmap(NULL, 4 * PG, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_POPULATE);
	check("MAP_NORESERVE|MAP_POPULATE", p != MAP_FAILED && all_bytes(p, 0, 4 * PG));
	sys(SYS_munmap, (long)p, 4 * PG, 0, 0, 0, 0);
}

static void test_madvise(void)
{
	unsigned char *p = xmmap(NULL, 4 * PG, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS);

	memset(p, 0x6b, 4 * PG);
	check_err("madvise DONTNEED", sys(SYS_madvise, (long)(p + PG), 2 * PG,
					  MADV_DONTNEED, 0, 0, 0), 0);
	check("DONTNEED pages read zero", all_bytes(p + PG, 0, 2 * PG));
	check("DONTNEED neighbours kept", all_bytes(p, 0x6b, PG) && all_bytes(p + 3 * PG, 0x6b, PG));
	p[PG] = 1;
	check("DONTNEED page writable", p[PG] == 1);
	check_err("madvise WILLNEED", sys(SYS_madvise, (long)p, 4 * PG, MADV_WILLNEED, 0, 0, 0), 0);
	check_err("madvise NORMAL", sys(SYS_madvise, (long)p, 4 * PG, MADV_NORMAL, 0, 0, 0), 0);
	check_err("madvise unaligned", sys(SYS_madvise, (long)p + 1, PG, MADV_NORMAL, 0, 0, 0), EINVAL);
	check_err("madvise bad advice", sys(SYS_madvise, (long)p, PG, 12345, 0, 0, 0), EINVAL);
	sys(SYS_munmap, (long)p, 4 * PG, 0, 0, 0, 0);
	check_err("madvise unmapped", sys(SYS_madvise, (long)p, PG, MADV_DONTNEED, 0, 0, 0), ENOMEM);
}

int main(int argc, char **argv)
{
	static char outbuf[1 << 16];

	probe_init(argc, argv);
	/* A static stdout buffer: printing never moves the break behind the
	 * raw brk calls, which put it back where malloc left it. */
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	test_brk();
	test_sbrk();
	test_malloc();
	test_mmap();
	test_mremap();
	test_more();
	test_madvise();
	return probe_summary("heap");
}
