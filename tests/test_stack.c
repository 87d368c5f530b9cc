/* SPDX-License-Identifier: MIT */
/*
 * test_stack.c - the initial stack as Linux lays it out: argc, argv[],
 * NULL, envp[], NULL, auxv pairs ending in AT_NULL, with sp 16-byte
 * aligned at argc and every pointer landing on the right bytes above;
 * and the boot VMAs handed to the shim in the order it keeps its map.
 */
#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "tests.h"
#include "vmm.h"

#define TOP 0x7ffffff00000ULL
#define GUARD 64		/* guard bytes each side of the buffer */
#define GUARD_BYTE 0xa5

/* A stack buffer of size bytes inside guard bytes. */
struct stack {
	uint8_t mem[GUARD + 16384 + GUARD];
	uint8_t *buf;
	size_t size;
	uint64_t sp;
};

static void stack_init(struct stack *s, size_t size)
{
	ck_assert_uint_le(size, sizeof(s->mem) - 2 * GUARD);
	memset(s->mem, GUARD_BYTE, sizeof(s->mem));
	s->buf = s->mem + GUARD;
	s->size = size;
	s->sp = 0;
}

/* The guards are untouched: nothing was written outside buf. */
static void check_guards(const struct stack *s)
{
	for (size_t i = 0; i < GUARD; i++) {
		ck_assert_msg(s->mem[i] == GUARD_BYTE, "wrote %zu bytes below buf",
			      GUARD - i);
		ck_assert_msg(s->buf[s->size + i] == GUARD_BYTE,
			      "wrote above buf (byte %zu)", i);
	}
}

/* Host address of [addr, addr + n), which must lie in [sp, TOP). */
static const uint8_t *at(const struct stack *s, uint64_t addr, size_t n)
{
	ck_assert_msg(addr >= s->sp && addr <= TOP && n <= TOP - addr,
		      "0x%llx+%zu outside [sp 0x%llx, top)",
		      (unsigned long long)addr, n, (unsigned long long)s->sp);
	return s->buf + s->size - (TOP - addr);
}

static uint64_t word(const struct stack *s, uint64_t addr)
{
	uint64_t v;

	memcpy(&v, at(s, addr, 8), 8);
	return v;
}

/* The NUL-terminated string at addr, wholly inside the stack. */
static const char *string(const struct stack *s, uint64_t addr)
{
	const char *p = (const char *)at(s, addr, 1);

	ck_assert_msg(memchr(p, '\0', TOP - addr), "string at 0x%llx not terminated",
		      (unsigned long long)addr);
	return p;
}

static uint64_t build(struct stack *s, const struct vmm_stack_args *a)
{
	s->sp = vmm_stack_build(a, s->buf, s->size, TOP);
	check_guards(s);
	return s->sp;
}

/* Arguments with every auxv input set to a value of its own. */
static struct vmm_stack_args args(int argc, char *const *argv, int envc,
				  char *const *envp)
{
	struct vmm_stack_args a = {
		.argc = argc, .argv = argv, .envc = envc, .envp = envp,
		.execfn = "/usr/bin/prog",
		.at_phdr = 0x400040, .at_phnum = 11, .at_phent = 56,
		.at_entry = 0x401234, .hwcap = 0x178bfbff, .hwcap2 = 0x2,
		.sysinfo_ehdr = 0x7ffff7fc1000, .uid = 1001, .gid = 1002,
	};

	for (int i = 0; i < 16; i++)
		a.random[i] = 0xc0 + i;
	return a;
}

/* The words of one built stack, read back from sp. */
struct layout {
	uint64_t argc;
	uint64_t argv, envp, auxv;	/* addresses of the arrays */
	int nauxv;			/* pairs, AT_NULL included */
	uint64_t end;			/* first byte after AT_NULL's pair */
};

static void read_layout(const struct stack *s, struct layout *l)
{
	uint64_t p = s->sp;

	l->argc = word(s, p);
	p += 8;
	l->argv = p;
	while (word(s, p))
		p += 8;
	l->envp = p += 8;
	while (word(s, p))
		p += 8;
	l->auxv = p += 8;
	for (l->nauxv = 1; word(s, p) != AT_NULL; l->nauxv++) {
		ck_assert_int_lt(l->nauxv, 64);
		p += 16;
	}
	ck_assert_uint_eq(word(s, p + 8), 0);		/* AT_NULL's value */
	l->end = p + 16;
}

/* The value of auxv entry type; fails unless it occurs exactly once. */
static uint64_t aux(const struct stack *s, const struct layout *l, uint64_t type)
{
	int found = 0;
	uint64_t v = 0;

	for (int i = 0; i < l->nauxv; i++)
		if (word(s, l->auxv + 16 * i) == type) {
			v = word(s, l->auxv + 16 * i + 8);
			found++;
		}
	ck_assert_msg(found == 1, "auxv type %llu found %d times",
		      (unsigned long long)type, found);
	return v;
}

START_TEST(layout_argc_argv_envp_auxv)
{
	struct stack s;
	char *argv[] = { "prog", "a", NULL };
	char *envp[] = { "X=1", NULL };
	struct vmm_stack_args a = { .argc = 2, .argv = argv, .envc = 1,
		.envp = envp, .execfn = "prog", .at_phdr = 0x400040,
		.at_phnum = 5, .at_phent = 56, .at_entry = 0x401000 };
	uint64_t sp;

	stack_init(&s, 8192);
	sp = build(&s, &a);
	ck_assert_uint_ne(sp, 0);
	ck_assert_uint_eq(sp % 16, 0);
	ck_assert_uint_eq(word(&s, sp), 2);
	ck_assert_str_eq(string(&s, word(&s, sp + 8)), "prog");
	ck_assert_str_eq(string(&s, word(&s, sp + 16)), "a");
	ck_assert_uint_eq(word(&s, sp + 24), 0);	/* argv NULL */
	ck_assert_str_eq(string(&s, word(&s, sp + 32)), "X=1");
	ck_assert_uint_eq(word(&s, sp + 40), 0);	/* envp NULL */
	/* auxv follows; its first entry is AT_HWCAP: without a vDSO there
	 * is no AT_SYSINFO_EHDR at all. */
	ck_assert_uint_eq(word(&s, sp + 48), AT_HWCAP);
	for (uint64_t p = sp + 48; word(&s, p) != AT_NULL; p += 16)
		ck_assert_uint_ne(word(&s, p), AT_SYSINFO_EHDR);
}
END_TEST

/*
 * Every entry stack.c writes, once, with its value; AT_NULL last; the
 * pointers in it at the right bytes: AT_RANDOM at the 16 random bytes,
 * AT_EXECFN at execfn, AT_PLATFORM at "x86_64".  AT_SYSINFO_EHDR (the
 * vDSO) comes first, as x86's ARCH_DLINFO puts it in Linux.
 */
START_TEST(auxv_complete)
{
	static const uint64_t types[] = {
		AT_SYSINFO_EHDR, AT_HWCAP, AT_PAGESZ, AT_CLKTCK, AT_PHDR, AT_PHENT, AT_PHNUM,
		AT_BASE, AT_FLAGS, AT_ENTRY, AT_UID, AT_EUID, AT_GID, AT_EGID,
		AT_SECURE, AT_RANDOM, AT_HWCAP2, AT_EXECFN, AT_PLATFORM,
	};
	char *argv[] = { "prog", "-v", NULL };
	char *envp[] = { "HOME=/", NULL };
	struct vmm_stack_args a = args(2, argv, 1, envp);
	struct stack s;
	struct layout l;
	uint64_t p;

	stack_init(&s, 8192);
	ck_assert_uint_ne(build(&s, &a), 0);
	read_layout(&s, &l);
	ck_assert_int_eq(l.nauxv, (int)(sizeof(types) / sizeof(types[0])) + 1);
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		aux(&s, &l, types[i]);	/* each exactly once */
	ck_assert_uint_eq(word(&s, l.auxv + 16 * (l.nauxv - 1)), AT_NULL);
	ck_assert_uint_eq(word(&s, l.auxv), AT_SYSINFO_EHDR);

	ck_assert_uint_eq(aux(&s, &l, AT_SYSINFO_EHDR), a.sysinfo_ehdr);
	ck_assert_uint_eq(aux(&s, &l, AT_HWCAP), a.hwcap);
	ck_assert_uint_eq(aux(&s, &l, AT_HWCAP2), a.hwcap2);
	ck_assert_uint_eq(aux(&s, &l, AT_PAGESZ), 4096);
	ck_assert_uint_eq(aux(&s, &l, AT_CLKTCK), 100);
	ck_assert_uint_eq(aux(&s, &l, AT_PHDR), a.at_phdr);
	ck_assert_uint_eq(aux(&s, &l, AT_PHENT), a.at_phent);
	ck_assert_uint_eq(aux(&s, &l, AT_PHNUM), a.at_phnum);
	ck_assert_uint_eq(aux(&s, &l, AT_BASE), 0);
	ck_assert_uint_eq(aux(&s, &l, AT_FLAGS), 0);
	ck_assert_uint_eq(aux(&s, &l, AT_ENTRY), a.at_entry);
	ck_assert_uint_eq(aux(&s, &l, AT_UID), a.uid);
	ck_assert_uint_eq(aux(&s, &l, AT_EUID), a.uid);
	ck_assert_uint_eq(aux(&s, &l, AT_GID), a.gid);
	ck_assert_uint_eq(aux(&s, &l, AT_EGID), a.gid);
	ck_assert_uint_eq(aux(&s, &l, AT_SECURE), 0);

	p = aux(&s, &l, AT_RANDOM);
	ck_assert_uint_ge(p, l.end);
	ck_assert_mem_eq(at(&s, p, 16), a.random, 16);
	p = aux(&s, &l, AT_EXECFN);
	ck_assert_uint_ge(p, l.end);
	ck_assert_str_eq(string(&s, p), "/usr/bin/prog");
	p = aux(&s, &l, AT_PLATFORM);
	ck_assert_uint_ge(p, l.end);
	ck_assert_str_eq(string(&s, p), "x86_64");
}
END_TEST

/*
 * argc 0..5 by envc 0..4, strings of changing lengths so that both the
 * word count and the string area change parity: sp is 16-byte aligned,
 * every pointer goes to its own string, in order, each string above the
 * pointer area and apart from the others.
 */
#define MAX_ARGC 5
#define MAX_ENVC 4

START_TEST(aligned_and_pointing_right)
{
	static const char *const words[] = {
		"a", "bb", "ccc", "dddddddd", "e", "fffffffffffffff", "", "hh",
		"iiiiiiiiiiiiiiiii", "j",
	};
	int argc = _i % (MAX_ARGC + 1), envc = _i / (MAX_ARGC + 1);
	char argbuf[MAX_ARGC][32], envbuf[MAX_ENVC][32];
	char *argv[MAX_ARGC + 1] = { NULL }, *envp[MAX_ENVC + 1] = { NULL };
	const char *execfn = "/x/yy/zzz" + _i % 5;
	struct vmm_stack_args a;
	struct stack s;
	struct layout l;
	uint64_t lowest = TOP;
	int nstr = 0;
	struct { uint64_t at; size_t len; } str[MAX_ARGC + MAX_ENVC + 3];

	for (int i = 0; i < argc; i++) {
		snprintf(argbuf[i], sizeof(argbuf[i]), "arg%d=%s", i,
			 words[(_i + i) % 10]);
		argv[i] = argbuf[i];
	}
	for (int i = 0; i < envc; i++) {
		snprintf(envbuf[i], sizeof(envbuf[i]), "ENV%d=%s", i,
			 words[(_i * 3 + i) % 10]);
		envp[i] = envbuf[i];
	}
	a = args(argc, argv, envc, envp);
	a.execfn = execfn;
	stack_init(&s, 4096);
	ck_assert_uint_ne(build(&s, &a), 0);
	ck_assert_uint_eq(s.sp % 16, 0);
	read_layout(&s, &l);
	ck_assert_uint_eq(l.argc, (uint64_t)argc);
	ck_assert_uint_eq(l.envp, l.argv + 8 * (argc + 1));
	ck_assert_uint_eq(l.auxv, l.envp + 8 * (envc + 1));
	ck_assert_int_eq(l.nauxv, 20);

	for (int i = 0; i < argc; i++) {
		uint64_t p = word(&s, l.argv + 8 * i);

		ck_assert_str_eq(string(&s, p), argv[i]);
		str[nstr].at = p;
		str[nstr++].len = strlen(argv[i]) + 1;
	}
	for (int i = 0; i < envc; i++) {
		uint64_t p = word(&s, l.envp + 8 * i);

		ck_assert_str_eq(string(&s, p), envp[i]);
		str[nstr].at = p;
		str[nstr++].len = strlen(envp[i]) + 1;
	}
	str[nstr].at = aux(&s, &l, AT_EXECFN);
	str[nstr++].len = strlen(execfn) + 1;
	str[nstr].at = aux(&s, &l, AT_PLATFORM);
	str[nstr++].len = sizeof("x86_64");
	str[nstr].at = aux(&s, &l, AT_RANDOM);
	str[nstr++].len = 16;
	ck_assert_str_eq(string(&s, str[nstr - 3].at), execfn);
	/* As on Linux, argv strings follow each other in order, and envp's
	 * too (what setproctitle()-style code relies on). */
	for (int i = 0; i + 1 < argc; i++)
		ck_assert_uint_eq(str[i].at + str[i].len, str[i + 1].at);
	for (int i = argc; i + 1 < argc + envc; i++)
		ck_assert_uint_eq(str[i].at + str[i].len, str[i + 1].at);

	/* Above the pointers, inside the stack, no two overlapping. */
	for (int i = 0; i < nstr; i++) {
		at(&s, str[i].at, str[i].len);
		if (str[i].at < lowest)
			lowest = str[i].at;
		for (int j = 0; j < i; j++)
			ck_assert_msg(str[i].at + str[i].len <= str[j].at ||
				      str[j].at + str[j].len <= str[i].at,
				      "strings %d and %d overlap", i, j);
	}
	ck_assert_uint_ge(lowest, l.end);
	/* Nothing but alignment padding between auxv and the strings. */
	ck_assert_uint_lt(lowest - l.end, 32);
}
END_TEST

/*
 * The exact size fits, one byte less does not: then 0 comes back and
 * nothing is written outside the buffer.  Several shapes, so that the
 * last thing not to fit is sometimes padding, sometimes words.
 */
static const int fit_shapes[][2] = {
	{ 0, 0 }, { 1, 0 }, { 2, 0 }, { 1, 1 }, { 3, 2 }, { 4, 4 },
};

START_TEST(exact_fit_and_one_byte_short)
{
	char *argv[] = { "prog", "one", "three", "four4", NULL };
	char *envp[] = { "A=1", "BB=22", "CCC=333", "D=", NULL };
	int argc = fit_shapes[_i][0], envc = fit_shapes[_i][1];
	char *av[6] = { NULL }, *ev[6] = { NULL };
	struct vmm_stack_args a;
	struct stack big, s;
	size_t need;

	memcpy(av, argv, argc * sizeof(char *));
	memcpy(ev, envp, envc * sizeof(char *));
	a = args(argc, av, envc, ev);

	stack_init(&big, 8192);
	ck_assert_uint_ne(build(&big, &a), 0);
	need = TOP - big.sp;

	/* Exactly enough: the same stack, byte for byte. */
	stack_init(&s, need);
	ck_assert_uint_eq(build(&s, &a), big.sp);
	ck_assert_mem_eq(s.buf, big.buf + big.size - need, need);

	/* One byte short: refused, the guards intact (build checked). */
	stack_init(&s, need - 1);
	ck_assert_uint_eq(build(&s, &a), 0);

	/* Far too short, and empty. */
	stack_init(&s, 16);
	ck_assert_uint_eq(build(&s, &a), 0);
	stack_init(&s, 0);
	ck_assert_uint_eq(build(&s, &a), 0);
}
END_TEST

/* A string bigger than the whole buffer is refused before anything
 * spills out. */
START_TEST(too_big_is_refused)
{
	struct stack s;
	char big[300];
	char *argv[] = { big, NULL };
	struct vmm_stack_args a = { .argc = 1, .argv = argv, .execfn = "p" };

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	stack_init(&s, 256);
	ck_assert_uint_eq(build(&s, &a), 0);
	a.argv = (char *[]){ "p", NULL };
	a.execfn = big;
	ck_assert_uint_eq(build(&s, &a), 0);
}
END_TEST

/* Many arguments: all present and in order, sp still aligned. */
START_TEST(many_args)
{
	enum { N = 301 };
	static char names[N][8];
	static char *argv[N + 1];
	struct vmm_stack_args a;
	struct stack s;
	struct layout l;

	for (int i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "%d", i);
		argv[i] = names[i];
	}
	a = args(N, argv, 0, (char *[]){ NULL });
	stack_init(&s, 16384);
	ck_assert_uint_ne(build(&s, &a), 0);
	ck_assert_uint_eq(s.sp % 16, 0);
	read_layout(&s, &l);
	ck_assert_uint_eq(l.argc, N);
	for (int i = 0; i < N; i++)
		ck_assert_str_eq(string(&s, word(&s, l.argv + 8 * i)), names[i]);
	ck_assert_uint_eq(l.auxv, l.envp + 8);
}
END_TEST

/*
 * The boot VMAs, as the VMM adds them (image, vDSO, stack: out of
 * order), come out sorted, neighbours of one protection and kind
 * merged, the rest cleared; overlapping or empty ones are refused.
 */
START_TEST(boot_vmas_ordered_and_merged)
{
	struct lstar_boot_info bi = { .nr_vmas = 6 };
	const struct lstar_boot_vma want[] = {
		{ 0x400000, 0x402000, PROT_READ, LSTAR_VMA_IMAGE },
		{ 0x402000, 0x405000, PROT_READ | PROT_EXEC, LSTAR_VMA_IMAGE },
		{ 0x405000, 0x406000, PROT_READ, LSTAR_VMA_STACK },
		{ 0x7f0000000000, 0x7f0000003000, PROT_READ, LSTAR_VMA_VDSO },
	};

	bi.vmas[0] = (struct lstar_boot_vma){ 0x7f0000002000, 0x7f0000003000, PROT_READ, LSTAR_VMA_VDSO };
	bi.vmas[1] = (struct lstar_boot_vma){ 0x402000, 0x404000, PROT_READ | PROT_EXEC, LSTAR_VMA_IMAGE };
	bi.vmas[2] = (struct lstar_boot_vma){ 0x400000, 0x402000, PROT_READ, LSTAR_VMA_IMAGE };
	bi.vmas[3] = (struct lstar_boot_vma){ 0x7f0000000000, 0x7f0000002000, PROT_READ, LSTAR_VMA_VDSO };
	bi.vmas[4] = (struct lstar_boot_vma){ 0x405000, 0x406000, PROT_READ, LSTAR_VMA_STACK };
	bi.vmas[5] = (struct lstar_boot_vma){ 0x404000, 0x405000, PROT_READ | PROT_EXEC, LSTAR_VMA_IMAGE };
	ck_assert(vmm_order_boot_vmas(&bi));
	ck_assert_uint_eq(bi.nr_vmas, 4);
	ck_assert_mem_eq(bi.vmas, want, sizeof(want));
	for (int i = 4; i < 6; i++)
		ck_assert_uint_eq(bi.vmas[i].end, 0);

	/* One page of two mappings: refused, wherever it lies. */
	bi = (struct lstar_boot_info){ .nr_vmas = 3 };
	bi.vmas[0] = (struct lstar_boot_vma){ 0x600000, 0x700000, PROT_READ, LSTAR_VMA_STACK };
	bi.vmas[1] = (struct lstar_boot_vma){ 0x400000, 0x402000, PROT_READ, LSTAR_VMA_IMAGE };
	bi.vmas[2] = (struct lstar_boot_vma){ 0x401000, 0x403000, PROT_READ, LSTAR_VMA_IMAGE };
	ck_assert(!vmm_order_boot_vmas(&bi));
	bi = (struct lstar_boot_info){ .nr_vmas = 2 };
	bi.vmas[0] = (struct lstar_boot_vma){ 0x400000, 0x400000, PROT_READ, LSTAR_VMA_IMAGE };
	bi.vmas[1] = (struct lstar_boot_vma){ 0x600000, 0x601000, PROT_READ, LSTAR_VMA_IMAGE };
	ck_assert(!vmm_order_boot_vmas(&bi));
}
END_TEST

Suite *suite_stack(void)
{
	Suite *s = suite_create("stack");
	TCase *tc = tcase_create("build");

	tcase_add_test(tc, layout_argc_argv_envp_auxv);
	tcase_add_test(tc, auxv_complete);
	tcase_add_loop_test(tc, aligned_and_pointing_right, 0,
			    (MAX_ARGC + 1) * (MAX_ENVC + 1));
	tcase_add_loop_test(tc, exact_fit_and_one_byte_short, 0,
			    sizeof(fit_shapes) / sizeof(fit_shapes[0]));
	tcase_add_test(tc, too_big_is_refused);
	tcase_add_test(tc, many_args);
	tcase_add_test(tc, boot_vmas_ordered_and_merged);
	suite_add_tcase(s, tc);
	return s;
}
