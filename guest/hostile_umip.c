/* SPDX-License-Identifier: MIT */
/*
 * hostile_umip.c - ring 3 tries to learn where the shim keeps its
 * descriptor tables (sgdt, sidt, sldt, str, smsw).  lstar enables UMIP
 * where the CPU has it, so each must fault (SIGSEGV) instead.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	struct __attribute__((packed)) { uint16_t limit; uint64_t base; } t = { 0, 0 };
	uint16_t sel = 0;
	const char *mode = argc > 1 ? argv[1] : "";

	printf("%s\n", mode);
	fflush(stdout);
	if (!strcmp(mode, "sgdt"))
		__asm__ volatile("sgdt %0" : "=m"(t));
	else if (!strcmp(mode, "sidt"))
		__asm__ volatile("sidt %0" : "=m"(t));
	else if (!strcmp(mode, "sldt"))
		__asm__ volatile("sldt %0" : "=m"(sel));
	else if (!strcmp(mode, "str"))
		__asm__ volatile("str %0" : "=m"(sel));
	else if (!strcmp(mode, "smsw"))
		__asm__ volatile("smsw %0" : "=m"(sel));
	else
		return 2;
	printf("leaked base 0x%llx selector 0x%x\n", (unsigned long long)t.base, sel);
	return 0;
}
