/* SPDX-License-Identifier: MIT */
/*
 * stack.c - the program's initial stack, laid out as Linux's
 * create_elf_tables() does (fs/binfmt_elf.c), from the top down:
 *
 *   top ->  AT_EXECFN string, envp and argv strings, "x86_64",
 *           16 AT_RANDOM bytes
 *           padding to 16 bytes
 *           auxv pairs, ending with AT_NULL
 *           envp[], NULL
 *           argv[], NULL
 *   sp ->   argc                       (sp is 16-byte aligned)
 */
#include <elf.h>
#include <string.h>

#include "vmm.h"

struct builder {
	uint8_t *buf;		/* host copy of [top - size, top) */
	size_t size;
	uint64_t top;
	uint64_t sp;		/* grows down from top */
	bool overflow;
};

/* Reserve n bytes below sp; returns where they go in buf. */
static uint8_t *reserve(struct builder *b, size_t n)
{
	if (b->overflow || n > b->sp - (b->top - b->size)) {
		b->overflow = true;
		return NULL;
	}
	b->sp -= n;
	return b->buf + (b->sp - (b->top - b->size));
}

static uint64_t push_bytes(struct builder *b, const void *p, size_t n)
{
	uint8_t *dst = reserve(b, n);

	if (!dst)
		return 0;
	memcpy(dst, p, n);
	return b->sp;
}

static uint64_t push_string(struct builder *b, const char *s)
{
	return push_bytes(b, s, strlen(s) + 1);
}

uint64_t vmm_stack_build(const struct vmm_stack_args *a, uint8_t *buf,
			 size_t size, uint64_t top)
{
	struct builder b = { buf, size, top, top, false };
	uint64_t argv_at[a->argc + 1], envp_at[a->envc + 1];
	uint64_t execfn, platform, random, auxv[2 * 24], *w;
	size_t nauxv = 0, nwords;
	uint8_t *dst;

	/* Linux's order, bottom up: argv strings, envp strings, execfn;
	 * setproctitle()-style code relies on argv then envp being one
	 * contiguous run. */
	execfn = push_string(&b, a->execfn);
	for (int i = a->envc - 1; i >= 0; i--)
		envp_at[i] = push_string(&b, a->envp[i]);
	for (int i = a->argc - 1; i >= 0; i--)
		argv_at[i] = push_string(&b, a->argv[i]);
	platform = push_string(&b, "x86_64");
	random = push_bytes(&b, a->random, sizeof(a->random));
	argv_at[a->argc] = 0;
	envp_at[a->envc] = 0;

#define AUX(type, val) do { auxv[nauxv++] = (type); auxv[nauxv++] = (val); } while (0)
	/* x86's ARCH_DLINFO comes first, as in Linux. */
	if (a->sysinfo_ehdr)
		AUX(AT_SYSINFO_EHDR, a->sysinfo_ehdr);
	AUX(AT_HWCAP, a->hwcap);
	AUX(AT_PAGESZ, LSTAR_PAGE_SIZE);
	AUX(AT_CLKTCK, 100);
	AUX(AT_PHDR, a->at_phdr);
	AUX(AT_PHENT, a->at_phent);
	AUX(AT_PHNUM, a->at_phnum);
	AUX(AT_BASE, a->at_base);
	AUX(AT_FLAGS, 0);
	AUX(AT_ENTRY, a->at_entry);
	AUX(AT_UID, a->uid);
	AUX(AT_EUID, a->uid);
	AUX(AT_GID, a->gid);
	AUX(AT_EGID, a->gid);
	AUX(AT_SECURE, 0);
	AUX(AT_RANDOM, random);
	AUX(AT_HWCAP2, a->hwcap2);
	AUX(AT_EXECFN, execfn);
	AUX(AT_PLATFORM, platform);
	AUX(AT_NULL, 0);
#undef AUX

	/* argc, argv[], NULL, envp[], NULL, auxv: make sp end 16-aligned. */
	nwords = 1 + (a->argc + 1) + (a->envc + 1) + nauxv;
	reserve(&b, b.sp & 15);
	if (nwords & 1)
		reserve(&b, 8);
	dst = reserve(&b, nwords * 8);
	if (!dst || b.overflow)
		return 0;
	w = (uint64_t *)dst;
	*w++ = (uint64_t)a->argc;
	memcpy(w, argv_at, (a->argc + 1) * 8);
	w += a->argc + 1;
	memcpy(w, envp_at, (a->envc + 1) * 8);
	w += a->envc + 1;
	memcpy(w, auxv, nauxv * 8);
	return b.sp;
}
