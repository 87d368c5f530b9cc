/* SPDX-License-Identifier: MIT */
/* The vDSO image (vdso/, stripped), embedded like the shim: lstar stays
 * one file.  vmm/vdso.c maps it into every program. */
	.section .rodata
	.balign	4096
	.globl	lstar_vdso_image
lstar_vdso_image:
	.incbin	VDSO_SO
	.globl	lstar_vdso_image_end
lstar_vdso_image_end:
	.section .note.GNU-stack, "", @progbits
