/* SPDX-License-Identifier: MIT */
/* The shim kernel's ELF image, embedded so that lstar is one file. */
	.section .rodata
	.balign	4096
	.globl	lstar_shim_image
lstar_shim_image:
	.incbin	SHIM_ELF
	.globl	lstar_shim_image_end
lstar_shim_image_end:
	.section .note.GNU-stack, "", @progbits
