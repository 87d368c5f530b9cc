/* SPDX-License-Identifier: MIT */
/*
 * fuzz_elf.c - the ELF check on any file (what lstar run and execve read
 * from the program file): it must accept a static x86-64 executable with
 * a description that stays inside the file and the address space, or
 * give a reason, never crash (libFuzzer, ASan, UBSan; make
 * fuzz-parsers).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmm_elf e;
	char why[256];

	if (vmm_elf_parse(data, size, &e, why, sizeof(why)) < 0) {
		if (!why[0] || !memchr(why, 0, sizeof(why)))
			abort();	/* a refusal always says why */
		return 0;
	}
	/* What the loader will trust: segments inside the file, in order,
	 * within user space. */
	if (e.nsegs < 1 || e.nsegs > VMM_ELF_MAX_SEGMENTS || e.lo > e.hi || e.hi > LSTAR_USER_TOP)
		abort();
	for (int i = 0; i < e.nsegs; i++) {
		const struct vmm_elf_segment *s = &e.segs[i];

		if (s->filesz > s->memsz || s->offset > size || s->filesz > size - s->offset ||
		    s->vaddr < e.lo || s->memsz > e.hi - s->vaddr)
			abort();
	}
	return 0;
}
