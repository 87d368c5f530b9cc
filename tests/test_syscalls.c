/* SPDX-License-Identifier: MIT */
/*
 * test_syscalls.c - include/syscalls.def against what it describes: each
 * row is the kernel's call of that name and number, and the handlers
 * built into the shim and the VMM are exactly the rows that name them
 * (read from the symbol tables of the shim image and of this binary,
 * which links the VMM): no row without its function, no function without
 * its row.
 */
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "compile.h"
#include "names.h"
#include "tests.h"
#include "vmm.h"

struct row {
	const char *name;
	long nr;
	int where;
};

#define SYSCALL(nm, w, g, p, t, r, a0, a1, a2, a3, a4, a5) \
	{ #nm, SYS_##nm, POLICY_WHERE_##w },
static const struct row rows[] = {
#include "syscalls.def"
};

#define NROWS (sizeof(rows) / sizeof(rows[0]))

/* Every row is the kernel's: its name is the number's, in libseccomp and
 * in the policy's names, and the policy table says what the row says. */
START_TEST(rows_are_the_kernels)
{
	for (size_t i = 0; i < NROWS; i++) {
		const struct row *r = &rows[i];
		const struct policy_sys_args *a = policy_sys_args(r->nr);
		const char *name = lstar_policy_syscall_name(r->nr);

		ck_assert_msg(seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, r->name) == r->nr,
			      "%s: libseccomp gives another number than %ld", r->name, r->nr);
		ck_assert_msg(name && !strcmp(name, r->name), "%ld: %s, not %s", r->nr,
			      name ? name : "(none)", r->name);
		ck_assert_msg(a && a->listed && a->where == r->where,
			      "%s: the policy's table disagrees", r->name);
		for (size_t j = 0; j < i; j++)
			ck_assert_msg(rows[j].nr != r->nr, "%s: two rows", r->name);
	}
}
END_TEST

/*
 * The global functions named prefix<name> in ELF elf, each looked up in
 * the rows: one that no row of a kind from where to where2 names fails (what
 * says which binary).  Returns how many there are; *found gets a mark per
 * row found.
 */
static size_t handlers_in(Elf *elf, const char *what, const char *prefix, int where,
			  int where2, bool *found)
{
	size_t plen = strlen(prefix), n = 0;
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
			continue;
		data = elf_getdata(scn, NULL);
		for (size_t i = 0; data && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym sym;
			const char *name, *call;
			bool known = false;

			if (!gelf_getsym(data, (int)i, &sym) ||
			    GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
			    GELF_ST_BIND(sym.st_info) != STB_GLOBAL ||
			    sym.st_shndx == SHN_UNDEF)
				continue;
			name = elf_strptr(elf, sh.sh_link, sym.st_name);
			if (!name || strncmp(name, prefix, plen))
				continue;
			call = name + plen;
			if (!strcmp(call, "ni_syscall"))
				continue;	/* the shim's ENOSYS, no call of its own */
			for (size_t r = 0; r < NROWS; r++) {
				if (strcmp(rows[r].name, call))
					continue;
				ck_assert_msg(rows[r].where >= where && rows[r].where <= where2,
					      "%s in %s: its row does not say so", name, what);
				found[r] = known = true;
			}
			ck_assert_msg(known, "%s in %s has no row in include/syscalls.def",
				      name, what);
			n++;
		}
	}
	return n;
}

/* The shim's sys_<name> are the SHIM rows: in the image lstar embeds
 * (this binary links it too). */
START_TEST(shim_handlers_are_the_rows)
{
	bool found[NROWS] = { false };
	Elf *elf;

	elf_version(EV_CURRENT);
	elf = elf_memory((char *)lstar_shim_image, lstar_shim_image_end - lstar_shim_image);
	ck_assert_ptr_nonnull(elf);
	ck_assert_uint_gt(handlers_in(elf, "the shim image", "sys_", POLICY_WHERE_SHIM,
				      POLICY_WHERE_SHIM, found), 10);
	elf_end(elf);
	for (size_t r = 0; r < NROWS; r++)
		ck_assert_msg(found[r] || rows[r].where != POLICY_WHERE_SHIM,
			      "%s: a SHIM row without sys_%s", rows[r].name, rows[r].name);
}
END_TEST

/* The VMM's vmm_sys_<name> are the VMM rows (this binary links the VMM). */
START_TEST(vmm_handlers_are_the_rows)
{
	bool found[NROWS] = { false };
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	Elf *elf;

	ck_assert_int_ge(fd, 0);
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	ck_assert_ptr_nonnull(elf);
	ck_assert_uint_gt(handlers_in(elf, "the VMM", "vmm_sys_", POLICY_WHERE_VMM,
				      POLICY_WHERE_VMM_SIGMASK, found), 50);
	elf_end(elf);
	close(fd);
	for (size_t r = 0; r < NROWS; r++)
		ck_assert_msg(found[r] || rows[r].where < POLICY_WHERE_VMM ||
			      rows[r].where > POLICY_WHERE_VMM_SIGMASK,
			      "%s: a VMM row without vmm_sys_%s", rows[r].name, rows[r].name);
}
END_TEST

/* A HOST row's host call is one libseccomp knows (the filter is built
 * from them: a typo would not compile, a call missing from x86-64 would
 * fail at run time). */
START_TEST(host_calls_exist)
{
	static const char *const host[] = {
#define HOST(name, hostcall) #hostcall,
#include "syscalls.def"
	};

	for (size_t i = 0; i < sizeof(host) / sizeof(host[0]); i++)
		ck_assert_msg(seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, host[i]) >= 0,
			      "host call %s: unknown on x86-64", host[i]);
}
END_TEST

/*
 * The ways the shim's PVM entry takes calls: to the VMM as they are
 * (FORWARD) exactly the VMM and VMM_WRITE rows, with ALLOW
 * where the policy allows them outright (the VMM judges the others); on
 * half a frame (ARGS) the SHIM_ARGS and VMM_SIGMASK rows (the shim sets
 * their signal mask); every other call stays
 * as the policy's hint said.  And a SHIM_ARGS line names a SHIM row.
 */
START_TEST(fast_ways_are_the_rows)
{
	static const char *const args_only[] = {
#define SHIM_ARGS(name) #name,
#include "syscalls.def"
	};
	uint8_t fast[LSTAR_POLICY_NR];

	for (unsigned int nr = 0; nr < LSTAR_POLICY_NR; nr++)
		fast[nr] = nr % 2;		/* every other call allowed outright */
	vmm_mark_fast_ways(fast);
	for (unsigned int nr = 0; nr < LSTAR_POLICY_NR; nr++) {
		const struct row *r = NULL;
		bool args = false;
		uint8_t want = nr % 2;

		for (size_t i = 0; i < NROWS; i++)
			if (rows[i].nr == nr)
				r = &rows[i];
		for (size_t i = 0; r && i < sizeof(args_only) / sizeof(args_only[0]); i++)
			args |= !strcmp(args_only[i], r->name);
		if (r && (r->where == POLICY_WHERE_VMM || r->where == POLICY_WHERE_VMM_WRITE))
			want = want ? LSTAR_FAST_ALLOW | LSTAR_FAST_FORWARD : LSTAR_FAST_FORWARD;
		else if (r && (args || r->where == POLICY_WHERE_VMM_SIGMASK))
			want = want ? LSTAR_FAST_ALLOW | LSTAR_FAST_ARGS : LSTAR_FAST_ARGS;
		ck_assert_msg(fast[nr] == want, "%u (%s): way %u, not %u", nr,
			      r ? r->name : "no row", fast[nr], want);
		ck_assert_msg(!args || r->where == POLICY_WHERE_SHIM,
			      "SHIM_ARGS(%s): not a SHIM row", r->name);
	}
}
END_TEST

Suite *suite_syscalls(void)
{
	Suite *s = suite_create("syscalls");
	TCase *tc = tcase_create("table");

	tcase_add_test(tc, rows_are_the_kernels);
	tcase_add_test(tc, shim_handlers_are_the_rows);
	tcase_add_test(tc, vmm_handlers_are_the_rows);
	tcase_add_test(tc, host_calls_exist);
	tcase_add_test(tc, fast_ways_are_the_rows);
	suite_add_tcase(s, tc);
	return s;
}
