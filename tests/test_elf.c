/* SPDX-License-Identifier: MIT */
/*
 * test_elf.c - the ELF checks: real static programs are accepted; every
 * kind of bad file is refused with a reason that names the problem.
 * Bad files are made by damaging a copy of a good one (build/guest/
 * args.musl unless said otherwise): Elf64_Ehdr and Elf64_Phdr fields are
 * patched in place, segments found by type and flags, never by index.
 * Every parse is made twice, from the bytes in memory and from a file of
 * them (as lstar reads a program), and the two must agree to the word;
 * the load reads segments from the file straight into guest memory.
 */
#include <elf.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tests.h"
#include "vmm.h"

#define PAGE	4096ULL

static char *slurp(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc(n);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, n, f), (size_t)n);
	fclose(f);
	*size = n;
	return buf;
}

/* A damageable copy of a guest program. */
struct file {
	char *buf;
	size_t size;
};

static void load(struct file *f, const char *name)
{
	f->buf = slurp(guest_path(name), &f->size);
	ck_assert_uint_ge(f->size, sizeof(Elf64_Ehdr));
}

static Elf64_Ehdr *ehdr(const struct file *f)
{
	return (Elf64_Ehdr *)f->buf;
}

static Elf64_Phdr *phdr(const struct file *f, int i)
{
	return (Elf64_Phdr *)(f->buf + ehdr(f)->e_phoff) + i;
}

/* The n-th program header of type (and, if flags, with those flags). */
static Elf64_Phdr *find(const struct file *f, uint32_t type, uint32_t flags,
			int n)
{
	for (int i = 0; i < ehdr(f)->e_phnum; i++) {
		Elf64_Phdr *ph = phdr(f, i);

		if (ph->p_type == type && (ph->p_flags & flags) == flags &&
		    n-- == 0)
			return ph;
	}
	ck_abort_msg("no program header of type %u flags %u", type, flags);
	return NULL;
}

static Elf64_Phdr *nth_load(const struct file *f, int n)
{
	return find(f, PT_LOAD, 0, n);
}

static Elf64_Phdr *exec_load(const struct file *f)
{
	return find(f, PT_LOAD, PF_X, 0);
}

static Elf64_Phdr *last_load(const struct file *f)
{
	Elf64_Phdr *last = NULL;

	for (int i = 0; i < ehdr(f)->e_phnum; i++)
		if (phdr(f, i)->p_type == PT_LOAD)
			last = phdr(f, i);
	ck_assert_ptr_nonnull(last);
	return last;
}

/* A program header that no check cares about, free to be rewritten. */
static Elf64_Phdr *spare(const struct file *f)
{
	for (int i = 0; i < ehdr(f)->e_phnum; i++)
		if (phdr(f, i)->p_type == PT_GNU_RELRO ||
		    phdr(f, i)->p_type == PT_NOTE ||
		    phdr(f, i)->p_type == PT_GNU_PROPERTY)
			return phdr(f, i);
	ck_abort_msg("no spare program header");
	return NULL;
}

/* Append n bytes of p to the file; returns their offset.  The file may
 * move: pointers into it are stale afterwards. */
static uint64_t append(struct file *f, const void *p, size_t n)
{
	uint64_t off = f->size;

	f->buf = realloc(f->buf, f->size + n);
	ck_assert_ptr_nonnull(f->buf);
	memcpy(f->buf + off, p, n);
	f->size += n;
	return off;
}

/*
 * Move the program headers to the end of the file, with room for extra
 * more entries (PT_NULL) and a PT_PHDR, so AT_PHDR still has a value.
 * Returns the index of the first extra entry.
 */
static int grow_phdrs(struct file *f, int extra)
{
	int old = ehdr(f)->e_phnum, n = old + extra + 1;
	Elf64_Phdr *tab = calloc(n, sizeof(*tab));
	uint64_t off;

	ck_assert_ptr_nonnull(tab);
	memcpy(tab, phdr(f, 0), old * sizeof(*tab));
	tab[n - 1].p_type = PT_PHDR;
	tab[n - 1].p_flags = PF_R;
	tab[n - 1].p_vaddr = nth_load(f, 0)->p_vaddr + 0x40;
	while (f->size % 8)
		append(f, "", 1);
	off = append(f, tab, n * sizeof(*tab));
	free(tab);
	ehdr(f)->e_phoff = off;
	ehdr(f)->e_phnum = n;
	return old;
}

/* A file (a memfd) holding size bytes of buf. */
static int file_of(const void *buf, size_t size)
{
	int fd = memfd_create("elf", MFD_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, buf, size), (ssize_t)size);
	return fd;
}

/* vmm_elf_parse, and vmm_elf_parse_fd on fd, a file of the same bytes:
 * they must agree, on the description or on the reason. */
static int parse_both(const void *buf, size_t size, int fd, struct vmm_elf *e, char *err,
		      size_t errlen)
{
	static struct vmm_elf by_fd;
	char why[256];
	int ret;

	ck_assert_uint_le(errlen, sizeof(why));
	strcpy(why, "unset");
	ret = vmm_elf_parse(buf, size, e, err, errlen);
	ck_assert_int_eq(vmm_elf_parse_fd(fd, size, &by_fd, why, errlen), ret);
	if (ret == 0)
		ck_assert_msg(!memcmp(&by_fd, e, sizeof(*e)), "described differently from a file");
	else
		ck_assert_msg(!strncmp(why, err, errlen), "from a file: \"%s\", not \"%s\"", why, err);
	return ret;
}

static int parse(const void *buf, size_t size, struct vmm_elf *e, char *err, size_t errlen)
{
	int fd = file_of(buf, size), ret = parse_both(buf, size, fd, e, err, errlen);

	close(fd);
	return ret;
}

static void accepted(const struct file *f, struct vmm_elf *e)
{
	char err[256] = "";

	ck_assert_msg(parse(f->buf, f->size, e, err, sizeof(err)) == 0,
		      "refused: %s", err);
}

/*
 * What a parse result promises whatever the file: segments sorted,
 * disjoint and in user space, lo/hi page-aligned around them, the entry
 * in an executable segment.
 */
static void check_invariants(const struct vmm_elf *e)
{
	bool entry_ok = false;

	ck_assert_int_gt(e->nsegs, 0);
	ck_assert_int_le(e->nsegs, VMM_ELF_MAX_SEGMENTS);
	ck_assert_uint_eq(e->lo % PAGE, 0);
	ck_assert_uint_eq(e->hi % PAGE, 0);
	ck_assert_uint_lt(e->lo, e->hi);
	ck_assert_uint_le(e->hi, LSTAR_USER_TOP);
	for (int i = 0; i < e->nsegs; i++) {
		const struct vmm_elf_segment *s = &e->segs[i];

		ck_assert_uint_gt(s->memsz, 0);
		ck_assert_uint_le(s->filesz, s->memsz);
		ck_assert_uint_ge(s->vaddr, e->lo);
		ck_assert_uint_lt(s->vaddr, LSTAR_USER_TOP);
		ck_assert_uint_le(s->memsz, e->hi - s->vaddr);
		ck_assert_uint_eq((s->vaddr - s->offset) % PAGE, 0);
		if (i > 0)
			ck_assert_uint_ge(s->vaddr, e->segs[i - 1].vaddr +
						    e->segs[i - 1].memsz);
		if ((s->prot & PROT_EXEC) && e->entry >= s->vaddr &&
		    e->entry - s->vaddr < s->memsz)
			entry_ok = true;
	}
	ck_assert_uint_eq(e->lo, e->segs[0].vaddr & ~(PAGE - 1));
	ck_assert_msg(entry_ok, "entry 0x%llx not in an executable segment",
		      (unsigned long long)e->entry);
	ck_assert_uint_ne(e->phdr_vaddr, 0);
}

/* --- good files ------------------------------------------------------------ */

static const char *const good[] = { "args.musl", "args.glibc", "args.pie" };

START_TEST(accepts_static_programs)
{
	struct file f;
	struct vmm_elf e;
	char err[256] = "";

	load(&f, good[_i]);
	ck_assert_msg(parse(f.buf, f.size, &e, err, sizeof(err)) == 0,
		      "%s: %s", good[_i], err);
	ck_assert_int_gt(e.nsegs, 0);
	ck_assert_int_eq(e.pie, _i == 2);
	ck_assert_uint_ne(e.phdr_vaddr, 0);
	free(f.buf);
}
END_TEST

/* The description matches the file: one segment per non-empty PT_LOAD,
 * in order, with its fields and permissions; header values copied. */
START_TEST(describes_static_programs)
{
	struct file f;
	struct vmm_elf e;
	int n = 0;

	load(&f, good[_i]);
	accepted(&f, &e);
	check_invariants(&e);
	ck_assert_uint_eq(e.entry, ehdr(&f)->e_entry);
	ck_assert_uint_eq(e.phnum, ehdr(&f)->e_phnum);
	ck_assert_uint_eq(e.phentsize, sizeof(Elf64_Phdr));
	ck_assert(!e.exec_stack);
	for (int i = 0; i < ehdr(&f)->e_phnum; i++) {
		const Elf64_Phdr *ph = phdr(&f, i);
		const struct vmm_elf_segment *s = &e.segs[n];
		uint32_t prot = ((ph->p_flags & PF_R) ? PROT_READ : 0) |
				((ph->p_flags & PF_W) ? PROT_WRITE : 0) |
				((ph->p_flags & PF_X) ? PROT_EXEC : 0);

		if (ph->p_type != PT_LOAD || ph->p_memsz == 0)
			continue;
		ck_assert_int_lt(n, e.nsegs);
		ck_assert_uint_eq(s->vaddr, ph->p_vaddr);
		ck_assert_uint_eq(s->memsz, ph->p_memsz);
		ck_assert_uint_eq(s->offset, ph->p_offset);
		ck_assert_uint_eq(s->filesz, ph->p_filesz);
		ck_assert_uint_eq(s->prot, prot);
		n++;
	}
	ck_assert_int_eq(n, e.nsegs);
	ck_assert_uint_eq(e.hi, (e.segs[n - 1].vaddr + e.segs[n - 1].memsz +
				 PAGE - 1) & ~(PAGE - 1));
	/* These have no PT_PHDR: AT_PHDR is where e_phoff lands in the first
	 * segment, which maps the start of the file. */
	ck_assert_uint_eq(e.segs[0].offset, 0);
	ck_assert_uint_eq(e.phdr_vaddr, e.segs[0].vaddr + ehdr(&f)->e_phoff);
	if (e.pie)
		ck_assert_uint_eq(e.lo, 0);
	else
		ck_assert_uint_ge(e.lo, 0x10000);
	free(f.buf);
}
END_TEST

/* PT_PHDR, when present, gives AT_PHDR; PT_GNU_STACK with PF_X is seen. */
START_TEST(phdr_and_exec_stack)
{
	struct file f;
	struct vmm_elf e;
	Elf64_Phdr *ph;

	load(&f, "args.musl");
	ph = spare(&f);
	ph->p_type = PT_PHDR;
	ph->p_vaddr = nth_load(&f, 0)->p_vaddr + 0x40;
	find(&f, PT_GNU_STACK, 0, 0)->p_flags |= PF_X;
	accepted(&f, &e);
	ck_assert_uint_eq(e.phdr_vaddr, nth_load(&f, 0)->p_vaddr + 0x40);
	ck_assert(e.exec_stack);
	free(f.buf);
}
END_TEST

/* The edges that are still inside: the last byte of the executable
 * segment as entry; a PT_TLS image ending exactly at its segment's end;
 * exactly VMM_ELF_MAX_SEGMENTS segments; PT_LOADs with memsz 0 ignored. */
START_TEST(accepts_edges)
{
	struct file f;
	struct vmm_elf e;
	Elf64_Phdr *x, *last, *ph;
	int first, nload = 0;

	load(&f, "args.musl");
	x = exec_load(&f);
	ehdr(&f)->e_entry = x->p_vaddr + x->p_memsz - 1;
	last = last_load(&f);
	ph = spare(&f);
	ph->p_type = PT_TLS;
	ph->p_vaddr = last->p_vaddr + last->p_memsz - 16;
	ph->p_filesz = 16;
	ph->p_memsz = 64;
	ph->p_align = 8;
	accepted(&f, &e);
	ck_assert_uint_eq(e.entry, x->p_vaddr + x->p_memsz - 1);

	for (int i = 0; i < ehdr(&f)->e_phnum; i++)
		nload += phdr(&f, i)->p_type == PT_LOAD;
	first = grow_phdrs(&f, VMM_ELF_MAX_SEGMENTS - nload + 1);
	for (int i = 0; i <= VMM_ELF_MAX_SEGMENTS - nload; i++) {
		ph = phdr(&f, first + i);
		ph->p_type = PT_LOAD;
		ph->p_flags = PF_R;
		ph->p_vaddr = 0x10000000 + i * PAGE;
		ph->p_memsz = i == 0 ? 0 : PAGE;	/* the first is empty */
	}
	accepted(&f, &e);
	ck_assert_int_eq(e.nsegs, VMM_ELF_MAX_SEGMENTS);
	ck_assert_uint_eq(e.hi, 0x10000000 + (VMM_ELF_MAX_SEGMENTS - nload + 1) * PAGE);
	free(f.buf);
}
END_TEST

/* --- bad files ------------------------------------------------------------- */

/*
 * One way of damaging a file, the file it damages, and what the reason
 * must say: phrase, and phrase2 if set.  "a|b" accepts either: where
 * libelf refuses before elf.c's own check, its wording comes through.
 */
struct damage {
	const char *what;
	const char *file;
	void (*fn)(struct file *f);
	const char *phrase, *phrase2;
};

static void cut_in_ident(struct file *f)
{
	f->size = EI_NIDENT - 1;
}

static void cut_after_ident(struct file *f)
{
	f->size = EI_NIDENT + 4;
}

static void cut_in_ehdr(struct file *f)
{
	f->size = sizeof(Elf64_Ehdr) - 1;
}

static void cut_in_phdrs(struct file *f)
{
	f->size = ehdr(f)->e_phoff + 2 * sizeof(Elf64_Phdr) + 3;
}

static void cut_in_segment(struct file *f)
{
	const Elf64_Phdr *x = exec_load(f);

	f->size = x->p_offset + x->p_filesz / 2;
}

static void cut_in_last_segment(struct file *f)
{
	const Elf64_Phdr *l = last_load(f);

	f->size = l->p_offset + l->p_filesz - 1;
}

static void class32(struct file *f)
{
	f->buf[EI_CLASS] = ELFCLASS32;
}

static void class_none(struct file *f)
{
	f->buf[EI_CLASS] = ELFCLASSNONE;
}

static void big_endian(struct file *f)
{
	f->buf[EI_DATA] = ELFDATA2MSB;
}

static void machine_aarch64(struct file *f)
{
	ehdr(f)->e_machine = EM_AARCH64;
}

static void machine_386(struct file *f)
{
	ehdr(f)->e_machine = EM_386;
}

static void type_rel(struct file *f)
{
	ehdr(f)->e_type = ET_REL;
}

static void type_core(struct file *f)
{
	ehdr(f)->e_type = ET_CORE;
}

static void type_none(struct file *f)
{
	ehdr(f)->e_type = ET_NONE;
}

static const char interp_path[] = "/lib/ld-musl-x86_64.so.1";

static void interp(struct file *f)
{
	uint64_t off = append(f, interp_path, sizeof(interp_path));
	Elf64_Phdr *ph = spare(f);	/* after append: it moves the file */

	ph->p_type = PT_INTERP;
	ph->p_offset = off;
	ph->p_filesz = sizeof(interp_path);
	ph->p_memsz = sizeof(interp_path);
}

/* The interpreter's name runs past the end of the file: still refused,
 * without reading it. */
static void interp_past_end(struct file *f)
{
	Elf64_Phdr *ph = spare(f);

	ph->p_type = PT_INTERP;
	ph->p_offset = f->size - 4;
	ph->p_filesz = UINT64_MAX;
}

/* A name of n bytes, all 'a' with a NUL last (or not, or one inside). */
static void interp_sized(struct file *f, size_t n, bool nul_last, bool nul_inside)
{
	char *name = malloc(n);
	uint64_t off;
	Elf64_Phdr *ph;

	ck_assert_ptr_nonnull(name);
	memset(name, 'a', n);
	name[0] = '/';
	if (nul_last)
		name[n - 1] = '\0';
	if (nul_inside)
		name[n / 2] = '\0';
	off = append(f, name, n);
	free(name);
	ph = spare(f);
	ph->p_type = PT_INTERP;
	ph->p_offset = off;
	ph->p_filesz = ph->p_memsz = n;
}

/* Longer than PATH_MAX with its NUL. */
static void interp_too_long(struct file *f)
{
	interp_sized(f, 4097, true, false);
}

static void interp_no_nul(struct file *f)
{
	interp_sized(f, 32, false, false);
}

/* A NUL before the end: the name said would not be the name opened. */
static void interp_nul_inside(struct file *f)
{
	interp_sized(f, 32, true, true);
}

/* Just the NUL: no name at all. */
static void interp_empty(struct file *f)
{
	interp_sized(f, 1, true, false);
}

/* A second PT_INTERP, in PT_GNU_STACK's header. */
static void interp_twice(struct file *f)
{
	interp(f);
	*find(f, PT_GNU_STACK, 0, 0) = *find(f, PT_INTERP, 0, 0);
}

static void no_phdrs(struct file *f)
{
	ehdr(f)->e_phnum = 0;
}

static void phnum_xnum(struct file *f)
{
	ehdr(f)->e_phnum = PN_XNUM;
}

static void phnum_past_linux(struct file *f)
{
	ehdr(f)->e_phnum = 65536 / sizeof(Elf64_Phdr) + 1;
}

static void phentsize(struct file *f)
{
	ehdr(f)->e_phentsize = sizeof(Elf64_Phdr) + 8;
}

static void phoff_past_end(struct file *f)
{
	ehdr(f)->e_phoff = f->size - sizeof(Elf64_Phdr);
}

static void phoff_absurd(struct file *f)
{
	ehdr(f)->e_phoff = UINT64_MAX - 16;
}

static void no_load(struct file *f)
{
	for (int i = 0; i < ehdr(f)->e_phnum; i++)
		if (phdr(f, i)->p_type == PT_LOAD)
			phdr(f, i)->p_type = PT_NULL;
}

static void all_loads_empty(struct file *f)
{
	for (int i = 0; i < ehdr(f)->e_phnum; i++)
		if (phdr(f, i)->p_type == PT_LOAD)
			phdr(f, i)->p_memsz = phdr(f, i)->p_filesz = 0;
}

/* One PT_LOAD more than fits. */
static void too_many_loads(struct file *f)
{
	int nload = 0, first, extra;

	for (int i = 0; i < ehdr(f)->e_phnum; i++)
		nload += phdr(f, i)->p_type == PT_LOAD;
	extra = VMM_ELF_MAX_SEGMENTS + 1 - nload;
	first = grow_phdrs(f, extra);
	for (int i = 0; i < extra; i++) {
		Elf64_Phdr *ph = phdr(f, first + i);

		ph->p_type = PT_LOAD;
		ph->p_flags = PF_R;
		ph->p_vaddr = 0x10000000 + i * PAGE;
		ph->p_memsz = PAGE;
	}
}

/* The next segment starts in the middle of the executable one. */
static void overlap(struct file *f)
{
	Elf64_Phdr *x = exec_load(f), *next = x + 1;

	ck_assert_uint_eq(next->p_type, PT_LOAD);
	next->p_vaddr = ((x->p_vaddr + x->p_memsz - 1) & ~(PAGE - 1)) +
			next->p_offset % PAGE;
}

/* Same address range twice. */
static void duplicate(struct file *f)
{
	Elf64_Phdr *x = exec_load(f);

	x[1] = x[0];
}

static void unsorted(struct file *f)
{
	Elf64_Phdr *x = exec_load(f), t = x[0];

	x[0] = x[1];
	x[1] = t;
}

static void filesz_gt_memsz(struct file *f)
{
	Elf64_Phdr *l = last_load(f);

	l->p_filesz = l->p_memsz + 1;
}

static void seg_past_end(struct file *f)
{
	Elf64_Phdr *l = last_load(f);

	l->p_offset = f->size + (l->p_vaddr % PAGE);
	l->p_offset += PAGE;
}

static void seg_offset_absurd(struct file *f)
{
	Elf64_Phdr *l = last_load(f);

	l->p_offset = UINT64_MAX - PAGE + 1 + l->p_vaddr % PAGE;
}

static void filesz_absurd(struct file *f)
{
	Elf64_Phdr *l = last_load(f);

	l->p_filesz = l->p_memsz = 0xffffffffffff0000ULL;
}

static void memsz_absurd(struct file *f)
{
	last_load(f)->p_memsz = 0xffffffffffff0000ULL;
}

static void memsz_max(struct file *f)
{
	last_load(f)->p_memsz = UINT64_MAX;
}

/* One byte past the top of user space. */
static void memsz_past_top(struct file *f)
{
	Elf64_Phdr *l = last_load(f);

	l->p_memsz = LSTAR_USER_TOP - l->p_vaddr + 1;
}

static void vaddr_at_top(struct file *f)
{
	Elf64_Phdr *l = last_load(f);

	l->p_vaddr = LSTAR_USER_TOP + l->p_offset % PAGE;
}

static void vaddr_kernel(struct file *f)
{
	Elf64_Phdr *l = last_load(f);

	l->p_vaddr = 0xffffffff80000000ULL + l->p_offset % PAGE;
}

/* Ends exactly at the top of user space: inside, but too far from the
 * rest of the image. */
static void span_to_top(struct file *f)
{
	Elf64_Phdr *l = last_load(f);

	l->p_memsz = LSTAR_USER_TOP - l->p_vaddr;
}

static void span_absurd(struct file *f)
{
	Elf64_Phdr *l = last_load(f);

	l->p_vaddr += 1ULL << 40;
}

static void incongruent(struct file *f)
{
	exec_load(f)->p_vaddr += 0x10;
}

static void below_64k(struct file *f)
{
	uint64_t shift = nth_load(f, 0)->p_vaddr - 0x1000;

	for (int i = 0; i < ehdr(f)->e_phnum; i++)
		if (phdr(f, i)->p_type == PT_LOAD)
			phdr(f, i)->p_vaddr -= shift;
	ehdr(f)->e_entry -= shift;
}

static void pie_not_at_0(struct file *f)
{
	for (int i = 0; i < ehdr(f)->e_phnum; i++)
		if (phdr(f, i)->p_type == PT_LOAD)
			phdr(f, i)->p_vaddr += 0x10000;
	ehdr(f)->e_entry += 0x10000;
}

/* A static-PIE whose PT_DYNAMIC names a library. */
static void pie_needed(struct file *f)
{
	Elf64_Phdr *dyn = find(f, PT_DYNAMIC, 0, 0);
	Elf64_Dyn *d = (Elf64_Dyn *)(f->buf + dyn->p_offset);

	d->d_tag = DT_NEEDED;
	d->d_un.d_val = 1;
}

/* The same, with no section headers at all: the check must read the
 * PT_DYNAMIC segment, not a section. */
static void pie_needed_no_sections(struct file *f)
{
	pie_needed(f);
	ehdr(f)->e_shoff = 0;
	ehdr(f)->e_shnum = 0;
	ehdr(f)->e_shstrndx = 0;
}

/* An ET_EXEC with a PT_DYNAMIC naming a library is no static program. */
static void exec_needed(struct file *f)
{
	Elf64_Dyn d[2] = { { DT_NEEDED, { 1 } }, { DT_NULL, { 0 } } };
	uint64_t off = append(f, d, sizeof(d));	/* moves the file */
	Elf64_Phdr *ph = spare(f);

	ph->p_type = PT_DYNAMIC;
	ph->p_offset = off;
	ph->p_filesz = ph->p_memsz = sizeof(d);
	ph->p_vaddr = 0;
}

static void entry_in_rodata(struct file *f)
{
	ehdr(f)->e_entry = nth_load(f, 0)->p_vaddr;
}

static void entry_past_code(struct file *f)
{
	const Elf64_Phdr *x = exec_load(f);

	ehdr(f)->e_entry = x->p_vaddr + x->p_memsz;
}

static void entry_zero(struct file *f)
{
	ehdr(f)->e_entry = 0;
}

static void entry_kernel(struct file *f)
{
	ehdr(f)->e_entry = 0xffffffff80000000ULL;
}

/* Make the spare header a PT_TLS in the writable segment. */
static Elf64_Phdr *tls(struct file *f)
{
	Elf64_Phdr *ph = spare(f), *l = last_load(f);

	ph->p_type = PT_TLS;
	ph->p_vaddr = l->p_vaddr;
	ph->p_offset = l->p_offset;
	ph->p_filesz = 16;
	ph->p_memsz = 32;
	ph->p_align = 8;
	return ph;
}

static void tls_filesz_gt_memsz(struct file *f)
{
	Elf64_Phdr *ph = tls(f);

	ph->p_memsz = ph->p_filesz - 1;
}

static void tls_outside(struct file *f)
{
	tls(f)->p_vaddr = 0x10000000;
}

static void tls_below(struct file *f)
{
	tls(f)->p_vaddr = nth_load(f, 0)->p_vaddr - 16;
}

static void tls_straddles_end(struct file *f)
{
	Elf64_Phdr *l = last_load(f);

	tls(f)->p_vaddr = l->p_vaddr + l->p_memsz - 8;
}

static void tls_absurd(struct file *f)
{
	Elf64_Phdr *ph = tls(f);

	ph->p_filesz = ph->p_memsz = UINT64_MAX;
}

static void tls_align(struct file *f)
{
	tls(f)->p_align = 24;
}

/* The first segment no longer holds the program headers. */
static void phdrs_unmapped(struct file *f)
{
	nth_load(f, 0)->p_filesz = ehdr(f)->e_phoff;
}

/* A dynamic program (ET_EXEC or ET_DYN): PT_INTERP's name is read whole,
 * DT_NEEDED is then fine; a static one has none. */
START_TEST(describes_dynamic_programs)
{
	struct file f;
	struct vmm_elf e;

	load(&f, _i ? "args.pie" : "args.musl");
	accepted(&f, &e);
	ck_assert_str_eq(e.interp, "");
	interp(&f);
	if (_i)
		pie_needed(&f);
	accepted(&f, &e);
	check_invariants(&e);
	ck_assert_str_eq(e.interp, interp_path);
	ck_assert_int_eq(e.pie, _i);
	free(f.buf);
	/* The longest name Linux takes: PATH_MAX with its NUL. */
	load(&f, "args.musl");
	interp_sized(&f, 4096, true, false);
	accepted(&f, &e);
	ck_assert_uint_eq(strlen(e.interp), 4095);
	free(f.buf);
}
END_TEST

/* A PT_DYNAMIC that runs past the end of the file is no list of
 * libraries (the loader checks what it must load): a DT_NEEDED at its
 * start does not make a static program dynamic. */
START_TEST(dynamic_past_the_end_names_no_library)
{
	struct file f;
	struct vmm_elf e;

	static const char tail[4096];

	load(&f, "args.musl");
	exec_needed(&f);
	append(&f, tail, sizeof(tail));	/* what follows is in the file */
	find(&f, PT_DYNAMIC, 0, 0)->p_filesz += sizeof(tail) + (1 << 20);
	accepted(&f, &e);
	ck_assert_str_eq(e.interp, "");
	free(f.buf);
}
END_TEST

static const struct damage damages[] = {
	{ "cut in e_ident", "args.musl", cut_in_ident, "ELF", NULL },
	{ "cut after e_ident", "args.musl", cut_after_ident, "truncated|invalid ELF", NULL },
	{ "cut in ELF header", "args.musl", cut_in_ehdr, "truncated|invalid ELF", NULL },
	{ "cut in program headers", "args.musl", cut_in_phdrs, "program header", NULL },
	{ "cut in code", "args.musl", cut_in_segment, "truncated", NULL },
	{ "cut in data", "args.glibc", cut_in_last_segment, "truncated", NULL },
	{ "ELFCLASS32", "args.musl", class32, "64-bit", NULL },
	{ "ELFCLASSNONE", "args.musl", class_none, "not an ELF file", NULL },
	{ "big-endian", "args.musl", big_endian, "x86-64", NULL },
	{ "EM_AARCH64", "args.musl", machine_aarch64, "not an x86-64 program", "183" },
	{ "EM_386", "args.musl", machine_386, "not an x86-64 program", "3)" },
	{ "ET_REL", "args.musl", type_rel, "not an executable", "type 1" },
	{ "ET_CORE", "args.musl", type_core, "not an executable", "type 4" },
	{ "ET_NONE", "args.musl", type_none, "not an executable", "type 0" },
	{ "PT_INTERP past the end", "args.musl", interp_past_end, "truncated", "PT_INTERP" },
	{ "PT_INTERP too long", "args.musl", interp_too_long, "bad PT_INTERP", "4097 bytes" },
	{ "PT_INTERP empty", "args.musl", interp_empty, "bad PT_INTERP", "1 bytes" },
	{ "PT_INTERP not NUL-terminated", "args.musl", interp_no_nul, "bad PT_INTERP", "NUL-terminated" },
	{ "PT_INTERP with a NUL inside", "args.pie", interp_nul_inside, "bad PT_INTERP", "NUL-terminated" },
	{ "two PT_INTERPs", "args.musl", interp_twice, "more than one PT_INTERP", NULL },
	{ "e_phnum 0", "args.musl", no_phdrs, "no program headers", NULL },
	{ "e_phnum PN_XNUM", "args.musl", phnum_xnum, "too many program headers", NULL },
	{ "e_phnum 1171", "args.musl", phnum_past_linux, "too many program headers", "1170" },
	{ "e_phentsize", "args.musl", phentsize, "program header size", NULL },
	{ "e_phoff past the end", "args.musl", phoff_past_end, "program header", NULL },
	{ "e_phoff absurd", "args.musl", phoff_absurd, "program header", NULL },
	{ "no PT_LOAD", "args.musl", no_load, "no loadable segments", NULL },
	{ "only empty PT_LOADs", "args.musl", all_loads_empty, "no loadable segments", NULL },
	{ "too many PT_LOADs", "args.musl", too_many_loads, "more than 14 loadable segments", NULL },
	{ "overlapping PT_LOADs", "args.musl", overlap, "overlaps", NULL },
	{ "duplicate PT_LOAD", "args.musl", duplicate, "overlaps", NULL },
	{ "unsorted PT_LOADs", "args.musl", unsorted, "precedes", NULL },
	{ "filesz > memsz", "args.musl", filesz_gt_memsz, "file size exceeds memory size", NULL },
	{ "segment past the end", "args.musl", seg_past_end, "truncated", NULL },
	{ "segment offset absurd", "args.musl", seg_offset_absurd, "truncated", NULL },
	{ "filesz absurd", "args.musl", filesz_absurd, "truncated", NULL },
	{ "memsz 0xffffffffffff0000", "args.musl", memsz_absurd, "outside user space", NULL },
	{ "memsz UINT64_MAX", "args.musl", memsz_max, "outside user space", NULL },
	{ "memsz one past the top", "args.musl", memsz_past_top, "outside user space", NULL },
	{ "vaddr at the top", "args.musl", vaddr_at_top, "outside user space", NULL },
	{ "vaddr in the kernel", "args.musl", vaddr_kernel, "outside user space", NULL },
	{ "span to the top", "args.musl", span_to_top, "absurd", NULL },
	{ "span 1 TiB", "args.musl", span_absurd, "absurd", NULL },
	{ "vaddr/offset mod 4096", "args.musl", incongruent, "modulo the page size", NULL },
	{ "below 64 KiB", "args.musl", below_64k, "below 64 KiB", NULL },
	{ "PIE not at 0", "args.pie", pie_not_at_0, "does not start at address 0", NULL },
	{ "PIE with DT_NEEDED", "args.pie", pie_needed, "DT_NEEDED", "no interpreter" },
	{ "PIE with DT_NEEDED, no sections", "args.pie", pie_needed_no_sections, "DT_NEEDED", NULL },
	{ "EXEC with DT_NEEDED", "args.musl", exec_needed, "DT_NEEDED", "no interpreter" },
	{ "entry in rodata", "args.musl", entry_in_rodata, "entry point", "outside the executable" },
	{ "entry past code", "args.musl", entry_past_code, "entry point", "outside the executable" },
	{ "entry 0", "args.musl", entry_zero, "entry point", NULL },
	{ "PIE entry 0", "args.pie", entry_zero, "entry point", NULL },
	{ "entry in the kernel", "args.musl", entry_kernel, "entry point", NULL },
	{ "TLS filesz > memsz", "args.musl", tls_filesz_gt_memsz, "bad PT_TLS", NULL },
	{ "TLS outside", "args.musl", tls_outside, "bad PT_TLS", NULL },
	{ "TLS below", "args.musl", tls_below, "bad PT_TLS", NULL },
	{ "TLS straddles the end", "args.musl", tls_straddles_end, "bad PT_TLS", NULL },
	{ "TLS absurd", "args.musl", tls_absurd, "bad PT_TLS", NULL },
	{ "TLS p_align 24", "args.musl", tls_align, "bad PT_TLS", NULL },
	{ "phdrs in no segment", "args.musl", phdrs_unmapped, "program headers are not part of", NULL },
};

#define NDAMAGES ((int)(sizeof(damages) / sizeof(damages[0])))

/* Does err contain phrase, or one of its '|'-separated alternatives? */
static bool says(const char *err, const char *phrase)
{
	char alt[128];

	while (*phrase) {
		size_t n = strcspn(phrase, "|");

		ck_assert_uint_lt(n, sizeof(alt));
		memcpy(alt, phrase, n);
		alt[n] = '\0';
		if (strstr(err, alt))
			return true;
		phrase += n + (phrase[n] == '|');
	}
	return false;
}

START_TEST(refuses_damaged)
{
	const struct damage *d = &damages[_i];
	struct file f;
	struct vmm_elf e;
	char err[256] = "";
	int ret;

	load(&f, d->file);
	d->fn(&f);
	ret = parse(f.buf, f.size, &e, err, sizeof(err));
	ck_assert_msg(ret == -1, "%s: accepted", d->what);
	ck_assert_msg(says(err, d->phrase), "%s: reason \"%s\" lacks \"%s\"",
		      d->what, err, d->phrase);
	ck_assert_msg(!d->phrase2 || says(err, d->phrase2),
		      "%s: reason \"%s\" lacks \"%s\"", d->what, err, d->phrase2);
	free(f.buf);
}
END_TEST

START_TEST(refuses_non_elf)
{
	static const char *const texts[] = {
		"#!/bin/sh\n", "\x7f" "ELF", "\x7f" "EL", "", "MZ\x90\0\3\0\0\0",
	};
	struct vmm_elf e;
	char err[256] = "";

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		size_t n = i == 4 ? 8 : strlen(texts[i]);

		err[0] = '\0';
		ck_assert_int_eq(parse(texts[i], n, &e, err, sizeof(err)), -1);
		ck_assert_str_eq(err, "not an ELF file");
	}
}
END_TEST

/* Every prefix of the headers is refused as something, never accepted
 * and never read past (run with SAN=1 to see that last part). */
START_TEST(refuses_every_header_prefix)
{
	struct file f;
	size_t end;

	load(&f, "args.musl");
	end = ehdr(&f)->e_phoff + ehdr(&f)->e_phnum * sizeof(Elf64_Phdr);
	for (size_t n = 0; n <= end; n++) {
		struct vmm_elf e;
		char err[256] = "";
		char *copy = malloc(n ? n : 1);

		memcpy(copy, f.buf, n);
		ck_assert_msg(parse(copy, n, &e, err, sizeof(err)) == -1,
			      "%zu bytes accepted", n);
		ck_assert_msg(err[0], "%zu bytes: no reason", n);
		free(copy);
	}
	free(f.buf);
}
END_TEST

/* The reason is cut to errlen, NUL-terminated, and nothing past it is
 * written. */
START_TEST(reason_fits_errlen)
{
	struct file f;
	struct vmm_elf e;
	char err[32];

	load(&f, "args.musl");
	interp_past_end(&f);
	memset(err, 'G', sizeof(err));
	ck_assert_int_eq(parse(f.buf, f.size, &e, err, 8), -1);
	ck_assert_str_eq(err, "truncat");
	for (size_t i = 8; i < sizeof(err); i++)
		ck_assert_int_eq(err[i], 'G');
	free(f.buf);
}
END_TEST

/* xorshift64*: the same damage on every run. */
static uint64_t next_random(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

/*
 * Random damage to the headers: whatever parse says, it says it safely;
 * what it accepts keeps the invariants.  Field-sized values are written
 * at field offsets so damage hits numbers, not just bytes.
 */
START_TEST(random_header_damage)
{
	static const uint64_t values[] = {
		0, 1, 0x40, 0x1000, 0xfff, 0x10000, 0x400000, LSTAR_USER_TOP,
		LSTAR_USER_TOP - 0x1000, 1ULL << 40, 0x8000000000000000ULL,
		0xffffffffffff0000ULL, UINT64_MAX, PT_LOAD, PT_TLS, PT_INTERP,
		PT_PHDR, PT_DYNAMIC, PF_X | PF_R,
	};
	struct file f;
	uint64_t seed = 0x9e3779b97f4a7c15ULL * (_i + 1);
	size_t end;
	int accepts = 0, fd;

	load(&f, _i & 1 ? "args.pie" : "args.musl");
	end = ehdr(&f)->e_phoff + ehdr(&f)->e_phnum * sizeof(Elf64_Phdr);
	/* One file for every round, whose damaged headers each round writes
	 * again: the rest never changes, and writing the whole 800 KB PIE
	 * 500 times outlasted the timeout under check-hw's emulated CPU. */
	fd = file_of(f.buf, f.size);
	for (int round = 0; round < 500; round++) {
		struct file g = { malloc(f.size), f.size };
		struct vmm_elf e;
		char err[256] = "";
		int hits = 1 + next_random(&seed) % 3;

		ck_assert_ptr_nonnull(g.buf);
		memcpy(g.buf, f.buf, f.size);
		while (hits--) {
			uint64_t r = next_random(&seed);
			size_t at = (r >> 8) % (end - 8) & ~(size_t)7;
			uint64_t v = values[(r >> 40) % (sizeof(values) / sizeof(values[0]))];

			if (at < EI_NIDENT)
				at = EI_NIDENT + (r & 7);
			if (r & 1)
				memcpy(g.buf + at, &v, 8);
			else
				g.buf[at + (r >> 1) % 8] ^= 1 << (r >> 4) % 8;
		}
		ck_assert_int_eq(pwrite(fd, g.buf, end, 0), (ssize_t)end);
		if (parse_both(g.buf, g.size, fd, &e, err, sizeof(err)) == 0) {
			check_invariants(&e);
			accepts++;
		} else {
			ck_assert_msg(err[0], "refused without a reason");
		}
		free(g.buf);
	}
	/* Some damage is harmless: the test did exercise acceptance. */
	ck_assert_int_gt(accepts, 0);
	close(fd);
	free(f.buf);
}
END_TEST

/* Where the load tests put a PIE. */
#define PIE_BIAS	0x555555554000ULL

/* len bytes of guest memory at user address va, as ring 3 reads them. */
static void guest_read(const struct vmm_mem *m, uint64_t va, uint8_t *dst, uint64_t len)
{
	while (len) {
		struct iovec iov[8];
		int n;
		long got = vmm_mem_user_iov(m, va, len, false, iov, 8, &n);

		ck_assert_int_gt(got, 0);
		for (int k = 0; k < n; k++) {
			memcpy(dst, iov[k].iov_base, iov[k].iov_len);
			dst += iov[k].iov_len;
		}
		va += (uint64_t)got;
		len -= (uint64_t)got;
	}
}

/* The load reads each segment's bytes from the file, as they are there;
 * the rest of the segment (bss, up to the next one) reads zero. */
START_TEST(load_reads_segments_from_the_file)
{
	struct file f;
	struct vmm_elf e;
	struct vmm_mem m;
	struct lstar_boot_info bi = { 0 };
	uint64_t bias = _i ? PIE_BIAS : 0;
	char err[256] = "";
	int fd;

	load(&f, _i ? "args.pie" : "args.glibc");
	fd = file_of(f.buf, f.size);
	ck_assert_msg(vmm_elf_parse_fd(fd, f.size, &e, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(vmm_mem_init(&m, 32ULL << 20), 0);
	ck_assert_int_eq(vmm_elf_load(&m, &e, fd, bias, &bi), 0);
	for (int i = 0; i < e.nsegs; i++) {
		const struct vmm_elf_segment *s = &e.segs[i];
		uint64_t end = i + 1 < e.nsegs && e.segs[i + 1].vaddr < s->vaddr + s->memsz ?
			       e.segs[i + 1].vaddr : s->vaddr + s->memsz;
		uint8_t *got = malloc(s->memsz);

		ck_assert_ptr_nonnull(got);
		guest_read(&m, s->vaddr + bias, got, end - s->vaddr);
		ck_assert_msg(!memcmp(got, f.buf + s->offset, s->filesz),
			      "segment %d: not the file's bytes", i);
		for (uint64_t k = s->filesz; k < end - s->vaddr; k++)
			ck_assert_msg(!got[k], "segment %d: byte %llu of bss is 0x%x", i,
				      (unsigned long long)k, got[k]);
		free(got);
	}
	ck_assert_int_ge(bi.nr_vmas, 1);
	vmm_mem_destroy(&m);
	close(fd);
	free(f.buf);
}
END_TEST

/* A file that shrinks between the checks and the load (something else
 * truncated it) fails the load with ENODATA, whether it lost one byte of
 * its last segment or everything: never a short segment, never a fault;
 * one that shrinks while it is checked is refused, saying so. */
START_TEST(load_fails_when_the_file_shrank)
{
	struct file f;
	struct vmm_elf e;
	char err[256] = "";
	int fd;

	load(&f, "args.glibc");
	fd = file_of(f.buf, f.size);
	ck_assert_msg(vmm_elf_parse_fd(fd, f.size, &e, err, sizeof(err)) == 0, "%s", err);
	for (int round = 0; round < 2; round++) {
		const struct vmm_elf_segment *last = &e.segs[e.nsegs - 1];
		struct vmm_mem m;
		struct lstar_boot_info bi = { 0 };

		ck_assert_uint_gt(last->filesz, 0);
		ck_assert_int_eq(ftruncate(fd, round ? 0 : (off_t)(last->offset + last->filesz - 1)), 0);
		ck_assert_int_eq(vmm_mem_init(&m, 32ULL << 20), 0);
		ck_assert_int_eq(vmm_elf_load(&m, &e, fd, 0, &bi), -ENODATA);
		vmm_mem_destroy(&m);
	}
	ck_assert_int_eq(pwrite(fd, f.buf, 32, 0), 32);	/* half an ELF header */
	ck_assert_int_eq(vmm_elf_parse_fd(fd, f.size, &e, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "the file changed while lstar read it");
	close(fd);
	free(f.buf);
}
END_TEST

Suite *suite_elf(void)
{
	Suite *s = suite_create("elf");
	TCase *tc = tcase_create("parse");

	tcase_add_loop_test(tc, accepts_static_programs, 0, 3);
	tcase_add_loop_test(tc, describes_static_programs, 0, 3);
	tcase_add_loop_test(tc, describes_dynamic_programs, 0, 2);
	tcase_add_test(tc, phdr_and_exec_stack);
	tcase_add_test(tc, accepts_edges);
	tcase_add_loop_test(tc, refuses_damaged, 0, NDAMAGES);
	tcase_add_test(tc, dynamic_past_the_end_names_no_library);
	tcase_add_test(tc, refuses_non_elf);
	tcase_add_test(tc, refuses_every_header_prefix);
	tcase_add_test(tc, reason_fits_errlen);
	tcase_add_loop_test(tc, random_header_damage, 0, 8);
	suite_add_tcase(s, tc);

	tc = tcase_create("load");
	tcase_add_loop_test(tc, load_reads_segments_from_the_file, 0, 2);
	tcase_add_test(tc, load_fails_when_the_file_shrank);
	suite_add_tcase(s, tc);
	return s;
}
