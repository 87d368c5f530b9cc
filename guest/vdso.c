/* SPDX-License-Identifier: MIT */
/*
 * vdso.c - lstar's vDSO seen from the program (tests/test_vdso.c runs it
 * under lstar only: the time page is lstar's, not Linux's).
 *
 *   vdso elf          AT_SYSINFO_EHDR names an ELF shared object with the
 *                     functions both libcs look up, by name and version
 *                     (LINUX_2.6), found as musl finds them; each works
 *   vdso notrap N     N calls each of clock_gettime (REALTIME, MONOTONIC,
 *                     BOOTTIME), gettimeofday and time through libc, and
 *                     not one exit to the VMM: the time page's seqcount,
 *                     which the VMM bumps after every hypercall, has not
 *                     moved.  Forwarded calls do move it (the control).
 *   vdso agree [N]    the vDSO's clocks against the forwarded system call
 *                     and monotonic over N reads of MONOTONIC and N / 3
 *                     of BOOTTIME (300000); prints "realtime S" and
 *                     "monotonic S" for the test to hold against the
 *                     host's clocks
 *   vdso fallback     with LSTAR_VVAR_TSC cleared (the program may make
 *                     its own page writable) or a writer stuck odd, the
 *                     vDSO makes the real call and gets the right answer
 *   vdso unmap        munmap of the vDSO and its page works, and once the
 *                     page's frame is someone else's, the VMM never
 *                     writes it again (run with --mem 32M)
 *   vdso write-vvar | write-vdso | exec-vvar
 *                     each must end in SIGSEGV
 *
 * Prints a line per failed check (per check with -v as the first
 * argument, before the mode), a summary, and exits 1 if any failed.
 */
#include <elf.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <time.h>

#include "lstar_abi.h"
#include "probe.h"

#define PAGE 4096UL

static const Elf64_Ehdr *eh;		/* the vDSO */
static volatile struct lstar_vvar *vv;	/* its time page */

static int64_t ns(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

/* The vDSO and the page below it, from the auxv; 0 if there is none. */
static int find_vdso(void)
{
	uintptr_t p = getauxval(AT_SYSINFO_EHDR);

	check("AT_SYSINFO_EHDR present", p != 0);
	check("  page aligned", (p & (PAGE - 1)) == 0);
	if (!p)
		return 0;
	eh = (const Elf64_Ehdr *)p;
	vv = (volatile struct lstar_vvar *)(p - LSTAR_VVAR_OFFSET);
	return 1;
}

/* Bytes the vDSO image takes: the whole file, section headers last. */
static size_t vdso_size(void)
{
	size_t end = eh->e_shoff + (size_t)eh->e_shnum * eh->e_shentsize;

	return (end + PAGE - 1) & ~(PAGE - 1);
}

/* --- elf: look the symbols up as musl's __vdsosym does ------------------- */

struct dyn {
	uintptr_t base;
	const char *strings;
	const Elf64_Sym *syms;
	const uint32_t *hash;		/* DT_HASH: nbucket, nchain, ... */
	const uint16_t *versym;
	const Elf64_Verdef *verdef;
	int gnu_hash, soname_ok;
};

static int read_dynamic(struct dyn *d)
{
	const Elf64_Phdr *ph = (const void *)((const char *)eh + eh->e_phoff);
	const Elf64_Dyn *dyn = NULL;
	int loads = 0;

	memset(d, 0, sizeof(*d));
	d->base = (uintptr_t)-1;
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD) {
			d->base = (uintptr_t)eh + ph[i].p_offset - ph[i].p_vaddr;
			loads++;
			check("  PT_LOAD is read+exec, not writable",
			      (ph[i].p_flags & (PF_R | PF_W | PF_X)) == (PF_R | PF_X));
		} else if (ph[i].p_type == PT_DYNAMIC) {
			dyn = (const void *)((const char *)eh + ph[i].p_offset);
		}
	}
	check("  one PT_LOAD", loads == 1);
	check("  a PT_DYNAMIC", dyn != NULL);
	if (!dyn || d->base == (uintptr_t)-1)
		return 0;
	for (; dyn->d_tag != DT_NULL; dyn++) {
		const void *p = (const void *)(d->base + dyn->d_un.d_ptr);

		switch (dyn->d_tag) {
		case DT_STRTAB: d->strings = p; break;
		case DT_SYMTAB: d->syms = p; break;
		case DT_HASH: d->hash = p; break;
		case DT_GNU_HASH: d->gnu_hash = 1; break;
		case DT_VERSYM: d->versym = p; break;
		case DT_VERDEF: d->verdef = p; break;
		case DT_REL: case DT_RELA: case DT_JMPREL: case DT_TEXTREL:
			check("  no relocations", 0);
			break;
		}
	}
	return d->strings && d->syms && d->hash;
}

static int version_is(const struct dyn *d, uint16_t ndx, const char *name)
{
	const Elf64_Verdef *v = d->verdef;

	ndx &= 0x7fff;
	for (;;) {
		if (!(v->vd_flags & VER_FLG_BASE) && (v->vd_ndx & 0x7fff) == ndx) {
			const Elf64_Verdaux *a = (const void *)((const char *)v + v->vd_aux);

			return !strcmp(name, d->strings + a->vda_name);
		}
		if (!v->vd_next)
			return 0;
		v = (const void *)((const char *)v + v->vd_next);
	}
}

static void *lookup(const struct dyn *d, const char *name)
{
	for (uint32_t i = 0; i < d->hash[1]; i++) {
		const Elf64_Sym *s = &d->syms[i];

		if (ELF64_ST_TYPE(s->st_info) != STT_FUNC || !s->st_shndx ||
		    strcmp(name, d->strings + s->st_name))
			continue;
		if (!version_is(d, d->versym[i], "LINUX_2.6"))
			continue;
		return (void *)(d->base + s->st_value);
	}
	return NULL;
}

static void mode_elf(void)
{
	static const char *const names[] = {
		"__vdso_clock_gettime", "__vdso_gettimeofday", "__vdso_time",
		"__vdso_clock_getres", "__vdso_getcpu",
	};
	int (*cgt)(clockid_t, struct timespec *);
	int (*gtod)(struct timeval *, void *);
	time_t (*tm)(time_t *);
	int (*res)(clockid_t, struct timespec *);
	int (*cpu)(unsigned *, unsigned *, void *);
	struct timespec a, b, r;
	struct timeval tv;
	unsigned c = 9, n = 9;
	struct dyn d;
	time_t t;

	if (!find_vdso())
		return;
	check("ELF magic", !memcmp(eh->e_ident, ELFMAG, SELFMAG));
	check("  64-bit, little-endian", eh->e_ident[EI_CLASS] == ELFCLASS64 &&
	      eh->e_ident[EI_DATA] == ELFDATA2LSB);
	check("  ET_DYN, x86-64", eh->e_type == ET_DYN && eh->e_machine == EM_X86_64);
	if (!read_dynamic(&d)) {
		check("DT_STRTAB, DT_SYMTAB, DT_HASH", 0);
		return;
	}
	check("  DT_GNU_HASH too (glibc prefers it)", d.gnu_hash);
	check("  DT_VERSYM and DT_VERDEF", d.versym && d.verdef);
	if (!d.versym || !d.verdef)
		return;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char what[80];

		snprintf(what, sizeof(what), "%s@LINUX_2.6", names[i]);
		check(what, lookup(&d, names[i]) != NULL);
	}
	cgt = lookup(&d, "__vdso_clock_gettime");
	gtod = lookup(&d, "__vdso_gettimeofday");
	tm = lookup(&d, "__vdso_time");
	res = lookup(&d, "__vdso_clock_getres");
	cpu = lookup(&d, "__vdso_getcpu");
	if (!cgt || !gtod || !tm || !res || !cpu)
		return;

	/* Called directly, each agrees with the system call. */
	check("__vdso_clock_gettime(MONOTONIC)", cgt(CLOCK_MONOTONIC, &a) == 0);
	syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &b);
	check("  before the system call's value", ns(&a) <= ns(&b) + 50000);
	check("  nsec in range", a.tv_nsec >= 0 && a.tv_nsec < 1000000000);
	syscall(SYS_clock_gettime, CLOCK_REALTIME, &a);
	check("__vdso_gettimeofday", gtod(&tv, NULL) == 0);
	check("  after the system call's REALTIME",
	      (int64_t)tv.tv_sec * 1000000 + tv.tv_usec + 50 >= ns(&a) / 1000);
	check("__vdso_time", (t = tm(NULL)) >= a.tv_sec && t <= a.tv_sec + 1);
	check("__vdso_clock_getres(MONOTONIC)", res(CLOCK_MONOTONIC, &r) == 0 &&
	      r.tv_sec == 0 && r.tv_nsec > 0 && r.tv_nsec <= 1000);
	check("__vdso_clock_gettime(100) is -EINVAL", cgt(100, &a) == -EINVAL);
	check("__vdso_getcpu: cpu 0, node 0", cpu(&c, &n, NULL) == 0 && c == 0 && n == 0);
	/* The VMM writes the page; it writes nothing there for the program. */
	check_err("clock_gettime into the time page",
		  sys(SYS_clock_gettime, CLOCK_MONOTONIC, (long)vv, 0, 0, 0, 0), EFAULT);
	check_err("read into the vDSO", sys(SYS_read, 0, (long)eh, 16, 0, 0, 0), EFAULT);
	say("tsc %d\n", (vv->flags & LSTAR_VVAR_TSC) != 0);
}

/* --- notrap: no exit to the VMM ------------------------------------------- */

/* Exits to the VMM so far: the VMM re-anchors (seq += 2) after each. */
static uint32_t vmm_exits(void)
{
	return vv->seq / 2;
}

static void mode_notrap(long n)
{
	struct timespec ts;
	struct timeval tv;
	uint32_t s0, s1;
	char what[80];
	int tsc, ok;

	if (!find_vdso())
		return;
	tsc = (vv->flags & LSTAR_VVAR_TSC) != 0;
	say("tsc %d\n", tsc);
#define NOTRAP(name, call)						\
	do {								\
		ok = 1;							\
		s0 = vmm_exits();					\
		for (long i = 0; i < n; i++)				\
			ok &= (call) == 0;				\
		s1 = vmm_exits();					\
		snprintf(what, sizeof(what), "%ld x %s", n, name);	\
		check(what, ok);					\
		say("exits %s %u\n", name, s1 - s0);			\
		if (tsc)						\
			check("  no exit to the VMM", s1 == s0);	\
	} while (0)
	NOTRAP("clock_gettime(REALTIME)", clock_gettime(CLOCK_REALTIME, &ts));
	NOTRAP("clock_gettime(MONOTONIC)", clock_gettime(CLOCK_MONOTONIC, &ts));
	NOTRAP("clock_gettime(BOOTTIME)", clock_gettime(CLOCK_BOOTTIME, &ts));
	NOTRAP("gettimeofday", gettimeofday(&tv, NULL));
	NOTRAP("time", time(NULL) < 0);
#undef NOTRAP

	/* The control: forwarded calls are exits, one each. */
	s0 = vmm_exits();
	for (int i = 0; i < 10; i++)
		syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
	s1 = vmm_exits();
	say("exits syscall %u\n", s1 - s0);
	if (tsc)
		check("10 forwarded clock_gettime: 10 exits", s1 - s0 == 10);
	/* And the clocks the page does not serve go to the system call. */
	s0 = vmm_exits();
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	s1 = vmm_exits();
	if (tsc)
		check("MONOTONIC_COARSE, PROCESS_CPUTIME: system calls", s1 - s0 == 2);
}

/* --- agree: the right time, monotonic --------------------------------------- */

static void mode_agree(long n)
{
	static const struct { clockid_t id; const char *name; } clocks[] = {
		{ CLOCK_REALTIME, "REALTIME" }, { CLOCK_MONOTONIC, "MONOTONIC" },
		{ CLOCK_BOOTTIME, "BOOTTIME" }, { CLOCK_TAI, "TAI" },
	};
	/* The forwarded call takes ~100 us on PVM; the vDSO may be off by far
	 * less than this either way. */
	const int64_t tol = 50000;
	struct timespec a, b, c, r, m;
	struct timeval tv;
	char what[96];
	time_t t;
	int ok;

	if (!find_vdso())
		return;
	for (size_t i = 0; i < sizeof(clocks) / sizeof(clocks[0]); i++) {
		clockid_t id = clocks[i].id;

		ok = clock_gettime(id, &a) == 0;
		ok &= syscall(SYS_clock_gettime, id, &b) == 0;
		ok &= clock_gettime(id, &c) == 0;
		snprintf(what, sizeof(what), "%s: vDSO, system call, vDSO in order", clocks[i].name);
		check(what, ok && ns(&a) <= ns(&b) + tol && ns(&b) <= ns(&c) + tol);
		if (!(ok && ns(&a) <= ns(&b) + tol && ns(&b) <= ns(&c) + tol))
			say("  %lld %lld %lld\n", (long long)ns(&a), (long long)ns(&b),
			    (long long)ns(&c));
	}

	/* Many reads never go back, across re-anchors (the forwarded call
	 * every 10000 reads makes the VMM re-anchor the page). */
	ok = 1;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 1; i <= n; i++) {
		if (i % 10000 == 0)
			syscall(SYS_getppid);
		if (i % 10000 == 5000)
			syscall(SYS_clock_gettime, CLOCK_REALTIME, &r);
		clock_gettime(CLOCK_MONOTONIC, &b);
		if (ns(&b) < ns(&a))
			ok = 0;
		a = b;
	}
	snprintf(what, sizeof(what), "MONOTONIC never goes back over %ld reads", n);
	check(what, ok);
	ok = 1;
	clock_gettime(CLOCK_BOOTTIME, &a);
	for (long i = 1; i <= n / 3; i++) {
		if (i % 10000 == 0)
			syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &r);
		clock_gettime(CLOCK_BOOTTIME, &b);
		if (ns(&b) < ns(&a))
			ok = 0;
		a = b;
	}
	snprintf(what, sizeof(what), "BOOTTIME never goes back over %ld reads", n / 3);
	check(what, ok);

	/* The wall clock three ways. */
	clock_gettime(CLOCK_REALTIME, &a);
	gettimeofday(&tv, NULL);
	t = time(NULL);
	clock_gettime(CLOCK_REALTIME, &c);
	check("gettimeofday between two REALTIME reads",
	      (int64_t)tv.tv_sec * 1000000 + tv.tv_usec >= ns(&a) / 1000 &&
	      (int64_t)tv.tv_sec * 1000000 + tv.tv_usec <= ns(&c) / 1000);
	check("time() between two REALTIME reads", t >= a.tv_sec && t <= c.tv_sec);
	check("clock_getres(MONOTONIC) is 1 ns",
	      clock_getres(CLOCK_MONOTONIC, &r) == 0 && r.tv_sec == 0 && r.tv_nsec == 1);
	errno = 0;
	check("clock_gettime(100) fails with EINVAL",
	      clock_gettime(100, &a) == -1 && errno == EINVAL);

	/* For the test to compare with the host's clocks. */
	clock_gettime(CLOCK_REALTIME, &r);
	clock_gettime(CLOCK_MONOTONIC, &m);
	say("realtime %lld.%09ld\n", (long long)r.tv_sec, r.tv_nsec);
	say("monotonic %lld.%09ld\n", (long long)m.tv_sec, m.tv_nsec);
}

/* --- fallback: no TSC, or a writer that never finishes ------------------------ */

static void mode_fallback(void)
{
	struct timespec a, b;
	uint32_t s0, s1;
	int tsc;

	if (!find_vdso())
		return;
	/* Without a usable TSC the VMM leaves the page alone: only the
	 * answers can be checked then, not the exits. */
	tsc = (vv->flags & LSTAR_VVAR_TSC) != 0;
	say("tsc %d\n", tsc);
	/* Linux refuses this for its vvar; lstar lets the program break its
	 * own clock, and nothing else. */
	check_err("mprotect(vvar, READ|WRITE)",
		  mprotect((void *)vv, PAGE, PROT_READ | PROT_WRITE), 0);

	/* No TSC: the vDSO makes the system call (one exit, and the VMM's
	 * re-anchor sets the flag again). */
	vv->flags = 0;
	s0 = vmm_exits();
	check("clock_gettime(MONOTONIC) without the TSC flag",
	      clock_gettime(CLOCK_MONOTONIC, &a) == 0);
	syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &b);
	s1 = vmm_exits();
	if (tsc)
		check("  went to the system call", s1 - s0 == 2);
	check("  the right time", ns(&a) <= ns(&b) && ns(&b) - ns(&a) < 1000000000);
	vv->flags = 0;
	check("gettimeofday without the TSC flag", gettimeofday(&(struct timeval){ 0 }, NULL) == 0);
	vv->flags = 0;
	check("time without the TSC flag", time(NULL) > 1577836800);

	/* A writer stuck mid-update: the vDSO gives up waiting and makes
	 * the call; the VMM's next update leaves seq even again. */
	vv->seq |= 1;
	s0 = vv->seq;
	check("clock_gettime(REALTIME) with seq stuck odd",
	      clock_gettime(CLOCK_REALTIME, &a) == 0);
	syscall(SYS_clock_gettime, CLOCK_REALTIME, &b);
	check("  the right time", ns(&a) <= ns(&b) && ns(&b) - ns(&a) < 1000000000);
	if (tsc) {
		check("  the VMM left seq even", (vv->seq & 1) == 0 && vv->seq != s0);
		check("  and the TSC on", (vv->flags & LSTAR_VVAR_TSC) != 0);
	}
}

/* --- unmap: the frame is the program's now ------------------------------------ */

#define PATTERN 0x5a

static void mode_unmap(void)
{
	struct timespec ts;
	void *big, *chunks[16384];
	size_t sizes[16384];
	int n = 0, bad = 0;
	size_t len;

	if (!find_vdso())
		return;
	len = LSTAR_VVAR_OFFSET + vdso_size();
	/* Freed frames are reused last-freed first: free a megabyte, then
	 * the vDSO's frames on top of it. */
	big = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check("mmap 1 MiB", big != MAP_FAILED);
	memset(big, 1, 1 << 20);
	munmap(big, 1 << 20);
	check_err("munmap(vvar and vDSO)", munmap((void *)vv, len), 0);

	/* Take every page there is: the fresh ones, then (after the shim's
	 * rezeroing hypercall) the freed ones, the vDSO's frames first. */
	for (size_t sz = 1 << 20; sz >= PAGE; sz /= 16) {
		while (n < 16384) {
			void *p = mmap(NULL, sz, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (p == MAP_FAILED)
				break;
			for (size_t off = 0; off < sz; off += PAGE)
				memset((char *)p + off, PATTERN, 128);
			chunks[n] = p;
			sizes[n++] = sz;
		}
	}
	check("memory exhausted (ENOMEM)", errno == ENOMEM);
	/* Exits, each of which would once have re-anchored the time page. */
	for (int i = 0; i < 20; i++)
		syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
	for (int i = 0; i < n; i++)
		for (size_t off = 0; off < sizes[i]; off += PAGE)
			for (int j = 0; j < 128; j++)
				bad += ((unsigned char *)chunks[i])[off + j] != PATTERN;
	check("no byte of the program's memory changed", bad == 0);
	if (bad)
		say("  %d bytes changed\n", bad);
}

int main(int argc, char **argv)
{
	const char *mode;
	int k;

	probe_init(argc, argv);
	k = verbose ? 2 : 1;
	mode = argc > k ? argv[k] : "elf";
	if (!strcmp(mode, "elf")) {
		mode_elf();
	} else if (!strcmp(mode, "notrap")) {
		mode_notrap(argc > k + 1 ? atol(argv[k + 1]) : 100000);
	} else if (!strcmp(mode, "agree")) {
		mode_agree(argc > k + 1 ? atol(argv[k + 1]) : 300000);
	} else if (!strcmp(mode, "fallback")) {
		mode_fallback();
	} else if (!strcmp(mode, "unmap")) {
		mode_unmap();
	} else if (!strcmp(mode, "write-vvar")) {
		if (find_vdso())
			vv->seq = 2;
		say("wrote the time page\n");
	} else if (!strcmp(mode, "write-vdso")) {
		if (find_vdso())
			*(volatile char *)eh = 0;
		say("wrote the vDSO\n");
	} else if (!strcmp(mode, "exec-vvar")) {
		if (find_vdso())
			((void (*)(void))(uintptr_t)vv)();
		say("ran the time page\n");
	} else {
		say("vdso: unknown mode %s\n", mode);
		return 2;
	}
	return probe_summary("vdso");
}
