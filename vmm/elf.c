/* SPDX-License-Identifier: MIT */
/*
 * elf.c - reading the program's ELF headers and loading it into the guest.
 *
 * lstar runs x86-64 executables: ET_EXEC and ET_DYN, static (a static-PIE
 * has no PT_INTERP and no DT_NEEDED) or dynamic (PT_INTERP names the
 * interpreter, which vm.c opens beneath a tree and loads beside the
 * program; the interpreter maps the libraries itself).  Everything in the
 * file is hostile until checked: offsets and sizes against the file,
 * addresses against user space, segments against each other, the entry
 * against the code, the interpreter's name against its segment.
 *
 * The file is never read whole: the checks read the headers they need,
 * and the load reads each segment's bytes straight into guest memory (a
 * copy and a host buffer's page faults fewer: busybox's 2 MB cost ~1 ms
 * of each start).  The file may change between the two; what the checks
 * decided stands, and a file that ends early fails the load.
 */
#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm.h"

#define PAGE_SIZE	LSTAR_PAGE_SIZE
#define PAGE_DOWN(x)	((x) & ~(uint64_t)(PAGE_SIZE - 1))
#define PAGE_UP(x)	PAGE_DOWN((x) + PAGE_SIZE - 1)

/* The most a program image may span: leaves room for bias and stack. */
#define IMAGE_MAX_SPAN	(1ULL << 40)

/* The largest program header table Linux's binfmt_elf reads (64 KiB:
 * 1,170 headers). */
#define PHDRS_MAX_BYTES	65536

/* The most of PT_DYNAMIC read for DT_NEEDED: a real one has a few dozen
 * entries, and a file may not make the check cost more than that. */
#define DYNAMIC_SCAN_MAX 4096

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static uint32_t prot_of(uint32_t p_flags)
{
	return ((p_flags & PF_R) ? PROT_READ : 0) |
	       ((p_flags & PF_W) ? PROT_WRITE : 0) |
	       ((p_flags & PF_X) ? PROT_EXEC : 0);
}

/* Where an ELF's bytes come from: a buffer, or a file read a piece at a
 * time.  size is what offsets are checked against. */
struct src {
	const uint8_t *buf;		/* or NULL: read from fd */
	int fd;				/* -1 with a buffer */
	uint64_t size;
};

/* len bytes at off, all of them: 0, -ENODATA when the file ends first (it
 * shrank since it was checked), or the read's -errno. */
static int pread_full(int fd, void *dst, size_t len, uint64_t off)
{
	while (len) {
		ssize_t n = pread(fd, dst, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n ? -errno : -ENODATA;
		dst = (uint8_t *)dst + n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/* Bytes [off, off + len) of s into dst: 0, -ERANGE when they lie past
 * its size, or pread_full's error. */
static int src_read(const struct src *s, uint64_t off, void *dst, size_t len)
{
	if (off > s->size || len > s->size - off)
		return -ERANGE;
	if (s->buf) {
		memcpy(dst, s->buf + off, len);
		return 0;
	}
	return pread_full(s->fd, dst, len, off);
}

/* The reason for a read inside the file's size that failed. */
static int unreadable(int rd, char *err, size_t errlen)
{
	if (rd == -ENODATA)
		return fail(err, errlen, "the file changed while lstar read it");
	return fail(err, errlen, "cannot read the file: %s", strerror(-rd));
}

/* Does the PT_DYNAMIC segment ph name a shared library (DT_NEEDED)?  Read
 * from the segment itself (section headers are optional), its first
 * DYNAMIC_SCAN_MAX entries. */
static bool needs_libraries(const struct src *s, const Elf64_Phdr *ph)
{
	Elf64_Dyn d[32];
	uint64_t n = ph->p_filesz / sizeof(d[0]);

	if (ph->p_offset > s->size || ph->p_filesz > s->size - ph->p_offset)
		return false;	/* the loader checks reject such a file */
	if (n > DYNAMIC_SCAN_MAX)
		n = DYNAMIC_SCAN_MAX;
	for (uint64_t i = 0, k; i < n; i += k) {
		k = n - i < 32 ? n - i : 32;
		if (src_read(s, ph->p_offset + i * sizeof(d[0]), d, k * sizeof(d[0])))
			return false;	/* the load will fail on it too */
		for (uint64_t j = 0; j < k; j++) {
			if (d[j].d_tag == DT_NULL)
				return false;
			if (d[j].d_tag == DT_NEEDED)
				return true;
		}
	}
	return false;
}

/* The checks, on the headers as read. */
static int check(const struct src *src, const Elf64_Ehdr *eh, const Elf64_Phdr *phdrs,
		 struct vmm_elf *out, char *err, size_t errlen)
{
	uint64_t size = src->size;
	size_t phnum = eh->e_phnum;
	int rd;
	bool have_tls = false, have_dynamic = false, needed = false;
	Elf64_Phdr tls = { 0 };

	memset(out, 0, sizeof(*out));
	out->pie = eh->e_type == ET_DYN;
	out->entry = eh->e_entry;
	out->phnum = (uint16_t)phnum;
	out->phentsize = eh->e_phentsize;
	out->lo = UINT64_MAX;

	for (size_t i = 0; i < phnum; i++) {
		const Elf64_Phdr ph = phdrs[i];
		struct vmm_elf_segment *s;

		switch (ph.p_type) {
		case PT_INTERP:
			/* As Linux's load_elf_binary: one name, a whole path
			 * with its NUL; and none inside it, so that the name
			 * said in messages is the name opened. */
			if (out->interp[0])
				return fail(err, errlen, "more than one PT_INTERP");
			if (ph.p_offset > size || ph.p_filesz > size - ph.p_offset)
				return fail(err, errlen, "truncated: the interpreter's name (PT_INTERP) lies past the end of the file");
			if (ph.p_filesz < 2 || ph.p_filesz > sizeof(out->interp))
				return fail(err, errlen, "bad PT_INTERP: the interpreter's name is %llu bytes long",
					    (unsigned long long)ph.p_filesz);
			if ((rd = src_read(src, ph.p_offset, out->interp, ph.p_filesz)))
				return unreadable(rd, err, errlen);
			if (out->interp[ph.p_filesz - 1] != '\0' ||
			    memchr(out->interp, '\0', ph.p_filesz - 1))
				return fail(err, errlen, "bad PT_INTERP: the interpreter's name is not one NUL-terminated string");
			continue;
		case PT_GNU_STACK:
			out->exec_stack = ph.p_flags & PF_X;
			continue;
		case PT_PHDR:
			out->phdr_vaddr = ph.p_vaddr;
			continue;
		case PT_DYNAMIC:
			/* The first: a file with more is odd, and need
			 * not cost more. */
			if (!have_dynamic)
				needed = needs_libraries(src, &ph);
			have_dynamic = true;
			continue;
		case PT_TLS:
			have_tls = true;
			tls = ph;
			continue;
		case PT_LOAD:
			break;
		default:
			continue;
		}
		if (ph.p_memsz == 0)
			continue;
		if (out->nsegs == VMM_ELF_MAX_SEGMENTS)
			return fail(err, errlen, "more than %d loadable segments",
				    VMM_ELF_MAX_SEGMENTS);
		if (ph.p_offset > size || ph.p_filesz > size - ph.p_offset)
			return fail(err, errlen, "truncated: segment %zu lies past the end of the file", i);
		if (ph.p_filesz > ph.p_memsz)
			return fail(err, errlen, "segment %zu: file size exceeds memory size", i);
		if (ph.p_vaddr >= LSTAR_USER_TOP ||
		    ph.p_memsz > LSTAR_USER_TOP - ph.p_vaddr)
			return fail(err, errlen, "segment %zu: address 0x%llx+0x%llx is outside user space",
				    i, (unsigned long long)ph.p_vaddr,
				    (unsigned long long)ph.p_memsz);
		if ((ph.p_vaddr - ph.p_offset) % PAGE_SIZE)
			return fail(err, errlen, "segment %zu: address and file offset disagree modulo the page size", i);
		if (out->nsegs > 0) {
			const struct vmm_elf_segment *prev = &out->segs[out->nsegs - 1];

			if (ph.p_vaddr < prev->vaddr + prev->memsz)
				return fail(err, errlen, "segment %zu overlaps or precedes the one before it", i);
		}
		s = &out->segs[out->nsegs++];
		s->vaddr = ph.p_vaddr;
		s->memsz = ph.p_memsz;
		s->offset = ph.p_offset;
		s->filesz = ph.p_filesz;
		s->prot = prot_of(ph.p_flags);
		if (PAGE_DOWN(s->vaddr) < out->lo)
			out->lo = PAGE_DOWN(s->vaddr);
		out->hi = PAGE_UP(s->vaddr + s->memsz);
	}

	if (out->nsegs == 0)
		return fail(err, errlen, "no loadable segments");
	if (out->hi - out->lo > IMAGE_MAX_SPAN)
		return fail(err, errlen, "segments span an absurd 0x%llx bytes",
			    (unsigned long long)(out->hi - out->lo));
	if (out->pie && out->lo != 0)
		return fail(err, errlen, "position-independent image does not start at address 0");
	if (!out->pie && out->lo < 0x10000)
		return fail(err, errlen, "segment below 64 KiB (address 0x%llx)",
			    (unsigned long long)out->lo);
	if (needed && !out->interp[0])
		return fail(err, errlen, "needs shared libraries (DT_NEEDED) but names no interpreter (PT_INTERP)");

	/* The entry must be in code the program may execute. */
	{
		bool ok = false;

		for (int i = 0; i < out->nsegs; i++) {
			const struct vmm_elf_segment *s = &out->segs[i];

			if ((s->prot & PROT_EXEC) && out->entry >= s->vaddr &&
			    out->entry - s->vaddr < s->memsz)
				ok = true;
		}
		if (!ok)
			return fail(err, errlen, "entry point 0x%llx is outside the executable segments",
				    (unsigned long long)out->entry);
	}

	/* PT_TLS is the libc's to set up; it must at least lie in the image. */
	if (have_tls) {
		bool ok = tls.p_filesz <= tls.p_memsz &&
			  (tls.p_align == 0 || !(tls.p_align & (tls.p_align - 1)));

		if (ok) {
			ok = false;
			for (int i = 0; i < out->nsegs; i++) {
				const struct vmm_elf_segment *s = &out->segs[i];

				if (tls.p_vaddr >= s->vaddr &&
				    tls.p_filesz <= s->memsz &&
				    tls.p_vaddr - s->vaddr <= s->memsz - tls.p_filesz)
					ok = true;
			}
		}
		if (!ok)
			return fail(err, errlen, "bad PT_TLS segment");
	}

	/* AT_PHDR: from PT_PHDR, else where e_phoff lands in a segment. */
	if (!out->phdr_vaddr) {
		for (int i = 0; i < out->nsegs; i++) {
			const struct vmm_elf_segment *s = &out->segs[i];

			if (eh->e_phoff >= s->offset &&
			    eh->e_phoff - s->offset < s->filesz)
				out->phdr_vaddr = s->vaddr + (eh->e_phoff - s->offset);
		}
	}
	if (!out->phdr_vaddr)
		return fail(err, errlen, "program headers are not part of any loaded segment");
	return 0;
}

static int parse(const struct src *src, struct vmm_elf *out, char *err, size_t errlen)
{
	Elf64_Ehdr eh;
	Elf64_Phdr *phdrs;
	size_t phnum;
	uint64_t size = src->size;
	int rd;

	/* What makes a file an ELF at all: the magic, a class, a byte
	 * order and the one version there is. */
	memset(&eh, 0, sizeof(eh));
	if ((rd = src_read(src, 0, eh.e_ident, size < EI_NIDENT ? size : EI_NIDENT)))
		return unreadable(rd, err, errlen);
	if (size < EI_NIDENT || memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    (eh.e_ident[EI_CLASS] != ELFCLASS32 && eh.e_ident[EI_CLASS] != ELFCLASS64) ||
	    (eh.e_ident[EI_DATA] != ELFDATA2LSB && eh.e_ident[EI_DATA] != ELFDATA2MSB) ||
	    eh.e_ident[EI_VERSION] != EV_CURRENT)
		return fail(err, errlen, "not an ELF file");
	if (eh.e_ident[EI_CLASS] != ELFCLASS64)
		return fail(err, errlen, "not a 64-bit ELF file (lstar runs x86-64 programs)");
	if ((rd = src_read(src, 0, &eh, sizeof(eh))) == -ERANGE)
		return fail(err, errlen, "truncated or corrupt ELF header");
	if (rd)
		return unreadable(rd, err, errlen);
	if (eh.e_ident[EI_DATA] != ELFDATA2LSB)
		return fail(err, errlen, "not an x86-64 program (big-endian)");
	if (eh.e_machine != EM_X86_64)
		return fail(err, errlen, "not an x86-64 program (ELF machine %u)",
			    eh.e_machine);
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)
		return fail(err, errlen, "not an executable (ELF type %u)", eh.e_type);
	phnum = eh.e_phnum;
	if (phnum == 0)
		return fail(err, errlen, "no program headers");
	if (eh.e_phentsize != sizeof(Elf64_Phdr))
		return fail(err, errlen, "bad program header size %u", eh.e_phentsize);
	if (phnum * sizeof(Elf64_Phdr) > PHDRS_MAX_BYTES)	/* Linux's limit, PN_XNUM past it */
		return fail(err, errlen, "too many program headers (%zu; Linux takes %zu)", phnum,
			    PHDRS_MAX_BYTES / sizeof(Elf64_Phdr));
	if (eh.e_phoff > size || phnum * sizeof(Elf64_Phdr) > size - eh.e_phoff)
		return fail(err, errlen, "truncated: program headers past the end of the file");
	if (!(phdrs = malloc(phnum * sizeof(Elf64_Phdr))))
		return fail(err, errlen, "out of memory reading the program headers");
	rd = src_read(src, eh.e_phoff, phdrs, phnum * sizeof(Elf64_Phdr));
	rd = rd ? unreadable(rd, err, errlen) : check(src, &eh, phdrs, out, err, errlen);
	free(phdrs);
	return rd;
}

int vmm_elf_parse(const void *buf, size_t size, struct vmm_elf *out,
		  char *err, size_t errlen)
{
	const struct src src = { .buf = buf, .fd = -1, .size = size };

	return parse(&src, out, err, errlen);
}

int vmm_elf_parse_fd(int fd, uint64_t size, struct vmm_elf *out, char *err, size_t errlen)
{
	const struct src src = { .fd = fd, .size = size };

	return parse(&src, out, err, errlen);
}

/* Append (or extend) a boot VMA; pages shared by two segments take the
 * union of their permissions. */
static int add_vma(struct lstar_boot_info *bi, uint64_t start, uint64_t end,
		   uint32_t prot, uint32_t flags)
{
	struct lstar_boot_vma *last = bi->nr_vmas ? &bi->vmas[bi->nr_vmas - 1] : NULL;

	if (last && start < last->end) {
		/* The first page is shared with the previous segment. */
		uint32_t shared = last->prot | prot;

		if (last->prot == prot) {
			last->end = end > last->end ? end : last->end;
			return 0;
		}
		if (last->start == start) {
			last->prot = shared;
		} else {
			last->end = start;
			if (bi->nr_vmas == LSTAR_BOOT_MAX_VMAS)
				return -E2BIG;
			bi->vmas[bi->nr_vmas++] = (struct lstar_boot_vma){
				start, start + PAGE_SIZE, shared, flags };
		}
		start += PAGE_SIZE;
		if (start >= end)
			return 0;
	}
	if (bi->nr_vmas == LSTAR_BOOT_MAX_VMAS)
		return -E2BIG;
	bi->vmas[bi->nr_vmas++] = (struct lstar_boot_vma){ start, end, prot, flags };
	return 0;
}

static uint64_t pte_flags(uint32_t prot)
{
	return X86_PTE_U | ((prot & PROT_WRITE) ? X86_PTE_W : 0) |
	       ((prot & PROT_EXEC) ? 0 : X86_PTE_NX);
}

int vmm_elf_load(struct vmm_mem *m, const struct vmm_elf *e, int fd,
		 uint64_t bias, struct lstar_boot_info *bi)
{
	uint64_t mapped_end = 0;

	for (int i = 0; i < e->nsegs; i++) {
		const struct vmm_elf_segment *s = &e->segs[i];
		uint64_t start = PAGE_DOWN(s->vaddr + bias);
		uint64_t end = PAGE_UP(s->vaddr + bias + s->memsz);
		int err;

		for (uint64_t va = start; va < end; va += PAGE_SIZE) {
			uint64_t gpa;

			if (va < mapped_end) {
				/* Shared with the previous segment: widen it. */
				err = vmm_mem_reflag(m, va,
						     pte_flags(bi->vmas[bi->nr_vmas - 1].prot | s->prot));
			} else {
				if (!(gpa = vmm_mem_alloc(m)))
					return -ENOMEM;
				err = vmm_mem_map(m, va, gpa, pte_flags(s->prot));
			}
			if (err)
				return err;
		}
		/* The file's bytes, read straight into the pages (found again
		 * through the tables: they may be read-only); the rest of the
		 * pages (bss) stays zero. */
		for (uint64_t off = 0; off < s->filesz;) {
			struct iovec iov[16];
			int n;

			if (vmm_mem_user_iov(m, s->vaddr + bias + off, s->filesz - off, false,
					     iov, 16, &n) <= 0)
				return -EFAULT;
			for (int k = 0; k < n; k++) {
				if ((err = pread_full(fd, iov[k].iov_base, iov[k].iov_len,
						      s->offset + off)))
					return err;
				off += iov[k].iov_len;
			}
		}
		if ((err = add_vma(bi, start, end, s->prot, LSTAR_VMA_IMAGE)))
			return err;
		mapped_end = end;
	}
	return 0;
}
