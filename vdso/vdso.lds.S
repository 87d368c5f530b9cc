/* SPDX-License-Identifier: MIT */
/*
 * vdso.lds.S - the vDSO's layout, after Linux's vdso-layout.lds.S.
 * Preprocessed (cpp) for LSTAR_VVAR_OFFSET from include/lstar_abi.h.
 *
 * One read+execute PT_LOAD from file offset 0 at address 0: the ELF and
 * program headers, the dynamic tables the libcs look the symbols up in
 * (.hash for musl, .gnu.hash or .hash for glibc, .dynsym, .dynstr and the
 * version tables), .dynamic, then the code.  Nothing writable, nothing
 * to relocate: the VMM copies the file into pages as it is.
 */
#include "lstar_abi.h"

SECTIONS
{
	/* The time page: a page below the ELF header, wherever that lands. */
	PROVIDE_HIDDEN(lstar_vvar_page = . - LSTAR_VVAR_OFFSET);

	. = SIZEOF_HEADERS;

	.hash		: { *(.hash) }			:text
	.gnu.hash	: { *(.gnu.hash) }
	.dynsym		: { *(.dynsym) }
	.dynstr		: { *(.dynstr) }
	.gnu.version	: { *(.gnu.version) }
	.gnu.version_d	: { *(.gnu.version_d) }
	.gnu.version_r	: { *(.gnu.version_r) }

	.dynamic	: { *(.dynamic) }		:text	:dynamic

	.rodata		: { *(.rodata .rodata.*) }	:text
	.note		: { *(.note.*) }		:text	:note
	.eh_frame_hdr	: { *(.eh_frame_hdr) }		:text	:eh_frame_hdr
	.eh_frame	: { KEEP(*(.eh_frame)) }	:text

	.text		: { *(.text .text.*) }		:text	=0x90909090

	/* Must stay empty: the image is mapped read-only and unrelocated. */
	.data		: { *(.data .data.* .bss .bss.* COMMON) }	:text
	.rela.dyn	: { *(.rela.*) *(.rel.*) }	:text
	.got		: { *(.got) *(.got.plt) *(.plt) }	:text

	/DISCARD/	: { *(.comment) *(.note.GNU-stack) *(.note.gnu.property) }
}

ASSERT(SIZEOF(.data) == 0, "vDSO: no writable data allowed");
ASSERT(SIZEOF(.rela.dyn) == 0, "vDSO: no relocations allowed");
ASSERT(SIZEOF(.got) == 0, "vDSO: no GOT or PLT allowed");

PHDRS
{
	text		PT_LOAD		FLAGS(5) FILEHDR PHDRS;	/* PF_R | PF_X */
	dynamic		PT_DYNAMIC	FLAGS(4);		/* PF_R */
	note		PT_NOTE		FLAGS(4);		/* PF_R */
	eh_frame_hdr	PT_GNU_EH_FRAME;
}

/* The names and version static glibc and musl look for. */
VERSION
{
	LINUX_2.6 {
	global:
		clock_gettime;
		__vdso_clock_gettime;
		gettimeofday;
		__vdso_gettimeofday;
		time;
		__vdso_time;
		clock_getres;
		__vdso_clock_getres;
		getcpu;
		__vdso_getcpu;
		__lstar_syscall_gate;	/* the VMM looks it up: vmm/vdso.c */
	local: *;
	};
}
