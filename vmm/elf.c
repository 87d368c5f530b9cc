/* SPDX-License-Identifier: MIT */
/*
 * elf.c - reading the program with libelf and loading it into the guest.
 *
 * lstar runs x86-64 executables: ET_EXEC and ET_DYN, static (a static-PIE
 * has no PT_INTERP and no DT_NEEDED) or dynamic (PT_INTERP names the
 * interpreter, which vm.c opens beneath a tree and loads beside the
 * program; the interpreter maps the libraries itself).  Everything in the
 * file is hostile until checked: offsets and sizes against the file,
 * addresses against user space, segments against each other, the entry
 * against the code, the interpreter's name against its segment.
 */
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "vmm.h"

#define PAGE_SIZE	LSTAR_PAGE_SIZE
#define PAGE_DOWN(x)	((x) & ~(uint64_t)(PAGE_SIZE - 1))
#define PAGE_UP(x)	PAGE_DOWN((x) + PAGE_SIZE - 1)

/* The most a program image may span: leaves room for bias and stack. */
#define IMAGE_MAX_SPAN	(1ULL << 40)

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

/* Does the PT_DYNAMIC segment ph name a shared library (DT_NEEDED)?  Read
 * from the segment itself: section headers are optional. */
static bool needs_libraries(const uint8_t *buf, size_t size, const GElf_Phdr *ph)
{
	uint64_t n;

	if (ph->p_offset > size || ph->p_filesz > size - ph->p_offset)
		return false;	/* the loader checks reject such a file */
	n = ph->p_filesz / sizeof(Elf64_Dyn);
	for (uint64_t i = 0; i < n; i++) {
		Elf64_Dyn d;

		memcpy(&d, buf + ph->p_offset + i * sizeof(d), sizeof(d));
		if (d.d_tag == DT_NULL)
			break;
		if (d.d_tag == DT_NEEDED)
			return true;
	}
	return false;
}

static int parse(Elf *elf, const uint8_t *buf, size_t size,
		 struct vmm_elf *out, char *err, size_t errlen)
{
	GElf_Ehdr eh;
	size_t phnum;
	bool have_tls = false, needed = false;
	GElf_Phdr tls = { 0 };

	if (elf_kind(elf) != ELF_K_ELF)
		return fail(err, errlen, "not an ELF file");
	if (size < EI_NIDENT || buf[EI_CLASS] != ELFCLASS64)
		return fail(err, errlen, "not a 64-bit ELF file (lstar runs x86-64 programs)");
	if (!gelf_getehdr(elf, &eh))
		return fail(err, errlen, "truncated or corrupt ELF header");
	if (eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_machine != EM_X86_64)
		return fail(err, errlen, "not an x86-64 program (ELF machine %u)",
			    eh.e_machine);
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)
		return fail(err, errlen, "not an executable (ELF type %u)", eh.e_type);
	if (elf_getphdrnum(elf, &phnum) || phnum == 0)
		return fail(err, errlen, "no program headers");
	if (phnum > 0xffff)	/* PN_XNUM: Linux refuses these too */
		return fail(err, errlen, "too many program headers (%zu)", phnum);
	if (eh.e_phentsize != sizeof(Elf64_Phdr))
		return fail(err, errlen, "bad program header size %u", eh.e_phentsize);
	if (eh.e_phoff > size || phnum * sizeof(Elf64_Phdr) > size - eh.e_phoff)
		return fail(err, errlen, "truncated: program headers past the end of the file");

	memset(out, 0, sizeof(*out));
	out->pie = eh.e_type == ET_DYN;
	out->entry = eh.e_entry;
	out->phnum = (uint16_t)phnum;
	out->phentsize = eh.e_phentsize;
	out->lo = UINT64_MAX;

	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		struct vmm_elf_segment *s;

		if (!gelf_getphdr(elf, (int)i, &ph))
			return fail(err, errlen, "corrupt program header %zu", i);
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
			if (buf[ph.p_offset + ph.p_filesz - 1] != '\0' ||
			    memchr(buf + ph.p_offset, '\0', ph.p_filesz - 1))
				return fail(err, errlen, "bad PT_INTERP: the interpreter's name is not one NUL-terminated string");
			memcpy(out->interp, buf + ph.p_offset, ph.p_filesz);
			continue;
		case PT_GNU_STACK:
			out->exec_stack = ph.p_flags & PF_X;
			continue;
		case PT_PHDR:
			out->phdr_vaddr = ph.p_vaddr;
			continue;
		case PT_DYNAMIC:
			needed |= needs_libraries(buf, size, &ph);
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

			if (eh.e_phoff >= s->offset &&
			    eh.e_phoff - s->offset < s->filesz)
				out->phdr_vaddr = s->vaddr + (eh.e_phoff - s->offset);
		}
	}
	if (!out->phdr_vaddr)
		return fail(err, errlen, "program headers are not part of any loaded segment");
	return 0;
}

int vmm_elf_parse(const void *buf, size_t size, struct vmm_elf *out,
		  char *err, size_t errlen)
{
	Elf *elf;
	int ret;

	if (size < 4 || memcmp(buf, ELFMAG, SELFMAG))
		return fail(err, errlen, "not an ELF file");
	if (elf_version(EV_CURRENT) == EV_NONE)
		return fail(err, errlen, "libelf: %s", elf_errmsg(-1));
	elf = elf_memory((char *)buf, size);
	if (!elf)
		return fail(err, errlen, "libelf: %s", elf_errmsg(-1));
	ret = parse(elf, buf, size, out, err, errlen);
	elf_end(elf);
	return ret;
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

int vmm_elf_load(struct vmm_mem *m, const struct vmm_elf *e, const void *buf,
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
		/* The file's bytes; the rest of the pages (bss) stays zero.
		 * Found again through the tables: pages may be read-only. */
		for (uint64_t off = 0; off < s->filesz;) {
			uint64_t va = s->vaddr + bias + off;
			uint64_t chunk = PAGE_SIZE - (va & (PAGE_SIZE - 1));
			struct iovec iov;
			int n;

			if (chunk > s->filesz - off)
				chunk = s->filesz - off;
			if (vmm_mem_user_iov(m, va, chunk, false, &iov, 1, &n) !=
			    (long)chunk)
				return -EFAULT;
			memcpy(iov.iov_base, (const uint8_t *)buf + s->offset + off,
			       chunk);
			off += chunk;
		}
		if ((err = add_vma(bi, start, end, s->prot, LSTAR_VMA_IMAGE)))
			return err;
		mapped_end = end;
	}
	return 0;
}
