/* SPDX-License-Identifier: MIT */
/*
 * fuzz_elf.c - the ELF check on any file (what lstar run and execve read
 * from the program file): it must accept a static x86-64 executable with
 * a description that stays inside the file and the address space, or
 * give a reason, never crash (libFuzzer, ASan, UBSan; make
 * fuzz-parsers).  The same bytes read from a file (as lstar reads a
 * program) must get the same answer, to the word.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static struct vmm_elf e, from_file;
	char why[256], file_why[256];
	int ret;

	if (fd < 0 && (fd = memfd_create("elf", MFD_CLOEXEC)) < 0)
		abort();
	if (ftruncate(fd, 0) || (size && pwrite(fd, data, size, 0) != (ssize_t)size))
		abort();
	ret = vmm_elf_parse(data, size, &e, why, sizeof(why));
	if (vmm_elf_parse_fd(fd, size, &from_file, file_why, sizeof(file_why)) != ret ||
	    (ret == 0 && memcmp(&e, &from_file, sizeof(e))) ||
	    (ret < 0 && strcmp(why, file_why)))
		abort();	/* a file is read as the bytes are */
	if (ret < 0) {
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
